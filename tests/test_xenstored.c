/* The xenstored stand-in (build/mir-perf-xenstored) as a client sees it:
 * through the real libxenstore, Debian's xenstore-utils tools and a raw
 * socket. Each test starts its own daemon on a socket in its temporary
 * directory; no root needed. */
#include "test.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "common/clock.h"
#include "common/err.h"

#define START_TIMEOUT_MS 5000
#define EVENT_TIMEOUT_MS 3000

struct xsd {
	pid_t pid;
	char sock[256];
	char pidfile[256];
	char log[256];
};

/* Starts the daemon; XENSTORED_PATH then points at it. */
static void xsd_start(struct xsd *d)
{
	snprintf(d->sock, sizeof(d->sock), "%s/xs.sock", mp_test_tmpdir());
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/xs.pid", mp_test_tmpdir());
	snprintf(d->log, sizeof(d->log), "%s/xs.log", mp_test_tmpdir());
	d->pid = fork();
	ASSERT(d->pid >= 0);
	if (d->pid == 0) {
		FILE *f = freopen(d->log, "w", stderr);

		(void)f;
		execl(mp_test_bin("mir-perf-xenstored"), "mir-perf-xenstored",
		      "--socket", d->sock, "--pidfile", d->pidfile, "--verbose",
		      (char *)NULL);
		_exit(127);
	}
	for (uint64_t t0 = mp_now_ns();;) {
		struct stat st;
		int status;

		if (stat(d->pidfile, &st) == 0 && stat(d->sock, &st) == 0)
			break;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			FAIL("xenstored exited at start: %s", mp_test_read_file(d->log));
		if (mp_now_ns() - t0 > START_TIMEOUT_MS * MP_NS_PER_MS)
			FAIL("xenstored did not create %s", d->sock);
		usleep(10000);
	}
	setenv("XENSTORED_PATH", d->sock, 1);
}

/* Sends `sig` to the daemon; returns its exit status (128+sig if killed).
 * A failing status shows the daemon's log (sanitizer reports land there). */
static int xsd_stop_sig(struct xsd *d, int sig)
{
	int status, code;

	kill(d->pid, sig);
	ASSERT_EQ(waitpid(d->pid, &status, 0), d->pid);
	d->pid = 0;
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (code != 0) {
		char *log = mp_test_read_file(d->log);

		fprintf(stderr, "xenstored exited %d; its log:\n%s\n", code, log ? log : "");
		free(log);
	}
	return code;
}

static int xsd_stop(struct xsd *d)
{
	return xsd_stop_sig(d, SIGTERM);
}

static struct xs_handle *xopen(void)
{
	struct xs_handle *h = xs_open(0);

	ASSERT_MSG(h, "xs_open: %s", mp_strerror(errno));
	return h;
}

static char *xread(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned len;
	char *v = xs_read(h, t, path, &len);

	if (v)
		ASSERT_EQ(strlen(v), len);
	return v;
}

static void xwrite(struct xs_handle *h, xs_transaction_t t, const char *path,
		   const char *v)
{
	ASSERT_MSG(xs_write(h, t, path, v, (unsigned)strlen(v)),
		   "xs_write %s: %s", path, mp_strerror(errno));
}

static void assert_read(struct xs_handle *h, const char *path, const char *want)
{
	char *v = xread(h, XBT_NULL, path);

	ASSERT_MSG(v, "xs_read %s: %s", path, mp_strerror(errno));
	ASSERT_STREQ(v, want);
	free(v);
}

static void assert_enoent(struct xs_handle *h, const char *path)
{
	char *v = xread(h, XBT_NULL, path);

	ASSERT_MSG(!v, "%s exists: \"%s\"", path, v);
	ASSERT_EQ(errno, ENOENT);
}

/* The next watch event within the timeout: *path and *token are set
 * (static storage); false on timeout. */
static bool next_event(struct xs_handle *h, char path[256], char token[256])
{
	struct pollfd pfd = { .fd = xs_fileno(h), .events = POLLIN };
	unsigned n;
	char **ev;

	/* xs_check_watch does not block; poll on the handle's event pipe */
	for (;;) {
		ev = xs_check_watch(h);
		if (ev) {
			snprintf(path, 256, "%s", ev[XS_WATCH_PATH]);
			snprintf(token, 256, "%s", ev[XS_WATCH_TOKEN]);
			free(ev);
			return true;
		}
		if (errno != EAGAIN)
			FAIL("xs_check_watch: %s", mp_strerror(errno));
		if (poll(&pfd, 1, EVENT_TIMEOUT_MS) <= 0)
			return false;
		(void)n;
	}
}

static void expect_event(struct xs_handle *h, const char *path, const char *token)
{
	char p[256], t[256];

	ASSERT_MSG(next_event(h, p, t), "no event for %s", path);
	ASSERT_STREQ(p, path);
	ASSERT_STREQ(t, token);
}

/* Checks no event arrives for a short while (a negative can only be
 * checked by waiting; a round trip first flushes what the daemon sent). */
static void expect_no_event(struct xs_handle *h)
{
	struct pollfd pfd = { .fd = xs_fileno(h), .events = POLLIN };
	char **ev;
	unsigned len;

	free(xs_read(h, XBT_NULL, "/", &len));
	ev = xs_check_watch(h);
	if (!ev && poll(&pfd, 1, 200) > 0)
		ev = xs_check_watch(h);
	ASSERT_MSG(!ev, "unexpected event %s", ev ? ev[0] : "");
}

