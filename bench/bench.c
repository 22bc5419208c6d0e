/*
 * bench.c - `make bench`: crypto figures for the machine at hand.
 *
 * Prints Diffie-Hellman operations per second (one keygen plus one shared
 * secret: what each side of an IKE_SA_INIT costs), the MODP-4096 figure of
 * BearSSL's public br_rsa_i62_public() used naively for comparison, MB/s
 * of every cipher and integrity transform on 1400-byte packets (fast and
 * portable implementations), and the time of a full IKE key derivation
 * (SKEYSEED + the seven SK_* keys); first, the size of the ikebox
 * binary.  It measures; it never fails on a clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <bearssl.h>

#include "bench/bench.h"
#include "crypto/cr.h"
#include "crypto/kat.h"
#include "crypto/p256.h"

#define BENCH_SECS 0.4
#define PKT 1400

/* see bench.h */
double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs fn until BENCH_SECS have passed (at least 3 times); returns ops/s. */
static double
bench_run(void (*fn)(void *), void *arg)
{
	double t0 = bench_now(), t;
	long n = 0;

	do {
		fn(arg);
		n++;
		t = bench_now() - t0;
	} while (t < BENCH_SECS || n < 3);
	return (double)n / t;
}

static void
bench_dh(void *arg)
{
	const struct cr_alg *g = arg;
	static uint8_t pub[CR_DH_PUB_MAX], peer[CR_DH_PUB_MAX];
	static uint8_t s[CR_DH_SHARED_MAX];
	static const struct cr_alg *peer_g;
	struct cr_dh d;
	size_t pl, sl;

	if (peer_g != g) {	/* a valid peer value, made once */
		cr_dh_keygen(&d, g, peer, &pl);
		peer_g = g;
	}
	cr_dh_keygen(&d, g, pub, &pl);
	cr_dh_shared(&d, peer, g->out_len, s, &sl);
	cr_dh_wipe(&d);
}

/* One elliptic-curve operation of an implementation (BearSSL's or
 * ikebox's): mulgen (the public value from a secret: key generation) or
 * mul (the shared secret from the peer's point). */
struct bench_curve {
	const br_ec_impl *ec;
	int curve;		/* BR_EC_secp256r1 or BR_EC_curve25519 */
	int gen;
};

static void
bench_curve_op(void *arg)
{
	const struct bench_curve *b = arg;
	int p256 = b->curve == BR_EC_secp256r1;
	static uint8_t xs[2][32] = { { 0x77, 0x07, 0x6d, 0x0a },
	    { 0x51, 0x1f, 0x22 } }, qs[2][65];
	static size_t qlens[2];
	uint8_t *x = xs[p256], out[65];

	if (qlens[p256] == 0) {	/* a valid peer point, made once */
		if (p256) {
			x[31] = 7;
		}
		qlens[p256] = (p256 ? &br_ec_p256_m31 :
		    &br_ec_c25519_m31)->mulgen(qs[p256], x, 32, b->curve);
	}
	x[5]++;		/* a new secret each time, as a keygen has */
	if (b->gen) {
		(void)b->ec->mulgen(out, x, 32, b->curve);
	} else {
		memcpy(out, qs[p256], qlens[p256]);
		(void)b->ec->mul(out, qlens[p256], x, 32, b->curve);
	}
}

struct bench_impl {
	const char *name;
	const br_ec_impl *ec;
};

/* mulgen/s, mul/s and DH/s (one of each) of every implementation of
 * curve, and each against the first; returns the share of mulgen in
 * the DH time of the one named ours (0: not there). */
static double
bench_curve_table(int curve, const struct bench_impl *impls, size_t n,
    const char *ours)
{
	double base = 0, share = 0;

	printf("  %-12s %12s %12s %12s %10s\n", "impl", "mulgen/s",
	    "mul/s", "DH/s", "vs m31");
	for (size_t i = 0; i < n; i++) {
		struct bench_curve bg = { impls[i].ec, curve, 1 };
		struct bench_curve bm = { impls[i].ec, curve, 0 };
		double g = bench_run(bench_curve_op, &bg);
		double m = bench_run(bench_curve_op, &bm);
		double dh = 1 / (1 / g + 1 / m);

		if (i == 0) {
			base = dh;
		}
		printf("  %-12s %12.1f %12.1f %12.1f %9.2fx\n",
		    impls[i].name, g, m, dh, dh / base);
		if (strcmp(impls[i].name, ours) == 0) {
			share = (1 / g) / (1 / g + 1 / m);
		}
	}
	return share;
}

struct bench_naive {
	const struct cr_alg *g;
	size_t elen;
};

