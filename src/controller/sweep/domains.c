/* Build steps and domains: template expansion, child processes for the
 * plan's build and toolstack commands, and the domain configs rendered into
 * the run directory. No value ever reaches a shell: every command is an
 * argument vector whose elements are expanded templates. */
#include "controller/sweep/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/pathf.h"
#include "common/run.h"
#include "common/template.h"
#include "controller/host/child.h"

#include <sodium.h>

#define CONFIG_MAX_KIB 256
#define CONFIG_MAX (CONFIG_MAX_KIB * 1024)   /* largest domain config template read */

/* Expands `tmpl` with the run's variables; `config` and `name` may be NULL
 * where they have no meaning. */
int mp_sweep_expand(struct sweep *sw, const char *tmpl, const char *config,
		    const char *name, char **out)
{
	const struct mp_plan *p = sw->plan;
	const char *values[MP_TVAR_COUNT] = {
		[MP_TVAR_VERSION] = p->versions[sw->version],
		[MP_TVAR_LIBRARY] = p->library_name,
		[MP_TVAR_REPO] = p->library_repo,
		[MP_TVAR_WORKDIR] = sw->workdir,
		[MP_TVAR_RUN_DIR] = mp_out_dir(sw->out),
		[MP_TVAR_BIN_DIR] = sw->bin_dir,
		[MP_TVAR_CFG_DIR] = sw->cfg_dir,
		[MP_TVAR_SRC_DIR] = sw->src_dir,
		[MP_TVAR_CONFIG] = config ? config : "",
		[MP_TVAR_NAME] = name ? name : "",
		[MP_TVAR_KERNEL] = sw->kernel,
	};
	struct mp_template_var vars[MP_TVAR_COUNT];

	for (int i = 0; i < MP_TVAR_COUNT; i++)
		vars[i] = (struct mp_template_var){ mp_plan_template_vars[i], values[i] };
	return mp_template_expand(tmpl, vars, MP_TVAR_COUNT, out);
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static char **expand_cmd(struct sweep *sw, const struct mp_cmd *cmd,
			 const char *config, const char *name)
{
	char **argv = calloc(cmd->argc + 1, sizeof(char *));

	if (!argv)
		return NULL;
	for (size_t i = 0; i < cmd->argc; i++) {
		if (mp_sweep_expand(sw, cmd->argv[i], config, name, &argv[i]) < 0) {
			free_argv(argv);
			return NULL;
		}
	}
	return argv;
}

void mp_sweep_set_workdir(struct sweep *sw)
{
	char *w = NULL;

	sw->workdir[0] = '\0';
	if (sw->plan->build_workdir &&
	    mp_sweep_expand(sw, sw->plan->build_workdir, NULL, NULL, &w) == 0) {
		snprintf(sw->workdir, sizeof(sw->workdir), "%s", w);
		free(w);
	}
}

/* The last non-empty line of `text` into buf. */
static void last_line(const char *text, char *buf, size_t len)
{
	size_t end = strlen(text), start;

	while (end && (text[end - 1] == '\n' || text[end - 1] == '\r'))
		end--;
	for (start = end; start && text[start - 1] != '\n'; start--)
		;
	snprintf(buf, len, "%.*s", (int)(end - start), text + start);
}

/* Quotes a failed step's last lines in run.log. */
static void quote_tail(const char *what, const char *tail)
{
	char copy[MP_CHILD_TAIL_MAX + 1], *save = NULL;
	size_t n = 0, skip;

	for (const char *p = tail; *p; p++)
		n += *p == '\n';
	if (!n) {
		mp_warn("%s printed nothing", what);
		return;
	}
	skip = n > MP_CONSOLE_QUOTE_LINES ? n - MP_CONSOLE_QUOTE_LINES : 0;
	mp_warn("%s, its last %zu line%s:", what, n - skip, n - skip == 1 ? "" : "s");
	snprintf(copy, sizeof(copy), "%s", tail);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (skip)
			skip--;
		else
			mp_warn("  | %s", line);
}

static void on_build_done(int status, const char *out, const char *tail, void *arg)
{
	struct sweep *sw = arg;
	char why[512], last[256], what[128];

	(void)out;
	sw->child_running = 0;
	if (sw->stopping) {
		mp_sweep_next(sw);
		return;
	}
	if (status != 0) {
		/* This version cannot be measured; the others still can. */
		snprintf(what, sizeof(what), "build step %zu for version %s", sw->build_step,
			 sw->plan->versions[sw->version]);
		quote_tail(what, tail);
		last_line(tail, last, sizeof(last));
		snprintf(why, sizeof(why), "%s failed: it %s%s%s; see run.log for its output", what,
			 mp_child_status_text(status), last[0] ? "; its last line: " : "", last);
		mp_sweep_skip_version(sw, why);
		return;
	}
	mp_sweep_next(sw);
}

void mp_sweep_build_step(struct sweep *sw, size_t i)
{
	char **argv;
	int rc;

	if (i == 0) {
		mp_sweep_set_workdir(sw);
		if (sw->workdir[0] && (rc = mp_mkdir_p(sw->workdir)) < 0) {
			mp_sweep_fatal(sw, MP_EXIT_ENV, "cannot create the build directory %s: %s",
				       sw->workdir, mp_strerror(rc));
			return;
		}
	}
	argv = expand_cmd(sw, &sw->plan->build_steps[i], NULL, NULL);
	if (!argv) {
		mp_sweep_fatal(sw, MP_EXIT_USAGE, "build step %zu: cannot expand its templates", i + 1);
		return;
	}
	mp_info("version %s: build step %zu/%zu", sw->plan->versions[sw->version], i + 1,
		sw->plan->nbuild_steps);
	sw->child_running = 1;
	rc = mp_child_run(&sw->loop, argv, sw->plan->build_timeout_ns, on_build_done, sw);
	free_argv(argv);
	if (rc < 0) {
		sw->child_running = 0;
		mp_sweep_fatal(sw, MP_EXIT_ENV, "cannot run build step %zu: %s", i + 1,
			       mp_strerror(rc));
	}
}

int mp_sweep_set_kernel(struct sweep *sw)
{
	const char *tmpl = mp_plan_kernel(sw->plan, sw->version);
	char *k = NULL, var[64];
	int rc;

	sw->kernel[0] = '\0';
	sw->kernel_err[0] = '\0';
	rc = mp_sweep_expand(sw, tmpl, NULL, NULL, &k);
	if (rc == -ENOENT && mp_template_unset_env(tmpl, var, sizeof(var)))
		snprintf(sw->kernel_err, sizeof(sw->kernel_err), "the DUT kernel of version %s "
			 "(%s) uses the environment variable %s, which is not set",
			 sw->plan->versions[sw->version], tmpl, var);
	else if (rc < 0)
		snprintf(sw->kernel_err, sizeof(sw->kernel_err), "the DUT kernel of version %s "
			 "(%s) cannot be expanded: %s", sw->plan->versions[sw->version], tmpl,
			 mp_strerror(rc));
	else if (strlen(k) >= sizeof(sw->kernel))
		snprintf(sw->kernel_err, sizeof(sw->kernel_err), "the DUT kernel's path of "
			 "version %s is too long", sw->plan->versions[sw->version]);
	else
		snprintf(sw->kernel, sizeof(sw->kernel), "%s", k);
	free(k);
	return sw->kernel_err[0] ? -1 : 0;
}

/* The SHA-256 of `path` in hex, and its size; 0 or a negative errno. */
static int file_sha256(const char *path, char hex[2 * crypto_hash_sha256_BYTES + 1],
		       long long *bytes)
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], md[crypto_hash_sha256_BYTES];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	*bytes = 0;
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		crypto_hash_sha256_update(&st, buf, n);
		*bytes += (long long)n;
	}
	n = (size_t)ferror(f);
	fclose(f);
	if (n)
		return -EIO;
	crypto_hash_sha256_final(&st, md);
	sodium_bin2hex(hex, 2 * crypto_hash_sha256_BYTES + 1, md, sizeof(md));
	return 0;
}

