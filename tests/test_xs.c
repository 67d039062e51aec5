/* The controller's xenstore module against mir-perf-xenstored (no root
 * needed): the test writes nodes as the toolstack would, with libxenstore,
 * and checks the events. Ordering is made deterministic with a "barrier"
 * domain: once its DOMAIN_UP arrives, every earlier write has been seen. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "common/clock.h"
#include "controller/host/xs.h"
#include "test.h"

#define XT_START_TIMEOUT_MS 5000
#define XT_EVENT_TIMEOUT_MS 10000
#define XT_MAX_EVENTS 64

struct xt_event {
	enum mp_xs_event_type type;
	char name[MP_XS_NAME_MAX];
	struct mp_xs_domain dom;
	unsigned devid;
	char ipv4[32];
};

struct xt {
	pid_t pid;
	char sock[256], pidfile[256];
	uv_loop_t loop;
	uv_timer_t guard;
	struct mp_xs *xs;
	struct xs_handle *tool;
	struct xt_event ev[XT_MAX_EVENTS];
	size_t nev, seen;
	int in_call;          /* set around mp_xs_track: no event may come then */
	unsigned barrier_id;
};

static pid_t xt_daemon;

static void xt_kill_daemon(void)
{
	if (xt_daemon > 0) {
		kill(xt_daemon, SIGKILL);
		waitpid(xt_daemon, NULL, 0);
		xt_daemon = 0;
	}
}

static void xt_daemon_start(struct xt *t)
{
	snprintf(t->sock, sizeof(t->sock), "%s/xs.sock", mp_test_tmpdir());
	snprintf(t->pidfile, sizeof(t->pidfile), "%s/xs.pid", mp_test_tmpdir());
	atexit(xt_kill_daemon);
	t->pid = fork();
	ASSERT(t->pid >= 0);
	if (t->pid == 0) {
		execl(mp_test_bin("mir-perf-xenstored"), "mir-perf-xenstored", "--socket",
		      t->sock, "--pidfile", t->pidfile, (char *)NULL);
		_exit(127);
	}
	xt_daemon = t->pid;
	for (uint64_t t0 = mp_now_ns();;) {
		struct stat st;

		if (stat(t->pidfile, &st) == 0)
			break;
		ASSERT_MSG(waitpid(t->pid, NULL, WNOHANG) == 0, "xenstored exited at start");
		ASSERT_MSG(mp_now_ns() - t0 < XT_START_TIMEOUT_MS * MP_NS_PER_MS,
			   "xenstored did not start");
		usleep(10000);
	}
	setenv("XENSTORED_PATH", t->sock, 1);
}

static void on_event(struct mp_xs *xs, const struct mp_xs_event *e, void *arg)
{
	struct xt *t = arg;
	struct xt_event *r;

	(void)xs;
	ASSERT_MSG(!t->in_call, "event %d reported from inside mp_xs_track", e->type);
	ASSERT(t->nev < XT_MAX_EVENTS);
	r = &t->ev[t->nev++];
	memset(r, 0, sizeof(*r));
	r->type = e->type;
	if (e->domain) {
		r->dom = *e->domain;
		snprintf(r->name, sizeof(r->name), "%s", e->domain->name);
	} else {
		ASSERT_EQ(e->type, MP_XS_LOST);
	}
	r->devid = e->devid;
	if (e->type == MP_XS_IPV4)
		snprintf(r->ipv4, sizeof(r->ipv4), "%s", e->ipv4);
}

static void on_guard(uv_timer_t *g)
{
	(void)g;
}

/* Runs the loop until an event of `type` for `name` (NULL: any) arrives after
 * the ones already seen; returns it and marks everything up to it seen. */
static struct xt_event *xt_wait(struct xt *t, enum mp_xs_event_type type, const char *name)
{
	uint64_t t0 = mp_now_ns();

	for (;;) {
		for (size_t i = t->seen; i < t->nev; i++) {
			if (t->ev[i].type == type && (!name || !strcmp(t->ev[i].name, name))) {
				t->seen = i + 1;
				return &t->ev[i];
			}
		}
		ASSERT_MSG(mp_now_ns() - t0 < XT_EVENT_TIMEOUT_MS * MP_NS_PER_MS,
			   "no event %d for %s", type, name ? name : "-");
		uv_timer_start(&t->guard, on_guard, 100, 0);
		uv_run(&t->loop, UV_RUN_ONCE);
	}
}

