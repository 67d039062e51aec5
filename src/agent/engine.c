/* Engine selection and the checks common to every engine (engine.h). */
#include "agent/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/engine_impl.h"

struct mp_engine {
	const struct mp_engine_ops *ops;
	void *impl;
	char root[4096];        /* pktgen's control files */
};

/* A new engine of `kind` into *impl and *ops. */
static int make(const char *kind, const char *root, void **impl,
		const struct mp_engine_ops **ops, char *err, size_t errlen)
{
	char pgctrl[4200];
	int rc;

	snprintf(pgctrl, sizeof(pgctrl), "%s/pgctrl", root);
	if (strcmp(kind, "auto") == 0)
		kind = access(pgctrl, W_OK) == 0 ? "pktgen" : "packet";
	if (strcmp(kind, "packet") == 0) {
		rc = mp_engine_packet_new(impl, ops);
	} else if (strcmp(kind, "pktgen") == 0) {
		rc = mp_engine_pktgen_new(root, impl, ops, err, errlen);
	} else {
		snprintf(err, errlen, "unknown engine \"%s\"; expected auto, packet or pktgen", kind);
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
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
	if ((rc = make(kind, e->root, &e->impl, &e->ops, err, errlen)) < 0) {
		free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int mp_engine_switch(struct mp_engine *e, const char *kind, char *err, size_t errlen)
{
	const struct mp_engine_ops *ops;
	void *impl;
	int rc;

	if (strcmp(kind, "auto") == 0 || strcmp(kind, e->ops->name) == 0)
		return 0;
	if (e->ops->running(e->impl)) {
		snprintf(err, errlen, "traffic is running");
		return -EBUSY;
	}
	if ((rc = make(kind, e->root, &impl, &ops, err, errlen)) < 0)
		return rc;
	e->ops->destroy(e->impl);
	e->impl = impl;
	e->ops = ops;
	return 0;
}

const char *mp_engine_name(const struct mp_engine *e)
{
	return e->ops->name;
}

int mp_engine_start(struct mp_engine *e, const struct mp_traffic *t, uint64_t max_pps,
		    char *err, size_t errlen)
{
	struct mp_traffic tt = *t;

	/* With a mix, frame_size is its largest (rings and MTU checks). */
	if (tt.imix.n)
		tt.frame_size = mp_imix_largest(&tt.imix);
	if (e->ops->running(e->impl)) {
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
	return e->ops->start(e->impl, &tt, err, errlen);
}

int mp_engine_stop(struct mp_engine *e)
{
	return e->ops->stop(e->impl);
}

int mp_engine_running(const struct mp_engine *e)
{
	return e->ops->running(e->impl);
}

void mp_engine_counters(const struct mp_engine *e, struct mp_traffic_counters *out)
{
	e->ops->counters(e->impl, out);
}

void mp_engine_destroy(struct mp_engine *e)
{
	if (!e)
		return;
	e->ops->stop(e->impl);
	e->ops->destroy(e->impl);
	free(e);
}
