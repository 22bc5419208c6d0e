/*
 * test_ike.c - two IKEv2 engines back to back in memory (t/harness/sim.h): the
 * how-to's tunnels come up, every transform the crypto layer offers
 * negotiates, mismatches fail with the notify the RFC asks for, and lossy,
 * duplicating, reordering links still converge to exactly one IKE SA.
 */
#include <stdio.h>
#include <string.h>

#include "t/harness/sim.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"

/* A VPN file from the parts that vary between cases. */
static const char *
vpn(const char *mode, const char *local, const char *peer, const char *psk,
    const char *flows, const char *ikesa, const char *childsa,
    const char *extra)
{
	static char buf[4][1024];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]),
	    "[vpn]\nname = nom_vpn\nmode = %s\nlocal = %s\npeer = %s\n"
	    "srcid = %s\ndstid = %s\npsk = %s\n%s\n[flows]\n%s\n"
	    "[ikesa]\n%s\n[childsa]\n%s\n",
	    mode, local, peer, local, peer, psk, extra ? extra : "", flows,
	    ikesa, childsa);
	return b;
}

#define HOWTO_IKE "enc = aes-256\nauth = hmac-sha2-256\n" \
	"prf = hmac-sha2-256\ngroup = modp4096\n"
#define HOWTO_CHILD "enc = aes-256\nauth = hmac-sha1\ngroup = modp4096\n"
#define FLOW1 "flow = 203.0.113.0/25 203.0.113.128/25\n"
#define FLOW1R "flow = 203.0.113.128/25 203.0.113.0/25\n"

struct pair {
	const char *a, *b;	/* VPN file bodies for gw1 and gw2 */
};

static int
up(struct sim *s, struct pair p, uint32_t seed, const char *tag)
{
	char ta[32], tb[32];

	snprintf(ta, sizeof(ta), "%s-a", tag);
	snprintf(tb, sizeof(tb), "%s-b", tag);
	return sim_init(s, sim_cfg(ta, "dpd_check_interval = 0\n", p.a), GW1,
	    sim_cfg(tb, "dpd_check_interval = 0\n", p.b), GW2, seed);
}

