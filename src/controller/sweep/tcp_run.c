/* TCP through the DUT inside the sweep: a TCP phase (version, streams) of
 * the schedule runs its repetitions one at a time. A repetition:
 *
 *   features   what each role's vif negotiated, read from xenstore
 *   tcp_start  the agent runs iperf3 between its data side and its
 *              receiving side (agent/tcp.h); the DUT's CPU time is read
 *   every 1 s  tcp_status (the agent's state), and dom0's counter of what
 *              the DUT forwards: the live line, and a DUT that forwards
 *              nothing for SW_TCP_STALL_NS fails the repetition
 *   end        the agent says done or failed; the DUT's CPU time again;
 *              the row goes to tcp.csv and results.json
 *
 * A repetition fails, with its reason and no figures, when the agent says
 * so (iperf3's error, a stalled second, its timeout), when the DUT stalls
 * or disappears, when the agent does not end it within its timeout and a
 * grace, or when the agent is lost; the run then exits 1. After each
 * repetition the sweep's own completion callback runs (on_over(sw, 0)), so a
 * DUT that died is re-created and a lost agent reconnected as between
 * phases; with traffic.tcp.reboot the DUT is re-created before each
 * repetition (sw->reboot_dut). Calling mp_sweep_tcp_run() again for the
 * same phase goes on with the next repetition; once all have rows, the
 * phase is over (on_over(sw, 1)). --resume keeps the repetitions in tcp.csv. */
#include "controller/sweep/internal.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "controller/host/xs_features.h"

#define SW_TCP_TICK_MS 1000
/* dom0 counted no frame out of the DUT for this long: it stalled. */
#define SW_TCP_STALL_NS (3ULL * MP_NS_PER_SEC)
/* The agent ends a run at its timeout; the controller waits this much more. */
#define SW_TCP_GRACE_NS (5ULL * MP_NS_PER_SEC)
#define BITS_PER_BYTE 8.0

struct sw_tcp {
	struct sweep *sw;
	size_t phase;                   /* the schedule's TCP phase this state is for */
	unsigned rep;                   /* the repetition going on (1-based) */
	int active;                     /* from tcp_start to the row */
	int stopping;                   /* tcp_stop sent, waiting for it */
	int status_inflight;
	unsigned generation;            /* tells late replies of old repetitions apart */
	uv_timer_t tick;
	mp_sweep_phase_cb *on_over;     /* the sweep's, after each repetition */
	struct mp_tcp_spec spec;
	struct mp_tcp_result res;       /* tcp_status's, or tcp_stop's */
	uint64_t started_ns;
	struct mp_xc_info cpu_start, cpu_end;
	int have_cpu_start, have_cpu_end;
	struct mp_link_stats prev;      /* the DUT's forwarding vif, last tick */
	int have_prev;
	uint64_t moved_ns;              /* when that counter last moved */
	double now_gbps;
	int failed;
	char reason[512];
	char fe[SW_NROLES][MP_XS_FEATURES_MAX], be[SW_NROLES][MP_XS_FEATURES_MAX];
	double sum_gbps;                /* the phase's ok repetitions, for the mean */
	unsigned nok;
};

/* Each request carries the repetition it belongs to, and room for the
 * agent's answer: a late one lands here, never in the next repetition. */
struct treq {
	struct sweep *sw;
	unsigned generation;
	struct mp_tcp_result res;
};

static struct treq *treq_new(struct sweep *sw)
{
	struct treq *r = malloc(sizeof(*r));

	if (r) {
		memset(r, 0, sizeof(*r));
		r->sw = sw;
		r->generation = sw->tcp->generation;
	}
	return r;
}

/* The sweep if the request's repetition is still the one going on; the
 * agent's answer, if any, is then the repetition's. */
static struct sweep *treq_take(void *arg, int has_res)
{
	struct treq *r = arg;
	struct sweep *sw = r->sw;
	int current = sw->tcp && r->generation == sw->tcp->generation && sw->tcp->active;

	if (current && has_res && r->res.state != MP_TCP_IDLE)
		sw->tcp->res = r->res;
	free(r);
	return current ? sw : NULL;
}

static void on_tick_closed(uv_handle_t *h)
{
	free(h->data);     /* the state: tick.data */
}

void mp_sweep_tcp_free(struct sweep *sw)
{
	if (!sw->tcp)
		return;
	uv_close((uv_handle_t *)&sw->tcp->tick, on_tick_closed);
	sw->tcp = NULL;
}

