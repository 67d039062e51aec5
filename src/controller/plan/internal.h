/* Shared by the plan's files: limits and defaults named once, making and
 * freeing a plan. Not a public interface. */
#ifndef MP_PLAN_INTERNAL_H
#define MP_PLAN_INTERNAL_H

#include "controller/plan/plan.h"

#define MP_PLAN_MAX_DOMAIN_NAME 64
#define MP_PLAN_MAX_VIFS 8
#define MP_PLAN_MAX_RATE 100000000ULL     /* 100 Mpps: beyond any 100 GbE link */
#define IFNAMSIZ_PLAN 16
#define MP_PLAN_MIN_TRIAL_NS 100000000ULL   /* 100 ms: a trial spans samples */
#define MP_PLAN_SEARCH_MAX_WIDTH_PCT 50.0

/* xenconsoled's per-guest log with --log=guest and Debian's log directory
 * (tools/console/daemon/io.c: "%s/guest-%s.log", the domain's name). */
#define MP_PLAN_CONSOLE_LOG "/var/log/xen/console/guest-{name}.log"
/* Where cfg/xen.yaml's build steps leave the unikernel (mirage 4's dist/). */
#define MP_PLAN_DUT_KERNEL "{workdir}/unikernel/dist/netif-forward.xen"
/* A DUT that did not come up is re-created this many times by default:
 * once, for a boot that hung by chance (docs/plan.md). */
#define MP_PLAN_BOOT_RETRIES 1

/* Time the schedule assumes for configure, start and stop around a phase. */
#define MP_PLAN_PHASE_OVERHEAD_NS 300000000ULL
/* ... and around a TCP repetition (addresses, iperf3's server, its end). */
#define MP_PLAN_TCP_OVERHEAD_NS 1000000000ULL
/* traffic.tcp.timeout when the plan gives none: the duration and this. */
#define MP_PLAN_TCP_TIMEOUT_MARGIN_NS (20ULL * 1000000000ULL)


/* A plan with every default set (the key table's); name/dir as for
 * mp_plan_load_string. NULL when out of memory. */
struct mp_plan *mp_plan_defaults(const char *path, const char *dir);
void mp_plan_cmd_free(struct mp_cmd *cmd);
void mp_plan_search_free(struct mp_plan_search *s);
void mp_plan_tcp_free(struct mp_plan_tcp *t);

#endif
