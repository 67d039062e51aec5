/* The Xen-in-a-VM testbed's host side: builds the cache, boots QEMU under a
 * keeper process, waits for dom0, runs commands in it through job files in
 * the 9p share, and powers it off.
 *
 * The keeper: `up` forks a process that starts QEMU and stays its parent.
 * Until `up` has seen dom0 ready it holds a pipe from `up`; if that pipe
 * closes first (up failed, was interrupted, or killed with -9) the keeper
 * kills QEMU, so no VM outlives a boot nobody waits for. Once up detaches,
 * the keeper only waits for QEMU to exit and removes its pid file. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/pathf.h"
#include "common/run.h"
#include "testbed/setup/xenvm.h"

#define CACHE_TIMEOUT_MS (60 * 60 * 1000)   /* a cold cache: two debootstraps */
#define BOOT_TIMEOUT_S 300                  /* QEMU start to a ready dom0 (TCG) */
#define POWEROFF_WAIT_S 30                  /* dom0 destroys its domains first */
#define POLL_MS 50
#define QEMU_COMM "qemu-system-x86"       /* /proc/PID/comm: 15 characters */
#define CONSOLE_TAIL_LINES 40
/* Memory: Xen and dom0 from an initramfs, the traff-gen (1 GiB) and a DUT. */
#define VM_MEMORY "3584"
#define DOM0_MEMORY "1536M"
#define TCG_CPU "qemu64,+svm,+npt"        /* Debian's Xen needs HAP for PVH */

#define QEMU_PROG "qemu-system-x86_64"

static volatile sig_atomic_t got_signal;

int mp_xvm_qemu_parse(const char *text, unsigned *major, unsigned *minor, char *ver,
		      size_t len)
{
	static const char key[] = "QEMU emulator version ";
	const char *at = text ? strstr(text, key) : NULL;
	size_t n;

	if (!at || sscanf(at + strlen(key), "%u.%u", major, minor) != 2)
		return -EINVAL;
	at += strlen(key);
	n = strcspn(at, "\n");
	snprintf(ver, len, "%.*s", (int)n, at);
	return 0;
}

int mp_xvm_qemu_new_enough(unsigned major, unsigned minor)
{
	unsigned min_major = 0, min_minor = 0;

	sscanf(MP_QEMU_MIN_VERSION, "%u.%u", &min_major, &min_minor);
	return major > min_major || (major == min_major && minor >= min_minor);
}

/* The QEMU that would boot the VM, refused when older than
 * MP_QEMU_MIN_VERSION; its version into ver. 0 or MP_EXIT_ENV (said). */
static int check_qemu(char *ver, size_t len)
{
	char *argv[] = { QEMU_PROG, "--version", NULL };
	struct mp_run_result r = { 0 };
	unsigned major, minor;
	int rc;

	rc = mp_run(argv, NULL, 30000, &r);
	if (rc < 0 || r.status != 0) {
		mp_err("cannot run %s --version (%s): install QEMU %s or later with "
		       "`make deps-xen`", QEMU_PROG, rc < 0 ? mp_strerror(rc) : "it failed",
		       MP_QEMU_MIN_VERSION);
		if (rc == 0)
			mp_run_result_free(&r);
		return MP_EXIT_ENV;
	}
	rc = mp_xvm_qemu_parse(r.out, &major, &minor, ver, len);
	mp_run_result_free(&r);
	if (rc < 0) {
		mp_err("cannot tell the version of %s from its --version; the Xen VM needs "
		       "QEMU %s or later (`make deps-xen` installs it)", QEMU_PROG,
		       MP_QEMU_MIN_VERSION);
		return MP_EXIT_ENV;
	}
	if (!mp_xvm_qemu_new_enough(major, minor)) {
		mp_err("QEMU %s is older than %s: its TCG injects interrupts inside an STI "
		       "shadow under nested SVM, and a MirageOS unikernel then sleeps for good "
		       "(docs/mirage-net-xen.md); run `make deps-xen` to install QEMU %s or "
		       "later (Debian 12: from bookworm-backports)", ver, MP_QEMU_MIN_VERSION,
		       MP_QEMU_MIN_VERSION);
		return MP_EXIT_ENV;
	}
	return 0;
}

