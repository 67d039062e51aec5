/* The throughput search (search.h, docs/search.md). Every goal looks at the
 * same list of trials; at each level a goal's bounds come only from trials
 * at least as long as that level's duration, so short trials steer and
 * final-duration trials decide. */
#include "controller/sweep/search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

struct trial {
	uint64_t rate;          /* offered: asked, or reached when asked for max */
	uint64_t duration_ns;   /* asked */
	double loss;            /* ratio 0..1 */
	double fwd_pps;
	int usable;             /* neither short nor broken */
	int behind;             /* the DUT kept up only from its queues: no pass */
	int short_fail;         /* short again and again: a failure of the generator */
};

struct goal_state {
	double loss;            /* goal ratio */
	unsigned level;
	unsigned expand;        /* consecutive steps away from a one-sided bound */
	struct mp_search_goal res;
};

struct mp_search {
	const struct mp_plan_search *cfg;
	uint64_t overhead_ns;
	unsigned nlevels;
	uint64_t dur[MP_SEARCH_MAX_LEVELS];
	double width[MP_SEARCH_MAX_LEVELS];
	uint64_t max_eff;       /* highest rate worth offering; 0: not known yet */
	uint64_t gen_max;       /* what the generator reached, 0: never short */
	uint64_t agent_limit;   /* the agent accepts no more (below max_rate), 0: none */
	struct goal_state goals[MP_PLAN_MAX_GOALS];
	size_t ngoals;
	struct trial *trials;
	size_t ntrials, cap;
	struct mp_search_trial pending;
	int have_pending;
	unsigned retries;
	unsigned short_retries;
	double reached;         /* the highest rate the generator fully offered */
	uint64_t elapsed_ns;
};

struct mp_search *mp_search_new(const struct mp_plan_search *cfg, uint64_t overhead_ns)
{
	struct mp_search *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->overhead_ns = overhead_ns;
	s->nlevels = mp_plan_search_levels(cfg, s->dur, s->width);
	s->max_eff = cfg->max_rate;
	s->ngoals = cfg->ngoals;
	for (size_t i = 0; i < s->ngoals; i++) {
		struct goal_state *g = &s->goals[i];

		g->loss = cfg->goals[i].loss_pct / 100;
		g->res.name = cfg->goals[i].name;
		g->res.loss_pct = cfg->goals[i].loss_pct;
		g->res.status = MP_SEARCH_RUNNING;
		g->res.forwarded_pps = NAN;
	}
	return s;
}

void mp_search_free(struct mp_search *s)
{
	if (!s)
		return;
	free(s->trials);
	free(s);
}

const char *mp_search_status_name(enum mp_search_status st)
{
	switch (st) {
	case MP_SEARCH_RUNNING: return "running";
	case MP_SEARCH_OK: return "ok";
	case MP_SEARCH_GEN_LIMITED: return "generator-limited";
	case MP_SEARCH_TIMEOUT: return "timeout";
	case MP_SEARCH_FAILED: return "failed";
	}
	return "?";
}

int mp_search_status_fails(enum mp_search_status st)
{
	return st == MP_SEARCH_FAILED || st == MP_SEARCH_TIMEOUT;
}

size_t mp_search_ngoals(const struct mp_search *s)
{
	return s->ngoals;
}

void mp_search_goal(const struct mp_search *s, size_t i, struct mp_search_goal *out)
{
	*out = s->goals[i].res;
}

uint64_t mp_search_gen_max(const struct mp_search *s)
{
	return s->gen_max;
}

static void fail_open_goals(struct mp_search *s, enum mp_search_status st, const char *reason);

int mp_search_limit(struct mp_search *s, uint64_t max_pps)
{
	char why[160];

	if (!max_pps || !s->cfg->max_rate || s->cfg->max_rate <= max_pps || s->ntrials)
		return 0;       /* "max" asks the agent for its limit already */
	if (max_pps < s->cfg->min_rate) {
		snprintf(why, sizeof(why), "the agent accepts at most %llu pps (--max-pps), "
			 "below min_rate %llu pps", (unsigned long long)max_pps,
			 (unsigned long long)s->cfg->min_rate);
		fail_open_goals(s, MP_SEARCH_FAILED, why);
		return 0;
	}
	s->agent_limit = max_pps;
	if (!s->max_eff || s->max_eff > max_pps)
		s->max_eff = max_pps;
	return 1;
}

