/* The sweep plan (issue 2): samples parse, malformed plans give the exact
 * file:line:column message, the schedule, the effective plan round trip,
 * templates, and the command line. */
#include "test.h"

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/run.h"
#include "common/template.h"
#include "controller/plan/plan.h"
#include "controller/plan/internal.h"
#include "controller/plan/keys.h"
#include "controller/sweep/progress.h"
#include "failalloc.h"

/* Loads `text` as p.yaml in the test's tmpdir; returns the rc and the first
 * error line (without the "p.yaml:" prefix) in err. */
static int load(const char *text, char *err, size_t errlen, struct mp_plan **plan)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	rc = mp_plan_load_string(text, strlen(text), "p.yaml", mp_test_tmpdir(), f, plan);
	fclose(f);
	err[0] = '\0';
	if (buf) {
		char *nl = strchr(buf, '\n');

		if (nl)
			*nl = '\0';
		snprintf(err, errlen, "%s", strncmp(buf, "p.yaml:", 7) == 0 ? buf + 7 : buf);
	}
	free(buf);
	return rc;
}

static const char *const malformed[][2] = {
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]\n",
	  "5:1: YAML syntax error: did not find expected ',' or '}'" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nfoo: 1\n",
	  "5:1: unknown key \"foo\" in the plan; expected one of: name, library, versions, build, toolstack, domains, roles, discovery, agent, traffic, phase, sampling, output" },
	{ "name: t\nname: u\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "2:1: duplicate key \"name\"" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [59], rates: [1000]}\n",
	  "4:19: frame size 59 is out of range; expected 60..9000" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [9001], rates: [1000]}\n",
	  "4:19: frame size 9001 is out of range; expected 60..9000" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [0]}\n",
	  "4:32: rate 0 is out of range; expected 1..100000000" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nphase: {duration: 0s}\n",
	  "5:19: phase.duration 0s is too short; expected at least 1ms" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nphase: {duration: -1s}\n",
	  "5:19: phase.duration \"-1s\" is not a duration; expected a number and a unit (ms, s, m), e.g. 10s or 100ms" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nsampling: {interval: 5ms}\n",
	  "5:22: sampling.interval 5ms is too short; expected at least 10ms" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nphase: {duration: 10}\n",
	  "5:19: phase.duration \"10\" is not a duration; expected a number and a unit (ms, s, m), e.g. 10s or 100ms" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes_file: nope, rates: [1000]}\n",
	  "4:23: traffic.sizes_file @DIR@/nope: No such file or directory; expected a readable file (relative paths start from the plan's directory)" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nx: &a [1]\ny: *a\n",
	  "5:4: anchors are not supported; write the value out" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\noutput: [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]\n",
	  "5:24: nesting too deep; a plan has at most a few levels" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: v1\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "3:11: versions must be a non-empty list of commits, tags or branches" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [sixty], rates: [1000]}\n",
	  "4:19: frame size must be a whole number, not \"sixty\"" },
	{ "name: t\nlibrary: {name: l}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "2:10: library needs a repo (the git URL its versions come from)" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1, v1]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "3:16: version \"v1\" is listed twice" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60, 60], rates: [1000]}\n",
	  "4:23: frame size 60 is listed twice" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000], dst_mac: 00:11:22:33:44}\n",
	  "4:48: traffic.dst_mac \"00:11:22:33:44\" is not a MAC address; expected xx:xx:xx:xx:xx:xx" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000], src_ip: 10.0.0.300}\n",
	  "4:47: traffic.src_ip \"10.0.0.300\" is not an IPv4 address" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000], dst_port: 65536}\n",
	  "4:49: traffic.dst_port 65536 is out of range; expected 1..65535" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nagent: {engine: dpdk}\n",
	  "5:17: agent.engine \"dpdk\" is not known; expected auto, packet or pktgen" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\ndomains: {dut: {on_failure: retry}}\n",
	  "5:29: on_failure \"retry\" is not known; expected recreate or stop" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\ndiscovery: {methods: [arp]}\n",
	  "5:23: discovery method \"arp\" is not known; expected dhcp or xenstore" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\ntoolstack: {create: []}\n",
	  "5:21: toolstack.create must be a non-empty list of arguments, e.g. [xl, create, \"{config}\"]" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\ntoolstack: {create: [xl, create, \"{cfg}\"]}\n",
	  "5:35: toolstack.create: unknown variable {cfg}; known: {version} {library} {repo} {workdir} {run_dir} {bin_dir} {cfg_dir} {src_dir} {config} {name} {kernel} {env:NAME}" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nroles: {generator: {domain: dut, vif: 0}}\n",
	  "5:29: roles.generator belongs to the traffgen domain" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nroles: {control: {domain: traffgen, vif: 9}}\n",
	  "5:42: vif 9 is out of range; expected 0..7" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60, imix, imix], rates: [1000]}\n",
	  "4:29: frame size imix is listed twice" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [\"imix\"], rates: [1000]}\n",
	  "4:19: frame size must be a whole number, not \"imix\"" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [imix], rates: [1000], imix: {60: 0}}\n",
	  "4:52: traffic.imix weight 0 is out of range; expected 1..1000" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [imix], rates: [1000], imix: {59: 1}}\n",
	  "4:48: traffic.imix size 59 is out of range; expected 60..9000" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [imix], rates: [1000], imix: [60, 1]}\n",
	  "4:47: traffic.imix must map 1 to 8 frame sizes to weights, e.g. {60: 7, 590: 4, 1514: 1}" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nroles: {receiver: {domain: dut, vif: 2}}\n",
	  "5:28: roles.receiver belongs to the traffgen domain" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\nroles: {receiver: {domain: traffgen, vif: 1}}\n",
	  "1:1: roles: receiver must be a vif of its own (the traff-gen's third, on bridge if2), not the generator's or the control vif" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\n---\nname: u\n",
	  "5:1: a second YAML document; a plan is one document" },
	{ "\tname: t\n",
	  "1:1: YAML syntax error: found character that cannot start any token" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], sizes_file: f, rates: [1000]}\n",
	  "4:36: traffic has both sizes and sizes_file; expected one of them" },
	{ "name: \"a b\"\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "1:7: name \"a b\" is not valid (it names the run directory); expected 1-64 of A-Z a-z 0-9 . _ -, not starting with - or ." },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\ndiscovery: {address: 10.1.1}\n",
	  "5:22: discovery.address \"10.1.1\" is not an IPv4 address" },
	/* Prebuilt DUT kernels, boot retries, the console log (issue 21). */
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [{name: v2.1.7}]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "3:12: a version given as a mapping needs a kernel (its prebuilt DUT kernel); write a version without one as a plain name" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [{kernel: k}]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "3:12: a version given as a mapping needs a name (a commit, tag or label), e.g. {name: v2.1.7, kernel: /srv/kernels/v2.1.7.xen}" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1, {name: v2.1.7, kernel: v2.1.7.xen}]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "3:39: version v2.1.7's kernel @DIR@/v2.1.7.xen: No such file or directory; expected a readable file (relative paths start from the plan's directory)" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [{name: v1, kernel: k, sha: 1}]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "3:34: unknown key \"sha\" in a version; expected one of: name, kernel" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [{name: v1, kernel: \"{kernel}\"}]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "3:31: version v1's kernel cannot use {kernel}: it is what {kernel} stands for" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [{name: v1, kernel: \"{env:1X}/k\"}]\ntraffic: {sizes: [60], rates: [1000]}\n",
	  "3:32: version v1's kernel: unknown variable {env:1X}; known: {version} {library} {repo} {workdir} {run_dir} {bin_dir} {cfg_dir} {src_dir} {config} {name} {kernel} {env:NAME}" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\ndomains: {dut: {boot_retries: 11}}\n",
	  "5:31: domains.dut.boot_retries 11 is out of range; expected 0..10" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\ndomains: {dut: {kernel: \"{kernel}.xen\"}}\n",
	  "5:25: domains.dut.kernel cannot use {kernel}: it is what {kernel} stands for" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {sizes: [60], rates: [1000]}\ndomains: {console_log: \"/var/log/{domain}.log\"}\n",
	  "5:34: domains.console_log: unknown variable {domain}; known: {version} {library} {repo} {workdir} {run_dir} {bin_dir} {cfg_dir} {src_dir} {config} {name} {kernel} {env:NAME}" },
};

static char *round_trip(const struct mp_plan *a, struct mp_plan **b);

/* Prebuilt kernels per version, boot retries and the console log
 * round-trip through the effective plan; {kernel} is the version's own
 * kernel, else domains.dut.kernel (issue 21). */
TEST(plan_prebuilt_kernels_round_trip)
{
	char err[1024], path[4200], *text;
	struct mp_plan *a, *b;

	snprintf(path, sizeof(path), "%s/v1.xen", mp_test_tmpdir());
	mp_test_write_file(path, "not a real kernel");
	ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: r}\n"
		       "versions: [{name: v1, kernel: v1.xen}, v2, "
		       "{name: v3, kernel: \"{env:MP_UNIKERNEL_DIR}/{version}.xen\"}]\n"
		       "domains: {console_log: \"/srv/log/{name}.log\", "
		       "dut: {boot_retries: 3, kernel: \"{workdir}/k.xen\"}}\n"
		       "traffic: {sizes: [60], rates: [1000]}\n", err, sizeof(err), &a), 0);
	ASSERT_STREQ(a->version_kernels[0], path);
	ASSERT_EQ(mp_plan_prebuilt(a, 0), 1);
	ASSERT_EQ(mp_plan_prebuilt(a, 1), 0);
	ASSERT_STREQ(mp_plan_kernel(a, 1), "{workdir}/k.xen");
	ASSERT_STREQ(mp_plan_kernel(a, 2), "{env:MP_UNIKERNEL_DIR}/{version}.xen");
	text = round_trip(a, &b);
	ASSERT_CONTAINS(text, "versions: [{name: \"v1\", kernel: ");
	ASSERT_CONTAINS(text, "console_log: \"/srv/log/{name}.log\"");
	ASSERT_CONTAINS(text, "\n    boot_retries: 3  #");
	ASSERT_CONTAINS(text, "\n    kernel: \"{workdir}/k.xen\"  #");
	ASSERT_EQ(b->nversions, 3);
	ASSERT_STREQ(b->versions[2], "v3");
	ASSERT_STREQ(b->version_kernels[0], path);
	ASSERT(!b->version_kernels[1]);
	ASSERT_STREQ(b->version_kernels[2], "{env:MP_UNIKERNEL_DIR}/{version}.xen");
	ASSERT_EQ(b->dut_boot_retries, 3);
	ASSERT_STREQ(b->console_log, "/srv/log/{name}.log");
	free(text);
	mp_plan_free(a);
	mp_plan_free(b);
	/* The defaults: xenconsoled's log, one retry, where cfg/xen.yaml's
	 * build leaves the unikernel. */
	ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\n"
		       "traffic: {sizes: [60], rates: [1000]}\n", err, sizeof(err), &a), 0);
	ASSERT_STREQ(a->console_log, "/var/log/xen/console/guest-{name}.log");
	ASSERT_EQ(a->dut_boot_retries, 1);
	ASSERT_STREQ(mp_plan_kernel(a, 0), "{workdir}/unikernel/dist/netif-forward.xen");
	mp_plan_free(a);
}

