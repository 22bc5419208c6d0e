/*
 * pld.c - IKEv2 payload chain parsing and writing (see pld.h).
 *
 * Each payload is parsed from a sub-reader that is exactly its body, so a
 * payload parser cannot read into its neighbour, and each substructure (SA
 * proposal, transform, selector) from a sub-reader of its own declared
 * length.  A parser reads all its fixed fields, checks rd_err() once, then
 * checks the values; any inconsistency between a length or count field and
 * what is actually there is INVALID_SYNTAX (RFC 7296 3.10.1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/wire/ikev2.h"
#include "core/wire/pld.h"

/* Records INVALID_SYNTAX; returns -EBADMSG for the caller to pass on. */
static int
syntax(struct pld_set *set)
{
	set->err.notify = IKEV2_N_INVALID_SYNTAX;
	set->err.data_len = 0;
	return -EBADMSG;
}

/* RFC 7296 3.3: one proposal, from r positioned after the proposal's
 * 4-byte substructure header (r is exactly the rest of the proposal). */
static int
parse_proposal(struct pld_set *set, struct rd *r, struct pld_proposal *p)
{
	struct pld_sa *sa = &set->sa;
	uint8_t n_xf, spi_size;
	unsigned count = 0;

	p->num = rd_u8(r);
	p->proto = rd_u8(r);
	spi_size = rd_u8(r);
	n_xf = rd_u8(r);
	p->spi.p = rd_bytes(r, spi_size);
	p->spi.len = spi_size;
	p->first_xf = sa->n_xf;
	if (rd_err(r)) {
		return syntax(set);
	}
	while (rd_left(r) > 0) {
		struct pld_transform *xf;
		struct rd t;
		uint8_t more;
		uint16_t len;
		unsigned n_attr = 0;
		int have_kl = 0;

		if (count == n_xf || sa->n_xf == IKD_MAX_TRANSFORMS) {
			return syntax(set);
		}
		xf = &sa->xf[sa->n_xf];
		memset(xf, 0, sizeof(*xf));
		/* RFC 7296 3.3.2: transform substructure. */
		more = rd_u8(r);
		(void)rd_u8(r);
		len = rd_u16(r);
		if (rd_err(r) || len < 8 || rd_sub(r, &t, len - 4u) != 0) {
			return syntax(set);
		}
		if ((more == IKEV2_LAST) != (rd_left(r) == 0) ||
		    (more != IKEV2_LAST && more != IKEV2_MORE_TRANSFORMS)) {
			return syntax(set);
		}
		xf->type = rd_u8(&t);
		(void)rd_u8(&t);
		xf->id = rd_u16(&t);
		/* RFC 7296 3.3.5: attributes, TV (AF=1) or TLV (AF=0). */
		while (rd_left(&t) > 0) {
			uint16_t at = rd_u16(&t);
			uint16_t val = rd_u16(&t);

			if (++n_attr > IKD_MAX_ATTRIBUTES) {
				return syntax(set);
			}
			if ((at & IKEV2_ATTR_AF) == 0) {
				rd_skip(&t, val);	/* val is a length */
				xf->unusable = 1;
			} else if ((at & ~IKEV2_ATTR_AF) ==
			    IKEV2_ATTR_KEY_LENGTH && !have_kl && val != 0) {
				xf->key_bits = val;
				have_kl = 1;
			} else {
				/* unknown, repeated or zero key length */
				xf->unusable = 1;
			}
			if (rd_err(&t)) {
				return syntax(set);
			}
		}
		if (rd_err(&t)) {
			return syntax(set);
		}
		/* RFC 7296 3.3.6: an unknown transform type makes the whole
		 * proposal unacceptable, not the message malformed. */
		if (xf->type < IKEV2_XF_ENCR || xf->type > IKEV2_XF_ESN) {
			p->unusable = 1;
		}
		sa->n_xf++;
		count++;
	}
	if (count != n_xf) {
		return syntax(set);
	}
	p->n_xf = n_xf;
	return 0;
}

