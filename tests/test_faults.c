/* Faults on the testbed (issue 8): every one ends with the documented exit
 * code, every finished phase on disk, a message saying what happened, and
 * nothing of the run left behind. Needs root. */
#include "test.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/run.h"
#include "tbutil.h"

#define RUN_TIMEOUT_MS (240 * 1000)

/* The short plan with these values, and `from` replaced by `to` when `from`
 * is not NULL (it ends tb_plan's list otherwise). */
static const char *plan_changed(const char *duration, const char *methods,
				const char *discovery_timeout, const char *connect_timeout,
				const char *from, const char *to)
{
	return tb_plan("short.yaml", "@ON_FAILURE@", "stop", "@DURATION@", duration,
		       "@DISCOVERY_TIMEOUT@", discovery_timeout,
		       "@CONNECT_TIMEOUT@", connect_timeout, "@RATE2@", "20000",
		       "methods: [dhcp, xenstore]", methods, from, to, NULL);
}

static const char *plan_with(const char *duration, const char *methods,
			     const char *discovery_timeout, const char *connect_timeout)
{
	return plan_changed(duration, methods, discovery_timeout, connect_timeout, NULL, NULL);
}

static const char *short_plan_replacing(const char *from, const char *to)
{
	return plan_changed("2s", "methods: [dhcp, xenstore]", "60s", "5s", from, to);
}

static const char *short_plan(void)
{
	return plan_with("2s", "methods: [dhcp, xenstore]", "60s", "5s");
}

/* Runs `plan` to its end; returns the exit code and its stderr (caller frees). */
static int run_plan(const char *plan, char *out, size_t len, char **err)
{
	snprintf(out, len, "%s/out", mp_test_tmpdir());
	return tb_mirperf(RUN_TIMEOUT_MS, NULL, err, "--plan", plan, "--out", out, NULL);
}

static void out_paths(char *out, char *log, size_t len)
{
	snprintf(out, len, "%s/out", mp_test_tmpdir());
	snprintf(log, len, "%s/mp.log", mp_test_tmpdir());
}

/* Starts a run, waits until `rows` phases are on disk plus `extra_us`. */
static int start_run(const char *plan, const char *out, const char *log,
		     size_t rows, unsigned extra_us)
{
	int pid;

	pid = tb_mirperf_spawn(log, "--plan", plan, "--out", out, "--quiet", NULL);
	tb_wait_rows(out, rows, 120);
	usleep(extra_us);
	return pid;
}

static char *read_log(const char *log)
{
	char *text = mp_test_read_file(log);

	ASSERT_MSG(text, "no log at %s", log);
	fprintf(stderr, "--- mir-perf output ---\n%s--- end ---\n", text);
	return text;
}

static void testbed_file(const char *name, char *path, size_t len)
{
	snprintf(path, len, "/run/mir-perf/%s/%s", mp_test_prefix(), name);
}

static int pid_from_file(const char *name)
{
	char path[256], *text;
	int pid;

	testbed_file(name, path, sizeof(path));
	text = mp_test_read_file(path);
	ASSERT_MSG(text, "no pid file %s", path);
	pid = atoi(text);
	free(text);
	ASSERT(pid > 1);
	return pid;
}

/* The run killed during its second phase exits 1, saying `why`: the first
 * phase is kept, the second failed, the other two skipped, nothing left. */
static void expect_second_phase_lost(int pid, const char *out, const char *log,
				     const char *why)
{
	char *text;

	ASSERT_EQ(tb_wait_exit(pid, 120), MP_EXIT_FAIL);
	text = read_log(log);
	ASSERT_CONTAINS(text, why);
	free(text);
	ASSERT_EQ(tb_rows_with_status(out, "ok", NULL, 0), 1);
	ASSERT_EQ(tb_rows_with_status(out, "failed", NULL, 0), 1);
	ASSERT_EQ(tb_rows_with_status(out, "skipped", NULL, 0), 2);
	tb_assert_no_domains_left();
}

