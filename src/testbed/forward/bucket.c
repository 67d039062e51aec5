/* Token bucket rate cap for the forwarder. */
#include "testbed/forward/fwd.h"

#include "common/clock.h"

/* Depth: 10 ms worth of frames, at least one. */
#define BUCKET_DEPTH_DIV 100

void mp_fwd_bucket_init(struct mp_fwd_bucket *b, uint64_t rate, uint64_t now_ns)
{
	b->rate = rate;
	b->burst = rate / BUCKET_DEPTH_DIV ? rate / BUCKET_DEPTH_DIV : 1;
	b->tokens_ns = b->burst * MP_NS_PER_SEC;
	b->last_ns = now_ns;
}

int mp_fwd_bucket_take(struct mp_fwd_bucket *b, uint64_t now_ns)
{
	uint64_t cap, dt;

	if (!b->rate)
		return 1;
	cap = b->burst * MP_NS_PER_SEC;
	dt = now_ns > b->last_ns ? now_ns - b->last_ns : 0;
	b->last_ns = now_ns;
	/* past the time an empty bucket takes to fill, it is full (this also
	 * keeps dt * rate far from overflowing) */
	if (dt >= cap / b->rate)
		b->tokens_ns = cap;
	else if (b->tokens_ns + dt * b->rate >= cap)
		b->tokens_ns = cap;
	else
		b->tokens_ns += dt * b->rate;
	if (b->tokens_ns < MP_NS_PER_SEC)
		return 0;
	b->tokens_ns -= MP_NS_PER_SEC;
	return 1;
}