/* RFC 7296 3.3: the SA payload, a list of proposals. */
static int
parse_sa(struct pld_set *set, struct rd *r)
{
	struct pld_sa *sa = &set->sa;
	uint8_t more = IKEV2_MORE_PROPOSALS;

	/* An SA payload without proposals is malformed. */
	while (more == IKEV2_MORE_PROPOSALS) {
		struct pld_proposal *p;
		struct rd pr;
		uint16_t len;
		int rc;

		if (sa->n_prop == IKD_MAX_PROPOSALS) {
			return syntax(set);
		}
		p = &sa->prop[sa->n_prop];
		memset(p, 0, sizeof(*p));
		more = rd_u8(r);
		(void)rd_u8(r);
		len = rd_u16(r);
		if (rd_err(r) || len < 8 || rd_sub(r, &pr, len - 4u) != 0) {
			return syntax(set);
		}
		if ((more == IKEV2_LAST) != (rd_left(r) == 0) ||
		    (more != IKEV2_LAST && more != IKEV2_MORE_PROPOSALS)) {
			return syntax(set);
		}
		if ((rc = parse_proposal(set, &pr, p)) != 0) {
			return rc;
		}
		/* RFC 7296 3.3.1: an offer numbers its proposals 1, 2, ...
		 * in order; checked below, once the count is known. */
		if (p->num == 0 ||
		    (sa->n_prop > 0 && p->num != sa->prop[sa->n_prop - 1].num + 1)) {
			return syntax(set);
		}
		sa->n_prop++;
	}
	/* An answer is one proposal, with the number the accepted one had
	 * in the offer (RFC 7296 3.3.1): any number when alone. */
	if (sa->n_prop > 1 && sa->prop[0].num != 1) {
		return syntax(set);
	}
	return 0;
}

/* RFC 7296 3.13: TSi or TSr. */
static int
parse_ts(struct pld_set *set, struct rd *r, struct pld_ts *out)
{
	uint8_t n = rd_u8(r);

	rd_skip(r, 3);
	if (rd_err(r) || n == 0 || n > IKD_MAX_TS) {
		return syntax(set);
	}
	for (unsigned i = 0; i < n; i++) {
		struct ts_range *ts = &out->ts[i];
		struct rd s;
		uint16_t len;
		size_t alen;

		memset(ts, 0, sizeof(*ts));
		/* RFC 7296 3.13.1 */
		ts->type = rd_u8(r);
		ts->proto = rd_u8(r);
		len = rd_u16(r);
		if (rd_err(r) || len < 4 || rd_sub(r, &s, len - 4u) != 0) {
			return syntax(set);
		}
		alen = ts_addr_len(ts->type);
		if (alen == 0) {
			/* Unknown type: kept, never used. */
			out->usable[i] = 0;
			continue;
		}
		if (len != 8 + 2 * alen) {
			return syntax(set);
		}
		ts->start_port = rd_u16(&s);
		ts->end_port = rd_u16(&s);
		rd_copy(&s, ts->start, alen);
		rd_copy(&s, ts->end, alen);
		if (rd_err(&s)) {
			return syntax(set);
		}
		out->usable[i] = (uint8_t)ts_valid(ts);
	}
	if (rd_left(r) != 0) {
		return syntax(set);
	}
	out->n = n;
	return 0;
}

/* RFC 7296 3.10 */
static int
parse_notify(struct pld_set *set, struct rd *r)
{
	struct pld_notify *n;
	uint8_t spi_size;

	if (set->n_notify == IKD_MAX_NOTIFY) {
		return syntax(set);
	}
	n = &set->notify[set->n_notify];
	n->proto = rd_u8(r);
	spi_size = rd_u8(r);
	n->type = rd_u16(r);
	n->spi.p = rd_bytes(r, spi_size);
	n->spi.len = spi_size;
	n->data.len = rd_left(r);
	n->data.p = rd_bytes(r, n->data.len);
	if (rd_err(r)) {
		return syntax(set);
	}
	set->n_notify++;
	return 0;
}