static void assert_dir(struct xs_handle *h, const char *path, const char *want)
{
	unsigned n;
	char **d = xs_directory(h, XBT_NULL, path, &n);
	char got[4096] = "";

	ASSERT_MSG(d, "xs_directory %s: %s", path, mp_strerror(errno));
	for (unsigned i = 0; i < n; i++) {
		if (i)
			strcat(got, " ");
		strncat(got, d[i], sizeof(got) - strlen(got) - 2);
	}
	free(d);
	ASSERT_STREQ(got, want);
}

TEST(xenstored_read_write_dir_rm)
{
	struct xsd d;
	struct xs_handle *h;

	xsd_start(&d);
	h = xopen();
	xwrite(h, XBT_NULL, "/a/b/c", "hello");
	assert_read(h, "/a/b/c", "hello");
	assert_read(h, "/a/b", "");          /* parents created, empty */
	assert_read(h, "/a", "");
	xwrite(h, XBT_NULL, "/a/b/d", "");
	xwrite(h, XBT_NULL, "/a/x", "1");
	assert_dir(h, "/a", "b x");
	assert_dir(h, "/a/b", "c d");
	assert_dir(h, "/a/b/c", "");
	xwrite(h, XBT_NULL, "/a/b/c", "again");
	assert_read(h, "/a/b/c", "again");
	/* relative paths resolve under dom0's home */
	xwrite(h, XBT_NULL, "rel/key", "v");
	assert_read(h, "/local/domain/0/rel/key", "v");
	assert_read(h, "domid", "0");
	ASSERT(xs_mkdir(h, XBT_NULL, "/m/n"));
	assert_dir(h, "/m", "n");
	ASSERT(xs_mkdir(h, XBT_NULL, "/m/n"));    /* exists: fine */
	/* rm removes the subtree */
	ASSERT(xs_rm(h, XBT_NULL, "/a/b"));
	assert_enoent(h, "/a/b");
	assert_enoent(h, "/a/b/c");
	assert_dir(h, "/a", "x");
	ASSERT(xs_rm(h, XBT_NULL, "/a/gone"));   /* parent exists: OK */
	ASSERT(!xs_rm(h, XBT_NULL, "/nope/gone"));
	ASSERT_EQ(errno, ENOENT);
	assert_enoent(h, "/nope");
	ASSERT(!xs_directory(h, XBT_NULL, "/nope", &(unsigned){ 0 }));
	ASSERT_EQ(errno, ENOENT);
	/* names xenstored refuses */
	ASSERT(!xs_write(h, XBT_NULL, "/bad//path", "x", 1));
	ASSERT_EQ(errno, EINVAL);
	ASSERT(!xs_write(h, XBT_NULL, "/bad path", "x", 1));
	ASSERT_EQ(errno, EINVAL);
	ASSERT(!xs_write(h, XBT_NULL, "/trailing/", "x", 1));
	ASSERT_EQ(errno, EINVAL);
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_binary_values)
{
	struct xsd d;
	struct xs_handle *h;
	char val[256], *got;
	unsigned len;

	for (int i = 0; i < 256; i++)
		val[i] = (char)i;
	xsd_start(&d);
	h = xopen();
	ASSERT(xs_write(h, XBT_NULL, "/bin", val, sizeof(val)));
	got = xs_read(h, XBT_NULL, "/bin", &len);
	ASSERT(got);
	ASSERT_EQ(len, sizeof(val));
	ASSERT(memcmp(got, val, sizeof(val)) == 0);
	free(got);
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_watches)
{
	struct xsd d;
	struct xs_handle *w, *h;

	xsd_start(&d);
	w = xopen();
	h = xopen();
	xwrite(h, XBT_NULL, "/w/a", "1");
	ASSERT(xs_watch(w, "/w", "tok"));
	expect_event(w, "/w", "tok");                 /* registration */
	xwrite(h, XBT_NULL, "/w/a", "2");
	expect_event(w, "/w/a", "tok");
	xwrite(h, XBT_NULL, "/w/new/deep", "3");
	expect_event(w, "/w/new/deep", "tok");
	xwrite(h, XBT_NULL, "/other", "x");           /* not below /w */
	xwrite(h, XBT_NULL, "/wx", "x");              /* a prefix, not a child */
	expect_no_event(w);
	ASSERT(xs_rm(h, XBT_NULL, "/w/new"));
	expect_event(w, "/w/new", "tok");
	/* watches below a removed node fire with their own path, whether
	 * their node existed or not */
	ASSERT(xs_watch(w, "/w/a", "deep"));
	expect_event(w, "/w/a", "deep");
	ASSERT(xs_watch(w, "/w/ghost/x", "ghost"));
	expect_event(w, "/w/ghost/x", "ghost");
	ASSERT(xs_rm(h, XBT_NULL, "/w"));
	{
		char p[256], t[256];
		int seen = 0;

		for (int i = 0; i < 3; i++) {
			ASSERT_MSG(next_event(w, p, t), "only %d events after rm", i);
			if (strcmp(p, "/w") == 0 && strcmp(t, "tok") == 0)
				seen |= 1;
			else if (strcmp(p, "/w/a") == 0 && strcmp(t, "deep") == 0)
				seen |= 2;
			else if (strcmp(p, "/w/ghost/x") == 0 && strcmp(t, "ghost") == 0)
				seen |= 4;
			else
				FAIL("unexpected event %s %s", p, t);
		}
		ASSERT_EQ(seen, 7);
		expect_no_event(w);
	}
	ASSERT(xs_unwatch(w, "/w/ghost/x", "ghost"));
	ASSERT(xs_unwatch(w, "/w/a", "deep"));
	ASSERT(xs_unwatch(w, "/w", "tok"));
	xwrite(h, XBT_NULL, "/w/again", "x");
	expect_no_event(w);
	ASSERT(!xs_unwatch(w, "/w", "tok"));
	ASSERT_EQ(errno, ENOENT);
	/* relative watch: relative event paths */
	ASSERT(xs_watch(w, "dev", "rel"));
	expect_event(w, "dev", "rel");
	xwrite(h, XBT_NULL, "/local/domain/0/dev/vif", "1");
	expect_event(w, "dev/vif", "rel");
	xs_close(w);
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_domains)
{
	struct xsd d;
	struct xs_handle *w, *h;
	char *p;

	xsd_start(&d);
	w = xopen();
	h = xopen();
	ASSERT(xs_watch(w, "@introduceDomain", "in"));
	expect_event(w, "@introduceDomain", "in");
	ASSERT(xs_watch(w, "@releaseDomain", "out"));
	expect_event(w, "@releaseDomain", "out");
	ASSERT(xs_watch(w, "@otherSpecial", "other"));   /* accepted, never fires */
	expect_event(w, "@otherSpecial", "other");
	ASSERT(!xs_is_domain_introduced(h, 7));
	ASSERT(xs_is_domain_introduced(h, 0));
	ASSERT(xs_introduce_domain(h, 7, 1234, 5));
	expect_event(w, "@introduceDomain", "in");
	ASSERT(xs_is_domain_introduced(h, 7));
	xwrite(h, XBT_NULL, "/local/domain/7/name", "dut");  /* no event */
	expect_no_event(w);
	ASSERT(xs_release_domain(h, 7));
	expect_event(w, "@releaseDomain", "out");
	ASSERT(!xs_is_domain_introduced(h, 7));
	ASSERT(!xs_release_domain(h, 7));
	ASSERT_EQ(errno, ENOENT);
	p = xs_get_domain_path(h, 7);
	ASSERT_STREQ(p, "/local/domain/7");
	free(p);
	p = xs_get_domain_path(h, 0);
	ASSERT_STREQ(p, "/local/domain/0");
	free(p);
	xs_close(w);
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

/* Runs a xenstore-utils tool against the daemon; returns its stdout
 * (caller frees) and exit status. */
static char *tool(const char *sock, int *status, const char *prog, ...)
{
	char *argv[16], env[300];
	char *envv[] = { env, NULL };
	struct mp_run_result res;
	va_list ap;
	int n = 0;

	argv[n++] = (char *)prog;
	va_start(ap, prog);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(env, sizeof(env), "XENSTORED_PATH=%s", sock);
	ASSERT_EQ(mp_run(argv, envv, 10000, &res), 0);
	*status = res.status;
	free(res.err);
	return res.out;
}

TEST(xenstored_xenstore_utils)
{
	struct xsd d;
	char *out;
	int st;

	mp_test_require_prog("xenstore-write", "xenstore-utils");
	xsd_start(&d);
	out = tool(d.sock, &st, "xenstore-write", "/t/a", "1", "/t/b/c", "two words", NULL);
	ASSERT_EQ(st, 0);
	free(out);
	out = tool(d.sock, &st, "xenstore-read", "/t/b/c", NULL);
	ASSERT_EQ(st, 0);
	ASSERT_STREQ(out, "two words\n");
	free(out);
	out = tool(d.sock, &st, "xenstore-list", "/t", NULL);
	ASSERT_EQ(st, 0);
	ASSERT_STREQ(out, "a\nb\n");
	free(out);
	out = tool(d.sock, &st, "xenstore-ls", "/t", NULL);
	ASSERT_EQ(st, 0);
	ASSERT_STREQ(out, "a = \"1\"\nb = \"\"\n c = \"two words\"\n");
	free(out);
	out = tool(d.sock, &st, "xenstore-rm", "/t/b", NULL);
	ASSERT_EQ(st, 0);
	free(out);
	out = tool(d.sock, &st, "xenstore-read", "/t/b/c", NULL);
	ASSERT(st != 0);
	free(out);
	out = tool(d.sock, &st, "xenstore-list", "/t", NULL);
	ASSERT_STREQ(out, "a\n");
	free(out);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_sigterm_cleans_up)
{
	struct xsd d;
	struct stat st;
	struct xs_handle *h;

	xsd_start(&d);
	h = xopen();       /* a client still connected at exit, with state */
	ASSERT(xs_watch(h, "/x", "t"));
	ASSERT(xs_transaction_start(h) != XBT_NULL);
	ASSERT(xs_introduce_domain(h, 3, 1, 1));
	ASSERT_EQ(xsd_stop(&d), 0);
	ASSERT(stat(d.sock, &st) < 0 && errno == ENOENT);
	ASSERT(stat(d.pidfile, &st) < 0 && errno == ENOENT);
	xs_close(h);
	/* a stale socket file left by a killed daemon is replaced */
	xsd_start(&d);
	kill(d.pid, SIGKILL);
	waitpid(d.pid, NULL, 0);
	ASSERT_EQ(stat(d.sock, &st), 0);
	unlink(d.pidfile);
	xsd_start(&d);
	h = xopen();
	assert_read(h, "/local/domain/0/name", "Domain-0");
	xs_close(h);
	ASSERT_EQ(xsd_stop_sig(&d, SIGINT), 0);
	ASSERT(stat(d.sock, &st) < 0 && errno == ENOENT);
}

TEST(xenstored_transactions)
{
	struct xsd d;
	struct xs_handle *h, *o, *w;
	xs_transaction_t t, t2;
	char *v;

	xsd_start(&d);
	h = xopen();
	o = xopen();
	w = xopen();
	xwrite(h, XBT_NULL, "/tx/a", "0");
	ASSERT(xs_watch(w, "/tx", "t"));
	expect_event(w, "/tx", "t");

	/* isolation: invisible to others until commit; watches fire then */
	t = xs_transaction_start(h);
	ASSERT(t != XBT_NULL);
	xwrite(h, t, "/tx/a", "1");
	xwrite(h, t, "/tx/new/b", "2");
	v = xread(h, t, "/tx/a");
	ASSERT_STREQ(v, "1");                    /* sees its own writes */
	free(v);
	assert_read(o, "/tx/a", "0");
	assert_enoent(o, "/tx/new/b");
	expect_no_event(w);
	ASSERT(xs_transaction_end(h, t, true /* abort */));
	assert_read(o, "/tx/a", "0");
	expect_no_event(w);
	ASSERT(!xs_transaction_end(h, t, true));      /* gone */
	ASSERT_EQ(errno, ENOENT);
	t = xs_transaction_start(h);
	xwrite(h, t, "/tx/a", "1");
	xwrite(h, t, "/tx/new/b", "2");
	ASSERT(xs_rm(h, t, "/tx/a") && xs_mkdir(h, t, "/tx/a"));
	expect_no_event(w);
	ASSERT_MSG(xs_transaction_end(h, t, false /* commit */), "commit: %s",
		   mp_strerror(errno));
	assert_read(o, "/tx/a", "");
	assert_read(o, "/tx/new/b", "2");
	/* one event per change, in the transaction's order */
	expect_event(w, "/tx/a", "t");
	expect_event(w, "/tx/new/b", "t");
	expect_event(w, "/tx/a", "t");
	expect_event(w, "/tx/a", "t");
	expect_no_event(w);

	/* a conflicting write by another connection: EAGAIN */
	t = xs_transaction_start(h);
	v = xread(h, t, "/tx/new/b");
	free(v);
	xwrite(h, t, "/tx/c", "mine");
	xwrite(o, XBT_NULL, "/tx/new/b", "theirs");
	ASSERT(!xs_transaction_end(h, t, false));
	ASSERT_EQ(errno, EAGAIN);
	assert_enoent(o, "/tx/c");               /* nothing was applied */
	assert_read(o, "/tx/new/b", "theirs");

	/* a change elsewhere does not conflict */
	t = xs_transaction_start(h);
	v = xread(h, t, "/tx/new/b");
	free(v);
	xwrite(h, t, "/tx/new/b", "mine");
	xwrite(o, XBT_NULL, "/unrelated", "x");
	ASSERT_MSG(xs_transaction_end(h, t, false), "commit: %s", mp_strerror(errno));
	assert_read(o, "/tx/new/b", "mine");

	/* two transactions writing the same node: the second to commit loses */
	t = xs_transaction_start(h);
	t2 = xs_transaction_start(o);
	xwrite(h, t, "/tx/race", "h");
	xwrite(o, t2, "/tx/race", "o");
	ASSERT(xs_transaction_end(o, t2, false));
	ASSERT(!xs_transaction_end(h, t, false));
	ASSERT_EQ(errno, EAGAIN);
	assert_read(h, "/tx/race", "o");

	/* another connection's transaction id is unknown here */
	t = xs_transaction_start(h);
	ASSERT(!xs_read(o, t, "/tx/a", &(unsigned){ 0 }));
	ASSERT_EQ(errno, ENOENT);
	ASSERT(xs_transaction_end(h, t, true));
	xs_close(w);
	xs_close(o);
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_permissions)
{
	struct xsd d;
	struct xs_handle *h;
	struct xs_permissions set[3] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = 5, .perms = XS_PERM_READ },
		{ .id = 7, .perms = XS_PERM_READ | XS_PERM_WRITE },
	}, *got;
	unsigned n;

	xsd_start(&d);
	h = xopen();
	xwrite(h, XBT_NULL, "/p/node", "x");
	got = xs_get_permissions(h, XBT_NULL, "/p/node", &n);
	ASSERT(got);
	ASSERT_EQ(n, 1);                         /* default "n0" */
	ASSERT_EQ(got[0].id, 0);
	ASSERT_EQ(got[0].perms, XS_PERM_NONE);
	free(got);
	ASSERT_MSG(xs_set_permissions(h, XBT_NULL, "/p/node", set, 3),
		   "set: %s", mp_strerror(errno));
	got = xs_get_permissions(h, XBT_NULL, "/p/node", &n);
	ASSERT(got);
	ASSERT_EQ(n, 3);
	for (unsigned i = 0; i < 3; i++) {
		ASSERT_EQ(got[i].id, set[i].id);
		ASSERT_EQ(got[i].perms, set[i].perms);
	}
	free(got);
	/* children inherit their parent's permissions when created */
	xwrite(h, XBT_NULL, "/p/node/child", "y");
	got = xs_get_permissions(h, XBT_NULL, "/p/node/child", &n);
	ASSERT(got);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(got[2].id, 7);
	free(got);
	ASSERT(!xs_get_permissions(h, XBT_NULL, "/p/none", &n));
	ASSERT_EQ(errno, ENOENT);
	ASSERT(!xs_set_permissions(h, XBT_NULL, "/p/none", set, 1));
	ASSERT_EQ(errno, ENOENT);
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