static void on_signal(int sig)
{
	got_signal = got_signal ? SIGKILL : sig;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int path_ok_for_qemu(const char *p)
{
	return p[0] == '/' && !strpbrk(p, ", \t\n'\"=");
}

int mp_xvm_init(struct mp_xvm *x, const char *bin_dir)
{
	const char *cache = getenv("MP_XENVM_DIR");

	memset(x, 0, sizeof(*x));
	if (!realpath(bin_dir, x->bin) || mp_find_src_dir(x->src, sizeof(x->src)) < 0) {
		mp_err("cannot find the source tree above %s (run the programs from build/)",
		       bin_dir);
		return -ENOENT;
	}
	if ((cache ? mp_pathf(x->cache, sizeof(x->cache), "%s", cache)
		   : mp_pathf(x->cache, sizeof(x->cache), "%s/build/xen-vm", x->src)) < 0 ||
	    mp_pathf(x->run, sizeof(x->run), "%s/run", x->cache) < 0)
		return -ENAMETOOLONG;
	if (!path_ok_for_qemu(x->src) || !path_ok_for_qemu(x->cache) ||
	    !path_ok_for_qemu(x->bin)) {
		mp_err("the paths %s and %s must be absolute, without commas, spaces or quotes "
		       "(QEMU's option syntax)", x->src, x->cache);
		return -EINVAL;
	}
	if (strncmp(x->cache, x->src, strlen(x->src)) != 0 ||
	    strncmp(x->bin, x->src, strlen(x->src)) != 0) {
		mp_err("%s and %s must be inside the shared tree %s (dom0 sees only that)",
		       x->cache, x->bin, x->src);
		return -EINVAL;
	}
	return 0;
}

/* The pid in RUN/qemu.pid when that process is alive and is QEMU (a pid
 * file outlived by its process may name a process that reused the pid). */
static int qemu_pid(const struct mp_xvm *x)
{
	char path[PATH_MAX], comm[64] = "";
	FILE *f;
	int pid = 0;

	if (mp_pathf(path, sizeof(path), "%s/qemu.pid", x->run) < 0 || !(f = fopen(path, "r")))
		return 0;
	if (fscanf(f, "%d", &pid) != 1 || pid <= 0)
		pid = 0;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (pid && (f = fopen(path, "r"))) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	return pid && strncmp(comm, QEMU_COMM, strlen(QEMU_COMM)) == 0 ? pid : 0;
}

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	if (mp_pathf(path, sizeof(path), "%s/%s", dir, name) < 0 ||
	    mp_pathf(tmp, sizeof(tmp), "%s.tmp", path) < 0 || !(f = fopen(tmp, "w")))
		return -errno ? -errno : -ENAMETOOLONG;
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

static int exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	return mp_pathf(path, sizeof(path), "%s/%s", dir, name) == 0 && access(path, F_OK) == 0;
}

/* Prints the last lines of the serial console, where a boot that went
 * wrong says why. */
static void show_console(const struct mp_xvm *x)
{
	char path[PATH_MAX];
	char *tail[] = { "tail", "-n", "40", path, NULL };

	if (mp_pathf(path, sizeof(path), "%s/console.log", x->run) < 0)
		return;
	fprintf(stderr, "---- last %d lines of %s ----\n", CONSOLE_TAIL_LINES, path);
	fflush(stderr);
	mp_run(tail, NULL, 10000, NULL);
	fprintf(stderr, "----\n");
}

/* KVM only where it can run Xen: the host CPU must expose VMX or SVM
 * (a nested backend without them cannot, see docs/xen-vm.md). */
