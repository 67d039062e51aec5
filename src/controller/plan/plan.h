/* The sweep plan: one YAML file describing a whole unattended sweep.
 * Every key is one row of the key table (keys.h, keys.c), which loading,
 * the defaults and mp_plan_write read; docs/plan.md documents every key (a
 * test holds it to the table); cfg/testbed.yaml and cfg/xen.yaml are
 * complete commented samples.
 *
 * Loading is strict: unknown or duplicate keys, wrong types, out-of-range
 * values, missing files, aliases and absurd nesting are errors reported as
 * "PLAN:LINE:COLUMN: what is wrong; what was expected". */
#ifndef MP_PLAN_H
#define MP_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/imix.h"
#include "common/tcp.h"

#define MP_PLAN_MAX_VERSIONS 64
#define MP_PLAN_MAX_SIZES 256
#define MP_PLAN_MAX_RATES 256
#define MP_PLAN_MIN_SAMPLE_NS (10ULL * 1000000ULL)   /* 10 ms */
#define MP_PLAN_MAX_BOOT_RETRIES 10

/* Which domain of the sweep. */
enum mp_dom { MP_DOM_DUT, MP_DOM_TRAFFGEN, MP_DOM_COUNT };

/* Which dom0 interface plays which part. generator, dut_in and dut_out are
 * sampled; control is the traff-gen's control vif (discovery by its MAC);
 * receiver (optional: has_receiver) is the traff-gen's vif on if2 where its
 * agent receives what the DUT forwarded, sampled too. */
enum mp_role { MP_ROLE_GENERATOR, MP_ROLE_DUT_IN, MP_ROLE_DUT_OUT,
	       MP_ROLE_CONTROL, MP_ROLE_RECEIVER, MP_ROLE_COUNT };

enum mp_on_failure { MP_ON_FAILURE_RECREATE, MP_ON_FAILURE_STOP };

/* The variables a plan's templates may use ("{version}"), named once:
 * loading checks templates against mp_plan_template_vars, and the sweep
 * fills in the value of each. */
enum mp_plan_tvar {
	MP_TVAR_VERSION, MP_TVAR_LIBRARY, MP_TVAR_REPO, MP_TVAR_WORKDIR, MP_TVAR_RUN_DIR,
	MP_TVAR_BIN_DIR, MP_TVAR_CFG_DIR, MP_TVAR_SRC_DIR, MP_TVAR_CONFIG, MP_TVAR_NAME,
	MP_TVAR_KERNEL, MP_TVAR_COUNT
};
extern const char *const mp_plan_template_vars[MP_TVAR_COUNT];

/* A command as an argument vector, each element a template ("{version}").
 * Never passed to a shell. */
struct mp_cmd {
	char **argv;            /* NULL-terminated */
	size_t argc;
};

struct mp_plan_domain {
	char *name;             /* the xl domain name */
	char *config;           /* xl config template, absolute path */
};

struct mp_plan_vif {
	enum mp_dom domain;
	unsigned devid;
};

#define MP_PLAN_MAX_GOALS 8
#define MP_PLAN_GOAL_NAME_MAX 32

/* traffic.search: the highest rate meeting each goal's loss ratio, per
 * version and frame size (docs/search.md). */
struct mp_plan_goal {
	char *name;              /* [A-Za-z0-9_-]+, unique: "NDR", "PDR" */
	double loss_pct;         /* 0..100 */
};

enum mp_search_method {
	MP_SEARCH_MLR,           /* short trials steer, final ones decide (default) */
	MP_SEARCH_BISECTION,     /* RFC 2544's binary search, final trials only */
};

/* Levels of trial duration: initial .. final, geometric. */
#define MP_SEARCH_MAX_LEVELS 3
/* A search stops (its open goals failed) after this many trials. */
#define MP_SEARCH_MAX_TRIALS 200

struct mp_plan_search {
	enum mp_search_method method;
	struct mp_plan_goal goals[MP_PLAN_MAX_GOALS];
	size_t ngoals;
	uint64_t min_rate;       /* pps */
	uint64_t max_rate;       /* pps; 0: what the generator reaches ("max") */
	double width_pct;        /* stop when (upper - lower) / upper <= width */
	uint64_t initial_ns;     /* trial.initial: the first, shortest trials */
	uint64_t final_ns;       /* trial.final: the trials that decide */
	uint64_t timeout_ns;     /* per version and size */
	unsigned *sizes;         /* search.sizes: the sizes searched next to a grid of
				  * rates, each one of traffic.sizes; NULL: every size,
				  * and no rates */
	size_t nsizes;
};

