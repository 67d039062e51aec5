/* Shared between the store's own files (conn.c, ops.c, watch.c, txn.c,
 * domain.c); nothing outside src/testbed/xenstored/ includes this. */
#ifndef MP_XSD_INTERNAL_H
#define MP_XSD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "testbed/xenstored/core.h"
#include "testbed/xenstored/path.h"
#include "testbed/xenstored/tree.h"
#include "testbed/xenstored/wire.h"

/* Per-connection limits, as xenstored's quotas bound a domain. */
#define MP_XSD_WATCHES_MAX 256
#define MP_XSD_TXNS_MAX 64
/* Recorded accesses and queued operations in one transaction. */
#define MP_XSD_TXN_OPS_MAX 8192
/* Highest domain id a guest can have (DOMID_FIRST_RESERVED - 1). */
#define MP_XSD_DOMID_MAX 0x7fefUL

struct mp_xsd_watch {
	struct mp_xsd_watch *next;
	char *path;          /* canonical, or a special "@..." name */
	char *token;
	bool relative;       /* registered relative: events are relative */
};

struct mp_xsd_txn_op;
struct mp_xsd_txn_access;

struct mp_xsd_txn {
	struct mp_xsd_txn *next;
	uint32_t id;
	struct mp_xsd_tree tree;               /* the transaction's view */
	struct mp_xsd_txn_access *access;      /* first-seen generations */
	struct mp_xsd_txn_op *ops, **ops_tail; /* replayed on commit */
	uint32_t nops, naccess;
	bool failed;                           /* an op ran out of memory */
};

struct mp_xsd_conn {
	struct mp_xsd_core *core;
	struct mp_xsd_conn *prev, *next;
	mp_xsd_send_fn send;
	void *ctx;
	struct mp_xsd_msg in;                  /* the message being received */
	uint32_t inlen;                        /* bytes of `in` received */
	struct mp_xsd_watch *watches;
	uint32_t nwatches;
	struct mp_xsd_txn *txns;
	uint32_t ntxns;
};

struct mp_xsd_domain {
	struct mp_xsd_domain *next;
	unsigned long domid;
	unsigned long mfn;       /* the ring's frame, as given; never mapped */
};

/* An event held back while a transaction commits. */
struct mp_xsd_event {
	char *path;
	bool exact;              /* only watches on exactly this path */
};

struct mp_xsd_core {
	struct mp_xsd_tree tree;
	/* while `deferring`, events are collected here, one per path */
	struct mp_xsd_event *events;
	size_t nevents, events_cap;
	bool deferring;
	uint64_t gen;
	uint32_t next_txid;
	struct mp_xsd_conn *conns;
	struct mp_xsd_domain *domains;
	bool log_requests;
};

/* conn.c: sends a message to a connection's peer. */
void mp_xsd_conn_send(struct mp_xsd_conn *conn, const struct mp_xsd_msg *m);

/* A change to the tree: applied by ops.c, logged by txn.c in a transaction. */
enum mp_xsd_op_kind { MP_XSD_OP_WRITE, MP_XSD_OP_MKDIR, MP_XSD_OP_RM,
		      MP_XSD_OP_SET_PERMS };

/* ops.c: handles one complete request, answering on `conn`. */
void mp_xsd_ops_handle(struct mp_xsd_conn *conn, const struct mp_xsd_msg *req);
/* ops.c: applies one change to the live tree and fires its watches (txn.c
 * calls it to commit). */
int mp_xsd_apply(struct mp_xsd_core *core, enum mp_xsd_op_kind kind,
		 const char *path, const void *data, uint32_t len);

/* watch.c */
int mp_xsd_watch_add(struct mp_xsd_conn *conn, const char *path,
		     const char *token);
int mp_xsd_watch_del(struct mp_xsd_conn *conn, const char *path,
		     const char *token);
void mp_xsd_watch_reset(struct mp_xsd_conn *conn);
/* Fires every watch at or above `path` with `path` as the event path. */
void mp_xsd_watch_fire(struct mp_xsd_core *core, const char *path);
/* The events of removing the subtree at `path` (call it before removing):
 * as C xenstored 4.17, each node of the subtree below `path`, children
 * first, fires the watches on exactly that node, then watches at or above
 * `path` fire with `path`. Watches on paths that do not exist fire not. */
void mp_xsd_watch_fire_rm(struct mp_xsd_core *core, const char *path);
/* Holds events back (a commit) until mp_xsd_watch_flush() fires them, one
 * per path, in the order of each path's first event, as C xenstored
 * fires one event per changed node at commit. */
void mp_xsd_watch_defer(struct mp_xsd_core *core);
void mp_xsd_watch_flush(struct mp_xsd_core *core);
/* Fires only the watches on exactly `path` (the special paths). */
void mp_xsd_watch_fire_exact(struct mp_xsd_core *core, const char *path);
/* Sends the registration event of one watch. */
void mp_xsd_watch_fire_one(struct mp_xsd_conn *conn, const struct mp_xsd_watch *w,
			   const char *path);

/* txn.c */
int mp_xsd_txn_start(struct mp_xsd_conn *conn, uint32_t *id);
struct mp_xsd_txn *mp_xsd_txn_find(struct mp_xsd_conn *conn, uint32_t id);
/* Records the generation `path` had in the transaction's view when it was
 * first touched (before any change the transaction makes to it). */
int mp_xsd_txn_access(struct mp_xsd_txn *t, const char *path);
/* Queues an operation, already applied to the view, for commit. */
int mp_xsd_txn_log(struct mp_xsd_txn *t, enum mp_xsd_op_kind kind,
		   const char *path, const void *data, uint32_t len);
/* Ends a transaction: commit (0, or -EAGAIN on conflict) or abort (0).
 * The transaction is freed either way. */
int mp_xsd_txn_end(struct mp_xsd_conn *conn, struct mp_xsd_txn *t, bool commit);
void mp_xsd_txn_free_all(struct mp_xsd_conn *conn);

/* domain.c */
int mp_xsd_domain_introduce(struct mp_xsd_core *core, unsigned long domid,
			    unsigned long mfn);
int mp_xsd_domain_release(struct mp_xsd_core *core, unsigned long domid);
bool mp_xsd_domain_known(const struct mp_xsd_core *core, unsigned long domid);
void mp_xsd_domain_free_all(struct mp_xsd_core *core);

#endif
