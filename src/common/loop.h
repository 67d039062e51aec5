/* Ending a libuv loop: every handle closed, then the loop itself. */
#ifndef MP_LOOP_H
#define MP_LOOP_H

#include <stdint.h>
#include <uv.h>

/* Runs `loop` until the closes already asked for are done, then closes
 * every handle still open with a warning naming its type (as libuv's own
 * tests do: a handle left open is a bug, but must not hang the exit), runs
 * their close callbacks (NULL: the handles' memory stays the owner's) and
 * closes the loop. Returns how many handles were left open (0 is right),
 * or -EBUSY if the loop still could not be closed. */
int mp_loop_close(uv_loop_t *loop);

/* uv_timer_start for a timeout, counted from now. libuv dates a timer from
 * the clock it read at the start of the loop's iteration; a callback that
 * ran long, or a host that did not run the process for a while (dom0 of an
 * emulated Xen on a loaded machine: seconds to minutes), leaves that in the
 * past, and a timeout armed after it fires early, even at once. */
int mp_timer_start_fresh(uv_timer_t *t, uv_timer_cb cb, uint64_t timeout_ms);

#endif
