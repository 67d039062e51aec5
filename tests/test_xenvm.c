/* The whole sweep on a real Xen 4.17 host in QEMU (issue 14; make
 * check-slow): mir-perf-testbed up --xen, cfg/xen-vm.yaml run in dom0 by the
 * unchanged controller, the points only a real host shows checked from the
 * result files, then faults on real Xen: the DUT destroyed mid-phase and
 * recreated, SIGINT of the controller, the traff-gen destroyed mid-phase.
 * One VM serves every step (each boot of the traff-gen costs minutes of
 * emulated CPU); a guardian powers it off whatever happens to the test. */
#include "test.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"
#include "common/pathf.h"
#include "controller/results/tcp_csv.h"

#define UP_TIMEOUT_S 3000       /* a cold cache: two debootstraps, then the boot */
#define SWEEP_TIMEOUT_S 1500

static char tree[4096];

static const char *outdir(void)
{
	static char dir[4200];

	snprintf(dir, sizeof(dir), "%s/build/xen-vm/test-out", tree);
	return dir;
}

/* A process outside the runner's process group that powers the VM off
 * when this test's process ends, however it ends. */
static void guard_vm(void)
{
	int p[2];
	pid_t pid;

	ASSERT(pipe2(p, O_CLOEXEC) == 0);  /* no program the test runs holds it */
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		char c;
		char *argv[] = { (char *)mp_test_bin("mir-perf-testbed"), "down", "--xen", NULL };

		setsid();
		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		mp_run(argv, NULL, 120000, NULL);
		_exit(0);
	}
	close(p[0]);            /* p[1] stays open until this process exits */
}

static struct mp_run_result xvm(char **args, unsigned timeout_s)
{
	char *argv[16] = { (char *)mp_test_bin("mir-perf-testbed") };
	struct mp_run_result r;
	int n = 1;

	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	ASSERT_EQ(mp_run(argv, NULL, timeout_s * 1000ULL, &r), 0);
	return r;
}

