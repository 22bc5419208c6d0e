/*
 * pld.h - IKEv2 payloads (RFC 7296 3.2-3.16): decoding a payload chain into
 * bounded views, and writing one with chaining and lengths filled in.
 *
 * Parsing: pld_parse_chain() walks a chain of generic payload headers from a
 * reader and fills a caller-owned struct pld_set.  Every decoded field is a
 * value or a view (pointer + length) into the packet: the packet must
 * outlive the set.  Nothing is allocated.  Counts are capped by the IKD_MAX_*
 * constants below; exceeding one is treated as a malformed message, so the
 * amount of work per packet is bounded whatever the peer sends.
 *
 * Errors: -EBADMSG, with the notify to answer with recorded in set->err
 * (INVALID_SYNTAX, or UNSUPPORTED_CRITICAL_PAYLOAD with the payload type as
 * its one-byte data, RFC 7296 2.5).  Values that parse but that ikebox
 * cannot use (an unknown transform attribute, an unknown TS type) are not
 * errors: they are kept and flagged unusable, so the engine can answer
 * NO_PROPOSAL_CHOSEN or TS_UNACCEPTABLE as the RFC asks.
 *
 * Writing: struct pld_wr wraps a bounded writer (core/wire/rd.h); each
 * pld_put_*() appends one payload, patches the previous payload's Next
 * Payload field (or the IKE header's, see msg_wr_init()) and its own length.
 * Errors are sticky: check pld_wr_err() once at the end.
 */
#ifndef IKEBOX_CORE_WIRE_PLD_H
#define IKEBOX_CORE_WIRE_PLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/wire/rd.h"
#include "core/wire/ts.h"

/*
 * Caps on what one message may carry.  They bound the parse work and the
 * size of struct pld_set (about 4 KiB); anything beyond them is refused
 * with INVALID_SYNTAX.  The transform cap is per SA payload, shared by all
 * its proposals: strongSwan's default IKE proposal set is about 40.
 */
#define IKD_MAX_PAYLOADS 48	/* payloads in one chain */
#define IKD_MAX_PROPOSALS 16	/* proposals in one SA payload */
#define IKD_MAX_TRANSFORMS 128	/* transforms in one SA payload */
#define IKD_MAX_ATTRIBUTES 8	/* attributes in one transform */
#define IKD_MAX_TS 16		/* selectors in one TSi or TSr payload */
#define IKD_MAX_NOTIFY 24	/* N payloads in one chain */
#define IKD_MAX_DELETE 8	/* D payloads in one chain */
#define IKD_MAX_DELETE_SPIS 256	/* SPIs in one D payload */
#define IKD_MAX_VENDOR 16	/* V payloads in one chain */

/* RFC 7296 3.9: nonce length bounds. */
#define IKEV2_NONCE_MIN 16
#define IKEV2_NONCE_MAX 256

/* A view into the packet. */
struct pld_span {
	const uint8_t *p;
	size_t len;
};

/* The notify a failed parse asks the engine to answer with. */
struct pld_err {
	uint16_t notify;	/* IKEV2_N_*; 0 when no error */
	uint8_t data_len;
	uint8_t data[1];	/* UNSUPPORTED_CRITICAL_PAYLOAD: the type */
};

/* RFC 7296 3.3.2 */
struct pld_transform {
	uint8_t type;		/* IKEV2_XF_* */
	uint8_t unusable;	/* an attribute we do not understand */
	uint16_t id;
	uint16_t key_bits;	/* Key Length attribute; 0 when absent */
};

/* RFC 7296 3.3.1 */
struct pld_proposal {
	uint8_t num;
	uint8_t proto;		/* IKEV2_PROTO_* */
	uint8_t unusable;	/* carries a transform type we do not know */
	uint8_t n_xf;
	uint16_t first_xf;	/* index into pld_sa.xf */
	struct pld_span spi;	/* SPI Size bytes (0, 4 or 8) */
};

struct pld_sa {
	uint8_t n_prop;
	uint16_t n_xf;
	struct pld_proposal prop[IKD_MAX_PROPOSALS];
	struct pld_transform xf[IKD_MAX_TRANSFORMS];
};

