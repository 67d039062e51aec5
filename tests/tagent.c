/* The agent as a child process in a test, and a raw protocol client to poke
 * it with (tagent.h), shared by the agent and authentication tests. */
#include "tagent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/auth.h"
#include "common/clock.h"
#include "common/err.h"
#include "test.h"

/* ---- the agent as a child process -------------------------------------- */

static struct mp_tagent *live_agents[4];

/* Kills every agent still running (at exit, and when a test's namespaces go). */
void mp_tagent_kill_all(void)
{
	for (int i = 0; i < 4; i++)
		if (live_agents[i] && live_agents[i]->pid > 0) {
			kill(live_agents[i]->pid, SIGKILL);
			waitpid(live_agents[i]->pid, NULL, 0);
			live_agents[i]->pid = 0;
		}
}

void mp_tagent_token(const char *path, const char *secret, mode_t mode)
{
	mp_test_write_file(path, secret);
	ASSERT_EQ(chmod(path, mode), 0);
}

int mp_tagent_log_count(const struct mp_tagent *a, const char *needle)
{
	char *text = mp_test_read_file(a->log), *p;
	int n = 0;

	for (p = text; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(text);
	return n;
}

int mp_tagent_wait_log(const struct mp_tagent *a, const char *needle, int count,
		       unsigned timeout_ms)
{
	uint64_t end = mp_now_ns() + (uint64_t)timeout_ms * MP_NS_PER_MS;

	while (mp_tagent_log_count(a, needle) < count) {
		if (mp_now_ns() > end)
			return 0;
		usleep(20000);
	}
	return 1;
}

void mp_tagent_spawn(struct mp_tagent *a, char *const argv[], unsigned delay_ms)
{
	static int registered;
	int fd;

	if (!registered) {
		atexit(mp_tagent_kill_all);
		registered = 1;
	}
	for (int i = 0; i < 4; i++)
		if (!live_agents[i] || live_agents[i]->pid <= 0) {
			live_agents[i] = a;
			break;
		}
	a->pid = fork();
	ASSERT(a->pid >= 0);
	if (a->pid == 0) {
		fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		if (delay_ms)
			usleep(delay_ms * 1000);
		execvp(argv[0], argv);
		_exit(127);
	}
}

char **mp_tagent_argv(const char *netns, const char *listen, const char *token,
			 const char *dev, const char *const *extra)
{
	static char *argv[32];
	static char bin[4096];
	int n = 0;

	snprintf(bin, sizeof(bin), "%s", mp_test_bin("mir-perf-agent"));
	if (netns) {
		argv[n++] = "ip";
		argv[n++] = "netns";
		argv[n++] = "exec";
		argv[n++] = (char *)netns;
	}
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = (char *)listen;
	argv[n++] = "--token-file";
	argv[n++] = (char *)token;
	argv[n++] = "--dev";
	argv[n++] = (char *)dev;
	for (int i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	return argv;
}

static int log_port(const struct mp_tagent *a, const char *ip)
{
	char *text = mp_test_read_file(a->log), needle[64], *p;
	int port = -1;

	snprintf(needle, sizeof(needle), "listening on %s:", ip);
	if (text && (p = strstr(text, needle)))
		port = atoi(p + strlen(needle));
	free(text);
	return port;
}

void mp_tagent_start(struct mp_tagent *a, const char *netns, const char *ip,
		     const char *token, const char *dev, const char *const *extra)
{
	char listen[64];
	uint64_t end = mp_now_ns() + MP_TAGENT_WAIT_MS * MP_NS_PER_MS;
	static unsigned seq;
	int port, status;

	snprintf(a->log, sizeof(a->log), "%s/agent%u.log", mp_test_tmpdir(), seq++);
	snprintf(listen, sizeof(listen), "%s:0", ip);
	mp_tagent_spawn(a, mp_tagent_argv(netns, listen, token, dev, extra), 0);
	while ((port = log_port(a, ip)) <= 0) {
		if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
			char *text = mp_test_read_file(a->log);

			a->pid = 0;
			FAIL("the agent exited (status %d): %s", status, text ? text : "");
		}
		if (mp_now_ns() > end)
			FAIL("the agent did not start listening in time");
		usleep(10000);
	}
	a->port = (uint16_t)port;
}

int mp_tagent_stop(struct mp_tagent *a)
{
	uint64_t end = mp_now_ns() + MP_TAGENT_WAIT_MS * MP_NS_PER_MS;
	int status = 0;

	if (a->pid <= 0)
		return -1;
	kill(a->pid, SIGTERM);
	while (waitpid(a->pid, &status, WNOHANG) != a->pid) {
		if (mp_now_ns() > end) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, &status, 0);
			a->pid = 0;
			FAIL("the agent did not exit within %d ms of SIGTERM", MP_TAGENT_WAIT_MS);
		}
		usleep(10000);
	}
	a->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- a raw, blocking client --------------------------------------------- */