/* Runs `mir-perf --plan PLAN --out OUT` in dom0 in the background; its pid. */
static pid_t start_sweep(const char *plan, const char *log)
{
	pid_t pid = fork();

	ASSERT(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		char mp[4200];

		snprintf(mp, sizeof(mp), "%s/mir-perf", mp_test_build_dir());
		dup2(fd, 1);
		dup2(fd, 2);
		execl(mp_test_bin("mir-perf-testbed"), "mir-perf-testbed", "exec", "--xen",
		      "--timeout", "1500", "--", mp, "--plan", plan, "--out", outdir(), "--quiet",
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int wait_sweep(pid_t pid)
{
	int st;

	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The newest run directory of `name` under outdir(). */
static char *newest_run(const char *name)
{
	char cmd[4400];
	struct mp_run_result r;
	char *argv[] = { "sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "ls -td %s/%s-*/ | head -1 | tr -d '\\n'", outdir(), name);
	ASSERT_EQ(mp_run(argv, NULL, 10000, &r), 0);
	free(r.err);
	ASSERT_MSG(r.out[0], "no run directory %s-* in %s", name, outdir());
	return r.out;
}

static char *run_file(const char *run, const char *name)
{
	char path[4400];
	char *text;

	snprintf(path, sizeof(path), "%s%s", run, name);
	ASSERT_MSG((text = mp_test_read_file(path)), "no %s", path);
	return text;
}

/* Starts a sweep of `plan` (run name `name`) and returns once the
 * controller talks to the agent, i.e. both domains booted. libxl's hotplug
 * scripts time out now and then under emulation ("unable to add vif
 * devices", seen once in several dozen creations): such a run is started
 * once more, and says so; any other early end fails the test. */
static pid_t start_sweep_booted(const char *plan, const char *name, const char *log)
{
	for (int attempt = 1;; attempt++) {
		pid_t pid = start_sweep(plan, log);

		for (unsigned i = 0; i < SWEEP_TIMEOUT_S; i++) {
			char *run, *text;
			int st, up;

			sleep(1);
			if (waitpid(pid, &st, WNOHANG) == pid) {
				run = newest_run(name);
				text = run_file(run, "run.log");
				if (attempt == 1 && strstr(text, "could not create")) {
					fprintf(stderr, "note: %s: the toolstack failed to create a "
						"domain; starting the sweep once more\n", run);
					free(run);
					free(text);
					break;
				}
				FAIL("the %s sweep ended before its domains were up: %s", name, text);
			}
			if (i % 5)
				continue;
			run = NULL;
			{
				char cmd[4400];
				char *argv[] = { "sh", "-c", cmd, NULL };

				snprintf(cmd, sizeof(cmd), "grep -qs 'connected to the agent' "
					 "\"$(ls -td %s/%s-*/ | head -1)run.log\"", outdir(), name);
				up = mp_run_status(argv, 10000) == 0;
			}
			if (up)
				return pid;
		}
		ASSERT_MSG(attempt < 2, "the %s sweep did not boot its domains", name);
	}
}


/* Waits (at most `s` seconds) until `file` of the newest run of `name`
 * holds `needle`. */
static void wait_for(const char *name, const char *file, const char *needle, unsigned s)
{
	for (unsigned i = 0; i < s * 2; i++) {
		char cmd[4400];
		char *argv[] = { "sh", "-c", cmd, NULL };

		snprintf(cmd, sizeof(cmd), "grep -qs -- '%s' \"$(ls -td %s/%s-*/ | head -1)%s\"",
			 needle, outdir(), name, file);
		if (mp_run_status(argv, 10000) == 0)
			return;
		usleep(500000);
	}
	FAIL("%s of the newest %s run never held \"%s\"", file, name, needle);
}

static void dom0(const char *cmd)
{
	char *args[] = { "exec", "--xen", "--", "sh", "-c", (char *)cmd, NULL };
	struct mp_run_result r = xvm(args, 300);

	ASSERT_MSG(r.status == 0, "in dom0, %s: %s", cmd, r.err);
	mp_run_result_free(&r);
}

/* A field of phases.csv by column name, for phase row `row` (1-based). */
static double csv_num(const char *csv, int row, const char *col, int *empty)
{
	char *copy = strdup(csv), *save = NULL, *line, *hdr;
	int idx = -1, i = 0;
	double v = 0;

	hdr = strtok_r(copy, "\n", &save);
	for (char *c = hdr, *s2 = NULL, *f; (f = strtok_r(c, ",", &s2)); c = NULL, i++)
		if (strcmp(f, col) == 0)
			idx = i;
	ASSERT_MSG(idx >= 0, "phases.csv has no column %s", col);
	for (int r = 1; (line = strtok_r(NULL, "\n", &save)); r++) {
		if (r != row)
			continue;
		i = 0;
		for (char *p = line; ; i++) {
			char *comma = strchr(p, ',');

			if (i == idx) {
				*empty = (p[0] == ',' || p[0] == '\0');
				v = atof(p);
				break;
			}
			if (!comma)
				break;
			p = comma + 1;
		}
		free(copy);
		return v;
	}
	FAIL("phases.csv has no row %d", row);
}

/* The status of phase `phase` in the newest run of `name` ("" while it has
 * no row), read by column names. */
static char *phase_status(const char *name, int phase)
{
	char cmd[4400];
	char *argv[] = { "sh", "-c", cmd, NULL };
	struct mp_run_result r;

	snprintf(cmd, sizeof(cmd),
		 "awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
		 "$c[\"phase\"] == %d { print $c[\"status\"] }' "
		 "\"$(ls -td %s/%s-*/ | head -1)phases.csv\" 2>/dev/null | tail -1 | tr -d '\\n'",
		 phase, outdir(), name);
	ASSERT_EQ(mp_run(argv, NULL, 10000, &r), 0);
	free(r.err);
	return r.out;
}

static void wait_status(const char *name, int phase, const char *status, unsigned s)
{
	for (unsigned i = 0; i < s * 2; i++) {
		char *st = phase_status(name, phase);
		int done = strcmp(st, status) == 0;

		free(st);
		if (done)
			return;
		usleep(500000);
	}
	FAIL("phase %d of the newest %s run never became %s", phase, name, status);
}

static void assert_status(const char *name, int phase, const char *status)
{
	char *st = phase_status(name, phase);

	ASSERT_MSG(strcmp(st, status) == 0, "phase %d of %s is \"%s\", not %s", phase, name,
		   st, status);
	free(st);
}

static void check_demo(void)
{
	char *run = newest_run("xen-vm"), *csv = run_file(run, "phases.csv");
	char *log = run_file(run, "run.log"), *json = run_file(run, "results.json");
	char *report = run_file(run, "report.html");

	/* discovery by DHCP snooping on the real xenbr0; xenstore's too */
	ASSERT_CONTAINS(json, "\"method\": \"dhcp\"");
	ASSERT_CONTAINS(log, "found by dhcp");
	ASSERT_CONTAINS(log, "also found by xenstore");
	/* the kernel's pktgen, through the image's agent */
	ASSERT_CONTAINS(log, "(engine pktgen");
	/* domids and vif names as libxl made them: vif<domid>.<devid> */
	ASSERT_CONTAINS(json, "\"generator\": \"vif");
	ASSERT_CONTAINS(report, "<svg");
	for (int row = 1; row <= 4; row++) {
		int e = 0;
		double rate = csv_num(csv, row, "rate", &e);
		double off = csv_num(csv, row, "offered_pps", &e);
		/* forwarded against offered by packet counts, read after the DUT
		 * drained (no window-edge effects: the DUT's latency here is ms) */
		double sent = csv_num(csv, row, "sent_pkts", &e);
		double fwd = csv_num(csv, row, "forwarded_pkts", &e);

		assert_status("xen-vm", row, "ok");
		ASSERT_MSG(off > rate * 0.98 && off < rate * 1.02,
			   "phase %d offered %.1f pps for %.0f", row, off, rate);
		ASSERT_MSG(!e && fwd > sent * 0.995 && fwd < sent * 1.005,
			   "phase %d forwarded %.0f of %.0f frames", row, fwd, sent);
		csv_num(csv, row, "dut_cpu_ns_per_pkt", &e);
		ASSERT_MSG(!e, "phase %d: no DUT CPU time from libxenctrl", row);
	}
	free(run);
	free(csv);
	free(log);
	free(json);
	free(report);
}

/* `text` with the line starting with `start` replaced by `line`. */
static char *subst_line(char *text, const char *start, const char *line)
{
	char *at = strstr(text, start), *end, *out;
	size_t len = strlen(text) + strlen(line) + 2;

	ASSERT_MSG(at, "no line \"%s\" in the plan", start);
	end = strchr(at, '\n');
	ASSERT((out = malloc(len)));
	snprintf(out, len, "%.*s%s%s", (int)(at - text), text, line, end ? end : "");
	free(text);
	return out;
}

/* A plan for the fault runs: cfg/xen-vm.yaml with its own name, rates and
 * phase length, in the shared tree's test output (dom0 must read it). */
static const char *fault_plan(const char *name, const char *rates, const char *phase)
{
	static char path[4400];
	char *text = mp_test_read_file(mp_test_src_path("cfg/xen-vm.yaml")), line[4400];

	ASSERT(text);
	snprintf(line, sizeof(line), "name: %s", name);
	text = subst_line(text, "name: xen-vm", line);
	snprintf(line, sizeof(line), "  rates: %s", rates);
	text = subst_line(text, "  rates: ", line);
	snprintf(line, sizeof(line), "phase: %s", phase);
	text = subst_line(text, "phase: ", line);
	snprintf(line, sizeof(line), "    config: %s/cfg/xen-vm/dut.cfg", tree);
	text = subst_line(text, "    config: xen-vm/dut.cfg", line);
	snprintf(line, sizeof(line), "    config: %s/cfg/xen-vm/traffgen.cfg", tree);
	text = subst_line(text, "    config: xen-vm/traffgen.cfg", line);
	snprintf(path, sizeof(path), "%s/%s.yaml", outdir(), name);
	mp_mkdir_p(outdir());
	mp_test_write_file(path, text);
	free(text);
	return path;
}

TEST_SLOW(xenvm_sweep_and_faults_on_real_xen, 7200)
{
	char *up[] = { "up", "--xen", NULL };
	struct mp_run_result r;
	char log[4400], *run, *text;
	pid_t pid;
	int rc;

	mp_test_require_root();
	mp_test_require_prog("qemu-system-x86_64", "qemu-system-x86");
	mp_test_require_prog("debootstrap", "debootstrap");
	ASSERT(realpath(mp_test_src_path("."), tree));
	{
		char *rm[] = { "rm", "-rf", (char *)outdir(), NULL };

		ASSERT_EQ(mp_run_status(rm, 60000), 0);   /* "newest run" is this test's */
	}
	guard_vm();
	r = xvm(up, UP_TIMEOUT_S);
	if (r.status == MP_EXIT_ENV && strstr(r.err, "already up"))
		SKIP("a Xen VM is already up here: %s", r.err);
	ASSERT_MSG(r.status == 0, "up --xen: %s", r.err);
	mp_run_result_free(&r);
	snprintf(log, sizeof(log), "%s/sweep.log", mp_test_tmpdir());

	/* 1. The demo sweep: cfg/xen-vm.yaml as make xen-demo runs it. */
	rc = wait_sweep(start_sweep_booted(mp_test_src_path("cfg/xen-vm.yaml"), "xen-vm", log));
	text = mp_test_read_file(log);
	ASSERT_MSG(rc == 0, "the sweep on real Xen exited %d: %s", rc, text);
	free(text);
	check_demo();

	/* 1b. The xenstored conformance tests against dom0's real xenstored:
	 *     they agree with the stand-in (those that cannot apply skip). */
	{
		char bdir[4400], bin[4400];
		char *args[] = { "exec", "--xen", "--", "env", "MP_XS_TARGET=/run/xenstored/socket",
				 bdir, bin, "^xenstored_", NULL };

		snprintf(bdir, sizeof(bdir), "MP_BUILD_DIR=%s", mp_test_build_dir());
		snprintf(bin, sizeof(bin), "%s/mp-tests", mp_test_build_dir());
		r = xvm(args, 900);
		ASSERT_MSG(r.status == 0 && strstr(r.out, " 0 failed"),
			   "xenstored conformance against the real xenstored: %s%s", r.out, r.err);
		mp_run_result_free(&r);
	}

	/* 2. The DUT destroyed by xl mid-phase: that phase fails, on_failure:
	 *    recreate boots it again and the sweep goes on; then SIGINT of
	 *    the controller destroys the run's domains (exit 130). */
	pid = start_sweep_booted(fault_plan("xenvm-dut", "[1000, 1500, 2000, 2500]",
					    "{duration: 8s, warmup: 1s, cooldown: 1s}"),
				 "xenvm-dut", log);
	wait_for("xenvm-dut", "samples.csv", ",2,60,1500,measure,", 900);
	dom0("xl destroy mir-perf-dut");
	wait_status("xenvm-dut", 3, "ok", 900);
	wait_for("xenvm-dut", "samples.csv", ",4,60,2500,measure,", 300);
	kill(pid, SIGINT);
	rc = wait_sweep(pid);
	ASSERT_MSG(rc == MP_EXIT_INTR, "the interrupted sweep exited %d", rc);
	assert_status("xenvm-dut", 1, "ok");
	assert_status("xenvm-dut", 2, "failed");
	assert_status("xenvm-dut", 3, "ok");
	run = newest_run("xenvm-dut");
	text = run_file(run, "run.log");
	ASSERT_CONTAINS(text, "re-creating the DUT");
	free(text);
	free(run);
	dom0("test \"$(xl list | wc -l)\" = 2 || { xl list; exit 1; }");

	/* 3. The traff-gen destroyed mid-phase: the run ends, exit 1, and says why. */
	pid = start_sweep_booted(fault_plan("xenvm-tg", "[1000, 2000]",
					    "{duration: 8s, warmup: 1s, cooldown: 1s}"),
				 "xenvm-tg", log);
	wait_for("xenvm-tg", "samples.csv", ",1,60,1000,measure,", 900);
	dom0("xl destroy mir-perf-traffgen");
	rc = wait_sweep(pid);
	ASSERT_MSG(rc == MP_EXIT_FAIL, "the sweep that lost its traff-gen exited %d", rc);
	run = newest_run("xenvm-tg");
	text = run_file(run, "run.log");
	ASSERT_CONTAINS(text, "domain mir-perf-traffgen (domid");
	ASSERT_CONTAINS(text, "traff-gen domain disappeared");
	free(text);
	free(run);
	dom0("test \"$(xl list | wc -l)\" = 2 || { xl list; exit 1; }");
}

/* The --xen verbs when no VM is up: clear words and exit codes, and
 * nothing started (a fresh cache directory of its own, never built). */
TEST(xenvm_verbs_without_a_vm)
{
	char dir[4200];
	char *status[] = { (char *)mp_test_bin("mir-perf-testbed"), "status", "--xen", NULL };
	char *down[] = { (char *)mp_test_bin("mir-perf-testbed"), "down", "--xen", NULL };
	char *exec0[] = { (char *)mp_test_bin("mir-perf-testbed"), "exec", "--xen", "--", NULL };
	char *exec1[] = { (char *)mp_test_bin("mir-perf-testbed"), "exec", "--xen", "--", "true",
			  NULL };
	char *badt[] = { (char *)mp_test_bin("mir-perf-testbed"), "exec", "--xen", "--timeout",
			 "soon", "--", "true", NULL };
	char *rm[] = { "rm", "-rf", dir, NULL };

	ASSERT(realpath(mp_test_src_path("."), tree));
	snprintf(dir, sizeof(dir), "%s/build/xen-vm-%s", tree, mp_test_prefix());
	setenv("MP_XENVM_DIR", dir, 1);
	ASSERT_EXITS(status, MP_EXIT_OK, NULL);
	ASSERT_EXITS(down, MP_EXIT_OK, NULL);
	ASSERT_EXITS(exec0, MP_EXIT_USAGE, "needs a command");
	ASSERT_EXITS(exec1, MP_EXIT_ENV, "not up");
	ASSERT_EXITS(badt, MP_EXIT_USAGE, "--timeout");
	/* a cache outside the shared tree is refused before anything runs */
	setenv("MP_XENVM_DIR", "/tmp/elsewhere", 1);
	ASSERT_EXITS(exec1, MP_EXIT_ENV, "inside the shared tree");
	mp_run_status(rm, 10000);
}

/* cfg/xen-vm-tcp.yaml with its own name, `reps` repetitions of `secs`, the
 * domain configs by absolute path, in the shared tree's test output. */
static const char *tcp_plan(const char *name, const char *reps, const char *secs)
{
	static char path[4400];
	char *text = mp_test_read_file(mp_test_src_path("cfg/xen-vm-tcp.yaml")), line[4400];

	ASSERT(text);
	snprintf(line, sizeof(line), "name: %s", name);
	text = subst_line(text, "name: xen-vm-tcp", line);
	snprintf(line, sizeof(line), "    repetitions: %s", reps);
	text = subst_line(text, "    repetitions: ", line);
	snprintf(line, sizeof(line), "    duration: %s", secs);
	text = subst_line(text, "    duration: ", line);
	snprintf(line, sizeof(line), "    config: %s/cfg/xen-vm/dut-both.cfg", tree);
	text = subst_line(text, "    config: xen-vm/dut-both.cfg", line);
	snprintf(line, sizeof(line), "    config: %s/cfg/xen-vm/traffgen.cfg", tree);
	text = subst_line(text, "    config: xen-vm/traffgen.cfg", line);
	snprintf(path, sizeof(path), "%s/%s.yaml", outdir(), name);
	mp_mkdir_p(outdir());
	mp_test_write_file(path, text);
	free(text);
	return path;
}

/* TCP through the Linux DUT on real Xen (issue 22): iperf3 from the
 * traff-gen's data side to its receiving side, in its own namespace, the
 * DUT forwarding both ways between real netfronts; three repetitions, the
 * DUT paused (xl pause) during the second: that one fails saying why, not
 * as a low number, and the third goes through again. The features are the
 * real netback's and netfront's; libxenctrl gives the DUT's CPU per GB. */
TEST_SLOW(xenvm_tcp_through_the_linux_dut, 5400)
{
	char *up[] = { "up", "--xen", NULL };
	struct mp_run_result r;
	char log[4400], *run, *text;
	pid_t pid;
	int rc;

	mp_test_require_root();
	mp_test_require_prog("qemu-system-x86_64", "qemu-system-x86");
	mp_test_require_prog("debootstrap", "debootstrap");
	ASSERT(realpath(mp_test_src_path("."), tree));
	guard_vm();
	r = xvm(up, UP_TIMEOUT_S);
	if (r.status == MP_EXIT_ENV && strstr(r.err, "already up"))
		SKIP("a Xen VM is already up here: %s", r.err);
	ASSERT_MSG(r.status == 0, "up --xen: %s", r.err);
	mp_run_result_free(&r);
	snprintf(log, sizeof(log), "%s/tcp-sweep.log", mp_test_tmpdir());
	pid = start_sweep_booted(tcp_plan("xenvm-tcp", "3", "8s"), "xenvm-tcp", log);
	wait_for("xenvm-tcp", "tcp.csv", "^linux,1,1,1,", 900);
	sleep(3);                       /* well inside repetition 2 */
	dom0("xl pause mir-perf-dut");
	wait_for("xenvm-tcp", "tcp.csv", "^linux,1,1,2,", 300);
	dom0("xl unpause mir-perf-dut");
	rc = wait_sweep(pid);
	text = mp_test_read_file(log);
	ASSERT_MSG(rc == MP_EXIT_FAIL, "the sweep with a stalled repetition exited %d: %s", rc,
		   text);
	free(text);
	run = newest_run("xenvm-tcp");
	{
		struct mp_tcps t;
		char path[4400], err[512];

		snprintf(path, sizeof(path), "%stcp.csv", run);
		ASSERT_MSG(mp_tcp_read(path, &t, err, sizeof(err)) == 0, "%s", err);
		ASSERT_EQ(t.nrows, 3);
		for (size_t i = 0; i < t.nrows; i++) {
			const struct mp_tcp_row *row = &t.rows[i];

			printf("repetition %u: %s %.3f Gbit/s, DUT %.3f s/GB; %s\n", row->repetition,
			       row->status, row->receiver_gbps, row->dut_cpu_s_per_gb,
			       row->reason ? row->reason : "");
			ASSERT_STREQ(row->status, i == 1 ? "failed" : "ok");
			if (i == 1) {
				ASSERT(isnan(row->receiver_gbps));
				ASSERT_MSG(row->reason, "repetition 2 failed without a reason");
			} else {
				ASSERT_MSG(row->receiver_gbps > 0, "repetition %zu: no rate", i + 1);
				ASSERT_MSG(row->dut_cpu_s_per_gb > 0, "repetition %zu: no DUT CPU", i + 1);
			}
			/* Linux's netfront and netback, as they negotiated on real Xen */
			ASSERT(row->dut_in_frontend && strstr(row->dut_in_frontend, "gso-tcpv4=1"));
			ASSERT(row->dut_out_backend && strstr(row->dut_out_backend, "gso-tcpv4=1"));
		}
		mp_tcp_free(&t);
	}
	text = run_file(run, "report.html");
	ASSERT_CONTAINS(text, "<h2>TCP through the DUT</h2>");
	free(text);
	free(run);
	dom0("test \"$(xl list | wc -l)\" = 2 || { xl list; exit 1; }");
}
