/* Live progress on stderr: a status line on a terminal, a line per phase elsewhere (progress.h). */
#include "controller/sweep/progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/imix.h"

#define MIN_REDRAW_NS (MP_NS_PER_SEC / 10)   /* at most 10 updates a second */

struct mp_progress {
	FILE *f;
	int quiet, tty, line_open;
	size_t nphases;
	uint64_t last_draw, started;
	/* The ETA: the phase of the schedule going on (its index + 1; 0 for
	 * none yet), when it started, its length, and what follows it. */
	size_t timed;
	uint64_t timed_t0, timed_len_ns, after_ns;
};

struct mp_progress *mp_progress_new(FILE *f, int quiet, size_t nphases)
{
	struct mp_progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->f = f;
	p->quiet = quiet;
	p->tty = isatty(fileno(f));
	p->nphases = nphases;
	p->started = mp_now_ns();
	return p;
}

void mp_progress_phase_start(struct mp_progress *p, const struct mp_plan *plan,
			     size_t phase, uint64_t now_ns)
{
	struct mp_phase entry;

	if (!p || p->timed == phase + 1)
		return;
	mp_plan_phase(plan, phase, &entry);
	p->timed = phase + 1;
	p->timed_t0 = now_ns;
	p->timed_len_ns = entry.length_ns;
	p->after_ns = mp_plan_total_ns(plan) - (entry.start_offset_ns + entry.length_ns);
}

uint64_t mp_progress_eta_ns(const struct mp_progress *p, uint64_t now_ns)
{
	uint64_t in_phase;

	if (!p || !p->timed)
		return 0;
	in_phase = now_ns - p->timed_t0;
	return p->after_ns + (p->timed_len_ns > in_phase ? p->timed_len_ns - in_phase : 0);
}

static void clock_text(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / MP_NS_PER_SEC;

	snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
}

#define CLOCK_TEXT_MAX 16   /* "M:SS" of a run's elapsed time or ETA */

/* Whether the live line is drawn now: on a terminal, not quiet, and not
 * drawn in the last MIN_REDRAW_NS. If so it counts as drawn, and el and
 * eta hold the run's elapsed time and what is left of it. */
static int line_due(struct mp_progress *p, uint64_t elapsed_ns, char el[CLOCK_TEXT_MAX],
		    char eta[CLOCK_TEXT_MAX])
{
	uint64_t now = mp_now_ns();

	if (!p || p->quiet || !p->tty || now - p->last_draw < MIN_REDRAW_NS)
		return 0;
	p->last_draw = now;
	clock_text(elapsed_ns, el, CLOCK_TEXT_MAX);
	clock_text(mp_progress_eta_ns(p, now), eta, CLOCK_TEXT_MAX);
	return 1;
}

static void rate_text(double pps, char *buf, size_t len)
{
	if (isnan(pps))
		snprintf(buf, len, "-");
	else if (pps >= 1e6)
		snprintf(buf, len, "%.2fM", pps / 1e6);
	else if (pps >= 1e3)
		snprintf(buf, len, "%.1fk", pps / 1e3);
	else
		snprintf(buf, len, "%.0f", pps);
}

/* "60" + unit, or "IMIX" for MP_SIZE_IMIX (the log line names the mix). */
static const char *size_text(unsigned size, const char *unit, char *buf, size_t len)
{
	if (size == MP_SIZE_IMIX)
		snprintf(buf, len, "IMIX");
	else
		snprintf(buf, len, "%u%s", size, unit);
	return buf;
}

/* " SHORT" when the generator offers visibly less than asked. */
static const char *short_mark(uint64_t rate, double offered)
{
	return rate && !isnan(offered) &&
	       offered < (double)rate * (1 - MP_SHORTFALL_MARK_PCT / 100) ? " SHORT" : "";
}

void mp_progress_update(struct mp_progress *p, size_t phase, const char *version,
			unsigned size, uint64_t rate, double offered, double forwarded,
			uint64_t elapsed_ns)
{
	char el[CLOCK_TEXT_MAX], eta[CLOCK_TEXT_MAX], off[16], fwd[16], sz[16];

	if (!line_due(p, elapsed_ns, el, eta))
		return;
	rate_text(offered, off, sizeof(off));
	rate_text(forwarded, fwd, sizeof(fwd));
	fprintf(p->f, "\r\033[Kphase %zu/%zu  %s  %s  %llu pps  offered %s%s  forwarded %s  "
		"elapsed %s  eta %s", phase + 1, p->nphases, version,
		size_text(size, " B", sz, sizeof(sz)), (unsigned long long)rate, off,
		short_mark(rate, offered), fwd, el, eta);
	fflush(p->f);
	p->line_open = 1;
}

