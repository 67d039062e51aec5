#include "controller/report_data.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/csv.h"

static double num(const char *s, int *bad)
{
	char *end;
	double v;

	if (!*s)
		return NAN;
	v = strtod(s, &end);
	if (*end)
		*bad = 1;
	return v;
}

static int add_version(struct report_data *d, const char *v)
{
	char **nv;

	for (size_t i = 0; i < d->nversions; i++)
		if (strcmp(d->versions[i], v) == 0)
			return 0;
	nv = realloc(d->versions, (d->nversions + 1) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	d->versions = nv;
	d->versions[d->nversions++] = strdup(v);
	return 0;
}

static int add_size(struct report_data *d, unsigned s)
{
	unsigned *ns;
	size_t i;

	for (i = 0; i < d->nsizes; i++)
		if (d->sizes[i] == s)
			return 0;
	ns = realloc(d->sizes, (d->nsizes + 1) * sizeof(unsigned));
	if (!ns)
		return -ENOMEM;
	d->sizes = ns;
	for (i = d->nsizes; i > 0 && d->sizes[i - 1] > s; i--)
		d->sizes[i] = d->sizes[i - 1];
	d->sizes[i] = s;
	d->nsizes++;
	return 0;
}

static int load_phases(const char *dir, struct report_data *d, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	int rc;

	snprintf(path, sizeof(path), "%s/phases.csv", dir);
	if ((rc = mp_phases_read(path, &d->ph, err, errlen)) < 0)
		return rc;
	d->phases = d->ph.rows;
	d->nphases = d->ph.nrows;
	for (size_t r = 0; r < d->nphases; r++)
		if (add_version(d, d->phases[r].version) < 0 || add_size(d, d->phases[r].size) < 0)
			return -ENOMEM;
	return 0;
}

static int load_samples(const char *dir, struct report_data *d, char *err, size_t errlen)
{
	static const char *const roles[] = { "generator", "dut_in", "dut_out", "receiver" };
	char path[PATH_MAX + 32];
	struct mp_csv csv;
	int ct, cp, cr, cw, cx, rc;

	snprintf(path, sizeof(path), "%s/samples.csv", dir);
	if ((rc = mp_csv_read(path, &csv, err, errlen)) < 0)
		return rc;
	ct = mp_csv_col(&csv, "t_s");
	cp = mp_csv_col(&csv, "phase");
	cr = mp_csv_col(&csv, "role");
	cw = mp_csv_col(&csv, "window");
	cx = mp_csv_col(&csv, "rx_pps");
	if (ct < 0 || cp < 0 || cr < 0 || cw < 0 || cx < 0) {
		snprintf(err, errlen, "%s:1: missing columns: not a mir-perf samples.csv", path);
		mp_csv_free(&csv);
		return -EINVAL;
	}
	d->samples = calloc(csv.nrows ? csv.nrows : 1, sizeof(*d->samples));
	for (size_t r = 0; d->samples && r < csv.nrows; r++) {
		struct report_sample *s = &d->samples[d->nsamples];
		char **row = csv.rows[r], *end;
		int bad = 0, role = -1;

		for (int i = 0; i < (int)(sizeof(roles) / sizeof(roles[0])); i++)
			if (strcmp(row[cr], roles[i]) == 0)
				role = i;
		s->t = strtod(row[ct], &end);
		bad |= *end || !*row[ct];
		s->phase = strtoul(row[cp], &end, 10) - 1;   /* 0-based, as the rows */
		bad |= *end || !*row[cp] || s->phase == (size_t)-1;
		s->rx_pps = num(row[cx], &bad);
		s->measure = strcmp(row[cw], "measure") == 0;
		s->role = role;
		if (bad || role < 0) {
			snprintf(err, errlen, "%s:%zu: a value is not what it should be (corrupted row)",
				 path, r + 2);
			mp_csv_free(&csv);
			return -EINVAL;
		}
		d->nsamples++;
	}
	mp_csv_free(&csv);
	return d->samples ? 0 : -ENOMEM;
}

int report_data_load(const char *dir, struct report_data *d, int samples, char *err,
		     size_t errlen)
{
	char path[PATH_MAX + 32];
	json_error_t je;
	const char *slash;
	int rc;

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), "%s/results.json", dir);
	d->results = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!d->results || !json_is_object(d->results)) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, d->results ? "not an object" : je.text);
		report_data_free(d);
		return access(path, F_OK) == 0 ? -EINVAL : -ENOENT;
	}
	slash = strrchr(dir, '/');
	snprintf(d->run_id, sizeof(d->run_id), "%s",
		 json_string_value(json_object_get(d->results, "run_id")) ?:
		 (slash ? slash + 1 : dir));
	rc = load_phases(dir, d, err, errlen);
	if (rc == 0 && samples)
		rc = load_samples(dir, d, err, errlen);
	if (rc < 0)
		report_data_free(d);
	return rc;
}

void report_data_free(struct report_data *d)
{
	json_decref(d->results);
	mp_phases_free(&d->ph);
	free(d->samples);
	for (size_t i = 0; i < d->nversions; i++)
		free(d->versions[i]);
	free(d->versions);
	free(d->sizes);
	memset(d, 0, sizeof(*d));
}