int mp_sweep_tcp_running(const struct sweep *sw)
{
	return sw->tcp && sw->tcp->active;
}

/* The DUT's vif that carries the data out of it: dut_out, or dut_in for a
 * reverse run (a domU's transmit is its dom0 vif's receive). */
static int data_role(const struct sweep *sw)
{
	return sw->plan->tcp->reverse ? SW_DUT_IN : SW_DUT_OUT;
}

/* The rows of this phase already in tcp.csv (a resumed run's, and this
 * run's): whether repetition `rep` has one; with mean, the ok ones' sum. */
static int rep_recorded(const struct sweep *sw, size_t phase, unsigned rep, double *sum,
			unsigned *nok)
{
	const json_t *rows = mp_out_tcp_rows(sw->out), *o;
	size_t i;
	int found = 0;

	json_array_foreach(rows, i, o) {
		struct mp_tcp_row r;

		if (mp_tcp_row_from_json(o, &r) < 0 || r.phase != phase)
			continue;
		if (rep && r.repetition == rep && strcmp(r.status, "skipped") != 0)
			found = 1;
		if (sum && strcmp(r.status, "ok") == 0 && !isnan(r.receiver_gbps)) {
			*sum += r.receiver_gbps;
			(*nok)++;
		}
	}
	return found;
}

static double mean_of(const struct sw_tcp *t)
{
	return t->nok ? t->sum_gbps / t->nok : NAN;
}

static void xc_read(struct sweep *sw, struct mp_xc_info *out, int *have)
{
	*have = 0;
	if (sw->xc && sw->up[MP_DOM_DUT] &&
	    mp_xc_domain_info(sw->xc, sw->dom[MP_DOM_DUT].domid, out) == 0)
		*have = 1;
}

/* What every role's vif negotiated, now. */
static void read_features(struct sweep *sw)
{
	struct sw_tcp *t = sw->tcp;

	for (int i = 0; i < sw->nroles; i++) {
		const struct mp_plan_vif *v = &sw->plan->roles[mp_sweep_roles[i]];

		t->fe[i][0] = t->be[i][0] = '\0';
		if (!sw->up[v->domain] ||
		    mp_xs_vif_features(sw->xs, sw->dom[v->domain].domid, v->devid, t->fe[i],
				       sizeof(t->fe[i]), t->be[i], sizeof(t->be[i])) < 0)
			mp_debug("cannot read the features of %s's vif %u", mp_dom_name(v->domain),
				 v->devid);
	}
}

static const char *text_or_null(const char *s)
{
	return s && *s ? s : NULL;
}

/* The repetition's row; its figures only when it went through. */
static void fill_row(struct sweep *sw, struct mp_tcp_row *row, const char *status)
{
	struct sw_tcp *t = sw->tcp;
	const struct mp_plan_tcp *pt = sw->plan->tcp;
	struct mp_phase entry;

	mp_plan_phase(sw->plan, t->phase, &entry);
	mp_tcp_empty_row(row);
	row->version = sw->plan->versions[entry.version];
	row->phase = t->phase;
	row->streams = entry.streams;
	row->repetition = t->rep;
	row->status = status;
	row->offloads = mp_tcp_offloads_name(pt->offloads);
	row->checksum = mp_tcp_offloads_name(pt->checksum);
	if (t->res.state == MP_TCP_DONE || t->res.state == MP_TCP_FAILED)
		row->csum_errors = (double)t->res.csum_errors;
	if (strcmp(status, "ok") == 0) {
		const struct mp_tcp_result *r = &t->res;

		row->sender_gbps = (double)r->sender_bps / 1e9;
		row->receiver_gbps = (double)r->receiver_bps / 1e9;
		row->retransmits = (double)r->retransmits;
		row->sent_bytes = (double)r->sent_bytes;
		row->received_bytes = (double)r->received_bytes;
		row->seconds = (double)r->seconds_ns / 1e9;
		row->sender_cpu_pct = (double)r->sender_cpu_permille / 10;
		row->receiver_cpu_pct = (double)r->receiver_cpu_permille / 10;
		if (t->have_cpu_start && t->have_cpu_end && r->received_bytes &&
		    t->cpu_end.cpu_time_ns >= t->cpu_start.cpu_time_ns)
			row->dut_cpu_s_per_gb = (double)(t->cpu_end.cpu_time_ns -
							 t->cpu_start.cpu_time_ns) / 1e9 /
						((double)r->received_bytes / 1e9);
	}
	row->tg_offloads = text_or_null(t->res.dev_offloads);
	row->rx_offloads = text_or_null(t->res.rx_offloads);
	row->generator_frontend = text_or_null(t->fe[SW_GEN]);
	row->generator_backend = text_or_null(t->be[SW_GEN]);
	row->dut_in_frontend = text_or_null(t->fe[SW_DUT_IN]);
	row->dut_in_backend = text_or_null(t->be[SW_DUT_IN]);
	row->dut_out_frontend = text_or_null(t->fe[SW_DUT_OUT]);
	row->dut_out_backend = text_or_null(t->be[SW_DUT_OUT]);
	if (sw->nroles > SW_RECEIVER) {
		row->receiver_frontend = text_or_null(t->fe[SW_RECEIVER]);
		row->receiver_backend = text_or_null(t->be[SW_RECEIVER]);
	}
	row->reason = strcmp(status, "ok") == 0 ? NULL : t->reason;
}

