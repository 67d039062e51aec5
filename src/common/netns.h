/* Network namespaces as `ip netns` manages them (/run/netns/NAME), for the
 * testbed's programs and tests. */
#ifndef MP_NETNS_H
#define MP_NETNS_H

#include <stddef.h>

#define MP_NETNS_DIR "/run/netns"

/* Moves the calling thread into namespace `name`. 0 or -errno. */
int mp_netns_enter(const char *name);
int mp_netns_exists(const char *name);
/* Names in MP_NETNS_DIR starting with `prefix` (caller frees each and the
 * array). Returns how many, or -errno. */
int mp_netns_list(const char *prefix, char ***names);
/* Runs `argv` (no shell), waits at most 30 s; on failure logs the command
 * and its stderr. Returns the exit status or a negative errno. */
int mp_netns_cmd(char *const argv[]);

#endif
