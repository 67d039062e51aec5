/* The hooks of the keys that set a run up (hooks.h): the run's and the
 * domains' names, the versions, the build steps, the roles, discovery's
 * methods, the agent's engine. */
#include "controller/plan/keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/engines.h"
#include "controller/plan/hooks.h"
#include "controller/plan/internal.h"

#define BUILD_STEPS_MAX 64

/* The run's and the domains' names, the kernel, the engine. */

void mp__pk_run_name_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			   const struct mp_yt *v, const struct mp_yt *parent)
{
	(void)k, (void)parent;
	if (!mp__plan_word(c->plan->name, 64, 0))
		mp__perr(c, v, "name \"%s\" is not valid (it names the run directory); expected "
			 "1-64 of A-Z a-z 0-9 . _ -, not starting with - or .", c->plan->name);
}

void mp__pk_domain_name_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			      const struct mp_yt *v, const struct mp_yt *parent)
{
	const char *name = *(char **)((char *)c->plan + k->off);

	(void)parent;
	if (!mp__plan_word(name, MP_PLAN_MAX_DOMAIN_NAME, 0))
		mp__perr(c, v, "domain name \"%s\" is not valid; expected 1-%d of A-Z a-z 0-9 . _ -",
			 name, MP_PLAN_MAX_DOMAIN_NAME);
}

void mp__pk_dut_kernel_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			     const struct mp_yt *v, const struct mp_yt *parent)
{
	(void)parent;
	if (strstr(c->plan->dut_kernel, "{kernel}"))
		mp__perr(c, v, "%s cannot use {kernel}: it is what {kernel} stands for", k->path);
}

int mp__pk_engine_default(const struct mp_plan_key *k, struct mp_plan *p)
{
	(void)k;
	p->agent_engine = strdup(mp_engines[MP_ENGINE_AUTO].name);
	return p->agent_engine ? 0 : -ENOMEM;
}

void mp__pk_engine_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
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

int mp__pk_versions_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
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

void mp__pk_versions_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
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

int mp__pk_steps_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
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

void mp__pk_steps_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < p->nbuild_steps; i++) {
		if (i)
			fputs(", ", f);
		mp__pw_cmd(f, &p->build_steps[i]);
	}
	fputc(']', f);
}

/* roles.*: {domain, vif}; the row's arg is the role. */

int mp__pk_role_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
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

void mp__pk_role_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	const struct mp_plan_vif *vif = &p->roles[k->arg];

	fprintf(f, "{domain: %s, vif: %u}", mp_dom_name(vif->domain), vif->devid);
}

int mp__pk_receiver_has(const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	return p->has_receiver;
}

/* discovery.methods */

int mp__pk_methods_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
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

void mp__pk_methods_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fprintf(f, "[%s%s%s]", p->discover_dhcp ? "dhcp" : "",
		p->discover_dhcp && p->discover_xenstore ? ", " : "",
		p->discover_xenstore ? "xenstore" : "");
}
