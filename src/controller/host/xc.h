/* The hypervisor's view of a domain through libxenctrl: state and cumulative
 * CPU time (Xen 4.17 xc_domain_getinfo; 4.18 replaced it with
 * xc_domain_getinfo_single). Without /dev/xen/privcmd (the testbed, any
 * machine without Xen) mp_xc_open fails with a reason and the run goes on
 * without CPU figures. This code cannot be exercised here beyond that. */
#ifndef MP_XC_H
#define MP_XC_H

#include <stddef.h>
#include <stdint.h>

struct mp_xc;

struct mp_xc_info {
	unsigned domid;
	int running, blocked, paused, crashed, dying, shutdown;
	uint64_t cpu_time_ns;     /* cumulative, all vCPUs */
	unsigned nr_online_vcpus;
};

/* Returns 0, or a negative errno with a sentence in `why`. */
int mp_xc_open(struct mp_xc **out, char *why, size_t whylen);
/* Returns 0, -ESRCH when the domain does not exist, another negative errno.
 * Callable from any thread (the sweep reads the DUT's CPU time on libuv's
 * thread pool while a phase runs): calls on one handle are serialised. */
int mp_xc_domain_info(struct mp_xc *xc, unsigned domid, struct mp_xc_info *out);
void mp_xc_close(struct mp_xc *xc);

#endif
