#include "controller/cmd/verdict.h"

#include <math.h>

const char *mp_verdict_welch(double p, double alpha, double change_pct, double threshold_pct,
			     const char *too_few, size_t *slower)
{
	if (isnan(p))
		return too_few;
	if (p >= alpha)
		return "no significant change";
	if (change_pct < -threshold_pct) {
		(*slower)++;
		return "SLOWER";
	}
	return change_pct < 0 ? "slower, within threshold" : "faster";
}
