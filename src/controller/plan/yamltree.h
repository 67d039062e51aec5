/* A bounded YAML document tree for the plan loader: libyaml's event parser
 * builds mappings, sequences and scalars with their positions. Aliases and
 * anchors are refused outright (so nothing can expand without bound), and
 * so are documents nested deeper than MP_YT_MAX_DEPTH, holding more than
 * MP_YT_MAX_NODES nodes, or longer than MP_YT_MAX_BYTES. Duplicate mapping
 * keys are errors. */
#ifndef MP_YAMLTREE_H
#define MP_YAMLTREE_H

#include <stddef.h>

#define MP_YT_MAX_DEPTH 16
#define MP_YT_MAX_NODES 100000
#define MP_YT_MAX_BYTES (1024 * 1024)

enum mp_yt_type { MP_YT_SCALAR, MP_YT_MAP, MP_YT_SEQ };

struct mp_yt {
	enum mp_yt_type type;
	unsigned line, col;          /* 1-based */
	char *value;                 /* scalar text */
	int quoted;                  /* scalar was quoted (never a number/null) */
	struct mp_yt **items;        /* SEQ: items; MAP: values */
	struct mp_yt **keys;         /* MAP: keys (scalars) */
	size_t n;
};

/* Parses `text`. Returns the root (a NULL root for an empty document) with
 * 1 in *ok, or NULL with *err set ("line:col: message", 1-based) and in *ok
 * 0 (invalid document) or -ENOMEM (out of memory). */
struct mp_yt *mp_yt_parse(const char *text, size_t len, int *ok, char *err, size_t errlen,
			  unsigned *eline, unsigned *ecol);
void mp_yt_free(struct mp_yt *n);

/* The value of `key` in a mapping, or NULL. */
struct mp_yt *mp_yt_get(const struct mp_yt *map, const char *key);

#endif
