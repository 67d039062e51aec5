/* One measurement phase: configure the agent, start traffic and sampling,
 * warm up, measure, stop traffic, drain, then write the phase's row and tell
 * the caller (the steps are described in internal.h).
 *
 *   configure -> start -> [warmup] -> stats@start -> [measure] -> stats@end
 *   -> stop -> [drain: until dut_out stops moving, at most cooldown] -> row
 *   -> [wait for GONE] -> the completion callback (on_over)
 *
 * The phase's state is this file's own (struct sw_runner, opaque to the
 * rest of the sweep, which asks through internal.h's functions). Its timer
 * (run->timer) runs its windows and its wait, so nothing outside this file
 * starts or stops it.
 *
 * Samples are taken on the sampler's absolute schedule during the whole
 * phase, each labelled with the window it fell in; only the measure window
 * counts for the figures. Rates always come from counter deltas over the
 * real elapsed time between two samples. */
#include "controller/sweep/internal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/engines.h"
#include "common/err.h"
#include "common/log.h"
#include "common/loop.h"

/* Traffic ends by itself this long after the planned stop, should the stop
 * request never arrive (the agent's dead-man covers a silent controller). */
#define TRAFFIC_SAFETY_NS (2ULL * MP_NS_PER_SEC)
/* How long a phase whose vif vanished waits for xenstore to say why. */
#define GONE_WAIT_MS 5000
#define NOMEM_REASON "out of memory for a request to the agent"

static void drain_end(struct sweep *sw);

enum sw_window { SW_NONE, SW_WARMUP, SW_MEASURE, SW_COOLDOWN };

/* One role's samples inside the measure window. */
struct sw_series {
	struct mp_summary_point *pts;
	size_t n, cap;
};

/* What one phase gathers, from mp_sweep_phase_run() to its row: reset as a
 * whole when the next one starts. */
struct phase_state {
	struct mp_phase entry;          /* in the plan's schedule (a trial: its rate) */
	int active;                     /* between configure and the row */
	enum sw_window window;
	int traffic_on;                 /* the agent may be sending */
	int failed;
	char reason[512];
	struct mp_link_stats prev[SW_NROLES];
	int have_prev[SW_NROLES];
	struct sw_series series[SW_NROLES];
	struct mp_agent_stats gen_start, gen_end;   /* the generator's own counters */
	uint64_t gen_start_t, gen_end_t;
	int have_gen_start, have_gen_end;
	struct mp_xc_info cpu_start, cpu_end;
	int have_cpu_start, have_cpu_end;
	uint64_t started_ns;
	int lost_dom;                   /* a vif of this domain vanished, or -1 */
	uint64_t traffic_t;             /* when the agent said traffic started */
	uint64_t duration_ns;           /* the measure window: the plan's, or a trial's */
	/* Loss is counted over the phase's whole traffic: every role's
	 * counters before traffic starts and after the DUT drained. */
	struct mp_link_stats before[SW_NROLES], after[SW_NROLES];
	int have_before, have_after;
	struct mp_link_stats at_stop[SW_NROLES];   /* when the stop was asked */
	int have_stop;
	unsigned still;                 /* drain: samples in a row with dut_out unmoved */
};

/* The runner of one phase at a time (sw->runner): the phase going on, and
 * what is kept from one phase to the next. */
struct sw_runner {
	struct phase_state cur;
	unsigned generation;            /* tells late callbacks of old phases apart */
	uv_timer_t timer;               /* the phase's windows and its wait for GONE */
	int waiting_gone;               /* row written; waiting for xenstore's GONE */
	mp_sweep_phase_cb *on_over;     /* who is told when the phase is over */
};

static const char *const window_names[] = {
	[SW_NONE] = "none", [SW_WARMUP] = "warmup",
	[SW_MEASURE] = "measure", [SW_COOLDOWN] = "cooldown",
};

/* Each agent request carries the phase generation it belongs to, so that a
 * reply arriving after its phase ended is ignored. */
struct req {
	struct sweep *sw;
	unsigned generation;
};

/* NULL when memory runs out: the caller sends nothing and fails the phase
 * with NOMEM_REASON. */
static struct req *req_new(struct sweep *sw)
{
	struct req *r = malloc(sizeof(*r));

	if (r) {
		r->sw = sw;
		r->generation = sw->runner->generation;
	}
	return r;
}

