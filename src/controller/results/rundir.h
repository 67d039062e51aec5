/* Reading a run directory, the one reader for `report`, `compare`, `export`
 * and `--resume`: results.json (provenance), phases.csv (one row per phase,
 * read by column name through phases_csv.h), samples.csv (the 100 ms
 * rates), throughput.csv and tcp.csv when the run has them. Strict: a corrupted file is an error naming FILE:LINE and what is
 * wrong. */
#ifndef MP_RUNDIR_H
#define MP_RUNDIR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"
#include "controller/results/phases_csv.h"
#include "controller/plan/plan.h"
#include "controller/results/tcp_stats.h"
#include "controller/results/throughput.h"

/* What to read besides phases.csv. */
enum mp_rundir_parts {
	MP_RUNDIR_RESULTS = 1,    /* results.json, which must then exist */
	MP_RUNDIR_SAMPLES = 2,    /* samples.csv */
};

struct mp_rundir_sample {
	size_t phase;              /* 0-based, as mp_phase_row's */
	double t;                  /* seconds since the run's start */
	enum mp_role role;
	int measure;               /* in the measure window */
	double rx_pps;             /* NAN for a phase's first sample */
};

struct mp_rundir {
	json_t *results;           /* NULL unless MP_RUNDIR_RESULTS */
	char run_id[256];          /* results.json's, else the directory's name */
	struct mp_phases ph;       /* phases.csv as read */
	const struct mp_phase_row *phases;   /* = ph.rows, in file order */
	size_t nphases;
	struct mp_rundir_sample *samples;    /* NULL unless MP_RUNDIR_SAMPLES */
	size_t nsamples;
	char **versions;           /* distinct, in first-seen order */
	size_t nversions;
	unsigned *sizes;           /* distinct, ascending */
	size_t nsizes;
	struct mp_tput tput;       /* throughput.csv, a search's answer; empty without */
	struct mp_tcps tcp;        /* tcp.csv, TCP through the DUT; empty without */
	struct mp_tcp_summary tcp_sum;   /* its repetitions per version and streams */
};

/* Reads the run in `dir` (parts: enum mp_rundir_parts). Returns 0, or
 * -errno with a sentence in err (-ENOENT: a file is missing, -EINVAL: one is
 * corrupted). *d is then empty; mp_rundir_free is safe either way. */
int mp_rundir_load(const char *dir, unsigned parts, struct mp_rundir *d, char *err,
		   size_t errlen);
void mp_rundir_free(struct mp_rundir *d);

/* The grid phase of `version` at (size, rate), or NULL; a search's trials
 * are never found (their rates are the search's steps, not a grid). */
const struct mp_phase_row *mp_rundir_find(const struct mp_rundir *d, const char *version,
					  unsigned size, uint64_t rate);
int mp_rundir_has_version(const struct mp_rundir *d, const char *version);
/* The search's result for `goal` of `version` at `size`, or NULL. */
const struct mp_tput_row *mp_rundir_goal(const struct mp_rundir *d, const char *version,
					 unsigned size, const char *goal);
/* Where a frame size stands: "60 B" (`bytes` 1) or "60-byte frames"; for
 * MP_SIZE_IMIX the mix's label, "IMIX 7:4:1 (mean 357.8 B)", from the mix
 * column of its phases. And the size in file and metric names: "60", "imix". */
void mp_rundir_size_label(const struct mp_rundir *d, unsigned size, int bytes, char *buf,
			  size_t len);
const char *mp_rundir_size_name(unsigned size, char *buf, size_t len);
/* The measure window's 100 ms rates of `role` in `phase`, up to max of
 * them, into out; their count. */
size_t mp_rundir_rates(const struct mp_rundir *d, size_t phase, enum mp_role role, double *out,
		       size_t max);

/* The receiver's latency histogram of row `p` (one of d->phases), which results.json keeps
 * (output.h), into h; its min and max from the row. 0, or -1 when the phase
 * has none or it does not decode. Needs MP_RUNDIR_RESULTS. */
int mp_rundir_latency_hist(const struct mp_rundir *d, const struct mp_phase_row *p,
			   struct mp_hist *h);

#endif
