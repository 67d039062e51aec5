/* The controller end to end on the namespace testbed (issue 5): a short plan
 * of 2 sizes x 2 rates with 2 s phases, and its faults. Needs root. */
#include "test.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/err.h"
#include "common/stats.h"
#include "tbutil.h"

#define RUN_TIMEOUT_MS (240 * 1000)

/* tests/data/sweep/short.yaml, with `from` replaced by `to` unless NULL. */
static const char *short_plan(const char *on_failure, const char *duration,
			      const char *connect_timeout, const char *from, const char *to)
{
	return tb_plan("short.yaml", "@ON_FAILURE@", on_failure, "@DURATION@", duration,
		       "@DISCOVERY_TIMEOUT@", "60s", "@CONNECT_TIMEOUT@", connect_timeout,
		       "@RATE2@", "20000", from, to, NULL);
}

static const char *default_plan(const char *duration, const char *on_failure)
{
	return short_plan(on_failure, duration, "30s", NULL, NULL);
}

static double num(const char *s)
{
	return *s ? strtod(s, NULL) : NAN;
}

/* Median interval between consecutive samples of each interface, in ms. */
static double median_interval_ms(const struct tb_csv *s, const char *iface)
{
	int ct = tb_csv_col(s, "t_s"), ci = tb_csv_col(s, "iface"), cp = tb_csv_col(s, "phase");
	double *d = calloc(s->nrows, sizeof(double)), prev = -1, med;
	const char *prev_phase = "";
	size_t n = 0;

	for (size_t r = 1; r < s->nrows; r++) {
		if (strcmp(s->rows[r][ci], iface) != 0)
			continue;
		if (prev >= 0 && strcmp(prev_phase, s->rows[r][cp]) == 0)
			d[n++] = (num(s->rows[r][ct]) - prev) * 1000;
		prev = num(s->rows[r][ct]);
		prev_phase = s->rows[r][cp];
	}
	med = mp_percentile(d, n, 50);
	free(d);
	return med;
}

