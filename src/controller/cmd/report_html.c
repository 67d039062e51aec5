/* report.html's page (report_html.h). */
#include "controller/cmd/report_html.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "controller/cmd/report_tcp.h"
#include "controller/results/phases_csv.h"

#define STYLE \
	"body{font-family:sans-serif;font-size:15px;margin:1.5em auto;max-width:1180px;" \
	"padding:0 1em;color:#222}\n" \
	"h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.2em 0 .4em}\n" \
	"p.lead{margin:.2em 0 1em;color:#444}\n" \
	"dl.prov{display:grid;grid-template-columns:repeat(3,max-content minmax(0,1fr));" \
	"gap:2px 12px;margin:0;font-size:.9em}\n" \
	"dl.prov dt{color:#666}dl.prov dd{margin:0;overflow-wrap:anywhere}\n" \
	"abbr{text-decoration:underline dotted;cursor:help}\n" \
	"p.notes{font-size:.8em;color:#666;margin:.4em 0}\n" \
	".plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:8px 16px}\n" \
	"figure{margin:0}figure svg{max-width:100%;height:auto}\n" \
	"figcaption{font-size:.8em;color:#666}\n" \
	"table{border-collapse:collapse;margin:.5em 0;font-size:.9em}\n" \
	"td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f3f3f3}\n" \
	"td.text{text-align:left}\n" \
	"div.wide{overflow-x:auto;max-width:100%}\n" \
	".failed{background:#fdd}.skipped{background:#eee}.short{background:#ffe9c0}\n" \
	".slower{color:#b00}.faster{color:#070}\n"

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

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* One provenance item; `why`, when given, is shown on hover. */
static void item(FILE *f, const char *k, const char *v, const char *why)
{
	fputs("<dt>", f);
	report_html_escape(f, k);
	fputs("</dt><dd>", f);
	if (why) {
		fputs("<abbr title=\"", f);
		report_html_escape(f, why);
		fputs("\">", f);
	}
	report_html_escape(f, v && *v ? v : "-");
	fputs(why ? "</abbr></dd>\n" : "</dd>\n", f);
}

/* Two values as one: "A, B" (either may be missing). */
static void item2(FILE *f, const char *k, const char *a, const char *sep, const char *b)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s%s%s", a ? a : "", a && b ? sep : "", b ? b : "");
	item(f, k, buf, NULL);
}

/* Run, library, times, host, versions, discovery and interfaces in a few
 * lines; an info entry that is not "available" (sweep.c writes the reason
 * there, e.g. for xenctrl) reads "unavailable", the reason on hover and in
 * a note below. */
static void provenance(FILE *f, const struct mp_rundir *d)
{
	json_t *r = d->results, *lib = json_object_get(r, "library"), *disc, *v;
	char buf[512];
	size_t used = 0, nnotes = 0;
	const char *k;

	fputs("<dl class=\"prov\">\n", f);
	item(f, "run", d->run_id, NULL);
	item(f, "status", str(r, "status"), NULL);
	item2(f, "library", str(lib, "name"), " ", str(lib, "repo"));
	item2(f, "time (UTC)", str(r, "start"), " to ", str(r, "end"));
	item2(f, "host", str(r, "host"), ", Linux ", str(r, "kernel"));
	item(f, "mir-perf", str(r, "mir_perf_version"), NULL);
	disc = json_object_get(r, "discovery");
	item2(f, "traff-gen address", str(disc, "traffgen_ip"), " by ", str(disc, "method"));
	buf[0] = '\0';
	json_object_foreach(json_object_get(r, "interfaces"), k, v)
		if (used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s %s",
						 used ? ", " : "", k, json_string_value(v) ?: "");
	item(f, "interfaces", buf, NULL);
	json_object_foreach(json_object_get(r, "info"), k, v) {
		const char *s = json_string_value(v);
		int avail = s && strcmp(s, "available") == 0;

		item(f, k, avail ? s : "unavailable", avail ? NULL : s);
		nnotes += !avail;
	}
	fputs("</dl>\n", f);
	if (!nnotes)
		return;
	fputs("<p class=\"notes\">", f);
	json_object_foreach(json_object_get(r, "info"), k, v) {
		if (json_string_value(v) && strcmp(json_string_value(v), "available") == 0)
			continue;
		report_html_escape(f, k);
		fputs(" unavailable: ", f);
		report_html_escape(f, json_string_value(v));
		fputs(". ", f);
	}
	fputs("</p>\n", f);
}

