#include "agent/receiver.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/rxcount.h"
#include "common/clock.h"
#include "common/err.h"

#define BLOCK_SIZE (1u << 20)          /* 1 MiB blocks ... */
#define BLOCK_NR 16                    /* ... 16 of them: ~250k 60-byte frames */
#define FRAME_SIZE 2048                /* a hint for V3; frames pack variably */
#define BLOCK_TIMEOUT_MS 10            /* a partly filled block is handed over */
#define POLL_MS 50                     /* also the tick of the open sample */

struct mp_receiver {
	int fd;
	uint8_t *ring;
	size_t ring_len;
	unsigned cur;                      /* next block to read */
	pthread_t th;
	int have_th;
	atomic_int stop;
	pthread_mutex_t mu;                /* guards x */
	struct mp_rxcount x;
	uint64_t drops;                    /* PACKET_STATISTICS since the last arm */
};

static int64_t real_minus_mono(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - (int64_t)m.tv_sec) * (int64_t)MP_NS_PER_SEC +
	       ((int64_t)r.tv_nsec - (int64_t)m.tv_nsec);
}

/* Adds the ring's drops since the last call (the kernel resets them on read). */
static void read_drops(struct mp_receiver *r)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		r->drops += st.tp_drops;
}

static void read_block(struct mp_receiver *r, struct tpacket_block_desc *bd)
{
	uint8_t *p = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
	int64_t off = real_minus_mono();

	pthread_mutex_lock(&r->mu);
	for (unsigned i = 0; i < bd->hdr.bh1.num_pkts; i++) {
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)p;
		const struct sockaddr_ll *sll =
			(const struct sockaddr_ll *)(p + TPACKET_ALIGN(sizeof(*h)));
		uint64_t rx_real = (uint64_t)h->tp_sec * MP_NS_PER_SEC + h->tp_nsec;

		if (sll->sll_pkttype != PACKET_OUTGOING)
			mp_rxcount_frame(&r->x, p + h->tp_mac, h->tp_snaplen,
					 rx_real - (uint64_t)off, off);
		p += h->tp_next_offset;
	}
	pthread_mutex_unlock(&r->mu);
}

static void *run(void *arg)
{
	struct mp_receiver *r = arg;

	while (!atomic_load(&r->stop)) {
		struct tpacket_block_desc *bd =
			(struct tpacket_block_desc *)(r->ring + (size_t)r->cur * BLOCK_SIZE);

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
			struct pollfd pfd = { .fd = r->fd, .events = POLLIN | POLLERR };

			poll(&pfd, 1, POLL_MS);
			pthread_mutex_lock(&r->mu);
			mp_rxcount_tick(&r->x, mp_now_ns());
			pthread_mutex_unlock(&r->mu);
			continue;
		}
		read_block(r, bd);
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		r->cur = (r->cur + 1) % BLOCK_NR;
	}
	return NULL;
}

static void release(struct mp_receiver *r)
{
	if (r->have_th) {
		atomic_store(&r->stop, 1);
		pthread_join(r->th, NULL);
	}
	if (r->ring)
		munmap(r->ring, r->ring_len);
	if (r->fd >= 0)
		close(r->fd);
	pthread_mutex_destroy(&r->mu);
	mp_rxcount_free(&r->x);
	free(r);
}

int mp_receiver_open(const char *dev, struct mp_receiver **out, char *err, size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct tpacket_req3 req = {
		.tp_block_size = BLOCK_SIZE, .tp_block_nr = BLOCK_NR, .tp_frame_size = FRAME_SIZE,
		.tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCK_NR,
		.tp_retire_blk_tov = BLOCK_TIMEOUT_MS,
	};
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	int version = TPACKET_V3, rc;
	struct mp_receiver *r;
	const char *what;

	*out = NULL;
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex) {
		snprintf(err, errlen, "no interface %s to receive on", dev);
		return -ENODEV;
	}
	r = calloc(1, sizeof(*r));
	if (!r || mp_rxcount_init(&r->x) < 0) {
		free(r);
		snprintf(err, errlen, "out of memory for the receiver");
		return -ENOMEM;
	}
	r->fd = -1;
	pthread_mutex_init(&r->mu, NULL);
	/* Protocol 0 until the ring exists: nothing is queued before bind. */
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	what = "packet socket (needs CAP_NET_RAW)";
	if (r->fd < 0)
		goto fail;
	what = "TPACKET_V3 receive ring";
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0 ||
	    setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		goto fail;
	r->ring_len = (size_t)BLOCK_SIZE * BLOCK_NR;
	r->ring = mmap(NULL, r->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
		       r->fd, 0);
	if (r->ring == MAP_FAILED)
		r->ring = mmap(NULL, r->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->ring == MAP_FAILED) {
		r->ring = NULL;
		goto fail;
	}
	what = "binding the receive socket";
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	mr.mr_ifindex = sll.sll_ifindex;
	what = "promiscuous mode";
	if (setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		goto fail;
	read_drops(r);
	r->drops = 0;
	if ((rc = pthread_create(&r->th, NULL, run, r)) != 0) {
		errno = rc;
		what = "the receiving thread";
		goto fail;
	}
	r->have_th = 1;
	*out = r;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "%s on %s: %s", what, dev, mp_strerror(errno));
	release(r);
	return rc;
}

void mp_receiver_arm(struct mp_receiver *r, uint16_t tag, uint64_t from_ns, uint64_t to_ns)
{
	pthread_mutex_lock(&r->mu);
	read_drops(r);
	r->drops = 0;
	mp_rxcount_arm(&r->x, tag, mp_now_ns(), from_ns, to_ns);
	pthread_mutex_unlock(&r->mu);
}

void mp_receiver_read(struct mp_receiver *r, struct mp_rx_counters *c, struct mp_hist *hist)
{
	pthread_mutex_lock(&r->mu);
	read_drops(r);
	mp_rxcount_counters(&r->x, c);
	c->ring_drops = r->drops;
	if (hist)
		memcpy(hist, r->x.hist, sizeof(*hist));
	pthread_mutex_unlock(&r->mu);
}

size_t mp_receiver_series(struct mp_receiver *r, size_t from, struct mp_rx_sample *out,
			  size_t n, size_t *total)
{
	size_t k = 0;

	pthread_mutex_lock(&r->mu);
	for (; from + k < r->x.nseries && k < n; k++)
		out[k] = r->x.series[from + k];
	*total = r->x.nseries;
	pthread_mutex_unlock(&r->mu);
	return k;
}

int mp_receiver_pause(struct mp_receiver *r, int paused)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };
	int zero = 0, rc;

	if (paused)
		rc = setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	else
		rc = setsockopt(r->fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero));
	return rc < 0 && !(errno == ENOENT && !paused) ? -errno : 0;
}

void mp_receiver_close(struct mp_receiver *r)
{
	if (r)
		release(r);
}