/* RFC 7296 3.11 */
static int
parse_delete(struct pld_set *set, struct rd *r)
{
	struct pld_delete *d;

	if (set->n_delete == IKD_MAX_DELETE) {
		return syntax(set);
	}
	d = &set->del[set->n_delete];
	d->proto = rd_u8(r);
	d->spi_size = rd_u8(r);
	d->n_spi = rd_u16(r);
	if (rd_err(r) || d->n_spi > IKD_MAX_DELETE_SPIS ||
	    rd_left(r) != (size_t)d->n_spi * d->spi_size) {
		return syntax(set);
	}
	d->spis = rd_bytes(r, rd_left(r));
	set->n_delete++;
	return 0;
}

/* RFC 7296 3.5: IDi, IDr. */
static int
parse_id(struct pld_set *set, struct rd *r, struct pld_id *id)
{
	id->body.len = rd_left(r);
	id->body.p = rd_bytes(r, 0);	/* where the body starts */
	id->type = rd_u8(r);
	rd_skip(r, 3);
	id->data.len = rd_left(r);
	id->data.p = rd_bytes(r, id->data.len);
	if (rd_err(r) || id->data.len == 0) {
		return syntax(set);
	}
	return 0;
}

/* RFC 7296 3.14, RFC 7383 2.5: SK or SKF, the last payload. */
static int
parse_sk(struct pld_set *set, struct rd *r, uint8_t t, uint8_t next,
    size_t hdr_off, size_t body_off)
{
	struct pld_sk *sk = &set->sk;

	sk->inner = next;
	sk->hdr_off = hdr_off;
	if (t == IKEV2_PL_SKF) {
		sk->frag_num = rd_u16(r);
		sk->frag_total = rd_u16(r);
		body_off += 4;
		if (rd_err(r) || sk->frag_num == 0 ||
		    sk->frag_num > sk->frag_total) {
			return syntax(set);
		}
	}
	sk->body_off = body_off;
	sk->body.len = rd_left(r);
	sk->body.p = rd_bytes(r, sk->body.len);
	if (sk->body.len == 0) {
		return syntax(set);
	}
	return 0;
}

/* Whole body as a view; at least min bytes. */
static int
span(struct pld_set *set, struct rd *r, struct pld_span *s, size_t min)
{
	s->len = rd_left(r);
	s->p = rd_bytes(r, s->len);
	if (s->len < min) {
		return syntax(set);
	}
	return 0;
}

/* Is t a payload type this parser decodes? */
static int
known(uint8_t t)
{
	return (t >= IKEV2_PL_SA && t <= IKEV2_PL_EAP) || t == IKEV2_PL_SKF;
}

/* Types that may appear only once in a chain. */
static int
singleton(uint8_t t)
{
	switch (t) {
	case IKEV2_PL_SA:
	case IKEV2_PL_KE:
	case IKEV2_PL_IDI:
	case IKEV2_PL_IDR:
	case IKEV2_PL_AUTH:
	case IKEV2_PL_NONCE:
	case IKEV2_PL_TSI:
	case IKEV2_PL_TSR:
	case IKEV2_PL_CP:
	case IKEV2_PL_EAP:
		return 1;
	}
	return 0;
}

