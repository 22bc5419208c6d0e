/*
 * test_keepalive.c - keepalive-pinger's sans-I/O half: the Internet
 * checksum (RFC 1071's own example), echo messages built and read back
 * (with every truncation and a table of foreign or damaged datagrams), the
 * one-shot schedule against ping's rules on a virtual clock, the watch
 * state machine's down/up/reset events, the flow check against a loaded
 * configuration, and the seconds parser of -i/-w/-W.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/keepalive/keepalive.h"
#include "t/harness/t.h"

/* RFC 1071 section 3, "Numerical Examples": the bytes 00 01 f2 03 f4 f5
 * f6 f7 sum to ddf2 (ones' complement), so the checksum is ~ddf2. */
T_CASE(keepalive, cksum_rfc1071)
{
	uint8_t b[8];

	T_EQ_INT(t_unhex(b, sizeof(b), "0001f203f4f5f6f7"), 8);
	T_EQ_INT(ka_cksum(b, 8), 0x220d);
	/* An odd length pads with a zero byte: 00 01 f2 sums to 0xf201. */
	T_EQ_INT(ka_cksum(b, 3), (uint16_t)~0xf201);
}

T_CASE(keepalive, echo_build)
{
	uint8_t b[KA_ECHO_LEN];

	T_EQ_INT(ka_echo_build(AF_INET, 0x1234, 7, 0x0102030405060708ull, b,
	    sizeof(b)), KA_ECHO_LEN);
	T_EQ_INT(b[0], 8);		/* RFC 792: Echo */
	T_EQ_INT(b[1], 0);
	T_EQ_INT(b[4] << 8 | b[5], 0x1234);
	T_EQ_INT(b[6] << 8 | b[7], 7);
	T_EQ_INT(b[8], 1);
	T_EQ_INT(b[15], 8);
	T_EQ_INT(ka_cksum(b, sizeof(b)), 0);	/* the checksum is right */
	T_EQ_INT(ka_echo_build(AF_INET6, 1, 2, 3, b, sizeof(b)), KA_ECHO_LEN);
	T_EQ_INT(b[0], 128);		/* RFC 4443 4.1 */
	T_EQ_INT(b[2] << 8 | b[3], 0);	/* the kernel fills it in */
	T_EQ_INT(ka_echo_build(AF_INET, 1, 2, 3, b, KA_ECHO_LEN - 1),
	    -EMSGSIZE);
	T_EQ_INT(ka_echo_build(AF_UNIX, 1, 2, 3, b, sizeof(b)),
	    -EAFNOSUPPORT);
}

/* A reply to our echo as a peer sends it: type 0, checksum redone. */
static size_t
make_reply(uint8_t *out, int with_ip, int ihl_words, uint16_t id,
    uint16_t seq)
{
	size_t off = with_ip ? (size_t)ihl_words * 4 : 0;
	uint16_t ck;

	memset(out, 0, off);
	if (with_ip) {
		out[0] = (uint8_t)(0x40 | ihl_words);
		out[8] = 63;			/* TTL */
		out[9] = IPPROTO_ICMP;
		memcpy(out + 12, "\xcb\x00\x71\xfe", 4); /* 203.0.113.254 */
	}
	ka_echo_build(AF_INET, id, seq, 123456789, out + off, KA_ECHO_LEN);
	out[off] = KA_ICMP_ECHO_REPLY;
	out[off + 2] = out[off + 3] = 0;
	ck = ka_cksum(out + off, KA_ECHO_LEN);
	out[off + 2] = (uint8_t)(ck >> 8);
	out[off + 3] = (uint8_t)ck;
	return off + KA_ECHO_LEN;
}

T_CASE(keepalive, echo_parse)
{
	uint8_t b[128];
	struct ka_echo e;
	size_t n;

	n = make_reply(b, 1, 5, 0xbeef, 42);
	T_EQ_INT(ka_echo_parse(AF_INET, 1, b, n, &e), 0);
	T_EQ_INT(e.id, 0xbeef);
	T_EQ_INT(e.seq, 42);
	T_EQ_INT(e.ttl, 63);
	T_EQ_INT(e.sent_us, 123456789);
	T_EQ_MEM(e.src, "\xcb\x00\x71\xfe", 4);
	/* IP options: the ICMP message starts after IHL words. */
	n = make_reply(b, 1, 6, 1, 2);
	T_EQ_INT(ka_echo_parse(AF_INET, 1, b, n, &e), 0);
	T_EQ_INT(e.seq, 2);
	/* Ping sockets hand over the ICMP message alone; no TTL in it. */
	n = make_reply(b, 0, 0, 1, 3);
	T_EQ_INT(ka_echo_parse(AF_INET, 0, b, n, &e), 0);
	T_EQ_INT(e.ttl, -1);
	/* Every truncation is refused, never read past. */
	n = make_reply(b, 1, 5, 1, 2);
	for (size_t l = 0; l < n; l++) {
		T_EQ_INT(ka_echo_parse(AF_INET, 1, b, l, &e), -EBADMSG);
	}
	/* ICMPv6: no IP header, type 129, checksum the kernel's business. */
	ka_echo_build(AF_INET6, 5, 6, 7, b, sizeof(b));
	T_EQ_INT(ka_echo_parse(AF_INET6, 0, b, KA_ECHO_LEN, &e), -EBADMSG);
	b[0] = KA_ICMP6_ECHO_REPLY;
	T_EQ_INT(ka_echo_parse(AF_INET6, 0, b, KA_ECHO_LEN, &e), 0);
	T_EQ_INT(e.seq, 6);
}

