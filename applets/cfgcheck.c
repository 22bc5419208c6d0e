/*
 * cfgcheck.c - the `cfgcheck` applet (placeholder until the loader lands).
 */
#include <stdio.h>

#include "applets/applets.h"

/* see applets.h */
void
cfgcheck_usage(FILE *out)
{
	fprintf(out, "usage: cfgcheck [-v] [-f FILE]\n"
	    "       cfgcheck --import-iked IKED.CONF -o DIR\n");
}

/* see applets.h */
int
cfgcheck_main(int argc, char **argv)
{
	if (applet_wants_help(argc, argv)) {
		cfgcheck_usage(stdout);
		return 0;
	}
	fprintf(stderr, "cfgcheck: not implemented in this build yet\n");
	return 1;
}
