#include "tbutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"

#include "test.h"

#define TB_ARGS_MAX 32

void tb_up(void)
{
	char *argv[] = { (char *)mp_test_bin("mir-perf-testbed"), "up", "--prefix",
			 (char *)mp_test_prefix(), NULL };
	struct mp_run_result r;

	mp_test_require_root();
	mp_test_require_prog("dnsmasq", "dnsmasq-base");
	mp_test_require_prog("busybox", "busybox");
	if (access(argv[0], X_OK) != 0)
		SKIP("%s is not built", argv[0]);
	ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
	ASSERT_MSG(r.status == 0, "testbed up failed (%d): %s", r.status, r.err);
	mp_run_result_free(&r);
}

static char *replace_all(char *text, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value), from = 0;
	char *p;

	/* Searches after each replacement: a value may contain its key. */
	while ((p = strstr(text + from, key))) {
		size_t pre = (size_t)(p - text);
		char *n = malloc(strlen(text) - klen + vlen + 1);

		memcpy(n, text, pre);
		memcpy(n + pre, value, vlen);
		strcpy(n + pre + vlen, p + klen);
		free(text);
		text = n;
		from = pre + vlen;
	}
	return text;
}

const char *tb_plan(const char *name, ...)
{
	static char path[4096];
	char src[4096], rel[256];
	const char *srcdir = getenv("MP_SRC_DIR");
	char *text;
	va_list ap;

	snprintf(rel, sizeof(rel), "tests/data/sweep/%s", name);
	text = mp_test_read_file(mp_test_src_path(rel));
	ASSERT_MSG(text, "missing %s", rel);
	if (!realpath(srcdir && *srcdir ? srcdir : ".", src))
		FAIL("realpath: %s", mp_strerror(errno));
	text = replace_all(text, "@SRC@", src);
	strcat(src, "/cfg");
	text = replace_all(text, "@CFG@", src);
	if (!realpath(mp_test_build_dir(), src))
		FAIL("realpath: %s", mp_strerror(errno));
	text = replace_all(text, "@BIN@", src);
	va_start(ap, name);
	for (;;) {
		const char *k = va_arg(ap, const char *), *v;

		if (!k)
			break;
		v = va_arg(ap, const char *);
		text = replace_all(text, k, v);
	}
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", mp_test_tmpdir(), name);
	mp_test_write_file(path, text);
	free(text);
	return path;
}

static size_t mirperf_argv(char **argv, va_list ap)
{
	size_t n = 0;
	static char bin[4096], mp[4096];

	snprintf(bin, sizeof(bin), "%s", mp_test_bin("mir-perf-testbed"));
	snprintf(mp, sizeof(mp), "%s", mp_test_bin("mir-perf"));
	argv[n++] = bin;
	argv[n++] = "exec";
	argv[n++] = "--prefix";
	argv[n++] = (char *)mp_test_prefix();
	argv[n++] = "--";
	argv[n++] = mp;
	for (;;) {
		char *a = va_arg(ap, char *);

		if (!a || n == TB_ARGS_MAX - 1)
			break;
		argv[n++] = a;
	}
	argv[n] = NULL;
	return n;
}

/* mp_loop_close()'s warning for each handle it had to close. */
#define HANDLE_LEFT_WARNING "closing a handle left open"

int tb_handles_left(const char *output)
{
	int n = 0;

	for (const char *p = output; p && (p = strstr(p, HANDLE_LEFT_WARNING)); p++)
		n++;
	return n;
}

/* The log of the run tb_mirperf_spawn started last, for tb_wait_exit. */
static char spawned_log[4096];

int tb_mirperf(unsigned timeout_ms, char **out, char **err, ...)
{
	char *argv[TB_ARGS_MAX];
	struct mp_run_result r;
	va_list ap;

	va_start(ap, err);
	mirperf_argv(argv, ap);
	va_end(ap);
	ASSERT_EQ(mp_run(argv, NULL, timeout_ms, &r), 0);
	fprintf(stderr, "--- mir-perf stderr ---\n%s--- end ---\n", r.err);
	ASSERT_MSG(!tb_handles_left(r.err), "mir-perf left %d libuv handle(s) open at its end",
		   tb_handles_left(r.err));
	if (out)
		*out = r.out;
	else
		free(r.out);
	if (err)
		*err = r.err;
	else
		free(r.err);
	return r.status;
}