/* Returns the sweep if the request's phase is still the current one. */
static struct sweep *req_take(void *arg)
{
	struct req *r = arg;
	struct sweep *sw = r->sw;
	int current = r->generation == sw->runner->generation && sw->runner->cur.active;

	free(r);
	return current ? sw : NULL;
}

void *mp_sweep_req(struct sweep *sw)
{
	return req_new(sw);
}

struct sweep *mp_sweep_req_current(void *arg)
{
	return req_take(arg);
}

int mp_sweep_phase_sending(const struct sweep *sw, unsigned ticket)
{
	const struct sw_runner *r = sw->runner;

	return r->cur.active && r->generation == ticket && r->cur.traffic_on;
}

static void series_push(struct sw_series *s, const struct mp_summary_point *pt)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct mp_summary_point *np = realloc(s->pts, cap * sizeof(*np));

		if (!np)
			return;         /* a lost sample is counted by its absence */
		s->pts = np;
		s->cap = cap;
	}
	s->pts[s->n++] = *pt;
}

/* The output cannot be written (disk full, read-only): stop the run; every
 * phase finished before is on disk. */
static void out_failed(struct sweep *sw, int rc)
{
	mp_sweep_fatal(sw, MP_EXIT_ENV, "cannot write the results in %s: %s%s; every "
		       "phase finished before is on disk (resume with --resume %s once "
		       "there is room)", mp_out_dir(sw->out), mp_strerror(rc),
		       rc == -ENOSPC ? " (disk full)" : "", mp_out_dir(sw->out));
}

void mp_sweep_sample_tick(struct mp_sampler *s, uint64_t due_ns, uint64_t now_ns,
			  void *arg)
{
	struct sweep *sw = arg;
	struct phase_state *ph = &sw->runner->cur;
	const char *names[SW_NROLES];
	struct mp_link_stats st[SW_NROLES];
	double rx_pps[SW_NROLES];
	int rc, wrote = 0;

	(void)s;
	(void)due_ns;
	(void)now_ns;
	if (!ph->active || ph->window == SW_NONE)
		return;
	for (int i = 0; i < sw->nroles; i++)
		names[i] = sw->ifname[i];
	rc = mp_nl_read(sw->nl, names, (size_t)sw->nroles, st);
	if (rc == -ENODEV) {
		/* A vif goes when its domain does: xenstore's event follows. */
		for (int i = 0; i < sw->nroles; i++)
			if (strcmp(sw->ifname[i], mp_nl_last_missing(sw->nl)) == 0)
				ph->lost_dom = (int)sw->plan->roles[mp_sweep_roles[i]].domain;
		mp_sweep_phase_fail(sw, "the interface %s disappeared mid-phase (its domain "
				    "crashed or was destroyed)", mp_nl_last_missing(sw->nl));
		return;
	}
	if (rc < 0) {
		mp_sweep_phase_fail(sw, "cannot read the link counters: %s", mp_strerror(rc));
		return;
	}
	for (int i = 0; i < sw->nroles; i++) {
		struct mp_sample_row row = {
			.t_s = (double)(st[i].t_ns - sw->t0) / MP_NS_PER_SEC,
			.version = sw->plan->versions[ph->entry.version],
			.phase = ph->entry.index,
			.size = ph->entry.size,
			.rate = ph->entry.rate,
			.window = window_names[ph->window],
			.iface = sw->ifname[i],
			.role = mp_role_name(mp_sweep_roles[i]),
			.rx_packets = st[i].rx_packets, .tx_packets = st[i].tx_packets,
			.rx_bytes = st[i].rx_bytes, .tx_bytes = st[i].tx_bytes,
			.rx_dropped = st[i].rx_dropped, .tx_dropped = st[i].tx_dropped,
			.rx_pps = NAN, .tx_pps = NAN,
		};

		if (ph->have_prev[i] && st[i].t_ns > ph->prev[i].t_ns) {
			double dt = (double)(st[i].t_ns - ph->prev[i].t_ns) / MP_NS_PER_SEC;

			row.rx_pps = (double)(st[i].rx_packets - ph->prev[i].rx_packets) / dt;
			row.tx_pps = (double)(st[i].tx_packets - ph->prev[i].tx_packets) / dt;
		}
		rx_pps[i] = row.rx_pps;
		if (i == SW_DUT_OUT && ph->window == SW_COOLDOWN && !ph->traffic_on &&
		    ph->have_prev[i])
			ph->still = st[i].rx_packets == ph->prev[i].rx_packets ? ph->still + 1 : 0;
		ph->prev[i] = st[i];
		ph->have_prev[i] = 1;
		if ((rc = mp_out_sample(sw->out, &row)) < 0)
			wrote = rc;
		if (ph->window == SW_MEASURE) {
			struct mp_summary_point pt = {
				.t_ns = st[i].t_ns,
				.rx_packets = st[i].rx_packets, .rx_bytes = st[i].rx_bytes,
				.tx_packets = st[i].tx_packets, .tx_bytes = st[i].tx_bytes,
			};

			series_push(&ph->series[i], &pt);
		}
	}
	if (wrote < 0 || (rc = mp_out_flush(sw->out)) < 0) {
		out_failed(sw, wrote < 0 ? wrote : rc);
		return;
	}
	if (ph->traffic_on && (ph->window == SW_WARMUP || ph->window == SW_MEASURE))
		mp_sweep_hang_tick(sw, sw->runner->generation, st);
	if (ph->still >= SW_DRAIN_STILL_SAMPLES) {
		drain_end(sw);          /* drained: nothing moves any more */
		return;
	}
	if (sw->progress) {
		int measuring = ph->window == SW_MEASURE;

		mp_progress_update(sw->progress, ph->entry.index, sw->plan->versions[ph->entry.version],
				   ph->entry.size, ph->entry.rate, measuring ? rx_pps[SW_GEN] : NAN,
				   measuring ? rx_pps[SW_DUT_OUT] : NAN, mp_now_ns() - sw->t0);
	}
}

