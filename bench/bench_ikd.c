/*
 * bench_ikd.c - IKE SA setup rate between two ikd processes on loopback
 * addresses (see docs/engine.md, "What make bench measures").
 *
 * Many VPNs rather than repeated setup of one: ikd answers IKE_SA_INIT
 * only from a configured peer and keeps one IKE SA per VPN, and tearing
 * one down and bringing it up again through ikectl would time the control
 * round trips and process starts, not IKE.  So side b (passive) gets n
 * VPNs, one per address 127.X.Y.1 of side a, and listens on 127.250.0.2;
 * side a gets the n active mirrors and binds each 127.X.Y.1 (the whole of
 * 127/8 is local on Linux).  An ikd binds at most LOOP_MAX_SOCKS (64)
 * addresses, so side a is several ikd of CHUNK VPNs each, all started at
 * once: the responder then gets a burst of n IKE_SA_INITs on its one
 * socket, which its receive buffer (net/sock.h SOCK_RCVBUF) holds; past
 * IKD_COOKIE_THRESHOLD half-open SAs it asks for cookies, as it would
 * for any such burst.  A datagram lost all the same would cost its
 * sender a 2 s retransmit and show as a collapsed rate, and the
 * responder's `show stats` counts the retransmits: the bench prints them.
 * Both sides use the null backend and port 500 (root only: ikd -P moves
 * the listening port, not the peers').  The clock starts before the
 * first active ikd is spawned and stops when the responder's control
 * socket reports n IKE SAs up (asked with ctl_call() every 10 ms, every
 * 1 ms for the last tenth): the figure includes the active ikds'
 * start-up and configuration load, real sockets, and whatever else runs
 * on this machine's cores.  It also prints the CPU time all the daemons
 * spent per IKE SA (/proc/PID/stat, both ends, the responder's start-up
 * left out), which depends less on what else runs.
 * BENCH_IKD_LOG=FILE keeps the daemons' logs; BENCH_IKD_GROUP=NAME runs
 * one group only (for a profiler); BENCH_IKD_STAGGER=1 starts each active
 * ikd when the SAs of the one before are up, as the bench did while the
 * responder's receive buffer was Linux's default.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cfg/cfg.h"
#include "core/ike/ike.h"
#include "net/ctl.h"
#include "net/sock.h"

extern char **environ;

#define IKD_B_ADDR "127.250.0.2"
#define WAIT_SECS 20.0
#define CHUNK 50	/* VPNs per active ikd: it binds each local address,
			 * and net/loop.h holds LOOP_MAX_SOCKS (64) sockets */
#define MAX_CHUNKS 20

void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Counter name from `show stats` of the daemon at sock; -1 when it does
 * not answer. */
long
stat_of(const char *sock, const char *name)
{
	char *body = NULL, *p;
	size_t blen = 0;
	int status = 0;
	long n = -1;

	if (ctl_call(sock, "show stats", &status, &body, &blen) != 0) {
		return -1;
	}
	if (status == 0 && (p = strstr(body, name)) != NULL) {
		n = strtol(p + strlen(name), NULL, 10);
	}
	free(body);
	return n;
}

/* CPU seconds (user + system) process pid has used so far; 0 when gone. */
double
cpu_of(pid_t pid)
{
	return cpu_of_task(pid, 0);
}

/* The same for one thread of it (tid; 0: the whole process). */
double
cpu_of_task(pid_t pid, pid_t tid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	if (tid != 0) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat",
		    (int)pid, (int)tid);
	} else {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	}
	if ((f = fopen(path, "r")) == NULL) {
		return 0;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* proc(5): utime and stime are fields 14 and 15, after "(comm)". */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%*c %*d %*d "
	    "%*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
		return 0;
	}
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

