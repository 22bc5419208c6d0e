/*
 * ikd.c - the `ikd` applet: the IKEv2 daemon.
 *
 * Start-up does everything that can fail before the daemon detaches (load
 * the configuration, refuse when another ikd answers on the control socket,
 * open the kernel backend, bind the IKE sockets, open the control socket),
 * so `ikd` returns 1 with the reason on the terminal instead of dying
 * silently in the background.  Then one libuv loop carries the engine
 * (net/loop.c), the control socket (net/ctl.c) and the signals:
 * SIGTERM/SIGINT delete every SA (DELETE sent to each peer) and exit 0,
 * SIGHUP reloads (a configuration with errors never replaces the running
 * one).  The engine's kernel operations go to the backend named by the
 * configuration through net/kbe.h.  Log lines also go to `ikectl monitor`
 * clients (a tap on the log path, so the engine needs no event API), and
 * a service manager hears READY=1 / STOPPING=1 through net/notify.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "applets/applets.h"
#include "applets/cfgcheck.h"
#include "applets/ipsecctl_sa.h"
#include "core/cfg/cfg.h"
#include "core/ike/ike.h"
#include "core/ike/ike_map.h"
#include "core/ike/kern.h"
#include "core/ike/show.h"
#include "net/ctl.h"
#include "net/kbe.h"
#include "net/loop.h"
#include "net/resolve.h"
#include "net/workers.h"
#include "net/notify.h"
#include "net/hooks.h"
#include "net/privs.h"
#include "net/sock.h"
#include "net/tap.h"

#define IKD_PORT 500
#define IKD_NATT_PORT IKE_NATT_PORT	/* RFC 3948 */

/* A client of `up|down NAME -w SECONDS` waiting for its reply. */
struct ikd_waiter {
	uint64_t conn;		/* ctl_server_reply(); 0: slot free */
	char vpn[CTL_NAME_MAX];
	int up;			/* 1 up, 0 down */
	int secs;
	uint64_t deadline;	/* loop time, ms */
	char err[512];		/* first warning or error naming the VPN */
	char last[512];		/* last line naming it */
};

struct ikd {
	uv_loop_t uv;
	struct loop loop;
	struct ctl_server ctl;
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_poll_t kev;		/* kernel events (expire, acquire) */
	int kev_on;
	struct kbe *kbe;
	char backend[24];	/* "xfrm", "pfkey (auto)": logs, show stats */
	struct ikd_tap {	/* `tap = NAME` of the VPNs (backend xfrm) */
		char vpn[CFG_NAME_MAX];
		struct tap t;
	} *taps;
	size_t n_taps;
	struct ike_engine *eng;
	struct cfg *cfg;	/* the engine's current one (engine-owned) */
	char conf[CTL_PATH_MAX];	/* -f FILE, or the last `load FILE` */
	char sock[CFG_PATH_MAX];
	char pidfile[PATH_MAX];
	int pid_fd;
	int base_level;		/* from -v; `log brief` returns to it */
	int passive, no_natt, port_given, sock_given;
	uint16_t port;
	int stopping;
	int fg;			/* -d: `log` picks stderr, syslog or both */
	struct ikd_waiter waiters[CTL_MAX_CONNS];
	uv_timer_t wait_timer;
	int wait_timer_on;	/* initialised (closed in close_all) */
	/* up/down scripts (net/hooks.h): the runner, its results, and each
	 * VPN's last state told */
	struct hooks hooks;
	uv_poll_t hooks_poll;
	uv_timer_t hooks_timer;
	int hooks_on;
	char **updown;		/* the runner's `updown` scripts, in its order */
	size_t n_updown;
	/* Name lookups asked before the privilege drop, started after it:
	 * libuv's pool threads must not be born with root's capabilities
	 * and outside the system call filter. */
	struct held_lookup {
		struct held_lookup *next;
		char *vpn, *host;
		int af;
	} *held;
	int lookups_ok;
	/* Diffie-Hellman off the loop (env->work): n_workers threads, 0:
	 * in place; started after the privilege drop, as the lookups */
	struct workers workers;
	int n_workers, workers_cfg;
	struct hook_vpn {
		char name[CFG_NAME_MAX];
		int up;
		char local[64], peer[64];
	} *hv;
	size_t n_hv;
};

/* see applets.h */
void
ikd_usage(FILE *out)
{
	fprintf(out,
	    "usage: ikd [-dnSTv] [-f FILE] [-s SOCKET] [-p PIDFILE] "
	    "[-P PORT]\n"
	    "  -d          foreground, log to stderr with timestamps, or\n"
	    "              as `log` in [global] says (syslog, both)\n"
	    "              (without -d: detach, syslog facility daemon)\n"
	    "  -f FILE     configuration (default " CFG_DEFAULT_FILE ")\n"
	    "  -n          check the configuration, print "
	    "\"configuration OK\"\n"
	    "              and exit (with -v: print it normalised)\n"
	    "  -s SOCKET   control socket (default: `socket` in FILE, "
	    "else\n"
	    "              " CFG_DEFAULT_SOCKET ")\n"
	    "  -p PIDFILE  pid file (default: SOCKET with .pid for .sock)\n"
	    "  -P PORT     IKE port bound on each local address (default "
	    "500;\n"
	    "              for tests; NAT-T's 4500 is then not bound)\n"
	    "  -S          start passive: every VPN only responds\n"
	    "  -T          no NAT traversal (overrides nat_traversal)\n"
	    "  -v          more log (default notice: SAs up, down, rekeyed;\n"
	    "              -v info, -vv debug)\n"
	    "signals: TERM/INT delete all SAs and exit 0, HUP reloads\n"
	    "NOTIFY_SOCKET: READY=1 / RELOADING=1 / STOPPING=1 sent there\n");
}

static uint64_t
now_ms(struct ikd *d)
{
	return loop_now(&d->loop);
}

static void
cfg_addr(const union cfg_addr *ss, uint16_t port, struct ike_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6) {
		sock_addr_from_sa((const struct sockaddr *)ss, a);
	}
	a->port = port;
}

/* The wall clock in ns: what file timestamps are in (cfg_reload()). */
static int64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* -S and -T apply to every configuration, the reloaded ones too. */
static void
apply_overrides(struct ikd *d, struct cfg *cfg)
{
	if (d->passive) {
		for (size_t i = 0; i < cfg->n_vpns; i++) {
			cfg->vpns[i].mode = CFG_MODE_PASSIVE;
		}
	}
	if (d->no_natt) {
		cfg->nat_traversal = 0;
	}
	if (d->sock_given) {
		snprintf(cfg->socket, sizeof(cfg->socket), "%s", d->sock);
	}
}

static int
listen_one(struct ikd *d, const struct ike_addr *a, int must)
{
	char buf[SHOW_ADDR_MAX];
	int rc = loop_listen(&d->loop, a);

	if (rc < 0) {
		loop_logf(must ? IKE_LOG_ERR : IKE_LOG_WARN, "cannot bind %s: "
		    "%s", show_addr(buf, sizeof(buf), a), strerror(-rc));
		return must ? rc : 0;
	}
	if (rc == 0) {
		loop_logf(IKE_LOG_INFO, "listening on %s",
		    show_addr(buf, sizeof(buf), a));
	}
	return 0;
}

/*
 * One socket per distinct local address (and port 4500 beside it for
 * NAT traversal, RFC 3948).  A VPN without `local` needs the wildcard of its
 * family; then that family gets only the wildcard, since a wildcard and a
 * specific bind on one port conflict without SO_REUSEADDR.
 */
static int
listen_all(struct ikd *d, const struct cfg *cfg, int must)
{
	int wild4 = 0, wild6 = 0, rc;

	for (size_t i = 0; i < cfg->n_vpns; i++) {
		const struct cfg_vpn *v = &cfg->vpns[i];

		if (v->local.ss_family == AF_UNSPEC) {
			wild4 |= v->family == AF_INET;
			wild6 |= v->family == AF_INET6;
		}
	}
	for (size_t i = 0; i <= cfg->n_vpns; i++) {
		struct ike_addr a;

		if (i < cfg->n_vpns) {
			const struct cfg_vpn *v = &cfg->vpns[i];

			if (v->local.ss_family == AF_UNSPEC ||
			    (v->local.ss_family == AF_INET && wild4) ||
			    (v->local.ss_family == AF_INET6 && wild6)) {
				continue;
			}
			cfg_addr(&v->local, d->port, &a);
			if ((rc = listen_one(d, &a, must)) < 0) {
				return rc;
			}
			if (cfg->nat_traversal && !d->port_given) {
				a.port = IKD_NATT_PORT;
				listen_one(d, &a, 0);
			}
			continue;
		}
		for (int af = 4; af <= 6; af += 2) {
			if ((af == 4 && !wild4) || (af == 6 && !wild6)) {
				continue;
			}
			memset(&a, 0, sizeof(a));
			a.af = (uint8_t)af;
			a.port = d->port;
			if ((rc = listen_one(d, &a, must)) < 0) {
				return rc;
			}
			if (cfg->nat_traversal && !d->port_given) {
				a.port = IKD_NATT_PORT;
				listen_one(d, &a, 0);
			}
		}
	}
	return 0;
}

