/* Loading and validating sweep plans (plan.h). The YAML document is parsed
 * into a bounded tree (yamltree.c) and walked against the schema below;
 * every problem is reported at its node as "PLAN:LINE:COLUMN: message". */
#include "controller/plan/plan.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/engines.h"
#include "common/err.h"
#include "common/mac.h"
#include "common/template.h"
#include "common/traffic.h"
#include "controller/plan/internal.h"
#include "controller/plan/yamltree.h"

#define RANGE_FILE_MAX (64 * 1024)
#define TEXT_MAX 4096                  /* longest string value */
#define CMD_ARGS_MAX 256
#define BUILD_STEPS_MAX 64

const char *const mp_plan_template_vars[MP_TVAR_COUNT] = {
	[MP_TVAR_VERSION] = "version", [MP_TVAR_LIBRARY] = "library",
	[MP_TVAR_REPO] = "repo", [MP_TVAR_WORKDIR] = "workdir",
	[MP_TVAR_RUN_DIR] = "run_dir", [MP_TVAR_BIN_DIR] = "bin_dir",
	[MP_TVAR_CFG_DIR] = "cfg_dir", [MP_TVAR_SRC_DIR] = "src_dir",
	[MP_TVAR_CONFIG] = "config", [MP_TVAR_NAME] = "name",
	[MP_TVAR_KERNEL] = "kernel",
};

struct ctx {
	const char *file;       /* the plan as named in messages */
	const char *dir;
	FILE *errf;
	int errors;
	int oom;                /* an allocation failed: the load gives -ENOMEM */
	struct mp_plan *plan;
};

