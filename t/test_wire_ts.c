/*
 * test_wire_ts.c - traffic selector helpers (core/wire/ts.h): CIDR to range and
 * back, narrowing (RFC 7296 2.9) and the text shown to users.  Expected
 * values are worked out by hand from the addresses (RFC 5737 / RFC 3849
 * documentation prefixes).
 */
#include <errno.h>
#include <stdio.h>

#include "core/wire/ikev2.h"
#include "core/wire/ts.h"
#include "t/harness/t.h"

/* Parses "a.b.c.d" or a handful of IPv6 forms used below into 4/16 bytes. */
static struct ts_range
range4(const char *lo, const char *hi)
{
	struct ts_range r = { IKEV2_TS_IPV4_ADDR_RANGE, 0, 0, 65535, { 0 },
		{ 0 } };
	unsigned a, b, c, d;

	sscanf(lo, "%u.%u.%u.%u", &a, &b, &c, &d);
	r.start[0] = (uint8_t)a, r.start[1] = (uint8_t)b;
	r.start[2] = (uint8_t)c, r.start[3] = (uint8_t)d;
	sscanf(hi, "%u.%u.%u.%u", &a, &b, &c, &d);
	r.end[0] = (uint8_t)a, r.end[1] = (uint8_t)b;
	r.end[2] = (uint8_t)c, r.end[3] = (uint8_t)d;
	return r;
}

static const char *
fmt(const struct ts_range *r)
{
	static char buf[128];

	ts_format(r, buf, sizeof(buf));
	return buf;
}

