/* Loading and validating sweep plans (plan.h). The YAML document is parsed
 * into a bounded tree (yamltree.c) and walked against the key table
 * (keys.c); every problem is reported at its node as
 * "PLAN:LINE:COLUMN: message". */
#include "controller/plan/plan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mac.h"
#include "common/traffic.h"
#include "controller/plan/internal.h"
#include "controller/plan/keys.h"
#include "controller/plan/value.h"
#include "controller/plan/yamltree.h"

#define IFNAME_MAX (IFNAMSIZ_PLAN - 1)

static void load_map(struct mp_plan_ctx *c, const struct mp_plan_key *map,
		     const struct mp_yt *n);

static void store_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case sizeof(uint16_t): *(uint16_t *)field = (uint16_t)v; break;
	case sizeof(uint32_t): *(uint32_t *)field = (uint32_t)v; break;
	default: *(uint64_t *)field = v; break;
	}
}

/* One of the row's names ("recreate or stop"). */
static void load_enum(struct mp_plan_ctx *c, const struct mp_plan_key *k, const char *what,
		      const struct mp_yt *v, int *field)
{
	char list[256] = "";
	size_t n = 0;

	if (!mp__pv_scalar(c, v, what))
		return;
	for (n = 0; k->names[n]; n++)
		if (strcmp(k->names[n], v->value) == 0) {
			*field = (int)n;
			return;
		}
	for (size_t i = 0; i < n; i++) {
		strncat(list, i == 0 ? "" : i + 1 == n ? " or " : ", ",
			sizeof(list) - strlen(list) - 1);
		strncat(list, k->names[i], sizeof(list) - strlen(list) - 1);
	}
	mp__perr(c, v, "%s \"%s\" is not known; expected %s", what, v->value, list);
}

void mp__pk_load(struct mp_plan_ctx *c, const struct mp_plan_key *k, const struct mp_yt *v,
		 const struct mp_yt *parent)
{
	char *field = mp_pk_base(k, c->plan);
	const char *what = k->what ? k->what : k->path;
	char **text;
	int before = c->errors;
	uint8_t mac[MP_MAC_LEN];
	struct in_addr a;
	uint64_t x;

	if (k->type == MP_PK_MAP) {
		load_map(c, k, v);
		return;
	}
	if (!field)
		return;
	field += k->off;
	text = (char **)field;
	switch (k->type) {
	case MP_PK_MAP:
		break;
	case MP_PK_TEXT:
		mp__pv_string(c, v, what, text);
		break;
	case MP_PK_TEMPLATE:
		if (mp__pv_string(c, v, what, text) == 0)
			mp__pv_template(c, v, what);
		break;
	case MP_PK_PATH:
		mp__pv_path(c, v, what, !!(k->flags & MP_PK_EXISTS), text);
		break;
	case MP_PK_IPV4:
		if (mp__pv_string(c, v, what, text) == 0 && inet_pton(AF_INET, *text, &a) != 1)
			mp__perr(c, v, "%s \"%s\" is not an IPv4 address", what, *text);
		break;
	case MP_PK_IFNAME:
		if (mp__pv_string(c, v, what, text) == 0 && !mp__plan_word(*text, IFNAME_MAX, 0))
			mp__perr(c, v, "%s \"%s\" is not an interface name", what, *text);
		break;
	case MP_PK_MAC:
		if (mp__pv_string(c, v, what, text) == 0 && mp_mac_parse(*text, mac) < 0)
			mp__perr(c, v, "%s \"%s\" is not a MAC address; expected xx:xx:xx:xx:xx:xx",
				 what, *text);
		break;
	case MP_PK_UINT:
		if (mp__pv_uint(c, v, what, k->min, k->max, &x) == 0)
			store_uint(field, k->size, x);
		break;
	case MP_PK_BOOL:
		mp__pv_bool(c, v, what, (int *)field);
		break;
	case MP_PK_DURATION:
		mp__pv_duration(c, v, what, k->flags & MP_PK_ZERO_OK ? MP_PV_ZERO_OK : k->min,
				(uint64_t *)field);
		break;
	case MP_PK_PCT:
		mp__pv_pct(c, v, what, !!(k->flags & MP_PK_ZERO_OK), (double)k->max, (double *)field);
		break;
	case MP_PK_ENUM:
		load_enum(c, k, what, v, (int *)field);
		break;
	case MP_PK_CMD:
		mp__pv_cmd(c, v, what, (struct mp_cmd *)field);
		break;
	case MP_PK_CUSTOM:
		k->load(c, k, v, parent);
		break;
	}
	if (c->errors == before && k->check)
		k->check(c, k, v, parent);
}

/* A mapping: its keys are the rows directly under `map` (NULL: the plan's
 * top), read in the table's order; then the mapping's own checks. */
static void load_map(struct mp_plan_ctx *c, const struct mp_plan_key *map,
		     const struct mp_yt *n)
{
	const char *allowed[MP_PK_MAX_KEYS];
	size_t nallowed = 0;

	for (size_t i = 0; i < mp_plan_nkeys; i++)
		if (mp_pk_child_of(&mp_plan_keys[i], map))
			allowed[nallowed++] = mp_pk_name(&mp_plan_keys[i]);
	allowed[nallowed] = NULL;
	if (!mp__plan_check_map(c, n, map ? map->path : "the plan", allowed))
		return;
	if (map && map->load && map->load(c, map, n, NULL) < 0)
		return;
	for (size_t i = 0; i < mp_plan_nkeys; i++) {
		const struct mp_plan_key *k = &mp_plan_keys[i];
		const struct mp_yt *v;

		if (!mp_pk_child_of(k, map))
			continue;
		if ((v = mp_yt_get(n, mp_pk_name(k))))
			mp__pk_load(c, k, v, n);
		else if (k->required)
			mp__perr(c, n, "%s", k->required);
	}
	if (map && map->check)
		map->check(c, map, n, NULL);
}

