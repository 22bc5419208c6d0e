/*
 * gen_seeds.c - writes the generated seeds under DIR/TARGET/ (`make
 * fuzz-seeds`; the config seeds come from fuzz/seeds.sh):
 *   msg, pld  the golden packets of t/harness/wire_golden.h, and every
 *             datagram (msg) and SK plaintext (pld) of the exchange below
 *   engine    an initiator engine brought up against fuzz_engine's
 *             responder, rekeyed (CHILD and IKE SA) and taken down, written
 *             as the responder's input: with SK messages as they were sent
 *             (kind 0), and as plaintexts for the harness to seal (kind 1)
 *   ctl       every command of ctl_verbs[], as text and as request frames
 *   pfkey     SADB_EXPIRE, SADB_ACQUIRE and an SPD dump entry
 *   xfrm      XFRM netlink: an SA and a policy as a dump sends them, two
 *             in one datagram, an EXPIRE, an ACQUIRE, an error with the
 *             kernel's reason
 * The responder's random numbers are fuzz_util.c's fixed stream, the same
 * as under the fuzzer, so the recorded exchange still authenticates there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ipsec.h>
#include <linux/netlink.h>
#include <linux/pfkeyv2.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cfg/cfg.h"
#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "crypto/cr.h"
#include "fuzz/engine.h"
#include "fuzz/fuzz.h"
#include "t/harness/t.h"
#include "net/ctl.h"
#include "net/kbe_xfrm.h"
#include "t/harness/wire_golden.h"

static const char *outdir;
static int n_written;

static void
put(const char *target, const char *name, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", outdir, target);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/%s", outdir, target, name);
	f = fopen(p, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
	n_written++;
}

static void
goldens(void)
{
	uint8_t b[1024];
	size_t n;

	n = t_unhex(b, sizeof(b), golden_sa_init);
	put("msg", "golden-sa-init", b, n);
	n = t_unhex(b, sizeof(b), golden_informational);
	put("msg", "golden-informational", b, n);
	n = t_unhex(b, sizeof(b), golden_critical);
	put("msg", "golden-critical", b, n);
	b[0] = IKEV2_PL_IDI;
	n = t_unhex(b + 1, sizeof(b) - 1, golden_auth_inner);
	put("pld", "golden-auth-inner", b, n + 1);
	b[0] = IKEV2_PL_D;
	n = t_unhex(b + 1, sizeof(b) - 1, golden_delete_inner);
	put("pld", "golden-delete-inner", b, n + 1);
}

/* ---- the engine's seeds ---------------------------------------------- */

#define QMAX 16
struct q {
	int n;
	size_t len[QMAX];
	uint8_t buf[QMAX][4096];
};

static struct q to_r, to_i;
static struct ike_engine *ini;
static uint32_t ini_spi = 1;

static void
enqueue(struct q *q, const uint8_t *buf, size_t len)
{
	if (q->n < QMAX && len <= sizeof(q->buf[0])) {
		memcpy(q->buf[q->n], buf, len);
		q->len[q->n++] = len;
	}
}

static void
dequeue(struct q *q, uint8_t *buf, size_t *len)
{
	*len = q->len[0];
	memcpy(buf, q->buf[0], *len);
	q->n--;
	memmove(q->len, q->len + 1, sizeof(q->len[0]) * (size_t)q->n);
	memmove(q->buf, q->buf + 1, sizeof(q->buf[0]) * (size_t)q->n);
}

static void
i_send(void *ctx, const struct ike_addr *l, const struct ike_addr *p,
    const uint8_t *buf, size_t len)
{
	enqueue(&to_r, buf, len);
}

static void
r_sent(void *arg, const uint8_t *buf, size_t len)
{
	enqueue(&to_i, buf, len);
}

static int
i_spi(void *ctx, const struct kern_sa *sa, uint32_t *spi)
{
	*spi = 0xd0000000u | ini_spi++;
	return 0;
}

static int
i_sa(void *ctx, const struct kern_sa *sa)
{
	return 0;
}

static int
i_pol(void *ctx, const struct kern_policy *p)
{
	return 0;
}

