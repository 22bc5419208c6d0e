/*
 * ike_prop.c - SA proposals (RFC 7296 2.7, 3.3): what we offer from the
 * configuration, and which of a peer's proposals we accept.
 *
 * A configured transform list becomes at most two proposals: one with the
 * combined-mode (AEAD) ciphers and no integrity transform, one with the
 * others and the integrity list (RFC 7296 3.3: AEAD and non-AEAD ciphers
 * must not share a proposal).  ESP proposals carry the ESN transforms of
 * [childsa] esn ("no" before "yes" when both), RFC 7296 3.3.2 making the
 * ESN transform mandatory for ESP.
 */
#include <errno.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

#define PROP_XF_MAX (4 * CFG_XF_MAX + 2)

/* The ESN values xf allows; hand-made configurations (tests) say 0: no. */
static uint8_t
esn_allowed(const struct cfg_xforms *xf)
{
	return xf->esn ? xf->esn : CFG_ESN_NO;
}

static int
in_list(const struct cr_alg *const *list, size_t n, const struct cr_alg *a)
{
	for (size_t i = 0; i < n; i++) {
		if (list[i] == a) {
			return 1;
		}
	}
	return 0;
}

static void
add_xf(struct pld_xf_desc *xf, uint8_t *n, uint8_t type,
    const struct cr_alg *a)
{
	xf[*n].type = type;
	xf[*n].id = a ? a->id : 0;
	xf[*n].key_bits = a ? a->key_bits : 0;
	(*n)++;
}

/* see ike_int.h */
void
prop_put_offer(struct pld_wr *pw, const struct cfg_xforms *xf, uint8_t proto,
    const uint8_t *spi, size_t spi_len, int with_dh,
    const struct cr_alg *first_dh)
{
	struct pld_xf_desc d[2][PROP_XF_MAX];
	struct pld_prop_desc p[2];
	size_t np = 0;

	for (int aead = 1; aead >= 0; aead--) {
		uint8_t n = 0;
		int any = 0;

		for (size_t i = 0; i < xf->n_enc; i++) {
			if (!!(xf->enc[i]->flags & CR_F_AEAD) == aead) {
				add_xf(d[np], &n, IKEV2_XF_ENCR, xf->enc[i]);
				any = 1;
			}
		}
		if (!any) {
			continue;
		}
		if (proto == IKEV2_PROTO_IKE) {
			for (size_t i = 0; i < xf->n_prf; i++) {
				add_xf(d[np], &n, IKEV2_XF_PRF, xf->prf[i]);
			}
		}
		if (!aead) {
			for (size_t i = 0; i < xf->n_integ; i++) {
				add_xf(d[np], &n, IKEV2_XF_INTEG, xf->integ[i]);
			}
		}
		if (with_dh) {
			if (first_dh) {
				add_xf(d[np], &n, IKEV2_XF_DH, first_dh);
			}
			for (size_t i = 0; i < xf->n_dh; i++) {
				if (xf->dh[i] != first_dh) {
					add_xf(d[np], &n, IKEV2_XF_DH,
					    xf->dh[i]);
				}
			}
		}
		if (proto == IKEV2_PROTO_ESP) {
			if (esn_allowed(xf) & CFG_ESN_NO) {
				add_xf(d[np], &n, IKEV2_XF_ESN, NULL);
			}
			if (esn_allowed(xf) & CFG_ESN_YES) {
				add_xf(d[np], &n, IKEV2_XF_ESN, NULL);
				d[np][n - 1].id = IKEV2_ESN_YES;
			}
		}
		memset(&p[np], 0, sizeof(p[np]));
		p[np].num = (uint8_t)(np + 1);
		p[np].proto = proto;
		p[np].spi_len = (uint8_t)spi_len;
		if (spi_len) {
			memcpy(p[np].spi, spi, spi_len);
		}
		p[np].n_xf = n;
		p[np].xf = d[np];
		np++;
	}
	pld_put_sa(pw, p, np);
}

/* see ike_int.h */
void
prop_put_choice(struct pld_wr *pw, uint8_t proto, const struct prop_choice *c)
{
	struct pld_xf_desc d[5];
	struct pld_prop_desc p;
	uint8_t n = 0;

	add_xf(d, &n, IKEV2_XF_ENCR, c->enc);
	if (c->prf) {
		add_xf(d, &n, IKEV2_XF_PRF, c->prf);
	}
	if (c->integ) {
		add_xf(d, &n, IKEV2_XF_INTEG, c->integ);
	}
	if (c->dh) {
		add_xf(d, &n, IKEV2_XF_DH, c->dh);
	}
	if (proto == IKEV2_PROTO_ESP) {
		add_xf(d, &n, IKEV2_XF_ESN, NULL);
		d[n - 1].id = c->esn ? IKEV2_ESN_YES : IKEV2_ESN_NO;
	}
	memset(&p, 0, sizeof(p));
	p.num = c->num;
	p.proto = proto;
	p.spi_len = c->spi_len;
	memcpy(p.spi, c->spi, c->spi_len);
	p.n_xf = n;
	p.xf = d;
	pld_put_sa(pw, &p, 1);
}

/*
 * Picks, for one transform type, the first transform of the proposal (the
 * peer's preference) that is in our list.  *present tells whether the
 * proposal had any transform of that type; a type-specific "none" (ID 0,
 * as INTEG and DH allow) counts as absent.
 */
