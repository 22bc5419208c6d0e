/*
 * nl.h - netlink messages over buffers, shared by the XFRM backend
 * (net/kbe_xfrm.c) and the tap interfaces (net/tap.c): a builder that
 * never writes past its buffer, and a bounds-checked attribute lookup.
 * Splitting a datagram and reading NLMSG_ERROR are kbe_xfrm_next() and
 * kbe_xfrm_parse_error() (net/kbe_xfrm.h), which are not XFRM-specific.
 */
#ifndef IKEBOX_NET_NL_H
#define IKEBOX_NET_NL_H

#include <stddef.h>
#include <stdint.h>

struct nl_build {
	uint8_t *buf;
	size_t cap, len;
	int err;		/* first error: -ENOSPC */
};

#define NL_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

/*
 * Starts a message (type, flags, seq, pid) with a zeroed fixed part of
 * hlen bytes, returned; NULL (m->err set) if buf is too small.
 */
void *nl_init(struct nl_build *m, uint8_t *buf, size_t cap, uint16_t type,
    uint16_t flags, size_t hlen, uint32_t seq, uint32_t pid);

/* Appends an attribute with len zeroed bytes, returned (NULL: full). */
void *nl_attr(struct nl_build *m, uint16_t type, size_t len);

/* A nested attribute: begin returns its offset for nl_nest_end(). */
size_t nl_nest_begin(struct nl_build *m, uint16_t type);
void nl_nest_end(struct nl_build *m, size_t off);

/* Sets nlmsg_len; returns the length or the first error. */
int nl_done(struct nl_build *m);

/*
 * Finds attribute type among the attributes in p[0..n): 0 with *val and
 * *len its payload, -ENOENT if absent, -EBADMSG if a length lies.
 */
int nl_attr_find(const uint8_t *p, size_t n, uint16_t type,
    const uint8_t **val, size_t *len);

#endif
