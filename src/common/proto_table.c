/* The protocol's tables (proto.h): each op's wire name and the fields its
 * request takes, each error code's wire name and errno. Every reader of an
 * op or a code (the decoders, the encoders, the messages) goes through them. */
#include "common/proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/proto_internal.h"
#include "common/proto_tcp.h"

static const struct {
	const char *name;
	int negerr;
} codes[MP_PROTO_CODE_COUNT] = {
	[MP_PROTO_OK] = { "OK", 0 },
	[MP_PROTO_EPROTO] = { "EPROTO", -EPROTO },
	[MP_PROTO_EVERSION] = { "EVERSION", -EPROTONOSUPPORT },
	[MP_PROTO_ETOOBIG] = { "ETOOBIG", -EMSGSIZE },
	[MP_PROTO_EINVAL] = { "EINVAL", -EINVAL },
	[MP_PROTO_ELIMIT] = { "ELIMIT", -ERANGE },
	[MP_PROTO_EAUTH] = { "EAUTH", -EACCES },
	[MP_PROTO_ESTATE] = { "ESTATE", -EPERM },
	[MP_PROTO_EBUSY] = { "EBUSY", -EBUSY },
	[MP_PROTO_EENGINE] = { "EENGINE", -EIO },
};

/* The fields each request op takes besides v, id and op; NULL-terminated. */
static const char *const configure_fields[] = {
	"dev", "size", "rate", "duration", "count", "src_mac", "dst_mac",
	"src_ip", "dst_ip", "src_port", "dst_port", "measure_from", "measure_for", "imix",
	"engine", NULL
};
static const char *const auth_fields[] = { "nonce", "proof", NULL };
static const char *const page_fields[] = { "from", NULL };
static const char *const no_fields[] = { NULL };

/* The ops, one row each: the wire name and the fields a request takes. */
static const struct {
	const char *name;
	const char *const *fields;
} ops[MP_PROTO_OP_COUNT] = {
	[MP_PROTO_HELLO] = { "hello", no_fields },
	[MP_PROTO_AUTH] = { "auth", auth_fields },
	[MP_PROTO_CONFIGURE] = { "configure", configure_fields },
	[MP_PROTO_START] = { "start", no_fields },
	[MP_PROTO_STOP] = { "stop", no_fields },
	[MP_PROTO_STATS] = { "stats", no_fields },
	[MP_PROTO_KEEPALIVE] = { "keepalive", no_fields },
	[MP_PROTO_BYE] = { "bye", no_fields },
	[MP_PROTO_RX] = { "rx", page_fields },
	[MP_PROTO_RX_SERIES] = { "rx_series", page_fields },
	[MP_PROTO_TCP_START] = { "tcp_start", mp_proto_tcp_start_fields },
	[MP_PROTO_TCP_STATUS] = { "tcp_status", no_fields },
	[MP_PROTO_TCP_STOP] = { "tcp_stop", no_fields },
};

const char *const *mp__proto_op_fields(enum mp_proto_op op)
{
	return ops[op].fields;
}

/* "hello, auth, ...": every op's name, for messages. */
void mp__proto_op_list(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < MP_PROTO_OP_COUNT && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", ops[i].name);
}

const char *mp_proto_op_name(enum mp_proto_op op)
{
	return (unsigned)op < MP_PROTO_OP_COUNT ? ops[op].name : "?";
}

const char *mp_proto_code_name(enum mp_proto_code code)
{
	return (unsigned)code < MP_PROTO_CODE_COUNT ? codes[code].name : "?";
}

int mp_proto_code_errno(enum mp_proto_code code)
{
	return (unsigned)code < MP_PROTO_CODE_COUNT ? codes[code].negerr : -EPROTO;
}

int mp__proto_op_lookup(const char *name, enum mp_proto_op *op)
{
	for (int i = 0; i < MP_PROTO_OP_COUNT; i++)
		if (strcmp(ops[i].name, name) == 0) {
			*op = (enum mp_proto_op)i;
			return 0;
		}
	return -1;
}

int mp__proto_code_lookup(const char *name, enum mp_proto_code *code)
{
	for (int i = MP_PROTO_EPROTO; i < MP_PROTO_CODE_COUNT; i++)
		if (strcmp(codes[i].name, name) == 0) {
			*code = (enum mp_proto_code)i;
			return 0;
		}
	return -1;
}
