/*
 * ctl.h - the control socket between ikectl and ikd.
 *
 * A Unix stream socket (mode 0600, peers must be root or the daemon's own
 * uid, checked with SO_PEERCRED).  One request and one reply per connection,
 * except `monitor`: after its CTL_OK reply the daemon keeps the connection
 * and sends one CTL_EVENT frame per log line until the client goes away.
 * Every message is a frame: a 4-byte big-endian length N, then N bytes.
 *
 *   request payload: version byte (CTL_VERSION), command text: printable
 *                    ASCII words separated by spaces, e.g. "show sa --json"
 *                    (1 <= N <= CTL_MAX_REQUEST)
 *   reply payload:   status byte (CTL_OK or CTL_FAILED), body text; on
 *                    failure the body is the reason (N <= CTL_MAX_REPLY)
 *   event payload:   status byte CTL_EVENT, one log line with its newline
 *
 * A malformed, oversized or unknown request gets a CTL_FAILED reply, never a
 * crash; the parsing half (ctl_serve, ctl_cmd_parse) does no I/O so tests
 * can feed it anything.  Commands are listed once, in ctl_verbs[]: the
 * parser, the daemon's error messages and ikectl --help all read it.
 */
#ifndef IKEBOX_NET_CTL_H
#define IKEBOX_NET_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#define CTL_VERSION 1
#define CTL_MAX_REQUEST 65536		/* request payload bytes */
#define CTL_MAX_REPLY (16u << 20)	/* reply payload bytes */
#define CTL_MAX_CONNS 16		/* clients served at once */
#define CTL_TIMEOUT_MS 10000		/* a client silent this long is cut */
#define CTL_NAME_MAX 128
#define CTL_PATH_MAX 1024		/* `load FILE`, with the NUL */
#define CTL_MONITOR_QUEUE_MAX (256u << 10)	/* unread bytes; then cut */

#define CTL_OK 0
#define CTL_FAILED 1
#define CTL_EVENT 2		/* one streamed line, after `monitor` */

enum ctl_op {
	CTL_SHOW_SA = 1,
	CTL_SHOW_STATS,
	CTL_UP,
	CTL_DOWN,
	CTL_RELOAD,
	CTL_LOG,
	CTL_RESET_ALL,
	CTL_RESET_VPN,
	CTL_LOAD,
	CTL_MONITOR,
	CTL_SHOW_KERNEL,
	CTL_SHOW_VPN,
};

/* What follows a command's fixed words. */
enum ctl_arg {
	CTL_ARG_NONE,
	CTL_ARG_NAME,		/* a VPN name, required */
	CTL_ARG_OPT_NAME,	/* a VPN name, or nothing */
	CTL_ARG_FILE,		/* the rest of the line: an absolute path */
};

/* Options a command takes. */
#define CTL_OPT_JSON 0x01
#define CTL_OPT_DUMP 0x02
#define CTL_OPT_KEYS 0x04
#define CTL_OPT_WAIT 0x08		/* -w SECONDS */
#define CTL_WAIT_MAX 3600		/* the longest -w, seconds */

/* One command of the control grammar. */
struct ctl_verb {
	const char *words;	/* its fixed words: "show sa" */
	uint8_t arg;		/* enum ctl_arg */
	uint8_t opts;		/* CTL_OPT_* it takes */
	uint8_t op;		/* enum ctl_op */
	uint8_t verbose;	/* CTL_LOG: 1 verbose, 0 brief */
	const char *usage;	/* as the usage shows it; NULL: shown with the
				 * entry before ("log verbose|brief") */
	const char *help;	/* its line in ikectl --help */
};

extern const struct ctl_verb ctl_verbs[];
extern const size_t ctl_n_verbs;

/* The commands on one line, "show sa [NAME] [--json] | ...", into buf. */
void ctl_usage(char *buf, size_t len);

struct ctl_cmd {
	int op;				/* enum ctl_op */
	int json;			/* --json given */
	int dump;			/* --dump given (show kernel) */
	int keys;			/* --keys given (show kernel) */
	int verbose;			/* CTL_LOG: 1 verbose, 0 brief */
	char name[CTL_NAME_MAX];	/* VPN name; "" when none */
	char path[CTL_PATH_MAX];	/* CTL_LOAD: absolute path */
	int wait;			/* -w SECONDS; 0 = answer at once */
	uint64_t conn;			/* the daemon's connection, for
					 * ctl_server_reply() (0 in tests) */
};

/*
 * Parses command text (len bytes, not NUL-terminated).  Returns 0, or
 * -EBADMSG with a reason for the user in err.
 */
int ctl_cmd_parse(const char *text, size_t len, struct ctl_cmd *cmd,
    char *err, size_t errlen);

