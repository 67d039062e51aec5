/* The column tables of every CSV a run writes (coltab.h): each table's every
 * column goes through the one writer and comes back from the one reader, by
 * name, whatever its type; a file without a required column, or with a cell
 * its column cannot hold, is refused with the file, line and column. */
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/results/latency_csv.h"
#include "controller/results/phases_csv.h"
#include "controller/results/samples_csv.h"
#include "controller/results/throughput.h"

static const struct mp_coltab *const tables[] = {
	&mp_phases_tab, &mp_samples_tab, &mp_latency_tab, &mp_tput_tab,
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* A row where every column holds its own value: text with the characters
 * CSV must quote, numbers that differ per column. `text` keeps the strings. */
static void distinct_row(const struct mp_coltab *t, void *row, char text[][32])
{
	mp_coltab_empty(t, row);
	for (size_t i = 0; i < t->ncols; i++) {
		const struct mp_col *c = &t->cols[i];
		char *field = (char *)row + c->off;

		switch (c->type) {
		case MP_COL_TEXT:
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

static char *write_table(const struct mp_coltab *t, const void *row, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	mp_coltab_header(t, f);
	mp_coltab_row(t, f, row);
	fclose(f);
	return buf;
}

TEST(coltab_every_table_round_trips_every_column)
{
	for (size_t k = 0; k < NTABLES; k++) {
		const struct mp_coltab *t = tables[k];
		char text[64][32], err[256], *buf, a[MP_CSV_NUM_LEN], b[MP_CSV_NUM_LEN];
		void *row = calloc(1, t->row_size), *back;
		struct mp_csv csv;
		size_t len, n;

		ASSERT(t->ncols <= 64);
		distinct_row(t, row, text);
		buf = write_table(t, row, &len);
		ASSERT_EQ(mp_csv_parse(buf, len, t->file, &csv, err, sizeof(err)), 0);
		ASSERT_EQ(csv.ncols, t->ncols);
		ASSERT_EQ(mp_coltab_read(t, &csv, t->file, &back, &n, err, sizeof(err)), 0);
		ASSERT_EQ(n, 1);
		for (size_t i = 0; i < t->ncols; i++) {
			const struct mp_col *c = &t->cols[i];

			ASSERT_STREQ(csv.header[i], c->name);
			for (size_t j = 0; j < i; j++)
				ASSERT_MSG(strcmp(t->cols[j].name, c->name) != 0, "%s: %s twice",
					   t->file, c->name);
			mp_col_cell(c, row, a, sizeof(a));
			mp_col_cell(c, back, b, sizeof(b));
			ASSERT_MSG(strcmp(a, b) == 0, "%s column %s: wrote %s, read %s", t->file,
				   c->name, a, b);
			ASSERT_MSG(mp_coltab_find(t, c->name) == c, "%s: %s", t->file, c->name);
		}
		free(back);
		mp_csv_free(&csv);
		free(buf);
		free(row);
	}
}

/* Empty cells are empty values, and a file written before a column existed
 * still loads (the column's values empty); a missing required column and a
 * cell of the wrong kind are refused, naming file, line and column. */
TEST(coltab_reads_by_name_and_refuses_what_it_cannot_hold)
{
	const struct mp_coltab *t = &mp_latency_tab;
	const char *old = "lat_p99_us,phase,t_s,version,other\n,2,1.5,v1,x\n";
	const char *no_phase = "t_s,version\n1.5,v1\n";
	const char *bad = "t_s,version,phase\n1.5,v1,two\n";
	struct mp_latency_line *rows;
	struct mp_csv csv;
	char err[256];
	void *back;
	size_t n;

	ASSERT_EQ(mp_csv_parse(old, strlen(old), "l.csv", &csv, err, sizeof(err)), 0);
	ASSERT_EQ(mp_coltab_read(t, &csv, "l.csv", &back, &n, err, sizeof(err)), 0);
	rows = back;
	ASSERT_EQ(n, 1);
	ASSERT_EQ(rows[0].phase, 1);
	ASSERT(rows[0].t_s == 1.5);
	ASSERT_STREQ(rows[0].version, "v1");
	ASSERT(isnan(rows[0].lat_p99_us) && isnan(rows[0].rx_pps));
	ASSERT_EQ(rows[0].rate, 0);
	free(back);
	mp_csv_free(&csv);

	ASSERT_EQ(mp_csv_parse(no_phase, strlen(no_phase), "l.csv", &csv, err, sizeof(err)), 0);
	ASSERT_EQ(mp_coltab_read(t, &csv, "l.csv", &back, &n, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "l.csv:1: no column phase: not a mir-perf latency.csv");
	mp_csv_free(&csv);

	ASSERT_EQ(mp_csv_parse(bad, strlen(bad), "l.csv", &csv, err, sizeof(err)), 0);
	ASSERT_EQ(mp_coltab_read(t, &csv, "l.csv", &back, &n, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(err, "l.csv:2: column phase: \"two\" is not a phase number from 1 "
		     "(corrupted row)");
	mp_csv_free(&csv);
}