pid_t
spawn_ikd(const char *ikebox, const char *conf)
{
	char *argv[] = { (char *)ikebox, "ikd", "-d", "-f", (char *)conf,
	    getenv("BENCH_IKD_LOG") ? "-v" : NULL, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	posix_spawn_file_actions_addopen(&fa, 2, getenv("BENCH_IKD_LOG") ?
	    getenv("BENCH_IKD_LOG") : "/dev/null", 01 | 02000 | 0100, 0600);
	rc = posix_spawn(&pid, ikebox, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? pid : -1;
}

void
stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* Removes what bench_write_cfg() and the daemons left in dir. */
static void
rm_dir(const char *dir, int n, int chunks)
{
	char path[600];

	for (int s = 0; s <= chunks; s++) {
		char name[16];
		int first = s == chunks ? 0 : s * CHUNK;
		int last = s == chunks ? n : first + CHUNK;

		snprintf(name, sizeof(name), s == chunks ? "b" : "a%d", s);
		for (int i = first; i < last && i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s/v%d.conf", dir,
			    name, i);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s.sock", dir, name);
		unlink(path);
	}
	rmdir(dir);
}

/* Writes side name's files; *conf and *sock get its paths. */
static int
write_side(const char *dir, const char *name, int active, int first, int n,
    const char *group, char *conf, char *sock)
{
	char extra[700];

	snprintf(sock, 600, "%s/%s.sock", dir, name);
	snprintf(conf, 600, "%s/%s.conf", dir, name);
	snprintf(extra, sizeof(extra), "socket = %.600s\n", sock);
	return bench_write_cfg(dir, name, active, first, n, group, "127",
	    IKD_B_ADDR, extra);
}

/* One run; returns IKE SAs per second, or a negative value with *why set. */
static double
run(const char *ikebox, const char *group, int n, int *up, long *retx,
    double *cpu, const char **why)
{
	char dir[] = "/tmp/ikebox-ikd-bench.XXXXXX";
	int stagger = getenv("BENCH_IKD_STAGGER") != NULL;
	char conf[600], sock_b[600], sock[600];
	int chunks = (n + CHUNK - 1) / CHUNK;
	pid_t pid_b = -1, pid_a[MAX_CHUNKS];
	double t0, t = 0, rate = -1;
	long got = -1;

	*up = 0;
	*retx = -1;
	for (int c = 0; c < MAX_CHUNKS; c++) {
		pid_a[c] = -1;
	}
	if (chunks > MAX_CHUNKS || mkdtemp(dir) == NULL) {
		*why = "mkdtemp failed";
		return -1;
	}
	if (write_side(dir, "b", 0, 0, n, group, conf, sock_b) != 0 ||
	    (pid_b = spawn_ikd(ikebox, conf)) < 0) {
		*why = "cannot start the passive ikd";
		goto out;
	}
	for (int c = 0; c < chunks; c++) {
		char name[16];

		snprintf(name, sizeof(name), "a%d", c);
		if (write_side(dir, name, 1, c * CHUNK, c + 1 < chunks ?
		    CHUNK : n - c * CHUNK, group, conf, sock) != 0) {
			*why = "cannot write the configurations";
			goto out;
		}
	}
	for (t0 = bench_now(); stat_of(sock_b, "ike_sas") < 0; nap_ms(10)) {
		if (bench_now() - t0 > WAIT_SECS ||
		    waitpid(pid_b, NULL, WNOHANG) != 0) {
			*why = "the passive ikd did not start";
			pid_b = -1;
			goto out;
		}
	}
	*cpu = -cpu_of(pid_b);	/* its start-up is not timed */
	t0 = bench_now();
	for (int c = 0; c < chunks; c++) {
		/* BENCH_IKD_STAGGER: the next one when these are all up. */
		long want = stagger && c + 1 < chunks ? (c + 1L) * CHUNK : n;

		snprintf(conf, sizeof(conf), "%s/a%d.conf", dir, c);
		if ((pid_a[c] = spawn_ikd(ikebox, conf)) < 0) {
			*why = "cannot start an active ikd";
			goto out;
		}
		if (!stagger && c + 1 < chunks) {
			continue;
		}
		/*
		 * Each question costs the responder (the critical path) a
		 * control connection: ask every 10 ms, every 1 ms near the
		 * end, where the clock's resolution matters.
		 */
		for (;;) {
			/* The clock after the answer: a responder busy with
			 * a burst of DH answers late, and that is setup. */
			got = stat_of(sock_b, "ike_sas");
			t = bench_now() - t0;
			if (got >= want || t >= WAIT_SECS) {
				break;
			}
			nap_ms(got < want - n / 10 ? 10 : 1);
		}
	}
	*up = got < 0 ? 0 : (int)got;
	if (got < n) {
		*why = "not every IKE SA came up in time";
		goto out;
	}
	*cpu += cpu_of(pid_b);
	for (int c = 0; c < chunks; c++) {
		*cpu += cpu_of(pid_a[c]);
	}
	/* Requests retransmitted, both sides: a lost datagram shows here. */
	*retx = 0;
	for (int c = 0; c <= chunks; c++) {
		long r;

		snprintf(sock, sizeof(sock), "%s/a%d.sock", dir, c);
		r = stat_of(c == chunks ? sock_b : sock, "retransmits");
		*retx = r < 0 || *retx < 0 ? -1 : *retx + r;
	}
	rate = (double)n / t;
out:
	for (int c = 0; c < chunks; c++) {
		stop(pid_a[c]);
	}
	stop(pid_b);
	rm_dir(dir, n, chunks);
	return rate;
}

/* see bench.h */
void
bench_ikd(const char *ikebox)
{
	static const struct {
		const char *group;
		int n;
	} rates[] = {
		{ "curve25519", 500 },
		{ "ecp256", 300 },
		{ "modp2048", 150 },
		{ "modp4096", 30 },
	};

	const char *only = getenv("BENCH_IKD_GROUP");	/* one group */

	printf("\nIKE SA setup, two ikd on loopback (null backend, one VPN per "
	    "IKE SA,\nfrom ikd start to all up; both ends on this machine)\n");
	if (access(ikebox, X_OK) != 0) {
		printf("  skipped: %s not built (make ikebox)\n", ikebox);
		return;
	}
	if (geteuid() != 0) {
		printf("  skipped: port 500 needs root\n");
		return;
	}
	printf("  %-12s %8s %12s %12s %12s\n", "group", "IKE SAs",
	    "IKE SAs/s", "CPU ms/SA", "retransmits");
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		const char *why = NULL;
		int up;
		long retx;
		double cpu;
		double r;

		if (only != NULL && strcmp(only, rates[i].group) != 0) {
			continue;
		}
		r = run(ikebox, rates[i].group, rates[i].n, &up, &retx, &cpu,
		    &why);
		if (r < 0) {
			printf("  %-12s %8d  not measured: %s (%d up)\n",
			    rates[i].group, rates[i].n, why, up);
			continue;
		}
		printf("  %-12s %8d %12.1f %12.3f %12ld\n", rates[i].group,
		    rates[i].n, r, cpu * 1000 / rates[i].n, retx);
		fflush(stdout);
	}
}

/* A line of /proc/PID/status (VmRSS, RssAnon, RssFile) in KiB; -1 when
 * the process is gone. */
static long
status_kib(pid_t pid, const char *key)
{
	char path[64], line[128];
	size_t kl = strlen(key);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			kib = strtol(line + kl + 1, NULL, 10);
		}
	}
	fclose(f);
	return kib;
}

