/* The testbed's names and teardown, shared by mir-perf-testbed and tests. */
#ifndef MP_TESTBED_H
#define MP_TESTBED_H

#include <limits.h>

#define MP_TB_DEFAULT_PREFIX "mp"
#define MP_TB_PREFIX_MAX 8
#define MP_TB_STATE_ROOT "/run/mir-perf"
#define MP_TB_CONTROL_BRIDGE "xenbr0"
#define MP_TB_DOM0_ADDR "10.200.0.1"
#define MP_TB_DHCP_FIRST "10.200.0.100"
#define MP_TB_DHCP_LAST "10.200.0.199"

struct mp_tb {
	char prefix[MP_TB_PREFIX_MAX + 1];
	char dom0[32];                  /* P-dom0 */
	char state[128];                /* /run/mir-perf/P */
	char socket[160];               /* .../xenstored.sock */
};

/* Fills the names for `prefix`; -EINVAL unless 1-8 of [a-z0-9]. */
int mp_tb_init(struct mp_tb *tb, const char *prefix);

/* Kills every process in every namespace named P-*, and the pid files'
 * processes; deletes those namespaces and the state directory. Idempotent.
 * Returns 0, or -errno when something could not be removed (logged). */
int mp_tb_down(const struct mp_tb *tb);

#endif
