/* Finding the traff-gen's control address from its MAC, with no manual step.
 * Sources: DHCP snooping on the control bridge (a DHCPACK whose chaddr is the
 * MAC gives yiaddr) and the address the guest publishes in xenstore
 * (/local/domain/<id>/attr/vif/<devid>/ipv4/0, fed in by the sweep from its
 * xenstore events). The first answer wins; a pinned address skips both. */
#ifndef MP_DISCOVERY_H
#define MP_DISCOVERY_H

#include <netinet/in.h>
#include <stdint.h>
#include <uv.h>

#include "controller/plan/plan.h"

struct mp_discovery;

/* status 0 with the address and method ("dhcp", "xenstore", "pinned"), or
 * -ETIMEDOUT with `ip` NULL and `method` a sentence saying what was tried. */
typedef void (*mp_discovery_cb)(int status, const char *ip, const char *method,
				void *arg);

/* Opens the DHCP snooper on plan->dhcp_bridge when DHCP is among the methods,
 * so that ACKs are seen even before the MAC is known. */
int mp_discovery_open(uv_loop_t *loop, const struct mp_plan *plan,
		      struct mp_discovery **out);
/* Waits for the address of `mac` ("00:16:3e:..") for at most the plan's
 * discovery timeout; answers at once from what was already seen. */
void mp_discovery_wait(struct mp_discovery *d, const char *mac,
		       mp_discovery_cb cb, void *arg);
/* The sweep reports a guest-published address of the control vif. */
void mp_discovery_xenstore(struct mp_discovery *d, const char *ip);
void mp_discovery_close(struct mp_discovery *d);

#endif
