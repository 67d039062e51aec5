/* State shared by the sweep's files, each of which includes this header:
 * sweep.c (the sequence of steps), phase.c (one measurement phase),
 * rx.c (the receiver's figures), search_run.c (a search, one trial at a
 * time), tcp_run.c (TCP, one repetition at a time), domains.c (build steps
 * and domains), hang.c (a hung DUT) and console.c (the domains' consoles).
 * progress.c and search.c stand alone (their own headers). Not a public
 * interface.
 *
 * One owner per state: struct sweep holds what the whole run shares; a
 * phase's state (struct sw_runner, phase.c), the receiver's (struct sw_rx,
 * rx.c), a search's (struct sw_search, search_run.c), a TCP phase's
 * (struct sw_tcp, tcp_run.c), the hang watch's (struct sw_hang, hang.c)
 * and the consoles' (struct sw_consoles, console.c) are opaque outside
 * their files, which the others ask through the functions below. The
 * ETA is the live line's (progress.h). */
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

/* The sweep's steps (sweep.c's mp_sweep_next runs them in this order). */
enum sw_step {
	ST_BUILD,          /* the plan's build steps for this version */
	ST_CREATE_TG,      /* create the traff-gen (once per run) */
	ST_CREATE_DUT,     /* create the DUT for this version */
	ST_WAIT_UP,        /* xenstore says both are up, vifs connected */
	ST_DISCOVER,       /* find the traff-gen's control address */
	ST_CONNECT,        /* connect and authenticate to the agent */
	ST_PHASE,          /* this version's phases */
	ST_VERSION_DONE,   /* destroy this version's DUT, go to the next */
	ST_CLEANUP,        /* destroy what this run created */
	ST_FINISH,         /* results, close every handle */
	ST_DONE,
};

struct sweep;

/* Called once a phase is over. `recorded` is 1 when its row is in
 * phases.csv (ok or failed), 0 when it was aborted without a row. */
typedef void mp_sweep_phase_cb(struct sweep *sw, int recorded);

struct sw_runner;       /* phase.c: the phase going on */
struct sw_rx;           /* rx.c: the receiver's figures of the last phase */
struct sw_hang;         /* hang.c: the DUT's CPU time while frames are offered */
struct sw_consoles;     /* console.c: every domain's console in this run */

/* Why the DUT is broken although it did not disappear: the last phase
 * said so, and domains.dut.on_failure applies before the next one. */
enum sw_broken { SW_DUT_OK, SW_DUT_SILENT, SW_DUT_HUNG };

struct sw_search;
struct sw_tcp;

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
	enum sw_step step;
	size_t version;
	size_t build_step;
	size_t cur_phase;               /* the phase running, or the next to run */
	size_t nphases;
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
	struct sw_runner *runner;       /* phase.c's (mp_sweep_phase_init) */

	char bin_dir[PATH_MAX], cfg_dir[PATH_MAX], src_dir[PATH_MAX];
	char workdir[PATH_MAX];
	char ifname[SW_NROLES][IFNAMSIZ];
	int nroles;                     /* sampled roles: SW_NROLES, or one less */
	int child_running;              /* a build step or toolstack command */
	const unsigned char *finished_before;   /* --resume: phases finished, or NULL */
	struct sw_rx *rx;               /* rx.c's, with a receiver (mp_sweep_rx_begin) */
	char mix_text[MP_IMIX_TEXT_MAX];
	struct sw_search *search;       /* search_run.c's state in a search plan */
	struct sw_tcp *tcp;             /* tcp_run.c's state in a plan with traffic.tcp */
	int dut_fresh;                  /* the DUT has served nothing since it came up */
	int reboot_dut;                 /* re-create the DUT before going on (tcp.reboot) */
	const struct mp_search_trial *trial;  /* the search trial the phase runs, or NULL */

	struct sw_consoles *consoles;   /* console.c's (mp_sweep_console_init) */
	char kernel[PATH_MAX];          /* {kernel}: this version's DUT kernel */
	char kernel_err[PATH_MAX + 256];/* why it has none, or "" */
	unsigned boot_fails;            /* boots of this version's DUT that did not come up */
	unsigned dut_phases;            /* phases this boot of the DUT lived through */
	enum sw_broken dut_broken;      /* set by the last phase (phase.c, hang.c) */
	struct sw_hang *hang;           /* hang.c's (mp_sweep_hang_init) */
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
 *   over       the row is written; if a vif vanished, wait (bounded) for
 *              xenstore to say its domain has gone, so the caller knows
 *              which domain is lost; then the completion callback runs.
 *
 * A failure at any step stops traffic and jumps to the row with status
 * "failed". The phase's state is phase.c's own (struct sw_runner).
 *
 * _init makes it (0 or a negative errno; sw->runner NULL if it could not
 * be allocated); _close closes its timer; _free, once the loop has closed
 * every handle, frees it (NULL is fine). */
