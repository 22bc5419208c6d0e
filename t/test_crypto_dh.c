/*
 * test_crypto_dh.c - Diffie-Hellman (crypto/cr.h): RFC 5903 section 8
 * (ECP 256/384/521), RFC 7748 5.2 and 6.1 (X25519), MODP exchanges
 * computed by Python's pow() (crypto/kat.py), agreement for every group in
 * both directions, and the public values RFC 6989 / RFC 8031 tell us to
 * refuse.
 */
#include <errno.h>

#include "crypto/cr.h"
#include "crypto/kat.h"
#include "t/harness/t.h"
#include "t/harness/x25519_small.h"

T_CASE(crypto_dh, vectors_both_directions)
{
	uint8_t i[80], r[80], gi[CR_DH_PUB_MAX], gr[CR_DH_PUB_MAX];
	uint8_t gir[CR_DH_SHARED_MAX], pub[CR_DH_PUB_MAX], s[CR_DH_SHARED_MAX];
	struct cr_dh di, dr;
	size_t pl, sl;

	for (const struct cr_kat_dh *v = cr_kat_dhs; v->src; v++) {
		const struct cr_alg *g = cr_alg_by_name(CR_DH, v->group);
		T_ROW("%s %s", v->group, v->src);
		size_t il = cr_kat_unhex(i, sizeof(i), v->i);
		size_t rl = cr_kat_unhex(r, sizeof(r), v->r);
		size_t gil = cr_kat_unhex(gi, sizeof(gi), v->gi);
		size_t grl = cr_kat_unhex(gr, sizeof(gr), v->gr);
		size_t gl = cr_kat_unhex(gir, sizeof(gir), v->gir);

		T_EQ_INT(gil, g->out_len);
		T_EQ_INT(cr_dh_keygen_from(&di, g, i, il, pub, &pl), 0);
		T_EQ_INT(pl, gil);
		T_EQ_MEM(pub, gi, gil);
		T_EQ_INT(cr_dh_keygen_from(&dr, g, r, rl, pub, &pl), 0);
		T_EQ_MEM(pub, gr, grl);
		T_EQ_INT(cr_dh_shared(&di, gr, grl, s, &sl), 0);
		T_EQ_INT(sl, gl);
		T_EQ_MEM(s, gir, gl);
		memset(s, 0, sizeof(s));
		T_EQ_INT(cr_dh_shared(&dr, gi, gil, s, &sl), 0);
		T_EQ_MEM(s, gir, gl);
		cr_dh_wipe(&di);
		T_ASSERT(di.group == NULL && di.secret_len == 0 &&
		    di.secret[0] == 0);
		cr_dh_wipe(&dr);
	}
}

T_CASE(crypto_dh, x25519_rfc7748_5_2)
{
	uint8_t k[32], u[32], want[32], pub[32], s[32];
	const struct cr_alg *g = cr_alg_by_name(CR_DH, "curve25519");
	struct cr_dh d;
	size_t pl, sl;

	for (const struct cr_kat_x25519 *v = cr_kat_x25519s; v->src; v++) {
		T_ROW("%s", v->src);
		cr_kat_unhex(k, sizeof(k), v->scalar);
		cr_kat_unhex(u, sizeof(u), v->u);
		cr_kat_unhex(want, sizeof(want), v->out);
		T_EQ_INT(cr_dh_keygen_from(&d, g, k, 32, pub, &pl), 0);
		T_EQ_INT(cr_dh_shared(&d, u, 32, s, &sl), 0);
		T_EQ_INT(sl, 32);
		T_EQ_MEM(s, want, 32);
	}
}

/* Fresh keys for every group, both directions, a few times each. */
T_CASE(crypto_dh, agreement_every_group)
{
	uint8_t a[CR_DH_PUB_MAX], b[CR_DH_PUB_MAX];
	uint8_t sa[CR_DH_SHARED_MAX], sb[CR_DH_SHARED_MAX];
	struct cr_dh da, db;
	size_t al, bl, sal, sbl;
	int groups = 0;

	for (const struct cr_alg *g = cr_algs; g->name; g++) {
		if (g->type != CR_DH || g->refused) {
			continue;
		}
		groups++;
		T_ROW("%s", g->name);
		for (int n = 0; n < 3; n++) {
			T_EQ_INT(cr_dh_keygen(&da, g, a, &al), 0);
			T_EQ_INT(cr_dh_keygen(&db, g, b, &bl), 0);
			T_EQ_INT(al, g->out_len);
			T_EQ_INT(bl, g->out_len);
			T_ASSERT(memcmp(a, b, al) != 0);
			T_EQ_INT(cr_dh_shared(&da, b, bl, sa, &sal), 0);
			T_EQ_INT(cr_dh_shared(&db, a, al, sb, &sbl), 0);
			T_EQ_INT(sal, sbl);
			T_EQ_MEM(sa, sb, sal);
		}
		/* Short MODP exponents: 2x the security strength. */
		if (g->flags & CR_F_MODP) {
			T_EQ_INT(da.secret_len, g->out_len == 256 ? 32 :
			    g->out_len == 384 ? 40 : 48);
		}
		cr_dh_wipe(&da);
		cr_dh_wipe(&db);
	}
	T_EQ_INT(groups, 7);
}

