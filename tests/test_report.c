/* Report, compare and export (issue 6) on recorded testbed runs:
 * tests/data/runs/base (2 sizes x 2 rates, 2 s phases) and
 * tests/data/runs/capped (the same plan with the DUT capped at 15 kpps by
 * `mir-perf-forward --max-pps 15000`). */
#include "test.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/run.h"
#include "controller/results/csv.h"

/* Copies a fixture run into the test's tmpdir (reports are written there). */
static const char *fixture(const char *name)
{
	static char dst[2][4096];
	static int slot;
	char *d = dst[slot++ % 2], src[4096];
	char *argv[] = { "cp", "-R", src, d, NULL };

	snprintf(src, sizeof(src), "%s", mp_test_src_path("tests/data/runs"));
	strcat(src, "/");
	strcat(src, name);
	snprintf(d, 4096, "%s/%s", mp_test_tmpdir(), name);
	if (access(d, F_OK) != 0)
		ASSERT_EQ(mp_run_status(argv, 10000), 0);
	return d;
}

static struct mp_run_result mirperf(const char *a, const char *b, const char *c, const char *d)
{
	char *argv[] = { (char *)mp_test_bin("mir-perf"), (char *)a, (char *)b, (char *)c,
			 (char *)d, NULL };
	struct mp_run_result r;

	ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
	return r;
}

