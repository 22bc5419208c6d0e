/*
 * kbe_pfkey.c - the "pfkey" kernel backend: PF_KEY v2 (RFC 2367) with the
 * Linux extensions (sadb_x_sa2 for mode/reqid, sadb_x_policy and
 * sadb_x_ipsecrequest for the SPD, in/out/fwd directions).
 *
 * Two sockets: requests go out on one and their replies are matched by
 * sequence number, type and pid (Linux broadcasts SADB_ADD, SADB_DELETE,
 * SPD changes and errors of every process to every PF_KEY socket, so
 * anything else is skipped).  The other socket is SADB_REGISTERed for ESP:
 * the kernel sends SADB_EXPIRE and SADB_ACQUIRE only to registered sockets,
 * and keeping them apart means no event is swallowed while a request waits
 * for its reply.  The REGISTER reply lists the algorithms the kernel has.
 *
 * Linux af_key limits, checked by kbe_pfkey_can(): no AEAD (the SA message
 * has one encryption and one authentication algorithm and af_key's table
 * has no GCM entry usable for ESP), and hmac-sha2-256 is installed with a
 * 96-bit ICV (af_key's table keeps the pre-RFC 4868 truncation), which no
 * RFC 4868 peer accepts.
 *
 * Kernel messages are read through bounds-checked extension walks and
 * copied into local structs; a malformed message is skipped, never trusted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ipsec.h>
#include <linux/pfkeyv2.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/alg.h"
#include "net/kbe.h"

#define PFK_TIMEOUT_MS 3000	/* a kernel reply normally takes < 1 ms */
#define PFK_RBUF 65536		/* one PF_KEY message is at most 64 KiB */
#define PFK_MAX_ALGS 64

/* IANA ENCR / INTEG transform IDs used by crypto/alg.c, RFC 7296 3.3.2. */
#define IKEV2_ENCR_AES_CBC 12
#define IKEV2_AUTH_HMAC_SHA1_96 2
#define IKEV2_AUTH_HMAC_SHA2_256_128 12
#define IKEV2_AUTH_HMAC_SHA2_384_192 13
#define IKEV2_AUTH_HMAC_SHA2_512_256 14

extern const struct kbe_ops kbe_pfkey_ops;

struct kbe_pfkey {
	struct kbe kbe;		/* first: the common head */
	int req_fd;		/* requests and their replies */
	int ev_fd;		/* registered: EXPIRE, ACQUIRE */
	uint32_t pid;
	struct kbe_pfkey_alg algs[PFK_MAX_ALGS];
	int n_algs;
	int registered;
	uint8_t rbuf[PFK_RBUF] __attribute__((aligned(8)));
};

/* ---- message building ------------------------------------------------ */

struct pfk_msg {
	uint64_t buf[256];	/* 2 KiB, 8-aligned as RFC 2367 wants */
	size_t len;		/* bytes used */
};

static uint32_t pfk_seq;

static uint32_t
pfk_next_seq(void)
{
	/*
	 * Linux's GETSPI reuses a larval (acquire) state whose sequence
	 * number equals the request's; acquire numbers count up from 1, so
	 * ours start far above them.
	 */
	if (pfk_seq == 0) {
		pfk_seq = 0x40000000u | (kbe_random() & 0x3fffffffu);
	}
	if (++pfk_seq == 0) {
		pfk_seq = 0x40000000u;
	}
	return pfk_seq;
}

static struct sadb_msg *
msg_init(struct pfk_msg *m, uint8_t type, uint8_t satype, uint32_t pid)
{
	struct sadb_msg *h = (struct sadb_msg *)m->buf;

	memset(m->buf, 0, sizeof(m->buf));
	h->sadb_msg_version = PF_KEY_V2;
	h->sadb_msg_type = type;
	h->sadb_msg_satype = satype;
	h->sadb_msg_seq = pfk_next_seq();
	h->sadb_msg_pid = pid;
	m->len = sizeof(*h);
	return h;
}

/* Reserves size bytes (rounded up to 8) for an extension; NULL if full. */
static void *
msg_ext(struct pfk_msg *m, size_t size, uint16_t exttype)
{
	size_t units = (size + 7) / 8;
	uint8_t *p = (uint8_t *)m->buf + m->len;
	struct sadb_ext *e = (struct sadb_ext *)p;

	if (m->len + units * 8 > sizeof(m->buf)) {
		return NULL;
	}
	e->sadb_ext_len = (uint16_t)units;
	e->sadb_ext_type = exttype;
	m->len += units * 8;
	return p;
}

static void
msg_done(struct pfk_msg *m)
{
	((struct sadb_msg *)m->buf)->sadb_msg_len = (uint16_t)(m->len / 8);
}

/* Writes a sockaddr for a; returns its length, 0 for an unset family. */
static size_t
sockaddr_put(uint8_t *p, const struct kern_addr *a)
{
	if (a->family == KERN_AF_INET) {
		struct sockaddr_in s = { 0 };

		s.sin_family = AF_INET;
		memcpy(&s.sin_addr, a->addr, 4);
		memcpy(p, &s, sizeof(s));
		return sizeof(s);
	}
	if (a->family == KERN_AF_INET6) {
		struct sockaddr_in6 s = { 0 };

		s.sin6_family = AF_INET6;
		memcpy(&s.sin6_addr, a->addr, 16);
		memcpy(p, &s, sizeof(s));
		return sizeof(s);
	}
	return 0;
}

static size_t
sockaddr_len(const struct kern_addr *a)
{
	return a->family == KERN_AF_INET ? sizeof(struct sockaddr_in) :
	    a->family == KERN_AF_INET6 ? sizeof(struct sockaddr_in6) : 0;
}

static int
ext_address(struct pfk_msg *m, uint16_t type, const struct kern_addr *a,
    uint8_t plen, uint8_t proto)
{
	struct sadb_address *e;
	size_t sl = sockaddr_len(a);

	if (sl == 0 || (e = msg_ext(m, sizeof(*e) + sl, type)) == NULL) {
		return -EINVAL;
	}
	e->sadb_address_proto = proto;
	e->sadb_address_prefixlen = plen;
	sockaddr_put((uint8_t *)(e + 1), a);
	return 0;
}

static int
ext_sa(struct pfk_msg *m, uint32_t spi, uint8_t replay, uint8_t auth,
    uint8_t enc)
{
	struct sadb_sa *e = msg_ext(m, sizeof(*e), SADB_EXT_SA);

	if (e == NULL) {
		return -EINVAL;
	}
	e->sadb_sa_spi = htonl(spi);
	e->sadb_sa_replay = replay;
	e->sadb_sa_state = SADB_SASTATE_MATURE;
	e->sadb_sa_auth = auth;
	e->sadb_sa_encrypt = enc;
	return 0;
}

static int
ext_sa2(struct pfk_msg *m, uint8_t mode, uint32_t reqid)
{
	struct sadb_x_sa2 *e = msg_ext(m, sizeof(*e), SADB_X_EXT_SA2);

	if (e == NULL) {
		return -EINVAL;
	}
	e->sadb_x_sa2_mode = mode;
	e->sadb_x_sa2_reqid = reqid;
	return 0;
}

static int
ext_lifetime(struct pfk_msg *m, uint16_t type, uint64_t bytes, uint64_t secs)
{
	struct sadb_lifetime *e = msg_ext(m, sizeof(*e), type);

	if (e == NULL) {
		return -EINVAL;
	}
	e->sadb_lifetime_bytes = bytes;
	e->sadb_lifetime_addtime = secs;
	return 0;
}

