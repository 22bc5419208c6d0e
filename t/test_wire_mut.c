/*
 * test_wire_mut.c - deterministic mutations of every golden packet, and
 * the count caps.
 *
 * Each golden packet (t/harness/wire_golden.h) is mutated in every way listed
 * below, on every run; each mutant is parsed from a heap copy of exactly
 * its length (so that an AddressSanitizer build catches a read past the
 * end) and the parser must either succeed with every view inside the
 * packet, or return -EBADMSG with a notify recorded.  When a mutant of a
 * message with SK parses, its SK body is also parsed as an inner chain, as
 * the engine would after decryption.
 *
 * Mutations: every truncation (for messages also with the Length field
 * fixed up, to get past the header check); every byte set to 0x00, 0xff
 * and +1; every 16-bit field (all length fields among them) off by -4, -1,
 * +1, +4, and the header's 32-bit Length too; payload chain "loops": each
 * payload's Next Payload set to its own type, its length set to 0 or 4.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/wire/ikev2.h"
#include "core/wire/msg.h"
#include "core/wire/pld.h"
#include "t/harness/wire_golden.h"
#include "t/harness/t.h"

struct golden {
	const char *name;
	const char *hex;
	uint8_t first;		/* IKEV2_PL_NONE: a whole message */
};

static const struct golden goldens[] = {
	{ "IKE_SA_INIT", golden_sa_init, IKEV2_PL_NONE },
	{ "IKE_AUTH inner", golden_auth_inner, IKEV2_PL_IDI },
	{ "Delete inner", golden_delete_inner, IKEV2_PL_D },
	{ "INFORMATIONAL", golden_informational, IKEV2_PL_NONE },
	{ "critical", golden_critical, IKEV2_PL_NONE },
};

struct tally {
	unsigned tried, accepted, refused, bad;
	char first_bad[128];
};

/* Is [p, p+n) inside [buf, buf+len)? */
static int
inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)buf;

	if (n == 0) {
		return 1;
	}
	return p != NULL && a >= b && a - b <= len && n <= len - (a - b);
}

/* Every view and count of a successful parse stays in bounds. */
static int
set_sane(const struct pld_set *s, const uint8_t *buf, size_t len)
{
	int ok = 1;

	ok &= s->err.notify == 0;
	ok &= s->n_raw <= IKD_MAX_PAYLOADS;
	for (unsigned i = 0; i < s->n_raw; i++) {
		ok &= s->raw[i].off <= len && s->raw[i].len <= len &&
		    s->raw[i].off + s->raw[i].len <= len;
	}
	ok &= s->sa.n_prop <= IKD_MAX_PROPOSALS;
	ok &= s->sa.n_xf <= IKD_MAX_TRANSFORMS;
	for (unsigned i = 0; i < s->sa.n_prop && i < IKD_MAX_PROPOSALS; i++) {
		const struct pld_proposal *p = &s->sa.prop[i];

		ok &= inside(p->spi.p, p->spi.len, buf, len);
		ok &= p->first_xf + p->n_xf <= s->sa.n_xf;
	}
	ok &= inside(s->ke.data.p, s->ke.data.len, buf, len);
	ok &= inside(s->idi.data.p, s->idi.data.len, buf, len);
	ok &= inside(s->idi.body.p, s->idi.body.len, buf, len);
	ok &= inside(s->idr.data.p, s->idr.data.len, buf, len);
	ok &= inside(s->idr.body.p, s->idr.body.len, buf, len);
	ok &= inside(s->auth.data.p, s->auth.data.len, buf, len);
	ok &= inside(s->nonce.p, s->nonce.len, buf, len);
	ok &= s->tsi.n <= IKD_MAX_TS && s->tsr.n <= IKD_MAX_TS;
	ok &= s->n_notify <= IKD_MAX_NOTIFY;
	for (unsigned i = 0; i < s->n_notify && i < IKD_MAX_NOTIFY; i++) {
		ok &= inside(s->notify[i].spi.p, s->notify[i].spi.len, buf,
		    len);
		ok &= inside(s->notify[i].data.p, s->notify[i].data.len, buf,
		    len);
	}
	ok &= s->n_delete <= IKD_MAX_DELETE;
	for (unsigned i = 0; i < s->n_delete && i < IKD_MAX_DELETE; i++) {
		ok &= inside(s->del[i].spis,
		    (size_t)s->del[i].n_spi * s->del[i].spi_size, buf, len);
	}
	ok &= s->n_vendor <= IKD_MAX_VENDOR;
	for (unsigned i = 0; i < s->n_vendor && i < IKD_MAX_VENDOR; i++) {
		ok &= inside(s->vendor[i].p, s->vendor[i].len, buf, len);
	}
	ok &= inside(s->cp.p, s->cp.len, buf, len);
	ok &= inside(s->eap.p, s->eap.len, buf, len);
	ok &= inside(s->sk.body.p, s->sk.body.len, buf, len);
	if (PLD_HAS(s, IKEV2_PL_SK) || PLD_HAS(s, IKEV2_PL_SKF)) {
		ok &= s->sk.body_off + s->sk.body.len == len;
		ok &= s->sk.body.p == buf + s->sk.body_off;
	}
	return ok;
}