int mp__pk_defaults(struct mp_plan *p, enum mp_pk_base b)
{
	struct mp_plan_ctx c = { .file = "the plan's defaults", .dir = "/", .plan = p };

	for (size_t i = 0; i < mp_plan_nkeys; i++) {
		const struct mp_plan_key *k = &mp_plan_keys[i];
		char err[256];
		unsigned line, col;
		struct mp_yt *v;
		int ok;

		if (k->base != b || k->type == MP_PK_MAP)
			continue;
		if (k->def_fn && k->def_fn(k, p) < 0)
			return -ENOMEM;
		if (!k->def)
			continue;
		v = mp_yt_parse(k->def, strlen(k->def), &ok, err, sizeof(err), &line, &col);
		if (ok < 0)
			return -ENOMEM;
		if (ok == 1 && v)
			mp__pk_load(&c, k, v, NULL);
		mp_yt_free(v);
		if (c.oom)
			return -ENOMEM;
		if (ok != 1 || !v || c.errors) {
			fprintf(stderr, "mir-perf: the default of plan key %s, %s, does not load "
				"(a bug in src/controller/plan/keys.c)\n", k->path, k->def);
			return -EINVAL;
		}
	}
	return 0;
}

static void check_whole(struct mp_plan_ctx *c, const struct mp_yt *root)
{
	struct mp_plan *p = c->plan;

	if (strcmp(p->domains[MP_DOM_DUT].name, p->domains[MP_DOM_TRAFFGEN].name) == 0)
		mp__perr(c, root, "the dut and traffgen domains have the same name \"%s\"",
			 p->domains[MP_DOM_DUT].name);
	if (!p->discover_dhcp && !p->discover_xenstore && !p->pinned_address)
		mp__perr(c, root, "discovery has no method and no address");
	if (p->roles[MP_ROLE_GENERATOR].devid == p->roles[MP_ROLE_CONTROL].devid)
		mp__perr(c, root, "roles: generator and control are the same vif");
	if (p->roles[MP_ROLE_DUT_IN].devid == p->roles[MP_ROLE_DUT_OUT].devid)
		mp__perr(c, root, "roles: dut_in and dut_out are the same vif");
	if (p->tcp && !p->has_receiver)
		mp__perr(c, root, "traffic.tcp needs roles.receiver: the traff-gen's vif on bridge if2, "
			 "the receiving side that only the DUT joins to the data side (e.g. "
			 "receiver: {domain: traffgen, vif: 2})");
	if (p->has_receiver && (p->roles[MP_ROLE_RECEIVER].devid == p->roles[MP_ROLE_GENERATOR].devid ||
				p->roles[MP_ROLE_RECEIVER].devid == p->roles[MP_ROLE_CONTROL].devid))
		mp__perr(c, root, "roles: receiver must be a vif of its own (the traff-gen's third, "
			 "on bridge if2), not the generator's or the control vif");
}

static int load_tree(struct mp_plan_ctx *c, const struct mp_yt *root)
{
	if (!root) {
		mp__perr_at(c, c->file, 1, 1, "the plan is empty; expected at least name, library, "
			    "versions and traffic");
		return -EINVAL;
	}
	load_map(c, NULL, root);
	if (c->errors == 0)
		check_whole(c, root);
	return c->errors ? -EINVAL : 0;
}

int mp_plan_load_string(const char *text, size_t len, const char *name,
			const char *dir, FILE *errf, struct mp_plan **out)
{
	struct mp_plan_ctx c = { .file = name, .dir = dir, .errf = errf };
	char err[512];
	unsigned line, col;
	struct mp_yt *root;
	int ok, rc;

	*out = NULL;
	root = mp_yt_parse(text, len, &ok, err, sizeof(err), &line, &col);
	if (ok != 1) {
		mp__perr_at(&c, name, line, col, "%s", err);
		return ok < 0 ? ok : -EINVAL;
	}
	c.plan = mp_plan_defaults(name, dir);
	if (!c.plan) {
		mp__perr_at(&c, name, 1, 1, "out of memory loading the plan");
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
	struct mp_plan_ctx c = { .file = "command line", .dir = cfg_dir, .errf = errf, .plan = p };
	struct mp_yt psz = { .type = MP_YT_SCALAR, .line = 1, .col = 1, .value = "range-psz" };
	struct mp_yt pps = { .type = MP_YT_SCALAR, .line = 1, .col = 1, .value = "range-pps" };
	uint64_t *sizes = NULL, *rates = NULL;
	size_t nsizes = 0, nrates = 0;

	if (!mp__plan_word(library, 64, 0)) {
		mp__perr_at(&c, c.file, 1, 1, "library \"%s\" is not a library name; expected "
			    "A-Z a-z 0-9 . _ -", library);
		return -EINVAL;
	}
	if (version && !mp__plan_word(version, 64, 1)) {
		mp__perr_at(&c, c.file, 1, 1, "version \"%s\" is not a commit, tag or branch name",
			    version);
		return -EINVAL;
	}
	if (mp__pv_range_file(&c, &psz, "sizes (cfg/range-psz)", MP_FRAME_MIN, MP_FRAME_MAX,
			      &sizes, &nsizes, MP_PLAN_MAX_SIZES) < 0 ||
	    mp__pv_range_file(&c, &pps, "rates (cfg/range-pps)", 1, MP_PLAN_MAX_RATE,
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
	mp__perr_at(&c, c.file, 1, 1, "out of memory");
	free(sizes);
	free(rates);
	return -ENOMEM;
}
