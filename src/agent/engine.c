/* The engine registry and what every engine shares (engine.h): the choice
 * of "auto", the checks on the traffic, the sending thread and the
 * counters. An engine supplies only its ops (engine_impl.h). */
#include "agent/engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/engine_impl.h"
#include "common/err.h"

/* Every engine, by kind; "auto" is the first of AUTO_ORDER available. */
static const struct mp_engine_ops *const registry[MP_ENGINE_KIND_COUNT] = {
	[MP_ENGINE_PKTGEN] = &mp_engine_pktgen,
	[MP_ENGINE_PACKET] = &mp_engine_packet,
};
static const enum mp_engine_kind AUTO_ORDER[] = { MP_ENGINE_PKTGEN, MP_ENGINE_PACKET };

struct mp_engine {
	const struct mp_engine_ops *ops;
	void *state;
	char root[4096];                /* pktgen's control files */
	struct mp_traffic t;            /* the traffic of the current run */
	struct mp_engine_run run;       /* its counters; run.t points at t */
	pthread_t th;
	int have_th;                    /* a thread to join */
	atomic_int running;             /* the thread is sending */
};

/* The ops and a fresh state for `kind` ("auto" resolved). */
static int make(const char *kind, const char *root, const struct mp_engine_ops **ops,
		void **state, char *err, size_t errlen)
{
	int k = mp_engine_kind(kind);
	char names[MP_ENGINE_NAMES_LEN];

	if (k < 0) {
		snprintf(err, errlen, "unknown engine \"%s\"; expected %s", kind,
			 mp_engine_names(names));
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(AUTO_ORDER) / sizeof(AUTO_ORDER[0]); i++) {
		const struct mp_engine_ops *o = registry[k == MP_ENGINE_AUTO ? AUTO_ORDER[i] : (enum mp_engine_kind)k];
		void *s = calloc(1, o->state_size ? o->state_size : 1);
		int rc;

		if (!s) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		rc = o->available ? o->available(s, root, err, errlen) : 0;
		if (rc == 0) {
			*ops = o;
			*state = s;
			return 0;
		}
		free(s);
		if (k != MP_ENGINE_AUTO || i + 1 == sizeof(AUTO_ORDER) / sizeof(AUTO_ORDER[0]))
			return rc;
	}
	return -EINVAL;
}

int mp_engine_create(const char *kind, const char *pktgen_root, struct mp_engine **out,
		     char *err, size_t errlen)
{
	struct mp_engine *e = calloc(1, sizeof(*e));
	int rc;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	snprintf(e->root, sizeof(e->root), "%s", pktgen_root ? pktgen_root : MP_PKTGEN_ROOT);
	if ((rc = make(kind, e->root, &e->ops, &e->state, err, errlen)) < 0) {
		free(e);
		return rc;
	}
	e->run.t = &e->t;
	*out = e;
	return 0;
}

int mp_engine_switch(struct mp_engine *e, const char *kind, char *err, size_t errlen)
{
	const struct mp_engine_ops *ops;
	void *state;
	int rc, k = mp_engine_kind(kind);

	if (k == MP_ENGINE_AUTO || k == (int)e->ops->kind)
		return 0;
	if (mp_engine_running(e)) {
		snprintf(err, errlen, "traffic is running");
		return -EBUSY;
	}
	if ((rc = make(kind, e->root, &ops, &state, err, errlen)) < 0)
		return rc;
	mp_engine_stop(e);
	free(e->state);
	e->state = state;
	e->ops = ops;
	return 0;
}

const char *mp_engine_name(const struct mp_engine *e)
{
	return mp_engines[e->ops->kind].name;
}

void mp_engine_help(FILE *f, const char *indent)
{
	for (int k = 0; k < MP_ENGINE_KIND_COUNT; k++)
		fprintf(f, "%s%-8s %s\n", indent, mp_engines[k].name, mp_engines[k].help);
}

static void *send_thread(void *arg)
{
	struct mp_engine *e = arg;

	e->ops->send(e->state, &e->run);
	atomic_store(&e->running, 0);
	return NULL;
}

int mp_engine_start(struct mp_engine *e, const struct mp_traffic *t, uint64_t max_pps,
		    char *err, size_t errlen)
{
	struct mp_traffic tt = *t;
	int rc;

	/* With a mix, frame_size is its largest (rings and MTU checks). */
	if (tt.imix.n)
		tt.frame_size = mp_imix_largest(&tt.imix);
	if (mp_engine_running(e)) {
		snprintf(err, errlen, "traffic is already running");
		return -EBUSY;
	}
	if (tt.frame_size < MP_FRAME_MIN || tt.frame_size > MP_FRAME_MAX) {
		snprintf(err, errlen, "frame size %u outside %d..%d", tt.frame_size, MP_FRAME_MIN,
			 MP_FRAME_MAX);
		return -ERANGE;
	}
	if (max_pps && t->rate_pps > max_pps) {
		snprintf(err, errlen, "rate %llu pps above the limit of %llu",
			 (unsigned long long)t->rate_pps, (unsigned long long)max_pps);
		return -ERANGE;
	}
	/* "max" is as fast as the agent's limit allows (unpaced without one). */
	if (!tt.rate_pps && max_pps)
		tt.rate_pps = max_pps;
	mp_engine_stop(e);              /* the last run's thread, finished: joined */
	e->t = tt;
	atomic_store(&e->run.stop, 0);
	atomic_store(&e->run.packets, 0);
	atomic_store(&e->run.bytes, 0);
	atomic_store(&e->run.errors, 0);
	atomic_store(&e->run.first_ns, 0);
	atomic_store(&e->run.last_ns, 0);
	if ((rc = e->ops->prepare(e->state, &e->t, err, errlen)) < 0)
		return rc;
	atomic_store(&e->running, 1);
	if ((rc = pthread_create(&e->th, NULL, send_thread, e)) != 0) {
		atomic_store(&e->running, 0);
		if (e->ops->release)
			e->ops->release(e->state);
		snprintf(err, errlen, "cannot start the sending thread: %s", mp_strerror(rc));
		return -rc;
	}
	e->have_th = 1;
	return 0;
}

int mp_engine_stop(struct mp_engine *e)
{
	if (!e->have_th)
		return 0;
	atomic_store(&e->run.stop, 1);
	if (atomic_load(&e->running) && e->ops->interrupt)
		e->ops->interrupt(e->state);
	pthread_join(e->th, NULL);
	e->have_th = 0;
	if (e->ops->release)
		e->ops->release(e->state);
	return 0;
}

int mp_engine_running(const struct mp_engine *e)
{
	return atomic_load(&e->running);
}

void mp_engine_counters(const struct mp_engine *e, struct mp_traffic_counters *out)
{
	struct mp_engine *me = (struct mp_engine *)e;

	if (atomic_load(&me->running) && me->ops->progress)
		me->ops->progress(me->state, &me->run);
	out->packets = atomic_load(&me->run.packets);
	out->bytes = atomic_load(&me->run.bytes);
	out->errors = atomic_load(&me->run.errors);
	out->first_tx_ns = out->packets ? atomic_load(&me->run.first_ns) : 0;
	out->last_tx_ns = out->packets ? atomic_load(&me->run.last_ns) : 0;
}

void mp_engine_destroy(struct mp_engine *e)
{
	if (!e)
		return;
	mp_engine_stop(e);
	free(e->state);
	free(e);
}
