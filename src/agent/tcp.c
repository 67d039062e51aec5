#include "agent/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "agent/child.h"
#include "agent/iperf.h"
#include "agent/snmp.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"
#include "common/offload.h"
#include "common/run.h"

#define IP_TIMEOUT_MS 10000
#define ADDR_MAX (INET_ADDRSTRLEN + 4)   /* "10.202.0.1/24" */
#define NUM_MAX 24
/* The offloads a plan turns on or off, in the order they are set (TSO
 * needs the checksum offload) and put back in reverse: the transmit
 * checksum (traffic.tcp.checksum), TSO and GSO (traffic.tcp.offloads). */
static const enum mp_offload switched[] = { MP_OFFLOAD_TX_CSUM, MP_OFFLOAD_TSO, MP_OFFLOAD_GSO };
#define NSWITCHED (sizeof(switched) / sizeof(switched[0]))

enum phase {
	PH_IDLE,
	PH_LISTEN,         /* the server started; waiting for it to listen */
	PH_CLIENT,         /* the client runs */
	PH_SERVER_END,     /* the client ended; the server ends by itself */
};

/* An interface and where it lives: the agent's namespace or the rx one. */
struct end {
	const char *dev;
	int in_rx;
	char addr[ADDR_MAX];
	int before[MP_OFFLOAD_COUNT];    /* as found, to put back */
	int changed[MP_OFFLOAD_COUNT];
	int have_addr;
	int tc_csum;                     /* a clsact qdisc of ours fills checksums */
	unsigned gso_segs_before;        /* its gso_max_segs, to put back (0: unchanged) */
	int have_csum;                   /* csum_errors read at the start */
	uint64_t csum_errors;            /* its namespace's Tcp InCsumErrors then */
};

struct mp_tcp {
	uv_loop_t *loop;
	struct mp_tcp_opts o;
	char iperf3[4096];
	uv_timer_t poll;               /* the server's listen, the server's end */
	uv_timer_t deadline;           /* spec.timeout_ns */
	int handles;
	int closing;
	enum phase phase;
	struct mp_tcp_spec spec;
	struct mp_tcp_result res;
	uint64_t started_ns, phase_ns;
	struct mp_achild *server, *client;
	int server_ended;              /* the server ended (-1: after its one run) */
	struct end ends[2];            /* 0: the data side; 1: the receiving side */
};

