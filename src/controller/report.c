/* RUN_DIR/report.html (report.h): gnuplot draws each plot from a .dat file
 * and a .gp script kept in RUN_DIR/plots/ (SVG for the page, PNG copies);
 * the page inlines the SVGs, so it opens from disk with no network. */
#include "controller/report.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/pathf.h"
#include "common/run.h"
#include "controller/commands.h"
#include "controller/csv.h"
#include "controller/report_data.h"

#define GNUPLOT_TIMEOUT_MS 60000
#define SVG_MAX (8 * 1024 * 1024)

struct plot {
	char name[32];          /* file stem in plots/ */
	char title[128];
	char *svg;              /* read back for inlining */
};

enum plot_kind { P_FWD, P_LOSS, P_MBPS, P_CPU, P_SERIES, P_LAT, P_LATDIST };

/* A gnuplot string literal: single quotes, doubled inside. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		if (*s != '\n')
			fputc(*s, f);
	}
	fputc('\'', f);
}

static FILE *open_file(const char *dir, const char *name, const char *ext)
{
	char path[PATH_MAX + 128];

	if (mp_pathf(path, sizeof(path), "%s/plots/%s.%s", dir, name, ext) < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(path, "w");
}

/* Writes NAME.gp drawing the series of NAME.dat (blocks separated by two
 * blank lines, one per series) to NAME.svg and NAME.png. */
static int write_script(const char *dir, const char *name, const char *title,
			const char *xlabel, const char *ylabel, int logx, char **series,
			size_t nseries)
{
	FILE *f = open_file(dir, name, "gp");

	if (!f)
		return -errno;
	fprintf(f, "# mir-perf report plot; run `gnuplot %s.gp` in this directory to redraw.\n",
		name);
	fputs("set datafile separator ' '\nset key outside right top\nset grid\n", f);
	fputs("set title ", f);
	gp_str(f, title);
	fputs("\nset xlabel ", f);
	gp_str(f, xlabel);
	fputs("\nset ylabel ", f);
	gp_str(f, ylabel);
	fputc('\n', f);
	if (logx)
		fputs("set logscale x\n", f);
	for (int t = 0; t < 2; t++) {
		fprintf(f, t == 0 ? "set terminal svg size 900,420 dynamic font 'sans,11'\n"
				  : "set terminal png size 900,420\n");
		fprintf(f, "set output '%s.%s'\nplot ", name, t == 0 ? "svg" : "png");
		for (size_t i = 0; i < nseries; i++) {
			fprintf(f, "%s'%s.dat' index %zu using 1:2 with linespoints title ",
				i ? ", \\\n     " : "", name, i);
			gp_str(f, series[i]);
		}
		fputs("\nunset output\n", f);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

static int run_gnuplot(const char *dir, const char *name, char *err, size_t errlen)
{
	char plots[PATH_MAX + 16], script[PATH_MAX + 64];
	char *argv[] = { "gnuplot", script, NULL };
	struct mp_run_result r;
	char *env[] = { NULL };
	int rc;

	if (mp_pathf(plots, sizeof(plots), "%s/plots", dir) < 0 ||
	    mp_pathf(script, sizeof(script), "%s.gp", name) < 0) {
		snprintf(err, errlen, "the run directory's path is too long");
		return -ENAMETOOLONG;
	}
	/* gnuplot resolves the .dat and output names against its cwd. */
	{
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) || chdir(plots) < 0) {
			snprintf(err, errlen, "cannot enter %s: %s", plots, strerror(errno));
			return -errno;
		}
		rc = mp_run(argv, env, GNUPLOT_TIMEOUT_MS, &r);
		if (chdir(cwd) < 0)
			mp_warn("cannot return to %s", cwd);
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot run gnuplot (Debian package gnuplot-nox): %s",
			 strerror(-rc));
		return -ENOENT;
	}
	if (r.status != 0) {
		snprintf(err, errlen, "gnuplot failed on plots/%s.gp: %.300s", name, r.err);
		mp_run_result_free(&r);
		return -EIO;
	}
	mp_run_result_free(&r);
	return 0;
}

