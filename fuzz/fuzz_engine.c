/*
 * fuzz_engine.c - the engine fed whole datagram sequences: one responder
 * engine, configured with one VPN, gets the records of the input in turn
 * with the clock moving between them (engine.h says the format), so that
 * state carries across messages: IKE_SA_INIT makes a half-open SA, and
 * records of kind 1 are sealed with that SA's keys so that the fuzzer's
 * bytes reach IKE_AUTH, CREATE_CHILD_SA and INFORMATIONAL behind SK.
 * The engine's random numbers are fixed (fuzz_util.c), so its SPIs and DH
 * values repeat from run to run; the seeds (gen_seeds.c) are real
 * exchanges with an initiator, which therefore still authenticate.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/cfg/cfg.h"
#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "crypto/cr.h"
#include "fuzz/engine.h"
#include "fuzz/fuzz.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
env_send(void *ctx, const struct ike_addr *local, const struct ike_addr *peer,
    const uint8_t *buf, size_t len)
{
	struct fe *f = ctx;

	if (f->sent != NULL) {
		f->sent(f->arg, buf, len);
	}
}

static int
env_spi_alloc(void *ctx, const struct kern_sa *sa, uint32_t *spi)
{
	struct fe *f = ctx;

	*spi = 0xc0000000u | (f->next_spi++ & 0x0fffffff);
	return 0;
}

static int
env_sa(void *ctx, const struct kern_sa *sa)
{
	return 0;
}

static int
env_pol(void *ctx, const struct kern_policy *pol)
{
	return 0;
}

static void
env_log(void *ctx, int level, const char *line)
{
	(void)strlen(line);	/* every line is built; ASan reads it */
}

static const char *cfg_path;

static const char *
write_cfg(void)
{
	static const char vpn[] =
	    "[vpn]\nname = fz\nmode = passive\nlocal = " FE_GW_R "\n"
	    "peer = " FE_GW_I "\nsrcid = " FE_GW_R "\ndstid = " FE_GW_I "\n"
	    "psk = " FE_PSK "\n"
	    "[flows]\nflow = 203.0.113.0/25 203.0.113.128/25\n"
	    "flow = 10.1.0.0/16 10.2.0.0/16\n"
	    "[ikesa]\nenc = aes-128\nauth = hmac-sha2-256\n"
	    "prf = hmac-sha2-256\ngroup = curve25519\n"
	    "[childsa]\nenc = aes-128\nauth = hmac-sha1\ngroup = curve25519\n";
	static const char global[] =
	    "[global]\ninclude = fz-vpn.conf\nbackend = null\n"
	    "dpd_check_interval = 30\nnat_traversal = yes\n";

	if (fuzz_write("fz-vpn.conf", vpn, sizeof(vpn) - 1) == NULL) {
		return NULL;
	}
	return fuzz_write("fz.conf", global, sizeof(global) - 1);
}

/* see engine.h */
int
fe_begin(struct fe *f)
{
	struct ike_env env = {
		.ctx = f,
		.send = env_send,
		.spi_alloc = env_spi_alloc,
		.sa_add = env_sa,
		.sa_del = env_sa,
		.policy_add = env_pol,
		.policy_del = env_pol,
		.log = env_log,
	};
	static char path[256];
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;

	if (cfg_path == NULL) {
		const char *p = write_cfg();

		if (p == NULL) {
			return -1;
		}
		snprintf(path, sizeof(path), "%s", p);
		cfg_path = path;
	}
	fuzz_rand_reset(2);
	fuzz_rand_reset(0);
	f->now = 1000;
	f->next_spi = 1;
	if (cfg_load(cfg_path, &cfg, &diag) != 0) {
		cfg_diag_print(stderr, &diag);
		cfg_diag_free(&diag);
		return -1;
	}
	cfg_diag_free(&diag);
	f->eng = ike_new(&env, f->now);
	if (f->eng == NULL) {
		cfg_free(cfg);
		return -1;
	}
	ike_set_log_level(f->eng, IKE_LOG_DEBUG);
	return ike_set_config(f->eng, cfg, f->now);
}

/* Runs the timers due up to now. */
static void
run_timers(struct fe *f)
{
	for (int i = 0; i < 64; i++) {
		uint64_t t = ike_next_timer(f->eng);

		if (t > f->now) {
			break;
		}
		ike_tick(f->eng, f->now);
	}
}

/* Moves the clock to `to`, stopping at every timer on the way. */
static void
advance(struct fe *f, uint64_t to)
{
	for (int i = 0; i < 256; i++) {
		uint64_t t = ike_next_timer(f->eng);

		if (t > to) {
			break;
		}
		if (t > f->now) {
			f->now = t;
		}
		run_timers(f);
	}
	f->now = to;
	run_timers(f);
}

