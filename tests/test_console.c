/* Following a domain's console log (host/console.c): only this boot's
 * part of a log that every boot of the name appends to, copied as it
 * grows, bounded, its last lines quotable; a log that appears late or is
 * rotated is followed from its first byte. */
#include "test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "common/loop.h"
#include "controller/host/console.h"

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);

	ASSERT(fd >= 0);
	ASSERT_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
}

struct fixture {
	uv_loop_t loop;
	char src[4096], dst[4096];
	struct mp_console *c;
};

static void start(struct fixture *fx, const char *name)
{
	snprintf(fx->src, sizeof(fx->src), "%s/guest-%s.log", mp_test_tmpdir(), name);
	snprintf(fx->dst, sizeof(fx->dst), "%s/%s-1.console", mp_test_tmpdir(), name);
	uv_loop_init(&fx->loop);
	ASSERT_EQ(mp_console_open(&fx->loop, fx->src, fx->dst, &fx->c), 0);
}

static char *finish(struct fixture *fx)
{
	mp_console_close(fx->c);
	ASSERT_EQ(mp_loop_close(&fx->loop), 0);
	return mp_test_read_file(fx->dst);
}

TEST(console_keeps_only_this_boot)
{
	struct fixture fx;
	char last[1024], *kept;

	snprintf(fx.src, sizeof(fx.src), "%s/guest-dut.log", mp_test_tmpdir());
	append(fx.src, "an earlier boot\nits last line\n");
	start(&fx, "dut");
	ASSERT(!mp_console_found(fx.c));
	append(fx.src, "Solo5: boot\nnetif: connect 0\n");
	ASSERT_EQ(mp_console_last_lines(fx.c, 5, last, sizeof(last)), 2);
	ASSERT_STREQ(last, "Solo5: boot\nnetif: connect 0\n");
	ASSERT(mp_console_found(fx.c));
	/* A line without its end yet, control characters made visible. */
	append(fx.src, "received 2192 forwarded 256\r\nstuck\x07 here");
	ASSERT_EQ(mp_console_last_lines(fx.c, 2, last, sizeof(last)), 2);
	ASSERT_STREQ(last, "received 2192 forwarded 256\nstuck? here\n");
	ASSERT_EQ(mp_console_last_lines(fx.c, 1, last, sizeof(last)), 1);
	ASSERT_STREQ(last, "stuck? here\n");
	kept = finish(&fx);
	ASSERT_STREQ(kept, "Solo5: boot\nnetif: connect 0\nreceived 2192 forwarded 256\r\n"
		     "stuck\x07 here");
	free(kept);
}

/* Read by the loop's own timer, without anyone asking. */
static void on_stop(uv_timer_t *t)
{
	uv_stop(t->loop);
}

TEST(console_follows_on_the_loop_a_log_that_appears_late)
{
	struct fixture fx;
	uv_timer_t stop;
	char *kept;

	start(&fx, "late");
	ASSERT(!mp_console_found(fx.c));
	append(fx.src, "first line of a log made after the domain\n");
	uv_timer_init(&fx.loop, &stop);
	uv_timer_start(&stop, on_stop, 3 * MP_CONSOLE_POLL_MS, 0);
	uv_run(&fx.loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&stop, NULL);
	ASSERT(mp_console_found(fx.c));
	ASSERT_EQ(mp_console_bytes(fx.c), 42);
	kept = mp_test_read_file(fx.dst);
	ASSERT_STREQ(kept, "first line of a log made after the domain\n");
	free(kept);
	free(finish(&fx));
}

TEST(console_rotated_log_followed_from_its_start)
{
	struct fixture fx;
	char old[4200], last[256], *kept;

	start(&fx, "rot");
	append(fx.src, "before rotation\n");
	mp_console_read(fx.c);
	snprintf(old, sizeof(old), "%s.1", fx.src);
	ASSERT_EQ(rename(fx.src, old), 0);
	append(fx.src, "after rotation\n");
	mp_console_last_lines(fx.c, 1, last, sizeof(last));
	ASSERT_STREQ(last, "after rotation\n");
	kept = finish(&fx);
	ASSERT_STREQ(kept, "before rotation\nafter rotation\n");
	free(kept);
}

TEST(console_copy_is_bounded)
{
	struct fixture fx;
	char line[101], last[256], *kept;
	size_t lines = 2 * MP_CONSOLE_KEEP_MAX / 100;
	FILE *f;

	start(&fx, "flood");
	memset(line, 'x', 99);
	line[99] = '\n';
	line[100] = '\0';
	f = fopen(fx.src, "a");
	ASSERT(f);
	for (size_t i = 0; i < lines; i++)
		fputs(line, f);
	fputs("the very last line\n", f);
	fclose(f);
	/* Reads are bounded per call; each call reads on. */
	for (size_t i = 0; i < 2 * lines * 100 / MP_CONSOLE_READ_MAX + 2; i++)
		mp_console_read(fx.c);
	ASSERT_EQ(mp_console_bytes(fx.c), lines * 100 + 19);
	mp_console_last_lines(fx.c, 1, last, sizeof(last));
	ASSERT_STREQ(last, "the very last line\n");
	kept = finish(&fx);
	ASSERT(strlen(kept) < MP_CONSOLE_KEEP_MAX + 512);
	ASSERT(strlen(kept) >= MP_CONSOLE_KEEP_MAX);
	ASSERT_CONTAINS(kept, "[mir-perf: this boot's console passed the 1024 KiB kept here");
	ASSERT_CONTAINS(kept, fx.src);
	free(kept);
}