/* Loss is compared with a tolerance of a part in 1e9 so that a goal of
 * 0.5% is not missed by rounding; a goal of 0 still fails on one frame. */
static int passes(const struct goal_state *g, const struct trial *t)
{
	return !t->behind && t->loss <= g->loss * (1 + 1e-9);
}

/* A goal's bounds at `level`: from usable trials at least that long. */
struct bounds {
	uint64_t lo, up;        /* 0: none */
	double lo_fwd;
	int up_short;           /* the upper bound is the generator's failure */
};

static struct bounds bounds_at(const struct mp_search *s, const struct goal_state *g,
			       uint64_t min_dur)
{
	struct bounds b = { 0, 0, NAN, 0 };

	for (size_t i = 0; i < s->ntrials; i++) {
		const struct trial *t = &s->trials[i];

		if (t->usable && t->duration_ns >= min_dur && !passes(g, t) &&
		    (!b.up || t->rate <= b.up)) {
			b.up_short = t->rate == b.up ? b.up_short && t->short_fail : t->short_fail;
			b.up = t->rate;
		}
	}
	for (size_t i = 0; i < s->ntrials; i++) {
		const struct trial *t = &s->trials[i];

		if (t->usable && t->duration_ns >= min_dur && passes(g, t) &&
		    (!b.up || t->rate < b.up) && t->rate >= b.lo) {
			b.lo = t->rate;
			b.lo_fwd = t->fwd_pps;
		}
	}
	return b;
}

static int tried_at(const struct mp_search *s, uint64_t rate, uint64_t min_dur)
{
	for (size_t i = 0; i < s->ntrials; i++)
		if (s->trials[i].usable && s->trials[i].rate == rate &&
		    s->trials[i].duration_ns >= min_dur)
			return 1;
	return 0;
}

/* The forwarded rate of the trial that set the upper bound: where a DUT
 * capped at C forwards C, the next guess. */
static double fwd_at(const struct mp_search *s, uint64_t rate, uint64_t min_dur)
{
	for (size_t i = 0; i < s->ntrials; i++)
		if (s->trials[i].usable && s->trials[i].rate == rate &&
		    s->trials[i].duration_ns >= min_dur)
			return s->trials[i].fwd_pps;
	return NAN;
}

static void decide(struct mp_search *s, struct goal_state *g, enum mp_search_status st,
		   const char *reason)
{
	struct bounds b = bounds_at(s, g, s->dur[s->nlevels - 1]);

	/* Bounded by a generator that could not keep the rate up, not by
	 * the DUT. */
	if (st == MP_SEARCH_OK && b.up_short)
		st = MP_SEARCH_GEN_LIMITED;
	g->res.status = st;
	g->res.lower = b.lo;
	g->res.upper = b.up;
	g->res.forwarded_pps = b.lo ? b.lo_fwd : NAN;
	g->res.trials = (unsigned)s->ntrials;
	g->res.search_ns = s->elapsed_ns;
	if (reason)
		snprintf(g->res.reason, sizeof(g->res.reason), "%s", reason);
}

static void fail_open_goals(struct mp_search *s, enum mp_search_status st, const char *reason)
{
	for (size_t i = 0; i < s->ngoals; i++)
		if (s->goals[i].res.status == MP_SEARCH_RUNNING)
			decide(s, &s->goals[i], st, reason);
}

static uint64_t clamp_rate(const struct mp_search *s, double r)
{
	if (r < (double)s->cfg->min_rate)
		r = (double)s->cfg->min_rate;
	if (s->max_eff && r > (double)s->max_eff)
		r = (double)s->max_eff;
	return (uint64_t)llround(r);
}

/* RFC 2544's binary search: the middle between the highest pass (min_rate
 * before any) and the lowest failure (the top before any: max_eff, known
 * once the first trial, at the top, ran). */
static uint64_t bisect_rate(const struct mp_search *s, const struct bounds *b)
{
	double lo = b->lo ? (double)b->lo : (double)s->cfg->min_rate;
	double up = b->up ? (double)b->up : (double)s->max_eff;
	double r = floor((lo + up) / 2);

	if (b->up && r >= up)
		r = up - 1;
	if (b->lo && r <= lo)
		r = lo + 1;
	return clamp_rate(s, r);
}

/* The rate goal g wants measured at its level, or 0 when the level is
 * settled (the goal then moves on or is decided). */
