/* throughput.csv's columns (throughput.h). */
#include "controller/results/throughput.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COL(field, t) MP_COL(struct mp_tput_row, field, t)
#define REQ MP_COL_REQUIRED
#define POS MP_COL_POSITIVE

/* File order. Add a column here and a field in struct mp_tput_row. */
static const struct mp_col cols[] = {
	{ COL(version, MP_COL_TEXT), .flags = REQ | POS },
	{ COL(size, MP_COL_UINT), .flags = REQ },       /* 0: IMIX */
	{ COL(goal, MP_COL_TEXT), .flags = REQ | POS },
	{ COL(goal_loss_pct, MP_COL_NUM) },
	{ COL(lower_pps, MP_COL_NUM) },
	{ COL(upper_pps, MP_COL_NUM) },
	{ COL(forwarded_pps, MP_COL_NUM) },
	{ COL(lower_mbps, MP_COL_NUM) },
	{ COL(trials, MP_COL_UINT) },
	{ COL(search_s, MP_COL_NUM) },
	{ COL(status, MP_COL_TEXT), .flags = REQ | POS },
	{ COL(gen_max_pps, MP_COL_NUM) },
	{ COL(reason, MP_COL_TEXT) },
};
const struct mp_coltab mp_tput_tab = MP_COLTAB("throughput.csv", cols, struct mp_tput_row);

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

int mp_tput_read(const char *path, struct mp_tput *t, char *err, size_t errlen)
{
	void *rows;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = mp_csv_read(path, &t->csv, err, errlen);
	if (rc == 0)
		rc = mp_coltab_read(&mp_tput_tab, &t->csv, path, &rows, &t->nrows, err, errlen);
	if (rc < 0) {
		mp_tput_free(t);
		return rc;
	}
	t->rows = rows;
	return 0;
}

void mp_tput_free(struct mp_tput *t)
{
	mp_csv_free(&t->csv);
	free(t->rows);
	t->rows = NULL;
	t->nrows = 0;
}