/* A directory whose list of children exceeds one message: DIRECTORY
 * answers E2BIG and libxenstore pages through DIRECTORY_PART. */
TEST(xenstored_directory_part)
{
	enum { KIDS = 300 };
	struct xsd d;
	struct xs_handle *h;
	char path[128], **dir;
	unsigned n;

	xsd_start(&d);
	h = xopen();
	for (int i = 0; i < KIDS; i++) {
		snprintf(path, sizeof(path), "/big/child-with-a-long-name-%04d", i);
		xwrite(h, XBT_NULL, path, "v");
	}
	dir = xs_directory(h, XBT_NULL, "/big", &n);
	ASSERT_MSG(dir, "xs_directory: %s", mp_strerror(errno));
	ASSERT_EQ(n, KIDS);
	for (int i = 0; i < KIDS; i++) {
		snprintf(path, sizeof(path), "child-with-a-long-name-%04d", i);
		ASSERT_STREQ(dir[i], path);
	}
	free(dir);
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_many_clients)
{
	enum { CLIENTS = 50 };
	struct xsd d;
	struct xs_handle *h[CLIENTS], *w;
	char path[64], val[16], p[256], tok[256];
	int seen[CLIENTS] = { 0 };

	xsd_start(&d);
	w = xopen();
	ASSERT(xs_watch(w, "/many", "m"));
	expect_event(w, "/many", "m");
	for (int i = 0; i < CLIENTS; i++)
		h[i] = xopen();
	for (int i = 0; i < CLIENTS; i++) {
		snprintf(path, sizeof(path), "/many/%d", i);
		snprintf(val, sizeof(val), "%d", i * 7);
		xwrite(h[i], XBT_NULL, path, val);
	}
	for (int i = 0; i < CLIENTS; i++) {
		snprintf(path, sizeof(path), "/many/%d", (i + 1) % CLIENTS);
		snprintf(val, sizeof(val), "%d", (i + 1) % CLIENTS * 7);
		assert_read(h[i], path, val);
	}
	for (int i = 0; i < CLIENTS; i++) {
		int k;

		ASSERT(next_event(w, p, tok));
		ASSERT(sscanf(p, "/many/%d", &k) == 1 && k >= 0 && k < CLIENTS);
		seen[k]++;
	}
	for (int i = 0; i < CLIENTS; i++)
		ASSERT_EQ(seen[i], 1);
	for (int i = 0; i < CLIENTS; i++)
		xs_close(h[i]);
	xs_close(w);
	ASSERT_EQ(xsd_stop(&d), 0);
}

