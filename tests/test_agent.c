/* mir-perf-agent end to end, and the controller's client (agentc) against it
 * and against fake agents. The agent as a child process and the raw client
 * are in tagent.c.
 *
 * Traffic tests (root) build two namespaces, "<prefix>a" (the generator) and
 * "<prefix>c" (the controller), joined by a control veth pair with addresses
 * and a data veth pair without IPv6, so that the data peer's receive counter
 * counts exactly the generator's frames. Nothing is created in the root
 * namespace; loopback-only tests need no privilege. */
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "common/auth.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/proto.h"
#include "controller/host/agentc.h"
#include "tagent.h"

#define WAIT_MS MP_TAGENT_WAIT_MS
#define LOOP_BOUND_NS (30ULL * MP_NS_PER_SEC)
#define TOKEN_A "correct horse battery staple 42"
#define TOKEN_B "another secret that is long enough"

/* ---- namespaces ---------------------------------------------------------- */

struct tnet {
	char ns_a[32], ns_c[32];          /* generator, controller */
	char ctl_a[IFNAMSIZ], ctl_c[IFNAMSIZ];
	char data_a[IFNAMSIZ], data_c[IFNAMSIZ];
	const char *ip_a, *ip_c;
	uint8_t mac_c[6];                 /* data_c's address */
};

static struct tnet *live_net;

static void tnet_down(void)
{
	if (!live_net)
		return;
	mp_tagent_kill_all();
	char *d1[] = { "ip", "netns", "del", live_net->ns_a, NULL };
	char *d2[] = { "ip", "netns", "del", live_net->ns_c, NULL };

	mp_run_status(d1, 30000);
	mp_run_status(d2, 30000);
	live_net = NULL;
}

static void tnet_up(struct tnet *n)
{
	const char *p = mp_test_prefix();
	char sysctl[128];

	mp_test_require_root();
	mp_test_require_prog("ip", "iproute2");
	ASSERT(p && *p);
	snprintf(n->ns_a, sizeof(n->ns_a), "%sa", p);
	snprintf(n->ns_c, sizeof(n->ns_c), "%sc", p);
	snprintf(n->ctl_a, sizeof(n->ctl_a), "%s-ca", p);
	snprintf(n->ctl_c, sizeof(n->ctl_c), "%s-cc", p);
	snprintf(n->data_a, sizeof(n->data_a), "%s-da", p);
	snprintf(n->data_c, sizeof(n->data_c), "%s-dc", p);
	n->ip_a = "10.201.0.1";
	n->ip_c = "10.201.0.2";
	live_net = n;
	atexit(tnet_down);
	mp_test_sh("ip", "netns", "add", n->ns_a, NULL);
	mp_test_sh("ip", "netns", "add", n->ns_c, NULL);
	mp_test_sh("ip", "-n", n->ns_a, "link", "set", "lo", "up", NULL);
	mp_test_sh("ip", "-n", n->ns_c, "link", "set", "lo", "up", NULL);
	mp_test_sh("ip", "-n", n->ns_a, "link", "add", n->ctl_a, "type", "veth", "peer", "name",
	   n->ctl_c, "netns", n->ns_c, NULL);
	mp_test_sh("ip", "-n", n->ns_a, "link", "add", n->data_a, "type", "veth", "peer", "name",
	   n->data_c, "netns", n->ns_c, NULL);
	mp_test_sh("ip", "-n", n->ns_a, "addr", "add", "10.201.0.1/24", "dev", n->ctl_a, NULL);
	mp_test_sh("ip", "-n", n->ns_c, "addr", "add", "10.201.0.2/24", "dev", n->ctl_c, NULL);
	/* no IPv6 on the data link: its receive counter is the generator's alone */
	snprintf(sysctl, sizeof(sysctl), "net.ipv6.conf.%s.disable_ipv6=1", n->data_a);
	mp_test_sh("ip", "netns", "exec", n->ns_a, "sysctl", "-qw", sysctl, NULL);
	snprintf(sysctl, sizeof(sysctl), "net.ipv6.conf.%s.disable_ipv6=1", n->data_c);
	mp_test_sh("ip", "netns", "exec", n->ns_c, "sysctl", "-qw", sysctl, NULL);
	mp_test_sh("ip", "-n", n->ns_a, "link", "set", n->ctl_a, "up", NULL);
	mp_test_sh("ip", "-n", n->ns_c, "link", "set", n->ctl_c, "up", NULL);
	mp_test_sh("ip", "-n", n->ns_a, "link", "set", n->data_a, "up", NULL);
	mp_test_sh("ip", "-n", n->ns_c, "link", "set", n->data_c, "up", NULL);
}

