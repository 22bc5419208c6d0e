/*
 * keepalive_pinger.c - the `keepalive-pinger` applet: the how-to's cron
 * ping, built in, and a watcher that restarts silent tunnels.
 *
 * One-shot (`-I SRC [-c N] [-i S] [-w S] [-W S] [-q] DEST`) behaves like
 * ping(8) for the options it takes, so `keepalive-pinger` can replace
 * `ping` in the how-to's cron line; exit 0 when a reply came back, 1 when
 * none did, 2 on bad arguments or when it cannot ping at all.  Watch mode
 * (`-f FILE [-s SOCKET] [-D]`) pings, for every VPN with a [keepalive]
 * section, its target from its source once per interval, logs when a
 * tunnel stops and starts answering again, and after fail_after misses
 * asks ikd over the control socket to reset that VPN ("reset vpn NAME",
 * what `ikectl reset vpn NAME` sends).  The schedules and the state
 * machine are core/keepalive/keepalive.c's; this file only does the I/O and the
 * words.  See docs/keepalive.md.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "applets/applets.h"
#include "core/cfg/cfg.h"
#include "core/keepalive/keepalive.h"
#include "net/ctl.h"
#include "net/icmp.h"

#define KP "keepalive-pinger"
#define KP_MAX_SECONDS 2147483	/* ping's limit for -w; ours for -i, -W */
#define KP_MIN_USER_INTERVAL 200	/* ms: ping's floor for non-root */

/* see applets.h */
void
keepalive_pinger_usage(FILE *out)
{
	fprintf(out,
	    "usage: keepalive-pinger -I SRC [-c COUNT] [-i INTERVAL] "
	    "[-w DEADLINE] [-W TIMEOUT] [-q] [-f FILE] DEST\n"
	    "       keepalive-pinger -f FILE [-s SOCKET] [-D]\n"
	    "one-shot, like ping: ICMP echo from SRC to DEST\n"
	    "  -I SRC       source address (one of this machine's, inside a "
	    "flow's local side)\n"
	    "  -c COUNT     stop after COUNT echoes (with -w: COUNT replies)\n"
	    "  -i INTERVAL  seconds between echoes, fractions allowed "
	    "(default 1)\n"
	    "  -w DEADLINE  stop after DEADLINE seconds, whatever else\n"
	    "  -W TIMEOUT   seconds to wait for a reply after the last echo "
	    "(default 10)\n"
	    "  -q           print only the summary\n"
	    "  -f FILE      warn when SRC -> DEST is in no flow of FILE's VPNs "
	    "(default %s, when it exists)\n"
	    "  exit: 0 a reply came back, 1 none did, 2 bad arguments or "
	    "cannot ping\n"
	    "watch mode: every VPN of FILE with a [keepalive] section\n"
	    "  -f FILE      configuration (ikd's)\n"
	    "  -s SOCKET    ikd's control socket (default: FILE's `socket`)\n"
	    "  -D           detach and log to syslog (default: foreground, "
	    "stderr)\n",
	    CFG_DEFAULT_FILE);
}

/* ---- small helpers ------------------------------------------------------ */

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
bad_arg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, KP ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 2;
}

static int
parse_secs(const char *opt, const char *val, uint64_t *ms)
{
	if (ka_parse_ms(val, (uint64_t)KP_MAX_SECONDS * 1000, ms) != 0 ||
	    *ms == 0) {
		return bad_arg("%s: expected seconds above 0, up to %d, "
		    "fractions to the millisecond ('%s')", opt, KP_MAX_SECONDS,
		    val);
	}
	return 0;
}

/* ---- one-shot ----------------------------------------------------------- */

static volatile sig_atomic_t stop_flag;

static void
on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/*
 * The warning of the "target inside no flow": only a warning,
 * for the user may ping on purpose outside any tunnel.  The check needs a
 * configuration; without one (or with a broken one) it says why it
 * cannot check rather than stay silent.
 */
