/*
 * loop.c - libuv glue between the sans-I/O engine and the daemon's sockets,
 * timer and log.
 *
 * Everything runs on one thread: a readable socket is drained (a bounded
 * burst, so one busy socket cannot starve the others) into ike_input(),
 * and after every engine call the single timer is moved to the engine's
 * next deadline.  Polling the engine for its deadline, rather than one
 * libuv timer per SA, keeps per-SA memory at zero handles.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/ike/show.h"
#include "net/loop.h"
#include "net/sock.h"

static int log_sinks = LOOP_LOG_STDERR;
static int log_journal;		/* stderr goes to journald: "<N>" prefixes */
static int log_level = IKE_LOG_NOTICE;
static loop_log_tap_fn log_tap;
static void *log_tap_ctx;

/* Lines the tap gets: events always, debug when the sink takes it too. */
static int
tap_level(void)
{
	return log_tap == NULL ? -1 :
	    log_level > IKE_LOG_INFO ? log_level : IKE_LOG_INFO;
}

/* see loop.h */
void
loop_log_set_tap(loop_log_tap_fn fn, void *ctx)
{
	log_tap = fn;
	log_tap_ctx = ctx;
}

/* see loop.h */
int
loop_log_wanted(void)
{
	int t = tap_level();

	return t > log_level ? t : log_level;
}

