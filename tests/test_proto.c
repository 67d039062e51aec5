/* The control-channel codec (src/common/proto_*.c): round trips of every
 * message, malformed input mapped to exact error codes, line framing. */
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "common/proto.h"
#include "common/proto_framer.h"

#define BUF (MP_PROTO_LINE_MAX + 2)

static struct mp_traffic sample_traffic(void)
{
	struct mp_traffic t;

	memset(&t, 0, sizeof(t));
	snprintf(t.dev, sizeof(t.dev), "eth0");
	t.frame_size = 60;
	t.rate_pps = 12345;
	t.duration_ns = 10000000000ULL;
	t.count = 0;
	mp_mac_parse("02:00:00:00:00:01", t.src_mac);
	mp_mac_parse("02:00:00:00:00:02", t.dst_mac);
	inet_pton(AF_INET, "10.0.0.1", &t.src_ip);
	inet_pton(AF_INET, "10.0.0.2", &t.dst_ip);
	t.src_port = 9;
	t.dst_port = 4321;
	return t;
}

static struct mp_tcp_spec sample_tcp(void)
{
	struct mp_tcp_spec s;

	memset(&s, 0, sizeof(s));
	s.streams = 4;
	s.duration_s = 10;
	s.reverse = 1;
	inet_pton(AF_INET, "10.202.0.1", &s.src_ip);
	inet_pton(AF_INET, "10.202.0.2", &s.dst_ip);
	s.port = 5201;
	s.offloads = MP_TCP_OFFLOADS_OFF;
	s.checksum = MP_TCP_OFFLOADS_ON;
	s.timeout_ns = 25000000000ULL;
	return s;
}

static void roundtrip_request(const struct mp_proto_request *in)
{
	char buf[BUF];
	struct mp_proto_request out;
	struct mp_proto_reply err;
	int n = mp_proto_encode_request(in, buf, sizeof(buf));

	ASSERT_MSG(n > 0, "encoding %s failed: %d", mp_proto_op_name(in->op), n);
	ASSERT_EQ(buf[n - 1], '\n');
	ASSERT_EQ(strlen(buf), n);
	ASSERT_MSG(mp_proto_decode_request(buf, (size_t)n - 1, &out, &err) == 0,
		   "decoding %s failed: %s", buf, err.msg);
	ASSERT_EQ(out.id, in->id);
	ASSERT_EQ(out.op, in->op);
	ASSERT_MSG(memcmp(&out.u, &in->u, sizeof(in->u)) == 0, "%s did not round-trip", buf);
}

TEST(proto_request_roundtrip_every_op)
{
	struct mp_proto_request r;

	for (int op = 0; op < MP_PROTO_OP_COUNT; op++) {
		memset(&r, 0, sizeof(r));
		r.id = 1000 + (uint64_t)op;
		r.op = (enum mp_proto_op)op;
		if (op == MP_PROTO_AUTH) {
			for (int i = 0; i < MP_PROTO_NONCE_LEN; i++) {
				r.u.auth.nonce[i] = (uint8_t)(i * 7);
				r.u.auth.proof[i] = (uint8_t)(255 - i);
			}
		}
		if (op == MP_PROTO_CONFIGURE)
			r.u.traffic = sample_traffic();
		if (op == MP_PROTO_RX || op == MP_PROTO_RX_SERIES)
			r.u.from = 0;        /* absent on the wire */
		if (op == MP_PROTO_TCP_START)
			r.u.tcp = sample_tcp();
		roundtrip_request(&r);
		if (op == MP_PROTO_RX || op == MP_PROTO_RX_SERIES) {
			r.u.from = op == MP_PROTO_RX ? MP_HIST_BUCKETS - 1 : MP_PROTO_INT_MAX;
			roundtrip_request(&r);
		}
	}
	/* the receiver's measure window */
	memset(&r, 0, sizeof(r));
	r.op = MP_PROTO_CONFIGURE;
	r.u.traffic = sample_traffic();
	r.u.traffic.measure_from_ns = 1000000000ULL;
	r.u.traffic.measure_for_ns = MP_PROTO_INT_MAX;
	roundtrip_request(&r);
	/* an IMIX mix, its largest size as "size" */
	mp_imix_default(&r.u.traffic.imix);
	r.u.traffic.frame_size = 1514;
	roundtrip_request(&r);
	/* the engine the plan asks for */
	snprintf(r.u.traffic.engine, sizeof(r.u.traffic.engine), "pktgen");
	roundtrip_request(&r);
	/* configure variants: "max" rate, count instead of duration, no src MAC,
	 * largest values */
	memset(&r, 0, sizeof(r));
	r.op = MP_PROTO_CONFIGURE;
	r.id = MP_PROTO_INT_MAX;
	r.u.traffic = sample_traffic();
	r.u.traffic.rate_pps = 0;
	r.u.traffic.duration_ns = 0;
	r.u.traffic.count = MP_PROTO_INT_MAX;
	memset(r.u.traffic.src_mac, 0, MP_MAC_LEN);
	r.u.traffic.frame_size = MP_FRAME_MAX;
	r.u.traffic.src_port = r.u.traffic.dst_port = 65535;
	snprintf(r.u.traffic.dev, sizeof(r.u.traffic.dev), "abcdefghijklmno");
	roundtrip_request(&r);
}