TEST(plan_malformed_exact_messages)
{
	ASSERT(sizeof(malformed) / sizeof(malformed[0]) >= 30);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		char err[1024], want[1024], *at;
		struct mp_plan *p = NULL;

		snprintf(want, sizeof(want), "%s", malformed[i][1]);
		if ((at = strstr(want, "@DIR@"))) {
			char rest[1024];

			snprintf(rest, sizeof(rest), "%s", at + 5);
			snprintf(at, sizeof(want) - (size_t)(at - want), "%s%s", mp_test_tmpdir(), rest);
		}
		ASSERT_EQ(load(malformed[i][0], err, sizeof(err), &p), -EINVAL);
		ASSERT(p == NULL);
		ASSERT_MSG(strcmp(err, want) == 0, "case %zu:\n  got  %s\n  want %s", i + 1, err, want);
	}
}

TEST(plan_minimal_defaults)
{
	char err[1024];
	struct mp_plan *p;
	struct mp_phase ph;

	ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: r}\nversions: [a, b]\n"
		       "traffic: {sizes: [60, 1496], rates: [1000, 2000, 3000]}\n",
		       err, sizeof(err), &p), 0);
	ASSERT_STREQ(p->name, "t");
	ASSERT_EQ(mp_plan_phase_count(p), 12);
	/* versions outermost, then sizes, then rates */
	mp_plan_phase(p, 7, &ph);
	ASSERT_EQ(ph.version, 1);
	ASSERT_EQ(ph.size, 60);
	ASSERT_EQ(ph.rate, 2000);
	ASSERT_EQ(p->duration_ns, 10000000000ULL);
	ASSERT_EQ(p->sample_interval_ns, 100000000ULL);
	ASSERT_EQ(p->agent_port, 7000);
	ASSERT_STREQ(p->toolstack_create.argv[0], "xl");
	ASSERT_EQ(p->has_receiver, 0);      /* optional: a plan without it works as before */
	mp_plan_free(p);
	/* IMIX: the word in sizes, the default mix or the plan's weights */
	ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: r}\nversions: [a]\n"
		       "traffic: {sizes: [60, imix], rates: [1000]}\n", err, sizeof(err), &p), 0);
	ASSERT_EQ(p->nsizes, 2);
	ASSERT_EQ(p->sizes[1], MP_SIZE_IMIX);
	{
		char label[MP_IMIX_LABEL_MAX];

		mp_plan_size_label(p, p->sizes[1], label, sizeof(label));
		ASSERT_STREQ(label, "IMIX 7:4:1 (mean 357.8 B)");
		mp_plan_free(p);
		ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: r}\nversions: [a]\n"
			       "traffic: {sizes: [imix], rates: [1000], imix: {64: 1, 1518: 1}}\n",
			       err, sizeof(err), &p), 0);
		mp_plan_size_label(p, p->sizes[0], label, sizeof(label));
		ASSERT_STREQ(label, "IMIX 1:1 (mean 791.0 B)");
		mp_plan_free(p);
	}
}

