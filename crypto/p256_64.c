/*
 * p256_64.c - NIST P-256 with 64-bit limbs, for IKE group 19 (see p256.h).
 *
 * BearSSL 0.6's fastest P-256 (p256_m31) works on 30-bit limbs; a 64-bit
 * CPU multiplies four times the bits per instruction.  Written for ikebox
 * from the published definitions and algorithms cited below; no code is
 * taken from another project.
 *
 * Curve (FIPS 186-4 D.1.2.3, SEC 2 2.4.2): y^2 = x^3 - 3x + b over
 * GF(p), p = 2^256 - 2^224 + 2^192 + 2^96 - 1, prime order n, cofactor 1.
 *
 * Field: four little-endian 64-bit limbs, values kept fully reduced
 * (< p) in Montgomery form a * 2^256 mod p (Montgomery, "Modular
 * multiplication without trial division", Math. Comp. 1985).  As
 * p = -1 mod 2^64, -p^-1 mod 2^64 = 1: each reduction step's multiplier
 * is the low limb itself.
 *
 * Points: homogeneous projective (X:Y:Z), x = X/Z, y = Y/Z, with the
 * complete addition and doubling formulas for a = -3 of Renes, Costello
 * and Batina, "Complete addition formulas for prime order elliptic curves"
 * (EUROCRYPT 2016, eprint 2015/1060), algorithms 4 (add) and 5 (mixed
 * add).  Complete: no exceptional case (P = Q, P = -Q, either one the
 * point at infinity (0:1:0)) needs a branch, which is what keeps the
 * scalar multiplications below free of secret-dependent branches.
 * Algorithm 5 (second point affine) alone cannot take the point at
 * infinity as its second input; its caller selects around it.  Doubling
 * uses a cheaper formula whose one exception is patched by mask (see
 * pt_double).
 *
 * Constant time in the scalar: no branch and no memory index depends on
 * it.  Table entries are read by scanning the whole table and keeping the
 * wanted one with masks; conditions become all-ones/all-zero masks.
 *
 * mul (variable base): fixed 4-bit window, 64 windows from the top: four
 * doublings then one complete addition of T[d], T[0..15] = 0..15 * P.
 * mulgen (fixed base): the scalar's 64 nibbles d_i (k = sum d_i 16^i) are
 * taken as d_{4t+c} 16^c 2^(16t); the constant table p256_gtab[t][j-1] =
 * j 2^(16t) G (16 x 15 affine points, 15 KiB, crypto/p256_64_tab.h from
 * scripts/p256-table.py) gives k G in 64 mixed additions and 12
 * doublings: for c = 3..0, acc = 16 acc, then acc += T[t][d_{4t+c}] for
 * t = 0..15.
 */
#include <string.h>

#include "crypto/cr.h"
#include "crypto/cr_int.h"
#include "crypto/p256.h"

#ifdef CR_P256_64

typedef unsigned __int128 u128;
typedef uint64_t fe[4];

struct pt {			/* projective (X:Y:Z), Montgomery form */
	fe x, y, z;
};

struct apt {			/* affine (x, y), Montgomery form */
	fe x, y;
};

#include "crypto/p256_64_tab.h"

static const fe fe_p = {
	0xffffffffffffffffULL, 0x00000000ffffffffULL,
	0x0000000000000000ULL, 0xffffffff00000001ULL,
};
/* b * 2^256 mod p */
static const fe fe_b = {
	0xd89cdf6229c4bddfULL, 0xacf005cd78843090ULL,
	0xe5a220abf7212ed6ULL, 0xdc30061d04874834ULL,
};
/* 2^512 mod p: to_mont(a) = a * 2^512 / 2^256 */
static const fe fe_r2 = {
	0x0000000000000003ULL, 0xfffffffbffffffffULL,
	0xfffffffffffffffeULL, 0x00000004fffffffdULL,
};
/* 1 in Montgomery form: 2^256 mod p */
static const fe fe_one = {
	0x0000000000000001ULL, 0xffffffff00000000ULL,
	0xffffffffffffffffULL, 0x00000000fffffffeULL,
};

