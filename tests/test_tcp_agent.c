/* TCP through the DUT, the agent's side: mir-perf-agent runs iperf3 between
 * its data interface and its receiving interface, the latter in a namespace
 * of its own (--rx-netns), with mir-perf-forward --both as the DUT in
 * between. Four namespaces of the test's own, named "<prefix>-t?" so that
 * the runner's teardown removes them whatever happens:
 *
 *   <p>-tc (the test, as controller) --ctl veth-- <p>-tg (the agent)
 *   <p>-tg gd --veth-- fi <p>-tf (the forwarder) fo --veth-- gr -> <p>-tr
 *
 * gr starts in <p>-tg; the agent moves it into <p>-tr. */
#include "test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/offload.h"
#include "common/proto.h"
#include "tagent.h"

#define TOKEN "a secret long enough for the agent"
#define CTL_AGENT "10.201.9.1"
#define CTL_TEST "10.201.9.2"
#define TCP_SRC "10.202.0.1"
#define TCP_DST "10.202.0.2"
#define WAIT_MS MP_TAGENT_WAIT_MS
#define POLL_US 100000

struct tbed {
	char tc[32], tg[32], tf[32], tr[32];
	char tok[512];
	pid_t fwd;
	struct mp_tagent a;
	int fd;                  /* the raw client, logged in */
	unsigned port;           /* iperf3's, one per test */
	int id;
};

static void enter(const char *ns)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_MSG(fd >= 0, "no namespace %s", ns);
	ASSERT_MSG(setns(fd, CLONE_NEWNET) == 0, "setns %s: %s", ns, mp_strerror(errno));
	close(fd);
}

/* The forwarder, with one option of its own (NULL: none). */
static void fwd_start(struct tbed *b, const char *opt)
{
	b->fwd = fork();
	ASSERT(b->fwd >= 0);
	if (b->fwd == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execlp("ip", "ip", "netns", "exec", b->tf, mp_test_bin("mir-perf-forward"), "--in",
		       "fi", "--out", "fo", "--both", opt, (char *)NULL);
		_exit(127);
	}
}

static void fwd_kill(struct tbed *b)
{
	if (b->fwd > 0) {
		kill(b->fwd, SIGKILL);
		waitpid(b->fwd, NULL, 0);
	}
	b->fwd = 0;
}

/* A raw client connected to the agent at `port`, logged in. */
static void login(struct tbed *b, uint16_t port)
{
	struct mp_proto_reply rep;

	b->fd = mp_traw_connect(CTL_AGENT, port);
	mp_traw_login(b->fd, b->tok, &rep, NULL, 0);
	ASSERT_MSG(rep.code == MP_PROTO_OK, "auth: %s", rep.msg);
	b->id = 100;
}

/* The traff-gen, the DUT and the agent, and the test in the controller's
 * namespace with a logged-in raw client. */
