/* TCP through the DUT: what the controller asks the agent to run (one
 * repetition: iperf3 between the traff-gen's data side and its receiving
 * side, which lives in a network namespace of its own so that every byte
 * and every ACK crosses the DUT), and what the agent reports back. Shared
 * by the agent (agent/tcp.h), the control-channel protocol and the
 * controller. */
#ifndef MP_TCP_H
#define MP_TCP_H

#include <netinet/in.h>
#include <stdint.h>

#define MP_TCP_STREAMS_MAX 64         /* parallel connections of one run */
#define MP_TCP_DURATION_MIN_S 1       /* iperf3 counts whole seconds */
#define MP_TCP_DURATION_MAX_S 3600
#define MP_TCP_PORT_DEFAULT 5201      /* iperf3's */
#define MP_TCP_PREFIX_LEN 24          /* the two ends' addresses share a /24 */
#define MP_TCP_OFFLOADS_TEXT_MAX 96   /* "sg on, tso on, gso on, gro on, ..." */
#define MP_TCP_REASON_MAX 512

/* traffic.tcp.offloads: what the agent does to the traff-gen's TSO and GSO
 * (both interfaces) before the run; traffic.tcp.checksum: the same for their
 * transmit checksum offload. */
enum mp_tcp_offloads {
	MP_TCP_OFFLOADS_KEEP,          /* as they are */
	MP_TCP_OFFLOADS_ON,
	MP_TCP_OFFLOADS_OFF,
	MP_TCP_OFFLOADS_COUNT,
};
/* "keep", "on", "off" in the enum's order, NULL after them. */
extern const char *const mp_tcp_offloads_names[MP_TCP_OFFLOADS_COUNT + 1];
/* "keep", "on", "off"; -1 for an unknown word. */
const char *mp_tcp_offloads_name(enum mp_tcp_offloads o);
int mp_tcp_offloads_parse(const char *s);

struct mp_tcp_spec {
	unsigned streams;              /* 1..MP_TCP_STREAMS_MAX */
	unsigned duration_s;           /* MP_TCP_DURATION_MIN_S..MAX_S */
	int reverse;                   /* the receiving side sends (iperf3 -R) */
	struct in_addr src_ip;         /* the data side's address (on --dev) */
	struct in_addr dst_ip;         /* the receiving side's (on --rx-dev) */
	uint16_t port;                 /* iperf3's server port */
	enum mp_tcp_offloads offloads;
	enum mp_tcp_offloads checksum;  /* transmit checksum offload */
	uint64_t timeout_ns;           /* the run ends by then or fails; > duration */
};

enum mp_tcp_state {
	MP_TCP_IDLE,                   /* nothing started since the agent started */
	MP_TCP_RUNNING,
	MP_TCP_DONE,                   /* finished; the figures are valid */
	MP_TCP_FAILED,                 /* reason says why; no figures */
	MP_TCP_STATE_COUNT,
};
const char *mp_tcp_state_name(enum mp_tcp_state s);
int mp_tcp_state_parse(const char *s);

/* One run as the agent saw it. Rates are iperf3's, bits per second over
 * its whole run; CPU in per mille of one CPU (iperf3's own processes). */
struct mp_tcp_result {
	enum mp_tcp_state state;
	char reason[MP_TCP_REASON_MAX];        /* failed: why */
	uint64_t elapsed_ns;                    /* since tcp_start */
	uint64_t sender_bps, receiver_bps;
	uint64_t sent_bytes, received_bytes;
	uint64_t retransmits;
	uint64_t seconds_ns;                    /* the receiver's measured time */
	uint64_t sender_cpu_permille, receiver_cpu_permille;
	/* TCP segments the two ends' kernels dropped for a wrong checksum during
	 * the run (TcpInCsumErrors of both namespaces): a DUT that forwards
	 * frames whose checksum the sender left to offload without finishing
	 * it. Counted whether the run is done or failed. */
	uint64_t csum_errors;
	char dev_offloads[MP_TCP_OFFLOADS_TEXT_MAX];   /* the data side, during the run */
	char rx_offloads[MP_TCP_OFFLOADS_TEXT_MAX];    /* the receiving side */
};

#endif
