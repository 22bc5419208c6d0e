/*
 * test_crypto_p256.c - ikebox's own P-256 (crypto/p256_64.c) against
 * known answers and, differentially, against BearSSL's p256_m31: RFC 5903
 * 8.1, the multiples 1G, 2G, 3G and (n-1)G of the curve's generator
 * (FIPS 186-4 D.1.2.3; the affine formulas of SEC 1 2.2.1 give them),
 * edge scalars (1, 2, n-1, n-2, every 2^k, all ones, n, n+1, 0, short
 * ones), random scalars and random points, points with x or y near 0 or p,
 * points off the curve and encodings BearSSL's P-256 code refuses, muladd,
 * and group 19 through crypto/dh.c for both sides.
 *
 * P256_ROUNDS (default 150) sets the random rounds of each differential
 * case; `make check-p256` runs 20,000.  The random source is a fixed-seed
 * generator (P256_SEED to change it), so a failure is reproducible.
 * On a build without __int128 (cr_ec() is BearSSL's) only the DH case
 * runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "crypto/cr.h"
#include "crypto/kat.h"
#include "crypto/p256.h"
#include "t/harness/t.h"

static int
p256_rounds(void)
{
	const char *s = getenv("P256_ROUNDS");

	return s ? atoi(s) : 150;
}

#ifdef CR_P256_64

static const char p256_p_hex[] =
    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
static const char p256_n_hex[] =
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

/* a - b, 32-byte big-endian, modulo 2^256. */
static void
sub256(uint8_t *r, const uint8_t *a, const uint8_t *b)
{
	int borrow = 0;

	for (int i = 31; i >= 0; i--) {
		int d = a[i] - b[i] - borrow;

		borrow = d < 0;
		r[i] = (uint8_t)d;
	}
}

/* a + b modulo 2^256. */
static void
add256(uint8_t *r, const uint8_t *a, const uint8_t *b)
{
	int carry = 0;

	for (int i = 31; i >= 0; i--) {
		int s = a[i] + b[i] + carry;

		carry = s >> 8;
		r[i] = (uint8_t)s;
	}
}

/* splitmix64: a reproducible stream. */
static uint64_t p256_rng_state;

