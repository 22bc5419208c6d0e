/*
 * test_crypto_x25519.c - ikebox's own X25519 (crypto/x25519_64.c) against
 * RFC 7748's known answers and, differentially, against BearSSL's
 * c25519_m31: the 5.2 vectors, the 5.2 iterated test (1 and 1,000
 * iterations; X25519_ITER=1000000 for the last one, make check-x25519),
 * the 6.1 Diffie-Hellman exchange, random scalars of every length and
 * random u-coordinates (with bit 255 set, at or above p, small-order),
 * the br_ec_impl edges, and group 31 through crypto/dh.c for both sides.
 *
 * X25519_ROUNDS (default 1000) sets the random rounds of each
 * differential case; `make check-x25519` runs 100,000.  The random source
 * is a fixed-seed generator (X25519_SEED to change it), so a failure is
 * reproducible.  On a build without __int128 (cr_ec() is BearSSL's) only
 * the DH case runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "crypto/cr.h"
#include "crypto/kat.h"
#include "crypto/p256.h"
#include "t/harness/t.h"
#include "t/harness/x25519_small.h"

static int
x_rounds(void)
{
	const char *s = getenv("X25519_ROUNDS");

	return s ? atoi(s) : 1000;
}

static const br_ec_impl *const ref = &br_ec_c25519_m31;

#ifdef CR_X25519_64

static const br_ec_impl *const ours = &cr_ec_c25519_64;

/* splitmix64: a reproducible stream. */
static uint64_t x_rng_state;

