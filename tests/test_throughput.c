/* throughput.csv (issue 15): rows written are read back by name, empty cells
 * stay empty, corrupted files are refused with the line. */
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "controller/results/throughput.h"
#include "controller/sweep/search.h"

TEST(throughput_csv_round_trip)
{
	char path[4096], err[512];
	struct mp_tput_row a, b;
	struct mp_tput t;
	FILE *f;

	snprintf(path, sizeof(path), "%s/throughput.csv", mp_test_tmpdir());
	f = fopen(path, "w");
	ASSERT(f);
	mp_coltab_header(&mp_tput_tab, f);
	mp_coltab_empty(&mp_tput_tab, &a);
	a.version = "v1, \"quoted\"";
	a.size = 60;
	a.goal = "NDR";
	a.goal_loss_pct = 0;
	a.lower_pps = 123457;
	a.upper_pps = 124077;
	a.forwarded_pps = 123456.5;
	a.lower_mbps = 59.259;
	a.trials = 11;
	a.search_s = 41.5;
	a.status = "ok";
	mp_coltab_row(&mp_tput_tab, f, &a);
	mp_coltab_empty(&mp_tput_tab, &b);
	b.version = "v1";
	b.size = 1496;
	b.goal = "PDR";
	b.goal_loss_pct = 0.5;
	b.lower_pps = 300000;
	b.status = "generator-limited";
	b.gen_max_pps = 301500;
	mp_coltab_row(&mp_tput_tab, f, &b);
	fclose(f);

	ASSERT_EQ(mp_tput_read(path, &t, err, sizeof(err)), 0);
	ASSERT_EQ(t.nrows, 2);
	ASSERT_STREQ(t.rows[0].version, "v1, \"quoted\"");
	ASSERT_EQ(t.rows[0].size, 60);
	ASSERT(t.rows[0].lower_pps == 123457 && t.rows[0].upper_pps == 124077);
	ASSERT(t.rows[0].forwarded_pps == 123456.5);
	ASSERT_EQ(t.rows[0].trials, 11);
	ASSERT(isnan(t.rows[0].gen_max_pps));
	ASSERT(t.rows[0].reason == NULL);
	ASSERT_STREQ(t.rows[1].status, "generator-limited");
	ASSERT(isnan(t.rows[1].upper_pps));
	ASSERT(t.rows[1].goal_loss_pct == 0.5);
	mp_tput_free(&t);

	f = fopen(path, "w");
	fputs("version,size,goal,status\nv1,sixty,NDR,ok\n", f);
	fclose(f);
	ASSERT_EQ(mp_tput_read(path, &t, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "throughput.csv:2: column size: \"sixty\" is not a whole number");
	f = fopen(path, "w");
	fputs("version,size,status\nv1,60,ok\n", f);
	fclose(f);
	ASSERT_EQ(mp_tput_read(path, &t, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "no column goal");
}

/* A goal's row: Mbit/s from the frame size, and for IMIX from the mix's
 * mean frame (not size 0, which gave 0 Mbit/s). */
TEST(throughput_goal_row_mbps_imix_by_mean_frame)
{
	static char *versions[] = { "v1" };
	unsigned sizes[] = { 60, MP_SIZE_IMIX };
	struct mp_plan p = { .versions = versions, .nversions = 1, .sizes = sizes, .nsizes = 2 };
	struct mp_search_goal g = { .name = "NDR", .status = MP_SEARCH_OK, .lower = 100000,
				    .upper = 100500, .trials = 7, .search_ns = 12500000000ULL };
	struct mp_phase ph = { .version = 0, .size = 60 };
	struct mp_tput_row r;

	mp_imix_default(&p.imix);
	mp_search_tput_row(&r, &p, &ph, &g, 0);
	ASSERT(fabs(r.lower_mbps - 100000.0 * 60 * 8 / 1e6) < 1e-9);
	ASSERT(r.upper_pps == 100500 && r.search_s == 12.5 && r.trials == 7);
	ASSERT(isnan(r.gen_max_pps) && r.reason == NULL);
	ASSERT_STREQ(r.status, "ok");
	ph.size = MP_SIZE_IMIX;
	mp_search_tput_row(&r, &p, &ph, &g, 0);
	ASSERT(r.lower_mbps > 0);
	ASSERT(fabs(r.lower_mbps - 100000.0 * mp_imix_mean(&p.imix) * 8 / 1e6) < 1e-9);
	g.lower = 0;
	mp_search_tput_row(&r, &p, &ph, &g, 0);
	ASSERT(isnan(r.lower_mbps) && isnan(r.lower_pps));
}
