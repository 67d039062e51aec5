/* mir-perf monitor: interface rates with the sweep's sampler and netlink code (commands.h). */
#include "controller/cmd/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"
#include "controller/host/nl.h"
#include "controller/host/sampler.h"

#define MONITOR_MAX_IFACES 16

struct monitor {
	struct mp_nl *nl;
	const char *names[MONITOR_MAX_IFACES];
	size_t n;
	struct mp_link_stats prev[MONITOR_MAX_IFACES];
	int have_prev;
	uint64_t t0, duration_ns;
	FILE *csv;
	int quiet;
	int error;
	uv_loop_t *loop;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mir-perf monitor [--interval D] [--duration D] [--csv FILE] [--quiet] IFACE...\n"
		"  Samples the interfaces' counters over netlink every interval (default 100ms)\n"
		"  for the duration (default 10s), prints rx/tx packet rates, then the\n"
		"  sampling lateness (p50/p99/max) and this process's CPU time.\n");
}

static void tick(struct mp_sampler *s, uint64_t due, uint64_t now, void *arg)
{
	struct monitor *m = arg;
	struct mp_link_stats st[MONITOR_MAX_IFACES];
	int rc = mp_nl_read(m->nl, m->names, m->n, st);

	(void)due;
	if (rc < 0) {
		mp_err("cannot read counters: %s (%s)", mp_strerror(rc),
		       rc == -ENODEV ? mp_nl_last_missing(m->nl) : "netlink");
		m->error = MP_EXIT_ENV;
		mp_sampler_stop(s);
		uv_stop(m->loop);
		return;
	}
	for (size_t i = 0; i < m->n; i++) {
		double rx = 0, tx = 0;

		if (m->have_prev && st[i].t_ns > m->prev[i].t_ns) {
			double dt = (double)(st[i].t_ns - m->prev[i].t_ns) / MP_NS_PER_SEC;

			rx = (double)(st[i].rx_packets - m->prev[i].rx_packets) / dt;
			tx = (double)(st[i].tx_packets - m->prev[i].tx_packets) / dt;
		}
		if (m->csv)
			fprintf(m->csv, "%.6f,%s,%llu,%llu,%.1f,%.1f\n",
				(double)(st[i].t_ns - m->t0) / MP_NS_PER_SEC, m->names[i],
				(unsigned long long)st[i].rx_packets,
				(unsigned long long)st[i].tx_packets, rx, tx);
		if (!m->quiet && m->have_prev)
			printf("%8.3f %-15s rx %12.0f pps  tx %12.0f pps\n",
			       (double)(st[i].t_ns - m->t0) / MP_NS_PER_SEC, m->names[i], rx, tx);
		m->prev[i] = st[i];
	}
	m->have_prev = 1;
	if (now - m->t0 >= m->duration_ns) {
		mp_sampler_stop(s);
		uv_stop(m->loop);
	}
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int mp_cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "csv", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct monitor m = { .duration_ns = 10 * MP_NS_PER_SEC };
	uint64_t interval = 100 * MP_NS_PER_MS;
	struct mp_sampler_lateness lat;
	struct mp_sampler *s;
	uv_loop_t loop;
	double cpu0;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'd':
			if (mp_duration_parse(optarg, c == 'i' ? &interval : &m.duration_ns) < 0 ||
			    (c == 'i' && interval < 1 * MP_NS_PER_MS)) {
				fprintf(stderr, "mir-perf monitor: bad duration '%s' (e.g. 100ms, 60s)\n", optarg);
				return MP_EXIT_USAGE;
			}
			break;
		case 'c':
			m.csv = fopen(optarg, "w");
			if (!m.csv) {
				fprintf(stderr, "mir-perf monitor: cannot write %s: %s\n", optarg, mp_strerror(errno));
				return MP_EXIT_ENV;
			}
			fprintf(m.csv, "t_s,iface,rx_packets,tx_packets,rx_pps,tx_pps\n");
			break;
		case 'q':
			m.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return MP_EXIT_OK;
		default:
			usage(stderr);
			return MP_EXIT_USAGE;
		}
	}
	for (; optind < argc && m.n < MONITOR_MAX_IFACES; optind++)
		m.names[m.n++] = argv[optind];
	if (m.n == 0 || optind < argc) {
		usage(stderr);
		if (m.csv)
			fclose(m.csv);
		return MP_EXIT_USAGE;
	}
	if ((rc = mp_nl_open(&m.nl)) < 0) {
		fprintf(stderr, "mir-perf monitor: cannot open netlink: %s\n", mp_strerror(rc));
		if (m.csv)
			fclose(m.csv);
		return MP_EXIT_ENV;
	}
	uv_loop_init(&loop);
	m.loop = &loop;
	mp_sampler_new(&loop, interval, tick, &m, &s);
	cpu0 = cpu_seconds();
	m.t0 = mp_now_ns();
	mp_sampler_start(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	mp_sampler_lateness(s, &lat);
	printf("samples %zu  skipped %zu  lateness p50 %.3f ms  p99 %.3f ms  max %.3f ms  cpu %.3f s\n",
	       lat.ticks, lat.skipped, lat.p50_ns / 1e6, lat.p99_ns / 1e6, lat.max_ns / 1e6,
	       cpu_seconds() - cpu0);
	mp_sampler_close(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(&loop);
	mp_nl_close(m.nl);
	if (m.csv)
		fclose(m.csv);
	return m.error ? m.error : rc ? MP_EXIT_FAIL : MP_EXIT_OK;
}