/* struct ike_env callbacks: sockets through the loop, kernel via kbe. */

static void
env_send(void *ctx, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len)
{
	struct ikd *d = ctx;

	loop_send(&d->loop, local, peer, buf, len);
}

static int
kbe_result(struct ikd *d, int rc)
{
	if (rc < 0) {
		loop_logf(IKE_LOG_ERR, "%s", kbe_error(d->kbe)[0] ?
		    kbe_error(d->kbe) : strerror(-rc));
	}
	return rc;
}

/* ---- `tap = NAME`: the VPN's interface, its ID or mark on every SA ---- */

static const struct tap *
tap_of(const struct ikd *d, const char *vpn)
{
	for (size_t i = 0; i < d->n_taps; i++) {
		if (strcmp(d->taps[i].vpn, vpn) == 0) {
			return &d->taps[i].t;
		}
	}
	return NULL;
}

static void
kaddr_of_ss(struct kern_addr *k, const union cfg_addr *ss)
{
	memset(k, 0, sizeof(*k));
	if (ss->ss_family == AF_INET) {
		k->family = KERN_AF_INET;
		memcpy(k->addr, &ss->in.sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		k->family = KERN_AF_INET6;
		memcpy(k->addr, &ss->in6.sin6_addr, 16);
	}
}

/* 1 if an interface ikd holds already uses id as if_id or mark. */
static int
tap_id_used(const struct ikd *d, uint32_t id)
{
	for (size_t i = 0; i < d->n_taps; i++) {
		const struct tap *t = &d->taps[i].t;

		if ((t->kind == TAP_VTI ? t->mark : t->if_id) == id) {
			return 1;
		}
	}
	return 0;
}

/*
 * Opens the interface of every VPN of cfg that names one and has none yet
 * (only the xfrm backend can tie SAs to it).  Each VPN's ID (an xfrm
 * interface's if_id, or a VTI's key, used as mark) is 0x4000 plus its
 * place in the configuration, or the next one free after a reload moved
 * VPNs around, unless the interface exists and says.
 */
static void
taps_open(struct ikd *d, const struct cfg *cfg)
{
	if (cfg->backend != CFG_BACKEND_XFRM) {
		return;
	}
	for (size_t i = 0; i < cfg->n_vpns; i++) {
		const struct cfg_vpn *v = &cfg->vpns[i];
		struct ikd_tap *nt;
		struct kern_addr l, p;
		char err[256];
		uint32_t id;

		if (v->tap[0] == '\0' || tap_of(d, v->name) != NULL) {
			continue;
		}
		nt = reallocarray(d->taps, d->n_taps + 1, sizeof(*nt));
		if (nt == NULL) {
			loop_logf(IKE_LOG_ERR, "vpn %s: tap %s: out of memory",
			    v->name, v->tap);
			return;
		}
		d->taps = nt;
		nt = &d->taps[d->n_taps];
		kaddr_of_ss(&l, &v->local);
		kaddr_of_ss(&p, &v->peer);
		id = 0x4000 + (uint32_t)i;
		while (tap_id_used(d, id)) {
			id++;
		}
		if (tap_open(&nt->t, v->tap, &l, &p, id, err,
		    sizeof(err)) != 0) {
			loop_logf(IKE_LOG_ERR, "vpn %s: %s: its SAs are not tied "
			    "to an interface", v->name, err);
			continue;
		}
		snprintf(nt->vpn, sizeof(nt->vpn), "%s", v->name);
		d->n_taps++;
		loop_logf(IKE_LOG_NOTICE, "vpn %s: tap %s: %s %s, %s 0x%x%s",
		    v->name, v->tap, nt->t.created ? "made" : "using",
		    tap_kind_name(nt->t.kind), nt->t.kind == TAP_VTI ?
		    "mark (ikey/okey)" : "if_id", nt->t.kind == TAP_VTI ?
		    nt->t.mark : nt->t.if_id, nt->t.kind == TAP_VTI &&
		    nt->t.created ? " (this kernel has no xfrm interfaces)" :
		    "");
	}
}

/*
 * After a reload (the engine has deleted the old SAs, which needed their
 * marks): lets go of the interface of every VPN that is gone, names
 * another one, or no longer runs on xfrm, removing it if ikd made it.
 */
static void
taps_prune(struct ikd *d, const struct cfg *cfg)
{
	for (size_t i = 0; i < d->n_taps; i++) {
		const struct cfg_vpn *v = cfg_vpn_find(cfg, d->taps[i].vpn);

		if (v != NULL && cfg->backend == CFG_BACKEND_XFRM &&
		    strcmp(v->tap, d->taps[i].t.name) == 0) {
			continue;
		}
		loop_logf(IKE_LOG_NOTICE, "vpn %s: tap %s %s",
		    d->taps[i].vpn, d->taps[i].t.name, d->taps[i].t.created ?
		    "removed" : "no longer used");
		tap_close(&d->taps[i].t);
		d->taps[i] = d->taps[--d->n_taps];
		i--;
	}
}

/* Removes the interfaces ikd made (after the SAs went). */
static void
taps_close(struct ikd *d)
{
	for (size_t i = 0; i < d->n_taps; i++) {
		if (d->taps[i].t.created) {
			loop_logf(IKE_LOG_NOTICE, "vpn %s: tap %s removed",
			    d->taps[i].vpn, d->taps[i].t.name);
		}
		tap_close(&d->taps[i].t);
	}
	free(d->taps);
	d->taps = NULL;
	d->n_taps = 0;
}

/* Ties a copy of the engine's SA to its VPN's interface, if it has one. */
static const struct kern_sa *
tap_sa(struct ikd *d, const struct kern_sa *sa, struct kern_sa *copy)
{
	const struct tap *t = tap_of(d, sa->vpn);

	if (t == NULL) {
		return sa;
	}
	*copy = *sa;
	copy->if_id = t->if_id;
	copy->mark = t->mark;
	return copy;
}

static const struct kern_policy *
tap_policy(struct ikd *d, const struct kern_policy *p,
    struct kern_policy *copy)
{
	const struct tap *t = tap_of(d, p->vpn);

	if (t == NULL) {
		return p;
	}
	*copy = *p;
	copy->if_id = t->if_id;
	copy->mark = t->mark;
	return copy;
}

static int
env_spi_alloc(void *ctx, const struct kern_sa *sa0, uint32_t *spi)
{
	struct ikd *d = ctx;
	struct kern_sa copy;
	const struct kern_sa *sa = tap_sa(d, sa0, &copy);

	return kbe_result(d, d->kbe->ops->spi_alloc(d->kbe, sa, spi));
}

static int
env_sa_add(void *ctx, const struct kern_sa *sa0)
{
	struct ikd *d = ctx;
	struct kern_sa copy;
	const struct kern_sa *sa = tap_sa(d, sa0, &copy);
	int rc;

	/*
	 * An inbound SPI came from spi_alloc(): the backend holds it
	 * reserved and wants sa_update() to complete it.  Fall back to a
	 * plain add when it holds no such reservation.
	 */
	if (sa->dir == KERN_DIR_IN) {
		rc = d->kbe->ops->sa_update(d->kbe, sa);
		if (rc != -ESRCH && rc != -ENOENT) {
			goto out;
		}
	}
	rc = d->kbe->ops->sa_add(d->kbe, sa);
out:
	explicit_bzero(&copy, sizeof(copy));	/* the keys */
	return kbe_result(d, rc);
}

static int
env_sa_update(void *ctx, const struct kern_sa *sa0)
{
	struct ikd *d = ctx;
	struct kern_sa copy;
	const struct kern_sa *sa = tap_sa(d, sa0, &copy);
	int rc;

	/* an installed SA's new encapsulation ports (the peer's NAT) */
	rc = d->kbe->ops->sa_update(d->kbe, sa);
	explicit_bzero(&copy, sizeof(copy));
	return kbe_result(d, rc);
}

static int
env_sa_del(void *ctx, const struct kern_sa *sa0)
{
	struct ikd *d = ctx;
	struct kern_sa copy;
	const struct kern_sa *sa = tap_sa(d, sa0, &copy);
	int rc = d->kbe->ops->sa_del(d->kbe, sa);

	explicit_bzero(&copy, sizeof(copy));
	return kbe_result(d, rc);
}

static int
env_policy_add(void *ctx, const struct kern_policy *p0)
{
	struct ikd *d = ctx;
	struct kern_policy copy;
	const struct kern_policy *p = tap_policy(d, p0, &copy);

	return kbe_result(d, d->kbe->ops->policy_add(d->kbe, p));
}

static int
env_policy_del(void *ctx, const struct kern_policy *p0)
{
	struct ikd *d = ctx;
	struct kern_policy copy;
	const struct kern_policy *p = tap_policy(d, p0, &copy);

	return kbe_result(d, d->kbe->ops->policy_del(d->kbe, p));
}

static void
env_log(void *ctx, int level, const char *line)
{
	loop_log_line(level, line);
}

static void
resolved(void *arg, const char *vpn, const char *host,
    const struct ike_addr *addr, const char *err)
{
	struct ikd *d = arg;

	if (d->eng == NULL) {
		return;
	}
	(void)ike_vpn_resolved(d->eng, vpn, host, addr, err, now_ms(d));
	loop_rearm(&d->loop);
}

/* A worker thread: the item is the engine's (ike_work_run reads only it). */
static void
work_run(void *item)
{
	ike_work_run(item);
}

static void
work_finish(void *arg, void *item)
{
	struct ikd *d = arg;

	if (d->eng == NULL || d->stopping) {
		ike_work_discard(item);
		return;
	}
	ike_work_done(d->eng, item, now_ms(d));
	loop_rearm(&d->loop);
}

static void
work_discard(void *item)
{
	ike_work_discard(item);
}

static void
env_work(void *ctx, struct ike_work *w)
{
	struct ikd *d = ctx;

	if (workers_submit(&d->workers, w) != 0) {
		/* the SA waits out its half-open time; the peer retries */
		loop_logf(IKE_LOG_ERR, "Diffie-Hellman: %s", strerror(ENOMEM));
		ike_work_discard(w);
	}
}

/* `local = any`: what a connected UDP socket is given as its source by
 * the routing table (no packet is sent). */
static int
env_source(void *ctx, const struct ike_addr *peer, struct ike_addr *local)
{
	struct ike_addr dst = *peer;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, rc = 0;

	(void)ctx;
	dst.port = dst.port ? dst.port : 500;
	if ((rc = sock_addr_to_ss(&dst, &ss, &sl)) != 0) {
		return rc;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		rc = -errno;
	}
	close(fd);
	/* the caller sets the port: the name's is the kernel's pick */
	return rc != 0 ? rc : sock_addr_from_sa((struct sockaddr *)&ss, local);
}

static void
env_resolve(void *ctx, const char *vpn, const char *host, int af)
{
	struct ikd *d = ctx;
	struct held_lookup *h, **tail;
	int rc;

	if (d->lookups_ok) {
		rc = resolve_start(&d->uv, vpn, host, af, resolved, d);
		if (rc < 0) {
			/* answered on the loop, never from inside this call */
			loop_logf(IKE_LOG_ERR, "%s: looking up %s: %s", vpn,
			    host, strerror(-rc));
		}
		return;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->vpn = strdup(vpn)) == NULL || (h->host = strdup(host)) == NULL) {
		loop_logf(IKE_LOG_ERR, "%s: looking up %s: %s", vpn, host,
		    strerror(ENOMEM));
		if (h != NULL) {
			free(h->vpn);
		}
		free(h);
		return;
	}
	h->af = af;
	for (tail = &d->held; *tail; tail = &(*tail)->next) {
		;
	}
	*tail = h;
}

