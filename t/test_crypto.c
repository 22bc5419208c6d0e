/*
 * test_crypto.c - the crypto layer (crypto/cr.h) against known answers:
 * HMAC (RFC 2202, RFC 4231, RFC 4868), AES-CBC (RFC 3602), AES-GCM (the
 * GCM spec's test cases), ChaCha20-Poly1305 (RFC 8439), prf+ and the key
 * schedule (RFC 7296 2.13-2.18) recomputed here from cr_prf and against
 * Python's hmac (crypto/kat.py), SK messages built by Python's
 * cryptography package, and SK round trips and tampering for every
 * encryption/integrity pair.  Vectors: crypto/kat.c (shared with
 * `ikebox --selftest`).
 */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/cr.h"
#include "crypto/cr_int.h"
#include "crypto/kat.h"
#include "crypto/selftest.h"
#include "t/harness/t.h"

#define BUF 600

static size_t
hex(uint8_t *out, const char *h)
{
	return cr_kat_unhex(out, BUF, h);
}

T_CASE(crypto, mac_vectors)
{
	uint8_t key[BUF], data[BUF], want[BUF], out[CR_PRF_MAX];

	for (const struct cr_kat_mac *v = cr_kat_macs; v->src; v++) {
		const struct cr_alg *a = cr_alg_by_name(v->type, v->alg);
		T_ROW("%s %s %s", cr_type_name(v->type), v->alg, v->src);
		T_ASSERT(a != NULL);
		if (a == NULL) {
			continue;
		}
		size_t kl = hex(key, v->key), dl = hex(data, v->data);
		size_t wl = hex(want, v->out);
		struct cr_iov one = { data, dl };
		T_EQ_INT(wl, a->out_len);
		memset(out, 0, sizeof(out));
		if (v->type == CR_PRF) {
			T_EQ_INT(cr_prf(a, key, kl, &one, 1, out), 0);
		} else {
			T_EQ_INT(kl, a->key_len);
			T_EQ_INT(cr_integ(a, key, &one, 1, out), 0);
		}
		T_EQ_MEM(out, want, wl);
		/* Byte-sized pieces give the same answer. */
		struct cr_iov bytes[64];
		size_t n = dl < 64 ? dl : 64;
		for (size_t i = 0; i < n; i++) {
			bytes[i] = (struct cr_iov){ data + i, i + 1 < n ? 1 :
				dl - i };
		}
		memset(out, 0, sizeof(out));
		if (v->type == CR_PRF) {
			T_EQ_INT(cr_prf(a, key, kl, bytes, n, out), 0);
		} else {
			T_EQ_INT(cr_integ(a, key, bytes, n, out), 0);
		}
		T_EQ_MEM(out, want, wl);
	}
}

T_CASE(crypto, prf_rejects_wrong_type)
{
	uint8_t out[CR_PRF_MAX];
	struct cr_iov d = { "x", 1 };

	T_EQ_INT(cr_prf(cr_alg_by_name(CR_INTEG, "hmac-sha1"), out, 4, &d, 1,
	    out), -EINVAL);
	T_EQ_INT(cr_prf(cr_alg_by_name(CR_PRF, "hmac-md5"), out, 4, &d, 1,
	    out), -EINVAL);
	T_EQ_INT(cr_integ(cr_alg_by_name(CR_PRF, "hmac-sha1"), out, &d, 1,
	    out), -EINVAL);
	T_EQ_INT(cr_prf(NULL, out, 4, &d, 1, out), -EINVAL);
}