static uint64_t
p256_rng(void)
{
	uint64_t z = (p256_rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
p256_rng_seed(void)
{
	const char *s = getenv("P256_SEED");

	p256_rng_state = s ? strtoull(s, NULL, 0) : 0x1b2c3d4e5f607182ULL;
}

static void
p256_rand(uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = (uint8_t)(p256_rng() >> 56);
	}
}

/* A random scalar in [1, n-1] (rejection sampling). */
static void
p256_rand_scalar(uint8_t k[32])
{
	uint8_t n[32];
	int zero;

	cr_kat_unhex(n, 32, p256_n_hex);
	do {
		p256_rand(k, 32);
		zero = 1;
		for (int i = 0; i < 32; i++) {
			zero &= k[i] == 0;
		}
	} while (zero || memcmp(k, n, 32) >= 0);
}

static const br_ec_impl *const ours = &cr_ec_p256_64;
static const br_ec_impl *const ref = &br_ec_p256_m31;

T_CASE(crypto_p256, constants_as_bearssl)
{
	const unsigned char *a, *b;
	size_t al, bl;

	T_EQ_INT(ours->supported_curves, 1u << BR_EC_secp256r1);
	T_EQ_INT(cr_ec()->supported_curves, br_ec_all_m31.supported_curves);
	a = ours->generator(BR_EC_secp256r1, &al);
	b = ref->generator(BR_EC_secp256r1, &bl);
	T_EQ_INT(al, bl);
	T_EQ_MEM(a, b, bl);
	a = ours->order(BR_EC_secp256r1, &al);
	b = ref->order(BR_EC_secp256r1, &bl);
	T_EQ_INT(al, bl);
	T_EQ_MEM(a, b, bl);
	T_EQ_INT(ours->xoff(BR_EC_secp256r1, &al), 1);
	T_EQ_INT(al, 32);
	/* The other curves are BearSSL's, through the wrapper. */
	a = cr_ec()->order(BR_EC_secp384r1, &al);
	b = br_ec_all_m31.order(BR_EC_secp384r1, &bl);
	T_EQ_INT(al, bl);
	T_EQ_MEM(a, b, bl);
}

/*
 * The constant table (scripts/p256-table.py, Python integers) equals the
 * one the C point code computes.
 */
T_CASE(crypto_p256, table_matches_c_code)
{
	static uint64_t tab[16][15][8];

	cr_p256_64_gtab(tab);
	T_EQ_MEM(tab, cr_p256_64_gtab_const(), sizeof(tab));
}

T_CASE(crypto_p256, known_multiples_of_g)
{
	static const struct {
		const char *k, *x, *y;
	} v[] = {
		{ "01",
		  "6b17d1f2e12c4247f8bce6e563a440f2"
		  "77037d812deb33a0f4a13945d898c296",
		  "4fe342e2fe1a7f9b8ee7eb4a7c0f9e16"
		  "2bce33576b315ececbb6406837bf51f5" },
		{ "02",
		  "7cf27b188d034f7e8a52380304b51ac3"
		  "c08969e277f21b35a60b48fc47669978",
		  "07775510db8ed040293d9ac69f7430db"
		  "ba7dade63ce982299e04b79d227873d1" },
		{ "03",
		  "5ecbe4d1a6330a44c8f7ef951d4bf165"
		  "e6c6b721efada985fb41661bc6e7fd6c",
		  "8734640c4998ff7e374b06ce1a64a2ec"
		  "d82ab036384fb83d9a79b127a27d5032" },
		/* (n-1) G = -G = (Gx, p - Gy) */
		{ "ffffffff00000000ffffffffffffffff"
		  "bce6faada7179e84f3b9cac2fc632550",
		  "6b17d1f2e12c4247f8bce6e563a440f2"
		  "77037d812deb33a0f4a13945d898c296",
		  "b01cbd1c01e58065711814b583f061e9"
		  "d431cca994cea1313449bf97c840ae0a" },
	};
	uint8_t k[32], want[65], out[65];
	size_t gl;
	const unsigned char *g = ours->generator(BR_EC_secp256r1, &gl);

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t kl = cr_kat_unhex(k, sizeof(k), v[i].k);

		T_ROW("k=%s", v[i].k);
		want[0] = 4;
		cr_kat_unhex(want + 1, 32, v[i].x);
		cr_kat_unhex(want + 33, 32, v[i].y);
		memset(out, 0, sizeof(out));
		T_EQ_INT(ours->mulgen(out, k, kl, BR_EC_secp256r1), 65);
		T_EQ_MEM(out, want, 65);
		memcpy(out, g, gl);
		T_EQ_INT(ours->mul(out, 65, k, kl, BR_EC_secp256r1), 1);
		T_EQ_MEM(out, want, 65);
	}
}

T_CASE(crypto_p256, rfc5903_8_1)
{
	uint8_t i[32], r[32], gi[65], gr[65], gir[32], out[65];
	const struct cr_kat_dh *v;

	for (v = cr_kat_dhs; v->src; v++) {
		if (strcmp(v->group, "ecp256") == 0) {
			break;
		}
	}
	T_ASSERT(v->src != NULL);
	if (v->src == NULL) {
		return;
	}
	cr_kat_unhex(i, 32, v->i);
	cr_kat_unhex(r, 32, v->r);
	gi[0] = gr[0] = 4;
	cr_kat_unhex(gi + 1, 64, v->gi);
	cr_kat_unhex(gr + 1, 64, v->gr);
	cr_kat_unhex(gir, 32, v->gir);
	T_EQ_INT(ours->mulgen(out, i, 32, BR_EC_secp256r1), 65);
	T_EQ_MEM(out, gi, 65);
	T_EQ_INT(ours->mulgen(out, r, 32, BR_EC_secp256r1), 65);
	T_EQ_MEM(out, gr, 65);
	memcpy(out, gr, 65);
	T_EQ_INT(ours->mul(out, 65, i, 32, BR_EC_secp256r1), 1);
	T_EQ_MEM(out + 1, gir, 32);
	memcpy(out, gi, 65);
	T_EQ_INT(ours->mul(out, 65, r, 32, BR_EC_secp256r1), 1);
	T_EQ_MEM(out + 1, gir, 32);
}