/* children < 0: as many as the other side shows (both-active races) */
static void
expect_up(struct sim *s, int children)
{
	if (children < 0) {
		children = sim_count_children(s, 0) > 0 ?
		    sim_count_children(s, 0) : 1;
	}
	T_EQ_INT(sim_count_ike(s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(s, 1, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(s, 0, NULL), 1);
	T_EQ_INT(sim_count_ike(s, 1, NULL), 1);
	T_EQ_INT(sim_count_children(s, 0), children);
	T_EQ_INT(sim_count_children(s, 1), children);
	T_ASSERT(sim_children_agree(s));
	T_EQ_INT(sim_kernel_sas(s, 0), 2 * children);
	T_EQ_INT(sim_kernel_sas(s, 1), 2 * children);
	T_EQ_INT(s->n[0].n_policies, 3 * children);
}

T_CASE(ike, howto_basic)
{
	struct sim s;
	struct pair p = {
		vpn("active", GW1, GW2, "PSK-TO-CONFIGURE", FLOW1, HOWTO_IKE,
		    HOWTO_CHILD, NULL),
		vpn("passive", GW2, GW1, "PSK-TO-CONFIGURE", FLOW1R, HOWTO_IKE,
		    HOWTO_CHILD, NULL),
	};

	T_ASSERT(up(&s, p, 1, "basic") == 0);
	sim_run(&s, 10000);
	expect_up(&s, 1);
	T_CONTAINS(s.n[0].log, "established IKE SA as initiator");
	T_CONTAINS(s.n[0].log, "CHILD SA up: 203.0.113.0/25 === "
	    "203.0.113.128/25");
	T_CONTAINS(s.n[1].log, "established IKE SA as responder");
	sim_free(&s);
}

/*
 * An AEAD IKE SA has no integrity transform: both of the responder's log
 * lines say "-" in its column (seen against strongSwan, where the
 * IKE_SA_INIT line had an empty column, two spaces, so the prf looked like
 * the integrity algorithm).
 */
T_CASE(ike, aead_ike_sa_log_lines)
{
	struct sim s;
	struct pair p = {
		vpn("active", GW1, GW2, "k3y", FLOW1,
		    "enc = aes-128-gcm\nprf = hmac-sha2-256\ngroup = curve25519\n",
		    HOWTO_CHILD, NULL),
		vpn("passive", GW2, GW1, "k3y", FLOW1R,
		    "enc = aes-128-gcm\nprf = hmac-sha2-256\ngroup = curve25519\n",
		    HOWTO_CHILD, NULL),
	};

	T_ASSERT(up(&s, p, 1, "aead") == 0);
	sim_run(&s, 10000);
	expect_up(&s, 1);
	T_CONTAINS(s.n[1].log, "IKE_SA_INIT answered, peer 192.0.2.254:500 "
	    "local 198.51.100.254:500, aes-128-gcm - hmac-sha2-256 curve25519");
	T_CONTAINS(s.n[1].log, "established IKE SA as responder, peer "
	    "192.0.2.254:500 local 198.51.100.254:500, aes-128-gcm - "
	    "hmac-sha2-256 curve25519");
	sim_free(&s);
}

/*
 * The initiator offers AEAD and non-AEAD ciphers (two proposals each for
 * the IKE SA and the CHILD SA, as ikd's defaults do); the responder can
 * only take the second.  Its answers carry proposal number 2 (RFC 7296
 * 3.3.1), which the initiator must accept: found against strongSwan, whose
 * answer to ikd's default proposals the codec dropped as malformed.
 */
T_CASE(ike, answer_takes_second_proposal)
{
	struct sim s;
	struct pair p = {
		vpn("active", GW1, GW2, "k3y", FLOW1,
		    "enc = aes-128-gcm aes-256\nauth = hmac-sha2-256\n"
		    "prf = hmac-sha2-256\ngroup = curve25519\n",
		    "enc = aes-128-gcm aes-256\nauth = hmac-sha1\n", NULL),
		vpn("passive", GW2, GW1, "k3y", FLOW1R,
		    "enc = aes-256\nauth = hmac-sha2-256\n"
		    "prf = hmac-sha2-256\ngroup = curve25519\n",
		    "enc = aes-256\nauth = hmac-sha1\n", NULL),
	};

	T_ASSERT(up(&s, p, 1, "second") == 0);
	sim_run(&s, 10000);
	expect_up(&s, 1);
	T_CONTAINS(s.n[0].log, "established IKE SA as initiator, peer "
	    "198.51.100.254:500 local 192.0.2.254:500, aes-256 hmac-sha2-256");
	T_CONTAINS(s.n[0].log, "CHILD SA up: 203.0.113.0/25 === "
	    "203.0.113.128/25");
	sim_free(&s);
}

T_CASE(ike, howto_two_subnets)
{
	struct sim s;
	struct pair p = {
		vpn("active", GW1, GW2, "PSK-TO-CONFIGURE",
		    "flow = 203.0.113.0/25 203.0.113.128/26\n"
		    "flow = 203.0.113.0/25 203.0.113.192/26\n", HOWTO_IKE,
		    HOWTO_CHILD, NULL),
		vpn("passive", GW2, GW1, "PSK-TO-CONFIGURE",
		    "flow = 203.0.113.128/26 203.0.113.0/25\n"
		    "flow = 203.0.113.192/26 203.0.113.0/25\n", HOWTO_IKE,
		    HOWTO_CHILD, NULL),
	};

	T_ASSERT(up(&s, p, 2, "two") == 0);
	sim_run(&s, 10000);
	expect_up(&s, 2);
	T_CONTAINS(s.n[1].log, "203.0.113.192/26 === 203.0.113.0/25");
	T_CONTAINS(s.n[1].log, "203.0.113.128/26 === 203.0.113.0/25");
	/* the second flow rode CREATE_CHILD_SA with PFS */
	T_CONTAINS(s.n[0].log, "pfs modp4096");
	sim_free(&s);
}

T_CASE(ike, responder_narrows_to_its_policy)
{
	struct sim s;
	/* gw2 has one /25 flow; gw1 asks for its two /26 halves: iked
	 * would install only one; the responder narrows each. */
	struct pair p = {
		vpn("active", GW1, GW2, "k3y",
		    "flow = 203.0.113.0/25 203.0.113.128/26\n"
		    "flow = 203.0.113.0/25 203.0.113.192/26\n", HOWTO_IKE,
		    HOWTO_CHILD, NULL),
		vpn("passive", GW2, GW1, "k3y",
		    "flow = 203.0.113.128/25 203.0.113.0/24\n", HOWTO_IKE,
		    HOWTO_CHILD, NULL),
	};

	T_ASSERT(up(&s, p, 3, "narrow") == 0);
	sim_run(&s, 10000);
	expect_up(&s, 2);
	T_CONTAINS(s.n[1].log, "203.0.113.128/26 === 203.0.113.0/25");
	T_CONTAINS(s.n[1].log, "203.0.113.192/26 === 203.0.113.0/25");
	sim_free(&s);
}

static const struct {
	const char *ike, *child;
} combos[] = {
	{ "enc = aes-128\nauth = hmac-sha1\nprf = hmac-sha1\ngroup = modp2048",
	  "enc = aes-128\nauth = hmac-sha1\ngroup = none" },
	{ "enc = aes-192\nauth = hmac-sha2-384\nprf = hmac-sha2-384\n"
	  "group = modp3072", "enc = aes-192\nauth = hmac-sha2-384\n"
	  "group = modp3072" },
	{ "enc = aes-256\nauth = hmac-sha2-512\nprf = hmac-sha2-512\n"
	  "group = ecp521", "enc = aes-256\nauth = hmac-sha2-512\n"
	  "group = ecp521" },
	{ "enc = aes-128-gcm\nprf = hmac-sha2-256\ngroup = curve25519",
	  "enc = aes-256\nauth = hmac-sha2-256\ngroup = curve25519" },
	{ "enc = aes-256\nauth = hmac-sha2-256\nprf = hmac-sha2-256\n"
	  "group = ecp256", "enc = aes-128\nauth = hmac-sha2-256\n"
	  "group = ecp256" },
	{ "enc = aes-192-gcm\nprf = hmac-sha2-384\ngroup = ecp384",
	  "enc = aes-256\nauth = hmac-sha1\ngroup = ecp384" },
	{ "enc = aes-256-gcm\nprf = hmac-sha2-512\ngroup = modp4096",
	  "enc = aes-192\nauth = hmac-sha1\ngroup = none" },
	{ "enc = aes-128-gcm-12\nprf = hmac-sha2-256\ngroup = curve25519",
	  "enc = aes-128\nauth = hmac-sha2-512\ngroup = curve25519" },
	{ "enc = aes-256-gcm-12\nprf = hmac-sha1\ngroup = ecp256",
	  "enc = aes-256\nauth = hmac-sha2-384\ngroup = none" },
	{ "enc = chacha20-poly1305\nprf = hmac-sha2-256\ngroup = curve25519",
	  "enc = aes-256\nauth = hmac-sha2-256\ngroup = curve25519" },
};

/* "aes-128 hmac-sha1 ... / aes-128 ...": the values of a combo, one line */
static const char *
label(const char *ike, const char *child)
{
	static char out[200];
	size_t n = 0;

	for (const char *src = ike; src && n < sizeof(out) - 4; ) {
		const char *v = strchr(src, '=');

		if (v == NULL) {
			break;
		}
		for (v += 2; *v && *v != '\n' && n < sizeof(out) - 4; v++) {
			out[n++] = *v;
		}
		out[n++] = ' ';
		src = *v ? v + 1 : NULL;
		if (src == NULL && ike != child) {
			out[n++] = '/';
			out[n++] = ' ';
			src = child;
			ike = child;
		}
	}
	out[n ? n - 1 : 0] = '\0';
	return out;
}

T_CASE(ike, every_transform_negotiates)
{
	for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		struct sim s;
		char ike[256], child[256], tag[32];
		struct pair p;

		snprintf(ike, sizeof(ike), "%s\n", combos[i].ike);
		snprintf(child, sizeof(child), "%s\n", combos[i].child);
		p.a = vpn("active", GW1, GW2, "s3cret",
		    "flow = 203.0.113.0/25 203.0.113.128/26\n"
		    "flow = 203.0.113.0/25 203.0.113.192/26\n", ike, child,
		    NULL);
		p.b = vpn("passive", GW2, GW1, "s3cret",
		    "flow = 203.0.113.128/25 203.0.113.0/25\n", ike, child,
		    NULL);
		T_ROW("%s", label(combos[i].ike, combos[i].child));
		snprintf(tag, sizeof(tag), "combo%zu", i);
		T_ASSERT(up(&s, p, 10 + (uint32_t)i, tag) == 0);
		sim_run(&s, 10000);
		expect_up(&s, 2);
		sim_free(&s);
	}
}

/* What goes wrong, and what each side says about it. */
static const struct {
	const char *name;
	const char *psk_b, *ike_b, *child_b, *flow_b, *dstid_b;
	int ike_up, children;
	const char *log_a, *log_b;
} failures[] = {
	{ "psk mismatch", "other-psk", HOWTO_IKE, HOWTO_CHILD, FLOW1R, NULL,
	  0, 0, "IKE_AUTH failed: peer answered AUTHENTICATION_FAILED",
	  "authentication failed: PSK mismatch" },
	{ "dstid mismatch", "k", HOWTO_IKE, HOWTO_CHILD, FLOW1R,
	  "dstid = gw9.example.net\n", 0, 0,
	  "IKE_AUTH failed: peer answered AUTHENTICATION_FAILED",
	  "peer ID does not match dstid" },
	{ "ike proposal mismatch", "k", "enc = aes-128\nauth = hmac-sha1\n"
	  "prf = hmac-sha1\ngroup = modp4096\n", HOWTO_CHILD, FLOW1R, NULL, 0,
	  0, "IKE_SA_INIT failed: peer answered NO_PROPOSAL_CHOSEN",
	  "NO_PROPOSAL_CHOSEN (none of the peer's proposals matches [ikesa])" },
	{ "child proposal mismatch", "k", HOWTO_IKE, "enc = aes-128\n"
	  "auth = hmac-sha2-512\ngroup = modp4096\n", FLOW1R, NULL, 1, 0,
	  "CHILD SA for flow 1 refused by peer: NO_PROPOSAL_CHOSEN",
	  "CHILD SA refused: no proposal chosen" },
	{ "selectors mismatch", "k", HOWTO_IKE, HOWTO_CHILD,
	  "flow = 203.0.113.128/25 198.51.100.0/24\n", NULL, 1, 0,
	  "CHILD SA for flow 1 refused by peer: TS_UNACCEPTABLE",
	  "CHILD SA refused: TS_UNACCEPTABLE" },
};

T_CASE(ike, mismatches_fail_with_the_right_notify)
{
	for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
		struct sim s;
		char tag[32], extra[128];
		struct pair p;

		T_ROW("%s", failures[i].name);
		snprintf(extra, sizeof(extra), "%s",
		    failures[i].dstid_b ? failures[i].dstid_b : "");
		p.a = vpn("active", GW1, GW2, "k", FLOW1, HOWTO_IKE,
		    HOWTO_CHILD, NULL);
		p.b = vpn("passive", GW2, GW1, failures[i].psk_b,
		    failures[i].flow_b, failures[i].ike_b,
		    failures[i].child_b, NULL);
		if (failures[i].dstid_b) {
			/* replace the default dstid line */
			char *d = strstr((char *)p.b, "dstid = ");
			char *e = d ? strchr(d, '\n') : NULL;
			char rest[1024];

			if (d && e) {
				snprintf(rest, sizeof(rest), "%s", e + 1);
				snprintf(d, 1024 - (size_t)(d - p.b), "%s%s",
				    extra, rest);
			}
		}
		snprintf(tag, sizeof(tag), "fail%zu", i);
		T_ASSERT(up(&s, p, 40 + (uint32_t)i, tag) == 0);
		sim_run(&s, 5000);
		T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"),
		    failures[i].ike_up);
		T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"),
		    failures[i].ike_up);
		T_EQ_INT(sim_count_children(&s, 0), failures[i].children);
		T_EQ_INT(sim_count_children(&s, 1), failures[i].children);
		T_EQ_INT(sim_kernel_sas(&s, 0), 0);
		T_EQ_INT(sim_kernel_sas(&s, 1), 0);
		T_CONTAINS(s.n[0].log, failures[i].log_a);
		T_CONTAINS(s.n[1].log, failures[i].log_b);
		sim_free(&s);
	}
}

