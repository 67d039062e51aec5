/* DHCP snooping: the decoder on crafted frames (every truncation, bad fields,
 * option walks), and a live exchange between dnsmasq and busybox udhcpc in
 * namespaces of the test's own, seen by the snooper on the server side. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/mac.h"
#include "controller/host/dhcp.h"
#include "ctlio_ns.h"
#include "test.h"

#define F_ETH 14
#define F_IP 20
#define F_UDP 8
#define F_BOOTP 240

struct tframe {
	uint8_t b[1024];
	size_t len;
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A DHCP reply of message type `type`, options `opts` (after the type
 * option), IP header of `ihl` words. Lengths are kept consistent. */
static void build(struct tframe *f, int type, const uint8_t *opts, size_t nopts, unsigned ihl)
{
	static const uint8_t chaddr[6] = { 0x00, 0x16, 0x3e, 0x6d, 0x70, 0x01 };
	uint8_t *ip, *udp, *bp, *o;
	size_t iphl = ihl * 4, blen;

	memset(f, 0, sizeof(*f));
	memset(f->b, 0xff, 6);
	memcpy(f->b + 6, "\x02\x00\x00\x00\x00\x09", 6);
	put16(f->b + 12, 0x0800);
	ip = f->b + F_ETH;
	ip[0] = (uint8_t)(0x40 | ihl);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\xc8\x00\x01", 4);
	memset(ip + 16, 0xff, 4);
	for (size_t i = F_IP; i < iphl; i++)
		ip[i] = 1; /* IP option NOP */
	udp = ip + iphl;
	put16(udp, 67);
	put16(udp + 2, 68);
	bp = udp + F_UDP;
	bp[0] = 2;
	bp[1] = 1;
	bp[2] = 6;
	memcpy(bp + 16, "\x0a\xc8\x00\x7b", 4); /* 10.200.0.123 */
	memcpy(bp + 28, chaddr, 6);
	memcpy(bp + 236, "\x63\x82\x53\x63", 4);
	o = bp + F_BOOTP;
	if (type >= 0) {
		*o++ = 53;
		*o++ = 1;
		*o++ = (uint8_t)type;
	}
	if (nopts)
		memcpy(o, opts, nopts);
	o += nopts;
	*o++ = 255;
	blen = (size_t)(o - bp);
	put16(udp + 4, (unsigned)(F_UDP + blen));
	put16(ip + 2, (unsigned)(iphl + F_UDP + blen));
	f->len = F_ETH + iphl + F_UDP + blen;
}

static int dec(const struct tframe *f, char ip[INET_ADDRSTRLEN], char mac[MP_MAC_STRLEN])
{
	uint8_t ch[6];
	int rc = mp_dhcp_decode(f->b, f->len, ch, ip);

	if (rc == 1)
		mp_mac_format(ch, mac);
	return rc;
}

TEST(dhcp_decode_ack)
{
	static const uint8_t opts[] = { 0, 0, 1, 4, 255, 255, 255, 0, 51, 4, 0, 0, 14, 16 };
	struct tframe f;
	char ip[INET_ADDRSTRLEN], mac[MP_MAC_STRLEN];

	build(&f, 5, opts, sizeof(opts), 5);
	ASSERT_EQ(dec(&f, ip, mac), 1);
	ASSERT_STREQ(ip, "10.200.0.123");
	ASSERT_STREQ(mac, "00:16:3e:6d:70:01");
	/* the message type after other options */
	build(&f, -1, (const uint8_t[]){ 1, 4, 255, 255, 255, 0, 53, 1, 5 }, 9, 5);
	ASSERT_EQ(dec(&f, ip, mac), 1);
	/* trailing Ethernet padding beyond the IP length is fine */
	f.len += 20;
	ASSERT_EQ(dec(&f, ip, mac), 1);
}

