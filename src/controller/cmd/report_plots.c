/* What each of the report's plots shows (report_plots.h); gnuplot itself is
 * driven by report_gnuplot.c. Data files hold one block per series, two
 * blank lines apart. */
#include "controller/cmd/report_plots.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "controller/cmd/report_gnuplot.h"

/* Offered rates spanning more than this ratio get logarithmic axes. */
#define LOG_SPAN 10.0

typedef double (*phase_figure)(const struct mp_phase_row *);

static double offered(const struct mp_phase_row *p) { return p->offered_pps; }
static double forwarded(const struct mp_phase_row *p) { return p->forwarded_pps; }
static double loss(const struct mp_phase_row *p) { return p->loss_pct; }
static double cpu(const struct mp_phase_row *p) { return p->dut_cpu_ns_per_pkt; }
static double lat_p50(const struct mp_phase_row *p) { return p->lat_p50_us; }
static double lat_p99(const struct mp_phase_row *p) { return p->lat_p99_us; }

/* Whether `p` belongs in the grid's plots (forwarded, loss, Mbit/s, CPU,
 * latency, 100 ms rates): a grid phase does; a search's trial only in a run
 * without a grid, where the trials are all there is (next to a grid they
 * would zigzag through its lines in the order the search tried them). */
static int grid_row(const struct mp_rundir *d, const struct mp_phase_row *p)
{
	if (!p->trial)
		return 1;
	for (size_t i = 0; i < d->nphases; i++)
		if (!d->phases[i].trial && d->phases[i].rate)   /* rate 0: a skipped search */
			return 0;
	return 1;
}

static char *dup_printf(const char *fmt, const char *s, unsigned u)
{
	char buf[256];

	snprintf(buf, sizeof(buf), fmt, s, u);
	return strdup(buf);
}

static int by_x(const void *a, const void *b)
{
	const double *p = a, *q = b;

	return (p[0] > q[0]) - (p[0] < q[0]);
}

/* Series number `n`'s block: y against x of the grid rows of version v and
 * size s that have both, in the order of x (a search's trials run in any
 * order); pt has room for every phase. Returns how many points (0: no
 * block written). */
static size_t write_block(const struct mp_rundir *d, FILE *f, size_t n, size_t v, size_t s,
			  phase_figure x, phase_figure y, double (*pt)[2])
{
	size_t np = 0;

	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *p = &d->phases[i];

		if (p->size != d->sizes[s] || strcmp(p->version, d->versions[v]) ||
		    isnan(x(p)) || isnan(y(p)) || !grid_row(d, p))
			continue;
		pt[np][0] = x(p);
		pt[np++][1] = y(p);
	}
	if (!np)
		return 0;
	qsort(pt, np, sizeof(*pt), by_x);
	if (n)
		fputs("\n\n", f);
	for (size_t i = 0; i < np; i++)
		fprintf(f, "%.3f %.3f\n", pt[i][0], pt[i][1]);
	return np;
}

/* One block per (version, size) of y against x, points in the order of x (a
 * search's trials run in any order): a colour per size, a dash type per
 * version. */
static size_t fill_by_size(const struct mp_rundir *d, FILE *f, char **series,
			   unsigned *colour, unsigned *dash, phase_figure x, phase_figure y)
{
	double (*pt)[2] = calloc(d->nphases ? d->nphases : 1, sizeof(*pt));
	size_t n = 0;

	for (size_t v = 0; pt && v < d->nversions; v++) {
		for (size_t s = 0; s < d->nsizes && n < REPORT_MAX_SERIES; s++) {
			if (!write_block(d, f, n, v, s, x, y, pt))
				continue;
			colour[n] = (unsigned)s + 1;
			dash[n] = (unsigned)v + 1;
			{
				char label[96], text[384];

				mp_rundir_size_label(d, d->sizes[s], 1, label, sizeof(label));
				snprintf(text, sizeof(text), "%s, %s", d->versions[v], label);
				series[n++] = strdup(text);
			}
		}
	}
	free(pt);
	return n;
}

/* The mean frame size of the run's mix, from its phases' mix column; NAN
 * without one. */
static double mix_mean(const struct mp_rundir *d)
{
	struct mp_imix m;

	for (size_t i = 0; i < d->nphases; i++)
		if (d->phases[i].size == MP_SIZE_IMIX && d->phases[i].mix &&
		    mp_imix_parse(d->phases[i].mix, &m) == 0)
			return mp_imix_mean(&m);
	return NAN;
}