static void
check_flows(const char *conf, int explicit, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst)
{
	struct cfg *cfg = NULL;
	struct cfg_diag diag = { 0 };
	const struct cfg_vpn *v, *near;
	char s[64], d[64];

	if (!explicit && access(conf, F_OK) != 0) {
		return;
	}
	if (cfg_load(conf, &cfg, &diag) != 0) {
		fprintf(stderr, KP ": warning: cannot check that %s -> %s "
		    "enters a tunnel: %s does not load (cfgcheck -f %s says "
		    "why)\n", icmp_ntop(src, s, sizeof(s)),
		    icmp_ntop(dst, d, sizeof(d)), conf, conf);
		cfg_diag_free(&diag);
		return;
	}
	cfg_diag_free(&diag);
	v = ka_flow_find(cfg, src, dst, &near);
	if (v == NULL && near != NULL) {
		fprintf(stderr, KP ": warning: %s is inside no flow of VPN "
		    "%s: the pings from %s would not enter the tunnel\n",
		    icmp_ntop(dst, d, sizeof(d)), near->name,
		    icmp_ntop(src, s, sizeof(s)));
	} else if (v == NULL) {
		fprintf(stderr, KP ": warning: no VPN in %s has a flow from %s "
		    "to %s: the pings would not enter a tunnel\n", conf,
		    icmp_ntop(src, s, sizeof(s)), icmp_ntop(dst, d, sizeof(d)));
	}
	cfg_free(cfg);
}

/*
 * 100 * lost / sent as ping prints it (printf's %g: six significant digits,
 * no trailing zeros), in integers: the soft-float routers ikebox runs on
 * have no FPU, and this is the only fraction it prints.
 */
static void
loss_pct(char *buf, size_t len, uint64_t lost, uint64_t sent)
{
	uint64_t pow = 10000, ip, scaled, rem;
	int dec = 4, n;

	if (sent == 0 || lost == 0 || lost >= sent) {
		snprintf(buf, len, "%d", sent && lost >= sent ? 100 : 0);
		return;
	}
	ip = 100 * lost / sent;		/* 0..99 */
	if (ip < 10) {
		dec++, pow *= 10;
	}
	if (ip == 0) {
		/* below 1%: one more decimal, and one per leading zero */
		dec++, pow *= 10;
		for (uint64_t t = 100 * lost; t * 10 < sent && dec < 10;
		    t *= 10) {
			dec++, pow *= 10;
		}
	}
	/* rounded half to even, as printf does */
	scaled = 100 * lost * pow / sent;
	rem = 100 * lost * pow % sent;
	if (2 * rem > sent || (2 * rem == sent && scaled % 2 == 1)) {
		scaled++;
	}
	n = snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(scaled / pow),
	    dec, (unsigned long long)(scaled % pow));
	while (n > 0 && (size_t)n < len && buf[n - 1] == '0') {
		buf[--n] = '\0';
	}
	if (n > 0 && (size_t)n < len && buf[n - 1] == '.') {
		buf[--n] = '\0';
	}
}

/* microseconds as milliseconds with three decimals (%.3f of us / 1000) */
#define MS3(us) (unsigned long long)((us) / 1000), \
	(unsigned long long)((us) % 1000)

static void
print_summary(const struct ka_ping *p, const char *dst, uint64_t elapsed_us)
{
	char loss[32];

	loss_pct(loss, sizeof(loss), p->sent - (p->received > p->sent ?
	    p->sent : p->received), p->sent);
	printf("\n--- %s ping statistics ---\n", dst);
	printf("%u packets transmitted, %u received, %s%% packet loss, "
	    "time %llums\n", p->sent, p->received, loss,
	    (unsigned long long)(elapsed_us / 1000));
	if (p->received > 0) {
		uint64_t avg = (p->rtt_sum_us + p->received / 2) / p->received;

		printf("rtt min/avg/max = %llu.%03llu/%llu.%03llu/%llu.%03llu "
		    "ms\n", MS3((uint64_t)p->rtt_min_us), MS3(avg),
		    MS3((uint64_t)p->rtt_max_us));
	}
}

