/* mir-perf-xl: the testbed's toolstack, in the role of Xen's xl.
 *   create CONFIG | destroy NAME | list | domid NAME
 * Runs inside the testbed's dom0 (mir-perf-testbed exec), where
 * XENSTORED_PATH names the xenstored stand-in. See domain.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "common/err.h"
#include "common/log.h"
#include "testbed/xl/domain.h"
#include "testbed/xl/xlcfg.h"

#define PROG "mir-perf-xl"
#define CONFIG_MAX (256 * 1024)

static void usage(FILE *f)
{
	fputs("usage: " PROG " create CONFIG | destroy NAME | list | domid NAME\n"
	      "The testbed's toolstack (like xl); run it through\n"
	      "`mir-perf-testbed exec --prefix P -- " PROG " ...`.\n", f);
}

static int load_config(const char *path, struct mp_xl_cfg *cfg)
{
	char *text = malloc(CONFIG_MAX + 1), err[512];
	FILE *f = fopen(path, "r");
	size_t n;
	int rc;

	if (!f || !text) {
		mp_err("cannot read %s: %s", path, mp_strerror(errno));
		free(text);
		if (f)
			fclose(f);
		return -ENOENT;
	}
	n = fread(text, 1, CONFIG_MAX, f);
	fclose(f);
	text[n] = '\0';
	rc = mp_xl_cfg_parse(text, cfg, err, sizeof(err));
	free(text);
	if (rc < 0)
		mp_err("%s:%s", path, err);
	return rc;
}

static int list(struct xs_handle *xs)
{
	unsigned n = 0;
	char **ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);

	printf("%-32s %5s\n", "Name", "ID");
	for (unsigned i = 0; ids && i < n; i++) {
		char path[64];
		unsigned len;
		char *name;

		snprintf(path, sizeof(path), "/local/domain/%s/name", ids[i]);
		name = xs_read(xs, XBT_NULL, path, &len);
		printf("%-32s %5s\n", name ? name : "?", ids[i]);
		free(name);
	}
	free(ids);
	return MP_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct mp_xl_env env;
	struct xs_handle *xs;
	int rc = MP_EXIT_USAGE;

	mp_log_init(PROG, MP_LOG_INFO);
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? MP_EXIT_USAGE : MP_EXIT_OK;
	}
	if (mp_xl_env(&env) < 0)
		return MP_EXIT_ENV;
	xs = xs_open(0);
	if (!xs && strcmp(argv[1], "destroy") == 0 && argc == 3) {
		mp_warn("xenstored is unreachable (%s): destroying %s without it", mp_strerror(errno),
			argv[2]);
		return mp_xl_destroy_offline(&env, argv[2]) < 0 ? MP_EXIT_FAIL : MP_EXIT_OK;
	}
	if (!xs) {
		mp_err("cannot reach xenstored (%s): is the testbed up? (mir-perf-testbed status)",
		       mp_strerror(errno));
		return MP_EXIT_ENV;
	}
	if (strcmp(argv[1], "create") == 0 && argc == 3) {
		struct mp_xl_cfg cfg;
		int id;

		if (load_config(argv[2], &cfg) < 0) {
			rc = MP_EXIT_USAGE;
		} else if ((id = mp_xl_create(xs, &env, &cfg)) < 0) {
			rc = id == -EEXIST ? MP_EXIT_USAGE : MP_EXIT_FAIL;
		} else {
			printf("%d\n", id);
			rc = MP_EXIT_OK;
		}
	} else if (strcmp(argv[1], "destroy") == 0 && argc == 3) {
		rc = mp_xl_destroy(xs, &env, argv[2]) < 0 ? MP_EXIT_FAIL : MP_EXIT_OK;
	} else if (strcmp(argv[1], "list") == 0 && argc == 2) {
		rc = list(xs);
	} else if (strcmp(argv[1], "domid") == 0 && argc == 3) {
		int id = mp_xl_domid(xs, argv[2]);

		if (id < 0) {
			mp_err("no domain called %s", argv[2]);
			rc = MP_EXIT_FAIL;
		} else {
			printf("%d\n", id);
			rc = MP_EXIT_OK;
		}
	} else {
		usage(stderr);
	}
	xs_close(xs);
	return rc;
}
