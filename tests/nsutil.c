#include "nsutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/netns.h"
#include "common/run.h"
#include "test.h"

const char *ns_create(const char *suffix)
{
	static char names[8][64];
	static int slot;
	char *name = names[slot++ % 8];

	snprintf(name, 64, "%s-%s", mp_test_prefix(), suffix);
	ns_ip("netns", "add", name, NULL);
	ns_ip("-n", name, "link", "set", "lo", "up", NULL);
	/* No IPv6 autoconfiguration chatter: counts of test frames stay exact. */
	ns_ip("netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
	      "net.ipv6.conf.default.disable_ipv6=1", NULL);
	return name;
}

void ns_ip(const char *first, ...)
{
	char *argv[32];
	struct mp_run_result r;
	va_list ap;
	size_t n = 0;

	argv[n++] = "ip";
	argv[n++] = (char *)first;
	va_start(ap, first);
	while (n < 31 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	ASSERT_EQ(mp_run(argv, NULL, 20000, &r), 0);
	ASSERT_MSG(r.status == 0, "ip %s ... failed: %s", first, r.err);
	mp_run_result_free(&r);
}

void ns_veth(const char *ns_a, const char *a, const char *ns_b, const char *b)
{
	ns_ip("-n", ns_a, "link", "add", a, "type", "veth", "peer", "name", b, "netns", ns_b, NULL);
	ns_ip("-n", ns_a, "link", "set", a, "up", NULL);
	ns_ip("-n", ns_b, "link", "set", b, "up", NULL);
}

pid_t ns_spawn(const char *ns, char *const argv[], const char *log)
{
	pid_t pid = fork();

	ASSERT(pid >= 0);
	if (pid == 0) {
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (mp_netns_enter(ns) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int raw_socket(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(NS_ETHERTYPE) };
	int fd = socket(AF_PACKET, SOCK_RAW, htons(NS_ETHERTYPE));

	if (fd < 0)
		return -1;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

pid_t ns_send_frames(const char *ns, const char *ifname, unsigned n, unsigned pps,
		     unsigned size)
{
	pid_t pid = fork();

	ASSERT(pid >= 0);
	if (pid == 0) {
		uint8_t frame[2048];
		uint64_t t0;
		int fd;

		if (mp_netns_enter(ns) < 0 || (fd = raw_socket(ifname)) < 0)
			_exit(1);
		raise(SIGSTOP);         /* until the receiver is ready */
		memset(frame, 0, sizeof(frame));
		memset(frame, 0xff, 6);                       /* broadcast */
		frame[6] = 0x02;                              /* locally administered */
		frame[11] = 0x01;
		frame[12] = NS_ETHERTYPE >> 8;
		frame[13] = NS_ETHERTYPE & 0xff;
		t0 = mp_now_ns();
		for (unsigned i = 0; i < n; i++) {
			uint64_t due = t0 + (uint64_t)i * MP_NS_PER_SEC / pps;
			uint32_t seq = htonl(i);

			while (mp_now_ns() < due)
				usleep(100);
			memcpy(frame + 14, &seq, 4);
			if (send(fd, frame, size, 0) != (ssize_t)size)
				_exit(2);
		}
		_exit(0);
	}
	return pid;
}

unsigned ns_count_frames(const char *ns, const char *ifname, unsigned quiet_ms,
			 unsigned max_ms, pid_t sender)
{
	int p[2];
	pid_t pid;
	unsigned count = 0;

	ASSERT_EQ(pipe(p), 0);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		uint8_t *seen = calloc(1 << 20, 1), buf[4096];
		uint64_t end, last;
		unsigned c = 0, dup = 0;
		int fd;

		close(p[0]);
		if (mp_netns_enter(ns) < 0 || (fd = raw_socket(ifname)) < 0)
			_exit(1);
		/* Ready: the sender may start. */
		if (write(p[1], "R", 1) != 1)
			_exit(1);
		last = mp_now_ns();
		end = last + (uint64_t)max_ms * MP_NS_PER_MS;
		while (mp_now_ns() < end && mp_now_ns() - last < (uint64_t)quiet_ms * MP_NS_PER_MS) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t len;
			uint32_t seq;

			if (poll(&pfd, 1, 50) <= 0)
				continue;
			len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (len < 18 || from.sll_pkttype == PACKET_OUTGOING)
				continue;
			memcpy(&seq, buf + 14, 4);
			seq = ntohl(seq);
			if (seq < (1u << 20) && seen[seq]++)
				dup++;
			c++;
			last = mp_now_ns();
		}
		c = dup ? 0xffffffffu : c;
		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	{
		char r;

		ASSERT_EQ(read(p[0], &r, 1), 1);
	}
	if (sender > 0)
		kill(sender, SIGCONT);
	ASSERT_EQ(read(p[0], &count, sizeof(count)), (ssize_t)sizeof(count));
	close(p[0]);
	ns_wait(pid);
	ASSERT_MSG(count != 0xffffffffu, "duplicate frames received");
	return count;
}

int ns_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