static void xc_sample(struct sweep *sw, struct mp_xc_info *out, int *have)
{
	*have = 0;
	if (!sw->xc || !sw->up[MP_DOM_DUT])
		return;
	if (mp_xc_domain_info(sw->xc, sw->dom[MP_DOM_DUT].domid, out) == 0)
		*have = 1;
}

/* Loss from packet counts over the phase's whole traffic, read after the
 * drain: no frame is counted at one edge of a window and not the other;
 * what the DUT still held at the stop from the counts then and after.
 * The shortfall compares what the generator offered in the measure window
 * (the lower of its own count and its vif's) with the rate asked. */
static void honest_counts(const struct phase_state *ph, struct mp_phase_row *row)
{
	double sent, fwd, offered = isnan(row->gen_sent_pps) ? row->offered_pps :
		fmin(row->gen_sent_pps, row->offered_pps);

	if (ph->entry.rate && !isnan(offered))
		row->gen_shortfall_pct = 100 * fmax(1 - offered / (double)ph->entry.rate, 0);
	if (!ph->have_before || !ph->have_after ||
	    ph->after[SW_GEN].rx_packets < ph->before[SW_GEN].rx_packets ||
	    ph->after[SW_DUT_OUT].rx_packets < ph->before[SW_DUT_OUT].rx_packets)
		return;
	sent = (double)(ph->after[SW_GEN].rx_packets - ph->before[SW_GEN].rx_packets);
	fwd = (double)(ph->after[SW_DUT_OUT].rx_packets - ph->before[SW_DUT_OUT].rx_packets);
	row->count_loss_pct = sent > 0 ? 100 * fmax(sent - fwd, 0) / sent : NAN;
	row->sent_pkts = sent;
	row->forwarded_pkts = fwd;
	if (ph->have_stop && ph->after[SW_DUT_OUT].rx_packets >= ph->at_stop[SW_DUT_OUT].rx_packets &&
	    ph->after[SW_GEN].rx_packets >= ph->at_stop[SW_GEN].rx_packets)
		row->drain_pkts = fmax((double)(ph->after[SW_DUT_OUT].rx_packets -
						ph->at_stop[SW_DUT_OUT].rx_packets) -
				       (double)(ph->after[SW_GEN].rx_packets -
						ph->at_stop[SW_GEN].rx_packets), 0);
}

/* Frames counted by `role` in the measure window: its last sample less
 * its first. -1 without two samples. */
static double window_frames(const struct phase_state *ph, int role)
{
	const struct sw_series *s = &ph->series[role];

	if (s->n < 2 || s->pts[s->n - 1].rx_packets < s->pts[0].rx_packets)
		return -1;
	return (double)(s->pts[s->n - 1].rx_packets - s->pts[0].rx_packets);
}

