/* Test frames: Ethernet / IPv4 / UDP with valid header and UDP checksums.
 * The UDP payload starts with a magic, a 64-bit sequence number and a 64-bit
 * transmit timestamp (CLOCK_MONOTONIC ns), for loss, reordering and latency;
 * the rest of the payload is zero. A frame is built once; per packet only
 * the sequence and timestamp change, and the UDP checksum is updated
 * incrementally (RFC 1624) from the template's. */
#ifndef MP_FRAME_H
#define MP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "common/traffic.h"

#define MP_FRAME_MAGIC 0x6d707066u          /* "mppf" */
#define MP_FRAME_HDRS (14 + 20 + 8)         /* Ethernet + IPv4 + UDP */
#define MP_FRAME_STAMP_LEN (4 + 8 + 8)      /* magic, sequence, timestamp */
#define MP_FRAME_SEQ_OFF (MP_FRAME_HDRS + 4)
#define MP_FRAME_TS_OFF (MP_FRAME_HDRS + 12)
#define MP_FRAME_UDP_CSUM_OFF (14 + 20 + 6)

struct mp_frame_tmpl {
	uint8_t *buf;                /* the template frame, t.frame_size bytes */
	size_t len;
	uint16_t udp_csum;           /* of the template (sequence and time 0) */
};

/* Builds the template for `t` with source MAC `src_mac`. `t->frame_size`
 * must be at least MP_FRAME_HDRS + MP_FRAME_STAMP_LEN (62; smaller frames,
 * down to 60, carry a truncated stamp: sequence only when it fits).
 * Returns 0 or -ENOMEM/-EINVAL. */
int mp_frame_build(struct mp_frame_tmpl *f, const struct mp_traffic *t,
		   const uint8_t src_mac[6]);
void mp_frame_free(struct mp_frame_tmpl *f);

/* Copies the template into `dst` with `seq` and `ts_ns` set. */
void mp_frame_stamp(const struct mp_frame_tmpl *f, uint8_t *dst, uint64_t seq, uint64_t ts_ns);

/* The Internet checksum of buf (RFC 1071), with an initial partial sum. */
uint16_t mp_frame_csum(const void *buf, size_t len, uint32_t sum);

#endif