/* Big-endian n-byte value p + delta (delta in -1..1). */
static void
p_plus(uint8_t *out, const uint8_t *p, size_t n, int delta)
{
	memcpy(out, p, n);
	/* RFC 3526 primes end in 64 one bits: no carry for +-1 in the end. */
	out[n - 1] = (uint8_t)(out[n - 1] + delta);
}

/* RFC 6989 2.1: a MODP value must satisfy 1 < y < p-1. */
T_CASE(crypto_dh, modp_bad_values_refused)
{
	uint8_t pub[CR_DH_PUB_MAX], y[CR_DH_PUB_MAX + 1], s[CR_DH_SHARED_MAX];
	struct cr_dh d;
	size_t pl, sl, n;

	for (const struct cr_alg *g = cr_algs; g->name; g++) {
		if (g->type != CR_DH || !(g->flags & CR_F_MODP) || g->refused) {
			continue;
		}
		const uint8_t *p = cr_dh_modp_prime(g, &n);
		T_ROW("%s prime is RFC 3526's", g->name);
		T_EQ_INT(n, g->out_len);
		uint8_t head[16], tail[8];
		cr_kat_unhex(head, 16, "ffffffffffffffffc90fdaa22168c234");
		memset(tail, 0xff, sizeof(tail));
		T_EQ_MEM(p, head, 16);
		T_EQ_MEM(p + n - 8, tail, 8);
		T_EQ_INT(cr_dh_keygen(&d, g, pub, &pl), 0);

		T_ROW("%s y = 0", g->name);
		memset(y, 0, n);
		T_EQ_INT(cr_dh_shared(&d, y, n, s, &sl), -EBADMSG);
		T_ROW("%s y = 1", g->name);
		y[n - 1] = 1;
		T_EQ_INT(cr_dh_shared(&d, y, n, s, &sl), -EBADMSG);
		T_ROW("%s y = 2 accepted", g->name);
		y[n - 1] = 2;
		T_EQ_INT(cr_dh_shared(&d, y, n, s, &sl), 0);
		T_ROW("%s y = p-2 accepted", g->name);
		p_plus(y, p, n, -2);
		T_EQ_INT(cr_dh_shared(&d, y, n, s, &sl), 0);
		T_ROW("%s y = p-1", g->name);
		p_plus(y, p, n, -1);
		T_EQ_INT(cr_dh_shared(&d, y, n, s, &sl), -EBADMSG);
		T_ROW("%s y = p", g->name);
		p_plus(y, p, n, 0);
		T_EQ_INT(cr_dh_shared(&d, y, n, s, &sl), -EBADMSG);
		T_ROW("%s y = p+1", g->name);
		memset(y, 0xff, n);
		T_EQ_INT(cr_dh_shared(&d, y, n, s, &sl), -EBADMSG);
		T_ROW("%s wrong lengths", g->name);
		memcpy(y + 1, pub, n);
		y[0] = 0;
		T_EQ_INT(cr_dh_shared(&d, y, n + 1, s, &sl), -EBADMSG);
		T_EQ_INT(cr_dh_shared(&d, pub, n - 1, s, &sl), -EBADMSG);
		T_EQ_INT(cr_dh_shared(&d, pub, 0, s, &sl), -EBADMSG);
		T_EQ_INT(sl, 0);
		cr_dh_wipe(&d);
	}
}

/* RFC 6989 2.3: ECP points must be on the curve. */
T_CASE(crypto_dh, ecp_bad_points_refused)
{
	uint8_t pub[CR_DH_PUB_MAX], q[CR_DH_PUB_MAX], s[CR_DH_SHARED_MAX];
	struct cr_dh d;
	size_t pl, sl;

	for (const struct cr_kat_dh *v = cr_kat_dhs; v->src; v++) {
		const struct cr_alg *g = cr_alg_by_name(CR_DH, v->group);
		if (!(g->flags & CR_F_ECP)) {
			continue;
		}
		size_t n = cr_kat_unhex(q, sizeof(q), v->gr);
		T_EQ_INT(cr_dh_keygen(&d, g, pub, &pl), 0);
		T_ROW("%s valid point accepted", g->name);
		T_EQ_INT(cr_dh_shared(&d, q, n, s, &sl), 0);
		T_ROW("%s y+1: off the curve", g->name);
		q[n - 1] ^= 1;
		T_EQ_INT(cr_dh_shared(&d, q, n, s, &sl), -EBADMSG);
		q[n - 1] ^= 1;
		T_ROW("%s x+1: off the curve", g->name);
		q[n / 2 - 1] ^= 1;
		T_EQ_INT(cr_dh_shared(&d, q, n, s, &sl), -EBADMSG);
		q[n / 2 - 1] ^= 1;
		T_ROW("%s (0, 0)", g->name);
		memset(pub, 0, n);
		T_EQ_INT(cr_dh_shared(&d, pub, n, s, &sl), -EBADMSG);
		T_ROW("%s coordinates of all ones (>= p)", g->name);
		memset(pub, 0xff, n);
		T_EQ_INT(cr_dh_shared(&d, pub, n, s, &sl), -EBADMSG);
		T_ROW("%s with a 0x04 prefix (SEC 1, not RFC 5903)", g->name);
		pub[0] = 0x04;
		memcpy(pub + 1, q, n);
		T_EQ_INT(cr_dh_shared(&d, pub, n + 1, s, &sl), -EBADMSG);
		T_ROW("%s x only", g->name);
		T_EQ_INT(cr_dh_shared(&d, q, n / 2, s, &sl), -EBADMSG);
		cr_dh_wipe(&d);
	}
}

