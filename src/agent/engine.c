/* INTERIM (replaced by the engines work): a plain paced send() loop on a
 * packet socket so the agent builds and its server can be tested. */
#include "agent/engine.h"
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"

struct mp_engine {
	pthread_t th; int have_th; int fd;
	atomic_int running, stop;
	atomic_ullong packets, bytes, errors, first, last;
	struct mp_traffic t; uint64_t pps;
	unsigned char frame[MP_FRAME_MAX];
};

int mp_engine_create(const char *kind, const char *root, struct mp_engine **out, char *err, size_t errlen)
{
	(void)root;
	if (strcmp(kind, "auto") && strcmp(kind, "packet")) { snprintf(err, errlen, "engine %s unavailable", kind); return -ENOTSUP; }
	*out = calloc(1, sizeof(**out));
	(*out)->fd = -1;
	return 0;
}
const char *mp_engine_name(const struct mp_engine *e) { (void)e; return "packet"; }

static void *run(void *arg)
{
	struct mp_engine *e = arg;
	uint64_t start = mp_now_ns(), n = 0;
	for (;;) {
		if (atomic_load(&e->stop)) break;
		uint64_t now = mp_now_ns();
		if (e->t.duration_ns && now - start >= e->t.duration_ns) break;
		if (e->t.count && n >= e->t.count) break;
		uint64_t due = start + n * MP_NS_PER_SEC / e->pps;
		if (due > now) { struct timespec ts = { .tv_sec = (time_t)(due / MP_NS_PER_SEC), .tv_nsec = (long)(due % MP_NS_PER_SEC) };
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL); continue; }
		if (send(e->fd, e->frame, e->t.frame_size, 0) == (ssize_t)e->t.frame_size) {
			uint64_t t = mp_now_ns();
			if (!atomic_load(&e->first)) atomic_store(&e->first, t);
			atomic_store(&e->last, t);
			atomic_fetch_add(&e->packets, 1); atomic_fetch_add(&e->bytes, e->t.frame_size);
		} else atomic_fetch_add(&e->errors, 1);
		n++;
	}
	atomic_store(&e->running, 0);
	return NULL;
}

int mp_engine_start(struct mp_engine *e, const struct mp_traffic *t, uint64_t max_pps, char *err, size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	if (atomic_load(&e->running)) { snprintf(err, errlen, "running"); return -EBUSY; }
	if (e->have_th) { pthread_join(e->th, NULL); e->have_th = 0; }
	if (e->fd >= 0) close(e->fd);
	e->t = *t; e->pps = t->rate_pps ? t->rate_pps : max_pps;
	if (e->pps > max_pps) { snprintf(err, errlen, "rate"); return -ERANGE; }
	sll.sll_ifindex = (int)if_nametoindex(t->dev);
	if (!sll.sll_ifindex) { snprintf(err, errlen, "no interface %s", t->dev); return -ENODEV; }
	e->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (e->fd < 0 || bind(e->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) { snprintf(err, errlen, "socket: %s", strerror(errno)); return -errno; }
	memset(e->frame, 0, sizeof(e->frame));
	memcpy(e->frame, t->dst_mac, 6); memcpy(e->frame + 6, t->src_mac, 6);
	{	/* all-zero source: the interface's own address (bridges drop zero) */
		static const uint8_t zero[6];
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->dev);
		if (!memcmp(t->src_mac, zero, 6) && ioctl(e->fd, SIOCGIFHWADDR, &ifr) == 0)
			memcpy(e->frame + 6, ifr.ifr_hwaddr.sa_data, 6);
	}
	e->frame[12] = 0x08; e->frame[13] = 0x00; e->frame[14] = 0x45; e->frame[23] = 17;
	atomic_store(&e->packets, 0); atomic_store(&e->bytes, 0); atomic_store(&e->errors, 0);
	atomic_store(&e->first, 0); atomic_store(&e->last, 0);
	atomic_store(&e->stop, 0); atomic_store(&e->running, 1);
	pthread_create(&e->th, NULL, run, e); e->have_th = 1;
	return 0;
}
int mp_engine_stop(struct mp_engine *e)
{
	atomic_store(&e->stop, 1);
	if (e->have_th) { pthread_join(e->th, NULL); e->have_th = 0; }
	return 0;
}
int mp_engine_running(const struct mp_engine *e) { return atomic_load(&((struct mp_engine *)e)->running); }
void mp_engine_counters(const struct mp_engine *e0, struct mp_traffic_counters *o)
{
	struct mp_engine *e = (struct mp_engine *)e0;
	o->packets = atomic_load(&e->packets); o->bytes = atomic_load(&e->bytes); o->errors = atomic_load(&e->errors);
	o->first_tx_ns = atomic_load(&e->first); o->last_tx_ns = atomic_load(&e->last);
}
void mp_engine_destroy(struct mp_engine *e) { if (!e) return; mp_engine_stop(e); if (e->fd >= 0) close(e->fd); free(e); }
