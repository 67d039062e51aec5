/* TCP through the DUT end to end on the namespace testbed: the sweep runs
 * iperf3 repetitions through mir-perf-forward --both (tests/data/sweep/
 * tcp.yaml), re-creates the DUT between repetitions when asked, fails a
 * repetition whose DUT dies and goes on, and resumes keeping the finished
 * repetitions. Needs root and iperf3. No wall-clock thresholds: rates are
 * only asserted to be there. */
#include "test.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/err.h"
#include "tbutil.h"

#define RUN_TIMEOUT_MS (300 * 1000)

static const char *tcp_plan(const char *streams, const char *duration, const char *reps,
			    const char *reboot, const char *offloads)
{
	return tb_plan("tcp.yaml", "@STREAMS@", streams, "@DURATION@", duration,
		       "@REPETITIONS@", reps, "@REBOOT@", reboot, "@OFFLOADS@", offloads, NULL);
}

static void setup(char *out, size_t len)
{
	tb_up();
	mp_test_require_prog("iperf3", "iperf3");
	snprintf(out, len, "%s/out", mp_test_tmpdir());
}

/* tcp.csv of the single run under out (fails without one). */
static void load_tcp(const char *out, struct tb_csv *t)
{
	const char *run = tb_run_dir(out);
	char path[4096];

	ASSERT_MSG(run, "no single run directory in %s", out);
	snprintf(path, sizeof(path), "%s/tcp.csv", run);
	ASSERT_MSG(tb_csv_load(path, t) == 0, "cannot read %s", path);
}

static size_t count_status(const struct tb_csv *t, const char *status)
{
	int cs = tb_csv_col(t, "status");
	size_t n = 0;

	for (size_t r = 1; r < t->nrows; r++)
		n += strcmp(t->rows[r][cs], status) == 0;
	return n;
}

/* Waits until tcp.csv has `rows` data rows. */
static void wait_tcp_rows(const char *out, size_t rows, unsigned timeout_s)
{
	for (unsigned i = 0; i < timeout_s * 10; i++) {
		const char *run = tb_run_dir(out);
		char path[4096];
		struct tb_csv t;

		if (run) {
			snprintf(path, sizeof(path), "%s/tcp.csv", run);
			if (tb_csv_load(path, &t) == 0) {
				size_t n = t.nrows ? t.nrows - 1 : 0;

				tb_csv_free(&t);
				if (n >= rows)
					return;
			}
		}
		usleep(100000);
	}
	FAIL("tcp.csv never reached %zu rows", rows);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void assert_rx_namespace_gone(void)
{
	char path[256];

	snprintf(path, sizeof(path), "/run/netns/%s-traffgen-rx", mp_test_prefix());
	ASSERT_MSG(access(path, F_OK) != 0, "the traff-gen's receiving namespace is left");
}

TEST_T(sweep_tcp_end_to_end, 300)
{
	char out[4096], path[4200], *text, *dry = NULL;
	const char *plan, *run;
	struct tb_csv t;
	json_t *res;
	json_error_t jerr;
	int cv, cr, cf, cb, co;

	setup(out, sizeof(out));
	plan = tcp_plan("[1, 2]", "1s", "2", "false", "keep");
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, &dry, NULL, "--plan", plan, "--dry-run", NULL), 0);
	ASSERT_CONTAINS(dry, "tcp    1 stream");
	ASSERT_CONTAINS(dry, "tcp   2 streams");
	ASSERT_CONTAINS(dry, "total: 2 TCP phases");
	free(dry);
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--plan", plan, "--out", out, NULL), 0);
	run = tb_run_dir(out);
	load_tcp(out, &t);
	ASSERT_EQ(t.nrows - 1, 4);
	ASSERT_EQ(count_status(&t, "ok"), 4);
	cv = tb_csv_col(&t, "receiver_gbps");
	cr = tb_csv_col(&t, "repetition");
	cf = tb_csv_col(&t, "dut_in_frontend");
	cb = tb_csv_col(&t, "dut_out_backend");
	co = tb_csv_col(&t, "tg_offloads");
	for (size_t r = 1; r < t.nrows; r++) {
		ASSERT(strtod(t.rows[r][cv], NULL) > 0);
		ASSERT_EQ(atoi(t.rows[r][cr]), (int)((r - 1) % 2 + 1));
		/* what the vifs negotiated, read from xenstore */
		ASSERT_CONTAINS(t.rows[r][cf], "gso-tcpv4=1");
		ASSERT_CONTAINS(t.rows[r][cb], "sg=1");
		ASSERT_CONTAINS(t.rows[r][co], "tso on");
	}
	tb_csv_free(&t);
	snprintf(path, sizeof(path), "%s/results.json", run);
	res = json_load_file(path, 0, &jerr);
	ASSERT(res);
	ASSERT_EQ(json_array_size(json_object_get(res, "tcp")), 4);
	ASSERT_STREQ(json_string_value(json_object_get(res, "status")), "completed");
	json_decref(res);
	snprintf(path, sizeof(path), "%s/report.html", run);
	text = mp_test_read_file(path);
	ASSERT(text);
	ASSERT_CONTAINS(text, "<h2>TCP through the DUT</h2>");
	free(text);
	tb_assert_no_domains_left();
	assert_rx_namespace_gone();
}