TEST(proto_request_encode_refuses_unrepresentable)
{
	struct mp_proto_request r = { .op = MP_PROTO_CONFIGURE };
	char buf[BUF];

	r.u.traffic = sample_traffic();
	r.id = MP_PROTO_INT_MAX + 1;
	ASSERT_EQ(mp_proto_encode_request(&r, buf, sizeof(buf)), -EINVAL);
	r.id = 1;
	r.u.traffic.frame_size = 59;
	ASSERT_EQ(mp_proto_encode_request(&r, buf, sizeof(buf)), -EINVAL);
	r.u.traffic = sample_traffic();
	r.u.traffic.dst_port = 0;
	ASSERT_EQ(mp_proto_encode_request(&r, buf, sizeof(buf)), -EINVAL);
	r.u.traffic = sample_traffic();
	r.u.traffic.dev[0] = '\0';
	ASSERT_EQ(mp_proto_encode_request(&r, buf, sizeof(buf)), -EINVAL);
	r.u.traffic = sample_traffic();
	ASSERT_EQ(mp_proto_encode_request(&r, buf, 20), -EMSGSIZE);
}

static void roundtrip_reply(const struct mp_proto_reply *in)
{
	char buf[BUF], err[MP_PROTO_MSG_MAX];
	struct mp_proto_reply out;
	int n = mp_proto_encode_reply(in, buf, sizeof(buf));

	ASSERT_MSG(n > 0, "encoding a %s reply failed: %d", mp_proto_op_name(in->op), n);
	ASSERT_MSG(mp_proto_decode_reply(buf, (size_t)n - 1, &out, err, sizeof(err)) == 0,
		   "decoding %s failed: %s", buf, err);
	ASSERT_MSG(memcmp(&out, in, sizeof(out)) == 0, "%s did not round-trip", buf);
}

