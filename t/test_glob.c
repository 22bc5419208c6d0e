/*
 * test_glob.c - libc/glob.c: glob_match() answers as the C library's
 * fnmatch(3) does, and glob_paths() finds, sorts and skips as glob(3).
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libc/glob.h"
#include "t/harness/t.h"

/*
 * glob_match() against fnmatch(3) with FNM_PERIOD (the glob(3) rules
 * include had when it used glob()): want is what POSIX's "Pattern Matching
 * Notation" gives, and libc's fnmatch, here in the C locale, must agree.
 */
T_CASE(glob, match_as_libc_fnmatch)
{
	/* glibc_only: rows where musl's fnmatch answers otherwise (no
	 * equivalence classes; a backslash is literal inside brackets and at
	 * the end): glob_match is held to want everywhere, libc's only when
	 * it is glibc. */
	static const struct {
		const char *pat, *name;
		int want, glibc_only;
	} rows[] = {
		{ "*.conf", "a.conf", 1, 0 },
		{ "*.conf", "a.conf.bak", 0, 0 },
		{ "*.conf", ".a.conf", 0, 0 },
		{ ".*.conf", ".a.conf", 1, 0 },
		{ "?a", ".a", 0, 0 },
		{ "[.]a", ".a", 0, 0 },
		{ "*", "", 1, 0 },
		{ "", "", 1, 0 },
		{ "a*b*c", "aXbYbZc", 1, 0 },
		{ "a*b*c", "aXbYbZ", 0, 0 },
		{ "a?c", "abc", 1, 0 },
		{ "a?c", "ac", 0, 0 },
		{ "[abc]x", "bx", 1, 0 },
		{ "[!abc]x", "bx", 0, 0 },
		{ "[^abc]x", "dx", 1, 0 },
		{ "[a-c]", "b", 1, 0 },
		{ "[a-c]", "d", 0, 0 },
		{ "[]a]", "]", 1, 0 },
		{ "[!]a]", "]", 0, 0 },
		{ "[a-]", "-", 1, 0 },
		{ "[[:digit:]]*", "7up", 1, 0 },
		{ "[[:digit:]]*", "up", 0, 0 },
		{ "[[:alpha:][:digit:]]", "Z", 1, 0 },
		{ "[[:nosuch:]]", "a", 0, 0 },
		{ "[[=a=]]", "a", 1, 1 },
		{ "[\\]]", "]", 1, 1 },
		{ "x\\*", "x*", 1, 0 },
		{ "x\\*", "xy", 0, 0 },
		{ "x\\", "x\\", 0, 1 },
		{ "[ab", "[ab", 1, 0 },
		{ "[ab", "a", 0, 0 },
		{ "a[", "a[", 1, 0 },
		{ "**a", "bba", 1, 0 },
		{ "*a*", "a", 1, 0 },
		{ "\xe9*", "\xe9t\xe9", 1, 0 },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		T_ROW("'%s' '%s'", rows[r].pat, rows[r].name);
		T_EQ_INT(glob_match(rows[r].pat, rows[r].name), rows[r].want);
#ifndef __GLIBC__
		if (rows[r].glibc_only) {
			continue;
		}
#endif
		T_EQ_INT(fnmatch(rows[r].pat, rows[r].name, FNM_PERIOD) == 0,
		    rows[r].want);
	}
}

/* Sorted by byte value, dot files only for a dot, folders walked. */
T_CASE(glob, paths_sorted_and_walked)
{
	char dir[128], pat[192];
	char **v = NULL;
	size_t n = 0;
	static const char *files[] = {
		"b.conf", "a.conf", ".h.conf", "B.conf", "x.txt", "d1/z.conf",
		"d2/y.conf",
	};

	snprintf(dir, sizeof(dir), "t/out/glob.%d", (int)getpid());
	mkdir("t/out", 0700);
	mkdir(dir, 0700);
	snprintf(pat, sizeof(pat), "%s/d1", dir);
	mkdir(pat, 0700);
	snprintf(pat, sizeof(pat), "%s/d2", dir);
	mkdir(pat, 0700);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;

		snprintf(pat, sizeof(pat), "%s/%s", dir, files[i]);
		T_ASSERT((f = fopen(pat, "w")) != NULL);
		fclose(f);
	}
	snprintf(pat, sizeof(pat), "%s/*.conf", dir);
	T_EQ_INT(glob_paths(pat, &v, &n), 0);
	T_EQ_INT((int)n, 3);
	if (n == 3) {
		T_ASSERT(strstr(v[0], "/B.conf") != NULL);
		T_ASSERT(strstr(v[1], "/a.conf") != NULL);
		T_ASSERT(strstr(v[2], "/b.conf") != NULL);
	}
	glob_paths_free(v, n);
	snprintf(pat, sizeof(pat), "%s/d?/*.conf", dir);
	T_EQ_INT(glob_paths(pat, &v, &n), 0);
	T_EQ_INT((int)n, 2);
	if (n == 2) {
		T_ASSERT(strstr(v[0], "/d1/z.conf") != NULL);
		T_ASSERT(strstr(v[1], "/d2/y.conf") != NULL);
	}
	glob_paths_free(v, n);
	snprintf(pat, sizeof(pat), "%s/nosuch/*.conf", dir);
	T_EQ_INT(glob_paths(pat, &v, &n), 0);
	T_EQ_INT((int)n, 0);
	glob_paths_free(v, n);
}