static int
ext_key(struct pfk_msg *m, uint16_t type, const uint8_t *key, size_t len)
{
	struct sadb_key *e = msg_ext(m, sizeof(*e) + len, type);

	if (e == NULL) {
		return -EINVAL;
	}
	e->sadb_key_bits = (uint16_t)(len * 8);
	memcpy(e + 1, key, len);
	return 0;
}

/* UDP encapsulation of ESP (RFC 3948): Linux's NAT-T extensions. */
static int
ext_nat_t(struct pfk_msg *m, uint16_t sport, uint16_t dport)
{
	struct sadb_x_nat_t_type *t;
	struct sadb_x_nat_t_port *p;

	if ((t = msg_ext(m, sizeof(*t), SADB_X_EXT_NAT_T_TYPE)) == NULL) {
		return -EINVAL;
	}
	t->sadb_x_nat_t_type_type = UDP_ENCAP_ESPINUDP;
	if ((p = msg_ext(m, sizeof(*p), SADB_X_EXT_NAT_T_SPORT)) == NULL) {
		return -EINVAL;
	}
	p->sadb_x_nat_t_port_port = htons(sport);
	if ((p = msg_ext(m, sizeof(*p), SADB_X_EXT_NAT_T_DPORT)) == NULL) {
		return -EINVAL;
	}
	p->sadb_x_nat_t_port_port = htons(dport);
	return 0;
}

/* ---- algorithm mapping ----------------------------------------------- */

/* Our table entry -> PF_KEY ID, or 0 when af_key has no faithful one. */
static uint8_t
alg_to_sadb(const struct cr_alg *a)
{
	if (a == NULL) {
		return 0;
	}
	if (a->type == CR_ENCR && a->id == IKEV2_ENCR_AES_CBC &&
	    (a->flags & CR_F_AEAD) == 0) {
		return SADB_X_EALG_AESCBC;
	}
	if (a->type == CR_INTEG) {
		switch (a->id) {
		case IKEV2_AUTH_HMAC_SHA1_96:
			return SADB_AALG_SHA1HMAC;
		case IKEV2_AUTH_HMAC_SHA2_256_128:
			return SADB_X_AALG_SHA2_256HMAC;
		case IKEV2_AUTH_HMAC_SHA2_384_192:
			return SADB_X_AALG_SHA2_384HMAC;
		case IKEV2_AUTH_HMAC_SHA2_512_256:
			return SADB_X_AALG_SHA2_512HMAC;
		}
	}
	return 0;
}

/* PF_KEY ID (+ key bits) -> our table entry, NULL if none. */
static const struct cr_alg *
alg_from_sadb(int type, unsigned id, unsigned key_bits)
{
	if (type == CR_ENCR && id == SADB_X_EALG_AESCBC) {
		return cr_alg_by_id(CR_ENCR, IKEV2_ENCR_AES_CBC,
		    (uint16_t)key_bits);
	}
	if (type == CR_INTEG) {
		switch (id) {
		case SADB_AALG_SHA1HMAC:
			return cr_alg_by_id(CR_INTEG, IKEV2_AUTH_HMAC_SHA1_96, 0);
		case SADB_X_AALG_SHA2_256HMAC:
			return cr_alg_by_id(CR_INTEG,
			    IKEV2_AUTH_HMAC_SHA2_256_128, 0);
		case SADB_X_AALG_SHA2_384HMAC:
			return cr_alg_by_id(CR_INTEG,
			    IKEV2_AUTH_HMAC_SHA2_384_192, 0);
		case SADB_X_AALG_SHA2_512HMAC:
			return cr_alg_by_id(CR_INTEG,
			    IKEV2_AUTH_HMAC_SHA2_512_256, 0);
		}
	}
	return NULL;
}

/* see kbe.h */
const char *
kbe_pfkey_alg_name(int type, unsigned id)
{
	static const struct {
		int type;
		unsigned id;
		const char *name;
	} names[] = {
		{ CR_ENCR, SADB_EALG_NULL, "null" },
		{ CR_ENCR, SADB_EALG_DESCBC, "des-cbc" },
		{ CR_ENCR, SADB_EALG_3DESCBC, "3des-cbc" },
		{ CR_ENCR, SADB_X_EALG_CASTCBC, "cast-cbc" },
		{ CR_ENCR, SADB_X_EALG_BLOWFISHCBC, "blowfish-cbc" },
		{ CR_ENCR, SADB_X_EALG_AESCBC, "aes-cbc" },
		{ CR_ENCR, SADB_X_EALG_AESCTR, "aes-ctr" },
		{ CR_ENCR, SADB_X_EALG_CAMELLIACBC, "camellia-cbc" },
		{ CR_ENCR, SADB_X_EALG_SERPENTCBC, "serpent-cbc" },
		{ CR_ENCR, SADB_X_EALG_TWOFISHCBC, "twofish-cbc" },
		{ CR_ENCR, SADB_X_EALG_SM4CBC, "sm4-cbc" },
		{ CR_INTEG, SADB_X_AALG_NULL, "null" },
		{ CR_INTEG, SADB_AALG_MD5HMAC, "hmac-md5" },
		{ CR_INTEG, SADB_AALG_SHA1HMAC, "hmac-sha1" },
		{ CR_INTEG, SADB_X_AALG_SHA2_256HMAC, "hmac-sha2-256" },
		{ CR_INTEG, SADB_X_AALG_SHA2_384HMAC, "hmac-sha2-384" },
		{ CR_INTEG, SADB_X_AALG_SHA2_512HMAC, "hmac-sha2-512" },
		{ CR_INTEG, SADB_X_AALG_RIPEMD160HMAC, "hmac-ripemd160" },
		{ CR_INTEG, SADB_X_AALG_AES_XCBC_MAC, "aes-xcbc-mac" },
		{ CR_INTEG, SADB_X_AALG_SM3_256HMAC, "hmac-sm3" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].type == type && names[i].id == id) {
			return names[i].name;
		}
	}
	return NULL;
}

/* see kbe.h */
int
kbe_pfkey_can(const struct cr_alg *alg, const char **why)
{
	*why = NULL;
	if (alg == NULL || (alg->type != CR_ENCR && alg->type != CR_INTEG)) {
		return 1;	/* IKE SA transforms do not reach the kernel */
	}
	if (alg->flags & CR_F_AEAD) {
		*why = "is an AEAD cipher, which Linux PF_KEY cannot install "
		    "(use aes-128/192/256 with hmac-sha1/-sha2-384/-sha2-512)";
		return 0;
	}
	if (alg->type == CR_INTEG && alg->id == IKEV2_AUTH_HMAC_SHA2_256_128) {
		*why = "is truncated to 96 bits by Linux PF_KEY instead of "
		    "RFC 4868's 128, so peers reject the ESP packets "
		    "(use hmac-sha2-384, hmac-sha2-512 or hmac-sha1)";
		return 0;
	}
	if (alg_to_sadb(alg) == 0) {
		*why = "has no Linux PF_KEY equivalent";
		return 0;
	}
	return 1;
}

/* ---- socket I/O ------------------------------------------------------ */

static int
pfk_socket(void)
{
	int fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2);
	int sz = 1 << 20;

	if (fd < 0) {
		return -errno;
	}
	/* Dumps and expire bursts: a bigger buffer loses fewer messages. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	return fd;
}

/*
 * Receives one message into pk->rbuf; returns its length, 0 on timeout
 * (-1 ms: do not wait), or -errno.  Messages whose header does not add up
 * are dropped here.
 */
