/* A run directory read back (rundir.h). */
#include "controller/results/rundir.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/results/csv.h"
#include "controller/results/samples_csv.h"

static int add_version(struct mp_rundir *d, const char *v)
{
	char **nv;

	if (mp_rundir_has_version(d, v))
		return 0;
	nv = realloc(d->versions, (d->nversions + 1) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	d->versions = nv;
	if (!(d->versions[d->nversions] = strdup(v)))
		return -ENOMEM;
	d->nversions++;
	return 0;
}

static int add_size(struct mp_rundir *d, unsigned s)
{
	unsigned *ns;
	size_t i;

	for (i = 0; i < d->nsizes; i++)
		if (d->sizes[i] == s)
			return 0;
	ns = realloc(d->sizes, (d->nsizes + 1) * sizeof(unsigned));
	if (!ns)
		return -ENOMEM;
	d->sizes = ns;
	for (i = d->nsizes; i > 0 && d->sizes[i - 1] > s; i--)
		d->sizes[i] = d->sizes[i - 1];
	d->sizes[i] = s;
	d->nsizes++;
	return 0;
}

static int load_results(const char *dir, struct mp_rundir *d, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	json_error_t je;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	d->results = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (d->results && json_is_object(d->results))
		return 0;
	snprintf(err, errlen, "%s:%d: %s", path, je.line, d->results ? "not an object" : je.text);
	return access(path, F_OK) == 0 ? -EINVAL : -ENOENT;
}

static int load_phases(const char *dir, struct mp_rundir *d, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	int rc;

	snprintf(path, sizeof(path), "%s/phases.csv", dir);
	if ((rc = mp_phases_read(path, &d->ph, err, errlen)) < 0)
		return rc;
	d->phases = d->ph.rows;
	d->nphases = d->ph.nrows;
	for (size_t r = 0; r < d->nphases; r++)
		if (add_version(d, d->phases[r].version) < 0 || add_size(d, d->phases[r].size) < 0)
			return -ENOMEM;
	return 0;
}

static int role_of(const char *s)
{
	for (int r = 0; r < MP_ROLE_COUNT; r++)
		if (strcmp(s, mp_role_name((enum mp_role)r)) == 0)
			return r;
	return -1;
}

static int load_samples(const char *dir, struct mp_rundir *d, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	struct mp_sample_row *rows = NULL;
	struct mp_csv csv;
	void *read;
	size_t n = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/samples.csv", dir);
	if ((rc = mp_csv_read(path, &csv, err, errlen)) < 0)
		return rc;
	if ((rc = mp_coltab_read(&mp_samples_tab, &csv, path, &read, &n, err, errlen)) < 0)
		goto out;
	rows = read;
	d->samples = calloc(n ? n : 1, sizeof(*d->samples));
	if (!d->samples) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < n; r++, d->nsamples++) {
		struct mp_rundir_sample *s = &d->samples[r];
		int role = role_of(rows[r].role);

		if (role < 0) {
			snprintf(err, errlen, "%s:%zu: column role: \"%.40s\" is not a role "
				 "(corrupted row)", path, r + 2, rows[r].role);
			rc = -EINVAL;
			goto out;
		}
		s->phase = rows[r].phase;
		s->t = rows[r].t_s;
		s->role = (enum mp_role)role;
		s->measure = strcmp(rows[r].window, "measure") == 0;
		s->rx_pps = rows[r].rx_pps;
	}
out:
	free(rows);
	mp_csv_free(&csv);
	return rc;
}

int mp_rundir_load(const char *dir, unsigned parts, struct mp_rundir *d, char *err,
		   size_t errlen)
{
	const char *slash = strrchr(dir, '/'), *id = NULL;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	if (parts & MP_RUNDIR_RESULTS) {
		rc = load_results(dir, d, err, errlen);
		id = rc == 0 ? json_string_value(json_object_get(d->results, "run_id")) : NULL;
	}
	snprintf(d->run_id, sizeof(d->run_id), "%s", id ? id : slash ? slash + 1 : dir);
	if (rc == 0)
		rc = load_phases(dir, d, err, errlen);
	if (rc == 0 && (parts & MP_RUNDIR_SAMPLES))
		rc = load_samples(dir, d, err, errlen);
	if (rc == 0) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/throughput.csv", dir);
		rc = mp_tput_read(path, &d->tput, err, errlen);
		if (rc == -ENOENT)      /* a run without searches */
			rc = 0;
	}
	if (rc == 0) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/tcp.csv", dir);
		rc = mp_tcp_read(path, &d->tcp, err, errlen);
		if (rc == -ENOENT)      /* a run without TCP */
			rc = 0;
		if (rc == 0)
			rc = mp_tcp_summarise(d->tcp.rows, d->tcp.nrows, &d->tcp_sum);
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", dir);
	if (rc < 0)
		mp_rundir_free(d);
	return rc;
}