TEST(proto_reply_roundtrip_every_op_and_code)
{
	struct mp_proto_request req = { .id = 7 };
	struct mp_proto_reply rep;

	for (int op = 0; op < MP_PROTO_OP_COUNT; op++) {
		req.op = (enum mp_proto_op)op;
		mp_proto_reply_ok(&rep, &req);
		switch (op) {
		case MP_PROTO_HELLO:
			rep.u.hello.version = MP_PROTO_VERSION;
			snprintf(rep.u.hello.agent, sizeof(rep.u.hello.agent), "v1.2-3-gabcdef");
			snprintf(rep.u.hello.engine, sizeof(rep.u.hello.engine), "packet");
			snprintf(rep.u.hello.dev, sizeof(rep.u.hello.dev), "eth0");
			snprintf(rep.u.hello.rx_dev, sizeof(rep.u.hello.rx_dev), "eth2");
			snprintf(rep.u.hello.rx_netns, sizeof(rep.u.hello.rx_netns), "mir-perf-rx");
			rep.u.hello.max_pps = 2000000;
			for (int i = 0; i < MP_PROTO_NONCE_LEN; i++)
				rep.u.hello.nonce[i] = (uint8_t)(i * 13 + 1);
			break;
		case MP_PROTO_AUTH:
			for (int i = 0; i < MP_PROTO_PROOF_LEN; i++)
				rep.u.auth.proof[i] = (uint8_t)(i ^ 0xa5);
			break;
		case MP_PROTO_STOP:
		case MP_PROTO_STATS:
			rep.u.stats.running = op == MP_PROTO_STATS;
			rep.u.stats.c.packets = 1000;
			rep.u.stats.c.bytes = 60000;
			rep.u.stats.c.errors = 3;
			rep.u.stats.c.first_tx_ns = 123456789;
			rep.u.stats.c.last_tx_ns = MP_PROTO_INT_MAX;
			break;
		case MP_PROTO_RX: {
			uint64_t *f = &rep.u.rx.c.frames;

			/* A full page of the largest values fits one line. */
			for (size_t i = 0; i < offsetof(struct mp_rx_counters, nsizes) / sizeof(uint64_t);
			     i++)
				f[i] = MP_PROTO_INT_MAX - i;
			rep.u.rx.c.nsizes = MP_RX_SIZES;
			for (unsigned i = 0; i < MP_RX_SIZES; i++) {
				rep.u.rx.c.size[i] = MP_FRAME_MAX - i;
				rep.u.rx.c.size_frames[i] = MP_PROTO_INT_MAX - i;
			}
			rep.u.rx.n = MP_PROTO_RX_BUCKETS;
			for (unsigned i = 0; i < MP_PROTO_RX_BUCKETS; i++) {
				rep.u.rx.idx[i] = MP_HIST_BUCKETS - MP_PROTO_RX_BUCKETS + i;
				rep.u.rx.count[i] = MP_PROTO_INT_MAX;
			}
			rep.u.rx.next = MP_HIST_BUCKETS - 1;
			break;
		}
		case MP_PROTO_TCP_STATUS:
		case MP_PROTO_TCP_STOP:
			/* every value at its largest fits one line */
			rep.u.tcp.state = op == MP_PROTO_TCP_STOP ? MP_TCP_FAILED : MP_TCP_DONE;
			rep.u.tcp.elapsed_ns = rep.u.tcp.sender_bps = rep.u.tcp.receiver_bps =
				rep.u.tcp.sent_bytes = rep.u.tcp.received_bytes =
				rep.u.tcp.retransmits = rep.u.tcp.seconds_ns =
				rep.u.tcp.sender_cpu_permille = rep.u.tcp.receiver_cpu_permille =
				rep.u.tcp.csum_errors = MP_PROTO_INT_MAX;
			memset(rep.u.tcp.reason, 'r', sizeof(rep.u.tcp.reason) - 1);
			memset(rep.u.tcp.dev_offloads, 'd', sizeof(rep.u.tcp.dev_offloads) - 1);
			memset(rep.u.tcp.rx_offloads, 'x', sizeof(rep.u.tcp.rx_offloads) - 1);
			break;
		case MP_PROTO_RX_SERIES:
			rep.u.series.n = MP_PROTO_RX_SAMPLES;
			for (unsigned i = 0; i < MP_PROTO_RX_SAMPLES; i++) {
				struct mp_rx_sample *x = &rep.u.series.s[i];

				x->k = x->frames = x->p50_ns = x->p99_ns = MP_PROTO_INT_MAX;
			}
			rep.u.series.total = rep.u.series.next = MP_PROTO_INT_MAX;
			break;
		}
		roundtrip_reply(&rep);
	}
	for (int code = MP_PROTO_EPROTO; code < MP_PROTO_CODE_COUNT; code++) {
		req.op = MP_PROTO_START;
		mp_proto_reply_error(&rep, &req, (enum mp_proto_code)code, "code %s, what to do",
				     mp_proto_code_name((enum mp_proto_code)code));
		roundtrip_reply(&rep);
		mp_proto_reply_error(&rep, NULL, (enum mp_proto_code)code, "no id");
		roundtrip_reply(&rep);
	}
}

TEST(proto_reply_msg_is_sanitised)
{
	struct mp_proto_reply rep, out;
	char buf[BUF], err[MP_PROTO_MSG_MAX];
	int n;

	mp_proto_reply_error(&rep, NULL, MP_PROTO_EINVAL, "bad\nline\xff\x01 end");
	n = mp_proto_encode_reply(&rep, buf, sizeof(buf));
	ASSERT(n > 0);
	ASSERT_EQ(memchr(buf, '\n', (size_t)n - 1) == NULL, 1);
	ASSERT_EQ(mp_proto_decode_reply(buf, (size_t)n - 1, &out, err, sizeof(err)), 0);
	ASSERT_STREQ(out.msg, "bad?line?? end");
}

struct bad_case {
	const char *line;
	enum mp_proto_code code;
	const char *why;          /* what the message must mention */
};

