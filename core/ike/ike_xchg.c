/*
 * ike_xchg.c - the IKEv2 exchanges (RFC 7296): IKE_SA_INIT with cookies
 * and INVALID_KE_PAYLOAD retries (1.2, 2.6, 1.3), IKE_AUTH with pre-shared
 * keys (2.15), one CHILD SA per configured flow - the first in IKE_AUTH, the
 * others with CREATE_CHILD_SA and the childsa group as PFS (1.3.1) - with
 * the responder narrowing the proposed selectors to its own policy (2.9),
 * and INFORMATIONAL for liveness and deletes (1.4).
 *
 * Both IKE SAs of one VPN can come up at once when both gateways are
 * active.  The rule that keeps one: of two established IKE SAs of a VPN,
 * the one with the lower initiator SPI survives; both ends see both SPIs,
 * so both pick the same one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_xchg.h"
#include "core/wire/ikev2.h"

static const char psk_pad[] = "Key Pad for IKEv2";	/* RFC 7296 2.15 */

/* ---- small helpers ---- */

static void
addr_from_ss(struct ike_addr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		a->af = 4;
		memcpy(a->ip, &s4->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)ss;

		a->af = 6;
		memcpy(a->ip, &s6->sin6_addr, 16);
	}
	a->port = 500;
}

static int
same_ip(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->af == b->af && memcmp(a->ip, b->ip, a->af == 6 ? 16 : 4) == 0;
}

static void
flow_ts(const struct cfg_prefix *p, struct ts_range *ts)
{
	(void)ts_from_cidr(ts, p->family == AF_INET6 ? 6 : 4, p->addr,
	    p->plen);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Orders nonces for RFC 7296 2.8.1/2.8.2: bytes, then length. */
static int
nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0) {
		return c;
	}
	return al < bl ? -1 : al > bl;
}

/* Keeps the lower of an exchange's two nonces (first IKD_NONCE_LEN bytes,
 * the same on both ends). */
static void
lo_set(uint8_t *lo, uint8_t *lo_len, const uint8_t *a, size_t al,
    const uint8_t *b, size_t bl)
{
	if (nonce_cmp(b, bl, a, al) < 0) {
		a = b;
		al = bl;
	}
	*lo_len = (uint8_t)(al < IKD_NONCE_LEN ? al : IKD_NONCE_LEN);
	memcpy(lo, a, *lo_len);
}

static const struct pld_notify *
first_error(const struct pld_set *set)
{
	for (unsigned i = 0; i < set->n_notify; i++) {
		if (set->notify[i].type <= IKEV2_N_ERROR_MAX) {
			return &set->notify[i];
		}
	}
	return NULL;
}

static void
count_failure(struct ike_engine *eng, uint16_t n)
{
	switch (n) {
	case IKEV2_N_NO_PROPOSAL_CHOSEN:
		eng->st.no_proposal++;
		break;
	case IKEV2_N_AUTHENTICATION_FAILED:
		eng->st.auth_failures++;
		break;
	case IKEV2_N_TS_UNACCEPTABLE:
		eng->st.ts_unacceptable++;
		break;
	case IKEV2_N_INVALID_KE_PAYLOAD:
		eng->st.invalid_ke++;
		break;
	}
}

/* Our ID payload body (RFC 7296 3.5): type | 3 reserved | data. */
static size_t
id_body(const struct cfg_id *id, uint8_t *out)
{
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return 4 + (size_t)id->len;
}

/*
 * AUTH for a pre-shared key (RFC 7296 2.15):
 *   prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>)
 *   SignedOctets = RealMessage | Nonce of the other side | prf(SK_p, ID')
 * of_init selects the initiator's octets (message 1, Nr, SK_pi).
 */
static int
psk_auth(const struct ike_sa *sa, int of_init, const uint8_t *idb,
    size_t idb_len, uint8_t *out)
{
	const struct cfg_vpn *c = sa->vpn->cfg;
	uint8_t maced[CR_PRF_MAX], key[CR_PRF_MAX];
	struct cr_iov iov[3];
	int rc;

	iov[0].p = idb;
	iov[0].len = idb_len;
	rc = cr_prf(sa->prf, of_init ? sa->keys.sk_pi : sa->keys.sk_pr,
	    sa->keys.p_len, iov, 1, maced);
	iov[0].p = psk_pad;
	iov[0].len = sizeof(psk_pad) - 1;
	if (rc == 0) {
		rc = cr_prf(sa->prf, c->psk, c->psk_len, iov, 1, key);
	}
	iov[0].p = of_init ? sa->init_req : sa->init_resp;
	iov[0].len = of_init ? sa->init_req_len : sa->init_resp_len;
	iov[1].p = of_init ? sa->nr : sa->ni;
	iov[1].len = of_init ? sa->nr_len : sa->ni_len;
	iov[2].p = maced;
	iov[2].len = sa->prf->out_len;
	if (rc == 0) {
		rc = cr_prf(sa->prf, key, sa->prf->out_len, iov, 3, out);
	}
	cr_wipe(key, sizeof(key));
	return rc;
}

static int
keep_copy(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t len)
{
	uint8_t *p = realloc(*dst, len);

	if (p == NULL) {
		return -ENOMEM;
	}
	memcpy(p, src, len);
	*dst = p;
	*dlen = len;
	return 0;
}

/* Derives the IKE SA's keys from the DH exchange and both nonces. */
static int
ike_keys(struct ike_sa *sa, const uint8_t *peer_ke, size_t ke_len)
{
	uint8_t gir[CR_DH_SHARED_MAX], seed[CR_PRF_MAX];
	size_t glen = 0;
	int rc;

	rc = cr_dh_shared(&sa->dhc, peer_ke, ke_len, gir, &glen);
	if (rc == 0) {
		rc = cr_skeyseed(sa->prf, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, gir, glen, seed);
	}
	if (rc == 0) {
		rc = cr_ike_keys(sa->prf, sa->enc,
		    (sa->enc->flags & CR_F_AEAD) ? NULL : sa->integ, seed,
		    sa->ni, sa->ni_len, sa->nr, sa->nr_len, sa->spi_i,
		    sa->spi_r, &sa->keys);
	}
	cr_wipe(gir, sizeof(gir));
	cr_wipe(seed, sizeof(seed));
	if (rc == 0) {
		/* kept on failure: the initiator may get a genuine KE yet
		 * (init_wait()); ike_sa_free() wipes it in any case */
		cr_dh_wipe(&sa->dhc);
	}
	return rc;
}

/*
 * Decrypts m's SK payload and parses the inner chain into eng->in_set.
 * Returns 0; -EACCES when m is not authentic (no SK payload, no keys, or
 * a failed integrity check): the caller drops it and changes nothing, RFC
 * 7296 2.21 and 3.10.1; or -EBADMSG when it is authentic but malformed,
 * with the notify to answer in eng->in_set.err.  eng->in_set is shared by
 * every IKE SA, so it is emptied first: an error left there by an earlier
 * message, on any SA, must never become the answer to this one.
 */
static int
open_sk(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const uint8_t *plain;
	size_t plain_len;
	struct rd r;
	int from_init = (m->hdr.flags & IKEV2_FLAG_I) != 0;

	memset(&eng->in_set, 0, sizeof(eng->in_set));
	if (!PLD_HAS(&m->pl, IKEV2_PL_SK) || sa->enc == NULL) {
		return -EACCES;
	}
	if (cr_sk_open(sa->enc, sa->integ,
	    from_init ? sa->keys.sk_ei : sa->keys.sk_er,
	    sa->keys.a_len ? (from_init ? sa->keys.sk_ai : sa->keys.sk_ar) :
	    NULL, (uint8_t *)m->buf, m->pl.sk.body_off, m->len, &plain,
	    &plain_len) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "%s: integrity check failed, message dropped",
		    ikev2_exchange_name(m->hdr.exchange));
		eng->st.dropped++;
		return -EACCES;
	}
	rd_init(&r, plain, plain_len);
	return pld_parse_inner(&eng->in_set, &r, m->pl.sk.inner);
}

/* Answers a request with an encrypted message holding one notify. */
static void
respond_notify(struct ike_sa *sa, const struct msg *m, uint16_t type,
    const void *data, size_t len)
{
	struct pld_wr pw;
	size_t mlen;

	pld_wr_init(&pw, sa->eng->inner, sizeof(sa->eng->inner));
	pld_put_notify(&pw, 0, NULL, 0, type, data, len);
	if (ike_build(sa, m->hdr.exchange, 1, m->hdr.msgid, &pw, &mlen) == 0) {
		(void)ike_send_response(sa, m->hdr.msgid, mlen);
	}
	sa->msgid_in = m->hdr.msgid + 1;
}

/* A stateless, clear answer to an IKE_SA_INIT request. */
static void
init_notify(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg_hdr *req, uint16_t type,
    const void *data, size_t len)
{
	struct msg_hdr h;
	struct pld_wr pw;
	size_t mlen;

	msg_hdr_set(&h, req->ispi, NULL, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_R,
	    0);
	msg_wr_init(&pw, eng->tx, sizeof(eng->tx), &h);
	pld_put_notify(&pw, 0, NULL, 0, type, data, len);
	if (msg_wr_finish(&pw, &mlen) == 0 && eng->env.send) {
		eng->env.send(eng->env.ctx, local, peer, eng->tx, mlen);
	}
}

/* see ike_xchg.h */
void
ike_xchg_bad_message(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m, size_t len)
{
	struct msg_hdr h;
	struct pld_err err;

	eng->st.dropped++;
	if (msg_hdr_parse(&h, eng->rx, len, &err) != 0 &&
	    err.notify != IKEV2_N_INVALID_MAJOR_VERSION) {
		return;
	}
	/* Only IKE_SA_INIT requests get a clear answer; others are dropped
	 * (RFC 7296 2.21.1: no answer to what cannot be authenticated). */
	if (h.exchange != IKEV2_EXCH_IKE_SA_INIT || (h.flags & IKEV2_FLAG_R)) {
		return;
	}
	if (m->pl.err.notify == 0) {
		return;
	}
	ike_log(eng, IKE_LOG_DEBUG, NULL, "malformed IKE_SA_INIT: answering %s",
	    ikev2_notify_name(m->pl.err.notify));
	init_notify(eng, local, peer, &h, m->pl.err.notify, m->pl.err.data,
	    m->pl.err.data_len);
}

/* see ike_xchg.h */
int
ike_xchg_invalid_spi(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m)
{
	struct msg_hdr h;
	struct pld_wr pw;
	size_t len;
	int slot = 0;

	/*
	 * RFC 7296 2.21.4: a request outside any IKE SA we know "MAY" be
	 * answered, unprotected, with INVALID_IKE_SPI, the SPIs and message
	 * ID copied: the peer learns we lost the SA (a reboot).  It must
	 * not act on it but may check liveness, so the answer is a hint
	 * only.  Only protected requests qualify (anything else is no IKE
	 * SA's traffic); the answer is not larger than the request, and
	 * the rate limits keep forged sources from using us as a reflector.
	 */
	if (eng->now - eng->ispi_window >= IKD_INVALID_SPI_MS) {
		eng->ispi_window = eng->now;
		eng->ispi_count = 0;
	}
	if (eng->ispi_count >= IKD_INVALID_SPI_MAX) {
		return 0;
	}
	for (int i = 0; i < IKD_INVALID_SPI_PEERS; i++) {
		if (eng->ispi_sent[i].at != 0 &&
		    same_ip(&eng->ispi_sent[i].peer, peer)) {
			if (eng->now - eng->ispi_sent[i].at <
			    IKD_INVALID_SPI_MS) {
				return 0;
			}
			slot = i;
			break;
		}
		if (eng->ispi_sent[i].at < eng->ispi_sent[slot].at) {
			slot = i;	/* the oldest so far */
		}
	}
	eng->ispi_sent[slot].peer = *peer;
	eng->ispi_sent[slot].at = eng->now ? eng->now : 1;
	eng->ispi_count++;
	msg_hdr_set(&h, m->hdr.ispi, m->hdr.rspi, m->hdr.exchange,
	    IKEV2_FLAG_R | ((m->hdr.flags & IKEV2_FLAG_I) ? 0 : IKEV2_FLAG_I),
	    m->hdr.msgid);
	msg_wr_init(&pw, eng->tx, sizeof(eng->tx), &h);
	pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_INVALID_IKE_SPI, NULL, 0);
	if (msg_wr_finish(&pw, &len) != 0 || eng->env.send == NULL) {
		return 0;
	}
	eng->env.send(eng->env.ctx, local, peer, eng->tx, len);
	ike_log(eng, IKE_LOG_DEBUG, NULL, "%s request for an unknown IKE SA: "
	    "answered INVALID_IKE_SPI", ikev2_exchange_name(m->hdr.exchange));
	return 1;
}

