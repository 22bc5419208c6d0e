/*
 * test_ike_flood.c - spoofed IKE_SA_INIT floods and forged packets (issue
 * 16, item 3; RFC 7296 2.6): a source address holds at most
 * IKD_SRC_HALF_OPEN_MAX half-open SAs and must return a cookie past
 * IKD_SRC_COOKIE_AFTER; past IKD_COOKIE_THRESHOLD half-open SAs in all,
 * everyone must; cookies of the previous secret still pass, older ones
 * not; malformed IKE_SA_INITs from sources no VPN names get no answer;
 * and the warnings a remote packet can cause are rate-limited.
 *
 * The spoofed requests are copies of the genuine first IKE_SA_INIT of the
 * simulation with another initiator SPI (and nonce), from another source
 * address, put straight into the responder.
 */
#include <stdio.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "core/wire/msg.h"
#include "t/harness/sim.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"

struct flood {
	uint8_t req[IKD_MSG_MAX];	/* the genuine first IKE_SA_INIT */
	size_t req_len;
	struct ike_addr src, dst;
	int captured;
	/* what the responder sent for the last spoofed request */
	int answers;
	uint8_t out[IKD_MSG_MAX];
	size_t out_len;
	int watching;
};

static void
flood_before(void *arg, struct sim *s, const struct sim_pkt *p)
{
	struct flood *f = arg;

	if (!f->captured && p->to == 1 && p->len >= IKEV2_HDR_LEN &&
	    p->buf[18] == IKEV2_EXCH_IKE_SA_INIT &&
	    !(p->buf[19] & IKEV2_FLAG_R)) {
		memcpy(f->req, p->buf, p->len);
		f->req_len = p->len;
		f->src = p->src;
		f->dst = p->dst;
		f->captured = 1;
	}
}

static void
flood_tap(void *arg, int from, const uint8_t *buf, size_t len)
{
	struct flood *f = arg;

	if (f->watching && from == 1) {
		f->answers++;
		if (len <= sizeof(f->out)) {
			memcpy(f->out, buf, len);
			f->out_len = len;
		}
	}
}

/*
 * Spoofed request number n from src: the genuine one with an initiator
 * SPI made from n (the cookie covers it); with a cookie, a COOKIE notify
 * first (RFC 7296 2.6).  Sends it to the responder and says what came
 * back: 0 nothing, 1 a COOKIE notify (into cookie), 2 an IKE_SA_INIT
 * answer with an SA payload, 3 another notify.
 */
static int
spoof(struct sim *s, struct flood *f, const struct ike_addr *src,
    uint32_t n, const uint8_t *cookie, uint8_t cookie_out[32])
{
	uint8_t buf[IKD_MSG_MAX];
	size_t len = 0;
	struct msg m;

	memcpy(buf, f->req, IKEV2_HDR_LEN);
	buf[0] = 0xee;
	memcpy(buf + 1, &n, 4);
	len = IKEV2_HDR_LEN;
	if (cookie != NULL) {
		buf[16] = IKEV2_PL_N;
		buf[len] = f->req[16];
		buf[len + 1] = 0;
		sim_put16(buf + len + 2, 8 + 32);
		buf[len + 4] = 0;
		buf[len + 5] = 0;
		sim_put16(buf + len + 6, IKEV2_N_COOKIE);
		memcpy(buf + len + 8, cookie, 32);
		len += 8 + 32;
	}
	memcpy(buf + len, f->req + IKEV2_HDR_LEN, f->req_len - IKEV2_HDR_LEN);
	len += f->req_len - IKEV2_HDR_LEN;
	buf[24] = (uint8_t)(len >> 24);
	buf[25] = (uint8_t)(len >> 16);
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	f->answers = 0;
	f->out_len = 0;
	f->watching = 1;
	ike_input(s->n[1].eng, &f->dst, src, buf, len, s->now);
	f->watching = 0;
	if (f->answers == 0) {
		return 0;
	}
	if (msg_parse(&m, f->out, f->out_len) != 0) {
		return 3;
	}
	if (PLD_HAS(&m.pl, IKEV2_PL_SA)) {
		return 2;
	}
	{
		const struct pld_notify *c = pld_find_notify(&m.pl,
		    IKEV2_N_COOKIE);

		if (c != NULL && c->data.len == 32) {
			memcpy(cookie_out, c->data.p, 32);
			return 1;
		}
	}
	return 3;
}