static const struct cr_alg *
pick(const struct pld_sa *sa, const struct pld_proposal *p, uint8_t type,
    const struct cr_alg *const *list, size_t n, int *present)
{
	int crtype = type == IKEV2_XF_ENCR ? CR_ENCR :
	    type == IKEV2_XF_PRF ? CR_PRF :
	    type == IKEV2_XF_INTEG ? CR_INTEG : CR_DH;

	*present = 0;
	for (unsigned i = 0; i < p->n_xf; i++) {
		const struct pld_transform *t = &sa->xf[p->first_xf + i];
		const struct cr_alg *a;

		if (t->type != type || (t->id == 0 && type != IKEV2_XF_ENCR)) {
			continue;
		}
		*present = 1;
		if (t->unusable) {
			continue;
		}
		a = cr_alg_by_id(crtype, t->id, t->key_bits);
		if (a && in_list(list, n, a)) {
			return a;
		}
	}
	return NULL;
}

/*
 * ESN: the first value of the proposal (the peer's preference) that we
 * allow; a proposal without ESN transforms means "no".  Sets *esn; 0 if
 * agreed, -ENOENT if not.
 */
static int
esn_pick(const struct pld_sa *sa, const struct pld_proposal *p,
    uint8_t allowed, uint8_t *esn)
{
	int seen = 0;

	for (unsigned i = 0; i < p->n_xf; i++) {
		const struct pld_transform *t = &sa->xf[p->first_xf + i];

		if (t->type != IKEV2_XF_ESN) {
			continue;
		}
		seen = 1;
		if ((t->id == IKEV2_ESN_NO && (allowed & CFG_ESN_NO)) ||
		    (t->id == IKEV2_ESN_YES && (allowed & CFG_ESN_YES))) {
			*esn = t->id == IKEV2_ESN_YES;
			return 0;
		}
	}
	*esn = 0;
	return !seen && (allowed & CFG_ESN_NO) ? 0 : -ENOENT;
}

static int
match(const struct pld_sa *sa, const struct pld_proposal *p,
    const struct cfg_xforms *xf, uint8_t proto, int need_dh,
    struct prop_choice *c)
{
	int has;

	memset(c, 0, sizeof(*c));
	c->num = p->num;
	c->enc = pick(sa, p, IKEV2_XF_ENCR, xf->enc, xf->n_enc, &has);
	if (c->enc == NULL) {
		return -ENOENT;
	}
	c->integ = pick(sa, p, IKEV2_XF_INTEG, xf->integ, xf->n_integ, &has);
	if (c->enc->flags & CR_F_AEAD) {
		if (has) {
			return -ENOENT;	/* RFC 7296 3.3: no INTEG with AEAD */
		}
	} else if (c->integ == NULL) {
		return -ENOENT;
	}
	if (proto == IKEV2_PROTO_IKE) {
		c->prf = pick(sa, p, IKEV2_XF_PRF, xf->prf, xf->n_prf, &has);
		if (c->prf == NULL) {
			return -ENOENT;
		}
	} else if (esn_pick(sa, p, esn_allowed(xf), &c->esn) != 0) {
		return -ENOENT;
	}
	if (need_dh != 0) {
		c->dh = pick(sa, p, IKEV2_XF_DH, xf->dh, xf->n_dh, &has);
		if (need_dh > 0 && c->dh == NULL) {
			return -ENOENT;
		}
		/* PFS wanted by one side only: no agreement. */
		if (need_dh < 0 && (has || xf->n_dh) && c->dh == NULL) {
			return -ENOENT;
		}
	}
	if (p->spi.len > sizeof(c->spi)) {
		return -ENOENT;
	}
	c->spi_len = (uint8_t)p->spi.len;
	memcpy(c->spi, p->spi.p, p->spi.len);
	return 0;
}

/* see ike_int.h */
int
prop_select(const struct pld_sa *sa, const struct cfg_xforms *xf,
    uint8_t proto, int need_dh, struct prop_choice *c)
{
	for (unsigned i = 0; i < sa->n_prop; i++) {
		const struct pld_proposal *p = &sa->prop[i];

		if (p->proto != proto || p->unusable) {
			continue;
		}
		if (proto == IKEV2_PROTO_ESP && p->spi.len != 4) {
			continue;
		}
		if (match(sa, p, xf, proto, need_dh, c) == 0) {
			return 0;
		}
	}
	return -ENOENT;
}

/* see ike_int.h */
int
prop_check_answer(const struct pld_sa *sa, const struct cfg_xforms *xf,
    uint8_t proto, int want_dh, struct prop_choice *c)
{
	const struct pld_proposal *p;
	unsigned count[6] = { 0 };

	if (sa->n_prop != 1) {
		return -EBADMSG;
	}
	p = &sa->prop[0];
	if (p->proto != proto || p->unusable ||
	    (proto == IKEV2_PROTO_ESP && p->spi.len != 4)) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < p->n_xf; i++) {
		uint8_t t = sa->xf[p->first_xf + i].type;

		if (t < 6) {
			count[t]++;
		}
	}
	for (unsigned t = 1; t < 6; t++) {
		if (count[t] > 1) {
			return -EBADMSG;	/* an answer has one of each */
		}
	}
	if (match(sa, p, xf, proto, want_dh ? 1 : 0, c) != 0) {
		return -EBADMSG;
	}
	return 0;
}
