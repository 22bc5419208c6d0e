/*
 * test_ike_mut.c - deterministic mutations of every message of a real
 * exchange, fed to a live engine: no crash, no state left behind, and the
 * tunnel still comes up.
 *
 * t/test_wire_mut.c mutates golden packets at the parser.  Here the messages
 * come from two engines talking in t/harness/sim.c (IKE_SA_INIT, IKE_AUTH,
 * CREATE_CHILD_SA with PFS for a new flow and the answer to a CHILD SA rekey, a
 * DPD INFORMATIONAL, a Delete INFORMATIONAL, requests and responses).  For each
 * mutant a fresh simulation runs up to
 * the moment the chosen message is delivered; the mutant goes into the
 * receiving engine first, from the peer's address, then the genuine
 * message.  The virtual clock then runs 400 s, past the half-open timeout
 * (30 s), the retransmit limit (2 + 4 + ... + 64 s) and many DPD rounds.
 *
 * Two kinds of mutant:
 *  - outer: the datagram as it goes on the wire (anyone can forge these).
 *    The genuine message that follows must win: the initiator initiates
 *    once, nothing fails, each side establishes its IKE SA once and
 *    nothing is retransmitted, except where IKEv2 cannot tell (a forged
 *    IKE_SA_INIT that parses is taken for the genuine one, see accepted();
 *    then only the eventual state is checked).
 *  - inner: the payloads inside SK, re-encrypted with the receiving SA's own
 *    keys, i.e. what an authenticated but broken peer would send.  The
 *    engines may then fail flows, but must end in agreement: equal IKE SA
 *    and CHILD SA counts on both sides, every kernel SA and policy
 *    accounted for by a CHILD SA, no half-open SA left.
 *
 * Mutations of a payload chain: every byte of the IKE header and of each
 * payload's generic header XORed with 0xff and with 0x01; each payload
 * length -1 and +1; truncation at every payload boundary, after each
 * generic header and in the middle of each body; each payload's type
 * changed to every payload type of RFC 7296 3.2 and to unknown ones; a
 * payload's type made unknown with its critical bit set, and an unknown
 * payload appended, critical or not.  On the datagram also: the header's
 * Length -1 and +1, the datagram one byte longer and one byte shorter than
 * its Length.  A request carrying an unknown critical payload must be
 * answered with UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 2.5).
 *
 * MUT_TRACE=1 t/unit -s ike_mut prints both logs of a failing mutant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "core/wire/msg.h"
#include "core/wire/rd.h"
#include "t/harness/sim.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"
#define UNKNOWN_PL 99		/* no payload type has this number */
#define RUN_MS 400000
#define MAX_PL 32

struct target {
	const char *name;
	uint8_t exch;
	int resp;
	int nth;		/* the nth (0-based) such message delivered */
	int down;		/* take the VPN down at 3 s (Delete) */
	int rekey;		/* rekey the CHILD SAs at 3 s */
};

static const struct target targets[] = {
	{ "IKE_SA_INIT request", IKEV2_EXCH_IKE_SA_INIT, 0, 0, 0, 0 },
	{ "IKE_SA_INIT response", IKEV2_EXCH_IKE_SA_INIT, 1, 0, 0, 0 },
	{ "IKE_AUTH request", IKEV2_EXCH_IKE_AUTH, 0, 0, 0, 0 },
	{ "IKE_AUTH response", IKEV2_EXCH_IKE_AUTH, 1, 0, 0, 0 },
	{ "CREATE_CHILD_SA request", IKEV2_EXCH_CREATE_CHILD_SA, 0, 0, 0, 0 },
	{ "CREATE_CHILD_SA response", IKEV2_EXCH_CREATE_CHILD_SA, 1, 0, 0, 0 },
	/* the first rekey's answer (the 0th made the second flow) */
	{ "CREATE_CHILD_SA rekey response", IKEV2_EXCH_CREATE_CHILD_SA, 1, 1,
	  0, 1 },
	{ "INFORMATIONAL DPD request", IKEV2_EXCH_INFORMATIONAL, 0, 0, 0, 0 },
	{ "INFORMATIONAL DPD response", IKEV2_EXCH_INFORMATIONAL, 1, 0, 0, 0 },
	{ "INFORMATIONAL Delete request", IKEV2_EXCH_INFORMATIONAL, 0, 0, 1,
	  0 },
	{ "INFORMATIONAL Delete response", IKEV2_EXCH_INFORMATIONAL, 1, 0,
	  1, 0 },
};

