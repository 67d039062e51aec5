/* mir-perf image --out DIR: the traffic-generator VM for a Xen host, made
 * reproducibly (the old script used xen-create-image by hand):
 *
 *   DIR/rootfs/    Debian (debootstrap) with the kernel, pktgen loaded at
 *                  boot, DHCP on eth1, mir-perf-agent as a systemd service
 *                  with its secret (0600) and the libraries it links
 *   DIR/root.img   an ext4 image of rootfs (mke2fs -d)
 *   DIR/vmlinuz, DIR/initrd.img, DIR/traffgen.cfg (xl config, two vifs)
 *
 * Every command is an argument vector. The build is exercised by a slow
 * test (make check-slow); booting it needs a Xen host. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/pathf.h"
#include "common/run.h"
#include "controller/cmd/commands.h"
#include "controller/cmd/image.h"

#define DEFAULT_SUITE "bookworm"
#define DEFAULT_MIRROR "http://deb.debian.org/debian"
#define AGENT_PORT "7000"
#define CONTROL_MAC "00:16:3e:6d:70:01"
#define DATA_MAC "00:16:3e:6d:70:20"
#define RECEIVER_MAC "00:16:3e:6d:70:21"
#define IMAGE_SIZE "2G"
/* root.img is a bare ext4 file system (mke2fs -d, no partition table): the
 * guest's root is the whole disk, /dev/xvda, in the xl config and fstab. */
#define ROOT_DEVICE "/dev/xvda"
#define NAME_POLICY_LINK "/etc/systemd/network/99-default.link"
#define DEBOOTSTRAP_TIMEOUT_MS (45 * 60 * 1000)

/* The Debian packages of the traff-gen besides debootstrap's minimal base:
 * debootstrap's --include on a new root, apt-get in it for any missing on
 * --refresh (an image made before a package joined the list). */
static const char *const image_packages[] = {
	"systemd-sysv", "ifupdown", "isc-dhcp-client", "iproute2", "kmod",
	"linux-image-amd64", "udev", "xenstore-utils",
	"iperf3",               /* TCP through the DUT (the agent's --rx-netns) */
	NULL,
};
#define APT_TIMEOUT_MS (20 * 60 * 1000)

static int run(char *const argv[], uint64_t timeout_ms)
{
	struct mp_run_result r;
	int rc = mp_run(argv, NULL, timeout_ms, &r);

	if (rc < 0) {
		mp_err("cannot run %s: %s", argv[0], mp_strerror(rc));
		return rc;
	}
	rc = r.status;
	if (rc != 0)
		mp_err("%s failed (%d): %.2000s", argv[0], rc, r.err);
	mp_run_result_free(&r);
	return rc == 0 ? 0 : -EIO;
}

static int write_file(const char *root, const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX], dir[PATH_MAX], *slash;
	int fd;
	size_t len = strlen(text);

	if (mp_pathf(path, sizeof(path), "%s%s", root, rel) < 0)
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *s = dir + strlen(root) + 1; (slash = strchr(s, '/')); s = slash + 1) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	return close(fd) == 0 ? 0 : -errno;
}

static int copy_file(const char *src, const char *root, const char *rel, mode_t mode)
{
	FILE *f = fopen(src, "rb");
	char *buf;
	long len;
	int rc = -EIO;
	char path[PATH_MAX];
	int fd;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len &&
	    mp_pathf(path, sizeof(path), "%s%s", root, rel) == 0) {
		write_file(root, rel, "", mode);        /* creates the directories */
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd >= 0 && write(fd, buf, (size_t)len) == len)
			rc = 0;
		if (fd >= 0)
			close(fd);
	}
	free(buf);
	fclose(f);
	return rc;
}

/* The agent's shared libraries that the root filesystem lacks go to
 * /usr/local/lib/mir-perf (found through ld.so.conf.d). */