/* ---- raw protocol: what libxenstore never sends ---- */

static int raw_connect(const char *sock)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ASSERT(fd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	ASSERT_MSG(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0,
		   "connect: %s", mp_strerror(errno));
	return fd;
}

static void raw_write(int fd, const void *buf, size_t len)
{
	ASSERT_EQ(write(fd, buf, len), (ssize_t)len);
}

static void raw_send(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
		     const void *payload, uint32_t len)
{
	struct xsd_sockmsg hdr = { type, req_id, tx_id, len };
	char buf[sizeof(hdr) + XENSTORE_PAYLOAD_MAX];

	ASSERT(len <= XENSTORE_PAYLOAD_MAX);
	memcpy(buf, &hdr, sizeof(hdr));
	if (len)
		memcpy(buf + sizeof(hdr), payload, len);
	raw_write(fd, buf, sizeof(hdr) + len);
}

/* Reads exactly len bytes; false on EOF or after timeout_ms of silence. */
static bool raw_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return false;
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* Receives one message (body NUL-terminated for convenience). */
static bool raw_recv(int fd, struct xsd_sockmsg *hdr, char body[XENSTORE_PAYLOAD_MAX + 1],
		     int timeout_ms)
{
	if (!raw_read_full(fd, hdr, sizeof(*hdr), timeout_ms))
		return false;
	ASSERT(hdr->len <= XENSTORE_PAYLOAD_MAX);
	if (!raw_read_full(fd, body, hdr->len, EVENT_TIMEOUT_MS))
		return false;
	body[hdr->len] = '\0';
	return true;
}

