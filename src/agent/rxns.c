#include "agent/rxns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/netns.h"
#include "common/run.h"

#define IP_TIMEOUT_MS 10000
#define IP_ARGS_MAX 16
#define IPV6_OFF "/proc/sys/net/ipv6/conf/%s/disable_ipv6"

struct mp_rxns {
	char name[64];
	char dev[IFNAMSIZ];
	int fd;
	int made;                /* the namespace was made by this agent */
};

/* Runs argv; 0, or -EIO with ip's stderr in err. */
static int run_ip(char *const argv[], char *err, size_t errlen)
{
	struct mp_run_result r;
	int rc = mp_run(argv, NULL, IP_TIMEOUT_MS, &r);

	if (rc < 0) {
		snprintf(err, errlen, "cannot run %s: %s (iproute2 is needed)", argv[0],
			 mp_strerror(rc));
		return rc;
	}
	rc = r.status == 0 ? 0 : -EIO;
	if (rc < 0) {
		size_t n = strlen(r.err);

		while (n && (r.err[n - 1] == '\n' || r.err[n - 1] == ' '))
			r.err[--n] = '\0';
		snprintf(err, errlen, "`ip %s %s %s ...` failed: %s", argv[1], argv[2] ? argv[2] : "",
			 argv[2] && argv[3] ? argv[3] : "", r.err);
	}
	mp_run_result_free(&r);
	return rc;
}

int mp_rxns_enter(const struct mp_rxns *n, int *back)
{
	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0)
		return -errno;
	if (setns(n->fd, CLONE_NEWNET) < 0) {
		int rc = -errno;

		close(*back);
		*back = -1;
		return rc;
	}
	return 0;
}

void mp_rxns_leave(int *back)
{
	if (*back < 0)
		return;
	if (setns(*back, CLONE_NEWNET) < 0)
		mp_err("cannot return to the agent's network namespace: %s", mp_strerror(errno));
	close(*back);
	*back = -1;
}

int mp_rxns_has_dev(const char *name, const char *ifname)
{
	char path[128];
	int back, fd, has = 0;

	snprintf(path, sizeof(path), "%s/%s", MP_NETNS_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && back >= 0 && setns(fd, CLONE_NEWNET) == 0) {
		has = if_nametoindex(ifname) != 0;
		if (setns(back, CLONE_NEWNET) < 0)
			mp_err("cannot return to the agent's network namespace: %s",
			       mp_strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (back >= 0)
		close(back);
	return has;
}

int mp_rxns_ip(const struct mp_rxns *n, ...)
{
	char *argv[IP_ARGS_MAX + 4], err[512];
	va_list ap;
	int k = 0;

	argv[k++] = "ip";
	argv[k++] = "-n";
	argv[k++] = (char *)n->name;
	va_start(ap, n);
	while (k < IP_ARGS_MAX + 3 && (argv[k] = va_arg(ap, char *)))
		k++;
	va_end(ap);
	argv[k] = NULL;
	if (run_ip(argv, err, sizeof(err)) < 0) {
		mp_warn("%s", err);
		return -EIO;
	}
	return 0;
}

/* IPv6 off in the namespace: nothing of its own crosses the DUT. */
static void ipv6_off(const struct mp_rxns *n)
{
	static const char *const which[] = { "all", "default" };
	int back;

	if (mp_rxns_enter(n, &back) < 0)
		return;
	for (size_t i = 0; i < 2; i++) {
		char path[128];
		int fd;

		snprintf(path, sizeof(path), IPV6_OFF, which[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1", 1) != 1)
				mp_debug("cannot write %s", path);
			close(fd);
		}
	}
	mp_rxns_leave(&back);
}

int mp_rxns_open(const char *name, const char *dev, struct mp_rxns **out, char *err,
		 size_t errlen)
{
	struct mp_rxns *n;
	char path[128];
	int rc;

	*out = NULL;
	if (!*name || strlen(name) >= sizeof(n->name) || strchr(name, '/') || name[0] == '.') {
		snprintf(err, errlen, "--rx-netns %s: not a namespace name", name);
		return -EINVAL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n->fd = -1;
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->dev, sizeof(n->dev), "%s", dev);
	if (!mp_netns_exists(name)) {
		char *add[] = { "ip", "netns", "add", n->name, NULL };

		if ((rc = run_ip(add, err, errlen)) < 0)
			goto fail;
		n->made = 1;
	}
	snprintf(path, sizeof(path), "%s/%s", MP_NETNS_DIR, name);
	n->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (n->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, mp_strerror(rc));
		goto fail;
	}
	if (if_nametoindex(dev)) {
		char *mv[] = { "ip", "link", "set", n->dev, "netns", n->name, NULL };

		if ((rc = run_ip(mv, err, errlen)) < 0)
			goto fail;
	} else if (!mp_rxns_has_dev(name, dev)) {
		snprintf(err, errlen, "--rx-dev %s: no such interface here nor in namespace %s",
			 dev, name);
		rc = -ENODEV;
		goto fail;
	} else {
		mp_info("%s is in namespace %s already (left by an earlier agent)", dev, name);
	}
	ipv6_off(n);
	if (mp_rxns_ip(n, "link", "set", "lo", "up", NULL) < 0 ||
	    mp_rxns_ip(n, "link", "set", n->dev, "up", NULL) < 0) {
		snprintf(err, errlen, "cannot bring %s up in namespace %s", dev, name);
		rc = -EIO;
		goto fail;
	}
	mp_info("%s lives in namespace %s: what --dev sends reaches it only through the DUT",
		dev, name);
	*out = n;
	return 0;
fail:
	mp_rxns_close(n);
	return rc;
}

const char *mp_rxns_name(const struct mp_rxns *n)
{
	return n->name;
}

const char *mp_rxns_dev(const struct mp_rxns *n)
{
	return n->dev;
}

int mp_rxns_fd(const struct mp_rxns *n)
{
	return n->fd;
}

void mp_rxns_close(struct mp_rxns *n)
{
	char err[512], pid[24];

	if (!n)
		return;
	if (n->fd >= 0 && mp_rxns_has_dev(n->name, n->dev)) {
		char *back[] = { "ip", "-n", n->name, "link", "set", n->dev, "netns", pid, NULL };

		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (run_ip(back, err, sizeof(err)) < 0)
			mp_warn("cannot move %s back from namespace %s: %s", n->dev, n->name, err);
	}
	if (n->fd >= 0)
		close(n->fd);
	if (n->made) {
		char *del[] = { "ip", "netns", "del", n->name, NULL };

		if (run_ip(del, err, sizeof(err)) < 0)
			mp_warn("cannot delete namespace %s: %s", n->name, err);
	}
	free(n);
}
