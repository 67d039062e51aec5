/* Plan defaults, the phase schedule, and writing the effective plan. */
#include "controller/plan/internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/engines.h"

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

int mp_plan_cmd_set(struct mp_cmd *cmd, ...)
{
	va_list ap;
	size_t n = 0;

	mp_plan_cmd_free(cmd);
	va_start(ap, cmd);
	while (va_arg(ap, const char *))
		n++;
	va_end(ap);
	cmd->argv = calloc(n + 1, sizeof(char *));
	if (!cmd->argv)
		return -ENOMEM;
	va_start(ap, cmd);
	for (cmd->argc = 0; cmd->argc < n; cmd->argc++) {
		cmd->argv[cmd->argc] = strdup(va_arg(ap, const char *));
		if (!cmd->argv[cmd->argc])
			break;
	}
	va_end(ap);
	if (cmd->argc < n) {
		mp_plan_cmd_free(cmd);
		return -ENOMEM;
	}
	return 0;
}

struct mp_plan *mp_plan_defaults(const char *path, const char *dir)
{
	struct mp_plan *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->path = strdup(path);
	p->dir = strdup(dir);
	p->build_workdir = strdup("{run_dir}/build/{version}");
	p->build_timeout_ns = 30ULL * 60 * MP_NS_PER_SEC;
	mp_plan_cmd_set(&p->toolstack_create, "xl", "create", "{config}", NULL);
	mp_plan_cmd_set(&p->toolstack_destroy, "xl", "destroy", "{name}", NULL);
	p->toolstack_timeout_ns = 60ULL * MP_NS_PER_SEC;
	p->domains[MP_DOM_DUT].name = strdup("mir-perf-dut");
	p->domains[MP_DOM_DUT].config = strdup("{cfg_dir}/xen/dut.cfg");
	p->domains[MP_DOM_TRAFFGEN].name = strdup("mir-perf-traffgen");
	p->domains[MP_DOM_TRAFFGEN].config = strdup("{cfg_dir}/xen/traffgen.cfg");
	p->boot_timeout_ns = 120ULL * MP_NS_PER_SEC;
	p->console_log = strdup(MP_PLAN_CONSOLE_LOG);
	p->dut_on_failure = MP_ON_FAILURE_RECREATE;
	p->dut_boot_retries = MP_PLAN_BOOT_RETRIES;
	p->dut_kernel = strdup(MP_PLAN_DUT_KERNEL);
	p->roles[MP_ROLE_GENERATOR] = (struct mp_plan_vif){ MP_DOM_TRAFFGEN, 0 };
	p->roles[MP_ROLE_CONTROL] = (struct mp_plan_vif){ MP_DOM_TRAFFGEN, 1 };
	p->roles[MP_ROLE_DUT_IN] = (struct mp_plan_vif){ MP_DOM_DUT, 0 };
	p->roles[MP_ROLE_DUT_OUT] = (struct mp_plan_vif){ MP_DOM_DUT, 1 };
	p->roles[MP_ROLE_RECEIVER] = (struct mp_plan_vif){ MP_DOM_TRAFFGEN, 2 };
	mp_imix_default(&p->imix);
	p->discover_dhcp = p->discover_xenstore = 1;
	p->dhcp_bridge = strdup("xenbr0");
	p->discovery_timeout_ns = 60ULL * MP_NS_PER_SEC;
	p->agent_port = 7000;
	p->agent_token_file = strdup("{cfg_dir}/agent.token");
	p->agent_dev = strdup("eth0");
	p->agent_engine = strdup(mp_engines[MP_ENGINE_AUTO].name);
	p->agent_connect_timeout_ns = 60ULL * MP_NS_PER_SEC;
	p->agent_request_timeout_ns = 5ULL * MP_NS_PER_SEC;
	p->src_ip = strdup("10.201.0.1");
	p->dst_ip = strdup("10.201.0.2");
	p->src_port = 9;
	p->dst_port = 9;
	p->duration_ns = 10ULL * MP_NS_PER_SEC;
	p->warmup_ns = MP_NS_PER_SEC;
	p->cooldown_ns = MP_NS_PER_SEC;
	p->sample_interval_ns = 100 * MP_NS_PER_MS;
	p->output_dir = strdup("out");
	if (!p->path || !p->dir || !p->build_workdir || !p->toolstack_create.argv ||
	    !p->toolstack_destroy.argv || !p->domains[MP_DOM_DUT].name ||
	    !p->domains[MP_DOM_DUT].config || !p->domains[MP_DOM_TRAFFGEN].name ||
	    !p->domains[MP_DOM_TRAFFGEN].config || !p->console_log || !p->dut_kernel ||
	    !p->dhcp_bridge || !p->agent_token_file ||
	    !p->agent_dev || !p->agent_engine || !p->src_ip || !p->dst_ip || !p->output_dir) {
		mp_plan_free(p);
		return NULL;
	}
	return p;
}