static const char *
flood_vpn(const char *mode, const char *local, const char *peer,
    const char *flow)
{
	struct sim_vpn v = { .name = "fl", .mode = mode, .local = local,
	    .peer = peer, .dstid = mode[0] == 'a' ? peer : GW1,
	    .psk = "flood-test-psk-0123456789", .flows = flow };

	return sim_vpn_text(&v);
}

static int
start(struct sim *s, struct flood *f, const char *responder_peer)
{
	const char *a = sim_cfg("flood-a", "dpd_check_interval = 0\n",
	    flood_vpn("active", GW1, GW2, "203.0.113.0/25 203.0.113.128/25"));
	const char *b = sim_cfg("flood-b", "dpd_check_interval = 0\n",
	    flood_vpn("passive", GW2, responder_peer,
	    "203.0.113.128/25 203.0.113.0/25"));

	memset(f, 0, sizeof(*f));
	if (sim_init(s, a, GW1, b, GW2, 33) != 0) {
		return -1;
	}
	s->before = flood_before;
	s->tap = flood_tap;
	s->hook_arg = f;
	sim_run(s, 2000);
	return f->captured && sim_count_ike(s, 1, "ESTABLISHED") == 1 ? 0 : -1;
}

static struct ike_addr
addr4(uint32_t a)
{
	struct ike_addr x = { .af = 4, .port = 500 };

	x.ip[0] = (uint8_t)(a >> 24);
	x.ip[1] = (uint8_t)(a >> 16);
	x.ip[2] = (uint8_t)(a >> 8);
	x.ip[3] = (uint8_t)a;
	return x;
}

/* One source: two half-open SAs without a cookie, then cookies; with
 * them, up to five; then silence. */
T_CASE(ike_flood, one_source_capped)
{
	static struct flood f;
	struct sim s;
	struct ike_addr x = addr4(0x0a000001);	/* 10.0.0.1 */
	uint8_t cookie[32];
	struct ike_stats st;
	int got[12];

	T_ASSERT(start(&s, &f, "any") == 0);
	for (uint32_t n = 0; n < 12; n++) {
		got[n] = spoof(&s, &f, &x, n, NULL, cookie);
		if (got[n] == 1) {
			got[n] = 10 + spoof(&s, &f, &x, n, cookie, cookie);
		}
	}
	T_ROW("first two: answered, no cookie");
	T_EQ_INT(got[0], 2);
	T_EQ_INT(got[1], 2);
	T_ROW("next three: a cookie first, then answered");
	T_EQ_INT(got[2], 12);
	T_EQ_INT(got[3], 12);
	T_EQ_INT(got[4], 12);
	T_ROW("then: nothing at all");
	for (int n = 5; n < 12; n++) {
		T_EQ_INT(got[n], 0);
	}
	T_EQ_INT((int)ike_src_half_open(s.n[1].eng, &x), IKD_SRC_HALF_OPEN_MAX);
	ike_get_stats(s.n[1].eng, &st);
	T_EQ_INT((int)st.half_open, IKD_SRC_HALF_OPEN_MAX);
	T_EQ_INT((int)st.init_refused, 7);
	T_EQ_INT((int)st.cookies_sent, 3);
	T_ROW("another source is not affected");
	{
		struct ike_addr y = addr4(0x0a000002);

		T_EQ_INT(spoof(&s, &f, &y, 100, NULL, cookie), 2);
	}
	T_ROW("all expire: half-open back to 0, the table empty");
	s.tap = NULL;
	sim_run(&s, s.now + 40000);
	ike_get_stats(s.n[1].eng, &st);
	T_EQ_INT((int)st.half_open, 0);
	T_EQ_INT((int)ike_src_half_open(s.n[1].eng, &x), 0);
	for (int i = 0; i < IKD_SRC_SLOTS; i++) {
		T_EQ_INT(s.n[1].eng->src[i].af, 0);
		if (s.n[1].eng->src[i].af != 0) {
			break;
		}
	}
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
	sim_free(&s);
}

