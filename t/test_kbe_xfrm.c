/*
 * test_kbe_xfrm.c - the xfrm backend's netlink messages without a kernel
 * (net/kbe_xfrm.h): golden bytes of what is sent, the attributes that
 * decide whether a tunnel works with other IKEv2 implementations (AEAD ICV
 * lengths, RFC 4868 truncation, ESN, replay window, lifetimes, UDP
 * encapsulation), and what the parsers make of kernel messages that are
 * truncated or whose lengths lie.  The backend against a real kernel:
 * t/sh/xfrm_auto.sh (policies, on this machine) and t/uml/xfrm.sh (ESP).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "crypto/alg.h"
#include "net/kbe_xfrm.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"

static const struct xfrm_hdr_args seq1 = { .seq = 1 };

static void
mk_sa(struct kern_sa *sa, const char *enc, const char *auth)
{
	memset(sa, 0, sizeof(*sa));
	T_EQ_INT(kbe_addr_parse(&sa->src, GW1), 0);
	T_EQ_INT(kbe_addr_parse(&sa->dst, GW2), 0);
	sa->proto = KERN_PROTO_ESP;
	sa->mode = KERN_MODE_TUNNEL;
	sa->spi = 0xc1a2b3c4;
	sa->reqid = 0x2001;
	sa->encr = cr_alg_by_name(CR_ENCR, enc);
	sa->encr_key_len = sa->encr->key_len;
	memset(sa->encr_key, 0xe1, sa->encr_key_len);
	if (auth != NULL) {
		sa->integ = cr_alg_by_name(CR_INTEG, auth);
		sa->integ_key_len = sa->integ->key_len;
		memset(sa->integ_key, 0xa1, sa->integ_key_len);
	}
	sa->replay_window = 32;
	snprintf(sa->vpn, sizeof(sa->vpn), "nom_vpn");
}

/* The payload of the first attribute of type t, NULL if none. */
static const uint8_t *
find_attr(const uint8_t *msg, size_t n, size_t hlen, uint16_t t,
    size_t *len)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hlen);

	while (off + NLA_HDRLEN <= n) {
		struct nlattr a;

		memcpy(&a, msg + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN) {
			return NULL;
		}
		if (a.nla_type == t) {
			*len = a.nla_len - NLA_HDRLEN;
			return msg + off + NLA_HDRLEN;
		}
		off += NLA_ALIGN(a.nla_len);
	}
	return NULL;
}

T_CASE(kbe_xfrm, delsa_golden_bytes)
{
	uint8_t buf[256], want[256];
	struct kern_sa sa;
	size_t wn;
	int n;

	mk_sa(&sa, "aes-256", "hmac-sha1");
	wn = t_unhex(want, sizeof(want),
	    /* nlmsghdr: 60 bytes, XFRM_MSG_DELSA, REQUEST|ACK, seq 1 */
	    "3c000000 1100 0500 01000000 00000000"
	    /* xfrm_usersa_id: daddr, spi (network order), AF_INET, ESP */
	    "c63364fe 00000000 00000000 00000000 c1a2b3c4 0200 32 00"
	    /* XFRMA_SRCADDR (13): 192.0.2.254 */
	    "1400 0d00 c00002fe 00000000 00000000 00000000");
	{
		static const size_t o16[] = { 4, 6, 36, 40, 42 };
		static const size_t o32[] = { 0, 8, 12 };

		t_le16_to_host(want, o16, 5);
		t_le32_to_host(want, o32, 3);
	}
	n = kbe_xfrm_build_sa_id(buf, sizeof(buf), &sa, 0, &seq1);
	T_EQ_INT(n, wn);
	T_EQ_MEM(buf, want, wn);

	T_ROW("GETSA: same body, no ACK flag (the reply is the SA)");
	n = kbe_xfrm_build_sa_id(buf, sizeof(buf), &sa, 1, &seq1);
	T_EQ_INT(n, wn);
	T_EQ_INT(t_nl_type(buf), XFRM_MSG_GETSA);
	T_EQ_INT(t_nl_flags(buf), NLM_F_REQUEST);

	T_ROW("a buffer too small, an unset address");
	T_EQ_INT(kbe_xfrm_build_sa_id(buf, 40, &sa, 0, &seq1), -ENOSPC);
	memset(&sa.dst, 0, sizeof(sa.dst));
	T_EQ_INT(kbe_xfrm_build_sa_id(buf, sizeof(buf), &sa, 0, &seq1),
	    -EINVAL);
}