TEST_T(faults_agent_killed_mid_phase, 300)
{
	char out[4096], log[4096];
	int pid;

	tb_up();
	out_paths(out, log, sizeof(out));
	pid = start_run(short_plan(), out, log, 1, 1500000);
	ASSERT_MSG(tb_signal_domain("traffgen", "mir-perf-agent", SIGKILL) >= 1,
		   "no agent process in the traff-gen domain");
	/* The agent was the traff-gen's program: the domain went with it. */
	expect_second_phase_lost(pid, out, log, "traff-gen");
}

TEST_T(faults_traffgen_dies_mid_phase, 300)
{
	char out[4096], log[4096];
	int pid;

	tb_up();
	out_paths(out, log, sizeof(out));
	pid = start_run(short_plan(), out, log, 1, 1500000);
	ASSERT(tb_signal_domain("traffgen", NULL, SIGKILL) >= 1);
	expect_second_phase_lost(pid, out, log, "domain traffgen (domid");
}

TEST_T(faults_agent_hangs, 300)
{
	char out[4096], log[4096], *text;
	int pid;

	tb_up();
	out_paths(out, log, sizeof(out));
	pid = start_run(short_plan(), out, log, 1, 1500000);
	/* Stopped, not dead: the connection stays open, nothing answers. */
	ASSERT(tb_signal_domain("traffgen", "mir-perf-agent", SIGSTOP) >= 1);
	ASSERT_EQ(tb_wait_exit(pid, 120), MP_EXIT_FAIL);
	text = read_log(log);
	ASSERT_CONTAINS(text, "did not answer");
	ASSERT_CONTAINS(text, "cannot reach the traff-gen agent");
	free(text);
	/* The phase in flight when the agent stopped answering failed; the
	 * ones before it are kept, the rest skipped. */
	ASSERT(tb_rows_with_status(out, "ok", NULL, 0) >= 1);
	ASSERT_EQ(tb_rows_with_status(out, "failed", NULL, 0), 1);
	ASSERT_EQ(tb_rows_with_status(out, "ok", NULL, 0) +
		  tb_rows_with_status(out, "skipped", NULL, 0), 3);
	tb_assert_no_domains_left();
}

/* The generator's transmit counter, read inside the traff-gen domain; 0
 * when that domain does not exist (yet). */
static int traffgen_tx_read(unsigned long long *v, char *err, size_t errlen)
{
	char ns[64], *argv[] = { "ip", "netns", "exec", ns, "cat",
				 "/sys/class/net/eth0/statistics/tx_packets", NULL };
	struct mp_run_result r;
	int ok;

	snprintf(ns, sizeof(ns), "%s-traffgen", mp_test_prefix());
	ASSERT_EQ(mp_run(argv, NULL, 10000, &r), 0);
	ok = r.status == 0;
	*v = ok ? strtoull(r.out, NULL, 10) : 0;
	snprintf(err, errlen, "%s", r.err ? r.err : "");
	mp_run_result_free(&r);
	return ok ? 0 : -1;
}

static unsigned long long traffgen_tx(void)
{
	unsigned long long v;
	char err[512];

	ASSERT_MSG(traffgen_tx_read(&v, err, sizeof(err)) == 0,
		   "cannot read the traff-gen counters: %s", err);
	return v;
}

TEST_T(faults_controller_sigkill_deadman_stops_traffic, 300)
{
	char out[4096], log[4096], tbbin[4096], err[512];
	char *down[] = { tbbin, "down", "--prefix", (char *)mp_test_prefix(), NULL };
	unsigned long long a, b, c;
	struct mp_run_result r;
	int pid;

	snprintf(tbbin, sizeof(tbbin), "%s", mp_test_bin("mir-perf-testbed"));
	tb_up();
	out_paths(out, log, sizeof(out));
	/* 20 s phases: traffic would run long after the kill without the
	 * agent's dead-man (3 s). */
	pid = start_run(plan_with("20s", "methods: [dhcp, xenstore]", "60s", "5s"),
			out, log, 0, 0);
	/* Wait until the traff-gen exists (the controller creates it), then
	 * until traffic flows. */
	for (int i = 0; i < 1200 && traffgen_tx_read(&a, err, sizeof(err)) < 0; i++)
		usleep(100000);
	a = traffgen_tx();
	for (int i = 0; i < 300 && traffgen_tx() < a + 1000; i++)
		usleep(100000);
	b = traffgen_tx();
	ASSERT_MSG(b >= a + 1000, "traffic never started");
	kill(pid, SIGKILL);
	ASSERT_EQ(tb_wait_exit(pid, 10), 128 + SIGKILL);
	/* Well past the dead-man: the counter no longer moves. */
	sleep(5);
	b = traffgen_tx();
	sleep(1);
	c = traffgen_tx();
	ASSERT_MSG(b == c, "traffic still flowing 5 s after the controller died "
		   "(%llu then %llu)", b, c);
	/* The next testbed down removes what the dead controller left. */
	ASSERT_EQ(mp_run(down, NULL, 60000, &r), 0);
	ASSERT_MSG(r.status == 0, "testbed down: %s", r.err);
	mp_run_result_free(&r);
	tb_assert_no_domains_left();
}

