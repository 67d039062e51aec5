/* hello and auth, as the client sees them (agentc_internal.h): the agent's
 * version, engine and limits kept; our proof sent; the agent's proof
 * checked. A refusal that cannot pass (wrong token either way, another
 * protocol version) ends the connect phase; any other is retried. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/auth.h"
#include "common/log.h"
#include "common/proto.h"
#include "controller/host/agentc_internal.h"

void mp__agentc_handshake_reply(struct mp_agentc *ac, const struct mp_proto_reply *rep)
{
	char msg[2 * MP_PROTO_MSG_MAX];
	struct mp_proto_request r = { .op = MP_PROTO_AUTH };
	uint8_t want[MP_AUTH_PROOF_LEN];
	int ok;

	if (rep->has_id && rep->id != ac->hs_id)
		return;                         /* stale */
	if (rep->code != MP_PROTO_OK) {
		snprintf(msg, sizeof(msg), "agent at %s: %s: %s", ac->addr_text,
			 mp_proto_code_name(rep->code), rep->msg);
		if (rep->code == MP_PROTO_EAUTH)
			mp__agentc_connect_done(ac, -EACCES, msg);
		else if (rep->code == MP_PROTO_EVERSION)
			mp__agentc_connect_done(ac, -EPROTONOSUPPORT, msg);
		else
			mp__agentc_attempt_failed(ac, msg);    /* EBUSY: another controller */
		return;
	}
	if (!rep->has_op || rep->op != ac->hs_op) {
		mp__agentc_attempt_failed(ac, "the agent answered out of turn");
		return;
	}
	if (ac->hs_op == MP_PROTO_HELLO) {
		if (rep->u.hello.version != MP_PROTO_VERSION) {
			snprintf(msg, sizeof(msg), "agent at %s speaks protocol version %u, we speak %d",
				 ac->addr_text, rep->u.hello.version, MP_PROTO_VERSION);
			mp__agentc_connect_done(ac, -EPROTONOSUPPORT, msg);
			return;
		}
		snprintf(ac->engine, sizeof(ac->engine), "%s", rep->u.hello.engine);
		snprintf(ac->agent_version, sizeof(ac->agent_version), "%s", rep->u.hello.agent);
		snprintf(ac->rx_dev, sizeof(ac->rx_dev), "%s", rep->u.hello.rx_dev);
		snprintf(ac->rx_netns, sizeof(ac->rx_netns), "%s", rep->u.hello.rx_netns);
		ac->max_pps = rep->u.hello.max_pps;
		memcpy(ac->server_nonce, rep->u.hello.nonce, MP_AUTH_NONCE_LEN);
		mp_auth_nonce(ac->client_nonce);
		memcpy(r.u.auth.nonce, ac->client_nonce, MP_AUTH_NONCE_LEN);
		mp_auth_client_proof(ac->token, ac->server_nonce, ac->client_nonce, r.u.auth.proof);
		r.id = ac->hs_id = ac->next_id++;
		ac->hs_op = MP_PROTO_AUTH;
		ok = mp__agentc_send_line(ac, &r) == 0;
		mp_auth_wipe(&r, sizeof(r));
		if (!ok) {
			mp__agentc_attempt_failed(ac, "could not send auth");
			return;
		}
		mp__agentc_arm_step(ac);
		return;
	}
	mp_auth_server_proof(ac->token, ac->server_nonce, ac->client_nonce, want);
	ok = mp_auth_proof_equal(want, rep->u.auth.proof);
	mp_auth_wipe(want, sizeof(want));
	if (!ok) {
		snprintf(msg, sizeof(msg),
			 "the agent at %s could not prove it holds our token: it is not the agent "
			 "configured, or its --token-file differs from ours", ac->addr_text);
		mp__agentc_connect_done(ac, -EACCES, msg);
		return;
	}
	mp_info("connected to the agent at %s (engine %s, agent %s, %u attempt%s)",
		ac->addr_text, ac->engine, ac->agent_version, ac->attempts,
		ac->attempts == 1 ? "" : "s");
	mp__agentc_connect_done(ac, 0, "");
}
