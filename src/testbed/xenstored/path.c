/* xenstore path validation and canonical form (see path.h). */
#include "testbed/xenstored/path.h"

#include <errno.h>
#include <string.h>
#include <xenstore_lib.h>

_Static_assert(MP_XSD_PATH_BUF > XENSTORE_ABS_PATH_MAX, "path buffer too small");

static bool valid_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '@' ||
	       c == '/';
}

/* Length of a "/local/domain/N/" prefix of `p` (N of 1 to 5 digits), or 0. */
static size_t domain_prefix(const char *p)
{
	static const char pre[] = "/local/domain/";
	size_t n = sizeof(pre) - 1, digits = 0;

	if (strncmp(p, pre, n) != 0)
		return 0;
	while (p[n + digits] >= '0' && p[n + digits] <= '9')
		digits++;
	if (digits == 0 || digits > 5 || p[n + digits] != '/')
		return 0;
	return n + digits + 1;
}

/* As C xenstored 4.17: at most XENSTORE_ABS_PATH_MAX bytes, and at most
 * XENSTORE_REL_PATH_MAX past a "/local/domain/N/" prefix, or in all
 * elsewhere (measured: a 2048-byte "/..." is accepted, 2049 refused). */
static int check_abs(const char *p, size_t len)
{
	if (len == 0 || len > XENSTORE_ABS_PATH_MAX || p[0] != '/')
		return -EINVAL;
	if (len > domain_prefix(p) + XENSTORE_REL_PATH_MAX)
		return -EINVAL;
	if (len > 1 && p[len - 1] == '/')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!valid_char(p[i]))
			return -EINVAL;
		if (p[i] == '/' && i + 1 < len && p[i + 1] == '/')
			return -EINVAL;
	}
	return 0;
}

int mp_xsd_path_canon(const char *in, bool allow_special, char *out,
		      bool *relative)
{
	size_t len = strlen(in);

	if (relative)
		*relative = false;
	if (in[0] == '@') {
		if (!allow_special || len > XENSTORE_REL_PATH_MAX)
			return -EINVAL;
		memcpy(out, in, len + 1);
		return 0;
	}
	if (in[0] == '/') {
		if (check_abs(in, len) < 0)
			return -EINVAL;
		memcpy(out, in, len + 1);
		return 0;
	}
	if (len == 0 || len > XENSTORE_REL_PATH_MAX)
		return -EINVAL;
	size_t hl = strlen(MP_XSD_HOME);
	if (hl + 1 + len >= MP_XSD_PATH_BUF)
		return -EINVAL;
	memcpy(out, MP_XSD_HOME, hl);
	out[hl] = '/';
	memcpy(out + hl + 1, in, len + 1);
	if (check_abs(out, hl + 1 + len) < 0)
		return -EINVAL;
	if (relative)
		*relative = true;
	return 0;
}

bool mp_xsd_path_under(const char *path, const char *base)
{
	size_t bl = strlen(base);

	if (strcmp(base, "/") == 0)
		return path[0] == '/';
	return strncmp(path, base, bl) == 0 && (path[bl] == '\0' || path[bl] == '/');
}

const char *mp_xsd_path_relative(const char *path)
{
	size_t hl = strlen(MP_XSD_HOME);

	if (strncmp(path, MP_XSD_HOME, hl) == 0 && path[hl] == '/')
		return path + hl + 1;
	return path;
}
