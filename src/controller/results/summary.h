/* A phase's figures from its measure-window samples. Pure computation, no
 * I/O, so it is tested exactly and shared by the sweep and `compare`. */
#ifndef MP_SUMMARY_H
#define MP_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"

/* One sample of one interface's cumulative counters. */
struct mp_summary_point {
	uint64_t t_ns;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
};

struct mp_summary_input {
	const struct mp_summary_point *generator;  /* generator role's vif */
	size_t ngenerator;
	const struct mp_summary_point *dut_out;    /* dut_out role's vif */
	size_t ndut_out;
	double gen_sent_packets;   /* agent's count over the window, NAN if unknown */
	double gen_sent_s;         /* and the time it covers */
	double dut_cpu_ns;         /* DUT CPU time used in the window, NAN if unknown */
};

/* A phase whose generator offered more than this share less than the rate
 * asked is marked short (live line, log, report); a search trial short by
 * more is not a pass. */
#define MP_SHORTFALL_MARK_PCT 1.0

/* One row of phases.csv. Doubles are NAN when unavailable (empty cell).
 * Which field is which column, and how to add one: phases_csv.h. */
struct mp_phase_row {
	const char *version;
	size_t phase;              /* 0-based index in the run */
	unsigned size;             /* MP_SIZE_IMIX (0): the mix in `mix` */
	const char *mix;           /* IMIX only: "60:7,590:4,1514:1"; else NULL */
	uint64_t rate;
	const char *status;        /* "ok", "failed", "skipped" */
	const char *reason;        /* NULL when ok */
	double offered_pps;        /* generator rx over the window (first to last sample) */
	double forwarded_pps;      /* dut_out rx over the window */
	double forwarded_pps_p5, forwarded_pps_p50, forwarded_pps_p95;  /* per-interval rates */
	double loss_pct;           /* 100 * (offered - forwarded) / offered, >= 0 */
	double forwarded_mbps;     /* dut_out rx bytes * 8 / s / 1e6 */
	double gen_sent_pps;       /* agent's count / its time */
	double dut_cpu_ns_per_pkt; /* dut_cpu_ns / forwarded packets */
	/* The agent's receiver over the measure window, by send time (NAN
	 * without roles.receiver): frames received / window, sequence figures,
	 * latency percentiles (HdrHistogram-style, 3 significant digits), RFC
	 * 3550 jitter. */
	double rx_pps;
	double lost, reordered, duplicated;
	double lat_min_us, lat_p50_us, lat_p90_us, lat_p99_us, lat_p999_us, lat_max_us;
	double jitter_us;
	/* An IMIX phase with a receiver: the frames received of each size,
	 * "60:7012,590:4003,1514:1001" (size:frames, sizes ascending; bytes
	 * per size are size x frames); NULL otherwise. */
	const char *rx_sizes;
	const struct mp_hist *lat_hist;  /* for results.json; NULL without receiver */
	size_t samples;            /* dut_out samples in the window */
	double gen_tx_pps;         /* generator vif tx over the window (the stats file) */
	double out_tx_pps;         /* dut_out vif tx over the window (the stats file) */
	const char *gen_iface, *out_iface;  /* for results.json; may be NULL */
	/* Honest counts (docs/search.md), over the phase's whole traffic
	 * (warm-up and measure window) and read after the drain: no frame is
	 * counted at one edge and not the other. A search judges by them. */
	double sent_pkts;          /* generator vif rx */
	double forwarded_pkts;     /* dut_out vif rx */
	double count_loss_pct;     /* 100 * (sent - forwarded) / sent, >= 0 */
	/* Frames the DUT still held when the traffic was stopped: what left it
	 * after the stop less what entered it after the stop (>= 0). A DUT
	 * that fell behind and caught up from its queues holds many. */
	double drain_pkts;
	/* The generator's shortfall against rate x its sending time, by the
	 * lower of its own count and its vif's; NAN for rate 0 (max). */
	double gen_shortfall_pct;
	/* A search trial: its number in the search (a repeated trial keeps
	 * it), the goal it served, its measure window, the search's time after
	 * it and what it decided ("NDR:pass PDR:fail", "short 3.2%", "broken");
	 * 0, NAN and NULL for grid phases. */
	unsigned trial;
	const char *goal;
	double trial_s, search_s;
	const char *decision;
};

/* Every double column and the stats file's two rates NAN, every pointer
 * NULL, numbers 0. */
void mp_summary_empty_row(struct mp_phase_row *row);

/* Fills the figures of `row` (not version/phase/size/rate/status/reason)
 * from `in`. Rates use counter deltas over the real elapsed time between
 * samples; per-interval percentiles use each pair of consecutive samples. */
void mp_summary_compute(const struct mp_summary_input *in, struct mp_phase_row *row);

#endif
