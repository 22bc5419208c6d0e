/*
 * kbe.h - kernel backends: one small ops table over the neutral SA and
 * policy description of core/ike/kern.h.
 *
 * A backend is opened by name (kbe_find("pfkey"), kbe_find("null")) and
 * yields a struct kbe handle.  Every operation returns 0 or a negative
 * errno; on failure kbe_error() holds one line that names the VPN and what
 * the kernel refused ("vpn nom_vpn: add SA spi 0xc1a2b3c4 192.0.2.254 ->
 * 198.51.100.254: kernel: Invalid argument").  No failure is fatal: the
 * daemon logs the line and carries on with its other tunnels.
 *
 * Kernel events (SA soft/hard expiry, acquire) are read from events_fd()
 * when it becomes readable (the daemon watches it with uv_poll_t) by
 * calling events_read(), which hands each one to the callback given to
 * kbe_set_event_cb().  The callback is never called from inside another
 * operation.
 *
 * Ownership: ikebox marks what it installs by reqid, in
 * [KBE_REQID_MIN, KBE_REQID_MAX]; flush_own() deletes exactly those SAs and
 * policies and leaves the rest of the kernel's tables alone (unlike
 * SADB_FLUSH, which would take down other daemons' and manual tunnels).
 * The range is the engine's own (KERN_REQID_* in core/ike/kern.h).
 */
#ifndef IKEBOX_NET_KBE_H
#define IKEBOX_NET_KBE_H

#include <stddef.h>
#include <stdint.h>

#include "core/ike/ike.h"
#include "core/ike/kern.h"

#define KBE_REQID_MIN KERN_REQID_MIN	/* core/ike/kern.h */
#define KBE_REQID_MAX KERN_REQID_MAX
#define KBE_ERR_MAX 256

/* Inbound SPIs handed out by spi_alloc(), like strongSwan's range. */
#define KBE_SPI_MIN 0xc0000000u
#define KBE_SPI_MAX 0xcfffffffu

/* Kernel events, backend-neutral. */
enum kbe_event_type {
	KBE_EV_EXPIRE_SOFT = 1,	/* time/bytes soft limit hit: rekey now */
	KBE_EV_EXPIRE_HARD = 2,	/* the kernel removed the SA */
	KBE_EV_ACQUIRE = 3,	/* traffic hit a policy that has no SA */
};

struct kbe_event {
	int type;		/* enum kbe_event_type */
	struct kern_addr src, dst;	/* SA endpoints */
	uint32_t spi;		/* host order; 0 for ACQUIRE */
	uint32_t reqid;		/* 0 when the kernel did not say */
	uint32_t seq;		/* ACQUIRE: kernel sequence, for spi_alloc */
	uint32_t policy_id;	/* ACQUIRE: the policy that triggered it */
	uint8_t policy_dir;	/* ACQUIRE: enum kern_dir, 0 if unknown */
	uint64_t bytes, packets;	/* EXPIRE: use so far */
};

typedef void kbe_event_cb(void *arg, const struct kbe_event *ev);

/* SA counters as the kernel keeps them. */
struct kbe_sa_stats {
	uint64_t bytes;
	uint64_t packets;
	uint64_t add_time;	/* seconds since the epoch, 0 if unknown */
};

/*
 * One entry of a dump.  Exactly one of sa/policy is set.  For SAs holding
 * algorithms that ikebox does not know (installed by somebody else),
 * sa->encr / sa->integ are NULL and encr_name / integ_name say what the
 * kernel reported ("alg-3"); otherwise the names equal ->name.  own is 1
 * for entries inside ikebox's reqid range.
 */
struct kbe_dump_ent {
	const struct kern_sa *sa;
	const struct kbe_sa_stats *stats;
	const char *encr_name, *integ_name;
	const struct kern_policy *policy;
	uint32_t policy_id;	/* kernel's index, 0 if none */
	const char *action;	/* policy: "require", "use", "bypass", "deny" */
	int own;
};

