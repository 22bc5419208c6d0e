/*
 * sim.c - the in-memory two-engine harness (see sim.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cfg/cfg.h"
#include "core/ike/ike_int.h"
#include "t/harness/sim.h"
#include "t/harness/t.h"

static uint32_t
rnd(struct sim *s)
{
	/* xorshift32: the link's choices, reproducible from the seed */
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 17;
	s->rng ^= s->rng << 5;
	return s->rng;
}

static void
push(struct sim *s, int to, const struct ike_addr *src,
    const struct ike_addr *dst, const uint8_t *buf, size_t len,
    uint64_t at)
{
	struct sim_pkt *p;

	if (s->nq >= SIM_PKT_MAX || len > sizeof(p->buf)) {
		return;
	}
	p = &s->q[s->nq++];
	p->at = at;
	p->to = to;
	p->len = len;
	p->src = *src;
	p->dst = *dst;
	memcpy(p->buf, buf, len);
}

/* The NAT's public port for priv (a new one unless mapped; 0: full). */
static uint16_t
nat_out(struct sim_nat *nat, uint16_t priv)
{
	for (int i = 0; i < nat->n_map; i++) {
		if (nat->map[i].priv == priv) {
			return nat->map[i].pub;
		}
	}
	if (nat->n_map == SIM_NAT_MAP) {
		return 0;
	}
	nat->map[nat->n_map].priv = priv;
	nat->map[nat->n_map].pub = nat->next_port++;
	nat->map[nat->n_map].fixed = 0;
	return nat->map[nat->n_map++].pub;
}

static int
nat_in(const struct sim_nat *nat, uint16_t pub, uint16_t *priv)
{
	for (int i = 0; i < nat->n_map; i++) {
		if (nat->map[i].pub == pub) {
			*priv = nat->map[i].priv;
			return 0;
		}
	}
	return -1;
}

static int
same_ip(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->af == b->af && memcmp(a->ip, b->ip, 16) == 0;
}

static void
env_send(void *ctx, const struct ike_addr *local_in,
    const struct ike_addr *peer_in, const uint8_t *buf, size_t len)
{
	struct sim_node *n = ctx;
	struct sim *s = n->sim;
	int to = 1 - n->idx;
	uint64_t at = s->now + 5;
	struct ike_addr l = *local_in, p = *peer_in;
	const struct ike_addr *local = &l, *peer = &p;

	s->sent++;
	if (local->af == 0) {
		/* `local = any`: the kernel picks the node's address */
		struct ike_addr src = n->addr;

		src.port = local->port ? local->port : 500;
		env_send(ctx, &src, peer, buf, len);
		return;
	}
	if (s->strict && memcmp(peer->ip, s->n[to].addr.ip, 16) != 0) {
		s->misrouted++;
		return;
	}
	if (s->tap) {
		s->tap(s->hook_arg, n->idx, buf, len);
	}
	if (len == 1 && buf[0] == 0xff) {
		if (n->keepalives < 16) {
			n->keepalive_at[n->keepalives] = s->now;
		}
		n->keepalives++;
	}
	if (s->mtu && len + 28 > (size_t)s->mtu) {
		s->too_big++;
		return;
	}
	/* The sender's NAT rewrites the source; the receiver's takes what
	 * is addressed to it at a mapped port, and drops the rest. */
	if (n->nat.on) {
		memcpy(l.ip, n->nat.pub.ip, 16);
		l.af = n->nat.pub.af;
		if ((l.port = nat_out(&n->nat, local_in->port)) == 0) {
			return;
		}
	}
	if (s->n[to].nat.on) {
		if (!same_ip(&p, &s->n[to].nat.pub) ||
		    nat_in(&s->n[to].nat, p.port, &p.port) != 0) {
			return;
		}
		memcpy(p.ip, s->n[to].addr.ip, 16);
	}
	if (s->blackhole[to] || (int)(rnd(s) % 100) < s->loss_pct) {
		return;
	}
	if ((int)(rnd(s) % 100) < s->reorder_pct) {
		at += 1 + rnd(s) % 40;
	}
	push(s, to, local, peer, buf, len, at);
	if ((int)(rnd(s) % 100) < s->dup_pct) {
		push(s, to, local, peer, buf, len, at + 1 + rnd(s) % 20);
	}
}

