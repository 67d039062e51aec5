/* The client's requests (agentc_internal.h): queued FIFO, one outstanding
 * at a time with its timeout, its reply matched by id (rx and rx_series
 * fetched page by page); refused ones and every callback run from the loop. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hist.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proto.h"
#include "controller/host/agentc_internal.h"

/* Runs the callbacks of refused requests, and of those they refuse. */
void mp__agentc_run_refused(struct mp_agentc *ac)
{
	while (ac->refused_head) {
		struct req *r = ac->refused_head;

		ac->refused_head = r->next;
		if (!ac->refused_head)
			ac->refused_tail = NULL;
		r->cb(ac, r->refused, r->refused_msg, NULL, r->arg);
		if (r == &ac->oom_req)
			ac->oom_used = 0;
		else
			free(r);
	}
}

static void on_pump(uv_timer_t *t);

void mp__agentc_pump_soon(struct mp_agentc *ac)
{
	if (ac->state != AC_CLOSING)
		uv_timer_start(&ac->pump_timer, on_pump, 0, 0);
}

/* Removes the head request and runs its callback. */
static void finish_head(struct mp_agentc *ac, int status, const char *msg,
			const struct mp_agent_stats *st)
{
	struct req *r = ac->head;

	if (!r)
		return;
	ac->head = r->next;
	if (!ac->head)
		ac->tail = NULL;
	ac->head_sent = 0;
	uv_timer_stop(&ac->req_timer);
	r->cb(ac, status, msg ? msg : "", st, r->arg);
	free(r);
	mp__agentc_pump_soon(ac);
}

/* Fails the requests queued now (not those their callbacks queue). */
void mp__agentc_fail_all(struct mp_agentc *ac, int status, const char *msg)
{
	struct req *r = ac->head;

	ac->head = ac->tail = NULL;
	ac->head_sent = 0;
	uv_timer_stop(&ac->req_timer);
	while (r) {
		struct req *next = r->next;

		r->cb(ac, status, msg, NULL, r->arg);
		free(r);
		r = next;
	}
	mp__agentc_pump_soon(ac);
}

static void on_req_timeout(uv_timer_t *t);

static void pump(struct mp_agentc *ac)
{
	struct mp_proto_request r;
	char msg[2 * MP_PROTO_MSG_MAX];
	int rc;

	mp__agentc_run_refused(ac);
	if (ac->state == AC_IDLE || ac->state == AC_LOST) {
		if (!ac->head)
			return;
		if (ac->state == AC_LOST)
			snprintf(msg, sizeof(msg), "%s; connect again", ac->lost_msg);
		else
			snprintf(msg, sizeof(msg), "not connected to the agent at %s%s%s",
				 ac->addr_text, *ac->last_err ? ": " : " (connect first)",
				 ac->last_err);
		mp__agentc_fail_all(ac, -ENOTCONN, msg);
		return;
	}
	if (ac->state != AC_READY || !ac->head || ac->head_sent)
		return;
	memset(&r, 0, sizeof(r));
	r.id = ac->head->id = ac->next_id++;
	r.op = ac->head->op;
	if (r.op == MP_PROTO_CONFIGURE)
		r.u.traffic = ac->head->traffic;
	if (r.op == MP_PROTO_RX || r.op == MP_PROTO_RX_SERIES)
		r.u.from = ac->head->from;
	if (r.op == MP_PROTO_TCP_START)
		r.u.tcp = ac->head->tcp;
	rc = mp__agentc_send_line(ac, &r);
	if (rc == -EINVAL) {
		finish_head(ac, -EINVAL, r.op == MP_PROTO_TCP_START ?
			    "invalid TCP run (streams, duration, timeout, port)" :
			    "invalid traffic description (frame size, ports, interface name)", NULL);
		return;
	}
	if (rc < 0) {
		mp__agentc_conn_lost(ac, mp_strerror(rc));
		return;
	}
	ac->head_sent = 1;
	mp_timer_start_fresh(&ac->req_timer, on_req_timeout, mp__agentc_ns_to_ms(ac->req_timeout_ns));
}

static void on_pump(uv_timer_t *t)
{
	pump(t->data);
}