/* Sends one request and checks the reply's header echoes it. */
static void raw_call(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
		     const void *payload, uint32_t len, struct xsd_sockmsg *hdr,
		     char body[XENSTORE_PAYLOAD_MAX + 1])
{
	raw_send(fd, type, req_id, tx_id, payload, len);
	ASSERT_MSG(raw_recv(fd, hdr, body, EVENT_TIMEOUT_MS), "no reply to type %u", type);
	ASSERT_EQ(hdr->req_id, req_id);
	ASSERT_EQ(hdr->tx_id, tx_id);
	ASSERT_MSG(hdr->type == type || hdr->type == XS_ERROR,
		   "reply type %u to request type %u", hdr->type, type);
}

static void raw_expect_error(int fd, uint32_t type, const void *payload,
			     uint32_t len, const char *err)
{
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];

	raw_call(fd, type, 77, 0, payload, len, &hdr, body);
	ASSERT_MSG(hdr.type == XS_ERROR, "type %u: no error (reply \"%s\")", type, body);
	ASSERT_EQ(hdr.len, strlen(err) + 1);
	ASSERT_STREQ(body, err);
}

TEST(xenstored_raw_unknown_types_enosys)
{
	static const uint32_t types[] = { XS_CONTROL, XS_RESUME, XS_SET_TARGET,
					  XS_SET_TARGET + 1, XS_WATCH_EVENT, XS_ERROR,
					  XS_TYPE_COUNT, XS_INVALID, 0x7fffffff };
	struct xsd d;
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
	int fd;

	xsd_start(&d);
	fd = raw_connect(d.sock);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		raw_call(fd, types[i], 1000 + (uint32_t)i, 0, "x\0", 2, &hdr, body);
		ASSERT_EQ(hdr.type, XS_ERROR);
		ASSERT_STREQ(body, "ENOSYS");
	}
	/* a good request: type, req_id and tx_id echoed */
	raw_call(fd, XS_READ, 0xdeadbeef, 0, "/local/domain/0/name", 21, &hdr, body);
	ASSERT_EQ(hdr.type, XS_READ);
	ASSERT_EQ(hdr.len, 8);
	ASSERT(memcmp(body, "Domain-0", 8) == 0);
	/* an unknown transaction: ENOENT, tx_id still echoed */
	raw_call(fd, XS_READ, 5, 4242, "/local\0", 7, &hdr, body);
	ASSERT_EQ(hdr.type, XS_ERROR);
	ASSERT_STREQ(body, "ENOENT");
	close(fd);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_raw_malformed_requests)
{
	struct xsd d;
	char longpath[XENSTORE_ABS_PATH_MAX + 10];
	int fd;

	xsd_start(&d);
	fd = raw_connect(d.sock);
	raw_expect_error(fd, XS_READ, "/local", 6, "EINVAL");          /* no NUL */
	raw_expect_error(fd, XS_READ, "", 0, "EINVAL");                /* empty */
	raw_expect_error(fd, XS_READ, "/a\0/b\0", 6, "EINVAL");        /* two args */
	raw_expect_error(fd, XS_READ, "/a b\0", 5, "EINVAL");
	raw_expect_error(fd, XS_READ, "@introduceDomain\0", 17, "EINVAL");
	raw_expect_error(fd, XS_WRITE, "/novalue", 8, "EINVAL");
	raw_expect_error(fd, XS_WATCH, "/only-path\0", 11, "EINVAL");
	raw_expect_error(fd, XS_WATCH, "/a b\0t\0", 8, "EINVAL");
	raw_expect_error(fd, XS_WATCH, "\0t\0", 3, "EINVAL");
	raw_expect_error(fd, XS_UNWATCH, "/never\0t\0", 9, "ENOENT");
	raw_expect_error(fd, XS_TRANSACTION_END, "T\0", 2, "ENOENT"); /* no txn */
	raw_expect_error(fd, XS_GET_DOMAIN_PATH, "abc\0", 4, "EINVAL");
	raw_expect_error(fd, XS_GET_DOMAIN_PATH, "99999999999999999999\0", 21, "EINVAL");
	raw_expect_error(fd, XS_IS_DOMAIN_INTRODUCED, "-1\0", 3, "EINVAL");
	raw_expect_error(fd, XS_INTRODUCE, "5\0", 2, "EINVAL");
	raw_expect_error(fd, XS_INTRODUCE, "0\0" "1\0" "2\0", 6, "EINVAL");
	raw_expect_error(fd, XS_RELEASE, "0\0", 2, "EINVAL");
	raw_expect_error(fd, XS_SET_PERMS, "/local\0x0\0", 10, "EINVAL");
	raw_expect_error(fd, XS_SET_PERMS, "/local\0", 7, "EINVAL");
	raw_expect_error(fd, XS_RM, "/\0", 2, "EINVAL");
	raw_expect_error(fd, XS_DIRECTORY_PART, "/local\0", 7, "EINVAL");
	raw_expect_error(fd, XS_DIRECTORY_PART, "/local\0" "999\0", 11, "EINVAL");
	longpath[0] = '/';
	memset(longpath + 1, 'a', sizeof(longpath) - 2);
	longpath[sizeof(longpath) - 1] = '\0';
	raw_expect_error(fd, XS_WRITE, longpath, sizeof(longpath), "EINVAL");
	close(fd);
	ASSERT_EQ(xsd_stop(&d), 0);
}

