/*
 * cfg.h - ikebox's configuration model, loader, printer and iked importer.
 *
 * The model is plain data: fixed arrays, no pointers into parser state, so
 * the IKEv2 engine and the daemon read it directly and a reload can compare
 * two VPNs field by field (cfg_vpn_equal) to keep unchanged tunnels up.
 * Everything a VPN does is explicit here after cfg_load(): every default is
 * filled in (see docs/config.md for the values and why), so consumers never
 * guess.  The on-disk format is INI (inih), one global file plus one file
 * per VPN pulled in with `include`; see docs/config.md.
 *
 * Errors and warnings are collected, never fatal one at a time: a user sees
 * every "FILE:LINE: what is wrong ('bad value')" of a file in one run.
 */
#ifndef IKEBOX_CORE_CFG_CFG_H
#define IKEBOX_CORE_CFG_CFG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "crypto/alg.h"

#define CFG_DEFAULT_FILE "/etc/ikebox/ikd.conf"
#define CFG_DEFAULT_SOCKET "/run/ikebox/ikd.sock"
#define CFG_DEFAULT_HOOKS "/etc/hotplug.d/ikebox"	/* net/hooks.h */

#define CFG_NAME_MAX 64		/* VPN name, with its NUL */
#define CFG_IFNAME_MAX 16	/* tap interface name, with its NUL (IFNAMSIZ) */
#define CFG_ID_MAX 255		/* identification data bytes */
#define CFG_PSK_MAX 128		/* pre-shared key bytes */
#define CFG_PSK_WARN 16		/* shorter keys get a warning: RFC 7296
				 * 2.15, offline-crackable */
#define CFG_LIFETIME_BYTES_MAX (1ULL << 50)	/* 1 PiB: lifetime
				 * arithmetic (jitter in percent) stays
				 * far from overflow */
#define CFG_FLOWS_MAX 32	/* flows (CHILD SAs) per VPN */
#define CFG_XF_MAX 8		/* transforms of one type in one proposal */
#define CFG_PATH_MAX 256	/* socket and psk_file paths, with the NUL */
#define CFG_USER_MAX 32		/* `user` name, with its NUL */
#define CFG_RACY_MS 2000	/* cfg_reload() reads again a file changed
				 * this recently when it was last read: it
				 * may have changed again within one tick of
				 * the file system's clock (git's "racy
				 * clean"); FAT's mtime ticks every 2 s */

enum cfg_mode {
	CFG_MODE_PASSIVE = 0,	/* only respond (iked's default) */
	CFG_MODE_ACTIVE = 1,	/* initiate and keep the tunnel up */
};

/* Where `ikd -d` logs (detached, ikd always uses syslog). */
enum cfg_log {
	CFG_LOG_STDERR = 1,
	CFG_LOG_SYSLOG = 2,
	CFG_LOG_BOTH = 3,	/* the two bits */
};

/* nat_traversal (RFC 7296 2.23, RFC 3948). */
enum cfg_natt {
	CFG_NATT_NO = 0,	/* no NAT detection, ESP never encapsulated */
	CFG_NATT_YES = 1,	/* UDP 4500 and encapsulation when a NAT is seen */
	CFG_NATT_FORCE = 2,	/* encapsulate even without a NAT (networks
				 * that drop ESP) */
};
#define CFG_NAT_KEEPALIVE_DEF 20	/* iked, strongSwan: 20 s */
#define CFG_FRAGMENT_SIZE_DEF 1280	/* RFC 7383 2.5.1 leaves it to us;
					 * fits a 1280-byte IPv6 path too */
#define CFG_FRAGMENT_SIZE_MIN 256	/* below RFC 791's 576 for links that
					 * are smaller still (the count of
					 * fragments stays bounded) */
#define CFG_FRAGMENT_SIZE_MAX 65535
#define CFG_WORKERS_AUTO (-1)
#define CFG_WORKERS_MAX 64

enum cfg_backend {
	CFG_BACKEND_PFKEY = 0,	/* PF_KEY v2, RFC 2367 (Linux af_key) */
	CFG_BACKEND_NULL = 1,	/* SAs in memory only: tests, dry runs */
	CFG_BACKEND_XFRM = 2,	/* Linux XFRM netlink (net/kbe_xfrm.c) */
};

/* [childsa] esn: which Extended Sequence Numbers values are offered and
 * accepted (RFC 7296 3.3.2 transform type 5), as bits. */
#define CFG_ESN_NO 1
#define CFG_ESN_YES 2
#define CFG_ESN_BOTH 3
#define CFG_REPLAY_MAX 4096	/* packets: Linux XFRMA_REPLAY_ESN_MAX bits */
#define CFG_REPLAY_PFKEY_MAX 32	/* af_key keeps one 32-bit bitmap */