#define CFG_HEAD "{\"v\":1,\"id\":5,\"op\":\"configure\","
#define CFG_GOOD_TAIL "\"dst_mac\":\"02:00:00:00:00:02\",\"src_ip\":\"10.0.0.1\"," \
		      "\"dst_ip\":\"10.0.0.2\",\"src_port\":9,\"dst_port\":9}"

static const struct bad_case bad_requests[] = {
	{ "hello", MP_PROTO_EPROTO, "not JSON" },
	{ "", MP_PROTO_EPROTO, "not JSON" },
	{ "{\"v\":1,\"id\":1,\"op\":\"hello\"", MP_PROTO_EPROTO, "not JSON" },
	{ "[1,2,3]", MP_PROTO_EPROTO, "not a JSON object" },
	{ "{\"v\":1,\"op\":\"hello\"}", MP_PROTO_EPROTO, "\"id\"" },
	{ "{\"v\":1,\"id\":-1,\"op\":\"hello\"}", MP_PROTO_EPROTO, "\"id\"" },
	{ "{\"v\":1,\"id\":\"1\",\"op\":\"hello\"}", MP_PROTO_EPROTO, "\"id\"" },
	{ "{\"v\":1,\"id\":1.5,\"op\":\"hello\"}", MP_PROTO_EPROTO, "\"id\"" },
	{ "{\"v\":1,\"id\":9007199254740992,\"op\":\"hello\"}", MP_PROTO_EPROTO, "\"id\"" },
	{ "{\"v\":1,\"id\":1}", MP_PROTO_EPROTO, "\"op\"" },
	{ "{\"v\":1,\"id\":1,\"op\":7}", MP_PROTO_EPROTO, "\"op\"" },
	{ "{\"v\":1,\"id\":1,\"op\":\"reboot\"}", MP_PROTO_EPROTO, "unknown op" },
	{ "{\"id\":1,\"op\":\"hello\"}", MP_PROTO_EPROTO, "\"v\"" },
	{ "{\"v\":\"1\",\"id\":1,\"op\":\"hello\"}", MP_PROTO_EPROTO, "\"v\"" },
	{ "{\"v\":2,\"id\":1,\"op\":\"hello\"}", MP_PROTO_EVERSION, "version 2" },
	{ "{\"v\":1,\"id\":1,\"id\":2,\"op\":\"hello\"}", MP_PROTO_EPROTO, "duplicate" },
	{ "{\"v\":1,\"id\":1,\"op\":\"hello\",\"x\":1}", MP_PROTO_EINVAL, "unknown field \"x\"" },
	{ "{\"v\":1,\"id\":1,\"op\":\"start\",\"junk\":{\"a\":[1,{\"b\":null}]}}",
	  MP_PROTO_EINVAL, "unknown field \"junk\"" },
	{ "{\"v\":1,\"id\":1,\"op\":\"auth\",\"nonce\":\"00\",\"proof\":\"00\"}",
	  MP_PROTO_EINVAL, "hex digits" },
	{ "{\"v\":1,\"id\":1,\"op\":\"auth\",\"nonce\":1}", MP_PROTO_EINVAL, "\"nonce\"" },
	/* rx, rx_series: "from" an index */
	{ "{\"v\":1,\"id\":1,\"op\":\"rx\",\"from\":25600}", MP_PROTO_EINVAL, "\"from\"" },
	{ "{\"v\":1,\"id\":1,\"op\":\"rx_series\",\"from\":\"0\"}", MP_PROTO_EINVAL, "\"from\"" },
	{ "{\"v\":1,\"id\":1,\"op\":\"stats\",\"from\":1}", MP_PROTO_EINVAL, "unknown field" },
	/* configure */
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"measure_for\":\"1\"," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "\"measure_for\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"imix\":\"60:7,590:4\"," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "\"imix\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"engine\":\"dpdk\"," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "\"engine\" is \"dpdk\"; expected auto, packet or pktgen" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"engine\":7," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "\"engine\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":590,\"rate\":1000,\"imix\":\"60:0,590:4\"," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "\"imix\"" },
	{ CFG_HEAD "\"size\":60,\"rate\":1000," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "missing field \"dev\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":59,\"rate\":1000," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "\"size\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":9001,\"rate\":1000," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "\"size\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":\"60\",\"rate\":1000," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "\"size\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":-5," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "\"rate\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":0," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "\"rate\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":\"fast\"," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "\"rate\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1e3," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "\"rate\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"duration\":\"10\"," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "needs a unit" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"duration\":-1," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "\"duration\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"count\":true," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "\"count\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"src_mac\":\"02:00:00:00:00\","
	  CFG_GOOD_TAIL, MP_PROTO_EINVAL, "MAC" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"dst_mac\":\"zz:00:00:00:00:02\","
	  "\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"src_port\":9,\"dst_port\":9}",
	  MP_PROTO_EINVAL, "MAC" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"dst_mac\":\"02:00:00:00:00:02\","
	  "\"src_ip\":\"10.0.0.256\",\"dst_ip\":\"10.0.0.2\",\"src_port\":9,\"dst_port\":9}",
	  MP_PROTO_EINVAL, "IPv4" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"dst_mac\":\"02:00:00:00:00:02\","
	  "\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"fe80::1\",\"src_port\":9,\"dst_port\":9}",
	  MP_PROTO_EINVAL, "IPv4" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"dst_mac\":\"02:00:00:00:00:02\","
	  "\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"src_port\":0,\"dst_port\":9}",
	  MP_PROTO_EINVAL, "\"src_port\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"dst_mac\":\"02:00:00:00:00:02\","
	  "\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"src_port\":9,\"dst_port\":65536}",
	  MP_PROTO_EINVAL, "\"dst_port\"" },
	{ CFG_HEAD "\"dev\":\"../etc\",\"size\":60,\"rate\":1000," CFG_GOOD_TAIL, MP_PROTO_EINVAL, "interface name" },
	{ CFG_HEAD "\"dev\":\"abcdefghijklmnop\",\"size\":60,\"rate\":1000," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "interface name" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"vlan\":5," CFG_GOOD_TAIL,
	  MP_PROTO_EINVAL, "unknown field \"vlan\"" },
	{ CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1000,\"dst_mac\":\"02:00:00:00:00:02\"}",
	  MP_PROTO_EINVAL, "missing field \"src_ip\"" },