/* ---- CHILD SAs ---- */

/* The flow could not be built on this IKE SA: its SPI is given back and
 * it is not tried again until the IKE SA is. */
static void
child_fail(struct ike_sa *sa, int idx)
{
	int8_t flow = sa->child[idx].flow;

	ike_child_remove(sa, idx);
	sa->child[idx].state = CHILD_FAILED;
	sa->child[idx].flow = flow;
}

/*
 * We refuse the peer's answer for the CHILD SA in slot idx, but the peer,
 * having answered, has installed it (it cannot know we refuse).  Its SPI
 * on our side is the one we offered: that is what goes in our DELETE
 * (RFC 7296 1.4.1: the SPIs "as they would be expected in the headers of
 * inbound packets"), sent as the next request of this IKE SA.  RFC 7296
 * 1.2, 2.21.2: a CHILD SA that cannot be set up in IKE_AUTH does not fail
 * the IKE SA, so only the CHILD SA goes (strongSwan does the same).  A
 * peer that did not install it ignores the DELETE.  Call before the slot
 * is cleared.
 */
static void
child_refuse(struct ike_sa *sa, int idx)
{
	uint32_t spi = sa->child[idx].spi_in;

	if (spi == 0 || sa->n_refused >= IKD_REFUSED_MAX) {
		return;
	}
	for (int i = 0; i < sa->n_refused; i++) {
		if (sa->refused[i] == spi) {
			return;
		}
	}
	sa->refused[sa->n_refused++] = spi;
	ike_log(sa->eng, IKE_LOG_INFO, sa, "refused the peer's CHILD SA "
	    "spi 0x%08x: asking the peer to delete it", spi);
}

/* Records what was negotiated for a CHILD SA (either role). */
static void
child_take(struct child_sa *ch, const struct prop_choice *pc, int create,
    const struct ts_range *tl, const struct ts_range *tr)
{
	ch->enc = pc->enc;
	ch->integ = pc->integ;
	ch->dh = create ? pc->dh : NULL;
	ch->spi_out = be32(pc->spi);
	ch->ts_l = *tl;
	ch->ts_r = *tr;
}

static int
child_alloc_spi(struct ike_sa *sa, int idx)
{
	struct ike_engine *eng = sa->eng;
	struct child_sa *ch = &sa->child[idx];
	struct kern_sa k;
	uint32_t spi = 0;
	int rc = 0;

	memset(ch, 0, sizeof(*ch));
	ike_kern_sa(sa, ch, KERN_DIR_IN, &k);
	if (eng->env.spi_alloc) {
		rc = eng->env.spi_alloc(eng->env.ctx, &k, &spi);
	} else {
		while (rc == 0 && spi < 0x100) {
			rc = cr_rand(&spi, sizeof(spi));
		}
	}
	if (rc != 0) {
		ike_log(eng, IKE_LOG_ERR, sa, "no SPI from the kernel: %s",
		    strerror(-rc));
		return rc;
	}
	ch->spi_in = spi;
	ch->state = CHILD_CREATING;
	return 0;
}

/* Writes SA offer [+ Ni KEi] + TSi + TSr for the child in slot idx: our
 * inbound SPI allocated, the selectors to offer in its ts_l/ts_r. */
static void
child_offer(struct ike_sa *sa, int idx, struct pld_wr *pw, int with_ke)
{
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct child_sa *ch = &sa->child[idx];
	uint8_t spi[4];

	put_be32(spi, ch->spi_in);
	prop_put_offer(pw, &c->childsa, IKEV2_PROTO_ESP, spi, 4,
	    with_ke && c->childsa.n_dh > 0, ch->dh);
	if (with_ke) {
		uint8_t pub[CR_DH_PUB_MAX];
		size_t plen = 0;

		pld_put_nonce(pw, sa->cnonce, IKD_NONCE_LEN);
		if (ch->dh && cr_dh_keygen(&sa->dhc, ch->dh, pub, &plen) == 0) {
			pld_put_ke(pw, ch->dh->id, pub, plen);
		}
	}
	pld_put_ts(pw, IKEV2_PL_TSI, &ch->ts_l, 1);
	pld_put_ts(pw, IKEV2_PL_TSR, &ch->ts_r, 1);
}

/*
 * Responder: the first configured flow (not yet up) that the initiator's
 * selectors overlap, narrowed to our policy (RFC 7296 2.9).  TSi is the
 * initiator's side: our remote.
 */
static int
child_pick_flow(const struct cfg_vpn *c, const struct pld_set *in,
    struct ts_range *tl, struct ts_range *tr)
{
	{
		for (size_t f = 0; f < c->n_flows; f++) {
			struct ts_range fl, fr;
			int have_r = 0, have_l = 0;

			flow_ts(&c->flows[f].local, &fl);
			flow_ts(&c->flows[f].remote, &fr);
			for (unsigned i = 0; i < in->tsi.n && !have_r; i++) {
				have_r = in->tsi.usable[i] &&
				    ts_narrow(&in->tsi.ts[i], &fr, tr) == 0;
			}
			for (unsigned i = 0; i < in->tsr.n && !have_l; i++) {
				have_l = in->tsr.usable[i] &&
				    ts_narrow(&in->tsr.ts[i], &fl, tl) == 0;
			}
			if (have_r && have_l) {
				return (int)f;
			}
		}
	}
	return -1;
}

/* A free CHILD SA slot, searched from the top so that the low ones stay
 * for the flows of their index; -1 when full. */
static int
free_slot(const struct ike_sa *sa)
{
	for (int i = sa->n_slots - 1; i >= 0; i--) {
		if (sa->child[i].state == CHILD_NONE &&
		    sa->child[i].dh == NULL) {
			return i;
		}
	}
	for (int i = sa->n_slots - 1; i >= 0; i--) {
		if (sa->child[i].state == CHILD_NONE) {
			return i;
		}
	}
	return -1;
}

/* The installed CHILD SA with that inbound (out = 0) or outbound SPI. */
static int
child_by_spi(const struct ike_sa *sa, uint32_t spi, int out)
{
	for (int i = 0; i < sa->n_slots; i++) {
		const struct child_sa *ch = &sa->child[i];

		if (ch->state == CHILD_INSTALLED &&
		    (out ? ch->spi_out : ch->spi_in) == spi) {
			return i;
		}
	}
	return -1;
}

/* Another CHILD SA made by a rekey of the same SA (by_peer: made by the
 * peer's request, or by ours), any state but NONE; -1 if none. */
static int
child_sibling(const struct ike_sa *sa, int idx, int by_peer)
{
	const struct child_sa *ch = &sa->child[idx];

	for (int i = 0; i < sa->n_slots; i++) {
		const struct child_sa *o = &sa->child[i];

		if (i != idx && o->state != CHILD_NONE &&
		    o->state != CHILD_FAILED && o->by_peer == by_peer &&
		    o->rekey_of_in == ch->rekey_of_in) {
			return i;
		}
	}
	return -1;
}

/*
 * Two CHILD SAs made by colliding rekeys of one SA are both installed:
 * the one whose exchange holds the lowest of the four nonces is redundant
 * and is deleted by the end that initiated it (RFC 7296 2.8.1).  Both ends
 * see the same nonces, so both agree on which stays.
 */
/* A CHILD SA lost a collision: so do the rekeys of it made meanwhile;
 * each is deleted by the end that made it. */
static void
child_redundant(struct ike_sa *sa, int idx, int depth)
{
	struct child_sa *x = &sa->child[idx];

	x->rekeyed = 1;
	x->redundant = 1;
	if (!x->by_peer && !x->del) {
		x->del = 1;
	}
	for (int i = 0; i < sa->n_slots && depth < 4; i++) {
		if (i != idx && sa->child[i].state == CHILD_INSTALLED &&
		    sa->child[i].rekey_of_in == x->spi_in &&
		    !sa->child[i].redundant) {
			child_redundant(sa, i, depth + 1);
		}
	}
}

static void
child_collision(struct ike_sa *sa, int ours, int theirs)
{
	struct child_sa *a = &sa->child[ours], *b = &sa->child[theirs];

	if (nonce_cmp(a->lo, a->lo_len, b->lo, b->lo_len) < 0) {
		ike_log(sa->eng, IKE_LOG_INFO, sa, "simultaneous CHILD SA "
		    "rekey: ours (spi 0x%08x) has the lowest nonce, deleting "
		    "it, keeping spi 0x%08x", a->spi_in, b->spi_in);
		child_redundant(sa, ours, 0);
	} else {
		ike_log(sa->eng, IKE_LOG_INFO, sa, "simultaneous CHILD SA "
		    "rekey: keeping ours (spi 0x%08x), the peer deletes spi "
		    "0x%08x", a->spi_in, b->spi_in);
		child_redundant(sa, theirs, 0);
	}
}

/*
 * Responder side of a CHILD SA, in IKE_AUTH (ni/nr: the IKE_SA_INIT
 * nonces, no KE) or CREATE_CHILD_SA (their nonce in the request, ours
 * fresh, KE when PFS).  old: the CHILD SA a REKEY_SA request replaces (the
 * new one takes its selectors, reqid and flow); tomb: old is not that SA,
 * already deleted, but our own rekey of it, whose rekey_of says which.
 * Writes the answer payloads into pw: SA [Nr KEr] TSi TSr, or one error
 * notify.  Returns the new CHILD SA's slot, or -1.
 */
static int
child_respond(struct ike_sa *sa, const struct pld_set *in, struct pld_wr *pw,
    int create, const struct child_sa *old, int tomb)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct prop_choice pc;
	struct ts_range tl, tr;
	struct cr_child_keys keys;
	uint8_t gir[CR_DH_SHARED_MAX], pub[CR_DH_PUB_MAX], nr[IKD_NONCE_LEN];
	size_t glen = 0, plen = 0;
	struct child_sa *ch, prev = { 0 };
	struct cr_dh dhc = { 0 };
	uint8_t spi[4];
	int f, rc;

	if (!PLD_HAS(in, IKEV2_PL_SA) || !PLD_HAS(in, IKEV2_PL_TSI) ||
	    !PLD_HAS(in, IKEV2_PL_TSR)) {
		return -1;	/* IKE_AUTH without a CHILD SA (RFC 6023) */
	}
	if (prop_select(&in->sa, &c->childsa, IKEV2_PROTO_ESP,
	    create ? -1 : 0, &pc) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA refused: no proposal chosen");
		eng->st.no_proposal++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_NO_PROPOSAL_CHOSEN,
		    NULL, 0);
		return -1;
	}
	if (old) {
		prev = *old;	/* old's slot may be reused below */
		tl = prev.ts_l;
		tr = prev.ts_r;
		f = prev.flow;
	} else {
		f = child_pick_flow(c, in, &tl, &tr);
	}
	if (f < 0 && old == NULL) {
		char a[64] = "?", b[64] = "?";

		if (in->tsi.n) {
			ts_format(&in->tsi.ts[0], a, sizeof(a));
		}
		if (in->tsr.n) {
			ts_format(&in->tsr.ts[0], b, sizeof(b));
		}
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA refused: TS_UNACCEPTABLE (peer proposed %s === "
		    "%s, no configured flow overlaps)", b, a);
		eng->st.ts_unacceptable++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_TS_UNACCEPTABLE, NULL, 0);
		return -1;
	}
	if (create && pc.dh && (!PLD_HAS(in, IKEV2_PL_KE) ||
	    in->ke.group != pc.dh->id)) {
		uint8_t g[2] = { (uint8_t)(pc.dh->id >> 8), (uint8_t)pc.dh->id };

		eng->st.invalid_ke++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return -1;
	}
	/* A slot.  Without REKEY_SA, the one holding these very selectors
	 * (a peer that lost them builds them again: the new pair replaces
	 * the old), else a free one.  Several of the peer's narrower flows
	 * may fall in one of ours (RFC 7296 2.9). */
	{
		int slot = -1;

		for (int i = 0; i < sa->n_slots && old == NULL; i++) {
			const struct child_sa *o = &sa->child[i];

			if (o->state == CHILD_INSTALLED && !o->rekeyed &&
			    !o->del && memcmp(&o->ts_l, &tl, sizeof(tl)) == 0 &&
			    memcmp(&o->ts_r, &tr, sizeof(tr)) == 0) {
				ike_child_remove(sa, i);
				slot = i;
				break;
			}
		}
		for (int i = 0; i < sa->n_slots && slot < 0 &&
		    old == NULL; i++) {
			if (sa->child[i].state == CHILD_NONE) {
				slot = i;
			}
		}
		if (old) {
			slot = free_slot(sa);
		}
		if (slot < 0) {
			pld_put_notify(pw, 0, NULL, 0,
			    IKEV2_N_NO_ADDITIONAL_SAS, NULL, 0);
			return -1;
		}
		if (child_alloc_spi(sa, slot) != 0) {
			pld_put_notify(pw, 0, NULL, 0,
			    IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
			return -1;
		}
		ch = &sa->child[slot];
		ch->flow = (int8_t)f;
		ch->by_peer = 1;
		ch->pfs = c->childsa.n_dh ? c->childsa.dh[0] : NULL;
		if (old) {
			ch->reqid = prev.reqid;
			ch->rekey_of_in = tomb ? prev.rekey_of_in :
			    prev.spi_in;
			ch->rekey_of_out = tomb ? prev.rekey_of_out :
			    prev.spi_out;
			ch->pfs = prev.pfs;
		}
		f = slot;
	}
	child_take(ch, &pc, create, &tl, &tr);
	rc = 0;
	if (create) {
		rc = cr_rand(nr, sizeof(nr));
		if (rc == 0 && ch->dh) {
			rc = cr_dh_keygen(&dhc, ch->dh, pub, &plen);
			if (rc == 0) {
				rc = cr_dh_shared(&dhc, in->ke.data.p,
				    in->ke.data.len, gir, &glen);
			}
		}
		if (rc == 0) {
			rc = cr_child_keys(sa->prf, sa->keys.sk_d,
			    sa->keys.d_len, ch->enc, ch->integ,
			    glen ? gir : NULL, glen, in->nonce.p,
			    in->nonce.len, nr, sizeof(nr), &keys);
		}
		lo_set(ch->lo, &ch->lo_len, in->nonce.p, in->nonce.len, nr,
		    sizeof(nr));
	} else {
		rc = cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, NULL, 0, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, &keys);
	}
	cr_wipe(gir, sizeof(gir));
	cr_dh_wipe(&dhc);
	if (rc != 0) {
		ike_log(eng, IKE_LOG_WARN, sa, "CHILD SA refused: %s",
		    rc == -EBADMSG ? "bad KE payload" : strerror(-rc));
		ike_child_remove(sa, f);
		pld_put_notify(pw, 0, NULL, 0, rc == -EBADMSG ?
		    IKEV2_N_INVALID_SYNTAX : IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return -1;
	}
	pc.dh = ch->dh;
	pc.prf = NULL;
	put_be32(spi, ch->spi_in);
	memcpy(pc.spi, spi, 4);
	pc.spi_len = 4;
	prop_put_choice(pw, IKEV2_PROTO_ESP, &pc);
	if (create) {
		pld_put_nonce(pw, nr, sizeof(nr));
		if (ch->dh) {
			pld_put_ke(pw, ch->dh->id, pub, plen);
		}
	}
	pld_put_ts(pw, IKEV2_PL_TSI, &tr, 1);
	pld_put_ts(pw, IKEV2_PL_TSR, &tl, 1);
	(void)ike_child_install(sa, f, &keys, 0);
	cr_child_keys_wipe(&keys);
	return f;
}

