/*
 * rd.h - bounded readers and writers for wire formats.
 *
 * Every byte ikebox takes from a packet goes through a struct rd, and every
 * byte it puts into one through a struct wr.  Both carry a sticky error
 * flag: once a read runs past the end (or a write past the capacity), the
 * cursor stops moving, every later read returns zero (or NULL) and every
 * later write does nothing, so a parser can read a whole structure and check
 * rd_err() once, without a test after each field and without ever touching
 * memory outside the buffer.  A sub-reader (rd_sub) is a window of exactly n
 * bytes of its parent, which is how payloads and substructures are confined
 * to their declared length.  Multi-byte values are big-endian (network
 * order), assembled byte by byte: no struct is cast onto packet bytes.
 */
#ifndef IKEBOX_CORE_WIRE_RD_H
#define IKEBOX_CORE_WIRE_RD_H

#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *buf;	/* start of the window */
	size_t len;		/* bytes in the window */
	size_t off;		/* next byte to read */
	int err;		/* sticky: a read ran past the end */
};

/* Starts a reader over buf[0..len); buf may be NULL when len is 0. */
void rd_init(struct rd *r, const void *buf, size_t len);

/* Big-endian reads; on overrun: 0, error set, cursor unchanged. */
uint8_t rd_u8(struct rd *r);
uint16_t rd_u16(struct rd *r);
uint32_t rd_u32(struct rd *r);

/*
 * Returns a pointer to the next n bytes and skips them, or NULL (error set)
 * when fewer than n are left.  The pointer is into the reader's buffer (a
 * view, not a copy).  n == 0 returns the current position.
 */
const uint8_t *rd_bytes(struct rd *r, size_t n);

/* Copies the next n bytes into out; on overrun out is zeroed. */
int rd_copy(struct rd *r, void *out, size_t n);

/* Skips n bytes; returns 0 or -EBADMSG. */
int rd_skip(struct rd *r, size_t n);

/*
 * Carves the next n bytes out as a reader of their own (sub) and skips them
 * in r.  On overrun sub is an empty reader with its error set, and so is r.
 */
int rd_sub(struct rd *r, struct rd *sub, size_t n);

/* Bytes left, position, error: 0 or -EBADMSG. */
size_t rd_left(const struct rd *r);
size_t rd_off(const struct rd *r);
int rd_err(const struct rd *r);

/* Marks the reader failed (a value read fine but is out of range). */
void rd_fail(struct rd *r);

struct wr {
	uint8_t *buf;
	size_t cap;		/* bytes available */
	size_t len;		/* bytes written */
	int err;		/* sticky: a write did not fit */
};

void wr_init(struct wr *w, void *buf, size_t cap);

/* Big-endian writes; on overflow nothing is written and the error is set. */
void wr_u8(struct wr *w, uint8_t v);
void wr_u16(struct wr *w, uint16_t v);
void wr_u32(struct wr *w, uint32_t v);
void wr_bytes(struct wr *w, const void *p, size_t n);	/* p NULL if n 0 */
void wr_zero(struct wr *w, size_t n);

/*
 * Reserves n zeroed bytes and returns their offset in the buffer (for a
 * caller who fills them later); returns the current length and sets the
 * error on overflow.
 */
size_t wr_reserve(struct wr *w, size_t n);

/* Back-patching: rewrites bytes already written (length fields). */
void wr_patch_u8(struct wr *w, size_t off, uint8_t v);
void wr_patch_u16(struct wr *w, size_t off, uint16_t v);
void wr_patch_u32(struct wr *w, size_t off, uint32_t v);

/* Bytes written; error: 0 or -ENOSPC. */
size_t wr_len(const struct wr *w);
int wr_err(const struct wr *w);

#endif
