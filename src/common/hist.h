/* A latency histogram in HdrHistogram's log-linear layout (Gil Tene's
 * design): values in nanoseconds; below 2^MP_HIST_SUB_BITS every value has
 * its own bucket, above it each power of two is split into 2^(SUB_BITS-1)
 * equal buckets, so a bucket is never wider than 1/1024 of its values: three
 * significant digits from 1 ns to MP_HIST_MAX_NS (17 s, covering 1 us..10 s).
 * Larger values land in the top bucket and are counted in `overflow`.
 *
 * A histogram is a fixed block (about 200 KiB): recording is one index
 * computation and an increment, never an allocation. Bucket indices are
 * stable (the same value always has the same index), which is what the
 * compact encoding (index, count) carried by the control protocol and kept
 * in results.json relies on. */
#ifndef MP_HIST_H
#define MP_HIST_H

#include <stddef.h>
#include <stdint.h>

#define MP_HIST_SUB_BITS 11
#define MP_HIST_SUB_COUNT (1u << MP_HIST_SUB_BITS)          /* 2048 */
#define MP_HIST_HALF (MP_HIST_SUB_COUNT / 2)                 /* 1024 */
#define MP_HIST_TOP_BITS 34                                  /* values < 2^34 ns */
#define MP_HIST_MAX_NS ((1ULL << MP_HIST_TOP_BITS) - 1)
#define MP_HIST_BUCKETS (MP_HIST_SUB_COUNT + (MP_HIST_TOP_BITS - MP_HIST_SUB_BITS) * MP_HIST_HALF)

struct mp_hist {
	uint64_t count;              /* values recorded */
	uint64_t overflow;           /* of which above MP_HIST_MAX_NS */
	uint64_t min, max;           /* exact, ns; 0 when count is 0 */
	double sum;                  /* for the mean */
	uint64_t b[MP_HIST_BUCKETS];
};

/* Allocates an empty histogram (NULL when out of memory); free() it. */
struct mp_hist *mp_hist_new(void);
void mp_hist_reset(struct mp_hist *h);

/* The bucket holding `ns` (values above MP_HIST_MAX_NS: the last one), and
 * the smallest and largest value a bucket holds. */
unsigned mp_hist_index(uint64_t ns);
uint64_t mp_hist_lowest(unsigned idx);
uint64_t mp_hist_highest(unsigned idx);

void mp_hist_record(struct mp_hist *h, uint64_t ns);
/* Adds `n` values of bucket `idx` (a decoded compact histogram); min and max
 * are widened to the bucket's bounds unless set exactly afterwards.
 * Returns 0, or -EINVAL for an index out of range. */
int mp_hist_add_bucket(struct mp_hist *h, unsigned idx, uint64_t n);
/* Adds every value of `src` into `dst`. */
void mp_hist_merge(struct mp_hist *dst, const struct mp_hist *src);

/* The value at percentile p (0..100): the highest value of the bucket holding
 * the p-th ranked value, clamped to [min, max] (as HdrHistogram reports it).
 * 0 when empty. */
uint64_t mp_hist_percentile(const struct mp_hist *h, double p);
double mp_hist_mean(const struct mp_hist *h);     /* NAN when empty */

/* The next non-empty bucket at or after `from`: returns its index, or
 * MP_HIST_BUCKETS when there is none (walks the compact encoding). */
unsigned mp_hist_next(const struct mp_hist *h, unsigned from);

/* The compact text form kept in results.json: "D:C D:C ...", one pair per
 * non-empty bucket in index order, D its index minus the previous pair's
 * (the first: its index), C its count. A few bytes per bucket. Returns a
 * malloc'd string ("" when empty; caller frees), or NULL. */
char *mp_hist_encode(const struct mp_hist *h);
/* Adds the buckets written in `s` to h (mp_hist_add_bucket). Returns 0, or
 * -EINVAL when `s` is not that form (a bucket index beyond the last, a zero
 * delta after the first, a count of 0 or above 2^53, anything else). */
int mp_hist_decode(const char *s, struct mp_hist *h);

#endif
