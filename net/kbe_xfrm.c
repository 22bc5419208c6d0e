/*
 * kbe_xfrm.c - the "xfrm" kernel backend: Linux XFRM over netlink
 * (NETLINK_XFRM, linux/xfrm.h), what strongSwan and libreswan use.  Unlike
 * PF_KEY it carries AEAD ciphers (XFRMA_ALG_AEAD), RFC 4868 truncation
 * lengths (XFRMA_ALG_AUTH_TRUNC), extended sequence numbers and large
 * replay windows (XFRMA_REPLAY_ESN_VAL) and UDP encapsulation
 * (XFRMA_ENCAP), and it exists on kernels built without af_key.
 *
 * Two sockets, as in the pfkey backend: requests carry NLM_F_ACK and are
 * answered on a socket of their own (netlink replies are unicast, matched
 * by sequence number); the event socket, opened on first use, joins the
 * XFRMNLGRP_EXPIRE and XFRMNLGRP_ACQUIRE multicast groups.  Extended acks
 * (NETLINK_EXT_ACK) give the kernel's reason for a refusal in its own
 * words, and NETLINK_CAP_ACK keeps it from echoing our request (keys
 * included) back.
 *
 * The messages are built and parsed by the buffer functions of
 * net/kbe_xfrm.h; everything the kernel sends goes through
 * kbe_xfrm_next() and bounds-checked attribute walks, copied into local
 * structs; a message that does not add up is skipped, never trusted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/alg.h"
#include "net/kbe_xfrm.h"
#include "net/nl.h"

#define XNL_TIMEOUT_MS 3000	/* a kernel reply normally takes < 1 ms */
#define XNL_RBUF 65536
#define XNL_SBUF 2048		/* the largest request: an SA with keys */

/* Policies of ours get a priority under this when the engine says 0. */
#define XFRM_PRIO_BASE 0x4000

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLMSGERR_ATTR_MSG
#define NLMSGERR_ATTR_MSG 1
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2	/* RFC 3948 */
#endif

extern const struct kbe_ops kbe_xfrm_ops;

struct kbe_xfrm {
	struct kbe kbe;		/* first: the common head */
	int req_fd;
	int ev_fd;		/* -1 until events_fd() */
	uint32_t seq;
	uint8_t sbuf[XNL_SBUF] __attribute__((aligned(8)));
	uint8_t rbuf[XNL_RBUF] __attribute__((aligned(8)));
};

/* ---- algorithms ------------------------------------------------------ */

/* IANA transform IDs (RFC 7296 3.3.2, RFC 4106, RFC 7634, RFC 4868). */
#define ENCR_AES_CBC 12
#define ENCR_AES_GCM_8 18
#define ENCR_AES_GCM_12 19
#define ENCR_AES_GCM_16 20
#define ENCR_CHACHA20_POLY1305 28
#define AUTH_HMAC_SHA1_96 2
#define AUTH_HMAC_SHA2_256_128 12
#define AUTH_HMAC_SHA2_384_192 13
#define AUTH_HMAC_SHA2_512_256 14

static const struct {
	int type;
	uint16_t id;
	const char *name;	/* the kernel's crypto API name */
} xalgs[] = {
	{ CR_ENCR, ENCR_AES_CBC, "cbc(aes)" },
	{ CR_ENCR, ENCR_AES_GCM_8, "rfc4106(gcm(aes))" },
	{ CR_ENCR, ENCR_AES_GCM_12, "rfc4106(gcm(aes))" },
	{ CR_ENCR, ENCR_AES_GCM_16, "rfc4106(gcm(aes))" },
	{ CR_ENCR, ENCR_CHACHA20_POLY1305, "rfc7539esp(chacha20,poly1305)" },
	{ CR_INTEG, AUTH_HMAC_SHA1_96, "hmac(sha1)" },
	{ CR_INTEG, AUTH_HMAC_SHA2_256_128, "hmac(sha256)" },
	{ CR_INTEG, AUTH_HMAC_SHA2_384_192, "hmac(sha384)" },
	{ CR_INTEG, AUTH_HMAC_SHA2_512_256, "hmac(sha512)" },
};

/* see kbe_xfrm.h */
const char *
kbe_xfrm_alg_name(const struct cr_alg *alg)
{
	if (alg == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(xalgs) / sizeof(xalgs[0]); i++) {
		if (xalgs[i].type == alg->type && xalgs[i].id == alg->id) {
			return xalgs[i].name;
		}
	}
	return NULL;
}

/*
 * Kernel name, key bits (with the salt for AEAD) and ICV bits -> our
 * table entry; NULL when ikebox has no such transform.
 */
static const struct cr_alg *
alg_from_kernel(int type, const char *name, unsigned key_bits,
    unsigned icv_bits)
{
	for (const struct cr_alg *a = cr_algs; a->name != NULL; a++) {
		const char *kn;

		if (a->type != type || a->refused != NULL ||
		    (kn = kbe_xfrm_alg_name(a)) == NULL ||
		    strcmp(kn, name) != 0 || a->key_len * 8u != key_bits) {
			continue;
		}
		if (icv_bits != 0 && a->out_len * 8u != icv_bits) {
			continue;
		}
		return a;
	}
	return NULL;
}

/* ---- building -------------------------------------------------------- */

/* The shared builder (net/nl.h) with this file's header arguments. */
static void *
xnl_init(struct nl_build *m, uint8_t *buf, size_t cap, uint16_t type,
    uint16_t flags, size_t hlen, const struct xfrm_hdr_args *h)
{
	return nl_init(m, buf, cap, type, flags, hlen, h->seq, h->pid);
}

/* XFRMA_IF_ID and XFRMA_MARK (all bits) when set. */
static void
put_ifid_mark(struct nl_build *m, uint32_t if_id, uint32_t mark)
{
	uint32_t *id;
	struct xfrm_mark *mk;

	if (if_id != 0 && (id = nl_attr(m, XFRMA_IF_ID, sizeof(*id))) != NULL) {
		*id = if_id;
	}
	if (mark != 0 && (mk = nl_attr(m, XFRMA_MARK, sizeof(*mk))) != NULL) {
		mk->v = mark;
		mk->m = 0xffffffffu;
	}
}

static int
kfamily(const struct kern_addr *a)
{
	return a->family == KERN_AF_INET ? AF_INET :
	    a->family == KERN_AF_INET6 ? AF_INET6 : 0;
}

static void
xaddr_put(xfrm_address_t *x, const struct kern_addr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->addr, a->family == KERN_AF_INET ? 4 : 16);
}

static void
xaddr_get(struct kern_addr *a, const xfrm_address_t *x, int family)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->family = KERN_AF_INET;
		memcpy(a->addr, x, 4);
	} else if (family == AF_INET6) {
		a->family = KERN_AF_INET6;
		memcpy(a->addr, x, 16);
	}
}

static uint64_t
inf_if_zero(uint64_t v)
{
	return v == 0 ? XFRM_INF : v;
}

