/*
 * prf.c - PRF, prf+, the IKEv2 key schedule and integrity (see cr.h).
 *
 * Every PRF and integrity transform ikebox accepts is an HMAC (RFC 2104)
 * over SHA-1 or SHA-2; the truncations are RFC 2404 (96 bits) and RFC 4868
 * 2.3 (half the hash).  Inputs come as lists of pieces so that callers
 * never build "Ni | Nr | SPIi | SPIr" in a buffer of their own.
 */
#include <errno.h>
#include <string.h>

#include "crypto/cr_int.h"

/* HMAC(key, parts) truncated to outlen (0 = full length); 0 or -EINVAL. */
static int
cr_hmac(const br_hash_class *h, const uint8_t *key, size_t klen,
    const struct cr_iov *parts, size_t nparts, uint8_t *out, size_t outlen)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	size_t want = outlen ? outlen
	    : (size_t)((h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK);
	size_t got;

	br_hmac_key_init(&kc, h, key, klen);
	br_hmac_init(&hc, &kc, outlen);
	for (size_t i = 0; i < nparts; i++) {
		br_hmac_update(&hc, parts[i].p, parts[i].len);
	}
	got = br_hmac_out(&hc, out);
	cr_wipe(&kc, sizeof(kc));
	cr_wipe(&hc, sizeof(hc));
	return got == want ? 0 : -EINVAL;
}

/* see cr.h */
int
cr_sha1(const struct cr_iov *parts, size_t nparts, uint8_t out[CR_SHA1_LEN])
{
	br_sha1_context c;

	br_sha1_init(&c);
	for (size_t i = 0; i < nparts; i++) {
		br_sha1_update(&c, parts[i].p, parts[i].len);
	}
	br_sha1_out(&c, out);
	return 0;
}

/* see cr.h */
int
cr_prf(const struct cr_alg *prf, const uint8_t *key, size_t klen,
    const struct cr_iov *parts, size_t nparts, uint8_t *out)
{
	const br_hash_class *h = prf && prf->type == CR_PRF ? cr_hash_of(prf)
							    : NULL;

	if (h == NULL) {
		return -EINVAL;
	}
	return cr_hmac(h, key, klen, parts, nparts, out, 0);
}

/* see cr.h */
int
cr_prfplus(const struct cr_alg *prf, const uint8_t *key, size_t klen,
    const struct cr_iov *parts, size_t nparts, uint8_t *out, size_t outlen)
{
	const br_hash_class *h = prf && prf->type == CR_PRF ? cr_hash_of(prf)
							    : NULL;
	struct cr_iov in[8 + 2];
	uint8_t t[CR_PRF_MAX];
	uint8_t n;
	size_t done = 0, tlen;

	if (h == NULL || nparts > 8 || outlen > 255u * prf->out_len) {
		return -EINVAL;
	}
	tlen = prf->out_len;
	/* RFC 7296 2.13: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). */
	for (n = 1; done < outlen; n++) {
		size_t k = 0;
		if (n > 1) {
			in[k++] = (struct cr_iov){ t, tlen };
		}
		for (size_t i = 0; i < nparts; i++) {
			in[k++] = parts[i];
		}
		in[k++] = (struct cr_iov){ &n, 1 };
		if (cr_hmac(h, key, klen, in, k, t, 0) != 0) {
			cr_wipe(t, sizeof(t));
			return -EINVAL;
		}
		size_t take = outlen - done < tlen ? outlen - done : tlen;
		memcpy(out + done, t, take);
		done += take;
	}
	cr_wipe(t, sizeof(t));
	return 0;
}

/* see cr.h */
int
cr_skeyseed(const struct cr_alg *prf, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len,
    uint8_t *skeyseed)
{
	uint8_t key[2 * 256];	/* nonces are at most 256 bytes (RFC 7296 3.9) */
	struct cr_iov d = { gir, gir_len };
	int rc;

	if (ni_len + nr_len > sizeof(key)) {
		return -EINVAL;
	}
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	rc = cr_prf(prf, key, ni_len + nr_len, &d, 1, skeyseed);
	cr_wipe(key, ni_len + nr_len);
	return rc;
}

/* see cr.h */
int
cr_skeyseed_rekey(const struct cr_alg *prf, const uint8_t *sk_d,
    size_t d_len, const uint8_t *gir, size_t gir_len, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *skeyseed)
{
	struct cr_iov d[3] = {
		{ gir, gir_len }, { ni, ni_len }, { nr, nr_len }
	};

	return cr_prf(prf, sk_d, d_len, d, 3, skeyseed);
}

/* Checks an encr/integ pair; 0 or -EINVAL. */
static int
cr_check_pair(const struct cr_alg *encr, const struct cr_alg *integ)
{
	if (encr == NULL || encr->type != CR_ENCR || encr->refused) {
		return -EINVAL;
	}
	if (encr->flags & CR_F_AEAD) {
		return integ == NULL ? 0 : -EINVAL;
	}
	return cr_hash_of(integ) && integ->type == CR_INTEG ? 0 : -EINVAL;
}