struct pld_ts {
	uint8_t n;
	uint8_t usable[IKD_MAX_TS];	/* known type, start <= end */
	struct ts_range ts[IKD_MAX_TS];	/* unknown types: type only */
};

/* RFC 7296 3.10 */
struct pld_notify {
	uint8_t proto;
	uint16_t type;		/* IKEV2_N_* */
	struct pld_span spi;
	struct pld_span data;
};

/* RFC 7296 3.11 */
struct pld_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t n_spi;
	const uint8_t *spis;	/* n_spi * spi_size bytes */
};

/* RFC 7296 3.5 */
struct pld_id {
	uint8_t type;		/* IKEV2_ID_* */
	struct pld_span data;
	/*
	 * The payload body after the generic header, IDType | RESERVED |
	 * data: what RFC 7296 2.15 feeds to prf(SK_pi/pr, ...) for AUTH.
	 */
	struct pld_span body;
};

/* RFC 7296 3.14 and RFC 7383 2.5: where the encrypted part is. */
struct pld_sk {
	uint8_t inner;		/* Next Payload: first inner payload */
	uint16_t frag_num;	/* SKF only; 0 for SK */
	uint16_t frag_total;
	size_t hdr_off;		/* generic header, from reader start */
	size_t body_off;	/* IV | ciphertext | padding | ICV */
	struct pld_span body;
};

/* One payload as it appeared, for logs and for what AUTH signs. */
struct pld_raw {
	uint8_t type;
	uint8_t critical;
	uint16_t len;		/* with the generic header */
	size_t off;		/* from the reader's start */
};

/* Was a payload of known type t (33..53) seen? */
#define PLD_HAS(set, t) (((set)->present >> ((t) - 32)) & 1)

struct pld_set {
	struct pld_err err;
	uint32_t present;	/* bit (type - 32) for each known type seen */

	uint8_t n_raw;
	struct pld_raw raw[IKD_MAX_PAYLOADS];

	struct pld_sa sa;
	struct {
		uint16_t group;
		struct pld_span data;
	} ke;
	struct pld_id idi, idr;
	struct {
		uint8_t method;
		struct pld_span data;
	} auth;
	struct pld_span nonce;
	struct pld_ts tsi, tsr;
	uint8_t n_notify, n_delete, n_vendor, n_cert, n_certreq;
	struct pld_notify notify[IKD_MAX_NOTIFY];
	struct pld_delete del[IKD_MAX_DELETE];
	struct pld_span vendor[IKD_MAX_VENDOR];
	struct pld_span cp;	/* body, undecoded */
	struct pld_span eap;	/* body, undecoded: recognised, refused */
	struct pld_sk sk;	/* SK or SKF; present bit tells which */
};

/*
 * Parses the chain whose first payload has type `first`, from r's position
 * to its end.  SK/SKF must be the last payload and stops the walk (its Next
 * Payload names the first inner payload, kept in set->sk.inner).  Offsets in
 * set are from r's start.  Payload types that may appear once (SA, KE, IDi,
 * IDr, AUTH, Nonce, TSi, TSr, CP, EAP) are refused when repeated.
 * Returns 0 or -EBADMSG (set->err says why; what was parsed before the
 * error, the raw list included, stays in set for log lines only).
 */
int pld_parse_chain(struct pld_set *set, struct rd *r, uint8_t first);

/*
 * pld_parse_chain() for the chain found inside SK once it is decrypted:
 * refuses a nested SK or SKF with INVALID_SYNTAX.
 */
int pld_parse_inner(struct pld_set *set, struct rd *r, uint8_t first);

/*
 * Lists the payloads of a parsed chain for log lines, in wire order, as
 * "SA KE Nonce N(NAT_DETECTION_SOURCE_IP) V"; unknown types as numbers.
 * Always NUL-terminates (when len > 0); returns what snprintf would.
 */
int pld_describe(const struct pld_set *set, char *buf, size_t len);

/* The first notify of the given type, or NULL. */
const struct pld_notify *pld_find_notify(const struct pld_set *set,
    uint16_t type);

