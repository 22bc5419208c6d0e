/*
 * cfgcheck.c - the `cfgcheck` applet: check a configuration (iked -n),
 * print it normalised (iked -nv), and import an iked.conf.
 *
 * Exit status: 0 configuration OK (warnings allowed), 1 errors found,
 * 2 bad command line.  Messages go to stderr, one "FILE:LINE: ..." a line,
 * so editors and grep can jump to them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "applets/applets.h"
#include "applets/cfgcheck.h"
#include "core/cfg/cfg.h"
#include "net/kbe.h"

/* see applets.h */
void
cfgcheck_usage(FILE *out)
{
	fprintf(out,
	    "usage: cfgcheck [-v] [-f FILE]\n"
	    "       cfgcheck --import-iked IKED.CONF -o DIR\n"
	    "       cfgcheck --import-uci UCI_FILE -o DIR\n"
	    "\n"
	    "  -f FILE        the global file (default " CFG_DEFAULT_FILE ")\n"
	    "  -v             print every VPN in normalised form\n"
	    "  --import-iked  convert an iked.conf into DIR/ikd.conf and\n"
	    "                 DIR/vpn.d/NAME.conf, then check the result\n"
	    "  --import-uci   the same from OpenWrt's /etc/config/ikebox\n"
	    "  -o DIR         where an import writes (created if needed)\n"
	    "\n"
	    "Prints \"configuration OK\" and exits 0, or prints every error\n"
	    "as FILE:LINE: ... and exits 1.  Warnings do not change the exit\n"
	    "status.  Bad options exit 2.\n");
}

/* see cfgcheck.h */
int
cfgcheck_file(const char *path, int verbose)
{
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;
	int rc;

	/* What the daemon would run with on this kernel. */
	cfg_set_auto_backend(kbe_auto_backend());
	rc = cfg_load(path, &cfg, &diag);

	fflush(stdout);
	cfg_diag_print(stderr, &diag);
	if (rc == -ENOMEM) {
		fprintf(stderr, "cfgcheck: out of memory\n");
	}
	if (rc == 0 && verbose) {
		cfg_global_print(stdout, cfg);
		for (size_t i = 0; i < cfg->n_vpns; i++) {
			fputc('\n', stdout);
			cfg_vpn_print(stdout, &cfg->vpns[i]);
		}
		fputc('\n', stdout);
	}
	if (rc == 0) {
		printf("configuration OK\n");
	}
	cfg_diag_free(&diag);
	cfg_free(cfg);
	return rc == 0 ? 0 : 1;
}

static int
import(const char *in, const char *dir, int uci, int verbose)
{
	struct cfg_diag diag = { 0 };
	char path[4096];
	int rc = uci ? cfg_uci_import(in, dir, &diag) :
	    cfg_iked_import(in, dir, &diag);

	cfg_diag_print(stderr, &diag);
	cfg_diag_free(&diag);
	if (rc != 0) {
		fprintf(stderr, "cfgcheck: %s: not imported%s\n", in,
		    rc == -EINVAL ? ", nothing written" : "");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ikd.conf", dir);
	/* stderr: stdout stays comparable with `cfgcheck -v -f`. */
	fprintf(stderr, "cfgcheck: imported %s into %s\n", in, path);
	return cfgcheck_file(path, verbose);
}

/* see applets.h */
int
cfgcheck_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "import-iked", required_argument, NULL, 'i' },
		{ "import-uci", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = CFG_DEFAULT_FILE, *iked = NULL, *outdir = NULL;
	int verbose = 0, c, fset = 0, uci = 0;

	if (applet_wants_help(argc, argv)) {
		cfgcheck_usage(stdout);
		return 0;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			fset = 1;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'i':
		case 'u':
			if (iked != NULL) {
				fprintf(stderr, "cfgcheck: one import at a "
				    "time\n");
				return 2;
			}
			iked = optarg;
			uci = c == 'u';
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			cfgcheck_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cfgcheck: unexpected argument '%s'\n",
		    argv[optind]);
		cfgcheck_usage(stderr);
		return 2;
	}
	if ((iked != NULL) != (outdir != NULL) || (iked != NULL && fset)) {
		fprintf(stderr, "cfgcheck: --import-%s needs -o DIR (and no "
		    "-f)\n", uci ? "uci" : "iked");
		cfgcheck_usage(stderr);
		return 2;
	}
	if (iked != NULL) {
		return import(iked, outdir, uci, verbose);
	}
	return cfgcheck_file(file, verbose);
}
