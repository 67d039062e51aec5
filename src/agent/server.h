/* The agent's control-channel server (docs/protocol.md): a TCP listener on
 * one libuv loop, one authenticated controller at a time, driving one traffic
 * engine.
 *
 * Safety contract: traffic (the engine's, or a TCP run) runs only while an
 * authenticated controller is connected and talking. It is stopped
 * (mp_engine_stop, mp_tcp_stop) when the controller
 * sends nothing for `deadman_ns`, when its connection drops, and when the
 * server closes; each time the agent logs why. Requests are checked against
 * the agent's limits (only `dev`, at most `max_pps`, frames within
 * MP_FRAME_MIN..MTU + MP_ETH_HLEN) before anything reaches the engine.
 *
 * Its files (server_internal.h): server.c (its life, the traffic it owns,
 * the tick), server_conn.c (connections), server_handshake.c (hello and
 * auth), server_ops.c (every other request). */
#ifndef MP_SERVER_H
#define MP_SERVER_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "agent/engine.h"
#include "agent/receiver.h"
#include "agent/tcp.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/mac.h"

#define MP_SERVER_TICK_MS 100                       /* housekeeping period */
#define MP_SERVER_HANDSHAKE_NS (10ULL * MP_NS_PER_SEC) /* hello+auth must end by then */
#define MP_SERVER_IDLE_NS (30ULL * MP_NS_PER_SEC)      /* silent controller is dropped */
#define MP_SERVER_WRITE_QUEUE_MAX (64 * 1024)       /* bytes a peer may leave unread */
/* A second controller is refused with EBUSY (not queued); at most this
 * many such replies are in flight. */
#define MP_SERVER_REFUSING_MAX 16
#define MP_SERVER_DEADMAN_DEFAULT_NS (3ULL * MP_NS_PER_SEC)
#define MP_SERVER_MAX_PPS_DEFAULT 2000000ULL

struct mp_server_opts {
	struct sockaddr_in listen;          /* port 0: any free port */
	const char *dev;                    /* the only interface traffic may use */
	uint64_t max_pps;                   /* rate ceiling, also for "max" */
	uint64_t deadman_ns;                /* > 0 */
	const struct mp_auth_token *token;  /* borrowed, outlives the server */
	struct mp_engine *engine;           /* borrowed; stopped, switched to the kind
					     * a configure asks for, never destroyed */
	const char *agent_version;          /* reported in hello */
	struct mp_receiver *receiver;       /* borrowed, may be NULL (no --rx-dev) */
	const char *rx_dev;                 /* its interface, reported in hello */
	struct mp_tcp *tcp;                 /* borrowed, may be NULL (no --rx-netns):
					     * TCP through the DUT, stopped as traffic is */
	const char *rx_netns;               /* the receiving side's namespace, in hello */
};

struct mp_server;

/* Binds and listens. Returns 0 and *out, or a negative errno with a message
 * for the user in err (e.g. address in use, address not on this host). */
int mp_server_start(uv_loop_t *loop, const struct mp_server_opts *opts,
		    struct mp_server **out, char *err, size_t errlen);

/* The port actually bound (useful when opts->listen had port 0). */
uint16_t mp_server_port(const struct mp_server *s);

/* Stops traffic, closes every connection and handle; `done` (may be NULL)
 * runs from the loop once everything is closed and the server freed. */
void mp_server_close(struct mp_server *s, void (*done)(void *arg), void *arg);

#endif
