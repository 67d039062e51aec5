/* The namespace testbed (issue 3): up/down, domains through the toolstack
 * stand-in with their xenstore nodes and interfaces, DHCP in the traff-gen,
 * release of a domain whose program exits. Needs root. (The forwarder has
 * its own tests in test_forward.c.) */
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "common/netns.h"
#include "common/run.h"

static char state_dir[256], sock[300];

static void tb(const char *verb)
{
	char *argv[] = { (char *)mp_test_bin("mir-perf-testbed"), (char *)verb, "--prefix",
			 (char *)mp_test_prefix(), NULL };
	struct mp_run_result r;

	ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
	ASSERT_MSG(r.status == 0, "testbed %s: %s", verb, r.err);
	mp_run_result_free(&r);
}

static void up(void)
{
	mp_test_require_root();
	mp_test_require_prog("dnsmasq", "dnsmasq-base");
	mp_test_require_prog("busybox", "busybox");
	tb("up");
	snprintf(state_dir, sizeof(state_dir), "/run/mir-perf/%s", mp_test_prefix());
	snprintf(sock, sizeof(sock), "%s/xenstored.sock", state_dir);
	setenv("XENSTORED_PATH", sock, 1);
}

/* Runs mir-perf-xl in dom0; returns its status, stdout in out (may be NULL). */
static int xl(const char *verb, const char *arg, char **out)
{
	char tbbin[4096], xlbin[4096];
	char *argv[] = { tbbin, "exec", "--prefix", (char *)mp_test_prefix(), "--", xlbin,
			 (char *)verb, (char *)arg, NULL };
	struct mp_run_result r;
	int st;

	snprintf(tbbin, sizeof(tbbin), "%s", mp_test_bin("mir-perf-testbed"));
	snprintf(xlbin, sizeof(xlbin), "%s", mp_test_bin("mir-perf-xl"));
	ASSERT_EQ(mp_run(argv, NULL, 30000, &r), 0);
	st = r.status;
	if (st != 0)
		fprintf(stderr, "mir-perf-xl %s %s: %s\n", verb, arg ? arg : "", r.err);
	if (out)
		*out = strdup(r.out);
	mp_run_result_free(&r);
	return st;
}

