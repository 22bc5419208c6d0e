/*
 * kern.h - the backend-neutral description of what the IKEv2 engine asks
 * the kernel to install: Child SAs (struct kern_sa) and the security
 * policies that steer traffic into them (struct kern_policy).
 *
 * The engine fills these; a kernel backend (net/kbe_*.c) translates them
 * into PF_KEY messages, netlink messages or an in-memory table.  Nothing
 * here depends on a system header, so the sans-I/O core can use it and a
 * backend for another kernel can read it without Linux's definitions.
 *
 * Conventions:
 *   - Addresses are raw bytes in network order: 4 bytes for IPv4 (the rest
 *     of addr[] is zero), 16 for IPv6.
 *   - SPIs are in HOST byte order (0xc1a2b3c4 prints as the wire shows it);
 *     backends convert.
 *   - Keys live in fixed arrays so that a kern_sa can be wiped with one
 *     memset when the engine drops it.
 */
#ifndef IKEBOX_CORE_IKE_KERN_H
#define IKEBOX_CORE_IKE_KERN_H

#include <stddef.h>
#include <stdint.h>

/*
 * The reqids ikebox gives its CHILD SAs (the engine hands them out in
 * turn) and by which the backends know what is theirs to flush
 * (net/kbe.h): nothing outside this range is touched.  It ends at 0x3fff
 * because Linux's PF_KEY keeps a policy template's reqid only up to
 * IPSEC_MANUAL_REQID_MAX (0x3fff).
 */
#define KERN_REQID_MIN 0x2000
#define KERN_REQID_MAX 0x3fff

struct cr_alg;	/* crypto/alg.h */

#define KERN_AF_INET 4
#define KERN_AF_INET6 6

/* An IP address; family 0 means "unset". */
struct kern_addr {
	uint8_t family;		/* KERN_AF_INET, KERN_AF_INET6 */
	uint8_t addr[16];	/* network order; IPv4 uses addr[0..3] */
};

/* An address prefix (traffic selector of a policy). */
struct kern_prefix {
	struct kern_addr addr;
	uint8_t plen;		/* 0..32 or 0..128 */
};

enum kern_dir {
	KERN_DIR_IN = 1,	/* traffic arriving from the peer for us */
	KERN_DIR_OUT = 2,	/* traffic leaving towards the peer */
	KERN_DIR_FWD = 3,	/* Linux: arriving traffic forwarded to our LAN */
};

#define KERN_PROTO_ESP 50	/* IANA protocol number, RFC 4303 */
#define KERN_MODE_TUNNEL 2	/* only tunnel mode is used by ikebox */

/* Largest key: hmac-sha2-512 (64 bytes); AEAD keys with salt stay below. */
#define KERN_KEY_MAX 64
#define KERN_NAME_MAX 64	/* VPN names, for messages */

/*
 * One direction of a Child SA.
 *
 * reqid ties SAs to the policies that use them (same value in both);
 * ikebox hands out reqids in its own range (see net/kbe.h KBE_REQID_*) so
 * that a backend can tell its own entries from everybody else's.
 *
 * Lifetimes: 0 means "no limit".  When soft_* is 0 and hard_* is not, the
 * backend derives a soft limit at a random 85-95% of the hard one, so that
 * the two ends (and many SAs set up at once) do not all rekey together.
 */
struct kern_sa {
	uint8_t dir;		/* KERN_DIR_IN or KERN_DIR_OUT */
	uint8_t proto;		/* KERN_PROTO_ESP */
	uint8_t mode;		/* KERN_MODE_TUNNEL */
	struct kern_addr src;	/* outer source (sender of the ESP packets) */
	struct kern_addr dst;	/* outer destination (owner of the SPI) */
	uint32_t spi;		/* host byte order */
	uint32_t reqid;
	const struct cr_alg *encr;	/* CR_ENCR entry; never NULL when added */
	uint8_t encr_key[KERN_KEY_MAX];
	uint16_t encr_key_len;
	const struct cr_alg *integ;	/* CR_INTEG entry; NULL with AEAD */
	uint8_t integ_key[KERN_KEY_MAX];
	uint16_t integ_key_len;
	uint32_t replay_window;		/* packets; 0 = no replay check */
	uint8_t esn;			/* 1: 64-bit extended sequence numbers
					 * (RFC 4303 2.2.1), negotiated */
	uint64_t soft_secs, hard_secs;
	uint64_t soft_bytes, hard_bytes;
	/*
	 * UDP encapsulation of ESP (RFC 3948, NAT traversal): outer UDP source
	 * and destination ports in host order, both 0 for plain ESP.  PF_KEY
	 * carries them as SADB_X_EXT_NAT_T_*, XFRM as XFRMA_ENCAP.
	 */
	uint16_t encap_sport, encap_dport;
	/*
	 * Route-based VPNs (`tap`): the XFRM interface ID (XFRMA_IF_ID) or
	 * the mark (XFRMA_MARK, all bits compared: a VTI's ikey/okey) that
	 * ties the SA to the VPN's interface; 0 = none.  Set by the daemon,
	 * not the engine; PF_KEY has neither.
	 */
	uint32_t if_id, mark;
	char vpn[KERN_NAME_MAX];	/* for messages only */
};

/*
 * One security policy (a "flow"): traffic from src to dst (and proto, 0 =
 * any) in direction dir is carried in tunnel mode between tun_src and
 * tun_dst by an ESP SA with this reqid.  For a forwarding gateway on Linux
 * an inbound flow needs both an IN and a FWD policy.
 */
struct kern_policy {
	uint8_t dir;		/* enum kern_dir */
	struct kern_prefix src, dst;
	uint8_t proto;		/* upper-layer protocol, 0 = any */
	struct kern_addr tun_src, tun_dst;	/* SA endpoints (template) */
	uint32_t reqid;
	uint32_t priority;	/* Linux: lower value wins; 0 = backend default */
	uint32_t if_id, mark;	/* as in struct kern_sa */
	char vpn[KERN_NAME_MAX];
};

#endif
