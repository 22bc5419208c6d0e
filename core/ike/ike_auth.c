/*
 * ike_auth.c - IKE_AUTH with pre-shared keys (RFC 7296 1.2, 2.15): the
 * request with IDi, AUTH and the first flow's CHILD SA, INITIAL_CONTACT
 * when no other IKE SA may be left on the peer (2.4); the responder's
 * choice of VPN by IDs and selectors among those sharing the addresses;
 * authentication both ways; and, of two IKE SAs of one VPN made at once
 * by both ends, the one with the lower initiator SPI survives (both ends
 * see both SPIs and pick the same).  The CHILD SA it carries is made by
 * create_child_sa.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

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

void
auth_send(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	uint8_t idb[4 + CFG_ID_MAX], auth[CR_PRF_MAX];
	struct cfg_id me;
	size_t idl, len;
	struct pld_wr pw;

	xchg_own_id(sa, &me);
	idl = xchg_id_body(&me, idb);
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_id(&pw, IKEV2_PL_IDI, me.type, me.data, me.len);
	if (!vpn_has_other_sa(sa)) {
		/* RFC 7296 2.4: this IKE SA is to be the only one with
		 * the peer (first since start, or the old one was lost) */
		pld_put_notify(&pw, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_INITIAL_CONTACT, NULL, 0);
	}
	if (xchg_psk_auth(sa, 1, idb, idl, auth) != 0) {
		ike_sa_free(sa);
		return;
	}
	pld_put_auth(&pw, IKEV2_AUTH_SHARED_KEY_MIC, auth, sa->prf->out_len);
	sa->xchg_child = -1;
	if (c->n_flows > 0 && child_alloc_spi(sa, 0) == 0) {
		sa->child[0].flow = 0;
		xchg_flow_ts(&c->flows[0].local, &sa->child[0].ts_l);
		xchg_flow_ts(&c->flows[0].remote, &sa->child[0].ts_r);
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
	struct ike_vpn_it it = { .peer = &sa->peer, .idi = &in->idi };
	struct ike_vpn *v;

	while ((v = ike_vpn_auth_next(eng, &it)) != NULL) {
		const struct cfg_vpn *c = v->cfg;
		struct ts_range tl, tr;
		int addr = xchg_vpn_addr_match(v, &sa->local, &sa->peer), score;

		if (addr == 0 || !xchg_id_matches(&c->dstid, &in->idi) ||
		    !xf_has(c->ikesa.enc, c->ikesa.n_enc, sa->enc) ||
		    !xf_has(c->ikesa.prf, c->ikesa.n_prf, sa->prf) ||
		    !xf_has(c->ikesa.dh, c->ikesa.n_dh, sa->dh) ||
		    (sa->integ != NULL &&
		    !xf_has(c->ikesa.integ, c->ikesa.n_integ, sa->integ))) {
			continue;
		}
		score = (c->dstid.type != CFG_ID_NONE) << 3 |
		    (PLD_HAS(in, IKEV2_PL_IDR) &&
		    xchg_id_matches(&c->srcid, &in->idr)) << 2 |
		    (addr == 2) << 1 |
		    (child_pick_flow(c, in, &tl, &tr) >= 0);
		/* in configuration order among equals */
		if (score > best_score ||
		    (score == best_score && v < best)) {
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
	    xchg_psk_auth(sa, of_init, id->body.p, id->body.len, want) != 0) {
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

static void
established(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	char where[200];

	ike_half_open_leave(sa);
	sa->state = SA_ESTABLISHED;
	sa->established_ms = eng->now;
	if (sa->vpn) {
		sa->vpn->handshake_ms = eng->now;
	}
	sa->builder = sa->initiator;
	sa->rekey_at = ike_rekey_time(sa);
	sa->up = 1;
	eng->st.ike_sas++;
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	ike_log(eng, IKE_LOG_NOTICE, sa,
	    "established IKE SA as %s, %s, %s %s %s %s",
	    sa->initiator ? "initiator" : "responder",
	    ike_sa_peer_str(sa, where, sizeof(where)), sa->enc->name,
	    sa->integ ? sa->integ->name : "-", sa->prf->name, sa->dh->name);
}

void
auth_request(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct pld_set *in = &eng->in_set;
	uint8_t idb[4 + CFG_ID_MAX], auth[CR_PRF_MAX];
	struct cfg_id me;
	size_t idl, len;
	struct pld_wr pw;
	struct ike_vpn *v;
	char where[200];
	int ic, claimed, rc;

	if ((rc = xchg_open_sk(sa, m)) != 0) {
		if (rc == -EBADMSG && in->err.notify) {
			/* authentic but malformed: answered, RFC 7296 2.21 */
			xchg_respond_notify(sa, m, in->err.notify, in->err.data,
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
	    !xchg_id_matches(&c->dstid, &in->idi) || !auth_ok(sa, 1, in)) {
		ike_log_remote(eng, IKE_LOG_WARN, sa,
		    "authentication failed: %s, %s",
		    PLD_HAS(in, IKEV2_PL_EAP) || !PLD_HAS(in, IKEV2_PL_AUTH) ?
		    "peer wants EAP, only PSK is configured" :
		    !xchg_id_matches(&c->dstid, &in->idi) ?
		    "peer ID does not match dstid" : "PSK mismatch",
		    ike_sa_peer_str(sa, where, sizeof(where)));
		eng->st.auth_failures++;
		xchg_respond_notify(sa, m, IKEV2_N_AUTHENTICATION_FAILED, NULL,
		    0);
		ike_sa_free(sa);
		return;
	}
	ic = pld_find_notify(in, IKEV2_N_INITIAL_CONTACT) != NULL;
	xchg_own_id(sa, &me);
	idl = xchg_id_body(&me, idb);
	if (xchg_psk_auth(sa, 0, idb, idl, auth) != 0) {
		ike_sa_free(sa);
		return;
	}
	/* Before the answer is built: replacing another IKE SA sends a
	 * DELETE through the same scratch buffers. */
	established(sa);
	claimed = claim_vpn(sa, ic);
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_id(&pw, IKEV2_PL_IDR, me.type, me.data, me.len);
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

int
auth_answer(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const struct cfg_vpn *c = sa->vpn->cfg;
	struct pld_set *in = &eng->in_set;
	const struct pld_notify *n;
	char where[200];

	if (xchg_open_sk(sa, m) != 0) {
		return 0;	/* not authentic: keep waiting, retransmit */
	}
	ike_request_done(sa);
	n = xchg_first_error(in);
	if (n && (!PLD_HAS(in, IKEV2_PL_AUTH) ||
	    n->type == IKEV2_N_AUTHENTICATION_FAILED)) {
		xchg_count_failure(eng, n->type);
		ike_log(eng, IKE_LOG_WARN, sa, "IKE_AUTH failed: peer "
		    "answered %s, %s", ikev2_notify_name(n->type),
		    ike_sa_peer_str(sa, where, sizeof(where)));
		ike_sa_free(sa);
		return 0;
	}
	if (!PLD_HAS(in, IKEV2_PL_IDR) ||
	    !xchg_id_matches(&c->dstid, &in->idr) || !auth_ok(sa, 0, in)) {
		ike_log(eng, IKE_LOG_WARN, sa,
		    "authentication of the peer failed: %s, %s",
		    PLD_HAS(in, IKEV2_PL_IDR) &&
		    !xchg_id_matches(&c->dstid, &in->idr) ?
		    "peer ID does not match dstid" : "PSK mismatch",
		    ike_sa_peer_str(sa, where, sizeof(where)));
		eng->st.auth_failures++;
		ike_xchg_delete_now(sa);
		ike_sa_free(sa);
		return 0;
	}
	established(sa);
	if (!claim_vpn(sa, 0)) {
		ike_xchg_delete_now(sa);
		sa->state = SA_DEAD;
		return 0;
	}
	if (sa->xchg_child >= 0) {
		child_answer(sa, sa->xchg_child, in, 0);
	}
	ike_sa_drop_nonces(sa);
	return 1;
}