/* mulgen and mul of G by k, ours against m31; k below n. */
static void
p256_check_scalar(const uint8_t *k, size_t kl)
{
	uint8_t a[65], b[65];
	size_t gl;
	const unsigned char *g = ref->generator(BR_EC_secp256r1, &gl);

	T_EQ_INT(ours->mulgen(a, k, kl, BR_EC_secp256r1), 65);
	T_EQ_INT(ref->mulgen(b, k, kl, BR_EC_secp256r1), 65);
	T_EQ_MEM(a, b, 65);
	memcpy(a, g, gl);
	memcpy(b, g, gl);
	T_EQ_INT(ours->mul(a, 65, k, kl, BR_EC_secp256r1), 1);
	T_EQ_INT(ref->mul(b, 65, k, kl, BR_EC_secp256r1), 1);
	T_EQ_MEM(a, b, 65);
}

T_CASE(crypto_p256, edge_scalars_as_m31)
{
	uint8_t n[32], k[32], one[32] = { 0 }, two[32] = { 0 };

	cr_kat_unhex(n, 32, p256_n_hex);
	one[31] = 1;
	two[31] = 2;
	T_ROW("1");
	p256_check_scalar(one, 32);
	T_ROW("2");
	p256_check_scalar(two, 32);
	T_ROW("n-1");
	sub256(k, n, one);
	p256_check_scalar(k, 32);
	T_ROW("n-2");
	sub256(k, n, two);
	p256_check_scalar(k, 32);
	for (int b = 0; b < 256; b++) {
		T_ROW("2^%d", b);
		memset(k, 0, 32);
		k[31 - b / 8] = (uint8_t)(1 << (b % 8));
		if (memcmp(k, n, 32) < 0) {
			p256_check_scalar(k, 32);
		}
	}
	for (size_t l = 1; l < 32; l += 5) {
		T_ROW("%zu-byte scalar", l);
		memset(k, 0xa5, l);
		p256_check_scalar(k, l);
	}
}

/*
 * Scalars at or above n: k G = (k - n) G; n itself and 0 give the point
 * at infinity, which ours reports as an error (0) rather than encoding.
 */
T_CASE(crypto_p256, scalars_from_n_up)
{
	uint8_t n[32], k[32], kr[32], a[65], b[65], zero[32] = { 0 };
	uint8_t one[32] = { 0 };
	size_t gl;
	const unsigned char *g = ours->generator(BR_EC_secp256r1, &gl);

	cr_kat_unhex(n, 32, p256_n_hex);
	one[31] = 1;
	T_ROW("0");
	T_EQ_INT(ours->mulgen(a, zero, 32, BR_EC_secp256r1), 0);
	memcpy(a, g, gl);
	T_EQ_INT(ours->mul(a, 65, zero, 32, BR_EC_secp256r1), 0);
	T_ROW("n");
	T_EQ_INT(ours->mulgen(a, n, 32, BR_EC_secp256r1), 0);
	memcpy(a, g, gl);
	T_EQ_INT(ours->mul(a, 65, n, 32, BR_EC_secp256r1), 0);
	T_ROW("n+1");
	add256(k, n, one);
	T_EQ_INT(ours->mulgen(a, k, 32, BR_EC_secp256r1), 65);
	T_EQ_MEM(a, g, 65);
	T_ROW("all ones");
	memset(k, 0xff, 32);
	sub256(kr, k, n);
	T_EQ_INT(ours->mulgen(a, k, 32, BR_EC_secp256r1), 65);
	T_EQ_INT(ref->mulgen(b, kr, 32, BR_EC_secp256r1), 65);
	T_EQ_MEM(a, b, 65);
	memcpy(a, g, gl);
	T_EQ_INT(ours->mul(a, 65, k, 32, BR_EC_secp256r1), 1);
	T_EQ_MEM(a, b, 65);
	T_ROW("33-byte scalar (BearSSL's code)");
	memset(k, 0, sizeof(k));
	k[31] = 7;
	{
		uint8_t k33[33] = { 0 };

		memcpy(k33 + 1, k, 32);
		T_EQ_INT(ours->mulgen(a, k33, 33, BR_EC_secp256r1), 65);
		T_EQ_INT(ref->mulgen(b, k, 32, BR_EC_secp256r1), 65);
		T_EQ_MEM(a, b, 65);
	}
}

T_CASE(crypto_p256, random_scalars_as_m31)
{
	int rounds = p256_rounds();
	int bad = 0;
	uint8_t k[32], a[65], b[65];

	p256_rng_seed();
	for (int i = 0; i < rounds && bad < 5; i++) {
		p256_rand_scalar(k);
		ours->mulgen(a, k, 32, BR_EC_secp256r1);
		ref->mulgen(b, k, 32, BR_EC_secp256r1);
		if (memcmp(a, b, 65) != 0) {
			T_ROW("round %d", i);
			T_EQ_MEM(a, b, 65);
			bad++;
		}
	}
	T_EQ_INT(bad, 0);
}

