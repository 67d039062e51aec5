/* A test shim (LD_PRELOAD) that makes a program forget one libuv handle:
 * the first uv_close() of a signal handle does nothing, every other call
 * goes to libuv. The program's end must then find the handle left open and
 * say so (tests/test_loop_helpers.c). Built by the Makefile as
 * BUILD/tests/leak_signal_handle.so; never part of a program. */
#include <dlfcn.h>
#include <uv.h>

void uv_close(uv_handle_t *h, uv_close_cb cb)
{
	static int skipped;
	void (*real)(uv_handle_t *, uv_close_cb) =
		(void (*)(uv_handle_t *, uv_close_cb))dlsym(RTLD_NEXT, "uv_close");

	if (h->type == UV_SIGNAL && !skipped) {
		skipped = 1;
		return;
	}
	real(h, cb);
}