struct oneshot {
	struct sockaddr_storage src, dst;
	uint32_t count;
	uint64_t interval_ms, deadline_ms, linger_ms;
	int quiet;
};

static int
oneshot_run(const struct oneshot *o)
{
	static uint8_t seen[65536 / 8];
	struct icmp_sock s;
	struct ka_ping p;
	struct sigaction sa;
	char err[256], d[64], sname[64];
	uint64_t t0, now, wait_ms;
	int rc, last_err = 0;

	rc = icmp_open(&s, &o->src, &o->dst, (uint16_t)getpid(), err,
	    sizeof(err));
	if (rc < 0) {
		return bad_arg("%s", err);
	}
	icmp_ntop(&o->dst, d, sizeof(d));
	printf("PING %s (%s) from %s : %d(%d) bytes of data.\n", d, d,
	    icmp_ntop(&o->src, sname, sizeof(sname)), KA_ECHO_DATA,
	    KA_ECHO_LEN + (o->dst.ss_family == AF_INET ? 20 : 40));
	fflush(stdout);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(seen, 0, sizeof(seen));
	ka_ping_init(&p, o->count, o->interval_ms, o->deadline_ms,
	    o->linger_ms);
	t0 = mono_us();
	while (!stop_flag) {
		struct pollfd pfd = { s.fd, POLLIN, 0 };
		int step;

		now = mono_us();
		step = ka_ping_step(&p, (now - t0) / 1000, &wait_ms);
		if (step == KA_PING_DONE) {
			break;
		}
		if (step == KA_PING_SEND) {
			/* The sequence wraps after 65535: forget the old. */
			seen[(uint16_t)p.sent / 8] &=
			    (uint8_t)~(1u << ((uint16_t)p.sent % 8));
			rc = icmp_send(&s, (uint16_t)p.sent, now);
			if (rc < 0 && rc != last_err) {
				fprintf(stderr, KP ": send to %s: %s\n", d,
				    strerror(-rc));
			}
			last_err = rc;
			continue;
		}
		if (poll(&pfd, 1, wait_ms > 60000 ? 60000 : (int)wait_ms) <=
		    0) {
			continue;
		}
		for (;;) {
			struct ka_echo e;
			uint64_t rtt;

			rc = icmp_recv(&s, &e);
			if (rc == -EAGAIN || (rc < 0 && rc != -EBADMSG)) {
				break;
			}
			if (rc < 0 || (p.sent <= UINT16_MAX && (e.seq == 0 ||
			    e.seq > p.sent)) ||
			    (seen[e.seq / 8] & (1u << (e.seq % 8)))) {
				continue;
			}
			seen[e.seq / 8] |= (uint8_t)(1u << (e.seq % 8));
			now = mono_us();
			rtt = now > e.sent_us ? now - e.sent_us : 0;
			ka_ping_reply(&p, rtt);
			if (!o->quiet) {
				printf("%d bytes from %s: icmp_seq=%u", 8 +
				    KA_ECHO_DATA, d, e.seq);
				if (e.ttl >= 0) {
					printf(" ttl=%d", e.ttl);
				}
				printf(" time=%llu.%03llu ms\n", MS3(rtt));
				fflush(stdout);
			}
		}
	}
	print_summary(&p, d, mono_us() - t0);
	icmp_close(&s);
	return ka_ping_status(&p);
}

/* ---- watch mode --------------------------------------------------------- */

static int log_to_syslog;

static void kp_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
kp_log(int prio, const char *fmt, ...)
{
	char line[512], ts[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_to_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: %s\n", ts, (long)tv.tv_usec / 1000,
	    prio <= LOG_WARNING ? "warning" : "info", line);
}

