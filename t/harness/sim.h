/*
 * sim.h - two IKEv2 engines wired back to back in memory, with a virtual
 * clock, a lossy/duplicating/reordering link and an in-memory kernel per
 * side.  Deterministic for a given seed (the link's choices; the engines'
 * own random numbers only change SPI and key values, not the schedule).
 */
#ifndef IKEBOX_T_HARNESS_SIM_H
#define IKEBOX_T_HARNESS_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/ike/ike.h"
#include "core/ike/kern.h"

#define SIM_KSA_MAX 64
#define SIM_PKT_MAX 512

struct sim_ksa {
	int used;
	uint64_t seq;		/* order of addition: the newest OUT is used */
	struct kern_sa sa;
};

/*
 * A NAT in front of a node (RFC 7296 2.23's world): what the node sends
 * leaves from pub with a public port per private port, handed out from
 * next_port on (a masquerading router); what arrives at pub on a mapped
 * port reaches the node, the rest is dropped (nothing was sent out that
 * way).  Static mappings (sim_nat_forward) stand for port forwarding;
 * sim_nat_flush forgets the others, as `conntrack -F` does.
 */
#define SIM_NAT_MAP 8
struct sim_nat {
	int on;
	struct ike_addr pub;	/* port unused */
	uint16_t next_port;
	int n_map;
	struct {
		uint16_t priv, pub;
		int fixed;
	} map[SIM_NAT_MAP];
};

struct sim_node {
	struct sim *sim;
	int idx;
	struct ike_engine *eng;
	struct ike_addr addr;
	struct sim_ksa ksa[SIM_KSA_MAX];
	int n_policies;
	int policy_add_calls, sa_add_calls, sa_update_calls;
	struct sim_nat nat;
	int keepalives;		/* 1-byte 0xFF datagrams it sent */
	uint64_t keepalive_at[16];	/* when the first ones went */
	char log[64 * 1024];
	size_t log_len;
	char cfgpath[64];	/* for sim_restart */
	int n_warn;		/* log lines at IKE_LOG_WARN or worse */
	int n_watch;		/* log lines holding sim.watch */
};

struct sim_pkt {
	uint64_t at;
	int to;
	size_t len;
	struct ike_addr src, dst;
	uint8_t buf[4096];
};

struct sim {
	struct sim_node n[2];
	uint64_t now;
	uint32_t rng;
	int loss_pct, dup_pct, reorder_pct;
	int blackhole[2];	/* drop everything sent to node i */
	int mtu;		/* IP packets larger are lost (0: no limit;
				 * IPv4 and UDP headers counted, 28 bytes) */
	unsigned too_big;	/* datagrams lost to mtu */
	struct sim_pkt *q;
	int nq;
	unsigned sent;
	/* Optional: sees every datagram an engine sends (before the link's
	 * choices), and every packet about to be delivered (it may call
	 * ike_input itself first, e.g. to slip mutants in). */
	void (*tap)(void *arg, int from, const uint8_t *buf, size_t len);
	void (*before)(void *arg, struct sim *s, const struct sim_pkt *p);
	void *hook_arg;
	int manual;		/* sim_run delivers nothing: sim_deliver does */
	uint64_t ksa_seq;
	char watch[64];		/* counted in sim_node.n_watch when set */
	int timers_bad;		/* engine timer heaps found wrong */
	/*
	 * Name lookups (env->resolve): answered resolve_ms (20) later from hosts
	 * ({name, IPv4 address} pairs; a name not there: "no such host").
	 * strict: a datagram to an address other than the other node's is
	 * lost (counted in misrouted), as on a real network.
	 */
	const char *hosts[4][2];
	uint64_t resolve_ms;
	struct sim_lookup {
		int node;
		uint64_t at;
		char vpn[64], host[256];
	} lookups[8];
	int n_lookups;
	int n_resolves[2];
	int strict;
	int misrouted;
	int no_source;		/* env->source fails: `local = any` learns
				 * its address from the peer's answer */
	/*
	 * Offloaded Diffie-Hellman (env->work, when sim_offload_ms >= 0 at
	 * sim_init): items in the order the engines handed them out, each
	 * computed and given back offload_ms after, or, with work_hold,
	 * only when a test calls sim_work_complete().
	 */
	struct sim_work {
		int node;
		uint64_t at;
		struct ike_work *w;
	} work[64];
	int n_work;
	int work_hold;
	uint64_t offload_ms;
	/* items take offload_ms per DH operation (a request's key pair and
	 * g^ir: twice), so they may finish out of order, as on threads */
	int work_by_cost;
	unsigned n_offloaded[2];
};

/* >= 0: engines made by sim_init()/sim_restart() get env->work, their
 * items completing that many ms later; -1 (default): no env->work. */
extern long sim_offload_ms;
/* >= 0: only that node gets env->work (the other computes in place, as
 * an ikd with `workers = 0` beside one with workers); -1: both. */
