/* Test frames: Ethernet / IPv4 / UDP with valid header and UDP checksums.
 * The UDP payload starts with the stamp the receiver (receiver.h) reads, all
 * in network order and fitting the smallest (60-byte) frame:
 *   magic (4), run tag (2), sequence (4, wrapping), transmit time (8, ns of
 *   CLOCK_MONOTONIC in the sending agent)
 * The run tag changes with every start, so that frames of an earlier phase
 * still arriving are told apart. The rest of the payload is zero. A frame is
 * built once; per packet only the sequence and time change, and the UDP
 * checksum is updated incrementally (RFC 1624) from the template's. */
#ifndef MP_FRAME_H
#define MP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "common/mac.h"
#include "common/traffic.h"

#define MP_FRAME_MAGIC 0x6d707066u          /* "mppf" */
#define MP_FRAME_HDRS (MP_ETH_HLEN + 20 + 8) /* Ethernet + IPv4 + UDP */
#define MP_FRAME_STAMP_LEN (4 + 2 + 4 + 8)  /* magic, tag, sequence, time: 18 */
#define MP_FRAME_TAG_OFF (MP_FRAME_HDRS + 4)
#define MP_FRAME_SEQ_OFF (MP_FRAME_HDRS + 6)
#define MP_FRAME_TS_OFF (MP_FRAME_HDRS + 10)
#define MP_FRAME_UDP_CSUM_OFF (MP_ETH_HLEN + 20 + 6)

struct mp_frame_tmpl {
	uint8_t *buf;                /* the template frame, t.frame_size bytes */
	size_t len;
	uint16_t udp_csum;           /* of the template (sequence and time 0) */
};

/* Builds the template for `t` with source MAC `src_mac` and run tag
 * `t->tag`. Every size from MP_FRAME_MIN (60 = MP_FRAME_HDRS +
 * MP_FRAME_STAMP_LEN) carries the whole stamp. Returns 0 or -ENOMEM/-EINVAL. */
int mp_frame_build(struct mp_frame_tmpl *f, const struct mp_traffic *t,
		   const uint8_t src_mac[MP_MAC_LEN]);
void mp_frame_free(struct mp_frame_tmpl *f);

/* Copies the template into `dst` with `seq` (its low 32 bits) and `ts_ns` set. */
void mp_frame_stamp(const struct mp_frame_tmpl *f, uint8_t *dst, uint64_t seq, uint64_t ts_ns);

/* The Internet checksum of buf (RFC 1071), with an initial partial sum. */
uint16_t mp_frame_csum(const void *buf, size_t len, uint32_t sum);

#endif
