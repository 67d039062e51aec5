/* A run's files (output.h). CSV rows go through stdio and are flushed per
 * phase (samples: per batch); when a write fails (disk full), the file is
 * cut back to its last complete row so that it stays valid. results.json
 * is replaced atomically. */
#include "controller/output.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/pathf.h"
#include "controller/csv.h"
#include "controller/phases_csv.h"
#include "version.h"

#define SAMPLES_HEADER "t_s,version,phase,size,rate,window,iface,role,rx_packets," \
	"tx_packets,rx_bytes,tx_bytes,rx_dropped,tx_dropped,rx_pps,tx_pps\n"
#define LATENCY_HEADER "t_s,version,phase,size,rate,rx_pps,lat_p50_us,lat_p99_us\n"
#define FRAME_NOTE "frame sizes are bytes without the 4-byte FCS (60 here is 64 on the wire)"

struct mp_out {
	char dir[PATH_MAX];
	char run_id[160];
	FILE *samples, *phases, *stats, *log, *latency;
	long samples_good, phases_good;
	json_t *domains, *ifaces, *info, *discovery;
	const struct mp_plan *plan;
	struct mp_phase_row *rows;   /* for results.json; own their strings */
	json_t **hists;              /* per row: its latency histogram, or NULL */
	size_t nrows, cap;
	char start[32], end[32];
	char status[32];
};

static void utc_now(char *buf, size_t len, int compact)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A name safe as one path component: every character outside [A-Za-z0-9_-]
 * becomes "_" (so never "." or ".."); an empty name becomes "run". */
static void sanitize(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++)
		out[n++] = (char)((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') ||
				  (*in >= '0' && *in <= '9') || *in == '-' || *in == '_' ? *in : '_');
	out[n] = '\0';
	if (n == 0)
		snprintf(out, len, "run");
}

static FILE *open_in(struct mp_out *o, const char *name, const char *mode)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", o->dir, name);
	return fopen(path, mode);
}

static int free_out(struct mp_out *o, int rc)
{
	if (o->samples)
		fclose(o->samples);
	if (o->phases)
		fclose(o->phases);
	if (o->stats)
		fclose(o->stats);
	if (o->log)
		fclose(o->log);
	if (o->latency)
		fclose(o->latency);
	json_decref(o->domains);
	json_decref(o->ifaces);
	json_decref(o->info);
	json_decref(o->discovery);
	for (size_t i = 0; i < o->nrows; i++) {
		free((char *)o->rows[i].version);
		free((char *)o->rows[i].status);
		free((char *)o->rows[i].reason);
		json_decref(o->hists[i]);
	}
	free(o->rows);
	free(o->hists);
	free(o);
	return rc;
}

static struct mp_out *out_new(const struct mp_plan *plan)
{
	struct mp_out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->plan = plan;
	o->domains = json_array();
	o->ifaces = json_object();
	o->info = json_object();
	o->discovery = json_object();
	utc_now(o->start, sizeof(o->start), 0);
	snprintf(o->status, sizeof(o->status), "running");
	return o;
}

static int write_results(struct mp_out *o);

int mp_out_open(const char *base, const struct mp_plan *plan, struct mp_out **out)
{
	struct mp_out *o = out_new(plan);
	char stamp[32], name[80];
	FILE *pf;
	int rc;

	*out = NULL;
	if (!o)
		return -ENOMEM;
	if ((rc = mp_mkdir_p(base)) < 0)
		return free_out(o, rc);
	utc_now(stamp, sizeof(stamp), 1);
	sanitize(plan->name, name, sizeof(name));
	for (int i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(o->run_id, sizeof(o->run_id), "%s-%s", name, stamp);
		else
			snprintf(o->run_id, sizeof(o->run_id), "%s-%s-%d", name, stamp, i);
		snprintf(o->dir, sizeof(o->dir), "%s/%s", base, o->run_id);
		if (mkdir(o->dir, 0755) == 0)
			break;
		if (errno != EEXIST)
			return free_out(o, -errno);
	}
	pf = open_in(o, "plan.yaml", "w");
	if (!pf || mp_plan_write(plan, pf) < 0 || fclose(pf) != 0)
		return free_out(o, -EIO);
	o->samples = open_in(o, "samples.csv", "w");
	o->phases = open_in(o, "phases.csv", "w");
	o->stats = open_in(o, "stats", "w");
	o->log = open_in(o, "run.log", "a");
	if (!o->samples || !o->phases || !o->stats || !o->log)
		return free_out(o, -errno);
	fputs(SAMPLES_HEADER, o->samples);
	mp_phases_csv_header(o->phases);
	if (fflush(o->samples) || fflush(o->phases))
		return free_out(o, -errno);
	o->samples_good = ftell(o->samples);
	o->phases_good = ftell(o->phases);
	if ((rc = write_results(o)) < 0)
		return free_out(o, rc);
	*out = o;
	return 0;
}

