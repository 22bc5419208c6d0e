/*
 * ike_kern.c - a CHILD SA in the kernel: the SAs of both directions and the
 * policies of its flow (through the backend's env callbacks, core/ike/
 * kern.h), installed with their lifetimes and removed, a rekey's outbound
 * SA held back until the old one goes, and the CHILD SA lookups by reqid
 * and by SPI.  Below the exchanges and the SA table: calls only
 * ike_base.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

static const int policy_dirs[3] = { KERN_DIR_OUT, KERN_DIR_IN, KERN_DIR_FWD };

static void
kaddr(struct kern_addr *k, const struct ike_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->family = a->af == 6 ? KERN_AF_INET6 : KERN_AF_INET;
	memcpy(k->addr, a->ip, 16);
}

/* Lengths of the keys kept in ch->nat_keys: its transforms' (the AEAD
 * salt is part of enc's key, crypto/alg.h). */
static size_t
nat_elen(const struct child_sa *ch)
{
	return ch->enc ? ch->enc->key_len : 0;
}

static size_t
nat_alen(const struct child_sa *ch)
{
	return ch->integ ? ch->integ->key_len : 0;
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

/* see ike_int.h */
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
	k->esn = ch->esn;
	k->replay_window = sa->vpn ? sa->vpn->cfg->replay_window : 32;
	if (nat_encap(sa)) {
		/* RFC 3948: ESP in UDP between the IKE SA's ports, which
		 * are 4500 here and the NAT's mapping there */
		k->encap_sport = dir == KERN_DIR_IN ? sa->peer.port :
		    sa->local.port;
		k->encap_dport = dir == KERN_DIR_IN ? sa->local.port :
		    sa->peer.port;
	}
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

/* A CHILD SA's lifetimes: the engine's rekey timer and the kernel's. */
struct child_life {
	uint64_t life_ms, soft_ms;	/* 0: no time limit */
	uint32_t hard_secs, soft_secs;	/* the kernel's, whole seconds */
	uint64_t hard_bytes, soft_bytes;
};

/*
 * The engine's own timer rekeys by time, at a random 85-95% of the
 * lifetime (iked's soft lifetime); the kernel's soft time limit, in whole
 * seconds, is a fallback only: halfway between that timer and the hard
 * limit, rounded up so that it never fires before the timer, and below
 * the hard limit.  Where no whole second fits between them (short
 * lifetimes), the timer is brought forward to the kernel's second
 * instead.  Bytes are counted by the kernel alone: its soft byte limit is
 * what rekeys by volume.
 */
static void
child_lifetimes(const struct cfg_vpn *c, struct child_life *lt)
{
	memset(lt, 0, sizeof(*lt));
	lt->life_ms = c ? (uint64_t)c->lifetime * 1000 : 0;
	lt->soft_ms = lt->life_ms ? ike_jitter(lt->life_ms, IKD_SOFT_MIN_PCT,
	    IKD_SOFT_MAX_PCT) : 0;
	lt->hard_bytes = c ? c->lifetime_bytes : 0;
	lt->soft_bytes = lt->hard_bytes ? ike_jitter(lt->hard_bytes,
	    IKD_SOFT_MIN_PCT, IKD_SOFT_MAX_PCT) : 0;
	lt->hard_secs = (uint32_t)(lt->life_ms / 1000);
	lt->soft_secs = lt->life_ms ? (uint32_t)((lt->soft_ms +
	    (lt->life_ms - lt->soft_ms) / 2 + 999) / 1000) : 0;
	if (lt->soft_secs >= lt->hard_secs) {
		lt->soft_secs = lt->hard_secs > 1 ? lt->hard_secs - 1 : 0;
	}
	if (lt->soft_secs > 0 && lt->soft_ms > (uint64_t)lt->soft_secs * 1000) {
		lt->soft_ms = (uint64_t)lt->soft_secs * 1000;
	}
}

/*
 * Adds the kernel SAs of both directions of ch with keys.  The exchange's
 * initiator-to-responder keys protect our outbound traffic when we sent
 * its request (xinit), whoever began the IKE SA (a CHILD SA rekeyed by the
 * IKE responder, or any CHILD SA of an IKE SA the peer rekeyed).  With
 * defer_out the outbound SA is kept in ch->out_k instead, to be added by
 * ike_child_send_new().  Returns 0 or the kernel's -errno.
 */
static int
child_sas_add(struct ike_sa *sa, struct child_sa *ch,
    const struct cr_child_keys *keys, int xinit,
    const struct child_life *lt, int defer_out)
{
	struct ike_engine *eng = sa->eng;
	const uint8_t *ek_out = xinit ? keys->encr_i : keys->encr_r;
	const uint8_t *ak_out = xinit ? keys->integ_i : keys->integ_r;
	const uint8_t *ek_in = xinit ? keys->encr_r : keys->encr_i;
	const uint8_t *ak_in = xinit ? keys->integ_r : keys->integ_i;
	struct kern_sa k;
	int rc = 0, err;

	for (int dir = KERN_DIR_IN; dir <= KERN_DIR_OUT; dir++) {
		ike_kern_sa(sa, ch, dir, &k);
		k.hard_secs = lt->hard_secs;
		k.soft_secs = lt->soft_secs;
		k.hard_bytes = lt->hard_bytes;
		k.soft_bytes = lt->soft_bytes;
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
	if (nat_encap(sa) && ch->nat_keys == NULL &&
	    keys->e_len == nat_elen(ch) && keys->a_len == nat_alen(ch) &&
	    (ch->nat_keys = malloc(2u * (keys->e_len + keys->a_len) +
	    1)) != NULL) {
		/* for ike_child_readdress(), when the peer's NAT moves */
		uint8_t *p = ch->nat_keys;

		memcpy(p, ek_in, keys->e_len);
		memcpy(p += keys->e_len, ak_in, keys->a_len);
		memcpy(p += keys->a_len, ek_out, keys->e_len);
		memcpy(p += keys->e_len, ak_out, keys->a_len);
	}
	return rc;
}

/* Adds ch's flow policies, out, in and fwd.  Returns 0 or -errno. */
static int
child_policies_add(struct ike_sa *sa, const struct child_sa *ch)
{
	struct ike_engine *eng = sa->eng;
	struct kern_policy p;
	int err;

	for (int i = 0; i < 3; i++) {
		kern_policy(sa, ch, policy_dirs[i], &p);
		err = eng->env.policy_add ?
		    eng->env.policy_add(eng->env.ctx, &p) : 0;
		if (err != 0) {
			ike_log(eng, IKE_LOG_ERR, sa,
			    "kernel refused a policy: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/* see ike_int.h */
void
ike_child_index(struct ike_sa *sa, int idx, int add)
{
	struct ike_engine *eng = sa->eng;
	const struct child_sa *ch = &sa->child[idx];
	const uint64_t keys[3] = { IKD_KID_IN | ch->spi_in,
	    IKD_KID_OUT | ch->spi_out, IKD_KID_REQID | ch->reqid };

	for (int i = 0; i < 3; i++) {
		if (!add) {
			(void)ike_map_del(&eng->kids, keys[i], sa);
		} else if (ike_map_put(&eng->kids, keys[i], sa) != 0) {
			/* kernel expires and acquires will not find it */
			ike_log(eng, IKE_LOG_ERR, sa, "CHILD SA spi 0x%08x: "
			    "out of memory for its index", ch->spi_in);
		}
	}
}

/* see ike_int.h */
int
ike_child_install(struct ike_sa *sa, int idx, const struct cr_child_keys *keys,
    int xinit)
{
	struct ike_engine *eng = sa->eng;
	struct child_sa *ch = &sa->child[idx];
	struct child_life lt;
	/* A rekey keeps the flow's reqid: the policies stay, and the kernel
	 * sends on the newest SA of that reqid from the moment it is added
	 * while the old one still takes what is in flight. */
	int keep_policies = ch->reqid != 0 &&
	    ike_child_by_reqid(sa, ch->reqid, idx) >= 0;
	int defer_out = 0, rc;
	char l[64], r[64];

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
	child_lifetimes(sa->vpn ? sa->vpn->cfg : NULL, &lt);
	ch->rekey_at = lt.life_ms ? eng->now + lt.soft_ms : UINT64_MAX;
	ch->expire_at = lt.life_ms ? eng->now + lt.life_ms : UINT64_MAX;
	rc = child_sas_add(sa, ch, keys, xinit, &lt, defer_out);
	if (rc == 0 && !keep_policies) {
		rc = child_policies_add(sa, ch);
	}
	ch->state = CHILD_INSTALLED;
	ike_child_index(sa, idx, 1);
	sa->n_children++;
	eng->st.child_sas++;
	if (ch->rekey_of_in) {
		eng->st.rekeys_child++;
	}
	ts_format(&ch->ts_l, l, sizeof(l));
	ts_format(&ch->ts_r, r, sizeof(r));
	ike_log(eng, IKE_LOG_NOTICE, sa,
	    "CHILD SA %s: %s === %s spi in 0x%08x out 0x%08x %s%s%s%s%s",
	    ch->rekey_of_in ? "rekeyed" : "up",
	    l, r, ch->spi_in, ch->spi_out, ch->enc->name,
	    ch->integ ? " " : "", ch->integ ? ch->integ->name : "",
	    ch->dh ? " pfs " : "", ch->dh ? ch->dh->name : "");
	return rc;
}

/* see ike_int.h */
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

/* Removes ch's kernel SA of direction dir (the kernel's error, if any,
 * changes nothing: the SA is gone for us either way). */
static void
child_sa_del(struct ike_sa *sa, const struct child_sa *ch, int dir)
{
	struct ike_engine *eng = sa->eng;
	struct kern_sa k;

	ike_kern_sa(sa, ch, dir, &k);
	if (eng->env.sa_del) {
		(void)eng->env.sa_del(eng->env.ctx, &k);
	}
}

/* see ike_int.h */
void
ike_child_stop_sending(struct ike_sa *sa, int idx)
{
	struct child_sa *ch = &sa->child[idx];
	int other = 0;

	if (ch->state != CHILD_INSTALLED || ch->redundant != 1 ||
	    ch->out_k != NULL) {
		return;
	}
	for (int i = 0; i < sa->n_slots && !other; i++) {
		other = i != idx && sa->child[i].state == CHILD_INSTALLED &&
		    sa->child[i].reqid == ch->reqid &&
		    sa->child[i].out_k == NULL;
	}
	if (!other) {
		return;	/* no SA would be left to send on */
	}
	/* The peer drops this SA when our DELETE arrives; until the answer
	 * is back the kernel would still send on it (the newest of its
	 * flow), into nothing. */
	child_sa_del(sa, ch, KERN_DIR_OUT);
	ch->redundant = 2;
}

/* see ike_int.h */
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

/* The installed CHILD SA with that inbound (out = 0) or outbound SPI. */
int
ike_child_by_spi(const struct ike_sa *sa, uint32_t spi, int out)
{
	for (int i = 0; i < sa->n_slots; i++) {
		const struct child_sa *ch = &sa->child[i];

		if (ch->state == CHILD_INSTALLED &&
		    (out ? ch->spi_out : ch->spi_in) == spi) {
			return i;
		}
	}
	return -1;
}

/* see ike_int.h */
void
ike_child_remove(struct ike_sa *sa, int idx)
{
	struct ike_engine *eng = sa->eng;
	struct child_sa *ch = &sa->child[idx];
	struct kern_policy p;

	if (ch->state == CHILD_INSTALLED) {
		uint32_t gone = ch->spi_in;

		ike_child_index(sa, idx, 0);

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
			if (dir == KERN_DIR_OUT && ch->redundant == 2) {
				continue;	/* ike_child_stop_sending() */
			}
			child_sa_del(sa, ch, dir);
		}
		sa->n_children--;
		if (eng->st.child_sas > 0) {
			eng->st.child_sas--;
		}
		ike_log(eng, IKE_LOG_NOTICE, sa,
		    "CHILD SA down: spi in 0x%08x out 0x%08x", ch->spi_in,
		    ch->spi_out);
		ike_child_send_new(sa, gone);
	} else if (ch->state == CHILD_CREATING && ch->spi_in != 0) {
		/* an SPI reserved in the kernel for a child that never came */
		child_sa_del(sa, ch, KERN_DIR_IN);
	}
	if (ch->out_k) {
		cr_wipe(ch->out_k, sizeof(*ch->out_k));
		free(ch->out_k);
	}
	if (ch->nat_keys) {
		cr_wipe(ch->nat_keys, 2u * (nat_elen(ch) + nat_alen(ch)));
		free(ch->nat_keys);
	}
	if (idx == sa->xchg_child && sa->state == SA_ESTABLISHED) {
		cr_dh_wipe(&sa->dhc);	/* its PFS exchange, if out */
	}
	memset(ch, 0, sizeof(*ch));
}

/* see ike_int.h */
void
ike_child_readdress(struct ike_sa *sa, int idx,
    const struct ike_addr *old_peer, int ip_changed)
{
	struct ike_engine *eng = sa->eng;
	struct child_sa *ch = &sa->child[idx];
	struct ike_addr now = sa->peer;
	struct child_life lt;
	struct kern_sa k;
	struct kern_policy p;
	size_t ne = nat_elen(ch), na = nat_alen(ch);
	int err = 0;

	if (ch->state != CHILD_INSTALLED || ch->nat_keys == NULL) {
		return;
	}
	child_lifetimes(sa->vpn ? sa->vpn->cfg : NULL, &lt);
	for (int dir = KERN_DIR_IN; dir <= KERN_DIR_OUT; dir++) {
		const uint8_t *kp = ch->nat_keys + (dir == KERN_DIR_IN ? 0 :
		    ne + na);
		int e;

		if (dir == KERN_DIR_OUT && (ch->out_k != NULL ||
		    ch->redundant == 2)) {
			continue;	/* added later, with the new ports;
					 * or gone already */
		}
		if (ip_changed || eng->env.sa_update == NULL) {
			/* the kernel knows an SA by its destination: a
			 * new address is a new SA */
			sa->peer = *old_peer;
			ike_kern_sa(sa, ch, dir, &k);
			sa->peer = now;
			if (eng->env.sa_del) {
				(void)eng->env.sa_del(eng->env.ctx, &k);
			}
		}
		ike_kern_sa(sa, ch, dir, &k);
		k.hard_secs = lt.hard_secs;
		k.soft_secs = lt.soft_secs;
		k.hard_bytes = lt.hard_bytes;
		k.soft_bytes = lt.soft_bytes;
		memcpy(k.encr_key, kp, ne);
		k.encr_key_len = (uint16_t)ne;
		memcpy(k.integ_key, kp + ne, na);
		k.integ_key_len = (uint16_t)na;
		if (!ip_changed && eng->env.sa_update != NULL) {
			/* ports only: updated in place, its sequence
			 * numbers and counters kept */
			e = eng->env.sa_update(eng->env.ctx, &k);
		} else {
			e = eng->env.sa_add ? eng->env.sa_add(eng->env.ctx,
			    &k) : 0;
		}
		cr_wipe(&k, sizeof(k));
		err = err ? err : e;
	}
	if (ip_changed) {
		for (int i = 0; i < 3; i++) {
			sa->peer = *old_peer;
			kern_policy(sa, ch, policy_dirs[i], &p);
			sa->peer = now;
			if (eng->env.policy_del) {
				(void)eng->env.policy_del(eng->env.ctx, &p);
			}
			kern_policy(sa, ch, policy_dirs[i], &p);
			if (eng->env.policy_add) {
				int e = eng->env.policy_add(eng->env.ctx, &p);

				err = err ? err : e;
			}
		}
		/* a re-added outbound SA counts from 1 again, below the
		 * peer's replay window: new SAs at once */
		if (!ch->rekeyed && !ch->del) {
			ch->rekey_at = eng->now;
		}
	}
	if (err != 0) {
		ike_log(eng, IKE_LOG_ERR, sa, "kernel refused the new "
		    "address of CHILD SA spi 0x%08x: %s", ch->spi_in,
		    strerror(-err));
	}
}
