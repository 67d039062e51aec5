/* The words `mir-perf compare` puts on one change, shared by its tables
 * (compare.c's phases, compare_tcp.c's repetitions). */
#ifndef MP_VERDICT_H
#define MP_VERDICT_H

#include <stddef.h>

/* B against A changed by change_pct percent, Welch's p is `p`:
 *  - p is NAN (fewer than two values on a side): `too_few`;
 *  - p >= alpha: "no significant change";
 *  - lower by more than threshold_pct: "SLOWER", and *slower is counted;
 *  - lower within it: "slower, within threshold"; higher: "faster".
 * The text is static (or too_few). */
const char *mp_verdict_welch(double p, double alpha, double change_pct, double threshold_pct,
			     const char *too_few, size_t *slower);

#endif
