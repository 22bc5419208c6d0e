/*
 * ike.c - the IKEv2 engine: SA table, timers, configuration, and the
 * dispatch of every received datagram (RFC 7296).
 *
 * The exchanges themselves are in core/ike/ike_xchg.c; this file owns the
 * lifetime of IKE SAs (creation, lookup by SPI in constant time, freeing
 * with their CHILD SAs' kernel state), sending and retransmitting
 * requests, replaying cached responses, and the timers: retransmission
 * (iked's 2 s doubling, 5 tries), liveness checks, half-open expiry and the
 * re-initiation of active VPNs with back-off, each IKE SA's and VPN's next
 * deadline kept in a min-heap so that neither ike_next_timer() nor
 * ike_tick() walks every SA.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/ike/ike_xchg.h"
#include "core/wire/ikev2.h"
#include "core/wire/msg.h"

/* ---- logging ---- */

static const char *
addr_str(const struct ike_addr *a, char *buf, size_t len)
{
	char ip[64];

	if (a->af == 0) {
		snprintf(buf, len, "any");
		return buf;
	}
	ts_addr_format(a->af, a->ip, ip, sizeof(ip));
	snprintf(buf, len, a->af == 6 ? "[%s]:%u" : "%s:%u", ip, a->port);
	return buf;
}

/* see ike_xchg.h */
void
ike_log(struct ike_engine *eng, int level, const struct ike_sa *sa,
    const char *fmt, ...)
{
	char line[512];
	size_t n = 0;
	va_list ap;

	if (level > eng->log_level || eng->env.log == NULL) {
		return;
	}
	if (sa) {
		uint64_t spi = 0;

		for (int i = 0; i < 8; i++) {
			spi = spi << 8 | sa->spi_i[i];
		}
		n = (size_t)snprintf(line, sizeof(line), "%s: spi=0x%016llx: ",
		    sa->vpn ? sa->vpn->cfg->name : "-",
		    (unsigned long long)spi);
	}
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	eng->env.log(eng->env.ctx, level, line);
}

/* see ike_xchg.h */
const char *
ike_sa_peer_str(const struct ike_sa *sa, char *buf, size_t len)
{
	char p[80], l[80];

	snprintf(buf, len, "peer %s local %s", addr_str(&sa->peer, p, sizeof(p)),
	    addr_str(&sa->local, l, sizeof(l)));
	return buf;
}

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

static void
tq_remove(struct ike_tq *q, struct ike_timer *t)
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
static void
tq_set(struct ike_tq *q, struct ike_timer *t, uint64_t due)
{
	t->due = due;
	if (due == UINT64_MAX) {
		tq_remove(q, t);
		return;
	}
	if (t->pos == 0) {
		tq_put(q, q->n++, t);
	}
	tq_up(q, t->pos - 1);
	tq_down(q, t->pos - 1);
}

static uint64_t
tq_top(const struct ike_tq *q)
{
	return q->n ? q->h[0]->due : UINT64_MAX;
}

#define TM_OWNER(t, type) \
	((type *)(void *)((char *)(t) - offsetof(type, tm)))

/* Puts sa in v's list, which runs newest first like the engine's (so
 * that walking either meets a rekey's new SA before its old one). */
static void
vpn_link(struct ike_vpn *v, struct ike_sa *sa)
{
	struct ike_sa **p = &v->sas;

	while (*p != NULL && (*p)->seq > sa->seq) {
		p = &(*p)->vnext;
	}
	sa->vnext = *p;
	*p = sa;
}