/* The state's identity and endpoints, shared by NEWSA and ALLOCSPI. */
static int
usersa_fill(struct xfrm_usersa_info *u, const struct kern_sa *sa)
{
	int fam = kfamily(&sa->src);

	if (fam == 0 || fam != kfamily(&sa->dst)) {
		return -EINVAL;
	}
	u->family = (uint16_t)fam;
	u->sel.family = (uint16_t)fam;
	xaddr_put(&u->id.daddr, &sa->dst);
	xaddr_put(&u->saddr, &sa->src);
	u->id.spi = htonl(sa->spi);
	u->id.proto = sa->proto ? sa->proto : IPPROTO_ESP;
	u->mode = XFRM_MODE_TUNNEL;
	u->reqid = sa->reqid;
	u->lft.soft_byte_limit = XFRM_INF;
	u->lft.hard_byte_limit = XFRM_INF;
	u->lft.soft_packet_limit = XFRM_INF;
	u->lft.hard_packet_limit = XFRM_INF;
	return 0;
}

/* see kbe_xfrm.h */
int
kbe_xfrm_build_sa(uint8_t *buf, size_t cap, const struct kern_sa *sa,
    int update, uint32_t rnd, const struct xfrm_hdr_args *h)
{
	struct xfrm_usersa_info *u;
	const char *en, *an = NULL;
	struct nl_build m;
	int aead;

	en = kbe_xfrm_alg_name(sa->encr);
	aead = sa->encr != NULL && (sa->encr->flags & CR_F_AEAD) != 0;
	if (en == NULL || sa->encr_key_len != sa->encr->key_len ||
	    sa->encr_key_len > KERN_KEY_MAX) {
		return -EINVAL;
	}
	if (!aead && (sa->integ == NULL ||
	    (an = kbe_xfrm_alg_name(sa->integ)) == NULL ||
	    sa->integ_key_len != sa->integ->key_len ||
	    sa->integ_key_len > KERN_KEY_MAX)) {
		return -EINVAL;
	}
	u = xnl_init(&m, buf, cap, update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA,
	    NLM_F_REQUEST | NLM_F_ACK, sizeof(*u), h);
	if (u == NULL) {
		return m.err;
	}
	if (usersa_fill(u, sa) != 0) {
		return -EINVAL;
	}
	u->lft.hard_byte_limit = inf_if_zero(sa->hard_bytes);
	u->lft.soft_byte_limit = inf_if_zero(kbe_soft_limit(sa->soft_bytes,
	    sa->hard_bytes, rnd));
	u->lft.hard_add_expires_seconds = sa->hard_secs;
	u->lft.soft_add_expires_seconds = kbe_soft_limit(sa->soft_secs,
	    sa->hard_secs, rnd >> 8);
	if (aead) {
		struct xfrm_algo_aead *a = nl_attr(&m, XFRMA_ALG_AEAD,
		    sizeof(*a) + sa->encr_key_len);

		if (a != NULL) {
			snprintf(a->alg_name, sizeof(a->alg_name), "%s", en);
			a->alg_key_len = sa->encr_key_len * 8u;
			a->alg_icv_len = sa->encr->out_len * 8u;
			memcpy(a->alg_key, sa->encr_key, sa->encr_key_len);
		}
	} else {
		struct xfrm_algo *c = nl_attr(&m, XFRMA_ALG_CRYPT,
		    sizeof(*c) + sa->encr_key_len);
		struct xfrm_algo_auth *t = nl_attr(&m, XFRMA_ALG_AUTH_TRUNC,
		    sizeof(*t) + sa->integ_key_len);

		if (c != NULL && t != NULL) {
			snprintf(c->alg_name, sizeof(c->alg_name), "%s", en);
			c->alg_key_len = sa->encr_key_len * 8u;
			memcpy(c->alg_key, sa->encr_key, sa->encr_key_len);
			snprintf(t->alg_name, sizeof(t->alg_name), "%s", an);
			t->alg_key_len = sa->integ_key_len * 8u;
			/* RFC 4868 2.3 (96 bits for hmac-sha1, RFC 2404) */
			t->alg_trunc_len = sa->integ->out_len * 8u;
			memcpy(t->alg_key, sa->integ_key, sa->integ_key_len);
		}
	}
	if (sa->esn || sa->replay_window > 32) {
		/*
		 * ESN, and windows past the 32 bits of the old field, need
		 * the bitmap attribute; the kernel then wants replay_window
		 * 0 in the fixed part.
		 */
		uint32_t w = sa->replay_window > XFRMA_REPLAY_ESN_MAX ?
		    XFRMA_REPLAY_ESN_MAX : sa->replay_window;
		uint32_t words = (w + 31) / 32;
		struct xfrm_replay_state_esn *r = nl_attr(&m,
		    XFRMA_REPLAY_ESN_VAL, sizeof(*r) + words * 4u);

		if (r != NULL) {
			r->bmp_len = words;
			r->replay_window = w;
		}
		if (sa->esn) {
			u->flags |= XFRM_STATE_ESN;
		}
	} else {
		u->replay_window = (uint8_t)sa->replay_window;
	}
	put_ifid_mark(&m, sa->if_id, sa->mark);
	if (sa->encap_sport != 0 || sa->encap_dport != 0) {
		struct xfrm_encap_tmpl *e = nl_attr(&m, XFRMA_ENCAP,
		    sizeof(*e));

		if (e != NULL) {
			e->encap_type = UDP_ENCAP_ESPINUDP;
			e->encap_sport = htons(sa->encap_sport);
			e->encap_dport = htons(sa->encap_dport);
		}
	}
	return nl_done(&m);
}

/* see kbe_xfrm.h */
int
kbe_xfrm_build_allocspi(uint8_t *buf, size_t cap, const struct kern_sa *sa,
    uint32_t min, uint32_t max, const struct xfrm_hdr_args *h)
{
	struct xfrm_userspi_info *s;
	struct nl_build m;

	s = xnl_init(&m, buf, cap, XFRM_MSG_ALLOCSPI, NLM_F_REQUEST,
	    sizeof(*s), h);
	if (s == NULL) {
		return m.err;
	}
	if (usersa_fill(&s->info, sa) != 0) {
		return -EINVAL;
	}
	s->info.id.spi = 0;
	/*
	 * The kernel reuses a larval (acquire) state whose sequence number
	 * equals this one; ours are far above the acquire counter.
	 */
	s->info.seq = h->seq;
	s->min = min;
	s->max = max;
	/* UPDSA finds the reserved state by its mark */
	put_ifid_mark(&m, sa->if_id, sa->mark);
	return nl_done(&m);
}

/* see kbe_xfrm.h */
int
kbe_xfrm_build_sa_id(uint8_t *buf, size_t cap, const struct kern_sa *sa,
    int get, const struct xfrm_hdr_args *h)
{
	struct xfrm_usersa_id *id;
	xfrm_address_t *src;
	struct nl_build m;
	int fam = kfamily(&sa->dst);

	id = xnl_init(&m, buf, cap, get ? XFRM_MSG_GETSA : XFRM_MSG_DELSA,
	    NLM_F_REQUEST | (get ? 0 : NLM_F_ACK), sizeof(*id), h);
	if (id == NULL) {
		return m.err;
	}
	if (fam == 0) {
		return -EINVAL;
	}
	xaddr_put(&id->daddr, &sa->dst);
	id->spi = htonl(sa->spi);
	id->family = (uint16_t)fam;
	id->proto = sa->proto ? sa->proto : IPPROTO_ESP;
	if (kfamily(&sa->src) == fam &&
	    (src = nl_attr(&m, XFRMA_SRCADDR, sizeof(*src))) != NULL) {
		xaddr_put(src, &sa->src);
	}
	put_ifid_mark(&m, 0, sa->mark);	/* the kernel finds SAs by mark */
	return nl_done(&m);
}

