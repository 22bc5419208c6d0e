/*
 * exchange.c - what the exchanges share: opening a request's or answer's
 * SK payload (RFC 7296 3.14) and answering with one notify, the PSK AUTH
 * payload (2.15), nonce order for collisions (2.8.1), matching a VPN by
 * addresses and IDs, the first error notify of an answer, and the IKE SA
 * rekey time.  Calls ike_sa.c and ike_base.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

static const char psk_pad[] = "Key Pad for IKEv2";	/* RFC 7296 2.15 */

void
xchg_addr_from_ss(struct ike_addr *a, const union cfg_addr *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->af = 4;
		memcpy(a->ip, &ss->in.sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		a->af = 6;
		memcpy(a->ip, &ss->in6.sin6_addr, 16);
	}
	a->port = 500;
}

int
xchg_same_ip(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->af == b->af && memcmp(a->ip, b->ip, a->af == 6 ? 16 : 4) == 0;
}

void
xchg_flow_ts(const struct cfg_prefix *p, struct ts_range *ts)
{
	(void)ts_from_cidr(ts, p->family == AF_INET6 ? 6 : 4, p->addr,
	    p->plen);
}

/* Orders nonces for RFC 7296 2.8.1/2.8.2: bytes, then length. */
int
xchg_nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0) {
		return c;
	}
	return al < bl ? -1 : al > bl;
}

/* Keeps the lower of an exchange's two nonces (first IKD_NONCE_LEN bytes,
 * the same on both ends). */
void
xchg_lo_set(uint8_t *lo, uint8_t *lo_len, const uint8_t *a, size_t al,
    const uint8_t *b, size_t bl)
{
	if (xchg_nonce_cmp(b, bl, a, al) < 0) {
		a = b;
		al = bl;
	}
	*lo_len = (uint8_t)(al < IKD_NONCE_LEN ? al : IKD_NONCE_LEN);
	memcpy(lo, a, *lo_len);
}

const struct pld_notify *
xchg_first_error(const struct pld_set *set)
{
	for (unsigned i = 0; i < set->n_notify; i++) {
		if (set->notify[i].type <= IKEV2_N_ERROR_MAX) {
			return &set->notify[i];
		}
	}
	return NULL;
}

void
xchg_count_failure(struct ike_engine *eng, uint16_t n)
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
void
xchg_own_id(const struct ike_sa *sa, struct cfg_id *id)
{
	*id = sa->vpn->cfg->srcid;
	if (id->type != CFG_ID_NONE) {
		return;
	}
	/* `local = any` without srcid: the address in use, as iked does */
	id->type = sa->local.af == 6 ? CFG_ID_IPV6_ADDR : CFG_ID_IPV4_ADDR;
	id->len = sa->local.af == 6 ? 16 : 4;
	id->data = sa->local.ip;	/* valid while sa is */
}