/*
 * 1 (and a failed row naming the round) unless both calls succeeded with
 * the same point; the caller stops after a few.
 */
static int
p256_differ(int round, uint32_t ra, const uint8_t *a, uint32_t rb,
    const uint8_t *b)
{
	if (ra == 1 && rb == 1 && memcmp(a, b, 65) == 0) {
		return 0;
	}
	T_ROW("round %d", round);
	T_EQ_INT(ra, 1);
	T_EQ_INT(rb, 1);
	T_EQ_MEM(a, b, 65);
	return 1;
}

/* Random points (m31's k1 G) times random scalars. */
T_CASE(crypto_p256, random_points_as_m31)
{
	int rounds = p256_rounds();
	int bad = 0;
	uint8_t k[32], pt[65], a[65], b[65];

	p256_rng_seed();
	(void)p256_rng();
	for (int i = 0; i < rounds && bad < 5; i++) {
		uint32_t ra, rb;

		p256_rand_scalar(k);
		ref->mulgen(pt, k, 32, BR_EC_secp256r1);
		p256_rand_scalar(k);
		memcpy(a, pt, 65);
		memcpy(b, pt, 65);
		ra = ours->mul(a, 65, k, 32, BR_EC_secp256r1);
		rb = ref->mul(b, 65, k, 32, BR_EC_secp256r1);
		bad += p256_differ(i, ra, a, rb, b);
	}
	T_EQ_INT(bad, 0);
}

/*
 * Points with a coordinate near 0 or p (found with python3: x^3 - 3x + b
 * a square mod p, y its root pow(., (p+1)/4, p)), their negations, and
 * the same values plus p (not reduced: refused by both).
 */
T_CASE(crypto_p256, coordinates_near_0_and_p)
{
	static const struct {
		const char *x, *y;
	} v[] = {
		{ "00000000000000000000000000000000"
		  "00000000000000000000000000000000",
		  "66485c780e2f83d72433bd5d84a06bb6"
		  "541c2af31dae871728bf856a174f93f4" },
		{ "00000000000000000000000000000000"
		  "00000000000000000000000000000005",
		  "459243b9aa581806fe913bce99817ade"
		  "11ca503c64d9a3c533415c083248fbcc" },
		{ "ffffffff000000010000000000000000"
		  "00000000fffffffffffffffffffffffc",
		  "19719bebf6aea13f25c96dfd7c71f522"
		  "5d4c8fc09eb5a0ab9f39e9178e55c121" },
		{ "ffffffff000000010000000000000000"
		  "00000000fffffffffffffffffffffff5",
		  "0e97e009dd484882b049a513f5c2d484"
		  "b9d29f2348cdf3cb3e1e0510038cc57a" },
	};
	uint8_t p[32], pt[65], a[65], b[65], k[32];

	cr_kat_unhex(p, 32, p256_p_hex);
	p256_rng_seed();
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (int neg = 0; neg < 2; neg++) {
			T_ROW("x=%.8s... %s", v[i].x + 56, neg ? "-y" : "y");
			pt[0] = 4;
			cr_kat_unhex(pt + 1, 32, v[i].x);
			cr_kat_unhex(pt + 33, 32, v[i].y);
			if (neg) {
				sub256(pt + 33, p, pt + 33);
			}
			p256_rand_scalar(k);
			memcpy(a, pt, 65);
			memcpy(b, pt, 65);
			T_EQ_INT(ref->mul(b, 65, k, 32, BR_EC_secp256r1), 1);
			T_EQ_INT(ours->mul(a, 65, k, 32, BR_EC_secp256r1), 1);
			T_EQ_MEM(a, b, 65);
		}
		/* x + p where it fits in 256 bits: the same x, unreduced. */
		pt[0] = 4;
		cr_kat_unhex(pt + 1, 32, v[i].x);
		cr_kat_unhex(pt + 33, 32, v[i].y);
		if (pt[1] == 0) {
			T_ROW("x=%.8s... + p", v[i].x + 56);
			add256(pt + 1, pt + 1, p);
			memcpy(a, pt, 65);
			memcpy(b, pt, 65);
			T_EQ_INT(ref->mul(b, 65, k, 32, BR_EC_secp256r1), 0);
			T_EQ_INT(ours->mul(a, 65, k, 32, BR_EC_secp256r1), 0);
		}
	}
	/* y = p + small for a valid small y is out of reach; y = p, x = p. */
	T_ROW("x = p, y = p");
	pt[0] = 4;
	memcpy(pt + 1, p, 32);
	memcpy(pt + 33, p, 32);
	memcpy(a, pt, 65);
	T_EQ_INT(ours->mul(a, 65, k, 32, BR_EC_secp256r1), 0);
	T_ROW("x = 2^256-1, y = 2^256-1");
	memset(pt + 1, 0xff, 64);
	memcpy(a, pt, 65);
	T_EQ_INT(ours->mul(a, 65, k, 32, BR_EC_secp256r1), 0);
}

