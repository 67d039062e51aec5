/* Watches: registration, removal and event delivery. An event is a
 * WATCH_EVENT message (req_id and tx_id 0) carrying "path\0token\0"; a
 * watch registered with a relative path gets relative event paths. */
#include <errno.h>
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

void mp_xsd_watch_fire(struct mp_xsd_core *core, const char *path)
{
	for (struct mp_xsd_conn *c = core->conns; c; c = c->next)
		for (struct mp_xsd_watch *w = c->watches; w; w = w->next)
			if (w->path[0] == '/' && mp_xsd_path_under(path, w->path))
				mp_xsd_watch_fire_one(c, w, path);
}

void mp_xsd_watch_fire_rm(struct mp_xsd_core *core, const char *path)
{
	for (struct mp_xsd_conn *c = core->conns; c; c = c->next) {
		for (struct mp_xsd_watch *w = c->watches; w; w = w->next) {
			if (w->path[0] != '/')
				continue;
			if (mp_xsd_path_under(path, w->path))
				mp_xsd_watch_fire_one(c, w, path);
			else if (mp_xsd_path_under(w->path, path))
				mp_xsd_watch_fire_one(c, w, w->path);
		}
	}
}

void mp_xsd_watch_fire_exact(struct mp_xsd_core *core, const char *path)
{
	for (struct mp_xsd_conn *c = core->conns; c; c = c->next)
		for (struct mp_xsd_watch *w = c->watches; w; w = w->next)
			if (strcmp(w->path, path) == 0)
				mp_xsd_watch_fire_one(c, w, path);
}
