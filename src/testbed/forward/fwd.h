/* The DUT stand-in's pieces: a packet socket with a TPACKET_V2 receive ring
 * (ring.c), one direction of forwarding from a ring to another interface in
 * batches with sendmmsg (ring.c), and a token bucket rate cap (bucket.c).
 *
 * Frames keep their offload metadata across the forwarder, as they do
 * across a Linux DUT between two netfronts: every frame is received and
 * sent with a virtio-net header (PACKET_VNET_HDR) that carries its GSO
 * type and size and whether its checksum is still to be finished. A GSO
 * frame (up to 64 KiB, what a sender's TSO and the vifs' negotiated
 * feature-gso-tcpv4 let through) does not fit a ring slot: the kernel
 * queues a whole copy on the socket (PACKET_COPY_THRESH), which is read and
 * forwarded in its place. */
#ifndef MP_FWD_H
#define MP_FWD_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>

/* Every frame is preceded by this header on both sockets. */
#define MP_FWD_VNET_HDR_LEN ((unsigned)sizeof(struct virtio_net_hdr))
/* The largest frame forwarded: a 64 KiB GSO frame, its Ethernet and VLAN
 * headers. */
#define MP_FWD_FRAME_MAX (65536u + 18u)

struct mp_fwd_counters {
	uint64_t received;    /* frames received on --in (not our own outgoing ones) */
	uint64_t forwarded;   /* frames handed to --out */
	uint64_t dropped;     /* frames over the --max-pps cap */
	uint64_t errors;      /* send failures, frames too large to forward */
	uint64_t ring_drops;  /* frames the kernel dropped because the ring was full */
};

struct mp_fwd_bucket {
	uint64_t rate;        /* tokens (frames) per second; 0: no cap */
	uint64_t burst;       /* bucket depth in frames */
	uint64_t tokens_ns;   /* tokens, scaled by 1e9 to keep the arithmetic integer */
	uint64_t last_ns;
};

/* Starts a full bucket for `rate` frames/s (0 = unlimited). */
void mp_fwd_bucket_init(struct mp_fwd_bucket *b, uint64_t rate, uint64_t now_ns);
/* Takes one token at time now_ns; 1 if the frame may pass, 0 if over the cap. */
int mp_fwd_bucket_take(struct mp_fwd_bucket *b, uint64_t now_ns);

struct mp_fwd_port {
	char name[32];
	int fd;
	int ifindex;
	uint8_t *ring;
	size_t ring_len;
	unsigned frame_nr, frame_size, head;
	uint8_t *big;         /* a whole frame read from the socket: header + frame */
	int lose_csum;        /* frames received here leave without NEEDS_CSUM */
};

/* Opens a packet socket on `ifname` with qdisc bypass and virtio-net
 * headers for sending and, if `rx`, a receive ring and the queue for frames
 * larger than its slots (otherwise it receives nothing). Returns 0 or a
 * negative errno (logged). */
int mp_fwd_port_open(struct mp_fwd_port *p, const char *ifname, int rx);
void mp_fwd_port_close(struct mp_fwd_port *p);

struct mp_fwd_impair;

/* Forwards what is waiting in in's ring out of `out`, at most one ring's
 * worth; returns the number of ring slots consumed. With `imp` (impair.h)
 * frames (their virtio-net header first) go to its queue instead, and
 * leave by mp_fwd_impair_send. */
unsigned mp_fwd_pump(struct mp_fwd_port *in, struct mp_fwd_port *out,
		     struct mp_fwd_bucket *b, struct mp_fwd_impair *imp,
		     struct mp_fwd_counters *c);
/* Adds the kernel's ring-full drop count since the last call to c. */
void mp_fwd_port_stats(struct mp_fwd_port *p, struct mp_fwd_counters *c);

#endif
