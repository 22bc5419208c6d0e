/*
 * cfgcheck.h - the configuration check, callable from other applets
 * (`ikd -n -f FILE` runs the same check as `cfgcheck -f FILE`).
 */
#ifndef IKEBOX_APPLETS_CFGCHECK_H
#define IKEBOX_APPLETS_CFGCHECK_H

/*
 * Loads and checks path (and what it includes).  Prints every error and
 * warning to stderr, then "configuration OK" to stdout when there was no
 * error; with verbose, first every VPN in normalised form to stdout.
 * Returns the exit status: 0 when the configuration is usable, 1 if not.
 */
int cfgcheck_file(const char *path, int verbose);

#endif
