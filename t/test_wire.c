/*
 * test_wire.c - the IKEv2 codec (core/wire/) against golden packets
 * (t/harness/wire_golden.h): each message is built with the pld_put_*() /
 * msg_wr_*() API and compared byte for byte with the hand-written hex, then the
 * hex is parsed back and every field checked.  Also: header checks, payload
 * rules (RFC 7296 2.5, 3.2-3.16) and the log names.
 */
#include <errno.h>
#include <stdio.h>

#include "core/wire/ikev2.h"
#include "core/wire/msg.h"
#include "core/wire/pld.h"
#include "t/harness/wire_golden.h"
#include "t/harness/t.h"

/* n counting bytes from `from` (the golden files' filler). */
static void
fill(uint8_t *b, uint8_t from, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		b[i] = (uint8_t)(from + i);
	}
}

/* Compares built bytes with golden hex, and says where they differ. */
static void
expect_bytes(const uint8_t *got, size_t got_len, const char *hex)
{
	uint8_t want[2048];
	size_t n = t_unhex(want, sizeof(want), hex);

	T_EQ_INT(got_len, n);
	for (size_t i = 0; i < n && i < got_len; i++) {
		if (got[i] != want[i]) {
			t_fail(__FILE__, __LINE__,
			    "first difference at byte %zu: %02x, want %02x", i,
			    got[i], want[i]);
			break;
		}
	}
}

static const uint8_t ispi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t rspi[8] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18 };

static const struct pld_xf_desc ike_xf[] = {
	{ IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 256 },
	{ IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_256, 0 },
	{ IKEV2_XF_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128, 0 },
	{ IKEV2_XF_DH, IKEV2_DH_CURVE25519, 0 },
};

T_CASE(wire, sa_init_build)
{
	struct pld_prop_desc prop = { 1, IKEV2_PROTO_IKE, 0, { 0 }, 4, ike_xf };
	struct msg_hdr h = { .exchange = IKEV2_EXCH_IKE_SA_INIT,
		.flags = IKEV2_FLAG_I };
	uint8_t buf[512], ke[32], ni[32], nat_src[20], nat_dst[20];
	struct pld_wr pw;
	size_t len;

	memcpy(h.ispi, ispi, 8);
	fill(ke, 0x40, 32);
	fill(ni, 0x60, 32);
	fill(nat_src, 0xa0, 20);
	fill(nat_dst, 0xc0, 20);
	msg_wr_init(&pw, buf, sizeof(buf), &h);
	pld_put_sa(&pw, &prop, 1);
	pld_put_ke(&pw, IKEV2_DH_CURVE25519, ke, sizeof(ke));
	pld_put_nonce(&pw, ni, sizeof(ni));
	pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP,
	    nat_src, sizeof(nat_src));
	pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_NAT_DETECTION_DESTINATION_IP,
	    nat_dst, sizeof(nat_dst));
	T_EQ_INT(msg_wr_finish(&pw, &len), 0);
	expect_bytes(buf, len, golden_sa_init);
}

