/* The report's section on TCP through the DUT (report_tcp.h). */
#include "controller/cmd/report_tcp.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "controller/cmd/report_html.h"

/* The strip plot's geometry, in SVG user units. */
#define SP_W 760
#define SP_H 320
#define SP_LEFT 64
#define SP_RIGHT 16
#define SP_TOP 28
#define SP_BOTTOM 56
#define SP_TICKS 5
#define SP_DOT_R 4
#define SP_JITTER 14       /* a group's dots spread this far either side */
#define SP_MEAN_HALF 22    /* half the mean bar's width */

static void td_num(FILE *f, double v, const char *fmt)
{
	fputs("<td>", f);
	if (isnan(v))
		fputs("-", f);
	else
		fprintf(f, fmt, v);
	fputs("</td>", f);
}

static void td_text(FILE *f, const char *s)
{
	fputs("<td class=\"text\">", f);
	report_html_escape(f, s && *s ? s : "-");
	fputs("</td>", f);
}

/* A round step for about SP_TICKS ticks up to max. */
static double tick_step(double max)
{
	double raw = max / SP_TICKS, mag = pow(10, floor(log10(raw))), r = raw / mag;

	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

/* Every repetition that went through as a dot, per version and streams,
 * with the mean (a bar) and its 95% confidence interval (a whisker). */
static void strip_plot(FILE *f, const struct mp_tcp_summary *s)
{
	double max = 0, step, top;
	double colw = (double)(SP_W - SP_LEFT - SP_RIGHT) / (double)(s->n ? s->n : 1);
	double ph = SP_H - SP_TOP - SP_BOTTOM;

	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->g[i].n; k++)
			max = fmax(max, s->g[i].gbps[k]);
	if (!(max > 0))
		return;
	step = tick_step(max);
	top = ceil(max * 1.05 / step) * step;
	fprintf(f, "<figure id=\"tcp-strip\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
		"font-size=\"12\">\n<text x=\"%d\" y=\"16\" font-size=\"14\">TCP through the DUT: "
		"each repetition, mean and 95%% CI</text>\n", SP_W, SP_H, SP_W, SP_H, SP_LEFT);
	for (double y = 0; y <= top + step / 2; y += step) {
		double py = SP_TOP + ph * (1 - y / top);

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", SP_LEFT, py,
			SP_W - SP_RIGHT, py, SP_LEFT - 6, py + 4, y);
	}
	fprintf(f, "<text transform=\"translate(16,%d) rotate(-90)\" text-anchor=\"middle\">"
		"receiver Gbit/s</text>\n", SP_TOP + (int)ph / 2);
	for (size_t i = 0; i < s->n; i++) {
		const struct mp_tcp_group *g = &s->g[i];
		double cx = SP_LEFT + colw * ((double)i + 0.5);

		for (size_t k = 0; k < g->n; k++) {
			/* spread evenly, so that equal values stay apart */
			double dx = g->n > 1 ? -SP_JITTER + 2.0 * SP_JITTER * (double)k / (double)(g->n - 1) : 0;

			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"#2a6fb0\" "
				"fill-opacity=\"0.6\"><title>repetition %zu: %.4g Gbit/s</title></circle>\n",
				cx + dx, SP_TOP + ph * (1 - g->gbps[k] / top), SP_DOT_R, k + 1, g->gbps[k]);
		}
		if (!isnan(g->mean))
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b00\" "
				"stroke-width=\"2\"/>\n", cx - SP_MEAN_HALF, SP_TOP + ph * (1 - g->mean / top),
				cx + SP_MEAN_HALF, SP_TOP + ph * (1 - g->mean / top));
		if (!isnan(g->ci95))
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b00\"/>\n",
				cx + SP_MEAN_HALF, SP_TOP + ph * (1 - (g->mean + g->ci95) / top),
				cx + SP_MEAN_HALF, SP_TOP + ph * (1 - fmax(g->mean - g->ci95, 0) / top));
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", cx, SP_H - SP_BOTTOM + 18);
		report_html_escape(f, g->version);
		fprintf(f, "</text><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%u stream%s%s</text>\n",
			cx, SP_H - SP_BOTTOM + 34, g->streams, g->streams == 1 ? "" : "s",
			g->failed ? ", some failed" : "");
	}
	fputs("</svg><figcaption>Dots: the repetitions that went through; red bar: their mean, "
	      "whisker: its 95% confidence interval.</figcaption></figure>\n", f);
}

