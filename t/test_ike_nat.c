/*
 * test_ike_nat.c - NAT traversal (RFC 7296 2.23, RFC 3948) between two
 * engines with a NAT of the simulator (t/harness/sim.h) in front of one,
 * the other or both: NAT detection says which side is behind it, IKE
 * moves to port 4500 from IKE_AUTH on, the kernel SAs carry the UDP
 * encapsulation ports, keepalives leave the side behind the NAT at the
 * configured interval, nat_traversal = force and = no do what they say,
 * and a peer whose NAT mapping changes is followed after an authenticated
 * message only (a forged or replayed one from elsewhere moves nothing).
 */
#include <stdio.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/ike/show.h"
#include "t/harness/sim.h"
#include "t/harness/t.h"

#define PRIV "10.0.0.2"		/* a gateway behind a NAT */
#define NATPUB "100.64.0.2"	/* the NAT's public address */
#define NATPUB2 "100.64.0.9"	/* ... after it got a new one */
#define PUB "198.51.100.254"	/* a gateway on a public address */
#define PRIV2 "10.1.0.2"	/* the other gateway, behind a NAT too */
#define NATPUB_B "203.0.113.200"

#define FLOW_A "203.0.113.0/25 203.0.113.128/25"
#define FLOW_B "203.0.113.128/25 203.0.113.0/25"

/* What `ikectl show sa` says of a node's first IKE SA. */
struct shown {
	int n;
	char nat[16];
	int encap;
	struct ike_addr local, peer;
};

static void
show_cb(void *arg, const struct ike_sa_info *in)
{
	struct shown *s = arg;

	if (s->n++ == 0) {
		snprintf(s->nat, sizeof(s->nat), "%s", in->nat);
		s->encap = in->encap;
		s->local = in->local;
		s->peer = in->peer;
	}
}

static struct shown
shown(struct sim *s, int node)
{
	struct shown r;

	memset(&r, 0, sizeof(r));
	ike_foreach_sa(s->n[node].eng, show_cb, &r);
	return r;
}

/* Two engines: a at la (the initiator unless both passive) with peer
 * pa, b at lb with peer pb; g_a, g_b: extra [global] lines. */
static int
pair(struct sim *s, const char *tag, const char *la, const char *pa,
    const char *g_a, const char *lb, const char *pb, const char *g_b)
{
	struct sim_vpn a = { "natvpn", "active", la, pa, NULL, NULL, NULL,
	    FLOW_A, NULL };
	struct sim_vpn b = { "natvpn", "passive", lb, pb, NULL, NULL, NULL,
	    FLOW_B, NULL };
	char ta[32], tb[32], ga[256], gb[256];

	snprintf(ta, sizeof(ta), "nat-%s-a", tag);
	snprintf(tb, sizeof(tb), "nat-%s-b", tag);
	/* no liveness checks unless asked for */
	snprintf(ga, sizeof(ga), "%s%s", g_a && strstr(g_a, "dpd_") ? "" :
	    "dpd_check_interval = 0\n", g_a ? g_a : "");
	snprintf(gb, sizeof(gb), "%s%s", g_b && strstr(g_b, "dpd_") ? "" :
	    "dpd_check_interval = 0\n", g_b ? g_b : "");
	/* ids: the configured addresses, not what the NAT makes of them */
	a.srcid = la;
	a.dstid = lb;
	b.srcid = lb;
	b.dstid = la;
	return sim_init(s, sim_cfg(ta, ga, sim_vpn_text(&a)), la,
	    sim_cfg(tb, gb, sim_vpn_text(&b)), lb, 7);
}

static void
text_cb(void *arg, const struct ike_sa_info *in)
{
	show_sa_text(arg, in, 0);
}

static void
json_cb(void *arg, const struct ike_sa_info *in)
{
	show_sa_json(arg, in, 0);
}

/* `ikectl show sa` (json 0) or `show sa --json` (1) of node, in buf. */
static const char *
show_text(struct sim *s, int node, int json, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	buf[0] = '\0';
	if (f != NULL) {
		ike_foreach_sa(s->n[node].eng, json ? json_cb : text_cb, f);
		fclose(f);
	}
	return buf;
}

