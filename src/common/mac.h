/* Ethernet MAC addresses as text ("00:16:3e:01:02:03"), and the lengths
 * of an address and of the Ethernet header (IEEE 802.3: destination and
 * source address, then the EtherType), named once for every program. */
#ifndef MP_MAC_H
#define MP_MAC_H

#include <stddef.h>
#include <stdint.h>

#define MP_MAC_LEN 6
#define MP_MAC_STRLEN 18   /* "xx:xx:xx:xx:xx:xx" and NUL */
#define MP_ETH_TYPE_OFF (2 * MP_MAC_LEN)      /* 12 */
#define MP_ETH_HLEN (MP_ETH_TYPE_OFF + 2)     /* 14: a frame is MTU + this */

/* Accepts exactly six colon-separated hex pairs. Returns 0 or -EINVAL. */
int mp_mac_parse(const char *s, uint8_t mac[MP_MAC_LEN]);
/* The value of one hex digit, or -1. */
int mp_hexval(char c);

void mp_mac_format(const uint8_t mac[MP_MAC_LEN], char buf[MP_MAC_STRLEN]);

#endif
