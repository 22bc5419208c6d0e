/*
 * kbe_gw1.c - the how-to's gw1 in a null kernel backend (see kbe_gw1.h).
 */
#include <stdio.h>
#include <string.h>

#include "crypto/alg.h"
#include "t/harness/kbe_gw1.h"
#include "t/harness/t.h"

/* see kbe_gw1.h */
struct kbe *
t_kbe_null(void)
{
	struct kbe *k = NULL;
	char err[KBE_ERR_MAX] = "";

	T_EQ_INT(kbe_open("null", &k, err, sizeof(err)), 0);
	return k;
}

/* see kbe_gw1.h */
void
t_kern_sa(struct kern_sa *sa, const char *src, const char *dst, uint32_t spi,
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

/* see kbe_gw1.h */
void
t_kern_policy(struct kern_policy *p, int dir, const char *src, const char *dst,
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

/* see kbe_gw1.h */
void
t_kbe_gw1(struct kbe *k)
{
	struct kern_sa sa;
	struct kern_policy p;

	t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0xc1a2b3c4, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), 0);
	t_kern_sa(&sa, "198.51.100.254", "192.0.2.254", 0xc5d6e7f8, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), 0);
	t_kern_policy(&p, KERN_DIR_OUT, "203.0.113.0/25", "203.0.113.128/25",
	    "192.0.2.254", "198.51.100.254", 0x2001);
	T_EQ_INT(k->ops->policy_add(k, &p), 0);
	t_kern_policy(&p, KERN_DIR_IN, "203.0.113.128/25", "203.0.113.0/25",
	    "198.51.100.254", "192.0.2.254", 0x2001);
	T_EQ_INT(k->ops->policy_add(k, &p), 0);
	t_kern_policy(&p, KERN_DIR_FWD, "203.0.113.128/25", "203.0.113.0/25",
	    "198.51.100.254", "192.0.2.254", 0x2001);
	T_EQ_INT(k->ops->policy_add(k, &p), 0);
}
