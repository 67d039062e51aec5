/* IMIX: a mix of frame sizes in place of one size (issue 16). A mix is at
 * most MP_IMIX_MAX (size, weight) pairs; the classic one is 7:4:1 of 60,
 * 590 and 1514 bytes (without FCS, like every size here). A generator
 * sends the mix in periods of sum(weights) frames, each period holding
 * every size exactly its weight's number of times, in an order drawn anew
 * for every period from a seed (mp_imix_period_order): any whole number of
 * periods holds the weights exactly, yet a DUT that drops every Nth frame
 * does not always drop the same sizes (one fixed pattern made the frames
 * forwarded by a DUT capped at 3/4 of the offered rate 22% larger on
 * average than the mix). The same seed gives the same frames.
 *
 * Text form (plan output, protocol, phases.csv's `mix`, `send --imix`):
 * "60:7,590:4,1514:1". In plans and files a frame size of 0
 * (MP_SIZE_IMIX) stands for the plan's mix. */
#ifndef MP_IMIX_H
#define MP_IMIX_H

#include <stddef.h>
#include <stdint.h>

#define MP_IMIX_MAX 8
#define MP_IMIX_WEIGHT_MAX 1000
#define MP_IMIX_PATTERN_MAX (MP_IMIX_MAX * MP_IMIX_WEIGHT_MAX)
#define MP_SIZE_IMIX 0u
#define MP_IMIX_TEXT_MAX 128
#define MP_IMIX_LABEL_MAX 160

struct mp_imix {
	unsigned n;                      /* 0: no mix */
	unsigned size[MP_IMIX_MAX];      /* MP_FRAME_MIN..MP_FRAME_MAX, distinct */
	unsigned weight[MP_IMIX_MAX];    /* 1..MP_IMIX_WEIGHT_MAX */
};

/* 60:7, 590:4, 1514:1. */
void mp_imix_default(struct mp_imix *m);
unsigned mp_imix_total(const struct mp_imix *m);     /* sum of weights */
unsigned mp_imix_largest(const struct mp_imix *m);
double mp_imix_mean(const struct mp_imix *m);        /* bytes per frame */

/* The seed of every generator's mix order (reproducible from run to run). */
#define MP_IMIX_SEED 0x6d69722d70657266ULL

/* Fills out[0..total) with indexes into m: one period's frames in the
 * smooth weighted round robin's order (evenly spaced). Returns its length
 * (mp_imix_total). */
unsigned mp_imix_pattern(const struct mp_imix *m, uint8_t *out, unsigned max);

/* The order of period `period` (frames period * plen .. period * plen +
 * plen - 1): the entries of base[0..plen) shuffled by a generator seeded
 * with (seed, period), into out[0..plen). A pure function: the same seed
 * and period give the same order. */
void mp_imix_period_order(const uint8_t *base, unsigned plen, uint64_t seed, uint64_t period,
			  uint8_t *out);

/* "60:7,590:4,1514:1" and back. Parse returns 0 or -EINVAL (sizes out of
 * 60..9000 or repeated, weights out of 1..1000, more than 8 pairs). */
void mp_imix_format(const struct mp_imix *m, char *buf, size_t len);
int mp_imix_parse(const char *s, struct mp_imix *m);

/* "IMIX 7:4:1 (mean 357.8 B)", where a frame size would stand. */
void mp_imix_label(const struct mp_imix *m, char *buf, size_t len);

#endif
