/*
 * sk.c - the Encrypted (SK) payload, RFC 7296 3.14 (see cr.h).
 *
 * Layout after the 4-byte generic header: IV | E(payloads | padding |
 * pad length) | ICV.  AES-CBC (RFC 3602) pads to 16 bytes and takes its
 * ICV from the integrity transform over the whole message up to the end of
 * the ciphertext.  AES-GCM (RFC 5282) and ChaCha20-Poly1305 (RFC 7634) use
 * nonce = salt (last 4 bytes of the key material) | 8-byte IV, AAD = IKE
 * header through the SK generic header, and need no padding; we send none.
 */
#include <errno.h>
#include <string.h>

#include "crypto/cr_int.h"
#include "crypto/kat.h"

#define CR_CBC_BLOCK 16
#define CR_ID_CHACHA 28	/* ENCR_CHACHA20_POLY1305, RFC 7634 */

/* Bytes of ICV at the end of the SK body. */
static size_t
cr_icv_len(const struct cr_alg *encr, const struct cr_alg *integ)
{
	return (encr->flags & CR_F_AEAD) ? encr->out_len : integ->out_len;
}

/* 0 when encr/integ are a usable pair for SK. */
static int
cr_sk_check(const struct cr_alg *encr, const struct cr_alg *integ)
{
	if (encr == NULL || encr->type != CR_ENCR || encr->refused) {
		return -EINVAL;
	}
	if (encr->flags & CR_F_AEAD) {
		return integ == NULL ? 0 : -EINVAL;
	}
	if (integ == NULL || integ->type != CR_INTEG || !cr_hash_of(integ) ||
	    encr->iv_len != CR_CBC_BLOCK) {
		return -EINVAL;
	}
	return 0;
}

/* see cr.h */
size_t
cr_sk_body_len(const struct cr_alg *encr, const struct cr_alg *integ,
    size_t plain_len)
{
	size_t ct;

	if (cr_sk_check(encr, integ) != 0) {
		return 0;
	}
	ct = plain_len + 1;
	if (!(encr->flags & CR_F_AEAD)) {
		ct = (ct + CR_CBC_BLOCK - 1) / CR_CBC_BLOCK * CR_CBC_BLOCK;
	}
	return encr->iv_len + ct + cr_icv_len(encr, integ);
}

/*
 * AEAD over data[0..len) in place; tag receives the full 16-byte tag.
 * encrypt: 1 to encrypt, 0 to decrypt.
 */
static void
cr_aead_run(const struct cr_alg *encr, const uint8_t *ekey,
    const uint8_t *iv, const uint8_t *aad, size_t aad_len, uint8_t *data,
    size_t len, uint8_t tag[16], int encrypt)
{
	size_t klen = encr->key_len - 4;
	uint8_t nonce[12];

	memcpy(nonce, ekey + klen, 4);	/* RFC 5282 4 / RFC 7634 2 */
	memcpy(nonce + 4, iv, 8);
	if (encr->id == CR_ID_CHACHA) {
		cr_pick_poly1305()(ekey, nonce, data, len, aad, aad_len, tag,
		    cr_pick_chacha20(), encrypt);
	} else {
		union cr_aes_ctr ctr;
		br_gcm_context g;

		ctr.vtable = cr_pick_ctr();
		ctr.vtable->init(&ctr.vtable, ekey, klen);
		br_gcm_init(&g, &ctr.vtable, cr_pick_ghash());
		br_gcm_reset(&g, nonce, sizeof(nonce));
		br_gcm_aad_inject(&g, aad, aad_len);
		br_gcm_flip(&g);
		br_gcm_run(&g, encrypt, data, len);
		br_gcm_get_tag(&g, tag);
		cr_wipe(&g, sizeof(g));
		cr_wipe(&ctr, sizeof(ctr));
	}
	cr_wipe(nonce, sizeof(nonce));
}

