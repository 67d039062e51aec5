/* An interface's offload settings through the ethtool ioctl (SIOCETHTOOL,
 * the legacy one-feature requests every Linux driver still answers), in the
 * caller's network namespace. What TCP through the DUT records per run, and
 * how the plan's traffic.tcp.offloads turns the traff-gen's TSO and GSO off
 * or on. */
#ifndef MP_OFFLOAD_H
#define MP_OFFLOAD_H

#include <stddef.h>

enum mp_offload {
	MP_OFFLOAD_SG,        /* scatter-gather */
	MP_OFFLOAD_TSO,       /* TCP segmentation offload */
	MP_OFFLOAD_GSO,       /* generic segmentation offload */
	MP_OFFLOAD_GRO,       /* generic receive offload */
	MP_OFFLOAD_TX_CSUM,   /* transmit checksum offload */
	MP_OFFLOAD_RX_CSUM,   /* receive checksum offload */
	MP_OFFLOAD_COUNT,
};

/* The names as ethtool -k prints them in short: "sg", "tso", "gso", "gro",
 * "tx-csum", "rx-csum". */
const char *mp_offload_name(enum mp_offload o);

/* Reads every setting of `ifname`: on[o] is 1 or 0, or -1 when the driver
 * does not say. Returns 0, or -errno (no such interface). */
int mp_offload_get(const char *ifname, int on[MP_OFFLOAD_COUNT]);

/* Turns one setting on or off. 0, or -errno (e.g. -EOPNOTSUPP when the
 * driver cannot change it). */
int mp_offload_set(const char *ifname, enum mp_offload o, int on);

/* "sg on, tso off, ..." for a log line or a CSV cell. */
void mp_offload_format(const int on[MP_OFFLOAD_COUNT], char *buf, size_t len);

#endif