static void
expect_up(struct sim *s)
{
	T_EQ_INT(sim_count_ike(s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(s, 1, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_children(s, 0), 1);
	T_EQ_INT(sim_count_children(s, 1), 1);
	T_ASSERT(sim_traffic_ok(s, 1));
}

/* Both kernel SAs of node carry these UDP ports (0 0: plain ESP). */
static void
expect_encap(struct sim *s, int node, uint16_t our, uint16_t theirs)
{
	const struct kern_sa *in = sim_ksa_first(s, node, KERN_DIR_IN);
	const struct kern_sa *out = sim_ksa_first(s, node, KERN_DIR_OUT);

	T_ASSERT(in != NULL && out != NULL);
	if (in == NULL || out == NULL) {
		return;
	}
	T_EQ_INT(in->encap_sport, theirs);
	T_EQ_INT(in->encap_dport, our);
	T_EQ_INT(out->encap_sport, our);
	T_EQ_INT(out->encap_dport, theirs);
}

T_CASE(ike_nat, initiator_behind_nat)
{
	struct sim s;
	uint16_t p500, p4500;

	T_ASSERT(pair(&s, "init", PRIV, PUB, NULL, PUB, NATPUB, NULL) == 0);
	sim_nat(&s, 0, NATPUB, 31000);
	sim_run(&s, 10000);
	expect_up(&s);
	p500 = sim_nat_port(&s, 0, 500);
	p4500 = sim_nat_port(&s, 0, 4500);
	T_ASSERT(p500 != 0 && p4500 != 0 && p500 != p4500);
	T_EQ_STR(shown(&s, 0).nat, "local");
	T_EQ_STR(shown(&s, 1).nat, "remote");
	T_EQ_INT(shown(&s, 0).local.port, 4500);
	T_EQ_INT(shown(&s, 0).peer.port, 4500);
	T_EQ_INT(shown(&s, 1).local.port, 4500);
	T_EQ_INT(shown(&s, 1).peer.port, p4500);
	T_EQ_INT(shown(&s, 0).encap, 1);
	T_EQ_INT(shown(&s, 1).encap, 1);
	/* the ESP SAs were made after the move: UDP from the start */
	expect_encap(&s, 0, 4500, 4500);
	expect_encap(&s, 1, 4500, p4500);
	T_CONTAINS(s.n[0].log, "NAT detected: local");
	T_CONTAINS(s.n[1].log, "NAT detected: remote");
	{
		char buf[4096], want[128];

		T_CONTAINS(show_text(&s, 0, 0, buf, sizeof(buf)),
		    "  local 10.0.0.2:4500 peer 198.51.100.254:4500\n"
		    "  nat: local, esp in udp, ike fragmentation\n");
		snprintf(want, sizeof(want), "\"local\":\"198.51.100.254:4500\","
		    "\"peer\":\"100.64.0.2:%u\",\"nat\":\"remote\","
		    "\"encap\":true,\"fragmentation\":true", p4500);
		T_CONTAINS(show_text(&s, 1, 1, buf, sizeof(buf)), want);
	}
	sim_free(&s);
}

T_CASE(ike_nat, responder_behind_nat)
{
	struct sim s;

	/* b behind a NAT that forwards 500 and 4500 to it */
	T_ASSERT(pair(&s, "resp", PUB, NATPUB, NULL, PRIV, PUB, NULL) == 0);
	sim_nat(&s, 1, NATPUB, 40000);
	sim_nat_forward(&s, 1, 500, 500);
	sim_nat_forward(&s, 1, 4500, 4500);
	sim_run(&s, 10000);
	expect_up(&s);
	T_EQ_STR(shown(&s, 0).nat, "remote");
	T_EQ_STR(shown(&s, 1).nat, "local");
	expect_encap(&s, 0, 4500, 4500);
	expect_encap(&s, 1, 4500, 4500);
	/* keepalives from the side behind the NAT only */
	sim_run(&s, 10000 + 65000);
	T_ASSERT(s.n[1].keepalives >= 3);
	T_EQ_INT(s.n[0].keepalives, 0);
	sim_free(&s);
}

T_CASE(ike_nat, both_behind_nat)
{
	struct sim s;
	uint16_t pa;

	T_ASSERT(pair(&s, "both", PRIV, NATPUB_B, NULL, PRIV2, NATPUB,
	    NULL) == 0);
	sim_nat(&s, 0, NATPUB, 31000);
	sim_nat(&s, 1, NATPUB_B, 40000);
	sim_nat_forward(&s, 1, 500, 500);
	sim_nat_forward(&s, 1, 4500, 4500);
	sim_run(&s, 10000);
	expect_up(&s);
	pa = sim_nat_port(&s, 0, 4500);
	T_EQ_STR(shown(&s, 0).nat, "both");
	T_EQ_STR(shown(&s, 1).nat, "both");
	expect_encap(&s, 0, 4500, 4500);
	expect_encap(&s, 1, 4500, pa);
	sim_run(&s, 10000 + 45000);
	T_ASSERT(s.n[0].keepalives >= 2);
	T_ASSERT(s.n[1].keepalives >= 2);
	sim_free(&s);
}

T_CASE(ike_nat, no_nat_stays_on_500)
{
	struct sim s;

	T_ASSERT(pair(&s, "none", PRIV, PRIV2, NULL, PRIV2, PRIV, NULL) == 0);
	sim_run(&s, 60000);
	expect_up(&s);
	T_EQ_STR(shown(&s, 0).nat, "none");
	T_EQ_STR(shown(&s, 1).nat, "none");
	T_EQ_INT(shown(&s, 0).local.port, 500);
	T_EQ_INT(shown(&s, 1).peer.port, 500);
	expect_encap(&s, 0, 0, 0);
	expect_encap(&s, 1, 0, 0);
	T_EQ_INT(s.n[0].keepalives + s.n[1].keepalives, 0);
	{
		char buf[4096];

		T_CONTAINS(show_text(&s, 1, 0, buf, sizeof(buf)),
		    "  nat: none, ike fragmentation\n");
	}
	sim_free(&s);
}

/* nat_traversal = force on one side: UDP 4500 and encapsulation with no
 * NAT at all (RFC 7296 2.23's faked source hash), both roles. */
T_CASE(ike_nat, force_without_nat)
{
	for (int forcer = 0; forcer < 2; forcer++) {
		const char *f = "nat_traversal = force\n";
		struct sim s;

		T_ROW("force on the %s", forcer ? "responder" : "initiator");
		T_ASSERT(pair(&s, forcer ? "force-r" : "force-i", PRIV, PRIV2,
		    forcer ? NULL : f, PRIV2, PRIV, forcer ? f : NULL) == 0);
		sim_run(&s, 10000);
		expect_up(&s);
		T_EQ_STR(shown(&s, forcer).nat, "local");
		T_EQ_STR(shown(&s, 1 - forcer).nat, "remote");
		expect_encap(&s, 0, 4500, 4500);
		expect_encap(&s, 1, 4500, 4500);
		sim_free(&s);
	}
}

/* nat_traversal = no (ikd -T): no detection offered, no 4500, plain
 * ESP; the responder that sees the initiator's NAT says why it will not
 * work. */
T_CASE(ike_nat, off_behind_nat)
{
	struct sim s;

	T_ROW("initiator off");
	T_ASSERT(pair(&s, "off-i", PRIV, PUB, "nat_traversal = no\n", PUB,
	    NATPUB, NULL) == 0);
	sim_nat(&s, 0, NATPUB, 31000);
	sim_run(&s, 10000);
	T_EQ_INT(shown(&s, 0).local.port, 500);
	T_EQ_INT(shown(&s, 0).encap, 0);
	T_EQ_INT(shown(&s, 1).encap, 0);
	expect_encap(&s, 1, 0, 0);
	T_EQ_INT(sim_nat_port(&s, 0, 4500), 0);	/* never used */
	sim_free(&s);

	T_ROW("responder off");
	T_ASSERT(pair(&s, "off-r", PRIV, PUB, NULL, PUB, NATPUB,
	    "nat_traversal = no\n") == 0);
	sim_nat(&s, 0, NATPUB, 31000);
	sim_run(&s, 10000);
	T_EQ_INT(shown(&s, 0).local.port, 500);
	expect_encap(&s, 0, 0, 0);
	T_CONTAINS(s.n[1].log, "NAT detected (remote) with peer 100.64.0.2:"
	    "31000 local 198.51.100.254:500, but NAT traversal is off "
	    "(nat_traversal = no, or ikd -T): ESP will not pass it");
	sim_free(&s);
}

/* Keepalives (RFC 3948 4) at nat_keepalive seconds, none when 0. */
T_CASE(ike_nat, keepalive_interval)
{
	static const struct {
		const char *global;
		int secs;
	} v[] = {
		{ NULL, 20 },
		{ "nat_keepalive = 7\n", 7 },
		{ "nat_keepalive = 0\n", 0 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sim s;
		uint64_t up_at;

		T_ROW("every %d s", v[i].secs);
		T_ASSERT(pair(&s, "ka", PRIV, PUB, v[i].global, PUB, NATPUB,
		    NULL) == 0);
		sim_nat(&s, 0, NATPUB, 31000);
		sim_run(&s, 5000);
		expect_up(&s);
		up_at = s.n[0].eng->sas->established_ms;
		sim_run(&s, up_at + 100 * 1000 + 500);
		T_EQ_INT(s.n[0].keepalives, v[i].secs ? 100 / v[i].secs : 0);
		for (int k = 0; k < s.n[0].keepalives && k < 16; k++) {
			T_EQ_INT(s.n[0].keepalive_at[k] - up_at,
			    (uint64_t)(k + 1) * v[i].secs * 1000);
		}
		T_EQ_INT(s.n[1].keepalives, 0);
		/* received and counted, nothing else */
		T_EQ_INT(s.n[1].eng->st.nat_keepalives_rx,
		    s.n[0].keepalives);
		T_EQ_INT(shown(&s, 1).peer.port, sim_nat_port(&s, 0, 4500));
		sim_free(&s);
	}
}

/*
 * The NAT forgets its mapping (conntrack flush): keepalives and a forged
 * message from the new port move nothing; the first authenticated
 * message does, and the kernel SAs get the new port in place (same SPIs,
 * sequence numbers kept: sa_update).
 */
T_CASE(ike_nat, mapping_change_followed_after_auth)
{
	struct sim s;
	struct ike_sa *sb;
	uint16_t old, nw;
	uint32_t spi_out, msgid;
	int updates;
	uint8_t forged[256];
	struct ike_addr from, to;

	T_ASSERT(pair(&s, "flush", PRIV, PUB, "nat_keepalive = 5\n", PUB,
	    NATPUB, NULL) == 0);
	sim_nat(&s, 0, NATPUB, 31000);
	sim_run(&s, 5000);
	expect_up(&s);
	old = sim_nat_port(&s, 0, 4500);
	spi_out = sim_ksa_first(&s, 1, KERN_DIR_OUT)->spi;
	sim_nat_flush(&s, 0, NULL);
	/* a keepalive goes out from the new port: not authenticated */
	sim_run(&s, s.now + 6000);
	nw = sim_nat_port(&s, 0, 4500);
	T_ASSERT(nw != 0 && nw != old);
	T_EQ_INT(shown(&s, 1).peer.port, old);

	/* a forged request of the IKE SA from the new port: its ICV fails */
	sb = s.n[1].eng->sas;
	memset(forged, 0, sizeof(forged));
	memcpy(forged + 4, sb->spi_i, 8);
	memcpy(forged + 12, sb->spi_r, 8);
	forged[20] = IKEV2_PL_SK;
	forged[21] = 0x20;
	forged[22] = IKEV2_EXCH_INFORMATIONAL;
	forged[23] = IKEV2_FLAG_I;
	sim_put32(forged + 24, sb->msgid_in);
	sim_put32(forged + 28, 28 + 4 + 16 + 16 + 16);
	forged[32] = IKEV2_PL_NONE;
	sim_put16(forged + 34, 4 + 16 + 16 + 16);
	memset(&from, 0, sizeof(from));
	from.af = 4;
	memcpy(from.ip, s.n[0].nat.pub.ip, 16);
	from.port = nw;
	to = s.n[1].addr;
	to.port = 4500;
	updates = s.n[1].sa_update_calls;
	msgid = sb->msgid_in;
	ike_input(s.n[1].eng, &to, &from, forged, 4 + 28 + 4 + 48, s.now);
	T_EQ_INT(shown(&s, 1).peer.port, old);
	T_EQ_INT(s.n[1].sa_update_calls, updates);
	T_EQ_INT(s.n[1].eng->st.nat_updates, 0);
	T_EQ_INT(sb->msgid_in, msgid);

	/* an authenticated one: a rekey of the IKE SA by a, which keeps
	 * the CHILD SA (RFC 7296 2.18) */
	T_EQ_INT(ike_vpn_rekey(s.n[0].eng, "natvpn", 1, s.now), 0);
	sim_run(&s, s.now + 3000);
	T_EQ_INT(shown(&s, 1).peer.port, nw);
	T_EQ_INT(s.n[1].eng->st.nat_updates, 1);
	T_CONTAINS(s.n[1].log, "peer's NAT mapping changed, following it: "
	    "peer 100.64.0.2:");
	/* the same SAs, in place, with the new port */
	T_EQ_INT(s.n[1].sa_update_calls, updates + 2);
	T_EQ_INT(sim_ksa_first(&s, 1, KERN_DIR_OUT)->spi, spi_out);
	T_ASSERT(sim_traffic_ok(&s, 1));
	sim_run(&s, s.now + 10000);
	expect_up(&s);
	expect_encap(&s, 1, 4500, nw);
	sim_free(&s);
}

/* The NAT's public address changes: new kernel SAs and policies for the
 * new address, then fresh CHILD SAs (a re-added outbound SA would count
 * from 1, under the peer's replay window). */
T_CASE(ike_nat, nat_address_change)
{
	struct sim s;

	T_ASSERT(pair(&s, "newip", PRIV, PUB, NULL, PUB, NATPUB, NULL) == 0);
	sim_nat(&s, 0, NATPUB, 31000);
	sim_run(&s, 5000);
	expect_up(&s);
	sim_nat_flush(&s, 0, NATPUB2);
	T_EQ_INT(ike_vpn_rekey(s.n[0].eng, "natvpn", 0, s.now), 0);
	sim_run(&s, s.now + 20000);
	expect_up(&s);
	T_EQ_INT(s.n[1].eng->st.nat_updates, 1);
	{
		char ip[16];
		const struct kern_sa *k = sim_ksa_first(&s, 1, KERN_DIR_OUT);

		T_ASSERT(k != NULL);
		if (k != NULL) {
			snprintf(ip, sizeof(ip), "%u.%u.%u.%u", k->dst.addr[0],
			    k->dst.addr[1], k->dst.addr[2], k->dst.addr[3]);
			T_EQ_STR(ip, NATPUB2);
			T_EQ_INT(k->encap_dport, sim_nat_port(&s, 0, 4500));
		}
	}
	T_EQ_INT(s.n[1].n_policies, 3);
	sim_free(&s);
}

/* A replay of an authentic request from another address: answered (as a
 * retransmission) but the peer does not move. */
T_CASE(ike_nat, replay_from_elsewhere_moves_nothing)
{
	struct sim s;
	struct ike_addr from, to;
	uint8_t buf[4096];
	size_t len;

	T_ASSERT(pair(&s, "replay", PRIV, PUB, NULL, PUB, NATPUB, NULL) == 0);
	sim_nat(&s, 0, NATPUB, 31000);
	s.manual = 1;
	sim_run(&s, 3000);
	/* the first IKE_SA_INIT left before the NAT was there: its
	 * retransmission goes; then catch IKE_AUTH's request */
	T_EQ_INT(sim_deliver(&s, 1, 0, 1), 0);
	T_EQ_INT(sim_deliver(&s, 1, 0, 0), 0);
	T_EQ_INT(sim_deliver(&s, 0, 1, 0), 0);
	T_ASSERT(s.nq == 1);
	len = s.q[0].len;
	memcpy(buf, s.q[0].buf, len);
	from = s.q[0].src;
	T_EQ_INT(sim_deliver(&s, 1, 0, 0), 0);
	T_EQ_INT(sim_deliver(&s, 0, 1, 0), 0);
	s.manual = 0;
	sim_run(&s, s.now + 1000);
	expect_up(&s);
	from.port = 55555;
	to = s.n[1].addr;
	to.port = 4500;
	ike_input(s.n[1].eng, &to, &from, buf, len, s.now);
	T_EQ_INT(shown(&s, 1).peer.port, sim_nat_port(&s, 0, 4500));
	T_EQ_INT(s.n[1].eng->st.nat_updates, 0);
	sim_free(&s);
}

/* The liveness check of the side behind the NAT is what brings the news
 * of a new mapping when nothing else is said (the UML nat suite's case). */
T_CASE(ike_nat, mapping_change_noticed_by_dpd)
{
	struct sim s;
	uint16_t nw;

	T_ASSERT(pair(&s, "dpd", PRIV, PUB, "dpd_check_interval = 4\n"
	    "nat_keepalive = 3\n", PUB, NATPUB, NULL) == 0);
	sim_nat(&s, 0, NATPUB, 31000);
	sim_run(&s, 5000);
	expect_up(&s);
	sim_nat_flush(&s, 0, NULL);
	sim_run(&s, s.now + 12000);
	nw = sim_nat_port(&s, 0, 4500);
	T_EQ_INT(shown(&s, 1).peer.port, nw);
	T_EQ_INT(s.n[1].eng->st.nat_updates, 1);
	T_ASSERT(s.n[0].eng->st.dpd_sent >= 1);
	sim_free(&s);
}
