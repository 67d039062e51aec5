/* A broken DUT on the namespace testbed (issue 21): its console kept in
 * the run and quoted, a DUT that forwards nothing failing its phase and
 * re-created, a DUT that does not come up re-created a bounded number of
 * times and its version skipped while the others run, a version whose
 * build fails skipped likewise, prebuilt kernels per version. Needs root. */
#include "test.h"

#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/err.h"
#include "tbutil.h"

#define RUN_TIMEOUT_MS (300 * 1000)

static const char *plan_replacing(const char *on_failure, const char *from, const char *to)
{
	return tb_plan("short.yaml", "@ON_FAILURE@", on_failure, "@DURATION@", "2s",
		       "@DISCOVERY_TIMEOUT@", "60s", "@CONNECT_TIMEOUT@", "30s",
		       "@RATE2@", "20000", from, to, NULL);
}

static char *run_file(const char *out, const char *name)
{
	char path[4200];
	const char *run = tb_run_dir(out);
	char *text;

	ASSERT_MSG(run, "no single run directory in %s", out);
	snprintf(path, sizeof(path), "%s/%s", run, name);
	text = mp_test_read_file(path);
	ASSERT_MSG(text, "no %s", path);
	return text;
}

/* The rows of phases.csv of `version`, as "status:reason\n" lines. */
static char *rows_of(const char *out, const char *version, size_t *n, size_t *ok)
{
	char path[4200], *text = calloc(1, 65536);
	struct tb_csv c;
	int cv, cs, cr;

	snprintf(path, sizeof(path), "%s/phases.csv", tb_run_dir(out));
	ASSERT_EQ(tb_csv_load(path, &c), 0);
	cv = tb_csv_col(&c, "version");
	cs = tb_csv_col(&c, "status");
	cr = tb_csv_col(&c, "reason");
	*n = *ok = 0;
	for (size_t r = 1; r < c.nrows; r++) {
		if (strcmp(c.rows[r][cv], version))
			continue;
		(*n)++;
		*ok += !strcmp(c.rows[r][cs], "ok");
		snprintf(text + strlen(text), 65536 - strlen(text), "%s:%s\n", c.rows[r][cs],
			 c.rows[r][cr]);
	}
	tb_csv_free(&c);
	return text;
}

/* Waits until the forwarder of this test's DUT says on its console that
 * it forwards (so that it ran), then stops it (SIGSTOP: alive, its vifs
 * up, nothing forwarded). */
static void stop_forwarder_once_it_runs(void)
{
	char path[256];
	size_t i;

	snprintf(path, sizeof(path), "/run/mir-perf/%s/console/guest-dut.log", mp_test_prefix());
	for (i = 0; i < 1200; i++) {
		char *text = mp_test_read_file(path);
		int ran = text && strstr(text, "forwarding eth0 -> eth1");

		free(text);
		if (ran && tb_signal_domain("dut", "mir-perf-forward", SIGSTOP) == 1)
			return;
		usleep(50000);
	}
	FAIL("the DUT's forwarder never said it runs (%s)", path);
}

/* A forwarder that stops (SIGSTOP: alive, its vifs up, nothing forwarded)
 * before the first phase: that phase is not a measurement. It fails saying
 * so in the row, the live line and run.log, with the DUT's console quoted;
 * on_failure: recreate boots a new DUT whose phases are measured; the
 * report opens with what was not measured; every boot's console is kept. */
