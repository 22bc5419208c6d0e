/*
 * ctl.c - control socket protocol: frame and command parsing, the daemon's
 * listener on the libuv loop, and the blocking client ikectl uses.
 *
 * The protocol is deliberately tiny (see ctl.h): a length-prefixed request
 * answered by a length-prefixed reply, then the connection closes.  Bounds
 * are checked on the declared length before anything is buffered, so a
 * hostile or confused client costs at most CTL_MAX_REQUEST bytes and
 * CTL_TIMEOUT_MS per connection, CTL_MAX_CONNS at a time.  The listener is
 * our own fd watched with uv_poll_t (we need the fd for SO_PEERCRED and the
 * bind-time umask anyway); accepted clients become uv_pipe_t so that libuv
 * buffers the reply writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/ctl.h"

#define CTL_MAX_WORDS 8

struct ctl_conn {
	struct ctl_server *srv;
	uv_pipe_t pipe;
	uv_timer_t timer;
	uint8_t *buf;
	size_t len, cap;
	int open_handles;
	int closing;
	int denied;		/* peer is neither root nor our uid */
	int monitor;		/* streams events until the peer leaves: 1
				 * log lines, 2 JSON objects */
	int deferred;		/* the daemon answers later (CTL_DEFER) */
	uint64_t id;		/* for ctl_server_reply() */
	struct ctl_conn *next;
};

/* One frame being written; libuv holds it until the write completes. */
struct ctl_wreq {
	uv_write_t req;
	struct ctl_conn *c;
	uint8_t *frame;
	int close_after;
};

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * `load FILE`: the rest of the line is the path, spaces included (a word
 * list would split it), so only its ends are trimmed.  It must be absolute:
 * the daemon's working directory is not the client's.
 */
static int
load_parse(const char *p, size_t len, struct ctl_cmd *cmd, char *err,
    size_t errlen)
{
	while (len > 0 && *p == ' ') {
		p++;
		len--;
	}
	while (len > 0 && p[len - 1] == ' ') {
		len--;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c > 0x7e) {
			snprintf(err, errlen, "malformed command: byte 0x%02x "
			    "in the file name", c);
			return -EBADMSG;
		}
	}
	if (len == 0) {
		snprintf(err, errlen, "load: which file? (load FILE)");
		return -EBADMSG;
	}
	if (p[0] != '/') {
		snprintf(err, errlen, "load: '%.*s' is not an absolute path",
		    (int)(len > 200 ? 200 : len), p);
		return -EBADMSG;
	}
	if (len >= CTL_PATH_MAX) {
		snprintf(err, errlen, "load: file name longer than %d bytes",
		    CTL_PATH_MAX - 1);
		return -EBADMSG;
	}
	cmd->op = CTL_LOAD;
	memcpy(cmd->path, p, len);
	cmd->path[len] = '\0';
	return 0;
}

