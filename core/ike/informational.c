/*
 * informational.c - INFORMATIONAL (RFC 7296 1.4, 1.5): answering DELETEs
 * of CHILD SAs and of the IKE SA, liveness checks (DPD) both ways,
 * sending IKE SA DELETEs, and the unprotected INVALID_IKE_SPI answer to a
 * request for an IKE SA we do not know (2.21.4, rate-limited).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

/* see ike_int.h */
int
ike_xchg_invalid_spi(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m)
{
	struct msg_hdr h;
	struct pld_wr pw;
	size_t len;
	int slot = 0;

	/*
	 * RFC 7296 2.21.4: a request outside any IKE SA we know "MAY" be
	 * answered, unprotected, with INVALID_IKE_SPI, the SPIs and message
	 * ID copied: the peer learns we lost the SA (a reboot).  It must
	 * not act on it but may check liveness, so the answer is a hint
	 * only.  Only protected requests qualify (anything else is no IKE
	 * SA's traffic); the answer is not larger than the request, and
	 * the rate limits keep forged sources from using us as a reflector.
	 */
	if (eng->now - eng->ispi_window >= IKD_INVALID_SPI_MS) {
		eng->ispi_window = eng->now;
		eng->ispi_count = 0;
	}
	if (eng->ispi_count >= IKD_INVALID_SPI_MAX) {
		return 0;
	}
	for (int i = 0; i < IKD_INVALID_SPI_PEERS; i++) {
		if (eng->ispi_sent[i].at != 0 &&
		    xchg_same_ip(&eng->ispi_sent[i].peer, peer)) {
			if (eng->now - eng->ispi_sent[i].at <
			    IKD_INVALID_SPI_MS) {
				return 0;
			}
			slot = i;
			break;
		}
		if (eng->ispi_sent[i].at < eng->ispi_sent[slot].at) {
			slot = i;	/* the oldest so far */
		}
	}
	eng->ispi_sent[slot].peer = *peer;
	eng->ispi_sent[slot].at = eng->now ? eng->now : 1;
	eng->ispi_count++;
	msg_hdr_set(&h, m->hdr.ispi, m->hdr.rspi, m->hdr.exchange,
	    IKEV2_FLAG_R | ((m->hdr.flags & IKEV2_FLAG_I) ? 0 : IKEV2_FLAG_I),
	    m->hdr.msgid);
	msg_wr_init(&pw, eng->tx, sizeof(eng->tx), &h);
	pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_INVALID_IKE_SPI, NULL, 0);
	if (msg_wr_finish(&pw, &len) != 0 || eng->env.send == NULL) {
		return 0;
	}
	ike_env_send(eng, local, peer, eng->tx, len);
	ike_log(eng, IKE_LOG_DEBUG, NULL, "%s request for an unknown IKE SA: "
	    "answered INVALID_IKE_SPI", ikev2_exchange_name(m->hdr.exchange));
	return 1;
}

void
info_request(struct ike_sa *sa, const struct msg *m)
{
	struct ike_engine *eng = sa->eng;
	struct pld_set *in = &eng->in_set;
	/* this SA's CHILD SAs, and its successor's */
	uint8_t spis[4 * 2 * IKD_CHILD_SLOTS_MAX];
	size_t n_spis = 0, len;
	struct pld_wr pw;
	int delete_ike = 0;

	for (unsigned d = 0; d < in->n_delete; d++) {
		const struct pld_delete *del = &in->del[d];

		if (del->proto == IKEV2_PROTO_IKE) {
			delete_ike = 1;
			continue;
		}
		if (del->proto != IKEV2_PROTO_ESP || del->spi_size != 4) {
			continue;
		}
		for (unsigned i = 0; i < del->n_spi; i++) {
			uint32_t spi = be32(del->spis + 4 * (size_t)i);
			struct ike_sa *on = sa;
			int c = ike_child_by_spi(sa, spi, 1);

			/* CHILD SAs may have moved to the rekeyed IKE SA */
			if (c < 0 && sa->vpn && sa->vpn->sa &&
			    sa->vpn->sa != sa) {
				on = sa->vpn->sa;
				c = ike_child_by_spi(on, spi, 1);
			}
			if (c >= 0 && n_spis < sizeof(spis) / 4) {
				put_be32(spis + 4 * n_spis++,
				    on->child[c].spi_in);
				ike_log(eng, IKE_LOG_NOTICE, on,
				    "peer deleted CHILD SA spi 0x%08x",
				    on->child[c].spi_out);
				ike_child_remove(on, c);
			} else if (c < 0) {
				ike_log(eng, IKE_LOG_DEBUG, sa, "DELETE for "
				    "unknown CHILD SA spi 0x%08x ignored",
				    spi);
			}
		}
	}
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	if (n_spis && !delete_ike) {
		pld_put_delete(&pw, IKEV2_PROTO_ESP, 4, spis, n_spis);
	}
	if (ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 1, m->hdr.msgid, &pw,
	    &len) == 0) {
		(void)ike_send_response(sa, m->hdr.msgid, len);
	}
	sa->msgid_in = m->hdr.msgid + 1;
	if (delete_ike) {
		if (sa->vpn && sa->vpn->sa == sa && sa->rekey_peer &&
		    sa->rekey_peer->state == SA_ESTABLISHED) {
			/* the peer's rekey won while ours was out: forget
			 * ours (RFC 7296 2.25.2), the SAs go to the peer's */
			ike_sa_rekey_adopt(sa, sa->rekey_peer);
		}
		ike_log(eng, IKE_LOG_NOTICE, sa, "IKE SA deleted by peer");
		ike_sa_free(sa);
	}
}

/* see ike_int.h */
void
ike_xchg_delete_ike(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct pld_wr pw;
	size_t len;

	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_delete(&pw, IKEV2_PROTO_IKE, 0, NULL, 0);
	if (sa->req != NULL || ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 0,
	    sa->msgid_out, &pw, &len) != 0 ||
	    ike_send_request(sa, IKEV2_EXCH_INFORMATIONAL, X_DELETE_IKE,
	    len) != 0) {
		sa->state = SA_DEAD;
		return;
	}
	/* An SA that carried the VPN going down is news; the old SA of a
	 * rekey (no longer up) is not. */
	ike_log(eng, sa->up ? IKE_LOG_NOTICE : IKE_LOG_DEBUG, sa,
	    "sent DELETE for the IKE SA");
	if (sa->up) {
		sa->up = 0;
		eng->st.ike_sas--;
	}
	sa->state = SA_DELETING;
}

/* see ike_int.h */
void
ike_xchg_dpd(struct ike_sa *sa)
{
	size_t len;

	if (ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 0, sa->msgid_out, NULL,
	    &len) == 0 && ike_send_request(sa, IKEV2_EXCH_INFORMATIONAL, X_DPD,
	    len) == 0) {
		sa->eng->st.dpd_sent++;
	}
}

/* see ike_int.h */
void
ike_xchg_delete_now(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	struct pld_wr pw;
	size_t len;

	if (sa->state != SA_ESTABLISHED) {
		return;
	}
	pld_wr_init(&pw, eng->inner, sizeof(eng->inner));
	pld_put_delete(&pw, IKEV2_PROTO_IKE, 0, NULL, 0);
	if (ike_build(sa, IKEV2_EXCH_INFORMATIONAL, 0, sa->msgid_out, &pw,
	    &len) == 0) {
		frag_send_list(sa, eng->tx, len, eng->tx_nfrag);
		ike_log(eng, IKE_LOG_NOTICE, sa, "sent DELETE for the IKE SA");
	}
	sa->state = SA_DELETING;
}
