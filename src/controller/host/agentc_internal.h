/* What the agent client's files share: agentc.c (its life and public
 * calls), agentc_conn.c (the connection: connecting, lines, keepalives),
 * agentc_handshake.c (hello and auth) and agentc_queue.c (the requests).
 * Not for other files: they use agentc.h. */
#ifndef MP_AGENTC_INTERNAL_H
#define MP_AGENTC_INTERNAL_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/auth.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/proto.h"
#include "common/proto_framer.h"
#include "controller/host/agentc.h"

#define READ_CHUNK 4096
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

/* Milliseconds for a libuv timer: ns rounded up, at least 1. */
static inline uint64_t mp__agentc_ns_to_ms(uint64_t ns)
{
	uint64_t ms = (ns + MP_NS_PER_MS - 1) / MP_NS_PER_MS;

	return ms ? ms : 1;
}

/* A time for a message, to the millisecond. */
static inline void mp__agentc_format_ns(uint64_t ns, char *buf, size_t len)
{
	mp_duration_format(ns / MP_NS_PER_MS * MP_NS_PER_MS, buf, len);
}

/* ---- the client's life (agentc.c) ---- */

/* Frees the client once it is closing and its last handle is closed (the
 * refused requests' callbacks run first). */
void mp__agentc_free_if_done(struct mp_agentc *ac);

/* ---- the connection (agentc_conn.c) ---- */

/* Sends one request line on the live connection. Returns 0 or negative
 * (-ENOTCONN, -ENOMEM, the encoder's -EINVAL or -EMSGSIZE, libuv's). */
int mp__agentc_send_line(struct mp_agentc *ac, const struct mp_proto_request *r);
/* Closes the live connection, if any (freed in its close callback). */
void mp__agentc_conn_drop(struct mp_agentc *ac);
/* The authenticated connection is gone: fail what is pending, and say so. */
void mp__agentc_conn_lost(struct mp_agentc *ac, const char *why);
/* Ends the connect phase (READY on status 0, else IDLE); the connect
 * callback runs once. */
void mp__agentc_connect_done(struct mp_agentc *ac, int status, const char *msg);
/* Arms the timer bounding one handshake step (TCP connect, hello, auth). */
void mp__agentc_arm_step(struct mp_agentc *ac);
/* One attempt failed for a reason that may pass (agent booting or busy):
 * wait and retry, or give up at the deadline. */
void mp__agentc_attempt_failed(struct mp_agentc *ac, const char *why);

/* ---- hello and auth (agentc_handshake.c) ---- */

/* A reply while connecting: hello's answered with auth, auth's checked. */
void mp__agentc_handshake_reply(struct mp_agentc *ac, const struct mp_proto_reply *rep);

/* ---- the requests (agentc_queue.c) ---- */

/* Runs the callbacks of refused requests, and of those they refuse. */
void mp__agentc_run_refused(struct mp_agentc *ac);
/* Runs the queue from the loop, soon (not while closing). */
void mp__agentc_pump_soon(struct mp_agentc *ac);
/* Fails the requests queued now (not those their callbacks queue). */
void mp__agentc_fail_all(struct mp_agentc *ac, int status, const char *msg);
/* Queues a request; returns it, or NULL when it was refused (closing, out
 * of memory: its callback then runs from the loop with the reason). */
struct req *mp__agentc_enqueue(struct mp_agentc *ac, enum mp_proto_op op,
			       const struct mp_traffic *t, mp_agentc_cb cb, void *arg);
/* A reply while ready: the outstanding request's, or a late or a
 * keepalive's one (ignored). */
void mp__agentc_ready_reply(struct mp_agentc *ac, const struct mp_proto_reply *rep);

#endif
