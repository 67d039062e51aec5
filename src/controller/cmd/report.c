/* RUN_DIR/report.html (report.h): reads the run (rundir.c), draws its
 * plots (report_plots.c, with gnuplot through report_gnuplot.c) and writes
 * the page (report_html.c) through a temporary file and rename. */
#include "controller/cmd/report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/log.h"
#include "controller/cmd/commands.h"
#include "controller/cmd/report_html.h"
#include "controller/cmd/report_plots.h"
#include "controller/results/rundir.h"

int mp_report_write(const char *dir, char *err, size_t errlen)
{
	struct mp_rundir d;
	struct report_plot plots[REPORT_MAX_PLOTS];
	size_t nplots = 0;
	char path[PATH_MAX + 32], tmp[PATH_MAX + 32];
	FILE *f;
	int rc;

	if ((rc = mp_rundir_load(dir, MP_RUNDIR_RESULTS | MP_RUNDIR_SAMPLES, &d, err, errlen)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/plots", dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", path, mp_strerror(errno));
		mp_rundir_free(&d);
		return -errno;
	}
	nplots = report_plots_plan(&d, plots, REPORT_MAX_PLOTS);
	for (size_t i = 0; i < nplots && rc == 0; i++)
		rc = report_plot_draw(dir, &d, &plots[i], err, errlen);
	if (rc == 0) {
		snprintf(tmp, sizeof(tmp), "%s/.report.html.tmp", dir);
		snprintf(path, sizeof(path), "%s/report.html", dir);
		f = fopen(tmp, "w");
		if (!f) {
			snprintf(err, errlen, "cannot write %s: %s", tmp, mp_strerror(errno));
			rc = -errno;
		} else {
			report_html_write(f, dir, &d, plots, nplots);
			if (fclose(f) != 0 || rename(tmp, path) < 0) {
				snprintf(err, errlen, "cannot write %s: %s", path, mp_strerror(errno));
				rc = -EIO;
			}
		}
	}
	for (size_t i = 0; i < nplots; i++)
		free(plots[i].svg);
	mp_rundir_free(&d);
	return rc;
}

int mp_cmd_report(int argc, char **argv)
{
	char err[1024];

	mp_log_init("mir-perf report", MP_LOG_INFO);
	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: mir-perf report RUN_DIR\nWrites RUN_DIR/report.html and its plots.\n",
		      argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? MP_EXIT_OK : MP_EXIT_USAGE;
	}
	if (mp_report_write(argv[1], err, sizeof(err)) < 0) {
		fprintf(stderr, "mir-perf report: %s\n", err);
		return strstr(err, "gnuplot") ? MP_EXIT_ENV : MP_EXIT_USAGE;
	}
	printf("%s/report.html\n", argv[1]);
	return MP_EXIT_OK;
}
