/* Reading one value of a plan: a scalar, a number in a range, a duration,
 * a path, a command, a list of numbers. Each reader checks the node it is
 * given and on a problem writes one "PLAN:LINE:COLUMN: message" naming the
 * value as `what`, counts the error in the context and returns -1 (the
 * value it would set is left as it was). The key table (keys.c) and the
 * loader (load.c) read every value through these. Not a public interface. */
#ifndef MP_PLAN_VALUE_H
#define MP_PLAN_VALUE_H

#include <stdint.h>
#include <stdio.h>

#include "controller/plan/plan.h"
#include "controller/plan/yamltree.h"

/* One load of a plan (or of its defaults). */
struct mp_plan_ctx {
	const char *file;       /* the plan as named in messages */
	const char *dir;        /* relative paths resolve here */
	FILE *errf;             /* where messages go; NULL: counted only */
	int errors;
	int oom;                /* an allocation failed: the load gives -ENOMEM */
	struct mp_plan *plan;
};

void mp__perr_at(struct mp_plan_ctx *c, const char *file, unsigned line, unsigned col,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* An error at node `n` of the plan. */
#define mp__perr(c, n, ...) mp__perr_at((c), (c)->file, (n)->line, (n)->col, __VA_ARGS__)
/* An allocation failed: said once, and the load fails with -ENOMEM. -1. */
int mp__plan_nomem(struct mp_plan_ctx *c, const struct mp_yt *n);

/* Whether `map` is a mapping whose keys are all in the NULL-terminated
 * `allowed` (an error for each other key, listing the allowed ones). */
int mp__plan_check_map(struct mp_plan_ctx *c, const struct mp_yt *map, const char *what,
		       const char *const *allowed);
/* 1-`max` of A-Z a-z 0-9 . _ - (and / when allow_slash), not starting with
 * - or . and without "..". */
int mp__plan_word(const char *s, size_t max, int allow_slash);

/* `n` when it is a scalar of a sane length, else NULL (after the error). */
const struct mp_yt *mp__pv_scalar(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what);
/* A non-empty string, replacing *out. */
int mp__pv_string(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what, char **out);
/* Checks that scalar `n` is a template of mp_plan_template_vars. */
int mp__pv_template(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what);
/* A whole number in min..max. */
int mp__pv_uint(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		uint64_t min, uint64_t max, uint64_t *out);
/* true or false, unquoted. */
int mp__pv_bool(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what, int *out);
/* A duration of at most 24h and at least min_ns; min_ns 0: any positive
 * duration, MP_PV_ZERO_OK: zero too. */
#define MP_PV_ZERO_OK UINT64_MAX
int mp__pv_duration(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		    uint64_t min_ns, uint64_t *out);
/* A percentage "0.5%" (or a bare 0 when zero_ok) up to max. */
int mp__pv_pct(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what, int zero_ok,
	       double max, double *out);
/* A template kept as is, or a file relative to the plan's directory made
 * absolute (and readable now when must_exist), replacing *out. */
int mp__pv_path(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		int must_exist, char **out);
/* A non-empty list of template arguments, replacing *cmd. */
int mp__pv_cmd(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what, struct mp_cmd *cmd);
/* A list of numbers in min..max, none twice, at most `limit`; `word` (when
 * not NULL), an unquoted scalar, stands for the value 0. *vals allocated. */
int mp__pv_list(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		uint64_t min, uint64_t max, uint64_t **vals, size_t *nvals, size_t limit,
		const char *word);
/* The old script's range files (cfg/range-psz): whitespace-separated whole
 * numbers in min..max, appended to *vals; errors point into that file. */
int mp__pv_range_file(struct mp_plan_ctx *c, const struct mp_yt *n, const char *what,
		      uint64_t min, uint64_t max, uint64_t **vals, size_t *nvals, size_t limit);

#endif
