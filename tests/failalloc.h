/* Allocation failures on demand, for tests of out-of-memory paths. The test
 * binary is linked with --wrap for malloc, calloc, realloc, strdup and strndup, so
 * every call from the project's code (not libc's or other libraries' own)
 * goes through a countdown here. */
#ifndef MP_FAILALLOC_H
#define MP_FAILALLOC_H

/* The n-th allocation from now (0: the next) fails, once; -1: none (and
 * mp_failalloc_fired() keeps its answer). */
void mp_failalloc_after(long n);
/* Whether the failure asked for has happened. */
int mp_failalloc_fired(void);

#endif