static void perr_at(struct ctx *c, const char *file, unsigned line, unsigned col,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void perr_at(struct ctx *c, const char *file, unsigned line, unsigned col,
		    const char *fmt, ...)
{
	va_list ap;

	c->errors++;
	if (!c->errf)
		return;
	fprintf(c->errf, "%s:%u:%u: ", file, line, col);
	va_start(ap, fmt);
	vfprintf(c->errf, fmt, ap);
	va_end(ap);
	fputc('\n', c->errf);
}

#define perr(c, n, ...) perr_at((c), (c)->file, (n)->line, (n)->col, __VA_ARGS__)

/* An allocation failed: said once, and the load fails with -ENOMEM. */
static int nomem(struct ctx *c, const struct mp_yt *n)
{
	if (!c->oom)
		perr(c, n, "out of memory loading the plan");
	c->oom = 1;
	return -1;
}

static const char *type_name(const struct mp_yt *n)
{
	return n->type == MP_YT_MAP ? "a mapping" : n->type == MP_YT_SEQ ? "a list" : "a value";
}

/* Checks that every key of `map` is in the NULL-terminated `allowed`. */
static int check_map(struct ctx *c, const struct mp_yt *map, const char *what,
		     const char *const *allowed)
{
	int ok = 1;

	if (map->type != MP_YT_MAP) {
		perr(c, map, "%s must be a mapping, not %s", what, type_name(map));
		return 0;
	}
	for (size_t i = 0; i < map->n; i++) {
		size_t k;
		char list[512] = "";

		for (k = 0; allowed[k]; k++)
			if (strcmp(allowed[k], map->keys[i]->value) == 0)
				break;
		if (allowed[k])
			continue;
		for (k = 0; allowed[k]; k++) {
			strncat(list, k ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, allowed[k], sizeof(list) - strlen(list) - 1);
		}
		perr(c, map->keys[i], "unknown key \"%s\" in %s; expected one of: %s",
		     map->keys[i]->value, what, list);
		ok = 0;
	}
	return ok;
}

static const struct mp_yt *scalar(struct ctx *c, const struct mp_yt *n, const char *what)
{
	if (n->type != MP_YT_SCALAR) {
		perr(c, n, "%s must be a single value, not %s", what, type_name(n));
		return NULL;
	}
	if (strlen(n->value) > TEXT_MAX) {
		perr(c, n, "%s is longer than %d characters", what, TEXT_MAX);
		return NULL;
	}
	return n;
}

static int get_string(struct ctx *c, const struct mp_yt *n, const char *what, char **out)
{
	if (!scalar(c, n, what))
		return -1;
	if (!n->quoted && (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
			   strcmp(n->value, "null") == 0)) {
		perr(c, n, "%s is empty; expected a value", what);
		return -1;
	}
	if (n->value[0] == '\0') {
		perr(c, n, "%s is empty; expected a value", what);
		return -1;
	}
	free(*out);
	*out = strdup(n->value);
	return *out ? 0 : nomem(c, n);
}

static int check_template(struct ctx *c, const struct mp_yt *n, const char *what)
{
	char msg[512];
	size_t at = 0;

	if (mp_template_check(n->value, mp_plan_template_vars, MP_TVAR_COUNT,
			      &at, msg, sizeof(msg)) == 0)
		return 0;
	perr_at(c, c->file, n->line, n->col + (n->quoted ? 1 : 0) + (unsigned)at,
		"%s: %s", what, msg);
	return -1;
}

static int get_uint(struct ctx *c, const struct mp_yt *n, const char *what,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!scalar(c, n, what))
		return -1;
	errno = 0;
	v = strtoull(n->value, &end, 10);
	if (n->quoted || !isdigit((unsigned char)n->value[0]) || *end || errno) {
		perr(c, n, "%s must be a whole number, not \"%s\"", what, n->value);
		return -1;
	}
	if (v < min || v > max) {
		perr(c, n, "%s %llu is out of range; expected %llu..%llu", what, v,
		     (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* true or false, unquoted. */
static int get_bool(struct ctx *c, const struct mp_yt *n, const char *what, int *out)
{
	if (!scalar(c, n, what))
		return -1;
	if (!n->quoted && (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0)) {
		*out = n->value[0] == 't';
		return 0;
	}
	perr(c, n, "%s must be true or false, not \"%s\"", what, n->value);
	return -1;
}

/* min_ns 0: any positive duration; ZERO_OK: zero too. */
#define ZERO_OK UINT64_MAX
static int get_duration(struct ctx *c, const struct mp_yt *n, const char *what,
			uint64_t min_ns, uint64_t *out)
{
	uint64_t ns;
	char minb[32];

	if (!scalar(c, n, what))
		return -1;
	if (mp_duration_parse(n->value, &ns) < 0) {
		perr(c, n, "%s \"%s\" is not a duration; expected a number and a unit "
		     "(ms, s, m), e.g. 10s or 100ms", what, n->value);
		return -1;
	}
	if (min_ns == ZERO_OK)
		min_ns = 0;
	else if (ns < min_ns || ns == 0) {
		mp_duration_format(min_ns ? min_ns : 1000000, minb, sizeof(minb));
		perr(c, n, "%s %s is too short; expected at least %s", what, n->value, minb);
		return -1;
	}
	if (ns > 24ULL * 3600 * MP_NS_PER_SEC) {
		perr(c, n, "%s %s is too long; expected at most 24h", what, n->value);
		return -1;
	}
	*out = ns;
	return 0;
}

static int valid_word(const char *s, size_t max, int allow_slash)
{
	size_t len = strlen(s);

	if (len == 0 || len > max || s[0] == '-' || s[0] == '.' || strstr(s, ".."))
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-' &&
		    !(allow_slash && *p == '/'))
			return 0;
	return 1;
}

/* A path value: a template (kept as is, the controller expands it), or a
 * file relative to the plan's directory, made absolute and checked. */
static int get_path(struct ctx *c, const struct mp_yt *n, const char *what,
		    int must_exist, char **out)
{
	char *s = NULL, buf[PATH_MAX];

	if (get_string(c, n, what, &s) < 0)
		return -1;
	if (strpbrk(s, "{}")) {
		if (check_template(c, n, what) < 0) {
			free(s);
			return -1;
		}
		free(*out);
		*out = s;
		return 0;
	}
	if (s[0] != '/') {
		snprintf(buf, sizeof(buf), "%s/%s", c->dir, s);
		free(s);
		s = strdup(buf);
		if (!s)
			return nomem(c, n);
	}
	if (must_exist && access(s, R_OK) != 0) {
		perr(c, n, "%s %s: %s; expected a readable file (relative paths start "
		     "from the plan's directory)", what, s, mp_strerror(errno));
		free(s);
		return -1;
	}
	free(*out);
	*out = s;
	return 0;
}

static int get_cmd(struct ctx *c, const struct mp_yt *n, const char *what, struct mp_cmd *cmd)
{
	if (n->type != MP_YT_SEQ || n->n == 0) {
		perr(c, n, "%s must be a non-empty list of arguments, e.g. [xl, create, \"{config}\"]",
		     what);
		return -1;
	}
	if (n->n > CMD_ARGS_MAX) {
		perr(c, n, "%s has more than %d arguments", what, CMD_ARGS_MAX);
		return -1;
	}
	mp_plan_cmd_free(cmd);
	cmd->argv = calloc(n->n + 1, sizeof(char *));
	if (!cmd->argv)
		return nomem(c, n);
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *a = n->items[i];

		if (!scalar(c, a, "a command argument"))
			return -1;
		if (check_template(c, a, what) < 0)
			return -1;
		cmd->argv[i] = strdup(a->value);
		cmd->argc++;
		if (!cmd->argv[i])
			return nomem(c, a);
	}
	return 0;
}

/* "traffic.sizes_file": whitespace-separated integers, as the old script's
 * cfg/range-psz and cfg/range-pps. Errors point into that file. */
static int read_range_file(struct ctx *c, const struct mp_yt *n, const char *what,
			   uint64_t min, uint64_t max, uint64_t **vals, size_t *nvals,
			   size_t limit)
{
	char *path = NULL, *text;
	FILE *f;
	size_t len;
	unsigned line = 1, col = 1;
	int rc = 0;

	if (get_path(c, n, what, 1, &path) < 0)
		return -1;
	if (strpbrk(path, "{}")) {
		perr(c, n, "%s cannot use templates; give a path", what);
		free(path);
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		perr(c, n, "%s %s: %s", what, path, mp_strerror(errno));
		free(path);
		return -1;
	}
	text = malloc(RANGE_FILE_MAX + 1);
	len = text ? fread(text, 1, RANGE_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!text || len > RANGE_FILE_MAX) {
		if (!text)
			nomem(c, n);
		else
			perr(c, n, "%s %s is larger than %d bytes", what, path, RANGE_FILE_MAX);
		free(text);
		free(path);
		return -1;
	}
	text[len] = '\0';
	for (char *p = text; *p && rc == 0;) {
		if (isspace((unsigned char)*p)) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
			p++;
			continue;
		}
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(p, &end, 10);
		if (!isdigit((unsigned char)*p) || errno ||
		    (*end && !isspace((unsigned char)*end))) {
			perr_at(c, path, line, col, "expected whitespace-separated whole numbers");
			rc = -1;
		} else if (v < min || v > max) {
			perr_at(c, path, line, col, "%llu is out of range; expected %llu..%llu",
				v, (unsigned long long)min, (unsigned long long)max);
			rc = -1;
		} else if (*nvals == limit) {
			perr_at(c, path, line, col, "more than %zu values", limit);
			rc = -1;
		} else {
			uint64_t *nv = realloc(*vals, (*nvals + 1) * sizeof(*nv));

			if (!nv) {
				rc = nomem(c, n);
				break;
			}
			*vals = nv;
			nv[(*nvals)++] = v;
		}
		col += (unsigned)(end - p);
		p = end > p ? end : p + 1;
	}
	if (rc == 0 && *nvals == 0) {
		perr_at(c, path, 1, 1, "no values; expected whitespace-separated whole numbers");
		rc = -1;
	}
	free(text);
	free(path);
	return rc;
}

/* A list of numbers in min..max, none twice; `word` (when not NULL), an
 * unquoted scalar, stands for the value 0. */
static int read_list(struct ctx *c, const struct mp_yt *n, const char *what,
		     uint64_t min, uint64_t max, uint64_t **vals, size_t *nvals, size_t limit,
		     const char *word)
{
	if (n->type != MP_YT_SEQ || n->n == 0) {
		perr(c, n, "%s must be a non-empty list of numbers, e.g. [60, 1500]", what);
		return -1;
	}
	if (n->n > limit) {
		perr(c, n, "%s has more than %zu values", what, limit);
		return -1;
	}
	*vals = calloc(n->n, sizeof(uint64_t));
	if (!*vals)
		return nomem(c, n);
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *it = n->items[i];

		if (word && it->type == MP_YT_SCALAR && !it->quoted && !strcmp(it->value, word))
			(*vals)[i] = 0;
		else if (get_uint(c, it, what, min, max, &(*vals)[i]) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if ((*vals)[j] == (*vals)[i]) {
				perr(c, it, "%s %s is listed twice", what, it->value);
				return -1;
			}
		}
		(*nvals)++;
	}
	return 0;
}

static const char *const top_keys[] = {
	"name", "library", "versions", "build", "toolstack", "domains", "roles",
	"discovery", "agent", "traffic", "phase", "sampling", "output", NULL,
};

static void load_library(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "name", "repo", NULL };
	const struct mp_yt *v;

	if (!check_map(c, n, "library", keys))
		return;
	if ((v = mp_yt_get(n, "name")))
		get_string(c, v, "library.name", &c->plan->library_name);
	else
		perr(c, n, "library needs a name (e.g. mirage-net-xen)");
	if ((v = mp_yt_get(n, "repo")))
		get_string(c, v, "library.repo", &c->plan->library_repo);
	else
		perr(c, n, "library needs a repo (the git URL its versions come from)");
}

/* A version's prebuilt DUT kernel ({name, kernel}): a template, checked
 * when the version runs, or a file, which must exist now. */
