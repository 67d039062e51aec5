/* The control-channel protocol between the controller and mir-perf-agent
 * (docs/protocol.md is the reference): newline-delimited JSON objects over
 * TCP, at most MP_PROTO_LINE_MAX bytes each. Every request carries "v"
 * (MP_PROTO_VERSION), "id" and "op"; every reply echoes "id" and "op" with
 * "ok": true and the op's values, or "ok": false, "code" and "msg".
 *
 * This module is the codec only: pure functions that turn one line into a
 * struct and a struct into one line. They never allocate memory that outlives
 * the call, never log, and never crash on any input (it is fuzzed:
 * tests/fuzz/fuzz_proto.c). The server and the client share it. Its files:
 * proto_table.c (each op's and error code's wire name, the fields of each
 * request), proto_request.c and proto_reply.c (each message, decoded and
 * encoded), proto_json.c (the JSON helpers they share, proto_internal.h),
 * proto_tcp.c (the TCP ops' values). Splitting the byte stream into lines
 * is proto_framer.h's. */
#ifndef MP_PROTO_H
#define MP_PROTO_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hist.h"
#include "common/tcp.h"
#include "common/traffic.h"

#define MP_PROTO_VERSION 1
/* Longest message, in bytes, not counting its terminating newline. */
#define MP_PROTO_LINE_MAX 4096
/* Nonces and HMAC-SHA256 proofs are 32 bytes, sent as 64 hex digits. */
#define MP_PROTO_NONCE_LEN 32
#define MP_PROTO_PROOF_LEN 32
/* Largest "id" and largest integer value: 2^53 - 1, so that every value is
 * exact in any JSON implementation (IEEE doubles included). */
#define MP_PROTO_INT_MAX 9007199254740991ULL
/* Room for an error message or a description of a decoding failure. */
#define MP_PROTO_MSG_MAX 512
/* Room for the agent's version and engine name in a hello reply. */
#define MP_PROTO_NAME_MAX 64
/* Histogram buckets per rx reply and samples per rx_series reply: a full
 * page of the largest values stays under MP_PROTO_LINE_MAX. */
#define MP_PROTO_RX_BUCKETS 120
#define MP_PROTO_RX_SAMPLES 56
/* The value of "rate" meaning as fast as the agent allows. */
#define MP_PROTO_RATE_MAX_WORD "max"

enum mp_proto_op {
	MP_PROTO_HELLO,
	MP_PROTO_AUTH,
	MP_PROTO_CONFIGURE,
	MP_PROTO_START,
	MP_PROTO_STOP,
	MP_PROTO_STATS,
	MP_PROTO_KEEPALIVE,
	MP_PROTO_BYE,
	MP_PROTO_RX,         /* the receiver's counters and a page of its histogram */
	MP_PROTO_RX_SERIES,  /* a page of the receiver's 100 ms series */
	MP_PROTO_TCP_START,  /* TCP through the DUT: one iperf3 run (common/tcp.h) */
	MP_PROTO_TCP_STATUS, /* its state, and its figures once done */
	MP_PROTO_TCP_STOP,   /* ends it now */
	MP_PROTO_OP_COUNT,
};

/* Error codes of a reply with "ok": false, sent as their names ("EINVAL"). */
enum mp_proto_code {
	MP_PROTO_OK,        /* not an error: "ok": true */
	MP_PROTO_EPROTO,    /* not a message: not JSON, not an object, bad v/id/op */
	MP_PROTO_EVERSION,  /* "v" is not MP_PROTO_VERSION */
	MP_PROTO_ETOOBIG,   /* line longer than MP_PROTO_LINE_MAX */
	MP_PROTO_EINVAL,    /* a field of the op missing, unknown, mistyped or invalid */
	MP_PROTO_ELIMIT,    /* valid, but outside this agent's limits */
	MP_PROTO_EAUTH,     /* not authenticated, or authentication failed */
	MP_PROTO_ESTATE,    /* op not allowed now (start before configure...) */
	MP_PROTO_EBUSY,     /* traffic running, or another controller connected */
	MP_PROTO_EENGINE,   /* the traffic engine refused or failed */
	MP_PROTO_CODE_COUNT,
};

struct mp_proto_request {
	uint64_t id;
	enum mp_proto_op op;
	union {
		struct {
			uint8_t nonce[MP_PROTO_NONCE_LEN]; /* the client's nonce */
			uint8_t proof[MP_PROTO_PROOF_LEN];
		} auth;
		struct mp_traffic traffic;                 /* configure */
		uint64_t from;                             /* rx, rx_series: first index */
		struct mp_tcp_spec tcp;                    /* tcp_start */
	} u;
};

