/*
 * cr.h - ikebox's crypto layer: random numbers, PRF and prf+, the IKEv2 key
 * schedule, integrity, SK payload protection and Diffie-Hellman.
 *
 * Everything here sits on BearSSL, but this header includes no BearSSL:
 * the engine (core/) codes against these functions and struct cr_alg
 * (crypto/alg.h) only.  Rules for every function below:
 *   - no allocation; contexts and output buffers belong to the caller;
 *   - transforms are passed as entries of cr_algs[] (alg.h) and must be of
 *     the right type and not refused, else -EINVAL;
 *   - return 0 or a negative errno; -EBADMSG means "bad input from the
 *     peer" (ICV mismatch, bad padding, bad DH public value);
 *   - functions that touch secrets run in constant time with respect to
 *     them (BearSSL's constant-time code, cr_ct_eq for ICV checks) and wipe
 *     their temporaries;
 *   - not thread-safe: the daemon is one thread (cr_rand keeps one DRBG).
 */
#ifndef IKEBOX_CRYPTO_CR_H
#define IKEBOX_CRYPTO_CR_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/alg.h"

/* Largest sizes over the usable transforms of alg.c. */
#define CR_PRF_MAX 64	 /* PRF output / SK_d, SK_p length (hmac-sha2-512) */
#define CR_INTEG_KEY_MAX 64 /* integrity key (hmac-sha2-512) */
#define CR_ICV_MAX 32	 /* ICV (hmac-sha2-512-256) */
#define CR_ENC_KEY_MAX 36 /* encryption key incl. AEAD salt (aes-256-gcm) */
#define CR_IV_MAX 16	 /* per-message IV (aes-cbc) */
#define CR_DH_PUB_MAX 512 /* DH public value (modp4096) */
#define CR_DH_SHARED_MAX 512 /* DH shared secret g^ir (modp4096) */
#define CR_SK_HDR_LEN 4	 /* generic payload header before the SK body */
#define CR_RAND_RESEED (1u << 20) /* bytes of DRBG output between reseeds */

/* One piece of a PRF/MAC input, so callers need not concatenate. */
struct cr_iov {
	const void *p;
	size_t len;
};

/* ---- random numbers and secrets ---- */

/*
 * Fills out with n bytes from an HMAC-DRBG (SHA-256) seeded from the
 * kernel (getrandom(), /dev/urandom as fallback), reseeded from the kernel
 * every CR_RAND_RESEED bytes and after fork().  SPIs, nonces, IVs and DH
 * secrets come from here.  Returns 0, or a negative errno when the kernel
 * gives no entropy (out is then zeroed and must not be used).
 */
int cr_rand(void *out, size_t n);

/* Overwrites n bytes at p with zeros; the compiler may not remove it. */
void cr_wipe(void *p, size_t n);

/* Constant-time comparison of n bytes: 1 if equal, 0 otherwise. */
int cr_ct_eq(const void *a, const void *b, size_t n);

/* ---- PRF, prf+ (RFC 7296 2.13) ---- */

/*
 * out = prf(key, parts[0] | ... | parts[nparts-1]); out receives
 * prf->out_len bytes.  prf is a CR_PRF transform.
 */
int cr_prf(const struct cr_alg *prf, const uint8_t *key, size_t klen,
    const struct cr_iov *parts, size_t nparts, uint8_t *out);

/*
 * prf+ (RFC 7296 2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n),
 * out = first outlen bytes of T1 | T2 | ...; S is the concatenation of
 * parts (at most 8 of them).  outlen is at most 255 * prf->out_len, else
 * -EINVAL.
 */
int cr_prfplus(const struct cr_alg *prf, const uint8_t *key, size_t klen,
    const struct cr_iov *parts, size_t nparts, uint8_t *out, size_t outlen);

/* ---- IKE SA and CHILD SA keys (RFC 7296 2.14, 2.17, 2.18) ---- */

/*
 * Keys of one IKE SA.  Lengths come from the negotiated transforms.
 * SK_pi and SK_pr go where sk_pi and sk_pr point (CR_PRF_MAX bytes each,
 * the caller's: only IKE_AUTH uses them, so an IKE SA need not keep them
 * beyond it), set before cr_ike_keys() and kept by it; NULL: not kept.
 */
