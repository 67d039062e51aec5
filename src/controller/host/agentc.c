/* The controller's client for the agent's control channel (agentc.h): its
 * life (created, closed, freed once every handle is closed) and its public
 * calls. The connection is agentc_conn.c's, hello and auth
 * agentc_handshake.c's, the requests agentc_queue.c's. */
#include "controller/host/agentc.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"
#include "common/log.h"
#include "common/proto.h"
#include "controller/host/agentc_internal.h"

void mp__agentc_free_if_done(struct mp_agentc *ac)
{
	if (ac->state == AC_CLOSING && ac->handles_open == 0) {
		mp__agentc_run_refused(ac);        /* the last handle's close: from the loop */
		mp_auth_token_free(ac->token);
		mp_auth_wipe(ac->client_nonce, sizeof(ac->client_nonce));
		free(ac);
	}
}

static void on_handle_closed(uv_handle_t *h)
{
	struct mp_agentc *ac = h->data;

	ac->handles_open--;
	mp__agentc_free_if_done(ac);
}

/* ---- public ------------------------------------------------------------- */

int mp_agentc_new(uv_loop_t *loop, const char *ip, uint16_t port, const char *token_file,
		  uint64_t request_timeout_ns, struct mp_agentc **out)
{
	uv_timer_t *timers[4];
	struct mp_agentc *ac;
	char err[MP_PROTO_MSG_MAX];
	int rc;

	*out = NULL;
	ac = calloc(1, sizeof(*ac));
	if (!ac)
		return -ENOMEM;
	ac->addr.sin_family = AF_INET;
	ac->addr.sin_port = htons(port);
	if (!ip || inet_pton(AF_INET, ip, &ac->addr.sin_addr) != 1 || port == 0 ||
	    request_timeout_ns == 0) {
		mp_err("agent address %s:%u: expected an IPv4 address and a port", ip ? ip : "(none)",
		       port);
		free(ac);
		return -EINVAL;
	}
	snprintf(ac->addr_text, sizeof(ac->addr_text), "%s:%u", ip, port);
	rc = mp_auth_token_load(token_file, &ac->token, err, sizeof(err));
	if (rc < 0) {
		mp_err("%s", err);
		free(ac);
		return rc;
	}
	ac->loop = loop;
	ac->req_timeout_ns = request_timeout_ns;
	ac->state = AC_IDLE;
	ac->next_id = 1;
	timers[0] = &ac->retry_timer;
	timers[1] = &ac->req_timer;
	timers[2] = &ac->ka_timer;
	timers[3] = &ac->pump_timer;
	for (int i = 0; i < 4; i++) {
		uv_timer_init(loop, timers[i]);
		timers[i]->data = ac;
		ac->handles_open++;
	}
	*out = ac;
	return 0;
}

void mp_agentc_configure(struct mp_agentc *ac, const struct mp_traffic *t,
			 mp_agentc_cb cb, void *arg)
{
	mp__agentc_enqueue(ac, MP_PROTO_CONFIGURE, t, cb, arg);
}

void mp_agentc_start(struct mp_agentc *ac, mp_agentc_cb cb, void *arg)
{
	mp__agentc_enqueue(ac, MP_PROTO_START, NULL, cb, arg);
}

int mp_agentc_broken(int status)
{
	return status == -ECONNRESET || status == -EPIPE || status == -ETIMEDOUT ||
	       status == -ECANCELED || status == -ENOTCONN || status == -ECONNREFUSED;
}

void mp_agentc_stop(struct mp_agentc *ac, mp_agentc_cb cb, void *arg)
{
	mp__agentc_enqueue(ac, MP_PROTO_STOP, NULL, cb, arg);
}

void mp_agentc_stats(struct mp_agentc *ac, mp_agentc_cb cb, void *arg)
{
	mp__agentc_enqueue(ac, MP_PROTO_STATS, NULL, cb, arg);
}

void mp_agentc_rx(struct mp_agentc *ac, struct mp_agent_rx *rx, mp_agentc_cb cb, void *arg)
{
	struct req *r = mp__agentc_enqueue(ac, MP_PROTO_RX, NULL, cb, arg);

	if (r)
		r->rx = rx;
}

void mp_agentc_rx_series(struct mp_agentc *ac, struct mp_agent_rx *rx, mp_agentc_cb cb,
			 void *arg)
{
	struct req *r = mp__agentc_enqueue(ac, MP_PROTO_RX_SERIES, NULL, cb, arg);

	if (r)
		r->rx = rx;
}

void mp_agentc_tcp_start(struct mp_agentc *ac, const struct mp_tcp_spec *s, mp_agentc_cb cb,
			 void *arg)
{
	struct req *r = mp__agentc_enqueue(ac, MP_PROTO_TCP_START, NULL, cb, arg);

	if (r)
		r->tcp = *s;
}

void mp_agentc_tcp_status(struct mp_agentc *ac, struct mp_tcp_result *out, mp_agentc_cb cb,
			  void *arg)
{
	struct req *r = mp__agentc_enqueue(ac, MP_PROTO_TCP_STATUS, NULL, cb, arg);

	if (r)
		r->tcp_out = out;
}

void mp_agentc_tcp_stop(struct mp_agentc *ac, struct mp_tcp_result *out, mp_agentc_cb cb,
			void *arg)
{
	struct req *r = mp__agentc_enqueue(ac, MP_PROTO_TCP_STOP, NULL, cb, arg);

	if (r)
		r->tcp_out = out;
}

const char *mp_agentc_rx_netns(const struct mp_agentc *ac)
{
	return ac->rx_netns;
}

const char *mp_agentc_rx_dev(const struct mp_agentc *ac)
{
	return ac->rx_dev;
}

const char *mp_agentc_engine(const struct mp_agentc *ac)
{
	return ac->engine;
}

const char *mp_agentc_agent_version(const struct mp_agentc *ac)
{
	return ac->agent_version;
}

uint64_t mp_agentc_max_pps(const struct mp_agentc *ac)
{
	return ac->max_pps;
}

void mp_agentc_close(struct mp_agentc *ac)
{
	uv_timer_t *timers[4] = { &ac->retry_timer, &ac->req_timer, &ac->ka_timer,
				  &ac->pump_timer };
	struct mp_proto_request bye = { .op = MP_PROTO_BYE };
	mp_agentc_cb cb = ac->connect_cb;

	assert(ac->state != AC_CLOSING);
	if (ac->state == AC_READY) {
		/* uv_write tries at once, so the bye is on its way before the
		 * close; if the socket is full it is dropped, which is harmless. */
		bye.id = ac->next_id++;
		mp__agentc_send_line(ac, &bye);
	}
	ac->state = AC_CLOSING;
	ac->connect_cb = NULL;
	mp__agentc_conn_drop(ac);
	for (int i = 0; i < 4; i++)
		uv_close((uv_handle_t *)timers[i], on_handle_closed);
	if (cb)
		cb(ac, -ECANCELED, "the agent client was closed", NULL, ac->connect_arg);
	mp__agentc_fail_all(ac, -ECANCELED, "the agent client was closed");
	mp_auth_wipe(ac->client_nonce, sizeof(ac->client_nonce));
}
