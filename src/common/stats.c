#include "common/stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#define CI95_UPPER_TAIL 0.975

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double mp_percentile(double *v, size_t n, double p)
{
	double rank, lo_w;
	size_t lo;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	if (p <= 0)
		return v[0];
	if (p >= 100)
		return v[n - 1];
	rank = p / 100.0 * (double)(n - 1);
	lo = (size_t)rank;
	lo_w = rank - (double)lo;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] * (1.0 - lo_w) + v[lo + 1] * lo_w;
}

double mp_mean(const double *v, size_t n)
{
	double sum = 0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

double mp_welch_p(const double *a, size_t na, const double *b, size_t nb)
{
	double va, vb, se2, t, df;

	if (na < 2 || nb < 2)
		return NAN;
	va = gsl_stats_variance(a, 1, na);
	vb = gsl_stats_variance(b, 1, nb);
	se2 = va / (double)na + vb / (double)nb;
	if (se2 == 0)
		return gsl_stats_mean(a, 1, na) == gsl_stats_mean(b, 1, nb) ? 1.0 : 0.0;
	t = (gsl_stats_mean(b, 1, nb) - gsl_stats_mean(a, 1, na)) / sqrt(se2);
	df = se2 * se2 / ((va / na) * (va / na) / (double)(na - 1) +
			  (vb / nb) * (vb / nb) / (double)(nb - 1));
	return 2 * gsl_cdf_tdist_Q(fabs(t), df);
}

double mp_ci95_half(double sd, size_t n)
{
	if (n < 2 || isnan(sd))
		return NAN;
	return gsl_cdf_tdist_Pinv(CI95_UPPER_TAIL, (double)(n - 1)) * sd / sqrt((double)n);
}
