/*
 * test_scan.c - scan_vsscanf() gives glibc's sscanf answers: the formats
 * glibc's tzset and getmntent_r use, then integer conversions with their
 * corner cases (width, "0x", signs, failures, %n, EOF before the first
 * conversion).  Each row runs through both, into slots pre-filled with a
 * pattern, so a store of the wrong size or a store that should not happen
 * shows too.  Plus the TZ rule a user would write, with its values.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libc/scan.h"
#include "t/harness/t.h"

#define NSLOT 6
#define FILL 0xa5a5a5a5a5a5a5a5ULL

static int
ours(const char *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = scan_vsscanf(s, fmt, ap);
	va_end(ap);
	return r;
}

T_CASE(scan, as_glibc)
{
	/* glibc_only: glibc's answer, which ours matches, is not every libc's
	 * (musl refuses "0x" as a hex number and has no %q or %L for
	 * integers): compared with the libc only when it is glibc. */
	static const struct {
		const char *fmt, *in;
		int glibc_only;
	} rows[] = {
		/* glibc 2.36 tzset.c, parse_offset and the rule time */
		{ "%hu%n:%hu%n:%hu%n", "1", 0 },
		{ "%hu%n:%hu%n:%hu%n", "01:30", 0 },
		{ "%hu%n:%hu%n:%hu%n", "5:30:15,M3", 0 },
		{ "%hu%n:%hu%n:%hu%n", "12:", 0 },
		{ "%hu%n:%hu%n:%hu%n", "1:x", 0 },
		{ "%hu%n:%hu%n:%hu%n", "x", 0 },
		{ "%hu%n:%hu%n:%hu%n", "", 0 },
		{ "%hu%n:%hu%n:%hu%n", "70000", 0 },
		{ "%hu%n:%hu%n:%hu%n", "-3", 0 },
		/* tzset.c, parse_rule */
		{ "M%hu.%hu.%hu%n", "M3.5.0", 0 },
		{ "M%hu.%hu.%hu%n", "M10.5.0/3", 0 },
		{ "M%hu.%hu.%hu%n", "M3.5", 0 },
		{ "M%hu.%hu.%hu%n", "M3..0", 0 },
		{ "M%hu.%hu.%hu%n", "J60", 0 },
		{ "M%hu.%hu.%hu%n", "M", 0 },
		/* mntent_r.c */
		{ " %d %d ", "0 0", 0 },
		{ " %d %d ", " 1\t 2 \n", 0 },
		{ " %d %d ", "1", 0 },
		{ " %d %d ", "", 0 },
		{ " %d %d ", "a b", 0 },
		{ " %d %d ", "-1 +2", 0 },
		/* pthread_getattr_np.c (not linked today), /proc/self/maps */
		{ "%lx-%lx", "7ffd1c0de000-7ffd1c0ff000 rw-p", 0 },
		{ "%lx-%lx", "00400000 r-xp", 0 },
		/* integer conversions */
		{ "%d", "  -42x", 0 },
		{ "%d", "+", 0 },
		{ "%d", "-", 0 },
		{ "%d", "+-1", 0 },
		{ "%d", "99999999999999999999", 0 },
		{ "%i", "0x1F", 0 },
		{ "%i", "017", 0 },
		{ "%i", "0x", 1 },
		{ "%i", "-0x10", 0 },
		{ "%i", "09", 0 },
		{ "%x%n", "0xg", 1 },
		{ "%X", "DEADbeef", 0 },
		{ "%lx", "ffffffffffffffff", 0 },
		{ "%o%n", "789", 0 },
		{ "%3d%n", "12345", 0 },
		{ "%2d%2d", "12345", 0 },
		{ "%1x%n", "0x5", 0 },
		{ "%5x", "  ffffffffff", 0 },
		{ "%0d", "123", 0 },
		{ "%*d%d", "1 2", 0 },
		{ "%*d%d", "5", 0 },
		{ "%hhu", "300", 0 },
		{ "%hhd", "-129", 0 },
		{ "%hd", "40000", 0 },
		{ "%lld", "-9223372036854775808", 0 },
		{ "%llu", "18446744073709551615", 0 },
		{ "%qd", "-7", 1 },
		{ "%Lu", "7", 1 },
		{ "%u", "-1", 0 },
		{ "%zu", "77", 0 },
		{ "%jd", "-5", 0 },
		{ "%td", "-6", 0 },
		{ "%ln", "", 0 },
		{ "%d%%%d", "1%2", 0 },
		{ "%d %% %d", "1 % 2", 0 },
		{ "%d%%", "1 %", 0 },
		{ "%d,%d", "1;2", 0 },
		{ "%d,%d", "1,", 0 },
		{ "%n", "", 0 },
		{ "%n%d", "", 0 },
		{ "%d %n", "5", 0 },
		{ "%d%n", "5  ", 0 },
		{ "%d %n", "5  ", 0 },
		{ "abc%d", "abd1", 0 },
		{ "abc%d", "ab", 0 },
		{ "a %d", "a\t\n 7", 0 },
		{ "a%d", "a 7", 0 },
		{ "x", "", 0 },
		{ " ", "", 0 },
		{ "", "abc", 0 },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		unsigned long long a[NSLOT], b[NSLOT];
		int ra, rb;

		T_ROW("%zu: \"%s\"", r, rows[r].fmt);
		for (int i = 0; i < NSLOT; i++) {
			a[i] = b[i] = FILL;
		}
		ra = ours(rows[r].in, rows[r].fmt, &a[0], &a[1], &a[2], &a[3],
		    &a[4], &a[5]);
#ifndef __GLIBC__
		if (rows[r].glibc_only) {
			continue;
		}
#endif
		rb = sscanf(rows[r].in, rows[r].fmt, &b[0], &b[1], &b[2], &b[3],
		    &b[4], &b[5]);
		T_EQ_INT(ra, rb);
		for (int i = 0; i < NSLOT; i++) {
			T_EQ_INT(a[i], b[i]);
		}
	}
}

