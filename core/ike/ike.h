/*
 * ike.h - the IKEv2 engine's interface (sans-I/O).
 *
 * The engine never touches a socket, a clock or the kernel.  The daemon (or a
 * test) feeds it datagrams and the current time in milliseconds; the engine
 * answers through the callbacks of struct ike_env: datagrams to send, kernel
 * SA/policy operations, log lines.  Timers are polled: after any call, the
 * caller asks ike_next_timer() when to call ike_tick() next.  This is what
 * lets two engines run back to back in memory with a virtual clock, lossy
 * links and forced races, deterministically.
 */
#ifndef IKEBOX_CORE_IKE_IKE_H
#define IKEBOX_CORE_IKE_IKE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfg;
struct kern_sa;
struct kern_policy;
struct ike_work;

/* An IP address and UDP port, without socket headers. */
struct ike_addr {
	uint8_t af;		/* 4 or 6; 0 = unset */
	uint8_t ip[16];		/* IPv4 in the first 4 bytes */
	uint16_t port;		/* host order */
};

/*
 * UDP ports (RFC 7296 2.23, RFC 3948).  Datagrams that arrive on a local
 * IKE_NATT_PORT, or are sent from one, carry the 4-byte non-ESP marker
 * before the IKE header: the engine adds and removes it itself, so that
 * env->send and ike_input() move whole UDP payloads.  A 1-byte 0xFF
 * there is a NAT keepalive.
 */
#define IKE_PORT 500
#define IKE_NATT_PORT 4500

enum ike_log_level {
	IKE_LOG_ERR = 0,
	IKE_LOG_WARN = 1,
	IKE_LOG_NOTICE = 2,	/* what an admin reads by default: start, stop,
				 * SAs up, down and rekeyed, reloads */
	IKE_LOG_INFO = 3,	/* the steps in between (-v) */
	IKE_LOG_DEBUG = 4,	/* every message sent and received (-vv) */
};

struct ike_env {
	void *ctx;
	/* Sends one datagram from local to peer. */
	void (*send)(void *ctx, const struct ike_addr *local,
	    const struct ike_addr *peer, const uint8_t *buf, size_t len);
	/*
	 * Kernel backend operations (net/kbe.h in the daemon, memory in
	 * tests).  Return 0 or a negative errno; the engine logs failures
	 * with the VPN's name and carries on.  spi_alloc gets the SA with
	 * addresses filled in and returns an inbound SPI (host order).
	 */
	int (*spi_alloc)(void *ctx, const struct kern_sa *sa, uint32_t *spi);
	int (*sa_add)(void *ctx, const struct kern_sa *sa);
	int (*sa_del)(void *ctx, const struct kern_sa *sa);
	/*
	 * Changes an installed SA's UDP encapsulation ports (and keeps its
	 * sequence numbers and counters): the peer's NAT gave it a new
	 * port (RFC 7296 2.23).  The full SA is given, keys included.
	 * NULL: the engine deletes and adds the SA instead.
	 */
	int (*sa_update)(void *ctx, const struct kern_sa *sa);
	int (*policy_add)(void *ctx, const struct kern_policy *pol);
	int (*policy_del)(void *ctx, const struct kern_policy *pol);
	/* One log line, no trailing newline. */
	void (*log)(void *ctx, int level, const char *line);
	/*
	 * Looks up host (a VPN's `peer = HOST`) for an address of family af
	 * (4 or 6).  The answer comes later, never from inside this call,
	 * through ike_vpn_resolved().  NULL: named peers cannot be used.
	 */
	void (*resolve)(void *ctx, const char *vpn, const char *host, int af);
	/*
	 * The address the kernel would send from to peer (`local = any`,
	 * iked's egress): fills *local's address, returns 0, or a negative
	 * errno (then the address is learnt from the peer's first answer).
	 * NULL: always learnt.
	 */
	int (*source)(void *ctx, const struct ike_addr *peer,
	    struct ike_addr *local);
	/*
	 * Runs a piece of heavy crypto (a Diffie-Hellman computation) off
	 * the engine's thread: the daemon calls ike_work_run(w) on any
	 * thread, then ike_work_done(eng, w, now) on the engine's, later,
	 * never from inside this call.  Until then the engine goes on with
	 * other SAs; the SA waiting for it drops retransmissions.  NULL:
	 * the engine computes in place, before its call returns.
	 */
	void (*work)(void *ctx, struct ike_work *w);
};

struct ike_engine;

/* Creates an engine; env is copied.  Returns NULL on allocation failure. */
struct ike_engine *ike_new(const struct ike_env *env, uint64_t now_ms);