/* see engine.h */
int
fe_seal(const struct ike_sa *sa, const uint8_t *hdr, const uint8_t *plain,
    size_t plen, uint8_t *out, size_t cap, size_t *olen)
{
	int fi = (hdr[19] & IKEV2_FLAG_I) != 0;
	int skf = hdr[16] == IKEV2_PL_SKF;
	size_t aad = IKEV2_HDR_LEN + (skf ? 8 : 4), body;
	uint8_t first = hdr[16];
	int rc;

	if (sa->enc == NULL || sa->prf == NULL) {
		return -1;	/* no keys yet */
	}
	if (skf) {
		/* RFC 7383 2.5: number, total, then the SK part */
		if (plen < 5) {
			return -1;
		}
		memcpy(out + IKEV2_HDR_LEN + 4, plain, 4);
		first = plain[4];
		plain += 5;
		plen -= 5;
	}
	body = cr_sk_body_len(sa->enc, sa->integ, plen);
	if (body == 0 || aad + body > cap) {
		return -1;
	}
	memcpy(out, hdr, IKEV2_HDR_LEN);
	out[16] = skf ? IKEV2_PL_SKF : IKEV2_PL_SK;
	put32(out + 24, (uint32_t)(aad + body));
	out[28] = first;
	out[29] = 0;
	put16(out + 30, (uint16_t)(aad - IKEV2_HDR_LEN + body));
	memcpy(out + aad + sa->enc->iv_len, plain, plen);
	*olen = aad + body;
	fuzz_rand_use(2);	/* the IV: not from the engine's stream */
	rc = cr_sk_seal(sa->enc, sa->integ,
	    fi ? sa->keys.sk_ei : sa->keys.sk_er,
	    sa->keys.a_len ? (fi ? sa->keys.sk_ai : sa->keys.sk_ar) : NULL,
	    out, aad, plen);
	fuzz_rand_use(0);
	return rc == 0 ? 0 : -1;
}

/* see engine.h */
int
fe_record(struct fe *f, uint8_t ctl, const uint8_t *data, size_t len)
{
	static uint8_t buf[8192];
	struct ike_addr local = { .af = 4, .port = 500 };
	struct ike_addr peer = { .af = 4, .port = 500 };
	const uint8_t *dgram = data;
	size_t dlen = len;

	fuzz_rand_use(0);
	advance(f, f->now + (uint64_t)(ctl >> 2) * 1000);
	inet_pton(AF_INET, FE_GW_R, local.ip);
	inet_pton(AF_INET, FE_GW_I, peer.ip);
	switch (ctl & 3) {
	case FE_SEALED: {
		struct ike_sa *sa;

		if (len < IKEV2_HDR_LEN) {
			return 0;
		}
		sa = ike_sa_by_spi(f->eng, data + 8);
		if (sa == NULL || fe_seal(sa, data, data + IKEV2_HDR_LEN,
		    len - IKEV2_HDR_LEN, buf, sizeof(buf), &dlen) != 0) {
			return 0;
		}
		dgram = buf;
		break;
	}
	case FE_NATT:
		local.port = 4500;
		peer.port = 4500;
		if (len + 4 <= sizeof(buf)) {
			memset(buf, 0, 4);	/* the non-ESP marker */
			memcpy(buf + 4, data, len);
			dgram = buf;
			dlen = len + 4;
		}
		break;
	case FE_STRANGER:
		inet_pton(AF_INET, "203.0.113.77", peer.ip);
		break;
	}
	ike_input(f->eng, &local, &peer, dgram, dlen, f->now);
	run_timers(f);
	return 0;
}

static void
foreach_cb(void *arg, const struct ike_sa_info *info)
{
	(void)strlen(info->state);
}

/* see engine.h */
void
fe_end(struct fe *f)
{
	struct ike_stats st;

	ike_foreach_sa(f->eng, foreach_cb, NULL);
	advance(f, f->now + 600 * 1000);
	ike_foreach_sa(f->eng, foreach_cb, NULL);
	ike_get_stats(f->eng, &st);
	ike_free(f->eng);
	f->eng = NULL;
}

#ifndef FUZZ_ENGINE_NO_ENTRY
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fe f = { 0 };
	size_t off = 0;
	int n = 0;

	if (size > 32768 || fe_begin(&f) != 0) {
		if (f.eng != NULL) {
			ike_free(f.eng);
		}
		return 0;
	}
	while (off + 3 <= size && n++ < 64) {
		uint8_t ctl = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (len > size - off) {
			len = size - off;
		}
		fe_record(&f, ctl, data + off, len);
		off += len;
	}
	fe_end(&f);
	return 0;
}
#endif
