/* TCP through the DUT summed up, per version and streams: the receiver's
 * rate of the repetitions that went through (ok), their mean, 95%
 * confidence interval, spread, and the failed and skipped ones counted
 * apart. One summary for the report, compare and export. */
#ifndef MP_TCP_STATS_H
#define MP_TCP_STATS_H

#include <stddef.h>

#include "controller/results/tcp_csv.h"

struct mp_tcp_group {
	const char *version;
	unsigned streams;
	double *gbps;                 /* receiver Gbit/s of the ok repetitions, in file order */
	size_t n;                     /* ok repetitions */
	size_t failed, skipped;
	double mean, min, max;        /* NAN without ok repetitions */
	double sd, ci95, cv_pct;      /* NAN with fewer than 2 */
	double sender_mean, retransmits_mean, dut_cpu_mean;   /* NAN when none */
	const struct mp_tcp_row *first;   /* its first row: offloads, features */
};

struct mp_tcp_summary {
	struct mp_tcp_group *g;       /* in the order their first rows come */
	size_t n;
};

/* Groups the rows. 0 or -ENOMEM. */
int mp_tcp_summarise(const struct mp_tcp_row *rows, size_t nrows, struct mp_tcp_summary *s);
void mp_tcp_summary_free(struct mp_tcp_summary *s);
const struct mp_tcp_group *mp_tcp_summary_find(const struct mp_tcp_summary *s,
					       const char *version, unsigned streams);

#endif
