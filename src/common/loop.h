/* Ending a libuv loop: every handle closed, then the loop itself. */
#ifndef MP_LOOP_H
#define MP_LOOP_H

#include <uv.h>

/* Runs `loop` until the closes already asked for are done, then closes
 * every handle still open with a warning naming its type (as libuv's own
 * tests do: a handle left open is a bug, but must not hang the exit), runs
 * their close callbacks (NULL: the handles' memory stays the owner's) and
 * closes the loop. Returns how many handles were left open (0 is right),
 * or -EBUSY if the loop still could not be closed. */
int mp_loop_close(uv_loop_t *loop);

#endif