/* FIPS 186-4 D.1.2.3: G uncompressed (SEC 1 2.3.3) and the order n. */
static const unsigned char p256_g[65] = {
	0x04,
	0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47,
	0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
	0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0,
	0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b,
	0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
	0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce,
	0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};
static const unsigned char p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* All ones if x != 0, else 0; no branch. */
static inline uint64_t
ct_nz(uint64_t x)
{
	return cr_ct_barrier(-((x | -x) >> 63));
}

/* All ones if a == b (both < 2^63), else 0. */
static inline uint64_t
ct_eq(uint64_t a, uint64_t b)
{
	return ~ct_nz(a ^ b);
}

/* r = a if mask is all ones, r unchanged if 0. */
static inline void
fe_cmov(fe r, const fe a, uint64_t mask)
{
	mask = cr_ct_barrier(mask);
	for (int i = 0; i < 4; i++) {
		r[i] ^= mask & (r[i] ^ a[i]);
	}
}

/*
 * Carry and borrow chains written out limb by limb: gcc -O2 keeps loops
 * over unsigned __int128 as loops with the limbs in memory, about half
 * the speed.
 */
static inline uint64_t
addc(uint64_t a, uint64_t b, uint64_t *carry)
{
	u128 s = (u128)a + b + *carry;

	*carry = (uint64_t)(s >> 64);
	return (uint64_t)s;
}

static inline uint64_t
subb(uint64_t a, uint64_t b, uint64_t *borrow)
{
	u128 d = (u128)a - b - *borrow;

	*borrow = (uint64_t)(d >> 64) & 1;
	return (uint64_t)d;
}

/* t + a * b + *carry: the low limb returned, the high one in *carry. */
static inline uint64_t
mac(uint64_t t, uint64_t a, uint64_t b, uint64_t *carry)
{
	u128 x = (u128)a * b + t + *carry;

	*carry = (uint64_t)(x >> 64);
	return (uint64_t)x;
}

/*
 * r = t - p if t = (t0..t3, t4), t < 2p, is at least p, else t: the final
 * step of every operation, so that values stay below p.
 */
static inline void
fe_reduce5(fe r, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3,
    uint64_t t4)
{
	uint64_t br = 0, d0, d1, d2, d3, keep;

	d0 = subb(t0, fe_p[0], &br);
	d1 = subb(t1, fe_p[1], &br);
	d2 = subb(t2, fe_p[2], &br);
	d3 = subb(t3, fe_p[3], &br);
	(void)subb(t4, 0, &br);
	keep = cr_ct_barrier(-br);		/* t < p */
	r[0] = (t0 & keep) | (d0 & ~keep);
	r[1] = (t1 & keep) | (d1 & ~keep);
	r[2] = (t2 & keep) | (d2 & ~keep);
	r[3] = (t3 & keep) | (d3 & ~keep);
}

static void
fe_add(fe r, const fe a, const fe b)
{
	uint64_t c = 0, s0, s1, s2, s3;

	s0 = addc(a[0], b[0], &c);
	s1 = addc(a[1], b[1], &c);
	s2 = addc(a[2], b[2], &c);
	s3 = addc(a[3], b[3], &c);
	fe_reduce5(r, s0, s1, s2, s3, c);
}

static void
fe_sub(fe r, const fe a, const fe b)
{
	uint64_t br = 0, c = 0, d0, d1, d2, d3, m;

	d0 = subb(a[0], b[0], &br);
	d1 = subb(a[1], b[1], &br);
	d2 = subb(a[2], b[2], &br);
	d3 = subb(a[3], b[3], &br);
	m = cr_ct_barrier(-br);		/* a < b: add p back */
	r[0] = addc(d0, fe_p[0] & m, &c);
	r[1] = addc(d1, fe_p[1] & m, &c);
	r[2] = addc(d2, fe_p[2] & m, &c);
	r[3] = addc(d3, fe_p[3] & m, &c);
}

