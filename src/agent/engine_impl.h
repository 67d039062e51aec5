/* What a traffic engine supplies: its file (engine_<name>.c) ends in one
 * struct mp_engine_ops initialiser, listed once in engine.c's registry.
 * engine.c owns everything around it: the sending thread, the counters,
 * the checks every engine shares, start, stop and the choice of "auto".
 * Not public. */
#ifndef MP_ENGINE_IMPL_H
#define MP_ENGINE_IMPL_H

#include <stdatomic.h>
#include <stddef.h>

#include "agent/engine.h"
#include "common/engines.h"

/* One run of traffic, shared by the engine's thread and the agent's loop. */
struct mp_engine_run {
	const struct mp_traffic *t;     /* what to send, already checked */
	atomic_int stop;                /* set by engine.c: send() returns soon */
	atomic_ullong packets, bytes, errors;
	atomic_ullong first_ns, last_ns;  /* first and last frame sent (monotonic) */
};

struct mp_engine_ops {
	enum mp_engine_kind kind;       /* its name is mp_engines[kind].name */
	size_t state_size;              /* the engine's state, zeroed by engine.c */
	/* Once, when the engine is made: whether it can run here. 0, or a
	 * negative errno with a sentence saying what to do. Optional. */
	int (*available)(void *state, const char *pktgen_root, char *err, size_t errlen);
	/* Before each run, on the agent's loop: open, configure. 0, or a
	 * negative errno with a sentence (nothing then to release). */
	int (*prepare)(void *state, const struct mp_traffic *t, char *err, size_t errlen);
	/* On the engine's thread: sends until the traffic's duration or count
	 * is reached or run->stop is set, keeping run's counters. */
	void (*send)(void *state, struct mp_engine_run *run);
	/* From the loop: make a send() that blocks elsewhere (in the kernel)
	 * return. Optional. */
	void (*interrupt)(void *state);
	/* From the loop while sending: refresh run's counters from where the
	 * engine keeps them (the kernel). Optional. */
	void (*progress)(void *state, struct mp_engine_run *run);
	/* After send() returned: releases what prepare() took. Optional. */
	void (*release)(void *state);
};

extern const struct mp_engine_ops mp_engine_pktgen, mp_engine_packet;

#endif
