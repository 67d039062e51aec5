/* Tests of the loop helpers: child processes (child.c), the sampling clock
 * (sampler.c) and the loop's end (common/loop.c). */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <uv.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/run.h"
#include "common/loop.h"
#include "controller/host/child.h"
#include "controller/host/sampler.h"
#include "tbutil.h"

struct child_result {
	int done, status;
	char out[256];
	char tail[MP_CHILD_TAIL_MAX + 1];
};

static void on_child(int status, const char *out, const char *tail, void *arg)
{
	struct child_result *r = arg;

	r->done++;
	r->status = status;
	snprintf(r->out, sizeof(r->out), "%s", out);
	snprintf(r->tail, sizeof(r->tail), "%s", tail);
}

static void run_child(char *const argv[], uint64_t timeout_ns, struct child_result *r)
{
	uv_loop_t loop;

	uv_loop_init(&loop);
	ASSERT_EQ(mp_child_run(&loop, argv, timeout_ns, on_child, r), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ASSERT_EQ(uv_loop_close(&loop), 0);
	ASSERT_EQ(r->done, 1);
}

TEST(child_exit_status_and_output)
{
	char *argv[] = { "sh", "-c", "echo 7; echo noise >&2; exit 4", NULL };
	struct child_result r = { 0 };

	run_child(argv, 5 * MP_NS_PER_SEC, &r);
	ASSERT_EQ(r.status, 4);
	ASSERT_STREQ(r.out, "7\n");
	/* Both streams' lines; which came first is the scheduler's. */
	ASSERT_CONTAINS(r.tail, "7\n");
	ASSERT_CONTAINS(r.tail, "noise\n");
}

/* The tail keeps the last whole lines of a long output, for saying why
 * a build step failed. */
TEST(child_tail_keeps_the_last_lines)
{
	char *argv[] = { "sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); "
			 "done; echo the reason >&2; exit 1", NULL };
	struct child_result r = { 0 };

	run_child(argv, 10 * MP_NS_PER_SEC, &r);
	ASSERT_EQ(r.status, 1);
	ASSERT(strlen(r.tail) <= MP_CHILD_TAIL_MAX);
	ASSERT(strlen(r.tail) > MP_CHILD_TAIL_MAX / 2);
	ASSERT_CONTAINS(r.tail, "line 1999\n");
	ASSERT_CONTAINS(r.tail, "the reason\n");
	ASSERT_MSG(!strstr(r.tail, "line 0\n"), "the tail kept the first line");
	ASSERT_MSG(!strncmp(r.tail, "line ", 5), "the tail starts mid-line: %.20s", r.tail);
}

TEST(child_timeout_kills)
{
	char *argv[] = { "sleep", "30", NULL };
	struct child_result r = { 0 };

	run_child(argv, 200 * MP_NS_PER_MS, &r);
	ASSERT_EQ(r.status, -ETIMEDOUT);
}

/* A child started by a callback that ran long after the loop last read the
 * clock (a dom0 descheduled for minutes under emulation did this: a
 * destroy was killed 0.1 s after it started, "still running after its
 * timeout") has its whole timeout from its start, not from that stale
 * time. */
struct late_start {
	uv_timer_t timer;
	struct child_result r;
};

static void start_late(uv_timer_t *t)
{
	static char *argv[] = { "true", NULL };
	struct late_start *ls = t->data;

	usleep(2500 * 1000);    /* the stall: longer than the child's timeout */
	ASSERT_EQ(mp_child_run(t->loop, argv, 2 * MP_NS_PER_SEC, on_child, &ls->r), 0);
	uv_close((uv_handle_t *)t, NULL);
}

TEST_T(child_timeout_counts_from_its_start, 30)
{
	struct late_start ls = { 0 };
	uv_loop_t loop;

	uv_loop_init(&loop);
	uv_timer_init(&loop, &ls.timer);
	ls.timer.data = &ls;
	uv_timer_start(&ls.timer, start_late, 0, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ASSERT_EQ(uv_loop_close(&loop), 0);
	ASSERT_EQ(ls.r.done, 1);
	ASSERT_MSG(ls.r.status == 0, "true: %s", mp_child_status_text(ls.r.status));
}

/* mir-perf ignores SIGPIPE: a write to an agent that closed the
 * connection fails with EPIPE instead of killing the controller (exit 141
 * on the Xen VM, mid-search). Read from the kernel: /proc/PID/status. */
TEST_T(controller_ignores_sigpipe, 30)
{
	char *argv[] = { (char *)mp_test_bin("mir-perf"), "monitor", "--duration", "3s", "lo", NULL };
	char path[64], *status, *ign;
	unsigned long long mask;
	pid_t pid = fork();

	ASSERT(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		signal(SIGPIPE, SIG_DFL);       /* as a shell starts it, not as the runner */
		execv(argv[0], argv);
		_exit(127);
	}
	usleep(1000 * 1000);    /* past main()'s first lines; the monitor runs 3 s */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	status = mp_test_read_file(path);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	ASSERT_MSG(status && (ign = strstr(status, "SigIgn:")), "no SigIgn in %s", path);
	mask = strtoull(ign + strlen("SigIgn:"), NULL, 16);
	ASSERT_MSG(mask & (1ULL << (SIGPIPE - 1)), "mir-perf does not ignore SIGPIPE: %s", ign);
	free(status);
}

TEST(child_missing_program)
{
	char *argv[] = { "/nonexistent/mir-perf-test-prog", NULL };
	struct child_result r = { 0 };

	run_child(argv, MP_NS_PER_SEC, &r);
	ASSERT_EQ(r.status, -ENOENT);
}

TEST(child_arguments_are_not_shell)
{
	/* A hostile value stays one argument: printf prints it verbatim. */
	char *argv[] = { "printf", "%s", "$(touch /tmp/mp-pwned);`id`", NULL };
	struct child_result r = { 0 };

	run_child(argv, 5 * MP_NS_PER_SEC, &r);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, "$(touch /tmp/mp-pwned);`id`");
	ASSERT(access("/tmp/mp-pwned", F_OK) != 0);
}

struct tick_state {
	int ticks;
	int stop_at;
	int block_at;          /* tick index that blocks 350 ms */
	uint64_t due[64];
	uv_loop_t *loop;
};

static void on_tick(struct mp_sampler *s, uint64_t due, uint64_t now, void *arg)
{
	struct tick_state *st = arg;

	ASSERT(now >= due);
	st->due[st->ticks] = due;
	if (st->ticks == st->block_at)
		usleep(350000);
	if (++st->ticks == st->stop_at)
		mp_sampler_stop(s);
}

TEST(sampler_absolute_schedule_skips_missed_slots)
{
	struct tick_state st = { .stop_at = 12, .block_at = 3 };
	struct mp_sampler_lateness lat;
	struct mp_sampler *s;
	uv_loop_t loop;

	uv_loop_init(&loop);
	ASSERT_EQ(mp_sampler_new(&loop, 50 * MP_NS_PER_MS, on_tick, &st, &s), 0);
	mp_sampler_start(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* Due times are exact multiples of the interval from the first. */
	for (int i = 1; i < st.ticks; i++) {
		uint64_t d = st.due[i] - st.due[0];

		ASSERT_MSG(d % (50 * MP_NS_PER_MS) == 0, "tick %d due at +%llu ns", i,
			   (unsigned long long)d);
		ASSERT(st.due[i] > st.due[i - 1]);
	}
	/* The 350 ms block swallowed slots: they are skipped, not replayed. */
	ASSERT_EQ(st.due[4] - st.due[3] >= 350 * MP_NS_PER_MS, 1);
	mp_sampler_lateness(s, &lat);
	ASSERT_EQ(lat.ticks, 12);
	ASSERT(lat.skipped >= 6);
	ASSERT(lat.max_ns >= lat.p99_ns && lat.p99_ns >= lat.p50_ns);
	mp_sampler_close(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	ASSERT_EQ(uv_loop_close(&loop), 0);
}

static void on_never(uv_timer_t *t)
{
	(void)t;
}

static void on_closed_count(uv_handle_t *h)
{
	(*(int *)h->data)++;
}

/* A handle its owner forgot is closed (and said so), not waited on for
 * ever; handles being closed are left to their owner's callback. */
TEST_T(loop_close_closes_handles_left_open, 10)
{
	uv_loop_t loop;
	uv_timer_t forgotten, closed;
	int closes = 0;

	uv_loop_init(&loop);
	uv_timer_init(&loop, &forgotten);
	uv_timer_start(&forgotten, on_never, 1000, 1000);
	uv_timer_init(&loop, &closed);
	closed.data = &closes;
	uv_close((uv_handle_t *)&closed, on_closed_count);
	ASSERT_EQ(mp_loop_close(&loop), 1);
	ASSERT_EQ(closes, 1);
}

/* A run ends saying "every handle closed" only when it is true. With a
 * handle left open (the test shim skips the close of its SIGINT handle)
 * it says how many were, in stderr and run.log, and the tests' harness
 * counts them (tb_handles_left), which fails any testbed test whose run
 * leaks. The run stops early here: no xenstored (exit 3). */
TEST_T(sweep_end_says_every_handle_closed_only_when_true, 60)
{
	const char *plan = tb_plan("short.yaml", "@ON_FAILURE@", "stop", "@DURATION@", "1s",
				   "@DISCOVERY_TIMEOUT@", "5s", "@CONNECT_TIMEOUT@", "5s",
				   "@RATE2@", "20000", NULL);
	char out[4096], xsd[4200], shim[4200], env_xs[4300], env_pre[4300], path[4300];
	char *argv[] = { (char *)mp_test_bin("mir-perf"), "--plan", (char *)plan, "--out", out,
			 "--quiet", NULL };
	char *env[] = { env_xs, env_pre, "ASAN_OPTIONS=verify_asan_link_order=0", NULL };
	struct mp_run_result r;
	const char *run;
	char *log;

	snprintf(xsd, sizeof(xsd), "%s/no-xenstored", mp_test_tmpdir());
	snprintf(shim, sizeof(shim), "%s/tests/leak_signal_handle.so", mp_test_build_dir());
	ASSERT_MSG(access(shim, R_OK) == 0, "%s is not built (make tests)", shim);
	snprintf(env_xs, sizeof(env_xs), "XENSTORED_PATH=%s", xsd);
	snprintf(env_pre, sizeof(env_pre), "LD_PRELOAD=%s", shim);
	for (int leak = 1; leak >= 0; leak--) {
		snprintf(out, sizeof(out), "%s/out%d", mp_test_tmpdir(), leak);
		env[1] = leak ? env_pre : NULL;
		ASSERT_EQ(mp_run(argv, env, 30000, &r), 0);
		ASSERT_MSG(r.status == MP_EXIT_ENV, "exit %d: %s", r.status, r.err);
		ASSERT_EQ(tb_handles_left(r.err), leak);
		if (leak) {
			ASSERT_CONTAINS(r.err, "closing a handle left open (type signal)");
			ASSERT_CONTAINS(r.err, "1 handle was left open");
			ASSERT(!strstr(r.err, "every handle closed"));
		} else {
			ASSERT_CONTAINS(r.err, "ended with exit code 3; every handle closed");
		}
		mp_run_result_free(&r);
	}
	/* The leaking run's log says it too. */
	snprintf(out, sizeof(out), "%s/out1", mp_test_tmpdir());
	run = tb_run_dir(out);
	ASSERT(run);
	snprintf(path, sizeof(path), "%s/run.log", run);
	log = mp_test_read_file(path);
	ASSERT_MSG(log, "no %s", path);
	ASSERT_EQ(tb_handles_left(log), 1);
	free(log);
}

/* Every running child gets the signal, however many there are. */
TEST_T(child_kill_all_reaches_every_child, 30)
{
	enum { N = 40 };
	char *argv[] = { "sleep", "30", NULL };
	struct child_result r[N];
	uv_loop_t loop;

	memset(r, 0, sizeof(r));
	uv_loop_init(&loop);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(mp_child_run(&loop, argv, 5 * MP_NS_PER_SEC, on_child, &r[i]), 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	mp_child_kill_all();
	uv_run(&loop, UV_RUN_DEFAULT);
	ASSERT_EQ(uv_loop_close(&loop), 0);
	for (int i = 0; i < N; i++) {
		ASSERT_EQ(r[i].done, 1);
		ASSERT_MSG(r[i].status == 128 + SIGTERM, "child %d: %s", i,
			   mp_child_status_text(r[i].status));
	}
}