static long
rss_of(pid_t pid)
{
	return status_kib(pid, "VmRSS");
}

/* Starts a passive ikd on side b's n VPNs in dir, settle_ms after
 * writing its files; its pid, or -1. */
static pid_t
start_b(const char *ikebox, const char *dir, int n, char *sock,
    long settle_ms)
{
	char conf[600];
	pid_t pid;
	double t0;

	if (write_side(dir, "b", 0, 0, n, "curve25519", conf, sock) != 0) {
		return -1;
	}
	nap_ms(settle_ms);
	if ((pid = spawn_ikd(ikebox, conf)) < 0) {
		return -1;
	}
	for (t0 = bench_now(); stat_of(sock, "ike_sas") < 0; nap_ms(10)) {
		if (bench_now() - t0 > 3 * WAIT_SECS ||
		    waitpid(pid, NULL, WNOHANG) != 0) {
			stop(pid);
			return -1;
		}
	}
	return pid;
}

/* see bench.h */
void
bench_ikd_reload(const char *ikebox)
{
	int n = getenv("BENCH_RELOAD_VPNS") ?
	    atoi(getenv("BENCH_RELOAD_VPNS")) : 10000;
	char dir[] = "/tmp/ikebox-ikd-reload.XXXXXX";
	char sock[600], extra[700];
	pid_t pid;

	printf("\nikd (null backend), idle with one VPN\n");
	if (mkdtemp(dir) == NULL || (pid = start_b(ikebox, dir, 1,
	    sock, 0)) < 0) {
		printf("  could not start ikd\n");
		return;
	}
	nap_ms(200);
	printf("  %-34s %8ld KiB  (target <= 1024)\n", "RSS", rss_of(pid));
	printf("  %-34s %8ld KiB  (heap, stack, data: ikd's own)\n",
	    "of which anonymous", status_kib(pid, "RssAnon"));
	printf("  %-34s %8ld KiB  (pages of the binary it ran, shared "
	    "page cache)\n", "of which file", status_kib(pid, "RssFile"));
	stop(pid);
	rm_dir(dir, 1, 0);

	/* ikd reads again the files written less than CFG_RACY_MS before
	 * it read them (cfg_reload()): these are a gateway's files, older */
	printf("\nikd reload, %d VPN files, one changed each time "
	    "(ikectl reload's round trip;\nthe others written %.1f s before "
	    "ikd starts)\n", n, (CFG_RACY_MS + 500) / 1e3);
	if (mkdtemp(strcpy(dir, "/tmp/ikebox-ikd-reload.XXXXXX")) == NULL ||
	    (pid = start_b(ikebox, dir, n, sock, CFG_RACY_MS + 500)) < 0) {
		printf("  could not start ikd\n");
		return;
	}
	snprintf(extra, sizeof(extra), "socket = %.600s\n", sock);
	printf("  %-8s %12s %12s\n", "reload", "ms", "RSS KiB");
	printf("  %-8s %12s %12ld\n", "start", "-", rss_of(pid));
	for (int k = 1; k <= 12; k++) {
		char *body = NULL;
		size_t blen = 0;
		int status = 0, rc;
		double t0;

		/* VPN 0 alternates between two groups: changed each time */
		if (bench_write_cfg(dir, "b", 0, 0, 1, k % 2 ? "modp2048" :
		    "curve25519", "127", IKD_B_ADDR, extra) != 0) {
			printf("  cannot rewrite v0.conf\n");
			break;
		}
		t0 = bench_now();
		rc = ctl_call(sock, "reload", &status, &body, &blen);
		printf("  %-8d %12.1f %12ld%s\n", k, (bench_now() - t0) * 1e3,
		    rss_of(pid), rc != 0 || status != 0 ? "  (failed)" : "");
		free(body);
	}
	stop(pid);
	rm_dir(dir, n, 0);
}

