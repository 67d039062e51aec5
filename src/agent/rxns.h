/* The receiving side's own network namespace in the traff-gen
 * (--rx-netns NAME): the agent moves its receiving interface (--rx-dev, the
 * vif on bridge if2 where the DUT forwards) into it at start, so that the
 * only way from the data interface (--dev, on if1) to it is through the
 * DUT, for every byte and every ACK of TCP through the DUT; the receiver of
 * the UDP tests reads the same interface from there. At the end the
 * interface goes back and the namespace is deleted if the agent made it.
 * An agent that died leaves both as they were; the next one takes them
 * over. */
#ifndef MP_RXNS_H
#define MP_RXNS_H

#include <stddef.h>

struct mp_rxns;

/* Makes (or takes over) namespace `name` with `dev` in it, up, with lo up
 * and IPv6 off (no autoconfiguration traffic crosses the DUT). 0, or a
 * negative errno with a sentence in err. */
int mp_rxns_open(const char *name, const char *dev, struct mp_rxns **out, char *err,
		 size_t errlen);

const char *mp_rxns_name(const struct mp_rxns *n);
const char *mp_rxns_dev(const struct mp_rxns *n);
/* The namespace, open (for setns in a child). */
int mp_rxns_fd(const struct mp_rxns *n);

/* Moves the calling thread into the namespace; *back is the caller's, for
 * mp_rxns_leave. 0 or -errno. */
int mp_rxns_enter(const struct mp_rxns *n, int *back);
/* Back to the namespace mp_rxns_enter left (and closes *back). */
void mp_rxns_leave(int *back);

/* Whether `ifname` exists in the namespace named `name` (for the start-up
 * check of an interface an earlier agent left there). */
int mp_rxns_has_dev(const char *name, const char *ifname);

/* Runs `ip -n NAME ARGS...` (NULL-terminated); 0, or -EIO after logging
 * ip's complaint. */
int mp_rxns_ip(const struct mp_rxns *n, ...) __attribute__((sentinel));

/* Moves the interface back, deletes the namespace if it was made here,
 * frees. NULL is allowed. */
void mp_rxns_close(struct mp_rxns *n);

#endif
