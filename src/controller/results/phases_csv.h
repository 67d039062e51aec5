/* phases.csv, one row per phase: its columns, named once. The table
 * mp_phase_cols[] gives, in file order, each column's name, the field of
 * struct mp_phase_row (summary.h) it holds and that field's type (which says
 * how the cell is written and read); the report's phase table heading and
 * cell format; and the metric `mir-perf export` makes of it. The writer
 * (output.c), results.json, resume, the run reader (report, compare) and
 * export all go through it; nothing reads phases.csv by column position.
 *
 * Reading is by header name: columns the table does not know are ignored,
 * and a column the table knows but the file lacks leaves the field empty
 * (NAN, NULL or 0), so runs written before a column existed still load.
 * Only the columns that say which phase a row is (MP_COL_REQUIRED) must be
 * there.
 *
 * To add a column: one field in struct mp_phase_row (summary.h) and one row
 * in mp_phase_cols[] (phases_csv.c), where it should appear in the file.
 * A double starts as NAN in mp_summary_empty_row without further work. */
#ifndef MP_PHASES_CSV_H
#define MP_PHASES_CSV_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "controller/results/csv.h"
#include "controller/results/summary.h"

enum mp_col_type {
	MP_COL_TEXT,    /* const char *; NULL is an empty cell */
	MP_COL_PHASE,   /* size_t, 0-based in the row, 1-based in the files */
	MP_COL_UINT,    /* unsigned */
	MP_COL_U64,     /* uint64_t */
	MP_COL_COUNT,   /* size_t */
	MP_COL_NUM,     /* double; NAN is an empty cell (mp_csv_num's format) */
};

enum mp_col_flags {
	MP_COL_REQUIRED = 1,    /* a phases.csv without it is refused */
	MP_COL_POSITIVE = 2,    /* 0 (or empty text) is a corrupted row */
};

enum mp_trend { MP_TREND_NONE, MP_TREND_HIGHER, MP_TREND_LOWER };

struct mp_phase_col {
	const char *name;         /* header in phases.csv, key in results.json */
	enum mp_col_type type;
	size_t off;               /* offset of the field in struct mp_phase_row */
	unsigned flags;           /* enum mp_col_flags */
	const char *heading;      /* report's phase table; NULL: not shown */
	const char *cell_fmt;     /* printf format of an MP_COL_NUM cell there */
	const char *metric;       /* `export` metric name; NULL: not exported */
	const char *units;
	enum mp_trend trend;
};

extern const struct mp_phase_col mp_phase_cols[];
extern const size_t mp_phase_ncols;

/* The header line, and one row (flushing is the caller's). */
void mp_phases_csv_header(FILE *f);
void mp_phases_csv_row(FILE *f, const struct mp_phase_row *row);

/* A column's value as phases.csv holds it ("" for NAN or NULL). */
void mp_phase_cell(const struct mp_phase_col *c, const struct mp_phase_row *row, char *buf,
		   size_t len);
/* A text column's value (NULL when none); other types: NULL. */
const char *mp_phase_text(const struct mp_phase_col *c, const struct mp_phase_row *row);
/* A numeric column's value as a double (NAN when empty); text: NAN. */
double mp_phase_num(const struct mp_phase_col *c, const struct mp_phase_row *row);

/* The row as a results.json object (figures null when NAN; an empty reason
 * is left out). NULL when out of memory. */
json_t *mp_phase_row_json(const struct mp_phase_row *row);

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
