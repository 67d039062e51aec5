#include "agent/rxcount.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/frame.h"
#include "common/clock.h"

#define ETHERTYPE_IPV4 0x0800
#define IPV4_MIN_HLEN 20
#define IPPROTO_UDP_NUM 17
#define UDP_HLEN 8
#define PKTGEN_HDR_LEN 16                 /* magic, seq, tv_sec, tv_usec */
#define NS_PER_US 1000ULL

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

int mp_rxcount_init(struct mp_rxcount *x)
{
	memset(x, 0, sizeof(*x));
	x->hist = mp_hist_new();
	x->cur = mp_hist_new();
	x->series = calloc(MP_RX_SERIES_MAX, sizeof(*x->series));
	if (!x->hist || !x->cur || !x->series) {
		mp_rxcount_free(x);
		return -ENOMEM;
	}
	mp_seq_init(&x->seq);
	return 0;
}

void mp_rxcount_free(struct mp_rxcount *x)
{
	free(x->hist);
	free(x->cur);
	free(x->series);
	memset(x, 0, sizeof(*x));
}

void mp_rxcount_arm(struct mp_rxcount *x, uint16_t tag, uint64_t arm_ns, uint64_t from_ns,
		    uint64_t to_ns)
{
	x->tag = tag;
	x->arm_ns = arm_ns;
	x->from_ns = from_ns;
	x->to_ns = to_ns;
	memset(&x->c, 0, sizeof(x->c));
	memset(&x->jit, 0, sizeof(x->jit));
	mp_seq_init(&x->seq);
	mp_hist_reset(x->hist);
	mp_hist_reset(x->cur);
	x->cur_k = 0;
	x->cur_frames = 0;
	x->nseries = 0;
}

static void close_sample(struct mp_rxcount *x)
{
	if (x->nseries < MP_RX_SERIES_MAX) {
		struct mp_rx_sample *s = &x->series[x->nseries++];

		s->k = x->cur_k;
		s->frames = x->cur_frames;
		s->p50_ns = mp_hist_percentile(x->cur, 50);
		s->p99_ns = mp_hist_percentile(x->cur, 99);
	}
	if (x->cur_frames)
		mp_hist_reset(x->cur);
	x->cur_frames = 0;
	x->cur_k++;
}

/* Moves the open sample to the one holding `t` (empty ones in between are
 * stored as such). */
static void advance(struct mp_rxcount *x, uint64_t t)
{
	uint64_t k = t > x->arm_ns ? (t - x->arm_ns) / MP_RX_SAMPLE_NS : 0;

	if (k > x->cur_k && k - x->cur_k > MP_RX_SERIES_MAX) {
		/* Far ahead: the series is full by then anyway. */
		x->nseries = MP_RX_SERIES_MAX;
		x->cur_k = k;
		x->cur_frames = 0;
		mp_hist_reset(x->cur);
		return;
	}
	while (x->cur_k < k)
		close_sample(x);
}

void mp_rxcount_tick(struct mp_rxcount *x, uint64_t now_ns)
{
	if (x->cur_frames && now_ns >= x->arm_ns + (x->cur_k + 1) * MP_RX_SAMPLE_NS)
		close_sample(x);
}

/* One more frame of `len` bytes in the per-length table (the first
 * MP_RX_SIZES lengths seen). */
static void count_size(struct mp_rx_counters *c, size_t len)
{
	for (unsigned i = 0; i < c->nsizes; i++)
		if (c->size[i] == len) {
			c->size_frames[i]++;
			return;
		}
	if (c->nsizes < MP_RX_SIZES) {
		c->size[c->nsizes] = (uint32_t)len;
		c->size_frames[c->nsizes++] = 1;
	}
}

void mp_rxcount_frame(struct mp_rxcount *x, const uint8_t *b, size_t len, uint64_t rx_ns,
		      int64_t real_off)
{
	size_t ihl, off;
	uint64_t seq, tx_ns;
	int64_t lat;
	uint32_t magic;

	if (len < MP_ETH_HLEN + IPV4_MIN_HLEN + UDP_HLEN || be16(b + MP_ETH_TYPE_OFF) != ETHERTYPE_IPV4 ||
	    (b[MP_ETH_HLEN] >> 4) != 4 || b[MP_ETH_HLEN + 9] != IPPROTO_UDP_NUM ||
	    (be16(b + MP_ETH_HLEN + 6) & 0x3fff) != 0)
		goto other;
	ihl = (size_t)(b[MP_ETH_HLEN] & 0xf) * 4;
	off = MP_ETH_HLEN + ihl + UDP_HLEN;
	if (ihl < IPV4_MIN_HLEN || len < off + 4)
		goto other;
	magic = be32(b + off);
	if (magic == MP_FRAME_MAGIC && len >= off + MP_FRAME_STAMP_LEN) {
		if (be16(b + off + 4) != x->tag) {
			x->c.earlier++;
			return;
		}
		seq = mp_seq_extend(&x->seq, be32(b + off + 6));
		tx_ns = be64(b + off + 10);
		lat = (int64_t)(rx_ns - tx_ns);
	} else if (magic == MP_PKTGEN_MAGIC && len >= off + PKTGEN_HDR_LEN) {
		uint64_t tx_real = (uint64_t)be32(b + off + 8) * MP_NS_PER_SEC +
				   (uint64_t)be32(b + off + 12) * NS_PER_US;

		seq = mp_seq_extend(&x->seq, be32(b + off + 4));
		tx_ns = tx_real - (uint64_t)real_off;
		lat = (int64_t)(rx_ns - tx_ns);
		if (tx_ns < x->arm_ns) {
			x->c.earlier++;
			return;
		}
	} else {
		goto other;
	}
	if (lat < 0)
		lat = 0;                 /* clock resolution (pktgen's microseconds) */
	advance(x, rx_ns);
	x->cur_frames++;
	mp_hist_record(x->cur, (uint64_t)lat);
	if (tx_ns < x->from_ns || (x->to_ns && tx_ns >= x->to_ns)) {
		x->c.outside++;
		return;
	}
	x->c.frames++;
	count_size(&x->c, len);
	mp_seq_add(&x->seq, seq);
	mp_hist_record(x->hist, (uint64_t)lat);
	mp_jitter_add(&x->jit, lat);
	return;
other:
	x->c.other++;
}

void mp_rxcount_counters(const struct mp_rxcount *x, struct mp_rx_counters *out)
{
	*out = x->c;
	out->lost = mp_seq_lost(&x->seq);
	out->reordered = x->seq.reordered;
	out->duplicated = x->seq.duplicated;
	out->lat_min_ns = x->hist->min;
	out->lat_max_ns = x->hist->max;
	out->lat_sum_ns = (uint64_t)x->hist->sum;
	out->jitter_ns = (uint64_t)(x->jit.j + 0.5);
}
