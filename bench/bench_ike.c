/*
 * bench_ike.c - IKE SA setup rate and memory per IKE SA, two engines in one
 * process (see docs/engine.md, "What make bench measures").
 *
 * The engine keeps one IKE SA per VPN and lets an IKE_SA_INIT in only from
 * a configured peer, so the bench writes n VPN files per side: side a has
 * n active VPNs from 10.X.Y.1 to 192.0.2.1, side b the n passive mirrors.
 * Both engines run in this thread; their datagrams go through a LIFO stack,
 * so each setup runs to its end before the next begins (at most one
 * half-open SA: no cookies, like a responder under no attack).  The clock
 * is virtual and frozen, so no retransmit or DPD ever fires.  The rate
 * counts the whole work of both ends (2 DH keygen + 2 shared secrets, 4
 * messages built, sealed, opened and parsed, the CHILD SA of IKE_AUTH)
 * on one core; kernel calls do nothing.
 *
 * Memory: VmRSS from /proc/self/status once both engines have their
 * configurations, then with every IKE SA up, divided by 2n (each side holds
 * n IKE SAs, one CHILD SA each).  The configurations' own memory is
 * printed apart, per VPN.  RSS misses what calloc() got from fresh pages
 * and never touched (zeroed CHILD SA slots), and side a's first requests
 * are out when the configuration is measured; the heap figure is exact:
 * malloc's bytes in use with every SA up, less after ike_shutdown() has
 * freed them all (the SA, its cached messages, allocator overhead).
 *
 * Timers: with every SA up and nothing due (the clock is frozen), what one
 * turn of a daemon's event loop costs the engine: ike_next_timer() then
 * ike_tick(), on side a's n IKE SAs.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cfg/cfg.h"
#include "core/ike/ike.h"
#include "core/ike/ike_int.h"

struct bpkt {
	struct bpkt *next;
	int to;
	struct ike_addr src, dst;
	size_t len;
	uint8_t buf[];
};

struct bside {
	struct ike_engine *eng;
	int idx;
	struct bpkt **stack;
	uint32_t next_spi;
};

static void
b_send(void *ctx, const struct ike_addr *local, const struct ike_addr *peer,
    const uint8_t *buf, size_t len)
{
	struct bside *s = ctx;
	struct bpkt *p = malloc(sizeof(*p) + len);

	if (p == NULL) {
		return;
	}
	p->to = 1 - s->idx;
	p->src = *local;
	p->dst = *peer;
	p->len = len;
	memcpy(p->buf, buf, len);
	p->next = *s->stack;
	*s->stack = p;
}

static int
b_spi(void *ctx, const struct kern_sa *sa, uint32_t *spi)
{
	struct bside *s = ctx;

	*spi = 0xc0000000u | (++s->next_spi & 0x0fffffff);
	return 0;
}

static int
b_kern(void *ctx, const struct kern_sa *sa)
{
	return 0;
}

static int
b_pol(void *ctx, const struct kern_policy *p)
{
	return 0;
}

static void
b_log(void *ctx, int level, const char *line)
{
	(void)ctx;
	(void)level;
	(void)line;
}

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kib = -1;

	if (f == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
		}
	}
	fclose(f);
	return kib;
}

/* see bench.h */
int
bench_write_cfg(const char *dir, const char *name, int active, int first,
    int n, const char *group, const char *a_net, const char *b_addr,
    const char *extra)
{
	char path[600], sub[512];
	FILE *f;

	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
		return -errno;
	}
	for (int i = first; i < first + n; i++) {
		char a[32], l[32], r[32];

		/* A_NET.X.Y.1 up to 62,500 VPNs, then .2 ... */
		snprintf(a, sizeof(a), "%s.%d.%d.%d", a_net, i / 250 % 250 + 1,
		    i % 250 + 1, i / 62500 + 1);
		/* one /32 each side in 100.64.0.0/10 (RFC 6598) */
		snprintf(l, sizeof(l), "100.%d.%d.%d/32", (active ? 64 : 96) +
		    (i >> 16), i >> 8 & 255, i & 255);
		snprintf(r, sizeof(r), "100.%d.%d.%d/32", (active ? 96 : 64) +
		    (i >> 16), i >> 8 & 255, i & 255);
		snprintf(path, sizeof(path), "%s/v%d.conf", sub, i);
		if ((f = fopen(path, "w")) == NULL) {
			return -errno;
		}
		fprintf(f, "[vpn]\nname = v%d\nmode = %s\nlocal = %s\n"
		    "peer = %s\nsrcid = %s\ndstid = %s\npsk = bench-psk-%d-long-enough\n"
		    "[flows]\nflow = %s %s\n[ikesa]\nenc = aes-128\n"
		    "auth = hmac-sha2-256\nprf = hmac-sha2-256\ngroup = %s\n"
		    "[childsa]\nenc = aes-128\nauth = hmac-sha1\n"
		    "group = none\n", i, active ? "active" : "passive",
		    active ? a : b_addr, active ? b_addr : a,
		    active ? a : b_addr, active ? b_addr : a, i, l, r, group);
		fclose(f);
		chmod(path, 0600);
	}
	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		return -errno;
	}
	fprintf(f, "[global]\ninclude = %s/*.conf\nbackend = null\n"
	    "dpd_check_interval = 0\nnat_traversal = no\n%s", name,
	    extra ? extra : "");
	fclose(f);
	chmod(path, 0600);
	return 0;
}

