/* xenstore on the controller's loop (contract in xs.h).
 *
 * libxenstore delivers watch events through a pipe (xs_fileno) filled by its
 * own reader thread; that pipe is polled with uv_poll and drained with
 * xs_check_watch. The reader thread closes the connection when xenstored goes
 * away without writing to the pipe, so a repeating timer also drains: an
 * error other than EAGAIN from xs_check_watch (or from any request) means the
 * connection is lost.
 *
 * Every batch of events leads to one re-scan of the whole state the module
 * follows (names of all domains, the tracked domains' vif backends and IPv4
 * attributes); the store of a testbed is small, and a full re-scan cannot
 * miss a change the way event-path parsing could. */
#include "controller/host/xs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "common/err.h"
#include "common/log.h"

#define XS_MAX_TRACKED 16
#define XS_HEALTH_MS 500             /* how often a lost connection is looked for */
#define XS_PATH_MAX 256
#define XS_TOKEN "mp"
#define XS_VIF_CONNECTED "connected" /* backend hotplug-status */
#define XS_STATE_CONNECTED 4         /* XenbusStateConnected */
#define XS_DOMAIN_ROOT "/local/domain"
#define XS_VIF_BACKEND "/local/domain/0/backend/vif"

static const char *const xs_watched[] = {
	"@introduceDomain", "@releaseDomain", XS_DOMAIN_ROOT, XS_VIF_BACKEND,
};

struct xs_tracked {
	bool used, up;
	unsigned nvifs;
	struct mp_xs_domain dom;                      /* valid while up */
	char ipv4[MP_XS_MAX_VIFS][INET_ADDRSTRLEN];   /* last reported per devid */
};

struct mp_xs {
	uv_loop_t *loop;
	struct xs_handle *h;
	uv_poll_t poll;
	uv_timer_t timer;
	int open_handles;
	bool poll_init, timer_init;
	mp_xs_cb cb;
	void *arg;
	bool need_scan, lost, closing, io_error;
	struct xs_tracked tracked[XS_MAX_TRACKED];
};

struct xs_handle *mp_xs_handle(struct mp_xs *x)
{
	return x->lost ? NULL : x->h;
}

static void on_handle_closed(uv_handle_t *hd)
{
	struct mp_xs *x = hd->data;

	if (--x->open_handles == 0)
		free(x);
}

static void emit(struct mp_xs *x, enum mp_xs_event_type type, const struct mp_xs_domain *d,
		 unsigned devid, const char *ipv4)
{
	struct mp_xs_event ev = { .type = type, .domain = d, .devid = devid, .ipv4 = ipv4 };

	x->cb(x, &ev, x->arg);
}

static void report_lost(struct mp_xs *x)
{
	if (x->lost || x->closing)
		return;
	x->lost = true;
	uv_poll_stop(&x->poll);
	uv_timer_stop(&x->timer);
	mp_err("xenstore: the connection to xenstored was lost (did it exit?)");
	emit(x, MP_XS_LOST, NULL, 0, NULL);
}

/* A request failed: ENOENT and permission errors are answers, anything else
 * means the connection is unusable. */
static void note_errno(struct mp_xs *x)
{
	if (errno != ENOENT && errno != EACCES && errno != EPERM)
		x->io_error = true;
}

/* Reads `path` into buf (NUL-terminated, truncated to size); false if absent. */
static bool xs_get(struct mp_xs *x, const char *path, char *buf, size_t size)
{
	unsigned len;
	char *v = xs_read(x->h, XBT_NULL, path, &len);

	if (!v) {
		note_errno(x);
		return false;
	}
	snprintf(buf, size, "%s", v);
	free(v);
	return true;
}

