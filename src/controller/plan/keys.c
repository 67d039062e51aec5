/* The plan's keys (keys.h): the table, then the hooks of the keys whose
 * values are more than one scalar of a known type. */
#include "controller/plan/keys.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/engines.h"
#include "common/imix.h"
#include "common/tcp.h"
#include "common/traffic.h"
#include "controller/plan/internal.h"

#define BUILD_STEPS_MAX 64
#define STR_(x) #x
#define STR(x) STR_(x)

#define FIELD(type, field) .off = offsetof(type, field), .size = sizeof(((type *)0)->field)
#define P(field) .base = MP_PK_PLAN, FIELD(struct mp_plan, field)
#define S(field) .base = MP_PK_SEARCH, FIELD(struct mp_plan_search, field)
#define T(field) .base = MP_PK_TCP, FIELD(struct mp_plan_tcp, field)

static const char *const on_failure_names[] = {
	[MP_ON_FAILURE_RECREATE] = "recreate", [MP_ON_FAILURE_STOP] = "stop", NULL,
};
static const char *const method_names[] = {
	[MP_SEARCH_MLR] = "mlr", [MP_SEARCH_BISECTION] = "bisection", NULL,
};

static mp_pk_check_fn run_name_check, domain_name_check, dut_kernel_check, engine_check,
	traffic_check, search_check, trial_check, tcp_check, tcp_duration_check,
	tcp_timeout_check, reference_check;
static mp_pk_load_fn versions_load, steps_load, role_load, methods_load, sizes_load,
	sizes_file_load, rates_load, rates_file_load, search_open, goals_load, max_rate_load,
	search_sizes_load, imix_load, tcp_open, streams_load, offloads_load;
static mp_pk_write_fn versions_write, steps_write, role_write, methods_write, sizes_write,
	rates_write, goals_write, max_rate_write, search_sizes_write, imix_write, streams_write,
	offloads_write;
static mp_pk_has_fn receiver_has, sizes_has, rates_has, search_sizes_has;
static mp_pk_default_fn engine_default, imix_default, tcp_timeout_default;

#define ROLE(r, d) .type = MP_PK_CUSTOM, .arg = (r), .def = (d), .load = role_load, \
	.write = role_write