/* prf+ recomputed from cr_prf per RFC 7296 2.13, at awkward lengths. */
T_CASE(crypto, prfplus_rfc7296_2_13)
{
	static const char *prfs[] = { "hmac-sha1", "hmac-sha2-256",
		"hmac-sha2-384", "hmac-sha2-512" };
	uint8_t key[40], s1[33], s2[7], got[BUF], want[BUF + CR_PRF_MAX];

	for (size_t i = 0; i < sizeof(key); i++) {
		key[i] = (uint8_t)(i * 3);
	}
	memset(s1, 0x5a, sizeof(s1));
	memset(s2, 0xa5, sizeof(s2));
	for (size_t p = 0; p < 4; p++) {
		const struct cr_alg *a = cr_alg_by_name(CR_PRF, prfs[p]);
		size_t lens[] = { 1, a->out_len, a->out_len + 1,
			3u * a->out_len + 5, BUF };
		/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
		size_t have = 0;
		for (uint8_t n = 1; have < BUF; n++) {
			struct cr_iov in[4];
			size_t k = 0;
			if (n > 1) {
				in[k++] = (struct cr_iov){ want + have -
					a->out_len, a->out_len };
			}
			in[k++] = (struct cr_iov){ s1, sizeof(s1) };
			in[k++] = (struct cr_iov){ s2, sizeof(s2) };
			in[k++] = (struct cr_iov){ &n, 1 };
			cr_prf(a, key, sizeof(key), in, k, want + have);
			have += a->out_len;
		}
		for (size_t l = 0; l < 5; l++) {
			struct cr_iov s[2] = { { s1, sizeof(s1) },
				{ s2, sizeof(s2) } };
			T_ROW("%s %zu bytes", prfs[p], lens[l]);
			memset(got, 0, sizeof(got));
			T_EQ_INT(cr_prfplus(a, key, sizeof(key), s, 2, got,
			    lens[l]), 0);
			T_EQ_MEM(got, want, lens[l]);
		}
		T_ROW("%s over 255 blocks refused", prfs[p]);
		struct cr_iov s = { s1, 1 };
		T_EQ_INT(cr_prfplus(a, key, sizeof(key), &s, 1, got,
		    255u * a->out_len + 1), -EINVAL);
	}
}