static ssize_t
pfk_recv(struct kbe_pfkey *pk, int fd, int timeout_ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sadb_msg h;
		ssize_t n;
		int r;

		r = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			return -errno;
		}
		if (r == 0) {
			return 0;
		}
		n = recv(fd, pk->rbuf, sizeof(pk->rbuf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (n < 0) {
			return -errno;
		}
		if ((size_t)n < sizeof(h)) {
			continue;
		}
		memcpy(&h, pk->rbuf, sizeof(h));
		if (h.sadb_msg_version != PF_KEY_V2 ||
		    (size_t)h.sadb_msg_len * 8 != (size_t)n) {
			continue;
		}
		return n;
	}
}

/* Ms left until deadline (CLOCK_MONOTONIC ms). */
static int
ms_left(int64_t deadline)
{
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return deadline > now ? (int)(deadline - now) : 0;
}

static int64_t
deadline_in(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ms;
}

/* Pending replies to nobody (other daemons' broadcasts) go first. */
static void
pfk_drain(struct kbe_pfkey *pk, int fd)
{
	while (pfk_recv(pk, fd, -1) > 0) {
	}
}

/*
 * Sends m on fd and waits for the matching reply (same type, seq, pid),
 * left in pk->rbuf; returns its length or -errno (the kernel's sadb_msg
 * errno, or a local failure).  what describes the request for the error
 * line.
 */
static ssize_t
pfk_call(struct kbe_pfkey *pk, int fd, struct pfk_msg *m, const char *vpn,
    const char *what)
{
	struct sadb_msg req, h;
	int64_t dl;
	ssize_t n;

	msg_done(m);
	memcpy(&req, m->buf, sizeof(req));
	pfk_drain(pk, fd);
	if (send(fd, m->buf, m->len, 0) != (ssize_t)m->len) {
		int e = errno ? errno : EIO;

		kbe_set_error(&pk->kbe, vpn, "%s: PF_KEY send: %s", what,
		    strerror(e));
		return -e;
	}
	dl = deadline_in(PFK_TIMEOUT_MS);
	for (;;) {
		int left = ms_left(dl);

		n = left > 0 ? pfk_recv(pk, fd, left) : 0;
		if (n == 0) {
			kbe_set_error(&pk->kbe, vpn, "%s: no PF_KEY reply "
			    "within %d ms", what, PFK_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		if (n < 0) {
			kbe_set_error(&pk->kbe, vpn, "%s: PF_KEY receive: %s",
			    what, strerror((int)-n));
			return n;
		}
		memcpy(&h, pk->rbuf, sizeof(h));
		if (h.sadb_msg_type == req.sadb_msg_type &&
		    h.sadb_msg_seq == req.sadb_msg_seq &&
		    h.sadb_msg_pid == req.sadb_msg_pid) {
			break;
		}
	}
	if (h.sadb_msg_errno != 0) {
		kbe_set_error(&pk->kbe, vpn, "%s: kernel: %s", what,
		    strerror(h.sadb_msg_errno));
		return -(ssize_t)h.sadb_msg_errno;
	}
	return n;
}

/* ---- message parsing ------------------------------------------------- */

/* Byte offsets of each extension in pk->rbuf (0 = absent). */
struct pfk_exts {
	size_t off[SADB_EXT_MAX + 1];
	size_t len[SADB_EXT_MAX + 1];
};

static int
pfk_parse(const uint8_t *msg, size_t n, struct pfk_exts *x)
{
	size_t off = sizeof(struct sadb_msg);

	memset(x, 0, sizeof(*x));
	while (off + sizeof(struct sadb_ext) <= n) {
		struct sadb_ext e;
		size_t len;

		memcpy(&e, msg + off, sizeof(e));
		len = (size_t)e.sadb_ext_len * 8;
		if (len < sizeof(e) || len > n - off) {
			return -EBADMSG;
		}
		if (e.sadb_ext_type <= SADB_EXT_MAX && x->off[e.sadb_ext_type]
		    == 0) {
			x->off[e.sadb_ext_type] = off;
			x->len[e.sadb_ext_type] = len;
		}
		off += len;
	}
	return off == n ? 0 : -EBADMSG;
}

/* Copies extension t (at least size bytes) into out; 0 if present. */
static int
ext_get(const uint8_t *msg, const struct pfk_exts *x, int t, void *out,
    size_t size)
{
	if (x->off[t] == 0 || x->len[t] < size) {
		return -ENOENT;
	}
	memcpy(out, msg + x->off[t], size);
	return 0;
}

/* Reads a sockaddr of at most len bytes at p; returns bytes used or 0. */
static size_t
sockaddr_get(const uint8_t *p, size_t len, struct kern_addr *a)
{
	sa_family_t fam;

	memset(a, 0, sizeof(*a));
	if (len < sizeof(fam)) {
		return 0;
	}
	memcpy(&fam, p, sizeof(fam));
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in s;

		memcpy(&s, p, sizeof(s));
		a->family = KERN_AF_INET;
		memcpy(a->addr, &s.sin_addr, 4);
		return sizeof(s);
	}
	if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 s;

		memcpy(&s, p, sizeof(s));
		a->family = KERN_AF_INET6;
		memcpy(a->addr, &s.sin6_addr, 16);
		return sizeof(s);
	}
	return 0;
}

static int
addr_get(const uint8_t *msg, const struct pfk_exts *x, int t,
    struct kern_prefix *p, uint8_t *proto)
{
	struct sadb_address e;

	if (ext_get(msg, x, t, &e, sizeof(e)) != 0) {
		return -ENOENT;
	}
	if (sockaddr_get(msg + x->off[t] + sizeof(e), x->len[t] - sizeof(e),
	    &p->addr) == 0) {
		return -EBADMSG;
	}
	p->plen = e.sadb_address_prefixlen;
	if (proto != NULL) {
		*proto = e.sadb_address_proto == IPSEC_ULPROTO_ANY ? 0 :
		    e.sadb_address_proto;
	}
	return 0;
}

/* An SA message (DUMP, GET, EXPIRE) into the neutral form. */
struct pfk_sa_ent {
	struct kern_sa sa;
	struct kbe_sa_stats st;
	char encr_name[24], integ_name[24];
	int soft, hard;		/* which lifetime extensions came */
};

