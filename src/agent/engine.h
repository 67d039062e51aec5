/* Traffic engines of the agent, behind one interface. Their names are
 * common/engines.h's table; each is one file (engine_<name>.c) listed in
 * engine.c's registry, which runs it on a sending thread of its own:
 *   pktgen  the kernel's generator through /proc/net/pktgen
 *   packet  a user-space generator on an AF_PACKET socket's TX ring
 *   auto    pktgen when its control file can be written, else packet
 * Counters can be read at any moment from the agent's loop. */
#ifndef MP_ENGINE_H
#define MP_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/traffic.h"

#define MP_PKTGEN_ROOT "/proc/net/pktgen"

struct mp_engine;

/* kind: a name of common/engines.h; pktgen_root: NULL for MP_PKTGEN_ROOT
 * (tests point it at a recording directory). Returns 0, or a negative errno
 * with a sentence in err. */
int mp_engine_create(const char *kind, const char *pktgen_root, struct mp_engine **out,
		     char *err, size_t errlen);
const char *mp_engine_name(const struct mp_engine *e);   /* never "auto" */
/* One line per engine kind, its name and what it is, each after `indent`
 * (for --help). */
void mp_engine_help(FILE *f, const char *indent);
/* Makes `e` an engine of `kind` ("auto" or its own kind: nothing changes),
 * for a controller whose plan asks for one. Traffic must be stopped; its
 * counters are lost. 0, or a negative errno with a sentence in err, `e`
 * then unchanged. */
int mp_engine_switch(struct mp_engine *e, const char *kind, char *err, size_t errlen);

/* Starts sending `t` (rate 0 = as fast as possible, refused above max_pps
 * when max_pps > 0). Returns 0, or a negative errno with a sentence in err
 * (-EBUSY running, -ENODEV no interface, -ERANGE limits, -EPERM). */
int mp_engine_start(struct mp_engine *e, const struct mp_traffic *t, uint64_t max_pps,
		    char *err, size_t errlen);
/* Stops and waits until no more frames are sent. Returns 0 or -errno. */
int mp_engine_stop(struct mp_engine *e);
/* 1 while sending; 0 once stopped or finished by itself (duration/count). */
int mp_engine_running(const struct mp_engine *e);
void mp_engine_counters(const struct mp_engine *e, struct mp_traffic_counters *out);
void mp_engine_destroy(struct mp_engine *e);

#endif
