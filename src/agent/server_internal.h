/* What the agent's server files share: server.c (its life, the traffic it
 * owns, the tick), server_conn.c (connections), server_handshake.c (hello
 * and auth) and server_ops.c (the other requests). Not for other files:
 * they use server.h. */
#ifndef MP_SERVER_INTERNAL_H
#define MP_SERVER_INTERNAL_H

#include <arpa/inet.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "agent/server.h"
#include "common/auth.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/proto_framer.h"

#define READ_CHUNK 4096
#define PEER_MAX (INET6_ADDRSTRLEN + 8)

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

/* ---- the server's life and its traffic (server.c) ---- */

/* Frees the server, and runs its done callback, once it is closing and its
 * last handle and connection are closed. */
void mp__server_free_if_done(struct mp_server *s);
/* A TCP run goes on. */
int mp__server_tcp_running(const struct mp_server *s);
/* The receiver takes frames again once no TCP run goes on. */
void mp__server_receiver_resume(struct mp_server *s);
/* Stops the engine if traffic was started, and a TCP run, and logs why,
 * with what was sent. */
void mp__server_traffic_stop(struct mp_server *s, enum mp_log_level lvl, const char *why);

/* ---- connections (server_conn.c) ---- */

/* The listener's callback: accepts, serves one controller, refuses others. */
void mp__server_on_connection(uv_stream_t *ls, int status);
/* Sends a reply; with close_after, the connection closes once it is out. */
void mp__server_send_reply(struct conn *c, const struct mp_proto_reply *rep, int close_after);
/* Sends an error reply to req (may be NULL), logged at debug level. */
void mp__server_reply_error(struct conn *c, const struct mp_proto_request *req,
			    enum mp_proto_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Closes the connection (at most once), stopping the traffic of the
 * controller's own; why (NULL: "closed by the agent") is logged. */
void mp__server_conn_close(struct conn *c, const char *why);

/* ---- requests (server_handshake.c, server_ops.c) ---- */

void mp__server_hello(struct conn *c, const struct mp_proto_request *req);
void mp__server_auth(struct conn *c, const struct mp_proto_request *req);
/* The framer's callback: handles one line. Returns non-zero when the
 * connection is closing. */
int mp__server_on_line(void *arg, const char *line, size_t len);

#endif
