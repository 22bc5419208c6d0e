/*
 * test_ctl.c - the control protocol: command grammar, request/reply frames,
 * a fuzz of random and mutated frames into the server's parser (no crash,
 * every answer a well-formed reply, malformed input answered CTL_FAILED),
 * and a real round trip over a Unix socket with the libuv server, including
 * the peer-credential check.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/ctl.h"
#include "t/harness/t.h"

static int handler_calls;

/*
 * Echoes the parsed command; fails "down" to exercise CTL_FAILED.  With a
 * server as ctx, "up NAME" also broadcasts "event NAME" to monitors.
 */
static int
echo_handler(void *ctx, const struct ctl_cmd *cmd, FILE *out)
{
	handler_calls++;
	if (ctx != NULL && cmd->op == CTL_UP && strcmp(cmd->name, "flood")) {
		char line[200], json[200];

		snprintf(line, sizeof(line), "event %s", cmd->name);
		snprintf(json, sizeof(json), "{\"event\":\"%s\"}", cmd->name);
		ctl_server_broadcast(ctx, line, json);
	}
	if (ctx != NULL && cmd->op == CTL_UP && !strcmp(cmd->name, "flood")) {
		char line[1000];

		/* 8 MB: far past any socket buffer plus the queue bound. */
		memset(line, 'x', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		for (int i = 0; i < 8000; i++) {
			ctl_server_broadcast(ctx, line, line);
		}
	}
	if (cmd->op == CTL_DOWN) {
		fprintf(out, "no such vpn: %s\n", cmd->name);
		return -ENOENT;
	}
	fprintf(out, "op=%d json=%d verbose=%d name=%s\n", cmd->op,
	    cmd->json, cmd->verbose, cmd->name);
	return 0;
}

T_CASE(ctl, cmd_grammar)
{
	static const struct {
		const char *text;
		int rc, op, json, verbose;
		const char *name;
	} rows[] = {
		{ "show sa", 0, CTL_SHOW_SA, 0, 0, "" },
		{ "show sa --json", 0, CTL_SHOW_SA, 1, 0, "" },
		{ "show sa nom_vpn --json", 0, CTL_SHOW_SA, 1, 0, "nom_vpn" },
		{ "  show   sa  --json  vpn2 ", 0, CTL_SHOW_SA, 1, 0, "vpn2" },
		{ "show stats", 0, CTL_SHOW_STATS, 0, 0, "" },
		{ "show stats --json", 0, CTL_SHOW_STATS, 1, 0, "" },
		{ "up a", 0, CTL_UP, 0, 0, "a" },
		{ "down b", 0, CTL_DOWN, 0, 0, "b" },
		{ "reload", 0, CTL_RELOAD, 0, 0, "" },
		{ "log verbose", 0, CTL_LOG, 0, 1, "" },
		{ "log brief", 0, CTL_LOG, 0, 0, "" },
		{ "reset all", 0, CTL_RESET_ALL, 0, 0, "" },
		{ "reset vpn x", 0, CTL_RESET_VPN, 0, 0, "x" },
		{ "monitor", 0, CTL_MONITOR, 0, 0, "" },
		{ "show kernel", 0, CTL_SHOW_KERNEL, 0, 0, "" },
		{ "show kernel --json", 0, CTL_SHOW_KERNEL, 1, 0, "" },
		{ "monitor now", -EBADMSG, 0, 0, 0, "" },
		{ "monitor --json", 0, CTL_MONITOR, 1, 0, "" },
		{ "monitor --dump", -EBADMSG, 0, 0, 0, "" },
		{ "show stats --dump", -EBADMSG, 0, 0, 0, "" },
		{ "show sa --keys", -EBADMSG, 0, 0, 0, "" },
		{ "show kernel --json --dump", -EBADMSG, 0, 0, 0, "" },
		{ "load", -EBADMSG, 0, 0, 0, "" },
		{ "load   ", -EBADMSG, 0, 0, 0, "" },
		{ "load etc/ikd.conf", -EBADMSG, 0, 0, 0, "" },
		{ "load /etc/ikd\x01.conf", -EBADMSG, 0, 0, 0, "" },
		{ "loader /x", -EBADMSG, 0, 0, 0, "" },
		{ "", -EBADMSG, 0, 0, 0, "" },
		{ "   ", -EBADMSG, 0, 0, 0, "" },
		{ "show", 0, CTL_SHOW_VPN, 0, 0, "" },
		{ "show --json", 0, CTL_SHOW_VPN, 1, 0, "" },
		{ "show vpn", 0, CTL_SHOW_VPN, 0, 0, "" },
		{ "show vpn branch --json", 0, CTL_SHOW_VPN, 1, 0, "branch" },
		{ "show vpn a b", -EBADMSG, 0, 0, 0, "" },
		{ "show branch", -EBADMSG, 0, 0, 0, "" },
		{ "show sa a b", -EBADMSG, 0, 0, 0, "" },
		{ "up", -EBADMSG, 0, 0, 0, "" },
		{ "up a b", -EBADMSG, 0, 0, 0, "" },
		{ "log loud", -EBADMSG, 0, 0, 0, "" },
		{ "reset", -EBADMSG, 0, 0, 0, "" },
		{ "reset vpn", -EBADMSG, 0, 0, 0, "" },
		{ "reload --json", -EBADMSG, 0, 0, 0, "" },
		{ "frob", -EBADMSG, 0, 0, 0, "" },
		{ "show\tsa", -EBADMSG, 0, 0, 0, "" },
		{ "up caf\xc3\xa9", -EBADMSG, 0, 0, 0, "" },
		{ "a b c d e f g h i", -EBADMSG, 0, 0, 0, "" },
		{ "up a -w 10", 0, CTL_UP, 0, 0, "a" },
		{ "down -w 3600 b", 0, CTL_DOWN, 0, 0, "b" },
		{ "up a -w", -EBADMSG, 0, 0, 0, "" },
		{ "up a -w 0", -EBADMSG, 0, 0, 0, "" },
		{ "up a -w 3601", -EBADMSG, 0, 0, 0, "" },
		{ "up a -w 99999999999999999999", -EBADMSG, 0, 0, 0, "" },
		{ "up a -w 5s", -EBADMSG, 0, 0, 0, "" },
		{ "up a -w -w", -EBADMSG, 0, 0, 0, "" },
		{ "show sa -w 5", -EBADMSG, 0, 0, 0, "" },
		{ "reset vpn a -w 5", -EBADMSG, 0, 0, 0, "" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ctl_cmd cmd;
		char err[512] = "";
		int rc;

		T_ROW("'%s'", rows[i].text);
		rc = ctl_cmd_parse(rows[i].text, strlen(rows[i].text), &cmd,
		    err, sizeof(err));
		T_EQ_INT(rc, rows[i].rc);
		if (rc == 0) {
			T_EQ_INT(cmd.op, rows[i].op);
			T_EQ_INT(cmd.json, rows[i].json);
			T_EQ_INT(cmd.verbose, rows[i].verbose);
			T_EQ_STR(cmd.name, rows[i].name);
			T_EQ_INT(cmd.wait, strstr(rows[i].text, "-w 10") ?
			    10 : strstr(rows[i].text, "-w 3600") ? 3600 : 0);
		} else {
			T_ASSERT(err[0] != '\0');
		}
	}
	T_ROW("show kernel flags");
	{
		struct ctl_cmd cmd;
		char err[512];

		T_EQ_INT(ctl_cmd_parse("show kernel --dump --keys", 25, &cmd,
		    err, sizeof(err)), 0);
		T_EQ_INT(cmd.op, CTL_SHOW_KERNEL);
		T_EQ_INT(cmd.dump, 1);
		T_EQ_INT(cmd.keys, 1);
		T_EQ_INT(cmd.json, 0);
	}
	T_ROW("load takes the rest of the line, spaces kept, ends trimmed");
	{
		static const char *t[][2] = {
			{ "load /etc/ikebox/ikd.conf", "/etc/ikebox/ikd.conf" },
			{ "  load   /a b/c.conf  ", "/a b/c.conf" },
		};
		struct ctl_cmd cmd;
		char err[512];

		for (int i = 0; i < 2; i++) {
			T_EQ_INT(ctl_cmd_parse(t[i][0], strlen(t[i][0]), &cmd,
			    err, sizeof(err)), 0);
			T_EQ_INT(cmd.op, CTL_LOAD);
			T_EQ_STR(cmd.path, t[i][1]);
		}
		ctl_cmd_parse("load x.conf", 11, &cmd, err, sizeof(err));
		T_CONTAINS(err, "'x.conf' is not an absolute path");
	}
	T_ROW("load: an over-long path refused");
	{
		struct ctl_cmd cmd;
		char err[512], text[CTL_PATH_MAX + 16] = "load /";

		memset(text + 6, 'p', CTL_PATH_MAX);
		text[6 + CTL_PATH_MAX] = '\0';
		T_EQ_INT(ctl_cmd_parse(text, strlen(text), &cmd, err,
		    sizeof(err)), -EBADMSG);
		T_CONTAINS(err, "longer than");
	}
	T_ROW("unknown command names the word and lists commands");
	{
		struct ctl_cmd cmd;
		char err[512];

		ctl_cmd_parse("frob x", 6, &cmd, err, sizeof(err));
		T_CONTAINS(err, "unknown command 'frob x'");
		T_CONTAINS(err, "show sa [NAME] [--json]");
	}
	T_ROW("over-long name refused");
	{
		struct ctl_cmd cmd;
		char err[512], text[300] = "up ";

		memset(text + 3, 'n', 200);
		text[203] = '\0';
		T_EQ_INT(ctl_cmd_parse(text, strlen(text), &cmd, err,
		    sizeof(err)), -EBADMSG);
		T_CONTAINS(err, "longer than");
	}
}

/* Serves frame through ctl_serve; returns the reply status or -1. */
static int
serve(const uint8_t *f, size_t n, char *body, size_t bodycap)
{
	uint8_t *r = NULL;
	size_t rlen;
	const uint8_t *b;
	size_t blen;
	int st, rc = ctl_serve(f, n, echo_handler, NULL, &r, &rlen);

	if (rc != 1) {
		return rc == 0 ? -2 : -1;
	}
	if (ctl_reply_parse(r, rlen, &st, &b, &blen) != 0 ||
	    rlen != blen + 5) {
		free(r);
		return -1;
	}
	if (body) {
		snprintf(body, bodycap, "%.*s", (int)blen, (const char *)b);
	}
	free(r);
	return st;
}

T_CASE(ctl, serve_frames)
{
	uint8_t f[CTL_MAX_REQUEST + 16];
	char body[1024];
	int n;

	T_ROW("well-formed request runs the handler");
	n = ctl_request_make("show sa x --json", f, sizeof(f));
	T_EQ_INT(n, 5 + 16);
	T_EQ_INT(serve(f, (size_t)n, body, sizeof(body)), CTL_OK);
	T_EQ_STR(body, "op=1 json=1 verbose=0 name=x\n");

	T_ROW("handler failure is CTL_FAILED with its reason");
	n = ctl_request_make("down y", f, sizeof(f));
	T_EQ_INT(serve(f, (size_t)n, body, sizeof(body)), CTL_FAILED);
	T_EQ_STR(body, "no such vpn: y\n");

	T_ROW("incomplete frames wait for more");
	n = ctl_request_make("reload", f, sizeof(f));
	for (int i = 0; i < n; i++) {
		T_EQ_INT(serve(f, (size_t)i, NULL, 0), -2);
	}

	T_ROW("unknown command");
	n = ctl_request_make("frob", f, sizeof(f));
	T_EQ_INT(serve(f, (size_t)n, body, sizeof(body)), CTL_FAILED);
	T_CONTAINS(body, "unknown command 'frob'");

	T_ROW("bad version");
	n = ctl_request_make("reload", f, sizeof(f));
	f[4] = 9;
	T_EQ_INT(serve(f, (size_t)n, body, sizeof(body)), CTL_FAILED);
	T_CONTAINS(body, "unsupported protocol version 9");

	T_ROW("empty frame");
	memset(f, 0, 4);
	T_EQ_INT(serve(f, 4, body, sizeof(body)), CTL_FAILED);
	T_CONTAINS(body, "empty frame");

	T_ROW("oversized declared length refused from the header alone");
	f[0] = 0x00, f[1] = 0x01, f[2] = 0x00, f[3] = 0x01;
	T_EQ_INT(serve(f, 4, body, sizeof(body)), CTL_FAILED);
	T_CONTAINS(body, "more than 65536");
	f[0] = 0xff;
	T_EQ_INT(serve(f, 4, body, sizeof(body)), CTL_FAILED);

	T_ROW("largest request accepted by the frame layer");
	memset(f + 5, 'a', CTL_MAX_REQUEST - 1);
	f[0] = 0, f[1] = 1, f[2] = 0, f[3] = 0, f[4] = CTL_VERSION;
	T_EQ_INT(serve(f, CTL_MAX_REQUEST + 4, body, sizeof(body)),
	    CTL_FAILED);
	T_CONTAINS(body, "longer than");

	T_ROW("request builder refuses oversize");
	{
		char *big = malloc(CTL_MAX_REQUEST + 1);

		memset(big, 'a', CTL_MAX_REQUEST);
		big[CTL_MAX_REQUEST] = '\0';
		T_EQ_INT(ctl_request_make(big, f, sizeof(f)), -EMSGSIZE);
		free(big);
	}
}

/* xorshift64: deterministic fuzz, same inputs on every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

T_CASE(ctl, fuzz)
{
	static const char *seeds[] = {
		"show sa --json", "show sa vpn1", "show stats", "up a",
		"down b", "reload", "log verbose", "reset all", "reset vpn c",
		"load /etc/ikebox/ikd.conf", "monitor", "show kernel --keys",
	};
	uint8_t f[512];
	uint64_t s = 0x1234567890abcdefULL;
	int replies = 0, ok = 0, bad = 0, waits = 0;

	T_ROW("20000 random frames");
	for (int i = 0; i < 20000; i++) {
		size_t n = rnd(&s) % sizeof(f);
		int st;

		for (size_t j = 0; j < n; j++) {
			f[j] = (uint8_t)rnd(&s);
		}
		/* Half of them with a plausible small length field. */
		if (n >= 5 && (i & 1)) {
			f[0] = f[1] = 0;
			f[2] = (uint8_t)((n - 4) >> 8);
			f[3] = (uint8_t)(n - 4);
			f[4] = CTL_VERSION;
		}
		st = serve(f, n, NULL, 0);
		if (st == -1) {
			bad++;
		} else if (st == -2) {
			waits++;
		} else {
			replies++;
		}
	}
	T_EQ_INT(bad, 0);
	T_ASSERT(replies > 5000);
	T_ASSERT(waits > 0);

	T_ROW("20000 mutated valid frames");
	replies = ok = 0;
	for (int i = 0; i < 20000; i++) {
		const char *seed = seeds[rnd(&s) % 12];
		int n = ctl_request_make(seed, f, sizeof(f));
		int flips = 1 + (int)(rnd(&s) % 3), st;
		size_t len = (size_t)n;

		for (int k = 0; k < flips; k++) {
			size_t at = rnd(&s) % (size_t)n;

			switch (rnd(&s) % 3) {
			case 0:
				f[at] ^= (uint8_t)(1u << (rnd(&s) % 8));
				break;
			case 1:
				f[at] = (uint8_t)rnd(&s);
				break;
			default:
				len = at;	/* truncated */
			}
		}
		handler_calls = 0;
		st = serve(f, len, NULL, 0);
		if (st == -1) {
			bad++;
		}
		if (st == CTL_OK) {
			ok++;
			T_EQ_INT(handler_calls, 1);
		}
		if (st >= 0) {
			replies++;
		}
	}
	T_EQ_INT(bad, 0);
	T_ASSERT(replies > 1000);
	T_ASSERT(ok > 0);
}

