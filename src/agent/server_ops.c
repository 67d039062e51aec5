/* What each request does on the agent's server once the controller is
 * authenticated (server_internal.h): configure within the agent's limits,
 * start and stop the traffic, its counters, the receiver's figures in
 * pages, TCP through the DUT; and the dispatch of every line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/netdev.h"
#include "agent/server_internal.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"

static void op_configure(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	const struct mp_traffic *t = &req->u.traffic;
	struct mp_proto_reply rep;
	unsigned mtu = 0;
	int rc;

	if (s->traffic_on && mp_engine_running(s->o.engine)) {
		mp__server_reply_error(c, req, MP_PROTO_EBUSY,
				       "traffic is running; send stop before configure");
		return;
	}
	if (mp__server_tcp_running(s)) {
		mp__server_reply_error(c, req, MP_PROTO_EBUSY,
				       "a TCP run is going on; send tcp_stop first");
		return;
	}
	if (strcmp(t->dev, s->dev) != 0) {
		mp__server_reply_error(c, req, MP_PROTO_ELIMIT,
			               "this agent sends only on %s (its --dev), not on %s",
			               s->dev, t->dev);
		return;
	}
	if (t->rate_pps > s->o.max_pps) {
		mp__server_reply_error(c, req, MP_PROTO_ELIMIT,
			               "rate %llu pps exceeds this agent's limit of %llu pps (--max-pps)",
			               (unsigned long long)t->rate_pps,
			               (unsigned long long)s->o.max_pps);
		return;
	}
	rc = mp_netdev_mtu(s->dev, &mtu);
	if (rc < 0) {
		mp__server_reply_error(c, req, MP_PROTO_EENGINE, "cannot read the MTU of %s: %s",
			               s->dev, mp_strerror(rc));
		return;
	}
	if (t->frame_size > mtu + MP_ETH_HLEN) {
		mp__server_reply_error(c, req, MP_PROTO_ELIMIT,
			               "frame size %u exceeds %s's MTU %u + %d-byte Ethernet header; use at most %u",
			               t->frame_size, s->dev, mtu, MP_ETH_HLEN, mtu + MP_ETH_HLEN);
		return;
	}
	if (t->engine[0] && strcmp(t->engine, mp_engine_name(s->o.engine)) != 0) {
		char err[256] = "";
		const char *was = mp_engine_name(s->o.engine);

		rc = mp_engine_switch(s->o.engine, t->engine, err, sizeof(err));
		if (rc < 0) {
			mp__server_reply_error(c, req, MP_PROTO_EENGINE,
					       "this agent cannot use the %s engine "
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
	mp__server_send_reply(c, &rep, 0);
}

static void op_start(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;
	char err[MP_PROTO_MSG_MAX] = "", dur[32] = "until stopped", limit[48];
	int rc;

	if (!s->configured) {
		mp__server_reply_error(c, req, MP_PROTO_ESTATE, "send configure before start");
		return;
	}
	if (s->traffic_on && mp_engine_running(s->o.engine)) {
		mp__server_reply_error(c, req, MP_PROTO_EBUSY,
				       "traffic is already running; send stop first");
		return;
	}
	if (mp__server_tcp_running(s)) {
		mp__server_reply_error(c, req, MP_PROTO_EBUSY,
				       "a TCP run is going on; send tcp_stop first");
		return;
	}
	if (s->traffic_on)
		mp__server_traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
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
		mp__server_reply_error(c, req, MP_PROTO_EENGINE,
				       "%s", *err ? err : mp_strerror(rc));
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
	mp__server_send_reply(c, &rep, 0);
}

static void fill_stats(struct mp_server *s, struct mp_proto_reply *rep)
{
	/* An end noticed here is logged as the tick would have logged it. */
	if (s->traffic_on && !mp_engine_running(s->o.engine))
		mp__server_traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	mp_engine_counters(s->o.engine, &rep->u.stats.c);
	rep->u.stats.running = s->traffic_on && mp_engine_running(s->o.engine);
}

static void op_stop(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;

	if (s->traffic_on && !mp_engine_running(s->o.engine))
		mp__server_traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	mp__server_traffic_stop(s, MP_LOG_INFO, "stop requested by the controller");
	mp_proto_reply_ok(&rep, req);
	fill_stats(s, &rep);
	mp__server_send_reply(c, &rep, 0);
}

