/* The traffic-generator image (issue 9): what mir-perf adds to the root
 * filesystem (fast), and a whole debootstrap build (slow, make check-slow). */
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/run.h"
#include "controller/cmd/image.h"

static void assert_mode(const char *root, const char *rel, mode_t mode)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	ASSERT_MSG(stat(path, &st) == 0, "%s missing", rel);
	ASSERT_MSG((st.st_mode & 07777) == mode, "%s mode %o", rel, st.st_mode & 07777);
}

static void assert_agent_in(const char *root)
{
	char path[4200], *text;

	assert_mode(root, "/usr/local/bin/mir-perf-agent", 0755);
	assert_mode(root, "/etc/mir-perf/agent.token", 0600);
	assert_mode(root, "/usr/local/sbin/mir-perf-agent-start", 0755);
	snprintf(path, sizeof(path), "%s/etc/systemd/system/mir-perf-agent.service", root);
	ASSERT((text = mp_test_read_file(path)));
	ASSERT_CONTAINS(text, "ExecStart=/usr/local/sbin/mir-perf-agent-start");
	ASSERT_CONTAINS(text, "WantedBy=multi-user.target");
	free(text);
	snprintf(path, sizeof(path), "%s/etc/systemd/system/multi-user.target.wants/"
		 "mir-perf-agent.service", root);
	ASSERT(access(path, F_OK) == 0 || readlink(path, (char[8]){ 0 }, 8) > 0);
	snprintf(path, sizeof(path), "%s/etc/modules-load.d/pktgen.conf", root);
	ASSERT((text = mp_test_read_file(path)));
	ASSERT_STREQ(text, "pktgen\n");
	free(text);
	snprintf(path, sizeof(path), "%s/etc/network/interfaces", root);
	ASSERT((text = mp_test_read_file(path)));
	ASSERT_CONTAINS(text, "iface eth1 inet dhcp");
	free(text);
}

TEST(image_populate_writes_agent_service_and_secret)
{
	char root[4096], tok[4200], path[4200], *text;
	char err[256];

	snprintf(root, sizeof(root), "%s/rootfs", mp_test_tmpdir());
	ASSERT_EQ(mkdir(root, 0755), 0);
	snprintf(tok, sizeof(tok), "%s/token", mp_test_tmpdir());
	mp_test_write_file(tok, "0123456789abcdef0123456789abcdef\n");
	ASSERT_EQ(mp_image_populate(root, mp_test_bin("mir-perf-agent"), tok, err, sizeof(err)), 0);
	assert_agent_in(root);
	snprintf(path, sizeof(path), "%s/etc/mir-perf/agent.token", root);
	text = mp_test_read_file(path);
	ASSERT_STREQ(text, "0123456789abcdef0123456789abcdef\n");
	free(text);
	/* An empty root lacks every library: they are copied and registered. */
	snprintf(path, sizeof(path), "%s/etc/ld.so.conf.d/mir-perf.conf", root);
	ASSERT(access(path, R_OK) == 0);
	snprintf(path, sizeof(path), "%s/usr/local/lib/mir-perf/libuv.so.1", root);
	ASSERT(access(path, R_OK) == 0);
	/* A missing token file is an error that names it. */
	ASSERT(mp_image_populate(root, mp_test_bin("mir-perf-agent"), "/nonexistent/tok", err,
				 sizeof(err)) < 0);
	ASSERT_CONTAINS(err, "/nonexistent/tok");
}

/* The value of `root=` on the `extra` line of an xl config (malloc'd). */
static char *root_in_cfg(const char *text)
{
	const char *extra = strstr(text, "\nextra"), *root = extra ? strstr(extra, "root=") : NULL;

	return root ? strndup(root + 5, strcspn(root + 5, " \"")) : NULL;
}

/* What broke the image's first boot on a real Xen host (issue 14): the
 * templates named /dev/xvda1 although root.img has no partition table,
 * systemd renamed netfront's eth0/eth1 to enX0/enX1, and the root stayed
 * read-only with an empty fstab. The templates, the fstab, the interface
 * names and the agent's start script must agree. */
