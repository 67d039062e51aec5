/* The in-memory xenstore tree.
 *
 * Every node has a value (bytes, may be empty), a permission list (the
 * textual form xenstored sends: NUL-terminated entries such as "n0",
 * back to back), its children in creation order, and a generation number
 * taken from a counter shared by every tree of one daemon (the live tree
 * and the snapshots transactions work on). A node's generation changes when
 * its value, permissions or list of children change; an absent node has
 * generation 0. Paths given to these functions are canonical (path.h). */
#ifndef MP_XSD_TREE_H
#define MP_XSD_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mp_xsd_node {
	char *name;                      /* last component; "" for the root */
	char *value;
	uint32_t vlen;
	char *perms;                     /* "n0\0" style entries */
	uint32_t plen;
	uint64_t gen;
	struct mp_xsd_node *parent;
	struct mp_xsd_node **kids;
	uint32_t nkids, kcap;
};

struct mp_xsd_tree {
	struct mp_xsd_node *root;
	uint64_t *gen;                   /* the shared generation counter */
	size_t nnodes;
};

/* The root's permissions, inherited by nodes created below it. */
#define MP_XSD_PERMS_DEFAULT "n0"

/* Creates an empty tree ("/" only, permissions "n0"). 0 or -ENOMEM. */
int mp_xsd_tree_init(struct mp_xsd_tree *t, uint64_t *gen);
/* Frees every node. */
void mp_xsd_tree_free(struct mp_xsd_tree *t);
/* A deep copy of `src` into `dst` (same generations). 0 or -ENOMEM. */
int mp_xsd_tree_clone(struct mp_xsd_tree *dst, const struct mp_xsd_tree *src);

/* The node at `path`, or NULL. */
struct mp_xsd_node *mp_xsd_tree_lookup(const struct mp_xsd_tree *t, const char *path);
/* Generation of the node at `path`, 0 when absent. */
uint64_t mp_xsd_tree_gen(const struct mp_xsd_tree *t, const char *path);

/* Sets the value of `path`, creating it and its missing parents (new nodes
 * get their parent's permissions and an empty value). 0 or -ENOMEM. */
int mp_xsd_tree_write(struct mp_xsd_tree *t, const char *path,
		      const void *value, uint32_t vlen);
/* Creates `path` and its parents if missing; *created says whether it did
 * (may be NULL). 0 or -ENOMEM. */
int mp_xsd_tree_mkdir(struct mp_xsd_tree *t, const char *path, bool *created);
/* Removes `path` and everything below it. 0, -ENOENT, or -EINVAL for the
 * root. */
int mp_xsd_tree_rm(struct mp_xsd_tree *t, const char *path);
/* Replaces the permissions of `path` (plen bytes of NUL-terminated
 * entries, already validated). 0, -ENOENT or -ENOMEM. */
int mp_xsd_tree_set_perms(struct mp_xsd_tree *t, const char *path,
			  const char *perms, uint32_t plen);

#endif
