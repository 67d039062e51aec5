/* The receiver in a sweep on the namespace testbed (issue 16): loss by
 * sequence against the counters for a DUT capped with --max-pps, the
 * receiver's columns, latency.csv and the histograms in results.json; and a
 * plan with a receiver on a traff-gen without the third vif. Needs root. */
#include "test.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "common/hist.h"
#include "tbutil.h"

#define RUN_TIMEOUT_MS (240 * 1000)

/* A copy of cfg/testbed/NAME.cfg in the tmpdir with `from` replaced by `to`. */
static const char *cfg_variant(const char *name, const char *from, const char *to)
{
	static char path[2][4096];
	static int slot;
	char rel[64], *text, *at, *out;

	snprintf(rel, sizeof(rel), "cfg/testbed/%s.cfg", name);
	text = mp_test_read_file(mp_test_src_path(rel));
	ASSERT_MSG(text && (at = strstr(text, from)), "%s has no \"%s\"", rel, from);
	out = malloc(strlen(text) + strlen(to) + 1);
	ASSERT(out);
	sprintf(out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	slot = !slot;
	snprintf(path[slot], sizeof(path[slot]), "%s/%s.cfg", mp_test_tmpdir(), name);
	mp_test_write_file(path[slot], out);
	free(text);
	free(out);
	return path[slot];
}

static double num(const struct tb_csv *c, size_t r, const char *col)
{
	int i = tb_csv_col(c, col);

	ASSERT_MSG(i >= 0, "no column %s", col);
	return *c->rows[r][i] ? strtod(c->rows[r][i], NULL) : NAN;
}

/* A DUT capped at 5000 pps offered 10000: the receiver's loss by sequence
 * is the counters' loss within 0.1 percentage point; every latency column
 * is filled; latency.csv has the 100 ms series; results.json keeps the
 * phase's histogram, whose counts add up to the frames received. */
TEST_T(sweep_receiver_loss_by_sequence_matches_counters, 300)
{
	const char *dut = cfg_variant("dut", "--in eth0 --out eth1", "--in eth0 --out eth1 --max-pps 5000");
	const char *tg = mp_test_src_path("cfg/testbed/traffgen.cfg");
	char out[4096], path[4096];
	const char *plan, *run;
	struct tb_csv ph, lat;
	json_t *res, *hist;
	json_error_t jerr;
	double lost, frames, seq_loss, loss;
	struct mp_hist *h = mp_hist_new();

	tb_up();
	plan = tb_plan("receiver.yaml", "@DUT_CFG@", dut, "@TG_CFG@", tg, "@BOOT_TIMEOUT@", "60s",
		       "@SIZES@", "60", "@RATES@", "10000", "@DURATION@", "4s", "@COOLDOWN@",
		       "500ms", NULL);
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--plan", plan, "--out", out, NULL), 0);
	run = tb_run_dir(out);
	ASSERT(run);
	snprintf(path, sizeof(path), "%s/phases.csv", run);
	ASSERT_EQ(tb_csv_load(path, &ph), 0);
	ASSERT_EQ(ph.nrows, 2);
	lost = num(&ph, 1, "lost");
	frames = num(&ph, 1, "rx_pps") * 4;
	loss = num(&ph, 1, "loss_pct");
	seq_loss = 100 * lost / (lost + frames);
	printf("counters: %.3f%% lost; sequence: %.0f of %.0f, %.3f%%\n", loss, lost,
	       lost + frames, seq_loss);
	ASSERT(loss > 40 && loss < 60);
	ASSERT_MSG(fabs(seq_loss - loss) < 0.1, "sequence %.3f%% vs counters %.3f%%", seq_loss, loss);
	ASSERT_EQ(num(&ph, 1, "duplicated"), 0);
	ASSERT(num(&ph, 1, "lat_min_us") > 0);
	ASSERT(num(&ph, 1, "lat_p50_us") <= num(&ph, 1, "lat_p99_us"));
	ASSERT(num(&ph, 1, "lat_p99_us") <= num(&ph, 1, "lat_p999_us"));
	ASSERT(num(&ph, 1, "lat_p999_us") <= num(&ph, 1, "lat_max_us"));
	ASSERT(!isnan(num(&ph, 1, "jitter_us")));
	tb_csv_free(&ph);

	snprintf(path, sizeof(path), "%s/latency.csv", run);
	ASSERT_EQ(tb_csv_load(path, &lat), 0);
	ASSERT(lat.nrows > 40);          /* 5 s of 100 ms samples, and a header */
	ASSERT(tb_csv_col(&lat, "lat_p99_us") >= 0);
	tb_csv_free(&lat);

	snprintf(path, sizeof(path), "%s/results.json", run);
	res = json_load_file(path, 0, &jerr);
	ASSERT_MSG(res, "results.json: %s", jerr.text);
	hist = json_object_get(json_array_get(json_object_get(res, "phases"), 0), "latency_hist");
	ASSERT_STREQ(json_string_value(json_object_get(hist, "unit")), "ns");
	ASSERT(h);
	ASSERT_EQ(mp_hist_decode(json_string_value(json_object_get(hist, "buckets")), h), 0);
	ASSERT_MSG(fabs((double)h->count - frames) < 1, "histogram %llu, frames %.0f",
		   (unsigned long long)h->count, frames);
	ASSERT_EQ(json_integer_value(json_object_get(hist, "count")), h->count);
	free(h);
	json_decref(res);
}

/* IMIX 7:4:1 through a DUT that drops every 4th frame (mir-perf-forward
 * --drop-every 4, a periodic drop whatever the load): a quarter is lost,
 * and the frames forwarded have the mix's mean size (the DUT's out vif's
 * bytes over its frames), because the mix's order changes from period to
 * period. With one fixed pattern of 12 the drops always fell on the same
 * three places of it: 457 B forwarded on average for a mix of 357.8 B. */
TEST_T(sweep_imix_through_a_periodic_drop_keeps_the_mix, 300)
{
	const char *dut = cfg_variant("dut", "--in eth0 --out eth1",
				      "--in eth0 --out eth1 --drop-every 4");
	const char *tg = mp_test_src_path("cfg/testbed/traffgen.cfg");
	char out[4096], path[4096];
	const char *plan;
	struct tb_csv ph;
	double mean, loss;

	tb_up();
	plan = tb_plan("receiver.yaml", "@DUT_CFG@", dut, "@TG_CFG@", tg, "@BOOT_TIMEOUT@", "60s",
		       "@SIZES@", "imix", "@RATES@", "10000", "@DURATION@", "4s", "@COOLDOWN@",
		       "500ms", NULL);
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, NULL, "--plan", plan, "--out", out, "--quiet",
			     NULL), 0);
	snprintf(path, sizeof(path), "%s/phases.csv", tb_run_dir(out));
	ASSERT_EQ(tb_csv_load(path, &ph), 0);
	ASSERT_EQ(ph.nrows, 2);
	loss = num(&ph, 1, "count_loss_pct");
	ASSERT_MSG(fabs(loss - 25) < 1, "loss %.2f%%", loss);
	mean = num(&ph, 1, "forwarded_mbps") * 1e6 / 8 / num(&ph, 1, "forwarded_pps");
	ASSERT_MSG(fabs(mean / 357.8 - 1) < 0.03, "forwarded frames average %.1f B, the mix "
		   "357.8 B", mean);
	/* The receiver tells the sizes apart: frames of each in the mix's
	 * proportions 7:4:1 (58.3%, 33.3%, 8.3%). */
	{
		const char *t = ph.rows[1][tb_csv_col(&ph, "rx_sizes")];
		unsigned long long n60, n590, n1514;
		double all;

		ASSERT_MSG(sscanf(t, "60:%llu,590:%llu,1514:%llu", &n60, &n590, &n1514) == 3,
			   "rx_sizes \"%s\"", t);
		all = (double)(n60 + n590 + n1514);
		ASSERT_MSG(fabs(n60 / all - 7.0 / 12) < 0.02 && fabs(n590 / all - 4.0 / 12) < 0.02 &&
			   fabs(n1514 / all - 1.0 / 12) < 0.02, "rx_sizes %s", t);
		ASSERT_MSG(fabs(all / 4 - num(&ph, 1, "rx_pps")) < 1, "%.0f frames by size, rx_pps %.0f",
			   all, num(&ph, 1, "rx_pps"));
	}
	tb_csv_free(&ph);
}

/* roles.receiver on a traff-gen whose config has no third vif: the run
 * stops after the boot timeout saying which vif is missing and what to do. */
TEST_T(sweep_receiver_without_third_vif_is_an_error, 180)
{
	const char *tg = cfg_variant("traffgen", ",\n        'mac=00:16:3e:6d:70:02,bridge=if2'", "");
	const char *dut = mp_test_src_path("cfg/testbed/dut.cfg");
	char out[4096], *err = NULL;
	const char *plan;

	tb_up();
	plan = tb_plan("receiver.yaml", "@DUT_CFG@", dut, "@TG_CFG@", tg, "@SIZES@", "60",
		       "@BOOT_TIMEOUT@", "5s",
		       "@RATES@", "1000", "@DURATION@", "1s", "@COOLDOWN@", "500ms", NULL);
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	ASSERT_EQ(tb_mirperf(RUN_TIMEOUT_MS, NULL, &err, "--plan", plan, "--out", out, NULL), 1);
	ASSERT_CONTAINS(err, "roles.receiver is vif 2 of traffgen");
	ASSERT_CONTAINS(err, "add it (a third vif on bridge if2");
	free(err);
}
