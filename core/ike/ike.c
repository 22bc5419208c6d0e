/*
 * ike.c - the IKEv2 engine's entry points (core/ike/ike.h): every received
 * datagram dispatched to its exchange (RFC 7296), the timers (what is due
 * for each IKE SA and VPN: retransmission with iked's 2 s doubling and 5
 * tries, liveness checks, half-open expiry, rekeys, the re-initiation of
 * active VPNs with back-off; each deadline kept in a min-heap so that
 * neither ike_next_timer() nor ike_tick() walks every SA), the choice of
 * the next exchange an IKE SA starts, configuration and reload, and the
 * views ikectl shows.
 *
 * Calls go one way: this file -> the exchanges (ike_sa_init.c,
 * ike_auth.c, create_child_sa.c, ike_rekey.c, informational.c, with
 * exchange.c for what they share) -> the IKE SA table and sending
 * (ike_sa.c) -> CHILD SAs in the kernel (ike_kern.c) -> ike_base.c.
 * docs/architecture.md draws the whole path.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "core/wire/msg.h"

/* ---- what the next exchange of an IKE SA is ---- */

static int
msgid_low(const struct ike_sa *sa)
{
	return !sa->msgid_noted && (sa->msgid_out >= IKD_MSGID_REKEY ||
	    sa->msgid_in >= IKD_MSGID_REKEY);
}

static uint64_t
next_exchange_due(const struct ike_sa *sa)
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
		if (sa->child[i].del == DEL_WANTED) {
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
	if (child_uncovered_flow(sa) >= 0 && sa->build_at < t) {
		t = sa->build_at;
	}
	return t;
}

static void
next_exchange(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	uint64_t now = eng->now;
	int f;

	if (sa->state != SA_ESTABLISHED || sa->req != NULL ||
	    sa->vpn == NULL) {
		return;
	}
	for (int i = 0; i < sa->n_slots; i++) {
		if (sa->child[i].del == DEL_WANTED || sa->n_refused > 0) {
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
	f = child_uncovered_flow(sa);
	if (f >= 0 && sa->build_at <= now) {
		child_create(sa, f);
	}
}

/* ---- dispatch of requests and answers to their exchange ---- */

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
		child_rekey_respond(sa, in, rn, &pw);
	} else {
		(void)child_respond(sa, in, &pw, 1, NULL, 0);
	}
	if (ike_build(sa, IKEV2_EXCH_CREATE_CHILD_SA, 1, m->hdr.msgid, &pw,
	    &len) == 0) {
		(void)ike_send_response(sa, m->hdr.msgid, len);
	}
	sa->msgid_in = m->hdr.msgid + 1;
}

static void
request_dispatch(struct ike_sa *sa, const struct msg *m)
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
	if ((rc = xchg_open_sk(sa, m)) != 0) {
		if (rc == -EBADMSG && eng->in_set.err.notify) {
			/* authentic but malformed: answered, RFC 7296 2.21 */
			xchg_respond_notify(sa, m, eng->in_set.err.notify,
			    eng->in_set.err.data, eng->in_set.err.data_len);
		}
		return;	/* not authentic: dropped, nothing changes */
	}
	if (m->hdr.exchange == IKEV2_EXCH_CREATE_CHILD_SA &&
	    ike_work_replay(sa, m, &eng->in_set, NULL)) {
		return;	/* its DH first, then this datagram again */
	}
	if (ike_work_defer(sa, m)) {
		return;	/* after the answer whose DH is out */
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
		xchg_respond_notify(sa, m, IKEV2_N_INVALID_SYNTAX, NULL, 0);
		break;
	}
}

