/* libFuzzer target for the control-channel codec: every input is fed to the
 * request decoder, the reply decoder and the line framer. Whatever decodes
 * must re-encode, and the re-encoded line must decode to the same value.
 * Build: clang -fsanitize=fuzzer,address,undefined -Isrc ... (tests/fuzz). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/proto.h"
#include "common/proto_framer.h"

#define BUF (MP_PROTO_LINE_MAX + 2)

static int count_line(void *arg, const char *line, size_t len)
{
	struct mp_proto_request req;
	struct mp_proto_reply err;

	(void)line;
	assert(len <= MP_PROTO_LINE_MAX);
	mp_proto_decode_request(line, len, &req, &err);
	++*(size_t *)arg;
	return 0;
}

static void check_request(const char *data, size_t size)
{
	struct mp_proto_request req, again;
	struct mp_proto_reply err;
	char buf[BUF];
	int n;

	if (mp_proto_decode_request(data, size, &req, &err) < 0) {
		/* the error reply is always sendable */
		assert(err.code != MP_PROTO_OK);
		assert(memchr(err.msg, '\0', sizeof(err.msg)));
		n = mp_proto_encode_reply(&err, buf, sizeof(buf));
		assert(n > 0 && buf[n - 1] == '\n' && !memchr(buf, '\n', (size_t)n - 1));
		return;
	}
	n = mp_proto_encode_request(&req, buf, sizeof(buf));
	assert(n > 0);
	assert(mp_proto_decode_request(buf, (size_t)n - 1, &again, &err) == 0);
	assert(again.id == req.id && again.op == req.op);
	assert(memcmp(&again.u, &req.u, sizeof(req.u)) == 0);
}

static void check_reply(const char *data, size_t size)
{
	struct mp_proto_reply rep, again;
	char buf[BUF], err[MP_PROTO_MSG_MAX];
	int n;

	if (mp_proto_decode_reply(data, size, &rep, err, sizeof(err)) < 0)
		return;
	n = mp_proto_encode_reply(&rep, buf, sizeof(buf));
	assert(n > 0);
	assert(mp_proto_decode_reply(buf, (size_t)n - 1, &again, err, sizeof(err)) == 0);
	assert(again.code == rep.code && again.has_id == rep.has_id && again.id == rep.id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mp_proto_framer f;
	size_t lines = 0;

	check_request((const char *)data, size);
	check_reply((const char *)data, size);
	mp_proto_framer_init(&f);
	mp_proto_framer_feed(&f, (const char *)data, size, count_line, &lines);
	return 0;
}