/* Identification types, RFC 7296 3.5; 0 means "not set" (see cfg_vpn). */
#define CFG_ID_NONE 0
#define CFG_ID_IPV4_ADDR 1
#define CFG_ID_FQDN 2
#define CFG_ID_RFC822_ADDR 3
#define CFG_ID_IPV6_ADDR 5

struct cfg_id {
	uint8_t type;		/* CFG_ID_* */
	uint8_t len;		/* bytes at data */
	/* Address in network order, or the name; NULL when type is
	 * CFG_ID_NONE.  A VPN's are on the heap (cfg_free), not CFG_ID_MAX
	 * bytes in every VPN whatever their length. */
	const uint8_t *data;
};

/* An address prefix: family AF_INET or AF_INET6, address in network order
 * with every bit past plen zero (the loader refuses host bits). */
struct cfg_prefix {
	uint8_t family;
	uint8_t plen;
	uint8_t addr[16];
};

/* One traffic selector pair; each flow gets its own CHILD SA. */
struct cfg_flow {
	struct cfg_prefix local;
	struct cfg_prefix remote;
	int line;		/* in the VPN's file */
};

/*
 * The transforms offered for one SA, per type, in preference order.  The
 * engine turns it into proposals (RFC 7296 3.3): one for the AEAD ciphers
 * in enc (no integrity transform), one for the others with integ.  integ is
 * empty when every cipher is AEAD; prf is empty for a CHILD SA; dh is empty
 * for a CHILD SA without PFS ("group = none").
 */
struct cfg_xforms {
	/* n_* long each (at most CFG_XF_MAX), in one heap block per list
	 * set that enc points to (cfg_free): not CFG_XF_MAX slots of each
	 * type in every VPN. */
	const struct cr_alg *const *enc;
	const struct cr_alg *const *integ;
	const struct cr_alg *const *prf;
	const struct cr_alg *const *dh;
	uint8_t n_enc, n_integ, n_prf, n_dh;
	uint8_t esn;		/* CHILD SA: CFG_ESN_* bits; IKE SA: 0 */
};

struct cfg_keepalive {
	int enabled;		/* a [keepalive] section was given (always
				 * 1 when cfg_vpn.keepalive is set) */
	struct sockaddr_storage source;	/* inside a flow's local prefix */
	struct sockaddr_storage target;	/* inside the same flow's remote one */
	uint32_t interval;	/* seconds between pings */
	uint32_t fail_after;	/* consecutive lost pings that mean "down" */
};

/*
 * A VPN's own address (local, peer): a sockaddr_in or sockaddr_in6 by
 * ss_family, AF_UNSPEC for "any"; 28 bytes, not a sockaddr_storage's 128
 * twice in every VPN.  Its first member is the family, as in every
 * sockaddr, so a pointer to it reads as a struct sockaddr.
 */