T_CASE(wire, sa_init_parse)
{
	uint8_t buf[512];
	size_t n = t_unhex(buf, sizeof(buf), golden_sa_init);
	const struct pld_proposal *p;
	const struct pld_transform *xf;
	const struct pld_notify *nd;
	struct msg m;

	T_EQ_INT(msg_parse(&m, buf, n), 0);
	T_EQ_MEM(m.hdr.ispi, ispi, 8);
	T_EQ_INT(m.hdr.rspi[0] | m.hdr.rspi[7], 0);
	T_EQ_INT(m.hdr.next, IKEV2_PL_SA);
	T_EQ_INT(m.hdr.version, 0x20);
	T_EQ_INT(m.hdr.exchange, IKEV2_EXCH_IKE_SA_INIT);
	T_EQ_INT(m.hdr.flags, IKEV2_FLAG_I);
	T_EQ_INT(m.hdr.msgid, 0);
	T_EQ_INT(m.hdr.length, 208);
	T_ASSERT(m.buf == buf && m.len == 208);

	T_ASSERT(PLD_HAS(&m.pl, IKEV2_PL_SA));
	T_ASSERT(PLD_HAS(&m.pl, IKEV2_PL_KE));
	T_ASSERT(PLD_HAS(&m.pl, IKEV2_PL_NONCE));
	T_ASSERT(PLD_HAS(&m.pl, IKEV2_PL_N));
	T_ASSERT(!PLD_HAS(&m.pl, IKEV2_PL_SK));
	T_ASSERT(!PLD_HAS(&m.pl, IKEV2_PL_AUTH));

	/* The raw list: types, offsets and lengths of each payload. */
	T_EQ_INT(m.pl.n_raw, 5);
	T_EQ_INT(m.pl.raw[0].type, IKEV2_PL_SA);
	T_EQ_INT(m.pl.raw[0].off, 28);
	T_EQ_INT(m.pl.raw[0].len, 48);
	T_EQ_INT(m.pl.raw[1].type, IKEV2_PL_KE);
	T_EQ_INT(m.pl.raw[1].off, 76);
	T_EQ_INT(m.pl.raw[2].type, IKEV2_PL_NONCE);
	T_EQ_INT(m.pl.raw[2].off, 116);
	T_EQ_INT(m.pl.raw[4].type, IKEV2_PL_N);
	T_EQ_INT(m.pl.raw[4].off, 180);
	T_EQ_INT(m.pl.raw[4].len, 28);

	T_EQ_INT(m.pl.sa.n_prop, 1);
	T_EQ_INT(m.pl.sa.n_xf, 4);
	p = &m.pl.sa.prop[0];
	T_EQ_INT(p->num, 1);
	T_EQ_INT(p->proto, IKEV2_PROTO_IKE);
	T_EQ_INT(p->spi.len, 0);
	T_EQ_INT(p->n_xf, 4);
	T_EQ_INT(p->first_xf, 0);
	T_EQ_INT(p->unusable, 0);
	for (int i = 0; i < 4; i++) {
		xf = &m.pl.sa.xf[p->first_xf + i];
		T_ROW("transform %d", i);
		T_EQ_INT(xf->type, ike_xf[i].type);
		T_EQ_INT(xf->id, ike_xf[i].id);
		T_EQ_INT(xf->key_bits, ike_xf[i].key_bits);
		T_EQ_INT(xf->unusable, 0);
	}
	T_ROW("KE, Ni, N");
	T_EQ_INT(m.pl.ke.group, 31);
	T_EQ_INT(m.pl.ke.data.len, 32);
	T_ASSERT(m.pl.ke.data.p == buf + 84);
	T_EQ_INT(m.pl.ke.data.p[0], 0x40);
	T_EQ_INT(m.pl.nonce.len, 32);
	T_EQ_INT(m.pl.nonce.p[0], 0x60);
	T_EQ_INT(m.pl.nonce.p[31], 0x7f);
	T_EQ_INT(m.pl.n_notify, 2);
	nd = pld_find_notify(&m.pl, IKEV2_N_NAT_DETECTION_SOURCE_IP);
	T_ASSERT(nd == &m.pl.notify[0]);
	T_EQ_INT(nd->proto, 0);
	T_EQ_INT(nd->spi.len, 0);
	T_EQ_INT(nd->data.len, 20);
	T_EQ_INT(nd->data.p[0], 0xa0);
	T_EQ_INT(nd->data.p[19], 0xb3);
	nd = pld_find_notify(&m.pl, IKEV2_N_NAT_DETECTION_DESTINATION_IP);
	T_ASSERT(nd == &m.pl.notify[1]);
	T_EQ_INT(nd->data.p[19], 0xd3);
	T_ASSERT(pld_find_notify(&m.pl, IKEV2_N_COOKIE) == NULL);
	T_EQ_INT(m.pl.err.notify, 0);
}

/* Builds the IKE_AUTH inner chain of golden_auth_inner. */
static size_t
build_auth_inner(uint8_t *buf, size_t cap, struct pld_wr *pw)
{
	static const struct pld_xf_desc esp_xf[] = {
		{ IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 256 },
		{ IKEV2_XF_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128, 0 },
		{ IKEV2_XF_ESN, IKEV2_ESN_NO, 0 },
	};
	struct pld_prop_desc prop = { 1, IKEV2_PROTO_ESP, 4,
		{ 0xc1, 0xc2, 0xc3, 0xc4 }, 3, esp_xf };
	static const uint8_t id[4] = { 192, 0, 2, 254 };
	static const uint8_t net[4] = { 203, 0, 113, 0 };
	static const uint8_t peer[4] = { 203, 0, 113, 128 };
	struct ts_range tsi, tsr;
	uint8_t auth[32];

	fill(auth, 0x80, 32);
	T_EQ_INT(ts_from_cidr(&tsi, 4, net, 25), 0);
	T_EQ_INT(ts_from_cidr(&tsr, 4, peer, 26), 0);
	pld_wr_init(pw, buf, cap);
	pld_put_id(pw, IKEV2_PL_IDI, IKEV2_ID_IPV4_ADDR, id, 4);
	pld_put_auth(pw, IKEV2_AUTH_SHARED_KEY_MIC, auth, sizeof(auth));
	pld_put_sa(pw, &prop, 1);
	pld_put_ts(pw, IKEV2_PL_TSI, &tsi, 1);
	pld_put_ts(pw, IKEV2_PL_TSR, &tsr, 1);
	pld_put_notify(pw, 0, NULL, 0, IKEV2_N_INITIAL_CONTACT, NULL, 0);
	return wr_len(&pw->w);
}