TEST(image_boot_files_agree_with_templates)
{
	static const char *const cfgs[] = { "cfg/xen/traffgen.cfg", "cfg/xen-vm/traffgen.cfg" };
	char root[4096], path[4200], link[64], err[256], *fstab, *text, dev[64] = "", opts[128] = "";
	ssize_t n;

	snprintf(root, sizeof(root), "%s/rootfs", mp_test_tmpdir());
	ASSERT_EQ(mkdir(root, 0755), 0);
	ASSERT_EQ(mp_image_populate(root, mp_test_bin("mir-perf-agent"), NULL, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/etc/fstab", root);
	ASSERT((fstab = mp_test_read_file(path)));
	for (char *l = fstab; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char d[64], mnt[64], o[128];

		if (*l != '#' && sscanf(l, "%63s %63s %*s %127s", d, mnt, o) == 3 &&
		    strcmp(mnt, "/") == 0) {
			snprintf(dev, sizeof(dev), "%s", d);
			snprintf(opts, sizeof(opts), "%s", o);
		}
	}
	free(fstab);
	ASSERT_MSG(dev[0], "the image's fstab has no line for /");
	ASSERT_MSG(strncmp(opts, "rw", 2) == 0, "the root is mounted \"%s\", not rw", opts);
	/* root.img is a bare file system: the whole disk, no partition number */
	ASSERT_MSG(dev[strlen(dev) - 1] < '0' || dev[strlen(dev) - 1] > '9',
		   "root device %s names a partition, but root.img has no partition table", dev);
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		char *r, vdev[80];

		ASSERT((text = mp_test_read_file(mp_test_src_path(cfgs[i]))));
		ASSERT_MSG((r = root_in_cfg(text)), "%s: no root= on the extra line", cfgs[i]);
		ASSERT_MSG(strcmp(r, dev) == 0, "%s boots root=%s, the image's fstab mounts %s",
			   cfgs[i], r, dev);
		snprintf(vdev, sizeof(vdev), "vdev=%s,", strrchr(dev, '/') + 1);
		ASSERT_CONTAINS(text, vdev);
		free(r);
		free(text);
	}
	/* Kernel names (eth0 data, eth1 control), as interfaces and the agent use */
	snprintf(path, sizeof(path), "%s/etc/systemd/network/99-default.link", root);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_MSG(n > 0, "systemd's predictable interface names are not switched off");
	link[n] = '\0';
	ASSERT_STREQ(link, "/dev/null");
	snprintf(path, sizeof(path), "%s/usr/local/sbin/mir-perf-agent-start", root);
	ASSERT((text = mp_test_read_file(path)));
	ASSERT_CONTAINS(text, "dev eth1");
	ASSERT_CONTAINS(text, "--dev eth0");
	free(text);
}

TEST(image_usage_errors)
{
	char *a1[] = { (char *)mp_test_bin("mir-perf"), "image", NULL };
	char *a2[] = { (char *)mp_test_bin("mir-perf"), "image", "--out", "x", "--suite",
		       "../evil", NULL };

	ASSERT_EXITS(a1, MP_EXIT_USAGE, NULL);
	ASSERT_EXITS(a2, MP_EXIT_USAGE, NULL);
}

TEST_SLOW(image_debootstrap_build, 2400)
{
	char out[4096], root[4200];
	char *argv[] = { (char *)mp_test_bin("mir-perf"), "image", "--out", out, "--no-disk", NULL };
	struct mp_run_result r;

	mp_test_require_root();
	mp_test_require_prog("debootstrap", "debootstrap");
	snprintf(out, sizeof(out), "%s/img", mp_test_tmpdir());
	ASSERT_EQ(mp_run(argv, NULL, 2300 * 1000ULL, &r), 0);
	if (r.status == 3 && strstr(r.err, "reachable"))
		SKIP("the Debian mirror is not reachable: %s", r.err);
	ASSERT_MSG(r.status == 0, "image: %s", r.err);
	mp_run_result_free(&r);
	snprintf(root, sizeof(root), "%s/rootfs", out);
	assert_mode(root, "/bin/sh", 0755);
	assert_agent_in(root);
	snprintf(root, sizeof(root), "%s/traffgen.cfg", out);
	{
		char *text = mp_test_read_file(root), *r;

		ASSERT_MSG(text, "no %s", root);
		ASSERT((r = root_in_cfg(text)));
		ASSERT_STREQ(r, "/dev/xvda");
		free(r);
		free(text);
	}
	/* The agent runs inside the new root: its libraries are all there. */
	{
		char rootfs[4200];
		char *ch[] = { "chroot", rootfs, "/usr/local/bin/mir-perf-agent", "--help", NULL };

		snprintf(rootfs, sizeof(rootfs), "%s/rootfs", out);
		ASSERT_EQ(mp_run(ch, NULL, 30000, &r), 0);
		ASSERT_MSG(r.status == 0, "agent in the image: %s", r.err);
		mp_run_result_free(&r);
	}
}
