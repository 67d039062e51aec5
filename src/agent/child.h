/* A child process of the agent on its libuv loop, for the programs the
 * agent drives (iperf3): started in a given network namespace, in a process
 * group of its own, killed by the kernel when the agent dies however it
 * dies (PR_SET_PDEATHSIG), its stdout and stderr captured up to a bound,
 * its end seen through a pidfd. Nothing it starts outlives the agent.
 *
 * Lifecycle: mp_achild_spawn; later exactly one exit callback, once the
 * process has been reaped and both of its outputs have ended (by itself or
 * after mp_achild_kill); then mp_achild_free, which closes the handles (the
 * memory goes in their close callbacks). */
#ifndef MP_ACHILD_H
#define MP_ACHILD_H

#include <stddef.h>
#include <sys/types.h>
#include <uv.h>

#define MP_ACHILD_OUT_MAX (4u << 20)   /* bytes kept of each output */

struct mp_achild;

/* status: the wait status (WIFEXITED...). */
typedef void (*mp_achild_exit_cb)(struct mp_achild *c, int status, void *arg);

/* Starts argv[0] (an absolute path) with argv in the namespace open at
 * netns_fd (-1: the agent's own). Returns 0, or a negative errno with a
 * sentence in err (nothing is left behind). */
int mp_achild_spawn(uv_loop_t *loop, char *const argv[], int netns_fd, mp_achild_exit_cb cb,
		    void *arg, struct mp_achild **out, char *err, size_t errlen);

pid_t mp_achild_pid(const struct mp_achild *c);

/* SIGKILL to its process group; the exit callback follows from the loop.
 * Nothing once it has been reaped. */
void mp_achild_kill(struct mp_achild *c);

/* What it wrote, NUL-terminated; *truncated when it wrote more than
 * MP_ACHILD_OUT_MAX. */
const char *mp_achild_stdout(const struct mp_achild *c, size_t *len, int *truncated);
const char *mp_achild_stderr(const struct mp_achild *c);

/* Kills it if it still runs (no callback then), closes its handles; the
 * memory is freed once they are closed. NULL is allowed. */
void mp_achild_free(struct mp_achild *c);

/* The absolute path of `prog` found in PATH (or prog itself when it has a
 * '/'), into buf. 0, or -ENOENT. */
int mp_achild_which(const char *prog, char *buf, size_t len);

#endif
