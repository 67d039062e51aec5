/* mir-perf compare RUN_A RUN_B [--threshold PCT]: is B slower than A?
 *
 * For every (version, size, rate) of B, the phase of A with the same
 * version (or, when A does not have that version, A's first version: so two
 * single-version runs of different commits compare) and the same size and
 * rate. The change is that of forwarded_pps; it is significant when Welch's
 * t-test (unequal variances, GSL's t distribution) on the 100 ms forwarded
 * rates of both measure windows gives p < MP_COMPARE_ALPHA. A slowdown
 * counts when it is significant and larger than the threshold. A search's
 * trials are not compared one by one: its answer is, goal by goal. TCP
 * through the DUT is compared on its repetitions (compare_tcp.c). */
#include <errno.h>
#include <getopt.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/stats.h"
#include "controller/cmd/commands.h"
#include "controller/cmd/compare_tcp.h"
#include "controller/cmd/verdict.h"
#include "controller/results/rundir.h"

#define MP_COMPARE_ALPHA 0.01
#define DEFAULT_THRESHOLD_PCT 2.0
#define USAGE "usage: mir-perf compare RUN_A RUN_B [--threshold PCT] [--latency-threshold LPCT]"

/* A size as the files name it: "60", or "imix" for a mix (0 in phases.csv). */
#define SZ(size) mp_rundir_size_name((size), (char[16]){ 0 }, 16)

/* The searches' answers both runs have (throughput.csv): per version, size
 * and goal the lower bounds. A change counts when the intervals [lower,
 * upper] do not overlap (no upper bound: it reaches up without end) and it
 * is beyond the threshold. Returns how many are slower. */
static size_t throughput_changes(const struct mp_rundir *a, const struct mp_rundir *b,
				 double threshold)
{
	size_t slower = 0, n = 0;

	for (size_t i = 0; i < b->tput.nrows; i++) {
		const struct mp_tput_row *gb = &b->tput.rows[i];
		const char *va = mp_rundir_has_version(a, gb->version) || !a->nversions ?
			gb->version : a->versions[0];
		const struct mp_tput_row *ga = mp_rundir_goal(a, va, gb->size, gb->goal);
		double a_up, b_up, change;
		const char *verdict;

		if (!ga || isnan(ga->lower_pps) || isnan(gb->lower_pps) || ga->lower_pps <= 0)
			continue;
		if (!n++)
			printf("\nThroughput searches (lower bounds; a change counts when the "
			       "intervals [lower, upper] do not overlap):\n%-14s %6s %6s %12s %12s "
			       "%9s  %s\n", "version", "size", "goal", "A pps", "B pps", "change",
			       "verdict");
		a_up = isnan(ga->upper_pps) ? INFINITY : ga->upper_pps;
		b_up = isnan(gb->upper_pps) ? INFINITY : gb->upper_pps;
		change = 100.0 * (gb->lower_pps - ga->lower_pps) / ga->lower_pps;
		if (b_up <= ga->lower_pps && change < -threshold)
			verdict = "SLOWER", slower++;
		else if (b_up <= ga->lower_pps)
			verdict = "slower, within threshold";
		else if (gb->lower_pps >= a_up && change > threshold)
			verdict = "faster";
		else
			verdict = "no significant change";
		printf("%-14s %6s %6s %12.0f %12.0f %+8.2f%%  %s\n", gb->version, SZ(gb->size), gb->goal,
		       ga->lower_pps, gb->lower_pps, change, verdict);
	}
	if (n)
		printf("%zu goals compared; %zu significantly slower beyond %.2f%%.\n", n, slower,
		       threshold);
	return slower;
}

/* The receiver's latency (p50, p99) of the phases both runs measured it in:
 * shown, lower is better; a rise beyond the threshold is marked. With
 * --latency-threshold (lat_threshold >= 0; NAN: off, the default) a p99
 * higher in B by more than it is a regression, "P99 HIGHER", and counts
 * for the exit code as a slowdown does (off by default: latency on a
 * shared host is noisy, and there is one histogram per phase, not samples
 * to test). Returns how many such regressions. */
