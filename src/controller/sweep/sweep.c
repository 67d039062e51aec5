/* The sweep: one libuv loop runs a whole plan, from build steps to results.
 *
 * The run is a sequence of steps (below). Each step either completes at once
 * and falls through to the next, or starts something asynchronous whose
 * callback calls mp_sweep_next() again. Every source lives on sw->loop:
 * xenstore watches (xs.c), DHCP snooping (discovery.c), the agent's control
 * channel (agentc.c), child processes (child.c), the sampling timer
 * (sampler.c), the phase's own timer (phase.c), and here the boot
 * timeout and signals. sweep.c starts a phase with mp_sweep_phase_run()
 * and learns its end from the completion callback, on_phase_over(). */
#include "controller/sweep/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/engines.h"
#include "common/err.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/pathf.h"
#include "controller/host/child.h"

/* Set by the Xen VM's dom0 for every job (src/testbed/xenvm/dom0-init). */
#define MP_HOST_EMULATOR_ENV "MP_HOST_EMULATOR"

const enum mp_role mp_sweep_roles[SW_NROLES] = {
	[SW_GEN] = MP_ROLE_GENERATOR, [SW_DUT_IN] = MP_ROLE_DUT_IN,
	[SW_DUT_OUT] = MP_ROLE_DUT_OUT, [SW_RECEIVER] = MP_ROLE_RECEIVER,
};

static void start_cleanup(struct sweep *sw);
static void on_phase_over(struct sweep *sw, int recorded);

/* --resume: phases already finished in the run being continued. */
static int finished_before(const struct sweep *sw, size_t i)
{
	return sw->finished_before && sw->finished_before[i];
}

/* Phases of version v are [v * per_version, (v + 1) * per_version). */
static size_t phases_per_version(const struct sweep *sw)
{
	return mp_plan_phase_count(sw->plan) / sw->plan->nversions;
}

static int version_done_before(const struct sweep *sw, size_t v)
{
	size_t per = phases_per_version(sw);

	for (size_t i = v * per; i < (v + 1) * per; i++)
		if (!finished_before(sw, i))
			return 0;
	return 1;
}

static void skip_rest(struct sweep *sw, const char *why);

void mp_sweep_fatal(struct sweep *sw, int exit_code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sw->stopping)
		return;
	mp_err("%s", msg);
	/* Every phase gets its row: those not run yet are skipped, for this
	 * reason unless the caller gave a shorter one first. */
	skip_rest(sw, msg);
	if (!sw->exit_code)
		sw->exit_code = exit_code;
	if (!sw->final_status)
		sw->final_status = "failed";
	start_cleanup(sw);
}

/* The "skipped" rows of schedule entry `i`, which will not run: one in
 * phases.csv, or one per repetition still missing in tcp.csv; the live line
 * counts a phase's when `tell` (a version skipped while the run goes on).
 * Nothing for an entry finished before a resume. */
static void skip_entry(struct sweep *sw, size_t i, const char *why, int tell)
{
	struct mp_phase entry;
	struct mp_phase_row row;

	if (finished_before(sw, i))
		return;
	mp_plan_phase(sw->plan, i, &entry);
	if (entry.tcp) {
		mp_sweep_tcp_skip(sw, &entry, why);
		return;
	}
	mp_summary_empty_row(&row);
	row.version = sw->plan->versions[entry.version];
	row.phase = entry.index;
	row.size = entry.size;
	row.mix = mp_sweep_mix_text(sw, entry.size);
	row.rate = entry.rate;
	row.status = "skipped";
	row.reason = why;
	if (mp_out_phase(sw->out, &row) == 0 && tell && sw->progress)
		mp_progress_phase_done(sw->progress, &row);
}

/* Writes the "skipped" rows of every phase that will not run. */
static void skip_rest(struct sweep *sw, const char *why)
{
	for (; sw->cur_phase < sw->nphases; sw->cur_phase++)
		skip_entry(sw, sw->cur_phase, why, 0);
}

void mp_sweep_skip_version(struct sweep *sw, const char *why)
{
	size_t end = (sw->version + 1) * phases_per_version(sw), n = 0;

	if (sw->stopping)
		return;
	mp_err("version %s is not measured: %s%s", sw->plan->versions[sw->version], why,
	       sw->version + 1 < sw->plan->nversions ? "; the next version goes on" : "");
	uv_timer_stop(&sw->boot_timer);
	for (; sw->cur_phase < end; sw->cur_phase++) {
		n += !finished_before(sw, sw->cur_phase);
		skip_entry(sw, sw->cur_phase, why, 1);
	}
	/* A version not measured fails the run, as a failed phase does. */
	sw->failed_phases += n ? n : 1;
	sw->step = ST_VERSION_DONE;
	mp_sweep_next(sw);
}

