/* Transactions. Each one works on its own copy of the tree taken at
 * TRANSACTION_START, so its writes are invisible to other connections. It
 * records the generation every node it touches had in that copy, and logs
 * its changes. Commit checks that none of those nodes changed in the live
 * tree since (else EAGAIN, as xenstored answers a conflicting commit) and
 * replays the log on the live tree, which fires the watches then. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testbed/xenstored/internal.h"

struct mp_xsd_txn_access {
	struct mp_xsd_txn_access *next;
	uint64_t gen;
	char path[];
};

struct mp_xsd_txn_op {
	struct mp_xsd_txn_op *next;
	enum mp_xsd_op_kind kind;
	uint32_t len;
	char *data;
	char path[];
};

int mp_xsd_txn_start(struct mp_xsd_conn *conn, uint32_t *id)
{
	struct mp_xsd_core *core = conn->core;
	struct mp_xsd_txn *t;

	if (conn->ntxns >= MP_XSD_TXNS_MAX)
		return -ENOSPC;     /* xenstored's answer past its quota */
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (mp_xsd_tree_clone(&t->tree, &core->tree) < 0) {
		mp_xsd_tree_free(&t->tree);
		free(t);
		return -ENOMEM;
	}
	/* ids are unique among open transactions and never 0 (no txn) */
	do {
		t->id = core->next_txid++;
		if (core->next_txid == 0)
			core->next_txid = 1;
	} while (mp_xsd_txn_find(conn, t->id));
	t->ops_tail = &t->ops;
	t->next = conn->txns;
	conn->txns = t;
	conn->ntxns++;
	*id = t->id;
	return 0;
}

struct mp_xsd_txn *mp_xsd_txn_find(struct mp_xsd_conn *conn, uint32_t id)
{
	for (struct mp_xsd_txn *t = conn->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

int mp_xsd_txn_access(struct mp_xsd_txn *t, const char *path)
{
	struct mp_xsd_txn_access *a;
	size_t len = strlen(path);

	for (a = t->access; a; a = a->next)
		if (strcmp(a->path, path) == 0)
			return 0;
	if (t->naccess >= MP_XSD_TXN_OPS_MAX)
		return -ENOSPC;
	a = malloc(sizeof(*a) + len + 1);
	if (!a)
		return -ENOMEM;
	memcpy(a->path, path, len + 1);
	a->gen = mp_xsd_tree_gen(&t->tree, path);
	a->next = t->access;
	t->access = a;
	t->naccess++;
	return 0;
}

int mp_xsd_txn_log(struct mp_xsd_txn *t, enum mp_xsd_op_kind kind,
		   const char *path, const void *data, uint32_t len)
{
	size_t plen = strlen(path);
	struct mp_xsd_txn_op *op;

	/* the change is already in the view: a failure here must fail the
	 * whole transaction, or commit would not replay what the client saw */
	if (t->nops >= MP_XSD_TXN_OPS_MAX) {
		t->failed = true;
		return -ENOSPC;
	}
	op = calloc(1, sizeof(*op) + plen + 1);
	if (!op || (len && !(op->data = malloc(len)))) {
		free(op);
		t->failed = true;
		return -ENOMEM;
	}
	memcpy(op->path, path, plen + 1);
	if (len)
		memcpy(op->data, data, len);
	op->kind = kind;
	op->len = len;
	*t->ops_tail = op;
	t->ops_tail = &op->next;
	t->nops++;
	return 0;
}

static void txn_free(struct mp_xsd_txn *t)
{
	while (t->access) {
		struct mp_xsd_txn_access *a = t->access;

		t->access = a->next;
		free(a);
	}
	while (t->ops) {
		struct mp_xsd_txn_op *op = t->ops;

		t->ops = op->next;
		free(op->data);
		free(op);
	}
	mp_xsd_tree_free(&t->tree);
	free(t);
}

static void unlink_txn(struct mp_xsd_conn *conn, struct mp_xsd_txn *t)
{
	for (struct mp_xsd_txn **pp = &conn->txns; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			conn->ntxns--;
			return;
		}
	}
}

static bool conflicts(const struct mp_xsd_core *core, const struct mp_xsd_txn *t)
{
	for (const struct mp_xsd_txn_access *a = t->access; a; a = a->next)
		if (mp_xsd_tree_gen(&core->tree, a->path) != a->gen)
			return true;
	return false;
}

int mp_xsd_txn_end(struct mp_xsd_conn *conn, struct mp_xsd_txn *t, bool commit)
{
	int rc = 0;

	unlink_txn(conn, t);
	if (commit) {
		if (t->failed)
			rc = -ENOSPC;
		else if (conflicts(conn->core, t))
			rc = -EAGAIN;
		mp_xsd_watch_defer(conn->core);
		for (struct mp_xsd_txn_op *op = t->ops; rc == 0 && op; op = op->next) {
			int r = mp_xsd_apply(conn->core, op->kind, op->path,
					     op->data, op->len);

			/* an RM the view allowed may find nothing: fine */
			if (r < 0 && r != -ENOENT)
				rc = r;
		}
		mp_xsd_watch_flush(conn->core);
	}
	txn_free(t);
	return rc;
}

void mp_xsd_txn_free_all(struct mp_xsd_conn *conn)
{
	while (conn->txns) {
		struct mp_xsd_txn *t = conn->txns;

		conn->txns = t->next;
		txn_free(t);
	}
	conn->ntxns = 0;
}
