/*
 * ike_int.h - the IKEv2 engine's internal state and the functions its
 * files offer each other (the .c files of core/ike; the map is below the structures).
 *
 * One struct ike_sa per IKE SA, allocated once; its CHILD SAs live in an
 * array at its end, sized then for its VPN's flows (IKD_CHILD_SLOTS).
 * Only the messages an SA must keep for a while (the outstanding request
 * for retransmission, the last response for replay, the IKE_SA_INIT pair
 * until AUTH is done) are separate buffers, each the message's size, and
 * the nonces until the SA is up.
 */
#ifndef IKEBOX_CORE_IKE_IKE_INT_H
#define IKEBOX_CORE_IKE_IKE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/cfg/cfg.h"
#include "core/ike/ike.h"
#include "core/ike/ike_map.h"
#include "core/ike/kern.h"
#include "core/wire/msg.h"
#include "core/wire/pld.h"
#include "core/wire/ts.h"
#include "crypto/cr.h"

/* Tunables (iked's values where users know them; IKED-NOTES in docs/). */
#define IKD_RETRANSMIT_MS 2000		/* first retransmit; doubles */
#define IKD_RETRANSMIT_TRIES 5		/* then "retransmit limit reached" */
#define IKD_RETRY_MIN_MS 2000		/* active VPN: first retry */
#define IKD_RETRY_MAX_MS 60000		/* ... backing off to this */
#define IKD_RESOLVE_PASSIVE_MS 300000	/* a passive VPN's `peer = HOST`
					 * is looked up again this often */
#define IKD_HALF_OPEN_MAX 2048		/* responder half-open SAs */
#define IKD_KEYPOOL 4			/* DH key pairs made ahead */
#define IKD_COOKIE_THRESHOLD 256	/* half-open count that asks cookies */
/* One source address: from this many of its half-open SAs on, it must
 * return a cookie, and it never holds more than the cap (strongSwan's
 * cookie_threshold_ip 3 and block_threshold 5).  A spoofed flood from one
 * address then costs no DH and no state beyond its first few SAs, and
 * cannot fill the half-open slots that real peers need. */
#define IKD_SRC_COOKIE_AFTER 2
#define IKD_SRC_HALF_OPEN_MAX 5
#define IKD_SRC_SLOTS 4096		/* per-source table (power of two,
					 * 2 x IKD_HALF_OPEN_MAX) */
#define IKD_COOKIE_ROTATE_MS 60000	/* a new cookie secret; cookies of
					 * the previous one still pass
					 * (RFC 7296 2.6) */
#define IKD_REMOTE_LOG_PER_S 10		/* warnings a remote packet can
					 * cause, per second; more are
					 * counted and summed up */
#define IKD_HALF_OPEN_TIMEOUT_MS 30000	/* responder waits for IKE_AUTH */
#define IKD_INIT_ERROR_WAIT_MS 1000	/* an IKE_SA_INIT error waits for a
					 * genuine answer (RFC 7296 2.21.1) */
#define IKD_INIT_BAD_ANSWER 0xfffe	/* not what we offered */
#define IKD_INIT_BAD_KE 0xffff		/* KE payload unusable */
#define IKD_HASH_MIN 64		/* SPI hash buckets at first; they double
					 * when IKE SAs outnumber them */
#define IKD_MSG_MAX 8192		/* largest message built or received */
#define IKD_VPN_ERROR_MAX 128		/* a VPN's last error, with its NUL */
#define IKD_NONCE_LEN 32
#define IKD_COOKIE_MAX 64		/* a cookie we send back (RFC 7296
					 * 3.10.1: at most 64 bytes) */
/* reqids the engine hands out, in turn: ikebox's range (core/ike/kern.h),
 * the one the backends flush by. */
#define IKD_REQID_BASE KERN_REQID_MIN
#define IKD_REQID_MAX KERN_REQID_MAX
/* CHILD SA slots per IKE SA, sized when it is allocated: two per flow
 * (the flow's SA and its rekey's, both up until the old one is deleted)
 * and a few for the moments an exchange leaves more (a collision's loser
 * waiting for its DELETE, a peer's narrower flows, RFC 7296 2.9).  When
 * none is free a rekey waits IKD_REKEY_RETRY_MS, the peer's request gets
 * NO_ADDITIONAL_SAS. */
#define IKD_CHILD_HEADROOM 4
#define IKD_CHILD_SLOTS(n_flows) (2 * (int)(n_flows) + IKD_CHILD_HEADROOM)
#define IKD_CHILD_SLOTS_MAX IKD_CHILD_SLOTS(CFG_FLOWS_MAX)
#define IKD_SOFT_MIN_PCT 85		/* rekey at a random 85-95% of a */
#define IKD_SOFT_MAX_PCT 95		/* lifetime (iked's soft lifetime) */
#define IKD_TEMPFAIL_MIN_MS 1000	/* TEMPORARY_FAILURE: retry after */
#define IKD_TEMPFAIL_MAX_MS 4000	/* a random 1-4 s (RFC 7296 2.25) */
#define IKD_REKEY_RETRY_MS 30000	/* other refusals of a rekey */
#define IKD_OLD_IKE_MS 60000		/* a replaced IKE SA waits this long
					 * for the peer's DELETE */
#define IKD_HARD_GRACE_MS 10000	/* hard lifetime: DELETE, then gone
					 * here this long after at the latest */
#define IKD_STRAY_MS 30000		/* a redundant IKE SA nobody deleted */
#define IKD_MSGID_REKEY 0xfff00000u	/* message IDs: rekey the IKE SA */
#define IKD_REFUSED_MAX 4		/* refused CHILD SAs awaiting DELETE */
/* INVALID_IKE_SPI answers to protected requests for unknown IKE SAs
 * (RFC 7296 2.21.4): at most one per peer address per interval, and at
 * most IKD_INVALID_SPI_MAX per interval in all (no more than the table
 * remembers, so a full table never lets an address through early). */