/* A version that cannot be measured (its build fails) skips
 * its TCP repetitions in tcp.csv, one "skipped" row each with the reason,
 * and writes nothing in phases.csv; the next version is measured. */
TEST_T(sweep_tcp_version_skipped_in_tcp_csv, 300)
{
	char out[4096], path[4200], *err = NULL;
	const char *plan;
	struct tb_csv t;
	int cv, cs, cr;

	setup(out, sizeof(out));
	plan = tb_plan("tcp.yaml", "@STREAMS@", "[1]", "@DURATION@", "1s", "@REPETITIONS@", "2",
		       "@REBOOT@", "false", "@OFFLOADS@", "keep", "versions: [testbed]",
		       "versions: [gone, testbed]\nbuild:\n  steps:\n    - [sh, -c, \"case {version} in "
		       "gone) echo 'fatal: no such commit' >&2; exit 128;; esac; mkdir -p "
		       "{workdir}/unikernel/dist && cp {bin_dir}/mir-perf-forward "
		       "{workdir}/unikernel/dist/netif-forward.xen\"]", NULL);
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, &err, "--plan", plan, "--out", out, "--quiet",
			     NULL), MP_EXIT_FAIL);
	free(err);
	load_tcp(out, &t);
	cv = tb_csv_col(&t, "version");
	cs = tb_csv_col(&t, "status");
	cr = tb_csv_col(&t, "reason");
	ASSERT_EQ(t.nrows - 1, 4);
	for (size_t r = 1; r < t.nrows; r++) {
		int gone = strcmp(t.rows[r][cv], "gone") == 0;

		ASSERT_STREQ(t.rows[r][cs], gone ? "skipped" : "ok");
		if (gone)
			ASSERT_CONTAINS(t.rows[r][cr], "build step 1 for version gone failed");
	}
	tb_csv_free(&t);
	snprintf(path, sizeof(path), "%s/phases.csv", tb_run_dir(out));
	ASSERT(tb_csv_load(path, &t) == 0);
	ASSERT_MSG(t.nrows <= 1, "a TCP plan's skipped version wrote %zu rows in phases.csv",
		   t.nrows - 1);
	tb_csv_free(&t);
	tb_assert_no_domains_left();
	assert_rx_namespace_gone();
}

/* traffic.tcp.reboot: a fresh DUT for every repetition; with the
 * traff-gen's TSO and GSO off. */