static int
parse_sa(const uint8_t *msg, size_t n, struct pfk_sa_ent *out)
{
	struct pfk_exts x;
	struct sadb_msg h;
	struct sadb_sa sa;
	struct sadb_x_sa2 sa2;
	struct sadb_lifetime lt;
	struct sadb_key key;
	struct sadb_x_nat_t_type nt;
	struct sadb_x_nat_t_port np;
	struct kern_prefix p;
	unsigned ebits = 0;
	const char *nm;

	memset(out, 0, sizeof(*out));
	if (pfk_parse(msg, n, &x) != 0 ||
	    ext_get(msg, &x, SADB_EXT_SA, &sa, sizeof(sa)) != 0) {
		return -EBADMSG;
	}
	memcpy(&h, msg, sizeof(h));
	out->sa.proto = h.sadb_msg_satype == SADB_SATYPE_ESP ? KERN_PROTO_ESP :
	    h.sadb_msg_satype == SADB_SATYPE_AH ? 51 : 0;
	out->sa.spi = ntohl(sa.sadb_sa_spi);
	out->sa.replay_window = sa.sadb_sa_replay;
	if (ext_get(msg, &x, SADB_X_EXT_SA2, &sa2, sizeof(sa2)) == 0) {
		out->sa.mode = sa2.sadb_x_sa2_mode;
		out->sa.reqid = sa2.sadb_x_sa2_reqid;
	}
	if (addr_get(msg, &x, SADB_EXT_ADDRESS_SRC, &p, NULL) == 0) {
		out->sa.src = p.addr;
	}
	if (addr_get(msg, &x, SADB_EXT_ADDRESS_DST, &p, NULL) == 0) {
		out->sa.dst = p.addr;
	}
	if (ext_get(msg, &x, SADB_EXT_LIFETIME_CURRENT, &lt, sizeof(lt)) == 0) {
		/* Linux reports packets in the allocations field. */
		out->st.packets = lt.sadb_lifetime_allocations;
		out->st.bytes = lt.sadb_lifetime_bytes;
		out->st.add_time = lt.sadb_lifetime_addtime;
	}
	if (ext_get(msg, &x, SADB_EXT_LIFETIME_HARD, &lt, sizeof(lt)) == 0) {
		out->hard = 1;
		out->sa.hard_bytes = lt.sadb_lifetime_bytes;
		out->sa.hard_secs = lt.sadb_lifetime_addtime;
	}
	if (ext_get(msg, &x, SADB_EXT_LIFETIME_SOFT, &lt, sizeof(lt)) == 0) {
		out->soft = 1;
		out->sa.soft_bytes = lt.sadb_lifetime_bytes;
		out->sa.soft_secs = lt.sadb_lifetime_addtime;
	}
	if (ext_get(msg, &x, SADB_X_EXT_NAT_T_TYPE, &nt, sizeof(nt)) == 0 &&
	    nt.sadb_x_nat_t_type_type == UDP_ENCAP_ESPINUDP) {
		if (ext_get(msg, &x, SADB_X_EXT_NAT_T_SPORT, &np,
		    sizeof(np)) == 0) {
			out->sa.encap_sport = ntohs(np.sadb_x_nat_t_port_port);
		}
		if (ext_get(msg, &x, SADB_X_EXT_NAT_T_DPORT, &np,
		    sizeof(np)) == 0) {
			out->sa.encap_dport = ntohs(np.sadb_x_nat_t_port_port);
		}
	}
	if (ext_get(msg, &x, SADB_EXT_KEY_ENCRYPT, &key, sizeof(key)) == 0) {
		size_t kl = key.sadb_key_bits / 8u;

		ebits = key.sadb_key_bits;
		if (kl <= KERN_KEY_MAX && kl <= x.len[SADB_EXT_KEY_ENCRYPT] -
		    sizeof(key)) {
			memcpy(out->sa.encr_key, msg +
			    x.off[SADB_EXT_KEY_ENCRYPT] + sizeof(key), kl);
			out->sa.encr_key_len = (uint16_t)kl;
		}
	}
	if (ext_get(msg, &x, SADB_EXT_KEY_AUTH, &key, sizeof(key)) == 0) {
		size_t kl = key.sadb_key_bits / 8u;

		if (kl <= KERN_KEY_MAX && kl <= x.len[SADB_EXT_KEY_AUTH] -
		    sizeof(key)) {
			memcpy(out->sa.integ_key, msg +
			    x.off[SADB_EXT_KEY_AUTH] + sizeof(key), kl);
			out->sa.integ_key_len = (uint16_t)kl;
		}
	}
	out->sa.encr = alg_from_sadb(CR_ENCR, sa.sadb_sa_encrypt, ebits);
	out->sa.integ = alg_from_sadb(CR_INTEG, sa.sadb_sa_auth, 0);
	if (out->sa.encr != NULL) {
		nm = out->sa.encr->name;
	} else {
		nm = kbe_pfkey_alg_name(CR_ENCR, sa.sadb_sa_encrypt);
	}
	if (nm != NULL) {
		snprintf(out->encr_name, sizeof(out->encr_name), "%s", nm);
	} else if (sa.sadb_sa_encrypt == 0) {
		snprintf(out->encr_name, sizeof(out->encr_name), "none");
	} else {
		snprintf(out->encr_name, sizeof(out->encr_name), "alg-%u",
		    sa.sadb_sa_encrypt);
	}
	nm = out->sa.integ ? out->sa.integ->name :
	    kbe_pfkey_alg_name(CR_INTEG, sa.sadb_sa_auth);
	if (nm != NULL) {
		snprintf(out->integ_name, sizeof(out->integ_name), "%s", nm);
	} else if (sa.sadb_sa_auth == 0) {
		snprintf(out->integ_name, sizeof(out->integ_name), "none");
	} else {
		snprintf(out->integ_name, sizeof(out->integ_name), "alg-%u",
		    sa.sadb_sa_auth);
	}
	return 0;
}

/* An SPD message (SPDDUMP) into the neutral form. */
static int
parse_policy(const uint8_t *msg, size_t n, struct kern_policy *p,
    uint32_t *id, const char **action)
{
	struct pfk_exts x;
	struct sadb_x_policy xp;
	size_t off, end;

	memset(p, 0, sizeof(*p));
	if (pfk_parse(msg, n, &x) != 0 ||
	    ext_get(msg, &x, SADB_X_EXT_POLICY, &xp, sizeof(xp)) != 0 ||
	    addr_get(msg, &x, SADB_EXT_ADDRESS_SRC, &p->src, &p->proto) != 0 ||
	    addr_get(msg, &x, SADB_EXT_ADDRESS_DST, &p->dst, NULL) != 0) {
		return -EBADMSG;
	}
	p->dir = xp.sadb_x_policy_dir;
	p->priority = xp.sadb_x_policy_priority;
	*id = xp.sadb_x_policy_id;
	*action = xp.sadb_x_policy_type == IPSEC_POLICY_DISCARD ? "deny" :
	    xp.sadb_x_policy_type == IPSEC_POLICY_IPSEC ? "require" : "bypass";
	/* The first ipsecrequest carries the tunnel template. */
	off = x.off[SADB_X_EXT_POLICY] + sizeof(xp);
	end = x.off[SADB_X_EXT_POLICY] + x.len[SADB_X_EXT_POLICY];
	if (off + sizeof(struct sadb_x_ipsecrequest) <= end) {
		struct sadb_x_ipsecrequest rq;
		size_t used;

		memcpy(&rq, msg + off, sizeof(rq));
		if (rq.sadb_x_ipsecrequest_len < sizeof(rq) ||
		    rq.sadb_x_ipsecrequest_len > end - off) {
			return -EBADMSG;
		}
		p->reqid = rq.sadb_x_ipsecrequest_reqid;
		if (rq.sadb_x_ipsecrequest_level == IPSEC_LEVEL_USE) {
			*action = "use";
		}
		end = off + rq.sadb_x_ipsecrequest_len;
		off += sizeof(rq);
		used = sockaddr_get(msg + off, end - off, &p->tun_src);
		if (used != 0) {
			(void)sockaddr_get(msg + off + used, end - off - used,
			    &p->tun_dst);
		}
	}
	return 0;
}

/* ---- open / close / REGISTER ----------------------------------------- */

static int
pfk_register(struct kbe_pfkey *pk)
{
	struct pfk_msg m;
	struct pfk_exts x;
	ssize_t n;
	static const struct {
		int ext, type;
	} kinds[] = {
		{ SADB_EXT_SUPPORTED_ENCRYPT, CR_ENCR },
		{ SADB_EXT_SUPPORTED_AUTH, CR_INTEG },
	};

	msg_init(&m, SADB_REGISTER, SADB_SATYPE_ESP, pk->pid);
	n = pfk_call(pk, pk->ev_fd, &m, NULL, "SADB_REGISTER for ESP");
	if (n < 0) {
		return (int)n;
	}
	if (pfk_parse(pk->rbuf, (size_t)n, &x) != 0) {
		kbe_set_error(&pk->kbe, NULL, "SADB_REGISTER: malformed reply");
		return -EBADMSG;
	}
	pk->n_algs = 0;
	pk->registered = 1;
	for (size_t k = 0; k < 2; k++) {
		size_t off = x.off[kinds[k].ext], end;

		if (off == 0) {
			continue;
		}
		end = off + x.len[kinds[k].ext];
		off += sizeof(struct sadb_supported);
		for (; off + sizeof(struct sadb_alg) <= end;
		    off += sizeof(struct sadb_alg)) {
			struct sadb_alg a;
			struct kbe_pfkey_alg *o;

			if (pk->n_algs == PFK_MAX_ALGS) {
				break;
			}
			memcpy(&a, pk->rbuf + off, sizeof(a));
			o = &pk->algs[pk->n_algs++];
			o->type = (uint8_t)kinds[k].type;
			o->id = a.sadb_alg_id;
			o->ivlen = a.sadb_alg_ivlen;
			o->min_bits = a.sadb_alg_minbits;
			o->max_bits = a.sadb_alg_maxbits;
		}
	}
	return 0;
}

