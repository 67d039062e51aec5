/* The traff-gen's control address from its MAC: DHCP snooping, xenstore, or pinned (discovery.h). */
#include "controller/host/discovery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/loop.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"
#include "common/mac.h"
#include "controller/host/dhcp.h"

#define SEEN_MAX 64     /* DHCPACKs remembered before the MAC is known */

struct seen {
	uint8_t mac[MP_MAC_LEN];
	char ip[INET_ADDRSTRLEN];
};

struct mp_discovery {
	const struct mp_plan *plan;
	struct mp_dhcp *dhcp;
	uv_timer_t timer;
	struct seen seen[SEEN_MAX];
	size_t nseen;
	char xs_ip[INET_ADDRSTRLEN];
	int waiting;
	const char *first;              /* the method that answered, once it has */
	uint64_t first_ns;
	int second_seen;
	uint8_t want[MP_MAC_LEN];
	char want_text[MP_MAC_STRLEN];
	mp_discovery_cb cb;
	void *arg;
};

/* After the address is found, the other method's first word is logged too,
 * so the run log tells which came first and whether they agree. */
static void log_other_method(struct mp_discovery *d, const char *ip, const char *method)
{
	if (!d->first || d->second_seen || strcmp(method, d->first) == 0)
		return;
	d->second_seen = 1;
	mp_info("traff-gen control address %s also found by %s, %.1f s after %s", ip, method,
		(double)(mp_now_ns() - d->first_ns) / MP_NS_PER_SEC, d->first);
}

/* `method` found the address: the answer while waiting, else maybe worth
 * a line in the log. */
static void address_found(struct mp_discovery *d, const char *ip, const char *method)
{
	mp_discovery_cb cb = d->cb;

	if (!d->waiting) {
		log_other_method(d, ip, method);
		return;
	}
	d->waiting = 0;
	d->first = method;
	d->first_ns = mp_now_ns();
	uv_timer_stop(&d->timer);
	mp_info("traff-gen control address %s (found by %s, MAC %s)", ip, method,
		d->want_text);
	cb(0, ip, method, d->arg);
}

static const char *seen_lookup(struct mp_discovery *d, const uint8_t mac[MP_MAC_LEN])
{
	/* The newest lease for the MAC wins: scan backwards. */
	for (size_t i = d->nseen; i-- > 0;)
		if (memcmp(d->seen[i].mac, mac, MP_MAC_LEN) == 0)
			return d->seen[i].ip;
	return NULL;
}

static void on_ack(struct mp_dhcp *dh, const uint8_t chaddr[MP_MAC_LEN], const char *yiaddr, void *arg)
{
	struct mp_discovery *d = arg;
	struct seen *s;
	char text[MP_MAC_STRLEN];

	(void)dh;
	mp_mac_format(chaddr, text);
	mp_debug("DHCPACK seen: %s -> %s", text, yiaddr);
	if (d->nseen == SEEN_MAX) {
		memmove(d->seen, d->seen + 1, sizeof(d->seen[0]) * (SEEN_MAX - 1));
		d->nseen--;
	}
	s = &d->seen[d->nseen++];
	memcpy(s->mac, chaddr, MP_MAC_LEN);
	snprintf(s->ip, sizeof(s->ip), "%s", yiaddr);
	if (d->first || d->waiting) {
		if (memcmp(chaddr, d->want, MP_MAC_LEN) == 0)
			address_found(d, s->ip, "dhcp");
	}
}

static void on_timeout(uv_timer_t *t)
{
	struct mp_discovery *d = t->data;
	const struct mp_plan *p = d->plan;
	char what[512];
	char dur[32];

	mp_duration_format(p->discovery_timeout_ns, dur, sizeof(dur));
	snprintf(what, sizeof(what),
		 "no address for the traff-gen control MAC %s within %s: tried %s%s%s; "
		 "check that the traff-gen gets a DHCP lease on %s, or pin it with "
		 "discovery.address in the plan",
		 d->want_text, dur,
		 p->discover_dhcp ? "DHCP snooping on " : "",
		 p->discover_dhcp ? p->dhcp_bridge : "",
		 p->discover_xenstore ? (p->discover_dhcp ?
			" and the guest-published attr/vif/<devid>/ipv4/0 in xenstore" :
			"the guest-published attr/vif/<devid>/ipv4/0 in xenstore") : "",
		 p->dhcp_bridge ? p->dhcp_bridge : "the control bridge");
	d->waiting = 0;
	d->cb(-ETIMEDOUT, NULL, what, d->arg);
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

int mp_discovery_open(uv_loop_t *loop, const struct mp_plan *plan,
		      struct mp_discovery **out)
{
	struct mp_discovery *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return -ENOMEM;
	d->plan = plan;
	uv_timer_init(loop, &d->timer);
	d->timer.data = d;
	if (!plan->pinned_address && plan->discover_dhcp) {
		rc = mp_dhcp_open(loop, plan->dhcp_bridge, on_ack, d, &d->dhcp);
		if (rc < 0) {
			mp_err("cannot snoop DHCP on %s: %s%s", plan->dhcp_bridge,
			       mp_strerror(rc),
			       rc == -EPERM ? " (run as root)" :
			       rc == -ENODEV ? " (no such bridge in this namespace: check discovery.bridge)" : "");
			uv_close((uv_handle_t *)&d->timer, on_closed);
			return rc;
		}
	}
	*out = d;
	return 0;
}

void mp_discovery_wait(struct mp_discovery *d, const char *mac,
		       mp_discovery_cb cb, void *arg)
{
	const char *ip;

	d->cb = cb;
	d->arg = arg;
	d->waiting = 1;
	snprintf(d->want_text, sizeof(d->want_text), "%s", mac);
	if (d->plan->pinned_address) {
		address_found(d, d->plan->pinned_address, "pinned");
		return;
	}
	if (mp_mac_parse(mac, d->want) < 0) {
		d->waiting = 0;
		cb(-EINVAL, NULL, "the control vif's MAC in xenstore is not a MAC address", arg);
		return;
	}
	if ((ip = seen_lookup(d, d->want))) {
		address_found(d, ip, "dhcp");
		return;
	}
	if (d->xs_ip[0]) {
		address_found(d, d->xs_ip, "xenstore");
		return;
	}
	mp_timer_start_fresh(&d->timer, on_timeout, d->plan->discovery_timeout_ns / MP_NS_PER_MS);
}

void mp_discovery_xenstore(struct mp_discovery *d, const char *ip)
{
	struct in_addr a;

	if (!d->plan->discover_xenstore || inet_pton(AF_INET, ip, &a) != 1)
		return;
	snprintf(d->xs_ip, sizeof(d->xs_ip), "%s", ip);
	if (d->waiting || d->first)
		address_found(d, d->xs_ip, "xenstore");
}

void mp_discovery_close(struct mp_discovery *d)
{
	if (d->dhcp)
		mp_dhcp_close(d->dhcp);
	uv_close((uv_handle_t *)&d->timer, on_closed);
}