/* Our rekey of a CHILD SA was refused: the new one goes, the old one is
 * tried again later (RFC 7296 2.25: TEMPORARY_FAILURE means soon). */
static void
child_rekey_failed(struct ike_sa *sa, int idx, uint16_t type)
{
	struct ike_engine *eng = sa->eng;
	int old = child_by_spi(sa, sa->child[idx].rekey_of_in, 0);
	uint64_t wait = type == IKEV2_N_TEMPORARY_FAILURE ?
	    IKD_TEMPFAIL_MIN_MS + ike_jitter(IKD_TEMPFAIL_MAX_MS -
	    IKD_TEMPFAIL_MIN_MS, 0, 100) : IKD_REKEY_RETRY_MS;

	ike_log(eng, type == IKEV2_N_TEMPORARY_FAILURE ? IKE_LOG_INFO :
	    IKE_LOG_WARN, sa, "CHILD SA rekey of spi 0x%08x refused by "
	    "peer: %s", sa->child[idx].rekey_of_in, ikev2_notify_name(type));
	ike_child_remove(sa, idx);
	if (old < 0) {
		return;
	}
	if (type == IKEV2_N_CHILD_SA_NOT_FOUND) {
		/* the peer has no such SA: ours carries nothing */
		ike_child_remove(sa, old);
	} else if (!sa->child[old].rekeyed && !sa->child[old].del) {
		sa->child[old].rekey_at = eng->now + wait;
	}
}

/* We refuse the peer's answer for the CHILD SA in slot idx (reason: the
 * notify a rekey failure is logged with): the peer is asked to delete
 * what it installed, and our slot fails or our rekey is retried. */
static void
child_answer_refused(struct ike_sa *sa, int idx, uint16_t why)
{
	child_refuse(sa, idx);
	if (sa->child[idx].rekey_of_in) {
		child_rekey_failed(sa, idx, why);
	} else {
		child_fail(sa, idx);
	}
}

/* Our rekey of a CHILD SA is installed: the old one is deleted by us, as
 * the initiator (RFC 7296 2.8), unless a colliding rekey decides. */
static void
child_rekey_done(struct ike_sa *sa, int idx)
{
	struct child_sa *ch = &sa->child[idx];
	int old = child_by_spi(sa, ch->rekey_of_in, 0);
	int sib = child_sibling(sa, idx, 1);

	if (old >= 0 && sa->child[old].redundant) {
		/* what we rekeyed lost a collision meanwhile: so does this
		 * rekey of it, the flow stays with the winner */
		ike_log(sa->eng, IKE_LOG_INFO, sa, "CHILD SA spi 0x%08x "
		    "replaces one that lost a simultaneous rekey, deleting it",
		    ch->spi_in);
		ch->rekeyed = ch->redundant = 1;
		ch->del = 1;
		if (!sa->child[old].del) {
			sa->child[old].del = 1;
		}
		return;
	}
	if (old >= 0) {
		sa->child[old].rekeyed = 1;
		if (!sa->child[old].del) {
			sa->child[old].del = 1;
		}
	}
	if (sib >= 0 && sa->child[sib].state == CHILD_INSTALLED) {
		child_collision(sa, idx, sib);
		return;
	}
	if (old >= 0) {
		return;
	}
	/* The old SA went while our answer was on its way (a lossy link):
	 * the peer rekeyed and deleted it, and the SA it made is gone too,
	 * rekeyed again.  If that chain still carries the flow, the peer
	 * kept its own when it answered us (had it kept ours, it would have
	 * deleted its own and not rekeyed it): ours is the redundant one. */
	for (int i = 0; i < sa->n_slots; i++) {
		const struct child_sa *o = &sa->child[i];

		if (i != idx && o->state == CHILD_INSTALLED &&
		    o->reqid == ch->reqid && !o->rekeyed && !o->del) {
			ike_log(sa->eng, IKE_LOG_INFO, sa, "CHILD SA spi "
			    "0x%08x: the SA it rekeyed is gone and spi 0x%08x "
			    "carries the flow, deleting it", ch->spi_in,
			    o->spi_in);
			ch->rekeyed = 1;
			ch->del = 1;
			return;
		}
	}
}

/*
 * Initiator: the answer to our CHILD SA request for slot idx, in IKE_AUTH
 * (create 0) or CREATE_CHILD_SA (a new flow, or a rekey).
 */
static void
child_answer(struct ike_sa *sa, int idx, const struct pld_set *in, int create)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct child_sa *ch = &sa->child[idx];
	const struct pld_notify *err = first_error(in);
	struct prop_choice pc;
	struct cr_child_keys keys;
	struct ts_range tl, tr, ml, mr;
	uint8_t gir[CR_DH_SHARED_MAX];
	size_t glen = 0;
	int rc, flow = ch->flow;

	if (err && (PLD_HAS(in, IKEV2_PL_SA) || PLD_HAS(in, IKEV2_PL_TSI) ||
	    PLD_HAS(in, IKEV2_PL_TSR))) {
		/* An error notify next to the payloads of a CHILD SA is
		 * no answer a working peer sends: broken, and the peer may
		 * have installed the SA. */
		ike_log(eng, IKE_LOG_WARN, sa, "CHILD SA for flow %d: the "
		    "peer's answer carries %s and a CHILD SA", flow + 1,
		    ikev2_notify_name(err->type));
		child_answer_refused(sa, idx, IKEV2_N_INVALID_SYNTAX);
		return;
	}
	if (err) {
		if (create && err->type == IKEV2_N_INVALID_KE_PAYLOAD &&
		    err->data.len == 2) {
			uint16_t g = (uint16_t)(err->data.p[0] << 8 |
			    err->data.p[1]);
			const struct cr_alg *a = cr_alg_by_id(CR_DH, g, 0);

			for (unsigned i = 0; a && i < c->childsa.n_dh; i++) {
				int old = child_by_spi(sa, ch->rekey_of_in, 0);

				if (c->childsa.dh[i] != a || a == ch->dh) {
					continue;
				}
				ike_log(eng, IKE_LOG_INFO, sa,
				    "peer asks for PFS group %s", a->name);
				eng->st.invalid_ke++;
				if (ch->rekey_of_in) {
					ike_child_remove(sa, idx);
					if (old >= 0) {
						sa->child[old].pfs = a;
						sa->child[old].rekey_at =
						    eng->now;
					}
					return;
				}
				ike_child_remove(sa, idx);
				sa->child[idx].dh = a;
				sa->child[idx].state = CHILD_NONE;
				return;	/* next tick retries */
			}
		}
		if (ch->rekey_of_in) {
			child_rekey_failed(sa, idx, err->type);
			return;
		}
		if (err->type == IKEV2_N_TEMPORARY_FAILURE) {
			ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA for flow %d: "
			    "peer answered TEMPORARY_FAILURE, retrying",
			    flow + 1);
			ike_child_remove(sa, idx);
			sa->build_at = eng->now + IKD_TEMPFAIL_MIN_MS +
			    ike_jitter(IKD_TEMPFAIL_MAX_MS -
			    IKD_TEMPFAIL_MIN_MS, 0, 100);
			return;
		}
		count_failure(eng, err->type);
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA for flow %d refused by peer: %s", flow + 1,
		    ikev2_notify_name(err->type));
		child_fail(sa, idx);
		return;
	}
	if (!PLD_HAS(in, IKEV2_PL_SA) || !PLD_HAS(in, IKEV2_PL_TSI) ||
	    !PLD_HAS(in, IKEV2_PL_TSR) || in->tsi.n < 1 || in->tsr.n < 1 ||
	    prop_check_answer(&in->sa, &c->childsa, IKEV2_PROTO_ESP,
	    create && ch->dh != NULL, &pc) != 0 ||
	    (create && (!PLD_HAS(in, IKEV2_PL_NONCE) ||
	    (pc.dh && (!PLD_HAS(in, IKEV2_PL_KE) ||
	    in->ke.group != pc.dh->id))))) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA for flow %d: the peer's answer is not what we "
		    "offered", flow + 1);
		child_answer_refused(sa, idx, IKEV2_N_INVALID_SYNTAX);
		return;
	}
	/* The answer's selectors must lie within what we proposed. */
	ml = ch->ts_l;
	mr = ch->ts_r;
	if (!in->tsi.usable[0] || !in->tsr.usable[0] ||
	    ts_narrow(&in->tsi.ts[0], &ml, &tl) != 0 ||
	    ts_narrow(&in->tsr.ts[0], &mr, &tr) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA for flow %d: peer answered selectors outside "
		    "ours", flow + 1);
		child_answer_refused(sa, idx, IKEV2_N_TS_UNACCEPTABLE);
		return;
	}
	child_take(ch, &pc, create, &tl, &tr);
	rc = 0;
	if (create && ch->dh) {
		rc = cr_dh_shared(&sa->dhc, in->ke.data.p, in->ke.data.len,
		    gir, &glen);
	}
	if (rc == 0) {
		rc = create ?
		    cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, glen ? gir : NULL, glen, sa->cnonce,
		    IKD_NONCE_LEN, in->nonce.p, in->nonce.len, &keys) :
		    cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, NULL, 0, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, &keys);
	}
	cr_wipe(gir, sizeof(gir));
	cr_dh_wipe(&sa->dhc);
	if (rc != 0) {
		ike_log(eng, IKE_LOG_WARN, sa, "CHILD SA for flow %d: %s",
		    flow + 1, rc == -EBADMSG ? "bad KE payload" :
		    strerror(-rc));
		child_answer_refused(sa, idx, IKEV2_N_INVALID_SYNTAX);
		return;
	}
	if (create) {
		lo_set(ch->lo, &ch->lo_len, sa->cnonce, IKD_NONCE_LEN,
		    in->nonce.p, in->nonce.len);
	}
	(void)ike_child_install(sa, idx, &keys, 1);
	cr_child_keys_wipe(&keys);
	if (ch->rekey_of_in) {
		child_rekey_done(sa, idx);
	}
}

