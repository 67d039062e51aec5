/* Child processes on the loop (build steps, toolstack commands): an argument
 * vector (never a shell line), a timeout, and every output line copied to the
 * run log with the command's name in front. */
#ifndef MP_CHILD_H
#define MP_CHILD_H

#include <stdint.h>
#include <uv.h>

struct mp_child;

/* status: the exit code, 128+signal when killed by a signal, -ETIMEDOUT when
 * the timeout killed it, or a negative errno when it could not start (e.g.
 * -ENOENT: no such program). `out` holds the first bytes of its stdout (for
 * commands whose answer matters, e.g. a domid), NUL-terminated; `tail` its
 * last lines, stdout and stderr as they came (at most MP_CHILD_TAIL_MAX
 * bytes, whole lines, each ending in a newline), for saying why it failed. */
#define MP_CHILD_TAIL_MAX 2048
typedef void (*mp_child_cb)(int status, const char *out, const char *tail, void *arg);

/* Starts argv[0] (searched in PATH). The callback runs exactly once, from the
 * loop, after every handle of the child is closed, also when the program
 * could not be started (status -ENOENT, ...). Returns 0, or -ENOMEM (and the
 * callback is not called). */
int mp_child_run(uv_loop_t *loop, char *const argv[], uint64_t timeout_ns,
		 mp_child_cb cb, void *arg);

/* What a non-zero status means, for messages: "timed out", "could not start
 * (program not found)", "exited with status 2", ... (static storage). */
const char *mp_child_status_text(int status);

/* Sends SIGTERM to every running child (on interrupt); their callbacks still
 * run. */
void mp_child_kill_all(void);

#endif