/* see cr.h */
int
cr_sk_seal(const struct cr_alg *encr, const struct cr_alg *integ,
    const uint8_t *ekey, const uint8_t *akey, uint8_t *msg, size_t aad_len,
    size_t plain_len)
{
	size_t body = cr_sk_body_len(encr, integ, plain_len);
	size_t icv_len, ct_len, pad;
	uint8_t *iv, *ct;
	int rc;

	if (body == 0 || aad_len < CR_SK_HDR_LEN) {
		return -EINVAL;
	}
	icv_len = cr_icv_len(encr, integ);
	ct_len = body - encr->iv_len - icv_len;
	pad = ct_len - plain_len - 1;
	iv = msg + aad_len;
	ct = iv + encr->iv_len;
	/* RFC 7296 3.14: padding may hold any value; zeros leak nothing. */
	memset(ct + plain_len, 0, pad);
	ct[ct_len - 1] = (uint8_t)pad;
	rc = cr_rand(iv, encr->iv_len);
	if (rc != 0) {
		return rc;
	}
	if (encr->flags & CR_F_AEAD) {
		uint8_t tag[16];

		cr_aead_run(encr, ekey, iv, msg, aad_len, ct, ct_len, tag, 1);
		/* GCM-12 sends the leftmost 12 bytes (RFC 4106 6). */
		memcpy(ct + ct_len, tag, icv_len);
	} else {
		union cr_aes_cbcenc c;
		uint8_t ivw[CR_CBC_BLOCK];
		struct cr_iov all = { msg, aad_len + encr->iv_len + ct_len };

		memcpy(ivw, iv, sizeof(ivw));	/* run() overwrites its IV */
		c.vtable = cr_pick_cbcenc();
		c.vtable->init(&c.vtable, ekey, encr->key_len);
		c.vtable->run(&c.vtable, ivw, ct, ct_len);
		cr_wipe(&c, sizeof(c));
		rc = cr_integ(integ, akey, &all, 1, ct + ct_len);
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

/* see cr.h */
int
cr_sk_open(const struct cr_alg *encr, const struct cr_alg *integ,
    const uint8_t *ekey, const uint8_t *akey, uint8_t *msg, size_t aad_len,
    size_t total_len, const uint8_t **plain, size_t *plain_len)
{
	size_t icv_len, ct_len, pad;
	uint8_t *iv, *ct, *icv;

	*plain = NULL;
	*plain_len = 0;
	if (cr_sk_check(encr, integ) != 0) {
		return -EINVAL;
	}
	icv_len = cr_icv_len(encr, integ);
	if (aad_len < CR_SK_HDR_LEN ||
	    total_len < aad_len + encr->iv_len + icv_len + 1) {
		return -EBADMSG;
	}
	iv = msg + aad_len;
	ct = iv + encr->iv_len;
	ct_len = total_len - aad_len - encr->iv_len - icv_len;
	icv = ct + ct_len;
	if (encr->flags & CR_F_AEAD) {
		uint8_t tag[16];
		int good;

		cr_aead_run(encr, ekey, iv, msg, aad_len, ct, ct_len, tag, 0);
		good = cr_ct_eq(tag, icv, icv_len);
		cr_wipe(tag, sizeof(tag));
		if (good != 1) {
			/*
			 * Both AEADs are counter mode: running the keystream
			 * again restores the ciphertext, so a forged message
			 * leaves the buffer as it came (and no unauthenticated
			 * plaintext behind).
			 */
			cr_aead_run(encr, ekey, iv, msg, aad_len, ct, ct_len,
			    tag, 1);
			cr_wipe(tag, sizeof(tag));
			return -EBADMSG;
		}
	} else {
		uint8_t want[CR_ICV_MAX];
		struct cr_iov all = { msg, aad_len + encr->iv_len + ct_len };
		union cr_aes_cbcdec c;
		uint8_t ivw[CR_CBC_BLOCK];
		int good;

		if (ct_len % CR_CBC_BLOCK != 0) {
			return -EBADMSG;
		}
		/* Integrity first, in constant time (RFC 7296 3.14). */
		if (cr_integ(integ, akey, &all, 1, want) != 0) {
			return -EINVAL;
		}
		good = cr_ct_eq(want, icv, icv_len);
		if (good != 1) {
			return -EBADMSG;
		}
		c.vtable = cr_pick_cbcdec();
		c.vtable->init(&c.vtable, ekey, encr->key_len);
		memcpy(ivw, iv, sizeof(ivw));	/* run() overwrites its IV */
		c.vtable->run(&c.vtable, ivw, ct, ct_len);
		cr_wipe(&c, sizeof(c));
	}
	pad = ct[ct_len - 1];
	if (pad + 1 > ct_len) {
		cr_wipe(ct, ct_len);
		return -EBADMSG;
	}
	*plain = ct;
	*plain_len = ct_len - pad - 1;
	return 0;
}

/* see kat.h */
int
cr_encr_raw(const struct cr_alg *encr, const uint8_t *key,
    const uint8_t *iv, const uint8_t *aad, size_t aad_len, uint8_t *data,
    size_t len, uint8_t tag[16], int encrypt)
{
	uint8_t ivw[CR_CBC_BLOCK];

	if (encr == NULL || encr->type != CR_ENCR || encr->refused) {
		return -EINVAL;
	}
	if (encr->flags & CR_F_AEAD) {
		cr_aead_run(encr, key, iv, aad, aad_len, data, len, tag,
		    encrypt);
		return 0;
	}
	if (len % CR_CBC_BLOCK != 0 || encr->iv_len != CR_CBC_BLOCK) {
		return -EINVAL;
	}
	memcpy(ivw, iv, sizeof(ivw));
	if (encrypt) {
		union cr_aes_cbcenc c;

		c.vtable = cr_pick_cbcenc();
		c.vtable->init(&c.vtable, key, encr->key_len);
		c.vtable->run(&c.vtable, ivw, data, len);
		cr_wipe(&c, sizeof(c));
	} else {
		union cr_aes_cbcdec c;

		c.vtable = cr_pick_cbcdec();
		c.vtable->init(&c.vtable, key, encr->key_len);
		c.vtable->run(&c.vtable, ivw, data, len);
		cr_wipe(&c, sizeof(c));
	}
	return 0;
}
