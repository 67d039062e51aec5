/* snprintf for paths: a path that does not fit is an error (-ENAMETOOLONG),
 * never a silently shortened name. */
#ifndef MP_PATHF_H
#define MP_PATHF_H

#include <stddef.h>

int mp_pathf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* mkdir -p: creates `path` and its missing parents (mode 0755).
 * Returns 0 or -errno. */
int mp_mkdir_p(const char *path);

/* The source tree mir-perf runs from (where cfg/ and src/testbed/boot/
 * are): MP_SRC_DIR when set, else the nearest directory above the running
 * executable that holds cfg/testbed.yaml (build/ or build/asan/ inside a
 * checkout). Returns 0 or -ENOENT (buf then holds the executable's parent). */
int mp_find_src_dir(char *buf, size_t len);

#endif
