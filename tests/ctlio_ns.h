/* Test helpers for the controller-I/O and forwarder tests: namespaces that
 * are removed at exit, commands that must succeed, raw frames. */
#ifndef MP_CTLIO_NS_H
#define MP_CTLIO_NS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MP_TNS_NAME_MAX 64

/* Runs argv (NULL-terminated varargs); fails the test unless it exits 0. */
void mp_tns_sh(const char *arg0, ...) __attribute__((sentinel));
/* Creates namespace "<prefix><suffix>" (lo up) into name; deleted at exit. */
void mp_tns_add(const char *suffix, char name[MP_TNS_NAME_MAX]);
/* Moves this (single-threaded) test process into namespace `name`. */
void mp_tns_enter(const char *name);
/* Creates a veth pair a (in ns_a) -- b (in ns_b), both up, IPv6 off. */
void mp_tns_veth(const char *ns_a, const char *a, const char *ns_b, const char *b);
/* Opens a packet socket bound to ifname (in the current namespace). */
int mp_tns_packet_socket(const char *ifname);
/* Sends n frames of `len` bytes (dst ff:ff:ff:ff:ff:ff, ethertype 0x88b5,
 * payload: a sequence number then a fill byte) from fd, `gap_us` apart. */
void mp_tns_send_frames(int fd, const char *ifname, unsigned n, size_t len,
			unsigned gap_us);
/* The test's helper process (a forwarder): killed and reaped at exit unless
 * mp_tns_child_done() said it was already reaped. One at a time. */
void mp_tns_child_at_exit(pid_t pid);
void mp_tns_child_done(void);

/* Builds the i-th frame of mp_tns_send_frames into buf. */
void mp_tns_frame(uint8_t *buf, size_t len, unsigned i);

#endif
