/* Ethernet MAC addresses as text ("00:16:3e:01:02:03"). */
#ifndef MP_MAC_H
#define MP_MAC_H

#include <stddef.h>
#include <stdint.h>

#define MP_MAC_LEN 6
#define MP_MAC_STRLEN 18   /* "xx:xx:xx:xx:xx:xx" and NUL */

/* Accepts exactly six colon-separated hex pairs. Returns 0 or -EINVAL. */
int mp_mac_parse(const char *s, uint8_t mac[MP_MAC_LEN]);
/* The value of one hex digit, or -1. */
int mp_hexval(char c);

void mp_mac_format(const uint8_t mac[MP_MAC_LEN], char buf[MP_MAC_STRLEN]);

#endif