static uint64_t goal_rate(struct mp_search *s, struct goal_state *g)
{
	uint64_t d = s->dur[g->level];
	double w = s->width[g->level];
	struct bounds b = bounds_at(s, g, d), hint = bounds_at(s, g, 0);
	double r, est;

	if (b.lo && b.up)
		if ((double)(b.up - b.lo) <= w * (double)b.up || b.up - b.lo <= 1)
			return 0;
	if (b.lo && s->max_eff && b.lo >= s->max_eff)
		return 0;               /* passed at the highest rate there is */
	if (b.up && !b.lo && b.up <= s->cfg->min_rate)
		return 0;               /* failed at the lowest rate allowed */
	if (!b.lo && !b.up) {
		/* Nothing at this level yet: re-measure the last level's lower
		 * bound, else start from the top. */
		if (hint.lo)
			return clamp_rate(s, (double)hint.lo);
		if (hint.up)
			return clamp_rate(s, (double)hint.up * (1 - w));
		return s->max_eff;      /* 0: as fast as the generator can */
	}
	if (s->cfg->method == MP_SEARCH_BISECTION)
		return bisect_rate(s, &b);
	/* What the DUT forwarded at the upper bound says where the goal's bound
	 * lies: a DUT capped at C forwards C at any higher rate, and meets a
	 * loss ratio L up to C / (1 - L). */
	est = b.up ? fwd_at(s, b.up, d) / (1 - g->loss) : NAN;
	if (b.lo && b.up) {
		double mid = (double)(b.lo + b.up) / 2, top = (double)b.up * (1 - w);

		if (g->expand >= 2 || !isfinite(est))
			r = fmin(mid, top);     /* the estimate did not settle it: bisect */
		else if (est <= (double)b.lo * (1 + w))
			r = (double)b.lo / (1 - w);  /* a failure there settles the level */
		else
			r = fmin(est, top);
		g->expand++;
		r = floor(r);
		if (r >= (double)b.up)
			r = (double)b.up - 1;
		if (r <= (double)b.lo)
			r = (double)b.lo + 1;
		return clamp_rate(s, r);
	}
	if (b.up) {             /* no pass below the failure yet */
		if (hint.lo && hint.lo < b.up && !tried_at(s, hint.lo, d))
			return clamp_rate(s, (double)hint.lo);
		r = (double)b.up * (1 - w * (double)(1u << (g->expand < 10 ? g->expand : 10)));
		if (isfinite(est) && est < r && g->expand < 2)
			r = floor(est);
		g->expand++;
		r = fmin(r, (double)b.up - 1);
		return clamp_rate(s, r);
	}
	/* Passes only: step up. */
	if (hint.up && hint.up > b.lo && !tried_at(s, hint.up, d))
		return clamp_rate(s, (double)hint.up);
	r = (double)b.lo * (1 + w * (double)(1u << (g->expand < 10 ? g->expand : 10)));
	g->expand++;
	r = fmax(r, (double)b.lo + 1);
	return clamp_rate(s, r);
}

/* Settles goal g at its level: moves it up a level, or decides it. */
static void settle(struct mp_search *s, struct goal_state *g)
{
	struct bounds b = bounds_at(s, g, s->dur[g->level]);
	char why[160];

	if (g->level + 1 < s->nlevels) {
		g->level++;
		g->expand = 0;
		return;
	}
	if (b.lo && !b.up && s->agent_limit && b.lo >= s->agent_limit) {
		/* Passed at the most the agent may be asked: the DUT forwards at
		 * least that, the generator could not be asked for more. */
		snprintf(why, sizeof(why), "passed at %llu pps, the agent's limit (--max-pps); "
			 "max_rate was %llu pps", (unsigned long long)b.lo,
			 (unsigned long long)s->cfg->max_rate);
		decide(s, g, MP_SEARCH_GEN_LIMITED, why);
		return;
	}
	if (b.lo && !b.up) {
		decide(s, g, s->gen_max || !s->cfg->max_rate ? MP_SEARCH_GEN_LIMITED :
		       MP_SEARCH_OK, NULL);
		return;
	}
	if (!b.lo) {
		snprintf(why, sizeof(why), "loss above %g%% even at min_rate %llu pps",
			 g->res.loss_pct, (unsigned long long)s->cfg->min_rate);
		decide(s, g, MP_SEARCH_FAILED, why);
		return;
	}
	decide(s, g, MP_SEARCH_OK, NULL);
}