/* see loop.h */
void
loop_log_open(int sinks)
{
	const char *js = getenv("JOURNAL_STREAM");
	const char *inv = getenv("INVOCATION_ID");

	if ((sinks & LOOP_LOG_SYSLOG) && !(log_sinks & LOOP_LOG_SYSLOG)) {
		openlog("ikd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
	log_sinks = sinks;
	log_journal = (js != NULL && js[0] != '\0') ||
	    (inv != NULL && inv[0] != '\0');
}

/* see loop.h */
void
loop_log_set_level(int level)
{
	log_level = level;
}

/* see loop.h */
int
loop_log_level(void)
{
	return log_level;
}

/* see loop.h */
void
loop_log_line(int level, const char *line)
{
	static const char *names[] = { "error", "warning", "notice", "info",
	    "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE,
	    LOG_INFO, LOG_DEBUG };
	struct timeval tv;
	struct tm tm;
	char ts[32], full[1200];

	if (level > log_level && level > tap_level()) {
		return;
	}
	if (level < 0) {
		level = 0;
	}
	if (level > IKE_LOG_DEBUG) {
		level = IKE_LOG_DEBUG;
	}
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(full, sizeof(full), "%s.%03ld %s: %s", ts,
	    (long)tv.tv_usec / 1000, names[level], line);
	if (level <= tap_level()) {
		log_tap(log_tap_ctx, level, full, line);
	}
	if (level > log_level) {
		return;
	}
	if (log_sinks & LOOP_LOG_SYSLOG) {
		syslog(prio[level], "%s", line);
	}
	if (!(log_sinks & LOOP_LOG_STDERR)) {
		return;
	}
	if (log_journal) {
		/* journald stamps the time itself */
		fprintf(stderr, "<%d>%s: %s\n", prio[level], names[level],
		    line);
		return;
	}
	fprintf(stderr, "%s\n", full);
}

/* see loop.h */
void
loop_logf(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > loop_log_wanted()) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	loop_log_line(level, line);
}

/* see loop.h */
uint64_t
loop_now(struct loop *l)
{
	uv_update_time(l->uv);
	return uv_now(l->uv);
}

static void
timer_cb(uv_timer_t *t)
{
	struct loop *l = t->data;

	if (l->eng != NULL) {
		ike_tick(l->eng, loop_now(l));
	}
	loop_rearm(l);
}

/* see loop.h */
void
loop_rearm(struct loop *l)
{
	uint64_t next, now;

	if (l->eng == NULL) {
		return;
	}
	next = ike_next_timer(l->eng);
	if (next == UINT64_MAX) {
		uv_timer_stop(&l->timer);
		return;
	}
	now = loop_now(l);
	uv_timer_start(&l->timer, timer_cb, next > now ? next - now : 0, 0);
}

/* see loop.h */
int
loop_init(struct loop *l, uv_loop_t *uv)
{
	memset(l, 0, sizeof(*l));
	l->uv = uv;
	l->timer.data = l;
	return uv_timer_init(uv, &l->timer);
}

/* see loop.h */
void
loop_set_engine(struct loop *l, struct ike_engine *eng)
{
	l->eng = eng;
}

static void
sock_cb(uv_poll_t *p, int status, int events)
{
	static uint8_t buf[SOCK_MAX_DGRAM];
	struct loop_sock *s = p->data;
	struct loop *l = s->l;
	struct ike_addr local, peer;

	for (int i = 0; i < LOOP_RX_BURST; i++) {
		ssize_t n = sock_recv(s->fd, s->local.port, buf, sizeof(buf),
		    &local, &peer);

		if (n == -EAGAIN) {
			break;
		}
		if (n < 0) {
			char a[SHOW_ADDR_MAX];

			/* ICMP errors surface here too: not fatal. */
			loop_logf(IKE_LOG_DEBUG, "recv on %s: %s",
			    show_addr(a, sizeof(a), &s->local),
			    strerror((int)-n));
			continue;
		}
		l->rx++;
		if (l->eng != NULL) {
			ike_input(l->eng, &local, &peer, buf, (size_t)n,
			    loop_now(l));
		}
	}
	loop_rearm(l);
}

/*
 * Says once per daemon when the kernel gave an IKE socket less buffer
 * than sock_open() asked (no CAP_NET_ADMIN and a low net.core.rmem_max):
 * the socket works, but a burst of datagrams may overflow it.
 */
static void
buf_check(struct loop *l, int fd, const struct ike_addr *local)
{
	static const struct {
		int opt, want;
		const char *name, *sysctl;
	} b[] = {
		{ SO_RCVBUF, SOCK_RCVBUF, "receive", "rmem_max" },
		{ SO_SNDBUF, SOCK_SNDBUF, "send", "wmem_max" },
	};
	char a[SHOW_ADDR_MAX];

	for (int i = 0; i < 2; i++) {
		int got = sock_get_buf(fd, b[i].opt);

		if (got >= b[i].want || (l->buf_warned & (1 << i))) {
			continue;
		}
		l->buf_warned |= 1 << i;
		loop_logf(IKE_LOG_WARN, "%s buffer of %s is %d bytes, not %d: "
		    "raise net.core.%s (a burst of IKE messages may be lost)",
		    b[i].name, show_addr(a, sizeof(a), local), got, b[i].want,
		    b[i].sysctl);
	}
}

/* see loop.h */
int
loop_listen(struct loop *l, const struct ike_addr *local)
{
	struct loop_sock *s;
	int fd, rc;

	for (int i = 0; i < l->n_socks; i++) {
		if (sock_addr_eq(&l->socks[i].local, local)) {
			return 1;
		}
	}
	if (l->n_socks == LOOP_MAX_SOCKS) {
		return -ENFILE;
	}
	fd = sock_open(local);
	if (fd < 0) {
		return fd;
	}
	buf_check(l, fd, local);
	if (local->port == IKE_NATT_PORT && (rc = sock_espinudp(fd)) < 0) {
		char a[SHOW_ADDR_MAX];

		loop_logf(IKE_LOG_WARN, "%s: no UDP-encapsulated ESP (%s): "
		    "tunnels through a NAT will not carry traffic",
		    show_addr(a, sizeof(a), local), strerror(-rc));
	}
	s = &l->socks[l->n_socks];
	s->l = l;
	s->fd = fd;
	s->local = *local;
	rc = uv_poll_init(l->uv, &s->poll, fd);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	s->poll.data = s;
	rc = uv_poll_start(&s->poll, UV_READABLE, sock_cb);
	if (rc != 0) {
		uv_close((uv_handle_t *)&s->poll, NULL);
		close(fd);
		/* The slot stays unused; its handle closes on the loop. */
		return rc;
	}
	l->n_socks++;
	return 0;
}

static int
same_ip(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->af == b->af && memcmp(a->ip, b->ip, a->af == 4 ? 4 : 16) ==
	    0;
}

/* see loop.h */
void
loop_send(struct loop *l, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len)
{
	struct loop_sock *s = NULL;
	char a[SHOW_ADDR_MAX], b[SHOW_ADDR_MAX];
	int rc;

	for (int i = 0; i < l->n_socks; i++) {
		if (!same_ip(&l->socks[i].local, local)) {
			continue;
		}
		if (s == NULL || l->socks[i].local.port == local->port) {
			s = &l->socks[i];
		}
	}
	/* A VPN without `local`: the wildcard socket of the peer's family. */
	for (int i = 0; s == NULL && i < l->n_socks; i++) {
		static const uint8_t zero[16];

		if (l->socks[i].local.af == peer->af &&
		    memcmp(l->socks[i].local.ip, zero, 16) == 0) {
			s = &l->socks[i];
		}
	}
	if (s == NULL) {
		l->tx_err++;
		loop_logf(IKE_LOG_WARN, "send to %s: no socket on %s",
		    show_addr(b, sizeof(b), peer),
		    show_addr(a, sizeof(a), local));
		return;
	}
	rc = sock_send(s->fd, local, peer, buf, len);
	if (rc < 0) {
		l->tx_err++;
		loop_logf(IKE_LOG_WARN, "send from %s to %s: %s",
		    show_addr(a, sizeof(a), &s->local),
		    show_addr(b, sizeof(b), peer), strerror(-rc));
		return;
	}
	l->tx++;
}

/* see loop.h */
void
loop_close(struct loop *l)
{
	for (int i = 0; i < l->n_socks; i++) {
		uv_poll_stop(&l->socks[i].poll);
		uv_close((uv_handle_t *)&l->socks[i].poll, NULL);
		close(l->socks[i].fd);
	}
	l->n_socks = 0;
	uv_timer_stop(&l->timer);
	uv_close((uv_handle_t *)&l->timer, NULL);
}