static void up(struct tbed *b, unsigned port)
{
	const char *p = mp_test_prefix();
	const char *extra[] = { "--rx-dev", "gr", "--rx-netns", b->tr, NULL };

	mp_test_require_root();
	mp_test_require_prog("ip", "iproute2");
	mp_test_require_prog("iperf3", "iperf3");
	memset(b, 0, sizeof(*b));
	b->port = port;
	snprintf(b->tc, sizeof(b->tc), "%s-tc", p);
	snprintf(b->tg, sizeof(b->tg), "%s-tg", p);
	snprintf(b->tf, sizeof(b->tf), "%s-tf", p);
	snprintf(b->tr, sizeof(b->tr), "%s-tr", p);
	mp_test_sh("ip", "netns", "add", b->tc, NULL);
	mp_test_sh("ip", "netns", "add", b->tg, NULL);
	mp_test_sh("ip", "netns", "add", b->tf, NULL);
	mp_test_sh("ip", "-n", b->tg, "link", "add", "gc", "type", "veth", "peer", "name", "cc", "netns",
	   b->tc, NULL);
	mp_test_sh("ip", "-n", b->tg, "link", "add", "gd", "type", "veth", "peer", "name", "fi", "netns",
	   b->tf, NULL);
	mp_test_sh("ip", "-n", b->tg, "link", "add", "gr", "type", "veth", "peer", "name", "fo", "netns",
	   b->tf, NULL);
	mp_test_sh("ip", "-n", b->tg, "addr", "add", CTL_AGENT "/24", "dev", "gc", NULL);
	mp_test_sh("ip", "-n", b->tc, "addr", "add", CTL_TEST "/24", "dev", "cc", NULL);
	for (int i = 0; i < 3; i++) {
		const char *ns = i == 0 ? b->tc : i == 1 ? b->tg : b->tf;

		mp_test_sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
		   "net.ipv6.conf.default.disable_ipv6=1", NULL);
		mp_test_sh("ip", "-n", ns, "link", "set", "lo", "up", NULL);
	}
	mp_test_sh("ip", "-n", b->tg, "link", "set", "gc", "up", NULL);
	mp_test_sh("ip", "-n", b->tc, "link", "set", "cc", "up", NULL);
	mp_test_sh("ip", "-n", b->tg, "link", "set", "gd", "up", NULL);
	mp_test_sh("ip", "-n", b->tf, "link", "set", "fi", "up", NULL);
	mp_test_sh("ip", "-n", b->tf, "link", "set", "fo", "up", NULL);
	fwd_start(b, NULL);
	snprintf(b->tok, sizeof(b->tok), "%s/token", mp_test_tmpdir());
	mp_tagent_token(b->tok, TOKEN, 0600);
	/* Started from inside <p>-tg (not by `ip netns exec`, which gives it a
	 * mount namespace of its own): the namespace it makes is everyone's, as
	 * in the testbed's traff-gen and in a real one. */
	enter(b->tg);
	mp_tagent_start(&b->a, NULL, CTL_AGENT, b->tok, "gd", extra);
	enter(b->tc);
	login(b, b->a.port);
}