/* One known payload's body. */
static int
parse_body(struct pld_set *set, uint8_t t, struct rd *b)
{
	switch (t) {
	case IKEV2_PL_SA:
		return parse_sa(set, b);
	case IKEV2_PL_KE:
		/* RFC 7296 3.4 */
		set->ke.group = rd_u16(b);
		rd_skip(b, 2);
		if (rd_err(b)) {
			return syntax(set);
		}
		return span(set, b, &set->ke.data, 1);
	case IKEV2_PL_IDI:
		return parse_id(set, b, &set->idi);
	case IKEV2_PL_IDR:
		return parse_id(set, b, &set->idr);
	case IKEV2_PL_CERT:
	case IKEV2_PL_CERTREQ:
		/* RFC 7296 3.6, 3.7: noted, not used (PSK only). */
		if (rd_left(b) < 1) {
			return syntax(set);
		}
		if (t == IKEV2_PL_CERT) {
			set->n_cert += set->n_cert < 255;
		} else {
			set->n_certreq += set->n_certreq < 255;
		}
		return 0;
	case IKEV2_PL_AUTH:
		/* RFC 7296 3.8 */
		set->auth.method = rd_u8(b);
		rd_skip(b, 3);
		if (rd_err(b)) {
			return syntax(set);
		}
		/* no minimum: an AUTH too short to verify fails as AUTH
		 * (AUTHENTICATION_FAILED), not as syntax */
		return span(set, b, &set->auth.data, 0);
	case IKEV2_PL_NONCE:
		/* RFC 7296 3.9: 16 to 256 bytes. */
		if (rd_left(b) < IKEV2_NONCE_MIN ||
		    rd_left(b) > IKEV2_NONCE_MAX) {
			return syntax(set);
		}
		return span(set, b, &set->nonce, IKEV2_NONCE_MIN);
	case IKEV2_PL_N:
		return parse_notify(set, b);
	case IKEV2_PL_D:
		return parse_delete(set, b);
	case IKEV2_PL_V:
		if (set->n_vendor == IKD_MAX_VENDOR) {
			return syntax(set);
		}
		return span(set, b, &set->vendor[set->n_vendor++], 0);
	case IKEV2_PL_TSI:
		return parse_ts(set, b, &set->tsi);
	case IKEV2_PL_TSR:
		return parse_ts(set, b, &set->tsr);
	case IKEV2_PL_CP:
		/* RFC 7296 3.15: CFG Type, RESERVED, attributes. */
		return span(set, b, &set->cp, 4);
	case IKEV2_PL_EAP:
		/* RFC 7296 3.16: at least Code, Identifier, Length. */
		return span(set, b, &set->eap, 4);
	}
	return syntax(set);
}

/* see pld.h */
int
pld_parse_chain(struct pld_set *set, struct rd *r, uint8_t first)
{
	uint8_t t = first;

	memset(set, 0, sizeof(*set));
	while (t != IKEV2_PL_NONE) {
		struct pld_raw *raw;
		struct rd body;
		size_t off = rd_off(r);
		uint8_t next, flags;
		uint16_t len;
		int rc;

		if (set->n_raw == IKD_MAX_PAYLOADS) {
			return syntax(set);
		}
		/* RFC 7296 3.2: the generic payload header. */
		next = rd_u8(r);
		flags = rd_u8(r);
		len = rd_u16(r);
		if (rd_err(r) || len < IKEV2_GEN_HDR_LEN ||
		    rd_sub(r, &body, len - IKEV2_GEN_HDR_LEN) != 0) {
			return syntax(set);
		}
		raw = &set->raw[set->n_raw++];
		raw->type = t;
		raw->critical = (flags & IKEV2_CRITICAL) != 0;
		raw->len = len;
		raw->off = off;
		if (!known(t)) {
			/* RFC 7296 2.5: skip it unless marked critical. */
			if (raw->critical) {
				set->err.notify =
				    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD;
				set->err.data[0] = t;
				set->err.data_len = 1;
				return -EBADMSG;
			}
			t = next;
			continue;
		}
		if (singleton(t) && PLD_HAS(set, t)) {
			return syntax(set);
		}
		set->present |= (uint32_t)1 << (t - 32);
		if (t == IKEV2_PL_SK || t == IKEV2_PL_SKF) {
			/* Its Next Payload is the first inner payload. */
			if ((rc = parse_sk(set, &body, t, next, off,
			    off + IKEV2_GEN_HDR_LEN)) != 0) {
				return rc;
			}
			return rd_left(r) == 0 ? 0 : syntax(set);
		}
		if ((rc = parse_body(set, t, &body)) != 0) {
			return rc;
		}
		t = next;
	}
	/* Bytes after the last payload. */
	return rd_left(r) == 0 ? 0 : syntax(set);
}

