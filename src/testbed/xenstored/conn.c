/* The store and its connections: creation, teardown, and message framing
 * of the bytes a client sends (see core.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testbed/xenstored/internal.h"

/* What a booted Xen host's store holds before any toolstack runs. */
static const struct {
	const char *path, *value;
} initial_nodes[] = {
	{ MP_XSD_HOME "/domid", "0" },
	{ MP_XSD_HOME "/name", "Domain-0" },
};

int mp_xsd_core_new(struct mp_xsd_core **out)
{
	struct mp_xsd_core *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->next_txid = 1;
	if (mp_xsd_tree_init(&c->tree, &c->gen) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(initial_nodes) / sizeof(initial_nodes[0]); i++)
		if (mp_xsd_tree_write(&c->tree, initial_nodes[i].path,
				      initial_nodes[i].value,
				      (uint32_t)strlen(initial_nodes[i].value)) < 0)
			goto fail;
	*out = c;
	return 0;
fail:
	mp_xsd_tree_free(&c->tree);
	free(c);
	return -ENOMEM;
}

void mp_xsd_core_free(struct mp_xsd_core *core)
{
	if (!core)
		return;
	while (core->conns)
		mp_xsd_conn_free(core->conns);
	mp_xsd_domain_free_all(core);
	mp_xsd_watch_flush(core);    /* frees what a commit may have left */
	mp_xsd_tree_free(&core->tree);
	free(core);
}

void mp_xsd_core_log_requests(struct mp_xsd_core *core, bool on)
{
	core->log_requests = on;
}

size_t mp_xsd_core_nodes(const struct mp_xsd_core *core)
{
	return core->tree.nnodes;
}

int mp_xsd_conn_new(struct mp_xsd_core *core, mp_xsd_send_fn send, void *ctx,
		    struct mp_xsd_conn **out)
{
	struct mp_xsd_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->core = core;
	c->send = send;
	c->ctx = ctx;
	c->next = core->conns;
	if (core->conns)
		core->conns->prev = c;
	core->conns = c;
	*out = c;
	return 0;
}

void mp_xsd_conn_free(struct mp_xsd_conn *conn)
{
	if (!conn)
		return;
	mp_xsd_watch_reset(conn);
	mp_xsd_txn_free_all(conn);
	if (conn->prev)
		conn->prev->next = conn->next;
	else
		conn->core->conns = conn->next;
	if (conn->next)
		conn->next->prev = conn->prev;
	free(conn);
}

void mp_xsd_conn_send(struct mp_xsd_conn *conn, const struct mp_xsd_msg *m)
{
	conn->send(conn->ctx, m, mp_xsd_msg_size(m));
}

int mp_xsd_conn_feed(struct mp_xsd_conn *conn, const void *data, size_t len)
{
	const char *p = data;
	char *in = (char *)&conn->in;

	while (len > 0) {
		uint32_t want;
		size_t n;

		if (conn->inlen < MP_XSD_HDR_LEN)
			want = MP_XSD_HDR_LEN;
		else
			want = MP_XSD_HDR_LEN + conn->in.hdr.len;
		n = want - conn->inlen;
		if (n > len)
			n = len;
		memcpy(in + conn->inlen, p, n);
		conn->inlen += (uint32_t)n;
		p += n;
		len -= n;
		if (conn->inlen == MP_XSD_HDR_LEN &&
		    conn->in.hdr.len > MP_XSD_PAYLOAD_MAX)
			return -E2BIG;     /* a protocol violation: close */
		if (conn->inlen >= MP_XSD_HDR_LEN &&
		    conn->inlen == MP_XSD_HDR_LEN + conn->in.hdr.len) {
			conn->inlen = 0;
			mp_xsd_ops_handle(conn, &conn->in);
		}
	}
	return 0;
}