/*
 * Points off the curve and encodings other than 65-byte uncompressed:
 * both refuse them (mul returns 0), as crypto/dh.c relies on (RFC 6989).
 */
T_CASE(crypto_p256, invalid_points_refused)
{
	int rounds = p256_rounds();
	uint8_t k[32], pt[66], a[66], b[66];
	size_t gl;
	const unsigned char *g = ours->generator(BR_EC_secp256r1, &gl);
	int agree = 0, total = 0;

	p256_rng_seed();
	p256_rand_scalar(k);
	for (int i = 0; i < rounds; i++) {
		/* a random (x, y): off the curve but for 1 in 2^256 */
		pt[0] = 4;
		p256_rand(pt + 1, 64);
		memcpy(a, pt, 65);
		memcpy(b, pt, 65);
		agree += ours->mul(a, 65, k, 32, BR_EC_secp256r1) == 0 &&
		    ref->mul(b, 65, k, 32, BR_EC_secp256r1) == 0;
		total++;
		/* G with one bit of y flipped */
		memcpy(pt, g, gl);
		pt[33 + i % 32] ^= (uint8_t)(1 << (i % 8));
		memcpy(a, pt, 65);
		memcpy(b, pt, 65);
		agree += ours->mul(a, 65, k, 32, BR_EC_secp256r1) == 0 &&
		    ref->mul(b, 65, k, 32, BR_EC_secp256r1) == 0;
		total++;
	}
	T_ROW("random and bit-flipped points");
	T_EQ_INT(agree, total);

	static const struct {
		const char *what;
		uint8_t first;
		size_t len;
	} enc[] = {
		{ "compressed 0x02", 0x02, 33 },
		{ "compressed 0x03", 0x03, 33 },
		{ "hybrid 0x06", 0x06, 65 },
		{ "hybrid 0x07", 0x07, 65 },
		{ "prefix 0x00", 0x00, 65 },
		{ "no prefix", 0x6b, 64 },
		{ "66 bytes", 0x04, 66 },
		{ "64 bytes", 0x04, 64 },
		{ "infinity 0x00", 0x00, 1 },
	};
	for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		T_ROW("%s", enc[i].what);
		memset(pt, 0, sizeof(pt));
		memcpy(pt, g, gl);
		if (enc[i].len == 64) {
			memcpy(pt, g + 1, 64);
		}
		pt[0] = enc[i].first;
		if (enc[i].first == 0x02 || enc[i].first == 0x03) {
			pt[0] = 0x02 | (g[64] & 1);	/* G's own parity */
		}
		memcpy(a, pt, sizeof(pt));
		memcpy(b, pt, sizeof(pt));
		T_EQ_INT(ref->mul(b, enc[i].len, k, 32, BR_EC_secp256r1), 0);
		T_EQ_INT(ours->mul(a, enc[i].len, k, 32, BR_EC_secp256r1),
		    0);
	}
	T_ROW("0x04 | 0 | 0");
	memset(pt, 0, sizeof(pt));
	pt[0] = 4;
	memcpy(a, pt, 65);
	T_EQ_INT(ours->mul(a, 65, k, 32, BR_EC_secp256r1), 0);
}

