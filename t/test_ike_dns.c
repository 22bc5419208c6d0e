/*
 * test_ike_dns.c - `peer = HOST` and `local = any` in the engine, two
 * engines back to back (t/harness/sim.h) with a scripted resolver and a
 * link that loses what is sent to the wrong address: the name is looked up
 * before each initiation, a failed lookup is retried and never fatal, a
 * peer that moved is found again after DPD, a passive VPN answers only the
 * address its name resolves to, and `local = any` takes the address the
 * answer came to, for the kernel SAs and as the ID.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "t/harness/sim.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"
#define GW2_MOVED "198.51.100.7"
#define F12 "203.0.113.0/25 203.0.113.128/25"
#define F21 "203.0.113.128/25 203.0.113.0/25"

/* The VPN of node 0 (gw1) names gw2 as "gw2.example.org", from any local
 * address; node 1 (gw2) has gw1's address, or a name when b_peer says. */
static int
named(struct sim *s, const char *tag, const char *a_mode, const char *b_mode,
    const char *b_peer, const char *global, uint32_t seed)
{
	struct sim_vpn a = { .name = "a", .mode = a_mode, .local = "any",
	    .peer = "gw2.example.org", .dstid = GW2, .flows = F12 };
	struct sim_vpn b = { .name = "b", .mode = b_mode, .local = "any",
	    .peer = b_peer, .srcid = GW2, .dstid = GW1, .flows = F21 };
	char ta[40], tb[40];

	snprintf(ta, sizeof(ta), "%s-a", tag);
	snprintf(tb, sizeof(tb), "%s-b", tag);
	return sim_init(s, sim_cfg(ta, global, sim_vpn_text(&a)), GW1,
	    sim_cfg(tb, global, sim_vpn_text(&b)), GW2, seed);
}

struct vpn_seen {
	struct ike_vpn_info in;
	char error[160];
	int n;
};

static void
vpn_cb(void *arg, const struct ike_vpn_info *in)
{
	struct vpn_seen *v = arg;

	v->in = *in;
	snprintf(v->error, sizeof(v->error), "%s", in->error ? in->error : "");
	v->in.error = NULL;
	v->n++;
}

static struct vpn_seen
vpn_of(struct sim *s, int node)
{
	struct vpn_seen v = { .n = 0 };

	ike_foreach_vpn(s->n[node].eng, vpn_cb, &v);
	return v;
}

struct sa_seen {
	struct ike_addr local, peer;
	char nat[16];
	int n;
};

static void
sa_cb(void *arg, const struct ike_sa_info *in)
{
	struct sa_seen *v = arg;

	if (strcmp(in->state, "ESTABLISHED") == 0) {
		v->local = in->local;
		v->peer = in->peer;
		snprintf(v->nat, sizeof(v->nat), "%s", in->nat ? in->nat :
		    "?");
		v->n++;
	}
}

static int
ip_is(const uint8_t *ip, const char *text)
{
	char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, ip, buf, sizeof(buf)) != NULL &&
	    strcmp(buf, text) == 0;
}

