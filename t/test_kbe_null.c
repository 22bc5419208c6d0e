/*
 * test_kbe_null.c - the kernel backend layer without a kernel: the null
 * backend's in-memory SAs and policies (what a dry run shows), the errors a
 * daemon would log, flush of only our own entries, ipsecctl-sa's formats
 * over it, and the shared helpers (soft-lifetime jitter, prefixes, the
 * PF_KEY transform check the config checker will use).  The PF_KEY backend
 * itself runs against a real kernel in t/uml/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/ipsecctl_sa.h"
#include "crypto/alg.h"
#include "net/kbe.h"
#include "t/harness/t.h"

static struct kbe *
open_null(void)
{
	struct kbe *k = NULL;
	char err[KBE_ERR_MAX] = "";

	T_EQ_INT(kbe_open("null", &k, err, sizeof(err)), 0);
	return k;
}

static void
mk_sa(struct kern_sa *sa, const char *src, const char *dst, uint32_t spi,
    uint32_t reqid)
{
	memset(sa, 0, sizeof(*sa));
	T_EQ_INT(kbe_addr_parse(&sa->src, src), 0);
	T_EQ_INT(kbe_addr_parse(&sa->dst, dst), 0);
	sa->proto = KERN_PROTO_ESP;
	sa->mode = KERN_MODE_TUNNEL;
	sa->spi = spi;
	sa->reqid = reqid;
	sa->encr = cr_alg_by_name(CR_ENCR, "aes-256");
	sa->encr_key_len = 32;
	memset(sa->encr_key, 0xe1, 32);
	sa->integ = cr_alg_by_name(CR_INTEG, "hmac-sha1");
	sa->integ_key_len = 20;
	memset(sa->integ_key, 0xa1, 20);
	sa->replay_window = 32;
	snprintf(sa->vpn, sizeof(sa->vpn), "nom_vpn");
}

static void
mk_pol(struct kern_policy *p, int dir, const char *src, const char *dst,
    const char *ts, const char *td, uint32_t reqid)
{
	memset(p, 0, sizeof(*p));
	p->dir = (uint8_t)dir;
	T_EQ_INT(kbe_prefix_parse(&p->src, src), 0);
	T_EQ_INT(kbe_prefix_parse(&p->dst, dst), 0);
	T_EQ_INT(kbe_addr_parse(&p->tun_src, ts), 0);
	T_EQ_INT(kbe_addr_parse(&p->tun_dst, td), 0);
	p->reqid = reqid;
	snprintf(p->vpn, sizeof(p->vpn), "nom_vpn");
}

/* gw1 of the how-to: one tunnel, in/out/fwd policies, two SAs. */
static void
install_gw1(struct kbe *k)
{
	struct kern_sa sa;
	struct kern_policy p;

	mk_sa(&sa, "192.0.2.254", "198.51.100.254", 0xc1a2b3c4, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), 0);
	mk_sa(&sa, "198.51.100.254", "192.0.2.254", 0xc5d6e7f8, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), 0);
	mk_pol(&p, KERN_DIR_OUT, "203.0.113.0/25", "203.0.113.128/25",
	    "192.0.2.254", "198.51.100.254", 0x2001);
	T_EQ_INT(k->ops->policy_add(k, &p), 0);
	mk_pol(&p, KERN_DIR_IN, "203.0.113.128/25", "203.0.113.0/25",
	    "198.51.100.254", "192.0.2.254", 0x2001);
	T_EQ_INT(k->ops->policy_add(k, &p), 0);
	mk_pol(&p, KERN_DIR_FWD, "203.0.113.128/25", "203.0.113.0/25",
	    "198.51.100.254", "192.0.2.254", 0x2001);
	T_EQ_INT(k->ops->policy_add(k, &p), 0);
}

/* Runs ipsecctl_sa_show into a string (caller frees). */
static char *
show(struct kbe *k, int fmt, int keys, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = ipsecctl_sa_show(k, f, fmt, keys);
	fclose(f);
	return buf;
}

