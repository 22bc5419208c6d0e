/*
 * ike_work.c - Diffie-Hellman off the engine's thread (env->work).
 *
 * A responder's IKE_SA_INIT costs one key generation and one shared
 * secret: all of its CPU, next to which parsing and key derivation are
 * noise.  With env->work the engine hands that computation out as an
 * item holding everything it needs (ike_int.h), so the daemon can run
 * several on as many cores while the engine goes on answering others; the
 * result comes back through ike_work_done() (ike.c), in whatever order the
 * daemon finishes them.  Without env->work (tests, single-core builds) the
 * exchange computes the same item in place, so both ways share one code
 * path.
 *
 * What may change while an item is out: the SA may expire, be deleted
 * or be freed by a reload, and a new one may even take its SPI.  The item
 * names the SA by SPI and creation number; a result that finds neither
 * is dropped (st.dh_stale).
 */
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"

/* see ike_int.h */
struct ike_work *
ike_work_new(struct ike_sa *sa, uint8_t kind)
{
	struct ike_work *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		return NULL;
	}
	w->kind = kind;
	memcpy(w->spi, sa->initiator ? sa->spi_i : sa->spi_r, 8);
	w->seq = sa->seq;
	return w;
}

/* see ike_int.h */
int
ike_keys_derive(const struct cr_alg *prf, const struct cr_alg *enc,
    const struct cr_alg *integ, const uint8_t *gir, size_t glen,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const uint8_t spi_i[8], const uint8_t spi_r[8], struct cr_ike_keys *k)
{
	uint8_t seed[CR_PRF_MAX];
	int rc;

	rc = cr_skeyseed(prf, ni, ni_len, nr, nr_len, gir, glen, seed);
	if (rc == 0) {
		rc = cr_ike_keys(prf, enc, (enc->flags & CR_F_AEAD) ? NULL :
		    integ, seed, ni, ni_len, nr, nr_len, spi_i, spi_r, k);
	}
	cr_wipe(seed, sizeof(seed));
	return rc;
}

/* see ike.h */
void
ike_work_run(struct ike_work *w)
{
	size_t plen = 0, glen = 0;

	w->rc = 0;
	if (w->kind != IKE_WORK_REPLAY_SHARED) {
		w->rc = cr_dh_public_of(&w->dhc, w->pub, &plen);
	}
	if (w->rc == 0 && w->kind != IKE_WORK_KEYPAIR) {
		w->rc = cr_dh_shared(&w->dhc, w->peer, w->peer_len, w->gir,
		    &glen);
	}
	w->pub_len = (uint16_t)plen;
	w->gir_len = (uint16_t)glen;
	if (w->kind == IKE_WORK_INIT_R && w->rc == 0) {
		/* the keys too: a dozen HMACs the loop need not spend */
		w->rc = ike_keys_derive(w->prf, w->enc, w->integ, w->gir,
		    w->gir_len, w->ni, w->ni_len, w->nr, w->nr_len, w->spi_i,
		    w->spi_r, &w->keys);
		cr_wipe(w->gir, sizeof(w->gir));
	}
	if (w->kind == IKE_WORK_INIT_R) {
		cr_dh_wipe(&w->dhc);	/* a replay matches on it; a key
					 * pair keeps it for the pool */
	}
}

/* see ike.h */
void
ike_work_discard(struct ike_work *w)
{
	if (w != NULL) {
		free(w->raw);
		cr_wipe(w, sizeof(*w));
		free(w);
	}
}

/* see ike_int.h */
int
ike_work_start(struct ike_engine *eng, struct ike_work *w)
{
	if (eng->env.work == NULL) {
		return -1;
	}
	eng->st.dh_offloaded++;
	eng->env.work(eng->env.ctx, w);
	return 0;
}

/* see ike_int.h */
struct ike_sa *
ike_work_sa(struct ike_engine *eng, const struct ike_work *w)
{
	struct ike_sa *sa = ike_sa_by_spi(eng, w->spi);

	if (sa == NULL || sa->seq != w->seq) {
		return NULL;
	}
	switch (w->kind) {
	case IKE_WORK_INIT_R:
		return sa->state == SA_INIT_WORK ? sa : NULL;
	case IKE_WORK_REPLAY_BOTH:
	case IKE_WORK_REPLAY_SHARED:
	case IKE_WORK_DEFER:
		return sa->working[w->resp] &&
		    sa->work_msgid[w->resp] == w->msgid &&
		    sa->state != SA_DEAD ? sa : NULL;
	default:
		return NULL;
	}
}

/* The datagram being handled, its addresses, direction and Message ID
 * into w, and sa marked as waiting for it. */
static int
work_take_datagram(struct ike_sa *sa, const struct msg *m, struct ike_work *w)
{
	struct ike_engine *eng = sa->eng;

	if ((w->raw = malloc(eng->rx_raw_len)) == NULL) {
		return -1;
	}
	memcpy(w->raw, eng->rx_raw, eng->rx_raw_len);
	w->raw_len = eng->rx_raw_len;
	w->local = eng->rx_local;
	w->peer_addr = eng->rx_peer;
	w->resp = (m->hdr.flags & IKEV2_FLAG_R) != 0;
	w->msgid = m->hdr.msgid;
	w->after = sa->working[!w->resp];
	w->after_msgid = sa->work_msgid[!w->resp];
	sa->working[w->resp] = 1;
	sa->work_msgid[w->resp] = w->msgid;
	return 0;
}

