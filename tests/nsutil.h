/* Namespaces, veth pairs and raw frames for tests that need a network.
 * Every namespace is named <test prefix>-<suffix>, so the runner's
 * `mir-perf-testbed down --prefix P` removes whatever a failed test left. */
#ifndef MP_NSUTIL_H
#define MP_NSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NS_ETHERTYPE 0x88b5       /* IEEE local experimental: our test frames */

/* Creates namespace <prefix>-<suffix> (lo up); returns its name (static per call slot). */
const char *ns_create(const char *suffix);
/* A veth pair: a in ns_a, b in ns_b, both up. */
void ns_veth(const char *ns_a, const char *a, const char *ns_b, const char *b);
/* Runs `ip ARGS...` (NULL-terminated) and fails the test if it fails. */
void ns_ip(const char *first, ...);
/* Forks a child that enters `ns` and execs argv; its stdout/stderr go to
 * `log` (may be NULL). Returns the pid. */
pid_t ns_spawn(const char *ns, char *const argv[], const char *log);
/* Forks a child in `ns` that sends n test frames (NS_ETHERTYPE, `size`
 * bytes, payload: 32-bit sequence) on `ifname` at `pps` once continued
 * (ns_count_frames does it when its receiver is ready); returns the pid.
 * Its exit status is 0 when all were sent. */
pid_t ns_send_frames(const char *ns, const char *ifname, unsigned n, unsigned pps,
		     unsigned size);
/* Counts test frames arriving on `ifname` in `ns` until `quiet_ms` pass
 * without one (at most max_ms). Returns the count; checks that sequence
 * numbers are distinct. */
unsigned ns_count_frames(const char *ns, const char *ifname, unsigned quiet_ms,
			 unsigned max_ms, pid_t sender);
/* Waits for pid; its exit status (128+sig if killed). */
int ns_wait(pid_t pid);

#endif