int mp_sweep_phase_init(struct sweep *sw);
void mp_sweep_phase_close(struct sweep *sw);
void mp_sweep_phase_free(struct sweep *sw);
/* Runs phase sw->cur_phase; calls on_over(sw, recorded) when it is over. */
void mp_sweep_phase_run(struct sweep *sw, mp_sweep_phase_cb *on_over);
/* The phase is running or waiting for GONE: its callback is still to come. */
int mp_sweep_phase_running(const struct sweep *sw);
void mp_sweep_phase_fail(struct sweep *sw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* xenstore says domain `dom` has gone. Returns 1 if the phase takes it
 * (fails, or ends its wait; its callback follows), 0 if none is running. */
int mp_sweep_phase_domain_gone(struct sweep *sw, enum mp_dom dom, const char *name,
			       unsigned domid);
/* On interrupt: stops traffic, writes no row, then calls the callback. */
void mp_sweep_phase_abort(struct sweep *sw);
void mp_sweep_sample_tick(struct mp_sampler *s, uint64_t due_ns, uint64_t now_ns,
			  void *arg);

/* An agent request's argument carrying the phase it belongs to, and the
 * sweep back if that phase is still the current one (else NULL: a late
 * reply); the argument is freed either way. */
void *mp_sweep_req(struct sweep *sw);
struct sweep *mp_sweep_req_current(void *arg);
/* An interrupted phase or TCP repetition asks the agent to stop
 * (mp_agentc_stop, mp_agentc_tcp_stop) with mp_sweep_abort_stopped and
 * the argument mp_sweep_abort_req gives (NULL without memory: the caller
 * then calls over itself). Whatever the agent answers, the argument is
 * freed and over(sw, 0) follows: it ends without a row. */
void *mp_sweep_abort_req(struct sweep *sw, mp_sweep_phase_cb *over);
void mp_sweep_abort_stopped(struct mp_agentc *ac, int status, const char *msg,
			    const struct mp_agent_stats *st, void *arg);
/* For hang.c: the phase that gave it `ticket` (with mp_sweep_hang_tick)
 * is still the one running, and the agent may be sending its traffic. */
int mp_sweep_phase_sending(const struct sweep *sw, unsigned ticket);

/* rx.c: the receiver (roles.receiver), its state its own (struct sw_rx,
 * made at the first phase with a receiver, freed by _free once the loop
 * has closed).
 *   _begin    a phase (its index) with a measure window of measure_ns
 *             begins: the last phase's figures are forgotten
 *   _traffic  adds the measure window to the phase's traffic
 *   _fetch    after the drain, fetches the receiver's figures (not for a
 *             failed phase), then calls fetched; traffic_ns: when the
 *             phase's traffic started (latency.csv's times count from it)
 *   _row      fills the row's receiver columns and writes latency.csv (0
 *             or -errno). */
void mp_sweep_rx_begin(struct sweep *sw, size_t phase, uint64_t measure_ns);
void mp_sweep_rx_traffic(const struct sweep *sw, uint64_t measure_ns, struct mp_traffic *t);
void mp_sweep_rx_fetch(struct sweep *sw, int failed, uint64_t traffic_ns,
		       void (*fetched)(struct sweep *sw));
int mp_sweep_rx_row(struct sweep *sw, struct mp_phase_row *row);
void mp_sweep_rx_free(struct sweep *sw);
/* The drain ends once dut_out's rx counter has not moved for this many
 * samples in a row (or at phase.cooldown). */
#define SW_DRAIN_STILL_SAMPLES 2

/* search_run.c: in a search plan, runs search sw->cur_phase (version,
 * size) one trial at a time through mp_sweep_phase_run (sw->trial says the
 * rate and duration); calls on_over(sw, 1) once the search is over and its
 * throughput rows are written, on_over(sw, 0) after a trial when the sweep
 * must act first (re-create the DUT, reconnect, stop): calling this again
 * for the same phase continues the search. */
void mp_sweep_search_run(struct sweep *sw, mp_sweep_phase_cb *on_over);
/* Called by the phase before it writes a trial's row: gives the search the
 * trial's result (failed: the trial failed, row->reason says why) and
 * fills the row's search columns. */
void mp_sweep_search_row(struct sweep *sw, struct mp_phase_row *row, int failed);
void mp_sweep_search_free(struct sweep *sw);

/* tcp_run.c: in a plan with traffic.tcp, runs TCP phase sw->cur_phase
 * (version, streams) one repetition at a time; calls on_over(sw, 0) after
 * each repetition (its row written) or to have the DUT re-created first
 * (sw->reboot_dut), on_over(sw, 1) once every repetition has a row: calling
 * this again for the same phase goes on. */
void mp_sweep_tcp_run(struct sweep *sw, mp_sweep_phase_cb *on_over);
/* A repetition is going on: its callback is still to come. */
int mp_sweep_tcp_running(const struct sweep *sw);
/* xenstore says domain `dom` has gone: a repetition going on fails (1). */
int mp_sweep_tcp_domain_gone(struct sweep *sw, enum mp_dom dom, const char *name,
			     unsigned domid);
/* On interrupt: stops the agent's run, writes no row, then calls back. */
void mp_sweep_tcp_abort(struct sweep *sw);
/* A "skipped" row for every repetition of TCP phase `entry` without one. */
void mp_sweep_tcp_skip(struct sweep *sw, const struct mp_phase *entry, const char *why);
void mp_sweep_tcp_free(struct sweep *sw);

/* hang.c: a DUT whose CPU time does not advance for SW_HANG_NS while
 * frames are offered to it and its output counter does not move is hung:
 * the phase fails saying so (hang_tick, from the sample tick while traffic
 * is offered in the warm-up or the measure window, with the counters just
 * read and the phase's ticket). Without libxenctrl nothing is judged here;
 * a phase in which the DUT forwarded nothing fails anyway (phase.c). */
#define SW_HANG_NS (3ULL * 1000000000ULL)
#define SW_HANG_CHECK_NS (500ULL * 1000000ULL)   /* one CPU-time read per this */
/* _init makes hang.c's state (0 or -ENOMEM); _free, once the loop has
 * closed (no read in flight), frees it (NULL is fine); _reset at each
 * phase's start. */
int mp_sweep_hang_init(struct sweep *sw);
void mp_sweep_hang_free(struct sweep *sw);
void mp_sweep_hang_reset(struct sweep *sw);
void mp_sweep_hang_tick(struct sweep *sw, unsigned ticket, const struct mp_link_stats *st);

/* console.c: every domain's console kept in the run, one file per boot
 * (domains/<role>-<boot>.console). _start at each creation; _check before
 * a boot's first phase (dom0 creates the log a moment after the domain, on
 * Xen as on the testbed; by then both domains have run for seconds): says
 * once if dom0 keeps no log there; _quote writes its last lines to
 * run.log. _init makes console.c's state (0 or -ENOMEM); _close_all
 * closes every console; _free, once the loop has closed, frees the state
 * (NULL is fine). */
int mp_sweep_console_init(struct sweep *sw);
void mp_sweep_console_free(struct sweep *sw);
/* The number of `dom`'s last boot in this run (0: none yet). */
unsigned mp_sweep_console_boot(const struct sweep *sw, enum mp_dom dom);
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
