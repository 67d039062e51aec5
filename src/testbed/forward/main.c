/* mir-perf-forward: the testbed's DUT stand-in. Forwards every frame that
 * arrives on --in out of --out unchanged (and back with --both), optionally
 * capped at --max-pps (frames over the cap are dropped and counted). Prints
 * its counters as one line on stdout every --count-interval seconds and on
 * SIGTERM/SIGINT, then exits 0. Frames keep their offload metadata (GSO,
 * partial checksums: fwd.h), so TCP with the sender's TSO passes whole.
 *
 *   mir-perf-forward --in IF --out IF [--both] [--max-pps N] [--count-interval S]
 *                    [--delay-us D] [--reorder N] [--duplicate N] [--drop-every N]
 *                    [--queue-pps N] [--lose-csum]
 *
 * The next five are test impairments of the --in to --out direction
 * (impair.h): every frame held D us, every Nth UDP frame swapped with the
 * next, every Nth sent twice, every Nth dropped, at most N frames a second
 * with the rest queued; the counters then say how many were. --lose-csum
 * (both ways) forwards a frame whose checksum its sender left to offload
 * without saying so, as a forwarder that sees a frame's bytes and nothing
 * else does (the netif-forward unikernel: Mirage_net.S has no flags): the
 * receiver finds the checksum wrong and drops the frame.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "testbed/forward/fwd.h"
#include "testbed/forward/impair.h"

#define POLL_MS 100

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mir-perf-forward --in IF --out IF [--both] [--max-pps N] "
		   "[--count-interval S]\n"
		   "Forwards frames from --in to --out unchanged (--both: both ways),\n"
		   "at most N frames/s (per direction); prints counters on SIGTERM/SIGINT.\n"
		   "Test impairments (--in to --out): --delay-us D holds every frame D us,\n"
		   "--reorder N swaps every Nth UDP frame with the next, --duplicate N sends\n"
		   "every Nth UDP frame twice, --drop-every N drops every Nth UDP frame,\n"
		   "--queue-pps N forwards at most N frames/s and queues the rest.\n"
		   "--lose-csum forwards frames without their checksum-offload flag.\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static void print_counters(const struct mp_fwd_counters *c, const struct mp_fwd_impair *m)
{
	printf("received=%" PRIu64 " forwarded=%" PRIu64 " dropped=%" PRIu64
	       " errors=%" PRIu64 " ring_drops=%" PRIu64, c->received, c->forwarded, c->dropped,
	       c->errors, c->ring_drops);
	if (mp_fwd_impair_active(m))
		printf(" reordered=%" PRIu64 " duplicated=%" PRIu64 " dropped_periodic=%" PRIu64,
		       m->reordered, m->duplicated, m->dropped);
	putchar('\n');
	fflush(stdout);
}

/* The poll timeout: the forwarder's period, or sooner when a held frame is
 * due (a delay of some us needs a precise wake-up). */
static struct timespec wait_for(const struct mp_fwd_impair *m)
{
	uint64_t due = mp_fwd_impair_next_due(m), now = mp_now_ns(), ns = POLL_MS * MP_NS_PER_MS;

