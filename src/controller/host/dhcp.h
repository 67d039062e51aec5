/* DHCP snooping: a packet socket on a dom0 bridge (on the loop with uv_poll)
 * with a BPF filter for UDP port 68, decoding BOOTP replies and reporting
 * every DHCPACK (option 53 = 5) with its chaddr and yiaddr. Only reads:
 * nothing is ever sent. The decoder is separate so it can be fuzzed. */
#ifndef MP_DHCP_H
#define MP_DHCP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/mac.h"

struct mp_dhcp;

typedef void (*mp_dhcp_ack_cb)(struct mp_dhcp *d, const uint8_t chaddr[MP_MAC_LEN],
			       const char *yiaddr, void *arg);

/* Opens the snooper on interface `ifname`. Returns 0, -ENODEV (no such
 * interface), -EPERM (needs CAP_NET_RAW), or another negative errno. */
int mp_dhcp_open(uv_loop_t *loop, const char *ifname, mp_dhcp_ack_cb cb, void *arg,
		 struct mp_dhcp **out);
void mp_dhcp_close(struct mp_dhcp *d);

/* Decodes one Ethernet frame. Returns 1 and fills chaddr/yiaddr for a valid
 * IPv4/UDP(67->68) BOOTREPLY carrying DHCPACK; 0 for anything else. Never
 * reads beyond len. */
int mp_dhcp_decode(const uint8_t *frame, size_t len, uint8_t chaddr[MP_MAC_LEN],
		   char yiaddr[INET_ADDRSTRLEN]);

#endif