/* Sends nothing, removes nothing from the kernel: frees memory only. */
void ike_free(struct ike_engine *eng);

/*
 * Installs cfg (the engine takes ownership; the previous one is freed once
 * nothing refers to it).  Active VPNs start initiating.  On a reload, VPNs
 * whose effective configuration is unchanged keep their SAs.
 */
int ike_set_config(struct ike_engine *eng, struct cfg *cfg, uint64_t now);

/* One received datagram (UDP payload) and the addresses it came with. */
void ike_input(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len,
    uint64_t now);

/* Runs what is due at now (retransmits, DPD, rekeys, retries). */
void ike_tick(struct ike_engine *eng, uint64_t now);

/* Absolute time (ms) of the next due timer; UINT64_MAX when none. */
uint64_t ike_next_timer(const struct ike_engine *eng);

/* Brings a VPN up (initiates) or down (DELETE sent, SAs removed). */
int ike_vpn_up(struct ike_engine *eng, const char *name, uint64_t now);
int ike_vpn_down(struct ike_engine *eng, const char *name, uint64_t now);

/*
 * Rekeys the VPN's IKE SA (ike 1) or every CHILD SA of it (ike 0) now, as
 * if their lifetimes had run out.  Returns 0, -ENOENT (no such VPN) or
 * -ENOTCONN (no established IKE SA).
 */
int ike_vpn_rekey(struct ike_engine *eng, const char *name, int ike,
    uint64_t now);

/*
 * A kernel lifetime event for the ESP SA with this SPI and destination
 * address dst (port ignored): our inbound SA of a CHILD SA when dst is
 * its IKE SA's local address, its outbound SA when dst is the peer's.
 * SPIs are only unique per destination (RFC 4301 4.1): a peer chooses the
 * SPIs we send to, and may choose one equal to an inbound SPI of another
 * VPN.  Soft (hard 0) rekeys the CHILD SA now unless it is already being
 * replaced; hard (the kernel removed it) removes it from the engine, which
 * builds the flow again if it is ours to build.  Returns 0 or -ENOENT.
 */
int ike_child_expired(struct ike_engine *eng, uint32_t spi,
    const struct ike_addr *dst, int hard, uint64_t now);

/*
 * The kernel saw traffic for a policy without an SA (SADB_ACQUIRE): the
 * VPN whose CHILD SA had this reqid, or else whose peer is peer (port
 * ignored; NULL: none), is brought up if it is not.  Returns 0 or -ENOENT.
 */
int ike_kernel_acquire(struct ike_engine *eng, uint32_t reqid,
    const struct ike_addr *peer, uint64_t now);

/*
 * The answer to env->resolve(vpn, host): addr (port ignored) or, when it is
 * NULL, the reason err.  An answer for a host the VPN no longer names (a
 * reload came in between) is ignored.  An active VPN without an IKE SA
 * initiates to the address; a failure is logged and retried with back-off.
 * Returns 0 or -ENOENT.
 */
int ike_vpn_resolved(struct ike_engine *eng, const char *vpn,
    const char *host, const struct ike_addr *addr, const char *err,
    uint64_t now);

/* Deletes every SA (DELETE sent to each peer, kernel state removed). */
void ike_shutdown(struct ike_engine *eng, uint64_t now);

/* Verbosity of log lines passed to env->log (IKE_LOG_*). */
void ike_set_log_level(struct ike_engine *eng, int level);

/* What `ikectl show sa` shows. Strings are valid until the next engine call. */
#define IKE_INFO_MAX_TS 8
struct ike_child_info {
	const char *state;	/* "INSTALLED" when up */
	uint32_t spi_in, spi_out;
	int n_local_ts, n_remote_ts;
	char local_ts[IKE_INFO_MAX_TS][48];	/* CIDR strings */
	char remote_ts[IKE_INFO_MAX_TS][48];
	const char *enc, *integ, *group;	/* config names; "none" */
	uint64_t bytes_in, bytes_out;
};

struct ike_sa_info {
	const char *vpn;
	const char *state;	/* "ESTABLISHED" when up */
	int initiator;
	struct ike_addr local, peer;
	uint8_t ispi[8], rspi[8];
	const char *enc, *integ, *prf, *group;
	uint64_t established_ms;	/* engine time it came up; 0 if not */
	const char *nat;	/* "none", "local" (we are behind a NAT),
				 * "remote", "both" (RFC 7296 2.23); with
				 * nat_traversal = force, "local" */
	int encap;		/* ESP goes in UDP (RFC 3948) */
	int frag;		/* both ends announced IKE fragmentation */
	/* `tap = NAME`: the interface its traffic is routed into and how
	 * the SAs are tied to it ("xfrm interface, if_id 7", "VTI, mark
	 * 0x4000"); set by the daemon, NULL without tap */
	const char *tap, *tap_how;
	int n_children;
	const struct ike_child_info *children;
};