TEST(plan_samples_parse)
{
	glob_t g;
	char pattern[4096];

	snprintf(pattern, sizeof(pattern), "%s/*.yaml", mp_test_src_path("cfg"));
	ASSERT_EQ(glob(pattern, 0, NULL, &g), 0);
	ASSERT(g.gl_pathc >= 2);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct mp_plan *p = NULL;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		int rc = mp_plan_load(g.gl_pathv[i], f, &p);

		fclose(f);
		ASSERT_MSG(rc == 0, "%s: %s", g.gl_pathv[i], buf);
		free(buf);
		mp_plan_free(p);
	}
	globfree(&g);
}

/* Every sample domain config is a template the sweep can render: a brace
 * in a comment is a template too (cfg/xen/dut.cfg once said
 * "[{name: ..., kernel: ...}]" in a comment, and no DUT booted). */
TEST(plan_sample_domain_configs_are_templates)
{
	glob_t g;
	char pattern[4096], msg[512];
	size_t at = 0;

	snprintf(pattern, sizeof(pattern), "%s/*/*.cfg", mp_test_src_path("cfg"));
	ASSERT_EQ(glob(pattern, 0, NULL, &g), 0);
	ASSERT(g.gl_pathc >= 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *text = mp_test_read_file(g.gl_pathv[i]);

		ASSERT(text);
		ASSERT_MSG(mp_template_check(text, mp_plan_template_vars, MP_TVAR_COUNT, &at, msg,
					     sizeof(msg)) == 0, "%s, byte %zu: %s", g.gl_pathv[i],
			   at, msg);
		free(text);
	}
	globfree(&g);
}

/* Writes plan `a`, loads it back into *b and checks that *b writes the
 * same text; returns that text (caller frees). */
static char *round_trip(const struct mp_plan *a, struct mp_plan **b)
{
	char *text = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_EQ(mp_plan_write(a, f), 0);
	fclose(f);
	ASSERT_MSG(mp_plan_load_string(text, len, "w.yaml", "/", stderr, b) == 0, "%s", text);
	f = open_memstream(&again, &len2);
	ASSERT_EQ(mp_plan_write(*b, f), 0);
	fclose(f);
	ASSERT_STREQ(again, text);
	free(again);
	return text;
}

TEST(plan_write_reloads_equal)
{
	char err[1024], *text;
	struct mp_plan *a, *b;

	ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: \"r \\\"q\\\"\"}\nversions: [v1, v2]\n"
		       "build: {steps: [[make, \"-C\", \"{workdir}\"]]}\n"
		       "domains: {dut: {name: d, config: \"{cfg_dir}/d.cfg\", on_failure: stop}}\n"
		       "discovery: {methods: [xenstore], address: 10.0.0.9}\n"
		       "traffic: {sizes: [60], rates: [1000], dst_mac: \"00:16:3e:00:00:01\"}\n"
		       "phase: {duration: 1500ms, warmup: 0s, cooldown: 250ms}\n",
		       err, sizeof(err), &a), 0);
	text = round_trip(a, &b);
	ASSERT_STREQ(b->library_repo, "r \"q\"");
	ASSERT_EQ(b->warmup_ns, 0);
	ASSERT_EQ(b->dut_on_failure, MP_ON_FAILURE_STOP);
	ASSERT_STREQ(b->pinned_address, "10.0.0.9");
	ASSERT_EQ(b->discover_dhcp, 0);
	free(text);
	mp_plan_free(a);
	mp_plan_free(b);
}

TEST(plan_hostile_inputs_rejected)
{
	size_t big = 2 * 1024 * 1024;
	char *junk = malloc(big + 1), err[1024];
	struct mp_plan *p;
	char bomb[4096];
	size_t n = 0;

	/* Larger than any plan. */
	for (size_t i = 0; i < big; i++)
		junk[i] = "a: [1,\n"[i % 7];
	junk[big] = '\0';
	ASSERT_EQ(load(junk, err, sizeof(err), &p), -EINVAL);
	ASSERT_CONTAINS(err, "larger than");
	free(junk);
	/* A billion laughs: refused at the first anchor, never expanded. */
	n += (size_t)snprintf(bomb + n, sizeof(bomb) - n, "a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++)
		n += (size_t)snprintf(bomb + n, sizeof(bomb) - n,
				      "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
				      i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	ASSERT_EQ(load(bomb, err, sizeof(err), &p), -EINVAL);
	ASSERT_CONTAINS(err, "anchors are not supported");
	/* A NUL byte inside. */
	ASSERT_EQ(mp_plan_load_string("name: t\n\0x", 10, "p.yaml", "/", NULL, &p), -EINVAL);
}

TEST(plan_range_files_old_format)
{
	char path[4096], err[1024], text[8192];
	struct mp_plan *p;

	snprintf(path, sizeof(path), "%s/psz", mp_test_tmpdir());
	mp_test_write_file(path, "60  200\n1496\n");
	snprintf(path, sizeof(path), "%s/pps", mp_test_tmpdir());
	mp_test_write_file(path, "1000 20000\n");
	ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\n"
		       "traffic: {sizes_file: psz, rates_file: pps}\n", err, sizeof(err), &p), 0);
	ASSERT_EQ(p->nsizes, 3);
	ASSERT_EQ(p->sizes[1], 200);
	ASSERT_EQ(p->nrates, 2);
	ASSERT_EQ(p->rates[1], 20000);
	mp_plan_free(p);
	/* An error inside the file names the file, line and column. */
	snprintf(path, sizeof(path), "%s/psz", mp_test_tmpdir());
	mp_test_write_file(path, "60\n 200 x9\n");
	ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\n"
		       "traffic: {sizes_file: psz, rates_file: pps}\n", err, sizeof(err), &p), -EINVAL);
	snprintf(text, sizeof(text), "%s/psz:2:6: expected whitespace-separated whole numbers",
		 mp_test_tmpdir());
	ASSERT_STREQ(err, text);
}