const struct mp_plan_key mp_plan_keys[] = {
	{ "name", MP_PK_TEXT, P(name), .check = run_name_check,
	  .required = "the plan needs a name (it names the run directory)",
	  .help = "the run's name: it names the run directory" },
	{ "library", MP_PK_MAP, .required = "the plan needs library",
	  .help = "the library under test" },
	{ "library.name", MP_PK_TEXT, P(library_name),
	  .required = "library needs a name (e.g. mirage-net-xen)", .help = "{library}" },
	{ "library.repo", MP_PK_TEXT, P(library_repo),
	  .required = "library needs a repo (the git URL its versions come from)",
	  .help = "its git repository, {repo}" },
	{ "versions", MP_PK_CUSTOM, .required = "the plan needs versions",
	  .load = versions_load, .write = versions_write,
	  .help = "commits, tags or branches; {name, kernel}: with a prebuilt DUT kernel" },
	{ "build", MP_PK_MAP, .help = "run once per version before its DUT boots" },
	{ "build.workdir", MP_PK_TEMPLATE, P(build_workdir), .def = "\"{run_dir}/build/{version}\"",
	  .help = "created before the first step, {workdir}" },
	{ "build.timeout", MP_PK_DURATION, P(build_timeout_ns), .def = "30m",
	  .help = "per build step" },
	{ "build.steps", MP_PK_CUSTOM, .load = steps_load, .write = steps_write,
	  .help = "commands, each a list of arguments" },
	{ "toolstack", MP_PK_MAP, .help = "how domains are created and destroyed" },
	{ "toolstack.create", MP_PK_CMD, P(toolstack_create), .def = "[xl, create, \"{config}\"]",
	  .help = "creates a domain from its rendered config" },
	{ "toolstack.destroy", MP_PK_CMD, P(toolstack_destroy), .def = "[xl, destroy, \"{name}\"]",
	  .help = "destroys a domain by name" },
	{ "toolstack.timeout", MP_PK_DURATION, P(toolstack_timeout_ns), .def = "60s",
	  .help = "per toolstack command" },
	{ "domains", MP_PK_MAP, .help = "the DUT and the traff-gen" },
	{ "domains.boot_timeout", MP_PK_DURATION, P(boot_timeout_ns), .def = "120s",
	  .help = "until every vif of both domains is connected" },
	{ "domains.console_log", MP_PK_PATH, P(console_log), .def = "\"" MP_PLAN_CONSOLE_LOG "\"",
	  .help = "where dom0 logs a domain's console, {name} its name" },
	{ "domains.dut", MP_PK_MAP, .help = "the device under test" },
	{ "domains.dut.name", MP_PK_TEXT, P(domains[MP_DOM_DUT].name), .def = "mir-perf-dut",
	  .what = "a domain name", .check = domain_name_check, .help = "its xl domain name" },
	{ "domains.dut.config", MP_PK_PATH, P(domains[MP_DOM_DUT].config), .flags = MP_PK_EXISTS,
	  .def = "\"{cfg_dir}/xen/dut.cfg\"", .what = "a domain config",
	  .help = "its xl config template" },
	{ "domains.dut.on_failure", MP_PK_ENUM, P(dut_on_failure), .names = on_failure_names,
	  .def = "recreate", .what = "on_failure",
	  .help = "a DUT that died, hung or forwarded nothing: re-create it, or stop" },
	{ "domains.dut.boot_retries", MP_PK_UINT, P(dut_boot_retries),
	  .max = MP_PLAN_MAX_BOOT_RETRIES, .def = STR(MP_PLAN_BOOT_RETRIES),
	  .help = "re-creations of a DUT that did not come up, per version" },
	{ "domains.dut.kernel", MP_PK_PATH, P(dut_kernel), .def = "\"" MP_PLAN_DUT_KERNEL "\"",
	  .check = dut_kernel_check, .help = "{kernel} of a version without its own" },
	{ "domains.traffgen", MP_PK_MAP, .help = "the traffic generator" },
	{ "domains.traffgen.name", MP_PK_TEXT, P(domains[MP_DOM_TRAFFGEN].name),
	  .def = "mir-perf-traffgen", .what = "a domain name", .check = domain_name_check,
	  .help = "its xl domain name" },
	{ "domains.traffgen.config", MP_PK_PATH, P(domains[MP_DOM_TRAFFGEN].config),
	  .flags = MP_PK_EXISTS, .def = "\"{cfg_dir}/xen/traffgen.cfg\"", .what = "a domain config",
	  .help = "its xl config template" },
	{ "roles", MP_PK_MAP, .help = "which dom0 vif plays which part" },
	{ "roles.generator", ROLE(MP_ROLE_GENERATOR, "{domain: traffgen, vif: 0}"),
	  .help = "the traff-gen's data vif: its rx is the offered rate" },
	{ "roles.dut_in", ROLE(MP_ROLE_DUT_IN, "{domain: dut, vif: 0}"),
	  .help = "where frames enter the DUT" },
	{ "roles.dut_out", ROLE(MP_ROLE_DUT_OUT, "{domain: dut, vif: 1}"),
	  .help = "its rx is the forwarded rate" },
	{ "roles.control", ROLE(MP_ROLE_CONTROL, "{domain: traffgen, vif: 1}"),
	  .help = "the traff-gen's control vif" },
	{ "roles.receiver", ROLE(MP_ROLE_RECEIVER, NULL), .has = receiver_has,
	  .help = "the traff-gen's vif on if2, where its agent receives" },
	{ "discovery", MP_PK_MAP, .help = "finding the traff-gen's control address" },
	{ "discovery.methods", MP_PK_CUSTOM, .def = "[dhcp, xenstore]", .load = methods_load,
	  .write = methods_write, .help = "dhcp, xenstore: the first answer wins" },
	{ "discovery.bridge", MP_PK_IFNAME, P(dhcp_bridge), .def = "xenbr0",
	  .help = "the dom0 bridge where DHCP is snooped" },
	{ "discovery.address", MP_PK_IPV4, P(pinned_address),
	  .help = "the traff-gen's address: no discovery" },
	{ "discovery.timeout", MP_PK_DURATION, P(discovery_timeout_ns), .def = "60s",
	  .help = "then the run fails" },
	{ "agent", MP_PK_MAP, .help = "the traff-gen's agent" },
	{ "agent.port", MP_PK_UINT, P(agent_port), .min = 1, .max = 65535, .def = "7000",
	  .help = "its TCP port" },
	{ "agent.token_file", MP_PK_PATH, P(agent_token_file), .def = "\"{cfg_dir}/agent.token\"",
	  .help = "the shared secret, checked when connecting" },
	{ "agent.dev", MP_PK_IFNAME, P(agent_dev), .def = "eth0",
	  .help = "the data interface inside the traff-gen" },
	{ "agent.engine", MP_PK_TEXT, P(agent_engine), .def_fn = engine_default,
	  .check = engine_check, .help = "the traffic engine; auto: the agent's own" },
	{ "agent.connect_timeout", MP_PK_DURATION, P(agent_connect_timeout_ns), .def = "60s",
	  .help = "connect and authenticate" },
	{ "agent.request_timeout", MP_PK_DURATION, P(agent_request_timeout_ns), .def = "5s",
	  .help = "per request" },
	{ "traffic", MP_PK_MAP, .required = "the plan needs traffic", .check = traffic_check,
	  .help = "what the traff-gen sends" },
	{ "traffic.sizes", MP_PK_CUSTOM, .load = sizes_load, .write = sizes_write,
	  .has = sizes_has, .help = "frame sizes without FCS, or imix" },
	{ "traffic.sizes_file", MP_PK_CUSTOM, .flags = MP_PK_NO_WRITE, .load = sizes_file_load,
	  .help = "the old cfg/range-psz" },
	{ "traffic.rates", MP_PK_CUSTOM, .load = rates_load, .write = rates_write,
	  .has = rates_has, .help = "offered rates, packets per second" },
	{ "traffic.rates_file", MP_PK_CUSTOM, .flags = MP_PK_NO_WRITE, .load = rates_file_load,
	  .help = "the old cfg/range-pps" },
	{ "traffic.search", MP_PK_MAP, .base = MP_PK_SEARCH, .load = search_open,
	  .check = search_check, .help = "the highest rate meeting each goal (docs/search.md)" },
	{ "traffic.search.goals", MP_PK_CUSTOM, S(goals), .load = goals_load, .write = goals_write,
	  .required = "traffic.search needs goals, e.g. [{name: NDR, loss: 0}]",
	  .help = "each a name and the loss it accepts" },
	{ "traffic.search.method", MP_PK_ENUM, S(method), .names = method_names, .def = "mlr",
	  .help = "mlr: short trials steer; bisection: RFC 2544's" },
	{ "traffic.search.min_rate", MP_PK_UINT, S(min_rate), .min = 1, .max = MP_PLAN_MAX_RATE,
	  .def = "1000", .help = "pps" },
	{ "traffic.search.max_rate", MP_PK_CUSTOM, S(max_rate), .def = "max",
	  .load = max_rate_load, .write = max_rate_write,
	  .help = "pps, or max: what the generator reaches" },
	{ "traffic.search.width", MP_PK_PCT, S(width_pct), .max = MP_PLAN_SEARCH_MAX_WIDTH_PCT,
	  .def = "0.5%", .help = "a goal is settled when (upper - lower) / upper <= width" },
	{ "traffic.search.trial", MP_PK_MAP, .base = MP_PK_SEARCH, .check = trial_check,
	  .help = "trial durations" },
	{ "traffic.search.trial.initial", MP_PK_DURATION, S(initial_ns),
	  .min = MP_PLAN_MIN_TRIAL_NS, .def = "1s", .help = "the first, shortest trials" },
	{ "traffic.search.trial.final", MP_PK_DURATION, S(final_ns), .min = MP_PLAN_MIN_TRIAL_NS,
	  .def = "10s", .help = "the trials that decide" },
	{ "traffic.search.timeout", MP_PK_DURATION, S(timeout_ns), .def = "20m",
	  .help = "per version and size" },
	{ "traffic.search.sizes", MP_PK_CUSTOM, S(sizes), .load = search_sizes_load,
	  .write = search_sizes_write, .has = search_sizes_has,
	  .help = "the sizes searched next to the grid of rates" },
	{ "traffic.imix", MP_PK_CUSTOM, P(imix), .def_fn = imix_default, .load = imix_load,
	  .write = imix_write, .help = "the mix the size imix sends, size: weight" },
	{ "traffic.tcp", MP_PK_MAP, .base = MP_PK_TCP, .load = tcp_open, .check = tcp_check,
	  .help = "TCP through the DUT, iperf3" },
	{ "traffic.tcp.streams", MP_PK_CUSTOM, T(streams), .def = "[1]", .load = streams_load,
	  .write = streams_write, .help = "parallel connections; a TCP phase each" },
	{ "traffic.tcp.duration", MP_PK_DURATION, T(duration_ns),
	  .min = MP_TCP_DURATION_MIN_S * MP_NS_PER_SEC, .def = "10s", .check = tcp_duration_check,
	  .help = "each repetition, whole seconds" },
	{ "traffic.tcp.repetitions", MP_PK_UINT, T(repetitions), .min = 1,
	  .max = MP_PLAN_TCP_MAX_REPETITIONS, .def = "10",
	  .help = "runs per version and streams" },
	{ "traffic.tcp.reboot", MP_PK_BOOL, T(reboot), .def = "false",
	  .help = "re-create the DUT before each repetition" },
	{ "traffic.tcp.reverse", MP_PK_BOOL, T(reverse), .def = "false",
	  .help = "the receiving side sends (iperf3 -R)" },
	{ "traffic.tcp.offloads", MP_PK_CUSTOM, T(offloads), .def = "keep", .load = offloads_load,
	  .write = offloads_write, .help = "the traff-gen's TSO and GSO: keep, on or off" },
	{ "traffic.tcp.src_ip", MP_PK_IPV4, T(src_ip), .def = "10.202.0.1",
	  .help = "the data side's address" },
	{ "traffic.tcp.dst_ip", MP_PK_IPV4, T(dst_ip), .def = "10.202.0.2",
	  .help = "the receiving side's, in the same /24" },
	{ "traffic.tcp.port", MP_PK_UINT, T(port), .min = 1, .max = 65535,
	  .def = STR(MP_TCP_PORT_DEFAULT), .help = "iperf3's server port" },
	{ "traffic.tcp.timeout", MP_PK_DURATION, T(timeout_ns), .def_fn = tcp_timeout_default,
	  .check = tcp_timeout_check, .help = "per repetition; then it fails" },
	{ "traffic.tcp.reference", MP_PK_TEXT, T(reference), .check = reference_check,
	  .help = "a version the others are set against" },
	{ "traffic.dst_mac", MP_PK_MAC, P(dst_mac),
	  .help = "the frames' destination (not given: the dut_in vif's MAC)" },
	{ "traffic.src_ip", MP_PK_IPV4, P(src_ip), .def = "10.201.0.1",
	  .help = "in the UDP frames" },
	{ "traffic.dst_ip", MP_PK_IPV4, P(dst_ip), .def = "10.201.0.2",
	  .help = "in the UDP frames" },
	{ "traffic.src_port", MP_PK_UINT, P(src_port), .min = 1, .max = 65535, .def = "9",
	  .help = "UDP" },
	{ "traffic.dst_port", MP_PK_UINT, P(dst_port), .min = 1, .max = 65535, .def = "9",
	  .help = "UDP" },
	{ "phase", MP_PK_MAP, .help = "one grid phase" },
	{ "phase.duration", MP_PK_DURATION, P(duration_ns), .def = "10s",
	  .help = "the measure window" },
	{ "phase.warmup", MP_PK_DURATION, P(warmup_ns), .flags = MP_PK_ZERO_OK, .def = "1s",
	  .help = "traffic before measuring" },
	{ "phase.cooldown", MP_PK_DURATION, P(cooldown_ns), .flags = MP_PK_ZERO_OK, .def = "1s",
	  .help = "drain after stopping" },
	{ "sampling", MP_PK_MAP, .help = "link counters" },
	{ "sampling.interval", MP_PK_DURATION, P(sample_interval_ns),
	  .min = MP_PLAN_MIN_SAMPLE_NS, .def = "100ms", .help = "over netlink" },
	{ "output", MP_PK_MAP, .help = "where results go" },
	{ "output.dir", MP_PK_TEXT, P(output_dir), .def = "out",
	  .help = "where run directories go (--out overrides)" },
};