/* phases.csv's mix for a size: the plan's mix text for IMIX, else NULL. */
const char *mp_sweep_mix_text(struct sweep *sw, unsigned size)
{
	if (size != MP_SIZE_IMIX)
		return NULL;
	mp_imix_format(&sw->plan->imix, sw->mix_text, sizeof(sw->mix_text));
	return sw->mix_text;
}

static void on_boot_timeout(uv_timer_t *t)
{
	struct sweep *sw = t->data;
	char dur[32], what[256];

	mp_duration_format(sw->plan->boot_timeout_ns, dur, sizeof(dur));
	if (sw->up[MP_DOM_TRAFFGEN]) {
		/* Only the DUT: re-created, or its version skipped. */
		snprintf(what, sizeof(what), "did not come up within %s: its vifs never reached "
			 "hotplug-status=connected/state=4 in xenstore (its console says where it "
			 "stopped)", dur);
		mp_sweep_dut_boot_failed(sw, what);
		return;
	}
	for (int d = 0; d < MP_DOM_COUNT; d++) {
		if (sw->up[d])
			continue;
		mp_err("domain %s is not up after %s: its vifs never reached "
		       "hotplug-status=connected/state=4 in xenstore; see run.log "
		       "and the toolstack's logs", sw->plan->domains[d].name, dur);
		mp_sweep_console_quote(sw, (enum mp_dom)d);
	}
	if (sw->plan->has_receiver && !sw->up[MP_DOM_TRAFFGEN])
		mp_err("the plan's roles.receiver is vif %u of %s: if its config (%s) has no "
		       "such vif, add it (a third vif on bridge if2, where the DUT forwards) or "
		       "remove roles.receiver", sw->plan->roles[MP_ROLE_RECEIVER].devid,
		       sw->plan->domains[MP_DOM_TRAFFGEN].name,
		       sw->plan->domains[MP_DOM_TRAFFGEN].config);
	skip_rest(sw, "domains did not come up");
	mp_sweep_fatal(sw, MP_EXIT_FAIL, "boot timed out");
}

void mp_sweep_dut_boot_failed(struct sweep *sw, const char *what)
{
	const struct mp_plan *p = sw->plan;
	char last[256], why[1024];

	uv_timer_stop(&sw->boot_timer);
	sw->boot_fails++;
	mp_err("the DUT %s (version %s, boot %u) %s", p->domains[MP_DOM_DUT].name,
	       p->versions[sw->version], mp_sweep_console_boot(sw, MP_DOM_DUT), what);
	mp_sweep_console_quote(sw, MP_DOM_DUT);
	if (sw->boot_fails <= p->dut_boot_retries) {
		mp_warn("re-creating the DUT (domains.dut.boot_retries is %u: retry %u)",
			p->dut_boot_retries, sw->boot_fails);
		sw->step = ST_CREATE_DUT;
		if (sw->created[MP_DOM_DUT]) {
			mp_sweep_destroy(sw, MP_DOM_DUT);       /* then mp_sweep_next */
			return;
		}
		mp_sweep_next(sw);
		return;
	}
	mp_sweep_console_last(sw, MP_DOM_DUT, last, sizeof(last));
	snprintf(why, sizeof(why), "the DUT did not come up in %u boot%s (the last %s)%s%s",
		 sw->boot_fails, sw->boot_fails == 1 ? "" : "s", what,
		 last[0] ? "; its console's last line: " : "; its console is empty", last);
	mp_sweep_skip_version(sw, why);
}

static void on_discovered(int status, const char *ip, const char *method, void *arg)
{
	struct sweep *sw = arg;

	if (sw->stopping)
		return;
	if (status < 0) {
		skip_rest(sw, "traff-gen address not found");
		mp_sweep_fatal(sw, MP_EXIT_FAIL, "%s", method);
		return;
	}
	snprintf(sw->traffgen_ip, sizeof(sw->traffgen_ip), "%s", ip);
	mp_out_set_discovery(sw->out, ip, method);
	if (sw->step != ST_DISCOVER)
		return;         /* the DUT is being re-created: the sweep comes back here */
	sw->step = ST_CONNECT;
	mp_sweep_next(sw);
}