#define TCP_HEAD "{\"v\":1,\"id\":1,\"op\":\"tcp_start\","
#define TCP_IPS "\"src_ip\":\"10.202.0.1\",\"dst_ip\":\"10.202.0.2\""
	{ TCP_HEAD "\"duration\":10," TCP_IPS ",\"timeout\":20000000000}", MP_PROTO_EINVAL,
	  "missing field \"streams\"" },
	{ TCP_HEAD "\"streams\":0,\"duration\":10," TCP_IPS ",\"timeout\":20000000000}",
	  MP_PROTO_EINVAL, "\"streams\" must be an integer from 1 to 64" },
	{ TCP_HEAD "\"streams\":1,\"duration\":0," TCP_IPS ",\"timeout\":20000000000}",
	  MP_PROTO_EINVAL, "\"duration\"" },
	{ TCP_HEAD "\"streams\":1,\"duration\":10," TCP_IPS ",\"timeout\":10000000000}",
	  MP_PROTO_EINVAL, "longer than the duration" },
	{ TCP_HEAD "\"streams\":1,\"duration\":10," TCP_IPS ",\"timeout\":20000000000,"
	  "\"offloads\":\"maybe\"}", MP_PROTO_EINVAL, "\"offloads\"" },
	{ TCP_HEAD "\"streams\":1,\"duration\":10," TCP_IPS ",\"timeout\":20000000000,"
	  "\"checksum\":true}", MP_PROTO_EINVAL,
	  "\"checksum\" must be \"keep\", \"on\" or \"off\"" },
	{ TCP_HEAD "\"streams\":1,\"duration\":10,\"src_ip\":\"10.202.0.1\",\"dst_ip\":"
	  "\"10.202.0.1\",\"timeout\":20000000000}", MP_PROTO_EINVAL, "same address" },
	{ TCP_HEAD "\"streams\":1,\"duration\":10," TCP_IPS ",\"timeout\":20000000000,"
	  "\"reverse\":1}", MP_PROTO_EINVAL, "\"reverse\"" },
	{ TCP_HEAD "\"streams\":1,\"duration\":10," TCP_IPS ",\"timeout\":20000000000,"
	  "\"bitrate\":1}", MP_PROTO_EINVAL, "unknown field \"bitrate\"" },
};