/* Privileges dropped: the held lookups start (or are dropped: close). */
static void
lookups_release(struct ikd *d, int start)
{
	d->lookups_ok = start;
	while (d->held != NULL) {
		struct held_lookup *h = d->held;

		d->held = h->next;
		if (start) {
			env_resolve(d, h->vpn, h->host, h->af);
		}
		free(h->vpn);
		free(h->host);
		free(h);
	}
}

/*
 * What a reload does to each VPN, for the log and for `ikectl reload`:
 * the same test the engine applies (cfg_vpn_equal), so what is printed is
 * what happens.
 */
/* The VPNs of cfg by name (ike_map.h), for reload_summary(). */
static int
names_index(struct ike_map *m, const struct cfg *cfg)
{
	ike_map_init(m, 0);
	for (size_t i = 0; i < cfg->n_vpns; i++) {
		const char *n = cfg->vpns[i].name;

		if (ike_map_put(m, ike_map_key(n, strlen(n), 0),
		    &cfg->vpns[i]) != 0) {
			ike_map_free(m);
			return -ENOMEM;
		}
	}
	return 0;
}

static const struct cfg_vpn *
names_find(const struct ike_map *m, const char *name)
{
	uint64_t key = ike_map_key(name, strlen(name), 0);
	const struct cfg_vpn *v;
	uint32_t it;

	for (v = ike_map_first(m, key, &it); v;
	    v = ike_map_next(m, key, &it)) {
		if (strcmp(v->name, name) == 0) {
			return v;
		}
	}
	return NULL;
}

static void
reload_summary(struct ikd *d, const struct cfg *nw, FILE *out)
{
	static const char *what[] = { "unchanged", "added", "changed",
	    "removed" };
	struct ike_map names[2];	/* of d->cfg, of nw */
	char line[1024];

	/* by name, not cfg_vpn_find(): a hub's 10,000 VPNs each looked up
	 * in the other file set would cost 10^8 comparisons */
	if (names_index(&names[0], d->cfg) != 0) {
		return;
	}
	if (names_index(&names[1], nw) != 0) {
		ike_map_free(&names[0]);
		return;
	}
	for (int k = 0; k < 4; k++) {
		size_t n = 0, len;

		len = (size_t)snprintf(line, sizeof(line), "reload: %s:",
		    what[k]);
		for (size_t i = 0; i < (k == 3 ? d->cfg->n_vpns :
		    nw->n_vpns); i++) {
			const struct cfg_vpn *v = k == 3 ? &d->cfg->vpns[i] :
			    &nw->vpns[i];
			const struct cfg_vpn *o = names_find(&names[k == 3],
			    v->name);
			int kind = k == 3 ? (o ? -1 : 3) : o == NULL ? 1 :
			    cfg_vpn_equal(o, v) ? 0 : 2;

			if (kind != k) {
				continue;
			}
			n++;
			if (len < sizeof(line)) {
				len += (size_t)snprintf(line + len,
				    sizeof(line) - len, " %s", v->name);
			}
		}
		if (n == 0) {
			continue;
		}
		loop_log_line(IKE_LOG_NOTICE, line);
		if (out != NULL) {
			fprintf(out, "%s\n", line + strlen("reload: "));
		}
	}
	ike_map_free(&names[0]);
	ike_map_free(&names[1]);
}

/*
 * Loads path (the running file for a reload, another for `ikectl load`)
 * and, when it is free of errors, gives it to the engine: unchanged VPNs
 * keep their SAs, removed ones are deleted, added ones start, changed ones
 * restart.  Messages go to the log and, from ikectl, to out.  Returns 0 or
 * a negative errno; on any error nothing changes.
 */
static int
reload(struct ikd *d, const char *path, FILE *out)
{
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;
	int rc;

	{
		/* systemd's Type=notify-reload wants the time with it. */
		struct timespec ts;
		char st[80];

		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(st, sizeof(st), "RELOADING=1\nMONOTONIC_USEC=%llu",
		    (unsigned long long)ts.tv_sec * 1000000u +
		    (unsigned long long)ts.tv_nsec / 1000u);
		(void)notify_send(st);
	}
	/* the files that did not change are not read again */
	rc = cfg_reload(path, d->cfg, wall_ns(), &cfg, &diag);
	if (rc != 0 && out != NULL) {
		fprintf(out, "%s has errors, keeping the running "
		    "configuration:\n", path);
	}
	for (size_t i = 0; i < diag.n; i++) {
		loop_log_line(diag.msgs[i].warning ? IKE_LOG_WARN :
		    IKE_LOG_ERR, diag.msgs[i].text);
		if (out != NULL) {
			fprintf(out, "  %s\n", diag.msgs[i].text);
		}
	}
	cfg_diag_free(&diag);
	if (rc != 0) {
		loop_logf(IKE_LOG_ERR, "reload: %s has errors, keeping the "
		    "running configuration", path);
		goto out;
	}
	apply_overrides(d, cfg);
	if (strcmp(cfg->socket, d->cfg->socket) != 0 ||
	    cfg->backend != d->cfg->backend ||
	    cfg->workers != d->workers_cfg) {
		loop_logf(IKE_LOG_WARN, "reload: socket, backend and workers "
		    "changes take effect at the next start");
		if (out != NULL) {
			fprintf(out, "note: socket, backend and workers changes "
			    "take effect at the next start\n");
		}
	}
	(void)listen_all(d, cfg, 0);
	reload_summary(d, cfg, out);
	rc = ike_set_config(d->eng, cfg, now_ms(d));
	if (rc != 0) {
		loop_logf(IKE_LOG_ERR, "reload: engine refused the "
		    "configuration: %s", strerror(-rc));
		if (out != NULL) {
			fprintf(out, "engine refused the configuration: %s\n",
			    strerror(-rc));
		}
		loop_rearm(&d->loop);
		goto out;
	}
	d->cfg = cfg;
	/* the old SAs are gone (deleted with their marks): the interfaces
	 * follow; new VPNs' SAs come after negotiation, with their own */
	taps_prune(d, cfg);
	taps_open(d, cfg);
#ifdef __GLIBC__
	/* A reload held two configurations for a moment: glibc keeps the
	 * old one's pages unless asked (musl gives them back itself). */
	malloc_trim(0);
#endif
	if (d->fg) {
		loop_log_open(cfg->log ? cfg->log : LOOP_LOG_STDERR);
	}
	if (path != d->conf) {
		snprintf(d->conf, sizeof(d->conf), "%s", path);
	}
	loop_logf(IKE_LOG_INFO, "reload: %zu of %zu VPN file(s) unchanged, "
	    "not read again", cfg->n_reused, cfg->n_vpns);
	loop_logf(IKE_LOG_NOTICE, "reloaded %s: %zu vpn(s)", d->conf,
	    cfg->n_vpns);
	if (out != NULL) {
		fprintf(out, "reloaded %s: %zu vpn(s)\n", d->conf,
		    cfg->n_vpns);
	}
	loop_rearm(&d->loop);
out:
	(void)notify_send("READY=1");
	return rc;
}

