/* The xenstored stand-in's unix socket server on a libuv loop: accepts any
 * number of clients, feeds their bytes to the store (core.h) and writes its
 * answers back. Every client is dom0. */
#ifndef MP_XSD_SERVER_H
#define MP_XSD_SERVER_H

#include <stdbool.h>
#include <uv.h>

struct mp_xsd_server;

/* Most bytes queued to one client that does not read its answers or
 * events; past it the client is disconnected, as xenstored drops a
 * connection that ignores its output. */
#define MP_XSD_OUTQ_MAX (16u << 20)

/* Creates the store and listens on `path` (mode 0600). A stale socket file
 * from a dead daemon is replaced; a live one gives -EADDRINUSE. Errors are
 * logged with what to do. 0 or a negative errno. */
int mp_xsd_server_start(uv_loop_t *loop, const char *path,
			struct mp_xsd_server **out);
/* Logs every request at debug level (--verbose). */
void mp_xsd_server_log_requests(struct mp_xsd_server *s, bool on);

/* Stops listening, removes the socket file, disconnects every client and
 * frees everything once the loop has run the close callbacks; then calls
 * `done(arg)` (may be NULL). */
void mp_xsd_server_stop(struct mp_xsd_server *s, void (*done)(void *arg),
			void *arg);

#endif