	if (due)
		ns = due > now ? due - now : 0;
	if (ns > POLL_MS * MP_NS_PER_MS)
		ns = POLL_MS * MP_NS_PER_MS;
	return (struct timespec){ .tv_sec = (time_t)(ns / MP_NS_PER_SEC),
				  .tv_nsec = (long)(ns % MP_NS_PER_SEC) };
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "both", no_argument, NULL, 'b' },
		{ "max-pps", required_argument, NULL, 'm' },
		{ "count-interval", required_argument, NULL, 'c' },
		{ "delay-us", required_argument, NULL, 'd' },
		{ "reorder", required_argument, NULL, 'r' },
		{ "duplicate", required_argument, NULL, 'D' },
		{ "drop-every", required_argument, NULL, 'E' },
		{ "queue-pps", required_argument, NULL, 'Q' },
		{ "lose-csum", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in_name = NULL, *out_name = NULL;
	uint64_t max_pps = 0, interval_s = 0, next_print = 0, delay_us = 0, reorder = 0, dup = 0,
		 drop = 0, queue_pps = 0;
	struct mp_fwd_impair imp;
	struct mp_fwd_port ports[2];
	struct mp_fwd_bucket buckets[2];
	struct mp_fwd_counters c = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	int both = 0, lose_csum = 0, opt;

	mp_log_init("mir-perf-forward", MP_LOG_INFO);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': in_name = optarg; break;
		case 'o': out_name = optarg; break;
		case 'b': both = 1; break;
		case 'L': lose_csum = 1; break;
		case 'm':
			if (parse_u64(optarg, &max_pps) < 0) {
				mp_err("--max-pps wants a whole number of frames per second");
				return MP_EXIT_USAGE;
			}
			break;
		case 'c':
			if (parse_u64(optarg, &interval_s) < 0) {
				mp_err("--count-interval wants a whole number of seconds");
				return MP_EXIT_USAGE;
			}
			break;
		case 'd':
		case 'r':
		case 'D':
		case 'E':
		case 'Q':
			if (parse_u64(optarg, opt == 'd' ? &delay_us : opt == 'r' ? &reorder :
				      opt == 'D' ? &dup : opt == 'E' ? &drop : &queue_pps) < 0 ||
			    (opt == 'd' && delay_us > 10 * 1000 * 1000)) {
				mp_err("%s wants a whole number%s", argv[optind - 1],
				       opt == 'd' ? " of microseconds, at most 10 s" : "");
				return MP_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return MP_EXIT_OK;
		default: usage(stderr); return MP_EXIT_USAGE;
		}
	}
	if (!in_name || !out_name || optind != argc || !strcmp(in_name, out_name)) {
		usage(stderr);
		return MP_EXIT_USAGE;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (mp_fwd_impair_init(&imp, delay_us * 1000, reorder, dup, drop, queue_pps) < 0) {
		mp_err("out of memory for the impairment queue");
		return MP_EXIT_ENV;
	}
	if (mp_fwd_port_open(&ports[0], in_name, 1) < 0) {
		mp_fwd_impair_free(&imp);
		return MP_EXIT_ENV;
	}
	if (mp_fwd_port_open(&ports[1], out_name, both) < 0) {
		mp_fwd_port_close(&ports[0]);
		mp_fwd_impair_free(&imp);
		return MP_EXIT_ENV;
	}
	ports[0].lose_csum = ports[1].lose_csum = lose_csum;
	mp_fwd_bucket_init(&buckets[0], max_pps, mp_now_ns());
	mp_fwd_bucket_init(&buckets[1], max_pps, mp_now_ns());
	if (interval_s)
		next_print = mp_now_ns() + interval_s * MP_NS_PER_SEC;
	if (mp_fwd_impair_active(&imp))
		prctl(PR_SET_TIMERSLACK, 1UL);  /* wake for held frames within a us */
	mp_info("forwarding %s -> %s%s%s%s%s", in_name, out_name, both ? " and back" : "",
		max_pps ? " (capped)" : "", mp_fwd_impair_active(&imp) ? " (impaired)" : "",
		lose_csum ? " (checksum flags lost)" : "");

	while (!stop_sig) {
		struct pollfd pfd[2] = { { ports[0].fd, POLLIN, 0 }, { ports[1].fd, POLLIN, 0 } };
		struct timespec tmo = wait_for(&imp);
		int r = ppoll(pfd, both ? 2 : 1, &tmo, NULL);

		if (r < 0 && errno != EINTR) {
			mp_err("poll: %s", mp_strerror(errno));
			break;
		}
		mp_fwd_pump(&ports[0], &ports[1], &buckets[0],
			    mp_fwd_impair_active(&imp) ? &imp : NULL, &c);
		if (mp_fwd_impair_active(&imp))
			mp_fwd_impair_send(&imp, &ports[1], mp_now_ns(), &c);
		if (both)
			mp_fwd_pump(&ports[1], &ports[0], &buckets[1], NULL, &c);
		if (interval_s && mp_now_ns() >= next_print) {
			mp_fwd_port_stats(&ports[0], &c);
			mp_fwd_port_stats(&ports[1], &c);
			print_counters(&c, &imp);
			next_print += interval_s * MP_NS_PER_SEC;
		}
	}
	mp_fwd_port_stats(&ports[0], &c);
	mp_fwd_port_stats(&ports[1], &c);
	print_counters(&c, &imp);
	mp_info("stopped by signal %d", (int)stop_sig);
	mp_fwd_port_close(&ports[0]);
	mp_fwd_port_close(&ports[1]);
	mp_fwd_impair_free(&imp);
	return MP_EXIT_OK;
}