const size_t mp_plan_nkeys = sizeof(mp_plan_keys) / sizeof(mp_plan_keys[0]);
_Static_assert(sizeof(mp_plan_keys) / sizeof(mp_plan_keys[0]) < MP_PK_MAX_KEYS,
	       "MP_PK_MAX_KEYS bounds the keys of one mapping");

/* The table's own helpers. */

const char *mp_pk_name(const struct mp_plan_key *k)
{
	const char *dot = strrchr(k->path, '.');

	return dot ? dot + 1 : k->path;
}

unsigned mp_pk_depth(const struct mp_plan_key *k)
{
	unsigned d = 0;

	for (const char *s = k->path; *s; s++)
		d += *s == '.';
	return d;
}

int mp_pk_child_of(const struct mp_plan_key *k, const struct mp_plan_key *map)
{
	size_t len;

	if (!map)
		return !strchr(k->path, '.');
	len = strlen(map->path);
	return strncmp(k->path, map->path, len) == 0 && k->path[len] == '.' &&
	       !strchr(k->path + len + 1, '.');
}

void *mp_pk_base(const struct mp_plan_key *k, const struct mp_plan *p)
{
	switch (k->base) {
	case MP_PK_PLAN: return (void *)p;
	case MP_PK_SEARCH: return p->search;
	case MP_PK_TCP: return p->tcp;
	}
	return NULL;
}

