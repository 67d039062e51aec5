/* What output.c and resume.c share: the open run's state and the
 * helpers both use. Not for other files (they use output.h). */
#ifndef MP_OUTPUT_INTERNAL_H
#define MP_OUTPUT_INTERNAL_H

#include <limits.h>
#include <jansson.h>
#include <stdio.h>

#include "controller/results/output.h"

struct mp_out {
	char dir[PATH_MAX];
	char run_id[160];
	FILE *samples, *phases, *stats, *log, *latency;
	long samples_good, phases_good;
	json_t *domains, *ifaces, *info, *discovery, *consoles, *kernels;
	const struct mp_plan *plan;
	struct mp_phase_row *rows;   /* for results.json; own their strings */
	json_t **hists;              /* per row: its latency histogram, or NULL */
	size_t nrows, cap;
	char start[32], end[32];
	char start_text[64];         /* "2026-12-07 05:11:10.123 UTC", for run.log */
	uint64_t t0;                 /* the run's clock: mp_out_t0 */
	json_t *resumed;             /* when --resume took it up again, or NULL */
	char status[32];
	char emulator[256];          /* "" when dom0 is not known to be emulated */
	FILE *tput;                  /* throughput.csv, opened by the first search */
	json_t *tput_rows;           /* and its rows for results.json */
	FILE *tcp;                   /* tcp.csv, opened by the first TCP repetition */
	json_t *tcp_rows;            /* and its rows for results.json and the sweep */
};

struct mp_out *mp__out_new(const struct mp_plan *plan);
/* Closes and frees everything; returns rc, for `return mp__out_free(o, rc)`. */
int mp__out_free(struct mp_out *o, int rc);
/* NAME in the run directory, opened with fopen's MODE. */
FILE *mp__out_open_in(struct mp_out *o, const char *name, const char *mode);
/* Keeps a copy of the row (its own strings) for results.json. 0 or -ENOMEM. */
int mp__out_store_row(struct mp_out *o, const struct mp_phase_row *r);

#endif
