/* phases.csv's columns (phases_csv.h). */
#include "controller/results/phases_csv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define COL(field, t) MP_COL(struct mp_phase_row, field, t)
#define REQ MP_COL_REQUIRED
#define POS MP_COL_POSITIVE

/* File order. Add a column here and a field in struct mp_phase_row. */
static const struct mp_col cols[] = {
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
const struct mp_coltab mp_phases_tab = MP_COLTAB("phases.csv", cols, struct mp_phase_row);

static const char *const statuses[] = { "ok", "failed", "skipped" };

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
	void *rows;
	int rc;

	memset(p, 0, sizeof(*p));
	p->csv = *csv;
	memset(csv, 0, sizeof(*csv));
	rc = mp_coltab_read(&mp_phases_tab, &p->csv, name, &rows, &p->nrows, err, errlen);
	p->rows = rows;
	for (size_t r = 0; rc == 0 && r < p->nrows; r++) {
		/* Not columns: computed when the row is made, for the stats file. */
		p->rows[r].gen_tx_pps = p->rows[r].out_tx_pps = NAN;
		if (!known_status(p->rows[r].status)) {
			snprintf(err, errlen, "%s:%zu: column status: \"%.40s\" is not ok, failed or "
				 "skipped (corrupted row)", name, r + 2, p->rows[r].status);
			rc = -EINVAL;
		}
	}
	if (rc < 0)
		mp_phases_free(p);
	return rc;
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