void mp_progress_phase_done(struct mp_progress *p, const struct mp_phase_row *row)
{
	char off[16], fwd[16], loss[16] = "-", sz[16], shortfall[64] = "";

	if (!p || p->quiet)
		return;
	if (p->tty) {
		if (p->line_open)
			fputs("\r\033[K", p->f);
		p->line_open = 0;
	}
	rate_text(row->offered_pps, off, sizeof(off));
	rate_text(row->forwarded_pps, fwd, sizeof(fwd));
	/* A trial is judged by its counts; a grid phase shows its window. */
	if (!isnan(row->trial ? row->count_loss_pct : row->loss_pct))
		snprintf(loss, sizeof(loss), "%.2f", row->trial ? row->count_loss_pct :
			 row->loss_pct);
	if (row->gen_shortfall_pct > MP_SHORTFALL_MARK_PCT)
		snprintf(shortfall, sizeof(shortfall), " (SHORT: the generator sent %.1f%% "
			 "less than asked)", row->gen_shortfall_pct);
	if (row->trial)
		fprintf(p->f, "search %zu/%zu %s, size %s, trial %u (%s): rate %llu pps, "
			"offered %s pps, forwarded %s pps, loss %s%%%s: %s\n", row->phase + 1,
			p->nphases, row->version, size_text(row->size, "", sz, sizeof(sz)), row->trial,
			row->goal, (unsigned long long)row->rate, off, fwd, loss, shortfall,
			row->decision ? row->decision : row->status);
	else
		fprintf(p->f, "phase %zu/%zu %s: %s, size %s, rate %llu pps: offered %s pps, "
			"forwarded %s pps, loss %s%%%s%s%s\n", row->phase + 1, p->nphases,
			row->status, row->version, size_text(row->size, "", sz, sizeof(sz)),
			(unsigned long long)row->rate, off, fwd, loss, shortfall,
			row->reason ? ": " : "", row->reason ? row->reason : "");
	fflush(p->f);
}

void mp_progress_goal_done(struct mp_progress *p, const struct mp_tput_row *row)
{
	char sz[16];

	if (!p || p->quiet)
		return;
	if (p->tty && p->line_open)
		fputs("\r\033[K", p->f);
	p->line_open = 0;
	fprintf(p->f, "%s, size %s: %s (loss <= %g%%) ", row->version,
		size_text(row->size, "", sz, sizeof(sz)), row->goal, row->goal_loss_pct);
	if (isnan(row->lower_pps))
		fputs("none", p->f);
	else
		fprintf(p->f, "%.0f pps, %.1f Mbit/s", row->lower_pps, row->lower_mbps);
	if (!isnan(row->upper_pps))
		fprintf(p->f, " (upper %.0f)", row->upper_pps);
	fprintf(p->f, ", %u trials, %.0f s: %s%s%s\n", row->trials, row->search_s, row->status,
		row->reason ? ": " : "", row->reason ? row->reason : "");
	fflush(p->f);
}

static void gbps_text(double g, char *buf, size_t len)
{
	if (isnan(g))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.4g Gbit/s", g);
}

void mp_progress_tcp_update(struct mp_progress *p, size_t phase, const char *version,
			    unsigned streams, unsigned rep, unsigned nreps, double now_gbps,
			    double mean_gbps, unsigned nmean, uint64_t elapsed_ns)
{
	char el[CLOCK_TEXT_MAX], eta[CLOCK_TEXT_MAX], now[32], mean[32];

	if (!line_due(p, elapsed_ns, el, eta))
		return;
	gbps_text(now_gbps, now, sizeof(now));
	gbps_text(mean_gbps, mean, sizeof(mean));
	fprintf(p->f, "\r\033[Kphase %zu/%zu  %s  TCP %u stream%s  repetition %u of %u  now %s  "
		"mean %s (%u)  elapsed %s  eta %s", phase + 1, p->nphases, version, streams,
		streams == 1 ? "" : "s", rep, nreps, now, mean, nmean, el, eta);
	fflush(p->f);
	p->line_open = 1;
}

void mp_progress_tcp_done(struct mp_progress *p, const struct mp_tcp_row *row,
			  unsigned nreps, double mean_gbps, unsigned nmean)
{
	char g[32], mean[32];

	if (!p || p->quiet)
		return;
	if (p->tty && p->line_open)
		fputs("\r\033[K", p->f);
	p->line_open = 0;
	gbps_text(row->receiver_gbps, g, sizeof(g));
	gbps_text(mean_gbps, mean, sizeof(mean));
	fprintf(p->f, "phase %zu/%zu %s: TCP %u stream%s, repetition %u of %u: %s", row->phase + 1,
		p->nphases, row->version, row->streams, row->streams == 1 ? "" : "s",
		row->repetition, nreps, row->status);
	if (strcmp(row->status, "ok") == 0)
		fprintf(p->f, ", %s, %.0f retransmits", g, row->retransmits);
	else if (row->reason)
		fprintf(p->f, ": %s", row->reason);
	fprintf(p->f, "; mean %s of %u\n", mean, nmean);
	fflush(p->f);
}

void mp_progress_free(struct mp_progress *p)
{
	if (!p)
		return;
	if (p->line_open)
		fputc('\n', p->f);
	free(p);
}