T_CASE(kbe, find)
{
	struct kbe *k = NULL;
	char err[KBE_ERR_MAX] = "";

	T_ASSERT(kbe_find("pfkey") != NULL);
	T_ASSERT(kbe_find("null") != NULL);
	T_ASSERT(kbe_find("xfrm") == NULL);
	T_EQ_INT(kbe_open("xfrm", &k, err, sizeof(err)), -ENOENT);
	T_EQ_STR(err, "unknown kernel backend 'xfrm' (known: pfkey, null)");
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

T_CASE(kbe_null, add_dump_delete)
{
	struct kbe *k = open_null();
	struct kern_sa sa;
	struct kern_policy p;
	int n_sa = -1, n_pol = -1;

	install_gw1(k);
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 2);
	T_EQ_INT(n_pol, 3);

	mk_sa(&sa, "192.0.2.254", "198.51.100.254", 0xc1a2b3c4, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), -EEXIST);
	T_EQ_STR(kbe_error(k), "vpn nom_vpn: add SA spi 0xc1a2b3c4 "
	    "192.0.2.254 -> 198.51.100.254: already exists");
	T_EQ_INT(k->ops->sa_del(k, &sa), 0);
	T_EQ_INT(k->ops->sa_del(k, &sa), -ESRCH);
	T_EQ_STR(kbe_error(k), "vpn nom_vpn: delete SA spi 0xc1a2b3c4 "
	    "192.0.2.254 -> 198.51.100.254: no such SA");

	mk_pol(&p, KERN_DIR_FWD, "203.0.113.128/25", "203.0.113.0/25",
	    "198.51.100.254", "192.0.2.254", 0x2001);
	T_EQ_INT(k->ops->policy_add(k, &p), -EEXIST);
	T_EQ_INT(k->ops->policy_del(k, &p), 0);
	T_EQ_INT(k->ops->policy_del(k, &p), -ENOENT);
	T_EQ_STR(kbe_error(k), "vpn nom_vpn: delete policy fwd "
	    "203.0.113.128/25 -> 203.0.113.0/25: no such policy");
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 1);
	T_EQ_INT(n_pol, 2);
	k->ops->close(k);
}

/* What the kernel would refuse, the null backend refuses too. */
T_CASE(kbe_null, refuses)
{
	struct kbe *k = open_null();
	struct kern_sa sa;

	T_ROW("short encryption key");
	mk_sa(&sa, "192.0.2.254", "198.51.100.254", 0xc1a2b3c4, 0x2001);
	sa.encr_key_len = 16;
	T_EQ_INT(k->ops->sa_add(k, &sa), -EINVAL);
	T_CONTAINS(kbe_error(k), "vpn nom_vpn: add SA spi 0xc1a2b3c4 "
	    "192.0.2.254 -> 198.51.100.254: encryption key of 16 bytes, "
	    "aes-256 needs 32");
	T_ROW("missing integrity");
	mk_sa(&sa, "192.0.2.254", "198.51.100.254", 0xc1a2b3c4, 0x2001);
	sa.integ = NULL;
	T_EQ_INT(k->ops->sa_add(k, &sa), -EINVAL);
	T_CONTAINS(kbe_error(k), "integrity key of 20 bytes, (none) needs 0");
	T_ROW("reserved SPI (RFC 4303 2.1)");
	mk_sa(&sa, "192.0.2.254", "198.51.100.254", 255, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), -EINVAL);
	T_CONTAINS(kbe_error(k), "reserved SPI");
	T_ROW("mixed families");
	mk_sa(&sa, "192.0.2.254", "2001:db8::1", 0xc1a2b3c4, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), -EINVAL);
	T_ROW("policy without a direction");
	{
		struct kern_policy p;

		mk_pol(&p, 0, "203.0.113.0/25", "203.0.113.128/25",
		    "192.0.2.254", "198.51.100.254", 0x2001);
		T_EQ_INT(k->ops->policy_add(k, &p), -EINVAL);
	}
	k->ops->close(k);
}

T_CASE(kbe_null, spi_alloc_then_update)
{
	struct kbe *k = open_null();
	struct kern_sa sa;
	uint32_t spis[64];
	int n_sa, n_pol, distinct = 1;

	mk_sa(&sa, "198.51.100.254", "192.0.2.254", 0, 0x2001);
	for (int i = 0; i < 64; i++) {
		T_EQ_INT(k->ops->spi_alloc(k, &sa, &spis[i]), 0);
		T_ASSERT(spis[i] >= KBE_SPI_MIN && spis[i] <= KBE_SPI_MAX);
		for (int j = 0; j < i; j++) {
			distinct &= spis[i] != spis[j];
		}
	}
	T_ASSERT(distinct);
	/* Reserved SPIs are not SAs yet: nothing to show. */
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 0);

	sa.spi = spis[3];
	T_EQ_INT(k->ops->sa_update(k, &sa), 0);
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 1);

	sa.spi = 0xc0000100;
	if (sa.spi == spis[0]) {
		sa.spi++;
	}
	T_EQ_INT(k->ops->sa_update(k, &sa), -ESRCH);
	T_CONTAINS(kbe_error(k), "vpn nom_vpn: update SA spi 0xc0000100 "
	    "198.51.100.254 -> 192.0.2.254: no such SA (SPI not allocated)");
	k->ops->close(k);
}