static void load_version_kernel(struct ctx *c, const struct mp_yt *n, const char *version,
				char **out)
{
	char what[128];

	snprintf(what, sizeof(what), "version %s's kernel", version);
	if (get_path(c, n, what, 1, out) == 0 && strstr(*out, "{kernel}")) {
		perr(c, n, "%s cannot use {kernel}: it is what {kernel} stands for", what);
		free(*out);
		*out = NULL;
	}
}

/* A version: a scalar (built by the build steps) or {name, kernel}. */
static const struct mp_yt *version_name(struct ctx *c, const struct mp_yt *v,
					const struct mp_yt **kernel)
{
	static const char *const keys[] = { "name", "kernel", NULL };
	const struct mp_yt *name;

	*kernel = NULL;
	if (v->type != MP_YT_MAP)
		return scalar(c, v, "a version");
	if (!check_map(c, v, "a version", keys))
		return NULL;
	if (!(name = mp_yt_get(v, "name"))) {
		perr(c, v, "a version given as a mapping needs a name (a commit, tag or label), "
		     "e.g. {name: v2.1.7, kernel: /srv/kernels/v2.1.7.xen}");
		return NULL;
	}
	if (!(*kernel = mp_yt_get(v, "kernel"))) {
		perr(c, v, "a version given as a mapping needs a kernel (its prebuilt DUT "
		     "kernel); write a version without one as a plain name");
		return NULL;
	}
	return scalar(c, name, "a version's name");
}

static void load_versions(struct ctx *c, const struct mp_yt *n)
{
	struct mp_plan *p = c->plan;

	if (n->type != MP_YT_SEQ || n->n == 0) {
		perr(c, n, "versions must be a non-empty list of commits, tags or branches");
		return;
	}
	if (n->n > MP_PLAN_MAX_VERSIONS) {
		perr(c, n, "versions has more than %d entries", MP_PLAN_MAX_VERSIONS);
		return;
	}
	p->versions = calloc(n->n, sizeof(char *));
	p->version_kernels = calloc(n->n, sizeof(char *));
	if (!p->versions || !p->version_kernels) {
		nomem(c, n);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *kernel, *v = version_name(c, n->items[i], &kernel);

		if (!v)
			return;
		if (!valid_word(v->value, 64, 1)) {
			perr(c, v, "version \"%s\" is not a commit, tag or branch name; expected "
			     "1-64 of A-Z a-z 0-9 . _ - /, not starting with - or . and without ..",
			     v->value);
			return;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->versions[j], v->value) == 0) {
				perr(c, v, "version \"%s\" is listed twice", v->value);
				return;
			}
		}
		p->versions[p->nversions] = strdup(v->value);
		if (!p->versions[p->nversions]) {
			nomem(c, v);
			return;
		}
		p->nversions++;
		if (kernel)
			load_version_kernel(c, kernel, v->value, &p->version_kernels[i]);
	}
}

static void load_build(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "workdir", "timeout", "steps", NULL };
	struct mp_plan *p = c->plan;
	const struct mp_yt *v;

	if (!check_map(c, n, "build", keys))
		return;
	if ((v = mp_yt_get(n, "workdir")) && get_string(c, v, "build.workdir", &p->build_workdir) == 0)
		check_template(c, v, "build.workdir");
	if ((v = mp_yt_get(n, "timeout")))
		get_duration(c, v, "build.timeout", 0, &p->build_timeout_ns);
	if ((v = mp_yt_get(n, "steps"))) {
		if (v->type != MP_YT_SEQ) {
			perr(c, v, "build.steps must be a list of commands, each a list of arguments");
			return;
		}
		if (v->n > BUILD_STEPS_MAX) {
			perr(c, v, "build.steps has more than %d steps", BUILD_STEPS_MAX);
			return;
		}
		p->build_steps = calloc(v->n ? v->n : 1, sizeof(struct mp_cmd));
		if (!p->build_steps) {
			nomem(c, v);
			return;
		}
		for (size_t i = 0; i < v->n; i++) {
			if (get_cmd(c, v->items[i], "a build step", &p->build_steps[i]) < 0)
				return;
			p->nbuild_steps++;
		}
	}
}

static void load_toolstack(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "create", "destroy", "timeout", NULL };
	struct mp_plan *p = c->plan;
	const struct mp_yt *v;

	if (!check_map(c, n, "toolstack", keys))
		return;
	if ((v = mp_yt_get(n, "create")))
		get_cmd(c, v, "toolstack.create", &p->toolstack_create);
	if ((v = mp_yt_get(n, "destroy")))
		get_cmd(c, v, "toolstack.destroy", &p->toolstack_destroy);
	if ((v = mp_yt_get(n, "timeout")))
		get_duration(c, v, "toolstack.timeout", 0, &p->toolstack_timeout_ns);
}

static void load_domain(struct ctx *c, const struct mp_yt *n, enum mp_dom d)
{
	static const char *const dut_keys[] = { "name", "config", "on_failure", "boot_retries",
						"kernel", NULL };
	static const char *const tg_keys[] = { "name", "config", NULL };
	struct mp_plan_domain *dom = &c->plan->domains[d];
	char what[64];
	const struct mp_yt *v;

	snprintf(what, sizeof(what), "domains.%s", mp_dom_name(d));
	if (!check_map(c, n, what, d == MP_DOM_DUT ? dut_keys : tg_keys))
		return;
	if ((v = mp_yt_get(n, "name")) && get_string(c, v, "a domain name", &dom->name) == 0 &&
	    !valid_word(dom->name, MP_PLAN_MAX_DOMAIN_NAME, 0))
		perr(c, v, "domain name \"%s\" is not valid; expected 1-%d of A-Z a-z 0-9 . _ -",
		     dom->name, MP_PLAN_MAX_DOMAIN_NAME);
	if ((v = mp_yt_get(n, "config")))
		get_path(c, v, "a domain config", 1, &dom->config);
	if ((v = mp_yt_get(n, "on_failure")) && scalar(c, v, "on_failure")) {
		if (strcmp(v->value, "recreate") == 0)
			c->plan->dut_on_failure = MP_ON_FAILURE_RECREATE;
		else if (strcmp(v->value, "stop") == 0)
			c->plan->dut_on_failure = MP_ON_FAILURE_STOP;
		else
			perr(c, v, "on_failure \"%s\" is not known; expected recreate or stop",
			     v->value);
	}
	if ((v = mp_yt_get(n, "boot_retries"))) {
		uint64_t r;

		if (get_uint(c, v, "domains.dut.boot_retries", 0, MP_PLAN_MAX_BOOT_RETRIES, &r) == 0)
			c->plan->dut_boot_retries = (unsigned)r;
	}
	if ((v = mp_yt_get(n, "kernel")) &&
	    get_path(c, v, "domains.dut.kernel", 0, &c->plan->dut_kernel) == 0 &&
	    strstr(c->plan->dut_kernel, "{kernel}"))
		perr(c, v, "domains.dut.kernel cannot use {kernel}: it is what {kernel} stands for");
}

