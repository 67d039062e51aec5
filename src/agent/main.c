/* mir-perf-agent: the traffic generator's control-channel server, or with
 * `send` as first argument a one-shot sender (agent/send.h).
 * Start-up is a chain of steps that stops at the first error; teardown runs
 * in reverse order. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "agent/engine.h"
#include "agent/recv.h"
#include "agent/rxns.h"
#include "agent/send.h"
#include "agent/server.h"
#include "common/auth.h"
#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/proto.h"
#include "version.h"

#define PROG "mir-perf-agent"
#define ERR_MAX 512

struct opts {
	struct sockaddr_in listen;
	int have_listen;
	const char *token_file;
	const char *dev;
	const char *rx_dev;
	const char *rx_netns;
	const char *iperf3;
	const char *engine;
	const char *pktgen_root;
	uint64_t deadman_ns;
	uint64_t max_pps;
	int listen_any;
	int verbose;
};

struct agent {
	uv_loop_t loop;
	uv_signal_t sigs[2];
	struct mp_server *srv;
	struct mp_tcp *tcp;
	int stopping;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --listen ADDR:PORT --token-file FILE --dev IF [options]\n"
		"       " PROG " send ...   (one-shot traffic, see '" PROG " send --help')\n"
		"       " PROG " recv ...   (one-shot receiver, see '" PROG " recv --help')\n"
		"\n"
		"Serves the mir-perf control channel (docs/protocol.md) and sends the\n"
		"traffic the controller asks for, on IF only.\n"
		"\n"
		"  --listen ADDR:PORT   IPv4 address of the control interface and TCP port\n"
		"                       (port 0: any free port, logged at start)\n"
		"  --token-file FILE    shared secret, 16 bytes or more, mode 600\n"
		"  --dev IF             the only interface traffic may be sent on\n"
		"  --rx-dev IF          receive what the DUT forwards on IF: loss by sequence,\n"
		"                       reordering, duplicates, latency (optional)\n"
		"  --rx-netns NAME      move IF into network namespace NAME (made if absent),\n"
		"                       so that only the DUT joins it to --dev: TCP through\n"
		"                       the DUT with iperf3 runs between the two (optional)\n"
		"  --iperf3 PATH        the iperf3 program (default: iperf3 in PATH)\n"
		"  --engine KIND        the traffic engine (default %s), one of:\n",
		mp_engines[MP_ENGINE_AUTO].name);
	mp_engine_help(f, "                         ");
	fprintf(f,
		"  --pktgen-root DIR    pktgen's control files (default /proc/net/pktgen)\n"
		"  --deadman DURATION   stop traffic when the controller is silent this long\n"
		"                       (default 3s)\n"
		"  --max-pps N          highest packet rate accepted (default %llu)\n"
		"  --listen-any         allow --listen 0.0.0.0 (every interface)\n"
		"  --verbose            debug logging\n"
		"  --help               this text\n",
		(unsigned long long)MP_SERVER_MAX_PPS_DEFAULT);
}

static int parse_listen(const char *s, struct sockaddr_in *sin)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;
	size_t n;

	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > UINT16_MAX || colon[1] == '-' || colon[1] == '+')
		return -EINVAL;
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Returns -1 to continue, or an exit code. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_LISTEN = 256, O_TOKEN, O_DEV, O_RXDEV, O_RXNS, O_IPERF3, O_ENGINE, O_PKTGEN, O_DEADMAN,
	       O_MAXPPS, O_ANY, O_VERBOSE, O_HELP };
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "token-file", required_argument, NULL, O_TOKEN },
		{ "dev", required_argument, NULL, O_DEV },
		{ "rx-dev", required_argument, NULL, O_RXDEV },
		{ "rx-netns", required_argument, NULL, O_RXNS },
		{ "iperf3", required_argument, NULL, O_IPERF3 },
		{ "engine", required_argument, NULL, O_ENGINE },
		{ "pktgen-root", required_argument, NULL, O_PKTGEN },
		{ "deadman", required_argument, NULL, O_DEADMAN },
		{ "max-pps", required_argument, NULL, O_MAXPPS },
		{ "listen-any", no_argument, NULL, O_ANY },
		{ "verbose", no_argument, NULL, O_VERBOSE },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->engine = mp_engines[MP_ENGINE_AUTO].name;
	o->deadman_ns = MP_SERVER_DEADMAN_DEFAULT_NS;
	o->max_pps = MP_SERVER_MAX_PPS_DEFAULT;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_LISTEN:
			if (parse_listen(optarg, &o->listen) < 0) {
				mp_err("--listen %s: expected IPV4-ADDRESS:PORT, e.g. 10.0.0.2:7000", optarg);
				return MP_EXIT_USAGE;
			}
			o->have_listen = 1;
			break;
		case O_TOKEN: o->token_file = optarg; break;
		case O_DEV: o->dev = optarg; break;
		case O_RXDEV: o->rx_dev = optarg; break;
		case O_RXNS: o->rx_netns = optarg; break;
		case O_IPERF3: o->iperf3 = optarg; break;
		case O_ENGINE: o->engine = optarg; break;
		case O_PKTGEN: o->pktgen_root = optarg; break;
		case O_DEADMAN:
			if (mp_duration_parse(optarg, &o->deadman_ns) < 0 || o->deadman_ns == 0) {
				mp_err("--deadman %s: expected a positive duration such as 3s or 500ms", optarg);
				return MP_EXIT_USAGE;
			}
			break;
		case O_MAXPPS:
			if (parse_u64(optarg, MP_PROTO_INT_MAX, &o->max_pps) < 0 || o->max_pps == 0) {
				mp_err("--max-pps %s: expected a positive number of packets per second", optarg);
				return MP_EXIT_USAGE;
			}
			break;
		case O_ANY: o->listen_any = 1; break;
		case O_VERBOSE: o->verbose = 1; break;
		case O_HELP: usage(stdout); return MP_EXIT_OK;
		default:
			mp_err("unknown or incomplete option %s; see --help", argv[optind - 1]);
			return MP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		mp_err("unexpected argument '%s'; see --help", argv[optind]);
		return MP_EXIT_USAGE;
	}
	if (!o->have_listen || !o->token_file || !o->dev) {
		mp_err("--listen, --token-file and --dev are required; see --help");
		return MP_EXIT_USAGE;
	}
	if (o->listen.sin_addr.s_addr == htonl(INADDR_ANY) && !o->listen_any) {
		mp_err("--listen 0.0.0.0 would accept controllers on every interface, data ones "
		       "included; give the control interface's address, or add --listen-any");
		return MP_EXIT_USAGE;
	}
	if (strlen(o->dev) >= IFNAMSIZ || if_nametoindex(o->dev) == 0) {
		mp_err("--dev %s: no such interface here (ip link shows the interfaces)", o->dev);
		return MP_EXIT_ENV;
	}
	if (o->rx_netns && !o->rx_dev) {
		mp_err("--rx-netns needs --rx-dev: the interface that goes into the namespace");
		return MP_EXIT_USAGE;
	}
	if (o->rx_dev && (strlen(o->rx_dev) >= IFNAMSIZ ||
			  (if_nametoindex(o->rx_dev) == 0 &&
			   !(o->rx_netns && mp_rxns_has_dev(o->rx_netns, o->rx_dev))))) {
		mp_err("--rx-dev %s: no such interface here (ip link shows the interfaces)", o->rx_dev);
		return MP_EXIT_ENV;
	}
	if (o->rx_dev && strcmp(o->rx_dev, o->dev) == 0) {
		mp_err("--rx-dev %s is also --dev: the receiver needs the interface where the DUT "
		       "forwards, not the one traffic is sent on", o->rx_dev);
		return MP_EXIT_USAGE;
	}
	return -1;
}

static void on_handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void on_server_closed(void *arg)
{
	struct agent *a = arg;

	a->srv = NULL;
	mp_tcp_close(a->tcp);       /* stopped with the server; its handles close */
	a->tcp = NULL;
	for (int i = 0; i < 2; i++)
		uv_close((uv_handle_t *)&a->sigs[i], on_handle_closed);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct agent *a = h->data;

	if (a->stopping)
		return;
	a->stopping = 1;
	mp_info("received %s; stopping traffic and exiting",
		signum == SIGTERM ? "SIGTERM" : signum == SIGINT ? "SIGINT" : strsignal(signum));
	if (a->srv)
		mp_server_close(a->srv, on_server_closed, a);
	else
		on_server_closed(a);
}

