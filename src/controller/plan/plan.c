/* Plan defaults (from the key table), freeing, the phase schedule and
 * --dry-run. */
#include "controller/plan/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/duration.h"
#include "controller/plan/keys.h"

static const char *const role_names[MP_ROLE_COUNT] = {
	[MP_ROLE_GENERATOR] = "generator", [MP_ROLE_DUT_IN] = "dut_in",
	[MP_ROLE_DUT_OUT] = "dut_out", [MP_ROLE_CONTROL] = "control",
	[MP_ROLE_RECEIVER] = "receiver",
};

static const char *const dom_names[MP_DOM_COUNT] = {
	[MP_DOM_DUT] = "dut", [MP_DOM_TRAFFGEN] = "traffgen",
};

const char *mp_role_name(enum mp_role role)
{
	return role < MP_ROLE_COUNT ? role_names[role] : "?";
}

void mp_plan_size_label(const struct mp_plan *p, unsigned size, char *buf, size_t len)
{
	if (size == MP_SIZE_IMIX)
		mp_imix_label(&p->imix, buf, len);
	else
		snprintf(buf, len, "%u", size);
}

const char *mp_dom_name(enum mp_dom dom)
{
	return dom < MP_DOM_COUNT ? dom_names[dom] : "?";
}

struct mp_plan *mp_plan_defaults(const char *path, const char *dir)
{
	struct mp_plan *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->path = strdup(path);
	p->dir = strdup(dir);
	if (!p->path || !p->dir || mp__pk_defaults(p, MP_PK_PLAN) < 0) {
		mp_plan_free(p);
		return NULL;
	}
	return p;
}

void mp_plan_tcp_free(struct mp_plan_tcp *t)
{
	if (!t)
		return;
	free(t->streams);
	free(t->src_ip);
	free(t->dst_ip);
	free(t->reference);
	free(t);
}

void mp_plan_search_free(struct mp_plan_search *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ngoals; i++)
		free(s->goals[i].name);
	free(s->sizes);
	free(s);
}

void mp_plan_cmd_free(struct mp_cmd *cmd)
{
	for (size_t i = 0; cmd->argv && i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	cmd->argv = NULL;
	cmd->argc = 0;
}

void mp_plan_free(struct mp_plan *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->dir);
	free(p->name);
	free(p->library_name);
	free(p->library_repo);
	for (size_t i = 0; i < p->nversions; i++) {
		free(p->versions[i]);
		if (p->version_kernels)
			free(p->version_kernels[i]);
	}
	free(p->versions);
	free(p->version_kernels);
	free(p->build_workdir);
	for (size_t i = 0; i < p->nbuild_steps; i++)
		mp_plan_cmd_free(&p->build_steps[i]);
	free(p->build_steps);
	mp_plan_cmd_free(&p->toolstack_create);
	mp_plan_cmd_free(&p->toolstack_destroy);
	for (int d = 0; d < MP_DOM_COUNT; d++) {
		free(p->domains[d].name);
		free(p->domains[d].config);
	}
	free(p->console_log);
	free(p->dut_kernel);
	free(p->dhcp_bridge);
	free(p->pinned_address);
	free(p->agent_token_file);
	free(p->agent_dev);
	free(p->agent_engine);
	free(p->sizes);
	free(p->rates);
	mp_plan_search_free(p->search);
	mp_plan_tcp_free(p->tcp);
	free(p->dst_mac);
	free(p->src_ip);
	free(p->dst_ip);
	free(p->output_dir);
	free(p);
}

const char *mp_plan_kernel(const struct mp_plan *p, size_t v)
{
	return mp_plan_prebuilt(p, v) ? p->version_kernels[v] : p->dut_kernel;
}

int mp_plan_prebuilt(const struct mp_plan *p, size_t v)
{
	return v < p->nversions && p->version_kernels && p->version_kernels[v];
}