/* ---- writing ---- */

struct pld_wr {
	struct wr w;
	size_t np_off;		/* where the next payload's type goes */
	int has_np;		/* np_off is valid */
	int closed;		/* an SK payload ends the chain */
	unsigned n;		/* payloads written */
	uint8_t first;		/* type of the first payload written */
};

/* Starts a bare chain (an SK payload's inner chain) in buf. */
void pld_wr_init(struct pld_wr *pw, void *buf, size_t cap);
/*
 * 0, or -ENOSPC: the buffer was too small, or a description could not be
 * encoded (no proposals, no selectors, an unknown TS type, a length over
 * 65535, a payload after SK).
 */
int pld_wr_err(const struct pld_wr *pw);

/*
 * Opens a payload of type t (its generic header) and returns its offset;
 * pld_end() patches its length.  For payloads without a pld_put_*().
 */
size_t pld_begin(struct pld_wr *pw, uint8_t t, int critical);
void pld_end(struct pld_wr *pw, size_t start);

/* A payload with an opaque body (V, CP, tests' unknown payloads). */
void pld_put_raw(struct pld_wr *pw, uint8_t t, int critical,
    const void *body, size_t len);

/* SA description for pld_put_sa(). */
struct pld_xf_desc {
	uint8_t type;		/* IKEV2_XF_* */
	uint16_t id;
	uint16_t key_bits;	/* 0: no Key Length attribute */
};

struct pld_prop_desc {
	uint8_t num;		/* 1, 2, ... */
	uint8_t proto;		/* IKEV2_PROTO_* */
	uint8_t spi_len;	/* 0, 4, 8 */
	uint8_t spi[8];
	uint8_t n_xf;
	const struct pld_xf_desc *xf;
};

void pld_put_sa(struct pld_wr *pw, const struct pld_prop_desc *prop,
    size_t n_prop);
void pld_put_ke(struct pld_wr *pw, uint16_t group, const void *data,
    size_t len);
void pld_put_nonce(struct pld_wr *pw, const void *data, size_t len);
/* spi may be NULL when spi_len is 0, data when len is 0. */
void pld_put_notify(struct pld_wr *pw, uint8_t proto, const void *spi,
    size_t spi_len, uint16_t type, const void *data, size_t len);
/* t: IKEV2_PL_IDI or IKEV2_PL_IDR. */
void pld_put_id(struct pld_wr *pw, uint8_t t, uint8_t id_type,
    const void *data, size_t len);
void pld_put_auth(struct pld_wr *pw, uint8_t method, const void *data,
    size_t len);
/* t: IKEV2_PL_TSI or IKEV2_PL_TSR. */
void pld_put_ts(struct pld_wr *pw, uint8_t t, const struct ts_range *ts,
    size_t n);
/* spis: n * spi_size bytes (n = 0 and spi_size 0 for the IKE SA). */
void pld_put_delete(struct pld_wr *pw, uint8_t proto, uint8_t spi_size,
    const void *spis, size_t n);
void pld_put_vendor(struct pld_wr *pw, const void *data, size_t len);

/*
 * Writes an SK generic header (Next Payload = inner, the inner chain's
 * first type, IKEV2_PL_NONE for an empty one) and reserves body_len zeroed
 * bytes for IV | encrypted inner chain | padding | pad length | ICV, which
 * the crypto layer fills in place.  Returns the body's offset in the buffer;
 * everything before it is the AEAD associated data (RFC 5282 5.1).  SK must
 * be the last payload.
 */
size_t pld_put_sk(struct pld_wr *pw, uint8_t inner, size_t body_len);

/*
 * The same for one SKF fragment (RFC 7383 2.5) num of total (1-based):
 * the generic header, Fragment Number, Total Fragments, then body_len
 * reserved bytes.  inner is written in fragment 1 only.  Returns the
 * body's offset; everything before it is the AEAD associated data.
 */
size_t pld_put_skf(struct pld_wr *pw, uint8_t inner, uint16_t num,
    uint16_t total, size_t body_len);

#endif