static void
i_log(void *ctx, int level, const char *line)
{
	if (getenv("GEN_TRACE")) {
		fprintf(stderr, "[I] %s\n", line);
	}
}

static int frag_mode;

static int
ini_new(uint64_t now)
{
	static const char vpn[] =
	    "[vpn]\nname = fz\nmode = active\nlocal = " FE_GW_I "\n"
	    "peer = " FE_GW_R "\nsrcid = " FE_GW_I "\ndstid = " FE_GW_R "\n"
	    "psk = " FE_PSK "\n"
	    "[flows]\nflow = 203.0.113.128/25 203.0.113.0/25\n"
	    "flow = 10.2.0.0/16 10.1.0.0/16\n"
	    "[ikesa]\nenc = aes-128\nauth = hmac-sha2-256\n"
	    "prf = hmac-sha2-256\ngroup = curve25519\n"
	    "[childsa]\nenc = aes-128\nauth = hmac-sha1\ngroup = curve25519\n";
	/* frag_mode: IKE_AUTH and later messages in RFC 7383 fragments */
	const char *global = frag_mode ?
	    "[global]\ninclude = gi-vpn.conf\nbackend = null\n"
	    "dpd_check_interval = 0\nnat_traversal = yes\n"
	    "fragment_size = 256\n" :
	    "[global]\ninclude = gi-vpn.conf\nbackend = null\n"
	    "dpd_check_interval = 0\nnat_traversal = yes\n";
	struct ike_env env = {
		.send = i_send, .spi_alloc = i_spi, .sa_add = i_sa,
		.sa_del = i_sa, .policy_add = i_pol, .policy_del = i_pol,
		.log = i_log,
	};
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;
	const char *p;

	fuzz_write("gi-vpn.conf", vpn, sizeof(vpn) - 1);
	p = fuzz_write("gi.conf", global, strlen(global));
	if (p == NULL || cfg_load(p, &cfg, &diag) != 0) {
		cfg_diag_print(stderr, &diag);
		return -1;
	}
	cfg_diag_free(&diag);
	fuzz_rand_reset(1);
	ini = ike_new(&env, now);
	ike_set_log_level(ini, IKE_LOG_DEBUG);
	return ike_set_config(ini, cfg, now);
}

struct recs {
	uint8_t b[32768];
	size_t n;
	int count;
};

static struct recs rec;
static int sealed_mode;
static int n_msg, n_pld;

static void
rec_add(uint8_t ctl, const uint8_t *d, size_t len)
{
	if (rec.n + 3 + len > sizeof(rec.b)) {
		return;
	}
	rec.b[rec.n++] = ctl;
	rec.b[rec.n++] = (uint8_t)(len >> 8);
	rec.b[rec.n++] = (uint8_t)len;
	memcpy(rec.b + rec.n, d, len);
	rec.n += len;
	rec.count++;
}

