#include "agent/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/netdev.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/proto_framer.h"

#define READ_CHUNK 4096
#define LISTEN_BACKLOG 8
#define PEER_MAX (INET6_ADDRSTRLEN + 8)
/* Room for one encoded line, its newline and a NUL. */
#define LINE_BUF (MP_PROTO_LINE_MAX + 2)

enum conn_state { CONN_NEW, CONN_HELLO, CONN_AUTHED };

struct conn {
	uv_tcp_t tcp;
	struct mp_server *srv;
	struct conn *next;           /* in srv->conns */
	enum conn_state state;
	int closing;                 /* uv_close called, or closing after a write */
	int refused;                 /* EBUSY connection: closes after its reply */
	const char *close_why;       /* reason logged when a reply closes it */
	uint64_t accepted_ns;
	uint64_t last_rx_ns;         /* last complete message */
	char peer[PEER_MAX];
	uint8_t nonce[MP_AUTH_NONCE_LEN];  /* this connection's server nonce */
	int nonce_live;              /* issued by hello, not yet used by auth */
	char rbuf[READ_CHUNK];
	struct mp_proto_framer fr;
};

struct wreq {
	uv_write_t req;
	struct conn *c;
	int close_after;
	char buf[LINE_BUF];
};

struct mp_server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_timer_t tick;
	int handles_open;
	struct mp_server_opts o;
	char dev[IFNAMSIZ];
	char version[MP_PROTO_NAME_MAX];
	uint16_t port;
	struct conn *conns;          /* every open connection */
	struct conn *ctl;            /* the controller's connection, or NULL */
	unsigned refusing;           /* EBUSY connections still open */
	struct mp_traffic traffic;
	uint16_t tag;                /* the last run's tag (frame.h) */
	struct mp_hist *rx_snap;     /* the histogram rx pages are cut from */
	struct mp_rx_counters rx_c;  /* ... and the counters read with it */
	char rx_dev[IFNAMSIZ];
	char rx_netns[MP_PROTO_NAME_MAX];
	int rx_paused;               /* the receiver is paused for a TCP run */
	int configured;
	int traffic_on;              /* started, not yet seen stopped */
	int closing;
	void (*done)(void *);
	void *done_arg;
};

static void conn_close(struct conn *c, const char *why);

/* ---- handles ------------------------------------------------------------ */

static void server_free_if_done(struct mp_server *s)
{
	if (s->closing && s->handles_open == 0 && !s->conns) {
		void (*done)(void *) = s->done;
		void *arg = s->done_arg;

		free(s->rx_snap);
		free(s);
		if (done)
			done(arg);
	}
}

static void on_server_handle_closed(uv_handle_t *h)
{
	struct mp_server *s = h->data;

	s->handles_open--;
	server_free_if_done(s);
}

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct mp_server *s = c->srv;
	struct conn **pp;

	for (pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->refused)
		s->refusing--;
	mp_auth_wipe(c->nonce, sizeof(c->nonce));
	free(c);
	server_free_if_done(s);
}

/* ---- traffic ------------------------------------------------------------ */

static int tcp_running(const struct mp_server *s)
{
	return s->o.tcp && mp_tcp_running(s->o.tcp);
}

/* The receiver takes frames again once no TCP run goes on. */
static void receiver_resume(struct mp_server *s)
{
	if (s->rx_paused && !tcp_running(s)) {
		mp_receiver_pause(s->o.receiver, 0);
		s->rx_paused = 0;
	}
}

/* Stops the engine if traffic was started, and a TCP run, and logs why,
 * with what was sent. */
static void traffic_stop(struct mp_server *s, enum mp_log_level lvl, const char *why)
{
	struct mp_traffic_counters c;
	char span[32] = "0s";

	if (tcp_running(s)) {
		mp_log(lvl, "%s; stopping the TCP run", why);
		mp_tcp_stop(s->o.tcp, why);
		receiver_resume(s);
	}
	if (!s->traffic_on)
		return;
	mp_engine_stop(s->o.engine);
	s->traffic_on = 0;
	mp_engine_counters(s->o.engine, &c);
	if (c.last_tx_ns > c.first_tx_ns)
		mp_duration_format(c.last_tx_ns - c.first_tx_ns, span, sizeof(span));
	mp_log(lvl, "%s; traffic stopped after %llu packets (%llu bytes, %llu errors) in %s",
	       why, (unsigned long long)c.packets, (unsigned long long)c.bytes,
	       (unsigned long long)c.errors, span);
}

