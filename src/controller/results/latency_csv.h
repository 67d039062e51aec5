/* latency.csv, the receiver's 100 ms series of each phase (a run with
 * roles.receiver): its row and column table (coltab.h). t_s as in
 * samples.csv; rx_pps the frames received in those 100 ms; percentiles
 * empty for a sample without frames.
 *
 * To add a column: one field in struct mp_latency_line and one row in the
 * table (latency_csv.c). */
#ifndef MP_LATENCY_CSV_H
#define MP_LATENCY_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "controller/results/coltab.h"

struct mp_latency_line {
	double t_s;
	const char *version;
	size_t phase;              /* 0-based */
	unsigned size;
	uint64_t rate;
	double rx_pps;
	double lat_p50_us, lat_p99_us;   /* NAN without frames */
};

extern const struct mp_coltab mp_latency_tab;

#endif