static char *fmt(const char *f, const char *s, unsigned u)
{
	char buf[256];

	snprintf(buf, sizeof(buf), f, s, u);
	return strdup(buf);
}

size_t report_fill_fwd(const struct report_data *d, FILE *f, char **series, unsigned size)
{
	size_t n = 0;

	for (size_t v = 0; v < d->nversions && n < REPORT_MAX_SERIES; v++) {
		int any = 0;

		for (size_t i = 0; i < d->nphases; i++) {
			const struct mp_phase_row *p = &d->phases[i];

			if (p->size != size || strcmp(p->version, d->versions[v]) ||
			    isnan(p->offered_pps) || isnan(p->forwarded_pps))
				continue;
			if (!any && n)
				fputs("\n\n", f);
			fprintf(f, "%.3f %.3f\n", p->offered_pps, p->forwarded_pps);
			any = 1;
		}
		if (any)
			series[n++] = strdup(d->versions[v]);
	}
	return n;
}

/* One block per (version, size) of y(p) against offered rate. */
static size_t fill_by_size(const struct report_data *d, FILE *f, char **series,
			   double (*y)(const struct mp_phase_row *), double (*x)(const struct mp_phase_row *))
{
	size_t n = 0;

	for (size_t v = 0; v < d->nversions; v++) {
		for (size_t s = 0; s < d->nsizes && n < REPORT_MAX_SERIES; s++) {
			int any = 0;

			for (size_t i = 0; i < d->nphases; i++) {
				const struct mp_phase_row *p = &d->phases[i];

				if (p->size != d->sizes[s] || strcmp(p->version, d->versions[v]) ||
				    isnan(x(p)) || isnan(y(p)))
					continue;
				if (!any && n)
					fputs("\n\n", f);
				fprintf(f, "%.3f %.3f\n", x(p), y(p));
				any = 1;
			}
			if (any)
				series[n++] = fmt("%s, %u B", d->versions[v], d->sizes[s]);
		}
	}
	return n;
}

static double px_offered(const struct mp_phase_row *p) { return p->offered_pps; }
static double py_loss(const struct mp_phase_row *p) { return p->loss_pct; }
static double py_cpu(const struct mp_phase_row *p) { return p->dut_cpu_ns_per_pkt; }

size_t report_fill_loss(const struct report_data *d, FILE *f, char **series)
{
	return fill_by_size(d, f, series, py_loss, px_offered);
}

size_t report_fill_cpu(const struct report_data *d, FILE *f, char **series)
{
	return fill_by_size(d, f, series, py_cpu, px_offered);
}

/* Per version: the best Mbit/s reached at each frame size. */
size_t report_fill_mbps(const struct report_data *d, FILE *f, char **series)
{
	size_t n = 0;

	for (size_t v = 0; v < d->nversions && n < REPORT_MAX_SERIES; v++) {
		int any = 0;

		for (size_t s = 0; s < d->nsizes; s++) {
			double best = NAN;

			for (size_t i = 0; i < d->nphases; i++) {
				const struct mp_phase_row *p = &d->phases[i];

				if (p->size == d->sizes[s] && !strcmp(p->version, d->versions[v]) &&
				    !isnan(p->forwarded_mbps) && (isnan(best) || p->forwarded_mbps > best))
					best = p->forwarded_mbps;
			}
			if (isnan(best))
				continue;
			if (!any && n)
				fputs("\n\n", f);
			fprintf(f, "%u %.3f\n", d->sizes[s], best);
			any = 1;
		}
		if (any)
			series[n++] = strdup(d->versions[v]);
	}
	return n;
}

/* The 100 ms rates of the highest-rate ok phase of the first version at
 * `size`: generator and dut_out, time from the phase's first sample. */
size_t report_fill_series(const struct report_data *d, FILE *f, char **series, unsigned size)
{
	static const char *const names[] = { "offered (generator vif rx)", "",
					     "forwarded (DUT out vif rx)" };
	const struct mp_phase_row *pick = NULL;
	size_t n = 0;

	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *p = &d->phases[i];

		if (p->size == size && !strcmp(p->status, "ok") && d->nversions &&
		    !strcmp(p->version, d->versions[0]) && (!pick || p->rate > pick->rate))
			pick = p;
	}
	if (!pick)
		return 0;
	for (int role = 0; role < 3; role += 2) {
		double t0 = NAN;
		int any = 0;

		for (size_t i = 0; i < d->nsamples; i++) {
			const struct report_sample *s = &d->samples[i];

			if (s->phase != pick->phase || s->role != role || isnan(s->rx_pps))
				continue;
			if (isnan(t0))
				t0 = s->t;
			if (!any && n)
				fputs("\n\n", f);
			fprintf(f, "%.3f %.3f\n", s->t - t0, s->rx_pps);
			any = 1;
		}
		if (any) {
			char buf[160];

			snprintf(buf, sizeof(buf), "%s, phase %zu (%llu pps)", names[role], pick->phase + 1,
				 (unsigned long long)pick->rate);
			series[n++] = strdup(buf);
		}
	}
	return n;
}

