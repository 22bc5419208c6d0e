/*
 * scan.h - sscanf for integer conversions only, the part of scanf that
 * glibc itself uses in a static ikebox (tzset parsing TZ="CET-1CEST,
 * M3.5.0,M10.5.0/3", getmntent_r; pthread_getattr_np's "%lx-%lx" too).  libc/trim.c puts it in place of glibc's
 * sscanf, whose float and wide-char code is ~95 KB of the binary.
 * ikebox's own code does not use scanf.
 */
#ifndef IKEBOX_LIBC_SCAN_H
#define IKEBOX_LIBC_SCAN_H

#include <stdarg.h>

/*
 * vsscanf(s, fmt, ap) as C11 7.21.6.2 has it, for formats made of
 * white space (skips any), ordinary characters, "%%", and conversions
 * d, i, u, o, x, X and n with an optional '*', width and length (hh, h,
 * l, ll, j, z, t).  Returns the number of items assigned, or EOF (-1)
 * if the input ended before the first conversion.  Any other conversion
 * (s, c, [, f, p, ...) stops the scan like a matching failure, with
 * errno set to EINVAL: it is refused, never half done.
 */
int scan_vsscanf(const char *s, const char *fmt, va_list ap);

#endif