/* The types a payload is changed to. */
static const uint8_t retypes[] = {
	IKEV2_PL_NONE, IKEV2_PL_SA, IKEV2_PL_KE, IKEV2_PL_IDI, IKEV2_PL_IDR,
	IKEV2_PL_CERT, IKEV2_PL_CERTREQ, IKEV2_PL_AUTH, IKEV2_PL_NONCE,
	IKEV2_PL_N, IKEV2_PL_D, IKEV2_PL_V, IKEV2_PL_TSI, IKEV2_PL_TSR,
	IKEV2_PL_SK, IKEV2_PL_CP, IKEV2_PL_EAP, IKEV2_PL_SKF, 1, UNKNOWN_PL,
	255,
};

/*
 * A payload chain to mutate: buf[0..hdr) is what comes before the chain
 * (the IKE header of a datagram, or one byte holding the first inner
 * type), the byte at first_at holds the first payload's type.
 */
struct chain {
	uint8_t buf[IKD_MSG_MAX];
	size_t len, hdr, first_at;
	int datagram;
};

struct mutant {
	struct chain c;
	char desc[96];
	int crit;		/* carries an unknown critical payload */
};

/* Offsets, types and lengths of the payloads of c; stops at SK (its body
 * is not a chain) and at the first length that does not fit. */
static int
walk(const struct chain *c, size_t off[], uint8_t type[], size_t len[])
{
	size_t o = c->hdr;
	uint8_t t = c->buf[c->first_at];
	int n = 0;

	while (t != IKEV2_PL_NONE && o + 4 <= c->len && n < MAX_PL) {
		size_t l = sim_get16(c->buf + o + 2);

		if (l < 4 || o + l > c->len) {
			break;
		}
		off[n] = o;
		type[n] = t;
		len[n] = l;
		n++;
		t = c->buf[o];
		o += l;
		if (type[n - 1] == IKEV2_PL_SK) {
			break;
		}
	}
	return n;
}

static void
fix_len(struct chain *c)
{
	if (c->datagram && c->len >= IKEV2_HDR_LEN) {
		sim_put32(c->buf + 24, c->len);
	}
}

/*
 * Makes mutant number idx of in into m.  Returns 0 when there is no such
 * mutant (idx is past the last one).  The numbering is the same on every
 * run for a chain of the same shape.
 */
static int
mutate(const struct chain *in, int idx, struct mutant *m)
{
	size_t off[MAX_PL], len[MAX_PL];
	uint8_t type[MAX_PL];
	int n = walk(in, off, type, len), k = 0;
	struct chain *c = &m->c;

#define NEXT(...) \
	if (k++ == idx) { \
		*c = *in; \
		m->crit = 0; \
		snprintf(m->desc, sizeof(m->desc), __VA_ARGS__);
#define DONE \
		return 1; \
	}

	if (in->datagram) {
		for (size_t i = 0; i < IKEV2_HDR_LEN; i++) {
			NEXT("header byte %zu ^ 0xff", i)
			c->buf[i] ^= 0xff;
			DONE
			NEXT("header byte %zu ^ 0x01", i)
			c->buf[i] ^= 0x01;
			DONE
		}
		NEXT("header Length - 1")
		sim_put32(c->buf + 24, c->len - 1);
		DONE
		NEXT("header Length + 1")
		sim_put32(c->buf + 24, c->len + 1);
		DONE
		NEXT("datagram one byte longer than Length")
		c->buf[c->len++] = 0;
		DONE
		NEXT("datagram one byte shorter than Length")
		c->len--;
		DONE
	}
	for (int i = 0; i < n; i++) {
		size_t tb = i == 0 ? in->first_at : off[i - 1];

		for (size_t b = 0; b < 4; b++) {
			NEXT("payload %d (%u) byte %zu ^ 0xff", i, type[i], b)
			c->buf[off[i] + b] ^= 0xff;
			DONE
			NEXT("payload %d (%u) byte %zu ^ 0x01", i, type[i], b)
			c->buf[off[i] + b] ^= 0x01;
			DONE
		}
		/* Not inside SK: a value the peer itself used (nonce,
		 * KE) changed after it used it cannot be noticed. */
		if (len[i] > 4 && in->datagram) {
			NEXT("payload %d (%u) last body byte ^ 0x01", i,
			    type[i])
			c->buf[off[i] + len[i] - 1] ^= 0x01;
			DONE
		}
		NEXT("payload %d (%u) length - 1", i, type[i])
		sim_put16(c->buf + off[i] + 2, len[i] - 1);
		DONE
		NEXT("payload %d (%u) length + 1", i, type[i])
		sim_put16(c->buf + off[i] + 2, len[i] + 1);
		DONE
		NEXT("truncated before payload %d (%u)", i, type[i])
		c->len = off[i];
		fix_len(c);
		DONE
		NEXT("truncated after payload %d (%u) header", i, type[i])
		c->len = off[i] + 4;
		fix_len(c);
		DONE
		if (len[i] > 5) {
			NEXT("truncated inside payload %d (%u)", i, type[i])
			c->len = off[i] + len[i] / 2;
			fix_len(c);
			DONE
		}
		for (size_t r = 0; r < sizeof(retypes); r++) {
			if (retypes[r] == type[i]) {
				continue;
			}
			NEXT("payload %d (%u) retyped %u", i, type[i],
			    retypes[r])
			c->buf[tb] = retypes[r];
			DONE
		}
		NEXT("payload %d (%u) retyped unknown, critical", i, type[i])
		c->buf[tb] = UNKNOWN_PL;
		c->buf[off[i] + 1] |= IKEV2_CRITICAL;
		m->crit = 1;
		DONE
	}
	/* An unknown payload at the end of the chain (not after SK, which
	 * must come last). */
	if (n == 0 || type[n - 1] != IKEV2_PL_SK) {
		size_t end = n ? off[n - 1] + len[n - 1] : in->hdr;
		size_t tb = n ? off[n - 1] : in->first_at;
		static const uint8_t body[4] = { 0xde, 0xad, 0xbe, 0xef };

		for (int crit = 0; crit < 2; crit++) {
			NEXT("unknown payload appended%s",
			    crit ? ", critical" : "")
			c->len = end;
			c->buf[tb] = UNKNOWN_PL;
			c->buf[c->len++] = IKEV2_PL_NONE;
			c->buf[c->len++] = crit ? IKEV2_CRITICAL : 0;
			sim_put16(c->buf + c->len, 8);
			c->len += 2;
			memcpy(c->buf + c->len, body, sizeof(body));
			c->len += sizeof(body);
			fix_len(c);
			m->crit = crit;
			DONE
		}
	}
#undef NEXT
#undef DONE
	return 0;
}

