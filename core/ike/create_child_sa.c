/*
 * create_child_sa.c - CHILD SAs (RFC 7296 1.3.1, 2.17): one per configured
 * flow, the first carried by IKE_AUTH, the others made with
 * CREATE_CHILD_SA and the childsa group as PFS; the responder narrows the
 * proposed selectors to its own policy (2.9); rekeys (1.3.3) with
 * collisions settled by nonces (2.8.1); refused answers whose SA the peer
 * installed are deleted (1.4.1); DELETEs of CHILD SAs (1.4.1).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

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
	ch->esn = pc->esn;
	ch->dh = create ? pc->dh : NULL;
	ch->spi_out = be32(pc->spi);
	ch->ts_l = *tl;
	ch->ts_r = *tr;
}

int
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
void
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
		if (ch->dh && xchg_dh_keygen(sa->eng, &sa->dhc, ch->dh, pub,
		    &plen) == 0) {
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
int
child_pick_flow(const struct cfg_vpn *c, const struct pld_set *in,
    struct ts_range *tl, struct ts_range *tr)
{
	{
		for (size_t f = 0; f < c->n_flows; f++) {
			struct ts_range fl, fr;
			int have_r = 0, have_l = 0;

			xchg_flow_ts(&c->flows[f].local, &fl);
			xchg_flow_ts(&c->flows[f].remote, &fr);
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

/* A CHILD SA lost a collision: so do the rekeys of it made meanwhile;
 * each is deleted by the end that made it. */
static void
child_redundant(struct ike_sa *sa, int idx, int depth)
{
	struct child_sa *x = &sa->child[idx];

	x->rekeyed = 1;
	x->redundant = 1;
	if (!x->by_peer && !x->del) {
		x->del = DEL_WANTED;
	}
	for (int i = 0; i < sa->n_slots && depth < 4; i++) {
		if (i != idx && sa->child[i].state == CHILD_INSTALLED &&
		    sa->child[i].rekey_of_in == x->spi_in &&
		    !sa->child[i].redundant) {
			child_redundant(sa, i, depth + 1);
		}
	}
}

/* Settles two rekeys of one CHILD SA (RFC 7296 2.8.1: the one with the
 * lowest nonce goes, closed by the end that made it); 1: ours stays. */
static int
child_collision(struct ike_sa *sa, int ours, int theirs)
{
	struct child_sa *a = &sa->child[ours], *b = &sa->child[theirs];

	if (xchg_nonce_cmp(a->lo, a->lo_len, b->lo, b->lo_len) < 0) {
		ike_log(sa->eng, IKE_LOG_INFO, sa, "simultaneous CHILD SA "
		    "rekey: ours (spi 0x%08x) has the lowest nonce, deleting "
		    "it, keeping spi 0x%08x", a->spi_in, b->spi_in);
		child_redundant(sa, ours, 0);
		return 0;
	}
	ike_log(sa->eng, IKE_LOG_INFO, sa, "simultaneous CHILD SA rekey: "
	    "keeping ours (spi 0x%08x), the peer deletes spi 0x%08x",
	    a->spi_in, b->spi_in);
	child_redundant(sa, theirs, 0);
	return 1;
}

/*
 * What the responder of a CHILD SA checks before it takes a slot: a
 * proposal it accepts, a configured flow the selectors fall in (or old's,
 * for a rekey), the KE of the chosen group when PFS.  Sets *pc, *tl, *tr
 * and *flow; returns 0, or -1 with the error notify written into pw.
 */
static int
respond_check(struct ike_sa *sa, const struct pld_set *in, struct pld_wr *pw,
    int create, const struct child_sa *old, struct prop_choice *pc,
    struct ts_range *tl, struct ts_range *tr, int *flow)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;

	if (prop_select(&in->sa, &c->childsa, IKEV2_PROTO_ESP,
	    create ? -1 : 0, pc) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "CHILD SA refused: no proposal chosen");
		eng->st.no_proposal++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_NO_PROPOSAL_CHOSEN,
		    NULL, 0);
		return -1;
	}
	if (old) {
		*tl = old->ts_l;
		*tr = old->ts_r;
		*flow = old->flow;
	} else {
		*flow = child_pick_flow(c, in, tl, tr);
	}
	if (*flow < 0 && old == NULL) {
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
	if (create && pc->dh && (!PLD_HAS(in, IKEV2_PL_KE) ||
	    in->ke.group != pc->dh->id)) {
		uint8_t g[2] = { (uint8_t)(pc->dh->id >> 8),
		    (uint8_t)pc->dh->id };

		eng->st.invalid_ke++;
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return -1;
	}
	return 0;
}

