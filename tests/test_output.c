/* A run's files (output.c, csv.c), progress lines (progress.c) and the
 * hypervisor fallback (xc.c). */
#include "test.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hist.h"
#include "controller/results/csv.h"
#include "controller/results/output.h"
#include "controller/results/phases_csv.h"
#include "controller/sweep/progress.h"
#include "controller/host/xc.h"

static struct mp_plan *plan(void)
{
	struct mp_plan *p;
	const char *text = "name: out-test\nlibrary: {name: l, repo: r}\nversions: [v1]\n"
			   "traffic: {sizes: [60, 1496], rates: [1000, 2000]}\n";

	ASSERT_EQ(mp_plan_load_string(text, strlen(text), "p.yaml", "/", stderr, &p), 0);
	return p;
}

static void row(struct mp_phase_row *r, size_t phase, const char *status, double fwd)
{
	mp_summary_empty_row(r);
	r->version = "v1";
	r->phase = phase;
	r->size = phase < 2 ? 60 : 1496;
	r->rate = phase % 2 ? 2000 : 1000;
	r->status = status;
	r->reason = strcmp(status, "ok") ? "a reason, with \"quotes\"" : NULL;
	r->offered_pps = 1000;
	r->forwarded_pps = fwd;
	r->out_tx_pps = 0;
	r->out_iface = "vif2.1";
	r->samples = 20;
}

static void samples(struct mp_out *o, size_t phase, int n)
{
	for (int i = 0; i < n; i++) {
		struct mp_sample_row s = {
			.t_s = phase * 10 + i * 0.1, .version = "v1", .phase = phase, .size = 60,
			.rate = 1000, .window = "measure", .iface = "vif2.1", .role = "dut_out",
			.rx_packets = (uint64_t)i * 100, .rx_pps = i ? 1000 : NAN, .tx_pps = NAN,
		};

		ASSERT_EQ(mp_out_sample(o, &s), 0);
	}
	ASSERT_EQ(mp_out_flush(o), 0);
}