/* The initiator's datagram d, as a record: sealed ones opened first. */
static void
deliver(struct fe *f, uint8_t *d, size_t len)
{
	static uint8_t plain_rec[8192];
	const uint8_t *plain;
	size_t plen;
	struct ike_sa *sa;
	char name[32];

	snprintf(name, sizeof(name), "%s-%02d", sealed_mode ? "s" : "r",
	    n_msg++);
	put("msg", name, d, len);
	if (len > IKEV2_HDR_LEN + 8 && d[16] == IKEV2_PL_SKF &&
	    (sa = ike_sa_by_spi(ini, d)) != NULL) {
		uint8_t copy[4096];

		/* a fragment: number, total, first inner, plaintext (the
		 * SKF form of fuzz/engine.h's sealed records) */
		memcpy(copy, d, len);
		if (cr_sk_open(sa->enc, sa->integ, sa->keys.sk_ei,
		    sa->keys.a_len ? sa->keys.sk_ai : NULL, copy,
		    IKEV2_HDR_LEN + 8, len, &plain, &plen) == 0) {
			memcpy(plain_rec, d, IKEV2_HDR_LEN);
			memcpy(plain_rec + IKEV2_HDR_LEN, copy + 32, 4);
			plain_rec[IKEV2_HDR_LEN + 4] = copy[28];
			memcpy(plain_rec + IKEV2_HDR_LEN + 5, plain, plen);
			rec_add(FE_SEALED, plain_rec,
			    IKEV2_HDR_LEN + 5 + plen);
			fe_record(f, FE_SEALED, plain_rec,
			    IKEV2_HDR_LEN + 5 + plen);
			return;
		}
	}
	if (len > IKEV2_HDR_LEN + 4 && d[16] == IKEV2_PL_SK &&
	    (sa = ike_sa_by_spi(ini, d)) != NULL) {
		uint8_t copy[4096];

		memcpy(copy, d, len);
		if (cr_sk_open(sa->enc, sa->integ, sa->keys.sk_ei,
		    sa->keys.a_len ? sa->keys.sk_ai : NULL, copy,
		    IKEV2_HDR_LEN + 4, len, &plain, &plen) == 0) {
			plain_rec[0] = copy[28];	/* the first inner */
			memcpy(plain_rec + 1, plain, plen);
			snprintf(name, sizeof(name), "%s-%02d",
			    sealed_mode ? "s" : "r", n_pld++);
			put("pld", name, plain_rec, plen + 1);
			if (sealed_mode) {
				memcpy(plain_rec, d, IKEV2_HDR_LEN);
				plain_rec[16] = copy[28];
				memcpy(plain_rec + IKEV2_HDR_LEN, plain, plen);
				rec_add(FE_SEALED, plain_rec,
				    IKEV2_HDR_LEN + plen);
				fe_record(f, FE_SEALED, plain_rec,
				    IKEV2_HDR_LEN + plen);
				return;
			}
		}
	}
	rec_add(FE_RAW, d, len);
	fe_record(f, FE_RAW, d, len);
}

static void
pump(struct fe *f)
{
	struct ike_addr il = { .af = 4, .port = 500 };
	struct ike_addr ip = { .af = 4, .port = 500 };
	uint8_t b[4096];
	size_t len;

	inet_pton(AF_INET, FE_GW_I, il.ip);
	inet_pton(AF_INET, FE_GW_R, ip.ip);
	for (int i = 0; i < 64; i++) {
		if (to_r.n > 0) {
			dequeue(&to_r, b, &len);
			deliver(f, b, len);
		} else if (to_i.n > 0) {
			dequeue(&to_i, b, &len);
			fuzz_rand_use(1);
			ike_input(ini, &il, &ip, b, len, f->now);
			fuzz_rand_use(0);
		} else {
			break;
		}
	}
}

static void
engine_seeds(int sealed)
{
	struct fe f = { .sent = r_sent };
	struct ike_stats st;

	sealed_mode = sealed;
	memset(&rec, 0, sizeof(rec));
	to_r.n = to_i.n = 0;
	if (fe_begin(&f) != 0 || ini_new(f.now) != 0) {
		fprintf(stderr, "gen_seeds: engines\n");
		exit(1);
	}
	fuzz_rand_use(1);
	ike_tick(ini, f.now);
	fuzz_rand_use(0);
	pump(&f);
	ike_get_stats(f.eng, &st);
	if (st.ike_sas != 1 || st.child_sas < 1) {
		fprintf(stderr, "gen_seeds: the responder has %llu IKE SAs, "
		    "%llu CHILD SAs after IKE_AUTH\n",
		    (unsigned long long)st.ike_sas,
		    (unsigned long long)st.child_sas);
		exit(1);
	}
	put("engine", frag_mode ? "frag-auth" : sealed ? "sealed-auth" :
	    "raw-auth", rec.b, rec.n);
	fuzz_rand_use(1);
	ike_vpn_rekey(ini, "fz", 0, f.now);
	fuzz_rand_use(0);
	pump(&f);
	fuzz_rand_use(1);
	ike_vpn_rekey(ini, "fz", 1, f.now);
	fuzz_rand_use(0);
	pump(&f);
	put("engine", frag_mode ? "frag-rekey" : sealed ? "sealed-rekey" :
	    "raw-rekey", rec.b, rec.n);
	fuzz_rand_use(1);
	ike_vpn_down(ini, "fz", f.now);
	fuzz_rand_use(0);
	pump(&f);
	put("engine", frag_mode ? "frag-down" : sealed ? "sealed-down" :
	    "raw-down", rec.b, rec.n);
	ike_get_stats(f.eng, &st);
	printf("gen_seeds: engine (%s): %d records; responder made %llu "
	    "IKE SAs by rekey, %llu CHILD SAs\n", sealed ? "sealed" : "raw",
	    rec.count, (unsigned long long)st.rekeys_ike,
	    (unsigned long long)st.rekeys_child);
	fe_end(&f);
	ike_free(ini);
}