/* The best Mbit/s `version` reached at `size` in the grid; NAN: none. */
static double best_mbps(const struct mp_rundir *d, const char *version, unsigned size)
{
	double best = NAN;

	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *p = &d->phases[i];

		if (p->size == size && !strcmp(p->version, version) &&
		    !isnan(p->forwarded_mbps) && grid_row(d, p) &&
		    (isnan(best) || p->forwarded_mbps > best))
			best = p->forwarded_mbps;
	}
	return best;
}

/* Per version: the best Mbit/s reached at each frame size, the fixed sizes
 * joined by a line; a mix is no frame size of its own: a point apart, at
 * its mean frame size, named as the log names it. Nothing with fewer than
 * two sizes (one point says less than the table). */
static size_t fill_mbps(const struct mp_rundir *d, FILE *f, char **series, unsigned *colour,
			unsigned *dash, unsigned *point, unsigned char *style)
{
	size_t n = 0, nsizes = 0;

	for (size_t s = 0; s < d->nsizes; s++)
		for (size_t v = 0; v < d->nversions; v++)
			if (!isnan(best_mbps(d, d->versions[v], d->sizes[s]))) {
				nsizes++;
				break;
			}
	if (nsizes < 2)
		return 0;
	for (size_t v = 0; v < d->nversions && n + 2 <= REPORT_MAX_SERIES; v++) {
		int any = 0;
		double imix;

		for (size_t s = 0; s < d->nsizes; s++) {
			double best = best_mbps(d, d->versions[v], d->sizes[s]);

			if (d->sizes[s] == MP_SIZE_IMIX || isnan(best))
				continue;
			if (!any && n)
				fputs("\n\n", f);
			fprintf(f, "%u %.3f\n", d->sizes[s], best);
			any = 1;
		}
		if (any) {
			colour[n] = (unsigned)v + 1;
			dash[n] = 1;
			point[n] = (unsigned)v + 1;
			style[n] = REPORT_GP_LINESPOINTS;
			series[n++] = strdup(d->versions[v]);
		}
		imix = best_mbps(d, d->versions[v], MP_SIZE_IMIX);
		if (!isnan(imix) && !isnan(mix_mean(d))) {
			char label[MP_IMIX_LABEL_MAX], text[MP_IMIX_LABEL_MAX + 96];

			if (n)
				fputs("\n\n", f);
			fprintf(f, "%.1f %.3f\n", mix_mean(d), imix);
			mp_rundir_size_label(d, MP_SIZE_IMIX, 1, label, sizeof(label));
			snprintf(text, sizeof(text), "%s, %s, at its mean size", d->versions[v], label);
			colour[n] = (unsigned)v + 1;
			dash[n] = 1;
			point[n] = 7;           /* a filled circle, apart from the sizes' line */
			style[n] = REPORT_GP_POINTS;
			series[n++] = strdup(text);
		}
	}
	return n;
}

/* A search's answer: per version and goal, the lower bound against frame
 * size (colour per version, dash per goal). Nothing for a search at one
 * size: its points, one above the other, say less than the table. */
static size_t fill_tput(const struct mp_rundir *d, FILE *f, char **series, unsigned *colour,
			unsigned *dash)
{
	const struct mp_tput *t = &d->tput;
	size_t n = 0, nsizes = 0;

	for (size_t s = 0; s < d->nsizes; s++)
		for (size_t g = 0; g < t->nrows; g++)
			if (t->rows[g].size == d->sizes[s] && !isnan(t->rows[g].lower_pps)) {
				nsizes++;
				break;
			}
	if (nsizes < 2)
		return 0;

	for (size_t v = 0; v < d->nversions; v++) {
		for (size_t g = 0; g < t->nrows && n < REPORT_MAX_SERIES; g++) {
			int any = 0, seen = 0;

			/* Each goal once, at its first row. */
			for (size_t e = 0; e < g; e++)
				seen |= !strcmp(t->rows[e].goal, t->rows[g].goal);
			if (seen)
				continue;
			for (size_t s = 0; s < d->nsizes; s++) {
				const struct mp_tput_row *r = mp_rundir_goal(d, d->versions[v],
									     d->sizes[s],
									     t->rows[g].goal);

				if (!r || isnan(r->lower_pps))
					continue;
				if (!any && n)
					fputs("\n\n", f);
				fprintf(f, "%u %.0f\n", d->sizes[s], r->lower_pps);
				any = 1;
			}
			if (!any)
				continue;
			colour[n] = (unsigned)v + 1;
			dash[n] = (unsigned)(g % 8) + 1;
			{
				char label[192];

				snprintf(label, sizeof(label), "%s, %s (loss <= %g%%)", d->versions[v],
					 t->rows[g].goal, t->rows[g].goal_loss_pct);
				series[n++] = strdup(label);
			}
		}
	}
	return n;
}