/* see cr.h */
int
cr_ike_keys(const struct cr_alg *prf, const struct cr_alg *encr,
    const struct cr_alg *integ, const uint8_t *skeyseed, const uint8_t *ni,
    size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
    const uint8_t spi_r[8], struct cr_ike_keys *k)
{
	uint8_t km[3 * CR_PRF_MAX + 2 * CR_INTEG_KEY_MAX + 2 * CR_ENC_KEY_MAX];
	struct cr_iov s[4] = {
		{ ni, ni_len }, { nr, nr_len }, { spi_i, 8 }, { spi_r, 8 }
	};
	uint8_t *pi = k->sk_pi, *pr = k->sk_pr;	/* the caller's */
	size_t total, off = 0;
	int rc;

	if (prf == NULL || prf->type != CR_PRF || cr_check_pair(encr, integ)) {
		return -EINVAL;
	}
	memset(k, 0, sizeof(*k));
	k->sk_pi = pi;
	k->sk_pr = pr;
	k->d_len = k->p_len = prf->key_len;
	k->a_len = integ ? integ->key_len : 0;
	k->e_len = encr->key_len;
	total = 3u * k->d_len + 2u * k->a_len + 2u * k->e_len;
	rc = cr_prfplus(prf, skeyseed, prf->out_len, s, 4, km, total);
	if (rc == 0) {
		/* RFC 7296 2.14: SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr */
		memcpy(k->sk_d, km + off, k->d_len), off += k->d_len;
		memcpy(k->sk_ai, km + off, k->a_len), off += k->a_len;
		memcpy(k->sk_ar, km + off, k->a_len), off += k->a_len;
		memcpy(k->sk_ei, km + off, k->e_len), off += k->e_len;
		memcpy(k->sk_er, km + off, k->e_len), off += k->e_len;
		if (pi != NULL && pr != NULL) {
			memcpy(pi, km + off, k->p_len);
			memcpy(pr, km + off + k->p_len, k->p_len);
		}
	}
	cr_wipe(km, sizeof(km));
	return rc;
}

/* see cr.h */
int
cr_child_keys(const struct cr_alg *prf, const uint8_t *sk_d, size_t d_len,
    const struct cr_alg *encr, const struct cr_alg *integ,
    const uint8_t *gir, size_t gir_len, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, struct cr_child_keys *k)
{
	uint8_t km[2 * CR_INTEG_KEY_MAX + 2 * CR_ENC_KEY_MAX];
	struct cr_iov s[3] = {
		{ gir, gir_len }, { ni, ni_len }, { nr, nr_len }
	};
	size_t off = 0;
	int rc;

	if (prf == NULL || prf->type != CR_PRF || cr_check_pair(encr, integ)) {
		return -EINVAL;
	}
	memset(k, 0, sizeof(*k));
	k->e_len = encr->key_len;
	k->a_len = integ ? integ->key_len : 0;
	/* Without PFS the g^ir piece is empty (gir_len 0). */
	rc = cr_prfplus(prf, sk_d, d_len, s, 3, km,
	    2u * k->e_len + 2u * k->a_len);
	if (rc == 0) {
		/* RFC 7296 2.17: encr_i, integ_i, encr_r, integ_r. */
		memcpy(k->encr_i, km + off, k->e_len), off += k->e_len;
		memcpy(k->integ_i, km + off, k->a_len), off += k->a_len;
		memcpy(k->encr_r, km + off, k->e_len), off += k->e_len;
		memcpy(k->integ_r, km + off, k->a_len);
	}
	cr_wipe(km, sizeof(km));
	return rc;
}

/* see cr.h */
void
cr_ike_keys_wipe(struct cr_ike_keys *k)
{
	if (k->sk_pi != NULL) {
		cr_wipe(k->sk_pi, CR_PRF_MAX);
	}
	if (k->sk_pr != NULL) {
		cr_wipe(k->sk_pr, CR_PRF_MAX);
	}
	cr_wipe(k, sizeof(*k));
}

/* see cr.h */
void
cr_child_keys_wipe(struct cr_child_keys *k)
{
	cr_wipe(k, sizeof(*k));
}

/* see cr.h */
int
cr_integ(const struct cr_alg *integ, const uint8_t *key,
    const struct cr_iov *parts, size_t nparts, uint8_t *icv)
{
	const br_hash_class *h = integ && integ->type == CR_INTEG
	    ? cr_hash_of(integ) : NULL;

	if (h == NULL) {
		return -EINVAL;
	}
	return cr_hmac(h, key, integ->key_len, parts, nparts, icv,
	    integ->out_len);
}
