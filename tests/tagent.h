/* The agent as a child process in a test, and a raw protocol client to poke
 * it with (tagent.c; used by test_agent.c and test_auth.c). Failures are
 * test failures (ASSERT/FAIL), not return codes, unless said otherwise. */
#ifndef MP_TAGENT_H
#define MP_TAGENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/proto.h"

#define MP_TAGENT_WAIT_MS 15000   /* generous bound for anything to happen */

struct mp_tagent {
	pid_t pid;
	char log[512];            /* its stdout and stderr */
	uint16_t port;
};

/* Writes `secret` to `path` with `mode` (the agent wants 0600). */
void mp_tagent_token(const char *path, const char *secret, mode_t mode);
/* The agent's command line (static storage, valid until the next call),
 * inside `netns` when not NULL, with `extra` arguments (NULL-terminated). */
char **mp_tagent_argv(const char *netns, const char *listen, const char *token,
		      const char *dev, const char *const *extra);
/* Forks argv after delay_ms, output to a->log (set by the caller); the child
 * is killed at exit if still running. */
void mp_tagent_spawn(struct mp_tagent *a, char *const argv[], unsigned delay_ms);
/* Starts the agent listening on ip:0 and waits until it says which port. */
void mp_tagent_start(struct mp_tagent *a, const char *netns, const char *ip,
		     const char *token, const char *dev, const char *const *extra);
/* SIGTERM, then its exit status (128 + signal if killed); -1 if not running. */
int mp_tagent_stop(struct mp_tagent *a);
void mp_tagent_kill_all(void);
/* How often `needle` is in its log; waiting returns 1 once it is there
 * `count` times, 0 after timeout_ms. */
int mp_tagent_log_count(const struct mp_tagent *a, const char *needle);
int mp_tagent_wait_log(const struct mp_tagent *a, const char *needle, int count,
		       unsigned timeout_ms);

/* A blocking client: connect, send a line, read one line (-1 on EOF, error
 * or timeout), send and decode the reply, hello + auth with the token in
 * token_path (the auth line sent copied to auth_line when not NULL). */
int mp_traw_connect(const char *ip, uint16_t port);
void mp_traw_send(int fd, const char *line);
int mp_traw_recv(int fd, char *buf, size_t len);
void mp_traw_call(int fd, const char *line, struct mp_proto_reply *rep);
void mp_traw_login(int fd, const char *token_path, struct mp_proto_reply *auth_rep,
		   char *auth_line, size_t len);

#endif
