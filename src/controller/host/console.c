/* Following a domain's console log (console.h). */
#include "controller/host/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CUT_NOTE "\n[mir-perf: this boot's console passed the %d KiB kept here; the rest " \
	"is in %s]\n"

struct mp_console {
	uv_timer_t timer;
	char *src, *dst;
	int fd;                 /* the source, once seen; -1 before */
	dev_t dev;
	ino_t ino;
	off_t start;            /* where this boot's console begins in the source */
	off_t off;              /* next byte to read */
	int out;                /* the copy in the run directory */
	size_t bytes;           /* read since the start */
	size_t kept;            /* written to the copy */
	int found, cut;
	char tail[MP_CONSOLE_TAIL_MAX];
	size_t tail_len;
};

static void on_tick(uv_timer_t *t)
{
	mp_console_read(t->data);
}

int mp_console_open(uv_loop_t *loop, const char *src, const char *dst,
		    struct mp_console **out)
{
	struct mp_console *c = calloc(1, sizeof(*c));
	struct stat st;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->src = strdup(src);
	c->dst = strdup(dst);
	if (!c->src || !c->dst) {
		free(c->src);
		free(c->dst);
		free(c);
		return -ENOMEM;
	}
	c->out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->out < 0) {
		int rc = -errno;

		free(c->src);
		free(c->dst);
		free(c);
		return rc;
	}
	/* What is there now belongs to earlier boots of the same name. */
	if (stat(src, &st) == 0 && S_ISREG(st.st_mode)) {
		c->start = st.st_size;
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	c->off = c->start;
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	uv_timer_start(&c->timer, on_tick, MP_CONSOLE_POLL_MS, MP_CONSOLE_POLL_MS);
	*out = c;
	return 0;
}

static void keep_tail(struct mp_console *c, const char *p, size_t n)
{
	if (n >= sizeof(c->tail)) {
		memcpy(c->tail, p + n - sizeof(c->tail), sizeof(c->tail));
		c->tail_len = sizeof(c->tail);
		return;
	}
	if (c->tail_len + n > sizeof(c->tail)) {
		size_t drop = c->tail_len + n - sizeof(c->tail);

		memmove(c->tail, c->tail + drop, c->tail_len - drop);
		c->tail_len -= drop;
	}
	memcpy(c->tail + c->tail_len, p, n);
	c->tail_len += n;
}

static void copy(struct mp_console *c, const char *p, size_t n)
{
	size_t room = MP_CONSOLE_KEEP_MAX - c->kept;

	keep_tail(c, p, n);
	c->bytes += n;
	if (c->out < 0 || c->cut)
		return;
	if (n > room) {
		char note[512];
		int len;

		n = room;
		c->cut = 1;
		if (n && write(c->out, p, n) == (ssize_t)n)
			c->kept += n;
		len = snprintf(note, sizeof(note), CUT_NOTE, MP_CONSOLE_KEEP_MAX / 1024, c->src);
		if (write(c->out, note, (size_t)len) < 0)
			return;         /* the copy is best effort; the tail stays */
		return;
	}
	if (write(c->out, p, n) == (ssize_t)n)
		c->kept += n;
}

/* (Re)opens the source when it appeared or was replaced (a rotated log:
 * the new file is this boot's from its first byte). */
static int source(struct mp_console *c)
{
	struct stat st;

	if (stat(c->src, &st) < 0 || !S_ISREG(st.st_mode))
		return c->fd >= 0;              /* gone (rotated away): keep the open one */
	if (c->fd >= 0 && st.st_dev == c->dev && st.st_ino == c->ino) {
		if (st.st_size < c->off)        /* truncated in place */
			c->off = 0;
		return 1;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->off = 0;
	} else if (st.st_dev != c->dev || st.st_ino != c->ino) {
		c->off = 0;                     /* not the file there at the start */
	}
	c->fd = open(c->src, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return 0;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (st.st_size < c->off)
		c->off = 0;
	c->found = 1;
	return 1;
}

void mp_console_read(struct mp_console *c)
{
	char buf[8192];
	size_t total = 0;

	if (!source(c))
		return;
	while (total < MP_CONSOLE_READ_MAX) {
		ssize_t n = pread(c->fd, buf, sizeof(buf), c->off);

		if (n <= 0)
			break;
		c->off += n;
		total += (size_t)n;
		copy(c, buf, (size_t)n);
	}
}

int mp_console_found(const struct mp_console *c)
{
	return c->found;
}

const char *mp_console_src(const struct mp_console *c)
{
	return c->src;
}

const char *mp_console_dst(const struct mp_console *c)
{
	return c->dst;
}

size_t mp_console_bytes(const struct mp_console *c)
{
	return c->bytes;
}

unsigned mp_console_last_lines(struct mp_console *c, unsigned n, char *buf, size_t len)
{
	size_t end, start, at = 0;
	unsigned lines = 0;

	mp_console_read(c);
	if (len)
		buf[0] = '\0';
	end = c->tail_len;
	while (end && (c->tail[end - 1] == '\n' || c->tail[end - 1] == '\r'))
		end--;
	if (!end || !len)
		return 0;
	/* Back over n line breaks. */
	for (start = end; start > 0; start--) {
		if (c->tail[start - 1] == '\n' && ++lines == n)
			break;
	}
	if (lines < n)
		lines++;                        /* the first line kept has no break before it */
	for (size_t i = start; i < end && at + 2 < len; i++) {
		unsigned char ch = (unsigned char)c->tail[i];

		if (ch == '\r')
			continue;
		buf[at++] = ch == '\n' || ch == '\t' || (ch >= 0x20 && ch != 0x7f) ? (char)ch : '?';
	}
	buf[at++] = '\n';
	buf[at] = '\0';
	return lines;
}

static void on_closed(uv_handle_t *h)
{
	struct mp_console *c = h->data;

	free(c->src);
	free(c->dst);
	free(c);
}

void mp_console_close(struct mp_console *c)
{
	if (!c)
		return;
	mp_console_read(c);
	if (c->fd >= 0)
		close(c->fd);
	if (c->out >= 0)
		close(c->out);
	c->fd = c->out = -1;
	uv_close((uv_handle_t *)&c->timer, on_closed);
}
