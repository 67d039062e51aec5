/* The controller's client for the agent's control channel (agentc.h). */
#include "controller/host/agentc.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/clock.h"
#include "common/loop.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"

#define READ_CHUNK 4096
#define LINE_BUF (MP_PROTO_LINE_MAX + 2)
#define ADDR_MAX (INET_ADDRSTRLEN + 8)

enum ac_state {
	AC_IDLE,        /* never connected, or connecting failed */
	AC_CONNECTING,  /* TCP connect, hello, auth; or waiting to retry */
	AC_READY,       /* authenticated */
	AC_LOST,        /* the connection dropped */
	AC_CLOSING,     /* mp_agentc_close() called */
};

struct req {
	struct req *next;
	enum mp_proto_op op;
	struct mp_traffic traffic;
	uint64_t from;           /* rx, rx_series: the next page */
	struct mp_agent_rx *rx;  /* ... and where pages go */
	struct mp_tcp_spec tcp;  /* tcp_start */
	struct mp_tcp_result *tcp_out;  /* tcp_status, tcp_stop: where the result goes */
	uint64_t id;             /* assigned when sent */
	mp_agentc_cb cb;
	void *arg;
	int refused;             /* failed before it was queued: this status */
	const char *refused_msg;
};

struct conn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	struct mp_agentc *ac;
	int connected;
	struct mp_proto_framer fr;
	char rbuf[READ_CHUNK];
};

struct wreq {
	uv_write_t req;
	char buf[LINE_BUF];
};

struct mp_agentc {
	uv_loop_t *loop;
	struct sockaddr_in addr;
	char addr_text[ADDR_MAX];
	struct mp_auth_token *token;
	uint64_t req_timeout_ns;
	enum ac_state state;
	struct conn *conn;           /* the live connection, or NULL */
	int handles_open;            /* timers and connections not yet closed */
	uv_timer_t retry_timer;      /* back-off between connect attempts */
	uv_timer_t req_timer;        /* handshake step or outstanding request */
	uv_timer_t ka_timer;         /* keepalives */
	uv_timer_t pump_timer;       /* runs the queue from the loop */

	/* connecting */
	mp_agentc_cb connect_cb;
	void *connect_arg;
	uint64_t connect_start_ns, connect_deadline_ns, backoff_ms;
	unsigned attempts;
	char last_err[MP_PROTO_MSG_MAX];
	uint64_t hs_id;              /* id of the hello or auth in flight */
	enum mp_proto_op hs_op;
	uint8_t server_nonce[MP_AUTH_NONCE_LEN], client_nonce[MP_AUTH_NONCE_LEN];

	/* hello */
	char engine[MP_PROTO_NAME_MAX];
	char agent_version[MP_PROTO_NAME_MAX];
	char rx_dev[IFNAMSIZ];
	char rx_netns[MP_PROTO_NAME_MAX];
	uint64_t max_pps;            /* the agent's rate ceiling (--max-pps) */

	/* requests */
	struct req *head, *tail;
	/* Requests refused when queued (closing, out of memory): their
	 * callbacks run from the loop, as agentc.h promises. */
	struct req *refused_head, *refused_tail;
	struct req oom_req;          /* stands for a request calloc could not give */
	int oom_used;
	int head_sent;
	uint64_t next_id;
	char lost_msg[MP_PROTO_MSG_MAX];
};

static void conn_drop(struct mp_agentc *ac);
static void attempt(struct mp_agentc *ac);
static void pump_soon(struct mp_agentc *ac);

/* ---- handles ------------------------------------------------------------ */

/* Runs the callbacks of refused requests, and of those they refuse. */
static void run_refused(struct mp_agentc *ac)
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

static void maybe_free(struct mp_agentc *ac)
{
	if (ac->state == AC_CLOSING && ac->handles_open == 0) {
		run_refused(ac);        /* the last handle's close: from the loop */
		mp_auth_token_free(ac->token);
		mp_auth_wipe(ac->client_nonce, sizeof(ac->client_nonce));
		free(ac);
	}
}

static void on_handle_closed(uv_handle_t *h)
{
	struct mp_agentc *ac = h->data;

	ac->handles_open--;
	maybe_free(ac);
}

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct mp_agentc *ac = c->ac;

	free(c);
	ac->handles_open--;
	maybe_free(ac);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;       /* a failed write shows up as a read error or a timeout */
	free(req);
}

