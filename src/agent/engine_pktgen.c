/* The pktgen engine: configures the kernel's generator (pktgen.c), runs it
 * on a thread (writing "start" to pgctrl blocks until the run ends) and
 * reports pkts-sofar while it runs and the final Result afterwards. */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/engine_impl.h"
#include "agent/netdev.h"
#include "agent/pktgen.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

struct pg {
	char root[4096];
	struct mp_pktgen_io io;
	struct mp_traffic t;
	pthread_t th;
	int have_th;
	atomic_int running;
	atomic_ullong packets, errors, first, last;
	int finished;
};

static void *run(void *arg)
{
	struct pg *g = arg;
	char buf[MP_PKTGEN_READ_MAX];
	struct mp_pktgen_result r;
	int rc;

	rc = mp_pktgen_run(&g->io);
	if (rc < 0)
		mp_warn("pktgen: start failed: %s", mp_strerror(rc));
	if (g->io.read(g->io.ctx, g->t.dev, buf, sizeof(buf)) < 0) {
		mp_warn("pktgen: cannot read %s after the run", g->t.dev);
	} else if (mp_pktgen_parse_result(buf, &r) < 0) {
		char *res = strstr(buf, "Result: ");

		if (res)
			res[strcspn(res, "\n")] = '\0';
		mp_warn("pktgen: the run on %s ended without a result: %s", g->t.dev,
			res ? res : "no Result line");
	} else {
		atomic_store(&g->packets, r.packets);
		atomic_store(&g->errors, r.errors);
		mp_info("pktgen: %llu packets, %llu pps, %llu Mb/s, %llu errors",
			(unsigned long long)r.packets, (unsigned long long)r.pps,
			(unsigned long long)r.mbps, (unsigned long long)r.errors);
	}
	atomic_store(&g->last, mp_now_ns());
	atomic_store(&g->running, 0);
	return NULL;
}

static int pg_stop(void *impl)
{
	struct pg *g = impl;

	if (g->have_th) {
		if (atomic_load(&g->running))
			mp_pktgen_stop(&g->io);
		pthread_join(g->th, NULL);
		g->have_th = 0;
	}
	return 0;
}

static int pg_start(void *impl, const struct mp_traffic *t, char *err, size_t errlen)
{
	static const uint8_t zero[MP_MAC_LEN];
	struct pg *g = impl;
	uint8_t mac[MP_MAC_LEN];
	int rc;

	pg_stop(g);
	g->t = *t;
	memcpy(mac, t->src_mac, MP_MAC_LEN);
	if (!memcmp(mac, zero, MP_MAC_LEN) && (rc = mp_netdev_mac(t->dev, mac)) < 0) {
		snprintf(err, errlen, "no interface %s", t->dev);
		return rc;
	}
	if ((rc = mp_pktgen_configure(&g->io, t, mac, err, errlen)) < 0)
		return rc;
	atomic_store(&g->packets, 0);
	atomic_store(&g->errors, 0);
	atomic_store(&g->first, mp_now_ns());
	atomic_store(&g->last, 0);
	atomic_store(&g->running, 1);
	if ((rc = pthread_create(&g->th, NULL, run, g)) != 0) {
		atomic_store(&g->running, 0);
		snprintf(err, errlen, "cannot start the pktgen thread: %s", mp_strerror(rc));
		return -rc;
	}
	g->have_th = 1;
	return 0;
}

static int pg_running(const void *impl)
{
	return atomic_load(&((struct pg *)impl)->running);
}

static void pg_counters(const void *impl, struct mp_traffic_counters *o)
{
	struct pg *g = (struct pg *)impl;
	uint64_t sofar, errors;

	if (atomic_load(&g->running) &&
	    mp_pktgen_progress(&g->io, g->t.dev, &sofar, &errors) == 0) {
		atomic_store(&g->packets, sofar);
		atomic_store(&g->errors, errors);
		atomic_store(&g->last, mp_now_ns());
	}
	o->packets = atomic_load(&g->packets);
	/* pktgen draws IMIX sizes at random by weight: its bytes are estimated
	 * from the mix's mean size. */
	o->bytes = g->t.imix.n ? (uint64_t)((double)o->packets * mp_imix_mean(&g->t.imix) + 0.5)
			       : o->packets * g->t.frame_size;
	o->errors = atomic_load(&g->errors);
	o->first_tx_ns = o->packets ? atomic_load(&g->first) : 0;
	o->last_tx_ns = o->packets ? atomic_load(&g->last) : 0;
}

static void pg_destroy(void *impl)
{
	pg_stop(impl);
	free(impl);
}

static const struct mp_engine_ops pktgen_ops = {
	.name = "pktgen",
	.start = pg_start,
	.stop = pg_stop,
	.running = pg_running,
	.counters = pg_counters,
	.destroy = pg_destroy,
};

int mp_engine_pktgen_new(const char *root, void **impl, const struct mp_engine_ops **ops,
			 char *err, size_t errlen)
{
	struct pg *g;
	char ctrl[4200];

	snprintf(ctrl, sizeof(ctrl), "%s/%s", root, MP_PKTGEN_CTRL);
	if (access(ctrl, W_OK) != 0) {
		snprintf(err, errlen, "pktgen is not available (%s: %s); load it with "
			 "`modprobe pktgen`, or use --engine packet", ctrl, mp_strerror(errno));
		return -ENOENT;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	snprintf(g->root, sizeof(g->root), "%s", root);
	mp_pktgen_procfs(&g->io, g->root);
	*impl = g;
	*ops = &pktgen_ops;
	return 0;
}
