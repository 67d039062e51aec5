/* One counter of the kernel's protocol statistics, /proc/net/snmp (per
 * protocol a line of names, "Tcp: RtoAlgorithm ... InCsumErrors", and a
 * line of values), in the calling thread's network namespace. TCP through
 * the DUT reads Tcp InCsumErrors there: segments dropped for a wrong
 * checksum, which is how a DUT that forwards frames with their checksum
 * left to offload (and unfinished) shows. */
#ifndef MP_AGENT_SNMP_H
#define MP_AGENT_SNMP_H

#include <stdint.h>

/* Finds proto's counter `name` in such a text. 0, or -ENOENT. */
int mp_snmp_parse(const char *text, const char *proto, const char *name, uint64_t *out);

/* The same from /proc/thread-self/net/snmp. 0, or -errno. */
int mp_snmp_read(const char *proto, const char *name, uint64_t *out);

#endif