/* see ctl.h */
const struct ctl_verb ctl_verbs[] = {
	{ "show vpn", CTL_ARG_OPT_NAME, CTL_OPT_JSON, CTL_SHOW_VPN, 0,
	  "show [vpn [NAME]] [--json]",
	  "every configured VPN: state, peer, last handshake, last error, "
	  "traffic" },
	{ "show", CTL_ARG_NONE, CTL_OPT_JSON, CTL_SHOW_VPN, 0, NULL, NULL },
	{ "show sa", CTL_ARG_OPT_NAME, CTL_OPT_JSON, CTL_SHOW_SA, 0,
	  "show sa [NAME] [--json]", "IKE and CHILD SAs (all or one VPN's)" },
	{ "show stats", CTL_ARG_NONE, CTL_OPT_JSON, CTL_SHOW_STATS, 0,
	  "show stats [--json]", "daemon counters" },
	{ "show kernel", CTL_ARG_NONE, CTL_OPT_JSON | CTL_OPT_DUMP |
	  CTL_OPT_KEYS, CTL_SHOW_KERNEL, 0,
	  "show kernel [--json|--dump] [--keys]",
	  "the backend's flows and SAs (ipsecctl-sa)" },
	{ "up", CTL_ARG_NAME, CTL_OPT_WAIT, CTL_UP, 0, "up NAME [-w SECONDS]",
	  "initiate a VPN's SAs; -w: wait until up, or say why not" },
	{ "down", CTL_ARG_NAME, CTL_OPT_WAIT, CTL_DOWN, 0,
	  "down NAME [-w SECONDS]",
	  "delete a VPN's SAs; -w: wait until they are gone" },
	{ "reload", CTL_ARG_NONE, 0, CTL_RELOAD, 0, "reload",
	  "re-read the configuration (hitless)" },
	{ "load", CTL_ARG_FILE, 0, CTL_LOAD, 0, "load FILE",
	  "load another configuration file (hitless)" },
	{ "log verbose", CTL_ARG_NONE, 0, CTL_LOG, 1, "log verbose|brief",
	  "debug logging on / back to normal" },
	{ "log brief", CTL_ARG_NONE, 0, CTL_LOG, 0, NULL, NULL },
	{ "reset all", CTL_ARG_NONE, 0, CTL_RESET_ALL, 0, "reset all",
	  "delete every SA, restart active VPNs" },
	{ "reset vpn", CTL_ARG_NAME, 0, CTL_RESET_VPN, 0, "reset vpn NAME",
	  "down, then up" },
	{ "monitor", CTL_ARG_NONE, CTL_OPT_JSON, CTL_MONITOR, 0,
	  "monitor [--json]",
	  "print events as they happen (until ^C); --json: one object a line" },
};
const size_t ctl_n_verbs = sizeof(ctl_verbs) / sizeof(ctl_verbs[0]);

/* see ctl.h */
void
ctl_usage(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ctl_n_verbs && off < len; i++) {
		if (ctl_verbs[i].usage != NULL) {
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    off ? " | " : "", ctl_verbs[i].usage);
		}
	}
}

/*
 * Does verb v take words[0..n)?  Its fixed words first (*fixed: how many),
 * then the VPN name it requires or allows.
 */
static int
verb_matches(const struct ctl_verb *v, char words[][CTL_NAME_MAX], int n,
    int *fixed)
{
	const char *p = v->words;
	int k = 0;

	while (*p != '\0') {
		size_t wl = strcspn(p, " ");

		if (k >= n || strlen(words[k]) != wl ||
		    memcmp(words[k], p, wl) != 0) {
			return 0;
		}
		k++;
		p += wl;
		p += *p == ' ';
	}
	*fixed = k;
	switch (v->arg) {
	case CTL_ARG_NONE:
		return n == k;
	case CTL_ARG_NAME:
		return n == k + 1;
	case CTL_ARG_OPT_NAME:
		return n == k || n == k + 1;
	default:
		return 0;	/* load: parsed before the words */
	}
}

