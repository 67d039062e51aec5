#include "agent/pktgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/mac.h"

#define ADD_DEVICE_TRIES 30            /* 3 s for rem_device_all to be done */
#define ADD_DEVICE_WAIT_US 100000

static int procfs_write(void *ctx, const char *file, const char *cmd)
{
	char path[4096];
	int fd, rc = 0;
	size_t len = strlen(cmd);

	snprintf(path, sizeof(path), "%s/%s", (const char *)ctx, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, len) != (ssize_t)len)
		rc = -errno ? -errno : -EIO;
	close(fd);
	return rc;
}

static int procfs_read(void *ctx, const char *file, char *buf, size_t len)
{
	char path[4096];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", (const char *)ctx, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1 && (n = read(fd, buf + total, len - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return (int)total;
}

void mp_pktgen_procfs(struct mp_pktgen_io *io, const char *root)
{
	io->write = procfs_write;
	io->read = procfs_read;
	io->ctx = (void *)root;
}

/* Writes `cmd` to `file` and checks the file's Result line. */
static int cmd(const struct mp_pktgen_io *io, const char *file, const char *c,
	       char *err, size_t errlen)
{
	char buf[MP_PKTGEN_READ_MAX], *res;
	int rc = io->write(io->ctx, file, c);

	if (rc < 0) {
		snprintf(err, errlen, "pktgen: writing \"%s\" to %s: %s", c, file, mp_strerror(rc));
		return rc;
	}
	rc = io->read(io->ctx, file, buf, sizeof(buf));
	if (rc < 0) {
		snprintf(err, errlen, "pktgen: reading %s: %s", file, mp_strerror(rc));
		return rc;
	}
	res = strstr(buf, "Result: ");
	if (!res || strncmp(res, "Result: OK:", 11) != 0) {
		char *nl = res ? strchr(res, '\n') : NULL;

		if (nl)
			*nl = '\0';
		snprintf(err, errlen, "pktgen refused \"%s\" on %s: %s", c, file,
			 res ? res : "no Result line");
		return -EINVAL;
	}
	return 0;
}

int mp_pktgen_configure(const struct mp_pktgen_io *io, const struct mp_traffic *t,
			const uint8_t src_mac[MP_MAC_LEN], char *err, size_t errlen)
{
	char c[128], mac[MP_MAC_STRLEN], ip[INET_ADDRSTRLEN];
	uint64_t count = t->count;
	int rc;

#define CMD(file, ...) do { snprintf(c, sizeof(c), __VA_ARGS__); \
		if ((rc = cmd(io, (file), c, err, errlen)) < 0) return rc; } while (0)
	CMD(MP_PKTGEN_THREAD, "rem_device_all");
	/* rem_device_all only asks the pktgen thread, which acts on it within
	 * 125 ms on an idle machine: until then add_device of the same device
	 * is refused with EBUSY (seen on an emulated CPU). Wait for it. */
	snprintf(c, sizeof(c), "add_device %s", t->dev);
	for (unsigned i = 0; (rc = cmd(io, MP_PKTGEN_THREAD, c, err, errlen)) == -EBUSY &&
			     i < ADD_DEVICE_TRIES; i++)
		usleep(ADD_DEVICE_WAIT_US);
	if (rc < 0)
		return rc;
	/* A duration becomes a count at the rate; "max" runs until stopped. */
	if (!count && t->duration_ns && t->rate_pps)
		count = (t->duration_ns * t->rate_pps + (MP_NS_PER_SEC - 1)) / MP_NS_PER_SEC;
	CMD(t->dev, "count %llu", (unsigned long long)count);
	CMD(t->dev, "clone_skb 0");
	CMD(t->dev, "pkt_size %u", t->frame_size);       /* before ratep */
	if (t->imix.n) {
		/* Linux 5.10's imix_weights: "size,weight size,weight ...". */
		size_t off = (size_t)snprintf(c, sizeof(c), "imix_weights");

		for (unsigned i = 0; i < t->imix.n && off < sizeof(c); i++)
			off += (size_t)snprintf(c + off, sizeof(c) - off, " %u,%u", t->imix.size[i],
						t->imix.weight[i]);
		if ((rc = cmd(io, t->dev, c, err, errlen)) < 0) {
			snprintf(err, errlen, "this kernel's pktgen cannot send an IMIX mix (its "
				 "imix_weights came with Linux 5.10); use the packet engine "
				 "(agent.engine: packet) for IMIX");
			return rc;
		}
	}
	if (t->rate_pps)
		CMD(t->dev, "ratep %llu", (unsigned long long)t->rate_pps);
	else
		CMD(t->dev, "delay 0");
	mp_mac_format(t->dst_mac, mac);
	CMD(t->dev, "dst_mac %s", mac);
	mp_mac_format(src_mac, mac);
	CMD(t->dev, "src_mac %s", mac);
	inet_ntop(AF_INET, &t->dst_ip, ip, sizeof(ip));
	CMD(t->dev, "dst %s", ip);
	inet_ntop(AF_INET, &t->src_ip, ip, sizeof(ip));
	CMD(t->dev, "src_min %s", ip);
	CMD(t->dev, "src_max %s", ip);
	CMD(t->dev, "udp_src_min %u", t->src_port);
	CMD(t->dev, "udp_src_max %u", t->src_port);
	CMD(t->dev, "udp_dst_min %u", t->dst_port);
	CMD(t->dev, "udp_dst_max %u", t->dst_port);
#undef CMD
	return 0;
}

/* pgctrl cuts the last byte of a write off before reading the command
 * (net/core/pktgen.c, pgctrl_write): its commands end with a newline, or
 * "start" arrives as "star" and is refused (EINVAL). Seen on a real kernel. */
int mp_pktgen_run(const struct mp_pktgen_io *io)
{
	return io->write(io->ctx, MP_PKTGEN_CTRL, "start\n");
}

int mp_pktgen_stop(const struct mp_pktgen_io *io)
{
	return io->write(io->ctx, MP_PKTGEN_CTRL, "stop\n");
}

int mp_pktgen_progress(const struct mp_pktgen_io *io, const char *dev, uint64_t *sofar,
		       uint64_t *errors)
{
	char buf[MP_PKTGEN_READ_MAX], *p;
	int rc = io->read(io->ctx, dev, buf, sizeof(buf));

	if (rc < 0)
		return rc;
	p = strstr(buf, "pkts-sofar:");
	if (!p || sscanf(p, "pkts-sofar: %" SCNu64 " errors: %" SCNu64, sofar, errors) != 2)
		return -EINVAL;
	return 0;
}

int mp_pktgen_parse_result(const char *text, struct mp_pktgen_result *r)
{
	const char *p = strstr(text, "Result: OK: ");

	memset(r, 0, sizeof(*r));
	if (!p)
		return -EINVAL;
	p += strlen("Result: OK: ");
	if (sscanf(p, "%" SCNu64 "(c%*u+d%*u) usec, %" SCNu64 " (%ubyte",
		   &r->usec, &r->packets, &r->size) != 3)
		return -EINVAL;
	p = strstr(p, "usec, ");
	p = p ? strchr(p, '\n') : NULL;
	if (!p || sscanf(p, " %" SCNu64 "pps %" SCNu64 "Mb/sec (%*ubps) errors: %" SCNu64,
			 &r->pps, &r->mbps, &r->errors) != 3)
		return -EINVAL;
	return 0;
}