/* The search's trials at `size` over its time: rate against the search's
 * seconds. Per version a line joins its trials in the order they ran (the
 * search's path), and points mark the trials that every goal passed and
 * the others (failed some goal, short, broken). */
static size_t fill_trials(const struct mp_rundir *d, FILE *f, char **series, unsigned *colour,
			  unsigned *dash, unsigned char *style, unsigned size)
{
	static const char *const titles[] = { "%s: trials in order", "%s: passed every goal",
					      "%s: failed a goal, short or broken" };
	size_t n = 0;

	for (size_t v = 0; v < d->nversions && n + 3 <= REPORT_MAX_SERIES; v++) {
		for (int kind = 0; kind < 3; kind++) {   /* the path, passes, the others */
			int any = 0;

			for (size_t i = 0; i < d->nphases; i++) {
				const struct mp_phase_row *p = &d->phases[i];
				int bad = !p->decision || strstr(p->decision, "fail") ||
					  strstr(p->decision, "short") ||
					  strstr(p->decision, "broken");

				if (!p->trial || p->size != size || strcmp(p->version, d->versions[v]) ||
				    (kind && bad != (kind == 2)) || isnan(p->search_s))
					continue;
				if (!any && n)
					fputs("\n\n", f);
				fprintf(f, "%.3f %.0f\n", p->search_s,
					p->rate ? (double)p->rate : p->offered_pps);
				any = 1;
			}
			if (!any)
				continue;
			colour[n] = kind == 0 ? 8 : kind == 1 ? 2 : 7;  /* black, green, red */
			dash[n] = (unsigned)v + 1;
			style[n] = kind ? REPORT_GP_POINTS : REPORT_GP_LINES;
			series[n++] = dup_printf(titles[kind], d->versions[v], 0);
		}
	}
	return n;
}

/* "60 B", or "60 B, VERSION" when the run has several versions. */
static void series_label(const struct mp_rundir *d, size_t v, unsigned size, const char *what,
			 char *buf, size_t len)
{
	char label[MP_IMIX_LABEL_MAX];

	mp_rundir_size_label(d, size, 1, label, sizeof(label));
	if (d->nversions > 1)
		snprintf(buf, len, "%s%s, %s", label, what, d->versions[v]);
	else
		snprintf(buf, len, "%s%s", label, what);
}

/* The receiver's latency against offered rate, every size on one plot: a
 * colour per size, p50 solid and p99 dashed, a point type per version. */
static size_t fill_latency(const struct mp_rundir *d, FILE *f, char **series, unsigned *colour,
			   unsigned *dash, unsigned *point)
{
	double (*pt)[2] = calloc(d->nphases ? d->nphases : 1, sizeof(*pt));
	size_t n = 0;

	for (size_t v = 0; pt && v < d->nversions; v++) {
		for (size_t s = 0; s < d->nsizes; s++) {
			for (int q = 0; q < 2 && n < REPORT_MAX_SERIES; q++) {
				char label[MP_IMIX_LABEL_MAX + 128];

				if (!write_block(d, f, n, v, s, offered, q ? lat_p99 : lat_p50, pt))
					continue;
				colour[n] = (unsigned)s + 1;
				dash[n] = (unsigned)q + 1;
				point[n] = (unsigned)v + 1;
				series_label(d, v, d->sizes[s], q ? " p99" : " p50", label, sizeof(label));
				series[n++] = strdup(label);
			}
		}
	}
	free(pt);
	return n;
}

/* The phase whose latency distribution stands for `size` of `version`: the
 * ok one with the highest rate and nothing lost; without one, the one that
 * lost least (then the lowest rate), which its label says. NULL: none with
 * a latency. */