/* see ctl.h */
int
ctl_cmd_parse(const char *text, size_t len, struct ctl_cmd *cmd, char *err,
    size_t errlen)
{
	char words[CTL_MAX_WORDS][CTL_NAME_MAX], usage[512];
	int n = 0, json = 0, dump = 0, keys = 0, fixed = 0, wait = 0;
	int want_wait = 0;
	const struct ctl_verb *v = NULL;
	size_t i = 0;

	memset(cmd, 0, sizeof(*cmd));
	while (i < len && text[i] == ' ') {
		i++;
	}
	if (len - i >= 4 && memcmp(text + i, "load", 4) == 0 &&
	    (len - i == 4 || text[i + 4] == ' ')) {
		return load_parse(text + i + 4, len - i - 4, cmd, err, errlen);
	}
	while (i < len) {
		size_t start, wl;

		if (text[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < len && text[i] != ' ') {
			unsigned char c = (unsigned char)text[i];

			if (c < 0x21 || c > 0x7e) {
				snprintf(err, errlen, "malformed command: "
				    "byte 0x%02x at offset %zu", c, i);
				return -EBADMSG;
			}
			i++;
		}
		wl = i - start;
		if (wl >= CTL_NAME_MAX) {
			snprintf(err, errlen, "malformed command: word at "
			    "offset %zu longer than %d bytes", start,
			    CTL_NAME_MAX - 1);
			return -EBADMSG;
		}
		if (wl == 6 && memcmp(text + start, "--json", 6) == 0) {
			json = 1;
			continue;
		}
		if (wl == 6 && memcmp(text + start, "--dump", 6) == 0) {
			dump = 1;
			continue;
		}
		if (wl == 6 && memcmp(text + start, "--keys", 6) == 0) {
			keys = 1;
			continue;
		}
		if (wl == 2 && memcmp(text + start, "-w", 2) == 0 &&
		    !want_wait) {
			want_wait = 1;
			continue;
		}
		if (want_wait) {
			wait = 0;
			for (size_t k = start; k < i && wait <= CTL_WAIT_MAX;
			    k++) {
				wait = text[k] >= '0' && text[k] <= '9' ?
				    wait * 10 + (text[k] - '0') :
				    CTL_WAIT_MAX + 1;
			}
			if (wait < 1 || wait > CTL_WAIT_MAX) {
				snprintf(err, errlen, "-w: expected 1 to %d "
				    "seconds ('%.*s')", CTL_WAIT_MAX,
				    (int)(wl > 40 ? 40 : wl), text + start);
				return -EBADMSG;
			}
			want_wait = 0;
			continue;
		}
		if (n == CTL_MAX_WORDS) {
			snprintf(err, errlen, "malformed command: too many "
			    "words");
			return -EBADMSG;
		}
		memcpy(words[n], text + start, wl);
		words[n][wl] = '\0';
		n++;
	}
	if (want_wait) {
		snprintf(err, errlen, "-w: how many seconds? (-w SECONDS)");
		return -EBADMSG;
	}
	ctl_usage(usage, sizeof(usage));
	if (n == 0) {
		snprintf(err, errlen, "empty command (commands: %s)", usage);
		return -EBADMSG;
	}
	for (size_t k = 0; k < ctl_n_verbs && v == NULL; k++) {
		if (verb_matches(&ctl_verbs[k], words, n, &fixed)) {
			v = &ctl_verbs[k];
		}
	}
	if (v == NULL) {
		snprintf(err, errlen, "unknown command '%s%s%s' "
		    "(commands: %s)", words[0], n > 1 ? " " : "",
		    n > 1 ? words[1] : "", usage);
		return -EBADMSG;
	}
	if (json && !(v->opts & CTL_OPT_JSON)) {
		snprintf(err, errlen, "--json only applies to show and monitor");
		return -EBADMSG;
	}
	if ((dump && !(v->opts & CTL_OPT_DUMP)) ||
	    (keys && !(v->opts & CTL_OPT_KEYS))) {
		snprintf(err, errlen, "--dump and --keys only apply to "
		    "show kernel");
		return -EBADMSG;
	}
	if (wait && !(v->opts & CTL_OPT_WAIT)) {
		snprintf(err, errlen, "-w only applies to up and down");
		return -EBADMSG;
	}
	if (json && dump) {
		snprintf(err, errlen, "--json and --dump exclude each other");
		return -EBADMSG;
	}
	cmd->op = v->op;
	cmd->verbose = v->verbose;
	cmd->json = json;
	cmd->dump = dump;
	cmd->keys = keys;
	cmd->wait = wait;
	if (n > fixed) {
		strcpy(cmd->name, words[fixed]);	/* the VPN name */
	}
	return 0;
}

/* see ctl.h */
int
ctl_reply_make(int status, const void *body, size_t blen, uint8_t **out,
    size_t *outlen)
{
	uint8_t *b;

	if (blen > CTL_MAX_REPLY - 1) {
		return -EMSGSIZE;
	}
	b = malloc(5 + blen);
	if (b == NULL) {
		return -ENOMEM;
	}
	put_be32(b, (uint32_t)(blen + 1));
	b[4] = (uint8_t)status;
	if (blen > 0) {
		memcpy(b + 5, body, blen);
	}
	*out = b;
	*outlen = 5 + blen;
	return 0;
}

static int
reply_fail(const char *reason, uint8_t **reply, size_t *rlen)
{
	int rc = ctl_reply_make(CTL_FAILED, reason, strlen(reason), reply,
	    rlen);

	return rc < 0 ? rc : 1;
}

/* see ctl.h */
int
ctl_serve(const uint8_t *in, size_t len, ctl_handler_fn h, void *ctx,
    uint8_t **reply, size_t *rlen)
{
	struct ctl_cmd cmd;
	char err[512];
	uint32_t n;
	char *body = NULL;
	size_t blen = 0;
	FILE *out;
	int rc;

	if (len < 4) {
		return 0;
	}
	n = get_be32(in);
	if (n == 0) {
		return reply_fail("malformed request: empty frame\n", reply,
		    rlen);
	}
	if (n > CTL_MAX_REQUEST) {
		snprintf(err, sizeof(err), "malformed request: %u bytes, "
		    "more than %u\n", n, CTL_MAX_REQUEST);
		return reply_fail(err, reply, rlen);
	}
	if (len - 4 < n) {
		return 0;
	}
	if (in[4] != CTL_VERSION) {
		snprintf(err, sizeof(err), "unsupported protocol version %u "
		    "(this ikd speaks %u)\n", in[4], CTL_VERSION);
		return reply_fail(err, reply, rlen);
	}
	if (ctl_cmd_parse((const char *)in + 5, n - 1, &cmd, err,
	    sizeof(err) - 1) < 0) {
		strcat(err, "\n");
		return reply_fail(err, reply, rlen);
	}
	out = open_memstream(&body, &blen);
	if (out == NULL) {
		return -ENOMEM;
	}
	rc = h(ctx, &cmd, out);
	if (fclose(out) != 0) {
		free(body);
		return -ENOMEM;
	}
	if (rc == CTL_DEFER) {
		free(body);
		*reply = NULL;
		*rlen = 0;
		return 2;
	}
	rc = ctl_reply_make(rc < 0 ? CTL_FAILED : CTL_OK, body, blen, reply,
	    rlen);
	free(body);
	if (rc == -EMSGSIZE) {
		return reply_fail("reply too large\n", reply, rlen);
	}
	return rc < 0 ? rc : 1;
}

/* see ctl.h */
int
ctl_reply_parse(const uint8_t *buf, size_t len, int *status,
    const uint8_t **body, size_t *blen)
{
	uint32_t n;

	if (len < 4) {
		return -EAGAIN;
	}
	n = get_be32(buf);
	if (n == 0 || n > CTL_MAX_REPLY) {
		return -EBADMSG;
	}
	if (len - 4 < n) {
		return -EAGAIN;
	}
	if (buf[4] != CTL_OK && buf[4] != CTL_FAILED &&
	    buf[4] != CTL_EVENT) {
		return -EBADMSG;
	}
	*status = buf[4];
	*body = buf + 5;
	*blen = n - 1;
	return 0;
}

/* see ctl.h */
int
ctl_request_make(const char *cmd, uint8_t *buf, size_t cap)
{
	size_t n = strlen(cmd);

	if (n + 1 > CTL_MAX_REQUEST || n + 5 > cap) {
		return -EMSGSIZE;
	}
	put_be32(buf, (uint32_t)(n + 1));
	buf[4] = CTL_VERSION;
	memcpy(buf + 5, cmd, n);
	return (int)(n + 5);
}

static int
unix_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int
read_full(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			return -EPROTO;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Connects to path and sends cmd as one request.  Returns the connected fd
 * or a negative errno (-EPROTO when the request could not be sent).
 */
static int
request_send(const char *path, const char *cmd)
{
	uint8_t *req;
	size_t off = 0;
	int fd, len;

	req = malloc(CTL_MAX_REQUEST + 4);
	if (req == NULL) {
		return -ENOMEM;
	}
	len = ctl_request_make(cmd, req, CTL_MAX_REQUEST + 4);
	if (len < 0) {
		free(req);
		return len;
	}
	fd = unix_connect(path);
	if (fd < 0) {
		free(req);
		return fd;
	}
	while (off < (size_t)len) {
		ssize_t w = send(fd, req + off, (size_t)len - off,
		    MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w < 0) {
			free(req);
			close(fd);
			return -EPROTO;
		}
		off += (size_t)w;
	}
	free(req);
	return fd;
}

/*
 * Reads one frame whose status is in [lo, hi].  Returns 0 with *body
 * (malloc'd, NUL-terminated), -ENOENT on a clean end of stream before any
 * byte, -EPROTO on anything else.
 */
static int
frame_read(int fd, int lo, int hi, int *status, char **body, size_t *blen)
{
	uint8_t hdr[5];
	ssize_t r;
	uint32_t n;

	*body = NULL;
	do {
		r = read(fd, hdr, 1);
	} while (r < 0 && errno == EINTR);
	if (r == 0) {
		return -ENOENT;
	}
	if (r < 0 || read_full(fd, hdr + 1, 4) != 0) {
		return -EPROTO;
	}
	n = get_be32(hdr);
	if (n == 0 || n > CTL_MAX_REPLY || hdr[4] < lo || hdr[4] > hi) {
		return -EPROTO;
	}
	*body = malloc(n);
	if (*body == NULL) {
		return -ENOMEM;
	}
	if (read_full(fd, (uint8_t *)*body, n - 1) != 0) {
		free(*body);
		*body = NULL;
		return -EPROTO;
	}
	(*body)[n - 1] = '\0';
	*blen = n - 1;
	*status = hdr[4];
	return 0;
}

/* see ctl.h */
int
ctl_call(const char *path, const char *cmd, int *status, char **body,
    size_t *blen)
{
	return ctl_call_wait(path, cmd, 60, status, body, blen);
}

/* see ctl.h */
int
ctl_call_wait(const char *path, const char *cmd, int timeout_s,
    int *status, char **body, size_t *blen)
{
	struct timeval tv = { .tv_sec = timeout_s };
	int fd, rc;

	*body = NULL;
	fd = request_send(path, cmd);
	if (fd < 0) {
		return fd;
	}
	/* A wedged daemon must not hang scripts forever. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = frame_read(fd, CTL_OK, CTL_FAILED, status, body, blen);
	close(fd);
	return rc == -ENOENT ? -EPROTO : rc;
}

/* see ctl.h */
int
ctl_stream(const char *path, const char *cmd,
    int (*cb)(void *arg, int status, const char *body, size_t blen),
    void *arg)
{
	char *body;
	size_t blen;
	int fd, rc, st, first = 1;

	fd = request_send(path, cmd);
	if (fd < 0) {
		return fd;
	}
	for (;;) {
		rc = frame_read(fd, first ? CTL_OK : CTL_EVENT,
		    first ? CTL_FAILED : CTL_EVENT, &st, &body, &blen);
		if (rc == -ENOENT && !first) {
			rc = 0;		/* the daemon went away */
			break;
		}
		if (rc != 0) {
			rc = rc == -ENOENT ? -EPROTO : rc;
			break;
		}
		rc = cb(arg, st, body, blen);
		free(body);
		if (rc != 0 || st == CTL_FAILED) {
			break;
		}
		first = 0;
	}
	close(fd);
	return rc;
}

/* see ctl.h */
int
ctl_probe(const char *path)
{
	int fd = unix_connect(path);

	if (fd < 0) {
		return 0;
	}
	close(fd);
	return 1;
}

static void
conn_handle_closed(uv_handle_t *h)
{
	struct ctl_conn *c = h->data;
	struct ctl_conn **pp;

	if (--c->open_handles > 0) {
		return;
	}
	for (pp = &c->srv->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	c->srv->n_conns--;
	if (c->monitor) {
		c->srv->n_monitors--;
		c->srv->n_json_monitors -= c->monitor == 2;
	}
	free(c->buf);
	free(c);
}

static void
conn_close(struct ctl_conn *c)
{
	if (c->closing) {
		return;
	}
	c->closing = 1;
	uv_read_stop((uv_stream_t *)&c->pipe);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->pipe, conn_handle_closed);
	uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
}

/* Also called with UV_ECANCELED for writes pending when c was closed. */
static void
conn_written_cb(uv_write_t *req, int status)
{
	struct ctl_wreq *w = req->data;

	if (w->close_after || status < 0) {
		conn_close(w->c);
	}
	free(w->frame);
	free(w);
}

/* Queues frame (malloc'd; owned from now on) on c. */
static void
conn_send(struct ctl_conn *c, uint8_t *frame, size_t len, int close_after)
{
	struct ctl_wreq *w = calloc(1, sizeof(*w));
	uv_buf_t b = uv_buf_init((char *)frame, (unsigned)len);

	if (w == NULL) {
		free(frame);
		conn_close(c);
		return;
	}
	w->c = c;
	w->frame = frame;
	w->close_after = close_after;
	w->req.data = w;
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1,
	    conn_written_cb) != 0) {
		free(frame);
		free(w);
		conn_close(c);
	}
}

static void
conn_timeout_cb(uv_timer_t *t)
{
	conn_close(t->data);
}

static void
conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct ctl_conn *c = h->data;

	if (c->len == c->cap && c->cap < 4 + CTL_MAX_REQUEST) {
		size_t ncap = c->cap ? c->cap * 2 : 512;
		uint8_t *nb;

		if (ncap > 4 + CTL_MAX_REQUEST) {
			ncap = 4 + CTL_MAX_REQUEST;
		}
		nb = realloc(c->buf, ncap);
		if (nb != NULL) {
			c->buf = nb;
			c->cap = ncap;
		}
	}
	/* A zero-length buffer makes libuv report UV_ENOBUFS: we close. */
	*buf = uv_buf_init((char *)c->buf + c->len,
	    (unsigned)(c->cap - c->len));
}

