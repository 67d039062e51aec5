/* Link counters over netlink (libnl-3 route, 64-bit IFLA_STATS64), read
 * synchronously: one RTM_GETLINK dump per call, well under a millisecond. */
#ifndef MP_NL_H
#define MP_NL_H

#include <stddef.h>
#include <stdint.h>

struct mp_nl;

struct mp_link_stats {
	uint64_t t_ns;            /* CLOCK_MONOTONIC when the dump was answered */
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_dropped, tx_dropped;
};

int mp_nl_open(struct mp_nl **out);

/* Reads the counters of the n interfaces `names` (in the caller's network
 * namespace) into out[0..n-1], all from one dump. Returns 0, -ENODEV when an
 * interface does not exist (mp_nl_last_missing names it), or another
 * negative errno. */
int mp_nl_read(struct mp_nl *nl, const char *const *names, size_t n,
	       struct mp_link_stats *out);
const char *mp_nl_last_missing(const struct mp_nl *nl);

void mp_nl_close(struct mp_nl *nl);

#endif