static int
vpn_known(struct ikd *d, const char *name, FILE *out)
{
	if (cfg_vpn_find(d->cfg, name) != NULL) {
		return 1;
	}
	fprintf(out, "unknown vpn '%s'\n", name);
	return 0;
}

static int
vpn_op(struct ikd *d, int up, const char *name, FILE *out)
{
	int rc = up ? ike_vpn_up(d->eng, name, now_ms(d)) :
	    ike_vpn_down(d->eng, name, now_ms(d));

	if (rc < 0) {
		fprintf(out, "%s %s: %s\n", up ? "up" : "down", name,
		    strerror(-rc));
	}
	return rc;
}

/* `show sa`: the engine's view plus the kernel's byte counters, which the
 * engine (no I/O) does not know. */
struct show_sa_arg {
	struct show_list sl;
	struct ikd *d;
};

/*
 * A copy of sa whose children (a static array, valid until the next call)
 * carry the kernel's byte counters, read with the VPN's tap mark if it has
 * one (*tap, else NULL).
 */
static struct ike_sa_info
sa_counted(struct ikd *d, const struct ike_sa_info *sa, const struct tap **tap)
{
	static struct ike_child_info ch[CFG_FLOWS_MAX];
	struct ike_sa_info copy = *sa;
	const struct tap *t = sa->vpn ? tap_of(d, sa->vpn) : NULL;

	if (copy.n_children > CFG_FLOWS_MAX) {
		copy.n_children = CFG_FLOWS_MAX;
	}
	memcpy(ch, sa->children, (size_t)copy.n_children * sizeof(ch[0]));
	(void)kbe_child_counters_mark(d->kbe, &copy, ch,
	    t != NULL ? t->mark : 0);
	copy.children = ch;
	*tap = t;
	return copy;
}

static void
show_sa_cb(void *arg, const struct ike_sa_info *sa)
{
	struct show_sa_arg *a = arg;
	static char how[48];
	const struct tap *t;
	struct ike_sa_info copy;

	if (a->sl.vpn != NULL && (sa->vpn == NULL ||
	    strcmp(a->sl.vpn, sa->vpn) != 0)) {
		return;	/* show_list_cb() would skip it: no kernel query */
	}
	copy = sa_counted(a->d, sa, &t);
	if (t != NULL) {
		if (t->kind == TAP_VTI) {
			snprintf(how, sizeof(how), "VTI, mark 0x%x",
			    (unsigned)t->mark);
		} else {
			snprintf(how, sizeof(how), "xfrm interface, if_id %u",
			    (unsigned)t->if_id);
		}
		copy.tap = t->name;
		copy.tap_how = how;
	}
	show_list_cb(&a->sl, &copy);
}

static const char *addr_text(const struct ike_addr *a, char *buf,
    size_t len);

/* `show vpn`: the engine's view of each configured VPN, with its peer as
 * configured and its CHILD SAs' bytes from the kernel. */
struct show_vpn_arg {
	struct ikd *d;
	FILE *out;
	const char *name;	/* NULL: all */
	int json, n;
	uint64_t now;
	uint64_t (*bytes)[2];	/* per d->cfg->vpns[], in and out */
};

static void
vpn_bytes_cb(void *arg, const struct ike_sa_info *sa)
{
	struct show_vpn_arg *a = arg;
	const struct cfg_vpn *v = sa->vpn ? cfg_vpn_find(a->d->cfg, sa->vpn) :
	    NULL;
	const struct tap *t;
	struct ike_sa_info copy;
	size_t i;

	if (v == NULL || (a->name != NULL && strcmp(a->name, sa->vpn) != 0)) {
		return;
	}
	i = (size_t)(v - a->d->cfg->vpns);
	copy = sa_counted(a->d, sa, &t);
	for (int k = 0; k < copy.n_children; k++) {
		a->bytes[i][0] += copy.children[k].bytes_in;
		a->bytes[i][1] += copy.children[k].bytes_out;
	}
}

static void
show_vpn_cb(void *arg, const struct ike_vpn_info *in)
{
	struct show_vpn_arg *a = arg;
	const struct cfg_vpn *v = cfg_vpn_find(a->d->cfg, in->name);
	char peer[64];
	struct show_vpn sv = { .in = in };
	size_t i;

	if (v == NULL || (a->name != NULL && strcmp(a->name, in->name) != 0)) {
		return;
	}
	i = (size_t)(v - a->d->cfg->vpns);
	if (v->peer_host != NULL) {
		sv.peer_cfg = v->peer_host;
	} else if (v->peer.ss_family == AF_UNSPEC) {
		sv.peer_cfg = "any";
	} else {
		struct ike_addr pa;

		cfg_addr(&v->peer, 0, &pa);
		sv.peer_cfg = addr_text(&pa, peer, sizeof(peer));
	}
	sv.bytes_in = a->bytes[i][0];
	sv.bytes_out = a->bytes[i][1];
	if (a->json) {
		fputs(a->n > 0 ? ",\n" : "\n", a->out);
		show_vpn_json(a->out, &sv, a->now);
	} else {
		if (a->n > 0) {
			putc('\n', a->out);
		}
		show_vpn_text(a->out, &sv, a->now);
	}
	a->n++;
}

static int
show_vpns(struct ikd *d, const struct ctl_cmd *cmd, FILE *out)
{
	struct show_vpn_arg a = { .d = d, .out = out, .json = cmd->json,
	    .name = cmd->name[0] ? cmd->name : NULL, .now = now_ms(d) };

	if (a.name != NULL && !vpn_known(d, a.name, out)) {
		return -ENOENT;
	}
	a.bytes = calloc(d->cfg->n_vpns + 1, sizeof(*a.bytes));
	if (a.bytes == NULL) {
		fprintf(out, "out of memory\n");
		return -ENOMEM;
	}
	ike_foreach_sa(d->eng, vpn_bytes_cb, &a);
	if (a.json) {
		putc('[', out);
	}
	ike_foreach_vpn(d->eng, show_vpn_cb, &a);
	if (a.json) {
		fputs(a.n > 0 ? "\n]\n" : "]\n", out);
	} else if (a.n == 0) {
		fputs("no VPN configured\n", out);
	}
	free(a.bytes);
	return 0;
}

static int wait_start(struct ikd *d, const struct ctl_cmd *cmd, FILE *out);

/* The control commands (net/ctl.h). */
static int
ctl_handler(void *ctx, const struct ctl_cmd *cmd, FILE *out)
{
	struct ikd *d = ctx;
	struct show_sa_arg sa = { .d = d };
	struct ike_stats st;
	int rc = 0;

	switch (cmd->op) {
	case CTL_SHOW_SA:
		if (cmd->name[0] && !vpn_known(d, cmd->name, out)) {
			return -ENOENT;
		}
		show_list_begin(&sa.sl, out, cmd->name[0] ? cmd->name : NULL,
		    cmd->json, now_ms(d));
		ike_foreach_sa(d->eng, show_sa_cb, &sa);
		show_list_end(&sa.sl);
		return 0;
	case CTL_SHOW_VPN:
		return show_vpns(d, cmd, out);
	case CTL_SHOW_STATS:
		ike_get_stats(d->eng, &st);
		st.backend = d->backend;
		show_stats(out, &st, cmd->json);
		return 0;
	case CTL_UP:
	case CTL_DOWN:
		if (!vpn_known(d, cmd->name, out)) {
			return -ENOENT;
		}
		loop_logf(IKE_LOG_NOTICE, "control: %s %s",
		    cmd->op == CTL_UP ? "up" : "down", cmd->name);
		rc = vpn_op(d, cmd->op == CTL_UP, cmd->name, out);
		loop_rearm(&d->loop);
		if (rc == 0 && cmd->wait) {
			return wait_start(d, cmd, out);
		}
		break;
	case CTL_RESET_VPN:
		if (!vpn_known(d, cmd->name, out)) {
			return -ENOENT;
		}
		loop_logf(IKE_LOG_NOTICE, "control: reset vpn %s", cmd->name);
		rc = vpn_op(d, 0, cmd->name, out);
		if (rc == 0) {
			rc = vpn_op(d, 1, cmd->name, out);
		}
		break;
	case CTL_RESET_ALL:
		/* Every SA goes; active VPNs initiate again. */
		loop_logf(IKE_LOG_NOTICE, "control: reset all");
		for (size_t i = 0; i < d->cfg->n_vpns; i++) {
			(void)ike_vpn_down(d->eng, d->cfg->vpns[i].name,
			    now_ms(d));
		}
		for (size_t i = 0; i < d->cfg->n_vpns; i++) {
			if (d->cfg->vpns[i].mode == CFG_MODE_ACTIVE) {
				(void)ike_vpn_up(d->eng, d->cfg->vpns[i].name,
				    now_ms(d));
			}
		}
		break;
	case CTL_RELOAD:
		loop_logf(IKE_LOG_NOTICE, "control: reload");
		rc = reload(d, d->conf, out);
		break;
	case CTL_LOAD:
		loop_logf(IKE_LOG_NOTICE, "control: load %s", cmd->path);
		rc = reload(d, cmd->path, out);
		break;
	case CTL_SHOW_KERNEL:
		rc = ipsecctl_sa_show(d->kbe, out, cmd->json ?
		    IPSECCTL_SA_JSON : cmd->dump ? IPSECCTL_SA_DUMP :
		    IPSECCTL_SA_PRETTY, cmd->keys);
		if (rc != 0) {
			fprintf(out, "kernel: %s\n", kbe_error(d->kbe)[0] ?
			    kbe_error(d->kbe) : strerror(-rc));
		}
		return rc;
	case CTL_LOG:
		loop_log_set_level(cmd->verbose ? IKE_LOG_DEBUG :
		    d->base_level);
		ike_set_log_level(d->eng, loop_log_wanted());
		loop_logf(IKE_LOG_INFO, "control: log %s",
		    cmd->verbose ? "verbose" : "brief");
		return 0;
	default:
		fprintf(out, "command not handled\n");
		return -EINVAL;
	}
	loop_rearm(&d->loop);
	return rc;
}