/*
 * The responder's slot for a new CHILD SA of flow with selectors tl/tr,
 * with an inbound SPI.  Without a rekey (prev NULL), the slot holding
 * these very selectors (a peer that lost them builds them again: the new
 * pair replaces the old), else a free one; several of the peer's narrower
 * flows may fall in one of ours (RFC 7296 2.9).  A rekey's SA takes
 * prev's reqid and PFS group, and remembers whose rekey it is (tomb: prev
 * is our own rekey of that SA, see child_respond()).  Returns the slot,
 * or -1 with the error notify written into pw.
 */
static int
respond_slot(struct ike_sa *sa, struct pld_wr *pw, int flow,
    const struct ts_range *tl, const struct ts_range *tr,
    const struct child_sa *prev, int tomb)
{
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct child_sa *ch;
	int slot = -1;

	for (int i = 0; i < sa->n_slots && prev == NULL; i++) {
		const struct child_sa *o = &sa->child[i];

		if (o->state == CHILD_INSTALLED && !o->rekeyed &&
		    !o->del && memcmp(&o->ts_l, tl, sizeof(*tl)) == 0 &&
		    memcmp(&o->ts_r, tr, sizeof(*tr)) == 0) {
			ike_child_remove(sa, i);
			slot = i;
			break;
		}
	}
	for (int i = 0; i < sa->n_slots && slot < 0 && prev == NULL; i++) {
		if (sa->child[i].state == CHILD_NONE) {
			slot = i;
		}
	}
	if (prev) {
		slot = free_slot(sa);
	}
	if (slot < 0) {
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_NO_ADDITIONAL_SAS, NULL,
		    0);
		return -1;
	}
	if (child_alloc_spi(sa, slot) != 0) {
		pld_put_notify(pw, 0, NULL, 0, IKEV2_N_TEMPORARY_FAILURE, NULL,
		    0);
		return -1;
	}
	ch = &sa->child[slot];
	ch->flow = (int8_t)flow;
	ch->by_peer = 1;
	ch->pfs = c->childsa.n_dh ? c->childsa.dh[0] : NULL;
	if (prev) {
		ch->reqid = prev->reqid;
		ch->rekey_of_in = tomb ? prev->rekey_of_in : prev->spi_in;
		ch->rekey_of_out = tomb ? prev->rekey_of_out : prev->spi_out;
		ch->pfs = prev->pfs;
	}
	return slot;
}

/*
 * The new CHILD SA's keys (RFC 7296 2.17): in IKE_AUTH from the
 * IKE_SA_INIT nonces; in CREATE_CHILD_SA from the request's nonce and our
 * fresh one (nr), with g^ir when PFS (our public value into pub/plen).
 * Returns 0, -EBADMSG (the peer's KE is unusable) or another -errno.
 */
static int
respond_keys(struct ike_sa *sa, struct child_sa *ch, const struct pld_set *in,
    int create, uint8_t nr[IKD_NONCE_LEN], uint8_t *pub, size_t *plen,
    struct cr_child_keys *keys)
{
	uint8_t gir[CR_DH_SHARED_MAX];
	struct cr_dh dhc = { 0 };
	size_t glen = 0;
	int rc;

	if (!create) {
		return cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, NULL, 0, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, keys);
	}
	rc = cr_rand(nr, IKD_NONCE_LEN);
	if (rc == 0 && ch->dh) {
		rc = xchg_dh_keygen(sa->eng, &dhc, ch->dh, pub, plen);
		if (rc == 0) {
			rc = xchg_dh_shared(sa->eng, &dhc, in->ke.data.p,
			    in->ke.data.len, gir, &glen);
		}
	}
	if (rc == 0) {
		rc = cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, glen ? gir : NULL, glen, in->nonce.p,
		    in->nonce.len, nr, IKD_NONCE_LEN, keys);
	}
	xchg_lo_set(ch->lo, &ch->lo_len, in->nonce.p, in->nonce.len, nr,
	    IKD_NONCE_LEN);
	cr_wipe(gir, sizeof(gir));
	cr_dh_wipe(&dhc);
	return rc;
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
int
child_respond(struct ike_sa *sa, const struct pld_set *in, struct pld_wr *pw,
    int create, const struct child_sa *old, int tomb)
{
	struct ike_engine *eng = sa->eng;
	struct prop_choice pc;
	struct ts_range tl, tr;
	struct cr_child_keys keys;
	uint8_t pub[CR_DH_PUB_MAX], nr[IKD_NONCE_LEN], spi[4];
	size_t plen = 0;
	struct child_sa *ch, prev = { 0 };
	int flow, slot, rc;

	if (!PLD_HAS(in, IKEV2_PL_SA) || !PLD_HAS(in, IKEV2_PL_TSI) ||
	    !PLD_HAS(in, IKEV2_PL_TSR)) {
		return -1;	/* IKE_AUTH without a CHILD SA (RFC 6023) */
	}
	if (old) {
		prev = *old;	/* old's slot may be reused below */
	}
	if (respond_check(sa, in, pw, create, old ? &prev : NULL, &pc, &tl,
	    &tr, &flow) != 0 ||
	    (slot = respond_slot(sa, pw, flow, &tl, &tr, old ? &prev : NULL,
	    tomb)) < 0) {
		return -1;
	}
	ch = &sa->child[slot];
	child_take(ch, &pc, create, &tl, &tr);
	if ((rc = respond_keys(sa, ch, in, create, nr, pub, &plen,
	    &keys)) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa, "CHILD SA refused: %s",
		    rc == -EBADMSG ? "bad KE payload" : strerror(-rc));
		ike_child_remove(sa, slot);
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
	(void)ike_child_install(sa, slot, &keys, 0);
	cr_child_keys_wipe(&keys);
	return slot;
}