static void on_connected(struct mp_agentc *ac, int status, const char *msg,
			 const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = arg;

	(void)st;
	/* A client the sweep closed itself (connect_agent replacing it when the
	 * sweep comes back to connecting) is told it was cancelled: not news. */
	if (sw->stopping || ac != sw->agent)
		return;
	if (status < 0) {
		skip_rest(sw, "agent unreachable");
		mp_sweep_fatal(sw, MP_EXIT_FAIL,
			       "cannot reach the traff-gen agent at %s:%u: %s; check that "
			       "mir-perf-agent runs in the traff-gen, that agent.token_file "
			       "holds the same secret, and that port %u is open",
			       sw->traffgen_ip, sw->plan->agent_port, msg ? msg : mp_strerror(status),
			       sw->plan->agent_port);
		return;
	}
	if (sw->plan->has_receiver && !*mp_agentc_rx_dev(ac)) {
		skip_rest(sw, "the agent has no receiver");
		mp_sweep_fatal(sw, MP_EXIT_USAGE,
			       "the plan has roles.receiver but the agent at %s:%u has no receiver: "
			       "start mir-perf-agent with --rx-dev on the traff-gen's third vif "
			       "(on bridge if2), or remove roles.receiver", sw->traffgen_ip,
			       sw->plan->agent_port);
		return;
	}
	if (sw->plan->tcp && !*mp_agentc_rx_netns(ac)) {
		skip_rest(sw, "the agent cannot run TCP through the DUT");
		mp_sweep_fatal(sw, MP_EXIT_USAGE,
			       "the plan has traffic.tcp but the agent at %s:%u cannot run it: start "
			       "mir-perf-agent with --rx-dev and --rx-netns (the receiving side's own "
			       "namespace) and install iperf3 in the traff-gen (the image of `mir-perf "
			       "image` does both), or remove traffic.tcp", sw->traffgen_ip,
			       sw->plan->agent_port);
		return;
	}
	mp_info("agent at %s:%u connected and authenticated%s%s", sw->traffgen_ip,
		sw->plan->agent_port, *mp_agentc_rx_dev(ac) ? ", receiving on " : "",
		mp_agentc_rx_dev(ac));
	if (mp_engine_kind(sw->plan->agent_engine) != MP_ENGINE_AUTO &&
	    strcmp(sw->plan->agent_engine, mp_agentc_engine(ac)) != 0)
		mp_info("the plan's agent.engine is %s, the agent's own %s: it switches at "
			"each phase's configure", sw->plan->agent_engine, mp_agentc_engine(ac));
	sw->agent_ok = 1;
	if (sw->step != ST_CONNECT)
		return;         /* the DUT is being re-created: the sweep comes back here */
	sw->step = ST_PHASE;
	mp_sweep_next(sw);
}

/* Resolves the dom0 interface of every sampled role from xenstore. */
static int resolve_roles(struct sweep *sw)
{
	for (int i = 0; i < sw->nroles; i++) {
		const struct mp_plan_vif *v = &sw->plan->roles[mp_sweep_roles[i]];
		const struct mp_xs_domain *d = &sw->dom[v->domain];

		if (v->devid >= d->nvifs) {
			mp_sweep_fatal(sw, MP_EXIT_USAGE,
				       "role %s names vif %u of %s, which has %zu vifs",
				       mp_role_name(mp_sweep_roles[i]), v->devid,
				       sw->plan->domains[v->domain].name, d->nvifs);
			return -1;
		}
		memcpy(sw->ifname[i], d->vifs[v->devid].ifname, sizeof(sw->ifname[i]));
		sw->ifname[i][sizeof(sw->ifname[i]) - 1] = '\0';
		mp_out_set_iface(sw->out, mp_role_name(mp_sweep_roles[i]), sw->ifname[i]);
	}
	return 0;
}

static void connect_agent(struct sweep *sw)
{
	char *token = NULL;
	int rc;

	if (sw->agent) {
		struct mp_agentc *old = sw->agent;

		sw->agent = NULL;       /* before the close, which calls on_connected */
		mp_agentc_close(old);
	}

	if (mp_sweep_expand(sw, sw->plan->agent_token_file, NULL, NULL, &token) < 0) {
		mp_sweep_fatal(sw, MP_EXIT_USAGE, "agent.token_file: cannot expand %s",
			       sw->plan->agent_token_file);
		return;
	}
	rc = mp_agentc_new(&sw->loop, sw->traffgen_ip, sw->plan->agent_port, token,
			   sw->plan->agent_request_timeout_ns, &sw->agent);
	if (rc < 0) {
		skip_rest(sw, "the agent's token file is unusable");
		mp_sweep_fatal(sw, rc == -EACCES || rc == -EPERM ? MP_EXIT_USAGE : MP_EXIT_FAIL,
			       "cannot use the agent token file %s: %s", token, mp_strerror(rc));
		free(token);
		return;
	}
	free(token);
	mp_agentc_connect(sw->agent, sw->plan->agent_connect_timeout_ns, on_connected, sw);
}