/*
 * r = t / 2^256 mod p for a 512-bit t < p^2 (Montgomery reduction).  Four
 * steps each add m p, m = the lowest limb (p = -1 mod 2^64, so -1/p = 1),
 * and drop that limb, now zero.  With p = 2^256 - 2^224 + 2^192 + 2^96 - 1
 * the low part of m p is cheap: m (2^64 - 1) + m = m 2^64 and m (2^32 - 1)
 * 2^64 make m 2^96 (limbs 1 and 2 of the step get m << 32 and m >> 32),
 * and only the top limb, 2^64 - 2^32 + 1, needs a multiplication.  Each
 * step leaves at most p + 2^192 in four limbs; the result, low + high
 * half, is below 2p: one conditional subtraction.
 */
static inline void
fe_reduce8(fe r, const uint64_t t[8])
{
	uint64_t r0 = t[0], r1 = t[1], r2 = t[2], r3 = t[3], c;

	for (int i = 0; i < 4; i++) {
		uint64_t m = r0;

		c = 0;
		r0 = addc(r1, m << 32, &c);
		r1 = addc(r2, m >> 32, &c);
		r2 = mac(r3, m, fe_p[3], &c);
		r3 = c;
	}
	c = 0;
	r0 = addc(r0, t[4], &c);
	r1 = addc(r1, t[5], &c);
	r2 = addc(r2, t[6], &c);
	r3 = addc(r3, t[7], &c);
	fe_reduce5(r, r0, r1, r2, r3, c);
}

/* r = a * b / 2^256 mod p (Montgomery product); a, b < p. */
static void
fe_mul(fe r, const fe a, const fe b)
{
	uint64_t t[8], c;

	c = 0;
	t[0] = mac(0, a[0], b[0], &c);
	t[1] = mac(0, a[0], b[1], &c);
	t[2] = mac(0, a[0], b[2], &c);
	t[3] = mac(0, a[0], b[3], &c);
	t[4] = c;
	c = 0;
	t[1] = mac(t[1], a[1], b[0], &c);
	t[2] = mac(t[2], a[1], b[1], &c);
	t[3] = mac(t[3], a[1], b[2], &c);
	t[4] = mac(t[4], a[1], b[3], &c);
	t[5] = c;
	c = 0;
	t[2] = mac(t[2], a[2], b[0], &c);
	t[3] = mac(t[3], a[2], b[1], &c);
	t[4] = mac(t[4], a[2], b[2], &c);
	t[5] = mac(t[5], a[2], b[3], &c);
	t[6] = c;
	c = 0;
	t[3] = mac(t[3], a[3], b[0], &c);
	t[4] = mac(t[4], a[3], b[1], &c);
	t[5] = mac(t[5], a[3], b[2], &c);
	t[6] = mac(t[6], a[3], b[3], &c);
	t[7] = c;
	fe_reduce8(r, t);
}

/* r = a^2 / 2^256 mod p: the six cross products once, doubled. */
static void
fe_sqr(fe r, const fe a)
{
	uint64_t t[8], c, h;
	u128 sq;

	c = 0;
	t[1] = mac(0, a[0], a[1], &c);
	t[2] = mac(0, a[0], a[2], &c);
	t[3] = mac(0, a[0], a[3], &c);
	t[4] = c;
	c = 0;
	t[3] = mac(t[3], a[1], a[2], &c);
	t[4] = mac(t[4], a[1], a[3], &c);
	t[5] = c;
	c = 0;
	t[5] = mac(t[5], a[2], a[3], &c);
	t[6] = c;
	t[7] = t[6] >> 63;
	t[6] = (t[6] << 1) | (t[5] >> 63);
	t[5] = (t[5] << 1) | (t[4] >> 63);
	t[4] = (t[4] << 1) | (t[3] >> 63);
	t[3] = (t[3] << 1) | (t[2] >> 63);
	t[2] = (t[2] << 1) | (t[1] >> 63);
	t[1] <<= 1;
	c = 0;
	sq = (u128)a[0] * a[0];
	t[0] = (uint64_t)sq;
	t[1] = addc(t[1], (uint64_t)(sq >> 64), &c);
	sq = (u128)a[1] * a[1];
	t[2] = addc(t[2], (uint64_t)sq, &c);
	t[3] = addc(t[3], (uint64_t)(sq >> 64), &c);
	sq = (u128)a[2] * a[2];
	t[4] = addc(t[4], (uint64_t)sq, &c);
	t[5] = addc(t[5], (uint64_t)(sq >> 64), &c);
	sq = (u128)a[3] * a[3];
	t[6] = addc(t[6], (uint64_t)sq, &c);
	h = (uint64_t)(sq >> 64);
	t[7] = addc(t[7], h, &c);
	fe_reduce8(r, t);
}