static void load_domains(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "boot_timeout", "console_log", "dut", "traffgen",
					    NULL };
	const struct mp_yt *v;

	if (!check_map(c, n, "domains", keys))
		return;
	if ((v = mp_yt_get(n, "boot_timeout")))
		get_duration(c, v, "domains.boot_timeout", 0, &c->plan->boot_timeout_ns);
	if ((v = mp_yt_get(n, "console_log")))
		get_path(c, v, "domains.console_log", 0, &c->plan->console_log);
	if ((v = mp_yt_get(n, "dut")))
		load_domain(c, v, MP_DOM_DUT);
	if ((v = mp_yt_get(n, "traffgen")))
		load_domain(c, v, MP_DOM_TRAFFGEN);
}

static void load_roles(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "generator", "dut_in", "dut_out", "control",
					    "receiver", NULL };
	static const char *const role_keys[] = { "domain", "vif", NULL };

	if (!check_map(c, n, "roles", keys))
		return;
	for (int r = 0; r < MP_ROLE_COUNT; r++) {
		const struct mp_yt *v = mp_yt_get(n, mp_role_name((enum mp_role)r)), *d, *i;
		char what[64];
		uint64_t devid;

		if (!v)
			continue;
		if (r == MP_ROLE_RECEIVER)
			c->plan->has_receiver = 1;
		snprintf(what, sizeof(what), "roles.%s", mp_role_name((enum mp_role)r));
		if (!check_map(c, v, what, role_keys))
			continue;
		if ((d = mp_yt_get(v, "domain")) && scalar(c, d, "domain")) {
			if (strcmp(d->value, "dut") == 0)
				c->plan->roles[r].domain = MP_DOM_DUT;
			else if (strcmp(d->value, "traffgen") == 0)
				c->plan->roles[r].domain = MP_DOM_TRAFFGEN;
			else
				perr(c, d, "domain \"%s\" is not known; expected dut or traffgen",
				     d->value);
		}
		if ((i = mp_yt_get(v, "vif")) &&
		    get_uint(c, i, "vif", 0, MP_PLAN_MAX_VIFS - 1, &devid) == 0)
			c->plan->roles[r].devid = (unsigned)devid;
		if (d && c->plan->roles[r].domain !=
		    (r == MP_ROLE_DUT_IN || r == MP_ROLE_DUT_OUT ? MP_DOM_DUT : MP_DOM_TRAFFGEN))
			perr(c, d, "%s belongs to the %s domain", what,
			     r == MP_ROLE_DUT_IN || r == MP_ROLE_DUT_OUT ? "dut" : "traffgen");
	}
}

static void load_discovery(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "methods", "bridge", "address", "timeout", NULL };
	struct mp_plan *p = c->plan;
	const struct mp_yt *v;
	struct in_addr a;

	if (!check_map(c, n, "discovery", keys))
		return;
	if ((v = mp_yt_get(n, "methods"))) {
		if (v->type != MP_YT_SEQ || v->n == 0) {
			perr(c, v, "discovery.methods must be a non-empty list of dhcp, xenstore");
		} else {
			p->discover_dhcp = p->discover_xenstore = 0;
			for (size_t i = 0; i < v->n; i++) {
				const struct mp_yt *m = v->items[i];

				if (!scalar(c, m, "a discovery method"))
					continue;
				if (strcmp(m->value, "dhcp") == 0)
					p->discover_dhcp = 1;
				else if (strcmp(m->value, "xenstore") == 0)
					p->discover_xenstore = 1;
				else
					perr(c, m, "discovery method \"%s\" is not known; expected "
					     "dhcp or xenstore", m->value);
			}
		}
	}
	if ((v = mp_yt_get(n, "bridge")) &&
	    get_string(c, v, "discovery.bridge", &p->dhcp_bridge) == 0 &&
	    (strlen(p->dhcp_bridge) >= IFNAMSIZ_PLAN || !valid_word(p->dhcp_bridge, 15, 0)))
		perr(c, v, "discovery.bridge \"%s\" is not an interface name", p->dhcp_bridge);
	if ((v = mp_yt_get(n, "address")) &&
	    get_string(c, v, "discovery.address", &p->pinned_address) == 0 &&
	    inet_pton(AF_INET, p->pinned_address, &a) != 1)
		perr(c, v, "discovery.address \"%s\" is not an IPv4 address", p->pinned_address);
	if ((v = mp_yt_get(n, "timeout")))
		get_duration(c, v, "discovery.timeout", 0, &p->discovery_timeout_ns);
}

static void load_agent(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "port", "token_file", "dev", "engine",
					    "connect_timeout", "request_timeout", NULL };
	struct mp_plan *p = c->plan;
	const struct mp_yt *v;
	uint64_t port;

	if (!check_map(c, n, "agent", keys))
		return;
	if ((v = mp_yt_get(n, "port")) && get_uint(c, v, "agent.port", 1, 65535, &port) == 0)
		p->agent_port = (uint16_t)port;
	if ((v = mp_yt_get(n, "token_file")))
		get_path(c, v, "agent.token_file", 0, &p->agent_token_file);  /* checked when connecting */
	if ((v = mp_yt_get(n, "dev")) && get_string(c, v, "agent.dev", &p->agent_dev) == 0 &&
	    (strlen(p->agent_dev) >= IFNAMSIZ_PLAN || !valid_word(p->agent_dev, 15, 0)))
		perr(c, v, "agent.dev \"%s\" is not an interface name", p->agent_dev);
	if ((v = mp_yt_get(n, "engine")) && get_string(c, v, "agent.engine", &p->agent_engine) == 0 &&
	    mp_engine_kind(p->agent_engine) < 0) {
		char names[MP_ENGINE_NAMES_LEN];

		perr(c, v, "agent.engine \"%s\" is not known; expected %s", p->agent_engine,
		     mp_engine_names(names));
	}
	if ((v = mp_yt_get(n, "connect_timeout")))
		get_duration(c, v, "agent.connect_timeout", 0, &p->agent_connect_timeout_ns);
	if ((v = mp_yt_get(n, "request_timeout")))
		get_duration(c, v, "agent.request_timeout", 0, &p->agent_request_timeout_ns);
}

/* A percentage: "0.5%", or a bare 0. Bare numbers other than 0 are refused
 * as ambiguous (a ratio or a percentage?). */
static int get_pct(struct ctx *c, const struct mp_yt *n, const char *what, int zero_ok,
		   double max, double *out)
{
	char *end;
	double v;

	if (!scalar(c, n, what))
		return -1;
	errno = 0;
	v = strtod(n->value, &end);
	if (n->quoted || end == n->value || errno || !isfinite(v) ||
	    !(isdigit((unsigned char)n->value[0]) || n->value[0] == '.') ||
	    !(strcmp(end, "%") == 0 || (*end == '\0' && v == 0))) {
		perr(c, n, "%s \"%s\" is not a percentage; expected e.g. 0.5%%%s", what,
		     n->value, zero_ok ? " or 0" : "");
		return -1;
	}
	if ((v == 0 && !zero_ok) || v > max) {
		perr(c, n, "%s %s is out of range; expected %s%g%%", what, n->value,
		     zero_ok ? "0%.." : "more than 0% and at most ", max);
		return -1;
	}
	*out = v;
	return 0;
}

