/* Replies, both ways (proto.h): built and encoded by the agent, decoded by
 * the controller with every value checked (its trust boundary: fuzzed). */
#include "common/proto.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/proto_internal.h"
#include "common/proto_tcp.h"

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
		rc |= mp__proto_set_int(o, rx_fields[i].name, *rx_field(&c, i));
	rc |= encode_rx_sizes(o, &c);
	for (unsigned i = 0; i < rep->u.rx.n; i++) {
		if (rep->u.rx.idx[i] >= MP_HIST_BUCKETS || rep->u.rx.count[i] > MP_PROTO_INT_MAX)
			rc = -EINVAL;
		else if (json_array_append_new(a, json_pack("[I,I]", (json_int_t)rep->u.rx.idx[i],
							    (json_int_t)rep->u.rx.count[i])))
			rc = -ENOMEM;
	}
	rc |= json_object_set_new(o, "buckets", a) ? -ENOMEM : 0;
	return rc | mp__proto_set_int(o, "next", rep->u.rx.next);
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
	return rc | mp__proto_set_int(o, "total", rep->u.series.total) |
	       mp__proto_set_int(o, "next", rep->u.series.next);
}

static int encode_counters(json_t *o, const struct mp_proto_reply *rep)
{
	const struct mp_traffic_counters *c = &rep->u.stats.c;

	if (json_object_set_new(o, "running", json_boolean(rep->u.stats.running)))
		return -ENOMEM;
	return mp__proto_set_int(o, "packets", c->packets) |
	       mp__proto_set_int(o, "bytes", c->bytes) |
	       mp__proto_set_int(o, "errors", c->errors) |
	       mp__proto_set_int(o, "first_tx_ns", c->first_tx_ns) |
	       mp__proto_set_int(o, "last_tx_ns", c->last_tx_ns);
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
	o = mp__proto_header(rep->has_id, rep->id);
	if (!o)
		return -ENOMEM;
	if (rep->has_op && json_object_set_new(o, "op", json_string(mp_proto_op_name(rep->op))))
		rc = -ENOMEM;
	if (json_object_set_new(o, "ok", json_boolean(rep->code == MP_PROTO_OK)))
		rc = -ENOMEM;
	if (rc == 0 && rep->code != MP_PROTO_OK) {
		rc = json_object_set_new(o, "code", json_string(mp_proto_code_name(rep->code))) ?
		     -ENOMEM : 0;
		rc |= mp__proto_set_str(o, "msg",
					memchr(rep->msg, '\0', sizeof(rep->msg)) ? rep->msg : "");
	} else if (rc == 0) {
		switch (rep->op) {
		case MP_PROTO_HELLO:
			rc = mp__proto_set_int(o, "version", rep->u.hello.version) |
			     mp__proto_set_str(o, "agent", rep->u.hello.agent) |
			     mp__proto_set_str(o, "engine", rep->u.hello.engine) |
			     mp__proto_set_str(o, "dev", rep->u.hello.dev) |
			     mp__proto_set_str(o, "rx_dev", rep->u.hello.rx_dev) |
			     mp__proto_set_str(o, "rx_netns", rep->u.hello.rx_netns) |
			     mp__proto_set_int(o, "max_pps", rep->u.hello.max_pps) |
			     mp__proto_set_hex(o, "nonce", rep->u.hello.nonce, MP_PROTO_NONCE_LEN);
			break;
		case MP_PROTO_AUTH:
			rc = mp__proto_set_hex(o, "proof", rep->u.auth.proof, MP_PROTO_PROOF_LEN);
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
	return mp__proto_dump_line(o, buf, len);
}

static int reply_str(const json_t *root, const char *k, char *dst, size_t n)
{
	const json_t *v = json_object_get(root, k);

	if (!json_is_string(v) || json_string_length(v) >= n)
		return -EINVAL;
	mp__proto_printable(dst, n, json_string_value(v));
	return 0;
}

static int reply_hex(const json_t *root, const char *k, uint8_t *dst, size_t n)
{
	const json_t *v = json_object_get(root, k);

	if (!json_is_string(v))
		return -EINVAL;
	return mp__proto_hex_decode(json_string_value(v), dst, n);
}

static int reply_uint(const json_t *root, const char *k, uint64_t *out)
{
	if (mp__proto_get_uint(json_object_get(root, k), MP_PROTO_INT_MAX, out) < 0)
		return -EINVAL;
	return 0;
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
		    mp__proto_get_uint(json_array_get(e, 0), UINT32_MAX, &len) < 0 ||
		    mp__proto_get_uint(json_array_get(e, 1), MP_PROTO_INT_MAX, &n) < 0)
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
		    mp__proto_get_uint(json_array_get(e, 0), MP_HIST_BUCKETS - 1, &idx) < 0 ||
		    mp__proto_get_uint(json_array_get(e, 1), MP_PROTO_INT_MAX, &n) < 0 ||
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
		    mp__proto_get_uint(json_array_get(e, 0), MP_PROTO_INT_MAX, &x->k) < 0 ||
		    mp__proto_get_uint(json_array_get(e, 1), MP_PROTO_INT_MAX, &x->frames) < 0 ||
		    mp__proto_get_uint(json_array_get(e, 2), MP_PROTO_INT_MAX, &x->p50_ns) < 0 ||
		    mp__proto_get_uint(json_array_get(e, 3), MP_PROTO_INT_MAX, &x->p99_ns) < 0)
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
	root = mp__proto_load_object(line, len, err, errlen, &toobig);
	if (!root)
		return toobig ? -EMSGSIZE : -EPROTO;
	v = json_object_get(root, "v");
	if (!json_is_integer(v) || json_integer_value(v) != MP_PROTO_VERSION) {
		mp__proto_text(err, errlen, "reply without \"v\": %d (the agent speaks another protocol version?)",
			       MP_PROTO_VERSION);
		rc = -EPROTONOSUPPORT;
		goto out;
	}
	v = json_object_get(root, "id");
	if (json_is_null(v)) {
		rep->has_id = 0;
	} else if (v && mp__proto_get_uint(v, MP_PROTO_INT_MAX, &x) == 0) {
		rep->has_id = 1;
		rep->id = x;
	} else {
		mp__proto_text(err, errlen, "reply \"id\" missing or not an integer");
		goto out;
	}
	v = json_object_get(root, "op");
	if (v) {
		if (!json_is_string(v) || mp__proto_op_lookup(json_string_value(v), &rep->op) < 0) {
			mp__proto_text(err, errlen, "reply \"op\" is not a known op");
			goto out;
		}
		rep->has_op = 1;
	}
	ok = json_object_get(root, "ok");
	if (!json_is_boolean(ok)) {
		mp__proto_text(err, errlen, "reply \"ok\" missing or not a boolean");
		goto out;
	}
	if (json_is_false(ok)) {
		v = json_object_get(root, "code");
		if (!json_is_string(v) ||
		    mp__proto_code_lookup(json_string_value(v), &rep->code) < 0) {
			mp__proto_text(err, errlen, "error reply without a known \"code\"");
			goto out;
		}
		v = json_object_get(root, "msg");
		if (!json_is_string(v)) {
			mp__proto_text(err, errlen, "error reply without a \"msg\" string");
			goto out;
		}
		mp__proto_printable(rep->msg, sizeof(rep->msg), json_string_value(v));
		rc = 0;
		goto out;
	}
	rep->code = MP_PROTO_OK;
	if (!rep->has_op) {
		mp__proto_text(err, errlen, "successful reply without \"op\"");
		goto out;
	}
	if (decode_reply_values(root, rep, &bad) < 0) {
		mp__proto_text(err, errlen, "%s reply: \"%s\" missing or invalid",
			       mp_proto_op_name(rep->op), bad);
		rc = -EINVAL;
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

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
	mp__proto_vmsg(rep->msg, sizeof(rep->msg), fmt, ap);
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
