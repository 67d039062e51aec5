/* RUN_DIR/report.html: self-contained (inline SVG, no network), plots made
 * with gnuplot whose .gp/.dat files are kept in RUN_DIR/plots/ with PNG
 * copies. Reads only the run's files (results.json, phases.csv,
 * samples.csv), so it works on any finished or interrupted run. */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stddef.h>

/* Returns 0, or a negative errno with a sentence in err (-ENOENT: gnuplot
 * missing or a run file missing; -EINVAL: a corrupted file, named). */
int mp_report_write(const char *run_dir, char *err, size_t errlen);

#endif
