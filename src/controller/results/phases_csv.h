/* phases.csv, one row per phase: its columns, named once in the column
 * table mp_phases_tab (coltab.h) over struct mp_phase_row (summary.h),
 * with, for each, the report's phase table heading and cell format and the
 * metric `mir-perf export` makes of it. The writer (output.c),
 * results.json, resume, the run reader (report, compare) and export all go
 * through it.
 *
 * To add a column: one field in struct mp_phase_row (summary.h) and one row
 * in the table (phases_csv.c), where it should appear in the file. A double
 * starts as NAN in mp_summary_empty_row without further work. */
#ifndef MP_PHASES_CSV_H
#define MP_PHASES_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "controller/results/coltab.h"
#include "controller/results/csv.h"
#include "controller/results/summary.h"

extern const struct mp_coltab mp_phases_tab;

/* phases.csv parsed by name. Text fields of rows point into csv's cells. */
struct mp_phases {
	struct mp_csv csv;
	struct mp_phase_row *rows;
	size_t nrows;
};

/* Reads `path`. Returns 0, or -errno with "PATH:LINE: what is wrong" in err:
 * a missing required column, a cell its column's type cannot hold, a status
 * other than ok/failed/skipped. */
int mp_phases_read(const char *path, struct mp_phases *p, char *err, size_t errlen);
/* Same from an already parsed table (`name` stands for the file). */
int mp_phases_from_csv(struct mp_csv *csv, const char *name, struct mp_phases *p, char *err,
		       size_t errlen);
void mp_phases_free(struct mp_phases *p);

#endif
