/* The run-directory reader (rundir.c) on the recorded runs in
 * tests/data/runs and on runs made to be partial. */
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "controller/results/rundir.h"

TEST(rundir_reads_a_recorded_run)
{
	struct mp_rundir d;
	char err[512];
	double r[64];

	ASSERT_MSG(mp_rundir_load(mp_test_src_path("tests/data/runs/capped"),
				  MP_RUNDIR_RESULTS | MP_RUNDIR_SAMPLES, &d, err, sizeof(err)) == 0,
		   "%s", err);
	ASSERT(strncmp(d.run_id, "fixture-", 8) == 0);
	ASSERT(json_is_object(d.results));
	ASSERT_EQ(d.nphases, 4);
	ASSERT_EQ(d.nversions, 1);
	ASSERT_STREQ(d.versions[0], "testbed");
	ASSERT_EQ(d.nsizes, 2);
	ASSERT(d.sizes[0] == 60 && d.sizes[1] == 1000);
	ASSERT(d.nsamples > 0);
	/* phases are 0-based in memory, samples too: the same phase matches */
	ASSERT(mp_rundir_find(&d, "testbed", 60, 20000) == &d.phases[1]);
	ASSERT_EQ(d.phases[1].phase, 1);
	ASSERT(!mp_rundir_find(&d, "testbed", 60, 30000));
	ASSERT(mp_rundir_has_version(&d, "testbed") && !mp_rundir_has_version(&d, "x"));
	{
		size_t n = mp_rundir_rates(&d, 1, MP_ROLE_DUT_OUT, r, 64);

		/* the capped DUT forwards about 15 kpps in the measure window */
		ASSERT(n >= 15);
		for (size_t i = 0; i < n; i++)
			ASSERT_MSG(fabs(r[i] - 15000) < 1000, "sample %zu: %.0f", i, r[i]);
	}
	mp_rundir_free(&d);
	mp_rundir_free(&d);   /* safe twice */
}

TEST(rundir_only_what_is_asked_and_missing_files_named)
{
	char dir[4200], path[4300], err[512];
	struct mp_rundir d;
	int rc;

	snprintf(dir, sizeof(dir), "%s/run", mp_test_tmpdir());
	ASSERT_EQ(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/phases.csv", dir);
	mp_test_write_file(path, "version,phase,size,rate,status\nv2,1,60,10,ok\nv1,2,1496,10,"
			   "skipped\nv2,3,60,20,failed\n");
	/* phases.csv alone is enough when nothing else is asked (resume) */
	ASSERT_MSG(mp_rundir_load(dir, 0, &d, err, sizeof(err)) == 0, "%s", err);
	ASSERT_STREQ(d.run_id, "run");
	ASSERT(!d.results && !d.samples);
	ASSERT_EQ(d.nversions, 2);
	ASSERT_STREQ(d.versions[0], "v2");
	ASSERT(d.sizes[0] == 60 && d.sizes[1] == 1496);
	mp_rundir_free(&d);
	rc = mp_rundir_load(dir, MP_RUNDIR_RESULTS, &d, err, sizeof(err));
	ASSERT_EQ(rc, -ENOENT);
	ASSERT_CONTAINS(err, "/run/results.json");
	snprintf(path, sizeof(path), "%s/results.json", dir);
	mp_test_write_file(path, "{\"run_id\": \"r-1\"}");
	rc = mp_rundir_load(dir, MP_RUNDIR_RESULTS | MP_RUNDIR_SAMPLES, &d, err, sizeof(err));
	ASSERT_EQ(rc, -ENOENT);
	ASSERT_CONTAINS(err, "/run/samples.csv");
	snprintf(path, sizeof(path), "%s/samples.csv", dir);
	mp_test_write_file(path, "t_s,phase,role,window,rx_pps\n0.1,1,dut_out,measure,\n"
			   "0.2,1,dut_out,measure,10\n0.3,1,router,measure,10\n");
	rc = mp_rundir_load(dir, MP_RUNDIR_RESULTS | MP_RUNDIR_SAMPLES, &d, err, sizeof(err));
	ASSERT_EQ(rc, -EINVAL);
	ASSERT_CONTAINS(err, "samples.csv:4:");
	mp_test_write_file(path, "t_s,phase,role,window,rx_pps\n0.1,1,dut_out,measure,\n"
			   "0.2,1,dut_out,measure,10\n");
	ASSERT_MSG(mp_rundir_load(dir, MP_RUNDIR_RESULTS | MP_RUNDIR_SAMPLES, &d, err,
				  sizeof(err)) == 0, "%s", err);
	ASSERT_STREQ(d.run_id, "r-1");
	ASSERT_EQ(d.nsamples, 2);
	ASSERT(isnan(d.samples[0].rx_pps));
	ASSERT(d.samples[1].phase == 0 && d.samples[1].role == MP_ROLE_DUT_OUT);
	mp_rundir_free(&d);
}