static void
answer_dispatch(struct ike_sa *sa, const struct msg *m)
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
		if (auth_answer(sa, m)) {
			next_exchange(sa);
		}
		return;
	}
	if (xchg_open_sk(sa, m) != 0) {
		return;
	}
	if ((x == X_CHILD &&
	    ike_work_replay(sa, m, &eng->in_set, &sa->dhc)) ||
	    (x == X_REKEY_IKE && sa->rekey_new != NULL &&
	    ike_work_replay(sa, m, &eng->in_set, &sa->rekey_new->dhc))) {
		return;	/* its DH first, then this datagram again */
	}
	if (ike_work_defer(sa, m)) {
		return;	/* after the request whose DH is out */
	}
	sa->last_rx_ms = eng->now;
	ike_request_done(sa);
	switch (x) {
	case X_CHILD:
		child_answer(sa, sa->xchg_child, &eng->in_set, 1);
		break;
	case X_DELETE_CHILD:
		for (int i = 0; i < sa->n_slots; i++) {
			if (sa->child[i].del == DEL_SENT) {
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
	next_exchange(sa);
}

/* ---- timers ---- */

static uint64_t
dpd_due(const struct ike_engine *eng, const struct ike_sa *sa)
{
	uint32_t iv = eng->cfg ? eng->cfg->dpd_check_interval : 0;

	if (iv == 0 || sa->state != SA_ESTABLISHED || sa->req != NULL) {
		return UINT64_MAX;
	}
	return sa->last_rx_ms + (uint64_t)iv * 1000;
}

/* An established IKE SA that is not its VPN's and carries nothing: the
 * loser of a race whose creator did not delete it. */
static uint64_t
stray_due(const struct ike_sa *sa)
{
	if (sa->state != SA_ESTABLISHED || sa->req != NULL ||
	    sa->vpn == NULL || sa->vpn->sa == sa || sa->n_children > 0 ||
	    (sa->parent && sa->parent->rekey_peer == sa &&
	    sa->parent->rekey_new != NULL)) {
		return UINT64_MAX;
	}
	return sa->established_ms + IKD_STRAY_MS;
}

/* The earliest hard lifetime of a CHILD SA, as ike_tick() acts on it: at
 * once unless the SA is established and the DELETE is out, which then
 * gets IKD_HARD_GRACE_MS. */
static uint64_t
child_expiry_due(const struct ike_sa *sa)
{
	uint64_t t = UINT64_MAX;

	for (int i = 0; i < sa->n_slots; i++) {
		const struct child_sa *ch = &sa->child[i];
		uint64_t e = ch->expire_at;

		if (ch->state != CHILD_INSTALLED) {
			continue;
		}
		if (ch->del != DEL_NONE && e != UINT64_MAX &&
		    sa->state == SA_ESTABLISHED) {
			e += IKD_HARD_GRACE_MS;
		}
		if (e < t) {
			t = e;
		}
	}
	return t;
}

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t
ike_sa_due(const struct ike_engine *eng, const struct ike_sa *sa)
{
	uint64_t t = UINT64_MAX;

	if (sa->state == SA_DEAD) {
		return 0;
	}
	if (sa->req) {
		t = min64(t, sa->retx_at);
	}
	if (sa->state == SA_INIT_DONE || sa->state == SA_INIT_WORK ||
	    (sa->state == SA_REKEYED && sa->req == NULL)) {
		t = min64(t, sa->expire_at);
	}
	t = min64(t, dpd_due(eng, sa));
	t = min64(t, nat_keepalive_due(sa));
	t = min64(t, frag_due(sa));
	t = min64(t, stray_due(sa));
	t = min64(t, child_expiry_due(sa));
	if (sa->state == SA_ESTABLISHED && sa->req == NULL) {
		t = min64(t, next_exchange_due(sa));
	}
	return t;
}

uint64_t
ike_vpn_due(const struct ike_vpn *v)
{
	if ((v->active || v->cfg->peer_host != NULL) && v->sa == NULL &&
	    v->retry_at != 0 && !v->resolving) {
		return v->retry_at;	/* passive: look the name up again */
	}
	return UINT64_MAX;
}

/* Recomputes the deadlines of the touched VPNs and of their IKE SAs. */
static void
timers_flush(struct ike_engine *eng)
{
	struct ike_vpn *v;

	while ((v = eng->dirty) != NULL) {
		eng->dirty = v->dnext;
		v->dnext = NULL;
		v->dirty = 0;
		ike_tq_set(&eng->vpn_q, &v->tm, ike_vpn_due(v));
		for (struct ike_sa *sa = v->sas; sa; sa = sa->vnext) {
			if (sa->held) {
				sa->tm.due = ike_sa_due(eng, sa);
			} else {
				ike_tq_set(&eng->sa_q, &sa->tm,
				    ike_sa_due(eng, sa));
			}
		}
	}
}

/* After a new configuration: every VPN's list of IKE SAs and both heaps
 * are made anew (the VPN table moved). */
static void
timers_rebuild(struct ike_engine *eng)
{
	eng->dirty = NULL;
	eng->sa_q.n = 0;
	eng->vpn_q.n = 0;
	for (size_t i = 0; i < eng->n_vpns; i++) {
		struct ike_vpn *v = &eng->vpns[i];

		v->sas = NULL;
		v->dirty = 0;
		v->tm.pos = 0;
		ike_touch(eng, v);
	}
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		sa->tm.pos = 0;
		if (sa->vpn) {
			ike_vpn_link(sa->vpn, sa);
		}
	}
	timers_flush(eng);
}

/* Runs the timers of one IKE SA (it may be freed). */
static void
sa_tick(struct ike_engine *eng, struct ike_sa *sa, uint64_t now)
{
	char where[200];

	if (sa->state == SA_DEAD) {
		ike_sa_free(sa);
		return;
	}
	if (sa->req && sa->retx_at <= now) {
		if (sa->state == SA_INIT_SENT && sa->init_error) {
			ike_xchg_init_failed(sa);
			return;
		}
		if (sa->retries >= IKD_RETRANSMIT_TRIES) {
			/* iked's words first: users grep for them */
			ike_log(eng, IKE_LOG_WARN, sa,
			    "sa_free: retransmit limit reached (%s "
			    "unanswered: %s)",
			    ikev2_exchange_name(sa->req_exch),
			    sa->req_xchg == X_DPD ?
			    "peer dead, its SAs removed" :
			    sa->state == SA_ESTABLISHED ?
			    "SAs removed" : "giving up");
			ike_sa_free(sa);
			return;
		}
		sa->retries++;
		eng->st.retransmits++;
		ike_log(eng, IKE_LOG_INFO, sa,
		    "retransmit %d %s req %u %s", sa->retries,
		    ikev2_exchange_name(sa->req_exch), sa->msgid_out,
		    ike_sa_peer_str(sa, where, sizeof(where)));
		frag_send_list(sa, sa->req, sa->req_len, sa->req_nfrag);
		sa->retx_at = now +
		    ((uint64_t)IKD_RETRANSMIT_MS << sa->retries);
		return;
	}
	if (frag_due(sa) <= now) {
		ike_log(eng, IKE_LOG_INFO, sa, "incomplete fragmented "
		    "message discarded after %u s", IKD_FRAG_TIMEOUT_MS / 1000);
		frag_discard(sa);
	}
	if (nat_keepalive_due(sa) <= now) {
		nat_keepalive_send(sa);	/* nothing else waits on it */
	}
	if ((sa->state == SA_INIT_DONE || sa->state == SA_INIT_WORK) &&
	    sa->expire_at <= now) {
		ike_log(eng, IKE_LOG_INFO, sa, sa->state == SA_INIT_WORK ?
		    "half-open IKE SA expired: its Diffie-Hellman never came "
		    "back (%s)" : "half-open IKE SA expired: no IKE_AUTH from %s",
		    ike_sa_peer_str(sa, where, sizeof(where)));
		ike_sa_free(sa);
		return;
	}
	if (sa->state == SA_REKEYED && sa->expire_at <= now &&
	    sa->req == NULL) {
		ike_log(eng, IKE_LOG_INFO, sa, "old IKE SA removed: "
		    "no DELETE from the peer after its rekey");
		ike_sa_free(sa);
		return;
	}
	for (int i = 0; i < sa->n_slots; i++) {
		struct child_sa *ch = &sa->child[i];

		if (ch->state != CHILD_INSTALLED ||
		    ch->expire_at > now) {
			continue;
		}
		/* Hard lifetime: the peer is told with a DELETE
		 * (the kernel enforces the limit on its own); gone
		 * here too if that cannot be done in time. */
		if (ch->del == DEL_NONE && sa->state == SA_ESTABLISHED) {
			ike_log(eng, IKE_LOG_NOTICE, sa, "CHILD SA spi "
			    "0x%08x: hard lifetime reached, deleting",
			    ch->spi_in);
			ch->del = DEL_WANTED;
		} else if (sa->state != SA_ESTABLISHED ||
		    ch->expire_at + IKD_HARD_GRACE_MS <= now) {
			ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA spi "
			    "0x%08x expired: hard lifetime reached",
			    ch->spi_in);
			ike_child_remove(sa, i);
		}
	}
	if (stray_due(sa) <= now) {
		ike_log(eng, IKE_LOG_INFO, sa, "deleting redundant "
		    "IKE SA: no CHILD SA, not the VPN's");
		ike_xchg_delete_ike(sa);
		return;
	}
	if (dpd_due(eng, sa) <= now) {
		ike_xchg_dpd(sa);
		return;
	}
	if (sa->state == SA_ESTABLISHED && sa->req == NULL) {
		next_exchange(sa);
	}
}

