/*
 * ike_nat.c - NAT traversal (RFC 7296 2.23, RFC 3948): the
 * NAT_DETECTION_SOURCE_IP / _DESTINATION_IP notifies of IKE_SA_INIT and
 * what they tell (which end sits behind a NAT), the move of IKE to UDP
 * 4500 from IKE_AUTH on, NAT keepalives from the end behind the NAT, and
 * following a peer whose NAT gave it a new address or port.
 *
 * A peer is followed only after an authenticated message from its new
 * address (exchange.c calls nat_follow() once the ICV checked out, for a
 * request or answer the message IDs expect): a forged or replayed
 * datagram from elsewhere moves nothing.  Only an end that is not itself
 * behind a NAT follows (RFC 7296 2.23: the one behind it SHOULD NOT,
 * which would open it to redirection).  The CHILD SAs' kernel state gets
 * the new ports through ike_kern.c.  Calls ike_kern.c and ike_base.c.
 */
#include <errno.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

static int
same_ip(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->af == b->af && memcmp(a->ip, b->ip, a->af == 6 ? 16 : 4) == 0;
}

static int
natt_mode(const struct ike_engine *eng)
{
	return eng->cfg ? eng->cfg->nat_traversal : CFG_NATT_YES;
}

/* RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | Port), the SPIs as the header
 * carries them (SPIr zero in the IKE_SA_INIT request). */
static void
nat_hash(const uint8_t *ispi, const uint8_t *rspi, const struct ike_addr *a,
    uint8_t out[CR_SHA1_LEN])
{
	static const uint8_t zero[8];
	uint8_t port[2] = { (uint8_t)(a->port >> 8), (uint8_t)a->port };
	struct cr_iov iov[4] = {
		{ ispi, 8 },
		{ rspi ? rspi : zero, 8 },
		{ a->ip, a->af == 6 ? 16 : 4 },
		{ port, 2 },
	};

	(void)cr_sha1(iov, 4, out);
}