TEST_T(faults_xenstored_dies, 300)
{
	char out[4096], log[4096], *text;
	int pid;

	tb_up();
	out_paths(out, log, sizeof(out));
	pid = start_run(short_plan(), out, log, 1, 1000000);
	ASSERT_EQ(kill(pid_from_file("xenstored.pid"), SIGKILL), 0);
	ASSERT_EQ(tb_wait_exit(pid, 120), MP_EXIT_FAIL);
	text = read_log(log);
	ASSERT_CONTAINS(text, "lost the connection to xenstored");
	free(text);
	ASSERT(tb_rows_with_status(out, "ok", NULL, 0) >= 1);
	ASSERT(tb_rows_with_status(out, "skipped", NULL, 0) >= 1);
	tb_assert_no_domains_left();
}

TEST_T(faults_dhcp_never_answers, 300)
{
	char out[4096], *err = NULL;

	tb_up();
	ASSERT_EQ(kill(pid_from_file("dnsmasq.pid"), SIGTERM), 0);
	ASSERT_EQ(run_plan(plan_with("2s", "methods: [dhcp]", "5s", "5s"), out, sizeof(out), &err),
		  1);
	ASSERT_CONTAINS(err, "DHCP");
	ASSERT_CONTAINS(err, "00:16:3e:6d:70:01");
	free(err);
	ASSERT_EQ(tb_rows_with_status(out, "skipped", NULL, 0), 4);
	tb_assert_no_domains_left();
}

/* A build step that fails stops the run before any domain is created;
 * every phase still gets its row, skipped with the reason. */
TEST_T(faults_build_step_fails, 120)
{
	char out[4096], reasons[4096], *err = NULL;
	const char *plan = short_plan_replacing("versions: [testbed]",
						"versions: [v1, v2]\nbuild: {steps: [[\"false\"]]}");

	tb_up();
	ASSERT_EQ(run_plan(plan, out, sizeof(out), &err), 1);
	ASSERT_CONTAINS(err, "build step 1 for version v1 failed: it exited with status 1; see run.log");
	free(err);
	ASSERT_EQ(tb_rows_with_status(out, "ok", NULL, 0), 0);
	ASSERT_EQ(tb_rows_with_status(out, "skipped", reasons, sizeof(reasons)), 8);
	ASSERT_CONTAINS(reasons, "build step 1 for version v1 failed");
	tb_assert_no_domains_left();
}

/* A destroy command that cannot even start (issue 17): the run says the
 * domains may still run and how to remove them, and exits 3, instead of
 * counting them gone in silence. The runner's testbed down removes them. */
TEST_T(faults_destroy_command_cannot_start, 180)
{
	char out[4096], *err = NULL;
	const char *plan = short_plan_replacing(
		"destroy: [\"{bin_dir}/mir-perf-xl\", destroy, \"{name}\"]",
		"destroy: [\"{bin_dir}/no-such-toolstack\", destroy, \"{name}\"]");

	tb_up();
	ASSERT_EQ(run_plan(plan, out, sizeof(out), &err), MP_EXIT_ENV);
	ASSERT_CONTAINS(err, "cannot destroy domain");
	ASSERT_CONTAINS(err, "it may still run");
	free(err);
	ASSERT_EQ(tb_rows_with_status(out, "ok", NULL, 0), 4);
}

/* A domain config template over 256 KiB is refused, not cut short: exit 2,
 * every phase skipped, the traff-gen created before it destroyed. */