TEST(template_expand_and_check)
{
	const struct mp_template_var v[] = { { "version", "abc" }, { "name", "$(x);`y`" } };
	const char *const names[] = { "version", "name" };
	char *out, msg[256];
	size_t at;

	ASSERT_EQ(mp_template_expand("git checkout {version} {{lit}} {name}", v, 2, &out), 0);
	ASSERT_STREQ(out, "git checkout abc {lit} $(x);`y`");
	free(out);
	/* Values are never re-expanded. */
	const struct mp_template_var w[] = { { "version", "{name}" }, { "name", "n" } };
	ASSERT_EQ(mp_template_expand("{version}", w, 2, &out), 0);
	ASSERT_STREQ(out, "{name}");
	free(out);
	ASSERT_EQ(mp_template_expand("{nope}", v, 2, &out), -EINVAL);
	ASSERT_EQ(mp_template_expand("a { b", v, 2, &out), -EINVAL);
	ASSERT_EQ(mp_template_expand("a } b", v, 2, &out), -EINVAL);
	ASSERT_EQ(mp_template_check("x {version} {bad}", names, 2, &at, msg, sizeof(msg)), -EINVAL);
	ASSERT_EQ(at, 12);
	ASSERT_CONTAINS(msg, "unknown variable {bad}");
	ASSERT_EQ(mp_template_check("{{ok}}", names, 2, &at, msg, sizeof(msg)), 0);
	/* {env:NAME}: the environment, which must have it when expanded. */
	setenv("MP_TEST_TEMPLATE_DIR", "/srv/k", 1);
	unsetenv("MP_TEST_TEMPLATE_UNSET");
	ASSERT_EQ(mp_template_expand("{env:MP_TEST_TEMPLATE_DIR}/{version}.xen", v, 2, &out), 0);
	ASSERT_STREQ(out, "/srv/k/abc.xen");
	free(out);
	ASSERT_EQ(mp_template_expand("{env:MP_TEST_TEMPLATE_UNSET}/x", v, 2, &out), -ENOENT);
	ASSERT_EQ(mp_template_unset_env("a {{env:X}} {env:MP_TEST_TEMPLATE_DIR} "
					"{env:MP_TEST_TEMPLATE_UNSET}", msg, sizeof(msg)), 1);
	ASSERT_STREQ(msg, "MP_TEST_TEMPLATE_UNSET");
	ASSERT_EQ(mp_template_unset_env("{env:MP_TEST_TEMPLATE_DIR}", msg, sizeof(msg)), 0);
	ASSERT_EQ(mp_template_expand("{env:bad-name}", v, 2, &out), -EINVAL);
	ASSERT_EQ(mp_template_check("{env:MP_ANY}/{version}", names, 2, &at, msg, sizeof(msg)), 0);
	ASSERT_EQ(mp_template_check("{env:}", names, 2, &at, msg, sizeof(msg)), -EINVAL);
}

static struct mp_run_result run_cli(const char *const *args, const char *cfg_dir)
{
	char *argv[16], env[4200];
	char *envv[] = { env, NULL };
	struct mp_run_result r;
	size_t n = 0;

