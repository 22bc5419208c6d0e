/*
 * ike_rekey.c - rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 1.3.2,
 * 2.18): the new SA's keys from the old SK_d, the CHILD SAs handed over,
 * collisions (2.8.2: the exchange with the lowest nonce loses), the old
 * SA deleted by the exchange's initiator.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), then the new keys. */
static int
rekey_keys(const struct ike_sa *old, struct ike_sa *nsa, const uint8_t *ke,
    size_t ke_len)
{
	uint8_t gir[CR_DH_SHARED_MAX], seed[CR_PRF_MAX];
	size_t glen = 0;
	int rc;

	rc = xchg_dh_shared(nsa->eng, &nsa->dhc, ke, ke_len, gir, &glen);
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
	xchg_lo_set(nsa->lo, &nsa->lo_len, nsa->ni, nsa->ni_len, nsa->nr,
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
	if (nsa->vpn) {
		nsa->vpn->handshake_ms = eng->now;
	}
	nsa->last_rx_ms = eng->now;
	nsa->builder = old->builder;
	nsa->rekey_at = ike_rekey_time(nsa);
	nsa->up = 1;
	eng->st.ike_sas++;
	eng->st.rekeys_ike++;
	ike_sa_drop_nonces(nsa);	/* keys and lo made, Nr sent */
}

void
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
	nat_inherit(nsa, sa);
	sa->rekey_new = nsa;
	nsa->dh = sa->rekey_dh ? sa->rekey_dh : sa->dh;
	nsa->ni_len = IKD_NONCE_LEN;
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	if (cr_rand(nsa->ni, nsa->ni_len) != 0 ||
	    xchg_dh_keygen(sa->eng, &nsa->dhc, nsa->dh, pub, &plen) != 0) {
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

	if (xchg_nonce_cmp(ours->lo, ours->lo_len, theirs->lo,
	    theirs->lo_len) < 0) {
		ike_log(eng, IKE_LOG_INFO, old, "simultaneous IKE SA rekey: "
		    "ours has the lowest nonce, deleting it");
		ike_sa_rekey_adopt(old, theirs);
		ike_xchg_delete_ike(ours);
		return;
	}
	ike_log(eng, IKE_LOG_INFO, old, "simultaneous IKE SA rekey: keeping "
	    "ours, the peer deletes its own");
	ike_sa_rekey_adopt(old, ours);
	ike_xchg_delete_ike(old);
}

void
rekey_ike_answer(struct ike_sa *sa, const struct pld_set *in)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct ike_sa *nsa = sa->rekey_new, *peer_new = sa->rekey_peer;
	const struct pld_notify *err = xchg_first_error(in);
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
			/* theirs stands */
			ike_sa_rekey_adopt(sa, peer_new);
		}
		return;
	}
	sa->rekey_dh = NULL;
	rekey_established(sa, nsa);
	if (peer_new && peer_new->state == SA_ESTABLISHED) {
		rekey_ike_collision(sa, nsa, peer_new);
		return;
	}
	ike_sa_rekey_adopt(sa, nsa);
	/* the initiator of the rekey deletes the old IKE SA (2.18) */
	ike_xchg_delete_ike(sa);
}

/* The peer rekeys the IKE SA: answers SA, Nr, KEr into pw (or an error). */
void
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
	nat_inherit(nsa, sa);
	nsa->enc = pc.enc;
	nsa->integ = pc.integ;
	nsa->prf = pc.prf;
	nsa->dh = pc.dh;
	nsa->ni_len = (uint16_t)in->nonce.len;
	memcpy(nsa->ni, in->nonce.p, nsa->ni_len);
	nsa->nr_len = IKD_NONCE_LEN;
	if (cr_rand(nsa->nr, nsa->nr_len) != 0 ||
	    xchg_dh_keygen(sa->eng, &nsa->dhc, nsa->dh, pub, &plen) != 0) {
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
	ike_sa_rekey_adopt(sa, nsa);
}