static void load_goals(struct ctx *c, const struct mp_yt *n, struct mp_plan_search *s)
{
	static const char *const keys[] = { "name", "loss", NULL };

	if (n->type != MP_YT_SEQ || n->n == 0) {
		perr(c, n, "traffic.search.goals must be a non-empty list of {name, loss}, "
		     "e.g. [{name: NDR, loss: 0}, {name: PDR, loss: 0.5%%}]");
		return;
	}
	if (n->n > MP_PLAN_MAX_GOALS) {
		perr(c, n, "traffic.search.goals has more than %d goals", MP_PLAN_MAX_GOALS);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *g = n->items[i], *v;
		struct mp_plan_goal *goal = &s->goals[s->ngoals];

		if (!check_map(c, g, "a search goal", keys))
			continue;
		s->ngoals++;
		if (!(v = mp_yt_get(g, "name")))
			perr(c, g, "a search goal needs a name (e.g. NDR)");
		else if (get_string(c, v, "goal name", &goal->name) == 0 &&
			 !valid_word(goal->name, MP_PLAN_GOAL_NAME_MAX, 0))
			perr(c, v, "goal name \"%s\" is not a word of up to %d letters, digits, "
			     "'.', '_' or '-'", goal->name, MP_PLAN_GOAL_NAME_MAX);
		for (size_t j = 0; goal->name && j + 1 < s->ngoals; j++)
			if (s->goals[j].name && strcmp(s->goals[j].name, goal->name) == 0)
				perr(c, v, "goal name \"%s\" is listed twice", goal->name);
		if (!(v = mp_yt_get(g, "loss")))
			perr(c, g, "a search goal needs a loss (the loss ratio it accepts, "
			     "e.g. 0 or 0.5%%)");
		else
			get_pct(c, v, "goal loss", 1, 100, &goal->loss_pct);
	}
}

/* traffic.search.sizes: which of traffic.sizes are searched (next to the
 * grid of rates). */
static void load_search_sizes(struct ctx *c, const struct mp_yt *n, struct mp_plan_search *s)
{
	const struct mp_plan *p = c->plan;
	uint64_t *vals = NULL;
	size_t nvals = 0;

	if (read_list(c, n, "search size", MP_FRAME_MIN, MP_FRAME_MAX, &vals, &nvals,
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
			perr(c, n->items[i], "traffic.search.sizes: %s is not in traffic.sizes; "
			     "expected one of [%s]", n->items[i]->value, list);
			goto out;
		}
	}
	s->sizes = calloc(nvals, sizeof(unsigned));
	if (!s->sizes) {
		nomem(c, n);
		goto out;
	}
	for (size_t i = 0; i < nvals; i++)
		s->sizes[s->nsizes++] = (unsigned)vals[i];
out:
	free(vals);
}

static void load_search(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "goals", "method", "min_rate", "max_rate",
					    "width", "trial", "timeout", "sizes", NULL };
	static const char *const trial_keys[] = { "initial", "final", NULL };
	struct mp_plan_search *s = c->plan->search;
	const struct mp_yt *v, *t, *maxn = NULL;

	if (!check_map(c, n, "traffic.search", keys))
		return;
	if ((v = mp_yt_get(n, "goals")))
		load_goals(c, v, s);
	else
		perr(c, n, "traffic.search needs goals, e.g. [{name: NDR, loss: 0}]");
	if ((v = mp_yt_get(n, "method")) && scalar(c, v, "traffic.search.method")) {
		if (strcmp(v->value, "mlr") == 0)
			s->method = MP_SEARCH_MLR;
		else if (strcmp(v->value, "bisection") == 0)
			s->method = MP_SEARCH_BISECTION;
		else
			perr(c, v, "traffic.search.method \"%s\" is not known; expected mlr "
			     "or bisection", v->value);
	}
	if ((v = mp_yt_get(n, "min_rate")))
		get_uint(c, v, "traffic.search.min_rate", 1, MP_PLAN_MAX_RATE, &s->min_rate);
	if ((maxn = mp_yt_get(n, "max_rate"))) {
		if (maxn->type == MP_YT_SCALAR && !maxn->quoted && strcmp(maxn->value, "max") == 0)
			s->max_rate = 0;
		else if (maxn->type == MP_YT_SCALAR && !isdigit((unsigned char)maxn->value[0]))
			perr(c, maxn, "traffic.search.max_rate must be a whole number or max, "
			     "not \"%s\"", maxn->value);
		else if (get_uint(c, maxn, "traffic.search.max_rate", 1, MP_PLAN_MAX_RATE,
				  &s->max_rate) < 0)
			maxn = NULL;
	}
	if ((v = mp_yt_get(n, "width")))
		get_pct(c, v, "traffic.search.width", 0, MP_PLAN_SEARCH_MAX_WIDTH_PCT,
			&s->width_pct);
	if ((t = mp_yt_get(n, "trial")) && check_map(c, t, "traffic.search.trial", trial_keys)) {
		const struct mp_yt *fin = mp_yt_get(t, "final");

		if ((v = mp_yt_get(t, "initial")))
			get_duration(c, v, "traffic.search.trial.initial", MP_PLAN_MIN_TRIAL_NS,
				     &s->initial_ns);
		if (fin)
			get_duration(c, fin, "traffic.search.trial.final", MP_PLAN_MIN_TRIAL_NS,
				     &s->final_ns);
		if (s->initial_ns > s->final_ns)
			perr(c, fin ? fin : t, "traffic.search.trial: initial is longer than "
			     "final; expected initial <= final");
	}
	if ((v = mp_yt_get(n, "timeout")))
		get_duration(c, v, "traffic.search.timeout", 0, &s->timeout_ns);
	if (maxn && s->max_rate && s->max_rate < s->min_rate)
		perr(c, maxn, "traffic.search.max_rate %llu is below min_rate %llu",
		     (unsigned long long)s->max_rate, (unsigned long long)s->min_rate);
	if ((v = mp_yt_get(n, "sizes")))
		load_search_sizes(c, v, s);
}

/* traffic.imix: {size: weight, ...}, the mix a size "imix" sends. */
static void load_imix(struct ctx *c, const struct mp_yt *n)
{
	struct mp_imix *m = &c->plan->imix;
	uint64_t size, w;

	if (n->type != MP_YT_MAP || n->n == 0 || n->n > MP_IMIX_MAX) {
		perr(c, n, "traffic.imix must map 1 to %d frame sizes to weights, e.g. "
		     "{60: 7, 590: 4, 1514: 1}", MP_IMIX_MAX);
		return;
	}
	m->n = 0;
	for (size_t i = 0; i < n->n; i++) {
		if (get_uint(c, n->keys[i], "traffic.imix size", MP_FRAME_MIN, MP_FRAME_MAX, &size) < 0 ||
		    get_uint(c, n->items[i], "traffic.imix weight", 1, MP_IMIX_WEIGHT_MAX, &w) < 0)
			return;
		for (unsigned j = 0; j < m->n; j++)
			if (m->size[j] == size) {
				perr(c, n->keys[i], "traffic.imix size %llu is listed twice",
				     (unsigned long long)size);
				return;
			}
		m->size[m->n] = (unsigned)size;
		m->weight[m->n++] = (unsigned)w;
	}
}

