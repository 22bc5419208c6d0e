/*
 * glob.c - the include glob of the configuration loader, in place of
 * glob(3) and fnmatch(3) (see glob.h for why and for the rules).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libc/glob.h"

/*
 * One bracket expression, p just past its '['; c the byte to match.  1 if
 * it matches, 0 if not, -1 if there is no closing ']' (the '[' is then an
 * ordinary character, as in fnmatch).  *end is set past the ']'.
 */
static int
fnm_bracket(const char *p, unsigned char c, const char **end)
{
	static const struct {
		const char *name;
		int (*is)(int);
	} classes[] = {
		{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank },
		{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph },
		{ "lower", islower }, { "print", isprint }, { "punct", ispunct },
		{ "space", isspace }, { "upper", isupper },
		{ "xdigit", isxdigit },
	};
	int neg = 0, hit = 0, first = 1;
	unsigned char lo, hi;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	for (;; first = 0) {
		if (*p == '\0') {
			return -1;
		}
		if (*p == ']' && !first) {
			*end = p + 1;
			return hit != neg;
		}
		if (p[0] == '[' && p[1] == ':') {
			const char *q = strstr(p + 2, ":]");
			size_t n = q != NULL ? (size_t)(q - (p + 2)) : 0;

			if (q == NULL) {
				return -1;
			}
			for (size_t i = 0; i < sizeof(classes) /
			    sizeof(classes[0]); i++) {
				if (strlen(classes[i].name) == n &&
				    strncmp(classes[i].name, p + 2, n) == 0 &&
				    classes[i].is(c)) {
					hit = 1;
				}
			}
			p = q + 2;
			continue;
		}
		if (p[0] == '[' && (p[1] == '=' || p[1] == '.') &&
		    p[2] != '\0' && p[3] == p[1] && p[4] == ']') {
			/* [=c=] and [.c.]: in the C locale, just c. */
			lo = (unsigned char)p[2];
			p += 5;
		} else if (p[0] == '\\' && p[1] != '\0') {
			lo = (unsigned char)p[1];
			p += 2;
		} else {
			lo = (unsigned char)*p++;
		}
		hi = lo;
		if (p[0] == '-' && p[1] != ']' && p[1] != '\0') {
			if (p[1] == '\\' && p[2] != '\0') {
				hi = (unsigned char)p[2];
				p += 3;
			} else {
				hi = (unsigned char)p[1];
				p += 2;
			}
		}
		if (lo <= c && c <= hi) {
			hit = 1;
		}
	}
}

/* glob_match() from s on; s0 is the name's start (for FNM_PERIOD). */
static int
fnm(const char *p, const char *s, const char *s0)
{
	const char *end;
	int r;

	while (*p != '\0') {
		switch (*p) {
		case '?':
			if (*s == '\0' || (s == s0 && *s == '.')) {
				return 0;
			}
			p++;
			s++;
			continue;
		case '*':
			if (s == s0 && *s == '.') {
				return 0;
			}
			while (*p == '*') {
				p++;
			}
			for (;; s++) {
				if (fnm(p, s, s0)) {
					return 1;
				}
				if (*s == '\0') {
					return 0;
				}
			}
		case '[':
			if (*s == '\0') {
				return 0;
			}
			r = fnm_bracket(p + 1, (unsigned char)*s, &end);
			if (r >= 0) {
				if (r == 0 || (s == s0 && *s == '.')) {
					return 0;
				}
				p = end;
				s++;
				continue;
			}
			break;			/* no ']': an ordinary '[' */
		case '\\':
			if (p[1] == '\0') {
				return 0;	/* as glibc: matches nothing */
			}
			p++;
			break;
		}
		if (*p != *s) {
			return 0;
		}
		p++;
		s++;
	}
	return *s == '\0';
}

/* see glob.h */
int
glob_match(const char *pattern, const char *name)
{
	return fnm(pattern, name, name);
}

