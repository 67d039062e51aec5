/* mir-perf-forward between three namespaces of the test's own:
 * sender --veth-- forwarder --veth-- sink. Exact frame counts and contents,
 * the reverse direction with --both, and the --max-pps cap with its drop
 * count. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/offload.h"
#include "ctlio_ns.h"
#include "test.h"

#define FW_FRAME_LEN 120
#define FW_IDLE_MS 1500        /* the sink stops listening after this much silence */
#define FW_READY_TIMEOUT_MS 10000

struct fwnet {
	char snd[MP_TNS_NAME_MAX], fwd[MP_TNS_NAME_MAX], snk[MP_TNS_NAME_MAX];
	int snd_fd, snk_fd;
};

struct fwd_proc {
	pid_t pid;
	int out_fd, err_fd;
};

static void fwnet_up(struct fwnet *n)
{
	mp_tns_add("fs", n->snd);
	mp_tns_add("ff", n->fwd);
	mp_tns_add("fk", n->snk);
	mp_tns_veth(n->snd, "fa", n->fwd, "fb");
	mp_tns_veth(n->fwd, "fc", n->snk, "fd");
	mp_tns_enter(n->snk);
	n->snk_fd = mp_tns_packet_socket("fd");
	mp_tns_enter(n->snd);
	n->snd_fd = mp_tns_packet_socket("fa");
}

/* Starts the forwarder in its namespace and waits for its ready line. */
static void fwd_start(struct fwnet *n, struct fwd_proc *p, const char *extra1,
		      const char *extra2)
{
	int out[2], err[2];
	char buf[4096];
	size_t have = 0;
	uint64_t waited = 0;

	ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
	ASSERT_EQ(pipe2(err, O_CLOEXEC), 0);
	p->pid = fork();
	ASSERT(p->pid >= 0);
	if (p->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execlp("ip", "ip", "netns", "exec", n->fwd, mp_test_bin("mir-perf-forward"),
		       "--in", "fb", "--out", "fc", extra1, extra2, (char *)NULL);
		_exit(127);
	}
	mp_tns_child_at_exit(p->pid);
	close(out[1]);
	close(err[1]);
	p->out_fd = out[0];
	p->err_fd = err[0];
	for (;;) {
		struct pollfd pfd = { p->err_fd, POLLIN, 0 };
		ssize_t r;

		ASSERT_MSG(waited < FW_READY_TIMEOUT_MS, "forwarder not ready: %.*s", (int)have, buf);
		if (poll(&pfd, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		r = read(p->err_fd, buf + have, sizeof(buf) - 1 - have);
		ASSERT_MSG(r > 0, "forwarder exited early: %.*s", (int)have, buf);
		have += (size_t)r;
		buf[have] = '\0';
		if (strstr(buf, "forwarding"))
			break;
	}
}

/* Stops the forwarder with SIGTERM; returns its counter line's values. */
static void fwd_stop(struct fwd_proc *p, uint64_t *rx, uint64_t *fw, uint64_t *drop,
		     uint64_t *errs)
{
	char buf[4096];
	size_t have = 0;
	ssize_t r;
	int st;

	ASSERT_EQ(kill(p->pid, SIGTERM), 0);
	while ((r = read(p->out_fd, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += (size_t)r;
	buf[have] = '\0';
	ASSERT_EQ(waitpid(p->pid, &st, 0), p->pid);
	mp_tns_child_done();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char err[8192];
		ssize_t e = read(p->err_fd, err, sizeof(err) - 1);

		FAIL("forwarder status %d: %.*s", st, e > 0 ? (int)e : 0, err);
	}
	ASSERT_MSG(sscanf(buf, "received=%" SCNu64 " forwarded=%" SCNu64 " dropped=%" SCNu64
			       " errors=%" SCNu64, rx, fw, drop, errs) == 4,
		   "counter line: %s", buf);
	close(p->out_fd);
	close(p->err_fd);
}

/* Counts the test frames arriving on fd until FW_IDLE_MS of silence; each
 * must be the next one sent, byte for byte. */
static unsigned sink_count(int fd, unsigned expect_max, int exact_sequence)
{
	uint8_t buf[2048], want[FW_FRAME_LEN];
	unsigned got = 0;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pfd, 1, FW_IDLE_MS) <= 0)
			return got;
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0)
			continue;
		if (r < 14 || buf[12] != 0x88 || buf[13] != 0xb5)
			continue;   /* not one of ours */
		ASSERT_EQ(r, FW_FRAME_LEN);
		if (exact_sequence) {
			mp_tns_frame(want, FW_FRAME_LEN, got);
			ASSERT_MSG(memcmp(buf, want, FW_FRAME_LEN) == 0, "frame %u differs", got);
		}
		got++;
		ASSERT_MSG(got <= expect_max, "more frames than were sent");
	}
}

