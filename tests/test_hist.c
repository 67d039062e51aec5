/* Unit tests for the latency histogram, the sequence tracker and the RFC 3550
 * jitter estimator (src/common/hist.c, seqtrack.c, jitter.h). */
#include "test.h"

#include <math.h>
#include <stdlib.h>

#include "common/hist.h"
#include "common/jitter.h"
#include "common/seqtrack.h"

TEST(hist_index_bounds_roundtrip)
{
	unsigned prev = 0;

	ASSERT_EQ(mp_hist_index(0), 0);
	ASSERT_EQ(mp_hist_index(2047), 2047);
	ASSERT_EQ(mp_hist_index(2048), 2048);
	ASSERT_EQ(mp_hist_index(MP_HIST_MAX_NS), MP_HIST_BUCKETS - 1);
	ASSERT_EQ(mp_hist_index(UINT64_MAX), MP_HIST_BUCKETS - 1);
	ASSERT_EQ(mp_hist_highest(MP_HIST_BUCKETS - 1), MP_HIST_MAX_NS);
	/* Every bucket's bounds map back to it, buckets tile the range without
	 * holes, and none is wider than 1/1024 of its lowest value. */
	for (unsigned i = 0; i < MP_HIST_BUCKETS; i++) {
		uint64_t lo = mp_hist_lowest(i), hi = mp_hist_highest(i);

		ASSERT_EQ(mp_hist_index(lo), i);
		ASSERT_EQ(mp_hist_index(hi), i);
		if (i)
			ASSERT_EQ(lo, mp_hist_highest(i - 1) + 1);
		ASSERT_MSG(hi - lo <= lo / 1024, "bucket %u: %llu..%llu", i,
			   (unsigned long long)lo, (unsigned long long)hi);
		ASSERT(mp_hist_index(lo) >= prev);
		prev = mp_hist_index(lo);
	}
	/* 1 us .. 10 s is inside the range. */
	ASSERT(MP_HIST_MAX_NS >= 10000000000ULL);
}

/* Three significant digits: every percentile of a known uniform set is
 * within 0.1% of the exact value. */
TEST(hist_percentiles_three_digits)
{
	struct mp_hist *h = mp_hist_new();
	double ps[] = { 1, 50, 90, 99, 99.9, 100 };

	ASSERT(h);
	ASSERT_EQ(mp_hist_percentile(h, 50), 0);
	ASSERT(isnan(mp_hist_mean(h)));
	/* 1..1000000 us in 1 us steps. */
	for (uint64_t v = 1; v <= 1000000; v++)
		mp_hist_record(h, v * 1000);
	ASSERT_EQ(h->count, 1000000);
	ASSERT_EQ(h->min, 1000);
	ASSERT_EQ(h->max, 1000000000ULL);
	ASSERT(fabs(mp_hist_mean(h) - 500000500.0) < 1.0);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double want = ps[i] / 100.0 * 1e6 * 1000, got = (double)mp_hist_percentile(h, ps[i]);

		ASSERT_MSG(fabs(got - want) <= want / 1000.0, "p%g: %.0f, want %.0f", ps[i], got, want);
	}
	ASSERT_EQ(mp_hist_percentile(h, 0), 1000);
	ASSERT_EQ(mp_hist_percentile(h, 100), 1000000000ULL);
	free(h);
}

TEST(hist_small_sets_exact_and_overflow)
{
	struct mp_hist *h = mp_hist_new();

	ASSERT(h);
	mp_hist_record(h, 5);
	mp_hist_record(h, 7);
	mp_hist_record(h, 7);
	mp_hist_record(h, 9);
	ASSERT_EQ(mp_hist_percentile(h, 25), 5);
	ASSERT_EQ(mp_hist_percentile(h, 50), 7);
	ASSERT_EQ(mp_hist_percentile(h, 75), 7);
	ASSERT_EQ(mp_hist_percentile(h, 99), 9);
	mp_hist_record(h, 20000000000ULL);         /* 20 s: above the range */
	ASSERT_EQ(h->overflow, 1);
	ASSERT_EQ(h->max, 20000000000ULL);
	ASSERT_EQ(mp_hist_percentile(h, 100), 20000000000ULL);
	mp_hist_reset(h);
	ASSERT_EQ(h->count, 0);
	ASSERT_EQ(mp_hist_next(h, 0), MP_HIST_BUCKETS);
	free(h);
}

/* Merging two halves equals recording everything in one; the compact form
 * (non-empty buckets walked with mp_hist_next, re-added with
 * mp_hist_add_bucket) gives the same percentiles. */
TEST(hist_merge_and_compact_roundtrip)
{
	struct mp_hist *a = mp_hist_new(), *b = mp_hist_new(), *all = mp_hist_new(),
		       *c = mp_hist_new();
	unsigned n = 0;

	ASSERT(a && b && all && c);
	srand(7);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = 20000 + (uint64_t)(rand() % 5000000);

		mp_hist_record(i % 2 ? a : b, v);
		mp_hist_record(all, v);
	}
	mp_hist_merge(a, b);
	ASSERT_EQ(a->count, all->count);
	ASSERT_EQ(a->min, all->min);
	ASSERT_EQ(a->max, all->max);
	for (unsigned i = mp_hist_next(a, 0); i < MP_HIST_BUCKETS; i = mp_hist_next(a, i + 1)) {
		ASSERT_EQ(mp_hist_add_bucket(c, i, a->b[i]), 0);
		n++;
	}
	ASSERT(n > 0 && n < MP_HIST_BUCKETS);
	ASSERT(mp_hist_add_bucket(c, MP_HIST_BUCKETS, 1) < 0);
	ASSERT_EQ(c->count, all->count);
	for (double p = 1; p < 100; p += 7.5) {
		ASSERT_EQ(mp_hist_percentile(a, p), mp_hist_percentile(all, p));
		/* Without exact min/max, still the same bucket. */
		ASSERT_EQ(mp_hist_index(mp_hist_percentile(c, p)),
			  mp_hist_index(mp_hist_percentile(all, p)));
	}
	ASSERT(fabs(mp_hist_mean(c) - mp_hist_mean(all)) < mp_hist_mean(all) / 1000);
	free(a);
	free(b);
	free(all);
	free(c);
}