static int kvm_usable(void)
{
	const char *want = getenv("MP_XENVM_ACCEL");
	char line[4096];
	FILE *f;
	int found = 0;

	if (want)
		return strcmp(want, "kvm") == 0;
	if (access("/dev/kvm", R_OK | W_OK) != 0 || !(f = fopen("/proc/cpuinfo", "r")))
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0)
			found = strstr(line, " vmx") || strstr(line, " svm");
	fclose(f);
	return found;
}

static void exec_qemu(const struct mp_xvm *x, int kvm)
{
	char console[PATH_MAX + 16], kernel[PATH_MAX], initrd[3 * PATH_MAX], virtfs[2 * PATH_MAX];
	char xen_args[256];
	char *argv[40];
	int n = 0;

	const char *xsd = getenv("MP_XENVM_XENSTORED");

	snprintf(xen_args, sizeof(xen_args),
		 "dom0_mem=" DOM0_MEMORY ",max:" DOM0_MEMORY " dom0_max_vcpus=2 console=com1 "
		 "com1=115200,8n1 bootscrub=0 noreboot");
	if (mp_pathf(console, sizeof(console), "file:%s/console.log", x->run) < 0 ||
	    mp_pathf(kernel, sizeof(kernel), "%s/xen", x->cache) < 0 ||
	    /* the modules, comma-separated: dom0's kernel and its line, its initramfs */
	    mp_pathf(initrd, sizeof(initrd),
		     "%s/vmlinuz console=hvc0 earlyprintk=xen rdinit=/init mp.src=%s mp.run=%s "
		     "mp.xenstored=%s,%s/dom0.cpio", x->cache, x->src, x->run,
		     xsd && strcmp(xsd, "oxenstored") == 0 ? "oxenstored" : "xenstored",
		     x->cache) < 0 ||
	    mp_pathf(virtfs, sizeof(virtfs),
		     "local,path=%s,mount_tag=src,security_model=passthrough,id=src", x->src) < 0)
		_exit(126);
	argv[n++] = QEMU_PROG;
	if (kvm) {
		argv[n++] = "-enable-kvm";
		argv[n++] = "-cpu";
		argv[n++] = "host";
	} else {
		argv[n++] = "-accel";
		argv[n++] = "tcg,thread=multi";
		argv[n++] = "-cpu";
		argv[n++] = TCG_CPU;
	}
	char *rest[] = { "-m", VM_MEMORY, "-smp", "2", "-display", "none", "-monitor", "none",
			 "-serial", console, "-no-reboot", "-nic", "none",
			 "-kernel", kernel, "-append", xen_args, "-initrd", initrd,
			 "-virtfs", virtfs, NULL };
	for (char **r = rest; *r; r++)
		argv[n++] = *r;
	argv[n] = NULL;
	execvp(argv[0], argv);
	fprintf(stderr, "mir-perf-testbed: cannot run %s: %s (install qemu-system-x86: "
		"make deps-xen)\n", argv[0], mp_strerror(errno));
	_exit(127);
}

