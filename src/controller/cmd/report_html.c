/* report.html's page (report_html.h). */
#include "controller/cmd/report_html.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "controller/cmd/report_tcp.h"
#include "controller/host/console.h"
#include "controller/results/phases_csv.h"

#define REPORT_MAX_REASONS 6           /* distinct reasons listed under Problems */
#define REPORT_MAX_CONSOLES 4          /* DUT boots whose console is quoted (the last) */
#define CONSOLE_READ_MAX (256 * 1024)  /* of a console file, its end */

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
	"pre{font-size:.8em;background:#f6f6f6;padding:4px 8px;overflow-x:auto;margin:.2em 0 .8em}\n" \
	".failed{background:#fdd}.skipped{background:#eee}.short{background:#ffe9c0}\n" \
	".slower{color:#b00}.faster{color:#070}\n" \
	"div.scroll{overflow-x:auto;max-width:100%}\n" \
	/* The phase table: in its own box, scrolled there both ways, its \
	 * heading and first columns (which phase a row is) kept in view. */ \
	"div.wide{overflow:auto;max-height:85vh;border:1px solid #ccc;box-sizing:border-box;" \
	"width:calc(100vw - 40px);max-width:1800px;position:relative;left:50%;" \
	"transform:translateX(-50%)}\n" \
	"table.phases{border-collapse:separate;border-spacing:0;margin:0;font-size:.8em}\n" \
	"table.phases td,table.phases th{border:0;border-right:1px solid #ddd;" \
	"border-bottom:1px solid #ddd;padding:2px 5px;background:#fff;white-space:nowrap}\n" \
	"table.phases th{position:sticky;top:0;z-index:2;background:#f3f3f3;" \
	"white-space:normal;vertical-align:bottom;min-width:3.2em}\n" \
	"table.phases td.wrap{white-space:normal;overflow-wrap:anywhere;min-width:14em;" \
	"text-align:left}\n" \
	"table.phases .key{position:sticky;z-index:1;box-sizing:border-box;overflow:hidden;" \
	"text-overflow:ellipsis}\n" \
	"table.phases th.key{z-index:3}\n" \
	"table.phases .k0{left:0;width:6em;min-width:6em;max-width:6em}\n" \
	"table.phases .k1{left:6em;width:2.6em;min-width:2.6em;max-width:2.6em}\n" \
	"table.phases .k2{left:8.6em;width:7.6em;min-width:7.6em;max-width:7.6em;" \
	"white-space:normal;box-shadow:2px 0 0 #bbb}\n" \
	"table.phases tr.failed td{background:#fdd}table.phases tr.skipped td{background:#eee}\n" \
	"table.phases tr.short td{background:#ffe9c0}\n" \
	/* One figure for the 100 ms rates: a button per frame size (no \
	 * script: radio inputs, and the panel of the checked one shown). */ \
	".tabs>input{position:absolute;opacity:0;pointer-events:none}\n" \
	".tabs>.tabtitle{font-size:.85em;color:#444;margin-right:.4em}\n" \
	".tabs>label{display:inline-block;padding:1px 8px;margin:0 3px 4px 0;font-size:.85em;" \
	"border:1px solid #bbb;border-radius:3px;background:#f6f6f6;cursor:pointer}\n" \
	".tabs>input:checked+label{background:#dde6f3;border-color:#557}\n" \
	".tabs>.panel{display:none}\n"

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
	if (str(r, "emulator"))
		item(f, "emulator", str(r, "emulator"), "dom0 ran in this emulator: rates are "
		     "those of an emulated CPU (compare ratios)");
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
		{
			char label[MP_IMIX_LABEL_MAX];

			mp_rundir_size_label(d, base->size, 1, label, sizeof(label));
			fputs("<tr><td class=\"text\">", f);
			report_html_escape(f, label);
			fprintf(f, "</td><td>%llu</td>", (unsigned long long)base->rate);
		}
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

/* Failed and skipped phases, first: how many, and their reasons (the
 * most frequent first, up to REPORT_MAX_REASONS). */