static void op_stats(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_proto_reply rep;

	mp_proto_reply_ok(&rep, req);
	fill_stats(c->srv, &rep);
	mp__server_send_reply(c, &rep, 0);
}

static int have_receiver(struct conn *c, const struct mp_proto_request *req)
{
	if (c->srv->o.receiver)
		return 1;
	mp__server_reply_error(c, req, MP_PROTO_ESTATE,
		               "this agent has no receiver; start it with --rx-dev on the "
		               "interface where the DUT forwards (the traff-gen's third vif)");
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
	mp__server_send_reply(c, &rep, 0);
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
	mp__server_send_reply(c, &rep, 0);
}

static int have_tcp(struct conn *c, const struct mp_proto_request *req)
{
	if (c->srv->o.tcp)
		return 1;
	mp__server_reply_error(c, req, MP_PROTO_ESTATE,
		               "this agent cannot run TCP through the DUT: start it with "
		               "--rx-dev and --rx-netns (the receiving side's own namespace), "
		               "with iperf3 installed");
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
		mp__server_reply_error(c, req, MP_PROTO_EBUSY,
				       "traffic is running; send stop before tcp_start");
		return;
	}
	if (s->traffic_on)
		mp__server_traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	if (s->o.receiver && !s->rx_paused && mp_receiver_pause(s->o.receiver, 1) == 0)
		s->rx_paused = 1;
	rc = mp_tcp_start(s->o.tcp, &req->u.tcp, err, sizeof(err));
	if (rc < 0) {
		mp__server_receiver_resume(s);
		mp__server_reply_error(c, req, rc == -EBUSY ? MP_PROTO_EBUSY : MP_PROTO_EENGINE,
				       "%s", err);
		return;
	}
	c->last_rx_ns = mp_now_ns();
	mp_proto_reply_ok(&rep, req);
	mp__server_send_reply(c, &rep, 0);
}

/* tcp_status and tcp_stop: the run's state and figures. */
static void op_tcp_status(struct conn *c, const struct mp_proto_request *req, int stop)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;

	if (!have_tcp(c, req))
		return;
	if (stop && mp__server_tcp_running(s))
		mp_tcp_stop(s->o.tcp, "stopped by the controller (tcp_stop)");
	mp__server_receiver_resume(s);
	mp_proto_reply_ok(&rep, req);
	mp_tcp_status(s->o.tcp, &rep.u.tcp);
	mp__server_send_reply(c, &rep, 0);
}

/* Handles one line. Returns non-zero when the connection is closing. */
int mp__server_on_line(void *arg, const char *line, size_t len)
{
	struct conn *c = arg;
	struct mp_proto_request req;
	struct mp_proto_reply rep;

	c->last_rx_ns = mp_now_ns();
	if (mp_proto_decode_request(line, len, &req, &rep) < 0) {
		mp_debug("%s: bad request: %s: %s", c->peer, mp_proto_code_name(rep.code), rep.msg);
		c->close_why = "message too long";
		mp__server_send_reply(c, &rep, rep.code == MP_PROTO_ETOOBIG);
		return c->closing;
	}
	mp_debug("%s: %s (id %llu)", c->peer, mp_proto_op_name(req.op),
		 (unsigned long long)req.id);
	if (c->state != CONN_AUTHED && req.op != MP_PROTO_HELLO && req.op != MP_PROTO_AUTH) {
		mp__server_reply_error(c, &req, MP_PROTO_EAUTH,
			               "not authenticated: send hello, then auth with the shared token, before %s",
			               mp_proto_op_name(req.op));
		return c->closing;
	}
	switch (req.op) {
	case MP_PROTO_HELLO: mp__server_hello(c, &req); break;
	case MP_PROTO_AUTH: mp__server_auth(c, &req); break;
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
		mp__server_send_reply(c, &rep, 0);
		break;
	case MP_PROTO_BYE:
		mp_proto_reply_ok(&rep, &req);
		c->close_why = "bye";
		mp__server_send_reply(c, &rep, 1);
		break;
	default:
		break;
	}
	mp_auth_wipe(&req, sizeof(req));
	return c->closing;
}