/* Sends one request line on the live connection. Returns 0 or negative. */
static int send_line(struct mp_agentc *ac, const struct mp_proto_request *r)
{
	struct wreq *w;
	uv_buf_t b;
	int n, rc;

	if (!ac->conn || !ac->conn->connected)
		return -ENOTCONN;
	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	n = mp_proto_encode_request(r, w->buf, sizeof(w->buf));
	if (n < 0) {
		free(w);
		return n;
	}
	b = uv_buf_init(w->buf, (unsigned)n);
	rc = uv_write(&w->req, (uv_stream_t *)&ac->conn->tcp, &b, 1, on_written);
	if (rc < 0)
		free(w);
	return rc;
}

static uint64_t ns_to_ms(uint64_t ns)
{
	uint64_t ms = (ns + MP_NS_PER_MS - 1) / MP_NS_PER_MS;

	return ms ? ms : 1;
}

static void format_ns(uint64_t ns, char *buf, size_t len)
{
	mp_duration_format(ns / MP_NS_PER_MS * MP_NS_PER_MS, buf, len);
}

/* ---- the queue ---------------------------------------------------------- */

static void on_pump(uv_timer_t *t);

static void pump_soon(struct mp_agentc *ac)
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
	pump_soon(ac);
}

/* Fails the requests queued now (not those their callbacks queue). */
static void fail_all(struct mp_agentc *ac, int status, const char *msg)
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
	pump_soon(ac);
}