/* Messages split at every byte and several in one write are framed
 * right; a DIRECTORY_PART answer has its documented layout. */
TEST(xenstored_raw_framing_and_directory_part)
{
	struct xsd d;
	struct xsd_sockmsg hdr = { XS_DIRECTORY, 9, 0, 16 };
	char buf[64], body[XENSTORE_PAYLOAD_MAX + 1], *p;
	int fd;

	xsd_start(&d);
	fd = raw_connect(d.sock);
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), "/local/domain/0", 16);
	for (size_t i = 0; i < sizeof(hdr) + 16; i++) {
		raw_write(fd, buf + i, 1);
		usleep(1000);
	}
	ASSERT(raw_recv(fd, &hdr, body, EVENT_TIMEOUT_MS));
	ASSERT_EQ(hdr.type, XS_DIRECTORY);
	ASSERT_EQ(hdr.len, 11);
	ASSERT(memcmp(body, "domid\0name\0", 11) == 0);
	/* two requests in one write */
	{
		struct xsd_sockmsg h1 = { XS_GET_DOMAIN_PATH, 1, 0, 2 };
		struct xsd_sockmsg h2 = { XS_IS_DOMAIN_INTRODUCED, 2, 0, 2 };

		memcpy(buf, &h1, sizeof(h1));
		memcpy(buf + sizeof(h1), "3", 2);
		memcpy(buf + sizeof(h1) + 2, &h2, sizeof(h2));
		memcpy(buf + 2 * sizeof(h1) + 2, "0", 2);
		raw_write(fd, buf, 2 * sizeof(h1) + 4);
		ASSERT(raw_recv(fd, &hdr, body, EVENT_TIMEOUT_MS));
		ASSERT_EQ(hdr.req_id, 1);
		ASSERT_STREQ(body, "/local/domain/3");
		ASSERT(raw_recv(fd, &hdr, body, EVENT_TIMEOUT_MS));
		ASSERT_EQ(hdr.req_id, 2);
		ASSERT_STREQ(body, "T");
	}
	/* DIRECTORY_PART: generation, children, empty string at the end */
	raw_call(fd, XS_DIRECTORY_PART, 3, 0, "/local/domain/0\0" "0\0", 18, &hdr, body);
	ASSERT_EQ(hdr.type, XS_DIRECTORY_PART);
	p = body + strlen(body) + 1;
	ASSERT(strlen(body) > 0 && strspn(body, "0123456789") == strlen(body));
	ASSERT_EQ(hdr.len, strlen(body) + 1 + 12);
	ASSERT(memcmp(p, "domid\0name\0\0", 12) == 0);
	raw_call(fd, XS_DIRECTORY_PART, 4, 0, "/local/domain/0\0" "6\0", 18, &hdr, body);
	p = body + strlen(body) + 1;
	ASSERT_EQ(hdr.len, strlen(body) + 1 + 6);
	ASSERT(memcmp(p, "name\0\0", 6) == 0);
	close(fd);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_raw_oversized_closes_only_that_client)
{
	struct xsd d;
	struct xsd_sockmsg hdr = { XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	struct xs_handle *h;
	char body[XENSTORE_PAYLOAD_MAX + 1];
	int fd, half;

	xsd_start(&d);
	h = xopen();
	xwrite(h, XBT_NULL, "/still", "here");
	fd = raw_connect(d.sock);
	raw_write(fd, &hdr, sizeof(hdr));
	ASSERT_MSG(!raw_recv(fd, &hdr, body, EVENT_TIMEOUT_MS),
		   "an oversized message was answered");
	close(fd);
	/* a client that leaves half a header behind */
	half = raw_connect(d.sock);
	raw_write(half, &hdr, sizeof(hdr) / 2);
	close(half);
	/* a client that sends a huge length in one go */
	fd = raw_connect(d.sock);
	hdr.len = 0xffffffff;
	raw_write(fd, &hdr, sizeof(hdr));
	ASSERT(!raw_recv(fd, &hdr, body, EVENT_TIMEOUT_MS));
	close(fd);
	assert_read(h, "/still", "here");
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

/* Per-connection quotas: watches (E2BIG) and open transactions (ENOSPC),
 * as xenstored answers past its quotas. The limits are the daemon's
 * (src/testbed/xenstored/internal.h): found by counting up to them. */
TEST(xenstored_raw_quotas)
{
	enum { LIMIT_GUARD = 100000 };
	struct xsd d;
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1], req[64];
	int fd, n;

	xsd_start(&d);
	fd = raw_connect(d.sock);
	for (n = 0; n < LIMIT_GUARD; n++) {
		int len = snprintf(req, sizeof(req), "/q/%d", n) + 1;

		len += snprintf(req + len, sizeof(req) - (size_t)len, "t") + 1;
		raw_call(fd, XS_WATCH, (uint32_t)n, 0, req, (uint32_t)len, &hdr, body);
		if (hdr.type == XS_ERROR)
			break;
		ASSERT(raw_recv(fd, &hdr, body, EVENT_TIMEOUT_MS));   /* event */
	}
	ASSERT_MSG(n > 0 && n < LIMIT_GUARD, "no watch limit (%d)", n);
	ASSERT_STREQ(body, "E2BIG");
	for (n = 0; n < LIMIT_GUARD; n++) {
		raw_call(fd, XS_TRANSACTION_START, (uint32_t)n, 0, "", 1, &hdr, body);
		if (hdr.type == XS_ERROR)
			break;
	}
	ASSERT_MSG(n > 0 && n < LIMIT_GUARD, "no transaction limit (%d)", n);
	ASSERT_STREQ(body, "ENOSPC");
	close(fd);
	ASSERT_EQ(xsd_stop(&d), 0);
}

TEST(xenstored_raw_reset_watches)
{
	struct xsd d;
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t txid;
	struct xs_handle *h;
	int fd;

	xsd_start(&d);
	h = xopen();
	fd = raw_connect(d.sock);
	raw_call(fd, XS_WATCH, 1, 0, "/r\0tok\0", 7, &hdr, body);
	ASSERT_STREQ(body, "OK");
	ASSERT(raw_recv(fd, &hdr, body, EVENT_TIMEOUT_MS));      /* registration */
	ASSERT_EQ(hdr.type, XS_WATCH_EVENT);
	ASSERT_EQ(hdr.req_id, 0);
	ASSERT_EQ(hdr.len, 7);
	ASSERT(memcmp(body, "/r\0tok\0", 7) == 0);
	xwrite(h, XBT_NULL, "/r/x", "1");
	ASSERT(raw_recv(fd, &hdr, body, EVENT_TIMEOUT_MS));
	ASSERT_EQ(hdr.type, XS_WATCH_EVENT);
	ASSERT(memcmp(body, "/r/x\0tok\0", 9) == 0);
	raw_call(fd, XS_WATCH, 2, 0, "/r\0tok\0", 7, &hdr, body);
	ASSERT_STREQ(body, "EEXIST");
	raw_call(fd, XS_TRANSACTION_START, 3, 0, "\0", 1, &hdr, body);
	ASSERT_EQ(hdr.type, XS_TRANSACTION_START);
	txid = (uint32_t)strtoul(body, NULL, 10);
	ASSERT(txid != 0);
	raw_call(fd, XS_RESET_WATCHES, 4, 0, "\0", 1, &hdr, body);
	ASSERT_STREQ(body, "OK");
	xwrite(h, XBT_NULL, "/r/x", "2");
	assert_read(h, "/r/x", "2");
	ASSERT_MSG(!raw_recv(fd, &hdr, body, 200), "event after RESET_WATCHES");
	/* the transaction went too */
	raw_call(fd, XS_READ, 5, txid, "/r\0", 3, &hdr, body);
	ASSERT_STREQ(body, "ENOENT");
	close(fd);
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

/* A client that watches everything and never reads is disconnected once
 * its unread events pass the daemon's output limit; others go on. */
TEST_T(xenstored_slow_reader_disconnected, 120)
{
	enum { TOKEN = 4000, GUARD_WRITES = 20000 };
	struct xsd d;
	struct xs_handle *h;
	char req[2 + TOKEN + 1], *log;
	int fd, i;

	xsd_start(&d);
	h = xopen();
	fd = raw_connect(d.sock);
	memcpy(req, "/\0", 2);
	memset(req + 2, 'k', TOKEN);
	req[2 + TOKEN] = '\0';
	raw_send(fd, XS_WATCH, 1, 0, req, sizeof(req));
	/* each write queues a ~4 KiB event for fd: stop once it is dropped */
	for (i = 0; i < GUARD_WRITES; i++) {
		xwrite(h, XBT_NULL, "/flood", "x");
		if (i % 256 == 0) {
			log = mp_test_read_file(d.log);
			bool dropped = log && strstr(log, "does not read");

			free(log);
			if (dropped)
				break;
		}
	}
	ASSERT_MSG(i < GUARD_WRITES, "a client that never reads was kept");
	/* its socket ends with EOF after what was already sent */
	{
		char buf[65536];
		ssize_t n;

		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		ASSERT_EQ(n, 0);
	}
	close(fd);
	assert_read(h, "/flood", "x");
	xs_close(h);
	ASSERT_EQ(xsd_stop(&d), 0);
}

/* Concurrent read-modify-write of one counter by several clients, each in
 * a transaction retried on EAGAIN: no increment may be lost, which only
 * holds if every conflicting commit is refused. */
enum { INC_THREADS = 8, INC_EACH = 50 };

struct inc_arg {
	int retries;
	int failed;
};

static void *incrementer(void *p)
{
	struct inc_arg *a = p;
	struct xs_handle *h = xs_open(0);

	if (!h) {
		a->failed = 1;
		return NULL;
	}
	for (int i = 0; i < INC_EACH && !a->failed; i++) {
		for (;;) {
			xs_transaction_t t = xs_transaction_start(h);
			unsigned len;
			char *v, buf[16];
			int n;

			if (t == XBT_NULL) {
				a->failed = 1;
				break;
			}
			v = xs_read(h, t, "/counter", &len);
			n = snprintf(buf, sizeof(buf), "%d", v ? atoi(v) + 1 : 1);
			free(v);
			if (!xs_write(h, t, "/counter", buf, (unsigned)n)) {
				a->failed = 1;
				break;
			}
			if (xs_transaction_end(h, t, false))
				break;
			if (errno != EAGAIN) {
				a->failed = 1;
				break;
			}
			a->retries++;
		}
	}
	xs_close(h);
	return NULL;
}

TEST(xenstored_concurrent_transactions_lose_nothing)
{
	struct xsd d;
	struct xs_handle *h;
	pthread_t th[INC_THREADS];
	struct inc_arg args[INC_THREADS];
	char want[16];
	int retries = 0;

	xsd_start(&d);
	memset(args, 0, sizeof(args));
	for (int i = 0; i < INC_THREADS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, incrementer, &args[i]), 0);
	for (int i = 0; i < INC_THREADS; i++) {
		pthread_join(th[i], NULL);
		ASSERT_MSG(!args[i].failed, "client %d failed", i);
		retries += args[i].retries;
	}
	h = xopen();
	snprintf(want, sizeof(want), "%d", INC_THREADS * INC_EACH);
	assert_read(h, "/counter", want);
	xs_close(h);
	printf("%d commits refused with EAGAIN and retried\n", retries);
	ASSERT_EQ(xsd_stop(&d), 0);
}