	argv[n++] = (char *)mp_test_bin("mir-perf");
	for (; *args && n < 15; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	snprintf(env, sizeof(env), "MP_CFG_DIR=%s", cfg_dir ? cfg_dir : "/nonexistent");
	ASSERT_EQ(mp_run(argv, envv, 20000, &r), 0);
	return r;
}

TEST(cli_help_version_usage)
{
	struct mp_run_result r;

	r = run_cli((const char *[]){ "--help", NULL }, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_CONTAINS(r.out, "--plan FILE");
	mp_run_result_free(&r);
	r = run_cli((const char *[]){ "--version", NULL }, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_CONTAINS(r.out, "mir-perf ");
	mp_run_result_free(&r);
	r = run_cli((const char *[]){ "--frobnicate", NULL }, NULL);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	mp_run_result_free(&r);
	r = run_cli((const char *[]){ "--plan", "/nonexistent/plan.yaml", NULL }, NULL);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	ASSERT_CONTAINS(r.err, "/nonexistent/plan.yaml:1:1: cannot read the plan");
	mp_run_result_free(&r);
	r = run_cli((const char *[]){ NULL }, NULL);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	mp_run_result_free(&r);
}

TEST(cli_dry_run_schedule)
{
	char path[4096];
	struct mp_run_result r;

	snprintf(path, sizeof(path), "%s/p.yaml", mp_test_tmpdir());
	mp_test_write_file(path, "name: t\nlibrary: {name: l, repo: r}\nversions: [v1, v2]\n"
			   "traffic: {sizes: [60, 1496], rates: [10000]}\n"
			   "phase: {duration: 10s, warmup: 1s, cooldown: 700ms}\n");
	r = run_cli((const char *[]){ "--plan", path, "--dry-run", NULL }, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out,
		     "phase  version                size    rate_pps     start\n"
		     "    1  v1                       60       10000      0:00\n"
		     "    2  v1                     1496       10000      0:12\n"
		     "    3  v2                       60       10000      0:24\n"
		     "    4  v2                     1496       10000      0:36\n"
		     "total: 4 phases, 0:48 expected (12s per phase: 1s warm-up, 10s measure, "
		     "700ms cool-down, start/stop; plus build and boot)\n");
	ASSERT_STREQ(r.err, "");
	mp_run_result_free(&r);
}

TEST(cli_old_command_line)
{
	char dir[4096], path[4200];
	struct mp_run_result r;

	snprintf(dir, sizeof(dir), "%s/cfg", mp_test_tmpdir());
	ASSERT_EQ(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/xen.yaml", dir);
	mp_test_write_file(path, "name: xen\nlibrary: {name: mirage-net-xen, repo: https://x/y.git}\n"
			   "versions: [master]\ntraffic: {sizes: [60], rates: [1]}\n");
	snprintf(path, sizeof(path), "%s/range-psz", dir);
	mp_test_write_file(path, "60 200\n");
	snprintf(path, sizeof(path), "%s/range-pps", dir);
	mp_test_write_file(path, "1000\n");
	r = run_cli((const char *[]){ "mirage-net-xen", "v2.1.7", "--dry-run", NULL }, dir);
	ASSERT_MSG(r.status == 0, "%s", r.err);
	ASSERT_CONTAINS(r.out, "    1  v2.1.7                   60        1000      0:00\n");
	ASSERT_CONTAINS(r.out, "    2  v2.1.7                  200        1000");
	ASSERT_CONTAINS(r.out, "total: 2 phases");
	mp_run_result_free(&r);
	r = run_cli((const char *[]){ "mirage-net-xen", "$(reboot)", "--dry-run", NULL }, dir);
	ASSERT_EQ(r.status, MP_EXIT_USAGE);
	ASSERT_CONTAINS(r.err, "is not a commit, tag or branch name");
	mp_run_result_free(&r);
}

/* Every allocation of a plan load failing in turn: the load fails with
 * -ENOMEM and says so, or succeeds with every value set; never a crash. */
TEST(plan_load_out_of_memory_at_every_allocation)
{
	const char *path = mp_test_src_path("cfg/testbed.yaml");
	long k;

	for (k = 0;; k++) {
		struct mp_plan *p = NULL;
		int rc;

		mp_failalloc_after(k);
		rc = mp_plan_load(path, stderr, &p);
		mp_failalloc_after(-1);
		if (!mp_failalloc_fired()) {
			ASSERT_EQ(rc, 0);
			mp_plan_free(p);
			break;
		}
		ASSERT_MSG(rc == -ENOMEM || rc == 0, "allocation %ld: rc %d", k, rc);
		if (rc == 0) {
			ASSERT(p->path && p->dir && p->name && p->library_name && p->output_dir);
			ASSERT(p->agent_dev && p->agent_engine && p->agent_token_file);
			ASSERT(p->src_ip && p->dst_ip && p->dhcp_bridge && p->build_workdir);
			for (int d = 0; d < MP_DOM_COUNT; d++)
				ASSERT(p->domains[d].name && p->domains[d].config);
			ASSERT(p->toolstack_create.argc == 0 || p->toolstack_create.argv[0]);
			ASSERT(p->toolstack_destroy.argc == 0 || p->toolstack_destroy.argv[0]);
			for (size_t i = 0; i < p->nversions; i++)
				ASSERT(p->versions[i]);
			mp_plan_free(p);
		}
	}
	ASSERT(k > 10);
}

/* traffic.search (issue 15): defaults, exact error messages, the effective
 * plan round trip and what --dry-run says. */
#define HEAD "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\n"

static const char *const bad[][2] = {
	{ HEAD "traffic: {sizes: [60], rates: [1000], search: {goals: [{name: NDR, loss: 0}]}}\n",
	  "4:47: traffic has both rates and search; expected one of them (a grid of rates, "
	  "or a search for the highest rate meeting loss goals), or search.sizes to search "
	  "those sizes next to the grid" },
	{ HEAD "traffic: {sizes: [60, imix], rates: [1000], search: {goals: [{name: NDR, loss: 0}], sizes: [60, 1500]}}\n",
	  "4:97: traffic.search.sizes: 1500 is not in traffic.sizes; expected one of [60, imix]" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], sizes: [60]}}\n",
	  "4:71: traffic.search.sizes searches sizes next to a grid of rates, and traffic has "
	  "no rates or rates_file; expected rates, or no search.sizes to search every size" },
	{ HEAD "traffic: {sizes: [60], rates: [1000], search: {goals: [{name: NDR, loss: 0}], sizes: [60, 60]}}\n",
	  "4:91: search size 60 is listed twice" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], min_rate: 5000, max_rate: 4000}}\n",
	  "4:90: traffic.search.max_rate 4000 is below min_rate 5000" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 101%}]}}\n",
	  "4:59: goal loss 101% is out of range; expected 0%..100%" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], width: 0}}\n",
	  "4:71: traffic.search.width 0 is out of range; expected more than 0% and at most 50%" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], width: 0%}}\n",
	  "4:71: traffic.search.width 0% is out of range; expected more than 0% and at most 50%" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0.5}]}}\n",
	  "4:59: goal loss \"0.5\" is not a percentage; expected e.g. 0.5% or 0" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}, {name: NDR, loss: 1%}]}}\n",
	  "4:70: goal name \"NDR\" is listed twice" },
	{ HEAD "traffic: {sizes: [60], search: {goals: []}}\n",
	  "4:40: traffic.search.goals must be a non-empty list of {name, loss}, e.g. "
	  "[{name: NDR, loss: 0}, {name: PDR, loss: 0.5%}]" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR}]}}\n",
	  "4:41: a search goal needs a loss (the loss ratio it accepts, e.g. 0 or 0.5%)" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], widht: 1%}}\n",
	  "4:64: unknown key \"widht\" in traffic.search; expected one of: goals, method, "
	  "min_rate, max_rate, width, trial, timeout, sizes" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], method: binary}}\n",
	  "4:72: traffic.search.method \"binary\" is not known; expected mlr or bisection" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], max_rate: fast}}\n",
	  "4:74: traffic.search.max_rate must be a whole number or max, not \"fast\"" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], trial: {initial: 10s, final: 1s}}}\n",
	  "4:93: traffic.search.trial: initial is longer than final; expected initial <= final" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], trial: {final: 10ms}}}\n",
	  "4:79: traffic.search.trial.final 10ms is too short; expected at least 100ms" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: \"N D R\", loss: 0}]}}\n",
	  "4:48: goal name \"N D R\" is not a word of up to 32 letters, digits, '.', '_' or '-'" },
	{ HEAD "traffic: {sizes: [60], search: {min_rate: 10}}\n",
	  "4:32: traffic.search needs goals, e.g. [{name: NDR, loss: 0}]" },
	{ HEAD "traffic: {sizes: [60]}\n",
	  "4:10: traffic needs rates (packets per second), rates_file, search or tcp" },
};

TEST(plan_search_errors_exact)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[1024];
		struct mp_plan *p = NULL;

		ASSERT_EQ(load(bad[i][0], err, sizeof(err), &p), -EINVAL);
		ASSERT(p == NULL);
		ASSERT_MSG(strcmp(err, bad[i][1]) == 0, "case %zu:\n  got  %s\n  want %s",
			   i + 1, err, bad[i][1]);
	}
}

TEST(plan_search_defaults_and_round_trip)
{
	char err[1024], *text;
	struct mp_plan *a, *b;
	struct mp_phase ph;

	ASSERT_EQ(load(HEAD "traffic:\n  sizes: [60, 1496]\n  search:\n"
		       "    goals: [{name: NDR, loss: 0}, {name: PDR, loss: 0.5%}]\n",
		       err, sizeof(err), &a), 0);
	ASSERT(a->search);
	ASSERT_EQ(a->search->ngoals, 2);
	ASSERT_STREQ(a->search->goals[1].name, "PDR");
	ASSERT(a->search->goals[1].loss_pct == 0.5);
	ASSERT_EQ(a->search->min_rate, 1000);
	ASSERT_EQ(a->search->max_rate, 0);
	ASSERT(a->search->width_pct == 0.5);
	ASSERT_EQ(a->search->initial_ns, 1000000000ULL);
	ASSERT_EQ(a->search->final_ns, 10000000000ULL);
	ASSERT_EQ(a->search->timeout_ns, 1200000000000ULL);
	/* One phase per (version, size): the search. */
	ASSERT_EQ(mp_plan_phase_count(a), 2);
	mp_plan_phase(a, 1, &ph);
	ASSERT_EQ(ph.size, 1496);
	ASSERT_EQ(ph.rate, 0);
	text = round_trip(a, &b);
	ASSERT_CONTAINS(text, "max_rate: max");
	ASSERT(b->search && b->search->goals[1].loss_pct == 0.5);
	free(text);
	mp_plan_free(a);
	mp_plan_free(b);

	ASSERT_EQ(load(HEAD "traffic: {sizes: [60], search: {goals: [{name: A, loss: 0.1%}], "
		       "max_rate: 200000, width: 1%, trial: {initial: 200ms, final: 2s}, "
		       "timeout: 1m, method: bisection}}\n", err, sizeof(err), &a), 0);
	ASSERT_EQ(a->search->max_rate, 200000);
	ASSERT_EQ(a->search->method, MP_SEARCH_BISECTION);
	text = round_trip(a, &b);
	ASSERT_CONTAINS(text, "method: bisection");
	ASSERT_EQ(b->search->method, MP_SEARCH_BISECTION);
	free(text);
	mp_plan_free(b);
	ASSERT_EQ(a->search->initial_ns, 200000000ULL);
	mp_plan_free(a);
}

