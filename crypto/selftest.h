/*
 * selftest.h - crypto known-answer tests runnable on the target
 * (`ikebox --selftest`).
 */
#ifndef IKEBOX_CRYPTO_SELFTEST_H
#define IKEBOX_CRYPTO_SELFTEST_H

#include <stdio.h>

/*
 * Runs every known-answer test, printing one line per algorithm to out
 * (with verbose, also which implementation was picked) and a summary.
 * Returns 0 when all pass, -1 otherwise.
 */
int cr_selftest(FILE *out, int verbose);

#endif
