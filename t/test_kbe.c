/*
 * test_kbe.c - the kernel backend layer (net/kbe.c) without a kernel:
 * finding a backend, the shared helpers (soft-lifetime jitter, prefixes,
 * the PF_KEY transform check the config checker uses), and `ikectl show
 * sa`'s byte counters: the engine does not know them (no I/O), the daemon
 * reads them from the backend with kbe_child_counters() before rendering;
 * here the null backend stands in for the kernel (kbe_null_charge() plays
 * the traffic).  The PF_KEY backend itself runs against a real kernel in
 * t/uml/ (its counters in t/uml/cases.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/show.h"
#include "crypto/alg.h"
#include "net/kbe.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"

static void
mk_sa(struct kern_sa *sa, const char *src, const char *dst, uint32_t spi)
{
	memset(sa, 0, sizeof(*sa));
	T_EQ_INT(kbe_addr_parse(&sa->src, src), 0);
	T_EQ_INT(kbe_addr_parse(&sa->dst, dst), 0);
	sa->proto = KERN_PROTO_ESP;
	sa->mode = KERN_MODE_TUNNEL;
	sa->spi = spi;
	sa->reqid = 0x2001;
	sa->encr = cr_alg_by_name(CR_ENCR, "aes-256");
	sa->encr_key_len = 32;
	sa->integ = cr_alg_by_name(CR_INTEG, "hmac-sha1");
	sa->integ_key_len = 20;
	snprintf(sa->vpn, sizeof(sa->vpn), "nom_vpn");
}

static void
mk_addr(struct ike_addr *a, const char *ip)
{
	memset(a, 0, sizeof(*a));
	a->af = 4;
	a->port = 500;
	T_EQ_INT(inet_pton(AF_INET, ip, a->ip), 1);
}

/* gw1's view: two CHILD SAs, the second with no kernel SA behind it. */
static void
mk_info(struct ike_sa_info *info, struct ike_child_info ch[2])
{
	memset(info, 0, sizeof(*info));
	memset(ch, 0, 2 * sizeof(ch[0]));
	info->vpn = "nom_vpn";
	info->state = "ESTABLISHED";
	info->initiator = 1;
	mk_addr(&info->local, GW1);
	mk_addr(&info->peer, GW2);
	info->enc = info->integ = info->prf = info->group = "none";
	ch[0].state = ch[1].state = "INSTALLED";
	ch[0].spi_in = 0xc5d6e7f8;	/* GW2 -> GW1 */
	ch[0].spi_out = 0xc1a2b3c4;	/* GW1 -> GW2 */
	ch[1].spi_in = 0xc0000077;
	ch[1].spi_out = 0xc0000078;
	ch[0].enc = ch[1].enc = ch[0].integ = ch[1].integ = "none";
	ch[0].group = ch[1].group = "none";
	info->n_children = 2;
	info->children = ch;
}

