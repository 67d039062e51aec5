/* Packet sockets for the forwarder: a TPACKET_V2 receive ring on each port,
 * frames sent in batches with sendmmsg straight from the ring (no copy, except
 * to re-insert a VLAN tag the kernel took out), PACKET_QDISC_BYPASS on send,
 * virtio-net headers both ways, and frames too large for a slot read whole
 * from the socket's queue (fwd.h). */
#include "testbed/forward/fwd.h"
#include "testbed/forward/impair.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

#define RING_FRAME_SIZE 4096u       /* header + an MTU-sized frame and then some */
#define RING_BLOCK_SIZE (1u << 16)
#define RING_BLOCK_NR 64u
#define PUMP_BATCH 64u
#define VLAN_TAG_LEN 4
#define MAC_ADDRS_LEN 12
/* Room on the socket for whole copies of large frames waiting to be read:
 * a few dozen 64 KiB GSO frames (SO_RCVBUFFORCE, we run as root). */
#define BIG_QUEUE_BYTES (8u << 20)
/* Any frame larger than a slot is also queued whole (PACKET_COPY_THRESH). */
#define COPY_THRESH 1

int mp_fwd_port_open(struct mp_fwd_port *p, const char *ifname, int rx)
{
	struct tpacket_req req = {
		.tp_block_size = RING_BLOCK_SIZE,
		.tp_block_nr = RING_BLOCK_NR,
		.tp_frame_size = RING_FRAME_SIZE,
		.tp_frame_nr = RING_BLOCK_SIZE / RING_FRAME_SIZE * RING_BLOCK_NR,
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int ver = TPACKET_V2, one = 1, thresh = COPY_THRESH, rcvbuf = BIG_QUEUE_BYTES, rc;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", ifname);
	p->ifindex = (int)if_nametoindex(ifname);
	if (!p->ifindex) {
		mp_err("no interface %s (check --in/--out)", ifname);
		return -ENODEV;
	}
	/* protocol 0: nothing arrives before the ring and the bind are in place */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		rc = -errno;
		mp_err("packet socket: %s%s", mp_strerror(rc),
		       rc == -EPERM ? " (needs CAP_NET_RAW: run as root)" : "");
		return rc;
	}
	if (setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		mp_warn("%s: no PACKET_QDISC_BYPASS (%s): sending through the qdisc", ifname,
			mp_strerror(errno));
	/* Before the ring: the kernel refuses it once a ring exists. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		goto fail_errno;
	if (!rx)
		return 0;   /* send only: frames carry the ifindex, no bind needed */
	p->big = malloc(MP_FWD_VNET_HDR_LEN + MP_FWD_FRAME_MAX);
	if (!p->big) {
		errno = ENOMEM;
		goto fail_errno;
	}
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_COPY_THRESH, &thresh, sizeof(thresh)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		goto fail_errno;
	p->frame_nr = req.tp_frame_nr;
	p->frame_size = req.tp_frame_size;
	p->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
	p->ring = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->ring == MAP_FAILED) {
		p->ring = NULL;
		goto fail_errno;
	}
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail_errno;
	return 0;
fail_errno:
	rc = -errno;
	mp_err("%s: packet socket setup: %s", ifname, mp_strerror(rc));
	mp_fwd_port_close(p);
	return rc;
}

void mp_fwd_port_close(struct mp_fwd_port *p)
{
	if (p->ring)
		munmap(p->ring, p->ring_len);
	if (p->fd >= 0)
		close(p->fd);
	free(p->big);
	p->big = NULL;
	p->ring = NULL;
	p->fd = -1;
}

static struct tpacket2_hdr *slot(struct mp_fwd_port *p, unsigned i)
{
	return (struct tpacket2_hdr *)(p->ring + (size_t)i * p->frame_size);
}

/* The 802.1Q tag the kernel took out of a received frame (status and tci
 * as the ring slot or PACKET_AUXDATA give them). */
struct vlan {
	int valid;
	uint16_t tpid, tci;
};

/* One frame ready to send: up to three pieces, the virtio-net header first,
 * and the tagged Ethernet header when a VLAN tag is put back. */
struct out_frame {
	struct iovec iov[3];
	int iovcnt;
	uint8_t tagged[MAC_ADDRS_LEN + VLAN_TAG_LEN];
};