/* ---- writing ------------------------------------------------------------ */

static void on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct conn *c = w->c;

	if (status < 0 && status != UV_ECANCELED)
		mp_debug("write to %s failed: %s", c->peer, uv_strerror(status));
	if (w->close_after)
		conn_close(c, c->close_why ? c->close_why : "closed by the agent");
	free(w);
}

/* Sends a reply; with close_after, the connection closes once it is out. */
static void send_reply(struct conn *c, const struct mp_proto_reply *rep, int close_after)
{
	struct wreq *w;
	uv_buf_t b;
	int n, rc;

	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > MP_SERVER_WRITE_QUEUE_MAX) {
		conn_close(c, "the controller does not read its replies");
		return;
	}
	w = malloc(sizeof(*w));
	if (!w) {
		conn_close(c, "out of memory");
		return;
	}
	n = mp_proto_encode_reply(rep, w->buf, sizeof(w->buf));
	if (n < 0) {
		/* Cannot happen with the replies built here; never send junk. */
		mp_err("cannot encode a %s reply: %s", mp_proto_op_name(rep->op), mp_strerror(n));
		free(w);
		conn_close(c, "internal error");
		return;
	}
	w->c = c;
	w->close_after = close_after;
	if (close_after) {
		c->closing = 1;
		uv_read_stop((uv_stream_t *)&c->tcp);
	}
	b = uv_buf_init(w->buf, (unsigned)n);
	rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
	if (rc < 0) {
		free(w);
		conn_close(c, uv_strerror(rc));
	}
}

