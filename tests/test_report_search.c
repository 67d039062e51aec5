/* A search's answer in report, compare and export (issue 15), on a recorded
 * testbed search: tests/data/runs/search (60-byte frames, DUT capped at
 * 50 kpps, goals NDR and PDR 0.5%; its samples.csv kept to the header). */
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/run.h"

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

static struct mp_run_result mirperf(const char *a, const char *b, const char *c, const char *d)
{
	char *argv[] = { (char *)mp_test_bin("mir-perf"), (char *)a, (char *)b, (char *)c,
			 (char *)d, NULL };
	struct mp_run_result r;

	ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
	return r;
}

TEST_T(report_opens_with_the_search_answer, 120)
{
	const char *run = search_run("a", 1);
	char path[4200], *html, *head, *prov, *plots;
	struct mp_run_result r;

	mp_test_require_prog("gnuplot", "gnuplot-nox");
	r = mirperf("report", run, NULL, NULL);
	ASSERT_MSG(r.status == 0, "report: %s", r.err);
	mp_run_result_free(&r);
	snprintf(path, sizeof(path), "%s/report.html", run);
	html = mp_test_read_file(path);
	ASSERT(html);
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