static void xt_write(struct xt *t, const char *val, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void xt_write(struct xt *t, const char *val, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	ASSERT_MSG(xs_write(t->tool, XBT_NULL, path, val, strlen(val)), "write %s", path);
}

/* The toolstack's nodes for one vif (vifname only if given). */
static void xt_vif(struct xt *t, unsigned id, unsigned dev, const char *mac, const char *br,
		   const char *vifname, const char *hotplug, const char *state)
{
	const char *b = "/local/domain/0/backend/vif";

	xt_write(t, mac, "%s/%u/%u/mac", b, id, dev);
	xt_write(t, br, "%s/%u/%u/bridge", b, id, dev);
	if (vifname)
		xt_write(t, vifname, "%s/%u/%u/vifname", b, id, dev);
	xt_write(t, state, "%s/%u/%u/state", b, id, dev);
	if (hotplug)
		xt_write(t, hotplug, "%s/%u/%u/hotplug-status", b, id, dev);
}

static void xt_domain(struct xt *t, unsigned id, const char *name)
{
	char val[16];

	ASSERT(xs_introduce_domain(t->tool, id, 1000 + id, 10 + id));
	snprintf(val, sizeof(val), "%u", id);
	xt_write(t, val, "/local/domain/%u/domid", id);
	xt_write(t, name, "/local/domain/%u/name", id);
}

static void xt_destroy(struct xt *t, unsigned id)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u", id);
	ASSERT(xs_rm(t->tool, XBT_NULL, path));
	snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", id);
	ASSERT(xs_rm(t->tool, XBT_NULL, path) || errno == ENOENT);
	ASSERT(xs_release_domain(t->tool, id));
}

/* Creates and removes the tracked zero-vif domain "barrier" (domid 900+):
 * when both its events have come, every earlier write has been scanned. */
static void xt_barrier(struct xt *t)
{
	unsigned id = 900 + t->barrier_id++;

	xt_domain(t, id, "barrier");
	ASSERT_EQ(xt_wait(t, MP_XS_DOMAIN_UP, "barrier")->dom.domid, id);
	xt_destroy(t, id);
	ASSERT_EQ(xt_wait(t, MP_XS_DOMAIN_GONE, "barrier")->dom.domid, id);
}

/* No event other than the barrier's since `from`. */
static void xt_assert_quiet(struct xt *t, size_t from)
{
	for (size_t i = from; i < t->nev; i++)
		ASSERT_MSG(!strcmp(t->ev[i].name, "barrier"), "unexpected event %d for %s",
			   t->ev[i].type, t->ev[i].name);
}

static void xt_track(struct xt *t, const char *name, unsigned nvifs)
{
	size_t before = t->nev;

	t->in_call = 1;
	ASSERT_EQ(mp_xs_track(t->xs, name, nvifs), 0);
	t->in_call = 0;
	ASSERT_EQ(t->nev, before);
}

static void xt_open(struct xt *t)
{
	memset(t, 0, sizeof(*t));
	signal(SIGPIPE, SIG_IGN);
	xt_daemon_start(t);
	ASSERT_EQ(uv_loop_init(&t->loop), 0);
	ASSERT_EQ(uv_timer_init(&t->loop, &t->guard), 0);
	t->tool = xs_open(0);
	ASSERT(t->tool);
	ASSERT_EQ(mp_xs_open(&t->loop, on_event, t, &t->xs), 0);
	xt_track(t, "barrier", 0);
}

