/* Line framing for the control channel's byte stream (docs/protocol.md):
 * bytes go in, complete lines of at most MP_PROTO_LINE_MAX bytes come out.
 * The agent's server and the controller's client each keep one per
 * connection; what a line means is proto.h's business. */
#ifndef MP_PROTO_FRAMER_H
#define MP_PROTO_FRAMER_H

#include <stddef.h>

#include "common/proto.h"

struct mp_proto_framer {
	char buf[MP_PROTO_LINE_MAX + 1];
	size_t len;
	int overflow;   /* a line longer than MP_PROTO_LINE_MAX was seen */
};

/* Called once per complete line, without its '\n' (a '\r' before it is kept:
 * JSON treats it as whitespace). Return non-zero to stop consuming. */
typedef int (*mp_proto_line_fn)(void *arg, const char *line, size_t len);

void mp_proto_framer_init(struct mp_proto_framer *f);

/* Appends `n` bytes and calls `fn` for each complete line, in order.
 * Returns 0 when every byte was consumed, the callback's non-zero value when
 * it asked to stop (remaining bytes are dropped), or -EMSGSIZE as soon as the
 * pending line exceeds MP_PROTO_LINE_MAX (the stream cannot be resynchronised
 * safely: the caller replies ETOOBIG and closes). */
int mp_proto_framer_feed(struct mp_proto_framer *f, const char *data, size_t n,
			 mp_proto_line_fn fn, void *arg);

#endif
