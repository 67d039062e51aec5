/* The agent's receiver: what the DUT forwarded comes back on `rx_dev`, read
 * through a packet socket with a memory-mapped TPACKET_V3 receive ring and
 * the kernel's per-frame receive time, on a thread of its own (the sender's
 * thread never waits for it). Accounting is rxcount.h's.
 *
 * Clocks: the kernel stamps received frames with CLOCK_REALTIME; our frames
 * carry the sender's CLOCK_MONOTONIC. Both ends are in this process, so the
 * receive time is turned into CLOCK_MONOTONIC with the current offset
 * between the two clocks (read for every ring block): latency is then one
 * clock minus itself, and an NTP step between send and receive cannot bend
 * it (only one landing inside a block of frames). pktgen's stamps are the
 * kernel's CLOCK_REALTIME truncated to microseconds: latency from them is
 * read against the realtime receive stamp, 0..1 us too high (0.5 us on
 * average), and an NTP step during a run shows as latency. */
#ifndef MP_RECEIVER_H
#define MP_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"
#include "common/traffic.h"

struct mp_receiver;

/* Opens the ring on `dev` (promiscuous: forwarded frames are addressed to
 * the DUT's MAC) and starts the thread. Returns 0, or a negative errno with
 * a sentence in err (-ENODEV, -EPERM without CAP_NET_RAW). */
int mp_receiver_open(const char *dev, struct mp_receiver **out, char *err, size_t errlen);

/* A new run from now: see mp_rxcount_arm (window [from_ns, to_ns) of
 * CLOCK_MONOTONIC send times; to_ns 0: no end). */
void mp_receiver_arm(struct mp_receiver *r, uint16_t tag, uint64_t from_ns, uint64_t to_ns);

/* The counters now and, when `hist` is not NULL, a copy of the window's
 * latency histogram. */
void mp_receiver_read(struct mp_receiver *r, struct mp_rx_counters *c, struct mp_hist *hist);

/* Copies up to n 100 ms samples from index `from`; returns how many, and
 * the number stored so far in *total. */
size_t mp_receiver_series(struct mp_receiver *r, size_t from, struct mp_rx_sample *out,
			  size_t n, size_t *total);

/* Paused, the socket takes no frame at all (a filter that drops them all,
 * before any copy): during TCP through the DUT the receiver costs the
 * traff-gen nothing. 0 or -errno. */
int mp_receiver_pause(struct mp_receiver *r, int paused);

/* Stops the thread, closes the ring, frees. NULL is allowed. */
void mp_receiver_close(struct mp_receiver *r);

#endif
