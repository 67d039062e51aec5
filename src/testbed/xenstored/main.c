/* mir-perf-xenstored: the testbed's xenstored stand-in. A foreground daemon
 * serving the xenstore wire protocol on a unix socket from an in-memory
 * tree; SIGTERM or SIGINT stop it cleanly (socket and pid file removed).
 *
 * usage: mir-perf-xenstored --socket PATH [--pidfile FILE] [--verbose]
 * The socket accepts clients before the pid file is written, so either one
 * existing means the daemon is ready. --verbose logs every request.
 *
 * Fidelity to Xen 4.17's xenstored, for a dom0 client on the socket:
 * - the same: the wire format and limits, the error names, the semantics of
 *   every implemented type in docs/misc/xenstore.txt (parents created, RM
 *   of a subtree, watch matching and relative event paths, transactions on
 *   a copy of the store with EAGAIN on conflict, special watches, the
 *   DIRECTORY_PART paging libxenstore falls back to on E2BIG);
 * - different: permissions are stored, inherited and returned but never
 *   enforced (every client is dom0); no shared rings or event channels
 *   (INTRODUCE only records the domain), so domains never connect and
 *   @releaseDomain fires only on RELEASE; CONTROL, RESUME and SET_TARGET
 *   answer ENOSYS; no persistence and no live update; quotas are only the
 *   per-connection limits in internal.h; the store starts with
 *   /local/domain/0/{domid,name} as xen-init-dom0 leaves it. A transaction
 *   conflicts when any node it read or changed was changed since it began
 *   (xenstored's rule), so a commit may fail where a finer check would not. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "common/err.h"
#include "common/log.h"
#include "testbed/xenstored/server.h"
#include "version.h"

#define PROG "mir-perf-xenstored"
#define NSIGS 2

struct daemon {
	uv_loop_t loop;
	uv_signal_t sigs[NSIGS];
	struct mp_xsd_server *srv;
	bool stopping;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --socket PATH [--pidfile FILE] [--verbose]\n"
		"  Serves the xenstore protocol on the unix socket PATH (clients use\n"
		"  XENSTORED_PATH=PATH). Runs in the foreground, logs to stderr;\n"
		"  SIGTERM or SIGINT stop it and remove PATH and FILE.\n");
}

static void on_sig_closed(uv_handle_t *h)
{
	(void)h;
}

static void on_server_done(void *arg)
{
	struct daemon *d = arg;

	d->srv = NULL;
	for (int i = 0; i < NSIGS; i++)
		uv_close((uv_handle_t *)&d->sigs[i], on_sig_closed);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;

	if (d->stopping)
		return;
	d->stopping = true;
	mp_info("received %s; exiting", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	mp_xsd_server_stop(d->srv, on_server_done, d);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		int e = errno;

		mp_err("cannot write pid file %s: %s", path, mp_strerror(e));
		return -e;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const int signums[NSIGS] = { SIGINT, SIGTERM };
	const char *sock = NULL, *pidfile = NULL;
	bool verbose = false;
	struct daemon d = { 0 };
	int opt, rc, code = MP_EXIT_OK;

	mp_log_init(PROG, MP_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt_long(argc, argv, "s:p:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return MP_EXIT_OK;
		case 'V': printf(PROG " %s\n", MP_VERSION); return MP_EXIT_OK;
		default: usage(stderr); return MP_EXIT_USAGE;
		}
	}
	if (!sock || optind != argc) {
		mp_err("%s", !sock ? "--socket PATH is required" : "unexpected argument");
		usage(stderr);
		return MP_EXIT_USAGE;
	}
	if (verbose)
		mp_log_set_level(MP_LOG_DEBUG);
	uv_loop_init(&d.loop);
	rc = mp_xsd_server_start(&d.loop, sock, &d.srv);
	if (rc == 0)
		mp_xsd_server_log_requests(d.srv, verbose);
	if (rc == 0 && pidfile && write_pidfile(pidfile) < 0) {
		mp_xsd_server_stop(d.srv, NULL, NULL);
		d.srv = NULL;
		pidfile = NULL;
		rc = -EIO;
	}
	if (rc < 0) {
		code = MP_EXIT_ENV;
	} else {
		for (int i = 0; i < NSIGS; i++) {
			uv_signal_init(&d.loop, &d.sigs[i]);
			d.sigs[i].data = &d;
			uv_signal_start(&d.sigs[i], on_signal, signums[i]);
		}
	}
	uv_run(&d.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&d.loop) != 0)
		mp_warn("event loop closed with handles still open");
	if (pidfile)
		unlink(pidfile);
	if (code == MP_EXIT_OK)
		mp_info("stopped");
	return code;
}
