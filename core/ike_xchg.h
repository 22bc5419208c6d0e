/*
 * ike_xchg.h - the engine's internal functions shared between ike.c (SA
 * table, sending, timers) and ike_xchg.c (the exchanges of RFC 7296).
 */
#ifndef IKEBOX_CORE_IKE_XCHG_H
#define IKEBOX_CORE_IKE_XCHG_H

#include "core/ike_int.h"
#include "core/msg.h"

/* ike.c */
void ike_log(struct ike_engine *eng, int level, const struct ike_sa *sa,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *ike_sa_peer_str(const struct ike_sa *sa, char *buf, size_t len);
struct ike_sa *ike_sa_new(struct ike_engine *eng, struct ike_vpn *vpn,
    int initiator, const struct ike_addr *local, const struct ike_addr *peer);
struct ike_sa *ike_sa_by_ispi(struct ike_engine *eng, const uint8_t ispi[8],
    const struct ike_addr *peer);
void ike_sa_set_ispi(struct ike_sa *sa, const uint8_t ispi[8]);
void ike_sa_free(struct ike_sa *sa);
void ike_vpn_schedule_retry(struct ike_engine *eng, struct ike_vpn *v);
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
int ike_child_install(struct ike_sa *sa, int idx,
    const struct cr_child_keys *keys);
void ike_child_remove(struct ike_sa *sa, int idx);

/* ike_xchg.c */
void ike_xchg_bad_message(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m, size_t len);
/* The IKE_SA_INIT error waited on (sa->init_error) stands: gives up. */
void ike_xchg_init_failed(struct ike_sa *sa);
void ike_xchg_init_request(struct ike_engine *eng,
    const struct ike_addr *local, const struct ike_addr *peer,
    const struct msg *m);
void ike_xchg_response(struct ike_sa *sa, const struct msg *m);
void ike_xchg_request(struct ike_sa *sa, const struct msg *m);
void ike_xchg_initiate(struct ike_engine *eng, struct ike_vpn *v);
void ike_xchg_dpd(struct ike_sa *sa);
void ike_xchg_next_child(struct ike_sa *sa);
/* Sends an IKE SA DELETE without waiting for the answer. */
void ike_xchg_delete_now(struct ike_sa *sa);

#endif