/* Key schedule rows: SKEYSEED, the SK_* split, rekey, CHILD KEYMAT. */
T_CASE(crypto, key_schedule_vectors)
{
	uint8_t ni[64], nr[64], spii[8], spir[8], gir[256], seed[CR_PRF_MAX];
	uint8_t km[BUF], w[BUF], skp[2 * CR_PRF_MAX];
	size_t nil = hex(ni, cr_kat_ks_ni), nrl = hex(nr, cr_kat_ks_nr);
	size_t gl = hex(gir, cr_kat_ks_gir);
	struct cr_ike_keys k = { 0 };
	struct cr_child_keys c;

	hex(spii, cr_kat_ks_spii);
	hex(spir, cr_kat_ks_spir);
	for (const struct cr_kat_keys *v = cr_kat_keys; v->prf; v++) {
		const struct cr_alg *p = cr_alg_by_name(CR_PRF, v->prf);
		const struct cr_alg *e = cr_alg_by_name(CR_ENCR, v->encr);
		const struct cr_alg *i = v->integ ?
		    cr_alg_by_name(CR_INTEG, v->integ) : NULL;
		size_t off = 0;

		T_ROW("%s %s %s", v->prf, v->encr, v->integ ? v->integ : "-");
		T_EQ_INT(cr_skeyseed(p, ni, nil, nr, nrl, gir, gl, seed), 0);
		hex(w, v->skeyseed);
		T_EQ_MEM(seed, w, p->out_len);
		/* SK_pi and SK_pr where the caller keeps them */
		k.sk_pi = skp;
		k.sk_pr = skp + CR_PRF_MAX;
		T_EQ_INT(cr_ike_keys(p, e, i, seed, ni, nil, nr, nrl, spii,
		    spir, &k), 0);
		T_ASSERT(k.sk_pi == skp && k.sk_pr == skp + CR_PRF_MAX);
		hex(km, v->keymat);
		T_EQ_INT(k.d_len, p->out_len);
		T_EQ_INT(k.p_len, p->out_len);
		T_EQ_INT(k.a_len, i ? i->key_len : 0);
		T_EQ_INT(k.e_len, e->key_len);
		T_EQ_MEM(k.sk_d, km + off, k.d_len);
		off += k.d_len;
		T_EQ_MEM(k.sk_ai, km + off, k.a_len);
		off += k.a_len;
		T_EQ_MEM(k.sk_ar, km + off, k.a_len);
		off += k.a_len;
		T_EQ_MEM(k.sk_ei, km + off, k.e_len);
		off += k.e_len;
		T_EQ_MEM(k.sk_er, km + off, k.e_len);
		off += k.e_len;
		T_EQ_MEM(k.sk_pi, km + off, k.p_len);
		off += k.p_len;
		T_EQ_MEM(k.sk_pr, km + off, k.p_len);
		T_EQ_INT(cr_skeyseed_rekey(p, k.sk_d, k.d_len, gir, gl, ni,
		    nil, nr, nrl, seed), 0);
		hex(w, v->rekey);
		T_EQ_MEM(seed, w, p->out_len);
		for (int pfs = 0; pfs < 2; pfs++) {
			T_EQ_INT(cr_child_keys(p, k.sk_d, k.d_len, e, i,
			    pfs ? gir : NULL, pfs ? gl : 0, ni, nil, nr, nrl,
			    &c), 0);
			hex(km, pfs ? v->child_pfs : v->child);
			off = 0;
			T_EQ_MEM(c.encr_i, km + off, c.e_len);
		off += c.e_len;
			T_EQ_MEM(c.integ_i, km + off, c.a_len);
		off += c.a_len;
			T_EQ_MEM(c.encr_r, km + off, c.e_len);
		off += c.e_len;
			T_EQ_MEM(c.integ_r, km + off, c.a_len);
		}
		cr_ike_keys_wipe(&k);
		T_EQ_INT(k.d_len, 0);
		T_ASSERT(k.sk_d[0] == 0 && k.sk_pi == NULL && k.sk_pr == NULL);
		T_ASSERT(skp[0] == 0 && skp[2 * CR_PRF_MAX - 1] == 0);
	}
	T_ROW("AEAD with an integrity transform refused");
	T_EQ_INT(cr_ike_keys(cr_alg_by_name(CR_PRF, "hmac-sha1"),
	    cr_alg_by_name(CR_ENCR, "aes-128-gcm"),
	    cr_alg_by_name(CR_INTEG, "hmac-sha1"), seed, ni, 8, nr, 8, spii,
	    spir, &k), -EINVAL);
	T_ROW("CBC without an integrity transform refused");
	T_EQ_INT(cr_ike_keys(cr_alg_by_name(CR_PRF, "hmac-sha1"),
	    cr_alg_by_name(CR_ENCR, "aes-128"), NULL, seed, ni, 8, nr, 8, spii,
	    spir, &k), -EINVAL);
}

/* Cipher vectors through the fast and the portable implementations. */
T_CASE(crypto, cipher_vectors)
{
	uint8_t key[64], iv[16], aad[64], pt[BUF], ct[BUF], buf[BUF], tag[16];
	uint8_t wtag[16];

	for (int port = 0; port < 2; port++) {
		cr_force_portable(port);
		for (const struct cr_kat_cipher *v = cr_kat_ciphers; v->src;
		    v++) {
			const struct cr_alg *a = cr_alg_by_name(CR_ENCR,
			    v->alg);
			T_ROW("%s (%s) %s", v->alg, cr_impl_name(a), v->src);
			size_t kl = hex(key, v->key), al = hex(aad, v->aad);
			size_t pl = hex(pt, v->pt);
			hex(iv, v->iv);
			T_EQ_INT(hex(ct, v->ct), pl);
			T_EQ_INT(kl, a->key_len);
			memcpy(buf, pt, pl);
			T_EQ_INT(cr_encr_raw(a, key, iv, aad, al, buf, pl, tag,
			    1), 0);
			T_EQ_MEM(buf, ct, pl);
			if (a->flags & CR_F_AEAD) {
				T_EQ_INT(hex(wtag, v->tag), a->out_len);
				T_EQ_MEM(tag, wtag, a->out_len);
			}
			T_EQ_INT(cr_encr_raw(a, key, iv, aad, al, buf, pl, tag,
			    0), 0);
			T_EQ_MEM(buf, pt, pl);
		}
	}
	cr_force_portable(0);
}