static uint64_t
x_rng(void)
{
	uint64_t z = (x_rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
x_rng_seed(void)
{
	const char *s = getenv("X25519_SEED");

	x_rng_state = s ? strtoull(s, NULL, 0) : 0x7748803125519ULL;
}

static void
x_rand(uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = (uint8_t)(x_rng() >> 56);
	}
}

/* X25519(k, u) by one implementation's mul; its return value. */
static uint32_t
x_mul(const br_ec_impl *ec, uint8_t out[32], const uint8_t *k, size_t klen,
    const uint8_t u[32])
{
	memcpy(out, u, 32);
	return ec->mul(out, 32, k, klen, BR_EC_curve25519);
}

T_CASE(crypto_x25519, constants_as_bearssl)
{
	const unsigned char *a, *b;
	size_t al, bl;

	T_EQ_INT(ours->supported_curves, 1u << BR_EC_curve25519);
	T_EQ_INT(ours->supported_curves, ref->supported_curves);
	T_EQ_INT(cr_ec()->supported_curves, br_ec_all_m31.supported_curves);
	a = ours->generator(BR_EC_curve25519, &al);
	b = ref->generator(BR_EC_curve25519, &bl);
	T_EQ_INT(al, bl);
	T_EQ_MEM(a, b, bl);
	a = ours->order(BR_EC_curve25519, &al);
	b = ref->order(BR_EC_curve25519, &bl);
	T_EQ_INT(al, bl);
	T_EQ_MEM(a, b, bl);
	T_EQ_INT(ours->xoff(BR_EC_curve25519, &al),
	    ref->xoff(BR_EC_curve25519, &bl));
	T_EQ_INT(al, bl);
	/* crypto/dh.c reaches ours through cr_ec() */
	a = cr_ec()->generator(BR_EC_curve25519, &al);
	T_EQ_INT(al, 32);
	T_EQ_INT(a[0], 9);
	T_EQ_STR(cr_impl_name(cr_alg_by_name(CR_DH, "curve25519")),
	    "c25519_64");
}

/* RFC 7748 5.2's two vectors, through ours and through cr_ec(). */
T_CASE(crypto_x25519, rfc7748_5_2)
{
	uint8_t k[32], u[32], want[32], out[32];

	for (const struct cr_kat_x25519 *v = cr_kat_x25519s; v->src; v++) {
		T_ROW("%s", v->src);
		cr_kat_unhex(k, sizeof(k), v->scalar);
		cr_kat_unhex(u, sizeof(u), v->u);
		cr_kat_unhex(want, sizeof(want), v->out);
		T_EQ_INT(x_mul(ours, out, k, 32, u), 1);
		T_EQ_MEM(out, want, 32);
		T_EQ_INT(x_mul(cr_ec(), out, k, 32, u), 1);
		T_EQ_MEM(out, want, 32);
	}
}

/*
 * RFC 7748 5.2's iterated test: k = u = 9, then k, u = X25519(k, u), k.
 * The 1,000,000th value only with X25519_ITER=1000000 (about a minute).
 */
T_CASE(crypto_x25519, rfc7748_5_2_iterated)
{
	static const struct {
		long n;
		const char *out;
	} want[] = {
		{ 1, "422c8e7a6227d7bca1350b3e2bb7279f"
		    "7897b87bb6854b783c60e80311ae3079" },
		{ 1000, "684cf59ba83309552800ef566f2f4d3c"
		    "1c3887c49360e3875f2eb94d99532c51" },
		{ 1000000, "7c3911e0ab2586fd864497297e575e6f"
		    "3bc601c0883c30df5f4dd2d24f665424" },
	};
	const char *e = getenv("X25519_ITER");
	long upto = e ? atol(e) : 1000, i = 0;
	uint8_t k[32] = { 9 }, u[32] = { 9 }, r[32], w[32];

	for (size_t j = 0; j < sizeof(want) / sizeof(want[0]); j++) {
		if (want[j].n > upto) {
			break;
		}
		T_ROW("%ld iterations", want[j].n);
		for (; i < want[j].n; i++) {
			(void)x_mul(ours, r, k, 32, u);
			memcpy(u, k, 32);
			memcpy(k, r, 32);
		}
		cr_kat_unhex(w, sizeof(w), want[j].out);
		T_EQ_MEM(k, w, 32);
	}
}

/* RFC 7748 6.1: Alice's and Bob's key pairs and their shared secret. */
T_CASE(crypto_x25519, rfc7748_6_1)
{
	uint8_t ak[32], apub[32], bk[32], bpub[32], k[32], out[32];

	cr_kat_unhex(ak, 32, "77076d0a7318a57d3c16c17251b26645"
	    "df4c2f87ebc0992ab177fba51db92c2a");
	cr_kat_unhex(apub, 32, "8520f0098930a754748b7ddcb43ef75a"
	    "0dbf3a0d26381af4eba4a98eaa9b4e6a");
	cr_kat_unhex(bk, 32, "5dab087e624a8a4b79e17f8b83800ee6"
	    "6f3bb1292618b6fd1c2f8b27ff88e0eb");
	cr_kat_unhex(bpub, 32, "de9edb7d7b7dc1b4d35b61c2ece43537"
	    "3f8343c85b78674dadfc7e146f882b4f");
	cr_kat_unhex(k, 32, "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742");
	T_ROW("Alice's public key");
	T_EQ_INT(ours->mulgen(out, ak, 32, BR_EC_curve25519), 32);
	T_EQ_MEM(out, apub, 32);
	T_ROW("Bob's public key");
	T_EQ_INT(ours->mulgen(out, bk, 32, BR_EC_curve25519), 32);
	T_EQ_MEM(out, bpub, 32);
	T_ROW("K from Alice's side");
	T_EQ_INT(x_mul(ours, out, ak, 32, bpub), 1);
	T_EQ_MEM(out, k, 32);
	T_ROW("K from Bob's side");
	T_EQ_INT(x_mul(ours, out, bk, 32, apub), 1);
	T_EQ_MEM(out, k, 32);
}

/* One differential comparison; prints the inputs of the first mismatch. */
static int
x_differ(const char *what, const uint8_t *k, size_t klen, const uint8_t *u)
{
	uint8_t a[32], b[32];
	uint32_t ra, rb;

	ra = x_mul(ours, a, k, klen, u);
	rb = x_mul(ref, b, k, klen, u);
	if (ra == rb && memcmp(a, b, 32) == 0) {
		return 0;
	}
	printf("# %s: mul %u vs BearSSL's %u, klen %zu, k ", what, ra, rb,
	    klen);
	for (size_t i = 0; i < klen; i++) {
		printf("%02x", k[i]);
	}
	printf(" u ");
	for (int i = 0; i < 32; i++) {
		printf("%02x", u[i]);
	}
	printf("\n");
	return 1;
}

/* Random scalars and u-coordinates of 32 bytes, ours against m31. */
T_CASE(crypto_x25519, random_vs_bearssl)
{
	uint8_t k[32], u[32], a[32], b[32];
	int bad = 0, rounds = x_rounds();

	x_rng_seed();
	for (int i = 0; i < rounds; i++) {
		x_rand(k, 32);
		x_rand(u, 32);	/* half of them with bit 255 set */
		bad += x_differ("random", k, 32, u);
	}
	T_EQ_INT(bad, 0);
	T_ROW("mulgen");
	for (int i = 0; i < rounds / 4 + 1; i++) {
		size_t na, nb;

		x_rand(k, 32);
		na = ours->mulgen(a, k, 32, BR_EC_curve25519);
		nb = ref->mulgen(b, k, 32, BR_EC_curve25519);
		bad += na != nb || memcmp(a, b, 32) != 0;
	}
	T_EQ_INT(bad, 0);
}

/*
 * u-coordinates at the edges of the field: p + j (non-canonical, RFC 7748
 * 5 takes them mod p), 2^255 - 1 - j, p - 1 - j, small j, all of them
 * with and without bit 255; and the small-order points, whose result is
 * all zero with mul returning 1 (crypto/dh.c refuses it, RFC 8031 2.3).
 */
T_CASE(crypto_x25519, edge_u_vs_bearssl)
{
	uint8_t k[32], u[32], out[32], zero[32] = { 0 };
	int bad = 0, n = 0;

	x_rng_seed();
	for (int j = 0; j < 40; j++) {
		for (int top = 0; top < 2; top++) {
			x_rand(k, 32);
			/* p - 20 + j: p - 20 ... p + 18 (2^255 - 1) */
			memset(u, 0xff, 32);
			u[31] = top ? 0xff : 0x7f;
			u[0] = (uint8_t)(0xed - 20 + (j < 39 ? j : 38));
			bad += x_differ("near p", k, 32, u);
			/* small u: j */
			memset(u, 0, 32);
			u[0] = (uint8_t)j;
			u[31] |= top ? 0x80 : 0;
			bad += x_differ("small u", k, 32, u);
			/* 2^255 - 1 - j */
			memset(u, 0xff, 32);
			u[0] = (uint8_t)(0xff - j);
			u[31] = top ? 0xff : 0x7f;
			bad += x_differ("near 2^255", k, 32, u);
			n += 3;
		}
	}
	T_ROW("%d edge u-coordinates", n);
	T_EQ_INT(bad, 0);
	for (size_t i = 0; i < sizeof(x25519_small_order) /
	    sizeof(x25519_small_order[0]); i++) {
		for (int top = 0; top < 2; top++) {
			T_ROW("small order %.8s... bit 255 %d",
			    x25519_small_order[i], top);
			cr_kat_unhex(u, 32, x25519_small_order[i]);
			u[31] |= top ? 0x80 : 0;
			x_rand(k, 32);
			T_EQ_INT(x_mul(ours, out, k, 32, u), 1);
			T_EQ_MEM(out, zero, 32);
			T_EQ_INT(x_differ("small order", k, 32, u), 0);
		}
	}
}

/*
 * Scalars: every length 0..32 (zero-extended at the high end, as
 * BearSSL's code does), edge patterns (zero, all ones, one bit), and the
 * argument checks of the br_ec_impl contract.
 */
T_CASE(crypto_x25519, scalars_vs_bearssl)
{
	uint8_t k[32], u[32], out[32], g[32] = { 9 };
	int bad = 0;

	x_rng_seed();
	for (size_t len = 0; len <= 32; len++) {
		for (int r = 0; r < 4; r++) {
			x_rand(k, 32);
			x_rand(u, 32);
			bad += x_differ("short scalar", k, len, u);
		}
	}
	T_ROW("scalar lengths 0..32");
	T_EQ_INT(bad, 0);
	x_rand(u, 32);
	memset(k, 0, 32);
	bad += x_differ("zero scalar", k, 32, u);
	memset(k, 0xff, 32);
	bad += x_differ("all-ones scalar", k, 32, u);
	for (int bit = 0; bit < 256; bit++) {
		memset(k, 0, 32);
		k[bit >> 3] = (uint8_t)(1 << (bit & 7));
		bad += x_differ("one-bit scalar", k, 32, u);
	}
	T_ROW("scalar patterns");
	T_EQ_INT(bad, 0);
	T_ROW("point of 31 or 33 bytes");
	memcpy(out, u, 32);
	T_EQ_INT(ours->mul(out, 31, k, 32, BR_EC_curve25519), 0);
	T_EQ_INT(ours->mul(out, 33, k, 32, BR_EC_curve25519), 0);
	T_ROW("scalar of 33 bytes");
	{
		uint8_t k33[33] = { 1 };

		T_EQ_INT(ours->mul(out, 32, k33, 33, BR_EC_curve25519), 0);
		T_EQ_INT(ref->mul(out, 32, k33, 33, BR_EC_curve25519), 0);
		T_EQ_INT(ours->mulgen(out, k33, 33, BR_EC_curve25519), 0);
	}
	T_ROW("muladd is not implemented, as BearSSL's");
	T_EQ_INT(ours->muladd(out, g, 32, k, 32, k, 32, BR_EC_curve25519), 0);
}

#endif /* CR_X25519_64 */

/*
 * Group 31 through crypto/dh.c, both sides: each side's shared secret is
 * the other's and the one BearSSL's c25519_m31 computes from the same
 * secret and public value; a peer's small-order u is refused.
 */
T_CASE(crypto_x25519, dh_group31_both_sides)
{
	const struct cr_alg *g = cr_alg_by_name(CR_DH, "curve25519");
	uint8_t pi[CR_DH_PUB_MAX], pr[CR_DH_PUB_MAX], q[32], one[32] = { 1 };
	uint8_t si[CR_DH_SHARED_MAX], sr[CR_DH_SHARED_MAX];
	struct cr_dh di, dr;
	size_t pil, prl, sil, srl;
	int ok = 0, rounds = x_rounds() / 4 + 1;

	for (int i = 0; i < rounds; i++) {
		T_EQ_INT(cr_dh_keygen(&di, g, pi, &pil), 0);
		T_EQ_INT(cr_dh_keygen(&dr, g, pr, &prl), 0);
		T_EQ_INT(cr_dh_shared(&di, pr, prl, si, &sil), 0);
		T_EQ_INT(cr_dh_shared(&dr, pi, pil, sr, &srl), 0);
		memcpy(q, pr, 32);
		ref->mul(q, 32, di.secret, di.secret_len, BR_EC_curve25519);
		ok += pil == 32 && prl == 32 && sil == 32 && srl == 32 &&
		    memcmp(si, sr, 32) == 0 && memcmp(si, q, 32) == 0;
		/* RFC 8031 2.3: u = 1 (order 1) gives all zeros: refused */
		T_EQ_INT(cr_dh_shared(&di, one, 32, si, &sil), -EBADMSG);
		cr_dh_wipe(&di);
		cr_dh_wipe(&dr);
	}
	T_EQ_INT(ok, rounds);
	T_EQ_STR(cr_impl_name(g),
#ifdef CR_X25519_64
	    "c25519_64"
#else
	    "c25519_m31"
#endif
	);
}
