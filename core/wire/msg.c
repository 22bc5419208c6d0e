/*
 * msg.c - IKEv2 message header and clear payload chain (see msg.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/wire/msg.h"

/* RFC 7296 3.1: offsets of the fields msg_wr_* patches. */
#define HDR_NEXT_OFF 16
#define HDR_LENGTH_OFF 24

/* see msg.h */
int
msg_hdr_parse(struct msg_hdr *h, const uint8_t *buf, size_t len,
    struct pld_err *err)
{
	struct rd r;

	memset(h, 0, sizeof(*h));
	memset(err, 0, sizeof(*err));
	rd_init(&r, buf, len);
	rd_copy(&r, h->ispi, sizeof(h->ispi));
	rd_copy(&r, h->rspi, sizeof(h->rspi));
	h->next = rd_u8(&r);
	h->version = rd_u8(&r);
	h->exchange = rd_u8(&r);
	h->flags = rd_u8(&r);
	h->msgid = rd_u32(&r);
	h->length = rd_u32(&r);
	if (rd_err(&r)) {
		err->notify = IKEV2_N_INVALID_SYNTAX;
		return -EBADMSG;
	}
	/*
	 * RFC 7296 2.5: a higher major version is answered with
	 * INVALID_MAJOR_VERSION; checked before the length, whose meaning
	 * another version might change.
	 */
	if (IKEV2_VERSION_MAJOR(h->version) != 2) {
		err->notify = IKEV2_N_INVALID_MAJOR_VERSION;
		return -EBADMSG;
	}
	if (h->length != len) {
		err->notify = IKEV2_N_INVALID_SYNTAX;
		return -EBADMSG;
	}
	return 0;
}

/* see msg.h */
int
msg_parse(struct msg *m, const uint8_t *buf, size_t len)
{
	struct rd r;
	int rc;

	memset(&m->pl, 0, sizeof(m->pl));
	m->buf = buf;
	m->len = len;
	if ((rc = msg_hdr_parse(&m->hdr, buf, len, &m->pl.err)) != 0) {
		return rc;
	}
	/* Offsets in m->pl count from the start of the datagram. */
	rd_init(&r, buf, len);
	rd_skip(&r, IKEV2_HDR_LEN);
	return pld_parse_chain(&m->pl, &r, m->hdr.next);
}

/* see msg.h */
/* see msg.h */
void
msg_hdr_set(struct msg_hdr *h, const uint8_t *ispi, const uint8_t *rspi,
    uint8_t exchange, uint8_t flags, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->ispi, ispi, IKEV2_SPI_LEN);
	if (rspi) {
		memcpy(h->rspi, rspi, IKEV2_SPI_LEN);
	}
	h->version = IKEV2_VERSION;
	h->exchange = exchange;
	h->flags = flags;
	h->msgid = msgid;
}

void
msg_wr_init(struct pld_wr *pw, void *buf, size_t cap,
    const struct msg_hdr *h)
{
	pld_wr_init(pw, buf, cap);
	wr_bytes(&pw->w, h->ispi, sizeof(h->ispi));
	wr_bytes(&pw->w, h->rspi, sizeof(h->rspi));
	wr_u8(&pw->w, IKEV2_PL_NONE);
	wr_u8(&pw->w, h->version ? h->version : IKEV2_VERSION);
	wr_u8(&pw->w, h->exchange);
	wr_u8(&pw->w, h->flags);
	wr_u32(&pw->w, h->msgid);
	wr_u32(&pw->w, 0);
	pw->np_off = HDR_NEXT_OFF;
	pw->has_np = 1;
}

/* see msg.h */
int
msg_wr_finish(struct pld_wr *pw, size_t *len)
{
	wr_patch_u32(&pw->w, HDR_LENGTH_OFF, (uint32_t)wr_len(&pw->w));
	if (pld_wr_err(pw)) {
		*len = 0;
		return -ENOSPC;
	}
	*len = wr_len(&pw->w);
	return 0;
}

/* see msg.h */
int
msg_describe(const struct msg *m, char *buf, size_t len)
{
	char pl[256];

	pld_describe(&m->pl, pl, sizeof(pl));
	return snprintf(buf, len, "%s %s %u [ %s%s]",
	    ikev2_exchange_name(m->hdr.exchange),
	    (m->hdr.flags & IKEV2_FLAG_R) ? "res" : "req", m->hdr.msgid, pl,
	    pl[0] ? " " : "");
}
