/*
 * ike_sa.c - the IKE SA table: creation, lookup by SPI in constant time
 * (our SPI, and the initiator's for a responder), the VPN's list of its
 * IKE SAs, freeing with the kernel state of their CHILD SAs, the CHILD
 * SAs a rekeyed IKE SA hands to its successor; the timer heaps' mechanics
 * (what is due is decided in ike.c); and sending: building the encrypted
 * message, keeping our request for retransmission and our response for
 * replays.  Calls ike_kern.c and ike_base.c, never an exchange.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "core/wire/msg.h"

/* ---- timer heaps ---- */

static void
tq_put(struct ike_tq *q, uint32_t i, struct ike_timer *t)
{
	q->h[i] = t;
	t->pos = i + 1;
}

static void
tq_up(struct ike_tq *q, uint32_t i)
{
	struct ike_timer *t = q->h[i];

	while (i > 0 && q->h[(i - 1) / 2]->due > t->due) {
		tq_put(q, i, q->h[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	tq_put(q, i, t);
}

static void
tq_down(struct ike_tq *q, uint32_t i)
{
	struct ike_timer *t = q->h[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= q->n) {
			break;
		}
		if (c + 1 < q->n && q->h[c + 1]->due < q->h[c]->due) {
			c++;
		}
		if (q->h[c]->due >= t->due) {
			break;
		}
		tq_put(q, i, q->h[c]);
		i = c;
	}
	tq_put(q, i, t);
}

void
ike_tq_remove(struct ike_tq *q, struct ike_timer *t)
{
	uint32_t i = t->pos - 1;
	struct ike_timer *last;

	if (t->pos == 0) {
		return;
	}
	t->pos = 0;
	last = q->h[--q->n];
	if (last == t) {
		return;
	}
	tq_put(q, i, last);
	tq_up(q, i);
	tq_down(q, last->pos - 1);
}

/* Sets t's deadline: in the heap unless UINT64_MAX.  The caller made room
 * (q->cap covers every owner). */
void
ike_tq_set(struct ike_tq *q, struct ike_timer *t, uint64_t due)
{
	t->due = due;
	if (due == UINT64_MAX) {
		ike_tq_remove(q, t);
		return;
	}
	if (t->pos == 0) {
		tq_put(q, q->n++, t);
	}
	tq_up(q, t->pos - 1);
	tq_down(q, t->pos - 1);
}

uint64_t
ike_tq_top(const struct ike_tq *q)
{
	return q->n ? q->h[0]->due : UINT64_MAX;
}

/* Puts sa in v's list, which runs newest first like the engine's (so
 * that walking either meets a rekey's new SA before its old one). */
void
ike_vpn_link(struct ike_vpn *v, struct ike_sa *sa)
{
	struct ike_sa **p = &v->sas;

	while (*p != NULL && (*p)->seq > sa->seq) {
		p = &(*p)->vnext;
	}
	sa->vnext = *p;
	*p = sa;
}

/* see ike_int.h */
void
ike_touch(struct ike_engine *eng, struct ike_vpn *v)
{
	if (v != NULL && !v->dirty) {
		v->dirty = 1;
		v->dnext = eng->dirty;
		eng->dirty = v;
	}
}

/* Room in the SA heap and ike_tick()'s lists for one more IKE SA. */
static int
timers_reserve(struct ike_engine *eng)
{
	uint32_t cap = eng->sa_q.cap ? 2 * eng->sa_q.cap : 64;
	struct ike_timer **h;
	struct ike_sa **d, **l;

	if (eng->n_sas < eng->sa_q.cap) {
		return 0;
	}
	if ((h = realloc(eng->sa_q.h, cap * sizeof(*h))) != NULL) {
		eng->sa_q.h = h;
	}
	if ((d = realloc(eng->tick_due, cap * sizeof(*d))) != NULL) {
		eng->tick_due = d;
	}
	if ((l = realloc(eng->tick_later, cap * sizeof(*l))) != NULL) {
		eng->tick_later = l;
	}
	if (h == NULL || d == NULL || l == NULL) {
		return -ENOMEM;
	}
	eng->sa_q.cap = cap;
	return 0;
}

/* ---- SPI table ---- */

/* Our SPIs are random, the initiator's SPIs of the responder table are
 * the peer's: the bits are mixed (with a per-engine key) before the
 * bucket is taken. */
static unsigned
spi_hash(const struct ike_engine *eng, const uint8_t spi[8])
{
	uint64_t v = eng->src_key;

	for (int i = 0; i < 8; i++) {
		v = v << 8 ^ spi[i] ^ v >> 56;
	}
	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ULL;
	v ^= v >> 32;
	return (unsigned)(v & eng->hash_mask);
}

static const uint8_t *
our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

/*
 * Both SPI tables with at least as many buckets as IKE SAs (one more
 * coming): chains stay short whatever the number of SAs.  A failed
 * allocation keeps the tables as they are, only slower.
 */
static int
spi_tables_reserve(struct ike_engine *eng)
{
	uint32_t nb = eng->hash_mask + 1;
	struct ike_sa **s, **i;

	if (eng->by_spi != NULL && eng->n_sas < nb) {
		return 0;
	}
	nb = eng->by_spi == NULL ? IKD_HASH_MIN : 2 * nb;
	s = calloc(nb, sizeof(*s));
	i = calloc(nb, sizeof(*i));
	if (s == NULL || i == NULL) {
		free(s);
		free(i);
		return eng->by_spi != NULL ? 0 : -ENOMEM;
	}
	free(eng->by_spi);
	free(eng->by_ispi);
	eng->by_spi = s;
	eng->by_ispi = i;
	eng->hash_mask = nb - 1;
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		unsigned h = spi_hash(eng, our_spi(sa));

		sa->hnext = s[h];
		s[h] = sa;
		if (!sa->initiator) {	/* ike_sa_set_ispi() follows
					 * ike_sa_new() at once */
			h = spi_hash(eng, sa->spi_i);
			sa->inext = i[h];
			i[h] = sa;
		}
	}
	return 0;
}

/* ---- half-open SAs per source address ---- */

static unsigned
src_hash(const struct ike_engine *eng, const struct ike_addr *a)
{
	uint64_t v = eng->src_key;

	for (int i = 0; i < (a->af == 6 ? 16 : 4); i++) {
		v = (v ^ a->ip[i]) * 0x100000001b3ULL;
	}
	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ULL;
	v ^= v >> 32;
	return (unsigned)(v & (IKD_SRC_SLOTS - 1));
}

static int
src_is(const struct ike_src *e, const struct ike_addr *a)
{
	return e->af == a->af && memcmp(e->ip, a->ip, a->af == 6 ? 16 : 4) ==
	    0;
}

/* The slot of a, or the free slot where it would go. */
static unsigned
src_find(const struct ike_engine *eng, const struct ike_addr *a)
{
	unsigned i = src_hash(eng, a);

	while (eng->src[i].af != 0 && !src_is(&eng->src[i], a)) {
		i = (i + 1) & (IKD_SRC_SLOTS - 1);
	}
	return i;
}

/* see ike_int.h */
unsigned
ike_src_half_open(const struct ike_engine *eng, const struct ike_addr *a)
{
	const struct ike_src *e = &eng->src[src_find(eng, a)];

	return e->af != 0 ? e->half_open : 0;
}

/* Empties slot i, moving back the entries after it that probed past it
 * (deletion in linear probing without tombstones). */
static void
src_remove(struct ike_engine *eng, unsigned i)
{
	unsigned j = i;

	eng->src[i].af = 0;
	for (;;) {
		unsigned home;

		j = (j + 1) & (IKD_SRC_SLOTS - 1);
		if (eng->src[j].af == 0) {
			return;
		}
		{
			struct ike_addr x = { .af = eng->src[j].af };

			memcpy(x.ip, eng->src[j].ip, 16);
			home = src_hash(eng, &x);
		}
		/* j's entry may move to i when i lies cyclically in
		 * [home, j) */
		if (((j - home) & (IKD_SRC_SLOTS - 1)) >=
		    ((j - i) & (IKD_SRC_SLOTS - 1))) {
			eng->src[i] = eng->src[j];
			eng->src[j].af = 0;
			i = j;
		}
	}
}

/* see ike_int.h */
void
ike_half_open_enter(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct ike_src *e = &eng->src[src_find(eng, &sa->peer)];

	sa->state = SA_INIT_DONE;
	eng->n_half_open++;
	if (e->af == 0) {
		e->af = sa->peer.af;
		memset(e->ip, 0, sizeof(e->ip));
		memcpy(e->ip, sa->peer.ip, sa->peer.af == 6 ? 16 : 4);
		e->half_open = 0;
	}
	e->half_open++;
}

/* see ike_int.h */
void
ike_half_open_leave(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	unsigned i;

	if ((sa->state != SA_INIT_DONE && sa->state != SA_INIT_WORK) ||
	    sa->initiator) {
		return;
	}
	if (eng->n_half_open > 0) {
		eng->n_half_open--;
	}
	i = src_find(eng, &sa->peer);
	if (eng->src[i].af != 0 && --eng->src[i].half_open == 0) {
		src_remove(eng, i);
	}
}

struct ike_sa *
ike_sa_by_spi(struct ike_engine *eng, const uint8_t spi[8])
{
	if (eng->by_spi == NULL) {
		return NULL;	/* no IKE SA yet */
	}
	for (struct ike_sa *s = eng->by_spi[spi_hash(eng, spi)]; s;
	    s = s->hnext) {
		if (memcmp(our_spi(s), spi, 8) == 0) {
			return s;
		}
	}
	return NULL;
}

/* see ike_int.h */
struct ike_sa *
ike_sa_by_ispi(struct ike_engine *eng, const uint8_t ispi[8],
    const struct ike_addr *peer)
{
	if (eng->by_ispi == NULL) {
		return NULL;
	}
	for (struct ike_sa *s = eng->by_ispi[spi_hash(eng, ispi)]; s;
	    s = s->inext) {
		if (!s->initiator && memcmp(s->spi_i, ispi, 8) == 0 &&
		    s->peer.af == peer->af &&
		    memcmp(s->peer.ip, peer->ip, 16) == 0) {
			return s;
		}
	}
	return NULL;
}

/* The bytes of an SA's buffer for IKE_SA_INIT and IKE_AUTH (struct ike_sa,
 * ni): our nonce, the peer's, SK_pi and SK_pr, an initiator's cookie. */
static size_t
hs_len(int initiator)
{
	return IKD_NONCE_LEN + IKEV2_NONCE_MAX + 2 * CR_PRF_MAX +
	    (initiator ? IKD_COOKIE_MAX : 0);
}

/* see ike_int.h */
struct ike_sa *
ike_sa_new(struct ike_engine *eng, struct ike_vpn *vpn, int initiator,
    const struct ike_addr *local, const struct ike_addr *peer)
{
	int slots = IKD_CHILD_SLOTS(vpn ? vpn->cfg->n_flows : 0);
	struct ike_sa *sa = calloc(1, sizeof(*sa) +
	    (size_t)slots * sizeof(sa->child[0]));
	uint8_t *spi;

	if (sa == NULL || timers_reserve(eng) != 0 ||
	    spi_tables_reserve(eng) != 0 ||
	    (sa->ni = calloc(1, hs_len(initiator))) == NULL) {
		free(sa);
		return NULL;
	}
	/* Ni is the initiator's nonce (of the rekey, for one made so) */
	sa->nr = sa->ni + (initiator ? IKD_NONCE_LEN : IKEV2_NONCE_MAX);
	sa->keys.sk_pi = sa->nr + (initiator ? IKEV2_NONCE_MAX :
	    IKD_NONCE_LEN);
	sa->keys.sk_pr = sa->keys.sk_pi + CR_PRF_MAX;
	sa->cookie = initiator ? sa->keys.sk_pr + CR_PRF_MAX : NULL;
	sa->n_slots = slots;
	sa->eng = eng;
	sa->vpn = vpn;
	sa->initiator = (uint8_t)initiator;
	sa->local = *local;
	sa->peer = *peer;
	sa->created_ms = eng->now;
	sa->last_rx_ms = eng->now;
	spi = initiator ? sa->spi_i : sa->spi_r;
	do {
		if (cr_rand(spi, 8) != 0) {
			free(sa->ni);
			free(sa);
			return NULL;
		}
	} while (ike_sa_by_spi(eng, spi) != NULL ||
	    memcmp(spi, "\0\0\0\0\0\0\0\0", 8) == 0);
	sa->hnext = eng->by_spi[spi_hash(eng, spi)];
	eng->by_spi[spi_hash(eng, spi)] = sa;
	sa->next = eng->sas;
	if (eng->sas != NULL) {
		eng->sas->prev = sa;
	}
	eng->sas = sa;
	sa->seq = ++eng->sa_seq;
	eng->n_sas++;
	if (vpn) {
		ike_vpn_link(vpn, sa);
		ike_touch(eng, vpn);
	}
	return sa;
}

static void
unlink_sa(struct ike_sa **head, struct ike_sa *sa, size_t off)
{
	for (struct ike_sa **p = head; *p;
	    p = (struct ike_sa **)((char *)*p + off)) {
		if (*p == sa) {
			*p = *(struct ike_sa **)((char *)sa + off);
			return;
		}
	}
}

/* Replaces from with to in a chain linked at offset off. */
static void
relink_sa(struct ike_sa **head, const struct ike_sa *from, struct ike_sa *to,
    size_t off)
{
	for (struct ike_sa **p = head; *p;
	    p = (struct ike_sa **)((char *)*p + off)) {
		if (*p == from) {
			*p = to;
			return;
		}
	}
}

/* see ike_int.h */
struct ike_sa *
ike_sa_set_vpn(struct ike_sa *sa, struct ike_vpn *vpn)
{
	struct ike_engine *eng = sa->eng;
	int slots = IKD_CHILD_SLOTS(vpn->cfg->n_flows);
	struct ike_sa *n;

	unlink_sa(&sa->vpn->sas, sa, offsetof(struct ike_sa, vnext));
	ike_touch(eng, sa->vpn);
	ike_touch(eng, vpn);
	if (slots <= sa->n_slots) {
		sa->vpn = vpn;
		ike_vpn_link(vpn, sa);
		return sa;
	}
	/* A half-open responder SA only: nothing points to it but the
	 * engine's tables, and it has no CHILD SA yet.  Not realloc():
	 * the old block, keys and all, is wiped before it is freed. */
	n = calloc(1, sizeof(*n) + (size_t)slots * sizeof(n->child[0]));
	if (n == NULL) {
		ike_vpn_link(sa->vpn, sa);	/* back where it was */
		return NULL;
	}
	memcpy(n, sa, sizeof(*sa) + (size_t)sa->n_slots * sizeof(sa->child[0]));
	n->n_slots = slots;
	n->vpn = vpn;
	ike_vpn_link(vpn, n);
	if (n->tm.pos) {
		eng->sa_q.h[n->tm.pos - 1] = &n->tm;
	}
	if (n->prev != NULL) {
		n->prev->next = n;
	} else {
		eng->sas = n;
	}
	if (n->next != NULL) {
		n->next->prev = n;
	}
	relink_sa(&eng->by_spi[spi_hash(eng, our_spi(sa))], sa, n,
	    offsetof(struct ike_sa, hnext));
	if (!sa->initiator) {
		relink_sa(&eng->by_ispi[spi_hash(eng, sa->spi_i)], sa, n,
		    offsetof(struct ike_sa, inext));
	}
	cr_wipe(sa, sizeof(*sa) + (size_t)sa->n_slots * sizeof(sa->child[0]));
	free(sa);
	return n;
}

/* see ike_int.h */
void
ike_sa_set_ispi(struct ike_sa *sa, const uint8_t ispi[8])
{
	struct ike_engine *eng = sa->eng;

	memcpy(sa->spi_i, ispi, 8);
	sa->inext = eng->by_ispi[spi_hash(eng, ispi)];
	eng->by_ispi[spi_hash(eng, ispi)] = sa;
}

/* see ike_int.h */
void
ike_sa_drop_nonces(struct ike_sa *sa)
{
	if (sa->ni != NULL) {
		cr_wipe(sa->ni, hs_len(sa->initiator));
		free(sa->ni);
	}
	sa->ni = sa->nr = NULL;
	/* IKE_AUTH is over, or the SA was rekeyed into being */
	sa->keys.sk_pi = sa->keys.sk_pr = NULL;
	sa->cookie = NULL;
	sa->cookie_len = 0;
}

/* The VPN moves to nsa with every CHILD SA of old, unchanged (RFC 7296
 * 2.18); old is left to be deleted. */
void
ike_sa_rekey_adopt(struct ike_sa *old, struct ike_sa *nsa)
{
	struct ike_engine *eng = old->eng;

	/* Same VPN, same flows: the same slots (a reload that changes the
	 * flows restarts the VPN). */
	for (int i = 0; i < old->n_slots && i < nsa->n_slots; i++) {
		int inst = old->child[i].state == CHILD_INSTALLED;

		if (old->child[i].state != CHILD_NONE &&
		    nsa->child[i].state == CHILD_NONE) {
			if (inst) {
				ike_child_index(old, i, 0);
			}
			nsa->child[i] = old->child[i];
			memset(&old->child[i], 0, sizeof(old->child[i]));
			if (inst) {
				ike_child_index(nsa, i, 1);
			}
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
	ike_log(eng, IKE_LOG_NOTICE, nsa, "IKE SA rekeyed: replaces spi "
	    "0x%02x%02x%02x%02x..., %d CHILD SAs moved", old->spi_i[0],
	    old->spi_i[1], old->spi_i[2], old->spi_i[3], nsa->n_children);
}

/* see ike_int.h */
void
ike_sa_free(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;

	if (sa->rekey_new) {
		struct ike_sa *n = sa->rekey_new;

		n->parent = NULL;
		sa->rekey_new = NULL;
		if (n->state == SA_REKEYING) {
			ike_sa_free(n);	/* our rekey never finished */
		}
	}
	if (sa->rekey_peer) {
		sa->rekey_peer->parent = NULL;
	}
	if (sa->parent) {
		if (sa->parent->rekey_new == sa) {
			sa->parent->rekey_new = NULL;
		}
		if (sa->parent->rekey_peer == sa) {
			sa->parent->rekey_peer = NULL;
		}
	}
	for (int i = 0; i < sa->n_slots; i++) {
		ike_child_remove(sa, i);
	}
	ike_half_open_leave(sa);
	frag_discard(sa);
	if (sa->up && eng->st.ike_sas > 0) {
		eng->st.ike_sas--;
	}
	unlink_sa(&eng->by_spi[spi_hash(eng, our_spi(sa))], sa,
	    offsetof(struct ike_sa, hnext));
	if (!sa->initiator) {
		unlink_sa(&eng->by_ispi[spi_hash(eng, sa->spi_i)], sa,
		    offsetof(struct ike_sa, inext));
	}
	if (sa->prev != NULL) {
		sa->prev->next = sa->next;
	} else {
		eng->sas = sa->next;
	}
	if (sa->next != NULL) {
		sa->next->prev = sa->prev;
	}
	eng->n_sas--;
	ike_tq_remove(&eng->sa_q, &sa->tm);
	for (uint32_t i = 0; sa->held && i < eng->n_due; i++) {
		if (eng->tick_due[i] == sa) {
			eng->tick_due[i] = NULL;	/* skipped */
		}
	}
	for (uint32_t i = 0; sa->held && i < eng->n_later; i++) {
		if (eng->tick_later[i] == sa) {
			eng->tick_later[i] = NULL;
		}
	}
	if (sa->vpn) {
		unlink_sa(&sa->vpn->sas, sa, offsetof(struct ike_sa, vnext));
		ike_touch(eng, sa->vpn);
	}
	if (sa->vpn && sa->vpn->sa == sa) {
		sa->vpn->sa = NULL;
		if (sa->vpn->active && sa->vpn->retry_at == 0) {
			ike_vpn_schedule_retry(eng, sa->vpn);
			ike_log(eng, IKE_LOG_INFO, NULL, "%s: active VPN: "
			    "initiating again in %llu s", sa->vpn->cfg->name,
			    (unsigned long long)(sa->vpn->retry_at -
			    eng->now + 999) / 1000);
		} else if (sa->vpn->cfg->peer_host != NULL &&
		    !sa->vpn->active && !sa->vpn->admin_down &&
		    sa->vpn->retry_at == 0) {
			/* a passive named peer may have moved: look again */
			sa->vpn->retry_at = eng->now ? eng->now : 1;
		}
	}
	cr_ike_keys_wipe(&sa->keys);
	cr_dh_wipe(&sa->dhc);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->req);
	free(sa->resp);
	ike_sa_drop_nonces(sa);
	cr_wipe(sa, sizeof(*sa) + (size_t)sa->n_slots * sizeof(sa->child[0]));
	free(sa);
}

/* see ike_int.h */
void
ike_vpn_schedule_retry(struct ike_engine *eng, struct ike_vpn *v)
{
	if (v->retry_ms == 0) {
		v->retry_ms = IKD_RETRY_MIN_MS;
	}
	v->retry_at = eng->now + v->retry_ms;
	v->retry_ms *= 2;
	if (v->retry_ms > IKD_RETRY_MAX_MS) {
		v->retry_ms = IKD_RETRY_MAX_MS;
	}
}

/* ---- sending ---- */

/* see ike_int.h */
int
ike_build(struct ike_sa *sa, uint8_t exch, int response, uint32_t msgid,
    const struct pld_wr *inner, size_t *len)
{
	struct ike_engine *eng = sa->eng;
	struct msg_hdr h;
	struct pld_wr pw;
	size_t plain = inner ? wr_len(&inner->w) : 0, body, body_off;
	uint8_t first = inner && inner->n ? inner->first : IKEV2_PL_NONE;
	const uint8_t *ek, *ak;

	int rc;

	eng->tx_nfrag = 0;
	if (inner && pld_wr_err(inner) != 0) {
		return -ENOSPC;
	}
	/* RFC 7383: as fragments when it would not fit the path. */
	if ((rc = frag_build(sa, exch, response, msgid, inner, len)) != 0) {
		return rc < 0 ? rc : 0;
	}
	msg_hdr_set(&h, sa->spi_i, sa->spi_r, exch,
	    (uint8_t)((sa->initiator ? IKEV2_FLAG_I : 0) |
	    (response ? IKEV2_FLAG_R : 0)), msgid);
	body = cr_sk_body_len(sa->enc, sa->integ, plain);
	if (body == 0) {
		return -EINVAL;
	}
	msg_wr_init(&pw, eng->tx, sizeof(eng->tx), &h);
	body_off = pld_put_sk(&pw, first, body);
	if (msg_wr_finish(&pw, len) != 0) {
		return -ENOSPC;
	}
	if (plain) {
		memcpy(eng->tx + body_off + sa->enc->iv_len, inner->w.buf,
		    plain);
	}
	ek = sa->initiator ? sa->keys.sk_ei : sa->keys.sk_er;
	ak = sa->initiator ? sa->keys.sk_ai : sa->keys.sk_ar;
	return cr_sk_seal(sa->enc, sa->integ, ek, sa->keys.a_len ? ak : NULL,
	    eng->tx, body_off, plain);
}

/* see ike_int.h */
int
ike_keep_copy(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t len)
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

/* see ike_int.h */
int
ike_send_request(struct ike_sa *sa, uint8_t exch, int xchg, size_t len)
{
	struct ike_engine *eng = sa->eng;

	if (ike_keep_copy(&sa->req, &sa->req_len, eng->tx, len) != 0) {
		return -ENOMEM;
	}
	sa->req_nfrag = eng->tx_nfrag;
	eng->tx_nfrag = 0;
	sa->req_xchg = (uint8_t)xchg;
	sa->req_exch = exch;
	sa->retries = 0;
	sa->retx_at = eng->now + IKD_RETRANSMIT_MS;
	frag_send_list(sa, sa->req, sa->req_len, sa->req_nfrag);
	ike_log(eng, IKE_LOG_DEBUG, sa, "sent %s req %u",
	    ikev2_exchange_name(exch), sa->msgid_out);
	return 0;
}

/* see ike_int.h */
int
ike_send_response(struct ike_sa *sa, uint32_t msgid, size_t len)
{
	struct ike_engine *eng = sa->eng;

	if (ike_keep_copy(&sa->resp, &sa->resp_len, eng->tx, len) != 0) {
		return -ENOMEM;
	}
	sa->resp_nfrag = eng->tx_nfrag;
	eng->tx_nfrag = 0;
	sa->resp_msgid = msgid;
	sa->have_resp = 1;
	frag_send_list(sa, sa->resp, sa->resp_len, sa->resp_nfrag);
	return 0;
}

/* see ike_int.h */
void
ike_request_done(struct ike_sa *sa)
{
	free(sa->req);
	sa->req = NULL;
	sa->req_len = 0;
	sa->req_nfrag = 0;
	sa->req_xchg = X_NONE;
	sa->retx_at = 0;
	sa->msgid_out++;
}
