/* DHCP snooping on a packet socket: a classic BPF filter lets through only
 * IPv4 UDP datagrams from port 67 to port 68; each readable event drains the
 * socket and reports every DHCPACK. Nothing is ever sent. */
#include "controller/host/dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mac.h"

/* Frame layout (RFC 791, RFC 768, RFC 2131/2132; Ethernet's in common/mac.h). */
#define IP_MIN_HDR_LEN     20
#define IP_VERSION_4       4
#define IP_PROTO_OFF       9
#define IP_FRAG_OFF        6
#define IP_FRAG_MASK       0x3fff   /* MF flag and fragment offset */
#define IP_PROTO_UDP       17
#define UDP_HDR_LEN        8
#define BOOTP_SERVER_PORT  67
#define BOOTP_CLIENT_PORT  68
#define BOOTP_OP_OFF       0
#define BOOTP_HTYPE_OFF    1
#define BOOTP_HLEN_OFF     2
#define BOOTP_YIADDR_OFF   16
#define BOOTP_CHADDR_OFF   28
#define BOOTP_COOKIE_OFF   236
#define BOOTP_OPTIONS_OFF  240
#define BOOTP_OP_REPLY     2
#define BOOTP_HTYPE_ETHER  1
#define BOOTP_HLEN_ETHER   6
#define DHCP_MAGIC_COOKIE  0x63825363u
#define DHCP_OPT_PAD       0
#define DHCP_OPT_END       255
#define DHCP_OPT_MSG_TYPE  53
#define DHCP_MSG_ACK       5

#define DHCP_FRAME_MAX     2048     /* larger frames are truncated, still decoded */

struct mp_dhcp {
	uv_loop_t *loop;
	uv_poll_t poll;
	int fd;
	mp_dhcp_ack_cb cb;
	void *arg;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walks the options of `len` bytes; returns the DHCP message type or -1. */
static int dhcp_msg_type(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = opt[i];

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return -1;
		if (i + 1 >= len)
			return -1;
		size_t olen = opt[i + 1];

		if (i + 2 + olen > len)
			return -1;
		if (code == DHCP_OPT_MSG_TYPE)
			return olen == 1 ? opt[i + 2] : -1;
		i += 2 + olen;
	}
	return -1;
}

/* Decodes an Ethernet frame; 1 for a DHCPACK BOOTREPLY 67->68, else 0. */
int mp_dhcp_decode(const uint8_t *frame, size_t len, uint8_t chaddr[MP_MAC_LEN],
		   char yiaddr[INET_ADDRSTRLEN])
{
	const uint8_t *ip, *udp, *bootp;
	size_t ihl, ip_len, udp_len, bootp_len;

	if (len < MP_ETH_HLEN + IP_MIN_HDR_LEN || rd16(frame + MP_ETH_TYPE_OFF) != ETH_P_IP)
		return 0;
	ip = frame + MP_ETH_HLEN;
	if (ip[0] >> 4 != IP_VERSION_4)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	ip_len = rd16(ip + 2);
	if (ihl < IP_MIN_HDR_LEN || ip_len < ihl || ip_len > len - MP_ETH_HLEN)
		return 0;
	if (ip[IP_PROTO_OFF] != IP_PROTO_UDP || (rd16(ip + IP_FRAG_OFF) & IP_FRAG_MASK))
		return 0;
	if (ip_len - ihl < UDP_HDR_LEN)
		return 0;
	udp = ip + ihl;
	udp_len = rd16(udp + 4);
	if (rd16(udp) != BOOTP_SERVER_PORT || rd16(udp + 2) != BOOTP_CLIENT_PORT)
		return 0;
	if (udp_len < UDP_HDR_LEN || udp_len > ip_len - ihl)
		return 0;
	bootp = udp + UDP_HDR_LEN;
	bootp_len = udp_len - UDP_HDR_LEN;
	if (bootp_len < BOOTP_OPTIONS_OFF)
		return 0;
	if (bootp[BOOTP_OP_OFF] != BOOTP_OP_REPLY || bootp[BOOTP_HTYPE_OFF] != BOOTP_HTYPE_ETHER ||
	    bootp[BOOTP_HLEN_OFF] != BOOTP_HLEN_ETHER)
		return 0;
	if (rd32(bootp + BOOTP_COOKIE_OFF) != DHCP_MAGIC_COOKIE)
		return 0;
	if (dhcp_msg_type(bootp + BOOTP_OPTIONS_OFF, bootp_len - BOOTP_OPTIONS_OFF) !=
	    DHCP_MSG_ACK)
		return 0;
	memcpy(chaddr, bootp + BOOTP_CHADDR_OFF, BOOTP_HLEN_ETHER);
	if (!inet_ntop(AF_INET, bootp + BOOTP_YIADDR_OFF, yiaddr, INET_ADDRSTRLEN))
		return 0;
	return 1;
}

