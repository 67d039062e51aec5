/* The controller's client for the agent's control channel
 * (docs/protocol.md), on the controller's single libuv loop.
 *
 * Requests are queued FIFO with one outstanding at a time; each has the
 * request timeout (status -ETIMEDOUT). While connected, a keepalive goes out
 * every MP_AGENTC_KEEPALIVE_MS, well under the agent's dead-man (3 s by
 * default). A dropped connection fails the pending requests with
 * -ECONNRESET and is logged; there is no silent reconnection: later requests
 * fail with -ENOTCONN until mp_agentc_connect() is called again.
 *
 * Callbacks always run from the loop, never from inside the call that
 * queued them (a request queued while the client closes gets -ECANCELED,
 * one that finds no memory -ENOMEM, from the loop too; should memory run out
 * twice before the loop runs, the process aborts with a message); they may
 * queue further requests or call mp_agentc_close().
 *
 * Its files (agentc_internal.h): agentc.c (its life, these calls),
 * agentc_conn.c (connecting, lines, keepalives, a lost connection),
 * agentc_handshake.c (hello and auth), agentc_queue.c (the requests). */
#ifndef MP_AGENTC_H
#define MP_AGENTC_H

#include <stdint.h>
#include <uv.h>

#include "common/hist.h"
#include "common/tcp.h"
#include "common/traffic.h"

#define MP_AGENTC_KEEPALIVE_MS 1000     /* well under the agent's dead-man */
#define MP_AGENTC_BACKOFF_FIRST_MS 100  /* first wait between connect attempts */
#define MP_AGENTC_BACKOFF_MAX_MS 2000   /* the wait doubles up to this */

struct mp_agentc;

struct mp_agent_stats {
	struct mp_traffic_counters c;
	int running;
};

/* status 0 or a negative errno; msg: the agent's error message or a local
 * description (never NULL; "" on success); st: counters for stop and stats,
 * else NULL. */
typedef void (*mp_agentc_cb)(struct mp_agentc *ac, int status, const char *msg,
			     const struct mp_agent_stats *st, void *arg);

/* Creates a client for the agent at ip:port (IPv4 literal) with the token
 * read from token_file (same rules as the agent: mode 600, >= 16 bytes).
 * Nothing is sent until mp_agentc_connect(). Returns 0, or -EINVAL (bad
 * address or timeout), or the token file's error (logged with what to do). */
int mp_agentc_new(uv_loop_t *loop, const char *ip, uint16_t port, const char *token_file,
		  uint64_t request_timeout_ns, struct mp_agentc **out);

/* Connect + hello + auth, retrying with exponential back-off (100 ms doubling
 * to 2 s) while the agent boots or is busy with another controller, until
 * authenticated (status 0) or total_timeout_ns elapses (-ETIMEDOUT; msg names
 * the address, the attempts and the last error). An authentication failure
 * either way (the agent refuses our proof, or its proof is wrong) is final:
 * -EACCES. A protocol version mismatch is final: -EPROTONOSUPPORT. */
void mp_agentc_connect(struct mp_agentc *ac, uint64_t total_timeout_ns,
		       mp_agentc_cb cb, void *arg);

/* Whether a request's failure `status` means the connection is no longer
 * usable (lost, timed out, closed, never made): the caller connects again
 * before its next request. */
int mp_agentc_broken(int status);

void mp_agentc_configure(struct mp_agentc *ac, const struct mp_traffic *t,
			 mp_agentc_cb cb, void *arg);
void mp_agentc_start(struct mp_agentc *ac, mp_agentc_cb cb, void *arg);
/* st = the final counters. */
void mp_agentc_stop(struct mp_agentc *ac, mp_agentc_cb cb, void *arg);
void mp_agentc_stats(struct mp_agentc *ac, mp_agentc_cb cb, void *arg);

/* What the agent's receiver saw (docs/protocol.md, ops rx and rx_series). */
struct mp_agent_rx {
	struct mp_rx_counters c;
	struct mp_hist *hist;            /* the caller's (mp_hist_new); reset and filled */
	struct mp_rx_sample *series;     /* malloc'd by mp_agentc_rx_series; caller frees */
	size_t nseries;
};

/* Fetches the receiver's counters and its whole latency histogram, page by
 * page from one snapshot, into rx (hist's min, max and sum are the exact
 * ones). status -EPERM (ESTATE) when the agent has no receiver (--rx-dev). */
void mp_agentc_rx(struct mp_agentc *ac, struct mp_agent_rx *rx, mp_agentc_cb cb, void *arg);
/* Fetches the whole 100 ms series into rx->series (replacing it). */
void mp_agentc_rx_series(struct mp_agentc *ac, struct mp_agent_rx *rx, mp_agentc_cb cb,
			 void *arg);

/* TCP through the DUT (docs/protocol.md, ops tcp_start, tcp_status,
 * tcp_stop): starts one iperf3 run; its state (and, done, its figures) into
 * *out before cb runs with status 0; tcp_stop ends it now and gives the
 * same. -EPERM (ESTATE) when the agent cannot run TCP (no --rx-netns). */
void mp_agentc_tcp_start(struct mp_agentc *ac, const struct mp_tcp_spec *s, mp_agentc_cb cb,
			 void *arg);
void mp_agentc_tcp_status(struct mp_agentc *ac, struct mp_tcp_result *out, mp_agentc_cb cb,
			  void *arg);
void mp_agentc_tcp_stop(struct mp_agentc *ac, struct mp_tcp_result *out, mp_agentc_cb cb,
			void *arg);

/* What the agent said in hello (valid once connected; "" before). */
const char *mp_agentc_rx_dev(const struct mp_agentc *ac);
/* The receiving side's namespace: "" when the agent cannot run TCP. */
const char *mp_agentc_rx_netns(const struct mp_agentc *ac);
const char *mp_agentc_engine(const struct mp_agentc *ac);
const char *mp_agentc_agent_version(const struct mp_agentc *ac);
/* The highest rate the agent accepts (its --max-pps), pps; 0 before hello
 * or when the agent did not say. */
uint64_t mp_agentc_max_pps(const struct mp_agentc *ac);

/* Sends bye if connected, closes the handles and frees the client in their
 * close callbacks. Pending callbacks (connect included) get -ECANCELED,
 * before this returns. `ac` must not be used afterwards. */
void mp_agentc_close(struct mp_agentc *ac);

#endif