/* see pld.h */
int
pld_parse_inner(struct pld_set *set, struct rd *r, uint8_t first)
{
	int rc = pld_parse_chain(set, r, first);

	if (rc == 0 && (PLD_HAS(set, IKEV2_PL_SK) ||
	    PLD_HAS(set, IKEV2_PL_SKF))) {
		return syntax(set);
	}
	return rc;
}

/* see pld.h */
int
pld_describe(const struct pld_set *set, char *buf, size_t len)
{
	unsigned n_notify = 0;
	int pos = 0;

	if (len > 0) {
		buf[0] = '\0';
	}
	for (unsigned i = 0; i < set->n_raw; i++) {
		const struct pld_raw *p = &set->raw[i];
		size_t room = (size_t)pos < len ? len - (size_t)pos : 0;
		char *at = room ? buf + pos : NULL;
		const char *sep = i ? " " : "";

		if (p->type == IKEV2_PL_N && n_notify < set->n_notify) {
			uint16_t t = set->notify[n_notify++].type;
			const char *name = ikev2_notify_name(t);

			if (strcmp(name, "UNKNOWN") == 0) {
				pos += snprintf(at, room, "%sN(%u)", sep, t);
			} else {
				pos += snprintf(at, room, "%sN(%s)", sep, name);
			}
		} else if (strcmp(ikev2_payload_name(p->type),
		    "UNKNOWN") == 0) {
			pos += snprintf(at, room, "%s%u", sep, p->type);
		} else {
			pos += snprintf(at, room, "%s%s", sep,
			    ikev2_payload_name(p->type));
		}
	}
	return pos;
}

/* see pld.h */
const struct pld_notify *
pld_find_notify(const struct pld_set *set, uint16_t type)
{
	for (unsigned i = 0; i < set->n_notify; i++) {
		if (set->notify[i].type == type) {
			return &set->notify[i];
		}
	}
	return NULL;
}

/* see pld.h */
void
pld_wr_init(struct pld_wr *pw, void *buf, size_t cap)
{
	memset(pw, 0, sizeof(*pw));
	wr_init(&pw->w, buf, cap);
}

/* see pld.h */
int
pld_wr_err(const struct pld_wr *pw)
{
	return wr_err(&pw->w);
}

/* see pld.h */
size_t
pld_begin(struct pld_wr *pw, uint8_t t, int critical)
{
	size_t start = wr_len(&pw->w);

	if (pw->closed) {
		/* Nothing may follow SK: its Next Payload is not ours. */
		pw->w.err = 1;
		return start;
	}
	if (pw->n++ == 0) {
		pw->first = t;
	}
	if (pw->has_np) {
		wr_patch_u8(&pw->w, pw->np_off, t);
	}
	pw->np_off = start;
	pw->has_np = 1;
	/* RFC 7296 3.2: Next Payload (patched by the next payload), C bit,
	 * Payload Length (patched by pld_end()). */
	wr_u8(&pw->w, IKEV2_PL_NONE);
	wr_u8(&pw->w, critical ? IKEV2_CRITICAL : 0);
	wr_u16(&pw->w, 0);
	return start;
}

/* see pld.h */
void
pld_end(struct pld_wr *pw, size_t start)
{
	size_t len = wr_len(&pw->w) - start;

	if (len > UINT16_MAX) {
		pw->w.err = 1;
		return;
	}
	wr_patch_u16(&pw->w, start + 2, (uint16_t)len);
}

