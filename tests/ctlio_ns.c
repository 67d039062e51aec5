/* Test helpers shared by test_nl.c, test_dhcp.c and test_forward.c. */
#include "ctlio_ns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"

#include "test.h"

#define TNS_MAX 8
#define TNS_ARGV_MAX 32
#define TNS_CMD_TIMEOUT_MS 30000
#define TNS_ETHERTYPE 0x88b5   /* IEEE local experimental */

static char tns_names[TNS_MAX][MP_TNS_NAME_MAX];
static int tns_count;
static pid_t tns_owner;

void mp_tns_sh(const char *arg0, ...)
{
	char *argv[TNS_ARGV_MAX];
	va_list ap;
	int n = 0, rc;

	argv[n++] = (char *)arg0;
	va_start(ap, arg0);
	while (n < TNS_ARGV_MAX - 1 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	rc = mp_run_status(argv, TNS_CMD_TIMEOUT_MS);
	ASSERT_MSG(rc == 0, "%s %s %s %s %s ... failed (%d)", argv[0], argv[1] ? argv[1] : "",
		   n > 2 ? argv[2] : "", n > 3 ? argv[3] : "", n > 4 ? argv[4] : "", rc);
}

static void tns_cleanup(void)
{
	if (getpid() != tns_owner)
		return;
	for (int i = 0; i < tns_count; i++) {
		char *argv[] = { "ip", "netns", "del", tns_names[i], NULL };

		mp_run_status(argv, TNS_CMD_TIMEOUT_MS);
	}
	tns_count = 0;
}

void mp_tns_add(const char *suffix, char name[MP_TNS_NAME_MAX])
{
	mp_test_require_root();
	mp_test_require_prog("ip", "iproute2");
	ASSERT(tns_count < TNS_MAX);
	snprintf(name, MP_TNS_NAME_MAX, "%s%s", mp_test_prefix(), suffix);
	if (!tns_owner) {
		tns_owner = getpid();
		atexit(tns_cleanup);
	}
	mp_tns_sh("ip", "netns", "add", name, NULL);
	snprintf(tns_names[tns_count++], MP_TNS_NAME_MAX, "%s", name);
	mp_tns_sh("ip", "-n", name, "link", "set", "lo", "up", NULL);
}

void mp_tns_enter(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_MSG(fd >= 0, "open %s: %s", path, mp_strerror(errno));
	ASSERT_EQ(setns(fd, CLONE_NEWNET), 0);
	close(fd);
}

static void no_ipv6(const char *ns, const char *ifname)
{
	char s[128];

	snprintf(s, sizeof(s), "net.ipv6.conf.%s.disable_ipv6=1", ifname);
	mp_tns_sh("ip", "netns", "exec", ns, "sysctl", "-qw", s, NULL);
}

void mp_tns_veth(const char *ns_a, const char *a, const char *ns_b, const char *b)
{
	mp_tns_sh("ip", "-n", ns_a, "link", "add", a, "type", "veth", "peer", "name", b,
		  "netns", ns_b, NULL);
	no_ipv6(ns_a, a);
	no_ipv6(ns_b, b);
	mp_tns_sh("ip", "-n", ns_a, "link", "set", a, "up", NULL);
	mp_tns_sh("ip", "-n", ns_b, "link", "set", b, "up", NULL);
}

int mp_tns_packet_socket(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	ASSERT_MSG(fd >= 0, "packet socket: %s", mp_strerror(errno));
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	ASSERT_MSG(sll.sll_ifindex > 0, "no interface %s", ifname);
	ASSERT_EQ(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

void mp_tns_frame(uint8_t *buf, size_t len, unsigned i)
{
	static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

	ASSERT(len >= ETH_HLEN + 4);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = TNS_ETHERTYPE >> 8;
	buf[13] = TNS_ETHERTYPE & 0xff;
	buf[14] = (uint8_t)(i >> 24);
	buf[15] = (uint8_t)(i >> 16);
	buf[16] = (uint8_t)(i >> 8);
	buf[17] = (uint8_t)i;
	memset(buf + 18, (int)(0xa5 ^ (i & 0xff)), len - 18);
}

void mp_tns_send_frames(int fd, const char *ifname, unsigned n, size_t len,
			unsigned gap_us)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	uint8_t buf[2048];

	ASSERT(len <= sizeof(buf));
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	ASSERT(sll.sll_ifindex > 0);
	for (unsigned i = 0; i < n; i++) {
		mp_tns_frame(buf, len, i);
		ASSERT_MSG(sendto(fd, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll)) ==
				   (ssize_t)len, "sendto: %s", mp_strerror(errno));
		if (gap_us)
			usleep(gap_us);
	}
}

static pid_t child_pid;

static void kill_child(void)
{
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
		child_pid = 0;
	}
}

void mp_tns_child_at_exit(pid_t pid)
{
	static int registered;

	if (!registered)
		atexit(kill_child);
	registered = 1;
	child_pid = pid;
}

void mp_tns_child_done(void)
{
	child_pid = 0;
}