/* The IKE SA of eng whose initiator SPI is ispi, with keys. */
static struct ike_sa *
sa_of(struct ike_engine *eng, const uint8_t *ispi)
{
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		if (memcmp(sa->spi_i, ispi, 8) == 0 && sa->enc != NULL &&
		    sa->state != SA_INIT_SENT) {
			return sa;
		}
	}
	return NULL;
}

/* One simulation: which mutant, and what happened to it. */
struct run {
	const struct target *tg;
	int mut;		/* index among outer then inner mutants; -1 */
	int seen, hit;		/* matching deliveries; the mutant went in */
	int exists;		/* mutant number mut exists for this message */
	int inner;		/* it was an inner (authenticated) mutant */
	int crit;
	int answered;		/* the receiver sent something for it */
	int crit_answer;	/* ... carrying UNSUPPORTED_CRITICAL_PAYLOAD */
	int receiver;
	int capturing;
	int accepted;		/* taken for the genuine message */
	uint8_t out[IKD_MSG_MAX];
	size_t out_len;
	int n_outer, n_inner;	/* mutant counts of the target message */
	char desc[128];
};

static void
tap(void *arg, int from, const uint8_t *buf, size_t len)
{
	struct run *r = arg;

	if (r->capturing && from == r->receiver && !r->answered &&
	    len <= sizeof(r->out)) {
		r->answered = 1;
		memcpy(r->out, buf, len);
		r->out_len = len;
	}
}

/* Does the receiver's answer say UNSUPPORTED_CRITICAL_PAYLOAD? */
static int
says_critical(struct run *r, struct ike_sa *sa)
{
	struct msg m;
	struct pld_set set;
	struct rd rd;
	const uint8_t *plain;
	size_t plen;

	if (!r->answered || msg_parse(&m, r->out, r->out_len) != 0) {
		return 0;
	}
	if (pld_find_notify(&m.pl, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD)) {
		return 1;
	}
	if (sa == NULL || !PLD_HAS(&m.pl, IKEV2_PL_SK) ||
	    sim_sk_open(sa, r->out, r->out_len, &plain, &plen) != 0) {
		return 0;
	}
	rd_init(&rd, plain, plen);
	if (pld_parse_inner(&set, &rd, r->out[28]) != 0) {
		return 0;
	}
	return pld_find_notify(&set, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD) !=
	    NULL;
}