T_CASE(ike_dns, active_named_peer_from_local_any)
{
    for (int learn = 0; learn < 2; learn++) {
	struct sim s;
	struct sa_seen sa = { .n = 0 };
	struct vpn_seen v;

	T_ROW("%s", learn ? "local learnt from the answer (no route lookup)" :
	    "local from the route to the peer");
	T_ASSERT(named(&s, "dns1", "active", "passive", GW1,
	    "dpd_check_interval = 0\n", 31) == 0);
	s.no_source = learn;
	s.hosts[0][0] = "GW2.example.org";	/* names are case-blind */
	s.hosts[0][1] = GW2;
	s.strict = 1;
	sim_run(&s, 1015);	/* the lookup takes 20 ms */
	T_EQ_INT(s.n_resolves[0], 1);
	T_EQ_INT((int)s.sent, 0);	/* nothing before the answer */
	v = vpn_of(&s, 0);
	T_EQ_INT(v.in.state, IKE_VPN_CONNECTING);
	sim_run(&s, 5000);
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
	T_ASSERT(sim_traffic_ok(&s, 1));
	T_EQ_INT(s.misrouted, 0);
	T_EQ_INT(s.n_resolves[0], 1);
	T_CONTAINS(s.n[0].log, "a: peer gw2.example.org is " GW2);
	/* local = any: the kernel's pick, learnt from the answer; gw2 checked
	 * it as gw1's ID (dstid = GW1), so IKE_AUTH passing proves the ID */
	ike_foreach_sa(s.n[0].eng, sa_cb, &sa);
	T_EQ_INT(sa.n, 1);
	T_ASSERT(ip_is(sa.local.ip, GW1));
	T_ASSERT(ip_is(sa.peer.ip, GW2));
	for (int i = 0; i < SIM_KSA_MAX; i++) {
		const struct kern_sa *k = &s.n[0].ksa[i].sa;

		if (s.n[0].ksa[i].used) {
			T_ASSERT(ip_is(k->dir == KERN_DIR_OUT ? k->src.addr :
			    k->dst.addr, GW1));
		}
	}
	v = vpn_of(&s, 0);
	T_EQ_INT(v.in.state, IKE_VPN_UP);
	T_ASSERT(ip_is(v.in.peer.ip, GW2));
	/* known before the first message, the address is what NAT
	 * detection hashes: no NAT seen; learnt later, 0.0.0.0 was hashed
	 * and gw2 takes gw1 for being behind a NAT (it still works) */
	T_EQ_STR(sa.nat, "none");
	{
		struct sa_seen b = { .n = 0 };

		ike_foreach_sa(s.n[1].eng, sa_cb, &b);
		T_EQ_STR(b.nat, learn ? "remote" : "none");
	}
	sim_free(&s);
    }
}

T_CASE(ike_dns, failed_lookup_is_retried_never_fatal)
{
	struct sim s;
	struct vpn_seen v;

	T_ASSERT(named(&s, "dns2", "active", "passive", GW1,
	    "dpd_check_interval = 0\n", 32) == 0);
	s.strict = 1;
	sim_run(&s, 1500);
	T_EQ_INT(s.n_resolves[0], 1);
	T_EQ_INT((int)s.sent, 0);
	T_CONTAINS(s.n[0].log, "a: cannot resolve peer gw2.example.org: no "
	    "such host; trying again in 2 s");
	v = vpn_of(&s, 0);
	T_EQ_INT(v.in.state, IKE_VPN_RETRYING);
	T_CONTAINS(v.error, "cannot resolve peer gw2.example.org");
	T_EQ_INT((long long)v.in.error_ms, 1020);
	sim_run(&s, 8000);	/* backing off: 2 s, then 4 s */
	T_EQ_INT(s.n_resolves[0], 3);
	T_EQ_INT((int)s.sent, 0);
	s.hosts[0][0] = "gw2.example.org";	/* the name appears */
	s.hosts[0][1] = GW2;
	sim_run(&s, 20000);
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
	T_ASSERT(sim_traffic_ok(&s, 1));
	v = vpn_of(&s, 0);
	T_EQ_INT(v.in.state, IKE_VPN_UP);
	/* the last error stays on show, with its time */
	T_CONTAINS(v.error, "cannot resolve");
	sim_free(&s);
}

/* The branch's DynDNS name moves to a new address: DPD finds the old one
 * dead, the next initiation looks the name up again and follows it. */