static int
conn_handler(void *ctx, const struct ctl_cmd *cmd, FILE *out)
{
	struct ctl_conn *c = ctx;

	struct ctl_cmd cc;

	if (c->denied) {
		fprintf(out, "permission denied\n");
		return -EPERM;
	}
	if (cmd->op == CTL_MONITOR) {
		/* Served here: the daemon only feeds ctl_server_broadcast. */
		c->monitor = cmd->json ? 2 : 1;
		c->srv->n_monitors++;
		c->srv->n_json_monitors += cmd->json;
		return 0;
	}
	cc = *cmd;
	cc.conn = c->id;
	return c->srv->handler(c->srv->ctx, &cc, out);
}

static void
conn_read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct ctl_conn *c = st->data;
	uint8_t *reply = NULL;
	size_t rlen;
	int rc;

	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (c->monitor || c->deferred) {
		/* Read on only to notice the peer leaving; drop the bytes. */
		c->len = 0;
		return;
	}
	c->len += (size_t)nread;
	rc = ctl_serve(c->buf, c->len, conn_handler, c, &reply, &rlen);
	if (rc == 0) {
		return;
	}
	if (rc == 2) {
		/* The daemon answers with ctl_server_reply(); its own
		 * deadline replaces the idle timeout. */
		c->deferred = 1;
		c->len = 0;
		uv_timer_stop(&c->timer);
		return;
	}
	if (rc == 1 && c->denied) {
		/* Whatever it asked, well-formed or not. */
		free(reply);
		reply = NULL;
		rc = reply_fail("permission denied\n", &reply, &rlen);
	}
	if (rc < 0) {
		conn_close(c);
		return;
	}
	if (c->monitor) {
		uv_timer_stop(&c->timer);
		c->len = 0;
		conn_send(c, reply, rlen, 0);
		return;
	}
	uv_read_stop(st);
	conn_send(c, reply, rlen, 1);
}

