/* mir-perf export --format current-bench RUN_DIR: the run in the JSON of
 * OCaml's benchmarking service current-bench, {"name", "results": [{"name",
 * "metrics": [{"name", "value", "units", "trend"}]}]}: one result per
 * (version, frame size), metrics per offered rate. Built with jansson. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "controller/commands.h"
#include "controller/report_data.h"

static void metric(json_t *metrics, const char *name, uint64_t rate, double v,
		   const char *units, const char *trend)
{
	char full[96];

	if (isnan(v))
		return;
	snprintf(full, sizeof(full), "%s@%llupps", name, (unsigned long long)rate);
	json_array_append_new(metrics, json_pack("{s:s, s:f, s:s, s:s}", "name", full,
						 "value", v, "units", units, "trend", trend));
}

int mp_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL;
	struct report_data d;
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
	if (report_data_load(argv[optind], &d, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf export: %s\n", err);
		return MP_EXIT_USAGE;
	}
	results = json_array();
	for (size_t v = 0; v < d.nversions; v++) {
		for (size_t s = 0; s < d.nsizes; s++) {
			json_t *metrics = json_array();
			char name[160];

			for (size_t i = 0; i < d.nphases; i++) {
				const struct report_phase *p = &d.phases[i];

				if (strcmp(p->version, d.versions[v]) || p->size != d.sizes[s] ||
				    strcmp(p->status, "ok"))
					continue;
				metric(metrics, "forwarded", p->rate, p->forwarded, "pps",
				       "higher-is-better");
				metric(metrics, "loss", p->rate, p->loss, "%", "lower-is-better");
				metric(metrics, "dut-cpu", p->rate, p->cpu_ns, "ns/packet",
				       "lower-is-better");
			}
			if (!json_array_size(metrics)) {
				json_decref(metrics);
				continue;
			}
			snprintf(name, sizeof(name), "%s/size-%u", d.versions[v], d.sizes[s]);
			json_array_append_new(results, json_pack("{s:s, s:o}", "name", name,
								 "metrics", metrics));
		}
	}
	root = json_pack("{s:s, s:o}", "name",
			 json_string_value(json_object_get(d.results, "plan")) ?: d.run_id,
			 "results", results);
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
	report_data_free(&d);
	return MP_EXIT_OK;
}
