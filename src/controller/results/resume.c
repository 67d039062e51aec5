/* `mir-perf --resume RUN_DIR` (mp_out_resume in output.h): the run's plan
 * and finished phases read back (rundir.c), phases.csv and samples.csv
 * rewritten without what did not finish, the files reopened for appending. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/hist.h"
#include "controller/results/csv.h"
#include "controller/results/output_internal.h"
#include "controller/results/phases_csv.h"
#include "controller/results/rundir.h"
#include "controller/results/tcp_csv.h"
#include "controller/results/throughput.h"


/* Replaces `name` in the run directory with what `fill` writes, through a
 * temporary file and rename. */
static int replace_file(struct mp_out *o, const char *name,
			void (*fill)(FILE *, const void *), const void *arg)
{
	char tmp[PATH_MAX + 32], path[PATH_MAX + 32];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", o->dir, name);
	snprintf(path, sizeof(path), "%s/%s", o->dir, name);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fill(f, arg);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
		fclose(f);
		unlink(tmp);
		return -EIO;
	}
	if (fclose(f) != 0) {
		unlink(tmp);
		return -EIO;
	}
	return rename(tmp, path) < 0 ? -errno : 0;
}

/* phases.csv again from the kept rows, with this version's header: rows
 * appended later then match it even when the run was written by an older
 * mir-perf with fewer columns. */
static void fill_phases(FILE *f, const void *arg)
{
	const struct mp_out *o = arg;

	mp_coltab_header(&mp_phases_tab, f);
	for (size_t i = 0; i < o->nrows; i++)
		mp_coltab_row(&mp_phases_tab, f, &o->rows[i]);
}

struct kept_samples {
	const struct mp_csv *csv;
	const unsigned char *done;
	size_t ndone;
};

/* samples.csv as it was, but only the samples of finished phases. */
static void fill_samples(FILE *f, const void *arg)
{
	const struct kept_samples *k = arg;
	const struct mp_csv *csv = k->csv;
	int cp = mp_csv_col(csv, "phase");

	for (size_t c = 0; c < csv->ncols; c++)
		mp_csv_field(f, csv->header[c], c == 0);
	fputc('\n', f);
	for (size_t r = 0; cp >= 0 && r < csv->nrows; r++) {
		long v = strtol(csv->rows[r][cp], NULL, 10);

		if (v < 1 || (size_t)v > k->ndone || !k->done[v - 1])
			continue;
		for (size_t c = 0; c < csv->ncols; c++)
			mp_csv_field(f, csv->rows[r][c], c == 0);
		fputc('\n', f);
	}
}

/* The rows of a table read back (throughput.csv, tcp.csv) that a resume
 * keeps: those whose string field at `key` was not cleared to NULL. */
struct kept_rows {
	const struct mp_coltab *tab;
	const void *rows;
	size_t size, n, key;
};

static const void *kept_row(const struct kept_rows *k, size_t i)
{
	const char *row = (const char *)k->rows + i * k->size;

	return *(const char *const *)(const void *)(row + k->key) ? row : NULL;
}

static void fill_kept(FILE *f, const void *arg)
{
	const struct kept_rows *k = arg;

	mp_coltab_header(k->tab, f);
	for (size_t i = 0; i < k->n; i++)
		if (kept_row(k, i))
			mp_coltab_row(k->tab, f, kept_row(k, i));
}

/* The kept rows as results.json holds them; NULL without memory. */
static json_t *kept_json(const struct kept_rows *k)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < k->n; i++)
		if (kept_row(k, i))
			json_array_append_new(a, mp_coltab_json(k->tab, kept_row(k, i)));
	return a;
}

/* A table of the run read back (throughput.csv, tcp.csv) by its reader,
 * which returned rc: 1 when read, 0 when the run has none (-ENOENT:
 * nothing of it to resume), else rc, with the reader's err said on errf. */
static int read_back(int rc, const char *err, FILE *errf)
{
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		if (errf)
			fprintf(errf, "%s\n", err);
		return rc;
	}
	return 1;
}

/* The kept rows written back over their file in the run directory, and
 * kept for results.json in *json. */
static int keep_rows(struct mp_out *o, const struct kept_rows *k, json_t **json)
{
	int rc = replace_file(o, k->tab->file, fill_kept, k);

	if (rc == 0)
		*json = kept_json(k);
	return rc;
}

/* Whether throughput row r answers the search of phase ph. */
static int of_search(const struct mp_tput_row *r, const struct mp_plan *p,
		     const struct mp_phase *ph)
{
	return r->size == ph->size && strcmp(r->version, p->versions[ph->version]) == 0;
}

/* A plan with searches: the searches whose every goal is in throughput.csv
 * are done; rows of a search cut short are dropped (it runs again from its
 * trials and writes them all). Grid phases are left as they are. */