/* The repetition is over: its row, then the sweep decides what comes next. */
static void record(struct sweep *sw)
{
	struct sw_tcp *t = sw->tcp;
	struct mp_tcp_row row;
	int ok = !t->failed && t->res.state == MP_TCP_DONE, rc;

	uv_timer_stop(&t->tick);
	xc_read(sw, &t->cpu_end, &t->have_cpu_end);
	fill_row(sw, &row, ok ? "ok" : "failed");
	if (ok) {
		t->sum_gbps += row.receiver_gbps;
		t->nok++;
		mp_info("TCP %s, %u stream%s, repetition %u of %u: sender %.4g Gbit/s, receiver "
			"%.4g Gbit/s, %.0f retransmits; mean %.4g Gbit/s of %u", row.version,
			row.streams, row.streams == 1 ? "" : "s", t->rep, sw->plan->tcp->repetitions,
			row.sender_gbps, row.receiver_gbps, row.retransmits, mean_of(t), t->nok);
	} else {
		mp_err("TCP %s, %u stream%s, repetition %u of %u failed: %s", row.version,
		       row.streams, row.streams == 1 ? "" : "s", t->rep, sw->plan->tcp->repetitions,
		       t->reason);
		sw->failed_phases++;
	}
	if ((rc = mp_out_tcp(sw->out, &row)) < 0)
		mp_sweep_fatal(sw, MP_EXIT_ENV, "cannot write tcp.csv in %s: %s", mp_out_dir(sw->out),
			       mp_strerror(rc));
	if (sw->progress)
		mp_progress_tcp_done(sw->progress, &row, sw->plan->tcp->repetitions, mean_of(t),
				     t->nok);
	t->active = 0;
	t->generation++;
	/* The sweep checks the domains and the agent, then calls us again. */
	t->on_over(sw, 0);
}

static void on_stopped(struct mp_agentc *ac, int status, const char *msg,
		       const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = treq_take(arg, status == 0);

	(void)ac;
	(void)st;
	if (!sw)
		return;
	if (status < 0) {
		if (mp_agentc_broken(status))
			sw->agent_ok = 0;
		mp_warn("the agent did not stop the TCP run: %s", msg);
	}
	record(sw);
}

/* Fails the repetition with a reason; stops the agent's run first when it
 * may still go on. */
static void fail(struct sweep *sw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct sweep *sw, const char *fmt, ...)
{
	struct sw_tcp *t = sw->tcp;
	struct treq *r;
	va_list ap;

	if (!t->active || t->failed)
		return;
	t->failed = 1;
	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
	uv_timer_stop(&t->tick);
	if (sw->agent_ok && t->res.state != MP_TCP_DONE && t->res.state != MP_TCP_FAILED &&
	    (r = treq_new(sw))) {
		t->stopping = 1;
		mp_agentc_tcp_stop(sw->agent, &r->res, on_stopped, r);
		return;
	}
	record(sw);
}

static void on_status(struct mp_agentc *ac, int status, const char *msg,
		      const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = treq_take(arg, status == 0);
	struct sw_tcp *t;

	(void)ac;
	(void)st;
	if (!sw)
		return;
	t = sw->tcp;
	t->status_inflight = 0;
	if (t->failed || t->stopping)
		return;
	if (status < 0) {
		if (mp_agentc_broken(status))
			sw->agent_ok = 0;
		fail(sw, "the agent did not report the TCP run: %s", msg);
		return;
	}
	switch (t->res.state) {
	case MP_TCP_DONE:
		record(sw);
		return;
	case MP_TCP_FAILED:
		t->failed = 1;
		snprintf(t->reason, sizeof(t->reason), "%s", t->res.reason);
		record(sw);
		return;
	case MP_TCP_IDLE:
		fail(sw, "the agent has no TCP run going on (did it restart?)");
		return;
	default:
		return;
	}
}

