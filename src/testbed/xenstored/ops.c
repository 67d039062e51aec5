/* One handler per xenstore message type, as xenstored answers a dom0
 * client (Xen docs/misc/xenstore.txt). Every reply echoes the request's
 * type, req_id and tx_id; failures are XS_ERROR with the errno name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "testbed/xenstored/internal.h"

/* A handler fills `r` and returns 0, returns a negative errno (answered as
 * XS_ERROR), or returns ANSWERED when it has sent its reply itself. */
#define ANSWERED 1

/* Highest domid a request may name (domid_t is 16 bits). */
#define DOMID_ARG_MAX 0xffffUL

typedef int (*handler_fn)(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			  const struct mp_xsd_msg *req, struct mp_xsd_msg *r);

static const char ok[] = "OK";

/* A number argument read as C xenstored reads most of them, with atoi()
 * into an unsigned int: no check at all ("abc" is 0, "7x" is 7, "-1" and
 * numbers past INT_MAX wrap). Measured on Xen 4.17 (docs/testbed.md). */
static unsigned int xs_atoi(const char *s)
{
	return (unsigned int)(int)strtol(s, NULL, 10);
}

static struct mp_xsd_tree *view(struct mp_xsd_conn *c, struct mp_xsd_txn *t)
{
	return t ? &t->tree : &c->core->tree;
}

/* The request's single path argument, canonical, for a node operation. */
static int path_arg(const struct mp_xsd_msg *req, char *canon)
{
	const char *p = mp_xsd_wire_onearg(req);

	if (!p)
		return -EINVAL;
	return mp_xsd_path_canon(p, false, canon, NULL);
}

/* Looks `path` up in the connection's view, recording the access in a
 * transaction. */
static int find(struct mp_xsd_conn *c, struct mp_xsd_txn *t, const char *path,
		struct mp_xsd_node **out)
{
	int rc = t ? mp_xsd_txn_access(t, path) : 0;

	if (rc < 0)
		return rc;
	*out = mp_xsd_tree_lookup(view(c, t), path);
	return *out ? 0 : -ENOENT;
}

/* Cuts `path` (canonical, not "/") to its parent, in place. */
static void to_parent(char *path)
{
	char *s = strrchr(path, '/');

	if (s == path)
		s[1] = '\0';
	else
		*s = '\0';
}

/* In a transaction: records what creating `path` (with its missing
 * parents) will change: the path, each missing ancestor and the first
 * existing one, whose list of children grows. */
static int touch_create(struct mp_xsd_txn *t, const char *path)
{
	char p[MP_XSD_PATH_BUF];
	int rc = mp_xsd_txn_access(t, path);

	strcpy(p, path);
	while (rc == 0 && !mp_xsd_tree_lookup(&t->tree, p) && strcmp(p, "/") != 0) {
		to_parent(p);
		rc = mp_xsd_txn_access(t, p);
	}
	return rc;
}

/* A change, applied to the live tree (firing watches) or, in a
 * transaction, to its view and queued for commit. */