static int copy_libraries(const char *agent, const char *root)
{
	char *argv[] = { "ldd", (char *)agent, NULL };
	struct mp_run_result r;
	int rc = 0;

	if (mp_run(argv, NULL, 30000, &r) < 0 || r.status != 0) {
		mp_err("ldd %s failed", agent);
		return -EIO;
	}
	for (char *p = r.out, *save = NULL, *line; (line = strtok_r(p, "\n", &save)); p = NULL) {
		char *arrow = strstr(line, "=> /"), lib[PATH_MAX], in_root[PATH_MAX], rel[PATH_MAX];
		const char *base;

		if (!arrow || sscanf(arrow + 3, "%4095s", lib) != 1)
			continue;
		base = strrchr(lib, '/') + 1;
		if (mp_pathf(in_root, sizeof(in_root), "%s%s", root, lib) == 0 &&
		    access(in_root, F_OK) == 0)
			continue;               /* Debian provides it */
		snprintf(rel, sizeof(rel), "/usr/local/lib/mir-perf/%s", base);
		if ((rc = copy_file(lib, root, rel, 0644)) < 0)
			break;
	}
	mp_run_result_free(&r);
	if (rc == 0)
		rc = write_file(root, "/etc/ld.so.conf.d/mir-perf.conf", "/usr/local/lib/mir-perf\n",
				0644);
	return rc;
}

static const char start_script[] =
	"#!/bin/sh\n"
	"# Starts mir-perf-agent on the control interface's DHCP address.\n"
	"for i in $(seq 120); do\n"
	"  ip=$(ip -4 -o addr show dev eth1 | awk '{ split($4, a, \"/\"); print a[1]; exit }')\n"
	"  [ -n \"$ip\" ] && break\n"
	"  sleep 1\n"
	"done\n"
	"[ -n \"$ip\" ] || { echo 'mir-perf-agent: no address on eth1' >&2; exit 1; }\n"
	"# Published where dom0 looks for a guest's address (Xen's xenstore-paths:\n"
	"# attr/vif/<devid>/ipv4/0): a second way for mir-perf to find it.\n"
	"xenstore-write attr/vif/1/ipv4/0 \"$ip\" || echo 'mir-perf-agent: cannot publish the address in xenstore' >&2\n"
	"ip link set eth0 up\n"
	"# A third vif (eth2, on bridge if2) receives what the DUT forwards, from a\n"
	"# namespace of its own (TCP through the DUT reaches it only through the DUT;\n"
	"# an agent that died leaves it there for the next).\n"
	"rx=\n"
	"if ip link show eth2 >/dev/null 2>&1 || ip -n mir-perf-rx link show eth2 >/dev/null 2>&1; then\n"
	"  rx='--rx-dev eth2 --rx-netns mir-perf-rx'\n"
	"fi\n"
	"exec /usr/local/bin/mir-perf-agent --listen \"$ip:" AGENT_PORT "\" \\\n"
	"  --token-file /etc/mir-perf/agent.token --dev eth0 --engine auto $rx\n";

static const char service[] =
	"[Unit]\n"
	"Description=mir-perf traffic-generator agent\n"
	"Wants=network-online.target\n"
	"After=network-online.target\n"
	"\n"
	"[Service]\n"
	"ExecStart=/usr/local/sbin/mir-perf-agent-start\n"
	"Restart=always\n"
	"# on the Xen console too: dom0 keeps it in /var/log/xen/console/\n"
	"StandardOutput=journal+console\n"
	"StandardError=journal+console\n"
	"RestartSec=2\n"
	"\n"
	"[Install]\n"
	"WantedBy=multi-user.target\n";

/* The root is mounted read-only by the kernel line and read-write from here
 * on (systemd-remount-fs): dhclient's leases and the journal need it. */
static const char fstab[] =
	"# mir-perf traff-gen: root.img is the whole disk (no partition table)\n"
	ROOT_DEVICE " / ext4 rw,errors=remount-ro 0 1\n";

/* The data interface carries the generated frames and nothing else: no
 * IPv6 autoconfiguration (router solicitations, DAD) in the counters. */
static const char sysctl[] =
	"net.ipv6.conf.all.disable_ipv6 = 1\n"
	"net.ipv6.conf.default.disable_ipv6 = 1\n";

static const char interfaces[] =
	"# mir-perf traff-gen: eth0 carries the generated traffic (bridge if1),\n"
	"# eth1 is the control interface (xenbr0), configured by DHCP.\n"
	"auto lo\niface lo inet loopback\n\n"
	"auto eth0\niface eth0 inet manual\n  up ip link set eth0 up\n\n"
	"auto eth1\niface eth1 inet dhcp\n";

