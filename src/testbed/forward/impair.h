/* Test impairments of the forwarder, deterministic so that a test knows
 * exactly what the receiver must report (issue 16):
 *   --delay-us D    every frame leaves D us after it arrived
 *   --reorder N     frames 0, N, 2N... (counting IPv4/UDP frames) are held
 *                   and sent right after the frame that follows them
 *   --duplicate N   frames 0, N, 2N... are sent twice
 *   --drop-every N  frames N-1, 2N-1... are dropped: a DUT whose drops come
 *                   at a fixed period, whatever the frames' sizes
 *   --queue-pps N   frames leave at most N per second; the others wait in
 *                   the FIFO (dropped only when it is full): a DUT that
 *                   falls behind and catches up from its queue in the drain
 * Only IPv4/UDP frames (the test traffic) are impaired and counted; others
 * pass in order after the same delay. Frames wait as copies in a FIFO with
 * their due times, each with the virtio-net header it is sent with (fwd.h);
 * a frame that finds it full, or larger than a slot (a GSO frame), is
 * dropped and counted as an error. */
#ifndef MP_FWD_IMPAIR_H
#define MP_FWD_IMPAIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "testbed/forward/fwd.h"

#define MP_IMPAIR_SLOT 2048        /* largest frame held (veth MTU 1500 + headers) */
#define MP_IMPAIR_CAP 8192         /* frames held at most */
#define MP_IMPAIR_SWAP_WAIT_NS 10000000ULL   /* a held frame with no follower goes
					      * after this, in order */

struct mp_fwd_held {
	uint64_t due_ns;
	size_t len;
	uint8_t *data;               /* a slot of MP_IMPAIR_SLOT bytes */
};

struct mp_fwd_impair {
	uint64_t delay_ns;
	uint64_t reorder, dup, drop; /* every Nth UDP frame; 0: off */
	uint64_t pace_ns;            /* --queue-pps: at least this between frames; 0: off */
	uint64_t next_tx_ns;         /* the earliest the next frame may leave */
	uint64_t udp_seen;           /* IPv4/UDP frames pushed */
	uint64_t reordered, duplicated, dropped;   /* impairments applied */
	struct mp_fwd_held *q;       /* FIFO, MP_IMPAIR_CAP entries */
	uint8_t *slots;
	unsigned head, n;
	struct mp_fwd_held swap;     /* the held frame of a reorder, or len 0; due_ns:
				      * when it goes anyway if no frame follows */
	uint8_t *swap_data;
};

/* 0, or -ENOMEM. With every option 0 the forwarder does not use it. */
int mp_fwd_impair_init(struct mp_fwd_impair *m, uint64_t delay_ns, uint64_t reorder,
		       uint64_t dup, uint64_t drop, uint64_t queue_pps);
int mp_fwd_impair_active(const struct mp_fwd_impair *m);
void mp_fwd_impair_free(struct mp_fwd_impair *m);

/* Takes one received frame (iov: its pieces) at now_ns. */
void mp_fwd_impair_push(struct mp_fwd_impair *m, const struct iovec *iov, int iovcnt,
			uint64_t now_ns, struct mp_fwd_counters *c);
/* Sends out of `out` every frame due at now_ns. */
void mp_fwd_impair_send(struct mp_fwd_impair *m, struct mp_fwd_port *out, uint64_t now_ns,
			struct mp_fwd_counters *c);
/* When the next held frame is due (and may leave); 0 when none is held. */
uint64_t mp_fwd_impair_next_due(const struct mp_fwd_impair *m);

#endif
