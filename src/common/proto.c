#include "common/proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/duration.h"
#include "common/engines.h"
#include "common/mac.h"
#include "common/proto_tcp.h"

/* Longest piece of client-supplied text quoted back in an error message. */
#define QUOTE_MAX 32
#define HEX_DIGITS "0123456789abcdef"

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

static const char *const *op_fields(enum mp_proto_op op)
{
	return ops[op].fields;
}

/* "hello, auth, ...": every op's name, for messages. */
static void op_list(char *buf, size_t len)
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

static int op_lookup(const char *name, enum mp_proto_op *op)
{
	for (int i = 0; i < MP_PROTO_OP_COUNT; i++)
		if (strcmp(ops[i].name, name) == 0) {
			*op = (enum mp_proto_op)i;
			return 0;
		}
	return -1;
}

static int code_lookup(const char *name, enum mp_proto_code *code)
{
	for (int i = MP_PROTO_EPROTO; i < MP_PROTO_CODE_COUNT; i++)
		if (strcmp(codes[i].name, name) == 0) {
			*code = (enum mp_proto_code)i;
			return 0;
		}
	return -1;
}

/* Copies text from the peer into dst for quoting in a message or a log line:
 * at most QUOTE_MAX characters, anything but printable ASCII as '?'. */
static const char *quote(char dst[QUOTE_MAX + 4], const char *src)
{
	size_t i;

	for (i = 0; src[i] && i < QUOTE_MAX; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (src[i]) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}

/* Copies src into dst (size n), printable ASCII only, truncated. */
static void copy_printable(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (n)
		dst[i] = '\0';
}

static void vset_msg(char *msg, size_t n, const char *fmt, va_list ap)
{
	char tmp[MP_PROTO_MSG_MAX];

	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	copy_printable(msg, n, tmp);
}

static void set_err(struct mp_proto_reply *err, enum mp_proto_code code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(struct mp_proto_reply *err, enum mp_proto_code code,
		    const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vset_msg(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static void set_text(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_text(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !n)
		return;
	va_start(ap, fmt);
	vset_msg(buf, n, fmt, ap);
	va_end(ap);
}

/* Exactly 2*n hex digits into n bytes. */
static int hex_decode(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = mp_hexval(s[2 * i]), lo = mp_hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = HEX_DIGITS[in[i] >> 4];
		out[2 * i + 1] = HEX_DIGITS[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* A JSON integer in 0..max. */
static int get_uint(const json_t *v, uint64_t max, uint64_t *out)
{
	json_int_t i;

	if (!json_is_integer(v))
		return -EINVAL;
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return -ERANGE;
	*out = (uint64_t)i;
	return 0;
}

/* Parses the JSON text of one line: length, NUL bytes, syntax, object. */
static json_t *load_object(const char *line, size_t len, char *why, size_t whylen,
			   int *toobig)
{
	json_error_t jerr;
	json_t *root;

	*toobig = 0;
	if (len > MP_PROTO_LINE_MAX) {
		*toobig = 1;
		set_text(why, whylen, "message of %zu bytes exceeds the %d-byte limit",
			 len, MP_PROTO_LINE_MAX);
		return NULL;
	}
	if (memchr(line, '\0', len)) {
		set_text(why, whylen, "message contains a NUL byte");
		return NULL;
	}
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		set_text(why, whylen, "not JSON: %s (column %d)", jerr.text, jerr.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		set_text(why, whylen, "message is not a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- requests ---------------------------------------------------------- */

struct field_ctx {
	const json_t *obj;
	struct mp_proto_reply *err;
	const char *op;
};

static const json_t *field(struct field_ctx *c, const char *name, int required)
{
	const json_t *v = json_object_get(c->obj, name);

	if (!v && required)
		set_err(c->err, MP_PROTO_EINVAL, "%s: missing field \"%s\"", c->op, name);
	return v;
}

static int field_uint(struct field_ctx *c, const char *name, uint64_t min,
		      uint64_t max, int required, uint64_t *out)
{
	const json_t *v = field(c, name, required);
	uint64_t x;

	if (!v)
		return required ? -EINVAL : 0;
	if (get_uint(v, max, &x) < 0 || x < min) {
		set_err(c->err, MP_PROTO_EINVAL,
			"%s: \"%s\" must be an integer from %llu to %llu", c->op, name,
			(unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static const char *field_str(struct field_ctx *c, const char *name, int required,
			     int *bad)
{
	const json_t *v = field(c, name, required);

	*bad = 0;
	if (!v) {
		*bad = required;
		return NULL;
	}
	if (!json_is_string(v)) {
		set_err(c->err, MP_PROTO_EINVAL, "%s: \"%s\" must be a string", c->op, name);
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

static int field_mac(struct field_ctx *c, const char *name, int required,
		     uint8_t mac[MP_MAC_LEN])
{
	char q[QUOTE_MAX + 4];
	int bad;
	const char *s = field_str(c, name, required, &bad);

	if (bad)
		return -EINVAL;
	if (!s)
		return 0;
	if (mp_mac_parse(s, mac) < 0) {
		set_err(c->err, MP_PROTO_EINVAL,
			"%s: \"%s\" is \"%s\", not a MAC address like 02:00:00:00:00:01",
			c->op, name, quote(q, s));
		return -EINVAL;
	}
	return 0;
}

static int field_ip(struct field_ctx *c, const char *name, struct in_addr *ip)
{
	char q[QUOTE_MAX + 4];
	int bad;
	const char *s = field_str(c, name, 1, &bad);

	if (bad)
		return -EINVAL;
	if (inet_pton(AF_INET, s, ip) != 1) {
		set_err(c->err, MP_PROTO_EINVAL,
			"%s: \"%s\" is \"%s\", not an IPv4 address like 10.0.0.1",
			c->op, name, quote(q, s));
		return -EINVAL;
	}
	return 0;
}

static int dev_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '/' || s[i] == ':')
			return 0;
	return 1;
}

/* An optional duration: integer nanoseconds or a string like "10s". */
static int field_duration(struct field_ctx *c, const char *name, uint64_t *out)
{
	char q[QUOTE_MAX + 4];
	const json_t *v = field(c, name, 0);
	uint64_t x;

	if (v && json_is_string(v)) {
		int rc = mp_duration_parse(json_string_value(v), &x);

		if (rc < 0 || x > MP_PROTO_INT_MAX) {
			set_err(c->err, MP_PROTO_EINVAL,
				"%s: \"%s\" is \"%s\", not a duration like \"10s\" or \"500ms\" (a number needs a unit)",
				c->op, name, quote(q, json_string_value(v)));
			return -EINVAL;
		}
		*out = x;
	} else if (v) {
		if (get_uint(v, MP_PROTO_INT_MAX, &x) < 0) {
			set_err(c->err, MP_PROTO_EINVAL,
				"%s: \"%s\" must be nanoseconds (an integer from 0 to %llu) or a string like \"10s\"",
				c->op, name, (unsigned long long)MP_PROTO_INT_MAX);
			return -EINVAL;
		}
		*out = x;
	}
	return 0;
}

static int decode_configure(struct field_ctx *c, struct mp_traffic *t)
{
	char q[QUOTE_MAX + 4];
	const json_t *v;
	uint64_t x;
	const char *s;
	int bad;

	memset(t, 0, sizeof(*t));
	s = field_str(c, "dev", 1, &bad);
	if (bad)
		return -EINVAL;
	if (!dev_name_ok(s)) {
		set_err(c->err, MP_PROTO_EINVAL,
			"configure: \"dev\" is \"%s\", not an interface name (1 to %d characters, no '/', ':' or spaces)",
			quote(q, s), IFNAMSIZ - 1);
		return -EINVAL;
	}
	memcpy(t->dev, s, strlen(s) + 1);

	if (field_uint(c, "size", MP_FRAME_MIN, MP_FRAME_MAX, 1, &x) < 0)
		return -EINVAL;
	t->frame_size = (unsigned)x;

	v = field(c, "rate", 1);
	if (!v)
		return -EINVAL;
	if (json_is_string(v) && strcmp(json_string_value(v), MP_PROTO_RATE_MAX_WORD) == 0) {
		t->rate_pps = 0;
	} else if (get_uint(v, MP_PROTO_INT_MAX, &x) < 0 || x == 0) {
		set_err(c->err, MP_PROTO_EINVAL,
			"configure: \"rate\" must be packets per second from 1 to %llu, or \"%s\"",
			(unsigned long long)MP_PROTO_INT_MAX, MP_PROTO_RATE_MAX_WORD);
		return -EINVAL;
	} else {
		t->rate_pps = x;
	}

	if (field_duration(c, "duration", &t->duration_ns) < 0 ||
	    field_duration(c, "measure_from", &t->measure_from_ns) < 0 ||
	    field_duration(c, "measure_for", &t->measure_for_ns) < 0)
		return -EINVAL;
	if (field_uint(c, "count", 0, MP_PROTO_INT_MAX, 0, &t->count) < 0)
		return -EINVAL;
	if (field_mac(c, "src_mac", 0, t->src_mac) < 0 ||
	    field_mac(c, "dst_mac", 1, t->dst_mac) < 0)
		return -EINVAL;
	if (field_ip(c, "src_ip", &t->src_ip) < 0 || field_ip(c, "dst_ip", &t->dst_ip) < 0)
		return -EINVAL;
	if (field_uint(c, "src_port", 1, UINT16_MAX, 1, &x) < 0)
		return -EINVAL;
	t->src_port = (uint16_t)x;
	if (field_uint(c, "dst_port", 1, UINT16_MAX, 1, &x) < 0)
		return -EINVAL;
	t->dst_port = (uint16_t)x;
	s = field_str(c, "imix", 0, &bad);
	if (bad)
		return -EINVAL;
	if (s && (mp_imix_parse(s, &t->imix) < 0 || mp_imix_largest(&t->imix) != t->frame_size)) {
		set_err(c->err, MP_PROTO_EINVAL,
			"configure: \"imix\" is \"%s\", not a mix like \"60:7,590:4,1514:1\" (sizes "
			"%d..%d, weights 1..%d, at most %d) whose largest size is \"size\"",
			quote(q, s), MP_FRAME_MIN, MP_FRAME_MAX, MP_IMIX_WEIGHT_MAX, MP_IMIX_MAX);
		return -EINVAL;
	}
	s = field_str(c, "engine", 0, &bad);
	if (bad)
		return -EINVAL;
	if (s && mp_engine_kind(s) < 0) {
		char names[MP_ENGINE_NAMES_LEN];

		set_err(c->err, MP_PROTO_EINVAL, "configure: \"engine\" is \"%s\"; expected %s",
			quote(q, s), mp_engine_names(names));
		return -EINVAL;
	}
	if (s && mp_engine_kind(s) != MP_ENGINE_AUTO)
		snprintf(t->engine, sizeof(t->engine), "%s", s);
	return 0;
}

static int decode_auth(struct field_ctx *c, struct mp_proto_request *req)
{
	static const char *const names[] = { "nonce", "proof" };
	uint8_t *dst[] = { req->u.auth.nonce, req->u.auth.proof };
	size_t lens[] = { MP_PROTO_NONCE_LEN, MP_PROTO_PROOF_LEN };

	for (int i = 0; i < 2; i++) {
		int bad;
		const char *s = field_str(c, names[i], 1, &bad);

		if (bad)
			return -EINVAL;
		if (hex_decode(s, dst[i], lens[i]) < 0) {
			set_err(c->err, MP_PROTO_EINVAL,
				"auth: \"%s\" must be %zu hex digits", names[i], 2 * lens[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Every key must be v, id, op or one of the op's fields. */
static int check_keys(struct field_ctx *c, enum mp_proto_op op)
{
	const char *const *allowed = op_fields(op);
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)c->obj, key, val) {
		int ok = !strcmp(key, "v") || !strcmp(key, "id") || !strcmp(key, "op");

		for (size_t i = 0; !ok && allowed[i]; i++)
			ok = !strcmp(key, allowed[i]);
		if (!ok) {
			char q[QUOTE_MAX + 4];

			(void)val;
			set_err(c->err, MP_PROTO_EINVAL,
				"%s: unknown field \"%s\"%s", c->op, quote(q, key),
				allowed[0] ? " (see docs/protocol.md for the fields of this op)"
					   : " (this op takes no fields)");
			return -EINVAL;
		}
	}
	return 0;
}

int mp_proto_decode_request(const char *line, size_t len,
			    struct mp_proto_request *req,
			    struct mp_proto_reply *err)
{
	char why[MP_PROTO_MSG_MAX], q[QUOTE_MAX + 4];
	struct field_ctx c;
	const json_t *v;
	json_t *root;
	uint64_t x;
	int toobig, rc = 0;

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	root = load_object(line, len, why, sizeof(why), &toobig);
	if (!root) {
		set_err(err, toobig ? MP_PROTO_ETOOBIG : MP_PROTO_EPROTO, "%s", why);
		return toobig ? -EMSGSIZE : -EPROTO;
	}
	v = json_object_get(root, "id");
	if (!v || get_uint(v, MP_PROTO_INT_MAX, &x) < 0) {
		set_err(err, MP_PROTO_EPROTO,
			"\"id\" must be an integer from 0 to %llu",
			(unsigned long long)MP_PROTO_INT_MAX);
		rc = -EPROTO;
		goto out;
	}
	req->id = err->id = x;
	err->has_id = 1;

	v = json_object_get(root, "v");
	if (!v || !json_is_integer(v)) {
		set_err(err, MP_PROTO_EPROTO,
			"\"v\" (the protocol version, %d) is missing or not an integer",
			MP_PROTO_VERSION);
		rc = -EPROTO;
		goto out;
	}
	if (json_integer_value(v) != MP_PROTO_VERSION) {
		set_err(err, MP_PROTO_EVERSION,
			"protocol version %lld is not supported: this agent speaks version %d; use a matching mir-perf",
			(long long)json_integer_value(v), MP_PROTO_VERSION);
		rc = -EPROTONOSUPPORT;
		goto out;
	}

	v = json_object_get(root, "op");
	if (!v || !json_is_string(v)) {
		set_err(err, MP_PROTO_EPROTO, "\"op\" is missing or not a string");
		rc = -EPROTO;
		goto out;
	}
	if (op_lookup(json_string_value(v), &req->op) < 0) {
		char known[256];

		op_list(known, sizeof(known));
		set_err(err, MP_PROTO_EPROTO, "unknown op \"%s\"; known ops: %s",
			quote(q, json_string_value(v)), known);
		rc = -EPROTO;
		goto out;
	}
	err->op = req->op;
	err->has_op = 1;

	c.obj = root;
	c.err = err;
	c.op = ops[req->op].name;
	rc = check_keys(&c, req->op);
	if (rc == 0 && req->op == MP_PROTO_CONFIGURE)
		rc = decode_configure(&c, &req->u.traffic);
	else if (rc == 0 && req->op == MP_PROTO_AUTH)
		rc = decode_auth(&c, req);
	else if (rc == 0 && req->op == MP_PROTO_RX)
		rc = field_uint(&c, "from", 0, MP_HIST_BUCKETS - 1, 0, &req->u.from);
	else if (rc == 0 && req->op == MP_PROTO_RX_SERIES)
		rc = field_uint(&c, "from", 0, MP_PROTO_INT_MAX, 0, &req->u.from);
	else if (rc == 0 && req->op == MP_PROTO_TCP_START &&
		 (rc = mp_proto_tcp_decode_spec(root, &req->u.tcp, why, sizeof(why))) < 0)
		set_err(err, MP_PROTO_EINVAL, "%s", why);
out:
	json_decref(root);
	if (rc == 0)
		memset(err, 0, sizeof(*err));
	return rc;
}

/* ---- encoding ---------------------------------------------------------- */

/* Serialises obj (consumed) as one line. */
static int dump_line(json_t *obj, char *buf, size_t len)
{
	size_t n;

	if (!obj)
		return -ENOMEM;
	n = json_dumpb(obj, buf, len, JSON_COMPACT);
	json_decref(obj);
	if (n == 0)
		return -ENOMEM;
	if (n > MP_PROTO_LINE_MAX)
		return -EMSGSIZE;
	if (n + 2 > len)
		return -EMSGSIZE;
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return (int)n + 1;
}

static int set_int(json_t *o, const char *k, uint64_t v)
{
	if (v > MP_PROTO_INT_MAX)
		return -EINVAL;
	return json_object_set_new(o, k, json_integer((json_int_t)v)) ? -ENOMEM : 0;
}

/* Sets a string field from local text, reduced to printable ASCII so that it
 * is always valid UTF-8 and cannot break a log line. */
static int set_str(json_t *o, const char *k, const char *s)
{
	char tmp[MP_PROTO_MSG_MAX];

	copy_printable(tmp, sizeof(tmp), s);
	return json_object_set_new(o, k, json_string(tmp)) ? -ENOMEM : 0;
}

static int set_hex(json_t *o, const char *k, const uint8_t *b, size_t n)
{
	char tmp[2 * MP_PROTO_NONCE_LEN + 1];

	if (2 * n + 1 > sizeof(tmp))
		return -EINVAL;
	hex_encode(b, n, tmp);
	return json_object_set_new(o, k, json_string(tmp)) ? -ENOMEM : 0;
}

static int mac_is_zero(const uint8_t mac[MP_MAC_LEN])
{
	for (int i = 0; i < MP_MAC_LEN; i++)
		if (mac[i])
			return 0;
	return 1;
}

static int encode_traffic(json_t *o, const struct mp_traffic *t)
{
	char mac[MP_MAC_STRLEN], ip[INET_ADDRSTRLEN];
	int rc = 0;

	if (!memchr(t->dev, '\0', sizeof(t->dev)) || !dev_name_ok(t->dev) ||
	    t->frame_size < MP_FRAME_MIN || t->frame_size > MP_FRAME_MAX ||
	    t->src_port == 0 || t->dst_port == 0)
		return -EINVAL;
	rc |= set_str(o, "dev", t->dev);
	rc |= set_int(o, "size", t->frame_size);
	if (t->rate_pps == 0)
		rc |= json_object_set_new(o, "rate", json_string(MP_PROTO_RATE_MAX_WORD));
	else
		rc |= set_int(o, "rate", t->rate_pps);
	if (t->duration_ns)
		rc |= set_int(o, "duration", t->duration_ns);
	if (t->count)
		rc |= set_int(o, "count", t->count);
	if (t->measure_from_ns)
		rc |= set_int(o, "measure_from", t->measure_from_ns);
	if (t->measure_for_ns)
		rc |= set_int(o, "measure_for", t->measure_for_ns);
	if (t->imix.n) {
		char mix[MP_IMIX_TEXT_MAX];
		struct mp_imix back;

		mp_imix_format(&t->imix, mix, sizeof(mix));
		if (mp_imix_parse(mix, &back) < 0 || mp_imix_largest(&back) != t->frame_size)
			return -EINVAL;
		rc |= set_str(o, "imix", mix);
	}
	if (t->engine[0])
		rc |= set_str(o, "engine", t->engine);
	if (!mac_is_zero(t->src_mac)) {
		mp_mac_format(t->src_mac, mac);
		rc |= set_str(o, "src_mac", mac);
	}
	mp_mac_format(t->dst_mac, mac);
	rc |= set_str(o, "dst_mac", mac);
	inet_ntop(AF_INET, &t->src_ip, ip, sizeof(ip));
	rc |= set_str(o, "src_ip", ip);
	inet_ntop(AF_INET, &t->dst_ip, ip, sizeof(ip));
	rc |= set_str(o, "dst_ip", ip);
	rc |= set_int(o, "src_port", t->src_port);
	rc |= set_int(o, "dst_port", t->dst_port);
	return rc ? -EINVAL : 0;
}

static json_t *header(int has_id, uint64_t id)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (json_object_set_new(o, "v", json_integer(MP_PROTO_VERSION)) ||
	    json_object_set_new(o, "id", has_id ? json_integer((json_int_t)id) : json_null())) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int mp_proto_encode_request(const struct mp_proto_request *req, char *buf, size_t len)
{
	json_t *o;
	int rc = 0;

	if (req->id > MP_PROTO_INT_MAX || (unsigned)req->op >= MP_PROTO_OP_COUNT)
		return -EINVAL;
	o = header(1, req->id);
	if (!o)
		return -ENOMEM;
	if (json_object_set_new(o, "op", json_string(ops[req->op].name)))
		rc = -ENOMEM;
	if (rc == 0 && req->op == MP_PROTO_AUTH)
		rc = set_hex(o, "nonce", req->u.auth.nonce, MP_PROTO_NONCE_LEN) |
		     set_hex(o, "proof", req->u.auth.proof, MP_PROTO_PROOF_LEN);
	else if (rc == 0 && req->op == MP_PROTO_CONFIGURE)
		rc = encode_traffic(o, &req->u.traffic);
	else if (rc == 0 && (req->op == MP_PROTO_RX || req->op == MP_PROTO_RX_SERIES) && req->u.from)
		rc = set_int(o, "from", req->u.from);
	else if (rc == 0 && req->op == MP_PROTO_TCP_START)
		rc = mp_proto_tcp_encode_spec(o, &req->u.tcp);
	if (rc) {
		json_decref(o);
		return -EINVAL;
	}
	return dump_line(o, buf, len);
}

/* The rx counters, by wire name and place in struct mp_rx_counters. */
static const struct {
	const char *name;
	size_t off;
} rx_fields[] = {
#define RXF(f) { #f, offsetof(struct mp_rx_counters, f) }
	RXF(frames), RXF(lost), RXF(reordered), RXF(duplicated), RXF(earlier),
	RXF(outside), RXF(other), RXF(ring_drops), RXF(lat_min_ns), RXF(lat_max_ns),
	RXF(lat_sum_ns), RXF(jitter_ns),
#undef RXF
};

static uint64_t *rx_field(struct mp_rx_counters *c, size_t i)
{
	return (uint64_t *)((char *)c + rx_fields[i].off);
}

/* "sizes": [[length, frames], ...], at most MP_RX_SIZES. */
static int encode_rx_sizes(json_t *o, const struct mp_rx_counters *c)
{
	json_t *a = json_array();

	if (!a || c->nsizes > MP_RX_SIZES)
		return json_decref(a), -EINVAL;
	for (unsigned i = 0; i < c->nsizes; i++) {
		if (c->size_frames[i] > MP_PROTO_INT_MAX)
			return json_decref(a), -EINVAL;
		if (json_array_append_new(a, json_pack("[I,I]", (json_int_t)c->size[i],
						       (json_int_t)c->size_frames[i])))
			return json_decref(a), -ENOMEM;
	}
	return json_object_set_new(o, "sizes", a) ? -ENOMEM : 0;
}

static int encode_rx(json_t *o, const struct mp_proto_reply *rep)
{
	struct mp_rx_counters c = rep->u.rx.c;
	json_t *a = json_array();
	int rc = 0;

	if (!a || rep->u.rx.n > MP_PROTO_RX_BUCKETS)
		return json_decref(a), -EINVAL;
	for (size_t i = 0; i < sizeof(rx_fields) / sizeof(rx_fields[0]); i++)
		rc |= set_int(o, rx_fields[i].name, *rx_field(&c, i));
	rc |= encode_rx_sizes(o, &c);
	for (unsigned i = 0; i < rep->u.rx.n; i++) {
		if (rep->u.rx.idx[i] >= MP_HIST_BUCKETS || rep->u.rx.count[i] > MP_PROTO_INT_MAX)
			rc = -EINVAL;
		else if (json_array_append_new(a, json_pack("[I,I]", (json_int_t)rep->u.rx.idx[i],
							    (json_int_t)rep->u.rx.count[i])))
			rc = -ENOMEM;
	}
	rc |= json_object_set_new(o, "buckets", a) ? -ENOMEM : 0;
	return rc | set_int(o, "next", rep->u.rx.next);
}

static int encode_series(json_t *o, const struct mp_proto_reply *rep)
{
	json_t *a = json_array();
	int rc = 0;

	if (!a || rep->u.series.n > MP_PROTO_RX_SAMPLES)
		return json_decref(a), -EINVAL;
	for (unsigned i = 0; i < rep->u.series.n; i++) {
		const struct mp_rx_sample *x = &rep->u.series.s[i];

		if (x->k > MP_PROTO_INT_MAX || x->frames > MP_PROTO_INT_MAX ||
		    x->p50_ns > MP_PROTO_INT_MAX || x->p99_ns > MP_PROTO_INT_MAX)
			rc = -EINVAL;
		else if (json_array_append_new(a, json_pack("[I,I,I,I]", (json_int_t)x->k,
							    (json_int_t)x->frames,
							    (json_int_t)x->p50_ns,
							    (json_int_t)x->p99_ns)))
			rc = -ENOMEM;
	}
	rc |= json_object_set_new(o, "samples", a) ? -ENOMEM : 0;
	return rc | set_int(o, "total", rep->u.series.total) | set_int(o, "next", rep->u.series.next);
}

static int encode_counters(json_t *o, const struct mp_proto_reply *rep)
{
	const struct mp_traffic_counters *c = &rep->u.stats.c;

	if (json_object_set_new(o, "running", json_boolean(rep->u.stats.running)))
		return -ENOMEM;
	return set_int(o, "packets", c->packets) | set_int(o, "bytes", c->bytes) |
	       set_int(o, "errors", c->errors) |
	       set_int(o, "first_tx_ns", c->first_tx_ns) |
	       set_int(o, "last_tx_ns", c->last_tx_ns);
}

int mp_proto_encode_reply(const struct mp_proto_reply *rep, char *buf, size_t len)
{
	json_t *o;
	int rc = 0;

	if ((rep->has_id && rep->id > MP_PROTO_INT_MAX) ||
	    (rep->has_op && (unsigned)rep->op >= MP_PROTO_OP_COUNT) ||
	    (unsigned)rep->code >= MP_PROTO_CODE_COUNT ||
	    (rep->code == MP_PROTO_OK && !rep->has_op))
		return -EINVAL;
	o = header(rep->has_id, rep->id);
	if (!o)
		return -ENOMEM;
	if (rep->has_op && json_object_set_new(o, "op", json_string(ops[rep->op].name)))
		rc = -ENOMEM;
	if (json_object_set_new(o, "ok", json_boolean(rep->code == MP_PROTO_OK)))
		rc = -ENOMEM;
	if (rc == 0 && rep->code != MP_PROTO_OK) {
		rc = json_object_set_new(o, "code", json_string(codes[rep->code].name)) ? -ENOMEM : 0;
		rc |= set_str(o, "msg", memchr(rep->msg, '\0', sizeof(rep->msg)) ? rep->msg : "");
	} else if (rc == 0) {
		switch (rep->op) {
		case MP_PROTO_HELLO:
			rc = set_int(o, "version", rep->u.hello.version) |
			     set_str(o, "agent", rep->u.hello.agent) |
			     set_str(o, "engine", rep->u.hello.engine) |
			     set_str(o, "dev", rep->u.hello.dev) |
			     set_str(o, "rx_dev", rep->u.hello.rx_dev) |
			     set_str(o, "rx_netns", rep->u.hello.rx_netns) |
			     set_int(o, "max_pps", rep->u.hello.max_pps) |
			     set_hex(o, "nonce", rep->u.hello.nonce, MP_PROTO_NONCE_LEN);
			break;
		case MP_PROTO_AUTH:
			rc = set_hex(o, "proof", rep->u.auth.proof, MP_PROTO_PROOF_LEN);
			break;
		case MP_PROTO_STOP:
		case MP_PROTO_STATS:
			rc = encode_counters(o, rep);
			break;
		case MP_PROTO_RX:
			rc = encode_rx(o, rep);
			break;
		case MP_PROTO_RX_SERIES:
			rc = encode_series(o, rep);
			break;
		case MP_PROTO_TCP_STATUS:
		case MP_PROTO_TCP_STOP:
			rc = mp_proto_tcp_encode_result(o, &rep->u.tcp);
			break;
		default:
			break;
		}
	}
	if (rc) {
		json_decref(o);
		return -EINVAL;
	}
	return dump_line(o, buf, len);
}

/* ---- replies ----------------------------------------------------------- */

static int reply_str(const json_t *root, const char *k, char *dst, size_t n)
{
	const json_t *v = json_object_get(root, k);

	if (!json_is_string(v) || json_string_length(v) >= n)
		return -EINVAL;
	copy_printable(dst, n, json_string_value(v));
	return 0;
}

static int reply_hex(const json_t *root, const char *k, uint8_t *dst, size_t n)
{
	const json_t *v = json_object_get(root, k);

	if (!json_is_string(v))
		return -EINVAL;
	return hex_decode(json_string_value(v), dst, n);
}

static int reply_uint(const json_t *root, const char *k, uint64_t *out)
{
	return get_uint(json_object_get(root, k), MP_PROTO_INT_MAX, out) < 0 ? -EINVAL : 0;
}

/* "sizes": [[length, frames], ...], lengths distinct, at most MP_RX_SIZES;
 * optional (an agent before it sends none: no sizes). */
static int decode_rx_sizes(const json_t *a, struct mp_rx_counters *c)
{
	const json_t *e;
	size_t i;

	c->nsizes = 0;
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > MP_RX_SIZES)
		return -EINVAL;
	json_array_foreach(a, i, e) {
		uint64_t len, n;

		if (!json_is_array(e) || json_array_size(e) != 2 ||
		    get_uint(json_array_get(e, 0), UINT32_MAX, &len) < 0 ||
		    get_uint(json_array_get(e, 1), MP_PROTO_INT_MAX, &n) < 0)
			return -EINVAL;
		for (unsigned j = 0; j < c->nsizes; j++)
			if (c->size[j] == len)
				return -EINVAL;
		c->size[c->nsizes] = (uint32_t)len;
		c->size_frames[c->nsizes++] = n;
	}
	return 0;
}

/* [[idx, count], ...]: at most MP_PROTO_RX_BUCKETS, indices increasing. */
static int decode_rx(const json_t *root, struct mp_proto_reply *rep, const char **bad)
{
	const json_t *a = json_object_get(root, "buckets"), *e;
	size_t i;

	for (i = 0; i < sizeof(rx_fields) / sizeof(rx_fields[0]); i++)
		if (reply_uint(root, rx_fields[i].name, rx_field(&rep->u.rx.c, i)) < 0)
			return *bad = rx_fields[i].name, -EINVAL;
	if (reply_uint(root, "next", &rep->u.rx.next) < 0 || rep->u.rx.next >= MP_HIST_BUCKETS)
		return *bad = "next", -EINVAL;
	if (decode_rx_sizes(json_object_get(root, "sizes"), &rep->u.rx.c) < 0)
		return *bad = "sizes", -EINVAL;
	if (!json_is_array(a) || json_array_size(a) > MP_PROTO_RX_BUCKETS)
		return *bad = "buckets", -EINVAL;
	json_array_foreach(a, i, e) {
		uint64_t idx, n;

		if (!json_is_array(e) || json_array_size(e) != 2 ||
		    get_uint(json_array_get(e, 0), MP_HIST_BUCKETS - 1, &idx) < 0 ||
		    get_uint(json_array_get(e, 1), MP_PROTO_INT_MAX, &n) < 0 ||
		    (i && idx <= rep->u.rx.idx[i - 1]))
			return *bad = "buckets", -EINVAL;
		rep->u.rx.idx[i] = (uint32_t)idx;
		rep->u.rx.count[i] = n;
	}
	rep->u.rx.n = (unsigned)json_array_size(a);
	return 0;
}

/* [[k, frames, p50_ns, p99_ns], ...]: at most MP_PROTO_RX_SAMPLES. */
static int decode_series(const json_t *root, struct mp_proto_reply *rep, const char **bad)
{
	const json_t *a = json_object_get(root, "samples"), *e;
	size_t i;

	if (reply_uint(root, "total", &rep->u.series.total) < 0)
		return *bad = "total", -EINVAL;
	if (reply_uint(root, "next", &rep->u.series.next) < 0)
		return *bad = "next", -EINVAL;
	if (!json_is_array(a) || json_array_size(a) > MP_PROTO_RX_SAMPLES)
		return *bad = "samples", -EINVAL;
	json_array_foreach(a, i, e) {
		struct mp_rx_sample *x = &rep->u.series.s[i];

		if (!json_is_array(e) || json_array_size(e) != 4 ||
		    get_uint(json_array_get(e, 0), MP_PROTO_INT_MAX, &x->k) < 0 ||
		    get_uint(json_array_get(e, 1), MP_PROTO_INT_MAX, &x->frames) < 0 ||
		    get_uint(json_array_get(e, 2), MP_PROTO_INT_MAX, &x->p50_ns) < 0 ||
		    get_uint(json_array_get(e, 3), MP_PROTO_INT_MAX, &x->p99_ns) < 0)
			return *bad = "samples", -EINVAL;
	}
	rep->u.series.n = (unsigned)json_array_size(a);
	return 0;
}

static int decode_reply_values(const json_t *root, struct mp_proto_reply *rep,
			       const char **bad)
{
	uint64_t x;

	switch (rep->op) {
	case MP_PROTO_HELLO:
		if (reply_uint(root, "version", &x) < 0 || x > UINT32_MAX)
			return *bad = "version", -EINVAL;
		rep->u.hello.version = (unsigned)x;
		if (reply_str(root, "agent", rep->u.hello.agent, sizeof(rep->u.hello.agent)) < 0)
			return *bad = "agent", -EINVAL;
		if (reply_str(root, "engine", rep->u.hello.engine, sizeof(rep->u.hello.engine)) < 0)
			return *bad = "engine", -EINVAL;
		if (reply_str(root, "dev", rep->u.hello.dev, sizeof(rep->u.hello.dev)) < 0)
			return *bad = "dev", -EINVAL;
		/* Optional: agents before the receiver do not send it. */
		if (json_object_get(root, "rx_dev") &&
		    reply_str(root, "rx_dev", rep->u.hello.rx_dev, sizeof(rep->u.hello.rx_dev)) < 0)
			return *bad = "rx_dev", -EINVAL;
		/* Optional: agents before TCP through the DUT do not send it. */
		if (json_object_get(root, "rx_netns") &&
		    reply_str(root, "rx_netns", rep->u.hello.rx_netns,
			      sizeof(rep->u.hello.rx_netns)) < 0)
			return *bad = "rx_netns", -EINVAL;
		if (reply_uint(root, "max_pps", &rep->u.hello.max_pps) < 0)
			return *bad = "max_pps", -EINVAL;
		if (reply_hex(root, "nonce", rep->u.hello.nonce, MP_PROTO_NONCE_LEN) < 0)
			return *bad = "nonce", -EINVAL;
		return 0;
	case MP_PROTO_AUTH:
		if (reply_hex(root, "proof", rep->u.auth.proof, MP_PROTO_PROOF_LEN) < 0)
			return *bad = "proof", -EINVAL;
		return 0;
	case MP_PROTO_STOP:
	case MP_PROTO_STATS: {
		struct mp_traffic_counters *c = &rep->u.stats.c;
		const json_t *r = json_object_get(root, "running");

		if (!json_is_boolean(r))
			return *bad = "running", -EINVAL;
		rep->u.stats.running = json_is_true(r);
		if (reply_uint(root, "packets", &c->packets) < 0)
			return *bad = "packets", -EINVAL;
		if (reply_uint(root, "bytes", &c->bytes) < 0)
			return *bad = "bytes", -EINVAL;
		if (reply_uint(root, "errors", &c->errors) < 0)
			return *bad = "errors", -EINVAL;
		if (reply_uint(root, "first_tx_ns", &c->first_tx_ns) < 0)
			return *bad = "first_tx_ns", -EINVAL;
		if (reply_uint(root, "last_tx_ns", &c->last_tx_ns) < 0)
			return *bad = "last_tx_ns", -EINVAL;
		return 0;
	}
	case MP_PROTO_RX:
		return decode_rx(root, rep, bad);
	case MP_PROTO_RX_SERIES:
		return decode_series(root, rep, bad);
	case MP_PROTO_TCP_STATUS:
	case MP_PROTO_TCP_STOP:
		return mp_proto_tcp_decode_result(root, &rep->u.tcp, bad);
	default:
		return 0;
	}
}

int mp_proto_decode_reply(const char *line, size_t len,
			  struct mp_proto_reply *rep, char *err, size_t errlen)
{
	const json_t *v, *ok;
	const char *bad = NULL;
	json_t *root;
	uint64_t x;
	int toobig, rc = -EPROTO;

	memset(rep, 0, sizeof(*rep));
	root = load_object(line, len, err, errlen, &toobig);
	if (!root)
		return toobig ? -EMSGSIZE : -EPROTO;
	v = json_object_get(root, "v");
	if (!json_is_integer(v) || json_integer_value(v) != MP_PROTO_VERSION) {
		set_text(err, errlen, "reply without \"v\": %d (the agent speaks another protocol version?)",
			 MP_PROTO_VERSION);
		rc = -EPROTONOSUPPORT;
		goto out;
	}
	v = json_object_get(root, "id");
	if (json_is_null(v)) {
		rep->has_id = 0;
	} else if (v && get_uint(v, MP_PROTO_INT_MAX, &x) == 0) {
		rep->has_id = 1;
		rep->id = x;
	} else {
		set_text(err, errlen, "reply \"id\" missing or not an integer");
		goto out;
	}
	v = json_object_get(root, "op");
	if (v) {
		if (!json_is_string(v) || op_lookup(json_string_value(v), &rep->op) < 0) {
			set_text(err, errlen, "reply \"op\" is not a known op");
			goto out;
		}
		rep->has_op = 1;
	}
	ok = json_object_get(root, "ok");
	if (!json_is_boolean(ok)) {
		set_text(err, errlen, "reply \"ok\" missing or not a boolean");
		goto out;
	}
	if (json_is_false(ok)) {
		v = json_object_get(root, "code");
		if (!json_is_string(v) || code_lookup(json_string_value(v), &rep->code) < 0) {
			set_text(err, errlen, "error reply without a known \"code\"");
			goto out;
		}
		v = json_object_get(root, "msg");
		if (!json_is_string(v)) {
			set_text(err, errlen, "error reply without a \"msg\" string");
			goto out;
		}
		copy_printable(rep->msg, sizeof(rep->msg), json_string_value(v));
		rc = 0;
		goto out;
	}
	rep->code = MP_PROTO_OK;
	if (!rep->has_op) {
		set_text(err, errlen, "successful reply without \"op\"");
		goto out;
	}
	if (decode_reply_values(root, rep, &bad) < 0) {
		set_text(err, errlen, "%s reply: \"%s\" missing or invalid",
			 ops[rep->op].name, bad);
		rc = -EINVAL;
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* ---- helpers for building replies ---------------------------------------- */

void mp_proto_reply_error(struct mp_proto_reply *rep,
			  const struct mp_proto_request *req,
			  enum mp_proto_code code, const char *fmt, ...)
{
	va_list ap;

	memset(rep, 0, sizeof(*rep));
	if (req) {
		rep->has_id = rep->has_op = 1;
		rep->id = req->id;
		rep->op = req->op;
	}
	rep->code = code;
	va_start(ap, fmt);
	vset_msg(rep->msg, sizeof(rep->msg), fmt, ap);
	va_end(ap);
}

void mp_proto_reply_ok(struct mp_proto_reply *rep, const struct mp_proto_request *req)
{
	memset(rep, 0, sizeof(*rep));
	rep->has_id = rep->has_op = 1;
	rep->id = req->id;
	rep->op = req->op;
	rep->code = MP_PROTO_OK;
}

/* ---- framing ------------------------------------------------------------ */

void mp_proto_framer_init(struct mp_proto_framer *f)
{
	f->len = 0;
	f->overflow = 0;
}

int mp_proto_framer_feed(struct mp_proto_framer *f, const char *data, size_t n,
			 mp_proto_line_fn fn, void *arg)
{
	while (n > 0) {
		const char *nl;
		size_t take;

		if (f->overflow)
			return -EMSGSIZE;
		nl = memchr(data, '\n', n);
		take = nl ? (size_t)(nl - data) : n;
		if (f->len + take > MP_PROTO_LINE_MAX) {
			f->overflow = 1;
			return -EMSGSIZE;
		}
		memcpy(f->buf + f->len, data, take);
		f->len += take;
		if (!nl)
			return 0;
		data += take + 1;
		n -= take + 1;
		{
			size_t len = f->len;
			int rc;

			f->buf[len] = '\0';
			f->len = 0;
			rc = fn(arg, f->buf, len);
			if (rc)
				return rc;
		}
	}
	return f->overflow ? -EMSGSIZE : 0;
}