TEST_T(forward_exact_frames_one_way, 60)
{
	struct fwnet n;
	struct fwd_proc p;
	uint64_t rx, fw, drop, errs;
	const unsigned N = 200;

	mp_test_require_root();
	fwnet_up(&n);
	fwd_start(&n, &p, NULL, NULL);
	mp_tns_send_frames(n.snd_fd, "fa", N, FW_FRAME_LEN, 500);
	ASSERT_EQ(sink_count(n.snk_fd, N, 1), N);
	/* one way only: frames from the sink side are not forwarded back */
	mp_tns_enter(n.snk);
	mp_tns_send_frames(n.snk_fd, "fd", 10, FW_FRAME_LEN, 0);
	ASSERT_EQ(sink_count(n.snd_fd, 10, 0), 0);
	fwd_stop(&p, &rx, &fw, &drop, &errs);
	ASSERT_EQ(rx, N);
	ASSERT_EQ(fw, N);
	ASSERT_EQ(drop, 0);
	ASSERT_EQ(errs, 0);
}

TEST_T(forward_both_ways, 60)
{
	struct fwnet n;
	struct fwd_proc p;
	uint64_t rx, fw, drop, errs;
	const unsigned N = 100, M = 70;

	mp_test_require_root();
	fwnet_up(&n);
	fwd_start(&n, &p, "--both", NULL);
	mp_tns_send_frames(n.snd_fd, "fa", N, FW_FRAME_LEN, 500);
	ASSERT_EQ(sink_count(n.snk_fd, N, 1), N);
	mp_tns_enter(n.snk);
	mp_tns_send_frames(n.snk_fd, "fd", M, FW_FRAME_LEN, 500);
	ASSERT_EQ(sink_count(n.snd_fd, M, 1), M);
	fwd_stop(&p, &rx, &fw, &drop, &errs);
	ASSERT_EQ(rx, N + M);
	ASSERT_EQ(fw, N + M);
	ASSERT_EQ(drop, 0);
	ASSERT_EQ(errs, 0);
}

TEST_T(forward_max_pps_drops_and_counts, 60)
{
	struct fwnet n;
	struct fwd_proc p;
	uint64_t rx, fw, drop, errs;
	unsigned got;
	const unsigned N = 300;

	mp_test_require_root();
	fwnet_up(&n);
	/* 50 frames/s against a back-to-back burst of 300 */
	fwd_start(&n, &p, "--max-pps", "50");
	mp_tns_send_frames(n.snd_fd, "fa", N, FW_FRAME_LEN, 0);
	got = sink_count(n.snk_fd, N, 0);
	fwd_stop(&p, &rx, &fw, &drop, &errs);
	ASSERT_EQ(rx, N);
	ASSERT_EQ(errs, 0);
	ASSERT_EQ(fw + drop, N);
	ASSERT_EQ(got, fw);
	ASSERT_MSG(drop > 0 && got < N, "cap had no effect: %u of %u arrived", got, N);
}

TEST(forward_usage_errors)
{
	char *a1[] = { (char *)mp_test_bin("mir-perf-forward"), "--in", "x", NULL };
	char *a2[] = { (char *)mp_test_bin("mir-perf-forward"), "--in", "x", "--out", "y",
		       "--max-pps", "-3", NULL };
	char *a3[] = { (char *)mp_test_bin("mir-perf-forward"), "--in", "nosuch0", "--out",
		       "nosuch1", NULL };

	ASSERT_EXITS(a1, MP_EXIT_USAGE, NULL);
	ASSERT_EXITS(a2, MP_EXIT_USAGE, NULL);
	ASSERT_EXITS(a3, MP_EXIT_ENV, "nosuch0");
}

