#include "testbed/forward/impair.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "common/mac.h"

#define IPV4_PROTO_OFF (MP_ETH_HLEN + 9)
#define ETHERTYPE_IPV4 0x0800
#define PROTO_UDP 17

int mp_fwd_impair_init(struct mp_fwd_impair *m, uint64_t delay_ns, uint64_t reorder,
		       uint64_t dup, uint64_t drop, uint64_t queue_pps)
{
	memset(m, 0, sizeof(*m));
	m->delay_ns = delay_ns;
	m->reorder = reorder;
	m->dup = dup;
	m->drop = drop;
	m->pace_ns = queue_pps ? MP_NS_PER_SEC / queue_pps : 0;
	if (!mp_fwd_impair_active(m))
		return 0;
	m->q = calloc(MP_IMPAIR_CAP, sizeof(*m->q));
	m->slots = malloc((size_t)MP_IMPAIR_CAP * MP_IMPAIR_SLOT);
	m->swap_data = malloc(MP_IMPAIR_SLOT);
	if (!m->q || !m->slots || !m->swap_data) {
		mp_fwd_impair_free(m);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < MP_IMPAIR_CAP; i++)
		m->q[i].data = m->slots + (size_t)i * MP_IMPAIR_SLOT;
	m->swap.data = m->swap_data;
	return 0;
}

int mp_fwd_impair_active(const struct mp_fwd_impair *m)
{
	return m->delay_ns || m->reorder || m->dup || m->drop || m->pace_ns;
}

void mp_fwd_impair_free(struct mp_fwd_impair *m)
{
	free(m->q);
	free(m->slots);
	free(m->swap_data);
	memset(m, 0, sizeof(*m));
}

static size_t gather(uint8_t *dst, const struct iovec *iov, int iovcnt)
{
	size_t len = 0;

	for (int i = 0; i < iovcnt; i++) {
		if (len + iov[i].iov_len > MP_IMPAIR_SLOT)
			return 0;
		memcpy(dst + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return len;
}

/* Appends a copy to the FIFO; 0, or -ENOSPC (full or too large). */
static int enqueue(struct mp_fwd_impair *m, const uint8_t *data, size_t len, uint64_t due)
{
	struct mp_fwd_held *h;

	if (m->n == MP_IMPAIR_CAP || !len || len > MP_IMPAIR_SLOT)
		return -ENOSPC;
	h = &m->q[(m->head + m->n) % MP_IMPAIR_CAP];
	memcpy(h->data, data, len);
	h->len = len;
	h->due_ns = due;
	m->n++;
	return 0;
}

static int is_udp(const uint8_t *b, size_t len)
{
	return len > IPV4_PROTO_OFF && ((b[MP_ETH_TYPE_OFF] << 8) | b[MP_ETH_TYPE_OFF + 1]) == ETHERTYPE_IPV4 &&
	       b[IPV4_PROTO_OFF] == PROTO_UDP;
}

void mp_fwd_impair_push(struct mp_fwd_impair *m, const struct iovec *iov, int iovcnt,
			uint64_t now_ns, struct mp_fwd_counters *c)
{
	uint8_t frame[MP_IMPAIR_SLOT];
	uint64_t due = now_ns + m->delay_ns, k;
	size_t len = gather(frame, iov, iovcnt);
	int bad = 0;

	if (!len) {
		c->errors++;
		return;
	}
	/* the frame's virtio-net header first (fwd.h), held and sent with it */
	if (len <= MP_FWD_VNET_HDR_LEN ||
	    !is_udp(frame + MP_FWD_VNET_HDR_LEN, len - MP_FWD_VNET_HDR_LEN)) {
		if (enqueue(m, frame, len, due) < 0)
			c->errors++;
		return;
	}
	k = m->udp_seen++;
	if (m->drop && k % m->drop == m->drop - 1) {
		m->dropped++;
		return;
	}
	if (m->reorder && k % m->reorder == 0 && !m->swap.len) {
		memcpy(m->swap.data, frame, len);
		m->swap.len = len;
		m->swap.due_ns = due + MP_IMPAIR_SWAP_WAIT_NS;
		return;                         /* goes after the next one */
	}
	bad |= enqueue(m, frame, len, due) < 0;
	if (m->dup && k % m->dup == 0) {
		bad |= enqueue(m, frame, len, due) < 0;
		m->duplicated++;
	}
	if (m->swap.len) {
		bad |= enqueue(m, m->swap.data, m->swap.len, due) < 0;
		m->swap.len = 0;
		m->reordered++;
	}
	if (bad)
		c->errors++;
}

void mp_fwd_impair_send(struct mp_fwd_impair *m, struct mp_fwd_port *out, uint64_t now_ns,
			struct mp_fwd_counters *c)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = out->ifindex };

	if (m->swap.len && m->swap.due_ns <= now_ns) {
		/* The traffic ended after a held frame: it goes, unswapped. */
		if (enqueue(m, m->swap.data, m->swap.len, now_ns) < 0)
			c->errors++;
		m->swap.len = 0;
	}
	while (m->n && m->q[m->head].due_ns <= now_ns && m->next_tx_ns <= now_ns) {
		struct mp_fwd_held *h = &m->q[m->head];

		if (sendto(out->fd, h->data, h->len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS)
				return;          /* the device is busy: again on the next turn */
			c->errors++;
		} else {
			c->forwarded++;
		}
		if (m->pace_ns)         /* idle since: no credit saved up for a burst */
			m->next_tx_ns = (m->next_tx_ns + m->pace_ns > now_ns ? m->next_tx_ns : now_ns) +
					m->pace_ns;
		m->head = (m->head + 1) % MP_IMPAIR_CAP;
		m->n--;
	}
}

uint64_t mp_fwd_impair_next_due(const struct mp_fwd_impair *m)
{
	uint64_t due = m->n ? m->q[m->head].due_ns : 0;

	if (due && m->next_tx_ns > due)
		due = m->next_tx_ns;

	if (m->swap.len && (!due || m->swap.due_ns < due))
		due = m->swap.due_ns;
	return due;
}