/* 1 when rc/set is an acceptable outcome. */
static int
outcome_ok(int rc, const struct pld_set *s, const uint8_t *buf, size_t len)
{
	if (rc == 0) {
		return set_sane(s, buf, len);
	}
	return rc == -EBADMSG && s->err.notify != 0;
}

/* Parses a bare chain from an exact-size heap copy. */
static int
try_chain(uint8_t first, const uint8_t *bytes, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct pld_set s;
	struct rd r;
	int rc, ok;

	if (copy == NULL) {
		abort();
	}
	memcpy(copy, bytes, len);
	rd_init(&r, copy, len);
	rc = pld_parse_inner(&s, &r, first);
	ok = outcome_ok(rc, &s, copy, len);
	free(copy);
	return ok ? (rc == 0 ? 1 : 0) : -1;
}

/* Returns 1 accepted, 0 refused properly, -1 bad outcome. */
static int
try_one(const struct golden *g, const uint8_t *bytes, size_t len)
{
	uint8_t *copy;
	struct msg m;
	int rc, ok;

	if (g->first != IKEV2_PL_NONE) {
		return try_chain(g->first, bytes, len);
	}
	if ((copy = malloc(len ? len : 1)) == NULL) {
		abort();
	}
	memcpy(copy, bytes, len);
	rc = msg_parse(&m, copy, len);
	ok = outcome_ok(rc, &m.pl, copy, len);
	if (ok && rc == 0 && PLD_HAS(&m.pl, IKEV2_PL_SK)) {
		/* As if decryption gave the body back unchanged. */
		ok = try_chain(m.pl.sk.inner, m.pl.sk.body.p,
		    m.pl.sk.body.len) >= 0;
	}
	free(copy);
	return ok ? (rc == 0 ? 1 : 0) : -1;
}

static void
record(struct tally *t, const struct golden *g, const uint8_t *b, size_t len,
    const char *what, size_t at)
{
	int r = try_one(g, b, len);

	t->tried++;
	if (r > 0) {
		t->accepted++;
	} else if (r == 0) {
		t->refused++;
	} else if (t->bad++ == 0) {
		snprintf(t->first_bad, sizeof(t->first_bad), "%s at %zu", what,
		    at);
	}
}