/* Sends CREATE_CHILD_SA for the child in slot idx (SPI, selectors, flow,
 * group and any REKEY_SA set up by the caller). */
static int
child_send(struct ike_sa *sa, int idx)
{
	struct ike_engine *eng = sa->eng;
	struct child_sa *ch = &sa->child[idx];
	struct pld_wr pw;
	uint8_t spi[4];
	size_t len;

	if (cr_rand(sa->cnonce, IKD_NONCE_LEN) != 0) {
		return -EIO;
	}
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	if (ch->rekey_of_in) {
		/* RFC 7296 1.3.3: the SPI we receive the old SA on */
		put_be32(spi, ch->rekey_of_in);
		pld_put_notify(&pw, IKEV2_PROTO_ESP, spi, 4, IKEV2_N_REKEY_SA,
		    NULL, 0);
	}
	child_offer(sa, idx, &pw, 1);
	if (ike_build(sa, IKEV2_EXCH_CREATE_CHILD_SA, 0, sa->msgid_out, &pw,
	    &len) != 0 || ike_send_request(sa, IKEV2_EXCH_CREATE_CHILD_SA,
	    X_CHILD, len) != 0) {
		return -ENOMEM;
	}
	sa->xchg_child = idx;
	return 0;
}

/* The first configured flow that no CHILD SA of sa carries (or failed);
 * -1 if none, or if building flows is the peer's job. */
static int
uncovered_flow(const struct ike_sa *sa)
{
	const struct cfg_vpn *c = sa->vpn->cfg;

	if (!sa->builder) {
		return -1;	/* the initiator of an IKE SA builds its flows */
	}
	for (size_t f = 0; f < c->n_flows; f++) {
		int covered = 0;

		for (int i = 0; i < sa->n_slots && !covered; i++) {
			covered = sa->child[i].state != CHILD_NONE &&
			    sa->child[i].flow == (int)f;
		}
		if (!covered) {
			return (int)f;
		}
	}
	return -1;
}

static void
child_create(struct ike_sa *sa, int flow)
{
	const struct cfg_vpn *c = sa->vpn->cfg;
	int idx = sa->child[flow].state == CHILD_NONE ? flow : free_slot(sa);
	const struct cr_alg *dh;
	struct child_sa *ch;

	if (idx < 0) {
		sa->build_at = sa->eng->now + IKD_REKEY_RETRY_MS;
		return;
	}
	dh = sa->child[idx].dh;
	if (child_alloc_spi(sa, idx) != 0) {
		sa->child[idx].state = CHILD_FAILED;
		sa->child[idx].flow = (int8_t)flow;
		return;
	}
	ch = &sa->child[idx];
	ch->flow = (int8_t)flow;
	ch->dh = dh ? dh : (c->childsa.n_dh ? c->childsa.dh[0] : NULL);
	ch->pfs = c->childsa.n_dh ? c->childsa.dh[0] : NULL;
	flow_ts(&c->flows[flow].local, &ch->ts_l);
	flow_ts(&c->flows[flow].remote, &ch->ts_r);
	if (child_send(sa, idx) != 0) {
		child_fail(sa, idx);
		sa->child[idx].flow = (int8_t)flow;
	}
}

static void
child_rekey_start(struct ike_sa *sa, int old)
{
	struct ike_engine *eng = sa->eng;
	struct child_sa *o = &sa->child[old], *ch;
	int idx = free_slot(sa);

	if (idx < 0 || child_alloc_spi(sa, idx) != 0) {
		o->rekey_at = eng->now + IKD_REKEY_RETRY_MS;
		return;
	}
	ch = &sa->child[idx];
	ch->flow = o->flow;
	ch->reqid = o->reqid;
	ch->dh = o->pfs;
	ch->pfs = o->pfs;
	ch->rekey_of_in = o->spi_in;
	ch->rekey_of_out = o->spi_out;
	ch->ts_l = o->ts_l;
	ch->ts_r = o->ts_r;
	ike_log(eng, IKE_LOG_INFO, sa, "rekeying CHILD SA spi in 0x%08x out "
	    "0x%08x", o->spi_in, o->spi_out);
	if (child_send(sa, idx) != 0) {
		ike_child_remove(sa, idx);
		o->rekey_at = eng->now + IKD_REKEY_RETRY_MS;
	}
}

/* One INFORMATIONAL with a DELETE for every CHILD SA marked del 1 and
 * every answer we refused (child_refuse()). */
static void
child_send_delete(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	uint8_t spis[4 * (IKD_REFUSED_MAX + IKD_CHILD_SLOTS_MAX)];
	size_t n = 0, len;
	struct pld_wr pw;

	for (int i = 0; i < sa->n_refused; i++) {
		put_be32(spis + 4 * n++, sa->refused[i]);
	}
	sa->n_refused = 0;	/* sent once; the IKE SA goes if unanswered */
	for (int i = 0; i < sa->n_slots; i++) {
		struct child_sa *ch = &sa->child[i];

		if (ch->state == CHILD_INSTALLED && ch->del == 1) {
			put_be32(spis + 4 * n++, ch->spi_in);
			ch->del = 2;
			ike_log(eng, IKE_LOG_DEBUG, sa, "sending DELETE for "
			    "CHILD SA spi in 0x%08x out 0x%08x", ch->spi_in,
			    ch->spi_out);
		} else if (ch->del == 1) {
			ch->del = 0;
		}
	}
	if (n == 0) {
		return;
	}
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_delete(&pw, IKEV2_PROTO_ESP, 4, spis, n);
	if (ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 0, sa->msgid_out, &pw,
	    &len) != 0 || ike_send_request(sa, IKEV2_EXCH_INFORMATIONAL,
	    X_DELETE_CHILD, len) != 0) {
		for (int i = 0; i < sa->n_slots; i++) {
			if (sa->child[i].del == 2) {
				ike_child_remove(sa, i);
			}
		}
	}
}

static void ike_rekey_start(struct ike_sa *sa);

static int
msgid_low(const struct ike_sa *sa)
{
	return !sa->msgid_noted && (sa->msgid_out >= IKD_MSGID_REKEY ||
	    sa->msgid_in >= IKD_MSGID_REKEY);
}

/* see ike_xchg.h */
uint64_t
ike_xchg_work_due(const struct ike_sa *sa)
{
	uint64_t t = UINT64_MAX, now = sa->eng->now;

	if (sa->state != SA_ESTABLISHED || sa->req != NULL ||
	    sa->vpn == NULL) {
		return UINT64_MAX;
	}
	if (sa->n_refused > 0) {
		return now;
	}
	for (int i = 0; i < sa->n_slots; i++) {
		if (sa->child[i].del == 1) {
			return now;
		}
	}
	if (sa->vpn->sa != sa) {
		return UINT64_MAX;
	}
	if (msgid_low(sa)) {
		return now;
	}
	if (sa->rekey_at < t) {
		t = sa->rekey_at;
	}
	for (int i = 0; i < sa->n_slots; i++) {
		const struct child_sa *ch = &sa->child[i];

		if (ch->state == CHILD_INSTALLED && !ch->rekeyed &&
		    !ch->del && ch->rekey_at < t) {
			t = ch->rekey_at;
		}
	}
	if (uncovered_flow(sa) >= 0 && sa->build_at < t) {
		t = sa->build_at;
	}
	return t;
}

/* see ike_xchg.h */
void
ike_xchg_kick(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	uint64_t now = eng->now;
	int f;

	if (sa->state != SA_ESTABLISHED || sa->req != NULL ||
	    sa->vpn == NULL) {
		return;
	}
	for (int i = 0; i < sa->n_slots; i++) {
		if (sa->child[i].del == 1 || sa->n_refused > 0) {
			child_send_delete(sa);	/* the DELETEs go first */
			return;
		}
	}
	if (sa->vpn->sa != sa) {
		return;
	}
	if (msgid_low(sa)) {
		ike_log(eng, IKE_LOG_INFO, sa, "message IDs nearly exhausted "
		    "(out %u, in %u): rekeying the IKE SA", sa->msgid_out,
		    sa->msgid_in);
		sa->msgid_noted = 1;
		sa->rekey_at = now;
	}
	if (sa->rekey_at <= now) {
		ike_rekey_start(sa);
		return;
	}
	for (int i = 0; i < sa->n_slots; i++) {
		const struct child_sa *ch = &sa->child[i];

		if (ch->state == CHILD_INSTALLED && !ch->rekeyed &&
		    !ch->del && ch->rekey_at <= now) {
			child_rekey_start(sa, i);
			return;
		}
	}
	f = uncovered_flow(sa);
	if (f >= 0 && sa->build_at <= now) {
		child_create(sa, f);
	}
}

/* ---- IKE_SA_INIT ---- */

static int
send_init(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	uint8_t pub[CR_DH_PUB_MAX];
	size_t plen = 0, len;
	struct msg_hdr h;
	struct pld_wr pw;

	sa->init_error = 0;	/* a new request, new answers */
	if (cr_dh_keygen(&sa->dhc, sa->dh, pub, &plen) != 0) {
		return -EINVAL;
	}
	msg_hdr_set(&h, sa->spi_i, NULL, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_I,
	    0);
	msg_wr_init(&pw, eng->tx, sizeof(eng->tx), &h);
	if (sa->cookie_len) {
		/* RFC 7296 2.6: the cookie goes first. */
		pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_COOKIE, sa->cookie,
		    sa->cookie_len);
	}
	prop_put_offer(&pw, &c->ikesa, IKEV2_PROTO_IKE, NULL, 0, 1, sa->dh);
	pld_put_ke(&pw, sa->dh->id, pub, plen);
	pld_put_nonce(&pw, sa->ni, sa->ni_len);
	if (msg_wr_finish(&pw, &len) != 0 ||
	    keep_copy(&sa->init_req, &sa->init_req_len, eng->tx, len) != 0) {
		return -ENOSPC;
	}
	sa->state = SA_INIT_SENT;
	return ike_send_request(sa, IKEV2_EXCH_IKE_SA_INIT, X_INIT, len);
}

/* see ike_xchg.h */
void
ike_xchg_initiate(struct ike_engine *eng, struct ike_vpn *v)
{
	const struct cfg_vpn *c = v->cfg;
	struct ike_addr local, peer;
	struct ike_sa *sa;
	char where[200];

	addr_from_ss(&local, &c->local);
	addr_from_ss(&peer, &c->peer);
	if (peer.af == 0 || c->ikesa.n_dh == 0) {
		return;	/* "peer any" can only answer */
	}
	sa = ike_sa_new(eng, v, 1, &local, &peer);
	if (sa == NULL) {
		ike_vpn_schedule_retry(eng, v);
		return;
	}
	v->sa = sa;
	sa->dh = c->ikesa.dh[0];
	sa->ni_len = IKD_NONCE_LEN;
	if (cr_rand(sa->ni, sa->ni_len) != 0 || send_init(sa) != 0) {
		ike_sa_free(sa);
		return;
	}
	ike_log(eng, IKE_LOG_INFO, sa, "initiating IKE SA, %s",
	    ike_sa_peer_str(sa, where, sizeof(where)));
}

static void
cookie_compute(struct ike_engine *eng, const struct msg *m,
    const struct ike_addr *peer, uint8_t out[32])
{
	static const struct cr_alg *prf;
	struct cr_iov iov[3];

	/* RFC 7296 2.6: Cookie = Hash(Ni | IPi | SPIi | <secret>) */
	if (prf == NULL) {
		prf = cr_alg_by_name(CR_PRF, "hmac-sha2-256");
	}
	iov[0].p = m->pl.nonce.p;
	iov[0].len = m->pl.nonce.len;
	iov[1].p = peer->ip;
	iov[1].len = peer->af == 6 ? 16 : 4;
	iov[2].p = m->hdr.ispi;
	iov[2].len = 8;
	(void)cr_prf(prf, eng->cookie_secret, sizeof(eng->cookie_secret), iov,
	    3, out);
}

/* 0: v does not answer local/peer; 1: it does with "peer any"; 2: it
 * names this peer. */
static int
vpn_addr_match(const struct ike_vpn *v, const struct ike_addr *local,
    const struct ike_addr *peer)
{
	struct ike_addr l, p;

	addr_from_ss(&l, &v->cfg->local);
	addr_from_ss(&p, &v->cfg->peer);
	if ((p.af != 0 && !same_ip(&p, peer)) ||
	    (l.af != 0 && !same_ip(&l, local))) {
		return 0;
	}
	return p.af == 0 ? 1 : 2;
}

