/* iperf3's JSON (-J) of one client run, read into a TCP result
 * (common/tcp.h). Pure: no I/O, no allocation that outlives the call. */
#ifndef MP_IPERF_H
#define MP_IPERF_H

#include <stddef.h>

#include "common/tcp.h"

/* Reads what `iperf3 -c ... -J [-R]` printed. On success returns 0 and
 * fills r's figures (sender and receiver rate and bytes, retransmits, the
 * receiver's time, CPU: the sender's is iperf3's host figure, or its
 * remote one with -R). Returns -EINVAL with r->reason set when the text is
 * not iperf3's JSON, when iperf3 reports an error, or when a one-second
 * interval after the first carried no byte (the path stalled: a number
 * from such a run would only be low, not true). */
int mp_iperf_parse(const char *json, size_t len, int reverse, struct mp_tcp_result *r);

#endif