struct cr_ike_keys {
	uint8_t sk_d[CR_PRF_MAX];
	uint8_t sk_ai[CR_INTEG_KEY_MAX], sk_ar[CR_INTEG_KEY_MAX];
	uint8_t sk_ei[CR_ENC_KEY_MAX], sk_er[CR_ENC_KEY_MAX];
	uint8_t *sk_pi, *sk_pr;
	uint16_t d_len;	/* = p_len = prf->key_len */
	uint16_t a_len;	/* integ->key_len; 0 for AEAD (no SK_a) */
	uint16_t e_len;	/* encr->key_len, AEAD salt included (last 4 bytes) */
	uint16_t p_len;
};

/*
 * SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 2.14).  skeyseed receives
 * prf->out_len bytes.  Nonces are at most 256 bytes each (RFC 7296 3.9).
 */
int cr_skeyseed(const struct cr_alg *prf, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len,
    uint8_t *skeyseed);

/*
 * Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296
 * 2.18).  prf is the OLD IKE SA's PRF (the one SK_d belongs to); Ni/Nr are
 * the nonces of the CREATE_CHILD_SA exchange.
 */
int cr_skeyseed_rekey(const struct cr_alg *prf, const uint8_t *sk_d,
    size_t d_len, const uint8_t *gir, size_t gir_len, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *skeyseed);

/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 *     prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)   (RFC 7296 2.14)
 * integ is NULL when encr is AEAD (CR_F_AEAD), required otherwise.
 * SPIs are the 8-byte wire values.  prf is the new SA's PRF.
 */
int cr_ike_keys(const struct cr_alg *prf, const struct cr_alg *encr,
    const struct cr_alg *integ, const uint8_t *skeyseed, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
    const uint8_t spi_r[8], struct cr_ike_keys *keys);

/* Keys of one CHILD SA; "_i" protects initiator-to-responder traffic. */
struct cr_child_keys {
	uint8_t encr_i[CR_ENC_KEY_MAX], integ_i[CR_INTEG_KEY_MAX];
	uint8_t encr_r[CR_ENC_KEY_MAX], integ_r[CR_INTEG_KEY_MAX];
	uint16_t e_len;	/* encr->key_len, AEAD salt included */
	uint16_t a_len;	/* integ->key_len, 0 for AEAD */
};

/*
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (RFC 7296 2.17), taken in the
 * order encr_i, integ_i, encr_r, integ_r.  gir is NULL (gir_len 0) without
 * PFS.  integ is NULL for AEAD.
 */
int cr_child_keys(const struct cr_alg *prf, const uint8_t *sk_d,
    size_t d_len, const struct cr_alg *encr, const struct cr_alg *integ,
    const uint8_t *gir, size_t gir_len, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, struct cr_child_keys *keys);

/* Wipes a key set (also fine on a zeroed one), with what sk_pi and sk_pr
 * point to, and forgets where that is. */
void cr_ike_keys_wipe(struct cr_ike_keys *keys);
void cr_child_keys_wipe(struct cr_child_keys *keys);

/* ---- plain hash ---- */

/*
 * out = SHA-1(parts[0] | ... | parts[nparts-1]), 20 bytes: the hash of
 * RFC 7296 2.23's NAT detection notifies, nothing secret.  Returns 0.
 */
#define CR_SHA1_LEN 20
int cr_sha1(const struct cr_iov *parts, size_t nparts,
    uint8_t out[CR_SHA1_LEN]);

/* ---- integrity (RFC 2404, RFC 4868) ---- */

/*
 * icv = HMAC(key, parts...) truncated to integ->out_len bytes; key is
 * integ->key_len bytes.
 */
int cr_integ(const struct cr_alg *integ, const uint8_t *key,
    const struct cr_iov *parts, size_t nparts, uint8_t *icv);

/* ---- SK payload (RFC 7296 3.14, RFC 5282, RFC 7634) ---- */

/*
 * Length of the SK payload body (what follows its 4-byte generic header):
 * IV + encrypted (plaintext + padding + pad length byte) + ICV.  CBC pads
 * to the 16-byte block; AEAD ciphers add no padding (pad length 0).
 * Returns 0 for a bad transform pair.
 */
size_t cr_sk_body_len(const struct cr_alg *encr, const struct cr_alg *integ,
    size_t plain_len);