static void call(struct tbed *b, struct mp_proto_reply *rep, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void call(struct tbed *b, struct mp_proto_reply *rep, const char *fmt, ...)
{
	char body[1024], line[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "{\"v\":1,\"id\":%d,\"op\":%s}\n", b->id++, body);
	mp_traw_call(b->fd, line, rep);
}

/* tcp_start with these values (checksum NULL: not said); the reply's code. */
static enum mp_proto_code tcp_start_csum(struct tbed *b, unsigned streams, unsigned secs,
					 const char *offloads, const char *checksum,
					 uint64_t timeout_ns)
{
	struct mp_proto_reply rep;
	char csum[32] = "";

	if (checksum)
		snprintf(csum, sizeof(csum), ",\"checksum\":\"%s\"", checksum);
	call(b, &rep, "\"tcp_start\",\"streams\":%u,\"duration\":%u,\"src_ip\":\"" TCP_SRC
	     "\",\"dst_ip\":\"" TCP_DST "\",\"port\":%u,\"offloads\":\"%s\",\"timeout\":%llu%s",
	     streams, secs, b->port, offloads, (unsigned long long)timeout_ns, csum);
	if (rep.code != MP_PROTO_OK)
		printf("tcp_start: %s: %s\n", mp_proto_code_name(rep.code), rep.msg);
	return rep.code;
}

static enum mp_proto_code tcp_start(struct tbed *b, unsigned streams, unsigned secs,
				    const char *offloads, uint64_t timeout_ns)
{
	return tcp_start_csum(b, streams, secs, offloads, NULL, timeout_ns);
}

/* Polls tcp_status (which also keeps the dead-man quiet) until the run
 * ends; its result. */
static struct mp_tcp_result tcp_wait(struct tbed *b)
{
	struct mp_proto_reply rep;
	uint64_t end = mp_now_ns() + 60 * MP_NS_PER_SEC;

	for (;;) {
		call(b, &rep, "\"tcp_status\"");
		ASSERT_MSG(rep.code == MP_PROTO_OK, "tcp_status: %s", rep.msg);
		if (rep.u.tcp.state != MP_TCP_RUNNING)
			return rep.u.tcp;
		ASSERT_MSG(mp_now_ns() < end, "the TCP run never ended");
		usleep(POLL_US);
	}
}

/* The pids of iperf3 processes started for this test (its port in their
 * command line); clients[i] says which are clients (-c), when not NULL. */
static int iperf3_roles(const struct tbed *b, pid_t *pids, int *clients, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char want[16];
	int n = 0;

	snprintf(want, sizeof(want), "%u", b->port);
	while (d && (e = readdir(d))) {
		char path[300], buf[1024];
		ssize_t len;
		int fd, is_iperf = 0, has_port = 0, is_client = 0;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		for (ssize_t i = 0; i < len; i += (ssize_t)strlen(buf + i) + 1) {
			buf[len] = '\0';
			if (strstr(buf + i, "iperf3"))
				is_iperf = i == 0;
			if (strcmp(buf + i, want) == 0)
				has_port = 1;
			if (strcmp(buf + i, "-c") == 0)
				is_client = 1;
		}
		if (is_iperf && has_port && n < max) {
			if (clients)
				clients[n] = is_client;
			pids[n++] = atoi(e->d_name);
		}
	}
	if (d)
		closedir(d);
	return n;
}

static int iperf3_pids(const struct tbed *b, pid_t *pids, int max)
{
	return iperf3_roles(b, pids, NULL, max);
}

static void assert_no_iperf3(const struct tbed *b)
{
	pid_t pids[8];
	int n = 0;

	for (int i = 0; i < 50 && (n = iperf3_pids(b, pids, 8)) > 0; i++)
		usleep(100000);
	ASSERT_MSG(n == 0, "%d iperf3 process(es) left running (pid %d)", n, n ? pids[0] : 0);
}

static void down(struct tbed *b)
{
	if (b->fd >= 0)
		close(b->fd);
	mp_tagent_stop(&b->a);
	fwd_kill(b);
	assert_no_iperf3(b);
}

/* A received-bytes counter of an interface in namespace ns (/proc/net is
 * the reader's namespace; /sys is the one it was mounted in). */
static uint64_t rx_bytes(const char *ns, const char *dev)
{
	char needle[IFNAMSIZ + 2], *text, *p;
	int back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	unsigned long long v = 0;

	enter(ns);
	text = mp_test_read_file("/proc/thread-self/net/dev");
	ASSERT_EQ(setns(back, CLONE_NEWNET), 0);
	close(back);
	ASSERT(text);
	snprintf(needle, sizeof(needle), "%s:", dev);
	p = strstr(text, needle);
	ASSERT_MSG(p, "no %s in %s", dev, ns);
	ASSERT_EQ(sscanf(p + strlen(needle), "%llu", &v), 1);
	free(text);
	return v;
}

static void offloads_in(const char *ns, const char *dev, int on[MP_OFFLOAD_COUNT])
{
	int back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	enter(ns);
	ASSERT_EQ(mp_offload_get(dev, on), 0);
	ASSERT_EQ(setns(back, CLONE_NEWNET), 0);
	close(back);
}

/* Through the forwarder, with the traff-gen's TSO/GSO as found, then off:
 * figures that add up, offloads recorded as they were during each run and
 * put back after, nothing left running. */
TEST_T(agent_tcp_through_the_dut, 120)
{
	struct tbed b;
	struct mp_tcp_result r;
	int before[MP_OFFLOAD_COUNT], after[MP_OFFLOAD_COUNT];

	up(&b, 15201);
	ASSERT(mp_tagent_wait_log(&b.a, "lives in namespace", 1, WAIT_MS));
	offloads_in(b.tg, "gd", before);
	ASSERT_EQ(before[MP_OFFLOAD_TSO], 1);
	ASSERT_EQ(tcp_start(&b, 2, 2, "keep", 20 * MP_NS_PER_SEC), MP_PROTO_OK);
	ASSERT_EQ(tcp_start(&b, 2, 2, "keep", 20 * MP_NS_PER_SEC), MP_PROTO_EBUSY);
	r = tcp_wait(&b);
	ASSERT_MSG(r.state == MP_TCP_DONE, "state %s: %s", mp_tcp_state_name(r.state), r.reason);
	printf("sender %.3f Gbit/s, receiver %.3f Gbit/s, %llu retransmits; %s / %s\n",
	       (double)r.sender_bps / 1e9, (double)r.receiver_bps / 1e9,
	       (unsigned long long)r.retransmits, r.dev_offloads, r.rx_offloads);
	ASSERT(r.sender_bps > 0 && r.receiver_bps > 0);
	ASSERT(r.received_bytes > 0 && r.received_bytes <= r.sent_bytes);
	ASSERT(r.seconds_ns >= 19 * MP_NS_PER_SEC / 10 && r.seconds_ns <= 3 * MP_NS_PER_SEC);
	ASSERT(strstr(r.dev_offloads, "tso on"));
	assert_no_iperf3(&b);

	ASSERT_EQ(tcp_start(&b, 1, 1, "off", 20 * MP_NS_PER_SEC), MP_PROTO_OK);
	r = tcp_wait(&b);
	ASSERT_MSG(r.state == MP_TCP_DONE, "state %s: %s", mp_tcp_state_name(r.state), r.reason);
	ASSERT_MSG(strstr(r.dev_offloads, "tso off, gso off"), "%s", r.dev_offloads);
	ASSERT_MSG(strstr(r.rx_offloads, "tso off, gso off"), "%s", r.rx_offloads);
	offloads_in(b.tg, "gd", after);
	ASSERT_EQ(memcmp(before, after, sizeof(before)), 0);   /* put back */
	/* UDP traffic is refused while... nothing runs now: configure works */
	down(&b);
	ASSERT(mp_tagent_log_count(&b.a, "TCP run done") == 2);
}

/* A DUT that forwards a frame's bytes and nothing else (mir-perf-forward
 * --lose-csum, as the netif-forward unikernel through Mirage_net.S) passes
 * on the checksums the sender left to offload unfinished: with the
 * traff-gen's checksum offload on, the receiver drops every segment and
 * the run fails saying so and what to do; with it off, the run goes
 * through, and the offload is put back after. */
TEST_T(agent_tcp_dut_losing_checksums, 120)
{
	struct tbed b;
	struct mp_tcp_result r;
	int before[2][MP_OFFLOAD_COUNT], after[2][MP_OFFLOAD_COUNT];

	up(&b, 15208);
	ASSERT(mp_tagent_wait_log(&b.a, "lives in namespace", 1, WAIT_MS));
	fwd_kill(&b);
	fwd_start(&b, "--lose-csum");
	offloads_in(b.tg, "gd", before[0]);
	offloads_in(b.tr, "gr", before[1]);
	ASSERT_EQ(before[0][MP_OFFLOAD_TX_CSUM], 1);     /* a veth's default */

	ASSERT_EQ(tcp_start_csum(&b, 1, 2, "keep", "on", 30 * MP_NS_PER_SEC), MP_PROTO_OK);
	r = tcp_wait(&b);
	printf("checksum on: %s, %llu bad checksums: %s\n", mp_tcp_state_name(r.state),
	       (unsigned long long)r.csum_errors, r.reason);
	ASSERT_EQ(r.state, MP_TCP_FAILED);
	ASSERT(r.csum_errors > 0);
	ASSERT_CONTAINS(r.reason, "arrived with a wrong checksum");
	ASSERT_CONTAINS(r.reason, "traffic.tcp.checksum: off");
	ASSERT_CONTAINS(r.reason, "iperf3");          /* and what iperf3 saw of it */
	assert_no_iperf3(&b);

	ASSERT_EQ(tcp_start_csum(&b, 1, 2, "keep", "off", 30 * MP_NS_PER_SEC), MP_PROTO_OK);
	r = tcp_wait(&b);
	printf("checksum off: %s, %llu bad checksums, %.3f Gbit/s; %s / %s\n",
	       mp_tcp_state_name(r.state), (unsigned long long)r.csum_errors,
	       (double)r.receiver_bps / 1e9, r.dev_offloads, r.rx_offloads);
	ASSERT_MSG(r.state == MP_TCP_DONE, "%s", r.reason);
	ASSERT_EQ(r.csum_errors, 0);
	ASSERT(r.received_bytes > 0);
	ASSERT_CONTAINS(r.dev_offloads, "tx-csum off");
	ASSERT_CONTAINS(r.rx_offloads, "tx-csum off");
	ASSERT_CONTAINS(r.dev_offloads, "tso off");  /* TSO needs the checksum offload */
	offloads_in(b.tg, "gd", after[0]);
	offloads_in(b.tr, "gr", after[1]);
	ASSERT_EQ(memcmp(before, after, sizeof(before)), 0);   /* put back, TSO too */
	down(&b);
}

/* With the DUT gone there is no other way: not one byte reaches the
 * receiving side, and the run fails saying why. */
TEST_T(agent_tcp_no_path_around_the_dut, 120)
{
	struct tbed b;
	struct mp_tcp_result r;
	uint64_t before;

	up(&b, 15202);
	ASSERT(mp_tagent_wait_log(&b.a, "lives in namespace", 1, WAIT_MS));
	fwd_kill(&b);
	before = rx_bytes(b.tr, "gr");
	ASSERT_EQ(tcp_start(&b, 1, 2, "keep", 20 * MP_NS_PER_SEC), MP_PROTO_OK);
	r = tcp_wait(&b);
	ASSERT_EQ(r.state, MP_TCP_FAILED);
	printf("reason: %s\n", r.reason);
	ASSERT(strstr(r.reason, "iperf3"));
	ASSERT_EQ(rx_bytes(b.tr, "gr"), before);
	assert_no_iperf3(&b);
	down(&b);
}

/* A DUT that stalls mid-run fails the run: not a low number. */
TEST_T(agent_tcp_dut_stalls_mid_run, 120)
{
	struct tbed b;
	struct mp_tcp_result r;

	up(&b, 15203);
	ASSERT_EQ(tcp_start(&b, 1, 8, "keep", 30 * MP_NS_PER_SEC), MP_PROTO_OK);
	usleep(1500000);
	ASSERT_EQ(kill(b.fwd, SIGSTOP), 0);
	r = tcp_wait(&b);
	kill(b.fwd, SIGCONT);
	ASSERT_EQ(r.state, MP_TCP_FAILED);
	printf("reason: %s\n", r.reason);
	ASSERT_EQ(r.receiver_bps, 0);
	assert_no_iperf3(&b);
	down(&b);
}

/* Its own timeout: a run that cannot end by then is killed, and failed. */
TEST_T(agent_tcp_timeout, 60)
{
	struct tbed b;
	struct mp_tcp_result r;

	up(&b, 15204);
	ASSERT_EQ(kill(b.fwd, SIGSTOP), 0);
	ASSERT_EQ(tcp_start(&b, 1, 1, "keep", 1500 * MP_NS_PER_MS), MP_PROTO_OK);
	r = tcp_wait(&b);
	kill(b.fwd, SIGCONT);
	ASSERT_EQ(r.state, MP_TCP_FAILED);
	ASSERT_MSG(strstr(r.reason, "did not finish within 1500ms"), "%s", r.reason);
	assert_no_iperf3(&b);
	down(&b);
}

/* A killed iperf3 (client, then server) fails the run with what happened. */
TEST_T(agent_tcp_killed_iperf3, 120)
{
	struct tbed b;
	struct mp_tcp_result r;

	up(&b, 15205);
	for (int which = 0; which < 2; which++) {
		pid_t pids[8];
		int clients[8], n;

		ASSERT_EQ(tcp_start(&b, 1, 10, "keep", 30 * MP_NS_PER_SEC), MP_PROTO_OK);
		for (int i = 0; i < 100 && iperf3_pids(&b, pids, 8) < 2; i++)
			usleep(50000);
		n = iperf3_roles(&b, pids, clients, 8);
		ASSERT_EQ(n, 2);
		/* which 0: the client, 1: the server */
		for (int i = 0; i < n; i++)
			if (clients[i] == !which)
				ASSERT_EQ(kill(pids[i], SIGKILL), 0);
		r = tcp_wait(&b);
		ASSERT_EQ(r.state, MP_TCP_FAILED);
		printf("killed the %s: %s\n", which ? "server" : "client", r.reason);
		ASSERT(strstr(r.reason, "iperf3"));
		assert_no_iperf3(&b);
	}
	down(&b);
}

/* tcp_stop, a silent controller (the dead-man), a dropped connection and a
 * killed agent each end the run and leave no iperf3 behind. */
TEST_T(agent_tcp_stop_deadman_and_dead_agent, 120)
{
	struct tbed b;
	struct mp_proto_reply rep;
	pid_t pids[8];

	up(&b, 15206);
	ASSERT_EQ(tcp_start(&b, 1, 20, "keep", 60 * MP_NS_PER_SEC), MP_PROTO_OK);
	usleep(500000);
	call(&b, &rep, "\"configure\",\"dev\":\"gd\",\"size\":60,\"rate\":1,\"dst_mac\":"
	     "\"02:00:00:00:00:01\",\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\","
	     "\"src_port\":9,\"dst_port\":9");
	ASSERT_EQ(rep.code, MP_PROTO_EBUSY);
	call(&b, &rep, "\"tcp_stop\"");
	ASSERT_EQ(rep.code, MP_PROTO_OK);
	ASSERT_EQ(rep.u.tcp.state, MP_TCP_FAILED);
	ASSERT_MSG(strstr(rep.u.tcp.reason, "tcp_stop"), "%s", rep.u.tcp.reason);
	ASSERT_EQ(iperf3_pids(&b, pids, 8), 0);     /* synchronous: gone already */

	/* silent: the dead-man (3 s) */
	ASSERT_EQ(tcp_start(&b, 1, 20, "keep", 60 * MP_NS_PER_SEC), MP_PROTO_OK);
	ASSERT(mp_tagent_wait_log(&b.a, "dead-man: no message from controller", 1, WAIT_MS));
	call(&b, &rep, "\"tcp_status\"");
	ASSERT_EQ(rep.u.tcp.state, MP_TCP_FAILED);
	ASSERT_MSG(strstr(rep.u.tcp.reason, "dead-man"), "%s", rep.u.tcp.reason);
	assert_no_iperf3(&b);

	/* the connection drops */
	ASSERT_EQ(tcp_start(&b, 1, 20, "keep", 60 * MP_NS_PER_SEC), MP_PROTO_OK);
	close(b.fd);
	b.fd = -1;
	ASSERT(mp_tagent_wait_log(&b.a, "stopping the TCP run", 2, WAIT_MS));
	assert_no_iperf3(&b);

	/* the agent is killed outright: the kernel takes iperf3 with it */
	login(&b, b.a.port);
	ASSERT_EQ(tcp_start(&b, 1, 20, "keep", 60 * MP_NS_PER_SEC), MP_PROTO_OK);
	for (int i = 0; i < 100 && iperf3_pids(&b, pids, 8) < 2; i++)
		usleep(50000);
	ASSERT_EQ(iperf3_pids(&b, pids, 8), 2);
	ASSERT_EQ(kill(b.a.pid, SIGKILL), 0);
	assert_no_iperf3(&b);
	down(&b);
}

/* At its end the agent puts the receiving interface back and deletes the
 * namespace it made; a TCP request to an agent without one is refused. */
TEST_T(agent_tcp_namespace_made_and_removed, 60)
{
	struct tbed b;
	struct mp_proto_reply rep;

	up(&b, 15207);
	ASSERT(mp_tagent_wait_log(&b.a, "lives in namespace", 1, WAIT_MS));
	{
		char path[128];

		snprintf(path, sizeof(path), "/run/netns/%s", b.tr);
		ASSERT_EQ(access(path, F_OK), 0);
		ASSERT(rx_bytes(b.tr, "gr") < UINT64_MAX);
		ASSERT_EQ(mp_tagent_stop(&b.a), 0);
		ASSERT(access(path, F_OK) < 0);
		ASSERT(rx_bytes(b.tg, "gr") < UINT64_MAX);   /* back where it was */
	}
	close(b.fd);
	/* without --rx-netns: ESTATE */
	{
		struct mp_tagent a2 = { 0 };

		enter(b.tg);
		mp_tagent_start(&a2, NULL, CTL_AGENT, b.tok, "gd", NULL);
		enter(b.tc);
		login(&b, a2.port);
		call(&b, &rep, "\"tcp_status\"");
		ASSERT_EQ(rep.code, MP_PROTO_ESTATE);
		ASSERT(strstr(rep.msg, "--rx-netns"));
		close(b.fd);
		b.fd = -1;
		ASSERT_EQ(mp_tagent_stop(&a2), 0);
	}
	fwd_kill(&b);
}