static int
env_source(void *ctx, const struct ike_addr *peer, struct ike_addr *local)
{
	struct sim_node *n = ctx;

	if (n->sim->no_source) {
		return -ENOSYS;
	}
	*local = n->addr;
	return 0;
}

static void
env_resolve(void *ctx, const char *vpn, const char *host, int af)
{
	struct sim_node *n = ctx;
	struct sim *s = n->sim;
	struct sim_lookup *l;

	n->sim->n_resolves[n->idx]++;
	if (s->n_lookups >= (int)(sizeof(s->lookups) / sizeof(s->lookups[0]))) {
		abort();	/* the engine asks more than a test expects */
	}
	l = &s->lookups[s->n_lookups++];
	l->node = n->idx;
	l->at = s->now + s->resolve_ms;
	snprintf(l->vpn, sizeof(l->vpn), "%s", vpn);
	snprintf(l->host, sizeof(l->host), "%s", host);
}

static void check_timers(struct sim *s, int node);

long sim_offload_ms = -1;
int sim_offload_only = -1;

static void
env_work(void *ctx, struct ike_work *w)
{
	struct sim_node *n = ctx;
	struct sim *s = n->sim;
	struct sim_work *e;

	if (s->n_work >= (int)(sizeof(s->work) / sizeof(s->work[0]))) {
		abort();	/* more than a test expects */
	}
	e = &s->work[s->n_work++];
	e->node = n->idx;
	e->at = s->now + s->offload_ms;
	if (s->work_by_cost && (w->kind == IKE_WORK_INIT_R ||
	    w->kind == IKE_WORK_REPLAY_BOTH)) {
		e->at += s->offload_ms;	/* a key pair and g^ir */
	}
	e->w = w;
	s->n_offloaded[n->idx]++;
}

static struct ike_work *
work_take(struct sim *s, int k, int *node)
{
	struct ike_work *w;

	if (k < 0 || k >= s->n_work) {
		return NULL;
	}
	w = s->work[k].w;
	*node = s->work[k].node;
	memmove(s->work + k, s->work + k + 1,
	    (size_t)(s->n_work - k - 1) * sizeof(s->work[0]));
	s->n_work--;
	return w;
}

/* see sim.h */
int
sim_work_complete(struct sim *s, int k)
{
	int node;
	struct ike_work *w = work_take(s, k, &node);

	if (w == NULL) {
		return -1;
	}
	ike_work_run(w);
	ike_work_done(s->n[node].eng, w, s->now);
	check_timers(s, node);
	return 0;
}

/* see sim.h */
int
sim_work_discard(struct sim *s, int k)
{
	int node;
	struct ike_work *w = work_take(s, k, &node);

	if (w == NULL) {
		return -1;
	}
	ike_work_discard(w);
	return 0;
}

/* Answers the oldest lookup that is due. */
static void
lookup_answer(struct sim *s)
{
	struct sim_lookup l = s->lookups[0];
	struct ike_addr a = { .af = 4 };
	const char *ip = NULL;

	memmove(s->lookups, s->lookups + 1,
	    (size_t)--s->n_lookups * sizeof(s->lookups[0]));
	for (int i = 0; i < 4 && s->hosts[i][0]; i++) {
		if (strcasecmp(s->hosts[i][0], l.host) == 0) {
			ip = s->hosts[i][1];
		}
	}
	if (ip != NULL) {
		inet_pton(AF_INET, ip, a.ip);
	}
	(void)ike_vpn_resolved(s->n[l.node].eng, l.vpn, l.host,
	    ip ? &a : NULL, "no such host", s->now);
	check_timers(s, l.node);
}

static int
env_spi_alloc(void *ctx, const struct kern_sa *sa, uint32_t *spi)
{
	struct sim_node *n = ctx;
	uint32_t v;

	do {
		v = 0xc0000000u | (rnd(n->sim) & 0x0fffffff);
		for (int i = 0; i < SIM_KSA_MAX; i++) {
			if (n->ksa[i].used && n->ksa[i].sa.spi == v) {
				v = 0;
			}
		}
	} while (v == 0);
	*spi = v;
	return 0;
}