/* Builds the pieces of a frame: `vh` its virtio-net header (changed in
 * place for sending), `data`/`len` the frame as received. */
static void frame_pieces(struct out_frame *f, struct virtio_net_hdr *vh, uint8_t *data,
			 size_t len, const struct vlan *v, int lose_csum)
{
	/* DATA_VALID is a receive flag; only NEEDS_CSUM means something sent.
	 * lose_csum: sent as bytes alone, its checksum left unfinished. */
	vh->flags &= lose_csum ? 0 : VIRTIO_NET_HDR_F_NEEDS_CSUM;
	f->iov[0] = (struct iovec){ vh, MP_FWD_VNET_HDR_LEN };
	if (v->valid && len >= MAC_ADDRS_LEN) {
		/* the kernel moved the tag out of the frame: put it back, and the
		 * offsets of what follows it move with it */
		memcpy(f->tagged, data, MAC_ADDRS_LEN);
		f->tagged[12] = (uint8_t)(v->tpid >> 8);
		f->tagged[13] = (uint8_t)v->tpid;
		f->tagged[14] = (uint8_t)(v->tci >> 8);
		f->tagged[15] = (uint8_t)v->tci;
		if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			vh->csum_start = htole16((uint16_t)(le16toh(vh->csum_start) + VLAN_TAG_LEN));
		if (vh->hdr_len)
			vh->hdr_len = htole16((uint16_t)(le16toh(vh->hdr_len) + VLAN_TAG_LEN));
		f->iov[1] = (struct iovec){ f->tagged, sizeof(f->tagged) };
		f->iov[2] = (struct iovec){ data + MAC_ADDRS_LEN, len - MAC_ADDRS_LEN };
		f->iovcnt = 3;
	} else {
		f->iov[1] = (struct iovec){ data, len };
		f->iovcnt = 2;
	}
}

static void vlan_of_slot(const struct tpacket2_hdr *h, struct vlan *v)
{
	v->valid = (h->tp_status & TP_STATUS_VLAN_VALID) != 0;
	v->tci = h->tp_vlan_tci;
	v->tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->tp_vlan_tpid ?
		h->tp_vlan_tpid : ETH_P_8021Q;
}

/* Sends msgs[0..n-1]; what cannot be sent is counted as errors. */
static void send_batch(struct mp_fwd_port *out, struct mmsghdr *msgs, unsigned n,
		       struct mp_fwd_counters *c)
{
	unsigned done = 0;

	while (done < n) {
		int r = sendmmsg(out->fd, msgs + done, n - done, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			c->errors++;   /* this frame failed; go on with the rest */
			done++;
			continue;
		}
		c->forwarded += (unsigned)r;
		done += (unsigned)r;
	}
}

/* Reads the whole copy of the frame whose slot said TP_STATUS_COPY into
 * in->big. Returns its length (header included) and its VLAN tag, or 0
 * when the copy is not there. */
static size_t read_big(struct mp_fwd_port *in, struct vlan *v, int *outgoing)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = { in->big, MP_FWD_VNET_HDR_LEN + MP_FWD_FRAME_MAX };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	ssize_t r;

	memset(v, 0, sizeof(*v));
	do
		r = recvmsg(in->fd, &m, MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r <= (ssize_t)MP_FWD_VNET_HDR_LEN || (m.msg_flags & MSG_TRUNC))
		return 0;
	*outgoing = from.sll_pkttype == PACKET_OUTGOING;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		const struct tpacket_auxdata *a = (const void *)CMSG_DATA(cm);

		if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA)
			continue;
		v->valid = (a->tp_status & TP_STATUS_VLAN_VALID) != 0;
		v->tci = a->tp_vlan_tci;
		v->tpid = (a->tp_status & TP_STATUS_VLAN_TPID_VALID) && a->tp_vlan_tpid ?
			a->tp_vlan_tpid : ETH_P_8021Q;
	}
	return (size_t)r;
}

/* Forwards the large frame a slot stands for, on its own (after the batch
 * before it, so the order holds). */