/* Writes everything mir-perf adds to a Debian root filesystem. */
int mp_image_populate(const char *root, const char *agent, const char *token_file,
		      char *err, size_t errlen)
{
	char token[66];         /* 64 hex digits, the newline, NUL */
	int rc;

	if (token_file) {
		FILE *f = fopen(token_file, "r");

		if (!f || !fgets(token, sizeof(token), f)) {
			snprintf(err, errlen, "cannot read the token file %s", token_file);
			if (f)
				fclose(f);
			return -ENOENT;
		}
		fclose(f);
		token[strcspn(token, "\r\n")] = '\0';
	} else {
		uint8_t raw[32];

		if (getrandom(raw, sizeof(raw), 0) != sizeof(raw)) {
			snprintf(err, errlen, "getrandom failed");
			return -EIO;
		}
		for (int i = 0; i < 32; i++)
			snprintf(token + 2 * i, 3, "%02x", raw[i]);
	}
	strcat(token, "\n");
	if ((rc = copy_file(agent, root, "/usr/local/bin/mir-perf-agent", 0755)) < 0 ||
	    (rc = copy_libraries(agent, root)) < 0 ||
	    (rc = write_file(root, "/etc/mir-perf/agent.token", token, 0600)) < 0 ||
	    (rc = write_file(root, "/usr/local/sbin/mir-perf-agent-start", start_script, 0755)) < 0 ||
	    (rc = write_file(root, "/etc/systemd/system/mir-perf-agent.service", service, 0644)) < 0 ||
	    (rc = write_file(root, "/etc/modules-load.d/pktgen.conf", "pktgen\n", 0644)) < 0 ||
	    (rc = write_file(root, "/etc/network/interfaces", interfaces, 0644)) < 0 ||
	    (rc = write_file(root, "/etc/fstab", fstab, 0644)) < 0 ||
	    (rc = write_file(root, "/etc/sysctl.d/50-mir-perf.conf", sysctl, 0644)) < 0 ||
	    (rc = write_file(root, "/etc/hostname", "traffgen\n", 0644)) < 0) {
		snprintf(err, errlen, "cannot write into %s: %s", root, mp_strerror(rc));
		return rc;
	}
	{
		char link[PATH_MAX];

		if (mp_pathf(link, sizeof(link), "%s/etc/systemd/system/multi-user.target.wants",
			     root) == 0)
			mkdir(link, 0755);
		strcat(link, "/mir-perf-agent.service");
		unlink(link);
		if (symlink("/etc/systemd/system/mir-perf-agent.service", link) < 0) {
			snprintf(err, errlen, "cannot enable the service: %s", mp_strerror(errno));
			return -errno;
		}
	}
	/* netfront's interfaces keep the kernel's names eth0 (devid 0, data) and
	 * eth1 (devid 1, control) that /etc/network/interfaces and the agent
	 * use: systemd's predictable names (enX0, enX1) are switched off by
	 * masking its default link policy, whatever the kernel line says. */
	{
		char link[PATH_MAX];

		if (mp_pathf(link, sizeof(link), "%s" NAME_POLICY_LINK, root) < 0 ||
		    (write_file(root, NAME_POLICY_LINK, "", 0644) < 0) || unlink(link) < 0 ||
		    symlink("/dev/null", link) < 0) {
			snprintf(err, errlen, "cannot mask %s: %s", NAME_POLICY_LINK, mp_strerror(errno));
			return -EIO;
		}
	}
	memset(token, 0, sizeof(token));
	/* The copied libraries go into the root's linker cache. */
	{
		char ldconfig[PATH_MAX];
		char *argv[] = { "chroot", (char *)root, "/sbin/ldconfig", NULL };

		if (mp_pathf(ldconfig, sizeof(ldconfig), "%s/sbin/ldconfig", root) == 0 &&
		    access(ldconfig, X_OK) == 0 && run(argv, 60000) < 0) {
			snprintf(err, errlen, "ldconfig in %s failed", root);
			return -EIO;
		}
	}
	return 0;
}

/* --refresh: the packages of image_packages that the kept root lacks,
 * installed with its own apt. 0 or -EIO. */