const struct mp_plan_key *mp_pk_find(const char *path)
{
	for (size_t i = 0; i < mp_plan_nkeys; i++)
		if (strcmp(mp_plan_keys[i].path, path) == 0)
			return &mp_plan_keys[i];
	return NULL;
}

/* The run's and the domains' names, the kernel, the engine. */

static void run_name_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			   const struct mp_yt *v, const struct mp_yt *parent)
{
	(void)k, (void)parent;
	if (!mp__plan_word(c->plan->name, 64, 0))
		mp__perr(c, v, "name \"%s\" is not valid (it names the run directory); expected "
			 "1-64 of A-Z a-z 0-9 . _ -, not starting with - or .", c->plan->name);
}

static void domain_name_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			      const struct mp_yt *v, const struct mp_yt *parent)
{
	const char *name = *(char **)((char *)c->plan + k->off);

	(void)parent;
	if (!mp__plan_word(name, MP_PLAN_MAX_DOMAIN_NAME, 0))
		mp__perr(c, v, "domain name \"%s\" is not valid; expected 1-%d of A-Z a-z 0-9 . _ -",
			 name, MP_PLAN_MAX_DOMAIN_NAME);
}

static void dut_kernel_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			     const struct mp_yt *v, const struct mp_yt *parent)
{
	(void)parent;
	if (strstr(c->plan->dut_kernel, "{kernel}"))
		mp__perr(c, v, "%s cannot use {kernel}: it is what {kernel} stands for", k->path);
}

static int engine_default(const struct mp_plan_key *k, struct mp_plan *p)
{
	(void)k;
	p->agent_engine = strdup(mp_engines[MP_ENGINE_AUTO].name);
	return p->agent_engine ? 0 : -ENOMEM;
}

static void engine_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			 const struct mp_yt *v, const struct mp_yt *parent)
{
	char names[MP_ENGINE_NAMES_LEN];

	(void)parent;
	if (mp_engine_kind(c->plan->agent_engine) < 0)
		mp__perr(c, v, "%s \"%s\" is not known; expected %s", k->path,
			 c->plan->agent_engine, mp_engine_names(names));
}

/* versions: each a scalar (built by the build steps) or {name, kernel}. */

/* A version's prebuilt DUT kernel: a template, checked when the version
 * runs, or a file, which must exist now. */
static void version_kernel(struct mp_plan_ctx *c, const struct mp_yt *n, const char *version,
			   char **out)
{
	char what[128];

	snprintf(what, sizeof(what), "version %s's kernel", version);
	if (mp__pv_path(c, n, what, 1, out) == 0 && strstr(*out, "{kernel}")) {
		mp__perr(c, n, "%s cannot use {kernel}: it is what {kernel} stands for", what);
		free(*out);
		*out = NULL;
	}
}

static const struct mp_yt *version_name(struct mp_plan_ctx *c, const struct mp_yt *v,
					const struct mp_yt **kernel)
{
	static const char *const keys[] = { "name", "kernel", NULL };
	const struct mp_yt *name;

	*kernel = NULL;
	if (v->type != MP_YT_MAP)
		return mp__pv_scalar(c, v, "a version");
	if (!mp__plan_check_map(c, v, "a version", keys))
		return NULL;
	if (!(name = mp_yt_get(v, "name"))) {
		mp__perr(c, v, "a version given as a mapping needs a name (a commit, tag or label), "
			 "e.g. {name: v2.1.7, kernel: /srv/kernels/v2.1.7.xen}");
		return NULL;
	}
	if (!(*kernel = mp_yt_get(v, "kernel"))) {
		mp__perr(c, v, "a version given as a mapping needs a kernel (its prebuilt DUT "
			 "kernel); write a version without one as a plain name");
		return NULL;
	}
	return mp__pv_scalar(c, name, "a version's name");
}

static int versions_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			 const struct mp_yt *n, const struct mp_yt *parent)
{
	struct mp_plan *p = c->plan;

	(void)k, (void)parent;
	if (n->type != MP_YT_SEQ || n->n == 0) {
		mp__perr(c, n, "versions must be a non-empty list of commits, tags or branches");
		return -1;
	}
	if (n->n > MP_PLAN_MAX_VERSIONS) {
		mp__perr(c, n, "versions has more than %d entries", MP_PLAN_MAX_VERSIONS);
		return -1;
	}
	p->versions = calloc(n->n, sizeof(char *));
	p->version_kernels = calloc(n->n, sizeof(char *));
	if (!p->versions || !p->version_kernels)
		return mp__plan_nomem(c, n);
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *kernel, *v = version_name(c, n->items[i], &kernel);

		if (!v)
			return -1;
		if (!mp__plan_word(v->value, 64, 1)) {
			mp__perr(c, v, "version \"%s\" is not a commit, tag or branch name; expected "
				 "1-64 of A-Z a-z 0-9 . _ - /, not starting with - or . and without ..",
				 v->value);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->versions[j], v->value) == 0) {
				mp__perr(c, v, "version \"%s\" is listed twice", v->value);
				return -1;
			}
		}
		p->versions[p->nversions] = strdup(v->value);
		if (!p->versions[p->nversions])
			return mp__plan_nomem(c, v);
		p->nversions++;
		if (kernel)
			version_kernel(c, kernel, v->value, &p->version_kernels[i]);
	}
	return 0;
}