static void finish(struct mp_tcp *t, const char *fail_fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- the two interfaces ------------------------------------------------ */

static int in_end(struct mp_tcp *t, const struct end *e, int *back)
{
	*back = -1;
	return e->in_rx ? mp_rxns_enter(t->o.rxns, back) : 0;
}

/* Runs `PROG [-n NS] ARGS...` (ip or tc) for an end, its namespace named
 * when it lives in the rx one; its output in *out (freed by the caller)
 * when out is not NULL. 0, or -EIO with the command's complaint logged (or
 * -errno when it could not run). */
static int end_run_out(struct mp_tcp *t, const struct end *e, char *const args[], char **out)
{
	char *argv[24], line[256];
	size_t n = 0, at = 0;
	struct mp_run_result r;
	int rc;

	argv[n++] = args[0];
	if (e->in_rx) {
		argv[n++] = "-n";
		argv[n++] = (char *)mp_rxns_name(t->o.rxns);
	}
	for (size_t i = 1; args[i] && n < sizeof(argv) / sizeof(argv[0]) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	rc = mp_run(argv, NULL, IP_TIMEOUT_MS, &r);
	if (rc < 0)
		return rc;
	if (r.status != 0) {
		for (size_t i = 0; i < n && at < sizeof(line); i++)
			at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s", i ? " " : "", argv[i]);
		mp_warn("%s: %s", line, r.err);
		rc = -EIO;
	}
	if (rc == 0 && out) {
		*out = r.out;
		r.out = NULL;
	}
	mp_run_result_free(&r);
	return rc;
}

static int end_run(struct mp_tcp *t, const struct end *e, char *const args[])
{
	return end_run_out(t, e, args, NULL);
}

/* The interface's gso_max_segs (`ip -d -j link show`), or 0. */
static unsigned end_gso_max_segs(struct mp_tcp *t, const struct end *e)
{
	char *args[] = { "ip", "-d", "-j", "link", "show", "dev", (char *)e->dev, NULL };
	char *out = NULL;
	json_t *j;
	unsigned v = 0;

	if (end_run_out(t, e, args, &out) < 0)
		return 0;
	j = json_loads(out, 0, NULL);
	free(out);
	if (json_is_array(j)) {
		json_t *n = json_object_get(json_array_get(j, 0), "gso_max_segs");

		if (json_is_integer(n) && json_integer_value(n) > 0 &&
		    json_integer_value(n) <= UINT16_MAX)
			v = (unsigned)json_integer_value(n);
	}
	json_decref(j);
	return v;
}

static int end_set_gso_max_segs(struct mp_tcp *t, const struct end *e, unsigned segs)
{
	char n[NUM_MAX];
	char *args[] = { "ip", "link", "set", "dev", (char *)e->dev, "gso_max_segs", n, NULL };

	snprintf(n, sizeof(n), "%u", segs);
	return end_run(t, e, args);
}

static int end_ip(struct mp_tcp *t, const struct end *e, const char *verb, const char *addr)
{
	char *args[] = { "ip", "addr", (char *)verb, (char *)addr, "dev", (char *)e->dev, NULL };

	return end_run(t, e, args);
}

/* Where a driver keeps its transmit checksum offload on whatever it is
 * asked (xen-netfront's for IPv4 is fixed), tc finishes every TCP checksum
 * before the frame reaches it: a clsact qdisc, an egress filter, the csum
 * action (act_csum). act_csum leaves a GSO packet alone, and TCP builds
 * them whatever the device's GSO (it is segmented after tc, its checksums
 * left to the driver again): the device's gso_max_segs goes to 1 for the
 * run, so that every packet TCP sends is one segment. The kernel needs
 * sch_ingress, cls_u32 and act_csum, and to let `ip link set` change
 * gso_max_segs. Only netfront needs this path (a veth turns its offload
 * off), so only the Xen VM tests it: check-slow's TCP test, a Linux DUT
 * that loses the checksum flag (mir-perf-forward --lose-csum). */
static int end_tc_csum(struct mp_tcp *t, struct end *e, int on)
{
	char *qdisc[] = { "tc", "qdisc", on ? "replace" : "del", "dev", (char *)e->dev, "clsact",
			  NULL };
	char *filter[] = { "tc", "filter", "add", "dev", (char *)e->dev, "egress", "protocol", "ip",
			   "prio", "1", "u32", "match", "ip", "protocol", "6", "0xff", "action",
			   "csum", "tcp", NULL };
	int rc;

	if (!on) {
		end_run(t, e, qdisc);
		if (e->gso_segs_before)
			end_set_gso_max_segs(t, e, e->gso_segs_before);
		e->tc_csum = 0;
		e->gso_segs_before = 0;
		return 0;
	}
	e->tc_csum = 1;   /* from here, end_restore undoes what was done */
	if (!(e->gso_segs_before = end_gso_max_segs(t, e)) ||
	    (rc = end_set_gso_max_segs(t, e, 1)) < 0) {
		e->gso_segs_before = 0;
		return -EIO;
	}
	if ((rc = end_run(t, e, qdisc)) < 0 || (rc = end_run(t, e, filter)) < 0)
		return rc;
	return 0;
}

/* What the spec asks of one switched offload: 1 on, 0 off, -1 as it is.
 * Checksum off takes TSO and GSO with it (they need it; and a segment
 * left to GSO would leave with its checksum to finish). */
static int wanted(const struct mp_tcp *t, enum mp_offload o)
{
	enum mp_tcp_offloads w = o == MP_OFFLOAD_TX_CSUM ? t->spec.checksum : t->spec.offloads;

	if (o != MP_OFFLOAD_TX_CSUM && t->spec.checksum == MP_TCP_OFFLOADS_OFF)
		w = MP_TCP_OFFLOADS_OFF;
	return w == MP_TCP_OFFLOADS_KEEP ? -1 : w == MP_TCP_OFFLOADS_ON;
}

/* Gives an end its address and its offloads as asked; records them, and
 * its namespace's count of segments dropped for a wrong checksum. */
static int end_setup(struct mp_tcp *t, struct end *e, struct in_addr ip, char *text,
		     size_t textlen, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN];
	int back, rc, now[MP_OFFLOAD_COUNT];

	inet_ntop(AF_INET, &ip, a, sizeof(a));
	snprintf(e->addr, sizeof(e->addr), "%s/%d", a, MP_TCP_PREFIX_LEN);
	if (end_ip(t, e, "replace", e->addr) < 0) {
		snprintf(err, errlen, "cannot give %s the address %s", e->dev, e->addr);
		return -EIO;
	}
	e->have_addr = 1;
	if ((rc = in_end(t, e, &back)) < 0) {
		snprintf(err, errlen, "cannot enter namespace %s: %s", mp_rxns_name(t->o.rxns),
			 mp_strerror(rc));
		return rc;
	}
	e->have_csum = mp_snmp_read("Tcp", "InCsumErrors", &e->csum_errors) == 0;
	rc = mp_offload_get(e->dev, e->before);
	for (size_t i = 0; rc == 0 && i < NSWITCHED; i++) {
		enum mp_offload o = switched[i];
		int want = wanted(t, o);

		if (want < 0 || e->before[o] == want)
			continue;
		rc = mp_offload_set(e->dev, o, want);
		if (rc < 0)
			snprintf(err, errlen, "cannot turn %s %s on %s: %s", mp_offload_name(o),
				 want ? "on" : "off", e->dev, mp_strerror(rc));
		else
			e->changed[o] = 1;
	}
	if (rc == 0 && mp_offload_get(e->dev, now) == 0) {
		mp_offload_format(now, text, textlen);
		if (t->spec.checksum == MP_TCP_OFFLOADS_OFF && now[MP_OFFLOAD_TX_CSUM] == 1)
			rc = 1;   /* fixed on: tc's turn, from the agent's namespace */
	} else if (rc == -ENODEV) {
		snprintf(err, errlen, "no interface %s", e->dev);
	}
	mp_rxns_leave(&back);
	if (rc == 1) {
		if ((rc = end_tc_csum(t, e, 1)) < 0) {
			snprintf(err, errlen, "%s keeps its transmit checksum offload on and tc cannot "
				 "finish the checksums before it (the kernel needs sch_ingress, cls_u32 "
				 "and act_csum, and `ip link set` to change gso_max_segs)", e->dev);
			return rc;
		}
		mp_info("%s keeps its transmit checksum offload on: tc finishes every TCP "
			"checksum before it", e->dev);
		snprintf(text + strlen(text), textlen - strlen(text), ", tc csum");
	}
	return rc;
}

/* Puts an end back as it was found: tc, offloads, address. */
static void end_restore(struct mp_tcp *t, struct end *e)
{
	int back;

	if (e->tc_csum)
		end_tc_csum(t, e, 0);
	if (in_end(t, e, &back) == 0) {
		for (size_t i = NSWITCHED; i-- > 0;) {
			enum mp_offload o = switched[i];

			if (e->changed[o] && mp_offload_set(e->dev, o, e->before[o]) < 0)
				mp_warn("cannot put %s back %s on %s", mp_offload_name(o),
					e->before[o] ? "on" : "off", e->dev);
		}
		mp_rxns_leave(&back);
	}
	memset(e->changed, 0, sizeof(e->changed));
	if (e->have_addr)
		end_ip(t, e, "del", e->addr);
	e->have_addr = 0;
}

/* Segments an end's namespace dropped for a wrong checksum since the start
 * (0 when its counter could not be read). */
static uint64_t end_csum_errors(struct mp_tcp *t, const struct end *e)
{
	uint64_t now = 0;
	int back, ok;

	if (!e->have_csum || in_end(t, e, &back) < 0)
		return 0;
	ok = mp_snmp_read("Tcp", "InCsumErrors", &now) == 0;
	mp_rxns_leave(&back);
	return ok && now > e->csum_errors ? now - e->csum_errors : 0;
}

/* ---- the run ------------------------------------------------------------ */

static void free_children(struct mp_tcp *t)
{
	mp_achild_free(t->client);
	mp_achild_free(t->server);
	t->client = t->server = NULL;
}

/* Says what segments dropped for a wrong checksum mean, and what to do. */
static const char *csum_hint(const struct mp_tcp *t, uint64_t n)
{
	static char buf[MP_TCP_REASON_MAX];

	snprintf(buf, sizeof(buf), "%llu TCP segment%s arrived with a wrong checksum and %s "
		 "dropped: the DUT forwards frames whose checksum the sender left to offload "
		 "without finishing it%s", (unsigned long long)n, n == 1 ? "" : "s",
		 n == 1 ? "was" : "were",
		 t->spec.checksum == MP_TCP_OFFLOADS_OFF ? "" :
		 " (traffic.tcp.checksum: off has the traff-gen finish every checksum)");
	return buf;
}

/* The run is over: processes gone, ends restored; then the state. */
static void finish(struct mp_tcp *t, const char *fail_fmt, ...)
{
	char d[32];

	if (t->phase == PH_IDLE)
		return;
	uv_timer_stop(&t->poll);
	uv_timer_stop(&t->deadline);
	free_children(t);
	t->res.csum_errors = end_csum_errors(t, &t->ends[0]) + end_csum_errors(t, &t->ends[1]);
	end_restore(t, &t->ends[0]);
	end_restore(t, &t->ends[1]);
	t->phase = PH_IDLE;
	t->res.elapsed_ns = mp_now_ns() - t->started_ns;
	if (fail_fmt) {
		char why[sizeof(t->res.reason)];
		va_list ap;

		va_start(ap, fail_fmt);
		vsnprintf(why, sizeof(why), fail_fmt, ap);
		va_end(ap);
		/* the cause, when it is this one, before what iperf3 saw of it */
		if (t->res.csum_errors) {
			int n = snprintf(t->res.reason, sizeof(t->res.reason), "%s; %s",
					 csum_hint(t, t->res.csum_errors), why);

			if (n >= (int)sizeof(t->res.reason))
				mp_debug("the reason was cut short: %s", why);
		} else
			snprintf(t->res.reason, sizeof(t->res.reason), "%s", why);
		t->res.state = MP_TCP_FAILED;
		mp_warn("TCP run failed: %s", t->res.reason);
		return;
	}
	if (t->res.csum_errors)
		mp_warn("%s", csum_hint(t, t->res.csum_errors));
	t->res.state = MP_TCP_DONE;
	mp_duration_format(t->res.elapsed_ns / MP_NS_PER_MS * MP_NS_PER_MS, d, sizeof(d));
	mp_info("TCP run done in %s: %u stream%s, sender %.4g Gbit/s, receiver %.4g Gbit/s, "
		"%llu retransmits", d, t->spec.streams, t->spec.streams == 1 ? "" : "s",
		(double)t->res.sender_bps / 1e9, (double)t->res.receiver_bps / 1e9,
		(unsigned long long)t->res.retransmits);
}

/* "exit 1", "signal 9": how a process ended. */
static void status_text(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "status %d", st);
}