TEST(dhcp_decode_ignores_other_messages)
{
	struct tframe f;
	char ip[INET_ADDRSTRLEN], mac[MP_MAC_STRLEN];

	for (int t = 1; t <= 8; t++) {
		build(&f, t, NULL, 0, 5);
		ASSERT_EQ(dec(&f, ip, mac), t == 5);
	}
	build(&f, -1, NULL, 0, 5); /* plain BOOTP, no message type */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	f.b[F_ETH + F_IP + F_UDP] = 1; /* a request, not a reply */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	f.b[F_ETH + F_IP + F_UDP + 1] = 6; /* htype not Ethernet */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	f.b[F_ETH + F_IP + F_UDP + 2] = 8; /* hlen */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	f.b[F_ETH + F_IP + F_UDP + 239] ^= 1; /* magic cookie */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	put16(f.b + F_ETH + F_IP + 2, 69); /* to the wrong port */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	put16(f.b + F_ETH + F_IP, 68); /* from the wrong port */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	f.b[F_ETH + 9] = 6; /* TCP */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	put16(f.b + 12, 0x8100); /* VLAN-tagged: not decoded */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	f.b[F_ETH] = 0x65; /* IPv6 version */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	put16(f.b + F_ETH + 6, 0x2000); /* more fragments */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	put16(f.b + F_ETH + 6, 0x0001); /* a later fragment */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	build(&f, 5, NULL, 0, 5);
	put16(f.b + F_ETH + 6, 0x4000); /* don't fragment: fine */
	ASSERT_EQ(dec(&f, ip, mac), 1);
	build(&f, 5, NULL, 0, 5);
	f.b[F_ETH] = 0x44; /* IHL below 5 */
	ASSERT_EQ(dec(&f, ip, mac), 0);
}

TEST(dhcp_decode_ip_options)
{
	struct tframe f;
	char ip[INET_ADDRSTRLEN], mac[MP_MAC_STRLEN];

	for (unsigned ihl = 6; ihl <= 15; ihl++) {
		build(&f, 5, NULL, 0, ihl);
		ASSERT_EQ(dec(&f, ip, mac), 1);
		ASSERT_STREQ(ip, "10.200.0.123");
		f.b[F_ETH] = (uint8_t)(0x40 | (ihl - 1)); /* IHL disagreeing with the layout */
		ASSERT_EQ(dec(&f, ip, mac), 0);
	}
}

TEST(dhcp_decode_truncated_at_every_length)
{
	static const uint8_t opts[] = { 1, 4, 255, 255, 255, 0, 3, 4, 10, 200, 0, 1 };
	struct tframe f;
	char ip[INET_ADDRSTRLEN], mac[MP_MAC_STRLEN];
	uint8_t ch[6];

	build(&f, 5, opts, sizeof(opts), 5);
	for (size_t len = 0; len < f.len; len++) {
		/* an exact-size copy so ASan sees any read past len */
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, f.b, len);
		ASSERT_MSG(mp_dhcp_decode(copy, len, ch, ip) == 0, "accepted at len %zu", len);
		free(copy);
	}
	ASSERT_EQ(dec(&f, ip, mac), 1);
}