#define IKD_INVALID_SPI_MS 1000
#define IKD_INVALID_SPI_PEERS 16
#define IKD_INVALID_SPI_MAX 10
/* NAT traversal (RFC 7296 2.23, RFC 3948): what NAT detection found. */
#define IKD_NAT_LOCAL 1		/* we are behind a NAT (or force) */
#define IKD_NAT_REMOTE 2	/* the peer is */
#define IKD_NON_ESP_MARKER 4	/* zero bytes before IKE on port 4500 */
/* IKE fragmentation (RFC 7383).  Received: at most IKD_FRAG_MAX
 * fragments of one message, IKD_MSG_MAX bytes of it in all, kept at most
 * IKD_FRAG_TIMEOUT_MS; one message at a time per IKE SA.  Sent: the
 * overhead of the IP and UDP headers over fragment_size. */
#define IKD_FRAG_MAX 64
#define IKD_FRAG_TIMEOUT_MS 30000
#define IKD_IPUDP4 28
#define IKD_IPUDP6 48

/* One message being put back together (RFC 7383 2.6.2). */
struct ike_frag {
	uint32_t msgid;
	uint8_t resp;		/* a response (R flag) */
	uint8_t inner;		/* fragment 1's Next Payload */
	uint16_t total, got;
	size_t bytes;		/* plaintext kept */
	uint64_t started;
	uint8_t *piece[IKD_FRAG_MAX];	/* plaintext of each, or NULL */
	uint16_t len[IKD_FRAG_MAX];
};

enum sa_state {
	SA_INIT_SENT,		/* initiator: IKE_SA_INIT request out */
	SA_INIT_WORK,		/* responder: IKE_SA_INIT's DH out on
				 * env->work, no answer yet (half-open) */
	SA_INIT_DONE,		/* responder: answered IKE_SA_INIT */
	SA_AUTH_SENT,		/* initiator: IKE_AUTH request out */
	SA_ESTABLISHED,
	SA_DELETING,		/* our DELETE is out */
	SA_REKEYING,		/* new IKE SA of our rekey request (1.3.2) */
	SA_REKEYED,		/* replaced by a rekey: waits for the DELETE */
	SA_DEAD,		/* to be freed */
};

enum child_state {
	CHILD_NONE = 0,		/* flow not negotiated yet */
	CHILD_CREATING,		/* in an IKE_AUTH / CREATE_CHILD_SA request */
	CHILD_INSTALLED,
	CHILD_FAILED,		/* refused by the peer; not retried on this SA */
};

/* What the outstanding request of an SA is for. */
enum xchg {
	X_NONE = 0,
	X_INIT,
	X_AUTH,
	X_CHILD,		/* CREATE_CHILD_SA for child xchg_child */
	X_DPD,			/* empty INFORMATIONAL */
	X_DELETE_IKE,
	X_DELETE_CHILD,		/* DELETE of the children marked del */
	X_REKEY_IKE,		/* CREATE_CHILD_SA rekeying this IKE SA */
};

/* Where our DELETE of a CHILD SA stands (RFC 7296 1.4.1). */
enum child_del {
	DEL_NONE = 0,		/* not being deleted by us */
	DEL_WANTED,		/* our DELETE is to be sent */
	DEL_SENT,		/* sent; removed when it is answered */
};

/* Fields by alignment, the smallest first, so that no padding falls
 * between them: there are IKD_CHILD_SLOTS of these in every IKE SA. */
struct child_sa {
	uint8_t state;		/* enum child_state */
	uint8_t esn;		/* extended sequence numbers negotiated */
	int8_t flow;		/* configured flow it carries; -1 unknown */
	uint8_t by_peer;	/* made by the peer's request, not ours */
	uint8_t rekeyed;	/* has a successor: never rekeyed again */
	uint8_t del;		/* enum child_del */
	uint8_t redundant;	/* lost a rekey collision (2.8.1); 2: and
				 * its outbound SA is gone already */
	uint8_t lo_len;		/* of lo */
	uint32_t spi_in, spi_out;	/* host order */
	uint32_t reqid;
	uint32_t rekey_of_in, rekey_of_out;	/* SPIs of the SA it replaced */
	struct ts_range ts_l, ts_r;	/* negotiated, ours / the peer's */
	/* The lower nonce of the exchange that made it (RFC 7296 2.8.1:
	 * of two SAs made by colliding rekeys, the one whose exchange has
	 * the lowest nonce is redundant).  First IKD_NONCE_LEN bytes. */
	uint8_t lo[IKD_NONCE_LEN];
	const struct cr_alg *enc, *integ, *dh;
	const struct cr_alg *pfs;	/* group for its next rekey */
	uint64_t bytes_in, bytes_out;
	uint64_t rekey_at, expire_at;	/* soft and hard lifetime */
	/* Keys kept while ESP goes in UDP, so that the SAs can be given
	 * the peer's new address or port (RFC 7296 2.23): in then out,
	 * encryption then integrity, as long as enc's and integ's keys;
	 * NULL otherwise. */
	uint8_t *nat_keys;
	struct kern_sa *out_k;	/* outbound SA held back (responder of a
				 * rekey, until the old SA is deleted) */
};

/*
 * A deadline in one of the engine's two min-heaps (IKE SAs, VPNs): the
 * earliest time its owner has something to do, so that ike_next_timer()
 * reads the top and ike_tick() visits only what is due.  Deadlines are
 * recomputed, never tracked field by field: every engine call marks the
 * VPNs it touches (ike_touch()) and, before it returns, recomputes the
 * deadlines of those VPNs and of all their IKE SAs (core/ike/ike.c).
 */
struct ike_timer {
	uint64_t due;		/* UINT64_MAX: nothing planned */
	uint32_t pos;		/* 1 + index in its heap; 0: not in it */
};

struct ike_tq {
	struct ike_timer **h;
	uint32_t n, cap;
};

struct ike_vpn {
	const struct cfg_vpn *cfg;
	struct ike_sa *sa;	/* the IKE SA carrying it, or NULL */
	int active;		/* initiate and keep up */
	uint64_t retry_at;	/* when to initiate again; 0 = not planned */
	uint32_t retry_ms;	/* current back-off */
	struct ike_sa *sas;	/* its IKE SAs, linked by vnext */
	struct ike_vpn *dnext;	/* engine's list of touched VPNs */
	uint8_t dirty;		/* on that list */
	struct ike_timer tm;	/* retry_at when it is due */
	/* `peer = HOST`: its last address (af 0: none yet); resolving: a
	 * lookup is out; fresh: peer_ip was just resolved for the next
	 * initiation.  A passive VPN uses retry_at to look up again. */
	struct ike_addr peer_ip;
	uint8_t resolving, fresh;
	uint8_t admin_down;	/* ike_vpn_down(), until ike_vpn_up() */
	uint64_t handshake_ms;	/* last IKE SA established (or rekeyed) */
	uint64_t error_ms;	/* last warning or error logged about it */
	char *error;		/* its text, IKD_VPN_ERROR_MAX bytes on the
				 * heap from the first one (most VPNs never
				 * have one: not 128 bytes in each of a
				 * hub's thousands); NULL: none yet */
};

