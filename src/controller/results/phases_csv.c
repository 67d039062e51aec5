/* phases.csv's columns and their one writer and reader (phases_csv.h). */
#include "controller/results/phases_csv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define COL(field, t) .name = #field, .off = offsetof(struct mp_phase_row, field), .type = t
#define REQ MP_COL_REQUIRED
#define POS MP_COL_POSITIVE

/* File order. Add a column here and a field in struct mp_phase_row. */
const struct mp_phase_col mp_phase_cols[] = {
	{ COL(version, MP_COL_TEXT), .flags = REQ | POS, .heading = "version" },
	{ COL(phase, MP_COL_PHASE), .flags = REQ, .heading = "#" },
	{ COL(size, MP_COL_UINT), .flags = REQ, .heading = "size" },  /* 0: IMIX, see mix */
	{ COL(mix, MP_COL_TEXT) },
	{ COL(rate, MP_COL_U64), .flags = REQ, .heading = "rate" },   /* 0: max */
	{ COL(status, MP_COL_TEXT), .flags = REQ, .heading = "status" },
	{ COL(offered_pps, MP_COL_NUM), .heading = "offered pps", .cell_fmt = "%.0f" },
	{ COL(forwarded_pps, MP_COL_NUM), .heading = "forwarded pps", .cell_fmt = "%.0f",
	  .metric = "forwarded", .units = "pps", .trend = MP_TREND_HIGHER },
	{ COL(forwarded_pps_p5, MP_COL_NUM), .heading = "p5", .cell_fmt = "%.0f" },
	{ COL(forwarded_pps_p50, MP_COL_NUM), .heading = "p50", .cell_fmt = "%.0f" },
	{ COL(forwarded_pps_p95, MP_COL_NUM), .heading = "p95", .cell_fmt = "%.0f" },
	{ COL(loss_pct, MP_COL_NUM), .heading = "loss %", .cell_fmt = "%.3f",
	  .metric = "loss", .units = "%", .trend = MP_TREND_LOWER },
	{ COL(forwarded_mbps, MP_COL_NUM), .heading = "Mbit/s", .cell_fmt = "%.2f" },
	{ COL(gen_sent_pps, MP_COL_NUM), .heading = "agent pps", .cell_fmt = "%.0f" },
	{ COL(gen_shortfall_pct, MP_COL_NUM), .heading = "gen short %", .cell_fmt = "%.1f" },
	{ COL(dut_cpu_ns_per_pkt, MP_COL_NUM), .heading = "DUT ns/pkt", .cell_fmt = "%.1f",
	  .metric = "dut-cpu", .units = "ns/packet", .trend = MP_TREND_LOWER },
	/* The receiver (roles.receiver); empty without one. */
	{ COL(rx_pps, MP_COL_NUM), .heading = "rx pps", .cell_fmt = "%.0f" },
	{ COL(lost, MP_COL_NUM), .heading = "lost", .cell_fmt = "%.0f" },
	{ COL(reordered, MP_COL_NUM), .heading = "reord.", .cell_fmt = "%.0f" },
	{ COL(duplicated, MP_COL_NUM), .heading = "dup.", .cell_fmt = "%.0f" },
	{ COL(lat_min_us, MP_COL_NUM) },
	{ COL(lat_p50_us, MP_COL_NUM), .heading = "lat p50 us", .cell_fmt = "%.1f",
	  .metric = "latency-p50", .units = "us", .trend = MP_TREND_LOWER },
	{ COL(lat_p90_us, MP_COL_NUM) },
	{ COL(lat_p99_us, MP_COL_NUM), .heading = "lat p99 us", .cell_fmt = "%.1f",
	  .metric = "latency-p99", .units = "us", .trend = MP_TREND_LOWER },
	{ COL(lat_p999_us, MP_COL_NUM) },
	{ COL(lat_max_us, MP_COL_NUM), .heading = "lat max us", .cell_fmt = "%.1f" },
	{ COL(jitter_us, MP_COL_NUM), .heading = "jitter us", .cell_fmt = "%.2f" },
	{ COL(rx_sizes, MP_COL_TEXT), .heading = "rx frames by size" },
	{ COL(samples, MP_COL_COUNT) },
	{ COL(sent_pkts, MP_COL_NUM) },
	{ COL(forwarded_pkts, MP_COL_NUM) },
	{ COL(count_loss_pct, MP_COL_NUM), .heading = "loss % (counts)", .cell_fmt = "%.3f" },
	{ COL(drain_pkts, MP_COL_NUM) },
	{ COL(trial, MP_COL_UINT) },
	{ COL(goal, MP_COL_TEXT) },
	{ COL(trial_s, MP_COL_NUM) },
	{ COL(search_s, MP_COL_NUM) },
	{ COL(decision, MP_COL_TEXT), .heading = "trial decision" },
	{ COL(reason, MP_COL_TEXT), .heading = "reason" },
};
const size_t mp_phase_ncols = sizeof(mp_phase_cols) / sizeof(mp_phase_cols[0]);

