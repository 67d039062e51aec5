#include "common/proto_tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/duration.h"
#include "common/proto.h"

const char *const mp_proto_tcp_start_fields[] = {
	"streams", "duration", "reverse", "src_ip", "dst_ip", "port", "offloads",
	"checksum", "timeout", NULL
};

/* A JSON integer in min..max. */
static int get_int(const json_t *obj, const char *k, uint64_t min, uint64_t max, int required,
		   uint64_t *out, char *msg, size_t len)
{
	const json_t *v = json_object_get(obj, k);
	json_int_t i;

	if (!v) {
		if (required)
			snprintf(msg, len, "tcp_start: missing field \"%s\"", k);
		return required ? -EINVAL : 0;
	}
	i = json_is_integer(v) ? json_integer_value(v) : -1;
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		snprintf(msg, len, "tcp_start: \"%s\" must be an integer from %llu to %llu", k,
			 (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = (uint64_t)i;
	return 0;
}

static int get_ip(const json_t *obj, const char *k, struct in_addr *ip, char *msg, size_t len)
{
	const json_t *v = json_object_get(obj, k);

	if (!json_is_string(v) || inet_pton(AF_INET, json_string_value(v), ip) != 1) {
		snprintf(msg, len, "tcp_start: \"%s\" must be an IPv4 address like 10.0.0.1", k);
		return -EINVAL;
	}
	return 0;
}

/* "keep", "on" or "off"; absent: keep. */
static int get_switch(const json_t *obj, const char *k, enum mp_tcp_offloads *out, char *msg,
		      size_t len)
{
	const json_t *v = json_object_get(obj, k);
	int o = v ? (json_is_string(v) ? mp_tcp_offloads_parse(json_string_value(v)) : -1) :
		MP_TCP_OFFLOADS_KEEP;

	if (o < 0) {
		snprintf(msg, len, "tcp_start: \"%s\" must be \"keep\", \"on\" or \"off\"", k);
		return -EINVAL;
	}
	*out = (enum mp_tcp_offloads)o;
	return 0;
}

int mp_proto_tcp_decode_spec(const json_t *obj, struct mp_tcp_spec *s, char *msg, size_t len)
{
	const json_t *v;
	uint64_t x;

	memset(s, 0, sizeof(*s));
	s->port = MP_TCP_PORT_DEFAULT;
	if (get_int(obj, "streams", 1, MP_TCP_STREAMS_MAX, 1, &x, msg, len) < 0)
		return -EINVAL;
	s->streams = (unsigned)x;
	if (get_int(obj, "duration", MP_TCP_DURATION_MIN_S, MP_TCP_DURATION_MAX_S, 1, &x, msg,
		    len) < 0)
		return -EINVAL;
	s->duration_s = (unsigned)x;
	v = json_object_get(obj, "reverse");
	if (v && !json_is_boolean(v)) {
		snprintf(msg, len, "tcp_start: \"reverse\" must be true or false");
		return -EINVAL;
	}
	s->reverse = v && json_is_true(v);
	if (get_ip(obj, "src_ip", &s->src_ip, msg, len) < 0 ||
	    get_ip(obj, "dst_ip", &s->dst_ip, msg, len) < 0)
		return -EINVAL;
	if (s->src_ip.s_addr == s->dst_ip.s_addr) {
		snprintf(msg, len, "tcp_start: \"src_ip\" and \"dst_ip\" are the same address");
		return -EINVAL;
	}
	x = MP_TCP_PORT_DEFAULT;
	if (get_int(obj, "port", 1, UINT16_MAX, 0, &x, msg, len) < 0)
		return -EINVAL;
	s->port = (uint16_t)x;
	if (get_switch(obj, "offloads", &s->offloads, msg, len) < 0 ||
	    get_switch(obj, "checksum", &s->checksum, msg, len) < 0)
		return -EINVAL;
	if (get_int(obj, "timeout", 1, MP_PROTO_INT_MAX, 1, &s->timeout_ns, msg, len) < 0)
		return -EINVAL;
	if (s->timeout_ns <= (uint64_t)s->duration_s * 1000000000ULL) {
		snprintf(msg, len, "tcp_start: \"timeout\" (ns) must be longer than the duration");
		return -EINVAL;
	}
	return 0;
}

static int set_int(json_t *o, const char *k, uint64_t v)
{
	if (v > MP_PROTO_INT_MAX)
		return -EINVAL;
	return json_object_set_new(o, k, json_integer((json_int_t)v)) ? -ENOMEM : 0;
}

static int set_str(json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, json_string(v)) ? -ENOMEM : 0;
}

int mp_proto_tcp_encode_spec(json_t *o, const struct mp_tcp_spec *s)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];

	if (s->streams < 1 || s->streams > MP_TCP_STREAMS_MAX ||
	    s->duration_s < MP_TCP_DURATION_MIN_S || s->duration_s > MP_TCP_DURATION_MAX_S ||
	    !s->port || (unsigned)s->offloads >= MP_TCP_OFFLOADS_COUNT ||
	    (unsigned)s->checksum >= MP_TCP_OFFLOADS_COUNT ||
	    s->timeout_ns <= (uint64_t)s->duration_s * 1000000000ULL)
		return -EINVAL;
	inet_ntop(AF_INET, &s->src_ip, src, sizeof(src));
	inet_ntop(AF_INET, &s->dst_ip, dst, sizeof(dst));
	return set_int(o, "streams", s->streams) | set_int(o, "duration", s->duration_s) |
	       (json_object_set_new(o, "reverse", json_boolean(s->reverse)) ? -ENOMEM : 0) |
	       set_str(o, "src_ip", src) | set_str(o, "dst_ip", dst) |
	       set_int(o, "port", s->port) |
	       set_str(o, "offloads", mp_tcp_offloads_name(s->offloads)) |
	       set_str(o, "checksum", mp_tcp_offloads_name(s->checksum)) |
	       set_int(o, "timeout", s->timeout_ns);
}