/* see kbe_xfrm.h */
uint32_t
kbe_xfrm_priority(const struct kern_policy *p)
{
	/* Longer selectors first, as the kernel picks the lowest value. */
	return p->priority ? p->priority :
	    XFRM_PRIO_BASE - (uint32_t)p->src.plen - p->dst.plen;
}

static int
sel_fill(struct xfrm_selector *s, const struct kern_policy *p)
{
	int fam = kfamily(&p->src.addr);

	if (fam == 0 || fam != kfamily(&p->dst.addr)) {
		return -EINVAL;
	}
	s->family = (uint16_t)fam;
	xaddr_put(&s->saddr, &p->src.addr);
	xaddr_put(&s->daddr, &p->dst.addr);
	s->prefixlen_s = p->src.plen;
	s->prefixlen_d = p->dst.plen;
	s->proto = p->proto;
	return 0;
}

/* see kbe_xfrm.h */
int
kbe_xfrm_build_policy(uint8_t *buf, size_t cap, const struct kern_policy *p,
    int del, uint32_t index, const struct xfrm_hdr_args *h)
{
	struct nl_build m;

	if (p->dir < KERN_DIR_IN || p->dir > KERN_DIR_FWD) {
		return -EINVAL;
	}
	if (del) {
		struct xfrm_userpolicy_id *id = xnl_init(&m, buf, cap,
		    XFRM_MSG_DELPOLICY, NLM_F_REQUEST | NLM_F_ACK,
		    sizeof(*id), h);

		if (id == NULL) {
			return m.err;
		}
		/* kern_dir is XFRM_POLICY_IN/OUT/FWD plus one. */
		id->dir = (uint8_t)(p->dir - 1);
		id->index = index;
		if (index == 0 && sel_fill(&id->sel, p) != 0) {
			return -EINVAL;
		}
		/* by selector or index, the kernel matches these too */
		put_ifid_mark(&m, p->if_id, p->mark);
		return nl_done(&m);
	}

	struct xfrm_userpolicy_info *pi;
	struct xfrm_user_tmpl *t;
	int fam = kfamily(&p->tun_src);

	pi = xnl_init(&m, buf, cap, XFRM_MSG_NEWPOLICY,
	    NLM_F_REQUEST | NLM_F_ACK, sizeof(*pi), h);
	if (pi == NULL) {
		return m.err;
	}
	if (sel_fill(&pi->sel, p) != 0 || fam == 0 ||
	    fam != kfamily(&p->tun_dst)) {
		return -EINVAL;
	}
	pi->dir = (uint8_t)(p->dir - 1);
	pi->priority = kbe_xfrm_priority(p);
	pi->action = XFRM_POLICY_ALLOW;
	pi->lft.soft_byte_limit = XFRM_INF;
	pi->lft.hard_byte_limit = XFRM_INF;
	pi->lft.soft_packet_limit = XFRM_INF;
	pi->lft.hard_packet_limit = XFRM_INF;
	if ((t = nl_attr(&m, XFRMA_TMPL, sizeof(*t))) != NULL) {
		xaddr_put(&t->id.daddr, &p->tun_dst);
		xaddr_put(&t->saddr, &p->tun_src);
		t->id.proto = IPPROTO_ESP;
		t->family = (uint16_t)fam;
		t->reqid = p->reqid;
		t->mode = XFRM_MODE_TUNNEL;
		t->aalgos = t->ealgos = t->calgos = ~0u;
	}
	put_ifid_mark(&m, p->if_id, p->mark);
	return nl_done(&m);
}

/* see kbe_xfrm.h */
int
kbe_xfrm_build_dump(uint8_t *buf, size_t cap, int sa,
    const struct xfrm_hdr_args *h)
{
	struct nl_build m;

	(void)xnl_init(&m, buf, cap, sa ? XFRM_MSG_GETSA : XFRM_MSG_GETPOLICY,
	    NLM_F_REQUEST | NLM_F_DUMP, 0, h);
	return nl_done(&m);
}

/* ---- parsing --------------------------------------------------------- */

/* see kbe_xfrm.h */
int
kbe_xfrm_next(const uint8_t *buf, size_t n, size_t *off,
    const uint8_t **msg, size_t *len)
{
	struct nlmsghdr nh;

	if (*off >= n) {
		return 0;
	}
	if (n - *off < sizeof(nh)) {
		*off = n;
		return -EBADMSG;
	}
	memcpy(&nh, buf + *off, sizeof(nh));
	if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > n - *off) {
		*off = n;
		return -EBADMSG;
	}
	*msg = buf + *off;
	*len = nh.nlmsg_len;
	*off += NL_ALIGN(nh.nlmsg_len) < n - *off ?
	    NL_ALIGN(nh.nlmsg_len) : n - *off;
	return 1;
}

/* Attribute offsets of one message (0 = absent); first of a type kept. */
struct xattrs {
	size_t off[XFRMA_MAX + 1];
	size_t len[XFRMA_MAX + 1];	/* payload bytes */
};

static int
attrs_parse(const uint8_t *msg, size_t n, size_t hlen, struct xattrs *x)
{
	size_t off = NLMSG_HDRLEN + NL_ALIGN(hlen);

	memset(x, 0, sizeof(*x));
	if (n < NLMSG_HDRLEN + hlen) {
		return -EBADMSG;
	}
	while (off + NLA_HDRLEN <= n) {
		struct nlattr a;
		uint16_t t;

		memcpy(&a, msg + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > n - off) {
			return -EBADMSG;
		}
		t = a.nla_type & NLA_TYPE_MASK;
		if (t <= XFRMA_MAX && x->off[t] == 0) {
			x->off[t] = off + NLA_HDRLEN;
			x->len[t] = a.nla_len - NLA_HDRLEN;
		}
		off += NL_ALIGN(a.nla_len);
	}
	return 0;
}

/* Copies attribute t (at least size bytes) into out; 0 if present. */
static int
attr_get(const uint8_t *msg, const struct xattrs *x, int t, void *out,
    size_t size)
{
	if (x->off[t] == 0 || x->len[t] < size) {
		return -ENOENT;
	}
	memcpy(out, msg + x->off[t], size);
	return 0;
}

/*
 * An algorithm attribute: the fixed head (name, key bits, maybe ICV or
 * truncation bits) of head bytes, then the key, which must fit in the
 * attribute and in KERN_KEY_MAX (else the key is not copied).
 */
