/* mir-perf-testbed: a Xen host made of network namespaces.
 *
 *   up      namespace P-dom0 with bridges xenbr0 (10.200.0.1/24), if1, if2;
 *           the xenstored stand-in; dnsmasq serving DHCP on xenbr0 only
 *   exec    runs a command in P-dom0 with XENSTORED_PATH set
 *   down    removes everything the prefix owns, also after a crash
 *   status  says what exists
 *
 * Every process the testbed starts (xenstored, dnsmasq, the toolstack's
 * domain supervisors, the domains' programs, the controller when run through
 * exec) lives in a namespace named P-..., so `down` finds them all with
 * `ip netns pids`. Nothing is created in the root network namespace. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/netns.h"
#include "common/run.h"
#include "testbed/setup/testbed.h"
#include "testbed/setup/xenvm.h"

#define PROG "mir-perf-testbed"
#define READY_WAIT_MS 10000

static const char *const bridges[] = { MP_TB_CONTROL_BRIDGE, "if1", "if2" };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " up|down|status [--prefix P]\n"
		"       " PROG " exec [--prefix P] -- CMD [ARG...]\n"
		"       " PROG " up|down|status --xen\n"
		"       " PROG " exec --xen [--timeout S] -- CMD [ARG...]\n"
		"\n"
		"A Xen host made of network namespaces: dom0 (P-dom0) with bridges\n"
		"%s (%s/24, DHCP by dnsmasq), if1 and if2, and the xenstored stand-in on\n"
		"%s/P/xenstored.sock. Domains are made by mir-perf-xl (run it through exec).\n"
		"P (default %s): 1-%d lowercase letters and digits.\n"
		"\n"
		"--xen: a real Xen 4.17 host in QEMU instead (docs/xen-vm.md). up builds\n"
		"its cache once under build/xen-vm, boots it and returns when dom0's\n"
		"toolstack answers; exec runs CMD in dom0, in the current directory of\n"
		"this tree (shared over 9p), and returns its exit status.\n",
		MP_TB_CONTROL_BRIDGE, MP_TB_DOM0_ADDR, MP_TB_STATE_ROOT, MP_TB_DEFAULT_PREFIX,
		MP_TB_PREFIX_MAX);
}

/* The directory holding this program, where its sibling programs are. */
static void bin_path(const char *prog, char *buf, size_t len)
{
	char exe[3800];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/%s", exe, prog);
}