int tb_mirperf_spawn(const char *log_path, ...)
{
	char *argv[TB_ARGS_MAX];
	va_list ap;
	pid_t pid;

	va_start(ap, log_path);
	mirperf_argv(argv, ap);
	va_end(ap);
	snprintf(spawned_log, sizeof(spawned_log), "%s", log_path);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

const char *tb_run_dir(const char *out_dir)
{
	static char path[4096];
	DIR *d = opendir(out_dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", out_dir, e->d_name);
		found++;
	}
	closedir(d);
	return found == 1 ? path : NULL;
}

/* One field starting at *p; advances past its separator. */
static char *csv_field(const char **p, int *end_of_row)
{
	const char *s = *p;
	size_t cap = 64, len = 0;
	char *f = malloc(cap);

	if (*s == '"') {
		s++;
		for (;;) {
			if (*s == '\0')
				break;
			if (*s == '"' && s[1] == '"') {
				s++;
			} else if (*s == '"') {
				s++;
				break;
			}
			if (len + 2 > cap)
				f = realloc(f, cap *= 2);
			f[len++] = *s++;
		}
	} else {
		while (*s && *s != ',' && *s != '\n' && *s != '\r') {
			if (len + 2 > cap)
				f = realloc(f, cap *= 2);
			f[len++] = *s++;
		}
	}
	f[len] = '\0';
	if (*s == '\r')
		s++;
	*end_of_row = *s != ',';
	if (*s)
		s++;
	*p = s;
	return f;
}

int tb_csv_load(const char *path, struct tb_csv *csv)
{
	char *text = mp_test_read_file(path);
	const char *p;

	memset(csv, 0, sizeof(*csv));
	if (!text)
		return -ENOENT;
	p = text;
	while (*p) {
		char **row = NULL;
		size_t n = 0;
		int end = 0;

		while (!end) {
			row = realloc(row, (n + 1) * sizeof(char *));
			row[n++] = csv_field(&p, &end);
		}
		csv->rows = realloc(csv->rows, (csv->nrows + 1) * sizeof(char **));
		csv->rows[csv->nrows++] = row;
		if (csv->nrows == 1)
			csv->ncols = n;
		else if (n != csv->ncols) {
			free(text);
			return -EINVAL;
		}
	}
	free(text);
	return 0;
}

int tb_csv_col(const struct tb_csv *csv, const char *name)
{
	for (size_t i = 0; csv->nrows && i < csv->ncols; i++)
		if (strcmp(csv->rows[0][i], name) == 0)
			return (int)i;
	return -1;
}

void tb_csv_free(struct tb_csv *csv)
{
	for (size_t r = 0; r < csv->nrows; r++) {
		for (size_t c = 0; c < csv->ncols; c++)
			free(csv->rows[r][c]);
		free(csv->rows[r]);
	}
	free(csv->rows);
	memset(csv, 0, sizeof(*csv));
}

size_t tb_pids_matching(const char *needle, int *pids, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)) && n < max) {
		char path[300], buf[4096];
		int pid = atoi(e->d_name), fd;
		ssize_t len;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[len] = '\0';
		if (strstr(buf, needle))
			pids[n++] = pid;
	}
	if (d)
		closedir(d);
	return n;
}

/* Reads phases.csv of the run under `out` and counts rows with `status`. */
size_t tb_rows_with_status(const char *out, const char *status, char *reasons, size_t len)
{
	char path[4096];
	const char *run = tb_run_dir(out);
	struct tb_csv p;
	size_t n = 0, used = 0;

	ASSERT_MSG(run, "no run directory under %s", out);
	snprintf(path, sizeof(path), "%s/phases.csv", run);
	ASSERT_EQ(tb_csv_load(path, &p), 0);
	if (reasons && len)
		reasons[0] = '\0';
	for (size_t r = 1; r < p.nrows; r++) {
		if (strcmp(p.rows[r][tb_csv_col(&p, "status")], status) != 0)
			continue;
		n++;
		if (reasons && used < len)
			used += (size_t)snprintf(reasons + used, len - used, "%s\n",
						 p.rows[r][tb_csv_col(&p, "reason")]);
	}
	tb_csv_free(&p);
	return n;
}

/* Waits until the run's phases.csv has at least `rows` data rows. */
void tb_wait_rows(const char *out, size_t rows, unsigned timeout_s)
{
	for (unsigned i = 0; i < timeout_s * 10; i++) {
		const char *run = tb_run_dir(out);
		char path[4096];
		struct tb_csv p;

		if (run) {
			snprintf(path, sizeof(path), "%s/phases.csv", run);
			if (tb_csv_load(path, &p) == 0) {
				size_t n = p.nrows ? p.nrows - 1 : 0;

				tb_csv_free(&p);
				if (n >= rows)
					return;
			}
		}
		usleep(100000);
	}
	FAIL("phases.csv never reached %zu rows", rows);
}

