/* A phase's figures from its measure-window samples (summary.h). */
#include "controller/results/summary.h"

#include <math.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/stats.h"
#include "controller/results/phases_csv.h"

void mp_summary_empty_row(struct mp_phase_row *row)
{
	mp_coltab_empty(&mp_phases_tab, row);
	row->gen_tx_pps = row->out_tx_pps = NAN;
}

/* Rate of rx packets between the first and last sample, over their real
 * elapsed time. */
static double window_rate(const struct mp_summary_point *p, size_t n, double *packets,
			  double *bytes, double *secs)
{
	double dt;

	if (n < 2 || p[n - 1].t_ns <= p[0].t_ns)
		return NAN;
	dt = (double)(p[n - 1].t_ns - p[0].t_ns) / MP_NS_PER_SEC;
	*packets = (double)(p[n - 1].rx_packets - p[0].rx_packets);
	*bytes = (double)(p[n - 1].rx_bytes - p[0].rx_bytes);
	*secs = dt;
	return *packets / dt;
}

/* The same for tx packets. */
static double window_tx_rate(const struct mp_summary_point *p, size_t n)
{
	if (n < 2 || p[n - 1].t_ns <= p[0].t_ns)
		return NAN;
	return (double)(p[n - 1].tx_packets - p[0].tx_packets) /
	       ((double)(p[n - 1].t_ns - p[0].t_ns) / MP_NS_PER_SEC);
}

void mp_summary_compute(const struct mp_summary_input *in, struct mp_phase_row *row)
{
	double gp = 0, gb = 0, gs = 0, fp = 0, fb = 0, fs = 0;
	double *rates;
	size_t nr = 0;

	row->samples = in->ndut_out;
	row->offered_pps = window_rate(in->generator, in->ngenerator, &gp, &gb, &gs);
	row->forwarded_pps = window_rate(in->dut_out, in->ndut_out, &fp, &fb, &fs);
	row->gen_tx_pps = window_tx_rate(in->generator, in->ngenerator);
	row->out_tx_pps = window_tx_rate(in->dut_out, in->ndut_out);
	row->forwarded_mbps = isnan(row->forwarded_pps) ? NAN : fb * 8 / fs / 1e6;
	if (!isnan(row->offered_pps) && !isnan(row->forwarded_pps) && row->offered_pps > 0) {
		row->loss_pct = 100.0 * (row->offered_pps - row->forwarded_pps) / row->offered_pps;
		if (row->loss_pct < 0)
			row->loss_pct = 0;
	}
	rates = in->ndut_out > 1 ? malloc((in->ndut_out - 1) * sizeof(double)) : NULL;
	for (size_t i = 1; rates && i < in->ndut_out; i++) {
		const struct mp_summary_point *a = &in->dut_out[i - 1], *b = &in->dut_out[i];

		if (b->t_ns > a->t_ns)
			rates[nr++] = (double)(b->rx_packets - a->rx_packets) /
				((double)(b->t_ns - a->t_ns) / MP_NS_PER_SEC);
	}
	if (nr) {
		row->forwarded_pps_p5 = mp_percentile(rates, nr, 5);
		row->forwarded_pps_p50 = mp_percentile(rates, nr, 50);
		row->forwarded_pps_p95 = mp_percentile(rates, nr, 95);
	}
	free(rates);
	if (!isnan(in->gen_sent_packets) && !isnan(in->gen_sent_s) && in->gen_sent_s > 0)
		row->gen_sent_pps = in->gen_sent_packets / in->gen_sent_s;
	if (!isnan(in->dut_cpu_ns) && fp > 0)
		row->dut_cpu_ns_per_pkt = in->dut_cpu_ns / fp;
}