static int install_missing(const char *root)
{
	char *env[] = { "DEBIAN_FRONTEND=noninteractive", NULL };
	char *argv[sizeof(image_packages) / sizeof(image_packages[0]) + 8];
	size_t n = 0;

	argv[n++] = "chroot";
	argv[n++] = (char *)root;
	argv[n++] = "apt-get";
	argv[n++] = "install";
	argv[n++] = "-y";
	argv[n++] = "-q";
	argv[n++] = "--no-install-recommends";
	for (size_t i = 0; image_packages[i]; i++) {
		char *q[] = { "chroot", (char *)root, "dpkg-query", "-W", "-f=${Status}",
			      (char *)image_packages[i], NULL };
		struct mp_run_result r;
		int ran = mp_run(q, NULL, 60000, &r) == 0;
		int have = ran && r.status == 0 && strstr(r.out, "install ok installed");

		if (ran)
			mp_run_result_free(&r);
		if (!have)
			argv[n++] = (char *)image_packages[i];
	}
	argv[n] = NULL;
	if (n == 7)
		return 0;
	mp_info("installing in %s what the traff-gen now needs: %s%s%s", root, argv[7],
		n > 8 ? " and " : "", n > 8 ? "more" : "");
	{
		char *upd[] = { "chroot", (char *)root, "apt-get", "update", "-q", NULL };
		struct mp_run_result r;
		int rc;

		if (run(upd, APT_TIMEOUT_MS) < 0)
			return -EIO;
		rc = mp_run(argv, env, APT_TIMEOUT_MS, &r);
		if (rc < 0)
			return -EIO;
		if (r.status != 0)
			mp_err("apt-get install in %s failed (%d): %.2000s", root, r.status, r.err);
		rc = r.status == 0 ? 0 : -EIO;
		mp_run_result_free(&r);
		return rc;
	}
}

/* DIR/traffgen.cfg: the xl config of the VM. */
static int write_xl_config(const char *dir)
{
	char text[4096];
	int n = snprintf(text, sizeof(text),
		"# The mir-perf traffic generator, made by `mir-perf image`.\n"
		"name = \"{name}\"\n"
		"type = \"pv\"\n"
		"kernel = \"%s/vmlinuz\"\n"
		"ramdisk = \"%s/initrd.img\"\n"
		"extra = \"root=" ROOT_DEVICE " ro console=hvc0\"\n"
		"disk = [ 'format=raw,vdev=xvda,access=rw,target=%s/root.img' ]\n"
		"memory = 1024\nvcpus = 2\n"
		"# vif 0: data on if1; vif 1: control on xenbr0 (fixed MAC for discovery);\n"
		"# vif 2: the receiver, on if2 where the DUT forwards\n"
		"vif = [ 'mac=" DATA_MAC ",bridge=if1',\n"
		"        'mac=" CONTROL_MAC ",bridge=xenbr0',\n"
		"        'mac=" RECEIVER_MAC ",bridge=if2' ]\n", dir, dir, dir);

	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	return write_file(dir, "/traffgen.cfg", text, 0644);
}

static int newest(const char *pattern, char *out, size_t len)
{
	glob_t g;
	int rc = -ENOENT;

	if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc) {
		snprintf(out, len, "%s", g.gl_pathv[g.gl_pathc - 1]);
		rc = 0;
	}
	globfree(&g);
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: mir-perf image --out DIR [--suite SUITE] [--mirror URL] [--agent PATH]\n"
	      "                      [--token-file FILE] [--no-disk] [--refresh]\n"
	      "Builds the traffic-generator VM: DIR/rootfs (debootstrap), DIR/root.img,\n"
	      "DIR/vmlinuz, DIR/initrd.img and DIR/traffgen.cfg. Needs root.\n"
	      "--refresh keeps an existing DIR/rootfs (no debootstrap) and renews\n"
	      "mir-perf's files in it (a new agent, a new secret) and the disk.\n", f);
}