T_CASE(kbe_xfrm, dump_request_golden_bytes)
{
	uint8_t buf[64], want[64];
	size_t wn;

	/* GETPOLICY (0x15), REQUEST|DUMP (0x301), seq 1, no body */
	wn = t_unhex(want, sizeof(want), "10000000 1500 0103 01000000 00000000");
	{
		static const size_t o16[] = { 4, 6 };
		static const size_t o32[] = { 0, 8, 12 };

		t_le16_to_host(want, o16, 2);
		t_le32_to_host(want, o32, 3);
	}
	T_EQ_INT(kbe_xfrm_build_dump(buf, sizeof(buf), 0, &seq1), wn);
	T_EQ_MEM(buf, want, wn);
	T_EQ_INT(kbe_xfrm_build_dump(buf, sizeof(buf), 1, &seq1), wn);
	T_EQ_INT(t_nl_type(buf), 0x12);	/* GETSA */
}

/* What each CHILD transform becomes in the kernel's words. */
T_CASE(kbe_xfrm, sa_algorithms)
{
	static const struct {
		const char *enc, *auth, *kname, *aname;
		unsigned kbits, icv, abits, trunc;
	} rows[] = {
		{ "aes-128-gcm", NULL, "rfc4106(gcm(aes))", NULL, 160, 128, 0, 0 },
		{ "aes-256-gcm", NULL, "rfc4106(gcm(aes))", NULL, 288, 128, 0, 0 },
		{ "aes-256-gcm-12", NULL, "rfc4106(gcm(aes))", NULL, 288, 96, 0, 0 },
		{ "chacha20-poly1305", NULL, "rfc7539esp(chacha20,poly1305)",
		    NULL, 288, 128, 0, 0 },
		{ "aes-128", "hmac-sha1", "cbc(aes)", "hmac(sha1)", 128, 0,
		    160, 96 },
		/* RFC 4868 2.3: 128 bits, where PF_KEY installs 96 */
		{ "aes-256", "hmac-sha2-256", "cbc(aes)", "hmac(sha256)", 256,
		    0, 256, 128 },
		{ "aes-192", "hmac-sha2-384", "cbc(aes)", "hmac(sha384)", 192,
		    0, 384, 192 },
		{ "aes-256", "hmac-sha2-512", "cbc(aes)", "hmac(sha512)", 256,
		    0, 512, 256 },
	};
	uint8_t buf[1024];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct kern_sa sa;
		struct kbe_xfrm_sa back;
		const uint8_t *p;
		size_t len;
		int n;

		T_ROW("%s %s", rows[i].enc, rows[i].auth ? rows[i].auth : "");
		mk_sa(&sa, rows[i].enc, rows[i].auth);
		n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
		T_ASSERT(n > 0);
		if (n <= 0) {
			continue;
		}
		if (rows[i].auth == NULL) {
			struct xfrm_algo_aead a;

			p = find_attr(buf, (size_t)n,
			    sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD,
			    &len);
			T_ASSERT(p != NULL);
			T_ASSERT(find_attr(buf, (size_t)n,
			    sizeof(struct xfrm_usersa_info), XFRMA_ALG_CRYPT,
			    &len) == NULL);
			if (p == NULL) {
				continue;
			}
			memcpy(&a, p, sizeof(a));
			T_EQ_STR(a.alg_name, rows[i].kname);
			T_EQ_INT(a.alg_key_len, rows[i].kbits);
			T_EQ_INT(a.alg_icv_len, rows[i].icv);
			T_EQ_INT(p[sizeof(a)], 0xe1);	/* key follows */
		} else {
			struct xfrm_algo c;
			struct xfrm_algo_auth t;

			p = find_attr(buf, (size_t)n,
			    sizeof(struct xfrm_usersa_info), XFRMA_ALG_CRYPT,
			    &len);
			T_ASSERT(p != NULL);
			if (p != NULL) {
				memcpy(&c, p, sizeof(c));
				T_EQ_STR(c.alg_name, rows[i].kname);
				T_EQ_INT(c.alg_key_len, rows[i].kbits);
			}
			p = find_attr(buf, (size_t)n,
			    sizeof(struct xfrm_usersa_info),
			    XFRMA_ALG_AUTH_TRUNC, &len);
			T_ASSERT(p != NULL);
			if (p != NULL) {
				memcpy(&t, p, sizeof(t));
				T_EQ_STR(t.alg_name, rows[i].aname);
				T_EQ_INT(t.alg_key_len, rows[i].abits);
				T_EQ_INT(t.alg_trunc_len, rows[i].trunc);
				T_EQ_INT(p[sizeof(t)], 0xa1);
			}
		}
		/* The dump parser names the transform as the config does. */
		t_nl_set_type(buf, XFRM_MSG_NEWSA);
		T_EQ_INT(kbe_xfrm_parse_sa(buf, (size_t)n, &back), 0);
		T_ASSERT(back.sa.encr == sa.encr);
		T_ASSERT(back.sa.integ == sa.integ);
		T_EQ_STR(back.encr_name, rows[i].enc);
		T_EQ_MEM(back.sa.encr_key, sa.encr_key, sa.encr_key_len);
		T_EQ_INT(back.sa.spi, 0xc1a2b3c4);
		T_EQ_INT(back.sa.reqid, 0x2001);
	}
}

