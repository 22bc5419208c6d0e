/*
 * selftest.c - `ikebox --selftest`: the known-answer vectors of kat.c run
 * through the crypto layer on the machine at hand (see selftest.h).
 *
 * One line per usable transform of cr_algs[]; a transform with no vector
 * fails, so adding one to alg.c without a test cannot pass unnoticed.
 * Ciphers run with the fast implementations (when the CPU has them) and
 * with the portable constant-time ones, since a router may pick either.
 * Beyond the vectors: SK seal/open round trips with a flipped bit refused,
 * DH agreement with fresh random keys, and a bad public value refused.
 */
#include <errno.h>
#include <string.h>

#include "crypto/cr.h"
#include "crypto/kat.h"
#include "crypto/selftest.h"

#define ST_BUF 600

/* see kat.h */
size_t
cr_kat_unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = strlen(hex) / 2;

	if (n > cap) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			char c = hex[2 * i + j];
			v <<= 4;
			if (c >= '0' && c <= '9') {
				v |= (unsigned)(c - '0');
			} else if (c >= 'a' && c <= 'f') {
				v |= (unsigned)(c - 'a' + 10);
			} else if (c >= 'A' && c <= 'F') {
				v |= (unsigned)(c - 'A' + 10);
			}
		}
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Decodes and compares: 1 if buf[0..n) equals hex. */
static int
st_same(const uint8_t *buf, size_t n, const char *hex)
{
	uint8_t want[ST_BUF];
	size_t wn = cr_kat_unhex(want, sizeof(want), hex);

	return wn == n && memcmp(buf, want, n) == 0;
}

/* Counts rows run and failed for one transform; names the first failure. */
struct st_res {
	int rows, bad;
	const char *why;
};

static void
st_row(struct st_res *r, int good, const char *src)
{
	r->rows++;
	if (!good) {
		if (r->bad++ == 0) {
			r->why = src;
		}
	}
}

static void
st_mac(const struct cr_alg *a, struct st_res *r)
{
	uint8_t key[ST_BUF], data[ST_BUF], out[CR_PRF_MAX];

	for (const struct cr_kat_mac *v = cr_kat_macs; v->src; v++) {
		if (v->type != a->type || strcmp(v->alg, a->name) != 0) {
			continue;
		}
		size_t kl = cr_kat_unhex(key, sizeof(key), v->key);
		size_t dl = cr_kat_unhex(data, sizeof(data), v->data);
		struct cr_iov d[2] = { { data, dl / 2 }, { data + dl / 2,
			dl - dl / 2 } };
		int rc;

		/* Two pieces: the iov path must equal one buffer. */
		if (a->type == CR_PRF) {
			rc = cr_prf(a, key, kl, d, 2, out);
		} else {
			rc = kl == a->key_len ? cr_integ(a, key, d, 2, out)
					      : -EINVAL;
		}
		st_row(r, rc == 0 && st_same(out, a->out_len, v->out), v->src);
	}
}

/* Concatenates the IKE keys in prf+ order. */
static size_t
st_ike_cat(const struct cr_ike_keys *k, uint8_t *o)
{
	size_t n = 0;

	memcpy(o + n, k->sk_d, k->d_len), n += k->d_len;
	memcpy(o + n, k->sk_ai, k->a_len), n += k->a_len;
	memcpy(o + n, k->sk_ar, k->a_len), n += k->a_len;
	memcpy(o + n, k->sk_ei, k->e_len), n += k->e_len;
	memcpy(o + n, k->sk_er, k->e_len), n += k->e_len;
	memcpy(o + n, k->sk_pi, k->p_len), n += k->p_len;
	memcpy(o + n, k->sk_pr, k->p_len), n += k->p_len;
	return n;
}

static size_t
st_child_cat(const struct cr_child_keys *k, uint8_t *o)
{
	size_t n = 0;

	memcpy(o + n, k->encr_i, k->e_len), n += k->e_len;
	memcpy(o + n, k->integ_i, k->a_len), n += k->a_len;
	memcpy(o + n, k->encr_r, k->e_len), n += k->e_len;
	memcpy(o + n, k->integ_r, k->a_len), n += k->a_len;
	return n;
}

