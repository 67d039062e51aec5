/* The agent's receiver (issue 16): its accounting fed synthetic frames
 * (rxcount.c: tags, measure window, pktgen's header, the 100 ms series),
 * and the real ring between two agents over a veth pair (`recv`, `send`). */
#include "test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/frame.h"
#include "agent/rxcount.h"
#include "common/clock.h"
#include "common/run.h"
#include "ctlio_ns.h"

#define MS 1000000ULL
#define US 1000ULL

static void build(struct mp_frame_tmpl *f, unsigned size, uint16_t tag)
{
	static const uint8_t src[6] = { 2, 0, 0, 0, 0, 1 };
	struct mp_traffic t = { .frame_size = size, .src_port = 9, .dst_port = 9, .tag = tag };

	inet_pton(AF_INET, "10.201.0.1", &t.src_ip);
	inet_pton(AF_INET, "10.201.0.2", &t.dst_ip);
	ASSERT_EQ(mp_frame_build(f, &t, src), 0);
}

/* Our frames: tag, window by send time, latency = receive - send. */
TEST(rxcount_tags_window_latency)
{
	struct mp_rxcount x;
	struct mp_frame_tmpl mine, old;
	struct mp_rx_counters c;
	uint8_t b[64];
	uint64_t arm = 1000 * MS;

	ASSERT_EQ(mp_rxcount_init(&x), 0);
	build(&mine, 60, 7);
	build(&old, 60, 6);
	mp_rxcount_arm(&x, 7, arm, arm + 100 * MS, arm + 200 * MS);
	/* 300 frames sent 1 ms apart from arm, each taking 50 us + (seq % 3) us;
	 * every 10th dropped; frames of the earlier run (tag 6) interleaved. */
	for (uint64_t q = 0; q < 300; q++) {
		uint64_t tx = arm + q * MS, lat = 50 * US + (q % 3) * US;

		mp_frame_stamp(&old, b, q, tx - 500 * MS);
		mp_rxcount_frame(&x, b, 60, tx + lat, 0);
		if (q % 10 == 5)
			continue;
		mp_frame_stamp(&mine, b, q, tx);
		mp_rxcount_frame(&x, b, 60, tx + lat, 0);
	}
	b[20] = 0x20;             /* a fragment: not a test frame */
	mp_rxcount_frame(&x, b, 60, arm, 0);
	mp_rxcount_frame(&x, b, 10, arm, 0);
	mp_rxcount_counters(&x, &c);
	ASSERT_EQ(c.earlier, 300);
	ASSERT_EQ(c.other, 2);
	/* Window: sequences 100..199, 10 of them dropped (105, 115, ...). */
	ASSERT_EQ(c.frames, 90);
	ASSERT_EQ(c.outside, 270 - 90);
	ASSERT_EQ(c.lost, 10);     /* 105..195, inside the seen span 100..199 */
	ASSERT_EQ(c.reordered, 0);
	ASSERT_EQ(c.duplicated, 0);
	ASSERT_EQ(c.lat_min_ns, 50 * US);
	ASSERT_EQ(c.lat_max_ns, 52 * US);
	ASSERT(c.jitter_ns > 0 && c.jitter_ns <= 2 * US);
	ASSERT_EQ(mp_hist_percentile(x.hist, 100), 52 * US);
	/* The series: samples by receive time since arm, every run frame. */
	mp_rxcount_tick(&x, arm + 10000 * MS);
	ASSERT_EQ(x.nseries, 3);
	ASSERT_EQ(x.series[0].frames + x.series[1].frames + x.series[2].frames, 270);
	ASSERT_EQ(x.series[1].k, 1);
	ASSERT_EQ(x.series[1].frames, 90);
	ASSERT(x.series[1].p50_ns >= 50 * US && x.series[1].p99_ns <= 52 * US);
	/* A new run forgets everything. */
	mp_rxcount_arm(&x, 8, arm, arm, 0);
	mp_rxcount_counters(&x, &c);
	ASSERT_EQ(c.frames + c.earlier + c.other + c.lost, 0);
	ASSERT_EQ(x.nseries, 0);
	mp_frame_free(&mine);
	mp_frame_free(&old);
	mp_rxcount_free(&x);
}