struct watcher {
	uv_timer_t timer;
	uv_poll_t poll;
	struct icmp_sock s;
	struct ka_watch w;
	const struct cfg_vpn *vpn;
	const char *sock;	/* ikd's control socket */
	char target[64];
	int last_err;		/* last send error logged, 0 none */
};

static void
ask_reset(struct watcher *x)
{
	char cmd[16 + CFG_NAME_MAX], *body = NULL;
	size_t blen = 0;
	int rc, status = CTL_FAILED;

	kp_log(LOG_WARNING, "%s: asking ikd to reset the VPN", x->vpn->name);
	snprintf(cmd, sizeof(cmd), "reset vpn %s", x->vpn->name);
	rc = ctl_call(x->sock, cmd, &status, &body, &blen);
	if (rc == -EPROTO) {
		kp_log(LOG_WARNING, "%s: no valid reply from ikd on %s",
		    x->vpn->name, x->sock);
	} else if (rc < 0) {
		kp_log(LOG_WARNING, "%s: cannot ask ikd to reset the VPN: no "
		    "ikd running on %s: %s", x->vpn->name, x->sock,
		    strerror(-rc));
	} else if (status != CTL_OK) {
		while (blen > 0 && body[blen - 1] == '\n') {
			body[--blen] = '\0';
		}
		kp_log(LOG_WARNING, "%s: ikd did not reset the VPN: %s",
		    x->vpn->name, blen ? body : "failed");
	} else {
		kp_log(LOG_INFO, "%s: ikd reset the VPN", x->vpn->name);
	}
	free(body);
}

static void
watch_timer_cb(uv_timer_t *t)
{
	struct watcher *x = t->data;
	uint16_t seq;
	unsigned ev = ka_watch_tick(&x->w, &seq);
	int rc;

	if (ev & KA_EV_DOWN) {
		kp_log(LOG_WARNING, "%s: tunnel down: no reply from %s (%u "
		    "missed)", x->vpn->name, x->target, x->w.missed);
	} else if (ev & KA_EV_RESET) {
		kp_log(LOG_WARNING, "%s: still down: no reply from %s (%u "
		    "missed)", x->vpn->name, x->target, x->w.missed);
	}
	if (ev & KA_EV_RESET) {
		ask_reset(x);
	}
	rc = icmp_send(&x->s, seq, mono_us());
	if (rc < 0 && rc != x->last_err) {
		kp_log(LOG_WARNING, "%s: cannot send to %s: %s",
		    x->vpn->name, x->target, strerror(-rc));
	}
	x->last_err = rc;
}

static void
watch_poll_cb(uv_poll_t *h, int status, int events)
{
	struct watcher *x = h->data;
	struct ka_echo e;
	uint32_t missed;
	unsigned ev;
	int rc;

	if (status < 0) {
		return;
	}
	while ((rc = icmp_recv(&x->s, &e)) != -EAGAIN) {
		if (rc < 0 && rc != -EBADMSG) {
			break;
		}
		if (rc < 0) {
			continue;
		}
		missed = x->w.missed;
		ev = ka_watch_reply(&x->w, e.seq);
		if (ev & KA_EV_UP) {
			kp_log(LOG_INFO, "%s: tunnel up: reply from %s",
			    x->vpn->name, x->target);
		}
		if (ev & KA_EV_UP_AGAIN) {
			kp_log(LOG_WARNING, "%s: tunnel up again: reply from "
			    "%s after %u missed", x->vpn->name, x->target,
			    missed);
		}
	}
}

static uv_loop_t *watch_loop;

static void
watch_signal_cb(uv_signal_t *s, int signum)
{
	kp_log(LOG_INFO, "stopping (signal %d)", signum);
	uv_stop(watch_loop);
}

static void
close_cb(uv_handle_t *h)
{
	(void)h;
}

