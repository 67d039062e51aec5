/* Driving the kernel's pktgen through its procfs files (Documentation/
 * networking/pktgen.rst): the thread file kpktgend_0, the device file, and
 * pgctrl. Each command's reply is the device (or thread) file's
 * "Result: OK: ..." line, checked after every write.
 *
 * This machine's kernel has no pktgen module, so the files are reached
 * through a small I/O interface: procfs in production, and in the tests a
 * recorder that keeps every command and answers with replies in the
 * kernel's documented formats. */
#ifndef MP_PKTGEN_H
#define MP_PKTGEN_H

#include <stddef.h>
#include <stdint.h>

#include "common/mac.h"
#include "common/traffic.h"

#define MP_PKTGEN_THREAD "kpktgend_0"
#define MP_PKTGEN_CTRL "pgctrl"
#define MP_PKTGEN_READ_MAX 8192

struct mp_pktgen_io {
	/* Writes `cmd` to root/`file`; 0 or -errno. */
	int (*write)(void *ctx, const char *file, const char *cmd);
	/* Reads root/`file` into buf (NUL-terminated); bytes or -errno. */
	int (*read)(void *ctx, const char *file, char *buf, size_t len);
	void *ctx;
};

/* procfs under `root` (kept by pointer; must outlive io). */
void mp_pktgen_procfs(struct mp_pktgen_io *io, const char *root);

/* Binds t->dev to thread 0 and sets count, pkt_size (before ratep), rate
 * (ratep; "max": delay 0), MACs, addresses and ports. Every reply is
 * checked; on error a sentence in err. */
int mp_pktgen_configure(const struct mp_pktgen_io *io, const struct mp_traffic *t,
			const uint8_t src_mac[MP_MAC_LEN], char *err, size_t errlen);
/* Writes start to pgctrl: blocks until the run ends (as the kernel does). */
int mp_pktgen_run(const struct mp_pktgen_io *io);
int mp_pktgen_stop(const struct mp_pktgen_io *io);

struct mp_pktgen_result {
	uint64_t usec, packets, pps, mbps, errors;
	unsigned size;
};

/* Reads pkts-sofar and errors from the device file while running. */
int mp_pktgen_progress(const struct mp_pktgen_io *io, const char *dev, uint64_t *sofar,
		       uint64_t *errors);
/* Parses the final "Result: OK: <usec>(c..+d..) usec, <packets> (<size>byte,
 * <n>frags)\n  <pps>pps <Mb>Mb/sec (<bps>bps) errors: <errors>" in `text`.
 * Returns 0, or -EINVAL (no such line, or "Result: ERROR"). */
int mp_pktgen_parse_result(const char *text, struct mp_pktgen_result *r);

#endif