static void on_tick(uv_timer_t *h)
{
	struct sw_tcp *t = h->data;
	struct sweep *sw = t->sw;
	int role = data_role(sw);
	const char *name = sw->ifname[role];
	uint64_t now = mp_now_ns();
	struct mp_link_stats st;
	struct treq *r;

	if (!t->active || t->failed || t->stopping)
		return;
	if (mp_nl_read(sw->nl, &name, 1, &st) == 0) {
		if (t->have_prev && st.t_ns > t->prev.t_ns)
			t->now_gbps = (double)(st.rx_bytes - t->prev.rx_bytes) * BITS_PER_BYTE /
				      ((double)(st.t_ns - t->prev.t_ns) / MP_NS_PER_SEC) / 1e9;
		if (!t->have_prev || st.rx_packets != t->prev.rx_packets)
			t->moved_ns = now;
		t->prev = st;
		t->have_prev = 1;
	}
	if (now - t->moved_ns > SW_TCP_STALL_NS) {
		fail(sw, "the DUT stopped forwarding: dom0 counted no frame out of it on %s (%s) "
		     "for %llu s", name, mp_role_name(mp_sweep_roles[role]),
		     (unsigned long long)(SW_TCP_STALL_NS / MP_NS_PER_SEC));
		return;
	}
	if (now - t->started_ns > t->spec.timeout_ns + SW_TCP_GRACE_NS) {
		fail(sw, "the agent did not end the TCP run within its timeout and %llu s",
		     (unsigned long long)(SW_TCP_GRACE_NS / MP_NS_PER_SEC));
		return;
	}
	if (sw->progress)
		mp_progress_tcp_update(sw->progress, t->phase, sw->plan->versions[sw->version],
				       t->spec.streams, t->rep, sw->plan->tcp->repetitions,
				       t->now_gbps, mean_of(t), t->nok, now - sw->t0);
	if (!t->status_inflight && (r = treq_new(sw))) {
		t->status_inflight = 1;
		mp_agentc_tcp_status(sw->agent, &r->res, on_status, r);
	}
}

static void on_started(struct mp_agentc *ac, int status, const char *msg,
		       const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = treq_take(arg, 0);
	struct sw_tcp *t;

	(void)ac;
	(void)st;
	if (!sw)
		return;
	t = sw->tcp;
	if (status < 0) {
		/* nothing runs: the row says why */
		if (mp_agentc_broken(status))
			sw->agent_ok = 0;
		t->failed = 1;
		snprintf(t->reason, sizeof(t->reason), "the agent did not start the TCP run: %s",
			 msg);
		record(sw);
		return;
	}
	t->started_ns = t->moved_ns = mp_now_ns();
	uv_timer_start(&t->tick, on_tick, SW_TCP_TICK_MS, SW_TCP_TICK_MS);
}

static int build_spec(const struct sweep *sw, unsigned streams, struct mp_tcp_spec *s)
{
	const struct mp_plan_tcp *pt = sw->plan->tcp;

	memset(s, 0, sizeof(*s));
	s->streams = streams;
	s->duration_s = (unsigned)(pt->duration_ns / MP_NS_PER_SEC);
	s->reverse = pt->reverse;
	s->port = pt->port;
	s->offloads = pt->offloads;
	s->checksum = pt->checksum;
	s->timeout_ns = pt->timeout_ns;
	if (inet_pton(AF_INET, pt->src_ip, &s->src_ip) != 1 ||
	    inet_pton(AF_INET, pt->dst_ip, &s->dst_ip) != 1)
		return -EINVAL;
	return 0;
}

static void start_rep(struct sweep *sw, const struct mp_phase *entry)
{
	struct sw_tcp *t = sw->tcp;
	struct treq *r;

	t->active = 1;
	t->failed = t->stopping = t->status_inflight = t->have_prev = 0;
	t->reason[0] = '\0';
	t->now_gbps = NAN;
	memset(&t->res, 0, sizeof(t->res));
	t->res.state = MP_TCP_RUNNING;
	t->generation++;
	sw->dut_fresh = 0;
	mp_info("TCP %zu/%zu (version %s, %u stream%s): repetition %u of %u", entry->index + 1,
		sw->nphases, sw->plan->versions[entry->version], entry->streams,
		entry->streams == 1 ? "" : "s", t->rep, sw->plan->tcp->repetitions);
	read_features(sw);
	xc_read(sw, &t->cpu_start, &t->have_cpu_start);
	if (build_spec(sw, entry->streams, &t->spec) < 0) {
		fail(sw, "traffic.tcp's addresses are invalid");
		return;
	}
	if (!(r = treq_new(sw))) {
		fail(sw, "out of memory for a request to the agent");
		return;
	}
	mp_agentc_tcp_start(sw->agent, &t->spec, on_started, r);
}

