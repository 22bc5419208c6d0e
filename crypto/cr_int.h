/*
 * cr_int.h - crypto/-internal glue: which BearSSL implementation serves
 * each primitive.  Only files in crypto/ include this (it pulls in BearSSL).
 */
#ifndef IKEBOX_CRYPTO_CR_INT_H
#define IKEBOX_CRYPTO_CR_INT_H

#include <bearssl.h>

#include "crypto/cr.h"

/*
 * x, hidden from the optimizer: a mask passed through here cannot be
 * recognised as a boolean and turned back into a branch or a select
 * between addresses (clang -O1 made p256_64.c's fe_cmov with a constant
 * source a load from one of two addresses; t/sh/ct_check.sh saw it).
 * The 64-bit P-256 and X25519 (crypto/p256_64.c, crypto/x25519_64.c).
 */
static inline uint64_t
cr_ct_barrier(uint64_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

/* AES key contexts big enough for either implementation we pick. */
union cr_aes_cbcenc {
	const br_block_cbcenc_class *vtable;
	br_aes_x86ni_cbcenc_keys ni;
	br_aes_ct64_cbcenc_keys ct;
};
union cr_aes_cbcdec {
	const br_block_cbcdec_class *vtable;
	br_aes_x86ni_cbcdec_keys ni;
	br_aes_ct64_cbcdec_keys ct;
};
union cr_aes_ctr {
	const br_block_ctr_class *vtable;
	br_aes_x86ni_ctr_keys ni;
	br_aes_ct64_ctr_keys ct;
};

/* Fastest available (or portable constant-time if forced) implementation. */
const br_block_cbcenc_class *cr_pick_cbcenc(void);
const br_block_cbcdec_class *cr_pick_cbcdec(void);
const br_block_ctr_class *cr_pick_ctr(void);
br_ghash cr_pick_ghash(void);
br_chacha20_run cr_pick_chacha20(void);
br_poly1305_run cr_pick_poly1305(void);

/* The hash behind an HMAC-based PRF/INTEG transform, NULL if none. */
const br_hash_class *cr_hash_of(const struct cr_alg *a);

#endif
