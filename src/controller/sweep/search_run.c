/* A throughput search inside the sweep (docs/search.md): each (version,
 * size) of a search plan is one search, run one trial at a time through the
 * ordinary phase (phase.c) with the trial's rate and duration. Every
 * trial is a row of phases.csv; the goals' results are rows of
 * throughput.csv.
 *
 * After each trial the sweep's own completion callback runs, so a DUT that
 * died is re-created and a lost agent reconnected exactly as between
 * phases; calling mp_sweep_search_run() again for the same phase continues
 * the search (a broken trial is repeated by the search itself). */
#include "controller/sweep/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "controller/results/csv.h"
#include "controller/results/throughput.h"

struct sw_search {
	size_t phase;                   /* which search of the schedule */
	struct mp_search *s;
	struct mp_search_trial trial;
	uint64_t started_ns;            /* monotonic, when this run took it up */
	uint64_t before_ns;             /* time its trials on disk took (--resume) */
	mp_sweep_phase_cb *on_over;     /* the sweep's, after each trial and at the end */
	char decision[128];
};

void mp_sweep_search_free(struct sweep *sw)
{
	if (!sw->search)
		return;
	mp_search_free(sw->search->s);
	free(sw->search);
	sw->search = NULL;
}

static uint64_t elapsed(const struct sw_search *ss)
{
	return ss->before_ns + (mp_now_ns() - ss->started_ns);
}

/* The value as phases.csv writes it and reads it back. */
static void as_in_csv(double *v)
{
	char buf[64];

	if (isnan(*v))
		return;
	mp_csv_num_str(buf, sizeof(buf), *v);
	*v = strtod(buf, NULL);
}

/* A trial's result from its row: the same for the live search and for
 * one replayed from phases.csv. `broken`: why it broke, or NULL. */
static void trial_result(const struct mp_phase_row *row, const char *broken,
			 struct mp_search_result *r)
{
	memset(r, 0, sizeof(*r));
	r->held = NAN;
	r->elapsed_ns = (uint64_t)llround(row->search_s * 1e9);
	if (broken) {
		r->broken = 1;
		r->reason = broken;
		return;
	}
	if (isnan(row->sent_pkts) || isnan(row->forwarded_pkts) || isnan(row->offered_pps) ||
	    isnan(row->forwarded_pps)) {
		r->broken = 1;
		r->reason = "the trial's counters could not be read";
		return;
	}
	r->sent = (uint64_t)row->sent_pkts;
	r->forwarded = (uint64_t)row->forwarded_pkts;
	/* The lower of what the agent counted and what its vif saw. */
	r->offered_pps = isnan(row->gen_sent_pps) ? row->offered_pps :
		fmin(row->offered_pps, row->gen_sent_pps);
	r->forwarded_pps = row->forwarded_pps;
	r->held = row->drain_pkts;
}

void mp_sweep_search_row(struct sweep *sw, struct mp_phase_row *row, int failed)
{
	struct sw_search *ss = sw->search;
	struct mp_search_result r;
	struct mp_search_goal g;

	/* The figures the search uses, as phases.csv keeps them: --resume
	 * replays exactly what the live search saw. */
	row->search_s = (double)elapsed(ss) / 1e9;
	as_in_csv(&row->search_s);
	as_in_csv(&row->offered_pps);
	as_in_csv(&row->forwarded_pps);
	as_in_csv(&row->gen_sent_pps);
	as_in_csv(&row->drain_pkts);
	trial_result(row, failed ? row->reason : NULL, &r);
	mp_search_goal(ss->s, ss->trial.goal, &g);
	mp_search_result(ss->s, &r, ss->decision, sizeof(ss->decision));
	row->trial = ss->trial.seq;
	row->trial_s = (double)ss->trial.duration_ns / 1e9;
	row->goal = g.name;
	row->decision = ss->decision;
	mp_info("trial %u: %s", ss->trial.seq, ss->decision);
}

