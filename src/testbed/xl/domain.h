/* Testbed domains: a namespace P-<name>, one veth pair per vif (the dom0
 * end named as xl names it, on its bridge; the domain end eth<devid> with the
 * vif's MAC), the xenstore nodes libxl writes, and a supervisor process that
 * runs the domain's program inside the namespace, as xl's per-domain daemon
 * does. When the program ends, by itself or on destroy, the supervisor
 * removes the domain and releases it (@releaseDomain), as Xen does for a
 * crashed or destroyed domain. */
#ifndef MP_XL_DOMAIN_H
#define MP_XL_DOMAIN_H

#include <xenstore.h>

#include "testbed/xl/xlcfg.h"

#define MP_XL_TOOL_PATH "/tool/mir-perf-xl"   /* our private xenstore nodes */
#define MP_XL_STOP_GRACE_MS 2000             /* SIGTERM, then SIGKILL */
/* The domain's console, as xenconsoled --log=guest --log-dir=DIR keeps it:
 * STATE/console/guest-NAME.log, opened for appending by every boot of that
 * name (tools/console/daemon/io.c), never truncated. What the domain's
 * program writes on stdout and stderr is its console. */
#define MP_XL_CONSOLE_DIR "console"
#define MP_XL_CONSOLE_FMT "%s/" MP_XL_CONSOLE_DIR "/guest-%s.log"

struct mp_xl_env {
	char prefix[16];        /* MP_TESTBED_PREFIX */
	char state[256];        /* MP_TESTBED_STATE */
};

/* Reads the testbed environment; -ENOENT with a message when not set. */
int mp_xl_env(struct mp_xl_env *env);

/* The domid of `name`, or -ESRCH. */
int mp_xl_domid(struct xs_handle *xs, const char *name);

/* Creates the domain and starts its supervisor; returns the domid or -errno
 * (everything created so far is removed again). */
int mp_xl_create(struct xs_handle *xs, const struct mp_xl_env *env,
		 const struct mp_xl_cfg *cfg);

/* Stops the program, removes the domain, releases it. 0 or -errno. */
int mp_xl_destroy(struct xs_handle *xs, const struct mp_xl_env *env, const char *name);

/* destroy without xenstored (it died): stops the domain's supervisor by its
 * pid file, which removes interfaces and namespace; removes the namespace
 * itself if the supervisor is gone too. 0 or -ESRCH. */
int mp_xl_destroy_offline(const struct mp_xl_env *env, const char *name);

#endif
