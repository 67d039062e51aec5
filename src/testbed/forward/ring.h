/* Packet socket rings (TPACKET_V2) for the forwarder: an RX ring on the
 * input interface and a TX ring on the output, mapped once; frames are
 * copied from one ring slot to the other (the only copy) and the TX ring is
 * flushed with one send() per batch. */
#ifndef MP_FWD_RING_H
#define MP_FWD_RING_H

#include <stddef.h>
#include <stdint.h>

#define MP_FWD_FRAME_SIZE 2048      /* ring slot: Ethernet MTU 1500 frames and headers */
#define MP_FWD_FRAMES 1024          /* slots per ring */

struct mp_fwd_ring {
	int fd;
	uint8_t *map;
	size_t map_len;
	unsigned nframes, next;
	int tx;
};

/* Opens a ring on `ifname`: RX (every frame arriving, none we send) or TX
 * (qdisc bypass). Returns 0 or -errno. */
int mp_fwd_ring_open(struct mp_fwd_ring *r, const char *ifname, int tx);
void mp_fwd_ring_close(struct mp_fwd_ring *r);

/* RX: the next filled slot's frame (and its length), or NULL; release it
 * with mp_fwd_rx_release once done. */
const uint8_t *mp_fwd_rx_next(struct mp_fwd_ring *r, unsigned *len);
void mp_fwd_rx_release(struct mp_fwd_ring *r);

/* TX: queues a copy of the frame; -EAGAIN when the ring is full. */
int mp_fwd_tx_queue(struct mp_fwd_ring *r, const uint8_t *frame, unsigned len);
/* Hands the queued frames to the kernel. Returns 0 or -errno. */
int mp_fwd_tx_flush(struct mp_fwd_ring *r);

#endif