/* r = a^(2^n) */
static void
fe_sqr_n(fe r, const fe a, int n)
{
	fe_sqr(r, a);
	while (--n > 0) {
		fe_sqr(r, r);
	}
}

/*
 * r = a^(p-2) = a^-1 (Fermat; 0 gives 0).  p - 2 is, from the top:
 * 32 ones, 31 zeros and a one, 96 zeros, 64 ones, 30 ones, a zero, a one.
 * The exponent is public, so the chain is fixed: 269 squarings, 15
 * multiplications.
 */
static void
fe_inv(fe r, const fe a)
{
	fe x2, x4, x8, x16, x30, x32, t;

	fe_sqr(t, a);
	fe_mul(x2, t, a);		/* 2^2 - 1 */
	fe_sqr_n(t, x2, 2);
	fe_mul(x4, t, x2);		/* 2^4 - 1 */
	fe_sqr_n(t, x4, 4);
	fe_mul(x8, t, x4);
	fe_sqr_n(t, x8, 8);
	fe_mul(x16, t, x8);
	fe_sqr_n(t, x16, 16);
	fe_mul(x32, t, x16);		/* 2^32 - 1 */
	fe_sqr_n(t, x16, 8);
	fe_mul(t, t, x8);		/* 2^24 - 1 */
	fe_sqr_n(t, t, 4);
	fe_mul(t, t, x4);		/* 2^28 - 1 */
	fe_sqr_n(t, t, 2);
	fe_mul(x30, t, x2);		/* 2^30 - 1 */

	fe_sqr_n(t, x32, 32);
	fe_mul(t, t, a);		/* ffffffff 00000001 */
	fe_sqr_n(t, t, 96 + 32);
	fe_mul(t, t, x32);		/* ... ffffffff */
	fe_sqr_n(t, t, 32);
	fe_mul(t, t, x32);		/* ... ffffffff ffffffff */
	fe_sqr_n(t, t, 30);
	fe_mul(t, t, x30);
	fe_sqr_n(t, t, 2);
	fe_mul(r, t, a);		/* ... fffffffd */
}

static void
fe_from_bytes(fe r, const unsigned char *b)	/* 32 bytes big-endian */
{
	for (int i = 0; i < 4; i++) {
		uint64_t w = 0;

		for (int j = 0; j < 8; j++) {
			w = (w << 8) | b[(3 - i) * 8 + j];
		}
		r[i] = w;
	}
}

static void
fe_to_bytes(unsigned char *b, const fe a)
{
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 8; j++) {
			b[(3 - i) * 8 + j] =
			    (unsigned char)(a[i] >> (56 - 8 * j));
		}
	}
}

/* All ones if a < p. */
static uint64_t
fe_lt_p(const fe a)
{
	uint64_t borrow = 0;

	for (int i = 0; i < 4; i++) {
		u128 d = (u128)a[i] - fe_p[i] - borrow;

		borrow = (uint64_t)(d >> 64) & 1;
	}
	return -borrow;
}

static uint64_t
fe_is_zero(const fe a)
{
	return ~ct_nz(a[0] | a[1] | a[2] | a[3]);
}

/*
 * The second half of RCB16's algorithms 4 and 5, the same in both from
 * Z3 = b t2 on (algorithm 5's t2 is Z1): t0..t4 and y3 as the first half
 * left them, zz that t2.  r may be the first half's input: it is written
 * last.
 */
