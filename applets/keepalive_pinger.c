/*
 * keepalive_pinger.c - the `keepalive-pinger` applet.
 *
 * Not built yet: it says so and exits 1 rather than pretend to work.
 */
#include <stdio.h>

#include "applets/applets.h"

/* see applets.h */
void
keepalive_pinger_usage(FILE *out)
{
	fprintf(out, "usage: keepalive-pinger -I SRC [-c COUNT] [-i INTERVAL] [-w DEADLINE] [-q] DEST | -f FILE [-D]\n");
}

/* see applets.h */
int
keepalive_pinger_main(int argc, char **argv)
{
	if (applet_wants_help(argc, argv)) {
		keepalive_pinger_usage(stdout);
		return 0;
	}
	fprintf(stderr, "keepalive-pinger: not implemented in this build yet\n");
	return 1;
}