TEST(dhcp_decode_option_walk_bounds)
{
	struct tframe f;
	char ip[INET_ADDRSTRLEN], mac[MP_MAC_STRLEN];
	size_t end;

	/* an option whose length runs past the datagram, before type 53 */
	build(&f, -1, (const uint8_t[]){ 12, 200, 53, 1, 5 }, 5, 5);
	ASSERT_EQ(dec(&f, ip, mac), 0);
	/* type option with a wrong length */
	build(&f, -1, (const uint8_t[]){ 53, 2, 5, 5 }, 4, 5);
	ASSERT_EQ(dec(&f, ip, mac), 0);
	/* END before the type option */
	build(&f, -1, (const uint8_t[]){ 255, 53, 1, 5 }, 4, 5);
	ASSERT_EQ(dec(&f, ip, mac), 0);
	/* pads only, then the type */
	build(&f, -1, (const uint8_t[]){ 0, 0, 0, 0, 53, 1, 5 }, 7, 5);
	ASSERT_EQ(dec(&f, ip, mac), 1);
	/* the type option cut by the UDP length (frame still holds it) */
	build(&f, 5, NULL, 0, 5);
	end = f.len - F_ETH - F_IP; /* UDP length */
	put16(f.b + F_ETH + F_IP + 4, (unsigned)(end - 3)); /* drop "1, 5, END" */
	ASSERT_EQ(dec(&f, ip, mac), 0);
	/* a UDP length larger than the IP datagram */
	build(&f, 5, NULL, 0, 5);
	put16(f.b + F_ETH + F_IP + 4, (unsigned)(end + 1));
	ASSERT_EQ(dec(&f, ip, mac), 0);
	/* an IP length larger than the frame */
	build(&f, 5, NULL, 0, 5);
	put16(f.b + F_ETH + 2, (unsigned)(f.len - F_ETH + 1));
	ASSERT_EQ(dec(&f, ip, mac), 0);
	/* no END, options run to the last byte */
	build(&f, 5, NULL, 0, 5);
	f.len--;
	put16(f.b + F_ETH + 2, (unsigned)(f.len - F_ETH));
	put16(f.b + F_ETH + F_IP + 4, (unsigned)(f.len - F_ETH - F_IP));
	ASSERT_EQ(dec(&f, ip, mac), 1);
}

/* ---- live: dnsmasq and udhcpc ---- */

#define LIVE_TIMEOUT_MS 40000

struct live {
	uv_loop_t loop;
	uv_timer_t timer;
	uv_process_t client;
	struct mp_dhcp *snoop;
	int acks;
	char ip[INET_ADDRSTRLEN];
	char mac[MP_MAC_STRLEN];
	int client_done;
	int64_t client_status;
	int timed_out;
};

static void maybe_stop(struct live *l)
{
	if (l->client_done && (l->acks || l->client_status != 0)) {
		uv_timer_stop(&l->timer);
		uv_close((uv_handle_t *)&l->timer, NULL);
		uv_close((uv_handle_t *)&l->client, NULL);
		mp_dhcp_close(l->snoop);
	}
}

static void on_ack(struct mp_dhcp *d, const uint8_t chaddr[6], const char *yiaddr, void *arg)
{
	struct live *l = arg;

	(void)d;
	l->acks++;
	snprintf(l->ip, sizeof(l->ip), "%s", yiaddr);
	mp_mac_format(chaddr, l->mac);
	maybe_stop(l);
}

static void on_client_exit(uv_process_t *p, int64_t status, int sig)
{
	struct live *l = p->data;

	l->client_done = 1;
	l->client_status = sig ? 128 + sig : status;
	maybe_stop(l);
}

static void on_timeout(uv_timer_t *t)
{
	struct live *l = t->data;

	l->timed_out = 1;
	if (!l->client_done)
		uv_process_kill(&l->client, SIGKILL);
	l->client_done = 1;
	l->client_status = -1;
	uv_close((uv_handle_t *)&l->timer, NULL);
	if (!uv_is_closing((uv_handle_t *)&l->client))
		uv_close((uv_handle_t *)&l->client, NULL);
	mp_dhcp_close(l->snoop);
}

static pid_t dnsmasq_pid;

static void kill_dnsmasq(void)
{
	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
		dnsmasq_pid = 0;
	}
}

