/*
 * test_ike_reload.c - the engine's side of a hitless reload, without a peer:
 * ike_set_config() with several VPNs, one removed, one added, one changed,
 * one unchanged.  The unchanged VPN's IKE SA (half-open here, towards a
 * peer that never answers) is the same one afterwards: same SPI; the
 * changed one's is replaced; the removed one's is gone.  (A reload of two
 * or more VPNs once crashed on the table being rebuilt.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cfg/cfg.h"
#include "core/ike/ike.h"
#include "core/ike/kern.h"
#include "t/harness/t.h"

static int
k_spi(void *ctx, const struct kern_sa *sa, uint32_t *spi)
{
	static uint32_t next = 0x1000;

	*spi = next++;
	return 0;
}

static int
k_sa(void *ctx, const struct kern_sa *sa)
{
	return 0;
}

static int
k_pol(void *ctx, const struct kern_policy *p)
{
	return 0;
}

static void
no_send(void *ctx, const struct ike_addr *l, const struct ike_addr *p,
    const uint8_t *b, size_t n)
{
}

/* "name:ispi-hex;" per IKE SA into a buffer. */
struct seen {
	char s[512];
};

static void
seen_cb(void *arg, const struct ike_sa_info *in)
{
	struct seen *w = arg;
	size_t n = strlen(w->s);

	snprintf(w->s + n, sizeof(w->s) - n, "%s:", in->vpn);
	for (int i = 0; i < 8; i++) {
		n = strlen(w->s);
		snprintf(w->s + n, sizeof(w->s) - n, "%02x", in->ispi[i]);
	}
	n = strlen(w->s);
	snprintf(w->s + n, sizeof(w->s) - n, ";");
}

/* The SPI listed for vpn in w ("" when none). */
static const char *
spi_of(const struct seen *w, const char *vpn, char *out)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "%s:", vpn);
	out[0] = '\0';
	for (p = w->s; (p = strstr(p, key)) != NULL; p++) {
		if (p == w->s || p[-1] == ';') {
			snprintf(out, 17, "%s", p + strlen(key));
			break;
		}
	}
	return out;
}

static void
vpn_file(const char *dir, const char *name, int k, const char *lifetime)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	f = fopen(path, "w");
	if (f == NULL) {
		return;
	}
	fprintf(f, "[vpn]\nname = %s\nmode = active\nlocal = 127.0.0.1\n"
	    "peer = 127.0.0.%d\npsk = x\nlifetime = %s\n[flows]\n"
	    "flow = 10.%d.1.0/24 10.%d.2.0/24\n", name, 10 + k, lifetime, k,
	    k);
	fclose(f);
	chmod(path, 0600);
}

static struct cfg *
load(const char *conf)
{
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;
	int rc = cfg_load(conf, &cfg, &diag);

	if (rc != 0) {
		cfg_diag_print(stderr, &diag);
	}
	cfg_diag_free(&diag);
	return rc == 0 ? cfg : NULL;
}

T_CASE(ike_reload, reload_several_vpns)
{
	struct ike_env env = {
		.send = no_send,
		.spi_alloc = k_spi,
		.sa_add = k_sa,
		.sa_del = k_sa,
		.policy_add = k_pol,
		.policy_del = k_pol,
	};
	struct seen before = { "" }, after = { "" };
	char dir[128], conf[200], a[17], b[17];
	struct ike_engine *eng;
	struct cfg *cfg;
	FILE *f;

	snprintf(dir, sizeof(dir), "t/out/reload-vpn.d");
	mkdir("t/out", 0755);
	mkdir(dir, 0700);
	snprintf(conf, sizeof(conf), "t/out/reload.conf");
	f = fopen(conf, "w");
	T_ASSERT(f != NULL);
	if (f == NULL) {
		return;
	}
	fprintf(f, "[global]\ninclude = reload-vpn.d/*.conf\nbackend = null\n"
	    "socket = /tmp/unused.sock\n");
	fclose(f);
	for (const char *n = "abcd"; *n; n++) {
		char p[256];

		snprintf(p, sizeof(p), "%s/%c.conf", dir, *n);
		remove(p);
	}
	vpn_file(dir, "a", 1, "3600");	/* unchanged */
	vpn_file(dir, "b", 2, "3600");	/* removed */
	vpn_file(dir, "c", 3, "3600");	/* changed */

	T_ROW("three active VPNs: three IKE SAs");
	eng = ike_new(&env, 1000);
	cfg = load(conf);
	T_ASSERT(eng != NULL && cfg != NULL);
	if (eng == NULL || cfg == NULL) {
		ike_free(eng);
		cfg_free(cfg);
		return;
	}
	T_EQ_INT(ike_set_config(eng, cfg, 1000), 0);
	ike_foreach_sa(eng, seen_cb, &before);
	T_ASSERT(spi_of(&before, "a", a)[0] && spi_of(&before, "b", b)[0]);
	T_ASSERT(spi_of(&before, "c", a)[0]);

	T_ROW("reload: a unchanged, b removed, c changed, d added");
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/b.conf", dir);
		remove(p);
	}
	vpn_file(dir, "c", 3, "1800");
	vpn_file(dir, "d", 4, "3600");
	cfg = load(conf);
	T_ASSERT(cfg != NULL);
	if (cfg == NULL) {
		ike_free(eng);
		return;
	}
	T_EQ_INT(ike_set_config(eng, cfg, 1100), 0);
	ike_foreach_sa(eng, seen_cb, &after);
	T_EQ_STR(spi_of(&after, "a", a), spi_of(&before, "a", b));
	T_EQ_STR(spi_of(&after, "b", a), "");
	T_ASSERT(spi_of(&after, "c", a)[0] != '\0');
	T_ASSERT(strcmp(spi_of(&after, "c", a), spi_of(&before, "c", b)) != 0);
	T_ASSERT(spi_of(&after, "d", a)[0] != '\0');

	T_ROW("the same file again: every SPI kept");
	{
		struct seen again = { "" };

		cfg = load(conf);
		T_EQ_INT(cfg != NULL ? ike_set_config(eng, cfg, 1200) : -1, 0);
		ike_foreach_sa(eng, seen_cb, &again);
		T_EQ_STR(again.s, after.s);
	}
	ike_free(eng);
}