/* Messages protected by Python's cryptography package open here. */
T_CASE(crypto, sk_open_independent_messages)
{
	uint8_t ek[64], ak[64], msg[BUF], inner[BUF];

	for (const struct cr_kat_sk *v = cr_kat_sks; v->encr; v++) {
		const struct cr_alg *e = cr_alg_by_name(CR_ENCR, v->encr);
		const struct cr_alg *i = v->integ ?
		    cr_alg_by_name(CR_INTEG, v->integ) : NULL;
		const uint8_t *p;
		size_t pl;

		T_ROW("%s %s", v->encr, v->integ ? v->integ : "");
		hex(ek, v->ekey);
		hex(ak, v->akey);
		size_t ml = hex(msg, v->msg), il = hex(inner, v->inner);
		T_EQ_INT(v->aad_len + cr_sk_body_len(e, i, il), ml);
		T_EQ_INT(cr_sk_open(e, i, ek, ak, msg, v->aad_len, ml, &p, &pl),
		    0);
		T_EQ_INT(pl, il);
		T_ASSERT(p == msg + v->aad_len + e->iv_len);
		if (p != NULL) {
			T_EQ_MEM(p, inner, il);
		}
	}
}

/* Every usable encr, with every integ for CBC. */
struct combo {
	const struct cr_alg *e, *i;
};

static size_t
combos(struct combo *c)
{
	size_t n = 0;

	for (const struct cr_alg *e = cr_algs; e->name; e++) {
		if (e->type != CR_ENCR || e->refused) {
			continue;
		}
		if (e->flags & CR_F_AEAD) {
			c[n++] = (struct combo){ e, NULL };
			continue;
		}
		for (const struct cr_alg *i = cr_algs; i->name; i++) {
			if (i->type == CR_INTEG && !i->refused) {
				c[n++] = (struct combo){ e, i };
			}
		}
	}
	return n;
}

/* Seals text into msg with a 32-byte fake IKE+SK header; returns total. */
static size_t
seal(const struct combo *c, const uint8_t *ek, const uint8_t *ak,
    uint8_t *msg, const uint8_t *text, size_t len)
{
	size_t total = 32 + cr_sk_body_len(c->e, c->i, len);

	for (size_t k = 0; k < 32; k++) {
		msg[k] = (uint8_t)(0x40 + k);
	}
	memcpy(msg + 32 + c->e->iv_len, text, len);
	T_EQ_INT(cr_sk_seal(c->e, c->i, ek, ak, msg, 32, len), 0);
	return total;
}

T_CASE(crypto, sk_round_trip_every_pair)
{
	struct combo c[32];
	size_t n = combos(c);
	uint8_t ek[CR_ENC_KEY_MAX], ak[CR_INTEG_KEY_MAX], text[200], msg[BUF];
	static const size_t lens[] = { 0, 1, 15, 16, 17, 100, 200 };

	T_ASSERT(n == 3 * 4 + 6);
	cr_rand(text, sizeof(text));
	for (size_t k = 0; k < n; k++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			const uint8_t *p;
			size_t pl, total, body;

			T_ROW("%s %s %zu bytes", c[k].e->name,
			    c[k].i ? c[k].i->name : "", lens[l]);
			cr_rand(ek, sizeof(ek));
			cr_rand(ak, sizeof(ak));
			total = seal(&c[k], ek, ak, msg, text, lens[l]);
			body = total - 32 - c[k].e->iv_len -
			    (c[k].i ? c[k].i->out_len : c[k].e->out_len);
			if (c[k].i) {
				/* RFC 3602: whole blocks, at least a pad byte */
				T_EQ_INT(body % 16, 0);
				T_ASSERT(body >= lens[l] + 1 &&
				    body <= lens[l] + 16);
			} else {
				T_EQ_INT(body, lens[l] + 1);
			}
			/* The plaintext is no longer there in the clear. */
			if (lens[l] >= 16) {
				T_ASSERT(memcmp(msg + 32 + c[k].e->iv_len,
				    text, 16) != 0);
			}
			T_EQ_INT(cr_sk_open(c[k].e, c[k].i, ek, ak, msg, 32,
			    total, &p, &pl), 0);
			T_EQ_INT(pl, lens[l]);
			if (p != NULL) {
				T_EQ_MEM(p, text, lens[l]);
			}
		}
	}
}

