/* The receiver's accounting, apart from its socket (receiver.c): parses one
 * received frame, decides whether it belongs to the current run and its
 * measure window, and counts it: sequence (seqtrack.h), latency histogram
 * (hist.h), RFC 3550 jitter, and the 100 ms series. Pure: no clock, no I/O,
 * so tests feed it frames with chosen times.
 *
 * Frames recognised (IPv4, UDP, no fragment; the header right after UDP):
 *   - ours (frame.h): MP_FRAME_MAGIC, tag, sequence, CLOCK_MONOTONIC send
 *     time in ns. Counted when the tag is the run's.
 *   - pktgen's: MP_PKTGEN_MAGIC, sequence, tv_sec, tv_usec (network order;
 *     the kernel's wall clock, CLOCK_REALTIME, in microseconds). No tag:
 *     an earlier run's frames are told apart by their send time alone.
 * Frames counted are also counted by length (mp_rx_counters' size table).
 * Times: receive times are CLOCK_MONOTONIC ns; `real_off` is CLOCK_REALTIME
 * minus CLOCK_MONOTONIC at that moment, to place pktgen's stamps. */
#ifndef MP_RXCOUNT_H
#define MP_RXCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"
#include "common/jitter.h"
#include "common/seqtrack.h"
#include "common/traffic.h"

#define MP_PKTGEN_MAGIC 0xbe9be955u
#define MP_RX_SERIES_MAX 6000             /* samples kept per run: 10 minutes */

struct mp_rxcount {
	uint16_t tag;
	uint64_t arm_ns, from_ns, to_ns;  /* start of the run; window [from, to) */
	struct mp_rx_counters c;          /* lost and latency filled on read */
	struct mp_seqtrack seq;
	struct mp_jitter jit;
	struct mp_hist *hist;             /* the window's latencies */
	struct mp_hist *cur;              /* the open sample's */
	uint64_t cur_k, cur_frames;
	struct mp_rx_sample *series;
	size_t nseries;
};

/* Allocates the histograms and the series. Returns 0 or -ENOMEM. */
int mp_rxcount_init(struct mp_rxcount *x);
void mp_rxcount_free(struct mp_rxcount *x);

/* A new run started at arm_ns: forget everything; count frames with `tag`
 * (and pktgen's) sent in [from_ns, to_ns) (to_ns 0: no end). */
void mp_rxcount_arm(struct mp_rxcount *x, uint16_t tag, uint64_t arm_ns, uint64_t from_ns,
		    uint64_t to_ns);

/* Counts one frame of `len` bytes received at rx_ns. */
void mp_rxcount_frame(struct mp_rxcount *x, const uint8_t *b, size_t len, uint64_t rx_ns,
		      int64_t real_off);

/* Closes the open sample once `now_ns` is past its end (when it holds frames:
 * trailing empty samples are not stored). */
void mp_rxcount_tick(struct mp_rxcount *x, uint64_t now_ns);

/* The counters with lost and latency figures filled in. */
void mp_rxcount_counters(const struct mp_rxcount *x, struct mp_rx_counters *out);

#endif
