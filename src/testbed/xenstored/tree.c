/* The in-memory xenstore tree (see tree.h). Children are a small array per
 * node searched linearly: a testbed holds a few hundred nodes. */
#include "testbed/xenstored/tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


static struct mp_xsd_node *node_new(const char *name, size_t nlen,
				    const char *perms, uint32_t plen)
{
	struct mp_xsd_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = malloc(nlen + 1);
	n->perms = malloc(plen);
	if (!n->name || !n->perms) {
		free(n->name);
		free(n->perms);
		free(n);
		return NULL;
	}
	memcpy(n->name, name, nlen);
	n->name[nlen] = '\0';
	memcpy(n->perms, perms, plen);
	n->plen = plen;
	return n;
}

static void node_free(struct mp_xsd_node *n)
{
	for (uint32_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->value);
	free(n->perms);
	free(n);
}

static size_t count_nodes(const struct mp_xsd_node *n)
{
	size_t c = 1;

	for (uint32_t i = 0; i < n->nkids; i++)
		c += count_nodes(n->kids[i]);
	return c;
}

int mp_xsd_tree_init(struct mp_xsd_tree *t, uint64_t *gen)
{
	t->gen = gen;
	t->root = node_new("", 0, MP_XSD_PERMS_DEFAULT, sizeof(MP_XSD_PERMS_DEFAULT));
	if (!t->root)
		return -ENOMEM;
	t->root->gen = ++*gen;
	t->nnodes = 1;
	return 0;
}

void mp_xsd_tree_free(struct mp_xsd_tree *t)
{
	if (t->root)
		node_free(t->root);
	t->root = NULL;
	t->nnodes = 0;
}

static struct mp_xsd_node *node_clone(const struct mp_xsd_node *s,
				      struct mp_xsd_node *parent)
{
	struct mp_xsd_node *n = node_new(s->name, strlen(s->name), s->perms, s->plen);

	if (!n)
		return NULL;
	n->parent = parent;
	n->gen = s->gen;
	if (s->vlen) {
		n->value = malloc(s->vlen);
		if (!n->value)
			goto fail;
		memcpy(n->value, s->value, s->vlen);
		n->vlen = s->vlen;
	}
	if (s->nkids) {
		n->kids = calloc(s->nkids, sizeof(*n->kids));
		if (!n->kids)
			goto fail;
		n->kcap = s->nkids;
		for (uint32_t i = 0; i < s->nkids; i++) {
			n->kids[i] = node_clone(s->kids[i], n);
			if (!n->kids[i])
				goto fail;
			n->nkids++;
		}
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

int mp_xsd_tree_clone(struct mp_xsd_tree *dst, const struct mp_xsd_tree *src)
{
	dst->gen = src->gen;
	dst->nnodes = src->nnodes;
	dst->root = node_clone(src->root, NULL);
	return dst->root ? 0 : -ENOMEM;
}

static struct mp_xsd_node *child(const struct mp_xsd_node *n, const char *name,
				 size_t len)
{
	for (uint32_t i = 0; i < n->nkids; i++)
		if (strncmp(n->kids[i]->name, name, len) == 0 &&
		    n->kids[i]->name[len] == '\0')
			return n->kids[i];
	return NULL;
}

/* Walks `path`; stops at the deepest existing node. *rest points at the
 * first missing component (NULL when the whole path exists). */
static struct mp_xsd_node *walk(const struct mp_xsd_tree *t, const char *path,
				const char **rest)
{
	struct mp_xsd_node *n = t->root;
	const char *p = path;

	*rest = NULL;
	while (*p == '/')
		p++;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		struct mp_xsd_node *c = child(n, p, len);

		if (!c) {
			*rest = p;
			return n;
		}
		n = c;
		p += len;
		while (*p == '/')
			p++;
	}
	return n;
}

struct mp_xsd_node *mp_xsd_tree_lookup(const struct mp_xsd_tree *t, const char *path)
{
	const char *rest;
	struct mp_xsd_node *n = walk(t, path, &rest);

