/* Reading one value of a plan (value.h). */
#include "controller/plan/value.h"

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
#include "common/err.h"
#include "common/template.h"
#include "controller/plan/internal.h"

#define RANGE_FILE_MAX (64 * 1024)
#define TEXT_MAX 4096                  /* longest string value */
#define CMD_ARGS_MAX 256

const char *const mp_plan_template_vars[MP_TVAR_COUNT] = {
	[MP_TVAR_VERSION] = "version", [MP_TVAR_LIBRARY] = "library",
	[MP_TVAR_REPO] = "repo", [MP_TVAR_WORKDIR] = "workdir",
	[MP_TVAR_RUN_DIR] = "run_dir", [MP_TVAR_BIN_DIR] = "bin_dir",
	[MP_TVAR_CFG_DIR] = "cfg_dir", [MP_TVAR_SRC_DIR] = "src_dir",
	[MP_TVAR_CONFIG] = "config", [MP_TVAR_NAME] = "name",
	[MP_TVAR_KERNEL] = "kernel",
};

void mp__perr_at(struct mp_plan_ctx *c, const char *file, unsigned line, unsigned col,
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


/* An allocation failed: said once, and the load fails with -ENOMEM. */
int mp__plan_nomem(struct mp_plan_ctx *c, const struct mp_yt *n)
{
	if (!c->oom)
		mp__perr(c, n, "out of memory loading the plan");
	c->oom = 1;
	return -1;
}

static const char *type_name(const struct mp_yt *n)
{
	return n->type == MP_YT_MAP ? "a mapping" : n->type == MP_YT_SEQ ? "a list" : "a value";
}

/* Checks that every key of `map` is in the NULL-terminated `allowed`. */
int mp__plan_check_map(struct mp_plan_ctx *c, const struct mp_yt *map, const char *what,
		       const char *const *allowed)
{
	int ok = 1;

	if (map->type != MP_YT_MAP) {
		mp__perr(c, map, "%s must be a mapping, not %s", what, type_name(map));
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
		mp__perr(c, map->keys[i], "unknown key \"%s\" in %s; expected one of: %s",
			 map->keys[i]->value, what, list);
		ok = 0;
	}
	return ok;
}

const struct mp_yt *mp__pv_scalar(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what)
{
	if (n->type != MP_YT_SCALAR) {
		mp__perr(c, n, "%s must be a single value, not %s", what, type_name(n));
		return NULL;
	}
	if (strlen(n->value) > TEXT_MAX) {
		mp__perr(c, n, "%s is longer than %d characters", what, TEXT_MAX);
		return NULL;
	}
	return n;
}

int mp__pv_string(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what, char **out)
{
	if (!mp__pv_scalar(c, n, what))
		return -1;
	if (!n->quoted && (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
			   strcmp(n->value, "null") == 0)) {
		mp__perr(c, n, "%s is empty; expected a value", what);
		return -1;
	}
	if (n->value[0] == '\0') {
		mp__perr(c, n, "%s is empty; expected a value", what);
		return -1;
	}
	free(*out);
	*out = strdup(n->value);
	return *out ? 0 : mp__plan_nomem(c, n);
}

int mp__pv_template(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what)
{
	char msg[512];
	size_t at = 0;

	if (mp_template_check(n->value, mp_plan_template_vars, MP_TVAR_COUNT,
			      &at, msg, sizeof(msg)) == 0)
		return 0;
	mp__perr_at(c, c->file, n->line, n->col + (n->quoted ? 1 : 0) + (unsigned)at,
		    "%s: %s", what, msg);
	return -1;
}

int mp__pv_uint(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!mp__pv_scalar(c, n, what))
		return -1;
	errno = 0;
	v = strtoull(n->value, &end, 10);
	if (n->quoted || !isdigit((unsigned char)n->value[0]) || *end || errno) {
		mp__perr(c, n, "%s must be a whole number, not \"%s\"", what, n->value);
		return -1;
	}
	if (v < min || v > max) {
		mp__perr(c, n, "%s %llu is out of range; expected %llu..%llu", what, v,
			 (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* true or false, unquoted. */
int mp__pv_bool(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what, int *out)
{
	if (!mp__pv_scalar(c, n, what))
		return -1;
	if (!n->quoted && (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0)) {
		*out = n->value[0] == 't';
		return 0;
	}
	mp__perr(c, n, "%s must be true or false, not \"%s\"", what, n->value);
	return -1;
}

int mp__pv_duration(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		    uint64_t min_ns, uint64_t *out)
{
	uint64_t ns;
	char minb[32];

	if (!mp__pv_scalar(c, n, what))
		return -1;
	if (mp_duration_parse(n->value, &ns) < 0) {
		mp__perr(c, n, "%s \"%s\" is not a duration; expected a number and a unit "
			 "(ms, s, m), e.g. 10s or 100ms", what, n->value);
		return -1;
	}
	if (min_ns == MP_PV_ZERO_OK)
		min_ns = 0;
	else if (ns < min_ns || ns == 0) {
		mp_duration_format(min_ns ? min_ns : 1000000, minb, sizeof(minb));
		mp__perr(c, n, "%s %s is too short; expected at least %s", what, n->value, minb);
		return -1;
	}
	if (ns > 24ULL * 3600 * MP_NS_PER_SEC) {
		mp__perr(c, n, "%s %s is too long; expected at most 24h", what, n->value);
		return -1;
	}
	*out = ns;
	return 0;
}

int mp__plan_word(const char *s, size_t max, int allow_slash)
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
int mp__pv_path(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		int must_exist, char **out)
{
	char *s = NULL, buf[PATH_MAX];

	if (mp__pv_string(c, n, what, &s) < 0)
		return -1;
	if (strpbrk(s, "{}")) {
		if (mp__pv_template(c, n, what) < 0) {
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
			return mp__plan_nomem(c, n);
	}
	if (must_exist && access(s, R_OK) != 0) {
		mp__perr(c, n, "%s %s: %s; expected a readable file (relative paths start "
			 "from the plan's directory)", what, s, mp_strerror(errno));
		free(s);
		return -1;
	}
	free(*out);
	*out = s;
	return 0;
}

int mp__pv_cmd(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what, struct mp_cmd *cmd)
{
	if (n->type != MP_YT_SEQ || n->n == 0) {
		mp__perr(c, n, "%s must be a non-empty list of arguments, e.g. [xl, create, \"{config}\"]",
			 what);
		return -1;
	}
	if (n->n > CMD_ARGS_MAX) {
		mp__perr(c, n, "%s has more than %d arguments", what, CMD_ARGS_MAX);
		return -1;
	}
	mp_plan_cmd_free(cmd);
	cmd->argv = calloc(n->n + 1, sizeof(char *));
	if (!cmd->argv)
		return mp__plan_nomem(c, n);
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *a = n->items[i];

		if (!mp__pv_scalar(c, a, "a command argument"))
			return -1;
		if (mp__pv_template(c, a, what) < 0)
			return -1;
		cmd->argv[i] = strdup(a->value);
		cmd->argc++;
		if (!cmd->argv[i])
			return mp__plan_nomem(c, a);
	}
	return 0;
}

/* "traffic.sizes_file": whitespace-separated integers, as the old script's
 * cfg/range-psz and cfg/range-pps. Errors point into that file. */
int mp__pv_range_file(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		      uint64_t min, uint64_t max, uint64_t **vals, size_t *nvals,
		      size_t limit)
{
	char *path = NULL, *text;
	FILE *f;
	size_t len;
	unsigned line = 1, col = 1;
	int rc = 0;

	if (mp__pv_path(c, n, what, 1, &path) < 0)
		return -1;
	if (strpbrk(path, "{}")) {
		mp__perr(c, n, "%s cannot use templates; give a path", what);
		free(path);
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		mp__perr(c, n, "%s %s: %s", what, path, mp_strerror(errno));
		free(path);
		return -1;
	}
	text = malloc(RANGE_FILE_MAX + 1);
	len = text ? fread(text, 1, RANGE_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!text || len > RANGE_FILE_MAX) {
		if (!text)
			mp__plan_nomem(c, n);
		else
			mp__perr(c, n, "%s %s is larger than %d bytes", what, path, RANGE_FILE_MAX);
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
			mp__perr_at(c, path, line, col, "expected whitespace-separated whole numbers");
			rc = -1;
		} else if (v < min || v > max) {
			mp__perr_at(c, path, line, col, "%llu is out of range; expected %llu..%llu",
				    v, (unsigned long long)min, (unsigned long long)max);
			rc = -1;
		} else if (*nvals == limit) {
			mp__perr_at(c, path, line, col, "more than %zu values", limit);
			rc = -1;
		} else {
			uint64_t *nv = realloc(*vals, (*nvals + 1) * sizeof(*nv));

			if (!nv) {
				rc = mp__plan_nomem(c, n);
				break;
			}
			*vals = nv;
			nv[(*nvals)++] = v;
		}
		col += (unsigned)(end - p);
		p = end > p ? end : p + 1;
	}
	if (rc == 0 && *nvals == 0) {
		mp__perr_at(c, path, 1, 1, "no values; expected whitespace-separated whole numbers");
		rc = -1;
	}
	free(text);
	free(path);
	return rc;
}

/* A list of numbers in min..max, none twice; `word` (when not NULL), an
 * unquoted scalar, stands for the value 0. */
int mp__pv_list(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		uint64_t min, uint64_t max, uint64_t **vals, size_t *nvals, size_t limit,
		const char *word)
{
	if (n->type != MP_YT_SEQ || n->n == 0) {
		mp__perr(c, n, "%s must be a non-empty list of numbers, e.g. [60, 1500]", what);
		return -1;
	}
	if (n->n > limit) {
		mp__perr(c, n, "%s has more than %zu values", what, limit);
		return -1;
	}
	*vals = calloc(n->n, sizeof(uint64_t));
	if (!*vals)
		return mp__plan_nomem(c, n);
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *it = n->items[i];

		if (word && it->type == MP_YT_SCALAR && !it->quoted && !strcmp(it->value, word))
			(*vals)[i] = 0;
		else if (mp__pv_uint(c, it, what, min, max, &(*vals)[i]) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if ((*vals)[j] == (*vals)[i]) {
				mp__perr(c, it, "%s %s is listed twice", what, it->value);
				return -1;
			}
		}
		(*nvals)++;
	}
	return 0;
}

/* A percentage: "0.5%", or a bare 0. Bare numbers other than 0 are refused
 * as ambiguous (a ratio or a percentage?). */
int mp__pv_pct(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what, int zero_ok,
	       double max, double *out)
{
	char *end;
	double v;

	if (!mp__pv_scalar(c, n, what))
		return -1;
	errno = 0;
	v = strtod(n->value, &end);
	if (n->quoted || end == n->value || errno || !isfinite(v) ||
	    !(isdigit((unsigned char)n->value[0]) || n->value[0] == '.') ||
	    !(strcmp(end, "%") == 0 || (*end == '\0' && v == 0))) {
		mp__perr(c, n, "%s \"%s\" is not a percentage; expected e.g. 0.5%%%s", what,
			 n->value, zero_ok ? " or 0" : "");
		return -1;
	}
	if ((v == 0 && !zero_ok) || v > max) {
		mp__perr(c, n, "%s %s is out of range; expected %s%g%%", what, n->value,
			 zero_ok ? "0%.." : "more than 0% and at most ", max);
		return -1;
	}
	*out = v;
	return 0;
}