void mp_sweep_next(struct sweep *sw)
{
	const struct mp_plan *p = sw->plan;

	if (sw->child_running)
		return;         /* a child's callback calls us again */
	switch (sw->step) {
	case ST_BUILD:
		/* A resumed run skips versions whose phases all finished. */
		while (sw->build_step == 0 && version_done_before(sw, sw->version)) {
			sw->cur_phase = (sw->version + 1) * phases_per_version(sw);
			if (sw->version + 1 == p->nversions)
				break;
			sw->version++;
		}
		if (version_done_before(sw, sw->version)) {
			sw->step = ST_VERSION_DONE;
			mp_sweep_next(sw);
			return;
		}
		if (sw->build_step == 0) {
			sw->boot_fails = 0;
			mp_sweep_set_workdir(sw);
			mp_sweep_set_kernel(sw);
			if (mp_plan_prebuilt(p, sw->version)) {
				mp_info("version %s: a prebuilt DUT kernel (%s); no build steps",
					p->versions[sw->version], sw->kernel[0] ? sw->kernel :
					mp_plan_kernel(p, sw->version));
				sw->build_step = p->nbuild_steps;
			}
		}
		if (sw->build_step < p->nbuild_steps) {
			mp_sweep_build_step(sw, sw->build_step++);
			return;
		}
		sw->step = ST_CREATE_TG;
		/* fall through */
	case ST_CREATE_TG:
		sw->step = ST_CREATE_DUT;
		if (!sw->created[MP_DOM_TRAFFGEN]) {
			mp_sweep_create(sw, MP_DOM_TRAFFGEN);
			return;
		}
		/* fall through */
	case ST_CREATE_DUT:
		sw->step = ST_WAIT_UP;
		if (!sw->created[MP_DOM_DUT]) {
			mp_sweep_create(sw, MP_DOM_DUT);
			return;
		}
		/* fall through */
	case ST_WAIT_UP:
		if (!sw->up[MP_DOM_TRAFFGEN] || !sw->up[MP_DOM_DUT]) {
			if (!uv_is_active((uv_handle_t *)&sw->boot_timer))
				mp_timer_start_fresh(&sw->boot_timer, on_boot_timeout,
						     p->boot_timeout_ns / MP_NS_PER_MS);
			return;         /* on_xs_event calls us again */
		}
		uv_timer_stop(&sw->boot_timer);
		if (resolve_roles(sw) < 0)
			return;
		sw->step = ST_DISCOVER;
		/* fall through */
	case ST_DISCOVER:
		if (!sw->traffgen_ip[0]) {
			const struct mp_plan_vif *c = &p->roles[MP_ROLE_CONTROL];
			const struct mp_xs_domain *d = &sw->dom[c->domain];

			if (c->devid >= d->nvifs) {
				mp_sweep_fatal(sw, MP_EXIT_USAGE, "the control role names vif %u of %s, "
					       "which has %zu vifs", c->devid,
					       p->domains[c->domain].name, d->nvifs);
				return;
			}
			mp_discovery_wait(sw->disc, d->vifs[c->devid].mac, on_discovered, sw);
			return;
		}
		sw->step = ST_CONNECT;
		/* fall through */
	case ST_CONNECT:
		if (!sw->agent_ok) {
			connect_agent(sw);
			return;
		}
		sw->step = ST_PHASE;
		/* fall through */
	case ST_PHASE:
		for (int d = 0; d < MP_DOM_COUNT; d++)
			mp_sweep_console_check(sw, (enum mp_dom)d);
		while (sw->cur_phase < (sw->version + 1) * phases_per_version(sw) &&
		       finished_before(sw, sw->cur_phase))
			sw->cur_phase++;
		if (sw->cur_phase < (sw->version + 1) * phases_per_version(sw)) {
			struct mp_phase entry;

			mp_plan_phase(p, sw->cur_phase, &entry);
			mp_progress_phase_start(sw->progress, p, sw->cur_phase, mp_now_ns());
			if (entry.tcp) {
				mp_sweep_tcp_run(sw, on_phase_over);
				return;
			}
			sw->dut_fresh = 0;
			if (entry.search)
				mp_sweep_search_run(sw, on_phase_over);
			else
				mp_sweep_phase_run(sw, on_phase_over);
			return;
		}
		sw->step = ST_VERSION_DONE;
		/* fall through */
	case ST_VERSION_DONE:
		if (sw->version + 1 < p->nversions) {
			sw->version++;
			sw->build_step = 0;
			sw->step = ST_BUILD;
			if (sw->created[MP_DOM_DUT]) {
				mp_sweep_destroy(sw, MP_DOM_DUT);
				return;
			}
			mp_sweep_next(sw);
			return;
		}
		if (!sw->final_status)
			sw->final_status = sw->failed_phases ? "failed" : "completed";
		if (sw->failed_phases && !sw->exit_code)
			sw->exit_code = MP_EXIT_FAIL;
		sw->step = ST_CLEANUP;
		/* fall through */
	case ST_CLEANUP:
		sw->stopping = 1;
		/* Say bye before the traff-gen goes, so its end is not a lost connection. */
		if (sw->agent && !mp_sweep_phase_running(sw) && !mp_sweep_tcp_running(sw)) {
			mp_agentc_close(sw->agent);
			sw->agent = NULL;
			sw->agent_ok = 0;
		}
		for (int d = 0; d < MP_DOM_COUNT; d++) {
			if (sw->created[d]) {
				mp_sweep_destroy(sw, (enum mp_dom)d);
				return;
			}
		}
		sw->step = ST_FINISH;
		/* fall through */
	case ST_FINISH:
		sw->step = ST_DONE;
		uv_stop(&sw->loop);
		return;
	case ST_DONE:
		return;
	}
}