int mp_plan_size_searched(const struct mp_plan *p, unsigned size)
{
	if (!p->search)
		return 0;
	if (!p->search->sizes)
		return 1;
	for (size_t i = 0; i < p->search->nsizes; i++)
		if (p->search->sizes[i] == size)
			return 1;
	return 0;
}

/* Phases at a size: its rates, then its search. */
static size_t phases_at(const struct mp_plan *p, unsigned size)
{
	return p->nrates + (size_t)mp_plan_size_searched(p, size);
}

/* A version's grid and search phases, before its TCP phases. */
static size_t size_phases_per_version(const struct mp_plan *p)
{
	size_t n = 0;

	for (size_t s = 0; s < p->nsizes; s++)
		n += phases_at(p, p->sizes[s]);
	return n;
}

static size_t tcp_phases_per_version(const struct mp_plan *p)
{
	return p->tcp ? p->tcp->nstreams : 0;
}

static size_t phases_per_version(const struct mp_plan *p)
{
	return size_phases_per_version(p) + tcp_phases_per_version(p);
}

uint64_t mp_plan_tcp_repetition_ns(const struct mp_plan *p)
{
	return p->tcp ? p->tcp->duration_ns + MP_PLAN_TCP_OVERHEAD_NS : 0;
}

/* One TCP phase: its repetitions end to end. */
static uint64_t tcp_phase_ns(const struct mp_plan *p)
{
	return p->tcp ? p->tcp->repetitions * mp_plan_tcp_repetition_ns(p) : 0;
}

static uint64_t search_length_ns(const struct mp_plan *p)
{
	return p->search->timeout_ns;   /* the bound: a search stops there */
}

size_t mp_plan_phase_count(const struct mp_plan *p)
{
	return p->nversions * phases_per_version(p);
}

uint64_t mp_plan_phase_length_ns(const struct mp_plan *p)
{
	return p->warmup_ns + p->duration_ns + p->cooldown_ns + MP_PLAN_PHASE_OVERHEAD_NS;
}

uint64_t mp_plan_trial_overhead_ns(const struct mp_plan *p)
{
	return p->warmup_ns + p->cooldown_ns + MP_PLAN_PHASE_OVERHEAD_NS;
}

/* The phases at one size end to end: its rates, then its search. */
static uint64_t size_ns(const struct mp_plan *p, unsigned size)
{
	return p->nrates * mp_plan_phase_length_ns(p) +
	       (mp_plan_size_searched(p, size) ? search_length_ns(p) : 0);
}

/* One version's grid and search phases end to end. */
static uint64_t sizes_ns(const struct mp_plan *p)
{
	uint64_t ns = 0;

	for (size_t s = 0; s < p->nsizes; s++)
		ns += size_ns(p, p->sizes[s]);
	return ns;
}

/* One version's phases end to end. */
static uint64_t version_ns(const struct mp_plan *p)
{
	return sizes_ns(p) + tcp_phases_per_version(p) * tcp_phase_ns(p);
}

uint64_t mp_plan_total_ns(const struct mp_plan *p)
{
	return p->nversions * version_ns(p);
}

void mp_plan_phase(const struct mp_plan *p, size_t i, struct mp_phase *out)
{
	size_t per_version = phases_per_version(p), j = i % per_version, s = 0;
	uint64_t offset = (i / per_version) * version_ns(p);

	memset(out, 0, sizeof(*out));
	out->index = i;
	out->version = i / per_version;
	if (j >= size_phases_per_version(p)) {
		size_t k = j - size_phases_per_version(p);

		out->tcp = 1;
		out->streams = p->tcp->streams[k];
		out->length_ns = tcp_phase_ns(p);
		out->start_offset_ns = offset + sizes_ns(p) + k * tcp_phase_ns(p);
		return;
	}
	/* Walk the sizes to the one phase j falls in. */
	while (s + 1 < p->nsizes && j >= phases_at(p, p->sizes[s])) {
		j -= phases_at(p, p->sizes[s]);
		offset += size_ns(p, p->sizes[s]);
		s++;
	}
	out->size = p->sizes[s];
	out->search = j >= p->nrates;
	out->rate = out->search ? 0 : p->rates[j];
	out->length_ns = out->search ? search_length_ns(p) : mp_plan_phase_length_ns(p);
	out->start_offset_ns = offset + j * mp_plan_phase_length_ns(p);
}

