/*
 * x25519_64.c - X25519 (RFC 7748 5) with 64-bit limbs, for IKE group 31
 * (RFC 8031); see p256.h.
 *
 * BearSSL 0.6's fastest Curve25519 code (c25519_m31) works on 30-bit
 * limbs.  With a 64x64->128 multiplier the field GF(2^255 - 19) fits in
 * five limbs of 51 bits: a product is 25 limb products summed in 128-bit
 * accumulators, and 2^255 = 19 (mod p) folds the upper half back onto the
 * lower one with a multiplication by 19.
 *
 * Representation: fe a = a[0] + a[1] 2^51 + ... + a[4] 2^204, limbs
 * unsigned and not necessarily below 2^51 (nor the value below p).
 * Bounds, kept by the ladder step below:
 *   - fe_mul / fe_sq / fe_mul_small outputs: a[0], a[2..4] < 2^51,
 *     a[1] < 2^51 + 2^20 ("carried");
 *   - fe_add of two carried values: < 2^53; fe_sub a - b with b carried:
 *     a + 2p - b, < 2^54 for a < 2^53;
 *   - fe_mul inputs up to 2^54: each of the five products of a 128-bit
 *     column is < 2^54 * 19 * 2^54 < 2^113, the column < 2^116.
 * Only fe_tobytes reduces fully (below p), as RFC 7748 5 asks of the
 * encoded result.
 *
 * The ladder is RFC 7748 5's, with its constant-time conditional swap
 * (an XOR under a mask) and a24 = 121665; the scalar is clamped as in
 * decodeScalar25519 and the top bit of u masked as in decodeUCoordinate.
 * No branch or memory index depends on the scalar (t/sh/ct_check.sh).
 * No mutable static state: any thread may call it.
 */
#include <stdint.h>
#include <string.h>

#include "crypto/cr_int.h"
#include "crypto/p256.h"

#ifdef CR_X25519_64

typedef unsigned __int128 u128;
typedef uint64_t fe[5];

#define M51 (((uint64_t)1 << 51) - 1)

/* decodeUCoordinate (RFC 7748 5): little-endian, bit 255 masked. */
static void
fe_frombytes(fe r, const unsigned char *b)
{
	uint64_t w[4];

	for (int i = 0; i < 4; i++) {
		w[i] = 0;
		for (int j = 7; j >= 0; j--) {
			w[i] = (w[i] << 8) | b[8 * i + j];
		}
	}
	w[3] &= 0x7fffffffffffffffULL;
	r[0] = w[0] & M51;
	r[1] = ((w[0] >> 51) | (w[1] << 13)) & M51;
	r[2] = ((w[1] >> 38) | (w[2] << 26)) & M51;
	r[3] = ((w[2] >> 25) | (w[3] << 39)) & M51;
	r[4] = w[3] >> 12;
}

/*
 * encodeUCoordinate (RFC 7748 5): the value reduced below p, then 32
 * bytes little-endian.
 */
static void
fe_tobytes(unsigned char *b, const fe a)
{
	uint64_t t[5], q, w[4];

	memcpy(t, a, sizeof(t));
	/* carry (a carried input): t[1..4] < 2^51, t[0] < 2^51 + 19, < 2p */
	for (int i = 0; i < 4; i++) {
		t[i + 1] += t[i] >> 51;
		t[i] &= M51;
	}
	t[0] += 19 * (t[4] >> 51);
	t[4] &= M51;
	/* q = floor((t + 19) / 2^255): 1 when t >= p, else 0 */
	q = (t[0] + 19) >> 51;
	for (int i = 1; i < 5; i++) {
		q = (t[i] + q) >> 51;
	}
	/* t - q p = t + 19 q - q 2^255: add, carry, drop bit 255 */
	t[0] += 19 * q;
	for (int i = 0; i < 4; i++) {
		t[i + 1] += t[i] >> 51;
		t[i] &= M51;
	}
	t[4] &= M51;
	w[0] = t[0] | (t[1] << 51);
	w[1] = (t[1] >> 13) | (t[2] << 38);
	w[2] = (t[2] >> 26) | (t[3] << 25);
	w[3] = (t[3] >> 39) | (t[4] << 12);
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 8; j++) {
			b[8 * i + j] = (unsigned char)(w[i] >> (8 * j));
		}
	}
}

