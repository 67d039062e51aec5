/* The pktgen engine: configures the kernel's generator (pktgen.c), runs it
 * on the engine's thread and reports pkts-sofar while it runs and the final
 * Result afterwards. */
#include <errno.h>
#include <net/if.h>
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
};

/* pktgen draws IMIX sizes at random by weight: its bytes are estimated
 * from the mix's mean size. */
static uint64_t bytes_of(const struct mp_traffic *t, uint64_t packets)
{
	return t->imix.n ? (uint64_t)((double)packets * mp_imix_mean(&t->imix) + 0.5)
			 : packets * t->frame_size;
}

/* Writing "start" to pgctrl blocks until the kernel's run ends (its
 * duration or count, or pg_interrupt's "stop"). */
static void pg_send(void *state, struct mp_engine_run *run)
{
	struct pg *g = state;
	char buf[MP_PKTGEN_READ_MAX];
	struct mp_pktgen_result r;
	int rc;

	atomic_store(&run->first_ns, mp_now_ns());
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
		atomic_store(&run->packets, r.packets);
		atomic_store(&run->bytes, bytes_of(&g->t, r.packets));
		atomic_store(&run->errors, r.errors);
		mp_info("pktgen: %llu packets, %llu pps, %llu Mb/s, %llu errors",
			(unsigned long long)r.packets, (unsigned long long)r.pps,
			(unsigned long long)r.mbps, (unsigned long long)r.errors);
	}
	atomic_store(&run->last_ns, mp_now_ns());
}

static void pg_interrupt(void *state)
{
	struct pg *g = state;

	mp_pktgen_stop(&g->io);
}

static int pg_prepare(void *state, const struct mp_traffic *t, char *err, size_t errlen)
{
	static const uint8_t zero[MP_MAC_LEN];
	struct pg *g = state;
	uint8_t mac[MP_MAC_LEN];
	int rc;

	g->t = *t;
	memcpy(mac, t->src_mac, MP_MAC_LEN);
	if (!memcmp(mac, zero, MP_MAC_LEN) && (rc = mp_netdev_mac(t->dev, mac)) < 0) {
		snprintf(err, errlen, "no interface %s", t->dev);
		return rc;
	}
	return mp_pktgen_configure(&g->io, t, mac, err, errlen);
}

/* While it runs, the kernel's count so far (pkts-sofar). */
static void pg_progress(void *state, struct mp_engine_run *run)
{
	struct pg *g = state;
	uint64_t sofar, errors;

	if (mp_pktgen_progress(&g->io, g->t.dev, &sofar, &errors) == 0) {
		atomic_store(&run->packets, sofar);
		atomic_store(&run->bytes, bytes_of(&g->t, sofar));
		atomic_store(&run->errors, errors);
		atomic_store(&run->last_ns, mp_now_ns());
	}
}

static int pg_available(void *state, const char *root, char *err, size_t errlen)
{
	struct pg *g = state;
	char ctrl[4200];

	snprintf(ctrl, sizeof(ctrl), "%s/%s", root, MP_PKTGEN_CTRL);
	if (access(ctrl, W_OK) != 0) {
		snprintf(err, errlen, "pktgen is not available (%s: %s); load it with "
			 "`modprobe pktgen`, or use --engine %s", ctrl, mp_strerror(errno),
			 mp_engines[MP_ENGINE_PACKET].name);
		return -ENOENT;
	}
	snprintf(g->root, sizeof(g->root), "%s", root);
	mp_pktgen_procfs(&g->io, g->root);
	return 0;
}

const struct mp_engine_ops mp_engine_pktgen = {
	.kind = MP_ENGINE_PKTGEN,
	.state_size = sizeof(struct pg),
	.available = pg_available,
	.prepare = pg_prepare,
	.send = pg_send,
	.interrupt = pg_interrupt,
	.progress = pg_progress,
};
