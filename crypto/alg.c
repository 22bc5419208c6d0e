/*
 * alg.c - the transform table (see alg.h).
 *
 * IDs: RFC 7296 3.3.2 and the IANA "IKEv2 Transform Attribute" registries;
 * AES-GCM: RFC 5282 (IKE) / RFC 4106 (ESP); ChaCha20-Poly1305: RFC 7634 /
 * RFC 7634; HMAC-SHA2 truncations: RFC 4868; groups: RFC 3526, RFC 5903,
 * RFC 8031.
 */
#include <string.h>

#include "crypto/alg.h"

#define ENC(n, id, kb, kl, icv, iv, fl, why) \
	{ n, CR_ENCR, fl, id, kb, kl, icv, iv, why }
#define PRF(n, id, len, why) { n, CR_PRF, 0, id, 0, len, len, 0, why }
#define INTEG(n, id, kl, icv, why) { n, CR_INTEG, 0, id, 0, kl, icv, 0, why }
#define DH(n, id, fl, pub, why) { n, CR_DH, fl, id, 0, 0, pub, 0, why }

const struct cr_alg cr_algs[] = {
	/* ENCR_AES_CBC (12), RFC 3602: explicit 16-byte IV. */
	ENC("aes-128", 12, 128, 16, 0, 16, 0, NULL),
	ENC("aes-192", 12, 192, 24, 0, 16, 0, NULL),
	ENC("aes-256", 12, 256, 32, 0, 16, 0, NULL),
	/* ENCR_AES_GCM_16 (20): 4-byte salt, 8-byte IV, 16-byte ICV. */
	ENC("aes-128-gcm", 20, 128, 20, 16, 8, CR_F_AEAD, NULL),
	ENC("aes-192-gcm", 20, 192, 28, 16, 8, CR_F_AEAD, NULL),
	ENC("aes-256-gcm", 20, 256, 36, 16, 8, CR_F_AEAD, NULL),
	/* ENCR_AES_GCM_12 (19): 12-byte ICV. */
	ENC("aes-128-gcm-12", 19, 128, 20, 12, 8, CR_F_AEAD, NULL),
	ENC("aes-256-gcm-12", 19, 256, 36, 12, 8, CR_F_AEAD, NULL),
	/* ENCR_CHACHA20_POLY1305 (28), RFC 7634: 32-byte key + 4 salt. */
	ENC("chacha20-poly1305", 28, 0, 36, 16, 8, CR_F_AEAD, NULL),
	ENC("3des", 3, 0, 24, 0, 8, 0,
	    "3des is not supported (64-bit block cipher, RFC 8247 says MUST NOT)"),

	PRF("hmac-sha1", 2, 20, NULL),
	PRF("hmac-sha2-256", 5, 32, NULL),
	PRF("hmac-sha2-384", 6, 48, NULL),
	PRF("hmac-sha2-512", 7, 64, NULL),
	PRF("hmac-md5", 1, 16,
	    "hmac-md5 is not supported (RFC 8247 says MUST NOT)"),

	/* RFC 4868 2.3: HMAC-SHA-256-128, -384-192, -512-256. */
	INTEG("hmac-sha1", 2, 20, 12, NULL),
	INTEG("hmac-sha2-256", 12, 32, 16, NULL),
	INTEG("hmac-sha2-384", 13, 48, 24, NULL),
	INTEG("hmac-sha2-512", 14, 64, 32, NULL),
	INTEG("hmac-md5", 1, 16, 12,
	    "hmac-md5 is not supported (RFC 8247 says MUST NOT)"),

	DH("modp2048", 14, CR_F_MODP, 256, NULL),
	DH("modp3072", 15, CR_F_MODP, 384, NULL),
	DH("modp4096", 16, CR_F_MODP, 512, NULL),
	DH("ecp256", 19, CR_F_ECP, 64, NULL),
	DH("ecp384", 20, CR_F_ECP, 96, NULL),
	DH("ecp521", 21, CR_F_ECP, 132, NULL),
	DH("curve25519", 31, CR_F_X25519, 32, NULL),
	DH("modp768", 1, CR_F_MODP, 96,
	    "modp768 is not supported (too weak, RFC 8247)"),
	DH("modp1024", 2, CR_F_MODP, 128,
	    "modp1024 is not supported (too weak, RFC 8247)"),
	DH("modp1536", 5, CR_F_MODP, 192,
	    "modp1536 is not supported (too weak, RFC 8247)"),
	DH("modp6144", 17, CR_F_MODP, 768,
	    "modp6144 is not supported (BearSSL's modular exponentiation stops at 4096 bits)"),
	DH("modp8192", 18, CR_F_MODP, 1024,
	    "modp8192 is not supported (BearSSL's modular exponentiation stops at 4096 bits)"),
	DH("ecp192", 25, CR_F_ECP, 48,
	    "ecp192 is not supported (not provided by BearSSL)"),
	DH("ecp224", 26, CR_F_ECP, 56,
	    "ecp224 is not supported (not provided by BearSSL)"),
	DH("brainpool224", 27, CR_F_ECP, 56,
	    "brainpool224 is not supported (not provided by BearSSL)"),
	DH("brainpool256", 28, CR_F_ECP, 64,
	    "brainpool256 is not supported (not provided by BearSSL)"),
	DH("brainpool384", 29, CR_F_ECP, 96,
	    "brainpool384 is not supported (not provided by BearSSL)"),
	DH("brainpool512", 30, CR_F_ECP, 128,
	    "brainpool512 is not supported (not provided by BearSSL)"),
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* see alg.h */
const struct cr_alg *
cr_alg_by_name(int type, const char *name)
{
	for (const struct cr_alg *a = cr_algs; a->name; a++) {
		if (a->type == type && strcmp(a->name, name) == 0) {
			return a;
		}
	}
	return NULL;
}

/* see alg.h */
const struct cr_alg *
cr_alg_by_id(int type, uint16_t id, uint16_t key_bits)
{
	for (const struct cr_alg *a = cr_algs; a->name; a++) {
		if (a->type == type && a->id == id && a->key_bits == key_bits &&
		    a->refused == NULL) {
			return a;
		}
	}
	return NULL;
}

/* see alg.h */
const char *
cr_type_name(int type)
{
	switch (type) {
	case CR_ENCR:
		return "encryption";
	case CR_PRF:
		return "prf";
	case CR_INTEG:
		return "integrity";
	case CR_DH:
		return "group";
	}
	return "?";
}