static int resume_throughput(struct mp_out *o, unsigned char *done, size_t n, FILE *errf)
{
	const struct mp_plan *p = o->plan;
	char path[PATH_MAX + 32], err[512];
	struct mp_tput t;
	struct kept_rows k;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", o->dir, mp_tput_tab.file);
	if ((rc = read_back(mp_tput_read(path, &t, err, sizeof(err)), err, errf)) <= 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct mp_phase ph;
		size_t goals = 0;

		mp_plan_phase(p, i, &ph);
		if (!ph.search)
			continue;
		for (size_t r = 0; r < t.nrows; r++)
			goals += (size_t)of_search(&t.rows[r], p, &ph);
		done[i] = goals == p->search->ngoals;
		for (size_t r = 0; !done[i] && r < t.nrows; r++)
			if (of_search(&t.rows[r], p, &ph))
				t.rows[r].goal = NULL;
	}
	/* a search that did not finish has its goal cleared */
	k = (struct kept_rows){ &mp_tput_tab, t.rows, sizeof(*t.rows), t.nrows,
				offsetof(struct mp_tput_row, goal) };
	rc = keep_rows(o, &k, &o->tput_rows);
	mp_tput_free(&t);
	return rc;
}

/* A plan with traffic.tcp: the repetitions in tcp.csv that finished (ok or
 * failed) are kept, once each; skipped ones are dropped (they run). A TCP
 * phase is done when every one of its repetitions is kept. */
static int resume_tcp(struct mp_out *o, unsigned char *done, size_t n, FILE *errf)
{
	const struct mp_plan *p = o->plan;
	char path[PATH_MAX + 32], err[512];
	struct mp_tcps t;
	struct kept_rows k;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", o->dir, mp_tcp_tab.file);
	if ((rc = read_back(mp_tcp_read(path, &t, err, sizeof(err)), err, errf)) <= 0)
		return rc;
	for (size_t r = 0; r < t.nrows; r++) {
		struct mp_tcp_row *row = &t.rows[r];
		struct mp_phase ph;
		int dup = 0;

		if (row->phase < n)
			mp_plan_phase(p, row->phase, &ph);
		if (row->phase >= n || !ph.tcp || row->streams != ph.streams ||
		    strcmp(row->version, p->versions[ph.version]) != 0 ||
		    row->repetition > p->tcp->repetitions) {
			if (errf)
				fprintf(errf, "%s:%zu: a TCP repetition the plan does not have\n",
					path, r + 2);
			mp_tcp_free(&t);
			return -EINVAL;
		}
		for (size_t q = 0; q < r; q++)
			dup |= t.rows[q].status && t.rows[q].phase == row->phase &&
			       t.rows[q].repetition == row->repetition;
		if (dup || strcmp(row->status, "skipped") == 0)
			row->status = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct mp_phase ph;
		unsigned kept = 0;

		mp_plan_phase(p, i, &ph);
		if (!ph.tcp)
			continue;
		for (size_t r = 0; r < t.nrows; r++)
			kept += t.rows[r].status && t.rows[r].phase == i;
		done[i] = kept == p->tcp->repetitions;
	}
	/* a repetition that did not finish, or a repeated one, has its status cleared */
	k = (struct kept_rows){ &mp_tcp_tab, t.rows, sizeof(*t.rows), t.nrows,
				offsetof(struct mp_tcp_row, status) };
	rc = keep_rows(o, &k, &o->tcp_rows);
	mp_tcp_free(&t);
	return rc;
}

/* The run's clock goes on where it was (output.h, mp_out_t0): its first
 * start stays results.json's "start"; t0 is put as far back as the wall
 * clock says the run started, and never after the last t_s written, so
 * times never run backwards within a file. The resume's own time is added
 * to results.json's "resumed". */
