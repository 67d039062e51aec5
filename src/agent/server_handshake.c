/* hello and auth on the agent's server (server_internal.h): a nonce per
 * connection, used once; the controller proves it holds the token, then the
 * agent proves it too (common/auth.h). Until then no other request runs. */
#include <stdio.h>
#include <string.h>

#include "agent/server_internal.h"
#include "common/auth.h"
#include "common/log.h"
#include "common/proto.h"

void mp__server_hello(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	struct mp_proto_reply rep;

	if (c->state == CONN_AUTHED) {
		mp__server_reply_error(c, req, MP_PROTO_ESTATE,
				       "already authenticated on this connection");
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
	mp__server_send_reply(c, &rep, 0);
}

void mp__server_auth(struct conn *c, const struct mp_proto_request *req)
{
	struct mp_server *s = c->srv;
	uint8_t want[MP_AUTH_PROOF_LEN];
	struct mp_proto_reply rep;
	char shown[MP_AUTH_LOG_HEX + 1];
	int good;

	if (c->state == CONN_AUTHED) {
		mp__server_reply_error(c, req, MP_PROTO_ESTATE,
				       "already authenticated on this connection");
		return;
	}
	if (!c->nonce_live) {
		mp__server_reply_error(c, req, MP_PROTO_ESTATE,
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
		mp__server_send_reply(c, &rep, 1);
		return;
	}
	mp_proto_reply_ok(&rep, req);
	mp_auth_server_proof(s->o.token, c->nonce, req->u.auth.nonce, rep.u.auth.proof);
	mp_auth_wipe(c->nonce, sizeof(c->nonce));
	c->state = CONN_AUTHED;
	mp_info("controller %s authenticated", c->peer);
	mp__server_send_reply(c, &rep, 0);
	mp_auth_wipe(rep.u.auth.proof, sizeof(rep.u.auth.proof));
}