/* search.sizes: a search at some sizes next to the grid of every size.
 * Per size its rates, then its search; starts count a search at its
 * timeout. */
TEST(plan_search_next_to_a_grid)
{
	static const struct { unsigned size; uint64_t rate; int search; double start_s; } want[] = {
		{ 60, 1000, 0, 0 }, { 60, 2000, 0, 12.3 }, { 60, 0, 1, 24.6 },
		{ 1496, 1000, 0, 84.6 }, { 1496, 2000, 0, 96.9 },
		{ MP_SIZE_IMIX, 1000, 0, 109.2 }, { MP_SIZE_IMIX, 2000, 0, 121.5 },
		{ MP_SIZE_IMIX, 0, 1, 133.8 },
	};
	char err[1024], *text;
	struct mp_plan *a, *b;
	struct mp_phase ph;

	ASSERT_EQ(load("name: t\nlibrary: {name: l, repo: r}\nversions: [v1, v2]\n"
		       "traffic:\n  sizes: [60, 1496, imix]\n  rates: [1000, 2000]\n  search:\n"
		       "    goals: [{name: NDR, loss: 0}]\n    timeout: 1m\n    sizes: [imix, 60]\n",
		       err, sizeof(err), &a), 0);
	ASSERT_EQ(mp_plan_phase_count(a), 16);
	ASSERT(mp_plan_size_searched(a, 60) && mp_plan_size_searched(a, MP_SIZE_IMIX));
	ASSERT(!mp_plan_size_searched(a, 1496));
	for (size_t v = 0; v < 2; v++)
		for (size_t i = 0; i < 8; i++) {
			mp_plan_phase(a, v * 8 + i, &ph);
			ASSERT_EQ(ph.index, v * 8 + i);
			ASSERT_EQ(ph.version, v);
			ASSERT_EQ(ph.size, want[i].size);
			ASSERT_EQ(ph.rate, want[i].rate);
			ASSERT_EQ(ph.search, want[i].search);
			ASSERT_EQ(ph.length_ns, want[i].search ? 60000000000ULL : 12300000000ULL);
			ASSERT_MSG(ph.start_offset_ns == (uint64_t)llround((v * 193.8 +
									       want[i].start_s) * 1e9),
				   "phase %zu starts at %llu ns", v * 8 + i,
				   (unsigned long long)ph.start_offset_ns);
		}
	ASSERT_EQ(mp_plan_total_ns(a), 2 * 193800000000ULL);
	text = round_trip(a, &b);
	ASSERT_CONTAINS(text, "\n    sizes: [imix, 60]  #");
	ASSERT_CONTAINS(text, "\n  rates: [1000, 2000]  #");
	ASSERT_EQ(mp_plan_phase_count(b), 16);
	mp_plan_phase(b, 15, &ph);
	ASSERT(ph.search && ph.size == MP_SIZE_IMIX);
	free(text);
	mp_plan_free(a);
	mp_plan_free(b);
}

/* `mir-perf --plan P --dry-run` of HEAD + traffic prints exactly want. */
static void assert_dry_run(const char *traffic, const char *want)
{
	char path[4096];
	struct mp_run_result r;

	snprintf(path, sizeof(path), "%s/p.yaml", mp_test_tmpdir());
	mp_test_write_file(path, traffic);
	r = run_cli((const char *[]){ "--plan", path, "--dry-run", NULL }, NULL);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, want);
	mp_run_result_free(&r);
}

TEST(cli_dry_run_search_next_to_a_grid)
{
	assert_dry_run(HEAD "traffic: {sizes: [60, 1496], rates: [1000], search: {goals: "
		       "[{name: NDR, loss: 0}], max_rate: 500000, sizes: [60], "
		       "trial: {initial: 1s, final: 1s}, timeout: 2m}}\n",
		       "phase  version                size    rate_pps     start\n"
		       "    1  v1                       60        1000      0:00\n"
		       "    2  v1                       60      search      0:12\n"
		       "    3  v1                     1496        1000      2:12\n"
		       "search: goals NDR (loss <= 0%); rates 1000..500000 pps\n"
		       "  trials: 1s until the interval is within 0.5% (only the last decide "
		       "the bounds)\n"
		       "  each search stops at its timeout, 2:00, after at most 200 trials; every "
		       "trial adds 1s warm-up and up to the cool-down to drain\n"
		       "total: 3 phases, 1 of them a search, at most 2:24 (12300ms per grid phase: "
		       "1s warm-up, 10s measure, 1s cool-down, start/stop; each search at most "
		       "its timeout; plus build and boot)\n");
}

TEST(cli_dry_run_search)
{
	assert_dry_run(HEAD "traffic: {sizes: [60, 1496], search: {goals: "
		       "[{name: NDR, loss: 0}, {name: PDR, loss: 0.5%}], max_rate: 500000, "
		       "trial: {initial: 1s, final: 4s}, timeout: 2m}}\n",
		       "phase  version                size    rate_pps     start\n"
		       "    1  v1                       60      search      0:00\n"
		       "    2  v1                     1496      search      2:00\n"
		       "search: goals NDR (loss <= 0%), PDR (loss <= 0.5%); rates 1000..500000 pps\n"
		       "  trials: 1s until the interval is within 2%, 2s until the interval is "
		       "within 1%, 4s until the interval is within 0.5% (only the last decide "
		       "the bounds)\n"
		       "  each search stops at its timeout, 2:00, after at most 200 trials; every "
		       "trial adds 1s warm-up and up to the cool-down to drain\n"
		       "total: 2 searches, at most 4:00 (each at most its timeout; plus build "
		       "and boot)\n");
}

/* The live line's ETA follows the schedule: after a search that ended
 * early, what remains is the phases after it, not the search's timeout. */