static const char *const statuses[] = { "ok", "failed", "skipped" };

#define AT(row, c, T) ((T *)((char *)(row) + (c)->off))
#define AT_C(row, c, T) ((T const *)((const char *)(row) + (c)->off))

void mp_phase_cell(const struct mp_phase_col *c, const struct mp_phase_row *row, char *buf,
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
	case MP_COL_U64:
		snprintf(buf, len, "%llu", (unsigned long long)*AT_C(row, c, uint64_t));
		break;
	case MP_COL_COUNT:
		snprintf(buf, len, "%zu", *AT_C(row, c, size_t));
		break;
	case MP_COL_NUM:
		mp_csv_num_str(buf, len, *AT_C(row, c, double));
		break;
	}
}

const char *mp_phase_text(const struct mp_phase_col *c, const struct mp_phase_row *row)
{
	return c->type == MP_COL_TEXT ? *AT_C(row, c, const char *) : NULL;
}

double mp_phase_num(const struct mp_phase_col *c, const struct mp_phase_row *row)
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

void mp_phases_csv_header(FILE *f)
{
	for (size_t i = 0; i < mp_phase_ncols; i++)
		mp_csv_field(f, mp_phase_cols[i].name, i == 0);
	fputc('\n', f);
}

void mp_phases_csv_row(FILE *f, const struct mp_phase_row *row)
{
	char buf[MP_CSV_NUM_LEN];

	for (size_t i = 0; i < mp_phase_ncols; i++) {
		const struct mp_phase_col *c = &mp_phase_cols[i];

		if (c->type == MP_COL_TEXT) {
			mp_csv_field(f, *AT_C(row, c, const char *), i == 0);
		} else {
			mp_phase_cell(c, row, buf, sizeof(buf));
			mp_csv_field(f, buf, i == 0);
		}
	}
	fputc('\n', f);
}

json_t *mp_phase_row_json(const struct mp_phase_row *row)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < mp_phase_ncols; i++) {
		const struct mp_phase_col *c = &mp_phase_cols[i];
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
			json_object_set_new(o, c->name, json_integer((json_int_t)mp_phase_num(c, row)));
		}
	}
	return o;
}

/* Parses `s` into the row's field for column `c`; 0 or -1 (not its type). */
static int parse_cell(const struct mp_phase_col *c, const char *s, struct mp_phase_row *row)
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

static int known_status(const char *s)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(s, statuses[i]) == 0)
			return 1;
	return 0;
}

int mp_phases_from_csv(struct mp_csv *csv, const char *name, struct mp_phases *p, char *err,
		       size_t errlen)
{
	int *map = calloc(mp_phase_ncols, sizeof(int));

	memset(p, 0, sizeof(*p));
	p->csv = *csv;
	memset(csv, 0, sizeof(*csv));
	if (!map)
		goto nomem;
	for (size_t i = 0; i < mp_phase_ncols; i++) {
		map[i] = mp_csv_col(&p->csv, mp_phase_cols[i].name);
		if (map[i] < 0 && (mp_phase_cols[i].flags & MP_COL_REQUIRED)) {
			snprintf(err, errlen, "%s:1: no column %s: not a mir-perf phases.csv", name,
				 mp_phase_cols[i].name);
			free(map);
			mp_phases_free(p);
			return -EINVAL;
		}
	}
	p->rows = calloc(p->csv.nrows ? p->csv.nrows : 1, sizeof(*p->rows));
	if (!p->rows)
		goto nomem;
	for (size_t r = 0; r < p->csv.nrows; r++) {
		struct mp_phase_row *row = &p->rows[r];

		mp_summary_empty_row(row);
		for (size_t i = 0; i < mp_phase_ncols; i++) {
			const char *cell = map[i] < 0 ? NULL : p->csv.rows[r][map[i]];

			if (cell && parse_cell(&mp_phase_cols[i], cell, row) < 0) {
				snprintf(err, errlen, "%s:%zu: column %s: \"%.40s\" is not what it "
					 "should be (corrupted row)", name, r + 2, mp_phase_cols[i].name,
					 cell);
				free(map);
				mp_phases_free(p);
				return -EINVAL;
			}
		}
		if (!known_status(row->status)) {
			snprintf(err, errlen, "%s:%zu: column status: \"%.40s\" is not ok, failed or "
				 "skipped (corrupted row)", name, r + 2, row->status);
			free(map);
			mp_phases_free(p);
			return -EINVAL;
		}
		p->nrows++;
	}
	free(map);
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", name);
	free(map);
	mp_phases_free(p);
	return -ENOMEM;
}

int mp_phases_read(const char *path, struct mp_phases *p, char *err, size_t errlen)
{
	struct mp_csv csv;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = mp_csv_read(path, &csv, err, errlen)) < 0)
		return rc;
	return mp_phases_from_csv(&csv, path, p, err, errlen);
}

void mp_phases_free(struct mp_phases *p)
{
	mp_csv_free(&p->csv);
	free(p->rows);
	memset(p, 0, sizeof(*p));
}
