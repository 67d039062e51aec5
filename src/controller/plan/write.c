/* Writing the effective plan (plan.h's mp_plan_write) from the key table:
 * every key that holds a value, in the table's order, a mapping's keys
 * indented under it, each with its help as a comment. */
#include "controller/plan/plan.h"

#include <errno.h>
#include <stdint.h>

#include "common/duration.h"
#include "controller/plan/keys.h"

#define INDENT 2

void mp__pw_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void mp__pw_cmd(FILE *f, const struct mp_cmd *cmd)
{
	fputc('[', f);
	for (size_t i = 0; i < cmd->argc; i++) {
		if (i)
			fputs(", ", f);
		mp__pw_quoted(f, cmd->argv[i]);
	}
	fputc(']', f);
}

void mp__pw_sizes(FILE *f, const unsigned *sizes, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++)
		if (sizes[i] == MP_SIZE_IMIX)
			fprintf(f, "%simix", i ? ", " : "");
		else
			fprintf(f, "%s%u", i ? ", " : "", sizes[i]);
	fputc(']', f);
}

static uint64_t load_uint(const void *field, size_t size)
{
	switch (size) {
	case sizeof(uint16_t): return *(const uint16_t *)field;
	case sizeof(uint32_t): return *(const uint32_t *)field;
	default: return *(const uint64_t *)field;
	}
}

/* Whether key `k` is in the effective plan of `p`. */
static int written(const struct mp_plan_key *k, const struct mp_plan *p)
{
	const char *base = mp_pk_base(k, p);

	if (!base || (k->flags & MP_PK_NO_WRITE))
		return 0;
	if (k->has)
		return k->has(k, p);
	switch (k->type) {
	case MP_PK_TEXT: case MP_PK_TEMPLATE: case MP_PK_PATH:
	case MP_PK_IPV4: case MP_PK_IFNAME: case MP_PK_MAC:
		return *(char *const *)(base + k->off) != NULL;
	default:
		return 1;
	}
}

static void write_value(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	const char *field = (const char *)mp_pk_base(k, p) + k->off;
	const struct mp_cmd *cmd = (const struct mp_cmd *)field;
	char b[32];

	switch (k->type) {
	case MP_PK_MAP:
		break;
	case MP_PK_TEXT: case MP_PK_TEMPLATE: case MP_PK_PATH:
	case MP_PK_IPV4: case MP_PK_IFNAME: case MP_PK_MAC:
		mp__pw_quoted(f, *(char *const *)field);
		break;
	case MP_PK_UINT:
		fprintf(f, "%llu", (unsigned long long)load_uint(field, k->size));
		break;
	case MP_PK_BOOL:
		fputs(*(const int *)field ? "true" : "false", f);
		break;
	case MP_PK_DURATION:
		mp_duration_format(*(const uint64_t *)field, b, sizeof(b));
		fputs(b, f);
		break;
	case MP_PK_PCT:   /* as the loader reads it back, exactly */
		fprintf(f, "%.17g%%", *(const double *)field);
		break;
	case MP_PK_ENUM:
		fputs(k->names[*(const int *)field], f);
		break;
	case MP_PK_CMD:
		mp__pw_cmd(f, cmd);
		break;
	case MP_PK_CUSTOM:
		k->write(f, k, p);
		break;
	}
}

int mp_plan_write(const struct mp_plan *p, FILE *f)
{
	fputs("# The effective plan: every value resolved, defaults included.\n", f);
	for (size_t i = 0; i < mp_plan_nkeys; i++) {
		const struct mp_plan_key *k = &mp_plan_keys[i];

		if (!written(k, p))
			continue;
		fprintf(f, "%*s%s:", (int)(INDENT * mp_pk_depth(k)), "", mp_pk_name(k));
		if (k->type != MP_PK_MAP) {
			fputc(' ', f);
			write_value(f, k, p);
		}
		if (k->help)
			fprintf(f, "  # %s", k->help);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}
