/*
 * test_cfg_reload.c - cfg_reload(): a reload that does not read again the
 * VPN files that did not change gives what a full cfg_load() gives, after
 * every kind of change a user makes: a file edited (also to the same size
 * with its mtime put back, as `cp -p` or an editor may), removed, added, a
 * psk_file edited, a symbolic link pointed elsewhere, the [global] file
 * changing what every VPN reads (updown, backend), a file with an error
 * (refused, named by file:line) and one with a warning (printed again).
 * Each row compares the reload with a fresh load of the same files, VPN by
 * VPN as the printer shows them and as cfg_vpn_equal() sees them (the
 * keys too), and checks how many VPNs were taken over: a cache that is
 * never used, or used when it must not be, shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cfg/cfg.h"
#include "t/harness/t.h"

#define DIR "t/out/cfg-reload"

static void
put(const char *name, const char *fmt, const char *a, const char *b)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), DIR "/%s", name);
	f = fopen(path, "w");
	if (f == NULL) {
		t_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fprintf(f, fmt, a, b);
	fclose(f);
	chmod(path, 0600);
}

/* VPN file vpn.d/NAME.conf; key: "psk = ..." or "psk_file = ...". */
static void
vpn(const char *name, int k, const char *key, const char *lifetime)
{
	char file[64], body[512];

	snprintf(file, sizeof(file), "vpn.d/%s.conf", name);
	snprintf(body, sizeof(body), "[vpn]\nname = %s\nmode = passive\n"
	    "local = 192.0.2.1\npeer = 192.0.2.%d\n%%s\nlifetime = %%s\n"
	    "[flows]\nflow = 10.%d.1.0/24 10.%d.2.0/24\n", name, 10 + k, k, k);
	put(file, body, key, lifetime);
}

static void
global(const char *extra)
{
	put("g.conf", "[global]\ninclude = vpn.d/*.conf\nsocket = "
	    "/tmp/unused.sock\n%s%s", extra, "");
}

static void
rm(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), DIR "/%s", name);
	unlink(path);
}

/* Lets the file system's clock tick: two writes of one file in the same
 * tick may leave the same ctime (what CFG_RACY_MS guards against, which
 * `later` puts out of the way here so that files just written are taken
 * over). */
static void
tick(void)
{
	struct timespec ts = { 0, 20 * 1000000L };

	nanosleep(&ts, NULL);
}

static char *
printed(const struct cfg_vpn *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f != NULL) {
		cfg_vpn_print(f, v);
		fprintf(f, "file %s:%d updown %s\n", v->file, v->line,
		    v->updown ? v->updown : "-");
		fclose(f);
	}
	return buf;
}

/* got (a cfg_reload()) is what cfg_load() makes of the same files. */
static void
same_as_load(const struct cfg *got)
{
	struct cfg_diag diag = { 0 };
	struct cfg *want = NULL;

	T_EQ_INT(cfg_load(DIR "/g.conf", &want, &diag), 0);
	cfg_diag_free(&diag);
	T_ASSERT(got != NULL && want != NULL);
	if (got == NULL || want == NULL) {
		cfg_free(want);
		return;
	}
	T_EQ_INT(got->n_vpns, want->n_vpns);
	T_EQ_INT(got->dpd_check_interval, want->dpd_check_interval);
	T_EQ_INT(got->backend, want->backend);
	for (size_t i = 0; i < got->n_vpns && i < want->n_vpns; i++) {
		char *a = printed(&got->vpns[i]), *b = printed(&want->vpns[i]);

		T_EQ_STR(a, b);
		T_ASSERT(cfg_vpn_equal(&got->vpns[i], &want->vpns[i]));
		T_EQ_STR(got->vpns[i].psk_file, want->vpns[i].psk_file);
		T_ASSERT(cfg_vpn_find(got, want->vpns[i].name) ==
		    &got->vpns[i]);
		free(a);
		free(b);
	}
	cfg_free(want);
}

/* What cfg_reload() is told the time is: now, or (later > 0) that many
 * seconds later, past CFG_RACY_MS after files just written, as a reload
 * that comes after a while: then they may be taken over. */
