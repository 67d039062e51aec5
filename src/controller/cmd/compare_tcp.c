#include "controller/cmd/compare_tcp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/stats.h"
#include "controller/cmd/verdict.h"

static int version_in(const struct mp_tcp_summary *s, const char *version)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->g[i].version, version) == 0)
			return 1;
	return 0;
}

size_t mp_compare_tcp(const struct mp_rundir *a, const struct mp_rundir *b, double threshold,
		      double alpha)
{
	const struct mp_tcp_summary *sa = &a->tcp_sum, *sb = &b->tcp_sum;
	size_t slower = 0, compared = 0;

	if (!sa->n && !sb->n)
		return 0;
	printf("\nTCP through the DUT (the receiver's Gbit/s over the repetitions that went "
	       "through; Welch's t-test on them, alpha %.2f):\n%-14s %7s %14s %14s %9s %9s  %s\n",
	       alpha, "version", "streams", "A mean (n)", "B mean (n)", "change", "p", "verdict");
	for (size_t i = 0; i < sb->n; i++) {
		const struct mp_tcp_group *gb = &sb->g[i];
		const struct mp_tcp_group *ga = version_in(sa, gb->version) ?
			mp_tcp_summary_find(sa, gb->version, gb->streams) :
			sa->n ? mp_tcp_summary_find(sa, sa->g[0].version, gb->streams) : NULL;
		char am[32], bm[32];
		const char *verdict;
		double change, p;

		snprintf(bm, sizeof(bm), "%.4g (%zu)", gb->mean, gb->n);
		if (!ga) {
			printf("%-14s %7u %14s %14s %9s %9s  only in B\n", gb->version, gb->streams, "-",
			       bm, "-", "-");
			continue;
		}
		snprintf(am, sizeof(am), "%.4g (%zu)", ga->mean, ga->n);
		if (!ga->n || !gb->n || !(ga->mean > 0)) {
			printf("%-14s %7u %14s %14s %9s %9s  not comparable (no repetition went "
			       "through in %s)\n", gb->version, gb->streams, ga->n ? am : "-",
			       gb->n ? bm : "-", "-", "-", !ga->n ? "A" : "B");
			continue;
		}
		change = 100.0 * (gb->mean - ga->mean) / ga->mean;
		p = mp_welch_p(ga->gbps, ga->n, gb->gbps, gb->n);
		compared++;
		verdict = mp_verdict_welch(p, alpha, change, threshold, "too few repetitions", &slower);
		printf("%-14s %7u %14s %14s %+8.2f%% %9.2g  %s\n", gb->version, gb->streams, am, bm,
		       change, p, verdict);
	}
	for (size_t i = 0; i < sa->n; i++) {
		const struct mp_tcp_group *ga = &sa->g[i];
		int found = 0;

		for (size_t j = 0; j < sb->n && !found; j++) {
			const char *va = version_in(sa, sb->g[j].version) ? sb->g[j].version :
					 sa->g[0].version;

			found = sb->g[j].streams == ga->streams && strcmp(va, ga->version) == 0;
		}
		if (!found)
			printf("%-14s %7u %10.3f (%zu) %14s %9s %9s  only in A\n", ga->version,
			       ga->streams, ga->mean, ga->n, "-", "-", "-");
	}
	printf("%zu TCP tests compared; %zu significantly slower beyond %.2f%%.\n", compared,
	       slower, threshold);
	return slower;
}