/* see ike_xchg.h */
void
ike_touch(struct ike_engine *eng, struct ike_vpn *v)
{
	if (v != NULL && !v->dirty) {
		v->dirty = 1;
		v->dnext = eng->dirty;
		eng->dirty = v;
	}
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
		tq_set(&eng->vpn_q, &v->tm, ike_vpn_due(v));
		for (struct ike_sa *sa = v->sas; sa; sa = sa->vnext) {
			if (sa->held) {
				sa->tm.due = ike_sa_due(eng, sa);
			} else {
				tq_set(&eng->sa_q, &sa->tm,
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
			vpn_link(sa->vpn, sa);
		}
	}
	timers_flush(eng);
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

static unsigned
spi_hash(const uint8_t spi[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		v = v << 8 | spi[i];
	}
	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ULL;
	v ^= v >> 32;
	return (unsigned)(v & (IKD_HASH_SIZE - 1));
}

static const uint8_t *
our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

static struct ike_sa *
sa_by_spi(struct ike_engine *eng, const uint8_t spi[8])
{
	for (struct ike_sa *s = eng->by_spi[spi_hash(spi)]; s; s = s->hnext) {
		if (memcmp(our_spi(s), spi, 8) == 0) {
			return s;
		}
	}
	return NULL;
}

/* see ike_xchg.h */
struct ike_sa *
ike_sa_by_ispi(struct ike_engine *eng, const uint8_t ispi[8],
    const struct ike_addr *peer)
{
	for (struct ike_sa *s = eng->by_ispi[spi_hash(ispi)]; s;
	    s = s->inext) {
		if (!s->initiator && memcmp(s->spi_i, ispi, 8) == 0 &&
		    s->peer.af == peer->af &&
		    memcmp(s->peer.ip, peer->ip, 16) == 0) {
			return s;
		}
	}
	return NULL;
}

/* see ike_xchg.h */
struct ike_sa *
ike_sa_new(struct ike_engine *eng, struct ike_vpn *vpn, int initiator,
    const struct ike_addr *local, const struct ike_addr *peer)
{
	int slots = IKD_CHILD_SLOTS(vpn ? vpn->cfg->n_flows : 0);
	struct ike_sa *sa = calloc(1, sizeof(*sa) +
	    (size_t)slots * sizeof(sa->child[0]));
	uint8_t *spi;

	if (sa == NULL || timers_reserve(eng) != 0 ||
	    (sa->ni = calloc(2, IKEV2_NONCE_MAX)) == NULL) {
		free(sa);
		return NULL;
	}
	sa->nr = sa->ni + IKEV2_NONCE_MAX;
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
	} while (sa_by_spi(eng, spi) != NULL ||
	    memcmp(spi, "\0\0\0\0\0\0\0\0", 8) == 0);
	sa->hnext = eng->by_spi[spi_hash(spi)];
	eng->by_spi[spi_hash(spi)] = sa;
	sa->next = eng->sas;
	eng->sas = sa;
	sa->seq = ++eng->sa_seq;
	eng->n_sas++;
	if (vpn) {
		vpn_link(vpn, sa);
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

/* see ike_xchg.h */
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
		vpn_link(vpn, sa);
		return sa;
	}
	/* A half-open responder SA only: nothing points to it but the
	 * engine's tables, and it has no CHILD SA yet.  Not realloc():
	 * the old block, keys and all, is wiped before it is freed. */
	n = calloc(1, sizeof(*n) + (size_t)slots * sizeof(n->child[0]));
	if (n == NULL) {
		vpn_link(sa->vpn, sa);	/* back where it was */
		return NULL;
	}
	memcpy(n, sa, sizeof(*sa) + (size_t)sa->n_slots * sizeof(sa->child[0]));
	n->n_slots = slots;
	n->vpn = vpn;
	vpn_link(vpn, n);
	if (n->tm.pos) {
		eng->sa_q.h[n->tm.pos - 1] = &n->tm;
	}
	relink_sa(&eng->sas, sa, n, offsetof(struct ike_sa, next));
	relink_sa(&eng->by_spi[spi_hash(our_spi(sa))], sa, n,
	    offsetof(struct ike_sa, hnext));
	if (!sa->initiator) {
		relink_sa(&eng->by_ispi[spi_hash(sa->spi_i)], sa, n,
		    offsetof(struct ike_sa, inext));
	}
	cr_wipe(sa, sizeof(*sa) + (size_t)sa->n_slots * sizeof(sa->child[0]));
	free(sa);
	return n;
}

/* see ike_xchg.h */
void
ike_sa_set_ispi(struct ike_sa *sa, const uint8_t ispi[8])
{
	struct ike_engine *eng = sa->eng;

	memcpy(sa->spi_i, ispi, 8);
	sa->inext = eng->by_ispi[spi_hash(ispi)];
	eng->by_ispi[spi_hash(ispi)] = sa;
}

/* see ike_xchg.h */
void
ike_sa_drop_nonces(struct ike_sa *sa)
{
	if (sa->ni != NULL) {
		cr_wipe(sa->ni, 2 * IKEV2_NONCE_MAX);
		free(sa->ni);
	}
	sa->ni = sa->nr = NULL;
}

/* see ike_xchg.h */
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
	if (sa->state == SA_INIT_DONE && eng->n_half_open > 0) {
		eng->n_half_open--;
	}
	if (sa->up && eng->st.ike_sas > 0) {
		eng->st.ike_sas--;
	}
	unlink_sa(&eng->by_spi[spi_hash(our_spi(sa))], sa,
	    offsetof(struct ike_sa, hnext));
	if (!sa->initiator) {
		unlink_sa(&eng->by_ispi[spi_hash(sa->spi_i)], sa,
		    offsetof(struct ike_sa, inext));
	}
	unlink_sa(&eng->sas, sa, offsetof(struct ike_sa, next));
	eng->n_sas--;
	tq_remove(&eng->sa_q, &sa->tm);
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

/* see ike_xchg.h */
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

/* see ike_xchg.h */
uint64_t
ike_jitter(uint64_t ms, unsigned lo_pct, unsigned hi_pct)
{
	uint32_t r = 0;

	(void)cr_rand(&r, sizeof(r));
	return ms * (lo_pct + r % (hi_pct - lo_pct + 1)) / 100;
}

/* ---- sending ---- */

/* see ike_xchg.h */
void
ike_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct ike_engine *eng = sa->eng;

	if (eng->env.send) {
		eng->env.send(eng->env.ctx, &sa->local, &sa->peer, buf, len);
	}
}

