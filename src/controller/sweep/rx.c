/* The receiver's part of a phase (roles.receiver): the agent is told the
 * measure window with the traffic; after the cool-down (the drain) its
 * counters, latency histogram and 100 ms series are fetched and go into the
 * phase row, results.json and latency.csv. A receiver that cannot be read
 * leaves its columns empty and says why; it does not fail the phase, whose
 * counter figures stand on their own. The receiver's state is this file's
 * own (struct sw_rx): the phase tells it what it needs through internal.h's
 * functions. */
#include "controller/sweep/internal.h"

#include <math.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

#define NS_PER_US 1e3
#define SIZE_TEXT_MAX 32        /* one "length:frames" of rx_sizes */

/* The receiver's part of the phase going on (sw->rx). */
struct sw_rx {
	struct mp_agent_rx got;         /* what the agent said it received */
	size_t phase;                   /* the phase's index, for the log */
	uint64_t measure_ns;            /* its measure window's length */
	uint64_t traffic_ns;            /* when its traffic started */
	int have_counters, have_series; /* `got` holds them for this phase */
	void (*fetched)(struct sweep *sw);  /* told once the fetch is over */
	char sizes_text[MP_RX_SIZES * SIZE_TEXT_MAX];   /* the row's rx_sizes */
};

void mp_sweep_rx_begin(struct sweep *sw, size_t phase, uint64_t measure_ns)
{
	struct sw_rx *rx;

	if (!sw->plan->has_receiver)
		return;
	if (!sw->rx && !(sw->rx = calloc(1, sizeof(*sw->rx)))) {
		mp_warn("phase %zu: out of memory for the receiver's figures; its columns "
			"stay empty", phase + 1);
		return;
	}
	rx = sw->rx;
	rx->phase = phase;
	rx->measure_ns = measure_ns;
	rx->traffic_ns = 0;
	rx->have_counters = 0;
	rx->have_series = 0;
	rx->fetched = NULL;
}

void mp_sweep_rx_traffic(const struct sweep *sw, uint64_t measure_ns, struct mp_traffic *t)
{
	if (!sw->plan->has_receiver)
		return;
	/* The phase's own measure window: a search trial's is its own. */
	t->measure_from_ns = sw->plan->warmup_ns;
	t->measure_for_ns = measure_ns;
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
			sw->rx->phase + 1, msg);
	sw->rx->have_series = status == 0;
	sw->rx->fetched(sw);
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
			"columns stay empty", sw->rx->phase + 1, msg);
		if (mp_agentc_broken(status))
			sw->agent_ok = 0;
		sw->rx->fetched(sw);
		return;
	}
	sw->rx->have_counters = 1;
	mp_agentc_rx_series(ac, &sw->rx->got, on_series, mp_sweep_req(sw));
}

void mp_sweep_rx_fetch(struct sweep *sw, int failed, uint64_t traffic_ns,
		       void (*fetched)(struct sweep *sw))
{
	struct sw_rx *rx = sw->rx;

	if (!sw->plan->has_receiver || !rx || !sw->agent_ok || failed) {
		fetched(sw);
		return;
	}
	rx->fetched = fetched;
	rx->traffic_ns = traffic_ns;
	if (!rx->got.hist && !(rx->got.hist = mp_hist_new())) {
		mp_warn("out of memory for the latency histogram");
		fetched(sw);
		return;
	}
	mp_agentc_rx(sw->agent, &rx->got, on_rx, mp_sweep_req(sw));
}

void mp_sweep_rx_free(struct sweep *sw)
{
	if (!sw->rx)
		return;
	free(sw->rx->got.hist);
	free(sw->rx->got.series);
	free(sw->rx);
	sw->rx = NULL;
}

static double us(uint64_t ns)
{
	return (double)ns / NS_PER_US;
}

/* The phase's 100 ms series into latency.csv. */
static int write_series(struct sweep *sw, const struct mp_phase_row *row)
{
	const struct sw_rx *rx = sw->rx;
	struct mp_latency_row *lr;
	double base = (double)(rx->traffic_ns - sw->t0) / MP_NS_PER_SEC;
	int rc;

	if (!rx->have_series || !rx->got.nseries)
		return 0;
	lr = calloc(rx->got.nseries, sizeof(*lr));
	if (!lr)
		return -ENOMEM;
	for (size_t i = 0; i < rx->got.nseries; i++) {
		const struct mp_rx_sample *s = &rx->got.series[i];

		lr[i].t_s = base + (double)s->k * MP_RX_SAMPLE_NS / MP_NS_PER_SEC;
		lr[i].rx_pps = (double)s->frames * MP_NS_PER_SEC / MP_RX_SAMPLE_NS;
		lr[i].p50_us = s->frames ? us(s->p50_ns) : NAN;
		lr[i].p99_us = s->frames ? us(s->p99_ns) : NAN;
	}
	rc = mp_out_latency(sw->out, row, lr, rx->got.nseries);
	free(lr);
	return rc;
}

/* An IMIX phase: "60:7012,590:4003,1514:1001", the receiver's frames per
 * length, lengths ascending, into rx->sizes_text; NULL for one size. */
static const char *sizes_text(struct sw_rx *rx, const struct mp_rx_counters *c, unsigned size)
{
	char *buf = rx->sizes_text;
	size_t len = sizeof(rx->sizes_text), off = 0;
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
	struct sw_rx *rx = sw->rx;
	const struct mp_rx_counters *c;
	const struct mp_hist *h;

	if (!rx || !rx->have_counters)
		return 0;
	c = &rx->got.c;
	h = rx->got.hist;
	/* Frames sent in the measure window over its length: the phase's (a
	 * trial's own duration, not the plan's phase.duration). */
	row->rx_pps = (double)c->frames / ((double)rx->measure_ns / MP_NS_PER_SEC);
	row->lost = (double)c->lost;
	row->reordered = (double)c->reordered;
	row->duplicated = (double)c->duplicated;
	row->jitter_us = us(c->jitter_ns);
	row->rx_sizes = sizes_text(rx, c, row->size);
	if (c->ring_drops)
		mp_warn("phase %zu: the agent's receive ring dropped %llu frames: the receiver "
			"was too slow, its loss figures count them", rx->phase + 1,
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
