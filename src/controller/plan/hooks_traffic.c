/* The hooks of traffic's keys (hooks.h): sizes and rates (or their old
 * range files), the search, the IMIX mix, TCP through the DUT. */
#include "controller/plan/keys.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/imix.h"
#include "common/tcp.h"
#include "common/traffic.h"
#include "controller/plan/hooks.h"
#include "controller/plan/internal.h"

/* traffic.sizes and traffic.rates, or their old range files. */

static int set_sizes(struct mp_plan_ctx *c, const struct mp_yt *n, const uint64_t *vals,
		     size_t nvals, unsigned **sizes, size_t *nsizes)
{
	if (!nvals)
		return 0;
	free(*sizes);
	*nsizes = 0;
	*sizes = calloc(nvals, sizeof(unsigned));
	if (!*sizes)
		return mp__plan_nomem(c, n);
	for (size_t i = 0; i < nvals; i++)
		(*sizes)[(*nsizes)++] = (unsigned)vals[i];
	return 0;
}

int mp__pk_sizes_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *v, const struct mp_yt *parent)
{
	uint64_t *vals = NULL;
	size_t n = 0;
	int rc;

	(void)k, (void)parent;
	rc = mp__pv_list(c, v, "frame size", MP_FRAME_MIN, MP_FRAME_MAX, &vals, &n,
			 MP_PLAN_MAX_SIZES, "imix");
	if (set_sizes(c, v, vals, n, &c->plan->sizes, &c->plan->nsizes) < 0)
		rc = -1;
	free(vals);
	return rc;
}

int mp__pk_sizes_file_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			   const struct mp_yt *v, const struct mp_yt *parent)
{
	uint64_t *vals = NULL;
	size_t n = 0;
	int rc;

	if (mp_yt_get(parent, "sizes")) {
		mp__perr(c, v, "traffic has both sizes and sizes_file; expected one of them");
		return -1;
	}
	rc = mp__pv_range_file(c, v, k->path, MP_FRAME_MIN, MP_FRAME_MAX, &vals, &n,
			       MP_PLAN_MAX_SIZES);
	if (set_sizes(c, v, vals, n, &c->plan->sizes, &c->plan->nsizes) < 0)
		rc = -1;
	free(vals);
	return rc;
}

void mp__pk_sizes_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	mp__pw_sizes(f, p->sizes, p->nsizes);
}

int mp__pk_sizes_has(const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	return p->nsizes > 0;
}

int mp__pk_rates_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *v, const struct mp_yt *parent)
{
	(void)k, (void)parent;
	return mp__pv_list(c, v, "rate", 1, MP_PLAN_MAX_RATE, &c->plan->rates, &c->plan->nrates,
			   MP_PLAN_MAX_RATES, NULL);
}

int mp__pk_rates_file_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			   const struct mp_yt *v, const struct mp_yt *parent)
{
	if (mp_yt_get(parent, "rates")) {
		mp__perr(c, v, "traffic has both rates and rates_file; expected one of them");
		return -1;
	}
	return mp__pv_range_file(c, v, k->path, 1, MP_PLAN_MAX_RATE, &c->plan->rates,
				 &c->plan->nrates, MP_PLAN_MAX_RATES);
}

void mp__pk_rates_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < p->nrates; i++)
		fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)p->rates[i]);
	fputc(']', f);
}

int mp__pk_rates_has(const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	return p->nrates > 0;
}

/* What traffic needs once its keys are read: sizes for rates or a search,
 * rates for sizes, and search.sizes only next to rates. */
void mp__pk_traffic_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			  const struct mp_yt *n, const struct mp_yt *parent)
{
	const struct mp_yt *sz = mp_yt_get(n, "sizes"), *szf = mp_yt_get(n, "sizes_file");
	const struct mp_yt *rt = mp_yt_get(n, "rates"), *rtf = mp_yt_get(n, "rates_file");
	const struct mp_yt *se = mp_yt_get(n, "search"), *tcp = mp_yt_get(n, "tcp");
	const struct mp_yt *se_sizes = se && se->type == MP_YT_MAP ? mp_yt_get(se, "sizes") : NULL;

	(void)k, (void)parent;
	if (!sz && !szf && (!tcp || rt || rtf || se))
		mp__perr(c, n, "traffic needs sizes (frame sizes in bytes without FCS, %d..%d) "
			 "or sizes_file%s", MP_FRAME_MIN, MP_FRAME_MAX,
			 tcp ? " for its rates or search" : "");
	if (se && se->type == MP_YT_MAP && !se_sizes && (rt || rtf))
		mp__perr(c, se, "traffic has both %s and search; expected one of them (a grid "
			 "of rates, or a search for the highest rate meeting loss goals), or "
			 "search.sizes to search those sizes next to the grid",
			 rt ? "rates" : "rates_file");
	else if (se_sizes && !rt && !rtf)
		mp__perr(c, se_sizes, "traffic.search.sizes searches sizes next to a grid of "
			 "rates, and traffic has no rates or rates_file; expected rates, or no "
			 "search.sizes to search every size");
	if (!rt && !rtf && !se && (sz || szf || !tcp))
		mp__perr(c, n, "traffic needs rates (packets per second), %s",
			 tcp ? "rates_file or search for its sizes" : "rates_file, search or tcp");
}