/* The text form of results.json: round trip, and every malformed form
 * refused. */
TEST(hist_encode_decode)
{
	struct mp_hist *a = mp_hist_new(), *b = mp_hist_new();
	static const char *const bad[] = {
		"x", "1:", ":1", "1:0", "1:1 0:1", "1:1  2:1", " 1:1", "1:1 ", "-1:1", "1:-1",
		"25600:1", "25599:1 1:1", "1:9007199254740992", "1:1,2:1", "99999999999999999999:1",
	};
	char *s;

	ASSERT(a && b);
	s = mp_hist_encode(a);
	ASSERT_STREQ(s, "");
	free(s);
	mp_hist_record(a, 3);
	mp_hist_record(a, 3);
	mp_hist_record(a, 5);
	mp_hist_record(a, MP_HIST_MAX_NS);
	s = mp_hist_encode(a);
	ASSERT_STREQ(s, "3:2 2:1 25594:1");
	ASSERT_EQ(mp_hist_decode(s, b), 0);
	free(s);
	ASSERT_EQ(b->count, 4);
	ASSERT_EQ(memcmp(a->b, b->b, sizeof(a->b)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mp_hist_reset(b);
		ASSERT_MSG(mp_hist_decode(bad[i], b) < 0, "accepted \"%s\"", bad[i]);
	}
	free(a);
	free(b);
}

TEST(seq_in_order_and_gaps)
{
	struct mp_seqtrack s;

	mp_seq_init(&s);
	ASSERT_EQ(mp_seq_lost(&s), 0);
	for (uint64_t q = 100; q < 200; q++)
		if (q % 10 != 3)            /* 10 lost */
			mp_seq_add(&s, q);
	ASSERT_EQ(s.received, 90);
	ASSERT_EQ(mp_seq_lost(&s), 10);
	ASSERT_EQ(s.reordered, 0);
	ASSERT_EQ(s.duplicated, 0);
}

TEST(seq_reorder_and_duplicates_exact)
{
	struct mp_seqtrack s;

	mp_seq_init(&s);
	/* Swap every 5th pair and send every 7th twice. */
	for (uint64_t q = 0; q < 1000; q++) {
		uint64_t v = q;

		if (q % 10 == 4)
			v = q + 1;
		else if (q % 10 == 5)
			v = q - 1;
		mp_seq_add(&s, v);
		if (v % 7 == 0)
			mp_seq_add(&s, v);
	}
	ASSERT_EQ(s.reordered, 100);
	ASSERT_EQ(s.duplicated, 143);   /* multiples of 7 in 0..999 */
	ASSERT_EQ(mp_seq_lost(&s), 0);
	/* A gap filled late is not lost; a duplicate of it is a duplicate. */
	mp_seq_add(&s, 1005);
	ASSERT_EQ(mp_seq_lost(&s), 5);
	mp_seq_add(&s, 1002);
	mp_seq_add(&s, 1002);
	ASSERT_EQ(mp_seq_lost(&s), 4);
	ASSERT_EQ(s.reordered, 101);
	ASSERT_EQ(s.duplicated, 144);
}

TEST(seq_window_and_extend)
{
	struct mp_seqtrack s;

	mp_seq_init(&s);
	mp_seq_add(&s, 10);
	mp_seq_add(&s, 10 + 3 * MP_SEQ_WINDOW);  /* a jump wider than the window */
	mp_seq_add(&s, 11);                      /* too old to check: stale */
	ASSERT_EQ(s.stale, 1);
	ASSERT_EQ(s.reordered, 1);
	ASSERT_EQ(mp_seq_lost(&s), 3 * MP_SEQ_WINDOW - 2);
	/* 32-bit wire sequences widen across the wrap. */
	mp_seq_init(&s);
	ASSERT_EQ(mp_seq_extend(&s, 7), 7);
	mp_seq_add(&s, 0xfffffffeULL);
	ASSERT_EQ(mp_seq_extend(&s, 1), 0x100000001ULL);
	ASSERT_EQ(mp_seq_extend(&s, 0xfffffff0u), 0xfffffff0ULL);
	mp_seq_add(&s, mp_seq_extend(&s, 2));
	ASSERT_EQ(mp_seq_lost(&s), 3);
	mp_seq_init(&s);
	mp_seq_add(&s, 3);
	ASSERT_EQ(mp_seq_extend(&s, 0xffffffffu), 0xffffffffULL);  /* no wrap below 0 */
}

/* RFC 3550: a constant transit gives no jitter; transits alternating by D
 * converge to D (J_n = D (1 - (15/16)^n)). */
TEST(jitter_rfc3550)
{
	struct mp_jitter a = { 0 }, b = { 0 };
	double want = 0;

	for (int i = 0; i < 100; i++)
		mp_jitter_add(&a, 50000);
	ASSERT(a.j == 0);
	mp_jitter_add(&b, 1000);
	for (int i = 1; i <= 200; i++) {
		mp_jitter_add(&b, i % 2 ? 1800 : 1000);
		want += (800 - want) / 16;
	}
	ASSERT(fabs(b.j - want) < 1e-6);
	ASSERT(fabs(b.j - 800) < 1);
}