/* Many sources, one request each: past the engine's threshold everyone
 * gets a cookie, which spoofed sources never return; the real peer does,
 * and its new IKE SA comes up while the flood goes on. */
T_CASE(ike_flood, many_sources_cookies_and_a_real_peer)
{
	static struct flood f;
	struct sim s;
	uint8_t cookie[32];
	struct ike_stats st;
	unsigned peak = 0;
	uint64_t t0;
	int up_at = -1;

	T_ASSERT(start(&s, &f, "any") == 0);
	s.tap = NULL;
	/* the real peer starts over: its IKE SA is reset at 2 s */
	T_EQ_INT(ike_vpn_down(s.n[0].eng, "fl", s.now), 0);
	sim_run(&s, s.now + 500);
	t0 = 0;
	snprintf(s.watch, sizeof(s.watch), "the peer asks for a COOKIE");
	/* 5,000 spoofed requests over 10 s, from 5,000 sources; the real
	 * peer tries again when 1,000 have come, the half-open SAs at the
	 * threshold */
	for (uint32_t n = 0; n < 5000; n++) {
		struct ike_addr x = addr4(0x0b000000 + n);

		if (n == 1000) {
			t0 = s.now;
			T_EQ_INT(ike_vpn_up(s.n[0].eng, "fl", s.now), 0);
		}

		s.tap = flood_tap;
		(void)spoof(&s, &f, &x, n, NULL, cookie);
		s.tap = NULL;
		ike_get_stats(s.n[1].eng, &st);
		if (st.half_open > peak) {
			peak = (unsigned)st.half_open;
		}
		if (n % 5 == 4) {
			sim_run(&s, s.now + 10);
		}
		if (t0 != 0 && up_at < 0 &&
		    sim_count_ike(&s, 0, "ESTABLISHED") == 1) {
			up_at = (int)(s.now - t0);
		}
	}
	sim_run(&s, s.now + 2000);
	if (up_at < 0 && sim_count_ike(&s, 0, "ESTABLISHED") == 1) {
		up_at = (int)(s.now - t0);
	}
	ike_get_stats(s.n[1].eng, &st);
	T_ROW("the real peer is up within 10 s of trying");
	T_ASSERT(up_at >= 0 && up_at <= 10000);
	T_ASSERT(sim_traffic_ok(&s, 1));
	T_ASSERT(s.n[0].n_watch >= 1);	/* it had to return a cookie */
	T_ROW("half-open SAs never far past the cookie threshold");
	T_ASSERT(peak <= IKD_COOKIE_THRESHOLD + 1);
	T_ASSERT(st.cookies_sent >= 4000);
	printf("# flood: real peer up after %d ms, half-open peak %u, "
	    "%llu cookies\n", up_at, peak,
	    (unsigned long long)st.cookies_sent);
	T_ROW("half-open back to 0");
	sim_run(&s, s.now + 40000);
	ike_get_stats(s.n[1].eng, &st);
	T_EQ_INT((int)st.half_open, 0);
	sim_free(&s);
}

/* RFC 7296 2.6: cookies of the previous secret pass, older ones not. */
T_CASE(ike_flood, cookie_secret_rotates)
{
	static struct flood f;
	struct sim s;
	struct ike_addr x = addr4(0x0a000009);
	uint8_t cookie[32], again[32];

	T_ASSERT(start(&s, &f, "any") == 0);
	/* two half-open SAs, then a cookie for request 2 */
	T_EQ_INT(spoof(&s, &f, &x, 0, NULL, cookie), 2);
	T_EQ_INT(spoof(&s, &f, &x, 1, NULL, cookie), 2);
	T_EQ_INT(spoof(&s, &f, &x, 2, NULL, cookie), 1);
	T_ROW("one rotation later: still good");
	s.now += IKD_COOKIE_ROTATE_MS + 1;
	T_EQ_INT(spoof(&s, &f, &x, 3, NULL, again), 1);	/* rotates */
	T_EQ_INT(spoof(&s, &f, &x, 2, cookie, again), 2);
	T_ROW("two rotations later: refused, a new cookie instead");
	T_EQ_INT(spoof(&s, &f, &x, 4, NULL, again), 1);
	s.now += IKD_COOKIE_ROTATE_MS + 1;
	T_EQ_INT(spoof(&s, &f, &x, 5, NULL, again), 1);
	s.now += IKD_COOKIE_ROTATE_MS + 1;
	T_EQ_INT(spoof(&s, &f, &x, 6, NULL, again), 1);
	T_EQ_INT(spoof(&s, &f, &x, 4, cookie, again), 1);
	sim_free(&s);
}