/* A phase in which the DUT forwarded no frame at all while frames were
 * offered is not a measurement: a live DUT forwards something at any rate
 * (a DUT that is slow loses frames, it does not stop). Judged from the
 * start of the measure window to the end of the drain, so a DUT that
 * forwarded a few frames in the warm-up and then stopped (one TX ring, and
 * never another) is caught, while one that was only starved of CPU for the
 * window (a loaded host) is not: it forwards its backlog in the drain. In
 * a search the trial breaks the same way: the DUT is re-created as
 * domains.dut.on_failure says and the trial repeated (docs/search.md). */
static void judge_silent(struct sweep *sw, struct mp_phase_row *row)
{
	struct phase_state *ph = &sw->runner->cur;
	const struct sw_series *out = &ph->series[SW_DUT_OUT];
	double offered = window_frames(ph, SW_GEN), fwd;
	char before[128] = "";

	if (ph->failed || offered <= 0 || !out->n || !ph->have_after ||
	    ph->after[SW_DUT_OUT].rx_packets < out->pts[0].rx_packets)
		return;
	fwd = (double)(ph->after[SW_DUT_OUT].rx_packets - out->pts[0].rx_packets);
	if (fwd != 0)
		return;
	if (!isnan(row->forwarded_pkts) && row->forwarded_pkts > 0)
		snprintf(before, sizeof(before), "; it forwarded %.0f in the warm-up, then "
			 "stopped", row->forwarded_pkts);
	snprintf(ph->reason, sizeof(ph->reason), "the DUT forwarded no frame at all in the "
		 "measure window and the drain, %.0f frames offered (%.0f pps)%s: not a "
		 "measurement (a live DUT forwards something; its console is quoted in "
		 "run.log)", offered, row->offered_pps, before);
	ph->failed = 1;
	row->status = "failed";
	row->reason = ph->reason;
	sw->dut_broken = SW_DUT_SILENT;
}

static void write_row(struct sweep *sw)
{
	struct phase_state *ph = &sw->runner->cur;
	struct mp_summary_input in;
	struct mp_phase_row row;
	int rc;

	memset(&in, 0, sizeof(in));
	mp_summary_empty_row(&row);
	in.generator = ph->series[SW_GEN].pts;
	in.ngenerator = ph->series[SW_GEN].n;
	in.dut_out = ph->series[SW_DUT_OUT].pts;
	in.ndut_out = ph->series[SW_DUT_OUT].n;
	in.gen_sent_packets = NAN;
	in.gen_sent_s = NAN;
	if (ph->have_gen_start && ph->have_gen_end &&
	    ph->gen_end.c.packets >= ph->gen_start.c.packets) {
		uint64_t a = ph->gen_start.c.last_tx_ns, b = ph->gen_end.c.last_tx_ns;

		in.gen_sent_packets = (double)(ph->gen_end.c.packets - ph->gen_start.c.packets);
		/* The agent's own clock if it stamped both ends, else ours. */
		in.gen_sent_s = a && b > a ? (double)(b - a) / MP_NS_PER_SEC :
			(double)(ph->gen_end_t - ph->gen_start_t) / MP_NS_PER_SEC;
	}
	in.dut_cpu_ns = NAN;
	if (ph->have_cpu_start && ph->have_cpu_end &&
	    ph->cpu_end.cpu_time_ns >= ph->cpu_start.cpu_time_ns)
		in.dut_cpu_ns = (double)(ph->cpu_end.cpu_time_ns - ph->cpu_start.cpu_time_ns);
	mp_summary_compute(&in, &row);
	row.version = sw->plan->versions[ph->entry.version];
	row.phase = ph->entry.index;
	row.size = ph->entry.size;
	row.mix = mp_sweep_mix_text(sw, ph->entry.size);
	row.rate = ph->entry.rate;
	row.status = ph->failed ? "failed" : "ok";
	row.reason = ph->failed ? ph->reason : NULL;
	row.gen_iface = sw->ifname[SW_GEN];
	row.out_iface = sw->ifname[SW_DUT_OUT];
	if ((rc = mp_sweep_rx_row(sw, &row)) < 0)
		out_failed(sw, rc);
	honest_counts(ph, &row);
	if (!ph->failed && row.samples < 2) {
		row.status = "failed";
		row.reason = "fewer than two samples in the measure window";
		ph->failed = 1;
	}
	judge_silent(sw, &row);
	if (sw->trial)
		mp_sweep_search_row(sw, &row, ph->failed);
	if (ph->failed && sw->trial && sw->up[MP_DOM_DUT] && sw->agent_ok &&
	    sw->dut_broken == SW_DUT_OK && ph->lost_dom < 0) {
		/* A trial that broke with the DUT and the agent still there (too
		 * few samples on a loaded machine): the search runs it again and
		 * only its goals failing (a third break) fail the run. A DUT or
		 * an agent lost mid-trial fails the run as for any phase, also
		 * when its vif vanished before xenstore said the domain went. */
		mp_warn("search %zu (%s, size %u), trial %u at %llu pps broke: %s", ph->entry.index + 1,
			row.version, row.size, sw->trial->seq, (unsigned long long)row.rate,
			row.reason);
	} else if (ph->failed && sw->trial) {
		/* The DUT broke or went, or the agent: the search repeats the
		 * trial once the sweep has re-created it or reconnected (or
		 * stops, as on_failure says); the run fails as for a phase. */
		mp_err("search %zu (%s, size %u), trial %u at %llu pps failed: %s", ph->entry.index + 1,
		       row.version, row.size, sw->trial->seq, (unsigned long long)row.rate,
		       row.reason);
		sw->failed_phases++;
	} else if (ph->failed) {
		mp_err("phase %zu (%s, size %u, rate %llu pps) failed: %s", ph->entry.index + 1,
		       row.version, row.size, (unsigned long long)row.rate, row.reason);
		sw->failed_phases++;
	}
	if (ph->failed && ph->lost_dom != MP_DOM_TRAFFGEN && sw->up[MP_DOM_TRAFFGEN])
		mp_sweep_console_quote(sw, MP_DOM_DUT);
	if ((rc = mp_out_phase(sw->out, &row)) < 0)
		out_failed(sw, rc);
	if (sw->progress)
		mp_progress_phase_done(sw->progress, &row);
}