/* keygen + shared through br_rsa_i62_public: two exponentiations. */
static void
bench_naive_dh(void *arg)
{
	struct bench_naive *b = arg;
	static uint8_t e[512], base[512], out[512];

	cr_rand(e, b->elen);
	e[0] |= 0x80;
	memset(base, 0, b->g->out_len);
	base[b->g->out_len - 1] = 2;
	cr_ref_modpow(b->g, base, e, b->elen, out);
	cr_ref_modpow(b->g, out, e, b->elen, base);
}

static const struct cr_alg *bench_a;
static uint8_t bench_key[64], bench_buf[PKT + 16], bench_tag[32];

static void
bench_encr(void *arg)
{
	size_t len = (bench_a->flags & CR_F_AEAD) ? PKT : (PKT + 15) / 16 * 16;

	cr_encr_raw(bench_a, bench_key, bench_key + 40, bench_key, 32,
	    bench_buf, len, bench_tag, 1);
}

static void
bench_integ(void *arg)
{
	struct cr_iov d = { bench_buf, PKT };

	cr_integ(bench_a, bench_key, &d, 1, bench_tag);
}

struct bench_kd {
	const struct cr_alg *prf, *encr, *integ;
	size_t gir_len;
};

static void
bench_keys(void *arg)
{
	struct bench_kd *k = arg;
	static uint8_t ni[32], nr[32], gir[512], spi[8], seed[CR_PRF_MAX];
	static uint8_t skp[2 * CR_PRF_MAX];
	struct cr_ike_keys keys = { .sk_pi = skp, .sk_pr = skp + CR_PRF_MAX };

	cr_skeyseed(k->prf, ni, sizeof(ni), nr, sizeof(nr), gir, k->gir_len,
	    seed);
	cr_ike_keys(k->prf, k->encr, k->integ, seed, ni, sizeof(ni), nr,
	    sizeof(nr), spi, spi, &keys);
	cr_ike_keys_wipe(&keys);
}

