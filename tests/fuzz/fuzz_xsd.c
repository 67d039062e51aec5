/* libFuzzer target for the xenstored stand-in's protocol engine
 * (src/testbed/xenstored/core.h), over in-memory connections: no socket.
 *
 * Input: byte 0 picks how the rest is cut into reads (0: one read, n: reads
 * of n bytes), byte 1 which of two connections gets them (bit 0) and
 * whether the other one watches "/" (bit 1), so events cross connections.
 * The rest is raw client bytes: headers and payloads, valid or not.
 * Every message the engine sends is checked: a well-formed header, a
 * payload within XENSTORE_PAYLOAD_MAX, errors carrying a known errno name,
 * events shaped "path\0token\0". A protocol violation must be reported
 * (then the connection is replaced, as the server would). Sanitizers catch
 * the rest, leaks included (the store is freed after every input). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <xenstore_lib.h>

#include "testbed/xenstored/core.h"

#define WATCH_ALL "/\0fuzz\0"

struct sink {
	size_t msgs;
};

static void check_msg(void *ctx, const void *buf, size_t len)
{
	struct sink *s = ctx;
	struct xsd_sockmsg hdr;
	const char *body = (const char *)buf + sizeof(hdr);

	assert(len >= sizeof(hdr));
	memcpy(&hdr, buf, sizeof(hdr));
	assert(hdr.len <= XENSTORE_PAYLOAD_MAX);
	assert(len == sizeof(hdr) + hdr.len);
	if (hdr.type == XS_ERROR) {
		int known = 0;

		assert(hdr.len > 1 && body[hdr.len - 1] == '\0');
		for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
			known |= strcmp(body, xsd_errors[i].errstring) == 0;
		assert(known);
	} else if (hdr.type == XS_WATCH_EVENT) {
		/* "path\0token\0" */
		assert(hdr.req_id == 0 && hdr.tx_id == 0);
		assert(hdr.len >= 3 && body[hdr.len - 1] == '\0');
		assert(memchr(body, '\0', hdr.len) < (const void *)(body + hdr.len - 1));
	}
	s->msgs++;
}

static void feed(struct mp_xsd_core *core, struct mp_xsd_conn **c,
		 struct sink *s, const uint8_t *p, size_t n)
{
	if (mp_xsd_conn_feed(*c, p, n) < 0) {
		mp_xsd_conn_free(*c);
		if (mp_xsd_conn_new(core, check_msg, s, c) < 0)
			*c = NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_xsd_core *core;
	struct mp_xsd_conn *conn[2];
	struct sink sink[2] = { { 0 }, { 0 } };
	size_t chunk, target;

	if (size < 2)
		return 0;
	chunk = data[0];
	target = data[1] & 1;
	if (mp_xsd_core_new(&core) < 0)
		return 0;
	if (mp_xsd_conn_new(core, check_msg, &sink[0], &conn[0]) < 0 ||
	    mp_xsd_conn_new(core, check_msg, &sink[1], &conn[1]) < 0) {
		mp_xsd_core_free(core);
		return 0;
	}
	if (data[1] & 2) {
		struct xsd_sockmsg w = { XS_WATCH, 1, 0, sizeof(WATCH_ALL) - 1 };
		uint8_t msg[sizeof(w) + sizeof(WATCH_ALL) - 1];

		memcpy(msg, &w, sizeof(w));
		memcpy(msg + sizeof(w), WATCH_ALL, sizeof(WATCH_ALL) - 1);
		assert(mp_xsd_conn_feed(conn[!target], msg, sizeof(msg)) == 0);
		assert(sink[!target].msgs == 2);     /* OK + registration event */
	}
	data += 2;
	size -= 2;
	while (size > 0 && conn[target]) {
		size_t n = chunk && chunk < size ? chunk : size;

		feed(core, &conn[target], &sink[target], data, n);
		data += n;
		size -= n;
	}
	mp_xsd_core_free(core);     /* frees the connections too */
	return 0;
}