T_CASE(wire, auth_inner_build)
{
	uint8_t buf[512];
	struct pld_wr pw;
	size_t len = build_auth_inner(buf, sizeof(buf), &pw);

	T_EQ_INT(pld_wr_err(&pw), 0);
	T_EQ_INT(pw.first, IKEV2_PL_IDI);
	expect_bytes(buf, len, golden_auth_inner);
}

T_CASE(wire, auth_inner_parse)
{
	uint8_t buf[512];
	size_t n = t_unhex(buf, sizeof(buf), golden_auth_inner);
	const struct pld_proposal *p;
	struct pld_set s;
	struct rd r;
	char txt[64];

	rd_init(&r, buf, n);
	T_EQ_INT(pld_parse_chain(&s, &r, IKEV2_PL_IDI), 0);
	T_EQ_INT(s.n_raw, 6);
	T_EQ_INT(s.idi.type, IKEV2_ID_IPV4_ADDR);
	T_EQ_INT(s.idi.data.len, 4);
	T_EQ_INT(s.idi.data.p[0], 192);
	T_EQ_INT(s.idi.data.p[3], 254);
	/* RFC 7296 2.15: the prf input is IDType | RESERVED | data. */
	T_ASSERT(s.idi.body.p == buf + 4);
	T_EQ_INT(s.idi.body.len, 8);
	T_ASSERT(!PLD_HAS(&s, IKEV2_PL_IDR));
	T_EQ_INT(s.auth.method, IKEV2_AUTH_SHARED_KEY_MIC);
	T_EQ_INT(s.auth.data.len, 32);
	T_EQ_INT(s.auth.data.p[0], 0x80);

	p = &s.sa.prop[0];
	T_EQ_INT(s.sa.n_prop, 1);
	T_EQ_INT(p->proto, IKEV2_PROTO_ESP);
	T_EQ_INT(p->spi.len, 4);
	T_EQ_INT(p->spi.p[0], 0xc1);
	T_EQ_INT(p->spi.p[3], 0xc4);
	T_EQ_INT(p->n_xf, 3);
	T_EQ_INT(s.sa.xf[0].key_bits, 256);
	T_EQ_INT(s.sa.xf[1].type, IKEV2_XF_INTEG);
	T_EQ_INT(s.sa.xf[2].type, IKEV2_XF_ESN);
	T_EQ_INT(s.sa.xf[2].id, 0);

	T_EQ_INT(s.tsi.n, 1);
	T_EQ_INT(s.tsi.usable[0], 1);
	T_EQ_INT(s.tsi.ts[0].type, IKEV2_TS_IPV4_ADDR_RANGE);
	T_EQ_INT(s.tsi.ts[0].proto, 0);
	T_EQ_INT(s.tsi.ts[0].start_port, 0);
	T_EQ_INT(s.tsi.ts[0].end_port, 65535);
	ts_format(&s.tsi.ts[0], txt, sizeof(txt));
	T_EQ_STR(txt, "203.0.113.0/25");
	ts_format(&s.tsr.ts[0], txt, sizeof(txt));
	T_EQ_STR(txt, "203.0.113.128/26");
	T_EQ_INT(s.n_notify, 1);
	T_EQ_INT(s.notify[0].type, IKEV2_N_INITIAL_CONTACT);
	T_EQ_INT(s.notify[0].data.len, 0);
}

/* The inner chain framed in SK: header and SK header are what the AEAD
 * authenticates; the body is where the crypto layer writes. */
T_CASE(wire, auth_sk_framing)
{
	struct msg_hdr h = { .exchange = IKEV2_EXCH_IKE_AUTH,
		.flags = IKEV2_FLAG_I, .msgid = 1 };
	uint8_t inner[512], buf[512];
	struct pld_wr iw, pw;
	size_t in_len = build_auth_inner(inner, sizeof(inner), &iw);
	size_t body, len;
	struct msg m;

	memcpy(h.ispi, ispi, 8);
	memcpy(h.rspi, rspi, 8);
	msg_wr_init(&pw, buf, sizeof(buf), &h);
	/* IV (16) | inner | pad length (1) + padding to 16 | ICV (16) */
	body = pld_put_sk(&pw, iw.first, 16 + in_len + 8 + 16);
	T_EQ_INT(body, 32);
	memcpy(buf + body + 16, inner, in_len);
	T_EQ_INT(msg_wr_finish(&pw, &len), 0);
	T_EQ_INT(len, 32 + 16 + 152 + 8 + 16);
	expect_bytes(buf, 32,
	    "0102030405060708 1112131415161718"
	    "2e 20 23 08"	/* SK, 2.0, IKE_AUTH (35), I */
	    "00000001 000000e0"	/* Message ID 1, Length 224 */
	    "23 00 00c4");	/* SK: Next IDi (35), length 196 */
	/* Nothing may follow SK. */
	pld_put_vendor(&pw, "x", 1);
	T_EQ_INT(pld_wr_err(&pw), -ENOSPC);

	T_EQ_INT(msg_parse(&m, buf, len), 0);
	T_ASSERT(PLD_HAS(&m.pl, IKEV2_PL_SK));
	T_EQ_INT(m.pl.sk.inner, IKEV2_PL_IDI);
	T_EQ_INT(m.pl.sk.hdr_off, 28);
	T_EQ_INT(m.pl.sk.body_off, 32);
	T_EQ_INT(m.pl.sk.body.len, 192);
	T_ASSERT(m.pl.sk.body.p == buf + 32);
	T_EQ_INT(m.pl.n_raw, 1);
}

