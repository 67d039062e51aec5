/* mir-perf-forward: the testbed's DUT stand-in. Forwards every frame that
 * arrives on --in out of --out unchanged (and back with --both), optionally
 * capped at --max-pps (frames over the cap are dropped and counted). Prints
 * its counters as one line on stdout every --count-interval seconds and on
 * SIGTERM/SIGINT, then exits 0.
 *
 *   mir-perf-forward --in IF --out IF [--both] [--max-pps N] [--count-interval S]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "testbed/forward/fwd.h"

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
		   "at most N frames/s (per direction); prints counters on SIGTERM/SIGINT.\n");
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

static void print_counters(const struct mp_fwd_counters *c)
{
	printf("received=%" PRIu64 " forwarded=%" PRIu64 " dropped=%" PRIu64
	       " errors=%" PRIu64 " ring_drops=%" PRIu64 "\n",
	       c->received, c->forwarded, c->dropped, c->errors, c->ring_drops);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "both", no_argument, NULL, 'b' },
		{ "max-pps", required_argument, NULL, 'm' },
		{ "count-interval", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in_name = NULL, *out_name = NULL;
	uint64_t max_pps = 0, interval_s = 0, next_print = 0;
	struct mp_fwd_port ports[2];
	struct mp_fwd_bucket buckets[2];
	struct mp_fwd_counters c = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	int both = 0, opt;

	mp_log_init("mir-perf-forward", MP_LOG_INFO);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': in_name = optarg; break;
		case 'o': out_name = optarg; break;
		case 'b': both = 1; break;
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

	if (mp_fwd_port_open(&ports[0], in_name, 1) < 0)
		return MP_EXIT_ENV;
	if (mp_fwd_port_open(&ports[1], out_name, both) < 0) {
		mp_fwd_port_close(&ports[0]);
		return MP_EXIT_ENV;
	}
	mp_fwd_bucket_init(&buckets[0], max_pps, mp_now_ns());
	mp_fwd_bucket_init(&buckets[1], max_pps, mp_now_ns());
	if (interval_s)
		next_print = mp_now_ns() + interval_s * MP_NS_PER_SEC;
	mp_info("forwarding %s -> %s%s%s", in_name, out_name, both ? " and back" : "",
		max_pps ? " (capped)" : "");

	while (!stop_sig) {
		struct pollfd pfd[2] = { { ports[0].fd, POLLIN, 0 }, { ports[1].fd, POLLIN, 0 } };
		int r = poll(pfd, both ? 2 : 1, POLL_MS);

		if (r < 0 && errno != EINTR) {
			mp_err("poll: %s", strerror(errno));
			break;
		}
		mp_fwd_pump(&ports[0], &ports[1], &buckets[0], &c);
		if (both)
			mp_fwd_pump(&ports[1], &ports[0], &buckets[1], &c);
		if (interval_s && mp_now_ns() >= next_print) {
			mp_fwd_port_stats(&ports[0], &c);
			mp_fwd_port_stats(&ports[1], &c);
			print_counters(&c);
			next_print += interval_s * MP_NS_PER_SEC;
		}
	}
	mp_fwd_port_stats(&ports[0], &c);
	mp_fwd_port_stats(&ports[1], &c);
	print_counters(&c);
	mp_info("stopped by signal %d", (int)stop_sig);
	mp_fwd_port_close(&ports[0]);
	mp_fwd_port_close(&ports[1]);
	return MP_EXIT_OK;
}
