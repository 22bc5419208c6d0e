/*
 * test_cfg_iked.c - the iked.conf importer: what it carries over (read
 * back through cfg_load, as cfgcheck does), and every kind of input it
 * refuses, with the iked file:line the user sees.  The how-to's own three
 * files are imported by t/sh/cfgcheck.sh (round trip against configs/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cfg/cfg.h"
#include "t/harness/t.h"

#define OUT "t/out/iked"

/* Writes t/out/iked/in/NAME; returns its path (static). */
static const char *
put(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	mkdir("t/out", 0755);
	mkdir(OUT, 0755);
	mkdir(OUT "/in", 0755);
	snprintf(path, sizeof(path), OUT "/in/%s", name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

static void
clean_out(void)
{
	if (system("rm -rf " OUT "/dir") != 0) {
		abort();
	}
}

static int
has(const struct cfg_diag *d, const char *where, const char *what)
{
	for (size_t i = 0; i < d->n; i++) {
		if (strstr(d->msgs[i].text, where) &&
		    strstr(d->msgs[i].text, what)) {
			return 1;
		}
	}
	return 0;
}

static void
dump(const struct cfg_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		printf("#   %s\n", d->msgs[i].text);
	}
}

#define POLICY "ikev2 t active esp from 10.1.0.0/16 to 10.2.0.0/16 " \
	"local 192.0.2.1 peer 192.0.2.2 psk \"k\""

T_CASE(cfg_iked, refused)
{
	static const struct {
		const char *name;
		const char *text;
		int line;
		const char *what;
	} rows[] = {
		{ "proto", "\nikev2 t esp proto tcp from 10.1.0.0/16 to "
		    "10.2.0.0/16 peer 192.0.2.2 psk \"k\"\n", 2,
		    "unsupported iked keyword in policy 't'; the rest of the "
		    "policy is not read ('proto')" },
		{ "ah", "ikev2 t ah from 10.1.0.0/16 to 10.2.0.0/16\n", 1,
		    "unsupported iked keyword in policy 't'; the rest of the "
		    "policy is not read ('ah')" },
		{ "certificates", POLICY " rsa\n", 1, "('rsa')" },
		{ "tag", POLICY " tag \"x\"\n", 1, "('tag')" },
		{ "esn", "ikev2 t from 10.1.0.0/16 to 10.2.0.0/16 childsa esn "
		    "peer 192.0.2.2\n", 1, "('esn')" },
		{ "port", "ikev2 t from 10.1.0.0/16 port 22 to 10.2.0.0/16\n",
		    1, "flows are whole prefixes, without ports ('port')" },
		{ "negation in a list", "ikev2 t from { 10.1.0.0/16, "
		    "!10.3.0.0/16 } to 10.2.0.0/16\n", 1,
		    "unsupported address spec (tables, negation and nested "
		    "lists are not imported) ('!')" },
		{ "list without its brace", "ikev2 t from 10.1.0.0/16 to \\\n"
		    " { 10.2.0.0/16 10.3.0.0/16 peer 192.0.2.2\n", 1,
		    "'to' list: '{' without '}' ('peer')" },
		{ "empty list", "ikev2 t from { } to 10.2.0.0/16\n", 1,
		    "'from' list: empty ('}')" },
		{ "comma before the brace", "ikev2 t from 10.1.0.0/16 to \\\n"
		    "  { 10.2.0.0/16, }\n", 2,
		    "'to' list: a ',' before the closing brace ('}')" },
		{ "bad prefix in a list", "\nikev2 t from { 10.1.0.0/16 "
		    "10.3.0.1/16 } to 10.2.0.0/16\n", 2,
		    "host bits set past the prefix length ('10.3.0.1/16')" },
		{ "lists past the flow maximum", "ikev2 t \\\n"
		    "  from 10.9.0.0/16 to 10.8.0.0/16 \\\n"
		    "  from { 10.1.0.0/24 10.1.1.0/24 10.1.2.0/24 10.1.3.0/24 "
		    "10.1.4.0/24 10.1.5.0/24 } \\\n"
		    "  to { 10.2.0.0/24, 10.2.1.0/24, 10.2.2.0/24, 10.2.3.0/24, "
		    "10.2.4.0/24, 10.2.5.0/24 }\n", 3,
		    "policy 't' would have 37 flows, more than 32 (one CHILD SA "
		    "each): split it into several policies ('37')" },
		{ "no pair of one family", "ikev2 t from 2001:db8::/32 to "
		    "{ 10.2.0.0/16 10.3.0.0/16 }\n", 1, "'from' and 'to' have "
		    "no pair of one address family ('2001:db8::/32', "
		    "'10.2.0.0/16')" },
		{ "peer not a host name", "ikev2 t from 10.1.0.0/16 to "
		    "10.2.0.0/16 peer gw_2.example.com\n", 1,
		    "peer: expected an address, 'any' or a host name "
		    "('gw_2.example.com')" },
		{ "peer a mistyped address", "ikev2 t from 10.1.0.0/16 to "
		    "10.2.0.0/16 peer 192.0.2.300\n", 1,
		    "peer: expected an address, 'any' or a host name "
		    "('192.0.2.300')" },
		{ "local a host name", "ikev2 t from 10.1.0.0/16 to "
		    "10.2.0.0/16 local gw1.example.com\n", 1,
		    "local: expected an address, 'any' or 'egress'; host names, "
		    "interfaces and prefixes are not imported "
		    "('gw1.example.com')" },
		{ "DN identity", "ikev2 t from 10.1.0.0/16 to 10.2.0.0/16 "
		    "dstid \"/C=FR/CN=gw2\"\n", 1, "dstid: ASN.1 DN identities" },
		{ "set decouple", "set decouple\n" POLICY "\n", 1,
		    "unsupported iked option ('set decouple')" },
		{ "set mobike", "\n\nset mobike\n" POLICY "\n", 3,
		    "unsupported iked option ('set mobike')" },
		{ "undefined macro", "# comment\nikev2 t from $lan to "
		    "10.2.0.0/16\n", 2, "undefined macro ('$lan')" },
		{ "a macro's value is not expanded again", "gw = \"192.0.2.1\"\n"
		    "word = \"$gw\"\nikev2 t from 10.1.0.0/16 to 10.2.0.0/16 "
		    "peer $word\n", 3, "peer: expected an address, 'any' or a "
		    "host name ('$gw')" },
		{ "keyword twice", POLICY " \\\n peer 192.0.2.3\n", 2,
		    "'peer' given twice in one policy" },
		{ "other statement", "ikev1 t from 10.1.0.0/16 to "
		    "10.2.0.0/16\n", 1, "unsupported iked statement ('ikev1')" },
		{ "no flow", "ikev2 t peer 192.0.2.2\n", 1,
		    "policy 't' has no 'from ... to ...'" },
		{ "from without to", "ikev2 t from 10.1.0.0/16 peer "
		    "192.0.2.2\n", 1, "'from' without 'to'" },
		{ "bad prefix", "ikev2 t from 10.1.0.1/16 to 10.2.0.0/16\n", 1,
		    "host bits set past the prefix length ('10.1.0.1/16')" },
		{ "duplicate names", POLICY "\n" POLICY "\n", 2,
		    "duplicate policy name" },
		{ "unterminated quote", "x = \"abc\n" POLICY "\n", 1,
		    "unterminated quoted string" },
		{ "line of a continued policy", "ikev2 t \\\n"
		    "  from 10.1.0.0/16 to 10.2.0.0/16 \\\n  iface vio0\n", 3,
		    "('iface')" },
		{ "missing include", "include \"nosuch.conf\"\n", 1,
		    "cannot read: No such file or directory" },
		{ "include loop", "include \"t.conf\"\n", 1,
		    "include loop ('t/out/iked/in/./t.conf')" },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct cfg_diag d = { 0 };
		char where[64];
		struct stat st;
		const char *in;

		T_ROW("%s", rows[r].name);
		clean_out();
		in = put("t.conf", rows[r].text);
		/* The loop row includes itself through "./". */
		if (strstr(rows[r].name, "loop") != NULL) {
			in = put("t.conf", "include \"./t.conf\"\n");
		}
		T_EQ_INT(cfg_iked_import(in, OUT "/dir", &d), -EINVAL);
		snprintf(where, sizeof(where), "in/t.conf:%d: ", rows[r].line);
		if (!has(&d, where, rows[r].what)) {
			T_ASSERT(!"message found");
			printf("#   want %s%s\n", where, rows[r].what);
			dump(&d);
		}
		/* Nothing is written when something was refused. */
		T_ASSERT(stat(OUT "/dir", &st) != 0);
		cfg_diag_free(&d);
	}
}

T_CASE(cfg_iked, carried_over)
{
	const char *text =
	    "# two policies, macros, includes, continuations\n"
	    "gw = \"192.0.2.1\"\n"

	    "set dpd_check_interval 0\n"
	    "set couple\n"
	    "set nofragmentation\n"
	    "include \"more.conf\"\n"
	    "ikev2 from 10.1.0.0/16 to 10.2.0.0/16 , \\\n"
	    "    from 10.1.0.0/16 to 10.3.0.0/16 \\\n"
	    "    local $gw peer any psk \"not $gw ;x, long enough\"\n";
	const char *more =
	    "ikev2 \"b\" active esp inet from 10.9.0.0/16 to any \\\n"
	    "  local 192.0.2.1 peer 192.0.2.9 \\\n"
	    "  ikesa enc aes-128-gcm enc aes-256-gcm prf hmac-sha2-256 "
	    "group curve25519 \\\n"
	    "  childsa enc aes-256 auth hmac-sha2-512 noesn \\\n"
	    "  srcid gw1@example.com dstid gw2.example.com \\\n"
	    "  lifetime 2h bytes 512M psk 0x00ff00112233445566778899aabbccdd"
	    " tap enc2\n";
	struct cfg_diag d = { 0 };
	struct cfg *cfg = NULL;
	const struct cfg_vpn *p, *b;
	struct stat st;

	clean_out();
	put("more.conf", more);
	T_EQ_INT(cfg_iked_import(put("t.conf", text), OUT "/dir", &d), 0);
	dump(&d);
	T_EQ_INT(cfg_load(OUT "/dir/ikd.conf", &cfg, &d), 0);
	dump(&d);
	if (cfg == NULL) {
		cfg_diag_free(&d);
		return;
	}
	/* the psk files are mode 600: the one warning is tap's */
	T_EQ_INT(d.n, 1);
	T_CONTAINS(d.n ? d.msgs[0].text : "", "b.conf:14: warning: tap needs "
	    "backend xfrm (interface IDs or marks), not pfkey (chosen by "
	    "auto): ignored ('enc2')");
	T_EQ_INT(stat(OUT "/dir/vpn.d/b.conf", &st), 0);
	T_EQ_INT(st.st_mode & 0777, 0600);
	T_EQ_INT(cfg->dpd_check_interval, 0);
	T_EQ_INT(cfg->fragment_size, 0);	/* set nofragmentation */
	/* backend = auto written; the runner's auto resolves to pfkey */
	T_EQ_INT(cfg->backend_auto, 1);
	T_EQ_INT(cfg->backend, CFG_BACKEND_PFKEY);
	T_EQ_INT(cfg->n_vpns, 2);
	p = cfg_vpn_find(cfg, "policy1");
	b = cfg_vpn_find(cfg, "b");
	T_ASSERT(p != NULL && b != NULL);
	if (p == NULL || b == NULL) {
		goto out;
	}
	/* iked's per-policy default is passive; its IKE SA never rekeys. */
	T_EQ_INT(p->mode, CFG_MODE_PASSIVE);
	T_EQ_INT(p->ikelifetime, 0);
	T_EQ_INT(p->n_flows, 2);
	T_EQ_INT(p->flows[1].remote.addr[1], 3);
	T_EQ_INT(p->peer.ss_family, AF_UNSPEC);
	/* Not expanded inside quotes, and " ;" survives the INI. */
	T_EQ_INT(p->psk_len, strlen("not $gw ;x, long enough"));
	T_EQ_MEM(p->psk, "not $gw ;x, long enough", p->psk_len);
	T_EQ_INT(b->mode, CFG_MODE_ACTIVE);
	T_EQ_INT(b->flows[0].remote.plen, 0);	/* iked's "any" */
	T_EQ_INT(b->ikesa.n_enc, 2);
	T_EQ_INT(b->ikesa.n_integ, 0);
	T_EQ_STR(b->ikesa.dh[0]->name, "curve25519");
	T_EQ_STR(b->childsa.integ[0]->name, "hmac-sha2-512");
	T_EQ_INT(b->srcid.type, CFG_ID_RFC822_ADDR);
	T_EQ_INT(b->dstid.type, CFG_ID_FQDN);
	T_EQ_INT(b->lifetime, 7200);
	T_EQ_INT(b->lifetime_bytes, 512ULL << 20);
	T_EQ_INT(b->psk_len, 16);
	T_EQ_STR(b->tap, "enc2");
out:
	cfg_diag_free(&d);
	cfg_free(cfg);
}

/* The whole text of a written file (static), or "" when unreadable. */
static const char *
written(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/*
 * The idioms of a branch behind a dynamic address: `local egress`, a peer
 * by name, address lists in braces, `set fragmentation`.  Checked on the
 * written text: the loader's side of `local = any` without srcid and of
 * `peer = NAME` belongs to the daemon's DNS work.
 */
T_CASE(cfg_iked, branch_idioms)
{
	const char *text =
	    "# a branch office\n"
	    "set fragmentation\n"
	    "lan = \"10.0.0.0/24\"\n"
	    "ikev2 \"branch\" active esp \\\n"
	    "  from { $lan, 10.1.0.0/24 } to { 192.168.1.0/24 "
	    "192.168.2.0/24 } \\\n"
	    "  from 10.9.0.0/16 to { 2001:db8::/32, 172.16.0.0/12 } \\\n"
	    "  local egress peer vpn.example.org \\\n"
	    "  psk \"a branch key, long enough\"\n"
	    "set nofragmentation\n";
	const char *want =
	    "; imported from " OUT "/in/t.conf:4 by cfgcheck --import-iked\n"
	    "[vpn]\n"
	    "name = branch\n"
	    "mode = active\n"
	    "protocol = esp\n"
	    "local = any\n"
	    "peer = vpn.example.org\n"
	    "psk = a branch key, long enough\n"
	    "ikelifetime = 0                 ; iked's default: the IKE SA is "
	    "never rekeyed\n"
	    "\n"
	    "[flows]\n"
	    "flow = 10.0.0.0/24 192.168.1.0/24\n"
	    "flow = 10.0.0.0/24 192.168.2.0/24\n"
	    "flow = 10.1.0.0/24 192.168.1.0/24\n"
	    "flow = 10.1.0.0/24 192.168.2.0/24\n"
	    "flow = 10.9.0.0/16 172.16.0.0/12\n";
	struct cfg_diag d = { 0 };

	clean_out();
	T_EQ_INT(cfg_iked_import(put("t.conf", text), OUT "/dir", &d), 0);
	T_EQ_STR(written(OUT "/dir/vpn.d/branch.conf"), want);
	/* No srcid is written: iked's default (the host name) has no
	 * ikebox counterpart; with local = any, ikd's own default ID is
	 * left to apply. */
	T_ASSERT(strstr(written(OUT "/dir/vpn.d/branch.conf"), "srcid") ==
	    NULL);
	/* set fragmentation, then set nofragmentation: the last one holds
	 * (fragment_size in ikd.conf), nothing refused or warned */
	T_EQ_INT(d.n_errors, 0);
	T_EQ_INT(d.n_warnings, 0);
	T_CONTAINS(written(OUT "/dir/ikd.conf"), "fragment_size = 0");
	dump(&d);
	cfg_diag_free(&d);
	/* ... and ikd takes it: the peer by name, the ID its address */
	{
		struct cfg *cfg = NULL;
		const struct cfg_vpn *v;

		memset(&d, 0, sizeof(d));
		T_EQ_INT(cfg_load(OUT "/dir/ikd.conf", &cfg, &d), 0);
		dump(&d);
		v = cfg != NULL ? cfg_vpn_find(cfg, "branch") : NULL;
		T_ASSERT(v != NULL);
		if (v != NULL) {
			T_EQ_STR(v->peer_host, "vpn.example.org");
			T_EQ_INT(v->local.ss_family, AF_UNSPEC);
			T_EQ_INT(v->srcid.type, CFG_ID_NONE);
			T_EQ_INT(v->family, AF_INET);
			T_EQ_INT(v->n_flows, 5);
		}
		cfg_diag_free(&d);
		cfg_free(cfg);
	}
}

/* Flows from lists load as the loader reads them, in list order, up to
 * the VPN's maximum. */
T_CASE(cfg_iked, lists_loaded)
{
	char text[2048];
	struct cfg_diag d = { 0 };
	struct cfg *cfg = NULL;
	const struct cfg_vpn *v;
	size_t n;

	/* 4 x 8 = 32 flows: exactly the maximum. */
	n = (size_t)snprintf(text, sizeof(text), "ikev2 full active "
	    "from { 10.1.0.0/24 10.1.1.0/24, 10.1.2.0/24 10.1.3.0/24 } to {");
	for (int i = 0; i < 8; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    " 10.2.%d.0/24%s", i, i < 7 ? "," : "");
	}
	snprintf(text + n, sizeof(text) - n, " } local 192.0.2.1 peer "
	    "192.0.2.2 psk \"sixteen bytes at least\"\n");
	clean_out();
	T_EQ_INT(cfg_iked_import(put("t.conf", text), OUT "/dir", &d), 0);
	T_EQ_INT(cfg_load(OUT "/dir/ikd.conf", &cfg, &d), 0);
	dump(&d);
	v = cfg != NULL ? cfg_vpn_find(cfg, "full") : NULL;
	T_ASSERT(v != NULL);
	if (v != NULL) {
		T_EQ_INT(v->n_flows, CFG_FLOWS_MAX);
		/* from-major order: 10.1.0.0 with each 10.2.x, then ... */
		T_EQ_INT(v->flows[0].local.addr[2], 0);
		T_EQ_INT(v->flows[0].remote.addr[2], 0);
		T_EQ_INT(v->flows[7].remote.addr[2], 7);
		T_EQ_INT(v->flows[8].local.addr[2], 1);
		T_EQ_INT(v->flows[31].local.addr[2], 3);
		T_EQ_INT(v->flows[31].remote.addr[2], 7);
	}
	cfg_diag_free(&d);
	cfg_free(cfg);
}
