/* The JSON and text helpers the codec's request and reply halves share
 * (proto_internal.h): one line parsed as an object, integers in range, hex,
 * printable text, and the other way, values set and one line written. */
#include "common/proto_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/mac.h"
#include "common/proto.h"

#define HEX_DIGITS "0123456789abcdef"

const char *mp__proto_quote(char dst[MP__PROTO_QUOTE_MAX + 4], const char *src)
{
	size_t i;

	for (i = 0; src[i] && i < MP__PROTO_QUOTE_MAX; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (src[i]) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}

void mp__proto_printable(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (n)
		dst[i] = '\0';
}

void mp__proto_vmsg(char *msg, size_t n, const char *fmt, va_list ap)
{
	char tmp[MP_PROTO_MSG_MAX];

	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	mp__proto_printable(msg, n, tmp);
}

void mp__proto_text(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !n)
		return;
	va_start(ap, fmt);
	mp__proto_vmsg(buf, n, fmt, ap);
	va_end(ap);
}

int mp__proto_hex_decode(const char *s, uint8_t *out, size_t n)
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

int mp__proto_get_uint(const json_t *v, uint64_t max, uint64_t *out)
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

json_t *mp__proto_load_object(const char *line, size_t len, char *why, size_t whylen,
			      int *toobig)
{
	json_error_t jerr;
	json_t *root;

	*toobig = 0;
	if (len > MP_PROTO_LINE_MAX) {
		*toobig = 1;
		mp__proto_text(why, whylen, "message of %zu bytes exceeds the %d-byte limit",
			       len, MP_PROTO_LINE_MAX);
		return NULL;
	}
	if (memchr(line, '\0', len)) {
		mp__proto_text(why, whylen, "message contains a NUL byte");
		return NULL;
	}
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		mp__proto_text(why, whylen, "not JSON: %s (column %d)", jerr.text, jerr.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		mp__proto_text(why, whylen, "message is not a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

int mp__proto_dump_line(json_t *obj, char *buf, size_t len)
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

int mp__proto_set_int(json_t *o, const char *k, uint64_t v)
{
	if (v > MP_PROTO_INT_MAX)
		return -EINVAL;
	return json_object_set_new(o, k, json_integer((json_int_t)v)) ? -ENOMEM : 0;
}

int mp__proto_set_str(json_t *o, const char *k, const char *s)
{
	char tmp[MP_PROTO_MSG_MAX];

	mp__proto_printable(tmp, sizeof(tmp), s);
	return json_object_set_new(o, k, json_string(tmp)) ? -ENOMEM : 0;
}

int mp__proto_set_hex(json_t *o, const char *k, const uint8_t *b, size_t n)
{
	char tmp[2 * MP_PROTO_NONCE_LEN + 1];

	if (2 * n + 1 > sizeof(tmp))
		return -EINVAL;
	hex_encode(b, n, tmp);
	return json_object_set_new(o, k, json_string(tmp)) ? -ENOMEM : 0;
}

json_t *mp__proto_header(int has_id, uint64_t id)
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