T_CASE(wire_ts, from_cidr)
{
	static const uint8_t a4[4] = { 203, 0, 113, 5 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 1 };
	struct ts_range r;

	T_ROW("203.0.113.5/25: host bits dropped");
	T_EQ_INT(ts_from_cidr(&r, 4, a4, 25), 0);
	T_EQ_INT(r.type, IKEV2_TS_IPV4_ADDR_RANGE);
	T_EQ_MEM(r.start, "\xcb\x00\x71\x00", 4);
	T_EQ_MEM(r.end, "\xcb\x00\x71\x7f", 4);
	T_EQ_INT(r.proto, 0);
	T_EQ_INT(r.start_port, 0);
	T_EQ_INT(r.end_port, 65535);
	T_EQ_STR(fmt(&r), "203.0.113.0/25");
	T_ROW("/32 and /0");
	T_EQ_INT(ts_from_cidr(&r, 4, a4, 32), 0);
	T_EQ_STR(fmt(&r), "203.0.113.5/32");
	T_EQ_INT(ts_from_cidr(&r, 4, a4, 0), 0);
	T_EQ_MEM(r.end, "\xff\xff\xff\xff", 4);
	T_EQ_STR(fmt(&r), "0.0.0.0/0");
	T_ROW("2001:db8::1/32");
	T_EQ_INT(ts_from_cidr(&r, 6, a6, 32), 0);
	T_EQ_INT(r.type, IKEV2_TS_IPV6_ADDR_RANGE);
	T_EQ_MEM(r.start, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	T_EQ_MEM(r.end, "\x20\x01\x0d\xb8\xff\xff\xff\xff"
	    "\xff\xff\xff\xff\xff\xff\xff\xff", 16);
	T_EQ_STR(fmt(&r), "2001:db8::/32");
	T_ROW("2001:db8::1/127 (a boundary inside a byte)");
	T_EQ_INT(ts_from_cidr(&r, 6, a6, 127), 0);
	T_EQ_INT(r.start[15], 0);
	T_EQ_INT(r.end[15], 1);
	T_EQ_STR(fmt(&r), "2001:db8::/127");
	T_ROW("bad prefix lengths and families");
	T_EQ_INT(ts_from_cidr(&r, 4, a4, 33), -EINVAL);
	T_EQ_INT(ts_from_cidr(&r, 6, a6, 129), -EINVAL);
	T_EQ_INT(ts_from_cidr(&r, 5, a4, 8), -EINVAL);
}

T_CASE(wire_ts, to_cidrs)
{
	struct ts_range r = range4("10.0.0.1", "10.0.0.5");
	struct ts_cidr c[8];
	size_t n;

	T_ROW("10.0.0.1-10.0.0.5 is not one prefix");
	T_EQ_INT(ts_to_cidr(&r, c), -ERANGE);
	T_EQ_STR(fmt(&r), "10.0.0.1-10.0.0.5");
	T_ROW("it is 10.0.0.1/32 10.0.0.2/31 10.0.0.4/31");
	T_EQ_INT(ts_to_cidrs(&r, c, 8, &n), 0);
	T_EQ_INT(n, 3);
	T_EQ_INT(c[0].af, 4);
	T_EQ_INT(c[0].addr[3], 1);
	T_EQ_INT(c[0].plen, 32);
	T_EQ_INT(c[1].addr[3], 2);
	T_EQ_INT(c[1].plen, 31);
	T_EQ_INT(c[2].addr[3], 4);
	T_EQ_INT(c[2].plen, 31);
	T_ROW("too many for the room given");
	T_EQ_INT(ts_to_cidrs(&r, c, 2, &n), -E2BIG);
	T_EQ_INT(n, 2);
	T_ROW("10.0.0.0-10.0.1.255 is 10.0.0.0/23");
	r = range4("10.0.0.0", "10.0.1.255");
	T_EQ_INT(ts_to_cidr(&r, c), 0);
	T_EQ_INT(c[0].plen, 23);
	T_ROW("the whole space, and the last address, end at all-ones");
	r = range4("0.0.0.0", "255.255.255.255");
	T_EQ_INT(ts_to_cidrs(&r, c, 8, &n), 0);
	T_EQ_INT(n, 1);
	T_EQ_INT(c[0].plen, 0);
	r = range4("255.255.255.254", "255.255.255.255");
	T_EQ_INT(ts_to_cidr(&r, c), 0);
	T_EQ_INT(c[0].plen, 31);
	r = range4("128.0.0.0", "255.255.255.255");
	T_EQ_INT(ts_to_cidr(&r, c), 0);
	T_EQ_INT(c[0].plen, 1);
	T_ROW("1.0.0.0-255.255.255.255 is 8 prefixes");
	r = range4("1.0.0.0", "255.255.255.255");
	T_EQ_INT(ts_to_cidrs(&r, c, 8, &n), 0);
	T_EQ_INT(n, 8);	/* /8 /7 /6 /5 /4 /3 /2 /1 */
	T_EQ_INT(c[7].addr[0], 128);
	T_EQ_INT(c[7].plen, 1);
	T_ROW("reversed range refused");
	r = range4("10.0.0.5", "10.0.0.1");
	T_EQ_INT(ts_to_cidrs(&r, c, 8, &n), -EINVAL);
	T_CONTAINS(fmt(&r), "invalid");
}

static const struct {
	const char *name;
	const char *a_lo, *a_hi;
	uint8_t a_proto;
	uint16_t a_sp, a_ep;
	const char *b_lo, *b_hi;
	uint8_t b_proto;
	uint16_t b_sp, b_ep;
	int rc;
	const char *want;
} narrow_rows[] = {
	{ "proposal wider than policy", "10.0.0.0", "10.255.255.255", 0, 0,
	    65535, "10.1.0.0", "10.1.255.255", 0, 0, 65535, 0,
	    "10.1.0.0/16" },
	{ "policy wider than proposal", "10.1.2.0", "10.1.2.255", 0, 0,
	    65535, "10.0.0.0", "10.255.255.255", 0, 0, 65535, 0,
	    "10.1.2.0/24" },
	{ "partial overlap", "10.0.0.0", "10.0.0.100", 0, 0, 65535,
	    "10.0.0.50", "10.0.0.255", 0, 0, 65535, 0,
	    "10.0.0.50-10.0.0.100" },
	{ "disjoint", "10.0.0.0", "10.0.0.255", 0, 0, 65535, "10.0.1.0",
	    "10.0.1.255", 0, 0, 65535, -ENOENT, NULL },
	{ "any protocol narrowed to TCP port 80", "10.0.0.0",
	    "10.0.0.255", 0, 0, 65535, "10.0.0.0", "10.0.0.255", 6, 80, 80, 0,
	    "10.0.0.0/24 proto 6 port 80-80" },
	{ "TCP against UDP", "10.0.0.0", "10.0.0.255", 6, 0, 65535,
	    "10.0.0.0", "10.0.0.255", 17, 0, 65535, -ENOENT, NULL },
	{ "disjoint ports", "10.0.0.0", "10.0.0.255", 6, 1, 1023,
	    "10.0.0.0", "10.0.0.255", 6, 1024, 65535, -ENOENT, NULL },
	{ "single address", "10.0.0.7", "10.0.0.7", 0, 0, 65535, "10.0.0.0",
	    "10.0.0.255", 0, 0, 65535, 0, "10.0.0.7/32" },
};

T_CASE(wire_ts, narrow)
{
	struct ts_range a, b, out;

	for (size_t i = 0; i < sizeof(narrow_rows) / sizeof(narrow_rows[0]);
	    i++) {
		T_ROW("%s", narrow_rows[i].name);
		a = range4(narrow_rows[i].a_lo, narrow_rows[i].a_hi);
		a.proto = narrow_rows[i].a_proto;
		a.start_port = narrow_rows[i].a_sp;
		a.end_port = narrow_rows[i].a_ep;
		b = range4(narrow_rows[i].b_lo, narrow_rows[i].b_hi);
		b.proto = narrow_rows[i].b_proto;
		b.start_port = narrow_rows[i].b_sp;
		b.end_port = narrow_rows[i].b_ep;
		T_EQ_INT(ts_narrow(&a, &b, &out), narrow_rows[i].rc);
		if (narrow_rows[i].rc == 0) {
			T_EQ_STR(fmt(&out), narrow_rows[i].want);
			/* symmetric */
			T_EQ_INT(ts_narrow(&b, &a, &out), 0);
			T_EQ_STR(fmt(&out), narrow_rows[i].want);
		}
	}
	T_ROW("IPv4 against IPv6");
	{
		static const uint8_t z[16];

		ts_from_cidr(&b, 6, z, 0);
		a = range4("0.0.0.0", "255.255.255.255");
		T_EQ_INT(ts_narrow(&a, &b, &out), -ENOENT);
	}
	T_ROW("in place");
	a = range4("10.0.0.0", "10.0.0.255");
	b = range4("10.0.0.128", "10.0.1.255");
	T_EQ_INT(ts_narrow(&a, &b, &a), 0);
	T_EQ_STR(fmt(&a), "10.0.0.128/25");
}

static const struct {
	const char *hex;
	const char *want;
} v6_rows[] = {
	/* RFC 5952 4.2.1-4.2.3, 4.3 */
	{ "00000000000000000000000000000000", "::" },
	{ "00000000000000000000000000000001", "::1" },
	{ "20010db8000000000000000000000001", "2001:db8::1" },
	{ "20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1" },
	{ "20010db8000000000001000000000001", "2001:db8::1:0:0:1" },
	{ "20010db8000000000000000100000000", "2001:db8::1:0:0" },
	{ "fe800000000000000000000000000000", "fe80::" },
	{ "20010db8aaaabbbbccccddddeeeeffff",
	    "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff" },
};

T_CASE(wire_ts, addr_format)
{
	uint8_t a[16];
	char buf[64];

	for (size_t i = 0; i < sizeof(v6_rows) / sizeof(v6_rows[0]); i++) {
		T_ROW("%s", v6_rows[i].want);
		t_unhex(a, sizeof(a), v6_rows[i].hex);
		T_EQ_INT(ts_addr_format(6, a, buf, sizeof(buf)),
		    (int)strlen(v6_rows[i].want));
		T_EQ_STR(buf, v6_rows[i].want);
	}
	T_ROW("truncated output stays terminated");
	t_unhex(a, sizeof(a), v6_rows[7].hex);
	T_EQ_INT(ts_addr_format(6, a, buf, 10), 38);
	T_EQ_STR(buf, "2001:db8:");
	T_ROW("IPv4");
	T_EQ_INT(ts_addr_format(4, (const uint8_t *)"\xc0\x00\x02\xfe", buf,
	    sizeof(buf)), 11);
	T_EQ_STR(buf, "192.0.2.254");
}
