#include "common/seqtrack.h"

#include <string.h>

#define WORD(q) (((q) % MP_SEQ_WINDOW) / 64)
#define BIT(q) (1ULL << ((q) % 64))

void mp_seq_init(struct mp_seqtrack *s)
{
	memset(s, 0, sizeof(*s));
}

static void clear_range(struct mp_seqtrack *s, uint64_t from, uint64_t to)
{
	if (to - from >= MP_SEQ_WINDOW) {
		memset(s->bits, 0, sizeof(s->bits));
		return;
	}
	for (uint64_t q = from; q < to; q++)
		s->bits[WORD(q)] &= ~BIT(q);
}

void mp_seq_add(struct mp_seqtrack *s, uint64_t seq)
{
	s->received++;
	if (!s->started) {
		s->started = 1;
		s->lo = s->hi = seq;
		s->bits[WORD(seq)] |= BIT(seq);
		return;
	}
	if (seq > s->hi) {
		clear_range(s, s->hi + 1, seq);
		s->hi = seq;
		s->bits[WORD(seq)] |= BIT(seq);
		return;
	}
	if (seq < s->lo)
		s->lo = seq;
	if (s->hi - seq >= MP_SEQ_WINDOW) {
		s->stale++;
		s->reordered++;
		return;
	}
	if (s->bits[WORD(seq)] & BIT(seq)) {
		s->duplicated++;
		return;
	}
	s->bits[WORD(seq)] |= BIT(seq);
	s->reordered++;
}

uint64_t mp_seq_lost(const struct mp_seqtrack *s)
{
	uint64_t span, unique;

	if (!s->started)
		return 0;
	span = s->hi - s->lo + 1;
	unique = s->received - s->duplicated;
	return unique < span ? span - unique : 0;
}

uint64_t mp_seq_extend(const struct mp_seqtrack *s, uint32_t seq32)
{
	int32_t d;

	if (!s->started)
		return seq32;
	d = (int32_t)(seq32 - (uint32_t)s->hi);
	if (d < 0 && (uint64_t)-(int64_t)d > s->hi)
		return seq32;           /* before the start: no wrap to undo */
	return s->hi + (uint64_t)(int64_t)d;
}
