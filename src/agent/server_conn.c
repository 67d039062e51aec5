/* One connection to the agent's server (server_internal.h): accepted (one
 * controller at a time; another is refused with EBUSY), read and cut into
 * lines, replies written (a peer that leaves too much unread is dropped),
 * closed (stopping the controller's traffic), freed in its close callback. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent/server_internal.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/proto_framer.h"

/* Room for one encoded line, its newline and a NUL. */
#define LINE_BUF (MP_PROTO_LINE_MAX + 2)

struct wreq {
	uv_write_t req;
	struct conn *c;
	int close_after;
	char buf[LINE_BUF];
};

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
	mp__server_free_if_done(s);
}

static void on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct conn *c = w->c;

	if (status < 0 && status != UV_ECANCELED)
		mp_debug("write to %s failed: %s", c->peer, uv_strerror(status));
	if (w->close_after)
		mp__server_conn_close(c, c->close_why ? c->close_why : "closed by the agent");
	free(w);
}

void mp__server_send_reply(struct conn *c, const struct mp_proto_reply *rep, int close_after)
{
	struct wreq *w;
	uv_buf_t b;
	int n, rc;

	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > MP_SERVER_WRITE_QUEUE_MAX) {
		mp__server_conn_close(c, "the controller does not read its replies");
		return;
	}
	w = malloc(sizeof(*w));
	if (!w) {
		mp__server_conn_close(c, "out of memory");
		return;
	}
	n = mp_proto_encode_reply(rep, w->buf, sizeof(w->buf));
	if (n < 0) {
		/* Cannot happen with the replies built here; never send junk. */
		mp_err("cannot encode a %s reply: %s", mp_proto_op_name(rep->op), mp_strerror(n));
		free(w);
		mp__server_conn_close(c, "internal error");
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
		mp__server_conn_close(c, uv_strerror(rc));
	}
}

void mp__server_reply_error(struct conn *c, const struct mp_proto_request *req,
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
	mp__server_send_reply(c, &rep, 0);
}

void mp__server_conn_close(struct conn *c, const char *why)
{
	struct mp_server *s = c->srv;

	if (uv_is_closing((uv_handle_t *)&c->tcp))
		return;
	c->closing = 1;
	if (!why)
		why = "closed by the agent";
	if (s->ctl == c) {
		s->ctl = NULL;
		if (s->traffic_on || mp__server_tcp_running(s)) {
			char msg[MP_PROTO_MSG_MAX];

			snprintf(msg, sizeof(msg), "controller %s: connection closed (%s)",
				 c->peer, why);
			mp__server_traffic_stop(s, MP_LOG_WARN, msg);
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
		mp__server_conn_close(c, nread == UV_EOF ? "connection closed by the controller"
					                 : uv_strerror((int)nread));
		return;
	}
	rc = mp_proto_framer_feed(&c->fr, buf->base, (size_t)nread, mp__server_on_line, c);
	if (rc == -EMSGSIZE && !c->closing) {
		mp_warn("%s sent a message longer than %d bytes; closing the connection",
			c->peer, MP_PROTO_LINE_MAX);
		mp_proto_reply_error(&rep, NULL, MP_PROTO_ETOOBIG,
				     "message longer than %d bytes; closing the connection",
				     MP_PROTO_LINE_MAX);
		c->close_why = "message too long";
		mp__server_send_reply(c, &rep, 1);
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

void mp__server_on_connection(uv_stream_t *ls, int status)
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
		mp__server_conn_close(c, "accept failed");
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	peer_name(&c->tcp, c->peer, sizeof(c->peer));
	c->accepted_ns = c->last_rx_ns = mp_now_ns();
	if (s->closing) {
		mp__server_conn_close(c, "agent shutting down");
		return;
	}
	if (s->ctl) {
		if (s->refusing >= MP_SERVER_REFUSING_MAX) {
			mp__server_conn_close(c, "too many refused connections");
			return;
		}
		c->refused = 1;
		c->close_why = "refused: another controller is connected";
		s->refusing++;
		mp_info("refusing %s: controller %s is connected", c->peer, s->ctl->peer);
		mp_proto_reply_error(&rep, NULL, MP_PROTO_EBUSY,
				     "another controller (%s) is connected to this agent; it serves one at a time: "
				     "retry after that one disconnects", s->ctl->peer);
		mp__server_send_reply(c, &rep, 1);
		return;
	}
	s->ctl = c;
	mp_info("connection from %s", c->peer);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}