T_CASE(kbe_xfrm, sa_replay_esn_lifetimes_encap)
{
	uint8_t buf[1024];
	struct xfrm_usersa_info u;
	struct xfrm_replay_state_esn r;
	struct xfrm_encap_tmpl e;
	struct kbe_xfrm_sa back;
	struct kern_sa sa;
	const uint8_t *p;
	size_t len;
	int n;

	T_ROW("no ESN, window 32: the old one-byte field, no bitmap");
	mk_sa(&sa, "aes-256-gcm", NULL);
	sa.hard_secs = 3600;
	sa.hard_bytes = 1000000;
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	T_ASSERT(n > 0);
	memcpy(&u, buf + NLMSG_HDRLEN, sizeof(u));
	T_EQ_INT(u.replay_window, 32);
	T_EQ_INT(u.flags & XFRM_STATE_ESN, 0);
	T_ASSERT(find_attr(buf, (size_t)n, sizeof(u), XFRMA_REPLAY_ESN_VAL,
	    &len) == NULL);
	T_EQ_INT(u.family, AF_INET);
	T_EQ_INT(u.mode, XFRM_MODE_TUNNEL);
	T_EQ_INT(u.id.proto, IPPROTO_ESP);
	T_EQ_INT(ntohl(u.id.spi), 0xc1a2b3c4);
	T_EQ_INT(u.reqid, 0x2001);
	/* soft: 85% of hard with rnd 0 (kbe_soft_limit) */
	T_EQ_INT(u.lft.hard_add_expires_seconds, 3600);
	T_EQ_INT(u.lft.soft_add_expires_seconds, 3060);
	T_EQ_INT(u.lft.hard_byte_limit, 1000000);
	T_EQ_INT(u.lft.soft_byte_limit, 850000);
	/* no packet limit: "infinite", not 0 (0 would expire at once) */
	T_ASSERT(u.lft.hard_packet_limit == XFRM_INF);
	T_ASSERT(u.lft.soft_packet_limit == XFRM_INF);
	T_ASSERT(find_attr(buf, (size_t)n, sizeof(u), XFRMA_ENCAP,
	    &len) == NULL);

	T_ROW("no byte limit: infinite, not 0");
	sa.hard_bytes = 0;
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	memcpy(&u, buf + NLMSG_HDRLEN, sizeof(u));
	T_ASSERT(u.lft.hard_byte_limit == XFRM_INF);
	T_ASSERT(u.lft.soft_byte_limit == XFRM_INF);

	T_ROW("ESN: flag, bitmap attribute, fixed-part window 0");
	sa.esn = 1;
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 1, 0, &seq1);
	T_EQ_INT(t_nl_type(buf), XFRM_MSG_UPDSA);
	memcpy(&u, buf + NLMSG_HDRLEN, sizeof(u));
	T_EQ_INT(u.flags & XFRM_STATE_ESN, XFRM_STATE_ESN);
	T_EQ_INT(u.replay_window, 0);
	p = find_attr(buf, (size_t)n, sizeof(u), XFRMA_REPLAY_ESN_VAL, &len);
	T_ASSERT(p != NULL);
	if (p != NULL) {
		memcpy(&r, p, sizeof(r));
		T_EQ_INT(r.replay_window, 32);
		T_EQ_INT(r.bmp_len, 1);
		T_EQ_INT(len, sizeof(r) + 4);
	}
	t_nl_set_type(buf, XFRM_MSG_NEWSA);
	T_EQ_INT(kbe_xfrm_parse_sa(buf, (size_t)n, &back), 0);
	T_EQ_INT(back.sa.esn, 1);
	T_EQ_INT(back.sa.replay_window, 32);

	T_ROW("a window of 100 without ESN: bitmap of 4 words");
	sa.esn = 0;
	sa.replay_window = 100;
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	memcpy(&u, buf + NLMSG_HDRLEN, sizeof(u));
	T_EQ_INT(u.flags & XFRM_STATE_ESN, 0);
	p = find_attr(buf, (size_t)n, sizeof(u), XFRMA_REPLAY_ESN_VAL, &len);
	T_ASSERT(p != NULL);
	if (p != NULL) {
		memcpy(&r, p, sizeof(r));
		T_EQ_INT(r.replay_window, 100);
		T_EQ_INT(r.bmp_len, 4);
	}

	T_ROW("window 0: no replay check");
	sa.replay_window = 0;
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	memcpy(&u, buf + NLMSG_HDRLEN, sizeof(u));
	T_EQ_INT(u.replay_window, 0);
	T_ASSERT(find_attr(buf, (size_t)n, sizeof(u), XFRMA_REPLAY_ESN_VAL,
	    &len) == NULL);

	T_ROW("NAT-T: XFRMA_ENCAP, ESP-in-UDP, ports in network order");
	sa.encap_sport = 4500;
	sa.encap_dport = 34567;
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	p = find_attr(buf, (size_t)n, sizeof(u), XFRMA_ENCAP, &len);
	T_ASSERT(p != NULL);
	if (p != NULL) {
		memcpy(&e, p, sizeof(e));
		T_EQ_INT(e.encap_type, 2);	/* UDP_ENCAP_ESPINUDP */
		T_EQ_INT(ntohs(e.encap_sport), 4500);
		T_EQ_INT(ntohs(e.encap_dport), 34567);
	}
	T_EQ_INT(kbe_xfrm_parse_sa(buf, (size_t)n, &back), 0);
	T_EQ_INT(back.sa.encap_dport, 34567);

	T_ROW("refused: CBC without integrity, wrong key size, small buffer");
	mk_sa(&sa, "aes-256", NULL);
	T_EQ_INT(kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1),
	    -EINVAL);
	mk_sa(&sa, "aes-256", "hmac-sha1");
	sa.integ_key_len = 16;
	T_EQ_INT(kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1),
	    -EINVAL);
	mk_sa(&sa, "aes-256", "hmac-sha1");
	T_EQ_INT(kbe_xfrm_build_sa(buf, 260, &sa, 0, 0, &seq1), -ENOSPC);
}