/* With several versions: each (size, rate) against the first version. */
static void comparison(FILE *f, const struct mp_rundir *d)
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

		if (base->trial || strcmp(base->version, d->versions[0]) != 0)
			continue;       /* a search's trials: its answer is in the headline */
		fprintf(f, "<tr><td>%u</td><td>%llu</td>", base->size, (unsigned long long)base->rate);
		for (size_t v = 0; v < d->nversions; v++) {
			const struct mp_phase_row *p = mp_rundir_find(d, d->versions[v], base->size,
								      base->rate);

			if (!p || isnan(p->forwarded_pps)) {
				fputs("<td>-</td>", f);
			} else if (v == 0 || isnan(base->forwarded_pps) || base->forwarded_pps == 0) {
				fprintf(f, "<td>%.0f</td>", p->forwarded_pps);
			} else {
				double ch = 100.0 * (p->forwarded_pps - base->forwarded_pps) /
					    base->forwarded_pps;

				fprintf(f, "<td class=\"%s\">%.0f (%+.2f%%)</td>",
					ch < 0 ? "slower" : "faster", p->forwarded_pps, ch);
			}
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* A search's answer, first on the page: per version, size and goal the
 * lower bound (pps, Mbit/s, share of what the generator reached), the upper
 * bound, the trials and time it took, and the status. */
static void headline(FILE *f, const struct mp_rundir *d)
{
	const struct mp_tput *t = &d->tput;

	if (!t->nrows)
		return;
	fputs("<h2>Throughput</h2>\n<table>\n<tr><th>version</th><th>size</th><th>goal</th>"
	      "<th>pps</th><th>Mbit/s</th><th>% of generator max</th><th>upper pps</th>"
	      "<th>trials</th><th>time (s)</th><th>status</th></tr>\n", f);
	for (size_t i = 0; i < t->nrows; i++) {
		const struct mp_tput_row *r = &t->rows[i];
		char label[96];
		int bad = strcmp(r->status, "ok") && strcmp(r->status, "generator-limited");

		fprintf(f, "<tr%s><td class=\"text\">", bad ? " class=\"failed\"" : "");
		report_html_escape(f, r->version);
		mp_rundir_size_label(d, r->size, 1, label, sizeof(label));
		fputs("</td><td class=\"text\">", f);
		report_html_escape(f, label);
		fputs("</td><td class=\"text\">", f);
		report_html_escape(f, r->goal);
		fprintf(f, " (loss &le; %g%%)</td>", r->goal_loss_pct);
		if (isnan(r->lower_pps))
			fputs("<td>-</td><td>-</td>", f);
		else
			fprintf(f, "<td><b>%.0f</b></td><td>%.1f</td>", r->lower_pps, r->lower_mbps);
		if (isnan(r->gen_max_pps) || isnan(r->lower_pps))
			fputs("<td>-</td>", f);
		else
			fprintf(f, "<td>%.1f</td>", 100 * r->lower_pps / r->gen_max_pps);
		if (isnan(r->upper_pps))
			fputs("<td>-</td>", f);
		else
			fprintf(f, "<td>%.0f</td>", r->upper_pps);
		fprintf(f, "<td>%u</td><td>%.1f</td><td class=\"text\">", r->trials, r->search_s);
		report_html_escape(f, r->status);
		if (r->reason) {
			fputs(": ", f);
			report_html_escape(f, r->reason);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"notes\">The lower bound is the highest rate that passed a "
	      "final-duration trial, the upper bound the lowest that failed one "
	      "(docs/search.md). <i>Generator-limited</i>: the DUT kept up with all the "
	      "generator could send. % of generator max: of what the generator reached when "
	      "asked for all it could, or when it fell short.</p>\n", f);
}

/* Phases whose generator offered visibly less than asked. */
static void shortfall_note(FILE *f, const struct mp_rundir *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nphases; i++)
		n += d->phases[i].gen_shortfall_pct > MP_SHORTFALL_MARK_PCT;
	if (n)
		fprintf(f, "<p class=\"notes\"><b>%zu phase%s short</b>: the generator offered "
			"more than %g%% less than the rate asked (column <i>gen short %%</i>, "
			"marked in the phase table); their figures are for what it offered.</p>\n",
			n, n == 1 ? "" : "s", MP_SHORTFALL_MARK_PCT);
}

static void plots_html(FILE *f, const struct report_plot *plots, size_t nplots)
{
	fputs("<h2>Plots</h2>\n<div class=\"plots\">\n", f);
	for (size_t i = 0; i < nplots; i++) {
		if (!plots[i].svg)
			continue;
		fprintf(f, "<figure id=\"%s\">\n", plots[i].name);
		fputs(plots[i].svg, f);
		fprintf(f, "\n<figcaption><a href=\"plots/%s.png\">PNG</a>, "
			"<a href=\"plots/%s.gp\">gnuplot script</a></figcaption>\n</figure>\n",
			plots[i].name, plots[i].name);
	}
	fputs("</div>\n", f);
}

/* One cell of the phase table, as column `c`'s format says. */
static void phase_cell(FILE *f, const struct mp_col *c, const struct mp_phase_row *p)
{
	char buf[MP_CSV_NUM_LEN];
	double v;

	if (c->type == MP_COL_TEXT) {
		fputs("<td class=\"text\">", f);
		report_html_escape(f, mp_col_text(c, p));
	} else if (c->type == MP_COL_NUM) {
		fputs("<td>", f);
		if (!isnan(v = mp_col_num(c, p)))
			fprintf(f, c->cell_fmt ? c->cell_fmt : "%g", v);
	} else {
		fputs("<td>", f);
		mp_col_cell(c, p, buf, sizeof(buf));
		fputs(buf, f);
	}
	fputs("</td>", f);
}

/* Whether the table shows column `c`: it has a heading, and it says which
 * phase a row is or holds something in some row (a run without a receiver
 * or hypervisor has no figure there, a run where all went well no reason). */
static int shown(const struct mp_rundir *d, const struct mp_col *c)
{
	if (!c->heading)
		return 0;
	if (c->flags & MP_COL_REQUIRED)
		return 1;
	for (size_t i = 0; i < d->nphases; i++) {
		const char *t = mp_col_text(c, &d->phases[i]);

		if (c->type == MP_COL_TEXT ? t && *t : !isnan(mp_col_num(c, &d->phases[i])))
			return 1;
	}
	return c->type != MP_COL_TEXT && c->type != MP_COL_NUM;
}

static void phase_table(FILE *f, const struct mp_rundir *d)
{
	unsigned char *show = calloc(mp_phases_tab.ncols, 1);

	if (!show)
		return;
	fputs("<h2>Phases</h2>\n<div class=\"wide\"><table>\n<tr>", f);
	for (size_t c = 0; c < mp_phases_tab.ncols; c++) {
		if (!(show[c] = (unsigned char)shown(d, &mp_phases_tab.cols[c])))
			continue;
		fputs("<th>", f);
		report_html_escape(f, mp_phases_tab.cols[c].heading);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *p = &d->phases[i];

		fprintf(f, "<tr class=\"%s%s\">", p->status,
			p->gen_shortfall_pct > MP_SHORTFALL_MARK_PCT ? " short" : "");
		for (size_t c = 0; c < mp_phases_tab.ncols; c++)
			if (show[c])
				phase_cell(f, &mp_phases_tab.cols[c], p);
		fputs("</tr>\n", f);
	}
	free(show);
	fputs("</table></div>\n<p class=\"notes\">Columns without a figure in any phase are "
	      "left out; phases.csv has them all.</p>\n", f);
}

void report_html_write(FILE *f, const struct mp_rundir *d, const struct report_plot *plots,
		       size_t nplots)
{
	const char *lib = str(json_object_get(d->results, "library"), "name");

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
	      "mir-perf report: ", f);
	report_html_escape(f, d->run_id);
	fputs("</title>\n<style>\n" STYLE "</style>\n</head>\n<body>\n<h1>mir-perf report: ", f);
	report_html_escape(f, lib ? lib : d->run_id);
	fputs("</h1>\n<p class=\"lead\">Frame sizes are bytes without the 4-byte FCS (60 here is "
	      "RFC 2544's 64). <i>Offered</i> is what the traffic generator's dom0 vif received; "
	      "<i>forwarded</i> is what the DUT's output vif received.</p>\n", f);
	headline(f, d);
	report_tcp_html(f, d);
	provenance(f, d);
	shortfall_note(f, d);
	comparison(f, d);
	if (d->nphases) {       /* a TCP-only run has none */
		plots_html(f, plots, nplots);
		phase_table(f, d);
	}
	fputs("<p class=\"notes\">Made by mir-perf; the plots' data and gnuplot scripts are in "
	      "<code>plots/</code>.</p>\n</body>\n</html>\n", f);
}
