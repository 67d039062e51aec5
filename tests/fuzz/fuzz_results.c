/* libFuzzer target for the run readers of report and compare: the input is
 * split into results.json, phases.csv, samples.csv, throughput.csv and
 * tcp.csv (a NUL byte between each) in a scratch run directory, then
 * loaded (TCP's repetitions summed up as well). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hist.h"
#include "controller/results/rundir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "results.json", "phases.csv", "samples.csv",
					     "throughput.csv", "tcp.csv" };
	struct mp_rundir d;
	char err[512] = "";
	size_t start = 0;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/mp-fuzz-results.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const uint8_t *nul = memchr(data + start, 0, size - start);
		size_t end = nul ? (size_t)(nul - data) : size;

		put(names[i], data + start, end - start);
		start = end < size ? end + 1 : size;
	}
	if (mp_rundir_load(dir, MP_RUNDIR_RESULTS | MP_RUNDIR_SAMPLES, &d, err, sizeof(err)) == 0) {
		/* The latency histograms the report decodes (mp_hist_decode). */
		struct mp_hist *h = mp_hist_new();

		for (size_t i = 0; h && i < d.nphases; i++)
			if (mp_rundir_latency_hist(&d, &d.phases[i], h) == 0)
				assert(mp_hist_percentile(h, 100) >= mp_hist_percentile(h, 0));
		free(h);
		for (size_t i = 0; i < d.tcp_sum.n; i++)
			assert(d.tcp_sum.g[i].n == 0 || d.tcp_sum.g[i].min <= d.tcp_sum.g[i].max);
		mp_rundir_free(&d);
	} else {
		assert(err[0]);
	}
	return 0;
}