/* ---- control and PF_KEY ---------------------------------------------- */

static void
ctl_seeds(void)
{
	for (size_t i = 0; i < ctl_n_verbs; i++) {
		const struct ctl_verb *v = &ctl_verbs[i];
		char text[256], name[32];
		uint8_t frame[512];
		int n;

		snprintf(text, sizeof(text), "%s%s%s%s%s", v->words,
		    v->arg == CTL_ARG_NAME || v->arg == CTL_ARG_OPT_NAME ?
		    " nom_vpn" : "", v->arg == CTL_ARG_FILE ?
		    " /etc/ikebox/ikd.conf" : "",
		    v->opts & CTL_OPT_JSON ? " --json" : "",
		    v->opts & CTL_OPT_KEYS ? " --keys" : "");
		snprintf(name, sizeof(name), "text-%02zu", i);
		put("ctl", name, text, strlen(text));
		n = ctl_request_make(text, frame, sizeof(frame));
		if (n > 0) {
			snprintf(name, sizeof(name), "frame-%02zu", i);
			put("ctl", name, frame, (size_t)n);
		}
	}
	{
		uint8_t *r = NULL;
		size_t rl;

		if (ctl_reply_make(CTL_OK, "ok\n", 3, &r, &rl) == 0) {
			put("ctl", "reply-ok", r, rl);
		}
		free(r);
	}
}

struct pmsg {
	uint8_t b[1024] __attribute__((aligned(8)));
	size_t n;
};

static void *
ext(struct pmsg *m, size_t size, uint16_t type)
{
	struct sadb_ext *e = (struct sadb_ext *)(m->b + m->n);

	size = (size + 7) & ~(size_t)7;
	memset(e, 0, size);
	e->sadb_ext_len = (uint16_t)(size / 8);
	e->sadb_ext_type = type;
	m->n += size;
	return e;
}

static void
addr(struct pmsg *m, uint16_t type, const char *ip)
{
	struct sadb_address *a = ext(m, sizeof(*a) +
	    sizeof(struct sockaddr_in), type);
	struct sockaddr_in sin = { .sin_family = AF_INET };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	a->sadb_address_prefixlen = 32;
	a->sadb_address_proto = IPSEC_ULPROTO_ANY;
	memcpy(a + 1, &sin, sizeof(sin));
}

static void
pmsg_start(struct pmsg *m, uint8_t type, uint8_t satype)
{
	struct sadb_msg *h = (struct sadb_msg *)m->b;

	memset(m, 0, sizeof(*m));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = 7;
	m->n = sizeof(*h);
}

static void
pmsg_put(struct pmsg *m, const char *name)
{
	((struct sadb_msg *)m->b)->sadb_msg_len = (uint16_t)(m->n / 8);
	put("pfkey", name, m->b, m->n);
}

/* An nlmsghdr + fixed part + one attribute, from parts. */
static size_t
nl_msg(uint8_t *b, uint16_t type, const void *fix, size_t flen, uint16_t at,
    const void *attr, size_t alen)
{
	struct nlmsghdr nh = { 0 };
	struct nlattr na = { 0 };
	size_t n = NLMSG_HDRLEN + NLMSG_ALIGN(flen);

	memset(b, 0, 1024);
	memcpy(b + NLMSG_HDRLEN, fix, flen);
	if (attr != NULL) {
		na.nla_len = (uint16_t)(NLA_HDRLEN + alen);
		na.nla_type = at;
		memcpy(b + n, &na, sizeof(na));
		memcpy(b + n + NLA_HDRLEN, attr, alen);
		n += NLA_ALIGN(na.nla_len);
	}
	nh.nlmsg_len = (uint32_t)n;
	nh.nlmsg_type = type;
	nh.nlmsg_seq = 7;
	memcpy(b, &nh, sizeof(nh));
	return n;
}