/* Every goal's row in throughput.csv, and a line each in the log. */
static void finish(struct sweep *sw)
{
	struct sw_search *ss = sw->search;
	const struct mp_plan *p = sw->plan;
	uint64_t gen_max = mp_search_gen_max(ss->s);
	char size[MP_IMIX_LABEL_MAX];
	struct mp_phase ph;
	int rc;

	mp_plan_phase(p, ss->phase, &ph);
	mp_plan_size_label(p, ph.size, size, sizeof(size));
	for (size_t i = 0; i < mp_search_ngoals(ss->s); i++) {
		struct mp_search_goal g;
		struct mp_tput_row row;

		mp_search_goal(ss->s, i, &g);
		mp_search_tput_row(&row, p, &ph, &g, gen_max);
		if (mp_search_status_fails(g.status)) {
			mp_err("%s, size %s: %s %s: %s", row.version, size, g.name, row.status,
			       g.reason);
			sw->failed_phases++;
		} else {
			char up[32] = "none";

			if (g.upper)
				snprintf(up, sizeof(up), "%llu pps", (unsigned long long)g.upper);
			mp_info("%s, size %s: %s (loss <= %g%%) %.0f pps (%.1f Mbit/s), upper %s, "
				"%u trials, %.1f s: %s%s%s", row.version, size, g.name,
				g.loss_pct, g.lower ? row.lower_pps : 0,
				g.lower ? row.lower_mbps : 0, up, g.trials, row.search_s, row.status,
				g.reason[0] ? ": " : "", g.reason);
		}
		if (sw->progress)
			mp_progress_goal_done(sw->progress, &row);
		if ((rc = mp_out_throughput(sw->out, &row)) < 0)
			mp_sweep_fatal(sw, MP_EXIT_ENV, "cannot write throughput.csv in %s: %s",
				       mp_out_dir(sw->out), mp_strerror(rc));
	}
}

static void on_trial_over(struct sweep *sw, int recorded)
{
	sw->trial = NULL;
	/* The sweep checks the domains and the agent, then calls us again. */
	sw->search->on_over(sw, 0);
	(void)recorded;
}

/* --resume: the search's trials on disk, fed back in order; the search
 * then asks for the first trial that is not there. */
static void replay(struct sweep *sw, struct sw_search *ss)
{
	const struct mp_phase_row *rows;
	size_t n = mp_out_rows(sw->out, &rows), replayed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct mp_phase_row *row = &rows[i];
		struct mp_search_trial t;
		struct mp_search_result r;

		if (row->phase != ss->phase || !row->trial)
			continue;
		if (!mp_search_next(ss->s, &t) || t.seq != row->trial || t.rate != row->rate) {
			mp_warn("search %zu: the trials on disk depart from the search at trial "
				"%u; going on from there", ss->phase + 1, row->trial);
			break;
		}
		trial_result(row, strcmp(row->status, "failed") == 0 ?
			     (row->reason ? row->reason : "failed") : NULL, &r);
		mp_search_result(ss->s, &r, ss->decision, sizeof(ss->decision));
		ss->before_ns = r.elapsed_ns;
		replayed++;
	}
	if (replayed)
		mp_info("search %zu: %zu trials from disk replayed", ss->phase + 1, replayed);
}

/* A max_rate above what the agent accepts (hello's max_pps): the search
 * goes up to the agent's limit, and says so, instead of asking for a rate
 * the agent refuses. */
static void agent_limit(struct sweep *sw, struct sw_search *ss)
{
	uint64_t lim = sw->agent ? mp_agentc_max_pps(sw->agent) : 0;

	if (mp_search_limit(ss->s, lim))
		mp_info("search %zu: max_rate %llu pps is above the agent's limit of %llu pps "
			"(its --max-pps): searching up to %llu pps", ss->phase + 1,
			(unsigned long long)sw->plan->search->max_rate, (unsigned long long)lim,
			(unsigned long long)lim);
}

void mp_sweep_search_run(struct sweep *sw, mp_sweep_phase_cb *on_over)
{
	struct sw_search *ss = sw->search;

	if (!ss || ss->phase != sw->cur_phase) {
		mp_sweep_search_free(sw);
		ss = calloc(1, sizeof(*ss));
		if (ss)
			ss->s = mp_search_new(sw->plan->search, mp_plan_trial_overhead_ns(sw->plan));
		if (!ss || !ss->s) {
			free(ss);
			mp_sweep_fatal(sw, MP_EXIT_ENV, "out of memory for the search");
			return;
		}
		ss->phase = sw->cur_phase;
		sw->search = ss;
		agent_limit(sw, ss);
		replay(sw, ss);
		ss->started_ns = mp_now_ns();
	}
	ss->on_over = on_over;
	if (!mp_search_next(ss->s, &ss->trial)) {
		finish(sw);
		mp_sweep_search_free(sw);
		on_over(sw, 1);
		return;
	}
	sw->trial = &ss->trial;
	mp_sweep_phase_run(sw, on_trial_over);
}
