/* IMIX: a mix of frame sizes in place of one size (issue 16). A mix is at
 * most MP_IMIX_MAX (size, weight) pairs; the classic one is 7:4:1 of 60,
 * 590 and 1514 bytes (without FCS, like every size here). A generator
 * interleaves the sizes evenly in a fixed repeating pattern of sum(weights)
 * frames (smooth weighted round robin: no size comes in bursts), so any
 * whole number of patterns holds the weights exactly.
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

/* Fills out[0..total) with indexes into m: the repeating pattern. Returns
 * its length (mp_imix_total). */
unsigned mp_imix_pattern(const struct mp_imix *m, uint8_t *out, unsigned max);

/* "60:7,590:4,1514:1" and back. Parse returns 0 or -EINVAL (sizes out of
 * 60..9000 or repeated, weights out of 1..1000, more than 8 pairs). */
void mp_imix_format(const struct mp_imix *m, char *buf, size_t len);
int mp_imix_parse(const char *s, struct mp_imix *m);

/* "IMIX 7:4:1 (mean 357.8 B)", where a frame size would stand. */
void mp_imix_label(const struct mp_imix *m, char *buf, size_t len);

#endif