/* Every sampled role's counters now; 0 or a negative errno. */
static int read_counters(struct sweep *sw, struct mp_link_stats *st)
{
	const char *names[SW_NROLES];

	for (int i = 0; i < sw->nroles; i++)
		names[i] = sw->ifname[i];
	return mp_nl_read(sw->nl, names, (size_t)sw->nroles, st);
}

/* The phase is over: its callback decides what comes next. */
static void phase_over(struct sweep *sw, int recorded)
{
	mp_sweep_phase_cb *on_over = sw->runner->on_over;

	sw->runner->on_over = NULL;
	on_over(sw, recorded);
}

/* xenstore never said the domain of a vanished vif has gone: go on. */
static void on_gone_timeout(uv_timer_t *t)
{
	struct sweep *sw = t->data;

	sw->runner->waiting_gone = 0;
	phase_over(sw, 1);
}

static void phase_end(struct sweep *sw)
{
	struct sw_runner *run = sw->runner;
	struct phase_state *ph = &run->cur;

	uv_timer_stop(&run->timer);
	mp_sampler_stop(sw->sampler);
	ph->window = SW_NONE;
	ph->have_after = read_counters(sw, ph->after) == 0;
	write_row(sw);
	ph->active = 0;
	run->generation++;
	/* A vif vanished before xenstore reported its domain gone: wait for
	 * that report, so the next step knows the domain is lost. */
	if (ph->lost_dom >= 0 && sw->up[ph->lost_dom] && !sw->stopping) {
		run->waiting_gone = 1;
		mp_timer_start_fresh(&run->timer, on_gone_timeout, GONE_WAIT_MS);
		return;
	}
	phase_over(sw, 1);
}

/* The drain is over (nothing moves, or phase.cooldown): sampling stops,
 * the receiver's figures are fetched, then the row. */
static void drain_end(struct sweep *sw)
{
	struct phase_state *ph = &sw->runner->cur;

	uv_timer_stop(&sw->runner->timer);
	mp_sampler_stop(sw->sampler);
	ph->window = SW_NONE;
	mp_sweep_rx_fetch(sw, ph->failed, ph->traffic_t, phase_end);
}

static void on_cooldown_end(uv_timer_t *t)
{
	drain_end(t->data);
}

/* A request to the agent failed: the phase fails with `what` and the
 * agent's word; a broken connection makes the next phase reconnect. */
static void agent_failed(struct sweep *sw, int status, const char *msg, const char *what)
{
	if (mp_agentc_broken(status))
		sw->agent_ok = 0;
	mp_sweep_phase_fail(sw, "%s: %s", what, msg ? msg : mp_strerror(status));
}

static void on_stopped(struct mp_agentc *ac, int status, const char *msg,
		       const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = req_take(arg);

	(void)ac;
	(void)st;
	if (!sw)
		return;
	sw->runner->cur.traffic_on = 0;
	if (status < 0)
		agent_failed(sw, status, msg, "the agent did not stop traffic");
}