/* The VPN table's indexes (core/ike/ike_vpns.c), values struct ike_vpn. */
struct ike_vpn_index {
	struct ike_map names;	/* by name */
	struct ike_map inits;	/* by peer address (af 0: any), the first
				 * VPN of each class of equal addresses and
				 * [ikesa]: what IKE_SA_INIT chooses from */
	struct ike_map ids;	/* by the peer ID they expect (dstid) */
	struct ike_map anyid;	/* those expecting any ID, by peer address */
};

struct ike_sa {
	struct ike_sa *next, *prev;	/* engine list */
	struct ike_sa *hnext;	/* bucket of our SPI */
	struct ike_sa *inext;	/* bucket of the initiator's SPI (responder) */
	struct ike_sa *vnext;	/* the VPN's IKE SAs */
	uint64_t seq;		/* creation order: ike_tick() visits the
				 * newest first, as the engine list runs */
	struct ike_timer tm;
	uint8_t held;		/* popped by ike_tick(), not yet visited */
	/* (bytes of the groups below, here where the struct had a hole) */
	uint8_t builder;	/* initiator of IKE_AUTH, or of the SA this
				 * one was rekeyed from: builds the flows */
	uint8_t msgid_noted;	/* message-ID rekey already asked for */
	uint8_t lo_len;		/* of lo */
	struct ike_engine *eng;
	struct ike_vpn *vpn;
	uint8_t state;
	uint8_t initiator;
	uint8_t up;		/* counted in st.ike_sas */
	uint8_t spi_i[8], spi_r[8];
	struct ike_addr local, peer;
	const struct cr_alg *enc, *integ, *prf, *dh;
	struct cr_ike_keys keys;
	/* The DH exchange in progress: IKE_SA_INIT's (or that of the rekey
	 * that made this SA) until the keys are derived, then the PFS one
	 * of our CREATE_CHILD_SA request (one request at a time), with our
	 * nonce of that request in cnonce. */
	struct cr_dh dhc;
	uint8_t cnonce[IKD_NONCE_LEN];
	/* Both nonces of IKE_SA_INIT (or of the rekey that made this SA),
	 * in one buffer held until the keys and IKE_AUTH's CHILD SA are
	 * made (ike_sa_drop_nonces()), with what else only the first
	 * exchanges need: keys.sk_pi and keys.sk_pr (IKE_AUTH's AUTH), and
	 * the cookie the responder asked for (RFC 7296 2.6; an initiator's
	 * only).  Our nonce takes IKD_NONCE_LEN bytes, the peer's up to
	 * IKEV2_NONCE_MAX (ike_sa.c hs_len()).  Not in every established
	 * SA, nor 2 * IKEV2_NONCE_MAX bytes in every half-open one. */
	uint8_t *ni, *nr;
	uint16_t ni_len, nr_len;
	uint8_t *init_req, *init_resp;	/* kept until IKE_AUTH is done */
	size_t init_req_len, init_resp_len;
	uint8_t *cookie;	/* IKD_COOKIE_MAX bytes in that buffer */
	uint8_t cookie_len;
	uint16_t init_error;	/* IKE_SA_INIT: first unusable answer, a
				 * notify type or IKD_INIT_BAD_* */

	uint32_t msgid_out;	/* next request we send */
	uint32_t msgid_in;	/* next request we expect */
	uint8_t *req;		/* outstanding request */
	size_t req_len;
	uint8_t req_xchg;	/* enum xchg */
	uint8_t req_exch;	/* IKEV2_EXCH_* for logs */
	int xchg_child;		/* child index of an X_CHILD / X_DELETE_CHILD */
	int retries;
	uint64_t retx_at;
	uint8_t *resp;		/* last response sent, for replays */
	size_t resp_len;
	uint32_t resp_msgid;
	int have_resp;

	uint64_t created_ms, established_ms, last_rx_ms, expire_at;
	uint64_t rekey_at;	/* IKE SA rekey due; UINT64_MAX never */
	/* IKE SA rekeying (RFC 7296 1.3.2, 2.8.2): the old SA knows the
	 * new one of its own request and the one the peer's request made;
	 * a new SA knows its old one.  Cleared when either is freed. */
	struct ike_sa *parent, *rekey_new, *rekey_peer;
	const struct cr_alg *rekey_dh;	/* group the peer asked for */
	uint8_t lo[IKD_NONCE_LEN];	/* as child_sa.lo, for a rekeyed SA */
	uint64_t build_at;	/* no new flow before (TEMPORARY_FAILURE) */
	uint64_t keepalive_at;	/* last NAT keepalive sent; 0: none yet */
	struct ike_frag *fr;	/* a message being reassembled, or NULL */
	/* Our inbound SPIs of CHILD SAs whose answer we refused: the peer
	 * installed them, our next request DELETEs them (RFC 7296 1.4.1).
	 * One exchange refuses at most one, and the DELETE follows at once,
	 * so a few slots are plenty. */
	uint32_t refused[IKD_REFUSED_MAX];
	uint8_t n_refused;
	/* NAT traversal (ike_nat.c): IKD_NAT_* bits found by IKE_SA_INIT,
	 * natt: both ends sent NAT detection (so both speak RFC 3948) and
	 * ours is on.  IKE fragmentation (ike_frag.c): frag, both ends
	 * announced it; the kept request and response are lists of
	 * req_nfrag / resp_nfrag fragments ([u16 length][datagram]...), 0:
	 * one plain datagram.  (Bytes together, where the struct had a
	 * hole.) */
	uint8_t nat, natt, frag, req_nfrag, resp_nfrag;
	/* A message's DH is out on env->work (ike_work.c), at most one each
	 * way: [0] the peer's request, [1] the answer to ours (both at once
	 * when rekeys collide).  Until it comes back, that message again is
	 * dropped. */
	uint8_t working[2];
	uint32_t work_msgid[2];
	int n_children;
	int n_slots;		/* IKD_CHILD_SLOTS(flows of the VPN) */
	struct child_sa child[];	/* n_slots, in the same allocation */
};