/*
 * The include glob, done here rather than by glob(3): glibc's glob() can
 * expand "~user", and that alone links the whole user database (NSS and
 * the DNS resolver) into the static binary.  Same rules as glob(3)
 * without flags, which is what include used: a path component with '*', '?'
 * or '[' is matched against its folder's entries as by fnmatch(3)
 * (glob_match(), glibc's is 30 KB of the static binary), where a
 * leading '.' is only matched by a '.', a backslash quotes the next
 * character; other components are taken as written; unreadable folders
 * are skipped; the result is sorted by byte value (the C locale's order).
 */
struct glob_acc {
	char **v;
	size_t n, cap;
	int err;			/* -ENOMEM once an allocation failed */
};

static void
glob_acc_add(struct glob_acc *g, const char *path)
{
	char **v;

	if (g->err != 0) {
		return;
	}
	if (g->n == g->cap) {
		g->cap = g->cap == 0 ? 16 : 2 * g->cap;
		v = realloc(g->v, g->cap * sizeof(*v));
		if (v == NULL) {
			g->err = -ENOMEM;
			return;
		}
		g->v = v;
	}
	if ((g->v[g->n] = strdup(path)) == NULL) {
		g->err = -ENOMEM;
		return;
	}
	g->n++;
}

/* Matches rest (components after the folder buf[0..len)) in buf's folder. */
static void
glob_acc_walk(struct glob_acc *g, char *buf, size_t len, const char *rest)
{
	char comp[NAME_MAX + 1];
	struct stat st;
	struct dirent *de;
	const char *end;
	size_t clen;
	DIR *d;

	while (*rest == '/') {
		rest++;
	}
	if (*rest == '\0') {
		if (len > 0 && lstat(buf, &st) == 0) {
			glob_acc_add(g, buf);
		}
		return;
	}
	end = strchrnul(rest, '/');
	clen = (size_t)(end - rest);
	if (len > 0 && buf[len - 1] != '/') {
		if (len + 1 >= PATH_MAX) {
			return;
		}
		buf[len++] = '/';
		buf[len] = '\0';
	}
	if (memchr(rest, '*', clen) == NULL && memchr(rest, '?', clen) ==
	    NULL && memchr(rest, '[', clen) == NULL) {
		/* Taken as written, the quoting backslashes dropped. */
		for (const char *p = rest; p < end; p++) {
			if (*p == '\\' && p + 1 < end) {
				p++;
			}
			if (len + 1 >= PATH_MAX) {
				return;
			}
			buf[len++] = *p;
		}
		buf[len] = '\0';
		glob_acc_walk(g, buf, len, end);
		return;
	}
	if (clen > NAME_MAX) {
		return;
	}
	memcpy(comp, rest, clen);
	comp[clen] = '\0';
	if ((d = opendir(len > 0 ? buf : ".")) == NULL) {
		return;
	}
	while ((de = readdir(d)) != NULL && g->err == 0) {
		size_t nlen = strlen(de->d_name);

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    !glob_match(comp, de->d_name) ||
		    len + nlen >= PATH_MAX) {
			continue;
		}
		memcpy(buf + len, de->d_name, nlen + 1);
		if (*end == '\0') {
			/* the last component, and readdir() just listed it:
			 * no lstat() to know it exists (a folder of 10,000
			 * VPN files) */
			glob_acc_add(g, buf);
			continue;
		}
		glob_acc_walk(g, buf, len + nlen, end);
	}
	closedir(d);
	buf[len] = '\0';
}

static int
glob_acc_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* see glob.h */
int
glob_paths(const char *pattern, char ***paths, size_t *n)
{
	struct glob_acc g = { 0 };
	char buf[PATH_MAX];

	buf[0] = pattern[0] == '/' ? '/' : '\0';
	buf[1] = '\0';
	glob_acc_walk(&g, buf, pattern[0] == '/' ? 1 : 0, pattern);
	if (g.err != 0) {
		glob_paths_free(g.v, g.n);
		*paths = NULL;
		*n = 0;
		return g.err;
	}
	if (g.n > 1) {
		qsort(g.v, g.n, sizeof(*g.v), glob_acc_cmp);
	}
	*paths = g.v;
	*n = g.n;
	return 0;
}

/* see glob.h */
void
glob_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(paths[i]);
	}
	free(paths);
}
