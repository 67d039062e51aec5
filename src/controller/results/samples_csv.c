/* samples.csv's columns (samples_csv.h). */
#include "controller/results/samples_csv.h"

#define COL(field, t) MP_COL(struct mp_sample_row, field, t)
#define REQ MP_COL_REQUIRED

/* File order. */
static const struct mp_col cols[] = {
	{ COL(t_s, MP_COL_NUM), .flags = REQ, .fmt = "%.6f" },
	{ COL(version, MP_COL_TEXT), .flags = MP_COL_POSITIVE },
	{ COL(phase, MP_COL_PHASE), .flags = REQ },
	{ COL(size, MP_COL_UINT) },
	{ COL(rate, MP_COL_U64) },
	{ COL(window, MP_COL_TEXT), .flags = REQ },
	{ COL(iface, MP_COL_TEXT) },
	{ COL(role, MP_COL_TEXT), .flags = REQ },
	{ COL(rx_packets, MP_COL_U64) },
	{ COL(tx_packets, MP_COL_U64) },
	{ COL(rx_bytes, MP_COL_U64) },
	{ COL(tx_bytes, MP_COL_U64) },
	{ COL(rx_dropped, MP_COL_U64) },
	{ COL(tx_dropped, MP_COL_U64) },
	{ COL(rx_pps, MP_COL_NUM), .flags = REQ },
	{ COL(tx_pps, MP_COL_NUM) },
};
const struct mp_coltab mp_samples_tab = MP_COLTAB("samples.csv", cols, struct mp_sample_row);