static void reply_error(struct conn *c, const struct mp_proto_request *req,
			enum mp_proto_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void reply_error(struct conn *c, const struct mp_proto_request *req,
			enum mp_proto_code code, const char *fmt, ...)
{
	struct mp_proto_reply rep;
	char msg[MP_PROTO_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mp_proto_reply_error(&rep, req, code, "%s", msg);
	mp_debug("%s: %s -> %s: %s", c->peer, req ? mp_proto_op_name(req->op) : "?",
		 mp_proto_code_name(code), rep.msg);
	send_reply(c, &rep, 0);
}

/* ---- connection life ---------------------------------------------------- */

static void conn_close(struct conn *c, const char *why)
{
	struct mp_server *s = c->srv;

	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	c->closing = 1;
	if (!why)
		why = "closed by the agent";
	if (s->ctl == c) {
		s->ctl = NULL;
		if (s->traffic_on || tcp_running(s)) {
			char msg[MP_PROTO_MSG_MAX];

			snprintf(msg, sizeof(msg), "controller %s: connection closed (%s)",
				 c->peer, why);
			traffic_stop(s, MP_LOG_WARN, msg);
		} else if (c->state == CONN_AUTHED) {
			mp_info("controller %s disconnected (%s)", c->peer, why);
		} else {
			mp_info("unauthenticated connection from %s closed (%s)", c->peer, why);
		}
	} else {
		mp_debug("connection from %s closed (%s)", c->peer, why);
	}
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* ---- operations --------------------------------------------------------- */

static void op_hello(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;

	if (c->state == CONN_AUTHED) {
		reply_error(c, req, MP_PROTO_ESTATE, "already authenticated on this connection");
		return;
	}
	mp_auth_nonce(c->nonce);
	c->nonce_live = 1;
	c->state = CONN_HELLO;
	mp_proto_reply_ok(&rep, req);
	rep.u.hello.version = MP_PROTO_VERSION;
	snprintf(rep.u.hello.agent, sizeof(rep.u.hello.agent), "%s", s->version);
	snprintf(rep.u.hello.engine, sizeof(rep.u.hello.engine), "%s",
		 mp_engine_name(s->o.engine));
	snprintf(rep.u.hello.dev, sizeof(rep.u.hello.dev), "%s", s->dev);
	snprintf(rep.u.hello.rx_dev, sizeof(rep.u.hello.rx_dev), "%s", s->rx_dev);
	snprintf(rep.u.hello.rx_netns, sizeof(rep.u.hello.rx_netns), "%s", s->rx_netns);
	rep.u.hello.max_pps = s->o.max_pps;
	memcpy(rep.u.hello.nonce, c->nonce, sizeof(c->nonce));
	send_reply(c, &rep, 0);
}

static void op_auth(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	uint8_t want[MP_AUTH_PROOF_LEN];
	struct mp_proto_reply rep;
	char shown[MP_AUTH_LOG_HEX + 1];
	int good;

	if (c->state == CONN_AUTHED) {
		reply_error(c, req, MP_PROTO_ESTATE, "already authenticated on this connection");
		return;
	}
	if (!c->nonce_live) {
		reply_error(c, req, MP_PROTO_ESTATE,
			    "send hello first: auth answers the nonce of this connection's hello");
		return;
	}
	c->nonce_live = 0;       /* single use, whatever the outcome */
	mp_auth_client_proof(s->o.token, c->nonce, req->u.auth.nonce, want);
	/* A client nonce equal to ours would let a peer reflect proofs. */
	good = mp_auth_proof_equal(want, req->u.auth.proof) &&
	       memcmp(c->nonce, req->u.auth.nonce, MP_AUTH_NONCE_LEN) != 0;
	mp_auth_wipe(want, sizeof(want));
	if (!good) {
		/* Log only a short prefix of the (public, one-time) proof. */
		for (int i = 0; i < MP_AUTH_LOG_HEX / 2; i++)
			snprintf(shown + 2 * i, 3, "%02x", req->u.auth.proof[i]);
		mp_warn("authentication failed from %s (proof %s...): its token differs from --token-file",
			c->peer, shown);
		mp_proto_reply_error(&rep, req, MP_PROTO_EAUTH,
				     "authentication failed: the controller's token does not match the agent's "
				     "--token-file; give both the same secret");
		mp_auth_wipe(c->nonce, sizeof(c->nonce));
		c->close_why = "authentication failed";
		send_reply(c, &rep, 1);
		return;
	}
	mp_proto_reply_ok(&rep, req);
	mp_auth_server_proof(s->o.token, c->nonce, req->u.auth.nonce, rep.u.auth.proof);
	mp_auth_wipe(c->nonce, sizeof(c->nonce));
	c->state = CONN_AUTHED;
	mp_info("controller %s authenticated", c->peer);
	send_reply(c, &rep, 0);
	mp_auth_wipe(rep.u.auth.proof, sizeof(rep.u.auth.proof));
}

static void op_configure(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	const struct mp_traffic *t = &req->u.traffic;
	struct mp_proto_reply rep;
	unsigned mtu = 0;
	int rc;

	if (s->traffic_on && mp_engine_running(s->o.engine)) {
		reply_error(c, req, MP_PROTO_EBUSY, "traffic is running; send stop before configure");
		return;
	}
	if (tcp_running(s)) {
		reply_error(c, req, MP_PROTO_EBUSY, "a TCP run is going on; send tcp_stop first");
		return;
	}
	if (strcmp(t->dev, s->dev) != 0) {
		reply_error(c, req, MP_PROTO_ELIMIT,
			    "this agent sends only on %s (its --dev), not on %s", s->dev, t->dev);
		return;
	}
	if (t->rate_pps > s->o.max_pps) {
		reply_error(c, req, MP_PROTO_ELIMIT,
			    "rate %llu pps exceeds this agent's limit of %llu pps (--max-pps)",
			    (unsigned long long)t->rate_pps, (unsigned long long)s->o.max_pps);
		return;
	}
	rc = mp_netdev_mtu(s->dev, &mtu);
	if (rc < 0) {
		reply_error(c, req, MP_PROTO_EENGINE, "cannot read the MTU of %s: %s",
			    s->dev, mp_strerror(rc));
		return;
	}
	if (t->frame_size > mtu + MP_ETH_HLEN) {
		reply_error(c, req, MP_PROTO_ELIMIT,
			    "frame size %u exceeds %s's MTU %u + %d-byte Ethernet header; use at most %u",
			    t->frame_size, s->dev, mtu, MP_ETH_HLEN, mtu + MP_ETH_HLEN);
		return;
	}
	if (t->engine[0] && strcmp(t->engine, mp_engine_name(s->o.engine)) != 0) {
		char err[256] = "";
		const char *was = mp_engine_name(s->o.engine);

		rc = mp_engine_switch(s->o.engine, t->engine, err, sizeof(err));
		if (rc < 0) {
			reply_error(c, req, MP_PROTO_EENGINE, "this agent cannot use the %s engine "
				    "the controller asks for: %s", t->engine, err);
			return;
		}
		mp_info("engine %s, as the controller asks (was %s)", t->engine, was);
	}
	s->traffic = *t;
	s->configured = 1;
	mp_debug("configured: %s, %u-byte frames, %llu pps", t->dev, t->frame_size,
		 (unsigned long long)t->rate_pps);
	mp_proto_reply_ok(&rep, req);
	send_reply(c, &rep, 0);
}

static void op_start(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;
	char err[MP_PROTO_MSG_MAX] = "", dur[32] = "until stopped", limit[48];
	int rc;

	if (!s->configured) {
		reply_error(c, req, MP_PROTO_ESTATE, "send configure before start");
		return;
	}
	if (s->traffic_on && mp_engine_running(s->o.engine)) {
		reply_error(c, req, MP_PROTO_EBUSY, "traffic is already running; send stop first");
		return;
	}
	if (tcp_running(s)) {
		reply_error(c, req, MP_PROTO_EBUSY, "a TCP run is going on; send tcp_stop first");
		return;
	}
	if (s->traffic_on)
		traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	/* A new tag per run, never 0: frames of earlier runs are told apart. */
	s->tag = (uint16_t)(s->tag + 1) ? (uint16_t)(s->tag + 1) : 1;
	s->traffic.tag = s->tag;
	if (s->o.receiver) {
		uint64_t now = mp_now_ns(), from = now + s->traffic.measure_from_ns;

		mp_receiver_arm(s->o.receiver, s->tag, from,
				s->traffic.measure_for_ns ? from + s->traffic.measure_for_ns : 0);
	}
	rc = mp_engine_start(s->o.engine, &s->traffic, s->o.max_pps, err, sizeof(err));
	if (rc < 0) {
		mp_warn("engine %s refused to start: %s", mp_engine_name(s->o.engine), err);
		reply_error(c, req, MP_PROTO_EENGINE, "%s", *err ? err : mp_strerror(rc));
		return;
	}
	s->traffic_on = 1;
	c->last_rx_ns = mp_now_ns();
	if (s->traffic.duration_ns)
		mp_duration_format(s->traffic.duration_ns, dur, sizeof(dur));
	if (s->traffic.count)
		snprintf(limit, sizeof(limit), "at most %llu packets",
			 (unsigned long long)s->traffic.count);
	mp_info("traffic started on %s: %u-byte frames at %s%llu pps, %s, %s",
		s->dev, s->traffic.frame_size, s->traffic.rate_pps ? "" : "max ",
		(unsigned long long)(s->traffic.rate_pps ? s->traffic.rate_pps : s->o.max_pps),
		dur, s->traffic.count ? limit : "no packet limit");
	mp_proto_reply_ok(&rep, req);
	send_reply(c, &rep, 0);
}

static void fill_stats(struct mp_server *s, struct mp_proto_reply *rep)
{
	/* An end noticed here is logged as the tick would have logged it. */
	if (s->traffic_on && !mp_engine_running(s->o.engine))
		traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	mp_engine_counters(s->o.engine, &rep->u.stats.c);
	rep->u.stats.running = s->traffic_on && mp_engine_running(s->o.engine);
}

static void op_stop(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;

	if (s->traffic_on && !mp_engine_running(s->o.engine))
		traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	traffic_stop(s, MP_LOG_INFO, "stop requested by the controller");
	mp_proto_reply_ok(&rep, req);
	fill_stats(s, &rep);
	send_reply(c, &rep, 0);
}

static void op_stats(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_proto_reply rep;

	mp_proto_reply_ok(&rep, req);
	fill_stats(c->srv, &rep);
	send_reply(c, &rep, 0);
}

static int have_receiver(struct conn *c, const struct mp_proto_request *req)
{
	if (c->srv->o.receiver)
		return 1;
	reply_error(c, req, MP_PROTO_ESTATE,
		    "this agent has no receiver; start it with --rx-dev on the interface where "
		    "the DUT forwards (the traff-gen's third vif)");
	return 0;
}

/* rx with from 0 reads the receiver now; later pages cut the same reading,
 * so a histogram fetched in pages is one consistent snapshot. */
static void op_rx(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;
	unsigned i;

	if (!have_receiver(c, req))
		return;
	if (req->u.from == 0)
		mp_receiver_read(s->o.receiver, &s->rx_c, s->rx_snap);
	mp_proto_reply_ok(&rep, req);
	rep.u.rx.c = s->rx_c;
	for (i = mp_hist_next(s->rx_snap, (unsigned)req->u.from);
	     i < MP_HIST_BUCKETS && rep.u.rx.n < MP_PROTO_RX_BUCKETS;
	     i = mp_hist_next(s->rx_snap, i + 1)) {
		rep.u.rx.idx[rep.u.rx.n] = i;
		rep.u.rx.count[rep.u.rx.n++] = s->rx_snap->b[i];
	}
	rep.u.rx.next = i < MP_HIST_BUCKETS ? i : 0;
	send_reply(c, &rep, 0);
}

static void op_rx_series(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_proto_reply rep;
	size_t n, total;

	if (!have_receiver(c, req))
		return;
	mp_proto_reply_ok(&rep, req);
	n = mp_receiver_series(c->srv->o.receiver, req->u.from, rep.u.series.s,
			       MP_PROTO_RX_SAMPLES, &total);
	rep.u.series.n = (unsigned)n;
	rep.u.series.total = total;
	rep.u.series.next = req->u.from + n < total ? req->u.from + n : 0;
	send_reply(c, &rep, 0);
}

static int have_tcp(struct conn *c, const struct mp_proto_request *req)
{
	if (c->srv->o.tcp)
		return 1;
	reply_error(c, req, MP_PROTO_ESTATE,
		    "this agent cannot run TCP through the DUT: start it with --rx-dev and "
		    "--rx-netns (the receiving side's own namespace), with iperf3 installed");
	return 0;
}

static void op_tcp_start(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;
	char err[MP_PROTO_MSG_MAX] = "";
	int rc;

	if (!have_tcp(c, req))
		return;
	if (s->traffic_on && mp_engine_running(s->o.engine)) {
		reply_error(c, req, MP_PROTO_EBUSY, "traffic is running; send stop before tcp_start");
		return;
	}
	if (s->traffic_on)
		traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	if (s->o.receiver && !s->rx_paused && mp_receiver_pause(s->o.receiver, 1) == 0)
		s->rx_paused = 1;
	rc = mp_tcp_start(s->o.tcp, &req->u.tcp, err, sizeof(err));
	if (rc < 0) {
		receiver_resume(s);
		reply_error(c, req, rc == -EBUSY ? MP_PROTO_EBUSY : MP_PROTO_EENGINE, "%s", err);
		return;
	}
	c->last_rx_ns = mp_now_ns();
	mp_proto_reply_ok(&rep, req);
	send_reply(c, &rep, 0);
}

/* tcp_status and tcp_stop: the run's state and figures. */
static void op_tcp_status(struct conn *c, const struct mp_proto_request *req, int stop)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;

	if (!have_tcp(c, req))
		return;
	if (stop && tcp_running(s))
		mp_tcp_stop(s->o.tcp, "stopped by the controller (tcp_stop)");
	receiver_resume(s);
	mp_proto_reply_ok(&rep, req);
	mp_tcp_status(s->o.tcp, &rep.u.tcp);
	send_reply(c, &rep, 0);
}

/* Handles one line. Returns non-zero when the connection is closing. */
static int on_line(void *arg, const char *line, size_t len)
{
	struct conn *c = arg;
	struct mp_proto_request req;
	struct mp_proto_reply rep;

	c->last_rx_ns = mp_now_ns();
	if (mp_proto_decode_request(line, len, &req, &rep) < 0) {
		mp_debug("%s: bad request: %s: %s", c->peer, mp_proto_code_name(rep.code), rep.msg);
		c->close_why = "message too long";
		send_reply(c, &rep, rep.code == MP_PROTO_ETOOBIG);
		return c->closing;
	}
	mp_debug("%s: %s (id %llu)", c->peer, mp_proto_op_name(req.op),
		 (unsigned long long)req.id);
	if (c->state != CONN_AUTHED && req.op != MP_PROTO_HELLO && req.op != MP_PROTO_AUTH) {
		reply_error(c, &req, MP_PROTO_EAUTH,
			    "not authenticated: send hello, then auth with the shared token, before %s",
			    mp_proto_op_name(req.op));
		return c->closing;
	}
	switch (req.op) {
	case MP_PROTO_HELLO: op_hello(c, &req); break;
	case MP_PROTO_AUTH: op_auth(c, &req); break;
	case MP_PROTO_CONFIGURE: op_configure(c, &req); break;
	case MP_PROTO_START: op_start(c, &req); break;
	case MP_PROTO_STOP: op_stop(c, &req); break;
	case MP_PROTO_STATS: op_stats(c, &req); break;
	case MP_PROTO_RX: op_rx(c, &req); break;
	case MP_PROTO_RX_SERIES: op_rx_series(c, &req); break;
	case MP_PROTO_TCP_START: op_tcp_start(c, &req); break;
	case MP_PROTO_TCP_STATUS: op_tcp_status(c, &req, 0); break;
	case MP_PROTO_TCP_STOP: op_tcp_status(c, &req, 1); break;
	case MP_PROTO_KEEPALIVE:
		mp_proto_reply_ok(&rep, &req);
		send_reply(c, &rep, 0);
		break;
	case MP_PROTO_BYE:
		mp_proto_reply_ok(&rep, &req);
		c->close_why = "bye";
		send_reply(c, &rep, 1);
		break;
	default:
		break;
	}
	mp_auth_wipe(&req, sizeof(req));
	return c->closing;
}

/* ---- reading and accepting ---------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = st->data;
	struct mp_proto_reply rep;
	int rc;

	if (nread == 0 || c->closing)
		return;
	if (nread < 0) {
		conn_close(c, nread == UV_EOF ? "connection closed by the controller"
					      : uv_strerror((int)nread));
		return;
	}
	rc = mp_proto_framer_feed(&c->fr, buf->base, (size_t)nread, on_line, c);
	if (rc == -EMSGSIZE && !c->closing) {
		mp_warn("%s sent a message longer than %d bytes; closing the connection",
			c->peer, MP_PROTO_LINE_MAX);
		mp_proto_reply_error(&rep, NULL, MP_PROTO_ETOOBIG,
				     "message longer than %d bytes; closing the connection",
				     MP_PROTO_LINE_MAX);
		c->close_why = "message too long";
		send_reply(c, &rep, 1);
	}
}

static void peer_name(uv_tcp_t *t, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	int n = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &n) == 0 && ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		port = ntohs(sin->sin_port);
	}
	snprintf(buf, len, "%s:%u", ip, port);
}

static void on_connection(uv_stream_t *ls, int status)
{
	struct mp_server *s = ls->data;
	struct mp_proto_reply rep;
	struct conn *c;

	if (status < 0) {
		mp_warn("accepting a connection failed: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		mp_err("out of memory accepting a connection");
		return;
	}
	c->srv = s;
	mp_proto_framer_init(&c->fr);
	uv_tcp_init(s->loop, &c->tcp);
	c->tcp.data = c;
	c->next = s->conns;
	s->conns = c;
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0) {
		conn_close(c, "accept failed");
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	peer_name(&c->tcp, c->peer, sizeof(c->peer));
	c->accepted_ns = c->last_rx_ns = mp_now_ns();
	if (s->closing) {
		conn_close(c, "agent shutting down");
		return;
	}
	if (s->ctl) {
		if (s->refusing >= MP_SERVER_REFUSING_MAX) {
			conn_close(c, "too many refused connections");
			return;
		}
		c->refused = 1;
		c->close_why = "refused: another controller is connected";
		s->refusing++;
		mp_info("refusing %s: controller %s is connected", c->peer, s->ctl->peer);
		mp_proto_reply_error(&rep, NULL, MP_PROTO_EBUSY,
				     "another controller (%s) is connected to this agent; it serves one at a time: "
				     "retry after that one disconnects", s->ctl->peer);
		send_reply(c, &rep, 1);
		return;
	}
	s->ctl = c;
	mp_info("connection from %s", c->peer);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* ---- housekeeping ------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	struct mp_server *s = t->data;
	struct conn *c = s->ctl;
	uint64_t now = mp_now_ns();
	char msg[MP_PROTO_MSG_MAX], d[32];

	if (s->traffic_on && !mp_engine_running(s->o.engine))
		traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	receiver_resume(s);
	/* Traffic implies a controller (conn_close stops it); checked even while
	 * that connection is closing, so nothing can outlive the dead-man. */
	if ((s->traffic_on || tcp_running(s)) && (!c || now - c->last_rx_ns > s->o.deadman_ns)) {
		mp_duration_format(s->o.deadman_ns, d, sizeof(d));
		snprintf(msg, sizeof(msg),
			 "dead-man: no message from controller %s for %s (--deadman)",
			 c ? c->peer : "(none)", d);
		traffic_stop(s, MP_LOG_WARN, msg);
	}
	if (!c || c->closing)
		return;
	if (c->state != CONN_AUTHED && now - c->accepted_ns > MP_SERVER_HANDSHAKE_NS) {
		mp_warn("%s did not authenticate within %llu s; closing", c->peer,
			(unsigned long long)(MP_SERVER_HANDSHAKE_NS / MP_NS_PER_SEC));
		conn_close(c, "no authentication");
	} else if (!s->traffic_on && !tcp_running(s) && now - c->last_rx_ns > MP_SERVER_IDLE_NS) {
		conn_close(c, "controller silent");
	}
}

/* ---- public ------------------------------------------------------------- */

int mp_server_start(uv_loop_t *loop, const struct mp_server_opts *opts,
		    struct mp_server **out, char *err, size_t errlen)
{
	struct mp_server *s;
	struct sockaddr_in bound;
	int n = sizeof(bound), rc;
	char ip[INET_ADDRSTRLEN];

	*out = NULL;
	if (!opts->dev || strlen(opts->dev) >= IFNAMSIZ || !opts->token || !opts->engine ||
	    opts->deadman_ns == 0 || opts->max_pps == 0) {
		snprintf(err, errlen, "invalid server options");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (opts->receiver && !(s->rx_snap = mp_hist_new())) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (opts->receiver)
		snprintf(s->rx_dev, sizeof(s->rx_dev), "%s", opts->rx_dev ? opts->rx_dev : "");
	if (opts->tcp)
		snprintf(s->rx_netns, sizeof(s->rx_netns), "%s", opts->rx_netns ? opts->rx_netns : "");
	s->loop = loop;
	s->o = *opts;
	snprintf(s->dev, sizeof(s->dev), "%s", opts->dev);
	snprintf(s->version, sizeof(s->version), "%s",
		 opts->agent_version ? opts->agent_version : "unknown");
	s->o.dev = s->dev;
	s->o.agent_version = s->version;
	inet_ntop(AF_INET, &opts->listen.sin_addr, ip, sizeof(ip));

	uv_tcp_init(loop, &s->listener);
	s->listener.data = s;
	s->handles_open++;
	rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&opts->listen, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG, on_connection);
	if (rc == 0)
		rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &n);
	if (rc < 0) {
		snprintf(err, errlen, "cannot listen on %s:%u: %s%s", ip,
			 ntohs(opts->listen.sin_port), uv_strerror(rc),
			 rc == UV_EADDRNOTAVAIL ? " (is that address configured on this host?)" :
			 rc == UV_EADDRINUSE ? " (is another agent running?)" : "");
		s->closing = 1;
		uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
		return rc;   /* s (rx_snap included) is freed by the close callback */
	}
	s->port = ntohs(bound.sin_port);
	uv_timer_init(loop, &s->tick);
	s->tick.data = s;
	s->handles_open++;
	uv_timer_start(&s->tick, on_tick, MP_SERVER_TICK_MS, MP_SERVER_TICK_MS);
	mp_info("listening on %s:%u (engine %s, dev %s, max %llu pps%s%s)", ip, s->port,
		mp_engine_name(s->o.engine), s->dev, (unsigned long long)s->o.max_pps,
		s->rx_dev[0] ? ", receiving on " : "", s->rx_dev);
	*out = s;
	return 0;
}

uint16_t mp_server_port(const struct mp_server *s)
{
	return s->port;
}

void mp_server_close(struct mp_server *s, void (*done)(void *arg), void *arg)
{
	struct conn *c;

	if (s->closing)
		return;
	s->closing = 1;
	s->done = done;
	s->done_arg = arg;
	traffic_stop(s, MP_LOG_WARN, "agent shutting down");
	for (c = s->conns; c; c = c->next)
		conn_close(c, "agent shutting down");
	uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
	uv_timer_stop(&s->tick);
	uv_close((uv_handle_t *)&s->tick, on_server_handle_closed);
}