static void versions_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < p->nversions; i++) {
		if (i)
			fputs(", ", f);
		if (mp_plan_prebuilt(p, i)) {
			fputs("{name: ", f);
			mp__pw_quoted(f, p->versions[i]);
			fputs(", kernel: ", f);
			mp__pw_quoted(f, p->version_kernels[i]);
			fputc('}', f);
		} else {
			mp__pw_quoted(f, p->versions[i]);
		}
	}
	fputc(']', f);
}

/* build.steps: a list of commands. */

static int steps_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *v, const struct mp_yt *parent)
{
	struct mp_plan *p = c->plan;

	(void)k, (void)parent;
	if (v->type != MP_YT_SEQ) {
		mp__perr(c, v, "build.steps must be a list of commands, each a list of arguments");
		return -1;
	}
	if (v->n > BUILD_STEPS_MAX) {
		mp__perr(c, v, "build.steps has more than %d steps", BUILD_STEPS_MAX);
		return -1;
	}
	p->build_steps = calloc(v->n ? v->n : 1, sizeof(struct mp_cmd));
	if (!p->build_steps)
		return mp__plan_nomem(c, v);
	for (size_t i = 0; i < v->n; i++) {
		if (mp__pv_cmd(c, v->items[i], "a build step", &p->build_steps[i]) < 0)
			return -1;
		p->nbuild_steps++;
	}
	return 0;
}

static void cmd_write(FILE *f, const struct mp_cmd *cmd)
{
	fputc('[', f);
	for (size_t i = 0; i < cmd->argc; i++) {
		if (i)
			fputs(", ", f);
		mp__pw_quoted(f, cmd->argv[i]);
	}
	fputc(']', f);
}

static void steps_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < p->nbuild_steps; i++) {
		if (i)
			fputs(", ", f);
		cmd_write(f, &p->build_steps[i]);
	}
	fputc(']', f);
}

/* roles.*: {domain, vif}; the row's arg is the role. */

static int role_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		     const struct mp_yt *v, const struct mp_yt *parent)
{
	static const char *const keys[] = { "domain", "vif", NULL };
	enum mp_role r = (enum mp_role)k->arg;
	enum mp_dom own = r == MP_ROLE_DUT_IN || r == MP_ROLE_DUT_OUT ? MP_DOM_DUT : MP_DOM_TRAFFGEN;
	struct mp_plan_vif *vif = &c->plan->roles[r];
	const struct mp_yt *d, *i;
	uint64_t devid;

	(void)parent;
	if (r == MP_ROLE_RECEIVER)
		c->plan->has_receiver = 1;
	if (!mp__plan_check_map(c, v, k->path, keys))
		return -1;
	if ((d = mp_yt_get(v, "domain")) && mp__pv_scalar(c, d, "domain")) {
		if (strcmp(d->value, mp_dom_name(MP_DOM_DUT)) == 0)
			vif->domain = MP_DOM_DUT;
		else if (strcmp(d->value, mp_dom_name(MP_DOM_TRAFFGEN)) == 0)
			vif->domain = MP_DOM_TRAFFGEN;
		else
			mp__perr(c, d, "domain \"%s\" is not known; expected dut or traffgen",
				 d->value);
	}
	if ((i = mp_yt_get(v, "vif")) &&
	    mp__pv_uint(c, i, "vif", 0, MP_PLAN_MAX_VIFS - 1, &devid) == 0)
		vif->devid = (unsigned)devid;
	if (d && vif->domain != own)
		mp__perr(c, d, "%s belongs to the %s domain", k->path, mp_dom_name(own));
	return 0;
}

static void role_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	const struct mp_plan_vif *vif = &p->roles[k->arg];

	fprintf(f, "{domain: %s, vif: %u}", mp_dom_name(vif->domain), vif->devid);
}

static int receiver_has(const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	return p->has_receiver;
}

/* discovery.methods */

static int methods_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			const struct mp_yt *v, const struct mp_yt *parent)
{
	struct mp_plan *p = c->plan;

	(void)k, (void)parent;
	if (v->type != MP_YT_SEQ || v->n == 0) {
		mp__perr(c, v, "discovery.methods must be a non-empty list of dhcp, xenstore");
		return -1;
	}
	p->discover_dhcp = p->discover_xenstore = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct mp_yt *m = v->items[i];

		if (!mp__pv_scalar(c, m, "a discovery method"))
			continue;
		if (strcmp(m->value, "dhcp") == 0)
			p->discover_dhcp = 1;
		else if (strcmp(m->value, "xenstore") == 0)
			p->discover_xenstore = 1;
		else
			mp__perr(c, m, "discovery method \"%s\" is not known; expected "
				 "dhcp or xenstore", m->value);
	}
	return 0;
}

static void methods_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fprintf(f, "[%s%s%s]", p->discover_dhcp ? "dhcp" : "",
		p->discover_dhcp && p->discover_xenstore ? ", " : "",
		p->discover_xenstore ? "xenstore" : "");
}

/* traffic.sizes and traffic.rates, or their old range files. */