static int change(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		  enum mp_xsd_op_kind kind, const char *path, const void *data,
		  uint32_t len)
{
	int rc;
	bool created;

	if (!t)
		return mp_xsd_apply(c->core, kind, path, data, len);
	switch (kind) {
	case MP_XSD_OP_WRITE:
		rc = touch_create(t, path);
		if (rc == 0)
			rc = mp_xsd_tree_write(&t->tree, path, data, len);
		break;
	case MP_XSD_OP_MKDIR:
		rc = touch_create(t, path);
		if (rc == 0)
			rc = mp_xsd_tree_mkdir(&t->tree, path, &created);
		if (rc == 0 && !created)
			return 0;    /* nothing to replay */
		break;
	case MP_XSD_OP_RM: {
		char parent[MP_XSD_PATH_BUF];

		strcpy(parent, path);
		to_parent(parent);
		rc = mp_xsd_txn_access(t, path);
		if (rc == 0)
			rc = mp_xsd_txn_access(t, parent);
		if (rc == 0)
			rc = mp_xsd_tree_rm(&t->tree, path);
		break;
	}
	case MP_XSD_OP_SET_PERMS:
		rc = mp_xsd_txn_access(t, path);
		if (rc == 0)
			rc = mp_xsd_tree_set_perms(&t->tree, path, data, len);
		break;
	default:
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	return mp_xsd_txn_log(t, kind, path, data, len);
}

int mp_xsd_apply(struct mp_xsd_core *core, enum mp_xsd_op_kind kind,
		 const char *path, const void *data, uint32_t len)
{
	bool created = true;
	int rc;

	switch (kind) {
	case MP_XSD_OP_WRITE:
		rc = mp_xsd_tree_write(&core->tree, path, data, len);
		break;
	case MP_XSD_OP_MKDIR:
		rc = mp_xsd_tree_mkdir(&core->tree, path, &created);
		break;
	case MP_XSD_OP_RM:
		if (!mp_xsd_tree_lookup(&core->tree, path))
			return -ENOENT;
		mp_xsd_watch_fire_rm(core, path);
		return mp_xsd_tree_rm(&core->tree, path);
	case MP_XSD_OP_SET_PERMS:
		rc = mp_xsd_tree_set_perms(&core->tree, path, data, len);
		break;
	default:
		return -EINVAL;
	}
	if (rc == 0 && created)
		mp_xsd_watch_fire(core, path);
	return rc;
}

static int op_directory(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	char path[MP_XSD_PATH_BUF];
	struct mp_xsd_node *n = NULL;
	int rc = path_arg(req, path);

	if (rc == 0)
		rc = find(c, t, path, &n);
	for (uint32_t i = 0; rc == 0 && i < n->nkids; i++)
		rc = mp_xsd_reply_str(r, n->kids[i]->name);
	return rc;
}

/* DIRECTORY_PART "path\0offset\0": the node's generation, then the
 * children from byte `offset` of the full NUL-separated list, as many whole
 * names as fit; an extra empty string marks the end of the list (alone
 * when the offset is past it). */
static int op_directory_part(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			     const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	const char *argv[3];
	char path[MP_XSD_PATH_BUF], gen[24];
	unsigned long off, pos = 0;
	struct mp_xsd_node *n = NULL;
	int rc = mp_xsd_wire_split(req, argv, 3);

	if (rc != 2)
		return -EINVAL;
	off = xs_atoi(argv[1]);
	rc = mp_xsd_path_canon(argv[0], false, path, NULL);
	if (rc == 0)
		rc = find(c, t, path, &n);
	if (rc < 0)
		return rc;
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)n->gen);
	mp_xsd_reply_str(r, gen);
	for (uint32_t i = 0; i < n->nkids; i++) {
		const char *name = n->kids[i]->name;
		size_t len = strlen(name) + 1;

		if (pos + len <= off) {
			pos += len;
			continue;
		}
		/* `off` inside a name: the rest of that name comes first */
		if (pos < off) {
			name += off - pos;
			len -= off - pos;
		}
		pos += len;
		/* keep one byte for the end marker */
		if (r->hdr.len + len + 1 > MP_XSD_PAYLOAD_MAX) {
			if (r->hdr.len == strlen(gen) + 1)
				return -E2BIG;   /* not even one name fits */
			return 0;
		}
		mp_xsd_reply_add(r, name, (uint32_t)len);
	}
	mp_xsd_reply_add(r, "", 1);   /* an offset past the end: no names */
	return 0;
}

/* READ and GET_PERMS: one field of the node named by the payload. */
static int reply_node(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		      const struct mp_xsd_msg *req, struct mp_xsd_msg *r, int perms)
{
	char path[MP_XSD_PATH_BUF];
	struct mp_xsd_node *n = NULL;
	int rc = path_arg(req, path);

	if (rc == 0)
		rc = find(c, t, path, &n);
	if (rc == 0)
		rc = perms ? mp_xsd_reply_add(r, n->perms, n->plen)
			   : mp_xsd_reply_add(r, n->value, n->vlen);
	return rc;
}

static int op_read(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		   const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	return reply_node(c, t, req, r, 0);
}

static int op_get_perms(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	return reply_node(c, t, req, r, 1);
}

/* WRITE "path\0value": the value is the rest of the payload, no NUL. */
static int op_write(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		    const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	char path[MP_XSD_PATH_BUF];
	const char *nul = memchr(req->body, '\0', req->hdr.len);
	uint32_t plen;
	int rc;

	if (!nul)
		return -EINVAL;
	plen = (uint32_t)(nul - req->body) + 1;
	rc = mp_xsd_path_canon(req->body, false, path, NULL);
	if (rc == 0)
		rc = change(c, t, MP_XSD_OP_WRITE, path, req->body + plen,
			    req->hdr.len - plen);
	if (rc == 0)
		rc = mp_xsd_reply_str(r, ok);
	return rc;
}

static int op_mkdir(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		    const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	char path[MP_XSD_PATH_BUF];
	int rc = path_arg(req, path);

	if (rc == 0)
		rc = change(c, t, MP_XSD_OP_MKDIR, path, NULL, 0);
	if (rc == 0)
		rc = mp_xsd_reply_str(r, ok);
	return rc;
}