T_CASE(kbe, show_sa_bytes_from_the_backend)
{
	struct kbe *k = NULL;
	char err[KBE_ERR_MAX] = "";
	struct kern_sa in, out;
	struct ike_sa_info info;
	struct ike_child_info ch[2], got[2];
	char buf[4096];
	FILE *f;
	size_t n;

	T_ASSERT(kbe_open("null", &k, err, sizeof(err)) == 0);
	if (k == NULL) {
		return;
	}
	mk_sa(&out, GW1, GW2, 0xc1a2b3c4);
	mk_sa(&in, GW2, GW1, 0xc5d6e7f8);
	T_EQ_INT(k->ops->sa_add(k, &out), 0);
	T_EQ_INT(k->ops->sa_add(k, &in), 0);
	mk_info(&info, ch);

	T_ROW("fresh SAs: 0 bytes; the SA the kernel lacks counts as unread");
	memcpy(got, ch, sizeof(got));
	got[0].bytes_in = got[1].bytes_out = 99;	/* overwritten */
	T_EQ_INT(kbe_child_counters(k, &info, got), 2);
	T_EQ_INT(got[0].bytes_in, 0);
	T_EQ_INT(got[0].bytes_out, 0);
	T_EQ_INT(got[1].bytes_out, 0);
	T_CONTAINS(kbe_error(k), "no such SA");

	T_ROW("traffic: inbound and outbound counters each from their SA");
	T_EQ_INT(kbe_null_charge(k, &in, 1500, 3), 0);
	T_EQ_INT(kbe_null_charge(k, &out, 840, 10), 0);
	T_EQ_INT(kbe_null_charge(k, &out, 84, 1), 0);
	memcpy(got, ch, sizeof(got));
	T_EQ_INT(kbe_child_counters(k, &info, got), 2);
	T_EQ_INT(got[0].bytes_in, 1500);
	T_EQ_INT(got[0].bytes_out, 924);
	T_EQ_INT(got[1].bytes_in, 0);
	T_EQ_INT(got[1].bytes_out, 0);
	/* the engine's own copy is untouched */
	T_EQ_INT(ch[0].bytes_in, 0);

	T_ROW("show sa --json carries them");
	info.children = got;
	f = fmemopen(buf, sizeof(buf), "w");
	T_ASSERT(f != NULL);
	if (f != NULL) {
		show_sa_json(f, &info, 0);
		n = (size_t)ftell(f);
		fclose(f);
		buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
		T_CONTAINS(buf, "\"bytes_in\":1500,\"bytes_out\":924");
		T_CONTAINS(buf, "\"bytes_in\":0,\"bytes_out\":0");
	}

	T_ROW("charging an SA that is not there");
	mk_sa(&in, GW2, GW1, 0xc0000077);
	T_EQ_INT(kbe_null_charge(k, &in, 1, 1), -ESRCH);
	k->ops->close(k);
}

T_CASE(kbe, find)
{
	struct kbe *k = NULL;
	char err[KBE_ERR_MAX] = "";

	T_ASSERT(kbe_find("pfkey") != NULL);
	T_ASSERT(kbe_find("null") != NULL);
	T_ASSERT(kbe_find("xfrm") != NULL);
	T_ASSERT(kbe_find("kame") == NULL);
	T_EQ_INT(kbe_open("kame", &k, err, sizeof(err)), -ENOENT);
	T_EQ_STR(err, "unknown kernel backend 'kame' (known: pfkey, xfrm, "
	    "null)");
	T_ASSERT(k == NULL);
}

T_CASE(kbe, pfkey_open_here)
{
	struct kbe *k = NULL;
	char err[KBE_ERR_MAX] = "";
	int rc = kbe_open("pfkey", &k, err, sizeof(err));

	/* This host may or may not have PF_KEY; either way it is said so. */
	if (rc == 0) {
		T_ASSERT(k != NULL);
		k->ops->close(k);
	} else {
		T_ASSERT(rc < 0);
		T_CONTAINS(err, "PF_KEY not available: ");
		T_ASSERT(k == NULL);
	}
}

/* A missing af_key says what to do, not only the errno. */
T_CASE(kbe, pfkey_open_hint)
{
	T_ROW("no af_key");
	T_CONTAINS(kbe_pfkey_hint(-EAFNOSUPPORT), "load af_key");
	T_CONTAINS(kbe_pfkey_hint(-EAFNOSUPPORT), "kmod-ipsec on OpenWrt");
	T_CONTAINS(kbe_pfkey_hint(-EAFNOSUPPORT), "or use another backend");
	T_ROW("not root");
	T_CONTAINS(kbe_pfkey_hint(-EPERM), "needs root or CAP_NET_ADMIN");
	T_ROW("anything else: the errno alone");
	T_EQ_STR(kbe_pfkey_hint(-ENOMEM), "");
}