static void pktgen_frame(uint8_t *b, uint32_t seq, uint64_t real_ns)
{
	uint32_t v[4] = { htonl(MP_PKTGEN_MAGIC), htonl(seq),
			  htonl((uint32_t)(real_ns / MP_NS_PER_SEC)),
			  htonl((uint32_t)(real_ns % MP_NS_PER_SEC / 1000)) };

	memcpy(b + MP_FRAME_HDRS, v, sizeof(v));
}

/* pktgen's header: wall-clock microseconds placed with the clock offset;
 * frames sent before the run started are an earlier run's; reordering and
 * duplicates exactly. */
TEST(rxcount_pktgen_header)
{
	struct mp_rxcount x;
	struct mp_frame_tmpl f;
	struct mp_rx_counters c;
	uint8_t b[64];
	int64_t off = 1700000000LL * (int64_t)MP_NS_PER_SEC;   /* realtime - monotonic */
	uint64_t arm = 5000 * MS;
	uint32_t order[] = { 0, 1, 3, 2, 4, 4, 5, 7, 8, 9 };     /* 6 lost, 2<>3, 4 twice */

	ASSERT_EQ(mp_rxcount_init(&x), 0);
	build(&f, 60, 1);
	mp_frame_stamp(&f, b, 0, 0);
	mp_rxcount_arm(&x, 1, arm, arm, 0);
	pktgen_frame(b, 77, arm - MS + (uint64_t)off);        /* before the run */
	mp_rxcount_frame(&x, b, 60, arm + MS, off);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		uint64_t tx = arm + 10 * MS + order[i] * MS;

		pktgen_frame(b, order[i], tx + (uint64_t)off + 700);  /* 0.7 us cut off */
		mp_rxcount_frame(&x, b, 60, tx + 20 * US, off);
	}
	mp_rxcount_counters(&x, &c);
	ASSERT_EQ(c.earlier, 1);
	ASSERT_EQ(c.frames, 10);
	ASSERT_EQ(c.lost, 1);
	ASSERT_EQ(c.reordered, 1);
	ASSERT_EQ(c.duplicated, 1);
	/* Microsecond stamps: the latency is read 0..1 us high. */
	ASSERT_EQ(c.lat_min_ns, 20 * US);
	ASSERT_EQ(c.lat_max_ns, 20 * US);
	mp_frame_free(&f);
	mp_rxcount_free(&x);
}

/* ---- the ring, between two agents over a veth pair -------------------- */

static void ip(char *const argv[])
{
	struct mp_run_result r;

	ASSERT_EQ(mp_run(argv, NULL, 20000, &r), 0);
	ASSERT_MSG(r.status == 0, "ip %s %s: %s", argv[1], argv[2], r.err);
	mp_run_result_free(&r);
}

/* One namespace P-rx holding veth ra0 <-> rb0. */
static const char *veth_ns(void)
{
	static char ns[64];
	char *add[] = { "ip", "netns", "add", ns, NULL };
	char *link[] = { "ip", "-n", ns, "link", "add", "ra0", "type", "veth", "peer", "name",
			 "rb0", NULL };
	char *up_a[] = { "ip", "-n", ns, "link", "set", "ra0", "up", NULL };
	char *up_b[] = { "ip", "-n", ns, "link", "set", "rb0", "up", NULL };
	char *v6[] = { "ip", "netns", "exec", ns, "sysctl", "-qw",
		       "net.ipv6.conf.all.disable_ipv6=1", NULL };

	mp_test_require_root();
	snprintf(ns, sizeof(ns), "%s-rx", mp_test_prefix());
	ip(add);
	ip(v6);
	ip(link);
	ip(up_a);
	ip(up_b);
	return ns;
}

struct recv_proc {
	pid_t pid;
	int out;
};

/* Starts `recv` on `dev` for run tag `tag` and waits until its ring is open. */
static void recv_start_on(struct recv_proc *p, const char *ns, const char *dev, const char *tag,
			  const char *dur)
{
	int o[2], e[2];
	char ready[8] = "";

	ASSERT_EQ(pipe(o), 0);
	ASSERT_EQ(pipe(e), 0);
	p->pid = fork();
	ASSERT(p->pid >= 0);
	if (p->pid == 0) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		execlp("ip", "ip", "netns", "exec", ns, mp_test_bin("mir-perf-agent"), "recv",
		       "--dev", dev, "--tag", tag, "--duration", dur, (char *)NULL);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	ASSERT_MSG(read(e[0], ready, 6) == 6 && !strncmp(ready, "ready", 5), "recv did not start");
	close(e[0]);
	p->out = o[0];
}