/*
 * Was the forged message taken for the genuine one?  IKEv2 cannot prevent
 * that for the clear IKE_SA_INIT (RFC 7296 2.21.1): a response that parses
 * moves the initiator on, and a request with the initiator's SPI that
 * parses gets a full answer, which reaches the initiator first.
 */
static int
accepted(struct run *r, const struct sim_pkt *p)
{
	struct msg m;

	if (!r->answered) {
		return 0;
	}
	if (r->tg->resp) {
		return 1;
	}
	return r->tg->exch == IKEV2_EXCH_IKE_SA_INIT &&
	    memcmp(r->out, p->buf, 8) == 0 &&
	    msg_parse(&m, r->out, r->out_len) == 0 &&
	    PLD_HAS(&m.pl, IKEV2_PL_SA);
}

static void
before(void *arg, struct sim *s, const struct sim_pkt *p)
{
	struct run *r = arg;
	static struct chain outer, inner;
	static struct mutant m;
	static uint8_t sealed[IKD_MSG_MAX], work[IKD_MSG_MAX];
	const uint8_t *wire = m.c.buf;
	size_t wire_len;
	struct ike_sa *sa = NULL;
	const uint8_t *plain;
	size_t plen;

	if (r->hit || p->len < IKEV2_HDR_LEN || p->buf[18] != r->tg->exch ||
	    ((p->buf[19] & IKEV2_FLAG_R) != 0) != r->tg->resp ||
	    r->seen++ != r->tg->nth) {
		return;
	}
	r->hit = 1;
	r->receiver = p->to;
	memset(&outer, 0, sizeof(outer));
	memcpy(outer.buf, p->buf, p->len);
	outer.len = p->len;
	outer.hdr = IKEV2_HDR_LEN;
	outer.first_at = 16;
	outer.datagram = 1;
	r->n_outer = 0;
	while (mutate(&outer, r->n_outer, &m)) {
		r->n_outer++;
	}
	/* The inner chain, when the receiver holds the keys. */
	r->n_inner = 0;
	memset(&inner, 0, sizeof(inner));
	if (p->buf[16] == IKEV2_PL_SK) {
		sa = sa_of(s->n[p->to].eng, p->buf);
	}
	memcpy(work, p->buf, p->len);
	if (sa && sim_sk_open(sa, work, p->len, &plain, &plen) == 0) {
		inner.buf[0] = p->buf[28];
		memcpy(inner.buf + 1, plain, plen);
		inner.len = plen + 1;
		inner.hdr = 1;
		inner.first_at = 0;
		while (mutate(&inner, r->n_inner, &m)) {
			r->n_inner++;
		}
	}
	if (r->mut < 0) {
		return;
	}
	if (r->mut < r->n_outer) {
		mutate(&outer, r->mut, &m);
		wire_len = m.c.len;
	} else if (r->mut < r->n_outer + r->n_inner) {
		r->inner = 1;
		mutate(&inner, r->mut - r->n_outer, &m);
		if (sim_sk_seal(sa, p->buf, m.c.buf[0], m.c.buf + 1, m.c.len - 1,
		    sealed, sizeof(sealed), &wire_len) != 0) {
			return;
		}
		wire = sealed;
	} else {
		return;
	}
	r->exists = 1;
	r->crit = m.crit;
	snprintf(r->desc, sizeof(r->desc), "%s %s", r->inner ? "inner" :
	    "outer", m.desc);
	r->capturing = 1;
	ike_input(s->n[p->to].eng, &p->dst, &p->src, wire, wire_len, s->now);
	r->capturing = 0;
	r->accepted = accepted(r, p);
	if (r->crit && !r->tg->resp) {
		r->crit_answer = says_critical(r, sa);
	}
}

static const char *
vpn_body(const char *mode, const char *local, const char *peer,
    const char *flows)
{
	struct sim_vpn v = { .name = "mut", .mode = mode, .local = local,
	    .peer = peer, .psk = "mutant-psk", .flows = flows,
	    .child_group = "curve25519" };

	return sim_vpn_text(&v);
}

static int
count_log(const char *log, const char *what)
{
	int n = 0;

	for (const char *p = log; (p = strstr(p, what)) != NULL; p++) {
		n++;
	}
	return n;
}

/*
 * Runs one simulation with mutant r->mut (-1: none) and returns NULL when
 * every expectation holds, or what did not.
 */
