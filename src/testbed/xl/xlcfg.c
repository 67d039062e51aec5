#include "testbed/xl/xlcfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

struct lex {
	const char *p;
	unsigned line;
};

static void skip_space(struct lex *l)
{
	for (;;) {
		if (*l->p == '#') {
			while (*l->p && *l->p != '\n')
				l->p++;
		} else if (*l->p == '\n') {
			l->line++;
			l->p++;
		} else if (isspace((unsigned char)*l->p)) {
			l->p++;
		} else {
			return;
		}
	}
}

static int string(struct lex *l, char *out, size_t len)
{
	char q = *l->p;
	size_t n = 0;

	if (q != '"' && q != '\'')
		return -1;
	l->p++;
	while (*l->p && *l->p != q && *l->p != '\n') {
		if (n + 1 < len)
			out[n++] = *l->p;
		l->p++;
	}
	if (*l->p != q)
		return -1;
	l->p++;
	out[n] = '\0';
	return 0;
}

static int vif_spec(const char *spec, struct mp_xl_vif *v, char *err, size_t errlen)
{
	char buf[512], *save = NULL;

	memset(v, 0, sizeof(*v));
	snprintf(v->bridge, sizeof(v->bridge), "xenbr0");
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		uint8_t mac[MP_MAC_LEN];

		while (isspace((unsigned char)*kv))
			kv++;
		if (!eq) {
			snprintf(err, errlen, "vif setting \"%s\" is not key=value", kv);
			return -1;
		}
		*eq++ = '\0';
		if (strcmp(kv, "mac") == 0) {
			if (mp_mac_parse(eq, mac) < 0) {
				snprintf(err, errlen, "vif mac \"%s\" is not a MAC address", eq);
				return -1;
			}
			mp_mac_format(mac, v->mac);
		} else if (strcmp(kv, "bridge") == 0 || strcmp(kv, "vifname") == 0) {
			char *dst = kv[0] == 'b' ? v->bridge : v->vifname;

			if (!*eq || strlen(eq) >= IFNAMSIZ || strpbrk(eq, "/ \t")) {
				snprintf(err, errlen, "vif %s \"%s\" is not an interface name", kv, eq);
				return -1;
			}
			snprintf(dst, IFNAMSIZ, "%s", eq);
		} else {
			mp_info("vif setting %s ignored (the testbed does not use it)", kv);
		}
	}
	return 0;
}

/* Copies src into dst; -1 when it does not fit. */
static int copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		return -1;
	memcpy(dst, src, len + 1);
	return 0;
}

int mp_xl_cfg_parse(const char *text, struct mp_xl_cfg *cfg, char *err, size_t errlen)
{
	struct lex l = { text, 1 };
	char msg[256];

	memset(cfg, 0, sizeof(*cfg));
	for (;;) {
		char key[64];
		size_t n = 0;
		unsigned line;

		skip_space(&l);
		if (!*l.p)
			break;
		line = l.line;
		while ((isalnum((unsigned char)*l.p) || *l.p == '_') && n + 1 < sizeof(key))
			key[n++] = *l.p++;
		key[n] = '\0';
		while (*l.p == ' ' || *l.p == '\t')
			l.p++;
		if (!n || *l.p != '=') {
			snprintf(err, errlen, "%u: expected KEY = VALUE", line);
			return -EINVAL;
		}
		l.p++;
		skip_space(&l);
		if (*l.p == '[') {
			l.p++;
			for (;;) {
				char item[512];

				skip_space(&l);
				if (*l.p == ']') {
					l.p++;
					break;
				}
				if (string(&l, item, sizeof(item)) < 0) {
					snprintf(err, errlen, "%u: expected a quoted string in the list", l.line);
					return -EINVAL;
				}
				if (strcmp(key, "vif") == 0) {
					if (cfg->nvifs == MP_XL_MAX_VIFS) {
						snprintf(err, errlen, "%u: more than %d vifs", l.line,
							 MP_XL_MAX_VIFS);
						return -EINVAL;
					}
					if (vif_spec(item, &cfg->vifs[cfg->nvifs], msg, sizeof(msg)) < 0) {
						snprintf(err, errlen, "%u: %s", l.line, msg);
						return -EINVAL;
					}
					cfg->nvifs++;
				}
				skip_space(&l);
				if (*l.p == ',')
					l.p++;
			}
			if (strcmp(key, "vif") != 0)
				mp_info("%s ignored (the testbed does not use it)", key);
		} else {
			char value[1024];

			if (string(&l, value, sizeof(value)) < 0) {
				/* numbers and bare words: read to end of line */
				size_t m = 0;

				while (*l.p && *l.p != '\n' && *l.p != '#' && m + 1 < sizeof(value))
					value[m++] = *l.p++;
				value[m] = '\0';
			}
			int rc = 0;

			if (strcmp(key, "name") == 0)
				rc = copy(cfg->name, sizeof(cfg->name), value);
			else if (strcmp(key, "kernel") == 0)
				rc = copy(cfg->kernel, sizeof(cfg->kernel), value);
			else if (strcmp(key, "extra") == 0)
				rc = copy(cfg->extra, sizeof(cfg->extra), value);
			else
				mp_info("%s ignored (the testbed does not use it)", key);
			if (rc < 0) {
				snprintf(err, errlen, "%u: %s is too long", line, key);
				return -EINVAL;
			}
		}
	}
	if (!cfg->name[0]) {
		snprintf(err, errlen, "%u: no name = \"...\"", l.line);
		return -EINVAL;
	}
	for (const char *p = cfg->name; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.') {
			snprintf(err, errlen, "1: name \"%s\" is not valid (A-Z a-z 0-9 - _ .)",
				 cfg->name);
			return -EINVAL;
		}
	}
	if (!cfg->kernel[0]) {
		snprintf(err, errlen, "%u: no kernel = \"...\" (the program the domain runs)", l.line);
		return -EINVAL;
	}
	return 0;
}
