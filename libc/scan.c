/*
 * scan.c - sscanf for integer conversions only (see scan.h).
 *
 * Written to give the answers glibc's vfscanf gives, corner cases
 * included, since glibc's own code calls it in its place: t/test_scan.c
 * runs every case through both.  The input is read one character at a
 * time with one character of push-back, as a stream would be, because
 * what scanf consumes on a failure is part of its result (%n).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "libc/scan.h"

#define SCAN_EOF (-1)
#define NUM_MAX 80		/* digits kept; more is out of range anyway */

/* Length modifiers. */
enum { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_MAX, L_SIZE, L_PTRDIFF };

struct in {
	const unsigned char *s;
	size_t pos;		/* characters consumed */
};

static int
in_get(struct in *in)
{
	if (in->s[in->pos] == '\0') {
		return SCAN_EOF;
	}
	return in->s[in->pos++];
}

static void
in_unget(struct in *in, int c)
{
	if (c != SCAN_EOF) {
		in->pos--;
	}
}

static void
store_count(va_list *ap, int len, size_t n)
{
	switch (len) {
	case L_CHAR:
		*va_arg(*ap, signed char *) = (signed char)n;
		break;
	case L_SHORT:
		*va_arg(*ap, short *) = (short)n;
		break;
	case L_LONG:
		*va_arg(*ap, long *) = (long)n;
		break;
	case L_LLONG:
		*va_arg(*ap, long long *) = (long long)n;
		break;
	case L_MAX:
		*va_arg(*ap, intmax_t *) = (intmax_t)n;
		break;
	case L_SIZE:
		*va_arg(*ap, size_t *) = n;
		break;
	case L_PTRDIFF:
		*va_arg(*ap, ptrdiff_t *) = (ptrdiff_t)n;
		break;
	default:
		*va_arg(*ap, int *) = (int)n;
		break;
	}
}

/* Stores v, converted as the C cast to the target type does. */
static void
store_int(va_list *ap, int len, unsigned long long v)
{
	switch (len) {
	case L_CHAR:
		*va_arg(*ap, unsigned char *) = (unsigned char)v;
		break;
	case L_SHORT:
		*va_arg(*ap, unsigned short *) = (unsigned short)v;
		break;
	case L_LONG:
		*va_arg(*ap, unsigned long *) = (unsigned long)v;
		break;
	case L_LLONG:
		*va_arg(*ap, unsigned long long *) = v;
		break;
	case L_MAX:
		*va_arg(*ap, uintmax_t *) = (uintmax_t)v;
		break;
	case L_SIZE:
		*va_arg(*ap, size_t *) = (size_t)v;
		break;
	case L_PTRDIFF:
		*va_arg(*ap, ptrdiff_t *) = (ptrdiff_t)v;
		break;
	default:
		*va_arg(*ap, unsigned int *) = (unsigned int)v;
		break;
	}
}

static int
digit_ok(int c, int base)
{
	if (base == 16) {
		return isxdigit(c);
	}
	if (base == 8) {
		return c >= '0' && c <= '7';
	}
	return isdigit(c);
}

/*
 * Reads one number as glibc does: sign, then for bases 16 and 0 a "0x"
 * (consumed even without a digit after it, the number then being 0), a
 * leading 0 making base 0 octal, then digits.  width < 0 is unlimited.
 * 0 with the text in buf and *base set, or -1 on a matching failure.
 */
static int
read_number(struct in *in, int *base, long width, char *buf)
{
	size_t n = 0;
	int c = in_get(in);

	if (width != 0 && (c == '+' || c == '-')) {
		buf[n++] = (char)c;
		width--;
		c = in_get(in);
	}
	if (width != 0 && c == '0') {
		width--;
		buf[n++] = (char)c;
		c = in_get(in);
		if (width != 0 && (c == 'x' || c == 'X')) {
			if (*base == 0) {
				*base = 16;
			}
			if (*base == 16) {
				width--;
				c = in_get(in);
			}
		} else if (*base == 0) {
			*base = 8;
		}
	}
	if (*base == 0) {
		*base = 10;
	}
	while (c != SCAN_EOF && width != 0 && digit_ok(c, *base)) {
		if (n < NUM_MAX) {
			buf[n++] = (char)c;
		}
		width--;
		c = in_get(in);
	}
	in_unget(in, c);
	buf[n] = '\0';
	if (n == 0 || (n == 1 && (buf[0] == '+' || buf[0] == '-'))) {
		return -1;
	}
	return 0;
}