static int set_sizes(struct mp_plan_ctx *c, const struct mp_yt *n, const uint64_t *vals,
		     size_t nvals, unsigned **sizes, size_t *nsizes)
{
	if (!nvals)
		return 0;
	free(*sizes);
	*nsizes = 0;
	*sizes = calloc(nvals, sizeof(unsigned));
	if (!*sizes)
		return mp__plan_nomem(c, n);
	for (size_t i = 0; i < nvals; i++)
		(*sizes)[(*nsizes)++] = (unsigned)vals[i];
	return 0;
}

static int sizes_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *v, const struct mp_yt *parent)
{
	uint64_t *vals = NULL;
	size_t n = 0;
	int rc;

	(void)k, (void)parent;
	rc = mp__pv_list(c, v, "frame size", MP_FRAME_MIN, MP_FRAME_MAX, &vals, &n,
			 MP_PLAN_MAX_SIZES, "imix");
	if (set_sizes(c, v, vals, n, &c->plan->sizes, &c->plan->nsizes) < 0)
		rc = -1;
	free(vals);
	return rc;
}

static int sizes_file_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			   const struct mp_yt *v, const struct mp_yt *parent)
{
	uint64_t *vals = NULL;
	size_t n = 0;
	int rc;

	if (mp_yt_get(parent, "sizes")) {
		mp__perr(c, v, "traffic has both sizes and sizes_file; expected one of them");
		return -1;
	}
	rc = mp__pv_range_file(c, v, k->path, MP_FRAME_MIN, MP_FRAME_MAX, &vals, &n,
			       MP_PLAN_MAX_SIZES);
	if (set_sizes(c, v, vals, n, &c->plan->sizes, &c->plan->nsizes) < 0)
		rc = -1;
	free(vals);
	return rc;
}

static void sizes_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	mp__pw_sizes(f, p->sizes, p->nsizes);
}

static int sizes_has(const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	return p->nsizes > 0;
}

static int rates_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *v, const struct mp_yt *parent)
{
	(void)k, (void)parent;
	return mp__pv_list(c, v, "rate", 1, MP_PLAN_MAX_RATE, &c->plan->rates, &c->plan->nrates,
			   MP_PLAN_MAX_RATES, NULL);
}

static int rates_file_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			   const struct mp_yt *v, const struct mp_yt *parent)
{
	if (mp_yt_get(parent, "rates")) {
		mp__perr(c, v, "traffic has both rates and rates_file; expected one of them");
		return -1;
	}
	return mp__pv_range_file(c, v, k->path, 1, MP_PLAN_MAX_RATE, &c->plan->rates,
				 &c->plan->nrates, MP_PLAN_MAX_RATES);
}

static void rates_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < p->nrates; i++)
		fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)p->rates[i]);
	fputc(']', f);
}

static int rates_has(const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	return p->nrates > 0;
}

/* What traffic needs once its keys are read: sizes for rates or a search,
 * rates for sizes, and search.sizes only next to rates. */
static void traffic_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			  const struct mp_yt *n, const struct mp_yt *parent)
{
	const struct mp_yt *sz = mp_yt_get(n, "sizes"), *szf = mp_yt_get(n, "sizes_file");
	const struct mp_yt *rt = mp_yt_get(n, "rates"), *rtf = mp_yt_get(n, "rates_file");
	const struct mp_yt *se = mp_yt_get(n, "search"), *tcp = mp_yt_get(n, "tcp");
	const struct mp_yt *se_sizes = se && se->type == MP_YT_MAP ? mp_yt_get(se, "sizes") : NULL;

	(void)k, (void)parent;
	if (!sz && !szf && (!tcp || rt || rtf || se))
		mp__perr(c, n, "traffic needs sizes (frame sizes in bytes without FCS, %d..%d) "
			 "or sizes_file%s", MP_FRAME_MIN, MP_FRAME_MAX,
			 tcp ? " for its rates or search" : "");
	if (se && se->type == MP_YT_MAP && !se_sizes && (rt || rtf))
		mp__perr(c, se, "traffic has both %s and search; expected one of them (a grid "
			 "of rates, or a search for the highest rate meeting loss goals), or "
			 "search.sizes to search those sizes next to the grid",
			 rt ? "rates" : "rates_file");
	else if (se_sizes && !rt && !rtf)
		mp__perr(c, se_sizes, "traffic.search.sizes searches sizes next to a grid of "
			 "rates, and traffic has no rates or rates_file; expected rates, or no "
			 "search.sizes to search every size");
	if (!rt && !rtf && !se && (sz || szf || !tcp))
		mp__perr(c, n, "traffic needs rates (packets per second), %s",
			 tcp ? "rates_file or search for its sizes" : "rates_file, search or tcp");
}

/* traffic.search */

static int search_open(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		       const struct mp_yt *n, const struct mp_yt *parent)
{
	int rc;

	(void)parent;
	c->plan->search = calloc(1, sizeof(*c->plan->search));
	if (!c->plan->search)
		return mp__plan_nomem(c, n);
	rc = mp__pk_defaults(c->plan, k->base);
	return rc == -ENOMEM ? mp__plan_nomem(c, n) : rc;
}

static void goals_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	const struct mp_plan_search *s = p->search;

	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < s->ngoals; i++) {
		fputs(i ? ", {name: " : "{name: ", f);
		mp__pw_quoted(f, s->goals[i].name);
		fprintf(f, ", loss: %.17g%%}", s->goals[i].loss_pct);
	}
	fputc(']', f);
}

