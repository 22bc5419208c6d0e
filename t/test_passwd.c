/*
 * test_passwd.c - libc/passwd.c: a user's ids from a passwd(5) file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libc/passwd.h"
#include "t/harness/t.h"

T_CASE(passwd, lookup)
{
	const char *path = t_tmpfile("passwd",
	    "root:x:0:0:root:/root:/bin/bash\n"
	    "ikeboxer:x:998:997::/:/bin/false\n"
	    "ikebox:x:999:996:IKE daemon:/nonexistent:/usr/sbin/nologin\n"
	    "broken:x:12\n"
	    "neg:x:-1:5::/:\n"
	    "big:x:99999999999:5::/:\n");
	static const struct {
		const char *name;
		int rc;
		unsigned uid, gid;
	} rows[] = {
		{ "ikebox", 0, 999, 996 },
		{ "root", 0, 0, 0 },
		{ "ikeboxer", 0, 998, 997 },
		{ "ikebo", -ENOENT, 0, 0 },
		{ "nobody-here", -ENOENT, 0, 0 },
		{ "broken", -EINVAL, 0, 0 },
		{ "neg", -EINVAL, 0, 0 },
		{ "big", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
		{ "a:b", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uid_t u = 12345;
		gid_t g = 12345;

		T_ROW("'%s'", rows[i].name);
		T_EQ_INT(passwd_lookup(path, rows[i].name, &u, &g),
		    rows[i].rc);
		if (rows[i].rc == 0) {
			T_EQ_INT((int)u, (int)rows[i].uid);
			T_EQ_INT((int)g, (int)rows[i].gid);
		}
	}
	T_ROW("no such file");
	{
		uid_t u;
		gid_t g;

		T_EQ_INT(passwd_lookup("t/out/no/such/passwd", "root", &u, &g),
		    -ENOENT);
	}
}