/*
 * Protects a message in place.  On entry msg[0..aad_len) holds the IKE
 * header and the SK generic payload header with their final lengths
 * (total = aad_len + cr_sk_body_len()), and the plaintext (the inner
 * payloads) sits at msg + aad_len + encr->iv_len; msg must have room for
 * the total.  Fills the IV (cr_rand), padding, pad length, encrypts, and
 * writes the ICV at the end.  CBC: ICV = integ over msg[0..end of
 * ciphertext).  AEAD: AAD = msg[0..aad_len), nonce = salt | IV.
 * ekey is encr->key_len bytes (SK_ei/SK_er), akey integ->key_len bytes
 * (NULL for AEAD).  Returns 0, -EINVAL, or cr_rand's error.
 */
int cr_sk_seal(const struct cr_alg *encr, const struct cr_alg *integ,
    const uint8_t *ekey, const uint8_t *akey, uint8_t *msg, size_t aad_len,
    size_t plain_len);

/*
 * Checks and decrypts a message in place: msg[0..total_len) is the whole
 * IKE message, aad_len as for cr_sk_seal.  The ICV is verified in constant
 * time before anything is decrypted (AEAD: BearSSL computes the tag while
 * decrypting; on a mismatch the ciphertext is restored before return, so
 * no unauthenticated plaintext is left and msg is unchanged after an ICV
 * failure), then the pad length is checked.  On success *plain points inside msg at
 * the inner payloads and *plain_len is their length.  Any failure:
 * -EBADMSG, *plain = NULL, *plain_len = 0.
 */
int cr_sk_open(const struct cr_alg *encr, const struct cr_alg *integ,
    const uint8_t *ekey, const uint8_t *akey, uint8_t *msg, size_t aad_len,
    size_t total_len, const uint8_t **plain, size_t *plain_len);

/* ---- Diffie-Hellman (RFC 3526, RFC 5903, RFC 8031) ---- */

/* One DH exchange's private state; caller-owned, wipe with cr_dh_wipe. */
struct cr_dh {
	const struct cr_alg *group;	/* NULL until cr_dh_keygen */
	uint8_t secret[66];		/* MODP exponent, ECP scalar, X25519 */
	uint16_t secret_len;
};

/*
 * Picks a secret for group (a CR_DH transform) and writes our public value
 * to pub (group->out_len bytes: MODP y padded to the prime's length, ECP
 * x | y per RFC 5903, X25519 u).  *publen is set to group->out_len.
 * MODP secrets are short exponents: 256/320/384 bits for 2048/3072/4096.
 */
int cr_dh_keygen(struct cr_dh *dh, const struct cr_alg *group, uint8_t *pub,
    size_t *publen);

/*
 * cr_dh_keygen in two steps, so that the costly one can run on another
 * thread: cr_dh_secret draws the secret from the DRBG (not thread-safe:
 * the caller's thread), cr_dh_public_of computes the public value (reads
 * dh only; safe on any thread, as cr_dh_shared is).
 */
int cr_dh_secret(struct cr_dh *dh, const struct cr_alg *group);
int cr_dh_public_of(const struct cr_dh *dh, uint8_t *pub, size_t *publen);

/*
 * As cr_dh_keygen with a given secret (known-answer tests; len must be
 * what the group uses: MODP at most 66 bytes, ECP the order's length,
 * X25519 32).
 */
int cr_dh_keygen_from(struct cr_dh *dh, const struct cr_alg *group,
    const uint8_t *secret, size_t len, uint8_t *pub, size_t *publen);

/*
 * Computes g^ir from the peer's public value into secret (MODP: prime's
 * length; ECP: x coordinate, RFC 5903 7; X25519: 32 bytes) and sets *slen.
 * The peer value is checked (RFC 6989): wrong length, MODP y <= 1 or
 * y >= p-1, ECP point not on the curve, an all-zero X25519 result
 * (RFC 8031 2.3) all give -EBADMSG.
 */
int cr_dh_shared(struct cr_dh *dh, const uint8_t *peer, size_t len,
    uint8_t *secret, size_t *slen);

void cr_dh_wipe(struct cr_dh *dh);

/* ---- implementation choice ---- */

/*
 * Which BearSSL implementation serves transform a ("x86ni", "ct64",
 * "x86ni+pclmul", "sse2+ctmulq", "i62", "p256_m31"...), for --selftest.
 */
const char *cr_impl_name(const struct cr_alg *a);

/*
 * With on != 0, use the portable constant-time implementations even where
 * the CPU has faster ones (tests run the vectors through both).
 */
void cr_force_portable(int on);

#endif