static void problems(FILE *f, const struct mp_rundir *d)
{
	const char *reason[REPORT_MAX_REASONS];
	size_t count[REPORT_MAX_REASONS], nr = 0, failed = 0, skipped = 0, more = 0;

	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *p = &d->phases[i];
		size_t j;

		if (!strcmp(p->status, "failed"))
			failed++;
		else if (!strcmp(p->status, "skipped"))
			skipped++;
		else
			continue;
		for (j = 0; j < nr && strcmp(reason[j], p->reason ? p->reason : ""); j++)
			;
		if (j < nr) {
			count[j]++;
		} else if (nr < REPORT_MAX_REASONS) {
			reason[nr] = p->reason ? p->reason : "";
			count[nr++] = 1;
		} else {
			more++;
		}
	}
	if (!failed && !skipped)
		return;
	fprintf(f, "<h2 class=\"failed\">Not measured: %zu phase%s failed, %zu skipped</h2>\n"
		"<ul>\n", failed, failed == 1 ? "" : "s", skipped);
	for (size_t j = 0; j < nr; j++) {
		fprintf(f, "<li>%zu &times; ", count[j]);
		report_html_escape(f, *reason[j] ? reason[j] : "(no reason given)");
		fputs("</li>\n", f);
	}
	if (more)
		fprintf(f, "<li>%zu more with other reasons (the phase table)</li>\n", more);
	fputs("</ul>\n<p class=\"notes\">Their figures are not measurements. The DUT's console "
	      "is quoted at the end of this page.</p>\n", f);
}

/* The last `n` lines of the file at `path` (its last CONSOLE_READ_MAX
 * bytes), escaped, in a <pre>. */
static void quote_file(FILE *f, const char *path, unsigned n)
{
	FILE *in = fopen(path, "rb");
	char *buf = malloc(CONSOLE_READ_MAX + 1);
	size_t len = 0, start;
	unsigned lines = 0;
	long size;

	if (!in || !buf) {
		fputs("<p class=\"notes\">(not readable)</p>\n", f);
		if (in)
			fclose(in);
		free(buf);
		return;
	}
	fseek(in, 0, SEEK_END);
	size = ftell(in);
	fseek(in, size > CONSOLE_READ_MAX ? size - CONSOLE_READ_MAX : 0, SEEK_SET);
	len = fread(buf, 1, CONSOLE_READ_MAX, in);
	fclose(in);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	for (start = len; start > 0; start--)
		if (buf[start - 1] == '\n' && ++lines == n)
			break;
	fputs("<pre>", f);
	for (size_t i = start; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		char one[2] = { (char)ch, 0 };

		if (ch == '\r')
			continue;
		report_html_escape(f, ch == '\n' || ch == '\t' || (ch >= 0x20 && ch != 0x7f) ?
				   one : "?");
	}
	fputs(len ? "</pre>\n" : "(empty)</pre>\n", f);
	free(buf);
}