void mp_sweep_tcp_run(struct sweep *sw, mp_sweep_phase_cb *on_over)
{
	struct sw_tcp *t = sw->tcp;
	struct mp_phase entry;
	unsigned rep;

	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t) {
			mp_sweep_fatal(sw, MP_EXIT_ENV, "out of memory for the TCP test");
			return;
		}
		uv_timer_init(&sw->loop, &t->tick);
		t->tick.data = t;
		t->sw = sw;
		sw->tcp = t;
		t->phase = SIZE_MAX;
	}
	if (t->phase != sw->cur_phase) {
		t->phase = sw->cur_phase;
		t->sum_gbps = 0;
		t->nok = 0;
		rep_recorded(sw, t->phase, 0, &t->sum_gbps, &t->nok);
	}
	t->on_over = on_over;
	mp_plan_phase(sw->plan, sw->cur_phase, &entry);
	for (rep = 1; rep <= sw->plan->tcp->repetitions; rep++)
		if (!rep_recorded(sw, t->phase, rep, NULL, NULL))
			break;
	if (rep > sw->plan->tcp->repetitions) {
		mp_info("TCP %s, %u stream%s: %u of %u repetitions ok, mean %.4g Gbit/s",
			sw->plan->versions[entry.version], entry.streams, entry.streams == 1 ? "" : "s",
			t->nok, sw->plan->tcp->repetitions, t->nok ? mean_of(t) : 0.0);
		on_over(sw, 1);
		return;
	}
	if (sw->plan->tcp->reboot && !sw->dut_fresh) {
		/* traffic.tcp.reboot: a DUT that served a repetition (or anything
		 * else) is re-created first, as the maintainers do by hand */
		mp_info("re-creating the DUT before TCP repetition %u (traffic.tcp.reboot)", rep);
		sw->reboot_dut = 1;
		on_over(sw, 0);
		return;
	}
	t->rep = rep;
	start_rep(sw, &entry);
}

int mp_sweep_tcp_domain_gone(struct sweep *sw, enum mp_dom dom, const char *name,
			     unsigned domid)
{
	if (!mp_sweep_tcp_running(sw))
		return 0;
	fail(sw, "the %s domain %s (domid %u) disappeared mid-run", mp_dom_name(dom), name, domid);
	return 1;
}

void mp_sweep_tcp_abort(struct sweep *sw)
{
	struct sw_tcp *t = sw->tcp;
	void *r;

	if (!mp_sweep_tcp_running(sw))
		return;
	mp_info("TCP repetition %u interrupted: not recorded", t->rep);
	uv_timer_stop(&t->tick);
	t->active = 0;
	t->generation++;
	if (sw->agent_ok && (r = mp_sweep_abort_req(sw, t->on_over))) {
		mp_agentc_tcp_stop(sw->agent, NULL, mp_sweep_abort_stopped, r);
		return;
	}
	t->on_over(sw, 0);
}

void mp_sweep_tcp_skip(struct sweep *sw, const struct mp_phase *entry, const char *why)
{
	struct mp_tcp_row row;
	int rc;

	for (unsigned rep = 1; rep <= sw->plan->tcp->repetitions; rep++) {
		if (rep_recorded(sw, entry->index, rep, NULL, NULL))
			continue;
		mp_tcp_empty_row(&row);
		row.version = sw->plan->versions[entry->version];
		row.phase = entry->index;
		row.streams = entry->streams;
		row.repetition = rep;
		row.status = "skipped";
		row.offloads = mp_tcp_offloads_name(sw->plan->tcp->offloads);
		row.checksum = mp_tcp_offloads_name(sw->plan->tcp->checksum);
		row.reason = why;
		if ((rc = mp_out_tcp(sw->out, &row)) < 0) {
			mp_err("cannot write tcp.csv in %s: %s", mp_out_dir(sw->out), mp_strerror(rc));
			return;
		}
	}
}