/*
 * RFC 8031 2.3 / RFC 7748 6.1: small-order u-coordinates make the result
 * all zero and must be refused.  These are the points of order 1, 2, 4, 8
 * and their non-canonical aliases (u + p); each was checked with Python's
 * cryptography package, which refuses them too.
 */
T_CASE(crypto_dh, x25519_small_order_refused)
{
	const struct cr_alg *g = cr_alg_by_name(CR_DH, "curve25519");
	uint8_t pub[32], u[33], s[32];
	struct cr_dh d;
	size_t pl, sl;

	T_EQ_INT(cr_dh_keygen(&d, g, pub, &pl), 0);
	for (size_t k = 0; k < sizeof(x25519_small_order) /
	    sizeof(x25519_small_order[0]); k++) {
		T_ROW("u = %.8s...", x25519_small_order[k]);
		cr_kat_unhex(u, sizeof(u), x25519_small_order[k]);
		T_EQ_INT(cr_dh_shared(&d, u, 32, s, &sl), -EBADMSG);
	}
	T_ROW("wrong length");
	T_EQ_INT(cr_dh_shared(&d, pub, 31, s, &sl), -EBADMSG);
	T_EQ_INT(cr_dh_shared(&d, u, 33, s, &sl), -EBADMSG);
	cr_dh_wipe(&d);
}

T_CASE(crypto_dh, misuse)
{
	uint8_t pub[CR_DH_PUB_MAX], s[CR_DH_SHARED_MAX], k[32] = { 1 };
	struct cr_dh d;
	size_t pl, sl;

	memset(&d, 0, sizeof(d));
	T_ROW("shared before keygen");
	T_EQ_INT(cr_dh_shared(&d, pub, 32, s, &sl), -EINVAL);
	T_ROW("refused groups");
	T_EQ_INT(cr_dh_keygen(&d, cr_alg_by_name(CR_DH, "modp1024"), pub,
	    &pl), -EINVAL);
	T_EQ_INT(cr_dh_keygen(&d, cr_alg_by_name(CR_DH, "modp8192"), pub,
	    &pl), -EINVAL);
	T_EQ_INT(cr_dh_keygen(&d, cr_alg_by_name(CR_PRF, "hmac-sha1"), pub,
	    &pl), -EINVAL);
	T_ROW("ECP secret of the wrong length");
	T_EQ_INT(cr_dh_keygen_from(&d, cr_alg_by_name(CR_DH, "ecp384"), k, 32,
	    pub, &pl), -EINVAL);
	T_ROW("ECP secret zero");
	memset(k, 0, sizeof(k));
	T_EQ_INT(cr_dh_keygen_from(&d, cr_alg_by_name(CR_DH, "ecp256"), k, 32,
	    pub, &pl), -EINVAL);
}

/* dh.c's own modpow equals BearSSL's public RSA path, short and long e. */
T_CASE(crypto_dh, modp_matches_br_rsa_public)
{
	uint8_t e[512], pub[CR_DH_PUB_MAX], base[CR_DH_PUB_MAX];
	uint8_t want[CR_DH_PUB_MAX], s[CR_DH_SHARED_MAX];
	struct cr_dh d;
	size_t pl, sl;

	for (const struct cr_alg *g = cr_algs; g->name; g++) {
		if (g->type != CR_DH || !(g->flags & CR_F_MODP) || g->refused) {
			continue;
		}
		size_t elens[] = { 48, 66 };
		for (size_t k = 0; k < 2; k++) {
			T_ROW("%s %zu-byte exponent", g->name, elens[k]);
			cr_rand(e, elens[k]);
			e[0] |= 0x80;
			memset(base, 0, g->out_len);
			base[g->out_len - 1] = 2;
			T_EQ_INT(cr_dh_keygen_from(&d, g, e, elens[k], pub, &pl),
			    0);
			T_EQ_INT(cr_ref_modpow(g, base, e, elens[k], want), 0);
			T_EQ_MEM(pub, want, g->out_len);
			/* And a shared secret with a random peer value. */
			cr_rand(base, g->out_len);
			base[0] = 0x7f;
			T_EQ_INT(cr_dh_shared(&d, base, g->out_len, s, &sl), 0);
			T_EQ_INT(cr_ref_modpow(g, base, e, elens[k], want), 0);
			T_EQ_MEM(s, want, g->out_len);
		}
	}
}
