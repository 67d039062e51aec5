#include "common/pathf.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int mp_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mp_mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (mp_pathf(buf, sizeof(buf), "%s", path) < 0)
		return -ENAMETOOLONG;
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int mp_find_src_dir(char *buf, size_t len)
{
	const char *env = getenv("MP_SRC_DIR");
	char exe[PATH_MAX], dir[PATH_MAX], probe[PATH_MAX + 32], *slash;
	ssize_t n;

	if (env && *env)
		return mp_pathf(buf, len, "%s", env) < 0 ? -ENAMETOOLONG : 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	memcpy(dir, exe, sizeof(dir));
	for (int up = 0; up < 5 && (slash = strrchr(dir, '/')) && slash != dir; up++) {
		*slash = '\0';
		if (mp_pathf(probe, sizeof(probe), "%s/cfg/testbed.yaml", dir) == 0 &&
		    access(probe, R_OK) == 0)
			return mp_pathf(buf, len, "%s", dir) < 0 ? -ENAMETOOLONG : 0;
	}
	if ((slash = strrchr(exe, '/')))
		*slash = '\0';
	mp_pathf(buf, len, "%s/..", exe);
	return -ENOENT;
}