/* Our rekey of a CHILD SA was refused: the new one goes, the old one is
 * tried again later (RFC 7296 2.25: TEMPORARY_FAILURE means soon). */
static void
child_rekey_failed(struct ike_sa *sa, int idx, uint16_t type)
{
	struct ike_engine *eng = sa->eng;
	int old = ike_child_by_spi(sa, sa->child[idx].rekey_of_in, 0);
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
	int old = ike_child_by_spi(sa, ch->rekey_of_in, 0);
	int sib = child_sibling(sa, idx, 1);
	int collided = sib >= 0 && sa->child[sib].state == CHILD_INSTALLED;

	if (old >= 0 && sa->child[old].redundant) {
		/* what we rekeyed lost a collision meanwhile: so does this
		 * rekey of it, the flow stays with the winner */
		ike_log(sa->eng, IKE_LOG_INFO, sa, "CHILD SA spi 0x%08x "
		    "replaces one that lost a simultaneous rekey, deleting it",
		    ch->spi_in);
		ch->rekeyed = ch->redundant = 1;
		ch->del = DEL_WANTED;
		if (!sa->child[old].del) {
			sa->child[old].del = DEL_WANTED;
		}
		return;
	}
	if (old >= 0) {
		sa->child[old].rekeyed = 1;
	}
	/* RFC 7296 2.8: the old SA is deleted by the end that initiated the
	 * rekey that stays, once that rekey is in place.  Deleted by the
	 * loser of a collision, it would go while the winner may still be
	 * computing its answer's DH: nothing could pass until it is done
	 * (our outbound SA for the winner's rekey is added when the old
	 * one goes). */
	if (collided && !child_collision(sa, idx, sib)) {
		return;
	}
	if (old >= 0) {
		if (!sa->child[old].del) {
			sa->child[old].del = DEL_WANTED;
		}
		return;
	}
	if (collided) {
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
			ch->del = DEL_WANTED;
			return;
		}
	}
}

/*
 * Initiator: the peer refused our CHILD SA request for slot idx with err.
 * INVALID_KE_PAYLOAD naming a group we also accept: the request goes
 * again with it (a rekey at once, a new flow at the next tick); a refused
 * rekey keeps the old SA and tries later; TEMPORARY_FAILURE retries the
 * flow after a random 1-4 s (RFC 7296 2.25); anything else fails the flow
 * on this IKE SA.
 */
static void
answer_error(struct ike_sa *sa, int idx, int create,
    const struct pld_notify *err)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct child_sa *ch = &sa->child[idx];
	int flow = ch->flow;

	if (create && err->type == IKEV2_N_INVALID_KE_PAYLOAD &&
	    err->data.len == 2) {
		uint16_t g = (uint16_t)(err->data.p[0] << 8 | err->data.p[1]);
		const struct cr_alg *a = cr_alg_by_id(CR_DH, g, 0);

		for (unsigned i = 0; a && i < c->childsa.n_dh; i++) {
			int old = ike_child_by_spi(sa, ch->rekey_of_in, 0);

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
					sa->child[old].rekey_at = eng->now;
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
		    "peer answered TEMPORARY_FAILURE, retrying", flow + 1);
		ike_child_remove(sa, idx);
		sa->build_at = eng->now + IKD_TEMPFAIL_MIN_MS +
		    ike_jitter(IKD_TEMPFAIL_MAX_MS - IKD_TEMPFAIL_MIN_MS, 0,
		    100);
		return;
	}
	xchg_count_failure(eng, err->type);
	ike_log(eng, IKE_LOG_WARN, sa, "CHILD SA for flow %d refused by peer: "
	    "%s", flow + 1, ikev2_notify_name(err->type));
	child_fail(sa, idx);
}

