/* Blocking child processes for tools that are not event-driven (the testbed
 * helpers, tests). The controller uses uv_spawn instead.
 *
 * A command is always an argument vector: nothing is ever passed through a
 * shell, so no value can be interpreted as shell syntax. */
#ifndef MP_RUN_H
#define MP_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mp_run_result {
	int status;        /* exit code; 128+signal when killed; -1 on timeout */
	char *out;         /* captured stdout, NUL-terminated (caller frees) */
	char *err;         /* captured stderr, NUL-terminated (caller frees) */
};

/* Runs argv[0] (searched in PATH) with the given extra environment entries
 * ("NAME=value", NULL-terminated, may be NULL) and waits at most timeout_ms
 * (0: no limit); on timeout the child's process group is killed with SIGKILL.
 * Output beyond 1 MiB per stream is dropped. `res` may be NULL (output then
 * goes to this process's own stdout/stderr). Returns 0 once the child has
 * been reaped, or a negative errno if it could not be started. */
int mp_run(char *const argv[], char *const env_extra[], uint64_t timeout_ms,
	   struct mp_run_result *res);

/* Shorthand: runs argv with no capture; returns the exit status, or a
 * negative errno when it could not run. */
int mp_run_status(char *const argv[], uint64_t timeout_ms);

void mp_run_result_free(struct mp_run_result *res);

#endif