#define MP_PLAN_TCP_MAX_STREAMS_VALUES 16
#define MP_PLAN_TCP_MAX_REPETITIONS 1000

/* traffic.tcp: TCP through the DUT (iperf3 between the traff-gen's data
 * side and its receiving side), per version, each value of streams,
 * `repetitions` times. */
struct mp_plan_tcp {
	unsigned *streams;       /* parallel connections, 1..MP_TCP_STREAMS_MAX */
	size_t nstreams;
	uint64_t duration_ns;    /* per repetition, whole seconds */
	unsigned repetitions;
	int reboot;              /* the DUT re-created before each repetition */
	int reverse;             /* the receiving side sends (iperf3 -R) */
	enum mp_tcp_offloads offloads;  /* the traff-gen's TSO and GSO */
	enum mp_tcp_offloads checksum;  /* its transmit checksum offload */
	char *src_ip, *dst_ip;   /* the data side's and the receiving side's (a /24) */
	uint16_t port;           /* iperf3's */
	uint64_t timeout_ns;     /* per repetition; then it fails */
	char *reference;         /* a version the others are set against, or NULL */
};

struct mp_plan {
	char *path;             /* the file as given */
	char *dir;              /* its directory, absolute: relative paths resolve here */

	char *name;             /* name: run name, [A-Za-z0-9._-]+ */
	char *library_name;     /* library.name */
	char *library_repo;     /* library.repo */
	char **versions;        /* versions: commits, tags or labels */
	char **version_kernels; /* per version, its prebuilt DUT kernel ({name, kernel}: a
				 * path or template), or NULL: built by the build steps */
	size_t nversions;

	/* build: optional; steps run once per version before its domains boot. */
	char *build_workdir;    /* build.workdir template (default "{run_dir}/build/{version}") */
	struct mp_cmd *build_steps;
	size_t nbuild_steps;
	uint64_t build_timeout_ns;  /* per step (default 30m) */

	/* toolstack: how domains are created and destroyed. */
	struct mp_cmd toolstack_create;   /* "{config}" = rendered config path */
	struct mp_cmd toolstack_destroy;  /* "{name}" = domain name */
	uint64_t toolstack_timeout_ns;    /* default 60s */

	struct mp_plan_domain domains[MP_DOM_COUNT];
	uint64_t boot_timeout_ns;          /* domains.boot_timeout, default 60s */
	char *console_log;                 /* domains.console_log: where dom0 logs a
					    * domain's console (template with {name}) */
	enum mp_on_failure dut_on_failure; /* domains.dut.on_failure */
	unsigned dut_boot_retries;         /* domains.dut.boot_retries: re-creations of a
					    * DUT that did not come up, per version */
	char *dut_kernel;                  /* domains.dut.kernel: {kernel} of a version
					    * without its own (template) */

	struct mp_plan_vif roles[MP_ROLE_COUNT];
	int has_receiver;        /* roles.receiver given: latency, loss by sequence */

	/* discovery of the traff-gen control address */
	int discover_dhcp;       /* "dhcp" in discovery.methods */
	int discover_xenstore;   /* "xenstore" in discovery.methods */
	char *dhcp_bridge;       /* discovery.bridge: dom0 interface to snoop */
	char *pinned_address;    /* discovery.address: skips discovery; NULL if unset */
	uint64_t discovery_timeout_ns;

	/* agent */
	uint16_t agent_port;
	char *agent_token_file;  /* absolute */
	char *agent_dev;         /* data interface inside the traff-gen ("eth0") */
	char *agent_engine;      /* auto | packet | pktgen */
	uint64_t agent_connect_timeout_ns;
	uint64_t agent_request_timeout_ns;

	/* traffic */
	unsigned *sizes;         /* frame sizes without FCS, MP_FRAME_MIN..MP_FRAME_MAX,
				  * or MP_SIZE_IMIX (0): the mix below */
	struct mp_imix imix;     /* traffic.imix, default 60:7, 590:4, 1514:1 */
	size_t nsizes;
	uint64_t *rates;         /* packets per second, > 0 */
	size_t nrates;
	struct mp_plan_search *search;  /* traffic.search, or NULL: instead of rates, or
					 * next to them for search->sizes */
	struct mp_plan_tcp *tcp;        /* traffic.tcp, or NULL: after a version's
					 * other phases (a TCP-only plan has no sizes) */
	char *dst_mac;           /* NULL: the dut_in vif's MAC */
	char *src_ip, *dst_ip;   /* dotted quads */
	uint16_t src_port, dst_port;

	/* phase timing */
	uint64_t duration_ns;    /* measure window */
	uint64_t warmup_ns;
	uint64_t cooldown_ns;    /* drain after stop */
	uint64_t sample_interval_ns;