TEST_T(faults_domain_config_too_large, 120)
{
	char out[4096], big[4096], dut[4096], *err = NULL, *text;
	size_t n = 300 * 1024;

	tb_up();
	ASSERT_MSG(realpath(mp_test_src_path("cfg/testbed/dut.cfg"), dut), "no dut.cfg");
	snprintf(big, sizeof(big), "%s/big.cfg", mp_test_tmpdir());
	text = malloc(n + 1);
	ASSERT(text);
	memset(text, '#', n);
	for (size_t i = 79; i < n; i += 80)
		text[i] = '\n';
	text[n] = '\0';
	mp_test_write_file(big, text);
	free(text);
	ASSERT_EQ(run_plan(short_plan_replacing(dut, big), out, sizeof(out), &err), 2);
	ASSERT_CONTAINS(err, "at most 256 KiB");
	free(err);
	ASSERT_EQ(tb_rows_with_status(out, "skipped", NULL, 0), 4);
	tb_assert_no_domains_left();
}

TEST_T(faults_output_not_writable, 120)
{
	char *err = NULL;
	int rc;

	tb_up();
	rc = tb_mirperf(RUN_TIMEOUT_MS, NULL, &err, "--plan", short_plan(),
			"--out", "/proc/mir-perf-cannot-write-here", NULL);
	ASSERT_EQ(rc, MP_EXIT_ENV);
	ASSERT_CONTAINS(err, "cannot create the run directory");
	ASSERT_CONTAINS(err, "--out");
	free(err);
	tb_assert_no_domains_left();
}

TEST_T(faults_output_disk_full, 300)
{
	char out[4096], *err = NULL, *argv[] = { "mount", "--make-rprivate", "/", NULL };
	int rc;

	tb_up();
	/* A private mount namespace: the small tmpfs vanishes with this test's
	 * processes, whatever happens. */
	ASSERT_EQ(unshare(CLONE_NEWNS), 0);
	ASSERT_EXITS(argv, MP_EXIT_OK, NULL);
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	ASSERT_EQ(mkdir(out, 0755), 0);
	ASSERT_MSG(mount("mp-full", out, "tmpfs", 0, "size=48k") == 0, "mount: %s",
		   mp_strerror(errno));
	rc = tb_mirperf(RUN_TIMEOUT_MS, NULL, &err, "--plan", short_plan(), "--out", out, NULL);
	ASSERT_EQ(rc, MP_EXIT_ENV);
	ASSERT_CONTAINS(err, "disk full");
	free(err);
	/* What is on disk is valid up to the last finished phase. */
	ASSERT(tb_rows_with_status(out, "ok", NULL, 0) >= 1);
	tb_assert_no_domains_left();
}

TEST_T(faults_sigint_twice_exits_at_once, 300)
{
	char out[4096], log[4096];
	int pid;

	tb_up();
	out_paths(out, log, sizeof(out));
	pid = start_run(short_plan(), out, log, 1, 1000000);
	kill(pid, SIGINT);
	usleep(100000);
	kill(pid, SIGINT);
	ASSERT_EQ(tb_wait_exit(pid, 30), MP_EXIT_INTR);
	free(read_log(log));
	ASSERT(tb_rows_with_status(out, "ok", NULL, 0) >= 1);
	tb_assert_no_domains_left();
}

/* One clock for a run (issue 23): run.log's times and samples.csv's t_s
 * are seconds since the run started, its wall-clock start in the first
 * line, going on across the resume (never backwards within a file); and
 * the log says what happened in the order it happened (no "waiting for it
 * in xenstore" after xenstore said the domain was up). */