/* Moves this test process into the controller's namespace. */
static void tnet_enter_c(struct tnet *n)
{
	char path[128];
	struct ifreq ifr;
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", n->ns_c);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT(fd >= 0);
	ASSERT_EQ(setns(fd, CLONE_NEWNET), 0);
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->data_c);
	ASSERT_EQ(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
	memcpy(n->mac_c, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

/* Receive counters of an interface in this process's namespace. */
static void rx_counters(const char *dev, uint64_t *packets, uint64_t *bytes)
{
	char *text = mp_test_read_file("/proc/net/dev"), needle[IFNAMSIZ + 2], *p;
	unsigned long long b = 0, pk = 0;

	ASSERT(text);
	snprintf(needle, sizeof(needle), "%s:", dev);
	p = strstr(text, needle);
	ASSERT_MSG(p, "%s not in /proc/net/dev", dev);
	ASSERT_EQ(sscanf(p + strlen(needle), "%llu %llu", &b, &pk), 2);
	free(text);
	*packets = pk;
	*bytes = b;
}

static struct mp_traffic traffic_for(const struct tnet *n, uint64_t pps, uint64_t dur_ns)
{
	struct mp_traffic t;

	memset(&t, 0, sizeof(t));
	snprintf(t.dev, sizeof(t.dev), "%s", n->data_a);
	t.frame_size = 128;
	t.rate_pps = pps;
	t.duration_ns = dur_ns;
	memcpy(t.dst_mac, n->mac_c, 6);
	inet_pton(AF_INET, "10.202.0.1", &t.src_ip);
	inet_pton(AF_INET, "10.202.0.2", &t.dst_ip);
	t.src_port = 9;
	t.dst_port = 9;
	return t;
}

/* ---- the client on a loop, in synchronous style ---------------------------- */

struct tcall {
	int done, status;
	char msg[1024];
	struct mp_agent_stats st;
	int has_st;
};

static void tcall_cb(struct mp_agentc *ac, int status, const char *msg,
		     const struct mp_agent_stats *st, void *arg)
{
	struct tcall *c = arg;

	(void)ac;
	ASSERT_MSG(!c->done, "callback ran twice");
	c->done = 1;
	c->status = status;
	snprintf(c->msg, sizeof(c->msg), "%s", msg ? msg : "(null)");
	if (st) {
		c->st = *st;
		c->has_st = 1;
	}
}

static void tcall_wait(uv_loop_t *loop, struct tcall *c)
{
	uint64_t end = mp_now_ns() + LOOP_BOUND_NS;

	while (!c->done) {
		ASSERT_MSG(mp_now_ns() < end, "no callback within the bound");
		uv_run(loop, UV_RUN_ONCE);
	}
}

/* configure `t`, then start: both must succeed. */
static void configure_and_start(uv_loop_t *loop, struct mp_agentc *ac, const struct mp_traffic *t)
{
	struct tcall c;

	memset(&c, 0, sizeof(c));
	mp_agentc_configure(ac, t, tcall_cb, &c);
	tcall_wait(loop, &c);
	ASSERT_MSG(c.status == 0, "configure: %s", c.msg);
	memset(&c, 0, sizeof(c));
	mp_agentc_start(ac, tcall_cb, &c);
	tcall_wait(loop, &c);
	ASSERT_MSG(c.status == 0, "start: %s", c.msg);
}


static void on_sleep_timer(uv_timer_t *t)
{
	*(int *)t->data = 1;
}

/* Runs the loop for ms milliseconds (keepalives keep flowing). */
static void loop_sleep(uv_loop_t *loop, unsigned ms)
{
	uv_timer_t t;
	int fired = 0;

	uv_timer_init(loop, &t);
	t.data = &fired;
	uv_timer_start(&t, on_sleep_timer, ms, 0);
	while (!fired)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
}

static void loop_end(uv_loop_t *loop)
{
	uv_run(loop, UV_RUN_DEFAULT);
	ASSERT_EQ(uv_loop_close(loop), 0);
}

static const char *token_path(const char *name, const char *secret)
{
	static char path[4][512];
	static int slot;

	slot = (slot + 1) % 4;
	snprintf(path[slot], sizeof(path[slot]), "%s/%s", mp_test_tmpdir(), name);
	mp_tagent_token(path[slot], secret, 0600);
	return path[slot];
}

/* The namespaces up, the agent started in the generator's with `extra`
 * options, this test in the controller's; returns the token's path. */
static const char *agent_up(struct tnet *n, struct mp_tagent *a, const char *const *extra)
{
	const char *tok;

	tnet_up(n);
	tok = token_path("token", TOKEN_A);
	mp_tagent_start(a, n->ns_a, n->ip_a, tok, n->data_a, extra);
	tnet_enter_c(n);
	return tok;
}

/* A client on `loop` (its loop initialised here) connected and
 * authenticated to the agent at ip:port; fails the test otherwise. */
static struct mp_agentc *client_up(uv_loop_t *loop, const char *ip, uint16_t port,
				   const char *tok, uint64_t request_ns, uint64_t connect_ns)
{
	struct mp_agentc *ac;
	struct tcall c = { 0 };

	uv_loop_init(loop);
	ASSERT_EQ(mp_agentc_new(loop, ip, port, tok, request_ns, &ac), 0);
	mp_agentc_connect(ac, connect_ns, tcall_cb, &c);
	tcall_wait(loop, &c);
	ASSERT_MSG(c.status == 0, "connect: %s", c.msg);
	return ac;
}

/* ---- end to end ---------------------------------------------------------- */

TEST_T(agent_end_to_end_counters_match_receiver, 120)
{
	struct tnet n;
	struct mp_tagent a = { 0 };
	struct mp_agentc *ac;
	struct mp_traffic t;
	struct tcall c;
	uv_loop_t loop;
	uint64_t rx_p0, rx_b0, rx_p, rx_b;
	const char *tok;
	const char *extra[] = { "--max-pps", "100000", NULL };

	tok = agent_up(&n, &a, extra);
	rx_counters(n.data_c, &rx_p0, &rx_b0);

	ac = client_up(&loop, n.ip_a, a.port, tok, 5 * MP_NS_PER_SEC, 10 * MP_NS_PER_SEC);
	ASSERT(strlen(mp_agentc_engine(ac)) > 0);

	/* refusals first: rx without a receiver, start before configure, other
	 * dev, rate, MTU */
	{
		struct mp_agent_rx rx = { .hist = mp_hist_new() };

		ASSERT(rx.hist);
		ASSERT_STREQ(mp_agentc_rx_dev(ac), "");
		memset(&c, 0, sizeof(c));
		mp_agentc_rx(ac, &rx, tcall_cb, &c);
		tcall_wait(&loop, &c);
		ASSERT_EQ(c.status, -EPERM);
		ASSERT_CONTAINS(c.msg, "--rx-dev");
		free(rx.hist);
	}
	memset(&c, 0, sizeof(c));
	mp_agentc_start(ac, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -EPERM);
	ASSERT_CONTAINS(c.msg, "configure");
	t = traffic_for(&n, 1000, MP_NS_PER_SEC);
	snprintf(t.dev, sizeof(t.dev), "%s", n.ctl_a);
	memset(&c, 0, sizeof(c));
	mp_agentc_configure(ac, &t, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -ERANGE);
	ASSERT_CONTAINS(c.msg, "--dev");
	t = traffic_for(&n, 100001, MP_NS_PER_SEC);
	memset(&c, 0, sizeof(c));
	mp_agentc_configure(ac, &t, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -ERANGE);
	ASSERT_CONTAINS(c.msg, "--max-pps");
	t = traffic_for(&n, 1000, MP_NS_PER_SEC);
	t.frame_size = 1515;             /* veth MTU 1500 + 14 */
	memset(&c, 0, sizeof(c));
	mp_agentc_configure(ac, &t, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -ERANGE);
	ASSERT_CONTAINS(c.msg, "MTU");

	/* 1 s at 1000 pps */
	t = traffic_for(&n, 1000, MP_NS_PER_SEC);
	configure_and_start(&loop, ac, &t);
	loop_sleep(&loop, 300);
	memset(&c, 0, sizeof(c));
	mp_agentc_stats(ac, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, 0);
	ASSERT(c.has_st);
	ASSERT_MSG(c.st.running == 1, "traffic not running 300 ms into a 1 s run");
	ASSERT(c.st.c.packets > 0);
	/* until the engine ends by itself (bounded) */
	for (int i = 0; i < 100 && c.st.running; i++) {
		loop_sleep(&loop, 100);
		memset(&c, 0, sizeof(c));
		mp_agentc_stats(ac, tcall_cb, &c);
		tcall_wait(&loop, &c);
		ASSERT_EQ(c.status, 0);
	}
	ASSERT_MSG(!c.st.running, "a 1 s run still running after 10 s");
	memset(&c, 0, sizeof(c));
	mp_agentc_stop(ac, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, 0);
	ASSERT(c.has_st);

	rx_counters(n.data_c, &rx_p, &rx_b);
	printf("agent sent %llu packets, %llu bytes, %llu errors; peer received %llu, %llu bytes\n",
	       (unsigned long long)c.st.c.packets, (unsigned long long)c.st.c.bytes,
	       (unsigned long long)c.st.c.errors, (unsigned long long)(rx_p - rx_p0),
	       (unsigned long long)(rx_b - rx_b0));
	ASSERT_EQ(rx_p - rx_p0, c.st.c.packets);
	ASSERT_EQ(rx_b - rx_b0, c.st.c.bytes);
	ASSERT_EQ(c.st.c.bytes, c.st.c.packets * t.frame_size);
	ASSERT_EQ(c.st.c.errors, 0);
	/* 1000 pps for 1 s cannot give more than 1000 frames (+1 at the edge) */
	ASSERT(c.st.c.packets <= 1001);
	ASSERT(c.st.c.last_tx_ns >= c.st.c.first_tx_ns && c.st.c.first_tx_ns > 0);
	ASSERT(mp_tagent_wait_log(&a, "traffic finished by itself", 1, WAIT_MS));

	mp_agentc_close(ac);
	loop_end(&loop);
	ASSERT(mp_tagent_wait_log(&a, "disconnected", 1, WAIT_MS));
	ASSERT_EQ(mp_tagent_stop(&a), 0);
	tnet_down();
}

/* Starts endless traffic from a raw client; returns the connection. */
static int raw_start_endless(const struct tnet *n, const struct mp_tagent *a, const char *tok)
{
	struct mp_proto_request r = { .id = 10, .op = MP_PROTO_CONFIGURE };
	struct mp_proto_reply rep;
	char line[MP_PROTO_LINE_MAX + 2];
	int fd = mp_traw_connect(n->ip_a, a->port);

	mp_traw_login(fd, tok, &rep, NULL, 0);
	ASSERT_MSG(rep.code == MP_PROTO_OK, "auth: %s", rep.msg);
	r.u.traffic = traffic_for(n, 1000, 0);     /* no duration, no count */
	ASSERT(mp_proto_encode_request(&r, line, sizeof(line)) > 0);
	mp_traw_call(fd, line, &rep);
	ASSERT_MSG(rep.code == MP_PROTO_OK, "configure: %s", rep.msg);
	mp_traw_call(fd, "{\"v\":1,\"id\":11,\"op\":\"start\"}\n", &rep);
	ASSERT_MSG(rep.code == MP_PROTO_OK, "start: %s", rep.msg);
	return fd;
}

/* Asserts that the peer's receive counter has stopped growing. */
static void assert_traffic_stopped(const struct tnet *n)
{
	uint64_t p1, b1, p2, b2;

	usleep(200000);           /* frames already queued drain */
	rx_counters(n->data_c, &p1, &b1);
	usleep(500000);
	rx_counters(n->data_c, &p2, &b2);
	ASSERT_MSG(p2 == p1, "traffic still flowing: %llu -> %llu packets",
		   (unsigned long long)p1, (unsigned long long)p2);
}

static void assert_traffic_flows(const struct tnet *n)
{
	uint64_t p1, b1, p2, b2;
	uint64_t end = mp_now_ns() + WAIT_MS * MP_NS_PER_MS;

	rx_counters(n->data_c, &p1, &b1);
	do {
		usleep(50000);
		rx_counters(n->data_c, &p2, &b2);
	} while (p2 == p1 && mp_now_ns() < end);
	ASSERT_MSG(p2 > p1, "no traffic reached the peer");
}

/* The receiver over the protocol: an agent sending on one end of a veth pair
 * and receiving on the other (--rx-dev) reports, for the measure window of
 * each run, exactly the frames sent in it (counted by send time), none lost,
 * reordered or duplicated; its histogram comes in pages that add up; the
 * 100 ms series covers every frame; a second run does not count the first
 * one's. An agent without --rx-dev refuses rx. */
TEST_T(agent_receiver_over_protocol, 120)
{
	struct tnet n;
	struct mp_tagent a = { 0 };
	struct mp_agentc *ac;
	struct mp_agent_rx rx = { 0 };
	struct mp_traffic t;
	struct tcall c;
	uv_loop_t loop;
	char snd[IFNAMSIZ], rcv[IFNAMSIZ];
	const char *tok;
	const char *extra[] = { "--rx-dev", rcv, NULL };
	uint64_t sum, sent;

	tnet_up(&n);
	snprintf(snd, sizeof(snd), "%s-sa", mp_test_prefix());
	snprintf(rcv, sizeof(rcv), "%s-ra", mp_test_prefix());
	mp_test_sh("ip", "-n", n.ns_a, "link", "add", snd, "type", "veth", "peer", "name", rcv, NULL);
	mp_test_sh("ip", "-n", n.ns_a, "link", "set", snd, "up", NULL);
	mp_test_sh("ip", "-n", n.ns_a, "link", "set", rcv, "up", NULL);
	tok = token_path("token", TOKEN_A);
	mp_tagent_start(&a, n.ns_a, n.ip_a, tok, snd, extra);
	tnet_enter_c(&n);
	rx.hist = mp_hist_new();
	ASSERT(rx.hist);
	ac = client_up(&loop, n.ip_a, a.port, tok, 5 * MP_NS_PER_SEC, 10 * MP_NS_PER_SEC);
	ASSERT_STREQ(mp_agentc_rx_dev(ac), rcv);

	for (int run = 0; run < 2; run++) {
		t = traffic_for(&n, 5000, 800 * MP_NS_PER_MS);
		snprintf(t.dev, sizeof(t.dev), "%s", snd);
		t.frame_size = 60;
		t.measure_from_ns = 200 * MP_NS_PER_MS;
		t.measure_for_ns = 400 * MP_NS_PER_MS;
		configure_and_start(&loop, ac, &t);
		loop_sleep(&loop, 1200);
		memset(&c, 0, sizeof(c));
		mp_agentc_stop(ac, tcall_cb, &c);
		tcall_wait(&loop, &c);
		ASSERT_EQ(c.status, 0);
		/* What was sent: on a busy machine the packet engine leaves out
		 * frames whose time passed during a stall (it never bursts). */
		ASSERT(c.has_st);
		sent = c.st.c.packets;
		ASSERT_MSG(sent > 3000 && sent <= 4000, "sent %llu of 4000",
			   (unsigned long long)sent);
		/* The receiver's thread may still be reading the last frames
		 * (a busy machine, the sanitizers): read until it has them all,
		 * a state, not a time (bounded: 10 s is a failure). */
		for (int tries = 0;; tries++) {
			memset(&c, 0, sizeof(c));
			mp_agentc_rx(ac, &rx, tcall_cb, &c);
			tcall_wait(&loop, &c);
			ASSERT_MSG(c.status == 0, "rx: %s", c.msg);
			if (rx.c.frames + rx.c.outside >= sent || tries == 100)
				break;
			loop_sleep(&loop, 100);
		}
		printf("run %d: window %llu, outside %llu, earlier %llu, p50 %llu ns\n", run,
		       (unsigned long long)rx.c.frames,
		       (unsigned long long)rx.c.outside, (unsigned long long)rx.c.earlier,
		       (unsigned long long)mp_hist_percentile(rx.hist, 50));
		/* 400 ms of the 800 ms, by send time (how many depends on the
		 * sender's pacing on a busy machine; rxcount's test has exact
		 * windows); every frame is in or out. */
		ASSERT(rx.c.frames > 0 && rx.c.frames < sent);
		ASSERT_EQ(rx.c.frames + rx.c.outside, sent);
		ASSERT_EQ(rx.c.lost + rx.c.reordered + rx.c.duplicated + rx.c.ring_drops, 0);
		ASSERT_EQ(rx.c.earlier, 0);     /* run 0's frames were all in before */
		ASSERT_EQ(rx.hist->count, rx.c.frames);
		ASSERT(rx.c.lat_min_ns > 0 && rx.c.lat_min_ns <= rx.c.lat_max_ns);
		ASSERT_EQ(rx.hist->min, rx.c.lat_min_ns);
		ASSERT(mp_hist_percentile(rx.hist, 50) >= rx.c.lat_min_ns);
		memset(&c, 0, sizeof(c));
		mp_agentc_rx_series(ac, &rx, tcall_cb, &c);
		tcall_wait(&loop, &c);
		ASSERT_MSG(c.status == 0, "rx_series: %s", c.msg);
		sum = 0;
		for (size_t i = 0; i < rx.nseries; i++)
			sum += rx.series[i].frames;
		ASSERT_EQ(sum, sent);
		ASSERT(rx.nseries >= 8 && rx.nseries <= 10);
	}
	mp_agentc_close(ac);
	loop_end(&loop);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
	free(rx.hist);
	free(rx.series);
	tnet_down();
}

TEST_T(agent_deadman_stops_silent_or_dropped_controller, 120)
{
	struct tnet n;
	struct mp_tagent a = { 0 };
	struct mp_proto_reply rep;
	const char *tok;
	const char *extra[] = { "--deadman", "1s", NULL };
	int fd;

	tok = agent_up(&n, &a, extra);

	/* 1: the controller goes silent but keeps its connection open */
	fd = raw_start_endless(&n, &a, tok);
	assert_traffic_flows(&n);
	ASSERT_MSG(mp_tagent_wait_log(&a, "dead-man: no message from controller", 1, WAIT_MS),
		   "the dead-man did not fire within %d ms", WAIT_MS);
	ASSERT_EQ(mp_tagent_log_count(&a, "traffic stopped after"), 1);
	assert_traffic_stopped(&n);
	mp_traw_call(fd, "{\"v\":1,\"id\":12,\"op\":\"stats\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	ASSERT_EQ(rep.u.stats.running, 0);
	ASSERT(rep.u.stats.c.packets > 0);

	/* 2: traffic again, then the connection drops */
	mp_traw_call(fd, "{\"v\":1,\"id\":13,\"op\":\"start\"}\n", &rep);
	ASSERT_MSG(rep.code == MP_PROTO_OK, "restart: %s", rep.msg);
	assert_traffic_flows(&n);
	close(fd);
	ASSERT_MSG(mp_tagent_wait_log(&a, "traffic stopped after", 2, WAIT_MS),
		   "traffic not stopped after the connection dropped");
	ASSERT_EQ(mp_tagent_log_count(&a, "connection closed (connection closed by the controller)"), 1);
	assert_traffic_stopped(&n);

	/* 3: a keepalive-sending client keeps traffic going past the dead-man */
	fd = raw_start_endless(&n, &a, tok);
	for (int i = 0; i < 6; i++) {
		char ka[64];

		usleep(400000);
		snprintf(ka, sizeof(ka), "{\"v\":1,\"id\":%d,\"op\":\"keepalive\"}\n", 100 + i);
		mp_traw_call(fd, ka, &rep);
		ASSERT_EQ(rep.code, MP_PROTO_OK);
	}
	mp_traw_call(fd, "{\"v\":1,\"id\":200,\"op\":\"stats\"}\n", &rep);
	ASSERT_MSG(rep.u.stats.running == 1, "traffic stopped although keepalives flowed");
	mp_traw_call(fd, "{\"v\":1,\"id\":201,\"op\":\"stop\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	ASSERT_EQ(rep.u.stats.running, 0);
	ASSERT_EQ(mp_tagent_log_count(&a, "dead-man"), 1);
	close(fd);
	ASSERT(mp_tagent_wait_log(&a, "disconnected", 1, WAIT_MS));

	/* 4: the controller's client keeps traffic alive on its own keepalives */
	{
		struct mp_agentc *ac;
		struct mp_traffic t = traffic_for(&n, 1000, 0);
		struct tcall c = { 0 };
		uv_loop_t loop;

		ac = client_up(&loop, n.ip_a, a.port, tok, 5 * MP_NS_PER_SEC, 10 * MP_NS_PER_SEC);
		configure_and_start(&loop, ac, &t);
		loop_sleep(&loop, 2500);        /* 2.5 x the dead-man, no request */
		memset(&c, 0, sizeof(c));
		mp_agentc_stats(ac, tcall_cb, &c);
		tcall_wait(&loop, &c);
		ASSERT_EQ(c.status, 0);
		ASSERT_MSG(c.st.running == 1, "the client's keepalives did not hold off the dead-man");
		memset(&c, 0, sizeof(c));
		mp_agentc_stop(ac, tcall_cb, &c);
		tcall_wait(&loop, &c);
		ASSERT_EQ(c.status, 0);
		ASSERT(c.has_st && !c.st.running && c.st.c.packets > 0);
		mp_agentc_close(ac);
		loop_end(&loop);
	}
	ASSERT_EQ(mp_tagent_log_count(&a, "dead-man"), 1);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
	tnet_down();
}

TEST_T(agent_sigterm_stops_traffic_and_exits_zero, 120)
{
	struct tnet n;
	struct mp_tagent a = { 0 };
	const char *tok;
	int fd;

	tok = agent_up(&n, &a, NULL);
	fd = raw_start_endless(&n, &a, tok);
	assert_traffic_flows(&n);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
	ASSERT_EQ(mp_tagent_log_count(&a, "agent shutting down; traffic stopped"), 1);
	assert_traffic_stopped(&n);
	close(fd);
	tnet_down();
}

/* ---- the server on loopback -------------------------------------------- */

TEST(agent_refuses_second_controller_and_bad_lines)
{
	struct mp_tagent a = { 0 };
	struct mp_proto_reply rep;
	char buf[MP_PROTO_LINE_MAX + 2], err[256];
	char *big;
	const char *tok = token_path("token", TOKEN_A);
	int fd1, fd2;

	mp_tagent_start(&a, NULL, "127.0.0.1", tok, "lo", NULL);
	fd1 = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_login(fd1, tok, &rep, NULL, 0);
	ASSERT_EQ(rep.code, MP_PROTO_OK);

	/* a second controller gets EBUSY and is closed */
	fd2 = mp_traw_connect("127.0.0.1", a.port);
	ASSERT(mp_traw_recv(fd2, buf, sizeof(buf)) > 0);
	ASSERT_EQ(mp_proto_decode_reply(buf, strlen(buf), &rep, err, sizeof(err)), 0);
	ASSERT_EQ(rep.code, MP_PROTO_EBUSY);
	ASSERT_CONTAINS(rep.msg, "another controller");
	ASSERT_EQ(mp_traw_recv(fd2, buf, sizeof(buf)), -1);
	close(fd2);

	/* junk is answered and the connection stays */
	mp_traw_call(fd1, "this is not json\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_EPROTO);
	ASSERT(!rep.has_id);
	mp_traw_call(fd1, "{\"v\":1,\"id\":3,\"op\":\"explode\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_EPROTO);
	ASSERT(rep.has_id && rep.id == 3);
	mp_traw_call(fd1, "{\"v\":1,\"id\":4,\"op\":\"configure\",\"dev\":\"lo\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_EINVAL);
	mp_traw_call(fd1, "{\"v\":1,\"id\":5,\"op\":\"hello\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_ESTATE);
	mp_traw_call(fd1, "{\"v\":1,\"id\":6,\"op\":\"keepalive\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_OK);

	/* an oversized line: ETOOBIG, then the agent closes */
	big = malloc(2 * MP_PROTO_LINE_MAX);
	ASSERT(big);
	memset(big, 'x', 2 * MP_PROTO_LINE_MAX - 1);
	big[2 * MP_PROTO_LINE_MAX - 1] = '\0';
	mp_traw_call(fd1, big, &rep);
	free(big);
	ASSERT_EQ(rep.code, MP_PROTO_ETOOBIG);
	ASSERT_EQ(mp_traw_recv(fd1, buf, sizeof(buf)), -1);
	close(fd1);

	/* the slot is free again; bye closes politely */
	fd1 = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_login(fd1, tok, &rep, NULL, 0);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	mp_traw_call(fd1, "{\"v\":1,\"id\":9,\"op\":\"bye\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	ASSERT_EQ(mp_traw_recv(fd1, buf, sizeof(buf)), -1);
	close(fd1);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
}

static int run_agent_args(const char *const *args, char **out_err)
{
	struct mp_run_result r;
	char *argv[16];
	int n = 0;

	argv[n++] = (char *)mp_test_bin("mir-perf-agent");
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	ASSERT_EQ(mp_run(argv, NULL, WAIT_MS, &r), 0);
	*out_err = r.err;
	free(r.out);
	return r.status;
}

TEST(agent_command_line_refusals)
{
	const char *tok = token_path("token", TOKEN_A);
	char open_tok[512], *err;
	const char *wild[] = { "--listen", "0.0.0.0:0", "--token-file", tok, "--dev", "lo", NULL };
	const char *badl[] = { "--listen", "localhost:7000", "--token-file", tok, "--dev", "lo", NULL };
	const char *nodev[] = { "--listen", "127.0.0.1:0", "--token-file", tok, "--dev", "nosuchif0", NULL };
	const char *dead[] = { "--listen", "127.0.0.1:0", "--token-file", tok, "--dev", "lo",
			       "--deadman", "3", NULL };
	const char *help[] = { "--help", NULL };
	const char *perm[] = { "--listen", "127.0.0.1:0", "--token-file", open_tok, "--dev", "lo", NULL };

	ASSERT_EQ(run_agent_args(wild, &err), MP_EXIT_USAGE);
	ASSERT_CONTAINS(err, "--listen-any");
	free(err);
	ASSERT_EQ(run_agent_args(badl, &err), MP_EXIT_USAGE);
	ASSERT_CONTAINS(err, "IPV4-ADDRESS:PORT");
	free(err);
	ASSERT_EQ(run_agent_args(nodev, &err), MP_EXIT_ENV);
	ASSERT_CONTAINS(err, "no such interface");
	free(err);
	ASSERT_EQ(run_agent_args(dead, &err), MP_EXIT_USAGE);
	ASSERT_CONTAINS(err, "--deadman");
	free(err);
	ASSERT_EQ(run_agent_args(help, &err), MP_EXIT_OK);
	free(err);
	snprintf(open_tok, sizeof(open_tok), "%s/open-token", mp_test_tmpdir());
	mp_tagent_token(open_tok, TOKEN_A, 0644);
	ASSERT_EQ(run_agent_args(perm, &err), MP_EXIT_USAGE);
	ASSERT_CONTAINS(err, "chmod 600");
	free(err);
}

/* ---- the client ---------------------------------------------------------- */

static uint16_t free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT(fd >= 0);
	ASSERT_EQ(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ASSERT_EQ(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

TEST_T(agentc_connect_retries_until_agent_listens, 60)
{
	struct mp_tagent a = { 0 };
	struct mp_agentc *ac;
	struct tcall c = { 0 };
	uv_loop_t loop;
	char listen[64];
	const char *tok = token_path("token", TOKEN_A);
	uint16_t port = free_port();

	snprintf(a.log, sizeof(a.log), "%s/late-agent.log", mp_test_tmpdir());
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	mp_tagent_spawn(&a, mp_tagent_argv(NULL, listen, tok, "lo", NULL), 1000);

	ac = client_up(&loop, "127.0.0.1", port, tok, 2 * MP_NS_PER_SEC, 20 * MP_NS_PER_SEC);
	ASSERT(mp_tagent_log_count(&a, "listening on") == 1);
	memset(&c, 0, sizeof(c));
	mp_agentc_stats(ac, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, 0);
	ASSERT(c.has_st && !c.st.running && c.st.c.packets == 0);
	/* keepalives flow while the connection idles */
	loop_sleep(&loop, 2500);
	mp_agentc_close(ac);
	loop_end(&loop);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
}

TEST_T(agentc_connect_times_out_when_agent_absent, 30)
{
	struct mp_agentc *ac;
	struct tcall c = { 0 };
	uv_loop_t loop;
	char want[64];
	const char *tok = token_path("token", TOKEN_A);
	uint16_t port = free_port();

	uv_loop_init(&loop);
	ASSERT_EQ(mp_agentc_new(&loop, "127.0.0.1", port, tok, MP_NS_PER_SEC, &ac), 0);
	mp_agentc_connect(ac, MP_NS_PER_SEC, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -ETIMEDOUT);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	ASSERT_CONTAINS(c.msg, want);
	ASSERT_CONTAINS(c.msg, "attempts");
	ASSERT_CONTAINS(c.msg, "refused");
	/* requests without a connection fail at once, from the loop */
	memset(&c, 0, sizeof(c));
	mp_agentc_stats(ac, tcall_cb, &c);
	ASSERT(!c.done);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -ENOTCONN);
	mp_agentc_close(ac);
	loop_end(&loop);
}

/* A fake agent: answers hello and auth properly (or not at all), then
 * swallows every request without answering. */
struct fake {
	int lfd;
	uint16_t port;
	int answer_handshake;
	const char *token;
	pthread_t th;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	char line[MP_PROTO_LINE_MAX + 2], out[MP_PROTO_LINE_MAX + 2];
	struct mp_auth_token *tok = NULL;
	uint8_t nonce[MP_AUTH_NONCE_LEN];
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (f->answer_handshake) {
		struct mp_proto_request req;
		struct mp_proto_reply rep;
		char err[256];

		if (mp_auth_token_load(f->token, &tok, err, sizeof(err)) < 0)
			goto out;
		for (int step = 0; step < 2; step++) {
			if (mp_traw_recv(fd, line, sizeof(line)) < 0 ||
			    mp_proto_decode_request(line, strlen(line), &req, &rep) < 0)
				goto out;
			mp_proto_reply_ok(&rep, &req);
			if (req.op == MP_PROTO_HELLO) {
				mp_auth_nonce(nonce);
				rep.u.hello.version = MP_PROTO_VERSION;
				snprintf(rep.u.hello.engine, sizeof(rep.u.hello.engine), "fake");
				snprintf(rep.u.hello.dev, sizeof(rep.u.hello.dev), "lo");
				rep.u.hello.max_pps = 1;
				memcpy(rep.u.hello.nonce, nonce, sizeof(nonce));
			} else {
				mp_auth_server_proof(tok, nonce, req.u.auth.nonce, rep.u.auth.proof);
			}
			if (mp_proto_encode_reply(&rep, out, sizeof(out)) < 0 ||
			    send(fd, out, strlen(out), MSG_NOSIGNAL) < 0)
				goto out;
		}
	}
	while (mp_traw_recv(fd, line, sizeof(line)) >= 0)
		;               /* hung: reads, never answers */
out:
	mp_auth_token_free(tok);
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT(f->lfd >= 0);
	ASSERT_EQ(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ASSERT_EQ(listen(f->lfd, 4), 0);
	ASSERT_EQ(getsockname(f->lfd, (struct sockaddr *)&sin, &len), 0);
	f->port = ntohs(sin.sin_port);
	ASSERT_EQ(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->lfd);
}

TEST_T(agentc_request_times_out_on_hung_agent, 30)
{
	struct fake f = { .answer_handshake = 1 };
	struct mp_agentc *ac;
	struct tcall c = { 0 }, c2 = { 0 };
	uv_loop_t loop;

	f.token = token_path("token", TOKEN_A);
	fake_start(&f);
	ac = client_up(&loop, "127.0.0.1", f.port, f.token, 300 * MP_NS_PER_MS, 5 * MP_NS_PER_SEC);
	ASSERT_STREQ(mp_agentc_engine(ac), "fake");
	memset(&c, 0, sizeof(c));
	mp_agentc_stats(ac, tcall_cb, &c);
	mp_agentc_stop(ac, tcall_cb, &c2);      /* queued behind it */
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -ETIMEDOUT);
	ASSERT_CONTAINS(c.msg, "did not answer stats");
	ASSERT(!c2.done);
	tcall_wait(&loop, &c2);
	ASSERT_EQ(c2.status, -ETIMEDOUT);
	ASSERT_CONTAINS(c2.msg, "did not answer stop");
	mp_agentc_close(ac);
	loop_end(&loop);
	fake_stop(&f);
}

TEST_T(agentc_connect_times_out_on_silent_peer, 30)
{
	struct fake f = { .answer_handshake = 0 };
	struct mp_agentc *ac;
	struct tcall c = { 0 };
	uv_loop_t loop;

	f.token = token_path("token", TOKEN_A);
	fake_start(&f);
	uv_loop_init(&loop);
	ASSERT_EQ(mp_agentc_new(&loop, "127.0.0.1", f.port, f.token, 300 * MP_NS_PER_MS, &ac), 0);
	mp_agentc_connect(ac, MP_NS_PER_SEC, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -ETIMEDOUT);
	ASSERT_CONTAINS(c.msg, "no answer to hello");
	mp_agentc_close(ac);
	loop_end(&loop);
	fake_stop(&f);
}

TEST_T(agentc_dropped_connection_and_close, 60)
{
	struct mp_tagent a = { 0 };
	struct mp_agentc *ac;
	struct tcall c = { 0 }, c2 = { 0 };
	uv_loop_t loop;
	const char *tok = token_path("token", TOKEN_A);

	mp_tagent_start(&a, NULL, "127.0.0.1", tok, "lo", NULL);
	ac = client_up(&loop, "127.0.0.1", a.port, tok, 5 * MP_NS_PER_SEC, 5 * MP_NS_PER_SEC);
	kill(a.pid, SIGKILL);
	waitpid(a.pid, NULL, 0);
	a.pid = 0;
	loop_sleep(&loop, 100);
	memset(&c, 0, sizeof(c));
	mp_agentc_stats(ac, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_MSG(c.status == -ECONNRESET || c.status == -ENOTCONN, "status %d: %s", c.status, c.msg);
	ASSERT_CONTAINS(c.msg, "lost");
	memset(&c, 0, sizeof(c));
	mp_agentc_stats(ac, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -ENOTCONN);

	/* close with a connect and a request pending: both get -ECANCELED */
	memset(&c, 0, sizeof(c));
	mp_agentc_connect(ac, 5 * MP_NS_PER_SEC, tcall_cb, &c);
	mp_agentc_stats(ac, tcall_cb, &c2);
	mp_agentc_close(ac);
	ASSERT(c.done && c2.done);
	ASSERT_EQ(c.status, -ECANCELED);
	ASSERT_EQ(c2.status, -ECANCELED);
	loop_end(&loop);
}

/* A request queued while the client closes (here from a callback that close
 * runs) is failed from the loop, not inside the call that queued it. */
struct requeue {
	struct tcall first, second;
	int in_queue_call;      /* 1 while mp_agentc_stats() runs */
	int second_inside;      /* the second callback ran inside that call */
};

static void requeue_second_cb(struct mp_agentc *ac, int status, const char *msg,
			      const struct mp_agent_stats *st, void *arg)
{
	struct requeue *q = arg;

	if (q->in_queue_call)
		q->second_inside = 1;
	tcall_cb(ac, status, msg, st, &q->second);
}

static void requeue_first_cb(struct mp_agentc *ac, int status, const char *msg,
			     const struct mp_agent_stats *st, void *arg)
{
	struct requeue *q = arg;

	tcall_cb(ac, status, msg, st, &q->first);
	q->in_queue_call = 1;
	mp_agentc_stats(ac, requeue_second_cb, q);
	q->in_queue_call = 0;
}

TEST_T(agentc_request_queued_while_closing_fails_from_the_loop, 30)
{
	struct mp_agentc *ac;
	struct requeue q = { 0 };
	uv_loop_t loop;
	const char *tok = token_path("token", TOKEN_A);

	uv_loop_init(&loop);
	ASSERT_EQ(mp_agentc_new(&loop, "127.0.0.1", free_port(), tok, MP_NS_PER_SEC, &ac), 0);
	mp_agentc_stats(ac, requeue_first_cb, &q);
	mp_agentc_close(ac);
	ASSERT(q.first.done);
	ASSERT_EQ(q.first.status, -ECANCELED);
	ASSERT_MSG(!q.second_inside, "the callback ran inside the call that queued it");
	ASSERT(!q.second.done);
	loop_end(&loop);
	ASSERT(q.second.done);
	ASSERT_EQ(q.second.status, -ECANCELED);
}

TEST_T(agentc_wrong_token_is_final, 30)
{
	struct mp_tagent a = { 0 };
	struct mp_agentc *ac;
	struct tcall c = { 0 };
	uv_loop_t loop;
	const char *tok = token_path("token", TOKEN_A);
	const char *other = token_path("other", TOKEN_B);

	mp_tagent_start(&a, NULL, "127.0.0.1", tok, "lo", NULL);
	uv_loop_init(&loop);
	ASSERT_EQ(mp_agentc_new(&loop, "127.0.0.1", a.port, other, 5 * MP_NS_PER_SEC, &ac), 0);
	mp_agentc_connect(ac, 10 * MP_NS_PER_SEC, tcall_cb, &c);
	tcall_wait(&loop, &c);
	ASSERT_EQ(c.status, -EACCES);
	ASSERT_CONTAINS(c.msg, "token");
	ASSERT_EQ(mp_tagent_log_count(&a, "authentication failed from"), 1);
	mp_agentc_close(ac);
	loop_end(&loop);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
}

TEST_SLOW(agent_closes_silent_unauthenticated_connection, 60)
{
	struct mp_tagent a = { 0 };
	struct mp_proto_reply rep;
	char buf[64];
	const char *tok = token_path("token", TOKEN_A);
	uint64_t t0;
	int fd;

	mp_tagent_start(&a, NULL, "127.0.0.1", tok, "lo", NULL);
	fd = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_call(fd, "{\"v\":1,\"id\":1,\"op\":\"hello\"}\n", &rep);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	t0 = mp_now_ns();
	ASSERT_EQ(mp_traw_recv(fd, buf, sizeof(buf)), -1);      /* closed by the agent */
	ASSERT_MSG(mp_now_ns() - t0 < (uint64_t)WAIT_MS * MP_NS_PER_MS,
		   "the connection was not closed: the receive timed out");
	ASSERT(mp_tagent_wait_log(&a, "did not authenticate", 1, WAIT_MS));
	close(fd);
	/* the slot is free for the real controller */
	fd = mp_traw_connect("127.0.0.1", a.port);
	mp_traw_login(fd, tok, &rep, NULL, 0);
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	close(fd);
	ASSERT_EQ(mp_tagent_stop(&a), 0);
}