/* ---- `ikectl up|down NAME -w SECONDS`: the reply waits ---- */

/* How one VPN stands, from the engine's view. */
/* A VPN as its IKE SAs show it (for ikectl -w and the hooks). */
struct vpn_now {
	const char *vpn;
	int n_sas;		/* IKE SAs listed, any state */
	int established;
	int children;		/* INSTALLED CHILD SAs of an established one */
	const char *state;	/* of the last SA seen */
	struct ike_addr local, peer;	/* of that established one */
};

/* Counts one IKE SA of v's VPN into v. */
static void
vpn_now_add(struct vpn_now *v, const struct ike_sa_info *sa)
{
	v->n_sas++;
	v->state = sa->state;
	if (strcmp(sa->state, "ESTABLISHED") == 0) {
		v->established = 1;
		if (sa->n_children > v->children) {
			v->children = sa->n_children;
			v->local = sa->local;
			v->peer = sa->peer;
		}
	}
}

/* Up: an ESTABLISHED IKE SA carrying a CHILD SA for every flow. */
static int
vpn_now_up(const struct vpn_now *v, const struct cfg_vpn *c)
{
	return c != NULL && v->established && v->children >= (int)c->n_flows;
}

static void
vpn_now_cb(void *arg, const struct ike_sa_info *sa)
{
	struct vpn_now *v = arg;

	if (sa->vpn != NULL && strcmp(sa->vpn, v->vpn) == 0) {
		vpn_now_add(v, sa);
	}
}

/*
 * Is the waiter's goal reached?  Up: an ESTABLISHED IKE SA carrying a
 * CHILD SA for every flow.  Down: no IKE SA left.  Writes what it sees
 * to msg.
 */
static int
wait_done(struct ikd *d, const struct ikd_waiter *w, char *msg, size_t len)
{
	const struct cfg_vpn *c = cfg_vpn_find(d->cfg, w->vpn);
	struct vpn_now v = { .vpn = w->vpn };

	ike_foreach_sa(d->eng, vpn_now_cb, &v);
	if (w->up && c == NULL) {
		snprintf(msg, len, "no longer in the configuration");
		return 0;
	}
	if (w->up && vpn_now_up(&v, c)) {
		snprintf(msg, len, "%s: up, %d CHILD SA%s\n", w->vpn,
		    v.children, v.children == 1 ? "" : "s");
		return 1;
	}
	if (!w->up && v.n_sas == 0) {
		snprintf(msg, len, "%s: down\n", w->vpn);
		return 1;
	}
	if (v.n_sas == 0) {
		snprintf(msg, len, "no IKE SA");
	} else if (v.established) {
		snprintf(msg, len, "IKE SA ESTABLISHED, %d of %zu CHILD SAs",
		    v.children, c ? c->n_flows : 0);
	} else {
		snprintf(msg, len, "IKE SA in %s", v.state);
	}
	return 0;
}

/* Answers every waiter whose goal is reached, failed or out of time. */
static void
waiters_check(struct ikd *d)
{
	uint64_t now = now_ms(d);
	int left = 0;

	for (int i = 0; i < CTL_MAX_CONNS; i++) {
		struct ikd_waiter *w = &d->waiters[i];
		char msg[1024], st[256];

		if (w->conn == 0) {
			continue;
		}
		if (ctl_server_reply(&d->ctl, w->conn, 0, NULL) != 0) {
			w->conn = 0;	/* the client left */
			continue;
		}
		if (wait_done(d, w, st, sizeof(st))) {
			(void)ctl_server_reply(&d->ctl, w->conn, 1, st);
			w->conn = 0;
			continue;
		}
		if (w->up && w->err[0]) {
			snprintf(msg, sizeof(msg), "up %s failed: %s\n",
			    w->vpn, w->err);
		} else if (now >= w->deadline) {
			snprintf(msg, sizeof(msg), "%s %s: not %s after %d s "
			    "(%s)%s%s\n", w->up ? "up" : "down", w->vpn,
			    w->up ? "up" : "down", w->secs, st,
			    w->last[0] ? "; last: " : "", w->last);
		} else {
			left++;
			continue;
		}
		(void)ctl_server_reply(&d->ctl, w->conn, 0, msg);
		w->conn = 0;
	}
	if (left == 0 && d->wait_timer_on) {
		uv_timer_stop(&d->wait_timer);
	}
}

static void
wait_timer_cb(uv_timer_t *t)
{
	waiters_check(t->data);
}

/*
 * Holds the reply to `up|down NAME -w SECONDS` until the VPN is up (or
 * gone), fails, or the time runs out; answers at once when it already is.
 * Returns CTL_DEFER, 0 or a negative errno.
 */
static int
wait_start(struct ikd *d, const struct ctl_cmd *cmd, FILE *out)
{
	struct ikd_waiter *w = NULL;
	char msg[256];

	for (int i = 0; i < CTL_MAX_CONNS && w == NULL; i++) {
		if (d->waiters[i].conn == 0) {
			w = &d->waiters[i];
		}
	}
	memset(msg, 0, sizeof(msg));
	if (w == NULL) {
		fprintf(out, "too many clients waiting\n");
		return -EBUSY;
	}
	memset(w, 0, sizeof(*w));
	w->up = cmd->op == CTL_UP;
	snprintf(w->vpn, sizeof(w->vpn), "%s", cmd->name);
	if (wait_done(d, w, msg, sizeof(msg))) {
		fputs(msg, out);
		return 0;
	}
	w->conn = cmd->conn;
	w->secs = cmd->wait;
	w->deadline = now_ms(d) + (uint64_t)cmd->wait * 1000;
	if (!d->wait_timer_on) {
		uv_timer_init(&d->uv, &d->wait_timer);
		d->wait_timer.data = d;
		d->wait_timer_on = 1;
	}
	if (!uv_is_active((uv_handle_t *)&d->wait_timer)) {
		uv_timer_start(&d->wait_timer, wait_timer_cb, 100, 100);
	}
	return CTL_DEFER;
}

/*
 * Log lines to `ikectl monitor` clients; and, for a VPN someone waits on,
 * the last line naming it ("NAME: ...") and the first warning or error,
 * which ends an `up -w` with that reason.
 */
/* ---- up/down scripts ---- */

/* Every configured VPN's state in one pass over the IKE SAs. */
struct hook_scan {
	const struct cfg *cfg;
	struct vpn_now *now;	/* one per cfg->vpns[] */
	struct ike_map names;	/* cfg's VPNs by name (names_index()) */
};

static void
hook_scan_cb(void *arg, const struct ike_sa_info *sa)
{
	struct hook_scan *h = arg;
	const struct cfg_vpn *v = sa->vpn ? names_find(&h->names, sa->vpn) :
	    NULL;

	if (v != NULL) {
		vpn_now_add(&h->now[v - h->cfg->vpns], sa);
	}
}

static const char *
addr_text(const struct ike_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->af == 6 ? AF_INET6 : AF_INET, a->ip, buf,
	    (socklen_t)len) == NULL) {
		snprintf(buf, len, "?");
	}
	return buf;
}

static void
nets_str(const struct cfg_vpn *v, int remote, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < v->n_flows && off < len; i++) {
		const struct cfg_prefix *p = remote ? &v->flows[i].remote :
		    &v->flows[i].local;
		char a[64];

		inet_ntop(p->family, p->addr, a, sizeof(a));
		off += (size_t)snprintf(buf + off, len - off, "%s%s/%u",
		    off ? " " : "", a, p->plen);
	}
}

