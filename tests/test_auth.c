/* Control-channel authentication: token files, proofs, and the agent's
 * handling of right, wrong and replayed proofs and of requests sent before
 * authentication (over loopback; the agent helpers live in tagent.c). */
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/auth.h"
#include "common/err.h"
#include "common/proto.h"
#include "tagent.h"

#define SECRET "0123456789abcdef-the-shared-secret"
#define OTHER "fedcba9876543210-not-the-same-one"

static const char *tmp_file(const char *name)
{
	static char path[4][512];
	static int slot;

	slot = (slot + 1) % 4;
	snprintf(path[slot], sizeof(path[slot]), "%s/%s", mp_test_tmpdir(), name);
	return path[slot];
}

static const char *token_file(const char *name, const char *secret, mode_t mode)
{
	const char *p = tmp_file(name);

	mp_tagent_token(p, secret, mode);
	return p;
}

TEST(auth_token_file_rules)
{
	struct mp_auth_token *t = NULL;
	char err[512];
	const char *p;

	p = token_file("open", SECRET, 0644);
	ASSERT_EQ(mp_auth_token_load(p, &t, err, sizeof(err)), -EPERM);
	ASSERT(t == NULL);
	ASSERT_CONTAINS(err, "chmod 600 ");
	ASSERT_CONTAINS(err, p);
	p = token_file("groupread", SECRET, 0640);
	ASSERT_EQ(mp_auth_token_load(p, &t, err, sizeof(err)), -EPERM);
	p = token_file("short", "fifteen bytes!!", 0600);
	ASSERT_EQ(mp_auth_token_load(p, &t, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "15 bytes");
	ASSERT(!strstr(err, "fifteen"));            /* never the token itself */
	p = token_file("empty", "", 0600);
	ASSERT_EQ(mp_auth_token_load(p, &t, err, sizeof(err)), -EINVAL);
	p = token_file("newline-only", "\n", 0600);
	ASSERT_EQ(mp_auth_token_load(p, &t, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(mp_auth_token_load(tmp_file("missing"), &t, err, sizeof(err)), -ENOENT);
	ASSERT_EQ(mp_auth_token_load(mp_test_tmpdir(), &t, err, sizeof(err)) < 0, 1);
	p = token_file("sixteen", "exactly16bytes!!", 0600);
	ASSERT_EQ(mp_auth_token_load(p, &t, err, sizeof(err)), 0);
	mp_auth_token_free(t);
	p = token_file("good", SECRET, 0400);
	ASSERT_EQ(mp_auth_token_load(p, &t, err, sizeof(err)), 0);
	mp_auth_token_free(t);
	mp_auth_token_free(NULL);
}

TEST(auth_proofs_bind_token_nonces_and_direction)
{
	struct mp_auth_token *a, *a_nl, *b;
	uint8_t sn[MP_AUTH_NONCE_LEN], cn[MP_AUTH_NONCE_LEN], sn2[MP_AUTH_NONCE_LEN];
	uint8_t p1[MP_AUTH_PROOF_LEN], p2[MP_AUTH_PROOF_LEN];
	char err[512];

	ASSERT_EQ(mp_auth_token_load(token_file("a", SECRET, 0600), &a, err, sizeof(err)), 0);
	ASSERT_EQ(mp_auth_token_load(token_file("a-nl", SECRET "\n", 0600), &a_nl, err, sizeof(err)), 0);
	ASSERT_EQ(mp_auth_token_load(token_file("b", OTHER, 0600), &b, err, sizeof(err)), 0);
	mp_auth_nonce(sn);
	mp_auth_nonce(cn);
	mp_auth_nonce(sn2);
	ASSERT(memcmp(sn, cn, sizeof(sn)) != 0 && memcmp(sn, sn2, sizeof(sn)) != 0);

	mp_auth_client_proof(a, sn, cn, p1);
	mp_auth_client_proof(a, sn, cn, p2);
	ASSERT(mp_auth_proof_equal(p1, p2));          /* deterministic */
	mp_auth_client_proof(a_nl, sn, cn, p2);
	ASSERT(mp_auth_proof_equal(p1, p2));          /* trailing newline ignored */
	mp_auth_client_proof(b, sn, cn, p2);
	ASSERT(!mp_auth_proof_equal(p1, p2));         /* other token */
	mp_auth_client_proof(a, sn2, cn, p2);
	ASSERT(!mp_auth_proof_equal(p1, p2));         /* other server nonce */
	mp_auth_server_proof(a, sn, cn, p2);
	ASSERT(!mp_auth_proof_equal(p1, p2));         /* other direction */
	mp_auth_client_proof(a, cn, sn, p1);
	ASSERT(!mp_auth_proof_equal(p1, p2));         /* swapped nonces + label differ */
	mp_auth_token_free(a);
	mp_auth_token_free(a_nl);
	mp_auth_token_free(b);
}

TEST(auth_agent_accepts_right_token)
{
	struct mp_tagent a = { 0 };
	struct mp_proto_reply rep;
	const char *tok = token_file("token", SECRET, 0600);
	int fd;

	mp_tagent_start(&a, NULL, "127.0.0.1", tok, "lo", NULL);
	fd = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_login(fd, tok, &rep, NULL, 0);   /* also checks the agent's proof */
	ASSERT_MSG(rep.code == MP_PROTO_OK, "auth: %s", rep.msg);
	mp_traw_call(fd, "{\"v\":1,\"id\":3,\"op\":\"stats\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	close(fd);
	ASSERT(mp_tagent_wait_log(&a, "authenticated", 1, 5000));
	ASSERT_EQ(mp_tagent_stop(&a), 0);
}

TEST(auth_agent_refuses_wrong_token_and_logs_it)
{
	struct mp_tagent a = { 0 };
	struct mp_proto_reply rep;
	const char *tok = token_file("token", SECRET, 0600);
	const char *other = token_file("other", OTHER, 0600);
	char line[MP_PROTO_LINE_MAX + 2], buf[64], *log, *proof;
	int fd;

	mp_tagent_start(&a, NULL, "127.0.0.1", tok, "lo", NULL);
	fd = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_login(fd, other, &rep, line, sizeof(line));
	ASSERT_EQ(rep.code, MP_PROTO_EAUTH);
	ASSERT_CONTAINS(rep.msg, "token");
	ASSERT_EQ(mp_traw_recv(fd, buf, sizeof(buf)), -1);   /* and closed */
	close(fd);
	ASSERT(mp_tagent_wait_log(&a, "authentication failed from 127.0.0.1", 1, 5000));
	/* the log holds neither token nor the whole proof */
	log = mp_test_read_file(a.log);
	ASSERT(log);
	ASSERT(!strstr(log, SECRET) && !strstr(log, OTHER));
	proof = strstr(line, "\"proof\":\"");
	ASSERT(proof);
	proof[9 + 2 * MP_AUTH_PROOF_LEN] = '\0';
	ASSERT(!strstr(log, proof + 9));
	ASSERT_CONTAINS(log, "closed (authentication failed)");
	free(log);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
}

TEST(auth_replayed_proof_is_refused)
{
	struct mp_tagent a = { 0 };
	struct mp_proto_reply rep;
	const char *tok = token_file("token", SECRET, 0600);
	char captured[MP_PROTO_LINE_MAX + 2];
	int fd;

	mp_tagent_start(&a, NULL, "127.0.0.1", tok, "lo", NULL);
	fd = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_login(fd, tok, &rep, captured, sizeof(captured));
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	/* replay on the same connection: the nonce was single use */
	mp_traw_call(fd, captured, &rep);
	ASSERT_EQ(rep.code, MP_PROTO_ESTATE);
	mp_traw_call(fd, "{\"v\":1,\"id\":9,\"op\":\"bye\"}\n", &rep);
	close(fd);
	ASSERT(mp_tagent_wait_log(&a, "disconnected", 1, 5000));

	/* an eavesdropper replays the captured auth on a new connection */
	fd = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_call(fd, "{\"v\":1,\"id\":1,\"op\":\"hello\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	mp_traw_call(fd, captured, &rep);
	ASSERT_EQ(rep.code, MP_PROTO_EAUTH);
	close(fd);
	ASSERT(mp_tagent_wait_log(&a, "closed (authentication failed)", 1, 5000));

	/* without hello first, the replay is refused before any check */
	fd = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_call(fd, captured, &rep);
	ASSERT_EQ(rep.code, MP_PROTO_ESTATE);
	close(fd);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
}

TEST(auth_requests_before_auth_do_nothing)
{
	static const char *const ops[] = {
		"{\"v\":1,\"id\":1,\"op\":\"configure\",\"dev\":\"lo\",\"size\":60,\"rate\":10,"
		"\"dst_mac\":\"02:00:00:00:00:02\",\"src_ip\":\"127.0.0.1\",\"dst_ip\":\"127.0.0.2\","
		"\"src_port\":9,\"dst_port\":9}\n",
		"{\"v\":1,\"id\":2,\"op\":\"start\"}\n",
		"{\"v\":1,\"id\":3,\"op\":\"stats\"}\n",
		"{\"v\":1,\"id\":4,\"op\":\"stop\"}\n",
		"{\"v\":1,\"id\":5,\"op\":\"keepalive\"}\n",
		"{\"v\":1,\"id\":6,\"op\":\"bye\"}\n",
	};
	struct mp_tagent a = { 0 };
	struct mp_proto_reply rep;
	const char *tok = token_file("token", SECRET, 0600);
	int fd;

	mp_tagent_start(&a, NULL, "127.0.0.1", tok, "lo", NULL);
	fd = mp_traw_connect("127.0.0.1", a.port);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			mp_traw_call(fd, ops[i], &rep);
			ASSERT_MSG(rep.code == MP_PROTO_EAUTH, "%s got %s", ops[i],
				   mp_proto_code_name(rep.code));
			ASSERT_CONTAINS(rep.msg, "not authenticated");
		}
		/* after hello but before auth: the same */
		mp_traw_call(fd, "{\"v\":1,\"id\":7,\"op\":\"hello\"}\n", &rep);
		ASSERT_EQ(rep.code, MP_PROTO_OK);
	}
	close(fd);
	ASSERT(mp_tagent_wait_log(&a, "unauthenticated connection from", 1, 5000));
	/* and nothing happened: a proper login sees no configuration, no traffic */
	fd = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_login(fd, tok, &rep, NULL, 0);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	mp_traw_call(fd, "{\"v\":1,\"id\":20,\"op\":\"start\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_ESTATE);          /* never configured */
	mp_traw_call(fd, "{\"v\":1,\"id\":21,\"op\":\"stats\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	ASSERT_EQ(rep.u.stats.running, 0);
	ASSERT_EQ(rep.u.stats.c.packets, 0);
	close(fd);
	ASSERT_EQ(mp_tagent_log_count(&a, "traffic started"), 0);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
}

TEST(auth_agent_refuses_open_token_file)
{
	struct mp_run_result r;
	const char *tok = token_file("token", SECRET, 0644);
	char bin[4096];

	snprintf(bin, sizeof(bin), "%s", mp_test_bin("mir-perf-agent"));
	char *argv[] = { bin, "--listen", "127.0.0.1:0", "--token-file", (char *)tok,
			 "--dev", "lo", NULL };
	ASSERT_EQ(mp_run(argv, NULL, 10000, &r), 0);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	ASSERT_CONTAINS(r.err, "chmod 600");
	ASSERT_CONTAINS(r.err, tok);
	mp_run_result_free(&r);
}