/*
 * SADB_REGISTER makes the kernel probe every algorithm it knows, trying to
 * load a module for each one missing; that costs time (seconds in UML), so
 * it is done once, on the first operation that needs the list or events,
 * not by listings such as ipsecctl-sa.
 */
static int
pfk_need_register(struct kbe_pfkey *pk)
{
	return pk->registered ? 0 : pfk_register(pk);
}

static void
pfk_close(struct kbe *k)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;

	if (pk == NULL) {
		return;
	}
	if (pk->req_fd >= 0) {
		close(pk->req_fd);
	}
	if (pk->ev_fd >= 0) {
		close(pk->ev_fd);
	}
	/* Dumps with keys passed through rbuf. */
	memset(pk, 0, sizeof(*pk));
	free(pk);
}

/* see kbe.h */
const char *
kbe_pfkey_hint(int err)
{
	switch (-err) {
	case EAFNOSUPPORT:
	case EPROTONOSUPPORT:
	case EINVAL:
		return " (load af_key: modprobe af_key, kmod-ipsec on OpenWrt; "
		    "or use another backend)";
	case EPERM:
	case EACCES:
		return " (needs root or CAP_NET_ADMIN)";
	}
	return "";
}

static int
pfk_open(struct kbe **out, char *err, size_t errlen)
{
	struct kbe_pfkey *pk = calloc(1, sizeof(*pk));
	int rc;

	if (pk == NULL) {
		snprintf(err, errlen, "PF_KEY: out of memory");
		return -ENOMEM;
	}
	pk->kbe.ops = &kbe_pfkey_ops;
	pk->pid = (uint32_t)getpid();
	pk->ev_fd = -1;
	if ((pk->req_fd = pfk_socket()) < 0 ||
	    (pk->ev_fd = pfk_socket()) < 0) {
		rc = pk->req_fd < 0 ? pk->req_fd : pk->ev_fd;
		snprintf(err, errlen, "PF_KEY not available: %s%s",
		    strerror(-rc), kbe_pfkey_hint(rc));
		pk->req_fd = pk->req_fd < 0 ? -1 : pk->req_fd;
		pfk_close(&pk->kbe);
		return rc;
	}
	*out = &pk->kbe;
	return 0;
}

/* see kbe.h */
int
kbe_pfkey_algs(struct kbe *k, const struct kbe_pfkey_alg **algs)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;

	int rc;

	if (k->ops != &kbe_pfkey_ops) {
		return -EINVAL;
	}
	if ((rc = pfk_need_register(pk)) != 0) {
		return rc;
	}
	*algs = pk->algs;
	return pk->n_algs;
}

/* ---- SAs ------------------------------------------------------------- */

static const char *
sa_what(const struct kern_sa *sa, const char *op, char *buf, size_t len)
{
	char s[64], d[64];

	snprintf(buf, len, "%s SA spi 0x%08x %s -> %s", op, sa->spi,
	    kbe_addr_str(&sa->src, s, sizeof(s)),
	    kbe_addr_str(&sa->dst, d, sizeof(d)));
	return buf;
}

static int
pfk_alg_listed(struct kbe_pfkey *pk, int type, uint8_t id, unsigned bits)
{
	for (int i = 0; i < pk->n_algs; i++) {
		const struct kbe_pfkey_alg *a = &pk->algs[i];

		if (a->type == type && a->id == id && bits >= a->min_bits &&
		    bits <= a->max_bits) {
			return 1;
		}
	}
	return 0;
}

/* SADB_ADD or SADB_UPDATE. */
static int
pfk_sa_put(struct kbe *k, const struct kern_sa *sa, uint8_t type,
    const char *op)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;
	struct pfk_msg m;
	char what[160];
	const char *why;
	uint8_t enc, auth;
	uint32_t r = kbe_random();
	ssize_t n;
	int rc = 0;

	sa_what(sa, op, what, sizeof(what));
	if (sa->encr == NULL || sa->encr_key_len != sa->encr->key_len ||
	    (sa->integ != NULL && sa->integ_key_len != sa->integ->key_len)) {
		kbe_set_error(k, sa->vpn, "%s: missing algorithm or key of "
		    "the wrong size", what);
		return -EINVAL;
	}
	if (!kbe_pfkey_can(sa->encr, &why) ||
	    (sa->integ != NULL && !kbe_pfkey_can(sa->integ, &why))) {
		kbe_set_error(k, sa->vpn, "%s: %s %s", what, !kbe_pfkey_can(
		    sa->encr, &why) ? sa->encr->name : sa->integ->name, why);
		return -EOPNOTSUPP;
	}
	if (sa->integ == NULL) {
		kbe_set_error(k, sa->vpn, "%s: ESP without integrity is not "
		    "allowed", what);
		return -EINVAL;
	}
	if ((rc = pfk_need_register(pk)) != 0) {
		return rc;
	}
	enc = alg_to_sadb(sa->encr);
	auth = alg_to_sadb(sa->integ);
	if (!pfk_alg_listed(pk, CR_ENCR, enc, sa->encr_key_len * 8u) ||
	    !pfk_alg_listed(pk, CR_INTEG, auth, sa->integ_key_len * 8u)) {
		kbe_set_error(k, sa->vpn, "%s: the kernel does not offer "
		    "%s with %s (missing crypto modules?)", what,
		    sa->encr->name, sa->integ->name);
		return -EOPNOTSUPP;
	}
	msg_init(&m, type, SADB_SATYPE_ESP, pk->pid);
	rc |= ext_sa(&m, sa->spi, (uint8_t)(sa->replay_window > 255 ? 255 :
	    sa->replay_window), auth, enc);
	rc |= ext_sa2(&m, IPSEC_MODE_TUNNEL, sa->reqid);
	if (sa->hard_secs || sa->hard_bytes) {
		rc |= ext_lifetime(&m, SADB_EXT_LIFETIME_HARD, sa->hard_bytes,
		    sa->hard_secs);
	}
	if (sa->hard_secs || sa->hard_bytes || sa->soft_secs ||
	    sa->soft_bytes) {
		rc |= ext_lifetime(&m, SADB_EXT_LIFETIME_SOFT,
		    kbe_soft_limit(sa->soft_bytes, sa->hard_bytes, r),
		    kbe_soft_limit(sa->soft_secs, sa->hard_secs, r >> 8));
	}
	rc |= ext_address(&m, SADB_EXT_ADDRESS_SRC, &sa->src,
	    sa->src.family == KERN_AF_INET ? 32 : 128, IPSEC_ULPROTO_ANY);
	rc |= ext_address(&m, SADB_EXT_ADDRESS_DST, &sa->dst,
	    sa->dst.family == KERN_AF_INET ? 32 : 128, IPSEC_ULPROTO_ANY);
	rc |= ext_key(&m, SADB_EXT_KEY_AUTH, sa->integ_key, sa->integ_key_len);
	rc |= ext_key(&m, SADB_EXT_KEY_ENCRYPT, sa->encr_key,
	    sa->encr_key_len);
	if (sa->encap_sport != 0 || sa->encap_dport != 0) {
		rc |= ext_nat_t(&m, sa->encap_sport, sa->encap_dport);
	}
	if (rc != 0) {
		memset(&m, 0, sizeof(m));
		kbe_set_error(k, sa->vpn, "%s: bad addresses", what);
		return -EINVAL;
	}
	n = pfk_call(pk, pk->req_fd, &m, sa->vpn, what);
	memset(&m, 0, sizeof(m));	/* the keys */
	return n < 0 ? (int)n : 0;
}