T_CASE(keepalive, echo_parse_refused)
{
	static const struct {
		const char *what;
		size_t at;		/* byte to change, in the IP packet */
		uint8_t value;
	} rows[] = {
		{ "our own request (a raw socket sees it on lo)", 20, 8 },
		{ "destination unreachable", 20, 3 },
		{ "code not 0", 21, 1 },
		{ "bad checksum", 22, 0x55 },
		{ "not our mark (another program's ping)", 36, 'X' },
		{ "pattern damaged", 83, 0 },
		{ "IP version 6 in an IPv4 header", 0, 0x65 },
		{ "IHL below 5", 0, 0x44 },
		{ "IHL past the end", 0, 0x4f },
		{ "protocol not ICMP", 9, IPPROTO_UDP },
	};
	uint8_t b[128];
	struct ka_echo e;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t n = make_reply(b, 1, 5, 1, 1);

		T_ROW("%s", rows[i].what);
		if (rows[i].at == 83) {
			b[rows[i].at] ^= 0xff;
		} else if (rows[i].at == 22) {
			b[rows[i].at] ^= rows[i].value;
		} else {
			b[rows[i].at] = rows[i].value;
		}
		T_EQ_INT(ka_echo_parse(AF_INET, 1, b, n, &e), -EBADMSG);
	}
}

/* Runs a schedule on a virtual clock.  reply: every echo is answered
 * after 100 us.  Returns the time it stopped at. */
static uint64_t
run_ping(struct ka_ping *p, int reply)
{
	uint64_t now = 0, wait;
	int guard = 0;

	while (guard++ < 100000) {
		int s = ka_ping_step(p, now, &wait);

		if (s == KA_PING_DONE) {
			return now;
		}
		if (s == KA_PING_SEND) {
			if (reply) {
				ka_ping_reply(p, 100);
			}
			continue;
		}
		T_ASSERT(wait > 0);
		now += wait;
	}
	T_ASSERT(!"schedule never ended");
	return now;
}

