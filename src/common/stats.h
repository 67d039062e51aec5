/* Small descriptive statistics over arrays of doubles. */
#ifndef MP_STATS_H
#define MP_STATS_H

#include <stddef.h>

/* p-th percentile (0..100) by linear interpolation between closest ranks.
 * Sorts `v` in place. Returns NAN for n == 0. */
double mp_percentile(double *v, size_t n, double p);

double mp_mean(const double *v, size_t n);

/* Two-sided p of Welch's t-test (unequal variances, GSL's t distribution)
 * between samples a and b; NAN when either has fewer than 2 values; 1 or 0
 * when both have no spread (equal means or not). */
double mp_welch_p(const double *a, size_t na, const double *b, size_t nb);

/* Half the width of the 95% confidence interval of the mean of n values
 * with sample standard deviation sd (Student's t, n - 1 degrees of
 * freedom); NAN for n < 2. */
double mp_ci95_half(double sd, size_t n);

#endif