T_CASE(kbe, soft_limit)
{
	static const struct {
		uint64_t soft, hard;
		uint32_t rnd;
		uint64_t want;
	} rows[] = {
		{ 0, 3600, 0, 3060 },		/* 85% */
		{ 0, 3600, 10, 3420 },		/* 95% */
		{ 0, 3600, 11, 3060 },		/* wraps to 85% */
		{ 0, 3600, 5, 3240 },		/* 90% */
		{ 1000, 3600, 7, 1000 },	/* explicit soft wins */
		{ 0, 0, 7, 0 },			/* no limit stays none */
		{ 0, UINT64_MAX, 0, UINT64_MAX / 100 * 85 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		T_ROW("hard %llu rnd %u", (unsigned long long)rows[i].hard,
		    rows[i].rnd);
		T_EQ_INT(kbe_soft_limit(rows[i].soft, rows[i].hard,
		    rows[i].rnd) == rows[i].want, 1);
	}
}

T_CASE(kbe, prefix_parse)
{
	static const struct {
		const char *in;
		int rc, family, plen;
	} rows[] = {
		{ "203.0.113.0/25", 0, KERN_AF_INET, 25 },
		{ "192.0.2.254", 0, KERN_AF_INET, 32 },
		{ "2001:db8::/32", 0, KERN_AF_INET6, 32 },
		{ "2001:db8::1", 0, KERN_AF_INET6, 128 },
		{ "0.0.0.0/0", 0, KERN_AF_INET, 0 },
		{ "203.0.113.0/33", -EINVAL, 0, 0 },
		{ "203.0.113.0/", -EINVAL, 0, 0 },
		{ "203.0.113.0/2x", -EINVAL, 0, 0 },
		{ "gw1.example", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct kern_prefix p;
		int rc = kbe_prefix_parse(&p, rows[i].in);

		T_ROW("%s", rows[i].in);
		T_EQ_INT(rc, rows[i].rc);
		if (rc == 0) {
			T_EQ_INT(p.addr.family, rows[i].family);
			T_EQ_INT(p.plen, rows[i].plen);
		}
	}
}

/* What cfgcheck will refuse for backend = pfkey, with the same words. */
T_CASE(kbe, pfkey_can)
{
	static const struct {
		int type;
		const char *name;
		int ok;
		const char *why;
	} rows[] = {
		{ CR_ENCR, "aes-128", 1, NULL },
		{ CR_ENCR, "aes-192", 1, NULL },
		{ CR_ENCR, "aes-256", 1, NULL },
		{ CR_ENCR, "aes-256-gcm", 0, "is an AEAD cipher, which Linux "
		    "PF_KEY cannot install" },
		{ CR_ENCR, "aes-128-gcm-12", 0, "AEAD" },
		{ CR_ENCR, "chacha20-poly1305", 0, "AEAD" },
		{ CR_INTEG, "hmac-sha1", 1, NULL },
		{ CR_INTEG, "hmac-sha2-256", 0, "is truncated to 96 bits by "
		    "Linux PF_KEY instead of RFC 4868's 128" },
		{ CR_INTEG, "hmac-sha2-384", 1, NULL },
		{ CR_INTEG, "hmac-sha2-512", 1, NULL },
		{ CR_PRF, "hmac-sha2-256", 1, NULL },	/* IKE SA only */
		{ CR_DH, "curve25519", 1, NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct cr_alg *a = cr_alg_by_name(rows[i].type,
		    rows[i].name);
		const char *why = "unset";

		T_ROW("%s %s", cr_type_name(rows[i].type), rows[i].name);
		T_ASSERT(a != NULL);
		if (a == NULL) {
			continue;
		}
		T_EQ_INT(kbe_pfkey_can(a, &why), rows[i].ok);
		if (rows[i].ok) {
			T_ASSERT(why == NULL);
		} else {
			T_CONTAINS(why, rows[i].why);
		}
	}
}
