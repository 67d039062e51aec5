/* The sweep: runs a whole plan end to end on one libuv loop (build, boot,
 * discovery, agent, phases, results). */
#ifndef MP_SWEEP_H
#define MP_SWEEP_H

#include "controller/plan/plan.h"

struct mp_run_opts {
	const char *out_dir;   /* --out DIR, or NULL for the plan's output dir */
	int quiet;             /* --quiet: no progress output */
	int verbose;           /* --verbose: debug logging */
	const char *resume_dir;/* --resume RUN_DIR, or NULL */
};

/* Runs `plan`. Returns a process exit code from enum mp_exit (common/err.h)
 * and puts the run directory in run_dir ("" when none was made). */
int mp_sweep_run(const struct mp_plan *plan, const struct mp_run_opts *opts,
		 char *run_dir, size_t len);

/* Continues the interrupted run in opts->resume_dir from the first phase
 * that did not finish, with the plan saved there, appending to its files;
 * returns and fills run_dir as mp_sweep_run. */
int mp_sweep_resume(const struct mp_run_opts *opts, char *run_dir, size_t len);

#endif