TEST(proto_malformed_requests_give_exact_codes)
{
	struct mp_proto_request req;
	struct mp_proto_reply err;
	size_t n = sizeof(bad_requests) / sizeof(bad_requests[0]);

	ASSERT(n >= 20);
	for (size_t i = 0; i < n; i++) {
		const struct bad_case *b = &bad_requests[i];
		int rc = mp_proto_decode_request(b->line, strlen(b->line), &req, &err);

		ASSERT_MSG(rc < 0, "accepted: %s", b->line);
		ASSERT_MSG(err.code == b->code, "%s: got %s (%s), want %s", b->line,
			   mp_proto_code_name(err.code), err.msg, mp_proto_code_name(b->code));
		ASSERT_MSG(strstr(err.msg, b->why), "%s: message \"%s\" does not mention %s",
			   b->line, err.msg, b->why);
		ASSERT_EQ(rc, b->code == MP_PROTO_EVERSION ? -EPROTONOSUPPORT
			  : b->code == MP_PROTO_EPROTO ? -EPROTO : -EINVAL);
	}
	/* the id is echoed once it could be read, the op once known */
	ASSERT_EQ(mp_proto_decode_request(bad_requests[16].line, strlen(bad_requests[16].line),
					  &req, &err), -EINVAL);
	ASSERT(err.has_id && err.id == 1 && err.has_op && err.op == MP_PROTO_HELLO);
	mp_proto_decode_request("nope", 4, &req, &err);
	ASSERT(!err.has_id && !err.has_op);
}

TEST(proto_nul_and_oversized)
{
	static const char withnul[] = "{\"v\":1,\"id\":1,\"op\":\"hel\0lo\"}";
	struct mp_proto_request req;
	struct mp_proto_reply err;
	char *big = malloc(MP_PROTO_LINE_MAX + 100);
	size_t n;

	ASSERT_EQ(mp_proto_decode_request(withnul, sizeof(withnul) - 1, &req, &err), -EPROTO);
	ASSERT_EQ(err.code, MP_PROTO_EPROTO);
	ASSERT_CONTAINS(err.msg, "NUL");
	/* an escaped NUL inside a string is refused by the JSON parser too */
	n = strlen("{\"v\":1,\"id\":1,\"op\":\"hel\\u0000lo\"}");
	ASSERT_EQ(mp_proto_decode_request("{\"v\":1,\"id\":1,\"op\":\"hel\\u0000lo\"}", n, &req, &err),
		  -EPROTO);

	/* exactly the limit is fine; one byte more is ETOOBIG */
	ASSERT(big);
	n = (size_t)snprintf(big, MP_PROTO_LINE_MAX + 100, "{\"v\":1,\"id\":1,\"op\":\"stats\"}");
	memset(big + n, ' ', MP_PROTO_LINE_MAX - n);
	ASSERT_EQ(mp_proto_decode_request(big, MP_PROTO_LINE_MAX, &req, &err), 0);
	big[MP_PROTO_LINE_MAX] = ' ';
	ASSERT_EQ(mp_proto_decode_request(big, MP_PROTO_LINE_MAX + 1, &req, &err), -EMSGSIZE);
	ASSERT_EQ(err.code, MP_PROTO_ETOOBIG);
	free(big);
}

TEST(proto_accepts_documented_forms)
{
	struct mp_proto_request req;
	struct mp_proto_reply err;
	const char *l = CFG_HEAD "\"dev\":\"eth0\",\"size\":1514,\"rate\":\"max\",\"duration\":\"1.5s\","
			"\"count\":100," CFG_GOOD_TAIL "\r";

	ASSERT_MSG(mp_proto_decode_request(l, strlen(l), &req, &err) == 0, "%s", err.msg);
	ASSERT_EQ(req.u.traffic.rate_pps, 0);
	ASSERT_EQ(req.u.traffic.duration_ns, 1500000000ULL);
	ASSERT_EQ(req.u.traffic.count, 100);
	ASSERT_EQ(req.u.traffic.frame_size, 1514);
	ASSERT_EQ(req.u.traffic.src_port, 9);
	l = CFG_HEAD "\"dev\":\"eth0\",\"size\":60,\"rate\":1,\"duration\":2000," CFG_GOOD_TAIL;
	ASSERT_MSG(mp_proto_decode_request(l, strlen(l), &req, &err) == 0, "%s", err.msg);
	ASSERT_EQ(req.u.traffic.duration_ns, 2000);
	/* key order does not matter; whitespace is fine */
	l = " { \"op\" : \"keepalive\" , \"id\" : 0 , \"v\" : 1 } ";
	ASSERT_EQ(mp_proto_decode_request(l, strlen(l), &req, &err), 0);
	ASSERT_EQ(req.op, MP_PROTO_KEEPALIVE);
}

