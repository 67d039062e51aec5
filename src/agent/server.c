/* The agent's control-channel server (server.h): its life (listening,
 * closing, freed once every handle is closed), the traffic it owns and stops
 * (the safety contract), and the housekeeping tick (dead-man, handshake and
 * idle time-outs). Connections are server_conn.c's, requests server_ops.c's
 * and server_handshake.c's. */
#include "agent/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/server_internal.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/proto.h"

#define LISTEN_BACKLOG 8

/* ---- handles ------------------------------------------------------------ */

void mp__server_free_if_done(struct mp_server *s)
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
	mp__server_free_if_done(s);
}

/* ---- traffic ------------------------------------------------------------ */

int mp__server_tcp_running(const struct mp_server *s)
{
	return s->o.tcp && mp_tcp_running(s->o.tcp);
}

void mp__server_receiver_resume(struct mp_server *s)
{
	if (s->rx_paused && !mp__server_tcp_running(s)) {
		mp_receiver_pause(s->o.receiver, 0);
		s->rx_paused = 0;
	}
}

void mp__server_traffic_stop(struct mp_server *s, enum mp_log_level lvl, const char *why)
{
	struct mp_traffic_counters c;
	char span[32] = "0s";

	if (mp__server_tcp_running(s)) {
		mp_log(lvl, "%s; stopping the TCP run", why);
		mp_tcp_stop(s->o.tcp, why);
		mp__server_receiver_resume(s);
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

/* ---- housekeeping ------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	struct mp_server *s = t->data;
	struct conn *c = s->ctl;
	uint64_t now = mp_now_ns();
	char msg[MP_PROTO_MSG_MAX], d[32];

	if (s->traffic_on && !mp_engine_running(s->o.engine))
		mp__server_traffic_stop(s, MP_LOG_INFO, "traffic finished by itself");
	mp__server_receiver_resume(s);
	/* Traffic implies a controller (mp__server_conn_close stops it); checked even while
	 * that connection is closing, so nothing can outlive the dead-man. */
	if ((s->traffic_on || mp__server_tcp_running(s)) &&
	    (!c || now - c->last_rx_ns > s->o.deadman_ns)) {
		mp_duration_format(s->o.deadman_ns, d, sizeof(d));
		snprintf(msg, sizeof(msg),
			 "dead-man: no message from controller %s for %s (--deadman)",
			 c ? c->peer : "(none)", d);
		mp__server_traffic_stop(s, MP_LOG_WARN, msg);
	}
	if (!c || c->closing)
		return;
	if (c->state != CONN_AUTHED && now - c->accepted_ns > MP_SERVER_HANDSHAKE_NS) {
		mp_warn("%s did not authenticate within %llu s; closing", c->peer,
			(unsigned long long)(MP_SERVER_HANDSHAKE_NS / MP_NS_PER_SEC));
		mp__server_conn_close(c, "no authentication");
	} else if (!s->traffic_on && !mp__server_tcp_running(s) &&
		   now - c->last_rx_ns > MP_SERVER_IDLE_NS) {
		mp__server_conn_close(c, "controller silent");
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
		rc = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG,
			       mp__server_on_connection);
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
	mp__server_traffic_stop(s, MP_LOG_WARN, "agent shutting down");
	for (c = s->conns; c; c = c->next)
		mp__server_conn_close(c, "agent shutting down");
	uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
	uv_timer_stop(&s->tick);
	uv_close((uv_handle_t *)&s->tick, on_server_handle_closed);
}