static void
xfrm_seeds(void)
{
	static const struct xfrm_hdr_args h = { .seq = 7 };
	uint8_t b[2048], two[4096];
	struct kern_sa sa = { 0 };
	struct kern_policy p = { 0 };
	struct xfrm_user_expire ex = { 0 };
	struct xfrm_user_acquire aq = { 0 };
	struct xfrm_user_tmpl t = { 0 };
	struct nlmsgerr e = { 0 };
	const char *why = "Requested AEAD algorithm not found";
	int n, m;

	kbe_addr_parse(&sa.src, FE_GW_I);
	kbe_addr_parse(&sa.dst, FE_GW_R);
	sa.proto = KERN_PROTO_ESP;
	sa.spi = 0xc0000001;
	sa.reqid = 0x2001;
	sa.encr = cr_alg_by_name(CR_ENCR, "aes-256");
	sa.encr_key_len = 32;
	sa.integ = cr_alg_by_name(CR_INTEG, "hmac-sha2-256");
	sa.integ_key_len = 32;
	sa.esn = 1;
	sa.replay_window = 64;
	sa.hard_secs = 3600;
	sa.encap_sport = sa.encap_dport = 4500;
	n = kbe_xfrm_build_sa(b, sizeof(b), &sa, 0, 0, &h);
	put("xfrm", "newsa-cbc-esn", b, (size_t)n);
	memcpy(two, b, (size_t)n);
	sa.encr = cr_alg_by_name(CR_ENCR, "aes-128-gcm");
	sa.encr_key_len = 20;
	sa.integ = NULL;
	sa.esn = 0;
	sa.replay_window = 32;
	m = kbe_xfrm_build_sa(b, sizeof(b), &sa, 0, 0, &h);
	put("xfrm", "newsa-gcm", b, (size_t)m);
	memcpy(two + n, b, (size_t)m);
	put("xfrm", "two-sas", two, (size_t)(n + m));
	p.dir = KERN_DIR_FWD;
	kbe_prefix_parse(&p.src, "203.0.113.128/25");
	kbe_prefix_parse(&p.dst, "203.0.113.0/25");
	kbe_addr_parse(&p.tun_src, FE_GW_R);
	kbe_addr_parse(&p.tun_dst, FE_GW_I);
	p.reqid = 0x2001;
	n = kbe_xfrm_build_policy(b, sizeof(b), &p, 0, 0, &h);
	b[4] = XFRM_MSG_NEWPOLICY;
	put("xfrm", "newpolicy", b, (size_t)n);
	ex.state.family = AF_INET;
	ex.state.id.proto = IPPROTO_ESP;
	ex.state.id.spi = htonl(0xc0000001);
	ex.state.reqid = 0x2001;
	ex.hard = 1;
	put("xfrm", "expire-hard", b, nl_msg(b, XFRM_MSG_EXPIRE, &ex,
	    sizeof(ex), 0, NULL, 0));
	aq.policy.sel.family = AF_INET;
	aq.policy.dir = XFRM_POLICY_OUT;
	aq.policy.index = 42;
	aq.seq = 3;
	t.family = AF_INET;
	t.reqid = 0x2001;
	t.id.proto = IPPROTO_ESP;
	put("xfrm", "acquire", b, nl_msg(b, XFRM_MSG_ACQUIRE, &aq, sizeof(aq),
	    XFRMA_TMPL, &t, sizeof(t)));
	e.error = -ENOSYS;
	e.msg.nlmsg_len = 300;
	n = (int)nl_msg(b, NLMSG_ERROR, &e, sizeof(e), 1, why,
	    strlen(why) + 1);
	((struct nlmsghdr *)b)->nlmsg_flags = 0x300;	/* CAPPED|ACK_TLVS */
	put("xfrm", "error-reason", b, (size_t)n);
}