static void continue_clock(struct mp_out *o, const struct mp_rundir *rd, const struct mp_csv *sa)
{
	const char *start = rd->results ? json_string_value(json_object_get(rd->results, "start"))
		: NULL;
	int ct = mp_csv_col(sa, "t_s");
	double since = 0;
	struct timespec now;
	struct tm tm;
	json_t *before = rd->results ? json_object_get(rd->results, "resumed") : NULL;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(&tm, 0, sizeof(tm));
	if (start && strlen(start) < sizeof(o->start)) {
		const char *end = strptime(start, "%Y-%m-%dT%H:%M:%SZ", &tm);

		if (end && !*end) {
			char day[32];

			since = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - (double)timegm(&tm);
			snprintf(o->start, sizeof(o->start), "%s", start);
			strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
			snprintf(o->start_text, sizeof(o->start_text), "%s UTC", day);
		}
	}
	for (size_t r = 0; ct >= 0 && r < sa->nrows; r++) {
		double t = strtod(sa->rows[r][ct], NULL);

		if (t > since)
			since = t;
	}
	o->t0 -= (uint64_t)(since * 1e9);
	o->resumed = json_is_array(before) ? json_deep_copy(before) : json_array();
	if (o->resumed) {
		char stamp[32];

		gmtime_r(&now.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_array_append_new(o->resumed, json_string(stamp));
	}
}

size_t mp_out_rows(const struct mp_out *o, const struct mp_phase_row **rows)
{
	*rows = o->rows;
	return o->nrows;
}

int mp_out_resume(const char *run_dir, FILE *errf, struct mp_plan **plan,
		  unsigned char **done, struct mp_out **out)
{
	char path[PATH_MAX + 32], err[512];
	struct mp_rundir rd = { 0 };
	struct mp_csv sa = { 0 };
	struct mp_plan *p = NULL;
	struct mp_out *o = NULL;
	unsigned char *d = NULL, *has = NULL;
	struct mp_hist *hist = NULL;
	struct kept_samples kept;
	const char *slash;
	size_t n;
	int rc;

	*plan = NULL;
	*done = NULL;
	*out = NULL;
	snprintf(path, sizeof(path), "%s/plan.yaml", run_dir);
	if ((rc = mp_plan_load(path, errf, &p)) < 0) {
		if (errf)
			fprintf(errf, "%s: not a run directory mir-perf can resume (no valid plan.yaml)\n",
				run_dir);
		return rc;
	}
	/* results.json, when the run got as far, for the phases' latency
	 * histograms; samples.csv is read as plain CSV: it is copied back,
	 * every column. */
	snprintf(path, sizeof(path), "%s/results.json", run_dir);
	if ((rc = mp_rundir_load(run_dir, access(path, F_OK) == 0 ? MP_RUNDIR_RESULTS : 0, &rd,
				 err, sizeof(err))) < 0 ||
	    (snprintf(path, sizeof(path), "%s/samples.csv", run_dir),
	     (rc = mp_csv_read(path, &sa, err, sizeof(err))) < 0)) {
		if (errf)
			fprintf(errf, "%s\n", err);
		goto fail;
	}
	n = mp_plan_phase_count(p);
	d = calloc(n ? n : 1, 1);
	has = calloc(n ? n : 1, 1);
	o = mp__out_new(p);
	hist = mp_hist_new();
	if (!d || !has || !o || !hist) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(o->dir, sizeof(o->dir), "%s", run_dir);
	continue_clock(o, &rd, &sa);
	slash = strrchr(run_dir, '/');
	snprintf(o->run_id, sizeof(o->run_id), "%s", slash && slash[1] ? slash + 1 : run_dir);
	for (size_t r = 0; r < rd.nphases; r++) {
		const struct mp_phase_row *row = &rd.phases[r];
		struct mp_phase ph;

		if (row->phase >= n) {
			if (errf)
				fprintf(errf, "%s/phases.csv:%zu: a phase number outside the plan\n",
					run_dir, r + 2);
			rc = -EINVAL;
			goto fail;
		}
		if (strcmp(row->status, "ok") != 0 && strcmp(row->status, "failed") != 0)
			continue;
		/* A search is done when its goals are in throughput.csv; its
		 * trials so far are kept for it to continue from. */
		mp_plan_phase(p, row->phase, &ph);
		if (!ph.search)
			d[row->phase] = 1;
		has[row->phase] = 1;
		{
			/* The row as it was written, its histogram included. */
			struct mp_phase_row kept_row = *row;

			if (hist && mp_rundir_latency_hist(&rd, row, hist) == 0)
				kept_row.lat_hist = hist;
			if (mp__out_store_row(o, &kept_row) < 0) {
				rc = -ENOMEM;
				goto fail;
			}
		}
	}
	if (p->search && (rc = resume_throughput(o, d, n, errf)) < 0)
		goto fail;
	if (p->tcp && (rc = resume_tcp(o, d, n, errf)) < 0)
		goto fail;
	/* Drop what did not finish: skipped rows, and samples of phases
	 * without a row (interrupted mid-phase). */
	kept = (struct kept_samples){ &sa, has, n };
	if ((rc = replace_file(o, "phases.csv", fill_phases, o)) < 0 ||
	    (rc = replace_file(o, "samples.csv", fill_samples, &kept)) < 0) {
		if (errf)
			fprintf(errf, "%s: cannot rewrite its CSV files: %s\n", run_dir, mp_strerror(rc));
		goto fail;
	}
	o->samples = mp__out_open_in(o, "samples.csv", "a");
	o->phases = mp__out_open_in(o, "phases.csv", "a");
	o->stats = mp__out_open_in(o, "stats", "a");
	o->log = mp__out_open_in(o, "run.log", "a");
	if (!o->samples || !o->phases || !o->stats || !o->log) {
		rc = -errno;
		goto fail;
	}
	o->samples_good = ftell(o->samples);
	o->phases_good = ftell(o->phases);
	mp_rundir_free(&rd);
	mp_csv_free(&sa);
	free(has);
	free(hist);
	*plan = p;
	*done = d;
	*out = o;
	return 0;
fail:
	mp_rundir_free(&rd);
	mp_csv_free(&sa);
	free(d);
	free(has);
	free(hist);
	if (o)
		mp__out_free(o, 0);
	mp_plan_free(p);
	return rc;
}
