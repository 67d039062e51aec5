#include "common/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/run.h"

int mp_netns_enter(const char *name)
{
	char path[256];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", MP_NETNS_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int mp_netns_exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", MP_NETNS_DIR, name);
	return access(path, F_OK) == 0;
}

int mp_netns_list(const char *prefix, char ***names)
{
	DIR *d = opendir(MP_NETNS_DIR);
	struct dirent *e;
	char **v = NULL;
	int n = 0;

	*names = NULL;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char **nv;

		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		nv = realloc(v, (size_t)(n + 1) * sizeof(char *));
		if (!nv)
			break;
		v = nv;
		v[n++] = strdup(e->d_name);
	}
	closedir(d);
	*names = v;
	return n;
}

int mp_netns_cmd(char *const argv[])
{
	struct mp_run_result r;
	int rc = mp_run(argv, NULL, 30000, &r);

	if (rc < 0) {
		mp_err("cannot run %s: %s", argv[0], mp_strerror(rc));
		return rc;
	}
	rc = r.status;
	if (rc != 0) {
		char line[512] = "";
		size_t used = 0;

		for (size_t i = 0; argv[i] && used < sizeof(line) - 1; i++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s",
						 i ? " " : "", argv[i]);
		mp_debug("`%s` exited %d: %s", line, rc, r.err);
	}
	mp_run_result_free(&r);
	return rc;
}