static void
pt_add_finish(struct pt *r, fe t0, fe t1, const fe zz, const fe t3,
    const fe t4, fe y3)
{
	fe t2, x3, z3;

	fe_mul(z3, fe_b, zz);
	fe_sub(x3, y3, z3);
	fe_add(z3, x3, x3);
	fe_add(x3, x3, z3);
	fe_sub(z3, t1, x3);
	fe_add(x3, t1, x3);
	fe_mul(y3, fe_b, y3);
	fe_add(t1, zz, zz);
	fe_add(t2, t1, zz);
	fe_sub(y3, y3, t2);
	fe_sub(y3, y3, t0);
	fe_add(t1, y3, y3);
	fe_add(y3, t1, y3);
	fe_add(t1, t0, t0);
	fe_add(t0, t1, t0);
	fe_sub(t0, t0, t2);
	fe_mul(t1, t4, y3);
	fe_mul(t2, t0, y3);
	fe_mul(y3, x3, z3);
	fe_add(y3, y3, t2);
	fe_mul(x3, x3, t3);
	fe_sub(x3, x3, t1);
	fe_mul(z3, z3, t4);
	fe_mul(t1, t3, t0);
	fe_add(z3, z3, t1);
	memcpy(r->x, x3, sizeof(fe));
	memcpy(r->y, y3, sizeof(fe));
	memcpy(r->z, z3, sizeof(fe));
}

/* RCB16 algorithm 4: r = a + b, complete (a = -3). */
static void
pt_add(struct pt *r, const struct pt *a, const struct pt *b)
{
	fe t0, t1, t2, t3, t4, x3, y3;

	fe_mul(t0, a->x, b->x);
	fe_mul(t1, a->y, b->y);
	fe_mul(t2, a->z, b->z);
	fe_add(t3, a->x, a->y);
	fe_add(t4, b->x, b->y);
	fe_mul(t3, t3, t4);
	fe_add(t4, t0, t1);
	fe_sub(t3, t3, t4);
	fe_add(t4, a->y, a->z);
	fe_add(x3, b->y, b->z);
	fe_mul(t4, t4, x3);
	fe_add(x3, t1, t2);
	fe_sub(t4, t4, x3);
	fe_add(x3, a->x, a->z);
	fe_add(y3, b->x, b->z);
	fe_mul(x3, x3, y3);
	fe_add(y3, t0, t2);
	fe_sub(y3, x3, y3);
	pt_add_finish(r, t0, t1, t2, t3, t4, y3);
}

/* RCB16 algorithm 5: r = a + b, b affine (not the point at infinity). */
static void
pt_add_affine(struct pt *r, const struct pt *a, const struct apt *b)
{
	fe t0, t1, t3, t4, y3;

	fe_mul(t0, a->x, b->x);
	fe_mul(t1, a->y, b->y);
	fe_add(t3, b->x, b->y);
	fe_add(t4, a->x, a->y);
	fe_mul(t3, t3, t4);
	fe_add(t4, t0, t1);
	fe_sub(t3, t3, t4);
	fe_mul(t4, b->y, a->z);
	fe_add(t4, t4, a->y);
	fe_mul(y3, b->x, a->z);
	fe_add(y3, y3, a->x);
	pt_add_finish(r, t0, t1, a->z, t3, t4, y3);
}

/*
 * r = 2 a: Bernstein-Lange's projective doubling dbl-2007-bl (Explicit-
 * Formulas Database, g1p/auto-shortw-projective), 5M + 6S, with
 * w = a ZZ + 3 XX = 3 (XX - ZZ) for a = -3; RCB16's complete doubling
 * (algorithm 6) costs two multiplications more.  Its one exception, the
 * point at infinity (0:Y:0), comes out as (0:0:0), which is no point; Y
 * is then set to 1 by mask, giving (0:1:0) again.  No other input is
 * exceptional: Z3 = (2 Y Z)^3 is 0 only for Y = 0, a point of order 2,
 * which a curve of prime order has not.
 */