	return rest ? NULL : n;
}

uint64_t mp_xsd_tree_gen(const struct mp_xsd_tree *t, const char *path)
{
	struct mp_xsd_node *n = mp_xsd_tree_lookup(t, path);

	return n ? n->gen : 0;
}

static int add_child(struct mp_xsd_tree *t, struct mp_xsd_node *parent,
		     const char *name, size_t len, struct mp_xsd_node **out)
{
	struct mp_xsd_node *n;

	if (parent->nkids == parent->kcap) {
		uint32_t cap = parent->kcap ? parent->kcap * 2 : 4;
		struct mp_xsd_node **k = realloc(parent->kids, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		parent->kids = k;
		parent->kcap = cap;
	}
	n = node_new(name, len, parent->perms, parent->plen);
	if (!n)
		return -ENOMEM;
	n->parent = parent;
	n->gen = ++*t->gen;
	parent->kids[parent->nkids++] = n;
	parent->gen = ++*t->gen;
	t->nnodes++;
	*out = n;
	return 0;
}

/* The node at `path`, created with its parents when missing. */
static int ensure(struct mp_xsd_tree *t, const char *path,
		  struct mp_xsd_node **out, bool *created)
{
	const char *rest;
	struct mp_xsd_node *n = walk(t, path, &rest);

	*created = rest != NULL;
	while (rest && *rest) {
		const char *e = strchr(rest, '/');
		size_t len = e ? (size_t)(e - rest) : strlen(rest);
		int rc = add_child(t, n, rest, len, &n);

		if (rc < 0)
			return rc;
		rest += len;
		while (*rest == '/')
			rest++;
	}
	*out = n;
	return 0;
}

int mp_xsd_tree_write(struct mp_xsd_tree *t, const char *path,
		      const void *value, uint32_t vlen)
{
	struct mp_xsd_node *n;
	char *v = NULL;
	bool created;
	int rc;

	if (vlen) {
		v = malloc(vlen);
		if (!v)
			return -ENOMEM;
		memcpy(v, value, vlen);
	}
	rc = ensure(t, path, &n, &created);
	if (rc < 0) {
		free(v);
		return rc;
	}
	free(n->value);
	n->value = v;
	n->vlen = vlen;
	n->gen = ++*t->gen;
	return 0;
}

int mp_xsd_tree_mkdir(struct mp_xsd_tree *t, const char *path, bool *created)
{
	struct mp_xsd_node *n;
	bool c;
	int rc = ensure(t, path, &n, &c);

	if (created)
		*created = c;
	return rc;
}

int mp_xsd_tree_rm(struct mp_xsd_tree *t, const char *path)
{
	struct mp_xsd_node *n = mp_xsd_tree_lookup(t, path), *p;

	if (!n)
		return -ENOENT;
	if (!n->parent)
		return -EINVAL;
	p = n->parent;
	for (uint32_t i = 0; i < p->nkids; i++) {
		if (p->kids[i] == n) {
			memmove(&p->kids[i], &p->kids[i + 1],
				(p->nkids - i - 1) * sizeof(*p->kids));
			p->nkids--;
			break;
		}
	}
	p->gen = ++*t->gen;
	t->nnodes -= count_nodes(n);
	node_free(n);
	return 0;
}

int mp_xsd_tree_set_perms(struct mp_xsd_tree *t, const char *path,
			  const char *perms, uint32_t plen)
{
	struct mp_xsd_node *n = mp_xsd_tree_lookup(t, path);
	char *p;

	if (!n)
		return -ENOENT;
	p = malloc(plen);
	if (!p)
		return -ENOMEM;
	memcpy(p, perms, plen);
	free(n->perms);
	n->perms = p;
	n->plen = plen;
	n->gen = ++*t->gen;
	return 0;
}