static const struct mp_phase_row *latdist_phase(const struct mp_rundir *d, const char *version,
					       unsigned size)
{
	const struct mp_phase_row *best = NULL;

	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *p = &d->phases[i];
		int better;

		if (p->size != size || strcmp(p->version, version) || strcmp(p->status, "ok") ||
		    isnan(p->lat_p50_us) || isnan(p->lost) || !grid_row(d, p))
			continue;
		if (!best)
			better = 1;
		else if (p->lost == 0 || best->lost == 0)
			better = p->lost == 0 && (best->lost != 0 || p->rate > best->rate);
		else
			better = p->lost < best->lost || (p->lost == best->lost && p->rate < best->rate);
		if (better)
			best = p;
	}
	return best;
}

/* The latency distribution (x: 1/(1-q), y: us) of each size's phase with
 * the highest rate and nothing lost (latdist_phase), from the histogram
 * results.json keeps, every size on one plot: a colour per size, a dash
 * per version. */
static size_t fill_latdist(const struct mp_rundir *d, FILE *f, char **series, unsigned *colour,
			   unsigned *dash)
{
	static const double qs[] = { 0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999 };
	struct mp_hist *h = mp_hist_new();
	size_t n = 0;

	for (size_t v = 0; h && v < d->nversions; v++) {
		for (size_t s = 0; s < d->nsizes && n < REPORT_MAX_SERIES; s++) {
			const struct mp_phase_row *best = latdist_phase(d, d->versions[v], d->sizes[s]);
			char at[64], label[MP_IMIX_LABEL_MAX + 128];

			if (!best || mp_rundir_latency_hist(d, best, h) < 0)
				continue;
			if (n)
				fputs("\n\n", f);
			for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
				fprintf(f, "%.3f %.3f\n", 1 / (1 - qs[i] / 100),
					(double)mp_hist_percentile(h, qs[i]) / 1e3);
			if (best->lost)
				snprintf(at, sizeof(at), " at %llu pps (%.0f lost: none without loss)",
					 (unsigned long long)best->rate, best->lost);
			else
				snprintf(at, sizeof(at), " at %llu pps", (unsigned long long)best->rate);
			series_label(d, v, d->sizes[s], at, label, sizeof(label));
			colour[n] = (unsigned)s + 1;
			dash[n] = (unsigned)v + 1;
			series[n++] = strdup(label);
		}
	}
	free(h);
	return n;
}

/* The phase a time-series plot shows: the first version's highest-rate ok
 * phase at `size`. */
static const struct mp_phase_row *series_phase(const struct mp_rundir *d, unsigned size)
{
	const struct mp_phase_row *pick = NULL;

	for (size_t i = 0; i < d->nphases && d->nversions; i++) {
		const struct mp_phase_row *p = &d->phases[i];

		if (p->size == size && !strcmp(p->status, "ok") && grid_row(d, p) &&
		    !strcmp(p->version, d->versions[0]) && (!pick || p->rate > pick->rate))
			pick = p;
	}
	return pick;
}

/* The 100 ms rates of `pick`: generator and dut_out, time from the phase's
 * first sample; the measure window's span into *m0, *m1. */
static size_t fill_series(const struct mp_rundir *d, FILE *f, char **series,
			  const struct mp_phase_row *pick, double *m0, double *m1)
{
	static const struct { enum mp_role role; const char *title; } lines[] = {
		{ MP_ROLE_GENERATOR, "offered (generator vif rx)" },
		{ MP_ROLE_DUT_OUT, "forwarded (DUT out vif rx)" },
	};
	double t0 = NAN;
	size_t n = 0;

	for (size_t i = 0; i < d->nsamples; i++)
		if (d->samples[i].phase == pick->phase && isnan(t0))
			t0 = d->samples[i].t;
	for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
		int any = 0;

		for (size_t i = 0; i < d->nsamples; i++) {
			const struct mp_rundir_sample *s = &d->samples[i];

			if (s->phase != pick->phase || s->role != lines[l].role || isnan(s->rx_pps))
				continue;
			if (s->measure && (isnan(*m0) || s->t - t0 < *m0))
				*m0 = s->t - t0;
			if (s->measure && (isnan(*m1) || s->t - t0 > *m1))
				*m1 = s->t - t0;
			if (!any && n)
				fputs("\n\n", f);
			fprintf(f, "%.3f %.3f\n", s->t - t0, s->rx_pps);
			any = 1;
		}
		if (any)
			series[n++] = strdup(lines[l].title);
	}
	return n;
}

