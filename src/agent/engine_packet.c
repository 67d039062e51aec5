/* The packet engine: a user-space generator on an AF_PACKET socket with a
 * TX ring (TPACKET_V2) and qdisc bypass. The frame is prepared once
 * (frame.c), one per size of an IMIX mix (imix.h: frame k has the size its
 * period's order gives, the period's entries shuffled anew for each
 * period, seeded so that runs repeat); per packet it is copied into
 * the ring slot, behind a virtio-net header, with its sequence number and
 * timestamp. Sending runs on its own thread, paced by
 * CLOCK_MONOTONIC against an absolute schedule (frame k is due at
 * start + k / rate): long gaps sleep with clock_nanosleep, short ones spin,
 * and the frames due are queued and flushed with one send() per batch. */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/engine_impl.h"
#include "agent/frame.h"
#include "agent/netdev.h"
#include "common/clock.h"
#include "common/err.h"

#define RING_FRAMES 512
#define BATCH 64                       /* frames per send() at most */
#define SPIN_NS 50000ULL               /* gaps shorter than this are spun */
#define SLEEP_EARLY_NS 20000ULL        /* wake this much before the due time */
/* After a stall (the CPU taken away) the engine sends at most this much of
 * the schedule late; frames due earlier are dropped from the schedule, not
 * sent in a burst at line rate that nobody asked for. They are missing from
 * the count, so a trial shows the generator's shortfall. */
#define MAX_LAG_NS (5 * MP_NS_PER_MS)

struct packet {
	int fd;
	uint8_t *ring;
	size_t ring_len, slot_size;
	size_t vnet;                       /* virtio-net header before each frame, or 0 */
	unsigned nslots, next;             /* frames in the ring, the next one to fill */
	struct mp_frame_tmpl tmpl[MP_IMIX_MAX];
	unsigned ntmpl;
	uint8_t pattern[MP_IMIX_PATTERN_MAX];  /* one period of the mix, evenly spaced */
	unsigned plen;
	uint8_t order[MP_IMIX_PATTERN_MAX];    /* template of frame k: order[k % plen], */
	uint64_t order_period;                 /* the pattern shuffled for period k / plen */
	struct mp_traffic t;
};

static void close_ring(struct packet *p)
{
	if (p->ring)
		munmap(p->ring, p->ring_len);
	if (p->fd >= 0)
		close(p->fd);
	p->ring = NULL;
	p->fd = -1;
	for (unsigned i = 0; i < p->ntmpl; i++)
		mp_frame_free(&p->tmpl[i]);
	p->ntmpl = 0;
}

/* One template per size (one without a mix) and the pattern over them. */
static int build_frames(struct packet *p, const uint8_t mac[MP_MAC_LEN])
{
	struct mp_traffic one = p->t;
	int rc;

	p->order_period = UINT64_MAX;
	if (!p->t.imix.n) {
		p->pattern[0] = p->order[0] = 0;
		p->plen = 1;
		p->ntmpl = 1;
		p->order_period = 0;    /* one size: its only order, for good */
		return mp_frame_build(&p->tmpl[0], &p->t, mac);
	}
	for (unsigned i = 0; i < p->t.imix.n; i++) {
		one.frame_size = p->t.imix.size[i];
		if ((rc = mp_frame_build(&p->tmpl[i], &one, mac)) < 0)
			return rc;
		p->ntmpl = i + 1;
	}
	p->plen = mp_imix_pattern(&p->t.imix, p->pattern, MP_IMIX_PATTERN_MAX);
	return p->plen ? 0 : -EINVAL;
}

static int open_ring(struct packet *p, char *err, size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int version = TPACKET_V2, one = 1;
	size_t slot;
	size_t block = 1 << 16;
	struct tpacket_req req;
	unsigned mtu;
	uint8_t mac[MP_MAC_LEN];
	int rc;

	p->vnet = 0;
	slot = TPACKET_ALIGN(TPACKET2_HDRLEN + sizeof(struct virtio_net_hdr) + p->t.frame_size);
	while (block < slot)
		block <<= 1;
	slot = (slot + 15) & ~(size_t)15;
	while (block % slot)
		slot += 16;
	req.tp_block_size = (unsigned)block;
	req.tp_frame_size = (unsigned)slot;
	req.tp_frame_nr = RING_FRAMES;
	req.tp_block_nr = (unsigned)((RING_FRAMES * slot + block - 1) / block);
	req.tp_frame_nr = (unsigned)(req.tp_block_nr * (block / slot));
	p->slot_size = slot;
	sll.sll_ifindex = (int)if_nametoindex(p->t.dev);
	if (!sll.sll_ifindex) {
		snprintf(err, errlen, "no interface %s", p->t.dev);
		return -ENODEV;
	}
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "packet socket: %s (needs CAP_NET_RAW)", mp_strerror(errno));
		return rc;
	}
	if ((rc = mp_netdev_mac(p->t.dev, mac)) < 0 || (rc = mp_netdev_mtu(p->t.dev, &mtu)) < 0) {
		snprintf(err, errlen, "cannot read %s's address and MTU: %s", p->t.dev, mp_strerror(rc));
		close_ring(p);
		return rc;
	}
	{
		static const uint8_t zero[MP_MAC_LEN];

		if (memcmp(p->t.src_mac, zero, MP_MAC_LEN) != 0)
			memcpy(mac, p->t.src_mac, MP_MAC_LEN);
	}
	if (p->t.frame_size > mtu + MP_ETH_HLEN) {
		snprintf(err, errlen, "frame size %u exceeds %s's MTU %u + %u", p->t.frame_size,
			 p->t.dev, mtu, MP_ETH_HLEN);
		close_ring(p);
		return -ERANGE;
	}
	if ((rc = build_frames(p, mac)) < 0) {
		snprintf(err, errlen, "cannot build the frame");
		close_ring(p);
		return rc;
	}
	/* A virtio-net header whose hdr_len is the whole frame makes the kernel
	 * copy the frame into the socket buffer's head instead of pointing page
	 * fragments at the ring. Fragments of the ring are "zero-copy": every
	 * hop that may hold the frame (a veth into another namespace, a bridge)
	 * must then copy them into freshly allocated pages, which costs more
	 * than copying 60..1514 bytes once (1.2-1.4x the rate on a veth, bench/
	 * bench_generator.sh). Kernels without it send as before. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == 0)
		p->vnet = sizeof(struct virtio_net_hdr);
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
		goto fail;
	p->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	p->ring = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->ring == MAP_FAILED) {
		p->ring = NULL;
		goto fail;
	}
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	p->nslots = req.tp_frame_nr;
	p->next = 0;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "packet TX ring on %s: %s", p->t.dev, mp_strerror(errno));
	close_ring(p);
	return rc;
}

static struct tpacket2_hdr *slot_at(struct packet *p, unsigned i)
{
	return (struct tpacket2_hdr *)(p->ring + (size_t)i * p->slot_size);
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / MP_NS_PER_SEC),
			       .tv_nsec = (long)(t % MP_NS_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Queues up to n frames into free slots; returns how many, their bytes in
 * *bytes. */