T_CASE(crypto, sk_two_seals_differ)
{
	struct combo c[32];
	size_t n = combos(c);
	uint8_t ek[CR_ENC_KEY_MAX] = { 1 }, ak[CR_INTEG_KEY_MAX] = { 2 };
	uint8_t m1[BUF], m2[BUF];

	for (size_t k = 0; k < n; k++) {
		T_ROW("%s %s", c[k].e->name, c[k].i ? c[k].i->name : "");
		size_t t = seal(&c[k], ek, ak, m1, (const uint8_t *)"same", 4);
		seal(&c[k], ek, ak, m2, (const uint8_t *)"same", 4);
		/* Fresh random IV each time (RFC 3602 / RFC 5282 IV rules). */
		T_ASSERT(memcmp(m1 + 32, m2 + 32, c[k].e->iv_len) != 0);
		T_ASSERT(memcmp(m1, m2, t) != 0);
	}
}

/* Any single flipped bit anywhere in the message is refused. */
T_CASE(crypto, sk_tamper_every_bit)
{
	struct combo c[32];
	size_t n = combos(c);
	uint8_t ek[CR_ENC_KEY_MAX], ak[CR_INTEG_KEY_MAX], good[BUF], msg[BUF];

	for (size_t k = 0; k < n; k++) {
		const uint8_t *p;
		size_t pl, total, refused = 0, bits;

		T_ROW("%s %s", c[k].e->name, c[k].i ? c[k].i->name : "");
		cr_rand(ek, sizeof(ek));
		cr_rand(ak, sizeof(ak));
		total = seal(&c[k], ek, ak, good,
		    (const uint8_t *)"twenty bytes of text", 20);
		bits = total * 8;
		for (size_t b = 0; b < bits; b++) {
			memcpy(msg, good, total);
			msg[b / 8] ^= (uint8_t)(1u << (b % 8));
			p = (const uint8_t *)"x";
			pl = 99;
			if (cr_sk_open(c[k].e, c[k].i, ek, ak, msg, 32, total,
			    &p, &pl) == -EBADMSG && p == NULL && pl == 0) {
				refused++;
			}
		}
		T_EQ_INT(refused, bits);
		/* A refused message is left as it came. */
		memcpy(msg, good, total);
		msg[total / 2] ^= 0x10;
		T_EQ_INT(cr_sk_open(c[k].e, c[k].i, ek, ak, msg, 32, total,
		    &p, &pl), -EBADMSG);
		msg[total / 2] ^= 0x10;
		T_EQ_MEM(msg, good, total);
		/* Truncated, or with a wrong key: refused too. */
		memcpy(msg, good, total);
		T_EQ_INT(cr_sk_open(c[k].e, c[k].i, ek, ak, msg, 32, total - 1,
		    &p, &pl), -EBADMSG);
		T_EQ_INT(cr_sk_open(c[k].e, c[k].i, ek, ak, msg, 32, 33, &p,
		    &pl), -EBADMSG);
		ek[0] ^= 1;
		ak[0] ^= 1;
		T_EQ_INT(cr_sk_open(c[k].e, c[k].i, ek, ak, msg, 32, total,
		    &p, &pl), -EBADMSG);
	}
}

