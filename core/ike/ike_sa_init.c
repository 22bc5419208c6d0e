/*
 * ike_sa_init.c - IKE_SA_INIT (RFC 7296 1.2): the initiator's request with
 * its retries after INVALID_KE_PAYLOAD (1.3) and COOKIE (2.6), the
 * responder's answer (a cookie when half-open SAs pile up, the VPN chosen
 * by addresses and proposals), the keys (2.14), errors before and after
 * the genuine answer (2.21.1), and notifies for malformed IKE_SA_INITs.
 * Its answer starts IKE_AUTH (ike_auth.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

/* The initiator's keys from the responder's KE payload. */
static int
ike_keys(struct ike_sa *sa, const uint8_t *peer_ke, size_t ke_len)
{
	uint8_t gir[CR_DH_SHARED_MAX];
	size_t glen = 0;
	int rc;

	rc = xchg_dh_shared(sa->eng, &sa->dhc, peer_ke, ke_len, gir, &glen);
	if (rc == 0) {
		rc = ike_keys_derive(sa->prf, sa->enc, sa->integ, gir, glen,
		    sa->ni, sa->ni_len, sa->nr, sa->nr_len, sa->spi_i,
		    sa->spi_r, &sa->keys);
	}
	cr_wipe(gir, sizeof(gir));
	if (rc == 0) {
		/* kept on failure: the initiator may get a genuine KE yet
		 * (init_wait()); ike_sa_free() wipes it in any case */
		cr_dh_wipe(&sa->dhc);
	}
	return rc;
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
	if (msg_wr_finish(&pw, &mlen) == 0) {
		ike_env_send(eng, local, peer, eng->tx, mlen);
	}
}

/* see ike_int.h */
void
ike_xchg_bad_message(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m, size_t len)
{
	struct msg_hdr h;
	struct pld_err err;
	struct prop_choice pc;
	int have_pc;

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
	/* Nor to a source no VPN names: a clear notify to anyone would
	 * reflect a spoofed flood at whoever's address it carries. */
	if (ike_vpn_for_init(eng, local, peer, NULL, &pc, &have_pc) == NULL) {
		return;
	}
	ike_log(eng, IKE_LOG_DEBUG, NULL, "malformed IKE_SA_INIT: answering %s",
	    ikev2_notify_name(m->pl.err.notify));
	init_notify(eng, local, peer, &h, m->pl.err.notify, m->pl.err.data,
	    m->pl.err.data_len);
}

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
	if (xchg_dh_keygen(eng, &sa->dhc, sa->dh, pub, &plen) != 0) {
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
	nat_put_detection(eng, &pw, sa->spi_i, NULL, &sa->local, &sa->peer);
	frag_announce(eng, &pw);
	if (msg_wr_finish(&pw, &len) != 0 ||
	    ike_keep_copy(&sa->init_req, &sa->init_req_len, eng->tx,
	    len) != 0) {
		return -ENOSPC;
	}
	sa->state = SA_INIT_SENT;
	return ike_send_request(sa, IKEV2_EXCH_IKE_SA_INIT, X_INIT, len);
}