static size_t latency_changes(const struct mp_rundir *a, const struct mp_rundir *b,
			      double threshold, double lat_threshold)
{
	size_t n = 0, higher = 0;
	int header = 0;

	for (size_t i = 0; i < b->nphases; i++) {
		const struct mp_phase_row *pb = &b->phases[i];
		const char *va = mp_rundir_has_version(a, pb->version) ? pb->version : a->nversions ? a->versions[0] : pb->version;
		const struct mp_phase_row *pa =
			a->nversions ? mp_rundir_find(a, va, pb->size, pb->rate) : NULL;
		double c50, c99;

		if (pb->trial || !pa || isnan(pa->lat_p50_us) || isnan(pb->lat_p50_us) || pa->lat_p50_us <= 0 ||
		    isnan(pa->lat_p99_us) || isnan(pb->lat_p99_us) || pa->lat_p99_us <= 0)
			continue;
		if (!header)
			printf("\nLatency (the receiver's, us; lower is better):\n%-14s %6s %10s "
			       "%10s %10s %9s %10s %10s %9s\n", "version", "size", "rate", "A p50",
			       "B p50", "change", "A p99", "B p99", "change");
		header = 1;
		c50 = 100.0 * (pb->lat_p50_us - pa->lat_p50_us) / pa->lat_p50_us;
		c99 = 100.0 * (pb->lat_p99_us - pa->lat_p99_us) / pa->lat_p99_us;
		n++;
		if (!isnan(lat_threshold) && c99 > lat_threshold)
			higher++;
		printf("%-14s %6s %10llu %10.1f %10.1f %+8.1f%% %10.1f %10.1f %+8.1f%%%s\n",
		       pb->version, SZ(pb->size), (unsigned long long)pb->rate, pa->lat_p50_us,
		       pb->lat_p50_us, c50, pa->lat_p99_us, pb->lat_p99_us, c99,
		       !isnan(lat_threshold) && c99 > lat_threshold ? "  P99 HIGHER" :
		       c50 > threshold || c99 > threshold ? "  higher" : "");
	}
	if (n && !isnan(lat_threshold))
		printf("%zu phases' latency compared; %zu with p99 higher beyond %.2f%%.\n", n,
		       higher, lat_threshold);
	return higher;
}