static void start_cleanup(struct sweep *sw)
{
	if (sw->stopping)
		return;
	sw->stopping = 1;
	uv_timer_stop(&sw->boot_timer);
	mp_child_kill_all();
	if (mp_sweep_tcp_running(sw)) {
		/* Stops the TCP run first; on_phase_over() then calls mp_sweep_next(). */
		sw->step = ST_CLEANUP;
		mp_sweep_tcp_abort(sw);
		return;
	}
	if (mp_sweep_phase_running(sw)) {
		/* Stops traffic first; on_phase_over() then calls mp_sweep_next(). */
		sw->step = ST_CLEANUP;
		mp_sweep_phase_abort(sw);
		return;
	}
	/* A build step or toolstack command in flight finishes (it was just
	 * signalled) and calls mp_sweep_next(), which continues here. */
	sw->step = ST_CLEANUP;
	if (!sw->child_running)
		mp_sweep_next(sw);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct sweep *sw = h->data;

	sw->signals++;
	if (sw->signals > 1) {
		mp_err("second %s: destroying this run's domains now and exiting",
		       strsignal(signum));
		mp_sweep_destroy_sync(sw);
		mp_out_finish(sw->out, "interrupted");
		_exit(MP_EXIT_INTR);
	}
	mp_warn("%s: stopping traffic, destroying this run's domains and keeping "
		"every finished phase (press again to exit at once)", strsignal(signum));
	sw->exit_code = MP_EXIT_INTR;
	sw->final_status = "interrupted";
	start_cleanup(sw);
}

static void on_xs_event(struct mp_xs *xs, const struct mp_xs_event *ev, void *arg)
{
	struct sweep *sw = arg;
	int d = -1;

	(void)xs;
	if (ev->type == MP_XS_LOST) {
		skip_rest(sw, "lost the connection to xenstored");
		mp_sweep_fatal(sw, MP_EXIT_FAIL, "lost the connection to xenstored: "
			       "is it still running? (testbed: mir-perf-testbed status)");
		return;
	}
	for (int i = 0; i < MP_DOM_COUNT; i++)
		if (strcmp(ev->domain->name, sw->plan->domains[i].name) == 0)
			d = i;
	if (d < 0)
		return;
	switch (ev->type) {
	case MP_XS_DOMAIN_UP:
		if (sw->up[d])
			return;
		sw->up[d] = 1;
		sw->dom[d] = *ev->domain;
		if (d == MP_DOM_DUT)
			sw->dut_fresh = 1;
		mp_info("domain %s is up (domid %u, %zu vifs connected)",
			ev->domain->name, ev->domain->domid, ev->domain->nvifs);
		mp_out_set_domain(sw->out, mp_dom_name((enum mp_dom)d),
				  d == MP_DOM_DUT ? sw->plan->versions[sw->version] : NULL,
				  ev->domain->domid, ev->domain->name);
		if (sw->step == ST_WAIT_UP && !sw->stopping)
			mp_sweep_next(sw);
		return;
	case MP_XS_DOMAIN_GONE:
		if (!sw->up[d])
			return;
		sw->up[d] = 0;
		sw->created[d] = 0;
		mp_warn("domain %s (domid %u) has gone: it crashed or was destroyed",
			ev->domain->name, ev->domain->domid);
		mp_sweep_console_quote(sw, (enum mp_dom)d);
		if (sw->stopping)
			return;
		if (mp_sweep_tcp_domain_gone(sw, (enum mp_dom)d, ev->domain->name,
					     ev->domain->domid) ||
		    mp_sweep_phase_domain_gone(sw, (enum mp_dom)d, ev->domain->name,
					       ev->domain->domid))
			return;         /* on_phase_over decides what comes next */
		if (d == MP_DOM_DUT && (sw->step == ST_WAIT_UP || sw->step == ST_DISCOVER ||
					sw->step == ST_CONNECT)) {
			/* Before its first phase: a DUT that did not come up. */
			mp_sweep_dut_boot_failed(sw, "went away before its first phase");
			return;
		}
		skip_rest(sw, "a domain of the run disappeared");
		mp_sweep_fatal(sw, MP_EXIT_FAIL, "the %s domain disappeared; stopping",
			       mp_dom_name((enum mp_dom)d));
		return;
	case MP_XS_IPV4:
		if (d == (int)sw->plan->roles[MP_ROLE_CONTROL].domain &&
		    ev->devid == sw->plan->roles[MP_ROLE_CONTROL].devid)
			mp_discovery_xenstore(sw->disc, ev->ipv4);
		return;
	case MP_XS_LOST:
		return;
	}
}

/* The phase's completion callback: its row is written (recorded), or it was
 * aborted by cleanup without one. */