static void
alg_get(const uint8_t *msg, const struct xattrs *x, int t, size_t head,
    char *name, size_t nlen, unsigned *bits, unsigned *extra,
    uint8_t *key, uint16_t *klen)
{
	struct xfrm_algo_aead a;	/* the largest head */
	size_t kl;

	memset(&a, 0, sizeof(a));
	if (attr_get(msg, x, t, &a, head) != 0) {
		return;
	}
	a.alg_name[sizeof(a.alg_name) - 1] = '\0';
	snprintf(name, nlen, "%s", a.alg_name);
	*bits = a.alg_key_len;
	if (head == sizeof(struct xfrm_algo_aead)) {
		*extra = a.alg_icv_len;
	} else if (head == sizeof(struct xfrm_algo_auth)) {
		struct xfrm_algo_auth au;

		memcpy(&au, msg + x->off[t], sizeof(au));
		*extra = au.alg_trunc_len;
	}
	kl = (a.alg_key_len + 7) / 8;
	if (kl <= KERN_KEY_MAX && kl <= x->len[t] - head) {
		memcpy(key, msg + x->off[t] + head, kl);
		*klen = (uint16_t)kl;
	}
}

static void
usersa_get(const struct xfrm_usersa_info *u, struct kbe_xfrm_sa *out)
{
	struct kern_sa *sa = &out->sa;

	xaddr_get(&sa->src, &u->saddr, u->family);
	xaddr_get(&sa->dst, &u->id.daddr, u->family);
	sa->spi = ntohl(u->id.spi);
	sa->proto = u->id.proto;
	sa->mode = u->mode == XFRM_MODE_TUNNEL ? KERN_MODE_TUNNEL : u->mode;
	sa->reqid = u->reqid;
	sa->replay_window = u->replay_window;
	sa->esn = (u->flags & XFRM_STATE_ESN) != 0;
	sa->hard_secs = u->lft.hard_add_expires_seconds;
	sa->soft_secs = u->lft.soft_add_expires_seconds;
	sa->hard_bytes = u->lft.hard_byte_limit == XFRM_INF ? 0 :
	    u->lft.hard_byte_limit;
	sa->soft_bytes = u->lft.soft_byte_limit == XFRM_INF ? 0 :
	    u->lft.soft_byte_limit;
	out->flags = u->flags;
	out->st.bytes = u->curlft.bytes;
	out->st.packets = u->curlft.packets;
	out->st.add_time = u->curlft.add_time;
}

/* XFRMA_IF_ID and XFRMA_MARK's value (0 when absent). */
static void
get_ifid_mark(const uint8_t *msg, const struct xattrs *x, uint32_t *if_id,
    uint32_t *mark)
{
	struct xfrm_mark mk;

	if (attr_get(msg, x, XFRMA_IF_ID, if_id, sizeof(*if_id)) != 0) {
		*if_id = 0;
	}
	*mark = attr_get(msg, x, XFRMA_MARK, &mk, sizeof(mk)) == 0 ? mk.v : 0;
}

/* see kbe_xfrm.h */
int
kbe_xfrm_parse_sa(const uint8_t *msg, size_t n, struct kbe_xfrm_sa *out)
{
	struct nlmsghdr nh;
	struct xfrm_usersa_info u;
	struct xattrs x;
	size_t hlen;
	unsigned ebits = 0, ibits = 0, icv = 0, trunc = 0;
	char en[64] = "", an[64] = "";
	struct kern_sa *sa = &out->sa;

	memset(out, 0, sizeof(*out));
	if (n < sizeof(nh)) {
		return -EBADMSG;
	}
	memcpy(&nh, msg, sizeof(nh));
	switch (nh.nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		hlen = sizeof(u);
		break;
	case XFRM_MSG_EXPIRE:
		hlen = sizeof(struct xfrm_user_expire);
		break;
	default:
		return -EBADMSG;
	}
	if (nh.nlmsg_len != n || attrs_parse(msg, n, hlen, &x) != 0) {
		return -EBADMSG;
	}
	memcpy(&u, msg + NLMSG_HDRLEN, sizeof(u));
	if (u.family != AF_INET && u.family != AF_INET6) {
		return -EBADMSG;
	}
	usersa_get(&u, out);
	if (nh.nlmsg_type == XFRM_MSG_EXPIRE) {
		struct xfrm_user_expire e;

		memcpy(&e, msg + NLMSG_HDRLEN, sizeof(e));
		out->hard = e.hard != 0;
	}
	if (x.off[XFRMA_ALG_AEAD] != 0) {
		alg_get(msg, &x, XFRMA_ALG_AEAD, sizeof(struct xfrm_algo_aead),
		    en, sizeof(en), &ebits, &icv, sa->encr_key,
		    &sa->encr_key_len);
		sa->encr = alg_from_kernel(CR_ENCR, en, ebits, icv);
	} else if (x.off[XFRMA_ALG_CRYPT] != 0) {
		alg_get(msg, &x, XFRMA_ALG_CRYPT, sizeof(struct xfrm_algo),
		    en, sizeof(en), &ebits, &icv, sa->encr_key,
		    &sa->encr_key_len);
		sa->encr = alg_from_kernel(CR_ENCR, en, ebits, 0);
	}
	if (x.off[XFRMA_ALG_AUTH_TRUNC] != 0) {
		alg_get(msg, &x, XFRMA_ALG_AUTH_TRUNC,
		    sizeof(struct xfrm_algo_auth), an, sizeof(an), &ibits,
		    &trunc, sa->integ_key, &sa->integ_key_len);
		sa->integ = alg_from_kernel(CR_INTEG, an, ibits, trunc);
	} else if (x.off[XFRMA_ALG_AUTH] != 0) {
		alg_get(msg, &x, XFRMA_ALG_AUTH, sizeof(struct xfrm_algo),
		    an, sizeof(an), &ibits, &trunc, sa->integ_key,
		    &sa->integ_key_len);
		/* No truncation given: the kernel's default, not RFC 4868's
		 * for sha2-256, so shown by its kernel name. */
		sa->integ = strcmp(an, "hmac(sha256)") == 0 ? NULL :
		    alg_from_kernel(CR_INTEG, an, ibits, 0);
	}
	{
		struct xfrm_replay_state_esn r;

		if (attr_get(msg, &x, XFRMA_REPLAY_ESN_VAL, &r,
		    sizeof(r)) == 0) {
			sa->replay_window = r.replay_window;
		}
	}
	{
		struct xfrm_encap_tmpl e;

		if (attr_get(msg, &x, XFRMA_ENCAP, &e, sizeof(e)) == 0) {
			sa->encap_sport = ntohs(e.encap_sport);
			sa->encap_dport = ntohs(e.encap_dport);
		}
	}
	get_ifid_mark(msg, &x, &sa->if_id, &sa->mark);
	{
		struct xfrm_lifetime_cur c;

		if (attr_get(msg, &x, XFRMA_LTIME_VAL, &c, sizeof(c)) == 0) {
			out->st.bytes = c.bytes;
			out->st.packets = c.packets;
			out->st.add_time = c.add_time;
		}
	}
	if (sa->encr != NULL) {
		snprintf(out->encr_name, sizeof(out->encr_name), "%s",
		    sa->encr->name);
	} else {
		snprintf(out->encr_name, sizeof(out->encr_name), "%s",
		    en[0] ? en : "none");
	}
	if (sa->integ != NULL) {
		snprintf(out->integ_name, sizeof(out->integ_name), "%s",
		    sa->integ->name);
	} else if (an[0] != '\0') {
		snprintf(out->integ_name, sizeof(out->integ_name), "%s/%u",
		    an, trunc);
	} else {
		snprintf(out->integ_name, sizeof(out->integ_name), "none");
	}
	return 0;
}

