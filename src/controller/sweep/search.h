/* The throughput search (docs/search.md): for one version and frame size,
 * the highest rate meeting each goal's loss ratio (NDR at 0 loss, PDR at a
 * small loss), with short trials while the interval is wide and longer ones
 * as it narrows; only final-duration trials decide the bounds.
 *
 * A pure state machine: no sockets, no clock. The caller asks for the next
 * trial, runs it, and hands back the frame counts and the time the search
 * has taken so far:
 *
 *     while (mp_search_next(s, &t)) {
 *             ... offer t.rate pps (0: as fast as the generator can) for
 *             t.duration_ns, drain, count ...
 *             mp_search_result(s, &r, decision, sizeof(decision));
 *     }
 *     mp_search_goal(s, i, &g) for each goal
 *
 * Replaying the same results gives the same trials, which is how --resume
 * continues a search from its trials on disk. */
#ifndef MP_SEARCH_H
#define MP_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "controller/plan/plan.h"
#include "controller/results/summary.h"
#include "controller/results/throughput.h"

/* A trial whose generator sent more than this share fewer frames than
 * rate x duration is not a pass: the search never reports a rate that was
 * not offered. */
#define MP_SEARCH_SHORTFALL_PCT MP_SHORTFALL_MARK_PCT
/* Once the generator fell short, rates stay this far under what it reached,
 * so the next trials are not short again by a hair. */
#define MP_SEARCH_GEN_MARGIN_PCT 0.5
/* A trial does not pass, for any goal, when the DUT forwarded less than
 * the offered rate in the measure window by more than the trial level's
 * width (at least MP_SEARCH_BEHIND_MIN_PCT), or still held more than
 * MP_SEARCH_DRAIN_MAX_PCT of the trial's frames when the traffic stopped:
 * it kept up only from its queues, and a longer trial would lose. The
 * decision says which. */
#define MP_SEARCH_BEHIND_MIN_PCT MP_SEARCH_SHORTFALL_PCT
/* ... and held more than this share of them at the stop: its drain took
 * more than a tenth of the trial (a bound above the width: a DUT
 * descheduled at the very moment of the stop holds a few ms of frames). */
#define MP_SEARCH_DRAIN_MAX_PCT 10.0
/* A trial that broke (DUT died, agent lost) is repeated at most this often. */
#define MP_SEARCH_MAX_RETRIES 2

struct mp_search;

/* What to run next. */
struct mp_search_trial {
	uint64_t rate;          /* pps; 0: as fast as the generator can ("max") */
	uint64_t duration_ns;   /* traffic to count (the measure window) */
	size_t goal;            /* the goal it serves (all goals use its result) */
	unsigned level;         /* 0 .. nlevels - 1; the last is final */
	unsigned seq;           /* 1-based trial number in this search */
};

/* What the trial gave. The counts cover the same frames, for the loss:
 * `sent` is what the generator sent during the trial, `forwarded` what left
 * the DUT of them, read after the DUT drained. The rates are those of the
 * measure window: what the generator offered (the lower of its own count
 * and its vif's), for the shortfall, and what the DUT forwarded. */
struct mp_search_result {
	uint64_t sent;
	uint64_t forwarded;
	double offered_pps;
	double forwarded_pps;
	double held;            /* frames the DUT still held at the stop; NAN: unknown */
	uint64_t elapsed_ns;    /* the search's time so far, this trial included */
	int broken;             /* the trial did not complete */
	const char *reason;     /* why, when broken */
};

enum mp_search_status {
	MP_SEARCH_RUNNING,
	MP_SEARCH_OK,
	MP_SEARCH_GEN_LIMITED,  /* the DUT kept up with all the generator sent */
	MP_SEARCH_TIMEOUT,
	MP_SEARCH_FAILED,
};

struct mp_search_goal {
	const char *name;
	double loss_pct;
	enum mp_search_status status;
	uint64_t lower;         /* highest rate that passed a final trial, 0: none */
	uint64_t upper;         /* lowest rate that failed a final trial, 0: none */
	double forwarded_pps;   /* forwarded in the lower bound's trial, NAN: none */
	unsigned trials;        /* trials run until the goal was decided */
	uint64_t search_ns;     /* the search's time when it was decided */
	char reason[200];       /* for failed and timeout */
};

/* A search for `cfg` (its goals are referenced, not copied: keep the plan).
 * overhead_ns: the time a trial takes on top of its duration (warm-up,
 * drain, requests), for the timeout. NULL when out of memory. */
struct mp_search *mp_search_new(const struct mp_plan_search *cfg, uint64_t overhead_ns);
void mp_search_free(struct mp_search *s);

/* The agent accepts at most max_pps (it says so in hello): with a
 * numeric max_rate above it, trials go no higher than max_pps and a goal
 * that passes there is generator-limited, its reason naming the limit
 * (a limit under min_rate fails every goal, saying why). Call before the
 * first trial. Returns 1 when trials are capped at max_pps (the caller
 * says so in the log), else 0 (max_rate within it, or "max", which asks
 * the agent for its limit anyway). */
int mp_search_limit(struct mp_search *s, uint64_t max_pps);

/* The next trial: returns 1 and fills *t, or 0 when every goal is decided. */
int mp_search_next(struct mp_search *s, struct mp_search_trial *t);

/* The result of the trial mp_search_next gave last. Writes what it decided
 * into `decision` ("NDR:pass PDR:pass", "short 12.3%", "broken", ...). */
void mp_search_result(struct mp_search *s, const struct mp_search_result *r,
		      char *decision, size_t len);

size_t mp_search_ngoals(const struct mp_search *s);
void mp_search_goal(const struct mp_search *s, size_t i, struct mp_search_goal *out);
/* The generator's reach as far as the search saw it (pps), 0 if never short. */
uint64_t mp_search_gen_max(const struct mp_search *s);

const char *mp_search_status_name(enum mp_search_status st);
/* Whether a goal with this status makes the run fail (exit 1), as a failed
 * phase does: failed and timeout (no answer within the plan's bounds).
 * generator-limited is an answer: the DUT kept up with all it was offered. */
int mp_search_status_fails(enum mp_search_status st);

/* The row of goal `g` of the search at phase `ph` of plan `p`; gen_max_pps:
 * mp_search_gen_max (0: never measured). Text fields point into p and g. */
void mp_search_tput_row(struct mp_tput_row *r, const struct mp_plan *p,
			const struct mp_phase *ph, const struct mp_search_goal *g, uint64_t gen_max_pps);

#endif
