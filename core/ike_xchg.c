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

#include "core/ike_xchg.h"
#include "core/ikev2.h"

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

/* Decrypts m's SK payload and parses the inner chain into eng->in_set. */
static int
open_sk(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const uint8_t *plain;
	size_t plain_len;
	struct rd r;
	int from_init = (m->hdr.flags & IKEV2_FLAG_I) != 0;

	if (!PLD_HAS(&m->pl, IKEV2_PL_SK) || sa->enc == NULL) {
		return -EBADMSG;
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
		return -EBADMSG;
	}
	rd_init(&r, plain, plain_len);
	memset(&eng->in_set, 0, sizeof(eng->in_set));
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

/* ---- CHILD SAs ---- */

/* The flow could not be built on this IKE SA: its SPI is given back and
 * it is not tried again until the IKE SA is. */
static void
child_fail(struct ike_sa *sa, int idx)
{
	ike_child_remove(sa, idx);
	sa->child[idx].state = CHILD_FAILED;
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

/* Writes SA offer + TSi + TSr for flow idx (our inbound SPI allocated). */
static void
child_offer(struct ike_sa *sa, int idx, struct pld_wr *pw, int with_ke)
{
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct child_sa *ch = &sa->child[idx];
	struct ts_range tl, tr;
	uint8_t spi[4];

	put_be32(spi, ch->spi_in);
	prop_put_offer(pw, &c->childsa, IKEV2_PROTO_ESP, spi, 4,
	    with_ke && c->childsa.n_dh > 0, ch->dh);
	if (with_ke) {
		uint8_t pub[CR_DH_PUB_MAX];
		size_t plen = 0;

		pld_put_nonce(pw, ch->nonce, IKD_NONCE_LEN);
		if (ch->dh && cr_dh_keygen(&ch->dhc, ch->dh, pub, &plen) == 0) {
			pld_put_ke(pw, ch->dh->id, pub, plen);
		}
	}
	flow_ts(&c->flows[idx].local, &tl);
	flow_ts(&c->flows[idx].remote, &tr);
	pld_put_ts(pw, IKEV2_PL_TSI, &tl, 1);
	pld_put_ts(pw, IKEV2_PL_TSR, &tr, 1);
}

/*
 * Responder: the first configured flow (not yet up) that the initiator's
 * selectors overlap, narrowed to our policy (RFC 7296 2.9).  TSi is the
 * initiator's side: our remote.
 */
static int
child_pick_flow(const struct ike_sa *sa, const struct pld_set *in,
    struct ts_range *tl, struct ts_range *tr)
{
	const struct cfg_vpn *c = sa->vpn->cfg;

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

/*
 * Responder side of a CHILD SA, in IKE_AUTH (ni/nr: the IKE_SA_INIT
 * nonces, no KE) or CREATE_CHILD_SA (their nonce in the request, ours
 * fresh, KE when PFS).  Writes the answer payloads into pw: SA [Nr KEr]
 * TSi TSr, or one error notify.
 */
static void
child_respond(struct ike_sa *sa, const struct pld_set *in, struct pld_wr *pw,
    int create)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct prop_choice pc;
	struct ts_range tl, tr;
	struct cr_child_keys keys;
	uint8_t gir[CR_DH_SHARED_MAX], pub[CR_DH_PUB_MAX], nr[IKD_NONCE_LEN];
	size_t glen = 0, plen = 0;
	struct child_sa *ch;
	uint8_t spi[4];
	int f, rc;

	if (!PLD_HAS(in, IKEV2_PL_SA) || !PLD_HAS(in, IKEV2_PL_TSI) ||
	    !PLD_HAS(in, IKEV2_PL_TSR)) {
		return;	/* IKE_AUTH without a CHILD SA (RFC 6023) */
	}
	if (prop_select(&in->sa, &c->childsa, IKEV2_PROTO_ESP,
	    create ? -1 : 0, &pc) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA refused: no proposal chosen");
		eng->st.no_proposal++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_NO_PROPOSAL_CHOSEN,
		    NULL, 0);
		return;
	}
	f = child_pick_flow(sa, in, &tl, &tr);
	if (f < 0) {
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
		return;
	}
	if (create && pc.dh && (!PLD_HAS(in, IKEV2_PL_KE) ||
	    in->ke.group != pc.dh->id)) {
		uint8_t g[2] = { (uint8_t)(pc.dh->id >> 8), (uint8_t)pc.dh->id };

		eng->st.invalid_ke++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	/* A slot: the one holding these very selectors (the peer builds
	 * them again: a rekey without REKEY_SA, or a peer that lost them;
	 * the new pair replaces the old), else a free one.  Several of the
	 * peer's narrower flows may fall in one of ours (RFC 7296 2.9). */
	{
		int slot = -1;

		for (int i = 0; i < CFG_FLOWS_MAX; i++) {
			const struct child_sa *o = &sa->child[i];

			if (o->state == CHILD_INSTALLED &&
			    memcmp(&o->ts_l, &tl, sizeof(tl)) == 0 &&
			    memcmp(&o->ts_r, &tr, sizeof(tr)) == 0) {
				ike_child_remove(sa, i);
				slot = i;
				break;
			}
		}
		for (int i = 0; i < CFG_FLOWS_MAX && slot < 0; i++) {
			if (sa->child[i].state == CHILD_NONE) {
				slot = i;
			}
		}
		if (slot < 0) {
			pld_put_notify(pw, 0, NULL, 0,
			    IKEV2_N_NO_ADDITIONAL_SAS, NULL, 0);
			return;
		}
		f = slot;
	}
	if (child_alloc_spi(sa, f) != 0) {
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_TEMPORARY_FAILURE,
		    NULL, 0);
		return;
	}
	ch = &sa->child[f];
	child_take(ch, &pc, create, &tl, &tr);
	rc = 0;
	if (create) {
		rc = cr_rand(nr, sizeof(nr));
		if (rc == 0 && ch->dh) {
			rc = cr_dh_keygen(&ch->dhc, ch->dh, pub, &plen);
			if (rc == 0) {
				rc = cr_dh_shared(&ch->dhc, in->ke.data.p,
				    in->ke.data.len, gir, &glen);
			}
		}
		if (rc == 0) {
			rc = cr_child_keys(sa->prf, sa->keys.sk_d,
			    sa->keys.d_len, ch->enc, ch->integ,
			    glen ? gir : NULL, glen, in->nonce.p,
			    in->nonce.len, nr, sizeof(nr), &keys);
		}
	} else {
		rc = cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, NULL, 0, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, &keys);
	}
	cr_wipe(gir, sizeof(gir));
	if (rc != 0) {
		ike_log(eng, IKE_LOG_WARN, sa, "CHILD SA refused: %s",
		    rc == -EBADMSG ? "bad KE payload" : strerror(-rc));
		ike_child_remove(sa, f);
		pld_put_notify(pw, 0, NULL, 0, rc == -EBADMSG ?
		    IKEV2_N_INVALID_SYNTAX : IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return;
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
	(void)ike_child_install(sa, f, &keys);
	cr_child_keys_wipe(&keys);
	cr_dh_wipe(&ch->dhc);
}

/*
 * Initiator: the answer to our CHILD SA request for flow idx, in IKE_AUTH
 * (create 0) or CREATE_CHILD_SA.
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
	int rc;

	if (err) {
		if (create && err->type == IKEV2_N_INVALID_KE_PAYLOAD &&
		    err->data.len == 2) {
			uint16_t g = (uint16_t)(err->data.p[0] << 8 |
			    err->data.p[1]);
			const struct cr_alg *a = cr_alg_by_id(CR_DH, g, 0);

			for (unsigned i = 0; a && i < c->childsa.n_dh; i++) {
				if (c->childsa.dh[i] == a && a != ch->dh) {
					ike_log(eng, IKE_LOG_INFO, sa,
					    "peer asks for PFS group %s",
					    a->name);
					eng->st.invalid_ke++;
					ike_child_remove(sa, idx);
					sa->child[idx].dh = a;
					sa->child[idx].state = CHILD_NONE;
					return;	/* next tick retries */
				}
			}
		}
		count_failure(eng, err->type);
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA for flow %d refused by peer: %s", idx + 1,
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
		    "offered", idx + 1);
		child_fail(sa, idx);
		return;
	}
	/* The answer's selectors must lie within what we proposed. */
	flow_ts(&c->flows[idx].local, &ml);
	flow_ts(&c->flows[idx].remote, &mr);
	if (!in->tsi.usable[0] || !in->tsr.usable[0] ||
	    ts_narrow(&in->tsi.ts[0], &ml, &tl) != 0 ||
	    ts_narrow(&in->tsr.ts[0], &mr, &tr) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA for flow %d: peer answered selectors outside "
		    "ours", idx + 1);
		child_fail(sa, idx);
		return;
	}
	child_take(ch, &pc, create, &tl, &tr);
	rc = 0;
	if (create && ch->dh) {
		rc = cr_dh_shared(&ch->dhc, in->ke.data.p, in->ke.data.len,
		    gir, &glen);
	}
	if (rc == 0) {
		rc = create ?
		    cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, glen ? gir : NULL, glen, ch->nonce,
		    IKD_NONCE_LEN, in->nonce.p, in->nonce.len, &keys) :
		    cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, NULL, 0, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, &keys);
	}
	cr_wipe(gir, sizeof(gir));
	cr_dh_wipe(&ch->dhc);
	if (rc != 0) {
		ike_log(eng, IKE_LOG_WARN, sa, "CHILD SA for flow %d: %s",
		    idx + 1, rc == -EBADMSG ? "bad KE payload" :
		    strerror(-rc));
		child_fail(sa, idx);
		return;
	}
	(void)ike_child_install(sa, idx, &keys);
	cr_child_keys_wipe(&keys);
}