/* `mir-perf report RUN` succeeds; report.html's text (caller frees). */
static char *report_of(const char *run)
{
	char path[4200], *html;
	struct mp_run_result r = mirperf("report", run, NULL, NULL);

	ASSERT_MSG(r.status == 0, "report: %s", r.err);
	mp_run_result_free(&r);
	snprintf(path, sizeof(path), "%s/report.html", run);
	html = mp_test_read_file(path);
	ASSERT(html);
	return html;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

TEST_T(report_html_has_one_svg_per_plot, 120)
{
	const char *run = fixture("base");
	char path[4200], *html;
	static const char *const balanced[][2] = {
		{ "<html", "</html>" }, { "<body", "</body>" }, { "<table", "</table>" },
		{ "<tr", "</tr>" }, { "<figure", "</figure>" }, { "<svg", "</svg>" },
	};

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	html = report_of(run);
	ASSERT(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	for (size_t i = 0; i < sizeof(balanced) / sizeof(balanced[0]); i++)
		ASSERT_MSG(count(html, balanced[i][0]) == count(html, balanced[i][1]),
			   "%s and %s are not balanced", balanced[i][0], balanced[i][1]);
	/* forwarded vs offered for every size on one plot, loss, Mbit/s,
	 * series per size (2); no CPU plot without hypervisor figures. */
	ASSERT_EQ(count(html, "<svg"), 5);
	ASSERT_CONTAINS(html, "<figure id=\"forwarded\">");
	ASSERT_CONTAINS(html, "<figure id=\"loss\">");
	ASSERT_CONTAINS(html, "<figure id=\"mbps\">");
	ASSERT_CONTAINS(html, "<div class=\"panel\" id=\"series-60\">");
	ASSERT(!strstr(html, "<figure id=\"cpu\">"));
	/* the series, by their titles in the SVGs */
	ASSERT_CONTAINS(html, "testbed, 60 B");
	ASSERT_CONTAINS(html, "testbed, 1000 B");
	ASSERT_CONTAINS(html, "forwarded (DUT out vif rx)");
	ASSERT_CONTAINS(html, "without the 4-byte FCS");
	ASSERT_CONTAINS(html, "forwarded = offered");
	/* the phase table leaves out columns without a figure (no hypervisor,
	 * no receiver here) */
	ASSERT_CONTAINS(html, "<th>forwarded pps</th>");
	ASSERT(!strstr(html, "<th>DUT ns/pkt</th>") && !strstr(html, "<th>lat p99 us</th>"));
	ASSERT_CONTAINS(html, "measure window");
	/* provenance: xenctrl says unavailable, the reason on hover and below */
	ASSERT_CONTAINS(html, "<dt>xenctrl</dt><dd><abbr title=\"/dev/xen/privcmd is not "
			"available");
	ASSERT_CONTAINS(html, "\">unavailable</abbr>");
	ASSERT_CONTAINS(html, "xenctrl unavailable: /dev/xen/privcmd");
	/* self-contained: nothing fetched from a network */
	ASSERT(!strstr(html, "http://") || strstr(html, "http://www.w3.org"));
	ASSERT(!strstr(html, "<script"));
	free(html);
	/* loss never below 0; every plot the same size, keys below */
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/plots/%s.gp", run, i ? "series-60" : "loss");
		html = mp_test_read_file(path);
		ASSERT(html);
		ASSERT_CONTAINS(html, "set yrange [0:*]");
		ASSERT_CONTAINS(html, "set key below");
		ASSERT_CONTAINS(html, "set terminal svg size 560,400 font 'sans,11'");
		free(html);
	}
	snprintf(path, sizeof(path), "%s/plots/loss.png", run);
	ASSERT(access(path, R_OK) == 0);
}

TEST(compare_against_itself_exits_0)
{
	struct mp_run_result r = mirperf("compare", fixture("base"), fixture("base"), NULL);

	ASSERT_MSG(r.status == 0, "%s%s", r.out, r.err);
	ASSERT_CONTAINS(r.out, "4 phases compared; 0 significantly slower");
	ASSERT_CONTAINS(r.out, "Welch's t-test");
	mp_run_result_free(&r);
}

TEST(compare_capped_dut_exits_1_naming_phases)
{
	struct mp_run_result r = mirperf("compare", fixture("base"), fixture("capped"), NULL);
	char *line;

	ASSERT_EQ(r.status, MP_EXIT_FAIL);
	ASSERT_CONTAINS(r.out, "2 significantly slower");
	line = strstr(r.out, "testbed            60      20000");
	ASSERT(line && strstr(line, "SLOWER") && strstr(line, "SLOWER") < strchr(line, '\n'));
	line = strstr(r.out, "testbed          1000      20000");
	ASSERT(line && strstr(line, "SLOWER") && strstr(line, "SLOWER") < strchr(line, '\n'));
	line = strstr(r.out, "testbed            60      10000");
	ASSERT(line && strstr(line, "no significant change") < strchr(line, '\n'));
	mp_run_result_free(&r);
	/* A 30% threshold tolerates the 25% slowdown. */
	r = mirperf("compare", fixture("base"), fixture("capped"), "--threshold");
	mp_run_result_free(&r);
	{
		char *argv[] = { (char *)mp_test_bin("mir-perf"), "compare", "--threshold", "30",
				 (char *)fixture("base"), (char *)fixture("capped"), NULL };

		ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
		ASSERT_EQ(r.status, 0);
		mp_run_result_free(&r);
	}
}

TEST(compare_and_report_refuse_corrupted_input)
{
	const char *run = fixture("capped");
	char path[4200], *text, *cut;
	struct mp_run_result r;

	/* A truncated row. */
	snprintf(path, sizeof(path), "%s/phases.csv", run);
	text = mp_test_read_file(path);
	cut = strrchr(text, ',');
	*cut = '\0';
	strcat(text, "\n");
	mp_test_write_file(path, text);
	free(text);
	r = mirperf("compare", fixture("base"), run, NULL);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	ASSERT_CONTAINS(r.err, "phases.csv:5:");
	ASSERT_CONTAINS(r.err, "corrupted");
	mp_run_result_free(&r);
	r = mirperf("report", run, NULL, NULL);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	mp_run_result_free(&r);
	/* A number that is not one. */
	run = fixture("base");
	snprintf(path, sizeof(path), "%s/samples.csv", run);
	text = mp_test_read_file(path);
	memcpy(strchr(text, '\n') + 1, "x", 1);
	mp_test_write_file(path, text);
	free(text);
	r = mirperf("compare", run, run, NULL);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	ASSERT_CONTAINS(r.err, "samples.csv:2:");
	mp_run_result_free(&r);
	/* Missing files, broken JSON. */
	r = mirperf("compare", "/nonexistent/run", run, NULL);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	ASSERT_CONTAINS(r.err, "/nonexistent/run/results.json");
	mp_run_result_free(&r);
	snprintf(path, sizeof(path), "%s/results.json", fixture("capped"));
	mp_test_write_file(path, "{\"run_id\": ");
	r = mirperf("export", "--format", "current-bench", fixture("capped"));
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	ASSERT_CONTAINS(r.err, "results.json:1:");
	mp_run_result_free(&r);
}

TEST(export_current_bench_field_rules)
{
	struct mp_run_result r = mirperf("export", "--format", "current-bench", fixture("base"));
	json_error_t je;
	json_t *root, *results, *res;
	size_t i, nmetrics = 0;

	ASSERT_EQ(r.status, 0);
	root = json_loads(r.out, 0, &je);
	ASSERT_MSG(root, "not JSON: %s", je.text);
	ASSERT(json_is_string(json_object_get(root, "name")));
	results = json_object_get(root, "results");
	ASSERT(json_is_array(results) && json_array_size(results) == 2);
	json_array_foreach(results, i, res) {
		json_t *metrics = json_object_get(res, "metrics"), *m;
		size_t k;

		ASSERT(json_is_string(json_object_get(res, "name")));
		ASSERT(json_is_array(metrics) && json_array_size(metrics) > 0);
		json_array_foreach(metrics, k, m) {
			const char *trend = json_string_value(json_object_get(m, "trend"));

			ASSERT(json_is_string(json_object_get(m, "name")));
			ASSERT(json_is_number(json_object_get(m, "value")));
			ASSERT(json_is_string(json_object_get(m, "units")));
			ASSERT(trend && (!strcmp(trend, "higher-is-better") ||
					 !strcmp(trend, "lower-is-better")));
			nmetrics++;
		}
	}
	ASSERT_EQ(nmetrics, 8);     /* forwarded and loss at 2 rates x 2 sizes */
	ASSERT_STREQ(json_string_value(json_object_get(json_array_get(results, 0), "name")),
		     "testbed/size-60");
	json_decref(root);
	mp_run_result_free(&r);
	r = mirperf("export", "--format", "csv", fixture("base"));
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	mp_run_result_free(&r);
}

/* tests/data/runs/receiver: a demo run with roles.receiver (60 B at 10 and
 * 30 kpps). The report adds latency vs offered rate and the distribution at
 * the highest rate without loss; compare lists latency; export has p50/p99. */
TEST_T(report_compare_export_show_latency, 120)
{
	const char *run = fixture("receiver");
	char path[4200], *html, *dat;
	struct mp_run_result r;

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	html = report_of(run);
	ASSERT_CONTAINS(html, "<figure id=\"latency\">");
	ASSERT_CONTAINS(html, "<figure id=\"latdist\">");
	ASSERT_CONTAINS(html, "60 B p99");
	ASSERT_CONTAINS(html, "60 B at 30000 pps");       /* no loss at either rate */
	ASSERT_CONTAINS(html, "lat p99 us");
	free(html);
	/* The distribution's median is the phase's p50 (same histogram). */
	snprintf(path, sizeof(path), "%s/plots/latdist.dat", run);
	dat = mp_test_read_file(path);
	ASSERT(dat);
	ASSERT_CONTAINS(dat, "2.000 137.471\n");
	free(dat);

	r = mirperf("compare", run, run, NULL);
	ASSERT_MSG(r.status == 0, "%s%s", r.out, r.err);
	ASSERT_CONTAINS(r.out, "Latency (the receiver's, us; lower is better)");
	ASSERT_CONTAINS(r.out, "137.5      137.5     +0.0%");
	mp_run_result_free(&r);

	r = mirperf("export", "--format", "current-bench", run);
	ASSERT_EQ(r.status, 0);
	ASSERT_CONTAINS(r.out, "\"latency-p99@30000pps\"");
	ASSERT_CONTAINS(r.out, "\"latency-p50@10000pps\"");
	mp_run_result_free(&r);
}

/* A copy of fixture `name` as tmpdir/NEW, its phases.csv's column `col`
 * multiplied by `scale` in every row (the project's CSV reader and writer). */
static const char *scaled_copy(const char *name, const char *as, const char *col, double scale)
{
	static char dst[4096];
	char src[4096], path[4200], err[256];
	char *argv[] = { "cp", "-R", src, dst, NULL };
	struct mp_csv csv;
	FILE *f;
	int c;

	snprintf(src, sizeof(src), "%s/%s", mp_test_src_path("tests/data/runs"), name);
	snprintf(dst, sizeof(dst), "%s/%s", mp_test_tmpdir(), as);
	ASSERT_EQ(mp_run_status(argv, 10000), 0);
	snprintf(path, sizeof(path), "%s/phases.csv", dst);
	ASSERT_EQ(mp_csv_read(path, &csv, err, sizeof(err)), 0);
	c = mp_csv_col(&csv, col);
	ASSERT(c >= 0);
	f = fopen(path, "w");
	ASSERT(f);
	for (size_t i = 0; i < csv.ncols; i++)
		mp_csv_field(f, csv.header[i], i == 0);
	fputc('\n', f);
	for (size_t r = 0; r < csv.nrows; r++) {
		for (size_t i = 0; i < csv.ncols; i++) {
			char num[64];

			if ((int)i == c && *csv.rows[r][i]) {
				mp_csv_num_str(num, sizeof(num), strtod(csv.rows[r][i], NULL) * scale);
				mp_csv_field(f, num, i == 0);
			} else {
				mp_csv_field(f, csv.rows[r][i], i == 0);
			}
		}
		fputc('\n', f);
	}
	ASSERT_EQ(fclose(f), 0);
	mp_csv_free(&csv);
	return dst;
}

/* compare --latency-threshold PCT: off by default (a p99 30% higher is
 * shown and marked, the exit code stays 0); on, a p99 higher by more than
 * PCT fails the comparison (exit 1) as a slowdown does, one within it not;
 * a lower p99 never does. */
TEST(compare_latency_threshold_gates_on_p99)
{
	const char *a = fixture("receiver");
	char worse[4096];
	struct mp_run_result r;

	snprintf(worse, sizeof(worse), "%s", scaled_copy("receiver", "p99-up", "lat_p99_us", 1.3));
	r = mirperf("compare", a, worse, NULL);
	ASSERT_MSG(r.status == 0, "%s%s", r.out, r.err);
	ASSERT_CONTAINS(r.out, "+30.0%  higher");
	ASSERT(!strstr(r.out, "P99 HIGHER"));
	mp_run_result_free(&r);
	{
		char *argv[] = { (char *)mp_test_bin("mir-perf"), "compare", "--latency-threshold",
				 "10", (char *)a, worse, NULL };

		ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
		ASSERT_MSG(r.status == MP_EXIT_FAIL, "%s%s", r.out, r.err);
		ASSERT_CONTAINS(r.out, "+30.0%  P99 HIGHER");
		ASSERT_CONTAINS(r.out, "2 phases' latency compared; 2 with p99 higher beyond 10.00%");
		mp_run_result_free(&r);
		argv[3] = "50";
		ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
		ASSERT_MSG(r.status == 0, "%s%s", r.out, r.err);
		ASSERT_CONTAINS(r.out, "0 with p99 higher beyond 50.00%");
		mp_run_result_free(&r);
		/* B better than A: no regression. */
		argv[3] = "10";
		argv[4] = worse;
		argv[5] = (char *)a;
		ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
		ASSERT_EQ(r.status, 0);
		mp_run_result_free(&r);
		argv[3] = "-5";
		ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
		ASSERT_EQ(r.status, MP_EXIT_USAGE);
		ASSERT_CONTAINS(r.err, "--latency-threshold takes a percentage");
		mp_run_result_free(&r);
	}
}

/* A search's answer in report, compare and export (issue 15), on a recorded
 * testbed search: tests/data/runs/search (60-byte frames, DUT capped at
 * 50 kpps, goals NDR and PDR 0.5%; its samples.csv kept to the header). */

/* A fresh copy of the fixture in the test's tmpdir (up to 8 at a time), with throughput.csv's
 * lower and upper bounds scaled by `scale` (1: as recorded). */
static const char *search_run(const char *name, double scale)
{
	static char dst[8][4096];
	static int slot;
	char *d = dst[slot++ % 8], src[4096], path[4200];
	char *argv[] = { "cp", "-R", src, d, NULL };

	snprintf(src, sizeof(src), "%s", mp_test_src_path("tests/data/runs/search"));
	snprintf(d, 4096, "%s/%s-%d", mp_test_tmpdir(), name, slot);
	ASSERT_EQ(mp_run_status(argv, 10000), 0);
	if (scale != 1) {
		char text[1024];

		snprintf(path, sizeof(path), "%s/throughput.csv", d);
		snprintf(text, sizeof(text),
			 "version,size,goal,goal_loss_pct,lower_pps,upper_pps,forwarded_pps,"
			 "lower_mbps,trials,search_s,status,gen_max_pps,reason\n"
			 "testbed,60,NDR,0,%.0f,%.0f,,,10,23,ok,,\n"
			 "testbed,60,PDR,0.5,%.0f,%.0f,,,10,23,ok,,\n",
			 47852 * scale, 48809 * scale, 47852 * scale, 48809 * scale);
		mp_test_write_file(path, text);
	}
	return d;
}

/* In a run of searches only, the forwarded and loss plots show the trials
 * in the order of their offered rate, not in the order they ran (a line
 * zigzagging back and forth). */
TEST_T(report_search_trials_plotted_by_offered_rate, 120)
{
	const char *run = search_run("x", 1);
	static const char *const plots[] = { "forwarded", "loss" };

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	free(report_of(run));
	for (size_t k = 0; k < 2; k++) {
		char path[4200], *dat, *line, *save = NULL;
		double prev = -1;
		int n = 0;

		snprintf(path, sizeof(path), "%s/plots/%s.dat", run, plots[k]);
		dat = mp_test_read_file(path);
		ASSERT_MSG(dat, "no %s", path);
		for (line = strtok_r(dat, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			double x = strtod(line, NULL);

			ASSERT_MSG(x >= prev, "%s.dat: %.3f after %.3f", plots[k], x, prev);
			prev = x;
			n++;
		}
		ASSERT(n > 10);
		free(dat);
	}
}

TEST_T(report_opens_with_the_search_answer, 120)
{
	const char *run = search_run("a", 1);
	char *html, *head, *prov, *plots;

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	html = report_of(run);
	head = strstr(html, "<h2>Throughput</h2>");
	prov = strstr(html, "<dl");
	plots = strstr(html, "<h2>Plots</h2>");
	ASSERT(head && prov && plots && head < prov && head < plots);
	/* The headline: both goals, pps in bold, Mbit/s, the status. */
	ASSERT_CONTAINS(head, "NDR (loss &le; 0%)");
	ASSERT_CONTAINS(head, "PDR (loss &le; 0.5%)");
	ASSERT_CONTAINS(head, "<td><b>47852</b></td><td>23.0</td>");
	ASSERT_CONTAINS(head, "generator-limited");
	/* The answer against frame size, then the trials over time. */
	ASSERT(strstr(html, "<figure id=\"throughput\">") < strstr(html, "<figure id=\"trials-60\">"));
	ASSERT(strstr(html, "<figure id=\"trials-60\">") < strstr(html, "<figure id=\"forwarded\">"));
	free(html);
}

/* The trials plot joins a search's trials in the order they ran (one line
 * through all 17 of the fixture's trial rows), and marks passes and the
 * others with points, not with lines of their own. */
TEST_T(report_trials_plot_joins_the_trials_in_order, 120)
{
	const char *run = search_run("t", 1);
	char path[4200], *gp, *dat, *html;
	size_t first_block = 0;

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	html = report_of(run);
	free(html);
	snprintf(path, sizeof(path), "%s/plots/trials-60.gp", run);
	gp = mp_test_read_file(path);
	ASSERT(gp);
	ASSERT_CONTAINS(gp, "index 0 using 1:2 with lines ");
	ASSERT_CONTAINS(gp, "title 'testbed: trials in order'");
	ASSERT_CONTAINS(gp, "index 1 using 1:2 with points ");
	ASSERT_CONTAINS(gp, "index 2 using 1:2 with points ");
	ASSERT(!strstr(gp, "linespoints"));
	snprintf(path, sizeof(path), "%s/plots/trials-60.dat", run);
	dat = mp_test_read_file(path);
	ASSERT(dat);
	/* The path: every trial row, in file order (times never go back). */
	{
		double last = -1;

		for (const char *l = dat; *l && *l != '\n'; l = strchr(l, '\n') + 1) {
			double t = strtod(l, NULL);

			ASSERT_MSG(t >= last, "the path goes back in time at %.3f", t);
			last = t;
			first_block++;
		}
	}
	ASSERT_EQ(first_block, 17);
	free(gp);
	free(dat);
}

TEST(compare_searches_by_their_bounds)
{
	const char *a = search_run("a", 1), *same = search_run("b", 1);
	struct mp_run_result r;

	r = mirperf("compare", a, same, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_CONTAINS(r.out, "2 goals compared; 0 significantly slower");
	/* Trials are not compared one by one. */
	ASSERT_CONTAINS(r.out, "0 phases compared");
	mp_run_result_free(&r);

	/* 1% lower: the intervals overlap, no change. */
	r = mirperf("compare", a, search_run("b", 0.99), NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_CONTAINS(r.out, "no significant change");
	mp_run_result_free(&r);

	/* 20% lower, intervals apart: slower, exit 1; the other way faster. */
	r = mirperf("compare", a, search_run("b", 0.8), NULL);
	ASSERT_EQ(r.status, MP_EXIT_FAIL);
	ASSERT_CONTAINS(r.out, "NDR        47852        38282   -20.00%  SLOWER");
	ASSERT_CONTAINS(r.out, "2 goals compared; 2 significantly slower");
	mp_run_result_free(&r);
	r = mirperf("compare", search_run("b", 0.8), a, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_CONTAINS(r.out, "faster");
	mp_run_result_free(&r);
}

TEST(export_has_search_goals)
{
	struct mp_run_result r = mirperf("export", "--format", "current-bench", search_run("a", 1));

	ASSERT_EQ(r.status, 0);
	ASSERT_CONTAINS(r.out, "\"name\": \"ndr\",\n          \"value\": 47852.0,\n"
			"          \"units\": \"pps\",\n          \"trend\": \"higher-is-better\"");
	ASSERT_CONTAINS(r.out, "\"name\": \"pdr-mbps\"");
	/* Trials are steps, not results. */
	ASSERT(!strstr(r.out, "forwarded@"));
	mp_run_result_free(&r);
}

TEST(report_refuses_corrupted_throughput)
{
	const char *run = search_run("a", 1);
	char path[4200];
	struct mp_run_result r;

	snprintf(path, sizeof(path), "%s/throughput.csv", run);
	mp_test_write_file(path, "version,size,goal,status\ntestbed,sixty,NDR,ok\n");
	r = mirperf("report", run, NULL, NULL);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	ASSERT_CONTAINS(r.err, "throughput.csv:2: column size");
	mp_run_result_free(&r);
}

/* tests/data/runs/mixed: the demo (cfg/testbed.yaml) recorded, a grid of 4
 * sizes (IMIX among them) at 10000 and 50000 pps and a search at 60 B with
 * 9 trials (phase 3); samples.csv kept to its header and results.json
 * without latency histograms. */
TEST_T(report_of_a_grid_with_a_search, 120)
{
	const char *run = fixture("mixed");
	char path[4200], *html, *dat;
	size_t lines = 0;

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	html = report_of(run);
	ASSERT_CONTAINS(strstr(html, "<h2>Throughput</h2>"), "<td><b>59992</b></td><td>28.8</td>");
	ASSERT(strstr(html, "<figure id=\"trials-60\">"));
	ASSERT(!strstr(html, "<figure id=\"trials-508\">"));     /* not searched */
	free(html);
	/* The grid's plot: its 8 phases, none of the trials. */
	snprintf(path, sizeof(path), "%s/plots/forwarded.dat", run);
	dat = mp_test_read_file(path);
	ASSERT(dat);
	for (const char *l = dat; *l; l = strchr(l, '\n') + 1)
		lines += *l != '\n';
	ASSERT_EQ(lines, 8);
	ASSERT(!strstr(dat, "59992"));
	free(dat);
}

/* IMIX is no frame size 0: the phase table and the comparison name the
 * mix as the log does, and the Mbit/s plot draws it apart from the fixed
 * sizes' line, at its mean frame size, not at x = 0 joined to 60 B. */
TEST_T(report_names_imix_and_plots_it_apart, 120)
{
	const char *run = fixture("mixed");
	char path[4200], *html, *dat, *gp, *table;

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	html = report_of(run);
	table = strstr(html, "<h2>Phases</h2>");
	ASSERT(table);
	ASSERT_EQ(count(table, "\">IMIX 7:4:1 (mean 357.8 B)</td>"), 2);
	ASSERT(!strstr(table, "\">0</td>"));      /* no size 0 */
	free(html);
	snprintf(path, sizeof(path), "%s/plots/mbps.dat", run);
	dat = mp_test_read_file(path);
	ASSERT(dat);
	/* The fixed sizes in one block, the mix in its own at 357.8 B. */
	ASSERT(strncmp(dat, "60 ", 3) == 0);
	ASSERT(!strstr(dat, "\n0 "));
	ASSERT_CONTAINS(dat, "\n\n\n357.8 ");
	free(dat);
	snprintf(path, sizeof(path), "%s/plots/mbps.gp", run);
	gp = mp_test_read_file(path);
	ASSERT(gp);
	ASSERT_CONTAINS(gp, "index 1 using 1:2 with points ");
	ASSERT_CONTAINS(gp, "IMIX 7:4:1 (mean 357.8 B), at its mean size");
	free(gp);
}

/* A report read in ten seconds: one plot for what differs only by frame
 * size (latency against offered rate: a colour per size, p50 solid and p99
 * dashed; the distribution: a line per size; the 100 ms rates: one figure
 * with a button per size), no plot of a single point (a search at one
 * size: its table says it), and the phase table in its own scrolling box
 * with its heading and key columns kept in view. */
TEST_T(report_one_plot_per_kind_and_a_scrolling_table, 120)
{
	const char *mixed = fixture("mixed"), *base = fixture("base");
	char path[4200], *html, *gp;

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	html = report_of(mixed);
	ASSERT_EQ(count(html, "<figure id=\"latency\">"), 1);
	ASSERT(!strstr(html, "id=\"latency-"));
	ASSERT(!strstr(html, "<figure id=\"throughput\">"));   /* one size searched */
	ASSERT_CONTAINS(html, "<div class=\"wide\"><table class=\"phases\">\n<thead><tr>"
			"<th class=\"key k0 text\">version</th><th class=\"key k1\">#</th>"
			"<th class=\"key k2\">size</th>");
	ASSERT_CONTAINS(html, "<td class=\"key k0 text\" title=\"testbed\">testbed</td>");
	ASSERT_CONTAINS(html, "table.phases th{position:sticky;top:0;");
	free(html);
	snprintf(path, sizeof(path), "%s/plots/latency.gp", mixed);
	gp = mp_test_read_file(path);
	ASSERT(gp);
	/* 4 sizes x p50, p99: 8 lines, a colour per size, p99 dashed. */
	ASSERT_EQ(count(gp, "'latency.dat' index "), 2 * 8);   /* svg and png */
	ASSERT_CONTAINS(gp, "linecolor 4 pointtype 1 dashtype 2 title '1496 B p99'");
	ASSERT_CONTAINS(gp, "linecolor 1 pointtype 1 dashtype 1 title 'IMIX 7:4:1 (mean 357.8 B) p50'");
	free(gp);

	html = report_of(base);
	ASSERT_EQ(count(html, "<figure id=\"series\" class=\"tabs\">"), 1);
	ASSERT(!strstr(html, "<figure id=\"series-"));
	ASSERT_EQ(count(html, "<input type=\"radio\" name=\"series\""), 2);
	ASSERT_CONTAINS(html, "id=\"tab-series-60\" checked><label for=\"tab-series-60\">60 B</label>");
	ASSERT_EQ(count(html, "<div class=\"panel\" id=\"series-"), 2);
	free(html);
}

TEST(compare_and_export_a_grid_with_a_search)
{
	const char *run = fixture("mixed");
	struct mp_run_result r = mirperf("compare", run, run, NULL);

	ASSERT_EQ(r.status, 0);
	/* The grid phase by phase, the search by its answer, no trial. */
	ASSERT_CONTAINS(r.out, "8 phases compared");
	ASSERT_CONTAINS(r.out, "testbed          imix      50000");   /* a mix, not size 0 */
	ASSERT_CONTAINS(r.out, "2 goals compared; 0 significantly slower");
	ASSERT(!strstr(r.out, "60      59992") && !strstr(r.out, "60      65208"));
	ASSERT(!strstr(r.out, "only in"));
	mp_run_result_free(&r);
	r = mirperf("export", "--format", "current-bench", run);
	ASSERT_EQ(r.status, 0);
	ASSERT_CONTAINS(r.out, "\"name\": \"testbed/size-60\"");
	ASSERT_CONTAINS(r.out, "\"name\": \"forwarded@50000pps\"");
	ASSERT_CONTAINS(r.out, "\"name\": \"ndr\"");
	ASSERT(!strstr(r.out, "forwarded@59992pps"));
	mp_run_result_free(&r);
}

/* TCP through the DUT, recorded on the testbed (cfg/tcp.yaml: 1 and 4
 * streams, 5 repetitions each): tests/data/runs/tcp through mir-perf-forward
 * --both, tests/data/runs/tcp-capped through the same forwarder capped at
 * 4000 frames/s each way (--max-pps 4000), which costs TCP most of its
 * rate. Compare works on the repetitions with Welch's test. */
TEST(compare_tcp_on_repetitions)
{
	struct mp_run_result r = mirperf("compare", fixture("tcp"), fixture("tcp"), NULL);
	char *line;

	ASSERT_MSG(r.status == 0, "%s%s", r.out, r.err);
	ASSERT_CONTAINS(r.out, "2 TCP tests compared; 0 significantly slower");
	line = strstr(r.out, "testbed              4      6.074 (5)      6.074 (5)");
	ASSERT_MSG(line && strstr(line, "no significant change") < strchr(line, '\n'), "%s", r.out);
	mp_run_result_free(&r);
	r = mirperf("compare", fixture("tcp"), fixture("tcp-capped"), NULL);
	ASSERT_EQ(r.status, MP_EXIT_FAIL);
	ASSERT_CONTAINS(r.out, "2 TCP tests compared; 2 significantly slower");
	line = strstr(r.out, "testbed              1      4.561 (5)     0.2454 (5)");
	ASSERT_MSG(line && strstr(line, "SLOWER") < strchr(line, '\n'), "%s", r.out);
	mp_run_result_free(&r);
	/* B faster than A: not a slowdown */
	r = mirperf("compare", fixture("tcp-capped"), fixture("tcp"), NULL);
	ASSERT_MSG(r.status == 0, "%s", r.out);
	ASSERT_CONTAINS(r.out, "faster");
	mp_run_result_free(&r);
	/* a TCP-only run against a grid: nothing in common, nothing slower */
	r = mirperf("compare", fixture("base"), fixture("tcp"), NULL);
	ASSERT_MSG(r.status == 0, "%s%s", r.out, r.err);
	ASSERT_CONTAINS(r.out, "only in B");
	mp_run_result_free(&r);
	r = mirperf("compare", fixture("tcp"), fixture("base"), NULL);
	ASSERT_MSG(r.status == 0, "%s%s", r.out, r.err);
	ASSERT_CONTAINS(r.out, "only in A");
	mp_run_result_free(&r);
}

TEST(report_and_export_of_tcp)
{
	char *html = report_of(fixture("tcp"));
	struct mp_run_result r;
	json_t *root, *res;
	json_error_t je;
	size_t i;
	const json_t *m;

	ASSERT_CONTAINS(html, "<h2>TCP through the DUT</h2>");
	/* 1 stream: mean 4.561, 95% CI, min 4.230, max 4.880 over 5 repetitions
	 * (four significant digits: an emulated CPU's few Mbit/s keep theirs) */
	ASSERT_CONTAINS(html, "<td>5 / 5</td><td><b>4.561</b></td><td>0.2899</td><td>4.23</td>"
			      "<td>4.88</td><td>5.1</td>");
	ASSERT_EQ(count(html, "<circle "), 10);     /* every repetition a dot */
	ASSERT_CONTAINS(html, "gso-tcpv4=1");      /* the negotiated features */
	ASSERT_CONTAINS(html, "tso on");            /* the traff-gen's offloads */
	ASSERT(!strstr(html, "<h2>Phases</h2>"));   /* a TCP-only run */
	free(html);
	r = mirperf("export", "--format", "current-bench", fixture("tcp"));
	ASSERT_MSG(r.status == 0, "%s", r.err);
	root = json_loads(r.out, 0, &je);
	ASSERT(root);
	res = json_object_get(root, "results");
	ASSERT_EQ(json_array_size(res), 2);
	ASSERT_STREQ(json_string_value(json_object_get(json_array_get(res, 1), "name")),
		     "testbed/tcp-4-streams");
	json_array_foreach(json_object_get(json_array_get(res, 0), "metrics"), i, m) {
		ASSERT_STREQ(json_string_value(json_object_get(m, "name")), "tcp-gbps");
		ASSERT_STREQ(json_string_value(json_object_get(m, "trend")), "higher-is-better");
		ASSERT(fabs(json_number_value(json_object_get(m, "value")) - 4.5612) < 1e-6);
	}
	json_decref(root);
	mp_run_result_free(&r);
}
