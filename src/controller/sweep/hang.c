/* A hung DUT (internal.h, hang.c): its CPU time from libxenctrl, read on
 * libuv's thread pool every SW_HANG_CHECK_NS while traffic flows, compared
 * with the last reading at which it had used CPU or forwarded a frame. A
 * domain that gets frames and neither runs nor forwards for SW_HANG_NS is
 * paused or asleep for good (an upcall it never took): the phase fails,
 * instead of reporting 0 pps as a measurement, and domains.dut.on_failure
 * applies. libxenctrl is never called on the loop from here: a hypercall
 * that stalls (a busy hypervisor) holds a pool thread, not the sampling. */
#include "controller/sweep/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

/* The DUT's CPU time through libxenctrl while frames are offered: read on
 * libuv's thread pool, one read in flight at a time. */
struct sw_hang {
	uv_work_t req;
	struct sweep *sw;
	int in_flight;                  /* a read is on the thread pool */
	unsigned ticket;                /* the phase it was asked for (mp_sweep_phase_sending) */
	unsigned domid;
	int rc;
	struct mp_xc_info info;
	uint64_t t_ns;                  /* when it was asked, with the counters then */
	uint64_t gen_rx, out_rx;        /* the generator's and dut_out's rx then */
	uint64_t last_ask_ns;
	/* The last reading at which the DUT had used CPU or forwarded. */
	int have_ref;
	uint64_t ref_t_ns, ref_cpu_ns, ref_gen_rx, ref_out_rx;
};

int mp_sweep_hang_init(struct sweep *sw)
{
	if (!(sw->hang = calloc(1, sizeof(*sw->hang))))
		return -ENOMEM;
	sw->hang->sw = sw;
	return 0;
}

void mp_sweep_hang_free(struct sweep *sw)
{
	free(sw->hang);
	sw->hang = NULL;
}

void mp_sweep_hang_reset(struct sweep *sw)
{
	struct sw_hang *h = sw->hang;

	h->have_ref = 0;
	h->last_ask_ns = 0;
	h->sw = sw;
}

static void read_cpu(uv_work_t *req)
{
	struct sw_hang *h = req->data;

	h->rc = mp_xc_domain_info(h->sw->xc, h->domid, &h->info);
}

static void judge(struct sweep *sw, struct sw_hang *h)
{
	double frozen_s, offered;

	if (!h->have_ref || h->info.cpu_time_ns != h->ref_cpu_ns || h->out_rx != h->ref_out_rx ||
	    h->gen_rx == h->ref_gen_rx) {
		/* It ran, it forwarded, or nothing was offered: alive so far. */
		h->have_ref = 1;
		h->ref_t_ns = h->t_ns;
		h->ref_cpu_ns = h->info.cpu_time_ns;
		h->ref_gen_rx = h->gen_rx;
		h->ref_out_rx = h->out_rx;
		return;
	}
	if (h->t_ns - h->ref_t_ns < SW_HANG_NS)
		return;
	frozen_s = (double)(h->t_ns - h->ref_t_ns) / MP_NS_PER_SEC;
	offered = (double)(h->gen_rx - h->ref_gen_rx) / frozen_s;
	sw->dut_broken = SW_DUT_HUNG;
	mp_sweep_phase_fail(sw, "DUT hung (no CPU time for %.1f s while offered %.0f pps; "
			    "the domain is %s)", frozen_s, offered,
			    h->info.paused ? "paused" : h->info.blocked ? "blocked" :
			    h->info.running ? "running" : "neither running nor blocked");
}

static void on_read(uv_work_t *req, int status)
{
	struct sw_hang *h = req->data;
	struct sweep *sw = h->sw;

	h->in_flight = 0;
	if (status < 0 || h->rc < 0 || sw->stopping || !mp_sweep_phase_sending(sw, h->ticket))
		return;                 /* cancelled, gone (xenstore says so), or a past phase */
	judge(sw, h);
}

void mp_sweep_hang_tick(struct sweep *sw, unsigned ticket, const struct mp_link_stats *st)
{
	struct sw_hang *h = sw->hang;
	uint64_t now = mp_now_ns();

	if (!sw->xc || !sw->up[MP_DOM_DUT] || h->in_flight ||
	    (h->last_ask_ns && now - h->last_ask_ns < SW_HANG_CHECK_NS))
		return;
	h->sw = sw;
	h->req.data = h;
	h->ticket = ticket;
	h->domid = sw->dom[MP_DOM_DUT].domid;
	h->t_ns = now;
	h->gen_rx = st[SW_GEN].rx_packets;
	h->out_rx = st[SW_DUT_OUT].rx_packets;
	h->last_ask_ns = now;
	if (uv_queue_work(&sw->loop, &h->req, read_cpu, on_read) == 0)
		h->in_flight = 1;
}