/* The agent's counters at one edge of the measure window. */
static void stats_edge(void *arg, int status, const char *msg,
		       const struct mp_agent_stats *st, int end)
{
	struct sweep *sw = req_take(arg);
	struct phase_state *ph;

	if (!sw)
		return;
	ph = &sw->runner->cur;
	if (status < 0) {
		agent_failed(sw, status, msg, "the agent did not report its counters");
		return;
	}
	*(end ? &ph->gen_end : &ph->gen_start) = *st;
	*(end ? &ph->gen_end_t : &ph->gen_start_t) = mp_now_ns();
	*(end ? &ph->have_gen_end : &ph->have_gen_start) = 1;
}

static void on_stats_end(struct mp_agentc *ac, int status, const char *msg,
			 const struct mp_agent_stats *st, void *arg)
{
	(void)ac;
	stats_edge(arg, status, msg, st, 1);
}

static void on_stats_start(struct mp_agentc *ac, int status, const char *msg,
			   const struct mp_agent_stats *st, void *arg)
{
	(void)ac;
	stats_edge(arg, status, msg, st, 0);
}

static void on_measure_end(uv_timer_t *t)
{
	struct sweep *sw = t->data;
	struct phase_state *ph = &sw->runner->cur;
	struct req *stats = req_new(sw), *stop = req_new(sw);

	ph->window = SW_COOLDOWN;
	xc_sample(sw, &ph->cpu_end, &ph->have_cpu_end);
	/* What the DUT holds now comes out in the drain (honest_counts). */
	ph->have_stop = read_counters(sw, ph->at_stop) == 0;
	if (!stats || !stop) {
		free(stats);
		free(stop);
		mp_sweep_phase_fail(sw, NOMEM_REASON);
		return;
	}
	mp_agentc_stats(sw->agent, on_stats_end, stats);
	mp_agentc_stop(sw->agent, on_stopped, stop);
	mp_timer_start_fresh(&sw->runner->timer, on_cooldown_end, sw->plan->cooldown_ns / MP_NS_PER_MS);
}

static void on_warmup_end(uv_timer_t *t)
{
	struct sweep *sw = t->data;
	struct phase_state *ph = &sw->runner->cur;
	struct req *stats = req_new(sw);

	if (!stats) {
		mp_sweep_phase_fail(sw, NOMEM_REASON);
		return;
	}
	ph->window = SW_MEASURE;
	xc_sample(sw, &ph->cpu_start, &ph->have_cpu_start);
	mp_agentc_stats(sw->agent, on_stats_start, stats);
	mp_timer_start_fresh(&sw->runner->timer, on_measure_end, ph->duration_ns / MP_NS_PER_MS);
}

static void on_stale_stopped(struct mp_agentc *ac, int status, const char *msg,
			     const struct mp_agent_stats *st, void *arg)
{
	(void)ac;
	(void)status;
	(void)msg;
	(void)st;
	(void)arg;
}

static void on_started(struct mp_agentc *ac, int status, const char *msg,
		       const struct mp_agent_stats *st, void *arg)
{
	struct sweep *owner = ((struct req *)arg)->sw;
	struct sweep *sw = req_take(arg);

	(void)st;
	if (!sw) {
		/* Traffic started for a phase that has already ended: stop it. */
		if (status == 0 && owner->agent_ok)
			mp_agentc_stop(ac, on_stale_stopped, NULL);
		return;
	}
	if (status < 0) {
		agent_failed(sw, status, msg, "the agent did not start traffic");
		return;
	}
	sw->runner->cur.traffic_on = 1;
	sw->runner->cur.traffic_t = mp_now_ns();
	sw->runner->cur.window = SW_WARMUP;
	mp_sampler_start(sw->sampler);
	mp_timer_start_fresh(&sw->runner->timer, on_warmup_end, sw->plan->warmup_ns / MP_NS_PER_MS);
}

static void on_configured(struct mp_agentc *ac, int status, const char *msg,
			  const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = req_take(arg);
	struct req *r;

	(void)st;
	if (!sw)
		return;
	if (status < 0) {
		agent_failed(sw, status, msg, "the agent did not take the configuration");
		return;
	}
	if (!(r = req_new(sw))) {
		mp_sweep_phase_fail(sw, NOMEM_REASON);
		return;
	}
	sw->runner->cur.have_before = read_counters(sw, sw->runner->cur.before) == 0;
	mp_agentc_start(ac, on_started, r);
}