T_CASE(kbe_null, flush_own_only)
{
	struct kbe *k = open_null();
	struct kern_sa sa;
	struct kern_policy p;
	int n_sa, n_pol;

	install_gw1(k);
	/* Somebody else's (reqid 5, outside 0x2000-0x3fff). */
	mk_sa(&sa, "192.0.2.254", "198.51.100.254", 0x1234, 5);
	T_EQ_INT(k->ops->sa_add(k, &sa), 0);
	mk_pol(&p, KERN_DIR_OUT, "10.1.0.0/16", "10.2.0.0/16", "192.0.2.254",
	    "198.51.100.254", 5);
	T_EQ_INT(k->ops->policy_add(k, &p), 0);
	T_EQ_INT(k->ops->flush_own(k), 0);
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 1);
	T_EQ_INT(n_pol, 1);
	T_EQ_INT(k->ops->sa_del(k, &sa), 0);
	T_EQ_INT(k->ops->policy_del(k, &p), 0);
	k->ops->close(k);
}

T_CASE(ipsecctl_sa, pretty)
{
	struct kbe *k = open_null();
	char *out;
	int rc;

	T_ROW("empty");
	out = show(k, IPSECCTL_SA_PRETTY, 0, &rc);
	T_EQ_INT(rc, 0);
	T_EQ_STR(out, "FLOWS:\nNo flows\n\nSAD:\nNo entries\n");
	free(out);

	T_ROW("gw1");
	install_gw1(k);
	out = show(k, IPSECCTL_SA_PRETTY, 0, &rc);
	T_EQ_INT(rc, 0);
	T_EQ_STR(out, "FLOWS:\n"
	    "flow esp out from 203.0.113.0/25 to 203.0.113.128/25 "
	    "peer 198.51.100.254 type require\n"
	    "flow esp in from 203.0.113.128/25 to 203.0.113.0/25 "
	    "peer 198.51.100.254 type require\n"
	    "flow esp fwd from 203.0.113.128/25 to 203.0.113.0/25 "
	    "peer 198.51.100.254 type require\n"
	    "\nSAD:\n"
	    "esp tunnel from 192.0.2.254 to 198.51.100.254 spi 0xc1a2b3c4 "
	    "auth hmac-sha1 enc aes-256\n"
	    "esp tunnel from 198.51.100.254 to 192.0.2.254 spi 0xc5d6e7f8 "
	    "auth hmac-sha1 enc aes-256\n");
	free(out);

	T_ROW("-k");
	out = show(k, IPSECCTL_SA_PRETTY, 1, &rc);
	{
		char want[256] = "enc aes-256\n\tauthkey 0x";

		for (int i = 0; i < 20; i++) {
			strcat(want, "a1");
		}
		strcat(want, "\n\tenckey 0x");
		for (int i = 0; i < 32; i++) {
			strcat(want, "e1");
		}
		strcat(want, "\n");
		T_CONTAINS(out, want);
	}
	free(out);
	k->ops->close(k);
}

T_CASE(ipsecctl_sa, dump_and_json)
{
	struct kbe *k = open_null();
	char *out;
	int rc;

	install_gw1(k);
	T_ROW("-d hides keys");
	out = show(k, IPSECCTL_SA_DUMP, 0, &rc);
	T_EQ_INT(rc, 0);
	T_CONTAINS(out, "flow\tout\t203.0.113.0/25\t203.0.113.128/25\t0\t"
	    "192.0.2.254\t198.51.100.254\t8193\t0\trequire\t1\n");
	T_CONTAINS(out, "sa\tesp\ttunnel\t192.0.2.254\t198.51.100.254\t"
	    "0xc1a2b3c4\t8193\taes-256\t(hidden)\thmac-sha1\t(hidden)\t32\t0\t"
	    "0\t1\n");
	T_ASSERT(strstr(out, "e1e1") == NULL);
	free(out);
	T_ROW("-d -k");
	out = show(k, IPSECCTL_SA_DUMP, 1, &rc);
	T_CONTAINS(out, "\taes-256\te1e1e1e1");
	T_CONTAINS(out, "\thmac-sha1\ta1a1a1a1");
	free(out);
	T_ROW("-j");
	out = show(k, IPSECCTL_SA_JSON, 0, &rc);
	T_EQ_INT(rc, 0);
	T_CONTAINS(out, "{\"flows\": [\n    {\"dir\": \"out\", \"src\": "
	    "\"203.0.113.0/25\", \"dst\": \"203.0.113.128/25\", \"proto\": 0, "
	    "\"peer\": \"198.51.100.254\", ");
	T_CONTAINS(out, "{\"proto\": \"esp\", \"mode\": \"tunnel\", \"src\": "
	    "\"192.0.2.254\", \"dst\": \"198.51.100.254\", \"spi\": "
	    "\"0xc1a2b3c4\", \"reqid\": 8193, \"enc\": \"aes-256\", \"auth\": "
	    "\"hmac-sha1\", \"replay\": 32, \"bytes\": 0, \"packets\": 0, "
	    "\"own\": true}");
	T_ASSERT(strstr(out, "enckey") == NULL);
	free(out);
	T_ROW("-j -k");
	out = show(k, IPSECCTL_SA_JSON, 1, &rc);
	T_CONTAINS(out, "\"enckey\": \"e1e1e1e1");
	free(out);
	k->ops->close(k);
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
