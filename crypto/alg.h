/*
 * alg.h - the table of IKEv2/ESP transforms ikebox knows by name.
 *
 * One table serves the configuration checker (names, what is refused and
 * why), the proposal code (RFC 7296 3.3.2 transform IDs and key lengths) and
 * the crypto layer (sizes).  Names follow iked.conf(5) so that imported
 * configurations keep theirs.  This header includes no BearSSL.
 */
#ifndef IKEBOX_CRYPTO_ALG_H
#define IKEBOX_CRYPTO_ALG_H

#include <stddef.h>
#include <stdint.h>

/* Transform types, RFC 7296 3.3.2. */
enum cr_type {
	CR_ENCR = 1,
	CR_PRF = 2,
	CR_INTEG = 3,
	CR_DH = 4,
};

#define CR_F_AEAD 0x01	/* combined-mode cipher: no INTEG transform */
#define CR_F_MODP 0x02	/* DH: MODP group (RFC 3526) */
#define CR_F_ECP 0x04	/* DH: NIST curve, x||y encoding (RFC 5903) */
#define CR_F_X25519 0x08	/* DH: Curve25519 (RFC 8031) */

struct cr_alg {
	const char *name;	/* as in the config: "aes-256", "modp4096" */
	uint8_t type;		/* enum cr_type */
	uint8_t flags;		/* CR_F_* */
	uint16_t id;		/* RFC 7296 3.3.2 / IANA transform ID */
	uint16_t key_bits;	/* ENCR: Key Length attribute; 0 = none sent */
	uint16_t key_len;	/* bytes of keying material (GCM/ChaCha: +4 salt) */
	uint16_t out_len;	/* PRF output, INTEG/AEAD ICV, DH public value */
	uint16_t iv_len;	/* ENCR: IV carried in each message */
	const char *refused;	/* NULL if usable; else why it is refused */
};

/* The table, terminated by a zero entry (name == NULL). */
extern const struct cr_alg cr_algs[];

/*
 * Finds a transform of the given type by its config name (exact match).
 * Returns NULL when the name is unknown; a known but refused transform is
 * returned with ->refused set, so callers can say why.
 */
const struct cr_alg *cr_alg_by_name(int type, const char *name);

/*
 * Finds a usable transform by wire ID and Key Length attribute (0 when the
 * attribute is absent).  Returns NULL for unknown or refused transforms.
 */
const struct cr_alg *cr_alg_by_id(int type, uint16_t id, uint16_t key_bits);

/* "encryption", "prf", "integrity", "group" */
const char *cr_type_name(int type);

#endif
