/* gnuplot scripts, runs and drawings for the report (report_gnuplot.h). */
#include "controller/cmd/report_gnuplot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/pathf.h"
#include "common/run.h"

#define GNUPLOT_TIMEOUT_MS 60000
#define SVG_MAX (8 * 1024 * 1024)
#define PLOT_FONT "sans,11"
#define IDEAL_COLOUR "#bbbbbb"
#define SHADE_COLOUR "#eef3fa"

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

static FILE *open_as(const char *dir, const char *name, const char *ext, const char *mode)
{
	char path[PATH_MAX + 128];

	if (mp_pathf(path, sizeof(path), "%s/plots/%s.%s", dir, name, ext) < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(path, mode);
}

FILE *report_gp_open(const char *dir, const char *name, const char *ext)
{
	return open_as(dir, name, ext, "w");
}

FILE *report_gp_open_read(const char *dir, const char *name, const char *ext)
{
	return open_as(dir, name, ext, "r");
}

static void labels(FILE *f, const struct report_gp *g)
{
	fputs("set title ", f);
	gp_str(f, g->title);
	fputs("\nset xlabel ", f);
	gp_str(f, g->xlabel);
	fputs("\nset ylabel ", f);
	gp_str(f, g->ylabel);
	fputc('\n', f);
}

static void axes(FILE *f, const struct report_gp *g)
{
	if (g->logx)
		fputs("set logscale x\n", f);
	if (g->logy)
		fputs("set logscale y\n", f);
	/* Loss and rates are never negative: the axis starts at 0, and an
	 * all-zero series still gets an axis from 0 up. */
	if (g->x_from_zero && !g->logx)
		fputs("set xrange [0:*]\n", f);
	if (g->y_from_zero && !g->logy)
		fputs("set yrange [0:*]\n", f);
	/* Room beyond the highest point, so it is not drawn on the border. */
	fprintf(f, "set offsets 0, %s, %s, 0\n", g->x_from_zero ? "graph 0.05" : "0",
		g->y_from_zero ? "graph 0.05" : "0");
	if (!isnan(g->shade_from) && !isnan(g->shade_to)) {
		fprintf(f, "set object 1 rect from %.6g, graph 0 to %.6g, graph 1 behind "
			"fillcolor rgb '%s' fillstyle solid 1.0 noborder\n", g->shade_from,
			g->shade_to, SHADE_COLOUR);
		fprintf(f, "set label 1 ");
		gp_str(f, g->shade_label);
		fprintf(f, " at %.6g, graph 0.04 center textcolor rgb '#557'\n",
			(g->shade_from + g->shade_to) / 2);
	}
}

static void plot_line(FILE *f, const struct report_gp *g)
{
	fputs("plot ", f);
	static const char *const with[] = {
		[REPORT_GP_LINESPOINTS] = "linespoints pointsize 0.7 linewidth 1.5",
		[REPORT_GP_LINES] = "lines linewidth 1",
		[REPORT_GP_POINTS] = "points pointsize 1",
	};

	for (size_t i = 0; i < g->nseries; i++) {
		unsigned st = g->style ? g->style[i] : REPORT_GP_LINESPOINTS;

		fprintf(f, "%s'%s.dat' index %zu using 1:2 with %s ", i ? ", \\\n     " : "",
			g->name, i, with[st]);
		if (g->colour && st == REPORT_GP_LINES)
			fprintf(f, "linecolor %u ", g->colour[i]);
		else if (g->colour)
			fprintf(f, "linecolor %u pointtype %u ", g->colour[i],
				g->point ? g->point[i] : g->colour[i]);
		if (g->dash)
			fprintf(f, "dashtype %u ", g->dash[i]);
		fputs("title ", f);
		gp_str(f, g->series[i]);
	}
	if (g->ideal)
		fprintf(f, ", \\\n     x with lines dashtype 2 linecolor rgb '%s' "
			"title 'forwarded = offered'", IDEAL_COLOUR);
	fputc('\n', f);
}

int report_gp_script(const char *dir, const struct report_gp *g)
{
	FILE *f = report_gp_open(dir, g->name, "gp");

	if (!f)
		return -errno;
	fprintf(f, "# mir-perf report plot; run `gnuplot %s.gp` in this directory to redraw.\n",
		g->name);
	fputs("set datafile separator ' '\nset grid linecolor rgb '#dddddd'\n"
	      "set key below horizontal samplen 2\nset border 3\nset tics nomirror\n", f);
	labels(f, g);
	axes(f, g);
	for (int t = 0; t < 2; t++) {
		if (t == 0)
			fprintf(f, "set terminal svg size %d,%d font '%s'\n", REPORT_PLOT_W,
				REPORT_PLOT_H, PLOT_FONT);
		else
			fprintf(f, "set terminal png size %d,%d\n", REPORT_PLOT_W, REPORT_PLOT_H);
		fprintf(f, "set output '%s.%s'\n", g->name, t == 0 ? "svg" : "png");
		plot_line(f, g);
		fputs("unset output\n", f);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

int report_gp_run(const char *dir, const char *name, char *err, size_t errlen)
{
	char plots[PATH_MAX + 16], script[PATH_MAX + 64], cwd[PATH_MAX];
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
	if (!getcwd(cwd, sizeof(cwd)) || chdir(plots) < 0) {
		snprintf(err, errlen, "cannot enter %s: %s", plots, mp_strerror(errno));
		return -errno;
	}
	rc = mp_run(argv, env, GNUPLOT_TIMEOUT_MS, &r);
	if (chdir(cwd) < 0)
		mp_warn("cannot return to %s", cwd);
	if (rc < 0) {
		snprintf(err, errlen, "cannot run gnuplot (Debian package gnuplot-nox): %s",
			 mp_strerror(rc));
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

char *report_gp_svg(const char *dir, const char *name)
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
