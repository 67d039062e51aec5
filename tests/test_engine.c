/* The agent's traffic engines (issue 4): the packet engine's frames as a
 * capture on the peer sees them, the frame builder's checksums, and the
 * pktgen driver against a recorder answering in the kernel's formats. */
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/engine.h"
#include "agent/frame.h"
#include "agent/pktgen.h"
#include "common/clock.h"
#include "common/engines.h"
#include "common/err.h"
#include "common/imix.h"
#include "common/netns.h"
#include "common/run.h"

static void ip(const char *a, const char *b, const char *c, const char *d, const char *e,
	       const char *f, const char *g, const char *h, const char *i, const char *j)
{
	char *argv[] = { "ip", (char *)a, (char *)b, (char *)c, (char *)d, (char *)e, (char *)f,
			 (char *)g, (char *)h, (char *)i, (char *)j, NULL };
	struct mp_run_result r;

	ASSERT_EQ(mp_run(argv, NULL, 20000, &r), 0);
	ASSERT_MSG(r.status == 0, "ip %s %s: %s", a, b, r.err);
	mp_run_result_free(&r);
}

/* Two namespaces P-ga and P-gb joined by veth ga0 <-> gb0 (made once per
 * test: a second call finds them). */
static void pair(char *na, char *nb)
{
	char path[128];

	sprintf(na, "%s-ga", mp_test_prefix());
	sprintf(nb, "%s-gb", mp_test_prefix());
	snprintf(path, sizeof(path), "/run/netns/%s", nb);
	if (access(path, F_OK) == 0)
		return;
	ip("netns", "add", na, 0, 0, 0, 0, 0, 0, 0);
	ip("netns", "add", nb, 0, 0, 0, 0, 0, 0, 0);
	ip("netns", "exec", na, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
	   "net.ipv6.conf.default.disable_ipv6=1", 0, 0, 0);
	ip("netns", "exec", nb, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
	   "net.ipv6.conf.default.disable_ipv6=1", 0, 0, 0);
	ip("-n", na, "link", "add", "ga0", "type", "veth", "peer", "name", "gb0");
	ip("-n", na, "link", "set", "gb0", "netns", nb, 0, 0, 0);
	ip("-n", na, "link", "set", "ga0", "address", "02:00:00:00:00:0a", 0, 0, 0);
	ip("-n", na, "link", "set", "ga0", "up", 0, 0, 0, 0);
	ip("-n", nb, "link", "set", "gb0", "up", 0, 0, 0, 0);
}

#define CAPTURE_SIZES 2048
#define IMIX_SPEC "60:7,590:4,1514:1"

struct capture {
	unsigned frames, bad_size, bad_mac, bad_ip, bad_ports, bad_csum, bad_seq;
	unsigned short sizes[CAPTURE_SIZES];   /* of the first frames, in order */
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Checks one captured frame against what `send` was asked for. */
static void check_frame(const uint8_t *b, size_t len, struct capture *c, unsigned size)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x0b }, src[6] = { 0x02, 0, 0, 0, 0, 0x0a };
	uint8_t pseudo[12];
	uint64_t seq = 0;
	size_t udp_len;

	if (len < MP_FRAME_HDRS || get16(b + 12) != 0x0800)
		return;             /* not ours */
	if (c->frames < CAPTURE_SIZES)
		c->sizes[c->frames] = (unsigned short)len;
	c->frames++;
	if (size && len != size)          /* 0: an IMIX mix, checked by the test */
		c->bad_size++;
	if (memcmp(b, dst, 6) || memcmp(b + 6, src, 6))
		c->bad_mac++;
	if (memcmp(b + 26, "\x0a\xc9\x00\x07", 4) || memcmp(b + 30, "\x0a\xc9\x00\x08", 4) ||
	    mp_frame_csum(b + 14, 20, 0) != 0)
		c->bad_ip++;
	if (get16(b + 34) != 4001 || get16(b + 36) != 4002)
		c->bad_ports++;
	udp_len = get16(b + 38);
	memcpy(pseudo, b + 26, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(udp_len >> 8);
	pseudo[11] = (uint8_t)udp_len;
	{
		uint32_t sum = 0;

		for (int i = 0; i < 12; i += 2)
			sum += get16(pseudo + i);
		if (udp_len != len - 34 || mp_frame_csum(b + 34, udp_len, sum) != 0)
			c->bad_csum++;
	}
	for (int i = 0; i < 4; i++)
		seq = seq << 8 | b[MP_FRAME_SEQ_OFF + i];
	if (seq != c->frames - 1)
		c->bad_seq++;
}

