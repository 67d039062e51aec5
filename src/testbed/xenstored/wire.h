/* The xenstore wire format (xen/io/xs_wire.h): a struct xsd_sockmsg header
 * (type, req_id, tx_id, len; host byte order, as the daemon and clients on
 * one machine use) followed by `len` <= XENSTORE_PAYLOAD_MAX payload bytes,
 * usually NUL-terminated strings. This module decodes payloads and builds
 * replies; it knows nothing of the tree or of connections. */
#ifndef MP_XSD_WIRE_H
#define MP_XSD_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore_lib.h>

#define MP_XSD_HDR_LEN ((uint32_t)sizeof(struct xsd_sockmsg))
#define MP_XSD_PAYLOAD_MAX ((uint32_t)XENSTORE_PAYLOAD_MAX)
/* Most NUL-separated arguments any request carries (SET_PERMS: a path and
 * its permission entries, each at least 3 bytes with its NUL). */
#define MP_XSD_ARGS_MAX (XENSTORE_PAYLOAD_MAX / 2 + 1)

/* One message, header and payload contiguous as on the wire. */
struct mp_xsd_msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX];
};

/* The name xenstored sends for an errno value ("ENOENT"); "EIO" for a value
 * the protocol has no name for. `err` positive or negative. */
const char *mp_xsd_wire_errname(int err);

/* The name of a message type ("WRITE"), or "unknown". */
const char *mp_xsd_wire_typename(uint32_t type);

/* The single NUL-terminated string that makes up the whole payload, or NULL
 * when the payload is anything else. */
const char *mp_xsd_wire_onearg(const struct mp_xsd_msg *m);

/* Splits a payload made only of NUL-terminated strings into argv (at most
 * `max`). Returns the count, or -EINVAL when the payload is empty or does
 * not end with a NUL, or -E2BIG when there are more than `max`. */
int mp_xsd_wire_split(const struct mp_xsd_msg *m, const char **argv, int max);

/* Parses a decimal unsigned number that fits in `max` (no sign, no
 * spaces, not empty). 0 or -EINVAL. */
int mp_xsd_wire_uint(const char *s, unsigned long max, unsigned long *out);

/* Reply builders: set the header from the request (type, req_id and tx_id
 * echoed), then append. Each append returns 0 or -E2BIG if the payload
 * limit would be exceeded (the reply is then unchanged). */
void mp_xsd_reply_init(struct mp_xsd_msg *r, const struct xsd_sockmsg *req);
int mp_xsd_reply_add(struct mp_xsd_msg *r, const void *data, uint32_t len);
/* Appends `s` with its NUL. */
int mp_xsd_reply_str(struct mp_xsd_msg *r, const char *s);
/* Makes `r` an XS_ERROR reply carrying the errno name of `err`. */
void mp_xsd_reply_error(struct mp_xsd_msg *r, const struct xsd_sockmsg *req, int err);

/* Total bytes of a message on the wire. */
static inline size_t mp_xsd_msg_size(const struct mp_xsd_msg *m)
{
	return MP_XSD_HDR_LEN + m->hdr.len;
}

#endif