int mp_cmd_image(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' }, { "suite", required_argument, NULL, 's' },
		{ "mirror", required_argument, NULL, 'm' }, { "agent", required_argument, NULL, 'a' },
		{ "token-file", required_argument, NULL, 't' }, { "no-disk", no_argument, NULL, 'n' },
		{ "refresh", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *suite = DEFAULT_SUITE, *mirror = DEFAULT_MIRROR, *token = NULL;
	char agent[PATH_MAX] = "", root[PATH_MAX], err[512], src[PATH_MAX], dst[PATH_MAX];
	int c, disk = 1, refresh = 0;

	mp_log_init("mir-perf image", MP_LOG_INFO);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's': suite = optarg; break;
		case 'm': mirror = optarg; break;
		case 'a': snprintf(agent, sizeof(agent), "%s", optarg); break;
		case 't': token = optarg; break;
		case 'n': disk = 0; break;
		case 'r': refresh = 1; break;
		case 'h': usage(stdout); return MP_EXIT_OK;
		default: usage(stderr); return MP_EXIT_USAGE;
		}
	}
	if (!out || optind != argc || out[0] == '-' || strpbrk(suite, "/ ") || suite[0] == '-') {
		usage(stderr);
		return MP_EXIT_USAGE;
	}
	if (!agent[0]) {
		ssize_t n = readlink("/proc/self/exe", agent, sizeof(agent) - 32);

		agent[n > 0 ? n : 0] = '\0';
		if (strrchr(agent, '/'))
			strcpy(strrchr(agent, '/') + 1, "mir-perf-agent");
	}
	if (access(agent, X_OK) != 0) {
		mp_err("no agent binary at %s (build it, or give --agent PATH)", agent);
		return MP_EXIT_USAGE;
	}
	if (getuid() != 0) {
		mp_err("building an image needs root (debootstrap); run it with sudo");
		return MP_EXIT_ENV;
	}
	if ((mkdir(out, 0755) < 0 && errno != EEXIST) ||
	    mp_pathf(root, sizeof(root), "%s/rootfs", out) < 0) {
		mp_err("cannot create %s: %s", out, mp_strerror(errno));
		return MP_EXIT_ENV;
	}
	if (refresh && mp_pathf(src, sizeof(src), "%s/etc/debian_version", root) == 0 &&
	    access(src, F_OK) == 0) {
		mp_info("keeping the root file system in %s (--refresh)", root);
	} else {
		char include[512] = "--include=";
		char *argv_db[] = { "debootstrap", "--variant=minbase", include, (char *)suite, root,
				    (char *)mirror, NULL };

		for (size_t i = 0; image_packages[i]; i++)
			snprintf(include + strlen(include), sizeof(include) - strlen(include), "%s%s",
				 i ? "," : "", image_packages[i]);
		mp_info("debootstrap %s from %s into %s (several minutes)", suite, mirror, root);
		if (run(argv_db, DEBOOTSTRAP_TIMEOUT_MS) < 0) {
			mp_err("debootstrap failed: is the mirror %s reachable? (--mirror URL)", mirror);
			return MP_EXIT_ENV;
		}
	}
	if (refresh && install_missing(root) < 0) {
		mp_err("cannot install the packages the traff-gen needs in %s (is the mirror in "
		       "its /etc/apt/sources.list reachable?)", root);
		return MP_EXIT_ENV;
	}
	if (mp_image_populate(root, agent, token, err, sizeof(err)) < 0) {
		mp_err("%s", err);
		return MP_EXIT_ENV;
	}
	/* The initramfs renames interfaces too: made again, it carries the
	 * interface naming set above (debootstrap made it before). */
	{
		char *argv_ui[] = { "chroot", root, "update-initramfs", "-u", "-k", "all", NULL };

		mp_info("updating the initramfs in %s", root);
		if (run(argv_ui, 10 * 60 * 1000) < 0) {
			mp_err("update-initramfs in %s failed", root);
			return MP_EXIT_ENV;
		}
	}
	/* The kernel and initrd for xl, next to the disk. */
	if (mp_pathf(src, sizeof(src), "%s/boot/vmlinuz-*", root) == 0 &&
	    newest(src, src, sizeof(src)) == 0 &&
	    mp_pathf(dst, sizeof(dst), "%s/vmlinuz", out) == 0) {
		char *cp[] = { "cp", src, dst, NULL };

		run(cp, 60000);
	}
	if (mp_pathf(src, sizeof(src), "%s/boot/initrd.img-*", root) == 0 &&
	    newest(src, src, sizeof(src)) == 0 &&
	    mp_pathf(dst, sizeof(dst), "%s/initrd.img", out) == 0) {
		char *cp[] = { "cp", src, dst, NULL };

		run(cp, 60000);
	}
	if (disk) {
		char img[PATH_MAX];
		char *mk[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-d", root, img, IMAGE_SIZE, NULL };

		if (mp_pathf(img, sizeof(img), "%s/root.img", out) < 0 || run(mk, 10 * 60 * 1000) < 0) {
			mp_err("cannot make %s", img);
			return MP_EXIT_ENV;
		}
	}
	if (write_xl_config(out) < 0) {
		mp_err("cannot write %s/traffgen.cfg", out);
		return MP_EXIT_ENV;
	}
	printf("traff-gen image in %s (xl config %s/traffgen.cfg; secret "
	       "%s/rootfs/etc/mir-perf/agent.token)\n", out, out, out);
	return MP_EXIT_OK;
}