/* traffic.tcp: TCP through the DUT. */
static void load_tcp(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "streams", "duration", "repetitions", "reboot",
					    "reverse", "offloads", "src_ip", "dst_ip", "port",
					    "timeout", "reference", NULL };
	struct mp_plan_tcp *t = c->plan->tcp;
	const struct mp_yt *v, *to = NULL, *dur = NULL;
	uint64_t x, *vals = NULL;
	size_t nvals = 0;
	struct in_addr a, b;
	int o;

	if (!check_map(c, n, "traffic.tcp", keys))
		return;
	if ((v = mp_yt_get(n, "streams")) &&
	    read_list(c, v, "traffic.tcp.streams", 1, MP_TCP_STREAMS_MAX, &vals, &nvals,
		      MP_PLAN_TCP_MAX_STREAMS_VALUES, NULL) == 0) {
		unsigned *st = calloc(nvals, sizeof(unsigned));

		if (!st) {
			nomem(c, v);
		} else {
			for (size_t i = 0; i < nvals; i++)
				st[i] = (unsigned)vals[i];
			free(t->streams);
			t->streams = st;
			t->nstreams = nvals;
		}
	}
	free(vals);
	if ((dur = mp_yt_get(n, "duration")) &&
	    get_duration(c, dur, "traffic.tcp.duration", MP_TCP_DURATION_MIN_S * MP_NS_PER_SEC,
			 &t->duration_ns) == 0 &&
	    (t->duration_ns % MP_NS_PER_SEC || t->duration_ns > MP_TCP_DURATION_MAX_S * MP_NS_PER_SEC))
		perr(c, dur, "traffic.tcp.duration %s is not a whole number of seconds from %ds to "
		     "%ds (iperf3 counts whole seconds)", dur->value, MP_TCP_DURATION_MIN_S,
		     MP_TCP_DURATION_MAX_S);
	if ((v = mp_yt_get(n, "repetitions")) &&
	    get_uint(c, v, "traffic.tcp.repetitions", 1, MP_PLAN_TCP_MAX_REPETITIONS, &x) == 0)
		t->repetitions = (unsigned)x;
	if ((v = mp_yt_get(n, "reboot")))
		get_bool(c, v, "traffic.tcp.reboot", &t->reboot);
	if ((v = mp_yt_get(n, "reverse")))
		get_bool(c, v, "traffic.tcp.reverse", &t->reverse);
	if ((v = mp_yt_get(n, "offloads")) && scalar(c, v, "traffic.tcp.offloads")) {
		if ((o = v->quoted ? -1 : mp_tcp_offloads_parse(v->value)) < 0)
			perr(c, v, "traffic.tcp.offloads \"%s\" is not known; expected keep (the "
			     "traff-gen's TSO and GSO as they are), on or off", v->value);
		else
			t->offloads = (enum mp_tcp_offloads)o;
	}
	if ((v = mp_yt_get(n, "src_ip")) && get_string(c, v, "traffic.tcp.src_ip", &t->src_ip) == 0 &&
	    inet_pton(AF_INET, t->src_ip, &a) != 1)
		perr(c, v, "traffic.tcp.src_ip \"%s\" is not an IPv4 address", t->src_ip);
	if ((v = mp_yt_get(n, "dst_ip")) && get_string(c, v, "traffic.tcp.dst_ip", &t->dst_ip) == 0 &&
	    inet_pton(AF_INET, t->dst_ip, &a) != 1)
		perr(c, v, "traffic.tcp.dst_ip \"%s\" is not an IPv4 address", t->dst_ip);
	if (inet_pton(AF_INET, t->src_ip, &a) == 1 && inet_pton(AF_INET, t->dst_ip, &b) == 1) {
		uint32_t mask = htonl(~0U << (32 - MP_TCP_PREFIX_LEN));

		if (a.s_addr == b.s_addr)
			perr(c, v ? v : n, "traffic.tcp: src_ip and dst_ip are the same address");
		else if ((a.s_addr & mask) != (b.s_addr & mask))
			perr(c, v ? v : n, "traffic.tcp: src_ip %s and dst_ip %s are not in one /%d; "
			     "expected two addresses of one /%d (the DUT forwards frames, it does "
			     "not route)", t->src_ip, t->dst_ip, MP_TCP_PREFIX_LEN, MP_TCP_PREFIX_LEN);
	}
	if ((v = mp_yt_get(n, "port")) && get_uint(c, v, "traffic.tcp.port", 1, 65535, &x) == 0)
		t->port = (uint16_t)x;
	if ((to = mp_yt_get(n, "timeout")))
		get_duration(c, to, "traffic.tcp.timeout", 0, &t->timeout_ns);
	else
		t->timeout_ns = t->duration_ns + MP_PLAN_TCP_TIMEOUT_MARGIN_NS;
	if (to && t->timeout_ns <= t->duration_ns)
		perr(c, to, "traffic.tcp.timeout %s is not longer than the duration; expected "
		     "more than %llus", to->value,
		     (unsigned long long)(t->duration_ns / MP_NS_PER_SEC));
	if ((v = mp_yt_get(n, "reference")) &&
	    get_string(c, v, "traffic.tcp.reference", &t->reference) == 0) {
		size_t i = 0;

		while (i < c->plan->nversions && strcmp(c->plan->versions[i], t->reference))
			i++;
		if (i == c->plan->nversions)
			perr(c, v, "traffic.tcp.reference \"%s\" is not one of the versions",
			     t->reference);
	}
}

