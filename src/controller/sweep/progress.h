/* Live progress on stderr. On a terminal: one status line rewritten at most
 * 10 times a second (phase i/N, version, size, rate, live offered and
 * forwarded pps, elapsed, ETA). Otherwise (CI, a log file): one line per
 * finished phase. Quiet: nothing. */
#ifndef MP_PROGRESS_H
#define MP_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "controller/plan/plan.h"
#include "controller/results/summary.h"
#include "controller/results/tcp_csv.h"
#include "controller/results/throughput.h"

struct mp_progress;

/* Terminal mode when isatty(fileno(f)). */
struct mp_progress *mp_progress_new(FILE *f, int quiet, size_t nphases);
/* The ETA, kept here and read from the plan's schedule: phase `phase`
 * (0-based) starts at now_ns (a search counted at its timeout, the bound).
 * Starting the phase that is already going on (a search's next trial, a TCP
 * repetition) keeps its start, so the ETA only counts down. */
void mp_progress_phase_start(struct mp_progress *p, const struct mp_plan *plan,
			     size_t phase, uint64_t now_ns);
/* What the schedule still expects at now_ns: the rest of the phase going
 * on (none once it overran) and every phase after it; 0 before any. */
uint64_t mp_progress_eta_ns(const struct mp_progress *p, uint64_t now_ns);
/* phase: 0-based; offered/forwarded NAN when unknown yet; the line shows
 * mp_progress_eta_ns. */
void mp_progress_update(struct mp_progress *p, size_t phase, const char *version,
			unsigned size, uint64_t rate, double offered_pps,
			double forwarded_pps, uint64_t elapsed_ns);
/* A finished phase, or a search trial (row->trial > 0); marks a generator
 * short by more than MP_SHORTFALL_MARK_PCT. */
void mp_progress_phase_done(struct mp_progress *p, const struct mp_phase_row *row);
/* A search goal's result. */
void mp_progress_goal_done(struct mp_progress *p, const struct mp_tput_row *row);
/* A TCP repetition going on: repetition rep of nreps, the DUT's rate now
 * (Gbit/s from dom0's counters; NAN unknown), and the running mean of the
 * phase's finished repetitions (nmean of them; NAN: none yet). */
void mp_progress_tcp_update(struct mp_progress *p, size_t phase, const char *version,
			    unsigned streams, unsigned rep, unsigned nreps, double now_gbps,
			    double mean_gbps, unsigned nmean, uint64_t elapsed_ns);
/* A finished TCP repetition, with the running mean it makes. */
void mp_progress_tcp_done(struct mp_progress *p, const struct mp_tcp_row *row,
			  unsigned nreps, double mean_gbps, unsigned nmean);
/* Ends the status line (newline) and frees; NULL is fine. */
void mp_progress_free(struct mp_progress *p);

#endif
