/* Helpers for tests that run mir-perf end to end on the namespace testbed. */
#ifndef MP_TBUTIL_H
#define MP_TBUTIL_H

#include <stddef.h>

/* Skips unless root and the testbed programs are built; brings the testbed
 * up with this test's prefix (the runner tears it down afterwards). */
void tb_up(void);

/* Writes tests/data/sweep/NAME (a plan with @CFG@, @BIN@, @SRC@ placeholders,
 * and any "@KEY@" given in the NULL-terminated key/value list) into the
 * test's tmpdir and returns its path (static storage). */
const char *tb_plan(const char *name, ...);

/* Runs `mir-perf ARGS...` inside the testbed's dom0, with a timeout (ms).
 * Returns the exit status; stdout and stderr in *out and *err (caller frees, may be
 * NULL). */
int tb_mirperf(unsigned timeout_ms, char **out, char **err, ...);

/* How many libuv handles a program's output (stderr, or run.log) says it
 * left open for the loop's end to close (each is a warning naming its
 * type): tb_mirperf and tb_wait_exit fail a test whose mir-perf left one. */
int tb_handles_left(const char *output);

/* Starts `mir-perf ARGS...` in dom0 without waiting; returns its pid
 * (tb_wait_exit then reads log_path for handles left open). */
int tb_mirperf_spawn(const char *log_path, ...);

/* The single run directory under `out_dir` (static storage), or NULL. */
const char *tb_run_dir(const char *out_dir);

/* A CSV file as rows of fields (RFC 4180 quoting). */
struct tb_csv {
	size_t nrows, ncols;
	char ***rows;           /* rows[0] is the header */
};
int tb_csv_load(const char *path, struct tb_csv *csv);
int tb_csv_col(const struct tb_csv *csv, const char *name);   /* -1 if absent */
void tb_csv_free(struct tb_csv *csv);

/* Pids of processes whose command line contains `needle`. */
size_t tb_pids_matching(const char *needle, int *pids, size_t max);

/* Rows of the single run under `out` whose status is `status`; with
 * `reasons`, their reason cells there, one per line. */
size_t tb_rows_with_status(const char *out, const char *status, char *reasons, size_t len);
/* Waits (at most timeout_s) until phases.csv has `rows` data rows; fails
 * the test otherwise. */
void tb_wait_rows(const char *out, size_t rows, unsigned timeout_s);
/* Waits (at most timeout_s) until phases.csv has at least `rows` data rows
 * and the newest line of samples.csv is in `window` ("measure": a phase or
 * trial not yet written is in its measure window now); fails the test
 * otherwise. For acting on a state, not after a time. */
void tb_wait_window(const char *out, size_t rows, const char *window, unsigned timeout_s);
/* Waits for the child `pid`; its exit code, or 128+signal. Kills it and
 * fails the test after timeout_s. */
int tb_wait_exit(int pid, unsigned timeout_s);
/* Pids inside the namespace of this test's domain `domain` ("dut"). */
size_t tb_ns_pids(const char *domain, int *pids, size_t max);
/* Sends `sig` to every process of this test's domain `domain` whose
 * command line contains `needle` (NULL: all of them). Returns how many. */
size_t tb_signal_domain(const char *domain, const char *needle, int sig);
/* Kills (SIGKILL) every process of the domain, as a crash would; fails the
 * test when it has none. */
void tb_kill_domain(const char *domain);
/* Fails unless neither domain namespace of this test's prefix remains. */
void tb_assert_no_domains_left(void);

#endif
