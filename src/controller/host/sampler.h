/* The sampling clock: calls a tick function every interval on the loop, on an
 * absolute schedule (t0 + k * interval from the monotonic clock), so lateness
 * never accumulates. A late tick is not repeated: missed slots are skipped
 * and counted. Lateness of every tick is kept for the figures. */
#ifndef MP_SAMPLER_H
#define MP_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct mp_sampler;

/* now_ns: when the tick runs; due_ns: when it was scheduled. */
typedef void (*mp_sampler_tick)(struct mp_sampler *s, uint64_t due_ns,
				uint64_t now_ns, void *arg);

int mp_sampler_new(uv_loop_t *loop, uint64_t interval_ns, mp_sampler_tick tick,
		   void *arg, struct mp_sampler **out);
/* Ticks at once, then every interval until stopped. Restarting resets t0. */
void mp_sampler_start(struct mp_sampler *s);
void mp_sampler_stop(struct mp_sampler *s);
/* Closes the timer; memory is freed in its close callback. */
void mp_sampler_close(struct mp_sampler *s);

/* Lateness statistics (ns) over every tick since creation; skipped counts
 * schedule slots missed because a tick ran more than one interval late. */
struct mp_sampler_lateness {
	size_t ticks, skipped;
	double p50_ns, p99_ns, max_ns;
};
void mp_sampler_lateness(struct mp_sampler *s, struct mp_sampler_lateness *out);

#endif