static void
pt_double(struct pt *r, const struct pt *a)
{
	fe xx, zz, w, s, ss, rr, t, b, h;

	fe_sqr(xx, a->x);
	fe_sqr(zz, a->z);
	fe_sub(w, xx, zz);
	fe_add(t, w, w);
	fe_add(w, t, w);		/* w = 3 (XX - ZZ) */
	fe_mul(s, a->y, a->z);
	fe_add(s, s, s);		/* s = 2 Y Z */
	fe_sqr(ss, s);
	fe_mul(t, a->y, s);		/* R = Y s */
	fe_sqr(rr, t);
	fe_add(b, a->x, t);
	fe_sqr(b, b);
	fe_sub(b, b, xx);
	fe_sub(b, b, rr);		/* B = (X + R)^2 - XX - RR */
	fe_sqr(h, w);
	fe_sub(h, h, b);
	fe_sub(h, h, b);		/* h = w^2 - 2 B */
	fe_mul(r->x, h, s);
	fe_sub(t, b, h);
	fe_mul(t, w, t);
	fe_add(rr, rr, rr);
	fe_sub(r->y, t, rr);		/* w (B - h) - 2 RR */
	fe_mul(r->z, s, ss);
	fe_cmov(r->y, fe_one, fe_is_zero(r->z));
}

static void
pt_set_infinity(struct pt *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->y, fe_one, sizeof(fe));
}

static void
pt_cmov(struct pt *r, const struct pt *a, uint64_t mask)
{
	fe_cmov(r->x, a->x, mask);
	fe_cmov(r->y, a->y, mask);
	fe_cmov(r->z, a->z, mask);
}

/*
 * Decodes 0x04 | x | y (SEC 1 2.3.4, uncompressed only) into r (Z = 1).
 * Returns all ones if the coordinates are below p and satisfy the curve
 * equation, 0 otherwise (public data: the peer's point).
 */
static uint64_t
pt_decode(struct pt *r, const unsigned char *buf, size_t len)
{
	fe x, y, t1, t2;
	uint64_t ok;

	if (len != 65 || buf[0] != 0x04) {
		return 0;
	}
	fe_from_bytes(x, buf + 1);
	fe_from_bytes(y, buf + 33);
	ok = fe_lt_p(x) & fe_lt_p(y);
	fe_mul(r->x, x, fe_r2);
	fe_mul(r->y, y, fe_r2);
	memcpy(r->z, fe_one, sizeof(fe));
	/* y^2 == x^3 - 3x + b */
	fe_sqr(t1, r->x);
	fe_mul(t1, t1, r->x);
	fe_sub(t1, t1, r->x);
	fe_sub(t1, t1, r->x);
	fe_sub(t1, t1, r->x);
	fe_add(t1, t1, fe_b);
	fe_sqr(t2, r->y);
	fe_sub(t1, t1, t2);
	return ok & fe_is_zero(t1);
}

/*
 * Writes 0x04 | x | y for a (65 bytes).  Returns all ones, or 0 when a is
 * the point at infinity (buf then holds 0x04 and zeros).
 */
static uint64_t
pt_encode(unsigned char *buf, const struct pt *a)
{
	fe zi, x, y;
	static const fe one = { 1, 0, 0, 0 };

	fe_inv(zi, a->z);
	fe_mul(x, a->x, zi);
	fe_mul(y, a->y, zi);
	fe_mul(x, x, one);		/* out of Montgomery form */
	fe_mul(y, y, one);
	buf[0] = 0x04;
	fe_to_bytes(buf + 1, x);
	fe_to_bytes(buf + 33, y);
	return ~fe_is_zero(a->z);
}

/* Nibble i (0 = least significant) of the 32-byte big-endian scalar. */
static inline uint64_t
nibble(const unsigned char k[32], int i)
{
	return (k[31 - i / 2] >> (4 * (i & 1))) & 15;
}

/* r = k P, k a 32-byte big-endian scalar (any value), P projective. */
static void
pt_mul(struct pt *r, const struct pt *p, const unsigned char k[32])
{
	struct pt tab[16], q, acc;

	pt_set_infinity(&tab[0]);
	tab[1] = *p;
	for (int i = 2; i < 16; i += 2) {
		pt_double(&tab[i], &tab[i / 2]);
		pt_add(&tab[i + 1], &tab[i], p);
	}
	pt_set_infinity(&acc);
	for (int i = 63; i >= 0; i--) {
		uint64_t d = nibble(k, i);

		if (i != 63) {
			for (int j = 0; j < 4; j++) {
				pt_double(&acc, &acc);
			}
		}
		/* q = tab[d], every entry read. */
		pt_set_infinity(&q);
		for (int j = 1; j < 16; j++) {
			pt_cmov(&q, &tab[j], ct_eq(d, (uint64_t)j));
		}
		pt_add(&acc, &acc, &q);
	}
	*r = acc;
	cr_wipe(tab, sizeof(tab));
	cr_wipe(&q, sizeof(q));
	cr_wipe(&acc, sizeof(acc));
}