struct ike_engine {
	struct ike_env env;
	int log_level;
	struct cfg *cfg;
	struct ike_vpn *vpns;
	size_t n_vpns;
	/* Lookups that must not walk every VPN or SA (ike_map.h): VPNs
	 * (ike_vpns.c), installed CHILD SAs by SPI and reqid (IKD_KID_*). */
	struct ike_vpn_index vx;
	struct ike_map kids;
	struct ike_sa *sas;
	struct ike_sa **by_spi, **by_ispi;	/* hash_mask + 1 buckets */
	uint32_t hash_mask;
	struct ike_tq sa_q, vpn_q;	/* deadlines, earliest on top */
	struct ike_vpn *dirty;	/* VPNs touched by the current call */
	uint64_t sa_seq;
	/* ike_tick()'s work lists, as large as sa_q (never reallocated
	 * there): the due SAs to visit, newest first, and those to put
	 * back in the heap when it ends. */
	struct ike_sa **tick_due, **tick_later;
	uint32_t n_due, n_later;
	struct ike_vpn **tick_vpns;	/* as large as vpn_q */
	uint32_t n_half_open;
	/* Key pairs the workers made ahead (env->work, ike_work.c), for our
	 * requests' KE; refilled as they are taken, oldest replaced. */
	struct ike_keypair {
		struct cr_dh dh;	/* group NULL: free */
		uint64_t made;
		uint16_t pub_len;
		uint8_t pub[CR_DH_PUB_MAX];
	} keypool[IKD_KEYPOOL];
	unsigned keypool_out;	/* refills handed out, not back yet */
	/* Replay results held until the other direction's, begun first on
	 * the same SA, is back (ike_work_done): linked by next. */
	struct ike_work *parked;
	uint64_t keypool_seq;
	uint32_t n_sas;
	uint32_t next_reqid;
	uint8_t cookie_secret[32];
	uint8_t cookie_prev[32];	/* the secret before, still honoured */
	uint64_t cookie_at;		/* when cookie_secret was made */
	/* Half-open SAs per source address (open addressing, linear
	 * probing, keyed hash): entries exist while their count is > 0. */
	struct ike_src {
		uint8_t af;		/* 0: free */
		uint8_t ip[16];
		uint16_t half_open;
	} src[IKD_SRC_SLOTS];
	uint64_t src_key;		/* hash key, random per engine */
	/* Warnings a remote packet can cause: at most IKD_REMOTE_LOG_PER_S
	 * a second, the rest counted (ike_log_remote()). */
	uint64_t rlog_window;
	uint32_t rlog_count, rlog_dropped;
	struct {
		struct ike_addr peer;	/* port ignored */
		uint64_t at;
	} ispi_sent[IKD_INVALID_SPI_PEERS];
	uint64_t ispi_window;	/* start of the current interval */
	uint32_t ispi_count;	/* answers sent in it */
	struct ike_stats st;
	uint64_t now;
	/* scratch, so that deep stacks are not needed per packet */
	uint8_t rx[IKD_MSG_MAX];
	uint8_t tx[IKD_MSG_MAX];
	uint8_t tx_nfrag;	/* ike_build() wrote that many fragments */
	uint8_t frame[IKD_NON_ESP_MARKER + IKD_MSG_MAX];	/* a datagram
				 * with its non-ESP marker */
	/* The datagram being handled came from/to these (RFC 7296 2.23:
	 * an authenticated one may move the peer); and a reassembled
	 * message's inner payloads are in in_set already. */
	struct ike_addr rx_local, rx_peer;
	const uint8_t *rx_raw;	/* the datagram as ike_input() got it */
	size_t rx_raw_len;
	uint8_t rx_frag;	/* it was a fragment (SKF) */
	struct ike_work *pre;	/* a replay's DH result (ike_work.c) */
	uint8_t rx_opened;
	int rx_open_rc;		/* what xchg_open_sk() then returns */
	uint8_t reasm[IKD_MSG_MAX];	/* a reassembled message's inner
					 * payloads (RFC 7383) */
	uint8_t inner[IKD_MSG_MAX];
	struct pld_set in_set;
	struct ike_child_info *info_children;	/* ike_foreach_sa()'s */
	int info_cap;
};

/* ---- proposals (core/ike/ike_prop.c) ---- */

/* The chosen transforms of one negotiated SA. */
struct prop_choice {
	uint8_t num;
	const struct cr_alg *enc, *integ, *prf, *dh;
	uint8_t esn;		/* ESP: 1 if extended sequence numbers */
	uint8_t spi[8];
	uint8_t spi_len;
};

/*
 * Writes the SA payload offering xf for protocol proto (IKEV2_PROTO_IKE or
 * _ESP) with our SPI; with_dh 0 leaves the DH transforms out (the CHILD SA
 * of IKE_AUTH).  A preferred group, when not NULL, is put first.
 */
void prop_put_offer(struct pld_wr *pw, const struct cfg_xforms *xf,
    uint8_t proto, const uint8_t *spi, size_t spi_len, int with_dh,
    const struct cr_alg *first_dh);

/* Writes the SA payload answering with one chosen proposal. */
void prop_put_choice(struct pld_wr *pw, uint8_t proto,
    const struct prop_choice *c);

/*
 * Responder: picks the first received proposal of protocol proto that our
 * xf can satisfy.  need_dh: 1 the proposal must carry a group we accept,
 * 0 DH transforms are ignored (IKE_AUTH's CHILD SA), -1 a group is taken
 * when both sides have one (CREATE_CHILD_SA: PFS optional if we want none).
 * Returns 0 or -ENOENT (NO_PROPOSAL_CHOSEN).
 */
int prop_select(const struct pld_sa *sa, const struct cfg_xforms *xf,
    uint8_t proto, int need_dh, struct prop_choice *c);

/*
 * Initiator: checks the responder's answer is one proposal made of
 * transforms we offered.  Returns 0 or -EBADMSG.
 */
int prop_check_answer(const struct pld_sa *sa, const struct cfg_xforms *xf,
    uint8_t proto, int want_dh, struct prop_choice *c);