static int later;

static int64_t
clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec + later) * 1000000000 + ts.tv_nsec;
}

/* cfg_reload() of DIR/g.conf over *prev: *prev becomes the result (the old
 * one freed) when it loads; returns cfg_reload()'s code, the messages in
 * msgs (one a line). */
static int
reload(struct cfg **prev, char *msgs, size_t cap)
{
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;
	int rc = cfg_reload(DIR "/g.conf", *prev, clock_ns(), &cfg, &diag);

	msgs[0] = '\0';
	for (size_t i = 0; i < diag.n; i++) {
		size_t n = strlen(msgs);

		snprintf(msgs + n, cap - n, "%s\n", diag.msgs[i].text);
	}
	cfg_diag_free(&diag);
	if (rc == 0) {
		same_as_load(cfg);
		cfg_free(*prev);
		*prev = cfg;
	}
	return rc;
}

static const struct cfg_vpn *
find(const struct cfg *cfg, const char *name)
{
	return cfg ? cfg_vpn_find(cfg, name) : NULL;
}

T_CASE(cfg_reload, unchanged_files_taken_over)
{
	static const char *old[] = { "vpn.d/a.conf", "vpn.d/b.conf",
	    "vpn.d/c.conf", "vpn.d/d.conf", "vpn.d/e.conf", "vpn.d/w.conf",
	    "keys/c.key", "e1.conf", "e2.conf", "g.conf" };
	struct cfg *cfg = NULL;
	char msgs[2048];
	const struct cfg_vpn *v;
	struct stat st;

	mkdir("t/out", 0755);
	mkdir(DIR, 0700);
	mkdir(DIR "/vpn.d", 0700);
	mkdir(DIR "/keys", 0700);
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		rm(old[i]);
	}
	cfg_set_auto_backend(CFG_BACKEND_PFKEY);
	global("backend = null\n");
	vpn("a", 1, "psk = key-of-a-long-enough", "3600");
	vpn("b", 2, "psk = key-of-b-long-enough", "3600");
	put("keys/c.key", "%s%s\n", "key-of-c-long-enough", "");
	vpn("c", 3, "psk_file = ../keys/c.key", "3600");

	T_ROW("files just written: read again (racy window)");
	later = 0;
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_EQ_INT(cfg ? cfg->n_reused : 99, 0);
	later = 10;

	T_ROW("unchanged: every VPN taken over, as a full load");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_EQ_INT(cfg ? cfg->n_reused : 0, 3);
	T_EQ_STR(msgs, "");

	T_ROW("one file changed, same size, its mtime put back");
	T_ASSERT(stat(DIR "/vpn.d/a.conf", &st) == 0);
	tick();
	vpn("a", 1, "psk = key-of-a-long-enough", "1800");
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		T_ASSERT(utimensat(AT_FDCWD, DIR "/vpn.d/a.conf", ts, 0) == 0);
	}
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_EQ_INT(cfg ? cfg->n_reused : 0, 2);
	v = find(cfg, "a");
	T_EQ_INT(v ? v->lifetime : 0, 1800);

	T_ROW("one removed, one added");
	rm("vpn.d/b.conf");
	vpn("d", 4, "psk = key-of-d-long-enough", "3600");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_ASSERT(find(cfg, "b") == NULL);
	T_ASSERT(find(cfg, "d") != NULL);
	T_EQ_INT(cfg ? cfg->n_vpns : 0, 3);
	T_EQ_INT(cfg ? cfg->n_reused : 0, 2);

	T_ROW("a psk_file changed, its VPN file not");
	tick();
	put("keys/c.key", "%s%s\n", "new-key-of-c-long-enough", "");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	v = find(cfg, "c");
	T_ASSERT(v != NULL && v->psk_len == strlen("new-key-of-c-long-enough")
	    && memcmp(v->psk, "new-key-of-c-long-enough", v->psk_len) == 0);
	T_EQ_INT(cfg ? cfg->n_reused : 0, 2);

	T_ROW("a symbolic link pointed at another file");
	put("e1.conf", "[vpn]\nname = e\nlocal = 192.0.2.1\npeer = "
	    "192.0.2.50\npsk = %s\n[flows]\nflow = %s\n", "key-of-e-long-"
	    "enough", "10.50.1.0/24 10.50.2.0/24");
	put("e2.conf", "[vpn]\nname = e\nlocal = 192.0.2.1\npeer = "
	    "192.0.2.51\npsk = %s\n[flows]\nflow = %s\n", "key-of-e-long-"
	    "enough", "10.50.1.0/24 10.50.2.0/24");
	T_ASSERT(symlink("../e1.conf", DIR "/vpn.d/e.conf") == 0);
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_EQ_INT(cfg ? cfg->n_reused : 0, 4);
	rm("vpn.d/e.conf");
	T_ASSERT(symlink("../e2.conf", DIR "/vpn.d/e.conf") == 0);
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	v = find(cfg, "e");
	T_EQ_INT(v ? ((const uint8_t *)&v->peer.in.sin_addr)[3] : 0, 51);
	T_EQ_INT(cfg ? cfg->n_reused : 0, 3);

	T_ROW("[global] changes what VPNs do not read: still taken over");
	global("backend = null\ndpd_check_interval = 17\n");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_EQ_INT(cfg ? cfg->dpd_check_interval : 0, 17);
	T_EQ_INT(cfg ? cfg->n_reused : 0, 4);

	T_ROW("[global] updown: every VPN gets it");
	global("backend = null\nupdown = /bin/true\n");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	v = find(cfg, "a");
	T_EQ_STR(v && v->updown ? v->updown : "-", "/bin/true");
	T_EQ_INT(cfg ? cfg->n_reused : 99, 0);

	T_ROW("[global] backend pfkey: every VPN gets its defaults");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	v = find(cfg, "a");
	T_EQ_INT(v ? v->childsa.esn : 0, CFG_ESN_BOTH);
	global("backend = pfkey\nupdown = /bin/true\n");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	v = find(cfg, "a");
	T_EQ_INT(v ? v->childsa.esn : 0, CFG_ESN_NO);
	T_EQ_INT(cfg ? cfg->n_reused : 99, 0);

	T_ROW("an error: refused with file:line, the old one kept");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	tick();
	put("vpn.d/d.conf", "[vpn]\nname = d\nlocal = 192.0.2.1\npeer = "
	    "192.0.2.14\npsk = %s\nlifetyme = 60\n[flows]\nflow = %s\n",
	    "key-of-d-long-enough", "10.4.1.0/24 10.4.2.0/24");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), -EINVAL);
	T_CONTAINS(msgs, DIR "/vpn.d/d.conf:6: unknown key in [vpn], did "
	    "you mean 'lifetime'? ('lifetyme')");
	v = find(cfg, "d");
	T_EQ_INT(v ? v->lifetime : 0, 3600);

	T_ROW("fixed: the next reload takes it");
	tick();
	vpn("d", 4, "psk = key-of-d-long-enough", "7200");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	v = find(cfg, "d");
	T_EQ_INT(v ? v->lifetime : 0, 7200);
	T_EQ_INT(cfg ? cfg->n_reused : 0, 3);

	T_ROW("a warning: printed by every reload");
	vpn("w", 9, "psk = short", "3600");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_CONTAINS(msgs, "w.conf:6: warning: psk: a key of 5 bytes");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), 0);
	T_CONTAINS(msgs, "w.conf:6: warning: psk: a key of 5 bytes");
	T_EQ_INT(cfg ? cfg->n_reused : 0, 4);

	T_ROW("a taken-over file included twice: refused");
	global("backend = pfkey\nupdown = /bin/true\n"
	    "include = vpn.d/a.conf\n");
	T_EQ_INT(reload(&cfg, msgs, sizeof(msgs)), -EINVAL);
	T_CONTAINS(msgs, "g.conf:6: included twice (first from "
	    DIR "/g.conf:2)");

	cfg_free(cfg);
}