static struct cfg *
load(const char *dir, const char *name)
{
	char path[512];
	struct cfg *cfg = NULL;
	struct cfg_diag diag = { 0 };

	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	if (cfg_load(path, &cfg, &diag) != 0) {
		cfg_diag_print(stdout, &diag);
		cfg = NULL;
	}
	cfg_diag_free(&diag);
	return cfg;
}

static void
rm_tree(const char *dir, int n)
{
	char path[512];

	for (int s = 0; s < 2; s++) {
		const char *name = s ? "b" : "a";

		for (int i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s/v%d.conf", dir,
			    name, i);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
		unlink(path);
	}
	rmdir(dir);
}


struct bres {
	double rate;		/* IKE SAs per second */
	int up_a, up_b;		/* established on each side */
	long kib_per_sa_x1000;	/* RSS per IKE SA (both sides), KiB/1000 */
	long cfg_kib_x1000;	/* config memory per VPN (both sides) */
	long heap_per_sa;	/* malloc bytes per IKE SA */
	double timer_us;	/* ike_next_timer + ike_tick, idle */
	double setup_s;		/* all IKE SAs up, both ends' work */
	double down_s[2];	/* ike_shutdown() of side a, of side b */
};

static int
run(const char *group, int n, struct bres *r)
{
	char dir[] = "/tmp/ikebox-bench.XXXXXX";
	struct bpkt *stack = NULL;
	struct bside side[2];
	struct ike_env env = {
		.send = b_send,
		.spi_alloc = b_spi,
		.sa_add = b_kern,
		.sa_del = b_kern,
		.policy_add = b_pol,
		.policy_del = b_pol,
		.log = b_log,
	};
	struct cfg *ca, *cb;
	struct ike_stats st;
	long rss0, rss1, rss2;
	size_t heap2, heap3;
	double t0, t1;
	const uint64_t now = 1000;

	memset(r, 0, sizeof(*r));
	if (mkdtemp(dir) == NULL ||
	    bench_write_cfg(dir, "a", 1, 0, n, group, "10", "192.0.2.1",
	    NULL) != 0 ||
	    bench_write_cfg(dir, "b", 0, 0, n, group, "10", "192.0.2.1",
	    NULL) != 0) {
		return -1;
	}
	malloc_trim(0);
	rss0 = rss_kib();
	ca = load(dir, "a");
	cb = load(dir, "b");
	rm_tree(dir, n);
	if (ca == NULL || cb == NULL) {
		cfg_free(ca);
		cfg_free(cb);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		memset(&side[i], 0, sizeof(side[i]));
		side[i].idx = i;
		side[i].stack = &stack;
		env.ctx = &side[i];
		side[i].eng = ike_new(&env, now);
		ike_set_log_level(side[i].eng, IKE_LOG_ERR);
	}
	ike_set_config(side[1].eng, cb, now);
	/* Side a's VPNs are made passive so that nothing starts before the
	 * configuration is measured (ike_set_config() would initiate every
	 * active VPN at once: the figure once counted those half-open SAs
	 * and their packets); they are brought up by name below, all at
	 * once, as the first tick did. */
	for (size_t i = 0; i < ca->n_vpns; i++) {
		ca->vpns[i].mode = CFG_MODE_PASSIVE;
	}
	ike_set_config(side[0].eng, ca, now);
	malloc_trim(0);
	rss1 = rss_kib();

	t0 = bench_now();
	for (size_t i = 0; i < ca->n_vpns; i++) {
		(void)ike_vpn_up(side[0].eng, ca->vpns[i].name, now);
	}
	while (stack != NULL) {
		struct bpkt *p = stack;

		stack = p->next;
		ike_input(side[p->to].eng, &p->dst, &p->src, p->buf, p->len,
		    now);
		free(p);
	}
	t1 = bench_now();
	malloc_trim(0);	/* as before rss1: the datagrams' freed memory */
	rss2 = rss_kib();
	r->setup_s = t1 - t0;

	ike_get_stats(side[0].eng, &st);
	r->up_a = (int)st.ike_sas;
	ike_get_stats(side[1].eng, &st);
	r->up_b = (int)st.ike_sas;
	r->rate = (double)r->up_a / (t1 - t0);
	r->kib_per_sa_x1000 = (rss2 - rss1) * 1000 / (2L * n);
	r->cfg_kib_x1000 = (rss1 - rss0) * 1000 / (2L * n);
	{
		long k = 0;
		uint64_t sum = 0;

		t0 = bench_now();
		do {
			for (int j = 0; j < 100; j++, k++) {
				sum += ike_next_timer(side[0].eng);
				ike_tick(side[0].eng, now);
			}
			t1 = bench_now();
		} while (t1 - t0 < 0.2);
		r->timer_us = (t1 - t0) * 1e6 / (double)k;
		if (sum == 0 || stack != NULL) {
			r->timer_us = -1;	/* something was due */
		}
	}
	heap2 = mallinfo2().uordblks;
	for (int i = 0; i < 2; i++) {
		t0 = bench_now();
		ike_shutdown(side[i].eng, now);
		r->down_s[i] = bench_now() - t0;
	}
	while (stack != NULL) {	/* the DELETEs: nobody to read them */
		struct bpkt *p = stack;

		stack = p->next;
		free(p);
	}
	heap3 = mallinfo2().uordblks;
	r->heap_per_sa = (long)(heap2 - heap3) / (2L * n);
	for (int i = 0; i < 2; i++) {
		ike_free(side[i].eng);
	}
	malloc_trim(0);
	return 0;
}

