/* State shared by the sweep's files: sweep.c (the sequence of steps),
 * phase.c (one measurement phase), rx.c (the receiver's figures),
 * search_run.c (a search, one trial at a time) and domains.c (build steps
 * and domains). Not a public interface. */
#ifndef MP_SWEEP_INTERNAL_H
#define MP_SWEEP_INTERNAL_H

#include <limits.h>
#include <netinet/in.h>
#include <uv.h>

#include "common/traffic.h"
#include "controller/host/agentc.h"
#include "controller/host/discovery.h"
#include "controller/host/nl.h"
#include "controller/results/output.h"
#include "controller/plan/plan.h"
#include "controller/host/console.h"
#include "controller/sweep/progress.h"
#include "controller/host/sampler.h"
#include "controller/sweep/search.h"
#include "controller/results/summary.h"
#include "controller/sweep/sweep.h"
#include "controller/host/xc.h"
#include "controller/host/xs.h"

/* The sampled roles, in samples.csv order: indexes of mp_sweep_roles. The
 * receiver, last, only when the plan has one (sw->nroles). */
enum { SW_GEN, SW_DUT_IN, SW_DUT_OUT, SW_RECEIVER, SW_NROLES };
extern const enum mp_role mp_sweep_roles[SW_NROLES];

enum sw_window { SW_NONE, SW_WARMUP, SW_MEASURE, SW_COOLDOWN };

/* One role's samples inside the measure window. */
struct sw_series {
	struct mp_summary_point *pts;
	size_t n, cap;
};

struct sweep;

/* Called once a phase is over. `recorded` is 1 when its row is in
 * phases.csv (ok or failed), 0 when it was aborted without a row. */
typedef void mp_sweep_phase_cb(struct sweep *sw, int recorded);

/* One phase's state, owned by phase.c; sweep.c only asks
 * mp_sweep_phase_busy(). */
struct sw_phase {
	struct mp_phase p;
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
	uint64_t traffic_t;             /* when the agent said traffic started */
	int have_rx, have_series;       /* the receiver's figures are in sw->rx */
	void (*rx_done)(struct sweep *sw);
	uint64_t duration_ns;           /* the measure window: the plan's, or a trial's */
	/* Loss is counted over the phase's whole traffic: every role's
	 * counters before traffic starts and after the DUT drained. */
	struct mp_link_stats before[SW_NROLES], after[SW_NROLES];
	int have_before, have_after;
	struct mp_link_stats at_stop[SW_NROLES];   /* when the stop was asked */
	int have_stop;
	unsigned still;                 /* drain: samples in a row with dut_out unmoved */

	/* Kept from one phase to the next: mp_sweep_phase_run() resets only
	 * the fields above. */
	unsigned gen;                   /* tells late callbacks of old phases apart */
	uv_timer_t timer;               /* the phase's windows and its wait for GONE */
	int waiting_gone;               /* row written; waiting for xenstore's GONE */
	mp_sweep_phase_cb *done;        /* who is told when the phase is over */
};

/* The DUT's CPU time through libxenctrl while frames are offered (hang.c):
 * read on libuv's thread pool, one read in flight at a time. */
struct sw_hang {
	uv_work_t req;
	struct sweep *sw;
	int busy;                       /* a read is in flight */
	unsigned gen;                   /* the phase it was asked for */
	unsigned domid;
	int rc;
	struct mp_xc_info info;
	uint64_t t_ns;                  /* when it was asked, with the counters then */
	uint64_t gen_rx, out_rx;
	uint64_t last_ask_ns;
	/* The last reading at which the DUT had used CPU or forwarded. */
	int have_ref;
	uint64_t ref_t_ns, ref_cpu_ns, ref_gen_rx, ref_out_rx;
};

/* Why the DUT is broken although it did not disappear: the last phase
 * said so, and domains.dut.on_failure applies before the next one. */
enum sw_broken { SW_DUT_OK, SW_DUT_SILENT, SW_DUT_HUNG };

struct sw_search;
struct sw_tcp;

/* The live line's ETA: what the schedule still expects after this moment of
 * the current phase (a search counted at its timeout, the bound).
 * mp_sweep_eta_start notes the phase's place in the schedule when it
 * starts (a search once, not per trial), so the 100 ms tick only subtracts. */
