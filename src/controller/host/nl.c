/* Link counters through libnl-3 route: one link cache, refilled by one
 * RTM_GETLINK dump per read; the counters are the kernel's 64-bit ones. */
#include "controller/host/nl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

struct mp_nl {
	struct nl_sock *sk;
	struct nl_cache *cache;
	char missing[IF_NAMESIZE];
};

/* libnl's own error codes, mapped to the nearest errno. */
static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_NODEV: return -ENODEV;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	case NLE_BUSY: return -EBUSY;
	default: return -EIO;
	}
}

/* Opens a NETLINK_ROUTE socket and fills the link cache once. Returns 0 or a
 * negative errno. */
int mp_nl_open(struct mp_nl **out)
{
	struct mp_nl *nl = calloc(1, sizeof(*nl));
	int rc;

	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	rc = nl_connect(nl->sk, NETLINK_ROUTE);
	if (rc < 0) {
		mp_err("netlink: cannot connect a route socket: %s", nl_geterror(rc));
		rc = nl_to_errno(rc);
		goto fail;
	}
	rc = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &nl->cache);
	if (rc < 0) {
		mp_err("netlink: cannot dump the links: %s", nl_geterror(rc));
		rc = nl_to_errno(rc);
		goto fail;
	}
	*out = nl;
	return 0;
fail:
	nl_socket_free(nl->sk);
	free(nl);
	return rc;
}

/* Reads the counters of every named interface from one fresh dump; t_ns is
 * taken right after the dump is answered. Returns 0, -ENODEV (missing name in
 * mp_nl_last_missing) or a negative errno. */
int mp_nl_read(struct mp_nl *nl, const char *const *names, size_t n,
	       struct mp_link_stats *out)
{
	uint64_t t;
	size_t i;
	int rc;

	nl->missing[0] = '\0';
	rc = nl_cache_refill(nl->sk, nl->cache);
	t = mp_now_ns();
	if (rc < 0)
		return nl_to_errno(rc);
	for (i = 0; i < n; i++) {
		struct rtnl_link *l = rtnl_link_get_by_name(nl->cache, names[i]);

		if (!l) {
			snprintf(nl->missing, sizeof(nl->missing), "%s", names[i]);
			return -ENODEV;
		}
		out[i].t_ns = t;
		out[i].rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
		out[i].tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
		out[i].rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
		out[i].tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
		out[i].rx_dropped = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED);
		out[i].tx_dropped = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED);
		rtnl_link_put(l);
	}
	return 0;
}

/* The interface the last -ENODEV was about ("" otherwise). */
const char *mp_nl_last_missing(const struct mp_nl *nl)
{
	return nl->missing;
}

void mp_nl_close(struct mp_nl *nl)
{
	if (!nl)
		return;
	nl_cache_free(nl->cache);
	nl_socket_free(nl->sk);
	free(nl);
}
