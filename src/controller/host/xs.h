/* xenstore on the controller's loop, through the real libxenstore
 * (xs_open; XENSTORED_PATH points it at the testbed's stand-in). The
 * connection's fd (xs_fileno) is polled with uv_poll and watch events are
 * drained with xs_check_watch, so nothing blocks the loop except the short
 * request/reply round trips to a local daemon.
 *
 * The module watches @introduceDomain, @releaseDomain and /local/domain, and
 * for each tracked domain NAME reports:
 *   MP_XS_DOMAIN_UP   once /local/domain/<id>/name == NAME and every vif
 *                     0..nvifs-1 has its dom0 backend
 *                     (/local/domain/0/backend/vif/<id>/<devid>) at
 *                     hotplug-status=connected and state=4; `domain` holds
 *                     the domid and, per vif, the MAC, bridge and vifname.
 *   MP_XS_DOMAIN_GONE when that domid is released (@releaseDomain and its
 *                     /local/domain/<id> is gone). A domain re-created under
 *                     the same name gives a new DOMAIN_UP with its new domid.
 *   MP_XS_IPV4        when /local/domain/<id>/attr/vif/<devid>/ipv4/0 is
 *                     written by the guest (devid and ipv4 set).
 *   MP_XS_LOST        the connection to xenstored is gone (domain NULL).
 * Domains not tracked are ignored. */
#ifndef MP_XS_H
#define MP_XS_H

#include <net/if.h>
#include <stddef.h>
#include <uv.h>

#include "common/mac.h"

#define MP_XS_MAX_VIFS 8
#define MP_XS_NAME_MAX 64

struct mp_xs;

struct mp_xs_vif {
	unsigned devid;
	char mac[MP_MAC_STRLEN];     /* backend "mac", "00:16:3e:.." */
	char bridge[IFNAMSIZ];       /* backend "bridge" */
	char ifname[IFNAMSIZ];       /* dom0 interface: backend "vifname", else vif<id>.<devid> */
};

struct mp_xs_domain {
	char name[MP_XS_NAME_MAX];
	unsigned domid;
	size_t nvifs;
	struct mp_xs_vif vifs[MP_XS_MAX_VIFS];
};

enum mp_xs_event_type { MP_XS_DOMAIN_UP, MP_XS_DOMAIN_GONE, MP_XS_IPV4, MP_XS_LOST };

struct mp_xs_event {
	enum mp_xs_event_type type;
	const struct mp_xs_domain *domain;   /* valid during the callback only */
	unsigned devid;                      /* MP_XS_IPV4 */
	const char *ipv4;                    /* MP_XS_IPV4 */
};

typedef void (*mp_xs_cb)(struct mp_xs *xs, const struct mp_xs_event *ev, void *arg);

/* Connects and sets the watches. On failure logs what to do (is xenstored
 * running? XENSTORED_PATH? root?) and returns a negative errno. */
int mp_xs_open(uv_loop_t *loop, mp_xs_cb cb, void *arg, struct mp_xs **out);

/* Follows the domain called `name` with `nvifs` vifs (devids 0..nvifs-1).
 * If it is already up, DOMAIN_UP is reported from the loop soon after. */
int mp_xs_track(struct mp_xs *xs, const char *name, unsigned nvifs);

/* The libxenstore connection, for the short reads of xs_features.c; NULL
 * once lost. */
struct xs_handle *mp_xs_handle(struct mp_xs *xs);

/* Closes the poll handle (freed in its close callback) and the connection. */
void mp_xs_close(struct mp_xs *xs);

#endif