static int wait_file(const char *path, unsigned ms)
{
	for (unsigned i = 0; i < ms / 20; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

/* Starts argv as a daemon inside P-dom0 with output to `log`. */
static int spawn_in_dom0(const struct mp_tb *tb, char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd;

		if (setsid() < 0 || mp_netns_enter(tb->dom0) < 0)
			_exit(126);
		if (fork() != 0)
			_exit(0);
		close_range(3, ~0U, 0);         /* a daemon holds none of our pipes */
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		setenv("XENSTORED_PATH", tb->socket, 1);
		execvp(argv[0], argv);
		fprintf(stderr, PROG ": cannot run %s: %s\n", argv[0], mp_strerror(errno));
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return 0;
}

static int ip(char *a0, char *a1, char *a2, char *a3, char *a4, char *a5, char *a6,
	      char *a7, char *a8)
{
	char *argv[] = { "ip", a0, a1, a2, a3, a4, a5, a6, a7, a8, NULL };

	return mp_netns_cmd(argv);
}

static int cmd_up(const struct mp_tb *tb)
{
	char path[4200], xsd[4096], *ns = (char *)tb->dom0;
	int rc;

	if (getuid() != 0) {
		mp_err("up needs root (network namespaces); run it with sudo");
		return MP_EXIT_ENV;
	}
	if (mp_netns_exists(tb->dom0)) {
		mp_err("the testbed %s is already up; run `" PROG " down --prefix %s` first",
		       tb->prefix, tb->prefix);
		return MP_EXIT_ENV;
	}
	if (mkdir(MP_TB_STATE_ROOT, 0755) < 0 && errno != EEXIST) {
		mp_err("cannot create %s: %s", MP_TB_STATE_ROOT, mp_strerror(errno));
		return MP_EXIT_ENV;
	}
	if (mkdir(tb->state, 0700) < 0 && errno != EEXIST) {
		mp_err("cannot create %s: %s", tb->state, mp_strerror(errno));
		return MP_EXIT_ENV;
	}
	if (ip("netns", "add", ns, 0, 0, 0, 0, 0, 0) != 0) {
		mp_err("cannot create the namespace %s (see `ip netns add`)", ns);
		return MP_EXIT_ENV;
	}
	rc = ip("-n", ns, "link", "set", "lo", "up", 0, 0, 0);
	/* No IPv6 autoconfiguration chatter in the counters (docs/testbed.md). */
	rc = rc ?: ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
		      "net.ipv6.conf.default.disable_ipv6=1", 0, 0);
	for (size_t i = 0; rc == 0 && i < sizeof(bridges) / sizeof(bridges[0]); i++) {
		char *b = (char *)bridges[i];

		rc = ip("-n", ns, "link", "add", b, "type", "bridge", "forward_delay", "0");
		if (rc == 0)
			rc = ip("-n", ns, "link", "set", b, "up", 0, 0, 0);
	}
	if (rc == 0) {
		char addr[32];

		snprintf(addr, sizeof(addr), "%s/24", MP_TB_DOM0_ADDR);
		rc = ip("-n", ns, "addr", "add", addr, "dev", MP_TB_CONTROL_BRIDGE, 0, 0);
	}
	/* dom0's bridges do not pass frames through netfilter (br_netfilter,
	 * when loaded, would also drop frames whose IP header it dislikes). */
	if (rc == 0)
		ip("netns", "exec", ns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0",
		   "net.bridge.bridge-nf-call-ip6tables=0", "net.bridge.bridge-nf-call-arptables=0",
		   0);
	if (rc != 0) {
		mp_err("cannot build dom0's bridges (see the command above); cleaning up");
		goto fail;
	}

	/* xenstored */
	bin_path("mir-perf-xenstored", xsd, sizeof(xsd));
	snprintf(path, sizeof(path), "%s/xenstored.log", tb->state);
	{
		char pidf[4200];
		char *argv[] = { xsd, "--socket", (char *)tb->socket, "--pidfile", pidf, NULL };

		snprintf(pidf, sizeof(pidf), "%s/xenstored.pid", tb->state);
		if (spawn_in_dom0(tb, argv, path) < 0 || wait_file(pidf, READY_WAIT_MS) < 0) {
			mp_err("the xenstored stand-in did not start; see %s", path);
			goto fail;
		}
	}

	/* dnsmasq: DHCP on the control bridge only; it daemonises itself. */
	{
		char iface[64], range[128], leases[4200], pidf[4200], logf[4200];
		char *argv[] = { "dnsmasq", iface, "--bind-interfaces", "--except-interface=lo",
				 range, leases, pidf, "--no-resolv", "--port=0",
				 "--conf-file=/dev/null", "--log-dhcp", logf,
				 "--dhcp-authoritative", "--no-ping", NULL };

		snprintf(iface, sizeof(iface), "--interface=%s", MP_TB_CONTROL_BRIDGE);
		snprintf(range, sizeof(range), "--dhcp-range=%s,%s,255.255.255.0,1h",
			 MP_TB_DHCP_FIRST, MP_TB_DHCP_LAST);
		snprintf(leases, sizeof(leases), "--dhcp-leasefile=%s/dnsmasq.leases", tb->state);
		snprintf(pidf, sizeof(pidf), "--pid-file=%s/dnsmasq.pid", tb->state);
		snprintf(logf, sizeof(logf), "--log-facility=%s/dnsmasq.log", tb->state);
		snprintf(path, sizeof(path), "%s/dnsmasq.out", tb->state);
		if (spawn_in_dom0(tb, argv, path) < 0 ||
		    wait_file(pidf + strlen("--pid-file="), READY_WAIT_MS) < 0) {
			mp_err("dnsmasq did not start (is dnsmasq-base installed?); see %s", path);
			goto fail;
		}
	}
	printf("testbed %s is up: dom0 namespace %s, xenstored at %s\n", tb->prefix, tb->dom0,
	       tb->socket);
	return MP_EXIT_OK;
fail:
	mp_tb_down(tb);
	return MP_EXIT_ENV;
}

static int cmd_exec(const struct mp_tb *tb, char **argv)
{
	int rc;

	if (!argv[0]) {
		mp_err("exec needs a command: " PROG " exec --prefix %s -- CMD...", tb->prefix);
		return MP_EXIT_USAGE;
	}
	if (!mp_netns_exists(tb->dom0)) {
		mp_err("the testbed %s is not up; run `" PROG " up --prefix %s`", tb->prefix,
		       tb->prefix);
		return MP_EXIT_ENV;
	}
	rc = mp_netns_enter(tb->dom0);
	if (rc < 0) {
		mp_err("cannot enter %s: %s (root is needed)", tb->dom0, mp_strerror(rc));
		return MP_EXIT_ENV;
	}
	setenv("XENSTORED_PATH", tb->socket, 1);
	setenv("MP_TESTBED_PREFIX", tb->prefix, 1);
	setenv("MP_TESTBED_STATE", tb->state, 1);
	execvp(argv[0], argv);
	mp_err("cannot run %s: %s", argv[0], mp_strerror(errno));
	return errno == ENOENT ? MP_EXIT_USAGE : MP_EXIT_ENV;
}

static int cmd_status(const struct mp_tb *tb)
{
	char **names, pfx[64];
	int n;

	snprintf(pfx, sizeof(pfx), "%s-", tb->prefix);
	n = mp_netns_list(pfx, &names);
	if (n <= 0) {
		printf("testbed %s: down\n", tb->prefix);
		return MP_EXIT_OK;
	}
	printf("testbed %s: %s; xenstored socket %s (%s)\n", tb->prefix,
	       mp_netns_exists(tb->dom0) ? "up" : "partly up (run down)", tb->socket,
	       access(tb->socket, F_OK) == 0 ? "present" : "missing");
	for (int i = 0; i < n; i++) {
		char *argv[] = { "ip", "netns", "pids", names[i], NULL };
		struct mp_run_result r;
		size_t procs = 0;

		if (mp_run(argv, NULL, 10000, &r) == 0) {
			for (char *p = r.out; *p; p++)
				procs += *p == '\n';
			mp_run_result_free(&r);
		}
		printf("  namespace %-24s %zu processes\n", names[i], procs);
		free(names[i]);
	}
	free(names);
	return MP_EXIT_OK;
}

static int run_xen(const char *verb, char **args, int nargs, unsigned timeout)
{
	char bin[PATH_MAX];
	struct mp_xvm x;

	bin_path("", bin, sizeof(bin));
	if (mp_xvm_init(&x, bin) < 0)
		return MP_EXIT_ENV;
	if (strcmp(verb, "exec") == 0)
		return mp_xvm_exec(&x, args, timeout);
	if (nargs == 0 && strcmp(verb, "up") == 0)
		return mp_xvm_up(&x);
	if (nargs == 0 && strcmp(verb, "down") == 0)
		return mp_xvm_down(&x);
	if (nargs == 0 && strcmp(verb, "status") == 0)
		return mp_xvm_status(&x);
	usage(stderr);
	return MP_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "xen", no_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = MP_TB_DEFAULT_PREFIX, *verb;
	struct mp_tb tb;
	int c, xen = 0;
	unsigned timeout = 0;
	char *end;

	mp_log_init(PROG, MP_LOG_INFO);
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			usage(stdout);
			return MP_EXIT_OK;
		}
		usage(stderr);
		return MP_EXIT_USAGE;
	}
	verb = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "+p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': prefix = optarg; break;
		case 'x': xen = 1; break;
		case 't':
			timeout = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !timeout) {
				mp_err("--timeout takes whole seconds, more than 0");
				return MP_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return MP_EXIT_OK;
		default: usage(stderr); return MP_EXIT_USAGE;
		}
	}
	if (xen)
		return run_xen(verb, argv + optind, argc - optind, timeout);
	if (mp_tb_init(&tb, prefix) < 0) {
		mp_err("prefix \"%s\" is not valid: 1-%d lowercase letters and digits", prefix,
		       MP_TB_PREFIX_MAX);
		return MP_EXIT_USAGE;
	}
	if (strcmp(verb, "up") == 0 && optind == argc)
		return cmd_up(&tb);
	if (strcmp(verb, "down") == 0 && optind == argc)
		return mp_tb_down(&tb) < 0 ? MP_EXIT_ENV : MP_EXIT_OK;
	if (strcmp(verb, "status") == 0 && optind == argc)
		return cmd_status(&tb);
	if (strcmp(verb, "exec") == 0)
		return cmd_exec(&tb, argv + optind);
	usage(stderr);
	return MP_EXIT_USAGE;
}
