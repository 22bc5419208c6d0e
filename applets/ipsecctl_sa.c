/*
 * ipsecctl_sa.c - the `ipsecctl-sa` applet.
 *
 * Not built yet: it says so and exits 1 rather than pretend to work.
 */
#include <stdio.h>

#include "applets/applets.h"

/* see applets.h */
void
ipsecctl_sa_usage(FILE *out)
{
	fprintf(out, "usage: ipsecctl-sa [-j|-d] [-k]\n");
}

/* see applets.h */
int
ipsecctl_sa_main(int argc, char **argv)
{
	if (applet_wants_help(argc, argv)) {
		ipsecctl_sa_usage(stdout);
		return 0;
	}
	fprintf(stderr, "ipsecctl-sa: not implemented in this build yet\n");
	return 1;
}