static const char *
run_one(struct run *r)
{
	static char why[160];
	static const char *cfg_a, *cfg_b;
	struct sim s;
	struct ike_stats st[2];
	int ike[2], ch[2];
	const char *bad = NULL;

	if (cfg_a == NULL) {
		cfg_a = sim_cfg("mut-a", "dpd_check_interval = 10\n",
		    vpn_body("active", GW1, GW2,
		    "flow = 203.0.113.0/25 203.0.113.128/26\n"
		    "flow = 203.0.113.0/25 203.0.113.192/26\n"));
		cfg_b = sim_cfg("mut-b", "dpd_check_interval = 10\n",
		    vpn_body("passive", GW2, GW1,
		    "flow = 203.0.113.128/25 203.0.113.0/25\n"));
	}
	if (sim_init(&s, cfg_a, GW1, cfg_b, GW2, 7) != 0) {
		sim_free(&s);
		return "sim_init failed";
	}
	s.tap = tap;
	s.before = before;
	s.hook_arg = r;
	if (r->tg->down) {
		sim_run(&s, 3000);
		ike_vpn_down(s.n[0].eng, "mut", s.now);
	}
	if (r->tg->rekey) {
		sim_run(&s, 3000);
		ike_vpn_rekey(s.n[0].eng, "mut", 0, s.now);
	}
	sim_run(&s, RUN_MS);
	if (!r->hit) {
		sim_free(&s);
		return "the target message never came";
	}
	for (int i = 0; i < 2; i++) {
		ike_get_stats(s.n[i].eng, &st[i]);
		ike[i] = sim_count_ike(&s, i, NULL);
		ch[i] = sim_count_children(&s, i);
		if (sim_kernel_sas(&s, i) != 2 * ch[i]) {
			bad = "kernel SAs not those of the CHILD SAs";
		} else if (s.n[i].n_policies != 3 * ch[i]) {
			bad = "kernel policies not those of the CHILD SAs";
		} else if (st[i].half_open != 0) {
			bad = "half-open IKE SA left";
		}
	}
	if (bad) {
		/* reported below */
	} else if (r->tg->down) {
		if (ike[0] + ike[1] + ch[0] + ch[1] != 0) {
			bad = "an SA survived the Delete";
		}
	} else if (ike[0] != ike[1] || ch[0] != ch[1] ||
	    sim_count_ike(&s, 0, "ESTABLISHED") != ike[0] ||
	    sim_count_ike(&s, 1, "ESTABLISHED") != ike[1]) {
		/* a CHILD SA answer the initiator refused is DELETEd on
		 * the responder too */
		bad = "the two sides disagree";
	} else if (ch[0] > 0 && !sim_children_agree(&s)) {
		bad = "CHILD SAs or their keys differ";
	} else if (!r->inner && (ike[0] != 1 || ch[0] != 2)) {
		bad = "the tunnel is not up";
	} else if (ike[0] > 1) {
		bad = "more than one IKE SA";
	}
	/* A forged message must not cost the genuine exchange anything. */
	if (bad == NULL && !r->inner && !r->tg->down && !r->accepted &&
	    (count_log(s.n[0].log, "initiating IKE SA") != 1 ||
	    count_log(s.n[0].log, "failed: ") != 0 ||
	    count_log(s.n[0].log, "established IKE SA as initiator") != 1 ||
	    count_log(s.n[1].log, "established IKE SA as responder") != 1 ||
	    st[0].retransmits + st[1].retransmits != 0)) {
		bad = "the genuine exchange did not complete at once";
	}
	if (bad == NULL && r->crit && !r->tg->resp &&
	    (r->inner || r->tg->exch == IKEV2_EXCH_IKE_SA_INIT) &&
	    !r->crit_answer) {
		bad = "no UNSUPPORTED_CRITICAL_PAYLOAD answer";
	}
	if (bad && getenv("MUT_TRACE")) {
		fprintf(stderr, "--- %s / %s: %s\n[A]\n%s[B]\n%s", r->tg->name,
		    r->desc, bad, s.n[0].log, s.n[1].log);
	}
	sim_free(&s);
	if (bad) {
		snprintf(why, sizeof(why), "%s: %s", r->desc, bad);
		return why;
	}
	return NULL;
}

