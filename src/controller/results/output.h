/* A run's files: OUT/<run-id>/{plan.yaml, samples.csv, phases.csv,
 * results.json, stats, run.log, latency.csv, throughput.csv, tcp.csv}. Rows
 * are appended and flushed as they come, so a run killed at any moment
 * leaves valid files holding every finished phase; results.json is
 * rewritten (write to a temporary file, fsync, rename) after every phase
 * and at the end, so it is always complete and parseable.
 *
 * Each CSV's columns are one table (coltab.h): samples_csv.c, phases_csv.c,
 * latency_csv.c, throughput.c, tcp_csv.c.
 * results.json: each phase with its receiver's latency histogram, when it
 *   had one, as "latency_hist": {"unit": "ns", "sub_bucket_bits": 11,
 *   "count": N, "buckets": "D:C D:C ..."} (mp_hist_encode's form)
 * (phase is 1-based in the files; NAN is an empty cell; text cells are
 * quoted per RFC 4180 when needed). `stats` is the old script's format:
 *   "Target packet rate: R    Packet size: S\n<iface>: Packets Rate: rx/tx\n"
 *   for the generator and dut_out interfaces, then an empty line. */
#ifndef MP_OUTPUT_H
#define MP_OUTPUT_H

#include <stdio.h>

#include "controller/plan/plan.h"
#include "controller/results/samples_csv.h"
#include "controller/results/summary.h"
#include "controller/results/tcp_csv.h"
#include "controller/results/throughput.h"

struct mp_out;

/* Creates BASE/<run-id> (run-id: <plan name>-<UTC yyyymmddThhmmssZ>, with a
 * -2, -3... suffix if taken) and its files; writes plan.yaml with
 * mp_plan_write. Returns 0 or a negative errno. */
int mp_out_open(const char *base, const struct mp_plan *plan, struct mp_out **out);

/* Reopens an interrupted run's directory for `mir-perf --resume`: reads its
 * plan.yaml (into *plan, caller frees) and phases.csv, drops the rows of
 * phases that did not finish (status skipped) from phases.csv and the samples
 * of those phases from samples.csv (rewritten through a temporary file and
 * rename; phases.csv with this version's columns, so that a run begun by an
 * older mir-perf still gets rows of its header's width), and sets
 * done[i] = 1 for every phase index whose row is ok or failed (done has
 * mp_plan_phase_count entries, allocated here, caller frees). In a search
 * plan a phase is a search: done when throughput.csv holds all its goals
 * (rows of a search cut short are dropped from it); the trial rows of an
 * unfinished search stay, for it to continue from. With traffic.tcp, the
 * repetitions in tcp.csv that finished are kept (skipped ones dropped) and
 * a TCP phase is done when all its repetitions are. Files are then
 * appended to. Errors name the file and what is wrong. */
int mp_out_resume(const char *run_dir, FILE *errf, struct mp_plan **plan,
		  unsigned char **done, struct mp_out **out);

/* The run's one clock. mp_out_t0 is the CLOCK_MONOTONIC reading (as
 * mp_now_ns) at which the run started: samples.csv's and latency.csv's t_s
 * and run.log's times are seconds since then (now - t0, in modular
 * arithmetic). A resumed run's t0 lies before this process began, so its
 * times go on after those on disk: the wall-clock time since the run's
 * start (results.json's "start"), and never less than the last t_s in
 * samples.csv. mp_out_start is that start in words, "2026-12-07 05:11:10.123
 * UTC" (a resumed run: the first start, to the second). */
uint64_t mp_out_t0(const struct mp_out *o);
const char *mp_out_start(const struct mp_out *o);

const char *mp_out_dir(const struct mp_out *o);
const char *mp_out_run_id(const struct mp_out *o);
FILE *mp_out_log(struct mp_out *o);        /* run.log, for mp_log_set_file */

/* Provenance for results.json. role: "dut"/"traffgen"; version NULL for the
 * traff-gen. Later calls for the same role replace earlier ones (a DUT
 * re-created per version is listed once per version). */
void mp_out_set_domain(struct mp_out *o, const char *role, const char *version,
		       unsigned domid, const char *name);
void mp_out_set_iface(struct mp_out *o, const char *role, const char *ifname);
/* A domain's console of one boot, kept in the run ("consoles" in
 * results.json): `file` relative to the run directory, `src` where dom0
 * logged it; version NULL for the traff-gen. */
void mp_out_add_console(struct mp_out *o, const char *role, const char *version,
			unsigned boot, const char *file, const char *src);
/* The DUT kernel a version ran ("kernels" in results.json, by version):
 * its path, size and SHA-256 (hex), and whether it was prebuilt. */
void mp_out_set_kernel(struct mp_out *o, const char *version, const char *path,
		       long long bytes, const char *sha256, int prebuilt);
void mp_out_set_discovery(struct mp_out *o, const char *ip, const char *method);
/* The emulator dom0 runs in, when it does ("QEMU 10.0.2 (...), TCG": the
 * Xen VM's dom0 says so), for results.json's "emulator". */
void mp_out_set_emulator(struct mp_out *o, const char *emulator);
void mp_out_set_info(struct mp_out *o, const char *key, const char *value);

/* Appends a row (not flushed: mp_out_flush after a batch). 0 or -errno. */
int mp_out_sample(struct mp_out *o, const struct mp_sample_row *row);

/* latency.csv (latency_csv.h): the receiver's 100 ms series of one phase,
 * written with its phase row. */
struct mp_latency_row {
	double t_s;
	double rx_pps;
	double p50_us, p99_us;     /* NAN without frames */
};
int mp_out_latency(struct mp_out *o, const struct mp_phase_row *phase,
		   const struct mp_latency_row *rows, size_t n);
/* Appends and flushes a phase row, appends to `stats`, rewrites
 * results.json. 0 or -errno (disk full, ...). */
int mp_out_phase(struct mp_out *o, const struct mp_phase_row *row);
int mp_out_flush(struct mp_out *o);
/* Appends a search goal's row to throughput.csv (created with its header by
 * the first), its line to `stats`, and rewrites results.json ("throughput"
 * array). 0 or -errno. */
int mp_out_throughput(struct mp_out *o, const struct mp_tput_row *r);
/* Appends a TCP repetition's row to tcp.csv (created with its header by the
 * first), its line to `stats`, and rewrites results.json ("tcp" array, each
 * row with the columns of tcp_csv.h). 0 or -errno. */
int mp_out_tcp(struct mp_out *o, const struct mp_tcp_row *r);
/* The TCP rows written so far, as results.json holds them (after
 * mp_out_resume: those of finished repetitions kept from before), for a
 * resumed TCP phase to go on from and the live line's running mean; NULL
 * when none (mp_tcp_row_from_json reads one). */
const json_t *mp_out_tcp_rows(const struct mp_out *o);

/* The phase rows written so far (after mp_out_resume: those kept from
 * before, in file order): a resumed search replays its trials from them. */
size_t mp_out_rows(const struct mp_out *o, const struct mp_phase_row **rows);

/* Final results.json with status ("completed", "failed", "interrupted")
 * and end time; flushes every file. Safe to call more than once. */
int mp_out_finish(struct mp_out *o, const char *status);
/* Closes the files and frees. */
void mp_out_close(struct mp_out *o);

#endif