/* RM of a missing node whose parent exists succeeds, as in xenstored. */
static int op_rm(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		 const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	char path[MP_XSD_PATH_BUF];
	struct mp_xsd_node *n = NULL;
	int rc = path_arg(req, path);

	if (rc < 0)
		return rc;
	if (strcmp(path, "/") == 0)
		return -EINVAL;
	rc = find(c, t, path, &n);
	if (rc == -ENOENT) {
		to_parent(path);
		rc = find(c, t, path, &n);
		return rc < 0 ? rc : mp_xsd_reply_str(r, ok);
	}
	if (rc == 0)
		rc = change(c, t, MP_XSD_OP_RM, path, NULL, 0);
	if (rc == 0)
		rc = mp_xsd_reply_str(r, ok);
	return rc;
}

/* A permission entry: one of r, w, b, n then a domid ("n0", "r5"). */
static bool valid_perm(const char *p)
{
	unsigned long id;

	return strchr("rwbn", p[0]) && p[0] && mp_xsd_wire_uint(p + 1, DOMID_ARG_MAX, &id) == 0;
}

static int op_set_perms(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	static const char *argv[MP_XSD_ARGS_MAX];
	char path[MP_XSD_PATH_BUF];
	int n = mp_xsd_wire_split(req, argv, MP_XSD_ARGS_MAX), rc;
	uint32_t plen;

	if (n < 2)
		return -EINVAL;
	for (int i = 1; i < n; i++)
		if (!valid_perm(argv[i]))
			return -EINVAL;
	rc = mp_xsd_path_canon(argv[0], false, path, NULL);
	if (rc < 0)
		return rc;
	/* the entries are contiguous in the payload after the path */
	plen = req->hdr.len - (uint32_t)(argv[1] - req->body);
	if (!mp_xsd_tree_lookup(view(c, t), path)) {
		if (t)
			mp_xsd_txn_access(t, path);
		return -ENOENT;
	}
	rc = change(c, t, MP_XSD_OP_SET_PERMS, path, argv[1], plen);
	if (rc == 0)
		rc = mp_xsd_reply_str(r, ok);
	return rc;
}

/* WATCH "path\0token\0": OK, then the registration event. */
static int op_watch(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		    const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	const char *argv[3];
	struct mp_xsd_watch *w;
	int rc;

	(void)t;
	if (mp_xsd_wire_split(req, argv, 3) != 2)
		return -EINVAL;
	rc = mp_xsd_watch_add(c, argv[0], argv[1]);
	if (rc < 0)
		return rc;
	mp_xsd_reply_str(r, ok);
	mp_xsd_conn_send(c, r);
	for (w = c->watches; w->next; w = w->next)
		;    /* the new watch is the last */
	mp_xsd_watch_fire_one(c, w, w->path);
	return ANSWERED;
}

static int op_unwatch(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		      const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	const char *argv[3];
	int rc;

	(void)t;
	if (mp_xsd_wire_split(req, argv, 3) != 2)
		return -EINVAL;
	rc = mp_xsd_watch_del(c, argv[0], argv[1]);
	if (rc == 0)
		rc = mp_xsd_reply_str(r, ok);
	return rc;
}

static int op_reset_watches(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			    const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	(void)t;
	(void)req;
	mp_xsd_watch_reset(c);
	mp_xsd_txn_free_all(c);
	return mp_xsd_reply_str(r, ok);
}

static int op_txn_start(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	char id[16];
	uint32_t tid;
	int rc;

	(void)req;           /* its argument is ignored, as xenstored does */
	if (t)
		return -EBUSY;   /* no nested transactions */
	rc = mp_xsd_txn_start(c, &tid);
	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "%u", tid);
	return mp_xsd_reply_str(r, id);
}

