/* libFuzzer target for the run readers of report and compare: the input is
 * split into results.json, phases.csv and samples.csv (separated by a NUL
 * byte each) in a scratch run directory, then loaded. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hist.h"
#include "controller/report_data.h"

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
	static const char *const names[] = { "results.json", "phases.csv", "samples.csv" };
	struct report_data d;
	char err[512] = "";
	size_t start = 0;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/mp-fuzz-results.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	for (int i = 0; i < 3; i++) {
		const uint8_t *nul = memchr(data + start, 0, size - start);
		size_t end = nul ? (size_t)(nul - data) : size;

		put(names[i], data + start, end - start);
		start = end < size ? end + 1 : size;
	}
	if (report_data_load(dir, &d, 1, err, sizeof(err)) == 0) {
		/* The latency histograms the report decodes (mp_hist_decode). */
		json_t *ph;
		size_t i;

		json_array_foreach(json_object_get(d.results, "phases"), i, ph) {
			const char *b = json_string_value(json_object_get(
				json_object_get(ph, "latency_hist"), "buckets"));
			struct mp_hist *h = b ? mp_hist_new() : NULL;

			if (h && mp_hist_decode(b, h) == 0)
				assert(h->count == 0 || mp_hist_percentile(h, 100) >= mp_hist_percentile(h, 0));
			free(h);
		}
		report_data_free(&d);
	} else {
		assert(err[0]);
	}
	return 0;
}
