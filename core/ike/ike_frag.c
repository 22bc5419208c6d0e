/*
 * ike_frag.c - IKE fragmentation (RFC 7383): a protected message larger
 * than the path takes (fragment_size in [global]) leaves as SKF
 * fragments, each encrypted and integrity-protected on its own, when both
 * ends announced IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT; received
 * fragments are checked one by one and put back together.
 *
 * Reassembly keeps one message per IKE SA (the one its message IDs
 * expect), and never more than IKD_FRAG_MAX fragments, IKD_MSG_MAX bytes
 * of plaintext and IKD_FRAG_TIMEOUT_MS of time: a peer, or someone who
 * replays its fragments, cannot make an IKE SA hold more.  A fragment
 * that fails its ICV is dropped before anything is kept or discarded
 * (RFC 7383 2.6.2: no state for what is not authentic).  Below the SA
 * table (ike_sa.c builds and sends through here); calls ike_base.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

#define SKF_HDR_LEN 8	/* generic header, Fragment Number, Total */

/* Room an IPv4/IPv6 and UDP header (and the non-ESP marker) take from
 * fragment_size, which counts whole IP packets (RFC 7383 2.5.1). */
static size_t
ipudp_len(const struct ike_sa *sa)
{
	return (sa->peer.af == 6 ? IKD_IPUDP6 : IKD_IPUDP4) +
	    (sa->local.port == IKE_NATT_PORT ? IKD_NON_ESP_MARKER : 0);
}