/* Reads the first template of a policy or acquire into p; 0 if present. */
static int
tmpl_get(const uint8_t *msg, const struct xattrs *x, struct kern_policy *p)
{
	struct xfrm_user_tmpl t;

	if (attr_get(msg, x, XFRMA_TMPL, &t, sizeof(t)) != 0) {
		return -ENOENT;
	}
	p->reqid = t.reqid;
	xaddr_get(&p->tun_src, &t.saddr, t.family);
	xaddr_get(&p->tun_dst, &t.id.daddr, t.family);
	return 0;
}

static int
sel_get(const struct xfrm_selector *s, struct kern_policy *p)
{
	if (s->family != AF_INET && s->family != AF_INET6) {
		return -EBADMSG;
	}
	xaddr_get(&p->src.addr, &s->saddr, s->family);
	xaddr_get(&p->dst.addr, &s->daddr, s->family);
	p->src.plen = s->prefixlen_s;
	p->dst.plen = s->prefixlen_d;
	p->proto = s->proto;
	return 0;
}

/* see kbe_xfrm.h */
int
kbe_xfrm_parse_policy(const uint8_t *msg, size_t n, struct kern_policy *p,
    uint32_t *index, const char **action)
{
	struct nlmsghdr nh;
	struct xfrm_userpolicy_info pi;
	struct xattrs x;

	memset(p, 0, sizeof(*p));
	if (n < sizeof(nh)) {
		return -EBADMSG;
	}
	memcpy(&nh, msg, sizeof(nh));
	if ((nh.nlmsg_type != XFRM_MSG_NEWPOLICY &&
	    nh.nlmsg_type != XFRM_MSG_UPDPOLICY) || nh.nlmsg_len != n ||
	    attrs_parse(msg, n, sizeof(pi), &x) != 0) {
		return -EBADMSG;
	}
	memcpy(&pi, msg + NLMSG_HDRLEN, sizeof(pi));
	if (pi.dir > XFRM_POLICY_FWD || sel_get(&pi.sel, p) != 0) {
		return -EBADMSG;
	}
	p->dir = (uint8_t)(pi.dir + 1);
	p->priority = pi.priority;
	*index = pi.index;
	*action = pi.action == XFRM_POLICY_BLOCK ? "deny" : "require";
	if (tmpl_get(msg, &x, p) != 0 && pi.action != XFRM_POLICY_BLOCK) {
		*action = "bypass";
	}
	get_ifid_mark(msg, &x, &p->if_id, &p->mark);
	return 0;
}

/* see kbe_xfrm.h */
int
kbe_xfrm_parse_event(const uint8_t *msg, size_t n, struct kbe_event *ev)
{
	struct nlmsghdr nh;

	memset(ev, 0, sizeof(*ev));
	if (n < sizeof(nh)) {
		return -EBADMSG;
	}
	memcpy(&nh, msg, sizeof(nh));
	if (nh.nlmsg_type == XFRM_MSG_EXPIRE) {
		struct kbe_xfrm_sa e;

		if (kbe_xfrm_parse_sa(msg, n, &e) != 0) {
			return -EBADMSG;
		}
		if (e.sa.proto != IPPROTO_ESP) {
			memset(&e, 0, sizeof(e));
			return -ENOENT;	/* ikebox makes ESP SAs only */
		}
		ev->type = e.hard ? KBE_EV_EXPIRE_HARD : KBE_EV_EXPIRE_SOFT;
		ev->src = e.sa.src;
		ev->dst = e.sa.dst;
		ev->spi = e.sa.spi;
		ev->reqid = e.sa.reqid;
		ev->bytes = e.st.bytes;
		ev->packets = e.st.packets;
		memset(&e, 0, sizeof(e));
		return 0;
	}
	if (nh.nlmsg_type == XFRM_MSG_ACQUIRE) {
		struct xfrm_user_acquire a;
		struct kern_policy p;
		struct xattrs x;

		if (nh.nlmsg_len != n ||
		    attrs_parse(msg, n, sizeof(a), &x) != 0) {
			return -EBADMSG;
		}
		memcpy(&a, msg + NLMSG_HDRLEN, sizeof(a));
		memset(&p, 0, sizeof(p));
		ev->type = KBE_EV_ACQUIRE;
		ev->seq = a.seq;
		xaddr_get(&ev->src, &a.saddr, a.policy.sel.family ?
		    a.policy.sel.family : a.sel.family);
		xaddr_get(&ev->dst, &a.id.daddr, a.policy.sel.family ?
		    a.policy.sel.family : a.sel.family);
		if (tmpl_get(msg, &x, &p) == 0) {
			ev->reqid = p.reqid;
			if (p.tun_dst.family != 0) {
				ev->src = p.tun_src;
				ev->dst = p.tun_dst;
			}
		}
		ev->policy_id = a.policy.index;
		ev->policy_dir = a.policy.dir <= XFRM_POLICY_FWD ?
		    (uint8_t)(a.policy.dir + 1) : 0;
		return 0;
	}
	return -ENOENT;
}

/* see kbe_xfrm.h */
int
kbe_xfrm_parse_error(const uint8_t *msg, size_t n, int *err, char *reason,
    size_t len)
{
	struct nlmsghdr nh, orig;
	struct nlmsgerr e;
	size_t off;

	if (len > 0) {
		reason[0] = '\0';
	}
	if (n < NLMSG_HDRLEN + sizeof(e)) {
		return -EBADMSG;
	}
	memcpy(&nh, msg, sizeof(nh));
	if (nh.nlmsg_type != NLMSG_ERROR || nh.nlmsg_len != n) {
		return -EBADMSG;
	}
	memcpy(&e, msg + NLMSG_HDRLEN, sizeof(e));
	*err = e.error > 0 ? -e.error : e.error;
	if ((nh.nlmsg_flags & NLM_F_ACK_TLVS) == 0) {
		return 0;
	}
	/* The request comes back whole unless it was capped. */
	off = NLMSG_HDRLEN + sizeof(e);
	memcpy(&orig, &e.msg, sizeof(orig));
	if ((nh.nlmsg_flags & NLM_F_CAPPED) == 0) {
		if (orig.nlmsg_len < sizeof(orig) ||
		    orig.nlmsg_len - sizeof(orig) > n - off) {
			return -EBADMSG;
		}
		off += NL_ALIGN(orig.nlmsg_len - sizeof(orig));
	}
	while (off + NLA_HDRLEN <= n) {
		struct nlattr a;

		memcpy(&a, msg + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > n - off) {
			return -EBADMSG;
		}
		if ((a.nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG &&
		    len > 0) {
			size_t sl = a.nla_len - NLA_HDRLEN;

			sl = strnlen((const char *)msg + off + NLA_HDRLEN, sl);
			snprintf(reason, len, "%.*s", (int)sl,
			    (const char *)msg + off + NLA_HDRLEN);
		}
		off += NL_ALIGN(a.nla_len);
	}
	return 0;
}

/* see kbe_xfrm.h */
int
kbe_xfrm_parse_for_fuzz(const uint8_t *msg, size_t n)
{
	struct kbe_xfrm_sa s;
	struct kern_policy p;
	struct kbe_event ev;
	const uint8_t *m;
	size_t off = 0, len;
	uint32_t idx;
	const char *act;
	char why[128];
	int rc = -EBADMSG, e;

	while (kbe_xfrm_next(msg, n, &off, &m, &len) == 1) {
		if (kbe_xfrm_parse_sa(m, len, &s) == 0 ||
		    kbe_xfrm_parse_policy(m, len, &p, &idx, &act) == 0 ||
		    kbe_xfrm_parse_event(m, len, &ev) == 0 ||
		    kbe_xfrm_parse_error(m, len, &e, why, sizeof(why)) == 0) {
			rc = 0;
		}
	}
	memset(&s, 0, sizeof(s));
	return rc;
}

/* ---- socket I/O ------------------------------------------------------ */

static int
xnl_socket(uint32_t groups)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	struct sockaddr_nl sa;
	int one = 1, sz = 1 << 20;

	if (fd < 0) {
		return -errno;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = groups;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	return fd;
}

/* see kbe_xfrm.h */
int
kbe_xfrm_available(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);

	if (fd < 0) {
		return 0;
	}
	close(fd);
	return 1;
}