T_CASE(ike_dns, peer_moves_found_again_after_dpd)
{
	struct sim s;
	struct sa_seen sa = { .n = 0 };

	T_ASSERT(named(&s, "dns3", "active", "passive", GW1,
	    "dpd_check_interval = 10\n", 33) == 0);
	s.hosts[0][0] = "gw2.example.org";
	s.hosts[0][1] = GW2;
	s.strict = 1;
	sim_run(&s, 5000);
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(s.n_resolves[0], 1);
	/* gw2 comes back on another address, with no memory of the SA */
	T_ASSERT(sim_restart(&s, 1) == 0);
	inet_pton(AF_INET, GW2_MOVED, s.n[1].addr.ip);
	s.hosts[0][1] = GW2_MOVED;
	sim_run(&s, 400000);
	T_ASSERT(s.misrouted > 0);	/* DPD to the old address, lost */
	T_ASSERT(s.n_resolves[0] >= 2);
	T_CONTAINS(s.n[0].log, "a: peer gw2.example.org is now " GW2_MOVED
	    " (was " GW2 ")");
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
	T_ASSERT(sim_traffic_ok(&s, 1));
	ike_foreach_sa(s.n[0].eng, sa_cb, &sa);
	T_ASSERT(ip_is(sa.peer.ip, GW2_MOVED));
	sim_free(&s);
}

/* gw2 is passive with `peer = gw1.example.org`: it answers gw1 only when
 * the name resolves to gw1's address. */
T_CASE(ike_dns, passive_named_peer_matches_resolved_address)
{
	static const struct {
		const char *name, *addr;
		int up;
	} rows[] = {
		{ "resolves to gw1", GW1, 1 },
		{ "resolves elsewhere", "192.0.2.9", 0 },
		{ "does not resolve", NULL, 0 },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct sim s;
		struct vpn_seen v;

		T_ROW("%s", rows[r].name);
		T_ASSERT(named(&s, "dns4", "active", "passive",
		    "gw1.example.org", "dpd_check_interval = 0\n", 34) == 0);
		s.hosts[0][0] = "gw2.example.org";
		s.hosts[0][1] = GW2;
		if (rows[r].addr != NULL) {
			s.hosts[1][0] = "gw1.example.org";
			s.hosts[1][1] = rows[r].addr;
		}
		/* looked up at load, before anything arrives */
		T_EQ_INT(s.n_resolves[1], 1);
		sim_run(&s, 8000);
		T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), rows[r].up);
		T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), rows[r].up);
		v = vpn_of(&s, 1);
		T_EQ_INT(v.in.state, rows[r].up ? IKE_VPN_UP :
		    IKE_VPN_PASSIVE);
		if (rows[r].addr == NULL) {
			T_CONTAINS(v.error, "cannot resolve peer "
			    "gw1.example.org");
			T_ASSERT(s.n_resolves[1] >= 3);	/* retried */
		} else {
			T_EQ_INT(s.n_resolves[1], 1);	/* next in 5 min */
		}
		sim_free(&s);
	}
}

/* ikectl down stops the lookups; up starts them again. */
T_CASE(ike_dns, down_and_up)
{
	struct sim s;
	struct vpn_seen v;

	T_ASSERT(named(&s, "dns5", "active", "passive", GW1,
	    "dpd_check_interval = 0\n", 35) == 0);
	sim_run(&s, 3100);
	T_ASSERT(s.n_resolves[0] >= 2);
	T_EQ_INT(ike_vpn_down(s.n[0].eng, "a", s.now), 0);
	sim_run(&s, 10);	/* an answer still out is ignored after down */
	{
		int n = s.n_resolves[0];

		sim_run(&s, 200000);
		T_EQ_INT(s.n_resolves[0], n);
	}
	v = vpn_of(&s, 0);
	T_EQ_INT(v.in.state, IKE_VPN_DOWN);
	s.hosts[0][0] = "gw2.example.org";
	s.hosts[0][1] = GW2;
	T_EQ_INT(ike_vpn_up(s.n[0].eng, "a", s.now), 0);
	sim_run(&s, s.now + 3000);
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
	v = vpn_of(&s, 0);
	T_EQ_INT(v.in.state, IKE_VPN_UP);
	sim_free(&s);
}