T_CASE(kbe_xfrm, policy_and_allocspi)
{
	uint8_t buf[1024];
	struct xfrm_userpolicy_info pi;
	struct xfrm_userpolicy_id id;
	struct xfrm_user_tmpl t;
	struct xfrm_userspi_info s;
	struct kern_policy p, back;
	struct kern_sa sa;
	const uint8_t *a;
	const char *act;
	uint32_t idx;
	size_t len;
	int n;

	memset(&p, 0, sizeof(p));
	p.dir = KERN_DIR_FWD;
	T_EQ_INT(kbe_prefix_parse(&p.src, "10.2.0.0/24"), 0);
	T_EQ_INT(kbe_prefix_parse(&p.dst, "10.1.0.0/16"), 0);
	T_EQ_INT(kbe_addr_parse(&p.tun_src, GW2), 0);
	T_EQ_INT(kbe_addr_parse(&p.tun_dst, GW1), 0);
	p.reqid = 0x2001;

	T_ROW("NEWPOLICY fwd: selector, default priority, template");
	n = kbe_xfrm_build_policy(buf, sizeof(buf), &p, 0, 0, &seq1);
	T_ASSERT(n > 0);
	T_EQ_INT(t_nl_type(buf), XFRM_MSG_NEWPOLICY);
	memcpy(&pi, buf + NLMSG_HDRLEN, sizeof(pi));
	T_EQ_INT(pi.dir, XFRM_POLICY_FWD);
	T_EQ_INT(pi.sel.prefixlen_s, 24);
	T_EQ_INT(pi.sel.prefixlen_d, 16);
	T_EQ_INT(pi.sel.family, AF_INET);
	/* the longer the selectors, the lower (stronger) the value */
	T_EQ_INT(pi.priority, 0x4000 - 40);
	a = find_attr(buf, (size_t)n, sizeof(pi), XFRMA_TMPL, &len);
	T_ASSERT(a != NULL && len == sizeof(t));
	if (a != NULL) {
		memcpy(&t, a, sizeof(t));
		T_EQ_INT(t.reqid, 0x2001);
		T_EQ_INT(t.mode, XFRM_MODE_TUNNEL);
		T_EQ_INT(t.id.proto, IPPROTO_ESP);
		T_EQ_INT(t.saddr.a4, htonl(0xc63364fe));
	}
	T_EQ_INT(kbe_xfrm_parse_policy(buf, (size_t)n, &back, &idx, &act), 0);
	T_EQ_INT(back.dir, KERN_DIR_FWD);
	T_EQ_INT(back.reqid, 0x2001);
	T_EQ_STR(act, "require");
	T_EQ_INT(memcmp(&back.tun_dst, &p.tun_dst, sizeof(p.tun_dst)), 0);

	T_ROW("an explicit priority is kept");
	p.priority = 7;
	n = kbe_xfrm_build_policy(buf, sizeof(buf), &p, 0, 0, &seq1);
	memcpy(&pi, buf + NLMSG_HDRLEN, sizeof(pi));
	T_EQ_INT(pi.priority, 7);

	T_ROW("DELPOLICY by selector, then by index");
	n = kbe_xfrm_build_policy(buf, sizeof(buf), &p, 1, 0, &seq1);
	T_EQ_INT(n, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(id)));
	memcpy(&id, buf + NLMSG_HDRLEN, sizeof(id));
	T_EQ_INT(id.dir, XFRM_POLICY_FWD);
	T_EQ_INT(id.index, 0);
	T_EQ_INT(id.sel.prefixlen_s, 24);
	n = kbe_xfrm_build_policy(buf, sizeof(buf), &p, 1, 4242, &seq1);
	memcpy(&id, buf + NLMSG_HDRLEN, sizeof(id));
	T_EQ_INT(id.index, 4242);
	p.dir = 0;
	T_EQ_INT(kbe_xfrm_build_policy(buf, sizeof(buf), &p, 0, 0, &seq1),
	    -EINVAL);

	T_ROW("ALLOCSPI: range, reqid, our sequence number as larval seq");
	mk_sa(&sa, "aes-256-gcm", NULL);
	n = kbe_xfrm_build_allocspi(buf, sizeof(buf), &sa, 0xc0000000u,
	    0xcfffffffu, &(struct xfrm_hdr_args){ .seq = 0x40000007 });
	T_EQ_INT(n, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(s)));
	memcpy(&s, buf + NLMSG_HDRLEN, sizeof(s));
	T_EQ_INT(s.min, 0xc0000000u);
	T_EQ_INT(s.max, 0xcfffffffu);
	T_EQ_INT(s.info.id.spi, 0);
	T_EQ_INT(s.info.reqid, 0x2001);
	T_EQ_INT(s.info.seq, 0x40000007);
}

