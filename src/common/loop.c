/* Ending a libuv loop (see loop.h). */
#include "common/loop.h"

#include <errno.h>

#include "common/log.h"

static void count_closing(uv_handle_t *h, void *arg)
{
	*(int *)arg += uv_is_closing(h) != 0;
}

static void close_left_open(uv_handle_t *h, void *arg)
{
	if (uv_is_closing(h))
		return;
	mp_warn("closing a handle left open (type %s)", uv_handle_type_name(h->type));
	uv_close(h, NULL);
	(*(int *)arg)++;
}

int mp_loop_close(uv_loop_t *loop)
{
	int closing, left = 0;

	/* Finish the closes asked for (and those their callbacks ask for)
	 * without blocking on a handle still active. */
	do {
		uv_run(loop, UV_RUN_NOWAIT);
		closing = 0;
		uv_walk(loop, count_closing, &closing);
	} while (closing);
	uv_walk(loop, close_left_open, &left);
	uv_run(loop, UV_RUN_DEFAULT);
	if (uv_loop_close(loop) != 0) {
		mp_warn("the event loop still had handles at exit");
		return -EBUSY;
	}
	return left;
}

int mp_timer_start_fresh(uv_timer_t *t, uv_timer_cb cb, uint64_t timeout_ms)
{
	uv_update_time(uv_handle_get_loop((uv_handle_t *)t));
	return uv_timer_start(t, cb, timeout_ms, 0);
}
