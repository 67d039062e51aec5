/* Hostile values (issue 8): nothing from a plan reaches a shell, a file name
 * outside the run directory, or a xenstore path it should not. */
#include "test.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/err.h"
#include "common/run.h"
#include "tbutil.h"

/* Shell metacharacters, command substitution, a newline and a path escape:
 * each would do something visible if any of it reached a shell. */
#define HOSTILE "x$(touch @DIR@/pwned1)`touch @DIR@/pwned2`;touch @DIR@/pwned3 ../../etc"

static void assert_not_pwned(void)
{
	char path[4096];

	for (int i = 1; i <= 3; i++) {
		snprintf(path, sizeof(path), "%s/pwned%d", mp_test_tmpdir(), i);
		ASSERT_MSG(access(path, F_OK) != 0, "%s exists: a value reached a shell", path);
	}
}

static char *hostile(void)
{
	static char buf[1024];
	char *p;

	snprintf(buf, sizeof(buf), "%s", HOSTILE);
	while ((p = strstr(buf, "@DIR@"))) {
		char rest[1024];

		snprintf(rest, sizeof(rest), "%s", p + 5);
		snprintf(p, sizeof(buf) - (size_t)(p - buf), "%s%s", mp_test_tmpdir(), rest);
	}
	return buf;
}

/* The library's name and repository (free text in a plan) reach the build
 * steps and the toolstack as single arguments, verbatim. */
TEST_T(security_hostile_values_stay_arguments, 240)
{
	char out[4096], logpath[4096], *err = NULL, *log;
	const char *plan, *run;
	int rc;

	tb_up();
	plan = tb_plan("hostile.yaml", "@HOSTILE@", hostile(), NULL);
	snprintf(out, sizeof(out), "%s/out", mp_test_tmpdir());
	rc = tb_mirperf(120000, NULL, &err, "--plan", plan, "--out", out, "--quiet", NULL);
	/* The toolstack "creates" nothing, so the boot times out: a failed run. */
	ASSERT_EQ(rc, MP_EXIT_FAIL);
	free(err);
	assert_not_pwned();
	run = tb_run_dir(out);
	ASSERT(run);
	snprintf(logpath, sizeof(logpath), "%s/run.log", run);
	log = mp_test_read_file(logpath);
	ASSERT(log);
	/* printf's "[%s]" shows each argument whole, unexpanded. */
	ASSERT_CONTAINS(log, "[x$(touch ");
	ASSERT_CONTAINS(log, "`touch ");
	ASSERT_CONTAINS(log, "/pwned3 ../../etc]");
	free(log);
	assert_not_pwned();
	tb_assert_no_domains_left();
}

/* Values that become file names, xenstore paths or command options are
 * refused by the plan loader before anything runs. */
TEST(security_hostile_names_refused)
{
	static const char *const cases[][2] = {
		{ "name: \"../../etc\"", "name" },
		{ "versions: [\"$(reboot)\"]", "version" },
		{ "versions: [\"--upload-pack=touch /tmp/x\"]", "version" },
		{ "versions: [\"a/../../b\"]", "version" },
	};
	char path[4096];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { (char *)mp_test_bin("mir-perf"), "--plan", path, "--dry-run", NULL };
		struct mp_run_result r;
		char text[4096];

		snprintf(text, sizeof(text),
			 "%s\nlibrary: {name: l, repo: r}\n%s\n"
			 "traffic: {sizes: [60], rates: [1000]}\n",
			 strncmp(cases[i][0], "name", 4) ? "name: t" : cases[i][0],
			 strncmp(cases[i][0], "versions", 8) ? "versions: [v1]" : cases[i][0]);
		snprintf(path, sizeof(path), "%s/p%zu.yaml", mp_test_tmpdir(), i);
		mp_test_write_file(path, text);
		ASSERT_EQ(mp_run(argv, NULL, 10000, &r), 0);
		ASSERT_MSG(r.status == 2, "case %zu (%s) exited %d: %s", i, cases[i][0],
			   r.status, r.err);
		ASSERT_CONTAINS(r.err, cases[i][1]);
		mp_run_result_free(&r);
	}
	assert_not_pwned();
}
