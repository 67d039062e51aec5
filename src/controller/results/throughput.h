/* throughput.csv: one row per version, frame size and search goal
 * (docs/search.md). Columns, in file order:
 *
 *   version,size,goal,goal_loss_pct,lower_pps,upper_pps,forwarded_pps,
 *   lower_mbps,trials,search_s,status,gen_max_pps,reason
 *
 * lower_pps: the highest rate that passed a final-duration trial (empty:
 * none); upper_pps: the lowest that failed one (empty: none, e.g.
 * generator-limited); forwarded_pps: what the DUT forwarded in the lower
 * bound's trial; lower_mbps: lower_pps x size x 8 / 1e6 (bytes without FCS,
 * as elsewhere; for IMIX the mix's mean frame size); trials and search_s: the trials run and the search's time
 * when the goal was settled; status: ok, generator-limited, timeout or
 * failed; gen_max_pps: what the generator reached when it fell short or was
 * asked for "max" (empty: never measured); reason: why, for failed and
 * timeout. Readers go by header name. */
#ifndef MP_THROUGHPUT_H
#define MP_THROUGHPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "controller/results/coltab.h"
#include "controller/results/csv.h"
#include "controller/plan/plan.h"

struct mp_tput_row {
	const char *version;
	unsigned size;
	const char *goal;
	double goal_loss_pct;
	double lower_pps, upper_pps;   /* NAN: none */
	double forwarded_pps;
	double lower_mbps;
	unsigned trials;
	double search_s;
	const char *status;
	double gen_max_pps;            /* NAN: not measured */
	const char *reason;            /* NULL: none */
};

/* Its column table (coltab.h): header, rows, results.json, reading. */
extern const struct mp_coltab mp_tput_tab;

/* The `stats` file's line for the row (the old format has none: one line
 * per goal, "Throughput NDR (loss <= 0%): size 60: 123456 pps ..."). */
void mp_tput_stats_line(FILE *f, const struct mp_tput_row *r);

/* throughput.csv parsed by name; text fields point into csv's cells. */
struct mp_tput {
	struct mp_csv csv;
	struct mp_tput_row *rows;
	size_t nrows;
};

/* Reads `path`. -ENOENT when the run has no searches; -EINVAL with
 * "PATH:LINE: what" in err when a required column (version, size, goal,
 * status) is missing or a cell is not what its column holds. */
int mp_tput_read(const char *path, struct mp_tput *t, char *err, size_t errlen);
void mp_tput_free(struct mp_tput *t);

#endif