static int build_traffic(struct sweep *sw, struct mp_traffic *t)
{
	const struct phase_state *ph = &sw->runner->cur;
	const struct mp_plan *p = sw->plan;
	const struct mp_plan_vif *in = &p->roles[MP_ROLE_DUT_IN];
	const char *dst = p->dst_mac ? p->dst_mac : sw->dom[in->domain].vifs[in->devid].mac;

	memset(t, 0, sizeof(*t));
	snprintf(t->dev, sizeof(t->dev), "%s", p->agent_dev);
	t->frame_size = ph->entry.size;
	if (ph->entry.size == MP_SIZE_IMIX) {
		t->imix = p->imix;
		t->frame_size = mp_imix_largest(&p->imix);
	}
	t->rate_pps = ph->entry.rate;
	t->duration_ns = p->warmup_ns + ph->duration_ns + TRAFFIC_SAFETY_NS;
	if (mp_mac_parse(dst, t->dst_mac) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET, p->src_ip, &t->src_ip) != 1 ||
	    inet_pton(AF_INET, p->dst_ip, &t->dst_ip) != 1)
		return -EINVAL;
	t->src_port = p->src_port;
	t->dst_port = p->dst_port;
	/* agent.engine: the agent switches to it (or says why it cannot). */
	if (mp_engine_kind(p->agent_engine) != MP_ENGINE_AUTO)
		snprintf(t->engine, sizeof(t->engine), "%s", p->agent_engine);
	mp_sweep_rx_traffic(sw, ph->duration_ns, t);
	return 0;
}

/* "123456 pps", or "max" for a rate of 0. */
static const char *rate_text(uint64_t rate)
{
	static char buf[32];

	if (!rate)
		return "as fast as the generator can";
	snprintf(buf, sizeof(buf), "%llu pps", (unsigned long long)rate);
	return buf;
}

int mp_sweep_phase_init(struct sweep *sw)
{
	int rc;

	if (!(sw->runner = calloc(1, sizeof(*sw->runner))))
		return -ENOMEM;
	if ((rc = uv_timer_init(&sw->loop, &sw->runner->timer)) < 0)
		return rc;
	sw->runner->timer.data = sw;
	return 0;
}

int mp_sweep_phase_running(const struct sweep *sw)
{
	return sw->runner->cur.active || sw->runner->waiting_gone;
}

/* The series' samples of the last phase. */
static void free_series(struct phase_state *ph)
{
	for (int i = 0; i < SW_NROLES; i++) {
		free(ph->series[i].pts);
		ph->series[i].pts = NULL;
	}
}

void mp_sweep_phase_run(struct sweep *sw, mp_sweep_phase_cb *on_over)
{
	struct sw_runner *run = sw->runner;
	struct phase_state *ph = &run->cur;
	struct mp_traffic t;
	struct req *r;

	assert(!mp_sweep_phase_running(sw));
	free_series(ph);
	/* The phase's own state, as a whole: the timer and generation stay. */
	*ph = (struct phase_state){ .lost_dom = -1, .active = 1, .started_ns = mp_now_ns() };
	run->generation++;
	run->on_over = on_over;
	sw->dut_broken = SW_DUT_OK;
	mp_sweep_hang_reset(sw);
	mp_plan_phase(sw->plan, sw->cur_phase, &ph->entry);
	ph->duration_ns = sw->plan->duration_ns;
	if (sw->trial) {
		ph->entry.rate = sw->trial->rate;
		ph->duration_ns = sw->trial->duration_ns;
	}
	mp_sweep_rx_begin(sw, ph->entry.index, ph->duration_ns);
	{
		char size[MP_IMIX_LABEL_MAX], d[32];

		mp_plan_size_label(sw->plan, ph->entry.size, size, sizeof(size));
		mp_duration_format(ph->duration_ns, d, sizeof(d));
		if (sw->trial)
			mp_info("search %zu/%zu (version %s, size %s), trial %u: %s for %s",
				ph->entry.index + 1, sw->nphases, sw->plan->versions[ph->entry.version],
				size, sw->trial->seq, rate_text(ph->entry.rate), d);
		else
			mp_info("phase %zu/%zu: version %s, size %s, rate %llu pps", ph->entry.index + 1,
				sw->nphases, sw->plan->versions[ph->entry.version], size,
				(unsigned long long)ph->entry.rate);
	}
	if (build_traffic(sw, &t) < 0) {
		mp_sweep_phase_fail(sw, "the traffic's MAC or IP addresses are invalid");
		return;
	}
	if (!(r = req_new(sw))) {
		mp_sweep_phase_fail(sw, NOMEM_REASON);
		return;
	}
	mp_agentc_configure(sw->agent, &t, on_configured, r);
}

