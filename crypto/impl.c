/*
 * impl.c - picks BearSSL implementations (see cr_int.h, cr.h).
 *
 * BearSSL's defaults are portable; the AES-NI, PCLMUL, SSE2 and 64x64
 * multiplier versions must be fetched explicitly and return NULL where the
 * CPU (or the build) lacks them.  The fallbacks are BearSSL's constant-time
 * ones (ct64 AES, ctmul64 GHASH, ct ChaCha20, ctmul Poly1305), never the
 * table-based AES.
 */
#include "crypto/cr_int.h"
#include "crypto/p256.h"

static int cr_portable;

/*
 * The fast implementations, fetched once.  BearSSL's getters ask the CPU
 * (CPUID) on every call, which is slow (a trap under most hypervisors)
 * and was ~5-16% of the simulation's CPU when done per message.  The CPU
 * does not change under a running process, so the answer is kept; the
 * portable ones are constants.  ikebox is single-threaded; two threads
 * filling this at once would write the same values.
 */
static struct {
	int done;
	const br_block_cbcenc_class *cbcenc;
	const br_block_cbcdec_class *cbcdec;
	const br_block_ctr_class *ctr;
	br_ghash ghash;
	br_chacha20_run chacha20;
	br_poly1305_run poly1305;
} cr_fast;

static void
cr_fast_init(void)
{
	if (cr_fast.done) {
		return;
	}
	cr_fast.cbcenc = br_aes_x86ni_cbcenc_get_vtable();
	if (cr_fast.cbcenc == NULL) {
		cr_fast.cbcenc = &br_aes_ct64_cbcenc_vtable;
	}
	cr_fast.cbcdec = br_aes_x86ni_cbcdec_get_vtable();
	if (cr_fast.cbcdec == NULL) {
		cr_fast.cbcdec = &br_aes_ct64_cbcdec_vtable;
	}
	cr_fast.ctr = br_aes_x86ni_ctr_get_vtable();
	if (cr_fast.ctr == NULL) {
		cr_fast.ctr = &br_aes_ct64_ctr_vtable;
	}
	cr_fast.ghash = br_ghash_pclmul_get();
	if (cr_fast.ghash == 0) {
		cr_fast.ghash = &br_ghash_ctmul64;
	}
	cr_fast.chacha20 = br_chacha20_sse2_get();
	if (cr_fast.chacha20 == 0) {
		cr_fast.chacha20 = &br_chacha20_ct_run;
	}
	cr_fast.poly1305 = br_poly1305_ctmulq_get();
	if (cr_fast.poly1305 == 0) {
		cr_fast.poly1305 = &br_poly1305_ctmul_run;
	}
	cr_fast.done = 1;
}

/* see cr.h */
void
cr_force_portable(int on)
{
	cr_portable = on;
}

/* see cr_int.h */
const br_block_cbcenc_class *
cr_pick_cbcenc(void)
{
	if (cr_portable) {
		return &br_aes_ct64_cbcenc_vtable;
	}
	cr_fast_init();
	return cr_fast.cbcenc;
}

/* see cr_int.h */
const br_block_cbcdec_class *
cr_pick_cbcdec(void)
{
	if (cr_portable) {
		return &br_aes_ct64_cbcdec_vtable;
	}
	cr_fast_init();
	return cr_fast.cbcdec;
}

/* see cr_int.h */
const br_block_ctr_class *
cr_pick_ctr(void)
{
	if (cr_portable) {
		return &br_aes_ct64_ctr_vtable;
	}
	cr_fast_init();
	return cr_fast.ctr;
}

/* see cr_int.h */
br_ghash
cr_pick_ghash(void)
{
	if (cr_portable) {
		return &br_ghash_ctmul64;
	}
	cr_fast_init();
	return cr_fast.ghash;
}

/* see cr_int.h */
br_chacha20_run
cr_pick_chacha20(void)
{
	if (cr_portable) {
		return &br_chacha20_ct_run;
	}
	cr_fast_init();
	return cr_fast.chacha20;
}

/* see cr_int.h */
br_poly1305_run
cr_pick_poly1305(void)
{
	if (cr_portable) {
		return &br_poly1305_ctmul_run;
	}
	cr_fast_init();
	return cr_fast.poly1305;
}

/* see cr_int.h */
const br_hash_class *
cr_hash_of(const struct cr_alg *a)
{
	if (a == NULL || a->refused != NULL ||
	    (a->type != CR_PRF && a->type != CR_INTEG)) {
		return NULL;
	}
	/* HMAC key length = hash output length for every HMAC we accept. */
	switch (a->key_len) {
	case 20:
		return &br_sha1_vtable;
	case 32:
		return &br_sha256_vtable;
	case 48:
		return &br_sha384_vtable;
	case 64:
		return &br_sha512_vtable;
	}
	return NULL;
}

/* see cr.h */
const char *
cr_impl_name(const struct cr_alg *a)
{
	int aes_ni = cr_pick_ctr() != &br_aes_ct64_ctr_vtable;

	if (a == NULL) {
		return "?";
	}
	switch (a->type) {
	case CR_ENCR:
		if (a->id == 28) {
			int sse2 = cr_pick_chacha20() != &br_chacha20_ct_run;
			int q = cr_pick_poly1305() != &br_poly1305_ctmul_run;
			return sse2 ? (q ? "sse2+ctmulq" : "sse2+ctmul")
				    : (q ? "ct+ctmulq" : "ct+ctmul");
		}
		if (a->flags & CR_F_AEAD) {
			int pcl = cr_pick_ghash() != &br_ghash_ctmul64;
			return aes_ni ? (pcl ? "x86ni+pclmul" : "x86ni+ctmul64")
				      : (pcl ? "ct64+pclmul" : "ct64+ctmul64");
		}
		return aes_ni ? "x86ni" : "ct64";
	case CR_PRF:
	case CR_INTEG:
		return "hmac";
	case CR_DH:
		if (a->flags & CR_F_MODP) {
			return br_rsa_i62_public_get() ? "i62" : "i31";
		}
#ifdef CR_P256_64
		if (a->id == 19) {
			return "p256_64";	/* crypto/p256_64.c */
		}
		if (a->flags & CR_F_X25519) {
			return "c25519_64";	/* crypto/x25519_64.c */
		}
		return "prime_i31";	/* cr_ec()'s choice for the others */
#else
		/*
		 * What br_ec_all_m31 / br_ec_all_m15 dispatch to (builds
		 * without __int128).  Compared with m31: naming &br_ec_all_m15
		 * would link all the m15 code (35 KB) into ikebox for nothing.
		 */
		if (br_ec_get_default() == &br_ec_all_m31) {
			return (a->flags & CR_F_X25519) ? "c25519_m31"
			    : a->id == 19 ? "p256_m31" : "prime_i31";
		}
		return (a->flags & CR_F_X25519) ? "c25519_m15"
		    : a->id == 19 ? "p256_m15" : "prime_i15";
#endif
	}
	return "?";
}