struct mp_plan_search *mp_plan_search_defaults(void)
{
	struct mp_plan_search *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->min_rate = 1000;
	s->max_rate = 0;
	s->width_pct = 0.5;
	s->initial_ns = MP_NS_PER_SEC;
	s->final_ns = 10ULL * MP_NS_PER_SEC;
	s->timeout_ns = 20ULL * 60 * MP_NS_PER_SEC;
	return s;
}

struct mp_plan_tcp *mp_plan_tcp_defaults(void)
{
	struct mp_plan_tcp *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->streams = calloc(1, sizeof(unsigned));
	t->src_ip = strdup("10.202.0.1");
	t->dst_ip = strdup("10.202.0.2");
	if (!t->streams || !t->src_ip || !t->dst_ip) {
		mp_plan_tcp_free(t);
		return NULL;
	}
	t->streams[0] = 1;
	t->nstreams = 1;
	t->duration_ns = 10ULL * MP_NS_PER_SEC;
	t->repetitions = 10;
	t->offloads = MP_TCP_OFFLOADS_KEEP;
	t->port = MP_TCP_PORT_DEFAULT;
	t->timeout_ns = t->duration_ns + MP_PLAN_TCP_TIMEOUT_MARGIN_NS;
	return t;
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
	fprintf(f, ")%s, the traff-gen's TSO/GSO %s\n  each repetition about %s (at most "
		"%s, its timeout)%s; each TCP phase about %s\n", t->reverse ? ", reverse" : "",
		t->offloads == MP_TCP_OFFLOADS_KEEP ? "as they are" :
		t->offloads == MP_TCP_OFFLOADS_ON ? "on" : "off", rep, to,
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

/* A YAML double-quoted scalar. */
static void q(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void cmd(FILE *f, const struct mp_cmd *c)
{
	fputc('[', f);
	for (size_t i = 0; i < c->argc; i++) {
		if (i)
			fputs(", ", f);
		q(f, c->argv[i]);
	}
	fputc(']', f);
}

static void dur(FILE *f, const char *key, uint64_t ns)
{
	char b[32];

	mp_duration_format(ns, b, sizeof(b));
	fprintf(f, "%s: %s", key, b);
}

/* A percentage as the loader reads it back, exactly. */
static void pct(FILE *f, const char *key, double v)
{
	fprintf(f, "%s: %.17g%%", key, v);
}

/* [60, 1496, imix] */
static void size_list(FILE *f, const unsigned *sizes, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++)
		if (sizes[i] == MP_SIZE_IMIX)
			fprintf(f, "%simix", i ? ", " : "");
		else
			fprintf(f, "%s%u", i ? ", " : "", sizes[i]);
	fputc(']', f);
}

static void write_search(const struct mp_plan_search *s, FILE *f)
{
	fputs("  search:\n    goals:", f);
	for (size_t i = 0; i < s->ngoals; i++) {
		fputs("\n      - {name: ", f);
		q(f, s->goals[i].name);
		fputs(", ", f);
		pct(f, "loss", s->goals[i].loss_pct);
		fputc('}', f);
	}
	fprintf(f, "\n    method: %s", s->method == MP_SEARCH_BISECTION ? "bisection" : "mlr");
	fprintf(f, "\n    min_rate: %llu\n    max_rate: ", (unsigned long long)s->min_rate);
	if (s->max_rate)
		fprintf(f, "%llu", (unsigned long long)s->max_rate);
	else
		fputs("max", f);
	fputs("\n    ", f);
	pct(f, "width", s->width_pct);
	fputs("\n    trial: {", f);
	dur(f, "initial", s->initial_ns);
	fputs(", ", f);
	dur(f, "final", s->final_ns);
	fputs("}\n    ", f);
	dur(f, "timeout", s->timeout_ns);
	fputc('\n', f);
	if (s->sizes) {
		fputs("    sizes: ", f);
		size_list(f, s->sizes, s->nsizes);
		fputc('\n', f);
	}
}

static void write_tcp(const struct mp_plan_tcp *t, FILE *f)
{
	fputs("  tcp:\n    streams: [", f);
	for (size_t i = 0; i < t->nstreams; i++)
		fprintf(f, "%s%u", i ? ", " : "", t->streams[i]);
	fputs("]\n    ", f);
	dur(f, "duration", t->duration_ns);
	fprintf(f, "\n    repetitions: %u\n    reboot: %s\n    reverse: %s\n    offloads: %s"
		"\n    src_ip: ", t->repetitions, t->reboot ? "true" : "false",
		t->reverse ? "true" : "false", mp_tcp_offloads_name(t->offloads));
	q(f, t->src_ip);
	fputs("\n    dst_ip: ", f);
	q(f, t->dst_ip);
	fprintf(f, "\n    port: %u\n    ", t->port);
	dur(f, "timeout", t->timeout_ns);
	fputc('\n', f);
	if (t->reference) {
		fputs("    reference: ", f);
		q(f, t->reference);
		fputc('\n', f);
	}
}

int mp_plan_write(const struct mp_plan *p, FILE *f)
{
	fputs("# The effective plan: every value resolved, defaults included.\nname: ", f);
	q(f, p->name);
	fputs("\nlibrary: {name: ", f);
	q(f, p->library_name);
	fputs(", repo: ", f);
	q(f, p->library_repo);
	fputs("}\nversions: [", f);
	for (size_t i = 0; i < p->nversions; i++) {
		if (i)
			fputs(", ", f);
		if (mp_plan_prebuilt(p, i)) {
			fputs("{name: ", f);
			q(f, p->versions[i]);
			fputs(", kernel: ", f);
			q(f, p->version_kernels[i]);
			fputc('}', f);
		} else {
			q(f, p->versions[i]);
		}
	}
	fputs("]\nbuild:\n  workdir: ", f);
	q(f, p->build_workdir);
	fputs("\n  ", f);
	dur(f, "timeout", p->build_timeout_ns);
	fputs("\n  steps:", f);
	if (!p->nbuild_steps)
		fputs(" []", f);
	for (size_t i = 0; i < p->nbuild_steps; i++) {
		fputs("\n    - ", f);
		cmd(f, &p->build_steps[i]);
	}
	fputs("\ntoolstack:\n  create: ", f);
	cmd(f, &p->toolstack_create);
	fputs("\n  destroy: ", f);
	cmd(f, &p->toolstack_destroy);
	fputs("\n  ", f);
	dur(f, "timeout", p->toolstack_timeout_ns);
	fputs("\ndomains:\n  ", f);
	dur(f, "boot_timeout", p->boot_timeout_ns);
	fputs("\n  console_log: ", f);
	q(f, p->console_log);
	for (int d = 0; d < MP_DOM_COUNT; d++) {
		fprintf(f, "\n  %s: {name: ", mp_dom_name((enum mp_dom)d));
		q(f, p->domains[d].name);
		fputs(", config: ", f);
		q(f, p->domains[d].config);
		if (d == MP_DOM_DUT) {
			fprintf(f, ", on_failure: %s, boot_retries: %u, kernel: ",
				p->dut_on_failure == MP_ON_FAILURE_STOP ? "stop" : "recreate",
				p->dut_boot_retries);
			q(f, p->dut_kernel);
		}
		fputc('}', f);
	}
	fputs("\nroles:", f);
	for (int r = 0; r < MP_ROLE_COUNT; r++)
		if (r != MP_ROLE_RECEIVER || p->has_receiver)
			fprintf(f, "\n  %s: {domain: %s, vif: %u}", mp_role_name((enum mp_role)r),
				mp_dom_name(p->roles[r].domain), p->roles[r].devid);
	fprintf(f, "\ndiscovery:\n  methods: [%s%s%s]\n  bridge: ",
		p->discover_dhcp ? "dhcp" : "", p->discover_dhcp && p->discover_xenstore ? ", " : "",
		p->discover_xenstore ? "xenstore" : "");
	q(f, p->dhcp_bridge);
	if (p->pinned_address) {
		fputs("\n  address: ", f);
		q(f, p->pinned_address);
	}
	fputs("\n  ", f);
	dur(f, "timeout", p->discovery_timeout_ns);
	fprintf(f, "\nagent:\n  port: %u\n  token_file: ", p->agent_port);
	q(f, p->agent_token_file);
	fputs("\n  dev: ", f);
	q(f, p->agent_dev);
	fputs("\n  engine: ", f);
	q(f, p->agent_engine);
	fputs("\n  ", f);
	dur(f, "connect_timeout", p->agent_connect_timeout_ns);
	fputs("\n  ", f);
	dur(f, "request_timeout", p->agent_request_timeout_ns);
	fputs("\ntraffic:\n", f);
	if (p->nsizes) {
		fputs("  sizes: ", f);
		size_list(f, p->sizes, p->nsizes);
		fputc('\n', f);
	}
	fputs("  imix: {", f);
	for (unsigned i = 0; i < p->imix.n; i++)
		fprintf(f, "%s%u: %u", i ? ", " : "", p->imix.size[i], p->imix.weight[i]);
	fputs("}\n", f);
	if (p->search)
		write_search(p->search, f);
	if (p->tcp)
		write_tcp(p->tcp, f);
	if (p->nrates) {
		fputs("  rates: [", f);
		for (size_t i = 0; i < p->nrates; i++)
			fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)p->rates[i]);
		fputs("]\n", f);
	}
	if (p->dst_mac) {
		fputs("  dst_mac: ", f);
		q(f, p->dst_mac);
		fputc('\n', f);
	}
	fputs("  src_ip: ", f);
	q(f, p->src_ip);
	fputs("\n  dst_ip: ", f);
	q(f, p->dst_ip);
	fprintf(f, "\n  src_port: %u\n  dst_port: %u\nphase: {", p->src_port, p->dst_port);
	dur(f, "duration", p->duration_ns);
	fputs(", ", f);
	dur(f, "warmup", p->warmup_ns);
	fputs(", ", f);
	dur(f, "cooldown", p->cooldown_ns);
	fputs("}\nsampling: {", f);
	dur(f, "interval", p->sample_interval_ns);
	fputs("}\noutput: {dir: ", f);
	q(f, p->output_dir);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