static void req_append(struct req **head, struct req **tail, struct req *r)
{
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

/* Queues a request; returns it, or NULL when it was refused (closing, out
 * of memory: its callback then runs from the loop with the reason). */
struct req *mp__agentc_enqueue(struct mp_agentc *ac, enum mp_proto_op op,
			       const struct mp_traffic *t, mp_agentc_cb cb, void *arg)
{
	struct req *r;

	assert(cb);
	r = calloc(1, sizeof(*r));
	if (!r) {
		if (ac->oom_used) {
			/* The spare is taken and its callback not yet run. */
			mp_err("out of memory queuing a request to the agent");
			abort();
		}
		ac->oom_used = 1;
		r = &ac->oom_req;
		memset(r, 0, sizeof(*r));
		r->refused = -ENOMEM;
		r->refused_msg = "out of memory";
	} else if (ac->state == AC_CLOSING) {
		r->refused = -ECANCELED;
		r->refused_msg = "the agent client is closing";
	}
	r->op = op;
	if (t)
		r->traffic = *t;
	r->cb = cb;
	r->arg = arg;
	/* A refused one runs from the loop: the pump, or the close of the last
	 * handle. */
	if (r->refused)
		req_append(&ac->refused_head, &ac->refused_tail, r);
	else
		req_append(&ac->head, &ac->tail, r);
	mp__agentc_pump_soon(ac);
	return r->refused ? NULL : r;
}

/* One page of rx or rx_series into h->rx. Returns 1 when another page is
 * to be asked for (the request stays at the head, sent again), 0 when done,
 * or -ENOMEM. */
static int rx_page(struct mp_agentc *ac, struct req *h, const struct mp_proto_reply *rep)
{
	struct mp_agent_rx *rx = h->rx;
	uint64_t next;

	if (h->op == MP_PROTO_RX) {
		if (h->from == 0)
			mp_hist_reset(rx->hist);
		rx->c = rep->u.rx.c;
		for (unsigned i = 0; i < rep->u.rx.n; i++)
			mp_hist_add_bucket(rx->hist, rep->u.rx.idx[i], rep->u.rx.count[i]);
		next = rep->u.rx.next;
		if (!next) {
			/* The exact figures, where the buckets only bound them. */
			rx->hist->min = rx->c.lat_min_ns;
			rx->hist->max = rx->c.lat_max_ns;
			rx->hist->sum = (double)rx->c.lat_sum_ns;
		}
	} else {
		size_t room = rx->nseries + rep->u.series.n;
		struct mp_rx_sample *s;

		if (h->from == 0)
			rx->nseries = room = rep->u.series.n;
		s = realloc(rx->series, (room ? room : 1) * sizeof(*s));
		if (!s)
			return -ENOMEM;
		rx->series = s;
		memcpy(s + room - rep->u.series.n, rep->u.series.s,
		       rep->u.series.n * sizeof(*s));
		rx->nseries = room;
		next = rep->u.series.next;
		if (next && (next <= h->from || room >= MP_PROTO_INT_MAX))
			next = 0;       /* never loop on an agent that does not advance */
	}
	if (h->op == MP_PROTO_RX && next && next <= h->from)
		next = 0;
	if (!next)
		return 0;
	h->from = next;
	ac->head_sent = 0;
	uv_timer_stop(&ac->req_timer);
	mp__agentc_pump_soon(ac);
	return 1;
}

void mp__agentc_ready_reply(struct mp_agentc *ac, const struct mp_proto_reply *rep)
{
	struct req *h = ac->head;
	struct mp_agent_stats st;
	char msg[MP_PROTO_MSG_MAX];

	if (!rep->has_id) {
		/* The agent could not read a line of ours: fail what waits for it. */
		mp_warn("agent at %s: %s: %s", ac->addr_text, mp_proto_code_name(rep->code), rep->msg);
		if (h && ac->head_sent)
			finish_head(ac, mp_proto_code_errno(rep->code), rep->msg, NULL);
		return;
	}
	if (!h || !ac->head_sent || rep->id != h->id) {
		if (rep->code != MP_PROTO_OK)
			mp_debug("agent at %s: reply %llu: %s: %s", ac->addr_text,
				 (unsigned long long)rep->id, mp_proto_code_name(rep->code), rep->msg);
		return;                 /* keepalive replies, late replies */
	}
	if (rep->has_op && rep->op != h->op) {
		snprintf(msg, sizeof(msg), "the agent answered %s to %s",
			 mp_proto_op_name(rep->op), mp_proto_op_name(h->op));
		finish_head(ac, -EPROTO, msg, NULL);
		return;
	}
	if (rep->code != MP_PROTO_OK) {
		finish_head(ac, mp_proto_code_errno(rep->code), rep->msg, NULL);
		return;
	}
	if (h->op == MP_PROTO_RX || h->op == MP_PROTO_RX_SERIES) {
		int more = rx_page(ac, h, rep);

		if (more <= 0)
			finish_head(ac, more, more ? "out of memory" : "", NULL);
		return;
	}
	if (h->op == MP_PROTO_TCP_STATUS || h->op == MP_PROTO_TCP_STOP) {
		if (h->tcp_out)
			*h->tcp_out = rep->u.tcp;
		finish_head(ac, 0, "", NULL);
		return;
	}
	if (h->op == MP_PROTO_STOP || h->op == MP_PROTO_STATS) {
		st.c = rep->u.stats.c;
		st.running = rep->u.stats.running;
		finish_head(ac, 0, "", &st);
		return;
	}
	finish_head(ac, 0, "", NULL);
}

/* The outstanding request's time is up (the handshake's steps have their
 * own callback on the same timer, agentc_conn.c). */
static void on_req_timeout(uv_timer_t *t)
{
	struct mp_agentc *ac = t->data;
	char msg[MP_PROTO_MSG_MAX], d[32];

	if (ac->state != AC_READY || !ac->head || !ac->head_sent)
		return;
	mp__agentc_format_ns(ac->req_timeout_ns, d, sizeof(d));
	snprintf(msg, sizeof(msg), "the agent at %s did not answer %s within %s",
		 ac->addr_text, mp_proto_op_name(ac->head->op), d);
	mp_warn("%s", msg);
	finish_head(ac, -ETIMEDOUT, msg, NULL);
}