/* Returns 0 to go on, or a negative errno to stop the dump with it. */
typedef int kbe_dump_cb(void *arg, const struct kbe_dump_ent *ent);

struct kbe;

struct kbe_ops {
	const char *name;
	/* Allocates and opens a backend; *out is set only on success. */
	int (*open)(struct kbe **out, char *err, size_t errlen);
	/* Closes and frees (NULL is fine). */
	void (*close)(struct kbe *k);
	/*
	 * Reserves an inbound SPI for sa->src -> sa->dst (sa->reqid, sa->vpn
	 * used too; keys not needed).  The reservation is completed by
	 * sa_update() with the same SPI.
	 */
	int (*spi_alloc)(struct kbe *k, const struct kern_sa *sa, uint32_t *spi);
	/* Installs a new SA (outbound, or inbound with a chosen SPI). */
	int (*sa_add)(struct kbe *k, const struct kern_sa *sa);
	/* Completes an SA whose SPI came from spi_alloc(). */
	int (*sa_update)(struct kbe *k, const struct kern_sa *sa);
	/* Deletes the SA dst/spi/proto (src is used where the backend can). */
	int (*sa_del)(struct kbe *k, const struct kern_sa *sa);
	/* Reads the SA's counters. */
	int (*sa_stats)(struct kbe *k, const struct kern_sa *sa,
	    struct kbe_sa_stats *st);
	int (*policy_add)(struct kbe *k, const struct kern_policy *p);
	/* Deletes the policy with the same dir, src, dst and proto. */
	int (*policy_del)(struct kbe *k, const struct kern_policy *p);
	/* Lists every policy, then every SA, the kernel holds. */
	int (*dump)(struct kbe *k, kbe_dump_cb *cb, void *arg);
	/* Deletes ikebox's own SAs and policies (reqid range), nothing else. */
	int (*flush_own)(struct kbe *k);
	/*
	 * A descriptor to poll for kernel events, or -1 if there are none
	 * (pfkey: or if registering for them failed; kbe_error() says why).
	 */
	int (*events_fd)(struct kbe *k);
	/* Reads pending kernel events without blocking; calls the callback. */
	int (*events_read)(struct kbe *k);
};

/* The common head of every backend's handle. */
struct kbe {
	const struct kbe_ops *ops;
	kbe_event_cb *event_cb;
	void *event_arg;
	char err[KBE_ERR_MAX];
};

/*
 * What `backend = auto` means on this kernel: CFG_BACKEND_XFRM when it has
 * XFRM netlink (a NETLINK_XFRM socket opens), CFG_BACKEND_PFKEY otherwise.
 */
int kbe_auto_backend(void);

/* Returns the backend called name ("pfkey", "xfrm", "null"), or NULL. */
const struct kbe_ops *kbe_find(const char *name);

/* Convenience: kbe_find(name)->open(); -ENOENT for an unknown name. */
int kbe_open(const char *name, struct kbe **out, char *err, size_t errlen);

/* The last error line of k ("" if none). */
const char *kbe_error(const struct kbe *k);

void kbe_set_event_cb(struct kbe *k, kbe_event_cb *cb, void *arg);

/*
 * The soft limit to install for a hard limit: soft itself when non-zero,
 * otherwise hard * (85 + rnd % 11) / 100 (0 stays 0).  rnd is a random
 * number supplied by the caller (backends use getrandom()).
 */
uint64_t kbe_soft_limit(uint64_t soft, uint64_t hard, uint32_t rnd);

/* A random 32-bit number from the kernel (getrandom), for jitter. */
uint32_t kbe_random(void);

/* Writes "192.0.2.254" / "2001:db8::1" into buf; "-" when unset. */
const char *kbe_addr_str(const struct kern_addr *a, char *buf, size_t len);