static void xt_finish(struct xt *t)
{
	mp_xs_close(t->xs);
	uv_close((uv_handle_t *)&t->guard, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	ASSERT_EQ(uv_loop_close(&t->loop), 0);
	if (t->tool)
		xs_close(t->tool);
}

TEST(xs_domain_up_only_when_all_vifs_connected)
{
	struct xt t;
	struct xt_event *e;
	size_t mark;

	xt_open(&t);
	xt_track(&t, "dut", 2);
	xt_domain(&t, 3, "dut");
	xt_vif(&t, 3, 0, "00:16:3e:00:00:30", "if1", "dut-in", NULL, "2");
	xt_vif(&t, 3, 1, "00:16:3e:00:00:31", "if2", NULL, NULL, "2");
	mark = t.nev;
	xt_barrier(&t);
	xt_write(&t, "connected", "/local/domain/0/backend/vif/3/0/hotplug-status");
	xt_write(&t, "4", "/local/domain/0/backend/vif/3/0/state");
	xt_write(&t, "connected", "/local/domain/0/backend/vif/3/1/hotplug-status");
	xt_barrier(&t);   /* vif 1 still at state 2 */
	xt_write(&t, "3", "/local/domain/0/backend/vif/3/1/state");
	xt_barrier(&t);
	xt_assert_quiet(&t, mark);
	xt_write(&t, "4", "/local/domain/0/backend/vif/3/1/state");
	e = xt_wait(&t, MP_XS_DOMAIN_UP, "dut");
	ASSERT_EQ(e->dom.domid, 3);
	ASSERT_EQ(e->dom.nvifs, 2);
	ASSERT_EQ(e->dom.vifs[0].devid, 0);
	ASSERT_STREQ(e->dom.vifs[0].mac, "00:16:3e:00:00:30");
	ASSERT_STREQ(e->dom.vifs[0].bridge, "if1");
	ASSERT_STREQ(e->dom.vifs[0].ifname, "dut-in");
	ASSERT_EQ(e->dom.vifs[1].devid, 1);
	ASSERT_STREQ(e->dom.vifs[1].mac, "00:16:3e:00:00:31");
	ASSERT_STREQ(e->dom.vifs[1].bridge, "if2");
	ASSERT_STREQ(e->dom.vifs[1].ifname, "vif3.1");
	/* nothing else changes: no second UP */
	mark = t.nev;
	xt_write(&t, "x", "/local/domain/3/other");
	xt_barrier(&t);
	xt_assert_quiet(&t, mark);
	xt_finish(&t);
}

TEST(xs_ipv4_gone_and_recreated)
{
	struct xt t;
	struct xt_event *e;
	size_t mark;

	xt_open(&t);
	xt_track(&t, "traffgen", 2);
	xt_domain(&t, 1, "traffgen");
	xt_vif(&t, 1, 0, "00:16:3e:00:00:10", "if1", NULL, "connected", "4");
	xt_vif(&t, 1, 1, "00:16:3e:6d:70:01", "xenbr0", NULL, "connected", "4");
	e = xt_wait(&t, MP_XS_DOMAIN_UP, "traffgen");
	ASSERT_EQ(e->dom.domid, 1);
	ASSERT_STREQ(e->dom.vifs[1].ifname, "vif1.1");
	ASSERT_STREQ(e->dom.vifs[1].bridge, "xenbr0");

	xt_write(&t, "10.200.0.150", "/local/domain/1/attr/vif/1/ipv4/0");
	e = xt_wait(&t, MP_XS_IPV4, "traffgen");
	ASSERT_EQ(e->devid, 1);
	ASSERT_STREQ(e->ipv4, "10.200.0.150");
	ASSERT_EQ(e->dom.domid, 1);
	mark = t.nev;
	xt_write(&t, "10.200.0.150", "/local/domain/1/attr/vif/1/ipv4/0"); /* same again */
	xt_write(&t, "not-an-address", "/local/domain/1/attr/vif/0/ipv4/0");
	xt_barrier(&t);
	xt_assert_quiet(&t, mark);
	xt_write(&t, "10.200.0.151", "/local/domain/1/attr/vif/1/ipv4/0");
	e = xt_wait(&t, MP_XS_IPV4, "traffgen");
	ASSERT_STREQ(e->ipv4, "10.200.0.151");

	xt_destroy(&t, 1);
	e = xt_wait(&t, MP_XS_DOMAIN_GONE, "traffgen");
	ASSERT_EQ(e->dom.domid, 1);

	/* re-created under the same name: a new UP with the new domid, and its
	 * address is reported again */
	xt_domain(&t, 2, "traffgen");
	xt_vif(&t, 2, 0, "00:16:3e:00:00:20", "if1", NULL, "connected", "4");
	xt_vif(&t, 2, 1, "00:16:3e:6d:70:01", "xenbr0", "tg-ctl", "connected", "4");
	e = xt_wait(&t, MP_XS_DOMAIN_UP, "traffgen");
	ASSERT_EQ(e->dom.domid, 2);
	ASSERT_STREQ(e->dom.vifs[0].mac, "00:16:3e:00:00:20");
	ASSERT_STREQ(e->dom.vifs[1].ifname, "tg-ctl");
	xt_write(&t, "10.200.0.150", "/local/domain/2/attr/vif/1/ipv4/0");
	e = xt_wait(&t, MP_XS_IPV4, "traffgen");
	ASSERT_EQ(e->dom.domid, 2);
	ASSERT_STREQ(e->ipv4, "10.200.0.150");
	xt_finish(&t);
}

TEST(xs_untracked_ignored_and_track_of_up_domain_reports_from_loop)
{
	struct xt t;
	struct xt_event *e;
	size_t mark;

	xt_open(&t);
	mark = t.nev;
	xt_domain(&t, 7, "stranger");
	xt_vif(&t, 7, 0, "00:16:3e:00:00:70", "if1", NULL, "connected", "4");
	xt_write(&t, "10.200.0.170", "/local/domain/7/attr/vif/0/ipv4/0");
	xt_barrier(&t);
	xt_assert_quiet(&t, mark);
	/* tracked once it is already up: UP comes from the loop, not the call */
	xt_track(&t, "stranger", 1);
	ASSERT_EQ(mp_xs_track(t.xs, "stranger", 1), -EEXIST);
	ASSERT_EQ(mp_xs_track(t.xs, "toomany", MP_XS_MAX_VIFS + 1), -EINVAL);
	e = xt_wait(&t, MP_XS_DOMAIN_UP, "stranger");
	ASSERT_EQ(e->dom.domid, 7);
	e = xt_wait(&t, MP_XS_IPV4, "stranger");
	ASSERT_STREQ(e->ipv4, "10.200.0.170");
	xt_finish(&t);
}

TEST(xs_daemon_killed_gives_lost_once)
{
	struct xt t;
	int st;

	xt_open(&t);
	xt_track(&t, "dut", 1);
	xt_domain(&t, 4, "dut");
	xt_vif(&t, 4, 0, "00:16:3e:00:00:40", "if1", NULL, "connected", "4");
	xt_wait(&t, MP_XS_DOMAIN_UP, "dut");
	xs_close(t.tool);
	t.tool = NULL;
	kill(t.pid, SIGKILL);
	ASSERT_EQ(waitpid(t.pid, &st, 0), t.pid);
	xt_daemon = 0;
	ASSERT(xt_wait(&t, MP_XS_LOST, NULL));
	ASSERT_EQ(mp_xs_track(t.xs, "other", 1), -ENOTCONN);
	/* nothing more after LOST */
	uv_timer_start(&t.guard, on_guard, 1200, 0);
	uv_run(&t.loop, UV_RUN_ONCE);
	ASSERT_EQ(t.nev, t.seen);
	xt_finish(&t);
}

TEST(xs_open_fails_without_daemon)
{
	uv_loop_t loop;
	struct mp_xs *xs = NULL;
	char sock[300];

	snprintf(sock, sizeof(sock), "%s/none.sock", mp_test_tmpdir());
	setenv("XENSTORED_PATH", sock, 1);
	ASSERT_EQ(uv_loop_init(&loop), 0);
	ASSERT(mp_xs_open(&loop, on_event, NULL, &xs) < 0);
	ASSERT(xs == NULL);
	ASSERT_EQ(uv_loop_close(&loop), 0);
}

/* A successor of the same name created before the old domain goes: nothing
 * while the old one is there, then GONE for the old and UP for the new. */
TEST(xs_successor_of_same_name)
{
	struct xt t;
	struct xt_event *e;
	size_t mark;

	xt_open(&t);
	xt_track(&t, "dut", 1);
	xt_domain(&t, 3, "dut");
	xt_vif(&t, 3, 0, "00:16:3e:00:00:30", "if1", NULL, "connected", "4");
	ASSERT_EQ(xt_wait(&t, MP_XS_DOMAIN_UP, "dut")->dom.domid, 3);
	mark = t.nev;
	xt_domain(&t, 4, "dut");
	xt_vif(&t, 4, 0, "00:16:3e:00:00:40", "if1", NULL, "connected", "4");
	xt_barrier(&t);
	xt_assert_quiet(&t, mark);
	xt_destroy(&t, 3);
	e = xt_wait(&t, MP_XS_DOMAIN_GONE, "dut");
	ASSERT_EQ(e->dom.domid, 3);
	e = xt_wait(&t, MP_XS_DOMAIN_UP, "dut");
	ASSERT_EQ(e->dom.domid, 4);
	ASSERT_STREQ(e->dom.vifs[0].mac, "00:16:3e:00:00:40");
	xt_finish(&t);
}

static void close_in_cb(struct mp_xs *xs, const struct mp_xs_event *e, void *arg)
{
	int *n = arg;

	(void)e;
	(*n)++;
	mp_xs_close(xs);
}

/* mp_xs_close from inside the callback, with more events pending in the same
 * scan: no further callback, no use after free (ASan), the loop closes. */
TEST(xs_close_inside_callback)
{
	struct xt t;
	struct mp_xs *xs2;
	int calls = 0;

	xt_open(&t);
	xt_domain(&t, 5, "a");
	xt_domain(&t, 6, "b");
	xt_write(&t, "10.200.0.105", "/local/domain/5/attr/vif/0/ipv4/0");
	ASSERT_EQ(mp_xs_open(&t.loop, close_in_cb, &calls, &xs2), 0);
	ASSERT_EQ(mp_xs_track(xs2, "a", 0), 0);
	ASSERT_EQ(mp_xs_track(xs2, "b", 0), 0);
	xt_barrier(&t);
	ASSERT_EQ(calls, 1);
	xt_finish(&t);
}
