/* tcp.csv, TCP through the DUT: one row per version, streams and
 * repetition. Its columns are named once, in the column table mp_tcp_tab
 * (coltab.h) over struct mp_tcp_row, with the report's heading and cell
 * format and the metric `mir-perf export` makes of each. The writer
 * (output.c), results.json ("tcp"), resume, and the run reader (report,
 * compare, export) all go through it.
 *
 * Rates are iperf3's over its whole run, in Gbit/s (10^9 bit/s), sender
 * (what left the data side) and receiver (what reached the receiving
 * side, through the DUT); dut_cpu_s_per_gb is the DUT's CPU time over the
 * run (libxenctrl) per 10^9 bytes received, empty without libxenctrl;
 * csum_errors the TCP segments the two ends dropped for a wrong checksum
 * (failed repetitions too: it is how a DUT that leaves offloaded checksums
 * unfinished shows); the offloads are the traff-gen's interfaces' during the run, the features
 * each role's vif negotiated (frontend: the guest's netfront, backend:
 * dom0's netback) as xenstore held them.
 *
 * To add a column: one field in struct mp_tcp_row and one row in the
 * table (tcp_csv.c), where it should appear in the file. */
#ifndef MP_TCP_CSV_H
#define MP_TCP_CSV_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "controller/results/coltab.h"
#include "controller/results/csv.h"

struct mp_tcp_row {
	const char *version;
	size_t phase;                 /* 0-based: the schedule's TCP phase */
	unsigned streams;
	unsigned repetition;          /* 1-based */
	const char *status;           /* ok, failed, skipped */
	double sender_gbps, receiver_gbps;
	double retransmits;
	double csum_errors;           /* segments dropped for a wrong checksum */
	double sent_bytes, received_bytes;
	double seconds;               /* the receiver's measured time */
	double sender_cpu_pct, receiver_cpu_pct;   /* iperf3's processes */
	double dut_cpu_s_per_gb;
	const char *offloads;         /* traffic.tcp.offloads: keep, on, off */
	const char *checksum;         /* traffic.tcp.checksum: keep, on, off */
	const char *tg_offloads;      /* the data interface's, during the run */
	const char *rx_offloads;      /* the receiving interface's */
	const char *generator_frontend, *generator_backend;
	const char *dut_in_frontend, *dut_in_backend;
	const char *dut_out_frontend, *dut_out_backend;
	const char *receiver_frontend, *receiver_backend;
	const char *reason;           /* failed, skipped: why */
};

extern const struct mp_coltab mp_tcp_tab;

/* Every double NAN, pointers NULL, numbers 0. */
void mp_tcp_empty_row(struct mp_tcp_row *r);
/* The row from a results.json object (text fields point into it), the
 * inverse of mp_coltab_json. 0, or -EINVAL (a required value missing or a
 * value its column cannot hold). */
int mp_tcp_row_from_json(const json_t *o, struct mp_tcp_row *row);
/* The `stats` file's line for the row. */
void mp_tcp_stats_line(FILE *f, const struct mp_tcp_row *r);

/* tcp.csv parsed by name; text fields point into csv's cells. */
struct mp_tcps {
	struct mp_csv csv;
	struct mp_tcp_row *rows;
	size_t nrows;
};

/* Reads `path`. -ENOENT when the run has no TCP test; -EINVAL with
 * "PATH:LINE: what" in err for a missing required column or a cell its
 * column cannot hold. */
int mp_tcp_read(const char *path, struct mp_tcps *t, char *err, size_t errlen);
void mp_tcp_free(struct mp_tcps *t);

#endif
