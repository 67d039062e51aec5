/* tcp.csv's columns (tcp_csv.h). */
#include "controller/results/tcp_csv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COL(field, t) MP_COL(struct mp_tcp_row, field, t)
#define REQ MP_COL_REQUIRED
#define POS MP_COL_POSITIVE
/* Rates to 6 significant digits: 3 decimals would keep one of an emulated
 * CPU's few Mbit/s. */
#define GBPS_FMT "%.6g"

/* File order. Add a column here and a field in struct mp_tcp_row. */
static const struct mp_col cols[] = {
	{ COL(version, MP_COL_TEXT), .flags = REQ | POS, .heading = "version" },
	{ COL(phase, MP_COL_PHASE), .flags = REQ },
	{ COL(streams, MP_COL_UINT), .flags = REQ | POS, .heading = "streams" },
	{ COL(repetition, MP_COL_UINT), .flags = REQ | POS, .heading = "rep." },
	{ COL(status, MP_COL_TEXT), .flags = REQ | POS, .heading = "status" },
	{ COL(sender_gbps, MP_COL_NUM), .heading = "sender Gbit/s", .cell_fmt = "%.4g",
	  .fmt = GBPS_FMT },
	{ COL(receiver_gbps, MP_COL_NUM), .heading = "receiver Gbit/s", .cell_fmt = "%.4g",
	  .fmt = GBPS_FMT,
	  .metric = "tcp-gbps", .units = "Gbit/s", .trend = MP_TREND_HIGHER },
	{ COL(retransmits, MP_COL_NUM), .heading = "retransmits", .cell_fmt = "%.0f" },
	{ COL(csum_errors, MP_COL_NUM), .heading = "bad checksums", .cell_fmt = "%.0f" },
	{ COL(sent_bytes, MP_COL_NUM) },
	{ COL(received_bytes, MP_COL_NUM) },
	{ COL(seconds, MP_COL_NUM), .heading = "s", .cell_fmt = "%.2f" },
	{ COL(sender_cpu_pct, MP_COL_NUM), .heading = "sender CPU %", .cell_fmt = "%.1f" },
	{ COL(receiver_cpu_pct, MP_COL_NUM), .heading = "receiver CPU %", .cell_fmt = "%.1f" },
	{ COL(dut_cpu_s_per_gb, MP_COL_NUM), .heading = "DUT CPU s/GB", .cell_fmt = "%.3f",
	  .metric = "tcp-dut-cpu", .units = "s/GB", .trend = MP_TREND_LOWER },
	{ COL(offloads, MP_COL_TEXT) },
	{ COL(checksum, MP_COL_TEXT) },
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
const struct mp_coltab mp_tcp_tab = MP_COLTAB("tcp.csv", cols, struct mp_tcp_row);

static const char *const statuses[] = { "ok", "failed", "skipped" };

#define AT(row, c, T) ((T *)((char *)(row) + (c)->off))

void mp_tcp_empty_row(struct mp_tcp_row *r)
{
	mp_coltab_empty(&mp_tcp_tab, r);
}

int mp_tcp_row_from_json(const json_t *o, struct mp_tcp_row *row)
{
	mp_tcp_empty_row(row);
	for (size_t i = 0; i < mp_tcp_tab.ncols; i++) {
		const struct mp_col *c = &mp_tcp_tab.cols[i];
		const json_t *v = json_object_get(o, c->name);
		json_int_t n;

		if (!v || json_is_null(v)) {
			if (c->flags & MP_COL_REQUIRED)
				return -EINVAL;
			continue;
		}
		if (c->type == MP_COL_TEXT) {
			if (!json_is_string(v))
				return -EINVAL;
			*AT(row, c, const char *) = json_string_value(v);
			continue;
		}
		if (c->type == MP_COL_NUM) {
			if (!json_is_number(v))
				return -EINVAL;
			*AT(row, c, double) = json_number_value(v);
			continue;
		}
		n = json_is_integer(v) ? json_integer_value(v) : -1;
		if (c->type == MP_COL_PHASE && n >= 1)
			*AT(row, c, size_t) = (size_t)n - 1;
		else if (c->type == MP_COL_UINT && n >= 0 && n <= UINT_MAX)
			*AT(row, c, unsigned) = (unsigned)n;
		else
			return -EINVAL;
	}
	return 0;
}

void mp_tcp_stats_line(FILE *f, const struct mp_tcp_row *r)
{
	fprintf(f, "TCP %s, %u stream%s, repetition %u: %s", r->version, r->streams,
		r->streams == 1 ? "" : "s", r->repetition, r->status);
	if (strcmp(r->status, "ok") == 0)
		fprintf(f, ": sender %.4g Gbit/s, receiver %.4g Gbit/s, %.0f retransmits",
			r->sender_gbps, r->receiver_gbps, r->retransmits);
	else if (r->reason)
		fprintf(f, ": %s", r->reason);
	fputs("\n\n", f);
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
	void *rows = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = mp_csv_read(path, &t->csv, err, errlen);
	if (rc == 0)
		rc = mp_coltab_read(&mp_tcp_tab, &t->csv, path, &rows, &t->nrows, err, errlen);
	t->rows = rows;
	for (size_t r = 0; rc == 0 && r < t->nrows; r++)
		if (!known_status(t->rows[r].status)) {
			snprintf(err, errlen, "%s:%zu: column status: \"%.40s\" is not ok, failed or "
				 "skipped (corrupted row)", path, r + 2, t->rows[r].status);
			rc = -EINVAL;
		}
	if (rc < 0)
		mp_tcp_free(t);
	return rc;
}

void mp_tcp_free(struct mp_tcps *t)
{
	mp_csv_free(&t->csv);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
