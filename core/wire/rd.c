/*
 * rd.c - bounded readers and writers (see rd.h).
 *
 * Overrun checks compare the request with what is left (len - off), never
 * off + n with len, so that a huge n from a packet cannot wrap around.
 */
#include <errno.h>
#include <string.h>

#include "core/wire/rd.h"

/* Stand-ins for NULL buffers, so that no arithmetic is done on NULL. */
static const uint8_t rd_empty[1];
static uint8_t wr_empty[1];

/* see rd.h */
void
rd_init(struct rd *r, const void *buf, size_t len)
{
	r->buf = buf ? buf : rd_empty;
	r->len = buf ? len : 0;
	r->off = 0;
	r->err = 0;
}

/* Returns the next n bytes and advances, or NULL and sets the error. */
static const uint8_t *
take(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->len - r->off) {
		r->err = 1;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += n;
	return p;
}

/* see rd.h */
uint8_t
rd_u8(struct rd *r)
{
	const uint8_t *p = take(r, 1);

	return p ? p[0] : 0;
}

/* see rd.h */
uint16_t
rd_u16(struct rd *r)
{
	const uint8_t *p = take(r, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

/* see rd.h */
uint32_t
rd_u32(struct rd *r)
{
	const uint8_t *p = take(r, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3] : 0;
}

/* see rd.h */
const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
	return take(r, n);
}

/* see rd.h */
int
rd_copy(struct rd *r, void *out, size_t n)
{
	const uint8_t *p = take(r, n);

	if (p == NULL) {
		memset(out, 0, n);
		return -EBADMSG;
	}
	memcpy(out, p, n);
	return 0;
}

/* see rd.h */
int
rd_skip(struct rd *r, size_t n)
{
	return take(r, n) ? 0 : -EBADMSG;
}

/* see rd.h */
int
rd_sub(struct rd *r, struct rd *sub, size_t n)
{
	const uint8_t *p = take(r, n);

	rd_init(sub, p, p ? n : 0);
	if (p == NULL) {
		sub->err = 1;
		return -EBADMSG;
	}
	return 0;
}

/* see rd.h */
size_t
rd_left(const struct rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* see rd.h */
size_t
rd_off(const struct rd *r)
{
	return r->off;
}

/* see rd.h */
int
rd_err(const struct rd *r)
{
	return r->err ? -EBADMSG : 0;
}

/* see rd.h */
void
rd_fail(struct rd *r)
{
	r->err = 1;
}

/* see rd.h */
void
wr_init(struct wr *w, void *buf, size_t cap)
{
	w->buf = buf ? buf : wr_empty;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->err = 0;
}

/* Returns room for n more bytes and advances, or NULL and sets the error. */
static uint8_t *
room(struct wr *w, size_t n)
{
	uint8_t *p;

	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

/* see rd.h */
void
wr_u8(struct wr *w, uint8_t v)
{
	uint8_t *p = room(w, 1);

	if (p) {
		p[0] = v;
	}
}

/* see rd.h */
void
wr_u16(struct wr *w, uint16_t v)
{
	uint8_t *p = room(w, 2);

	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

/* see rd.h */
void
wr_u32(struct wr *w, uint32_t v)
{
	uint8_t *p = room(w, 4);

	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

/* see rd.h */
void
wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *p = room(w, n);

	if (p && n) {
		memcpy(p, src, n);
	}
}

/* see rd.h */
void
wr_zero(struct wr *w, size_t n)
{
	uint8_t *p = room(w, n);

	if (p && n) {
		memset(p, 0, n);
	}
}

/* see rd.h */
size_t
wr_reserve(struct wr *w, size_t n)
{
	size_t off = w->len;

	wr_zero(w, n);
	return off;
}

/* see rd.h */
void
wr_patch_u8(struct wr *w, size_t off, uint8_t v)
{
	if (w->err || off >= w->len) {
		w->err = 1;
		return;
	}
	w->buf[off] = v;
}

/* see rd.h */
void
wr_patch_u16(struct wr *w, size_t off, uint16_t v)
{
	if (w->err || w->len < 2 || off > w->len - 2) {
		w->err = 1;
		return;
	}
	w->buf[off] = (uint8_t)(v >> 8);
	w->buf[off + 1] = (uint8_t)v;
}

/* see rd.h */
void
wr_patch_u32(struct wr *w, size_t off, uint32_t v)
{
	if (w->err || w->len < 4 || off > w->len - 4) {
		w->err = 1;
		return;
	}
	w->buf[off] = (uint8_t)(v >> 24);
	w->buf[off + 1] = (uint8_t)(v >> 16);
	w->buf[off + 2] = (uint8_t)(v >> 8);
	w->buf[off + 3] = (uint8_t)v;
}

/* see rd.h */
size_t
wr_len(const struct wr *w)
{
	return w->len;
}

/* see rd.h */
int
wr_err(const struct wr *w)
{
	return w->err ? -ENOSPC : 0;
}
