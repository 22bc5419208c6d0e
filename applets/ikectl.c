/*
 * ikectl.c - the `ikectl` applet.
 *
 * Not built yet: it says so and exits 1 rather than pretend to work.
 */
#include <stdio.h>

#include "applets/applets.h"

/* see applets.h */
void
ikectl_usage(FILE *out)
{
	fprintf(out, "usage: ikectl [-s SOCKET] show sa|show stats|reload|load FILE|reset all|reset vpn NAME|up NAME|down NAME|log verbose|brief|monitor\n");
}

/* see applets.h */
int
ikectl_main(int argc, char **argv)
{
	if (applet_wants_help(argc, argv)) {
		ikectl_usage(stdout);
		return 0;
	}
	fprintf(stderr, "ikectl: not implemented in this build yet\n");
	return 1;
}
