/* Unit tests for src/common: durations, MACs, statistics, mp_run. */
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/duration.h"
#include "common/mac.h"
#include "common/stats.h"

TEST(duration_parse_units)
{
	uint64_t ns;

	ASSERT_EQ(mp_duration_parse("10s", &ns), 0);
	ASSERT_EQ(ns, 10000000000ULL);
	ASSERT_EQ(mp_duration_parse("100ms", &ns), 0);
	ASSERT_EQ(ns, 100000000ULL);
	ASSERT_EQ(mp_duration_parse("1m", &ns), 0);
	ASSERT_EQ(ns, 60000000000ULL);
	ASSERT_EQ(mp_duration_parse("1.5s", &ns), 0);
	ASSERT_EQ(ns, 1500000000ULL);
	ASSERT_EQ(mp_duration_parse("250us", &ns), 0);
	ASSERT_EQ(ns, 250000ULL);
	ASSERT_EQ(mp_duration_parse("0s", &ns), 0);
	ASSERT_EQ(ns, 0);
}

TEST(duration_parse_rejects)
{
	uint64_t ns;
	const char *bad[] = { "", "10", "s", "-1s", "1.s", "10 s", "10sec",
			      "1e3s", "99999999999999999999s", "1,5s", "ms" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_MSG(mp_duration_parse(bad[i], &ns) < 0,
			   "\"%s\" was accepted", bad[i]);
	ASSERT_EQ(mp_duration_parse("99999999999999999999s", &ns), -ERANGE);
}

TEST(duration_format_roundtrip)
{
	char buf[32];
	uint64_t vals[] = { 10000000000ULL, 100000000ULL, 1500000000ULL, 60000000000ULL, 7 };
	const char *want[] = { "10s", "100ms", "1500ms", "1m", "7ns" };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		mp_duration_format(vals[i], buf, sizeof(buf));
		ASSERT_STREQ(buf, want[i]);
	}
}

TEST(mac_parse_format)
{
	uint8_t mac[MP_MAC_LEN];
	char buf[MP_MAC_STRLEN];

	ASSERT_EQ(mp_mac_parse("00:16:3E:0a:ff:01", mac), 0);
	mp_mac_format(mac, buf);
	ASSERT_STREQ(buf, "00:16:3e:0a:ff:01");
	ASSERT(mp_mac_parse("00:16:3e:0a:ff", mac) < 0);
	ASSERT(mp_mac_parse("00:16:3e:0a:ff:01:02", mac) < 0);
	ASSERT(mp_mac_parse("00-16-3e-0a-ff-01", mac) < 0);
	ASSERT(mp_mac_parse("0g:16:3e:0a:ff:01", mac) < 0);
}

TEST(percentile_interpolates)
{
	double v[] = { 5, 1, 4, 2, 3 };

	ASSERT(mp_percentile(v, 5, 50) == 3);
	ASSERT(mp_percentile(v, 5, 0) == 1);
	ASSERT(mp_percentile(v, 5, 100) == 5);
	ASSERT(fabs(mp_percentile(v, 5, 25) - 2) < 1e-9);
	ASSERT(fabs(mp_percentile(v, 5, 95) - 4.8) < 1e-9);
	ASSERT(isnan(mp_percentile(v, 0, 50)));
}

TEST(run_captures_and_times_out)
{
	struct mp_run_result r;
	char *echo[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char *slow[] = { "sleep", "5", NULL };
	char *missing[] = { "/nonexistent/prog", NULL };

	ASSERT_EQ(mp_run(echo, NULL, 5000, &r), 0);
	ASSERT_EQ(r.status, 3);
	ASSERT_STREQ(r.out, "out\n");
	ASSERT_STREQ(r.err, "err\n");
	mp_run_result_free(&r);
	ASSERT_EQ(mp_run(slow, NULL, 200, &r), 0);
	ASSERT_EQ(r.status, -1);
	mp_run_result_free(&r);
	ASSERT_EQ(mp_run_status(missing, 5000), 127);
}

static void never_run(void)
{
}

/* The registry has no limit: a test past the 1024th is run, not dropped.
 * (This runs in the test's own child, so the extra tests go nowhere.) */
TEST(runner_registers_any_number_of_tests)
{
	static const struct mp_test extra = { "extra", __FILE__, never_run, 1, 0 };
	size_t before = mp_test_count();

	for (int i = 0; i < 2000; i++)
		mp_test_register(&extra);
	ASSERT_EQ(mp_test_count(), before + 2000);
}
