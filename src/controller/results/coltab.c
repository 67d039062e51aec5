/* Column tables: the one writer and reader of every CSV of a run
 * (coltab.h). */
#include "controller/results/coltab.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define AT(row, c, T) ((T *)((char *)(row) + (c)->off))
#define AT_C(row, c, T) ((T const *)((const char *)(row) + (c)->off))

void mp_col_cell(const struct mp_col *c, const void *row, char *buf, size_t len)
{
	const char *s;
	double v;

	switch (c->type) {
	case MP_COL_TEXT:
		s = *AT_C(row, c, const char *);
		snprintf(buf, len, "%s", s ? s : "");
		break;
	case MP_COL_PHASE:
		snprintf(buf, len, "%zu", *AT_C(row, c, size_t) + 1);
		break;
	case MP_COL_UINT:
		snprintf(buf, len, "%u", *AT_C(row, c, unsigned));
		break;
	case MP_COL_U64:
		snprintf(buf, len, "%llu", (unsigned long long)*AT_C(row, c, uint64_t));
		break;
	case MP_COL_COUNT:
		snprintf(buf, len, "%zu", *AT_C(row, c, size_t));
		break;
	case MP_COL_NUM:
		v = *AT_C(row, c, double);
		if (c->fmt && isfinite(v))
			snprintf(buf, len, c->fmt, v);
		else
			mp_csv_num_str(buf, len, v);
		break;
	}
}

const char *mp_col_text(const struct mp_col *c, const void *row)
{
	return c->type == MP_COL_TEXT ? *AT_C(row, c, const char *) : NULL;
}

double mp_col_num(const struct mp_col *c, const void *row)
{
	switch (c->type) {
	case MP_COL_TEXT: return NAN;
	case MP_COL_PHASE: return (double)(*AT_C(row, c, size_t) + 1);
	case MP_COL_UINT: return *AT_C(row, c, unsigned);
	case MP_COL_U64: return (double)*AT_C(row, c, uint64_t);
	case MP_COL_COUNT: return (double)*AT_C(row, c, size_t);
	case MP_COL_NUM: return *AT_C(row, c, double);
	}
	return NAN;
}

const struct mp_col *mp_coltab_find(const struct mp_coltab *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

void mp_coltab_header(const struct mp_coltab *t, FILE *f)
{
	for (size_t i = 0; i < t->ncols; i++)
		mp_csv_field(f, t->cols[i].name, i == 0);
	fputc('\n', f);
}

void mp_coltab_row(const struct mp_coltab *t, FILE *f, const void *row)
{
	char buf[MP_CSV_NUM_LEN];

	for (size_t i = 0; i < t->ncols; i++) {
		const struct mp_col *c = &t->cols[i];

		if (c->type == MP_COL_TEXT) {
			mp_csv_field(f, *AT_C(row, c, const char *), i == 0);
		} else {
			mp_col_cell(c, row, buf, sizeof(buf));
			mp_csv_field(f, buf, i == 0);
		}
	}
	fputc('\n', f);
}

void mp_coltab_empty(const struct mp_coltab *t, void *row)
{
	memset(row, 0, t->row_size);
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].type == MP_COL_NUM)
			*AT(row, &t->cols[i], double) = NAN;
}

json_t *mp_coltab_json(const struct mp_coltab *t, const void *row)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < t->ncols; i++) {
		const struct mp_col *c = &t->cols[i];
		const char *s;
		double v;
		int rc;

		switch (c->type) {
		case MP_COL_TEXT:
			s = *AT_C(row, c, const char *);
			rc = (s && *s) || (c->flags & MP_COL_REQUIRED) ?
			     json_object_set_new(o, c->name, json_string(s ? s : "")) : 0;
			break;
		case MP_COL_NUM:
			v = *AT_C(row, c, double);
			rc = json_object_set_new(o, c->name, isfinite(v) ? json_real(v) : json_null());
			break;
		default:
			rc = json_object_set_new(o, c->name,
						 json_integer((json_int_t)mp_col_num(c, row)));
		}
		if (rc) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* Parses `s` into the row's field for column `c`; 0 or -1 (not its type). */
static int parse_cell(const struct mp_col *c, const char *s, void *row)
{
	unsigned long long u;
	char *end;

	if (c->type == MP_COL_TEXT) {
		/* An empty optional text (a reason) is no text. */
		*AT(row, c, const char *) = *s || (c->flags & MP_COL_REQUIRED) ? s : NULL;
		return (c->flags & MP_COL_POSITIVE) && !*s ? -1 : 0;
	}
	if (c->type == MP_COL_NUM) {
		double v = *s ? strtod(s, &end) : NAN;

		if (*s && (*end || end == s))
			return -1;
		*AT(row, c, double) = v;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	u = strtoull(s, &end, 10);
	if (*end || errno)
		return -1;
	if ((c->flags & MP_COL_POSITIVE) && u == 0)
		return -1;
	switch (c->type) {
	case MP_COL_PHASE:
		if (u == 0 || u > SIZE_MAX)
			return -1;
		*AT(row, c, size_t) = (size_t)(u - 1);
		break;
	case MP_COL_UINT:
		if (u > UINT_MAX)
			return -1;
		*AT(row, c, unsigned) = (unsigned)u;
		break;
	case MP_COL_U64:
		*AT(row, c, uint64_t) = (uint64_t)u;
		break;
	case MP_COL_COUNT:
		if (u > SIZE_MAX)
			return -1;
		*AT(row, c, size_t) = (size_t)u;
		break;
	default:
		return -1;
	}
	return 0;
}

/* What a cell of column `c` must be, for messages. */
static const char *expected(const struct mp_col *c)
{
	switch (c->type) {
	case MP_COL_TEXT: return "a value";
	case MP_COL_NUM: return "a number";
	case MP_COL_PHASE: return "a phase number from 1";
	default: return (c->flags & MP_COL_POSITIVE) ? "a whole number from 1" : "a whole number";
	}
}

int mp_coltab_read(const struct mp_coltab *t, const struct mp_csv *csv, const char *name,
		   void **rows, size_t *nrows, char *err, size_t errlen)
{
	int *map = calloc(t->ncols, sizeof(int));
	char *out = NULL;

	*rows = NULL;
	*nrows = 0;
	if (!map)
		goto nomem;
	for (size_t i = 0; i < t->ncols; i++) {
		map[i] = mp_csv_col(csv, t->cols[i].name);
		if (map[i] < 0 && (t->cols[i].flags & MP_COL_REQUIRED)) {
			snprintf(err, errlen, "%s:1: no column %s: not a mir-perf %s", name,
				 t->cols[i].name, t->file);
			free(map);
			return -EINVAL;
		}
	}
	out = calloc(csv->nrows ? csv->nrows : 1, t->row_size);
	if (!out)
		goto nomem;
	for (size_t r = 0; r < csv->nrows; r++) {
		void *row = out + r * t->row_size;

		mp_coltab_empty(t, row);
		for (size_t i = 0; i < t->ncols; i++) {
			const char *cell = map[i] < 0 ? NULL : csv->rows[r][map[i]];

			if (cell && parse_cell(&t->cols[i], cell, row) < 0) {
				snprintf(err, errlen, "%s:%zu: column %s: \"%.40s\" is not %s "
					 "(corrupted row)", name, r + 2, t->cols[i].name, cell,
					 expected(&t->cols[i]));
				free(map);
				free(out);
				return -EINVAL;
			}
		}
	}
	free(map);
	*rows = out;
	*nrows = csv->nrows;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", name);
	free(map);
	return -ENOMEM;
}
