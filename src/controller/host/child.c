/* Child processes on the loop: build steps and toolstack commands (child.h). */
#include "controller/host/child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/loop.h"
#include "common/err.h"
#include "common/log.h"

#define CHILD_OUT_KEEP 4096     /* bytes of stdout kept for the callback */
#define CHILD_LINE_MAX 1024     /* longer output lines are logged in pieces */

struct pipe_side {
	uv_pipe_t pipe;
	struct mp_child *child;
	int is_err;
	char line[CHILD_LINE_MAX];
	size_t len;
};

struct mp_child {
	uv_process_t proc;
	uv_timer_t timer;
	struct pipe_side out, err;
	char name[64];
	char keep[CHILD_OUT_KEEP];
	size_t keep_len;
	char tail[MP_CHILD_TAIL_MAX + 1];
	size_t tail_len;
	int status;
	int timed_out;
	int open_handles;
	mp_child_cb cb;
	void *arg;
	struct mp_child *prev, *next;   /* in `running`, until it exits */
};

/* Every child whose process runs, for mp_child_kill_all (no limit). */
static struct mp_child *running;

static void running_add(struct mp_child *c)
{
	c->prev = NULL;
	c->next = running;
	if (running)
		running->prev = c;
	running = c;
}

static void running_remove(struct mp_child *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (running == c)
		running = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* Pipes carry their pipe_side in data; the process and timer the child. */
static struct mp_child *child_of(uv_handle_t *h)
{
	if (h->type == UV_NAMED_PIPE)
		return ((struct pipe_side *)h->data)->child;
	return h->data;
}

static void handle_closed(uv_handle_t *h)
{
	struct mp_child *c = child_of(h);

	if (--c->open_handles > 0)
		return;
	c->keep[c->keep_len] = '\0';
	c->tail[c->tail_len] = '\0';
	c->cb(c->timed_out ? -ETIMEDOUT : c->status, c->keep, c->tail, c->arg);
	free(c);
}

static void close_handle(struct mp_child *c, uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, handle_closed);
	(void)c;
}

/* Appends a line to the child's tail, dropping whole lines from its
 * front to make room. */
static void keep_tail(struct mp_child *c, const char *line, size_t len)
{
	if (len + 1 > MP_CHILD_TAIL_MAX)
		len = MP_CHILD_TAIL_MAX - 1;
	while (c->tail_len + len + 1 > MP_CHILD_TAIL_MAX) {
		char *nl = memchr(c->tail, '\n', c->tail_len);
		size_t drop = nl ? (size_t)(nl - c->tail) + 1 : c->tail_len;

		memmove(c->tail, c->tail + drop, c->tail_len - drop);
		c->tail_len -= drop;
	}
	memcpy(c->tail + c->tail_len, line, len);
	c->tail_len += len;
	c->tail[c->tail_len++] = '\n';
}

static void flush_line(struct pipe_side *s)
{
	if (s->len == 0)
		return;
	s->line[s->len] = '\0';
	mp_debug("%s%s: %s", s->child->name, s->is_err ? " (stderr)" : "", s->line);
	keep_tail(s->child, s->line, s->len);
	s->len = 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char scratch[4096];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(scratch, sizeof(scratch));
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct pipe_side *s = st->data;
	struct mp_child *c = s->child;

	if (n < 0) {
		flush_line(s);
		close_handle(c, (uv_handle_t *)st);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		char ch = buf->base[i];

		if (!s->is_err && c->keep_len < CHILD_OUT_KEEP - 1)
			c->keep[c->keep_len++] = ch;
		if (ch == '\n' || s->len == CHILD_LINE_MAX - 1)
			flush_line(s);
		if (ch != '\n')
			s->line[s->len++] = ch;
	}
}

static void on_exit_cb(uv_process_t *p, int64_t exit_status, int term_signal)
{
	struct mp_child *c = p->data;

	c->status = term_signal ? 128 + term_signal : (int)exit_status;
	running_remove(c);      /* its pid may be reused from now on */
	uv_timer_stop(&c->timer);
	close_handle(c, (uv_handle_t *)&c->timer);
	close_handle(c, (uv_handle_t *)p);
}

static void on_timeout(uv_timer_t *t)
{
	struct mp_child *c = t->data;

	c->timed_out = 1;
	mp_warn("%s: still running after its timeout: killing it", c->name);
	uv_process_kill(&c->proc, SIGKILL);
}

int mp_child_run(uv_loop_t *loop, char *const argv[], uint64_t timeout_ns,
		 mp_child_cb cb, void *arg)
{
	struct mp_child *c = calloc(1, sizeof(*c));
	uv_stdio_container_t stdio[3];
	uv_process_options_t opts;
	const char *base;
	int rc;

	if (!c)
		return -ENOMEM;
	base = strrchr(argv[0], '/');
	snprintf(c->name, sizeof(c->name), "%s", base ? base + 1 : argv[0]);
	c->cb = cb;
	c->arg = arg;
	c->out.child = c->err.child = c;
	c->err.is_err = 1;
	uv_pipe_init(loop, &c->out.pipe, 0);
	uv_pipe_init(loop, &c->err.pipe, 0);
	uv_timer_init(loop, &c->timer);
	c->out.pipe.data = &c->out;
	c->err.pipe.data = &c->err;
	c->timer.data = c;
	c->proc.data = c;

	memset(&opts, 0, sizeof(opts));
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&c->out.pipe;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&c->err.pipe;
	opts.file = argv[0];
	opts.args = (char **)argv;
	opts.stdio = stdio;
	opts.stdio_count = 3;
	opts.exit_cb = on_exit_cb;

	mp_info("running: %s", c->name);
	rc = uv_spawn(loop, &c->proc, &opts);
	if (rc < 0) {
		/* The process handle still has to be closed (libuv docs). */
		c->status = rc;
		c->open_handles = 4;
		uv_close((uv_handle_t *)&c->proc, handle_closed);
		uv_close((uv_handle_t *)&c->out.pipe, handle_closed);
		uv_close((uv_handle_t *)&c->err.pipe, handle_closed);
		uv_close((uv_handle_t *)&c->timer, handle_closed);
		return 0;
	}
	c->open_handles = 4;
	running_add(c);
	uv_read_start((uv_stream_t *)&c->out.pipe, on_alloc, on_read);
	uv_read_start((uv_stream_t *)&c->err.pipe, on_alloc, on_read);
	if (timeout_ns)
		mp_timer_start_fresh(&c->timer, on_timeout, (timeout_ns + MP_NS_PER_MS - 1) / MP_NS_PER_MS);
	return 0;
}

void mp_child_kill_all(void)
{
	for (struct mp_child *c = running; c; c = c->next)
		uv_process_kill(&c->proc, SIGTERM);
}

const char *mp_child_status_text(int status)
{
	static char buf[64];

	if (status == -ETIMEDOUT)
		return "timed out";
	if (status == -ENOENT)
		return "could not start (program not found)";
	if (status < 0)
		snprintf(buf, sizeof(buf), "could not start (%s)", mp_strerror(status));
	else if (status > 128)
		snprintf(buf, sizeof(buf), "was killed by %s", strsignal(status - 128));
	else
		snprintf(buf, sizeof(buf), "exited with status %d", status);
	return buf;
}
