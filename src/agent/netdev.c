#include "agent/netdev.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* One SIOCGIF* request on `dev` through a throwaway datagram socket. */
static int ifreq_get(const char *dev, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", dev);
	if (ioctl(fd, req, ifr) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int mp_netdev_mac(const char *dev, uint8_t mac[MP_MAC_LEN])
{
	struct ifreq ifr;
	int rc = ifreq_get(dev, SIOCGIFHWADDR, &ifr);

	if (rc == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, MP_MAC_LEN);
	return rc;
}

int mp_netdev_mtu(const char *dev, unsigned *mtu)
{
	struct ifreq ifr;
	int rc = ifreq_get(dev, SIOCGIFMTU, &ifr);

	if (rc == 0)
		*mtu = (unsigned)ifr.ifr_mtu;
	return rc;
}
