/* What a vif negotiated: the offload features its frontend (the guest's
 * netfront, /local/domain/<id>/device/vif/<devid>) and its backend (dom0's
 * netback, /local/domain/0/backend/vif/<id>/<devid>) wrote in xenstore:
 * feature-sg, feature-gso-tcpv4, feature-gso-tcpv6, feature-no-csum-offload,
 * feature-ipv6-csum-offload, feature-rx-copy, request-rx-copy... (Xen's
 * public/io/netif.h). Part of every TCP result: whether the library's GSO
 * was on is read here, not assumed. */
#ifndef MP_XS_FEATURES_H
#define MP_XS_FEATURES_H

#include <stddef.h>

#include "controller/host/xs.h"

#define MP_XS_FEATURES_MAX 384   /* "sg=1 gso-tcpv4=1 ..." of one side */

/* Every "feature-*" and "request-*" node of each side, as "name=value"
 * words in name order ("feature-" left out: "sg=1 gso-tcpv4=1 rx-copy=1"),
 * "" when it wrote none. 0, or a negative errno (xenstore lost). */
int mp_xs_vif_features(struct mp_xs *xs, unsigned domid, unsigned devid, char *frontend,
		       size_t flen, char *backend, size_t blen);

#endif