/* traffic.search */

int mp__pk_search_open(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		       const struct mp_yt *n, const struct mp_yt *parent)
{
	int rc;

	(void)parent;
	c->plan->search = calloc(1, sizeof(*c->plan->search));
	if (!c->plan->search)
		return mp__plan_nomem(c, n);
	rc = mp__pk_defaults(c->plan, k->base);
	return rc == -ENOMEM ? mp__plan_nomem(c, n) : rc;
}

void mp__pk_goals_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	const struct mp_plan_search *s = p->search;

	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < s->ngoals; i++) {
		fputs(i ? ", {name: " : "{name: ", f);
		mp__pw_quoted(f, s->goals[i].name);
		fprintf(f, ", loss: %.17g%%}", s->goals[i].loss_pct);
	}
	fputc(']', f);
}

int mp__pk_goals_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *n, const struct mp_yt *parent)
{
	static const char *const keys[] = { "name", "loss", NULL };
	struct mp_plan_search *s = c->plan->search;

	(void)k, (void)parent;
	if (n->type != MP_YT_SEQ || n->n == 0) {
		mp__perr(c, n, "traffic.search.goals must be a non-empty list of {name, loss}, "
			 "e.g. [{name: NDR, loss: 0}, {name: PDR, loss: 0.5%%}]");
		return -1;
	}
	if (n->n > MP_PLAN_MAX_GOALS) {
		mp__perr(c, n, "traffic.search.goals has more than %d goals", MP_PLAN_MAX_GOALS);
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct mp_yt *g = n->items[i], *v;
		struct mp_plan_goal *goal = &s->goals[s->ngoals];

		if (!mp__plan_check_map(c, g, "a search goal", keys))
			continue;
		s->ngoals++;
		if (!(v = mp_yt_get(g, "name")))
			mp__perr(c, g, "a search goal needs a name (e.g. NDR)");
		else if (mp__pv_string(c, v, "goal name", &goal->name) == 0 &&
			 !mp__plan_word(goal->name, MP_PLAN_GOAL_NAME_MAX, 0))
			mp__perr(c, v, "goal name \"%s\" is not a word of up to %d letters, digits, "
				 "'.', '_' or '-'", goal->name, MP_PLAN_GOAL_NAME_MAX);
		for (size_t j = 0; goal->name && j + 1 < s->ngoals; j++)
			if (s->goals[j].name && strcmp(s->goals[j].name, goal->name) == 0)
				mp__perr(c, v, "goal name \"%s\" is listed twice", goal->name);
		if (!(v = mp_yt_get(g, "loss")))
			mp__perr(c, g, "a search goal needs a loss (the loss ratio it accepts, "
				 "e.g. 0 or 0.5%%)");
		else
			mp__pv_pct(c, v, "goal loss", 1, 100, &goal->loss_pct);
	}
	return 0;
}

int mp__pk_max_rate_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			 const struct mp_yt *v, const struct mp_yt *parent)
{
	uint64_t *max = (uint64_t *)((char *)c->plan->search + k->off);

	(void)parent;
	if (v->type == MP_YT_SCALAR && !v->quoted && strcmp(v->value, "max") == 0) {
		*max = 0;
		return 0;
	}
	if (v->type == MP_YT_SCALAR && !isdigit((unsigned char)v->value[0])) {
		mp__perr(c, v, "%s must be a whole number or max, not \"%s\"", k->path, v->value);
		return -1;
	}
	return mp__pv_uint(c, v, k->path, 1, MP_PLAN_MAX_RATE, max);
}

void mp__pk_max_rate_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	if (p->search->max_rate)
		fprintf(f, "%llu", (unsigned long long)p->search->max_rate);
	else
		fputs("max", f);
}

void mp__pk_trial_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			const struct mp_yt *t, const struct mp_yt *parent)
{
	const struct mp_yt *fin = mp_yt_get(t, "final");

	(void)k, (void)parent;
	if (c->plan->search->initial_ns > c->plan->search->final_ns)
		mp__perr(c, fin ? fin : t, "traffic.search.trial: initial is longer than "
			 "final; expected initial <= final");
}