static void
fe_add(fe r, const fe a, const fe b)
{
	for (int i = 0; i < 5; i++) {
		r[i] = a[i] + b[i];
	}
}

/* a - b as a + 2p - b; b carried (each limb below 2p's). */
static void
fe_sub(fe r, const fe a, const fe b)
{
	r[0] = a[0] + 0xfffffffffffdaULL - b[0];	/* 2 (2^51 - 19) */
	for (int i = 1; i < 5; i++) {
		r[i] = a[i] + 0xffffffffffffeULL - b[i];	/* 2 (2^51 - 1) */
	}
}

/* The five 128-bit columns of a product, carried into r. */
static void
fe_carry(fe r, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4)
{
	u128 c;

	t1 += t0 >> 51;
	t2 += t1 >> 51;
	t3 += t2 >> 51;
	t4 += t3 >> 51;
	/* the carry out of t4 may exceed 64 bits: fold it in 128 */
	c = (u128)((uint64_t)t0 & M51) + (t4 >> 51) * 19;
	r[0] = (uint64_t)c & M51;
	r[1] = ((uint64_t)t1 & M51) + (uint64_t)(c >> 51);
	r[2] = (uint64_t)t2 & M51;
	r[3] = (uint64_t)t3 & M51;
	r[4] = (uint64_t)t4 & M51;
}

static void
fe_mul(fe r, const fe a, const fe b)
{
	uint64_t b1 = 19 * b[1], b2 = 19 * b[2], b3 = 19 * b[3];
	uint64_t b4 = 19 * b[4];
	u128 t0, t1, t2, t3, t4;

	/* limb products of weight 2^(51 k), k >= 5, fold as 19 2^(51 (k-5)) */
	t0 = (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 +
	    (u128)a[3] * b2 + (u128)a[4] * b1;
	t1 = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 +
	    (u128)a[3] * b3 + (u128)a[4] * b2;
	t2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] +
	    (u128)a[3] * b4 + (u128)a[4] * b3;
	t3 = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] +
	    (u128)a[3] * b[0] + (u128)a[4] * b4;
	t4 = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] +
	    (u128)a[3] * b[1] + (u128)a[4] * b[0];
	fe_carry(r, t0, t1, t2, t3, t4);
}

/* r = a^2: the cross products once, doubled. */
static void
fe_sq(fe r, const fe a)
{
	uint64_t d0 = 2 * a[0], d1 = 2 * a[1];
	uint64_t a3_19 = 19 * a[3], a4_19 = 19 * a[4];
	u128 t0, t1, t2, t3, t4;

	t0 = (u128)a[0] * a[0] + (u128)d1 * a4_19 +
	    (u128)(2 * a[2]) * a3_19;
	t1 = (u128)d0 * a[1] + (u128)(2 * a[2]) * a4_19 +
	    (u128)a[3] * a3_19;
	t2 = (u128)d0 * a[2] + (u128)a[1] * a[1] +
	    (u128)(2 * a[3]) * a4_19;
	t3 = (u128)d0 * a[3] + (u128)d1 * a[2] + (u128)a[4] * a4_19;
	t4 = (u128)d0 * a[4] + (u128)d1 * a[3] + (u128)a[2] * a[2];
	fe_carry(r, t0, t1, t2, t3, t4);
}

/* r = a^(2^n), n >= 1 */
static void
fe_sqn(fe r, const fe a, int n)
{
	fe_sq(r, a);
	while (--n > 0) {
		fe_sq(r, r);
	}
}

