/* A phase's figures from its samples (summary.c): exact, hand-computed. */
#include "test.h"

#include <math.h>

#include "controller/results/summary.h"

static int NEAR(double a, double b)
{
	return fabs(a - b) < 1e-9 * (fabs(b) + 1);
}

TEST(summary_rates_loss_percentiles)
{
	/* Generator: 1000 pps exactly over 1 s. DUT out: intervals of 100 ms
	 * and 200 ms forwarding 90, 80, 180 packets (900, 800, 900 pps). */
	struct mp_summary_point g[] = {
		{ .t_ns = 0, .rx_packets = 0, .tx_packets = 7 },
		{ .t_ns = 1000000000, .rx_packets = 1000, .tx_packets = 12 },
	};
	struct mp_summary_point d[] = {
		{ .t_ns = 0, .rx_packets = 10, .rx_bytes = 600 },
		{ .t_ns = 100000000, .rx_packets = 100, .rx_bytes = 6000 },
		{ .t_ns = 200000000, .rx_packets = 180, .rx_bytes = 10800 },
		{ .t_ns = 400000000, .rx_packets = 360, .rx_bytes = 21600 },
	};
	struct mp_summary_input in = {
		.generator = g, .ngenerator = 2, .dut_out = d, .ndut_out = 4,
		.gen_sent_packets = 1002, .gen_sent_s = 1.0, .dut_cpu_ns = 700000,
	};
	struct mp_phase_row row;

	mp_summary_empty_row(&row);
	mp_summary_compute(&in, &row);
	ASSERT(NEAR(row.offered_pps, 1000));
	ASSERT(NEAR(row.forwarded_pps, 350 / 0.4));                 /* 875 */
	ASSERT(NEAR(row.loss_pct, 12.5));
	ASSERT(NEAR(row.forwarded_mbps, 21000.0 * 8 / 0.4 / 1e6));  /* 0.42 */
	ASSERT(NEAR(row.forwarded_pps_p50, 900));
	ASSERT(NEAR(row.forwarded_pps_p5, 810));                    /* 800 + 0.1 * 100 */
	ASSERT(NEAR(row.forwarded_pps_p95, 900));
	ASSERT(NEAR(row.gen_sent_pps, 1002));
	ASSERT(NEAR(row.dut_cpu_ns_per_pkt, 2000));                 /* 700000 / 350 */
	ASSERT_EQ(row.samples, 4);
	ASSERT(NEAR(row.gen_tx_pps, 5));                            /* (12 - 7) / 1 s */
	ASSERT(NEAR(row.out_tx_pps, 0));
}

TEST(summary_unavailable_is_nan)
{
	struct mp_summary_point one = { .t_ns = 5, .rx_packets = 1 };
	struct mp_summary_input in = {
		.generator = &one, .ngenerator = 1, .dut_out = &one, .ndut_out = 1,
		.gen_sent_packets = NAN, .gen_sent_s = NAN, .dut_cpu_ns = NAN,
	};
	struct mp_phase_row row;

	mp_summary_empty_row(&row);
	mp_summary_compute(&in, &row);
	ASSERT(isnan(row.offered_pps) && isnan(row.forwarded_pps) && isnan(row.loss_pct));
	ASSERT(isnan(row.forwarded_pps_p50) && isnan(row.gen_sent_pps));
	ASSERT(isnan(row.dut_cpu_ns_per_pkt) && isnan(row.forwarded_mbps));
	ASSERT(isnan(row.gen_tx_pps) && isnan(row.out_tx_pps));
	ASSERT(row.status == NULL && row.reason == NULL);
}

TEST(summary_more_forwarded_than_offered_is_no_loss)
{
	struct mp_summary_point g[] = { { .t_ns = 0 }, { .t_ns = 1000000000, .rx_packets = 100 } };
	struct mp_summary_point d[] = { { .t_ns = 0 }, { .t_ns = 1000000000, .rx_packets = 101 } };
	struct mp_summary_input in = { g, 2, d, 2, NAN, NAN, NAN };
	struct mp_phase_row row;

	mp_summary_empty_row(&row);
	mp_summary_compute(&in, &row);
	ASSERT(NEAR(row.loss_pct, 0));
}