/* The last line of a process's stderr, for a reason. */
static void last_line(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);
	const char *p;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	p = s + n;
	while (p > s && p[-1] != '\n')
		p--;
	snprintf(buf, len, "%.*s", (int)(s + n - p), p);
}

static void on_server_exit(struct mp_achild *c, int status, void *arg)
{
	struct mp_tcp *t = arg;
	char st[32], line[160];

	(void)c;
	t->server_ended = 1;
	if (t->phase == PH_SERVER_END) {
		finish(t, NULL);
		return;
	}
	/* With the client running, the server may end first (it ends once it
	 * sent its results): the client's end says how the run went. */
	if (t->phase != PH_LISTEN)
		return;
	status_text(status, st, sizeof(st));
	last_line(mp_achild_stderr(t->server), line, sizeof(line));
	finish(t, "the iperf3 server in namespace %s ended early (%s)%s%s", mp_rxns_name(t->o.rxns),
	       st, *line ? ": " : "", line);
}

static void on_poll(uv_timer_t *h);

static void on_client_exit(struct mp_achild *c, int status, void *arg)
{
	struct mp_tcp *t = arg;
	size_t len;
	int trunc;
	const char *out = mp_achild_stdout(c, &len, &trunc);
	char st[32], line[160];

	if (t->phase != PH_CLIENT)
		return;
	if (trunc) {
		finish(t, "iperf3 printed more than %u bytes", MP_ACHILD_OUT_MAX);
		return;
	}
	/* iperf3 -J says what went wrong in its JSON, even when it exits 1 */
	if (mp_iperf_parse(out, len, t->spec.reverse, &t->res) < 0) {
		char why[sizeof(t->res.reason)];

		snprintf(why, sizeof(why), "%s", t->res.reason);
		status_text(status, st, sizeof(st));
		last_line(mp_achild_stderr(c), line, sizeof(line));
		finish(t, "%s (iperf3 client: %s%s%s)", why, st, *line ? ", " : "", line);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		status_text(status, st, sizeof(st));
		finish(t, "the iperf3 client ended with %s", st);
		return;
	}
	if (t->server_ended) {
		finish(t, NULL);
		return;
	}
	t->phase = PH_SERVER_END;
	t->phase_ns = mp_now_ns();
	uv_timer_start(&t->poll, on_poll, MP_TCP_POLL_MS, MP_TCP_POLL_MS);
}

