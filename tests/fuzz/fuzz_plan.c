/* libFuzzer target for the plan loader: any bytes, loaded as a plan, give a
 * plan or an error, never a crash, and a loaded plan writes and re-loads. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "controller/plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_plan *p = NULL, *again = NULL;
	FILE *null = fopen("/dev/null", "w");

	if (mp_plan_load_string((const char *)data, size, "fuzz.yaml", "/nonexistent", null, &p) == 0) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		assert(mp_plan_phase_count(p) > 0);
		assert(mp_plan_write(p, f) == 0);
		fclose(f);
		assert(mp_plan_load_string(text, len, "w.yaml", "/nonexistent", null, &again) == 0);
		mp_plan_free(again);
		free(text);
		mp_plan_free(p);
	}
	fclose(null);
	return 0;
}
