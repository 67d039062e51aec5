#include "common/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"

#define RUN_CAPTURE_MAX (1u << 20)

struct capture {
	int fd;
	char *buf;
	size_t len, cap;
};

static void capture_read(struct capture *c)
{
	char chunk[4096];
	ssize_t n = read(c->fd, chunk, sizeof(chunk));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(c->fd);
			c->fd = -1;
		}
		return;
	}
	if (c->len + (size_t)n + 1 > c->cap && c->len < RUN_CAPTURE_MAX) {
		size_t want = (c->len + (size_t)n + 1) * 2;
		char *nb = realloc(c->buf, want);

		if (!nb)
			return;
		c->buf = nb;
		c->cap = want;
	}
	if (c->len + (size_t)n + 1 <= c->cap) {
		memcpy(c->buf + c->len, chunk, (size_t)n);
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
	}
}

static char *capture_take(struct capture *c)
{
	if (!c->buf)
		return strdup("");
	return c->buf;
}

static void child_exec(char *const argv[], char *const env_extra[],
		       int out_fd, int err_fd)
{
	setpgid(0, 0);
	if (out_fd >= 0)
		dup2(out_fd, STDOUT_FILENO);
	if (err_fd >= 0)
		dup2(err_fd, STDERR_FILENO);
	for (size_t i = 0; env_extra && env_extra[i]; i++)
		putenv(env_extra[i]);
	execvp(argv[0], argv);
	_exit(127);
}

int mp_run(char *const argv[], char *const env_extra[], uint64_t timeout_ms,
	   struct mp_run_result *res)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct capture cap[2] = { { .fd = -1 }, { .fd = -1 } };
	uint64_t deadline = timeout_ms ? mp_now_ns() + timeout_ms * MP_NS_PER_MS : 0;
	int status = 0, timed_out = 0;
	pid_t pid;

	if (res && (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)) {
		int e = -errno;

		for (int i = 0; i < 2; i++) {
			if (outp[i] >= 0)
				close(outp[i]);
		}
		return e;
	}
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		if (res) {
			close(outp[0]); close(outp[1]);
			close(errp[0]); close(errp[1]);
		}
		return e;
	}
	if (pid == 0)
		child_exec(argv, env_extra, res ? outp[1] : -1, res ? errp[1] : -1);
	setpgid(pid, pid);
	if (res) {
		close(outp[1]);
		close(errp[1]);
		cap[0].fd = outp[0];
		cap[1].fd = errp[0];
	}
	/* Read both pipes until they close, then reap; the deadline covers both. */
	while (cap[0].fd >= 0 || cap[1].fd >= 0) {
		struct pollfd pfd[2];
		int n = 0, wait_ms = -1;

		for (int i = 0; i < 2; i++) {
			pfd[i].fd = cap[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (deadline) {
			uint64_t now = mp_now_ns();

			if (now >= deadline) {
				timed_out = 1;
				break;
			}
			wait_ms = (int)((deadline - now) / MP_NS_PER_MS) + 1;
		}
		n = poll(pfd, 2, wait_ms);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++)
			if (pfd[i].revents)
				capture_read(&cap[i]);
	}
	for (;;) {
		pid_t r;

		if (!timed_out && deadline && mp_now_ns() >= deadline)
			timed_out = 1;
		if (timed_out) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
		r = waitpid(pid, &status, deadline && !timed_out ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (r == 0)
			usleep(1000);
	}
	for (int i = 0; i < 2; i++)
		if (cap[i].fd >= 0)
			close(cap[i].fd);
	if (res) {
		res->out = capture_take(&cap[0]);
		res->err = capture_take(&cap[1]);
		if (timed_out)
			res->status = -1;
		else if (WIFEXITED(status))
			res->status = WEXITSTATUS(status);
		else
			res->status = 128 + WTERMSIG(status);
	}
	if (timed_out && !res)
		return -ETIMEDOUT;
	return 0;
}

int mp_run_status(char *const argv[], uint64_t timeout_ms)
{
	struct mp_run_result r;
	int rc = mp_run(argv, NULL, timeout_ms, &r);

	if (rc < 0)
		return rc;
	rc = r.status;
	mp_run_result_free(&r);
	return rc;
}

void mp_run_result_free(struct mp_run_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}