/* see pld.h */
void
pld_put_raw(struct pld_wr *pw, uint8_t t, int critical, const void *body,
    size_t len)
{
	size_t start = pld_begin(pw, t, critical);

	wr_bytes(&pw->w, body, len);
	pld_end(pw, start);
}

/* Patches a substructure's 16-bit length at start + 2. */
static void
end_sub(struct wr *w, size_t start)
{
	size_t len = wr_len(w) - start;

	if (len > UINT16_MAX) {
		w->err = 1;
		return;
	}
	wr_patch_u16(w, start + 2, (uint16_t)len);
}

/* see pld.h */
void
pld_put_sa(struct pld_wr *pw, const struct pld_prop_desc *prop,
    size_t n_prop)
{
	struct wr *w = &pw->w;
	size_t start = pld_begin(pw, IKEV2_PL_SA, 0);

	if (n_prop == 0 || n_prop > UINT8_MAX) {
		w->err = 1;
		return;
	}
	for (size_t i = 0; i < n_prop; i++) {
		const struct pld_prop_desc *p = &prop[i];
		size_t ps = wr_len(w);

		if (p->spi_len > sizeof(p->spi)) {
			w->err = 1;
			return;
		}
		/* RFC 7296 3.3.1: proposal substructure. */
		wr_u8(w, i + 1 < n_prop ? IKEV2_MORE_PROPOSALS : IKEV2_LAST);
		wr_u8(w, 0);
		wr_u16(w, 0);
		wr_u8(w, p->num);
		wr_u8(w, p->proto);
		wr_u8(w, p->spi_len);
		wr_u8(w, p->n_xf);
		wr_bytes(w, p->spi, p->spi_len);
		for (size_t j = 0; j < p->n_xf; j++) {
			const struct pld_xf_desc *x = &p->xf[j];
			size_t xs = wr_len(w);

			/* RFC 7296 3.3.2: transform substructure. */
			wr_u8(w, j + 1 < p->n_xf ? IKEV2_MORE_TRANSFORMS :
			    IKEV2_LAST);
			wr_u8(w, 0);
			wr_u16(w, 0);
			wr_u8(w, x->type);
			wr_u8(w, 0);
			wr_u16(w, x->id);
			if (x->key_bits != 0) {
				/* RFC 7296 3.3.5: Key Length, TV format. */
				wr_u16(w, IKEV2_ATTR_AF |
				    IKEV2_ATTR_KEY_LENGTH);
				wr_u16(w, x->key_bits);
			}
			end_sub(w, xs);
		}
		end_sub(w, ps);
	}
	pld_end(pw, start);
}

/* see pld.h */
void
pld_put_ke(struct pld_wr *pw, uint16_t group, const void *data, size_t len)
{
	size_t start = pld_begin(pw, IKEV2_PL_KE, 0);

	/* RFC 7296 3.4 */
	wr_u16(&pw->w, group);
	wr_u16(&pw->w, 0);
	wr_bytes(&pw->w, data, len);
	pld_end(pw, start);
}

/* see pld.h */
void
pld_put_nonce(struct pld_wr *pw, const void *data, size_t len)
{
	pld_put_raw(pw, IKEV2_PL_NONCE, 0, data, len);
}

/* see pld.h */
void
pld_put_notify(struct pld_wr *pw, uint8_t proto, const void *spi,
    size_t spi_len, uint16_t type, const void *data, size_t len)
{
	size_t start = pld_begin(pw, IKEV2_PL_N, 0);

	if (spi_len > UINT8_MAX) {
		pw->w.err = 1;
		return;
	}
	/* RFC 7296 3.10 */
	wr_u8(&pw->w, proto);
	wr_u8(&pw->w, (uint8_t)spi_len);
	wr_u16(&pw->w, type);
	wr_bytes(&pw->w, spi, spi_len);
	wr_bytes(&pw->w, data, len);
	pld_end(pw, start);
}

