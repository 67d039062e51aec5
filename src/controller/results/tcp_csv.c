/* tcp.csv's columns and their one writer and reader (tcp_csv.h). */
#include "controller/results/tcp_csv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define COL(field, t) .name = #field, .off = offsetof(struct mp_tcp_row, field), .type = t
#define REQ MP_COL_REQUIRED
#define POS MP_COL_POSITIVE

/* File order. Add a column here and a field in struct mp_tcp_row. */
const struct mp_tcp_col mp_tcp_cols[] = {
	{ COL(version, MP_COL_TEXT), .flags = REQ | POS, .heading = "version" },
	{ COL(phase, MP_COL_PHASE), .flags = REQ },
	{ COL(streams, MP_COL_UINT), .flags = REQ | POS, .heading = "streams" },
	{ COL(repetition, MP_COL_UINT), .flags = REQ | POS, .heading = "rep." },
	{ COL(status, MP_COL_TEXT), .flags = REQ, .heading = "status" },
	{ COL(sender_gbps, MP_COL_NUM), .heading = "sender Gbit/s", .cell_fmt = "%.3f" },
	{ COL(receiver_gbps, MP_COL_NUM), .heading = "receiver Gbit/s", .cell_fmt = "%.3f",
	  .metric = "tcp-gbps", .units = "Gbit/s", .trend = MP_TREND_HIGHER },
	{ COL(retransmits, MP_COL_NUM), .heading = "retransmits", .cell_fmt = "%.0f" },
	{ COL(sent_bytes, MP_COL_NUM) },
	{ COL(received_bytes, MP_COL_NUM) },
	{ COL(seconds, MP_COL_NUM), .heading = "s", .cell_fmt = "%.2f" },
	{ COL(sender_cpu_pct, MP_COL_NUM), .heading = "sender CPU %", .cell_fmt = "%.1f" },
	{ COL(receiver_cpu_pct, MP_COL_NUM), .heading = "receiver CPU %", .cell_fmt = "%.1f" },
	{ COL(dut_cpu_s_per_gb, MP_COL_NUM), .heading = "DUT CPU s/GB", .cell_fmt = "%.3f",
	  .metric = "tcp-dut-cpu", .units = "s/GB", .trend = MP_TREND_LOWER },
	{ COL(offloads, MP_COL_TEXT) },
	{ COL(tg_offloads, MP_COL_TEXT) },
	{ COL(rx_offloads, MP_COL_TEXT) },
	{ COL(generator_frontend, MP_COL_TEXT) },
	{ COL(generator_backend, MP_COL_TEXT) },
	{ COL(dut_in_frontend, MP_COL_TEXT) },
	{ COL(dut_in_backend, MP_COL_TEXT) },
	{ COL(dut_out_frontend, MP_COL_TEXT) },
	{ COL(dut_out_backend, MP_COL_TEXT) },
	{ COL(receiver_frontend, MP_COL_TEXT) },
	{ COL(receiver_backend, MP_COL_TEXT) },
	{ COL(reason, MP_COL_TEXT), .heading = "reason" },
};
const size_t mp_tcp_ncols = sizeof(mp_tcp_cols) / sizeof(mp_tcp_cols[0]);

static const char *const statuses[] = { "ok", "failed", "skipped" };

#define AT(row, c, T) ((T *)((char *)(row) + (c)->off))
#define AT_C(row, c, T) ((T const *)((const char *)(row) + (c)->off))

void mp_tcp_empty_row(struct mp_tcp_row *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < mp_tcp_ncols; i++)
		if (mp_tcp_cols[i].type == MP_COL_NUM)
			*AT(r, &mp_tcp_cols[i], double) = NAN;
}

void mp_tcp_cell(const struct mp_tcp_col *c, const struct mp_tcp_row *row, char *buf,
		 size_t len)
{
	const char *s;

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
	case MP_COL_NUM:
		mp_csv_num_str(buf, len, *AT_C(row, c, double));
		break;
	default:
		snprintf(buf, len, "?");
	}
}

double mp_tcp_num(const struct mp_tcp_col *c, const struct mp_tcp_row *row)
{
	switch (c->type) {
	case MP_COL_PHASE: return (double)(*AT_C(row, c, size_t) + 1);
	case MP_COL_UINT: return *AT_C(row, c, unsigned);
	case MP_COL_NUM: return *AT_C(row, c, double);
	default: return NAN;
	}
}

void mp_tcp_csv_header(FILE *f)
{
	for (size_t i = 0; i < mp_tcp_ncols; i++)
		mp_csv_field(f, mp_tcp_cols[i].name, i == 0);
	fputc('\n', f);
}

void mp_tcp_csv_row(FILE *f, const struct mp_tcp_row *row)
{
	char buf[MP_CSV_NUM_LEN];

	for (size_t i = 0; i < mp_tcp_ncols; i++) {
		const struct mp_tcp_col *c = &mp_tcp_cols[i];

		if (c->type == MP_COL_TEXT) {
			mp_csv_field(f, *AT_C(row, c, const char *), i == 0);
		} else {
			mp_tcp_cell(c, row, buf, sizeof(buf));
			mp_csv_field(f, buf, i == 0);
		}
	}
	fputc('\n', f);
}