const char *mp_out_dir(const struct mp_out *o)
{
	return o->dir;
}

const char *mp_out_run_id(const struct mp_out *o)
{
	return o->run_id;
}

FILE *mp_out_log(struct mp_out *o)
{
	return o->log;
}

void mp_out_set_domain(struct mp_out *o, const char *role, const char *version,
		       unsigned domid, const char *name)
{
	size_t i;
	json_t *d;

	json_array_foreach(o->domains, i, d) {
		const char *r = json_string_value(json_object_get(d, "role"));
		const char *v = json_string_value(json_object_get(d, "version"));

		if (strcmp(r, role) == 0 && ((!v && !version) || (v && version && !strcmp(v, version)))) {
			json_array_remove(o->domains, i);
			break;
		}
	}
	d = json_pack("{s:s, s:s?, s:i, s:s}", "role", role, "version", version, "domid",
		      (json_int_t)domid, "name", name);
	if (d)
		json_array_append_new(o->domains, d);
}

void mp_out_set_iface(struct mp_out *o, const char *role, const char *ifname)
{
	json_object_set_new(o->ifaces, role, json_string(ifname));
}

void mp_out_set_discovery(struct mp_out *o, const char *ip, const char *method)
{
	json_object_set_new(o->discovery, "traffgen_ip", json_string(ip));
	json_object_set_new(o->discovery, "method", json_string(method));
}

void mp_out_set_info(struct mp_out *o, const char *key, const char *value)
{
	json_object_set_new(o->info, key, json_string(value));
}

/* Cuts `f` back to `good` bytes after a failed write, so it stays valid. */
static int cut_back(FILE *f, long good, int err)
{
	clearerr(f);
	if (ftruncate(fileno(f), good) == 0)
		fseek(f, good, SEEK_SET);
	return err ? -err : -EIO;
}

int mp_out_sample(struct mp_out *o, const struct mp_sample_row *r)
{
	fprintf(o->samples, "%.6f", r->t_s);
	mp_csv_field(o->samples, r->version, 0);
	fprintf(o->samples, ",%zu,%u,%llu", r->phase + 1, r->size, (unsigned long long)r->rate);
	mp_csv_field(o->samples, r->window, 0);
	mp_csv_field(o->samples, r->iface, 0);
	mp_csv_field(o->samples, r->role, 0);
	fprintf(o->samples, ",%llu,%llu,%llu,%llu,%llu,%llu",
		(unsigned long long)r->rx_packets, (unsigned long long)r->tx_packets,
		(unsigned long long)r->rx_bytes, (unsigned long long)r->tx_bytes,
		(unsigned long long)r->rx_dropped, (unsigned long long)r->tx_dropped);
	mp_csv_num(o->samples, r->rx_pps);
	mp_csv_num(o->samples, r->tx_pps);
	fputc('\n', o->samples);
	return ferror(o->samples) ? -EIO : 0;
}

int mp_out_flush(struct mp_out *o)
{
	if (fflush(o->samples) != 0 || ferror(o->samples))
		return cut_back(o->samples, o->samples_good, errno);
	o->samples_good = ftell(o->samples);
	return 0;
}

/* A histogram's compact form (common/hist.h's text of its buckets). */
static json_t *hist_json(const struct mp_hist *h)
{
	char *b = mp_hist_encode(h);
	json_t *o = b ? json_pack("{s:s, s:i, s:I, s:s}", "unit", "ns", "sub_bucket_bits",
				   MP_HIST_SUB_BITS, "count", (json_int_t)h->count, "buckets", b)
		      : NULL;

	free(b);
	return o;
}