T_CASE(ike_mut, every_message_every_mutant)
{
	unsigned total = 0;

	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		struct run base = { .tg = &targets[t], .mut = -1 };
		const char *why = run_one(&base);
		int n, bad = 0, crit = 0;

		T_ROW("%s: %d outer + %d inner mutants", targets[t].name,
		    base.n_outer, base.n_inner);
		if (why) {
			t_fail(__FILE__, __LINE__, "unmutated: %s", why);
			continue;
		}
		/* every message has a header and at least one payload */
		T_ASSERT(base.n_outer > 60);
		n = base.n_outer + base.n_inner;
		for (int i = 0; i < n; i++) {
			struct run r = { .tg = &targets[t], .mut = i };

			why = run_one(&r);
			if (why == NULL && !r.exists) {
				why = "mutant not made";
			}
			if (why && bad++ < 5) {
				t_fail(__FILE__, __LINE__, "mutant %d: %s", i,
				    why);
			}
			crit += r.crit_answer;
			total++;
		}
		T_EQ_INT(bad, 0);
		if (targets[t].exch == IKEV2_EXCH_IKE_SA_INIT &&
		    !targets[t].resp) {
			T_ASSERT(crit > 0);
		}
	}
	T_ROW("%u mutants tried in all", total);
	T_ASSERT(total > 1000);
}

/* A forged error answer to IKE_SA_INIT, slipped in before the genuine one. */
struct forge {
	uint16_t notify;
	int done;
};

static void
forge_before(void *arg, struct sim *s, const struct sim_pkt *p)
{
	struct forge *f = arg;
	uint8_t buf[256];
	struct msg_hdr h;
	struct pld_wr pw;
	size_t len;

	if (f->done || p->len < IKEV2_HDR_LEN ||
	    p->buf[18] != IKEV2_EXCH_IKE_SA_INIT ||
	    !(p->buf[19] & IKEV2_FLAG_R)) {
		return;
	}
	f->done = 1;
	msg_hdr_set(&h, p->buf, NULL, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_R, 0);
	msg_wr_init(&pw, buf, sizeof(buf), &h);
	pld_put_notify(&pw, 0, NULL, 0, f->notify, NULL, 0);
	if (msg_wr_finish(&pw, &len) == 0) {
		ike_input(s->n[p->to].eng, &p->dst, &p->src, buf, len,
		    s->now);
	}
}

/*
 * RFC 7296 2.21.1: an error answer to IKE_SA_INIT is not authenticated, so
 * the initiator must not give up on it while the genuine answer may still
 * come.  (A genuine error alone still fails the exchange: t/test_ike.c,
 * mismatches_fail_with_the_right_notify.)
 */
T_CASE(ike_mut, forged_init_error_does_not_cost_a_retry)
{
	static const uint16_t notes[] = {
		IKEV2_N_NO_PROPOSAL_CHOSEN, IKEV2_N_INVALID_SYNTAX,
		IKEV2_N_AUTHENTICATION_FAILED,
	};
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		struct forge f = { notes[i], 0 };
		struct sim s;
		const char *a = sim_cfg("forge-a", "dpd_check_interval = 0\n",
		    vpn_body("active", GW1, GW2,
		    "flow = 203.0.113.0/25 203.0.113.128/25\n"));
		const char *b = sim_cfg("forge-b", "dpd_check_interval = 0\n",
		    vpn_body("passive", GW2, GW1,
		    "flow = 203.0.113.128/25 203.0.113.0/25\n"));

		T_ROW("forged %s before the genuine answer",
		    ikev2_notify_name(notes[i]));
		T_ASSERT(sim_init(&s, a, GW1, b, GW2, 9) == 0);
		s.before = forge_before;
		s.hook_arg = &f;
		sim_run(&s, 1500);
		T_ASSERT(f.done);
		T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
		T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
		T_EQ_INT(count_log(s.n[0].log, "initiating IKE SA"), 1);
		T_ASSERT(strstr(s.n[0].log, "IKE_SA_INIT failed") == NULL);
		T_CONTAINS(s.n[0].log, "waiting for another");
		sim_free(&s);
	}
}

/*
 * State carried across messages (RFC 7296 2.21, 3.10.1: a message that
 * fails its integrity check is dropped, never answered).  The engine
 * parses every decrypted chain into one scratch set; an authenticated but
 * malformed request on one IKE SA (which anyone can make on an IKE SA of
 * its own, without a PSK) leaves an error notify there.  Forged requests
 * that follow, on that SA or another, must get no answer and leave the
 * message ID, the response cache and the timers as they were; the
 * tunnels must then live on through many DPD rounds.
 */
struct xcount {
	int sent[2];
};

static void
xcount_tap(void *arg, int from, const uint8_t *buf, size_t len)
{
	((struct xcount *)arg)->sent[from]++;
}