/* see ike_int.h */
void
ike_xchg_initiate(struct ike_engine *eng, struct ike_vpn *v)
{
	const struct cfg_vpn *c = v->cfg;
	struct ike_addr local, peer;
	struct ike_sa *sa;
	char where[200];

	if (c->peer_host != NULL && !v->fresh) {
		ike_vpn_resolve(eng, v);	/* initiates with the answer */
		return;
	}
	v->fresh = 0;
	xchg_addr_from_ss(&local, &c->local);
	xchg_vpn_peer(v, &peer);
	if (peer.af == 0 || c->ikesa.n_dh == 0) {
		return;	/* "peer any" can only answer */
	}
	if (local.af == 0 && eng->env.source != NULL &&
	    eng->env.source(eng->env.ctx, &peer, &local) == 0) {
		/* `local = any`: the route's source, known before the first
		 * message so that NAT detection (RFC 7296 2.23) hashes it */
		local.port = 500;
	}	/* else learnt from the answer (ike_input) */
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

/* see ike_int.h */
void
ike_vpn_resolve(struct ike_engine *eng, struct ike_vpn *v)
{
	if (v->resolving) {
		return;
	}
	if (eng->env.resolve == NULL) {
		ike_log_vpn(eng, IKE_LOG_ERR, v, "peer %s: this program cannot "
		    "look up host names", v->cfg->peer_host);
		return;
	}
	v->resolving = 1;
	ike_log(eng, IKE_LOG_INFO, NULL, "%s: looking up peer %s",
	    v->cfg->name, v->cfg->peer_host);
	eng->env.resolve(eng->env.ctx, v->cfg->name, v->cfg->peer_host,
	    v->cfg->family == AF_INET6 ? 6 : 4);
}

static void
cookie_compute(const uint8_t secret[32], const struct msg *m,
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
	(void)cr_prf(prf, secret, 32, iov, 3, out);
}

/*
 * RFC 7296 2.6 suggests a new secret from time to time: every
 * IKD_COOKIE_ROTATE_MS, the secret becomes the previous one, whose cookies
 * still pass (a peer may be between our COOKIE and its retry), and a new
 * one is drawn.  Done when a cookie is needed, so an idle engine keeps no
 * timer for it.
 */
static void
cookie_rotate(struct ike_engine *eng)
{
	if (eng->now - eng->cookie_at < IKD_COOKIE_ROTATE_MS) {
		return;
	}
	memcpy(eng->cookie_prev, eng->cookie_secret, sizeof(eng->cookie_prev));
	if (cr_rand(eng->cookie_secret, sizeof(eng->cookie_secret)) != 0) {
		return;	/* keep the old secret rather than none */
	}
	eng->cookie_at = eng->now;
}

/* see ike_int.h */
void
ike_xchg_init_request(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m)
{
	struct ike_vpn *v;
	struct ike_sa *sa;
	struct prop_choice pc;
	int have_pc;
	unsigned src_open;
	struct ike_work *w;
	static const uint8_t zero[8];

	/* RFC 7296 3.1 and 2.2: the request of IKE_SA_INIT comes from the
	 * original initiator (I set), with a zero responder SPI and message
	 * ID 0.  Anything else is no IKE_SA_INIT to answer or to make state
	 * for (a retransmission keeps all three). */
	if (memcmp(m->hdr.rspi, zero, 8) != 0 || m->hdr.msgid != 0 ||
	    !(m->hdr.flags & IKEV2_FLAG_I)) {
		eng->st.dropped++;
		ike_log(eng, IKE_LOG_DEBUG, NULL, "IKE_SA_INIT request with %s: "
		    "dropped", m->hdr.msgid != 0 ? "a message ID other than 0" :
		    !(m->hdr.flags & IKEV2_FLAG_I) ? "the I flag clear" :
		    "a responder SPI");
		return;
	}
	sa = ike_sa_by_ispi(eng, m->hdr.ispi, peer);
	if (sa) {
		if (sa->state == SA_INIT_DONE && sa->have_resp &&
		    sa->resp_msgid == 0) {
			frag_send_list(sa, sa->resp, sa->resp_len, 0);
		}
		return;	/* a retransmission, answered the same way */
	}
	/* Anti-DoS: unknown peers cost nothing (no DH, no state). */
	v = ike_vpn_for_init(eng, local, peer, NULL, &pc, &have_pc);
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
	src_open = ike_src_half_open(eng, peer);
	if (src_open >= IKD_SRC_HALF_OPEN_MAX ||
	    eng->n_half_open >= IKD_HALF_OPEN_MAX) {
		/* no answer: a flood gets nothing to reflect */
		eng->st.dropped++;
		eng->st.init_refused++;
		return;
	}
	if (eng->n_half_open >= IKD_COOKIE_THRESHOLD ||
	    src_open >= IKD_SRC_COOKIE_AFTER) {
		/* RFC 7296 2.6: a stateless cookie first, no DH before it
		 * comes back from the source's address */
		const struct pld_notify *n = pld_find_notify(&m->pl,
		    IKEV2_N_COOKIE);
		uint8_t want[32], prev[32];

		int ok;

		cookie_rotate(eng);
		cookie_compute(eng->cookie_secret, m, peer, want);
		ok = n != NULL && n->data.len == sizeof(want) &&
		    cr_ct_eq(n->data.p, want, sizeof(want));
		if (!ok && n != NULL && n->data.len == sizeof(prev)) {
			/* the previous secret's, only when asked */
			cookie_compute(eng->cookie_prev, m, peer, prev);
			ok = cr_ct_eq(n->data.p, prev, sizeof(prev));
		}
		if (!ok) {
			eng->st.cookies_sent++;
			init_notify(eng, local, peer, &m->hdr, IKEV2_N_COOKIE,
			    want, sizeof(want));
			return;
		}
	}
	v = ike_vpn_for_init(eng, local, peer, PLD_HAS(&m->pl, IKEV2_PL_SA) ?
	    &m->pl.sa : NULL, &pc, &have_pc);
	if (!have_pc) {
		char p[64];

		ts_addr_format(peer->af, peer->ip, p, sizeof(p));
		ike_log_remote(eng, IKE_LOG_WARN, NULL,
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
	nat_detect(sa, m, local, peer);
	sa->frag = frag_supported(eng, &m->pl);
	w = ike_work_new(sa, IKE_WORK_INIT_R);
	if (w == NULL || m->pl.ke.data.len > sizeof(w->peer) ||
	    cr_rand(sa->nr, sa->nr_len) != 0 ||
	    cr_dh_secret(&w->dhc, sa->dh) != 0 ||
	    ike_keep_copy(&sa->init_req, &sa->init_req_len, m->buf, m->len)) {
		ike_work_discard(w);
		ike_sa_free(sa);
		return;
	}
	w->pc = pc;
	w->peer_len = (uint16_t)m->pl.ke.data.len;
	memcpy(w->peer, m->pl.ke.data.p, w->peer_len);
	w->prf = sa->prf;
	w->enc = sa->enc;
	w->integ = sa->integ;
	memcpy(w->spi_i, sa->spi_i, 8);
	memcpy(w->spi_r, sa->spi_r, 8);
	w->ni_len = sa->ni_len;
	memcpy(w->ni, sa->ni, sa->ni_len);
	w->nr_len = sa->nr_len;
	memcpy(w->nr, sa->nr, sa->nr_len);
	w->keys.sk_pi = w->sk_p[0];
	w->keys.sk_pr = w->sk_p[1];
	/* Half-open from now on: a flood of genuine requests is bounded by
	 * the caps above, computed or not yet. */
	ike_half_open_enter(sa);
	sa->state = SA_INIT_WORK;
	sa->expire_at = eng->now + IKD_HALF_OPEN_TIMEOUT_MS;
	if (ike_work_start(eng, w) != 0) {
		ike_work_run(w);
		init_work_done(sa, w);
		ike_work_discard(w);
	}
}

/* see ike_int.h: the responder's DH is done, the answer goes out. */
void
init_work_done(struct ike_sa *sa, struct ike_work *w)
{
	struct ike_engine *eng = sa->eng;
	size_t len;
	struct msg_hdr h;
	struct pld_wr pw;
	char where[200];

	sa->state = SA_INIT_DONE;
	if (w->rc != 0) {
		ike_log_remote(eng, IKE_LOG_WARN, sa,
		    "IKE_SA_INIT: bad KE payload from %s, dropped",
		    ike_sa_peer_str(sa, where, sizeof(where)));
		ike_sa_free(sa);
		return;
	}
	{
		/* derived with the DH (ike_work.c); SK_p live in the SA's
		 * handshake buffer, until IKE_AUTH is done */
		uint8_t *pi = sa->keys.sk_pi, *pr = sa->keys.sk_pr;

		sa->keys = w->keys;
		sa->keys.sk_pi = pi;
		sa->keys.sk_pr = pr;
		memcpy(pi, w->sk_p[0], w->keys.p_len);
		memcpy(pr, w->sk_p[1], w->keys.p_len);
	}
	msg_hdr_set(&h, sa->spi_i, sa->spi_r, IKEV2_EXCH_IKE_SA_INIT,
	    IKEV2_FLAG_R, 0);
	msg_wr_init(&pw, eng->tx, sizeof(eng->tx), &h);
	prop_put_choice(&pw, IKEV2_PROTO_IKE, &w->pc);
	pld_put_ke(&pw, sa->dh->id, w->pub, w->pub_len);
	pld_put_nonce(&pw, sa->nr, sa->nr_len);
	if (sa->natt) {
		/* RFC 7296 2.23: only to a peer that sent its own */
		nat_put_detection(eng, &pw, sa->spi_i, sa->spi_r, &sa->local,
		    &sa->peer);
	}
	if (sa->frag) {
		frag_announce(eng, &pw);
	}
	if (msg_wr_finish(&pw, &len) != 0 ||
	    ike_keep_copy(&sa->init_resp, &sa->init_resp_len, eng->tx, len)) {
		ike_sa_free(sa);
		return;
	}
	sa->msgid_in = 1;
	(void)ike_send_response(sa, 0, len);
	ike_log_remote(eng, IKE_LOG_INFO, sa, "IKE_SA_INIT answered, %s, "
	    "%s %s %s %s", ike_sa_peer_str(sa, where, sizeof(where)), sa->enc->name,
	    sa->integ ? sa->integ->name : "-", sa->prf->name, sa->dh->name);
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

void
init_answer(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	const struct pld_notify *n;
	struct prop_choice pc;

	n = pld_find_notify(&m->pl, IKEV2_N_COOKIE);
	if (n && n->data.len >= 1 && n->data.len <= IKD_COOKIE_MAX &&
	    sa->cookie != NULL && sa->cookie_len == 0) {
		sa->cookie_len = (uint8_t)n->data.len;
		memcpy(sa->cookie, n->data.p, n->data.len);
		ike_log(eng, IKE_LOG_DEBUG, sa, "IKE_SA_INIT: the peer asks "
		    "for a COOKIE (RFC 7296 2.6), sending it again with one");
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
	n = xchg_first_error(&m->pl);
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
	if (ike_work_replay(sa, m, &m->pl, &sa->dhc)) {
		return;	/* its DH first, then this answer again */
	}
	memcpy(sa->spi_r, m->hdr.rspi, 8);
	sa->enc = pc.enc;
	sa->integ = pc.integ;
	sa->prf = pc.prf;
	sa->nr_len = (uint16_t)m->pl.nonce.len;
	memcpy(sa->nr, m->pl.nonce.p, sa->nr_len);
	if (ike_keys(sa, m->pl.ke.data.p, m->pl.ke.data.len) != 0 ||
	    ike_keep_copy(&sa->init_resp, &sa->init_resp_len, m->buf,
	    m->len)) {
		init_wait(sa, IKD_INIT_BAD_KE);
		return;
	}
	nat_detect(sa, m, &eng->rx_local, &eng->rx_peer);
	sa->frag = frag_supported(eng, &m->pl);
	nat_float(sa);
	ike_request_done(sa);
	auth_send(sa);
}

/* see ike_int.h */
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
		xchg_count_failure(sa->eng, sa->init_error);
		ike_log(sa->eng, IKE_LOG_WARN, sa, "IKE_SA_INIT failed: peer "
		    "answered %s, %s", ikev2_notify_name(sa->init_error),
		    ike_sa_peer_str(sa, where, sizeof(where)));
	}
	ike_sa_free(sa);
}