static int
watch_run(const char *conf, const char *sock, int detach)
{
	struct cfg *cfg = NULL;
	struct cfg_diag diag = { 0 };
	struct watcher *xs = NULL;
	uv_loop_t loop;
	uv_signal_t sig_term, sig_int;
	size_t n = 0;
	char err[256], src[64];
	int rc;

	rc = cfg_load(conf, &cfg, &diag);
	cfg_diag_print(stderr, &diag);
	cfg_diag_free(&diag);
	if (rc != 0) {
		return bad_arg("%s: not loaded, nothing watched", conf);
	}
	if (sock == NULL) {
		sock = cfg->socket;
	}
	xs = calloc(cfg->n_vpns ? cfg->n_vpns : 1, sizeof(*xs));
	if (xs == NULL) {
		cfg_free(cfg);
		return bad_arg("out of memory");
	}
	for (size_t i = 0; i < cfg->n_vpns; i++) {
		const struct cfg_vpn *v = &cfg->vpns[i];
		struct watcher *x = &xs[n];

		if (v->keepalive == NULL) {
			continue;
		}
		x->vpn = v;
		x->sock = sock;
		icmp_ntop(&v->keepalive->target, x->target,
		    sizeof(x->target));
		rc = icmp_open(&x->s, &v->keepalive->source,
		    &v->keepalive->target, (uint16_t)(getpid() + i), err,
		    sizeof(err));
		if (rc < 0) {
			for (size_t j = 0; j < n; j++) {
				icmp_close(&xs[j].s);
			}
			free(xs);
			bad_arg("%s: %s", v->name, err);
			cfg_free(cfg);
			return 2;
		}
		ka_watch_init(&x->w, v->keepalive->fail_after,
		    v->keepalive->interval);
		n++;
	}
	if (n == 0) {
		free(xs);
		cfg_free(cfg);
		return bad_arg("no VPN in %s has a [keepalive] section: "
		    "nothing to watch", conf);
	}
	/* Everything that can fail on the user's input failed above, on
	 * the terminal; libuv starts after the fork. */
	if (detach) {
		/* nochdir: a relative -s SOCKET keeps working. */
		if (daemon(1, 0) != 0) {
			return bad_arg("cannot detach: %s", strerror(errno));
		}
		openlog(KP, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_to_syslog = 1;
	}
	uv_loop_init(&loop);
	watch_loop = &loop;
	for (size_t i = 0; i < n; i++) {
		struct watcher *x = &xs[i];
		const struct cfg_keepalive *ka = x->vpn->keepalive;

		kp_log(LOG_INFO, "%s: watching: ping %s from %s every %u s, "
		    "reset after %u missed (ikd on %s)", x->vpn->name,
		    x->target, icmp_ntop(&ka->source, src, sizeof(src)),
		    ka->interval, ka->fail_after, sock);
		uv_timer_init(&loop, &x->timer);
		x->timer.data = x;
		uv_poll_init(&loop, &x->poll, x->s.fd);
		x->poll.data = x;
		uv_poll_start(&x->poll, UV_READABLE, watch_poll_cb);
		uv_timer_start(&x->timer, watch_timer_cb, 0,
		    (uint64_t)ka->interval * 1000);
	}
	uv_signal_init(&loop, &sig_term);
	uv_signal_init(&loop, &sig_int);
	uv_signal_start(&sig_term, watch_signal_cb, SIGTERM);
	uv_signal_start(&sig_int, watch_signal_cb, SIGINT);
	uv_run(&loop, UV_RUN_DEFAULT);
	for (size_t i = 0; i < n; i++) {
		uv_close((uv_handle_t *)&xs[i].timer, close_cb);
		uv_close((uv_handle_t *)&xs[i].poll, close_cb);
	}
	uv_close((uv_handle_t *)&sig_term, close_cb);
	uv_close((uv_handle_t *)&sig_int, close_cb);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	for (size_t i = 0; i < n; i++) {
		icmp_close(&xs[i].s);
	}
	free(xs);
	cfg_free(cfg);
	return 0;
}

/* ---- options ------------------------------------------------------------ */

/* see applets.h */
int
keepalive_pinger_main(int argc, char **argv)
{
	struct oneshot o = { .interval_ms = 1000, .linger_ms = 10000 };
	const char *conf = NULL, *sock = NULL, *src = NULL, *oneshot_opt = NULL;
	int c, detach = 0;
	char *end;
	unsigned long ul;

	if (applet_wants_help(argc, argv)) {
		keepalive_pinger_usage(stdout);
		return 0;
	}
	opterr = 0;
	while ((c = getopt(argc, argv, ":I:c:i:w:W:qf:s:D")) != -1) {
		switch (c) {
		case 'I':
			src = optarg;
			oneshot_opt = "-I";
			break;
		case 'c':
			errno = 0;
			ul = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' ||
			    *end != '\0' || errno != 0 || ul == 0 ||
			    ul > UINT32_MAX) {
				return bad_arg("-c: expected a count above 0 "
				    "('%s')", optarg);
			}
			o.count = (uint32_t)ul;
			oneshot_opt = "-c";
			break;
		case 'i':
			if (parse_secs("-i", optarg, &o.interval_ms) != 0) {
				return 2;
			}
			if (o.interval_ms < KP_MIN_USER_INTERVAL &&
			    geteuid() != 0) {
				return bad_arg("-i: below 0.2 s only root may "
				    "ping (as with ping) ('%s')", optarg);
			}
			oneshot_opt = "-i";
			break;
		case 'w':
			if (parse_secs("-w", optarg, &o.deadline_ms) != 0) {
				return 2;
			}
			oneshot_opt = "-w";
			break;
		case 'W':
			if (parse_secs("-W", optarg, &o.linger_ms) != 0) {
				return 2;
			}
			oneshot_opt = "-W";
			break;
		case 'q':
			o.quiet = 1;
			oneshot_opt = "-q";
			break;
		case 'f':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'D':
			detach = 1;
			break;
		case ':':
			keepalive_pinger_usage(stderr);
			return bad_arg("-%c needs a value", optopt);
		default:
			keepalive_pinger_usage(stderr);
			return bad_arg("unknown option -%c", optopt);
		}
	}
	if (optind < argc) {
		if (argc - optind > 1) {
			return bad_arg("one DEST only ('%s')",
			    argv[optind + 1]);
		}
		if (detach || sock != NULL) {
			return bad_arg("%s: only in watch mode (-f FILE "
			    "without DEST)", detach ? "-D" : "-s");
		}
		if (src == NULL) {
			return bad_arg("-I SRC is needed: the pings must leave "
			    "from an address of the local side of a flow, or "
			    "they do not enter the tunnel");
		}
		if (cfg_parse_addr(src, &o.src) != 0) {
			return bad_arg("-I: expected an IPv4 or IPv6 address "
			    "('%s')", src);
		}
		if (cfg_parse_addr(argv[optind], &o.dst) != 0) {
			return bad_arg("DEST: expected an IPv4 or IPv6 address "
			    "('%s')", argv[optind]);
		}
		if (o.src.ss_family != o.dst.ss_family) {
			return bad_arg("-I %s and DEST %s: not of the same "
			    "address family", src, argv[optind]);
		}
		check_flows(conf ? conf : CFG_DEFAULT_FILE, conf != NULL,
		    &o.src, &o.dst);
		return oneshot_run(&o);
	}
	if (conf == NULL) {
		keepalive_pinger_usage(stderr);
		return bad_arg("give DEST (one-shot) or -f FILE (watch mode)");
	}
	if (oneshot_opt != NULL) {
		return bad_arg("%s: only for a one-shot ping (with DEST); "
		    "watch mode takes its settings from [keepalive]",
		    oneshot_opt);
	}
	return watch_run(conf, sock, detach);
}
