/* `mir-perf SUBCOMMAND ...`: each returns an exit code (src/common/err.h).
 * argv[0] is the subcommand's name. */
#ifndef MP_COMMANDS_H
#define MP_COMMANDS_H

int mp_cmd_report(int argc, char **argv);   /* report RUN_DIR */
int mp_cmd_compare(int argc, char **argv);  /* compare RUN_A RUN_B [--threshold PCT] */
int mp_cmd_export(int argc, char **argv);   /* export --format current-bench RUN_DIR */
int mp_cmd_monitor(int argc, char **argv);  /* monitor IFACE... (sampling only) */
int mp_cmd_image(int argc, char **argv);    /* image --out DIR (traff-gen VM) */

typedef int (*mp_cmd_fn)(int argc, char **argv);
/* The subcommand called `name`, or NULL. */
mp_cmd_fn mp_cmd_find(const char *name);

#endif