static struct ike_sa *
sa_of_vpn(struct ike_engine *eng, const char *name)
{
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		if (sa->state == SA_ESTABLISHED &&
		    strcmp(sa->vpn->cfg->name, name) == 0) {
			return sa;
		}
	}
	return NULL;
}

static void
xhdr(uint8_t *h, const struct ike_sa *sa, uint8_t first, uint32_t msgid,
    size_t len)
{
	memset(h, 0, IKEV2_HDR_LEN);
	memcpy(h, sa->spi_i, 8);
	memcpy(h + 8, sa->spi_r, 8);
	h[16] = first;
	h[17] = 0x20;
	h[18] = IKEV2_EXCH_INFORMATIONAL;
	h[19] = IKEV2_FLAG_I;
	sim_put32(h + 20, msgid);
	sim_put32(h + 24, len);
}

static const char *
twin_vpn(const char *name, const char *mode, const char *local,
    const char *peer, const char *flow)
{
	char ids[2][64];
	struct sim_vpn v = { .name = name, .mode = mode, .local = local,
	    .peer = peer, .srcid = ids[0], .dstid = ids[1],
	    .psk = "mutant-psk-twins", .flows = flow };

	snprintf(ids[0], sizeof(ids[0]), "%s.%s", name,
	    mode[0] == 'a' ? "a.example" : "b.example");
	snprintf(ids[1], sizeof(ids[1]), "%s.%s", name,
	    mode[0] == 'a' ? "b.example" : "a.example");
	return sim_vpn_text(&v);
}

T_CASE(ike_mut, forged_after_malformed_gets_no_answer)
{
	static const struct {
		const char *name;
		int same_sa;	/* the forged one on the malformed one's SA */
		int with_sk;	/* an SK payload with a bad ICV, or none */
	} rows[] = {
		{ "on another IKE SA, no SK payload", 0, 0 },
		{ "on another IKE SA, SK with a bad ICV", 0, 1 },
		{ "on the same IKE SA, no SK payload", 1, 0 },
		{ "on the same IKE SA, SK with a bad ICV", 1, 1 },
	};
	char inc[2][96];

	t_tmpfile("sim-fx-a2.conf", twin_vpn("two", "active", GW1, GW2,
	    "203.0.113.0/26 203.0.113.128/26"));
	t_tmpfile("sim-fx-b2.conf", twin_vpn("two", "passive", GW2, GW1,
	    "203.0.113.128/26 203.0.113.0/26"));
	snprintf(inc[0], sizeof(inc[0]),
	    "dpd_check_interval = 10\ninclude = sim-fx-a2.conf\n");
	snprintf(inc[1], sizeof(inc[1]),
	    "dpd_check_interval = 10\ninclude = sim-fx-b2.conf\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *a = sim_cfg("fx-a", inc[0], twin_vpn("one",
		    "active", GW1, GW2, "203.0.113.64/26 203.0.113.192/26"));
		const char *b = sim_cfg("fx-b", inc[1], twin_vpn("one",
		    "passive", GW2, GW1, "203.0.113.192/26 203.0.113.64/26"));
		static uint8_t pkt[512];
		static const uint8_t crit[4] = { 0, 0x80, 0, 4 };
		struct xcount xc = { { 0, 0 } };
		struct ike_sa *s1, *s2, *f;
		struct ike_engine *eb;
		uint32_t m1, mf, resp_msgid;
		uint64_t due;
		size_t len;
		int have_resp;
		struct sim s;

		T_ROW("forged request %s", rows[i].name);
		T_ASSERT(sim_init(&s, a, GW1, b, GW2, 11) == 0);
		sim_run(&s, 5000);
		eb = s.n[1].eng;
		s1 = sa_of_vpn(eb, "one");
		s2 = sa_of_vpn(eb, "two");
		T_ASSERT(s1 != NULL && s2 != NULL);
		s.tap = xcount_tap;
		s.hook_arg = &xc;

		/* authenticated, malformed: answered, as it must be */
		m1 = s1->msgid_in;
		xhdr(pkt, s1, IKEV2_PL_SK, m1, 0);
		T_ASSERT(sim_sk_seal(s1, pkt, UNKNOWN_PL, crit, sizeof(crit), pkt,
		    sizeof(pkt), &len) == 0);
		ike_input(eb, &s.n[1].addr, &s.n[0].addr, pkt, len, s.now);
		T_EQ_INT(xc.sent[1], 1);
		T_EQ_INT((int)s1->msgid_in, (int)m1 + 1);

		/* forged: nothing */
		f = rows[i].same_sa ? s1 : s2;
		mf = f->msgid_in;
		have_resp = f->have_resp;
		resp_msgid = f->resp_msgid;
		due = f->tm.due;
		if (rows[i].with_sk) {
			static const uint8_t junk[48] = { 1, 2, 3 };

			xhdr(pkt, f, IKEV2_PL_SK, mf,
			    IKEV2_HDR_LEN + 4 + sizeof(junk));
			pkt[28] = 0;
			pkt[29] = 0;
			sim_put16(pkt + 30, 4 + sizeof(junk));
			memcpy(pkt + 32, junk, sizeof(junk));
			len = IKEV2_HDR_LEN + 4 + sizeof(junk);
		} else {
			xhdr(pkt, f, 0, mf, IKEV2_HDR_LEN);
			len = IKEV2_HDR_LEN;
		}
		ike_input(eb, &s.n[1].addr, &s.n[0].addr, pkt, len, s.now);
		ike_input(eb, &s.n[1].addr, &s.n[0].addr, pkt, len, s.now);
		T_EQ_INT(xc.sent[1], 1);
		T_EQ_INT((int)f->msgid_in, (int)mf);
		T_EQ_INT(f->have_resp, have_resp);
		T_EQ_INT((int)f->resp_msgid, (int)resp_msgid);
		T_ASSERT(f->tm.due == due);

		/* and the tunnels live on through DPD, rekey-free */
		s.tap = NULL;
		sim_run(&s, RUN_MS);
		T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 2);
		T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 2);
		T_EQ_INT(count_log(s.n[0].log, "initiating IKE SA"), 2);
		T_ASSERT(strstr(s.n[0].log, "retransmit limit") == NULL);
		T_ASSERT(strstr(s.n[1].log, "retransmit limit") == NULL);
		sim_free(&s);
	}
}