static unsigned fill(struct packet *p, struct mp_engine_run *run, unsigned n, uint64_t seq,
		     uint64_t now, uint64_t *bytes)
{
	size_t off = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
	unsigned done = 0;

	while (done < n) {
		struct tpacket2_hdr *h = slot_at(p, p->next);
		unsigned st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

		if (st == TP_STATUS_WRONG_FORMAT) {
			atomic_fetch_add(&run->errors, 1);
		} else if (st != TP_STATUS_AVAILABLE) {
			break;          /* ring full: the kernel still owns it */
		}
		uint64_t k = seq + done;
		const struct mp_frame_tmpl *tm;

		if (p->plen > 1 && k / p->plen != p->order_period) {
			p->order_period = k / p->plen;
			mp_imix_period_order(p->pattern, p->plen, MP_IMIX_SEED, p->order_period,
					     p->order);
		}
		tm = &p->tmpl[p->order[k % p->plen]];

		if (p->vnet) {
			struct virtio_net_hdr v = { .gso_type = VIRTIO_NET_HDR_GSO_NONE,
						    .hdr_len = (uint16_t)tm->len };

			memcpy((uint8_t *)h + off, &v, sizeof(v));
		}
		mp_frame_stamp(tm, (uint8_t *)h + off + p->vnet, seq + done, now);
		h->tp_len = (unsigned)(tm->len + p->vnet);
		*bytes += tm->len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		if (++p->next == p->nslots)
			p->next = 0;
		done++;
	}
	return done;
}

static void packet_send(void *state, struct mp_engine_run *run)
{
	struct packet *p = state;
	const struct mp_traffic *t = &p->t;
	uint64_t start = mp_now_ns(), seq = 0, skipped = 0;
	uint64_t max_lag = t->rate_pps * MAX_LAG_NS / MP_NS_PER_SEC;

	for (;;) {
		uint64_t now = mp_now_ns(), want = BATCH, bytes = 0;
		unsigned n;

		if (atomic_load(&run->stop) || (t->duration_ns && now - start >= t->duration_ns) ||
		    (t->count && seq >= t->count))
			break;
		if (t->rate_pps) {
			uint64_t due = (now - start) * t->rate_pps / MP_NS_PER_SEC + 1 - skipped;

			if (due > seq + (max_lag > BATCH ? max_lag : BATCH)) {
				uint64_t late = due - seq - (max_lag > BATCH ? max_lag : BATCH);

				skipped += late;
				due -= late;
			}
			if (seq >= due) {
				uint64_t next = start + (seq + skipped) * MP_NS_PER_SEC / t->rate_pps;

				if (next > now + SPIN_NS)
					sleep_until(next - SLEEP_EARLY_NS);
				continue;
			}
			want = due - seq < BATCH ? due - seq : BATCH;
		}
		if (t->count && t->count - seq < want)
			want = t->count - seq;
		n = fill(p, run, (unsigned)want, seq, now, &bytes);
		if (send(p->fd, NULL, 0, n == want ? MSG_DONTWAIT : 0) < 0 &&
		    errno != EAGAIN && errno != ENOBUFS)
			atomic_fetch_add(&run->errors, 1);
		if (!n)
			continue;
		if (!seq)
			atomic_store(&run->first_ns, now);
		seq += n;
		atomic_store(&run->last_ns, now);
		atomic_fetch_add(&run->packets, n);
		atomic_fetch_add(&run->bytes, (unsigned long long)bytes);
	}
	/* Wait for the ring to drain: every frame counted has left. */
	send(p->fd, NULL, 0, 0);
}

static int packet_prepare(void *state, const struct mp_traffic *t, char *err, size_t errlen)
{
	struct packet *p = state;

	p->fd = -1;
	p->t = *t;
	return open_ring(p, err, errlen);
}

static void packet_release(void *state)
{
	close_ring(state);
}

const struct mp_engine_ops mp_engine_packet = {
	.kind = MP_ENGINE_PACKET,
	.state_size = sizeof(struct packet),
	.prepare = packet_prepare,
	.send = packet_send,
	.release = packet_release,
};