/* Frames carrying an 802.1Q tag arrive with the tag moved out of the data by
 * the kernel; the forwarder must put it back so the frame leaves unchanged.
 * The sink reads the tag from PACKET_AUXDATA, as it gets it stripped too. */
TEST_T(forward_vlan_tagged_frames_unchanged, 60)
{
	struct fwnet n;
	struct fwd_proc p;
	uint64_t rx, fw, drop, errs;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	uint8_t frame[FW_FRAME_LEN], buf[2048];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	int one = 1;
	unsigned got = 0;
	const unsigned N = 5, VID = 100;

	mp_test_require_root();
	fwnet_up(&n);
	ASSERT_EQ(setsockopt(n.snk_fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)), 0);
	fwd_start(&n, &p, NULL, NULL);
	sll.sll_ifindex = (int)if_nametoindex("fa");
	for (unsigned i = 0; i < N; i++) {
		mp_tns_frame(frame, sizeof(frame), i);
		/* dst, src, 8100, TCI, then the test frame's ethertype and payload */
		memmove(frame + 16, frame + 12, sizeof(frame) - 16);
		frame[12] = 0x81;
		frame[13] = 0x00;
		frame[14] = (uint8_t)(VID >> 8);
		frame[15] = (uint8_t)VID;
		ASSERT_EQ(sendto(n.snd_fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll,
				 sizeof(sll)), (ssize_t)sizeof(frame));
	}
	for (;;) {
		struct pollfd pfd = { n.snk_fd, POLLIN, 0 };
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				    .msg_controllen = sizeof(ctl.b) };
		struct tpacket_auxdata *aux = NULL;
		ssize_t r;

		if (poll(&pfd, 1, FW_IDLE_MS) <= 0)
			break;
		r = recvmsg(n.snk_fd, &m, MSG_DONTWAIT);
		if (r < 14)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA)
				aux = (struct tpacket_auxdata *)CMSG_DATA(c);
		if (buf[12] != 0x88 || buf[13] != 0xb5)
			continue;
		ASSERT_MSG(aux && (aux->tp_status & TP_STATUS_VLAN_VALID), "tag lost");
		ASSERT_EQ(aux->tp_vlan_tci, VID);
		ASSERT_EQ(r, FW_FRAME_LEN - 4);
		mp_tns_frame(frame, sizeof(frame), got);
		ASSERT_MSG(memcmp(buf, frame, (size_t)r) == 0, "frame %u differs", got);
		got++;
	}
	ASSERT_EQ(got, N);
	fwd_stop(&p, &rx, &fw, &drop, &errs);
	ASSERT_EQ(fw, N);
	ASSERT_EQ(errs, 0);
}

/* --count-interval prints the counter line while running. */
TEST_T(forward_count_interval_prints_while_running, 60)
{
	struct fwnet n;
	struct fwd_proc p;
	char buf[4096] = "";
	size_t have = 0;
	uint64_t t0;

	mp_test_require_root();
	fwnet_up(&n);
	fwd_start(&n, &p, "--count-interval", "1");
	mp_tns_send_frames(n.snd_fd, "fa", 7, FW_FRAME_LEN, 0);
	ASSERT_EQ(sink_count(n.snk_fd, 7, 1), 7);
	t0 = mp_now_ns();
	while (!strstr(buf, "received=7 forwarded=7 dropped=0 errors=0")) {
		struct pollfd pfd = { p.out_fd, POLLIN, 0 };
		ssize_t r;

		ASSERT_MSG(mp_now_ns() - t0 < 10 * MP_NS_PER_SEC, "no counter line: %.*s",
			   (int)have, buf);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		r = read(p.out_fd, buf + have, sizeof(buf) - 1 - have);
		ASSERT(r > 0);
		have += (size_t)r;
		buf[have] = '\0';
	}
	ASSERT_EQ(kill(p.pid, SIGTERM), 0);
	ASSERT_EQ(waitpid(p.pid, NULL, 0), p.pid);
	mp_tns_child_done();
}

