/*
 * ref.c - the straightforward way to do a MODP exponentiation with
 * BearSSL's public API, br_rsa_i62_public(), kept as a reference: the unit
 * tests check dh.c against it and `make bench` measures what dh.c gains
 * over it (see kat.h).
 */
#include <errno.h>
#include <string.h>

#include "crypto/cr_int.h"
#include "crypto/kat.h"

/* see kat.h */
int
cr_ref_modpow(const struct cr_alg *group, const uint8_t *base,
    const uint8_t *e, size_t elen, uint8_t *out)
{
	br_rsa_public pub = br_rsa_i62_public_get();
	br_rsa_public_key k;
	size_t plen;
	const uint8_t *p = cr_dh_modp_prime(group, &plen);

	if (p == NULL) {
		return -EINVAL;
	}
	if (pub == 0) {
		pub = &br_rsa_i31_public;	/* no 64-bit multiplier */
	}
	/* x^e mod n with n = p and e = the DH secret: an "RSA" operation. */
	k.n = (unsigned char *)(uintptr_t)p;
	k.nlen = plen;
	k.e = (unsigned char *)(uintptr_t)e;
	k.elen = elen;
	memcpy(out, base, plen);
	return pub(out, plen, &k) == 1 ? 0 : -EINVAL;
}
