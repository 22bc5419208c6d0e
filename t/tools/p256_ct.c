/*
 * p256_ct.c - t/p256-ct: are crypto/p256_64.c and crypto/x25519_64.c
 * constant time in the scalar?
 *
 * Run under valgrind's memcheck (t/sh/ct_check.sh, make ct-check).  The
 * scalar is marked undefined (VALGRIND_MAKE_MEM_UNDEFINED) before each
 * mulgen and mul, so memcheck reports any conditional jump, move or
 * memory address computed from it (the secret-tracking method of Adam
 * Langley's ctgrind, which memcheck supports as it is).  The results are
 * marked defined again before this program looks at them: what they
 * reveal is the output, not a leak.
 *
 *   t/p256-ct [ROUNDS]   ROUNDS scalars (default 16) through mulgen and
 *                        mul of P-256 and of X25519, direct and through
 *                        cr_ec(); exit 0
 *   t/p256-ct canary     the same machinery around a table lookup indexed
 *                        by the scalar and a branch on it: memcheck must
 *                        report both (the check is shown to bite each run)
 *
 * Outside valgrind the marks do nothing and the program just computes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "crypto/p256.h"

#ifdef CR_P256_64

/* The leaks the check must see: an index and a branch on the secret. */
static int
canary(const unsigned char *k)
{
	static const unsigned char tab[256] = { 1, 2, 3 };
	volatile int v = tab[k[0]];

	if (k[1] & 1) {
		v++;
	}
	return v;
}

/* mulgen and mul of curve with the scalar k secret; pt: a point of
 * len bytes (65, P-256's uncompressed; 32, an X25519 u-coordinate), the
 * length mulgen must give too.  name: for the failure line. */
static int
run(const br_ec_impl *ec, int curve, const char *name,
    const unsigned char *k, const unsigned char *pt, size_t len)
{
	unsigned char out[65], q[65];
	size_t n;
	uint32_t r;

	VALGRIND_MAKE_MEM_UNDEFINED(k, 32);
	n = ec->mulgen(out, k, 32, curve);
	VALGRIND_MAKE_MEM_DEFINED(&n, sizeof(n));
	VALGRIND_MAKE_MEM_DEFINED(out, sizeof(out));

	memcpy(q, pt, len);
	VALGRIND_MAKE_MEM_UNDEFINED(k, 32);
	r = ec->mul(q, len, k, 32, curve);
	VALGRIND_MAKE_MEM_DEFINED(&r, sizeof(r));
	VALGRIND_MAKE_MEM_DEFINED(q, sizeof(q));
	VALGRIND_MAKE_MEM_DEFINED(k, 32);
	if (n != len || r != 1) {
		fprintf(stderr, "%s: mulgen %zu mul %u\n", name, n, r);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int rounds = 16, bad = 0;
	unsigned char k[32], pt[65], u[32] = { 9 };
	size_t gl;
	const unsigned char *g = cr_ec_p256_64.generator(BR_EC_secp256r1,
	    &gl);
	uint64_t s = 0x243f6a8885a308d3ULL;

	if (argc > 1 && strcmp(argv[1], "canary") == 0) {
		memset(k, 0x5a, sizeof(k));
		VALGRIND_MAKE_MEM_UNDEFINED(k, 32);
		return canary(k) == 0;
	}
	if (argc > 1) {
		rounds = atoi(argv[1]);
	}
	memcpy(pt, g, gl);
	for (int i = 0; i < rounds; i++) {
		/* scalars of every shape: 1, all-ones low bits, random */
		for (int j = 0; j < 32; j++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			k[j] = (unsigned char)(s >> 56);
		}
		if (i == 0) {
			memset(k, 0, 32);
			k[31] = 1;
		}
		k[0] &= 0x7f;		/* below n */
		bad |= run(&cr_ec_p256_64, BR_EC_secp256r1, "p256-ct", k, pt,
		    65);
		bad |= run(cr_ec(), BR_EC_secp256r1, "p256-ct", k, pt, 65);
		/* the next point: this one times k (a peer's value) */
		memcpy(pt, g, gl);
		(void)cr_ec_p256_64.mul(pt, 65, k, 32, BR_EC_secp256r1);
#ifdef CR_X25519_64
		/* X25519 takes every 32-byte string, clamped */
		bad |= run(&cr_ec_c25519_64, BR_EC_curve25519, "x25519-ct", k,
		    u, 32);
		bad |= run(cr_ec(), BR_EC_curve25519, "x25519-ct", k, u, 32);
		(void)cr_ec_c25519_64.mul(u, 32, k, 32, BR_EC_curve25519);
#endif
	}
	printf("p256-ct: %d scalars through mulgen and mul\n", rounds);
#ifdef CR_X25519_64
	printf("x25519-ct: %d scalars through mulgen and mul\n", rounds);
#endif
	return bad;
}

#else

int
main(void)
{
	printf("p256-ct: no 64-bit P-256 in this build\n");
	return 0;
}

#endif