/*
 * ---- the engine's files and what they offer each other ----
 *
 * Calls go one way, top to bottom:
 *   ike.c            entry points (ike.h): dispatch, timers, next exchange
 *   ike_sa_init.c    IKE_SA_INIT           \
 *   ike_auth.c       IKE_AUTH               |  the exchanges; an earlier
 *   create_child_sa.c CHILD SAs             |  one may call a later one
 *   ike_rekey.c      IKE SA rekey           |  (IKE_SA_INIT's answer starts
 *   informational.c  INFORMATIONAL         /   IKE_AUTH, which makes a
 *   ike_vpns.c       VPN lookups               CHILD SA), never back
 *   exchange.c       what exchanges share
 *   ike_work.c       DH handed out (env->work) and found again
 *   ike_prop.c       proposals
 *   ike_sa.c         IKE SA table, timer heaps, sending
 *   ike_frag.c       IKE fragmentation: fragments out, reassembly in
 *   ike_nat.c        NAT detection, port 4500, keepalives, peer moves
 *   ike_kern.c       CHILD SAs in the kernel
 *   ike_base.c       logging, jitter
 *   ike_map.c        hash multimap of the indexes (ike_map.h)
 *   show.c           `ikectl show` text and JSON of struct ike_sa_info
 *                    (show.h): beside the engine, calls none of it
 * t/sh/layers.sh checks this order on the objects (nm).
 */

/* 1 when sa's ESP goes in UDP (RFC 3948): a NAT was found (or faked,
 * nat_traversal = force) and IKE moved to port 4500. */
static inline int
nat_encap(const struct ike_sa *sa)
{
	return sa->natt && sa->nat && sa->local.port == IKE_NATT_PORT;
}

/* Big-endian 32-bit values inside payloads (SPIs of Delete, REKEY_SA). */
static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The owner of a struct ike_timer member named tm. */
#define TM_OWNER(t, type) \
	((type *)(void *)((char *)(t) - offsetof(type, tm)))

/* ---- core/ike/ike_base.c ---- */