/*
 * make bench-scale's ikd part: n IKE SAs, each with one CHILD SA, held by
 * one ikd (null backend) on 127.250.0.2.  The initiators are one engine in
 * this process (its memory is not ikd's), each VPN from its own address
 * 127.X.Y.Z: one socket bound to the wildcard sends from each with packet
 * info (sock_send()), and ikd answers to that address.  At most WINDOW
 * set-ups are in flight (below the responder's cookie threshold), the
 * next VPN brought up as one comes up; tear-down brings VPNs down in
 * batches, each DELETE answered by ikd.  Prints ikd's RSS with only its
 * configuration, then with every SA up, per SA; its CPU per SA; both
 * times.
 */
#define SCALE_PORT 5500
#define SCALE_WINDOW 200

struct scale {
	int fd;
	struct ike_engine *eng;
	uint32_t next_spi;
};

static void
sc_send(void *ctx, const struct ike_addr *local, const struct ike_addr *peer,
    const uint8_t *buf, size_t len)
{
	struct scale *s = ctx;
	struct ike_addr l = *local;

	l.port = SCALE_PORT;
	(void)sock_send(s->fd, &l, peer, buf, len);
}

static int
sc_spi(void *ctx, const struct kern_sa *sa, uint32_t *spi)
{
	struct scale *s = ctx;

	*spi = 0xc0000000u | (++s->next_spi & 0x0fffffff);
	return 0;
}