/* Counts and checks frames on gb0 in ns until 500 ms of silence (max 20 s). */
static void capture(const char *ns, unsigned size, int ready_fd, struct capture *c)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	uint8_t buf[10000];
	uint64_t last, end;
	int fd;

	memset(c, 0, sizeof(*c));
	if (mp_netns_enter(ns) < 0)
		_exit(3);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_ifindex = (int)if_nametoindex("gb0");
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		_exit(4);
	if (write(ready_fd, "R", 1) != 1)
		_exit(5);
	last = mp_now_ns();
	end = last + 20 * MP_NS_PER_SEC;
	while (mp_now_ns() < end && mp_now_ns() - last < 500 * MP_NS_PER_MS) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			check_frame(buf, (size_t)n, c, size);
			last = mp_now_ns();
		}
	}
}

static void send_and_capture(unsigned n, unsigned size, const char *rate, struct capture *c,
			     char **json)
{
	char na[64], nb[64], count[16], sz[16];
	char *argv[] = { "ip", "netns", "exec", na, (char *)mp_test_bin("mir-perf-agent"), "send",
			 "--dev", "ga0", "--size", sz, "--rate", (char *)rate, "--count", count,
			 "--engine", "packet", "--dst-mac", "02:00:00:00:00:0b", "--src-ip",
			 "10.201.0.7", "--dst-ip", "10.201.0.8", "--src-port", "4001",
			 "--dst-port", "4002", NULL };
	struct mp_run_result r;
	int p[2], q[2];
	pid_t pid;
	char ok;

	mp_test_require_root();
	pair(na, nb);
	snprintf(count, sizeof(count), "%u", n);
	snprintf(sz, sizeof(sz), "%u", size);
	if (!size) {
		argv[8] = "--imix";
		argv[9] = IMIX_SPEC;
	}
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(pipe(q), 0);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		struct capture mine;

		capture(nb, size, p[1], &mine);
		if (write(q[1], &mine, sizeof(mine)) != sizeof(mine))
			_exit(6);
		_exit(0);
	}
	ASSERT_EQ(read(p[0], &ok, 1), 1);
	ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
	ASSERT_MSG(r.status == 0, "send: %s", r.err);
	*json = strdup(r.out);
	mp_run_result_free(&r);
	ASSERT_EQ(read(q[0], c, sizeof(*c)), (ssize_t)sizeof(*c));
	waitpid(pid, NULL, 0);
}

TEST_T(engine_packet_sends_exactly_n_valid_frames, 120)
{
	struct capture c;
	char *json;

	send_and_capture(1000, 60, "2000", &c, &json);
	ASSERT_CONTAINS(json, "\"packets\":1000,");
	ASSERT_CONTAINS(json, "\"errors\":0,");
	ASSERT_EQ(c.frames, 1000);
	ASSERT_EQ(c.bad_size, 0);
	ASSERT_EQ(c.bad_mac, 0);
	ASSERT_EQ(c.bad_ip, 0);
	ASSERT_EQ(c.bad_ports, 0);
	ASSERT_EQ(c.bad_csum, 0);
	ASSERT_EQ(c.bad_seq, 0);
	free(json);
}

TEST_T(engine_packet_large_frames, 120)
{
	struct capture c;
	char *json;

	send_and_capture(300, 1500, "3000", &c, &json);
	ASSERT_EQ(c.frames, 300);
	ASSERT_EQ(c.bad_size + c.bad_ip + c.bad_csum + c.bad_seq + c.bad_ports, 0);
	free(json);
}

/* IMIX 7:4:1 on the wire: every period of 12 frames holds the weights
 * exactly, the order differs from period to period (a DUT dropping every
 * Nth frame must not always drop the same sizes), the same frames come
 * again in a second run (seeded), and bytes are counted per frame. */
