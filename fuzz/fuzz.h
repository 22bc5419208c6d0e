/*
 * fuzz.h - what the fuzz targets share (fuzz/README.md).
 *
 * Every target defines LLVMFuzzerTestOneInput(); it is linked either with
 * libFuzzer (clang, `make fuzz`) or with fuzz/replay_main.c, which feeds
 * it the files of fuzz/corpus/ and fuzz/regress/ (gcc, `make test`).
 * The library is linked with -Wl,--wrap=cr_rand: the engine's random
 * numbers come from fuzz_util.c's counter, reset per input, so that a
 * crash replays exactly.
 */
#ifndef IKEBOX_FUZZ_FUZZ_H
#define IKEBOX_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Restarts the random stream `stream` (0..3) from its fixed seed, and
 * makes it the one cr_rand() draws from. */
void fuzz_rand_reset(int stream);
void fuzz_rand_use(int stream);

/* A private scratch folder for this process (removed at exit). */
const char *fuzz_tmpdir(void);

/* Writes data to fuzz_tmpdir()/name (mode 0600); its path, or NULL. */
const char *fuzz_write(const char *name, const void *data, size_t len);

/* Removes the files (not folders) under fuzz_tmpdir()/sub, or the
 * top folder's files with sub NULL. */
void fuzz_clean(const char *sub);

/*
 * 1 when a config text names a path outside the scratch folder (a '/'
 * that does not separate digits, as 10.0.0.0/8 does): the loaders would
 * then read files of the machine (include = /dev/zero ...), which is not
 * what is being tested.
 */
int fuzz_names_path(const uint8_t *data, size_t size);

#endif