/* see pld.h */
void
pld_put_id(struct pld_wr *pw, uint8_t t, uint8_t id_type, const void *data,
    size_t len)
{
	size_t start = pld_begin(pw, t, 0);

	/* RFC 7296 3.5 */
	wr_u8(&pw->w, id_type);
	wr_zero(&pw->w, 3);
	wr_bytes(&pw->w, data, len);
	pld_end(pw, start);
}

/* see pld.h */
void
pld_put_auth(struct pld_wr *pw, uint8_t method, const void *data,
    size_t len)
{
	size_t start = pld_begin(pw, IKEV2_PL_AUTH, 0);

	/* RFC 7296 3.8 */
	wr_u8(&pw->w, method);
	wr_zero(&pw->w, 3);
	wr_bytes(&pw->w, data, len);
	pld_end(pw, start);
}

/* see pld.h */
void
pld_put_ts(struct pld_wr *pw, uint8_t t, const struct ts_range *ts, size_t n)
{
	struct wr *w = &pw->w;
	size_t start = pld_begin(pw, t, 0);

	if (n == 0 || n > UINT8_MAX) {
		w->err = 1;
		return;
	}
	/* RFC 7296 3.13 */
	wr_u8(w, (uint8_t)n);
	wr_zero(w, 3);
	for (size_t i = 0; i < n; i++) {
		size_t alen = ts_addr_len(ts[i].type);

		if (alen == 0) {
			w->err = 1;
			return;
		}
		/* RFC 7296 3.13.1 */
		wr_u8(w, ts[i].type);
		wr_u8(w, ts[i].proto);
		wr_u16(w, (uint16_t)(8 + 2 * alen));
		wr_u16(w, ts[i].start_port);
		wr_u16(w, ts[i].end_port);
		wr_bytes(w, ts[i].start, alen);
		wr_bytes(w, ts[i].end, alen);
	}
	pld_end(pw, start);
}

/* see pld.h */
void
pld_put_delete(struct pld_wr *pw, uint8_t proto, uint8_t spi_size,
    const void *spis, size_t n)
{
	size_t start = pld_begin(pw, IKEV2_PL_D, 0);

	if (n > UINT16_MAX) {
		pw->w.err = 1;
		return;
	}
	/* RFC 7296 3.11 */
	wr_u8(&pw->w, proto);
	wr_u8(&pw->w, spi_size);
	wr_u16(&pw->w, (uint16_t)n);
	wr_bytes(&pw->w, spis, n * spi_size);
	pld_end(pw, start);
}

/* see pld.h */
void
pld_put_vendor(struct pld_wr *pw, const void *data, size_t len)
{
	pld_put_raw(pw, IKEV2_PL_V, 0, data, len);
}

/* see pld.h */
size_t
pld_put_sk(struct pld_wr *pw, uint8_t inner, size_t body_len)
{
	size_t start = pld_begin(pw, IKEV2_PL_SK, 0);
	size_t body;

	/* RFC 7296 3.14: SK's Next Payload is the first inner payload. */
	wr_patch_u8(&pw->w, start, inner);
	body = wr_reserve(&pw->w, body_len);
	pld_end(pw, start);
	pw->has_np = 0;
	pw->closed = 1;
	return body;
}

/* see pld.h */
size_t
pld_put_skf(struct pld_wr *pw, uint8_t inner, uint16_t num, uint16_t total,
    size_t body_len)
{
	size_t start = pld_begin(pw, IKEV2_PL_SKF, 0);
	size_t body;

	/* RFC 7383 2.5: Next Payload is the first inner payload's type in
	 * fragment 1, zero in the others; then Fragment Number and Total
	 * Fragments, then what SK carries. */
	wr_patch_u8(&pw->w, start, num == 1 ? inner : IKEV2_PL_NONE);
	wr_u16(&pw->w, num);
	wr_u16(&pw->w, total);
	body = wr_reserve(&pw->w, body_len);
	pld_end(pw, start);
	pw->has_np = 0;
	pw->closed = 1;
	return body;
}