/* An EXPIRE and an ACQUIRE as the kernel multicasts them. */
T_CASE(kbe_xfrm, events)
{
	uint8_t buf[1024];
	struct xfrm_user_acquire aq;
	struct xfrm_user_tmpl t;
	struct kbe_event ev;
	struct kern_sa sa;
	struct nlmsghdr nh;
	struct nlattr na;
	int n;

	T_ROW("soft and hard expiry");
	mk_sa(&sa, "aes-128-gcm", NULL);
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	/* xfrm_user_expire is the SA info plus a "hard" byte: the
	 * attributes move by 8 bytes; an EXPIRE without them is enough */
	memset(buf + NLMSG_HDRLEN + sizeof(struct xfrm_usersa_info), 0, 8);
	n = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xfrm_user_expire));
	memcpy(&nh, buf, sizeof(nh));
	nh.nlmsg_type = XFRM_MSG_EXPIRE;
	nh.nlmsg_len = (uint32_t)n;
	memcpy(buf, &nh, sizeof(nh));
	T_EQ_INT(kbe_xfrm_parse_event(buf, (size_t)n, &ev), 0);
	T_EQ_INT(ev.type, KBE_EV_EXPIRE_SOFT);
	T_EQ_INT(ev.spi, 0xc1a2b3c4);
	T_EQ_INT(ev.reqid, 0x2001);
	buf[NLMSG_HDRLEN + offsetof(struct xfrm_user_expire, hard)] = 1;
	T_EQ_INT(kbe_xfrm_parse_event(buf, (size_t)n, &ev), 0);
	T_EQ_INT(ev.type, KBE_EV_EXPIRE_HARD);

	T_ROW("acquire: reqid and tunnel from the template");
	memset(buf, 0, sizeof(buf));
	memset(&aq, 0, sizeof(aq));
	aq.policy.sel.family = AF_INET;
	aq.policy.dir = XFRM_POLICY_OUT;
	aq.policy.index = 0x1239;
	aq.seq = 17;
	memset(&t, 0, sizeof(t));
	t.family = AF_INET;
	t.reqid = 0x2003;
	t.saddr.a4 = htonl(0xc00002fe);
	t.id.daddr.a4 = htonl(0xc63364fe);
	n = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(aq)) + NLA_HDRLEN + sizeof(t);
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_len = (uint32_t)n;
	nh.nlmsg_type = XFRM_MSG_ACQUIRE;
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + NLMSG_HDRLEN, &aq, sizeof(aq));
	na.nla_len = NLA_HDRLEN + sizeof(t);
	na.nla_type = XFRMA_TMPL;
	memcpy(buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(aq)), &na, sizeof(na));
	memcpy(buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(aq)) + NLA_HDRLEN, &t,
	    sizeof(t));
	T_EQ_INT(kbe_xfrm_parse_event(buf, (size_t)n, &ev), 0);
	T_EQ_INT(ev.type, KBE_EV_ACQUIRE);
	T_EQ_INT(ev.reqid, 0x2003);
	T_EQ_INT(ev.seq, 17);
	T_EQ_INT(ev.policy_id, 0x1239);
	T_EQ_INT(ev.policy_dir, KERN_DIR_OUT);
	T_EQ_INT(ev.dst.addr[0], 198);

	T_ROW("the template attribute claims more than the message holds");
	na.nla_len = NLA_HDRLEN + sizeof(t) + 64;
	memcpy(buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(aq)), &na, sizeof(na));
	T_EQ_INT(kbe_xfrm_parse_event(buf, (size_t)n, &ev), -EBADMSG);

	T_ROW("somebody's NEWPOLICY broadcast is no event");
	nh.nlmsg_type = XFRM_MSG_NEWPOLICY;
	memcpy(buf, &nh, sizeof(nh));
	T_EQ_INT(kbe_xfrm_parse_event(buf, (size_t)n, &ev), -ENOENT);
}