static int
sc_sa(void *ctx, const struct kern_sa *sa)
{
	return 0;
}

static int
sc_pol(void *ctx, const struct kern_policy *p)
{
	return 0;
}

static void
sc_log(void *ctx, int level, const char *line)
{
}

static uint64_t
sc_ms(void)
{
	return (uint64_t)(bench_now() * 1000);
}

/* Feeds what ikd sent to the engine, then runs its timers. */
static void
sc_pump(struct scale *s, int wait_ms)
{
	struct pollfd pfd = { s->fd, POLLIN, 0 };
	uint8_t buf[8192];
	struct ike_addr local, peer;
	ssize_t len;

	(void)poll(&pfd, 1, wait_ms);
	while ((len = sock_recv(s->fd, SCALE_PORT, buf, sizeof(buf), &local,
	    &peer)) > 0) {
		local.port = 500;	/* what the engine's VPNs say */
		ike_input(s->eng, &local, &peer, buf, (size_t)len, sc_ms());
	}
	if (ike_next_timer(s->eng) <= sc_ms()) {
		ike_tick(s->eng, sc_ms());
	}
}

static long
sc_up(struct scale *s)
{
	struct ike_stats st;

	ike_get_stats(s->eng, &st);
	return (long)st.ike_sas;
}

/* see bench.h */
void
bench_ikd_scale(const char *ikebox)
{
	int n = getenv("BENCH_SCALE_SAS") ? atoi(getenv("BENCH_SCALE_SAS")) :
	    100000;
	char dir[] = "/tmp/ikebox-ikd-scale.XXXXXX";
	char sock[600], conf[600], extra[700], name[32];
	struct ike_env env = { .send = sc_send, .spi_alloc = sc_spi,
	    .sa_add = sc_sa, .sa_del = sc_sa, .policy_add = sc_pol,
	    .policy_del = sc_pol, .log = sc_log };
	struct ike_addr any = { .af = 4, .port = SCALE_PORT };
	struct scale s = { -1, NULL, 0 };
	struct cfg *ca = NULL;
	struct cfg_diag diag = { 0 };
	long rss_cfg, rss_up, up = 0, b_up;
	double t0, t_up = -1, t_down = -1, cpu0, cpu_up;
	pid_t pid = -1;
	int next = 0;

	printf("\nScale: %d IKE SAs with one CHILD SA each held by one ikd "
	    "(null backend);\ninitiators: one engine in the bench process, "
	    "each VPN from its own 127.X.Y.Z,\nat most %d set-ups in "
	    "flight\n", n, SCALE_WINDOW);
	if (n <= 0 || mkdtemp(dir) == NULL) {
		printf("  could not run\n");
		return;
	}
	snprintf(sock, sizeof(sock), "%s/b.sock", dir);
	snprintf(extra, sizeof(extra), "socket = %.600s\n", sock);
	snprintf(conf, sizeof(conf), "%s/a.conf", dir);
	if (bench_write_cfg(dir, "a", 1, 0, n, "curve25519", "127",
	    IKD_B_ADDR, NULL) != 0 || cfg_load(conf, &ca, &diag) != 0 ||
	    (s.fd = sock_open(&any)) < 0 ||
	    (pid = start_b(ikebox, dir, n, sock, 0)) < 0) {
		cfg_diag_print(stdout, &diag);
		printf("  could not start (files, socket or ikd)\n");
		goto out;
	}
	for (size_t i = 0; i < ca->n_vpns; i++) {
		ca->vpns[i].mode = CFG_MODE_PASSIVE;	/* brought up below */
	}
	env.ctx = &s;
	s.eng = ike_new(&env, sc_ms());
	ike_set_log_level(s.eng, IKE_LOG_ERR);
	ike_set_config(s.eng, ca, sc_ms());
	ca = NULL;
	nap_ms(300);
	rss_cfg = rss_of(pid);
	cpu0 = cpu_of(pid);
	t0 = bench_now();
	while (up < n && bench_now() - t0 < 600) {
		while (next < n && next - up < SCALE_WINDOW) {
			snprintf(name, sizeof(name), "v%d", next++);
			(void)ike_vpn_up(s.eng, name, sc_ms());
		}
		sc_pump(&s, 5);
		up = sc_up(&s);
	}
	if (up == n) {
		t_up = bench_now() - t0;
	}
	nap_ms(300);
	b_up = stat_of(sock, "ike_sas");
	rss_up = rss_of(pid);
	cpu_up = cpu_of(pid) - cpu0;
	printf("  %-34s %12ld / %ld\n", "IKE SAs up (engine / ikd)", up,
	    b_up);
	printf("  %-34s %12ld KiB\n", "ikd RSS with its configuration",
	    rss_cfg);
	printf("  %-34s %12ld KiB\n", "ikd RSS with every SA up", rss_up);
	printf("  %-34s %12.2f KiB  (target < 2.93)\n",
	    "ikd RSS per IKE SA", up > 0 ? (double)(rss_up - rss_cfg) /
	    (double)up : 0.0);
	printf("  %-34s %12.3f ms\n", "ikd CPU per IKE SA", up > 0 ?
	    cpu_up * 1e3 / (double)up : 0.0);
	printf("  %-34s %12.1f s  (%.0f IKE SAs/s)\n", "set-up", t_up,
	    t_up > 0 ? n / t_up : 0.0);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		(void)ike_vpn_down(s.eng, name, sc_ms());
		if (i % SCALE_WINDOW == SCALE_WINDOW - 1 || i == n - 1) {
			/* ikd's DELETEs answered, and its count down */
			do {
				sc_pump(&s, 2);
				b_up = stat_of(sock, "ike_sas");
			} while (b_up > n - 1 - i && bench_now() - t0 < 600);
		}
	}
	if (b_up == 0) {
		t_down = bench_now() - t0;
	}
	printf("  %-34s %12.1f s  (ikd: %ld IKE SAs left)\n", "tear-down",
	    t_down, b_up);
	printf("  %-34s %12ld KiB\n", "ikd RSS after", rss_of(pid));
out:
	ike_free(s.eng);
	cfg_free(ca);
	cfg_diag_free(&diag);
	if (s.fd >= 0) {
		close(s.fd);
	}
	stop(pid);
	rm_dir(dir, n, 0);
	for (int i = 0; i < n; i++) {
		char path[700];

		snprintf(path, sizeof(path), "%s/a/v%d.conf", dir, i);
		unlink(path);
	}
	snprintf(conf, sizeof(conf), "%s/a", dir);
	rmdir(conf);
	snprintf(conf, sizeof(conf), "%s/a.conf", dir);
	unlink(conf);
	rmdir(dir);
}
