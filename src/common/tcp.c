#include "common/tcp.h"

#include <string.h>

const char *const mp_tcp_offloads_names[MP_TCP_OFFLOADS_COUNT + 1] = {
	[MP_TCP_OFFLOADS_KEEP] = "keep", [MP_TCP_OFFLOADS_ON] = "on",
	[MP_TCP_OFFLOADS_OFF] = "off", [MP_TCP_OFFLOADS_COUNT] = NULL,
};

static const char *const state_names[MP_TCP_STATE_COUNT] = {
	[MP_TCP_IDLE] = "idle", [MP_TCP_RUNNING] = "running",
	[MP_TCP_DONE] = "done", [MP_TCP_FAILED] = "failed",
};

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *mp_tcp_offloads_name(enum mp_tcp_offloads o)
{
	return (unsigned)o < MP_TCP_OFFLOADS_COUNT ? mp_tcp_offloads_names[o] : "?";
}

int mp_tcp_offloads_parse(const char *s)
{
	return lookup(mp_tcp_offloads_names, MP_TCP_OFFLOADS_COUNT, s);
}

const char *mp_tcp_state_name(enum mp_tcp_state s)
{
	return (unsigned)s < MP_TCP_STATE_COUNT ? state_names[s] : "?";
}

int mp_tcp_state_parse(const char *s)
{
	return lookup(state_names, MP_TCP_STATE_COUNT, s);
}
