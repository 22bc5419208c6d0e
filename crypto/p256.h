/*
 * p256.h - the elliptic-curve implementation DH uses (crypto/p256_64.c,
 * crypto/x25519_64.c).
 *
 * On targets whose compiler has a 64x64->128 multiplier type (gcc and
 * clang define __SIZEOF_INT128__ on 64-bit targets: x86_64, aarch64),
 * ikebox carries its own NIST P-256 (cr_ec_p256_64) and X25519
 * (cr_ec_c25519_64), and cr_ec() is a br_ec_impl that sends P-256 and
 * Curve25519 there and the other curves (P-384, P-521) to BearSSL's
 * br_ec_all_m31.  Elsewhere (32-bit routers: the mips-sf build) cr_ec() is
 * BearSSL's default, whose P-256 is p256_m31 and Curve25519 c25519_m31.
 *
 * cr_ec_p256_64 follows bearssl_ec.h's br_ec_impl contract, and is
 * stricter where that leaves the result open: mul, mulgen and muladd
 * return 0 when the result is the point at infinity (a scalar that is 0 or
 * a multiple of the order), mul and muladd return 0 for a point that is
 * not on the curve or not encoded as 65 bytes 0x04 | x | y (the only
 * encoding BearSSL's P-256 code accepts; RFC 5480 2.2 forbids the hybrid
 * one).  Constant time in the scalar.  Scalars longer than 32 bytes go to
 * p256_m31 (none of ikebox's do).  No mutable state: safe from any thread.
 */
#ifndef IKEBOX_CRYPTO_P256_H
#define IKEBOX_CRYPTO_P256_H

#include <stdint.h>

#include <bearssl.h>

#if defined(__SIZEOF_INT128__)
#define CR_P256_64 1
/* P-256 only (supported_curves is 1 << BR_EC_secp256r1). */
extern const br_ec_impl cr_ec_p256_64;
/*
 * The fixed-base table mulgen reads (crypto/p256_64_tab.h), recomputed
 * with the C field and point code: the unit test compares the two.
 */
void cr_p256_64_gtab(uint64_t out[16][15][8]);
/* The table as compiled in. */
const uint64_t (*cr_p256_64_gtab_const(void))[15][8];

#define CR_X25519_64 1
/*
 * Curve25519 only (RFC 7748 5's X25519 on 51-bit limbs), with BearSSL's
 * c25519 contract (bearssl_ec.h): points are 32-byte little-endian
 * u-coordinates, bit 255 ignored, u >= p accepted (RFC 7748 5); scalars
 * are little-endian, up to 32 bytes (zero-extended), clamped as RFC 7748's
 * decodeScalar25519; mul returns 1 with the fully reduced u of the result,
 * all zeros for a small-order u (crypto/dh.c refuses that, RFC 8031 2.3),
 * and 0 only for a point that is not 32 bytes or a scalar over 32;
 * mulgen returns 32 (0 for a scalar over 32 bytes, where BearSSL's code
 * returns 32 and leaves the base point); muladd returns 0; order() is
 * 2^255 - 1 as BearSSL's.  Constant time in the scalar, no mutable state.
 */
extern const br_ec_impl cr_ec_c25519_64;
#endif

/* The implementation crypto/dh.c uses for ECP groups and Curve25519. */
const br_ec_impl *cr_ec(void);

#endif