/* Fills d's vifs if every one is connected; true when the domain is up. */
static bool read_vifs(struct mp_xs *x, unsigned domid, unsigned nvifs, struct mp_xs_domain *d)
{
	char path[XS_PATH_MAX], val[XS_PATH_MAX];

	d->domid = domid;
	d->nvifs = nvifs;
	for (unsigned i = 0; i < nvifs; i++) {
		struct mp_xs_vif *v = &d->vifs[i];
		char *end;
		unsigned long state;

		v->devid = i;
		snprintf(path, sizeof(path), XS_VIF_BACKEND "/%u/%u/hotplug-status", domid, i);
		if (!xs_get(x, path, val, sizeof(val)) || strcmp(val, XS_VIF_CONNECTED) != 0)
			return false;
		snprintf(path, sizeof(path), XS_VIF_BACKEND "/%u/%u/state", domid, i);
		if (!xs_get(x, path, val, sizeof(val)))
			return false;
		state = strtoul(val, &end, 10);
		if (end == val || *end || state != XS_STATE_CONNECTED)
			return false;
		snprintf(path, sizeof(path), XS_VIF_BACKEND "/%u/%u/mac", domid, i);
		if (!xs_get(x, path, v->mac, sizeof(v->mac)))
			return false;
		snprintf(path, sizeof(path), XS_VIF_BACKEND "/%u/%u/bridge", domid, i);
		if (!xs_get(x, path, v->bridge, sizeof(v->bridge)))
			return false;
		snprintf(path, sizeof(path), XS_VIF_BACKEND "/%u/%u/vifname", domid, i);
		if (!xs_get(x, path, v->ifname, sizeof(v->ifname)) || !v->ifname[0])
			snprintf(v->ifname, sizeof(v->ifname), "vif%u.%u", domid, i);
	}
	return true;
}

/* Whether /local/domain/<id>/name is `name`. */
static bool has_name(struct mp_xs *x, unsigned long id, const char *name)
{
	char path[XS_PATH_MAX], val[MP_XS_NAME_MAX + 1];

	snprintf(path, sizeof(path), XS_DOMAIN_ROOT "/%lu/name", id);
	return xs_get(x, path, val, sizeof(val)) && strcmp(val, name) == 0;
}

/* Looks among the domains `ids` for one called d->name whose vifs are all
 * connected (there may briefly be two of a name: an old one being removed
 * and its successor); fills d and returns true if there is one. */
static bool find_up(struct mp_xs *x, char **ids, unsigned n, unsigned nvifs,
		    struct mp_xs_domain *d)
{
	for (unsigned i = 0; i < n && !x->io_error; i++) {
		char *end;
		unsigned long id = strtoul(ids[i], &end, 10);

		if (end == ids[i] || *end || !has_name(x, id, d->name))
			continue;
		if (read_vifs(x, (unsigned)id, nvifs, d))
			return true;
	}
	return false;
}

static void scan_ipv4(struct mp_xs *x, struct xs_tracked *t)
{
	char path[XS_PATH_MAX], val[INET_ADDRSTRLEN];
	struct in_addr a;

	for (unsigned i = 0; i < t->nvifs && !x->closing && !x->io_error; i++) {
		snprintf(path, sizeof(path), XS_DOMAIN_ROOT "/%u/attr/vif/%u/ipv4/0", t->dom.domid,
			 i);
		if (!xs_get(x, path, val, sizeof(val)) || inet_pton(AF_INET, val, &a) != 1)
			continue;
		if (strcmp(val, t->ipv4[i]) == 0)
			continue;
		snprintf(t->ipv4[i], sizeof(t->ipv4[i]), "%s", val);
		emit(x, MP_XS_IPV4, &t->dom, i, t->ipv4[i]);
	}
}

/* Brings every tracked domain's state up to date, reporting the changes. */
static void rescan(struct mp_xs *x)
{
	unsigned n = 0;
	char **ids;

	x->need_scan = false;
	ids = xs_directory(x->h, XBT_NULL, XS_DOMAIN_ROOT, &n);
	if (!ids) {
		note_errno(x);
		n = 0;
	}
	for (size_t k = 0; k < XS_MAX_TRACKED && !x->closing && !x->io_error; k++) {
		struct xs_tracked *t = &x->tracked[k];
		struct mp_xs_domain d;

		if (!t->used)
			continue;
		if (t->up && !has_name(x, t->dom.domid, t->dom.name)) {
			if (x->io_error)
				break;
			t->up = false;
			emit(x, MP_XS_DOMAIN_GONE, &t->dom, 0, NULL);
			if (x->closing)
				break;
			/* a successor of the same name may already be there: go on */
		}
		if (!t->up) {
			memset(&d, 0, sizeof(d));
			snprintf(d.name, sizeof(d.name), "%s", t->dom.name);
			if (!find_up(x, ids, n, t->nvifs, &d))
				continue;
			t->dom = d;
			t->up = true;
			memset(t->ipv4, 0, sizeof(t->ipv4));
			emit(x, MP_XS_DOMAIN_UP, &t->dom, 0, NULL);
		}
		if (!x->closing)
			scan_ipv4(x, t);
	}
	free(ids);
	if (x->io_error)
		report_lost(x);
}