int mp_search_next(struct mp_search *s, struct mp_search_trial *t)
{
	struct goal_state *g;
	uint64_t rate = 0;

	if (s->have_pending) {          /* a broken trial is repeated */
		*t = s->pending;
		t->seq = (unsigned)s->ntrials + 1;
		return 1;
	}
	for (;;) {
		g = NULL;
		for (size_t i = 0; i < s->ngoals; i++) {
			struct goal_state *c = &s->goals[i];

			if (c->res.status == MP_SEARCH_RUNNING && (!g || c->level < g->level))
				g = c;
		}
		if (!g)
			return 0;
		rate = goal_rate(s, g);
		if (rate || (!s->max_eff && !s->ntrials))
			break;
		settle(s, g);
	}
	if (s->ntrials >= MP_SEARCH_MAX_TRIALS) {
		fail_open_goals(s, MP_SEARCH_FAILED, "too many trials without settling");
		return 0;
	}
	if (s->elapsed_ns + s->dur[g->level] + s->overhead_ns > s->cfg->timeout_ns) {
		fail_open_goals(s, MP_SEARCH_TIMEOUT, "traffic.search.timeout reached");
		return 0;
	}
	s->pending = (struct mp_search_trial){
		.rate = rate, .duration_ns = s->dur[g->level], .goal = (size_t)(g - s->goals),
		.level = g->level, .seq = (unsigned)s->ntrials + 1,
	};
	s->have_pending = 1;
	*t = s->pending;
	return 1;
}

static int push(struct mp_search *s, const struct trial *t)
{
	if (s->ntrials == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct trial *n = realloc(s->trials, cap * sizeof(*n));

		if (!n)
			return -1;
		s->trials = n;
		s->cap = cap;
	}
	s->trials[s->ntrials++] = *t;
	return 0;
}

/* The generator reached `pps` at most: offer no more than a margin under it. */
static void gen_reached(struct mp_search *s, double pps)
{
	uint64_t cap = (uint64_t)(pps * (1 - MP_SEARCH_GEN_MARGIN_PCT / 100));

	if (!s->gen_max || (uint64_t)pps < s->gen_max)
		s->gen_max = (uint64_t)pps;
	if (!s->max_eff || cap < s->max_eff)
		s->max_eff = cap;
}

/* Whether the DUT kept up with trial `p` only from its queues (search.h):
 * *behind_pct, how far its forwarded rate in the window fell below the
 * offered one, when beyond the level's width (at least
 * MP_SEARCH_BEHIND_MIN_PCT), or *held_pct, the share of the trial's frames
 * it still held at the stop, when beyond MP_SEARCH_DRAIN_MAX_PCT; 0
 * otherwise. */
static void behind(const struct mp_search *s, const struct mp_search_trial *p,
		   const struct mp_search_result *r, double *behind_pct, double *held_pct)
{
	double tol = fmax(s->width[p->level], MP_SEARCH_BEHIND_MIN_PCT / 100);
	double frames = r->offered_pps * (double)p->duration_ns / 1e9;

	*behind_pct = *held_pct = 0;
	if (!(r->offered_pps > 0))
		return;
	if (r->forwarded_pps < r->offered_pps * (1 - tol))
		*behind_pct = 100 * (1 - r->forwarded_pps / r->offered_pps);
	else if (!isnan(r->held) && frames > 0 && r->held > MP_SEARCH_DRAIN_MAX_PCT / 100 * frames)
		*held_pct = 100 * r->held / frames;
}