static void
put_u16(uint8_t *b, size_t off, unsigned v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

static void
put_u32(uint8_t *b, size_t off, uint32_t v)
{
	put_u16(b, off, v >> 16);
	put_u16(b, off + 2, v & 0xffff);
}

static void
report(const struct tally *t)
{
	printf("#   %u mutants: %u parsed, %u refused with a notify\n",
	    t->tried, t->accepted, t->refused);
	if (t->bad) {
		t_fail(__FILE__, __LINE__, "%u of %u mutants mishandled, "
		    "first: %s", t->bad, t->tried, t->first_bad);
	}
	/* A mutation set that changes nothing tests nothing. */
	T_ASSERT(t->refused > 0);
}

T_CASE(wire_mut, goldens_parse)
{
	for (size_t gi = 0; gi < sizeof(goldens) / sizeof(goldens[0]); gi++) {
		const struct golden *g = &goldens[gi];
		uint8_t b[512];
		size_t n = t_unhex(b, sizeof(b), g->hex);

		T_ROW("%s", g->name);
		/* The critical one is refused by design. */
		T_EQ_INT(try_one(g, b, n), g->hex == golden_critical ? 0 : 1);
	}
}

T_CASE(wire_mut, truncations)
{
	for (size_t gi = 0; gi < sizeof(goldens) / sizeof(goldens[0]); gi++) {
		const struct golden *g = &goldens[gi];
		struct tally t = { 0 };
		uint8_t b[512], m[512];
		size_t n = t_unhex(b, sizeof(b), g->hex);

		T_ROW("%s: %zu truncations", g->name,
		    g->first ? n : 2 * n - IKEV2_HDR_LEN);
		for (size_t len = 0; len < n; len++) {
			record(&t, g, b, len, "truncated to", len);
			if (g->first == IKEV2_PL_NONE && len >= IKEV2_HDR_LEN) {
				memcpy(m, b, len);
				put_u32(m, 24, (uint32_t)len);
				record(&t, g, m, len, "truncated+length to",
				    len);
			}
		}
		report(&t);
	}
}

T_CASE(wire_mut, bytes)
{
	static const char *const kinds[] = { "set 0x00", "set 0xff", "+1" };

	for (size_t gi = 0; gi < sizeof(goldens) / sizeof(goldens[0]); gi++) {
		const struct golden *g = &goldens[gi];
		uint8_t b[512], m[512];
		size_t n = t_unhex(b, sizeof(b), g->hex);

		for (int k = 0; k < 3; k++) {
			struct tally t = { 0 };

			T_ROW("%s: every byte %s", g->name, kinds[k]);
			for (size_t i = 0; i < n; i++) {
				memcpy(m, b, n);
				m[i] = k == 0 ? 0x00 : k == 1 ? 0xff :
				    (uint8_t)(m[i] + 1);
				record(&t, g, m, n, kinds[k], i);
			}
			report(&t);
		}
	}
}

T_CASE(wire_mut, lengths)
{
	static const int deltas[] = { -4, -1, 1, 4 };

	for (size_t gi = 0; gi < sizeof(goldens) / sizeof(goldens[0]); gi++) {
		const struct golden *g = &goldens[gi];
		struct tally t = { 0 };
		uint8_t b[512], m[512];
		size_t n = t_unhex(b, sizeof(b), g->hex);

		T_ROW("%s: every 16-bit field -4/-1/+1/+4", g->name);
		for (size_t i = 0; i + 1 < n; i++) {
			for (int d = 0; d < 4; d++) {
				unsigned v = (unsigned)(b[i] << 8 | b[i + 1]);

				memcpy(m, b, n);
				put_u16(m, i, (v + (unsigned)deltas[d]) &
				    0xffff);
				record(&t, g, m, n, "u16 delta", i);
			}
		}
		if (g->first == IKEV2_PL_NONE) {
			for (int d = 0; d < 4; d++) {
				memcpy(m, b, n);
				put_u32(m, 24, (uint32_t)(n + deltas[d]));
				record(&t, g, m, n, "header length delta", 24);
			}
		}
		report(&t);
	}
}

T_CASE(wire_mut, loops)
{
	for (size_t gi = 0; gi < sizeof(goldens) / sizeof(goldens[0]); gi++) {
		const struct golden *g = &goldens[gi];
		struct tally t = { 0 };
		uint8_t b[512], m[512];
		size_t n = t_unhex(b, sizeof(b), g->hex);
		struct pld_set s;
		struct msg msg;
		struct rd r;
		const struct pld_set *ps = &s;

		if (g->first == IKEV2_PL_NONE) {
			msg_parse(&msg, b, n);	/* the critical one fails,
						 * after recording its raws */
			ps = &msg.pl;
		} else {
			rd_init(&r, b, n);
			pld_parse_chain(&s, &r, g->first);
		}
		T_ROW("%s: %u payloads looped, zero and 4 long", g->name,
		    ps->n_raw);
		T_ASSERT(ps->n_raw > 0);
		for (unsigned i = 0; i < ps->n_raw; i++) {
			size_t off = ps->raw[i].off;

			memcpy(m, b, n);
			m[off] = ps->raw[i].type;	/* points at itself */
			record(&t, g, m, n, "next = own type", off);
			put_u16(m, off + 2, 0);
			record(&t, g, m, n, "self loop, length 0", off);
			put_u16(m, off + 2, 4);
			record(&t, g, m, n, "self loop, length 4", off);
			memcpy(m, b, n);
			put_u16(m, off + 2, 0);
			record(&t, g, m, n, "length 0", off);
		}
		report(&t);
	}
}

/* ---- caps ---- */

/* A message or chain built to exceed (or just meet) a cap. */
static int
parse_built(const uint8_t *buf, size_t len, uint8_t first,
    struct pld_set *s)
{
	struct rd r;

	rd_init(&r, buf, len);
	return pld_parse_chain(s, &r, first);
}

static struct pld_xf_desc many_xf[IKD_MAX_TRANSFORMS + 2];

/* SA with n_prop proposals of n_xf transforms each. */
static int
sa_with(unsigned n_prop, unsigned n_xf, struct pld_set *s)
{
	static uint8_t buf[8192];
	struct pld_prop_desc prop[IKD_MAX_PROPOSALS + 2];
	struct pld_wr pw;

	for (unsigned i = 0; i < IKD_MAX_TRANSFORMS + 2; i++) {
		many_xf[i].type = IKEV2_XF_DH;
		many_xf[i].id = (uint16_t)(100 + i);
	}
	for (unsigned i = 0; i < n_prop; i++) {
		memset(&prop[i], 0, sizeof(prop[i]));
		prop[i].num = (uint8_t)(i + 1);
		prop[i].proto = IKEV2_PROTO_IKE;
		prop[i].n_xf = (uint8_t)n_xf;
		prop[i].xf = many_xf;
	}
	pld_wr_init(&pw, buf, sizeof(buf));
	pld_put_sa(&pw, prop, n_prop);
	T_EQ_INT(pld_wr_err(&pw), 0);
	return parse_built(buf, wr_len(&pw.w), IKEV2_PL_SA, s);
}

/* A TSi with n selectors. */
static int
ts_with(unsigned n, struct pld_set *s)
{
	static uint8_t buf[4096];
	struct ts_range ts[IKD_MAX_TS + 2];
	uint8_t a[4] = { 10, 0, 0, 0 };
	struct pld_wr pw;

	for (unsigned i = 0; i < n; i++) {
		a[2] = (uint8_t)i;
		ts_from_cidr(&ts[i], 4, a, 24);
	}
	pld_wr_init(&pw, buf, sizeof(buf));
	pld_put_ts(&pw, IKEV2_PL_TSI, ts, n);
	T_EQ_INT(pld_wr_err(&pw), 0);
	return parse_built(buf, wr_len(&pw.w), IKEV2_PL_TSI, s);
}

/* A chain of n payloads of type t (N: notifies; 200: unknown). */
static int
chain_with(uint8_t t, unsigned n, struct pld_set *s)
{
	static uint8_t buf[4096];
	struct pld_wr pw;
	uint8_t first;

	pld_wr_init(&pw, buf, sizeof(buf));
	for (unsigned i = 0; i < n; i++) {
		if (t == IKEV2_PL_N) {
			pld_put_notify(&pw, 0, NULL, 0,
			    IKEV2_N_ADDITIONAL_TS_POSSIBLE, NULL, 0);
		} else if (t == IKEV2_PL_D) {
			pld_put_delete(&pw, IKEV2_PROTO_IKE, 0, NULL, 0);
		} else {
			pld_put_raw(&pw, t, 0, NULL, 0);
		}
	}
	T_EQ_INT(pld_wr_err(&pw), 0);
	first = pw.first;
	return parse_built(buf, wr_len(&pw.w), first, s);
}

/* A D payload listing n ESP SPIs. */
static int
delete_with(unsigned n, struct pld_set *s)
{
	static uint8_t buf[4096], spis[4 * (IKD_MAX_DELETE_SPIS + 1)];
	struct pld_wr pw;

	pld_wr_init(&pw, buf, sizeof(buf));
	pld_put_delete(&pw, IKEV2_PROTO_ESP, 4, spis, n);
	T_EQ_INT(pld_wr_err(&pw), 0);
	return parse_built(buf, wr_len(&pw.w), IKEV2_PL_D, s);
}

/* A transform with n Key Length attributes of unknown types. */
static int
attrs_with(unsigned n, struct pld_set *s)
{
	static uint8_t buf[256];
	struct pld_wr pw;
	size_t sa, ps, xs;

	pld_wr_init(&pw, buf, sizeof(buf));
	sa = pld_begin(&pw, IKEV2_PL_SA, 0);
	ps = wr_len(&pw.w);
	wr_u32(&pw.w, 0);		/* last, RESERVED, length (patched) */
	wr_u32(&pw.w, 0x01010001);	/* #1, IKE, no SPI, 1 transform */
	xs = wr_len(&pw.w);
	wr_u32(&pw.w, 0);
	wr_u32(&pw.w, 0x0100000c);	/* ENCR AES-CBC */
	for (unsigned i = 0; i < n; i++) {
		wr_u16(&pw.w, 0x8000 | 100);
		wr_u16(&pw.w, 1);
	}
	wr_patch_u16(&pw.w, xs + 2, (uint16_t)(wr_len(&pw.w) - xs));
	wr_patch_u16(&pw.w, ps + 2, (uint16_t)(wr_len(&pw.w) - ps));
	pld_end(&pw, sa);
	T_EQ_INT(pld_wr_err(&pw), 0);
	return parse_built(buf, wr_len(&pw.w), IKEV2_PL_SA, s);
}

T_CASE(wire_mut, caps)
{
	struct pld_set s;

	T_ROW("%d proposals accepted", IKD_MAX_PROPOSALS);
	T_EQ_INT(sa_with(IKD_MAX_PROPOSALS, 1, &s), 0);
	T_EQ_INT(s.sa.n_prop, IKD_MAX_PROPOSALS);
	T_ROW("%d proposals: INVALID_SYNTAX", IKD_MAX_PROPOSALS + 1);
	T_EQ_INT(sa_with(IKD_MAX_PROPOSALS + 1, 1, &s), -EBADMSG);
	T_EQ_INT(s.err.notify, IKEV2_N_INVALID_SYNTAX);

	T_ROW("%d transforms accepted", IKD_MAX_TRANSFORMS);
	T_EQ_INT(sa_with(2, IKD_MAX_TRANSFORMS / 2, &s), 0);
	T_EQ_INT(s.sa.n_xf, IKD_MAX_TRANSFORMS);
	T_EQ_INT(s.sa.prop[1].first_xf, IKD_MAX_TRANSFORMS / 2);
	T_ROW("%d transforms: INVALID_SYNTAX", IKD_MAX_TRANSFORMS + 2);
	T_EQ_INT(sa_with(2, IKD_MAX_TRANSFORMS / 2 + 1, &s), -EBADMSG);
	T_EQ_INT(s.err.notify, IKEV2_N_INVALID_SYNTAX);

	T_ROW("%d selectors accepted", IKD_MAX_TS);
	T_EQ_INT(ts_with(IKD_MAX_TS, &s), 0);
	T_EQ_INT(s.tsi.n, IKD_MAX_TS);
	T_EQ_INT(s.tsi.ts[IKD_MAX_TS - 1].start[2], IKD_MAX_TS - 1);
	T_ROW("%d selectors: INVALID_SYNTAX", IKD_MAX_TS + 1);
	T_EQ_INT(ts_with(IKD_MAX_TS + 1, &s), -EBADMSG);
	T_EQ_INT(s.err.notify, IKEV2_N_INVALID_SYNTAX);

	T_ROW("%d notifies accepted", IKD_MAX_NOTIFY);
	T_EQ_INT(chain_with(IKEV2_PL_N, IKD_MAX_NOTIFY, &s), 0);
	T_EQ_INT(s.n_notify, IKD_MAX_NOTIFY);
	T_ROW("%d notifies: INVALID_SYNTAX", IKD_MAX_NOTIFY + 1);
	T_EQ_INT(chain_with(IKEV2_PL_N, IKD_MAX_NOTIFY + 1, &s), -EBADMSG);
	T_EQ_INT(s.err.notify, IKEV2_N_INVALID_SYNTAX);

	T_ROW("%d D payloads: INVALID_SYNTAX", IKD_MAX_DELETE + 1);
	T_EQ_INT(chain_with(IKEV2_PL_D, IKD_MAX_DELETE, &s), 0);
	T_EQ_INT(chain_with(IKEV2_PL_D, IKD_MAX_DELETE + 1, &s), -EBADMSG);
	T_ROW("%d V payloads: INVALID_SYNTAX", IKD_MAX_VENDOR + 1);
	T_EQ_INT(chain_with(IKEV2_PL_V, IKD_MAX_VENDOR, &s), 0);
	T_EQ_INT(chain_with(IKEV2_PL_V, IKD_MAX_VENDOR + 1, &s), -EBADMSG);

	T_ROW("%d unknown payloads skipped", IKD_MAX_PAYLOADS);
	T_EQ_INT(chain_with(200, IKD_MAX_PAYLOADS, &s), 0);
	T_EQ_INT(s.n_raw, IKD_MAX_PAYLOADS);
	T_ROW("%d payloads: INVALID_SYNTAX", IKD_MAX_PAYLOADS + 1);
	T_EQ_INT(chain_with(200, IKD_MAX_PAYLOADS + 1, &s), -EBADMSG);
	T_EQ_INT(s.err.notify, IKEV2_N_INVALID_SYNTAX);

	T_ROW("%d SPIs in one D accepted", IKD_MAX_DELETE_SPIS);
	T_EQ_INT(delete_with(IKD_MAX_DELETE_SPIS, &s), 0);
	T_EQ_INT(s.del[0].n_spi, IKD_MAX_DELETE_SPIS);
	T_ROW("%d SPIs in one D: INVALID_SYNTAX", IKD_MAX_DELETE_SPIS + 1);
	T_EQ_INT(delete_with(IKD_MAX_DELETE_SPIS + 1, &s), -EBADMSG);

	T_ROW("%d attributes: unusable transform", IKD_MAX_ATTRIBUTES);
	T_EQ_INT(attrs_with(IKD_MAX_ATTRIBUTES, &s), 0);
	T_EQ_INT(s.sa.xf[0].unusable, 1);
	T_ROW("%d attributes: INVALID_SYNTAX", IKD_MAX_ATTRIBUTES + 1);
	T_EQ_INT(attrs_with(IKD_MAX_ATTRIBUTES + 1, &s), -EBADMSG);
}
