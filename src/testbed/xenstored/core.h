/* The xenstored stand-in's protocol engine, without any I/O: a store (the
 * tree, the introduced domains, the connections) and connections that are
 * fed raw bytes and answer through a callback. The libuv server (server.h)
 * and the fuzz target (tests/fuzz/fuzz_xsd.c) both drive it.
 *
 * Semantics follow Xen's docs/misc/xenstore.txt for a dom0 client; see
 * ops.c for each message type. Single-threaded. */
#ifndef MP_XSD_CORE_H
#define MP_XSD_CORE_H

#include <stdbool.h>
#include <stddef.h>

struct mp_xsd_core;
struct mp_xsd_conn;

/* Delivers one whole message (header + payload, `len` bytes) to the peer of
 * a connection. Must not call back into the core; it may copy or drop. */
typedef void (*mp_xsd_send_fn)(void *ctx, const void *buf, size_t len);

/* A new store holding "/", /local/domain/0/{domid,name} as a booted Xen
 * host has them. 0 or -ENOMEM. */
int mp_xsd_core_new(struct mp_xsd_core **out);
/* Frees the store and any connection still attached. */
void mp_xsd_core_free(struct mp_xsd_core *core);
/* Logs one debug line per request from now on (mp_debug). */
void mp_xsd_core_log_requests(struct mp_xsd_core *core, bool on);
/* Number of nodes in the live tree (for logs and tests). */
size_t mp_xsd_core_nodes(const struct mp_xsd_core *core);

/* A new client connection. 0 or -ENOMEM. */
int mp_xsd_conn_new(struct mp_xsd_core *core, mp_xsd_send_fn send, void *ctx,
		    struct mp_xsd_conn **out);
/* Feeds bytes received from the client; every complete message is handled
 * and answered through `send`. Returns 0, or a negative errno when the
 * client broke the protocol (a header announcing more than
 * XENSTORE_PAYLOAD_MAX bytes): the caller must then close the connection
 * and free it. */
int mp_xsd_conn_feed(struct mp_xsd_conn *conn, const void *data, size_t len);
/* Detaches and frees a connection: its watches and open transactions go. */
void mp_xsd_conn_free(struct mp_xsd_conn *conn);

#endif
