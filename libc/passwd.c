/*
 * passwd.c - a user's uid and gid from a passwd(5) file (see passwd.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libc/passwd.h"

/* A decimal id below 2^31, ended by ':'; *s moved past the ':'. */
static int
id_field(char **s, unsigned long *out)
{
	char *end;

	if (**s < '0' || **s > '9') {
		return -1;
	}
	errno = 0;
	*out = strtoul(*s, &end, 10);
	if (errno != 0 || *end != ':' || *out > 0x7fffffffUL) {
		return -1;
	}
	*s = end + 1;
	return 0;
}

/* see passwd.h */
int
passwd_lookup(const char *path, const char *name, uid_t *uid, gid_t *gid)
{
	char line[1024];
	size_t nl = strlen(name);
	int rc = -ENOENT;
	FILE *f;

	if (nl == 0 || strchr(name, ':') != NULL) {
		return -EINVAL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long u, g;
		char *p;

		if (strncmp(line, name, nl) != 0 || line[nl] != ':') {
			continue;
		}
		p = strchr(line + nl + 1, ':');	/* past the password */
		if (p == NULL) {
			rc = -EINVAL;
			break;
		}
		p++;
		if (id_field(&p, &u) != 0 || id_field(&p, &g) != 0) {
			rc = -EINVAL;
			break;
		}
		*uid = (uid_t)u;
		*gid = (gid_t)g;
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}
