/* The receiver's part of a phase (roles.receiver): the agent is told the
 * measure window with the traffic; after the cool-down (the drain) its
 * counters, latency histogram and 100 ms series are fetched and go into the
 * phase row, results.json and latency.csv. A receiver that cannot be read
 * leaves its columns empty and says why; it does not fail the phase, whose
 * counter figures stand on their own. */
#include "controller/sweep/internal.h"

#include <math.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

#define NS_PER_US 1e3

void mp_sweep_rx_traffic(const struct sweep *sw, struct mp_traffic *t)
{
	if (!sw->plan->has_receiver)
		return;
	/* The phase's own measure window: a search trial's is its own. */
	t->measure_from_ns = sw->plan->warmup_ns;
	t->measure_for_ns = sw->ph.duration_ns;
}

static void on_series(struct mp_agentc *ac, int status, const char *msg,
		      const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = mp_sweep_req_current(arg);

	(void)ac;
	(void)st;
	if (!sw)
		return;
	if (status < 0)
		mp_warn("phase %zu: the agent's 100 ms receive series is missing: %s",
			sw->ph.p.index + 1, msg);
	sw->ph.have_series = status == 0;
	sw->ph.rx_done(sw);
}

static void on_rx(struct mp_agentc *ac, int status, const char *msg,
		  const struct mp_agent_stats *st, void *arg)
{
	struct sweep *sw = mp_sweep_req_current(arg);

	(void)st;
	if (!sw)
		return;
	if (status < 0) {
		mp_warn("phase %zu: the agent did not say what it received (%s); the receiver's "
			"columns stay empty", sw->ph.p.index + 1, msg);
		if (status == -ECONNRESET || status == -ETIMEDOUT || status == -ENOTCONN)
			sw->agent_ok = 0;
		sw->ph.rx_done(sw);
		return;
	}
	sw->ph.have_rx = 1;
	mp_agentc_rx_series(ac, &sw->rx, on_series, mp_sweep_req(sw));
}

void mp_sweep_rx_fetch(struct sweep *sw, void (*done)(struct sweep *sw))
{
	sw->ph.rx_done = done;
	if (!sw->plan->has_receiver || !sw->agent_ok || sw->ph.failed) {
		done(sw);
		return;
	}
	if (!sw->rx.hist && !(sw->rx.hist = mp_hist_new())) {
		mp_warn("out of memory for the latency histogram");
		done(sw);
		return;
	}
	mp_agentc_rx(sw->agent, &sw->rx, on_rx, mp_sweep_req(sw));
}

static double us(uint64_t ns)
{
	return (double)ns / NS_PER_US;
}

/* The phase's 100 ms series into latency.csv. */
static int write_series(struct sweep *sw, const struct mp_phase_row *row)
{
	struct mp_latency_row *lr;
	double base = (double)(sw->ph.traffic_t - sw->t0) / MP_NS_PER_SEC;
	int rc;

	if (!sw->ph.have_series || !sw->rx.nseries)
		return 0;
	lr = calloc(sw->rx.nseries, sizeof(*lr));
	if (!lr)
		return -ENOMEM;
	for (size_t i = 0; i < sw->rx.nseries; i++) {
		const struct mp_rx_sample *s = &sw->rx.series[i];

		lr[i].t_s = base + (double)s->k * MP_RX_SAMPLE_NS / MP_NS_PER_SEC;
		lr[i].rx_pps = (double)s->frames * MP_NS_PER_SEC / MP_RX_SAMPLE_NS;
		lr[i].p50_us = s->frames ? us(s->p50_ns) : NAN;
		lr[i].p99_us = s->frames ? us(s->p99_ns) : NAN;
	}
	rc = mp_out_latency(sw->out, row, lr, sw->rx.nseries);
	free(lr);
	return rc;
}

/* An IMIX phase: "60:7012,590:4003,1514:1001", the receiver's frames per
 * length, lengths ascending, into sw->rx_sizes_text; NULL for one size. */
static const char *sizes_text(struct sweep *sw, const struct mp_rx_counters *c, unsigned size)
{
	char *buf = sw->rx_sizes_text;
	size_t len = sizeof(sw->rx_sizes_text), off = 0;
	uint32_t last = 0;

	if (size != MP_SIZE_IMIX || !c->nsizes)
		return NULL;
	buf[0] = '\0';
	for (unsigned n = 0; n < c->nsizes && off < len; n++) {
		unsigned next = c->nsizes;

		for (unsigned i = 0; i < c->nsizes; i++)      /* the next length up */
			if (c->size[i] > last && (next == c->nsizes || c->size[i] < c->size[next]))
				next = i;
		if (next == c->nsizes)
			break;
		off += (size_t)snprintf(buf + off, len - off, "%s%u:%llu", off ? "," : "",
					(unsigned)c->size[next],
					(unsigned long long)c->size_frames[next]);
		last = c->size[next];
	}
	return buf;
}

int mp_sweep_rx_row(struct sweep *sw, struct mp_phase_row *row)
{
	const struct mp_rx_counters *c = &sw->rx.c;
	const struct mp_hist *h = sw->rx.hist;

	if (!sw->ph.have_rx)
		return 0;
	/* Frames sent in the measure window over its length: the phase's (a
	 * trial's own duration, not the plan's phase.duration). */
	row->rx_pps = (double)c->frames / ((double)sw->ph.duration_ns / MP_NS_PER_SEC);
	row->lost = (double)c->lost;
	row->reordered = (double)c->reordered;
	row->duplicated = (double)c->duplicated;
	row->jitter_us = us(c->jitter_ns);
	row->rx_sizes = sizes_text(sw, c, row->size);
	if (c->ring_drops)
		mp_warn("phase %zu: the agent's receive ring dropped %llu frames: the receiver "
			"was too slow, its loss figures count them", sw->ph.p.index + 1,
			(unsigned long long)c->ring_drops);
	if (h->count) {
		row->lat_min_us = us(h->min);
		row->lat_p50_us = us(mp_hist_percentile(h, 50));
		row->lat_p90_us = us(mp_hist_percentile(h, 90));
		row->lat_p99_us = us(mp_hist_percentile(h, 99));
		row->lat_p999_us = us(mp_hist_percentile(h, 99.9));
		row->lat_max_us = us(h->max);
		row->lat_hist = h;
	}
	return write_series(sw, row);
}