static int
pfk_sa_add(struct kbe *k, const struct kern_sa *sa)
{
	return pfk_sa_put(k, sa, SADB_ADD, "add");
}

static int
pfk_sa_update(struct kbe *k, const struct kern_sa *sa)
{
	return pfk_sa_put(k, sa, SADB_UPDATE, "update");
}

static int
pfk_spi_alloc(struct kbe *k, const struct kern_sa *sa, uint32_t *spi)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;
	struct pfk_msg m;
	struct sadb_spirange *sr;
	struct pfk_exts x;
	struct sadb_sa e;
	char what[160], s[64], d[64];
	ssize_t n;
	int rc = 0;

	snprintf(what, sizeof(what), "get SPI %s -> %s",
	    kbe_addr_str(&sa->src, s, sizeof(s)),
	    kbe_addr_str(&sa->dst, d, sizeof(d)));
	msg_init(&m, SADB_GETSPI, SADB_SATYPE_ESP, pk->pid);
	rc |= ext_sa2(&m, IPSEC_MODE_TUNNEL, sa->reqid);
	rc |= ext_address(&m, SADB_EXT_ADDRESS_SRC, &sa->src,
	    sa->src.family == KERN_AF_INET ? 32 : 128, IPSEC_ULPROTO_ANY);
	rc |= ext_address(&m, SADB_EXT_ADDRESS_DST, &sa->dst,
	    sa->dst.family == KERN_AF_INET ? 32 : 128, IPSEC_ULPROTO_ANY);
	if ((sr = msg_ext(&m, sizeof(*sr), SADB_EXT_SPIRANGE)) == NULL) {
		rc = -1;
	} else {
		sr->sadb_spirange_min = KBE_SPI_MIN;
		sr->sadb_spirange_max = KBE_SPI_MAX;
	}
	if (rc != 0) {
		kbe_set_error(k, sa->vpn, "%s: bad addresses", what);
		return -EINVAL;
	}
	n = pfk_call(pk, pk->req_fd, &m, sa->vpn, what);
	if (n < 0) {
		return (int)n;
	}
	if (pfk_parse(pk->rbuf, (size_t)n, &x) != 0 ||
	    ext_get(pk->rbuf, &x, SADB_EXT_SA, &e, sizeof(e)) != 0) {
		kbe_set_error(k, sa->vpn, "%s: malformed kernel reply", what);
		return -EBADMSG;
	}
	*spi = ntohl(e.sadb_sa_spi);
	return 0;
}

/* SADB_DELETE / SADB_GET: the SA by spi + addresses. */
static ssize_t
pfk_sa_by_id(struct kbe_pfkey *pk, const struct kern_sa *sa, uint8_t type,
    const char *what)
{
	struct pfk_msg m;
	int rc = 0;

	msg_init(&m, type, SADB_SATYPE_ESP, pk->pid);
	rc |= ext_sa(&m, sa->spi, 0, 0, 0);
	rc |= ext_address(&m, SADB_EXT_ADDRESS_SRC, &sa->src,
	    sa->src.family == KERN_AF_INET ? 32 : 128, IPSEC_ULPROTO_ANY);
	rc |= ext_address(&m, SADB_EXT_ADDRESS_DST, &sa->dst,
	    sa->dst.family == KERN_AF_INET ? 32 : 128, IPSEC_ULPROTO_ANY);
	if (rc != 0) {
		kbe_set_error(&pk->kbe, sa->vpn, "%s: bad addresses", what);
		return -EINVAL;
	}
	return pfk_call(pk, pk->req_fd, &m, sa->vpn, what);
}

static int
pfk_sa_del(struct kbe *k, const struct kern_sa *sa)
{
	char what[160];
	ssize_t n;

	n = pfk_sa_by_id((struct kbe_pfkey *)k, sa, SADB_DELETE,
	    sa_what(sa, "delete", what, sizeof(what)));
	return n < 0 ? (int)n : 0;
}

static int
pfk_sa_stats(struct kbe *k, const struct kern_sa *sa, struct kbe_sa_stats *st)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;
	struct pfk_sa_ent e;
	char what[160];
	ssize_t n;

	n = pfk_sa_by_id(pk, sa, SADB_GET,
	    sa_what(sa, "stats of", what, sizeof(what)));
	if (n < 0) {
		return (int)n;
	}
	if (parse_sa(pk->rbuf, (size_t)n, &e) != 0) {
		kbe_set_error(k, sa->vpn, "%s: malformed kernel reply", what);
		return -EBADMSG;
	}
	*st = e.st;
	memset(&e, 0, sizeof(e));
	memset(pk->rbuf, 0, (size_t)n);
	return 0;
}

/* ---- policies -------------------------------------------------------- */

static const char *
pol_what(const struct kern_policy *p, const char *op, char *buf, size_t len)
{
	char s[64], d[64];

	snprintf(buf, len, "%s policy %s %s/%u -> %s/%u", op,
	    kbe_dir_name(p->dir), kbe_addr_str(&p->src.addr, s, sizeof(s)),
	    p->src.plen, kbe_addr_str(&p->dst.addr, d, sizeof(d)), p->dst.plen);
	return buf;
}

/* SADB_X_SPDADD / SADB_X_SPDDELETE message body. */
static int
pol_msg(struct pfk_msg *m, const struct kern_policy *p, int with_tmpl)
{
	struct sadb_x_policy *xp;
	struct sadb_x_ipsecrequest *rq;
	size_t sl = sockaddr_len(&p->tun_src);
	size_t rql = sizeof(*rq) + 2 * sl;
	uint8_t ulp = p->proto ? p->proto : IPSEC_ULPROTO_ANY;
	int rc = 0;

	if (p->dir < KERN_DIR_IN || p->dir > KERN_DIR_FWD) {
		return -EINVAL;
	}
	rc |= ext_address(m, SADB_EXT_ADDRESS_SRC, &p->src.addr, p->src.plen,
	    ulp);
	rc |= ext_address(m, SADB_EXT_ADDRESS_DST, &p->dst.addr, p->dst.plen,
	    ulp);
	if (rc != 0) {
		return -EINVAL;
	}
	if (with_tmpl && (sl == 0 || p->tun_dst.family != p->tun_src.family)) {
		return -EINVAL;
	}
	xp = msg_ext(m, sizeof(*xp) + (with_tmpl ? rql : 0), SADB_X_EXT_POLICY);
	if (xp == NULL) {
		return -EINVAL;
	}
	/* kern_dir values equal IPSEC_DIR_INBOUND/OUTBOUND/FWD. */
	xp->sadb_x_policy_dir = p->dir;
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_priority = p->priority;
	if (with_tmpl) {
		uint8_t *sa = (uint8_t *)(xp + 1) + sizeof(*rq);

		rq = (struct sadb_x_ipsecrequest *)(xp + 1);
		rq->sadb_x_ipsecrequest_len = (uint16_t)rql;
		rq->sadb_x_ipsecrequest_proto = IPPROTO_ESP;
		rq->sadb_x_ipsecrequest_mode = IPSEC_MODE_TUNNEL;
		/* UNIQUE: only SAs with this reqid satisfy the policy. */
		rq->sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE;
		rq->sadb_x_ipsecrequest_reqid = p->reqid;
		sockaddr_put(sa, &p->tun_src);
		sockaddr_put(sa + sl, &p->tun_dst);
	}
	return 0;
}