/* Lengths from the kernel are checked, never trusted. */
T_CASE(kbe_xfrm, lying_lengths)
{
	uint8_t buf[1024], two[2048];
	struct kbe_xfrm_sa back;
	struct kern_sa sa;
	struct nlmsghdr nh;
	struct nlattr na;
	const uint8_t *m;
	size_t off, len, aoff;
	int n;

	mk_sa(&sa, "aes-256", "hmac-sha2-256");
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	T_ASSERT(n > 0);

	T_ROW("two messages in one datagram, then the end");
	memcpy(two, buf, (size_t)n);
	memcpy(two + n, buf, (size_t)n);
	off = 0;
	T_EQ_INT(kbe_xfrm_next(two, 2 * (size_t)n, &off, &m, &len), 1);
	T_EQ_INT(len, n);
	T_EQ_INT(kbe_xfrm_next(two, 2 * (size_t)n, &off, &m, &len), 1);
	T_ASSERT(m == two + n);
	T_EQ_INT(kbe_xfrm_next(two, 2 * (size_t)n, &off, &m, &len), 0);

	T_ROW("nlmsg_len past the datagram, below a header, a cut header");
	off = 0;
	T_EQ_INT(kbe_xfrm_next(buf, (size_t)n - 1, &off, &m, &len), -EBADMSG);
	memcpy(&nh, buf, sizeof(nh));
	nh.nlmsg_len = 8;
	memcpy(two, &nh, sizeof(nh));
	off = 0;
	T_EQ_INT(kbe_xfrm_next(two, 64, &off, &m, &len), -EBADMSG);
	off = 0;
	T_EQ_INT(kbe_xfrm_next(buf, 10, &off, &m, &len), -EBADMSG);

	T_ROW("an SA message cut inside its fixed part");
	nh.nlmsg_len = 100;
	memcpy(two, &nh, sizeof(nh));
	memset(two + sizeof(nh), 0, 100 - sizeof(nh));
	T_EQ_INT(kbe_xfrm_parse_sa(two, 100, &back), -EBADMSG);

	T_ROW("nlmsg_len saying less than the bytes handed over");
	T_EQ_INT(kbe_xfrm_parse_sa(buf, (size_t)n + 4, &back), -EBADMSG);

	T_ROW("an attribute longer than what is left, or shorter than its head");
	aoff = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct xfrm_usersa_info));
	memcpy(two, buf, (size_t)n);
	memcpy(&na, two + aoff, sizeof(na));
	na.nla_len = (uint16_t)(n - (int)aoff + 4);
	memcpy(two + aoff, &na, sizeof(na));
	T_EQ_INT(kbe_xfrm_parse_sa(two, (size_t)n, &back), -EBADMSG);
	na.nla_len = 2;
	memcpy(two + aoff, &na, sizeof(na));
	T_EQ_INT(kbe_xfrm_parse_sa(two, (size_t)n, &back), -EBADMSG);

	T_ROW("a key length claiming more than the attribute: key dropped");
	memcpy(two, buf, (size_t)n);
	{
		struct xfrm_algo c;

		memcpy(&c, two + aoff + NLA_HDRLEN, sizeof(c));
		c.alg_key_len = 4096;
		memcpy(two + aoff + NLA_HDRLEN, &c, sizeof(c));
	}
	T_EQ_INT(kbe_xfrm_parse_sa(two, (size_t)n, &back), 0);
	T_EQ_INT(back.sa.encr_key_len, 0);
	T_ASSERT(back.sa.encr == NULL);
	T_EQ_STR(back.encr_name, "cbc(aes)");
	T_EQ_STR(back.integ_name, "hmac-sha2-256");

	T_ROW("a family the parser does not know");
	memcpy(two, buf, (size_t)n);
	two[NLMSG_HDRLEN + offsetof(struct xfrm_usersa_info, family)] = 99;
	T_EQ_INT(kbe_xfrm_parse_sa(two, (size_t)n, &back), -EBADMSG);

	T_ROW("the fuzz entry walks the same checks");
	T_EQ_INT(kbe_xfrm_parse_for_fuzz(buf, (size_t)n), 0);
	T_EQ_INT(kbe_xfrm_parse_for_fuzz(buf, 10), -EBADMSG);
}

