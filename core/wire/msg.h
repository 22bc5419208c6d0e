/*
 * msg.h - IKEv2 messages: the fixed header (RFC 7296 3.1) and the payload
 * chain that follows it, parsed from a datagram or written into a buffer.
 *
 * msg_parse() checks the header against the datagram (the Length field must
 * equal the datagram's length, the major version must be 2) and then parses
 * the clear payload chain (core/wire/pld.h).  When the chain ends in SK, the
 * engine verifies and decrypts the SK body itself and parses the inner
 * chain with pld_parse_chain(set, reader, set.sk.inner): nothing inside SK
 * is looked at before its integrity is checked.
 *
 * Writing: msg_wr_init() writes the header and hands back a payload writer
 * whose first payload is chained from the header's Next Payload field;
 * msg_wr_finish() patches the Length field.
 */
#ifndef IKEBOX_CORE_WIRE_MSG_H
#define IKEBOX_CORE_WIRE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/wire/ikev2.h"
#include "core/wire/pld.h"

/* RFC 7296 3.1, decoded. */
struct msg_hdr {
	uint8_t ispi[IKEV2_SPI_LEN];
	uint8_t rspi[IKEV2_SPI_LEN];
	uint8_t next;		/* first payload type */
	uint8_t version;	/* MjVer << 4 | MnVer */
	uint8_t exchange;	/* IKEV2_EXCH_* */
	uint8_t flags;		/* IKEV2_FLAG_* */
	uint32_t msgid;
	uint32_t length;
};

struct msg {
	struct msg_hdr hdr;
	const uint8_t *buf;	/* the datagram (what AUTH signs, RFC 7296
				 * 2.15, for the first message) */
	size_t len;
	struct pld_set pl;	/* clear payloads; offsets from buf */
};

/*
 * Decodes the header of buf[0..len) into h.  Returns 0, or -EBADMSG with
 * err->notify set: INVALID_SYNTAX (shorter than a header, or the Length
 * field differs from len) or INVALID_MAJOR_VERSION (RFC 7296 2.5; h is
 * filled so the caller can answer with the SPIs).
 */
int msg_hdr_parse(struct msg_hdr *h, const uint8_t *buf, size_t len,
    struct pld_err *err);

/*
 * Parses the header and the clear payload chain of a datagram into m, which
 * keeps views into buf.  Returns 0 or -EBADMSG (m->pl.err says which notify
 * to answer with).
 */
int msg_parse(struct msg *m, const uint8_t *buf, size_t len);

/*
 * One line for logs, iked's wording for the exchange part:
 * "IKE_SA_INIT req 0 [ SA KE Nonce N(NAT_DETECTION_SOURCE_IP) ]".  For an
 * exchange type with no name, "UNKNOWN".  Returns what snprintf would.
 */
int msg_describe(const struct msg *m, char *buf, size_t len);

/*
 * Fills h for a message to write: version 2.0, the SPIs (rspi NULL: zero,
 * as in an IKE_SA_INIT request or a stateless answer), exchange, flags and
 * message ID; Next Payload and Length are left for the writer.
 */
void msg_hdr_set(struct msg_hdr *h, const uint8_t *ispi, const uint8_t *rspi,
    uint8_t exchange, uint8_t flags, uint32_t msgid);

/*
 * Writes h into buf (Length is patched by msg_wr_finish(), h->next by the
 * first payload written; h->version 0 means 2.0) and starts pw on it.
 */
void msg_wr_init(struct pld_wr *pw, void *buf, size_t cap,
    const struct msg_hdr *h);

/* Patches the Length field; returns 0 with *len set, or -ENOSPC. */
int msg_wr_finish(struct pld_wr *pw, size_t *len);

#endif
