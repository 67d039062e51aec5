/* The xenstored stand-in's engine in-process (src/testbed/xenstored/core.h
 * and path.h): path rules at their limits, and replies checked byte for
 * byte without a socket. */
#include "test.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <xenstore_lib.h>

#include "testbed/xenstored/core.h"
#include "testbed/xenstored/path.h"

TEST(xsd_path_rules)
{
	char out[MP_XSD_PATH_BUF], in[XENSTORE_ABS_PATH_MAX + 2];
	bool rel;

	ASSERT_EQ(mp_xsd_path_canon("/", false, out, &rel), 0);
	ASSERT_STREQ(out, "/");
	ASSERT(!rel);
	ASSERT_EQ(mp_xsd_path_canon("/a-b/c_d/@e/9", false, out, NULL), 0);
	ASSERT_EQ(mp_xsd_path_canon("x/y", false, out, &rel), 0);
	ASSERT_STREQ(out, "/local/domain/0/x/y");
	ASSERT(rel);
	{
		const char *bad[] = { "", "//", "/a/", "/a//b", "/a b", "/a\tb", "/é",
				      "x/", "x//y", "/a.b", "/a:b" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ASSERT_MSG(mp_xsd_path_canon(bad[i], false, out, NULL) == -EINVAL,
				   "\"%s\" accepted", bad[i]);
	}
	/* special names only where allowed (watches) */
	ASSERT_EQ(mp_xsd_path_canon("@introduceDomain", false, out, NULL), -EINVAL);
	ASSERT_EQ(mp_xsd_path_canon("@introduceDomain", true, out, NULL), 0);
	ASSERT_STREQ(out, "@introduceDomain");
	/* length limits, as C xenstored 4.17 measured: XENSTORE_REL_PATH_MAX
	 * past a "/local/domain/N/" prefix (relative paths have it), or in
	 * all; never over XENSTORE_ABS_PATH_MAX */
	in[0] = '/';
	memset(in + 1, 'a', XENSTORE_ABS_PATH_MAX);
	in[XENSTORE_REL_PATH_MAX] = '\0';
	ASSERT_EQ(mp_xsd_path_canon(in, false, out, NULL), 0);
	in[XENSTORE_REL_PATH_MAX] = 'a';
	in[XENSTORE_REL_PATH_MAX + 1] = '\0';
	ASSERT_EQ(mp_xsd_path_canon(in, false, out, NULL), -EINVAL);
	memset(in, 'a', sizeof(in));
	memcpy(in, "/local/domain/0/", 16);
	in[16 + XENSTORE_REL_PATH_MAX] = '\0';
	ASSERT_EQ(mp_xsd_path_canon(in, false, out, NULL), 0);
	in[16 + XENSTORE_REL_PATH_MAX] = 'a';
	in[16 + XENSTORE_REL_PATH_MAX + 1] = '\0';
	ASSERT_EQ(mp_xsd_path_canon(in, false, out, NULL), -EINVAL);
	memset(in, 'a', sizeof(in));
	memcpy(in, "/local/domain/123456/", 21);     /* not a domid: no prefix */
	in[XENSTORE_REL_PATH_MAX + 1] = '\0';
	ASSERT_EQ(mp_xsd_path_canon(in, false, out, NULL), -EINVAL);
	memset(in, 'r', XENSTORE_REL_PATH_MAX);
	in[XENSTORE_REL_PATH_MAX] = '\0';
	ASSERT_EQ(mp_xsd_path_canon(in, false, out, NULL), 0);
	in[XENSTORE_REL_PATH_MAX] = 'r';
	in[XENSTORE_REL_PATH_MAX + 1] = '\0';
	ASSERT_EQ(mp_xsd_path_canon(in, false, out, NULL), -EINVAL);

	ASSERT(mp_xsd_path_under("/a/b", "/a"));
	ASSERT(mp_xsd_path_under("/a", "/a"));
	ASSERT(mp_xsd_path_under("/a", "/"));
	ASSERT(!mp_xsd_path_under("/ab", "/a"));
	ASSERT(!mp_xsd_path_under("/a", "/a/b"));
	ASSERT_STREQ(mp_xsd_path_relative("/local/domain/0/x/y"), "x/y");
	ASSERT_STREQ(mp_xsd_path_relative("/local/domain/01"), "/local/domain/01");
}

/* Captures what the engine sends on one connection. */
struct capture {
	char buf[1 << 16];
	size_t len;
};

static void capture(void *ctx, const void *buf, size_t len)
{
	struct capture *c = ctx;

	ASSERT(c->len + len <= sizeof(c->buf));
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
}

/* Sends one request; returns the first message sent back (header in
 * *hdr, payload copied to body) and forgets the rest. */
static void call(struct mp_xsd_conn *conn, struct capture *cap, uint32_t type,
		 uint32_t req_id, uint32_t tx_id, const void *payload, uint32_t len,
		 struct xsd_sockmsg *hdr, char *body)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, len };
	char msg[sizeof(h) + XENSTORE_PAYLOAD_MAX];

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), payload, len);
	cap->len = 0;
	ASSERT_EQ(mp_xsd_conn_feed(conn, msg, sizeof(h) + len), 0);
	ASSERT(cap->len >= sizeof(*hdr));
	memcpy(hdr, cap->buf, sizeof(*hdr));
	ASSERT(hdr->len <= XENSTORE_PAYLOAD_MAX);
	ASSERT(cap->len >= sizeof(*hdr) + hdr->len);
	memcpy(body, cap->buf + sizeof(*hdr), hdr->len);
	body[hdr->len] = '\0';
}

