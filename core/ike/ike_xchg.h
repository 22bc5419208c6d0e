/*
 * ike_xchg.h - the engine's internal functions shared between ike.c (SA
 * table, sending, timers) and ike_xchg.c (the exchanges of RFC 7296).
 */
#ifndef IKEBOX_CORE_IKE_IKE_XCHG_H
#define IKEBOX_CORE_IKE_IKE_XCHG_H

#include "core/ike/ike_int.h"
#include "core/wire/msg.h"

/* ike.c */
void ike_log(struct ike_engine *eng, int level, const struct ike_sa *sa,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *ike_sa_peer_str(const struct ike_sa *sa, char *buf, size_t len);
struct ike_sa *ike_sa_new(struct ike_engine *eng, struct ike_vpn *vpn,
    int initiator, const struct ike_addr *local, const struct ike_addr *peer);
struct ike_sa *ike_sa_by_ispi(struct ike_engine *eng, const uint8_t ispi[8],
    const struct ike_addr *peer);
void ike_sa_set_ispi(struct ike_sa *sa, const uint8_t ispi[8]);
/*
 * Gives a half-open responder SA the VPN IKE_AUTH chose.  When that VPN
 * has more flows than the SA has slots for, the SA moves to a larger
 * allocation: the old pointer is then invalid.  Returns the SA, or NULL
 * (out of memory: sa unchanged).
 */
struct ike_sa *ike_sa_set_vpn(struct ike_sa *sa, struct ike_vpn *vpn);
void ike_sa_free(struct ike_sa *sa);
/* The nonces are no longer needed (keys and IKE_AUTH's CHILD SA made). */
void ike_sa_drop_nonces(struct ike_sa *sa);
void ike_vpn_schedule_retry(struct ike_engine *eng, struct ike_vpn *v);
/* The VPN's or its IKE SAs' timers may have changed: recomputed before
 * the engine call returns. */
void ike_touch(struct ike_engine *eng, struct ike_vpn *v);
/* When ike_tick() has something to do for sa (0: free it) or for v
 * (initiate); UINT64_MAX: nothing planned.  What the heaps hold. */
uint64_t ike_sa_due(const struct ike_engine *eng, const struct ike_sa *sa);
uint64_t ike_vpn_due(const struct ike_vpn *v);
/* A random lo_pct..hi_pct percent of ms. */
uint64_t ike_jitter(uint64_t ms, unsigned lo_pct, unsigned hi_pct);
/* Slot of an installed CHILD SA of reqid other than except, or -1. */
int ike_child_by_reqid(const struct ike_sa *sa, uint32_t reqid, int except);
void ike_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len);
/* Builds an encrypted message around inner (NULL: empty) into eng->tx. */
int ike_build(struct ike_sa *sa, uint8_t exch, int response, uint32_t msgid,
    const struct pld_wr *inner, size_t *len);
/* Sends eng->tx[0..len) as our request (kept for retransmission). */
int ike_send_request(struct ike_sa *sa, uint8_t exch, int xchg, size_t len);
/* Sends eng->tx[0..len) as the response to msgid (kept for replays). */
int ike_send_response(struct ike_sa *sa, uint32_t msgid, size_t len);
void ike_request_done(struct ike_sa *sa);
void ike_kern_sa(const struct ike_sa *sa, const struct child_sa *ch, int dir,
    struct kern_sa *k);
/* Installs a new CHILD SA in the kernel.  xinit: we sent the request of
 * the exchange that made its keys (IKE_AUTH or CREATE_CHILD_SA); its
 * initiator-to-responder keys are then our outbound ones (RFC 7296 2.17:
 * the CREATE_CHILD_SA's initiator, not the IKE SA's). */
int ike_child_install(struct ike_sa *sa, int idx,
    const struct cr_child_keys *keys, int xinit);
/* Removes a CHILD SA (kernel SAs, and the flow's policies when no other
 * SA carries it); a rekey's successor starts sending on its own SA. */
void ike_child_remove(struct ike_sa *sa, int idx);
/* Installs the deferred outbound SA of the rekeys of old_spi_in (0: of
 * every CHILD SA); one found redundant meanwhile is dropped instead. */
void ike_child_send_new(struct ike_sa *sa, uint32_t old_spi_in);

/* ike_xchg.c */
void ike_xchg_bad_message(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m, size_t len);
/* A protected request (m) for an IKE SA we do not know: an unprotected
 * INVALID_IKE_SPI answer, rate-limited (RFC 7296 2.21.4).  Returns 1 if
 * it was sent, 0 if the rate limit held it back. */
int ike_xchg_invalid_spi(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m);
/* The IKE_SA_INIT error waited on (sa->init_error) stands: gives up. */
void ike_xchg_init_failed(struct ike_sa *sa);
void ike_xchg_init_request(struct ike_engine *eng,
    const struct ike_addr *local, const struct ike_addr *peer,
    const struct msg *m);
void ike_xchg_response(struct ike_sa *sa, const struct msg *m);
void ike_xchg_request(struct ike_sa *sa, const struct msg *m);
void ike_xchg_initiate(struct ike_engine *eng, struct ike_vpn *v);
void ike_xchg_dpd(struct ike_sa *sa);
/* With our request window free: DELETEs of CHILD SAs, the IKE SA's rekey,
 * CHILD SA rekeys, flows not built yet, in that order (one exchange). */
void ike_xchg_kick(struct ike_sa *sa);
/* When ike_xchg_kick will have something to do; UINT64_MAX if never. */
uint64_t ike_xchg_work_due(const struct ike_sa *sa);
/* Sends an IKE SA DELETE as a request (retransmitted; freed on answer). */
void ike_xchg_delete_ike(struct ike_sa *sa);
/* Sends an IKE SA DELETE without waiting for the answer. */
void ike_xchg_delete_now(struct ike_sa *sa);

#endif
