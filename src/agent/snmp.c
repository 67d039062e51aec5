#include "agent/snmp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SNMP_PATH "/proc/thread-self/net/snmp"
#define SNMP_MAX 16384          /* about 1.6 kB today */

/* The next whitespace-separated word of a line: its start and length. */
static const char *word(const char **p, size_t *len)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	*len = strcspn(s, " \t\n");
	*p = s + *len;
	return *len ? s : NULL;
}

int mp_snmp_parse(const char *text, const char *proto, const char *name, uint64_t *out)
{
	size_t plen = strlen(proto);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *names, *values, *w;
		size_t len, col = 0;

		/* the names line, then the values line, both "Proto:" */
		if (strncmp(l, proto, plen) || l[plen] != ':')
			continue;
		names = l + plen + 1;
		values = strchr(l, '\n');
		if (!values || strncmp(values + 1, proto, plen) || values[1 + plen] != ':')
			return -ENOENT;
		values += 2 + plen;
		while ((w = word(&names, &len)) && !(len == strlen(name) && !strncmp(w, name, len)))
			col++;
		if (!w)
			return -ENOENT;
		for (size_t i = 0; (w = word(&values, &len)) && i < col; i++)
			;
		if (!w || len == 0 || w[0] < '0' || w[0] > '9')
			return -ENOENT;
		*out = strtoull(w, NULL, 10);
		return 0;
	}
	return -ENOENT;
}

int mp_snmp_read(const char *proto, const char *name, uint64_t *out)
{
	char buf[SNMP_MAX];
	size_t n = 0;
	ssize_t r;
	int fd = open(SNMP_PATH, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			close(fd);
			return rc;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return mp_snmp_parse(buf, proto, name, out);
}
