/* mir-perf-agent recv: the receiver once, its counters printed as JSON. */
#include "agent/recv.h"

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/receiver.h"
#include "agent/rxcount.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/err.h"

#define USAGE "usage: mir-perf-agent recv --dev IF --duration D [--tag N] [--from D] [--for D]\n"
#define NS_PER_US 1e3
#define SERIES_CHUNK 64

static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

static json_t *us(const struct mp_hist *h, uint64_t ns)
{
	return h->count ? json_real((double)ns / NS_PER_US) : json_null();
}

static json_t *series(struct mp_receiver *r)
{
	struct mp_rx_sample s[SERIES_CHUNK];
	json_t *a = json_array();
	size_t from = 0, n, total;

	while ((n = mp_receiver_series(r, from, s, SERIES_CHUNK, &total)) > 0) {
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_pack("[I,I,f,f]", (json_int_t)s[i].k,
							  (json_int_t)s[i].frames,
							  (double)s[i].p50_ns / NS_PER_US,
							  (double)s[i].p99_ns / NS_PER_US));
		from += n;
	}
	return a;
}

int mp_recv_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' }, { "duration", required_argument, NULL, 'D' },
		{ "tag", required_argument, NULL, 't' }, { "from", required_argument, NULL, 'f' },
		{ "for", required_argument, NULL, 'F' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dev = NULL;
	uint64_t dur = 0, from = 0, len = 0, t0;
	unsigned long tag = 1;
	struct mp_rx_counters c;
	struct mp_receiver *r;
	struct mp_hist *h;
	char err[512], *end;
	int opt, bad = 0;
	json_t *out;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1 && !bad) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 'D': bad = mp_duration_parse(optarg, &dur) < 0 || !dur; break;
		case 'f': bad = mp_duration_parse(optarg, &from) < 0; break;
		case 'F': bad = mp_duration_parse(optarg, &len) < 0; break;
		case 't':
			tag = strtoul(optarg, &end, 10);
			bad = !*optarg || *end || !tag || tag > UINT16_MAX;
			break;
		case 'h': fputs(USAGE, stdout); return MP_EXIT_OK;
		default: bad = 1;
		}
		if (bad)
			fprintf(stderr, "mir-perf-agent recv: bad value \"%s\" for %s\n",
				optarg ? optarg : "", argv[optind - 1]);
	}
	if (bad || !dev || !dur || optind != argc) {
		fputs(USAGE, stderr);
		return MP_EXIT_USAGE;
	}
	h = mp_hist_new();
	if (!h || mp_receiver_open(dev, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf-agent recv: %s\n", h ? err : "out of memory");
		free(h);
		return MP_EXIT_ENV;
	}
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	t0 = mp_now_ns();
	mp_receiver_arm(r, (uint16_t)tag, t0 + from, len ? t0 + from + len : 0);
	fputs("ready\n", stderr);
	fflush(stderr);
	while (mp_now_ns() - t0 < dur && !interrupted)
		usleep(10000);
	mp_receiver_read(r, &c, h);
	out = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "frames", (json_int_t)c.frames,
			"lost", (json_int_t)c.lost, "reordered", (json_int_t)c.reordered,
			"duplicated", (json_int_t)c.duplicated, "earlier", (json_int_t)c.earlier,
			"outside", (json_int_t)c.outside, "other", (json_int_t)c.other,
			"ring_drops", (json_int_t)c.ring_drops);
	json_object_set_new(out, "lat_min_us", us(h, c.lat_min_ns));
	json_object_set_new(out, "lat_mean_us",
			    h->count ? json_real(mp_hist_mean(h) / NS_PER_US) : json_null());
	json_object_set_new(out, "lat_p50_us", us(h, mp_hist_percentile(h, 50)));
	json_object_set_new(out, "lat_p90_us", us(h, mp_hist_percentile(h, 90)));
	json_object_set_new(out, "lat_p99_us", us(h, mp_hist_percentile(h, 99)));
	json_object_set_new(out, "lat_p999_us", us(h, mp_hist_percentile(h, 99.9)));
	json_object_set_new(out, "lat_max_us", us(h, c.lat_max_ns));
	json_object_set_new(out, "jitter_us", json_real((double)c.jitter_ns / NS_PER_US));
	json_object_set_new(out, "samples", series(r));
	json_dumpf(out, stdout, JSON_COMPACT | JSON_REAL_PRECISION(9));
	putchar('\n');
	json_decref(out);
	mp_receiver_close(r);
	free(h);
	return interrupted ? MP_EXIT_INTR : MP_EXIT_OK;
}