void ike_log(struct ike_engine *eng, int level, const struct ike_sa *sa,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *ike_sa_peer_str(const struct ike_sa *sa, char *buf, size_t len);
/* ike_log() about a VPN without an SA: "NAME: ..." (a warning or error
 * also becomes the VPN's last error, as with ike_log() and an SA). */
void ike_log_vpn(struct ike_engine *eng, int level, struct ike_vpn *v,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* ike_log() for a line that a remote packet can cause: at most
 * IKD_REMOTE_LOG_PER_S of them a second (a flood must not fill a router's
 * flash with syslog), then one line saying how many were left out. */
void ike_log_remote(struct ike_engine *eng, int level, const struct ike_sa *sa,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A random lo_pct..hi_pct percent of ms. */
uint64_t ike_jitter(uint64_t ms, unsigned lo_pct, unsigned hi_pct);
/* env.send, with the non-ESP marker before buf when local's port is
 * IKE_NATT_PORT (RFC 3948 2.2). */
void ike_env_send(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len);

/* ---- core/ike/ike_kern.c ---- */

/* Keys of eng->kids: what an installed CHILD SA is found by, its IKE SA
 * the value. */
#define IKD_KID_IN (1ULL << 32)		/* | inbound SPI */
#define IKD_KID_OUT (2ULL << 32)	/* | outbound SPI */
#define IKD_KID_REQID (3ULL << 32)	/* | reqid */
/* Adds (add 1) or removes the installed CHILD SA in slot idx to or from
 * eng->kids. */
void ike_child_index(struct ike_sa *sa, int idx, int add);

void ike_kern_sa(const struct ike_sa *sa, const struct child_sa *ch, int dir,
    struct kern_sa *k);
/* Installs a new CHILD SA in the kernel.  xinit: we sent the request of
 * the exchange that made its keys (IKE_AUTH or CREATE_CHILD_SA); its
 * initiator-to-responder keys are then our outbound ones (RFC 7296 2.17:
 * the CREATE_CHILD_SA's initiator, not the IKE SA's). */
int ike_child_install(struct ike_sa *sa, int idx,
    const struct cr_child_keys *keys, int xinit);
/* Installs the deferred outbound SA of the rekeys of old_spi_in (0: of
 * every CHILD SA); one found redundant meanwhile is dropped instead. */
void ike_child_send_new(struct ike_sa *sa, uint32_t old_spi_in);
/* Our DELETE for the redundant CHILD SA idx goes: its outbound SA goes
 * now if another SA of its flow can carry the traffic (redundant = 2). */
void ike_child_stop_sending(struct ike_sa *sa, int idx);
/* Slot of an installed CHILD SA of reqid other than except, or -1. */
int ike_child_by_reqid(const struct ike_sa *sa, uint32_t reqid, int except);
/* Slot of the CHILD SA whose inbound (out 0) or outbound (out 1) SPI is
 * spi, or -1. */
int ike_child_by_spi(const struct ike_sa *sa, uint32_t spi, int out);
/* Removes a CHILD SA (kernel SAs, and the flow's policies when no other
 * SA carries it); a rekey's successor starts sending on its own SA. */
void ike_child_remove(struct ike_sa *sa, int idx);

/* Gives the kernel SAs of an installed CHILD SA the IKE SA's current
 * addresses and UDP ports; ip_changed: the peer's address moved, which
 * needs new SAs and policies (the ports alone are updated in place). */
void ike_child_readdress(struct ike_sa *sa, int idx,
    const struct ike_addr *old_peer, int ip_changed);

/* ---- core/ike/ike_nat.c ---- */

/* Writes our NAT detection notifies (RFC 7296 2.23) for a message with
 * these SPIs (rspi NULL: zero) sent from local to peer. */
void nat_put_detection(struct ike_engine *eng, struct pld_wr *pw,
    const uint8_t *ispi, const uint8_t *rspi, const struct ike_addr *local,
    const struct ike_addr *peer);
/* Reads the peer's NAT detection in m (received by local from peer) into
 * sa->nat and sa->natt, and logs what was found. */
void nat_detect(struct ike_sa *sa, const struct msg *m,
    const struct ike_addr *local, const struct ike_addr *peer);
/* IKE_SA_INIT is done (initiator): to port 4500 if a NAT was found. */
void nat_float(struct ike_sa *sa);
/* sa's peer sent an authenticated message from eng->rx_peer to
 * eng->rx_local: the port float, or a NAT's new mapping, is followed. */
void nat_follow(struct ike_sa *sa);
/* A rekey's new IKE SA goes on as the old one did (RFC 7296 2.23 is
 * about the IKE SA's addresses, which it takes over; RFC 7383 2.3: the
 * fragmentation support too). */
void nat_inherit(struct ike_sa *nsa, const struct ike_sa *old);
/* "none", "local", "remote", "both" for IKD_NAT_* bits. */
const char *nat_name(unsigned nat);
/* When sa's next NAT keepalive is due (UINT64_MAX: none), and sends it. */
uint64_t nat_keepalive_due(const struct ike_sa *sa);
void nat_keepalive_send(struct ike_sa *sa);

/* ---- core/ike/ike_frag.c ---- */

/* Splits the message about to be sealed (header fields as ike_build()'s,
 * inner chain pw) into SKF fragments in eng->tx when sa fragments and it
 * is larger than fragment_size; returns 1 (eng->tx holds the list,
 * *len its length, eng->tx_nfrag the count), 0 when it goes whole, or
 * -errno. */
int frag_build(struct ike_sa *sa, uint8_t exch, int response, uint32_t msgid,
    const struct pld_wr *inner, size_t *len);
/* A received SKF fragment of the message sa expects: checked and kept.
 * Returns 1 when the message is complete (its inner payloads parsed in
 * eng->in_set, eng->rx_opened set), 0 when more are needed or it was
 * dropped, -EBADMSG authentic but malformed (eng->in_set.err). */
int frag_input(struct ike_sa *sa, const struct msg *m);
/* Writes IKEV2_FRAGMENTATION_SUPPORTED when fragment_size is not 0. */
void frag_announce(struct ike_engine *eng, struct pld_wr *pw);
/* 1 when we fragment and the peer's IKE_SA_INIT announced it too. */
int frag_supported(const struct ike_engine *eng, const struct pld_set *pl);
/* Frees a partial message (timeout, SA freed); drops count its pieces. */
void frag_discard(struct ike_sa *sa);
/* When sa's partial message times out (UINT64_MAX: none). */
uint64_t frag_due(const struct ike_sa *sa);
/* Sends a kept list of n fragments (n 0: buf is one datagram). */
void frag_send_list(struct ike_sa *sa, const uint8_t *buf, size_t len,
    unsigned n);

/* ---- core/ike/ike_sa.c ---- */

void ike_tq_remove(struct ike_tq *q, struct ike_timer *t);
void ike_tq_set(struct ike_tq *q, struct ike_timer *t, uint64_t due);
/* The earliest deadline of q; UINT64_MAX when it is empty. */
uint64_t ike_tq_top(const struct ike_tq *q);
void ike_vpn_link(struct ike_vpn *v, struct ike_sa *sa);
/* The VPN's or its IKE SAs' timers may have changed: recomputed before
 * the engine call returns. */
void ike_touch(struct ike_engine *eng, struct ike_vpn *v);
/* The IKE SA whose SPI of ours is spi, or NULL. */
struct ike_sa *ike_sa_by_spi(struct ike_engine *eng, const uint8_t spi[8]);
struct ike_sa *ike_sa_by_ispi(struct ike_engine *eng, const uint8_t ispi[8],
    const struct ike_addr *peer);
struct ike_sa *ike_sa_new(struct ike_engine *eng, struct ike_vpn *vpn,
    int initiator, const struct ike_addr *local, const struct ike_addr *peer);
/*
 * Gives a half-open responder SA the VPN IKE_AUTH chose.  When that VPN
 * has more flows than the SA has slots for, the SA moves to a larger
 * allocation: the old pointer is then invalid.  Returns the SA, or NULL
 * (out of memory: sa unchanged).
 */
struct ike_sa *ike_sa_set_vpn(struct ike_sa *sa, struct ike_vpn *vpn);
void ike_sa_set_ispi(struct ike_sa *sa, const uint8_t ispi[8]);
/* The nonces are no longer needed (keys and IKE_AUTH's CHILD SA made). */
void ike_sa_drop_nonces(struct ike_sa *sa);
void ike_sa_rekey_adopt(struct ike_sa *old, struct ike_sa *nsa);
/*
 * Heavy crypto off the engine's thread (env->work, ike_work.c).  An item
 * carries all it needs, so ike_work_run() reads nothing else: the DH
 * secret (drawn on the engine's thread: the DRBG is not thread-safe), the
 * peer's public value; it comes back with ours and g^ir.  The SA is found
 * again by our SPI and its creation number.
 */
enum ike_work_kind {
	IKE_WORK_INIT_R = 1,	/* responder's IKE_SA_INIT (ike_sa_init.c) */
	/*
	 * Any other message whose handling needs a DH: computed first,
	 * then the datagram is given to ike_input() again, whole, and its
	 * handler finds the result through xchg_dh_keygen() and
	 * xchg_dh_shared() instead of computing.  Everything else (opening
	 * it, state, message IDs) is checked again as for any datagram.
	 */
	IKE_WORK_REPLAY_BOTH,	/* a request with KE: our key pair + g^ir */
	IKE_WORK_REPLAY_SHARED,	/* an answer with KE: g^ir with our secret */
	IKE_WORK_KEYPAIR,	/* a key pair made ahead, for no SA yet */
	/* never handed out: a message that came while the other
	 * direction's DH was out, held on eng->parked to be handled after
	 * it (ike_work_defer) */
	IKE_WORK_DEFER,
};

struct ike_work {
	uint8_t kind;
	uint8_t spi[8];		/* our SPI of the IKE SA */
	uint64_t seq;		/* its ike_sa.seq */
	uint8_t resp;		/* replays: an answer (1) or a request (0) */
	uint8_t after;		/* replays: the other direction's was out
				 * when this one came, for after_msgid */
	uint32_t msgid;		/* replays: its Message ID */
	uint32_t after_msgid;
	struct ike_work *next;	/* on eng->parked */
	struct prop_choice pc;	/* IKE_WORK_INIT_R: the proposal chosen */
	struct cr_dh dhc;	/* in: our secret (wiped by the run, kept
				 * for a replay to match) */
	int rc;			/* out: 0, or why not (bad KE: -EBADMSG) */
	uint8_t keygen_taken;	/* a replay's key pair was used once */
	uint16_t peer_len, pub_len, gir_len;
	uint8_t peer[CR_DH_PUB_MAX];	/* in: the peer's public value */
	uint8_t pub[CR_DH_PUB_MAX];	/* out: ours */
	uint8_t gir[CR_DH_SHARED_MAX];	/* out: the shared secret */
	/* replays: the datagram and its addresses, as ike_input() had them */
	struct ike_addr local, peer_addr;
	uint8_t *raw;
	size_t raw_len;
	/* IKE_WORK_INIT_R: the IKE SA's keys are derived there too (RFC
	 * 7296 2.14), from these */
	const struct cr_alg *prf, *enc, *integ;
	uint8_t spi_i[8], spi_r[8];
	uint16_t ni_len, nr_len;
	uint8_t ni[IKEV2_NONCE_MAX], nr[IKD_NONCE_LEN];
	struct cr_ike_keys keys;	/* SK_pi, SK_pr into sk_p */
	uint8_t sk_p[2][CR_PRF_MAX];
};

/* A zeroed item for sa (NULL: out of memory). */
struct ike_work *ike_work_new(struct ike_sa *sa, uint8_t kind);
/* Hands w to env->work (0: the daemon's until ike_work_done); -1: no
 * env->work, the caller runs it (ike_work_run) and finishes it. */
int ike_work_start(struct ike_engine *eng, struct ike_work *w);
/* The SA w was for, if it still waits for it; NULL: a stale result. */
struct ike_sa *ike_work_sa(struct ike_engine *eng, const struct ike_work *w);
/*
 * The IKE SA's keys of IKE_SA_INIT (RFC 7296 2.14: SKEYSEED from both
 * nonces and g^ir, then prf+); integ is ignored with an AEAD enc.  Reads
 * only its arguments (a worker thread's IKE_WORK_INIT_R calls it too).
 */
int ike_keys_derive(const struct cr_alg *prf, const struct cr_alg *enc,
    const struct cr_alg *integ, const uint8_t *gir, size_t glen,
    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
    const uint8_t spi_i[8], const uint8_t spi_r[8], struct cr_ike_keys *k);
/* IKE_WORK_INIT_R's result: the responder's answer goes out. */
void init_work_done(struct ike_sa *sa, struct ike_work *w);
/* IKE_WORK_KEYPAIR's result: into the pool. */
void ike_keypool_put(struct ike_engine *eng, struct ike_work *w);
/* Wipes the pool (ike_free). */
void ike_keypool_wipe(struct ike_engine *eng);
/*
 * Before handling message m (opened, for sa; resp: an answer), whose KE
 * payload means a DH: hands the DH out with the datagram for a replay and
 * returns 1 (the caller stops there); 0: handle it now (no env->work, a
 * replay already, a fragment, no usable KE).  secret: ours for an answer
 * (the request's), NULL for a request.
 */
int ike_work_replay(struct ike_sa *sa, const struct msg *m,
    const struct pld_set *in, const struct cr_dh *secret);
/*
 * Before handling message m (opened, authentic, for sa): when the other
 * direction's DH is out, m waits behind it on eng->parked and 1 is
 * returned (the caller stops there), so that the two are handled in the
 * order they came; 0: handle it now.
 */
int ike_work_defer(struct ike_sa *sa, const struct msg *m);
/* cr_dh_keygen / cr_dh_shared, or the replay's result when it is theirs
 * (same group, same secret, same peer value); keygen else takes a key
 * pair made ahead for the group, and asks the workers for another. */
int xchg_dh_keygen(struct ike_engine *eng, struct cr_dh *dh,
    const struct cr_alg *group, uint8_t *pub, size_t *publen);
int xchg_dh_shared(struct ike_engine *eng, struct cr_dh *dh,
    const uint8_t *peer, size_t len, uint8_t *gir, size_t *glen);

/* Half-open responder SAs: sa enters SA_INIT_DONE, or leaves it (the
 * engine's and its source address's counts). */
void ike_half_open_enter(struct ike_sa *sa);
void ike_half_open_leave(struct ike_sa *sa);
/* How many half-open SAs the source address a holds. */
unsigned ike_src_half_open(const struct ike_engine *eng,
    const struct ike_addr *a);
void ike_sa_free(struct ike_sa *sa);
void ike_vpn_schedule_retry(struct ike_engine *eng, struct ike_vpn *v);
/* *dst (realloc'd) becomes a copy of src[0..len).  0 or -ENOMEM. */
int ike_keep_copy(uint8_t **dst, size_t *dlen, const uint8_t *src,
    size_t len);
/* Builds an encrypted message around inner (NULL: empty) into eng->tx. */
int ike_build(struct ike_sa *sa, uint8_t exch, int response, uint32_t msgid,
    const struct pld_wr *inner, size_t *len);
/* Sends eng->tx[0..len) as our request (kept for retransmission). */
int ike_send_request(struct ike_sa *sa, uint8_t exch, int xchg, size_t len);
/* Sends eng->tx[0..len) as the response to msgid (kept for replays). */
int ike_send_response(struct ike_sa *sa, uint32_t msgid, size_t len);
void ike_request_done(struct ike_sa *sa);

/* ---- core/ike/ike_vpns.c ---- */

/* Indexes of the n VPNs at vpns: 0, or -ENOMEM (x then empty). */
int ike_vpn_index_build(struct ike_vpn_index *x, struct ike_vpn *vpns,
    size_t n, uint64_t seed);
void ike_vpn_index_free(struct ike_vpn_index *x);
struct ike_vpn *ike_vpn_by_name(struct ike_engine *eng, const char *name);
/* The first VPN (configuration order) naming this peer address. */
struct ike_vpn *ike_vpn_by_peer(struct ike_engine *eng,
    const struct ike_addr *peer);
/*
 * The VPN that answers an IKE_SA_INIT: the first (in configuration order)
 * whose addresses match and whose [ikesa] accepts one of the proposals of
 * sa (*pc the choice, *have_pc 1), else the first whose addresses match
 * (*have_pc 0; sa NULL: addresses only).  NULL: no VPN names this peer.
 */
struct ike_vpn *ike_vpn_for_init(struct ike_engine *eng,
    const struct ike_addr *local, const struct ike_addr *peer,
    const struct pld_sa *sa, struct prop_choice *pc, int *have_pc);
/* IKE_AUTH's candidates for a peer and its IDi: every VPN expecting that
 * ID, and those expecting any ID that name this peer's address or any
 * (the caller checks the addresses); each once, in no set order. */
struct ike_vpn_it {
	const struct ike_addr *peer;
	const struct pld_id *idi;
	int stage, started;
	uint64_t key;
	uint32_t it;
};
struct ike_vpn *ike_vpn_auth_next(struct ike_engine *eng,
    struct ike_vpn_it *it);

/* ---- core/ike/exchange.c ---- */

void xchg_addr_from_ss(struct ike_addr *a, const union cfg_addr *ss);
int xchg_same_ip(const struct ike_addr *a, const struct ike_addr *b);
void xchg_flow_ts(const struct cfg_prefix *p, struct ts_range *ts);
int xchg_nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl);
void xchg_lo_set(uint8_t *lo, uint8_t *lo_len, const uint8_t *a, size_t al,
    const uint8_t *b, size_t bl);
const struct pld_notify *xchg_first_error(const struct pld_set *set);
void xchg_count_failure(struct ike_engine *eng, uint16_t n);
size_t xchg_id_body(const struct cfg_id *id, uint8_t *out);
int xchg_psk_auth(const struct ike_sa *sa, int of_init, const uint8_t *idb,
    size_t idb_len, uint8_t *out);
/* Opens m's SK payload into eng->in_set: 0, -EACCES (not authentic:
 * drop, change nothing) or -EBADMSG (authentic, malformed: answer the
 * notify in eng->in_set.err). */
int xchg_open_sk(struct ike_sa *sa, const struct msg *m);
/* 0 when m's SK payload (or its one SKF fragment) passes its ICV, else
 * -EACCES; nothing is parsed or kept. */
int xchg_authentic(struct ike_sa *sa, const struct msg *m);
/* Answers the request m with an encrypted message holding one notify. */
void xchg_respond_notify(struct ike_sa *sa, const struct msg *m,
    uint16_t type, const void *data, size_t len);
/* The peer v initiates to and answers: its address, or for `peer = HOST`
 * the last one resolved (af 0: none yet, as for `peer = any`). */
void xchg_vpn_peer(const struct ike_vpn *v, struct ike_addr *p);
int xchg_vpn_addr_match(const struct ike_vpn *v, const struct ike_addr *local,
    const struct ike_addr *peer);
/* The ID sa sends: the VPN's srcid, or the SA's local address. */
void xchg_own_id(const struct ike_sa *sa, struct cfg_id *id);
int xchg_id_matches(const struct cfg_id *want, const struct pld_id *got);
/* When sa (just established) rekeys: its VPN's ikelifetime, jittered. */
uint64_t ike_rekey_time(const struct ike_sa *sa);

/* ---- core/ike/ike_sa_init.c ---- */

void ike_xchg_bad_message(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m, size_t len);
/* Starts an IKE SA for v; for `peer = HOST`, looks the name up first
 * (env->resolve) and starts when ike_vpn_resolved() brings the answer. */
void ike_xchg_initiate(struct ike_engine *eng, struct ike_vpn *v);
/* Asks env->resolve for v's peer name unless a lookup is out. */
void ike_vpn_resolve(struct ike_engine *eng, struct ike_vpn *v);
void ike_xchg_init_request(struct ike_engine *eng,
    const struct ike_addr *local, const struct ike_addr *peer,
    const struct msg *m);
void init_answer(struct ike_sa *sa, const struct msg *m);
/* The IKE_SA_INIT error waited on (sa->init_error) stands: gives up. */
void ike_xchg_init_failed(struct ike_sa *sa);

/* ---- core/ike/ike_auth.c ---- */

void auth_send(struct ike_sa *sa);
void auth_request(struct ike_sa *sa, const struct msg *m);
/* Returns 1 when sa is up and may start its next exchange, 0 when it
 * failed (freed, or dead) or the answer was not authentic. */
int auth_answer(struct ike_sa *sa, const struct msg *m);

/* ---- core/ike/create_child_sa.c ---- */

int child_alloc_spi(struct ike_sa *sa, int idx);
void child_offer(struct ike_sa *sa, int idx, struct pld_wr *pw, int with_ke);
int child_pick_flow(const struct cfg_vpn *c, const struct pld_set *in,
    struct ts_range *tl, struct ts_range *tr);
int child_respond(struct ike_sa *sa, const struct pld_set *in,
    struct pld_wr *pw, int create, const struct child_sa *old, int tomb);
void child_answer(struct ike_sa *sa, int idx, const struct pld_set *in,
    int create);
/* A configured flow with no CHILD SA on sa that may be built now, or -1. */
int child_uncovered_flow(const struct ike_sa *sa);
void child_create(struct ike_sa *sa, int flow);
void child_rekey_start(struct ike_sa *sa, int old);
void child_send_delete(struct ike_sa *sa);
void child_rekey_respond(struct ike_sa *sa, const struct pld_set *in,
    const struct pld_notify *rn, struct pld_wr *pw);

/* ---- core/ike/ike_rekey.c ---- */

void ike_rekey_start(struct ike_sa *sa);
void rekey_ike_answer(struct ike_sa *sa, const struct pld_set *in);
void rekey_ike_respond(struct ike_sa *sa, const struct pld_set *in,
    struct pld_wr *pw);

/* ---- core/ike/informational.c ---- */

/* A protected request (m) for an IKE SA we do not know: an unprotected
 * INVALID_IKE_SPI answer, rate-limited (RFC 7296 2.21.4).  Returns 1 if
 * it was sent, 0 if the rate limit held it back. */
int ike_xchg_invalid_spi(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const struct msg *m);
void info_request(struct ike_sa *sa, const struct msg *m);
/* Sends an IKE SA DELETE as a request (retransmitted; freed on answer). */
void ike_xchg_delete_ike(struct ike_sa *sa);
void ike_xchg_dpd(struct ike_sa *sa);
/* Sends an IKE SA DELETE without waiting for the answer. */
void ike_xchg_delete_now(struct ike_sa *sa);

/* ---- core/ike/ike.c (beyond ike.h) ---- */

/* When ike_tick() has something to do for sa (0: free it) or for v
 * (initiate); UINT64_MAX: nothing planned.  What the heaps hold (and what
 * t/harness/sim.c checks them against). */
uint64_t ike_sa_due(const struct ike_engine *eng, const struct ike_sa *sa);
uint64_t ike_vpn_due(const struct ike_vpn *v);

#endif