/* Whether the offered rates span enough for logarithmic axes. */
static int wide_rates(const struct mp_rundir *d)
{
	double lo = NAN, hi = NAN;

	for (size_t i = 0; i < d->nphases; i++) {
		double v = d->phases[i].offered_pps;

		if (isnan(v) || v <= 0 || !grid_row(d, &d->phases[i]))
			continue;
		lo = isnan(lo) || v < lo ? v : lo;
		hi = isnan(hi) || v > hi ? v : hi;
	}
	return !isnan(lo) && hi / lo > LOG_SPAN;
}

static void add(struct report_plot *pl, size_t *n, size_t max, enum report_plot_kind kind,
		unsigned size, const char *name, const char *title)
{
	if (*n >= max)
		return;
	pl[*n] = (struct report_plot){ .kind = kind, .size = size };
	snprintf(pl[*n].name, sizeof(pl[*n].name), "%s", name);
	snprintf(pl[*n].title, sizeof(pl[*n].title), "%s", title);
	(*n)++;
}

/* A plot per frame size: NAME_FMT and TITLE_FMT take the size. */
static void add_per_size(const struct mp_rundir *d, struct report_plot *pl, size_t *n,
			 size_t max, enum report_plot_kind kind, const char *name_fmt,
			 const char *title_fmt)
{
	for (size_t s = 0; s < d->nsizes; s++) {
		char name[32], title[192], sz[16], label[96];

		/* "60" or "imix"; "60-byte frames" or "IMIX 7:4:1 (mean 357.8 B)" */
		mp_rundir_size_name(d->sizes[s], sz, sizeof(sz));
		mp_rundir_size_label(d, d->sizes[s], 0, label, sizeof(label));
		snprintf(name, sizeof(name), name_fmt, sz);
		snprintf(title, sizeof(title), title_fmt, label);
		add(pl, n, max, kind, d->sizes[s], name, title);
	}
}

size_t report_plots_plan(const struct mp_rundir *d, struct report_plot *pl, size_t max)
{
	size_t n = 0;

	if (d->tput.nrows) {            /* a search: its answer first */
		add(pl, &n, max, RP_TPUT, 0, "throughput",
		    "Throughput per frame size: each goal's lower bound");
		add_per_size(d, pl, &n, max, RP_TRIALS, "trials-%s", "The search's trials, %s");
	}
	add(pl, &n, max, RP_FWD, 0, "forwarded", "Forwarded vs offered packet rate");
	add(pl, &n, max, RP_LOSS, 0, "loss", "Loss vs offered packet rate");
	add(pl, &n, max, RP_MBPS, 0, "mbps", "Best forwarded Mbit/s per frame size");
	add(pl, &n, max, RP_CPU, 0, "cpu", "DUT CPU time per forwarded packet");
	/* The receiver's, when the run had one (otherwise nothing is drawn). */
	add(pl, &n, max, RP_LAT, 0, "latency",
	    "Latency vs offered rate: p50 solid, p99 dashed, a colour per size");
	add(pl, &n, max, RP_LATDIST, 0, "latdist",
	    "Latency distribution at each size's highest rate without loss");
	add_per_size(d, pl, &n, max, RP_SERIES, "series-%s", "100 ms rates in one phase, %s");
	return n;
}

/* How each kind of plot is drawn: axes' labels, which axes are logarithmic
 * (LOG_WIDE: x, or x and y, when the offered rates span widely), which
 * start at 0, and whether series get a colour per size and a dash per
 * version (or per quantile). */
enum { LOG_NONE, LOG_X_WIDE, LOG_XY_WIDE, LOG_X };
static const struct {
	const char *xlabel, *ylabel;
	int log, x0, y0, styled, ideal;
} kinds[] = {
	[RP_TPUT] = { "frame size (bytes, without FCS)", "lower bound (packets/s)", LOG_NONE, 1, 1,
		      1, 0 },
	[RP_TRIALS] = { "time in the search (s)", "trial rate (packets/s)", LOG_NONE, 1, 1, 1, 0 },
	[RP_FWD] = { "offered (packets/s)", "forwarded (packets/s)", LOG_XY_WIDE, 0, 1, 1, 1 },
	[RP_LOSS] = { "offered (packets/s)", "loss (%)", LOG_X_WIDE, 0, 1, 1, 0 },
	[RP_MBPS] = { "frame size (bytes, without FCS)", "forwarded (Mbit/s)", LOG_NONE, 1, 1,
		      1, 0 },
	[RP_CPU] = { "offered (packets/s)", "DUT CPU (ns per forwarded packet)", LOG_X_WIDE, 0,
		     1, 1, 0 },
	[RP_LAT] = { "offered (packets/s)", "latency (us)", LOG_X_WIDE, 0, 1, 1, 0 },
	[RP_LATDIST] = { "percentile, as 1/(1-q): 2 = p50, 10 = p90, 100 = p99, 1000 = p99.9",
			 "latency (us)", LOG_X, 0, 1, 1, 0 },
	[RP_SERIES] = { "time in phase (s)", "packets/s (100 ms samples)", LOG_NONE, 0, 1, 0, 0 },
};

