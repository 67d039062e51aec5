/* The kernel's protocol counters read by name (src/agent/snmp.c): from a
 * text shaped as /proc/net/snmp, and from this namespace's own. */
#include "test.h"

#include <errno.h>

#include "agent/snmp.h"

static const char sample[] =
	"Ip: Forwarding DefaultTTL InReceives\n"
	"Ip: 1 64 283512\n"
	"Icmp: InMsgs InCsumErrors\n"
	"Icmp: 4 9\n"
	"Tcp: RtoAlgorithm RtoMin InSegs InErrs OutRsts InCsumErrors\n"
	"Tcp: 1 200 283512 0 654 17\n"
	"Udp: InDatagrams InCsumErrors\n"
	"Udp: 12 5";

TEST(snmp_counter_by_protocol_and_name)
{
	uint64_t v = 0;

	ASSERT_EQ(mp_snmp_parse(sample, "Tcp", "InCsumErrors", &v), 0);
	ASSERT_EQ(v, 17);
	ASSERT_EQ(mp_snmp_parse(sample, "Tcp", "RtoAlgorithm", &v), 0);
	ASSERT_EQ(v, 1);
	ASSERT_EQ(mp_snmp_parse(sample, "Icmp", "InCsumErrors", &v), 0);
	ASSERT_EQ(v, 9);
	ASSERT_EQ(mp_snmp_parse(sample, "Udp", "InCsumErrors", &v), 0);   /* no newline at the end */
	ASSERT_EQ(v, 5);
	/* a name that only starts like another, none, a protocol absent */
	ASSERT_EQ(mp_snmp_parse(sample, "Tcp", "InErr", &v), -ENOENT);
	ASSERT_EQ(mp_snmp_parse(sample, "Tcp", "OutSegs", &v), -ENOENT);
	ASSERT_EQ(mp_snmp_parse(sample, "Sctp", "InCsumErrors", &v), -ENOENT);
	ASSERT_EQ(mp_snmp_parse(sample, "Tc", "InSegs", &v), -ENOENT);
	/* a names line without its values, fewer values than names */
	ASSERT_EQ(mp_snmp_parse("Tcp: InSegs InCsumErrors\n", "Tcp", "InSegs", &v), -ENOENT);
	ASSERT_EQ(mp_snmp_parse("Tcp: InSegs InCsumErrors\nTcp: 4\n", "Tcp", "InCsumErrors", &v),
		  -ENOENT);
	ASSERT_EQ(mp_snmp_parse("", "Tcp", "InSegs", &v), -ENOENT);
}

TEST(snmp_reads_this_namespace)
{
	uint64_t segs = 0, errs = 0;

	ASSERT_EQ(mp_snmp_read("Tcp", "InSegs", &segs), 0);
	ASSERT_EQ(mp_snmp_read("Tcp", "InCsumErrors", &errs), 0);
	ASSERT(errs <= segs);
	ASSERT_EQ(mp_snmp_read("Tcp", "NoSuchCounter", &segs), -ENOENT);
}