static int
env_sa_add(void *ctx, const struct kern_sa *sa)
{
	struct sim_node *n = ctx;

	n->sa_add_calls++;
	for (int i = 0; i < SIM_KSA_MAX; i++) {
		if (n->ksa[i].used && n->ksa[i].sa.spi == sa->spi &&
		    n->ksa[i].sa.dir == sa->dir) {
			return -EEXIST;
		}
	}
	for (int i = 0; i < SIM_KSA_MAX; i++) {
		if (!n->ksa[i].used) {
			n->ksa[i].used = 1;
			n->ksa[i].seq = ++n->sim->ksa_seq;
			n->ksa[i].sa = *sa;
			return 0;
		}
	}
	return -ENOSPC;
}

static int
env_sa_update(void *ctx, const struct kern_sa *sa)
{
	struct sim_node *n = ctx;

	n->sa_update_calls++;
	for (int i = 0; i < SIM_KSA_MAX; i++) {
		if (n->ksa[i].used && n->ksa[i].sa.spi == sa->spi &&
		    n->ksa[i].sa.dir == sa->dir) {
			n->ksa[i].sa = *sa;	/* seq kept, as the kernel's */
			return 0;
		}
	}
	return -ESRCH;
}

static int
env_sa_del(void *ctx, const struct kern_sa *sa)
{
	struct sim_node *n = ctx;

	for (int i = 0; i < SIM_KSA_MAX; i++) {
		if (n->ksa[i].used && n->ksa[i].sa.spi == sa->spi &&
		    n->ksa[i].sa.dir == sa->dir) {
			n->ksa[i].used = 0;
			return 0;
		}
	}
	return -ENOENT;
}

static int
env_policy_add(void *ctx, const struct kern_policy *p)
{
	struct sim_node *n = ctx;

	n->policy_add_calls++;
	n->n_policies++;
	return 0;
}

static int
env_policy_del(void *ctx, const struct kern_policy *p)
{
	struct sim_node *n = ctx;

	n->n_policies--;
	return 0;
}

static void
env_log(void *ctx, int level, const char *line)
{
	struct sim_node *n = ctx;
	int w;

	if (level <= IKE_LOG_WARN) {
		n->n_warn++;
	}
	if (n->sim->watch[0] && strstr(line, n->sim->watch)) {
		n->n_watch++;
	}
	if (n->log_len > sizeof(n->log) - 1024) {
		/* keep the newer half: long runs log more than fits */
		size_t half = n->log_len / 2;

		memmove(n->log, n->log + half, n->log_len - half + 1);
		n->log_len -= half;
	}
	w = snprintf(n->log + n->log_len, sizeof(n->log) - n->log_len,
	    "%llu %s\n", (unsigned long long)n->sim->now, line);
	if (w > 0 && n->log_len + (size_t)w < sizeof(n->log)) {
		n->log_len += (size_t)w;
	}
	if (getenv("SIM_TRACE")) {
		fprintf(stderr, "[%c] %llu %s\n", 'A' + n->idx,
		    (unsigned long long)n->sim->now, line);
	}
}

/* see sim.h */
const char *
sim_cfg(const char *tag, const char *global_extra, const char *vpn)
{
	static char paths[8][64];
	static int next;
	char name[64], body[512];
	char *path = paths[next++ % 8];

	snprintf(name, sizeof(name), "sim-%s-vpn.conf", tag);
	t_tmpfile(name, vpn);
	snprintf(body, sizeof(body), "[global]\ninclude = %s\nbackend = null\n"
	    "%s", name, global_extra ? global_extra : "");
	snprintf(name, sizeof(name), "sim-%s.conf", tag);
	snprintf(path, 64, "%s", t_tmpfile(name, body));
	return path;
}

