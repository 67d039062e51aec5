/* `mir-perf compare`'s part for TCP through the DUT (compare.c calls it):
 * per version and streams, the receiver's rates of B's repetitions against
 * A's (the same version, or A's first when A lacks it, so that two runs of
 * different commits compare) with Welch's t-test. A slowdown counts when
 * p < alpha and the means differ by more than the threshold. */
#ifndef MP_COMPARE_TCP_H
#define MP_COMPARE_TCP_H

#include <stddef.h>

#include "controller/results/rundir.h"

/* Prints the table (nothing when neither run has TCP); returns how many
 * are significantly slower beyond `threshold` percent. */
size_t mp_compare_tcp(const struct mp_rundir *a, const struct mp_rundir *b, double threshold,
		      double alpha);

#endif
