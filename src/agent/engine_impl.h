/* The engines behind engine.h: each fills an ops table. Not public. */
#ifndef MP_ENGINE_IMPL_H
#define MP_ENGINE_IMPL_H

#include "agent/engine.h"

struct mp_engine_ops {
	const char *name;
	int (*start)(void *impl, const struct mp_traffic *t, char *err, size_t errlen);
	int (*stop)(void *impl);
	int (*running)(const void *impl);
	void (*counters)(const void *impl, struct mp_traffic_counters *out);
	void (*destroy)(void *impl);
};

int mp_engine_packet_new(void **impl, const struct mp_engine_ops **ops);
/* root: the pktgen procfs directory. */
int mp_engine_pktgen_new(const char *root, void **impl, const struct mp_engine_ops **ops,
			 char *err, size_t errlen);

#endif