/* A malformed IKE_SA_INIT (an unknown critical payload) is answered
 * only when a VPN names its source. */
T_CASE(ike_flood, no_reflection_to_unknown_sources)
{
	static struct flood f;
	struct sim s;
	uint8_t buf[IKD_MSG_MAX];
	struct ike_addr gw1 = addr4(0xc00002fe), other = addr4(0xc0000201);
	size_t len;

	T_ASSERT(start(&s, &f, GW1) == 0);
	/* the genuine request with a critical unknown payload first */
	memcpy(buf, f.req, IKEV2_HDR_LEN);
	buf[0] ^= 0x5a;
	buf[16] = 99;
	buf[IKEV2_HDR_LEN] = f.req[16];
	buf[IKEV2_HDR_LEN + 1] = 0x80;
	sim_put16(buf + IKEV2_HDR_LEN + 2, 4);
	memcpy(buf + IKEV2_HDR_LEN + 4, f.req + IKEV2_HDR_LEN,
	    f.req_len - IKEV2_HDR_LEN);
	len = f.req_len + 4;
	buf[24] = (uint8_t)(len >> 24);
	buf[25] = (uint8_t)(len >> 16);
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	T_ROW("from the configured peer: UNSUPPORTED_CRITICAL_PAYLOAD");
	f.answers = 0;
	f.watching = 1;
	ike_input(s.n[1].eng, &f.dst, &gw1, buf, len, s.now);
	T_EQ_INT(f.answers, 1);
	T_ROW("from anyone else: nothing");
	f.answers = 0;
	ike_input(s.n[1].eng, &f.dst, &other, buf, len, s.now);
	T_EQ_INT(f.answers, 0);
	f.watching = 0;
	sim_free(&s);
}

/* Forged packets with the tunnel's SPIs fail their ICV: each is dropped,
 * and the log says so at most IKD_REMOTE_LOG_PER_S times a second. */
T_CASE(ike_flood, remote_warnings_rate_limited)
{
	static struct flood f;
	struct sim s;
	struct ike_sa *sa;
	uint8_t buf[128];
	struct ike_stats st;
	int lines;

	T_ASSERT(start(&s, &f, GW1) == 0);
	s.tap = NULL;
	sa = s.n[1].eng->sas;
	while (sa && sa->state != SA_ESTABLISHED) {
		sa = sa->next;
	}
	T_ASSERT(sa != NULL);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, sa->spi_i, 8);
	memcpy(buf + 8, sa->spi_r, 8);
	buf[16] = IKEV2_PL_SK;
	buf[17] = 0x20;
	buf[18] = IKEV2_EXCH_INFORMATIONAL;
	buf[19] = IKEV2_FLAG_I;
	buf[27] = sizeof(buf);
	sim_put16(buf + 30, sizeof(buf) - IKEV2_HDR_LEN);
	buf[23] = (uint8_t)sa->msgid_in;	/* what it expects next */
	for (int i = 0; i < 500; i++) {
		buf[40] = (uint8_t)i;
		ike_input(s.n[1].eng, &f.dst, &f.src, buf, sizeof(buf),
		    s.now);
	}
	lines = 0;
	for (const char *p = s.n[1].log;
	    (p = strstr(p, "integrity check failed")) != NULL; p++) {
		lines++;
	}
	T_ROW("at most %d lines a second", IKD_REMOTE_LOG_PER_S);
	T_ASSERT(lines <= IKD_REMOTE_LOG_PER_S);
	ike_get_stats(s.n[1].eng, &st);
	T_EQ_INT((int)st.log_suppressed, 500 - lines);
	T_ROW("and then a line that says how many were left out");
	s.now += 1001;
	ike_input(s.n[1].eng, &f.dst, &f.src, buf, sizeof(buf), s.now);
	T_CONTAINS(s.n[1].log, "more log lines caused by remote packets "
	    "were left out");
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
	sim_free(&s);
}
