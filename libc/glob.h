/*
 * glob.h - glob(3) and fnmatch(3) as the configuration's `include = `
 * needs them, without glibc's: its glob() can expand "~user", and that
 * alone links the whole user database (NSS and the DNS resolver) into the
 * static binary; its fnmatch() is 30 KB of it (docs/size.md).
 *
 * The rules are those of glob(3) without flags and of fnmatch(3) with
 * FNM_PERIOD in the C locale: a path component holding '*', '?' or '[' is
 * matched against its folder's entries, a leading '.' is only matched by
 * a '.', a backslash quotes the next character; other components are
 * taken as written; unreadable folders are skipped; the result is sorted
 * by byte value (the C locale's order).  t/test_glob.c checks
 * glob_match() against the C library's fnmatch().
 */
#ifndef IKEBOX_LIBC_GLOB_H
#define IKEBOX_LIBC_GLOB_H

#include <stddef.h>

/*
 * 1 if name (a folder entry) matches pattern as fnmatch(pattern, name,
 * FNM_PERIOD) does in the C locale, else 0: '*', '?', brackets with '!'
 * or '^', ranges and [:class:], a backslash quotes, a leading '.' only
 * matched by a '.'.
 */
int glob_match(const char *pattern, const char *name);

/*
 * The existing paths that pattern names, sorted, in *paths (n of them,
 * each malloc'd; glob_paths_free() frees them).  A relative pattern is
 * taken from the current folder.  Returns 0 (also when nothing matches:
 * *n is then 0), or -ENOMEM with nothing allocated.
 */
int glob_paths(const char *pattern, char ***paths, size_t *n);
void glob_paths_free(char **paths, size_t n);

#endif
