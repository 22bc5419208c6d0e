/*
 * common.c - small helpers shared by the applets.
 */
#include <string.h>

#include "applets/applets.h"

/* see applets.h */
int
applet_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			return 1;
		}
		if (strcmp(argv[i], "--") == 0) {
			break;
		}
	}
	return 0;
}
