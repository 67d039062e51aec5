/* libFuzzer target for the CSV reader used by report, compare and resume,
 * and for phases.csv's reader by column name on top of it: any bytes give a
 * table whose rows all have the header's width, or an error with a message;
 * phase rows read from that table name their version and rate (size may
 * be 0: IMIX). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/results/csv.h"
#include "controller/results/phases_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), err[256] = "";
	struct mp_csv csv;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (mp_csv_parse(copy, size, "fuzz.csv", &csv, err, sizeof(err)) == 0) {
		struct mp_phases ph;

		for (size_t r = 0; r < csv.nrows; r++)
			for (size_t c = 0; c < csv.ncols; c++)
				assert(csv.rows[r][c]);
		err[0] = '\0';
		if (mp_phases_from_csv(&csv, "fuzz.csv", &ph, err, sizeof(err)) == 0) {
			for (size_t r = 0; r < ph.nrows; r++)
				assert(ph.rows[r].version && *ph.rows[r].version && ph.rows[r].status &&
				       ph.rows[r].rate);
			mp_phases_free(&ph);
		} else {
			assert(err[0]);
		}
	} else {
		assert(err[0]);
	}
	free(copy);
	return 0;
}
