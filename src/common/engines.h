/* The traffic engines the agent can run, by name: one table (engines.c)
 * that the agent's engine registry (src/agent/engine.c), its --engine
 * option and help, the protocol's check of `configure`'s "engine", the
 * plan's check of agent.engine and every message listing them read.
 *
 * To add an engine: a kind here and its row in the table, then one file in
 * src/agent ending in its ops (engine_impl.h) and its line in the agent's
 * registry. */
#ifndef MP_ENGINES_H
#define MP_ENGINES_H

#include <stddef.h>

enum mp_engine_kind {
	MP_ENGINE_AUTO,         /* the agent's choice: pktgen where it can, else packet */
	MP_ENGINE_PACKET,
	MP_ENGINE_PKTGEN,
	MP_ENGINE_KIND_COUNT,
};

/* Longest engine name, with its NUL. */
#define MP_ENGINE_NAME_MAX 8

struct mp_engine_info {
	const char *name;       /* on the wire, in plans and on the command line */
	const char *help;       /* one line for --help and the docs */
};

extern const struct mp_engine_info mp_engines[MP_ENGINE_KIND_COUNT];

/* The kind called `name`, or -1. */
int mp_engine_kind(const char *name);
/* "auto, pktgen or packet": the names for a message, into buf. */
#define MP_ENGINE_NAMES_LEN (MP_ENGINE_KIND_COUNT * (MP_ENGINE_NAME_MAX + 4))
const char *mp_engine_names(char buf[MP_ENGINE_NAMES_LEN]);

#endif