T_CASE(ike, invalid_ke_retry_with_the_asked_group)
{
	struct sim s;
	struct pair p = {
		vpn("active", GW1, GW2, "k", FLOW1, "enc = aes-256\n"
		    "auth = hmac-sha2-256\nprf = hmac-sha2-256\n"
		    "group = curve25519 ecp256\n", HOWTO_CHILD, NULL),
		vpn("passive", GW2, GW1, "k", FLOW1R, "enc = aes-256\n"
		    "auth = hmac-sha2-256\nprf = hmac-sha2-256\n"
		    "group = ecp256\n", HOWTO_CHILD, NULL),
	};

	T_ASSERT(up(&s, p, 60, "ke") == 0);
	sim_run(&s, 5000);
	expect_up(&s, 1);
	T_CONTAINS(s.n[0].log, "peer asks for group ecp256, retrying");
	T_CONTAINS(s.n[0].log, "hmac-sha2-256 ecp256");
	sim_free(&s);
}

T_CASE(ike, retransmit_limit_reached)
{
	struct sim s;
	struct pair p = {
		vpn("active", GW1, GW2, "k", FLOW1, HOWTO_IKE, HOWTO_CHILD,
		    NULL),
		vpn("passive", GW2, GW1, "k", FLOW1R, HOWTO_IKE, HOWTO_CHILD,
		    NULL),
	};

	T_ASSERT(up(&s, p, 61, "retx") == 0);
	/* gw2 answers IKE_SA_INIT (already on its way), then goes silent */
	s.blackhole[1] = 1;
	/* 2 + 4 + 8 + 16 + 32 s of retransmits, then 64 s more: the limit */
	sim_run(&s, 130000);
	T_CONTAINS(s.n[0].log, "retransmit 1 IKE_AUTH req 1 peer "
	    "198.51.100.254:500 local 192.0.2.254:500");
	T_CONTAINS(s.n[0].log, "retransmit 5 IKE_AUTH req 1");
	T_CONTAINS(s.n[0].log, "sa_free: retransmit limit reached");
	T_ASSERT(strstr(s.n[0].log, "retransmit 6 ") == NULL);
	/* then the active VPN keeps trying, and comes up once it can */
	s.blackhole[1] = 0;
	sim_run(&s, 400000);
	expect_up(&s, 1);
	sim_free(&s);
}