TEST(live_eta_counts_what_the_schedule_still_expects)
{
	char err[1024];
	struct mp_plan *p;
	struct mp_progress *pr;
	struct mp_phase ph;
	uint64_t total, t0 = 1000 * MP_NS_PER_SEC;

	ASSERT_EQ(load(HEAD "traffic:\n  sizes: [60, 1496]\n  rates: [1000, 2000]\n  search:\n"
		       "    goals: [{name: NDR, loss: 0}]\n    timeout: 1m\n    sizes: [60]\n",
		       err, sizeof(err), &p), 0);
	pr = mp_progress_new(stderr, 1, mp_plan_phase_count(p));
	ASSERT(pr != NULL);
	total = mp_plan_total_ns(p);
	ASSERT_EQ(total, 60000000000ULL + 4 * 12300000000ULL);
	ASSERT_EQ(mp_progress_eta_ns(pr, t0), 0);
	/* Just started: the search's bound and the phases after it, no more. */
	mp_progress_phase_start(pr, p, 2, t0);
	mp_plan_phase(p, 2, &ph);
	ASSERT_EQ(mp_progress_eta_ns(pr, t0), total - ph.start_offset_ns);
	/* The search's next trial starts the same phase again: it keeps its
	 * start. Running for longer than its timeout: only the two 1496 B
	 * phases remain. */
	mp_progress_phase_start(pr, p, 2, t0 + 50 * MP_NS_PER_SEC);
	ASSERT_EQ(mp_progress_eta_ns(pr, t0 + 100 * MP_NS_PER_SEC), 2 * 12300000000ULL);
	/* The next phase counts from its own start. */
	mp_progress_phase_start(pr, p, 3, t0 + 100 * MP_NS_PER_SEC);
	ASSERT_EQ(mp_progress_eta_ns(pr, t0 + 100 * MP_NS_PER_SEC), 2 * 12300000000ULL);
	ASSERT_EQ(mp_progress_eta_ns(pr, t0 + 106 * MP_NS_PER_SEC), 12300000000ULL +
		  6300000000ULL);
	mp_progress_free(pr);
	mp_plan_free(p);
}

/* traffic.tcp: TCP through the DUT. */
#define TCP_HEAD "name: t\nlibrary: {name: l, repo: r}\nversions: [v1, linux]\n" \
	"roles: {receiver: {domain: traffgen, vif: 2}}\n"

TEST(plan_tcp_keys_defaults_schedule_round_trip)
{
	char err[1024], *text, *out = NULL;
	struct mp_plan *a, *b;
	struct mp_phase ph;
	size_t len = 0;
	FILE *f;

	/* a TCP-only plan: no sizes, no rates; the defaults */
	ASSERT_MSG(load(TCP_HEAD "traffic: {tcp: {}}\n", err, sizeof(err), &a) == 0, "%s", err);
	ASSERT(a->tcp && a->nsizes == 0 && a->nrates == 0);
	ASSERT_EQ(a->tcp->nstreams, 1);
	ASSERT_EQ(a->tcp->streams[0], 1);
	ASSERT_EQ(a->tcp->duration_ns, 10 * MP_NS_PER_SEC);
	ASSERT_EQ(a->tcp->repetitions, 10);
	ASSERT_EQ(a->tcp->timeout_ns, 30 * MP_NS_PER_SEC);
	ASSERT_EQ(a->tcp->offloads, MP_TCP_OFFLOADS_KEEP);
	ASSERT_EQ(a->tcp->checksum, MP_TCP_OFFLOADS_KEEP);
	ASSERT_EQ(a->tcp->port, 5201);
	ASSERT(!a->tcp->reboot && !a->tcp->reverse && !a->tcp->reference);
	ASSERT_EQ(mp_plan_phase_count(a), 2);    /* a TCP phase per version */
	mp_plan_free(a);

	/* every key, next to a grid: the version's grid, then its TCP phases */
	ASSERT_MSG(load(TCP_HEAD "traffic:\n  sizes: [60]\n  rates: [1000]\n  tcp:\n"
			"    streams: [1, 4]\n    duration: 3s\n    repetitions: 2\n"
			"    reboot: true\n    reverse: true\n    offloads: off\n    checksum: on\n"
			"    src_ip: 10.9.9.1\n    dst_ip: 10.9.9.2\n    port: 6000\n"
			"    timeout: 9s\n    reference: linux\n", err, sizeof(err), &a) == 0,
		   "%s", err);
	ASSERT_EQ(mp_plan_phase_count(a), 6);
	mp_plan_phase(a, 0, &ph);
	ASSERT(!ph.tcp && ph.size == 60 && ph.rate == 1000);
	mp_plan_phase(a, 2, &ph);
	ASSERT(ph.tcp && ph.streams == 4 && ph.version == 0);
	/* 2 repetitions of 3 s and the assumed 1 s around each */
	ASSERT_EQ(ph.length_ns, 2 * (3 + 1) * MP_NS_PER_SEC);
	ASSERT_EQ(ph.start_offset_ns, mp_plan_phase_length_ns(a) + ph.length_ns);
	mp_plan_phase(a, 5, &ph);
	ASSERT(ph.tcp && ph.streams == 4 && ph.version == 1);
	ASSERT_EQ(mp_plan_total_ns(a), 2 * (mp_plan_phase_length_ns(a) + 2 * ph.length_ns));
	text = round_trip(a, &b);
	ASSERT_CONTAINS(text, "\n  tcp:  #");
	ASSERT_CONTAINS(text, "\n    streams: [1, 4]  #");
	ASSERT_CONTAINS(text, "\n    duration: 3s  #");
	ASSERT_CONTAINS(text, "\n    repetitions: 2  #");
	ASSERT_CONTAINS(text, "\n    reboot: true  #");
	ASSERT_CONTAINS(text, "\n    reverse: true  #");
	ASSERT_CONTAINS(text, "\n    offloads: off  #");
	ASSERT_CONTAINS(text, "\n    checksum: on  #");
	ASSERT_EQ(b->tcp->checksum, MP_TCP_OFFLOADS_ON);
	ASSERT_CONTAINS(text, "\n    timeout: 9s  #");
	ASSERT_CONTAINS(text, "\n    reference: \"linux\"  #");
	ASSERT_EQ(b->tcp->port, 6000);
	ASSERT_STREQ(b->tcp->dst_ip, "10.9.9.2");
	free(text);
	/* --dry-run shows the TCP phases and what each repetition does */
	f = open_memstream(&out, &len);
	mp_plan_print_schedule(a, f);
	fclose(f);
	ASSERT_CONTAINS(out, "    3  v1                      tcp   4 streams");
	ASSERT_CONTAINS(out, "TCP through the DUT: iperf3 10.9.9.1 -> 10.9.9.2 port 6000, 3s per "
			     "repetition, 2 repetitions per value of streams (1, 4), reverse, the "
			     "traff-gen's TSO/GSO off, its checksum offload on");
	ASSERT_CONTAINS(out, "plus a reboot of the DUT before it");
	ASSERT_CONTAINS(out, "every version set against linux");
	free(out);
	mp_plan_free(a);
	mp_plan_free(b);
}