static void conn_drop(struct mp_agentc *ac)
{
	struct conn *c = ac->conn;

	if (!c)
		return;
	ac->conn = NULL;
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* The authenticated connection is gone: fail what is pending, and say so. */
static void conn_lost(struct mp_agentc *ac, const char *why)
{
	snprintf(ac->lost_msg, sizeof(ac->lost_msg),
		 "connection to the agent at %s lost (%s)", ac->addr_text, why);
	mp_warn("%s", ac->lost_msg);
	ac->state = AC_LOST;
	uv_timer_stop(&ac->ka_timer);
	conn_drop(ac);
	fail_all(ac, -ECONNRESET, ac->lost_msg);
}

static void on_req_timeout(uv_timer_t *t);

static void pump(struct mp_agentc *ac)
{
	struct mp_proto_request r;
	char msg[2 * MP_PROTO_MSG_MAX];
	int rc;

	run_refused(ac);
	if (ac->state == AC_IDLE || ac->state == AC_LOST) {
		if (!ac->head)
			return;
		if (ac->state == AC_LOST)
			snprintf(msg, sizeof(msg), "%s; connect again", ac->lost_msg);
		else
			snprintf(msg, sizeof(msg), "not connected to the agent at %s%s%s",
				 ac->addr_text, *ac->last_err ? ": " : " (connect first)",
				 ac->last_err);
		fail_all(ac, -ENOTCONN, msg);
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
	rc = send_line(ac, &r);
	if (rc == -EINVAL) {
		finish_head(ac, -EINVAL, r.op == MP_PROTO_TCP_START ?
			    "invalid TCP run (streams, duration, timeout, port)" :
			    "invalid traffic description (frame size, ports, interface name)", NULL);
		return;
	}
	if (rc < 0) {
		conn_lost(ac, mp_strerror(rc));
		return;
	}
	ac->head_sent = 1;
	mp_timer_start_fresh(&ac->req_timer, on_req_timeout, ns_to_ms(ac->req_timeout_ns));
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
static struct req *enqueue(struct mp_agentc *ac, enum mp_proto_op op,
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
	pump_soon(ac);
	return r->refused ? NULL : r;
}

/* ---- connecting --------------------------------------------------------- */

static void on_keepalive(uv_timer_t *t)
{
	struct mp_agentc *ac = t->data;
	struct mp_proto_request r = { .op = MP_PROTO_KEEPALIVE };

	if (ac->state != AC_READY)
		return;
	r.id = ac->next_id++;
	if (send_line(ac, &r) < 0)
		mp_debug("keepalive to %s could not be sent", ac->addr_text);
}

/* Ends the connect phase; the callback runs once. */
static void connect_done(struct mp_agentc *ac, int status, const char *msg)
{
	mp_agentc_cb cb = ac->connect_cb;

	ac->connect_cb = NULL;
	uv_timer_stop(&ac->retry_timer);
	uv_timer_stop(&ac->req_timer);
	mp_auth_wipe(ac->client_nonce, sizeof(ac->client_nonce));
	mp_auth_wipe(ac->server_nonce, sizeof(ac->server_nonce));
	if (status == 0) {
		ac->state = AC_READY;
		ac->last_err[0] = '\0';
		uv_timer_start(&ac->ka_timer, on_keepalive, MP_AGENTC_KEEPALIVE_MS,
			       MP_AGENTC_KEEPALIVE_MS);
	} else {
		ac->state = AC_IDLE;
		snprintf(ac->last_err, sizeof(ac->last_err), "%s", msg);
		conn_drop(ac);
	}
	pump_soon(ac);
	if (cb)
		cb(ac, status, msg, NULL, ac->connect_arg);
}

/* Arms the timer bounding one handshake step (TCP connect, hello, auth). */
static void arm_step(struct mp_agentc *ac)
{
	uint64_t now = mp_now_ns(), left;

	left = ac->connect_deadline_ns > now ? ac->connect_deadline_ns - now : 0;
	if (left > ac->req_timeout_ns)
		left = ac->req_timeout_ns;
	mp_timer_start_fresh(&ac->req_timer, on_req_timeout, ns_to_ms(left));
}

static void on_retry(uv_timer_t *t)
{
	attempt(t->data);
}

/* One attempt failed for a reason that may pass (agent booting or busy):
 * wait and retry, or give up at the deadline. */
static void attempt_failed(struct mp_agentc *ac, const char *why)
{
	uint64_t now = mp_now_ns(), wait_ns;
	char msg[2 * MP_PROTO_MSG_MAX], took[32];

	snprintf(ac->last_err, sizeof(ac->last_err), "%s", why);
	mp_debug("agent at %s: attempt %u: %s", ac->addr_text, ac->attempts, why);
	conn_drop(ac);
	uv_timer_stop(&ac->req_timer);
	if (now >= ac->connect_deadline_ns) {
		format_ns(now - ac->connect_start_ns, took, sizeof(took));
		snprintf(msg, sizeof(msg),
			 "could not reach the agent at %s: %u attempt%s in %s, last error: %s "
			 "(is mir-perf-agent running there with --listen %s?)",
			 ac->addr_text, ac->attempts, ac->attempts == 1 ? "" : "s", took, why,
			 ac->addr_text);
		connect_done(ac, -ETIMEDOUT, msg);
		return;
	}
	wait_ns = ac->backoff_ms * MP_NS_PER_MS;
	if (wait_ns > ac->connect_deadline_ns - now)
		wait_ns = ac->connect_deadline_ns - now;
	ac->backoff_ms *= 2;
	if (ac->backoff_ms > MP_AGENTC_BACKOFF_MAX_MS)
		ac->backoff_ms = MP_AGENTC_BACKOFF_MAX_MS;
	uv_timer_start(&ac->retry_timer, on_retry, ns_to_ms(wait_ns), 0);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

static void on_connect(uv_connect_t *req, int status)
{
	struct conn *c = req->data;
	struct mp_agentc *ac = c->ac;
	struct mp_proto_request r = { .op = MP_PROTO_HELLO };
	int rc;

	if (status == UV_ECANCELED || ac->conn != c)
		return;
	if (status < 0) {
		attempt_failed(ac, uv_strerror(status));
		return;
	}
	c->connected = 1;
	uv_tcp_nodelay(&c->tcp, 1);
	rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	r.id = ac->hs_id = ac->next_id++;
	ac->hs_op = MP_PROTO_HELLO;
	if (rc == 0)
		rc = send_line(ac, &r);
	if (rc < 0) {
		attempt_failed(ac, mp_strerror(rc));
		return;
	}
	arm_step(ac);
}

static void attempt(struct mp_agentc *ac)
{
	struct conn *c;
	int rc;

	if (ac->state != AC_CONNECTING)
		return;
	ac->attempts++;
	c = calloc(1, sizeof(*c));
	if (!c) {
		connect_done(ac, -ENOMEM, "out of memory");
		return;
	}
	c->ac = ac;
	c->creq.data = c;
	mp_proto_framer_init(&c->fr);
	uv_tcp_init(ac->loop, &c->tcp);
	c->tcp.data = c;
	ac->handles_open++;
	ac->conn = c;
	rc = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&ac->addr, on_connect);
	if (rc < 0) {
		attempt_failed(ac, uv_strerror(rc));
		return;
	}
	arm_step(ac);
}

static void handshake_reply(struct mp_agentc *ac, const struct mp_proto_reply *rep)
{
	char msg[2 * MP_PROTO_MSG_MAX];
	struct mp_proto_request r = { .op = MP_PROTO_AUTH };
	uint8_t want[MP_AUTH_PROOF_LEN];
	int ok;

	if (rep->has_id && rep->id != ac->hs_id)
		return;                         /* stale */
	if (rep->code != MP_PROTO_OK) {
		snprintf(msg, sizeof(msg), "agent at %s: %s: %s", ac->addr_text,
			 mp_proto_code_name(rep->code), rep->msg);
		if (rep->code == MP_PROTO_EAUTH)
			connect_done(ac, -EACCES, msg);
		else if (rep->code == MP_PROTO_EVERSION)
			connect_done(ac, -EPROTONOSUPPORT, msg);
		else
			attempt_failed(ac, msg);    /* EBUSY: another controller */
		return;
	}
	if (!rep->has_op || rep->op != ac->hs_op) {
		attempt_failed(ac, "the agent answered out of turn");
		return;
	}
	if (ac->hs_op == MP_PROTO_HELLO) {
		if (rep->u.hello.version != MP_PROTO_VERSION) {
			snprintf(msg, sizeof(msg), "agent at %s speaks protocol version %u, we speak %d",
				 ac->addr_text, rep->u.hello.version, MP_PROTO_VERSION);
			connect_done(ac, -EPROTONOSUPPORT, msg);
			return;
		}
		snprintf(ac->engine, sizeof(ac->engine), "%s", rep->u.hello.engine);
		snprintf(ac->agent_version, sizeof(ac->agent_version), "%s", rep->u.hello.agent);
		snprintf(ac->rx_dev, sizeof(ac->rx_dev), "%s", rep->u.hello.rx_dev);
		snprintf(ac->rx_netns, sizeof(ac->rx_netns), "%s", rep->u.hello.rx_netns);
		ac->max_pps = rep->u.hello.max_pps;
		memcpy(ac->server_nonce, rep->u.hello.nonce, MP_AUTH_NONCE_LEN);
		mp_auth_nonce(ac->client_nonce);
		memcpy(r.u.auth.nonce, ac->client_nonce, MP_AUTH_NONCE_LEN);
		mp_auth_client_proof(ac->token, ac->server_nonce, ac->client_nonce, r.u.auth.proof);
		r.id = ac->hs_id = ac->next_id++;
		ac->hs_op = MP_PROTO_AUTH;
		ok = send_line(ac, &r) == 0;
		mp_auth_wipe(&r, sizeof(r));
		if (!ok) {
			attempt_failed(ac, "could not send auth");
			return;
		}
		arm_step(ac);
		return;
	}
	mp_auth_server_proof(ac->token, ac->server_nonce, ac->client_nonce, want);
	ok = mp_auth_proof_equal(want, rep->u.auth.proof);
	mp_auth_wipe(want, sizeof(want));
	if (!ok) {
		snprintf(msg, sizeof(msg),
			 "the agent at %s could not prove it holds our token: it is not the agent "
			 "configured, or its --token-file differs from ours", ac->addr_text);
		connect_done(ac, -EACCES, msg);
		return;
	}
	mp_info("connected to the agent at %s (engine %s, agent %s, %u attempt%s)",
		ac->addr_text, ac->engine, ac->agent_version, ac->attempts,
		ac->attempts == 1 ? "" : "s");
	connect_done(ac, 0, "");
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
	pump_soon(ac);
	return 1;
}

static void ready_reply(struct mp_agentc *ac, const struct mp_proto_reply *rep)
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

/* One line from the agent. Returns non-zero when the connection went away. */
static int on_line(void *arg, const char *line, size_t len)
{
	struct conn *c = arg;
	struct mp_agentc *ac = c->ac;
	struct mp_proto_reply rep;
	char err[MP_PROTO_MSG_MAX], msg[2 * MP_PROTO_MSG_MAX];
	int rc;

	if (ac->conn != c)
		return 1;
	rc = mp_proto_decode_reply(line, len, &rep, err, sizeof(err));
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "invalid reply from the agent: %s", err);
		if (ac->state == AC_CONNECTING && rc == -EPROTONOSUPPORT)
			connect_done(ac, -EPROTONOSUPPORT, msg);
		else if (ac->state == AC_CONNECTING)
			attempt_failed(ac, msg);
		else
			conn_lost(ac, msg);
		return 1;
	}
	if (ac->state == AC_CONNECTING)
		handshake_reply(ac, &rep);
	else if (ac->state == AC_READY)
		ready_reply(ac, &rep);
	mp_auth_wipe(&rep, sizeof(rep));
	return ac->conn != c;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = st->data;
	struct mp_agentc *ac = c->ac;
	const char *why;

	if (nread == 0 || ac->conn != c)
		return;
	if (nread > 0 &&
	    mp_proto_framer_feed(&c->fr, buf->base, (size_t)nread, on_line, c) != -EMSGSIZE)
		return;
	why = nread == UV_EOF ? "closed by the agent" :
	      nread < 0 ? uv_strerror((int)nread) : "reply longer than the protocol allows";
	if (ac->state == AC_CONNECTING)
		attempt_failed(ac, why);
	else if (ac->state == AC_READY)
		conn_lost(ac, why);
}

static void on_req_timeout(uv_timer_t *t)
{
	struct mp_agentc *ac = t->data;
	char msg[MP_PROTO_MSG_MAX], d[32];

	if (ac->state == AC_CONNECTING) {
		if (mp_now_ns() >= ac->connect_deadline_ns && *ac->last_err) {
			/* The deadline, not the agent, cut this attempt short: the
			 * previous attempt's error says more. */
			snprintf(msg, sizeof(msg), "%s", ac->last_err);
			attempt_failed(ac, msg);
			return;
		}
		snprintf(msg, sizeof(msg), "%s",
			 !ac->conn || !ac->conn->connected ? "TCP connection not established in time" :
			 ac->hs_op == MP_PROTO_HELLO ? "no answer to hello in time" :
						       "no answer to auth in time");
		attempt_failed(ac, msg);
		return;
	}
	if (ac->state != AC_READY || !ac->head || !ac->head_sent)
		return;
	format_ns(ac->req_timeout_ns, d, sizeof(d));
	snprintf(msg, sizeof(msg), "the agent at %s did not answer %s within %s",
		 ac->addr_text, mp_proto_op_name(ac->head->op), d);
	mp_warn("%s", msg);
	finish_head(ac, -ETIMEDOUT, msg, NULL);
}

/* ---- public ------------------------------------------------------------- */

int mp_agentc_new(uv_loop_t *loop, const char *ip, uint16_t port, const char *token_file,
		  uint64_t request_timeout_ns, struct mp_agentc **out)
{
	uv_timer_t *timers[4];
	struct mp_agentc *ac;
	char err[MP_PROTO_MSG_MAX];
	int rc;

	*out = NULL;
	ac = calloc(1, sizeof(*ac));
	if (!ac)
		return -ENOMEM;
	ac->addr.sin_family = AF_INET;
	ac->addr.sin_port = htons(port);
	if (!ip || inet_pton(AF_INET, ip, &ac->addr.sin_addr) != 1 || port == 0 ||
	    request_timeout_ns == 0) {
		mp_err("agent address %s:%u: expected an IPv4 address and a port", ip ? ip : "(none)",
		       port);
		free(ac);
		return -EINVAL;
	}
	snprintf(ac->addr_text, sizeof(ac->addr_text), "%s:%u", ip, port);
	rc = mp_auth_token_load(token_file, &ac->token, err, sizeof(err));
	if (rc < 0) {
		mp_err("%s", err);
		free(ac);
		return rc;
	}
	ac->loop = loop;
	ac->req_timeout_ns = request_timeout_ns;
	ac->state = AC_IDLE;
	ac->next_id = 1;
	timers[0] = &ac->retry_timer;
	timers[1] = &ac->req_timer;
	timers[2] = &ac->ka_timer;
	timers[3] = &ac->pump_timer;
	for (int i = 0; i < 4; i++) {
		uv_timer_init(loop, timers[i]);
		timers[i]->data = ac;
		ac->handles_open++;
	}
	*out = ac;
	return 0;
}

void mp_agentc_connect(struct mp_agentc *ac, uint64_t total_timeout_ns,
		       mp_agentc_cb cb, void *arg)
{
	assert(cb && !ac->connect_cb);
	assert(ac->state == AC_IDLE || ac->state == AC_LOST);
	ac->connect_cb = cb;
	ac->connect_arg = arg;
	ac->connect_start_ns = mp_now_ns();
	ac->connect_deadline_ns = ac->connect_start_ns + total_timeout_ns;
	ac->attempts = 0;
	ac->backoff_ms = MP_AGENTC_BACKOFF_FIRST_MS;
	ac->last_err[0] = '\0';
	ac->engine[0] = ac->agent_version[0] = ac->rx_netns[0] = '\0';
	ac->max_pps = 0;
	ac->state = AC_CONNECTING;
	uv_timer_start(&ac->retry_timer, on_retry, 0, 0);  /* first attempt from the loop */
}

void mp_agentc_configure(struct mp_agentc *ac, const struct mp_traffic *t,
			 mp_agentc_cb cb, void *arg)
{
	enqueue(ac, MP_PROTO_CONFIGURE, t, cb, arg);
}

void mp_agentc_start(struct mp_agentc *ac, mp_agentc_cb cb, void *arg)
{
	enqueue(ac, MP_PROTO_START, NULL, cb, arg);
}

void mp_agentc_stop(struct mp_agentc *ac, mp_agentc_cb cb, void *arg)
{
	enqueue(ac, MP_PROTO_STOP, NULL, cb, arg);
}

void mp_agentc_stats(struct mp_agentc *ac, mp_agentc_cb cb, void *arg)
{
	enqueue(ac, MP_PROTO_STATS, NULL, cb, arg);
}

void mp_agentc_rx(struct mp_agentc *ac, struct mp_agent_rx *rx, mp_agentc_cb cb, void *arg)
{
	struct req *r = enqueue(ac, MP_PROTO_RX, NULL, cb, arg);

	if (r)
		r->rx = rx;
}

void mp_agentc_rx_series(struct mp_agentc *ac, struct mp_agent_rx *rx, mp_agentc_cb cb,
			 void *arg)
{
	struct req *r = enqueue(ac, MP_PROTO_RX_SERIES, NULL, cb, arg);

	if (r)
		r->rx = rx;
}

void mp_agentc_tcp_start(struct mp_agentc *ac, const struct mp_tcp_spec *s, mp_agentc_cb cb,
			 void *arg)
{
	struct req *r = enqueue(ac, MP_PROTO_TCP_START, NULL, cb, arg);

	if (r)
		r->tcp = *s;
}

void mp_agentc_tcp_status(struct mp_agentc *ac, struct mp_tcp_result *out, mp_agentc_cb cb,
			  void *arg)
{
	struct req *r = enqueue(ac, MP_PROTO_TCP_STATUS, NULL, cb, arg);

	if (r)
		r->tcp_out = out;
}

void mp_agentc_tcp_stop(struct mp_agentc *ac, struct mp_tcp_result *out, mp_agentc_cb cb,
			void *arg)
{
	struct req *r = enqueue(ac, MP_PROTO_TCP_STOP, NULL, cb, arg);

	if (r)
		r->tcp_out = out;
}

const char *mp_agentc_rx_netns(const struct mp_agentc *ac)
{
	return ac->rx_netns;
}

const char *mp_agentc_rx_dev(const struct mp_agentc *ac)
{
	return ac->rx_dev;
}

const char *mp_agentc_engine(const struct mp_agentc *ac)
{
	return ac->engine;
}

const char *mp_agentc_agent_version(const struct mp_agentc *ac)
{
	return ac->agent_version;
}

uint64_t mp_agentc_max_pps(const struct mp_agentc *ac)
{
	return ac->max_pps;
}

void mp_agentc_close(struct mp_agentc *ac)
{
	uv_timer_t *timers[4] = { &ac->retry_timer, &ac->req_timer, &ac->ka_timer,
				  &ac->pump_timer };
	struct mp_proto_request bye = { .op = MP_PROTO_BYE };
	mp_agentc_cb cb = ac->connect_cb;

	assert(ac->state != AC_CLOSING);
	if (ac->state == AC_READY) {
		/* uv_write tries at once, so the bye is on its way before the
		 * close; if the socket is full it is dropped, which is harmless. */
		bye.id = ac->next_id++;
		send_line(ac, &bye);
	}
	ac->state = AC_CLOSING;
	ac->connect_cb = NULL;
	conn_drop(ac);
	for (int i = 0; i < 4; i++)
		uv_close((uv_handle_t *)timers[i], on_handle_closed);
	if (cb)
		cb(ac, -ECANCELED, "the agent client was closed", NULL, ac->connect_arg);
	fail_all(ac, -ECANCELED, "the agent client was closed");
	mp_auth_wipe(ac->client_nonce, sizeof(ac->client_nonce));
}