/* see ike_int.h */
void
nat_put_detection(struct ike_engine *eng, struct pld_wr *pw,
    const uint8_t *ispi, const uint8_t *rspi, const struct ike_addr *local,
    const struct ike_addr *peer)
{
	uint8_t h[CR_SHA1_LEN];
	struct ike_addr fake;

	if (natt_mode(eng) == CFG_NATT_NO) {
		return;
	}
	if (natt_mode(eng) == CFG_NATT_FORCE) {
		/* RFC 7296 2.23 lets an end fake the source hash so that
		 * both use UDP encapsulation (networks that drop ESP):
		 * port 0 is one no datagram comes from. */
		fake = *local;
		fake.port = 0;
		local = &fake;
	}
	nat_hash(ispi, rspi, local, h);
	pld_put_notify(pw, IKEV2_PROTO_NONE, NULL, 0,
	    IKEV2_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	nat_hash(ispi, rspi, peer, h);
	pld_put_notify(pw, IKEV2_PROTO_NONE, NULL, 0,
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

/* see ike_int.h */
const char *
nat_name(unsigned nat)
{
	static const char *const names[] = { "none", "local", "remote",
	    "both" };

	return names[nat & 3];
}

/* see ike_int.h */
void
nat_detect(struct ike_sa *sa, const struct msg *m,
    const struct ike_addr *local, const struct ike_addr *peer)
{
	struct ike_engine *eng = sa->eng;
	uint8_t hs[CR_SHA1_LEN], hd[CR_SHA1_LEN];
	int n_src = 0, n_dst = 0, src_ok = 0, dst_ok = 0;
	char where[200];

	nat_hash(m->hdr.ispi, m->hdr.rspi, peer, hs);
	nat_hash(m->hdr.ispi, m->hdr.rspi, local, hd);
	for (unsigned i = 0; i < m->pl.n_notify; i++) {
		const struct pld_notify *n = &m->pl.notify[i];
		int len_ok = n->data.len == CR_SHA1_LEN;

		/* several source notifies: a multi-homed sender lists each
		 * of its addresses; any one matching means no NAT */
		if (n->type == IKEV2_N_NAT_DETECTION_SOURCE_IP) {
			n_src++;
			src_ok |= len_ok && cr_ct_eq(n->data.p, hs, sizeof(hs));
		} else if (n->type == IKEV2_N_NAT_DETECTION_DESTINATION_IP) {
			n_dst++;
			dst_ok |= len_ok && cr_ct_eq(n->data.p, hd, sizeof(hd));
		}
	}
	sa->nat = 0;
	sa->natt = 0;
	if (n_src == 0 || n_dst == 0) {
		return;	/* the peer does not do NAT detection */
	}
	sa->nat = (uint8_t)((src_ok ? 0 : IKD_NAT_REMOTE) |
	    (dst_ok ? 0 : IKD_NAT_LOCAL));
	if (natt_mode(eng) == CFG_NATT_NO) {
		if (sa->nat) {
			ike_log_remote(eng, IKE_LOG_WARN, sa, "NAT detected "
			    "(%s) with %s, but NAT traversal is off "
			    "(nat_traversal = no, or ikd -T): ESP will not "
			    "pass it", nat_name(sa->nat),
			    ike_sa_peer_str(sa, where, sizeof(where)));
		}
		return;
	}
	sa->natt = 1;
	if (natt_mode(eng) == CFG_NATT_FORCE) {
		sa->nat |= IKD_NAT_LOCAL;	/* as our faked hash says */
	}
	if (sa->nat) {
		/* a responder says it for any IKE_SA_INIT: rate-limited */
		ike_log_remote(eng, IKE_LOG_INFO, sa, "NAT detected: %s%s",
		    nat_name(sa->nat), natt_mode(eng) == CFG_NATT_FORCE ?
		    " (nat_traversal = force)" : "");
	}
}

/* see ike_int.h */
void
nat_float(struct ike_sa *sa)
{
	if (!sa->natt || !sa->nat || sa->local.port == IKE_NATT_PORT) {
		return;
	}
	/* RFC 7296 2.23: behind a NAT, the initiator goes to port 4500
	 * with IKE_AUTH, and stays there. */
	sa->local.port = IKE_NATT_PORT;
	sa->peer.port = IKE_NATT_PORT;
	ike_log(sa->eng, IKE_LOG_INFO, sa, "NAT traversal: moving to port "
	    "%u", IKE_NATT_PORT);
}

/* see ike_int.h */
void
nat_follow(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	const struct ike_addr *l = &eng->rx_local, *p = &eng->rx_peer;
	struct ike_addr old = sa->peer;
	int ip_changed;
	char was[200], now[200];

	if (p->af == 0 || (same_ip(p, &sa->peer) &&
	    p->port == sa->peer.port && l->port == sa->local.port)) {
		return;
	}
	if (l->port == IKE_NATT_PORT && sa->local.port != IKE_NATT_PORT) {
		/* The initiator moved to 4500 (RFC 7296 2.23): the
		 * responder answers there, to the NAT's new mapping. */
		if (!sa->natt) {
			return;
		}
		sa->local.port = IKE_NATT_PORT;
		sa->peer = *p;
		ike_log(eng, IKE_LOG_INFO, sa, "NAT traversal: peer moved to "
		    "%s", ike_sa_peer_str(sa, now, sizeof(now)));
	} else if (l->port != sa->local.port || !nat_encap(sa) ||
	    !(sa->nat & IKD_NAT_REMOTE) || (sa->nat & IKD_NAT_LOCAL)) {
		return;	/* only the end that is not behind a NAT follows */
	} else {
		ike_sa_peer_str(sa, was, sizeof(was));
		sa->peer = *p;
		ike_log(eng, IKE_LOG_NOTICE, sa, "peer's NAT mapping "
		    "changed, following it: %s (was %s)",
		    ike_sa_peer_str(sa, now, sizeof(now)), was);
		eng->st.nat_updates++;
	}
	ip_changed = !same_ip(&old, &sa->peer);
	for (int i = 0; i < sa->n_slots; i++) {
		ike_child_readdress(sa, i, &old, ip_changed);
	}
}

/* see ike_int.h */
void
nat_inherit(struct ike_sa *nsa, const struct ike_sa *old)
{
	nsa->nat = old->nat;
	nsa->natt = old->natt;
	nsa->frag = old->frag;
	nsa->keepalive_at = old->keepalive_at;
}

/* see ike_int.h */
uint64_t
nat_keepalive_due(const struct ike_sa *sa)
{
	uint32_t iv = sa->eng->cfg ? sa->eng->cfg->nat_keepalive : 0;

	/* RFC 3948 4: from the end behind the NAT, to keep its mapping */
	if (iv == 0 || sa->state != SA_ESTABLISHED || !nat_encap(sa) ||
	    !(sa->nat & IKD_NAT_LOCAL)) {
		return UINT64_MAX;
	}
	return (sa->keepalive_at ? sa->keepalive_at : sa->established_ms) +
	    (uint64_t)iv * 1000;
}

/* see ike_int.h */
void
nat_keepalive_send(struct ike_sa *sa)
{
	struct ike_engine *eng = sa->eng;
	static const uint8_t ka[1] = { 0xff };	/* RFC 3948 2.3 */

	sa->keepalive_at = eng->now ? eng->now : 1;
	eng->st.nat_keepalives_sent++;
	/* sent bare: no non-ESP marker before a keepalive */
	if (eng->env.send) {
		eng->env.send(eng->env.ctx, &sa->local, &sa->peer, ka,
		    sizeof(ka));
	}
	ike_log(eng, IKE_LOG_DEBUG, sa, "NAT keepalive sent");
}