/* phases.csv's data rows under the run in `out`; 0 without one. */
static size_t rows_now(const char *out)
{
	const char *run = tb_run_dir(out);
	char path[4096];
	struct tb_csv p;
	size_t n = 0;

	if (!run)
		return 0;
	snprintf(path, sizeof(path), "%s/phases.csv", run);
	if (tb_csv_load(path, &p) == 0) {
		n = p.nrows ? p.nrows - 1 : 0;
		tb_csv_free(&p);
	}
	return n;
}

/* Whether the last complete line of the run's samples.csv has `window` in
 * its window column (the sixth). */
static int newest_sample_in(const char *out, const char *window)
{
	const char *run = tb_run_dir(out);
	char path[4096], buf[4096], *end, *line, *f;
	ssize_t n;
	off_t size;
	int fd, col = 0;

	if (!run)
		return 0;
	snprintf(path, sizeof(path), "%s/samples.csv", run);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	size = lseek(fd, 0, SEEK_END);
	n = pread(fd, buf, sizeof(buf) - 1, size > (off_t)sizeof(buf) - 1 ?
		  size - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (!(end = strrchr(buf, '\n')))
		return 0;
	*end = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	for (f = line; f && col < 5; col++)
		f = (f = strchr(f, ',')) ? f + 1 : NULL;
	return f && strncmp(f, window, strlen(window)) == 0 && f[strlen(window)] == ',';
}

void tb_wait_window(const char *out, size_t rows, const char *window, unsigned timeout_s)
{
	for (unsigned i = 0; i < timeout_s * 50; i++) {
		if (rows_now(out) >= rows && newest_sample_in(out, window))
			return;
		usleep(20000);
	}
	FAIL("no sample in the %s window after %zu rows within %u s", window, rows, timeout_s);
}

int tb_wait_exit(int pid, unsigned timeout_s)
{
	int status;

	for (unsigned i = 0; i < timeout_s * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char *log = spawned_log[0] ? mp_test_read_file(spawned_log) : NULL;
			int left = tb_handles_left(log);

			free(log);
			ASSERT_MSG(!left, "mir-perf left %d libuv handle(s) open at its end", left);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		usleep(100000);
	}
	kill(pid, SIGKILL);
	FAIL("mir-perf did not exit within %u s", timeout_s);
}

size_t tb_ns_pids(const char *domain, int *pids, size_t max)
{
	char ns[64], *argv[] = { "ip", "netns", "pids", ns, NULL };
	struct mp_run_result r;
	size_t n = 0;
	char *p, *save = NULL;

	snprintf(ns, sizeof(ns), "%s-%s", mp_test_prefix(), domain);
	ASSERT_EQ(mp_run(argv, NULL, 10000, &r), 0);
	for (p = strtok_r(r.out, "\n", &save); p && n < max; p = strtok_r(NULL, "\n", &save))
		pids[n++] = atoi(p);
	mp_run_result_free(&r);
	return n;
}

/* Sends `sig` to every process of this test's domain `domain` whose command
 * line contains `needle` (NULL: all of them). Returns how many. */
size_t tb_signal_domain(const char *domain, const char *needle, int sig)
{
	int pids[64];
	size_t n = tb_ns_pids(domain, pids, 64), hit = 0;

	for (size_t i = 0; i < n; i++) {
		char path[64], buf[512] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", pids[i]);
		f = fopen(path, "r");
		if (f) {
			size_t len = fread(buf, 1, sizeof(buf) - 1, f);

			for (size_t j = 0; j < len; j++)
				if (!buf[j])
					buf[j] = ' ';
			buf[len] = '\0';
			fclose(f);
		}
		if (needle && !strstr(buf, needle))
			continue;
		if (kill(pids[i], sig) == 0)
			hit++;
	}
	return hit;
}

void tb_kill_domain(const char *domain)
{
	int pids[64];
	size_t n = tb_ns_pids(domain, pids, 64);

	ASSERT_MSG(n >= 1, "no process found in domain %s", domain);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
}

void tb_assert_no_domains_left(void)
{
	char *argv[] = { "ip", "netns", "list", NULL };
	struct mp_run_result r;
	char dom[64];

	ASSERT_EQ(mp_run(argv, NULL, 10000, &r), 0);
	snprintf(dom, sizeof(dom), "%s-dut", mp_test_prefix());
	ASSERT_MSG(!strstr(r.out, dom), "namespace %s left: %s", dom, r.out);
	snprintf(dom, sizeof(dom), "%s-traffgen", mp_test_prefix());
	ASSERT_MSG(!strstr(r.out, dom), "namespace %s left: %s", dom, r.out);
	mp_run_result_free(&r);
}