/* An authentic message whose pad length exceeds the ciphertext. */
T_CASE(crypto, sk_bad_pad_length_refused)
{
	const struct cr_alg *e = cr_alg_by_name(CR_ENCR, "aes-128");
	const struct cr_alg *i = cr_alg_by_name(CR_INTEG, "hmac-sha1");
	uint8_t ek[16] = { 7 }, ak[20] = { 9 }, msg[128], tag[16];
	const uint8_t *p;
	size_t pl;

	memset(msg, 0x33, sizeof(msg));
	msg[32 + 16 + 31] = 40;	/* pad length 40 in a 32-byte ciphertext */
	T_EQ_INT(cr_encr_raw(e, ek, msg + 32, NULL, 0, msg + 48, 32, tag, 1),
	    0);
	struct cr_iov all = { msg, 32 + 16 + 32 };
	T_EQ_INT(cr_integ(i, ak, &all, 1, msg + 80), 0);
	T_EQ_INT(cr_sk_open(e, i, ek, ak, msg, 32, 92, &p, &pl), -EBADMSG);
	T_ASSERT(p == NULL);
	/* Same with pad length 31: all padding, an empty payload list. */
	memset(msg, 0x33, sizeof(msg));
	msg[32 + 16 + 31] = 31;
	cr_encr_raw(e, ek, msg + 32, NULL, 0, msg + 48, 32, tag, 1);
	cr_integ(i, ak, &all, 1, msg + 80);
	T_EQ_INT(cr_sk_open(e, i, ek, ak, msg, 32, 92, &p, &pl), 0);
	T_EQ_INT(pl, 0);
}

T_CASE(crypto, sk_bad_arguments)
{
	uint8_t k[64] = { 0 }, msg[BUF] = { 0 };
	const uint8_t *p;
	size_t pl;
	const struct cr_alg *gcm = cr_alg_by_name(CR_ENCR, "aes-128-gcm");
	const struct cr_alg *cbc = cr_alg_by_name(CR_ENCR, "aes-128");
	const struct cr_alg *sha = cr_alg_by_name(CR_INTEG, "hmac-sha1");

	T_EQ_INT(cr_sk_body_len(gcm, sha, 10), 0);
	T_EQ_INT(cr_sk_body_len(cbc, NULL, 10), 0);
	T_EQ_INT(cr_sk_body_len(cr_alg_by_name(CR_ENCR, "3des"), sha, 10), 0);
	T_EQ_INT(cr_sk_body_len(cbc, sha, 10), 16 + 16 + 12);
	T_EQ_INT(cr_sk_body_len(gcm, NULL, 10), 8 + 11 + 16);
	T_EQ_INT(cr_sk_seal(gcm, sha, k, k, msg, 32, 10), -EINVAL);
	T_EQ_INT(cr_sk_seal(cbc, NULL, k, k, msg, 32, 10), -EINVAL);
	T_EQ_INT(cr_sk_open(gcm, sha, k, k, msg, 32, 100, &p, &pl), -EINVAL);
}

