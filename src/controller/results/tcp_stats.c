#include "controller/results/tcp_stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "common/stats.h"

const struct mp_tcp_group *mp_tcp_summary_find(const struct mp_tcp_summary *s,
					       const char *version, unsigned streams)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->g[i].streams == streams && strcmp(s->g[i].version, version) == 0)
			return &s->g[i];
	return NULL;
}

/* The mean of a column over a group's ok rows; NAN when none has it. */
static double col_mean(const struct mp_tcp_row *rows, size_t nrows, const struct mp_tcp_group *g,
		       size_t off)
{
	double sum = 0;
	size_t n = 0;

	for (size_t r = 0; r < nrows; r++) {
		double v = *(const double *)((const char *)&rows[r] + off);

		if (rows[r].streams != g->streams || strcmp(rows[r].version, g->version) ||
		    strcmp(rows[r].status, "ok") || isnan(v))
			continue;
		sum += v;
		n++;
	}
	return n ? sum / (double)n : NAN;
}

static void describe(struct mp_tcp_group *g)
{
	g->mean = g->min = g->max = g->sd = g->ci95 = g->cv_pct = NAN;
	if (!g->n)
		return;
	g->mean = gsl_stats_mean(g->gbps, 1, g->n);
	g->min = gsl_stats_min(g->gbps, 1, g->n);
	g->max = gsl_stats_max(g->gbps, 1, g->n);
	if (g->n < 2)
		return;
	g->sd = gsl_stats_sd(g->gbps, 1, g->n);
	g->ci95 = mp_ci95_half(g->sd, g->n);
	g->cv_pct = g->mean > 0 ? 100 * g->sd / g->mean : NAN;
}

int mp_tcp_summarise(const struct mp_tcp_row *rows, size_t nrows, struct mp_tcp_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->g = calloc(nrows ? nrows : 1, sizeof(*s->g));
	if (!s->g)
		return -ENOMEM;
	for (size_t r = 0; r < nrows; r++) {
		struct mp_tcp_group *g = (struct mp_tcp_group *)
			mp_tcp_summary_find(s, rows[r].version, rows[r].streams);

		if (!g) {
			g = &s->g[s->n++];
			g->version = rows[r].version;
			g->streams = rows[r].streams;
			g->first = &rows[r];
			g->gbps = calloc(nrows, sizeof(double));
			if (!g->gbps) {
				mp_tcp_summary_free(s);
				return -ENOMEM;
			}
		}
		if (strcmp(rows[r].status, "ok") == 0 && !isnan(rows[r].receiver_gbps))
			g->gbps[g->n++] = rows[r].receiver_gbps;
		else if (strcmp(rows[r].status, "skipped") == 0)
			g->skipped++;
		else
			g->failed++;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct mp_tcp_group *g = &s->g[i];

		describe(g);
		g->sender_mean = col_mean(rows, nrows, g, offsetof(struct mp_tcp_row, sender_gbps));
		g->retransmits_mean = col_mean(rows, nrows, g,
					       offsetof(struct mp_tcp_row, retransmits));
		g->dut_cpu_mean = col_mean(rows, nrows, g,
					   offsetof(struct mp_tcp_row, dut_cpu_s_per_gb));
	}
	return 0;
}

void mp_tcp_summary_free(struct mp_tcp_summary *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->g[i].gbps);
	free(s->g);
	memset(s, 0, sizeof(*s));
}
