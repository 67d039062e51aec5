/* Line framing for the control channel's byte stream (proto_framer.h). */
#include "common/proto_framer.h"

#include <errno.h>
#include <string.h>

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