void mp__pk_search_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			 const struct mp_yt *n, const struct mp_yt *parent)
{
	const struct mp_plan_search *s = c->plan->search;
	const struct mp_yt *maxn = mp_yt_get(n, "max_rate");

	(void)k, (void)parent;
	if (maxn && s->max_rate && s->max_rate < s->min_rate)
		mp__perr(c, maxn, "traffic.search.max_rate %llu is below min_rate %llu",
			 (unsigned long long)s->max_rate, (unsigned long long)s->min_rate);
}

/* traffic.search.sizes: which of traffic.sizes are searched (next to the
 * grid of rates). */
int mp__pk_search_sizes_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			     const struct mp_yt *n, const struct mp_yt *parent)
{
	const struct mp_plan *p = c->plan;
	struct mp_plan_search *s = p->search;
	uint64_t *vals = NULL;
	size_t nvals = 0;
	int rc = -1;

	(void)k, (void)parent;
	if (mp__pv_list(c, n, "search size", MP_FRAME_MIN, MP_FRAME_MAX, &vals, &nvals,
			MP_PLAN_MAX_SIZES, "imix") < 0)
		goto out;
	for (size_t i = 0; i < nvals; i++) {
		size_t j = 0;

		while (j < p->nsizes && p->sizes[j] != vals[i])
			j++;
		if (j == p->nsizes) {
			char list[256] = "";
			size_t len = 0;

			for (j = 0; j < p->nsizes && len < sizeof(list); j++) {
				char one[16];

				if (p->sizes[j] == MP_SIZE_IMIX)
					snprintf(one, sizeof(one), "imix");
				else
					snprintf(one, sizeof(one), "%u", p->sizes[j]);
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
							j ? ", " : "", one);
			}
			mp__perr(c, n->items[i], "traffic.search.sizes: %s is not in traffic.sizes; "
				 "expected one of [%s]", n->items[i]->value, list);
			goto out;
		}
	}
	rc = set_sizes(c, n, vals, nvals, &s->sizes, &s->nsizes);
out:
	free(vals);
	return rc;
}

void mp__pk_search_sizes_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	mp__pw_sizes(f, p->search->sizes, p->search->nsizes);
}

int mp__pk_search_sizes_has(const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	return p->search && p->search->sizes;
}

/* traffic.imix: {size: weight, ...}, the mix a size "imix" sends. */

int mp__pk_imix_default(const struct mp_plan_key *k, struct mp_plan *p)
{
	(void)k;
	mp_imix_default(&p->imix);
	return 0;
}

int mp__pk_imix_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		     const struct mp_yt *n, const struct mp_yt *parent)
{
	struct mp_imix *m = &c->plan->imix;
	uint64_t size, w;

	(void)k, (void)parent;
	if (n->type != MP_YT_MAP || n->n == 0 || n->n > MP_IMIX_MAX) {
		mp__perr(c, n, "traffic.imix must map 1 to %d frame sizes to weights, e.g. "
			 "{60: 7, 590: 4, 1514: 1}", MP_IMIX_MAX);
		return -1;
	}
	m->n = 0;
	for (size_t i = 0; i < n->n; i++) {
		if (mp__pv_uint(c, n->keys[i], "traffic.imix size", MP_FRAME_MIN, MP_FRAME_MAX,
				&size) < 0 ||
		    mp__pv_uint(c, n->items[i], "traffic.imix weight", 1, MP_IMIX_WEIGHT_MAX, &w) < 0)
			return -1;
		for (unsigned j = 0; j < m->n; j++)
			if (m->size[j] == size) {
				mp__perr(c, n->keys[i], "traffic.imix size %llu is listed twice",
					 (unsigned long long)size);
				return -1;
			}
		m->size[m->n] = (unsigned)size;
		m->weight[m->n++] = (unsigned)w;
	}
	return 0;
}

void mp__pk_imix_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('{', f);
	for (unsigned i = 0; i < p->imix.n; i++)
		fprintf(f, "%s%u: %u", i ? ", " : "", p->imix.size[i], p->imix.weight[i]);
	fputc('}', f);
}

/* traffic.tcp: TCP through the DUT. */

int mp__pk_tcp_open(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		    const struct mp_yt *n, const struct mp_yt *parent)
{
	int rc;

	(void)parent;
	c->plan->tcp = calloc(1, sizeof(*c->plan->tcp));
	if (!c->plan->tcp)
		return mp__plan_nomem(c, n);
	rc = mp__pk_defaults(c->plan, k->base);
	return rc == -ENOMEM ? mp__plan_nomem(c, n) : rc;
}

int mp__pk_streams_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			const struct mp_yt *v, const struct mp_yt *parent)
{
	struct mp_plan_tcp *t = c->plan->tcp;
	uint64_t *vals = NULL;
	size_t nvals = 0;
	int rc;

	(void)parent;
	rc = mp__pv_list(c, v, k->path, 1, MP_TCP_STREAMS_MAX, &vals, &nvals,
			 MP_PLAN_TCP_MAX_STREAMS_VALUES, NULL);
	if (rc == 0)
		rc = set_sizes(c, v, vals, nvals, &t->streams, &t->nstreams);
	free(vals);
	return rc;
}