/* Whether the server (pid) listens on its address and port: its own
 * namespace's /proc/PID/net/tcp lists the socket in state LISTEN. */
static int server_listens(const struct mp_tcp *t)
{
	char path[64], want[32], line[256];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/net/tcp", (int)mp_achild_pid(t->server));
	/* "  0: 0200CA0A:1451 00000000:0000 0A ...": address as the kernel's u32 */
	snprintf(want, sizeof(want), "%08X:%04X", (unsigned)t->spec.dst_ip.s_addr, t->spec.port);
	f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		char local[64], remote[64], state[8];

		if (sscanf(line, " %*[0-9]: %63s %63s %7s", local, remote, state) == 3)
			found = strcmp(local, want) == 0 && strcmp(state, "0A") == 0;
	}
	if (f)
		fclose(f);
	return found;
}

static int start_client(struct mp_tcp *t)
{
	char dst[INET_ADDRSTRLEN], src[INET_ADDRSTRLEN], port[NUM_MAX], dur[NUM_MAX],
	     streams[NUM_MAX], stall[NUM_MAX], err[256];
	/* --rcv-timeout only where the client receives (iperf3 refuses it else) */
	char *argv[] = { t->iperf3, "-c", dst, "-B", src, "-p", port, "-t", dur, "-P", streams,
			 "-J", "-i", "1", "--connect-timeout", stall, "--snd-timeout", stall,
			 t->spec.reverse ? "-R" : NULL, "--rcv-timeout", stall, NULL };
	int rc;

	inet_ntop(AF_INET, &t->spec.dst_ip, dst, sizeof(dst));
	inet_ntop(AF_INET, &t->spec.src_ip, src, sizeof(src));
	snprintf(port, sizeof(port), "%u", t->spec.port);
	snprintf(dur, sizeof(dur), "%u", t->spec.duration_s);
	snprintf(streams, sizeof(streams), "%u", t->spec.streams);
	snprintf(stall, sizeof(stall), "%u", MP_TCP_STALL_MS);
	rc = mp_achild_spawn(t->loop, argv, -1, on_client_exit, t, &t->client, err, sizeof(err));
	if (rc < 0) {
		finish(t, "%s", err);
		return rc;
	}
	t->phase = PH_CLIENT;
	return 0;
}