static void recv_start(struct recv_proc *p, const char *ns, const char *tag, const char *dur)
{
	recv_start_on(p, ns, "rb0", tag, dur);
}

static json_t *recv_wait(struct recv_proc *p)
{
	json_error_t je;
	json_t *j;
	int st;

	j = json_loadfd(p->out, JSON_DISABLE_EOF_CHECK, &je);
	close(p->out);
	ASSERT_EQ(waitpid(p->pid, &st, 0), p->pid);
	ASSERT_MSG(j, "recv output: %s", je.text);
	ASSERT_EQ(st, 0);
	return j;
}

static void send_on(const char *ns, const char *dev, const char *size, const char *rate,
		    const char *count, const char *tag)
{
	char *argv[] = { "ip", "netns", "exec", (char *)ns, (char *)mp_test_bin("mir-perf-agent"),
			 "send", "--dev", (char *)dev, "--size", (char *)size, "--rate", (char *)rate,
			 "--count", (char *)count, "--tag", (char *)tag, "--engine", "packet", NULL };
	struct mp_run_result r;

	ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
	ASSERT_MSG(r.status == 0, "send: %s", r.err);
	ASSERT_CONTAINS(r.out, "\"errors\":0");
	mp_run_result_free(&r);
}

static void send_tag(const char *ns, const char *size, const char *rate, const char *count,
		     const char *tag)
{
	send_on(ns, "ra0", size, rate, count, tag);
}

static long long jint(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);

	ASSERT_MSG(json_is_integer(v), "no integer %s", k);
	return json_integer_value(v);
}

static double jreal(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);

	ASSERT_MSG(json_is_number(v), "no number %s", k);
	return json_number_value(v);
}

/* Every frame of this run is received, none lost, reordered or duplicated
 * on a plain veth; the frames of an earlier run (another tag) sent before
 * are counted apart; latency figures are ordered and positive; the 100 ms
 * series adds up to the frames received. */
TEST_T(receiver_counts_own_run_over_veth, 120)
{
	const char *ns = veth_ns();
	struct recv_proc p;
	long long sum = 0;
	json_t *j, *s, *e;
	size_t i;

	recv_start(&p, ns, "2", "3s");
	send_tag(ns, "60", "20000", "3000", "1");
	send_tag(ns, "60", "20000", "20000", "2");
	j = recv_wait(&p);
	ASSERT_EQ(jint(j, "frames"), 20000);
	ASSERT_EQ(jint(j, "earlier"), 3000);
	ASSERT_EQ(jint(j, "lost"), 0);
	ASSERT_EQ(jint(j, "reordered"), 0);
	ASSERT_EQ(jint(j, "duplicated"), 0);
	ASSERT_EQ(jint(j, "ring_drops"), 0);
	ASSERT(jreal(j, "lat_min_us") > 0);
	ASSERT(jreal(j, "lat_min_us") <= jreal(j, "lat_p50_us"));
	ASSERT(jreal(j, "lat_p50_us") <= jreal(j, "lat_p99_us"));
	ASSERT(jreal(j, "lat_p99_us") <= jreal(j, "lat_max_us"));
	s = json_object_get(j, "samples");
	json_array_foreach(s, i, e)
		sum += json_integer_value(json_array_get(e, 1));
	ASSERT_EQ(sum, 20000);
	json_decref(j);
}

/* ---- through an impaired forwarder -------------------------------------- */

static pid_t fwd_pid;

/* sender (ia) -- forwarder (ib -> ic, with `opt` `val`...) -- receiver (id);
 * returns the forwarder's stdout fd once it forwards. */
