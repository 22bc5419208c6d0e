/*
 * main.c - ikebox's multi-call dispatch.
 *
 * The applet is chosen by basename(argv[0]) (a symlink named `ikectl`), and
 * when that is `ikebox` itself, by argv[1] (`ikebox ikectl show sa`).  The
 * applet list is the X-macro in applets/applets.h; nothing else lives here.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applets.h"
#include "crypto/selftest.h"

#ifndef IKEBOX_VERSION
#define IKEBOX_VERSION "0.1"
#endif

struct applet {
	const char *name;
	int (*main)(int, char **);
	void (*usage)(FILE *);
	const char *summary;
};

/*
 * `make APPLETS="ikd ikectl"` builds a binary with only some applets: it
 * compiles this file with -DIKEBOX_APPLETS_ONLY and -DIKEBOX_WITH_<c_name>=1
 * for each one kept.  The rows of the others get a NULL main, so nothing
 * refers to their code and the linker's --gc-sections drops it.
 * APPLET_ON(c_name) is 1 when IKEBOX_WITH_<c_name> is defined as 1, else 0.
 */
#ifdef IKEBOX_APPLETS_ONLY
#define APPLET_ARG_1 0,
#define APPLET_SECOND(ignored, val, ...) val
#define APPLET_ON3(arg_or_junk) APPLET_SECOND(arg_or_junk 1, 0, 0)
#define APPLET_ON2(val) APPLET_ON3(APPLET_ARG_##val)
#define APPLET_ON1(flag) APPLET_ON2(flag)
#define APPLET_ON(c_name) APPLET_ON1(IKEBOX_WITH_##c_name)
#else
#define APPLET_ON(c_name) 1
#endif

#define APPLET_ROW(name, c_name, summary) \
	{ name, APPLET_ON(c_name) ? c_name##_main : NULL, \
	  APPLET_ON(c_name) ? c_name##_usage : NULL, summary },
static const struct applet all_applets[] = { IKEBOX_APPLETS(APPLET_ROW) };
#undef APPLET_ROW
#define N_ALL (sizeof(all_applets) / sizeof(all_applets[0]))

/* The applets built in, in list order (a subset build leaves holes). */
static const struct applet *applets[N_ALL];
static size_t n_applets;

static void
applets_init(void)
{
	for (size_t i = 0; i < N_ALL; i++) {
		if (all_applets[i].main != NULL) {
			applets[n_applets++] = &all_applets[i];
		}
	}
}

static const struct applet *
applet_find(const char *name)
{
	for (size_t i = 0; i < n_applets; i++) {
		if (strcmp(applets[i]->name, name) == 0) {
			return applets[i];
		}
	}
	return NULL;
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: ikebox APPLET [ARGS...]   (or a symlink named APPLET)\n"
	    "       ikebox --list | --install DIR | --version | --selftest [-v] | --help\n"
	    "\napplets:\n");
	for (size_t i = 0; i < n_applets; i++) {
		fprintf(out, "  %-17s %s\n", applets[i]->name, applets[i]->summary);
	}
}

static int
install_links(const char *dir)
{
	char self[PATH_MAX], link[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int rc = 0;

	if (n < 0) {
		fprintf(stderr, "ikebox: cannot find own path: %s\n",
		    strerror(errno));
		return 1;
	}
	self[n] = '\0';
	for (size_t i = 0; i < n_applets; i++) {
		snprintf(link, sizeof(link), "%s/%s", dir, applets[i]->name);
		(void)unlink(link);
		if (symlink(self, link) != 0) {
			fprintf(stderr, "ikebox: %s: %s\n", link, strerror(errno));
			rc = 1;
		} else {
			printf("%s -> %s\n", link, self);
		}
	}
	return rc;
}

static int
unknown(const char *name)
{
	fprintf(stderr, "ikebox: unknown applet '%s'\n", name);
	usage(stderr);
	return 127;
}

int
main(int argc, char **argv)
{
	char *base = basename(argv[0] ? argv[0] : "ikebox");
	const struct applet *a;

	applets_init();
	if (strncmp(base, "ikebox", 6) != 0) {	/* ikebox, ikebox-mips-sf */
		a = applet_find(base);
		return a ? a->main(argc, argv) : unknown(base);
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n_applets; i++) {
			puts(applets[i]->name);
		}
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ikebox %s\n", IKEBOX_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--install") == 0) {
		if (argc != 3) {
			fprintf(stderr, "usage: ikebox --install DIR\n");
			return 2;
		}
		return install_links(argv[2]);
	}
	if (strcmp(argv[1], "--selftest") == 0) {
		int verbose = argc > 2 && strcmp(argv[2], "-v") == 0;
		return cr_selftest(stdout, verbose) == 0 ? 0 : 1;
	}
	a = applet_find(argv[1]);
	return a ? a->main(argc - 1, argv + 1) : unknown(argv[1]);
}