static void on_poll(uv_timer_t *h)
{
	struct mp_tcp *t = h->data;
	uint64_t waited = mp_now_ns() - t->phase_ns;

	if (t->phase == PH_LISTEN) {
		if (server_listens(t)) {
			uv_timer_stop(&t->poll);
			start_client(t);
		} else if (waited > (uint64_t)MP_TCP_LISTEN_WAIT_MS * MP_NS_PER_MS) {
			finish(t, "the iperf3 server did not listen on port %u within %d ms",
			       t->spec.port, MP_TCP_LISTEN_WAIT_MS);
		}
	} else if (t->phase == PH_SERVER_END &&
		   waited > (uint64_t)MP_TCP_SERVER_END_MS * MP_NS_PER_MS) {
		/* the figures are the client's; a server that lingers is killed */
		mp_debug("the iperf3 server did not end by itself; killed");
		finish(t, NULL);
	}
}

static void on_deadline(uv_timer_t *h)
{
	struct mp_tcp *t = h->data;
	char d[32];

	mp_duration_format(t->spec.timeout_ns, d, sizeof(d));
	finish(t, "iperf3 did not finish within %s (its timeout): the path through the DUT "
	       "stopped, or the run could not end", d);
}

int mp_tcp_start(struct mp_tcp *t, const struct mp_tcp_spec *s, char *err, size_t errlen)
{
	char dst[INET_ADDRSTRLEN], port[NUM_MAX], stall[NUM_MAX];
	char *argv[] = { t->iperf3, "-s", "-1", "-B", dst, "-p", port, "-J",
			 "--snd-timeout", stall, "--rcv-timeout", stall, NULL };
	int rc;

	if (t->phase != PH_IDLE)
		return snprintf(err, errlen, "a TCP run is going on; send tcp_stop first"), -EBUSY;
	memset(&t->res, 0, sizeof(t->res));
	t->spec = *s;
	t->started_ns = t->phase_ns = mp_now_ns();
	t->phase = PH_LISTEN;       /* from here, finish() undoes what was done */
	t->res.state = MP_TCP_RUNNING;
	t->server_ended = 0;
	memset(t->ends, 0, sizeof(t->ends));
	t->ends[0].dev = t->o.dev;
	t->ends[1].dev = mp_rxns_dev(t->o.rxns);
	t->ends[1].in_rx = 1;
	if ((rc = end_setup(t, &t->ends[0], s->src_ip, t->res.dev_offloads,
			    sizeof(t->res.dev_offloads), err, errlen)) < 0 ||
	    (rc = end_setup(t, &t->ends[1], s->dst_ip, t->res.rx_offloads,
			    sizeof(t->res.rx_offloads), err, errlen)) < 0)
		goto fail;
	inet_ntop(AF_INET, &s->dst_ip, dst, sizeof(dst));
	snprintf(port, sizeof(port), "%u", s->port);
	snprintf(stall, sizeof(stall), "%u", MP_TCP_STALL_MS);
	rc = mp_achild_spawn(t->loop, argv, mp_rxns_fd(t->o.rxns), on_server_exit, t, &t->server,
			     err, errlen);
	if (rc < 0)
		goto fail;
	uv_timer_start(&t->deadline, on_deadline, s->timeout_ns / MP_NS_PER_MS, 0);
	uv_timer_start(&t->poll, on_poll, MP_TCP_POLL_MS, MP_TCP_POLL_MS);
	mp_info("TCP run: %u stream%s for %u s%s, %s -> %s port %u, offloads %s, checksum %s "
		"(%s; %s)", s->streams, s->streams == 1 ? "" : "s", s->duration_s,
		s->reverse ? ", reverse" : "", t->ends[0].addr, t->ends[1].addr, s->port,
		mp_tcp_offloads_name(s->offloads), mp_tcp_offloads_name(s->checksum),
		t->res.dev_offloads, t->res.rx_offloads);
	return 0;
fail:
	finish(t, "%s", err);
	t->res.state = MP_TCP_IDLE;   /* refused: no run took place */
	return rc;
}