static int
pfk_policy_add(struct kbe *k, const struct kern_policy *p)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;
	struct pfk_msg m;
	char what[200];
	ssize_t n;

	pol_what(p, "add", what, sizeof(what));
	if (p->reqid > KBE_REQID_MAX) {
		kbe_set_error(k, p->vpn, "%s: reqid %u above PF_KEY's limit "
		    "0x%x", what, p->reqid, KBE_REQID_MAX);
		return -EINVAL;
	}
	msg_init(&m, SADB_X_SPDADD, SADB_SATYPE_UNSPEC, pk->pid);
	if (pol_msg(&m, p, 1) != 0) {
		kbe_set_error(k, p->vpn, "%s: bad direction or addresses",
		    what);
		return -EINVAL;
	}
	n = pfk_call(pk, pk->req_fd, &m, p->vpn, what);
	return n < 0 ? (int)n : 0;
}

static int
pfk_policy_del(struct kbe *k, const struct kern_policy *p)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;
	struct pfk_msg m;
	char what[200];
	ssize_t n;

	pol_what(p, "delete", what, sizeof(what));
	msg_init(&m, SADB_X_SPDDELETE, SADB_SATYPE_UNSPEC, pk->pid);
	if (pol_msg(&m, p, 0) != 0) {
		kbe_set_error(k, p->vpn, "%s: bad direction or addresses",
		    what);
		return -EINVAL;
	}
	n = pfk_call(pk, pk->req_fd, &m, p->vpn, what);
	return n < 0 ? (int)n : 0;
}

/*
 * SADB_X_SPDDELETE2: by the kernel's policy index, so that flush_own()
 * cannot hit another daemon's policy with the same selector.
 */
static int
pfk_policy_del_id(struct kbe_pfkey *pk, const struct kern_policy *p,
    uint32_t id)
{
	struct pfk_msg m;
	struct sadb_x_policy *xp;
	char what[200], *w;
	ssize_t n;

	pol_what(p, "delete", what, sizeof(what));
	w = what + strlen(what);
	snprintf(w, sizeof(what) - (size_t)(w - what), " (index %u)", id);
	msg_init(&m, SADB_X_SPDDELETE2, SADB_SATYPE_UNSPEC, pk->pid);
	if ((xp = msg_ext(&m, sizeof(*xp), SADB_X_EXT_POLICY)) == NULL) {
		return -EINVAL;
	}
	xp->sadb_x_policy_type = IPSEC_POLICY_IPSEC;
	xp->sadb_x_policy_dir = p->dir;
	xp->sadb_x_policy_id = id;
	n = pfk_call(pk, pk->req_fd, &m, p->vpn, what);
	return n < 0 ? (int)n : 0;
}

/* ---- dumps ----------------------------------------------------------- */

struct pfk_dump {
	struct pfk_sa_ent *sas;
	size_t n_sa, cap_sa;
	struct kern_policy *pols;
	uint32_t *pol_ids;
	const char **pol_act;
	size_t n_pol, cap_pol;
};

static void
dump_free(struct pfk_dump *d)
{
	if (d->sas != NULL) {
		memset(d->sas, 0, d->cap_sa * sizeof(*d->sas));
	}
	free(d->sas);
	free(d->pols);
	free(d->pol_ids);
	free(d->pol_act);
	memset(d, 0, sizeof(*d));
}

static int
dump_keep(struct kbe_pfkey *pk, struct pfk_dump *d, uint8_t type, size_t n)
{
	if (type == SADB_DUMP) {
		if (d->n_sa == d->cap_sa) {
			size_t nc = d->cap_sa ? d->cap_sa * 2 : 16;
			struct pfk_sa_ent *ns = calloc(nc, sizeof(*ns));

			if (ns == NULL) {
				return -ENOMEM;
			}
			if (d->sas != NULL) {
				memcpy(ns, d->sas, d->n_sa * sizeof(*ns));
				memset(d->sas, 0, d->n_sa * sizeof(*ns));
			}
			free(d->sas);
			d->sas = ns;
			d->cap_sa = nc;
		}
		if (parse_sa(pk->rbuf, n, &d->sas[d->n_sa]) == 0) {
			d->n_sa++;
		}
		return 0;
	}
	if (d->n_pol == d->cap_pol) {
		size_t nc = d->cap_pol ? d->cap_pol * 2 : 16;
		struct kern_policy *np = reallocarray(d->pols, nc, sizeof(*np));
		uint32_t *ni;
		const char **na;

		if (np == NULL) {
			return -ENOMEM;
		}
		d->pols = np;
		if ((ni = reallocarray(d->pol_ids, nc, sizeof(*ni))) == NULL) {
			return -ENOMEM;
		}
		d->pol_ids = ni;
		if ((na = reallocarray(d->pol_act, nc, sizeof(*na))) == NULL) {
			return -ENOMEM;
		}
		d->pol_act = na;
		d->cap_pol = nc;
	}
	if (parse_policy(pk->rbuf, n, &d->pols[d->n_pol],
	    &d->pol_ids[d->n_pol], &d->pol_act[d->n_pol]) == 0) {
		d->n_pol++;
	}
	return 0;
}

/*
 * SADB_DUMP / SADB_X_SPDDUMP: Linux answers with one message per entry,
 * carrying our pid and a count as sequence number; the last one has
 * sequence 0.  An empty table is an ENOENT error reply to our own seq.
 */
static int
pfk_dump_one(struct kbe_pfkey *pk, uint8_t type, uint8_t satype,
    struct pfk_dump *d)
{
	const char *what = type == SADB_DUMP ? "SADB_DUMP" : "SADB_X_SPDDUMP";
	struct pfk_msg m;
	struct sadb_msg req, h;
	int64_t dl;
	ssize_t n;
	int rc;

	msg_init(&m, type, satype, pk->pid);
	msg_done(&m);
	memcpy(&req, m.buf, sizeof(req));
	pfk_drain(pk, pk->req_fd);
	if (send(pk->req_fd, m.buf, m.len, 0) != (ssize_t)m.len) {
		rc = errno ? errno : EIO;
		kbe_set_error(&pk->kbe, NULL, "%s: PF_KEY send: %s", what,
		    strerror(rc));
		return -rc;
	}
	dl = deadline_in(PFK_TIMEOUT_MS);
	for (;;) {
		int left = ms_left(dl);

		n = left > 0 ? pfk_recv(pk, pk->req_fd, left) : 0;
		if (n <= 0) {
			kbe_set_error(&pk->kbe, NULL, "%s: %s", what, n == 0 ?
			    "no end of dump from the kernel" :
			    strerror((int)-n));
			return n == 0 ? -ETIMEDOUT : (int)n;
		}
		memcpy(&h, pk->rbuf, sizeof(h));
		if (h.sadb_msg_type != type || h.sadb_msg_pid != pk->pid) {
			continue;
		}
		if (h.sadb_msg_errno != 0) {
			if (h.sadb_msg_errno == ENOENT) {
				return 0;	/* empty table */
			}
			kbe_set_error(&pk->kbe, NULL, "%s: kernel: %s", what,
			    strerror(h.sadb_msg_errno));
			return -h.sadb_msg_errno;
		}
		if ((rc = dump_keep(pk, d, type, (size_t)n)) != 0) {
			kbe_set_error(&pk->kbe, NULL, "%s: out of memory",
			    what);
			pfk_drain(pk, pk->req_fd);
			return rc;
		}
		/* More dumps are generated as we read; keep reading. */
		dl = deadline_in(PFK_TIMEOUT_MS);
		if (h.sadb_msg_seq == 0) {
			return 0;
		}
	}
}