/* A DUT config that boots {kernel}: the kernel must be there. Says why
 * not in `why`, naming the version; records the kernel's provenance. */
static int check_kernel(struct sweep *sw, char *why, size_t len)
{
	const char *v = sw->plan->versions[sw->version];
	int prebuilt = mp_plan_prebuilt(sw->plan, sw->version);
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	long long bytes = 0;
	int rc;

	if (sw->kernel_err[0]) {
		snprintf(why, len, "%s", sw->kernel_err);
		return -ENOEXEC;
	}
	rc = access(sw->kernel, R_OK) == 0 ? file_sha256(sw->kernel, hex, &bytes) : -errno;
	if (rc < 0) {
		snprintf(why, len, "the DUT kernel of version %s, %s, cannot be read: %s (%s)", v,
			 sw->kernel, mp_strerror(rc), prebuilt ? "the plan gives it in versions" :
			 sw->plan->nbuild_steps ? "the build steps did not leave it there: "
			 "domains.dut.kernel says where they do" : "domains.dut.kernel says where "
			 "it is");
		return -ENOEXEC;
	}
	mp_out_set_kernel(sw->out, v, sw->kernel, bytes, hex, prebuilt);
	mp_info("version %s: DUT kernel %s (%lld bytes, sha256 %.16s...)%s", v, sw->kernel,
		bytes, hex, prebuilt ? ", prebuilt" : "");
	return 0;
}

