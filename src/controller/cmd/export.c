/* mir-perf export --format current-bench RUN_DIR: the run in the JSON of
 * OCaml's benchmarking service current-bench, {"name", "results": [{"name",
 * "metrics": [{"name", "value", "units", "trend"}]}]}: one result per
 * (version, frame size), metrics per offered rate: the phases.csv columns
 * that name a metric (phases_csv.c); one per (version, streams) of TCP
 * through the DUT, the means of the tcp.csv columns that name one
 * (tcp_csv.c). Built with jansson. */
#include <ctype.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "controller/cmd/commands.h"
#include "controller/results/rundir.h"

/* A search's answer at (version, size): each goal's lower bound, in pps
 * and Mbit/s, higher is better ("ndr", "ndr-mbps"). */
static void goal_metrics(json_t *metrics, const struct mp_rundir *d, const char *version,
			 unsigned size)
{
	for (size_t i = 0; i < d->tput.nrows; i++) {
		const struct mp_tput_row *r = &d->tput.rows[i];
		char name[64];

		if (strcmp(r->version, version) || r->size != size || isnan(r->lower_pps))
			continue;
		snprintf(name, sizeof(name), "%s", r->goal);
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		json_array_append_new(metrics, json_pack("{s:s, s:f, s:s, s:s}", "name", name,
							 "value", r->lower_pps, "units", "pps",
							 "trend", "higher-is-better"));
		strncat(name, "-mbps", sizeof(name) - strlen(name) - 1);
		if (!isnan(r->lower_mbps))
			json_array_append_new(metrics, json_pack("{s:s, s:f, s:s, s:s}", "name", name,
								 "value", r->lower_mbps, "units",
								 "Mbit/s", "trend",
								 "higher-is-better"));
	}
}

/* The phase's figure in column `c` as a metric, when the column is one. */
static void metric(json_t *metrics, const struct mp_col *c, const struct mp_phase_row *p)
{
	double v = mp_col_num(c, p);
	char full[96];

	if (!c->metric || isnan(v))
		return;
	snprintf(full, sizeof(full), "%s@%llupps", c->metric, (unsigned long long)p->rate);
	json_array_append_new(metrics, json_pack("{s:s, s:f, s:s, s:s}", "name", full, "value", v,
						 "units", c->units, "trend",
						 c->trend == MP_TREND_HIGHER ? "higher-is-better"
									     : "lower-is-better"));
}

/* TCP through the DUT: one result per (version, streams), its metrics the
 * tcp.csv columns that name one, each the mean over the repetitions that
 * went through ("tcp-gbps", higher is better). */
static void tcp_results(json_t *results, const struct mp_rundir *d)
{
	for (size_t i = 0; i < d->tcp_sum.n; i++) {
		const struct mp_tcp_group *g = &d->tcp_sum.g[i];
		json_t *metrics = json_array();
		char name[160];

		for (size_t k = 0; k < mp_tcp_tab.ncols; k++) {
			const struct mp_col *c = &mp_tcp_tab.cols[k];
			double v = !c->metric ? NAN :
				strcmp(c->name, "receiver_gbps") == 0 ? g->mean :
				strcmp(c->name, "dut_cpu_s_per_gb") == 0 ? g->dut_cpu_mean : NAN;

			if (isnan(v))
				continue;
			json_array_append_new(metrics, json_pack("{s:s, s:f, s:s, s:s}", "name",
								 c->metric, "value", v, "units",
								 c->units, "trend",
								 c->trend == MP_TREND_HIGHER ?
								 "higher-is-better" :
								 "lower-is-better"));
		}
		if (!json_array_size(metrics)) {
			json_decref(metrics);
			continue;
		}
		snprintf(name, sizeof(name), "%s/tcp-%u-stream%s", g->version, g->streams,
			 g->streams == 1 ? "" : "s");
		json_array_append_new(results, json_pack("{s:s, s:o}", "name", name, "metrics",
							 metrics));
	}
}

int mp_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL;
	struct mp_rundir d;
	json_t *root, *results;
	char err[1024];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (c != 'f')
			return MP_EXIT_USAGE;
		format = optarg;
	}
	if (!format || strcmp(format, "current-bench") != 0 || argc - optind != 1) {
		fputs("usage: mir-perf export --format current-bench RUN_DIR\n", stderr);
		return MP_EXIT_USAGE;
	}
	if (mp_rundir_load(argv[optind], MP_RUNDIR_RESULTS, &d, err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf export: %s\n", err);
		return MP_EXIT_USAGE;
	}
	results = json_array();
	for (size_t v = 0; v < d.nversions; v++) {
		for (size_t s = 0; s < d.nsizes; s++) {
			json_t *metrics = json_array();
			char name[160];

			for (size_t i = 0; i < d.nphases; i++) {
				const struct mp_phase_row *p = &d.phases[i];

				/* A search's trials are steps, not results: its answer is. */
				if (strcmp(p->version, d.versions[v]) || p->size != d.sizes[s] ||
				    strcmp(p->status, "ok") || p->trial)
					continue;
				for (size_t k = 0; k < mp_phases_tab.ncols; k++)
					metric(metrics, &mp_phases_tab.cols[k], p);
			}
			goal_metrics(metrics, &d, d.versions[v], d.sizes[s]);
			if (!json_array_size(metrics)) {
				json_decref(metrics);
				continue;
			}
			{
				char sz[16];

				snprintf(name, sizeof(name), "%s/size-%s", d.versions[v],
					 mp_rundir_size_name(d.sizes[s], sz, sizeof(sz)));
			}
			json_array_append_new(results, json_pack("{s:s, s:o}", "name", name,
								 "metrics", metrics));
		}
	}
	tcp_results(results, &d);
	root = json_pack("{s:s, s:o}", "name",
			 json_string_value(json_object_get(d.results, "plan")) ?: d.run_id,
			 "results", results);
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
	mp_rundir_free(&d);
	return MP_EXIT_OK;
}