extern int sim_offload_only;
/* Computes and gives back pending item k (0: oldest); -1: none. */
int sim_work_complete(struct sim *s, int k);
/* Drops pending item k unused, as a stopping daemon does. */
int sim_work_discard(struct sim *s, int k);

/* Sets up two nodes (127.0.0.1 and 127.0.0.2 style addresses given as
 * text) with engines loaded from the two global config files. */
int sim_init(struct sim *s, const char *cfg_a, const char *addr_a,
    const char *cfg_b, const char *addr_b, uint32_t seed);
void sim_free(struct sim *s);
/* Runs until virtual time `until` (ms). */
void sim_run(struct sim *s, uint64_t until);

/*
 * Manual delivery: the oldest queued datagram for node `to` that is a
 * request (response 0) or a response (1); drop 1 discards it instead.
 * Returns 0, or -1 if none is queued.
 */
int sim_deliver(struct sim *s, int to, int response, int drop);
/* Node i loses all state (engine, kernel) and starts again, as after a
 * reboot, with the same configuration. */
int sim_restart(struct sim *s, int node);
/*
 * 1 when traffic flows both ways: on each node, the newest outbound SA of
 * every reqid (the one the kernel sends on) has an inbound SA with the
 * same SPI and keys on the other node, and each node sends on `flows`
 * reqids.
 */
int sim_traffic_ok(struct sim *s, int flows);

/* Puts node behind a NAT whose public address is pub (text); the
 * first dynamic port handed out is first_port. */
void sim_nat(struct sim *s, int node, const char *pub, uint16_t first_port);
/* A fixed mapping: pub_port on the NAT reaches node's priv_port. */
void sim_nat_forward(struct sim *s, int node, uint16_t priv_port,
    uint16_t pub_port);
/* Forgets the dynamic mappings (conntrack flush); new_pub (text, NULL:
 * keep) gives the NAT a new public address too. */
void sim_nat_flush(struct sim *s, int node, const char *new_pub);
/* The public port the NAT of node maps priv_port to; 0: none yet. */
uint16_t sim_nat_port(const struct sim *s, int node, uint16_t priv_port);
/* node's kernel SA of that direction with the lowest seq (first added),
 * or NULL. */
const struct kern_sa *sim_ksa_first(struct sim *s, int node, int dir);

/* Facts about a node, as ikectl would show them. */
struct ike_stats sim_stats(struct sim *s, int node);
int sim_count_ike(struct sim *s, int node, const char *state);
int sim_count_children(struct sim *s, int node);
/* 1 when every child SA of a has its mirror on b (spi_in == spi_out) and
 * the kernel keys of each direction agree. */
int sim_children_agree(struct sim *s);
int sim_kernel_sas(struct sim *s, int node);
/* A kernel lifetime event for node's ESP SA with this SPI, as the kernel
 * reports it (with the SA's destination address), given to the engine;
 * the engine's answer (0 or -ENOENT).  An SPI node's kernel does not
 * hold is reported with node's own address. */
int sim_kernel_expire(struct sim *s, int node, uint32_t spi, int hard);

/* Writes a global file + one VPN file under t/out and returns the global
 * file's path (static buffer per tag). */
const char *sim_cfg(const char *tag, const char *global_extra,
    const char *vpn);

/*
 * The text of a VPN file for a simulation: the fields given, and what
 * most tests want for the rest (srcid/dstid the local/peer address, [ikesa]
 * aes-128 hmac-sha2-256 hmac-sha2-256 curve25519, [childsa] aes-128
 * hmac-sha1 with child_group as PFS when set).  flows: the [flows] lines,
 * or one "LOCAL REMOTE" pair.  Returns one of 8 static buffers in turn.
 */
struct sim_vpn {
	const char *name, *mode, *local, *peer;
	const char *srcid, *dstid, *psk;	/* NULL: the defaults above */
	const char *flows;
	const char *child_group;
};
const char *sim_vpn_text(const struct sim_vpn *v);

/* Big-endian fields of IKE messages, for tests that build or edit them. */
static inline uint16_t
sim_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
sim_put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
sim_put32(uint8_t *p, size_t v)
{
	sim_put16(p, v >> 16);
	sim_put16(p + 2, v);
}

struct ike_sa;
/* Opens a message (SK first, RFC 7296 3.14) sent in the direction its I
 * flag says, with sa's keys (either end's: they are the same); plain
 * points into msg, decrypted in place.  0 or -1. */
int sim_sk_open(const struct ike_sa *sa, uint8_t *msg, size_t len,
    const uint8_t **plain, size_t *plen);
/* Builds hdr (an IKE header, copied) + SK(first, plain) into out, sealed
 * as the sender would; *olen its length.  0 or -1. */
int sim_sk_seal(const struct ike_sa *sa, const uint8_t *hdr, uint8_t first,
    const uint8_t *plain, size_t plen, uint8_t *out, size_t cap,
    size_t *olen);

#endif
