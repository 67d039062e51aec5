#include "testbed/forward/ring.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static struct tpacket2_hdr *slot(struct mp_fwd_ring *r, unsigned i)
{
	return (struct tpacket2_hdr *)(r->map + (size_t)i * MP_FWD_FRAME_SIZE);
}

int mp_fwd_ring_open(struct mp_fwd_ring *r, const char *ifname, int tx)
{
	int version = TPACKET_V2, one = 1;
	struct tpacket_req req = {
		.tp_block_size = MP_FWD_FRAME_SIZE * 16,
		.tp_frame_size = MP_FWD_FRAME_SIZE,
		.tp_block_nr = MP_FWD_FRAMES / 16,
		.tp_frame_nr = MP_FWD_FRAMES,
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int rc;

	memset(r, 0, sizeof(*r));
	r->tx = tx;
	r->nframes = MP_FWD_FRAMES;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex)
		return -ENODEV;
	/* Protocol 0 until bound: nothing from other interfaces lands in the
	 * ring. TX sockets stay at 0 and receive nothing. */
	sll.sll_protocol = tx ? 0 : htons(ETH_P_ALL);
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return -errno;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0 ||
	    (tx && setsockopt(r->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) ||
	    setsockopt(r->fd, SOL_PACKET, tx ? PACKET_TX_RING : PACKET_RX_RING, &req,
		       sizeof(req)) < 0)
		goto fail;
	r->map_len = (size_t)req.tp_block_size * req.tp_block_nr;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		goto fail;
	}
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return 0;
fail:
	rc = -errno;
	mp_fwd_ring_close(r);
	return rc;
}

void mp_fwd_ring_close(struct mp_fwd_ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->fd > 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

const uint8_t *mp_fwd_rx_next(struct mp_fwd_ring *r, unsigned *len)
{
	for (;;) {
		struct tpacket2_hdr *h = slot(r, r->next);

		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			return NULL;
		/* Frames this host sends on the interface are not ours to forward. */
		{
			struct sockaddr_ll *sll = (struct sockaddr_ll *)((uint8_t *)h +
				TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));

			if (sll->sll_pkttype == PACKET_OUTGOING) {
				mp_fwd_rx_release(r);
				continue;
			}
		}
		*len = h->tp_snaplen;
		return (uint8_t *)h + h->tp_mac;
	}
}

void mp_fwd_rx_release(struct mp_fwd_ring *r)
{
	struct tpacket2_hdr *h = slot(r, r->next);

	__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	r->next = (r->next + 1) % r->nframes;
}

int mp_fwd_tx_queue(struct mp_fwd_ring *r, const uint8_t *frame, unsigned len)
{
	struct tpacket2_hdr *h = slot(r, r->next);
	size_t off = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);

	if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
		return -EAGAIN;
	if (len > MP_FWD_FRAME_SIZE - off)
		len = (unsigned)(MP_FWD_FRAME_SIZE - off);
	memcpy((uint8_t *)h + off, frame, len);
	h->tp_len = len;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	r->next = (r->next + 1) % r->nframes;
	return 0;
}

int mp_fwd_tx_flush(struct mp_fwd_ring *r)
{
	if (send(r->fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS)
		return -errno;
	return 0;
}