T_CASE(ike, lossy_links_converge)
{
	int bad = 0;

	for (uint32_t seed = 100; seed < 140; seed++) {
		struct sim s;
		struct pair p = {
			vpn("active", GW1, GW2, "k",
			    "flow = 203.0.113.0/25 203.0.113.128/26\n"
			    "flow = 203.0.113.0/25 203.0.113.192/26\n",
			    "enc = aes-128-gcm\nprf = hmac-sha2-256\n"
			    "group = curve25519\n", "enc = aes-128\n"
			    "auth = hmac-sha1\ngroup = curve25519\n", NULL),
			vpn(seed % 2 ? "active" : "passive", GW2, GW1, "k",
			    "flow = 203.0.113.128/25 203.0.113.0/25\n",
			    "enc = aes-128-gcm\nprf = hmac-sha2-256\n"
			    "group = curve25519\n", "enc = aes-128\n"
			    "auth = hmac-sha1\ngroup = curve25519\n", NULL),
		};

		T_ROW("seed %u, 30%% loss, dup, reorder%s", seed,
		    seed % 2 ? ", both active" : "");
		T_ASSERT(up(&s, p, seed, "lossy") == 0);
		s.loss_pct = 30;
		s.dup_pct = 20;
		s.reorder_pct = 30;
		sim_run(&s, 600000);
		/* a clean link for the end, as after a storm */
		s.loss_pct = s.dup_pct = s.reorder_pct = 0;
		sim_run(&s, 900000);
		expect_up(&s, seed % 2 ? -1 : 2);
		bad += sim_count_ike(&s, 0, NULL) != 1;
		sim_free(&s);
	}
	T_ROW("no seed left more than one IKE SA");
	T_EQ_INT(bad, 0);
}