static void
hook_tell(struct ikd *d, const char *action, const char *vpn,
    const struct cfg_vpn *v, const char *local, const char *peer)
{
	char ln[512] = "", rn[512] = "";
	size_t own = 0;

	if (v != NULL) {
		nets_str(v, 0, ln, sizeof(ln));
		nets_str(v, 1, rn, sizeof(rn));
	}
	for (size_t i = 0; v != NULL && v->updown != NULL &&
	    i < d->n_updown && own == 0; i++) {
		own = strcmp(d->updown[i], v->updown) == 0 ? i + 1 : 0;
	}
	if (v != NULL && v->updown != NULL && own == 0) {
		loop_logf(IKE_LOG_WARN, "%s: updown %s not run: named after "
		    "ikd started, it runs from the next start", vpn,
		    v->updown);
	}
	if (hooks_event(&d->hooks, action, vpn, local, peer, ln, rn,
	    own) != 0) {
		loop_logf(IKE_LOG_WARN, "%s: %s hook not run: the hook "
		    "runner is behind", vpn, action);
	}
}

/*
 * Compares each VPN's state (up: an ESTABLISHED IKE SA with a CHILD SA
 * for every flow) with the last one told, and tells the runner what
 * changed; a VPN a reload removed while up goes down.
 */
static void
hooks_scan(struct ikd *d)
{
	const struct cfg *cfg = d->cfg;
	size_t n = cfg ? cfg->n_vpns : 0;
	struct vpn_now *now = calloc(n + 1, sizeof(*now));
	struct hook_vpn *nhv = calloc(n + 1, sizeof(*nhv));
	struct hook_scan hs = { cfg, now, { 0 } };
	struct ike_map old_names;	/* d->hv by name */

	/* By name through hash maps: this runs after every change of
	 * state, and a hub has thousands of VPNs and SAs. */
	ike_map_init(&old_names, 0);
	if (now == NULL || nhv == NULL || (cfg != NULL &&
	    names_index(&hs.names, cfg) != 0)) {
		goto out;
	}
	for (size_t k = 0; k < d->n_hv; k++) {
		const char *nm = d->hv[k].name;

		if (ike_map_put(&old_names, ike_map_key(nm, strlen(nm), 0),
		    &d->hv[k]) != 0) {
			goto out;
		}
	}
	if (n > 0) {
		ike_foreach_sa(d->eng, hook_scan_cb, &hs);
	}
	for (size_t k = 0; k < d->n_hv; k++) {	/* removed while up */
		int kept = names_find(&hs.names, d->hv[k].name) != NULL;

		if (!kept && d->hv[k].up) {
			hook_tell(d, "down", d->hv[k].name, NULL,
			    d->hv[k].local, d->hv[k].peer);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct hook_vpn *old = NULL, *o;
		uint64_t key;
		uint32_t it;

		snprintf(nhv[i].name, sizeof(nhv[i].name), "%s",
		    cfg->vpns[i].name);
		key = ike_map_key(nhv[i].name, strlen(nhv[i].name), 0);
		for (o = ike_map_first(&old_names, key, &it); o && !old;
		    o = ike_map_next(&old_names, key, &it)) {
			old = strcmp(o->name, nhv[i].name) == 0 ? o : NULL;
		}
		nhv[i].up = vpn_now_up(&now[i], &cfg->vpns[i]);
		if (nhv[i].up) {
			addr_text(&now[i].local, nhv[i].local,
			    sizeof(nhv[i].local));
			addr_text(&now[i].peer, nhv[i].peer,
			    sizeof(nhv[i].peer));
		} else if (old != NULL) {
			memcpy(nhv[i].local, old->local, sizeof(old->local));
			memcpy(nhv[i].peer, old->peer, sizeof(old->peer));
		}
		if (nhv[i].up != (old ? old->up : 0)) {
			hook_tell(d, nhv[i].up ? "up" : "down", nhv[i].name,
			    &cfg->vpns[i], nhv[i].local, nhv[i].peer);
		}
	}
	free(d->hv);
	d->hv = nhv;
	d->n_hv = n;
	nhv = NULL;
out:
	ike_map_free(&hs.names);
	ike_map_free(&old_names);
	free(now);
	free(nhv);
}

static void
hooks_timer_cb(uv_timer_t *t)
{
	hooks_scan(t->data);
}

static void
hooks_poll_cb(uv_poll_t *p, int status, int events)
{
	struct ikd *d = p->data;
	char line[1024];
	int n;

	while ((n = hooks_result(&d->hooks, line, sizeof(line))) > 0) {
		loop_logf(strstr(line, ": exit 0") != NULL ? IKE_LOG_NOTICE :
		    IKE_LOG_WARN, "%s", line);
	}
	if (n == 0) {
		loop_logf(IKE_LOG_WARN, "hook runner gone: no more hooks");
		uv_poll_stop(p);
	}
}

/* The runner, forked while ikd can still do so (net/hooks.h). */
static void
hooks_begin(struct ikd *d, const struct cfg *cfg)
{
	int rc;

	/* each VPN's own script, once: the runner runs no other path */
	d->updown = calloc(cfg->n_vpns + 1, sizeof(*d->updown));
	for (size_t i = 0; d->updown != NULL && i < cfg->n_vpns; i++) {
		const char *u = cfg->vpns[i].updown;
		size_t k = 0;

		while (u != NULL && k < d->n_updown &&
		    strcmp(d->updown[k], u) != 0) {
			k++;
		}
		if (u != NULL && k == d->n_updown &&
		    (d->updown[k] = strdup(u)) != NULL) {
			d->n_updown++;
		}
	}
	rc = hooks_start(&d->hooks, cfg->hooks,
	    (const char *const *)d->updown, d->n_updown);

	if (rc != 0) {
		loop_logf(IKE_LOG_WARN, "hooks: cannot start the runner: %s",
		    strerror(-rc));
		return;
	}
	if (d->hooks.to_runner < 0) {
		return;
	}
	uv_poll_init(&d->uv, &d->hooks_poll, d->hooks.from_runner);
	uv_timer_init(&d->uv, &d->hooks_timer);
	d->hooks_poll.data = d->hooks_timer.data = d;
	uv_poll_start(&d->hooks_poll, UV_READABLE, hooks_poll_cb);
	d->hooks_on = 1;
	loop_logf(IKE_LOG_INFO, "hooks: scripts in %s and %zu updown "
	    "script(s) run on tunnel up and down", cfg->hooks, d->n_updown);
}

/*
 * One log line as `ikectl monitor --json` shows it:
 *   {"time":"2026-12-05 11:45:21.981","level":"notice","vpn":"tun",
 *    "spi":"101c2a1776578c69","message":"established IKE SA ..."}
 * vpn (a configured VPN's name the line starts with) and spi are null
 * when the line has none; message is the text after them.  Returns a
 * static buffer.
 */
static const char *
monitor_json(struct ikd *d, int level, const char *line, const char *text)
{
	static const char *lvl[] = { "err", "warning", "notice", "info",
	    "debug" };
	static char buf[2048];
	char vpn[CFG_NAME_MAX] = "", spi[17] = "", when[32];
	const char *msg = text, *colon = strstr(text, ": ");
	FILE *f;

	if (colon != NULL && (size_t)(colon - text) < sizeof(vpn)) {
		memcpy(vpn, text, (size_t)(colon - text));
		vpn[colon - text] = '\0';
		if (d->cfg != NULL && cfg_vpn_find(d->cfg, vpn) != NULL) {
			msg = colon + 2;
		} else {
			vpn[0] = '\0';
		}
	}
	if (vpn[0] != '\0' && strncmp(msg, "spi=0x", 6) == 0 &&
	    strlen(msg) >= 24 && strncmp(msg + 22, ": ", 2) == 0) {
		memcpy(spi, msg + 6, 16);
		spi[16] = '\0';
		msg += 24;
	}
	snprintf(when, sizeof(when), "%.23s", line);
	if ((f = fmemopen(buf, sizeof(buf), "w")) == NULL) {
		return NULL;
	}
	fputs("{\"time\":", f);
	show_json_str(f, when);
	fprintf(f, ",\"level\":\"%s\",\"vpn\":",
	    level >= 0 && level <= IKE_LOG_DEBUG ? lvl[level] : "debug");
	show_json_str(f, vpn[0] ? vpn : NULL);
	fputs(",\"spi\":", f);
	show_json_str(f, spi[0] ? spi : NULL);
	fputs(",\"message\":", f);
	show_json_str(f, msg);
	putc('}', f);
	if (ferror(f) || ftell(f) >= (long)sizeof(buf) - 1) {
		fclose(f);
		return NULL;	/* cut: not valid JSON */
	}
	fclose(f);
	return buf;
}

static void
log_tap(void *ctx, int level, const char *line, const char *text)
{
	struct ikd *d = ctx;

	if (d->hooks_on && level <= IKE_LOG_NOTICE) {
		/* a state may have changed: look once the engine returns */
		uv_timer_start(&d->hooks_timer, hooks_timer_cb, 0, 0);
	}

	ctl_server_broadcast(&d->ctl, line, d->ctl.n_json_monitors > 0 ?
	    monitor_json(d, level, line, text) : NULL);
	for (int i = 0; i < CTL_MAX_CONNS; i++) {
		struct ikd_waiter *w = &d->waiters[i];
		size_t n = strlen(w->vpn);

		if (w->conn == 0 || strncmp(text, w->vpn, n) != 0 ||
		    strncmp(text + n, ": ", 2) != 0) {
			continue;
		}
		snprintf(w->last, sizeof(w->last), "%s", text + n + 2);
		if (level <= IKE_LOG_WARN && w->err[0] == '\0') {
			snprintf(w->err, sizeof(w->err), "%s", text + n + 2);
		}
	}
}

/* ---- kernel events: lifetimes run out, traffic without an SA ---- */

static void
kernel_event(void *arg, const struct kbe_event *ev)
{
	struct ikd *d = arg;
	uint64_t now = now_ms(d);
	struct ike_addr peer;

	switch (ev->type) {
	case KBE_EV_EXPIRE_SOFT:
	case KBE_EV_EXPIRE_HARD:
		memset(&peer, 0, sizeof(peer));
		peer.af = ev->dst.family == KERN_AF_INET6 ? 6 : 4;
		memcpy(peer.ip, ev->dst.addr, 16);
		(void)ike_child_expired(d->eng, ev->spi, &peer,
		    ev->type == KBE_EV_EXPIRE_HARD, now);
		break;
	case KBE_EV_ACQUIRE:
		memset(&peer, 0, sizeof(peer));
		peer.af = ev->dst.family == KERN_AF_INET6 ? 6 : 4;
		memcpy(peer.ip, ev->dst.addr, 16);
		if (ike_kernel_acquire(d->eng, ev->reqid,
		    ev->dst.family ? &peer : NULL, now) != 0) {
			loop_logf(IKE_LOG_DEBUG, "kernel acquire for reqid %u "
			    "matches no VPN", ev->reqid);
		}
		break;
	}
}

static void
kernel_events_cb(uv_poll_t *p, int status, int events)
{
	struct ikd *d = p->data;

	if (status == 0) {
		(void)d->kbe->ops->events_read(d->kbe);
		loop_rearm(&d->loop);
	}
}

/* Watches the backend's event socket, when it has one. */
static void
kernel_events_start(struct ikd *d)
{
	int fd = d->kbe->ops->events_fd ? d->kbe->ops->events_fd(d->kbe) :
	    -1;

	if (fd < 0) {
		if (kbe_error(d->kbe)[0]) {
			loop_logf(IKE_LOG_WARN, "no kernel events (%s): SAs "
			    "are rekeyed on the engine's timers only",
			    kbe_error(d->kbe));
		}
		return;
	}
	kbe_set_event_cb(d->kbe, kernel_event, d);
	if (uv_poll_init(&d->uv, &d->kev, fd) == 0) {
		d->kev.data = d;
		d->kev_on = 1;
		uv_poll_start(&d->kev, UV_READABLE, kernel_events_cb);
	}
}

static void
close_all(struct ikd *d)
{
	loop_log_set_tap(NULL, NULL);
	if (d->wait_timer_on) {
		d->wait_timer_on = 0;
		uv_close((uv_handle_t *)&d->wait_timer, NULL);
	}
	if (d->kev_on) {
		d->kev_on = 0;
		uv_close((uv_handle_t *)&d->kev, NULL);
	}
	if (d->hooks_on) {
		d->hooks_on = 0;
		uv_close((uv_handle_t *)&d->hooks_poll, NULL);
		uv_close((uv_handle_t *)&d->hooks_timer, NULL);
	}
	ctl_server_close(&d->ctl);
	workers_stop(&d->workers);	/* results still to come: dropped */
	resolve_cancel_all();	/* answers still to come are dropped */
	lookups_release(d, 0);
	loop_close(&d->loop);
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	struct ikd *d = s->data;

	if (signum == SIGHUP) {
		loop_logf(IKE_LOG_NOTICE, "SIGHUP: reloading %s", d->conf);
		(void)reload(d, d->conf, NULL);
		return;
	}
	if (d->stopping) {
		return;
	}
	d->stopping = 1;
	(void)notify_send("STOPPING=1");
	loop_logf(IKE_LOG_NOTICE, "%s: deleting every SA and exiting",
	    strsignal(signum));
	/* DELETEs leave now: sendmsg() on UDP does not queue in libuv. */
	ike_shutdown(d->eng, now_ms(d));
	if (d->kbe->ops->flush_own != NULL &&
	    kbe_result(d, d->kbe->ops->flush_own(d->kbe)) == 0) {
		loop_logf(IKE_LOG_DEBUG, "kernel: own SAs and policies "
		    "flushed");
	}
	if (d->hooks_on) {
		hooks_scan(d);	/* every tunnel's down hook */
	}
	close_all(d);
}

static int
pidfile_open(struct ikd *d)
{
	char buf[32];
	int fd = open(d->pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "ikd: %s: %s\n", d->pidfile, strerror(errno));
		return -1;
	}
	/* The lock closes the race two ikd started at once would have. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "ikd: another ikd holds %s\n", d->pidfile);
		close(fd);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 ||
	    write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
		fprintf(stderr, "ikd: %s: %s\n", d->pidfile, strerror(errno));
		close(fd);
		return -1;
	}
	d->pid_fd = fd;
	return 0;
}

/*
 * Without -d: fork now, before anything holds an fd the parent would
 * share; the parent waits for the child to say it is ready (or to fail)
 * so that its exit status tells the truth.  Returns the write end of the
 * readiness pipe in the child, -1 with -d; does not return in the parent.
 */
static int
detach(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) != 0) {
		fprintf(stderr, "ikd: pipe: %s\n", strerror(errno));
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ikd: fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		int st = 0;

		close(p[1]);
		if (read(p[0], &c, 1) == 1) {
			_exit(0);
		}
		(void)waitpid(pid, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	close(p[0]);
	(void)setsid();
	return p[1];
}

static void
ready(int fd)
{
	int null;

	if (fd < 0) {
		return;
	}
	/* Start-up problems went to the terminal; from now on, syslog. */
	loop_log_open(LOOP_LOG_SYSLOG);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2) {
			close(null);
		}
	}
	(void)!write(fd, "R", 1);
	close(fd);
}

