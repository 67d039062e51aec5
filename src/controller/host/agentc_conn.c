/* The client's connection to the agent (agentc_internal.h): connecting with
 * back-off until authenticated or the deadline, each step bounded in time;
 * lines written and read (cut by the framer, handed to the handshake or the
 * queue); keepalives while ready; a lost connection failing what waits. */
#include "controller/host/agentc.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/clock.h"
#include "common/loop.h"
#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/proto_framer.h"
#include "controller/host/agentc_internal.h"

/* Room for one encoded line, its newline and a NUL. */
#define LINE_BUF (MP_PROTO_LINE_MAX + 2)

struct wreq {
	uv_write_t req;
	char buf[LINE_BUF];
};

static void attempt(struct mp_agentc *ac);

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct mp_agentc *ac = c->ac;

	free(c);
	ac->handles_open--;
	mp__agentc_free_if_done(ac);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;       /* a failed write shows up as a read error or a timeout */
	free(req);
}

/* Sends one request line on the live connection. Returns 0 or negative. */
int mp__agentc_send_line(struct mp_agentc *ac, const struct mp_proto_request *r)
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

void mp__agentc_conn_drop(struct mp_agentc *ac)
{
	struct conn *c = ac->conn;

	if (!c)
		return;
	ac->conn = NULL;
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* The authenticated connection is gone: fail what is pending, and say so. */
void mp__agentc_conn_lost(struct mp_agentc *ac, const char *why)
{
	snprintf(ac->lost_msg, sizeof(ac->lost_msg),
		 "connection to the agent at %s lost (%s)", ac->addr_text, why);
	mp_warn("%s", ac->lost_msg);
	ac->state = AC_LOST;
	uv_timer_stop(&ac->ka_timer);
	mp__agentc_conn_drop(ac);
	mp__agentc_fail_all(ac, -ECONNRESET, ac->lost_msg);
}

static void on_keepalive(uv_timer_t *t)
{
	struct mp_agentc *ac = t->data;
	struct mp_proto_request r = { .op = MP_PROTO_KEEPALIVE };

	if (ac->state != AC_READY)
		return;
	r.id = ac->next_id++;
	if (mp__agentc_send_line(ac, &r) < 0)
		mp_debug("keepalive to %s could not be sent", ac->addr_text);
}

/* Ends the connect phase; the callback runs once. */
void mp__agentc_connect_done(struct mp_agentc *ac, int status, const char *msg)
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
		mp__agentc_conn_drop(ac);
	}
	mp__agentc_pump_soon(ac);
	if (cb)
		cb(ac, status, msg, NULL, ac->connect_arg);
}

/* The handshake step's time is up: TCP connect, hello or auth (the
 * outstanding request has its own callback on the same timer, agentc_queue.c). */
static void on_step_timeout(uv_timer_t *t)
{
	struct mp_agentc *ac = t->data;
	char msg[MP_PROTO_MSG_MAX];

	if (ac->state != AC_CONNECTING)
		return;
	if (mp_now_ns() >= ac->connect_deadline_ns && *ac->last_err) {
		/* The deadline, not the agent, cut this attempt short: the
		 * previous attempt's error says more. */
		snprintf(msg, sizeof(msg), "%s", ac->last_err);
		mp__agentc_attempt_failed(ac, msg);
		return;
	}
	snprintf(msg, sizeof(msg), "%s",
		 !ac->conn || !ac->conn->connected ? "TCP connection not established in time" :
		 ac->hs_op == MP_PROTO_HELLO ? "no answer to hello in time" :
					       "no answer to auth in time");
	mp__agentc_attempt_failed(ac, msg);
}

/* Arms the timer bounding one handshake step (TCP connect, hello, auth). */
void mp__agentc_arm_step(struct mp_agentc *ac)
{
	uint64_t now = mp_now_ns(), left;

	left = ac->connect_deadline_ns > now ? ac->connect_deadline_ns - now : 0;
	if (left > ac->req_timeout_ns)
		left = ac->req_timeout_ns;
	mp_timer_start_fresh(&ac->req_timer, on_step_timeout, mp__agentc_ns_to_ms(left));
}

static void on_retry(uv_timer_t *t)
{
	attempt(t->data);
}

/* One attempt failed for a reason that may pass (agent booting or busy):
 * wait and retry, or give up at the deadline. */
void mp__agentc_attempt_failed(struct mp_agentc *ac, const char *why)
{
	uint64_t now = mp_now_ns(), wait_ns;
	char msg[2 * MP_PROTO_MSG_MAX], took[32];

	snprintf(ac->last_err, sizeof(ac->last_err), "%s", why);
	mp_debug("agent at %s: attempt %u: %s", ac->addr_text, ac->attempts, why);
	mp__agentc_conn_drop(ac);
	uv_timer_stop(&ac->req_timer);
	if (now >= ac->connect_deadline_ns) {
		mp__agentc_format_ns(now - ac->connect_start_ns, took, sizeof(took));
		snprintf(msg, sizeof(msg),
			 "could not reach the agent at %s: %u attempt%s in %s, last error: %s "
			 "(is mir-perf-agent running there with --listen %s?)",
			 ac->addr_text, ac->attempts, ac->attempts == 1 ? "" : "s", took, why,
			 ac->addr_text);
		mp__agentc_connect_done(ac, -ETIMEDOUT, msg);
		return;
	}
	wait_ns = ac->backoff_ms * MP_NS_PER_MS;
	if (wait_ns > ac->connect_deadline_ns - now)
		wait_ns = ac->connect_deadline_ns - now;
	ac->backoff_ms *= 2;
	if (ac->backoff_ms > MP_AGENTC_BACKOFF_MAX_MS)
		ac->backoff_ms = MP_AGENTC_BACKOFF_MAX_MS;
	uv_timer_start(&ac->retry_timer, on_retry, mp__agentc_ns_to_ms(wait_ns), 0);
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
		mp__agentc_attempt_failed(ac, uv_strerror(status));
		return;
	}
	c->connected = 1;
	uv_tcp_nodelay(&c->tcp, 1);
	rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	r.id = ac->hs_id = ac->next_id++;
	ac->hs_op = MP_PROTO_HELLO;
	if (rc == 0)
		rc = mp__agentc_send_line(ac, &r);
	if (rc < 0) {
		mp__agentc_attempt_failed(ac, mp_strerror(rc));
		return;
	}
	mp__agentc_arm_step(ac);
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
		mp__agentc_connect_done(ac, -ENOMEM, "out of memory");
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
		mp__agentc_attempt_failed(ac, uv_strerror(rc));
		return;
	}
	mp__agentc_arm_step(ac);
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
			mp__agentc_connect_done(ac, -EPROTONOSUPPORT, msg);
		else if (ac->state == AC_CONNECTING)
			mp__agentc_attempt_failed(ac, msg);
		else
			mp__agentc_conn_lost(ac, msg);
		return 1;
	}
	if (ac->state == AC_CONNECTING)
		mp__agentc_handshake_reply(ac, &rep);
	else if (ac->state == AC_READY)
		mp__agentc_ready_reply(ac, &rep);
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
		mp__agentc_attempt_failed(ac, why);
	else if (ac->state == AC_READY)
		mp__agentc_conn_lost(ac, why);
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
