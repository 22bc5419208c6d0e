/*
 * test_ipsecctl_sa.c - ipsecctl-sa's formats (applets/ipsecctl_sa.c):
 * pretty, -d, -j, with and without -k, over the null backend holding the
 * how-to's gw1 (t/harness/kbe_gw1.h).  Its command line: t/sh/ipsecctl_sa.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/ipsecctl_sa.h"
#include "net/kbe.h"
#include "t/harness/kbe_gw1.h"
#include "t/harness/t.h"

/* Runs ipsecctl_sa_show into a string (caller frees). */
static char *
show(struct kbe *k, int fmt, int keys, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = ipsecctl_sa_show(k, f, fmt, keys);
	fclose(f);
	return buf;
}

T_CASE(ipsecctl_sa, pretty)
{
	struct kbe *k = t_kbe_null();
	char *out;
	int rc;

	T_ROW("empty");
	out = show(k, IPSECCTL_SA_PRETTY, 0, &rc);
	T_EQ_INT(rc, 0);
	T_EQ_STR(out, "FLOWS:\nNo flows\n\nSAD:\nNo entries\n");
	free(out);

	T_ROW("gw1");
	t_kbe_gw1(k);
	out = show(k, IPSECCTL_SA_PRETTY, 0, &rc);
	T_EQ_INT(rc, 0);
	T_EQ_STR(out, "FLOWS:\n"
	    "flow esp out from 203.0.113.0/25 to 203.0.113.128/25 "
	    "peer 198.51.100.254 type require\n"
	    "flow esp in from 203.0.113.128/25 to 203.0.113.0/25 "
	    "peer 198.51.100.254 type require\n"
	    "flow esp fwd from 203.0.113.128/25 to 203.0.113.0/25 "
	    "peer 198.51.100.254 type require\n"
	    "\nSAD:\n"
	    "esp tunnel from 192.0.2.254 to 198.51.100.254 spi 0xc1a2b3c4 "
	    "auth hmac-sha1 enc aes-256\n"
	    "esp tunnel from 198.51.100.254 to 192.0.2.254 spi 0xc5d6e7f8 "
	    "auth hmac-sha1 enc aes-256\n");
	free(out);

	T_ROW("-k");
	out = show(k, IPSECCTL_SA_PRETTY, 1, &rc);
	{
		char want[256] = "enc aes-256\n\tauthkey 0x";

		for (int i = 0; i < 20; i++) {
			strcat(want, "a1");
		}
		strcat(want, "\n\tenckey 0x");
		for (int i = 0; i < 32; i++) {
			strcat(want, "e1");
		}
		strcat(want, "\n");
		T_CONTAINS(out, want);
	}
	free(out);
	k->ops->close(k);
}

T_CASE(ipsecctl_sa, dump_and_json)
{
	struct kbe *k = t_kbe_null();
	char *out;
	int rc;

	t_kbe_gw1(k);
	T_ROW("-d hides keys");
	out = show(k, IPSECCTL_SA_DUMP, 0, &rc);
	T_EQ_INT(rc, 0);
	T_CONTAINS(out, "flow\tout\t203.0.113.0/25\t203.0.113.128/25\t0\t"
	    "192.0.2.254\t198.51.100.254\t8193\t0\trequire\t1\n");
	T_CONTAINS(out, "sa\tesp\ttunnel\t192.0.2.254\t198.51.100.254\t"
	    "0xc1a2b3c4\t8193\taes-256\t(hidden)\thmac-sha1\t(hidden)\t32\t0\t"
	    "0\t1\n");
	T_ASSERT(strstr(out, "e1e1") == NULL);
	free(out);
	T_ROW("-d -k");
	out = show(k, IPSECCTL_SA_DUMP, 1, &rc);
	T_CONTAINS(out, "\taes-256\te1e1e1e1");
	T_CONTAINS(out, "\thmac-sha1\ta1a1a1a1");
	free(out);
	T_ROW("-j");
	out = show(k, IPSECCTL_SA_JSON, 0, &rc);
	T_EQ_INT(rc, 0);
	T_CONTAINS(out, "{\"flows\": [\n    {\"dir\": \"out\", \"src\": "
	    "\"203.0.113.0/25\", \"dst\": \"203.0.113.128/25\", \"proto\": 0, "
	    "\"peer\": \"198.51.100.254\", ");
	T_CONTAINS(out, "{\"proto\": \"esp\", \"mode\": \"tunnel\", \"src\": "
	    "\"192.0.2.254\", \"dst\": \"198.51.100.254\", \"spi\": "
	    "\"0xc1a2b3c4\", \"reqid\": 8193, \"enc\": \"aes-256\", \"auth\": "
	    "\"hmac-sha1\", \"replay\": 32, \"bytes\": 0, \"packets\": 0, "
	    "\"own\": true}");
	T_ASSERT(strstr(out, "enckey") == NULL);
	free(out);
	T_ROW("-j -k");
	out = show(k, IPSECCTL_SA_JSON, 1, &rc);
	T_CONTAINS(out, "\"enckey\": \"e1e1e1e1");
	free(out);
	k->ops->close(k);
}