TEST_T(sweep_dut_that_forwards_nothing_fails_its_phase, 300)
{
	char out[4096], log[4096], *text;
	json_t *res, *c;
	int pid, code;
	size_t n, ok, i, dut_boots = 0;

	tb_up();
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	snprintf(log, sizeof(log), "%s/mp.log", mp_test_tmpdir());
	pid = tb_mirperf_spawn(log, "--plan", plan_replacing("recreate", NULL, NULL), "--out", out,
			       NULL);
	/* The DUT boots before the traff-gen is found by DHCP and its agent
	 * connected: its forwarder stops before the first phase. */
	stop_forwarder_once_it_runs();
	code = tb_wait_exit(pid, 240);
	text = mp_test_read_file(log);
	ASSERT_MSG(code == MP_EXIT_FAIL, "exit %d: %s", code, text);
	/* the live line */
	ASSERT_CONTAINS(text, "phase 1/4 failed: testbed, size 60, rate 10000 pps");
	ASSERT_CONTAINS(text, "the DUT forwarded no frame at all in the measure window");
	free(text);
	text = rows_of(out, "testbed", &n, &ok);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(ok, 3);
	ASSERT_CONTAINS(text, "failed:the DUT forwarded no frame at all in the measure window and the drain, ");
	ASSERT_CONTAINS(text, " frames offered (");
	ASSERT_CONTAINS(text, "not a measurement");
	free(text);
	text = run_file(out, "run.log");
	ASSERT_CONTAINS(text, "phase 1 (testbed, size 60, rate 10000 pps) failed: the DUT "
			"forwarded no frame");
	ASSERT_CONTAINS(text, "the console of dut (boot 1, domains/dut-1.console), its last");
	ASSERT_CONTAINS(text, "  | mir-perf-forward: info: forwarding eth0 -> eth1");
	ASSERT_CONTAINS(text, "re-creating the DUT, which forwarded no frame");
	free(text);
	/* each boot's console, the second one's counters once a second */
	text = run_file(out, "domains/dut-1.console");
	ASSERT_CONTAINS(text, "forwarding eth0 -> eth1");
	free(text);
	text = run_file(out, "domains/dut-2.console");
	ASSERT_CONTAINS(text, "received=");
	free(text);
	text = run_file(out, "domains/traffgen-1.console");
	ASSERT(strlen(text) > 0);
	free(text);
	text = run_file(out, "results.json");
	ASSERT((res = json_loads(text, 0, NULL)));
	json_array_foreach(json_object_get(res, "consoles"), i, c)
		dut_boots += !strcmp(json_string_value(json_object_get(c, "role")), "dut");
	ASSERT_EQ(dut_boots, 2);
	ASSERT_STREQ(json_string_value(json_object_get(json_object_get(res, "info"), "console")),
		     "available");
	json_decref(res);
	free(text);
	text = run_file(out, "report.html");
	ASSERT_CONTAINS(text, "Not measured: 1 phase failed, 0 skipped");
	ASSERT_CONTAINS(text, "DUT console");
	ASSERT_CONTAINS(text, "domains/dut-1.console");
	free(text);
	tb_assert_no_domains_left();
}

/* The same stopped forwarder with on_failure: stop ends the run there. */
TEST_T(sweep_dut_that_forwards_nothing_policy_stop, 300)
{
	char out[4096], log[4096], *text;
	int pid;
	size_t n, ok;

	tb_up();
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	snprintf(log, sizeof(log), "%s/mp.log", mp_test_tmpdir());
	pid = tb_mirperf_spawn(log, "--plan", plan_replacing("stop", NULL, NULL), "--out", out,
			       "--quiet", NULL);
	stop_forwarder_once_it_runs();
	ASSERT_EQ(tb_wait_exit(pid, 240), MP_EXIT_FAIL);
	text = rows_of(out, "testbed", &n, &ok);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(ok, 0);
	ASSERT_CONTAINS(text, "skipped:the DUT forwarded no frame and domains.dut.on_failure is stop");
	free(text);
	tb_assert_no_domains_left();
}

/* A DUT that stops while it boots: re-created once (boot_retries'
 * default), then its version is skipped with its console's last line as
 * the reason, and the next version is measured. */
TEST_T(sweep_dut_that_does_not_come_up, 300)
{
	char out[4096], cfg[4200], src[4096], dut[4096], *text, *err = NULL;
	const char *plan;
	size_t n, ok;
	int rc;

	tb_up();
	snprintf(cfg, sizeof(cfg), "%s/tests/data/sweep/dut-boot.cfg",
		 realpath(mp_test_src_path("."), src));
	ASSERT(realpath(mp_test_src_path("cfg/testbed/dut.cfg"), dut));
	plan = tb_plan("short.yaml", "@ON_FAILURE@", "recreate", "@DURATION@", "2s",
		       "@DISCOVERY_TIMEOUT@", "60s", "@CONNECT_TIMEOUT@", "30s", "@RATE2@", "20000",
		       "versions: [testbed]", "versions: [broken, fixed]",
		       "boot_timeout: 60s", "boot_timeout: 20s", dut, cfg, NULL);
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	rc = tb_mirperf(RUN_TIMEOUT_MS, NULL, &err, "--plan", plan, "--out", out, "--quiet", NULL);
	ASSERT_MSG(rc == MP_EXIT_FAIL, "exit %d: %s", rc, err);
	ASSERT_CONTAINS(err, "version broken is not measured: the DUT did not come up in 2 boots");
	ASSERT_CONTAINS(err, "the next version goes on");
	free(err);
	text = rows_of(out, "broken", &n, &ok);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(ok, 0);
	ASSERT_CONTAINS(text, "skipped:the DUT did not come up in 2 boots");
	ASSERT_CONTAINS(text, "its console's last line: netif-forward broken: stuck in connect 0");
	free(text);
	text = rows_of(out, "fixed", &n, &ok);
	ASSERT_EQ(n, 4);
	ASSERT_MSG(ok == 4, "the next version was not measured: %s", text);
	free(text);
	text = run_file(out, "run.log");
	ASSERT_CONTAINS(text, "re-creating the DUT (domains.dut.boot_retries is 1: retry 1)");
	ASSERT_CONTAINS(text, "  | netif-forward broken: connect 0: waiting for the backend");
	free(text);
	text = run_file(out, "domains/dut-2.console");
	ASSERT_CONTAINS(text, "netif-forward broken: stuck in connect 0");
	free(text);
	text = run_file(out, "domains/dut-3.console");
	ASSERT_CONTAINS(text, "netif-forward fixed: booting");
	free(text);
	tb_assert_no_domains_left();
}