static int
seq_desc(const void *a, const void *b)
{
	const struct ike_sa *x = *(struct ike_sa *const *)a;
	const struct ike_sa *y = *(struct ike_sa *const *)b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static int
vpn_order(const void *a, const void *b)
{
	const struct ike_vpn *x = *(struct ike_vpn *const *)a;
	const struct ike_vpn *y = *(struct ike_vpn *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Moves the SAs due at now from the heap to the visiting list, after
 * position from and in creation order, newest first, when they are older
 * than seq (the engine list's order, where a pass goes from the newest
 * to the oldest); the others wait in tick_later for the next call.
 */
static void
tick_collect(struct ike_engine *eng, uint64_t now, uint32_t from,
    uint64_t seq)
{
	uint32_t first = eng->n_due;

	while (ike_tq_top(&eng->sa_q) <= now) {
		struct ike_sa *sa = TM_OWNER(eng->sa_q.h[0], struct ike_sa);

		ike_tq_remove(&eng->sa_q, &sa->tm);
		sa->held = 1;
		if (sa->seq < seq) {
			/* each at most once: fewer than the SAs there were */
			eng->tick_due[eng->n_due++] = sa;
			continue;
		}
		if (eng->n_later == eng->sa_q.cap) {
			/* full of freed ones: the live fit (cap >= n_sas) */
			uint32_t j = 0;

			for (uint32_t k = 0; k < eng->n_later; k++) {
				if (eng->tick_later[k] != NULL) {
					eng->tick_later[j++] =
					    eng->tick_later[k];
				}
			}
			eng->n_later = j;
		}
		eng->tick_later[eng->n_later++] = sa;
	}
	if (eng->n_due > first) {
		qsort(eng->tick_due + from, eng->n_due - from,
		    sizeof(eng->tick_due[0]), seq_desc);
	}
}

/* see ike.h */
void
ike_tick(struct ike_engine *eng, uint64_t now)
{
	uint32_t i, nv = 0;

	eng->now = now;
	timers_flush(eng);
	/*
	 * One pass over the IKE SAs that are due, newest first.  An SA that
	 * becomes due while an older one is visited is visited in this pass
	 * too; one newer, or visited already, at the next call (whose
	 * ike_next_timer() is now).  A freed one is NULL in the list.
	 */
	eng->n_due = eng->n_later = 0;
	tick_collect(eng, now, 0, UINT64_MAX);
	for (i = 0; i < eng->n_due; i++) {
		struct ike_sa *sa = eng->tick_due[i];
		uint64_t seq;

		if (sa == NULL) {
			continue;
		}
		eng->tick_due[i] = NULL;
		sa->held = 0;
		seq = sa->seq;
		ike_touch(eng, sa->vpn);
		sa_tick(eng, sa, now);
		timers_flush(eng);
		tick_collect(eng, now, i + 1, seq);
	}
	for (i = 0; i < eng->n_later; i++) {
		struct ike_sa *sa = eng->tick_later[i];

		if (sa != NULL) {
			sa->held = 0;
			ike_tq_set(&eng->sa_q, &sa->tm, sa->tm.due);
		}
	}
	eng->n_due = eng->n_later = 0;
	/* Then the VPNs due, in configuration order. */
	while (ike_tq_top(&eng->vpn_q) <= now) {
		struct ike_vpn *v = TM_OWNER(eng->vpn_q.h[0], struct ike_vpn);

		ike_tq_remove(&eng->vpn_q, &v->tm);
		eng->tick_vpns[nv++] = v;
	}
	qsort(eng->tick_vpns, nv, sizeof(eng->tick_vpns[0]), vpn_order);
	for (i = 0; i < nv; i++) {
		struct ike_vpn *v = eng->tick_vpns[i];

		ike_touch(eng, v);
		if (v->sa != NULL || v->retry_at == 0 || v->retry_at > now) {
			continue;
		}
		if (v->active) {
			v->retry_at = 0;
			ike_xchg_initiate(eng, v);
		} else if (v->cfg->peer_host != NULL) {
			v->retry_at = 0;
			ike_vpn_resolve(eng, v);
		}
	}
	timers_flush(eng);
}

/* see ike.h */
uint64_t
ike_next_timer(const struct ike_engine *eng)
{
	uint64_t t = min64(ike_tq_top(&eng->sa_q), ike_tq_top(&eng->vpn_q));

	return t < eng->now ? eng->now : t;
}

/* ---- input ---- */

static void input(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len);

/* see ike.h */
void
ike_input(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len,
    uint64_t now)
{
	eng->now = now;
	eng->rx_local = *local;
	eng->rx_peer = *peer;
	eng->rx_raw = buf;
	eng->rx_raw_len = len;
	eng->rx_opened = 0;
	if (local->port == IKE_NATT_PORT) {
		/* RFC 3948 2.2, 2.3: a keepalive, or IKE after the non-ESP
		 * marker; anything else is ESP, the kernel's business */
		if (len == 1 && buf[0] == 0xff) {
			eng->st.nat_keepalives_rx++;
			return;
		}
		if (len < IKD_NON_ESP_MARKER || memcmp(buf, "\0\0\0\0",
		    IKD_NON_ESP_MARKER) != 0) {
			eng->st.dropped++;
			return;
		}
		buf += IKD_NON_ESP_MARKER;
		len -= IKD_NON_ESP_MARKER;
	}
	input(eng, local, peer, buf, len);
	eng->rx_raw = NULL;
	eng->rx_opened = 0;
	memset(&eng->rx_peer, 0, sizeof(eng->rx_peer));
	timers_flush(eng);
}

/*
 * A retransmitted request from an address or port the IKE SA does not
 * have (a NAT that forgot its mapping while our answer was on its way):
 * RFC 7296 2.11 sends the answer where the request came from.  Only for
 * an authentic request (a forged one must not make us reflect answers at
 * anyone), and without moving the IKE SA there: a replay could be sent
 * from anywhere (2.23); the peer's next request moves it.
 */
static void
resend_elsewhere(struct ike_sa *sa, const struct msg *m,
    const struct ike_addr *local, const struct ike_addr *peer)
{
	struct ike_addr ol = sa->local, op = sa->peer;

	if (xchg_authentic(sa, m) != 0) {
		sa->eng->st.dropped++;
		return;
	}
	sa->local = *local;
	sa->peer = *peer;
	frag_send_list(sa, sa->resp, sa->resp_len, sa->resp_nfrag);
	sa->local = ol;
	sa->peer = op;
}

static void
input(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len)
{
	struct msg m;
	struct ike_sa *sa;
	int resp, from_init;
	const uint8_t *spi;

	if (len > sizeof(eng->rx)) {
		eng->st.dropped++;
		return;
	}
	/* Work on our own copy: SK is decrypted in place. */
	memcpy(eng->rx, buf, len);
	if (msg_parse(&m, eng->rx, len) != 0) {
		ike_xchg_bad_message(eng, local, peer, &m, len);
		return;
	}
	resp = (m.hdr.flags & IKEV2_FLAG_R) != 0;
	from_init = (m.hdr.flags & IKEV2_FLAG_I) != 0;
	if (m.hdr.exchange == IKEV2_EXCH_IKE_SA_INIT && !resp) {
		ike_xchg_init_request(eng, local, peer, &m);
		return;
	}
	/* The sender's I flag says which SPI is ours (RFC 7296 3.1). */
	spi = from_init ? m.hdr.rspi : m.hdr.ispi;
	sa = ike_sa_by_spi(eng, spi);
	if (sa == NULL || (from_init && memcmp(sa->spi_i, m.hdr.ispi, 8)) ||
	    (!from_init && sa->state != SA_INIT_SENT &&
	    memcmp(sa->spi_r, m.hdr.rspi, 8))) {
		if (!resp && PLD_HAS(&m.pl, IKEV2_PL_SK) &&
		    ike_xchg_invalid_spi(eng, local, peer, &m)) {
			return;
		}
		eng->st.dropped++;
		ike_log(eng, IKE_LOG_DEBUG, NULL,
		    "%s %s for an unknown IKE SA dropped",
		    ikev2_exchange_name(m.hdr.exchange),
		    resp ? "response" : "request");
		return;
	}
	if (sa->state == SA_INIT_WORK || (sa->working[resp != 0] &&
	    sa->work_msgid[resp != 0] == m.hdr.msgid)) {
		/* no keys yet: nothing but IKE_SA_INIT can be for it; or
		 * this message again while its DH is out (ike_work.c) */
		eng->st.dropped++;
		return;
	}
	eng->rx_frag = PLD_HAS(&m.pl, IKEV2_PL_SKF);
	ike_touch(eng, sa->vpn);
	if (resp) {
		if (sa->req == NULL || m.hdr.msgid != sa->msgid_out) {
			eng->st.dropped++;
			return;	/* late or unexpected: nothing waits for it */
		}
		if (sa->state == SA_INIT_SENT && sa->local.af == 0) {
			/* `local = any`: the source the kernel picked for our
			 * request is where the peer answers (iked's egress) */
			sa->local = *local;
		}
		if (PLD_HAS(&m.pl, IKEV2_PL_SKF) && frag_input(sa, &m) == 0) {
			return;	/* RFC 7383: more to come, or dropped */
		}
		answer_dispatch(sa, &m);
		return;
	}
	if (sa->have_resp && m.hdr.msgid == sa->resp_msgid &&
	    m.hdr.msgid + 1 == sa->msgid_in) {
		/* A retransmitted request: the same answer, byte for byte
		 * (fragmented: once, for its first fragment, RFC 7383
		 * 2.6.1). */
		if (PLD_HAS(&m.pl, IKEV2_PL_SKF) && m.pl.sk.frag_num != 1) {
			return;
		}
		if (!xchg_same_ip(peer, &sa->peer) ||
		    peer->port != sa->peer.port ||
		    local->port != sa->local.port) {
			resend_elsewhere(sa, &m, local, peer);
			return;
		}
		frag_send_list(sa, sa->resp, sa->resp_len, sa->resp_nfrag);
		return;
	}
	if (m.hdr.msgid != sa->msgid_in) {
		eng->st.dropped++;
		return;
	}
	if (PLD_HAS(&m.pl, IKEV2_PL_SKF) && frag_input(sa, &m) == 0) {
		return;
	}
	request_dispatch(sa, &m);
}

/* ---- engine and configuration ---- */

/* see ike.h */
struct ike_engine *
ike_new(const struct ike_env *env, uint64_t now_ms)
{
	struct ike_engine *eng = calloc(1, sizeof(*eng));

	if (eng == NULL) {
		return NULL;
	}
	eng->env = *env;
	eng->now = now_ms;
	eng->log_level = IKE_LOG_INFO;
	eng->next_reqid = IKD_REQID_BASE;
	/* Both cookie secrets random from the start: a zero "previous"
	 * secret would let anyone compute a valid cookie. */
	if (cr_rand(eng->cookie_secret, sizeof(eng->cookie_secret)) != 0 ||
	    cr_rand(eng->cookie_prev, sizeof(eng->cookie_prev)) != 0 ||
	    cr_rand(&eng->src_key, sizeof(eng->src_key)) != 0) {
		free(eng);
		return NULL;
	}
	eng->cookie_at = now_ms;
	ike_map_init(&eng->kids, eng->src_key);
	return eng;
}

/* see ike.h */
void
ike_free(struct ike_engine *eng)
{
	if (eng == NULL) {
		return;
	}
	/* Memory only: the kernel keeps what it has (see ike_shutdown). */
	eng->env.sa_add = NULL;	/* a held-back outbound SA stays out */
	eng->env.sa_del = NULL;
	eng->env.policy_del = NULL;
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		sa->vpn = NULL;
	}
	while (eng->sas) {
		ike_sa_free(eng->sas);
	}
	for (size_t i = 0; i < eng->n_vpns; i++) {
		free(eng->vpns[i].error);
	}
	free(eng->vpns);
	ike_vpn_index_free(&eng->vx);
	ike_map_free(&eng->kids);
	free(eng->by_spi);
	free(eng->by_ispi);
	free(eng->info_children);
	free(eng->sa_q.h);
	free(eng->vpn_q.h);
	free(eng->tick_due);
	free(eng->tick_later);
	free(eng->tick_vpns);
	cfg_free(eng->cfg);
	ike_keypool_wipe(eng);
	while (eng->parked != NULL) {
		struct ike_work *p = eng->parked;

		eng->parked = p->next;
		ike_work_discard(p);
	}
	cr_wipe(eng->cookie_secret, sizeof(eng->cookie_secret));
	cr_wipe(eng->cookie_prev, sizeof(eng->cookie_prev));
	free(eng);
}

/* see ike.h */
void
ike_set_log_level(struct ike_engine *eng, int level)
{
	eng->log_level = level;
}

/* Every SA of a VPN: DELETE to the peer, kernel state removed. */
static void
vpn_close(struct ike_engine *eng, struct ike_vpn *v)
{
	struct ike_sa *sa, *next;

	/* Newest first: freeing one may free its rekey's new SA, met
	 * already, never the next one. */
	for (sa = v->sas; sa; sa = next) {
		next = sa->vnext;
		ike_xchg_delete_now(sa);
		sa->vpn = v;	/* for the log line */
		ike_sa_free(sa);
	}
}

/* see ike.h */
int
ike_set_config(struct ike_engine *eng, struct cfg *cfg, uint64_t now)
{
	size_t n = cfg->n_vpns ? cfg->n_vpns : 1;
	struct ike_vpn *nv = calloc(n, sizeof(*nv));
	struct ike_timer **q = realloc(eng->vpn_q.h, n * sizeof(*q));
	struct ike_vpn **tv;
	struct ike_vpn_index nx;
	struct ike_sa *sa;

	if (q != NULL) {
		eng->vpn_q.h = q;
	}
	tv = q ? realloc(eng->tick_vpns, n * sizeof(*tv)) : NULL;
	if (tv != NULL) {
		eng->tick_vpns = tv;
	}
	for (size_t i = 0; nv != NULL && i < cfg->n_vpns; i++) {
		nv[i].cfg = &cfg->vpns[i];
	}
	if (nv == NULL || tv == NULL ||
	    ike_vpn_index_build(&nx, nv, cfg->n_vpns, eng->src_key) != 0) {
		free(nv);
		return -ENOMEM;
	}
	eng->now = now;
	for (size_t i = 0; i < cfg->n_vpns; i++) {
		struct ike_vpn *old = ike_vpn_by_name(eng, cfg->vpns[i].name);

		nv[i].active = cfg->vpns[i].mode == CFG_MODE_ACTIVE;
		if (old && cfg_vpn_equal(old->cfg, nv[i].cfg)) {
			/* Unchanged: its SAs carry on untouched. */
			nv[i].sa = old->sa;
			nv[i].retry_at = old->retry_at;
			nv[i].retry_ms = old->retry_ms;
			nv[i].peer_ip = old->peer_ip;
			nv[i].resolving = old->resolving;
			nv[i].fresh = old->fresh;
			nv[i].admin_down = old->admin_down;
			nv[i].handshake_ms = old->handshake_ms;
			nv[i].error_ms = old->error_ms;
			nv[i].error = old->error;	/* moved */
			old->error = NULL;
			for (sa = old->sas; sa; sa = sa->vnext) {
				sa->vpn = &nv[i];	/* lists rebuilt below */
			}
			old->cfg = NULL;	/* moved */
		} else {
			if (old) {
				ike_log(eng, IKE_LOG_NOTICE, NULL,
				    "%s: configuration changed, restarting",
				    old->cfg->name);
				vpn_close(eng, old);
				old->cfg = NULL;
			}
			if (nv[i].active || nv[i].cfg->peer_host != NULL) {
				/* initiate, or look the passive peer up */
				nv[i].retry_at = now ? now : 1;
			}
		}
	}
	/* Removed VPNs. */
	for (size_t i = 0; i < eng->n_vpns; i++) {
		if (eng->vpns[i].cfg) {
			ike_log(eng, IKE_LOG_NOTICE, NULL,
			    "%s: removed from the configuration",
			    eng->vpns[i].cfg->name);
			vpn_close(eng, &eng->vpns[i]);
		}
	}
	for (size_t i = 0; i < eng->n_vpns; i++) {
		free(eng->vpns[i].error);	/* NULL if moved */
	}
	free(eng->vpns);
	cfg_free(eng->cfg);
	ike_vpn_index_free(&eng->vx);
	eng->vx = nx;
	eng->vpns = nv;
	eng->n_vpns = cfg->n_vpns;
	eng->cfg = cfg;
	eng->vpn_q.cap = (uint32_t)n;
	timers_rebuild(eng);
	ike_tick(eng, now);
	return 0;
}

/* see ike.h */
int
ike_vpn_up(struct ike_engine *eng, const char *name, uint64_t now)
{
	struct ike_vpn *v = ike_vpn_by_name(eng, name);

	if (v == NULL) {
		return -ENOENT;
	}
	eng->now = now;
	ike_touch(eng, v);
	v->active = 1;
	v->admin_down = 0;
	v->retry_ms = 0;
	if (v->sa == NULL) {
		v->retry_at = 0;
		ike_xchg_initiate(eng, v);
	}
	timers_flush(eng);
	return 0;
}

/* see ike.h */
int
ike_vpn_down(struct ike_engine *eng, const char *name, uint64_t now)
{
	struct ike_vpn *v = ike_vpn_by_name(eng, name);

	if (v == NULL) {
		return -ENOENT;
	}
	eng->now = now;
	ike_touch(eng, v);
	v->active = 0;
	v->admin_down = 1;
	v->retry_at = 0;
	vpn_close(eng, v);
	timers_flush(eng);
	return 0;
}

/* The parked result of the IKE SA w was for (our SPI and creation
 * number), taken off the list; NULL: none. */
static struct ike_work *
unpark(struct ike_engine *eng, const struct ike_work *w)
{
	for (struct ike_work **pp = &eng->parked; *pp; pp = &(*pp)->next) {
		struct ike_work *p = *pp;

		if (p->seq == w->seq && memcmp(p->spi, w->spi, 8) == 0) {
			*pp = p->next;
			p->next = NULL;
			return p;
		}
	}
	return NULL;
}

/* see ike.h */
void
ike_work_done(struct ike_engine *eng, struct ike_work *w, uint64_t now)
{
	struct ike_sa *sa;
	struct ike_work *p = NULL;

	eng->now = now;
	if (w->kind == IKE_WORK_KEYPAIR) {
		ike_keypool_put(eng, w);
		ike_work_discard(w);
		return;
	}
	sa = ike_work_sa(eng, w);
	if (sa == NULL) {
		if (w->kind == IKE_WORK_DEFER) {
			eng->st.dropped++;	/* its SA went meanwhile */
		} else {
			eng->st.dh_stale++;
			ike_log(eng, IKE_LOG_DEBUG, NULL, "a Diffie-Hellman "
			    "result came back for an IKE SA no longer "
			    "waiting: dropped");
		}
		p = unpark(eng, w);	/* stale too, below */
	} else if (w->kind == IKE_WORK_INIT_R) {
		ike_touch(eng, sa->vpn);
		init_work_done(sa, w);
	} else if (w->after && sa->working[!w->resp] &&
	    sa->work_msgid[!w->resp] == w->after_msgid) {
		/* The other direction's message came first and its DH is
		 * still out (one costs a key pair more, threads finish in
		 * any order): this one waits for it, so that both are
		 * handled in the order they arrived, as without workers.
		 * The peer's rekey request, then the answer to ours is a
		 * collision decided at once; the other way round, we would
		 * delete the old SA and send on the peer's new one before
		 * the peer has it. */
		w->next = eng->parked;
		eng->parked = w;
		return;
	} else {
		/* the datagram again, its handler taking the result */
		sa->working[w->resp] = 0;
		eng->pre = w;
		ike_input(eng, &w->local, &w->peer_addr, w->raw, w->raw_len,
		    now);
		eng->pre = NULL;
		p = unpark(eng, w);
	}
	ike_work_discard(w);
	timers_flush(eng);
	if (p != NULL) {
		ike_work_done(eng, p, now);	/* its turn */
	}
}

/* see ike.h */
int
ike_vpn_resolved(struct ike_engine *eng, const char *name, const char *host,
    const struct ike_addr *addr, const char *err, uint64_t now)
{
	struct ike_vpn *v = ike_vpn_by_name(eng, name);
	char was[80], is[80];

	if (v == NULL || v->cfg->peer_host == NULL || !v->resolving ||
	    strcmp(v->cfg->peer_host, host) != 0) {
		return -ENOENT;	/* stale: a reload came in between */
	}
	eng->now = now;
	ike_touch(eng, v);
	v->resolving = 0;
	if (addr == NULL || (addr->af != 4 && addr->af != 6)) {
		v->fresh = 0;
		if (!v->admin_down) {
			ike_vpn_schedule_retry(eng, v);
		}
		ike_log_vpn(eng, IKE_LOG_WARN, v, "cannot resolve peer %s: "
		    "%s; trying again in %llu s", host, err ? err :
		    "no address", (unsigned long long)(v->retry_at > now ?
		    (v->retry_at - now + 999) / 1000 : 0));
		timers_flush(eng);
		return 0;
	}
	if (!xchg_same_ip(addr, &v->peer_ip)) {
		ts_addr_format(addr->af, addr->ip, is, sizeof(is));
		if (v->peer_ip.af != 0) {
			ts_addr_format(v->peer_ip.af, v->peer_ip.ip, was,
			    sizeof(was));
			ike_log(eng, IKE_LOG_NOTICE, NULL, "%s: peer %s is now "
			    "%s (was %s)", v->cfg->name, host, is, was);
		} else {
			ike_log(eng, IKE_LOG_NOTICE, NULL, "%s: peer %s is %s",
			    v->cfg->name, host, is);
		}
	}
	v->peer_ip = *addr;
	v->peer_ip.port = 500;
	v->retry_ms = 0;
	if (v->sa == NULL && v->active) {
		v->retry_at = 0;
		v->fresh = 1;
		ike_xchg_initiate(eng, v);
	} else if (v->sa == NULL && !v->admin_down) {
		v->retry_at = now + IKD_RESOLVE_PASSIVE_MS;
	}
	timers_flush(eng);
	return 0;
}

/* An established IKE SA of v (the one carrying it first), or NULL. */
static const struct ike_sa *
vpn_up_sa(const struct ike_vpn *v)
{
	if (v->sa != NULL && v->sa->state == SA_ESTABLISHED) {
		return v->sa;
	}
	for (const struct ike_sa *sa = v->sas; sa; sa = sa->vnext) {
		if (sa->state == SA_ESTABLISHED) {
			return sa;
		}
	}
	return NULL;
}

static uint64_t
earliest(uint64_t a, uint64_t b)
{
	if (b == 0 || b == UINT64_MAX) {
		return a;
	}
	return a == 0 || b < a ? b : a;
}

/* see ike.h */
void
ike_foreach_vpn(struct ike_engine *eng,
    void (*cb)(void *arg, const struct ike_vpn_info *info), void *arg)
{
	for (size_t i = 0; i < eng->n_vpns; i++) {
		const struct ike_vpn *v = &eng->vpns[i];
		const struct ike_sa *sa = vpn_up_sa(v);
		struct ike_vpn_info in;

		memset(&in, 0, sizeof(in));
		in.name = v->cfg->name;
		in.active = v->active;
		in.flows = (int)v->cfg->n_flows;
		xchg_vpn_peer(v, &in.peer);
		if (sa != NULL) {
			in.state = IKE_VPN_UP;
			in.peer = sa->peer;
			in.up_ms = sa->established_ms;
			in.rekey_ms = earliest(0, sa->rekey_at);
			for (int c = 0; c < sa->n_slots; c++) {
				if (sa->child[c].state != CHILD_INSTALLED) {
					continue;
				}
				in.children++;
				in.rekey_ms = earliest(in.rekey_ms,
				    sa->child[c].rekey_at);
			}
		} else if (v->sa != NULL || v->resolving ||
		    (v->active && v->retry_at == 0)) {
			in.state = IKE_VPN_CONNECTING;
			if (v->sa != NULL) {
				in.peer = v->sa->peer;
			}
		} else if (v->admin_down) {
			in.state = IKE_VPN_DOWN;
		} else if (v->active) {
			in.state = IKE_VPN_RETRYING;
			in.retry_ms = v->retry_at;
		} else {
			in.state = IKE_VPN_PASSIVE;
		}
		in.handshake_ms = v->handshake_ms;
		if (v->error_ms != 0) {
			in.error = v->error;
			in.error_ms = v->error_ms;
		}
		cb(arg, &in);
	}
}

/* see ike.h */
int
ike_vpn_rekey(struct ike_engine *eng, const char *name, int ike,
    uint64_t now)
{
	struct ike_vpn *v = ike_vpn_by_name(eng, name);
	struct ike_sa *sa = v ? v->sa : NULL;

	if (v == NULL) {
		return -ENOENT;
	}
	if (sa == NULL || sa->state != SA_ESTABLISHED) {
		return -ENOTCONN;
	}
	eng->now = now;
	ike_touch(eng, v);
	if (ike) {
		sa->rekey_at = now;
	} else {
		for (int i = 0; i < sa->n_slots; i++) {
			if (sa->child[i].state == CHILD_INSTALLED) {
				sa->child[i].rekey_at = now;
			}
		}
	}
	next_exchange(sa);
	timers_flush(eng);
	return 0;
}

/* A kernel lifetime event for the CHILD SA in slot i of sa. */
static void
child_expired(struct ike_engine *eng, struct ike_sa *sa, int i, int hard,
    uint64_t now)
{
	struct child_sa *ch = &sa->child[i];

	ike_touch(eng, sa->vpn);
	if (hard && sa->state == SA_ESTABLISHED && !ch->del) {
		/* the peer still has its half: DELETE it */
		ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA spi 0x%08x expired: "
		    "the kernel removed it, deleting", ch->spi_in);
		ch->del = DEL_WANTED;
		ch->expire_at = now;
		next_exchange(sa);
	} else if (hard) {
		ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA spi 0x%08x expired: "
		    "the kernel removed it", ch->spi_in);
		ike_child_remove(sa, i);
	} else if (!ch->rekeyed && !ch->del && ch->rekey_at > now &&
	    sa->state == SA_ESTABLISHED) {
		/* The kernel's soft limit (bytes, or time if our own timer
		 * was missed): rekey now.  One already replaced is not
		 * rekeyed twice, and one already due (our timer, or the soft
		 * expire of its other direction: each of the pair has its
		 * limits) is noted once. */
		ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA spi 0x%08x soft "
		    "lifetime reached, rekeying", ch->spi_in);
		ch->rekey_at = now;
	}
	timers_flush(eng);
}