void mp_sweep_eta_start(struct sweep *sw, size_t phase);
uint64_t mp_sweep_eta_ns(const struct sweep *sw);

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
	uv_timer_t boot_timer;          /* domains up, vifs connected */

	uint64_t t0;                    /* run start, monotonic */
	uint64_t phase_t0;              /* when phase timed_phase - 1 (a grid phase or a
					 * whole search) started, for the ETA */
	size_t timed_phase;
	uint64_t phase_len_ns;          /* its length in the schedule */
	uint64_t after_phase_ns;        /* the schedule after it */
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
	int nroles;                     /* sampled roles: SW_NROLES, or one less */
	int busy;                       /* a child process is running */
	const unsigned char *done;      /* --resume: phases finished before, or NULL */
	struct mp_agent_rx rx;          /* the receiver's figures of the last phase */
	char mix_text[MP_IMIX_TEXT_MAX];
	char rx_sizes_text[MP_RX_SIZES * 32];   /* the last phase row's rx_sizes */
	struct sw_search *search;       /* search_run.c's state in a search plan */
	struct sw_tcp *tcp;             /* tcp_run.c's state in a plan with traffic.tcp */
	int dut_fresh;                  /* the DUT has served nothing since it came up */
	int reboot_dut;                 /* re-create the DUT before going on (tcp.reboot) */
	const struct mp_search_trial *trial;  /* the search trial the phase runs, or NULL */

	struct mp_console *console[MP_DOM_COUNT];   /* this boot's console (console.c) */
	unsigned boots[MP_DOM_COUNT];  /* boots in this run, the last one's number */
	int console_warned;             /* consoles are not kept: said once */
	int console_checked[MP_DOM_COUNT];  /* this boot's log was looked for */
	char kernel[PATH_MAX];          /* {kernel}: this version's DUT kernel */
	char kernel_err[PATH_MAX + 256];/* why it has none, or "" */
	unsigned boot_fails;            /* boots of this version's DUT that did not come up */
	unsigned dut_phases;            /* phases this boot of the DUT lived through */
	enum sw_broken dut_broken;      /* set by the last phase (phase.c, hang.c) */
	struct sw_hang hang;
};