/* The result's integers, by wire name and place. An optional one came after
 * version 1's first agents: absent, it reads 0. */
static const struct {
	const char *name;
	size_t off;
	int optional;
} result_ints[] = {
#define RI(f) { #f, offsetof(struct mp_tcp_result, f), 0 }
	RI(elapsed_ns), RI(sender_bps), RI(receiver_bps), RI(sent_bytes), RI(received_bytes),
	RI(retransmits), RI(seconds_ns), RI(sender_cpu_permille), RI(receiver_cpu_permille),
	{ "csum_errors", offsetof(struct mp_tcp_result, csum_errors), 1 },
#undef RI
};

/* The result's strings: wire name, place and room. */
static const struct {
	const char *name;
	size_t off, size;
} result_strs[] = {
#define RS(f) { #f, offsetof(struct mp_tcp_result, f), sizeof(((struct mp_tcp_result *)0)->f) }
	RS(reason), RS(dev_offloads), RS(rx_offloads),
#undef RS
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int mp_proto_tcp_encode_result(json_t *o, const struct mp_tcp_result *r)
{
	int rc = set_str(o, "state", mp_tcp_state_name(r->state));

	for (size_t i = 0; i < NELEM(result_ints); i++)
		rc |= set_int(o, result_ints[i].name,
			      *(const uint64_t *)((const char *)r + result_ints[i].off));
	for (size_t i = 0; i < NELEM(result_strs); i++) {
		const char *s = (const char *)r + result_strs[i].off;

		if (!memchr(s, '\0', result_strs[i].size))
			return -EINVAL;
		rc |= set_str(o, result_strs[i].name, s);
	}
	return rc;
}

int mp_proto_tcp_decode_result(const json_t *o, struct mp_tcp_result *r, const char **bad)
{
	const json_t *v = json_object_get(o, "state");
	int st = json_is_string(v) ? mp_tcp_state_parse(json_string_value(v)) : -1;

	memset(r, 0, sizeof(*r));
	if (st < 0)
		return *bad = "state", -EINVAL;
	r->state = (enum mp_tcp_state)st;
	for (size_t i = 0; i < NELEM(result_ints); i++) {
		json_int_t x;

		v = json_object_get(o, result_ints[i].name);
		if (!v && result_ints[i].optional)
			continue;
		x = json_is_integer(v) ? json_integer_value(v) : -1;
		if (x < 0 || (uint64_t)x > MP_PROTO_INT_MAX)
			return *bad = result_ints[i].name, -EINVAL;
		*(uint64_t *)((char *)r + result_ints[i].off) = (uint64_t)x;
	}
	for (size_t i = 0; i < NELEM(result_strs); i++) {
		char *dst = (char *)r + result_strs[i].off;
		const char *s;
		size_t n;

		v = json_object_get(o, result_strs[i].name);
		if (!json_is_string(v) || json_string_length(v) >= result_strs[i].size)
			return *bad = result_strs[i].name, -EINVAL;
		/* printable ASCII only: it goes into logs and CSV cells */
		s = json_string_value(v);
		for (n = 0; s[n]; n++)
			dst[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
		dst[n] = '\0';
	}
	return 0;
}