TEST_T(dhcp_snoops_dnsmasq_ack_to_udhcpc, 90)
{
	char srv[MP_TNS_NAME_MAX], cli[MP_TNS_NAME_MAX];
	char leases[512], pidf[512], iface[64], leasef[600];
	const char *tmp;
	struct live l = { 0 };
	char *lease, *ln;
	uv_process_options_t po = { 0 };
	uv_stdio_container_t stdio[3];

	mp_test_require_root();
	mp_test_require_prog("dnsmasq", "dnsmasq-base");
	mp_test_require_prog("busybox", "busybox");
	tmp = mp_test_tmpdir();
	mp_tns_add("ds", srv);
	mp_tns_add("dc", cli);
	mp_tns_veth(srv, "dhs", cli, "dhc");
	mp_tns_sh("ip", "-n", srv, "addr", "add", "10.200.0.1/24", "dev", "dhs", NULL);
	mp_tns_sh("ip", "-n", cli, "link", "set", "dhc", "address", "02:16:3e:00:00:42", NULL);
	mp_tns_enter(srv);

	l.client_status = -1;
	ASSERT_EQ(uv_loop_init(&l.loop), 0);
	ASSERT_EQ(mp_dhcp_open(&l.loop, "dhs", on_ack, &l, &l.snoop), 0);
	ASSERT_EQ(mp_dhcp_open(&l.loop, "nosuchif9", on_ack, &l, &(struct mp_dhcp *){ 0 }),
		  -ENODEV);

	snprintf(leases, sizeof(leases), "%s/dnsmasq.leases", tmp);
	snprintf(pidf, sizeof(pidf), "%s/dnsmasq.pid", tmp);
	snprintf(iface, sizeof(iface), "--interface=%s", "dhs");
	snprintf(leasef, sizeof(leasef), "--dhcp-leasefile=%s", leases);
	atexit(kill_dnsmasq);
	dnsmasq_pid = fork();
	ASSERT(dnsmasq_pid >= 0);
	if (dnsmasq_pid == 0) {
		char pidarg[600];

		snprintf(pidarg, sizeof(pidarg), "--pid-file=%s", pidf);
		execl("/usr/sbin/dnsmasq", "dnsmasq", "--keep-in-foreground", iface,
		      "--bind-interfaces", "--except-interface=lo",
		      "--dhcp-range=10.200.0.100,10.200.0.199,255.255.255.0,1h", leasef,
		      "--no-resolv", "--port=0", "--conf-file=/dev/null", pidarg,
		      "--user=root", "--log-facility=-", (char *)NULL);
		_exit(127);
	}

	/* the client runs in its own namespace: ip netns exec, from the loop */
	char *cargs[] = { "ip", "netns", "exec", cli, "busybox", "udhcpc", "-i", "dhc", "-f",
			  "-q", "-n", "-t", "5", "-s", "/bin/true", NULL };

	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_IGNORE;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	po.file = "ip";
	po.args = cargs;
	po.exit_cb = on_client_exit;
	po.stdio = stdio;
	po.stdio_count = 3;
	l.client.data = &l;
	ASSERT_EQ(uv_spawn(&l.loop, &l.client, &po), 0);
	ASSERT_EQ(uv_timer_init(&l.loop, &l.timer), 0);
	l.timer.data = &l;
	ASSERT_EQ(uv_timer_start(&l.timer, on_timeout, LIVE_TIMEOUT_MS, 0), 0);
	uv_run(&l.loop, UV_RUN_DEFAULT);
	ASSERT_EQ(uv_loop_close(&l.loop), 0);
	kill_dnsmasq();

	ASSERT_MSG(!l.timed_out, "no lease within %d ms", LIVE_TIMEOUT_MS);
	ASSERT_EQ(l.client_status, 0);
	ASSERT_EQ(l.acks, 1);
	ASSERT_STREQ(l.mac, "02:16:3e:00:00:42");
	/* dnsmasq's lease file: "expiry mac ip hostname client-id" */
	lease = mp_test_read_file(leases);
	ASSERT_MSG(lease, "no lease file %s", leases);
	ln = strstr(lease, l.mac);
	ASSERT_MSG(ln, "lease file has no %s: %s", l.mac, lease);
	ASSERT_MSG(strncmp(ln + strlen(l.mac) + 1, l.ip, strlen(l.ip)) == 0 &&
			   ln[strlen(l.mac) + 1 + strlen(l.ip)] == ' ',
		   "snooped %s, lease file says: %s", l.ip, lease);
	free(lease);
}