/*
 * The VPN that answers an IKE_SA_INIT: the first whose addresses match and
 * whose [ikesa] accepts one of the proposals (pc set), else the first
 * whose addresses match (pc unset: NO_PROPOSAL_CHOSEN).  Several VPNs may
 * share two gateway addresses; IKE_AUTH picks among them by ID
 * (auth_pick_vpn()).
 */
static struct ike_vpn *
vpn_for(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m, struct prop_choice *pc,
    int *have_pc)
{
	struct ike_vpn *first = NULL;

	*have_pc = 0;
	for (size_t i = 0; i < eng->n_vpns; i++) {
		struct ike_vpn *v = &eng->vpns[i];

		if (!vpn_addr_match(v, local, peer)) {
			continue;
		}
		if (first == NULL) {
			first = v;
		}
		if (m && PLD_HAS(&m->pl, IKEV2_PL_SA) &&
		    prop_select(&m->pl.sa, &v->cfg->ikesa, IKEV2_PROTO_IKE, 1,
		    pc) == 0) {
			*have_pc = 1;
			return v;
		}
	}
	return first;
}

/* see ike_xchg.h */
void
ike_xchg_init_request(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m)
{
	struct ike_vpn *v;
	struct ike_sa *sa;
	struct prop_choice pc;
	int have_pc;
	uint8_t pub[CR_DH_PUB_MAX];
	size_t plen = 0, len;
	struct msg_hdr h;
	struct pld_wr pw;
	char where[200];

	sa = ike_sa_by_ispi(eng, m->hdr.ispi, peer);
	if (sa) {
		if (sa->state == SA_INIT_DONE && sa->have_resp &&
		    sa->resp_msgid == 0) {
			ike_send_raw(sa, sa->resp, sa->resp_len);
		}
		return;	/* a retransmission, answered the same way */
	}
	/* Anti-DoS: unknown peers cost nothing (no DH, no state). */
	v = vpn_for(eng, local, peer, NULL, &pc, &have_pc);
	if (v == NULL) {
		char p[64];

		eng->st.dropped++;
		ts_addr_format(peer->af, peer->ip, p, sizeof(p));
		ike_log(eng, IKE_LOG_DEBUG, NULL,
		    "IKE_SA_INIT from %s matches no configured peer: dropped",
		    p);
		return;
	}
	if (!PLD_HAS(&m->pl, IKEV2_PL_SA) || !PLD_HAS(&m->pl, IKEV2_PL_KE) ||
	    !PLD_HAS(&m->pl, IKEV2_PL_NONCE)) {
		init_notify(eng, local, peer, &m->hdr, IKEV2_N_INVALID_SYNTAX,
		    NULL, 0);
		return;
	}
	if (eng->n_half_open >= IKD_COOKIE_THRESHOLD) {
		const struct pld_notify *n = pld_find_notify(&m->pl,
		    IKEV2_N_COOKIE);
		uint8_t want[32];

		cookie_compute(eng, m, peer, want);
		if (n == NULL || n->data.len != sizeof(want) ||
		    !cr_ct_eq(n->data.p, want, sizeof(want))) {
			init_notify(eng, local, peer, &m->hdr, IKEV2_N_COOKIE,
			    want, sizeof(want));
			return;
		}
	}
	if (eng->n_half_open >= IKD_HALF_OPEN_MAX) {
		eng->st.dropped++;
		return;
	}
	v = vpn_for(eng, local, peer, m, &pc, &have_pc);
	if (!have_pc) {
		char p[64];

		ts_addr_format(peer->af, peer->ip, p, sizeof(p));
		ike_log(eng, IKE_LOG_WARN, NULL,
		    "%s: IKE_SA_INIT from %s: NO_PROPOSAL_CHOSEN (none of "
		    "the peer's proposals matches [ikesa])", v->cfg->name, p);
		eng->st.no_proposal++;
		init_notify(eng, local, peer, &m->hdr,
		    IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (m->pl.ke.group != pc.dh->id) {
		uint8_t g[2] = { (uint8_t)(pc.dh->id >> 8), (uint8_t)pc.dh->id };

		eng->st.invalid_ke++;
		init_notify(eng, local, peer, &m->hdr,
		    IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	sa = ike_sa_new(eng, v, 0, local, peer);
	if (sa == NULL) {
		return;
	}
	ike_sa_set_ispi(sa, m->hdr.ispi);
	sa->enc = pc.enc;
	sa->integ = pc.integ;
	sa->prf = pc.prf;
	sa->dh = pc.dh;
	sa->ni_len = (uint16_t)m->pl.nonce.len;
	memcpy(sa->ni, m->pl.nonce.p, sa->ni_len);
	sa->nr_len = IKD_NONCE_LEN;
	if (cr_rand(sa->nr, sa->nr_len) != 0 ||
	    cr_dh_keygen(&sa->dhc, sa->dh, pub, &plen) != 0 ||
	    ike_keys(sa, m->pl.ke.data.p, m->pl.ke.data.len) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "IKE_SA_INIT: bad KE payload from %s, dropped",
		    ike_sa_peer_str(sa, where, sizeof(where)));
		ike_sa_free(sa);
		return;
	}
	msg_hdr_set(&h, sa->spi_i, sa->spi_r, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_R, 0);
	msg_wr_init(&pw, eng->tx, sizeof(eng->tx), &h);
	prop_put_choice(&pw, IKEV2_PROTO_IKE, &pc);
	pld_put_ke(&pw, sa->dh->id, pub, plen);
	pld_put_nonce(&pw, sa->nr, sa->nr_len);
	if (msg_wr_finish(&pw, &len) != 0 ||
	    keep_copy(&sa->init_req, &sa->init_req_len, m->buf, m->len) ||
	    keep_copy(&sa->init_resp, &sa->init_resp_len, eng->tx, len)) {
		ike_sa_free(sa);
		return;
	}
	sa->state = SA_INIT_DONE;
	eng->n_half_open++;
	sa->expire_at = eng->now + IKD_HALF_OPEN_TIMEOUT_MS;
	sa->msgid_in = 1;
	(void)ike_send_response(sa, 0, len);
	ike_log(eng, IKE_LOG_INFO, sa, "IKE_SA_INIT answered, %s, %s %s %s %s",
	    ike_sa_peer_str(sa, where, sizeof(where)), sa->enc->name,
	    sa->integ ? sa->integ->name : "-", sa->prf->name, sa->dh->name);
}

/* ---- IKE_AUTH ---- */

/*
 * Whether the VPN of sa holds another IKE SA that the peer may still
 * have: established, or in a rekey (either end of it).  Half-open SAs
 * do not count: the peer has no authenticated SA from them that
 * INITIAL_CONTACT could wrongly remove, and a duplicate from both ends
 * initiating at once is settled by the SPI rule of claim_vpn() either
 * way.  Without such an SA, INITIAL_CONTACT makes the peer drop any IKE
 * SA it still keeps with us (one whose DELETE or rekey answer was lost).
 */
static int
vpn_has_other_sa(const struct ike_sa *sa)
{
	const struct ike_sa *o;

	for (o = sa->vpn->sas; o; o = o->vnext) {
		if (o != sa && (o->state == SA_ESTABLISHED ||
		    o->state == SA_REKEYING || o->state == SA_REKEYED)) {
			return 1;
		}
	}
	return 0;
}

static void
send_auth(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	uint8_t idb[4 + CFG_ID_MAX], auth[CR_PRF_MAX];
	size_t idl = id_body(&c->srcid, idb), len;
	struct pld_wr pw;

	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_id(&pw, IKEV2_PL_IDI, c->srcid.type, c->srcid.data,
	    c->srcid.len);
	if (!vpn_has_other_sa(sa)) {
		/* RFC 7296 2.4: this IKE SA is to be the only one with
		 * the peer (first since start, or the old one was lost) */
		pld_put_notify(&pw, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_INITIAL_CONTACT, NULL, 0);
	}
	if (psk_auth(sa, 1, idb, idl, auth) != 0) {
		ike_sa_free(sa);
		return;
	}
	pld_put_auth(&pw, IKEV2_AUTH_SHARED_KEY_MIC, auth, sa->prf->out_len);
	sa->xchg_child = -1;
	if (c->n_flows > 0 && child_alloc_spi(sa, 0) == 0) {
		sa->child[0].flow = 0;
		flow_ts(&c->flows[0].local, &sa->child[0].ts_l);
		flow_ts(&c->flows[0].remote, &sa->child[0].ts_r);
		sa->child[0].pfs = c->childsa.n_dh ? c->childsa.dh[0] : NULL;
		child_offer(sa, 0, &pw, 0);
		sa->xchg_child = 0;
	}
	if (ike_build(sa, IKEV2_EXCH_IKE_AUTH, 0, sa->msgid_out, &pw,
	    &len) != 0 || ike_send_request(sa, IKEV2_EXCH_IKE_AUTH, X_AUTH,
	    len) != 0) {
		ike_sa_free(sa);
		return;
	}
	sa->state = SA_AUTH_SENT;
}

static int
id_matches(const struct cfg_id *want, const struct pld_id *got)
{
	if (want->type == CFG_ID_NONE) {
		return 1;
	}
	return want->type == got->type && want->len == got->data.len &&
	    memcmp(want->data, got->data.p, want->len) == 0;
}

static int
xf_has(const struct cr_alg *const *list, unsigned n, const struct cr_alg *a)
{
	for (unsigned i = 0; i < n; i++) {
		if (list[i] == a) {
			return 1;
		}
	}
	return 0;
}

/*
 * IKE_AUTH, responder: several VPNs may answer the same two gateway
 * addresses, and IKE_SA_INIT could only tell them by address.  RFC 7296
 * 2.15: the responder finds the key by the initiator's ID, so the VPN is
 * chosen before AUTH is checked, among those whose addresses match and
 * whose [ikesa] allows the transforms already negotiated: first the one
 * whose dstid is IDi itself (over one accepting any ID), then the one
 * whose srcid is the IDr the initiator asked for (3.5), then one naming
 * this peer (over "peer any"), then one with a flow the initiator's
 * selectors overlap; in configuration order among equals.  None: the SA
 * keeps the VPN of IKE_SA_INIT, whose dstid check then fails.
 */
static struct ike_vpn *
auth_pick_vpn(const struct ike_sa *sa, const struct pld_set *in)
{
	struct ike_engine *eng = sa->eng;
	struct ike_vpn *best = sa->vpn;
	int best_score = -1;

	if (!PLD_HAS(in, IKEV2_PL_IDI)) {
		return best;
	}
	for (size_t i = 0; i < eng->n_vpns; i++) {
		struct ike_vpn *v = &eng->vpns[i];
		const struct cfg_vpn *c = v->cfg;
		struct ts_range tl, tr;
		int addr = vpn_addr_match(v, &sa->local, &sa->peer), score;

		if (addr == 0 || !id_matches(&c->dstid, &in->idi) ||
		    !xf_has(c->ikesa.enc, c->ikesa.n_enc, sa->enc) ||
		    !xf_has(c->ikesa.prf, c->ikesa.n_prf, sa->prf) ||
		    !xf_has(c->ikesa.dh, c->ikesa.n_dh, sa->dh) ||
		    (sa->integ != NULL &&
		    !xf_has(c->ikesa.integ, c->ikesa.n_integ, sa->integ))) {
			continue;
		}
		score = (c->dstid.type != CFG_ID_NONE) << 3 |
		    (PLD_HAS(in, IKEV2_PL_IDR) &&
		    id_matches(&c->srcid, &in->idr)) << 2 |
		    (addr == 2) << 1 |
		    (child_pick_flow(c, in, &tl, &tr) >= 0);
		if (score > best_score) {
			best = v;
			best_score = score;
		}
	}
	return best;
}

static int
auth_ok(const struct ike_sa *sa, int of_init, const struct pld_set *in)
{
	const struct pld_id *id = of_init ? &in->idi : &in->idr;
	uint8_t want[CR_PRF_MAX];
	int ok;

	if (!PLD_HAS(in, IKEV2_PL_AUTH) ||
	    in->auth.method != IKEV2_AUTH_SHARED_KEY_MIC ||
	    in->auth.data.len != sa->prf->out_len ||
	    psk_auth(sa, of_init, id->body.p, id->body.len, want) != 0) {
		return 0;
	}
	ok = cr_ct_eq(want, in->auth.data.p, sa->prf->out_len);
	cr_wipe(want, sizeof(want));
	return ok;
}

/*
 * An IKE SA of the VPN came up: make it the VPN's, unless another one
 * wins.  Of two IKE SAs that both ends may complete (established, or our
 * own IKE_AUTH request in flight), the one with the lower initiator SPI
 * stays: both ends know both SPIs, so both keep the same one.  Returns 1
 * if sa is the VPN's IKE SA now.  SAs established before this one was
 * begun are gone on the peer's side and are replaced whatever their SPI;
 * with initial_contact (the peer restarted, RFC 7296 2.4) silently.
 */
static int
claim_vpn(struct ike_sa *sa, int initial_contact)
{
	struct ike_engine *eng = sa->eng;
	struct ike_vpn *v = sa->vpn;
	struct ike_sa *o, *next;

	for (o = v->sas; o; o = next) {
		int stale;

		next = o->vnext;	/* the VPN's SAs run newest first */
		if (o == sa) {
			continue;
		}
		/* Up before this one was even begun: the peer, which
		 * authenticated a new IKE SA, no longer has it (it
		 * restarted, or gave up on it over a lossy link).  Only
		 * SAs begun at the same time race on their SPIs. */
		stale = o->state == SA_ESTABLISHED &&
		    o->established_ms < sa->created_ms;
		if (!stale && (o->state == SA_ESTABLISHED ||
		    (o->state == SA_AUTH_SENT && o->initiator)) &&
		    memcmp(o->spi_i, sa->spi_i, 8) < 0) {
			return 0;	/* the other one stays */
		}
		if (o->state == SA_ESTABLISHED) {
			ike_log(eng, IKE_LOG_INFO, o, "replaced by IKE SA "
			    "%02x%02x%02x%02x...: %s", sa->spi_i[0],
			    sa->spi_i[1], sa->spi_i[2], sa->spi_i[3],
			    stale && initial_contact ?
			    "peer sent INITIAL_CONTACT" : stale ?
			    "the peer started a new one" : "duplicate");
			if (!initial_contact) {
				ike_xchg_delete_now(o);
			}
			ike_sa_free(o);
		} else if (o->initiator) {
			/* our own attempt lost the race */
			ike_sa_free(o);
		}
	}
	v->sa = sa;
	v->retry_ms = 0;
	v->retry_at = 0;
	return 1;
}

/* When to rekey an IKE SA: a random 85-95% of ikelifetime (iked's 85%,
 * spread so that both ends do not always start together). */
static uint64_t
ike_rekey_time(const struct ike_sa *sa)
{
	uint32_t life = sa->vpn ? sa->vpn->cfg->ikelifetime : 0;

	if (life == 0) {
		return UINT64_MAX;
	}
	return sa->eng->now + ike_jitter((uint64_t)life * 1000,
	    IKD_SOFT_MIN_PCT, IKD_SOFT_MAX_PCT);
}

static void
established(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	char where[200];

	if (sa->state == SA_INIT_DONE && eng->n_half_open > 0) {
		eng->n_half_open--;
	}
	sa->state = SA_ESTABLISHED;
	sa->established_ms = eng->now;
	sa->builder = sa->initiator;
	sa->rekey_at = ike_rekey_time(sa);
	sa->up = 1;
	eng->st.ike_sas++;
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	ike_log(eng, IKE_LOG_INFO, sa,
	    "established IKE SA as %s, %s, %s %s %s %s",
	    sa->initiator ? "initiator" : "responder",
	    ike_sa_peer_str(sa, where, sizeof(where)), sa->enc->name,
	    sa->integ ? sa->integ->name : "-", sa->prf->name, sa->dh->name);
}

static void
auth_request(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct pld_set *in = &eng->in_set;
	uint8_t idb[4 + CFG_ID_MAX], auth[CR_PRF_MAX];
	size_t idl, len;
	struct pld_wr pw;
	struct ike_vpn *v;
	char where[200];
	int ic, claimed, rc;

	if ((rc = open_sk(sa, m)) != 0) {
		if (rc == -EBADMSG && in->err.notify) {
			/* authentic but malformed: answered, RFC 7296 2.21 */
			respond_notify(sa, m, in->err.notify, in->err.data,
			    in->err.data_len);
		}
		return;
	}
	v = auth_pick_vpn(sa, in);
	if (v != sa->vpn) {
		struct ike_sa *n;

		ike_log(eng, IKE_LOG_DEBUG, sa, "IKE_AUTH: the peer's ID "
		    "selects VPN %s", v->cfg->name);
		if ((n = ike_sa_set_vpn(sa, v)) == NULL) {
			return;	/* out of memory: the peer retransmits */
		}
		sa = n;
		c = v->cfg;
	}
	if (!PLD_HAS(in, IKEV2_PL_IDI) || !PLD_HAS(in, IKEV2_PL_AUTH) ||
	    !id_matches(&c->dstid, &in->idi) || !auth_ok(sa, 1, in)) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "authentication failed: %s, %s",
		    PLD_HAS(in, IKEV2_PL_EAP) || !PLD_HAS(in, IKEV2_PL_AUTH) ?
		    "peer wants EAP, only PSK is configured" :
		    !id_matches(&c->dstid, &in->idi) ?
		    "peer ID does not match dstid" : "PSK mismatch",
		    ike_sa_peer_str(sa, where, sizeof(where)));
		eng->st.auth_failures++;
		respond_notify(sa, m, IKEV2_N_AUTHENTICATION_FAILED, NULL, 0);
		ike_sa_free(sa);
		return;
	}
	ic = pld_find_notify(in, IKEV2_N_INITIAL_CONTACT) != NULL;
	idl = id_body(&c->srcid, idb);
	if (psk_auth(sa, 0, idb, idl, auth) != 0) {
		ike_sa_free(sa);
		return;
	}
	/* Before the answer is built: replacing another IKE SA sends a
	 * DELETE through the same scratch buffers. */
	established(sa);
	claimed = claim_vpn(sa, ic);
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_id(&pw, IKEV2_PL_IDR, c->srcid.type, c->srcid.data,
	    c->srcid.len);
	pld_put_auth(&pw, IKEV2_AUTH_SHARED_KEY_MIC, auth, sa->prf->out_len);
	if (claimed) {
		(void)child_respond(sa, in, &pw, 0, NULL, 0);
	} else if (PLD_HAS(in, IKEV2_PL_SA)) {
		pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_NO_ADDITIONAL_SAS,
		    NULL, 0);
	}
	if (ike_build(sa, IKEV2_EXCH_IKE_AUTH, 1, m->hdr.msgid, &pw,
	    &len) == 0) {
		(void)ike_send_response(sa, m->hdr.msgid, len);
	}
	sa->msgid_in = m->hdr.msgid + 1;
	ike_sa_drop_nonces(sa);
	if (sa->vpn->sa != sa) {
		ike_xchg_delete_now(sa);
		sa->state = SA_DEAD;
	}
}