/* Calls cb for every IKE SA (half-open ones too). */
void ike_foreach_sa(struct ike_engine *eng,
    void (*cb)(void *arg, const struct ike_sa_info *info), void *arg);

/* What `ikectl show vpn` shows: one configured VPN. */
enum ike_vpn_state {
	IKE_VPN_UP,		/* an ESTABLISHED IKE SA */
	IKE_VPN_CONNECTING,	/* resolving the peer, or an IKE SA on its way */
	IKE_VPN_RETRYING,	/* active, initiating again at retry_ms */
	IKE_VPN_DOWN,		/* taken down with ike_vpn_down() */
	IKE_VPN_PASSIVE,	/* waiting for the peer to initiate */
};

struct ike_vpn_info {
	const char *name;
	int state;			/* enum ike_vpn_state */
	int active;			/* mode active (or brought up) */
	struct ike_addr peer;		/* the peer's address in use or last
					 * resolved; af 0: not known */
	uint64_t retry_ms;		/* IKE_VPN_RETRYING: when */
	uint64_t up_ms;			/* its IKE SA came up; 0: not up */
	uint64_t handshake_ms;		/* last IKE SA set up or rekeyed */
	uint64_t rekey_ms;		/* next rekey due (IKE or CHILD); 0 */
	int children, flows;		/* CHILD SAs installed, flows */
	const char *error;		/* last warning or error; NULL */
	uint64_t error_ms;		/* when */
};

/* Calls cb for every configured VPN, in configuration order. */
void ike_foreach_vpn(struct ike_engine *eng,
    void (*cb)(void *arg, const struct ike_vpn_info *info), void *arg);

/* Counters for `ikectl show stats`. */
struct ike_stats {
	/* ike_sas: ESTABLISHED; half_open: in SA_INIT or AUTH_REQUEST,
	 * either role (as ike_foreach_sa() shows them) */
	uint64_t ike_sas, child_sas, half_open;
	uint64_t retransmits, dpd_sent;
	uint64_t rekeys_ike;	/* IKE SAs made by a rekey, either role */
	uint64_t rekeys_child;	/* CHILD SAs installed by a rekey */
	uint64_t auth_failures, no_proposal, ts_unacceptable, invalid_ke;
	uint64_t dropped;	/* datagrams dropped unparsed or unanswered */
	uint64_t cookies_sent;	/* IKE_SA_INITs answered with a COOKIE */
	uint64_t init_refused;	/* IKE_SA_INITs dropped: half-open caps,
				 * of the engine or of their source */
	uint64_t log_suppressed;	/* warnings caused by remote packets
					 * beyond the rate limit */
	uint64_t nat_keepalives_sent, nat_keepalives_rx;
	uint64_t nat_updates;	/* peers followed to a new address/port */
	/* IKE fragmentation (RFC 7383): fragments sent (retransmissions
	 * too) and received with a valid ICV, messages reassembled, and
	 * fragments dropped (failed ICV, out of range, duplicate, stale
	 * or over the limits; partial messages discarded count theirs) */
	uint64_t frag_sent, frag_rx, frag_reassembled, frag_dropped;
	/* Diffie-Hellman computations handed to env->work, and results
	 * that came back for an SA no longer waiting (expired, deleted) */
	uint64_t dh_offloaded, dh_stale;
	uint64_t dh_ahead;	/* our KE from a key pair made ahead */
	const char *backend;	/* the daemon's kernel backend ("xfrm",
				 * "pfkey (auto)"), set by the daemon; NULL:
				 * not shown */
};
void ike_get_stats(const struct ike_engine *eng, struct ike_stats *st);

/*
 * A work item of env->work.  ike_work_run() touches nothing but w: it may
 * run on any thread, several at once for different items.  ike_work_done()
 * takes the result on the engine's thread (the SA it was for may be gone:
 * then it is dropped) and frees w; ike_work_discard() frees w unused (the
 * daemon is stopping).
 */
void ike_work_run(struct ike_work *w);
void ike_work_done(struct ike_engine *eng, struct ike_work *w, uint64_t now);
void ike_work_discard(struct ike_work *w);

#endif