/* TCP through the forwarder: the sender's veth hands over what Linux hands
 * a netfront that negotiated SG, GSO and checksum offload (TSO segments of
 * up to 64 KiB, partial checksums). The forwarder passes them on with their
 * offload metadata (virtio-net headers), as a Linux DUT forwards them; a
 * forwarder that dropped large frames or forwarded unfinished checksums
 * would stall the connection. `tso` picks the sender's TSO/GSO. */
#define FW_TCP_BYTES (16u << 20)
#define FW_TCP_TIMEOUT_S 20
#define FW_TCP_MSS 1448        /* veth MTU 1500, IPv4 and TCP with timestamps */

static void tcp_through(int tso)
{
	struct fwnet n;
	struct fwd_proc p;
	uint64_t rx, fw, drop, errs, got = 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5001) };
	struct timeval tv = { FW_TCP_TIMEOUT_S, 0 };
	int sync[2], st, fd;
	pid_t sink;
	char c;

	mp_test_require_root();
	fwnet_up(&n);
	mp_tns_sh("ip", "-n", n.snd, "addr", "add", "10.9.0.1/24", "dev", "fa", NULL);
	mp_tns_sh("ip", "-n", n.snk, "addr", "add", "10.9.0.2/24", "dev", "fd", NULL);
	fwd_start(&n, &p, "--both", NULL);
	ASSERT_EQ(pipe(sync), 0);
	sink = fork();
	ASSERT(sink >= 0);
	if (sink == 0) {
		static char buf[1 << 16];
		int ls, cs, one = 1;
		ssize_t r;

		mp_tns_enter(n.snk);
		inet_pton(AF_INET, "10.9.0.2", &a.sin_addr);
		ls = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 1) < 0)
			_exit(2);
		if (write(sync[1], "L", 1) != 1)
			_exit(2);
		cs = accept(ls, NULL, NULL);
		if (cs < 0)
			_exit(3);
		setsockopt(cs, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while ((r = read(cs, buf, sizeof(buf))) > 0)
			got += (uint64_t)r;
		_exit(got == FW_TCP_BYTES ? 0 : 4);
	}
	ASSERT_EQ(read(sync[0], &c, 1), 1);
	mp_tns_enter(n.snd);
	ASSERT_EQ(mp_offload_set("fa", MP_OFFLOAD_TSO, tso), 0);
	ASSERT_EQ(mp_offload_set("fa", MP_OFFLOAD_GSO, tso), 0);
	inet_pton(AF_INET, "10.9.0.2", &a.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ASSERT_MSG(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
		   mp_strerror(errno));
	{
		static char buf[1 << 16];
		uint64_t sent = 0;

		memset(buf, 0x5a, sizeof(buf));
		while (sent < FW_TCP_BYTES) {
			ssize_t w = write(fd, buf, sizeof(buf));

			ASSERT_MSG(w > 0, "send stalled after %" PRIu64 " bytes: %s", sent,
				   mp_strerror(errno));
			sent += (uint64_t)w;
		}
	}
	close(fd);
	ASSERT_EQ(waitpid(sink, &st, 0), sink);
	ASSERT_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the sink did not get every byte "
		   "(status %d)", st);
	fwd_stop(&p, &rx, &fw, &drop, &errs);
	ASSERT_EQ(errs, 0);
	ASSERT_EQ(drop, 0);
	ASSERT_EQ(fw, rx);
	/* Every MSS-sized segment a frame of its own without TSO; with it, GSO
	 * frames of many segments each (data and ACKs both ways counted). */
	if (tso)
		ASSERT_MSG(fw < FW_TCP_BYTES / FW_TCP_MSS / 2, "%" PRIu64 " frames forwarded for "
			   "%u bytes: GSO frames were cut into segments", fw, FW_TCP_BYTES);
	else
		ASSERT_MSG(fw >= FW_TCP_BYTES / FW_TCP_MSS, "%" PRIu64 " frames forwarded for "
			   "%u bytes without TSO", fw, FW_TCP_BYTES);
}

TEST_T(forward_tcp_with_sender_offloads, 60)
{
	tcp_through(1);
}

TEST_T(forward_tcp_without_sender_offloads, 60)
{
	tcp_through(0);
}