/* see ike.h */
int
ike_child_expired(struct ike_engine *eng, uint32_t spi,
    const struct ike_addr *dst, int hard, uint64_t now)
{
	eng->now = now;
	/* Our inbound SA when dst is the local address, else the peer's
	 * inbound (our outbound) one: the indexes of both, in turn (the
	 * same SPI may be in both when a peer chose one of ours). */
	for (int out = 0; out < 2; out++) {
		uint64_t key = (out ? IKD_KID_OUT : IKD_KID_IN) | spi;
		struct ike_sa *sa;
		uint32_t it;

		for (sa = ike_map_first(&eng->kids, key, &it); sa;
		    sa = ike_map_next(&eng->kids, key, &it)) {
			int i = ike_child_by_spi(sa, spi, out);

			if (i >= 0 && xchg_same_ip(dst,
			    out ? &sa->peer : &sa->local)) {
				child_expired(eng, sa, i, hard, now);
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* see ike.h */
int
ike_kernel_acquire(struct ike_engine *eng, uint32_t reqid,
    const struct ike_addr *peer, uint64_t now)
{
	struct ike_vpn *v = NULL;

	eng->now = now;
	if (reqid != 0) {
		uint32_t it;
		struct ike_sa *sa = ike_map_first(&eng->kids,
		    IKD_KID_REQID | reqid, &it);

		v = sa ? sa->vpn : NULL;
	}
	if (v == NULL && peer != NULL) {
		v = ike_vpn_by_peer(eng, peer);
	}
	if (v == NULL) {
		return -ENOENT;
	}
	if (v->sa == NULL) {
		ike_log(eng, IKE_LOG_INFO, NULL, "%s: kernel acquire: "
		    "bringing the VPN up", v->cfg->name);
		ike_touch(eng, v);
		v->retry_at = 0;
		v->retry_ms = 0;
		ike_xchg_initiate(eng, v);
		timers_flush(eng);
	}
	return 0;
}

/* see ike.h */
void
ike_shutdown(struct ike_engine *eng, uint64_t now)
{
	eng->now = now;
	for (size_t i = 0; i < eng->n_vpns; i++) {
		eng->vpns[i].active = 0;
		ike_touch(eng, &eng->vpns[i]);
	}
	while (eng->sas) {
		ike_xchg_delete_now(eng->sas);
		ike_sa_free(eng->sas);
	}
	timers_flush(eng);
}

/* ---- introspection ---- */

static const char *
sa_state_name(int s)
{
	switch (s) {
	case SA_INIT_SENT:
	case SA_INIT_WORK:
	case SA_INIT_DONE:
		return "SA_INIT";
	case SA_AUTH_SENT:
		return "AUTH_REQUEST";
	case SA_ESTABLISHED:
		return "ESTABLISHED";
	case SA_DELETING:
		return "DELETING";
	case SA_REKEYING:
		return "REKEYING";
	case SA_REKEYED:
		return "REKEYED";
	}
	return "CLOSED";
}

static void
ts_cidr_strs(const struct ts_range *ts, char out[][48], int *n)
{
	struct ts_cidr c[IKE_INFO_MAX_TS];
	size_t k = 0;

	*n = 0;
	(void)ts_to_cidrs(ts, c, IKE_INFO_MAX_TS, &k);
	for (size_t i = 0; i < k; i++) {
		char ip[48];

		ts_addr_format(c[i].af, c[i].addr, ip, sizeof(ip));
		snprintf(out[i], 48, "%.40s/%u", ip, c[i].plen);
	}
	*n = (int)k;
}

/* see ike.h */
void
ike_foreach_sa(struct ike_engine *eng,
    void (*cb)(void *arg, const struct ike_sa_info *info), void *arg)
{
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		struct ike_sa_info in;
		int n = 0;

		if (sa->vpn == NULL || sa->state == SA_DEAD) {
			continue;
		}
		if (eng->info_cap < sa->n_slots) {
			struct ike_child_info *p = realloc(eng->info_children,
			    (size_t)sa->n_slots * sizeof(*p));

			if (p == NULL) {
				continue;	/* shown without it */
			}
			eng->info_children = p;
			eng->info_cap = sa->n_slots;
		}
		memset(&in, 0, sizeof(in));
		in.vpn = sa->vpn->cfg->name;
		in.state = sa_state_name(sa->state);
		in.initiator = sa->initiator;
		in.local = sa->local;
		in.peer = sa->peer;
		memcpy(in.ispi, sa->spi_i, 8);
		memcpy(in.rspi, sa->spi_r, 8);
		in.enc = sa->enc ? sa->enc->name : "none";
		in.integ = sa->integ ? sa->integ->name : "none";
		in.prf = sa->prf ? sa->prf->name : "none";
		in.group = sa->dh ? sa->dh->name : "none";
		in.established_ms = sa->established_ms;
		in.nat = nat_name(sa->nat);
		in.encap = nat_encap(sa);
		in.frag = sa->frag;
		for (int i = 0; i < sa->n_slots; i++) {
			const struct child_sa *ch = &sa->child[i];
			struct ike_child_info *ci = &eng->info_children[n];

			if (ch->state != CHILD_INSTALLED) {
				continue;
			}
			memset(ci, 0, sizeof(*ci));
			ci->state = "INSTALLED";
			ci->spi_in = ch->spi_in;
			ci->spi_out = ch->spi_out;
			ts_cidr_strs(&ch->ts_l, ci->local_ts, &ci->n_local_ts);
			ts_cidr_strs(&ch->ts_r, ci->remote_ts,
			    &ci->n_remote_ts);
			ci->enc = ch->enc->name;
			ci->integ = ch->integ ? ch->integ->name : "none";
			ci->group = ch->dh ? ch->dh->name : "none";
			ci->bytes_in = ch->bytes_in;
			ci->bytes_out = ch->bytes_out;
			n++;
		}
		in.n_children = n;
		in.children = eng->info_children;
		cb(arg, &in);
	}
}

/* see ike.h */
void
ike_get_stats(const struct ike_engine *eng, struct ike_stats *st)
{
	*st = eng->st;
	/*
	 * Half-open as `show sa` lists them: waiting in SA_INIT or
	 * AUTH_REQUEST, either role.  eng->n_half_open counts the
	 * responder's alone, for the cookie threshold.
	 */
	st->half_open = 0;
	for (const struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		if (sa->vpn != NULL && (sa->state == SA_INIT_SENT ||
		    sa->state == SA_INIT_WORK || sa->state == SA_INIT_DONE ||
		    sa->state == SA_AUTH_SENT)) {
			st->half_open++;
		}
	}
}
