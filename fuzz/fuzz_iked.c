/*
 * fuzz_iked.c - the iked.conf importer: the input is an iked.conf,
 * imported with cfg_iked_import() into a scratch folder; when that
 * succeeds, what it wrote is loaded with cfg_load() (the importer must
 * only write what the loader accepts... or at least not crash it).
 */
#include <stdio.h>

#include "core/cfg/cfg.h"
#include "fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;
	char out[256], conf[300];
	const char *path;

	if (size > 16384 || fuzz_names_path(data, size)) {
		return 0;
	}
	path = fuzz_write("iked.conf", data, size);
	if (path == NULL) {
		return 0;
	}
	snprintf(out, sizeof(out), "%s/out", fuzz_tmpdir());
	fuzz_clean("out");
	if (cfg_iked_import(path, out, &diag) == 0) {
		cfg_diag_free(&diag);
		snprintf(conf, sizeof(conf), "%s/ikd.conf", out);
		(void)cfg_load(conf, &cfg, &diag);
		cfg_free(cfg);
	}
	cfg_diag_free(&diag);
	return 0;
}