/* Every implemented type answers with the request's type, req_id and
 * tx_id (libxenstore drops a connection whose reply does not match). */
TEST(xsd_core_replies_echo_headers)
{
	static const struct {
		uint32_t type;
		const char *payload;
		uint32_t len;
	} reqs[] = {
		{ XS_WRITE, "/e/k\0v", 6 },
		{ XS_READ, "/e/k", 5 },
		{ XS_MKDIR, "/e/m", 5 },
		{ XS_DIRECTORY, "/e", 3 },
		{ XS_DIRECTORY_PART, "/e\0" "0", 5 },
		{ XS_GET_PERMS, "/e", 3 },
		{ XS_SET_PERMS, "/e\0n0\0r3", 9 },
		{ XS_WATCH, "/e\0tok", 7 },
		{ XS_UNWATCH, "/e\0tok", 7 },
		{ XS_INTRODUCE, "3\0" "77\0" "5", 7 },
		{ XS_IS_DOMAIN_INTRODUCED, "3", 2 },
		{ XS_GET_DOMAIN_PATH, "3", 2 },
		{ XS_RELEASE, "3", 2 },
		{ XS_RM, "/e/m", 5 },
		{ XS_RESET_WATCHES, "", 1 },
		{ XS_TRANSACTION_START, "", 1 },
	};
	struct mp_xsd_core *core;
	struct mp_xsd_conn *conn;
	static struct capture cap;
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t tx;

	ASSERT_EQ(mp_xsd_core_new(&core), 0);
	ASSERT_EQ(mp_xsd_conn_new(core, capture, &cap, &conn), 0);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		uint32_t id = 0x10000 + (uint32_t)i;

		call(conn, &cap, reqs[i].type, id, 0, reqs[i].payload, reqs[i].len,
		     &hdr, body);
		ASSERT_MSG(hdr.type == reqs[i].type, "type %u answered %u (\"%s\")",
			   reqs[i].type, hdr.type, body);
		ASSERT_EQ(hdr.req_id, id);
		ASSERT_EQ(hdr.tx_id, 0);
	}
	tx = (uint32_t)strtoul(body, NULL, 10);
	ASSERT(tx != 0);
	call(conn, &cap, XS_READ, 1, tx, "/e/k", 5, &hdr, body);
	ASSERT_EQ(hdr.type, XS_READ);
	ASSERT_EQ(hdr.tx_id, tx);
	ASSERT_STREQ(body, "v");
	call(conn, &cap, XS_TRANSACTION_END, 2, tx, "T", 2, &hdr, body);
	ASSERT_EQ(hdr.type, XS_TRANSACTION_END);
	ASSERT_EQ(hdr.tx_id, tx);
	ASSERT_STREQ(body, "OK");
	/* errors: type ERROR, ids echoed */
	call(conn, &cap, XS_READ, 99, 0, "/none", 6, &hdr, body);
	ASSERT_EQ(hdr.type, XS_ERROR);
	ASSERT_EQ(hdr.req_id, 99);
	ASSERT_STREQ(body, "ENOENT");
	mp_xsd_core_free(core);
}

/* A value filling a whole reply reads back whole; one byte more does not
 * fit a request. */
TEST(xsd_core_largest_value)
{
	struct mp_xsd_core *core;
	struct mp_xsd_conn *conn;
	static struct capture cap;
	struct xsd_sockmsg hdr;
	static char req[XENSTORE_PAYLOAD_MAX], body[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t vlen = XENSTORE_PAYLOAD_MAX - 3;      /* "/v\0" + value */

	ASSERT_EQ(mp_xsd_core_new(&core), 0);
	ASSERT_EQ(mp_xsd_conn_new(core, capture, &cap, &conn), 0);
	memcpy(req, "/v", 3);
	memset(req + 3, 'z', vlen);
	call(conn, &cap, XS_WRITE, 1, 0, req, XENSTORE_PAYLOAD_MAX, &hdr, body);
	ASSERT_STREQ(body, "OK");
	call(conn, &cap, XS_READ, 2, 0, "/v", 3, &hdr, body);
	ASSERT_EQ(hdr.type, XS_READ);
	ASSERT_EQ(hdr.len, vlen);
	ASSERT(memcmp(body, req + 3, vlen) == 0);
	{
		struct xsd_sockmsg big = { XS_WRITE, 3, 0, XENSTORE_PAYLOAD_MAX + 1 };

		ASSERT(mp_xsd_conn_feed(conn, &big, sizeof(big)) < 0);
	}
	mp_xsd_conn_free(conn);
	/* /, local, domain, 0, domid, name, and /v */
	ASSERT_EQ(mp_xsd_core_nodes(core), 7);
	mp_xsd_core_free(core);
}