/*
 * Refuses a client with a one-shot reply, small enough not to block (the
 * client may see a reset instead if its request is still unread).
 */
static void
refuse(int fd, const char *reason)
{
	uint8_t *r;
	size_t rlen;

	if (ctl_reply_make(CTL_FAILED, reason, strlen(reason), &r,
	    &rlen) == 0) {
		(void)!send(fd, r, rlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(r);
	}
	close(fd);
}

static void
server_accept_cb(uv_poll_t *p, int status, int events)
{
	struct ctl_server *s = p->data;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct ctl_conn *c;
	int fd;

	fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		return;
	}
	if (s->n_conns >= CTL_MAX_CONNS) {
		refuse(fd, "too many control connections\n");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->srv = s;
	c->id = ++s->next_id;
	/*
	 * A refused peer still gets its request read and a reply: closing
	 * on unread data would reset the connection and the client would
	 * only see "connection reset".
	 */
	c->denied = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
	    &clen) != 0 || (cred.uid != 0 && cred.uid != geteuid());
	if (uv_pipe_init(s->loop, &c->pipe, 0) != 0) {
		free(c);
		close(fd);
		return;
	}
	c->pipe.data = c;
	c->open_handles = 1;
	c->next = s->conns;
	s->conns = c;
	s->n_conns++;
	if (uv_pipe_open(&c->pipe, fd) != 0) {
		close(fd);
		c->closing = 1;
		uv_close((uv_handle_t *)&c->pipe, conn_handle_closed);
		return;
	}
	uv_timer_init(s->loop, &c->timer);
	c->timer.data = c;
	c->open_handles = 2;
	uv_timer_start(&c->timer, conn_timeout_cb, CTL_TIMEOUT_MS, 0);
	if (uv_read_start((uv_stream_t *)&c->pipe, conn_alloc_cb,
	    conn_read_cb) != 0) {
		conn_close(c);
	}
}