void mp_rundir_free(struct mp_rundir *d)
{
	json_decref(d->results);
	mp_phases_free(&d->ph);
	free(d->samples);
	for (size_t i = 0; i < d->nversions; i++)
		free(d->versions[i]);
	free(d->versions);
	free(d->sizes);
	mp_tput_free(&d->tput);
	mp_tcp_summary_free(&d->tcp_sum);
	mp_tcp_free(&d->tcp);
	memset(d, 0, sizeof(*d));
}

const struct mp_tput_row *mp_rundir_goal(const struct mp_rundir *d, const char *version,
					 unsigned size, const char *goal)
{
	for (size_t i = 0; i < d->tput.nrows; i++) {
		const struct mp_tput_row *r = &d->tput.rows[i];

		if (r->size == size && !strcmp(r->version, version) && !strcmp(r->goal, goal))
			return r;
	}
	return NULL;
}

const struct mp_phase_row *mp_rundir_find(const struct mp_rundir *d, const char *version,
					  unsigned size, uint64_t rate)
{
	for (size_t i = 0; i < d->nphases; i++)
		if (!d->phases[i].trial && !strcmp(d->phases[i].version, version) &&
		    d->phases[i].size == size && d->phases[i].rate == rate)
			return &d->phases[i];
	return NULL;
}

int mp_rundir_has_version(const struct mp_rundir *d, const char *version)
{
	for (size_t i = 0; i < d->nversions; i++)
		if (!strcmp(d->versions[i], version))
			return 1;
	return 0;
}

size_t mp_rundir_rates(const struct mp_rundir *d, size_t phase, enum mp_role role, double *out,
		       size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nsamples && n < max; i++) {
		const struct mp_rundir_sample *s = &d->samples[i];

		if (s->phase == phase && s->role == role && s->measure && !isnan(s->rx_pps))
			out[n++] = s->rx_pps;
	}
	return n;
}

/* results.json's entry for the row `p` (one of d->phases), or NULL: the
 * k-th row of p's phase and trial is the k-th such entry (a repeated trial
 * keeps its number; a run cut short may lack its last entries). */
static json_t *phase_json(const struct mp_rundir *d, const struct mp_phase_row *p)
{
	json_t *phases = json_object_get(d->results, "phases"), *ph;
	size_t k = 0, i;

	for (const struct mp_phase_row *r = d->phases; r < p && r < d->phases + d->nphases; r++)
		k += r->phase == p->phase && r->trial == p->trial;
	json_array_foreach(phases, i, ph)
		if (json_integer_value(json_object_get(ph, "phase")) == (json_int_t)p->phase + 1 &&
		    json_integer_value(json_object_get(ph, "trial")) == (json_int_t)p->trial &&
		    k-- == 0)
			return ph;
	return NULL;
}

int mp_rundir_latency_hist(const struct mp_rundir *d, const struct mp_phase_row *p,
			   struct mp_hist *h)
{
	json_t *bk = json_object_get(json_object_get(phase_json(d, p), "latency_hist"),
				     "buckets");

	if (!json_is_string(bk))
		return -1;
	mp_hist_reset(h);
	if (mp_hist_decode(json_string_value(bk), h) < 0)
		return -1;
	if (!isnan(p->lat_min_us) && !isnan(p->lat_max_us)) {
		h->min = (uint64_t)(p->lat_min_us * 1e3);
		h->max = (uint64_t)(p->lat_max_us * 1e3);
	}
	return h->count ? 0 : -1;
}

void mp_rundir_size_label(const struct mp_rundir *d, unsigned size, int bytes, char *buf,
			  size_t len)
{
	struct mp_imix m;

	if (size != MP_SIZE_IMIX) {
		snprintf(buf, len, bytes ? "%u B" : "%u-byte frames", size);
		return;
	}
	for (size_t i = 0; i < d->nphases; i++)
		if (d->phases[i].size == MP_SIZE_IMIX && d->phases[i].mix &&
		    mp_imix_parse(d->phases[i].mix, &m) == 0) {
			mp_imix_label(&m, buf, len);
			return;
		}
	snprintf(buf, len, "IMIX");
}

const char *mp_rundir_size_name(unsigned size, char *buf, size_t len)
{
	if (size == MP_SIZE_IMIX)
		snprintf(buf, len, "imix");
	else
		snprintf(buf, len, "%u", size);
	return buf;
}