/* A keep/on/off setting of the traff-gen's as the summary says it. */
static const char *switch_text(enum mp_tcp_offloads o, const char *kept)
{
	return o == MP_TCP_OFFLOADS_KEEP ? kept : mp_tcp_offloads_name(o);
}

static void format_clock(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / MP_NS_PER_SEC;

	if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
}

unsigned mp_plan_search_levels(const struct mp_plan_search *cfg, uint64_t *dur_ns, double *width)
{
	unsigned n = 1;
	double ratio = (double)cfg->final_ns / (double)cfg->initial_ns;

	if (cfg->method == MP_SEARCH_BISECTION) {
		dur_ns[0] = cfg->final_ns;
		width[0] = fmin(cfg->width_pct / 100, 0.5);
		return 1;
	}
	if (cfg->final_ns > cfg->initial_ns)
		n = ratio >= 4 ? 3 : 2;
	for (unsigned k = 0; k < n; k++) {
		double f = n == 1 ? 1 : (double)k / (n - 1);
		uint64_t d = (uint64_t)((double)cfg->initial_ns * pow(ratio, f));

		/* Whole milliseconds; the ends exactly as planned. */
		d = d / MP_NS_PER_MS * MP_NS_PER_MS;
		dur_ns[k] = k == 0 ? cfg->initial_ns : k == n - 1 ? cfg->final_ns : d;
		width[k] = cfg->width_pct / 100 * (double)(1u << (n - 1 - k));
		if (width[k] > 0.5)
			width[k] = 0.5;
	}
	return n;
}

/* A search's part of --dry-run: what it will do and its bound. */
static void print_search(const struct mp_plan *p, FILE *f)
{
	const struct mp_plan_search *s = p->search;
	uint64_t dur[MP_SEARCH_MAX_LEVELS];
	double width[MP_SEARCH_MAX_LEVELS];
	unsigned n = mp_plan_search_levels(s, dur, width);
	char b[32], bound[32];

	fputs(s->method == MP_SEARCH_BISECTION ? "search by bisection: goals" : "search: goals", f);
	for (size_t i = 0; i < s->ngoals; i++)
		fprintf(f, "%s %s (loss <= %g%%)", i ? "," : "", s->goals[i].name,
			s->goals[i].loss_pct);
	fprintf(f, "; rates %llu..", (unsigned long long)s->min_rate);
	if (s->max_rate)
		fprintf(f, "%llu pps", (unsigned long long)s->max_rate);
	else
		fputs("max (the first trial measures what the generator reaches)", f);
	fputs("\n  trials:", f);
	for (unsigned k = 0; k < n; k++) {
		mp_duration_format(dur[k], b, sizeof(b));
		fprintf(f, "%s %s until the interval is within %g%%", k ? "," : "", b,
			width[k] * 100);
	}
	fputs(" (only the last decide the bounds)\n", f);
	format_clock(s->timeout_ns, bound, sizeof(bound));
	fprintf(f, "  each search stops at its timeout, %s, after at most %d trials; every "
		"trial adds %s warm-up and up to the cool-down to drain\n", bound,
		MP_SEARCH_MAX_TRIALS, (mp_duration_format(p->warmup_ns, b, sizeof(b)), b));
}