/* see ctl.h */
int
ctl_server_open(struct ctl_server *s, uv_loop_t *loop, const char *path,
    ctl_handler_fn h, void *ctx)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		return -ENAMETOOLONG;
	}
	if (ctl_probe(path)) {
		return -EADDRINUSE;
	}
	if (lstat(path, &st) == 0) {
		/* Stale socket of a dead ikd: replace it; anything else: no. */
		if (!S_ISSOCK(st.st_mode)) {
			return -EEXIST;
		}
		(void)unlink(path);
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	/* Root only from the start: no window where others may connect. */
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = uv_poll_init(loop, &s->poll, fd);
	if (rc == 0) {
		s->poll.data = s;
		rc = uv_poll_start(&s->poll, UV_READABLE, server_accept_cb);
		if (rc != 0) {
			uv_close((uv_handle_t *)&s->poll, NULL);
		}
	}
	if (rc != 0) {
		close(fd);
		(void)unlink(path);
		return rc;
	}
	s->loop = loop;
	s->fd = fd;
	strcpy(s->path, path);
	s->handler = h;
	s->ctx = ctx;
	return 0;
}

/* see ctl.h */
void
ctl_server_close(struct ctl_server *s)
{
	struct ctl_conn *c;

	if (s->fd < 0) {
		return;
	}
	for (c = s->conns; c; c = c->next) {
		conn_close(c);
	}
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, NULL);
	close(s->fd);
	s->fd = -1;
	(void)unlink(s->path);
}