TEST_T(sweep_tcp_reboot_and_offloads_off, 300)
{
	char out[4096], path[4200], *log;
	const char *run;
	struct tb_csv t;
	int co;

	setup(out, sizeof(out));
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--plan",
			     tcp_plan("[1]", "1s", "3", "true", "off"), "--out", out, NULL), 0);
	run = tb_run_dir(out);
	load_tcp(out, &t);
	ASSERT_EQ(count_status(&t, "ok"), 3);
	co = tb_csv_col(&t, "tg_offloads");
	for (size_t r = 1; r < t.nrows; r++)
		ASSERT_CONTAINS(t.rows[r][co], "tso off, gso off");
	tb_csv_free(&t);
	snprintf(path, sizeof(path), "%s/run.log", run);
	log = mp_test_read_file(path);
	ASSERT(log);
	/* the first repetition's DUT is fresh; the next two are made anew */
	ASSERT_EQ(count(log, "re-creating the DUT before TCP repetition"), 2);
	ASSERT_EQ(count(log, "domain dut is up"), 3);
	free(log);
	tb_assert_no_domains_left();
}

/* A DUT that forwards a frame's bytes and nothing else (mir-perf-forward
 * --lose-csum, as the netif-forward unikernel through Mirage_net.S): with
 * the traff-gen's checksum offload as it is, the repetition fails saying how
 * many segments arrived with a wrong checksum and what to do; with
 * traffic.tcp.checksum: off it goes through. tcp.csv says which setting
 * and how many segments were dropped. */
TEST_T(sweep_tcp_dut_losing_checksums, 300)
{
	char out[4096], cfg[4200], both[4200], src[4096], *err = NULL;
	const char *srcdir = getenv("MP_SRC_DIR");
	struct tb_csv t;
	int cs, cr, cc, ck;

	setup(out, sizeof(out));
	snprintf(cfg, sizeof(cfg), "%s/dut-lose-csum.cfg", mp_test_tmpdir());
	mp_test_write_file(cfg, "name = \"{name}\"\nkernel = \"{bin_dir}/mir-perf-forward\"\n"
			   "extra = \"--in eth0 --out eth1 --both --lose-csum\"\n"
			   "vif = [ 'mac=00:16:3e:6d:70:10,bridge=if1',\n"
			   "        'mac=00:16:3e:6d:70:11,bridge=if2' ]\n");
	ASSERT(realpath(srcdir && *srcdir ? srcdir : ".", src));
	snprintf(both, sizeof(both), "%s/cfg/testbed/dut-both.cfg", src);

	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, &err, "--plan",
			     tb_plan("tcp.yaml", "@STREAMS@", "[1]", "@DURATION@", "2s",
				     "@REPETITIONS@", "1", "@REBOOT@", "false", "@OFFLOADS@", "keep",
				     both, cfg, NULL), "--out", out, "--quiet", NULL), MP_EXIT_FAIL);
	free(err);
	load_tcp(out, &t);
	cs = tb_csv_col(&t, "status");
	cr = tb_csv_col(&t, "reason");
	cc = tb_csv_col(&t, "csum_errors");
	ck = tb_csv_col(&t, "checksum");
	ASSERT_EQ(t.nrows - 1, 1);
	printf("checksum %s: %s, %s bad checksums: %s\n", t.rows[1][ck], t.rows[1][cs],
	       t.rows[1][cc], t.rows[1][cr]);
	ASSERT_STREQ(t.rows[1][cs], "failed");
	ASSERT_STREQ(t.rows[1][ck], "keep");
	ASSERT(atoi(t.rows[1][cc]) > 0);
	ASSERT_CONTAINS(t.rows[1][cr], "arrived with a wrong checksum");
	ASSERT_CONTAINS(t.rows[1][cr], "traffic.tcp.checksum: off");
	tb_csv_free(&t);

	snprintf(out + strlen(out), sizeof(out) - strlen(out), "-off");
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--plan",
			     tb_plan("tcp.yaml", "@STREAMS@", "[1]", "@DURATION@", "2s",
				     "@REPETITIONS@", "1", "@REBOOT@", "false", "@OFFLOADS@",
				     "keep\n    checksum: off", both, cfg, NULL), "--out", out, NULL), 0);
	load_tcp(out, &t);
	ASSERT_STREQ(t.rows[1][tb_csv_col(&t, "status")], "ok");
	ASSERT_STREQ(t.rows[1][tb_csv_col(&t, "checksum")], "off");
	ASSERT_STREQ(t.rows[1][tb_csv_col(&t, "csum_errors")], "0");
	ASSERT_CONTAINS(t.rows[1][tb_csv_col(&t, "tg_offloads")], "tx-csum off");
	tb_csv_free(&t);
	tb_assert_no_domains_left();
	assert_rx_namespace_gone();
}

