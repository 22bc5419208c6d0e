/*
 * ts.c - traffic selector arithmetic (see ts.h).
 *
 * Addresses are 4- or 16-byte big-endian numbers handled a byte at a time,
 * so IPv4 and IPv6 share one code path and no 128-bit type is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/wire/ikev2.h"
#include "core/wire/ts.h"

/* see ts.h */
size_t
ts_addr_len(uint8_t type)
{
	switch (type) {
	case IKEV2_TS_IPV4_ADDR_RANGE:
		return 4;
	case IKEV2_TS_IPV6_ADDR_RANGE:
		return 16;
	}
	return 0;
}

/* see ts.h */
int
ts_valid(const struct ts_range *ts)
{
	size_t alen = ts_addr_len(ts->type);

	return alen != 0 && memcmp(ts->start, ts->end, alen) <= 0 &&
	    ts->start_port <= ts->end_port;
}

/* see ts.h */
int
ts_from_cidr(struct ts_range *ts, uint8_t af, const uint8_t *addr,
    unsigned plen)
{
	size_t alen = af == 4 ? 4 : af == 6 ? 16 : 0;

	if (alen == 0 || plen > alen * 8) {
		return -EINVAL;
	}
	memset(ts, 0, sizeof(*ts));
	ts->type = alen == 4 ? IKEV2_TS_IPV4_ADDR_RANGE :
	    IKEV2_TS_IPV6_ADDR_RANGE;
	ts->end_port = 65535;
	for (size_t i = 0; i < alen; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		ts->start[i] = addr[i] & mask;
		ts->end[i] = addr[i] | (uint8_t)~mask;
	}
	return 0;
}

/*
 * Length of the longest prefix p such that addr is p-aligned and
 * addr | hostmask(p) <= end: the largest CIDR block starting at addr that
 * stays within the range.
 */
static unsigned
largest_block(const uint8_t *addr, const uint8_t *end, size_t alen)
{
	unsigned plen = (unsigned)alen * 8;

	/* Widen the block one bit at a time while it stays aligned and in. */
	while (plen > 0) {
		/* index of the host bit to add */
		unsigned bit = (unsigned)alen * 8 - plen;
		size_t byte = alen - 1 - bit / 8;
		uint8_t m = (uint8_t)(1u << (bit % 8));
		uint8_t last[16];

		if (addr[byte] & m) {
			break;
		}
		/* last address of the block with one more host bit */
		memcpy(last, addr, alen);
		for (unsigned b = 0; b <= bit; b++) {
			last[alen - 1 - b / 8] |= (uint8_t)(1u << (b % 8));
		}
		if (memcmp(last, end, alen) > 0) {
			break;
		}
		plen--;
	}
	return plen;
}

/* Sets addr to the last address of addr/plen, then adds one; returns 1 on
 * wrap-around past the all-ones address. */
static int
next_block(uint8_t *addr, unsigned plen, size_t alen)
{
	for (unsigned b = plen; b < alen * 8; b++) {
		unsigned hb = (unsigned)alen * 8 - 1 - b;

		addr[alen - 1 - hb / 8] |= (uint8_t)(1u << (hb % 8));
	}
	for (size_t i = alen; i-- > 0;) {
		if (++addr[i] != 0) {
			return 0;
		}
	}
	return 1;
}

/* see ts.h */
int
ts_to_cidrs(const struct ts_range *ts, struct ts_cidr *out, size_t max,
    size_t *n)
{
	size_t alen = ts_addr_len(ts->type);
	uint8_t cur[16];

	*n = 0;
	if (!ts_valid(ts)) {
		return -EINVAL;
	}
	memcpy(cur, ts->start, alen);
	for (;;) {
		unsigned plen = largest_block(cur, ts->end, alen);

		if (*n == max) {
			return -E2BIG;
		}
		out[*n].af = alen == 4 ? 4 : 6;
		out[*n].plen = (uint8_t)plen;
		memset(out[*n].addr, 0, sizeof(out[*n].addr));
		memcpy(out[*n].addr, cur, alen);
		(*n)++;
		if (next_block(cur, plen, alen)) {
			return 0;	/* the block ended at all-ones */
		}
		/* cur is now last + 1: done once it passed end. */
		if (memcmp(cur, ts->end, alen) > 0) {
			return 0;
		}
	}
}