/*
 * Runs a parsed command.  Writes the reply body to out and returns 0, or
 * writes the reason to out and returns a negative errno (CTL_FAILED).
 */
typedef int (*ctl_handler_fn)(void *ctx, const struct ctl_cmd *cmd,
    FILE *out);

/*
 * A handler's return for "no reply yet": the connection stays open (its
 * idle timeout stopped) and the daemon answers later with
 * ctl_server_reply(cmd->conn, ...).  Whatever it wrote to out is dropped.
 */
#define CTL_DEFER 1

/*
 * Serves the request at the start of in (len bytes received so far).
 * Returns 0 when more bytes are needed; 1 when a reply frame is ready in
 * *reply (malloc'd, *rlen bytes; send it and close); 2 when h deferred
 * its answer (CTL_DEFER: no reply now); -ENOMEM.  h runs only for a
 * well-formed, known command.
 */
int ctl_serve(const uint8_t *in, size_t len, ctl_handler_fn h, void *ctx,
    uint8_t **reply, size_t *rlen);

/* Builds a reply frame (malloc'd).  Returns 0 or -ENOMEM/-EMSGSIZE. */
int ctl_reply_make(int status, const void *body, size_t blen,
    uint8_t **out, size_t *outlen);

/*
 * Parses a reply or event frame.  Returns 0 (body points into buf),
 * -EAGAIN when incomplete, -EBADMSG when it cannot be one.
 */
int ctl_reply_parse(const uint8_t *buf, size_t len, int *status,
    const uint8_t **body, size_t *blen);

/* Builds a request frame into buf.  Returns its length or -EMSGSIZE. */
int ctl_request_make(const char *cmd, uint8_t *buf, size_t cap);

/*
 * Client side, blocking: sends cmd to the daemon at path and waits for the
 * reply.  Returns 0 with *status and *body (malloc'd, NUL-terminated,
 * *blen bytes before the NUL); -errno from connect() when no daemon answers
 * (-ENOENT, -ECONNREFUSED...); -EPROTO on a bad or missing reply, or none
 * within 60 s.  ctl_call_wait() waits timeout_s instead (`up NAME -w`).
 */
int ctl_call(const char *path, const char *cmd, int *status, char **body,
    size_t *blen);
int ctl_call_wait(const char *path, const char *cmd, int timeout_s,
    int *status, char **body, size_t *blen);

/*
 * Client side of `monitor`, blocking: sends cmd, then calls cb for the
 * reply and for every event frame (status, body NUL-terminated, blen) until
 * the daemon closes, the reply is CTL_FAILED, or cb returns non-zero.
 * Returns 0 when the daemon ended the stream, cb's value when it stopped
 * it, -errno from connect(), -EPROTO on a bad frame.
 */
int ctl_stream(const char *path, const char *cmd,
    int (*cb)(void *arg, int status, const char *body, size_t blen),
    void *arg);

/* 1 when a process accepts connections on path, else 0. */
int ctl_probe(const char *path);

struct ctl_conn;

/* The daemon's listening socket.  Embedded in its owner; not copied. */
struct ctl_server {
	uv_loop_t *loop;
	uv_poll_t poll;
	int fd;
	char path[108];
	ctl_handler_fn handler;
	void *ctx;
	int n_conns;
	int n_monitors;		/* connections streaming events */
	int n_json_monitors;	/* ... of them with --json */
	uint64_t next_id;	/* connection ids, from 1 */
	struct ctl_conn *conns;
};

/*
 * Binds path (mode 0600) and serves it on loop.  Refuses with -EADDRINUSE
 * when another process answers on path; replaces a stale socket file.
 * Returns 0 or a negative errno.
 */
int ctl_server_open(struct ctl_server *s, uv_loop_t *loop, const char *path,
    ctl_handler_fn h, void *ctx);

/* Stops listening, drops clients, removes the socket file. */
void ctl_server_close(struct ctl_server *s);

/*
 * Sends one event to every `monitor` client: line (a log line, no newline)
 * to those that asked for text, json (one JSON object, no newline) to those
 * that asked with --json.  A client that lets more than
 * CTL_MONITOR_QUEUE_MAX bytes pile up is cut rather than let the daemon's
 * memory grow.  Never logs (it is called from the log path).
 */
void ctl_server_broadcast(struct ctl_server *s, const char *line,
    const char *json);

/*
 * Answers a deferred command (CTL_DEFER) on connection conn: CTL_OK when
 * ok, else CTL_FAILED, with body as the text; then the connection closes.
 * Returns 0, or -ENOENT when the client has gone.  body NULL: only tells
 * whether the client is still there.
 */
int ctl_server_reply(struct ctl_server *s, uint64_t conn, int ok,
    const char *body);

#endif