static char *read_svg(const char *dir, const char *name)
{
	char path[PATH_MAX + 128];
	FILE *f;
	char *buf, *start;
	size_t n;

	if (mp_pathf(path, sizeof(path), "%s/plots/%s.svg", dir, name) < 0)
		return NULL;
	f = fopen(path, "r");
	if (!f)
		return NULL;
	buf = malloc(SVG_MAX + 1);
	n = buf ? fread(buf, 1, SVG_MAX, f) : 0;
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	/* Inline: drop the XML prolog and doctype, keep from <svg. */
	start = strstr(buf, "<svg");
	if (!start) {
		free(buf);
		return NULL;
	}
	memmove(buf, start, strlen(start) + 1);
	return buf;
}

/* Writes the plot's data, script and drawings; p->svg stays NULL when
 * there is nothing to draw (e.g. no CPU figures). */
static int plot(const char *dir, const struct report_data *d, struct plot *p,
		enum plot_kind kind, unsigned size, char *err, size_t errlen)
{
	static const char *const axes[][2] = {
		[P_FWD] = { "offered (packets/s)", "forwarded (packets/s)" },
		[P_LOSS] = { "offered (packets/s)", "loss (%)" },
		[P_MBPS] = { "frame size (bytes, without FCS)", "forwarded (Mbit/s)" },
		[P_CPU] = { "offered (packets/s)", "DUT CPU (ns per forwarded packet)" },
		[P_SERIES] = { "time in phase (s)", "packets/s (100 ms samples)" },
		[P_LAT] = { "offered (packets/s)", "latency (us)" },
		[P_LATDIST] = { "percentile, as 1/(1-q): 2 = p50, 10 = p90, 100 = p99, 1000 = p99.9",
				"latency (us)" },
	};
	char *series[REPORT_MAX_SERIES];
	size_t n = 0;
	FILE *f = open_file(dir, p->name, "dat");
	int rc;

	if (!f) {
		snprintf(err, errlen, "cannot write %s/plots/%s.dat: %s", dir, p->name, strerror(errno));
		return -errno;
	}
	switch (kind) {
	case P_FWD: n = report_fill_fwd(d, f, series, size); break;
	case P_LOSS: n = report_fill_loss(d, f, series); break;
	case P_MBPS: n = report_fill_mbps(d, f, series); break;
	case P_CPU: n = report_fill_cpu(d, f, series); break;
	case P_SERIES: n = report_fill_series(d, f, series, size); break;
	case P_LAT: n = report_fill_latency(d, f, series, size); break;
	case P_LATDIST: n = report_fill_latdist(d, f, series, size); break;
	}
	fclose(f);
	if (n == 0)
		return 0;
	rc = write_script(dir, p->name, p->title, axes[kind][0], axes[kind][1],
			  kind == P_LOSS || kind == P_CPU || kind == P_LATDIST, series, n);
	for (size_t i = 0; i < n; i++)
		free(series[i]);
	if (rc < 0) {
		snprintf(err, errlen, "cannot write plots/%s.gp", p->name);
		return rc;
	}
	if ((rc = run_gnuplot(dir, p->name, err, errlen)) < 0)
		return rc;
	p->svg = read_svg(dir, p->name);
	return 0;
}

