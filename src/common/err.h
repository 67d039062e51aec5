/* Error and exit-code conventions shared by every program.
 *
 * Functions return 0 or a negative errno value (as libuv does); the message
 * for a code comes from mp_strerror(), which takes a returned code or errno
 * alike, and is the only way the tree turns an errno into text (libc's
 * strerror is called here only; a code from a libuv call that may be one
 * of libuv's own, such as UV_EOF, goes through uv_strerror). A caller's
 * misuse is an assert(). */
#ifndef MP_ERR_H
#define MP_ERR_H

#include <errno.h>
#include <string.h>

/* Process exit codes, documented in the README. */
enum mp_exit {
	MP_EXIT_OK = 0,       /* success */
	MP_EXIT_FAIL = 1,     /* the run failed (a phase failed, a regression) */
	MP_EXIT_USAGE = 2,    /* bad usage or invalid input */
	MP_EXIT_ENV = 3,      /* environment problem: privilege, xenstore, tool */
	MP_EXIT_INTR = 130,   /* interrupted by SIGINT/SIGTERM */
};

/* The message for a negative code (-EIO) or a positive errno (errno). */
static inline const char *mp_strerror(int negerr)
{
	return strerror(negerr < 0 ? -negerr : negerr);
}

#endif
