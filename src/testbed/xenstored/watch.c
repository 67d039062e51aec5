/* Watches: registration, removal and event delivery. An event is a
 * WATCH_EVENT message (req_id and tx_id 0) carrying "path\0token\0"; a
 * watch registered with a relative path gets relative event paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testbed/xenstored/internal.h"

void mp_xsd_watch_fire_one(struct mp_xsd_conn *conn, const struct mp_xsd_watch *w,
			   const char *path)
{
	struct mp_xsd_msg m;
	struct xsd_sockmsg hdr = { .type = XS_WATCH_EVENT };

	if (w->relative)
		path = mp_xsd_path_relative(path);
	mp_xsd_reply_init(&m, &hdr);
	if (mp_xsd_reply_str(&m, path) < 0 || mp_xsd_reply_str(&m, w->token) < 0)
		return;   /* cannot happen: WATCH bounds path + token */
	mp_xsd_conn_send(conn, &m);
}

int mp_xsd_watch_add(struct mp_xsd_conn *conn, const char *path,
		     const char *token)
{
	char canon[MP_XSD_PATH_BUF];
	struct mp_xsd_watch *w, **tail;
	bool rel;
	int rc = mp_xsd_path_canon(path, true, canon, &rel);

	if (rc < 0)
		return rc;
	/* the event must fit a message: the path as the client sees it */
	if (strlen(rel ? path : canon) + strlen(token) + 2 > MP_XSD_PAYLOAD_MAX)
		return -E2BIG;
	for (tail = &conn->watches; *tail; tail = &(*tail)->next)
		if (strcmp((*tail)->path, canon) == 0 &&
		    strcmp((*tail)->token, token) == 0)
			return -EEXIST;
	if (conn->nwatches >= MP_XSD_WATCHES_MAX)
		return -E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = strdup(canon);
	w->token = strdup(token);
	w->relative = rel;
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return -ENOMEM;
	}
	*tail = w;
	conn->nwatches++;
	return 0;
}

static void watch_free(struct mp_xsd_watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

int mp_xsd_watch_del(struct mp_xsd_conn *conn, const char *path,
		     const char *token)
{
	char canon[MP_XSD_PATH_BUF];
	int rc = mp_xsd_path_canon(path, true, canon, NULL);

	if (rc < 0)
		return rc;
	for (struct mp_xsd_watch **pp = &conn->watches; *pp; pp = &(*pp)->next) {
		struct mp_xsd_watch *w = *pp;

		if (strcmp(w->path, canon) == 0 && strcmp(w->token, token) == 0) {
			*pp = w->next;
			watch_free(w);
			conn->nwatches--;
			return 0;
		}
	}
	return -ENOENT;
}

void mp_xsd_watch_reset(struct mp_xsd_conn *conn)
{
	while (conn->watches) {
		struct mp_xsd_watch *w = conn->watches;

		conn->watches = w->next;
		watch_free(w);
	}
	conn->nwatches = 0;
}

/* Fires now the watches `path` concerns: those at or above it, or with
 * `exact` only those on it. */
static void fire_now(struct mp_xsd_core *core, const char *path, bool exact)
{
	for (struct mp_xsd_conn *c = core->conns; c; c = c->next)
		for (struct mp_xsd_watch *w = c->watches; w; w = w->next)
			if (exact ? strcmp(w->path, path) == 0
				  : w->path[0] == '/' && mp_xsd_path_under(path, w->path))
				mp_xsd_watch_fire_one(c, w, path);
}

/* Fires, or while deferring records the path once (out of memory: fires
 * at once rather than lose the event). */
static void fire(struct mp_xsd_core *core, const char *path, bool exact)
{
	struct mp_xsd_event *e;

	if (!core->deferring) {
		fire_now(core, path, exact);
		return;
	}
	for (size_t i = 0; i < core->nevents; i++)
		if (strcmp(core->events[i].path, path) == 0)
			return;
	if (core->nevents == core->events_cap) {
		size_t cap = core->events_cap ? 2 * core->events_cap : 16;

		e = realloc(core->events, cap * sizeof(*e));
		if (!e) {
			fire_now(core, path, exact);
			return;
		}
		core->events = e;
		core->events_cap = cap;
	}
	e = &core->events[core->nevents];
	e->path = strdup(path);
	if (!e->path) {
		fire_now(core, path, exact);
		return;
	}
	e->exact = exact;
	core->nevents++;
}

void mp_xsd_watch_defer(struct mp_xsd_core *core)
{
	core->deferring = true;
}

void mp_xsd_watch_flush(struct mp_xsd_core *core)
{
	core->deferring = false;
	for (size_t i = 0; i < core->nevents; i++) {
		fire_now(core, core->events[i].path, core->events[i].exact);
		free(core->events[i].path);
	}
	free(core->events);
	core->events = NULL;
	core->nevents = core->events_cap = 0;
}

void mp_xsd_watch_fire(struct mp_xsd_core *core, const char *path)
{
	fire(core, path, false);
}

/* The exact events of every node below `n`, whose path is in `path`
 * (a buffer of MP_XSD_PATH_BUF), children first. */
static void fire_below(struct mp_xsd_core *core, const struct mp_xsd_node *n,
		       char *path)
{
	size_t len = strlen(path);

	for (uint32_t i = 0; i < n->nkids; i++) {
		snprintf(path + len, MP_XSD_PATH_BUF - len, "%s%s",
			 len == 1 ? "" : "/", n->kids[i]->name);
		fire_below(core, n->kids[i], path);
		fire(core, path, true);
		path[len] = '\0';
	}
}

void mp_xsd_watch_fire_rm(struct mp_xsd_core *core, const char *path)
{
	const struct mp_xsd_node *n = mp_xsd_tree_lookup(&core->tree, path);
	char buf[MP_XSD_PATH_BUF];

	if (n) {
		snprintf(buf, sizeof(buf), "%s", path);
		fire_below(core, n, buf);
	}
	fire(core, path, false);
}

void mp_xsd_watch_fire_exact(struct mp_xsd_core *core, const char *path)
{
	fire(core, path, true);
}