/* see ts.h */
int
ts_to_cidr(const struct ts_range *ts, struct ts_cidr *out)
{
	size_t n;
	int rc = ts_to_cidrs(ts, out, 1, &n);

	if (rc == -E2BIG) {
		return -ERANGE;
	}
	return rc;
}

/* see ts.h */
int
ts_narrow(const struct ts_range *a, const struct ts_range *b,
    struct ts_range *out)
{
	size_t alen = ts_addr_len(a->type);
	struct ts_range r;

	if (a->type != b->type || !ts_valid(a) || !ts_valid(b)) {
		return -ENOENT;
	}
	if (a->proto != 0 && b->proto != 0 && a->proto != b->proto) {
		return -ENOENT;
	}
	memset(&r, 0, sizeof(r));
	r.type = a->type;
	r.proto = a->proto != 0 ? a->proto : b->proto;
	r.start_port = a->start_port > b->start_port ? a->start_port :
	    b->start_port;
	r.end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	memcpy(r.start, memcmp(a->start, b->start, alen) > 0 ? a->start :
	    b->start, alen);
	memcpy(r.end, memcmp(a->end, b->end, alen) < 0 ? a->end : b->end,
	    alen);
	if (!ts_valid(&r)) {
		return -ENOENT;
	}
	*out = r;
	return 0;
}

/* see ts.h */
int
ts_addr_format(uint8_t af, const uint8_t *a, char *buf, size_t len)
{
	int best = -1, best_n = 0, pos = 0;

	if (af == 4) {
		return snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2],
		    a[3]);
	}
	/* RFC 5952 4.2: "::" replaces the longest run (>= 2) of zero
	 * groups, the first one on a tie. */
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && a[2 * j] == 0 && a[2 * j + 1] == 0) {
			j++;
		}
		if (j - i > best_n && j - i >= 2) {
			best = i;
			best_n = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (len > 0) {
		buf[0] = '\0';
	}
	for (int i = 0; i < 8; i++) {
		size_t room = (size_t)pos < len ? len - (size_t)pos : 0;
		char *at = room ? buf + pos : NULL;

		if (i == best) {
			pos += snprintf(at, room, "::");
			i += best_n - 1;
			continue;
		}
		pos += snprintf(at, room, "%s%x",
		    i == 0 || i == best + best_n ? "" : ":",
		    (unsigned)(a[2 * i] << 8 | a[2 * i + 1]));
	}
	return pos;
}

/* see ts.h */
int
ts_format(const struct ts_range *ts, char *buf, size_t len)
{
	uint8_t af = ts->type == IKEV2_TS_IPV4_ADDR_RANGE ? 4 : 6;
	struct ts_cidr c;
	int pos = 0;
	char a[48], b[48];

	if (!ts_valid(ts)) {
		return snprintf(buf, len, "(invalid selector, type %u)",
		    ts->type);
	}
	ts_addr_format(af, ts->start, a, sizeof(a));
	if (ts_to_cidr(ts, &c) == 0) {
		pos = snprintf(buf, len, "%s/%u", a, c.plen);
	} else {
		ts_addr_format(af, ts->end, b, sizeof(b));
		pos = snprintf(buf, len, "%s-%s", a, b);
	}
	if (ts->proto != 0) {
		size_t room = (size_t)pos < len ? len - (size_t)pos : 0;

		pos += snprintf(room ? buf + pos : NULL, room, " proto %u",
		    ts->proto);
	}
	if (ts->start_port != 0 || ts->end_port != 65535) {
		size_t room = (size_t)pos < len ? len - (size_t)pos : 0;

		pos += snprintf(room ? buf + pos : NULL, room, " port %u-%u",
		    ts->start_port, ts->end_port);
	}
	return pos;
}