/* The report's plots, in page order. */
static size_t plan_plots(const struct report_data *d, struct plot *pl, enum plot_kind *kind,
			 unsigned *size)
{
	size_t n = 0;

	for (size_t s = 0; s < d->nsizes && n < REPORT_MAX_PLOTS - 4; s++, n++) {
		snprintf(pl[n].name, sizeof(pl[n].name), "forwarded-%u", d->sizes[s]);
		snprintf(pl[n].title, sizeof(pl[n].title),
			 "Forwarded vs offered packet rate, %u-byte frames", d->sizes[s]);
		kind[n] = P_FWD;
		size[n] = d->sizes[s];
	}
	snprintf(pl[n].name, sizeof(pl[n].name), "loss");
	snprintf(pl[n].title, sizeof(pl[n].title), "Loss vs offered rate");
	kind[n++] = P_LOSS;
	snprintf(pl[n].name, sizeof(pl[n].name), "mbps");
	snprintf(pl[n].title, sizeof(pl[n].title), "Forwarded Mbit/s vs frame size (best rate)");
	kind[n++] = P_MBPS;
	snprintf(pl[n].name, sizeof(pl[n].name), "cpu");
	snprintf(pl[n].title, sizeof(pl[n].title), "DUT CPU time per forwarded packet");
	kind[n++] = P_CPU;
	/* The receiver's, when the run had one (otherwise nothing is drawn). */
	for (size_t s = 0; s < d->nsizes && n + 2 < REPORT_MAX_PLOTS; s++) {
		snprintf(pl[n].name, sizeof(pl[n].name), "latency-%u", d->sizes[s]);
		snprintf(pl[n].title, sizeof(pl[n].title),
			 "Latency (p50, p99) vs offered rate, %u-byte frames", d->sizes[s]);
		kind[n] = P_LAT;
		size[n++] = d->sizes[s];
		snprintf(pl[n].name, sizeof(pl[n].name), "latdist-%u", d->sizes[s]);
		snprintf(pl[n].title, sizeof(pl[n].title),
			 "Latency distribution at the highest rate without loss, %u-byte frames",
			 d->sizes[s]);
		kind[n] = P_LATDIST;
		size[n++] = d->sizes[s];
	}
	for (size_t s = 0; s < d->nsizes && n < REPORT_MAX_PLOTS; s++, n++) {
		snprintf(pl[n].name, sizeof(pl[n].name), "series-%u", d->sizes[s]);
		snprintf(pl[n].title, sizeof(pl[n].title),
			 "100 ms rates during one phase, %u-byte frames", d->sizes[s]);
		kind[n] = P_SERIES;
		size[n] = d->sizes[s];
	}
	return n;
}

static void table_row(FILE *f, const char *k, const char *v)
{
	fputs("<tr><th>", f);
	report_html_escape(f, k);
	fputs("</th><td>", f);
	report_html_escape(f, v ? v : "");
	fputs("</td></tr>\n", f);
}

/* One cell of the phase table, as column `c`'s heading and format say. */
static void phase_cell(FILE *f, const struct mp_phase_col *c, const struct mp_phase_row *p)
{
	char buf[MP_CSV_NUM_LEN];
	double v;

	if (!c->heading)
		return;
	if (c->type == MP_COL_TEXT) {
		fputs("<td class=\"text\">", f);
		report_html_escape(f, mp_phase_text(c, p));
	} else if (c->type == MP_COL_NUM) {
		fputs("<td>", f);
		if (!isnan(v = mp_phase_num(c, p)))
			fprintf(f, c->cell_fmt ? c->cell_fmt : "%g", v);
	} else {
		fputs("<td>", f);
		mp_phase_cell(c, p, buf, sizeof(buf));
		fputs(buf, f);
	}
	fputs("</td>", f);
}

