/* What a traffic generator is asked to send, and what it reports back.
 * Shared by the agent's engines, the control-channel protocol and the
 * controller. Frame sizes count the bytes handed to the NIC without the
 * 4-byte FCS, as pktgen's pkt_size and Linux byte counters do (RFC 2544's
 * 64-byte frame is 60 here). */
#ifndef MP_TRAFFIC_H
#define MP_TRAFFIC_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "common/engines.h"
#include "common/imix.h"
#include "common/mac.h"

#define MP_FRAME_MIN 60      /* Ethernet minimum without FCS */
#define MP_FRAME_MAX 9000    /* jumbo ceiling; agents also check the MTU */

struct mp_traffic {
	char dev[IFNAMSIZ];          /* data interface inside the generator */
	unsigned frame_size;         /* MP_FRAME_MIN..MP_FRAME_MAX; with a mix, its largest */
	struct mp_imix imix;         /* n > 0: send this mix of sizes (imix.h) */
	uint64_t rate_pps;           /* 0 means as fast as possible ("max") */
	uint64_t duration_ns;        /* 0: until count reached or stopped */
	uint64_t count;              /* 0: until duration elapsed or stopped */
	uint8_t src_mac[MP_MAC_LEN]; /* all zero: the interface's own address */
	uint8_t dst_mac[MP_MAC_LEN];
	struct in_addr src_ip, dst_ip;
	uint16_t src_port, dst_port; /* host byte order */
	uint64_t measure_from_ns;    /* the receiver's window: frames sent from this */
	uint64_t measure_for_ns;     /* long after start (0: to the end) are counted */
	uint16_t tag;                /* run tag in every frame (frame.h): set by the
				      * agent at each start, not by the controller */
	char engine[MP_ENGINE_NAME_MAX]; /* "": the agent's own; else a name of
				      * engines.h: the one the plan asks for (agent.engine) */
};

struct mp_traffic_counters {
	uint64_t packets;            /* frames handed to the kernel/NIC */
	uint64_t bytes;              /* their sizes, without FCS */
	uint64_t errors;             /* frames that could not be sent */
	uint64_t first_tx_ns;        /* CLOCK_MONOTONIC of the first frame, 0 if none */
	uint64_t last_tx_ns;         /* ... of the last frame */
};

/* Frame lengths the receiver counts apart: as many as a mix has sizes. */
#define MP_RX_SIZES MP_IMIX_MAX

/* What the agent's receiver (agent/receiver.h) counted in one run: frames of
 * this run (its tag, or pktgen's header) sent within the measure window.
 * Latency is receive time minus send time, in ns, over those frames. */
struct mp_rx_counters {
	uint64_t frames;             /* counted: this run's, sent in the window */
	uint64_t lost;               /* sequence gaps never filled */
	uint64_t reordered;          /* arrived after a later sequence */
	uint64_t duplicated;         /* sequence already seen */
	uint64_t earlier;            /* test frames of an earlier run (another tag) */
	uint64_t outside;            /* this run's, sent outside the window */
	uint64_t other;              /* not test frames */
	uint64_t ring_drops;         /* dropped by the receive ring: receiver too slow */
	uint64_t lat_min_ns, lat_max_ns, lat_sum_ns;
	uint64_t jitter_ns;          /* RFC 3550 interarrival jitter */
	/* The frames counted in `frames`, by length (bytes without FCS), for
	 * the first MP_RX_SIZES lengths seen: what an IMIX phase forwarded of
	 * each size, where the receiver can tell the sizes apart by length.
	 * Frames of further lengths are in `frames` only. */
	unsigned nsizes;
	uint32_t size[MP_RX_SIZES];
	uint64_t size_frames[MP_RX_SIZES];
};

#define MP_RX_SAMPLE_NS 100000000ULL      /* the receiver's series period */

/* One 100 ms sample of the receiver: frames of this run received in
 * [k * 100 ms, (k + 1) * 100 ms) after start, whatever their window, and
 * their latency percentiles (0 without frames). */
struct mp_rx_sample {
	uint64_t k;
	uint64_t frames;
	uint64_t p50_ns, p99_ns;
};

#endif
