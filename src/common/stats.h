/* Small descriptive statistics over arrays of doubles. */
#ifndef MP_STATS_H
#define MP_STATS_H

#include <stddef.h>

/* p-th percentile (0..100) by linear interpolation between closest ranks.
 * Sorts `v` in place. Returns NAN for n == 0. */
double mp_percentile(double *v, size_t n, double p);

double mp_mean(const double *v, size_t n);

#endif