/* see ike_int.h */
int
ike_work_replay(struct ike_sa *sa, const struct msg *m,
    const struct pld_set *in, const struct cr_dh *secret)
{
	struct ike_engine *eng = sa->eng;
	const struct cr_alg *g;
	struct ike_work *w;

	if (eng->env.work == NULL || eng->pre != NULL || eng->rx_frag ||
	    eng->rx_raw == NULL || !PLD_HAS(in, IKEV2_PL_KE)) {
		return 0;
	}
	/* an answer: our request's secret (none: no PFS, nothing to do) */
	g = secret != NULL ? secret->group :
	    cr_alg_by_id(CR_DH, in->ke.group, 0);
	if (g == NULL || g->refused || in->ke.group != g->id ||
	    in->ke.data.len != g->out_len ||
	    (secret != NULL && secret->secret_len == 0)) {
		return 0;	/* handled now: refused there, as before */
	}
	w = ike_work_new(sa, secret != NULL ? IKE_WORK_REPLAY_SHARED :
	    IKE_WORK_REPLAY_BOTH);
	if (w == NULL) {
		return 0;
	}
	if (secret != NULL) {
		w->dhc = *secret;
	} else if (cr_dh_secret(&w->dhc, g) != 0) {
		ike_work_discard(w);
		return 0;
	}
	w->peer_len = (uint16_t)in->ke.data.len;
	memcpy(w->peer, in->ke.data.p, w->peer_len);
	if (work_take_datagram(sa, m, w) != 0) {
		ike_work_discard(w);
		return 0;
	}
	(void)ike_work_start(eng, w);	/* env->work is set */
	return 1;
}

/* see ike_int.h */
int
ike_work_defer(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	int resp = (m->hdr.flags & IKEV2_FLAG_R) != 0;
	struct ike_work *w;

	if (!sa->working[!resp] || eng->pre != NULL || eng->rx_frag ||
	    eng->rx_raw == NULL) {
		return 0;
	}
	w = ike_work_new(sa, IKE_WORK_DEFER);
	if (w == NULL || work_take_datagram(sa, m, w) != 0) {
		ike_work_discard(w);
		return 0;	/* handled now, as before */
	}
	w->next = eng->parked;
	eng->parked = w;
	return 1;
}

/* Asks the workers for a key pair of group, unless enough are coming. */
static void
keypool_refill(struct ike_engine *eng, const struct cr_alg *group)
{
	struct ike_work *w;

	if (eng->env.work == NULL || eng->keypool_out >= IKD_KEYPOOL ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		return;
	}
	w->kind = IKE_WORK_KEYPAIR;
	if (cr_dh_secret(&w->dhc, group) != 0) {
		ike_work_discard(w);
		return;
	}
	eng->keypool_out++;
	(void)ike_work_start(eng, w);
}

/* see ike_int.h */
void
ike_keypool_put(struct ike_engine *eng, struct ike_work *w)
{
	struct ike_keypair *k = &eng->keypool[0];

	if (eng->keypool_out > 0) {
		eng->keypool_out--;
	}
	if (w->rc != 0 || w->dhc.group == NULL) {
		return;
	}
	for (int i = 0; i < IKD_KEYPOOL; i++) {
		struct ike_keypair *e = &eng->keypool[i];

		if (e->dh.group == NULL) {
			k = e;
			break;
		}
		if (e->made < k->made) {
			k = e;	/* full: the oldest goes */
		}
	}
	cr_wipe(k, sizeof(*k));
	k->dh = w->dhc;
	k->pub_len = w->pub_len;
	memcpy(k->pub, w->pub, w->pub_len);
	k->made = ++eng->keypool_seq;
}

/* see ike_int.h */
void
ike_keypool_wipe(struct ike_engine *eng)
{
	cr_wipe(eng->keypool, sizeof(eng->keypool));
}

/* see ike_int.h */
int
xchg_dh_keygen(struct ike_engine *eng, struct cr_dh *dh,
    const struct cr_alg *group, uint8_t *pub, size_t *publen)
{
	struct ike_work *w = eng->pre;

	if (w != NULL && w->kind == IKE_WORK_REPLAY_BOTH && !w->keygen_taken &&
	    w->dhc.group == group && w->pub_len > 0) {
		w->keygen_taken = 1;
		*dh = w->dhc;
		memcpy(pub, w->pub, w->pub_len);
		*publen = w->pub_len;
		return 0;
	}
	for (int i = 0; i < IKD_KEYPOOL; i++) {
		struct ike_keypair *k = &eng->keypool[i];

		if (k->dh.group == group) {
			*dh = k->dh;
			memcpy(pub, k->pub, k->pub_len);
			*publen = k->pub_len;
			cr_wipe(k, sizeof(*k));
			eng->st.dh_ahead++;
			keypool_refill(eng, group);
			return 0;
		}
	}
	keypool_refill(eng, group);	/* for the next one */
	return cr_dh_keygen(dh, group, pub, publen);
}

/* see ike_int.h */
int
xchg_dh_shared(struct ike_engine *eng, struct cr_dh *dh, const uint8_t *peer,
    size_t len, uint8_t *gir, size_t *glen)
{
	struct ike_work *w = eng->pre;

	if (w != NULL && dh->group != NULL && dh->group == w->dhc.group &&
	    dh->secret_len == w->dhc.secret_len &&
	    cr_ct_eq(dh->secret, w->dhc.secret, dh->secret_len) &&
	    len == w->peer_len && memcmp(peer, w->peer, len) == 0) {
		*glen = 0;
		if (w->rc != 0) {
			return w->rc;
		}
		memcpy(gir, w->gir, w->gir_len);
		*glen = w->gir_len;
		return 0;
	}
	return cr_dh_shared(dh, peer, len, gir, glen);
}