/* The means and their spread, and each against the reference version. */
static void summary_table(FILE *f, const struct mp_rundir *d, const char *ref)
{
	const struct mp_tcp_summary *s = &d->tcp_sum;

	fputs("<table>\n<tr><th>version</th><th>streams</th><th>ok / run</th><th>mean Gbit/s</th>"
	      "<th>95% CI &plusmn;</th><th>min</th><th>max</th><th>CV %</th><th>sender Gbit/s</th>"
	      "<th>retransmits</th><th>DUT CPU s/GB</th>", f);
	if (ref) {
		fputs("<th>/ ", f);
		report_html_escape(f, ref);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct mp_tcp_group *g = &s->g[i];
		const struct mp_tcp_group *r = ref ? mp_tcp_summary_find(s, ref, g->streams) : NULL;

		fprintf(f, "<tr%s>", g->failed ? " class=\"failed\"" : "");
		td_text(f, g->version);
		fprintf(f, "<td>%u</td><td>%zu / %zu</td>", g->streams, g->n, g->n + g->failed);
		fputs("<td><b>", f);
		fprintf(f, isnan(g->mean) ? "-" : "%.4g", g->mean);
		fputs("</b></td>", f);
		td_num(f, g->ci95, "%.4g");
		td_num(f, g->min, "%.4g");
		td_num(f, g->max, "%.4g");
		td_num(f, g->cv_pct, "%.1f");
		td_num(f, g->sender_mean, "%.4g");
		td_num(f, g->retransmits_mean, "%.0f");
		td_num(f, g->dut_cpu_mean, "%.3f");
		if (ref)
			td_num(f, r && r->mean > 0 ? g->mean / r->mean : NAN, "%.2f");
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* What the traff-gen's interfaces had, and what the vifs negotiated, per
 * version (its first repetition). */
static void offloads_table(FILE *f, const struct mp_tcp_summary *s)
{
	fputs("<table>\n<tr><th>version</th><th>streams</th><th>traff-gen TSO/GSO</th>"
	      "<th>checksum offload</th><th>data side</th><th>receiving side</th><th>DUT in: frontend</th><th>backend</th>"
	      "<th>DUT out: frontend</th><th>backend</th></tr>\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct mp_tcp_row *r = s->g[i].first;

		fputs("<tr>", f);
		td_text(f, r->version);
		fprintf(f, "<td>%u</td>", r->streams);
		td_text(f, r->offloads);
		td_text(f, r->checksum);
		td_text(f, r->tg_offloads);
		td_text(f, r->rx_offloads);
		td_text(f, r->dut_in_frontend);
		td_text(f, r->dut_in_backend);
		td_text(f, r->dut_out_frontend);
		td_text(f, r->dut_out_backend);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* Whether the repetition table shows column `c`: it has a heading, and it
 * says which repetition a row is or holds something in some row (no DUT CPU
 * without libxenctrl, no reason when all went through). */
static int shown(const struct mp_tcps *t, const struct mp_col *c)
{
	if (!c->heading)
		return 0;
	if ((c->flags & MP_COL_REQUIRED) || (c->type != MP_COL_TEXT && c->type != MP_COL_NUM))
		return 1;
	for (size_t i = 0; i < t->nrows; i++) {
		const char *s = mp_col_text(c, &t->rows[i]);

		if (c->type == MP_COL_TEXT ? s && *s : !isnan(mp_col_num(c, &t->rows[i])))
			return 1;
	}
	return 0;
}

/* Every repetition, its columns from tcp.csv's table. */
static void repetitions_table(FILE *f, const struct mp_tcps *t)
{
	char buf[MP_CSV_NUM_LEN];

	fputs("<div class=\"scroll\"><table>\n<tr>", f);
	for (size_t c = 0; c < mp_tcp_tab.ncols; c++)
		if (shown(t, &mp_tcp_tab.cols[c])) {
			fputs("<th>", f);
			report_html_escape(f, mp_tcp_tab.cols[c].heading);
			fputs("</th>", f);
		}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < t->nrows; i++) {
		const struct mp_tcp_row *r = &t->rows[i];

		fprintf(f, "<tr class=\"%s\">", r->status);
		for (size_t c = 0; c < mp_tcp_tab.ncols; c++) {
			const struct mp_col *col = &mp_tcp_tab.cols[c];

			if (!shown(t, col))
				continue;
			if (col->type == MP_COL_TEXT) {
				td_text(f, mp_col_text(col, r));
			} else if (col->type == MP_COL_NUM) {
				td_num(f, mp_col_num(col, r), col->cell_fmt ? col->cell_fmt : "%g");
			} else {
				mp_col_cell(col, r, buf, sizeof(buf));
				fprintf(f, "<td>%s</td>", buf);
			}
		}
		fputs("</tr>\n", f);
	}
	fputs("</table></div>\n", f);
}

void report_tcp_html(FILE *f, const struct mp_rundir *d)
{
	const char *ref = json_string_value(json_object_get(d->results, "tcp_reference"));

	if (!d->tcp.nrows)
		return;
	fputs("<h2>TCP through the DUT</h2>\n<p>iperf3 from the traff-gen's data side to its "
	      "receiving side, which only the DUT joins, so that every byte and every ACK "
	      "crosses it. The figure is the receiver's rate over a repetition (Gbit/s, "
	      "10<sup>9</sup> bit/s), summed up over the repetitions that went through: mean, "
	      "its 95% confidence interval (Student's t), min, max and coefficient of variation. "
	      "A repetition that failed (the DUT stalled or died, iperf3 gave up) is counted "
	      "apart with its reason, never as a low number.", f);
	if (ref) {
		fputs(" The last column sets each mean against ", f);
		report_html_escape(f, ref);
		fputs("'s for the same streams.", f);
	}
	fputs("</p>\n", f);
	summary_table(f, d, ref);
	strip_plot(f, &d->tcp_sum);
	fputs("<h3>Offloads</h3>\n<p class=\"notes\">The traff-gen's interfaces during the "
	      "run (ethtool's settings), and what each of the DUT's vifs negotiated in xenstore: "
	      "its frontend (the DUT's netfront) and its backend (dom0's netback).</p>\n", f);
	offloads_table(f, &d->tcp_sum);
	fputs("<h3>Repetitions</h3>\n", f);
	repetitions_table(f, &d->tcp);
}