static void load_traffic(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "sizes", "sizes_file", "rates", "rates_file",
					    "search", "imix", "tcp", "dst_mac", "src_ip", "dst_ip",
					    "src_port", "dst_port", NULL };
	struct mp_plan *p = c->plan;
	const struct mp_yt *v, *sz = mp_yt_get(n, "sizes"), *szf = mp_yt_get(n, "sizes_file");
	const struct mp_yt *rt = mp_yt_get(n, "rates"), *rtf = mp_yt_get(n, "rates_file");
	const struct mp_yt *se = mp_yt_get(n, "search"), *tcp = mp_yt_get(n, "tcp");
	uint64_t *sizes = NULL, port;
	size_t nsizes = 0;
	uint8_t mac[MP_MAC_LEN];
	struct in_addr a;

	if (!check_map(c, n, "traffic", keys))
		return;
	if (sz && szf)
		perr(c, szf, "traffic has both sizes and sizes_file; expected one of them");
	else if (sz)
		read_list(c, sz, "frame size", MP_FRAME_MIN, MP_FRAME_MAX, &sizes, &nsizes,
			  MP_PLAN_MAX_SIZES, "imix");
	else if (szf)
		read_range_file(c, szf, "traffic.sizes_file", MP_FRAME_MIN, MP_FRAME_MAX,
				&sizes, &nsizes, MP_PLAN_MAX_SIZES);
	else if (!tcp || rt || rtf || se)
		perr(c, n, "traffic needs sizes (frame sizes in bytes without FCS, %d..%d) "
		     "or sizes_file%s", MP_FRAME_MIN, MP_FRAME_MAX,
		     tcp ? " for its rates or search" : "");
	if (nsizes) {
		p->sizes = calloc(nsizes, sizeof(unsigned));
		if (!p->sizes)
			nomem(c, n);
		for (size_t i = 0; p->sizes && i < nsizes; i++)
			p->sizes[p->nsizes++] = (unsigned)sizes[i];
	}
	free(sizes);
	if ((v = mp_yt_get(n, "imix")))
		load_imix(c, v);
	if (se && (p->search = mp_plan_search_defaults()))
		load_search(c, se);
	if (se && se->type == MP_YT_MAP && !mp_yt_get(se, "sizes") && (rt || rtf))
		perr(c, se, "traffic has both %s and search; expected one of them (a grid "
		     "of rates, or a search for the highest rate meeting loss goals), or "
		     "search.sizes to search those sizes next to the grid",
		     rt ? "rates" : "rates_file");
	else if (se && se->type == MP_YT_MAP && mp_yt_get(se, "sizes") && !rt && !rtf)
		perr(c, mp_yt_get(se, "sizes"), "traffic.search.sizes searches sizes next to "
		     "a grid of rates, and traffic has no rates or rates_file; expected rates, "
		     "or no search.sizes to search every size");
	if (rt && rtf)
		perr(c, rtf, "traffic has both rates and rates_file; expected one of them");
	else if (rt)
		read_list(c, rt, "rate", 1, MP_PLAN_MAX_RATE, &p->rates,
			  &p->nrates, MP_PLAN_MAX_RATES, NULL);
	else if (rtf)
		read_range_file(c, rtf, "traffic.rates_file", 1, MP_PLAN_MAX_RATE, &p->rates,
				&p->nrates, MP_PLAN_MAX_RATES);
	else if (!se && (sz || szf || !tcp))
		perr(c, n, "traffic needs rates (packets per second), %s",
		     tcp ? "rates_file or search for its sizes" : "rates_file, search or tcp");
	/* After the versions (reference names one): the sections run in order. */
	if (tcp && (p->tcp = mp_plan_tcp_defaults()))
		load_tcp(c, tcp);
	else if (tcp)
		nomem(c, tcp);
	if ((v = mp_yt_get(n, "dst_mac")) && get_string(c, v, "traffic.dst_mac", &p->dst_mac) == 0 &&
	    mp_mac_parse(p->dst_mac, mac) < 0)
		perr(c, v, "traffic.dst_mac \"%s\" is not a MAC address; expected "
		     "xx:xx:xx:xx:xx:xx", p->dst_mac);
	if ((v = mp_yt_get(n, "src_ip")) && get_string(c, v, "traffic.src_ip", &p->src_ip) == 0 &&
	    inet_pton(AF_INET, p->src_ip, &a) != 1)
		perr(c, v, "traffic.src_ip \"%s\" is not an IPv4 address", p->src_ip);
	if ((v = mp_yt_get(n, "dst_ip")) && get_string(c, v, "traffic.dst_ip", &p->dst_ip) == 0 &&
	    inet_pton(AF_INET, p->dst_ip, &a) != 1)
		perr(c, v, "traffic.dst_ip \"%s\" is not an IPv4 address", p->dst_ip);
	if ((v = mp_yt_get(n, "src_port")) && get_uint(c, v, "traffic.src_port", 1, 65535, &port) == 0)
		p->src_port = (uint16_t)port;
	if ((v = mp_yt_get(n, "dst_port")) && get_uint(c, v, "traffic.dst_port", 1, 65535, &port) == 0)
		p->dst_port = (uint16_t)port;
}

static void load_phase(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "duration", "warmup", "cooldown", NULL };
	const struct mp_yt *v;

	if (!check_map(c, n, "phase", keys))
		return;
	if ((v = mp_yt_get(n, "duration")))
		get_duration(c, v, "phase.duration", 0, &c->plan->duration_ns);
	if ((v = mp_yt_get(n, "warmup")))
		get_duration(c, v, "phase.warmup", ZERO_OK, &c->plan->warmup_ns);
	if ((v = mp_yt_get(n, "cooldown")))
		get_duration(c, v, "phase.cooldown", ZERO_OK, &c->plan->cooldown_ns);
}

static void load_sampling(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "interval", NULL };
	const struct mp_yt *v;

	if (!check_map(c, n, "sampling", keys))
		return;
	if ((v = mp_yt_get(n, "interval")))
		get_duration(c, v, "sampling.interval", MP_PLAN_MIN_SAMPLE_NS,
			     &c->plan->sample_interval_ns);
}

static void load_output(struct ctx *c, const struct mp_yt *n)
{
	static const char *const keys[] = { "dir", NULL };
	const struct mp_yt *v;

	if (!check_map(c, n, "output", keys))
		return;
	if ((v = mp_yt_get(n, "dir")))
		get_string(c, v, "output.dir", &c->plan->output_dir);
}

/* Cross-field checks once every section is read. */
static void check_whole(struct ctx *c, const struct mp_yt *root)
{
	struct mp_plan *p = c->plan;

	if (strcmp(p->domains[MP_DOM_DUT].name, p->domains[MP_DOM_TRAFFGEN].name) == 0)
		perr(c, root, "the dut and traffgen domains have the same name \"%s\"",
		     p->domains[MP_DOM_DUT].name);
	if (!p->discover_dhcp && !p->discover_xenstore && !p->pinned_address)
		perr(c, root, "discovery has no method and no address");
	if (p->roles[MP_ROLE_GENERATOR].devid == p->roles[MP_ROLE_CONTROL].devid)
		perr(c, root, "roles: generator and control are the same vif");
	if (p->roles[MP_ROLE_DUT_IN].devid == p->roles[MP_ROLE_DUT_OUT].devid)
		perr(c, root, "roles: dut_in and dut_out are the same vif");
	if (p->tcp && !p->has_receiver)
		perr(c, root, "traffic.tcp needs roles.receiver: the traff-gen's vif on bridge if2, "
		     "the receiving side that only the DUT joins to the data side (e.g. "
		     "receiver: {domain: traffgen, vif: 2})");
	if (p->has_receiver && (p->roles[MP_ROLE_RECEIVER].devid == p->roles[MP_ROLE_GENERATOR].devid ||
				p->roles[MP_ROLE_RECEIVER].devid == p->roles[MP_ROLE_CONTROL].devid))
		perr(c, root, "roles: receiver must be a vif of its own (the traff-gen's third, "
		     "on bridge if2), not the generator's or the control vif");
}