/* see ike_int.h */
void
frag_announce(struct ike_engine *eng, struct pld_wr *pw)
{
	if (eng->cfg != NULL && eng->cfg->fragment_size != 0) {
		/* RFC 7383 2.3: empty, in IKE_SA_INIT */
		pld_put_notify(pw, IKEV2_PROTO_NONE, NULL, 0,
		    IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	}
}

/* see ike_int.h */
int
frag_supported(const struct ike_engine *eng, const struct pld_set *pl)
{
	return eng->cfg != NULL && eng->cfg->fragment_size != 0 &&
	    pld_find_notify(pl, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
}

/* see ike_int.h */
int
frag_build(struct ike_sa *sa, uint8_t exch, int response, uint32_t msgid,
    const struct pld_wr *inner, size_t *len)
{
	struct ike_engine *eng = sa->eng;
	uint32_t fsize = eng->cfg ? eng->cfg->fragment_size : 0;
	size_t plain = inner ? wr_len(&inner->w) : 0, over, avail, chunk;
	size_t out = 0, off = 0;
	const uint8_t *ek, *ak;
	unsigned total;

	/* RFC 7383 2.5.3: only encrypted messages, never IKE_SA_INIT, and
	 * only to a peer that announced support. */
	if (!sa->frag || fsize == 0 || exch == IKEV2_EXCH_IKE_SA_INIT ||
	    plain == 0) {
		return 0;
	}
	over = ipudp_len(sa) + IKEV2_HDR_LEN;
	if (over + CR_SK_HDR_LEN + cr_sk_body_len(sa->enc, sa->integ,
	    plain) <= fsize || fsize <= over + SKF_HDR_LEN) {
		return 0;
	}
	avail = fsize - over - SKF_HDR_LEN;
	for (chunk = avail; chunk > 0 &&
	    cr_sk_body_len(sa->enc, sa->integ, chunk) > avail; chunk--) {
		;
	}
	if (chunk == 0) {
		return 0;
	}
	total = (unsigned)((plain + chunk - 1) / chunk);
	if (total > IKD_FRAG_MAX) {
		return 0;	/* too small a size to be meant: whole */
	}
	ek = sa->initiator ? sa->keys.sk_ei : sa->keys.sk_er;
	ak = sa->initiator ? sa->keys.sk_ai : sa->keys.sk_ar;
	for (unsigned n = 1; n <= total; n++, off += chunk) {
		size_t part = plain - off < chunk ? plain - off : chunk;
		size_t body = cr_sk_body_len(sa->enc, sa->integ, part);
		size_t flen = IKEV2_HDR_LEN + SKF_HDR_LEN + body, boff, mlen;
		uint8_t *f = eng->tx + out + 2;
		struct msg_hdr h;
		struct pld_wr pw;

		if (out + 2 + flen > sizeof(eng->tx)) {
			return -ENOSPC;
		}
		/* RFC 7383 2.5: every fragment has the message's header,
		 * Message ID included. */
		msg_hdr_set(&h, sa->spi_i, sa->spi_r, exch,
		    (uint8_t)((sa->initiator ? IKEV2_FLAG_I : 0) |
		    (response ? IKEV2_FLAG_R : 0)), msgid);
		msg_wr_init(&pw, f, flen, &h);
		boff = pld_put_skf(&pw, inner->n ? inner->first :
		    IKEV2_PL_NONE, (uint16_t)n, (uint16_t)total, body);
		if (msg_wr_finish(&pw, &mlen) != 0 || mlen != flen) {
			return -ENOSPC;
		}
		memcpy(f + boff + sa->enc->iv_len, inner->w.buf + off, part);
		if (cr_sk_seal(sa->enc, sa->integ, ek, sa->keys.a_len ? ak :
		    NULL, f, boff, part) != 0) {
			return -EINVAL;
		}
		eng->tx[out] = (uint8_t)(flen >> 8);
		eng->tx[out + 1] = (uint8_t)flen;
		out += 2 + flen;
	}
	eng->tx_nfrag = (uint8_t)total;
	*len = out;
	ike_log(eng, IKE_LOG_DEBUG, sa, "%s %s %u: %zu bytes in %u "
	    "fragments of at most %u (RFC 7383)", ikev2_exchange_name(exch),
	    response ? "res" : "req", msgid, plain, total, fsize);
	return 1;
}

/* see ike_int.h */
void
frag_send_list(struct ike_sa *sa, const uint8_t *buf, size_t len,
    unsigned n)
{
	struct ike_engine *eng = sa->eng;
	size_t off = 0;

	if (n == 0) {
		ike_env_send(eng, &sa->local, &sa->peer, buf, len);
		return;
	}
	while (off + 2 <= len) {
		size_t flen = (size_t)buf[off] << 8 | buf[off + 1];

		off += 2;
		if (flen > len - off) {
			break;
		}
		ike_env_send(eng, &sa->local, &sa->peer, buf + off, flen);
		eng->st.frag_sent++;
		off += flen;
	}
}

static void
frag_free(struct ike_frag *fr)
{
	for (int i = 0; i < IKD_FRAG_MAX; i++) {
		if (fr->piece[i] != NULL) {
			/* IKE_AUTH's plaintext: IDs, AUTH */
			cr_wipe(fr->piece[i], fr->len[i]);
			free(fr->piece[i]);
		}
	}
	free(fr);
}

/* see ike_int.h */
void
frag_discard(struct ike_sa *sa)
{
	if (sa->fr == NULL) {
		return;
	}
	sa->eng->st.frag_dropped += sa->fr->got;
	frag_free(sa->fr);
	sa->fr = NULL;
}

/* see ike_int.h */
uint64_t
frag_due(const struct ike_sa *sa)
{
	return sa->fr ? sa->fr->started + IKD_FRAG_TIMEOUT_MS : UINT64_MAX;
}

static int
frag_drop(struct ike_sa *sa, const struct msg *m, const char *why)
{
	struct ike_engine *eng = sa->eng;

	eng->st.frag_dropped++;
	eng->st.dropped++;
	ike_log_remote(eng, IKE_LOG_DEBUG, sa, "%s fragment %u/%u of msgid "
	    "%u dropped: %s", ikev2_exchange_name(m->hdr.exchange),
	    m->pl.sk.frag_num, m->pl.sk.frag_total, m->hdr.msgid, why);
	return 0;
}

/* The whole message into eng->reasm, parsed into eng->in_set. */
static int
frag_complete(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct ike_frag *fr = sa->fr;
	size_t off = 0;
	struct rd r;

	for (unsigned i = 0; i < fr->total; i++) {
		memcpy(eng->reasm + off, fr->piece[i], fr->len[i]);
		off += fr->len[i];
	}
	memset(&eng->in_set, 0, sizeof(eng->in_set));
	rd_init(&r, eng->reasm, off);
	eng->rx_open_rc = pld_parse_inner(&eng->in_set, &r, fr->inner);
	eng->rx_opened = 1;
	eng->st.frag_reassembled++;
	ike_log(eng, IKE_LOG_DEBUG, sa, "msgid %u reassembled from %u "
	    "fragments, %zu bytes", fr->msgid, fr->total, off);
	frag_free(fr);
	sa->fr = NULL;
	return 1;
}

/* see ike_int.h */
int
frag_input(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	const struct pld_sk *sk = &m->pl.sk;
	int from_init = (m->hdr.flags & IKEV2_FLAG_I) != 0;
	int resp = (m->hdr.flags & IKEV2_FLAG_R) != 0;
	struct ike_frag *fr;
	const uint8_t *plain;
	size_t plain_len;
	unsigned i = sk->frag_num - 1u;

	if (!sa->frag || sa->enc == NULL) {
		return frag_drop(sa, m, "fragmentation was not negotiated");
	}
	if (sk->frag_total > IKD_FRAG_MAX) {
		return frag_drop(sa, m, "too many fragments");
	}
	/* Authentic first: nothing below happens for a forgery. */
	if (cr_sk_open(sa->enc, sa->integ,
	    from_init ? sa->keys.sk_ei : sa->keys.sk_er,
	    sa->keys.a_len ? (from_init ? sa->keys.sk_ai : sa->keys.sk_ar) :
	    NULL, (uint8_t *)m->buf, sk->body_off, m->len, &plain,
	    &plain_len) != 0) {
		ike_log_remote(eng, IKE_LOG_WARN, sa, "%s fragment: integrity "
		    "check failed, dropped", ikev2_exchange_name(
		    m->hdr.exchange));
		return frag_drop(sa, m, "integrity check failed");
	}
	fr = sa->fr;
	if (fr != NULL && (fr->msgid != m->hdr.msgid || fr->resp != resp)) {
		frag_discard(sa);	/* an older message's */
		fr = NULL;
	}
	if (fr != NULL && sk->frag_total != fr->total) {
		/* RFC 7383 2.6.2: more fragments than before means the
		 * sender fragments the message anew (a smaller size);
		 * fewer, a fragment of the old set: dropped. */
		if (sk->frag_total < fr->total) {
			return frag_drop(sa, m, "Total Fragments went down");
		}
		frag_discard(sa);
		fr = NULL;
	}
	if (fr == NULL) {
		fr = calloc(1, sizeof(*fr));
		if (fr == NULL) {
			return frag_drop(sa, m, "out of memory");
		}
		fr->msgid = m->hdr.msgid;
		fr->resp = (uint8_t)resp;
		fr->total = sk->frag_total;
		fr->started = eng->now;
		sa->fr = fr;
	}
	if (fr->piece[i] != NULL) {
		return frag_drop(sa, m, "duplicate");
	}
	if (fr->bytes + plain_len > IKD_MSG_MAX) {
		frag_discard(sa);
		return frag_drop(sa, m, "message larger than we take");
	}
	fr->piece[i] = malloc(plain_len ? plain_len : 1);
	if (fr->piece[i] == NULL) {
		return frag_drop(sa, m, "out of memory");
	}
	memcpy(fr->piece[i], plain, plain_len);
	fr->len[i] = (uint16_t)plain_len;
	fr->bytes += plain_len;
	fr->got++;
	if (sk->frag_num == 1) {
		fr->inner = sk->inner;
	}
	eng->st.frag_rx++;
	if (fr->got < fr->total) {
		return 0;
	}
	return frag_complete(sa);
}
