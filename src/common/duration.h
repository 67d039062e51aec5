/* Durations as written in plans and on command lines: a decimal number and a
 * unit, "10s", "100ms", "1.5m", "250us". */
#ifndef MP_DURATION_H
#define MP_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Parses `s` into nanoseconds. Returns 0, -EINVAL when the text is not a
 * duration (no unit, unknown unit, trailing junk, negative) or -ERANGE when
 * it overflows 64 bits. Zero is accepted; range checks belong to callers. */
int mp_duration_parse(const char *s, uint64_t *ns);

/* Writes the shortest exact form ("10s", "100ms", "1500us") into buf. */
void mp_duration_format(uint64_t ns, char *buf, size_t len);

#endif