#define RX_COUNTERS ",\"frames\":1,\"lost\":0,\"reordered\":0,\"duplicated\":0," \
	"\"earlier\":0,\"outside\":0,\"other\":0,\"ring_drops\":0,\"lat_min_ns\":1," \
	"\"lat_max_ns\":1,\"lat_sum_ns\":1,\"jitter_ns\":0"

TEST(proto_malformed_replies)
{
	static const char *const bad[] = {
		"{}",
		"not json",
		"{\"v\":2,\"id\":1,\"op\":\"stats\",\"ok\":true}",
		"{\"v\":1,\"op\":\"start\",\"ok\":true}",
		"{\"v\":1,\"id\":1,\"ok\":true}",
		"{\"v\":1,\"id\":1,\"op\":\"start\",\"ok\":1}",
		"{\"v\":1,\"id\":1,\"op\":\"start\",\"ok\":false,\"msg\":\"x\"}",
		"{\"v\":1,\"id\":1,\"op\":\"start\",\"ok\":false,\"code\":\"EWHAT\",\"msg\":\"x\"}",
		"{\"v\":1,\"id\":1,\"op\":\"start\",\"ok\":false,\"code\":\"EINVAL\"}",
		"{\"v\":1,\"id\":1,\"op\":\"stats\",\"ok\":true,\"running\":true,\"packets\":1}",
		"{\"v\":1,\"id\":1,\"op\":\"hello\",\"ok\":true,\"version\":1,\"agent\":\"a\","
		"\"engine\":\"e\",\"dev\":\"d\",\"max_pps\":1,\"nonce\":\"abc\"}",
		"{\"v\":1,\"id\":1,\"op\":\"auth\",\"ok\":true,\"proof\":7}",
		/* rx: indices not increasing, out of range, a pair of three, next too big */
		"{\"v\":1,\"id\":1,\"op\":\"rx\",\"ok\":true" RX_COUNTERS ",\"next\":0,"
		"\"buckets\":[[5,1],[5,2]]}",
		"{\"v\":1,\"id\":1,\"op\":\"rx\",\"ok\":true" RX_COUNTERS ",\"next\":0,"
		"\"buckets\":[[25600,1]]}",
		"{\"v\":1,\"id\":1,\"op\":\"rx\",\"ok\":true" RX_COUNTERS ",\"next\":0,"
		"\"buckets\":[[1,2,3]]}",
		"{\"v\":1,\"id\":1,\"op\":\"rx\",\"ok\":true" RX_COUNTERS ",\"next\":25600,"
		"\"buckets\":[]}",
		"{\"v\":1,\"id\":1,\"op\":\"rx\",\"ok\":true,\"next\":0,\"buckets\":[]}",
		/* rx: a frame length twice, a pair of one */
		"{\"v\":1,\"id\":1,\"op\":\"rx\",\"ok\":true" RX_COUNTERS ",\"next\":0,"
		"\"buckets\":[],\"sizes\":[[60,1],[60,2]]}",
		"{\"v\":1,\"id\":1,\"op\":\"rx\",\"ok\":true" RX_COUNTERS ",\"next\":0,"
		"\"buckets\":[],\"sizes\":[[60]]}",
		"{\"v\":1,\"id\":1,\"op\":\"rx_series\",\"ok\":true,\"total\":1,\"next\":0,"
		"\"samples\":[[1,2,3]]}",
		"{\"v\":1,\"id\":1,\"op\":\"rx_series\",\"ok\":true,\"total\":1,\"next\":0,"
		"\"samples\":[[1,2,3,-4]]}",
	};
	struct mp_proto_reply rep;
	char err[MP_PROTO_MSG_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_MSG(mp_proto_decode_reply(bad[i], strlen(bad[i]), &rep, err, sizeof(err)) < 0,
			   "accepted: %s", bad[i]);
		ASSERT_MSG(err[0], "no description for %s", bad[i]);
	}
	/* unknown fields in replies are ignored */
	ASSERT_EQ(mp_proto_decode_reply("{\"v\":1,\"id\":3,\"op\":\"start\",\"ok\":true,\"note\":[1]}",
					strlen("{\"v\":1,\"id\":3,\"op\":\"start\",\"ok\":true,\"note\":[1]}"),
					&rep, err, sizeof(err)), 0);
	ASSERT_EQ(rep.id, 3);
}

