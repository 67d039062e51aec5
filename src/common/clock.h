/* Monotonic time, in nanoseconds. Every timestamp mir-perf records for rate
 * computation comes from here, never from the wall clock. */
#ifndef MP_CLOCK_H
#define MP_CLOCK_H

#include <stdint.h>
#include <time.h>

#define MP_NS_PER_SEC  1000000000ULL
#define MP_NS_PER_MS   1000000ULL

static inline uint64_t mp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * MP_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

#endif