/*
 * RFC 7296 3.1, 2.2: an IKE_SA_INIT request carries a zero responder SPI,
 * message ID 0 and the I flag.  A copy of the genuine request with any of
 * them changed gets no answer and makes no state; the genuine one, sent
 * after, still brings the tunnel up.
 */
struct strict {
	int variant;
	int done, answered;
	uint32_t n_sas;
};

static void
strict_tap(void *arg, int from, const uint8_t *buf, size_t len)
{
	struct strict *st = arg;

	if (from == 1 && st->done == 1) {
		st->answered++;
	}
}

static void
strict_before(void *arg, struct sim *s, const struct sim_pkt *p)
{
	struct strict *st = arg;
	uint8_t buf[IKD_MSG_MAX];

	if (st->done || p->len < IKEV2_HDR_LEN || p->to != 1 ||
	    p->buf[18] != IKEV2_EXCH_IKE_SA_INIT ||
	    (p->buf[19] & IKEV2_FLAG_R)) {
		return;
	}
	memcpy(buf, p->buf, p->len);
	switch (st->variant) {
	case 0:
		buf[15] = 1;		/* a responder SPI */
		break;
	case 1:
		sim_put32(buf + 20, 1);	/* message ID 1 */
		break;
	default:
		buf[19] &= (uint8_t)~IKEV2_FLAG_I;
		break;
	}
	st->done = 1;
	ike_input(s->n[1].eng, &p->dst, &p->src, buf, p->len, s->now);
	st->n_sas = s->n[1].eng->n_sas;
	st->done = 2;
}

T_CASE(engine_mut, strict_ike_sa_init_request)
{
	static const char *what[] = {
		"a non-zero responder SPI", "message ID 1", "the I flag clear",
	};
	for (int v = 0; v < 3; v++) {
		struct strict st = { v, 0, 0, 0 };
		struct sim s;
		const char *a = sim_cfg("strict-a", "dpd_check_interval = 0\n",
		    vpn_body("active", GW1, GW2,
		    "flow = 203.0.113.0/25 203.0.113.128/25\n"));
		const char *b = sim_cfg("strict-b", "dpd_check_interval = 0\n",
		    vpn_body("passive", GW2, GW1,
		    "flow = 203.0.113.128/25 203.0.113.0/25\n"));

		T_ROW("IKE_SA_INIT request with %s", what[v]);
		T_ASSERT(sim_init(&s, a, GW1, b, GW2, 5) == 0);
		s.before = strict_before;
		s.tap = strict_tap;
		s.hook_arg = &st;
		sim_run(&s, 3000);
		T_EQ_INT(st.done, 2);
		T_EQ_INT(st.answered, 0);
		T_EQ_INT((int)st.n_sas, 0);
		T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
		T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
		sim_free(&s);
	}
}