/* r = a k, k < 2^17 (a24, or the base point's u = 9) */
static void
fe_mul_small(fe r, const fe a, uint32_t k)
{
	fe_carry(r, (u128)a[0] * k, (u128)a[1] * k, (u128)a[2] * k,
	    (u128)a[3] * k, (u128)a[4] * k);
}

/*
 * r = z^(p-2) = z^(2^255 - 21), z^-1 by Fermat (0 for z = 0, which
 * RFC 7748 5 accepts: the result is then 0).  The chain builds
 * z^(2^k - 1) for k = 5, 10, 20, 40, 50, 100, 200, 250, then
 * 2^255 - 21 = (2^250 - 1) 2^5 + 11.
 */
static void
fe_inv(fe r, const fe z)
{
	fe z2, z9, z11, t, e5, e10, e20, e50, e100;

	fe_sq(z2, z);			/* 2 */
	fe_sqn(t, z2, 2);		/* 8 */
	fe_mul(z9, t, z);		/* 9 */
	fe_mul(z11, z9, z2);		/* 11 */
	fe_sq(t, z11);			/* 22 */
	fe_mul(e5, t, z9);		/* 31 = 2^5 - 1 */
	fe_sqn(t, e5, 5);
	fe_mul(e10, t, e5);		/* 2^10 - 1 */
	fe_sqn(t, e10, 10);
	fe_mul(e20, t, e10);		/* 2^20 - 1 */
	fe_sqn(t, e20, 20);
	fe_mul(t, t, e20);		/* 2^40 - 1 */
	fe_sqn(t, t, 10);
	fe_mul(e50, t, e10);		/* 2^50 - 1 */
	fe_sqn(t, e50, 50);
	fe_mul(e100, t, e50);		/* 2^100 - 1 */
	fe_sqn(t, e100, 100);
	fe_mul(t, t, e100);		/* 2^200 - 1 */
	fe_sqn(t, t, 50);
	fe_mul(t, t, e50);		/* 2^250 - 1 */
	fe_sqn(t, t, 5);		/* 2^255 - 32 */
	fe_mul(r, t, z11);		/* 2^255 - 21 */
}

/* RFC 7748 5 cswap: swap a and b when m is all ones, not when 0. */
static void
fe_cswap(fe a, fe b, uint64_t m)
{
	m = cr_ct_barrier(m);
	for (int i = 0; i < 5; i++) {
		uint64_t x = m & (a[i] ^ b[i]);

		a[i] ^= x;
		b[i] ^= x;
	}
}

/*
 * out = X25519(k, u) (RFC 7748 5), k already clamped.  u9 says u is the
 * base point 9: z_3's multiplication by x_1 is then a small one.
 */
