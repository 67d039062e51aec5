/* The netif-forward unikernel (issues 9, 21, 22): its OCaml files parse with
 * the compiler Debian ships (ocaml-nox), and say what the unikernel must do.
 * Type-checking needs the MirageOS libraries, which this machine does not
 * have (see its README). */
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

TEST(unikernel_config_ml_today)
{
	char *text = mp_test_read_file(mp_test_src_path("unikernels/netif-forward/config.ml"));

	/* mirage 4.9 removed the time device: a config.ml naming it fails
	 * `mirage configure`. */
	ASSERT(strstr(text, "default_time") == NULL);
	ASSERT(strstr(text, "time @->") == NULL);
	/* The netifs come from the local shim, not Mirage.netif, whose glue
	 * does not compile against mirage-net-xen's functor API (87f3737 on). */
	ASSERT_CONTAINS(text, "\"Netif_xen\"");
	ASSERT_CONTAINS(text, "local_libs:[ \"netif_xen\" ]");
	free(text);
}

TEST(unikernel_netif_shim_parses)
{
	char *text;

	parses("unikernels/netif-forward/netif_xen/netif_xen.xenstore.ml");
	parses("unikernels/netif-forward/netif_xen/netif_xen.netchannel.ml");
	/* One expression for Netif as a module (to v2.1.7) and as a functor. */
	text = mp_test_read_file(mp_test_src_path("unikernels/netif-forward/netif_xen/netif_xen.xenstore.ml"));
	ASSERT_CONTAINS(text, "Compat.Make (Xenstore.Make (Xen_os.Xs))");
	free(text);
	text = mp_test_read_file(mp_test_src_path("unikernels/netif-forward/netif_xen/dune"));
	ASSERT_CONTAINS(text, "(netchannel -> netif_xen.netchannel.ml)");
	free(text);
}

TEST(unikernel_ml_parses)
{
	char *text;

	parses("unikernels/netif-forward/unikernel.ml");
	text = mp_test_read_file(mp_test_src_path("unikernels/netif-forward/unikernel.ml"));
	/* It forwards netif 0 to netif 1... */
	ASSERT_CONTAINS(text, "Net0.listen net0");
	ASSERT_CONTAINS(text, "(Net1.write net1)");
	/* ...listens on netif 1 in every mode (mirage-net-xen frees transmit
	 * slots only while listening: without it, one ring and no more)... */
	ASSERT_CONTAINS(text, "Net1.listen net1");
	ASSERT_CONTAINS(text, "else drop c10");
	/* ...forwards netif 1 to netif 0 with --two-way... */
	ASSERT_CONTAINS(text, "[ \"two-way\" ]");
	ASSERT_CONTAINS(text, "(Net0.write net0)");
	/* ...and prints the console line README.md documents. */
	ASSERT_CONTAINS(text, "netif-forward: t=%.3f mode=%s rx0=%d fwd0to1=%d fail0to1=%d rx1=%d");
	ASSERT_CONTAINS(text, "fwd1to0=%d fail1to0=%d");
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
