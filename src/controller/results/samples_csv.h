/* samples.csv, one row per interface per sample (every 100 ms by default):
 * its row and its column table (coltab.h), which the writer (output.c) and
 * the run reader (rundir.c) share.
 *
 * To add a column: one field in struct mp_sample_row and one row in the
 * table (samples_csv.c), where it should appear in the file. */
#ifndef MP_SAMPLES_CSV_H
#define MP_SAMPLES_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "controller/results/coltab.h"

struct mp_sample_row {
	double t_s;                /* seconds since the run started (monotonic) */
	const char *version;
	size_t phase;              /* 0-based */
	unsigned size;
	uint64_t rate;
	const char *window;        /* "warmup", "measure", "cooldown" */
	const char *iface, *role;
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped;
	double rx_pps, tx_pps;     /* NAN for the first sample of a phase */
};

extern const struct mp_coltab mp_samples_tab;

#endif