/* TRANSACTION_END "T\0" commits, "F\0" aborts. */
static int op_txn_end(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		      const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	const char *arg = mp_xsd_wire_onearg(req);
	int rc;

	if (!arg || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
		return -EINVAL;
	if (!t)
		return -ENOENT;
	rc = mp_xsd_txn_end(c, t, arg[0] == 'T');
	if (rc == 0)
		rc = mp_xsd_reply_str(r, ok);
	return rc;
}

static int domid_arg(const char *s, unsigned long *domid)
{
	return s ? mp_xsd_wire_uint(s, DOMID_ARG_MAX, domid) : -EINVAL;
}

/* INTRODUCE "domid\0mfn\0evtchn\0" (the mfn in signed decimal, as the
 * protocol says; its sign is ignored): there is no ring to map here; the
 * domain is recorded and @introduceDomain fires. */
static int op_introduce(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	const char *argv[4];
	unsigned long domid, mfn, port;
	int rc;

	(void)t;
	if (mp_xsd_wire_split(req, argv, 4) < 3 ||
	    domid_arg(argv[0], &domid) < 0 ||
	    mp_xsd_wire_uint(argv[1] + (argv[1][0] == '-'), ~0UL, &mfn) < 0 ||
	    mp_xsd_wire_uint(argv[2], ~0U, &port) < 0)
		return -EINVAL;
	rc = mp_xsd_domain_introduce(c->core, domid, mfn);
	if (rc == 0)
		rc = mp_xsd_reply_str(r, ok);
	return rc;
}

/* RELEASE, GET_DOMAIN_PATH and IS_DOMAIN_INTRODUCED read their domid
 * with xs_atoi(); only a missing argument is refused. */
static int op_release(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
		      const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	const char *arg = mp_xsd_wire_onearg(req);
	int rc = arg ? mp_xsd_domain_release(c->core, xs_atoi(arg)) : -EINVAL;

	(void)t;
	if (rc == 0)
		rc = mp_xsd_reply_str(r, ok);
	return rc;
}

static int op_get_domain_path(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			      const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	char path[40];
	const char *arg = mp_xsd_wire_onearg(req);

	(void)c;
	(void)t;
	if (!arg)
		return -EINVAL;
	snprintf(path, sizeof(path), "/local/domain/%u", xs_atoi(arg));
	return mp_xsd_reply_str(r, path);
}

static int op_is_introduced(struct mp_xsd_conn *c, struct mp_xsd_txn *t,
			    const struct mp_xsd_msg *req, struct mp_xsd_msg *r)
{
	const char *arg = mp_xsd_wire_onearg(req);

	(void)t;
	if (!arg)
		return -EINVAL;
	return mp_xsd_reply_str(r, mp_xsd_domain_known(c->core, xs_atoi(arg)) ? "T" : "F");
}

/* Types not listed (CONTROL, RESUME, SET_TARGET, WATCH_EVENT and ERROR
 * sent by a client, unknown numbers) answer ENOSYS. A request of a listed
 * type other than WATCH whose tx_id names no transaction of its
 * connection answers ENOENT, whatever its type (as C xenstored 4.17 does);
 * `txn`: the handler runs inside the transaction named. */
static const struct {
	handler_fn fn;
	bool txn;
} handlers[XS_TYPE_COUNT] = {
	[XS_DIRECTORY] = { op_directory, true },
	[XS_DIRECTORY_PART] = { op_directory_part, true },
	[XS_READ] = { op_read, true },
	[XS_GET_PERMS] = { op_get_perms, true },
	[XS_WRITE] = { op_write, true },
	[XS_MKDIR] = { op_mkdir, true },
	[XS_RM] = { op_rm, true },
	[XS_SET_PERMS] = { op_set_perms, true },
	[XS_WATCH] = { op_watch, false },
	[XS_UNWATCH] = { op_unwatch, false },
	[XS_RESET_WATCHES] = { op_reset_watches, false },
	[XS_TRANSACTION_START] = { op_txn_start, true },
	[XS_TRANSACTION_END] = { op_txn_end, true },
	[XS_INTRODUCE] = { op_introduce, false },
	[XS_RELEASE] = { op_release, false },
	[XS_GET_DOMAIN_PATH] = { op_get_domain_path, false },
	[XS_IS_DOMAIN_INTRODUCED] = { op_is_introduced, false },
};

/* One debug line per request: type, first argument (non-printable bytes
 * shown as '.', cut at LOG_ARG_MAX), outcome. */
#define LOG_ARG_MAX 80

static void log_request(const struct mp_xsd_msg *req, int rc)
{
	char arg[LOG_ARG_MAX + 1];
	size_t n = 0;

	for (; n < req->hdr.len && n < LOG_ARG_MAX && req->body[n]; n++)
		arg[n] = req->body[n] >= 0x20 && req->body[n] < 0x7f ? req->body[n] : '.';
	arg[n] = '\0';
	mp_debug("%s %s tx %u -> %s", mp_xsd_wire_typename(req->hdr.type), arg,
		 req->hdr.tx_id, rc < 0 ? mp_xsd_wire_errname(rc) : "OK");
}

void mp_xsd_ops_handle(struct mp_xsd_conn *conn, const struct mp_xsd_msg *req)
{
	struct mp_xsd_msg r;
	struct mp_xsd_txn *t = NULL;
	uint32_t type = req->hdr.type;
	int rc;

	mp_xsd_reply_init(&r, &req->hdr);
	if (type >= XS_TYPE_COUNT || !handlers[type].fn) {
		rc = -ENOSYS;
	} else if (type != XS_WATCH && req->hdr.tx_id != 0 &&
		   !(t = mp_xsd_txn_find(conn, req->hdr.tx_id))) {
		rc = -ENOENT;
	} else {
		rc = handlers[type].fn(conn, handlers[type].txn ? t : NULL, req, &r);
	}
	if (conn->core->log_requests)
		log_request(req, rc);
	if (rc == ANSWERED)
		return;
	if (rc < 0)
		mp_xsd_reply_error(&r, &req->hdr, rc);
	mp_xsd_conn_send(conn, &r);
}
