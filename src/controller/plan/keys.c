/* The plan's keys (keys.h): the table, and finding one's place in it. The
 * hooks its rows name are in hooks_setup.c and hooks_traffic.c. */
#include "controller/plan/keys.h"

#include <string.h>

#include "common/clock.h"
#include "common/tcp.h"
#include "controller/plan/hooks.h"
#include "controller/plan/internal.h"

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


#define ROLE(r, d) .type = MP_PK_CUSTOM, .arg = (r), .def = (d), .load = mp__pk_role_load, \
	.write = mp__pk_role_write

const struct mp_plan_key mp_plan_keys[] = {
	{ "name", MP_PK_TEXT, P(name), .check = mp__pk_run_name_check,
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
	  .load = mp__pk_versions_load, .write = mp__pk_versions_write,
	  .help = "commits, tags or branches; {name, kernel}: with a prebuilt DUT kernel" },
	{ "build", MP_PK_MAP, .help = "run once per version before its DUT boots" },
	{ "build.workdir", MP_PK_TEMPLATE, P(build_workdir), .def = "\"{run_dir}/build/{version}\"",
	  .help = "created before the first step, {workdir}" },
	{ "build.timeout", MP_PK_DURATION, P(build_timeout_ns), .def = "30m",
	  .help = "per build step" },
	{ "build.steps", MP_PK_CUSTOM, .load = mp__pk_steps_load, .write = mp__pk_steps_write,
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
	  .what = "a domain name", .check = mp__pk_domain_name_check, .help = "its xl domain name" },
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
	  .check = mp__pk_dut_kernel_check, .help = "{kernel} of a version without its own" },
	{ "domains.traffgen", MP_PK_MAP, .help = "the traffic generator" },
	{ "domains.traffgen.name", MP_PK_TEXT, P(domains[MP_DOM_TRAFFGEN].name),
	  .def = "mir-perf-traffgen", .what = "a domain name", .check = mp__pk_domain_name_check,
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
	{ "roles.receiver", ROLE(MP_ROLE_RECEIVER, NULL), .has = mp__pk_receiver_has,
	  .help = "the traff-gen's vif on if2, where its agent receives" },
	{ "discovery", MP_PK_MAP, .help = "finding the traff-gen's control address" },
	{ "discovery.methods", MP_PK_CUSTOM, .def = "[dhcp, xenstore]", .load = mp__pk_methods_load,
	  .write = mp__pk_methods_write, .help = "dhcp, xenstore: the first answer wins" },
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
	{ "agent.engine", MP_PK_TEXT, P(agent_engine), .def_fn = mp__pk_engine_default,
	  .check = mp__pk_engine_check, .help = "the traffic engine; auto: the agent's own" },
	{ "agent.connect_timeout", MP_PK_DURATION, P(agent_connect_timeout_ns), .def = "60s",
	  .help = "connect and authenticate" },
	{ "agent.request_timeout", MP_PK_DURATION, P(agent_request_timeout_ns), .def = "5s",
	  .help = "per request" },
	{ "traffic", MP_PK_MAP, .required = "the plan needs traffic", .check = mp__pk_traffic_check,
	  .help = "what the traff-gen sends" },
	{ "traffic.sizes", MP_PK_CUSTOM, .load = mp__pk_sizes_load, .write = mp__pk_sizes_write,
	  .has = mp__pk_sizes_has, .help = "frame sizes without FCS, or imix" },
	{ "traffic.sizes_file", MP_PK_CUSTOM, .flags = MP_PK_NO_WRITE, .load = mp__pk_sizes_file_load,
	  .help = "the old cfg/range-psz" },
	{ "traffic.rates", MP_PK_CUSTOM, .load = mp__pk_rates_load, .write = mp__pk_rates_write,
	  .has = mp__pk_rates_has, .help = "offered rates, packets per second" },
	{ "traffic.rates_file", MP_PK_CUSTOM, .flags = MP_PK_NO_WRITE, .load = mp__pk_rates_file_load,
	  .help = "the old cfg/range-pps" },
	{ "traffic.search", MP_PK_MAP, .base = MP_PK_SEARCH, .load = mp__pk_search_open,
	  .check = mp__pk_search_check, .help = "the highest rate meeting each goal (docs/search.md)" },
	{ "traffic.search.goals", MP_PK_CUSTOM, S(goals), .load = mp__pk_goals_load, .write = mp__pk_goals_write,
	  .required = "traffic.search needs goals, e.g. [{name: NDR, loss: 0}]",
	  .help = "each a name and the loss it accepts" },
	{ "traffic.search.method", MP_PK_ENUM, S(method), .names = method_names, .def = "mlr",
	  .help = "mlr: short trials steer; bisection: RFC 2544's" },
	{ "traffic.search.min_rate", MP_PK_UINT, S(min_rate), .min = 1, .max = MP_PLAN_MAX_RATE,
	  .def = "1000", .help = "pps" },
	{ "traffic.search.max_rate", MP_PK_CUSTOM, S(max_rate), .def = "max",
	  .load = mp__pk_max_rate_load, .write = mp__pk_max_rate_write,
	  .help = "pps, or max: what the generator reaches" },
	{ "traffic.search.width", MP_PK_PCT, S(width_pct), .max = MP_PLAN_SEARCH_MAX_WIDTH_PCT,
	  .def = "0.5%", .help = "a goal is settled when (upper - lower) / upper <= width" },
	{ "traffic.search.trial", MP_PK_MAP, .base = MP_PK_SEARCH, .check = mp__pk_trial_check,
	  .help = "trial durations" },
	{ "traffic.search.trial.initial", MP_PK_DURATION, S(initial_ns),
	  .min = MP_PLAN_MIN_TRIAL_NS, .def = "1s", .help = "the first, shortest trials" },
	{ "traffic.search.trial.final", MP_PK_DURATION, S(final_ns), .min = MP_PLAN_MIN_TRIAL_NS,
	  .def = "10s", .help = "the trials that decide" },
	{ "traffic.search.timeout", MP_PK_DURATION, S(timeout_ns), .def = "20m",
	  .help = "per version and size" },
	{ "traffic.search.sizes", MP_PK_CUSTOM, S(sizes), .load = mp__pk_search_sizes_load,
	  .write = mp__pk_search_sizes_write, .has = mp__pk_search_sizes_has,
	  .help = "the sizes searched next to the grid of rates" },
	{ "traffic.imix", MP_PK_CUSTOM, P(imix), .def_fn = mp__pk_imix_default, .load = mp__pk_imix_load,
	  .write = mp__pk_imix_write, .help = "the mix the size imix sends, size: weight" },
	{ "traffic.tcp", MP_PK_MAP, .base = MP_PK_TCP, .load = mp__pk_tcp_open, .check = mp__pk_tcp_check,
	  .help = "TCP through the DUT, iperf3" },
	{ "traffic.tcp.streams", MP_PK_CUSTOM, T(streams), .def = "[1]", .load = mp__pk_streams_load,
	  .write = mp__pk_streams_write, .help = "parallel connections; a TCP phase each" },
	{ "traffic.tcp.duration", MP_PK_DURATION, T(duration_ns),
	  .min = MP_TCP_DURATION_MIN_S * MP_NS_PER_SEC, .def = "10s", .check = mp__pk_tcp_duration_check,
	  .help = "each repetition, whole seconds" },
	{ "traffic.tcp.repetitions", MP_PK_UINT, T(repetitions), .min = 1,
	  .max = MP_PLAN_TCP_MAX_REPETITIONS, .def = "10",
	  .help = "runs per version and streams" },
	{ "traffic.tcp.reboot", MP_PK_BOOL, T(reboot), .def = "false",
	  .help = "re-create the DUT before each repetition" },
	{ "traffic.tcp.reverse", MP_PK_BOOL, T(reverse), .def = "false",
	  .help = "the receiving side sends (iperf3 -R)" },
	{ "traffic.tcp.offloads", MP_PK_CUSTOM, T(offloads), .def = "keep", .load = mp__pk_offloads_load,
	  .write = mp__pk_offloads_write, .help = "the traff-gen's TSO and GSO: keep, on or off" },
	{ "traffic.tcp.checksum", MP_PK_ENUM, T(checksum), .names = mp_tcp_offloads_names, .def = "keep",
	  .help = "the traff-gen's transmit checksum offload: keep, on or off" },
	{ "traffic.tcp.src_ip", MP_PK_IPV4, T(src_ip), .def = "10.202.0.1",
	  .help = "the data side's address" },
	{ "traffic.tcp.dst_ip", MP_PK_IPV4, T(dst_ip), .def = "10.202.0.2",
	  .help = "the receiving side's, in the same /24" },
	{ "traffic.tcp.port", MP_PK_UINT, T(port), .min = 1, .max = 65535,
	  .def = STR(MP_TCP_PORT_DEFAULT), .help = "iperf3's server port" },
	{ "traffic.tcp.timeout", MP_PK_DURATION, T(timeout_ns), .def_fn = mp__pk_tcp_timeout_default,
	  .check = mp__pk_tcp_timeout_check, .help = "per repetition; then it fails" },
	{ "traffic.tcp.reference", MP_PK_TEXT, T(reference), .check = mp__pk_reference_check,
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
