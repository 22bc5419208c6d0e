/*
 * ikd.c - the `ikd` applet.
 *
 * Not built yet: it says so and exits 1 rather than pretend to work.
 */
#include <stdio.h>

#include "applets/applets.h"

/* see applets.h */
void
ikd_usage(FILE *out)
{
	fprintf(out, "usage: ikd [-dnSTv] [-f FILE] [-s SOCKET]\n");
}

/* see applets.h */
int
ikd_main(int argc, char **argv)
{
	if (applet_wants_help(argc, argv)) {
		ikd_usage(stdout);
		return 0;
	}
	fprintf(stderr, "ikd: not implemented in this build yet\n");
	return 1;
}