/* Keeps a copy of the row (its own strings) for results.json. */
static int store_row(struct mp_out *o, const struct mp_phase_row *r)
{
	struct mp_phase_row *s;

	if (o->nrows == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 32;
		struct mp_phase_row *nr = realloc(o->rows, cap * sizeof(*nr));
		json_t **nh;

		if (!nr)
			return -ENOMEM;
		o->rows = nr;
		nh = realloc(o->hists, cap * sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		o->hists = nh;
		o->cap = cap;
	}
	o->hists[o->nrows] = r->lat_hist && r->lat_hist->count ? hist_json(r->lat_hist) : NULL;
	s = &o->rows[o->nrows];
	*s = *r;
	s->gen_iface = s->out_iface = NULL;
	s->lat_hist = NULL;
	s->version = strdup(r->version ? r->version : "");
	s->status = strdup(r->status ? r->status : "");
	s->reason = r->reason ? strdup(r->reason) : NULL;
	if (!s->version || !s->status || (r->reason && !s->reason)) {
		free((char *)s->version);
		free((char *)s->status);
		free((char *)s->reason);
		json_decref(o->hists[o->nrows]);
		return -ENOMEM;
	}
	o->nrows++;
	return 0;
}

/* The old script's lines: rx/tx rates of the generator and DUT out vifs. */
static void write_stats(struct mp_out *o, const struct mp_phase_row *r)
{
	const char *ifaces[2] = { r->gen_iface, r->out_iface };
	const double rx[2] = { r->offered_pps, r->forwarded_pps };
	const double tx[2] = { r->gen_tx_pps, r->out_tx_pps };

	if (strcmp(r->status, "skipped") == 0)
		return;
	fprintf(o->stats, "Target packet rate: %llu    Packet size: %u\n",
		(unsigned long long)r->rate, r->size);
	for (int i = 0; i < 2; i++)
		if (ifaces[i] && !isnan(rx[i]) && !isnan(tx[i]))
			fprintf(o->stats, "%s: Packets Rate: %.0f/%.0f\n", ifaces[i], rx[i], tx[i]);
	fputc('\n', o->stats);
	fflush(o->stats);
}

/* latency.csv is opened with the first rows to go in it: runs without a
 * receiver have none. */
int mp_out_latency(struct mp_out *o, const struct mp_phase_row *ph,
		   const struct mp_latency_row *rows, size_t n)
{
	char p50[MP_CSV_NUM_LEN], p99[MP_CSV_NUM_LEN], pps[MP_CSV_NUM_LEN];

	if (!o->latency) {
		char path[PATH_MAX + 16];
		int exists;

		snprintf(path, sizeof(path), "%s/latency.csv", o->dir);
		exists = access(path, F_OK) == 0;
		o->latency = open_in(o, "latency.csv", "a");
		if (!o->latency)
			return -errno;
		if (!exists)
			fputs(LATENCY_HEADER, o->latency);
	}
	for (size_t i = 0; i < n; i++) {
		mp_csv_num_str(pps, sizeof(pps), rows[i].rx_pps);
		mp_csv_num_str(p50, sizeof(p50), rows[i].p50_us);
		mp_csv_num_str(p99, sizeof(p99), rows[i].p99_us);
		fprintf(o->latency, "%.3f", rows[i].t_s);
		mp_csv_field(o->latency, ph->version, 0);
		fprintf(o->latency, ",%zu,%u,%llu,%s,%s,%s\n", ph->phase + 1, ph->size,
			(unsigned long long)ph->rate, pps, p50, p99);
	}
	if (fflush(o->latency) != 0 || ferror(o->latency))
		return -errno;
	return 0;
}

int mp_out_phase(struct mp_out *o, const struct mp_phase_row *r)
{
	int rc;

	mp_phases_csv_row(o->phases, r);
	if (fflush(o->phases) != 0 || ferror(o->phases))
		return cut_back(o->phases, o->phases_good, errno);
	o->phases_good = ftell(o->phases);
	write_stats(o, r);
	if ((rc = store_row(o, r)) < 0)
		return rc;
	return write_results(o);
}

static int write_results(struct mp_out *o)
{
	const struct mp_plan *p = o->plan;
	char tmp[PATH_MAX + 32], path[PATH_MAX + 32];
	json_t *root, *versions = json_array(), *phases = json_array();
	struct utsname u;
	int fd, rc = 0;

	for (size_t i = 0; i < p->nversions; i++)
		json_array_append_new(versions, json_string(p->versions[i]));
	for (size_t i = 0; i < o->nrows; i++) {
		json_t *ph = mp_phase_row_json(&o->rows[i]);

		if (ph && o->hists[i])
			json_object_set(ph, "latency_hist", o->hists[i]);
		if (ph)
			json_array_append_new(phases, ph);
	}
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	root = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s?, s:s, s:s, "
			 "s:O, s:O, s:O, s:O, s:s, s:o}",
			 "mir_perf_version", MP_VERSION, "run_id", o->run_id, "plan", p->name,
			 "library", "name", p->library_name, "repo", p->library_repo,
			 "versions", versions, "status", o->status, "start", o->start,
			 "end", o->end[0] ? o->end : NULL, "host", u.nodename, "kernel", u.release,
			 "discovery", o->discovery, "domains", o->domains, "interfaces", o->ifaces,
			 "info", o->info, "frame_size_note", FRAME_NOTE, "phases", phases);
	if (!root)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s/.results.json.tmp", o->dir);
	snprintf(path, sizeof(path), "%s/results.json", o->dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
	} else {
		if (json_dumpfd(root, fd, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 ||
		    write(fd, "\n", 1) != 1)
			rc = -ENOSPC;
		if (rc == 0 && fsync(fd) < 0)
			rc = -errno;
		if (close(fd) < 0 && rc == 0)
			rc = -errno;
		if (rc == 0 && rename(tmp, path) < 0)
			rc = -errno;
		if (rc < 0)
			unlink(tmp);
	}
	json_decref(root);
	return rc;
}

int mp_out_finish(struct mp_out *o, const char *status)
{
	int rc;

	snprintf(o->status, sizeof(o->status), "%s", status);
	utc_now(o->end, sizeof(o->end), 0);
	rc = mp_out_flush(o);
	fflush(o->stats);
	fflush(o->log);
	return write_results(o) ?: rc;
}

void mp_out_close(struct mp_out *o)
{
	if (o)
		free_out(o, 0);
}

/* --- resume ------------------------------------------------------------ */

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

	mp_phases_csv_header(f);
	for (size_t i = 0; i < o->nrows; i++)
		mp_phases_csv_row(f, &o->rows[i]);
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

int mp_out_resume(const char *run_dir, FILE *errf, struct mp_plan **plan,
		  unsigned char **done, struct mp_out **out)
{
	char path[PATH_MAX + 32], err[512];
	struct mp_phases ph = { 0 };
	struct mp_csv sa = { 0 };
	struct mp_plan *p = NULL;
	struct mp_out *o = NULL;
	unsigned char *d = NULL;
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
	snprintf(path, sizeof(path), "%s/phases.csv", run_dir);
	if ((rc = mp_phases_read(path, &ph, err, sizeof(err))) < 0 ||
	    (snprintf(path, sizeof(path), "%s/samples.csv", run_dir),
	     (rc = mp_csv_read(path, &sa, err, sizeof(err))) < 0)) {
		if (errf)
			fprintf(errf, "%s\n", err);
		goto fail;
	}
	n = mp_plan_phase_count(p);
	d = calloc(n ? n : 1, 1);
	o = out_new(p);
	if (!d || !o) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(o->dir, sizeof(o->dir), "%s", run_dir);
	slash = strrchr(run_dir, '/');
	snprintf(o->run_id, sizeof(o->run_id), "%s", slash && slash[1] ? slash + 1 : run_dir);
	for (size_t r = 0; r < ph.nrows; r++) {
		const struct mp_phase_row *row = &ph.rows[r];

		if (row->phase >= n) {
			if (errf)
				fprintf(errf, "%s/phases.csv:%zu: a phase number outside the plan\n",
					run_dir, r + 2);
			rc = -EINVAL;
			goto fail;
		}
		if (strcmp(row->status, "ok") != 0 && strcmp(row->status, "failed") != 0)
			continue;
		d[row->phase] = 1;
		if (store_row(o, row) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	/* Drop what did not finish: skipped rows, and samples of phases
	 * without a row (interrupted mid-phase). */
	kept = (struct kept_samples){ &sa, d, n };
	if ((rc = replace_file(o, "phases.csv", fill_phases, o)) < 0 ||
	    (rc = replace_file(o, "samples.csv", fill_samples, &kept)) < 0) {
		if (errf)
			fprintf(errf, "%s: cannot rewrite its CSV files: %s\n", run_dir, strerror(-rc));
		goto fail;
	}
	o->samples = open_in(o, "samples.csv", "a");
	o->phases = open_in(o, "phases.csv", "a");
	o->stats = open_in(o, "stats", "a");
	o->log = open_in(o, "run.log", "a");
	if (!o->samples || !o->phases || !o->stats || !o->log) {
		rc = -errno;
		goto fail;
	}
	o->samples_good = ftell(o->samples);
	o->phases_good = ftell(o->phases);
	mp_phases_free(&ph);
	mp_csv_free(&sa);
	*plan = p;
	*done = d;
	*out = o;
	return 0;
fail:
	mp_phases_free(&ph);
	mp_csv_free(&sa);
	free(d);
	if (o)
		free_out(o, 0);
	mp_plan_free(p);
	return rc;
}