T_CASE(ike, delete_reaches_the_peer)
{
	struct sim s;
	struct pair p = {
		vpn("active", GW1, GW2, "k", FLOW1, HOWTO_IKE, HOWTO_CHILD,
		    NULL),
		vpn("passive", GW2, GW1, "k", FLOW1R, HOWTO_IKE, HOWTO_CHILD,
		    NULL),
	};

	T_ASSERT(up(&s, p, 62, "del") == 0);
	sim_run(&s, 5000);
	expect_up(&s, 1);
	T_EQ_INT(ike_vpn_down(s.n[0].eng, "nom_vpn", s.now), 0);
	sim_run(&s, 10000);
	T_EQ_INT(sim_count_ike(&s, 0, NULL), 0);
	T_EQ_INT(sim_count_ike(&s, 1, NULL), 0);
	T_EQ_INT(sim_kernel_sas(&s, 0), 0);
	T_EQ_INT(sim_kernel_sas(&s, 1), 0);
	T_EQ_INT(s.n[1].n_policies, 0);
	T_CONTAINS(s.n[1].log, "IKE SA deleted by peer");
	sim_free(&s);
}

/* A VPN file with its own name, IDs, key and one flow. */
static const char *
vpn_id(const char *name, const char *mode, const char *local,
    const char *peer, const char *srcid, const char *dstid, const char *psk,
    const char *flow, const char *ike)
{
	static char buf[8][1024];
	static int next;
	char *b = buf[next++ % 8];

	snprintf(b, sizeof(buf[0]),
	    "[vpn]\nname = %s\nmode = %s\nlocal = %s\npeer = %s\n"
	    "srcid = %s\ndstid = %s\npsk = %s\n[flows]\nflow = %s\n"
	    "[ikesa]\n%s[childsa]\n" HOWTO_CHILD,
	    name, mode, local, peer, srcid, dstid, psk, flow,
	    ike ? ike : HOWTO_IKE);
	return b;
}

/* Two VPN files, the second included from the global file. */
static const char *
two_vpn_cfg(const char *tag, const char *first, const char *second)
{
	char name[64], extra[160];

	snprintf(name, sizeof(name), "sim-%s-2-vpn.conf", tag);
	t_tmpfile(name, second);
	snprintf(extra, sizeof(extra), "dpd_check_interval = 0\ninclude = %s\n",
	    name);
	return sim_cfg(tag, extra, first);
}

/*
 * Two VPNs between the same two gateway addresses.  The responder cannot
 * tell them apart at IKE_SA_INIT (addresses only); at IKE_AUTH it picks
 * the VPN by the initiator's ID (RFC 7296 2.15: the PSK is found by IDi),
 * then by the selectors, before it checks AUTH, so each comes up with its
 * own key and flow.  An ID that neither VPN accepts gets
 * AUTHENTICATION_FAILED.
 */
static const struct {
	const char *name;
	const char *a1_id, *a1_psk, *a2_id, *a2_psk;	/* side a, srcid */
	const char *b1_dst, *b1_psk, *b2_dst, *b2_psk;	/* side b, dstid */
	int up;
	const char *ike1, *ike2;	/* [ikesa] of VPN one and two, both
					 * sides; NULL: the how-to's */
} twins[] = {
	{ "different IDs and keys", "one.a.example", "psk-one",
	  "two.a.example", "psk-two", "one.a.example", "psk-one",
	  "two.a.example", "psk-two", 2, NULL, NULL },
	{ "an exact dstid wins over a first VPN that accepts any ID",
	  "one.a.example", "psk-one", "two.a.example", "psk-two", "any",
	  "psk-one", "two.a.example", "psk-two", 2, NULL, NULL },
	{ "same ID and key: the selectors decide", "gw.a.example", "k",
	  "gw.a.example", "k", "any", "k", "any", "k", 2, NULL, NULL },
	{ "an ID neither VPN accepts", "one.a.example", "psk-one",
	  "three.a.example", "psk-two", "one.a.example", "psk-one",
	  "two.a.example", "psk-two", 1, NULL, NULL },
	{ "different [ikesa]: IKE_SA_INIT answered by the VPN that accepts",
	  "one.a.example", "psk-one", "two.a.example", "psk-two",
	  "one.a.example", "psk-one", "two.a.example", "psk-two", 2,
	  "enc = aes-128\nauth = hmac-sha2-256\nprf = hmac-sha2-256\n"
	  "group = curve25519\n",
	  "enc = aes-256-gcm\nprf = hmac-sha2-384\ngroup = ecp256\n" },
};