/*
 * RFC 7296 2.21.1: nothing in an IKE_SA_INIT response is authenticated
 * (error notifications: "the recipient should not immediately act based
 * on" one): anyone who saw our request can forge an answer.  The first bad
 * answer is noted and the request stays out a little longer for the
 * genuine one; ike_xchg_init_failed() gives up when it does not come.
 */
static void
init_wait(struct ike_sa *sa, uint16_t why)
{
	struct ike_engine *eng = sa->eng;

	if (sa->init_error != 0) {
		return;
	}
	sa->init_error = why;
	ike_log(eng, IKE_LOG_DEBUG, sa, "IKE_SA_INIT: unusable answer (%s), "
	    "waiting for another", why == IKD_INIT_BAD_ANSWER ? "not what "
	    "we offered" : why == IKD_INIT_BAD_KE ? "bad KE payload" :
	    ikev2_notify_name(why));
	if (sa->retx_at > eng->now + IKD_INIT_ERROR_WAIT_MS) {
		sa->retx_at = eng->now + IKD_INIT_ERROR_WAIT_MS;
	}
}

static void
init_answer(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	const struct pld_notify *n;
	struct prop_choice pc;

	n = pld_find_notify(&m->pl, IKEV2_N_COOKIE);
	if (n && n->data.len >= 1 && n->data.len <= sizeof(sa->cookie) &&
	    sa->cookie_len == 0) {
		sa->cookie_len = (uint8_t)n->data.len;
		memcpy(sa->cookie, n->data.p, n->data.len);
		ike_request_done(sa);
		sa->msgid_out = 0;
		if (send_init(sa) != 0) {
			ike_sa_free(sa);
		}
		return;
	}
	n = pld_find_notify(&m->pl, IKEV2_N_INVALID_KE_PAYLOAD);
	if (n && n->data.len == 2) {
		uint16_t g = (uint16_t)(n->data.p[0] << 8 | n->data.p[1]);
		const struct cr_alg *a = cr_alg_by_id(CR_DH, g, 0);

		eng->st.invalid_ke++;
		for (unsigned i = 0; a && i < c->ikesa.n_dh; i++) {
			if (c->ikesa.dh[i] == a && a != sa->dh) {
				ike_log(eng, IKE_LOG_INFO, sa,
				    "peer asks for group %s, retrying",
				    a->name);
				sa->dh = a;
				ike_request_done(sa);
				sa->msgid_out = 0;
				if (send_init(sa) != 0) {
					ike_sa_free(sa);
				}
				return;
			}
		}
	}
	n = first_error(&m->pl);
	if (n) {
		init_wait(sa, n->type);
		return;
	}
	if (!PLD_HAS(&m->pl, IKEV2_PL_SA) || !PLD_HAS(&m->pl, IKEV2_PL_KE) ||
	    !PLD_HAS(&m->pl, IKEV2_PL_NONCE) ||
	    memcmp(m->hdr.rspi, "\0\0\0\0\0\0\0\0", 8) == 0 ||
	    prop_check_answer(&m->pl.sa, &c->ikesa, IKEV2_PROTO_IKE, 1,
	    &pc) != 0 || pc.dh != sa->dh || m->pl.ke.group != sa->dh->id) {
		init_wait(sa, IKD_INIT_BAD_ANSWER);
		return;
	}
	memcpy(sa->spi_r, m->hdr.rspi, 8);
	sa->enc = pc.enc;
	sa->integ = pc.integ;
	sa->prf = pc.prf;
	sa->nr_len = (uint16_t)m->pl.nonce.len;
	memcpy(sa->nr, m->pl.nonce.p, sa->nr_len);
	if (ike_keys(sa, m->pl.ke.data.p, m->pl.ke.data.len) != 0 ||
	    keep_copy(&sa->init_resp, &sa->init_resp_len, m->buf, m->len)) {
		init_wait(sa, IKD_INIT_BAD_KE);
		return;
	}
	ike_request_done(sa);
	send_auth(sa);
}

/* see ike_xchg.h */
void
ike_xchg_init_failed(struct ike_sa *sa)
{
	char where[200];

	if (sa->init_error == IKD_INIT_BAD_ANSWER) {
		ike_log(sa->eng, IKE_LOG_WARN, sa, "IKE_SA_INIT failed: the "
		    "peer's answer is not what we offered");
	} else if (sa->init_error == IKD_INIT_BAD_KE) {
		ike_log(sa->eng, IKE_LOG_WARN, sa,
		    "IKE_SA_INIT failed: bad KE payload from the peer");
	} else {
		count_failure(sa->eng, sa->init_error);
		ike_log(sa->eng, IKE_LOG_WARN, sa, "IKE_SA_INIT failed: peer "
		    "answered %s, %s", ikev2_notify_name(sa->init_error),
		    ike_sa_peer_str(sa, where, sizeof(where)));
	}
	ike_sa_free(sa);
}

static void
auth_answer(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct pld_set *in = &eng->in_set;
	const struct pld_notify *n;
	char where[200];

	if (open_sk(sa, m) != 0) {
		return;	/* not authentic: keep waiting, retransmit */
	}
	ike_request_done(sa);
	n = first_error(in);
	if (n && (!PLD_HAS(in, IKEV2_PL_AUTH) ||
	    n->type == IKEV2_N_AUTHENTICATION_FAILED)) {
		count_failure(eng, n->type);
		ike_log(eng, IKE_LOG_WARN, sa, "IKE_AUTH failed: peer "
		    "answered %s, %s", ikev2_notify_name(n->type),
		    ike_sa_peer_str(sa, where, sizeof(where)));
		ike_sa_free(sa);
		return;
	}
	if (!PLD_HAS(in, IKEV2_PL_IDR) || !id_matches(&c->dstid, &in->idr) ||
	    !auth_ok(sa, 0, in)) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "authentication of the peer failed: %s, %s",
		    PLD_HAS(in, IKEV2_PL_IDR) &&
		    !id_matches(&c->dstid, &in->idr) ?
		    "peer ID does not match dstid" : "PSK mismatch",
		    ike_sa_peer_str(sa, where, sizeof(where)));
		eng->st.auth_failures++;
		ike_xchg_delete_now(sa);
		ike_sa_free(sa);
		return;
	}
	established(sa);
	if (!claim_vpn(sa, 0)) {
		ike_xchg_delete_now(sa);
		sa->state = SA_DEAD;
		return;
	}
	if (sa->xchg_child >= 0) {
		child_answer(sa, sa->xchg_child, in, 0);
	}
	ike_sa_drop_nonces(sa);
	ike_xchg_kick(sa);
}

