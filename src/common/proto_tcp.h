/* The TCP ops' part of the control-channel codec (proto_request.c and
 * proto_reply.c call it): tcp_start's fields, and the result that
 * tcp_status and tcp_stop reply. docs/protocol.md is the reference.
 * Internal to the codec: it works on jansson objects the codec has parsed
 * or is building. */
#ifndef MP_PROTO_TCP_H
#define MP_PROTO_TCP_H

#include <jansson.h>
#include <stddef.h>

#include "common/tcp.h"

/* tcp_start's fields besides v, id and op; NULL-terminated. */
extern const char *const mp_proto_tcp_start_fields[];

/* Reads tcp_start's fields from `obj` (whose keys proto_request.c has
 * checked). 0, or -EINVAL with what is wrong in msg. */
int mp_proto_tcp_decode_spec(const json_t *obj, struct mp_tcp_spec *s, char *msg, size_t len);
/* 0, or -EINVAL when a value cannot be sent (out of range), -ENOMEM. */
int mp_proto_tcp_encode_spec(json_t *obj, const struct mp_tcp_spec *s);

/* The result's values into `obj`. 0, -EINVAL or -ENOMEM. */
int mp_proto_tcp_encode_result(json_t *obj, const struct mp_tcp_result *r);
/* 0, or -EINVAL with the name of the bad value in *bad. */
int mp_proto_tcp_decode_result(const json_t *obj, struct mp_tcp_result *r, const char **bad);

#endif