static int
pfk_collect(struct kbe_pfkey *pk, struct pfk_dump *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = pfk_dump_one(pk, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, d)) ||
	    (rc = pfk_dump_one(pk, SADB_DUMP, SADB_SATYPE_ESP, d))) {
		dump_free(d);
	}
	memset(pk->rbuf, 0, sizeof(pk->rbuf));
	return rc;
}

static int
pfk_dump(struct kbe *k, kbe_dump_cb *cb, void *arg)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;
	struct pfk_dump d;
	int rc;

	/* Collected first: the callback may call back into the backend. */
	if ((rc = pfk_collect(pk, &d)) != 0) {
		return rc;
	}
	for (size_t i = 0; i < d.n_pol && rc == 0; i++) {
		struct kbe_dump_ent e = { 0 };

		e.policy = &d.pols[i];
		e.policy_id = d.pol_ids[i];
		e.action = d.pol_act[i];
		e.own = kbe_reqid_own(d.pols[i].reqid);
		rc = cb(arg, &e);
	}
	for (size_t i = 0; i < d.n_sa && rc == 0; i++) {
		struct kbe_dump_ent e = { 0 };

		e.sa = &d.sas[i].sa;
		e.stats = &d.sas[i].st;
		e.encr_name = d.sas[i].encr_name;
		e.integ_name = d.sas[i].integ_name;
		e.own = kbe_reqid_own(d.sas[i].sa.reqid);
		rc = cb(arg, &e);
	}
	dump_free(&d);
	return rc;
}

static int
pfk_flush_own(struct kbe *k)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;
	struct pfk_dump d;
	int rc, first = 0;

	if ((rc = pfk_collect(pk, &d)) != 0) {
		return rc;
	}
	/* Policies first, so no traffic goes out in clear meanwhile... */
	for (size_t i = 0; i < d.n_pol; i++) {
		if (kbe_reqid_own(d.pols[i].reqid) &&
		    (rc = pfk_policy_del_id(pk, &d.pols[i], d.pol_ids[i])) != 0 &&
		    first == 0) {
			first = rc;
		}
	}
	/* ...then SAs, larval ones (reqid set by GETSPI) included. */
	for (size_t i = 0; i < d.n_sa; i++) {
		if (kbe_reqid_own(d.sas[i].sa.reqid) &&
		    (rc = pfk_sa_del(k, &d.sas[i].sa)) != 0 && first == 0) {
			first = rc;
		}
	}
	dump_free(&d);
	return first;
}

/* ---- kernel events --------------------------------------------------- */

static int
pfk_events_fd(struct kbe *k)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;

	/* Only registered sockets hear EXPIRE and ACQUIRE. */
	if (pfk_need_register(pk) != 0) {
		return -1;
	}
	return pk->ev_fd;
}

static int
parse_event(const uint8_t *msg, size_t n, struct kbe_event *ev)
{
	struct sadb_msg h;

	memset(ev, 0, sizeof(*ev));
	memcpy(&h, msg, sizeof(h));
	if (h.sadb_msg_type == SADB_EXPIRE) {
		struct pfk_sa_ent e;

		if (parse_sa(msg, n, &e) != 0) {
			return -EBADMSG;
		}
		if (h.sadb_msg_satype != SADB_SATYPE_ESP) {
			memset(&e, 0, sizeof(e));
			return -ENOENT;	/* not ours: ikebox makes ESP SAs only */
		}
		/* Linux sends the hard lifetime on hard, soft on soft. */
		ev->type = e.hard ? KBE_EV_EXPIRE_HARD : KBE_EV_EXPIRE_SOFT;
		ev->src = e.sa.src;
		ev->dst = e.sa.dst;
		ev->spi = e.sa.spi;
		ev->reqid = e.sa.reqid;
		ev->bytes = e.st.bytes;
		ev->packets = e.st.packets;
		memset(&e, 0, sizeof(e));
		return 0;
	}
	if (h.sadb_msg_type == SADB_ACQUIRE) {
		struct pfk_exts x;
		struct kern_prefix p;
		struct sadb_x_policy xp;

		if (pfk_parse(msg, n, &x) != 0) {
			return -EBADMSG;
		}
		ev->type = KBE_EV_ACQUIRE;
		ev->seq = h.sadb_msg_seq;
		if (addr_get(msg, &x, SADB_EXT_ADDRESS_SRC, &p, NULL) == 0) {
			ev->src = p.addr;
		}
		if (addr_get(msg, &x, SADB_EXT_ADDRESS_DST, &p, NULL) == 0) {
			ev->dst = p.addr;
		}
		if (ext_get(msg, &x, SADB_X_EXT_POLICY, &xp, sizeof(xp)) == 0) {
			ev->policy_id = xp.sadb_x_policy_id;
			ev->policy_dir = xp.sadb_x_policy_dir;
		}
		return 0;
	}
	return -ENOENT;	/* someone else's ADD/DELETE broadcast etc. */
}

static int
pfk_events_read(struct kbe *k)
{
	struct kbe_pfkey *pk = (struct kbe_pfkey *)k;
	struct kbe_event ev;
	ssize_t n;

	while ((n = pfk_recv(pk, pk->ev_fd, -1)) > 0) {
		if (parse_event(pk->rbuf, (size_t)n, &ev) == 0 &&
		    k->event_cb != NULL) {
			k->event_cb(k->event_arg, &ev);
		}
	}
	return n < 0 ? (int)n : 0;
}

/* see kbe.h */
int
kbe_pfkey_parse_for_fuzz(const uint8_t *msg, size_t n)
{
	static uint8_t buf[PFK_RBUF] __attribute__((aligned(8)));
	struct sadb_msg h;
	struct kbe_event ev;
	struct pfk_sa_ent e;
	struct kern_policy p;
	uint32_t id;
	const char *action;
	int rc = -EBADMSG;

	/* What pfk_recv() lets through, in a buffer like pk->rbuf. */
	if (n < sizeof(h) || n > sizeof(buf)) {
		return -EBADMSG;
	}
	memcpy(buf, msg, n);
	memcpy(&h, buf, sizeof(h));
	if (h.sadb_msg_version != PF_KEY_V2 ||
	    (size_t)h.sadb_msg_len * 8 != n) {
		return -EBADMSG;
	}
	if (parse_event(buf, n, &ev) == 0) {
		rc = 0;
	}
	if (parse_sa(buf, n, &e) == 0) {
		rc = 0;
	}
	if (parse_policy(buf, n, &p, &id, &action) == 0) {
		rc = 0;
	}
	return rc;
}

const struct kbe_ops kbe_pfkey_ops = {
	.name = "pfkey",
	.open = pfk_open,
	.close = pfk_close,
	.spi_alloc = pfk_spi_alloc,
	.sa_add = pfk_sa_add,
	.sa_update = pfk_sa_update,
	.sa_del = pfk_sa_del,
	.sa_stats = pfk_sa_stats,
	.policy_add = pfk_policy_add,
	.policy_del = pfk_policy_del,
	.dump = pfk_dump,
	.flush_own = pfk_flush_own,
	.events_fd = pfk_events_fd,
	.events_read = pfk_events_read,
};
