/* A CSV file of the run, described once: its columns in file order, each
 * with its name (the header, and the key in results.json), the field of the
 * file's row struct it holds and that field's type, which says how the cell
 * is written and read. Every CSV the run writes (phases.csv, samples.csv,
 * latency.csv, throughput.csv, ...) is one such table, and its writer,
 * results.json and its reader all go through it; nothing reads a run's CSV
 * by column position.
 *
 * Reading is by header name: columns the table does not know are ignored,
 * and a column the table knows but the file lacks leaves the field empty
 * (NAN, NULL or 0), so runs written before a column existed still load.
 * Only the columns flagged MP_COL_REQUIRED must be there.
 *
 * To add a column to a file: one field in its row struct and one row in its
 * table, where it should appear in the file. */
#ifndef MP_COLTAB_H
#define MP_COLTAB_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "controller/results/csv.h"

enum mp_col_type {
	MP_COL_TEXT,    /* const char *; NULL is an empty cell */
	MP_COL_PHASE,   /* size_t, 0-based in the row, 1-based in the files */
	MP_COL_UINT,    /* unsigned */
	MP_COL_U64,     /* uint64_t */
	MP_COL_COUNT,   /* size_t */
	MP_COL_NUM,     /* double; NAN is an empty cell */
};

enum mp_col_flags {
	MP_COL_REQUIRED = 1,    /* a file without it is refused */
	MP_COL_POSITIVE = 2,    /* 0 (or empty text) is a corrupted row */
};

/* Which way is better, for compare and export. */
enum mp_trend { MP_TREND_NONE, MP_TREND_HIGHER, MP_TREND_LOWER };

struct mp_col {
	const char *name;         /* header in the file, key in results.json */
	enum mp_col_type type;
	size_t off;               /* offset of the field in the file's row struct */
	unsigned flags;           /* enum mp_col_flags */
	const char *fmt;          /* MP_COL_NUM in the file: a printf format for
				   * a double; NULL: mp_csv_num's */
	/* How the report and export show the column, where a file has that. */
	const char *heading;      /* report's table; NULL: not shown */
	const char *cell_fmt;     /* printf format of an MP_COL_NUM cell there */
	const char *metric;       /* `export` metric name; NULL: not exported */
	const char *units;
	enum mp_trend trend;
};

struct mp_coltab {
	const char *file;         /* "phases.csv": for messages */
	const struct mp_col *cols;
	size_t ncols;
	size_t row_size;          /* sizeof the row struct */
};

/* One table entry: column `field` of row struct `row_t`, of type `t`. */
#define MP_COL(row_t, field, t) .name = #field, .off = offsetof(row_t, field), .type = (t)
#define MP_COLTAB(file_name, cols_array, row_t) { \
	.file = (file_name), .cols = (cols_array), \
	.ncols = sizeof(cols_array) / sizeof((cols_array)[0]), .row_size = sizeof(row_t) }

/* The header line, and one row (flushing is the caller's). */
void mp_coltab_header(const struct mp_coltab *t, FILE *f);
void mp_coltab_row(const struct mp_coltab *t, FILE *f, const void *row);
/* Every number NAN, text NULL, integers 0. */
void mp_coltab_empty(const struct mp_coltab *t, void *row);
/* The row as a results.json object (numbers null when NAN; empty optional
 * text left out). NULL when out of memory. */
json_t *mp_coltab_json(const struct mp_coltab *t, const void *row);

/* A column's value as the file holds it ("" for NAN or NULL). */
void mp_col_cell(const struct mp_col *c, const void *row, char *buf, size_t len);
/* A text column's value (NULL when none); other types: NULL. */
const char *mp_col_text(const struct mp_col *c, const void *row);
/* A numeric column's value as a double (NAN when empty); text: NAN. */
double mp_col_num(const struct mp_col *c, const void *row);
/* The column called `name`, or NULL. */
const struct mp_col *mp_coltab_find(const struct mp_coltab *t, const char *name);

/* The rows of a parsed file (`name` stands for it in messages), allocated
 * in *rows (t->row_size each, caller frees; text fields point into csv's
 * cells, so csv must outlive them). Returns 0, or -errno with "NAME:LINE:
 * what is wrong" in err: a missing required column, a cell its column's
 * type cannot hold. */
int mp_coltab_read(const struct mp_coltab *t, const struct mp_csv *csv, const char *name,
		   void **rows, size_t *nrows, char *err, size_t errlen);

#endif