static void on_phase_over(struct sweep *sw, int recorded)
{
	const struct mp_plan *p = sw->plan;
	int dut_lost = !sw->up[MP_DOM_DUT], tg_lost = !sw->up[MP_DOM_TRAFFGEN];

	if (recorded)
		sw->cur_phase++;
	if (sw->stopping) {
		mp_sweep_next(sw);
		return;
	}
	if (tg_lost) {
		skip_rest(sw, "the traff-gen domain disappeared");
		mp_sweep_fatal(sw, MP_EXIT_FAIL, "the traff-gen domain disappeared; stopping");
		return;
	}
	if (dut_lost && !sw->dut_phases) {
		/* Gone in its first phase: a DUT that did not come up. */
		mp_sweep_dut_boot_failed(sw, "went away in its first phase");
		return;
	}
	if (!dut_lost)
		sw->dut_phases++;
	if (dut_lost) {
		if (p->dut_on_failure == MP_ON_FAILURE_STOP) {
			skip_rest(sw, "the DUT disappeared and domains.dut.on_failure is stop");
			mp_sweep_fatal(sw, MP_EXIT_FAIL, "the DUT disappeared; "
				       "domains.dut.on_failure is stop: stopping");
			return;
		}
		mp_warn("re-creating the DUT (domains.dut.on_failure is recreate)");
		sw->reboot_dut = 0;
		sw->step = ST_CREATE_DUT;
	} else if (sw->dut_broken != SW_DUT_OK) {
		/* Up, but it forwarded nothing or hung: a DUT that will not
		 * forward again by itself. */
		const char *what = sw->dut_broken == SW_DUT_HUNG ? "hung" :
			"forwarded no frame";

		sw->dut_broken = SW_DUT_OK;
		sw->reboot_dut = 0;
		if (p->dut_on_failure == MP_ON_FAILURE_STOP) {
			char why[128];

			snprintf(why, sizeof(why), "the DUT %s and domains.dut.on_failure is stop", what);
			skip_rest(sw, why);
			mp_sweep_fatal(sw, MP_EXIT_FAIL, "the DUT %s; domains.dut.on_failure is "
				       "stop: stopping", what);
			return;
		}
		mp_warn("re-creating the DUT, which %s (domains.dut.on_failure is recreate)", what);
		sw->step = ST_CREATE_DUT;
		mp_sweep_destroy(sw, MP_DOM_DUT);       /* then mp_sweep_next */
		return;
	} else if (sw->reboot_dut) {
		/* traffic.tcp.reboot: destroyed, then created again (its release is
		 * no crash: mp_sweep_destroy marks it down first) */
		sw->reboot_dut = 0;
		sw->step = ST_CREATE_DUT;
		mp_sweep_destroy(sw, MP_DOM_DUT);
		return;
	} else if (!sw->agent_ok) {
		mp_warn("reconnecting to the agent");
		sw->step = ST_CONNECT;
	}
	mp_sweep_next(sw);
}

static int open_sources(struct sweep *sw)
{
	char why[256] = "";
	int rc;

	rc = mp_xs_open(&sw->loop, on_xs_event, sw, &sw->xs);
	if (rc < 0)
		return MP_EXIT_ENV;     /* mp_xs_open said what to do */
	for (int d = 0; d < MP_DOM_COUNT; d++) {
		const struct mp_plan_vif *r;
		unsigned nvifs = 0;

		for (int i = 0; i < MP_ROLE_COUNT; i++) {
			r = &sw->plan->roles[i];
			if (i == MP_ROLE_RECEIVER && !sw->plan->has_receiver)
				continue;
			if ((int)r->domain == d && r->devid + 1 > nvifs)
				nvifs = r->devid + 1;
		}
		rc = mp_xs_track(sw->xs, sw->plan->domains[d].name, nvifs);
		if (rc < 0) {
			mp_err("cannot track domain %s in xenstore: %s",
			       sw->plan->domains[d].name, mp_strerror(rc));
			return MP_EXIT_ENV;
		}
	}
	rc = mp_nl_open(&sw->nl);
	if (rc < 0) {
		mp_err("cannot open a netlink socket for the link counters: %s", mp_strerror(rc));
		return MP_EXIT_ENV;
	}
	rc = mp_discovery_open(&sw->loop, sw->plan, &sw->disc);
	if (rc < 0)
		return MP_EXIT_ENV;
	{
		/* The Xen VM's dom0 names its emulator (docs/xen-vm.md): its rates
		 * are an emulated CPU's, which the provenance says. */
		const char *emu = getenv(MP_HOST_EMULATOR_ENV);

		if (emu && *emu) {
			mp_info("dom0 runs in an emulator: %s (rates are the emulated CPU's)", emu);
			mp_out_set_emulator(sw->out, emu);
		}
	}
	rc = mp_xc_open(&sw->xc, why, sizeof(why));
	if (rc < 0) {
		sw->xc = NULL;
		mp_info("hypervisor statistics unavailable: %s; DUT CPU time per "
			"packet will be empty", why);
		mp_out_set_info(sw->out, "xenctrl", why);
	} else {
		mp_out_set_info(sw->out, "xenctrl", "available");
	}
	return 0;
}