void report_html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

void report_comparison_html(const struct report_data *d, FILE *f)
{
	if (d->nversions < 2)
		return;
	fputs("<h2>Versions compared</h2>\n<p>Forwarded packets per second at each size and "
	      "rate, and the change against the first version (", f);
	report_html_escape(f, d->versions[0]);
	fputs("). <code>mir-perf compare</code> says whether a change is significant.</p>\n"
	      "<table>\n<tr><th>size</th><th>rate</th>", f);
	for (size_t v = 0; v < d->nversions; v++) {
		fputs("<th>", f);
		report_html_escape(f, d->versions[v]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *base = &d->phases[i];

		if (strcmp(base->version, d->versions[0]) != 0)
			continue;
		fprintf(f, "<tr><td>%u</td><td>%llu</td>", base->size, (unsigned long long)base->rate);
		for (size_t v = 0; v < d->nversions; v++) {
			const struct mp_phase_row *p = NULL;

			for (size_t j = 0; j < d->nphases; j++)
				if (!strcmp(d->phases[j].version, d->versions[v]) &&
				    d->phases[j].size == base->size && d->phases[j].rate == base->rate)
					p = &d->phases[j];
			if (!p || isnan(p->forwarded_pps)) {
				fputs("<td>-</td>", f);
			} else if (v == 0 || isnan(base->forwarded_pps) || base->forwarded_pps == 0) {
				fprintf(f, "<td>%.0f</td>", p->forwarded_pps);
			} else {
				double ch = 100.0 * (p->forwarded_pps - base->forwarded_pps) / base->forwarded_pps;

				fprintf(f, "<td class=\"%s\">%.0f (%+.2f%%)</td>",
					ch < 0 ? "slower" : "faster", p->forwarded_pps, ch);
			}
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

size_t report_fill_latency(const struct report_data *d, FILE *f, char **series, unsigned size)
{
	size_t n = 0;

	for (size_t v = 0; v < d->nversions && n + 2 <= REPORT_MAX_SERIES; v++) {
		for (int q = 0; q < 2; q++) {
			int any = 0;

			for (size_t i = 0; i < d->nphases; i++) {
				const struct mp_phase_row *p = &d->phases[i];
				double y = q ? p->lat_p99_us : p->lat_p50_us;

				if (p->size != size || strcmp(p->version, d->versions[v]) ||
				    isnan(p->offered_pps) || isnan(y))
					continue;
				if (!any && n)
					fputs("\n\n", f);
				fprintf(f, "%.3f %.3f\n", p->offered_pps, y);
				any = 1;
			}
			if (any)
				series[n++] = fmt(q ? "%s p99" : "%s p50", d->versions[v], 0);
		}
	}
	return n;
}

/* results.json's histogram of phase `p` into h; 0, or -1 when it has none. */
static int phase_hist(const struct report_data *d, const struct mp_phase_row *p,
		      struct mp_hist *h)
{
	json_t *phases = json_object_get(d->results, "phases"), *ph;
	size_t i;

	json_array_foreach(phases, i, ph) {
		json_t *bk = json_object_get(json_object_get(ph, "latency_hist"), "buckets");

		if (json_integer_value(json_object_get(ph, "phase")) != (json_int_t)p->phase + 1 ||
		    !json_is_string(bk))
			continue;
		mp_hist_reset(h);
		if (mp_hist_decode(json_string_value(bk), h) < 0)
			return -1;
		if (!isnan(p->lat_min_us) && !isnan(p->lat_max_us)) {
			h->min = (uint64_t)(p->lat_min_us * 1e3);
			h->max = (uint64_t)(p->lat_max_us * 1e3);
		}
		return h->count ? 0 : -1;
	}
	return -1;
}

size_t report_fill_latdist(const struct report_data *d, FILE *f, char **series, unsigned size)
{
	static const double qs[] = { 0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999 };
	struct mp_hist *h = mp_hist_new();
	size_t n = 0;

	for (size_t v = 0; h && v < d->nversions && n < REPORT_MAX_SERIES; v++) {
		const struct mp_phase_row *best = NULL;
		char label[256];

		for (size_t i = 0; i < d->nphases; i++) {
			const struct mp_phase_row *p = &d->phases[i];

			if (p->size == size && !strcmp(p->version, d->versions[v]) &&
			    !strcmp(p->status, "ok") && p->lost == 0 && !isnan(p->lat_p50_us) &&
			    (!best || p->rate > best->rate))
				best = p;
		}
		if (!best || phase_hist(d, best, h) < 0)
			continue;
		if (n)
			fputs("\n\n", f);
		for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
			fprintf(f, "%.3f %.3f\n", 1 / (1 - qs[i] / 100),
				(double)mp_hist_percentile(h, qs[i]) / 1e3);
		snprintf(label, sizeof(label), "%s, at %llu pps", d->versions[v],
			 (unsigned long long)best->rate);
		series[n++] = strdup(label);
	}
	free(h);
	return n;
}
