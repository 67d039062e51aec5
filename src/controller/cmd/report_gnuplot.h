/* Driving gnuplot for the report: one script per plot (NAME.gp beside its
 * data NAME.dat in RUN_DIR/plots/), drawn to NAME.svg for the page and
 * NAME.png for anyone who wants a picture file. Every plot gets the same
 * size, font, grid and key placement (below the plot), so the page reads as
 * one piece. */
#ifndef MP_REPORT_GNUPLOT_H
#define MP_REPORT_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

/* Every plot's size in pixels; the page lays them out two abreast. */
#define REPORT_PLOT_W 560
#define REPORT_PLOT_H 400

/* How a series is drawn: its points joined by lines, the line alone (a path
 * whose points other series mark), or the points alone. */
enum report_gp_style { REPORT_GP_LINESPOINTS, REPORT_GP_LINES, REPORT_GP_POINTS };

struct report_gp {
	const char *name;          /* file stem in plots/ */
	const char *title, *xlabel, *ylabel;
	int logx, logy;
	int x_from_zero;           /* x axis starts at 0 (frame sizes) */
	int y_from_zero;           /* y axis starts at 0 (loss, rates) */
	int ideal;                 /* draw y = x faintly: "forwarded = offered" */
	double shade_from, shade_to;   /* x interval shaded and labelled (the
					* measure window); NAN for none */
	const char *shade_label;
	char *const *series;       /* a title per data block of NAME.dat */
	const unsigned *colour;    /* per series: gnuplot's colour n (from 1), the */
	const unsigned *dash;      /* dash type n (from 1); NULL: gnuplot's cycle */
	const unsigned char *style;  /* per series, enum report_gp_style; NULL: all
				      * lines and points */
	const unsigned *point;     /* per series, gnuplot's point type; NULL: the
				    * colour's number */
	size_t nseries;
};

/* DIR/plots/NAME.EXT opened for writing (or reading), or NULL with errno set. */
FILE *report_gp_open(const char *dir, const char *name, const char *ext);
FILE *report_gp_open_read(const char *dir, const char *name, const char *ext);
/* Writes DIR/plots/NAME.gp. 0 or -errno. */
int report_gp_script(const char *dir, const struct report_gp *g);
/* Runs gnuplot on NAME.gp in DIR/plots. 0, or -errno with a sentence in err
 * (-ENOENT: gnuplot is not installed). */
int report_gp_run(const char *dir, const char *name, char *err, size_t errlen);
/* NAME.svg read back from its <svg element on, for inlining; NULL if absent. */
char *report_gp_svg(const char *dir, const char *name);

#endif