size_t
xchg_id_body(const struct cfg_id *id, uint8_t *out)
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
int
xchg_psk_auth(const struct ike_sa *sa, int of_init, const uint8_t *idb,
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

/*
 * Decrypts m's SK payload and parses the inner chain into eng->in_set.
 * Returns 0; -EACCES when m is not authentic (no SK payload, no keys, or
 * a failed integrity check): the caller drops it and changes nothing, RFC
 * 7296 2.21 and 3.10.1; or -EBADMSG when it is authentic but malformed,
 * with the notify to answer in eng->in_set.err.  eng->in_set is shared by
 * every IKE SA, so it is emptied first: an error left there by an earlier
 * message, on any SA, must never become the answer to this one.
 */
int
xchg_open_sk(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const uint8_t *plain;
	size_t plain_len;
	struct rd r;
	int from_init = (m->hdr.flags & IKEV2_FLAG_I) != 0;

	if (eng->rx_opened) {
		/* reassembled from fragments, each checked (ike_frag.c) */
		eng->rx_opened = 0;
		if (eng->rx_open_rc == 0) {
			nat_follow(sa);
		}
		return eng->rx_open_rc;
	}
	memset(&eng->in_set, 0, sizeof(eng->in_set));
	if (!PLD_HAS(&m->pl, IKEV2_PL_SK) || sa->enc == NULL) {
		return -EACCES;
	}
	if (cr_sk_open(sa->enc, sa->integ,
	    from_init ? sa->keys.sk_ei : sa->keys.sk_er,
	    sa->keys.a_len ? (from_init ? sa->keys.sk_ai : sa->keys.sk_ar) :
	    NULL, (uint8_t *)m->buf, m->pl.sk.body_off, m->len, &plain,
	    &plain_len) != 0) {
		ike_log_remote(eng, IKE_LOG_WARN, sa,
		    "%s: integrity check failed, message dropped",
		    ikev2_exchange_name(m->hdr.exchange));
		eng->st.dropped++;
		return -EACCES;
	}
	/* RFC 7296 2.23: an authentic message may move the peer */
	nat_follow(sa);
	rd_init(&r, plain, plain_len);
	return pld_parse_inner(&eng->in_set, &r, m->pl.sk.inner);
}

/* see ike_int.h */
int
xchg_authentic(struct ike_sa *sa, const struct msg *m)
{
	int from_init = (m->hdr.flags & IKEV2_FLAG_I) != 0;
	const uint8_t *plain;
	size_t plain_len;

	if ((!PLD_HAS(&m->pl, IKEV2_PL_SK) && !PLD_HAS(&m->pl,
	    IKEV2_PL_SKF)) || sa->enc == NULL) {
		return -EACCES;
	}
	/* SK or one SKF fragment: body_off is past either header */
	if (cr_sk_open(sa->enc, sa->integ,
	    from_init ? sa->keys.sk_ei : sa->keys.sk_er,
	    sa->keys.a_len ? (from_init ? sa->keys.sk_ai : sa->keys.sk_ar) :
	    NULL, (uint8_t *)m->buf, m->pl.sk.body_off, m->len, &plain,
	    &plain_len) != 0) {
		return -EACCES;
	}
	return 0;
}

/* Answers a request with an encrypted message holding one notify. */
void
xchg_respond_notify(struct ike_sa *sa, const struct msg *m, uint16_t type,
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

/* see ike_int.h */
void
xchg_vpn_peer(const struct ike_vpn *v, struct ike_addr *p)
{
	if (v->cfg->peer_host != NULL) {
		*p = v->peer_ip;
		p->port = 500;
	} else {
		xchg_addr_from_ss(p, &v->cfg->peer);
	}
}

/* 0: v does not answer local/peer; 1: it does with "peer any"; 2: it
 * names this peer. */
int
xchg_vpn_addr_match(const struct ike_vpn *v, const struct ike_addr *local,
    const struct ike_addr *peer)
{
	struct ike_addr l, p;

	xchg_addr_from_ss(&l, &v->cfg->local);
	xchg_vpn_peer(v, &p);
	if (v->cfg->peer_host != NULL && p.af == 0) {
		return 0;	/* named, not resolved yet: nobody */
	}
	if ((p.af != 0 && !xchg_same_ip(&p, peer)) ||
	    (l.af != 0 && !xchg_same_ip(&l, local))) {
		return 0;
	}
	return p.af == 0 ? 1 : 2;
}

int
xchg_id_matches(const struct cfg_id *want, const struct pld_id *got)
{
	if (want->type == CFG_ID_NONE) {
		return 1;
	}
	return want->type == got->type && want->len == got->data.len &&
	    memcmp(want->data, got->data.p, want->len) == 0;
}

/* When to rekey an IKE SA: a random 85-95% of ikelifetime (iked's 85%,
 * spread so that both ends do not always start together). */
uint64_t
ike_rekey_time(const struct ike_sa *sa)
{
	uint32_t life = sa->vpn ? sa->vpn->cfg->ikelifetime : 0;

	if (life == 0) {
		return UINT64_MAX;
	}
	return sa->eng->now + ike_jitter((uint64_t)life * 1000,
	    IKD_SOFT_MIN_PCT, IKD_SOFT_MAX_PCT);
}