/* Reads every pending watch event; true if there was at least one. */
static bool drain(struct mp_xs *x)
{
	bool any = false;
	char **ev;

	while ((ev = xs_check_watch(x->h))) {
		any = true;
		free(ev);
	}
	if (errno != EAGAIN)
		x->io_error = true;
	return any;
}

static void service(struct mp_xs *x)
{
	if (x->lost || x->closing)
		return;
	if (drain(x))
		x->need_scan = true;
	if (x->io_error) {
		report_lost(x);
		return;
	}
	if (x->need_scan)
		rescan(x);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct mp_xs *x = p->data;

	(void)events;
	if (status < 0)
		x->io_error = true;
	service(x);
}

static void on_timer(uv_timer_t *t)
{
	service(t->data);
}

/* Connects, sets the watches and starts polling; see xs.h. */
int mp_xs_open(uv_loop_t *loop, mp_xs_cb cb, void *arg, struct mp_xs **out)
{
	const char *path = getenv("XENSTORED_PATH");
	struct mp_xs *x;
	int rc, fd;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->loop = loop;
	x->cb = cb;
	x->arg = arg;
	x->h = xs_open(0);
	if (!x->h) {
		rc = errno ? -errno : -ECONNREFUSED;
		mp_err("xenstore: cannot connect to xenstored%s%s: %s. Is xenstored running "
		       "(the testbed: mir-perf-testbed up, then run through mir-perf-testbed "
		       "exec)? Is XENSTORED_PATH set to its socket? Are you root?",
		       path ? " at " : "", path ? path : "", mp_strerror(rc));
		free(x);
		return rc;
	}
	for (size_t i = 0; i < sizeof(xs_watched) / sizeof(xs_watched[0]); i++) {
		if (!xs_watch(x->h, xs_watched[i], XS_TOKEN)) {
			rc = errno ? -errno : -EIO;
			mp_err("xenstore: cannot watch %s: %s", xs_watched[i], mp_strerror(rc));
			goto fail;
		}
	}
	fd = xs_fileno(x->h);
	if (fd < 0) {
		rc = -EIO;
		goto fail;
	}
	rc = uv_poll_init(loop, &x->poll, fd);
	if (rc < 0)
		goto fail;
	x->poll.data = x;
	x->poll_init = true;
	x->open_handles++;
	rc = uv_timer_init(loop, &x->timer);
	if (rc < 0) {
		mp_xs_close(x);
		return rc;
	}
	x->timer.data = x;
	x->timer_init = true;
	x->open_handles++;
	rc = uv_poll_start(&x->poll, UV_READABLE, on_poll);
	if (rc == 0)
		rc = uv_timer_start(&x->timer, on_timer, XS_HEALTH_MS, XS_HEALTH_MS);
	if (rc < 0) {
		mp_xs_close(x);
		return rc;
	}
	*out = x;
	return 0;
fail:
	xs_close(x->h);
	free(x);
	return rc;
}

/* Follows `name`; a domain already up is reported from the loop, not from
 * here. Returns 0, -EINVAL (bad name or nvifs), -ENOSPC (too many tracked),
 * -EEXIST (already tracked) or -ENOTCONN after MP_XS_LOST. */
int mp_xs_track(struct mp_xs *xs, const char *name, unsigned nvifs)
{
	struct xs_tracked *free_slot = NULL;

	if (!name || !*name || strlen(name) >= MP_XS_NAME_MAX || nvifs > MP_XS_MAX_VIFS)
		return -EINVAL;
	if (xs->lost)
		return -ENOTCONN;
	for (size_t k = 0; k < XS_MAX_TRACKED; k++) {
		struct xs_tracked *t = &xs->tracked[k];

		if (t->used && strcmp(t->dom.name, name) == 0)
			return -EEXIST;
		if (!t->used && !free_slot)
			free_slot = t;
	}
	if (!free_slot)
		return -ENOSPC;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->nvifs = nvifs;
	snprintf(free_slot->dom.name, sizeof(free_slot->dom.name), "%s", name);
	xs->need_scan = true;
	return uv_timer_start(&xs->timer, on_timer, 0, XS_HEALTH_MS);
}

/* Stops everything now (safe from inside the callback); the memory goes in
 * the handles' close callbacks. */
void mp_xs_close(struct mp_xs *xs)
{
	if (!xs || xs->closing)
		return;
	xs->closing = true;
	xs_close(xs->h);
	xs->h = NULL;
	if (xs->timer_init)
		uv_close((uv_handle_t *)&xs->timer, on_handle_closed);
	if (xs->poll_init)
		uv_close((uv_handle_t *)&xs->poll, on_handle_closed);
}