/* A domain config from cfg/testbed/NAME.cfg with the templates filled. */
static const char *config(const char *name, const char *kernel_override)
{
	static char path[4096];
	char *text = mp_test_read_file(mp_test_src_path(name[0] == 'd' ? "cfg/testbed/dut.cfg" :
						       "cfg/testbed/traffgen.cfg"));
	char out[8192], bin[4096], src[4096];
	size_t n = 0;

	ASSERT(text);
	ASSERT(realpath(mp_test_build_dir(), bin));
	ASSERT(realpath(mp_test_src_path("."), src));
	for (const char *p = text; *p && n < sizeof(out) - 1;) {
		const char *val = NULL;
		size_t skip = 0;

		if (!strncmp(p, "{name}", 6))
			val = name, skip = 6;
		else if (!strncmp(p, "{bin_dir}", 9))
			val = bin, skip = 9;
		else if (!strncmp(p, "{src_dir}", 9))
			val = src, skip = 9;
		if (val) {
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", val);
			p += skip;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	free(text);
	if (kernel_override) {
		char *k = strstr(out, "kernel = ");
		char *e = k ? strchr(k, '\n') : NULL;
		char tmp[8192];

		ASSERT(k && e);
		snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(k - out), out, kernel_override, e);
		snprintf(out, sizeof(out), "%s", tmp);
	}
	snprintf(path, sizeof(path), "%s/%s.cfg", mp_test_tmpdir(), name);
	mp_test_write_file(path, out);
	return path;
}

static char *xs_get(struct xs_handle *xs, const char *path)
{
	unsigned len;
	char *v = xs_read(xs, XBT_NULL, path, &len);

	return v ? v : strdup("<missing>");
}

static void assert_node(struct xs_handle *xs, const char *path, const char *want)
{
	char *v = xs_get(xs, path);

	ASSERT_MSG(strcmp(v, want) == 0, "%s = \"%s\", want \"%s\"", path, v, want);
	free(v);
}

static int run_ok(char *const argv[], char **out)
{
	struct mp_run_result r;
	int st;

	ASSERT_EQ(mp_run(argv, NULL, 10000, &r), 0);
	st = r.status;
	if (out)
		*out = strdup(r.out);
	mp_run_result_free(&r);
	return st;
}

/* Alive and not a zombie (an orphan's zombie waits for init to reap it). */
static int alive(int pid)
{
	char path[64], *stat, *rp;
	int live;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	stat = mp_test_read_file(path);
	if (!stat)
		return 0;
	rp = strrchr(stat, ')');
	live = rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
	free(stat);
	return live;
}

static int processes_with_prefix(void)
{
	char **names, pfx[32];
	int n, procs = 0;

	snprintf(pfx, sizeof(pfx), "%s-", mp_test_prefix());
	n = mp_netns_list(pfx, &names);
	for (int i = 0; i < n; i++) {
		char *argv[] = { "ip", "netns", "pids", names[i], NULL }, *out = NULL;

		if (run_ok(argv, &out) == 0)
			for (char *p = out; *p; p++)
				procs += *p == '\n';
		free(out);
		free(names[i]);
	}
	free(names);
	return n < 0 ? 0 : n + procs;
}

TEST_T(testbed_up_down_leaves_nothing, 120)
{
	char path[512], *pid;
	int xsd, dns;

	up();
	ASSERT(mp_netns_exists(strcat(strcpy(path, mp_test_prefix()), "-dom0")));
	snprintf(path, sizeof(path), "%s/xenstored.pid", state_dir);
	ASSERT((pid = mp_test_read_file(path)));
	xsd = atoi(pid);
	free(pid);
	snprintf(path, sizeof(path), "%s/dnsmasq.pid", state_dir);
	ASSERT((pid = mp_test_read_file(path)));
	dns = atoi(pid);
	free(pid);
	ASSERT(alive(xsd) && alive(dns));
	tb("down");
	ASSERT_EQ(processes_with_prefix(), 0);
	ASSERT(access(state_dir, F_OK) != 0);
	usleep(100000);
	ASSERT_MSG(!alive(xsd), "xenstored %d still alive", xsd);
	ASSERT_MSG(!alive(dns), "dnsmasq %d still alive", dns);
	/* Idempotent. */
	tb("down");
}

TEST_T(testbed_two_domains_nodes_interfaces_dhcp, 180)
{
	struct xs_handle *xs;
	char *out, ns[64], leases[512], *text = NULL;
	char *argv_mac[] = { "ip", "-n", ns, "-br", "link", "show", "eth1", NULL };
	char dom0[64];
	int tg, dut;

	up();
	ASSERT_EQ(xl("create", config("traffgen", NULL), &out), 0);
	tg = atoi(out);
	free(out);
	ASSERT_EQ(xl("create", config("dut", NULL), &out), 0);
	dut = atoi(out);
	free(out);
	ASSERT_EQ(tg, 1);
	ASSERT_EQ(dut, 2);
	xs = xs_open(0);
	ASSERT(xs);
	assert_node(xs, "/local/domain/1/name", "traffgen");
	assert_node(xs, "/local/domain/1/domid", "1");
	assert_node(xs, "/local/domain/2/name", "dut");
	assert_node(xs, "/local/domain/1/device/vif/1/mac", "00:16:3e:6d:70:01");
	assert_node(xs, "/local/domain/1/device/vif/1/backend", "/local/domain/0/backend/vif/1/1");
	assert_node(xs, "/local/domain/0/backend/vif/1/1/mac", "00:16:3e:6d:70:01");
	assert_node(xs, "/local/domain/0/backend/vif/1/1/bridge", "xenbr0");
	/* as libxl: no vifname node unless the config names the vif (the
	 * controller then uses vif<domid>.<devid>), the script's full path */
	ASSERT(!xs_read(xs, XBT_NULL, "/local/domain/0/backend/vif/1/1/vifname", &(unsigned){ 0 }));
	assert_node(xs, "/local/domain/0/backend/vif/1/1/script", "/etc/xen/scripts/vif-bridge");
	assert_node(xs, "/local/domain/0/backend/vif/1/1/frontend", "/local/domain/1/device/vif/1");
	assert_node(xs, "/local/domain/0/backend/vif/1/1/frontend-id", "1");
	assert_node(xs, "/local/domain/0/backend/vif/1/1/hotplug-status", "connected");
	assert_node(xs, "/local/domain/0/backend/vif/1/1/state", "4");
	assert_node(xs, "/local/domain/0/backend/vif/2/1/bridge", "if2");
	assert_node(xs, "/local/domain/0/backend/vif/2/0/mac", "00:16:3e:6d:70:10");
	ASSERT(xs_is_domain_introduced(xs, 1));

	/* Interfaces: the dom0 end on its bridge, the domain end with the MAC. */
	snprintf(dom0, sizeof(dom0), "%s-dom0", mp_test_prefix());
	{
		char *argv[] = { "ip", "-n", dom0, "-d", "link", "show", "vif1.1", NULL };

		ASSERT_EQ(run_ok(argv, &out), 0);
		ASSERT_CONTAINS(out, "master xenbr0");
		free(out);
	}
	snprintf(ns, sizeof(ns), "%s-traffgen", mp_test_prefix());
	ASSERT_EQ(run_ok(argv_mac, &out), 0);
	ASSERT_CONTAINS(out, "00:16:3e:6d:70:01");
	free(out);

	/* DHCP: the traff-gen's lease in dnsmasq's file is the address on eth1. */
	snprintf(leases, sizeof(leases), "%s/dnsmasq.leases", state_dir);
	for (int i = 0; i < 100; i++) {
		free(text);
		text = mp_test_read_file(leases);
		if (text && strstr(text, "00:16:3e:6d:70:01"))
			break;
		usleep(100000);
	}
	ASSERT_MSG(text && strstr(text, "00:16:3e:6d:70:01"), "no lease for the traff-gen");
	{
		char ip[32] = "";
		char *l = strstr(text, "00:16:3e:6d:70:01");
		char *argv[] = { "ip", "-n", ns, "-4", "-br", "addr", "show", "eth1", NULL };

		ASSERT_EQ(sscanf(l, "%*s %31s", ip), 1);
		for (int i = 0; i < 50; i++) {
			ASSERT_EQ(run_ok(argv, &out), 0);
			if (strstr(out, ip))
				break;
			free(out);
			out = NULL;
			usleep(100000);
		}
		ASSERT_MSG(out && strstr(out, ip), "eth1 does not have the leased %s", ip);
		free(out);
	}
	free(text);

	ASSERT_EQ(xl("destroy", "traffgen", NULL), 0);
	ASSERT_EQ(xl("destroy", "dut", NULL), 0);
	assert_node(xs, "/local/domain/1/name", "<missing>");
	assert_node(xs, "/local/domain/0/backend/vif/2", "<missing>");
	ASSERT(!mp_netns_exists(ns));
	ASSERT(!xs_is_domain_introduced(xs, 1));
	xs_close(xs);
	tb("down");
	ASSERT_EQ(processes_with_prefix(), 0);
}

TEST_T(testbed_domain_released_when_program_exits, 120)
{
	struct xs_handle *xs;
	unsigned n;
	char **ev;
	int released = 0;

	up();
	xs = xs_open(0);
	ASSERT(xs);
	ASSERT(xs_watch(xs, "@releaseDomain", "rel"));
	ev = xs_read_watch(xs, &n);             /* the registration event */
	free(ev);
	ASSERT_EQ(xl("create", config("dut", "kernel = \"/bin/sleep\"\nextra = \"1\""), NULL), 0);
	for (int i = 0; i < 100 && !released; i++) {
		char *v = xs_get(xs, "/local/domain/1/name");

		released = strcmp(v, "<missing>") == 0;
		free(v);
		if (!released)
			usleep(100000);
	}
	ASSERT_MSG(released, "the domain was not removed after its program exited");
	ev = xs_read_watch(xs, &n);
	ASSERT(ev);
	ASSERT_STREQ(ev[XS_WATCH_PATH], "@releaseDomain");
	free(ev);
	ASSERT(!xs_is_domain_introduced(xs, 1));
	xs_close(xs);
}
