/* What the codec's files share (proto_table.c, proto_json.c,
 * proto_request.c, proto_reply.c): lookups in the protocol's tables, and
 * the JSON and text helpers both directions use. Not for other files: they
 * use proto.h. Like proto.h's functions, none of these allocates memory
 * that outlives the call, logs, or crashes on any input. */
#ifndef MP_PROTO_INTERNAL_H
#define MP_PROTO_INTERNAL_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"

/* Longest piece of client-supplied text quoted back in an error message. */
#define MP__PROTO_QUOTE_MAX 32

/* ---- the tables (proto_table.c) ---- */

/* The fields a request of `op` takes besides v, id and op; NULL-terminated. */
const char *const *mp__proto_op_fields(enum mp_proto_op op);
/* "hello, auth, ...": every op's name, for messages; truncated to len. */
void mp__proto_op_list(char *buf, size_t len);
/* The op or the error code (never MP_PROTO_OK) of a wire name: 0, or -1
 * when the name is not known. */
int mp__proto_op_lookup(const char *name, enum mp_proto_op *op);
int mp__proto_code_lookup(const char *name, enum mp_proto_code *code);

/* ---- text (proto_json.c) ---- */

/* Copies text from the peer into dst for quoting in a message or a log
 * line: at most MP__PROTO_QUOTE_MAX characters, anything but printable
 * ASCII as '?', "..." when cut. Returns dst. */
const char *mp__proto_quote(char dst[MP__PROTO_QUOTE_MAX + 4], const char *src);
/* Copies src into dst (size n), printable ASCII only, truncated. */
void mp__proto_printable(char *dst, size_t n, const char *src);
/* Formats into msg (size n), printable ASCII only, truncated. */
void mp__proto_vmsg(char *msg, size_t n, const char *fmt, va_list ap);
/* As mp__proto_vmsg; does nothing when buf is NULL or n is 0. */
void mp__proto_text(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- reading JSON (proto_json.c) ---- */

/* Exactly 2*n hex digits into n bytes: 0 or -EINVAL. */
int mp__proto_hex_decode(const char *s, uint8_t *out, size_t n);
/* A JSON integer in 0..max: 0, -EINVAL (not an integer) or -ERANGE. */
int mp__proto_get_uint(const json_t *v, uint64_t max, uint64_t *out);
/* Parses the JSON text of one line: its length, NUL bytes, syntax, an
 * object. Returns the object (the caller's reference), or NULL with why
 * (may be NULL) filled and *toobig set when the line is over
 * MP_PROTO_LINE_MAX. */
json_t *mp__proto_load_object(const char *line, size_t len, char *why, size_t whylen,
			      int *toobig);

/* ---- writing JSON (proto_json.c) ---- */

/* A new object holding "v" and "id" (JSON null without has_id); NULL when
 * out of memory. */
json_t *mp__proto_header(int has_id, uint64_t id);
/* Serialises obj (consumed, may be NULL) as one line ending in '\n' and a
 * NUL: its length with the newline, -ENOMEM or -EMSGSIZE. */
int mp__proto_dump_line(json_t *obj, char *buf, size_t len);
/* Set key k of o: 0, -EINVAL (an integer above MP_PROTO_INT_MAX, more than
 * MP_PROTO_NONCE_LEN bytes of hex) or -ENOMEM. Strings are reduced to
 * printable ASCII, so that they are valid UTF-8 and cannot break a log line. */
int mp__proto_set_int(json_t *o, const char *k, uint64_t v);
int mp__proto_set_str(json_t *o, const char *k, const char *s);
int mp__proto_set_hex(json_t *o, const char *k, const uint8_t *b, size_t n);

#endif