static int goals_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *n, const struct mp_yt *parent)
{
	static const char *const keys[] = { "name", "loss", NULL };
	struct mp_plan_search *s = c->plan->search;

	(void)k, (void)parent;
	if (n->type != MP_YT_SEQ || n->n == 0) {
		mp__perr(c, n, "traffic.search.goals must be a non-empty list of {name, loss}, "
			 "e.g. [{name: NDR, loss: 0}, {name: PDR, loss: 0.5%%}]");
		return -1;
	}
	if (n->n > MP_PLAN_MAX_GOALS) {
		mp__perr(c, n, "traffic.search.goals has more than %d goals", MP_PLAN_MAX_GOALS);
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *g = n->items[i], *v;
		struct mp_plan_goal *goal = &s->goals[s->ngoals];

		if (!mp__plan_check_map(c, g, "a search goal", keys))
			continue;
		s->ngoals++;
		if (!(v = mp_yt_get(g, "name")))
			mp__perr(c, g, "a search goal needs a name (e.g. NDR)");
		else if (mp__pv_string(c, v, "goal name", &goal->name) == 0 &&
			 !mp__plan_word(goal->name, MP_PLAN_GOAL_NAME_MAX, 0))
			mp__perr(c, v, "goal name \"%s\" is not a word of up to %d letters, digits, "
				 "'.', '_' or '-'", goal->name, MP_PLAN_GOAL_NAME_MAX);
		for (size_t j = 0; goal->name && j + 1 < s->ngoals; j++)
			if (s->goals[j].name && strcmp(s->goals[j].name, goal->name) == 0)
				mp__perr(c, v, "goal name \"%s\" is listed twice", goal->name);
		if (!(v = mp_yt_get(g, "loss")))
			mp__perr(c, g, "a search goal needs a loss (the loss ratio it accepts, "
				 "e.g. 0 or 0.5%%)");
		else
			mp__pv_pct(c, v, "goal loss", 1, 100, &goal->loss_pct);
	}
	return 0;
}

static int max_rate_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			 const struct mp_yt *v, const struct mp_yt *parent)
{
	uint64_t *max = (uint64_t *)((char *)c->plan->search + k->off);

	(void)parent;
	if (v->type == MP_YT_SCALAR && !v->quoted && strcmp(v->value, "max") == 0) {
		*max = 0;
		return 0;
	}
	if (v->type == MP_YT_SCALAR && !isdigit((unsigned char)v->value[0])) {
		mp__perr(c, v, "%s must be a whole number or max, not \"%s\"", k->path, v->value);
		return -1;
	}
	return mp__pv_uint(c, v, k->path, 1, MP_PLAN_MAX_RATE, max);
}

static void max_rate_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	if (p->search->max_rate)
		fprintf(f, "%llu", (unsigned long long)p->search->max_rate);
	else
		fputs("max", f);
}

static void trial_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			const struct mp_yt *t, const struct mp_yt *parent)
{
	const struct mp_yt *fin = mp_yt_get(t, "final");

	(void)k, (void)parent;
	if (c->plan->search->initial_ns > c->plan->search->final_ns)
		mp__perr(c, fin ? fin : t, "traffic.search.trial: initial is longer than "
			 "final; expected initial <= final");
}

static void search_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			 const struct mp_yt *n, const struct mp_yt *parent)
{
	const struct mp_plan_search *s = c->plan->search;
	const struct mp_yt *maxn = mp_yt_get(n, "max_rate");

	(void)k, (void)parent;
	if (maxn && s->max_rate && s->max_rate < s->min_rate)
		mp__perr(c, maxn, "traffic.search.max_rate %llu is below min_rate %llu",
			 (unsigned long long)s->max_rate, (unsigned long long)s->min_rate);
}

/* traffic.search.sizes: which of traffic.sizes are searched (next to the
 * grid of rates). */
static int search_sizes_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			     const struct mp_yt *n, const struct mp_yt *parent)
{
	const struct mp_plan *p = c->plan;
	struct mp_plan_search *s = p->search;
	uint64_t *vals = NULL;
	size_t nvals = 0;
	int rc = -1;

	(void)k, (void)parent;
	if (mp__pv_list(c, n, "search size", MP_FRAME_MIN, MP_FRAME_MAX, &vals, &nvals,
			MP_PLAN_MAX_SIZES, "imix") < 0)
		goto out;
	for (size_t i = 0; i < nvals; i++) {
		size_t j = 0;

		while (j < p->nsizes && p->sizes[j] != vals[i])
			j++;
		if (j == p->nsizes) {
			char list[256] = "";
			size_t len = 0;

			for (j = 0; j < p->nsizes && len < sizeof(list); j++) {
				char one[16];

				if (p->sizes[j] == MP_SIZE_IMIX)
					snprintf(one, sizeof(one), "imix");
				else
					snprintf(one, sizeof(one), "%u", p->sizes[j]);
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
							j ? ", " : "", one);
			}
			mp__perr(c, n->items[i], "traffic.search.sizes: %s is not in traffic.sizes; "
				 "expected one of [%s]", n->items[i]->value, list);
			goto out;
		}
	}
	rc = set_sizes(c, n, vals, nvals, &s->sizes, &s->nsizes);
out:
	free(vals);
	return rc;
}

static void search_sizes_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	mp__pw_sizes(f, p->search->sizes, p->search->nsizes);
}

static int search_sizes_has(const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	return p->search && p->search->sizes;
}

/* traffic.imix: {size: weight, ...}, the mix a size "imix" sends. */

static int imix_default(const struct mp_plan_key *k, struct mp_plan *p)
{
	(void)k;
	mp_imix_default(&p->imix);
	return 0;
}

static int imix_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		     const struct mp_yt *n, const struct mp_yt *parent)
{
	struct mp_imix *m = &c->plan->imix;
	uint64_t size, w;

	(void)k, (void)parent;
	if (n->type != MP_YT_MAP || n->n == 0 || n->n > MP_IMIX_MAX) {
		mp__perr(c, n, "traffic.imix must map 1 to %d frame sizes to weights, e.g. "
			 "{60: 7, 590: 4, 1514: 1}", MP_IMIX_MAX);
		return -1;
	}
	m->n = 0;
	for (size_t i = 0; i < n->n; i++) {
		if (mp__pv_uint(c, n->keys[i], "traffic.imix size", MP_FRAME_MIN, MP_FRAME_MAX,
				&size) < 0 ||
		    mp__pv_uint(c, n->items[i], "traffic.imix weight", 1, MP_IMIX_WEIGHT_MAX, &w) < 0)
			return -1;
		for (unsigned j = 0; j < m->n; j++)
			if (m->size[j] == size) {
				mp__perr(c, n->keys[i], "traffic.imix size %llu is listed twice",
					 (unsigned long long)size);
				return -1;
			}
		m->size[m->n] = (unsigned)size;
		m->weight[m->n++] = (unsigned)w;
	}
	return 0;
}

