/* The test framework: tests register themselves, the runner (runner.c) forks
 * each one in its own process group with a timeout.
 *
 *   TEST(name) { ASSERT(x == 1); }           default timeout 60 s
 *   TEST_T(name, seconds) { ... }            own timeout
 *   TEST_SLOW(name, seconds) { ... }         only with --slow (make check-slow)
 *
 * Inside a test: ASSERT*, SKIP("reason") (a skip, never a pass), and the
 * helpers below. A test that returns has passed. */
#ifndef MP_TEST_H
#define MP_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/run.h"

#define MP_TEST_SLOW 1

struct mp_test {
	const char *name;
	const char *file;
	void (*fn)(void);
	unsigned timeout_s;
	int flags;
};

void mp_test_register(const struct mp_test *t);
/* How many tests are registered (the runner's own test uses it). */
size_t mp_test_count(void);

#define TEST_FULL(name, timeout, flags)                                      \
	static void test_##name(void);                                       \
	__attribute__((constructor)) static void test_reg_##name(void)      \
	{                                                                    \
		static const struct mp_test t = { #name, __FILE__,           \
						  test_##name, timeout, flags }; \
		mp_test_register(&t);                                        \
	}                                                                    \
	static void test_##name(void)

#define TEST(name) TEST_FULL(name, 60, 0)
#define TEST_T(name, timeout) TEST_FULL(name, timeout, 0)
#define TEST_SLOW(name, timeout) TEST_FULL(name, timeout, MP_TEST_SLOW)

void mp_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void mp_test_skip(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#define FAIL(...) mp_test_fail(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...) mp_test_skip(__VA_ARGS__)

#define ASSERT(c)                                                            \
	do {                                                                 \
		if (!(c))                                                    \
			FAIL("assertion failed: %s", #c);                    \
	} while (0)
#define ASSERT_MSG(c, ...)                                                   \
	do {                                                                 \
		if (!(c))                                                    \
			FAIL(__VA_ARGS__);                                   \
	} while (0)
#define ASSERT_EQ(a, b)                                                      \
	do {                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);          \
		if (a_ != b_)                                                \
			FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);      \
	} while (0)
#define ASSERT_STREQ(a, b)                                                   \
	do {                                                                 \
		const char *a_ = (a), *b_ = (b);                             \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                       \
			FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,           \
			     a_ ? a_ : "(null)", b_ ? b_ : "(null)");        \
	} while (0)
#define ASSERT_CONTAINS(hay, needle)                                         \
	do {                                                                 \
		const char *h_ = (hay), *n_ = (needle);                      \
		if (!h_ || !strstr(h_, n_))                                  \
			FAIL("%s does not contain \"%s\": \"%s\"", #hay, n_, \
			     h_ ? h_ : "(null)");                            \
	} while (0)

/* Runs argv (10 s at most) and fails the test unless it exits with `status`
 * and, when `err_needle` is not NULL, its stderr contains err_needle. */
void mp_test_expect_exit(const char *file, int line, char *const argv[], int status,
			 const char *err_needle);
#define ASSERT_EXITS(argv, status, needle) \
	mp_test_expect_exit(__FILE__, __LINE__, argv, status, needle)

/* Runs the command whose words are given, NULL-terminated (at most 23; 30 s
 * at most), and fails the test unless it exits 0. */
void mp_test_sh(const char *a0, ...) __attribute__((sentinel));

/* Skips unless running as root (namespaces, packet sockets). */
void mp_test_require_root(void);
/* Skips unless `prog` is found in PATH (name the Debian package in `pkg`). */
void mp_test_require_prog(const char *prog, const char *pkg);

/* The build directory holding the programs under test ($MP_BUILD_DIR, or
 * "build"), and a path inside it: mp_test_bin("mir-perf-agent"). The string
 * returned by mp_test_bin is static storage, overwritten by the next call. */
const char *mp_test_build_dir(void);
const char *mp_test_bin(const char *prog);
/* The source tree's root ($MP_SRC_DIR, or "."), for tests/data and cfg. */
const char *mp_test_src_path(const char *rel);

/* A fresh directory for this test, removed by the runner afterwards. */
const char *mp_test_tmpdir(void);
/* A short prefix unique to this test run ("t" + 4 chars). The runner runs
 * `mir-perf-testbed down --prefix P` with it after the test, whatever the
 * outcome, so a failing test leaves nothing behind. */
const char *mp_test_prefix(void);

/* Writes `text` to `path` (test helper; fails the test on error). */
void mp_test_write_file(const char *path, const char *text);
/* Reads a whole file (NUL-terminated, caller frees); NULL if missing. */
char *mp_test_read_file(const char *path);

#endif