/* see bench.h */
void
bench_ike(void)
{
	static const struct {
		const char *group;
		int n;
	} rates[] = {
		{ "curve25519", 1000 },
		{ "ecp256", 500 },
		{ "modp2048", 200 },
		{ "modp4096", 40 },
	};
	struct bres r;

	printf("\nIKE SA setup, two engines in one thread (IKE_SA_INIT + "
	    "IKE_AUTH with one CHILD SA;\nboth ends' work on one core, "
	    "aes-128 / hmac-sha2-256, PSK)\n");
	printf("  %-12s %8s %12s %16s\n", "group", "IKE SAs", "IKE SAs/s",
	    "both ends up");
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		if (run(rates[i].group, rates[i].n, &r) != 0) {
			printf("  %-12s could not run\n", rates[i].group);
			continue;
		}
		printf("  %-12s %8d %12.1f %8d / %-6d\n", rates[i].group,
		    rates[i].n, r.rate, r.up_a, r.up_b);
	}

	printf("\nMemory per IKE SA (VmRSS growth once all are up, over both "
	    "ends; curve25519),\nand one idle event-loop turn "
	    "(ike_next_timer + ike_tick, n IKE SAs, nothing due)\n");
	printf("  sizeof(struct ike_sa) = %zu bytes, + %d CHILD SA slots of "
	    "%zu for one flow\n", sizeof(struct ike_sa), IKD_CHILD_SLOTS(1),
	    sizeof(struct child_sa));
	printf("  %-12s %14s %16s %18s %12s %12s\n", "IKE SAs",
	    "RSS KiB per SA", "config KiB/VPN", "heap bytes per SA",
	    "timers us", "IKE SAs/s");
	for (int n = 1000; n <= 10000; n *= 10) {
		if (run("curve25519", n, &r) != 0 || r.up_a != n) {
			printf("  %-12d could not bring them all up (%d)\n", n,
			    r.up_a);
			continue;
		}
		printf("  %-12d %14.2f %16.2f %18ld %12.3f %12.1f\n", n,
		    (double)r.kib_per_sa_x1000 / 1000,
		    (double)r.cfg_kib_x1000 / 1000, r.heap_per_sa,
		    r.timer_us, r.rate);
	}
}

/* see bench.h */
void
bench_scale(void)
{
	int n = getenv("BENCH_SCALE_SAS") ? atoi(getenv("BENCH_SCALE_SAS")) :
	    100000;
	struct bres r;

	printf("\nScale: %d IKE SAs with one CHILD SA each, two engines in "
	    "one thread\n(curve25519; side b, the responder, holds %d VPNs "
	    "and %d IKE SAs;\nRSS per SA is the growth over both ends "
	    "divided by 2n)\n", n, n, n);
	if (n <= 0 || run("curve25519", n, &r) != 0) {
		printf("  could not run\n");
		return;
	}
	printf("  %-34s %12d / %d\n", "IKE SAs up (a / b)", r.up_a, r.up_b);
	printf("  %-34s %12.2f\n", "config KiB per VPN", 
	    (double)r.cfg_kib_x1000 / 1000);
	printf("  %-34s %12.2f  (target < 2.93)\n", "RSS KiB per IKE SA",
	    (double)r.kib_per_sa_x1000 / 1000);
	printf("  %-34s %12ld\n", "heap bytes per IKE SA", r.heap_per_sa);
	printf("  %-34s %12.2f  (%.0f IKE SAs/s)\n", "set-up, s", r.setup_s,
	    r.rate);
	printf("  %-34s %12.2f / %.2f\n", "tear-down (a / b), s",
	    r.down_s[0], r.down_s[1]);
	printf("  %-34s %12.3f\n", "idle timer turn, us", r.timer_us);
}