/* Builds golden_delete_inner. */
T_CASE(wire, delete_inner)
{
	static const uint8_t spis[8] = { 0xc1, 0xc2, 0xc3, 0xc4, 0xd1, 0xd2,
		0xd3, 0xd4 };
	uint8_t buf[128], want[128];
	struct pld_wr pw;
	struct pld_set s;
	struct rd r;
	size_t n;

	pld_wr_init(&pw, buf, sizeof(buf));
	pld_put_delete(&pw, IKEV2_PROTO_ESP, 4, spis, 2);
	pld_put_delete(&pw, IKEV2_PROTO_IKE, 0, NULL, 0);
	pld_put_vendor(&pw, "ikebox01", 8);
	T_EQ_INT(pld_wr_err(&pw), 0);
	T_EQ_INT(pw.first, IKEV2_PL_D);
	expect_bytes(buf, wr_len(&pw.w), golden_delete_inner);

	n = t_unhex(want, sizeof(want), golden_delete_inner);
	rd_init(&r, want, n);
	T_EQ_INT(pld_parse_chain(&s, &r, IKEV2_PL_D), 0);
	T_EQ_INT(s.n_delete, 2);
	T_EQ_INT(s.del[0].proto, IKEV2_PROTO_ESP);
	T_EQ_INT(s.del[0].spi_size, 4);
	T_EQ_INT(s.del[0].n_spi, 2);
	T_EQ_MEM(s.del[0].spis, spis, 8);
	T_EQ_INT(s.del[1].proto, IKEV2_PROTO_IKE);
	T_EQ_INT(s.del[1].n_spi, 0);
	T_EQ_INT(s.n_vendor, 1);
	T_EQ_INT(s.vendor[0].len, 8);
	T_EQ_MEM(s.vendor[0].p, "ikebox01", 8);
}

T_CASE(wire, informational)
{
	struct msg_hdr h = { .exchange = IKEV2_EXCH_INFORMATIONAL,
		.flags = IKEV2_FLAG_I | IKEV2_FLAG_R, .msgid = 5 };
	uint8_t buf[128], want[128];
	struct pld_wr pw;
	struct msg m;
	size_t body, len, n;

	memcpy(h.ispi, ispi, 8);
	memcpy(h.rspi, rspi, 8);
	msg_wr_init(&pw, buf, sizeof(buf), &h);
	body = pld_put_sk(&pw, IKEV2_PL_NONE, 32);
	fill(buf + body, 0, 32);
	T_EQ_INT(msg_wr_finish(&pw, &len), 0);
	expect_bytes(buf, len, golden_informational);

	n = t_unhex(want, sizeof(want), golden_informational);
	T_EQ_INT(msg_parse(&m, want, n), 0);
	T_EQ_MEM(m.hdr.rspi, rspi, 8);
	T_EQ_INT(m.hdr.exchange, IKEV2_EXCH_INFORMATIONAL);
	T_EQ_INT(m.hdr.flags, IKEV2_FLAG_I | IKEV2_FLAG_R);
	T_EQ_INT(m.hdr.msgid, 5);
	T_EQ_INT(m.pl.sk.inner, IKEV2_PL_NONE);
	T_EQ_INT(m.pl.sk.body.len, 32);
	T_EQ_INT(m.pl.sk.body.p[31], 0x1f);
	T_EQ_INT(m.pl.sk.body_off, 32);
}