/* Renders the domain's config template into RUN_DIR/domains/. -ENOEXEC
 * when the DUT's kernel cannot be used, with why. */
static int render_config(struct sweep *sw, enum mp_dom dom, char *path, size_t len,
			 char *why, size_t whylen)
{
	const struct mp_plan_domain *d = &sw->plan->domains[dom];
	char *cfgpath = NULL, *text = NULL, *out = NULL, dir[PATH_MAX];
	FILE *f;
	size_t n;
	int rc;

	if ((rc = mp_sweep_expand(sw, d->config, NULL, d->name, &cfgpath)) < 0)
		return rc;
	f = fopen(cfgpath, "r");
	free(cfgpath);
	if (!f)
		return -errno;
	text = malloc(CONFIG_MAX + 2);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	/* One byte more than allowed tells a config too large from one that fits. */
	n = fread(text, 1, CONFIG_MAX + 1, f);
	rc = ferror(f) ? -EIO : n > CONFIG_MAX ? -EFBIG : 0;
	fclose(f);
	if (rc < 0) {
		free(text);
		return rc;
	}
	text[n] = '\0';
	if (dom == MP_DOM_DUT && strstr(text, "{kernel}") &&
	    (rc = check_kernel(sw, why, whylen)) < 0) {
		free(text);
		return rc;
	}
	rc = mp_sweep_expand(sw, text, NULL, d->name, &out);
	free(text);
	if (rc < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s/domains", mp_out_dir(sw->out));
	if ((rc = mp_mkdir_p(dir)) < 0) {
		free(out);
		return rc;
	}
	if (mp_pathf(path, len, "%s/%s-%zu.cfg", dir, mp_dom_name(dom), sw->version) < 0) {
		free(out);
		return -ENAMETOOLONG;
	}
	f = fopen(path, "w");
	if (!f) {
		rc = -errno;
		free(out);
		return rc;
	}
	fputs(out, f);
	free(out);
	return fclose(f) == 0 ? 0 : -errno;
}

struct dom_op {
	struct sweep *sw;
	enum mp_dom dom;
};

static void on_created(int status, const char *out, const char *tail, void *arg)
{
	struct dom_op *op = arg;
	struct sweep *sw = op->sw;
	enum mp_dom dom = op->dom;

	(void)out;
	free(op);
	sw->child_running = 0;
	/* Killed (its timeout, or our SIGTERM on the first SIGINT), a create
	 * may have made the domain half way (seen on the Xen VM: a paused
	 * traff-gen left behind, and the next create refused its name): it is
	 * destroyed as if created, by cleanup or before a re-creation. */
	if (status == 0 || status == -ETIMEDOUT || sw->stopping)
		sw->created[dom] = 1;
	if (sw->stopping) {
		mp_sweep_next(sw);
		return;
	}
	if (status != 0 && dom == MP_DOM_DUT) {
		char what[MP_CHILD_TAIL_MAX + 128], last[256];

		quote_tail("the toolstack's create", tail);
		last_line(tail, last, sizeof(last));
		snprintf(what, sizeof(what), "could not be created: the toolstack %s%s%s",
			 mp_child_status_text(status), last[0] ? ": " : "", last);
		mp_sweep_dut_boot_failed(sw, what);
		return;
	}
	if (status != 0) {
		quote_tail("the toolstack's create", tail);
		mp_sweep_fatal(sw, MP_EXIT_FAIL, "the toolstack could not create %s: it %s; "
			       "see run.log for its output", sw->plan->domains[dom].name,
			       mp_child_status_text(status));
		return;
	}
	/* xenstore may have said it is up before the toolstack returned: the
	 * log says what happened, in that order. */
	if (sw->up[dom])
		mp_info("domain %s created (xenstore said it was up before the toolstack returned)",
			sw->plan->domains[dom].name);
	else
		mp_info("domain %s created; waiting for it in xenstore", sw->plan->domains[dom].name);
	mp_sweep_next(sw);
}

void mp_sweep_create(struct sweep *sw, enum mp_dom dom)
{
	char path[PATH_MAX], kwhy[PATH_MAX + 512], **argv;
	struct dom_op *op;
	int rc;

	if (dom == MP_DOM_DUT && !sw->workdir[0])
		mp_sweep_set_workdir(sw);
	sw->up[dom] = 0;
	rc = render_config(sw, dom, path, sizeof(path), kwhy, sizeof(kwhy));
	if (rc == -ENOEXEC) {
		mp_sweep_skip_version(sw, kwhy);
		return;
	}
	if (rc < 0) {
		char why[128] = "";

		if (rc == -EFBIG)
			snprintf(why, sizeof(why), " (a domain config template is at most %d KiB)",
				 CONFIG_MAX_KIB);
		else if (rc == -EINVAL)
			snprintf(why, sizeof(why), " (a template in it: an unknown variable, or a "
				 "brace of its own, written {{ or }}, comments too)");
		mp_sweep_fatal(sw, MP_EXIT_USAGE, "cannot render the %s config %s: %s%s",
			       mp_dom_name(dom), sw->plan->domains[dom].config, mp_strerror(rc), why);
		return;
	}
	argv = expand_cmd(sw, &sw->plan->toolstack_create, path, sw->plan->domains[dom].name);
	op = malloc(sizeof(*op));
	if (!argv || !op) {
		free_argv(argv);
		free(op);
		mp_sweep_fatal(sw, MP_EXIT_ENV, "out of memory");
		return;
	}
	op->sw = sw;
	op->dom = dom;
	mp_info("creating domain %s", sw->plan->domains[dom].name);
	mp_sweep_console_start(sw, dom);
	if (dom == MP_DOM_DUT)
		sw->dut_phases = 0;
	sw->child_running = 1;
	rc = mp_child_run(&sw->loop, argv, sw->plan->toolstack_timeout_ns, on_created, op);
	free_argv(argv);
	if (rc < 0) {
		sw->child_running = 0;
		free(op);
		mp_sweep_fatal(sw, MP_EXIT_ENV, "cannot run the toolstack: %s", mp_strerror(rc));
	}
}

static void destroy_not_started(struct sweep *sw, enum mp_dom dom, const char *why);

static void on_destroyed(int status, const char *out, const char *tail, void *arg)
{
	struct dom_op *op = arg;
	struct sweep *sw = op->sw;
	enum mp_dom dom = op->dom;

	(void)out;
	(void)tail;
	sw->child_running = 0;
	if (status < 0 && status != -ETIMEDOUT) {
		/* the command never ran (not found, not executable) */
		free(op);
		destroy_not_started(sw, dom, mp_child_status_text(status));
		return;
	}
	if (status != 0)
		mp_warn("the toolstack could not destroy %s: it %s; remove it by hand "
			"(xl destroy, or mir-perf-testbed down on the testbed)",
			sw->plan->domains[op->dom].name, mp_child_status_text(status));
	sw->created[op->dom] = 0;
	sw->up[op->dom] = 0;
	free(op);
	mp_sweep_next(sw);
}

/* The destroy command could not even start: the domain may still run. Say
 * so and what to do; the run stops (or, in cleanup, ends non-zero) rather
 * than go on as if the domain had gone. */
static void destroy_not_started(struct sweep *sw, enum mp_dom dom, const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "cannot destroy domain %s: %s; it may still run: remove "
		 "it by hand (xl destroy, or mir-perf-testbed down on the testbed)",
		 sw->plan->domains[dom].name, why);
	sw->created[dom] = 0;           /* cleanup does not try again */
	if (!sw->stopping) {
		mp_sweep_fatal(sw, MP_EXIT_ENV, "%s", msg);
		return;
	}
	mp_err("%s", msg);
	if (sw->exit_code == MP_EXIT_OK)
		sw->exit_code = MP_EXIT_ENV;
	mp_sweep_next(sw);
}

