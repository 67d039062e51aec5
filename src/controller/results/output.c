/* A run's files (output.h). CSV rows go through stdio and are flushed per
 * phase (samples: per batch); when a write fails (disk full), the file is
 * cut back to its last complete row so that it stays valid. results.json
 * is replaced atomically. */
#include "controller/results/output.h"

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

#include "common/clock.h"
#include "common/pathf.h"
#include "controller/results/csv.h"
#include "controller/results/latency_csv.h"
#include "controller/results/output_internal.h"
#include "controller/results/phases_csv.h"
#include "version.h"

#define FRAME_NOTE "frame sizes are bytes without the 4-byte FCS (60 here is 64 on the wire)"

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

FILE *mp__out_open_in(struct mp_out *o, const char *name, const char *mode)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", o->dir, name);
	return fopen(path, mode);
}

static void free_row_text(struct mp_phase_row *r);

int mp__out_free(struct mp_out *o, int rc)
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
	if (o->tput)
		fclose(o->tput);
	json_decref(o->tput_rows);
	if (o->tcp)
		fclose(o->tcp);
	json_decref(o->tcp_rows);
	json_decref(o->resumed);
	json_decref(o->domains);
	json_decref(o->ifaces);
	json_decref(o->info);
	json_decref(o->discovery);
	json_decref(o->consoles);
	json_decref(o->kernels);
	for (size_t i = 0; i < o->nrows; i++) {
		free_row_text(&o->rows[i]);
		json_decref(o->hists[i]);
	}
	free(o->rows);
	free(o->hists);
	free(o);
	return rc;
}

struct mp_out *mp__out_new(const struct mp_plan *plan)
{
	struct mp_out *o = calloc(1, sizeof(*o));
	struct timespec rt;
	struct tm tm;
	char day[32];

	if (!o)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &rt);
	o->t0 = mp_now_ns();
	gmtime_r(&rt.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(o->start_text, sizeof(o->start_text), "%s.%03ld UTC", day,
		 rt.tv_nsec / (long)MP_NS_PER_MS);
	o->plan = plan;
	o->domains = json_array();
	o->ifaces = json_object();
	o->info = json_object();
	o->discovery = json_object();
	strftime(o->start, sizeof(o->start), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o->consoles = json_array();
	o->kernels = json_object();
	snprintf(o->status, sizeof(o->status), "running");
	return o;
}

static int write_results(struct mp_out *o);

int mp_out_open(const char *base, const struct mp_plan *plan, struct mp_out **out)
{
	struct mp_out *o = mp__out_new(plan);
	char stamp[32], name[80];
	FILE *pf;
	int rc;

	*out = NULL;
	if (!o)
		return -ENOMEM;
	if ((rc = mp_mkdir_p(base)) < 0)
		return mp__out_free(o, rc);
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
			return mp__out_free(o, -errno);
	}
	pf = mp__out_open_in(o, "plan.yaml", "w");
	if (!pf || mp_plan_write(plan, pf) < 0 || fclose(pf) != 0)
		return mp__out_free(o, -EIO);
	o->samples = mp__out_open_in(o, "samples.csv", "w");
	o->phases = mp__out_open_in(o, "phases.csv", "w");
	o->stats = mp__out_open_in(o, "stats", "w");
	o->log = mp__out_open_in(o, "run.log", "a");
	if (!o->samples || !o->phases || !o->stats || !o->log)
		return mp__out_free(o, -errno);
	mp_coltab_header(&mp_samples_tab, o->samples);
	mp_coltab_header(&mp_phases_tab, o->phases);
	if (fflush(o->samples) || fflush(o->phases))
		return mp__out_free(o, -errno);
	o->samples_good = ftell(o->samples);
	o->phases_good = ftell(o->phases);
	if ((rc = write_results(o)) < 0)
		return mp__out_free(o, rc);
	*out = o;
	return 0;
}

uint64_t mp_out_t0(const struct mp_out *o)
{
	return o->t0;
}

