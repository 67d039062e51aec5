/* Test runner: runs every registered test in a forked child with its own
 * process group, temporary directory and testbed prefix, under a timeout.
 * Usage: mp-tests [--slow|--slow-only] [--list] [NAME-SUBSTRING|^NAME-PREFIX...]
 * The last line printed is "N passed, N failed", with ", N skipped" added
 * when some tests were skipped. */
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"

#define EXIT_SKIP 77
#define MSG_MAX 4096
#define LOG_TAIL_LINES 60

static const struct mp_test **tests;   /* grows: no limit on their number */
static size_t ntests, cap;
static int msg_fd = -1;             /* child: where fail/skip reasons go */

void mp_test_register(const struct mp_test *t)
{
	if (ntests == cap) {
		size_t ncap = cap ? cap * 2 : 256;
		const struct mp_test **nt = realloc(tests, ncap * sizeof(*nt));

		if (!nt) {
			fprintf(stderr, "mp-tests: out of memory registering test %s\n", t->name);
			exit(2);
		}
		tests = nt;
		cap = ncap;
	}
	tests[ntests++] = t;
}

size_t mp_test_count(void)
{
	return ntests;
}

static void send_msg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[MSG_MAX];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (msg_fd >= 0 && write(msg_fd, buf, strlen(buf)) < 0)
		_exit(1);
	fprintf(stderr, "%s\n", buf);
}

void mp_test_fail(const char *file, int line, const char *fmt, ...)
{
	char prefix[512];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	va_start(ap, fmt);
	send_msg(prefix, fmt, ap);
	va_end(ap);
	exit(1);
}

void mp_test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_msg("", fmt, ap);
	va_end(ap);
	exit(EXIT_SKIP);
}

void mp_test_require_root(void)
{
	if (geteuid() != 0)
		SKIP("needs root (network namespaces, packet sockets)");
}

void mp_test_require_prog(const char *prog, const char *pkg)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog);
		if (access(buf, X_OK) == 0)
			return;
		path = end ? end + 1 : NULL;
	}
	SKIP("%s not found (install Debian package %s, or run make deps)", prog, pkg);
}

const char *mp_test_build_dir(void)
{
	const char *d = getenv("MP_BUILD_DIR");

	return d && *d ? d : "build";
}

const char *mp_test_bin(const char *prog)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", mp_test_build_dir(), prog);
	return buf;
}

const char *mp_test_src_path(const char *rel)
{
	static char buf[4][4096];
	static int slot;
	const char *d = getenv("MP_SRC_DIR");

	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", d && *d ? d : ".", rel);
	return buf[slot];
}

const char *mp_test_tmpdir(void)
{
	return getenv("MP_TEST_TMPDIR");
}

const char *mp_test_prefix(void)
{
	return getenv("MP_TEST_PREFIX");
}

void mp_test_expect_exit(const char *file, int line, char *const argv[], int status,
			 const char *err_needle)
{
	struct mp_run_result r;
	int rc = mp_run(argv, NULL, 10000, &r);

	if (rc < 0)
		mp_test_fail(file, line, "cannot run %s: %s", argv[0], mp_strerror(rc));
	if (r.status != status || (err_needle && !strstr(r.err, err_needle)))
		mp_test_fail(file, line, "%s exited %d (expected %d%s%s); stderr: %s", argv[0],
			     r.status, status, err_needle ? ", stderr containing " : "",
			     err_needle ? err_needle : "", r.err);
	mp_run_result_free(&r);
}

void mp_test_sh(const char *a0, ...)
{
	char *argv[24];
	va_list ap;
	int n = 0, rc;

	argv[n++] = (char *)a0;
	va_start(ap, a0);
	while (n < 23 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	rc = mp_run_status(argv, 30000);
	ASSERT_MSG(rc == 0, "%s %s %s %s %s ... failed (%d)", argv[0], argv[1],
		   n > 2 ? argv[2] : "", n > 3 ? argv[3] : "", n > 4 ? argv[4] : "", rc);
}

void mp_test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		FAIL("cannot write %s: %s", path, mp_strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		FAIL("cannot write %s: %s", path, mp_strerror(errno));
}

char *mp_test_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void rm_rf(const char *path)
{
	char *argv[] = { "rm", "-rf", "--", (char *)path, NULL };

	mp_run_status(argv, 30000);
}

static void make_prefix(char out[8])
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned seed = (unsigned)(mp_now_ns() ^ (uint64_t)getpid() << 16);

	out[0] = 't';
	for (int i = 1; i < 5; i++) {
		seed = seed * 1103515245u + 12345u;
		out[i] = alnum[(seed >> 16) % (sizeof(alnum) - 1)];
	}
	out[5] = '\0';
}

static void testbed_down(const char *prefix)
{
	char bin[4096];
	struct mp_run_result r;

	snprintf(bin, sizeof(bin), "%s/mir-perf-testbed", mp_test_build_dir());
	if (geteuid() != 0 || access(bin, X_OK) != 0)
		return;
	char *argv[] = { bin, "down", "--prefix", (char *)prefix, NULL };
	if (mp_run(argv, NULL, 60000, &r) == 0)
		mp_run_result_free(&r);
}

