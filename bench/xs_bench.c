/* xenstored stand-in figures: READ and WRITE round trips per second through
 * the real libxenstore, and the latency of a watch event (write on one
 * connection -> event read on another). The reference, measured in the same
 * run, is a ping-pong of the same size over a unix socketpair between two
 * threads: the IPC floor no xenstored can beat.
 * usage: xs_bench SOCKET [ROUNDS]   (XENSTORED_PATH is set from SOCKET) */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xenstore.h>

#include "common/clock.h"
#include "common/stats.h"

#define MSG_BYTES 64    /* about a READ request with its header */

static int pp_fd;

static void *echo_thread(void *arg)
{
	char buf[MSG_BYTES];

	(void)arg;
	while (read(pp_fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf))
		if (write(pp_fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
	return NULL;
}

static double pingpong_per_s(int rounds)
{
	int sv[2];
	char buf[MSG_BYTES] = { 0 };
	pthread_t th;
	uint64_t t0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	pp_fd = sv[1];
	pthread_create(&th, NULL, echo_thread, NULL);
	t0 = mp_now_ns();
	for (int i = 0; i < rounds; i++) {
		if (write(sv[0], buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    read(sv[0], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
	}
	double rate = rounds / ((double)(mp_now_ns() - t0) / MP_NS_PER_SEC);
	close(sv[0]);
	pthread_join(th, NULL);
	close(sv[1]);
	return rate;
}

static double read_per_s(struct xs_handle *h, int rounds)
{
	uint64_t t0 = mp_now_ns();
	unsigned len;

	for (int i = 0; i < rounds; i++)
		free(xs_read(h, XBT_NULL, "/bench/key", &len));
	return rounds / ((double)(mp_now_ns() - t0) / MP_NS_PER_SEC);
}

static double write_per_s(struct xs_handle *h, int rounds)
{
	uint64_t t0 = mp_now_ns();
	char v[32];

	for (int i = 0; i < rounds; i++) {
		int n = snprintf(v, sizeof(v), "%d", i);

		xs_write(h, XBT_NULL, "/bench/key", v, (unsigned)n);
	}
	return rounds / ((double)(mp_now_ns() - t0) / MP_NS_PER_SEC);
}

/* Median latency of a watch event, in microseconds. */
static double watch_latency_us(struct xs_handle *w, struct xs_handle *h, int rounds)
{
	double *lat = calloc((size_t)rounds, sizeof(double));
	unsigned n;
	char **ev;
	int got = 0;

	xs_watch(w, "/bench/watched", "tok");
	ev = xs_read_watch(w, &n);      /* the registration event */
	free(ev);
	for (int i = 0; i < rounds; i++) {
		struct pollfd pfd = { .fd = xs_fileno(w), .events = POLLIN };
		uint64_t t0 = mp_now_ns();

		xs_write(h, XBT_NULL, "/bench/watched", "x", 1);
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		ev = xs_read_watch(w, &n);
		if (ev) {
			lat[got++] = (double)(mp_now_ns() - t0) / 1e3;
			free(ev);
		}
	}
	double med = mp_percentile(lat, (size_t)got, 50);
	free(lat);
	return med;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 20000;
	struct xs_handle *h, *w;

	if (argc < 2) {
		fprintf(stderr, "usage: xs_bench SOCKET [ROUNDS]\n");
		return 2;
	}
	setenv("XENSTORED_PATH", argv[1], 1);
	h = xs_open(XS_OPEN_SOCKETONLY);
	w = xs_open(XS_OPEN_SOCKETONLY);
	if (!h || !w) {
		fprintf(stderr, "xs_bench: cannot connect to %s\n", argv[1]);
		return 3;
	}
	xs_write(h, XBT_NULL, "/bench/key", "0", 1);
	double pp = pingpong_per_s(rounds);
	double rd = read_per_s(h, rounds);
	double wr = write_per_s(h, rounds);
	double lat = watch_latency_us(w, h, rounds / 10 ? rounds / 10 : 1);
	printf("%-40s %12.0f /s\n", "unix socketpair ping-pong (reference)", pp);
	printf("%-40s %12.0f /s  (%.3f of reference)\n", "READ round trips via libxenstore", rd, rd / pp);
	printf("%-40s %12.0f /s  (%.3f of reference)\n", "WRITE round trips via libxenstore", wr, wr / pp);
	printf("%-40s %12.1f us  (reference round trip %.1f us)\n", "watch event latency, median", lat, 1e6 / pp);
	printf("metric\txs_read_per_s\t%.0f\tops/s\thigher-is-better\n", rd);
	printf("metric\txs_write_per_s\t%.0f\tops/s\thigher-is-better\n", wr);
	printf("metric\txs_read_vs_pingpong\t%.4f\tratio\thigher-is-better\n", rd / pp);
	printf("metric\txs_watch_latency_us\t%.1f\tus\tlower-is-better\n", lat);
	xs_close(w);
	xs_close(h);
	return 0;
}
