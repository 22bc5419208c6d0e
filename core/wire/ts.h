/*
 * ts.h - IKEv2 traffic selectors (RFC 7296 3.13.1) as values, and the
 * arithmetic the engine needs on them: from a configured CIDR to a range,
 * back to CIDRs for display, and narrowing (RFC 7296 2.9: the responder
 * answers with the intersection of what was proposed and its own policy).
 *
 * Addresses are raw bytes in network order, compared as big-endian
 * numbers.  Families are given as 4 or 6 (as in core/ike/kern.h), not as
 * AF_INET, so that nothing here needs a socket header.
 */
#ifndef IKEBOX_CORE_WIRE_TS_H
#define IKEBOX_CORE_WIRE_TS_H

#include <stddef.h>
#include <stdint.h>

/* One selector, decoded. */
struct ts_range {
	uint8_t type;		/* IKEV2_TS_IPV4/IPV6_ADDR_RANGE */
	uint8_t proto;		/* IP protocol; 0 = any */
	uint16_t start_port, end_port;	/* 0-65535 = any */
	uint8_t start[16], end[16];	/* network order; IPv4 uses 4 */
};

struct ts_cidr {
	uint8_t af;		/* 4 or 6 */
	uint8_t plen;
	uint8_t addr[16];
};

/* 4 or 16 for a known TS type, 0 otherwise. */
size_t ts_addr_len(uint8_t type);

/* 1 when the type is known and start <= end for addresses and ports. */
int ts_valid(const struct ts_range *ts);

/*
 * Fills ts with the range of addr/plen (host bits ignored), any protocol,
 * any port.  af: 4 or 6.  Returns 0 or -EINVAL (bad af or plen).
 */
int ts_from_cidr(struct ts_range *ts, uint8_t af, const uint8_t *addr,
    unsigned plen);

/*
 * When ts's addresses are exactly one prefix, stores it in out and returns
 * 0; otherwise -ERANGE (use ts_to_cidrs()).  Ports and protocol ignored.
 */
int ts_to_cidr(const struct ts_range *ts, struct ts_cidr *out);

/*
 * Splits ts's address range into the fewest prefixes that cover it exactly,
 * at most max of them; *n gets how many.  Returns 0, -EINVAL (invalid ts)
 * or -E2BIG (more than max needed; the first max are stored).
 */
int ts_to_cidrs(const struct ts_range *ts, struct ts_cidr *out, size_t max,
    size_t *n);

/*
 * Intersection of a and b (same type; protocol 0 matches any; ports and
 * addresses intersected as ranges) into out.  Returns 0, or -ENOENT when it
 * is empty.  out may be a or b.
 */
int ts_narrow(const struct ts_range *a, const struct ts_range *b,
    struct ts_range *out);

/*
 * Writes ts for logs and `ikectl show`: "203.0.113.0/25" when it is one
 * prefix, "10.0.0.1-10.0.0.5" otherwise, then " proto N" and " port A-B"
 * when not "any".  Always NUL-terminates (when len > 0); returns
 * what snprintf would.
 */
int ts_format(const struct ts_range *ts, char *buf, size_t len);

/* Writes an address (4 or 16 bytes) as text; IPv6 per RFC 5952. */
int ts_addr_format(uint8_t af, const uint8_t *addr, char *buf, size_t len);

#endif
