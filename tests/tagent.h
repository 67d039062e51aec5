/* The agent as a child process in a test, and a raw protocol client to poke
 * it with (test_agent.c defines them; test_auth.c uses them too). */
#ifndef MP_TAGENT_H
#define MP_TAGENT_H

#include <stdint.h>
#include <sys/types.h>

#include "common/proto.h"

struct mp_tagent {
	pid_t pid;
	char log[512];
	uint16_t port;
};

void mp_tagent_token(const char *path, const char *secret, mode_t mode);
void mp_tagent_start(struct mp_tagent *a, const char *netns, const char *ip,
		     const char *token, const char *dev, const char *const *extra);
int mp_tagent_stop(struct mp_tagent *a);
int mp_tagent_log_count(const struct mp_tagent *a, const char *needle);
int mp_tagent_wait_log(const struct mp_tagent *a, const char *needle, int count,
		       unsigned timeout_ms);
int mp_traw_connect(const char *ip, uint16_t port);
void mp_traw_send(int fd, const char *line);
int mp_traw_recv(int fd, char *buf, size_t len);
void mp_traw_call(int fd, const char *line, struct mp_proto_reply *rep);
void mp_traw_login(int fd, const char *token_path, struct mp_proto_reply *auth_rep,
		   char *auth_line, size_t len);

#endif