/* r = k G, through the constant table (see the top of the file). */
static void
pt_mulgen(struct pt *r, const unsigned char k[32])
{
	struct pt acc, sum;
	struct apt q;

	pt_set_infinity(&acc);
	for (int c = 3; c >= 0; c--) {
		if (c != 3) {
			for (int j = 0; j < 4; j++) {
				pt_double(&acc, &acc);
			}
		}
		for (int t = 0; t < 16; t++) {
			uint64_t d = nibble(k, 4 * t + c);

			memset(&q, 0, sizeof(q));
			for (int j = 0; j < 15; j++) {
				uint64_t m = ct_eq(d, (uint64_t)j + 1);

				fe_cmov(q.x, p256_gtab[t][j], m);
				fe_cmov(q.y, p256_gtab[t][j] + 4, m);
			}
			/* d = 0 adds nothing: q is not a point then. */
			pt_add_affine(&sum, &acc, &q);
			pt_cmov(&acc, &sum, ct_nz(d));
		}
	}
	*r = acc;
	cr_wipe(&q, sizeof(q));
	cr_wipe(&sum, sizeof(sum));
	cr_wipe(&acc, sizeof(acc));
}

/* A scalar of at most 32 bytes as 32 bytes (leading zeros added). */
static void
scalar32(unsigned char k[32], const unsigned char *x, size_t xlen)
{
	memset(k, 0, 32 - xlen);
	memcpy(k + 32 - xlen, x, xlen);
}

static const unsigned char *
api_generator(int curve, size_t *len)
{
	*len = sizeof(p256_g);
	return p256_g;
}

static const unsigned char *
api_order(int curve, size_t *len)
{
	*len = sizeof(p256_n);
	return p256_n;
}

static size_t
api_xoff(int curve, size_t *len)
{
	*len = 32;
	return 1;
}

static uint32_t
api_mul(unsigned char *g, size_t glen, const unsigned char *x, size_t xlen,
    int curve)
{
	struct pt p;
	unsigned char k[32];
	uint64_t ok;

	if (xlen > 32) {
		return br_ec_p256_m31.mul(g, glen, x, xlen, curve);
	}
	ok = pt_decode(&p, g, glen);
	if (!ok) {
		return 0;
	}
	scalar32(k, x, xlen);
	pt_mul(&p, &p, k);
	ok = pt_encode(g, &p);
	cr_wipe(k, sizeof(k));
	cr_wipe(&p, sizeof(p));
	return (uint32_t)(ok & 1);
}

static size_t
api_mulgen(unsigned char *r, const unsigned char *x, size_t xlen, int curve)
{
	struct pt p;
	unsigned char k[32];
	uint64_t ok;

	if (xlen > 32) {
		return br_ec_p256_m31.mulgen(r, x, xlen, curve);
	}
	scalar32(k, x, xlen);
	pt_mulgen(&p, k);
	ok = pt_encode(r, &p);
	cr_wipe(k, sizeof(k));
	cr_wipe(&p, sizeof(p));
	return (size_t)(ok & 65);
}

/*
 * x A + y B (B NULL: G).  Scalars here are ECDSA verification's, public;
 * still computed in constant time.  A zero scalar is an error (the
 * contract), and so is a sum at infinity.
 */
