/* libxenctrl behind xc.h. Written against Xen 4.17's xc_domain_getinfo();
 * Xen 4.18 replaced it with xc_domain_getinfo_single(xch, domid, &info)
 * returning xc_domaininfo_t (flags in info.flags, cpu_time in
 * info.cpu_time): porting means changing domain_info() below only.
 *
 * Not exercised here: this machine has no hypervisor, so only the path
 * without /dev/xen/privcmd runs (tests/test_xc.c). */
#include "controller/host/xc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>

#include "common/err.h"

#define PRIVCMD "/dev/xen/privcmd"

struct mp_xc {
	xc_interface *xch;
	pthread_mutex_t lock;           /* one call at a time on xch */
};

int mp_xc_open(struct mp_xc **out, char *why, size_t whylen)
{
	struct mp_xc *x;

	*out = NULL;
	/* Checked first: xc_interface_open would print its own error. */
	if (access(PRIVCMD, R_OK | W_OK) != 0) {
		snprintf(why, whylen, "%s is not available (%s): no Xen hypervisor here, or "
			 "not dom0, or not root", PRIVCMD, mp_strerror(errno));
		return -ENOENT;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->xch = xc_interface_open(NULL, NULL, 0);
	if (!x->xch) {
		snprintf(why, whylen, "xc_interface_open failed: %s", mp_strerror(errno));
		free(x);
		return -EIO;
	}
	pthread_mutex_init(&x->lock, NULL);
	*out = x;
	return 0;
}

int mp_xc_domain_info(struct mp_xc *x, unsigned domid, struct mp_xc_info *out)
{
	xc_dominfo_t info;
	int n, err;

	pthread_mutex_lock(&x->lock);
	n = xc_domain_getinfo(x->xch, domid, 1, &info);
	err = errno;
	pthread_mutex_unlock(&x->lock);
	if (n < 0)
		return -err;
	if (n != 1 || info.domid != domid)
		return -ESRCH;
	memset(out, 0, sizeof(*out));
	out->domid = info.domid;
	out->running = info.running;
	out->blocked = info.blocked;
	out->paused = info.paused;
	out->crashed = info.crashed;
	out->dying = info.dying;
	out->shutdown = info.shutdown;
	out->cpu_time_ns = info.cpu_time;
	out->nr_online_vcpus = info.nr_online_vcpus;
	return 0;
}

void mp_xc_close(struct mp_xc *x)
{
	if (!x)
		return;
	xc_interface_close(x->xch);
	pthread_mutex_destroy(&x->lock);
	free(x);
}
