/*
 * trim.c - a libc function that the static ikebox replaces by a small one.
 *
 * In a static link, a libc function drags in every archive member it
 * refers to, and libuv (an archive built without -ffunction-sections)
 * brings the references of all the functions of each of its objects,
 * called or not.  Its core.c.o refers to getpwuid_r, for
 * uv_os_get_passwd() and uv_os_homedir(); glibc's getpwuid_r goes through
 * NSS, which links the DNS resolver and the nsswitch modules into the
 * binary (and makes ld warn that the result needs the shared libraries
 * at run time anyway).  ikebox never looks a user up, so this version
 * only says "no such user", and those two libuv calls fail cleanly.
 *
 * Only ikebox links this file; t/unit and the other programs use libc's.
 * The measured effect is in docs/size.md.
 */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>

int
getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
    struct passwd **result)
{
	*result = NULL;
	return ENOENT;
}