static void forward_big(struct mp_fwd_port *in, struct mp_fwd_port *out,
			struct mp_fwd_bucket *b, struct mp_fwd_impair *imp, uint64_t now,
			struct mp_fwd_counters *c)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = out->ifindex };
	struct out_frame f;
	struct vlan v;
	struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to) };
	int outgoing = 0;
	size_t len = read_big(in, &v, &outgoing);

	if (outgoing)
		return;
	c->received++;
	if (!len) {
		c->errors++;   /* its copy never made it to the queue (full) */
		return;
	}
	if (!mp_fwd_bucket_take(b, now)) {
		c->dropped++;
		return;
	}
	frame_pieces(&f, (struct virtio_net_hdr *)in->big, in->big + MP_FWD_VNET_HDR_LEN,
		     len - MP_FWD_VNET_HDR_LEN, &v, in->lose_csum);
	if (imp) {
		mp_fwd_impair_push(imp, f.iov, f.iovcnt, now, c);
		return;
	}
	m.msg_iov = f.iov;
	m.msg_iovlen = (size_t)f.iovcnt;
	while (sendmsg(out->fd, &m, 0) < 0) {
		if (errno != EINTR) {
			c->errors++;
			return;
		}
	}
	c->forwarded++;
}

unsigned mp_fwd_pump(struct mp_fwd_port *in, struct mp_fwd_port *out,
		     struct mp_fwd_bucket *b, struct mp_fwd_impair *imp,
		     struct mp_fwd_counters *c)
{
	struct mmsghdr msgs[PUMP_BATCH];
	struct out_frame frames[PUMP_BATCH];
	unsigned used[PUMP_BATCH];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = out->ifindex };
	unsigned consumed = 0;

	while (consumed < in->frame_nr) {
		unsigned n = 0, nused = 0;
		uint64_t now = mp_now_ns();

		while (nused < PUMP_BATCH && consumed < in->frame_nr) {
			struct tpacket2_hdr *h = slot(in, in->head);
			uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
			struct vlan v;
			uint8_t *data;

			if (!(status & TP_STATUS_USER))
				break;
			if (imp)
				now = mp_now_ns();   /* after the frame arrived: its delay
						      * is never cut short */
			used[nused++] = in->head;
			in->head = (in->head + 1) % in->frame_nr;
			consumed++;
			if (status & TP_STATUS_COPY) {
				/* too large for the slot: its whole copy waits on the
				 * socket, in the ring's order */
				if (n)
					send_batch(out, msgs, n, c);
				n = 0;
				forward_big(in, out, b, imp, now, c);
				continue;
			}
			struct sockaddr_ll *sll = (struct sockaddr_ll *)((uint8_t *)h +
				TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
			if (sll->sll_pkttype == PACKET_OUTGOING)
				continue;   /* our own sends (or the host's): never loop */
			c->received++;
			if (h->tp_snaplen < h->tp_len || h->tp_mac < MP_FWD_VNET_HDR_LEN) {
				c->errors++;   /* larger than a slot, and no copy */
				continue;
			}
			if (!mp_fwd_bucket_take(b, now)) {
				c->dropped++;
				continue;
			}
			data = (uint8_t *)h + h->tp_mac;
			vlan_of_slot(h, &v);
			/* the kernel writes the virtio-net header right before the frame */
			frame_pieces(&frames[n], (struct virtio_net_hdr *)(data - MP_FWD_VNET_HDR_LEN),
				     data, h->tp_snaplen, &v, in->lose_csum);
			if (imp) {
				mp_fwd_impair_push(imp, frames[n].iov, frames[n].iovcnt, now, c);
				continue;
			}
			memset(&msgs[n], 0, sizeof(msgs[n]));
			msgs[n].msg_hdr.msg_iov = frames[n].iov;
			msgs[n].msg_hdr.msg_iovlen = (size_t)frames[n].iovcnt;
			msgs[n].msg_hdr.msg_name = &to;
			msgs[n].msg_hdr.msg_namelen = sizeof(to);
			n++;
		}
		if (n)
			send_batch(out, msgs, n, c);
		for (unsigned i = 0; i < nused; i++)
			__atomic_store_n(&slot(in, used[i])->tp_status, TP_STATUS_KERNEL,
					 __ATOMIC_RELEASE);
		if (!nused)
			break;
	}
	return consumed;
}

void mp_fwd_port_stats(struct mp_fwd_port *p, struct mp_fwd_counters *c)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (!p->ring)
		return;
	/* the kernel resets these counters on every read */
	if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		c->ring_drops += st.tp_drops;
}