/* The receiver, its socket opened where its interface lives (the
 * receiving side's namespace, with --rx-netns). */
static int open_receiver(const struct opts *o, const struct mp_rxns *rxns,
			 struct mp_receiver **out, char *err, size_t errlen)
{
	int back = -1, rc = rxns ? mp_rxns_enter(rxns, &back) : 0;

	if (rc < 0) {
		snprintf(err, errlen, "cannot enter namespace %s: %s", o->rx_netns,
			 mp_strerror(rc));
		return rc;
	}
	rc = mp_receiver_open(o->rx_dev, out, err, errlen);
	mp_rxns_leave(&back);
	return rc;
}

/* Start-up is a chain that stops at the first failure, saying why;
 * teardown undoes it in reverse from wherever it stopped. */
static int serve(const struct opts *o)
{
	static const int signums[2] = { SIGINT, SIGTERM };
	struct mp_server_opts so = { 0 };
	struct mp_auth_token *token = NULL;
	struct mp_engine *engine = NULL;
	struct mp_receiver *receiver = NULL;
	struct mp_rxns *rxns = NULL;
	struct agent a = { 0 };
	char err[ERR_MAX] = "";
	int rc, left, nsigs = 0, code = MP_EXIT_ENV;

	if ((rc = mp_auth_token_load(o->token_file, &token, err, sizeof(err))) < 0) {
		mp_err("%s", err);
		return MP_EXIT_USAGE;
	}
	if ((rc = mp_engine_create(o->engine, o->pktgen_root, &engine, err, sizeof(err))) < 0) {
		mp_err("engine %s: %s", o->engine, err);
		goto no_engine;
	}
	if (o->rx_netns && (rc = mp_rxns_open(o->rx_netns, o->rx_dev, &rxns, err, sizeof(err))) < 0) {
		mp_err("receiving side: %s", err);
		goto no_rxns;
	}
	if (o->rx_dev && (rc = open_receiver(o, rxns, &receiver, err, sizeof(err))) < 0) {
		mp_err("receiver: %s", err);
		goto no_receiver;
	}
	if ((rc = uv_loop_init(&a.loop)) < 0) {
		mp_err("cannot start the event loop: %s", mp_strerror(rc));
		goto no_loop;
	}
	if (rxns) {
		struct mp_tcp_opts to = { .dev = o->dev, .rxns = rxns, .iperf3 = o->iperf3 };

		/* Without iperf3 the agent serves all else; hello says no TCP. */
		if (mp_tcp_new(&a.loop, &to, &a.tcp, err, sizeof(err)) < 0)
			mp_warn("TCP through the DUT unavailable: %s", err);
		err[0] = '\0';
	}
	for (; nsigs < 2; nsigs++) {
		if ((rc = uv_signal_init(&a.loop, &a.sigs[nsigs])) < 0)
			goto no_server;
		a.sigs[nsigs].data = &a;
		if ((rc = uv_signal_start(&a.sigs[nsigs], on_signal, signums[nsigs])) < 0) {
			nsigs++;
			goto no_server;
		}
	}
	so.listen = o->listen;
	so.receiver = receiver;
	so.rx_dev = o->rx_dev;
	so.tcp = a.tcp;
	so.rx_netns = o->rx_netns;
	so.dev = o->dev;
	so.max_pps = o->max_pps;
	so.deadman_ns = o->deadman_ns;
	so.token = token;
	so.engine = engine;
	so.agent_version = MP_VERSION;
	if ((rc = mp_server_start(&a.loop, &so, &a.srv, err, sizeof(err))) < 0) {
		mp_err("%s", err);
		goto no_server;
	}
	/* Until a signal closes the server, and the server the signals. */
	uv_run(&a.loop, UV_RUN_DEFAULT);
	code = MP_EXIT_OK;
	goto closing;
no_server:
	if (rc < 0 && !err[0])
		mp_err("cannot watch for signals: %s", mp_strerror(rc));
	for (int i = 0; i < nsigs; i++)
		uv_close((uv_handle_t *)&a.sigs[i], on_handle_closed);
	mp_tcp_close(a.tcp);
	a.tcp = NULL;
closing:
	if ((left = mp_loop_close(&a.loop)) != 0)
		mp_warn("the event loop closed with %d handle(s) left open (a bug: see above)",
			left);
no_loop:
	mp_receiver_close(receiver);
no_receiver:
	mp_rxns_close(rxns);
no_rxns:
	mp_engine_destroy(engine);
no_engine:
	mp_auth_token_free(token);
	return code;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc;

	if (argc > 1 && strcmp(argv[1], "send") == 0)
		return mp_send_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "recv") == 0)
		return mp_recv_main(argc - 1, argv + 1);
	mp_log_init(PROG, MP_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.verbose)
		mp_log_set_level(MP_LOG_DEBUG);
	return serve(&o);
}