/* csum_errors came after the first agents of version 1: a tcp_status reply
 * without it reads 0; with it, it must be a count. */
TEST(proto_tcp_reply_csum_errors_optional)
{
#define TCP_REPLY "{\"v\":1,\"id\":4,\"op\":\"tcp_status\",\"ok\":true,\"state\":\"failed\"," \
	"\"reason\":\"r\",\"elapsed_ns\":1,\"sender_bps\":0,\"receiver_bps\":0," \
	"\"sent_bytes\":0,\"received_bytes\":0,\"retransmits\":0,\"seconds_ns\":0," \
	"\"sender_cpu_permille\":0,\"receiver_cpu_permille\":0,\"dev_offloads\":\"\"," \
	"\"rx_offloads\":\"\""
	static const char old[] = TCP_REPLY "}";
	static const char now[] = TCP_REPLY ",\"csum_errors\":3}";
	static const char bad[] = TCP_REPLY ",\"csum_errors\":-3}";
#undef TCP_REPLY
	struct mp_proto_reply rep;
	char err[MP_PROTO_MSG_MAX];

	ASSERT_MSG(mp_proto_decode_reply(old, strlen(old), &rep, err, sizeof(err)) == 0, "%s", err);
	ASSERT_EQ(rep.u.tcp.state, MP_TCP_FAILED);
	ASSERT_EQ(rep.u.tcp.csum_errors, 0);
	ASSERT_MSG(mp_proto_decode_reply(now, strlen(now), &rep, err, sizeof(err)) == 0, "%s", err);
	ASSERT_EQ(rep.u.tcp.csum_errors, 3);
	ASSERT(mp_proto_decode_reply(bad, strlen(bad), &rep, err, sizeof(err)) < 0);
	ASSERT_CONTAINS(err, "csum_errors");
}

struct lines {
	int n;
	char got[8][64];
	int stop_after;
};

static int collect(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;

	if (l->n < 8)
		snprintf(l->got[l->n], sizeof(l->got[0]), "%.*s", (int)len, line);
	l->n++;
	return l->stop_after && l->n >= l->stop_after;
}

TEST(proto_framer_splits_and_limits)
{
	struct mp_proto_framer *f = malloc(sizeof(*f));
	struct lines l = { 0 };
	char *big = malloc(MP_PROTO_LINE_MAX + 2);

	ASSERT(f && big);
	mp_proto_framer_init(f);
	ASSERT_EQ(mp_proto_framer_feed(f, "ab", 2, collect, &l), 0);
	ASSERT_EQ(l.n, 0);
	ASSERT_EQ(mp_proto_framer_feed(f, "c\nde\n\nf", 7, collect, &l), 0);
	ASSERT_EQ(l.n, 3);
	ASSERT_STREQ(l.got[0], "abc");
	ASSERT_STREQ(l.got[1], "de");
	ASSERT_STREQ(l.got[2], "");
	ASSERT_EQ(mp_proto_framer_feed(f, "g\n", 2, collect, &l), 0);
	ASSERT_STREQ(l.got[3], "fg");
	/* a callback may stop the feed */
	l.n = 0;
	l.stop_after = 1;
	ASSERT_EQ(mp_proto_framer_feed(f, "x\ny\n", 4, collect, &l), 1);
	ASSERT_EQ(l.n, 1);
	/* a line of exactly the limit passes, one byte more is -EMSGSIZE for good */
	l.n = 0;
	l.stop_after = 0;
	mp_proto_framer_init(f);
	memset(big, 'a', MP_PROTO_LINE_MAX);
	big[MP_PROTO_LINE_MAX] = '\n';
	ASSERT_EQ(mp_proto_framer_feed(f, big, MP_PROTO_LINE_MAX + 1, collect, &l), 0);
	ASSERT_EQ(l.n, 1);
	ASSERT_EQ(mp_proto_framer_feed(f, big, MP_PROTO_LINE_MAX, collect, &l), 0);
	ASSERT_EQ(mp_proto_framer_feed(f, "b", 1, collect, &l), -EMSGSIZE);
	ASSERT_EQ(mp_proto_framer_feed(f, "\n", 1, collect, &l), -EMSGSIZE);
	ASSERT_EQ(l.n, 1);
	free(big);
	free(f);
}
