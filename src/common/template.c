#include "common/template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64

struct buf {
	char *s;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > MP_TEMPLATE_MAX)
		return -E2BIG;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Walks `tmpl`; for each "{name}" calls `var` which returns its value or
 * NULL when unknown. *at gets the offset of an error. */
typedef const char *(*lookup_fn)(const char *name, size_t len, const void *ctx);

/* "env:NAME" with a valid NAME: returns NAME's length, else 0. */
static size_t env_name(const char *name, size_t len)
{
	size_t plen = strlen(MP_TEMPLATE_ENV), n = len - plen;

	if (len <= plen || memcmp(name, MP_TEMPLATE_ENV, plen) != 0 ||
	    n > MP_TEMPLATE_ENV_NAME_MAX || (name[plen] >= '0' && name[plen] <= '9'))
		return 0;
	for (size_t i = plen; i < len; i++)
		if (!(name[i] == '_' || (name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return n;
}

/* The value of "{env:NAME}", or NULL when unset; *bad when the name is
 * not one. */
static const char *env_value(const char *name, size_t len, int *bad)
{
	char var[MP_TEMPLATE_ENV_NAME_MAX + 1];
	size_t n = env_name(name, len);

	*bad = !n;
	if (!n)
		return NULL;
	memcpy(var, name + strlen(MP_TEMPLATE_ENV), n);
	var[n] = '\0';
	return getenv(var);
}

static int walk(const char *tmpl, lookup_fn var, const void *ctx, struct buf *out,
		size_t *at)
{
	const char *p = tmpl;
	int rc = 0;

	while (*p && rc == 0) {
		const char *brace = strpbrk(p, "{}");

		if (!brace) {
			rc = out ? buf_add(out, p, strlen(p)) : 0;
			break;
		}
		if (out && (rc = buf_add(out, p, (size_t)(brace - p))) < 0)
			break;
		if (brace[0] == brace[1]) {         /* "{{" or "}}" */
			if (out)
				rc = buf_add(out, brace, 1);
			p = brace + 2;
			continue;
		}
		if (*brace == '}') {
			*at = (size_t)(brace - tmpl);
			return -EINVAL;
		}
		const char *end = strchr(brace + 1, '}');
		const char *val;

		if (!end || end == brace + 1 || (size_t)(end - brace - 1) > NAME_MAX_LEN ||
		    memchr(brace + 1, '{', (size_t)(end - brace - 1))) {
			*at = (size_t)(brace - tmpl);
			return -EINVAL;
		}
		if (!strncmp(brace + 1, MP_TEMPLATE_ENV, strlen(MP_TEMPLATE_ENV))) {
			int bad;

			val = env_value(brace + 1, (size_t)(end - brace - 1), &bad);
			if (bad || (!val && out)) {
				*at = (size_t)(brace - tmpl);
				return bad ? -ENOENT : -ENXIO;
			}
			val = val ? val : "";
		} else {
			val = var(brace + 1, (size_t)(end - brace - 1), ctx);
		}
		if (!val) {
			*at = (size_t)(brace - tmpl);
			return -ENOENT;
		}
		if (out)
			rc = buf_add(out, val, strlen(val));
		p = end + 1;
	}
	return rc;
}

struct vars {
	const struct mp_template_var *v;
	size_t n;
};

static const char *lookup_var(const char *name, size_t len, const void *ctx)
{
	const struct vars *vs = ctx;

	for (size_t i = 0; i < vs->n; i++)
		if (strlen(vs->v[i].name) == len && memcmp(vs->v[i].name, name, len) == 0)
			return vs->v[i].value ? vs->v[i].value : "";
	return NULL;
}

int mp_template_expand(const char *tmpl, const struct mp_template_var *vars,
		       size_t nvars, char **out)
{
	struct vars vs = { vars, nvars };
	struct buf b = { 0 };
	size_t at = 0;
	int rc;

	*out = NULL;
	rc = buf_add(&b, "", 0);
	if (rc == 0)
		rc = walk(tmpl, lookup_var, &vs, &b, &at);
	if (rc < 0) {
		free(b.s);
		return rc == -ENOENT ? -EINVAL : rc == -ENXIO ? -ENOENT : rc;
	}
	*out = b.s;
	return 0;
}

int mp_template_unset_env(const char *tmpl, char *name, size_t len)
{
	for (const char *p = tmpl; (p = strstr(p, "{" MP_TEMPLATE_ENV)); p++) {
		const char *end = strchr(p, '}');
		int bad;

		if (p > tmpl && p[-1] == '{')
			continue;               /* "{{env:": a literal brace */
		if (!end || env_value(p + 1, (size_t)(end - p - 1), &bad) || bad)
			continue;
		snprintf(name, len, "%.*s", (int)(end - p - 1 - strlen(MP_TEMPLATE_ENV)),
			 p + 1 + strlen(MP_TEMPLATE_ENV));
		return 1;
	}
	return 0;
}

struct names {
	const char *const *n;
	size_t count;
};

static const char *lookup_name(const char *name, size_t len, const void *ctx)
{
	const struct names *ns = ctx;

	for (size_t i = 0; i < ns->count; i++)
		if (strlen(ns->n[i]) == len && memcmp(ns->n[i], name, len) == 0)
			return "";
	return NULL;
}

int mp_template_check(const char *tmpl, const char *const *names, size_t nnames,
		      size_t *at, char *msg, size_t msglen)
{
	struct names ns = { names, nnames };
	size_t pos = 0, used = 0;
	int rc;

	rc = walk(tmpl, lookup_name, &ns, NULL, &pos);
	if (rc == 0)
		return 0;
	*at = pos;
	if (rc == -ENOENT) {
		const char *end = strchr(tmpl + pos, '}');
		int n = snprintf(msg, msglen, "unknown variable %.*s; known:",
				 (int)(end - tmpl - pos + 1), tmpl + pos);

		used = n > 0 ? (size_t)n : 0;
		for (size_t i = 0; i < nnames && used < msglen; i++) {
			n = snprintf(msg + used, msglen - used, " {%s}", names[i]);
			used += n > 0 ? (size_t)n : 0;
		}
		if (used < msglen)
			snprintf(msg + used, msglen - used, " {" MP_TEMPLATE_ENV "NAME}");
	} else {
		snprintf(msg, msglen, "unbalanced brace in template; write {{ or }} for a literal brace");
	}
	return -EINVAL;
}