static void assert_one_clock(const char *run)
{
	char path[4200], *log, *line, *save = NULL, *resumed;
	double prev = -1, first = NAN, t;
	struct tb_csv sa;
	int ct, ci;
	json_t *res;

	snprintf(path, sizeof(path), "%s/run.log", run);
	log = mp_test_read_file(path);
	ASSERT(log);
	ASSERT_MSG(strstr(log, " started ") && strstr(log, " started ") < strchr(log, '\n'),
		   "run.log's first line does not say when the run started");
	resumed = strstr(log, " resumed; it started ");
	ASSERT(resumed);
	/* In each part (the first run, then the resume), a domain is said
	 * to be waited for before it is said to be up; either part may have
	 * no wait line (xenstore said it was up before the toolstack returned). */
	for (int part = 0; part < 2; part++) {
		char *from = part ? resumed : log, saved = *resumed;

		if (!part)
			*resumed = '\0';   /* the first part ends where the resume begins */
		for (const char *d = "traffgen"; d; d = strcmp(d, "traffgen") == 0 ? "dut" : NULL) {
			char up[64], wait[96];
			const char *u, *w;

			snprintf(up, sizeof(up), "domain %s is up", d);
			snprintf(wait, sizeof(wait), "domain %s created; waiting for it in xenstore", d);
			u = strstr(from, up);
			w = strstr(from, wait);
			ASSERT_MSG(u, "no \"%s\" in part %d of run.log", up, part + 1);
			ASSERT_MSG(!w || w < u, "\"%s\" after \"%s\" in part %d of run.log", wait,
				   up, part + 1);
		}
		*resumed = saved;
	}
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end;

		t = strtod(line, &end);
		ASSERT_MSG(end != line && *end == ' ', "run.log line without a time: %s", line);
		ASSERT_MSG(t >= prev, "run.log goes back from %.3f to %.3f: %s", prev, t, line);
		if (isnan(first))
			first = t;
		prev = t;
	}
	free(log);
	snprintf(path, sizeof(path), "%s/samples.csv", run);
	ASSERT_EQ(tb_csv_load(path, &sa), 0);
	ct = tb_csv_col(&sa, "t_s");
	ci = tb_csv_col(&sa, "iface");
	ASSERT(ct >= 0 && ci >= 0 && sa.nrows > 2);
	/* The log's clock is the samples' (not the machine's since boot). */
	ASSERT_MSG(first <= strtod(sa.rows[1][ct], NULL), "run.log starts at %.3f, the first "
		   "sample at %s", first, sa.rows[1][ct]);
	for (size_t r = 2; r < sa.nrows; r++)
		for (size_t q = r - 1; q > 0; q--)
			if (strcmp(sa.rows[q][ci], sa.rows[r][ci]) == 0) {
				ASSERT_MSG(strtod(sa.rows[r][ct], NULL) >= strtod(sa.rows[q][ct], NULL),
					   "samples.csv goes back at row %zu: %s after %s", r + 1,
					   sa.rows[r][ct], sa.rows[q][ct]);
				break;
			}
	tb_csv_free(&sa);
	snprintf(path, sizeof(path), "%s/results.json", run);
	res = json_load_file(path, 0, NULL);
	ASSERT(res);
	ASSERT_EQ(json_array_size(json_object_get(res, "resumed")), 1);
	json_decref(res);
}

TEST_T(resume_continues_an_interrupted_run, 400)
{
	char out[4096], log[4096], path[4200], run[4000];
	struct tb_csv p;
	int pid, rc, cphase, cst;

	tb_up();
	out_paths(out, log, sizeof(out));
	pid = start_run(short_plan(), out, log, 2, 500000);
	kill(pid, SIGINT);
	ASSERT_EQ(tb_wait_exit(pid, 60), MP_EXIT_INTR);
	ASSERT_EQ(tb_rows_with_status(out, "ok", NULL, 0), 2);
	snprintf(run, sizeof(run), "%s", tb_run_dir(out));
	rc = tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--resume", run, "--quiet", NULL);
	ASSERT_EQ(rc, 0);
	/* Every phase exactly once, all ok, in order: as an uninterrupted run. */
	snprintf(path, sizeof(path), "%s/phases.csv", run);
	ASSERT_EQ(tb_csv_load(path, &p), 0);
	ASSERT_EQ(p.nrows, 1 + 4);
	cphase = tb_csv_col(&p, "phase");
	cst = tb_csv_col(&p, "status");
	for (size_t i = 1; i < p.nrows; i++) {
		ASSERT_EQ(atoi(p.rows[i][cphase]), (int)i);
		ASSERT_STREQ(p.rows[i][cst], "ok");
	}
	tb_csv_free(&p);
	assert_one_clock(run);
	tb_assert_no_domains_left();
}
