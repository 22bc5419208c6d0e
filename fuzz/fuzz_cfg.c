/*
 * fuzz_cfg.c - the INI loader: the input is two files split at a line
 * "#==vpn==": the global file ikd.conf and vpn.conf beside it (the seeds'
 * global files say `include = vpn.conf`), loaded with cfg_load() from a
 * scratch folder; a loaded configuration is printed back as `cfgcheck -p`
 * does.  Inputs that name a path outside the folder are skipped (fuzz.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/cfg/cfg.h"
#include "fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;
	const char *path;
	FILE *null;

	if (size > 16384 || fuzz_names_path(data, size)) {
		return 0;
	}
	{
		static const char sep[] = "\n#==vpn==\n";
		const uint8_t *cut = memmem(data, size, sep, sizeof(sep) - 1);
		size_t glen = cut ? (size_t)(cut - data) + 1 : size;
		size_t vlen = cut ? size - glen - (sizeof(sep) - 2) : 0;

		if (fuzz_write("vpn.conf", cut ? cut + sizeof(sep) - 1 : data,
		    vlen) == NULL) {
			return 0;
		}
		path = fuzz_write("ikd.conf", data, glen);
	}
	if (path == NULL) {
		return 0;
	}
	null = fopen("/dev/null", "w");
	if (cfg_load(path, &cfg, &diag) == 0 && cfg != NULL && null != NULL) {
		cfg_global_print(null, cfg);
		for (size_t i = 0; i < cfg->n_vpns; i++) {
			cfg_vpn_print(null, &cfg->vpns[i]);
		}
	}
	if (null != NULL) {
		cfg_diag_print(null, &diag);
		fclose(null);
	}
	cfg_free(cfg);
	cfg_diag_free(&diag);
	return 0;
}