/* The key schedule rows that use prf a (RFC 7296 2.13-2.18). */
static void
st_keys(const struct cr_alg *a, struct st_res *r)
{
	uint8_t ni[64], nr[64], spii[8], spir[8], gir[256];
	uint8_t seed[CR_PRF_MAX], cat[ST_BUF];
	size_t nil = cr_kat_unhex(ni, sizeof(ni), cr_kat_ks_ni);
	size_t nrl = cr_kat_unhex(nr, sizeof(nr), cr_kat_ks_nr);
	size_t gl = cr_kat_unhex(gir, sizeof(gir), cr_kat_ks_gir);
	uint8_t skp[2 * CR_PRF_MAX];
	struct cr_ike_keys ik;
	struct cr_child_keys ck;

	cr_kat_unhex(spii, sizeof(spii), cr_kat_ks_spii);
	cr_kat_unhex(spir, sizeof(spir), cr_kat_ks_spir);
	for (const struct cr_kat_keys *v = cr_kat_keys; v->prf; v++) {
		const struct cr_alg *e = cr_alg_by_name(CR_ENCR, v->encr);
		const struct cr_alg *i = v->integ
		    ? cr_alg_by_name(CR_INTEG, v->integ) : NULL;
		int good;

		if (strcmp(v->prf, a->name) != 0) {
			continue;
		}
		good = cr_skeyseed(a, ni, nil, nr, nrl, gir, gl, seed) == 0 &&
		    st_same(seed, a->out_len, v->skeyseed);
		st_row(r, good, "RFC 7296 2.14 SKEYSEED (kat.py)");
		ik.sk_pi = skp;		/* cr_ike_keys_wipe() forgets them */
		ik.sk_pr = skp + CR_PRF_MAX;
		good = cr_ike_keys(a, e, i, seed, ni, nil, nr, nrl, spii, spir,
		    &ik) == 0 && st_same(cat, st_ike_cat(&ik, cat), v->keymat);
		st_row(r, good, "RFC 7296 2.14 SK_* split (kat.py)");
		good = cr_skeyseed_rekey(a, ik.sk_d, ik.d_len, gir, gl, ni,
		    nil, nr, nrl, seed) == 0 &&
		    st_same(seed, a->out_len, v->rekey);
		st_row(r, good, "RFC 7296 2.18 rekey SKEYSEED (kat.py)");
		good = cr_child_keys(a, ik.sk_d, ik.d_len, e, i, NULL, 0, ni,
		    nil, nr, nrl, &ck) == 0 &&
		    st_same(cat, st_child_cat(&ck, cat), v->child);
		st_row(r, good, "RFC 7296 2.17 KEYMAT (kat.py)");
		good = cr_child_keys(a, ik.sk_d, ik.d_len, e, i, gir, gl, ni,
		    nil, nr, nrl, &ck) == 0 &&
		    st_same(cat, st_child_cat(&ck, cat), v->child_pfs);
		st_row(r, good, "RFC 7296 2.17 KEYMAT with PFS (kat.py)");
		cr_ike_keys_wipe(&ik);
		cr_child_keys_wipe(&ck);
	}
}

/* Cipher vectors in both directions, with the current implementation. */
static void
st_cipher(const struct cr_alg *a, struct st_res *r)
{
	uint8_t key[64], iv[16], aad[64], pt[ST_BUF], buf[ST_BUF], tag[16];

	for (const struct cr_kat_cipher *v = cr_kat_ciphers; v->src; v++) {
		if (strcmp(v->alg, a->name) != 0) {
			continue;
		}
		size_t kl = cr_kat_unhex(key, sizeof(key), v->key);
		size_t al = cr_kat_unhex(aad, sizeof(aad), v->aad);
		size_t pl = cr_kat_unhex(pt, sizeof(pt), v->pt);
		int good = kl == a->key_len;

		cr_kat_unhex(iv, sizeof(iv), v->iv);
		memcpy(buf, pt, pl);
		good = good && cr_encr_raw(a, key, iv, aad, al, buf, pl, tag,
		    1) == 0 && st_same(buf, pl, v->ct);
		if (a->flags & CR_F_AEAD) {
			good = good && st_same(tag, a->out_len, v->tag);
		}
		good = good && cr_encr_raw(a, key, iv, aad, al, buf, pl, tag,
		    0) == 0 && memcmp(buf, pt, pl) == 0;
		st_row(r, good, v->src);
	}
}