static void print_tail(const char *path)
{
	char *text = mp_test_read_file(path);
	size_t len, lines = 0;
	char *p;

	if (!text)
		return;
	len = strlen(text);
	p = text + len;
	while (p > text && lines <= LOG_TAIL_LINES)
		if (*--p == '\n')
			lines++;
	if (*text)
		printf("    --- output (last %d lines) ---\n%s%s", LOG_TAIL_LINES,
		       p == text ? "" : "    ...\n", p == text ? p : p + 1);
	free(text);
}

enum outcome { PASS, FAIL_, SKIP_ };

static enum outcome run_one(const struct mp_test *t, double *secs)
{
	char tmpl[] = "/tmp/mp-test.XXXXXX", prefix[8], log[64], msg[MSG_MAX] = "";
	uint64_t start = mp_now_ns(), deadline = start + t->timeout_s * MP_NS_PER_SEC;
	int pipefd[2], status = 0, timed_out = 0;
	enum outcome oc;
	pid_t pid;
	ssize_t n;

	if (!mkdtemp(tmpl) || pipe2(pipefd, O_CLOEXEC) < 0) {
		perror("mp-tests");
		exit(2);
	}
	make_prefix(prefix);
	snprintf(log, sizeof(log), "%s.log", tmpl);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		setpgid(0, 0);
		close(pipefd[0]);
		msg_fd = pipefd[1];
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		setenv("MP_TEST_TMPDIR", tmpl, 1);
		setenv("MP_TEST_PREFIX", prefix, 1);
		t->fn();
		exit(0);
	}
	setpgid(pid, pid);
	close(pipefd[1]);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (mp_now_ns() >= deadline) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(5000);
	}
	kill(-pid, SIGKILL);    /* anything the test left in its group */
	/* A daemon the test started may still hold the pipe: never wait for EOF. */
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	testbed_down(prefix);
	rm_rf(tmpl);
	*secs = (double)(mp_now_ns() - start) / 1e9;

	if (timed_out) {
		snprintf(msg, sizeof(msg), "timed out after %u s", t->timeout_s);
		oc = FAIL_;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		oc = PASS;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
		oc = SKIP_;
	} else {
		if (!*msg) {
			if (WIFSIGNALED(status))
				snprintf(msg, sizeof(msg), "killed by signal %d (%s)",
					 WTERMSIG(status), strsignal(WTERMSIG(status)));
			else
				snprintf(msg, sizeof(msg), "exit status %d",
					 WEXITSTATUS(status));
		}
		oc = FAIL_;
	}
	if (oc == PASS)
		printf("ok   %s (%.2f s)\n", t->name, *secs);
	else if (oc == SKIP_)
		printf("skip %s: %s\n", t->name, msg);
	else {
		printf("FAIL %s (%.2f s): %s\n", t->name, *secs, msg);
		print_tail(log);
	}
	unlink(log);
	return oc;
}

static int matches(const struct mp_test *t, int argc, char **argv, int first)
{
	if (first >= argc)
		return 1;
	for (int i = first; i < argc; i++) {
		const char *n = argv[i];

		/* "^NAME": only names that begin with NAME */
		if (n[0] == '^' ? strncmp(t->name, n + 1, strlen(n + 1)) == 0
				: strstr(t->name, n) != NULL)
			return 1;
	}
	return 0;
}

static int cmp_test(const void *a, const void *b)
{
	const struct mp_test *x = *(const struct mp_test *const *)a;
	const struct mp_test *y = *(const struct mp_test *const *)b;
	int c = strcmp(x->file, y->file);

	return c ? c : strcmp(x->name, y->name);
}

int main(int argc, char **argv)
{
	int slow = 0, slow_only = 0, list = 0, first = 1;
	unsigned passed = 0, failed = 0, skipped = 0;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "--slow") == 0)
			slow = 1;
		else if (strcmp(argv[first], "--slow-only") == 0)
			slow = slow_only = 1;
		else if (strcmp(argv[first], "--list") == 0)
			list = 1;
		else {
			fprintf(stderr, "usage: %s [--slow|--slow-only] [--list] [NAME...]\n",
				argv[0]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(tests, ntests, sizeof(tests[0]), cmp_test);
	for (size_t i = 0; i < ntests; i++) {
		const struct mp_test *t = tests[i];
		int is_slow = t->flags & MP_TEST_SLOW;
		double secs;

		if (!matches(t, argc, argv, first))
			continue;
		if ((is_slow && !slow) || (!is_slow && slow_only))
			continue;
		if (list) {
			printf("%s%s\n", t->name, is_slow ? " (slow)" : "");
			continue;
		}
		switch (run_one(t, &secs)) {
		case PASS: passed++; break;
		case FAIL_: failed++; break;
		case SKIP_: skipped++; break;
		}
	}
	if (list)
		return 0;
	if (skipped)
		printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	else
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