T_CASE(crypto, ct_eq_and_wipe)
{
	uint8_t a[32], b[32];

	memset(a, 0xab, sizeof(a));
	memcpy(b, a, sizeof(b));
	T_EQ_INT(cr_ct_eq(a, b, 32), 1);
	T_EQ_INT(cr_ct_eq(a, b, 0), 1);
	for (size_t i = 0; i < 32 * 8; i++) {
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
		T_EQ_INT(cr_ct_eq(a, b, 32), 0);
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	cr_wipe(a, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++) {
		T_EQ_INT(a[i], 0);
	}
}

T_CASE(crypto, rand_differs_and_reseeds_after_fork)
{
	uint8_t a[32], b[32], child[32];
	int fd[2];
	pid_t pid;

	T_EQ_INT(cr_rand(a, sizeof(a)), 0);
	T_EQ_INT(cr_rand(b, sizeof(b)), 0);
	T_ASSERT(memcmp(a, b, sizeof(a)) != 0);
	/* A forked child must not replay the parent's next bytes. */
	T_EQ_INT(pipe(fd), 0);
	pid = fork();
	if (pid == 0) {
		cr_rand(child, sizeof(child));
		_exit(write(fd[1], child, sizeof(child)) == sizeof(child) ?
		    0 : 1);
	}
	T_ASSERT(pid > 0);
	cr_rand(a, sizeof(a));
	T_EQ_INT(read(fd[0], child, sizeof(child)), sizeof(child));
	waitpid(pid, NULL, 0);
	close(fd[0]);
	close(fd[1]);
	T_ASSERT(memcmp(a, child, sizeof(a)) != 0);
	/* Past CR_RAND_RESEED bytes it keeps going. */
	static uint8_t big[CR_RAND_RESEED / 4];
	for (int i = 0; i < 5; i++) {
		T_EQ_INT(cr_rand(big, sizeof(big)), 0);
	}
}

T_CASE(crypto, selftest_passes)
{
	char out[4096];
	FILE *f = fmemopen(out, sizeof(out), "w");

	T_EQ_INT(cr_selftest(f, 1), 0);
	fclose(f);
	T_CONTAINS(out, "ok   group modp4096");
	T_CONTAINS(out, " 0 failed");
}

/*
 * crypto/impl.c keeps the fast implementations it fetched once: each
 * pick is BearSSL's own choice for this CPU, and cr_force_portable()
 * still switches to the portable ones and back however often it is
 * called after the first pick.
 */
T_CASE(crypto, impl_pick_cached_and_forced)
{
	for (int round = 0; round < 3; round++) {
		const br_block_ctr_class *ctr = br_aes_x86ni_ctr_get_vtable();
		br_ghash gh = br_ghash_pclmul_get();
		br_chacha20_run cc = br_chacha20_sse2_get();
		br_poly1305_run po = br_poly1305_ctmulq_get();
		const br_block_cbcenc_class *ce =
		    br_aes_x86ni_cbcenc_get_vtable();
		const br_block_cbcdec_class *cd =
		    br_aes_x86ni_cbcdec_get_vtable();

		T_ROW("round %d", round);
		cr_force_portable(0);
		T_ASSERT(cr_pick_ctr() ==
		    (ctr ? ctr : &br_aes_ct64_ctr_vtable));
		T_ASSERT(cr_pick_ghash() == (gh ? gh : &br_ghash_ctmul64));
		T_ASSERT(cr_pick_chacha20() == (cc ? cc : &br_chacha20_ct_run));
		T_ASSERT(cr_pick_poly1305() ==
		    (po ? po : &br_poly1305_ctmul_run));
		T_ASSERT(cr_pick_cbcenc() ==
		    (ce ? ce : &br_aes_ct64_cbcenc_vtable));
		T_ASSERT(cr_pick_cbcdec() ==
		    (cd ? cd : &br_aes_ct64_cbcdec_vtable));
		cr_force_portable(1);
		T_ASSERT(cr_pick_ctr() == &br_aes_ct64_ctr_vtable);
		T_ASSERT(cr_pick_ghash() == &br_ghash_ctmul64);
		T_ASSERT(cr_pick_chacha20() == &br_chacha20_ct_run);
		T_ASSERT(cr_pick_poly1305() == &br_poly1305_ctmul_run);
		T_ASSERT(cr_pick_cbcenc() == &br_aes_ct64_cbcenc_vtable);
		T_ASSERT(cr_pick_cbcdec() == &br_aes_ct64_cbcdec_vtable);
		T_EQ_STR(cr_impl_name(cr_alg_by_name(CR_ENCR, "aes-128")),
		    "ct64");
	}
	cr_force_portable(0);
}

/* SHA-1 for NAT detection (RFC 7296 2.23): FIPS 180-2 appendix A.1 and
 * A.2, the message given in pieces as the engine gives SPIs|IP|port. */
T_CASE(crypto, sha1_fips180)
{
	static const struct {
		const char *msg, *hex;
	} v[] = {
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t want[CR_SHA1_LEN], out[CR_SHA1_LEN];
		size_t n = strlen(v[i].msg);
		struct cr_iov iov[3] = { { v[i].msg, 1 },
		    { v[i].msg + 1, n / 2 }, { v[i].msg + 1 + n / 2,
		    n - 1 - n / 2 } };

		T_ROW("%s", v[i].msg);
		hex(want, v[i].hex);
		T_EQ_INT(cr_sha1(iov, 3, out), 0);
		T_EQ_MEM(out, want, CR_SHA1_LEN);
	}
}