T_CASE(wire, critical_unknown)
{
	uint8_t buf[128], want[128];
	struct msg_hdr h = { .exchange = IKEV2_EXCH_IKE_SA_INIT,
		.flags = IKEV2_FLAG_I };
	struct pld_wr pw;
	struct msg m;
	size_t len, n;

	memcpy(h.ispi, ispi, 8);
	msg_wr_init(&pw, buf, sizeof(buf), &h);
	pld_put_vendor(&pw, "abcd", 4);
	pld_put_raw(&pw, 200, 1, "\xde\xad\xbe\xef", 4);
	T_EQ_INT(msg_wr_finish(&pw, &len), 0);
	expect_bytes(buf, len, golden_critical);

	T_ROW("critical: refused, type in the notify data");
	n = t_unhex(want, sizeof(want), golden_critical);
	T_EQ_INT(msg_parse(&m, want, n), -EBADMSG);
	T_EQ_INT(m.pl.err.notify, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	T_EQ_INT(m.pl.err.data_len, 1);
	T_EQ_INT(m.pl.err.data[0], 200);

	T_ROW("not critical: skipped");
	want[37] = 0x00;	/* clear the C bit */
	T_EQ_INT(msg_parse(&m, want, n), 0);
	T_EQ_INT(m.pl.n_vendor, 1);
	T_EQ_INT(m.pl.n_raw, 2);
	T_EQ_INT(m.pl.raw[1].type, 200);
	T_EQ_INT(m.pl.raw[1].off, 36);
	T_EQ_INT(m.pl.present, (uint32_t)1 << (IKEV2_PL_V - 32));

	T_ROW("critical bit on a known payload is ignored");
	want[29] = IKEV2_CRITICAL;	/* C bit of V */
	T_EQ_INT(msg_parse(&m, want, n), 0);
	T_EQ_INT(m.pl.raw[0].critical, 1);
}

T_CASE(wire, header)
{
	uint8_t buf[512];
	size_t n = t_unhex(buf, sizeof(buf), golden_sa_init);
	struct msg m;

	T_ROW("datagram longer than the Length field");
	T_EQ_INT(msg_parse(&m, buf, n + 1), -EBADMSG);
	T_EQ_INT(m.pl.err.notify, IKEV2_N_INVALID_SYNTAX);
	T_ROW("datagram shorter than the Length field");
	T_EQ_INT(msg_parse(&m, buf, n - 1), -EBADMSG);
	T_EQ_INT(m.pl.err.notify, IKEV2_N_INVALID_SYNTAX);
	T_ROW("shorter than a header");
	T_EQ_INT(msg_parse(&m, buf, 27), -EBADMSG);
	T_EQ_INT(m.pl.err.notify, IKEV2_N_INVALID_SYNTAX);
	T_ROW("empty datagram");
	T_EQ_INT(msg_parse(&m, buf, 0), -EBADMSG);
	T_ROW("major version 3");
	buf[17] = 0x30;
	T_EQ_INT(msg_parse(&m, buf, n), -EBADMSG);
	T_EQ_INT(m.pl.err.notify, IKEV2_N_INVALID_MAJOR_VERSION);
	T_EQ_MEM(m.hdr.ispi, ispi, 8);	/* to answer with */
	T_EQ_INT(m.hdr.exchange, IKEV2_EXCH_IKE_SA_INIT);
	T_ROW("minor version 2.1 accepted");
	buf[17] = 0x21;
	T_EQ_INT(msg_parse(&m, buf, n), 0);
	T_ROW("header only, no payloads");
	n = t_unhex(buf, sizeof(buf), "0102030405060708 0000000000000000"
	    "00 20 25 20 00000003 0000001c");
	T_EQ_INT(msg_parse(&m, buf, n), 0);
	T_EQ_INT(m.pl.n_raw, 0);
	T_EQ_INT(m.hdr.msgid, 3);
	T_ROW("no payload but trailing bytes");
	n = t_unhex(buf, sizeof(buf), "0102030405060708 0000000000000000"
	    "00 20 25 20 00000003 0000001d 00");
	T_EQ_INT(msg_parse(&m, buf, n), -EBADMSG);
	T_EQ_INT(m.pl.err.notify, IKEV2_N_INVALID_SYNTAX);
}

/* Parses a bare chain from hex; returns the rc, set kept in *s. */
static int
parse_hex(struct pld_set *s, uint8_t first, const char *hex)
{
	static uint8_t buf[1024];
	size_t n = t_unhex(buf, sizeof(buf), hex);
	struct rd r;

	rd_init(&r, buf, n);
	return pld_parse_chain(s, &r, first);
}

static const struct {
	const char *name;
	uint8_t first;
	const char *hex;
	int rc;
} payload_rules[] = {
	{ "nonce of 16 bytes", IKEV2_PL_NONCE,
	    "00 00 0014 00112233445566778899aabbccddeeff", 0 },
	{ "nonce of 15 bytes (RFC 7296 3.9: at least 16)", IKEV2_PL_NONCE,
	    "00 00 0013 00112233445566778899aabbccddee", -EBADMSG },
	{ "payload length 3", IKEV2_PL_V, "00 00 0003", -EBADMSG },
	{ "payload length past the end", IKEV2_PL_V, "00 00 000a 6162636465",
	    -EBADMSG },
	{ "next payload missing", IKEV2_PL_V, "2b 00 0004", -EBADMSG },
	{ "empty V", IKEV2_PL_V, "00 00 0004", 0 },
	{ "two SA payloads", IKEV2_PL_SA,
	    "21 00 0014 00 00 0010 01 01 00 01 00 00 0008 01 00 000c"
	    "00 00 0014 00 00 0010 01 01 00 01 00 00 0008 01 00 000c",
	    -EBADMSG },
	{ "SA without proposals", IKEV2_PL_SA, "00 00 0004", -EBADMSG },
	{ "one proposal numbered 2: an answer taking the second offered "
	    "(RFC 7296 3.3.1)", IKEV2_PL_SA,
	    "00 00 0014 00 00 0010 02 01 00 01 00 00 0008 01 00 000c", 0 },
	{ "one proposal numbered 0", IKEV2_PL_SA,
	    "00 00 0014 00 00 0010 00 01 00 01 00 00 0008 01 00 000c",
	    -EBADMSG },
	{ "proposals numbered 1, 2", IKEV2_PL_SA,
	    "00 00 0024 02 00 0010 01 01 00 01 00 00 0008 01 00 000c"
	    "00 00 0010 02 01 00 01 00 00 0008 01 00 000c", 0 },
	{ "proposals numbered 2, 3 (RFC 7296 3.3.1: an offer starts at 1)",
	    IKEV2_PL_SA,
	    "00 00 0024 02 00 0010 02 01 00 01 00 00 0008 01 00 000c"
	    "00 00 0010 03 01 00 01 00 00 0008 01 00 000c", -EBADMSG },
	{ "proposals numbered 1, 3", IKEV2_PL_SA,
	    "00 00 0024 02 00 0010 01 01 00 01 00 00 0008 01 00 000c"
	    "00 00 0010 03 01 00 01 00 00 0008 01 00 000c", -EBADMSG },
	{ "proposal says more but is last", IKEV2_PL_SA,
	    "00 00 0014 02 00 0010 01 01 00 01 00 00 0008 01 00 000c",
	    -EBADMSG },
	{ "Num Transforms 2 with one transform", IKEV2_PL_SA,
	    "00 00 0014 00 00 0010 01 01 00 02 00 00 0008 01 00 000c",
	    -EBADMSG },
	{ "transform says more but is last", IKEV2_PL_SA,
	    "00 00 0014 00 00 0010 01 01 00 01 03 00 0008 01 00 000c",
	    -EBADMSG },
	{ "transform length 7", IKEV2_PL_SA,
	    "00 00 0014 00 00 0010 01 01 00 01 00 00 0007 01 00 000c",
	    -EBADMSG },
	{ "SPI size past the proposal", IKEV2_PL_SA,
	    "00 00 0014 00 00 0010 01 03 ff 01 00 00 0008 01 00 000c",
	    -EBADMSG },
	{ "TLV attribute past the transform", IKEV2_PL_SA,
	    "00 00 0018 00 00 0014 01 01 00 01 00 00 000c 01 00 000c"
	    "0001 0008", -EBADMSG },
	{ "TS with Number of TSs 0", IKEV2_PL_TSI, "00 00 0008 00 000000",
	    -EBADMSG },
	{ "TS count 2 with one selector", IKEV2_PL_TSI,
	    "00 00 0018 02 000000 07 00 0010 0000 ffff 0a000000 0a0000ff",
	    -EBADMSG },
	{ "IPv4 selector of length 15", IKEV2_PL_TSI,
	    "00 00 0017 01 000000 07 00 000f 0000 ffff 0a000000 0a0000",
	    -EBADMSG },
	{ "Delete: 2 SPIs of 4 bytes, 7 bytes given", IKEV2_PL_D,
	    "00 00 000f 03 04 0002 c1c2c3c4 d1d2d3", -EBADMSG },
	{ "Notify SPI size past the payload", IKEV2_PL_N,
	    "00 00 000a 03 04 4009 c1c2", -EBADMSG },
	{ "IDi without data", IKEV2_PL_IDI, "00 00 0008 01 000000", -EBADMSG },
	{ "AUTH shorter than its header", IKEV2_PL_AUTH, "00 00 0006 02 00",
	    -EBADMSG },
	{ "KE without data", IKEV2_PL_KE, "00 00 0008 001f 0000", -EBADMSG },
	{ "SK not last", IKEV2_PL_SK, "00 00 0008 01020304 00", -EBADMSG },
	{ "empty SK", IKEV2_PL_SK, "00 00 0004", -EBADMSG },
	{ "SKF fragment 3 of 2", IKEV2_PL_SKF, "00 00 000c 0003 0002 01020304",
	    -EBADMSG },
	{ "CERT and CERTREQ noted", IKEV2_PL_CERT,
	    "26 00 0006 04 aa 00 00 0005 04", 0 },
	{ "CP kept", IKEV2_PL_CP, "00 00 0008 01 000000", 0 },
};

T_CASE(wire, payload_rules)
{
	struct pld_set s;

	for (size_t i = 0; i < sizeof(payload_rules) / sizeof(payload_rules[0]);
	    i++) {
		T_ROW("%s", payload_rules[i].name);
		T_EQ_INT(parse_hex(&s, payload_rules[i].first,
		    payload_rules[i].hex), payload_rules[i].rc);
		if (payload_rules[i].rc != 0) {
			T_EQ_INT(s.err.notify, IKEV2_N_INVALID_SYNTAX);
		}
	}
}

T_CASE(wire, unusable_values)
{
	struct pld_set s;

	T_ROW("unknown TV attribute: transform unusable, parse ok");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_SA,
	    "00 00 0018 00 00 0014 01 01 00 01 00 00 000c 01 00 000c"
	    "8011 0001"), 0);
	T_EQ_INT(s.sa.xf[0].unusable, 1);
	T_EQ_INT(s.sa.prop[0].unusable, 0);
	T_ROW("TLV attribute: transform unusable, parse ok");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_SA,
	    "00 00 001c 00 00 0018 01 01 00 01 00 00 0010 01 00 000c"
	    "0011 0004 aabbccdd"), 0);
	T_EQ_INT(s.sa.xf[0].unusable, 1);
	T_ROW("Key Length twice: unusable");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_SA,
	    "00 00 001c 00 00 0018 01 01 00 01 00 00 0010 01 00 000c"
	    "800e 0080 800e 0100"), 0);
	T_EQ_INT(s.sa.xf[0].unusable, 1);
	T_ROW("unknown transform type: proposal unusable (RFC 7296 3.3.6)");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_SA,
	    "00 00 001c 00 00 0018 01 01 00 02 03 00 0008 01 00 000c"
	    "00 00 0008 c8 00 0001"), 0);
	T_EQ_INT(s.sa.prop[0].unusable, 1);
	T_EQ_INT(s.sa.n_xf, 2);
	T_ROW("unknown TS type kept, unusable");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_TSI,
	    "00 00 0020 02 000000 09 00 0008 00000000"
	    "07 06 0010 0050 0050 0a000000 0a0000ff"), 0);
	T_EQ_INT(s.tsi.n, 2);
	T_EQ_INT(s.tsi.usable[0], 0);
	T_EQ_INT(s.tsi.ts[0].type, 9);
	T_EQ_INT(s.tsi.usable[1], 1);
	T_EQ_INT(s.tsi.ts[1].proto, 6);
	T_EQ_INT(s.tsi.ts[1].start_port, 80);
	T_ROW("reversed range: unusable");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_TSR,
	    "00 00 0018 01 000000 07 00 0010 0000 ffff 0a0000ff 0a000000"), 0);
	T_EQ_INT(s.tsr.usable[0], 0);
	T_ROW("EAP recognised");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_EAP, "00 00 0009 01 02 0005 01"), 0);
	T_ASSERT(PLD_HAS(&s, IKEV2_PL_EAP));
	T_EQ_INT(s.eap.len, 5);
	T_ROW("SKF: fragment numbers, body after them");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_SKF,
	    "23 00 000c 0001 0002 01020304"), 0);
	T_EQ_INT(s.sk.inner, IKEV2_PL_IDI);
	T_EQ_INT(s.sk.frag_num, 1);
	T_EQ_INT(s.sk.frag_total, 2);
	T_EQ_INT(s.sk.body_off, 8);
	T_EQ_INT(s.sk.body.len, 4);
	T_ROW("Notify with an SPI (REKEY_SA)");
	T_EQ_INT(parse_hex(&s, IKEV2_PL_N, "00 00 000c 03 04 4009 c1c2c3c4"),
	    0);
	T_EQ_INT(s.notify[0].proto, IKEV2_PROTO_ESP);
	T_EQ_INT(s.notify[0].type, IKEV2_N_REKEY_SA);
	T_EQ_INT(s.notify[0].spi.len, 4);
	T_EQ_INT(s.notify[0].spi.p[3], 0xc4);
	T_EQ_INT(s.notify[0].data.len, 0);
}

