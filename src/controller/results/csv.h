/* CSV as the run's files use it (RFC 4180): writing fields with quoting
 * where needed, and a strict reader for report, compare and resume. */
#ifndef MP_CSV_H
#define MP_CSV_H

#include <stddef.h>
#include <stdio.h>

#define MP_CSV_MAX_BYTES (512 * 1024 * 1024)   /* larger files are refused */

/* Writes one field (quoted when it holds , " CR or LF); `first` omits the
 * leading comma. */
void mp_csv_field(FILE *f, const char *s, int first);
/* A number field: empty for NAN or infinity, %.0f for a whole number, else
 * %.3f. mp_csv_num_str gives the same text without the comma. */
void mp_csv_num(FILE *f, double v);
void mp_csv_num_str(char *buf, size_t len, double v);
#define MP_CSV_NUM_LEN 320     /* room for %.3f of the largest double */

struct mp_csv {
	size_t nrows, ncols;     /* rows exclude the header */
	char **header;           /* ncols names */
	char ***rows;            /* nrows x ncols */
};

/* Reads `path`. Every row must have the header's number of fields. Returns
 * 0, or -errno with "PATH:LINE: what is wrong" in err (-EINVAL: corrupted). */
int mp_csv_read(const char *path, struct mp_csv *csv, char *err, size_t errlen);
/* Same from memory (name stands for the file in messages). */
int mp_csv_parse(const char *text, size_t len, const char *name, struct mp_csv *csv,
		 char *err, size_t errlen);
/* Column index of `name`, or -1. */
int mp_csv_col(const struct mp_csv *csv, const char *name);
void mp_csv_free(struct mp_csv *csv);

#endif
