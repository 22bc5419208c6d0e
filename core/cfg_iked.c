#include <errno.h>
#include "core/cfg.h"
int
cfg_iked_import(const char *iked_conf, const char *outdir,
    struct cfg_diag *diag)
{
	return -ENOSYS;
}