T_CASE(ike, two_vpns_same_addresses_chosen_by_id)
{
	for (size_t i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
		struct sim s;
		char ta[32], tb[32];
		const char *a, *b;
		int n_up = twins[i].up;

		T_ROW("%s", twins[i].name);
		snprintf(ta, sizeof(ta), "twin%zu-a", i);
		snprintf(tb, sizeof(tb), "twin%zu-b", i);
		a = two_vpn_cfg(ta,
		    vpn_id("one", "active", GW1, GW2, twins[i].a1_id,
		    "any", twins[i].a1_psk, "10.1.0.0/24 10.2.0.0/24",
		    twins[i].ike1),
		    vpn_id("two", "active", GW1, GW2, twins[i].a2_id,
		    "any", twins[i].a2_psk, "10.3.0.0/24 10.4.0.0/24",
		    twins[i].ike2));
		b = two_vpn_cfg(tb,
		    vpn_id("one", "passive", GW2, GW1, "gw.b.example",
		    twins[i].b1_dst, twins[i].b1_psk,
		    "10.2.0.0/24 10.1.0.0/24", twins[i].ike1),
		    vpn_id("two", "passive", GW2, GW1, "gw.b.example",
		    twins[i].b2_dst, twins[i].b2_psk,
		    "10.4.0.0/24 10.3.0.0/24", twins[i].ike2));
		T_ASSERT(sim_init(&s, a, GW1, b, GW2, 70 + (uint32_t)i) == 0);
		sim_run(&s, 10000);
		T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), n_up);
		T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), n_up);
		T_EQ_INT(sim_count_children(&s, 0), n_up);
		T_EQ_INT(sim_count_children(&s, 1), n_up);
		T_ASSERT(sim_children_agree(&s));
		T_ASSERT(sim_traffic_ok(&s, n_up));
		T_CONTAINS(s.n[0].log, "CHILD SA up: 10.1.0.0/24 === "
		    "10.2.0.0/24");
		T_CONTAINS(s.n[1].log, "CHILD SA up: 10.2.0.0/24 === "
		    "10.1.0.0/24");
		if (n_up == 2) {
			T_CONTAINS(s.n[0].log, "CHILD SA up: 10.3.0.0/24 === "
			    "10.4.0.0/24");
			T_CONTAINS(s.n[1].log, "CHILD SA up: 10.4.0.0/24 === "
			    "10.3.0.0/24");
			T_ASSERT(strstr(s.n[1].log, "authentication failed") ==
			    NULL);
			T_ASSERT(strstr(s.n[1].log, "TS_UNACCEPTABLE") == NULL);
		} else {
			T_CONTAINS(s.n[0].log, "two: spi=");
			T_CONTAINS(s.n[0].log, "IKE_AUTH failed: peer answered "
			    "AUTHENTICATION_FAILED");
			T_CONTAINS(s.n[1].log, "authentication failed: peer ID "
			    "does not match dstid");
		}
		sim_free(&s);
	}
}

/*
 * The responder sizes a half-open IKE SA's CHILD SA slots for the VPN that
 * answered IKE_SA_INIT; when IKE_AUTH picks another VPN with more flows,
 * the SA moves to a larger allocation (core/ike/ike.c, ike_sa_set_vpn): every
 * flow of that VPN comes up, and rekeys of them all find their slots.
 */
T_CASE(ike, vpn_chosen_at_auth_has_more_flows)
{
	char fa[1024] = "", fb[1024] = "";
	const int n = 12;
	struct sim s;
	const char *a, *b;

	for (int i = 0; i < n; i++) {
		char l[64], r[64];

		snprintf(l, sizeof(l), "10.%d.1.0/24", 10 + i);
		snprintf(r, sizeof(r), "10.%d.2.0/24", 10 + i);
		snprintf(fa + strlen(fa), sizeof(fa) - strlen(fa), "%s%s %s",
		    i ? "\nflow = " : "", l, r);
		snprintf(fb + strlen(fb), sizeof(fb) - strlen(fb), "%s%s %s",
		    i ? "\nflow = " : "", r, l);
	}
	a = two_vpn_cfg("grow-a",
	    vpn_id("one", "passive", GW1, GW2, "one.a.example", "any",
	    "psk-one", "10.1.0.0/24 10.2.0.0/24", NULL),
	    vpn_id("two", "active", GW1, GW2, "two.a.example", "any",
	    "psk-two", fa, NULL));
	b = two_vpn_cfg("grow-b",
	    vpn_id("one", "passive", GW2, GW1, "gw.b.example",
	    "one.a.example", "psk-one", "10.2.0.0/24 10.1.0.0/24", NULL),
	    vpn_id("two", "passive", GW2, GW1, "gw.b.example",
	    "two.a.example", "psk-two", fb, NULL));
	T_ASSERT(sim_init(&s, a, GW1, b, GW2, 91) == 0);
	sim_run(&s, 20000);
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_children(&s, 0), n);
	T_EQ_INT(sim_count_children(&s, 1), n);
	T_ASSERT(sim_children_agree(&s));
	T_ASSERT(sim_traffic_ok(&s, n));
	T_CONTAINS(s.n[1].log, "IKE_AUTH: the peer's ID selects VPN two");
	T_CONTAINS(s.n[1].log, "CHILD SA up: 10.21.2.0/24 === 10.21.1.0/24");
	/* every CHILD SA rekeyed at once, from the responder's side */
	T_EQ_INT(ike_vpn_rekey(s.n[1].eng, "two", 0, s.now), 0);
	sim_run(&s, s.now + 30000);
	T_EQ_INT(sim_count_children(&s, 0), n);
	T_EQ_INT(sim_count_children(&s, 1), n);
	T_ASSERT(sim_children_agree(&s));
	T_ASSERT(sim_traffic_ok(&s, n));
	{
		struct ike_stats st;

		ike_get_stats(s.n[1].eng, &st);
		T_EQ_INT(st.rekeys_child, n);
	}
	sim_free(&s);
}