int mp_tcp_running(const struct mp_tcp *t)
{
	return t->phase != PH_IDLE;
}

void mp_tcp_status(const struct mp_tcp *t, struct mp_tcp_result *r)
{
	*r = t->res;
	if (t->phase != PH_IDLE)
		r->elapsed_ns = mp_now_ns() - t->started_ns;
}

void mp_tcp_stop(struct mp_tcp *t, const char *why)
{
	if (t->phase != PH_IDLE)
		finish(t, "%s", why);
}

int mp_tcp_new(uv_loop_t *loop, const struct mp_tcp_opts *o, struct mp_tcp **out, char *err,
	       size_t errlen)
{
	struct mp_tcp *t;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (mp_achild_which(o->iperf3 ? o->iperf3 : "iperf3", t->iperf3, sizeof(t->iperf3)) < 0) {
		snprintf(err, errlen, "%s not found: TCP through the DUT needs iperf3 (apt-get "
			 "install iperf3)", o->iperf3 ? o->iperf3 : "iperf3");
		free(t);
		return -ENOENT;
	}
	t->loop = loop;
	t->o = *o;
	uv_timer_init(loop, &t->poll);
	uv_timer_init(loop, &t->deadline);
	t->poll.data = t->deadline.data = t;
	t->handles = 2;
	*out = t;
	return 0;
}

static void on_closed(uv_handle_t *h)
{
	struct mp_tcp *t = h->data;

	if (--t->handles == 0)
		free(t);
}

void mp_tcp_close(struct mp_tcp *t)
{
	if (!t || t->closing)
		return;
	mp_tcp_stop(t, "the agent is shutting down");
	t->closing = 1;
	uv_close((uv_handle_t *)&t->poll, on_closed);
	uv_close((uv_handle_t *)&t->deadline, on_closed);
}