TEST(output_files_valid_and_resume_drops_unfinished)
{
	struct mp_plan *p = plan(), *rp;
	struct mp_out *o;
	struct mp_phase_row r;
	struct mp_csv csv;
	char err[512], path[4200], dir[4096];
	unsigned char *done;
	json_t *j;
	json_error_t je;
	struct mp_hist *h = mp_hist_new();
	char *buckets;

	ASSERT(h);
	for (uint64_t ns = 1000; ns < 5000000; ns = ns * 3 / 2)
		mp_hist_record(h, ns);
	ASSERT_EQ(mp_out_open(mp_test_tmpdir(), p, &o), 0);
	snprintf(dir, sizeof(dir), "%s", mp_out_dir(o));
	ASSERT(strncmp(mp_out_run_id(o), "out-test-", 9) == 0);
	mp_out_set_discovery(o, "10.200.0.150", "dhcp");
	mp_out_set_iface(o, "dut_out", "vif2.1");
	samples(o, 0, 5);
	row(&r, 0, "ok", 990);
	r.lat_hist = h;               /* a receiver's histogram */
	ASSERT_EQ(mp_out_phase(o, &r), 0);
	samples(o, 1, 5);
	row(&r, 1, "failed", NAN);
	ASSERT_EQ(mp_out_phase(o, &r), 0);
	samples(o, 2, 3);             /* phase 3 interrupted: no row */
	row(&r, 3, "skipped", NAN);
	ASSERT_EQ(mp_out_phase(o, &r), 0);
	ASSERT_EQ(mp_out_finish(o, "interrupted"), 0);
	mp_out_close(o);

	snprintf(path, sizeof(path), "%s/phases.csv", dir);
	ASSERT_EQ(mp_csv_read(path, &csv, err, sizeof(err)), 0);
	ASSERT_EQ(csv.nrows, 3);
	ASSERT_STREQ(csv.rows[1][mp_csv_col(&csv, "reason")], "a reason, with \"quotes\"");
	ASSERT_STREQ(csv.rows[1][mp_csv_col(&csv, "forwarded_pps")], "");
	ASSERT_STREQ(csv.rows[0][mp_csv_col(&csv, "forwarded_pps")], "990");
	mp_csv_free(&csv);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	j = json_load_file(path, 0, &je);
	ASSERT_MSG(j, "%s", je.text);
	ASSERT_STREQ(json_string_value(json_object_get(j, "status")), "interrupted");
	ASSERT_STREQ(json_string_value(json_object_get(json_object_get(j, "discovery"), "method")),
		     "dhcp");
	ASSERT_EQ(json_array_size(json_object_get(j, "phases")), 3);
	ASSERT(json_is_null(json_object_get(json_array_get(json_object_get(j, "phases"), 1),
					    "forwarded_pps")));
	json_decref(j);
	snprintf(path, sizeof(path), "%s/stats", dir);
	{
		char *s = mp_test_read_file(path);

		/* The generator's vif has no tx figure here: its line is left out. */
		ASSERT_CONTAINS(s, "Target packet rate: 1000    Packet size: 60\nvif2.1: Packets Rate: 990/0\n\n");
		free(s);
	}

	/* Resume: ok and failed phases are done; the skipped row and the
	 * interrupted phase's samples are gone. */
	ASSERT_EQ(mp_out_resume(dir, stderr, &rp, &done, &o), 0);
	ASSERT(done[0] && done[1] && !done[2] && !done[3]);
	samples(o, 2, 2);
	row(&r, 2, "ok", 1000);
	ASSERT_EQ(mp_out_phase(o, &r), 0);
	ASSERT_EQ(mp_out_finish(o, "completed"), 0);
	mp_out_close(o);
	snprintf(path, sizeof(path), "%s/phases.csv", dir);
	ASSERT_EQ(mp_csv_read(path, &csv, err, sizeof(err)), 0);
	ASSERT_EQ(csv.nrows, 3);
	ASSERT_STREQ(csv.rows[2][mp_csv_col(&csv, "phase")], "3");
	ASSERT_STREQ(csv.rows[2][mp_csv_col(&csv, "status")], "ok");
	mp_csv_free(&csv);
	snprintf(path, sizeof(path), "%s/samples.csv", dir);
	ASSERT_EQ(mp_csv_read(path, &csv, err, sizeof(err)), 0);
	ASSERT_EQ(csv.nrows, 5 + 5 + 2);
	mp_csv_free(&csv);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	j = json_load_file(path, 0, &je);
	ASSERT(j);
	ASSERT_EQ(json_array_size(json_object_get(j, "phases")), 3);
	/* The histogram of the phase finished before the resume is kept. */
	buckets = mp_hist_encode(h);
	ASSERT(buckets);
	ASSERT_STREQ(json_string_value(json_object_get(json_object_get(json_array_get(
		json_object_get(j, "phases"), 0), "latency_hist"), "buckets")), buckets);
	ASSERT(!json_object_get(json_array_get(json_object_get(j, "phases"), 2), "latency_hist"));
	free(buckets);
	free(h);
	json_decref(j);
	free(done);
	mp_plan_free(rp);
	mp_plan_free(p);
}

/* A run written by a mir-perf with other columns (one it no longer knows,
 * several it has since added) resumes: phases.csv is rewritten with today's
 * header, so the rows appended after it have the header's width. */