static void
x25519(unsigned char out[32], const unsigned char k[32],
    const unsigned char uenc[32], int u9)
{
	fe x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb;
	uint64_t swap = 0;

	fe_frombytes(x1, uenc);
	memset(x2, 0, sizeof(x2));
	x2[0] = 1;
	memset(z2, 0, sizeof(z2));
	memcpy(x3, x1, sizeof(x3));
	memset(z3, 0, sizeof(z3));
	z3[0] = 1;
	for (int t = 254; t >= 0; t--) {
		uint64_t kt = (k[t >> 3] >> (t & 7)) & 1;

		swap ^= kt;
		fe_cswap(x2, x3, -swap);
		fe_cswap(z2, z3, -swap);
		swap = kt;
		fe_add(a, x2, z2);		/* A = x_2 + z_2 */
		fe_sq(aa, a);			/* AA = A^2 */
		fe_sub(b, x2, z2);		/* B = x_2 - z_2 */
		fe_sq(bb, b);			/* BB = B^2 */
		fe_sub(e, aa, bb);		/* E = AA - BB */
		fe_add(c, x3, z3);		/* C = x_3 + z_3 */
		fe_sub(d, x3, z3);		/* D = x_3 - z_3 */
		fe_mul(da, d, a);		/* DA = D * A */
		fe_mul(cb, c, b);		/* CB = C * B */
		fe_add(x3, da, cb);
		fe_sq(x3, x3);			/* x_3 = (DA + CB)^2 */
		fe_sub(z3, da, cb);
		fe_sq(z3, z3);			/* z_3 = x_1 (DA - CB)^2 */
		if (u9) {			/* public: which entry point */
			fe_mul_small(z3, z3, 9);
		} else {
			fe_mul(z3, z3, x1);
		}
		fe_mul(x2, aa, bb);		/* x_2 = AA * BB */
		fe_mul_small(z2, e, 121665);	/* z_2 = E (AA + a24 E) */
		fe_add(z2, z2, aa);
		fe_mul(z2, z2, e);
	}
	fe_cswap(x2, x3, -swap);
	fe_cswap(z2, z3, -swap);
	fe_inv(z2, z2);
	fe_mul(x2, x2, z2);
	fe_tobytes(out, x2);
	cr_wipe(x2, sizeof(x2));
	cr_wipe(z2, sizeof(z2));
	cr_wipe(x3, sizeof(x3));
	cr_wipe(z3, sizeof(z3));
	cr_wipe(a, sizeof(a));
	cr_wipe(b, sizeof(b));
	cr_wipe(aa, sizeof(aa));
	cr_wipe(bb, sizeof(bb));
	cr_wipe(e, sizeof(e));
	cr_wipe(c, sizeof(c));
	cr_wipe(d, sizeof(d));
	cr_wipe(da, sizeof(da));
	cr_wipe(cb, sizeof(cb));
}

/*
 * decodeScalar25519 (RFC 7748 5) of a little-endian scalar of up to 32
 * bytes, zero-extended at its high end as BearSSL's c25519 code does.
 */
static void
scalar_clamp(unsigned char k[32], const unsigned char *x, size_t xlen)
{
	memcpy(k, x, xlen);
	memset(k + xlen, 0, 32 - xlen);
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
}

/* The base point u = 9 (RFC 7748 4.1), and BearSSL's "order" 2^255 - 1. */
static const unsigned char c25519_g[32] = { 9 };
static const unsigned char c25519_order[32] = {
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static const unsigned char *
api_generator(int curve, size_t *len)
{
	*len = sizeof(c25519_g);
	return c25519_g;
}

static const unsigned char *
api_order(int curve, size_t *len)
{
	*len = sizeof(c25519_order);
	return c25519_order;
}

static size_t
api_xoff(int curve, size_t *len)
{
	*len = 32;
	return 0;
}

static uint32_t
api_mul(unsigned char *g, size_t glen, const unsigned char *x, size_t xlen,
    int curve)
{
	unsigned char k[32];

	if (glen != 32 || xlen > 32) {
		return 0;
	}
	scalar_clamp(k, x, xlen);
	x25519(g, k, g, 0);
	cr_wipe(k, sizeof(k));
	return 1;
}

static size_t
api_mulgen(unsigned char *r, const unsigned char *x, size_t xlen, int curve)
{
	unsigned char k[32];

	if (xlen > 32) {
		return 0;
	}
	scalar_clamp(k, x, xlen);
	x25519(r, k, c25519_g, 1);
	cr_wipe(k, sizeof(k));
	return 32;
}

/* As BearSSL's c25519 code: no muladd (it serves ECDSA only). */
static uint32_t
api_muladd(unsigned char *a, const unsigned char *b, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y,
    size_t ylen, int curve)
{
	return 0;
}

/* see p256.h */
const br_ec_impl cr_ec_c25519_64 = {
	(uint32_t)1 << BR_EC_curve25519,
	api_generator,
	api_order,
	api_xoff,
	api_mul,
	api_mulgen,
	api_muladd,
};

#endif /* CR_X25519_64 */