struct srv_thread {
	uv_loop_t loop;
	uv_async_t stop;
	struct ctl_server srv;
	const char *path;
	int rc;
};

static void
stop_cb(uv_async_t *a)
{
	struct srv_thread *t = a->data;

	ctl_server_close(&t->srv);
	uv_close((uv_handle_t *)a, NULL);
}

static void *
srv_main(void *arg)
{
	struct srv_thread *t = arg;

	uv_run(&t->loop, UV_RUN_DEFAULT);
	return NULL;
}

/* A `monitor` client in its own thread: collects two events, then stops. */
struct mon {
	const char *path, *cmd;
	int ready, n_ok, n_failed, n_ev, rc;
	char got[256];
};

static int
mon_cb(void *arg, int status, const char *body, size_t blen)
{
	struct mon *m = arg;
	size_t have = strlen(m->got);

	if (status == CTL_OK) {
		m->n_ok++;
		__atomic_store_n(&m->ready, 1, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (status == CTL_FAILED) {
		m->n_failed++;
		return 0;
	}
	snprintf(m->got + have, sizeof(m->got) - have, "%.*s", (int)blen,
	    body);
	return ++m->n_ev == 2 ? 2 : 0;
}

static void *
mon_main(void *arg)
{
	struct mon *m = arg;

	m->rc = ctl_stream(m->path, m->cmd ? m->cmd : "monitor", mon_cb, m);
	return NULL;
}

T_CASE(ctl, socket_round_trip)
{
	struct srv_thread t = { 0 };
	pthread_t th;
	char *body = NULL;
	size_t blen;
	int st = -1, rc, ws;
	pid_t pid;

	unlink("t/out/ctl.sock");	/* a socket left by a killed run */
	t.path = t_tmpfile("ctl.sock", "");
	T_ROW("no daemon: connect error");
	unlink(t.path);
	T_EQ_INT(ctl_call(t.path, "show sa", &st, &body, &blen), -ENOENT);
	T_EQ_INT(ctl_probe(t.path), 0);

	T_ROW("server opens with mode 0600");
	uv_loop_init(&t.loop);
	rc = ctl_server_open(&t.srv, &t.loop, t.path, echo_handler, &t.srv);
	T_EQ_INT(rc, 0);
	if (rc != 0) {
		uv_loop_close(&t.loop);
		return;
	}
	{
		struct stat sb;

		T_EQ_INT(stat(t.path, &sb), 0);
		T_EQ_INT(sb.st_mode & 0777, 0600);
	}
	uv_async_init(&t.loop, &t.stop, stop_cb);
	t.stop.data = &t;
	pthread_create(&th, NULL, srv_main, &t);

	T_ROW("a second server on the same path is refused");
	{
		struct ctl_server s2;
		uv_loop_t l2;

		uv_loop_init(&l2);
		T_EQ_INT(ctl_server_open(&s2, &l2, t.path, echo_handler,
		    NULL), -EADDRINUSE);
		uv_loop_close(&l2);
	}

	T_ROW("ok reply");
	T_EQ_INT(ctl_call(t.path, "show sa --json", &st, &body, &blen), 0);
	T_EQ_INT(st, CTL_OK);
	T_EQ_STR(body, "op=1 json=1 verbose=0 name=\n");
	free(body);

	T_ROW("failed reply");
	T_EQ_INT(ctl_call(t.path, "down zz", &st, &body, &blen), 0);
	T_EQ_INT(st, CTL_FAILED);
	T_EQ_STR(body, "no such vpn: zz\n");
	free(body);

	T_ROW("monitor: OK, then the events broadcast while it listens; "
	    "--json gets the JSON form");
	{
		struct mon m = { .path = t.path };
		struct mon mj = { .path = t.path, .cmd = "monitor --json" };
		pthread_t mt, mjt;
		int i;

		pthread_create(&mt, NULL, mon_main, &m);
		pthread_create(&mjt, NULL, mon_main, &mj);
		for (i = 0; i < 500 && !(__atomic_load_n(&m.ready,
		    __ATOMIC_SEQ_CST) && __atomic_load_n(&mj.ready,
		    __ATOMIC_SEQ_CST)); i++) {
			usleep(10000);
		}
		T_ASSERT(i < 500);
		T_EQ_INT(t.srv.n_json_monitors, 1);
		T_EQ_INT(ctl_call(t.path, "up vpn7", &st, &body, &blen), 0);
		free(body);
		T_EQ_INT(ctl_call(t.path, "up vpn8", &st, &body, &blen), 0);
		free(body);
		pthread_join(mt, NULL);
		pthread_join(mjt, NULL);
		T_EQ_INT(m.rc, 2);	/* its callback stopped it */
		T_EQ_STR(m.got, "event vpn7\nevent vpn8\n");
		T_EQ_INT(m.n_ok, 1);
		T_EQ_INT(mj.rc, 2);
		T_EQ_STR(mj.got, "{\"event\":\"vpn7\"}\n{\"event\":\"vpn8\"}\n");
	}

	T_ROW("monitor: an ended client is dropped from the server");
	for (int i = 0; i < 200 && t.srv.n_monitors != 0; i++) {
		usleep(10000);
	}
	T_EQ_INT(t.srv.n_monitors, 0);
	T_EQ_INT(t.srv.n_json_monitors, 0);

	T_ROW("monitor: a client that stops reading is cut, not buffered");
	{
		uint8_t req[64], hdr[5];
		int fd = socket(AF_UNIX, SOCK_STREAM, 0), n, i;
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", t.path);
		T_EQ_INT(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
		n = ctl_request_make("monitor", req, sizeof(req));
		T_EQ_INT(write(fd, req, (size_t)n), n);
		T_EQ_INT(read(fd, hdr, 5), 5);	/* the OK reply */
		T_EQ_INT(hdr[4], CTL_OK);
		for (i = 0; i < 200 && t.srv.n_monitors != 1; i++) {
			usleep(10000);
		}
		T_EQ_INT(ctl_call(t.path, "up flood", &st, &body, &blen), 0);
		free(body);
		for (i = 0; i < 500 && t.srv.n_monitors != 0; i++) {
			usleep(10000);
		}
		T_EQ_INT(t.srv.n_monitors, 0);
		T_EQ_INT(ctl_call(t.path, "show sa", &st, &body, &blen), 0);
		T_EQ_INT(st, CTL_OK);
		free(body);
		close(fd);
	}

	T_ROW("live fuzz: 300 hostile clients, the server answers or closes");
	{
		uint64_t r = 0x5eed5eed5eedULL;
		int bad = 0;

		for (int i = 0; i < 300; i++) {
			struct sockaddr_un sun = { .sun_family = AF_UNIX };
			uint8_t f[600], in[4096];
			size_t n = 0, got = 0;
			int fd = socket(AF_UNIX, SOCK_STREAM, 0), rst;
			const uint8_t *b;
			size_t bl;

			snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
			    t.path);
			if (connect(fd, (struct sockaddr *)&sun,
			    sizeof(sun)) != 0) {
				bad++;
				close(fd);
				continue;
			}
			if (i % 3 == 0) {
				/* garbage */
				n = rnd(&r) % sizeof(f);
				for (size_t j = 0; j < n; j++) {
					f[j] = (uint8_t)rnd(&r);
				}
			} else {
				/* a valid request with bytes flipped or cut */
				n = (size_t)ctl_request_make(i % 3 == 1 ?
				    "show sa --json" : "load /a b", f,
				    sizeof(f));
				f[rnd(&r) % n] ^= (uint8_t)(1 + rnd(&r) % 255);
				if (rnd(&r) % 2) {
					n = rnd(&r) % n;
				}
			}
			/* In two pieces, to cross the server's buffering. */
			(void)!send(fd, f, n / 2, MSG_NOSIGNAL);
			(void)!send(fd, f + n / 2, n - n / 2, MSG_NOSIGNAL);
			shutdown(fd, SHUT_WR);
			for (;;) {
				ssize_t k = read(fd, in + got,
				    sizeof(in) - got);

				if (k <= 0) {
					break;
				}
				got += (size_t)k;
			}
			close(fd);
			/* Nothing (a request cut short) or one reply. */
			if (got > 0 && (ctl_reply_parse(in, got, &rst, &b,
			    &bl) != 0 || bl + 5 != got)) {
				bad++;
			}
		}
		T_EQ_INT(bad, 0);
		T_EQ_INT(ctl_call(t.path, "show stats", &st, &body, &blen), 0);
		T_EQ_INT(st, CTL_OK);
		free(body);
	}

	T_ROW("monitor with arguments is refused");
	{
		struct mon m = { .path = t.path };

		T_EQ_INT(ctl_stream(t.path, "monitor all", mon_cb, &m), 0);
		T_EQ_INT(m.n_failed, 1);
	}

	T_ROW("another uid is refused by SO_PEERCRED");
	/* Open the mode for this row so the credential check is reached. */
	chmod(t.path, 0666);
	pid = fork();
	if (pid == 0) {
		char *b = NULL;
		size_t bl;
		int s2 = -1;

		if (setuid(65534) != 0) {
			_exit(3);
		}
		int r = ctl_call(t.path, "show sa", &s2, &b, &bl);

		if (r != 0) {
			_exit(10 + (-r & 0x7f));
		}
		_exit(s2 == CTL_FAILED && strstr(b, "permission denied") ?
		    0 : 1);
	}
	T_ASSERT(waitpid(pid, &ws, 0) == pid);
	T_ASSERT(WIFEXITED(ws));
	T_EQ_INT(WEXITSTATUS(ws), 0);

	T_ROW("stop removes the socket");
	uv_async_send(&t.stop);
	pthread_join(th, NULL);
	uv_run(&t.loop, UV_RUN_DEFAULT);
	T_EQ_INT(uv_loop_close(&t.loop), 0);
	T_ASSERT(access(t.path, F_OK) != 0);
}

/* The grammar is one table: every command the usage shows parses to its
 * op, with its VPN name where it takes one, and is in the usage line. */
T_CASE(ctl, every_verb_of_the_table_parses)
{
	char usage[512], text[160], err[600];
	struct ctl_cmd cmd;

	ctl_usage(usage, sizeof(usage));
	for (size_t i = 0; i < ctl_n_verbs; i++) {
		const struct ctl_verb *v = &ctl_verbs[i];

		T_ROW("%s", v->words);
		if (v->usage != NULL) {
			T_CONTAINS(usage, v->usage);
		}
		snprintf(text, sizeof(text), "%s%s", v->words,
		    v->arg == CTL_ARG_FILE ? " /etc/ikebox/x.conf" :
		    v->arg == CTL_ARG_NONE ? "" : " branch");
		T_EQ_INT(ctl_cmd_parse(text, strlen(text), &cmd, err,
		    sizeof(err)), 0);
		T_EQ_INT(cmd.op, v->op);
		T_EQ_STR(cmd.name, v->arg == CTL_ARG_NAME ||
		    v->arg == CTL_ARG_OPT_NAME ? "branch" : "");
		if (v->op == CTL_LOG) {
			T_EQ_INT(cmd.verbose, v->verbose);
		}
	}
}