static uint32_t
api_muladd(unsigned char *a, const unsigned char *b, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y,
    size_t ylen, int curve)
{
	struct pt p, q;
	unsigned char k[32];
	uint64_t ok, nz;

	if (xlen > 32 || ylen > 32) {
		return br_ec_p256_m31.muladd(a, b, len, x, xlen, y, ylen,
		    curve);
	}
	ok = pt_decode(&p, a, len);
	if (b != NULL) {
		ok &= pt_decode(&q, b, len);
	}
	if (!ok) {
		return 0;
	}
	scalar32(k, x, xlen);
	nz = 0;
	for (int i = 0; i < 32; i++) {
		nz |= k[i];
	}
	ok &= ct_nz(nz);
	pt_mul(&p, &p, k);
	scalar32(k, y, ylen);
	nz = 0;
	for (int i = 0; i < 32; i++) {
		nz |= k[i];
	}
	ok &= ct_nz(nz);
	if (b != NULL) {
		pt_mul(&q, &q, k);
	} else {
		pt_mulgen(&q, k);
	}
	pt_add(&p, &p, &q);
	ok &= pt_encode(a, &p);
	return (uint32_t)(ok & 1);
}

/* see p256.h */
const br_ec_impl cr_ec_p256_64 = {
	(uint32_t)1 << BR_EC_secp256r1,
	api_generator,
	api_order,
	api_xoff,
	api_mul,
	api_mulgen,
	api_muladd,
};

/* see p256.h */
void
cr_p256_64_gtab(uint64_t out[16][15][8])
{
	struct pt base, acc;

	pt_decode(&base, p256_g, sizeof(p256_g));
	for (int t = 0; t < 16; t++) {
		acc = base;
		for (int j = 0; j < 15; j++) {
			fe zi;

			if (j > 0) {
				pt_add(&acc, &acc, &base);
			}
			fe_inv(zi, acc.z);
			fe_mul(out[t][j], acc.x, zi);
			fe_mul(out[t][j] + 4, acc.y, zi);
		}
		for (int i = 0; i < 16; i++) {	/* base = 2^16 base */
			pt_double(&base, &base);
		}
	}
}

/* see p256.h */
const uint64_t (*cr_p256_64_gtab_const(void))[15][8]
{
	return p256_gtab;
}

/*
 * The wrapper: P-256 here, Curve25519 in crypto/x25519_64.c, the other
 * curves (P-384, P-521) in BearSSL's prime_i31, where br_ec_all_m31 sends
 * them.  Naming prime_i31 rather than br_ec_all_m31 keeps BearSSL's
 * c25519_m31 (and ec_all_m31) out of the binary.
 */
static const br_ec_impl *
all_impl(int curve)
{
	return curve == BR_EC_secp256r1 ? &cr_ec_p256_64 :
	    curve == BR_EC_curve25519 ? &cr_ec_c25519_64 : &br_ec_prime_i31;
}

static const unsigned char *
all_generator(int curve, size_t *len)
{
	return all_impl(curve)->generator(curve, len);
}

static const unsigned char *
all_order(int curve, size_t *len)
{
	return all_impl(curve)->order(curve, len);
}

static size_t
all_xoff(int curve, size_t *len)
{
	return all_impl(curve)->xoff(curve, len);
}

static uint32_t
all_mul(unsigned char *g, size_t glen, const unsigned char *x, size_t xlen,
    int curve)
{
	return all_impl(curve)->mul(g, glen, x, xlen, curve);
}

static size_t
all_mulgen(unsigned char *r, const unsigned char *x, size_t xlen, int curve)
{
	return all_impl(curve)->mulgen(r, x, xlen, curve);
}

static uint32_t
all_muladd(unsigned char *a, const unsigned char *b, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y,
    size_t ylen, int curve)
{
	return all_impl(curve)->muladd(a, b, len, x, xlen, y, ylen, curve);
}

static const br_ec_impl cr_ec_all_64 = {
	/* br_ec_all_m31's curves (the unit test compares) */
	((uint32_t)1 << BR_EC_secp256r1) | ((uint32_t)1 << BR_EC_secp384r1) |
	    ((uint32_t)1 << BR_EC_secp521r1) |
	    ((uint32_t)1 << BR_EC_curve25519),
	all_generator,
	all_order,
	all_xoff,
	all_mul,
	all_mulgen,
	all_muladd,
};

#endif /* CR_P256_64 */

/* see p256.h */
const br_ec_impl *
cr_ec(void)
{
#ifdef CR_P256_64
	return &cr_ec_all_64;
#else
	return br_ec_get_default();
#endif
}