TEST_T(engine_packet_imix_periods_on_capture, 120)
{
	struct capture c, again;
	char *json;
	unsigned n[3] = { 0 }, orders = 0;

	send_and_capture(1200, 0, "5000", &c, &json);
	ASSERT_EQ(c.frames, 1200);
	ASSERT_EQ(c.bad_ip + c.bad_csum + c.bad_seq + c.bad_ports, 0);
	for (unsigned p = 0; p < 100; p++) {
		unsigned k[3] = { 0 };

		for (unsigned i = p * 12; i < p * 12 + 12; i++)
			k[c.sizes[i] == 60 ? 0 : c.sizes[i] == 590 ? 1 : 2]++;
		ASSERT_MSG(k[0] == 7 && k[1] == 4 && k[2] == 1, "period %u: %u/%u/%u", p, k[0],
			   k[1], k[2]);
		for (int j = 0; j < 3; j++)
			n[j] += k[j];
		orders += p && memcmp(&c.sizes[p * 12], &c.sizes[(p - 1) * 12],
				      12 * sizeof(c.sizes[0])) != 0;
	}
	ASSERT_MSG(orders >= 90, "only %u of 99 periods differ from the one before", orders);
	ASSERT_EQ(n[0], 700);
	ASSERT_EQ(n[1], 400);
	ASSERT_EQ(n[2], 100);
	ASSERT_CONTAINS(json, "\"bytes\":429400,");    /* 700*60 + 400*590 + 100*1514 */
	free(json);
	send_and_capture(1200, 0, "5000", &again, &json);
	ASSERT_EQ(again.frames, 1200);
	ASSERT_MSG(memcmp(c.sizes, again.sizes, 1200 * sizeof(c.sizes[0])) == 0,
		   "a second run sent the mix in another order");
	free(json);
}

/* The order of each period: the weights exactly, a new order per period,
 * the same for the same seed; a DUT dropping every 4th frame then forwards
 * frames of the mix's mean size, where one fixed pattern always dropped the
 * same three places of it (forwarded mean 436 B against the mix's 357.8 B). */
TEST(imix_period_order_keeps_weights_varies_order)
{
	struct mp_imix m;
	uint8_t base[MP_IMIX_PATTERN_MAX], o[MP_IMIX_PATTERN_MAX], o2[MP_IMIX_PATTERN_MAX];
	unsigned plen, at0[3] = { 0 };
	double fwd_bytes = 0, fwd = 0;

	mp_imix_default(&m);
	plen = mp_imix_pattern(&m, base, sizeof(base));
	ASSERT_EQ(plen, 12);
	for (uint64_t p = 0; p < 1200; p++) {
		unsigned k[3] = { 0 };

		mp_imix_period_order(base, plen, MP_IMIX_SEED, p, o);
		mp_imix_period_order(base, plen, MP_IMIX_SEED, p, o2);
		ASSERT_EQ(memcmp(o, o2, plen), 0);
		for (unsigned i = 0; i < plen; i++) {
			k[o[i]]++;
			if ((p * plen + i) % 4 != 3) {          /* every 4th frame dropped */
				fwd_bytes += m.size[o[i]];
				fwd++;
			}
		}
		ASSERT(k[0] == 7 && k[1] == 4 && k[2] == 1);
		at0[o[0]]++;
	}
	/* Each place of the period gets each size about as often as its
	 * weight says (7/12 of 1200 = 700, 4/12 = 400, 1/12 = 100). */
	ASSERT_MSG(at0[0] > 600 && at0[0] < 800 && at0[1] > 320 && at0[1] < 480 &&
		   at0[2] > 60 && at0[2] < 140, "first place: %u/%u/%u", at0[0], at0[1], at0[2]);
	ASSERT_MSG(fabs(fwd_bytes / fwd / mp_imix_mean(&m) - 1) < 0.02,
		   "forwarded mean %.1f B for a mix of %.1f B", fwd_bytes / fwd, mp_imix_mean(&m));
	/* Another seed, another order. */
	mp_imix_period_order(base, plen, MP_IMIX_SEED, 0, o);
	mp_imix_period_order(base, plen, MP_IMIX_SEED + 1, 0, o2);
	ASSERT(memcmp(o, o2, plen) != 0);
}

