/* latency.csv's columns (latency_csv.h). */
#include "controller/results/latency_csv.h"

#define COL(field, t) MP_COL(struct mp_latency_line, field, t)
#define REQ MP_COL_REQUIRED

/* File order. */
static const struct mp_col cols[] = {
	{ COL(t_s, MP_COL_NUM), .flags = REQ, .fmt = "%.3f" },
	{ COL(version, MP_COL_TEXT), .flags = REQ | MP_COL_POSITIVE },
	{ COL(phase, MP_COL_PHASE), .flags = REQ },
	{ COL(size, MP_COL_UINT) },
	{ COL(rate, MP_COL_U64) },
	{ COL(rx_pps, MP_COL_NUM) },
	{ COL(lat_p50_us, MP_COL_NUM) },
	{ COL(lat_p99_us, MP_COL_NUM) },
};
const struct mp_coltab mp_latency_tab = MP_COLTAB("latency.csv", cols, struct mp_latency_line);
