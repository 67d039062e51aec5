#include "common/log.h"

#include <stdarg.h>

#include "common/clock.h"

static const char *log_prog = "mir-perf";
static enum mp_log_level log_level = MP_LOG_INFO;
static FILE *log_file;
static uint64_t log_origin;

static const char *const level_names[] = {
	[MP_LOG_ERROR] = "error",
	[MP_LOG_WARN] = "warning",
	[MP_LOG_INFO] = "info",
	[MP_LOG_DEBUG] = "debug",
};

void mp_log_init(const char *prog, enum mp_log_level level)
{
	log_prog = prog;
	log_level = level;
}

void mp_log_set_level(enum mp_log_level level)
{
	log_level = level;
}

void mp_log_set_file(FILE *f)
{
	log_file = f;
}

void mp_log_set_origin(uint64_t origin_ns)
{
	log_origin = origin_ns;
}

void mp_log(enum mp_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level <= log_level) {
		va_start(ap, fmt);
		fprintf(stderr, "%s: %s: ", log_prog, level_names[level]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	if (log_file) {
		uint64_t now = mp_now_ns();

		/* Modular: an origin before the clock's zero (a run resumed
		 * after a reboot) still gives the right difference. */
		now = (int64_t)(now - log_origin) > 0 ? now - log_origin : 0;

		va_start(ap, fmt);
		fprintf(log_file, "%llu.%03llu %s: ",
			(unsigned long long)(now / MP_NS_PER_SEC),
			(unsigned long long)(now % MP_NS_PER_SEC / MP_NS_PER_MS),
			level_names[level]);
		vfprintf(log_file, fmt, ap);
		fputc('\n', log_file);
		fflush(log_file);
		va_end(ap);
	}
}