static void
pfkey_seeds(void)
{
	struct pmsg m;
	struct sadb_sa *sa;
	struct sadb_x_sa2 *sa2;
	struct sadb_lifetime *lt;
	struct sadb_key *k;
	struct sadb_x_policy *xp;
	struct sadb_x_ipsecrequest *rq;
	struct sockaddr_in sin = { .sin_family = AF_INET };

	for (int hard = 0; hard < 2; hard++) {
		pmsg_start(&m, SADB_EXPIRE, SADB_SATYPE_ESP);
		sa = ext(&m, sizeof(*sa), SADB_EXT_SA);
		sa->sadb_sa_spi = htonl(0xc0000001);
		sa->sadb_sa_encrypt = SADB_X_EALG_AESCBC;
		sa->sadb_sa_auth = SADB_AALG_SHA1HMAC;
		sa2 = ext(&m, sizeof(*sa2), SADB_X_EXT_SA2);
		sa2->sadb_x_sa2_mode = IPSEC_MODE_TUNNEL;
		sa2->sadb_x_sa2_reqid = 16385;
		lt = ext(&m, sizeof(*lt), SADB_EXT_LIFETIME_CURRENT);
		lt->sadb_lifetime_bytes = 1000;
		lt = ext(&m, sizeof(*lt), hard ? SADB_EXT_LIFETIME_HARD :
		    SADB_EXT_LIFETIME_SOFT);
		lt->sadb_lifetime_addtime = 3600;
		addr(&m, SADB_EXT_ADDRESS_SRC, FE_GW_I);
		addr(&m, SADB_EXT_ADDRESS_DST, FE_GW_R);
		k = ext(&m, sizeof(*k) + 16, SADB_EXT_KEY_ENCRYPT);
		k->sadb_key_bits = 128;
		k = ext(&m, sizeof(*k) + 24, SADB_EXT_KEY_AUTH);
		k->sadb_key_bits = 160;
		pmsg_put(&m, hard ? "expire-hard" : "expire-soft");
	}
	pmsg_start(&m, SADB_ACQUIRE, SADB_SATYPE_ESP);
	addr(&m, SADB_EXT_ADDRESS_SRC, FE_GW_R);
	addr(&m, SADB_EXT_ADDRESS_DST, FE_GW_I);
	xp = ext(&m, sizeof(*xp), SADB_X_EXT_POLICY);
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	xp->sadb_x_policy_id = 42;
	pmsg_put(&m, "acquire");
	/* An SPDDUMP entry: policy with one tunnel ipsecrequest. */
	pmsg_start(&m, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC);
	addr(&m, SADB_EXT_ADDRESS_SRC, "203.0.113.0");
	addr(&m, SADB_EXT_ADDRESS_DST, "203.0.113.128");
	xp = ext(&m, sizeof(*xp) + sizeof(*rq) + 2 * sizeof(sin),
	    SADB_X_EXT_POLICY);
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	xp->sadb_x_policy_priority = 2000;
	rq = (struct sadb_x_ipsecrequest *)(xp + 1);
	rq->sadb_x_ipsecrequest_len = sizeof(*rq) + 2 * sizeof(sin);
	rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
	rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
	rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE;
	rq->sadb_x_ipsecrequest_reqid = 16385;
	inet_pton(AF_INET, FE_GW_R, &sin.sin_addr);
	memcpy(rq + 1, &sin, sizeof(sin));
	inet_pton(AF_INET, FE_GW_I, &sin.sin_addr);
	memcpy((uint8_t *)(rq + 1) + sizeof(sin), &sin, sizeof(sin));
	pmsg_put(&m, "spddump");
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	outdir = argv[1];
	mkdir(outdir, 0755);
	goldens();
	engine_seeds(0);
	n_msg = n_pld = 0;
	engine_seeds(1);
	frag_mode = 1;
	engine_seeds(1);
	frag_mode = 0;
	ctl_seeds();
	pfkey_seeds();
	xfrm_seeds();
	printf("gen_seeds: %d files under %s\n", n_written, outdir);
	return 0;
}