int mp_cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "latency-threshold", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double threshold = DEFAULT_THRESHOLD_PCT, lat_threshold = NAN;
	const unsigned parts = MP_RUNDIR_RESULTS | MP_RUNDIR_SAMPLES;
	struct mp_rundir a, b;
	char err[1024];
	size_t slower = 0, compared = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:l:h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 't':
			threshold = strtod(optarg, &end);
			if (*end || !(threshold >= 0) || threshold > 100) {
				fprintf(stderr, "mir-perf compare: --threshold takes a percentage, "
					"0 to 100\n");
				return MP_EXIT_USAGE;
			}
			break;
		case 'l':
			lat_threshold = strtod(optarg, &end);
			if (*end || end == optarg || !(lat_threshold >= 0) || isinf(lat_threshold)) {
				fprintf(stderr, "mir-perf compare: --latency-threshold takes a "
					"percentage, 0 or more (the rise of p99 latency that fails)\n");
				return MP_EXIT_USAGE;
			}
			break;
		case 'h':
			puts(USAGE "\n"
			     "Exit 0: B is not significantly slower than A by more than PCT "
			     "(default 2) and, with --latency-threshold, no p99 latency of B is "
			     "higher than A's by more than LPCT (off by default); 1: one is; "
			     "2: bad input.");
			return MP_EXIT_OK;
		default:
			return MP_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fputs(USAGE "\n", stderr);
		return MP_EXIT_USAGE;
	}
	if (mp_rundir_load(argv[optind], parts, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf compare: %s\n", err);
		return MP_EXIT_USAGE;
	}
	if (mp_rundir_load(argv[optind + 1], parts, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf compare: %s\n", err);
		mp_rundir_free(&a);
		return MP_EXIT_USAGE;
	}
	printf("A: %s\nB: %s\nWelch's t-test on the 100 ms forwarded rates of each measure window "
	       "(alpha %.2f); slower means significant and beyond %.2f%%.\n\n", a.run_id, b.run_id,
	       MP_COMPARE_ALPHA, threshold);
	printf("%-14s %6s %10s %12s %12s %9s %9s  %s\n", "version", "size", "rate", "A fwd pps",
	       "B fwd pps", "change", "p", "verdict");
	for (size_t i = 0; i < b.nphases; i++) {
		const struct mp_phase_row *pb = &b.phases[i];
		const char *va = mp_rundir_has_version(&a, pb->version) ? pb->version : a.nversions ? a.versions[0] : pb->version;
		const struct mp_phase_row *pa = a.nversions ? mp_rundir_find(&a, va, pb->size, pb->rate) : NULL;
		double *ra, *rb, p, change;
		size_t na, nb;
		const char *verdict;

		if (pb->trial)          /* a search's trials: its answer is compared below */
			continue;
		if (!pa) {
			printf("%-14s %6s %10llu %12s %12.0f %9s %9s  only in B\n", pb->version, SZ(pb->size),
			       (unsigned long long)pb->rate, "-", pb->forwarded_pps, "-", "-");
			continue;
		}
		if (isnan(pa->forwarded_pps) || isnan(pb->forwarded_pps) || pa->forwarded_pps <= 0) {
			printf("%-14s %6s %10llu %12s %12s %9s %9s  not comparable (%s / %s)\n",
			       pb->version, SZ(pb->size), (unsigned long long)pb->rate, "-", "-", "-", "-",
			       pa->status, pb->status);
			continue;
		}
		ra = malloc((a.nsamples + 1) * sizeof(double));
		rb = malloc((b.nsamples + 1) * sizeof(double));
		na = ra ? mp_rundir_rates(&a, pa->phase, MP_ROLE_DUT_OUT, ra, a.nsamples) : 0;
		nb = rb ? mp_rundir_rates(&b, pb->phase, MP_ROLE_DUT_OUT, rb, b.nsamples) : 0;
		p = mp_welch_p(ra, na, rb, nb);
		free(ra);
		free(rb);
		change = 100.0 * (pb->forwarded_pps - pa->forwarded_pps) / pa->forwarded_pps;
		compared++;
		verdict = mp_verdict_welch(p, MP_COMPARE_ALPHA, change, threshold, "too few samples",
					   &slower);
		printf("%-14s %6s %10llu %12.0f %12.0f %+8.2f%% %9.2g  %s\n", pb->version, SZ(pb->size),
		       (unsigned long long)pb->rate, pa->forwarded_pps, pb->forwarded_pps, change, p, verdict);
	}
	for (size_t i = 0; i < a.nphases; i++) {
		const struct mp_phase_row *pa = &a.phases[i];
		int found = pa->trial != 0;

		for (size_t j = 0; j < b.nphases && !found; j++) {
			const struct mp_phase_row *pb = &b.phases[j];
			const char *va = mp_rundir_has_version(&a, pb->version) ? pb->version : a.versions[0];

			found = !pb->trial && !strcmp(va, pa->version) && pb->size == pa->size &&
				pb->rate == pa->rate;
		}
		if (!found)
			printf("%-14s %6s %10llu %12.0f %12s %9s %9s  only in A\n", pa->version,
			       SZ(pa->size), (unsigned long long)pa->rate, pa->forwarded_pps, "-", "-", "-");
	}
	printf("\n%zu phases compared; %zu significantly slower beyond %.2f%%.\n", compared,
	       slower, threshold);
	slower += throughput_changes(&a, &b, threshold);
	slower += mp_compare_tcp(&a, &b, threshold, MP_COMPARE_ALPHA);
	slower += latency_changes(&a, &b, threshold, lat_threshold);
	mp_rundir_free(&a);
	mp_rundir_free(&b);
	return slower ? MP_EXIT_FAIL : MP_EXIT_OK;
}