/*
 * The keys of the CHILD SA our request made (RFC 7296 2.17): in IKE_AUTH
 * from the IKE_SA_INIT nonces; in CREATE_CHILD_SA from our nonce (cnonce)
 * and the answer's, with g^ir when PFS (our DH state is wiped either
 * way).  Returns 0, -EBADMSG (the peer's KE is unusable) or -errno.
 */
static int
answer_keys(struct ike_sa *sa, const struct child_sa *ch,
    const struct pld_set *in, int create, struct cr_child_keys *keys)
{
	uint8_t gir[CR_DH_SHARED_MAX];
	size_t glen = 0;
	int rc = 0;

	if (create && ch->dh) {
		rc = xchg_dh_shared(sa->eng, &sa->dhc, in->ke.data.p,
		    in->ke.data.len, gir, &glen);
	}
	if (rc == 0) {
		rc = create ?
		    cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, glen ? gir : NULL, glen, sa->cnonce,
		    IKD_NONCE_LEN, in->nonce.p, in->nonce.len, keys) :
		    cr_child_keys(sa->prf, sa->keys.sk_d, sa->keys.d_len,
		    ch->enc, ch->integ, NULL, 0, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, keys);
	}
	cr_wipe(gir, sizeof(gir));
	cr_dh_wipe(&sa->dhc);
	return rc;
}

/*
 * Initiator: the answer to our CHILD SA request for slot idx, in IKE_AUTH
 * (create 0) or CREATE_CHILD_SA (a new flow, or a rekey).
 */
void
child_answer(struct ike_sa *sa, int idx, const struct pld_set *in, int create)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct child_sa *ch = &sa->child[idx];
	const struct pld_notify *err = xchg_first_error(in);
	struct prop_choice pc;
	struct cr_child_keys keys;
	struct ts_range tl, tr, ml, mr;
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
		answer_error(sa, idx, create, err);
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
	if ((rc = answer_keys(sa, ch, in, create, &keys)) != 0) {
		ike_log(eng, IKE_LOG_WARN, sa, "CHILD SA for flow %d: %s",
		    flow + 1, rc == -EBADMSG ? "bad KE payload" :
		    strerror(-rc));
		child_answer_refused(sa, idx, IKEV2_N_INVALID_SYNTAX);
		return;
	}
	if (create) {
		xchg_lo_set(ch->lo, &ch->lo_len, sa->cnonce, IKD_NONCE_LEN,
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
int
child_uncovered_flow(const struct ike_sa *sa)
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

void
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
	xchg_flow_ts(&c->flows[flow].local, &ch->ts_l);
	xchg_flow_ts(&c->flows[flow].remote, &ch->ts_r);
	if (child_send(sa, idx) != 0) {
		child_fail(sa, idx);
		sa->child[idx].flow = (int8_t)flow;
	}
}

void
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

/* One INFORMATIONAL with a DELETE for every CHILD SA marked DEL_WANTED and
 * every answer we refused (child_refuse()). */
void
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

		if (ch->state == CHILD_INSTALLED && ch->del == DEL_WANTED) {
			put_be32(spis + 4 * n++, ch->spi_in);
			ch->del = DEL_SENT;
			ike_child_stop_sending(sa, i);
			ike_log(eng, IKE_LOG_DEBUG, sa, "sending DELETE for "
			    "CHILD SA spi in 0x%08x out 0x%08x", ch->spi_in,
			    ch->spi_out);
		} else if (ch->del == DEL_WANTED) {
			ch->del = DEL_NONE;
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
			if (sa->child[i].del == DEL_SENT) {
				ike_child_remove(sa, i);
			}
		}
	}
}

/* The CHILD SA a REKEY_SA notify names (the peer's inbound SPI, our
 * outbound): *tomb set when it is gone but our own rekey of it is here. */
static int
rekey_target(const struct ike_sa *sa, uint32_t spi, int *tomb)
{
	int c = ike_child_by_spi(sa, spi, 1);

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
void
child_rekey_respond(struct ike_sa *sa, const struct pld_set *in,
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
	old = ike_child_by_spi(sa, old_in, 0);
	if (old >= 0) {
		sa->child[old].rekeyed = 1;	/* the peer deletes it */
	}
	/* ours of the same SA: installed (the late case: its answer came
	 * before this request) decides now; still out decides later */
	{
		int ours = child_sibling(sa, n, 0);

		if (ours >= 0 && sa->child[ours].state == CHILD_INSTALLED) {
			(void)child_collision(sa, ours, n);
		}
	}
}
