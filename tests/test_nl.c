/* Netlink link counters: exact packet counts on a veth pair in a namespace
 * of the test's own, and -ENODEV naming a missing interface. */
#include <errno.h>
#include <unistd.h>

#include "controller/host/nl.h"
#include "ctlio_ns.h"
#include "test.h"

#define NL_FRAMES 37
#define NL_FRAME_LEN 100

TEST(nl_counts_exact_frames_on_veth)
{
	char ns[MP_TNS_NAME_MAX];
	const char *names[] = { "nla", "nlb" };
	struct mp_link_stats before[2], after[2];
	struct mp_nl *nl;
	int fd;

	mp_tns_add("nl", ns);
	mp_tns_veth(ns, "nla", ns, "nlb");
	mp_tns_enter(ns);
	ASSERT_EQ(mp_nl_open(&nl), 0);
	ASSERT_EQ(mp_nl_read(nl, names, 2, before), 0);
	fd = mp_tns_packet_socket("nla");
	mp_tns_send_frames(fd, "nla", NL_FRAMES, NL_FRAME_LEN, 0);
	close(fd);
	ASSERT_EQ(mp_nl_read(nl, names, 2, after), 0);
	ASSERT_EQ(after[0].tx_packets - before[0].tx_packets, NL_FRAMES);
	ASSERT_EQ(after[1].rx_packets - before[1].rx_packets, NL_FRAMES);
	ASSERT_EQ(after[0].tx_bytes - before[0].tx_bytes, NL_FRAMES * NL_FRAME_LEN);
	ASSERT_EQ(after[1].rx_bytes - before[1].rx_bytes, NL_FRAMES * NL_FRAME_LEN);
	ASSERT_EQ(after[0].rx_packets, before[0].rx_packets);
	ASSERT(after[0].t_ns > before[0].t_ns);
	ASSERT_EQ(after[0].t_ns, after[1].t_ns);
	mp_nl_close(nl);
}

TEST(nl_missing_interface_is_enodev_and_named)
{
	char ns[MP_TNS_NAME_MAX];
	const char *names[] = { "lo", "nosuchif0" };
	struct mp_link_stats st[2];
	struct mp_nl *nl;

	mp_tns_add("nm", ns);
	mp_tns_enter(ns);
	ASSERT_EQ(mp_nl_open(&nl), 0);
	ASSERT_EQ(mp_nl_read(nl, names, 2, st), -ENODEV);
	ASSERT_STREQ(mp_nl_last_missing(nl), "nosuchif0");
	ASSERT_EQ(mp_nl_read(nl, names, 1, st), 0);
	ASSERT_STREQ(mp_nl_last_missing(nl), "");
	mp_nl_close(nl);
}