/* Independent SK messages open; our own seal/open round trip; tampering. */
static void
st_sk(const struct cr_alg *a, struct st_res *r)
{
	uint8_t ek[64], ak[64], msg[ST_BUF], inner[ST_BUF];

	for (const struct cr_kat_sk *v = cr_kat_sks; v->encr; v++) {
		const struct cr_alg *i = v->integ
		    ? cr_alg_by_name(CR_INTEG, v->integ) : NULL;
		const uint8_t *p;
		size_t pl;

		if (strcmp(v->encr, a->name) != 0) {
			continue;
		}
		cr_kat_unhex(ek, sizeof(ek), v->ekey);
		cr_kat_unhex(ak, sizeof(ak), v->akey);
		size_t ml = cr_kat_unhex(msg, sizeof(msg), v->msg);
		size_t il = cr_kat_unhex(inner, sizeof(inner), v->inner);
		int good = cr_sk_open(a, i, ek, ak, msg, v->aad_len, ml, &p,
		    &pl) == 0 && pl == il && memcmp(p, inner, il) == 0;
		st_row(r, good, "RFC 7296 3.14 SK message (kat.py)");
	}

	/* Round trip with fresh keys and a flipped bit anywhere refused. */
	const struct cr_alg *integ = (a->flags & CR_F_AEAD) ? NULL
	    : cr_alg_by_name(CR_INTEG, "hmac-sha2-256");
	static const char text[] = "inner payloads, 37 bytes of them....";
	size_t aad = 32, plen = sizeof(text);
	size_t total = aad + cr_sk_body_len(a, integ, plen);
	const uint8_t *p;
	size_t pl;
	int good = total > aad && total <= sizeof(msg) &&
	    cr_rand(ek, sizeof(ek)) == 0 && cr_rand(ak, sizeof(ak)) == 0;

	if (good) {
		memset(msg, 0x11, aad);
		memcpy(msg + aad + a->iv_len, text, plen);
		good = cr_sk_seal(a, integ, ek, ak, msg, aad, plen) == 0;
		memcpy(inner, msg, total);
		good = good && cr_sk_open(a, integ, ek, ak, msg, aad, total,
		    &p, &pl) == 0 && pl == plen && memcmp(p, text, plen) == 0;
	}
	st_row(r, good, "SK seal/open round trip");
	/* One flipped bit per byte position (bit chosen by position). */
	good = 1;
	for (size_t k = 0; good && k < total; k++) {
		memcpy(msg, inner, total);
		msg[k] ^= (uint8_t)(1u << (k % 8));
		good = cr_sk_open(a, integ, ek, ak, msg, aad, total, &p, &pl) ==
		    -EBADMSG && p == NULL;
	}
	st_row(r, good, "SK tampered message refused");
}

static void
st_encr(const struct cr_alg *a, struct st_res *r)
{
	cr_force_portable(1);
	st_cipher(a, r);
	st_sk(a, r);
	cr_force_portable(0);
	st_cipher(a, r);
	st_sk(a, r);
}