void mp_search_result(struct mp_search *s, const struct mp_search_result *r,
		      char *decision, size_t len)
{
	struct mp_search_trial p = s->pending;
	struct trial t = { .rate = p.rate, .duration_ns = p.duration_ns };
	double offered = r->offered_pps, behind_pct = 0, held_pct = 0;
	size_t at = 0;

	if (!s->have_pending)
		return;
	s->elapsed_ns = r->elapsed_ns;
	if (r->broken || !(offered > 0)) {
		/* Nothing offered in the window is no measure of the generator's
		 * reach (its thread did not run: a loaded machine): the trial
		 * runs again, as a broken one. */
		const char *reason = r->broken ? r->reason :
			"the generator offered nothing in the measure window";
		char why[200];

		snprintf(decision, len, r->broken ? "broken" : "nothing offered");
		if (++s->retries <= MP_SEARCH_MAX_RETRIES)
			return;         /* the same trial again */
		s->have_pending = 0;
		snprintf(why, sizeof(why), "the trial at %llu pps broke %u times: %s",
			 (unsigned long long)p.rate, s->retries, reason ? reason : "no reason given");
		fail_open_goals(s, MP_SEARCH_FAILED, why);
		return;
	}
	s->have_pending = 0;
	s->retries = 0;
	behind(s, &p, r, &behind_pct, &held_pct);
	t.behind = behind_pct > 0 || held_pct > 0;
	t.fwd_pps = r->forwarded_pps;
	t.loss = r->sent && r->forwarded < r->sent ?
		(double)(r->sent - r->forwarded) / (double)r->sent : 0;
	t.usable = r->sent > 0;
	if (!p.rate) {                  /* "max": the offered rate is what it reached */
		t.rate = (uint64_t)offered;
		gen_reached(s, offered);
	} else if (offered < (double)p.rate * (1 - MP_SEARCH_SHORTFALL_PCT / 100)) {
		t.usable = 0;
		snprintf(decision, len, "short %.1f%%", 100 * (1 - offered / (double)p.rate));
		/* Short at a rate it offered before: the generator stalled (its
		 * CPU was taken), it did not reach its limit: run it again. */
		if ((double)p.rate <= s->reached && r->sent) {
			if (s->short_retries++ < MP_SEARCH_MAX_RETRIES) {
				s->have_pending = 1;
				return;
			}
			/* Still short: not a pass, so a failure for every goal
			 * (its forwarded rate says nothing of the DUT). */
			t.usable = 1;
			t.short_fail = 1;
			t.loss = 1;
			t.fwd_pps = NAN;
			snprintf(decision, len, "short %.1f%% %u times: a failure",
				 100 * (1 - offered / (double)p.rate), s->short_retries);
			s->short_retries = 0;
			if (push(s, &t) < 0)
				fail_open_goals(s, MP_SEARCH_FAILED, "out of memory");
			return;
		}
		gen_reached(s, offered);
	}
	if (t.usable)
		s->reached = fmax(s->reached, p.rate ? (double)p.rate : offered);
	s->short_retries = 0;
	if (push(s, &t) < 0) {
		fail_open_goals(s, MP_SEARCH_FAILED, "out of memory");
		return;
	}
	if (!t.usable) {
		if (!r->sent)
			snprintf(decision, len, "nothing sent");
		if (s->max_eff < s->cfg->min_rate)
			fail_open_goals(s, MP_SEARCH_FAILED,
					"the generator cannot offer min_rate");
		return;
	}
	decision[0] = '\0';
	for (size_t i = 0; i < s->ngoals && at < len; i++) {
		int n = snprintf(decision + at, len - at, "%s%s:%s", i ? " " : "",
				 s->goals[i].res.name, passes(&s->goals[i], &t) ? "pass" : "fail");

		at += n > 0 ? (size_t)n : 0;
	}
	if (behind_pct > 0 && at < len)
		snprintf(decision + at, len - at, " (forwarded %.1f%% below offered in the window)",
			 behind_pct);
	else if (held_pct > 0 && at < len)
		snprintf(decision + at, len - at, " (held %.1f%% of the trial's frames at the stop)",
			 held_pct);
}

void mp_search_tput_row(struct mp_tput_row *r, const struct mp_plan *p,
			const struct mp_phase *ph, const struct mp_search_goal *g, uint64_t gen_max_pps)
{
	/* Bytes per frame: an IMIX phase's Mbit/s counts its mix's mean frame. */
	double bytes = ph->size == MP_SIZE_IMIX ? mp_imix_mean(&p->imix) : ph->size;

	mp_coltab_empty(&mp_tput_tab, r);
	r->version = p->versions[ph->version];
	r->size = ph->size;
	r->goal = g->name;
	r->goal_loss_pct = g->loss_pct;
	r->lower_pps = g->lower ? (double)g->lower : NAN;
	r->upper_pps = g->upper ? (double)g->upper : NAN;
	r->forwarded_pps = g->forwarded_pps;
	r->lower_mbps = g->lower ? (double)g->lower * bytes * 8 / 1e6 : NAN;
	r->trials = g->trials;
	r->search_s = (double)g->search_ns / 1e9;
	r->status = mp_search_status_name(g->status);
	r->gen_max_pps = gen_max_pps ? (double)gen_max_pps : NAN;
	r->reason = g->reason[0] ? g->reason : NULL;
}
