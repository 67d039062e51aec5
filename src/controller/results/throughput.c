/* throughput.csv (throughput.h): its columns named once, in one table that
 * the writer, results.json and the reader share. */
#include "controller/results/throughput.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum col_type { C_TEXT, C_UINT, C_NUM };

struct col {
	const char *name;
	enum col_type type;
	size_t off;
	int required;
};

#define COL(n, t, f, r) { n, t, offsetof(struct mp_tput_row, f), r }
static const struct col cols[] = {
	COL("version", C_TEXT, version, 1),
	COL("size", C_UINT, size, 1),
	COL("goal", C_TEXT, goal, 1),
	COL("goal_loss_pct", C_NUM, goal_loss_pct, 0),
	COL("lower_pps", C_NUM, lower_pps, 0),
	COL("upper_pps", C_NUM, upper_pps, 0),
	COL("forwarded_pps", C_NUM, forwarded_pps, 0),
	COL("lower_mbps", C_NUM, lower_mbps, 0),
	COL("trials", C_UINT, trials, 0),
	COL("search_s", C_NUM, search_s, 0),
	COL("status", C_TEXT, status, 1),
	COL("gen_max_pps", C_NUM, gen_max_pps, 0),
	COL("reason", C_TEXT, reason, 0),
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

#define FIELD(r, c, T) ((T *)((char *)(r) + (c)->off))
#define CFIELD(r, c, T) ((T const *)((const char *)(r) + (c)->off))

static const char *text_of(const struct mp_tput_row *r, const struct col *c)
{
	return *(const char *const *)((const char *)r + c->off);
}

void mp_tput_empty_row(struct mp_tput_row *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < NCOLS; i++)
		if (cols[i].type == C_NUM)
			*FIELD(r, &cols[i], double) = NAN;
}

void mp_tput_header(FILE *f)
{
	for (size_t i = 0; i < NCOLS; i++)
		mp_csv_field(f, cols[i].name, i == 0);
	fputc('\n', f);
}

void mp_tput_row_write(FILE *f, const struct mp_tput_row *r)
{
	for (size_t i = 0; i < NCOLS; i++) {
		const struct col *c = &cols[i];

		switch (c->type) {
		case C_TEXT:
			mp_csv_field(f, text_of(r, c) ? text_of(r, c) : "", i == 0);
			break;
		case C_UINT:
			fprintf(f, "%s%u", i ? "," : "", *CFIELD(r, c, unsigned));
			break;
		case C_NUM:
			mp_csv_num(f, *CFIELD(r, c, double));
			break;
		}
	}
	fputc('\n', f);
}

json_t *mp_tput_row_json(const struct mp_tput_row *r)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < NCOLS; i++) {
		const struct col *c = &cols[i];
		json_t *v = NULL;
		double d;

		switch (c->type) {
		case C_TEXT:
			if (!text_of(r, c))
				continue;
			v = json_string(text_of(r, c));
			break;
		case C_UINT:
			v = json_integer(*CFIELD(r, c, unsigned));
			break;
		case C_NUM:
			d = *CFIELD(r, c, double);
			v = isnan(d) || isinf(d) ? json_null() : json_real(d);
			break;
		}
		json_object_set_new(o, c->name, v);
	}
	return o;
}

void mp_tput_stats_line(FILE *f, const struct mp_tput_row *r)
{
	fprintf(f, "Throughput %s (loss <= %g%%)    Packet size: %u\n", r->goal,
		r->goal_loss_pct, r->size);
	fprintf(f, "lower: %.0f pps  upper: ", isnan(r->lower_pps) ? 0 : r->lower_pps);
	if (isnan(r->upper_pps))
		fputs("-", f);
	else
		fprintf(f, "%.0f pps", r->upper_pps);
	fprintf(f, "  forwarded: %.0f pps  %.1f Mbit/s  trials: %u  status: %s\n\n",
		isnan(r->forwarded_pps) ? 0 : r->forwarded_pps,
		isnan(r->lower_mbps) ? 0 : r->lower_mbps, r->trials, r->status);
}

static int cell(const struct col *c, const char *s, struct mp_tput_row *r)
{
	char *end;
	double d;
	unsigned long u;

	switch (c->type) {
	case C_TEXT:
		*FIELD(r, c, const char *) = *s ? s : NULL;
		return c->required && !*s ? -1 : 0;
	case C_UINT:
		errno = 0;
		u = strtoul(s, &end, 10);
		if (!*s || *end || errno || u > 0xffffffffUL || s[0] == '-')
			return -1;
		*FIELD(r, c, unsigned) = (unsigned)u;
		return 0;
	case C_NUM:
		if (!*s) {
			*FIELD(r, c, double) = NAN;
			return 0;
		}
		d = strtod(s, &end);
		if (*end || !isfinite(d))
			return -1;
		*FIELD(r, c, double) = d;
		return 0;
	}
	return -1;
}

int mp_tput_read(const char *path, struct mp_tput *t, char *err, size_t errlen)
{
	int idx[NCOLS];
	int rc;

	memset(t, 0, sizeof(*t));
	rc = mp_csv_read(path, &t->csv, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < NCOLS; i++) {
		idx[i] = mp_csv_col(&t->csv, cols[i].name);
		if (idx[i] < 0 && cols[i].required) {
			snprintf(err, errlen, "%s:1: no column %s", path, cols[i].name);
			mp_tput_free(t);
			return -EINVAL;
		}
	}
	t->rows = calloc(t->csv.nrows ? t->csv.nrows : 1, sizeof(*t->rows));
	if (!t->rows) {
		mp_tput_free(t);
		return -ENOMEM;
	}
	for (size_t r = 0; r < t->csv.nrows; r++) {
		struct mp_tput_row *row = &t->rows[r];

		mp_tput_empty_row(row);
		for (size_t i = 0; i < NCOLS; i++) {
			if (idx[i] < 0)
				continue;
			if (cell(&cols[i], t->csv.rows[r][idx[i]], row) < 0) {
				snprintf(err, errlen, "%s:%zu: column %s: \"%s\" is not %s", path,
					 r + 2, cols[i].name, t->csv.rows[r][idx[i]],
					 cols[i].type == C_TEXT ? "a value" : "a number");
				mp_tput_free(t);
				return -EINVAL;
			}
		}
		t->nrows++;
	}
	return 0;
}

void mp_tput_free(struct mp_tput *t)
{
	mp_csv_free(&t->csv);
	free(t->rows);
	t->rows = NULL;
	t->nrows = 0;
}
