/*
 * test_cfg_uci.c - core/cfg/cfg_uci.c: OpenWrt's /etc/config/ikebox into
 * the INI files, against golden output; every error with its UCI
 * file:line, and nothing written then.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cfg/cfg.h"
#include "t/harness/t.h"

#define OUT "t/out/uci"

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static const char uci_good[] =
    "# /etc/config/ikebox\n"
    "config global 'global'\n"
    "\toption dpd_check_interval '60'\n"
    "\toption backend null\n"
    "\n"
    "config vpn 'branch'\n"
    "\toption mode 'active'\n"
    "\toption local '192.0.2.254'\n"
    "\toption peer \"198.51.100.254\"\n"
    "\toption psk 'a key with spaces and # inside'\n"
    "\tlist flow '203.0.113.0/25 203.0.113.128/25'\n"
    "\tlist flow '203.0.113.0/25 10.9.0.0/16'\n"
    "\tlist ikesa_enc 'aes-256'\n"
    "\tlist ikesa_enc aes-128   # a comment\n"
    "\toption ikesa_group 'modp4096'\n"
    "\toption childsa_enc 'aes-256'\n"
    "\toption childsa_auth 'hmac-sha1'\n"
    "\toption lifetime '3600'\n"
    "\n"
    "config vpn 'off'\n"
    "\toption enabled '0'\n"
    "\toption local '192.0.2.254'\n";

T_CASE(cfg_uci, imports_as_golden_and_loads)
{
	struct cfg_diag d = { 0 };
	struct cfg *cfg = NULL;
	const char *in = t_tmpfile("uci-good", uci_good);
	struct stat st;
	char *s;

	T_EQ_INT(system("rm -rf " OUT), 0);
	T_EQ_INT(cfg_uci_import(in, OUT, &d), 0);
	T_EQ_INT((int)d.n, 0);
	T_ROW("ikd.conf");
	s = slurp(OUT "/ikd.conf");
	T_ASSERT(s != NULL);
	if (s != NULL) {
		T_CONTAINS(s, "[global]\ninclude = vpn.d/*.conf\n"
		    "dpd_check_interval = 60\nbackend = null\n");
	}
	T_ROW("vpn.d/branch.conf, mode 600");
	s = slurp(OUT "/vpn.d/branch.conf");
	T_ASSERT(s != NULL);
	if (s != NULL) {
		T_CONTAINS(s, "[vpn]\nname = branch\nmode = active\n"
		    "local = 192.0.2.254\npeer = 198.51.100.254\n"
		    "psk = a key with spaces and # inside\nlifetime = 3600\n"
		    "[flows]\nflow = 203.0.113.0/25 203.0.113.128/25\n"
		    "flow = 203.0.113.0/25 10.9.0.0/16\n"
		    "[ikesa]\nenc = aes-256 aes-128\ngroup = modp4096\n"
		    "[childsa]\nenc = aes-256\nauth = hmac-sha1\n");
	}
	T_EQ_INT(stat(OUT "/vpn.d/branch.conf", &st), 0);
	T_EQ_INT(st.st_mode & 0777, 0600);
	T_ROW("a disabled vpn is left out");
	T_EQ_INT(stat(OUT "/vpn.d/off.conf", &st), -1);
	T_ROW("the result loads, the key whole");
	T_EQ_INT(cfg_load(OUT "/ikd.conf", &cfg, &d), 0);
	if (cfg != NULL) {
		T_EQ_INT((int)cfg->n_vpns, 1);
		T_EQ_INT((int)cfg->vpns[0].n_flows, 2);
		T_EQ_INT((int)cfg->vpns[0].psk_len,
		    (int)strlen("a key with spaces and # inside"));
	}
	cfg_free(cfg);
	cfg_diag_free(&d);
}

T_CASE(cfg_uci, errors_name_the_line_and_write_nothing)
{
	static const struct {
		const char *name, *text, *where, *what;
	} rows[] = {
		{ "unknown option", "config vpn 'a'\n\toption lifetme '1h'\n",
		  ":2: ", "unknown option of a vpn section ('lifetme')" },
		{ "unclosed quote", "config vpn 'a'\n\toption psk 'abc\n",
		  ":2: ", "unclosed quote" },
		{ "option first", "\toption mode active\n", ":1: ",
		  "option before any config section" },
		{ "unknown section", "config interface 'wan'\n", ":1: ",
		  "unknown section type: expected config global or config "
		  "vpn ('interface')" },
		{ "vpn without a name", "config vpn\n", ":1: ",
		  "a vpn section needs a name" },
		{ "two vpns, one name", "config vpn 'a'\nconfig vpn 'a'\n",
		  ":2: ", "a second vpn section named 'a'" },
		{ "enabled 2", "config vpn 'a'\n\toption enabled '2'\n",
		  ":2: ", "enabled: expected 0 or 1 ('2')" },
		{ "three values", "config vpn 'a'\n\toption mode a b\n",
		  ":2: ", "more than a key and a value" },
		{ "global key in a vpn", "config vpn 'a'\n\toption backend "
		  "null\n", ":2: ", "unknown option of a vpn section "
		  "('backend')" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cfg_diag d = { 0 };
		const char *in = t_tmpfile("uci-bad", rows[i].text);
		struct stat st;
		int found = 0;

		T_ROW("%s", rows[i].name);
		T_EQ_INT(system("rm -rf " OUT), 0);
		T_EQ_INT(cfg_uci_import(in, OUT, &d), -EINVAL);
		for (size_t k = 0; k < d.n; k++) {
			found |= strstr(d.msgs[k].text, rows[i].where) &&
			    strstr(d.msgs[k].text, rows[i].what);
		}
		T_ASSERT(found);
		if (!found) {
			for (size_t k = 0; k < d.n; k++) {
				printf("#   %s\n", d.msgs[k].text);
			}
		}
		T_EQ_INT(stat(OUT, &st), -1);
		cfg_diag_free(&d);
	}
}
