/* TCP through the DUT, the agent's side (docs/protocol.md, ops tcp_start,
 * tcp_status, tcp_stop): one iperf3 run at a time between the data
 * interface (--dev, in the agent's namespace) and the receiving interface
 * (--rx-dev, in its own namespace: rxns.h), so that every byte and every
 * ACK crosses the DUT.
 *
 * A run: the two ends get the spec's addresses (a /24) and, if asked, the
 * traff-gen's TSO and GSO turned on or off on both interfaces (recorded as
 * they are during the run, with the other offloads); the iperf3 server
 * starts in the receiving namespace; once it listens, the client runs
 * (-t duration, -P streams, -R for reverse, JSON out). Its JSON gives the
 * figures (iperf.h). A run ends done or failed, never silently short:
 * iperf3's own error, a stalled second, its timeout (spec.timeout_ns from
 * the start), a stop (mp_tcp_stop: the controller, the dead-man, a lost
 * connection) each fail it with the reason. Either way both processes are
 * gone, and the addresses and offloads are as they were, before the state
 * says done or failed. The processes die with the agent (child.h). */
#ifndef MP_AGENT_TCP_H
#define MP_AGENT_TCP_H

#include <stddef.h>
#include <uv.h>

#include "agent/rxns.h"
#include "common/tcp.h"

/* Without a byte acknowledged or received for this long, iperf3 gives up
 * (--snd-timeout, --rcv-timeout); and it must connect within it. */
#define MP_TCP_STALL_MS 3000
/* The server must listen within this long of its start. */
#define MP_TCP_LISTEN_WAIT_MS 5000
/* After the client's end, how long the server (-1: one run) may take to
 * end by itself before it is killed. */
#define MP_TCP_SERVER_END_MS 2000
#define MP_TCP_POLL_MS 20

struct mp_tcp_opts {
	const char *dev;              /* the data interface, in the agent's namespace */
	const struct mp_rxns *rxns;   /* the receiving side (borrowed, outlives this) */
	const char *iperf3;           /* the program: a name in PATH or a path */
};

struct mp_tcp;

/* 0, or -ENOENT with a sentence in err when iperf3 cannot be found. */
int mp_tcp_new(uv_loop_t *loop, const struct mp_tcp_opts *o, struct mp_tcp **out, char *err,
	       size_t errlen);

/* Starts a run. 0; -EBUSY while one runs; another negative errno with a
 * sentence in err when it cannot start (nothing then runs). */
int mp_tcp_start(struct mp_tcp *t, const struct mp_tcp_spec *s, char *err, size_t errlen);

int mp_tcp_running(const struct mp_tcp *t);

/* The state now and, once done, the figures. */
void mp_tcp_status(const struct mp_tcp *t, struct mp_tcp_result *r);

/* Ends a running run now: failed, with `why`. Synchronous: the processes
 * are killed and reaped before it returns. */
void mp_tcp_stop(struct mp_tcp *t, const char *why);

/* Stops a run, closes the handles; the memory goes once they are closed.
 * NULL is allowed. */
void mp_tcp_close(struct mp_tcp *t);

#endif