TEST(imix_pattern_label_text)
{
	struct mp_imix m, back;
	uint8_t pat[MP_IMIX_PATTERN_MAX];
	char buf[MP_IMIX_LABEL_MAX];
	static const char *const bad[] = { "", "60", "60:", "59:1", "9001:1", "60:0", "60:1001",
					   "60:1,60:2", "60:1;590:1", "1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1",
					   "60:1,", "a:1" };

	mp_imix_default(&m);
	mp_imix_label(&m, buf, sizeof(buf));
	ASSERT_STREQ(buf, "IMIX 7:4:1 (mean 357.8 B)");
	mp_imix_format(&m, buf, sizeof(buf));
	ASSERT_STREQ(buf, IMIX_SPEC);
	ASSERT_EQ(mp_imix_parse(buf, &back), 0);
	ASSERT_EQ(memcmp(&m, &back, sizeof(m)), 0);
	ASSERT_EQ(mp_imix_pattern(&m, pat, sizeof(pat)), 12);
	ASSERT_EQ(mp_imix_largest(&m), 1514);
	/* 1:1 alternates; 3:1 spreads the 1 out. */
	ASSERT_EQ(mp_imix_parse("100:1,200:1", &m), 0);
	ASSERT_EQ(mp_imix_pattern(&m, pat, sizeof(pat)), 2);
	ASSERT(pat[0] != pat[1]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_MSG(mp_imix_parse(bad[i], &m) < 0, "accepted \"%s\"", bad[i]);
}

/* agent.engine in a plan: the agent's engine switches to the kind asked for,
 * or stays as it was saying why it cannot. */
TEST(engine_switch_to_the_kind_asked)
{
	char root[4096], path[4200], err[256] = "";
	struct mp_engine *e;

	snprintf(root, sizeof(root), "%s/pktgen", mp_test_tmpdir());
	ASSERT_EQ(mkdir(root, 0700), 0);
	ASSERT_EQ(mp_engine_create("packet", root, &e, err, sizeof(err)), 0);
	/* No pgctrl: no pktgen here; the engine is unchanged. */
	ASSERT_EQ(mp_engine_switch(e, "pktgen", err, sizeof(err)), -ENOENT);
	ASSERT_CONTAINS(err, "pktgen is not available");
	ASSERT_STREQ(mp_engine_name(e), "packet");
	snprintf(path, sizeof(path), "%s/pgctrl", root);
	mp_test_write_file(path, "");
	ASSERT_EQ(mp_engine_switch(e, "pktgen", err, sizeof(err)), 0);
	ASSERT_STREQ(mp_engine_name(e), "pktgen");
	ASSERT_EQ(mp_engine_switch(e, "auto", err, sizeof(err)), 0);
	ASSERT_STREQ(mp_engine_name(e), "pktgen");
	ASSERT_EQ(mp_engine_switch(e, "packet", err, sizeof(err)), 0);
	ASSERT_STREQ(mp_engine_name(e), "packet");
	ASSERT_EQ(mp_engine_switch(e, "dpdk", err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(mp_engine_name(e), "packet");
	mp_engine_destroy(e);
}

/* Every engine the names table knows (common/engines.h) is in the agent's
 * registry, and "auto" picks pktgen where its control file can be written,
 * else packet. */
TEST(engine_registry_has_every_named_kind)
{
	char root[4096], path[4200], err[256] = "";
	struct mp_engine *e;

	snprintf(root, sizeof(root), "%s/pktgen", mp_test_tmpdir());
	ASSERT_EQ(mkdir(root, 0700), 0);
	ASSERT_EQ(mp_engine_create("auto", root, &e, err, sizeof(err)), 0);
	ASSERT_STREQ(mp_engine_name(e), mp_engines[MP_ENGINE_PACKET].name);
	mp_engine_destroy(e);
	snprintf(path, sizeof(path), "%s/pgctrl", root);
	mp_test_write_file(path, "");
	for (int k = 0; k < MP_ENGINE_KIND_COUNT; k++) {
		ASSERT_MSG(mp_engine_create(mp_engines[k].name, root, &e, err, sizeof(err)) == 0,
			   "%s: %s", mp_engines[k].name, err);
		ASSERT_STREQ(mp_engine_name(e), mp_engines[k == MP_ENGINE_AUTO ? MP_ENGINE_PKTGEN :
								 k].name);
		mp_engine_destroy(e);
	}
	ASSERT_EQ(mp_engine_create("dpdk", root, &e, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "unknown engine \"dpdk\"; expected auto, packet or pktgen");
}

TEST(engine_send_usage_errors)
{
	const char *bin = mp_test_bin("mir-perf-agent");
	char *a1[] = { (char *)bin, "send", "--dev", "lo", "--size", "59", "--rate", "1",
		       "--count", "1", NULL };
	char *a2[] = { (char *)bin, "send", "--dev", "lo", "--size", "60", "--count", "1", NULL };
	char *a3[] = { (char *)bin, "send", "--dev", "nosuch0", "--size", "60", "--rate", "1",
		       "--count", "1", "--engine", "packet", NULL };

	ASSERT_EXITS(a1, MP_EXIT_USAGE, NULL);
	ASSERT_EXITS(a2, MP_EXIT_USAGE, NULL);
	ASSERT_EXITS(a3, MP_EXIT_ENV, "nosuch0");
}

/* Every size, the smallest included, carries the whole stamp (magic, tag,
 * sequence, time) with a UDP checksum that verifies. */
TEST(frame_checksums_and_incremental_update)
{
	static const unsigned sizes[] = { MP_FRAME_MIN, 61, 128 };
	static const uint8_t src[6] = { 2, 0, 0, 0, 0, 1 };

	ASSERT_EQ(MP_FRAME_HDRS + MP_FRAME_STAMP_LEN, MP_FRAME_MIN);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct mp_traffic t = { .frame_size = sizes[k], .src_port = 1, .dst_port = 2,
					.tag = 0xa5c3 };
		unsigned len = sizes[k];
		struct mp_frame_tmpl f;
		uint8_t b[128];

		inet_pton(AF_INET, "192.0.2.1", &t.src_ip);
		inet_pton(AF_INET, "192.0.2.2", &t.dst_ip);
		ASSERT_EQ(mp_frame_build(&f, &t, src), 0);
		for (uint64_t seq = 0; seq < 5000; seq += 37) {
			uint64_t ts = seq * 0x123456789ULL, got_ts = 0;
			uint8_t pseudo[12];
			uint32_t sum = 0;

			mp_frame_stamp(&f, b, seq * 0x10001, ts);
			/* Recompute the UDP checksum from scratch: it must verify. */
			memcpy(pseudo, b + 26, 8);
			pseudo[8] = 0;
			pseudo[9] = 17;
			pseudo[10] = 0;
			pseudo[11] = (uint8_t)(len - 34);
			for (int i = 0; i < 12; i += 2)
				sum += get16(pseudo + i);
			ASSERT_EQ(mp_frame_csum(b + 34, len - 34, sum), 0);
			ASSERT_EQ(mp_frame_csum(b + 14, 20, 0), 0);
			ASSERT_EQ(get16(b + MP_FRAME_TAG_OFF), 0xa5c3);
			ASSERT_EQ((uint32_t)get16(b + MP_FRAME_SEQ_OFF) << 16 |
				  get16(b + MP_FRAME_SEQ_OFF + 2), (uint32_t)(seq * 0x10001));
			for (int i = 0; i < 8; i++)
				got_ts = got_ts << 8 | b[MP_FRAME_TS_OFF + i];
			ASSERT_EQ(got_ts, ts);
		}
		mp_frame_free(&f);
	}
}

/* --- the pktgen driver against a recorder ------------------------------ */

struct recorder {
	char log[8192];
	size_t len;
	int refuse_ratep;
	int refuse_imix;          /* a kernel before imix_weights (5.10) */
	int busy;              /* add_device refused with EBUSY this many times */
	const char *final;     /* device file content after the run */
	int ran;
};

static int rec_write(void *ctx, const char *file, const char *cmd)
{
	struct recorder *r = ctx;

	if (!strncmp(cmd, "add_device", 10) && r->busy > 0) {
		r->busy--;      /* the thread has not removed the device yet */
		return -EBUSY;
	}
	r->len += (size_t)snprintf(r->log + r->len, sizeof(r->log) - r->len, "%s <- %s\n", file, cmd);
	if (!strcmp(file, "pgctrl")) {
		/* As the kernel's pgctrl_write: the last byte written is cut
		 * off (it expects a newline), then start, stop or reset. */
		char data[128];
		size_t n = strlen(cmd);

		if (n == 0 || n > sizeof(data))
			return -EINVAL;
		memcpy(data, cmd, n);
		data[n - 1] = '\0';
		if (!strcmp(data, "start"))
			r->ran = 1;
		else if (strcmp(data, "stop") && strcmp(data, "reset"))
			return -EINVAL;
	}
	return 0;
}

/* Replies as the kernel formats them: the device file's Result line says
 * OK with the last command, or ERROR for a refused one. */
static int rec_read(void *ctx, const char *file, char *buf, size_t len)
{
	struct recorder *r = ctx;
	const char *last = r->log, *p;

	if (r->ran && strcmp(file, "kpktgend_0"))
		return snprintf(buf, len, "%s", r->final);
	for (p = r->log; (p = strstr(p, "<- ")); p += 3)
		last = p + 3;
	if (!strcmp(file, "kpktgend_0"))
		return snprintf(buf, len, "Running: \nStopped: eth0 \nResult: OK: %.*s\n",
				(int)(strchr(last, '\n') - last), last);
	if (r->refuse_imix && !strncmp(last, "imix_weights", 12))
		return snprintf(buf, len, "Params: count 1000\n"
				"Result: No such parameter \"imix_weights\"\n");
	if (r->refuse_ratep && !strncmp(last, "ratep", 5))
		return snprintf(buf, len, "Params: count 1000  min_pkt_size: 60  max_pkt_size: 60\n"
				"Result: No such parameter \"ratep\"\n");
	return snprintf(buf, len,
			"Params: count 1000  min_pkt_size: 60  max_pkt_size: 60\n"
			"     frags: 0  delay: 100000  clone_skb: 0  ifname: eth0\n"
			"Current:\n     pkts-sofar: 250  errors: 2\n"
			"     started: 1732486000000000us  stopped: 0us idle: 0us\n"
			"Result: OK: %.*s\n", (int)(strchr(last, '\n') - last), last);
}

/* IMIX through pktgen: imix_weights after pkt_size (its largest size); a
 * kernel without it is a clear refusal naming the way out. */
TEST(pktgen_imix_weights_or_refusal)
{
	struct recorder rec = { .final = "" };
	struct mp_pktgen_io io = { rec_write, rec_read, &rec };
	struct mp_traffic t = { .dev = "eth0", .frame_size = 1514, .rate_pps = 10000,
				.src_port = 9, .dst_port = 10 };
	static const uint8_t src[6] = { 0, 0x16, 0x3e, 9, 9, 9 };
	char err[256];

	mp_imix_default(&t.imix);
	ASSERT_EQ(mp_pktgen_configure(&io, &t, src, err, sizeof(err)), 0);
	ASSERT_CONTAINS(rec.log, "eth0 <- pkt_size 1514\neth0 <- imix_weights 60,7 590,4 1514,1\n"
			"eth0 <- ratep 10000\n");
	memset(&rec, 0, sizeof(rec));
	rec.final = "";
	rec.refuse_imix = 1;
	ASSERT(mp_pktgen_configure(&io, &t, src, err, sizeof(err)) < 0);
	ASSERT_CONTAINS(err, "cannot send an IMIX mix");
	ASSERT_CONTAINS(err, "packet engine");
}

TEST(pktgen_command_sequence_and_results)
{
	struct recorder rec = { .final =
		"Params: count 1000  min_pkt_size: 60  max_pkt_size: 60\n"
		"Current:\n     pkts-sofar: 1000  errors: 0\n"
		"Result: OK: 100215(c100043+d172) usec, 1000 (60byte,0frags)\n"
		"  9978pps 4Mb/sec (4789440bps) errors: 0\n" };
	struct mp_pktgen_io io = { rec_write, rec_read, &rec };
	struct mp_traffic t = { .dev = "eth0", .frame_size = 60, .rate_pps = 10000,
				.duration_ns = 100000000ULL, .src_port = 9, .dst_port = 10,
				.dst_mac = { 0, 0x16, 0x3e, 1, 2, 3 } };
	static const uint8_t src[6] = { 0, 0x16, 0x3e, 9, 9, 9 };
	struct mp_pktgen_result res;
	uint64_t sofar, errs;
	char err[256];

	inet_pton(AF_INET, "10.201.0.1", &t.src_ip);
	inet_pton(AF_INET, "10.201.0.2", &t.dst_ip);
	ASSERT_EQ(mp_pktgen_configure(&io, &t, src, err, sizeof(err)), 0);
	ASSERT_STREQ(rec.log,
		     "kpktgend_0 <- rem_device_all\n"
		     "kpktgend_0 <- add_device eth0\n"
		     "eth0 <- count 1000\n"
		     "eth0 <- clone_skb 0\n"
		     "eth0 <- pkt_size 60\n"
		     "eth0 <- ratep 10000\n"
		     "eth0 <- dst_mac 00:16:3e:01:02:03\n"
		     "eth0 <- src_mac 00:16:3e:09:09:09\n"
		     "eth0 <- dst 10.201.0.2\n"
		     "eth0 <- src_min 10.201.0.1\n"
		     "eth0 <- src_max 10.201.0.1\n"
		     "eth0 <- udp_src_min 9\n"
		     "eth0 <- udp_src_max 9\n"
		     "eth0 <- udp_dst_min 10\n"
		     "eth0 <- udp_dst_max 10\n");
	ASSERT_EQ(mp_pktgen_progress(&io, "eth0", &sofar, &errs), 0);
	ASSERT_EQ(sofar, 250);
	ASSERT_EQ(errs, 2);
	ASSERT_EQ(mp_pktgen_run(&io), 0);
	ASSERT(rec.ran);
	ASSERT_EQ(mp_pktgen_stop(&io), 0);
	{
		char buf[MP_PKTGEN_READ_MAX];

		ASSERT(io.read(io.ctx, "eth0", buf, sizeof(buf)) > 0);
		ASSERT_EQ(mp_pktgen_parse_result(buf, &res), 0);
	}
	ASSERT_EQ(res.usec, 100215);
	ASSERT_EQ(res.packets, 1000);
	ASSERT_EQ(res.size, 60);
	ASSERT_EQ(res.pps, 9978);
	ASSERT_EQ(res.mbps, 4);
	ASSERT_EQ(res.errors, 0);

	/* A refused command stops the sequence with the kernel's words. */
	memset(rec.log, 0, sizeof(rec.log));
	rec.len = 0;
	rec.ran = 0;
	rec.refuse_ratep = 1;
	ASSERT_EQ(mp_pktgen_configure(&io, &t, src, err, sizeof(err)), -EINVAL);
	ASSERT_CONTAINS(err, "pktgen refused \"ratep 10000\" on eth0: Result: No such parameter");
	/* "max": delay 0 instead of ratep. */
	memset(rec.log, 0, sizeof(rec.log));
	rec.len = 0;
	rec.refuse_ratep = 0;
	t.rate_pps = 0;
	t.count = 5000;
	ASSERT_EQ(mp_pktgen_configure(&io, &t, src, err, sizeof(err)), 0);
	ASSERT_CONTAINS(rec.log, "eth0 <- count 5000\n");
	ASSERT_CONTAINS(rec.log, "eth0 <- pkt_size 60\neth0 <- delay 0\n");
	/* The pktgen thread slow to remove the device: add_device is tried
	 * again until it is accepted, then the sequence goes on. */
	memset(rec.log, 0, sizeof(rec.log));
	rec.len = 0;
	rec.busy = 2;
	ASSERT_EQ(mp_pktgen_configure(&io, &t, src, err, sizeof(err)), 0);
	ASSERT_EQ(rec.busy, 0);
	ASSERT_CONTAINS(rec.log, "kpktgend_0 <- add_device eth0\neth0 <- count 5000\n");
}

TEST(pktgen_result_samples)
{
	struct mp_pktgen_result r;

	/* Samples in the formats of Documentation/networking/pktgen.rst. */
	ASSERT_EQ(mp_pktgen_parse_result(
		"Result: OK: 13101142(c12220741+d880401) usec, 10000000 (60byte,0frags)\n"
		"  763292pps 366Mb/sec (366380160bps) errors: 39664\n", &r), 0);
	ASSERT_EQ(r.packets, 10000000);
	ASSERT_EQ(r.pps, 763292);
	ASSERT_EQ(r.mbps, 366);
	ASSERT_EQ(r.errors, 39664);
	ASSERT_EQ(mp_pktgen_parse_result(
		"Params: count 100000  min_pkt_size: 1514  max_pkt_size: 1514\n"
		"Result: OK: 1214887(c1214696+d191) usec, 100000 (1514byte,0frags)\n"
		"  82312pps 996Mb/sec (996951424bps) errors: 0\n", &r), 0);
	ASSERT_EQ(r.size, 1514);
	ASSERT_EQ(r.mbps, 996);
	ASSERT_EQ(mp_pktgen_parse_result("Result: Idle\n", &r), -EINVAL);
	ASSERT_EQ(mp_pktgen_parse_result("Result: OK: 12(c1+d1) usec, 5 (60byte,0frags)\n", &r),
		  -EINVAL);
	ASSERT_EQ(mp_pktgen_parse_result("", &r), -EINVAL);
}
