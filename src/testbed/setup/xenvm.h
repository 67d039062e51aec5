/* The second testbed: a real Xen 4.17 host inside QEMU (mir-perf-testbed
 * up|down|status|exec --xen). Its dom0 runs the real toolstack; the host's
 * source tree is shared with it over 9p at the same path, so a command run
 * in dom0 reads and writes this checkout; commands reach dom0 as job files
 * in that share (src/testbed/xenvm/dom0-init runs them), never over a
 * network: the VM has no network device at all. */
#ifndef MP_XENVM_H
#define MP_XENVM_H

#include <limits.h>

struct mp_xvm {
	char bin[PATH_MAX];     /* mir-perf's programs (this program's directory) */
	char src[PATH_MAX];     /* the shared tree, mounted at the same path */
	char cache[PATH_MAX];   /* what the VM boots, built once (cache.sh) */
	char run[PATH_MAX];     /* this boot's state: pid files, console, jobs */
};

/* The oldest QEMU that boots the Xen VM faithfully (the Makefile's
 * QEMU_MIN_VERSION, which `make deps-xen` installs): 7.2 injects an
 * upcall inside an STI interrupt shadow under nested SVM, and a MirageOS
 * unikernel then sleeps for good (docs/mirage-net-xen.md). */
#ifndef MP_QEMU_MIN_VERSION
#define MP_QEMU_MIN_VERSION "10.0"
#endif
/* The file of the VM's run directory (shared with dom0) that names the
 * emulator, "QEMU 10.0.2 (Debian ...), TCG": dom0-init hands it to every
 * job as MP_HOST_EMULATOR, for the run's provenance. */
#define MP_XVM_EMULATOR_FILE "emulator"

/* QEMU's version from the first line of `qemu-system-x86_64 --version`
 * ("QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2)"): 0 with
 * major.minor and the text after "version " up to the line's end, or
 * -EINVAL. */
int mp_xvm_qemu_parse(const char *text, unsigned *major, unsigned *minor, char *ver,
		      size_t len);
/* Whether major.minor is at least MP_QEMU_MIN_VERSION. */
int mp_xvm_qemu_new_enough(unsigned major, unsigned minor);

/* Fills the paths: the cache is SRC/build/xen-vm unless MP_XENVM_DIR says
 * otherwise. Returns 0, or -EINVAL (logged) when a path cannot be handed to
 * QEMU (it must not hold a comma, a space or a quote). */
int mp_xvm_init(struct mp_xvm *x, const char *bin_dir);

/* Each returns a process exit code (enum mp_exit) and says what went wrong. */
int mp_xvm_up(const struct mp_xvm *x);
int mp_xvm_down(const struct mp_xvm *x);
int mp_xvm_status(const struct mp_xvm *x);
/* Runs argv in dom0, in the current directory (which must be inside the
 * shared tree), streaming its stdout and stderr; SIGINT/SIGTERM are passed
 * on to it. timeout_s 0: none. Returns the command's exit status. */
int mp_xvm_exec(const struct mp_xvm *x, char **argv, unsigned timeout_s);

#endif
