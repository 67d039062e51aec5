#include "common/mac.h"

#include <errno.h>
#include <stdio.h>

int mp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mp_mac_parse(const char *s, uint8_t mac[MP_MAC_LEN])
{
	for (int i = 0; i < MP_MAC_LEN; i++) {
		int hi = mp_hexval(s[0]), lo = hi < 0 ? -1 : mp_hexval(s[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < MP_MAC_LEN - 1 && *s++ != ':')
			return -EINVAL;
	}
	return *s ? -EINVAL : 0;
}

void mp_mac_format(const uint8_t mac[MP_MAC_LEN], char buf[MP_MAC_STRLEN])
{
	snprintf(buf, MP_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