/* Classic BPF: IPv4, UDP, not a fragment, source port 67, destination 68. */
static int attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, MP_ETH_TYPE_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 10),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, MP_ETH_HLEN + IP_PROTO_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IP_PROTO_UDP, 0, 8),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, MP_ETH_HLEN + IP_FRAG_OFF),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, IP_FRAG_MASK, 6, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, MP_ETH_HLEN),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, MP_ETH_HLEN),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BOOTP_SERVER_PORT, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, MP_ETH_HLEN + 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BOOTP_CLIENT_PORT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, DHCP_FRAME_MAX),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

static void drain(struct mp_dhcp *d)
{
	uint8_t buf[DHCP_FRAME_MAX];
	uint8_t chaddr[MP_MAC_LEN];
	char yiaddr[INET_ADDRSTRLEN];

	for (;;) {
		ssize_t n = recv(d->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				mp_warn("dhcp: receive: %s", mp_strerror(errno));
			if (errno != EINTR)
				return;
			continue;
		}
		if (mp_dhcp_decode(buf, (size_t)n, chaddr, yiaddr) == 1)
			d->cb(d, chaddr, yiaddr, d->arg);
	}
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct mp_dhcp *d = h->data;

	(void)events;
	if (status < 0) {
		mp_warn("dhcp: poll: %s", uv_strerror(status));
		return;
	}
	drain(d);
}

/* Opens the snooper; see dhcp.h. */
int mp_dhcp_open(uv_loop_t *loop, const char *ifname, mp_dhcp_ack_cb cb, void *arg,
		 struct mp_dhcp **out)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct mp_dhcp *d;
	unsigned idx;
	int rc;

	idx = if_nametoindex(ifname);
	if (!idx) {
		mp_err("dhcp: no interface %s to snoop on (is the testbed up?)", ifname);
		return -ENODEV;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->loop = loop;
	d->cb = cb;
	d->arg = arg;
	/* Protocol 0 first: nothing is queued before the filter is attached.
	 * Bound to ETH_P_ALL: only such taps see outgoing frames (the ACK of a
	 * DHCP server on this host leaves through the interface). */
	d->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0) {
		rc = -errno;
		if (rc == -EPERM || rc == -EACCES) {
			mp_err("dhcp: a packet socket needs CAP_NET_RAW: run as root");
			rc = -EPERM;
		}
		free(d);
		return rc;
	}
	rc = attach_filter(d->fd);
	if (rc < 0)
		goto fail;
	sll.sll_ifindex = (int)idx;
	if (bind(d->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = uv_poll_init(loop, &d->poll, d->fd);
	if (rc < 0)
		goto fail;
	d->poll.data = d;
	rc = uv_poll_start(&d->poll, UV_READABLE, on_poll);
	if (rc < 0) {
		mp_dhcp_close(d);
		return rc;
	}
	*out = d;
	return 0;
fail:
	mp_err("dhcp: cannot snoop on %s: %s", ifname, mp_strerror(rc));
	close(d->fd);
	free(d);
	return rc;
}

static void on_closed(uv_handle_t *h)
{
	struct mp_dhcp *d = h->data;

	close(d->fd);
	free(d);
}

/* Stops polling; the socket and memory are released in the close callback. */
void mp_dhcp_close(struct mp_dhcp *d)
{
	if (!d)
		return;
	uv_close((uv_handle_t *)&d->poll, on_closed);
}
