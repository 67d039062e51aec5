/* The traffic-generator image (`mir-perf image`, image.c). */
#ifndef MP_IMAGE_H
#define MP_IMAGE_H

#include <stddef.h>

/* Adds to the root filesystem at `root`: the agent binary and the shared
 * libraries it needs that the filesystem lacks, its secret (from token_file,
 * or a fresh random one when NULL) in /etc/mir-perf/agent.token mode 0600,
 * the start script and the enabled systemd service, pktgen in
 * modules-load.d, DHCP on eth1. 0 or -errno with a sentence in err. */
int mp_image_populate(const char *root, const char *agent, const char *token_file,
		      char *err, size_t errlen);

#endif