static int impaired_net(char snd[MP_TNS_NAME_MAX], char rcv[MP_TNS_NAME_MAX],
			const char *o1, const char *v1, const char *o2, const char *v2)
{
	char fwd[MP_TNS_NAME_MAX], buf[2048];
	size_t have = 0;
	int out[2], err[2];

	mp_test_require_root();
	mp_tns_add("is", snd);
	mp_tns_add("if", fwd);
	mp_tns_add("ik", rcv);
	mp_tns_veth(snd, "ia", fwd, "ib");
	mp_tns_veth(fwd, "ic", rcv, "id");
	ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
	ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
	fwd_pid = fork();
	ASSERT(fwd_pid >= 0);
	if (fwd_pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execlp("ip", "ip", "netns", "exec", fwd, mp_test_bin("mir-perf-forward"), "--in",
		       "ib", "--out", "ic", o1, v1, o2, v2, (char *)NULL);
		_exit(127);
	}
	mp_tns_child_at_exit(fwd_pid);
	close(out[1]);
	close(err[1]);
	while (!strstr(buf, "forwarding")) {
		struct pollfd pfd = { err[0], POLLIN, 0 };
		ssize_t r;

		ASSERT_MSG(poll(&pfd, 1, 10000) == 1, "forwarder not ready");
		r = read(err[0], buf + have, sizeof(buf) - 1 - have);
		ASSERT_MSG(r > 0, "forwarder exited: %.*s", (int)have, buf);
		have += (size_t)r;
		buf[have] = '\0';
	}
	close(err[0]);
	return out[0];
}

/* Stops the forwarder; reads `name=` from its counter line. */
static void fwd_counters(int fd, uint64_t *reordered, uint64_t *duplicated)
{
	char buf[1024] = "", *p;
	ssize_t r, have = 0;

	ASSERT_EQ(kill(fwd_pid, SIGTERM), 0);
	while ((r = read(fd, buf + have, sizeof(buf) - 1 - (size_t)have)) > 0)
		have += r;
	buf[have] = '\0';
	waitpid(fwd_pid, NULL, 0);
	mp_tns_child_done();
	close(fd);
	ASSERT_MSG((p = strstr(buf, "reordered=")) && sscanf(p, "reordered=%" SCNu64, reordered) == 1,
		   "forwarder said: %s", buf);
	ASSERT_MSG((p = strstr(buf, "duplicated=")) && sscanf(p, "duplicated=%" SCNu64, duplicated) == 1,
		   "forwarder said: %s", buf);
}

/* The forwarder swaps every 10th frame with the next and sends every 7th
 * twice: the receiver reports exactly the forwarder's counts, nothing lost. */
TEST_T(receiver_detects_reorder_and_duplicates_exactly, 120)
{
	char snd[MP_TNS_NAME_MAX], rcv[MP_TNS_NAME_MAX];
	uint64_t reord, dup;
	struct recv_proc p;
	json_t *j;
	int fd = impaired_net(snd, rcv, "--reorder", "10", "--duplicate", "7");

	recv_start_on(&p, rcv, "id", "1", "3s");
	send_on(snd, "ia", "60", "10000", "5000", "1");
	j = recv_wait(&p);
	fwd_counters(fd, &reord, &dup);
	printf("forwarder: %" PRIu64 " reordered, %" PRIu64 " duplicated\n", reord, dup);
	ASSERT(reord > 400 && dup > 500);
	ASSERT_EQ(jint(j, "reordered"), reord);
	ASSERT_EQ(jint(j, "duplicated"), dup);
	ASSERT_EQ(jint(j, "lost"), 0);
	ASSERT_EQ(jint(j, "frames"), 5000 + dup);
	json_decref(j);
}

/* A forwarder holding every frame 3 ms: no frame is measured faster. */
TEST_T(receiver_measures_forwarder_delay, 120)
{
	char snd[MP_TNS_NAME_MAX], rcv[MP_TNS_NAME_MAX];
	uint64_t reord, dup;
	struct recv_proc p;
	json_t *j;
	int fd = impaired_net(snd, rcv, "--delay-us", "3000", "--reorder", "0");

	recv_start_on(&p, rcv, "id", "1", "3s");
	send_on(snd, "ia", "60", "5000", "5000", "1");
	j = recv_wait(&p);
	fwd_counters(fd, &reord, &dup);
	printf("delay 3000 us: min %.1f p50 %.1f p99 %.1f us\n", jreal(j, "lat_min_us"),
	       jreal(j, "lat_p50_us"), jreal(j, "lat_p99_us"));
	ASSERT_EQ(jint(j, "frames"), 5000);
	ASSERT_EQ(jint(j, "lost") + jint(j, "reordered") + jint(j, "duplicated"), 0);
	ASSERT(jreal(j, "lat_min_us") >= 3000);
	json_decref(j);
}