/* see scan.h */
int
scan_vsscanf(const char *s, const char *fmt, va_list ap0)
{
	struct in in = { (const unsigned char *)s, 0 };
	const unsigned char *f = (const unsigned char *)fmt;
	char buf[NUM_MAX + 4];
	int done = 0, skip_space = 0, c;
	va_list ap;

	va_copy(ap, ap0);
	while (*f != '\0') {
		int suppress = 0, len = L_INT, base, is_signed = 0;
		long width = -1;

		if (*f != '%') {
			int fc = *f++;

			if (isspace(fc)) {
				skip_space = 1;
				continue;
			}
			c = in_get(&in);
			if (c == SCAN_EOF) {
				goto input_error;
			}
			if (skip_space) {
				while (isspace(c)) {
					if ((c = in_get(&in)) == SCAN_EOF) {
						goto input_error;
					}
				}
				skip_space = 0;
			}
			if (c != fc) {
				in_unget(&in, c);
				goto out;
			}
			continue;
		}
		f++;
		if (*f == '*') {
			suppress = 1;
			f++;
		}
		if (isdigit(*f)) {
			width = 0;
			while (isdigit(*f)) {
				width = width * 10 + (*f++ - '0');
				if (width > 1000000) {
					width = 1000000;
				}
			}
			if (width == 0) {
				width = -1;	/* as glibc: %0d is %d */
			}
		}
		switch (*f) {
		case 'h':
			len = L_SHORT;
			if (*++f == 'h') {
				len = L_CHAR;
				f++;
			}
			break;
		case 'l':
			len = L_LONG;
			if (*++f == 'l') {
				len = L_LLONG;
				f++;
			}
			break;
		case 'q':
		case 'L':
			len = L_LLONG;
			f++;
			break;
		case 'j':
			len = L_MAX;
			f++;
			break;
		case 'z':
			len = L_SIZE;
			f++;
			break;
		case 't':
			len = L_PTRDIFF;
			f++;
			break;
		}
		if (*f == '\0') {
			goto unsupported;
		}
		if (skip_space || *f != 'n') {
			/* The end of the input is not an error yet (%n). */
			skip_space = 0;
			do {
				c = in_get(&in);
			} while (isspace(c));
			in_unget(&in, c);
		}
		if (*f != 'n' && in.s[in.pos] == '\0') {
			goto input_error;
		}
		switch (*f++) {
		case '%':
			if ((c = in_get(&in)) != '%') {
				in_unget(&in, c);
				goto out;
			}
			continue;
		case 'n':
			if (!suppress) {
				store_count(&ap, len, in.pos);
			}
			continue;
		case 'd':
			is_signed = 1;
			base = 10;
			break;
		case 'i':
			is_signed = 1;
			base = 0;
			break;
		case 'u':
			base = 10;
			break;
		case 'o':
			base = 8;
			break;
		case 'x':
		case 'X':
			base = 16;
			break;
		default:
			goto unsupported;
		}
		if (read_number(&in, &base, width, buf) != 0) {
			goto out;
		}
		if (!suppress) {
			unsigned long long v = is_signed ?
			    (unsigned long long)strtoll(buf, NULL, base) :
			    strtoull(buf, NULL, base);

			store_int(&ap, len, v);
			done++;
		}
	}
	if (skip_space) {
		do {
			c = in_get(&in);
		} while (isspace(c));
		in_unget(&in, c);
	}
	goto out;

unsupported:
	errno = EINVAL;
	goto out;
input_error:
	if (done == 0) {
		done = SCAN_EOF;
	}
out:
	va_end(ap);
	return done;
}
