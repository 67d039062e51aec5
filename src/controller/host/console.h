/* A domain's console as dom0 logs it, followed as it grows and kept in the
 * run directory.
 *
 * On Xen, xenconsoled started with --log=guest appends each guest's console
 * to a file of its own (/var/log/xen/console/guest-NAME.log: the plan's
 * domains.console_log), for every boot of that name; on the testbed the
 * toolstack stand-in does the same with its domain's program's output. A
 * follower starts where that file ends when the domain is created, so what
 * it copies is this boot's console only, into a file of the run
 * (domains/<role>-<boot>.console), at most MP_CONSOLE_KEEP_MAX bytes of it,
 * and it keeps the last MP_CONSOLE_TAIL_MAX bytes in memory for quoting.
 *
 * The file is read on a timer of the loop every MP_CONSOLE_POLL_MS, at
 * most MP_CONSOLE_READ_MAX bytes a tick, and whenever its last lines are
 * asked for. Why a timer: a regular file is always "readable" to epoll;
 * inotify (uv_fs_event) needs the file to exist, which xenconsoled's does
 * only some time after the domain is created, and does not see writes on
 * every file system dom0 may log to (9p, NFS); a log grows by a line a
 * second, and a bounded pread of a local file costs microseconds, so the
 * loop is never held. */
#ifndef MP_CONSOLE_H
#define MP_CONSOLE_H

#include <stddef.h>
#include <uv.h>

#define MP_CONSOLE_POLL_MS 250
#define MP_CONSOLE_READ_MAX (64 * 1024)      /* per tick: a flooding guest cannot hold the loop */
#define MP_CONSOLE_KEEP_MAX (1024 * 1024)    /* copied into the run per boot */
#define MP_CONSOLE_TAIL_MAX 8192             /* kept in memory for quoting */
#define MP_CONSOLE_QUOTE_LINES 15            /* what run.log and the report quote */

struct mp_console;

/* Follows `src` (which need not exist yet) from its current end, copying
 * into `dst` (created, truncated). Returns 0 or a negative errno (dst
 * cannot be created, out of memory). */
int mp_console_open(uv_loop_t *loop, const char *src, const char *dst,
		    struct mp_console **out);
/* Reads what the log gained since the last read (bounded as above). */
void mp_console_read(struct mp_console *c);
/* Whether the source file has been seen since the follower started. */
int mp_console_found(const struct mp_console *c);
const char *mp_console_src(const struct mp_console *c);
const char *mp_console_dst(const struct mp_console *c);
/* Bytes of this boot's console read so far. */
size_t mp_console_bytes(const struct mp_console *c);
/* Reads, then writes the last `n` lines (control characters other than
 * tab shown as '?', a carriage return dropped) into buf, each ending in a
 * newline; returns how many lines. */
unsigned mp_console_last_lines(struct mp_console *c, unsigned n, char *buf, size_t len);
/* Reads a last time, closes the copy and the timer (freed in its close
 * callback, on the loop). NULL is a no-op. */
void mp_console_close(struct mp_console *c);

#endif