/* The DUT's console of its last boots (results.json's "consoles"). */
static void dut_consoles(FILE *f, const char *dir, const struct mp_rundir *d)
{
	json_t *all = json_object_get(d->results, "consoles"), *c;
	size_t i, n = 0, shown = 0, bad = 0;

	json_array_foreach(all, i, c)       /* a boot whose console was not kept has no file */
		n += !strcmp(str(c, "role") ? str(c, "role") : "", "dut") && str(c, "file");
	if (!n)
		return;
	for (size_t k = 0; k < d->nphases; k++)
		bad += strcmp(d->phases[k].status, "ok") != 0;
	for (size_t k = 0; k < d->tcp.nrows; k++)
		bad += strcmp(d->tcp.rows[k].status, "ok") != 0;
	fprintf(f, "<h2>DUT console</h2>\n<details%s><summary>The last %d lines of the DUT's "
		"console, of its last %zu boot%s of %zu (each boot's is in "
		"<code>domains/</code>)</summary>\n", bad ? " open" : "", MP_CONSOLE_QUOTE_LINES,
		n < REPORT_MAX_CONSOLES ? n : REPORT_MAX_CONSOLES,
		n == 1 ? "" : "s", n);
	json_array_foreach(all, i, c) {
		char path[4096];

		if (strcmp(str(c, "role") ? str(c, "role") : "", "dut") || !str(c, "file") ||
		    ++shown + REPORT_MAX_CONSOLES <= n)
			continue;
		fprintf(f, "<p>Boot %lld, version ", json_integer_value(json_object_get(c, "boot")));
		report_html_escape(f, str(c, "version"));
		fputs(": <code>", f);
		report_html_escape(f, str(c, "file"));
		fputs("</code></p>\n", f);
		snprintf(path, sizeof(path), "%s/%s", dir, str(c, "file"));
		quote_file(f, path, MP_CONSOLE_QUOTE_LINES);
	}
	fputs("</details>\n", f);
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

static void links(FILE *f, const struct report_plot *p)
{
	fprintf(f, "\n<figcaption><a href=\"plots/%s.png\">PNG</a>, "
		"<a href=\"plots/%s.gp\">gnuplot script</a></figcaption>\n", p->name, p->name);
}

/* The 100 ms rates of one phase per frame size, in one figure: a button
 * per size, the first shown. */
static void series_figure(FILE *f, const struct mp_rundir *d, const struct report_plot *plots,
			  size_t nplots)
{
	size_t k = 0;

	fputs("<figure id=\"series\" class=\"tabs\">\n<span class=\"tabtitle\">100 ms rates in "
	      "one phase, per frame size:</span>\n", f);
	for (size_t i = 0; i < nplots && k < REPORT_MAX_TABS; i++) {
		char label[MP_IMIX_LABEL_MAX];

		if (plots[i].kind != RP_SERIES || !plots[i].svg)
			continue;
		mp_rundir_size_label(d, plots[i].size, 1, label, sizeof(label));
		fprintf(f, "<input type=\"radio\" name=\"series\" id=\"tab-%s\"%s>"
			"<label for=\"tab-%s\">", plots[i].name, k ? "" : " checked", plots[i].name);
		report_html_escape(f, label);
		fputs("</label>\n", f);
		k++;
	}
	k = 0;
	for (size_t i = 0; i < nplots && k < REPORT_MAX_TABS; i++) {
		if (plots[i].kind != RP_SERIES || !plots[i].svg)
			continue;
		fprintf(f, "<div class=\"panel\" id=\"%s\">\n", plots[i].name);
		fputs(plots[i].svg, f);
		links(f, &plots[i]);
		fputs("</div>\n", f);
		k++;
	}
	fputs("</figure>\n", f);
}

/* The plots, two abreast; the 100 ms rates of every size in one figure. */
static void plots_html(FILE *f, const struct mp_rundir *d, const struct report_plot *plots,
		       size_t nplots)
{
	int series = 0;

	fputs("<h2>Plots</h2>\n<div class=\"plots\">\n", f);
	for (size_t i = 0; i < nplots; i++) {
		if (!plots[i].svg)
			continue;
		if (plots[i].kind == RP_SERIES) {
			if (!series++)
				series_figure(f, d, plots, nplots);
			continue;
		}
		fprintf(f, "<figure id=\"%s\">\n", plots[i].name);
		fputs(plots[i].svg, f);
		links(f, &plots[i]);
		fputs("</figure>\n", f);
	}
	fputs("</div>\n", f);
}

/* The columns that say which phase a row is, kept in view while the table
 * scrolls sideways (CSS classes k0, k1, k2), in table order. */
static const size_t key_cols[] = {
	offsetof(struct mp_phase_row, version), offsetof(struct mp_phase_row, phase),
	offsetof(struct mp_phase_row, size),
};

/* Column `c`'s classes in the phase table: "key kN" for a key column,
 * "text" (left-aligned), "wrap" for long texts (the decision, the reason). */
static void cell_class(const struct mp_col *c, char *buf, size_t len)
{
	int key = -1, text = c->type == MP_COL_TEXT;
	char k[16] = "";

	for (size_t i = 0; i < sizeof(key_cols) / sizeof(key_cols[0]); i++)
		if (c->off == key_cols[i])
			key = (int)i;
	if (key >= 0)
		snprintf(k, sizeof(k), "key k%d", key);
	snprintf(buf, len, "%s%s%s%s", k, key >= 0 && text ? " " : "", text ? "text" : "",
		 text && key < 0 && c->off != offsetof(struct mp_phase_row, status) ? " wrap" : "");
}

static void open_cell(FILE *f, const char *tag, const char *cls)
{
	fprintf(f, *cls ? "<%s class=\"%s\">" : "<%s%s>", tag, cls);
}

/* One cell of the phase table, as column `c`'s format says; the size
 * column names a mix as the log does ("IMIX 7:4:1 (mean 357.8 B)"), never
 * as its file code 0. */
static void phase_cell(FILE *f, const struct mp_rundir *d, const struct mp_col *c,
		       const struct mp_phase_row *p)
{
	char buf[MP_CSV_NUM_LEN], cls[32];
	double v;

	cell_class(c, cls, sizeof(cls));
	if (c->off == offsetof(struct mp_phase_row, size) && p->size == MP_SIZE_IMIX) {
		char label[MP_IMIX_LABEL_MAX];

		mp_rundir_size_label(d, p->size, 1, label, sizeof(label));
		open_cell(f, "td", cls);
		report_html_escape(f, label);
	} else if (c->type == MP_COL_TEXT) {
		if (strstr(cls, "key")) {       /* cut short to its width: whole on hover */
			fprintf(f, "<td class=\"%s\" title=\"", cls);
			report_html_escape(f, mp_col_text(c, p));
			fputs("\">", f);
		} else {
			open_cell(f, "td", cls);
		}
		report_html_escape(f, mp_col_text(c, p));
	} else if (c->type == MP_COL_NUM) {
		open_cell(f, "td", cls);
		if (!isnan(v = mp_col_num(c, p)))
			fprintf(f, c->cell_fmt ? c->cell_fmt : "%g", v);
	} else {
		open_cell(f, "td", cls);
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
	fputs("<h2>Phases</h2>\n<div class=\"wide\"><table class=\"phases\">\n<thead><tr>", f);
	for (size_t c = 0; c < mp_phases_tab.ncols; c++) {
		char cls[32];

		if (!(show[c] = (unsigned char)shown(d, &mp_phases_tab.cols[c])))
			continue;
		cell_class(&mp_phases_tab.cols[c], cls, sizeof(cls));
		open_cell(f, "th", strstr(cls, "key") ? cls : "");
		report_html_escape(f, mp_phases_tab.cols[c].heading);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t i = 0; i < d->nphases; i++) {
		const struct mp_phase_row *p = &d->phases[i];

		fprintf(f, "<tr class=\"%s%s\">", p->status,
			p->gen_shortfall_pct > MP_SHORTFALL_MARK_PCT ? " short" : "");
		for (size_t c = 0; c < mp_phases_tab.ncols; c++)
			if (show[c])
				phase_cell(f, d, &mp_phases_tab.cols[c], p);
		fputs("</tr>\n", f);
	}
	free(show);
	fputs("</tbody></table></div>\n<p class=\"notes\">Columns without a figure in any "
	      "phase are left out; phases.csv has them all. The table scrolls in its box; "
	      "the heading and which phase a row is stay in view.</p>\n", f);
}

void report_html_write(FILE *f, const char *dir, const struct mp_rundir *d,
		       const struct report_plot *plots, size_t nplots)
{
	const char *lib = str(json_object_get(d->results, "library"), "name");

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
	      "mir-perf report: ", f);
	report_html_escape(f, d->run_id);
	fputs("</title>\n<style>\n" STYLE, f);
	for (int k = 1; k <= REPORT_MAX_TABS; k++)
		fprintf(f, ".tabs>input:nth-of-type(%d):checked~.panel:nth-of-type(%d){display:block}\n",
			k, k);
	fputs("</style>\n</head>\n<body>\n<h1>mir-perf report: ", f);
	report_html_escape(f, lib ? lib : d->run_id);
	fputs("</h1>\n<p class=\"lead\">Frame sizes are bytes without the 4-byte FCS (60 here is "
	      "RFC 2544's 64). <i>Offered</i> is what the traffic generator's dom0 vif received; "
	      "<i>forwarded</i> is what the DUT's output vif received.</p>\n", f);
	problems(f, d);
	headline(f, d);
	report_tcp_html(f, d);
	if (d->tcp.nrows)        /* after TCP's tables, the run needs its own heading */
		fputs("<h2>The run</h2>\n", f);
	provenance(f, d);
	shortfall_note(f, d);
	comparison(f, d);
	if (d->nphases) {       /* a TCP-only run has none */
		plots_html(f, d, plots, nplots);
		phase_table(f, d);
	}
	dut_consoles(f, dir, d);
	fputs("<p class=\"notes\">Made by mir-perf; the plots' data and gnuplot scripts are in "
	      "<code>plots/</code>.</p>\n</body>\n</html>\n", f);
}
