/*
 * ike_vpns.c - finding the VPN of a peer without walking every VPN: the
 * engine's indexes of its VPN table (names, peer addresses, expected peer
 * IDs; struct ike_vpn_index), built by ike_set_config() for each new
 * table, and the lookups IKE_SA_INIT, IKE_AUTH, the control commands and
 * kernel acquires make through them.  Each lookup visits only the VPNs
 * that could answer: those naming this peer's address or ID, and those
 * accepting any, so a hub with 100,000 branches answers a branch in the
 * time it takes with one.  Calls exchange.c and ike_prop.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

/* The key of a peer address (af 0: "any"). */
static uint64_t
peer_key(const struct ike_addr *a)
{
	uint8_t b[17];

	b[0] = a->af;
	memcpy(b + 1, a->ip, 16);
	return ike_map_key(b, a->af == 6 ? 17 : a->af == 4 ? 5 : 1, 0);
}

static uint64_t
id_key(uint8_t type, const uint8_t *data, size_t len)
{
	return ike_map_key(data, len, type);
}

static int
xf_same(const struct cfg_xforms *a, const struct cfg_xforms *b)
{
	return a->n_enc == b->n_enc && a->n_integ == b->n_integ &&
	    a->n_prf == b->n_prf && a->n_dh == b->n_dh &&
	    memcmp(a->enc, b->enc, a->n_enc * sizeof(a->enc[0])) == 0 &&
	    memcmp(a->integ, b->integ, a->n_integ * sizeof(a->integ[0])) == 0 &&
	    memcmp(a->prf, b->prf, a->n_prf * sizeof(a->prf[0])) == 0 &&
	    memcmp(a->dh, b->dh, a->n_dh * sizeof(a->dh[0])) == 0;
}

/* Whether an earlier VPN answers every IKE_SA_INIT that v would: the
 * same addresses and the same [ikesa] (classes holds the first of each). */
static int
init_redundant(struct ike_map *classes, uint64_t key, struct ike_vpn *v)
{
	struct ike_vpn *o;
	uint32_t it;

	for (o = ike_map_first(classes, key, &it); o;
	    o = ike_map_next(classes, key, &it)) {
		const struct cfg_vpn *a = o->cfg, *b = v->cfg;
		struct ike_addr al, bl, ap, bp;

		xchg_addr_from_ss(&al, &a->local);
		xchg_addr_from_ss(&bl, &b->local);
		xchg_addr_from_ss(&ap, &a->peer);
		xchg_addr_from_ss(&bp, &b->peer);
		/* a peer named by host is its own class: the address it
		 * resolves to is only known later (ike_vpn_resolve) */
		if (al.af == bl.af && xchg_same_ip(&al, &bl) &&
		    ap.af == bp.af && xchg_same_ip(&ap, &bp) &&
		    a->peer_host == NULL && b->peer_host == NULL &&
		    xf_same(&a->ikesa, &b->ikesa)) {
			return 1;
		}
	}
	return 0;
}

/* see ike_int.h */
void
ike_vpn_index_free(struct ike_vpn_index *x)
{
	ike_map_free(&x->names);
	ike_map_free(&x->inits);
	ike_map_free(&x->ids);
	ike_map_free(&x->anyid);
}

/* see ike_int.h */
int
ike_vpn_index_build(struct ike_vpn_index *x, struct ike_vpn *vpns, size_t n,
    uint64_t seed)
{
	struct ike_map classes;
	int rc = 0;

	ike_map_init(&x->names, seed);
	ike_map_init(&x->inits, seed);
	ike_map_init(&x->ids, seed);
	ike_map_init(&x->anyid, seed);
	ike_map_init(&classes, seed);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct ike_vpn *v = &vpns[i];
		const struct cfg_vpn *c = v->cfg;
		struct ike_addr l, p;
		uint64_t pk, ck;

		xchg_addr_from_ss(&l, &c->local);
		xchg_addr_from_ss(&p, &c->peer);
		pk = peer_key(&p);
		ck = pk ^ ike_map_key(l.ip, 16, l.af);
		rc = ike_map_put(&x->names,
		    ike_map_key(c->name, strlen(c->name), 0), v);
		if (rc == 0 && !init_redundant(&classes, ck, v)) {
			rc = ike_map_put(&classes, ck, v);
			if (rc == 0) {
				rc = ike_map_put(&x->inits, pk, v);
			}
		}
		if (rc == 0 && c->dstid.type != CFG_ID_NONE) {
			rc = ike_map_put(&x->ids, id_key(c->dstid.type,
			    c->dstid.data, c->dstid.len), v);
		} else if (rc == 0) {
			rc = ike_map_put(&x->anyid, pk, v);
		}
	}
	ike_map_free(&classes);
	if (rc != 0) {
		ike_vpn_index_free(x);
	}
	return rc;
}