void mp_sweep_destroy(struct sweep *sw, enum mp_dom dom)
{
	struct dom_op *op = malloc(sizeof(*op));
	char **argv;
	int rc;

	argv = expand_cmd(sw, &sw->plan->toolstack_destroy, NULL, sw->plan->domains[dom].name);
	if (!argv || !op) {
		free_argv(argv);
		free(op);
		destroy_not_started(sw, dom, !op ? "out of memory" :
				    "its toolstack.destroy command cannot be expanded");
		return;
	}
	op->sw = sw;
	op->dom = dom;
	mp_info("destroying domain %s", sw->plan->domains[dom].name);
	/* The domain is going: its release is not a crash. */
	sw->up[dom] = 0;
	sw->child_running = 1;
	rc = mp_child_run(&sw->loop, argv, sw->plan->toolstack_timeout_ns, on_destroyed, op);
	free_argv(argv);
	if (rc < 0) {
		sw->child_running = 0;
		free(op);
		destroy_not_started(sw, dom, mp_strerror(rc));
	}
}

/* Second interrupt: destroy synchronously, without the loop. */
void mp_sweep_destroy_sync(struct sweep *sw)
{
	for (int d = 0; d < MP_DOM_COUNT; d++) {
		char **argv;

		if (!sw->created[d])
			continue;
		argv = expand_cmd(sw, &sw->plan->toolstack_destroy, NULL,
				  sw->plan->domains[d].name);
		if (argv && mp_run_status(argv, sw->plan->toolstack_timeout_ns / MP_NS_PER_MS) != 0)
			mp_warn("could not destroy %s", sw->plan->domains[d].name);
		free_argv(argv);
	}
}
