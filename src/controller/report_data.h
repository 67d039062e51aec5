/* What the report and `compare` read from a run directory: results.json
 * (provenance), phases.csv (one row per phase) and samples.csv (100 ms
 * rates). Readers are strict: a corrupted file is an error naming it. */
#ifndef MP_REPORT_DATA_H
#define MP_REPORT_DATA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "controller/phases_csv.h"

#define REPORT_MAX_SERIES 64
#define REPORT_MAX_PLOTS 48

struct report_sample {
	size_t phase;                /* 0-based, as mp_phase_row's */
	double t;
	int role;                    /* 0 generator, 1 dut_in, 2 dut_out, 3 receiver */
	int measure;                 /* in the measure window */
	double rx_pps;
};

struct report_data {
	json_t *results;
	char run_id[256];
	struct mp_phases ph;         /* phases.csv, read through its column table */
	struct mp_phase_row *phases; /* = ph.rows */
	size_t nphases;
	struct report_sample *samples;
	size_t nsamples;
	char **versions;             /* in first-seen order */
	size_t nversions;
	unsigned *sizes;             /* distinct, ascending */
	size_t nsizes;
};

/* Loads the run in `dir`. Returns 0, or -errno with a sentence in err. With
 * `samples` 0, samples.csv is not read. */
int report_data_load(const char *dir, struct report_data *d, int samples, char *err,
		     size_t errlen);
void report_data_free(struct report_data *d);

/* Plot data writers: write gnuplot blocks (two blank lines apart) to `f`
 * and a title per block into series[] (malloc'd); return the count. */
size_t report_fill_fwd(const struct report_data *d, FILE *f, char **series, unsigned size);
size_t report_fill_loss(const struct report_data *d, FILE *f, char **series);
size_t report_fill_mbps(const struct report_data *d, FILE *f, char **series);
size_t report_fill_cpu(const struct report_data *d, FILE *f, char **series);
size_t report_fill_series(const struct report_data *d, FILE *f, char **series, unsigned size);
/* The receiver's latency: p50 and p99 against offered rate for `size`, one
 * pair of series per version; and the latency distribution (x: 1/(1-q),
 * y: us) of each version's phase of `size` at its highest rate without loss,
 * from the histogram results.json keeps. */
size_t report_fill_latency(const struct report_data *d, FILE *f, char **series, unsigned size);
size_t report_fill_latdist(const struct report_data *d, FILE *f, char **series, unsigned size);

/* With several versions: a table of each (size, rate) against the first
 * version. Nothing with one version. */
void report_comparison_html(const struct report_data *d, FILE *f);
/* Text for HTML: & < > " escaped. */
void report_html_escape(FILE *f, const char *s);

#endif