	char *output_dir;        /* output.dir, relative to the current directory */
};

/* One (version, size, rate) phase of the schedule, in run order: versions
 * outermost, then sizes, then rates, then the size's search if it has one;
 * then the version's TCP tests, one phase per value of traffic.tcp.streams.
 * A search phase is one search (version, size); its rate is 0: the search
 * picks its trials' rates. A TCP phase (size 0, rate 0) runs its
 * repetitions. */
struct mp_phase {
	size_t index;            /* 0-based position in the whole run */
	size_t version;          /* index into plan->versions */
	unsigned size;
	uint64_t rate;           /* 0 for a search */
	int search;              /* a search phase */
	int tcp;                 /* a TCP phase: its streams, all its repetitions */
	unsigned streams;
	uint64_t length_ns;      /* expected length; a search's: its timeout (the bound) */
	uint64_t start_offset_ns;/* expected start, from the first phase's start */
};

/* Loads and validates `path`. On success returns 0 and a plan the caller
 * frees with mp_plan_free. On failure returns -EINVAL (invalid plan) or
 * another negative errno (unreadable file) after writing one line
 * "PLAN:LINE:COLUMN: message" per error to `errf` (stderr in the CLI). */
int mp_plan_load(const char *path, FILE *errf, struct mp_plan **out);

/* Like mp_plan_load, from a string; `name` stands for the file in messages and
 * relative paths resolve against `dir`. */
int mp_plan_load_string(const char *text, size_t len, const char *name,
			const char *dir, FILE *errf, struct mp_plan **out);

void mp_plan_free(struct mp_plan *plan);

/* The old script's command line (`mir-perf LIBRARY [VERSION]`): replaces
 * library.name (and the repository, unless the library is the plan's own:
 * https://github.com/mirage/LIBRARY.git), the versions with VERSION when
 * given, and sizes and rates with cfg_dir/range-psz and cfg_dir/range-pps.
 * Values are validated as in a plan; errors go to errf. 0 or -EINVAL. */
int mp_plan_override_legacy(struct mp_plan *plan, const char *library,
			    const char *version, const char *cfg_dir, FILE *errf);

size_t mp_plan_phase_count(const struct mp_plan *plan);
void mp_plan_phase(const struct mp_plan *plan, size_t i, struct mp_phase *out);

/* The version's DUT kernel template: its own, else domains.dut.kernel. */
const char *mp_plan_kernel(const struct mp_plan *plan, size_t version);
/* Whether version `v` has a kernel of its own (and skips the build steps). */
int mp_plan_prebuilt(const struct mp_plan *plan, size_t version);

/* Whether the plan searches at `size` (every size without search.sizes). */
int mp_plan_size_searched(const struct mp_plan *plan, unsigned size);

/* Expected length of one grid phase (warm-up + measure + cool-down + the
 * configure/start/stop overhead the schedule assumes) and of the whole run
 * (searches counted at their timeouts). */
uint64_t mp_plan_phase_length_ns(const struct mp_plan *plan);
uint64_t mp_plan_total_ns(const struct mp_plan *plan);
/* What a search trial takes on top of its duration: warm-up, the drain at
 * most (cool-down) and the configure/start/stop overhead. */
uint64_t mp_plan_trial_overhead_ns(const struct mp_plan *plan);

/* Expected length of one TCP repetition (its duration and what the schedule
 * assumes for setting it up and ending it; a reboot comes on top). */
uint64_t mp_plan_tcp_repetition_ns(const struct mp_plan *plan);

/* The --dry-run output: one line per phase (index, version, size, rate,
 * start offset) and the total expected duration. */
void mp_plan_print_schedule(const struct mp_plan *plan, FILE *f);

/* Writes the effective plan (every value resolved, defaults included) as
 * YAML that mp_plan_load accepts again. Returns 0 or -errno. */
int mp_plan_write(const struct mp_plan *plan, FILE *f);

const char *mp_role_name(enum mp_role role);   /* "generator", "dut_in", ... */
/* "60" for a size, "IMIX 7:4:1 (mean 357.8 B)" for MP_SIZE_IMIX. */
void mp_plan_size_label(const struct mp_plan *p, unsigned size, char *buf, size_t len);
const char *mp_dom_name(enum mp_dom dom);      /* "dut", "traffgen" */

/* A search's trial durations and target widths (ratios) per level, shortest
 * first; returns the number of levels (at most MP_SEARCH_MAX_LEVELS). */
unsigned mp_plan_search_levels(const struct mp_plan_search *cfg, uint64_t *dur_ns,
			       double *width);

#endif
