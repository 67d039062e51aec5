/* Traffic engines of the agent, behind one interface:
 *   packet  user-space generator on an AF_PACKET socket (engine_packet.c)
 *   pktgen  the kernel's generator through /proc/net/pktgen (engine_pktgen.c)
 *   auto    pktgen when <pktgen_root>/pgctrl exists, else packet
 * An engine sends on its own thread (packet) or the kernel's (pktgen);
 * counters can be read at any moment from the agent's loop. */
#ifndef MP_ENGINE_H
#define MP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/traffic.h"

#define MP_PKTGEN_ROOT "/proc/net/pktgen"

struct mp_engine;

/* kind: "auto", "packet" or "pktgen"; pktgen_root: NULL for MP_PKTGEN_ROOT
 * (tests point it at a recording directory). Returns 0, or a negative errno
 * with a sentence in err. */
int mp_engine_create(const char *kind, const char *pktgen_root, struct mp_engine **out,
		     char *err, size_t errlen);
const char *mp_engine_name(const struct mp_engine *e);   /* "packet", "pktgen" */
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