int
main(int argc, char **argv)
{
	double ours4096 = 0, naive4096;
	/* crypto, ike, ikd; scale, ikd-scale, reload (not in the
	 * default run) */
	const char *only = getenv("BENCH_ONLY");
	const char *ikebox = argc > 1 ? argv[1] : "./ikebox";
	struct stat st;

	/* The binary's size, as `ls -l` gives it, beside its speed. */
	if (stat(ikebox, &st) == 0) {
		printf("%s: %lld bytes\n", ikebox, (long long)st.st_size);
	} else {
		printf("%s: not built\n", ikebox);
	}
	if (only && strcmp(only, "crypto") != 0) {
		goto engine;
	}

	printf("Diffie-Hellman, keygen + shared secret (one side of IKE_SA_INIT)\n");
	printf("  %-34s %10s  %s\n", "group", "ops/s", "impl");
	for (const struct cr_alg *g = cr_algs; g->name; g++) {
		if (g->type != CR_DH || g->refused) {
			continue;
		}
		double r = bench_run(bench_dh, (void *)g);
		if (strcmp(g->name, "modp4096") == 0) {
			ours4096 = r;
		}
		printf("  %-34s %10.1f  %s\n", g->name, r, cr_impl_name(g));
	}
	const struct cr_alg *m4 = cr_alg_by_name(CR_DH, "modp4096");
	struct bench_naive nv = { m4, 512 };
	naive4096 = bench_run(bench_naive_dh, &nv);
	printf("  %-34s %10.1f  br_rsa_i62_public\n",
	    "modp4096 naive, 4096-bit exponent", naive4096);
	nv.elen = 48;
	double naive_short = bench_run(bench_naive_dh, &nv);
	printf("  %-34s %10.1f  br_rsa_i62_public\n",
	    "modp4096 naive, 384-bit exponent", naive_short);
	printf("  modp4096 speed-up over naive: %.1fx (short exponent alone: "
	    "%.1fx, wider window: %.1fx)\n", ours4096 / naive4096,
	    naive_short / naive4096, ours4096 / naive_short);

	{
		/* ecp256: BearSSL 0.6's implementations, each half of a DH
		 * measured (issue 18: options weighed, not taken on faith) */
		static const struct bench_impl impls[] = {
			{ "p256_m31", &br_ec_p256_m31 },
#ifdef CR_P256_64
			{ "p256_64", &cr_ec_p256_64 },	/* ikebox's own */
#endif
			{ "p256_m15", &br_ec_p256_m15 },
			{ "prime_i31", &br_ec_prime_i31 },
			{ "prime_i15", &br_ec_prime_i15 },
		};
		double share;

		printf("\necp256 in BearSSL 0.6 and ikebox's p256_64: "
		    "fixed-base (mulgen: key generation)\nand variable-base "
		    "(mul: shared secret) multiplications, one side of an\n"
		    "IKE_SA_INIT is one of each\n");
		share = bench_curve_table(BR_EC_secp256r1, impls,
		    sizeof(impls) / sizeof(impls[0]), "p256_64");
		printf("  key pairs made ahead in idle time would take mulgen "
		    "off the answer's\n  latency, not off its CPU: "
		    "DH/s above stays the bound under load\n");
		if (share > 0) {
			printf("  p256_64: mulgen is %.0f%% of one side's DH "
			    "time, the most made-ahead key\n  pairs would "
			    "save of an answer's DH latency\n",
			    100 * share);
		}
	}

	{
		/* curve25519: BearSSL 0.6's fastest against ikebox's own,
		 * measured in the same run (issue 18) */
		static const struct bench_impl impls[] = {
			{ "c25519_m31", &br_ec_c25519_m31 },
#ifdef CR_X25519_64
			{ "c25519_64", &cr_ec_c25519_64 },	/* ikebox's own */
#endif
		};

		printf("\ncurve25519 in BearSSL 0.6 and ikebox's c25519_64: "
		    "mulgen (key generation)\nand mul (shared secret), one "
		    "of each per side of an IKE_SA_INIT\n");
		(void)bench_curve_table(BR_EC_curve25519, impls,
		    sizeof(impls) / sizeof(impls[0]), "");
	}

	for (int port = 0; port < 2; port++) {
		cr_force_portable(port);
		printf("\n%s, %d-byte packets\n", port ?
		    "Portable constant-time implementations" :
		    "Ciphers and integrity", PKT);
		printf("  %-34s %10s  %s\n", "transform", "MB/s", "impl");
		for (const struct cr_alg *a = cr_algs; a->name; a++) {
			if (a->refused || (a->type != CR_ENCR &&
			    a->type != CR_INTEG) ||
			    (port && a->type == CR_INTEG)) {
				continue;
			}
			bench_a = a;
			double r = bench_run(a->type == CR_ENCR ? bench_encr
			    : bench_integ, NULL);
			printf("  %-34s %10.1f  %s\n", a->name,
			    r * PKT / 1e6, cr_impl_name(a));
		}
	}
	cr_force_portable(0);

	printf("\nIKE key derivation (SKEYSEED + SK_d/ai/ar/ei/er/pi/pr)\n");
	printf("  %-48s %10s\n", "prf / encr / integ / g^ir", "us");
	struct bench_kd kd[] = {
		{ cr_alg_by_name(CR_PRF, "hmac-sha2-256"),
		    cr_alg_by_name(CR_ENCR, "aes-256"),
		    cr_alg_by_name(CR_INTEG, "hmac-sha2-256"), 512 },
		{ cr_alg_by_name(CR_PRF, "hmac-sha2-256"),
		    cr_alg_by_name(CR_ENCR, "aes-256-gcm"), NULL, 32 },
		{ cr_alg_by_name(CR_PRF, "hmac-sha2-512"),
		    cr_alg_by_name(CR_ENCR, "aes-256"),
		    cr_alg_by_name(CR_INTEG, "hmac-sha2-512"), 512 },
	};
	for (size_t i = 0; i < sizeof(kd) / sizeof(kd[0]); i++) {
		char label[80];
		snprintf(label, sizeof(label), "%s / %s / %s / %zu B",
		    kd[i].prf->name, kd[i].encr->name,
		    kd[i].integ ? kd[i].integ->name : "-", kd[i].gir_len);
		printf("  %-48s %10.2f\n", label,
		    1e6 / bench_run(bench_keys, &kd[i]));
	}
engine:
	fflush(stdout);
	if (only != NULL && strcmp(only, "ikd-scale") == 0) {
		bench_ikd_scale(ikebox);
		return 0;
	}
	if (only != NULL && strcmp(only, "reload") == 0) {
		bench_ikd_reload(ikebox);	/* idle RSS and reloads alone */
		return 0;
	}
	if (only != NULL && strcmp(only, "scale") == 0) {
		bench_scale();
		fflush(stdout);
		bench_ikd_scale(ikebox);
		fflush(stdout);
		bench_ikd_reload(ikebox);
		return 0;
	}
	if (only == NULL || strcmp(only, "ike") == 0) {
		bench_ike();
	}
	fflush(stdout);
	if (only == NULL || strcmp(only, "ikd") == 0) {
		bench_ikd(ikebox);
	}
	fflush(stdout);
	if (only == NULL || strcmp(only, "workers") == 0) {
		bench_workers(ikebox);
	}
	return 0;
}