const char *mp_out_start(const struct mp_out *o)
{
	return o->start_text;
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

void mp_out_add_console(struct mp_out *o, const char *role, const char *version,
			unsigned boot, const char *file, const char *src)
{
	json_t *c = json_pack("{s:s, s:s?, s:i, s:s, s:s}", "role", role, "version", version,
			      "boot", (json_int_t)boot, "file", file, "source", src);

	if (c)
		json_array_append_new(o->consoles, c);
}

void mp_out_set_kernel(struct mp_out *o, const char *version, const char *path,
		       long long bytes, const char *sha256, int prebuilt)
{
	json_object_set_new(o->kernels, version,
			    json_pack("{s:s, s:I, s:s?, s:b}", "path", path, "bytes",
				      (json_int_t)bytes, "sha256", sha256, "prebuilt", prebuilt));
}

void mp_out_set_emulator(struct mp_out *o, const char *emulator)
{
	snprintf(o->emulator, sizeof(o->emulator), "%s", emulator);
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
	mp_coltab_row(&mp_samples_tab, o->samples, r);
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

/* The field of a text column, or NULL for other columns. */
static const char **text_field(const struct mp_col *c, struct mp_phase_row *r)
{
	return c->type == MP_COL_TEXT ? (const char **)((char *)r + c->off) : NULL;
}

static void free_row_text(struct mp_phase_row *r)
{
	for (size_t i = 0; i < mp_phases_tab.ncols; i++) {
		const char **t = text_field(&mp_phases_tab.cols[i], r);

		if (t) {
			free((char *)*t);
			*t = NULL;
		}
	}
}

/* Keeps a copy of the row (its own strings, its histogram's JSON) for
 * results.json. */
int mp__out_store_row(struct mp_out *o, const struct mp_phase_row *r)
{
	struct mp_phase_row *s;
	int ok = 1;

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
	if (!s->version)
		s->version = "";
	if (!s->status)
		s->status = "";
	/* Every text column is the row's own copy. */
	for (size_t i = 0; i < mp_phases_tab.ncols; i++) {
		const char **t = text_field(&mp_phases_tab.cols[i], s);

		if (t && *t && !(*t = strdup(*t)))
			ok = 0;
	}
	if (!ok) {
		free_row_text(s);
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
	if (!o->latency) {
		char path[PATH_MAX + 16];
		int exists;

		snprintf(path, sizeof(path), "%s/latency.csv", o->dir);
		exists = access(path, F_OK) == 0;
		o->latency = mp__out_open_in(o, "latency.csv", "a");
		if (!o->latency)
			return -errno;
		if (!exists)
			mp_coltab_header(&mp_latency_tab, o->latency);
	}
	for (size_t i = 0; i < n; i++) {
		const struct mp_latency_line line = {
			.t_s = rows[i].t_s, .version = ph->version, .phase = ph->phase,
			.size = ph->size, .rate = ph->rate, .rx_pps = rows[i].rx_pps,
			.lat_p50_us = rows[i].p50_us, .lat_p99_us = rows[i].p99_us,
		};

		mp_coltab_row(&mp_latency_tab, o->latency, &line);
	}
	if (fflush(o->latency) != 0 || ferror(o->latency))
		return -errno;
	return 0;
}

int mp_out_phase(struct mp_out *o, const struct mp_phase_row *r)
{
	int rc;

	mp_coltab_row(&mp_phases_tab, o->phases, r);
	if (fflush(o->phases) != 0 || ferror(o->phases))
		return cut_back(o->phases, o->phases_good, errno);
	o->phases_good = ftell(o->phases);
	write_stats(o, r);
	if ((rc = mp__out_store_row(o, r)) < 0)
		return rc;
	return write_results(o);
}

int mp_out_throughput(struct mp_out *o, const struct mp_tput_row *r)
{
	long good;

	if (!o->tput) {
		o->tput = mp__out_open_in(o, "throughput.csv", "a");
		if (!o->tput)
			return -errno;
		fseek(o->tput, 0, SEEK_END);
		if (ftell(o->tput) == 0)
			mp_coltab_header(&mp_tput_tab, o->tput);
	}
	good = ftell(o->tput);
	mp_coltab_row(&mp_tput_tab, o->tput, r);
	if (fflush(o->tput) != 0 || ferror(o->tput))
		return cut_back(o->tput, good, errno);
	mp_tput_stats_line(o->stats, r);
	fflush(o->stats);
	if (!o->tput_rows)
		o->tput_rows = json_array();
	json_array_append_new(o->tput_rows, mp_coltab_json(&mp_tput_tab, r));
	return write_results(o);
}

int mp_out_tcp(struct mp_out *o, const struct mp_tcp_row *r)
{
	long good;

	if (!o->tcp) {
		o->tcp = mp__out_open_in(o, "tcp.csv", "a");
		if (!o->tcp)
			return -errno;
		fseek(o->tcp, 0, SEEK_END);
		if (ftell(o->tcp) == 0)
			mp_coltab_header(&mp_tcp_tab, o->tcp);
	}
	good = ftell(o->tcp);
	mp_coltab_row(&mp_tcp_tab, o->tcp, r);
	if (fflush(o->tcp) != 0 || ferror(o->tcp))
		return cut_back(o->tcp, good, errno);
	mp_tcp_stats_line(o->stats, r);
	fflush(o->stats);
	if (!o->tcp_rows)
		o->tcp_rows = json_array();
	if (!o->tcp_rows || json_array_append_new(o->tcp_rows, mp_coltab_json(&mp_tcp_tab, r)) < 0)
		return -ENOMEM;
	return write_results(o);
}

const json_t *mp_out_tcp_rows(const struct mp_out *o)
{
	return o->tcp_rows;
}

/* All of buf to fd, in as few write() calls as the kernel allows. */
static int write_whole(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENOSPC;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_results(struct mp_out *o)
{
	const struct mp_plan *p = o->plan;
	char tmp[PATH_MAX + 32], path[PATH_MAX + 32], *text;
	json_t *root, *versions = json_array(), *phases = json_array();
	struct utsname u;
	int fd, rc = 0;

	for (size_t i = 0; i < p->nversions; i++)
		json_array_append_new(versions, json_string(p->versions[i]));
	for (size_t i = 0; i < o->nrows; i++) {
		json_t *ph = mp_coltab_json(&mp_phases_tab, &o->rows[i]);

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
	if (o->tput_rows)
		json_object_set(root, "throughput", o->tput_rows);
	if (o->tcp_rows)
		json_object_set(root, "tcp", o->tcp_rows);
	if (p->tcp && p->tcp->reference)
		json_object_set_new(root, "tcp_reference", json_string(p->tcp->reference));
	if (o->resumed)
		json_object_set(root, "resumed", o->resumed);
	json_object_set(root, "consoles", o->consoles);
	if (o->emulator[0])
		json_object_set_new(root, "emulator", json_string(o->emulator));
	if (json_object_size(o->kernels))
		json_object_set(root, "kernels", o->kernels);
	snprintf(tmp, sizeof(tmp), "%s/.results.json.tmp", o->dir);
	snprintf(path, sizeof(path), "%s/results.json", o->dir);
	/* Dumped to memory first: jansson's dump to a descriptor is one
	 * write() per token (19 840 for a 71 kB results.json of a run with
	 * searches), each a round trip over dom0's 9p share on the Xen VM:
	 * the loop stood still for 15-25 s after a search there, and the
	 * agent's dead-man closed the connection. */
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	fd = text ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	if (!text) {
		rc = -ENOMEM;
	} else if (fd < 0) {
		rc = -errno;
	} else {
		if ((rc = write_whole(fd, text, strlen(text))) == 0)
			rc = write_whole(fd, "\n", 1);
		if (rc == 0 && fsync(fd) < 0)
			rc = -errno;
		if (close(fd) < 0 && rc == 0)
			rc = -errno;
		if (rc == 0 && rename(tmp, path) < 0)
			rc = -errno;
		if (rc < 0)
			unlink(tmp);
	}
	free(text);
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
		mp__out_free(o, 0);
}
