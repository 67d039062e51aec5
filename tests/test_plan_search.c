/* traffic.search in the plan (issue 15): defaults, exact error messages,
 * the effective plan round trip and what --dry-run says. */
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/run.h"
#include "controller/plan.h"

#define HEAD "name: t\nlibrary: {name: l, repo: r}\nversions: [v1]\n"

static int load(const char *text, char *err, size_t errlen, struct mp_plan **plan)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	rc = mp_plan_load_string(text, strlen(text), "p.yaml", mp_test_tmpdir(), f, plan);
	fclose(f);
	err[0] = '\0';
	if (buf) {
		char *nl = strchr(buf, '\n');

		if (nl)
			*nl = '\0';
		snprintf(err, errlen, "%s", strncmp(buf, "p.yaml:", 7) == 0 ? buf + 7 : buf);
	}
	free(buf);
	return rc;
}

static const char *const bad[][2] = {
	{ HEAD "traffic: {sizes: [60], rates: [1000], search: {goals: [{name: NDR, loss: 0}]}}\n",
	  "4:47: traffic has both rates and search; expected one of them (a grid of rates, "
	  "or a search for the highest rate meeting loss goals)" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], min_rate: 5000, max_rate: 4000}}\n",
	  "4:90: traffic.search.max_rate 4000 is below min_rate 5000" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 101%}]}}\n",
	  "4:59: goal loss 101% is out of range; expected 0%..100%" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], width: 0}}\n",
	  "4:71: traffic.search.width 0 is out of range; expected more than 0% and at most 50%" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], width: 0%}}\n",
	  "4:71: traffic.search.width 0% is out of range; expected more than 0% and at most 50%" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0.5}]}}\n",
	  "4:59: goal loss \"0.5\" is not a percentage; expected e.g. 0.5% or 0" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}, {name: NDR, loss: 1%}]}}\n",
	  "4:70: goal name \"NDR\" is listed twice" },
	{ HEAD "traffic: {sizes: [60], search: {goals: []}}\n",
	  "4:40: traffic.search.goals must be a non-empty list of {name, loss}, e.g. "
	  "[{name: NDR, loss: 0}, {name: PDR, loss: 0.5%}]" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR}]}}\n",
	  "4:41: a search goal needs a loss (the loss ratio it accepts, e.g. 0 or 0.5%)" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], widht: 1%}}\n",
	  "4:64: unknown key \"widht\" in traffic.search; expected one of: goals, min_rate, "
	  "max_rate, width, trial, timeout" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], max_rate: fast}}\n",
	  "4:74: traffic.search.max_rate must be a whole number or max, not \"fast\"" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], trial: {initial: 10s, final: 1s}}}\n",
	  "4:93: traffic.search.trial: initial is longer than final; expected initial <= final" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: NDR, loss: 0}], trial: {final: 10ms}}}\n",
	  "4:79: traffic.search.trial.final 10ms is too short; expected at least 100ms" },
	{ HEAD "traffic: {sizes: [60], search: {goals: [{name: \"N D R\", loss: 0}]}}\n",
	  "4:48: goal name \"N D R\" is not a word of up to 32 letters, digits, '.', '_' or '-'" },
	{ HEAD "traffic: {sizes: [60], search: {min_rate: 10}}\n",
	  "4:32: traffic.search needs goals, e.g. [{name: NDR, loss: 0}]" },
	{ HEAD "traffic: {sizes: [60]}\n",
	  "4:10: traffic needs rates (packets per second), rates_file or search" },
};

TEST(plan_search_errors_exact)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[1024];
		struct mp_plan *p = NULL;

		ASSERT_EQ(load(bad[i][0], err, sizeof(err), &p), -EINVAL);
		ASSERT(p == NULL);
		ASSERT_MSG(strcmp(err, bad[i][1]) == 0, "case %zu:\n  got  %s\n  want %s",
			   i + 1, err, bad[i][1]);
	}
}