static void assert_secret_absent(const char *run)
{
	char *token = mp_test_read_file(mp_test_bin("testbed/agent.token"));
	DIR *d = opendir(run);
	struct dirent *e;

	ASSERT(token && strlen(token) >= 32);
	ASSERT(d);
	while ((e = readdir(d))) {
		char path[4096], *text;

		if (e->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", run, e->d_name);
		text = mp_test_read_file(path);
		ASSERT_MSG(!text || !strstr(text, token), "the agent's secret is in %s", path);
		free(text);
	}
	closedir(d);
	free(token);
}

TEST_T(sweep_short_plan_end_to_end, 300)
{
	char out[4096], path[4096];
	const char *plan, *run;
	struct tb_csv phases, samples;
	json_t *res;
	json_error_t jerr;
	int rc;

	tb_up();
	plan = default_plan("2s", "stop");
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	rc = tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--plan", plan, "--out", out, NULL);
	ASSERT_EQ(rc, 0);
	run = tb_run_dir(out);
	ASSERT_MSG(run, "no single run directory in %s", out);

	/* results.json parses; the address was found by DHCP snooping. */
	snprintf(path, sizeof(path), "%s/results.json", run);
	res = json_load_file(path, 0, &jerr);
	ASSERT_MSG(res, "results.json: %s (line %d)", jerr.text, jerr.line);
	ASSERT_STREQ(json_string_value(json_object_get(json_object_get(res, "discovery"), "method")), "dhcp");
	ASSERT_STREQ(json_string_value(json_object_get(res, "status")), "completed");
	json_decref(res);

	/* Every phase has a row, all ok. */
	snprintf(path, sizeof(path), "%s/phases.csv", run);
	ASSERT_EQ(tb_csv_load(path, &phases), 0);
	ASSERT_EQ(phases.nrows, 1 + 4);
	int cst = tb_csv_col(&phases, "status"), crate = tb_csv_col(&phases, "rate");
	int coff = tb_csv_col(&phases, "offered_pps"), cfwd = tb_csv_col(&phases, "forwarded_pps");
	int cgen = tb_csv_col(&phases, "gen_sent_pps");
	int cshort = tb_csv_col(&phases, "gen_shortfall_pct");
	ASSERT(cst >= 0 && crate >= 0 && coff >= 0 && cfwd >= 0 && cgen >= 0 && cshort >= 0);
	for (size_t r = 1; r < phases.nrows; r++) {
		double rate = num(phases.rows[r][crate]), off = num(phases.rows[r][coff]);
		double fwd = num(phases.rows[r][cfwd]), gen = num(phases.rows[r][cgen]);
		double shortfall = num(phases.rows[r][cshort]);

		ASSERT_STREQ(phases.rows[r][cst], "ok");
		/* A generator short of its rate says so, to the tenth of a point. */
		ASSERT_MSG(fabs(shortfall - 100 * fmax(1 - fmin(off, gen) / rate, 0)) < 0.1,
			   "shortfall %.2f%% for offered %.1f, agent %.1f at %g", shortfall, off,
			   gen, rate);
		if (rate != 10000)
			continue;
		/* At 10 kpps: offered and forwarded within 2% of the target unless
		 * the generator was short (a stall on a busy machine is not sent
		 * late in a burst) and said so, and equal to what the agent says
		 * it sent within 0.5%. */
		if (shortfall < 1) {
			ASSERT_MSG(fabs(off - rate) / rate < 0.02, "offered %.1f pps at %g", off, rate);
			ASSERT_MSG(fabs(fwd - rate) / rate < 0.02, "forwarded %.1f pps at %g", fwd,
				   rate);
		}
		ASSERT_MSG(fabs(off - gen) / gen < 0.005, "offered %.1f vs agent %.1f", off, gen);
		ASSERT_MSG(fabs(fwd - gen) / gen < 0.005, "forwarded %.1f vs agent %.1f", fwd, gen);
	}
	tb_csv_free(&phases);

	/* Sampling: the issue's acceptance figure is the median interval between
	 * samples of one interface within 5 ms of 100 ms. The sampler runs on an
	 * absolute schedule, so the median does not move with load. */
	snprintf(path, sizeof(path), "%s/samples.csv", run);
	ASSERT_EQ(tb_csv_load(path, &samples), 0);
	ASSERT(samples.nrows > 100);
	int ci = tb_csv_col(&samples, "iface");
	const char *iface = samples.rows[1][ci];
	double med = median_interval_ms(&samples, iface);
	ASSERT_MSG(fabs(med - 100) <= 5, "median interval %.2f ms on %s", med, iface);
	tb_csv_free(&samples);

	/* The old script's stats file and the report exist. */
	snprintf(path, sizeof(path), "%s/stats", run);
	char *stats = mp_test_read_file(path);
	ASSERT_CONTAINS(stats, "Target packet rate: 10000    Packet size: 60");
	{
		/* Two rate lines (generator and DUT out vifs) per phase. */
		size_t lines = 0;

		for (const char *q = stats; (q = strstr(q, ": Packets Rate: ")); q++)
			lines++;
		ASSERT_EQ(lines, 2 * 4);
	}
	free(stats);
	snprintf(path, sizeof(path), "%s/report.html", run);
	ASSERT(access(path, R_OK) == 0);

	/* The agent's secret appears in no output file, the domains' kept
	 * consoles included. */
	assert_secret_absent(run);
	snprintf(path, sizeof(path), "%s/domains", run);
	assert_secret_absent(path);
	snprintf(path, sizeof(path), "%s/domains/traffgen-1.console", run);
	ASSERT_MSG(access(path, R_OK) == 0, "no %s", path);
}

TEST_T(sweep_sigint_keeps_finished_phases, 300)
{
	char out[4096], log[4096];
	int pid, code;

	tb_up();
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	snprintf(log, sizeof(log), "%s/mp.log", mp_test_tmpdir());
	pid = tb_mirperf_spawn(log, "--plan", default_plan("2s", "stop"), "--out", out, NULL);
	tb_wait_rows(out, 1, 120);
	usleep(1500000);                /* well inside phase 2 */
	kill(pid, SIGINT);
	code = tb_wait_exit(pid, 60);
	ASSERT_EQ(code, MP_EXIT_INTR);
	ASSERT(tb_rows_with_status(out, "ok", NULL, 0) >= 1);
	tb_assert_no_domains_left();
}

TEST_T(sweep_dut_killed_mid_phase, 300)
{
	char out[4096], log[4096], text[65536];
	int pid, code;

	tb_up();
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	snprintf(log, sizeof(log), "%s/mp.log", mp_test_tmpdir());
	pid = tb_mirperf_spawn(log, "--plan", default_plan("2s", "recreate"), "--out", out, NULL);
	tb_wait_rows(out, 1, 120);
	usleep(1500000);
	tb_kill_domain("dut");
	code = tb_wait_exit(pid, 180);
	/* The phase in flight failed with its reason; the DUT was re-created
	 * and the remaining phases ran. */
	ASSERT_EQ(code, MP_EXIT_FAIL);
	ASSERT_EQ(tb_rows_with_status(out, "failed", text, sizeof(text)), 1);
	ASSERT_CONTAINS(text, "disappeared mid-phase");
	ASSERT_EQ(tb_rows_with_status(out, "ok", NULL, 0), 3);
	tb_assert_no_domains_left();
}

TEST_T(sweep_dut_killed_policy_stop, 300)
{
	char out[4096], log[4096];
	int pid, code;

	tb_up();
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	snprintf(log, sizeof(log), "%s/mp.log", mp_test_tmpdir());
	pid = tb_mirperf_spawn(log, "--plan", default_plan("2s", "stop"), "--out", out, NULL);
	tb_wait_rows(out, 1, 120);
	usleep(1500000);
	tb_kill_domain("dut");
	code = tb_wait_exit(pid, 120);
	ASSERT_EQ(code, MP_EXIT_FAIL);
	ASSERT_EQ(tb_rows_with_status(out, "ok", NULL, 0), 1);
	ASSERT_EQ(tb_rows_with_status(out, "failed", NULL, 0), 1);
	ASSERT_EQ(tb_rows_with_status(out, "skipped", NULL, 0), 2);
	tb_assert_no_domains_left();
}

/* agent.engine is what the agent uses: asked for pktgen, which the
 * testbed's traff-gen kernel lacks, every phase fails saying so (it used
 * to run the agent's own engine without a word). */
TEST_T(sweep_agent_engine_of_the_plan, 180)
{
	char out[4096], path[4200], *log;
	const char *plan, *run;
	struct tb_csv ph;
	int cr;

	tb_up();
	plan = short_plan("stop", "1s", "30s", "engine: packet", "engine: pktgen");
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--plan", plan, "--out", out, NULL),
		  MP_EXIT_FAIL);
	run = tb_run_dir(out);
	ASSERT(run);
	snprintf(path, sizeof(path), "%s/phases.csv", run);
	ASSERT_EQ(tb_csv_load(path, &ph), 0);
	ASSERT(ph.nrows >= 2);
	cr = tb_csv_col(&ph, "reason");
	ASSERT(cr >= 0);
	for (size_t r = 1; r < ph.nrows; r++) {
		ASSERT_STREQ(ph.rows[r][tb_csv_col(&ph, "status")], "failed");
		ASSERT_CONTAINS(ph.rows[r][cr], "cannot use the pktgen engine");
		ASSERT_CONTAINS(ph.rows[r][cr], "pktgen is not available");
	}
	tb_csv_free(&ph);
	snprintf(path, sizeof(path), "%s/run.log", run);
	log = mp_test_read_file(path);
	ASSERT_CONTAINS(log, "the plan's agent.engine is pktgen, the agent's own packet");
	free(log);
	tb_assert_no_domains_left();
}

TEST_T(sweep_agent_unreachable, 300)
{
	char out[4096], path[4200], *err = NULL, *log;
	const char *plan;
	int rc;

	tb_up();
	/* The agent listens on 7000; the plan says 7999. */
	plan = short_plan("stop", "2s", "3s", "port: 7000", "port: 7999");
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	rc = tb_mirperf(RUN_TIMEOUT_MS, NULL, &err, "--plan", plan, "--out", out, NULL);
	ASSERT_EQ(rc, MP_EXIT_FAIL);
	ASSERT_CONTAINS(err, "cannot reach the traff-gen agent");
	ASSERT_CONTAINS(err, ":7999");
	free(err);
	/* The run log stays attached until every handle is closed, so what
	 * teardown says reaches it. */
	snprintf(path, sizeof(path), "%s/run.log", tb_run_dir(out));
	log = mp_test_read_file(path);
	ASSERT_CONTAINS(log, "ended with exit code 1; every handle closed");
	free(log);
	tb_assert_no_domains_left();
}