T_CASE(kbe_xfrm, errors)
{
	uint8_t buf[256];
	struct nlmsghdr nh, orig;
	struct nlmsgerr e;
	struct nlattr na;
	char why[64];
	const char *text = "Requested type not found";
	size_t n;
	int err;

	memset(buf, 0, sizeof(buf));
	memset(&e, 0, sizeof(e));
	memset(&orig, 0, sizeof(orig));
	orig.nlmsg_len = 300;	/* the request: capped, not echoed */
	orig.nlmsg_type = XFRM_MSG_NEWSA;
	e.error = -EPROTONOSUPPORT;
	e.msg = orig;
	n = NLMSG_HDRLEN + sizeof(e);
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = NLMSG_ERROR;
	nh.nlmsg_len = (uint32_t)n;
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + NLMSG_HDRLEN, &e, sizeof(e));

	T_ROW("a plain error, an acknowledgement");
	T_EQ_INT(kbe_xfrm_parse_error(buf, n, &err, why, sizeof(why)), 0);
	T_EQ_INT(err, -EPROTONOSUPPORT);
	T_EQ_STR(why, "");

	T_ROW("the kernel's reason (extended ack)");
	na.nla_len = (uint16_t)(NLA_HDRLEN + strlen(text) + 1);
	na.nla_type = 1;	/* NLMSGERR_ATTR_MSG */
	memcpy(buf + n, &na, sizeof(na));
	memcpy(buf + n + NLA_HDRLEN, text, strlen(text) + 1);
	n += NLA_ALIGN(na.nla_len);
	nh.nlmsg_len = (uint32_t)n;
	nh.nlmsg_flags = 0x100 | 0x200;	/* CAPPED | ACK_TLVS */
	memcpy(buf, &nh, sizeof(nh));
	T_EQ_INT(kbe_xfrm_parse_error(buf, n, &err, why, sizeof(why)), 0);
	T_EQ_STR(why, text);

	T_ROW("the reason's length lies; a cut error message");
	na.nla_len = 200;
	memcpy(buf + NLMSG_HDRLEN + sizeof(e), &na, sizeof(na));
	T_EQ_INT(kbe_xfrm_parse_error(buf, n, &err, why, sizeof(why)),
	    -EBADMSG);
	T_EQ_INT(kbe_xfrm_parse_error(buf, NLMSG_HDRLEN + 8, &err, why,
	    sizeof(why)), -EBADMSG);

	T_ROW("not capped: the echoed request must fit");
	nh.nlmsg_flags = 0x200;
	memcpy(buf, &nh, sizeof(nh));
	T_EQ_INT(kbe_xfrm_parse_error(buf, n, &err, why, sizeof(why)),
	    -EBADMSG);
}

/* `tap`: the interface ID or the VTI's mark on SAs and policies, in every
 * message the kernel matches them by. */