T_CASE(wire, notify_builder_spi)
{
	static const uint8_t spi[4] = { 0xc1, 0xc2, 0xc3, 0xc4 };
	static const uint8_t group[2] = { 0x00, 0x13 };
	uint8_t buf[64];
	struct pld_wr pw;

	pld_wr_init(&pw, buf, sizeof(buf));
	pld_put_notify(&pw, IKEV2_PROTO_ESP, spi, 4, IKEV2_N_REKEY_SA, NULL,
	    0);
	pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_INVALID_KE_PAYLOAD, group, 2);
	T_EQ_INT(pld_wr_err(&pw), 0);
	expect_bytes(buf, wr_len(&pw.w),
	    "29 00 000c 03 04 4009 c1c2c3c4"	/* N(REKEY_SA), ESP SPI */
	    "00 00 000a 00 00 0011 0013");	/* INVALID_KE_PAYLOAD, 19 */
}

T_CASE(wire, builder_overflow)
{
	uint8_t buf[64];
	struct pld_wr pw;
	struct msg_hdr h = { .exchange = IKEV2_EXCH_INFORMATIONAL };
	uint8_t big[64] = { 0 };
	size_t len = 99;

	msg_wr_init(&pw, buf, sizeof(buf), &h);
	pld_put_nonce(&pw, big, 32);	/* 28 + 36 = 64: fits exactly */
	T_EQ_INT(pld_wr_err(&pw), 0);
	pld_put_nonce(&pw, big, 1);
	T_EQ_INT(msg_wr_finish(&pw, &len), -ENOSPC);
	T_EQ_INT(len, 0);
	T_ROW("an SA without proposals is not written");
	pld_wr_init(&pw, buf, sizeof(buf));
	pld_put_sa(&pw, NULL, 0);
	T_EQ_INT(pld_wr_err(&pw), -ENOSPC);
	T_ROW("a TS payload without selectors is not written");
	pld_wr_init(&pw, buf, sizeof(buf));
	pld_put_ts(&pw, IKEV2_PL_TSI, NULL, 0);
	T_EQ_INT(pld_wr_err(&pw), -ENOSPC);
}

