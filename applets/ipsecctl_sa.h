/*
 * ipsecctl_sa.h - the formatter behind `ipsecctl-sa`, callable on any
 * kernel backend (the unit tests feed it the null backend).
 */
#ifndef IKEBOX_APPLETS_IPSECCTL_SA_H
#define IKEBOX_APPLETS_IPSECCTL_SA_H

#include <stdio.h>

#include "net/kbe.h"

enum ipsecctl_sa_fmt {
	IPSECCTL_SA_PRETTY = 0,	/* OpenBSD ipsecctl -sa style */
	IPSECCTL_SA_JSON = 1,	/* -j */
	IPSECCTL_SA_DUMP = 2,	/* -d: tab-separated, one entry a line */
};

/*
 * Writes k's flows (policies) and SAs to out in format fmt; keys are shown
 * only when show_keys is 1 (otherwise "(hidden)" in dump mode, omitted in
 * the others).  Returns 0 or the backend's negative errno (kbe_error(k)
 * then says why); nothing is printed on failure.
 */
int ipsecctl_sa_show(struct kbe *k, FILE *out, int fmt, int show_keys);

#endif
