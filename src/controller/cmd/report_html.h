/* The report page itself: what went wrong first (failed and skipped
 * phases and why), compact provenance, the versions compared, the plots
 * (inline SVG, two abreast), the phase table (its columns from
 * phases_csv.h) and the DUT's console (the last lines of each boot's).
 * Self-contained: no script, nothing fetched. */
#ifndef MP_REPORT_HTML_H
#define MP_REPORT_HTML_H

#include <stdio.h>

#include "controller/cmd/report_plots.h"
#include "controller/results/rundir.h"

/* `dir`: the run directory, where the DUT's consoles are read. */
void report_html_write(FILE *f, const char *dir, const struct mp_rundir *d,
		       const struct report_plot *plots, size_t nplots);
/* Text for HTML: & < > " escaped. */
void report_html_escape(FILE *f, const char *s);

#endif
