#include "common/imix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/traffic.h"

void mp_imix_default(struct mp_imix *m)
{
	*m = (struct mp_imix){ .n = 3, .size = { 60, 590, 1514 }, .weight = { 7, 4, 1 } };
}

unsigned mp_imix_total(const struct mp_imix *m)
{
	unsigned t = 0;

	for (unsigned i = 0; i < m->n; i++)
		t += m->weight[i];
	return t;
}

unsigned mp_imix_largest(const struct mp_imix *m)
{
	unsigned l = 0;

	for (unsigned i = 0; i < m->n; i++)
		if (m->size[i] > l)
			l = m->size[i];
	return l;
}

double mp_imix_mean(const struct mp_imix *m)
{
	double bytes = 0;
	unsigned t = mp_imix_total(m);

	for (unsigned i = 0; i < m->n; i++)
		bytes += (double)m->size[i] * m->weight[i];
	return t ? bytes / t : 0;
}

/* Smooth weighted round robin: each turn every size gains its weight, the
 * one with the most credit goes and pays the total. Sizes come as evenly
 * spaced as their weights allow, and the pattern is the same every time. */
unsigned mp_imix_pattern(const struct mp_imix *m, uint8_t *out, unsigned max)
{
	long credit[MP_IMIX_MAX] = { 0 };
	unsigned total = mp_imix_total(m), k;

	for (k = 0; k < total && k < max; k++) {
		unsigned best = 0;

		for (unsigned i = 0; i < m->n; i++) {
			credit[i] += m->weight[i];
			if (credit[i] > credit[best])
				best = i;
		}
		credit[best] -= (long)total;
		out[k] = (uint8_t)best;
	}
	return k;
}

/* splitmix64 (Steele, Lea, Flood 2014): a small, well-mixed generator whose
 * whole state is one word, so a period's order depends on its number only. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void mp_imix_period_order(const uint8_t *base, unsigned plen, uint64_t seed, uint64_t period,
			  uint8_t *out)
{
	uint64_t x = seed ^ (period * 0xd1b54a32d192ed03ULL);

	memcpy(out, base, plen);
	/* Fisher-Yates; j from the high bits of a 64-bit draw times i + 1
	 * (the bias is below 1e-15 for the 8000 entries a mix has at most). */
	for (unsigned i = plen; i > 1; i--) {
		unsigned j = (unsigned)(((unsigned __int128)splitmix64(&x) * i) >> 64);
		uint8_t t = out[i - 1];

		out[i - 1] = out[j];
		out[j] = t;
	}
}

void mp_imix_format(const struct mp_imix *m, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < m->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u:%u", i ? "," : "", m->size[i],
					m->weight[i]);
}

static int num(const char **s, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned)(*p - '0')) > max)
			return -EINVAL;
	*s = p;
	*out = (unsigned)v;
	return 0;
}

int mp_imix_parse(const char *s, struct mp_imix *m)
{
	memset(m, 0, sizeof(*m));
	while (*s) {
		unsigned size, w;

		if ((m->n && *s++ != ',') || m->n == MP_IMIX_MAX || num(&s, MP_FRAME_MAX, &size) < 0 ||
		    *s++ != ':' || num(&s, MP_IMIX_WEIGHT_MAX, &w) < 0 || size < MP_FRAME_MIN || !w)
			return -EINVAL;
		for (unsigned i = 0; i < m->n; i++)
			if (m->size[i] == size)
				return -EINVAL;
		m->size[m->n] = size;
		m->weight[m->n++] = w;
	}
	return m->n ? 0 : -EINVAL;
}

void mp_imix_label(const struct mp_imix *m, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "IMIX ");

	for (unsigned i = 0; i < m->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? ":" : "", m->weight[i]);
	if (off < len)
		snprintf(buf + off, len - off, " (mean %.1f B)", mp_imix_mean(m));
}