/* Parses "192.0.2.254" or an IPv6 address; 0 or -EINVAL. */
int kbe_addr_parse(struct kern_addr *a, const char *s);

/* Parses "203.0.113.0/25" (no "/": a host prefix); 0 or -EINVAL. */
int kbe_prefix_parse(struct kern_prefix *p, const char *s);

/* "in", "out", "fwd", "?" */
const char *kbe_dir_name(int dir);

/* Sets k->err ("vpn NAME: ..." prefix added when vpn is non-empty). */
void kbe_set_error(struct kbe *k, const char *vpn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 when reqid is inside ikebox's own range. */
int kbe_reqid_own(uint32_t reqid);

/*
 * Linux PF_KEY: 1 if the kernel's af_key can carry alg as RFC 7296/4868
 * say, else 0 with *why set to one line for the config checker.  Refused:
 * AEAD ciphers (af_key has no AEAD SA type) and hmac-sha2-256 (af_key
 * truncates its ICV to 96 bits instead of RFC 4868's 128, so the tunnel
 * would fail against any other IKEv2 implementation).
 */
int kbe_pfkey_can(const struct cr_alg *alg, const char **why);

/* An algorithm the kernel listed in its SADB_REGISTER reply. */
struct kbe_pfkey_alg {
	uint8_t type;		/* CR_ENCR or CR_INTEG */
	uint8_t id;		/* SADB_*ALG_* */
	uint8_t ivlen;
	uint16_t min_bits, max_bits;
};

/*
 * The algorithms the pfkey backend k learnt at open time; returns their
 * count and sets *algs (valid until close), or -EINVAL if k is not pfkey.
 */
int kbe_pfkey_algs(struct kbe *k, const struct kbe_pfkey_alg **algs);

/*
 * What to do when socket(PF_KEY) failed with -err: load af_key, or be
 * root; "" when there is no advice beyond the errno.
 */
const char *kbe_pfkey_hint(int err);

/* A readable name for a PF_KEY algorithm ID ("aes-cbc", "hmac-sha1"). */
const char *kbe_pfkey_alg_name(int type, unsigned id);

/*
 * For fuzz/fuzz_pfkey.c: one message as the kernel would send it (n
 * bytes), through the parsers the daemon runs on what it reads (after the
 * header checks of the receive path): events, SA and policy dumps.
 * Returns 0 when some parser took it, else -EBADMSG or -ENOENT.
 */
int kbe_pfkey_parse_for_fuzz(const uint8_t *msg, size_t n);

/* The in-memory backend's entry counts (tests, dry runs). */
int kbe_null_count(struct kbe *k, int *n_sa, int *n_policy);

/*
 * The in-memory backend carries no traffic: this adds bytes and packets to
 * the counters of its SA dst/spi/proto, as traffic would (tests of what
 * reads counters).  0, -ESRCH (no such SA) or -EINVAL (k is not null).
 */
int kbe_null_charge(struct kbe *k, const struct kern_sa *sa, uint64_t bytes,
    uint64_t packets);

/*
 * `ikectl show sa` byte counters: fills bytes_in and bytes_out of
 * children[0..info->n_children) (the caller's copy of info->children)
 * from the kernel's counters of each CHILD SA's inbound SA (peer -> local,
 * spi_in) and outbound SA (local -> peer, spi_out), read with sa_stats().
 * A counter that cannot be read is set to 0.  Returns how many SAs could
 * not be read (kbe_error() says why for the last one).
 */
int kbe_child_counters(struct kbe *k, const struct ike_sa_info *info,
    struct ike_child_info *children);

/*
 * The same for a VPN whose SAs carry an XFRM mark (`tap` over a VTI: the
 * kernel finds them only with it); mark 0 is kbe_child_counters().
 */
int kbe_child_counters_mark(struct kbe *k, const struct ike_sa_info *info,
    struct ike_child_info *children, uint32_t mark);

#endif