/*
 * Ten VPNs between the same two gateways, each with its own lifetimes:
 * the engine's timer heaps (core/ike/ike.c) order many IKE SAs and VPNs, and
 * every rekey comes when it is due (t/harness/sim.c checks the heaps after
 * every engine call against a scan of every SA).  15 minutes of virtual time.
 */
T_CASE(ike, ten_vpns_each_rekeys_on_its_own_timer)
{
	const int n = 10, secs = 900;
	char inc[64];
	const char *cfg[2];
	struct ike_stats st[2];
	uint64_t want = 0;
	struct sim s;

	for (int side = 0; side < 2; side++) {
		char tag[16];

		snprintf(tag, sizeof(tag), "ten-%c", 'a' + side);
		for (int i = 0; i < n; i++) {
			char name[64], body[1024], l[32], r[32];

			snprintf(l, sizeof(l), "10.%d.1.0/24", 40 + i);
			snprintf(r, sizeof(r), "10.%d.2.0/24", 40 + i);
			snprintf(body, sizeof(body), "[vpn]\nname = v%d\n"
			    "mode = %s\nlocal = %s\npeer = %s\n"
			    "srcid = %s%d.example\ndstid = %s%d.example\n"
			    "psk = psk-%d\nlifetime = %ds\nikelifetime = %ds\n"
			    "[flows]\nflow = %s %s\n[ikesa]\nenc = aes-128\n"
			    "auth = hmac-sha2-256\nprf = hmac-sha2-256\n"
			    "group = curve25519\n[childsa]\nenc = aes-128-gcm\n"
			    "group = curve25519\n", i,
			    side ? "passive" : "active", side ? GW2 : GW1,
			    side ? GW1 : GW2, side ? "b" : "a", i,
			    side ? "a" : "b", i, i, 60 + 7 * i, 300 + 30 * i,
			    side ? r : l, side ? l : r);
			snprintf(name, sizeof(name), "sim-%s-x%d.conf", tag, i);
			t_tmpfile(name, body);
		}
		snprintf(inc, sizeof(inc), "dpd_check_interval = 0\n"
		    "include = sim-%s-x*.conf\n", tag);
		cfg[side] = sim_cfg(tag, inc, "");
	}
	for (int i = 0; i < n; i++) {
		/* each end rekeys at 85-95% of the lifetime at the latest */
		want += (uint64_t)((secs - 5) / ((60 + 7 * i) * 0.95));
	}
	if (sim_init(&s, cfg[0], GW1, cfg[1], GW2, 93) != 0) {
		T_ASSERT(!"sim_init");
		return;
	}
	sim_run(&s, (uint64_t)secs * 1000);
	for (int i = 0; i < 2; i++) {
		T_EQ_INT(sim_count_ike(&s, i, "ESTABLISHED"), n);
		T_EQ_INT(sim_count_children(&s, i), n);
		ike_get_stats(s.n[i].eng, &st[i]);
		T_ASSERT(st[i].rekeys_child >= want);
		T_ASSERT(st[i].rekeys_ike >= (uint64_t)n);
		T_EQ_INT(s.n[i].n_warn, 0);
	}
	T_ASSERT(sim_children_agree(&s));
	T_ASSERT(sim_traffic_ok(&s, n));
	T_EQ_INT(s.timers_bad, 0);
	sim_free(&s);
}

/*
 * `show stats` agrees with `show sa` at every step of a bring-up: an SA
 * waiting in SA_INIT or AUTH_REQUEST counts as half-open on either side
 * (the responder's count alone, which the cookie threshold uses, made the
 * initiator show "ike_sas 0, half_open 0" beside an SA in SA_INIT), and
 * ike_sas and child_sas count what the table lists as up.
 */