static int load_tree(struct ctx *c, const struct mp_yt *root)
{
	static const struct {
		const char *key;
		void (*fn)(struct ctx *, const struct mp_yt *);
	} sections[] = {
		{ "library", load_library }, { "versions", load_versions },
		{ "build", load_build }, { "toolstack", load_toolstack },
		{ "domains", load_domains }, { "roles", load_roles },
		{ "discovery", load_discovery }, { "agent", load_agent },
		{ "traffic", load_traffic }, { "phase", load_phase },
		{ "sampling", load_sampling }, { "output", load_output },
	};
	const struct mp_yt *v;

	if (!root) {
		perr_at(c, c->file, 1, 1, "the plan is empty; expected at least name, library, "
			"versions and traffic");
		return -EINVAL;
	}
	if (!check_map(c, root, "the plan", top_keys))
		return -EINVAL;
	if ((v = mp_yt_get(root, "name"))) {
		if (get_string(c, v, "name", &c->plan->name) == 0 &&
		    !valid_word(c->plan->name, 64, 0))
			perr(c, v, "name \"%s\" is not valid (it names the run directory); expected "
			     "1-64 of A-Z a-z 0-9 . _ -, not starting with - or .", c->plan->name);
	} else {
		perr(c, root, "the plan needs a name (it names the run directory)");
	}
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if ((v = mp_yt_get(root, sections[i].key)))
			sections[i].fn(c, v);
		else if (!strcmp(sections[i].key, "library") || !strcmp(sections[i].key, "versions") ||
			 !strcmp(sections[i].key, "traffic"))
			perr(c, root, "the plan needs %s", sections[i].key);
	}
	if (c->errors == 0)
		check_whole(c, root);
	return c->errors ? -EINVAL : 0;
}

int mp_plan_load_string(const char *text, size_t len, const char *name,
			const char *dir, FILE *errf, struct mp_plan **out)
{
	struct ctx c = { .file = name, .dir = dir, .errf = errf };
	char err[512];
	unsigned line, col;
	struct mp_yt *root;
	int ok, rc;

	*out = NULL;
	root = mp_yt_parse(text, len, &ok, err, sizeof(err), &line, &col);
	if (ok != 1) {
		perr_at(&c, name, line, col, "%s", err);
		return ok < 0 ? ok : -EINVAL;
	}
	c.plan = mp_plan_defaults(name, dir);
	if (!c.plan) {
		perr_at(&c, name, 1, 1, "out of memory loading the plan");
		mp_yt_free(root);
		return -ENOMEM;
	}
	rc = load_tree(&c, root);
	mp_yt_free(root);
	if (c.oom)
		rc = -ENOMEM;
	if (rc < 0) {
		mp_plan_free(c.plan);
		return rc;
	}
	*out = c.plan;
	return 0;
}

int mp_plan_load(const char *path, FILE *errf, struct mp_plan **out)
{
	char dir[PATH_MAX], *text, *slash;
	FILE *f = fopen(path, "r");
	size_t len;
	int rc;

	*out = NULL;
	if (!f) {
		rc = -errno;
		if (errf)
			fprintf(errf, "%s:1:1: cannot read the plan: %s\n", path, mp_strerror(errno));
		return rc;
	}
	text = malloc(MP_YT_MAX_BYTES + 2);
	len = text ? fread(text, 1, MP_YT_MAX_BYTES + 1, f) : 0;
	fclose(f);
	if (!text) {
		if (errf)
			fprintf(errf, "%s:1:1: out of memory loading the plan\n", path);
		return -ENOMEM;
	}
	if (!realpath(path, dir))
		snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	rc = mp_plan_load_string(text, len, path, dir, errf, out);
	free(text);
	return rc;
}

int mp_plan_override_legacy(struct mp_plan *p, const char *library, const char *version,
			    const char *cfg_dir, FILE *errf)
{
	struct ctx c = { .file = "command line", .dir = cfg_dir, .errf = errf, .plan = p };
	struct mp_yt psz = { .type = MP_YT_SCALAR, .line = 1, .col = 1, .value = "range-psz" };
	struct mp_yt pps = { .type = MP_YT_SCALAR, .line = 1, .col = 1, .value = "range-pps" };
	uint64_t *sizes = NULL, *rates = NULL;
	size_t nsizes = 0, nrates = 0;

	if (!valid_word(library, 64, 0)) {
		perr_at(&c, c.file, 1, 1, "library \"%s\" is not a library name; expected "
			"A-Z a-z 0-9 . _ -", library);
		return -EINVAL;
	}
	if (version && !valid_word(version, 64, 1)) {
		perr_at(&c, c.file, 1, 1, "version \"%s\" is not a commit, tag or branch name",
			version);
		return -EINVAL;
	}
	if (read_range_file(&c, &psz, "sizes (cfg/range-psz)", MP_FRAME_MIN, MP_FRAME_MAX,
			    &sizes, &nsizes, MP_PLAN_MAX_SIZES) < 0 ||
	    read_range_file(&c, &pps, "rates (cfg/range-pps)", 1, MP_PLAN_MAX_RATE,
			    &rates, &nrates, MP_PLAN_MAX_RATES) < 0) {
		free(sizes);
		free(rates);
		return -EINVAL;
	}
	if (!p->library_name || strcmp(p->library_name, library) != 0) {
		char repo[256];

		snprintf(repo, sizeof(repo), "https://github.com/mirage/%s.git", library);
		char *r = strdup(repo), *l = strdup(library);

		if (!r || !l) {
			free(r);
			free(l);
			goto oom;
		}
		free(p->library_repo);
		p->library_repo = r;
		free(p->library_name);
		p->library_name = l;
	}
	if (version) {
		char *v = strdup(version), **vs = v ? realloc(p->versions, sizeof(char *) *
							 (p->nversions ? p->nversions : 1)) : NULL;

		if (!vs) {
			free(v);
			goto oom;
		}
		for (size_t i = 0; i < p->nversions; i++) {
			free(vs[i]);
			if (p->version_kernels)
				free(p->version_kernels[i]);
		}
		p->versions = vs;
		p->versions[0] = v;
		p->nversions = 1;
		free(p->version_kernels);
		p->version_kernels = NULL;
	}
	free(p->sizes);
	p->sizes = calloc(nsizes, sizeof(unsigned));
	p->nsizes = 0;
	if (!p->sizes)
		goto oom;
	for (size_t i = 0; i < nsizes; i++)
		p->sizes[p->nsizes++] = (unsigned)sizes[i];
	free(sizes);
	free(p->rates);
	p->rates = rates;
	p->nrates = nrates;
	mp_plan_search_free(p->search);     /* the old command line is a grid */
	p->search = NULL;
	return 0;
oom:
	perr_at(&c, c.file, 1, 1, "out of memory");
	free(sizes);
	free(rates);
	return -ENOMEM;
}