static uint32_t
xnl_next_seq(struct kbe_xfrm *xk)
{
	/* Above the kernel's acquire numbers (they count up from 1). */
	if (++xk->seq < 0x40000000u) {
		xk->seq = 0x40000000u | (kbe_random() & 0x3fffffffu);
	}
	return xk->seq;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One datagram into xk->rbuf: its length, 0 on timeout, or -errno. */
static ssize_t
xnl_recv(struct kbe_xfrm *xk, int fd, int timeout_ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);

		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			return r < 0 ? -errno : 0;
		}
		n = recv(fd, xk->rbuf, sizeof(xk->rbuf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		return n < 0 ? -errno : n;
	}
}

/* Called for each reply message of a request; 0 goes on, else stops. */
typedef int xnl_reply_fn(struct kbe_xfrm *xk, const uint8_t *msg, size_t n,
    void *arg);

/* "kernel: Invalid argument (ESN replay window must be > 0)" */
static void
kernel_error(struct kbe_xfrm *xk, const char *vpn, const char *what, int e,
    const char *reason)
{
	kbe_set_error(&xk->kbe, vpn, "%s: kernel: %s%s%s%s", what,
	    strerror(-e), reason[0] ? " (" : "", reason,
	    reason[0] ? ")" : "");
}

/*
 * Sends the len bytes in xk->sbuf and reads replies with its sequence
 * number until the acknowledgement (dump: NLMSG_DONE), handing every
 * other reply to fn.  Returns 0 or -errno, with the error line set.
 */
static int
xnl_call(struct kbe_xfrm *xk, size_t len, const char *vpn, const char *what,
    xnl_reply_fn *fn, void *arg)
{
	struct nlmsghdr req;
	struct sockaddr_nl kern = { .nl_family = AF_NETLINK };
	int64_t dl;
	int rc = 0, done = 0;

	memcpy(&req, xk->sbuf, sizeof(req));
	while (xnl_recv(xk, xk->req_fd, -1) > 0) {
		/* stale replies of a request that timed out */
	}
	if (sendto(xk->req_fd, xk->sbuf, len, 0, (struct sockaddr *)&kern,
	    sizeof(kern)) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		memset(xk->sbuf, 0, len);
		kbe_set_error(&xk->kbe, vpn, "%s: netlink send: %s", what,
		    strerror(e));
		return -e;
	}
	memset(xk->sbuf, 0, len);	/* keys */
	dl = now_ms() + XNL_TIMEOUT_MS;
	while (!done) {
		int64_t left = dl - now_ms();
		ssize_t n = left > 0 ? xnl_recv(xk, xk->req_fd, (int)left) : 0;
		const uint8_t *m;
		size_t off = 0, ml;
		int r;

		if (n == 0) {
			kbe_set_error(&xk->kbe, vpn, "%s: no netlink reply "
			    "within %d ms", what, XNL_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		if (n < 0) {
			kbe_set_error(&xk->kbe, vpn, "%s: netlink receive: "
			    "%s", what, strerror((int)-n));
			return (int)n;
		}
		while ((r = kbe_xfrm_next(xk->rbuf, (size_t)n, &off, &m,
		    &ml)) == 1) {
			struct nlmsghdr h;
			char why[160];
			int e;

			memcpy(&h, m, sizeof(h));
			if (h.nlmsg_seq != req.nlmsg_seq) {
				continue;
			}
			if (h.nlmsg_type == NLMSG_DONE) {
				done = 1;
			} else if (h.nlmsg_type == NLMSG_ERROR) {
				if (kbe_xfrm_parse_error(m, ml, &e, why,
				    sizeof(why)) != 0) {
					kbe_set_error(&xk->kbe, vpn, "%s: "
					    "malformed kernel reply", what);
					return -EBADMSG;
				}
				if (e != 0) {
					kernel_error(xk, vpn, what, e, why);
					return e;
				}
				done = 1;
			} else if (rc == 0 && fn != NULL) {
				rc = fn(xk, m, ml, arg);
				/* a reply without ACK ends a GETSA/ALLOCSPI */
				if ((req.nlmsg_flags & (NLM_F_ACK |
				    NLM_F_DUMP)) == 0) {
					done = 1;
				}
			}
		}
		if (r < 0) {
			kbe_set_error(&xk->kbe, vpn, "%s: netlink message "
			    "with a bad length from the kernel", what);
			return -EBADMSG;
		}
		dl = now_ms() + XNL_TIMEOUT_MS;	/* dumps go on */
	}
	if (rc != 0 && xk->kbe.err[0] == '\0') {
		kbe_set_error(&xk->kbe, vpn, "%s: %s", what, strerror(-rc));
	}
	return rc;
}

/* Builds into sbuf with the next sequence number. */
#define XNL_ARGS(xk) (&(struct xfrm_hdr_args){ .seq = xnl_next_seq(xk) })

/* ---- open / close ---------------------------------------------------- */

static void
xfrm_close(struct kbe *k)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;

	if (xk == NULL) {
		return;
	}
	if (xk->req_fd >= 0) {
		close(xk->req_fd);
	}
	if (xk->ev_fd >= 0) {
		close(xk->ev_fd);
	}
	memset(xk, 0, sizeof(*xk));
	free(xk);
}

static const char *
xfrm_hint(int err)
{
	switch (-err) {
	case EAFNOSUPPORT:
	case EPROTONOSUPPORT:
		return " (load xfrm_user: modprobe xfrm_user; or use "
		    "backend = pfkey)";
	case EPERM:
	case EACCES:
		return " (needs root or CAP_NET_ADMIN)";
	}
	return "";
}

static int
xfrm_open(struct kbe **out, char *err, size_t errlen)
{
	struct kbe_xfrm *xk = calloc(1, sizeof(*xk));
	int fd;

	if (xk == NULL) {
		snprintf(err, errlen, "XFRM: out of memory");
		return -ENOMEM;
	}
	xk->kbe.ops = &kbe_xfrm_ops;
	xk->ev_fd = -1;
	if ((fd = xnl_socket(0)) < 0) {
		snprintf(err, errlen, "XFRM netlink not available: %s%s",
		    strerror(-fd), xfrm_hint(fd));
		xk->req_fd = -1;
		xfrm_close(&xk->kbe);
		return fd;
	}
	xk->req_fd = fd;
	*out = &xk->kbe;
	return 0;
}

/* ---- SAs ------------------------------------------------------------- */

static const char *
sa_what(const struct kern_sa *sa, const char *op, char *buf, size_t len)
{
	char s[64], d[64];

	snprintf(buf, len, "%s SA spi 0x%08x %s -> %s", op, sa->spi,
	    kbe_addr_str(&sa->src, s, sizeof(s)),
	    kbe_addr_str(&sa->dst, d, sizeof(d)));
	return buf;
}

static int
xfrm_sa_put(struct kbe *k, const struct kern_sa *sa, int update)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;
	char what[160];
	int len;

	sa_what(sa, update ? "update" : "add", what, sizeof(what));
	if (sa->encr != NULL && kbe_xfrm_alg_name(sa->encr) == NULL) {
		kbe_set_error(k, sa->vpn, "%s: %s has no Linux XFRM "
		    "equivalent", what, sa->encr->name);
		return -EOPNOTSUPP;
	}
	if (sa->encr != NULL && (sa->encr->flags & CR_F_AEAD) == 0 &&
	    sa->integ == NULL) {
		kbe_set_error(k, sa->vpn, "%s: ESP without integrity is not "
		    "allowed", what);
		return -EINVAL;
	}
	len = kbe_xfrm_build_sa(xk->sbuf, sizeof(xk->sbuf), sa, update,
	    kbe_random(), XNL_ARGS(xk));
	if (len < 0) {
		memset(xk->sbuf, 0, sizeof(xk->sbuf));
		kbe_set_error(k, sa->vpn, "%s: missing algorithm, key of the "
		    "wrong size or bad addresses", what);
		return len;
	}
	return xnl_call(xk, (size_t)len, sa->vpn, what, NULL, NULL);
}