static const char *const tcp_malformed[][2] = {
	{ TCP_HEAD "traffic: {tcp: {stream: [1]}}\n",
	  "5:17: unknown key \"stream\" in traffic.tcp; expected one of: streams, duration, "
	  "repetitions, reboot, reverse, offloads, checksum, src_ip, dst_ip, port, timeout, "
	  "reference" },
	{ TCP_HEAD "traffic: {tcp: {streams: [0]}}\n",
	  "5:27: traffic.tcp.streams 0 is out of range; expected 1..64" },
	{ TCP_HEAD "traffic: {tcp: {streams: [2, 2]}}\n",
	  "5:30: traffic.tcp.streams 2 is listed twice" },
	{ TCP_HEAD "traffic: {tcp: {duration: 1500ms}}\n",
	  "5:27: traffic.tcp.duration 1500ms is not a whole number of seconds from 1s to 3600s "
	  "(iperf3 counts whole seconds)" },
	{ TCP_HEAD "traffic: {tcp: {duration: 500ms}}\n",
	  "5:27: traffic.tcp.duration 500ms is too short; expected at least 1s" },
	{ TCP_HEAD "traffic: {tcp: {repetitions: 0}}\n",
	  "5:30: traffic.tcp.repetitions 0 is out of range; expected 1..1000" },
	{ TCP_HEAD "traffic: {tcp: {reboot: yes}}\n",
	  "5:25: traffic.tcp.reboot must be true or false, not \"yes\"" },
	{ TCP_HEAD "traffic: {tcp: {offloads: partly}}\n",
	  "5:27: traffic.tcp.offloads \"partly\" is not known; expected keep (the traff-gen's "
	  "TSO and GSO as they are), on or off" },
	{ TCP_HEAD "traffic: {tcp: {offloads: on, checksum: off}}\n",
	  "5:27: traffic.tcp: offloads on with checksum off; TSO and GSO need the checksum "
	  "offload (checksum off turns them off)" },
	{ TCP_HEAD "traffic: {tcp: {checksum: partly}}\n",
	  "5:27: traffic.tcp.checksum \"partly\" is not known; expected keep, on or off" },
	{ TCP_HEAD "traffic: {tcp: {duration: 10s, timeout: 10s}}\n",
	  "5:41: traffic.tcp.timeout 10s is not longer than the duration; expected more than 10s" },
	{ TCP_HEAD "traffic: {tcp: {dst_ip: 10.202.1.2}}\n",
	  "5:25: traffic.tcp: src_ip 10.202.0.1 and dst_ip 10.202.1.2 are not in one /24; expected "
	  "two addresses of one /24 (the DUT forwards frames, it does not route)" },
	{ TCP_HEAD "traffic: {tcp: {dst_ip: 10.202.0.1}}\n",
	  "5:25: traffic.tcp: src_ip and dst_ip are the same address" },
	{ TCP_HEAD "traffic: {tcp: {reference: v2}}\n",
	  "5:28: traffic.tcp.reference \"v2\" is not one of the versions" },
	{ "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\ntraffic: {tcp: {}}\n",
	  "1:1: traffic.tcp needs roles.receiver: the traff-gen's vif on bridge if2, the "
	  "receiving side that only the DUT joins to the data side (e.g. receiver: {domain: "
	  "traffgen, vif: 2})" },
	{ TCP_HEAD "traffic: {rates: [1000], tcp: {}}\n",
	  "5:10: traffic needs sizes (frame sizes in bytes without FCS, 60..9000) or sizes_file "
	  "for its rates or search" },
	{ TCP_HEAD "traffic: {sizes: [60], tcp: {}}\n",
	  "5:10: traffic needs rates (packets per second), rates_file or search for its sizes" },
};

TEST(plan_tcp_errors_exact)
{
	for (size_t i = 0; i < sizeof(tcp_malformed) / sizeof(tcp_malformed[0]); i++) {
		struct mp_plan *p = NULL;
		char err[1024];

		ASSERT_MSG(load(tcp_malformed[i][0], err, sizeof(err), &p) == -EINVAL,
			   "case %zu accepted", i);
		ASSERT_MSG(strcmp(err, tcp_malformed[i][1]) == 0, "case %zu:\n  got  %s\n  want %s",
			   i, err, tcp_malformed[i][1]);
	}
}

/* The key table (keys.c) is the one list of plan keys: docs/plan.md lists
 * every key holding a value and no key the table lacks (a mapping, such as
 * traffic.search, may have its line too), and each row is well formed. */
TEST(plan_docs_list_every_key)
{
	char *doc = mp_test_read_file(mp_test_src_path("docs/plan.md"));
	char *listed = calloc(mp_plan_nkeys, 1), *line, *save = NULL;

	ASSERT(doc && listed);
	for (line = strtok_r(doc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end, *at;

		if (strncmp(line, "| `", 3) != 0 || !(end = strstr(line + 2, " |")))
			continue;
		*end = '\0';        /* the first cell: `key`, `key` */
		for (at = strchr(line, '`'); at; at = strchr(at + 1, '`')) {
			char *close = strchr(at + 1, '`');
			const struct mp_plan_key *k;

			ASSERT(close);
			*close = '\0';
			k = mp_pk_find(at + 1);
			ASSERT_MSG(k, "docs/plan.md lists `%s`, which keys.c does not know", at + 1);
			listed[k - mp_plan_keys] = 1;
			at = close;
		}
	}
	for (size_t i = 0; i < mp_plan_nkeys; i++) {
		const struct mp_plan_key *k = &mp_plan_keys[i];

		ASSERT_MSG(listed[i] || k->type == MP_PK_MAP, "docs/plan.md does not list `%s`",
			   k->path);
		ASSERT_MSG(k->help && *k->help, "%s has no help", k->path);
		ASSERT_MSG(k->type != MP_PK_CUSTOM || (k->load && (k->write ||
			   (k->flags & MP_PK_NO_WRITE))), "%s: a custom key needs its hooks", k->path);
		ASSERT_MSG(k->type != MP_PK_ENUM || k->names, "%s: an enum needs its names", k->path);
		if (mp_pk_depth(k)) {   /* its mapping comes before it */
			size_t j = 0;

			while (j < i && !(mp_plan_keys[j].type == MP_PK_MAP &&
					  mp_pk_child_of(k, &mp_plan_keys[j])))
				j++;
			ASSERT_MSG(j < i, "%s comes before its mapping", k->path);
		}
		if (!strncmp(k->path, "roles.", 6))
			ASSERT_STREQ(mp_pk_name(k), mp_role_name((enum mp_role)k->arg));
	}
	free(listed);
	free(doc);
}
