/*
 * t.h - the unit/simulation test runner's API.
 *
 * A test file defines cases with T_CASE(suite, name) { ... }; they register
 * themselves (no central list to edit).  A case reports one result line, or,
 * when it is table-driven, one per T_ROW(): T_ROW("fmt", ...) closes the row
 * before it and opens a new one, so every row of a table is counted and
 * named on its own.  Assertions mark the current row (or case) failed, print
 * file:line and what differed, and carry on.
 *
 * Output: "ok suite.name[ row]" / "FAIL suite.name[ row]: why" lines, then a
 * "# unit: N passed, N failed" line (t/run.sh adds up every runner).
 * `t/unit -s SUBSTR` runs only the cases whose suite.name contains SUBSTR.
 */
#ifndef IKEBOX_T_HARNESS_T_H
#define IKEBOX_T_HARNESS_T_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct t_case {
	const char *suite;
	const char *name;
	void (*fn)(void);
	struct t_case *next;
};

void t_register(struct t_case *c);
void t_row(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Hex-decodes s (spaces and newlines ignored) into out; returns the length. */
size_t t_unhex(uint8_t *out, size_t cap, const char *s);
/*
 * Netlink is in the host's byte order: golden messages written as on a
 * little-endian host have their 16- and 32-bit fields at these offsets
 * turned into the host's order (nothing to do on little-endian hosts; the
 * big-endian MIPS cross runs need it).
 */
void t_le16_to_host(uint8_t *p, const size_t *offs, size_t n);
void t_le32_to_host(uint8_t *p, const size_t *offs, size_t n);
/* A netlink message's nlmsg_type and nlmsg_flags (host order). */
uint16_t t_nl_type(const uint8_t *msg);
uint16_t t_nl_flags(const uint8_t *msg);
void t_nl_set_type(uint8_t *msg, uint16_t type);
/* Writes a temporary file under t/out/ and returns its path (static buffer
 * valid until the next call). */
const char *t_tmpfile(const char *name, const char *content);

#define T_CASE(s, n) \
	static void t_fn_##s##_##n(void); \
	static struct t_case t_c_##s##_##n = { #s, #n, t_fn_##s##_##n, NULL }; \
	__attribute__((constructor)) static void t_reg_##s##_##n(void) \
	{ \
		t_register(&t_c_##s##_##n); \
	} \
	static void t_fn_##s##_##n(void)

#define T_ROW(...) t_row(__VA_ARGS__)

#define T_ASSERT(c) \
	do { \
		if (!(c)) { \
			t_fail(__FILE__, __LINE__, "%s", #c); \
		} \
	} while (0)

#define T_EQ_INT(a, b) \
	do { \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
		if (t_a_ != t_b_) { \
			t_fail(__FILE__, __LINE__, "%s == %lld, want %lld", #a, \
			    t_a_, t_b_); \
		} \
	} while (0)

#define T_EQ_STR(a, b) \
	do { \
		const char *t_a_ = (a), *t_b_ = (b); \
		if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0) { \
			t_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
			    #a, t_a_ ? t_a_ : "(null)", \
			    t_b_ ? t_b_ : "(null)"); \
		} \
	} while (0)

#define T_CONTAINS(hay, needle) \
	do { \
		const char *t_h_ = (hay), *t_n_ = (needle); \
		if (t_h_ == NULL || strstr(t_h_, t_n_) == NULL) { \
			t_fail(__FILE__, __LINE__, "%s lacks \"%s\": \"%s\"", \
			    #hay, t_n_, t_h_ ? t_h_ : "(null)"); \
		} \
	} while (0)

#define T_EQ_MEM(a, b, n) \
	do { \
		if (memcmp((a), (b), (n)) != 0) { \
			t_fail(__FILE__, __LINE__, "%s differs from %s (%zu bytes)", \
			    #a, #b, (size_t)(n)); \
		} \
	} while (0)

#endif