union cfg_addr {
	sa_family_t ss_family;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct cfg_vpn {
	char name[CFG_NAME_MAX];
	int mode;			/* enum cfg_mode */
	uint8_t protocol;		/* IPPROTO_ESP (the only one) */
	int family;			/* AF_INET or AF_INET6: the tunnel's */
	/* Port 0 in both: the engine uses 500/4500.  ss_family AF_UNSPEC
	 * means "any" (local: the kernel picks; peer: passive VPNs only). */
	union cfg_addr local;
	union cfg_addr peer;
	/* `peer = HOST`: the name (interned in cfg->files), resolved by the
	 * daemon before each initiation; peer is then AF_UNSPEC.  NULL when
	 * peer is an address or 'any'. */
	const char *peer_host;
	/* CFG_ID_NONE only with `local = any`: the engine uses the address
	 * the kernel picked for the IKE SA. */
	struct cfg_id srcid;
	struct cfg_id dstid;		/* CFG_ID_NONE: accept any peer ID */
	uint8_t *psk;			/* psk_len bytes on the heap (at
					 * most CFG_PSK_MAX), wiped and
					 * freed by cfg_free; NULL: none */
	size_t psk_len;
	const char *psk_file;		/* where psk came from, or "" (owned
					 * by struct cfg, as file) */
	uint32_t ikelifetime;		/* IKE SA rekey, s; 0 = never */
	uint32_t lifetime;		/* CHILD SA hard lifetime, s */
	uint64_t lifetime_bytes;	/* CHILD SA hard lifetime, bytes */
	uint32_t replay_window;		/* CHILD SA anti-replay, packets; 0 =
					 * off */
	char tap[CFG_IFNAME_MAX];	/* "" = none */
	struct cfg_flow *flows;		/* n_flows of them, on the heap (a
					 * hub's branches have one or two,
					 * not CFG_FLOWS_MAX); cfg_free */
	size_t n_flows;
	struct cfg_xforms ikesa;
	struct cfg_xforms childsa;
	struct cfg_keepalive *keepalive;	/* NULL without a [keepalive]
						 * section (most VPNs); heap,
						 * cfg_free */
	/* Its up/down script (`updown`, or [global]'s), interned; NULL:
	 * none.  Not part of cfg_vpn_equal(): changing it restarts
	 * nothing (and the script runs from ikd's next start). */
	const char *updown;
	const char *file;		/* where [vpn] is (owned by struct cfg) */
	int line;
};

struct cfg {
	const char *file;		/* the file given to cfg_load */
	uint32_t dpd_check_interval;	/* seconds, 0 = off */
	int nat_traversal;		/* enum cfg_natt */
	uint32_t nat_keepalive;		/* seconds between NAT keepalives
					 * when behind a NAT, 0 = off */
	uint32_t fragment_size;		/* IKE fragmentation (RFC 7383):
					 * largest IKE datagram sent as
					 * IP packet, bytes; 0 = off */
	int backend;			/* enum cfg_backend, `auto` resolved */
	int backend_auto;		/* 1: `auto` (the default) chose it */
	int log;			/* enum cfg_log, with -d */
	char socket[CFG_PATH_MAX];	/* control socket path */
	char user[CFG_USER_MAX];	/* ikd drops root to it; "": the
					 * default (ikebox when it exists) */
	int seccomp;			/* 1: ikd filters system calls */
	int workers;			/* threads computing Diffie-Hellman
					 * for ikd, 0 = on its event loop;
					 * CFG_WORKERS_AUTO: one per CPU */
	char hooks[CFG_PATH_MAX];	/* up/down scripts' folder; "none" */
	const char *updown;		/* every VPN's own up/down script by
					 * default (interned); NULL none */
	struct cfg_vpn *vpns;		/* in load order */
	size_t n_vpns;
	/* vpns by name for cfg_vpn_find() (open addressing, 1 + index, 0
	 * free; name_ix_cap a power of two, twice n_vpns or more), made by
	 * cfg_load(); NULL: cfg_vpn_find() walks vpns. */
	uint32_t *name_ix;
	size_t name_ix_cap;
	char **files;			/* interned strings: every file read,
					 * peer host names */
	size_t n_files;
	/* Per VPN, for cfg_reload(): a hash of the identity (stat()) of
	 * the file it was read from and of its psk_file; 0 when that file
	 * must be read again whatever happens.  NULL: none kept. */
	uint64_t *src_id;
	size_t n_reused;		/* VPNs cfg_reload() took from its
					 * prev without reading their file */
};

/* Errors and warnings, in the order found.  Zero-initialise; cfg_diag_free
 * releases it.  Each text is "FILE:LINE: what ('bad value')"; warnings
 * carry "warning: " after the location. */
struct cfg_msg {
	int warning;
	char *text;
};

struct cfg_diag {
	struct cfg_msg *msgs;
	size_t n;
	size_t n_errors;
	size_t n_warnings;
};

/*
 * Loads the global file at path and everything it includes, checks it all,
 * and fills in every default.  Every problem is added to diag (which may
 * already hold messages; it is appended to).  Returns 0 and sets *out (free
 * it with cfg_free) when no error was found (warnings allowed); otherwise
 * returns -EINVAL (-ENOMEM on allocation failure) and sets *out to NULL.
 */
int cfg_load(const char *path, struct cfg **out, struct cfg_diag *diag);

/*
 * cfg_load() for a reload: the result, messages and errors are what
 * cfg_load() gives, but the file of a VPN of prev (a configuration loaded
 * before, which this does not change; NULL: none) is not read again while
 * it is the same file with the same stat() identity (device, inode, size,
 * mtime, ctime, mode, owner; its psk_file's too) and was older than
 * CFG_RACY_MS when prev read it: prev's VPN is copied.  now_ns is the
 * wall clock (CLOCK_REALTIME, file timestamps' clock) as this load starts:
 * what the next cfg_reload() may trust of the files read now.  (cfg_load()
 * trusts none: a configuration it made lends nothing.)  Only files that
 * held one VPN and nothing else, and gave no warning, are taken so; the
 * [global] settings every VPN reads (backend, updown) must be equal too,
 * or every file is read.  A hub of 10,000 VPN files with one changed then
 * costs 10,000 stat()s and one file's parse.  prev's VPNs are copied as
 * they are: a caller that changes a loaded configuration must change
 * every configuration it loads the same way (ikd's -S).
 */
int cfg_reload(const char *path, const struct cfg *prev, int64_t now_ns,
    struct cfg **out, struct cfg_diag *diag);

/*
 * What `backend = auto` (the default) resolves to in the cfg_load() calls
 * that follow: the daemon and the checker probe the kernel (net/kbe.h
 * kbe_auto_backend()) and set it before loading, since which transforms are
 * allowed and offered depends on it.  CFG_BACKEND_PFKEY until set.
 */
void cfg_set_auto_backend(int backend);

/* "pfkey", "xfrm", "null" */
const char *cfg_backend_name(int backend);

/* Frees a configuration and wipes its keys; NULL is fine. */
void cfg_free(struct cfg *cfg);

/* The hash of a VPN name that cfg->name_ix is ordered by (FNV-1a). */
uint64_t cfg_name_hash(const char *name);

/* Finds a VPN by name; NULL if there is none.  O(1) on a loaded cfg:
 * ikd looks VPNs up by name for every log line and control command. */
const struct cfg_vpn *cfg_vpn_find(const struct cfg *cfg, const char *name);

/*
 * Returns 1 if a and b configure the same tunnel (every effective setting
 * equal, the pre-shared key included; where they were written and the
 * [keepalive] section, which only keepalive-pinger reads, are ignored),
 * 0 otherwise.  A reload keeps the SAs of VPNs for which this holds.
 */
int cfg_vpn_equal(const struct cfg_vpn *a, const struct cfg_vpn *b);

/*
 * Prints a VPN in normalised INI form: every key, defaults explicit, one
 * stable block, keys in a fixed order, the psk as "(hidden)".  Two VPNs
 * that cfg_vpn_equal() calls equal print the same (psk aside).
 */
void cfg_vpn_print(FILE *out, const struct cfg_vpn *vpn);

/* Prints the [global] settings the same way. */
void cfg_global_print(FILE *out, const struct cfg *cfg);

/* Adds a message to diag; file may be NULL, line 0 = no line.  Returns
 * -ENOMEM if it could not be stored. */
int cfg_diag_add(struct cfg_diag *diag, int warning, const char *file,
    int line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Creates (or empties) path for writing with exactly mode, whatever the
 * umask or the mode it had: what the importers write a key into must be
 * 0600.  Returns the stream, or NULL with errno set.
 */
FILE *cfg_file_create(const char *path, mode_t mode);

/* Prints every message, one a line. */
void cfg_diag_print(FILE *out, const struct cfg_diag *diag);

void cfg_diag_free(struct cfg_diag *diag);

/*
 * Converts OpenWrt's UCI configuration (/etc/config/ikebox: `config
 * global`, `config vpn 'NAME'` sections; core/cfg/cfg_uci.c has the keys)
 * into outdir/ikd.conf and outdir/vpn.d/NAME.conf (mode 600).  An unknown
 * section or option, or bad syntax, is an error with the UCI file:line,
 * and nothing is written then.  Returns 0, -EINVAL (see diag) or another
 * negative errno.
 */
int cfg_uci_import(const char *uci_file, const char *outdir,
    struct cfg_diag *diag);

/*
 * Converts an iked.conf (as iked.conf(5) and the how-to write it) into
 * outdir/ikd.conf and outdir/vpn.d/NAME.conf, one file per ikev2 policy.
 * Anything it cannot carry over is an error with the iked file:line; no
 * keyword is dropped silently.  Writes nothing when an error was found.
 * Returns 0, -EINVAL (see diag) or another negative errno.
 */
int cfg_iked_import(const char *iked_conf, const char *outdir,
    struct cfg_diag *diag);

/* Value parsers shared by the loader and the importer; 0 or -EINVAL. */
int cfg_parse_prefix(const char *s, struct cfg_prefix *p);
int cfg_parse_addr(const char *s, struct sockaddr_storage *ss);
/* 1 if s is a DNS host name (RFC 1123 2.1: dot-separated labels of
 * letters, digits and inner hyphens, 1-63 bytes each, 253 in all; the last
 * label not all digits, RFC 3696 2, so that a mistyped address such as
 * 192.0.2.300 is not taken for a name); 0 otherwise. */
int cfg_host_name_ok(const char *s);
/* cfg_parse_id: id->data points into buf (CFG_ID_MAX bytes) after it. */
int cfg_parse_id(const char *s, struct cfg_id *id, uint8_t *buf);
int cfg_parse_seconds(const char *s, uint32_t *out);
int cfg_parse_bytes(const char *s, uint64_t *out);

#endif
