/* CSV as the run's files use it, RFC 4180 (csv.h). */
#include "controller/results/csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

void mp_csv_field(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void mp_csv_num_str(char *buf, size_t len, double v)
{
	if (isnan(v) || isinf(v))
		snprintf(buf, len, "%s", "");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3f", v);
}

void mp_csv_num(FILE *f, double v)
{
	char buf[MP_CSV_NUM_LEN];

	mp_csv_num_str(buf, sizeof(buf), v);
	fputc(',', f);
	fputs(buf, f);
}

struct rowbuf {
	char **f;
	size_t n, cap;
};

static int push_field(struct rowbuf *r, const char *s, size_t len)
{
	char *v;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **nf = realloc(r->f, cap * sizeof(char *));

		if (!nf)
			return -ENOMEM;
		r->f = nf;
		r->cap = cap;
	}
	v = malloc(len + 1);
	if (!v)
		return -ENOMEM;
	memcpy(v, s, len);
	v[len] = '\0';
	r->f[r->n++] = v;
	return 0;
}

static void free_row(char **row, size_t n)
{
	for (size_t i = 0; row && i < n; i++)
		free(row[i]);
	free(row);
}

void mp_csv_free(struct mp_csv *csv)
{
	free_row(csv->header, csv->ncols);
	for (size_t i = 0; i < csv->nrows; i++)
		free_row(csv->rows[i], csv->ncols);
	free(csv->rows);
	memset(csv, 0, sizeof(*csv));
}

int mp_csv_parse(const char *text, size_t len, const char *name, struct mp_csv *csv,
		 char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	size_t line = 1, cap = 0;
	char *field = NULL;
	size_t flen = 0, fcap = 0;
	int rc = 0;

	memset(csv, 0, sizeof(*csv));
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: a NUL byte: not a CSV file", name);
		return -EINVAL;
	}
	while (p < end && rc == 0) {
		struct rowbuf row = { 0 };
		size_t start_line = line;
		int eol = 0;

		while (!eol && rc == 0) {
			flen = 0;
			if (p < end && *p == '"') {
				p++;
				for (;;) {
					if (p >= end) {
						snprintf(err, errlen, "%s:%zu: a quoted field never ends",
							 name, start_line);
						rc = -EINVAL;
						break;
					}
					if (*p == '"' && p + 1 < end && p[1] == '"') {
						p++;
					} else if (*p == '"') {
						p++;
						break;
					}
					if (*p == '\n')
						line++;
					if (flen + 1 >= fcap) {
						fcap = fcap ? fcap * 2 : 64;
						field = realloc(field, fcap);
					}
					field[flen++] = *p++;
				}
				if (rc == 0 && p < end && *p != ',' && *p != '\n' && *p != '\r') {
					snprintf(err, errlen, "%s:%zu: text after a quoted field", name, line);
					rc = -EINVAL;
				}
			} else {
				while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
					if (*p == '"') {
						snprintf(err, errlen, "%s:%zu: a quote inside an unquoted field",
							 name, line);
						rc = -EINVAL;
						break;
					}
					if (flen + 1 >= fcap) {
						fcap = fcap ? fcap * 2 : 64;
						field = realloc(field, fcap);
					}
					field[flen++] = *p++;
				}
			}
			if (rc)
				break;
			if (push_field(&row, field ? field : "", flen) < 0) {
				rc = -ENOMEM;
				break;
			}
			if (p < end && *p == '\r')
				p++;
			if (p >= end || *p == '\n') {
				eol = 1;
				if (p < end) {
					p++;
					line++;
				}
			} else {
				p++;    /* the comma */
			}
		}
		if (rc) {
			free_row(row.f, row.n);
			break;
		}
		if (!csv->header) {
			csv->header = row.f;
			csv->ncols = row.n;
			continue;
		}
		if (row.n != csv->ncols) {
			snprintf(err, errlen, "%s:%zu: %zu fields where the header has %zu "
				 "(a truncated or corrupted row)", name, start_line, row.n, csv->ncols);
			free_row(row.f, row.n);
			rc = -EINVAL;
			break;
		}
		if (csv->nrows == cap) {
			char ***nr;

			cap = cap ? cap * 2 : 64;
			nr = realloc(csv->rows, cap * sizeof(char **));
			if (!nr) {
				free_row(row.f, row.n);
				rc = -ENOMEM;
				break;
			}
			csv->rows = nr;
		}
		csv->rows[csv->nrows++] = row.f;
	}
	free(field);
	if (rc == 0 && !csv->header) {
		snprintf(err, errlen, "%s:1: empty: no header", name);
		rc = -EINVAL;
	}
	if (rc < 0)
		mp_csv_free(csv);
	return rc;
}

int mp_csv_read(const char *path, struct mp_csv *csv, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;
	int rc;

	memset(csv, 0, sizeof(*csv));
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, mp_strerror(errno));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || len > MP_CSV_MAX_BYTES) {
		fclose(f);
		snprintf(err, errlen, "%s: unreadable or larger than %d bytes", path,
			 MP_CSV_MAX_BYTES);
		return -EFBIG;
	}
	rewind(f);
	text = malloc((size_t)len + 1);
	if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		fclose(f);
		snprintf(err, errlen, "%s: read error", path);
		return -EIO;
	}
	fclose(f);
	rc = mp_csv_parse(text, (size_t)len, path, csv, err, errlen);
	free(text);
	return rc;
}

int mp_csv_col(const struct mp_csv *csv, const char *name)
{
	for (size_t i = 0; i < csv->ncols; i++)
		if (strcmp(csv->header[i], name) == 0)
			return (int)i;
	return -1;
}
