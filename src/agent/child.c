#include "agent/child.h"


#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"

#define READ_CHUNK 65536
#define STD_OUT 0
#define STD_ERR 1

struct output {
	uv_pipe_t pipe;
	int open;                /* reading, EOF not yet seen */
	char *buf;
	size_t len, cap;
	int truncated;
};

struct mp_achild {
	struct output out[2];
	uv_poll_t exited;        /* the pidfd: readable once the process ended */
	int pidfd;
	pid_t pid;
	int reaped, status;
	int called;              /* the exit callback ran */
	int freeing;
	int handles;             /* open handles: freed when 0 */
	mp_achild_exit_cb cb;
	void *arg;
	char chunk[READ_CHUNK];
};

static void maybe_free(struct mp_achild *c)
{
	if (!c->freeing || c->handles)
		return;
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c->out[STD_OUT].buf);
	free(c->out[STD_ERR].buf);
	free(c);
}

static void on_closed(uv_handle_t *h)
{
	struct mp_achild *c = h->data;

	c->handles--;
	maybe_free(c);
}

/* The callback runs once the process is reaped and both outputs ended. */
static void maybe_done(struct mp_achild *c)
{
	if (c->called || c->freeing || !c->reaped || c->out[STD_OUT].open || c->out[STD_ERR].open)
		return;
	c->called = 1;
	c->cb(c, c->status, c->arg);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct mp_achild *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->chunk, sizeof(c->chunk));
}

static void keep(struct output *o, const char *data, size_t n)
{
	size_t room = MP_ACHILD_OUT_MAX - o->len;

	if (n > room) {
		o->truncated = 1;
		n = room;
	}
	if (!n)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *nb;

		while (cap < o->len + n + 1)
			cap *= 2;
		nb = realloc(o->buf, cap);
		if (!nb) {
			o->truncated = 1;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct mp_achild *c = s->data;
	struct output *o = (uv_pipe_t *)s == &c->out[STD_OUT].pipe ? &c->out[STD_OUT] :
							     &c->out[STD_ERR];

	if (n > 0) {
		keep(o, buf->base, (size_t)n);
		return;
	}
	if (n == 0)
		return;
	/* EOF or an error: this output has ended */
	uv_read_stop(s);
	o->open = 0;
	maybe_done(c);
}

static void reap(struct mp_achild *c)
{
	int st;
	pid_t r;

	if (c->reaped)
		return;
	do
		r = waitpid(c->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r != c->pid)
		return;
	c->reaped = 1;
	c->status = st;
	uv_poll_stop(&c->exited);
	maybe_done(c);
}

static void on_exited(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	reap(p->data);
}

int mp_achild_which(const char *prog, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[PATH_MAX * 4], *save = NULL;

	if (strchr(prog, '/')) {
		snprintf(buf, len, "%s", prog);
		return access(buf, X_OK) == 0 ? 0 : -ENOENT;
	}
	snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(buf, len, "%s/%s", d, prog) < len && access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void child(char *const argv[], int netns_fd, pid_t parent, int fd_out, int fd_err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(126);      /* the agent died already */
	setpgid(0, 0);
	if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0)
		_exit(126);
	if (dup2(fd_out, STDOUT_FILENO) < 0 || dup2(fd_err, STDERR_FILENO) < 0)
		_exit(126);
	{
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0 && devnull != STDIN_FILENO) {
			dup2(devnull, STDIN_FILENO);
			close(devnull);
		}
	}
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	_exit(127);
}

int mp_achild_spawn(uv_loop_t *loop, char *const argv[], int netns_fd, mp_achild_exit_cb cb,
		    void *arg, struct mp_achild **out, char *err, size_t errlen)
{
	struct mp_achild *c;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, rc;
	sigset_t all, old;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->pidfd = -1;
	c->cb = cb;
	c->arg = arg;
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot make pipes for %s: %s", argv[0], mp_strerror(rc));
		goto fail;
	}
	/* No signal handler of ours runs in the child before exec. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	{
		pid_t parent = getpid();

		c->pid = fork();
		if (c->pid == 0) {
			sigset_t none;

			sigemptyset(&none);
			pthread_sigmask(SIG_SETMASK, &none, NULL);
			child(argv, netns_fd, parent, po[1], pe[1]);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (c->pid < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot start %s: %s", argv[0], mp_strerror(rc));
		goto fail;
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "pidfd_open for %s: %s (Linux 5.3 or later is needed)", argv[0],
			 mp_strerror(rc));
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		struct output *o = &c->out[i];

		uv_pipe_init(loop, &o->pipe, 0);
		o->pipe.data = c;
		c->handles++;
		uv_pipe_open(&o->pipe, i == STD_OUT ? po[0] : pe[0]);
		o->open = uv_read_start((uv_stream_t *)&o->pipe, on_alloc, on_read) == 0;
	}
	po[0] = pe[0] = -1;     /* the pipes own them now */
	uv_poll_init(loop, &c->exited, c->pidfd);
	c->exited.data = c;
	c->handles++;
	uv_poll_start(&c->exited, UV_READABLE, on_exited);
	mp_debug("started %s (pid %d)", argv[0], (int)c->pid);
	*out = c;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(c);
	return rc;
}

pid_t mp_achild_pid(const struct mp_achild *c)
{
	return c->pid;
}

void mp_achild_kill(struct mp_achild *c)
{
	if (!c || c->reaped)
		return;
	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);   /* before its setpgid, the group is not yet its own */
}

const char *mp_achild_stdout(const struct mp_achild *c, size_t *len, int *truncated)
{
	*len = c->out[STD_OUT].len;
	*truncated = c->out[STD_OUT].truncated;
	return c->out[STD_OUT].buf ? c->out[STD_OUT].buf : "";
}

const char *mp_achild_stderr(const struct mp_achild *c)
{
	return c->out[STD_ERR].buf ? c->out[STD_ERR].buf : "";
}

void mp_achild_free(struct mp_achild *c)
{
	if (!c)
		return;
	if (!c->reaped) {
		/* Synchronous: it is killed and reaped before we return. */
		mp_achild_kill(c);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->reaped = 1;
	}
	c->freeing = 1;
	for (int i = 0; i < 2; i++)
		uv_close((uv_handle_t *)&c->out[i].pipe, on_closed);
	uv_close((uv_handle_t *)&c->exited, on_closed);
}
