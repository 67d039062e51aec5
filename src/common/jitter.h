/* Interarrival jitter, RFC 3550 section 6.4.1 and appendix A.8: with
 * D = (R_i - S_i) - (R_{i-1} - S_{i-1}) the change in transit time between
 * two frames in arrival order, J += (|D| - J) / 16. A smoothed mean
 * deviation, in the units of the times given (ns here); 0 until two frames
 * were seen. */
#ifndef MP_JITTER_H
#define MP_JITTER_H

#include <stdint.h>

struct mp_jitter {
	int have_prev;
	int64_t prev_transit;
	double j;
};

static inline void mp_jitter_add(struct mp_jitter *jt, int64_t transit)
{
	if (jt->have_prev) {
		int64_t d = transit - jt->prev_transit;

		jt->j += ((double)(d < 0 ? -d : d) - jt->j) / 16.0;
	}
	jt->prev_transit = transit;
	jt->have_prev = 1;
}

#endif