/* What set_up() has made, in order; tear_down() undoes it from the last. */
enum sw_stage {
	STAGE_NONE,
	STAGE_LOOP,
	STAGE_BOOT_TIMER,
	STAGE_PHASE_TIMER,
	STAGE_SIGINT,
	STAGE_SIGTERM,
	STAGE_SAMPLER,
};

/* The loop and its own handles, stopping at the first that fails (said in
 * the log); sets *stage to the last made. 0 or MP_EXIT_ENV. */
static int set_up(struct sweep *sw, enum sw_stage *stage)
{
	int rc;

	*stage = STAGE_NONE;
	if ((rc = uv_loop_init(&sw->loop)) < 0)
		goto fail;
	*stage = STAGE_LOOP;
	if ((rc = uv_timer_init(&sw->loop, &sw->boot_timer)) < 0)
		goto fail;
	sw->boot_timer.data = sw;
	*stage = STAGE_BOOT_TIMER;
	if ((rc = mp_sweep_console_init(sw)) < 0 || (rc = mp_sweep_hang_init(sw)) < 0 ||
	    (rc = mp_sweep_phase_init(sw)) < 0)
		goto fail;
	*stage = STAGE_PHASE_TIMER;
	if ((rc = uv_signal_init(&sw->loop, &sw->sigint)) < 0)
		goto fail;
	sw->sigint.data = sw;
	*stage = STAGE_SIGINT;
	if ((rc = uv_signal_init(&sw->loop, &sw->sigterm)) < 0)
		goto fail;
	sw->sigterm.data = sw;
	*stage = STAGE_SIGTERM;
	if ((rc = uv_signal_start(&sw->sigint, on_signal, SIGINT)) < 0 ||
	    (rc = uv_signal_start(&sw->sigterm, on_signal, SIGTERM)) < 0)
		goto fail;
	if ((rc = mp_sampler_new(&sw->loop, sw->plan->sample_interval_ns, mp_sweep_sample_tick,
				 sw, &sw->sampler)) < 0)
		goto fail;
	*stage = STAGE_SAMPLER;
	return 0;
fail:
	mp_err("cannot set up the controller's event loop: %s", mp_strerror(rc));
	return MP_EXIT_ENV;
}

/* Closes what the run opened, in the reverse order of set_up() and
 * open_sources(), then the loop, then frees the phase's, the receiver's, the
 * hang watch's and the consoles' state (a late reply or a read on the
 * thread pool, ended with the loop, may still have used them).
 * Returns the handles mp_loop_close found still open (0 is right), or 0
 * when there was no loop. */
static int tear_down(struct sweep *sw, enum sw_stage stage)
{
	int left = 0;

	if (sw->agent)
		mp_agentc_close(sw->agent);
	if (sw->xc)
		mp_xc_close(sw->xc);
	if (sw->disc)
		mp_discovery_close(sw->disc);
	if (sw->nl)
		mp_nl_close(sw->nl);
	if (sw->xs)
		mp_xs_close(sw->xs);
	mp_sweep_console_close_all(sw);
	mp_sweep_search_free(sw);
	mp_sweep_tcp_free(sw);
	switch (stage) {
	case STAGE_SAMPLER:
		mp_sampler_close(sw->sampler);
		/* fall through */
	case STAGE_SIGTERM:
		uv_close((uv_handle_t *)&sw->sigterm, NULL);
		/* fall through */
	case STAGE_SIGINT:
		uv_close((uv_handle_t *)&sw->sigint, NULL);
		/* fall through */
	case STAGE_PHASE_TIMER:
		mp_sweep_phase_close(sw);
		/* fall through */
	case STAGE_BOOT_TIMER:
		uv_close((uv_handle_t *)&sw->boot_timer, NULL);
		/* fall through */
	case STAGE_LOOP:
		left = mp_loop_close(&sw->loop);   /* warns about any handle left open */
		break;
	case STAGE_NONE:
		break;
	}
	mp_sweep_phase_free(sw);
	mp_sweep_rx_free(sw);
	mp_sweep_hang_free(sw);
	mp_sweep_console_free(sw);
	return left;
}

static void find_dirs(struct sweep *sw)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *cfg = getenv("MP_CFG_DIR");
	char *slash;

	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(sw->bin_dir, sizeof(sw->bin_dir), "%s", exe);
	if (mp_find_src_dir(sw->src_dir, sizeof(sw->src_dir)) < 0)
		mp_debug("no source tree found above %s: {src_dir} is %s", exe, sw->src_dir);
	if (cfg && *cfg)
		snprintf(sw->cfg_dir, sizeof(sw->cfg_dir), "%s", cfg);
	else
		if (mp_pathf(sw->cfg_dir, sizeof(sw->cfg_dir), "%s/cfg", sw->src_dir) < 0)
			sw->cfg_dir[0] = '\0';
}