/* A DUT that dies mid-repetition fails that repetition with the reason, is
 * re-created, and the other repetitions run. */
TEST_T(sweep_tcp_dut_killed_mid_repetition, 300)
{
	char out[4096], log[4096];
	struct tb_csv t;
	int pid, cs, cr, cg;

	setup(out, sizeof(out));
	snprintf(log, sizeof(log), "%s/mp.log", mp_test_tmpdir());
	pid = tb_mirperf_spawn(log, "--plan", tcp_plan("[1]", "4s", "3", "false", "keep"),
			       "--out", out, NULL);
	wait_tcp_rows(out, 1, 120);
	usleep(2000000);                /* well inside repetition 2 */
	tb_kill_domain("dut");
	ASSERT_EQ(tb_wait_exit(pid, 180), MP_EXIT_FAIL);
	load_tcp(out, &t);
	ASSERT_EQ(t.nrows - 1, 3);
	cs = tb_csv_col(&t, "status");
	cr = tb_csv_col(&t, "reason");
	cg = tb_csv_col(&t, "receiver_gbps");
	ASSERT_STREQ(t.rows[2][cs], "failed");
	printf("reason: %s\n", t.rows[2][cr]);
	ASSERT_CONTAINS(t.rows[2][cr], "dut");
	ASSERT_STREQ(t.rows[2][cg], "");      /* no figure from a broken run */
	ASSERT_STREQ(t.rows[1][cs], "ok");
	ASSERT_STREQ(t.rows[3][cs], "ok");
	tb_csv_free(&t);
	tb_assert_no_domains_left();
	assert_rx_namespace_gone();
}

/* Interrupted after some repetitions, --resume keeps them and runs the rest. */
TEST_T(sweep_tcp_sigint_then_resume, 400)
{
	char out[4096], log[4096], first[2][64];
	const char *run;
	struct tb_csv t;
	int pid, cv;

	setup(out, sizeof(out));
	snprintf(log, sizeof(log), "%s/mp.log", mp_test_tmpdir());
	pid = tb_mirperf_spawn(log, "--plan", tcp_plan("[1, 2]", "2s", "2", "false", "keep"),
			       "--out", out, NULL);
	wait_tcp_rows(out, 2, 120);
	kill(pid, SIGINT);
	ASSERT_EQ(tb_wait_exit(pid, 60), MP_EXIT_INTR);
	load_tcp(out, &t);
	ASSERT(count_status(&t, "ok") >= 2 && count_status(&t, "ok") < 4);
	cv = tb_csv_col(&t, "receiver_gbps");
	for (int i = 0; i < 2; i++)
		snprintf(first[i], sizeof(first[i]), "%s", t.rows[i + 1][cv]);
	tb_csv_free(&t);
	tb_assert_no_domains_left();
	run = tb_run_dir(out);
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--resume", run, "--quiet", NULL), 0);
	load_tcp(out, &t);
	ASSERT_EQ(t.nrows - 1, 4);
	ASSERT_EQ(count_status(&t, "ok"), 4);
	/* the finished ones as they were, each repetition once */
	for (int i = 0; i < 2; i++)
		ASSERT_STREQ(t.rows[i + 1][cv], first[i]);
	for (size_t a = 1; a < t.nrows; a++)
		for (size_t b = a + 1; b < t.nrows; b++)
			ASSERT(strcmp(t.rows[a][tb_csv_col(&t, "phase")], t.rows[b][tb_csv_col(&t, "phase")]) ||
			       strcmp(t.rows[a][tb_csv_col(&t, "repetition")],
				      t.rows[b][tb_csv_col(&t, "repetition")]));
	tb_csv_free(&t);
	tb_assert_no_domains_left();
}
