/* The plan's keys, described once: one table (keys.c) of every key a plan
 * may hold, in the order they are read and written, each with its type, the
 * field it fills, its default, its range or allowed values and a one-line
 * help. The loader walks a plan against it (unknown keys are errors, and
 * their message lists the table's keys), the defaults are its defaults read
 * as a plan would be, the effective plan (plan.yaml) is written from it with
 * each help as a comment, and a test checks that docs/plan.md lists exactly
 * its keys.
 *
 * To add a plan key: its field (plan.h), its row in keys.c where it should
 * stand, and its line in docs/plan.md. A value that is more than one scalar
 * of a known type (a list of maps, a value with a special word) gives its
 * row a load and a write hook (hooks.h). Not a public interface. */
#ifndef MP_PLAN_KEYS_H
#define MP_PLAN_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "controller/plan/value.h"

enum mp_pk_type {
	MP_PK_MAP,        /* a mapping of the keys whose path continues this one */
	MP_PK_TEXT,       /* char *, non-empty; NULL: not given (not written) */
	MP_PK_TEMPLATE,   /* char *, a template ("{run_dir}/build/{version}") */
	MP_PK_PATH,       /* char *, a file relative to the plan, or a template */
	MP_PK_IPV4,       /* char *, dotted quad */
	MP_PK_IFNAME,     /* char *, an interface name */
	MP_PK_MAC,        /* char *, xx:xx:xx:xx:xx:xx */
	MP_PK_UINT,       /* an unsigned field of any width, min..max */
	MP_PK_BOOL,       /* int */
	MP_PK_DURATION,   /* uint64_t ns; at least min (0: any positive) */
	MP_PK_PCT,        /* double, a percentage up to max */
	MP_PK_ENUM,       /* int, an index into names */
	MP_PK_CMD,        /* struct mp_cmd */
	MP_PK_CUSTOM,     /* the row's load and write hooks */
};

/* The struct a row's field is in. */
enum mp_pk_base { MP_PK_PLAN, MP_PK_SEARCH, MP_PK_TCP };

enum mp_pk_flags {
	MP_PK_EXISTS = 1,     /* PATH: a file must be readable when loading */
	MP_PK_ZERO_OK = 2,    /* DURATION, PCT: zero allowed */
	MP_PK_NO_WRITE = 4,   /* not in the effective plan (another key holds it) */
};

struct mp_plan_key;

/* A MAP's load runs before its keys are read (a section that needs its
 * struct made, as traffic.search) and returns < 0 to skip them; a CUSTOM's
 * reads the value. `parent` is the mapping the key is in. */
typedef int mp_pk_load_fn(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			  const struct mp_yt *v, const struct mp_yt *parent);
/* After a value was read without error (a MAP: after its keys): the checks
 * that look at more than the value. */
typedef void mp_pk_check_fn(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			    const struct mp_yt *v, const struct mp_yt *parent);
/* CUSTOM: writes the value, in flow style, after "key: ". */
typedef void mp_pk_write_fn(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p);
/* Whether the key is in the effective plan (NULL: always, a text when set). */
typedef int mp_pk_has_fn(const struct mp_plan_key *k, const struct mp_plan *p);
/* Sets the default in code (one the table cannot spell as plan text). */
typedef int mp_pk_default_fn(const struct mp_plan_key *k, struct mp_plan *p);

struct mp_plan_key {
	const char *path;            /* "traffic.tcp.port"; a MAP's keys follow it */
	enum mp_pk_type type;
	enum mp_pk_base base;
	size_t off, size;            /* the field in its base struct */
	unsigned flags;              /* enum mp_pk_flags */
	const char *def;             /* the default as plan text, read like a plan's
				      * value; NULL: none (or def_fn) */
	uint64_t min, max;           /* UINT: the range; DURATION: min ns; PCT: max % */
	const char *const *names;    /* ENUM: the values by index, NULL-terminated */
	const char *what;            /* how messages name the key; NULL: the path */
	const char *required;        /* the error when its mapping lacks it */
	const char *help;            /* one line */
	int arg;                     /* the hooks' own parameter (a role) */
	mp_pk_load_fn *load;
	mp_pk_check_fn *check;
	mp_pk_write_fn *write;
	mp_pk_has_fn *has;
	mp_pk_default_fn *def_fn;
};

/* More than the table holds: a bound for lists of keys. */
#define MP_PK_MAX_KEYS 128

extern const struct mp_plan_key mp_plan_keys[];
extern const size_t mp_plan_nkeys;

/* The key's last part ("port" of "traffic.tcp.port"), and its depth (0 at
 * the top of the plan). */
const char *mp_pk_name(const struct mp_plan_key *k);
unsigned mp_pk_depth(const struct mp_plan_key *k);
/* Whether `k` is directly inside MAP row `map` (NULL: the plan's top). */
int mp_pk_child_of(const struct mp_plan_key *k, const struct mp_plan_key *map);
/* The struct holding k's field in plan `p`: p, p->search or p->tcp (NULL
 * when that section is absent). */
void *mp_pk_base(const struct mp_plan_key *k, const struct mp_plan *p);
/* The row called `path`, or NULL. */
const struct mp_plan_key *mp_pk_find(const char *path);

/* Loading (load.c): reads value `v` of key `k` into c->plan. */
void mp__pk_load(struct mp_plan_ctx *c, const struct mp_plan_key *k, const struct mp_yt *v,
		 const struct mp_yt *parent);
/* Sets the defaults of every key with base `b` in `p` (whose section must
 * exist). 0, -ENOMEM, or -EINVAL when a default does not load (a bug:
 * said on stderr). */
int mp__pk_defaults(struct mp_plan *p, enum mp_pk_base b);

/* Writing (write.c), for the hooks: a YAML double-quoted scalar, a command
 * as a flow list of quoted words ("[\"make\", \"-j2\"]"), and a list of
 * frame sizes ("[60, imix]"). */
void mp__pw_quoted(FILE *f, const char *s);
void mp__pw_cmd(FILE *f, const struct mp_cmd *cmd);
void mp__pw_sizes(FILE *f, const unsigned *sizes, size_t n);

#endif