/* The keeper (see the top of this file). Never returns. */
static void keeper(const struct mp_xvm *x, int kvm, int hold_fd)
{
	pid_t qemu;
	char pid[32];
	int status = 0, detached = 0;

	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* The keeper outlives `up`: it holds none of its caller's streams (a
	 * shell's $(...) around `up` would wait for them for ever). */
	{
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			if (null > STDERR_FILENO)
				close(null);
		}
	}
	qemu = fork();
	if (qemu == 0) {
		char log[PATH_MAX];
		int fd;

		close(hold_fd);
		if (mp_pathf(log, sizeof(log), "%s/qemu.log", x->run) == 0 &&
		    (fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		exec_qemu(x, kvm);
	}
	if (qemu < 0)
		_exit(1);
	snprintf(pid, sizeof(pid), "%d\n", (int)qemu);
	write_text(x->run, "qemu.pid", pid);
	for (;;) {
		struct pollfd p = { .fd = hold_fd, .events = POLLIN };
		pid_t r = waitpid(qemu, &status, detached ? 0 : WNOHANG);

		if (r == qemu)
			break;
		if (!detached && poll(&p, 1, 200) > 0) {
			char c = 0;

			if (read(hold_fd, &c, 1) == 1 && c == 'd') {
				detached = 1;
				close(hold_fd);
				continue;
			}
			/* up went away before dom0 was ready: no orphan VM */
			kill(qemu, SIGTERM);
			for (int i = 0; i < 50 && waitpid(qemu, &status, WNOHANG) == 0; i++)
				usleep(100000);
			kill(qemu, SIGKILL);
			waitpid(qemu, &status, 0);
			break;
		}
	}
	snprintf(pid, sizeof(pid), "%d\n", WIFEXITED(status) ? WEXITSTATUS(status)
							    : 128 + WTERMSIG(status));
	write_text(x->run, "qemu.exit", pid);
	{
		char path[PATH_MAX];

		if (mp_pathf(path, sizeof(path), "%s/qemu.pid", x->run) == 0)
			unlink(path);
	}
	_exit(0);
}

static int build_cache(const struct mp_xvm *x)
{
	char script[PATH_MAX];
	char *argv[] = { "bash", script, (char *)x->bin, (char *)x->cache, NULL };
	int rc;

	if (mp_pathf(script, sizeof(script), "%s/src/testbed/xenvm/cache.sh", x->src) < 0)
		return -ENAMETOOLONG;
	rc = mp_run_status(argv, CACHE_TIMEOUT_MS);
	return rc == 0 ? 0 : -EIO;
}

static int rm_rf(const char *path)
{
	char *argv[] = { "rm", "-rf", "--one-file-system", (char *)path, NULL };

	return mp_run_status(argv, 60000) == 0 ? 0 : -EIO;
}

int mp_xvm_up(const struct mp_xvm *x)
{
	char jobs[PATH_MAX], qemu[256], emulator[300];
	int hold[2], kvm, pid, rc;
	uint64_t t_up = mp_now_ns(), t0, deadline;
	const char *tmo = getenv("MP_XENVM_BOOT_TIMEOUT");

	if (getuid() != 0) {
		mp_err("up --xen needs root (debootstrap, chroot, 9p passthrough); run it with sudo");
		return MP_EXIT_ENV;
	}
	if ((pid = qemu_pid(x))) {
		mp_err("the Xen VM is already up (QEMU pid %d); run `mir-perf-testbed down --xen` "
		       "first", pid);
		return MP_EXIT_ENV;
	}
	if ((rc = check_qemu(qemu, sizeof(qemu))) != 0)
		return rc;
	if (build_cache(x) < 0) {
		mp_err("the Xen VM's cache could not be built (see the message above and %s/build.log)",
		       x->cache);
		return MP_EXIT_ENV;
	}
	if (rm_rf(x->run) < 0 || mp_pathf(jobs, sizeof(jobs), "%s/jobs", x->run) < 0 ||
	    mp_mkdir_p(jobs) < 0) {
		mp_err("cannot make %s", x->run);
		return MP_EXIT_ENV;
	}
	kvm = kvm_usable();
	mp_info("booting Xen 4.17 in QEMU %s with %s%s", qemu, kvm ? "KVM" :
		"TCG (software emulation", kvm ? "" : ": this host's KVM cannot run Xen)");
	snprintf(emulator, sizeof(emulator), "QEMU %s, %s\n", qemu, kvm ? "KVM" : "TCG");
	if (write_text(x->run, MP_XVM_EMULATOR_FILE, emulator) < 0) {
		mp_err("cannot write %s/%s", x->run, MP_XVM_EMULATOR_FILE);
		return MP_EXIT_ENV;
	}
	if (pipe2(hold, O_CLOEXEC) < 0)
		return MP_EXIT_ENV;
	catch_signals();
	t0 = mp_now_ns();               /* QEMU starts now */
	pid = fork();
	if (pid < 0) {
		mp_err("fork: %s", mp_strerror(errno));
		return MP_EXIT_ENV;
	}
	if (pid == 0) {
		close(hold[1]);
		keeper(x, kvm, hold[0]);
	}
	close(hold[0]);
	deadline = t0 + (uint64_t)(tmo ? atoi(tmo) : BOOT_TIMEOUT_S) * MP_NS_PER_SEC;
	for (;;) {
		if (exists(x->run, "ready")) {
			char sec[64];

			if (write(hold[1], "d", 1) != 1)
				mp_warn("cannot detach from the keeper");
			close(hold[1]);
			snprintf(sec, sizeof(sec), "%.1f\n", (double)(mp_now_ns() - t0) / MP_NS_PER_SEC);
			write_text(x->run, "up-seconds", sec);
			printf("Xen VM is up: dom0 ready %.1f s after QEMU started (%s; %.1f s in "
			       "all with the cache); run commands with `mir-perf-testbed exec --xen "
			       "-- CMD`\n", (double)(mp_now_ns() - t0) / MP_NS_PER_SEC,
			       kvm ? "KVM" : "TCG", (double)(mp_now_ns() - t_up) / MP_NS_PER_SEC);
			return MP_EXIT_OK;
		}
		if (got_signal) {
			mp_err("interrupted; stopping the VM");
			break;
		}
		if (exists(x->run, "failed")) {
			mp_err("dom0 failed to come up (its reason is in the console below)");
			break;
		}
		if (exists(x->run, "qemu.exit")) {
			mp_err("QEMU exited before dom0 was ready (see %s/qemu.log)", x->run);
			break;
		}
		if (mp_now_ns() > deadline) {
			mp_err("dom0 was not ready within %s s; stopping the VM",
			       tmo ? tmo : "300");
			break;
		}
		usleep(200000);
	}
	close(hold[1]);                 /* the keeper kills QEMU */
	waitpid(pid, NULL, 0);
	show_console(x);
	return got_signal ? MP_EXIT_INTR : MP_EXIT_ENV;
}

int mp_xvm_down(const struct mp_xvm *x)
{
	int pid = qemu_pid(x);

	if (!pid) {
		printf("Xen VM is down\n");
		return MP_EXIT_OK;
	}
	/* dom0 destroys its domains and unmounts the share, then powers off. */
	write_text(x->run, "poweroff", "1\n");
	for (int i = 0; i < POWEROFF_WAIT_S * 10 && kill(pid, 0) == 0; i++)
		usleep(100000);
	if (kill(pid, 0) == 0) {
		mp_warn("dom0 did not power off within %d s; killing QEMU", POWEROFF_WAIT_S);
		kill(pid, SIGTERM);
		for (int i = 0; i < 50 && kill(pid, 0) == 0; i++)
			usleep(100000);
		kill(pid, SIGKILL);
	}
	for (int i = 0; i < 50 && qemu_pid(x); i++)
		usleep(100000);
	printf("Xen VM is down\n");
	return MP_EXIT_OK;
}

int mp_xvm_status(const struct mp_xvm *x)
{
	char path[PATH_MAX];
	int pid = qemu_pid(x);
	char *cat[] = { "cat", path, NULL };

	if (!pid) {
		printf("Xen VM: down (cache %s: %s)\n", x->cache,
		       exists(x->cache, "dom0.cpio") ? "built" : "not built");
		return MP_EXIT_OK;
	}
	printf("Xen VM: %s, QEMU pid %d, tree %s shared with dom0\n",
	       exists(x->run, "ready") ? "up" : "booting", pid, x->src);
	fflush(stdout);
	if (mp_pathf(path, sizeof(path), "%s/ready", x->run) == 0 && access(path, F_OK) == 0)
		mp_run(cat, NULL, 10000, NULL);
	return MP_EXIT_OK;
}

/* Copies what was appended to DIR/NAME since `*off` to fd. */
static void pump(const char *dir, const char *name, off_t *off, int fd)
{
	char path[PATH_MAX], buf[65536];
	int in;
	ssize_t n;

	if (mp_pathf(path, sizeof(path), "%s/%s", dir, name) < 0 ||
	    (in = open(path, O_RDONLY)) < 0)
		return;
	while ((n = pread(in, buf, sizeof(buf), *off)) > 0) {
		if (write(fd, buf, (size_t)n) != n)
			break;
		*off += n;
	}
	close(in);
}

int mp_xvm_exec(const struct mp_xvm *x, char **argv, unsigned timeout_s)
{
	char cwd[PATH_MAX], job[PATH_MAX], path[PATH_MAX], rc_text[32] = "";
	off_t out_off = 0, err_off = 0;
	uint64_t deadline = timeout_s ? mp_now_ns() + (uint64_t)timeout_s * MP_NS_PER_SEC : 0;
	int rc = MP_EXIT_ENV, sent = 0;
	FILE *f;

	if (!argv[0]) {
		mp_err("exec --xen needs a command: mir-perf-testbed exec --xen -- CMD...");
		return MP_EXIT_USAGE;
	}
	if (!qemu_pid(x) || !exists(x->run, "ready")) {
		mp_err("the Xen VM is not up; run `mir-perf-testbed up --xen` first");
		return MP_EXIT_ENV;
	}
	if (!getcwd(cwd, sizeof(cwd)) || strncmp(cwd, x->src, strlen(x->src)) != 0) {
		mp_err("exec --xen runs commands in the shared tree %s: cd into it first", x->src);
		return MP_EXIT_USAGE;
	}
	if (mp_pathf(job, sizeof(job), "%s/jobs/%d-%llu", x->run, (int)getpid(),
		     (unsigned long long)mp_now_ns()) < 0 || mkdir(job, 0700) < 0) {
		mp_err("cannot make a job directory under %s/jobs", x->run);
		return MP_EXIT_ENV;
	}
	if (mp_pathf(path, sizeof(path), "%s/argv", job) < 0 || !(f = fopen(path, "w"))) {
		mp_err("cannot write %s", path);
		return MP_EXIT_ENV;
	}
	for (char **a = argv; *a; a++)
		fwrite(*a, 1, strlen(*a) + 1, f);
	fclose(f);
	if (write_text(job, "cwd", cwd) < 0 || write_text(job, "go", "") < 0) {
		mp_err("cannot write the job into %s", job);
		return MP_EXIT_ENV;
	}
	catch_signals();
	for (;;) {
		pump(job, "out", &out_off, STDOUT_FILENO);
		pump(job, "err", &err_off, STDERR_FILENO);
		if (mp_pathf(path, sizeof(path), "%s/rc", job) == 0 && (f = fopen(path, "r"))) {
			if (fgets(rc_text, sizeof(rc_text), f))
				rc = atoi(rc_text);
			fclose(f);
			pump(job, "out", &out_off, STDOUT_FILENO);
			pump(job, "err", &err_off, STDERR_FILENO);
			break;
		}
		if (got_signal && got_signal != sent) {
			/* passed on: dom0 signals the job's whole session */
			write_text(job, "cancel", got_signal == SIGKILL ? "KILL\n" :
				   got_signal == SIGTERM ? "TERM\n" : "INT\n");
			sent = got_signal;
		}
		if (deadline && mp_now_ns() > deadline && sent != SIGKILL) {
			mp_err("the command did not finish within %u s; killing it in dom0", timeout_s);
			write_text(job, "cancel", "KILL\n");
			sent = got_signal = SIGKILL;
		}
		if (!qemu_pid(x)) {
			mp_err("the Xen VM went down while the command ran");
			show_console(x);
			return MP_EXIT_ENV;
		}
		usleep(POLL_MS * 1000);
	}
	rm_rf(job);
	return rc;
}