/* see ike_xchg.h */
void
ike_xchg_next_child(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct pld_wr pw;
	size_t len;
	int idx = -1;

	if (!sa->initiator) {
		return;	/* the initiator of an IKE SA builds its flows */
	}
	for (size_t f = 0; f < c->n_flows; f++) {
		if (sa->child[f].state == CHILD_NONE) {
			idx = (int)f;
			break;
		}
	}
	if (idx < 0) {
		return;
	}
	{
		const struct cr_alg *dh = sa->child[idx].dh;

		if (child_alloc_spi(sa, idx) != 0) {
			sa->child[idx].state = CHILD_FAILED;
			return;
		}
		sa->child[idx].dh = dh ? dh :
		    (c->childsa.n_dh ? c->childsa.dh[0] : NULL);
	}
	if (cr_rand(sa->child[idx].nonce, IKD_NONCE_LEN) != 0) {
		ike_child_remove(sa, idx);
		return;
	}
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	child_offer(sa, idx, &pw, 1);
	if (ike_build(sa, IKEV2_EXCH_CREATE_CHILD_SA, 0, sa->msgid_out, &pw,
	    &len) != 0 || ike_send_request(sa, IKEV2_EXCH_CREATE_CHILD_SA,
	    X_CHILD, len) != 0) {
		child_fail(sa, idx);
		return;
	}
	sa->xchg_child = idx;
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

static struct ike_vpn *
vpn_for(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer)
{
	for (size_t i = 0; i < eng->n_vpns; i++) {
		struct ike_addr l, p;

		addr_from_ss(&l, &eng->vpns[i].cfg->local);
		addr_from_ss(&p, &eng->vpns[i].cfg->peer);
		if ((p.af == 0 || same_ip(&p, peer)) &&
		    (l.af == 0 || same_ip(&l, local))) {
			return &eng->vpns[i];
		}
	}
	return NULL;
}

/* see ike_xchg.h */
void
ike_xchg_init_request(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m)
{
	struct ike_vpn *v;
	struct ike_sa *sa;
	struct prop_choice pc;
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
	v = vpn_for(eng, local, peer);
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
	if (prop_select(&m->pl.sa, &v->cfg->ikesa, IKEV2_PROTO_IKE, 1,
	    &pc) != 0) {
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
	if (!sa->vpn->contacted) {
		/* RFC 7296 2.4: our first IKE SA to this peer since start */
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
 * if sa is the VPN's IKE SA now.  initial_contact: the peer restarted
 * (RFC 7296 2.4), so SAs established before this one was begun are gone
 * on its side and are removed here whatever their SPI.
 */
static int
claim_vpn(struct ike_sa *sa, int initial_contact)
{
	struct ike_engine *eng = sa->eng;
	struct ike_vpn *v = sa->vpn;
	struct ike_sa *o, *next;

	for (o = eng->sas; o; o = next) {
		int stale;

		next = o->next;
		if (o == sa || o->vpn != v) {
			continue;
		}
		stale = initial_contact && o->state == SA_ESTABLISHED &&
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
			    stale ? "peer sent INITIAL_CONTACT" : "duplicate");
			if (!stale) {
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
	v->contacted = 1;
	return 1;
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
	char where[200];
	int ic;

	if (open_sk(sa, m) != 0) {
		if (in->err.notify) {
			respond_notify(sa, m, in->err.notify, in->err.data,
			    in->err.data_len);
		}
		return;
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
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	idl = id_body(&c->srcid, idb);
	pld_put_id(&pw, IKEV2_PL_IDR, c->srcid.type, c->srcid.data,
	    c->srcid.len);
	if (psk_auth(sa, 0, idb, idl, auth) != 0) {
		ike_sa_free(sa);
		return;
	}
	pld_put_auth(&pw, IKEV2_AUTH_SHARED_KEY_MIC, auth, sa->prf->out_len);
	established(sa);
	if (claim_vpn(sa, ic)) {
		child_respond(sa, in, &pw, 0);
	} else if (PLD_HAS(in, IKEV2_PL_SA)) {
		pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_NO_ADDITIONAL_SAS,
		    NULL, 0);
	}
	if (ike_build(sa, IKEV2_EXCH_IKE_AUTH, 1, m->hdr.msgid, &pw,
	    &len) == 0) {
		(void)ike_send_response(sa, m->hdr.msgid, len);
	}
	sa->msgid_in = m->hdr.msgid + 1;
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
	ike_xchg_next_child(sa);
}

/* ---- INFORMATIONAL and CREATE_CHILD_SA ---- */

static int
child_by_spi_out(const struct ike_sa *sa, uint32_t spi)
{
	for (int i = 0; i < CFG_FLOWS_MAX; i++) {
		if (sa->child[i].state == CHILD_INSTALLED &&
		    sa->child[i].spi_out == spi) {
			return i;
		}
	}
	return -1;
}

static void
info_request(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	struct pld_set *in = &eng->in_set;
	uint8_t spis[4 * CFG_FLOWS_MAX];
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
			int c = child_by_spi_out(sa,
			    be32(del->spis + 4 * (size_t)i));

			if (c >= 0 && n_spis < CFG_FLOWS_MAX) {
				put_be32(spis + 4 * n_spis++,
				    sa->child[c].spi_in);
				ike_log(eng, IKE_LOG_INFO, sa,
				    "peer deleted CHILD SA spi 0x%08x",
				    sa->child[c].spi_out);
				ike_child_remove(sa, c);
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
		ike_log(eng, IKE_LOG_INFO, sa, "IKE SA deleted by peer");
		ike_sa_free(sa);
	}
}

static void
create_child_request(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	struct pld_set *in = &eng->in_set;
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
		/* IKE SA rekeying is not done yet: say so plainly. */
		ike_log(eng, IKE_LOG_WARN, sa, "peer asked to rekey the IKE "
		    "SA: not supported, answered NO_ADDITIONAL_SAS");
		pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_NO_ADDITIONAL_SAS,
		    NULL, 0);
	} else if (sa->state != SA_ESTABLISHED || sa->vpn->sa != sa) {
		pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_TEMPORARY_FAILURE,
		    NULL, 0);
	} else {
		child_respond(sa, in, &pw, 1);
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

	if (m->hdr.exchange == IKEV2_EXCH_IKE_AUTH) {
		if (sa->state == SA_INIT_DONE && m->hdr.msgid == 1) {
			sa->last_rx_ms = eng->now;
			auth_request(sa, m);
		}
		return;
	}
	if (sa->state != SA_ESTABLISHED && sa->state != SA_DELETING) {
		return;
	}
	if (open_sk(sa, m) != 0) {
		if (eng->in_set.err.notify) {
			respond_notify(sa, m, eng->in_set.err.notify,
			    eng->in_set.err.data, eng->in_set.err.data_len);
		}
		return;
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
		ike_xchg_next_child(sa);
		break;
	case X_DELETE_IKE:
		sa->state = SA_DEAD;
		break;
	default:
		break;
	}
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
