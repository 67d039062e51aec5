/* A bounded YAML document tree for the plan loader, over libyaml's events (yamltree.h). */
#include "controller/plan/yamltree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct builder {
	yaml_parser_t parser;
	size_t nodes;
	char *err;
	size_t errlen;
	unsigned eline, ecol;
	int oom;                     /* an allocation failed */
};

static void fail(struct builder *b, unsigned line, unsigned col, const char *fmt, const char *arg)
{
	b->eline = line;
	b->ecol = col;
	snprintf(b->err, b->errlen, fmt, arg ? arg : "");
}

static void nomem(struct builder *b)
{
	b->oom = 1;
	fail(b, 0, 0, "out of memory%s", NULL);
}

static struct mp_yt *node_new(struct builder *b, enum mp_yt_type type, const yaml_mark_t *m)
{
	struct mp_yt *n;

	if (++b->nodes > MP_YT_MAX_NODES) {
		fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
		     "the document has too many nodes%s; a plan needs far fewer", NULL);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		nomem(b);
		return NULL;
	}
	n->type = type;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

void mp_yt_free(struct mp_yt *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		mp_yt_free(n->items[i]);
		if (n->keys)
			mp_yt_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->value);
	free(n);
}

static int push(struct mp_yt *parent, struct mp_yt *key, struct mp_yt *item)
{
	struct mp_yt **items = realloc(parent->items, (parent->n + 1) * sizeof(*items));

	if (!items)
		return -1;
	parent->items = items;
	if (parent->type == MP_YT_MAP) {
		struct mp_yt **keys = realloc(parent->keys, (parent->n + 1) * sizeof(*keys));

		if (!keys)
			return -1;
		parent->keys = keys;
		keys[parent->n] = key;
	}
	items[parent->n++] = item;
	return 0;
}

/* Parses one node whose first event is `ev` (consumed by the caller). */
static struct mp_yt *parse_node(struct builder *b, yaml_event_t *ev, unsigned depth)
{
	struct mp_yt *n = NULL;
	const yaml_mark_t *m = &ev->start_mark;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
		     "aliases are not supported%s; write the value out", NULL);
		return NULL;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor) {
			fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
			     "anchors are not supported%s; write the value out", NULL);
			return NULL;
		}
		if (!(n = node_new(b, MP_YT_SCALAR, m)))
			return NULL;
		n->value = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		if (!n->value || strlen(n->value) != ev->data.scalar.length) {
			if (n->value)
				fail(b, n->line, n->col, "a NUL byte inside a value%s", NULL);
			else
				nomem(b);
			mp_yt_free(n);
			return NULL;
		}
		return n;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int is_map = ev->type == YAML_MAPPING_START_EVENT;
		const yaml_char_t *anchor = is_map ? ev->data.mapping_start.anchor :
			ev->data.sequence_start.anchor;

		if (anchor) {
			fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
			     "anchors are not supported%s; write the value out", NULL);
			return NULL;
		}
		if (depth >= MP_YT_MAX_DEPTH) {
			fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
			     "nesting too deep%s; a plan has at most a few levels", NULL);
			return NULL;
		}
		if (!(n = node_new(b, is_map ? MP_YT_MAP : MP_YT_SEQ, m)))
			return NULL;
		for (;;) {
			yaml_event_t e;
			struct mp_yt *key = NULL, *val;

			if (!yaml_parser_parse(&b->parser, &e))
				goto syntax;
			if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&e);
				return n;
			}
			if (is_map) {
				key = parse_node(b, &e, depth + 1);
				yaml_event_delete(&e);
				if (!key)
					goto bad;
				if (key->type != MP_YT_SCALAR) {
					fail(b, key->line, key->col, "a key must be a plain word%s", NULL);
					mp_yt_free(key);
					goto bad;
				}
				if (mp_yt_get(n, key->value)) {
					fail(b, key->line, key->col, "duplicate key \"%s\"", key->value);
					mp_yt_free(key);
					goto bad;
				}
				if (!yaml_parser_parse(&b->parser, &e)) {
					mp_yt_free(key);
					goto syntax;
				}
			}
			val = parse_node(b, &e, depth + 1);
			yaml_event_delete(&e);
			if (val && push(n, key, val) < 0)
				nomem(b);
			if (!val || b->oom) {
				mp_yt_free(key);
				mp_yt_free(val);
				goto bad;
			}
		}
	}
	default:
		fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
		     "unexpected YAML structure%s", NULL);
		return NULL;
	}
syntax:
	fail(b, (unsigned)b->parser.problem_mark.line + 1,
	     (unsigned)b->parser.problem_mark.column + 1, "YAML syntax error: %s",
	     b->parser.problem);
bad:
	mp_yt_free(n);
	return NULL;
}

struct mp_yt *mp_yt_parse(const char *text, size_t len, int *ok, char *err, size_t errlen,
			  unsigned *eline, unsigned *ecol)
{
	struct builder b = { .err = err, .errlen = errlen };
	struct mp_yt *root = NULL;
	yaml_event_t ev;
	int done = 0, state = 0;   /* 0 before doc, 1 in doc, 2 after doc */

	*ok = 0;
	*eline = *ecol = 0;
	if (len > MP_YT_MAX_BYTES) {
		snprintf(err, errlen, "the file is larger than %d bytes; a plan is far smaller",
			 MP_YT_MAX_BYTES);
		*eline = *ecol = 1;
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		const char *z = memchr(text, '\0', len);
		unsigned line = 1, col = 1;

		for (const char *p = text; p < z; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		snprintf(err, errlen, "a NUL byte in the file; a plan is text");
		*eline = line;
		*ecol = col;
		return NULL;
	}
	yaml_parser_initialize(&b.parser);
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&b.parser, &ev)) {
			fail(&b, (unsigned)b.parser.problem_mark.line + 1,
			     (unsigned)b.parser.problem_mark.column + 1, "YAML syntax error: %s",
			     b.parser.problem);
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (state == 2) {
				fail(&b, (unsigned)ev.start_mark.line + 1,
				     (unsigned)ev.start_mark.column + 1,
				     "a second YAML document%s; a plan is one document", NULL);
				yaml_event_delete(&ev);
				goto out;
			}
			state = 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			state = 2;
			break;
		case YAML_STREAM_START_EVENT:
			break;
		default:
			root = parse_node(&b, &ev, 0);
			if (!root) {
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		}
		yaml_event_delete(&ev);
	}
	*ok = 1;
out:
	yaml_parser_delete(&b.parser);
	if (b.oom)
		*ok = -ENOMEM;
	if (*ok != 1) {
		mp_yt_free(root);
		root = NULL;
		*eline = b.eline ? b.eline : 1;
		*ecol = b.ecol ? b.ecol : 1;
	}
	return root;
}

struct mp_yt *mp_yt_get(const struct mp_yt *map, const char *key)
{
	if (!map || map->type != MP_YT_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i] && strcmp(map->keys[i]->value, key) == 0)
			return map->items[i];
	return NULL;
}
