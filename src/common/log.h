/* Logging: one line per message on stderr ("prog: level: text"), and the
 * same line in an optional log file (the run log) behind its time: seconds
 * of the monotonic clock since an origin (the run's start), to the
 * millisecond. Secrets must never be passed here. */
#ifndef MP_LOG_H
#define MP_LOG_H

#include <stdint.h>
#include <stdio.h>

enum mp_log_level { MP_LOG_ERROR, MP_LOG_WARN, MP_LOG_INFO, MP_LOG_DEBUG };

/* prog is kept by pointer; stderr shows messages up to `level`. */
void mp_log_init(const char *prog, enum mp_log_level level);
void mp_log_set_level(enum mp_log_level level);
/* Every message (any level) is also appended to `f`, flushed per line.
 * NULL stops it. The caller owns `f`. */
void mp_log_set_file(FILE *f);
/* The log file's times are seconds since `origin_ns` (CLOCK_MONOTONIC, as
 * mp_now_ns); 0, the default, counts from the clock's own zero. */
void mp_log_set_origin(uint64_t origin_ns);
void mp_log(enum mp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define mp_err(...)   mp_log(MP_LOG_ERROR, __VA_ARGS__)
#define mp_warn(...)  mp_log(MP_LOG_WARN, __VA_ARGS__)
#define mp_info(...)  mp_log(MP_LOG_INFO, __VA_ARGS__)
#define mp_debug(...) mp_log(MP_LOG_DEBUG, __VA_ARGS__)

#endif
