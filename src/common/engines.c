/* The engines' names (engines.h). */
#include "common/engines.h"

#include <string.h>

const struct mp_engine_info mp_engines[MP_ENGINE_KIND_COUNT] = {
	[MP_ENGINE_AUTO] = { "auto", "pktgen when the kernel's generator can be driven, else packet" },
	[MP_ENGINE_PACKET] = { "packet", "a user-space generator on a packet socket's TX ring" },
	[MP_ENGINE_PKTGEN] = { "pktgen", "the kernel's generator through /proc/net/pktgen" },
};

int mp_engine_kind(const char *name)
{
	for (int k = 0; k < MP_ENGINE_KIND_COUNT; k++)
		if (strcmp(mp_engines[k].name, name) == 0)
			return k;
	return -1;
}

const char *mp_engine_names(char buf[MP_ENGINE_NAMES_LEN])
{
	buf[0] = '\0';
	for (int k = 0; k < MP_ENGINE_KIND_COUNT; k++) {
		if (k)
			strcat(buf, k == MP_ENGINE_KIND_COUNT - 1 ? " or " : ", ");
		strcat(buf, mp_engines[k].name);
	}
	return buf;
}