T_CASE(kbe_xfrm, if_id_and_mark)
{
	uint8_t buf[1024];
	struct xfrm_mark mk;
	struct kbe_xfrm_sa back;
	struct kern_policy p, pback;
	struct kern_sa sa;
	const uint8_t *a;
	const char *act;
	uint32_t id, idx;
	size_t len, hl = sizeof(struct xfrm_usersa_info);
	int n;

	T_ROW("none by default: no attribute");
	mk_sa(&sa, "aes-128-gcm", NULL);
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	T_ASSERT(find_attr(buf, (size_t)n, hl, XFRMA_IF_ID, &len) == NULL);
	T_ASSERT(find_attr(buf, (size_t)n, hl, XFRMA_MARK, &len) == NULL);

	T_ROW("an xfrm interface's ID on the SA");
	sa.if_id = 0x4001;
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	a = find_attr(buf, (size_t)n, hl, XFRMA_IF_ID, &len);
	T_ASSERT(a != NULL && len == 4);
	if (a != NULL) {
		memcpy(&id, a, 4);
		T_EQ_INT(id, 0x4001);
	}
	T_EQ_INT(kbe_xfrm_parse_sa(buf, (size_t)n, &back), 0);
	T_EQ_INT(back.sa.if_id, 0x4001);

	T_ROW("a VTI's mark, every bit compared, also when deleting");
	sa.if_id = 0;
	sa.mark = 0x2a;
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	a = find_attr(buf, (size_t)n, hl, XFRMA_MARK, &len);
	T_ASSERT(a != NULL && len == sizeof(mk));
	if (a != NULL) {
		memcpy(&mk, a, sizeof(mk));
		T_EQ_INT(mk.v, 0x2a);
		T_EQ_INT(mk.m, 0xffffffffu);
	}
	T_EQ_INT(kbe_xfrm_parse_sa(buf, (size_t)n, &back), 0);
	T_EQ_INT(back.sa.mark, 0x2a);
	n = kbe_xfrm_build_sa_id(buf, sizeof(buf), &sa, 0, &seq1);
	T_ASSERT(find_attr(buf, (size_t)n, sizeof(struct xfrm_usersa_id),
	    XFRMA_MARK, &len) != NULL);

	T_ROW("policies: added, deleted by selector and by index");
	memset(&p, 0, sizeof(p));
	p.dir = KERN_DIR_OUT;
	T_EQ_INT(kbe_prefix_parse(&p.src, "10.1.0.0/24"), 0);
	T_EQ_INT(kbe_prefix_parse(&p.dst, "10.2.0.0/24"), 0);
	T_EQ_INT(kbe_addr_parse(&p.tun_src, GW1), 0);
	T_EQ_INT(kbe_addr_parse(&p.tun_dst, GW2), 0);
	p.reqid = 0x2001;
	p.mark = 0x2a;
	p.if_id = 7;
	n = kbe_xfrm_build_policy(buf, sizeof(buf), &p, 0, 0, &seq1);
	T_ASSERT(find_attr(buf, (size_t)n, sizeof(struct xfrm_userpolicy_info),
	    XFRMA_MARK, &len) != NULL);
	T_EQ_INT(kbe_xfrm_parse_policy(buf, (size_t)n, &pback, &idx, &act), 0);
	T_EQ_INT(pback.mark, 0x2a);
	T_EQ_INT(pback.if_id, 7);
	for (int byidx = 0; byidx < 2; byidx++) {
		n = kbe_xfrm_build_policy(buf, sizeof(buf), &p, 1,
		    byidx ? 99 : 0, &seq1);
		T_ASSERT(find_attr(buf, (size_t)n,
		    sizeof(struct xfrm_userpolicy_id), XFRMA_MARK, &len) != NULL);
		a = find_attr(buf, (size_t)n, sizeof(struct xfrm_userpolicy_id),
		    XFRMA_IF_ID, &len);
		T_ASSERT(a != NULL);
	}
}

/* IPv6 tunnels: 16-byte addresses everywhere, AF_INET6. */
T_CASE(kbe_xfrm, ipv6)
{
	uint8_t buf[1024];
	struct xfrm_usersa_info u;
	struct kbe_xfrm_sa back;
	struct kern_policy p, pb;
	struct kern_sa sa;
	const char *act;
	uint32_t idx;
	int n;

	mk_sa(&sa, "aes-256-gcm", NULL);
	T_EQ_INT(kbe_addr_parse(&sa.src, "2001:db8::1"), 0);
	T_EQ_INT(kbe_addr_parse(&sa.dst, "2001:db8::2"), 0);
	n = kbe_xfrm_build_sa(buf, sizeof(buf), &sa, 0, 0, &seq1);
	T_ASSERT(n > 0);
	memcpy(&u, buf + NLMSG_HDRLEN, sizeof(u));
	T_EQ_INT(u.family, AF_INET6);
	T_EQ_INT(u.id.daddr.a6[3], htonl(2));
	T_EQ_INT(kbe_xfrm_parse_sa(buf, (size_t)n, &back), 0);
	T_EQ_INT(back.sa.dst.family, KERN_AF_INET6);
	T_EQ_INT(memcmp(back.sa.src.addr, sa.src.addr, 16), 0);

	T_ROW("a policy between IPv6 prefixes; families must agree");
	memset(&p, 0, sizeof(p));
	p.dir = KERN_DIR_IN;
	T_EQ_INT(kbe_prefix_parse(&p.src, "2001:db8:2::/48"), 0);
	T_EQ_INT(kbe_prefix_parse(&p.dst, "2001:db8:1::/48"), 0);
	T_EQ_INT(kbe_addr_parse(&p.tun_src, "2001:db8::2"), 0);
	T_EQ_INT(kbe_addr_parse(&p.tun_dst, "2001:db8::1"), 0);
	p.reqid = 0x2002;
	n = kbe_xfrm_build_policy(buf, sizeof(buf), &p, 0, 0, &seq1);
	T_ASSERT(n > 0);
	T_EQ_INT(kbe_xfrm_parse_policy(buf, (size_t)n, &pb, &idx, &act), 0);
	T_EQ_INT(pb.src.plen, 48);
	T_EQ_INT(pb.tun_src.family, KERN_AF_INET6);
	T_EQ_INT(memcmp(&pb.dst, &p.dst, sizeof(p.dst)), 0);
	T_EQ_INT(kbe_addr_parse(&p.tun_dst, "192.0.2.1"), 0);
	T_EQ_INT(kbe_xfrm_build_policy(buf, sizeof(buf), &p, 0, 0, &seq1),
	    -EINVAL);
}
