#include "controller/host/xs_features.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#define FEATURE_PREFIX "feature-"
#define REQUEST_PREFIX "request-"
#define PATH_MAX_XS 128

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One side's nodes into out. */
static int side(struct xs_handle *h, const char *dir, char *out, size_t len)
{
	unsigned n = 0;
	char **keys = xs_directory(h, XBT_NULL, dir, &n);
	size_t used = 0;

	out[0] = '\0';
	if (!keys)
		return errno == ENOENT ? 0 : -errno;
	qsort(keys, n, sizeof(*keys), by_name);
	for (unsigned i = 0; i < n; i++) {
		int feat = strncmp(keys[i], FEATURE_PREFIX, strlen(FEATURE_PREFIX)) == 0;
		char path[PATH_MAX_XS + 64], *v;
		unsigned vlen;

		if (!feat && strncmp(keys[i], REQUEST_PREFIX, strlen(REQUEST_PREFIX)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, keys[i]);
		v = xs_read(h, XBT_NULL, path, &vlen);
		if (!v)
			continue;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s=%s", used ? " " : "",
						 keys[i] + (feat ? strlen(FEATURE_PREFIX) : 0), v);
		free(v);
	}
	free(keys);
	return 0;
}

int mp_xs_vif_features(struct mp_xs *xs, unsigned domid, unsigned devid, char *frontend,
		       size_t flen, char *backend, size_t blen)
{
	struct xs_handle *h = mp_xs_handle(xs);
	char fe[PATH_MAX_XS], be[PATH_MAX_XS];
	int rc;

	frontend[0] = backend[0] = '\0';
	if (!h)
		return -ENOTCONN;
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%u", domid, devid);
	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", domid, devid);
	rc = side(h, fe, frontend, flen);
	return rc ? rc : side(h, be, backend, blen);
}