T_CASE(keepalive, ping_schedule)
{
	static const struct {
		const char *args;
		uint32_t count;
		uint64_t interval, deadline, linger;
		int reply;
		uint32_t sent;
		uint64_t end;
		int status;
	} rows[] = {
		/* The how-to's cron line: the deadline ends it at 1 s. */
		{ "-c 60 -w 1, answered", 60, 1000, 1000, 10000, 1, 1, 1000,
		  0 },
		{ "-c 60 -w 1, silent", 60, 1000, 1000, 10000, 0, 1, 1000, 1 },
		/* Count without deadline: the last reply ends it... */
		{ "-c 3, answered", 3, 1000, 0, 10000, 1, 3, 2000, 0 },
		/* ...or ping's linger (-W, 10 s) when nothing came back. */
		{ "-c 3 -i 0.2, silent", 3, 200, 0, 10000, 0, 3, 10400, 1 },
		{ "-c 3 -i 0.2 -W 1, silent", 3, 200, 0, 1000, 0, 3, 1400, 1 },
		{ "-w 5, answered", 0, 1000, 5000, 10000, 1, 5, 5000, 0 },
		/* With a deadline, count replies end it early... */
		{ "-c 2 -w 10, answered", 2, 1000, 10000, 10000, 1, 2, 1000,
		  0 },
		/* ...and echoes go on past count while none come back. */
		{ "-c 2 -w 3, silent", 2, 1000, 3000, 10000, 0, 3, 3000, 1 },
		{ "-c 1, answered", 1, 1000, 0, 10000, 1, 1, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ka_ping p;
		uint64_t end;

		T_ROW("%s", rows[i].args);
		ka_ping_init(&p, rows[i].count, rows[i].interval,
		    rows[i].deadline, rows[i].linger);
		end = run_ping(&p, rows[i].reply);
		T_EQ_INT(p.sent, rows[i].sent);
		T_EQ_INT(end, rows[i].end);
		T_EQ_INT(ka_ping_status(&p), rows[i].status);
	}
}

T_CASE(keepalive, ping_slow_reply)
{
	struct ka_ping p;
	uint64_t wait;

	/* -c 1: a 3 s round trip makes the final wait 2 x 3 s, not 1 s. */
	ka_ping_init(&p, 2, 1000, 0, 10000);
	T_EQ_INT(ka_ping_step(&p, 0, &wait), KA_PING_SEND);
	T_EQ_INT(ka_ping_step(&p, 0, &wait), KA_PING_WAIT);
	T_EQ_INT(wait, 1000);
	ka_ping_reply(&p, 3000000);
	T_EQ_INT(ka_ping_step(&p, 1000, &wait), KA_PING_SEND);
	T_EQ_INT(ka_ping_step(&p, 1000, &wait), KA_PING_WAIT);
	T_EQ_INT(wait, 6000);
	T_EQ_INT(ka_ping_step(&p, 7000, &wait), KA_PING_DONE);
	T_EQ_INT(p.rtt_min_us, 3000000);
}

/* Ticks n times without replies; returns the events of the last tick. */
static unsigned
miss(struct ka_watch *w, int n)
{
	uint16_t seq;
	unsigned ev = 0;

	for (int i = 0; i < n; i++) {
		ev = ka_watch_tick(w, &seq);
	}
	return ev;
}

T_CASE(keepalive, watch_down_up)
{
	struct ka_watch w;
	uint16_t seq;

	ka_watch_init(&w, 3, 60);
	/* The first echo is answered: "tunnel up", once. */
	T_EQ_INT(ka_watch_tick(&w, &seq), KA_EV_SEND);
	T_EQ_INT(seq, 1);
	T_EQ_INT(ka_watch_reply(&w, 1), KA_EV_UP);
	T_EQ_INT(ka_watch_reply(&w, 1), 0);	/* duplicate */
	T_EQ_INT(ka_watch_tick(&w, &seq), KA_EV_SEND);
	T_EQ_INT(ka_watch_reply(&w, seq), 0);	/* still up: no news */
	/* Echoes 3, 4 go unanswered: two misses, nothing said yet. */
	T_EQ_INT(ka_watch_tick(&w, &seq), KA_EV_SEND);
	T_EQ_INT(miss(&w, 1), KA_EV_SEND);
	T_EQ_INT(w.missed, 1);
	T_EQ_INT(miss(&w, 1), KA_EV_SEND);
	T_EQ_INT(w.missed, 2);
	/* The third miss: down, and ask ikd to reset. */
	T_EQ_INT(miss(&w, 1), KA_EV_SEND | KA_EV_DOWN | KA_EV_RESET);
	T_EQ_INT(w.missed, 3);
	T_EQ_INT(w.state, KA_STATE_DOWN);
	/* A late reply to an older echo does not count. */
	T_EQ_INT(ka_watch_reply(&w, (uint16_t)(w.seq - 1)), 0);
	T_EQ_INT(ka_watch_reply(&w, w.seq), KA_EV_UP_AGAIN);
	T_EQ_INT(w.missed, 0);
	/* Down again takes fail_after misses again, not the backed-off gap. */
	T_EQ_INT(miss(&w, 3), KA_EV_SEND);
	T_EQ_INT(miss(&w, 1), KA_EV_SEND | KA_EV_DOWN | KA_EV_RESET);
}

T_CASE(keepalive, watch_reset_backoff)
{
	static const struct {
		uint32_t fail_after, interval;
		uint32_t resets[6];	/* missed counts that ask for a reset */
	} rows[] = {
		/* 3, then 6 more, 12 more, 24 more... */
		{ 3, 1, { 3, 9, 21, 45, 93, 189 } },
		/* gap_max = 3600 / 600 = 6 misses (an hour). */
		{ 3, 600, { 3, 9, 15, 21, 27, 33 } },
		/* An hour is fewer misses than fail_after: fail_after wins. */
		{ 5, 1800, { 5, 10, 15, 20, 25, 30 } },
		{ 1, 60, { 1, 3, 7, 15, 31, 63 } },
		{ 1, 1800, { 1, 3, 5, 7, 9, 11 } },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ka_watch w;
		uint16_t seq;
		size_t k = 0;

		T_ROW("fail_after %u interval %u", rows[i].fail_after,
		    rows[i].interval);
		ka_watch_init(&w, rows[i].fail_after, rows[i].interval);
		ka_watch_tick(&w, &seq);
		while (k < 6 && w.missed < 400) {
			unsigned ev = ka_watch_tick(&w, &seq);

			if (ev & KA_EV_RESET) {
				T_EQ_INT(w.missed, rows[i].resets[k]);
				T_EQ_INT(!!(ev & KA_EV_DOWN), k == 0);
				k++;
			}
		}
		T_EQ_INT(k, 6);
	}
}

T_CASE(keepalive, watch_never_up)
{
	struct ka_watch w;
	uint16_t seq;

	/* A tunnel that never answered is down after fail_after misses all
	 * the same (ikd may have failed to bring it up at all). */
	ka_watch_init(&w, 2, 10);
	T_EQ_INT(ka_watch_tick(&w, &seq), KA_EV_SEND);
	T_EQ_INT(ka_watch_tick(&w, &seq), KA_EV_SEND);
	T_EQ_INT(ka_watch_tick(&w, &seq), KA_EV_SEND | KA_EV_DOWN |
	    KA_EV_RESET);
	T_EQ_INT(ka_watch_reply(&w, seq), KA_EV_UP_AGAIN);
}

#define KA_GLOBAL "[global]\ninclude = ka-vpn.d/*.conf\nbackend = null\n"
#define KA_VPN(name, local, peer, flows) \
	"[vpn]\nname = " name "\nmode = active\nlocal = " local "\npeer = " \
	peer "\npsk = secret\n[flows]\n" flows

static void
ka_addr(struct sockaddr_storage *ss, const char *s)
{
	T_EQ_INT(cfg_parse_addr(s, ss), 0);
}

T_CASE(keepalive, flow_find)
{
	static const struct {
		const char *src, *dst, *vpn, *near;
	} rows[] = {
		{ "203.0.113.1", "203.0.113.254", "nom_vpn", NULL },
		{ "203.0.113.1", "203.0.113.200", "nom_vpn", NULL },
		{ "203.0.113.1", "198.18.0.9", "other", NULL },
		/* Source of nom_vpn's LAN, target in none of its flows. */
		{ "203.0.113.1", "8.8.8.8", NULL, "nom_vpn" },
		/* The LAN side reversed: the source is not on our side. */
		{ "203.0.113.254", "203.0.113.1", NULL, NULL },
		{ "2001:db8:1::1", "2001:db8:2::1", "v6", NULL },
		{ "2001:db8:1::1", "203.0.113.254", NULL, "v6" },
		{ "2001:db8:9::1", "2001:db8:2::1", NULL, NULL },
	};
	struct cfg *cfg = NULL;
	struct cfg_diag d = { 0 };
	char path[300];

	snprintf(path, sizeof(path), "%s", t_tmpfile("ka.conf", KA_GLOBAL));
	(void)mkdir("t/out/ka-vpn.d", 0755);
	t_tmpfile("ka-vpn.d/a.conf", KA_VPN("nom_vpn", "192.0.2.254",
	    "198.51.100.254", "flow = 203.0.113.0/25 203.0.113.128/25\n"
	    "flow = 203.0.113.0/25 198.18.1.0/24\n"));
	t_tmpfile("ka-vpn.d/b.conf", KA_VPN("other", "192.0.2.253",
	    "198.51.100.253", "flow = 203.0.113.0/25 198.18.0.0/24\n"));
	t_tmpfile("ka-vpn.d/c.conf", KA_VPN("v6", "2001:db8::1",
	    "2001:db8::2", "flow = 2001:db8:1::/48 2001:db8:2::/48\n"));
	T_EQ_INT(cfg_load(path, &cfg, &d), 0);
	for (size_t i = 0; cfg == NULL && i < d.n; i++) {
		printf("#   %s\n", d.msgs[i].text);
	}
	cfg_diag_free(&d);
	if (cfg == NULL) {
		return;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sockaddr_storage s, t;
		const struct cfg_vpn *v, *near;

		T_ROW("%s -> %s", rows[i].src, rows[i].dst);
		ka_addr(&s, rows[i].src);
		ka_addr(&t, rows[i].dst);
		v = ka_flow_find(cfg, &s, &t, &near);
		T_EQ_STR(v ? v->name : "(none)", rows[i].vpn ? rows[i].vpn :
		    "(none)");
		T_EQ_STR(near ? near->name : "(none)", rows[i].near ?
		    rows[i].near : "(none)");
	}
	cfg_free(cfg);
}

T_CASE(keepalive, parse_ms)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t ms;
	} rows[] = {
		{ "1", 0, 1000 },
		{ "0.2", 0, 200 },
		{ ".5", 0, 500 },
		{ "1.", 0, 1000 },
		{ "60", 0, 60000 },
		{ "0.001", 0, 1 },
		{ "0", 0, 0 },
		{ "0.0001", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ ".", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ "1s", -EINVAL, 0 },
		{ "1.2.3", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },
		{ "3601", -EINVAL, 0 },		/* above max (3600 s) */
		{ "99999999999999999999999", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t ms = 12345;

		T_ROW("'%s'", rows[i].s);
		T_EQ_INT(ka_parse_ms(rows[i].s, 3600000, &ms), rows[i].rc);
		T_EQ_INT(ms, rows[i].rc == 0 ? rows[i].ms : 12345);
	}
}
