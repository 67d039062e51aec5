/* mir-perf: the controller's command line. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/pathf.h"
#include "controller/cmd/commands.h"
#include "controller/cmd/report.h"
#include "controller/plan/plan.h"
#include "controller/sweep/sweep.h"
#include "version.h"

static void usage(FILE *f)
{
	fputs("usage: mir-perf --plan FILE [--out DIR] [--dry-run] [--quiet] [--verbose]\n"
	      "       mir-perf --resume RUN_DIR [--quiet] [--verbose]\n"
	      "       mir-perf LIBRARY [VERSION] [--dry-run] [--out DIR]   (the old script's command line)\n"
	      "       mir-perf report RUN_DIR\n"
	      "       mir-perf compare RUN_A RUN_B [--threshold PCT]\n"
	      "       mir-perf export --format current-bench RUN_DIR\n"
	      "       mir-perf monitor [--interval D] [--duration D] IFACE...\n"
	      "       mir-perf image --out DIR\n"
	      "       mir-perf --help | --version\n"
	      "\n"
	      "Measures the packet forwarding performance of a MirageOS network library on\n"
	      "a Xen host (or on the namespace testbed), for one or many of its commits.\n"
	      "\n"
	      "  --plan FILE     run the sweep described by FILE (see docs/plan.md)\n"
	      "  --out DIR       write the run under DIR/<run-id>/ (default: the plan's output.dir)\n"
	      "  --dry-run       validate the plan and print the phase schedule; touch nothing\n"
	      "  --resume DIR    continue an interrupted run from its first unfinished phase\n"
	      "  --quiet         no progress output\n"
	      "  --verbose       debug logging\n"
	      "\n"
	      "Exit codes: 0 success, 1 the run failed (or compare found a slowdown),\n"
	      "2 bad usage or invalid input, 3 environment problem, 130 interrupted.\n", f);
}

/* The directory holding the sample plans: MP_CFG_DIR, else <exe>/../cfg. */
static void cfg_dir(char *buf, size_t len)
{
	const char *env = getenv("MP_CFG_DIR");
	char src[PATH_MAX - 16];

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	mp_find_src_dir(src, sizeof(src));
	snprintf(buf, len, "%s/cfg", src);
}

/* `mir-perf LIBRARY [VERSION]`: cfg/xen.yaml with that library and version
 * and the old range files, as the old script ran. The plan text is built
 * with the values quoted as YAML strings, then loaded and validated like any
 * plan (so a hostile value is refused, never interpreted). */
static int legacy_plan(const char *library, const char *version, struct mp_plan **out)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct mp_plan *base;
	int rc;

	cfg_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/xen.yaml", dir);
	rc = mp_plan_load(path, stderr, &base);
	if (rc < 0)
		return rc;
	rc = mp_plan_override_legacy(base, library, version, dir, stderr);
	if (rc < 0) {
		mp_plan_free(base);
		return rc;
	}
	*out = base;
	return 0;
}

/* After a sweep: the run's report, its warnings in the run's log too. */
static void write_report(const char *run_dir)
{
	char err[512], log[PATH_MAX];
	FILE *f = NULL;

	if (mp_pathf(log, sizeof(log), "%s/run.log", run_dir) == 0)
		f = fopen(log, "a");
	mp_log_set_file(f);
	if (mp_report_write(run_dir, err, sizeof(err)) < 0)
		mp_warn("report not written: %s", err);
	mp_log_set_file(NULL);
	if (f)
		fclose(f);
	fprintf(stderr, "results: %s\n", run_dir);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plan", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "resume", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char run_dir[PATH_MAX] = "";
	struct mp_run_opts ro = { 0 };
	const char *plan_path = NULL;
	struct mp_plan *plan = NULL;
	int dry = 0, c, rc;
	mp_cmd_fn cmd;

	mp_log_init("mir-perf", MP_LOG_INFO);
	/* A peer that closed its end (the agent's dead-man timer after the
	 * controller was not run for a while, as in dom0 of a loaded Xen VM)
	 * is an EPIPE for the write's callback, not the end of the run: with
	 * SIGPIPE's default the controller died at once (exit 141), its
	 * domains left running and its last phase unwritten. */
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && argv[1][0] != '-' && (cmd = mp_cmd_find(argv[1])))
		return cmd(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "p:o:nr:qvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'p': plan_path = optarg; break;
		case 'o': ro.out_dir = optarg; break;
		case 'n': dry = 1; break;
		case 'r': ro.resume_dir = optarg; break;
		case 'q': ro.quiet = 1; break;
		case 'v': ro.verbose = 1; break;
		case 'h': usage(stdout); return MP_EXIT_OK;
		case 'V': printf("mir-perf %s\n", MP_VERSION); return MP_EXIT_OK;
		default:
			fputs("mir-perf: see mir-perf --help\n", stderr);
			return MP_EXIT_USAGE;
		}
	}
	if (ro.verbose)
		mp_log_set_level(MP_LOG_DEBUG);
	if (ro.resume_dir) {
		if (plan_path || optind < argc || dry) {
			fputs("mir-perf: --resume takes only a run directory (and --quiet/--verbose)\n",
			      stderr);
			return MP_EXIT_USAGE;
		}
		rc = mp_sweep_resume(&ro, run_dir, sizeof(run_dir));
		if (run_dir[0])
			write_report(run_dir);
		return rc;
	}
	if (plan_path && optind < argc) {
		fprintf(stderr, "mir-perf: unexpected argument \"%s\" after --plan; see mir-perf --help\n",
			argv[optind]);
		return MP_EXIT_USAGE;
	}
	if (plan_path) {
		rc = mp_plan_load(plan_path, stderr, &plan);
	} else if (optind < argc && argc - optind <= 2) {
		rc = legacy_plan(argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, &plan);
	} else {
		if (optind < argc)
			fprintf(stderr, "mir-perf: \"%s\" is not a subcommand, and the old command "
				"line takes LIBRARY [VERSION]\n", argv[optind]);
		usage(stderr);
		return MP_EXIT_USAGE;
	}
	if (rc < 0)
		return rc == -EINVAL || rc == -ENOENT || rc == -EACCES ? MP_EXIT_USAGE : MP_EXIT_ENV;
	if (dry) {
		mp_plan_print_schedule(plan, stdout);
		mp_plan_free(plan);
		return MP_EXIT_OK;
	}
	rc = mp_sweep_run(plan, &ro, run_dir, sizeof(run_dir));
	mp_plan_free(plan);
	if (run_dir[0])
		write_report(run_dir);
	return rc;
}