/* After a failure: stop traffic if it may be running, then write the row. */
static void on_fail_stopped(struct mp_agentc *ac, int status, const char *msg,
			    const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = req_take(arg);

	(void)ac;
	(void)msg;
	(void)st;
	if (!sw)
		return;
	if (status < 0 && mp_agentc_broken(status))
		sw->agent_ok = 0;
	sw->runner->cur.traffic_on = 0;
	phase_end(sw);
}

void mp_sweep_phase_fail(struct sweep *sw, const char *fmt, ...)
{
	struct sw_runner *run = sw->runner;
	struct phase_state *ph = &run->cur;
	va_list ap;

	if (!ph->active || ph->failed)
		return;
	ph->failed = 1;
	va_start(ap, fmt);
	vsnprintf(ph->reason, sizeof(ph->reason), fmt, ap);
	va_end(ap);
	uv_timer_stop(&run->timer);
	if (ph->traffic_on && sw->agent_ok) {
		struct req *r;

		run->generation++;      /* replies of the failed phase's requests are stale */
		if ((r = req_new(sw))) {
			mp_agentc_stop(sw->agent, on_fail_stopped, r);
			return;
		}
		/* No memory to ask: the traffic ends by itself, TRAFFIC_SAFETY_NS
		 * after its planned end. */
	}
	phase_end(sw);
}

/* An interrupted phase's or TCP repetition's stop: who goes on after it. */
struct abort_req {
	struct sweep *sw;
	mp_sweep_phase_cb *over;
};

void *mp_sweep_abort_req(struct sweep *sw, mp_sweep_phase_cb *over)
{
	struct abort_req *r = malloc(sizeof(*r));

	if (r) {
		r->sw = sw;
		r->over = over;
	}
	return r;
}

void mp_sweep_abort_stopped(struct mp_agentc *ac, int status, const char *msg,
			    const struct mp_agent_stats *st, void *arg)
{
	struct abort_req r = *(struct abort_req *)arg;

	(void)ac;
	(void)status;
	(void)msg;
	(void)st;
	free(arg);
	r.over(r.sw, 0);
}

int mp_sweep_phase_domain_gone(struct sweep *sw, enum mp_dom dom, const char *name,
			       unsigned domid)
{
	struct sw_runner *run = sw->runner;

	if (run->waiting_gone) {        /* the phase already failed for it */
		run->waiting_gone = 0;
		uv_timer_stop(&run->timer);
		phase_over(sw, 1);
		return 1;
	}
	if (run->cur.active) {
		mp_sweep_phase_fail(sw, "the %s domain %s (domid %u) disappeared mid-phase",
				    mp_dom_name(dom), name, domid);
		return 1;
	}
	return 0;
}

/* On interrupt: stop traffic, write no row (the phase did not finish, and a
 * resumed run starts again from it), then call back. A phase whose row is
 * written and which only waits for xenstore ends its wait. */
void mp_sweep_phase_abort(struct sweep *sw)
{
	struct sw_runner *run = sw->runner;
	struct phase_state *ph = &run->cur;
	int stop = ph->traffic_on && sw->agent_ok;

	uv_timer_stop(&run->timer);
	if (run->waiting_gone) {
		run->waiting_gone = 0;
		phase_over(sw, 1);
		return;
	}
	if (!ph->active)
		return;
	mp_sampler_stop(sw->sampler);
	mp_info("phase %zu interrupted: not recorded", ph->entry.index + 1);
	ph->active = 0;
	ph->window = SW_NONE;
	run->generation++;
	if (stop) {
		void *r = mp_sweep_abort_req(sw, phase_over);

		if (r) {
			mp_agentc_stop(sw->agent, mp_sweep_abort_stopped, r);
			return;
		}
	}
	phase_over(sw, 0);
}

void mp_sweep_phase_close(struct sweep *sw)
{
	uv_close((uv_handle_t *)&sw->runner->timer, NULL);
}

void mp_sweep_phase_free(struct sweep *sw)
{
	if (!sw->runner)
		return;
	free_series(&sw->runner->cur);
	free(sw->runner);
	sw->runner = NULL;
}