static int
node_init(struct sim *s, int i, const char *cfgpath, const char *addr)
{
	struct sim_node *n = &s->n[i];
	struct ike_env env = {
		.ctx = n,
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
	struct cfg_diag diag = { 0 };

	if (sim_offload_ms >= 0 &&
	    (sim_offload_only < 0 || sim_offload_only == i)) {
		env.work = env_work;
		s->offload_ms = (uint64_t)sim_offload_ms;
	}
	struct cfg *cfg = NULL;

	n->sim = s;
	n->idx = i;
	snprintf(n->cfgpath, sizeof(n->cfgpath), "%s", cfgpath);
	if (addr) {	/* NULL: a restart keeps the address */
		n->addr.af = 4;
		n->addr.port = 500;
		inet_pton(AF_INET, addr, n->addr.ip);
	}
	if (cfg_load(cfgpath, &cfg, &diag) != 0) {
		cfg_diag_print(stdout, &diag);
		cfg_diag_free(&diag);
		return -1;
	}
	cfg_diag_free(&diag);
	n->eng = ike_new(&env, s->now);
	if (n->eng == NULL) {
		cfg_free(cfg);
		return -1;
	}
	ike_set_log_level(n->eng, IKE_LOG_DEBUG);
	return ike_set_config(n->eng, cfg, s->now);
}

/* see sim.h */
int
sim_init(struct sim *s, const char *cfg_a, const char *addr_a,
    const char *cfg_b, const char *addr_b, uint32_t seed)
{
	memset(s, 0, sizeof(*s));
	s->rng = seed ? seed : 1;
	s->now = 1000;
	s->resolve_ms = 20;
	s->q = calloc(SIM_PKT_MAX, sizeof(*s->q));
	if (s->q == NULL) {
		return -1;
	}
	if (node_init(s, 0, cfg_a, addr_a) != 0 ||
	    node_init(s, 1, cfg_b, addr_b) != 0) {
		return -1;
	}
	return 0;
}

/* see sim.h */
void
sim_free(struct sim *s)
{
	while (s->n_work > 0) {
		(void)sim_work_discard(s, 0);
	}
	for (int i = 0; i < 2; i++) {
		ike_free(s->n[i].eng);
	}
	free(s->q);
}

/*
 * After every engine call: the engine's timer heaps hold exactly what a
 * scan of every IKE SA and VPN finds due (core/ike/ike.c recomputes deadlines
 * only for the VPNs a call touched; a missed one would be a timer that
 * never fires).  Reported once per simulation.
 */
static const char *
timers_wrong(const struct ike_engine *eng)
{
	uint32_t n_sa = 0, n_vpn = 0;

	if (eng->dirty != NULL) {
		return "a touched VPN was left to recompute";
	}
	for (const struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		uint64_t due = ike_sa_due(eng, sa);
		int listed = 0;

		if (sa->held || sa->tm.due != due) {
			return "an IKE SA's deadline is stale";
		}
		if (due == UINT64_MAX ? sa->tm.pos != 0 : sa->tm.pos == 0 ||
		    sa->tm.pos > eng->sa_q.n ||
		    eng->sa_q.h[sa->tm.pos - 1] != &sa->tm) {
			return "an IKE SA is misplaced in the heap";
		}
		n_sa += sa->tm.pos != 0;
		for (const struct ike_sa *o = sa->vpn ? sa->vpn->sas : NULL;
		    o; o = o->vnext) {
			listed += o == sa;
			if (o->vnext && o->vnext->seq >= o->seq) {
				return "a VPN's list is not newest first";
			}
		}
		if (sa->vpn && listed != 1) {
			return "an IKE SA is not once in its VPN's list";
		}
	}
	for (size_t i = 0; i < eng->n_vpns; i++) {
		const struct ike_vpn *v = &eng->vpns[i];
		uint64_t due = ike_vpn_due(v);

		if (v->tm.due != due || (due == UINT64_MAX) != (v->tm.pos == 0)
		    || (v->tm.pos && eng->vpn_q.h[v->tm.pos - 1] != &v->tm)) {
			return "a VPN's retry is stale or misplaced";
		}
		n_vpn += v->tm.pos != 0;
	}
	if (n_sa != eng->sa_q.n || n_vpn != eng->vpn_q.n) {
		return "a heap holds what nothing owns";
	}
	for (uint32_t i = 1; i < eng->sa_q.n; i++) {
		if (eng->sa_q.h[(i - 1) / 2]->due > eng->sa_q.h[i]->due) {
			return "the IKE SA heap is out of order";
		}
	}
	for (uint32_t i = 1; i < eng->vpn_q.n; i++) {
		if (eng->vpn_q.h[(i - 1) / 2]->due > eng->vpn_q.h[i]->due) {
			return "the VPN heap is out of order";
		}
	}
	return NULL;
}

static void
check_timers(struct sim *s, int node)
{
	const char *why = timers_wrong(s->n[node].eng);

	if (why != NULL && !s->timers_bad++) {
		t_fail(__FILE__, __LINE__, "node %d at %llu ms: %s", node,
		    (unsigned long long)s->now, why);
	}
}

/* see sim.h */
void
sim_run(struct sim *s, uint64_t until)
{
	while (s->now < until) {
		uint64_t t = until;
		int pi = -1;

		for (int i = 0; i < s->nq && !s->manual; i++) {
			if (s->q[i].at < t) {
				t = s->q[i].at;
				pi = i;
			}
		}
		for (int i = 0; i < 2; i++) {
			uint64_t e = ike_next_timer(s->n[i].eng);

			if (e < t) {
				t = e;
				pi = -1;
			}
		}
		if (s->n_work > 0 && !s->work_hold) {
			int k = 0;

			for (int i = 1; i < s->n_work; i++) {
				if (s->work[i].at < s->work[k].at) {
					k = i;
				}
			}
			if (s->work[k].at <= t) {
				if (s->work[k].at > s->now) {
					s->now = s->work[k].at;
				}
				(void)sim_work_complete(s, k);
				continue;
			}
		}
		if (s->n_lookups > 0 && s->lookups[0].at <= t) {
			if (s->lookups[0].at > s->now) {
				s->now = s->lookups[0].at;
			}
			lookup_answer(s);
			continue;
		}
		if (t > s->now) {
			s->now = t;
		}
		if (pi >= 0 && s->manual) {
			/* held for sim_deliver; time still runs */
		} else if (pi >= 0) {
			struct sim_pkt p = s->q[pi];

			s->q[pi] = s->q[--s->nq];
			if (s->before) {
				s->before(s->hook_arg, s, &p);
			}
			ike_input(s->n[p.to].eng, &p.dst, &p.src, p.buf, p.len,
			    s->now);
			check_timers(s, p.to);
		} else {
			for (int i = 0; i < 2; i++) {
				if (ike_next_timer(s->n[i].eng) <= s->now) {
					ike_tick(s->n[i].eng, s->now);
					check_timers(s, i);
				}
			}
		}
	}
}

/* see sim.h */
int
sim_deliver(struct sim *s, int to, int response, int drop)
{
	int best = -1;

	for (int i = 0; i < s->nq; i++) {
		const struct sim_pkt *p = &s->q[i];
		/* after a non-ESP marker (port 4500), the header is 4
		 * bytes on: an IKE SPI is never zero */
		size_t o = p->len > 4 && memcmp(p->buf, "\0\0\0\0", 4) ==
		    0 ? 4 : 0;
		int r = p->len > 19 + o && (p->buf[19 + o] & 0x20) != 0;

		if (p->to == to && r == response &&
		    (best < 0 || p->at < s->q[best].at)) {
			best = i;
		}
	}
	if (best < 0) {
		return -1;
	}
	{
		struct sim_pkt p = s->q[best];

		s->q[best] = s->q[--s->nq];
		if (!drop) {
			ike_input(s->n[p.to].eng, &p.dst, &p.src, p.buf, p.len,
			    s->now);
			check_timers(s, p.to);
		}
	}
	return 0;
}

/* see sim.h */
int
sim_restart(struct sim *s, int node)
{
	struct sim_node *n = &s->n[node];
	char path[64];

	for (int k = 0; k < s->n_work; k++) {
		if (s->work[k].node == node) {
			(void)sim_work_discard(s, k--);	/* its crash */
		}
	}
	ike_free(n->eng);
	n->eng = NULL;
	memset(n->ksa, 0, sizeof(n->ksa));
	n->n_policies = 0;
	/* what was on its way to the rebooting node is lost */
	for (int i = 0; i < s->nq; i++) {
		if (s->q[i].to == node) {
			s->q[i--] = s->q[--s->nq];
		}
	}
	snprintf(path, sizeof(path), "%s", n->cfgpath);
	return node_init(s, node, path, NULL);
}

static const struct kern_sa *ksa_find(struct sim_node *n, uint32_t spi,
    int dir);

/* see sim.h */
int
sim_traffic_ok(struct sim *s, int flows)
{
	for (int a = 0; a < 2; a++) {
		struct sim_node *n = &s->n[a];
		int reqids = 0;

		for (int i = 0; i < SIM_KSA_MAX; i++) {
			const struct sim_ksa *o = &n->ksa[i];
			const struct kern_sa *in;
			int newest = 1;

			if (!o->used || o->sa.dir != KERN_DIR_OUT) {
				continue;
			}
			for (int j = 0; j < SIM_KSA_MAX; j++) {
				if (n->ksa[j].used &&
				    n->ksa[j].sa.dir == KERN_DIR_OUT &&
				    n->ksa[j].sa.reqid == o->sa.reqid &&
				    n->ksa[j].seq > o->seq) {
					newest = 0;
				}
			}
			if (!newest) {
				continue;
			}
			reqids++;
			in = ksa_find(&s->n[1 - a], o->sa.spi, KERN_DIR_IN);
			if (in == NULL || in->encr_key_len !=
			    o->sa.encr_key_len || memcmp(in->encr_key,
			    o->sa.encr_key, in->encr_key_len) != 0) {
				if (getenv("SIM_TRACE")) {
					fprintf(stderr, "%c sends on 0x%08x: "
					    "no such SA on the peer\n",
					    'A' + a, o->sa.spi);
				}
				return 0;
			}
		}
		if (reqids != flows) {
			if (getenv("SIM_TRACE")) {
				fprintf(stderr, "%c sends on %d reqids\n",
				    'A' + a, reqids);
			}
			return 0;
		}
	}
	return 1;
}

/* see sim.h */
struct ike_stats
sim_stats(struct sim *s, int node)
{
	struct ike_stats st;

	ike_get_stats(s->n[node].eng, &st);
	return st;
}

struct count_arg {
	const char *state;
	int n, children;
	const struct ike_sa_info *last;
	struct ike_child_info ch[64];
	int n_ch;
};

static void
count_cb(void *arg, const struct ike_sa_info *info)
{
	struct count_arg *a = arg;

	if (a->state == NULL || strcmp(info->state, a->state) == 0) {
		a->n++;
	}
	for (int i = 0; i < info->n_children && a->n_ch < 64; i++) {
		a->ch[a->n_ch++] = info->children[i];
	}
	a->children += info->n_children;
}

/* see sim.h */
int
sim_count_ike(struct sim *s, int node, const char *state)
{
	struct count_arg a = { .state = state };

	ike_foreach_sa(s->n[node].eng, count_cb, &a);
	return a.n;
}

/* see sim.h */
int
sim_count_children(struct sim *s, int node)
{
	struct count_arg a = { 0 };

	ike_foreach_sa(s->n[node].eng, count_cb, &a);
	return a.children;
}

static const struct kern_sa *
ksa_find(struct sim_node *n, uint32_t spi, int dir)
{
	for (int i = 0; i < SIM_KSA_MAX; i++) {
		if (n->ksa[i].used && n->ksa[i].sa.spi == spi &&
		    n->ksa[i].sa.dir == dir) {
			return &n->ksa[i].sa;
		}
	}
	return NULL;
}

/* see sim.h */
int
sim_children_agree(struct sim *s)
{
	struct count_arg a = { 0 }, b = { 0 };

	ike_foreach_sa(s->n[0].eng, count_cb, &a);
	ike_foreach_sa(s->n[1].eng, count_cb, &b);
	if (a.n_ch != b.n_ch || a.n_ch == 0) {
		if (getenv("SIM_TRACE")) {
			fprintf(stderr, "children %d vs %d\n", a.n_ch, b.n_ch);
		}
		return 0;
	}
	for (int i = 0; i < a.n_ch; i++) {
		int found = 0;

		for (int j = 0; j < b.n_ch; j++) {
			const struct kern_sa *ao, *bi, *ai, *bo;

			if (a.ch[i].spi_in != b.ch[j].spi_out ||
			    a.ch[i].spi_out != b.ch[j].spi_in) {
				continue;
			}
			ao = ksa_find(&s->n[0], a.ch[i].spi_out, KERN_DIR_OUT);
			bi = ksa_find(&s->n[1], a.ch[i].spi_out, KERN_DIR_IN);
			ai = ksa_find(&s->n[0], a.ch[i].spi_in, KERN_DIR_IN);
			bo = ksa_find(&s->n[1], a.ch[i].spi_in, KERN_DIR_OUT);
			if (!ao || !bi || !ai || !bo ||
			    ao->encr_key_len != bi->encr_key_len ||
			    memcmp(ao->encr_key, bi->encr_key,
			    ao->encr_key_len) != 0 ||
			    memcmp(ao->integ_key, bi->integ_key,
			    ao->integ_key_len) != 0 ||
			    memcmp(ai->encr_key, bo->encr_key,
			    ai->encr_key_len) != 0 ||
			    memcmp(ai->encr_key, ao->encr_key,
			    ai->encr_key_len) == 0) {
				if (getenv("SIM_TRACE")) {
					fprintf(stderr, "kernel %p %p %p %p\n",
					    (void *)ao, (void *)bi, (void *)ai,
					    (void *)bo);
				}
				return 0;
			}
			found = 1;
		}
		if (!found) {
			if (getenv("SIM_TRACE")) {
				fprintf(stderr, "unmatched %08x/%08x of %d\n",
				    a.ch[i].spi_in, a.ch[i].spi_out, a.n_ch);
			}
			return 0;
		}
	}
	return 1;
}

/* see sim.h */
int
sim_kernel_expire(struct sim *s, int node, uint32_t spi, int hard)
{
	struct sim_node *n = &s->n[node];
	struct ike_addr dst = n->addr;
	uint64_t seq = 0;

	for (int i = 0; i < SIM_KSA_MAX; i++) {
		const struct kern_sa *k = &n->ksa[i].sa;

		if (n->ksa[i].used && k->spi == spi && n->ksa[i].seq >= seq) {
			seq = n->ksa[i].seq;
			memset(&dst, 0, sizeof(dst));
			dst.af = k->dst.family == KERN_AF_INET6 ? 6 : 4;
			memcpy(dst.ip, k->dst.addr, 16);
		}
	}
	return ike_child_expired(n->eng, spi, &dst, hard, s->now);
}

int
sim_kernel_sas(struct sim *s, int node)
{
	int n = 0;

	for (int i = 0; i < SIM_KSA_MAX; i++) {
		n += s->n[node].ksa[i].used;
	}
	return n;
}

/* see sim.h */
const char *
sim_vpn_text(const struct sim_vpn *v)
{
	static char buf[8][2048];
	static int next;
	char *b = buf[next++ % 8];
	char group[64] = "", srcid[300] = "";

	if (v->child_group != NULL) {
		snprintf(group, sizeof(group), "group = %s\n", v->child_group);
	}
	if (v->srcid != NULL || strcmp(v->local, "any") != 0) {
		snprintf(srcid, sizeof(srcid), "srcid = %s\n",
		    v->srcid ? v->srcid : v->local);
	}
	snprintf(b, sizeof(buf[0]),
	    "[vpn]\nname = %s\nmode = %s\nlocal = %s\npeer = %s\n"
	    "%sdstid = %s\npsk = %s\n[flows]\n%s%s\n"
	    "[ikesa]\nenc = aes-128\nauth = hmac-sha2-256\n"
	    "prf = hmac-sha2-256\ngroup = curve25519\n"
	    "[childsa]\nenc = aes-128\nauth = hmac-sha1\n%s", v->name,
	    v->mode, v->local, v->peer, srcid,
	    v->dstid ? v->dstid : v->peer,
	    v->psk ? v->psk : "sim-psk-0123456789abcdef",
	    strncmp(v->flows, "flow", 4) == 0 ? "" : "flow = ", v->flows,
	    group);
	return b;
}

/* see sim.h */
int
sim_sk_open(const struct ike_sa *sa, uint8_t *msg, size_t len,
    const uint8_t **plain, size_t *plen)
{
	int fi = (msg[19] & IKEV2_FLAG_I) != 0;

	if (len < IKEV2_HDR_LEN + 4 || msg[16] != IKEV2_PL_SK) {
		return -1;
	}
	return cr_sk_open(sa->enc, sa->integ,
	    fi ? sa->keys.sk_ei : sa->keys.sk_er,
	    sa->keys.a_len ? (fi ? sa->keys.sk_ai : sa->keys.sk_ar) : NULL,
	    msg, IKEV2_HDR_LEN + 4, len, plain, plen);
}

/* see sim.h */
int
sim_sk_seal(const struct ike_sa *sa, const uint8_t *hdr, uint8_t first,
    const uint8_t *plain, size_t plen, uint8_t *out, size_t cap,
    size_t *olen)
{
	int fi = (hdr[19] & IKEV2_FLAG_I) != 0;
	size_t body = cr_sk_body_len(sa->enc, sa->integ, plen);
	size_t aad = IKEV2_HDR_LEN + 4;

	if (body == 0 || aad + body > cap) {
		return -1;
	}
	memmove(out, hdr, IKEV2_HDR_LEN);	/* out may be hdr */
	out[16] = IKEV2_PL_SK;
	sim_put32(out + 24, aad + body);
	out[28] = first;
	out[29] = 0;
	sim_put16(out + 30, 4 + body);
	memcpy(out + aad + sa->enc->iv_len, plain, plen);
	*olen = aad + body;
	return cr_sk_seal(sa->enc, sa->integ,
	    fi ? sa->keys.sk_ei : sa->keys.sk_er,
	    sa->keys.a_len ? (fi ? sa->keys.sk_ai : sa->keys.sk_ar) : NULL,
	    out, aad, plen);
}

/* see sim.h */
void
sim_nat(struct sim *s, int node, const char *pub, uint16_t first_port)
{
	struct sim_nat *nat = &s->n[node].nat;

	memset(nat, 0, sizeof(*nat));
	nat->on = 1;
	nat->pub.af = 4;
	inet_pton(AF_INET, pub, nat->pub.ip);
	nat->next_port = first_port;
}

/* see sim.h */
void
sim_nat_forward(struct sim *s, int node, uint16_t priv_port,
    uint16_t pub_port)
{
	struct sim_nat *nat = &s->n[node].nat;

	if (nat->n_map < SIM_NAT_MAP) {
		nat->map[nat->n_map].priv = priv_port;
		nat->map[nat->n_map].pub = pub_port;
		nat->map[nat->n_map++].fixed = 1;
	}
}

/* see sim.h */
void
sim_nat_flush(struct sim *s, int node, const char *new_pub)
{
	struct sim_nat *nat = &s->n[node].nat;
	int j = 0;

	for (int i = 0; i < nat->n_map; i++) {
		if (nat->map[i].fixed) {
			nat->map[j++] = nat->map[i];
		}
	}
	nat->n_map = j;
	if (new_pub != NULL) {
		inet_pton(AF_INET, new_pub, nat->pub.ip);
	}
}

/* see sim.h */
uint16_t
sim_nat_port(const struct sim *s, int node, uint16_t priv_port)
{
	const struct sim_nat *nat = &s->n[node].nat;

	for (int i = 0; i < nat->n_map; i++) {
		if (nat->map[i].priv == priv_port) {
			return nat->map[i].pub;
		}
	}
	return 0;
}

/* see sim.h */
const struct kern_sa *
sim_ksa_first(struct sim *s, int node, int dir)
{
	const struct sim_ksa *best = NULL;

	for (int i = 0; i < SIM_KSA_MAX; i++) {
		const struct sim_ksa *k = &s->n[node].ksa[i];

		if (k->used && k->sa.dir == dir &&
		    (best == NULL || k->seq < best->seq)) {
			best = k;
		}
	}
	return best ? &best->sa : NULL;
}
