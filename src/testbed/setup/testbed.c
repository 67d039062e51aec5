#include "testbed/setup/testbed.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netns.h"
#include "common/run.h"

int mp_tb_init(struct mp_tb *tb, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 0 || n > MP_TB_PREFIX_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!((prefix[i] >= 'a' && prefix[i] <= 'z') || (prefix[i] >= '0' && prefix[i] <= '9')))
			return -EINVAL;
	snprintf(tb->prefix, sizeof(tb->prefix), "%s", prefix);
	snprintf(tb->dom0, sizeof(tb->dom0), "%s-dom0", prefix);
	snprintf(tb->state, sizeof(tb->state), "%s/%s", MP_TB_STATE_ROOT, prefix);
	snprintf(tb->socket, sizeof(tb->socket), "%s/xenstored.sock", tb->state);
	return 0;
}

/* Kills every process of namespace `ns`; returns how many were signalled. */
static int kill_ns(const char *ns, int sig)
{
	char *argv[] = { "ip", "netns", "pids", (char *)ns, NULL };
	struct mp_run_result r;
	int n = 0;

	if (mp_run(argv, NULL, 10000, &r) < 0)
		return 0;
	for (char *p = r.out, *save = NULL, *tok; (tok = strtok_r(p, "\n", &save)); p = NULL) {
		int pid = atoi(tok);

		if (pid > 1 && pid != getpid() && kill(pid, sig) == 0)
			n++;
	}
	mp_run_result_free(&r);
	return n;
}

static void kill_pidfiles(const char *state)
{
	DIR *d = opendir(state);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char path[512], buf[32] = "";
		FILE *f;
		int pid;

		if (len < 5 || strcmp(e->d_name + len - 4, ".pid") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", state, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (pid = atoi(buf)) > 1 && pid != getpid())
			kill(pid, SIGKILL);
		fclose(f);
	}
	if (d)
		closedir(d);
}

static int rm_tree(const char *path)
{
	char *argv[] = { "rm", "-rf", "--one-file-system", "--", (char *)path, NULL };

	return mp_run_status(argv, 30000) == 0 ? 0 : -EIO;
}

int mp_tb_down(const struct mp_tb *tb)
{
	char pfx[32], **names;
	int n, rc = 0;

	snprintf(pfx, sizeof(pfx), "%s-", tb->prefix);
	n = mp_netns_list(pfx, &names);
	/* Twice: a supervisor may start a teardown that spawns helpers. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < n; i++)
			kill_ns(names[i], SIGKILL);
		kill_pidfiles(tb->state);
		usleep(50000);
	}
	for (int i = 0; i < n; i++) {
		char *argv[] = { "ip", "netns", "del", names[i], NULL };

		if (mp_netns_exists(names[i]) && mp_netns_cmd(argv) != 0) {
			mp_err("cannot delete namespace %s", names[i]);
			rc = -EBUSY;
		}
		free(names[i]);
	}
	free(names);
	if (access(tb->state, F_OK) == 0 && rm_tree(tb->state) < 0) {
		mp_err("cannot remove %s", tb->state);
		rc = -EIO;
	}
	return rc;
}
