#include "testbed/xl/domain.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/netns.h"
#include "common/run.h"

#define BACKEND_STATE_INIT "2"       /* XenbusStateInitWait */
#define STATE_CONNECTED "4"          /* XenbusStateConnected */

int mp_xl_env(struct mp_xl_env *env)
{
	const char *p = getenv("MP_TESTBED_PREFIX"), *s = getenv("MP_TESTBED_STATE");

	if (!p || !*p || !s || !*s || strlen(p) >= sizeof(env->prefix) ||
	    strlen(s) >= sizeof(env->state)) {
		mp_err("not inside a testbed: run me as `mir-perf-testbed exec --prefix P -- "
		       "mir-perf-xl ...`");
		return -ENOENT;
	}
	snprintf(env->prefix, sizeof(env->prefix), "%s", p);
	snprintf(env->state, sizeof(env->state), "%s", s);
	return 0;
}

static int xs_printf(struct xs_handle *xs, xs_transaction_t t, const char *value,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int xs_printf(struct xs_handle *xs, xs_transaction_t t, const char *value,
		     const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return xs_write(xs, t, path, value, (unsigned)strlen(value)) ? 0 : -errno;
}

static char *xs_get(struct xs_handle *xs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *xs_get(struct xs_handle *xs, const char *fmt, ...)
{
	char path[256];
	unsigned len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return xs_read(xs, XBT_NULL, path, &len);
}

int mp_xl_domid(struct xs_handle *xs, const char *name)
{
	unsigned n = 0;
	char **ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	int found = -ESRCH;

	for (unsigned i = 0; ids && i < n && found < 0; i++) {
		char *v = xs_get(xs, "/local/domain/%s/name", ids[i]);

		if (v && strcmp(v, name) == 0)
			found = atoi(ids[i]);
		free(v);
	}
	free(ids);
	return found;
}

static int next_domid(struct xs_handle *xs)
{
	char *v = xs_get(xs, MP_XL_TOOL_PATH "/next-domid");
	int id = v ? atoi(v) : 1;

	free(v);
	if (id < 1)
		id = 1;
	return id;
}

static void random_mac(char out[MP_MAC_STRLEN])
{
	uint8_t mac[MP_MAC_LEN] = { 0x00, 0x16, 0x3e };

	if (getrandom(mac + 3, 3, 0) != 3)
		mac[5] = (uint8_t)getpid();
	mac[3] &= 0x7f;
	mp_mac_format(mac, out);
}

struct dom {
	int domid;
	char name[64];
	char ns[96];
	struct mp_xl_vif vifs[MP_XL_MAX_VIFS];
	size_t nvifs;
};

static int ip(char *const argv[])
{
	return mp_netns_cmd(argv) == 0 ? 0 : -EIO;
}

/* Kills every process left in namespace `ns` and deletes it. */
static void kill_and_delete(char *ns)
{
	char *pids[] = { "ip", "netns", "pids", ns, NULL };
	char *del[] = { "ip", "netns", "del", ns, NULL };
	struct mp_run_result r;

	if (mp_run(pids, NULL, 5000, &r) == 0) {
		for (char *p = r.out, *sv = NULL, *t; (t = strtok_r(p, "\n", &sv)); p = NULL)
			kill(atoi(t), SIGKILL);
		mp_run_result_free(&r);
	}
	mp_netns_cmd(del);
}

/* The namespaces a domain's program made inside it, "<its ns>-*" (the
 * traff-gen agent's receiving side, `--rx-netns`), go with the domain as
 * everything inside a guest does when Xen destroys it: their processes
 * killed, the namespaces deleted. */
static void remove_inner_namespaces(const char *ns)
{
	char prefix[128], **names;
	int n;

	snprintf(prefix, sizeof(prefix), "%s-", ns);
	n = mp_netns_list(prefix, &names);
	for (int i = 0; i < n; i++) {
		kill_and_delete(names[i]);
		free(names[i]);
	}
	free(names);
}

/* Removes interfaces, namespace and nodes; releases the domain. Tolerates
 * anything already gone (and a xenstored that is gone). */
static void teardown(struct xs_handle *xs, const struct dom *d)
{
	char path[128];

	remove_inner_namespaces(d->ns);
	for (size_t i = 0; i < d->nvifs; i++) {
		char *argv[] = { "ip", "link", "del", (char *)d->vifs[i].vifname, NULL };

		mp_netns_cmd(argv);
	}
	if (mp_netns_exists(d->ns)) {
		char *argv[] = { "ip", "netns", "del", (char *)d->ns, NULL };

		mp_netns_cmd(argv);
	}
	if (!xs)
		return;
	snprintf(path, sizeof(path), "/local/domain/%d", d->domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%d", d->domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), "/vm/%d", d->domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), MP_XL_TOOL_PATH "/%d", d->domid);
	xs_rm(xs, XBT_NULL, path);
	xs_release_domain(xs, (unsigned)d->domid);
}

/* The backend's hotplug script as libxl names it. */
#define VIF_SCRIPT "/etc/xen/scripts/vif-bridge"

/* xl's name for a vif's dom0 end when the config gives none: vifD.N. */
static void default_vifname(char name[IFNAMSIZ], int domid, size_t devid)
{
	/* domid < 32768 and devid < MP_XL_MAX_VIFS: "vif32767.7" fits. */
	snprintf(name, IFNAMSIZ, "vif%d.%u", domid & 0x7fff, (unsigned)devid % MP_XL_MAX_VIFS);
}

static int is_default_vifname(const char *name, int domid, size_t devid)
{
	char def[IFNAMSIZ];

	default_vifname(def, domid, devid);
	return strcmp(name, def) == 0;
}

/* The offload features each side of a vif writes, as Linux's netfront and
 * netback do (drivers/net/xen-netfront.c talk_to_netback, xen-netback
 * netback_probe): the testbed's vifs are veth pairs that take SG, GSO
 * frames and partial checksums, and every domain program passes them on
 * (mir-perf-forward keeps them: forward/fwd.h), as a Linux guest does. */
static const struct {
	const char *node, *value;
} frontend_features[] = {
	{ "request-rx-copy", "1" }, { "feature-rx-notify", "1" }, { "feature-sg", "1" },
	{ "feature-gso-tcpv4", "1" }, { "feature-gso-tcpv6", "1" },
	{ "feature-ipv6-csum-offload", "1" },
}, backend_features[] = {
	{ "feature-sg", "1" }, { "feature-gso-tcpv4", "1" }, { "feature-gso-tcpv6", "1" },
	{ "feature-ipv6-csum-offload", "1" }, { "feature-rx-copy", "1" },
	{ "feature-rx-flip", "0" }, { "feature-multicast-control", "1" },
	{ "feature-split-event-channels", "1" },
};

static int write_features(struct xs_handle *xs, xs_transaction_t t, const char *fe,
			  const char *be)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(frontend_features) / sizeof(frontend_features[0]); i++)
		rc = xs_printf(xs, t, frontend_features[i].value, "%s/%s", fe,
			       frontend_features[i].node);
	for (size_t i = 0; rc == 0 && i < sizeof(backend_features) / sizeof(backend_features[0]); i++)
		rc = xs_printf(xs, t, backend_features[i].value, "%s/%s", be,
			       backend_features[i].node);
	return rc;
}

static int write_nodes(struct xs_handle *xs, const struct dom *d)
{
	char id[16], v[16];
	xs_transaction_t t;
	int rc;

	snprintf(id, sizeof(id), "%d", d->domid);
	for (int attempt = 0; attempt < 10; attempt++) {
		t = xs_transaction_start(xs);
		if (t == XBT_NULL)
			return -errno;
		rc = xs_printf(xs, t, d->name, "/local/domain/%d/name", d->domid);
		rc = rc ?: xs_printf(xs, t, id, "/local/domain/%d/domid", d->domid);
		snprintf(v, sizeof(v), "/vm/%d", d->domid);
		rc = rc ?: xs_printf(xs, t, v, "/local/domain/%d/vm", d->domid);
		rc = rc ?: xs_printf(xs, t, d->name, "/vm/%d/name", d->domid);
		for (size_t i = 0; rc == 0 && i < d->nvifs; i++) {
			const struct mp_xl_vif *vif = &d->vifs[i];
			char fe[128], be[128], h[24];

			snprintf(fe, sizeof(fe), "/local/domain/%d/device/vif/%zu", d->domid, i);
			snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%d/%zu", d->domid, i);
			snprintf(h, sizeof(h), "%zu", i);
			rc = rc ?: xs_printf(xs, t, be, "%s/backend", fe);
			rc = rc ?: xs_printf(xs, t, "0", "%s/backend-id", fe);
			rc = rc ?: xs_printf(xs, t, vif->mac, "%s/mac", fe);
			rc = rc ?: xs_printf(xs, t, h, "%s/handle", fe);
			rc = rc ?: xs_printf(xs, t, "1", "%s/state", fe);
			rc = rc ?: xs_printf(xs, t, fe, "%s/frontend", be);
			rc = rc ?: xs_printf(xs, t, id, "%s/frontend-id", be);
			rc = rc ?: xs_printf(xs, t, "1", "%s/online", be);
			rc = rc ?: xs_printf(xs, t, BACKEND_STATE_INIT, "%s/state", be);
			rc = rc ?: xs_printf(xs, t, VIF_SCRIPT, "%s/script", be);
			rc = rc ?: xs_printf(xs, t, vif->mac, "%s/mac", be);
			rc = rc ?: xs_printf(xs, t, vif->bridge, "%s/bridge", be);
			rc = rc ?: xs_printf(xs, t, h, "%s/handle", be);
			rc = rc ?: xs_printf(xs, t, "vif", "%s/type", be);
			/* libxl writes vifname only when the config names the vif
			 * (checked against Xen 4.17); else dom0's name is xl's default */
			if (!is_default_vifname(vif->vifname, d->domid, i))
				rc = rc ?: xs_printf(xs, t, vif->vifname, "%s/vifname", be);
			rc = rc ?: xs_printf(xs, t, "", "%s/hotplug-status", be);
			rc = rc ?: write_features(xs, t, fe, be);
		}
		snprintf(v, sizeof(v), "%d", d->domid + 1);
		rc = rc ?: xs_printf(xs, t, v, MP_XL_TOOL_PATH "/next-domid");
		if (rc) {
			xs_transaction_end(xs, t, true);
			return rc;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

static int connect_vifs(struct xs_handle *xs, const struct dom *d)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->nvifs; i++) {
		rc = xs_printf(xs, XBT_NULL, "connected",
			       "/local/domain/0/backend/vif/%d/%zu/hotplug-status", d->domid, i);
		rc = rc ?: xs_printf(xs, XBT_NULL, STATE_CONNECTED,
				     "/local/domain/0/backend/vif/%d/%zu/state", d->domid, i);
		rc = rc ?: xs_printf(xs, XBT_NULL, STATE_CONNECTED,
				     "/local/domain/%d/device/vif/%zu/state", d->domid, i);
	}
	return rc;
}

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static pid_t start_program(const struct dom *d, const struct mp_xl_cfg *cfg, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		char extra[sizeof(cfg->extra)], *argv[MP_XL_MAX_ARGS + 2], *save = NULL;
		size_t n = 0;
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		signal(SIGTERM, SIG_DFL);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (mp_netns_enter(d->ns) < 0)
			_exit(126);
		snprintf(extra, sizeof(extra), "%s", cfg->extra);
		argv[n++] = (char *)cfg->kernel;
		for (char *a = strtok_r(extra, " \t", &save); a && n < MP_XL_MAX_ARGS + 1;
		     a = strtok_r(NULL, " \t", &save))
			argv[n++] = a;
		argv[n] = NULL;
		execv(argv[0], argv);
		fprintf(stderr, "mir-perf-xl: cannot run %s: %s\n", argv[0], mp_strerror(errno));
		_exit(127);
	}
	return pid;
}

/* The per-domain supervisor: runs the program, waits for it (or for
 * SIGTERM from destroy), then removes and releases the domain. Reports the
 * program's start through `ready` (a pipe's write end). */
static void supervise(const struct mp_xl_env *env, const struct dom *d,
		      const struct mp_xl_cfg *cfg, int ready)
{
	char log[512], pidfile[512], buf[64];
	struct xs_handle *xs;
	int status;
	pid_t prog;
	FILE *f;

	struct sigaction sa = { .sa_handler = on_term };   /* no SA_RESTART: wake waitpid */

	sigaction(SIGTERM, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	snprintf(log, sizeof(log), "%s/" MP_XL_CONSOLE_DIR, env->state);
	mkdir(log, 0755);
	snprintf(log, sizeof(log), MP_XL_CONSOLE_FMT, env->state, d->name);
	prog = start_program(d, cfg, log);
	if (prog < 0) {
		if (write(ready, "F", 1) < 0)
			_exit(1);
		_exit(1);
	}
	snprintf(pidfile, sizeof(pidfile), "%s/dom-%s.pid", env->state, d->name);
	f = fopen(pidfile, "w");
	if (f) {
		fprintf(f, "%d\n%d\n", getpid(), prog);
		fclose(f);
	}
	xs = xs_open(0);
	if (xs) {
		snprintf(buf, sizeof(buf), "%d", getpid());
		xs_printf(xs, XBT_NULL, buf, MP_XL_TOOL_PATH "/%d/supervisor", d->domid);
		snprintf(buf, sizeof(buf), "%d", prog);
		xs_printf(xs, XBT_NULL, buf, MP_XL_TOOL_PATH "/%d/pid", d->domid);
		connect_vifs(xs, d);
		xs_close(xs);
	}
	if (write(ready, "R", 1) < 0)
		mp_warn("cannot report the start of %s", d->name);
	close(ready);

	while (waitpid(prog, &status, 0) < 0) {
		if (errno != EINTR)
			break;
		if (stop_requested) {
			kill(prog, SIGTERM);
			for (int i = 0; i < MP_XL_STOP_GRACE_MS / 20; i++) {
				if (waitpid(prog, &status, WNOHANG) == prog)
					goto gone;
				usleep(20000);
			}
			kill(prog, SIGKILL);
		}
	}
gone:
	/* Anything the program left in its namespace goes too. */
	{
		char *argv[] = { "ip", "netns", "pids", (char *)d->ns, NULL };
		struct mp_run_result r;

		if (mp_run(argv, NULL, 5000, &r) == 0) {
			for (char *p = r.out, *s = NULL, *t; (t = strtok_r(p, "\n", &s)); p = NULL)
				kill(atoi(t), SIGKILL);
			mp_run_result_free(&r);
		}
	}
	xs = xs_open(0);
	teardown(xs, d);
	if (xs)
		xs_close(xs);
	unlink(pidfile);
	_exit(0);
}

int mp_xl_create(struct xs_handle *xs, const struct mp_xl_env *env,
		 const struct mp_xl_cfg *cfg)
{
	struct dom d;
	int rc, pipefd[2];
	pid_t pid;
	char c = 0;

	if (mp_xl_domid(xs, cfg->name) >= 0) {
		mp_err("a domain called %s already exists; destroy it first", cfg->name);
		return -EEXIST;
	}
	memset(&d, 0, sizeof(d));
	d.domid = next_domid(xs);
	snprintf(d.name, sizeof(d.name), "%s", cfg->name);
	snprintf(d.ns, sizeof(d.ns), "%s-%s", env->prefix, cfg->name);
	d.nvifs = cfg->nvifs;
	for (size_t i = 0; i < d.nvifs; i++) {
		d.vifs[i] = cfg->vifs[i];
		if (!d.vifs[i].mac[0])
			random_mac(d.vifs[i].mac);
		/* domid < 32768 and i < MP_XL_MAX_VIFS: "vif32767.7" fits. */
		if (!d.vifs[i].vifname[0])
			default_vifname(d.vifs[i].vifname, d.domid, i);
	}
	{
		char *argv[] = { "ip", "netns", "add", d.ns, NULL };

		if (ip(argv) < 0) {
			mp_err("cannot create namespace %s (does it exist already? run "
			       "mir-perf-testbed down)", d.ns);
			return -EEXIST;
		}
	}
	{
		char *argv[] = { "ip", "-n", d.ns, "link", "set", "lo", "up", NULL };
		char *v6[] = { "ip", "netns", "exec", d.ns, "sysctl", "-qw",
			       "net.ipv6.conf.all.disable_ipv6=1",
			       "net.ipv6.conf.default.disable_ipv6=1", NULL };

		rc = ip(argv);
		rc = rc ?: ip(v6);
	}
	for (size_t i = 0; rc == 0 && i < d.nvifs; i++) {
		char eth[32];
		char *add[] = { "ip", "link", "add", d.vifs[i].vifname, "type", "veth", "peer",
				"name", eth, "netns", d.ns, NULL };
		char *up[] = { "ip", "link", "set", d.vifs[i].vifname, "master",
			       d.vifs[i].bridge, "up", NULL };
		char *mac[] = { "ip", "-n", d.ns, "link", "set", eth, "address",
				d.vifs[i].mac, "up", NULL };

		snprintf(eth, sizeof(eth), "eth%zu", i);
		rc = ip(add);
		if (rc == 0 && (rc = ip(up)) < 0)
			mp_err("cannot put %s on bridge %s (does the bridge exist?)",
			       d.vifs[i].vifname, d.vifs[i].bridge);
		rc = rc ?: ip(mac);
		if (rc < 0)
			mp_err("cannot set up vif %zu of %s", i, d.name);
	}
	if (rc == 0 && (rc = write_nodes(xs, &d)) < 0)
		mp_err("cannot write %s's xenstore nodes: %s", d.name, mp_strerror(rc));
	if (rc == 0 && !xs_introduce_domain(xs, (unsigned)d.domid, 0, 0)) {
		rc = -errno;
		mp_err("cannot introduce domain %d: %s", d.domid, mp_strerror(errno));
	}
	if (rc < 0 || pipe(pipefd) < 0) {
		teardown(xs, &d);
		return rc < 0 ? rc : -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		setsid();
		if (fork() != 0)
			_exit(0);
		/* The supervisor outlives us: it keeps none of our caller's pipes. */
		if (pipefd[1] != 3) {
			dup2(pipefd[1], 3);
			close(pipefd[1]);
		}
		close_range(4, ~0U, 0);
		{
			int devnull = open("/dev/null", O_RDWR);

			if (devnull >= 0) {
				dup2(devnull, STDIN_FILENO);
				dup2(devnull, STDOUT_FILENO);
				dup2(devnull, STDERR_FILENO);
				if (devnull > 3)
					close(devnull);
			}
		}
		supervise(env, &d, cfg, 3);
	}
	close(pipefd[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (pid < 0 || read(pipefd[0], &c, 1) != 1 || c != 'R') {
		close(pipefd[0]);
		mp_err("the program of %s could not start; see its console, " MP_XL_CONSOLE_FMT,
		       d.name, env->state, d.name);
		teardown(xs, &d);
		return -ECHILD;
	}
	close(pipefd[0]);
	return d.domid;
}

int mp_xl_destroy(struct xs_handle *xs, const struct mp_xl_env *env, const char *name)
{
	int domid = mp_xl_domid(xs, name);
	char *v;
	int sup;

	(void)env;
	if (domid < 0) {
		mp_err("no domain called %s", name);
		return -ESRCH;
	}
	v = xs_get(xs, MP_XL_TOOL_PATH "/%d/supervisor", domid);
	sup = v ? atoi(v) : 0;
	free(v);
	if (sup > 1 && kill(sup, SIGTERM) == 0) {
		/* The supervisor stops the program and removes the domain. */
		for (int i = 0; i < (MP_XL_STOP_GRACE_MS + 3000) / 20; i++) {
			if (kill(sup, 0) < 0 && mp_xl_domid(xs, name) < 0)
				return 0;
			usleep(20000);
		}
		kill(sup, SIGKILL);
	}
	/* No supervisor (it crashed): remove what is left ourselves. */
	{
		struct dom d;
		unsigned n = 0;
		char path[128], **devs;

		memset(&d, 0, sizeof(d));
		d.domid = domid;
		snprintf(d.name, sizeof(d.name), "%s", name);
		snprintf(d.ns, sizeof(d.ns), "%s-%s", env->prefix, name);
		snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%d", domid);
		devs = xs_directory(xs, XBT_NULL, path, &n);
		for (unsigned i = 0; devs && i < n && d.nvifs < MP_XL_MAX_VIFS; i++) {
			char *vn = xs_get(xs, "%s/%s/vifname", path, devs[i]);

			if (vn)
				snprintf(d.vifs[d.nvifs++].vifname, IFNAMSIZ, "%s", vn);
			else
				default_vifname(d.vifs[d.nvifs++].vifname, domid,
						strtoul(devs[i], NULL, 10));
			free(vn);
		}
		free(devs);
		{
			char *argv[] = { "ip", "netns", "pids", d.ns, NULL };
			struct mp_run_result r;

			if (mp_run(argv, NULL, 5000, &r) == 0) {
				for (char *p = r.out, *s = NULL, *t; (t = strtok_r(p, "\n", &s)); p = NULL)
					kill(atoi(t), SIGKILL);
				mp_run_result_free(&r);
			}
		}
		teardown(xs, &d);
	}
	return 0;
}

int mp_xl_destroy_offline(const struct mp_xl_env *env, const char *name)
{
	char path[512], ns[96];
	FILE *f;
	int sup = 0;

	snprintf(path, sizeof(path), "%s/dom-%s.pid", env->state, name);
	snprintf(ns, sizeof(ns), "%s-%s", env->prefix, name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &sup) != 1)
			sup = 0;
		fclose(f);
	}
	if (sup > 1 && kill(sup, SIGTERM) == 0) {
		for (int i = 0; i < (MP_XL_STOP_GRACE_MS + 3000) / 20 && kill(sup, 0) == 0; i++)
			usleep(20000);
	}
	remove_inner_namespaces(ns);
	if (mp_netns_exists(ns))
		kill_and_delete(ns);
	if (!sup && !mp_netns_exists(ns))
		return access(path, F_OK) == 0 ? 0 : -ESRCH;
	return 0;
}
