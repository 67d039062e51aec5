/* Requests, both ways (proto.h): decoded by the agent with every field
 * checked (its trust boundary: fuzzed), encoded by the controller. */
#include "common/proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/duration.h"
#include "common/engines.h"
#include "common/mac.h"
#include "common/proto_internal.h"
#include "common/proto_tcp.h"

static void set_err(struct mp_proto_reply *err, enum mp_proto_code code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(struct mp_proto_reply *err, enum mp_proto_code code,
		    const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	mp__proto_vmsg(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

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
	if (mp__proto_get_uint(v, max, &x) < 0 || x < min) {
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
	char q[MP__PROTO_QUOTE_MAX + 4];
	int bad;
	const char *s = field_str(c, name, required, &bad);

	if (bad)
		return -EINVAL;
	if (!s)
		return 0;
	if (mp_mac_parse(s, mac) < 0) {
		set_err(c->err, MP_PROTO_EINVAL,
			"%s: \"%s\" is \"%s\", not a MAC address like 02:00:00:00:00:01",
			c->op, name, mp__proto_quote(q, s));
		return -EINVAL;
	}
	return 0;
}

static int field_ip(struct field_ctx *c, const char *name, struct in_addr *ip)
{
	char q[MP__PROTO_QUOTE_MAX + 4];
	int bad;
	const char *s = field_str(c, name, 1, &bad);

	if (bad)
		return -EINVAL;
	if (inet_pton(AF_INET, s, ip) != 1) {
		set_err(c->err, MP_PROTO_EINVAL,
			"%s: \"%s\" is \"%s\", not an IPv4 address like 10.0.0.1",
			c->op, name, mp__proto_quote(q, s));
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
	char q[MP__PROTO_QUOTE_MAX + 4];
	const json_t *v = field(c, name, 0);
	uint64_t x;

	if (v && json_is_string(v)) {
		int rc = mp_duration_parse(json_string_value(v), &x);

		if (rc < 0 || x > MP_PROTO_INT_MAX) {
			set_err(c->err, MP_PROTO_EINVAL,
				"%s: \"%s\" is \"%s\", not a duration like \"10s\" or \"500ms\" (a number needs a unit)",
				c->op, name, mp__proto_quote(q, json_string_value(v)));
			return -EINVAL;
		}
		*out = x;
	} else if (v) {
		if (mp__proto_get_uint(v, MP_PROTO_INT_MAX, &x) < 0) {
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
	char q[MP__PROTO_QUOTE_MAX + 4];
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
			mp__proto_quote(q, s), IFNAMSIZ - 1);
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
	} else if (mp__proto_get_uint(v, MP_PROTO_INT_MAX, &x) < 0 || x == 0) {
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
			mp__proto_quote(q, s), MP_FRAME_MIN, MP_FRAME_MAX, MP_IMIX_WEIGHT_MAX,
			MP_IMIX_MAX);
		return -EINVAL;
	}
	s = field_str(c, "engine", 0, &bad);
	if (bad)
		return -EINVAL;
	if (s && mp_engine_kind(s) < 0) {
		char names[MP_ENGINE_NAMES_LEN];

		set_err(c->err, MP_PROTO_EINVAL, "configure: \"engine\" is \"%s\"; expected %s",
			mp__proto_quote(q, s), mp_engine_names(names));
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
		if (mp__proto_hex_decode(s, dst[i], lens[i]) < 0) {
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
	const char *const *allowed = mp__proto_op_fields(op);
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)c->obj, key, val) {
		int ok = !strcmp(key, "v") || !strcmp(key, "id") || !strcmp(key, "op");

		for (size_t i = 0; !ok && allowed[i]; i++)
			ok = !strcmp(key, allowed[i]);
		if (!ok) {
			char q[MP__PROTO_QUOTE_MAX + 4];

			(void)val;
			set_err(c->err, MP_PROTO_EINVAL,
				"%s: unknown field \"%s\"%s", c->op, mp__proto_quote(q, key),
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
	char why[MP_PROTO_MSG_MAX], q[MP__PROTO_QUOTE_MAX + 4];
	struct field_ctx c;
	const json_t *v;
	json_t *root;
	uint64_t x;
	int toobig, rc = 0;

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	root = mp__proto_load_object(line, len, why, sizeof(why), &toobig);
	if (!root) {
		set_err(err, toobig ? MP_PROTO_ETOOBIG : MP_PROTO_EPROTO, "%s", why);
		return toobig ? -EMSGSIZE : -EPROTO;
	}
	v = json_object_get(root, "id");
	if (!v || mp__proto_get_uint(v, MP_PROTO_INT_MAX, &x) < 0) {
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
	if (mp__proto_op_lookup(json_string_value(v), &req->op) < 0) {
		char known[256];

		mp__proto_op_list(known, sizeof(known));
		set_err(err, MP_PROTO_EPROTO, "unknown op \"%s\"; known ops: %s",
			mp__proto_quote(q, json_string_value(v)), known);
		rc = -EPROTO;
		goto out;
	}
	err->op = req->op;
	err->has_op = 1;

	c.obj = root;
	c.err = err;
	c.op = mp_proto_op_name(req->op);
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
	rc |= mp__proto_set_str(o, "dev", t->dev);
	rc |= mp__proto_set_int(o, "size", t->frame_size);
	if (t->rate_pps == 0)
		rc |= json_object_set_new(o, "rate", json_string(MP_PROTO_RATE_MAX_WORD));
	else
		rc |= mp__proto_set_int(o, "rate", t->rate_pps);
	if (t->duration_ns)
		rc |= mp__proto_set_int(o, "duration", t->duration_ns);
	if (t->count)
		rc |= mp__proto_set_int(o, "count", t->count);
	if (t->measure_from_ns)
		rc |= mp__proto_set_int(o, "measure_from", t->measure_from_ns);
	if (t->measure_for_ns)
		rc |= mp__proto_set_int(o, "measure_for", t->measure_for_ns);
	if (t->imix.n) {
		char mix[MP_IMIX_TEXT_MAX];
		struct mp_imix back;

		mp_imix_format(&t->imix, mix, sizeof(mix));
		if (mp_imix_parse(mix, &back) < 0 || mp_imix_largest(&back) != t->frame_size)
			return -EINVAL;
		rc |= mp__proto_set_str(o, "imix", mix);
	}
	if (t->engine[0])
		rc |= mp__proto_set_str(o, "engine", t->engine);
	if (!mac_is_zero(t->src_mac)) {
		mp_mac_format(t->src_mac, mac);
		rc |= mp__proto_set_str(o, "src_mac", mac);
	}
	mp_mac_format(t->dst_mac, mac);
	rc |= mp__proto_set_str(o, "dst_mac", mac);
	inet_ntop(AF_INET, &t->src_ip, ip, sizeof(ip));
	rc |= mp__proto_set_str(o, "src_ip", ip);
	inet_ntop(AF_INET, &t->dst_ip, ip, sizeof(ip));
	rc |= mp__proto_set_str(o, "dst_ip", ip);
	rc |= mp__proto_set_int(o, "src_port", t->src_port);
	rc |= mp__proto_set_int(o, "dst_port", t->dst_port);
	return rc ? -EINVAL : 0;
}

int mp_proto_encode_request(const struct mp_proto_request *req, char *buf, size_t len)
{
	json_t *o;
	int rc = 0;

	if (req->id > MP_PROTO_INT_MAX || (unsigned)req->op >= MP_PROTO_OP_COUNT)
		return -EINVAL;
	o = mp__proto_header(1, req->id);
	if (!o)
		return -ENOMEM;
	if (json_object_set_new(o, "op", json_string(mp_proto_op_name(req->op))))
		rc = -ENOMEM;
	if (rc == 0 && req->op == MP_PROTO_AUTH)
		rc = mp__proto_set_hex(o, "nonce", req->u.auth.nonce, MP_PROTO_NONCE_LEN) |
		     mp__proto_set_hex(o, "proof", req->u.auth.proof, MP_PROTO_PROOF_LEN);
	else if (rc == 0 && req->op == MP_PROTO_CONFIGURE)
		rc = encode_traffic(o, &req->u.traffic);
	else if (rc == 0 && (req->op == MP_PROTO_RX || req->op == MP_PROTO_RX_SERIES) && req->u.from)
		rc = mp__proto_set_int(o, "from", req->u.from);
	else if (rc == 0 && req->op == MP_PROTO_TCP_START)
		rc = mp_proto_tcp_encode_spec(o, &req->u.tcp);
	if (rc) {
		json_decref(o);
		return -EINVAL;
	}
	return mp__proto_dump_line(o, buf, len);
}
