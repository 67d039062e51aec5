/* phases.csv's column table (phases_csv.c): every column goes through the
 * writer and comes back from the reader; reading is by name, tolerant of
 * columns it does not know and of known ones a file lacks, strict about the
 * columns that say which phase a row is. */
#include "test.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "controller/results/phases_csv.h"

/* A row where every column holds its own value: text with the characters
 * CSV must quote, integers and figures that differ per column. */
static void distinct_row(struct mp_phase_row *r, char text[][32])
{
	mp_summary_empty_row(r);
	for (size_t i = 0; i < mp_phases_tab.ncols; i++) {
		const struct mp_col *c = &mp_phases_tab.cols[i];
		char *field = (char *)r + c->off;

		switch (c->type) {
		case MP_COL_TEXT:
			if (strcmp(c->name, "status") == 0)   /* the reader checks it */
				snprintf(text[i], 32, "failed");
			else
				snprintf(text[i], 32, "t, \"%zu\"\nx", i);
			*(const char **)field = text[i];
			break;
		case MP_COL_PHASE: *(size_t *)field = 6 + i; break;
		case MP_COL_UINT: *(unsigned *)field = 1000 + (unsigned)i; break;
		case MP_COL_U64: *(uint64_t *)field = 5000000000ULL + i; break;
		case MP_COL_COUNT: *(size_t *)field = 300 + i; break;
		case MP_COL_NUM: *(double *)field = 1.25 * (double)(i + 1); break;
		}
	}
}

static char *write_rows(const struct mp_phase_row *rows, size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	mp_coltab_header(&mp_phases_tab, f);
	for (size_t i = 0; i < n; i++)
		mp_coltab_row(&mp_phases_tab, f, &rows[i]);
	fclose(f);
	return buf;
}

static int parse(const char *text, struct mp_phases *p, char *err, size_t errlen)
{
	struct mp_csv csv;
	int rc = mp_csv_parse(text, strlen(text), "t.csv", &csv, err, errlen);

	return rc < 0 ? rc : mp_phases_from_csv(&csv, "t.csv", p, err, errlen);
}

TEST(phases_csv_every_column_round_trips)
{
	char text[64][32], err[256], a[MP_CSV_NUM_LEN], b[MP_CSV_NUM_LEN], *csv;
	struct mp_phase_row rows[2];
	struct mp_phases p;
	size_t len;

	ASSERT(mp_phases_tab.ncols <= 64);
	distinct_row(&rows[0], text);
	mp_summary_empty_row(&rows[1]);     /* every figure empty */
	rows[1].version = "v";
	rows[1].status = "skipped";
	rows[1].size = 60;
	rows[1].rate = 1;
	csv = write_rows(rows, 2, &len);
	ASSERT_EQ(parse(csv, &p, err, sizeof(err)), 0);
	ASSERT_EQ(p.nrows, 2);
	for (size_t i = 0; i < mp_phases_tab.ncols; i++) {
		const struct mp_col *c = &mp_phases_tab.cols[i];

		for (size_t r = 0; r < 2; r++) {
			mp_col_cell(c, &rows[r], a, sizeof(a));
			mp_col_cell(c, &p.rows[r], b, sizeof(b));
			ASSERT_MSG(!strcmp(a, b), "column %s, row %zu: wrote \"%s\", read \"%s\"",
				   c->name, r, a, b);
		}
		if (c->type == MP_COL_NUM)
			ASSERT_MSG(isnan(mp_col_num(c, &p.rows[1])), "column %s", c->name);
		/* results.json holds every column of a full row. */
		{
			json_t *j = mp_coltab_json(&mp_phases_tab, &rows[0]);

			ASSERT_MSG(json_object_get(j, c->name), "results.json lacks %s", c->name);
			json_decref(j);
		}
	}
	mp_phases_free(&p);
	free(csv);
}

TEST(phases_csv_unknown_columns_ignored_missing_ones_empty)
{
	/* A column from the future, and most figures from the past missing. */
	const char *text = "from_the_future,version,phase,size,rate,status,forwarded_pps\n"
			   "\"x,y\",v1,3,60,1000,ok,990.5\n";
	struct mp_phases p;
	char err[256];

	ASSERT_EQ(parse(text, &p, err, sizeof(err)), 0);
	ASSERT_EQ(p.nrows, 1);
	ASSERT_STREQ(p.rows[0].version, "v1");
	ASSERT_EQ(p.rows[0].phase, 2);
	ASSERT_EQ(p.rows[0].size, 60);
	ASSERT_EQ(p.rows[0].rate, 1000);
	ASSERT(p.rows[0].forwarded_pps == 990.5);
	ASSERT(isnan(p.rows[0].offered_pps) && isnan(p.rows[0].loss_pct));
	ASSERT(p.rows[0].reason == NULL);
	ASSERT_EQ(p.rows[0].samples, 0);
	mp_phases_free(&p);
}

TEST(phases_csv_missing_required_column_or_bad_cell_is_an_error)
{
	struct mp_phases p;
	char err[256];

	ASSERT_EQ(parse("version,phase,size,rate\nv,1,60,10\n", &p, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "t.csv:1: no column status: not a mir-perf phases.csv");
	ASSERT_EQ(parse("version,phase,size,rate,status,loss_pct\nv,1,60,10,ok,0\n"
			"v,2,60,10,ok,1%\n", &p, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "t.csv:3: column loss_pct: \"1%\" is not a number "
		     "(corrupted row)");
	ASSERT_EQ(parse("version,phase,size,rate,status\nv,0,60,10,ok\n", &p, err, sizeof(err)),
		  -EINVAL);
	ASSERT_CONTAINS(err, "t.csv:2: column phase:");
	ASSERT_EQ(parse("version,phase,size,rate,status\n,1,60,10,ok\n", &p, err, sizeof(err)),
		  -EINVAL);
	ASSERT_CONTAINS(err, "t.csv:2: column version:");
	ASSERT_EQ(parse("version,phase,size,rate,status\nv,1,-60,10,ok\n", &p, err, sizeof(err)),
		  -EINVAL);
	ASSERT_CONTAINS(err, "t.csv:2: column size:");
	ASSERT_EQ(parse("version,phase,size,rate,status\nv,1,60,10,done\n", &p, err, sizeof(err)),
		  -EINVAL);
	ASSERT_CONTAINS(err, "t.csv:2: column status: \"done\"");
}

TEST(phases_csv_recorded_runs_load)
{
	static const char *const runs[] = { "tests/data/runs/base/phases.csv",
					    "tests/data/runs/capped/phases.csv" };
	struct mp_phases p;
	char err[512];

	for (size_t i = 0; i < 2; i++) {
		ASSERT_MSG(mp_phases_read(mp_test_src_path(runs[i]), &p, err, sizeof(err)) == 0,
			   "%s", err);
		ASSERT_EQ(p.nrows, 4);
		ASSERT_EQ(p.rows[3].phase, 3);
		ASSERT_EQ(p.rows[3].size, 1000);
		ASSERT(p.rows[3].forwarded_pps > 15000);
		ASSERT(isnan(p.rows[3].dut_cpu_ns_per_pkt));
		mp_phases_free(&p);
	}
}
