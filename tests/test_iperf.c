/* iperf3's JSON read into a TCP result (src/agent/iperf.c), from runs of
 * iperf3 3.12 kept in tests/data/iperf/: two streams, reverse, a refused
 * connection, and the two-stream run with its third second emptied. */
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "agent/iperf.h"

static int parse(const char *name, int reverse, struct mp_tcp_result *r)
{
	char path[256], *text;
	int rc;

	snprintf(path, sizeof(path), "tests/data/iperf/%s", name);
	text = mp_test_read_file(mp_test_src_path(path));
	ASSERT_MSG(text, "cannot read %s", path);
	memset(r, 0, sizeof(*r));
	rc = mp_iperf_parse(text, strlen(text), reverse, r);
	free(text);
	return rc;
}

TEST(iperf_two_streams)
{
	struct mp_tcp_result r;

	ASSERT_EQ(parse("two_streams.json", 0, &r), 0);
	ASSERT_EQ(r.sender_bps, 7011369767ULL);
	ASSERT_EQ(r.retransmits, 30);
	ASSERT_EQ(r.sender_cpu_permille, 263);     /* host_total 26.29% */
	ASSERT(r.receiver_bps > 0 && r.receiver_bps <= r.sender_bps);
	ASSERT(r.received_bytes > 0 && r.received_bytes <= r.sent_bytes);
	ASSERT(r.seconds_ns > 2900000000ULL && r.seconds_ns < 3100000000ULL);
	ASSERT(r.sender_cpu_permille > 0 && r.receiver_cpu_permille > 0);
}

TEST(iperf_reverse_swaps_cpu)
{
	struct mp_tcp_result a, b;

	ASSERT_EQ(parse("reverse.json", 1, &a), 0);
	ASSERT_EQ(parse("reverse.json", 0, &b), 0);
	/* with -R the sender is iperf3's remote end */
	ASSERT_EQ(a.sender_cpu_permille, b.receiver_cpu_permille);
	ASSERT_EQ(a.receiver_cpu_permille, b.sender_cpu_permille);
	ASSERT_EQ(a.sender_cpu_permille, 260);     /* remote_total 26.02% */
	ASSERT_EQ(a.retransmits, 8);
}

TEST(iperf_errors_and_stalls_fail)
{
	struct mp_tcp_result r;

	ASSERT_EQ(parse("refused.json", 0, &r), -EINVAL);
	ASSERT_MSG(strstr(r.reason, "unable to connect to server: Connection refused"), "%s",
		   r.reason);
	ASSERT_EQ(parse("stalled.json", 0, &r), -EINVAL);
	ASSERT_MSG(strstr(r.reason, "second 3"), "%s", r.reason);
	ASSERT_EQ(r.sender_bps, 0);    /* no figure from a broken run */
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(mp_iperf_parse("", 0, 0, &r), -EINVAL);
	ASSERT(strstr(r.reason, "no JSON"));
	ASSERT_EQ(mp_iperf_parse("{\"end\":{}}", 10, 0, &r), -EINVAL);
	ASSERT(strstr(r.reason, "end.sum_sent"));
}
