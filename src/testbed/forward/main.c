/* mir-perf-forward: the testbed's device under test, in the place of the
 * netif-forward unikernel. Forwards every frame received on --in out of
 * --out unchanged (one direction, like netif-forward; --both for both), on
 * packet socket rings. --max-pps caps the forwarding rate (a token bucket;
 * frames over the cap are dropped and counted) so tests can stage a
 * regression. Prints its counters on SIGTERM/SIGINT and exits 0. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "testbed/forward/ring.h"

#define PROG "mir-perf-forward"
#define BATCH 64                    /* frames forwarded between TX flushes */
#define POLL_MS 100

struct path {
	struct mp_fwd_ring rx, tx;
	const char *in, *out;
	uint64_t received, forwarded, dropped, errors;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct bucket {
	uint64_t rate, tokens_milli, last_ns;   /* tokens in 1/1000 frames */
};

static int bucket_take(struct bucket *b)
{
	uint64_t now, cap;

	if (!b->rate)
		return 1;
	now = mp_now_ns();
	cap = b->rate * 1000 / 10 + 1000;   /* at most 100 ms of burst */
	b->tokens_milli += (now - b->last_ns) * b->rate / 1000000ULL;
	if (b->tokens_milli > cap)
		b->tokens_milli = cap;
	b->last_ns = now;
	if (b->tokens_milli < 1000)
		return 0;
	b->tokens_milli -= 1000;
	return 1;
}

/* Forwards what the RX ring holds; returns how many frames it handled. */
static unsigned drain(struct path *p, struct bucket *b)
{
	unsigned n = 0, len;
	const uint8_t *f;

	while (n < BATCH && (f = mp_fwd_rx_next(&p->rx, &len))) {
		p->received++;
		if (!bucket_take(b))
			p->dropped++;
		else if (mp_fwd_tx_queue(&p->tx, f, len) == 0)
			p->forwarded++;
		else
			p->errors++;
		mp_fwd_rx_release(&p->rx);
		n++;
	}
	if (n && mp_fwd_tx_flush(&p->tx) < 0)
		p->errors++;
	return n;
}

static int open_path(struct path *p)
{
	int rc = mp_fwd_ring_open(&p->rx, p->in, 0);

	if (rc == 0)
		rc = mp_fwd_ring_open(&p->tx, p->out, 1);
	if (rc < 0)
		mp_err("cannot open packet rings on %s -> %s: %s (needs CAP_NET_RAW and both "
		       "interfaces)", p->in, p->out, strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "both", no_argument, NULL, 'b' },
		{ "max-pps", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct path paths[2];
	struct bucket bucket = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	int both = 0, c, npaths;

	mp_log_init(PROG, MP_LOG_INFO);
	memset(paths, 0, sizeof(paths));
	while ((c = getopt_long(argc, argv, "i:o:bm:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': paths[0].in = optarg; break;
		case 'o': paths[0].out = optarg; break;
		case 'b': both = 1; break;
		case 'm': {
			char *end;

			bucket.rate = strtoull(optarg, &end, 10);
			if (*end || !bucket.rate) {
				mp_err("--max-pps takes a positive number of frames per second");
				return MP_EXIT_USAGE;
			}
			break;
		}
		case 'h':
			printf("usage: " PROG " --in IF --out IF [--both] [--max-pps N]\n");
			return MP_EXIT_OK;
		default:
			return MP_EXIT_USAGE;
		}
	}
	if (!paths[0].in || !paths[0].out || optind != argc) {
		mp_err("usage: " PROG " --in IF --out IF [--both] [--max-pps N]");
		return MP_EXIT_USAGE;
	}
	npaths = both ? 2 : 1;
	paths[1].in = paths[0].out;
	paths[1].out = paths[0].in;
	for (int i = 0; i < npaths; i++)
		if (open_path(&paths[i]) < 0)
			return MP_EXIT_ENV;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	bucket.last_ns = mp_now_ns();
	mp_info("forwarding %s -> %s%s%s", paths[0].in, paths[0].out,
		both ? " and back" : "", bucket.rate ? " (capped)" : "");
	while (!stopping) {
		struct pollfd pfd[2];
		unsigned busy = 0;

		for (int i = 0; i < npaths; i++)
			busy += drain(&paths[i], &bucket);
		if (busy)
			continue;
		for (int i = 0; i < npaths; i++)
			pfd[i] = (struct pollfd){ .fd = paths[i].rx.fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)npaths, POLL_MS) < 0 && errno != EINTR)
			break;
	}
	for (int i = 0; i < npaths; i++) {
		printf("%s -> %s: received %llu forwarded %llu dropped %llu errors %llu\n",
		       paths[i].in, paths[i].out, (unsigned long long)paths[i].received,
		       (unsigned long long)paths[i].forwarded, (unsigned long long)paths[i].dropped,
		       (unsigned long long)paths[i].errors);
		mp_fwd_ring_close(&paths[i].rx);
		mp_fwd_ring_close(&paths[i].tx);
	}
	fflush(stdout);
	return MP_EXIT_OK;
}