static void imix_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('{', f);
	for (unsigned i = 0; i < p->imix.n; i++)
		fprintf(f, "%s%u: %u", i ? ", " : "", p->imix.size[i], p->imix.weight[i]);
	fputc('}', f);
}

/* traffic.tcp: TCP through the DUT. */

static int tcp_open(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		    const struct mp_yt *n, const struct mp_yt *parent)
{
	int rc;

	(void)parent;
	c->plan->tcp = calloc(1, sizeof(*c->plan->tcp));
	if (!c->plan->tcp)
		return mp__plan_nomem(c, n);
	rc = mp__pk_defaults(c->plan, k->base);
	return rc == -ENOMEM ? mp__plan_nomem(c, n) : rc;
}

static int streams_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			const struct mp_yt *v, const struct mp_yt *parent)
{
	struct mp_plan_tcp *t = c->plan->tcp;
	uint64_t *vals = NULL;
	size_t nvals = 0;
	int rc;

	(void)parent;
	rc = mp__pv_list(c, v, k->path, 1, MP_TCP_STREAMS_MAX, &vals, &nvals,
			 MP_PLAN_TCP_MAX_STREAMS_VALUES, NULL);
	if (rc == 0)
		rc = set_sizes(c, v, vals, nvals, &t->streams, &t->nstreams);
	free(vals);
	return rc;
}

static void streams_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < p->tcp->nstreams; i++)
		fprintf(f, "%s%u", i ? ", " : "", p->tcp->streams[i]);
	fputc(']', f);
}

static void tcp_duration_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			       const struct mp_yt *v, const struct mp_yt *parent)
{
	uint64_t d = c->plan->tcp->duration_ns;

	(void)parent;
	if (d % MP_NS_PER_SEC || d > MP_TCP_DURATION_MAX_S * MP_NS_PER_SEC)
		mp__perr(c, v, "%s %s is not a whole number of seconds from %ds to %ds (iperf3 "
			 "counts whole seconds)", k->path, v->value, MP_TCP_DURATION_MIN_S,
			 MP_TCP_DURATION_MAX_S);
}

static int offloads_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			 const struct mp_yt *v, const struct mp_yt *parent)
{
	int o;

	(void)parent;
	if (!mp__pv_scalar(c, v, k->path))
		return -1;
	if ((o = v->quoted ? -1 : mp_tcp_offloads_parse(v->value)) < 0) {
		mp__perr(c, v, "%s \"%s\" is not known; expected keep (the traff-gen's TSO and "
			 "GSO as they are), on or off", k->path, v->value);
		return -1;
	}
	c->plan->tcp->offloads = (enum mp_tcp_offloads)o;
	return 0;
}

static void offloads_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputs(mp_tcp_offloads_name(p->tcp->offloads), f);
}

/* A repetition's timeout: by default its duration and a margin. */
static int tcp_timeout_default(const struct mp_plan_key *k, struct mp_plan *p)
{
	(void)k;
	p->tcp->timeout_ns = p->tcp->duration_ns + MP_PLAN_TCP_TIMEOUT_MARGIN_NS;
	return 0;
}

static void tcp_timeout_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			      const struct mp_yt *v, const struct mp_yt *parent)
{
	const struct mp_plan_tcp *t = c->plan->tcp;

	(void)parent;
	if (t->timeout_ns <= t->duration_ns)
		mp__perr(c, v, "%s %s is not longer than the duration; expected more than %llus",
			 k->path, v->value, (unsigned long long)(t->duration_ns / MP_NS_PER_SEC));
}

static void reference_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			    const struct mp_yt *v, const struct mp_yt *parent)
{
	const struct mp_plan *p = c->plan;
	size_t i = 0;

	(void)parent;
	while (i < p->nversions && strcmp(p->versions[i], p->tcp->reference))
		i++;
	if (i == p->nversions)
		mp__perr(c, v, "%s \"%s\" is not one of the versions", k->path, p->tcp->reference);
}

/* The timeout follows the duration unless given; the two ends share a /24. */
static void tcp_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *n, const struct mp_yt *parent)
{
	struct mp_plan_tcp *t = c->plan->tcp;
	const struct mp_yt *at = mp_yt_get(n, "dst_ip");
	struct in_addr a, b;

	(void)parent;
	if (!mp_yt_get(n, "timeout"))
		tcp_timeout_default(k, c->plan);
	if (inet_pton(AF_INET, t->src_ip, &a) == 1 && inet_pton(AF_INET, t->dst_ip, &b) == 1) {
		uint32_t mask = htonl(~0U << (32 - MP_TCP_PREFIX_LEN));

		if (a.s_addr == b.s_addr)
			mp__perr(c, at ? at : n, "traffic.tcp: src_ip and dst_ip are the same address");
		else if ((a.s_addr & mask) != (b.s_addr & mask))
			mp__perr(c, at ? at : n, "traffic.tcp: src_ip %s and dst_ip %s are not in one "
				 "/%d; expected two addresses of one /%d (the DUT forwards frames, "
				 "it does not route)", t->src_ip, t->dst_ip, MP_TCP_PREFIX_LEN,
				 MP_TCP_PREFIX_LEN);
	}
}
