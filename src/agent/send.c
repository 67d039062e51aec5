/* mir-perf-agent send: one engine run without the control channel, its
 * counters printed as one JSON object (send.h). */
#include "agent/send.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/engine.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"

#define USAGE "usage: mir-perf-agent send --dev IF --size N --rate PPS|max " \
	"(--duration D | --count N)\n" \
	"       [--engine KIND] [--src-mac M] [--dst-mac M] [--src-ip A]\n" \
	"       [--dst-ip A] [--src-port P] [--dst-port P] [--tag N] [--imix SIZE:WEIGHT,...]\n"

static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int num(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	*out = strtoull(s, &end, 10);
	return *s && !*end && *out <= max ? 0 : -1;
}

int mp_send_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' }, { "size", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' }, { "duration", required_argument, NULL, 'D' },
		{ "count", required_argument, NULL, 'c' }, { "engine", required_argument, NULL, 'e' },
		{ "src-mac", required_argument, NULL, 'M' }, { "dst-mac", required_argument, NULL, 'm' },
		{ "src-ip", required_argument, NULL, 'I' }, { "dst-ip", required_argument, NULL, 'i' },
		{ "src-port", required_argument, NULL, 'P' }, { "dst-port", required_argument, NULL, 'p' },
		{ "tag", required_argument, NULL, 't' }, { "imix", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct mp_traffic t = { .src_port = 9, .dst_port = 9, .tag = 1 };
	const char *engine = mp_engines[MP_ENGINE_AUTO].name;
	struct mp_traffic_counters c;
	struct mp_engine *e;
	char err[512];
	unsigned long long v;
	uint64_t t0, t1;
	int opt, have_rate = 0, bad = 0;
	json_t *out;

	memset(t.dst_mac, 0xff, sizeof(t.dst_mac));
	inet_pton(AF_INET, "10.201.0.1", &t.src_ip);
	inet_pton(AF_INET, "10.201.0.2", &t.dst_ip);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1 && !bad) {
		switch (opt) {
		case 'd': snprintf(t.dev, sizeof(t.dev), "%s", optarg); break;
		case 's': bad = num(optarg, MP_FRAME_MAX, &v) || v < MP_FRAME_MIN; t.frame_size = (unsigned)v; break;
		case 'r':
			have_rate = 1;
			if (strcmp(optarg, "max") == 0)
				t.rate_pps = 0;
			else
				bad = num(optarg, 100000000ULL, &v) || !v, t.rate_pps = v;
			break;
		case 'D': bad = mp_duration_parse(optarg, &t.duration_ns) < 0 || !t.duration_ns; break;
		case 'c': bad = num(optarg, ~0ULL, &v) || !v; t.count = v; break;
		case 'e': engine = optarg; break;
		case 'M': bad = mp_mac_parse(optarg, t.src_mac) < 0; break;
		case 'm': bad = mp_mac_parse(optarg, t.dst_mac) < 0; break;
		case 'I': bad = inet_pton(AF_INET, optarg, &t.src_ip) != 1; break;
		case 'i': bad = inet_pton(AF_INET, optarg, &t.dst_ip) != 1; break;
		case 'P': bad = num(optarg, 65535, &v) || !v; t.src_port = (uint16_t)v; break;
		case 'p': bad = num(optarg, 65535, &v) || !v; t.dst_port = (uint16_t)v; break;
		case 't': bad = num(optarg, UINT16_MAX, &v) || !v; t.tag = (uint16_t)v; break;
		case 'x':
			bad = mp_imix_parse(optarg, &t.imix) < 0;
			t.frame_size = bad ? 0 : mp_imix_largest(&t.imix);
			break;
		case 'h':
			fputs(USAGE "KIND, the traffic engine:\n", stdout);
			mp_engine_help(stdout, "  ");
			return MP_EXIT_OK;
		default: bad = 1;
		}
		if (bad)
			fprintf(stderr, "mir-perf-agent send: bad value \"%s\" for %s\n",
				optarg ? optarg : "", argv[optind - 1]);
	}
	if (bad || !t.dev[0] || !t.frame_size || !have_rate || (!t.duration_ns && !t.count) ||
	    optind != argc) {
		fputs(USAGE, stderr);
		return MP_EXIT_USAGE;
	}
	if (mp_engine_create(engine, NULL, &e, err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf-agent send: %s\n", err);
		return MP_EXIT_ENV;
	}
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	t0 = mp_now_ns();
	if (mp_engine_start(e, &t, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf-agent send: %s\n", err);
		mp_engine_destroy(e);
		return MP_EXIT_ENV;
	}
	while (mp_engine_running(e) && !interrupted)
		usleep(1000);
	mp_engine_stop(e);
	t1 = mp_now_ns();
	mp_engine_counters(e, &c);
	{
		double el = c.last_tx_ns > c.first_tx_ns ? (double)(c.last_tx_ns - c.first_tx_ns) / MP_NS_PER_SEC
							  : (double)(t1 - t0) / MP_NS_PER_SEC;

		out = json_pack("{s:s, s:I, s:I, s:I, s:f, s:f}", "engine", mp_engine_name(e),
				"packets", (json_int_t)c.packets, "bytes", (json_int_t)c.bytes,
				"errors", (json_int_t)c.errors, "elapsed_s", el,
				"pps", el > 0 && c.packets > 1 ? (double)(c.packets - 1) / el : 0.0);
	}
	json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
	mp_engine_destroy(e);
	return interrupted ? MP_EXIT_INTR : MP_EXIT_OK;
}