/* DH vectors both ways, X25519 multiplications, random agreement. */
static void
st_dh(const struct cr_alg *a, struct st_res *r)
{
	uint8_t x[80], y[80], pub[CR_DH_PUB_MAX], pub2[CR_DH_PUB_MAX];
	uint8_t s1[CR_DH_SHARED_MAX], s2[CR_DH_SHARED_MAX];
	struct cr_dh d1, d2;
	size_t pl, pl2, sl, sl2;
	int good;

	for (const struct cr_kat_dh *v = cr_kat_dhs; v->src; v++) {
		if (strcmp(v->group, a->name) != 0) {
			continue;
		}
		size_t xl = cr_kat_unhex(x, sizeof(x), v->i);
		size_t yl = cr_kat_unhex(y, sizeof(y), v->r);
		good = cr_dh_keygen_from(&d1, a, x, xl, pub, &pl) == 0 &&
		    st_same(pub, pl, v->gi) &&
		    cr_dh_keygen_from(&d2, a, y, yl, pub2, &pl2) == 0 &&
		    st_same(pub2, pl2, v->gr) &&
		    cr_dh_shared(&d1, pub2, pl2, s1, &sl) == 0 &&
		    st_same(s1, sl, v->gir) &&
		    cr_dh_shared(&d2, pub, pl, s2, &sl2) == 0 &&
		    st_same(s2, sl2, v->gir);
		st_row(r, good, v->src);
	}
	if (a->flags & CR_F_X25519) {
		for (const struct cr_kat_x25519 *v = cr_kat_x25519s; v->src;
		    v++) {
			cr_kat_unhex(x, sizeof(x), v->scalar);
			cr_kat_unhex(y, sizeof(y), v->u);
			good = cr_dh_keygen_from(&d1, a, x, 32, pub, &pl) ==
			    0 && cr_dh_shared(&d1, y, 32, s1, &sl) == 0 &&
			    st_same(s1, sl, v->out);
			st_row(r, good, v->src);
		}
	}
	good = cr_dh_keygen(&d1, a, pub, &pl) == 0 &&
	    cr_dh_keygen(&d2, a, pub2, &pl2) == 0 &&
	    cr_dh_shared(&d1, pub2, pl2, s1, &sl) == 0 &&
	    cr_dh_shared(&d2, pub, pl, s2, &sl2) == 0 && sl == sl2 &&
	    memcmp(s1, s2, sl) == 0 && memcmp(pub, pub2, pl) != 0;
	st_row(r, good, "random key agreement");
	/* An all-zero value: y = 0 (MODP), (0,0) (ECP), u = 0 (X25519). */
	memset(pub2, 0, sizeof(pub2));
	good = cr_dh_shared(&d1, pub2, a->out_len, s1, &sl) == -EBADMSG &&
	    cr_dh_shared(&d1, pub, a->out_len - 1, s1, &sl) == -EBADMSG;
	st_row(r, good, "bad public value refused");
	cr_dh_wipe(&d1);
	cr_dh_wipe(&d2);
	cr_wipe(s1, sizeof(s1));
	cr_wipe(s2, sizeof(s2));
}

/* see selftest.h */
int
cr_selftest(FILE *out, int verbose)
{
	int pass = 0, fail = 0;
	uint8_t r1[32], r2[32];
	struct st_res rr = { 0, 0, NULL };

	st_row(&rr, cr_rand(r1, sizeof(r1)) == 0 &&
	    cr_rand(r2, sizeof(r2)) == 0 && memcmp(r1, r2, 32) != 0,
	    "two draws differ");
	fprintf(out, "%s random hmac-drbg-sha256 (getrandom)\n",
	    rr.bad ? "FAIL" : "ok  ");
	rr.bad ? fail++ : pass++;

	for (const struct cr_alg *a = cr_algs; a->name; a++) {
		struct st_res r = { 0, 0, NULL };

		if (a->refused) {
			continue;
		}
		switch (a->type) {
		case CR_PRF:
			st_mac(a, &r);
			st_keys(a, &r);
			break;
		case CR_INTEG:
			st_mac(a, &r);
			break;
		case CR_ENCR:
			st_encr(a, &r);
			break;
		case CR_DH:
			st_dh(a, &r);
			break;
		}
		if (r.rows == 0) {
			r.bad = 1;
			r.why = "no known-answer vector";
		}
		fprintf(out, "%s %s %s (%s)", r.bad ? "FAIL" : "ok  ",
		    cr_type_name(a->type), a->name, cr_impl_name(a));
		if (r.bad) {
			fprintf(out, ": %d of %d checks failed, first: %s",
			    r.bad, r.rows, r.why);
		} else if (verbose) {
			fprintf(out, ": %d checks", r.rows);
		}
		fputc('\n', out);
		r.bad ? fail++ : pass++;
	}
	if (verbose) {
		cr_force_portable(1);
		fprintf(out, "portable fallbacks: aes %s, gcm %s, chacha %s\n",
		    cr_impl_name(cr_alg_by_name(CR_ENCR, "aes-256")),
		    cr_impl_name(cr_alg_by_name(CR_ENCR, "aes-256-gcm")),
		    cr_impl_name(cr_alg_by_name(CR_ENCR,
		    "chacha20-poly1305")));
		cr_force_portable(0);
	}
	fprintf(out, "selftest: %d passed, %d failed\n", pass, fail);
	return fail == 0 ? 0 : -1;
}
