/* The sampling clock: ticks on an absolute schedule on the loop (sampler.h). */
#include "controller/host/sampler.h"

#include <errno.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/stats.h"

#define LATENESS_KEEP 65536     /* ticks kept for percentiles (~1.8 h at 100 ms) */

struct mp_sampler {
	uv_timer_t timer;
	uint64_t interval_ns;
	uint64_t t0;
	uint64_t k;             /* index of the next scheduled tick */
	mp_sampler_tick tick;
	void *arg;
	double *late;           /* ring of lateness values, ns */
	size_t nlate, skipped;
	double max_late;
};

static void on_timer(uv_timer_t *t);

static void schedule(struct mp_sampler *s)
{
	uint64_t now = mp_now_ns(), due = s->t0 + s->k * s->interval_ns;
	uint64_t wait_ms = due > now ? (due - now + MP_NS_PER_MS - 1) / MP_NS_PER_MS : 0;

	uv_timer_start(&s->timer, on_timer, wait_ms, 0);
}

static void on_timer(uv_timer_t *t)
{
	struct mp_sampler *s = t->data;
	uint64_t due = s->t0 + s->k * s->interval_ns, now = mp_now_ns(), newest;
	double late;

	if (now < due) {        /* loop time is coarser than ours: not yet */
		schedule(s);
		return;
	}
	/* More than one slot late: run for the newest slot already due and
	 * count the others as skipped, so a late tick is never followed by a
	 * burst of catch-up ticks. */
	newest = (now - s->t0) / s->interval_ns;
	if (newest > s->k) {
		s->skipped += newest - s->k;
		s->k = newest;
	}
	due = s->t0 + s->k * s->interval_ns;
	late = (double)(now - due);
	s->late[s->nlate++ % LATENESS_KEEP] = late;
	if (late > s->max_late)
		s->max_late = late;
	s->k++;
	s->tick(s, due, now, s->arg);
	if (uv_is_active((uv_handle_t *)&s->timer) || uv_is_closing((uv_handle_t *)&s->timer))
		return;         /* the tick restarted or closed us */
	if (s->t0)
		schedule(s);
}

int mp_sampler_new(uv_loop_t *loop, uint64_t interval_ns, mp_sampler_tick tick,
		   void *arg, struct mp_sampler **out)
{
	struct mp_sampler *s = calloc(1, sizeof(*s));

	if (!s || !(s->late = calloc(LATENESS_KEEP, sizeof(double)))) {
		free(s);
		return -ENOMEM;
	}
	s->interval_ns = interval_ns;
	s->tick = tick;
	s->arg = arg;
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	*out = s;
	return 0;
}

void mp_sampler_start(struct mp_sampler *s)
{
	s->t0 = mp_now_ns();
	s->k = 0;
	schedule(s);
}

void mp_sampler_stop(struct mp_sampler *s)
{
	s->t0 = 0;
	uv_timer_stop(&s->timer);
}

static void on_closed(uv_handle_t *h)
{
	struct mp_sampler *s = h->data;

	free(s->late);
	free(s);
}

void mp_sampler_close(struct mp_sampler *s)
{
	s->t0 = 0;
	uv_close((uv_handle_t *)&s->timer, on_closed);
}

void mp_sampler_lateness(struct mp_sampler *s, struct mp_sampler_lateness *out)
{
	size_t n = s->nlate < LATENESS_KEEP ? s->nlate : LATENESS_KEEP;
	double *copy = malloc((n ? n : 1) * sizeof(double));

	out->ticks = s->nlate;
	out->skipped = s->skipped;
	out->max_ns = s->max_late;
	out->p50_ns = out->p99_ns = 0;
	if (!copy || n == 0) {
		free(copy);
		return;
	}
	for (size_t i = 0; i < n; i++)
		copy[i] = s->late[i];
	out->p50_ns = mp_percentile(copy, n, 50);
	out->p99_ns = mp_percentile(copy, n, 99);
	free(copy);
}
