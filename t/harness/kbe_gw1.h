/*
 * kbe_gw1.h - a null kernel backend holding what the how-to's gw1 installs
 * (one tunnel: two SAs, out/in/fwd policies), shared by t/test_kbe_null.c
 * and t/test_ipsecctl_sa.c.  Failures are reported with T_EQ_INT into the
 * running case.
 */
#ifndef IKEBOX_T_HARNESS_KBE_GW1_H
#define IKEBOX_T_HARNESS_KBE_GW1_H

#include <stdint.h>

#include "net/kbe.h"

/* Opens the null backend. */
struct kbe *t_kbe_null(void);

/* An ESP tunnel SA (aes-256, hmac-sha1, keys e1.../a1...) of VPN nom_vpn. */
void t_kern_sa(struct kern_sa *sa, const char *src, const char *dst,
    uint32_t spi, uint32_t reqid);

/* A policy of VPN nom_vpn: dir, selectors src -> dst, tunnel ts -> td. */
void t_kern_policy(struct kern_policy *p, int dir, const char *src,
    const char *dst, const char *ts, const char *td, uint32_t reqid);

/* gw1 of the how-to: one tunnel, in/out/fwd policies, two SAs. */
void t_kbe_gw1(struct kbe *k);

#endif