/*
 * The folder of the socket or pid file (/run/ikebox, which a tmpfs /run
 * loses at every boot), made with its parents: the last one mode 0700
 * (the control socket is root's), the others 0755.  A failure shows at
 * the open that follows, with its path.
 */
static void
mkdir_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir) {
		return;
	}
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(dir, 0755);
			*p = '/';
		}
	}
	(void)mkdir(dir, 0700);
}

/*
 * Everything privileged is open: root goes, and a system call filter
 * comes (net/privs.h).  What was done is logged at notice.  Returns 0, or
 * -errno when ikd must not run on (a configured user that does not
 * exist, a step that failed half-way).
 */
static int
drop_privileges(const struct cfg *cfg)
{
	char msg[256];
	int rc = privs_drop(cfg->user, PRIVS_PASSWD, msg, sizeof(msg));

	loop_logf(rc == 0 ? IKE_LOG_NOTICE : IKE_LOG_ERR, "%s%s",
	    rc == 0 ? "" : "cannot drop root: ", msg);
	if (rc != 0) {
		return rc;
	}
	if (!cfg->seccomp) {
		loop_logf(IKE_LOG_NOTICE, "seccomp filter: off (seccomp = no)");
		return 0;
	}
	rc = privs_seccomp(msg, sizeof(msg));
	loop_logf(rc == 0 ? IKE_LOG_NOTICE : rc == -ENOTSUP ? IKE_LOG_WARN :
	    IKE_LOG_ERR, "%s", msg);
	if (rc == 0 && getenv("IKD_SECCOMP_PROBE") != NULL) {
		/* for t/sh/privs.sh: a call the filter forbids must kill
		 * ikd (SIGSYS) */
		loop_logf(IKE_LOG_NOTICE, "seccomp probe: calling "
		    "personality(2), which the filter forbids");
		(void)syscall(SYS_personality, 0xffffffffUL);
		loop_logf(IKE_LOG_ERR, "seccomp probe: still alive");
		return -EPERM;
	}
	return rc == -ENOTSUP ? 0 : rc;
}

