/*
 * loop.h - the engine on a libuv loop: IKE sockets, the engine timer, and
 * the daemon's log sink.
 *
 * struct loop owns one UDP socket per local address and port (net/sock.h)
 * watched with uv_poll_t, feeds every datagram to ike_input(), and keeps one
 * uv_timer_t armed at ike_next_timer().  Engine time is uv_now(): monotonic
 * milliseconds.  Call loop_rearm() after any call into the engine made from
 * outside the loop's own callbacks (control commands, signals).
 */
#ifndef IKEBOX_NET_LOOP_H
#define IKEBOX_NET_LOOP_H

#include <stdarg.h>
#include <stdint.h>
#include <uv.h>

#include "core/ike/ike.h"

#define LOOP_MAX_SOCKS 64
#define LOOP_RX_BURST 64	/* datagrams read per wake-up per socket */

struct loop;

struct loop_sock {
	struct loop *l;
	uv_poll_t poll;
	int fd;
	struct ike_addr local;
};

struct loop {
	uv_loop_t *uv;
	struct ike_engine *eng;
	uv_timer_t timer;
	struct loop_sock socks[LOOP_MAX_SOCKS];
	int n_socks;
	int buf_warned;		/* bit 0 receive, bit 1 send: said once */
	uint64_t rx, tx, tx_err;
};

/* Initialises l on uv (no engine yet).  Returns 0 or a negative errno. */
int loop_init(struct loop *l, uv_loop_t *uv);

/* The engine datagrams and timers go to (not owned). */
void loop_set_engine(struct loop *l, struct ike_engine *eng);

/*
 * Opens and watches a socket on local (address and port).  Returns 0, 1
 * when one was open already, or a negative errno.  Logs one warning per
 * loop when the kernel grants a smaller buffer than sock_open() asks.
 */
int loop_listen(struct loop *l, const struct ike_addr *local);

/*
 * Sends from the socket bound to local's address (the one with local's
 * port when there are several), as struct ike_env's send wants.
 */
void loop_send(struct loop *l, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len);

/* Arms the timer at ike_next_timer(). */
void loop_rearm(struct loop *l);

/* The engine's clock: uv_now() after refreshing it. */
uint64_t loop_now(struct loop *l);

/* Closes sockets and timer (their close callbacks run on the loop). */
void loop_close(struct loop *l);

/*
 * Logging.  loop_log_open() picks the sinks: stderr with a timestamp
 * (foreground), syslog (facility daemon, tag "ikd"), or both
 * (LOOP_LOG_* bits).  Under systemd (JOURNAL_STREAM or INVOCATION_ID in
 * the environment) stderr lines start with the sd-daemon(3) priority
 * "<N>" instead of the timestamp, so that journald files them by
 * priority.  Lines above the current level (default notice) are dropped.
 */
#define LOOP_LOG_STDERR 1
#define LOOP_LOG_SYSLOG 2
void loop_log_open(int sinks);
void loop_log_set_level(int level);
int loop_log_level(void);
void loop_log_line(int level, const char *line);

/*
 * A second destination for log lines (`ikectl monitor`): fn gets every
 * line at info level or above, debug too when the level is debug, whatever
 * the sink's level, formatted "YYYY-MM-DD HH:MM:SS.mmm LEVEL: text", with
 * its level (IKE_LOG_*) and the text alone.  fn must not log.  NULL
 * removes it.
 */
typedef void (*loop_log_tap_fn)(void *ctx, int level, const char *line,
    const char *text);
void loop_log_set_tap(loop_log_tap_fn fn, void *ctx);

/* The most verbose level anyone takes now: what the engine should make. */
int loop_log_wanted(void);
void loop_logf(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