/* Versions built and prebuilt: a prebuilt kernel skips the build steps, a
 * version whose build fails is skipped with the step's last line (and the
 * others measured), one whose prebuilt kernel is missing is skipped naming
 * it; {kernel} in the DUT config boots what each version has. */
TEST_T(sweep_versions_built_and_prebuilt, 400)
{
	char out[4096], cfg[4200], src[4096], dut[4096], *text, *err = NULL;
	const char *plan;
	size_t n, ok;
	json_t *res, *k;
	int rc;

	tb_up();
	snprintf(cfg, sizeof(cfg), "%s/tests/data/sweep/dut-kernel.cfg",
		 realpath(mp_test_src_path("."), src));
	ASSERT(realpath(mp_test_src_path("cfg/testbed/dut.cfg"), dut));
	plan = tb_plan("short.yaml", "@ON_FAILURE@", "recreate", "@DURATION@", "1s",
		       "@DISCOVERY_TIMEOUT@", "60s", "@CONNECT_TIMEOUT@", "30s", "@RATE2@", "20000",
		       "versions: [testbed]",
		       "versions: [v1, v2, {name: pre, kernel: \"{bin_dir}/mir-perf-forward\"},\n"
		       "  {name: gone, kernel: \"{bin_dir}/no-such-kernel-{version}\"}]\n"
		       "build:\n  steps:\n"
		       "    - [sh, -c, \"echo building {version}; case {version} in v1|pre) echo "
		       "'fatal: reference is not a tree: {version}' >&2; exit 128;; esac; mkdir -p "
		       "{workdir}/unikernel/dist && cp {bin_dir}/mir-perf-forward "
		       "{workdir}/unikernel/dist/netif-forward.xen\"]", dut, cfg, NULL);
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	rc = tb_mirperf(RUN_TIMEOUT_MS, NULL, &err, "--plan", plan, "--out", out, "--quiet", NULL);
	ASSERT_MSG(rc == MP_EXIT_FAIL, "exit %d: %s", rc, err);
	free(err);
	text = rows_of(out, "v1", &n, &ok);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(ok, 0);
	ASSERT_CONTAINS(text, "skipped:build step 1 for version v1 failed: it exited with status "
			"128; its last line: fatal: reference is not a tree: v1");
	free(text);
	text = rows_of(out, "v2", &n, &ok);
	ASSERT_MSG(n == 4 && ok == 4, "v2 (built) was not measured: %s", text);
	free(text);
	text = rows_of(out, "pre", &n, &ok);
	ASSERT_MSG(n == 4 && ok == 4, "pre (prebuilt: no build) was not measured: %s", text);
	free(text);
	text = rows_of(out, "gone", &n, &ok);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(ok, 0);
	ASSERT_CONTAINS(text, "skipped:the DUT kernel of version gone, ");
	ASSERT_CONTAINS(text, "/no-such-kernel-gone, cannot be read: No such file or directory "
			"(the plan gives it in versions)");
	free(text);
	text = run_file(out, "run.log");
	ASSERT_CONTAINS(text, "build step 1 for version v1, its last 2 lines:");
	ASSERT_CONTAINS(text, "  | fatal: reference is not a tree: v1");
	ASSERT_CONTAINS(text, "version pre: a prebuilt DUT kernel");
	free(text);
	text = run_file(out, "results.json");
	ASSERT((res = json_loads(text, 0, NULL)));
	k = json_object_get(json_object_get(res, "kernels"), "pre");
	ASSERT_MSG(json_is_true(json_object_get(k, "prebuilt")), "no kernel provenance: %s", text);
	ASSERT_EQ(strlen(json_string_value(json_object_get(k, "sha256"))), 64);
	k = json_object_get(json_object_get(res, "kernels"), "v2");
	ASSERT(json_is_false(json_object_get(k, "prebuilt")));
	ASSERT_CONTAINS(json_string_value(json_object_get(k, "path")),
			"/build/v2/unikernel/dist/netif-forward.xen");
	json_decref(res);
	free(text);
	tb_assert_no_domains_left();
}
