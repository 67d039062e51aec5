/* The report's section on TCP through the DUT (tcp.csv): per version and
 * streams the mean of the repetitions with its 95% confidence interval,
 * min, max and spread, against the plan's reference version when it has
 * one (Linux next to the unikernel); a strip plot of every repetition
 * (inline SVG); the offloads each run had and negotiated; every
 * repetition. Nothing when the run has no TCP. */
#ifndef MP_REPORT_TCP_H
#define MP_REPORT_TCP_H

#include <stdio.h>

#include "controller/results/rundir.h"

void report_tcp_html(FILE *f, const struct mp_rundir *d);

#endif
