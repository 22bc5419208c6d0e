/*
 * applets.h - the one list of ikebox's applets.
 *
 * APPLET(name, c_name, summary) expands into the dispatch table in main.c,
 * the `ikebox --list` output and the `--install` symlinks.  Each applet lives
 * in applets/<c_name>.c and defines <c_name>_main() and <c_name>_usage().
 */
#ifndef IKEBOX_APPLETS_H
#define IKEBOX_APPLETS_H

#include <stdio.h>

#define IKEBOX_APPLETS(APPLET) \
	APPLET("ikd", ikd, "the IKEv2 daemon") \
	APPLET("ikectl", ikectl, "control the running daemon") \
	APPLET("ipsecctl-sa", ipsecctl_sa, "show flows and SAs as the kernel holds them") \
	APPLET("cfgcheck", cfgcheck, "check, normalise and import configuration") \
	APPLET("keepalive-pinger", keepalive_pinger, "keep tunnels alive and watched")

#define APPLET_DECL(name, c_name, summary) \
	int c_name##_main(int argc, char **argv); \
	void c_name##_usage(FILE *out);
IKEBOX_APPLETS(APPLET_DECL)
#undef APPLET_DECL

/* Returns 1 if any of argv[1..] is --help or -h (applets call it first). */
int applet_wants_help(int argc, char **argv);

#endif