json_t *mp_tcp_row_json(const struct mp_tcp_row *row)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < mp_tcp_ncols; i++) {
		const struct mp_tcp_col *c = &mp_tcp_cols[i];
		const char *s;
		double v;

		switch (c->type) {
		case MP_COL_TEXT:
			s = *AT_C(row, c, const char *);
			if ((s && *s) || (c->flags & MP_COL_REQUIRED))
				json_object_set_new(o, c->name, json_string(s ? s : ""));
			break;
		case MP_COL_NUM:
			v = *AT_C(row, c, double);
			json_object_set_new(o, c->name, isnan(v) || isinf(v) ? json_null() : json_real(v));
			break;
		default:
			json_object_set_new(o, c->name, json_integer((json_int_t)mp_tcp_num(c, row)));
		}
	}
	return o;
}

int mp_tcp_row_from_json(const json_t *o, struct mp_tcp_row *row)
{
	mp_tcp_empty_row(row);
	for (size_t i = 0; i < mp_tcp_ncols; i++) {
		const struct mp_tcp_col *c = &mp_tcp_cols[i];
		const json_t *v = json_object_get(o, c->name);

		if (!v || json_is_null(v)) {
			if (c->flags & MP_COL_REQUIRED)
				return -EINVAL;
			continue;
		}
		switch (c->type) {
		case MP_COL_TEXT:
			if (!json_is_string(v))
				return -EINVAL;
			*AT(row, c, const char *) = json_string_value(v);
			break;
		case MP_COL_NUM:
			if (!json_is_number(v))
				return -EINVAL;
			*AT(row, c, double) = json_number_value(v);
			break;
		case MP_COL_PHASE:
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				return -EINVAL;
			*AT(row, c, size_t) = (size_t)json_integer_value(v) - 1;
			break;
		case MP_COL_UINT:
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > UINT_MAX)
				return -EINVAL;
			*AT(row, c, unsigned) = (unsigned)json_integer_value(v);
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

void mp_tcp_stats_line(FILE *f, const struct mp_tcp_row *r)
{
	fprintf(f, "TCP %s, %u stream%s, repetition %u: %s", r->version, r->streams,
		r->streams == 1 ? "" : "s", r->repetition, r->status);
	if (strcmp(r->status, "ok") == 0)
		fprintf(f, ": sender %.3f Gbit/s, receiver %.3f Gbit/s, %.0f retransmits",
			r->sender_gbps, r->receiver_gbps, r->retransmits);
	else if (r->reason)
		fprintf(f, ": %s", r->reason);
	fputs("\n\n", f);
}

/* Parses `s` into the row's field for column `c`; 0 or -1. */
static int parse_cell(const struct mp_tcp_col *c, const char *s, struct mp_tcp_row *row)
{
	unsigned long long u;
	char *end;

	if (c->type == MP_COL_TEXT) {
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
	if (*end || errno || ((c->flags & MP_COL_POSITIVE) && u == 0))
		return -1;
	if (c->type == MP_COL_PHASE) {
		if (u == 0 || u > SIZE_MAX)
			return -1;
		*AT(row, c, size_t) = (size_t)(u - 1);
		return 0;
	}
	if (c->type == MP_COL_UINT && u <= UINT_MAX) {
		*AT(row, c, unsigned) = (unsigned)u;
		return 0;
	}
	return -1;
}

static int known_status(const char *s)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(s, statuses[i]) == 0)
			return 1;
	return 0;
}

int mp_tcp_read(const char *path, struct mp_tcps *t, char *err, size_t errlen)
{
	int *map = NULL, rc;

	memset(t, 0, sizeof(*t));
	if ((rc = mp_csv_read(path, &t->csv, err, errlen)) < 0)
		return rc;
	map = calloc(mp_tcp_ncols, sizeof(int));
	t->rows = calloc(t->csv.nrows ? t->csv.nrows : 1, sizeof(*t->rows));
	if (!map || !t->rows) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < mp_tcp_ncols; i++) {
		map[i] = mp_csv_col(&t->csv, mp_tcp_cols[i].name);
		if (map[i] < 0 && (mp_tcp_cols[i].flags & MP_COL_REQUIRED)) {
			snprintf(err, errlen, "%s:1: no column %s: not a mir-perf tcp.csv", path,
				 mp_tcp_cols[i].name);
			rc = -EINVAL;
			goto fail;
		}
	}
	for (size_t r = 0; r < t->csv.nrows; r++) {
		struct mp_tcp_row *row = &t->rows[r];

		mp_tcp_empty_row(row);
		for (size_t i = 0; i < mp_tcp_ncols; i++) {
			const char *cell = map[i] < 0 ? NULL : t->csv.rows[r][map[i]];

			if (cell && parse_cell(&mp_tcp_cols[i], cell, row) < 0) {
				snprintf(err, errlen, "%s:%zu: column %s: \"%.40s\" is not what it "
					 "should be (corrupted row)", path, r + 2, mp_tcp_cols[i].name,
					 cell);
				rc = -EINVAL;
				goto fail;
			}
		}
		if (!known_status(row->status)) {
			snprintf(err, errlen, "%s:%zu: column status: \"%.40s\" is not ok, failed or "
				 "skipped (corrupted row)", path, r + 2, row->status);
			rc = -EINVAL;
			goto fail;
		}
		t->nrows++;
	}
	free(map);
	return 0;
fail:
	free(map);
	mp_tcp_free(t);
	return rc;
}

void mp_tcp_free(struct mp_tcps *t)
{
	mp_csv_free(&t->csv);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
