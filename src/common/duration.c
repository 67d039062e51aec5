#include "common/duration.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"

struct unit {
	const char *name;
	uint64_t ns;
};

/* Longest names first so "ms" is not read as "m" followed by junk. */
static const struct unit units[] = {
	{ "ns", 1ULL },
	{ "us", 1000ULL },
	{ "ms", 1000000ULL },
	{ "s", MP_NS_PER_SEC },
	{ "m", 60000000000ULL },
	{ "h", 3600000000000ULL },
};

static const struct unit *unit_find(const char *name)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].name, name) == 0)
			return &units[i];
	return NULL;
}

int mp_duration_parse(const char *s, uint64_t *ns)
{
	uint64_t whole = 0, frac = 0, frac_div = 1;
	const char *p = s;
	const struct unit *u;

	if (!s || !*s)
		return -EINVAL;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (frac_div >= MP_NS_PER_SEC)
				continue;       /* finer than 1 ns: ignored */
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_div *= 10;
		}
	}
	u = unit_find(p);
	if (!u)
		return -EINVAL;
	if (whole > UINT64_MAX / u->ns)
		return -ERANGE;
	*ns = whole * u->ns + frac * u->ns / frac_div;
	return 0;
}

void mp_duration_format(uint64_t ns, char *buf, size_t len)
{
	/* Largest unit that represents the value exactly, from "h" down. */
	for (size_t i = sizeof(units) / sizeof(units[0]); i-- > 0;) {
		if (ns != 0 && ns % units[i].ns == 0) {
			snprintf(buf, len, "%llu%s",
				 (unsigned long long)(ns / units[i].ns), units[i].name);
			return;
		}
	}
	snprintf(buf, len, "%lluns", (unsigned long long)ns);
}