static int
xfrm_sa_add(struct kbe *k, const struct kern_sa *sa)
{
	return xfrm_sa_put(k, sa, 0);
}

static int
xfrm_sa_update(struct kbe *k, const struct kern_sa *sa)
{
	return xfrm_sa_put(k, sa, 1);
}

/* Keeps the SA of a GETSA / ALLOCSPI reply. */
static int
keep_sa(struct kbe_xfrm *xk, const uint8_t *msg, size_t n, void *arg)
{
	return kbe_xfrm_parse_sa(msg, n, arg) == 0 ? 0 : -EBADMSG;
}

static int
xfrm_spi_alloc(struct kbe *k, const struct kern_sa *sa, uint32_t *spi)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;
	struct kbe_xfrm_sa got;
	char what[160], s[64], d[64];
	int len, rc;

	snprintf(what, sizeof(what), "get SPI %s -> %s",
	    kbe_addr_str(&sa->src, s, sizeof(s)),
	    kbe_addr_str(&sa->dst, d, sizeof(d)));
	len = kbe_xfrm_build_allocspi(xk->sbuf, sizeof(xk->sbuf), sa,
	    KBE_SPI_MIN, KBE_SPI_MAX, XNL_ARGS(xk));
	if (len < 0) {
		kbe_set_error(k, sa->vpn, "%s: bad addresses", what);
		return len;
	}
	memset(&got, 0, sizeof(got));
	rc = xnl_call(xk, (size_t)len, sa->vpn, what, keep_sa, &got);
	if (rc == 0 && got.sa.spi == 0) {
		kbe_set_error(k, sa->vpn, "%s: no SPI in the kernel's reply",
		    what);
		rc = -EBADMSG;
	}
	if (rc == 0) {
		*spi = got.sa.spi;
	}
	return rc;
}

static int
xfrm_sa_del(struct kbe *k, const struct kern_sa *sa)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;
	char what[160];
	int len;

	sa_what(sa, "delete", what, sizeof(what));
	len = kbe_xfrm_build_sa_id(xk->sbuf, sizeof(xk->sbuf), sa, 0,
	    XNL_ARGS(xk));
	if (len < 0) {
		kbe_set_error(k, sa->vpn, "%s: bad addresses", what);
		return len;
	}
	return xnl_call(xk, (size_t)len, sa->vpn, what, NULL, NULL);
}

static int
xfrm_sa_stats(struct kbe *k, const struct kern_sa *sa,
    struct kbe_sa_stats *st)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;
	struct kbe_xfrm_sa got;
	char what[160];
	int len, rc;

	sa_what(sa, "stats of", what, sizeof(what));
	len = kbe_xfrm_build_sa_id(xk->sbuf, sizeof(xk->sbuf), sa, 1,
	    XNL_ARGS(xk));
	if (len < 0) {
		kbe_set_error(k, sa->vpn, "%s: bad addresses", what);
		return len;
	}
	memset(&got, 0, sizeof(got));
	rc = xnl_call(xk, (size_t)len, sa->vpn, what, keep_sa, &got);
	if (rc == 0) {
		*st = got.st;
	}
	memset(&got, 0, sizeof(got));
	memset(xk->rbuf, 0, sizeof(xk->rbuf));
	return rc;
}

/* ---- policies -------------------------------------------------------- */

static const char *
pol_what(const struct kern_policy *p, const char *op, char *buf, size_t len)
{
	char s[64], d[64];

	snprintf(buf, len, "%s policy %s %s/%u -> %s/%u", op,
	    kbe_dir_name(p->dir), kbe_addr_str(&p->src.addr, s, sizeof(s)),
	    p->src.plen, kbe_addr_str(&p->dst.addr, d, sizeof(d)), p->dst.plen);
	return buf;
}

static int
xfrm_policy_op(struct kbe_xfrm *xk, const struct kern_policy *p, int del,
    uint32_t index)
{
	char what[200];
	int len;

	pol_what(p, del ? "delete" : "add", what, sizeof(what));
	if (index != 0) {
		size_t l = strlen(what);

		snprintf(what + l, sizeof(what) - l, " (index %u)", index);
	}
	len = kbe_xfrm_build_policy(xk->sbuf, sizeof(xk->sbuf), p, del,
	    index, XNL_ARGS(xk));
	if (len < 0) {
		kbe_set_error(&xk->kbe, p->vpn, "%s: bad direction or "
		    "addresses", what);
		return len;
	}
	return xnl_call(xk, (size_t)len, p->vpn, what, NULL, NULL);
}

static int
xfrm_policy_add(struct kbe *k, const struct kern_policy *p)
{
	return xfrm_policy_op((struct kbe_xfrm *)k, p, 0, 0);
}

static int
xfrm_policy_del(struct kbe *k, const struct kern_policy *p)
{
	return xfrm_policy_op((struct kbe_xfrm *)k, p, 1, 0);
}

/* ---- dumps ----------------------------------------------------------- */

struct xdump {
	struct kbe_xfrm_sa *sas;
	size_t n_sa, cap_sa;
	struct kern_policy *pols;
	uint32_t *pol_ids;
	const char **pol_act;
	size_t n_pol, cap_pol;
};

static void
xdump_free(struct xdump *d)
{
	if (d->sas != NULL) {
		memset(d->sas, 0, d->cap_sa * sizeof(*d->sas));
	}
	free(d->sas);
	free(d->pols);
	free(d->pol_ids);
	free(d->pol_act);
	memset(d, 0, sizeof(*d));
}