int mp_traw_connect(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = MP_TAGENT_WAIT_MS / 1000 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT(fd >= 0);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ASSERT_MSG(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		   "connect %s:%u: %s", ip, port, mp_strerror(errno));
	return fd;
}

void mp_traw_send(int fd, const char *line)
{
	size_t n = strlen(line), off = 0;

	while (off < n) {
		ssize_t w = send(fd, line + off, n - off, MSG_NOSIGNAL);

		ASSERT_MSG(w > 0, "send: %s", mp_strerror(errno));
		off += (size_t)w;
	}
}

/* One line without its newline; -1 on EOF, error or timeout. */
int mp_traw_recv(int fd, char *buf, size_t len)
{
	size_t n = 0;

	for (;;) {
		char ch;
		ssize_t r = recv(fd, &ch, 1, 0);

		if (r <= 0)
			return -1;
		if (ch == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = ch;
	}
	buf[n] = '\0';
	return (int)n;
}

void mp_traw_call(int fd, const char *line, struct mp_proto_reply *rep)
{
	char buf[MP_PROTO_LINE_MAX + 2], err[MP_PROTO_MSG_MAX];
	int n;

	mp_traw_send(fd, line);
	n = mp_traw_recv(fd, buf, sizeof(buf));
	ASSERT_MSG(n >= 0, "no reply to %s", line);
	ASSERT_MSG(mp_proto_decode_reply(buf, (size_t)n, rep, err, sizeof(err)) == 0,
		   "undecodable reply %s: %s", buf, err);
}

/* hello + auth with the token in token_path; the auth line sent is copied
 * to auth_line when not NULL. */
void mp_traw_login(int fd, const char *token_path, struct mp_proto_reply *auth_rep,
		   char *auth_line, size_t len)
{
	struct mp_auth_token *tok;
	struct mp_proto_reply hello;
	struct mp_proto_request r = { .id = 2, .op = MP_PROTO_AUTH };
	char line[MP_PROTO_LINE_MAX + 2], err[256];

	ASSERT_MSG(mp_auth_token_load(token_path, &tok, err, sizeof(err)) == 0, "%s", err);
	mp_traw_call(fd, "{\"v\":1,\"id\":1,\"op\":\"hello\"}\n", &hello);
	ASSERT_MSG(hello.code == MP_PROTO_OK, "hello: %s", hello.msg);
	mp_auth_nonce(r.u.auth.nonce);
	mp_auth_client_proof(tok, hello.u.hello.nonce, r.u.auth.nonce, r.u.auth.proof);
	ASSERT(mp_proto_encode_request(&r, line, sizeof(line)) > 0);
	if (auth_line)
		snprintf(auth_line, len, "%s", line);
	mp_traw_call(fd, line, auth_rep);
	if (auth_rep->code == MP_PROTO_OK) {
		uint8_t want[MP_AUTH_PROOF_LEN];

		mp_auth_server_proof(tok, hello.u.hello.nonce, r.u.auth.nonce, want);
		ASSERT_MSG(mp_auth_proof_equal(want, auth_rep->u.auth.proof),
			   "the agent's proof is wrong");
	}
	mp_auth_token_free(tok);
}