T_CASE(crypto_p256, muladd_as_m31)
{
	int rounds = p256_rounds() / 4 + 1;
	uint8_t x[32], y[32], pa[65], pb[65], a[65], b[65];
	int bad = 0;

	p256_rng_seed();
	(void)p256_rng();
	(void)p256_rng();
	for (int i = 0; i < rounds && bad < 3; i++) {
		uint32_t ra, rb;
		const uint8_t *bp = (i & 1) ? pb : NULL;

		p256_rand_scalar(x);
		ref->mulgen(pa, x, 32, BR_EC_secp256r1);
		p256_rand_scalar(x);
		ref->mulgen(pb, x, 32, BR_EC_secp256r1);
		p256_rand_scalar(x);
		p256_rand_scalar(y);
		memcpy(a, pa, 65);
		memcpy(b, pa, 65);
		ra = ours->muladd(a, bp, 65, x, 32, y, 32, BR_EC_secp256r1);
		rb = ref->muladd(b, bp, 65, x, 32, y, 32, BR_EC_secp256r1);
		bad += p256_differ(i, ra, a, rb, b);
	}
	T_EQ_INT(bad, 0);

	/* x G + x G (a doubling inside), x G + (n - x) G (infinity). */
	uint8_t n[32], nx[32], zero[32] = { 0 };
	size_t gl;
	const unsigned char *g = ours->generator(BR_EC_secp256r1, &gl);

	cr_kat_unhex(n, 32, p256_n_hex);
	p256_rand_scalar(x);
	T_ROW("xG + xG");
	memcpy(a, g, 65);
	memcpy(b, g, 65);
	T_EQ_INT(ours->muladd(a, NULL, 65, x, 32, x, 32, BR_EC_secp256r1), 1);
	T_EQ_INT(ref->muladd(b, NULL, 65, x, 32, x, 32, BR_EC_secp256r1), 1);
	T_EQ_MEM(a, b, 65);
	T_ROW("xG + (n-x)G");
	sub256(nx, n, x);
	memcpy(a, g, 65);
	memcpy(b, g, 65);
	T_EQ_INT(ours->muladd(a, NULL, 65, x, 32, nx, 32, BR_EC_secp256r1),
	    0);
	T_EQ_INT(ref->muladd(b, NULL, 65, x, 32, nx, 32, BR_EC_secp256r1), 0);
	T_ROW("zero scalar");
	memcpy(a, g, 65);
	T_EQ_INT(ours->muladd(a, NULL, 65, zero, 32, x, 32, BR_EC_secp256r1),
	    0);
	T_ROW("invalid B");
	memcpy(a, g, 65);
	memcpy(pb, g, 65);
	pb[64] ^= 1;
	T_EQ_INT(ours->muladd(a, pb, 65, x, 32, x, 32, BR_EC_secp256r1), 0);
}

#endif /* CR_P256_64 */

/*
 * Group 19 through crypto/dh.c, both sides: each side's shared secret is
 * the other's, and the x coordinate BearSSL's m31 computes from the same
 * secret and public value.
 */
T_CASE(crypto_p256, dh_group19_both_sides)
{
	const struct cr_alg *g = cr_alg_by_name(CR_DH, "ecp256");
	uint8_t pi[CR_DH_PUB_MAX], pr[CR_DH_PUB_MAX];
	uint8_t si[CR_DH_SHARED_MAX], sr[CR_DH_SHARED_MAX], q[65];
	struct cr_dh di, dr;
	size_t pil, prl, sil, srl;
	int ok = 0, rounds = p256_rounds() / 4 + 1;

	for (int i = 0; i < rounds; i++) {
		T_EQ_INT(cr_dh_keygen(&di, g, pi, &pil), 0);
		T_EQ_INT(cr_dh_keygen(&dr, g, pr, &prl), 0);
		T_EQ_INT(cr_dh_shared(&di, pr, prl, si, &sil), 0);
		T_EQ_INT(cr_dh_shared(&dr, pi, pil, sr, &srl), 0);
		q[0] = 4;
		memcpy(q + 1, pr, 64);
		br_ec_p256_m31.mul(q, 65, di.secret, di.secret_len,
		    BR_EC_secp256r1);
		ok += sil == 32 && srl == 32 && memcmp(si, sr, 32) == 0 &&
		    memcmp(si, q + 1, 32) == 0;
		/* the peer's value with y changed: off the curve, refused */
		pr[63] ^= 1;
		T_EQ_INT(cr_dh_shared(&di, pr, prl, si, &sil), -EBADMSG);
		cr_dh_wipe(&di);
		cr_dh_wipe(&dr);
	}
	T_EQ_INT(ok, rounds);
	T_EQ_STR(cr_impl_name(g),
#ifdef CR_P256_64
	    "p256_64"
#else
	    "p256_m31"
#endif
	);
}