T_CASE(wire, names)
{
	T_EQ_STR(ikev2_exchange_name(34), "IKE_SA_INIT");
	T_EQ_STR(ikev2_exchange_name(37), "INFORMATIONAL");
	T_EQ_STR(ikev2_exchange_name(99), "UNKNOWN");
	T_EQ_STR(ikev2_payload_name(46), "SK");
	T_EQ_STR(ikev2_payload_name(35), "IDi");
	T_EQ_STR(ikev2_notify_name(16390), "COOKIE");
	T_EQ_STR(ikev2_notify_name(17), "INVALID_KE_PAYLOAD");
	T_EQ_STR(ikev2_notify_name(16430), "IKEV2_FRAGMENTATION_SUPPORTED");
	T_EQ_STR(ikev2_notify_name(43), "TEMPORARY_FAILURE");
	T_EQ_STR(ikev2_notify_name(12345), "UNKNOWN");
}

T_CASE(wire, describe)
{
	uint8_t buf[512];
	size_t n = t_unhex(buf, sizeof(buf), golden_sa_init);
	struct msg m;
	char line[256];
	struct pld_set s;
	struct rd r;

	T_EQ_INT(msg_parse(&m, buf, n), 0);
	msg_describe(&m, line, sizeof(line));
	T_EQ_STR(line, "IKE_SA_INIT req 0 [ SA KE Nonce "
	    "N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP) ]");
	T_ROW("SK, response");
	n = t_unhex(buf, sizeof(buf), golden_informational);
	T_EQ_INT(msg_parse(&m, buf, n), 0);
	msg_describe(&m, line, sizeof(line));
	T_EQ_STR(line, "INFORMATIONAL res 5 [ SK ]");
	T_ROW("unknown payload and notify types as numbers");
	n = t_unhex(buf, sizeof(buf), "c8 00 0008 00 00 1234 00 00 0004");
	rd_init(&r, buf, n);
	T_EQ_INT(pld_parse_chain(&s, &r, IKEV2_PL_N), 0);
	pld_describe(&s, line, sizeof(line));
	T_EQ_STR(line, "N(4660) 200");
	T_ROW("short buffer");
	T_EQ_INT(pld_describe(&s, line, 4), 11);
	T_EQ_STR(line, "N(4");
}

T_CASE(wire, inner_refuses_sk)
{
	uint8_t buf[64];
	size_t n = t_unhex(buf, sizeof(buf),
	    "2e 00 0008 00000000"	/* N, next SK */
	    "00 00 0008 01020304");	/* SK inside SK */
	struct pld_set s;
	struct rd r;

	rd_init(&r, buf, n);
	T_EQ_INT(pld_parse_chain(&s, &r, IKEV2_PL_N), 0);
	rd_init(&r, buf, n);
	T_EQ_INT(pld_parse_inner(&s, &r, IKEV2_PL_N), -EBADMSG);
	T_EQ_INT(s.err.notify, IKEV2_N_INVALID_SYNTAX);
	rd_init(&r, buf, 8);
	buf[0] = 0;
	T_EQ_INT(pld_parse_inner(&s, &r, IKEV2_PL_N), 0);
}