TEST(output_resume_of_a_run_with_other_columns)
{
	struct mp_plan *p = plan(), *rp;
	struct mp_out *o;
	struct mp_phase_row r;
	struct mp_phases ph;
	char err[512], path[4200], dir[4096];
	unsigned char *done;

	ASSERT_EQ(mp_out_open(mp_test_tmpdir(), p, &o), 0);
	snprintf(dir, sizeof(dir), "%s", mp_out_dir(o));
	mp_out_close(o);
	snprintf(path, sizeof(path), "%s/phases.csv", dir);
	mp_test_write_file(path, "version,phase,size,rate,status,old_figure,forwarded_pps\n"
			   "v1,1,60,1000,ok,7,990\n");
	ASSERT_EQ(mp_out_resume(dir, stderr, &rp, &done, &o), 0);
	ASSERT(done[0] && !done[1]);
	row(&r, 1, "ok", 1000);
	ASSERT_EQ(mp_out_phase(o, &r), 0);
	ASSERT_EQ(mp_out_finish(o, "completed"), 0);
	mp_out_close(o);
	ASSERT_MSG(mp_phases_read(path, &ph, err, sizeof(err)) == 0, "%s", err);
	ASSERT_EQ(ph.csv.ncols, mp_phases_tab.ncols);
	ASSERT_EQ(ph.nrows, 2);
	ASSERT(ph.rows[0].forwarded_pps == 990 && isnan(ph.rows[0].offered_pps));
	ASSERT(ph.rows[1].forwarded_pps == 1000 && ph.rows[1].offered_pps == 1000);
	mp_phases_free(&ph);
	free(done);
	mp_plan_free(rp);
	mp_plan_free(p);
}

TEST(output_unwritable_base_is_an_error)
{
	struct mp_plan *p = plan();
	struct mp_out *o;

	ASSERT(mp_out_open("/proc/mir-perf-no", p, &o) < 0);
	mp_plan_free(p);
}

TEST(csv_reader_rejects_corruption)
{
	struct mp_csv c;
	char err[256];

	ASSERT_EQ(mp_csv_parse("a,b\n1,\"x,\"\"y\"\"\"\n", 16, "t.csv", &c, err, sizeof(err)), 0);
	ASSERT_STREQ(c.rows[0][1], "x,\"y\"");
	mp_csv_free(&c);
	ASSERT_EQ(mp_csv_parse("a,b\n1,2\n3\n", 10, "t.csv", &c, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "t.csv:3: 1 fields where the header has 2 (a truncated or corrupted row)");
	ASSERT_EQ(mp_csv_parse("a,b\n1,\"2\n", 9, "t.csv", &c, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "never ends");
	ASSERT_EQ(mp_csv_parse("", 0, "t.csv", &c, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(mp_csv_parse("a\nx\"y\n", 6, "t.csv", &c, err, sizeof(err)), -EINVAL);
}

TEST(progress_one_line_per_phase_off_a_terminal)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mp_progress *p = mp_progress_new(f, 0, 4);
	struct mp_phase_row r;

	mp_progress_update(p, 0, "v1", 60, 1000, 990, 980, 1000000000);
	row(&r, 0, "ok", 980);
	r.loss_pct = 2;
	mp_progress_phase_done(p, &r);
	mp_progress_free(p);
	fclose(f);
	ASSERT_STREQ(buf, "phase 1/4 ok: v1, size 60, rate 1000 pps: offered 1.0k pps, "
		     "forwarded 980 pps, loss 2.00%\n");
	free(buf);
	/* Quiet: nothing at all. */
	buf = NULL;
	f = open_memstream(&buf, &len);
	p = mp_progress_new(f, 1, 4);
	mp_progress_phase_done(p, &r);
	mp_progress_free(p);
	fclose(f);
	ASSERT_STREQ(buf, "");
	free(buf);
}

TEST(xc_unavailable_without_privcmd)
{
	struct mp_xc *x = NULL;
	char why[256] = "";

	if (access("/dev/xen/privcmd", F_OK) == 0)
		SKIP("this machine has /dev/xen/privcmd");
	ASSERT(mp_xc_open(&x, why, sizeof(why)) < 0);
	ASSERT(x == NULL);
	ASSERT_CONTAINS(why, "/dev/xen/privcmd");
}
