/* Loss, reordering and duplicates from the sequence numbers of the frames
 * received, in arrival order, with a bounded window (RFC 4737's and RFC
 * 5560's ideas, kept to three counters):
 *   - reordered: a frame whose sequence is below the highest seen so far
 *     (it arrived after a later one) and that was not seen before;
 *   - duplicated: a frame whose sequence was already seen;
 *   - lost: sequences between the lowest and highest seen never received
 *     (a gap counts as lost until, and unless, its frames arrive late).
 * Seen sequences are remembered in a bitmap of MP_SEQ_WINDOW behind the
 * highest; a frame older than that cannot be checked for duplication and
 * is counted as reordered (and `stale`). Sequence numbers on the wire may be
 * 32 bits (pktgen's, ours in 60-byte frames): mp_seq_extend() widens them
 * relative to the highest seen, which is exact while fewer than 2^31 frames
 * separate two arrivals. */
#ifndef MP_SEQTRACK_H
#define MP_SEQTRACK_H

#include <stdint.h>

#define MP_SEQ_WINDOW 65536u        /* sequences remembered behind the highest */

struct mp_seqtrack {
	int started;
	uint64_t lo, hi;             /* lowest and highest sequence seen */
	uint64_t received;           /* frames, duplicates included */
	uint64_t reordered, duplicated, stale;
	uint64_t bits[MP_SEQ_WINDOW / 64];
};

void mp_seq_init(struct mp_seqtrack *s);
void mp_seq_add(struct mp_seqtrack *s, uint64_t seq);
/* Frames missing between the lowest and highest sequence seen (0 when the
 * counts say fewer are missing than were taken for stale arrivals). */
uint64_t mp_seq_lost(const struct mp_seqtrack *s);
/* Widens a 32-bit sequence to the 64-bit one nearest the highest seen. */
uint64_t mp_seq_extend(const struct mp_seqtrack *s, uint32_t seq32);

#endif