struct mp_proto_reply {
	int has_id;                  /* 0: the request's id was unknown (null) */
	uint64_t id;
	int has_op;                  /* 0: the request's op was unknown */
	enum mp_proto_op op;
	enum mp_proto_code code;     /* MP_PROTO_OK for "ok": true */
	char msg[MP_PROTO_MSG_MAX];  /* error replies: what went wrong, what to do */
	union {
		struct {
			unsigned version;                    /* protocol version */
			char agent[MP_PROTO_NAME_MAX];      /* agent program version */
			char engine[MP_PROTO_NAME_MAX];     /* traffic engine name */
			char dev[IFNAMSIZ];                 /* the only data interface */
			char rx_dev[IFNAMSIZ];              /* the receiver's, "" without */
			char rx_netns[MP_PROTO_NAME_MAX];   /* the receiving side's own
							     * namespace, "" without (no TCP) */
			uint64_t max_pps;                   /* the agent's rate ceiling */
			uint8_t nonce[MP_PROTO_NONCE_LEN];  /* the server's nonce */
		} hello;
		struct {
			uint8_t proof[MP_PROTO_PROOF_LEN];  /* the server's proof */
		} auth;
		struct {                                    /* stop and stats */
			struct mp_traffic_counters c;
			int running;
		} stats;
		struct {                                    /* rx */
			struct mp_rx_counters c;
			unsigned n;                         /* buckets in this page */
			uint32_t idx[MP_PROTO_RX_BUCKETS];  /* increasing, < MP_HIST_BUCKETS */
			uint64_t count[MP_PROTO_RX_BUCKETS];
			uint64_t next;                      /* next page's from; 0: last page */
		} rx;
		struct {                                    /* rx_series */
			unsigned n;
			struct mp_rx_sample s[MP_PROTO_RX_SAMPLES];
			uint64_t total;                     /* samples stored */
			uint64_t next;                      /* 0: last page */
		} series;
		struct mp_tcp_result tcp;                   /* tcp_status, tcp_stop */
	} u;
};

/* Names on the wire: "hello", "EINVAL"... Never NULL ("?" when out of range). */
const char *mp_proto_op_name(enum mp_proto_op op);
const char *mp_proto_code_name(enum mp_proto_code code);

/* The negative errno a client reports for an error code: EPROTO -EPROTO,
 * EVERSION -EPROTONOSUPPORT, ETOOBIG -EMSGSIZE, EINVAL -EINVAL, ELIMIT
 * -ERANGE, EAUTH -EACCES, ESTATE -EPERM, EBUSY -EBUSY, EENGINE -EIO.
 * MP_PROTO_OK gives 0. */
int mp_proto_code_errno(enum mp_proto_code code);

/* Decodes one request line (without its newline; need not be NUL-terminated).
 * Returns 0 and fills `req`, or a negative errno (-EPROTO, -EINVAL,
 * -EMSGSIZE, -EPROTONOSUPPORT) and fills `err` as the error reply to send:
 * code, message, and the id and op when they could be read. */
int mp_proto_decode_request(const char *line, size_t len,
			    struct mp_proto_request *req,
			    struct mp_proto_reply *err);

/* Encodes `req` as one line ending in '\n' into buf (NUL-terminated as well).
 * Returns the line's length including the newline, -EINVAL when a value
 * cannot be represented (id or an integer above MP_PROTO_INT_MAX, an invalid
 * traffic description), or -EMSGSIZE when buf is too small. A buffer of
 * MP_PROTO_LINE_MAX + 2 bytes always suffices. */
int mp_proto_encode_request(const struct mp_proto_request *req, char *buf, size_t len);

/* Decodes one reply line. Returns 0, or a negative errno with a description
 * of what is wrong in `err`. Unknown fields in replies are ignored, so an
 * agent may add informational values without a new protocol version. */
int mp_proto_decode_reply(const char *line, size_t len,
			  struct mp_proto_reply *rep, char *err, size_t errlen);

/* Encodes `rep` as one line ending in '\n', as mp_proto_encode_request. */
int mp_proto_encode_reply(const struct mp_proto_reply *rep, char *buf, size_t len);

/* Fills `rep` as an error reply to `req` (req may be NULL: no id, no op),
 * with a printf-style message. */
void mp_proto_reply_error(struct mp_proto_reply *rep,
			  const struct mp_proto_request *req,
			  enum mp_proto_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fills `rep` as a successful reply to `req` (values zeroed). */
void mp_proto_reply_ok(struct mp_proto_reply *rep, const struct mp_proto_request *req);

#endif
