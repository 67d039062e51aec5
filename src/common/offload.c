#include "common/offload.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Each setting: its name and the legacy get/set requests of linux/ethtool.h. */
static const struct {
	const char *name;
	unsigned get, set;
} offloads[MP_OFFLOAD_COUNT] = {
	[MP_OFFLOAD_SG] = { "sg", ETHTOOL_GSG, ETHTOOL_SSG },
	[MP_OFFLOAD_TSO] = { "tso", ETHTOOL_GTSO, ETHTOOL_STSO },
	[MP_OFFLOAD_GSO] = { "gso", ETHTOOL_GGSO, ETHTOOL_SGSO },
	[MP_OFFLOAD_GRO] = { "gro", ETHTOOL_GGRO, ETHTOOL_SGRO },
	[MP_OFFLOAD_TX_CSUM] = { "tx-csum", ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM },
	[MP_OFFLOAD_RX_CSUM] = { "rx-csum", ETHTOOL_GRXCSUM, ETHTOOL_SRXCSUM },
};

const char *mp_offload_name(enum mp_offload o)
{
	return (unsigned)o < MP_OFFLOAD_COUNT ? offloads[o].name : "?";
}

/* One SIOCETHTOOL request on `ifname` with an ethtool_value. */
static int ethtool_value(int fd, const char *ifname, unsigned cmd, unsigned *data)
{
	struct ethtool_value v = { .cmd = cmd, .data = *data };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENODEV;
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	ifr.ifr_data = (void *)&v;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	*data = v.data;
	return 0;
}

int mp_offload_get(const char *ifname, int on[MP_OFFLOAD_COUNT])
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	if (!if_nametoindex(ifname))
		rc = -ENODEV;
	for (int o = 0; rc == 0 && o < MP_OFFLOAD_COUNT; o++) {
		unsigned v = 0;

		on[o] = ethtool_value(fd, ifname, offloads[o].get, &v) == 0 ? v != 0 : -1;
	}
	close(fd);
	return rc;
}

int mp_offload_set(const char *ifname, enum mp_offload o, int on)
{
	int fd, rc;
	unsigned v = on ? 1 : 0;

	if ((unsigned)o >= MP_OFFLOAD_COUNT)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = ethtool_value(fd, ifname, offloads[o].set, &v);
	close(fd);
	return rc;
}

void mp_offload_format(const int on[MP_OFFLOAD_COUNT], char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (int o = 0; o < MP_OFFLOAD_COUNT && n < len; o++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s %s", o ? ", " : "", offloads[o].name,
				      on[o] < 0 ? "?" : on[o] ? "on" : "off");
}