/* ---- IKE SA rekeying (RFC 7296 1.3.2, 2.18, 2.8.2) ---- */

/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), then the new keys. */
static int
rekey_keys(const struct ike_sa *old, struct ike_sa *nsa, const uint8_t *ke,
    size_t ke_len)
{
	uint8_t gir[CR_DH_SHARED_MAX], seed[CR_PRF_MAX];
	size_t glen = 0;
	int rc;

	rc = cr_dh_shared(&nsa->dhc, ke, ke_len, gir, &glen);
	if (rc == 0) {
		rc = cr_skeyseed_rekey(old->prf, old->keys.sk_d,
		    old->keys.d_len, gir, glen, nsa->ni, nsa->ni_len, nsa->nr,
		    nsa->nr_len, seed);
	}
	if (rc == 0) {
		rc = cr_ike_keys(nsa->prf, nsa->enc,
		    (nsa->enc->flags & CR_F_AEAD) ? NULL : nsa->integ, seed,
		    nsa->ni, nsa->ni_len, nsa->nr, nsa->nr_len, nsa->spi_i,
		    nsa->spi_r, &nsa->keys);
	}
	cr_wipe(gir, sizeof(gir));
	cr_wipe(seed, sizeof(seed));
	cr_dh_wipe(&nsa->dhc);
	lo_set(nsa->lo, &nsa->lo_len, nsa->ni, nsa->ni_len, nsa->nr,
	    nsa->nr_len);
	return rc;
}

/* A new IKE SA made by a rekey of old is up (not yet the VPN's). */
static void
rekey_established(struct ike_sa *old, struct ike_sa *nsa)
{
	struct ike_engine *eng = nsa->eng;

	nsa->parent = old;
	nsa->state = SA_ESTABLISHED;
	nsa->established_ms = eng->now;
	nsa->last_rx_ms = eng->now;
	nsa->builder = old->builder;
	nsa->rekey_at = ike_rekey_time(nsa);
	nsa->up = 1;
	eng->st.ike_sas++;
	eng->st.rekeys_ike++;
	ike_sa_drop_nonces(nsa);	/* keys and lo made, Nr sent */
}

/* The VPN moves to nsa with every CHILD SA of old, unchanged (RFC 7296
 * 2.18); old is left to be deleted. */
static void
rekey_adopt(struct ike_sa *old, struct ike_sa *nsa)
{
	struct ike_engine *eng = old->eng;

	/* Same VPN, same flows: the same slots (a reload that changes the
	 * flows restarts the VPN). */
	for (int i = 0; i < old->n_slots && i < nsa->n_slots; i++) {
		if (old->child[i].state != CHILD_NONE &&
		    nsa->child[i].state == CHILD_NONE) {
			nsa->child[i] = old->child[i];
			memset(&old->child[i], 0, sizeof(old->child[i]));
		}
	}
	nsa->n_children += old->n_children;
	old->n_children = 0;
	/* refused CHILD SAs the peer still has move with the others */
	for (int i = 0; i < old->n_refused; i++) {
		if (nsa->n_refused < IKD_REFUSED_MAX) {
			nsa->refused[nsa->n_refused++] = old->refused[i];
		}
	}
	old->n_refused = 0;
	nsa->builder = old->builder;
	nsa->build_at = old->build_at;
	if (old->vpn && old->vpn->sa == old) {
		old->vpn->sa = nsa;
	}
	if (old->up) {
		old->up = 0;
		eng->st.ike_sas--;
	}
	old->state = SA_REKEYED;
	old->expire_at = eng->now + IKD_OLD_IKE_MS;
	ike_log(eng, IKE_LOG_INFO, nsa, "IKE SA rekeyed: replaces spi "
	    "0x%02x%02x%02x%02x..., %d CHILD SAs moved", old->spi_i[0],
	    old->spi_i[1], old->spi_i[2], old->spi_i[3], nsa->n_children);
}

static void
ike_rekey_start(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	uint8_t pub[CR_DH_PUB_MAX];
	size_t plen = 0, len;
	struct pld_wr pw;
	struct ike_sa *nsa;

	sa->rekey_at = eng->now + IKD_REKEY_RETRY_MS;	/* if this fails */
	if (c->ikesa.n_dh == 0) {
		return;
	}
	nsa = ike_sa_new(eng, sa->vpn, 1, &sa->local, &sa->peer);
	if (nsa == NULL) {
		return;
	}
	nsa->state = SA_REKEYING;
	nsa->parent = sa;
	sa->rekey_new = nsa;
	nsa->dh = sa->rekey_dh ? sa->rekey_dh : sa->dh;
	nsa->ni_len = IKD_NONCE_LEN;
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	if (cr_rand(nsa->ni, nsa->ni_len) != 0 ||
	    cr_dh_keygen(&nsa->dhc, nsa->dh, pub, &plen) != 0) {
		ike_sa_free(nsa);
		return;
	}
	/* RFC 7296 1.3.2: SA (with the new initiator SPI), Ni, KEi */
	prop_put_offer(&pw, &c->ikesa, IKEV2_PROTO_IKE, nsa->spi_i, 8, 1,
	    nsa->dh);
	pld_put_nonce(&pw, nsa->ni, nsa->ni_len);
	pld_put_ke(&pw, nsa->dh->id, pub, plen);
	if (ike_build(sa, IKEV2_EXCH_CREATE_CHILD_SA, 0, sa->msgid_out, &pw,
	    &len) != 0 || ike_send_request(sa, IKEV2_EXCH_CREATE_CHILD_SA,
	    X_REKEY_IKE, len) != 0) {
		ike_sa_free(nsa);
		return;
	}
	ike_log(eng, IKE_LOG_INFO, sa, "rekeying IKE SA, new spi "
	    "0x%02x%02x%02x%02x...", nsa->spi_i[0], nsa->spi_i[1],
	    nsa->spi_i[2], nsa->spi_i[3]);
}

/* Both ends rekeyed the IKE SA at once and both new SAs are up: the one
 * whose exchange holds the lowest nonce is deleted by its initiator, the
 * CHILD SAs go to the other (RFC 7296 2.8.2).  ours: made by our request. */
static void
rekey_ike_collision(struct ike_sa *old, struct ike_sa *ours,
    struct ike_sa *theirs)
{
	struct ike_engine *eng = old->eng;

	if (nonce_cmp(ours->lo, ours->lo_len, theirs->lo,
	    theirs->lo_len) < 0) {
		ike_log(eng, IKE_LOG_INFO, old, "simultaneous IKE SA rekey: "
		    "ours has the lowest nonce, deleting it");
		rekey_adopt(old, theirs);
		ike_xchg_delete_ike(ours);
		return;
	}
	ike_log(eng, IKE_LOG_INFO, old, "simultaneous IKE SA rekey: keeping "
	    "ours, the peer deletes its own");
	rekey_adopt(old, ours);
	ike_xchg_delete_ike(old);
}

static void
rekey_ike_answer(struct ike_sa *sa, const struct pld_set *in)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct ike_sa *nsa = sa->rekey_new, *peer_new = sa->rekey_peer;
	const struct pld_notify *err = first_error(in);
	struct prop_choice pc;
	uint16_t why = 0;

	if (nsa == NULL) {
		return;
	}
	if (err) {
		why = err->type;
		sa->rekey_at = eng->now + IKD_REKEY_RETRY_MS;
		if (why == IKEV2_N_TEMPORARY_FAILURE) {
			sa->rekey_at = eng->now + IKD_TEMPFAIL_MIN_MS +
			    ike_jitter(IKD_TEMPFAIL_MAX_MS -
			    IKD_TEMPFAIL_MIN_MS, 0, 100);
		} else if (why == IKEV2_N_INVALID_KE_PAYLOAD &&
		    err->data.len == 2) {
			const struct cr_alg *a = cr_alg_by_id(CR_DH,
			    (uint16_t)(err->data.p[0] << 8 | err->data.p[1]),
			    0);

			for (unsigned i = 0; a && i < c->ikesa.n_dh; i++) {
				if (c->ikesa.dh[i] == a && a != nsa->dh) {
					sa->rekey_dh = a;
					sa->rekey_at = eng->now;
				}
			}
		}
	} else if (!PLD_HAS(in, IKEV2_PL_SA) || !PLD_HAS(in, IKEV2_PL_KE) ||
	    !PLD_HAS(in, IKEV2_PL_NONCE) ||
	    prop_check_answer(&in->sa, &c->ikesa, IKEV2_PROTO_IKE, 1,
	    &pc) != 0 || pc.spi_len != 8 || pc.dh != nsa->dh ||
	    in->ke.group != nsa->dh->id ||
	    memcmp(pc.spi, "\0\0\0\0\0\0\0\0", 8) == 0) {
		why = IKEV2_N_INVALID_SYNTAX;
		sa->rekey_at = eng->now + IKD_REKEY_RETRY_MS;
	} else {
		memcpy(nsa->spi_r, pc.spi, 8);
		nsa->enc = pc.enc;
		nsa->integ = pc.integ;
		nsa->prf = pc.prf;
		nsa->nr_len = (uint16_t)in->nonce.len;
		memcpy(nsa->nr, in->nonce.p, nsa->nr_len);
		if (rekey_keys(sa, nsa, in->ke.data.p, in->ke.data.len) != 0) {
			why = IKEV2_N_INVALID_SYNTAX;
		}
	}
	if (why) {
		ike_log(eng, why == IKEV2_N_TEMPORARY_FAILURE ?
		    IKE_LOG_INFO : IKE_LOG_WARN, sa, "IKE SA rekey refused "
		    "by peer: %s", ikev2_notify_name(why));
		ike_sa_free(nsa);
		if (peer_new && peer_new->state == SA_ESTABLISHED) {
			rekey_adopt(sa, peer_new);	/* theirs stands */
		}
		return;
	}
	sa->rekey_dh = NULL;
	rekey_established(sa, nsa);
	if (peer_new && peer_new->state == SA_ESTABLISHED) {
		rekey_ike_collision(sa, nsa, peer_new);
		return;
	}
	rekey_adopt(sa, nsa);
	/* the initiator of the rekey deletes the old IKE SA (2.18) */
	ike_xchg_delete_ike(sa);
}

/* The peer rekeys the IKE SA: answers SA, Nr, KEr into pw (or an error). */
static void
rekey_ike_respond(struct ike_sa *sa, const struct pld_set *in,
    struct pld_wr *pw)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct prop_choice pc;
	uint8_t pub[CR_DH_PUB_MAX];
	size_t plen = 0;
	struct ike_sa *nsa;
	uint16_t err = 0;

	if (sa->state != SA_ESTABLISHED || sa->vpn->sa != sa ||
	    sa->rekey_peer != NULL || (sa->req != NULL &&
	    (sa->req_xchg == X_CHILD || sa->req_xchg == X_DELETE_CHILD))) {
		/* RFC 7296 2.25.2: we are creating, rekeying or closing a
		 * CHILD SA, or this SA is being replaced already */
		ike_log(eng, IKE_LOG_INFO, sa, "peer asked to rekey the IKE "
		    "SA while %s: TEMPORARY_FAILURE",
		    sa->state == SA_DELETING ? "it is being deleted" :
		    sa->state != SA_ESTABLISHED || sa->vpn->sa != sa ||
		    sa->rekey_peer ? "it is being replaced" :
		    "a CHILD SA exchange of ours is out");
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_TEMPORARY_FAILURE,
		    NULL, 0);
		return;
	}
	if (prop_select(&in->sa, &c->ikesa, IKEV2_PROTO_IKE, 1, &pc) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa, "IKE SA rekey refused: no "
		    "proposal chosen");
		eng->st.no_proposal++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_NO_PROPOSAL_CHOSEN,
		    NULL, 0);
		return;
	}
	if (!PLD_HAS(in, IKEV2_PL_KE) || in->ke.group != pc.dh->id) {
		uint8_t g[2] = { (uint8_t)(pc.dh->id >> 8), (uint8_t)pc.dh->id };

		eng->st.invalid_ke++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	if (pc.spi_len != 8 || in->nonce.len > IKEV2_NONCE_MAX ||
	    memcmp(pc.spi, "\0\0\0\0\0\0\0\0", 8) == 0) {
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	nsa = ike_sa_new(eng, sa->vpn, 0, &sa->local, &sa->peer);
	if (nsa == NULL) {
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_TEMPORARY_FAILURE,
		    NULL, 0);
		return;
	}
	ike_sa_set_ispi(nsa, pc.spi);
	nsa->enc = pc.enc;
	nsa->integ = pc.integ;
	nsa->prf = pc.prf;
	nsa->dh = pc.dh;
	nsa->ni_len = (uint16_t)in->nonce.len;
	memcpy(nsa->ni, in->nonce.p, nsa->ni_len);
	nsa->nr_len = IKD_NONCE_LEN;
	if (cr_rand(nsa->nr, nsa->nr_len) != 0 ||
	    cr_dh_keygen(&nsa->dhc, nsa->dh, pub, &plen) != 0) {
		err = IKEV2_N_TEMPORARY_FAILURE;
	} else if (rekey_keys(sa, nsa, in->ke.data.p, in->ke.data.len) != 0) {
		err = IKEV2_N_INVALID_SYNTAX;
	}
	if (err) {
		ike_sa_free(nsa);
		pld_put_notify(pw, 0, NULL, 0, err, NULL, 0);
		return;
	}
	memcpy(pc.spi, nsa->spi_r, 8);
	pc.spi_len = 8;
	prop_put_choice(pw, IKEV2_PROTO_IKE, &pc);
	pld_put_nonce(pw, nsa->nr, nsa->nr_len);
	pld_put_ke(pw, nsa->dh->id, pub, plen);
	rekey_established(sa, nsa);
	sa->rekey_peer = nsa;
	if (sa->req != NULL && sa->req_xchg == X_REKEY_IKE && sa->rekey_new) {
		/* ours is out too: decided when its answer comes (2.8.2) */
		ike_log(eng, IKE_LOG_INFO, sa, "simultaneous IKE SA rekey: "
		    "answered the peer's, waiting for ours");
		return;
	}
	rekey_adopt(sa, nsa);
}

