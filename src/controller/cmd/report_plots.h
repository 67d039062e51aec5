/* The report's plots: which there are, in page order, and what each shows.
 * A search's answer first: each goal's lower bound against frame size
 * (when more than one size was searched), and per frame size the search's
 * trials over time. Then one plot per thing shown, every frame size on it:
 * forwarded against offered rate (the ideal diagonal faint), loss from 0
 * up, the best Mbit/s per frame size (a mix apart, at its mean size), the
 * DUT's CPU time per packet when the hypervisor gave it, with a receiver
 * the latency (p50, p99) against offered rate and the latency distribution
 * at each size's highest rate without loss; and per frame size the 100 ms
 * rates of one phase with its measure window shaded, which the page shows
 * as one figure with a button per size. A plot of a single point is not
 * drawn (its svg stays NULL). */
#ifndef MP_REPORT_PLOTS_H
#define MP_REPORT_PLOTS_H

#include <stddef.h>

#include "controller/results/rundir.h"

#define REPORT_MAX_SERIES 64
#define REPORT_MAX_PLOTS 48
/* Frame sizes the 100 ms rates figure offers a button for. */
#define REPORT_MAX_TABS 16

enum report_plot_kind { RP_TPUT, RP_TRIALS, RP_FWD, RP_LOSS, RP_MBPS, RP_CPU, RP_LAT, RP_LATDIST,
			 RP_SERIES };

struct report_plot {
	char name[32];          /* file stem in plots/, and the figure's id */
	char title[192];        /* room for an IMIX label */
	enum report_plot_kind kind;
	unsigned size;          /* RP_TRIALS, RP_SERIES: its frame size */
	char *svg;              /* the drawing, for inlining; NULL: nothing drawn */
};

/* Fills pl[] (max entries) with the run's plots in page order; their count. */
size_t report_plots_plan(const struct mp_rundir *d, struct report_plot *pl, size_t max);

/* Writes the plot's data, script and drawings to DIR/plots and reads the
 * SVG back into p->svg, which stays NULL when there is no data (e.g. no CPU
 * figures). 0, or -errno with a sentence in err. */
int report_plot_draw(const char *dir, const struct mp_rundir *d, struct report_plot *p,
		     char *err, size_t errlen);

#endif