static void write_html(FILE *f, const struct report_data *d, struct plot *plots, size_t nplots)
{
	json_t *r = d->results, *v;
	const char *k;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
	      "mir-perf report: ", f);
	report_html_escape(f, d->run_id);
	fputs("</title>\n<style>\nbody{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}"
	      "\ntable{border-collapse:collapse;margin:1em 0}\ntd,th{border:1px solid #ccc;"
	      "padding:3px 8px;text-align:right}\nth{background:#f3f3f3}\n.prov th,.prov td"
	      "{text-align:left}\ntd.text{text-align:left}\n.failed{background:#fdd}.skipped{background:#eee}\n"
	      ".slower{color:#b00}.faster{color:#070}\nfigure{margin:1em 0}\n</style>\n</head>\n"
	      "<body>\n<h1>mir-perf report</h1>\n", f);
	fputs("<p>Forwarding performance of <b>", f);
	report_html_escape(f, json_string_value(json_object_get(json_object_get(r, "library"), "name")));
	fputs("</b>. Frame sizes are bytes without the 4-byte FCS (60 here is RFC 2544's 64). "
	      "<i>Offered</i> is what the traffic generator's dom0 vif received; "
	      "<i>forwarded</i> is what the DUT's output vif received.</p>\n", f);
	fputs("<h2>Run</h2>\n<table class=\"prov\">\n", f);
	table_row(f, "run", d->run_id);
	table_row(f, "status", json_string_value(json_object_get(r, "status")));
	table_row(f, "plan", json_string_value(json_object_get(r, "plan")));
	table_row(f, "repository", json_string_value(json_object_get(json_object_get(r, "library"), "repo")));
	table_row(f, "start", json_string_value(json_object_get(r, "start")));
	table_row(f, "end", json_string_value(json_object_get(r, "end")));
	table_row(f, "host", json_string_value(json_object_get(r, "host")));
	table_row(f, "kernel", json_string_value(json_object_get(r, "kernel")));
	table_row(f, "mir-perf", json_string_value(json_object_get(r, "mir_perf_version")));
	json_object_foreach(json_object_get(r, "discovery"), k, v) {
		char key[64];

		snprintf(key, sizeof(key), "discovery %s", k);
		table_row(f, key, json_string_value(v));
	}
	json_object_foreach(json_object_get(r, "interfaces"), k, v) {
		char key[64];

		snprintf(key, sizeof(key), "interface %s", k);
		table_row(f, key, json_string_value(v));
	}
	json_object_foreach(json_object_get(r, "info"), k, v)
		table_row(f, k, json_string_value(v));
	fputs("</table>\n", f);

	report_comparison_html(d, f);

	fputs("<h2>Plots</h2>\n", f);
	for (size_t i = 0; i < nplots; i++) {
		if (!plots[i].svg)
			continue;
		fprintf(f, "<figure id=\"%s\">\n", plots[i].name);
		fputs(plots[i].svg, f);
		fputs("\n<figcaption>", f);
		report_html_escape(f, plots[i].title);
		fprintf(f, " (<a href=\"plots/%s.png\">PNG</a>, <a href=\"plots/%s.gp\">script</a>)"
			"</figcaption>\n</figure>\n", plots[i].name, plots[i].name);
	}

	fputs("<h2>Phases</h2>\n<table>\n<tr>", f);
	for (size_t c = 0; c < mp_phase_ncols; c++) {
		if (!mp_phase_cols[c].heading)
			continue;
		fputs("<th>", f);
		report_html_escape(f, mp_phase_cols[c].heading);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *p = &d->phases[i];

		fprintf(f, "<tr class=\"%s\">", p->status);
		for (size_t c = 0; c < mp_phase_ncols; c++)
			phase_cell(f, &mp_phase_cols[c], p);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p>Made by mir-perf; the plots' data and gnuplot scripts are in "
	      "<code>plots/</code>.</p>\n</body>\n</html>\n", f);
}

int mp_report_write(const char *dir, char *err, size_t errlen)
{
	struct report_data d;
	struct plot plots[REPORT_MAX_PLOTS];
	size_t nplots = 0;
	char path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	FILE *f;
	int rc;

	if ((rc = report_data_load(dir, &d, 1, err, errlen)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/plots", dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		report_data_free(&d);
		return -errno;
	}
	memset(plots, 0, sizeof(plots));
	{
		enum plot_kind kind[REPORT_MAX_PLOTS];
		unsigned size[REPORT_MAX_PLOTS] = { 0 };

		nplots = plan_plots(&d, plots, kind, size);
		for (size_t i = 0; i < nplots && rc == 0; i++)
			rc = plot(dir, &d, &plots[i], kind[i], size[i], err, errlen);
	}
	if (rc == 0) {
		snprintf(tmp, sizeof(tmp), "%s/.report.html.tmp", dir);
		snprintf(path, sizeof(path), "%s/report.html", dir);
		f = fopen(tmp, "w");
		if (!f) {
			snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
			rc = -errno;
		} else {
			write_html(f, &d, plots, nplots);
			if (fclose(f) != 0 || rename(tmp, path) < 0) {
				snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
				rc = -EIO;
			}
		}
	}
	for (size_t i = 0; i < nplots; i++)
		free(plots[i].svg);
	report_data_free(&d);
	return rc;
}

int mp_cmd_report(int argc, char **argv)
{
	char err[1024];

	mp_log_init("mir-perf report", MP_LOG_INFO);
	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: mir-perf report RUN_DIR\nWrites RUN_DIR/report.html and its plots.\n",
		      argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? MP_EXIT_OK : MP_EXIT_USAGE;
	}
	if (mp_report_write(argv[1], err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf report: %s\n", err);
		return strstr(err, "gnuplot") ? MP_EXIT_ENV : MP_EXIT_USAGE;
	}
	printf("%s/report.html\n", argv[1]);
	return MP_EXIT_OK;
}