/* Runs the plan into an opened output; frees nothing of the caller's. */
static int run(const struct mp_plan *plan, const struct mp_run_opts *opts,
	       struct mp_out *out, const unsigned char *finished_before, char *run_dir,
	       size_t len)
{
	struct sweep *sw = calloc(1, sizeof(*sw));
	enum sw_stage stage;
	int code, left;

	if (!sw) {
		mp_out_close(out);
		return MP_EXIT_ENV;
	}
	sw->plan = plan;
	sw->nroles = plan->has_receiver ? SW_NROLES : SW_NROLES - 1;
	sw->opts = opts;
	sw->out = out;
	sw->finished_before = finished_before;
	sw->nphases = mp_plan_phase_count(plan);
	sw->t0 = mp_out_t0(out);        /* the run's one clock, continued by --resume */
	find_dirs(sw);
	/* run.log's times on the run's clock (and stay so for the report's
	 * lines main.c adds after the sweep). */
	mp_log_set_origin(sw->t0);
	mp_log_set_file(mp_out_log(sw->out));
	if (finished_before)
		mp_info("run %s resumed; it started %s: times in run.log and t_s in the CSV "
			"files go on from there", mp_out_run_id(sw->out), mp_out_start(sw->out));
	else
		mp_info("run %s started %s: times in run.log and t_s in the CSV files are "
			"seconds since then", mp_out_run_id(sw->out), mp_out_start(sw->out));
	mp_info("run %s: %zu phases, results in %s", mp_out_run_id(sw->out),
		sw->nphases, mp_out_dir(sw->out));
	sw->progress = mp_progress_new(stderr, opts->quiet, sw->nphases);
	code = set_up(sw, &stage);
	if (!code)
		code = open_sources(sw);
	if (code) {
		sw->exit_code = code;
		sw->final_status = "failed";
	} else {
		sw->step = ST_BUILD;
		mp_sweep_next(sw);
		uv_run(&sw->loop, UV_RUN_DEFAULT);
	}
	mp_progress_free(sw->progress);
	mp_out_finish(sw->out, sw->final_status ? sw->final_status : "failed");
	snprintf(run_dir, len, "%s", mp_out_dir(sw->out));
	left = tear_down(sw, stage);
	code = sw->exit_code;
	if (left < 0)
		mp_warn("run %s ended with exit code %d; its event loop could not be closed",
			mp_out_run_id(sw->out), code);
	else if (left)
		mp_warn("run %s ended with exit code %d; %d handle%s left open at the end "
			"(a bug in mir-perf: the warnings above name them)", mp_out_run_id(sw->out),
			code, left, left == 1 ? " was" : "s were");
	else
		mp_info("run %s ended with exit code %d; every handle closed",
			mp_out_run_id(sw->out), code);
	/* Only now: what the handles' teardown said is in run.log. */
	mp_log_set_file(NULL);
	mp_out_close(sw->out);
	free(sw);
	return code;
}

int mp_sweep_run(const struct mp_plan *plan, const struct mp_run_opts *opts,
		 char *run_dir, size_t len)
{
	const char *base = opts->out_dir ? opts->out_dir : plan->output_dir;
	struct mp_out *out;
	int rc;

	rc = mp_out_open(base, plan, &out);
	if (rc < 0) {
		mp_err("cannot create the run directory under %s: %s; choose another "
		       "place with --out DIR", base, mp_strerror(rc));
		return MP_EXIT_ENV;
	}
	return run(plan, opts, out, NULL, run_dir, len);
}

int mp_sweep_resume(const struct mp_run_opts *opts, char *run_dir, size_t len)
{
	struct mp_plan *plan = NULL;
	unsigned char *finished = NULL;
	struct mp_out *out;
	size_t n, left = 0;
	int rc;

	rc = mp_out_resume(opts->resume_dir, stderr, &plan, &finished, &out);
	if (rc < 0)
		return rc == -EINVAL || rc == -ENOENT ? MP_EXIT_USAGE : MP_EXIT_ENV;
	n = mp_plan_phase_count(plan);
	for (size_t i = 0; i < n; i++)
		left += !finished[i];
	if (!left) {
		fprintf(stderr, "%s: every phase has finished; nothing to resume\n",
			opts->resume_dir);
		mp_out_close(out);
		rc = MP_EXIT_OK;
	} else {
		mp_info("resuming %s: %zu of %zu phases left", opts->resume_dir, left, n);
		rc = run(plan, opts, out, finished, run_dir, len);
	}
	free(finished);
	mp_plan_free(plan);
	return rc;
}