/* see ike_int.h */
struct ike_vpn *
ike_vpn_by_name(struct ike_engine *eng, const char *name)
{
	uint64_t key = ike_map_key(name, strlen(name), 0);
	struct ike_vpn *v;
	uint32_t it;

	for (v = ike_map_first(&eng->vx.names, key, &it); v;
	    v = ike_map_next(&eng->vx.names, key, &it)) {
		/* NULL: already moved to the new table by ike_set_config. */
		if (v->cfg != NULL && strcmp(v->cfg->name, name) == 0) {
			return v;
		}
	}
	return NULL;
}

/* see ike_int.h */
struct ike_vpn *
ike_vpn_by_peer(struct ike_engine *eng, const struct ike_addr *peer)
{
	uint64_t key = peer_key(peer);
	struct ike_vpn *v, *best = NULL;
	uint32_t it;

	/* The first of each class is in inits: the first VPN of this peer
	 * is one.  VPNs whose peer is a host name are filed under "any"
	 * (their address comes later): those are looked at too, one by
	 * one, by the address they resolved to. */
	for (int k = 0; k < 2; k++) {
		const struct ike_addr any = { 0 };
		uint64_t kk = k == 0 ? key : peer_key(&any);

		for (v = ike_map_first(&eng->vx.inits, kk, &it); v;
		    v = ike_map_next(&eng->vx.inits, kk, &it)) {
			struct ike_addr p;

			if (k == 1 && v->cfg->peer_host == NULL) {
				continue;
			}
			xchg_vpn_peer(v, &p);
			if (p.af != 0 && xchg_same_ip(&p, peer) &&
			    (best == NULL || v < best)) {
				best = v;
			}
		}
	}
	return best;
}

/* see ike_int.h */
struct ike_vpn *
ike_vpn_for_init(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct pld_sa *sa,
    struct prop_choice *pc, int *have_pc)
{
	const struct ike_addr any = { 0 };
	struct ike_vpn *first = NULL, *best = NULL;
	struct prop_choice c;

	*have_pc = 0;
	for (int k = 0; k < 2; k++) {
		uint64_t key = peer_key(k == 0 ? peer : &any);
		struct ike_vpn *v;
		uint32_t it;

		for (v = ike_map_first(&eng->vx.inits, key, &it); v;
		    v = ike_map_next(&eng->vx.inits, key, &it)) {
			if (!xchg_vpn_addr_match(v, local, peer)) {
				continue;
			}
			if (first == NULL || v < first) {
				first = v;
			}
			if (sa != NULL && (best == NULL || v < best) &&
			    prop_select(sa, &v->cfg->ikesa, IKEV2_PROTO_IKE,
			    1, &c) == 0) {
				best = v;
				*pc = c;
			}
		}
	}
	if (best != NULL) {
		*have_pc = 1;
		return best;
	}
	return first;
}

/* see ike_int.h */
struct ike_vpn *
ike_vpn_auth_next(struct ike_engine *eng, struct ike_vpn_it *it)
{
	const struct ike_addr any = { 0 };
	struct ike_vpn *v = NULL;

	while (v == NULL && it->stage < 3) {
		struct ike_map *m = it->stage == 0 ? &eng->vx.ids :
		    &eng->vx.anyid;

		if (!it->started) {
			it->key = it->stage == 0 ? id_key(it->idi->type,
			    it->idi->data.p, it->idi->data.len) :
			    peer_key(it->stage == 1 ? it->peer : &any);
			v = ike_map_first(m, it->key, &it->it);
			it->started = 1;
		} else {
			v = ike_map_next(m, it->key, &it->it);
		}
		if (v == NULL) {
			it->stage++;
			it->started = 0;
		}
	}
	return v;
}
