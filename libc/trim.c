/*
 * trim.c - libc functions that the static ikebox replaces by small ones.
 *
 * In a static link, a libc function drags in every archive member it
 * refers to, and libuv (an archive built without -ffunction-sections)
 * brings the references of all the functions of each of its objects,
 * called or not.  Each function here costs far more in glibc than what
 * ikebox needs of it; docs/size.md has the measured savings.  Only
 * ikebox links this file: t/unit and the other programs use libc's.
 */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdarg.h>
#include <unistd.h>

#include "libc/scan.h"

/*
 * libuv's core.c.o refers to it for uv_os_get_passwd() and
 * uv_os_homedir().  glibc's goes through NSS, which links the DNS
 * resolver and the nsswitch modules into the binary (and makes ld warn
 * that the result needs the shared libraries at run time anyway).
 * ikebox never looks a user up: "no such user", and those two libuv
 * calls fail cleanly.
 */
int
getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
    struct passwd **result)
{
	*result = NULL;
	return ENOENT;
}

/*
 * libuv's tty.c.o refers to it for uv_tty_init(), which ikebox does not
 * use; on failure that reuses the descriptor it was given (with blocking
 * writes) instead of reopening the terminal by name.  glibc's version
 * walks /dev/pts and /dev.
 */
int
ttyname_r(int fd, char *buf, size_t len)
{
	return isatty(fd) ? ENOSYS : ENOTTY;
}

/*
 * Message translation, which strerror(), getopt(), assert() and perror()
 * go through.  ikebox never calls setlocale(), so the locale stays "C",
 * where glibc's dcgettext returns the message it is given: this does the
 * same without linking the catalogue loader (docs/size.md).  Both names
 * are defined since libc's own object defines both.
 */
char *__dcgettext(const char *domain, const char *msgid, int category);
char *dcgettext(const char *domain, const char *msgid, int category);

char *
__dcgettext(const char *domain, const char *msgid, int category)
{
	return (char *)msgid;
}

char *
dcgettext(const char *domain, const char *msgid, int category)
{
	return (char *)msgid;
}

/*
 * scanf, whose float, wide-char and multibyte code is ~95 KB of the
 * binary.  Its callers in a static ikebox: glibc's tzset (parsing TZ, as
 * localtime_r() does for syslog and log time stamps) and getmntent_r,
 * both with integer conversions only, which scan_vsscanf() does as glibc
 * does (t/test_scan.c checks it against glibc); libuv's /proc readers
 * (uv_cpu_info(), uv_uptime(), ...), unused.  Not declared by <stdio.h>:
 * under -std=gnu11 it renames sscanf to __isoc99_sscanf, and both names
 * are wanted.  ikebox's own code does not use scanf; t/sh/size.sh checks.
 */
struct _IO_FILE;
int __isoc99_sscanf(const char *s, const char *fmt, ...);
int sscanf(const char *s, const char *fmt, ...);
int fscanf(struct _IO_FILE *f, const char *fmt, ...);

int
__isoc99_sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = scan_vsscanf(s, fmt, ap);
	va_end(ap);
	return n;
}

int
sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = scan_vsscanf(s, fmt, ap);
	va_end(ap);
	return n;
}

/* Only libuv's cpu frequency reader (uv_cpu_info()) reads a stream. */
int
fscanf(struct _IO_FILE *f, const char *fmt, ...)
{
	errno = ENOSYS;
	return -1;			/* EOF: "input failure" */
}