static void
stats_agree(struct sim *s, int node, int half_open, int ike_sas,
    int child_sas)
{
	struct ike_stats st;

	ike_get_stats(s->n[node].eng, &st);
	T_EQ_INT(st.half_open, sim_count_ike(s, node, "SA_INIT") +
	    sim_count_ike(s, node, "AUTH_REQUEST"));
	T_EQ_INT(st.ike_sas, sim_count_ike(s, node, "ESTABLISHED"));
	T_EQ_INT(st.child_sas, sim_count_children(s, node));
	T_EQ_INT(st.half_open, half_open);
	T_EQ_INT(st.ike_sas, ike_sas);
	T_EQ_INT(st.child_sas, child_sas);
}

T_CASE(ike, stats_agree_with_the_table)
{
	struct sim s;
	struct pair p = {
		vpn("active", GW1, GW2, "PSK-TO-CONFIGURE", FLOW1, HOWTO_IKE,
		    HOWTO_CHILD, NULL),
		vpn("passive", GW2, GW1, "PSK-TO-CONFIGURE", FLOW1R, HOWTO_IKE,
		    HOWTO_CHILD, NULL),
	};

	T_ASSERT(up(&s, p, 7, "stats") == 0);
	s.manual = 1;
	sim_run(&s, 100);
	T_ROW("initiator, IKE_SA_INIT out");
	stats_agree(&s, 0, 1, 0, 0);
	stats_agree(&s, 1, 0, 0, 0);
	T_EQ_INT(sim_deliver(&s, 1, 0, 0), 0);
	T_ROW("responder answered IKE_SA_INIT");
	stats_agree(&s, 1, 1, 0, 0);
	T_EQ_INT(sim_deliver(&s, 0, 1, 0), 0);
	T_ROW("initiator, IKE_AUTH out");
	stats_agree(&s, 0, 1, 0, 0);
	T_EQ_INT(sim_deliver(&s, 1, 0, 0), 0);
	T_ROW("responder established");
	stats_agree(&s, 1, 0, 1, 1);
	T_EQ_INT(sim_deliver(&s, 0, 1, 0), 0);
	T_ROW("initiator established");
	stats_agree(&s, 0, 0, 1, 1);
	T_ASSERT(ike_vpn_down(s.n[0].eng, "nom_vpn", s.now) == 0);
	T_ROW("our DELETE out: no longer up");
	stats_agree(&s, 0, 0, 0, 0);
	sim_free(&s);
}

/* The ESN flag of every kernel SA of node (1, 0), or -1 if they differ. */
static int
kernel_esn(struct sim *s, int node)
{
	int esn = -1;

	for (int i = 0; i < SIM_KSA_MAX; i++) {
		const struct sim_ksa *k = &s->n[node].ksa[i];

		if (!k->used) {
			continue;
		}
		if (esn >= 0 && esn != k->sa.esn) {
			return -1;
		}
		esn = k->sa.esn;
	}
	return esn;
}

/*
 * [childsa] esn (RFC 7296 3.3.2 transform type 5): both ends pick the same
 * value, the responder the first of the initiator's it allows; the choice
 * reaches the kernel SAs with the configured replay window; a "yes" that
 * meets a "no" is refused.
 */
T_CASE(ike, esn_negotiation)
{
	static const struct {
		const char *name, *a, *b;
		int up, esn;
	} rows[] = {
		{ "both / both: no, offered first", "esn = both\n",
		    "esn = both\n", 1, 0 },
		{ "yes / both", "esn = yes\n", "esn = both\n", 1, 1 },
		{ "both / yes", "esn = both\n", "esn = yes\n", 1, 1 },
		{ "no / both", "esn = no\n", "esn = both\n", 1, 0 },
		{ "yes / no: no proposal chosen", "esn = yes\n", "esn = no\n",
		    0, 0 },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		char ca[256], cb[256];
		struct sim s;
		struct pair p;

		T_ROW("%s", rows[r].name);
		snprintf(ca, sizeof(ca), "%sreplay_window = 128\n%s",
		    HOWTO_CHILD, rows[r].a);
		snprintf(cb, sizeof(cb), "%sreplay_window = 128\n%s",
		    HOWTO_CHILD, rows[r].b);
		p.a = vpn("active", GW1, GW2, "PSK-TO-CONFIGURE", FLOW1,
		    HOWTO_IKE, ca, NULL);
		p.b = vpn("passive", GW2, GW1, "PSK-TO-CONFIGURE", FLOW1R,
		    HOWTO_IKE, cb, NULL);
		T_ASSERT(up(&s, p, 1, "esn") == 0);
		sim_run(&s, 10000);
		if (!rows[r].up) {
			T_EQ_INT(sim_count_children(&s, 0), 0);
			T_EQ_INT(sim_kernel_sas(&s, 1), 0);
			T_CONTAINS(s.n[0].log, "NO_PROPOSAL_CHOSEN");
			sim_free(&s);
			continue;
		}
		expect_up(&s, 1);
		T_EQ_INT(kernel_esn(&s, 0), rows[r].esn);
		T_EQ_INT(kernel_esn(&s, 1), rows[r].esn);
		for (int i = 0; i < SIM_KSA_MAX; i++) {
			if (s.n[0].ksa[i].used) {
				T_EQ_INT(s.n[0].ksa[i].sa.replay_window, 128);
			}
		}
		sim_free(&s);
	}
}