/* A central European TZ rule: what tzset needs out of it. */
T_CASE(scan, tz_rule)
{
	unsigned short m = 0, w = 0, d = 0, hh = 0, mm = 0, ss = 0;
	int n = 0, n2 = 0, n3 = 0;

	T_EQ_INT(ours("M10.5.0/3", "M%hu.%hu.%hu%n", &m, &w, &d, &n), 3);
	T_EQ_INT(m, 10);
	T_EQ_INT(w, 5);
	T_EQ_INT(d, 0);
	T_EQ_INT(n, 7);
	n = 0;
	T_EQ_INT(ours("5:30CEST", "%hu%n:%hu%n:%hu%n", &hh, &n, &mm, &n2, &ss,
	    &n3), 2);
	T_EQ_INT(hh, 5);
	T_EQ_INT(mm, 30);
	T_EQ_INT(n2, 4);
	T_EQ_INT(ss, 0);
	T_EQ_INT(n3, 0);
	T_EQ_INT(ours("", "%hu", &hh), -1);
}

/* Conversions it does not do are refused: EINVAL, nothing stored. */
T_CASE(scan, refuses_the_rest)
{
	static const char *const fmts[] = {
		"%d %s", "%d %c", "%d %[a-z]", "%d %f", "%d %p", "%d %1$d",
		"%d %ms", "%d %",
	};

	for (size_t r = 0; r < sizeof(fmts) / sizeof(fmts[0]); r++) {
		unsigned long long a = FILL, b = FILL;

		T_ROW("%s", fmts[r]);
		errno = 0;
		T_EQ_INT(ours("5 abc", fmts[r], &a, &b), 1);
		T_EQ_INT(errno, EINVAL);
		/* %d stored an int at the start of a, whatever the byte
		 * order: read it back as one (a & 0xffffffff is the wrong
		 * half on a big-endian machine). */
		int v;

		memcpy(&v, &a, sizeof(v));
		T_EQ_INT(v, 5);
		T_EQ_INT(b, FILL);
	}
}