void mp__pk_streams_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputc('[', f);
	for (size_t i = 0; i < p->tcp->nstreams; i++)
		fprintf(f, "%s%u", i ? ", " : "", p->tcp->streams[i]);
	fputc(']', f);
}

void mp__pk_tcp_duration_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			       const struct mp_yt *v, const struct mp_yt *parent)
{
	uint64_t d = c->plan->tcp->duration_ns;

	(void)parent;
	if (d % MP_NS_PER_SEC || d > MP_TCP_DURATION_MAX_S * MP_NS_PER_SEC)
		mp__perr(c, v, "%s %s is not a whole number of seconds from %ds to %ds (iperf3 "
			 "counts whole seconds)", k->path, v->value, MP_TCP_DURATION_MIN_S,
			 MP_TCP_DURATION_MAX_S);
}

int mp__pk_offloads_load(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			 const struct mp_yt *v, const struct mp_yt *parent)
{
	int o;

	(void)parent;
	if (!mp__pv_scalar(c, v, k->path))
		return -1;
	if ((o = v->quoted ? -1 : mp_tcp_offloads_parse(v->value)) < 0) {
		mp__perr(c, v, "%s \"%s\" is not known; expected keep (the traff-gen's TSO and "
			 "GSO as they are), on or off", k->path, v->value);
		return -1;
	}
	c->plan->tcp->offloads = (enum mp_tcp_offloads)o;
	return 0;
}

void mp__pk_offloads_write(FILE *f, const struct mp_plan_key *k, const struct mp_plan *p)
{
	(void)k;
	fputs(mp_tcp_offloads_name(p->tcp->offloads), f);
}

/* A repetition's timeout: by default its duration and a margin. */
int mp__pk_tcp_timeout_default(const struct mp_plan_key *k, struct mp_plan *p)
{
	(void)k;
	p->tcp->timeout_ns = p->tcp->duration_ns + MP_PLAN_TCP_TIMEOUT_MARGIN_NS;
	return 0;
}

void mp__pk_tcp_timeout_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			      const struct mp_yt *v, const struct mp_yt *parent)
{
	const struct mp_plan_tcp *t = c->plan->tcp;

	(void)parent;
	if (t->timeout_ns <= t->duration_ns)
		mp__perr(c, v, "%s %s is not longer than the duration; expected more than %llus",
			 k->path, v->value, (unsigned long long)(t->duration_ns / MP_NS_PER_SEC));
}

void mp__pk_reference_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
			    const struct mp_yt *v, const struct mp_yt *parent)
{
	const struct mp_plan *p = c->plan;
	size_t i = 0;

	(void)parent;
	while (i < p->nversions && strcmp(p->versions[i], p->tcp->reference))
		i++;
	if (i == p->nversions)
		mp__perr(c, v, "%s \"%s\" is not one of the versions", k->path, p->tcp->reference);
}

/* The timeout follows the duration unless given; the two ends share a /24. */
void mp__pk_tcp_check(struct mp_plan_ctx *c, const struct mp_plan_key *k,
		      const struct mp_yt *n, const struct mp_yt *parent)
{
	struct mp_plan_tcp *t = c->plan->tcp;
	const struct mp_yt *at = mp_yt_get(n, "dst_ip");
	struct in_addr a, b;

	(void)parent;
	if (!mp_yt_get(n, "timeout"))
		mp__pk_tcp_timeout_default(k, c->plan);
	if (inet_pton(AF_INET, t->src_ip, &a) == 1 && inet_pton(AF_INET, t->dst_ip, &b) == 1) {
		uint32_t mask = htonl(~0U << (32 - MP_TCP_PREFIX_LEN));

		if (a.s_addr == b.s_addr)
			mp__perr(c, at ? at : n, "traffic.tcp: src_ip and dst_ip are the same address");
		else if ((a.s_addr & mask) != (b.s_addr & mask))
			mp__perr(c, at ? at : n, "traffic.tcp: src_ip %s and dst_ip %s are not in one "
				 "/%d; expected two addresses of one /%d (the DUT forwards frames, "
				 "it does not route)", t->src_ip, t->dst_ip, MP_TCP_PREFIX_LEN,
				 MP_TCP_PREFIX_LEN);
	}
	if (t->checksum == MP_TCP_OFFLOADS_OFF && t->offloads == MP_TCP_OFFLOADS_ON) {
		const struct mp_yt *o = mp_yt_get(n, "offloads");

		mp__perr(c, o ? o : n, "traffic.tcp: offloads on with checksum off; TSO and GSO "
			 "need the checksum offload (checksum off turns them off)");
	}
}