static int
run(struct ikd *d, struct cfg *cfg, int fg)
{
	const char *bname = cfg_backend_name(cfg->backend);
	struct ike_env env = {
		.ctx = d,
		.send = env_send,
		.spi_alloc = env_spi_alloc,
		.sa_add = env_sa_add,
		.sa_del = env_sa_del,
		.sa_update = env_sa_update,
		.policy_add = env_policy_add,
		.policy_del = env_policy_del,
		.log = env_log,
		.resolve = env_resolve,
		.source = env_source,
	};
	char err[KBE_ERR_MAX];
	int rc, ready_fd = -1;

	if (ctl_probe(d->sock)) {
		fprintf(stderr, "ikd: another ikd is running on %s\n",
		    d->sock);
		goto fail;
	}
	if (!fg) {
		ready_fd = detach();
	}
	mkdir_parent(d->sock);
	mkdir_parent(d->pidfile);
	if (pidfile_open(d) != 0) {
		goto fail;
	}
	snprintf(d->backend, sizeof(d->backend), "%s%s", bname,
	    cfg->backend_auto ? " (auto)" : "");
	rc = kbe_open(bname, &d->kbe, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "ikd: backend %s: %s\n", bname,
		    err[0] ? err : strerror(-rc));
		goto fail_pid;
	}
	/*
	 * What an ikd killed without its clean-up left (SAs and policies in
	 * our reqid range, nothing else) would shadow the new tunnels.
	 */
	if (d->kbe->ops->flush_own != NULL &&
	    d->kbe->ops->flush_own(d->kbe) != 0) {
		fprintf(stderr, "ikd: warning: %s\n", kbe_error(d->kbe));
	}
	uv_loop_init(&d->uv);
	loop_init(&d->loop, &d->uv);
	d->workers_cfg = cfg->workers;
	d->n_workers = cfg->workers == CFG_WORKERS_AUTO ? workers_auto() :
	    cfg->workers;
	if (d->n_workers > 0) {
		rc = workers_init(&d->workers, &d->uv, work_run, work_finish,
		    work_discard, d);
		if (rc != 0) {
			fprintf(stderr, "ikd: workers: %s\n", strerror(-rc));
			d->n_workers = 0;
		} else {
			env.work = env_work;
		}
	}
	d->eng = ike_new(&env, now_ms(d));
	if (d->eng == NULL) {
		fprintf(stderr, "ikd: out of memory\n");
		goto fail_loop;
	}
	/* Info always: `ikectl monitor` may ask for events at any time. */
	ike_set_log_level(d->eng, loop_log_wanted());
	loop_set_engine(&d->loop, d->eng);
	if (listen_all(d, cfg, 1) != 0) {
		fprintf(stderr, "ikd: cannot bind the IKE sockets (see "
		    "above)\n");
		goto fail_eng;
	}
	rc = ctl_server_open(&d->ctl, &d->uv, d->sock, ctl_handler, d);
	if (rc != 0) {
		fprintf(stderr, "ikd: control socket %s: %s\n", d->sock,
		    rc == -EADDRINUSE ? "another ikd is running" :
		    strerror(-rc));
		goto fail_eng;
	}
	loop_log_set_tap(log_tap, d);
	ike_set_log_level(d->eng, loop_log_wanted());
	uv_signal_init(&d->uv, &d->sig_term);
	uv_signal_init(&d->uv, &d->sig_int);
	uv_signal_init(&d->uv, &d->sig_hup);
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
	uv_signal_start(&d->sig_term, signal_cb, SIGTERM);
	uv_signal_start(&d->sig_int, signal_cb, SIGINT);
	uv_signal_start(&d->sig_hup, signal_cb, SIGHUP);
	kernel_events_start(d);
	taps_open(d, cfg);

	rc = ike_set_config(d->eng, cfg, now_ms(d));
	if (rc != 0) {
		fprintf(stderr, "ikd: engine refused the configuration: %s\n",
		    strerror(-rc));
		taps_close(d);
		close_all(d);
		uv_run(&d->uv, UV_RUN_DEFAULT);
		ike_free(d->eng);
		cfg = NULL;	/* the engine owns it either way */
		goto fail_uv;
	}
	d->cfg = cfg;
	if (fg) {
		/* Start-up problems went to the terminal; now `log`. */
		d->fg = 1;
		loop_log_open(cfg->log ? cfg->log : LOOP_LOG_STDERR);
	}
	loop_logf(IKE_LOG_NOTICE, "ikd started: %zu vpn(s), backend %s, "
	    "control %s", cfg->n_vpns, d->backend, d->sock);
	hooks_begin(d, cfg);
	if (drop_privileges(cfg) != 0) {
		if (!fg) {
			fprintf(stderr, "ikd: cannot drop root (see the "
			    "log)\n");
		}
		taps_close(d);
		close_all(d);
		uv_run(&d->uv, UV_RUN_DEFAULT);
		ike_free(d->eng);
		cfg = NULL;	/* the engine owns it */
		goto fail_uv;
	}
	lookups_release(d, 1);
	if (d->n_workers > 0) {
		int n = workers_start(&d->workers, d->n_workers);

		if (n < d->n_workers) {
			loop_logf(n > 0 ? IKE_LOG_WARN : IKE_LOG_ERR,
			    "Diffie-Hellman: %d of %d worker threads started",
			    n, d->n_workers);
		}
		d->n_workers = n;	/* 0: computed on the loop after all */
	}
	{
		char on[40] = "the event loop", wc[16] = "auto";

		if (d->n_workers > 0) {
			snprintf(on, sizeof(on), "%d worker thread(s)",
			    d->n_workers);
		}
		if (d->workers_cfg != CFG_WORKERS_AUTO) {
			snprintf(wc, sizeof(wc), "%d", d->workers_cfg);
		}
		loop_logf(IKE_LOG_NOTICE, "Diffie-Hellman on %s (workers = %s)",
		    on, wc);
	}
	loop_rearm(&d->loop);
	ready(ready_fd);
	{
		char st[64];

		snprintf(st, sizeof(st), "READY=1\nMAINPID=%ld",
		    (long)getpid());
		rc = notify_send(st);
		if (rc < 0) {
			loop_logf(IKE_LOG_WARN, "NOTIFY_SOCKET: %s",
			    strerror(-rc));
		}
	}

	uv_run(&d->uv, UV_RUN_DEFAULT);

	hooks_stop(&d->hooks);	/* the runner finishes what it was told */
	free(d->hv);
	for (size_t i = 0; i < d->n_updown; i++) {
		free(d->updown[i]);
	}
	free(d->updown);
	ike_free(d->eng);
	taps_close(d);
	uv_loop_close(&d->uv);
	d->kbe->ops->close(d->kbe);
	unlink(d->pidfile);
	close(d->pid_fd);
	loop_logf(IKE_LOG_NOTICE, "ikd stopped");
	return 0;

fail_eng:
	ike_free(d->eng);
fail_loop:
	loop_close(&d->loop);
	uv_run(&d->uv, UV_RUN_DEFAULT);
fail_uv:
	uv_loop_close(&d->uv);
	d->kbe->ops->close(d->kbe);
fail_pid:
	unlink(d->pidfile);
	close(d->pid_fd);
fail:
	cfg_free(cfg);
	return 1;
}

/* see applets.h */
int
ikd_main(int argc, char **argv)
{
	struct ikd *d;
	struct cfg_diag diag = { 0 };
	struct cfg *cfg = NULL;
	const char *sock = NULL, *pidfile = NULL;
	int c, fg = 0, check = 0, nv = 0, rc;
	char *end;
	long port;

	if (applet_wants_help(argc, argv)) {
		ikd_usage(stdout);
		return 0;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fprintf(stderr, "ikd: out of memory\n");
		return 1;
	}
	snprintf(d->conf, sizeof(d->conf), "%s", CFG_DEFAULT_FILE);
	d->port = IKD_PORT;
	d->pid_fd = -1;
	while ((c = getopt(argc, argv, "dnSTvf:s:p:P:")) != -1) {
		switch (c) {
		case 'd':
			fg = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'S':
			d->passive = 1;
			break;
		case 'T':
			d->no_natt = 1;
			break;
		case 'v':
			nv++;
			break;
		case 'f':
			if (strlen(optarg) >= sizeof(d->conf)) {
				fprintf(stderr, "ikd: -f: path too long\n");
				free(d);
				return 2;
			}
			snprintf(d->conf, sizeof(d->conf), "%s", optarg);
			break;
		case 's':
			sock = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'P':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno || *end || port < 1 || port > 65535) {
				fprintf(stderr, "ikd: -P: bad port '%s'\n",
				    optarg);
				free(d);
				return 2;
			}
			d->port = (uint16_t)port;
			d->port_given = 1;
			break;
		default:
			ikd_usage(stderr);
			free(d);
			return 2;
		}
	}
	if (optind != argc) {
		ikd_usage(stderr);
		free(d);
		return 2;
	}
	if (check) {
		rc = cfgcheck_file(d->conf, nv > 0);
		free(d);
		return rc;
	}
	d->base_level = IKE_LOG_NOTICE + nv > IKE_LOG_DEBUG ? IKE_LOG_DEBUG :
	    IKE_LOG_NOTICE + nv;
	/* `backend = auto`: XFRM when this kernel has it (reloads keep it). */
	cfg_set_auto_backend(kbe_auto_backend());
	loop_log_set_level(d->base_level);
	/* as a reload would: the next one need not read its files again */
	rc = cfg_reload(d->conf, NULL, wall_ns(), &cfg, &diag);
	cfg_diag_print(stderr, &diag);
	cfg_diag_free(&diag);
	if (rc != 0) {
		fprintf(stderr, "ikd: %s: configuration has errors\n",
		    d->conf);
		free(d);
		return 1;
	}
	snprintf(d->sock, sizeof(d->sock), "%s", sock ? sock : cfg->socket);
	d->sock_given = sock != NULL;
	apply_overrides(d, cfg);
	if (pidfile != NULL) {
		snprintf(d->pidfile, sizeof(d->pidfile), "%s", pidfile);
	} else {
		/* /run/ikebox/ikd.sock -> /run/ikebox/ikd.pid */
		size_t n = strlen(d->sock);

		if (n > 5 && strcmp(d->sock + n - 5, ".sock") == 0) {
			n -= 5;
		}
		snprintf(d->pidfile, sizeof(d->pidfile), "%.*s.pid", (int)n,
		    d->sock);
	}
	signal(SIGPIPE, SIG_IGN);
	loop_log_open(LOOP_LOG_STDERR);
	rc = run(d, cfg, fg);
	free(d);
	return rc;
}
