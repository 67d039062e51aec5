/* Templates in plan values: "{name}" is replaced by the variable's value;
 * "{env:NAME}" by the environment variable NAME (letters, digits and _,
 * not starting with a digit), which must be set when the template is
 * expanded; "{{" and "}}" stand for literal braces. Used for build steps,
 * toolstack commands, domain configs and paths. The result is one string:
 * templates never go through a shell, so a value cannot split or inject
 * arguments. */
#ifndef MP_TEMPLATE_H
#define MP_TEMPLATE_H

#include <stddef.h>

#define MP_TEMPLATE_MAX (1024 * 1024)   /* longest expansion accepted */
#define MP_TEMPLATE_ENV "env:"          /* "{env:NAME}": the environment's NAME */
#define MP_TEMPLATE_ENV_NAME_MAX 60

struct mp_template_var {
	const char *name;
	const char *value;
};

/* Expands `tmpl` into a new string (*out, caller frees). Returns 0, -EINVAL
 * for an unknown variable or an unbalanced brace, -ENOENT when an
 * "{env:NAME}" it uses is not set (mp_template_unset_env says which),
 * -E2BIG when the result would exceed MP_TEMPLATE_MAX, -ENOMEM. */
int mp_template_expand(const char *tmpl, const struct mp_template_var *vars,
		       size_t nvars, char **out);

/* The name of the first "{env:NAME}" of `tmpl` that is not set in the
 * environment, into name; 1 if there is one, else 0. */
int mp_template_unset_env(const char *tmpl, char *name, size_t len);

/* Checks `tmpl` against the allowed variable names without expanding it.
 * Returns 0, or -EINVAL with the byte offset of the problem in *at and a
 * message in msg ("unknown variable {foo}; known: ..."). */
int mp_template_check(const char *tmpl, const char *const *names, size_t nnames,
		      size_t *at, char *msg, size_t msglen);

#endif
