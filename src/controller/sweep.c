/* Placeholder until the sweep lands (the integrator is writing it): refuses to
 * run so that nothing pretends to have measured anything. */
#include "controller/sweep.h"

#include "common/err.h"
#include "common/log.h"

int mp_sweep_run(const struct mp_plan *plan, const struct mp_run_opts *opts)
{
	(void)plan;
	(void)opts;
	mp_err("running a sweep is not implemented yet; use --dry-run");
	return MP_EXIT_ENV;
}

int mp_sweep_resume(const char *run_dir, const struct mp_run_opts *opts)
{
	(void)run_dir;
	(void)opts;
	mp_err("resuming a sweep is not implemented yet");
	return MP_EXIT_ENV;
}