/* see ctl.h */
void
ctl_server_broadcast(struct ctl_server *s, const char *line,
    const char *json)
{
	struct ctl_conn *c;
	uint8_t *f;

	if (s->fd < 0 || s->n_monitors == 0) {
		return;
	}
	for (c = s->conns; c; c = c->next) {
		const char *ev = c->monitor == 2 ? json : line;
		size_t n;

		if (!c->monitor || c->closing || ev == NULL) {
			continue;
		}
		n = strlen(ev);
		if (n > CTL_MAX_REPLY - 2) {
			n = CTL_MAX_REPLY - 2;	/* JSON cut: not valid */
			if (c->monitor == 2) {
				continue;
			}
		}
		if (uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) >
		    CTL_MONITOR_QUEUE_MAX) {
			conn_close(c);	/* it stopped reading */
			continue;
		}
		f = malloc(n + 6);
		if (f == NULL) {
			continue;
		}
		put_be32(f, (uint32_t)(n + 2));
		f[4] = CTL_EVENT;
		memcpy(f + 5, ev, n);
		f[5 + n] = '\n';
		conn_send(c, f, n + 6, 0);
	}
}

/* see ctl.h */
int
ctl_server_reply(struct ctl_server *s, uint64_t conn, int ok,
    const char *body)
{
	struct ctl_conn *c;
	uint8_t *f;
	size_t flen;

	for (c = s->conns; c; c = c->next) {
		if (c->id == conn && c->deferred && !c->closing) {
			break;
		}
	}
	if (c == NULL) {
		return -ENOENT;
	}
	if (body == NULL) {
		return 0;
	}
	if (ctl_reply_make(ok ? CTL_OK : CTL_FAILED, body, strlen(body), &f,
	    &flen) != 0) {
		conn_close(c);
		return -ENOMEM;
	}
	c->deferred = 0;
	uv_read_stop((uv_stream_t *)&c->pipe);
	conn_send(c, f, flen, 1);
	return 0;
}
