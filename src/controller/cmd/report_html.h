/* The report page itself: compact provenance, the versions compared, the
 * plots (inline SVG, two abreast) and the phase table (its columns from
 * phases_csv.h). Self-contained: no script, nothing fetched. */
#ifndef MP_REPORT_HTML_H
#define MP_REPORT_HTML_H

#include <stdio.h>

#include "controller/cmd/report_plots.h"
#include "controller/results/rundir.h"

void report_html_write(FILE *f, const struct mp_rundir *d, const struct report_plot *plots,
		       size_t nplots);
/* Text for HTML: & < > " escaped. */
void report_html_escape(FILE *f, const char *s);

#endif