/* sweep.c */
const char *mp_sweep_mix_text(struct sweep *sw, unsigned size);
void mp_sweep_next(struct sweep *sw);
void mp_sweep_fatal(struct sweep *sw, int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* phase.c: one measurement phase, on the phase's own timer. Its steps:
 *
 *   configure  the agent accepts the traffic (frame size, rate, addresses);
 *              every role's counters are read (the loss counts start here)
 *   start      the agent starts sending; the sampler starts
 *   warm-up    plan phase.warmup; samples labelled "warmup", not counted
 *   measure    plan phase.duration (a search trial's own duration); agent
 *              and xenctrl counters at both edges
 *   stop       the agent stops sending (asked at the end of measure)
 *   drain      what the DUT still holds comes out: ends once dut_out's rx
 *              has not moved for SW_DRAIN_STILL_SAMPLES samples, at the
 *              latest after plan phase.cooldown; counters read again
 *   done       the row is written; if a vif vanished, wait (bounded) for
 *              xenstore to say its domain has gone, so the caller knows
 *              which domain is lost; then the completion callback runs.
 *
 * A failure at any step stops traffic and jumps to done with status
 * "failed". */
int mp_sweep_phase_init(struct sweep *sw);
/* Runs phase sw->phase; calls done(sw, recorded) when it is over. */
void mp_sweep_phase_run(struct sweep *sw, mp_sweep_phase_cb *done);
/* The phase is running or waiting for GONE: it will call its callback. */
int mp_sweep_phase_busy(const struct sweep *sw);
void mp_sweep_phase_fail(struct sweep *sw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* xenstore says domain `dom` has gone. Returns 1 if the phase takes it
 * (fails, or ends its wait; its callback follows), 0 if no phase is busy. */
int mp_sweep_phase_domain_gone(struct sweep *sw, enum mp_dom dom, const char *name,
			       unsigned domid);
/* On interrupt: stops traffic, writes no row, then calls the callback. */
void mp_sweep_phase_abort(struct sweep *sw);
/* Closes the timer (the loop runs its close) and frees the samples. */
void mp_sweep_phase_close(struct sweep *sw);
void mp_sweep_sample_tick(struct mp_sampler *s, uint64_t due_ns, uint64_t now_ns,
			  void *arg);

/* An agent request's argument carrying the phase it belongs to, and the
 * sweep back if that phase is still the current one (else NULL: a late
 * reply); the argument is freed either way. */
void *mp_sweep_req(struct sweep *sw);
struct sweep *mp_sweep_req_current(void *arg);

/* rx.c: the receiver (roles.receiver). Adds the measure window to the
 * traffic; fetches the receiver's figures after the drain, then calls done;
 * fills the row's receiver columns and writes latency.csv (0 or -errno). */
void mp_sweep_rx_traffic(const struct sweep *sw, struct mp_traffic *t);
void mp_sweep_rx_fetch(struct sweep *sw, void (*done)(struct sweep *sw));
int mp_sweep_rx_row(struct sweep *sw, struct mp_phase_row *row);
/* The drain ends once dut_out's rx counter has not moved for this many
 * samples in a row (or at phase.cooldown). */
#define SW_DRAIN_STILL_SAMPLES 2

/* search_run.c: in a search plan, runs search sw->phase (version, size)
 * one trial at a time through mp_sweep_phase_run (sw->trial says the rate
 * and duration); calls done(sw, 1) once the search is over and its
 * throughput rows are written, done(sw, 0) after a trial when the sweep must
 * act first (re-create the DUT, reconnect, stop): calling this again for the
 * same phase continues the search. */
void mp_sweep_search_run(struct sweep *sw, mp_sweep_phase_cb *done);
/* Called by the phase before it writes a trial's row: gives the search the
 * trial's result and fills the row's search columns. */
void mp_sweep_search_row(struct sweep *sw, struct mp_phase_row *row);
void mp_sweep_search_free(struct sweep *sw);

/* tcp_run.c: in a plan with traffic.tcp, runs TCP phase sw->phase
 * (version, streams) one repetition at a time; calls done(sw, 0) after each
 * repetition (its row written) or to have the DUT re-created first
 * (sw->reboot_dut), done(sw, 1) once every repetition has a row: calling
 * this again for the same phase goes on. */
void mp_sweep_tcp_run(struct sweep *sw, mp_sweep_phase_cb *done);
/* A repetition is going on: it will call its callback. */
int mp_sweep_tcp_busy(const struct sweep *sw);
/* xenstore says domain `dom` has gone: a repetition going on fails (1). */
int mp_sweep_tcp_domain_gone(struct sweep *sw, enum mp_dom dom, const char *name,
			     unsigned domid);
/* On interrupt: stops the agent's run, writes no row, then calls back. */
void mp_sweep_tcp_abort(struct sweep *sw);
/* A "skipped" row for every repetition of TCP phase `ph` without one. */
void mp_sweep_tcp_skip(struct sweep *sw, const struct mp_phase *ph, const char *why);
void mp_sweep_tcp_free(struct sweep *sw);

/* hang.c: a DUT whose CPU time does not advance for SW_HANG_NS while
 * frames are offered to it and its output counter does not move is hung:
 * the phase fails saying so (hang_tick, from the sample tick, with the
 * counters just read). Without libxenctrl nothing is judged here; a phase
 * in which the DUT forwarded nothing fails anyway (phase.c). */
#define SW_HANG_NS (3ULL * 1000000000ULL)
#define SW_HANG_CHECK_NS (500ULL * 1000000ULL)   /* one CPU-time read per this */
void mp_sweep_hang_reset(struct sweep *sw);
void mp_sweep_hang_tick(struct sweep *sw, const struct mp_link_stats *st);

/* console.c: every domain's console kept in the run, one file per boot
 * (domains/<role>-<boot>.console). _start at each creation; _check before
 * a boot's first phase (dom0 creates the log a moment after the domain, on
 * Xen as on the testbed; by then both domains have run for seconds): says
 * once if dom0 keeps no log there; _quote writes its last lines to
 * run.log. */
void mp_sweep_console_start(struct sweep *sw, enum mp_dom dom);
void mp_sweep_console_check(struct sweep *sw, enum mp_dom dom);
void mp_sweep_console_quote(struct sweep *sw, enum mp_dom dom);
/* The console's last line (NULL-free: "" without one) into buf. */
void mp_sweep_console_last(struct sweep *sw, enum mp_dom dom, char *buf, size_t len);
void mp_sweep_console_close_all(struct sweep *sw);

/* sweep.c: this version's phases that have not run get a "skipped" row
 * with `why` (the run fails), its DUT goes, the next version comes. */
void mp_sweep_skip_version(struct sweep *sw, const char *why);
/* A DUT that did not come up (boot timeout, its creation failed, it went
 * before its first phase): re-created while domains.dut.boot_retries
 * allows, else the version is skipped. */
void mp_sweep_dut_boot_failed(struct sweep *sw, const char *what);

/* domains.c */
int mp_sweep_expand(struct sweep *sw, const char *tmpl, const char *config,
		    const char *name, char **out);
/* At a version's start: its build directory ({workdir}) and its DUT
 * kernel ({kernel}: the version's own, else domains.dut.kernel); -1 when
 * the kernel's template cannot be expanded (sw->kernel_err says why: a DUT
 * config that boots {kernel} then skips the version). */
void mp_sweep_set_workdir(struct sweep *sw);
int mp_sweep_set_kernel(struct sweep *sw);
void mp_sweep_build_step(struct sweep *sw, size_t i);
void mp_sweep_create(struct sweep *sw, enum mp_dom dom);
/* Destroys `dom` through the toolstack, then calls mp_sweep_next(). */
void mp_sweep_destroy(struct sweep *sw, enum mp_dom dom);
void mp_sweep_destroy_sync(struct sweep *sw);

#endif