static int
keep_dump_sa(struct kbe_xfrm *xk, const uint8_t *msg, size_t n, void *arg)
{
	struct xdump *d = arg;

	if (d->n_sa == d->cap_sa) {
		size_t nc = d->cap_sa ? d->cap_sa * 2 : 16;
		struct kbe_xfrm_sa *ns = calloc(nc, sizeof(*ns));

		if (ns == NULL) {
			return -ENOMEM;
		}
		if (d->sas != NULL) {
			memcpy(ns, d->sas, d->n_sa * sizeof(*ns));
			memset(d->sas, 0, d->n_sa * sizeof(*ns));
		}
		free(d->sas);
		d->sas = ns;
		d->cap_sa = nc;
	}
	if (kbe_xfrm_parse_sa(msg, n, &d->sas[d->n_sa]) == 0) {
		d->n_sa++;
	}
	return 0;
}

static int
keep_dump_pol(struct kbe_xfrm *xk, const uint8_t *msg, size_t n, void *arg)
{
	struct xdump *d = arg;

	if (d->n_pol == d->cap_pol) {
		size_t nc = d->cap_pol ? d->cap_pol * 2 : 16;
		struct kern_policy *np = reallocarray(d->pols, nc, sizeof(*np));
		uint32_t *ni;
		const char **na;

		if (np == NULL) {
			return -ENOMEM;
		}
		d->pols = np;
		if ((ni = reallocarray(d->pol_ids, nc, sizeof(*ni))) == NULL) {
			return -ENOMEM;
		}
		d->pol_ids = ni;
		if ((na = reallocarray(d->pol_act, nc, sizeof(*na))) == NULL) {
			return -ENOMEM;
		}
		d->pol_act = na;
		d->cap_pol = nc;
	}
	if (kbe_xfrm_parse_policy(msg, n, &d->pols[d->n_pol],
	    &d->pol_ids[d->n_pol], &d->pol_act[d->n_pol]) == 0) {
		d->n_pol++;
	}
	return 0;
}

static int
xfrm_collect(struct kbe_xfrm *xk, struct xdump *d)
{
	int len, rc;

	memset(d, 0, sizeof(*d));
	len = kbe_xfrm_build_dump(xk->sbuf, sizeof(xk->sbuf), 0, XNL_ARGS(xk));
	rc = xnl_call(xk, (size_t)len, NULL, "XFRM policy dump",
	    keep_dump_pol, d);
	if (rc == 0) {
		len = kbe_xfrm_build_dump(xk->sbuf, sizeof(xk->sbuf), 1,
		    XNL_ARGS(xk));
		rc = xnl_call(xk, (size_t)len, NULL, "XFRM SA dump",
		    keep_dump_sa, d);
	}
	memset(xk->rbuf, 0, sizeof(xk->rbuf));	/* keys */
	if (rc != 0) {
		xdump_free(d);
	}
	return rc;
}

static int
xfrm_dump(struct kbe *k, kbe_dump_cb *cb, void *arg)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;
	struct xdump d;
	int rc;

	/* Collected first: the callback may call back into the backend. */
	if ((rc = xfrm_collect(xk, &d)) != 0) {
		return rc;
	}
	for (size_t i = 0; i < d.n_pol && rc == 0; i++) {
		struct kbe_dump_ent e = { 0 };

		e.policy = &d.pols[i];
		e.policy_id = d.pol_ids[i];
		e.action = d.pol_act[i];
		e.own = kbe_reqid_own(d.pols[i].reqid);
		rc = cb(arg, &e);
	}
	for (size_t i = 0; i < d.n_sa && rc == 0; i++) {
		struct kbe_dump_ent e = { 0 };

		e.sa = &d.sas[i].sa;
		e.stats = &d.sas[i].st;
		e.encr_name = d.sas[i].encr_name;
		e.integ_name = d.sas[i].integ_name;
		e.own = kbe_reqid_own(d.sas[i].sa.reqid);
		rc = cb(arg, &e);
	}
	xdump_free(&d);
	return rc;
}

static int
xfrm_flush_own(struct kbe *k)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;
	struct xdump d;
	int rc, first = 0;

	if ((rc = xfrm_collect(xk, &d)) != 0) {
		return rc;
	}
	/* Policies first (by index: never another daemon's with the same
	 * selector), so that no traffic leaves in clear meanwhile... */
	for (size_t i = 0; i < d.n_pol; i++) {
		if (kbe_reqid_own(d.pols[i].reqid) &&
		    (rc = xfrm_policy_op(xk, &d.pols[i], 1, d.pol_ids[i])) != 0
		    && first == 0) {
			first = rc;
		}
	}
	/* ...then SAs, larval ones (reqid set by ALLOCSPI) included. */
	for (size_t i = 0; i < d.n_sa; i++) {
		if (kbe_reqid_own(d.sas[i].sa.reqid) &&
		    (rc = xfrm_sa_del(k, &d.sas[i].sa)) != 0 && first == 0) {
			first = rc;
		}
	}
	xdump_free(&d);
	return first;
}

/* ---- kernel events --------------------------------------------------- */

static int
xfrm_events_fd(struct kbe *k)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;
	int fd;

	if (xk->ev_fd >= 0) {
		return xk->ev_fd;
	}
	fd = xnl_socket((1u << (XFRMNLGRP_ACQUIRE - 1)) |
	    (1u << (XFRMNLGRP_EXPIRE - 1)));
	if (fd < 0) {
		kbe_set_error(k, NULL, "XFRM netlink: joining the expire and "
		    "acquire groups: %s%s", strerror(-fd), xfrm_hint(fd));
		return -1;
	}
	xk->ev_fd = fd;
	return fd;
}

static int
xfrm_events_read(struct kbe *k)
{
	struct kbe_xfrm *xk = (struct kbe_xfrm *)k;
	ssize_t n;

	if (xk->ev_fd < 0) {
		return -EBADF;
	}
	while ((n = xnl_recv(xk, xk->ev_fd, -1)) > 0) {
		const uint8_t *m;
		size_t off = 0, ml;
		struct kbe_event ev;

		while (kbe_xfrm_next(xk->rbuf, (size_t)n, &off, &m, &ml) == 1) {
			if (kbe_xfrm_parse_event(m, ml, &ev) == 0 &&
			    k->event_cb != NULL) {
				k->event_cb(k->event_arg, &ev);
			}
		}
	}
	/* ENOBUFS: events were lost; the engine's timers still rekey. */
	return n < 0 && n != -ENOBUFS ? (int)n : 0;
}

const struct kbe_ops kbe_xfrm_ops = {
	.name = "xfrm",
	.open = xfrm_open,
	.close = xfrm_close,
	.spi_alloc = xfrm_spi_alloc,
	.sa_add = xfrm_sa_add,
	.sa_update = xfrm_sa_update,
	.sa_del = xfrm_sa_del,
	.sa_stats = xfrm_sa_stats,
	.policy_add = xfrm_policy_add,
	.policy_del = xfrm_policy_del,
	.dump = xfrm_dump,
	.flush_own = xfrm_flush_own,
	.events_fd = xfrm_events_fd,
	.events_read = xfrm_events_read,
};
