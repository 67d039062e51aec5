/* Packet sockets for the forwarder: a TPACKET_V2 receive ring on each port,
 * frames sent in batches with sendmmsg straight from the ring (no copy, except
 * to re-insert a VLAN tag the kernel took out), PACKET_QDISC_BYPASS on send. */
#include "testbed/forward/fwd.h"
#include "testbed/forward/impair.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

#define RING_FRAME_SIZE 4096u       /* header + largest frame forwarded (~4000 B) */
#define RING_BLOCK_SIZE (1u << 16)
#define RING_BLOCK_NR 64u
#define PUMP_BATCH 64u
#define VLAN_TAG_LEN 4
#define MAC_ADDRS_LEN 12

int mp_fwd_port_open(struct mp_fwd_port *p, const char *ifname, int rx)
{
	struct tpacket_req req = {
		.tp_block_size = RING_BLOCK_SIZE,
		.tp_block_nr = RING_BLOCK_NR,
		.tp_frame_size = RING_FRAME_SIZE,
		.tp_frame_nr = RING_BLOCK_SIZE / RING_FRAME_SIZE * RING_BLOCK_NR,
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int ver = TPACKET_V2, one = 1, rc;

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
	if (!rx)
		return 0;   /* send only: frames carry the ifindex, no bind needed */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) < 0 ||
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
	mp_err("%s: packet ring setup: %s", ifname, mp_strerror(rc));
	mp_fwd_port_close(p);
	return rc;
}

void mp_fwd_port_close(struct mp_fwd_port *p)
{
	if (p->ring)
		munmap(p->ring, p->ring_len);
	if (p->fd >= 0)
		close(p->fd);
	p->ring = NULL;
	p->fd = -1;
}

static struct tpacket2_hdr *slot(struct mp_fwd_port *p, unsigned i)
{
	return (struct tpacket2_hdr *)(p->ring + (size_t)i * p->frame_size);
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

unsigned mp_fwd_pump(struct mp_fwd_port *in, struct mp_fwd_port *out,
		     struct mp_fwd_bucket *b, struct mp_fwd_impair *imp,
		     struct mp_fwd_counters *c)
{
	struct mmsghdr msgs[PUMP_BATCH];
	struct iovec iov[PUMP_BATCH][2];
	uint8_t tagged[PUMP_BATCH][MAC_ADDRS_LEN + VLAN_TAG_LEN];
	unsigned used[PUMP_BATCH];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = out->ifindex };
	unsigned consumed = 0;

	while (consumed < in->frame_nr) {
		unsigned n = 0, nused = 0;
		uint64_t now = mp_now_ns();

		while (nused < PUMP_BATCH && consumed < in->frame_nr) {
			struct tpacket2_hdr *h = slot(in, in->head);
			uint8_t *data;

			if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
				break;
			if (imp)
				now = mp_now_ns();   /* after the frame arrived: its delay
						      * is never cut short */
			used[nused++] = in->head;
			in->head = (in->head + 1) % in->frame_nr;
			consumed++;
			struct sockaddr_ll *sll = (struct sockaddr_ll *)((uint8_t *)h +
				TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
			if (sll->sll_pkttype == PACKET_OUTGOING)
				continue;   /* our own sends (or the host's): never loop */
			c->received++;
			if (h->tp_snaplen < h->tp_len) {
				c->errors++;   /* larger than a ring slot: not forwarded altered */
				continue;
			}
			if (!mp_fwd_bucket_take(b, now)) {
				c->dropped++;
				continue;
			}
			data = (uint8_t *)h + h->tp_mac;
			memset(&msgs[n], 0, sizeof(msgs[n]));
			if ((h->tp_status & TP_STATUS_VLAN_VALID) && h->tp_snaplen >= MAC_ADDRS_LEN) {
				/* the kernel moved the tag out of the frame: put it back */
				uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->tp_vlan_tpid
							? h->tp_vlan_tpid : ETH_P_8021Q;
				memcpy(tagged[n], data, MAC_ADDRS_LEN);
				tagged[n][12] = (uint8_t)(tpid >> 8);
				tagged[n][13] = (uint8_t)tpid;
				tagged[n][14] = (uint8_t)(h->tp_vlan_tci >> 8);
				tagged[n][15] = (uint8_t)h->tp_vlan_tci;
				iov[n][0] = (struct iovec){ tagged[n], sizeof(tagged[n]) };
				iov[n][1] = (struct iovec){ data + MAC_ADDRS_LEN,
							    h->tp_snaplen - MAC_ADDRS_LEN };
				msgs[n].msg_hdr.msg_iovlen = 2;
			} else {
				iov[n][0] = (struct iovec){ data, h->tp_snaplen };
				msgs[n].msg_hdr.msg_iovlen = 1;
			}
			if (imp) {
				mp_fwd_impair_push(imp, iov[n], (int)msgs[n].msg_hdr.msg_iovlen, now, c);
				continue;
			}
			msgs[n].msg_hdr.msg_iov = iov[n];
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
