#include "common/hist.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mp_hist *mp_hist_new(void)
{
	return calloc(1, sizeof(struct mp_hist));
}

void mp_hist_reset(struct mp_hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* Bucket k >= 1 of the log part covers [2^(k+SUB_BITS-1), 2^(k+SUB_BITS))
 * in MP_HIST_HALF steps of 2^k; the linear part [0, SUB_COUNT) is bucket 0. */
unsigned mp_hist_index(uint64_t ns)
{
	unsigned msb, shift;

	if (ns > MP_HIST_MAX_NS)
		ns = MP_HIST_MAX_NS;
	if (ns < MP_HIST_SUB_COUNT)
		return (unsigned)ns;
	msb = 63u - (unsigned)__builtin_clzll(ns);
	shift = msb - (MP_HIST_SUB_BITS - 1);
	return MP_HIST_SUB_COUNT + (shift - 1) * MP_HIST_HALF +
	       (unsigned)((ns >> shift) - MP_HIST_HALF);
}

uint64_t mp_hist_lowest(unsigned idx)
{
	unsigned shift, sub;

	if (idx < MP_HIST_SUB_COUNT)
		return idx;
	shift = (idx - MP_HIST_SUB_COUNT) / MP_HIST_HALF + 1;
	sub = (idx - MP_HIST_SUB_COUNT) % MP_HIST_HALF + MP_HIST_HALF;
	return (uint64_t)sub << shift;
}

uint64_t mp_hist_highest(unsigned idx)
{
	unsigned shift;

	if (idx < MP_HIST_SUB_COUNT)
		return idx;
	shift = (idx - MP_HIST_SUB_COUNT) / MP_HIST_HALF + 1;
	return mp_hist_lowest(idx) + ((uint64_t)1 << shift) - 1;
}

void mp_hist_record(struct mp_hist *h, uint64_t ns)
{
	if (ns > MP_HIST_MAX_NS)
		h->overflow++;
	if (!h->count || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->count++;
	h->sum += (double)ns;
	h->b[mp_hist_index(ns)]++;
}

int mp_hist_add_bucket(struct mp_hist *h, unsigned idx, uint64_t n)
{
	uint64_t lo, hi;

	if (idx >= MP_HIST_BUCKETS)
		return -EINVAL;
	if (!n)
		return 0;
	lo = mp_hist_lowest(idx);
	hi = mp_hist_highest(idx);
	if (!h->count || lo < h->min)
		h->min = lo;
	if (hi > h->max)
		h->max = hi;
	h->count += n;
	h->sum += (double)n * (double)(lo + (hi - lo) / 2);
	h->b[idx] += n;
	return 0;
}

void mp_hist_merge(struct mp_hist *dst, const struct mp_hist *src)
{
	if (!src->count)
		return;
	for (unsigned i = 0; i < MP_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->overflow += src->overflow;
	dst->sum += src->sum;
}

uint64_t mp_hist_percentile(const struct mp_hist *h, double p)
{
	uint64_t rank, seen = 0, v;

	if (!h->count)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	/* The value ranked ceil(p% of count), the first one for p = 0. */
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < MP_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			if (i == MP_HIST_BUCKETS - 1)
				return h->max;      /* the overflow bucket */
			v = mp_hist_highest(i);
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}

double mp_hist_mean(const struct mp_hist *h)
{
	return h->count ? h->sum / (double)h->count : NAN;
}

unsigned mp_hist_next(const struct mp_hist *h, unsigned from)
{
	while (from < MP_HIST_BUCKETS && !h->b[from])
		from++;
	return from;
}

#define COUNT_MAX 9007199254740991ULL   /* 2^53 - 1: exact in any JSON reader */

char *mp_hist_encode(const struct mp_hist *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned prev = 0;
	int first = 1;

	if (!f)
		return NULL;
	for (unsigned i = mp_hist_next(h, 0); i < MP_HIST_BUCKETS; i = mp_hist_next(h, i + 1)) {
		fprintf(f, "%s%u:%llu", first ? "" : " ", i - prev, (unsigned long long)h->b[i]);
		prev = i;
		first = 0;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A decimal number of at most `max`, digits only; advances *s. */
static int number(const char **s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (unsigned)(*p - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

int mp_hist_decode(const char *s, struct mp_hist *h)
{
	unsigned long long idx = 0, d, c;
	int first = 1;

	while (*s) {
		if (!first && *s++ != ' ')
			return -EINVAL;
		if (number(&s, MP_HIST_BUCKETS, &d) < 0 || *s++ != ':' ||
		    number(&s, COUNT_MAX, &c) < 0 || c == 0 || (!first && d == 0) ||
		    idx + d >= MP_HIST_BUCKETS || h->count + c > COUNT_MAX)
			return -EINVAL;
		idx += d;
		mp_hist_add_bucket(h, (unsigned)idx, c);
		first = 0;
	}
	return 0;
}
