/* The throughput search (src/controller/sweep/search.c) against a simulated DUT:
 * correctness for three caps, repeatability over five searches of a DUT
 * whose cap varies by 0.1% from trial to trial, and the time its trials
 * take against a plain bisection with final-duration trials to the same
 * width (one bisection per goal, as RFC 2544 searches). Trial time counts
 * each trial's duration plus 1.5 s of warm-up, drain and requests. No
 * sockets, no clock: what it measures is the algorithm, not the testbed.
 *
 *   build/bench/search_sim      (bench/bench_search.sh runs it)
 * Prints a table, then "metric<TAB>name<TAB>value<TAB>units<TAB>trend" lines. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "controller/sweep/search.h"

#define OVERHEAD_NS 1500000000ULL
#define GEN_CAP 400000.0
#define JITTER 0.001

struct dut {
	double cap;
	uint32_t rng;
};

static double jittered(struct dut *d)
{
	d->rng = d->rng * 1103515245u + 12345u;
	return d->cap * (1 + JITTER * ((double)(d->rng >> 8) / (1u << 24) * 2 - 1));
}

/* One trial: frames sent and forwarded at `rate` (0: the generator's max). */
static struct mp_search_result trial(struct dut *d, uint64_t rate, uint64_t dur_ns)
{
	double win = (double)dur_ns / 1e9, offered = rate ? fmin((double)rate, GEN_CAP) : GEN_CAP;
	double fwd = fmin(offered, jittered(d));
	struct mp_search_result r = {
		.sent = (uint64_t)(offered * win), .forwarded = (uint64_t)(fwd * win),
		.offered_pps = offered, .forwarded_pps = fwd,
	};
	return r;
}

static struct mp_plan_search config(void)
{
	static char ndr[] = "NDR", pdr[] = "PDR";
	struct mp_plan_search c = {
		.goals = { { ndr, 0 }, { pdr, 0.5 } }, .ngoals = 2, .min_rate = 1000,
		.max_rate = 0, .width_pct = 0.5, .initial_ns = 1000000000ULL,
		.final_ns = 10000000000ULL, .timeout_ns = 3600ULL * 1000000000ULL,
	};
	return c;
}

/* The search; goals into g[2]; its trial time. */
static double search(struct dut *d, struct mp_search_goal *g)
{
	struct mp_plan_search c = config();
	struct mp_search *s = mp_search_new(&c, OVERHEAD_NS);
	struct mp_search_trial t;
	uint64_t elapsed = 0;
	char decision[128];

	while (mp_search_next(s, &t)) {
		struct mp_search_result r = trial(d, t.rate, t.duration_ns);

		elapsed += t.duration_ns + OVERHEAD_NS;
		r.elapsed_ns = elapsed;
		mp_search_result(s, &r, decision, sizeof(decision));
	}
	mp_search_goal(s, 0, &g[0]);
	mp_search_goal(s, 1, &g[1]);
	mp_search_free(s);
	return (double)elapsed / 1e9;
}

/* Plain bisection with final trials between min_rate and the generator's
 * maximum until (hi - lo) / hi <= width; its trial time, the bound in *lo. */
static double bisect(struct dut *d, double loss, double *lo_out)
{
	struct mp_plan_search c = config();
	double lo = (double)c.min_rate, hi = GEN_CAP, t = 0;

	while ((hi - lo) / hi > c.width_pct / 100) {
		uint64_t mid = (uint64_t)((lo + hi) / 2);
		struct mp_search_result r = trial(d, mid, c.final_ns);
		double l = r.sent ? (double)(r.sent - r.forwarded) / (double)r.sent : 0;

		t += (double)(c.final_ns + OVERHEAD_NS) / 1e9;
		if (l <= loss * (1 + 1e-9))
			lo = (double)mid;
		else
			hi = (double)mid;
	}
	*lo_out = lo;
	return t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static const double caps[] = { 50000, 123457, 250000 };
	double ndr[5], med, t_search = 0, t_bisect = 0;
	struct mp_search_goal g[2];

	printf("%-28s %10s %10s %10s %10s %8s %8s\n", "DUT cap (pps, jitter 0.1%)", "NDR", "PDR",
	       "NDR/cap", "PDR/cap", "search s", "bisect s");
	for (size_t i = 0; i < 3; i++) {
		struct dut d = { caps[i], 7 }, e = { caps[i], 7 };
		double ts = search(&d, g), b0, b1;
		double tb = bisect(&e, 0, &b0) + bisect(&e, 0.005, &b1);

		printf("%-28.0f %10llu %10llu %10.4f %10.4f %8.0f %8.0f\n", caps[i],
		       (unsigned long long)g[0].lower, (unsigned long long)g[1].lower,
		       (double)g[0].lower / caps[i], (double)g[1].lower / caps[i], ts, tb);
		printf("metric\tndr-over-cap-%.0f\t%.4f\tratio\thigher-is-better\n", caps[i],
		       (double)g[0].lower / caps[i]);
		t_search += ts;
		t_bisect += tb;
	}
	for (uint32_t k = 0; k < 5; k++) {
		struct dut d = { 123457, 1000 + k * 7919 };

		search(&d, g);
		ndr[k] = (double)g[0].lower;
	}
	qsort(ndr, 5, sizeof(ndr[0]), cmp);
	med = ndr[2];
	printf("\nrepeatability, 5 searches of a DUT capped at 123457 pps: NDR %.0f..%.0f, "
	       "spread %.3f%% of the median (width 0.5%%)\n", ndr[0], ndr[4],
	       100 * (ndr[4] - ndr[0]) / med);
	printf("speed: trial time of the search %.0f s, of a plain bisection with final trials "
	       "(NDR then PDR) %.0f s: %.2fx faster\n", t_search, t_bisect, t_bisect / t_search);
	printf("metric\tndr-spread\t%.4f\t%%\tlower-is-better\n", 100 * (ndr[4] - ndr[0]) / med);
	printf("metric\tspeedup-vs-bisection\t%.3f\tx\thigher-is-better\n", t_bisect / t_search);
	return 0;
}
