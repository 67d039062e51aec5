/* What the agent asks the kernel about the interface it sends on. */
#ifndef MP_AGENT_NETDEV_H
#define MP_AGENT_NETDEV_H

#include <stdint.h>

#include "common/mac.h"

/* The hardware address of `dev`. Returns 0 or a negative errno. */
int mp_netdev_mac(const char *dev, uint8_t mac[MP_MAC_LEN]);

/* The MTU of `dev`. Returns 0 or a negative errno. */
int mp_netdev_mtu(const char *dev, unsigned *mtu);

#endif