/* see ike_xchg.h */
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

	if (inner && pld_wr_err(inner) != 0) {
		return -ENOSPC;
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

static int
keep(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t len)
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

/* see ike_xchg.h */
int
ike_send_request(struct ike_sa *sa, uint8_t exch, int xchg, size_t len)
{
	struct ike_engine *eng = sa->eng;

	if (keep(&sa->req, &sa->req_len, eng->tx, len) != 0) {
		return -ENOMEM;
	}
	sa->req_xchg = (uint8_t)xchg;
	sa->req_exch = exch;
	sa->retries = 0;
	sa->retx_at = eng->now + IKD_RETRANSMIT_MS;
	ike_send_raw(sa, sa->req, sa->req_len);
	ike_log(eng, IKE_LOG_DEBUG, sa, "sent %s req %u",
	    ikev2_exchange_name(exch), sa->msgid_out);
	return 0;
}

/* see ike_xchg.h */
int
ike_send_response(struct ike_sa *sa, uint32_t msgid, size_t len)
{
	struct ike_engine *eng = sa->eng;

	if (keep(&sa->resp, &sa->resp_len, eng->tx, len) != 0) {
		return -ENOMEM;
	}
	sa->resp_msgid = msgid;
	sa->have_resp = 1;
	ike_send_raw(sa, sa->resp, sa->resp_len);
	return 0;
}

/* see ike_xchg.h */
void
ike_request_done(struct ike_sa *sa)
{
	free(sa->req);
	sa->req = NULL;
	sa->req_len = 0;
	sa->req_xchg = X_NONE;
	sa->retx_at = 0;
	sa->msgid_out++;
}

/* ---- kernel ---- */

static void
kaddr(struct kern_addr *k, const struct ike_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->family = a->af == 6 ? KERN_AF_INET6 : KERN_AF_INET;
	memcpy(k->addr, a->ip, 16);
}

static void
kprefix(struct kern_prefix *k, const struct ts_range *ts)
{
	struct ts_cidr c;
	size_t n = 0;

	memset(k, 0, sizeof(*k));
	if (ts_to_cidrs(ts, &c, 1, &n) != 0 && n == 0) {
		return;
	}
	k->addr.family = c.af == 6 ? KERN_AF_INET6 : KERN_AF_INET;
	memcpy(k->addr.addr, c.addr, 16);
	k->plen = c.plen;
}

/* see ike_xchg.h */
void
ike_kern_sa(const struct ike_sa *sa, const struct child_sa *ch, int dir,
    struct kern_sa *k)
{
	memset(k, 0, sizeof(*k));
	k->dir = (uint8_t)dir;
	k->proto = KERN_PROTO_ESP;
	k->mode = KERN_MODE_TUNNEL;
	if (dir == KERN_DIR_IN) {
		kaddr(&k->src, &sa->peer);
		kaddr(&k->dst, &sa->local);
		k->spi = ch->spi_in;
	} else {
		kaddr(&k->src, &sa->local);
		kaddr(&k->dst, &sa->peer);
		k->spi = ch->spi_out;
	}
	k->reqid = ch->reqid;
	k->encr = ch->enc;
	k->integ = ch->integ;
	k->replay_window = 32;
	snprintf(k->vpn, sizeof(k->vpn), "%s",
	    sa->vpn ? sa->vpn->cfg->name : "-");
}

static void
kern_policy(const struct ike_sa *sa, const struct child_sa *ch, int dir,
    struct kern_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->dir = (uint8_t)dir;
	if (dir == KERN_DIR_OUT) {
		kprefix(&p->src, &ch->ts_l);
		kprefix(&p->dst, &ch->ts_r);
		kaddr(&p->tun_src, &sa->local);
		kaddr(&p->tun_dst, &sa->peer);
	} else {
		kprefix(&p->src, &ch->ts_r);
		kprefix(&p->dst, &ch->ts_l);
		kaddr(&p->tun_src, &sa->peer);
		kaddr(&p->tun_dst, &sa->local);
	}
	p->reqid = ch->reqid;
	snprintf(p->vpn, sizeof(p->vpn), "%s",
	    sa->vpn ? sa->vpn->cfg->name : "-");
}

static const int policy_dirs[3] = { KERN_DIR_OUT, KERN_DIR_IN, KERN_DIR_FWD };

/* see ike_xchg.h */
int
ike_child_install(struct ike_sa *sa, int idx, const struct cr_child_keys *keys,
    int xinit)
{
	struct ike_engine *eng = sa->eng;
	struct child_sa *ch = &sa->child[idx];
	struct kern_sa k;
	struct kern_policy p;
	int rc = 0, err;
	/* The exchange's initiator-to-responder keys protect our outbound
	 * traffic when we sent its request, whoever began the IKE SA (a
	 * CHILD SA rekeyed by the IKE responder, or any CHILD SA of an IKE
	 * SA the peer rekeyed). */
	const uint8_t *ek_out = xinit ? keys->encr_i : keys->encr_r;
	const uint8_t *ak_out = xinit ? keys->integ_i : keys->integ_r;
	const uint8_t *ek_in = xinit ? keys->encr_r : keys->encr_i;
	const uint8_t *ak_in = xinit ? keys->integ_r : keys->integ_i;
	char l[64], r[64];

	const struct cfg_vpn *c = sa->vpn ? sa->vpn->cfg : NULL;
	uint64_t life = c ? (uint64_t)c->lifetime * 1000 : 0;
	uint64_t soft = life ? ike_jitter(life, IKD_SOFT_MIN_PCT,
	    IKD_SOFT_MAX_PCT) : 0;
	uint64_t soft_bytes = c && c->lifetime_bytes ?
	    ike_jitter(c->lifetime_bytes, IKD_SOFT_MIN_PCT,
	    IKD_SOFT_MAX_PCT) : 0;
	/* A rekey keeps the flow's reqid: the policies stay, and the kernel
	 * sends on the newest SA of that reqid from the moment it is added
	 * while the old one still takes what is in flight. */
	int keep_policies = ch->reqid != 0 &&
	    ike_child_by_reqid(sa, ch->reqid, idx) >= 0;
	int defer_out = 0;
	uint32_t hard_secs, soft_secs;

	for (int i = 0; i < sa->n_slots && ch->by_peer && ch->rekey_of_in;
	    i++) {
		defer_out |= sa->child[i].state == CHILD_INSTALLED &&
		    sa->child[i].spi_in == ch->rekey_of_in;
	}

	if (ch->reqid == 0) {
		ch->reqid = eng->next_reqid++;
		if (eng->next_reqid > IKD_REQID_MAX) {
			eng->next_reqid = IKD_REQID_BASE;
		}
	}
	/* The engine's own timer rekeys by time; the kernel's soft time
	 * limit, in whole seconds, is a fallback only: halfway between that
	 * timer and the hard limit, rounded up so that it never fires
	 * before the timer, and below the hard limit.  Where no whole second
	 * fits between them (short lifetimes), the timer is brought forward
	 * to the kernel's second instead.  Bytes are counted by the kernel
	 * alone: its soft byte limit is what rekeys by volume. */
	hard_secs = (uint32_t)(life / 1000);
	soft_secs = life ?
	    (uint32_t)((soft + (life - soft) / 2 + 999) / 1000) : 0;
	if (soft_secs >= hard_secs) {
		soft_secs = hard_secs > 1 ? hard_secs - 1 : 0;
	}
	if (soft_secs > 0 && soft > (uint64_t)soft_secs * 1000) {
		soft = (uint64_t)soft_secs * 1000;
	}
	ch->rekey_at = life ? eng->now + soft : UINT64_MAX;
	ch->expire_at = life ? eng->now + life : UINT64_MAX;
	for (int dir = KERN_DIR_IN; dir <= KERN_DIR_OUT; dir++) {
		ike_kern_sa(sa, ch, dir, &k);
		k.hard_secs = hard_secs;
		k.soft_secs = soft_secs;
		k.hard_bytes = c ? c->lifetime_bytes : 0;
		k.soft_bytes = soft_bytes;
		memcpy(k.encr_key, dir == KERN_DIR_IN ? ek_in : ek_out,
		    keys->e_len);
		k.encr_key_len = keys->e_len;
		memcpy(k.integ_key, dir == KERN_DIR_IN ? ak_in : ak_out,
		    keys->a_len);
		k.integ_key_len = keys->a_len;
		if (dir == KERN_DIR_OUT && defer_out) {
			/* The responder of a rekey sends on the new SA only
			 * once the old one is deleted: until the initiator
			 * has the answer, it could not read it (no packet
			 * lost across a rekey). */
			ch->out_k = malloc(sizeof(*ch->out_k));
			if (ch->out_k != NULL) {
				*ch->out_k = k;
				cr_wipe(&k, sizeof(k));
				continue;
			}
		}
		err = eng->env.sa_add ? eng->env.sa_add(eng->env.ctx, &k) : 0;
		cr_wipe(&k, sizeof(k));
		if (err != 0) {
			ike_log(eng, IKE_LOG_ERR, sa,
			    "kernel refused %s SA spi 0x%08x: %s",
			    dir == KERN_DIR_IN ? "inbound" : "outbound",
			    dir == KERN_DIR_IN ? ch->spi_in : ch->spi_out,
			    strerror(-err));
			rc = err;
		}
	}
	for (int i = 0; i < 3 && rc == 0 && !keep_policies; i++) {
		kern_policy(sa, ch, policy_dirs[i], &p);
		err = eng->env.policy_add ?
		    eng->env.policy_add(eng->env.ctx, &p) : 0;
		if (err != 0) {
			ike_log(eng, IKE_LOG_ERR, sa,
			    "kernel refused a policy: %s", strerror(-err));
			rc = err;
		}
	}
	ch->state = CHILD_INSTALLED;
	sa->n_children++;
	eng->st.child_sas++;
	if (ch->rekey_of_in) {
		eng->st.rekeys_child++;
	}
	ts_format(&ch->ts_l, l, sizeof(l));
	ts_format(&ch->ts_r, r, sizeof(r));
	ike_log(eng, IKE_LOG_INFO, sa,
	    "CHILD SA %s: %s === %s spi in 0x%08x out 0x%08x %s%s%s%s%s",
	    ch->rekey_of_in ? "rekeyed" : "up",
	    l, r, ch->spi_in, ch->spi_out, ch->enc->name,
	    ch->integ ? " " : "", ch->integ ? ch->integ->name : "",
	    ch->dh ? " pfs " : "", ch->dh ? ch->dh->name : "");
	return rc;
}

/* see ike_xchg.h */
void
ike_child_send_new(struct ike_sa *sa, uint32_t old_spi_in)
{
	struct ike_engine *eng = sa->eng;

	for (int i = 0; i < sa->n_slots; i++) {
		struct child_sa *ch = &sa->child[i];
		int err;

		if (ch->out_k == NULL || ch->state != CHILD_INSTALLED ||
		    (old_spi_in != 0 && ch->rekey_of_in != old_spi_in)) {
			continue;
		}
		if (!ch->rekeyed) {
			err = eng->env.sa_add ?
			    eng->env.sa_add(eng->env.ctx, ch->out_k) : 0;
			if (err != 0) {
				ike_log(eng, IKE_LOG_ERR, sa, "kernel refused "
				    "outbound SA spi 0x%08x: %s", ch->spi_out,
				    strerror(-err));
			}
		}
		cr_wipe(ch->out_k, sizeof(*ch->out_k));
		free(ch->out_k);
		ch->out_k = NULL;
	}
}

/* see ike_xchg.h */
int
ike_child_by_reqid(const struct ike_sa *sa, uint32_t reqid, int except)
{
	for (int i = 0; i < sa->n_slots; i++) {
		if (i != except && sa->child[i].state == CHILD_INSTALLED &&
		    sa->child[i].reqid == reqid) {
			return i;
		}
	}
	return -1;
}

/* see ike_xchg.h */
void
ike_child_remove(struct ike_sa *sa, int idx)
{
	struct ike_engine *eng = sa->eng;
	struct child_sa *ch = &sa->child[idx];
	struct kern_sa k;
	struct kern_policy p;

	if (ch->state == CHILD_INSTALLED) {
		uint32_t gone = ch->spi_in;

		/* The policies belong to the flow: they stay while another
		 * SA of the same reqid (a rekey's) still carries it. */
		for (int i = 0; i < 3 &&
		    ike_child_by_reqid(sa, ch->reqid, idx) < 0; i++) {
			kern_policy(sa, ch, policy_dirs[i], &p);
			if (eng->env.policy_del) {
				(void)eng->env.policy_del(eng->env.ctx, &p);
			}
		}
		for (int dir = KERN_DIR_IN; dir <= KERN_DIR_OUT; dir++) {
			ike_kern_sa(sa, ch, dir, &k);
			if (eng->env.sa_del) {
				(void)eng->env.sa_del(eng->env.ctx, &k);
			}
		}
		sa->n_children--;
		if (eng->st.child_sas > 0) {
			eng->st.child_sas--;
		}
		ike_log(eng, IKE_LOG_INFO, sa,
		    "CHILD SA down: spi in 0x%08x out 0x%08x", ch->spi_in,
		    ch->spi_out);
		ike_child_send_new(sa, gone);
	} else if (ch->state == CHILD_CREATING && ch->spi_in != 0) {
		/* an SPI reserved in the kernel for a child that never came */
		ike_kern_sa(sa, ch, KERN_DIR_IN, &k);
		if (eng->env.sa_del) {
			(void)eng->env.sa_del(eng->env.ctx, &k);
		}
	}
	if (ch->out_k) {
		cr_wipe(ch->out_k, sizeof(*ch->out_k));
		free(ch->out_k);
	}
	if (idx == sa->xchg_child && sa->state == SA_ESTABLISHED) {
		cr_dh_wipe(&sa->dhc);	/* its PFS exchange, if out */
	}
	memset(ch, 0, sizeof(*ch));
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
	input(eng, local, peer, buf, len);
	timers_flush(eng);
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
	sa = sa_by_spi(eng, spi);
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
	ike_touch(eng, sa->vpn);
	if (resp) {
		if (sa->req == NULL || m.hdr.msgid != sa->msgid_out) {
			eng->st.dropped++;
			return;	/* late or unexpected: nothing waits for it */
		}
		ike_xchg_response(sa, &m);
		return;
	}
	if (sa->have_resp && m.hdr.msgid == sa->resp_msgid &&
	    m.hdr.msgid + 1 == sa->msgid_in) {
		/* A retransmitted request: the same answer, byte for byte. */
		ike_send_raw(sa, sa->resp, sa->resp_len);
		return;
	}
	if (m.hdr.msgid != sa->msgid_in) {
		eng->st.dropped++;
		return;
	}
	ike_xchg_request(sa, &m);
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
		if (ch->del != 0 && e != UINT64_MAX &&
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

/* see ike_xchg.h */
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
	if (sa->state == SA_INIT_DONE ||
	    (sa->state == SA_REKEYED && sa->req == NULL)) {
		t = min64(t, sa->expire_at);
	}
	t = min64(t, dpd_due(eng, sa));
	t = min64(t, stray_due(sa));
	t = min64(t, child_expiry_due(sa));
	if (sa->state == SA_ESTABLISHED && sa->req == NULL) {
		t = min64(t, ike_xchg_work_due(sa));
	}
	return t;
}

/* see ike_xchg.h */
uint64_t
ike_vpn_due(const struct ike_vpn *v)
{
	if (v->active && v->sa == NULL && v->retry_at != 0) {
		return v->retry_at;
	}
	return UINT64_MAX;
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
		ike_send_raw(sa, sa->req, sa->req_len);
		sa->retx_at = now +
		    ((uint64_t)IKD_RETRANSMIT_MS << sa->retries);
		return;
	}
	if (sa->state == SA_INIT_DONE && sa->expire_at <= now) {
		ike_log(eng, IKE_LOG_INFO, sa,
		    "half-open IKE SA expired: no IKE_AUTH from %s",
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
		if (ch->del == 0 && sa->state == SA_ESTABLISHED) {
			ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA spi "
			    "0x%08x: hard lifetime reached, deleting",
			    ch->spi_in);
			ch->del = 1;
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
		ike_xchg_kick(sa);
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

	while (tq_top(&eng->sa_q) <= now) {
		struct ike_sa *sa = TM_OWNER(eng->sa_q.h[0], struct ike_sa);

		tq_remove(&eng->sa_q, &sa->tm);
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
			tq_set(&eng->sa_q, &sa->tm, sa->tm.due);
		}
	}
	eng->n_due = eng->n_later = 0;
	/* Then the VPNs due, in configuration order. */
	while (tq_top(&eng->vpn_q) <= now) {
		struct ike_vpn *v = TM_OWNER(eng->vpn_q.h[0], struct ike_vpn);

		tq_remove(&eng->vpn_q, &v->tm);
		eng->tick_vpns[nv++] = v;
	}
	qsort(eng->tick_vpns, nv, sizeof(eng->tick_vpns[0]), vpn_order);
	for (i = 0; i < nv; i++) {
		struct ike_vpn *v = eng->tick_vpns[i];

		ike_touch(eng, v);
		if (v->active && v->sa == NULL && v->retry_at != 0 &&
		    v->retry_at <= now) {
			v->retry_at = 0;
			ike_xchg_initiate(eng, v);
		}
	}
	timers_flush(eng);
}

/* see ike.h */
uint64_t
ike_next_timer(const struct ike_engine *eng)
{
	uint64_t t = min64(tq_top(&eng->sa_q), tq_top(&eng->vpn_q));

	return t < eng->now ? eng->now : t;
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
	if (cr_rand(eng->cookie_secret, sizeof(eng->cookie_secret)) != 0) {
		free(eng);
		return NULL;
	}
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
	free(eng->vpns);
	free(eng->info_children);
	free(eng->sa_q.h);
	free(eng->vpn_q.h);
	free(eng->tick_due);
	free(eng->tick_later);
	free(eng->tick_vpns);
	cfg_free(eng->cfg);
	cr_wipe(eng->cookie_secret, sizeof(eng->cookie_secret));
	free(eng);
}

/* see ike.h */
void
ike_set_log_level(struct ike_engine *eng, int level)
{
	eng->log_level = level;
}

static struct ike_vpn *
vpn_by_name(struct ike_engine *eng, const char *name)
{
	for (size_t i = 0; i < eng->n_vpns; i++) {
		/* NULL: already moved to the new table by ike_set_config. */
		if (eng->vpns[i].cfg != NULL &&
		    strcmp(eng->vpns[i].cfg->name, name) == 0) {
			return &eng->vpns[i];
		}
	}
	return NULL;
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
	struct ike_sa *sa;

	if (q != NULL) {
		eng->vpn_q.h = q;
	}
	tv = q ? realloc(eng->tick_vpns, n * sizeof(*tv)) : NULL;
	if (tv != NULL) {
		eng->tick_vpns = tv;
	}
	if (nv == NULL || tv == NULL) {
		free(nv);
		return -ENOMEM;
	}
	eng->now = now;
	for (size_t i = 0; i < cfg->n_vpns; i++) {
		struct ike_vpn *old = vpn_by_name(eng, cfg->vpns[i].name);

		nv[i].cfg = &cfg->vpns[i];
		nv[i].active = cfg->vpns[i].mode == CFG_MODE_ACTIVE;
		if (old && cfg_vpn_equal(old->cfg, nv[i].cfg)) {
			/* Unchanged: its SAs carry on untouched. */
			nv[i].sa = old->sa;
			nv[i].retry_at = old->retry_at;
			nv[i].retry_ms = old->retry_ms;
			for (sa = old->sas; sa; sa = sa->vnext) {
				sa->vpn = &nv[i];	/* lists rebuilt below */
			}
			old->cfg = NULL;	/* moved */
		} else {
			if (old) {
				ike_log(eng, IKE_LOG_INFO, NULL,
				    "%s: configuration changed, restarting",
				    old->cfg->name);
				vpn_close(eng, old);
				old->cfg = NULL;
			}
			if (nv[i].active) {
				nv[i].retry_at = now ? now : 1;
			}
		}
	}
	/* Removed VPNs. */
	for (size_t i = 0; i < eng->n_vpns; i++) {
		if (eng->vpns[i].cfg) {
			ike_log(eng, IKE_LOG_INFO, NULL,
			    "%s: removed from the configuration",
			    eng->vpns[i].cfg->name);
			vpn_close(eng, &eng->vpns[i]);
		}
	}
	free(eng->vpns);
	cfg_free(eng->cfg);
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
	struct ike_vpn *v = vpn_by_name(eng, name);

	if (v == NULL) {
		return -ENOENT;
	}
	eng->now = now;
	ike_touch(eng, v);
	v->active = 1;
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
	struct ike_vpn *v = vpn_by_name(eng, name);

	if (v == NULL) {
		return -ENOENT;
	}
	eng->now = now;
	ike_touch(eng, v);
	v->active = 0;
	v->retry_at = 0;
	vpn_close(eng, v);
	timers_flush(eng);
	return 0;
}

/* see ike.h */
int
ike_vpn_rekey(struct ike_engine *eng, const char *name, int ike,
    uint64_t now)
{
	struct ike_vpn *v = vpn_by_name(eng, name);
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
	ike_xchg_kick(sa);
	timers_flush(eng);
	return 0;
}

/* see ike.h */
int
ike_child_expired(struct ike_engine *eng, uint32_t spi, int hard,
    uint64_t now)
{
	eng->now = now;
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		for (int i = 0; i < sa->n_slots; i++) {
			struct child_sa *ch = &sa->child[i];

			if (ch->state != CHILD_INSTALLED ||
			    (ch->spi_in != spi && ch->spi_out != spi)) {
				continue;
			}
			ike_touch(eng, sa->vpn);
			if (hard && sa->state == SA_ESTABLISHED && !ch->del) {
				/* the peer still has its half: DELETE it */
				ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA spi "
				    "0x%08x expired: the kernel removed it, "
				    "deleting", ch->spi_in);
				ch->del = 1;
				ch->expire_at = now;
				ike_xchg_kick(sa);
			} else if (hard) {
				ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA spi "
				    "0x%08x expired: the kernel removed it",
				    ch->spi_in);
				ike_child_remove(sa, i);
			} else if (!ch->rekeyed && !ch->del &&
			    ch->rekey_at > now &&
			    sa->state == SA_ESTABLISHED) {
				/* The kernel's soft limit (bytes, or time if
				 * our own timer was missed): rekey now.  One
				 * already replaced is not rekeyed twice, and
				 * one already due (our timer, or the soft
				 * expire of its other direction: each of the
				 * pair has its limits) is noted once. */
				ike_log(eng, IKE_LOG_INFO, sa, "CHILD SA spi "
				    "0x%08x soft lifetime reached, rekeying",
				    ch->spi_in);
				ch->rekey_at = now;
			}
			timers_flush(eng);
			return 0;
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
	for (struct ike_sa *sa = eng->sas; sa && v == NULL && reqid;
	    sa = sa->next) {
		for (int i = 0; i < sa->n_slots; i++) {
			if (sa->child[i].state != CHILD_NONE &&
			    sa->child[i].reqid == reqid) {
				v = sa->vpn;
				break;
			}
		}
	}
	for (size_t i = 0; i < eng->n_vpns && v == NULL && peer; i++) {
		const struct sockaddr_storage *ss = &eng->vpns[i].cfg->peer;
		const uint8_t *ip = NULL;

		if (ss->ss_family == AF_INET && peer->af == 4) {
			ip = (const uint8_t *)&((const struct sockaddr_in *)
			    ss)->sin_addr;
		} else if (ss->ss_family == AF_INET6 && peer->af == 6) {
			ip = (const uint8_t *)&((const struct sockaddr_in6 *)
			    ss)->sin6_addr;
		}
		if (ip && memcmp(ip, peer->ip, peer->af == 6 ? 16 : 4) == 0) {
			v = &eng->vpns[i];
		}
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
	st->half_open = eng->n_half_open;
}