TEST(plan_search_defaults_and_round_trip)
{
	char err[1024], *text = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	struct mp_plan *a, *b;
	struct mp_phase ph;
	FILE *f;

	ASSERT_EQ(load(HEAD "traffic:\n  sizes: [60, 1496]\n  search:\n"
		       "    goals: [{name: NDR, loss: 0}, {name: PDR, loss: 0.5%}]\n",
		       err, sizeof(err), &a), 0);
	ASSERT(a->search);
	ASSERT_EQ(a->search->ngoals, 2);
	ASSERT_STREQ(a->search->goals[1].name, "PDR");
	ASSERT(a->search->goals[1].loss_pct == 0.5);
	ASSERT_EQ(a->search->min_rate, 1000);
	ASSERT_EQ(a->search->max_rate, 0);
	ASSERT(a->search->width_pct == 0.5);
	ASSERT_EQ(a->search->initial_ns, 1000000000ULL);
	ASSERT_EQ(a->search->final_ns, 10000000000ULL);
	ASSERT_EQ(a->search->timeout_ns, 1200000000000ULL);
	/* One phase per (version, size): the search. */
	ASSERT_EQ(mp_plan_phase_count(a), 2);
	mp_plan_phase(a, 1, &ph);
	ASSERT_EQ(ph.size, 1496);
	ASSERT_EQ(ph.rate, 0);
	f = open_memstream(&text, &len);
	ASSERT_EQ(mp_plan_write(a, f), 0);
	fclose(f);
	ASSERT_MSG(mp_plan_load_string(text, len, "w.yaml", "/", stderr, &b) == 0, "%s", text);
	f = open_memstream(&again, &len2);
	ASSERT_EQ(mp_plan_write(b, f), 0);
	fclose(f);
	ASSERT_STREQ(again, text);
	ASSERT_CONTAINS(text, "max_rate: max");
	ASSERT(b->search && b->search->goals[1].loss_pct == 0.5);
	free(text);
	free(again);
	mp_plan_free(a);
	mp_plan_free(b);

	ASSERT_EQ(load(HEAD "traffic: {sizes: [60], search: {goals: [{name: A, loss: 0.1%}], "
		       "max_rate: 200000, width: 1%, trial: {initial: 200ms, final: 2s}, "
		       "timeout: 1m}}\n", err, sizeof(err), &a), 0);
	ASSERT_EQ(a->search->max_rate, 200000);
	ASSERT_EQ(a->search->initial_ns, 200000000ULL);
	mp_plan_free(a);
}

TEST(cli_dry_run_search)
{
	char path[4096], *argv[5], env[64] = "MP_CFG_DIR=/nonexistent";
	char *envv[] = { env, NULL };
	struct mp_run_result r;

	snprintf(path, sizeof(path), "%s/p.yaml", mp_test_tmpdir());
	mp_test_write_file(path, HEAD "traffic: {sizes: [60, 1496], search: {goals: "
			   "[{name: NDR, loss: 0}, {name: PDR, loss: 0.5%}], max_rate: 500000, "
			   "trial: {initial: 1s, final: 4s}, timeout: 2m}}\n");
	argv[0] = (char *)mp_test_bin("mir-perf");
	argv[1] = "--plan";
	argv[2] = path;
	argv[3] = "--dry-run";
	argv[4] = NULL;
	ASSERT_EQ(mp_run(argv, envv, 20000, &r), 0);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out,
		     "phase  version                size    rate_pps     start\n"
		     "    1  v1                       60      search      0:00\n"
		     "    2  v1                     1496      search      2:00\n"
		     "search: goals NDR (loss <= 0%), PDR (loss <= 0.5%); rates 1000..500000 pps\n"
		     "  trials: 1s until the interval is within 2%, 2s until the interval is "
		     "within 1%, 4s until the interval is within 0.5% (only the last decide "
		     "the bounds)\n"
		     "  each search stops at its timeout, 2:00, after at most 200 trials; every "
		     "trial adds 1s warm-up and up to the cool-down to drain\n"
		     "total: 2 searches, at most 4:00 (each at most its timeout; plus build "
		     "and boot)\n");
	mp_run_result_free(&r);
}