/* The points in DIR/plots/NAME.dat (its non-empty lines). */
static size_t data_points(const char *dir, const char *name)
{
	FILE *f = report_gp_open_read(dir, name, "dat");
	size_t n = 0;
	int c, prev = '\n';

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF) {
		n += c == '\n' && prev != '\n';
		prev = c;
	}
	n += prev != '\n';
	fclose(f);
	return n;
}

int report_plot_draw(const char *dir, const struct mp_rundir *d, struct report_plot *p,
		     char *err, size_t errlen)
{
	char *series[REPORT_MAX_SERIES], title[256];
	unsigned colour[REPORT_MAX_SERIES], dash[REPORT_MAX_SERIES], point[REPORT_MAX_SERIES];
	unsigned char style[REPORT_MAX_SERIES];
	int wide = wide_rates(d), k = p->kind, rc;
	struct report_gp g = {
		.name = p->name, .title = p->title, .series = series,
		.xlabel = kinds[k].xlabel, .ylabel = kinds[k].ylabel,
		.logx = kinds[k].log == LOG_X || (kinds[k].log != LOG_NONE && wide),
		.logy = kinds[k].log == LOG_XY_WIDE && wide,
		.x_from_zero = kinds[k].x0, .y_from_zero = kinds[k].y0, .ideal = kinds[k].ideal,
		.colour = kinds[k].styled ? colour : NULL, .dash = kinds[k].styled ? dash : NULL,
		.shade_from = NAN, .shade_to = NAN, .shade_label = "measure window",
	};
	const struct mp_phase_row *pick;
	FILE *f = report_gp_open(dir, p->name, "dat");

	if (!f) {
		snprintf(err, errlen, "cannot write %s/plots/%s.dat: %s", dir, p->name, mp_strerror(errno));
		return -errno;
	}
	switch (p->kind) {
	case RP_TPUT:
		g.nseries = fill_tput(d, f, series, colour, dash);
		break;
	case RP_TRIALS:
		g.nseries = fill_trials(d, f, series, colour, dash, style, p->size);
		g.style = style;
		break;
	case RP_FWD:
		g.nseries = fill_by_size(d, f, series, colour, dash, offered, forwarded);
		break;
	case RP_LOSS:
		g.nseries = fill_by_size(d, f, series, colour, dash, offered, loss);
		break;
	case RP_CPU:
		g.nseries = fill_by_size(d, f, series, colour, dash, offered, cpu);
		break;
	case RP_LAT:
		g.nseries = fill_latency(d, f, series, colour, dash, point);
		g.point = point;
		break;
	case RP_LATDIST:
		g.nseries = fill_latdist(d, f, series, colour, dash);
		break;
	case RP_MBPS:
		g.nseries = fill_mbps(d, f, series, colour, dash, point, style);
		g.point = point;
		g.style = style;
		break;
	case RP_SERIES:
		if ((pick = series_phase(d, p->size))) {
			g.nseries = fill_series(d, f, series, pick, &g.shade_from, &g.shade_to);
			snprintf(title, sizeof(title), "%s: phase %zu, %llu pps", p->title,
				 pick->phase + 1, (unsigned long long)pick->rate);
			g.title = title;
		}
		break;
	}
	fclose(f);
	if (g.nseries && data_points(dir, p->name) < 2) {
		/* A single point says less than the table. */
		for (size_t i = 0; i < g.nseries; i++)
			free(series[i]);
		g.nseries = 0;
	}
	if (g.nseries == 0)
		return 0;
	rc = report_gp_script(dir, &g);
	for (size_t i = 0; i < g.nseries; i++)
		free(series[i]);
	if (rc < 0) {
		snprintf(err, errlen, "cannot write plots/%s.gp", p->name);
		return rc;
	}
	if ((rc = report_gp_run(dir, p->name, err, errlen)) < 0)
		return rc;
	p->svg = report_gp_svg(dir, p->name);
	return 0;
}
