/* The netif-forward unikernel (issue 9): both OCaml files parse with the
 * compiler Debian ships (ocaml-nox). Type-checking needs the MirageOS
 * libraries, which this machine does not have (see its README). */
#include "test.h"

#include <stdlib.h>
#include <string.h>

#include "common/run.h"

static void parses(const char *file)
{
	char src[4096], out[4096];
	char *argv[] = { "ocamlc", "-stop-after", "parsing", "-c", src, "-o", out, NULL };
	struct mp_run_result r;

	mp_test_require_prog("ocamlc", "ocaml-nox");
	snprintf(src, sizeof(src), "%s", mp_test_src_path(file));
	snprintf(out, sizeof(out), "%s/out.cmo", mp_test_tmpdir());
	ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
	ASSERT_MSG(r.status == 0, "%s does not parse: %s", file, r.err);
	mp_run_result_free(&r);
}

TEST(unikernel_config_ml_parses)
{
	parses("unikernels/netif-forward/config.ml");
}

TEST(unikernel_ml_parses)
{
	char *text;

	parses("unikernels/netif-forward/unikernel.ml");
	/* It forwards netif 0 to netif 1 and reports counters. */
	text = mp_test_read_file(mp_test_src_path("unikernels/netif-forward/unikernel.ml"));
	ASSERT_CONTAINS(text, "In.listen net_in");
	ASSERT_CONTAINS(text, "Out.write out");
	free(text);
}

TEST(unikernel_parse_check_can_fail)
{
	char path[4096];
	char *argv[] = { "ocamlc", "-stop-after", "parsing", "-c", path, NULL };
	struct mp_run_result r;

	mp_test_require_prog("ocamlc", "ocaml-nox");
	snprintf(path, sizeof(path), "%s/bad.ml", mp_test_tmpdir());
	mp_test_write_file(path, "let x = (\n");
	ASSERT_EQ(mp_run(argv, NULL, 60000, &r), 0);
	ASSERT(r.status != 0);
	mp_run_result_free(&r);
}
