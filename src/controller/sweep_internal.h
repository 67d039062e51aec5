/* State shared by the sweep's files (sweep.c: the sequence of steps;
 * sweep_phase.c: one measurement phase; sweep_domains.c: build steps and
 * domains). Not a public interface. */
#ifndef MP_SWEEP_INTERNAL_H
#define MP_SWEEP_INTERNAL_H

#include <limits.h>
#include <netinet/in.h>
#include <uv.h>

#include "common/traffic.h"
#include "controller/agentc.h"
#include "controller/discovery.h"
#include "controller/nl.h"
#include "controller/output.h"
#include "controller/plan.h"
#include "controller/progress.h"
#include "controller/sampler.h"
#include "controller/summary.h"
#include "controller/sweep.h"
#include "controller/xc.h"
#include "controller/xs.h"

/* The sampled roles, in samples.csv order: indexes of mp_sweep_roles. */
enum { SW_GEN, SW_DUT_IN, SW_DUT_OUT, SW_NROLES };
extern const enum mp_role mp_sweep_roles[SW_NROLES];

enum sw_window { SW_NONE, SW_WARMUP, SW_MEASURE, SW_COOLDOWN };

/* One role's samples inside the measure window. */
struct sw_series {
	struct mp_summary_point *pts;
	size_t n, cap;
};

struct sw_phase {
	struct mp_phase p;
	unsigned gen;                   /* tells late callbacks of old phases apart */
	int active;                     /* between configure and the row */
	enum sw_window window;
	int traffic_on;                 /* the agent may be sending */
	int failed;
	char reason[512];
	struct mp_link_stats prev[SW_NROLES];
	int have_prev[SW_NROLES];
	struct sw_series series[SW_NROLES];
	struct mp_agent_stats gen_start, gen_end;
	uint64_t gen_start_t, gen_end_t;
	int have_gen_start, have_gen_end;
	struct mp_xc_info cpu_start, cpu_end;
	int have_cpu_start, have_cpu_end;
	uint64_t started_ns;
	int lost_dom;                   /* a vif of this domain vanished, or -1 */
};

struct sweep {
	uv_loop_t loop;
	const struct mp_plan *plan;
	const struct mp_run_opts *opts;
	struct mp_out *out;
	struct mp_xs *xs;
	struct mp_nl *nl;
	struct mp_xc *xc;
	struct mp_discovery *disc;
	struct mp_agentc *agent;
	struct mp_sampler *sampler;
	struct mp_progress *progress;
	uv_signal_t sigint, sigterm;
	uv_timer_t timer;               /* boot timeouts, phase windows */

	uint64_t t0;                    /* run start, monotonic */
	int step;                       /* enum in sweep.c */
	size_t version;
	size_t build_step;
	size_t phase;                   /* next phase index */
	size_t nphases;
	int waiting_up[MP_DOM_COUNT];   /* waiting for MP_XS_DOMAIN_UP */
	int created[MP_DOM_COUNT];      /* created by this run, not yet destroyed */
	int up[MP_DOM_COUNT];
	struct mp_xs_domain dom[MP_DOM_COUNT];
	char traffgen_ip[INET_ADDRSTRLEN];
	int agent_ok;                   /* connected and authenticated */
	int signals;                    /* SIGINT/SIGTERM received */
	int stopping;                   /* cleanup has begun */
	int exit_code;
	int failed_phases;
	const char *final_status;
	struct sw_phase ph;

	char bin_dir[PATH_MAX], cfg_dir[PATH_MAX], src_dir[PATH_MAX];
	char workdir[PATH_MAX];
	char ifname[SW_NROLES][IFNAMSIZ];
	int busy;                       /* a child process is running */
	const unsigned char *done;      /* --resume: phases finished before, or NULL */
	int waiting_gone;               /* a failed phase waits for xenstore's GONE */
};

/* sweep.c */
void mp_sweep_next(struct sweep *sw);
void mp_sweep_fatal(struct sweep *sw, int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* sweep_phase.c: runs phase sw->phase; calls mp_sweep_phase_done when the
 * phase's row is written (ok or failed). */
void mp_sweep_phase_run(struct sweep *sw);
void mp_sweep_phase_fail(struct sweep *sw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mp_sweep_phase_abort(struct sweep *sw);
void mp_sweep_phase_done(struct sweep *sw);
void mp_sweep_phase_free(struct sweep *sw);
void mp_sweep_sample_tick(struct mp_sampler *s, uint64_t due_ns, uint64_t now_ns,
			  void *arg);

/* sweep_domains.c */
int mp_sweep_expand(struct sweep *sw, const char *tmpl, const char *config,
		    const char *name, char **out);
void mp_sweep_build_step(struct sweep *sw, size_t i);
void mp_sweep_create(struct sweep *sw, enum mp_dom dom);
/* Destroys `dom` through the toolstack, then calls mp_sweep_next(). */
void mp_sweep_destroy(struct sweep *sw, enum mp_dom dom);
void mp_sweep_destroy_sync(struct sweep *sw);

#endif
