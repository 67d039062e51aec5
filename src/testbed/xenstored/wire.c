/* xenstore wire format helpers (see wire.h). */
#include "testbed/xenstored/wire.h"

#include <string.h>

_Static_assert(sizeof(struct mp_xsd_msg) == MP_XSD_HDR_LEN + XENSTORE_PAYLOAD_MAX,
	       "message buffer must be header + payload, unpadded");

const char *mp_xsd_wire_errname(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EIO";
}

const char *mp_xsd_wire_typename(uint32_t type)
{
	static const char *const names[XS_TYPE_COUNT] = {
		[XS_CONTROL] = "CONTROL", [XS_DIRECTORY] = "DIRECTORY",
		[XS_READ] = "READ", [XS_GET_PERMS] = "GET_PERMS",
		[XS_WATCH] = "WATCH", [XS_UNWATCH] = "UNWATCH",
		[XS_TRANSACTION_START] = "TRANSACTION_START",
		[XS_TRANSACTION_END] = "TRANSACTION_END",
		[XS_INTRODUCE] = "INTRODUCE", [XS_RELEASE] = "RELEASE",
		[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH", [XS_WRITE] = "WRITE",
		[XS_MKDIR] = "MKDIR", [XS_RM] = "RM", [XS_SET_PERMS] = "SET_PERMS",
		[XS_WATCH_EVENT] = "WATCH_EVENT", [XS_ERROR] = "ERROR",
		[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
		[XS_RESUME] = "RESUME", [XS_SET_TARGET] = "SET_TARGET",
		[XS_RESET_WATCHES] = "RESET_WATCHES",
		[XS_DIRECTORY_PART] = "DIRECTORY_PART",
	};

	return type < XS_TYPE_COUNT && names[type] ? names[type] : "unknown";
}

const char *mp_xsd_wire_onearg(const struct mp_xsd_msg *m)
{
	uint32_t len = m->hdr.len;

	if (len == 0 || len > MP_XSD_PAYLOAD_MAX || m->body[len - 1] != '\0' ||
	    strlen(m->body) != len - 1)
		return NULL;
	return m->body;
}

int mp_xsd_wire_split(const struct mp_xsd_msg *m, const char **argv, int max)
{
	uint32_t len = m->hdr.len, off = 0;
	int n = 0;

	if (len == 0 || len > MP_XSD_PAYLOAD_MAX || m->body[len - 1] != '\0')
		return -EINVAL;
	while (off < len) {
		if (n == max)
			return -E2BIG;
		argv[n++] = m->body + off;
		off += (uint32_t)strlen(m->body + off) + 1;
	}
	return n;
}

int mp_xsd_wire_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 0;
}

void mp_xsd_reply_init(struct mp_xsd_msg *r, const struct xsd_sockmsg *req)
{
	r->hdr = *req;
	r->hdr.len = 0;
}

int mp_xsd_reply_add(struct mp_xsd_msg *r, const void *data, uint32_t len)
{
	if (len > MP_XSD_PAYLOAD_MAX - r->hdr.len)
		return -E2BIG;
	if (len == 0)
		return 0;     /* data may be NULL (an empty value) */
	memcpy(r->body + r->hdr.len, data, len);
	r->hdr.len += len;
	return 0;
}

int mp_xsd_reply_str(struct mp_xsd_msg *r, const char *s)
{
	return mp_xsd_reply_add(r, s, (uint32_t)strlen(s) + 1);
}

void mp_xsd_reply_error(struct mp_xsd_msg *r, const struct xsd_sockmsg *req, int err)
{
	mp_xsd_reply_init(r, req);
	r->hdr.type = XS_ERROR;
	mp_xsd_reply_str(r, mp_xsd_wire_errname(err));
}