/* The TCP test's part of --dry-run: what each repetition does. */
static void print_tcp(const struct mp_plan *p, FILE *f)
{
	const struct mp_plan_tcp *t = p->tcp;
	char d[32], to[32], rep[32], ph[32];

	mp_duration_format(t->duration_ns, d, sizeof(d));
	mp_duration_format(t->timeout_ns, to, sizeof(to));
	mp_duration_format(mp_plan_tcp_repetition_ns(p), rep, sizeof(rep));
	format_clock(tcp_phase_ns(p), ph, sizeof(ph));
	fprintf(f, "TCP through the DUT: iperf3 %s -> %s port %u, %s per repetition, %u "
		"repetitions per value of streams (", t->src_ip, t->dst_ip, t->port, d,
		t->repetitions);
	for (size_t i = 0; i < t->nstreams; i++)
		fprintf(f, "%s%u", i ? ", " : "", t->streams[i]);
	fprintf(f, ")%s, the traff-gen's TSO/GSO %s, its checksum offload %s\n  each "
		"repetition about %s (at most %s, its timeout)%s; each TCP phase about %s\n",
		t->reverse ? ", reverse" : "", switch_text(t->offloads, "as they are"),
		switch_text(t->checksum, "as it is"),
		rep, to,
		t->reboot ? ", plus a reboot of the DUT before it" : "", ph);
	if (t->reference)
		fprintf(f, "  every version set against %s\n", t->reference);
}

void mp_plan_print_schedule(const struct mp_plan *p, FILE *f)
{
	size_t n = mp_plan_phase_count(p), searches = 0, tcps = 0;
	char start[32], total[32], len[32], w[32], d[32], c[32];

	fprintf(f, "%5s  %-20s  %5s  %10s  %8s\n", "phase", "version", "size", "rate_pps", "start");
	for (size_t i = 0; i < n; i++) {
		struct mp_phase ph;
		char size[MP_IMIX_LABEL_MAX];

		mp_plan_phase(p, i, &ph);
		format_clock(ph.start_offset_ns, start, sizeof(start));
		mp_plan_size_label(p, ph.size, size, sizeof(size));
		searches += (size_t)ph.search;
		tcps += (size_t)ph.tcp;
		if (ph.tcp)
			fprintf(f, "%5zu  %-20s  %5s  %10s  %8s\n", i + 1, p->versions[ph.version],
				"tcp", (snprintf(size, sizeof(size), "%u stream%s", ph.streams,
						 ph.streams == 1 ? "" : "s"), size), start);
		else if (ph.search)
			fprintf(f, "%5zu  %-20s  %5s  %10s  %8s\n", i + 1,
				p->versions[ph.version], size, "search", start);
		else
			fprintf(f, "%5zu  %-20s  %5s  %10llu  %8s\n", i + 1,
				p->versions[ph.version], size, (unsigned long long)ph.rate, start);
	}
	format_clock(mp_plan_total_ns(p), total, sizeof(total));
	if (p->search)
		print_search(p, f);
	if (p->tcp)
		print_tcp(p, f);
	if (tcps == n) {
		fprintf(f, "total: %zu TCP phase%s, %s expected (plus build and boot%s)\n", n,
			n == 1 ? "" : "s", total, p->tcp->reboot ? ", and a DUT boot per repetition" : "");
		return;
	}
	if (p->search && searches == n) {
		fprintf(f, "total: %zu searches, at most %s (each at most its timeout; "
			"plus build and boot)\n", n, total);
		return;
	}
	mp_duration_format(mp_plan_phase_length_ns(p), len, sizeof(len));
	mp_duration_format(p->warmup_ns, w, sizeof(w));
	mp_duration_format(p->duration_ns, d, sizeof(d));
	mp_duration_format(p->cooldown_ns, c, sizeof(c));
	if (tcps)
		fprintf(f, "%zu of the phases are TCP tests (%s each, above)\n", tcps,
			(format_clock(tcp_phase_ns(p), start, sizeof(start)), start));
	if (searches)
		fprintf(f, "total: %zu phases, %zu of them %s, at most %s (%s per grid "
			"phase: %s warm-up, %s measure, %s cool-down, start/stop; each search "
			"at most its timeout; plus build and boot)\n", n, searches,
			searches == 1 ? "a search" : "searches", total, len, w, d, c);
	else
		fprintf(f, "total: %zu phases, %s expected (%s per phase: %s warm-up, %s "
			"measure, %s cool-down, start/stop; plus build and boot)\n", n, total,
			len, w, d, c);
}
