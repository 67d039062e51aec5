/* The unix socket server (see server.h). One uv_pipe_t listens; each
 * client has its own uv_pipe_t and a store connection. A client's handle
 * is freed in its close callback, which also frees its store connection,
 * so the store may keep sending to it (dropped) until then. */
#include "testbed/xenstored/server.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "testbed/xenstored/core.h"

/* Read buffer: any size works, the store reassembles messages. */
#define READ_BUF 65536
#define LISTEN_BACKLOG 128

struct client {
	uv_pipe_t pipe;
	struct mp_xsd_server *srv;
	struct mp_xsd_conn *conn;
	struct client *prev, *next;
	unsigned id;
	bool closing;
};

struct mp_xsd_server {
	uv_pipe_t listen;
	struct mp_xsd_core *core;
	struct client *clients;
	char *path;
	char buf[READ_BUF];
	unsigned next_id;
	unsigned pending;          /* handles whose close callback is due */
	bool stopping;
	void (*done)(void *arg);
	void *done_arg;
};

struct wreq {
	uv_write_t req;
	size_t len;
	char data[];
};

static void maybe_done(struct mp_xsd_server *s)
{
	if (!s->stopping || s->pending || s->clients)
		return;
	mp_xsd_core_free(s->core);
	free(s->path);
	if (s->done)
		s->done(s->done_arg);
	free(s);
}

static void on_client_closed(uv_handle_t *h)
{
	struct client *c = h->data;
	struct mp_xsd_server *s = c->srv;

	mp_xsd_conn_free(c->conn);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	maybe_done(s);
}

static void client_close(struct client *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	if (why)
		mp_info("client %u: %s; disconnecting it", c->id, why);
	else
		mp_debug("client %u disconnected", c->id);
	uv_close((uv_handle_t *)&c->pipe, on_client_closed);
}

static void on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct client *c = req->handle->data;

	if (status < 0 && status != UV_ECANCELED)
		client_close(c, uv_strerror(status));
	free(w);
}

/* The store's send callback: try the socket directly, queue the rest. */
static void client_send(void *ctx, const void *buf, size_t len)
{
	struct client *c = ctx;
	uv_stream_t *st = (uv_stream_t *)&c->pipe;
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	struct wreq *w;
	int n;

	if (c->closing)
		return;
	n = uv_try_write(st, &b, 1);
	if (n == (int)len)
		return;
	if (n < 0 && n != UV_EAGAIN) {
		client_close(c, uv_strerror(n));
		return;
	}
	if (n < 0)
		n = 0;
	if (uv_stream_get_write_queue_size(st) + len > MP_XSD_OUTQ_MAX) {
		client_close(c, "it does not read its replies");
		return;
	}
	w = malloc(sizeof(*w) + len - (size_t)n);
	if (!w) {
		client_close(c, "out of memory");
		return;
	}
	w->len = len - (size_t)n;
	memcpy(w->data, (const char *)buf + n, w->len);
	b = uv_buf_init(w->data, (unsigned)w->len);
	n = uv_write(&w->req, st, &b, 1, on_written);
	if (n < 0) {
		free(w);
		client_close(c, uv_strerror(n));
	}
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct client *c = h->data;

	(void)hint;
	*buf = uv_buf_init(c->srv->buf, sizeof(c->srv->buf));
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct client *c = st->data;
	int rc;

	if (n == UV_EOF) {
		client_close(c, NULL);
		return;
	}
	if (n < 0) {
		client_close(c, uv_strerror((int)n));
		return;
	}
	if (c->closing || n == 0)
		return;
	rc = mp_xsd_conn_feed(c->conn, buf->base, (size_t)n);
	if (rc < 0)
		client_close(c, "protocol violation (message longer than XENSTORE_PAYLOAD_MAX)");
}

static void on_connection(uv_stream_t *ls, int status)
{
	struct mp_xsd_server *s = ls->data;
	struct client *c;

	if (status < 0) {
		mp_warn("accepting a client: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		mp_warn("accepting a client: out of memory");
		return;
	}
	c->srv = s;
	c->id = ++s->next_id;
	uv_pipe_init(ls->loop, &c->pipe, 0);
	c->pipe.data = c;
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	if (uv_accept(ls, (uv_stream_t *)&c->pipe) < 0 ||
	    mp_xsd_conn_new(s->core, client_send, c, &c->conn) < 0) {
		client_close(c, "accept failed");
		return;
	}
	uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
	mp_debug("client %u connected", c->id);
}

/* True when a daemon answers on `path`. */
static bool socket_alive(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
	alive = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return alive;
}

static void on_listen_closed(uv_handle_t *h)
{
	struct mp_xsd_server *s = h->data;

	s->pending--;
	maybe_done(s);
}

int mp_xsd_server_start(uv_loop_t *loop, const char *path,
			struct mp_xsd_server **out)
{
	struct mp_xsd_server *s = calloc(1, sizeof(*s));
	struct sockaddr_un a;
	bool bound;
	int rc;

	if (strlen(path) >= sizeof(a.sun_path)) {
		mp_err("socket path %s is too long (at most %zu bytes): choose a shorter one",
		       path, sizeof(a.sun_path) - 1);
		free(s);
		return -ENAMETOOLONG;
	}
	if (!s || !(s->path = strdup(path)) || mp_xsd_core_new(&s->core) < 0) {
		if (s)
			free(s->path);
		free(s);
		mp_err("out of memory");
		return -ENOMEM;
	}
	uv_pipe_init(loop, &s->listen, 0);
	s->listen.data = s;
	rc = uv_pipe_bind(&s->listen, path);
	if (rc == UV_EADDRINUSE && !socket_alive(path)) {
		mp_info("removing stale socket %s", path);
		unlink(path);
		rc = uv_pipe_bind(&s->listen, path);
	}
	bound = rc == 0;
	if (rc == 0 && chmod(path, S_IRUSR | S_IWUSR) < 0)
		rc = -errno;
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->listen, LISTEN_BACKLOG, on_connection);
	if (rc < 0) {
		if (rc == UV_EADDRINUSE)
			mp_err("%s: another xenstored is listening there; stop it or choose another --socket",
			       path);
		else
			mp_err("cannot listen on %s: %s", path, uv_strerror(rc));
		if (bound)
			unlink(path);
		s->stopping = true;
		s->pending = 1;
		uv_close((uv_handle_t *)&s->listen, on_listen_closed);
		return rc;
	}
	mp_info("listening on %s", path);
	*out = s;
	return 0;
}

void mp_xsd_server_log_requests(struct mp_xsd_server *s, bool on)
{
	mp_xsd_core_log_requests(s->core, on);
}

void mp_xsd_server_stop(struct mp_xsd_server *s, void (*done)(void *arg),
			void *arg)
{
	s->stopping = true;
	s->done = done;
	s->done_arg = arg;
	unlink(s->path);
	for (struct client *c = s->clients; c; c = c->next)
		client_close(c, NULL);
	s->pending++;
	uv_close((uv_handle_t *)&s->listen, on_listen_closed);
}
