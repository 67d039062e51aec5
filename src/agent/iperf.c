#include "agent/iperf.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PERMILLE_PER_PCT 10.0

static const json_t *path(const json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

/* A non-negative number of `o` into *out; 0 or -1. */
static int number(const json_t *o, const char *k, double *out)
{
	const json_t *v = json_object_get(o, k);
	double d;

	if (!json_is_number(v))
		return -1;
	d = json_number_value(v);
	if (!isfinite(d) || d < 0 || d > 9e15)
		return -1;
	*out = d;
	return 0;
}

static int fail(struct mp_tcp_result *r, const char *fmt, const char *what)
{
	snprintf(r->reason, sizeof(r->reason), fmt, what);
	return -EINVAL;
}

/* The first interval after the first in which no byte moved, or -1. The
 * first second may be slow to start; any later empty one is a stall. */
static int stalled_interval(const json_t *root)
{
	const json_t *iv = json_object_get(root, "intervals"), *e;
	size_t i;

	json_array_foreach(iv, i, e) {
		double bytes, secs;
		const json_t *sum = json_object_get(e, "sum");

		if (i == 0 || number(sum, "bytes", &bytes) < 0 || number(sum, "seconds", &secs) < 0)
			continue;
		if (bytes == 0 && secs >= 0.5)
			return (int)i;
	}
	return -1;
}

int mp_iperf_parse(const char *json, size_t len, int reverse, struct mp_tcp_result *r)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	const json_t *sent, *recv, *cpu, *v;
	double sbps, rbps, sbytes, rbytes, secs, retr = 0, host = 0, remote = 0;
	int rc = -EINVAL, k;

	if (!root || !json_is_object(root)) {
		fail(r, "iperf3 printed no JSON result%s", root ? "" : " (it was stopped, or crashed)");
		goto out;
	}
	v = json_object_get(root, "error");
	if (json_is_string(v)) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%s", json_string_value(v));
		fail(r, "iperf3: %s", msg);
		goto out;
	}
	sent = path(root, "end", "sum_sent");
	recv = path(root, "end", "sum_received");
	cpu = path(root, "end", "cpu_utilization_percent");
	if (number(sent, "bits_per_second", &sbps) < 0 || number(sent, "bytes", &sbytes) < 0) {
		fail(r, "iperf3's JSON has no %s", "end.sum_sent");
		goto out;
	}
	if (number(recv, "bits_per_second", &rbps) < 0 || number(recv, "bytes", &rbytes) < 0 ||
	    number(recv, "seconds", &secs) < 0) {
		fail(r, "iperf3's JSON has no %s", "end.sum_received");
		goto out;
	}
	number(sent, "retransmits", &retr);      /* absent where the kernel does not say */
	number(cpu, "host_total", &host);
	number(cpu, "remote_total", &remote);
	if ((k = stalled_interval(root)) >= 0) {
		snprintf(r->reason, sizeof(r->reason), "no byte got through in second %d of the "
			 "run: the path through the DUT stalled", k + 1);
		goto out;
	}
	r->sender_bps = (uint64_t)llround(sbps);
	r->receiver_bps = (uint64_t)llround(rbps);
	r->sent_bytes = (uint64_t)llround(sbytes);
	r->received_bytes = (uint64_t)llround(rbytes);
	r->retransmits = (uint64_t)llround(retr);
	r->seconds_ns = (uint64_t)llround(secs * 1e9);
	r->sender_cpu_permille = (uint64_t)llround((reverse ? remote : host) * PERMILLE_PER_PCT);
	r->receiver_cpu_permille = (uint64_t)llround((reverse ? host : remote) * PERMILLE_PER_PCT);
	rc = 0;
out:
	json_decref(root);
	return rc;
}
