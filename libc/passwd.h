/*
 * passwd.h - a user's uid and gid from /etc/passwd, in place of
 * getpwnam(3): a static glibc resolves users through NSS, which would link
 * the resolver and want the shared NSS modules at run time (libc/trim.c
 * makes getpwuid_r() say "no such user" for that reason).  ikd only needs
 * the local user it drops to (`user =` in [global]), which lives in the
 * files database on every router this is for.
 */
#ifndef IKEBOX_LIBC_PASSWD_H
#define IKEBOX_LIBC_PASSWD_H

#include <sys/types.h>

/*
 * Looks name up in the passwd(5) file at path ("name:password:uid:gid:
 * ..." lines).  Returns 0 with *uid and *gid set, -ENOENT when no line
 * has that name, -EINVAL when its line is malformed, or -errno when the
 * file cannot be read.
 */
int passwd_lookup(const char *path, const char *name, uid_t *uid,
    gid_t *gid);

#endif