/* ---- INFORMATIONAL and CREATE_CHILD_SA ---- */

static void
info_request(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	struct pld_set *in = &eng->in_set;
	/* this SA's CHILD SAs, and its successor's */
	uint8_t spis[4 * 2 * IKD_CHILD_SLOTS_MAX];
	size_t n_spis = 0, len;
	struct pld_wr pw;
	int delete_ike = 0;

	for (unsigned d = 0; d < in->n_delete; d++) {
		const struct pld_delete *del = &in->del[d];

		if (del->proto == IKEV2_PROTO_IKE) {
			delete_ike = 1;
			continue;
		}
		if (del->proto != IKEV2_PROTO_ESP || del->spi_size != 4) {
			continue;
		}
		for (unsigned i = 0; i < del->n_spi; i++) {
			uint32_t spi = be32(del->spis + 4 * (size_t)i);
			struct ike_sa *on = sa;
			int c = child_by_spi(sa, spi, 1);

			/* CHILD SAs may have moved to the rekeyed IKE SA */
			if (c < 0 && sa->vpn && sa->vpn->sa &&
			    sa->vpn->sa != sa) {
				on = sa->vpn->sa;
				c = child_by_spi(on, spi, 1);
			}
			if (c >= 0 && n_spis < sizeof(spis) / 4) {
				put_be32(spis + 4 * n_spis++,
				    on->child[c].spi_in);
				ike_log(eng, IKE_LOG_INFO, on,
				    "peer deleted CHILD SA spi 0x%08x",
				    on->child[c].spi_out);
				ike_child_remove(on, c);
			} else if (c < 0) {
				ike_log(eng, IKE_LOG_DEBUG, sa, "DELETE for "
				    "unknown CHILD SA spi 0x%08x ignored",
				    spi);
			}
		}
	}
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	if (n_spis && !delete_ike) {
		pld_put_delete(&pw, IKEV2_PROTO_ESP, 4, spis, n_spis);
	}
	if (ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 1, m->hdr.msgid, &pw,
	    &len) == 0) {
		(void)ike_send_response(sa, m->hdr.msgid, len);
	}
	sa->msgid_in = m->hdr.msgid + 1;
	if (delete_ike) {
		if (sa->vpn && sa->vpn->sa == sa && sa->rekey_peer &&
		    sa->rekey_peer->state == SA_ESTABLISHED) {
			/* the peer's rekey won while ours was out: forget
			 * ours (RFC 7296 2.25.2), the SAs go to the peer's */
			rekey_adopt(sa, sa->rekey_peer);
		}
		ike_log(eng, IKE_LOG_INFO, sa, "IKE SA deleted by peer");
		ike_sa_free(sa);
	}
}

/* The CHILD SA a REKEY_SA notify names (the peer's inbound SPI, our
 * outbound): *tomb set when it is gone but our own rekey of it is here. */
static int
rekey_target(const struct ike_sa *sa, uint32_t spi, int *tomb)
{
	int c = child_by_spi(sa, spi, 1);

	*tomb = 0;
	if (c >= 0) {
		return c;
	}
	for (int i = 0; i < sa->n_slots; i++) {
		const struct child_sa *o = &sa->child[i];

		if (o->state == CHILD_INSTALLED && !o->by_peer &&
		    o->rekey_of_in != 0 && o->rekey_of_out == spi) {
			*tomb = 1;
			return i;
		}
	}
	return -1;
}

/* The peer rekeys a CHILD SA (RFC 7296 1.3.3), maybe while we do too. */
static void
rekey_child_respond(struct ike_sa *sa, const struct pld_set *in,
    const struct pld_notify *rn, struct pld_wr *pw)
{
	struct ike_engine *eng = sa->eng;
	uint32_t spi = rn->spi.len == 4 ? be32(rn->spi.p) : 0;
	int tomb, old = rekey_target(sa, spi, &tomb), n, theirs = -1;
	uint32_t old_in;

	if (old < 0) {
		ike_log(eng, IKE_LOG_WARN, sa, "peer asked to rekey CHILD SA "
		    "spi 0x%08x, which we do not have: CHILD_SA_NOT_FOUND",
		    spi);
		pld_put_notify(pw, IKEV2_PROTO_ESP, rn->spi.p, rn->spi.len,
		    IKEV2_N_CHILD_SA_NOT_FOUND, NULL, 0);
		return;
	}
	old_in = tomb ? sa->child[old].rekey_of_in : sa->child[old].spi_in;
	for (int i = 0; i < sa->n_slots; i++) {
		if (sa->child[i].state != CHILD_NONE && sa->child[i].by_peer &&
		    sa->child[i].rekey_of_in == old_in) {
			theirs = i;
		}
	}
	if (theirs >= 0 || (!tomb && sa->child[old].redundant) ||
	    (!tomb && sa->child[old].del && !sa->child[old].rekeyed)) {
		/* RFC 7296 2.25.1: rekeyed already, or being closed */
		ike_log(eng, IKE_LOG_INFO, sa, "peer asked to rekey CHILD SA "
		    "spi 0x%08x while it is %s: TEMPORARY_FAILURE", spi,
		    theirs >= 0 ? "replaced" : "being deleted");
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_TEMPORARY_FAILURE,
		    NULL, 0);
		return;
	}
	n = child_respond(sa, in, pw, 1, &sa->child[old], tomb);
	if (n < 0) {
		return;
	}
	old = child_by_spi(sa, old_in, 0);
	if (old >= 0) {
		sa->child[old].rekeyed = 1;	/* the peer deletes it */
	}
	/* ours of the same SA: installed (the late case: its answer came
	 * before this request) decides now; still out decides later */
	{
		int ours = child_sibling(sa, n, 0);

		if (ours >= 0 && sa->child[ours].state == CHILD_INSTALLED) {
			child_collision(sa, ours, n);
		}
	}
}

static void
create_child_request(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	struct pld_set *in = &eng->in_set;
	const struct pld_notify *rn = pld_find_notify(in, IKEV2_N_REKEY_SA);
	struct pld_wr pw;
	size_t len;
	int i;

	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	for (i = 0; i < in->sa.n_prop; i++) {
		if (in->sa.prop[i].proto == IKEV2_PROTO_IKE) {
			break;
		}
	}
	if (!PLD_HAS(in, IKEV2_PL_NONCE) || !PLD_HAS(in, IKEV2_PL_SA)) {
		pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_INVALID_SYNTAX, NULL, 0);
	} else if (i < in->sa.n_prop) {
		rekey_ike_respond(sa, in, &pw);
	} else if (sa->state != SA_ESTABLISHED || sa->vpn->sa != sa ||
	    (sa->req != NULL && sa->req_xchg == X_REKEY_IKE)) {
		/* RFC 7296 2.25.2: not while the IKE SA is being rekeyed */
		pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_TEMPORARY_FAILURE,
		    NULL, 0);
	} else if (rn != NULL) {
		rekey_child_respond(sa, in, rn, &pw);
	} else {
		(void)child_respond(sa, in, &pw, 1, NULL, 0);
	}
	if (ike_build(sa, IKEV2_EXCH_CREATE_CHILD_SA, 1, m->hdr.msgid, &pw,
	    &len) == 0) {
		(void)ike_send_response(sa, m->hdr.msgid, len);
	}
	sa->msgid_in = m->hdr.msgid + 1;
}

/* see ike_xchg.h */
void
ike_xchg_request(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	int rc;

	if (m->hdr.exchange == IKEV2_EXCH_IKE_AUTH) {
		if (sa->state == SA_INIT_DONE && m->hdr.msgid == 1) {
			sa->last_rx_ms = eng->now;
			auth_request(sa, m);
		}
		return;
	}
	if (sa->state != SA_ESTABLISHED && sa->state != SA_DELETING &&
	    sa->state != SA_REKEYED) {
		return;
	}
	if ((rc = open_sk(sa, m)) != 0) {
		if (rc == -EBADMSG && eng->in_set.err.notify) {
			/* authentic but malformed: answered, RFC 7296 2.21 */
			respond_notify(sa, m, eng->in_set.err.notify,
			    eng->in_set.err.data, eng->in_set.err.data_len);
		}
		return;	/* not authentic: dropped, nothing changes */
	}
	sa->last_rx_ms = eng->now;
	switch (m->hdr.exchange) {
	case IKEV2_EXCH_INFORMATIONAL:
		info_request(sa, m);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		create_child_request(sa, m);
		break;
	default:
		respond_notify(sa, m, IKEV2_N_INVALID_SYNTAX, NULL, 0);
		break;
	}
}

/* see ike_xchg.h */
void
ike_xchg_response(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	int x = sa->req_xchg;

	if (m->hdr.exchange != sa->req_exch) {
		eng->st.dropped++;
		return;
	}
	if (x == X_INIT) {
		init_answer(sa, m);
		return;
	}
	if (x == X_AUTH) {
		auth_answer(sa, m);
		return;
	}
	if (open_sk(sa, m) != 0) {
		return;
	}
	sa->last_rx_ms = eng->now;
	ike_request_done(sa);
	switch (x) {
	case X_CHILD:
		child_answer(sa, sa->xchg_child, &eng->in_set, 1);
		break;
	case X_DELETE_CHILD:
		for (int i = 0; i < sa->n_slots; i++) {
			if (sa->child[i].del == 2) {
				ike_child_remove(sa, i);
			}
		}
		break;
	case X_REKEY_IKE:
		rekey_ike_answer(sa, &eng->in_set);
		break;
	case X_DELETE_IKE:
		sa->state = SA_DEAD;
		break;
	default:
		break;
	}
	ike_xchg_kick(sa);
}

/* see ike_xchg.h */
void
ike_xchg_delete_ike(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct pld_wr pw;
	size_t len;

	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_delete(&pw, IKEV2_PROTO_IKE, 0, NULL, 0);
	if (sa->req != NULL || ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 0,
	    sa->msgid_out, &pw, &len) != 0 ||
	    ike_send_request(sa, IKEV2_EXCH_INFORMATIONAL, X_DELETE_IKE,
	    len) != 0) {
		sa->state = SA_DEAD;
		return;
	}
	if (sa->up) {
		sa->up = 0;
		eng->st.ike_sas--;
	}
	sa->state = SA_DELETING;
	ike_log(eng, IKE_LOG_DEBUG, sa, "sent DELETE for the IKE SA");
}

/* see ike_xchg.h */
void
ike_xchg_dpd(struct ike_sa *sa)
{
	size_t len;

	if (ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 0, sa->msgid_out, NULL,
	    &len) == 0 && ike_send_request(sa, IKEV2_EXCH_INFORMATIONAL, X_DPD,
	    len) == 0) {
		sa->eng->st.dpd_sent++;
	}
}

/* see ike_xchg.h */
void
ike_xchg_delete_now(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct pld_wr pw;
	size_t len;

	if (sa->state != SA_ESTABLISHED) {
		return;
	}
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_delete(&pw, IKEV2_PROTO_IKE, 0, NULL, 0);
	if (ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 0, sa->msgid_out, &pw,
	    &len) == 0) {
		ike_send_raw(sa, eng->tx, len);
		ike_log(eng, IKE_LOG_INFO, sa, "sent DELETE for the IKE SA");
	}
	sa->state = SA_DELETING;
}
