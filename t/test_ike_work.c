/*
 * test_ike_work.c - Diffie-Hellman handed out through env->work (as ikd
 * runs it on libuv's thread pool), two engines back to back
 * (t/harness/sim.h) with the results given back when and in the order a
 * test chooses: a tunnel comes up the same; the responder answers only
 * once its result is back and drops retransmissions meanwhile; results in
 * reverse order; a result for an SA that expired or was restarted away is
 * dropped; a forged message for the waiting SA changes nothing; a
 * request and an answer out together on one SA are both taken, in the
 * order they came; loss, duplication and reordering still converge.
 */
#include <stdio.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "t/harness/sim.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"
#define F12 "203.0.113.0/25 203.0.113.128/25"
#define F21 "203.0.113.128/25 203.0.113.0/25"

/* gw1 initiates, gw2 answers; both offload with a 5 ms delay; the
 * how-to's modp4096 when group is NULL. */
static int
pair(struct sim *s, const char *tag, const char *group, int hold,
    uint32_t seed)
{
	struct sim_vpn a = { .name = "a", .mode = "active", .local = GW1,
	    .peer = GW2, .flows = F12, .child_group = group };
	struct sim_vpn b = { .name = "b", .mode = "passive", .local = GW2,
	    .peer = GW1, .flows = F21, .child_group = group };
	char ta[40], tb[40];
	int rc;

	snprintf(ta, sizeof(ta), "%s-a", tag);
	snprintf(tb, sizeof(tb), "%s-b", tag);
	sim_offload_ms = 5;
	rc = sim_init(s, sim_cfg(ta, "dpd_check_interval = 0\n",
	    sim_vpn_text(&a)), GW1, sim_cfg(tb, "dpd_check_interval = 0\n",
	    sim_vpn_text(&b)), GW2, seed);
	sim_offload_ms = -1;
	s->work_hold = hold;
	return rc;
}

static void
expect_up(struct sim *s)
{
	T_EQ_INT(sim_count_ike(s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(s, 1, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(s, 1, NULL), 1);
	T_EQ_INT(sim_count_children(s, 0), 1);
	T_ASSERT(sim_children_agree(s));
	T_EQ_INT(sim_kernel_sas(s, 1), 2);
}

/* Index of the k-th pending item of node (key pairs made ahead aside),
 * -1 when there is none; how many there are. */
static int
item(struct sim *s, int node, int k)
{
	for (int i = 0; i < s->n_work; i++) {
		if (s->work[i].node == node &&
		    s->work[i].w->kind != IKE_WORK_KEYPAIR && k-- == 0) {
			return i;
		}
	}
	return -1;
}

static int
pending(struct sim *s, int node)
{
	int n = 0;

	while (item(s, node, n) >= 0) {
		n++;
	}
	return n;
}

/* IKE_SA_INIT responses node 1 sent (the tap sees every datagram). */
static int init_answers;

static void
count_answers(void *arg, int from, const uint8_t *buf, size_t len)
{
	if (from == 1 && len > 28 && buf[18] == IKEV2_EXCH_IKE_SA_INIT &&
	    (buf[19] & IKEV2_FLAG_R)) {
		init_answers++;
	}
}

T_CASE(ike_work, offloaded_responder_comes_up)
{
	struct sim s;

	T_ASSERT(pair(&s, "work-up", NULL, 0, 1) == 0);
	sim_run(&s, 10000);
	expect_up(&s);
	T_ROW("the responder's IKE_SA_INIT went out as one work item; the "
	    "initiator's g^ir of the answer as another, and a key pair "
	    "made ahead");
	T_EQ_INT(s.n_offloaded[1], 1);
	T_EQ_INT(s.n_offloaded[0], 2);
	T_EQ_INT(sim_stats(&s, 1).dh_offloaded, 1);
	T_EQ_INT(sim_stats(&s, 1).dh_stale, 0);
	T_CONTAINS(s.n[1].log, "IKE_SA_INIT answered");
	T_CONTAINS(s.n[1].log, "established IKE SA as responder");
	sim_free(&s);
}

T_CASE(ike_work, answer_waits_for_the_result)
{
	struct sim s;

	T_ASSERT(pair(&s, "work-wait", NULL, 1, 2) == 0);
	init_answers = 0;
	s.tap = count_answers;
	/* past two retransmissions of the request (2 s, then 4 s) */
	sim_run(&s, 8000);
	T_ROW("no answer while the result is out");
	T_EQ_INT(init_answers, 0);
	T_ROW("the retransmissions made no second item and no second SA");
	T_EQ_INT(pending(&s, 1), 1);
	T_EQ_INT(sim_count_ike(&s, 1, NULL), 1);
	T_EQ_INT(sim_count_ike(&s, 1, "SA_INIT"), 1);
	T_EQ_INT(sim_stats(&s, 1).half_open, 1);
	T_ROW("the result back: one answer, the tunnel up");
	T_EQ_INT(sim_work_complete(&s, item(&s, 1, 0)), 0);
	T_EQ_INT(init_answers, 1);
	s.work_hold = 0;
	sim_run(&s, 20000);
	expect_up(&s);
	T_EQ_INT(init_answers, 1);
	sim_free(&s);
}

/* Two VPNs between the same gateways, told apart by ID: both initiate at
 * once, so the responder has two items out; they come back reversed. */
T_CASE(ike_work, results_in_reverse_order)
{
	struct sim s;
	struct sim_vpn a1 = { .name = "one", .mode = "active", .local = GW1,
	    .peer = GW2, .srcid = "one@gw1", .flows = F12 };
	struct sim_vpn a2 = { .name = "two", .mode = "active", .local = GW1,
	    .peer = GW2, .srcid = "two@gw1",
	    .flows = "203.0.113.0/25 198.18.0.0/24" };
	struct sim_vpn b1 = { .name = "one", .mode = "passive", .local = GW2,
	    .peer = GW1, .dstid = "one@gw1", .flows = F21 };
	struct sim_vpn b2 = { .name = "two", .mode = "passive", .local = GW2,
	    .peer = GW1, .dstid = "two@gw1",
	    .flows = "198.18.0.0/24 203.0.113.0/25" };
	char extra[2][160];

	for (int i = 0; i < 2; i++) {
		char name[48];

		snprintf(name, sizeof(name), "sim-work-rev-%c-2-vpn.conf",
		    'a' + i);
		t_tmpfile(name, sim_vpn_text(i ? &b2 : &a2));
		snprintf(extra[i], sizeof(extra[i]), "dpd_check_interval = 0\n"
		    "include = %s\n", name);
	}
	sim_offload_ms = 5;
	T_ASSERT(sim_init(&s, sim_cfg("work-rev-a", extra[0],
	    sim_vpn_text(&a1)), GW1, sim_cfg("work-rev-b", extra[1],
	    sim_vpn_text(&b1)), GW2, 3) == 0);
	sim_offload_ms = -1;
	s.work_hold = 1;
	sim_run(&s, 1000 + 50);
	T_ROW("two items out on the responder");
	T_EQ_INT(pending(&s, 1), 2);
	T_EQ_INT(pending(&s, 0), 0);
	T_EQ_INT(sim_work_complete(&s, item(&s, 1, 1)), 0);
	T_EQ_INT(sim_work_complete(&s, item(&s, 1, 0)), 0);
	s.work_hold = 0;
	sim_run(&s, 20000);
	T_ROW("both tunnels up, each on its own IKE SA");
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 2);
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 2);
	T_EQ_INT(sim_count_children(&s, 1), 2);
	T_ASSERT(sim_children_agree(&s));
	T_EQ_INT(sim_stats(&s, 1).dh_stale, 0);
	sim_free(&s);
}

T_CASE(ike_work, result_for_an_expired_sa_is_dropped)
{
	struct sim s;

	T_ASSERT(pair(&s, "work-stale", NULL, 1, 4) == 0);
	init_answers = 0;
	s.tap = count_answers;
	/* the half-open SA gives up after 30 s */
	sim_run(&s, 1000 + 31000);
	T_ROW("the waiting SA expired, with its reason in the log");
	T_CONTAINS(s.n[1].log, "half-open IKE SA expired: its "
	    "Diffie-Hellman never came back");
	T_EQ_INT(sim_stats(&s, 1).half_open, 0);
	T_ROW("its late result: dropped, counted, nothing sent");
	T_EQ_INT(pending(&s, 1), 1);
	T_EQ_INT(sim_work_complete(&s, item(&s, 1, 0)), 0);
	T_EQ_INT(sim_stats(&s, 1).dh_stale, 1);
	T_EQ_INT(init_answers, 0);
	T_ROW("the initiator's next try comes up");
	s.work_hold = 0;
	sim_run(&s, 200000);
	expect_up(&s);
	sim_free(&s);
}

T_CASE(ike_work, restart_drops_what_was_out)
{
	struct sim s;

	T_ASSERT(pair(&s, "work-restart", NULL, 1, 5) == 0);
	sim_run(&s, 1500);
	T_EQ_INT(pending(&s, 1), 1);
	T_ROW("the responder restarts with its item out");
	T_EQ_INT(sim_restart(&s, 1), 0);
	T_EQ_INT(pending(&s, 1), 0);
	s.work_hold = 0;
	sim_run(&s, 120000);
	expect_up(&s);
	sim_free(&s);
}

/*
 * Someone who saw the IKE_SA_INIT request guesses the responder's SPI (it
 * is in no packet yet; here the test reads it) and sends an encrypted
 * request, whole or as a fragment, for the SA whose keys are not made yet:
 * dropped unopened, the SA still waits, and comes up with the result.
 */
static uint8_t rspi[8], ispi[8];

static void
grab_spis(void *arg, const struct ike_sa_info *in)
{
	memcpy(ispi, in->ispi, 8);
	memcpy(rspi, in->rspi, 8);
}

T_CASE(ike_work, forged_request_while_waiting_changes_nothing)
{
	static const uint8_t ex[] = { IKEV2_EXCH_IKE_AUTH,
	    IKEV2_EXCH_INFORMATIONAL };
	static const uint8_t next[] = { IKEV2_PL_SK, IKEV2_PL_SKF };

	for (unsigned k = 0; k < 4; k++) {
		struct sim s;
		struct ike_addr from, to;
		uint8_t m[28 + 4 + 64];
		uint64_t dropped;

		T_ROW("%s %s, message ID %u", ikev2_exchange_name(ex[k & 1]),
		    k & 2 ? "SKF" : "SK", k & 1);
		T_ASSERT(pair(&s, "work-forged", NULL, 1, 6) == 0);
		sim_run(&s, 1100);
		T_EQ_INT(pending(&s, 1), 1);
		ike_foreach_sa(s.n[1].eng, grab_spis, NULL);
		memset(m, 0, sizeof(m));
		memcpy(m, ispi, 8);
		memcpy(m + 8, rspi, 8);
		m[16] = next[k >> 1];
		m[17] = 0x20;
		m[18] = ex[k & 1];
		m[19] = IKEV2_FLAG_I;
		sim_put32(m + 20, k & 1);
		sim_put32(m + 24, sizeof(m));
		sim_put16(m + 30, sizeof(m) - 28);
		if (k & 2) {
			sim_put16(m + 32, 1);	/* fragment 1 of 1 */
			sim_put16(m + 34, 1);
		}
		from = s.n[0].addr;
		to = s.n[1].addr;
		dropped = sim_stats(&s, 1).dropped;
		init_answers = 0;
		s.tap = count_answers;
		ike_input(s.n[1].eng, &to, &from, m, sizeof(m), s.now);
		T_EQ_INT(sim_stats(&s, 1).dropped, dropped + 1);
		T_EQ_INT(sim_count_ike(&s, 1, "SA_INIT"), 1);
		T_EQ_INT(s.nq, 0);	/* nothing sent */
		T_EQ_INT(sim_work_complete(&s, item(&s, 1, 0)), 0);
		T_EQ_INT(init_answers, 1);
		s.work_hold = 0;
		sim_run(&s, 20000);
		expect_up(&s);
		sim_free(&s);
	}
}

/* CREATE_CHILD_SA with PFS, both ends handing their DH out: the
 * responder's request (its key pair and g^ir) and the initiator's answer
 * (g^ir with the secret of its request) are each computed first, then
 * their datagram is handled again. */
T_CASE(ike_work, child_rekey_with_pfs)
{
	struct sim s;
	unsigned a0, b0;

	T_ASSERT(pair(&s, "work-child", "curve25519", 0, 7) == 0);
	sim_run(&s, 10000);
	expect_up(&s);
	a0 = s.n_offloaded[0];
	b0 = s.n_offloaded[1];
	/* IKE_SA_INIT's key pair was made in place (none ahead yet), and
	 * one was made ahead then */
	T_EQ_INT(sim_stats(&s, 0).dh_ahead, 0);
	T_EQ_INT(ike_vpn_rekey(s.n[0].eng, "a", 0, s.now), 0);
	sim_run(&s, 20000);
	T_ROW("the responder's DH handed out; the initiator's KE made ahead, "
	    "its g^ir handed out, another key pair asked for");
	T_EQ_INT(sim_stats(&s, 0).dh_ahead, 1);
	T_EQ_INT(s.n_offloaded[1] - b0, 1);
	T_EQ_INT(s.n_offloaded[0] - a0, 2);
	T_ROW("the CHILD SA rekeyed, both kernels agree");
	T_EQ_INT(sim_stats(&s, 0).rekeys_child, 1);
	T_EQ_INT(sim_stats(&s, 1).rekeys_child, 1);
	expect_up(&s);
	T_ASSERT(sim_traffic_ok(&s, 1));
	T_ROW("the next rekey's KE is that key pair, and another is made");
	a0 = s.n_offloaded[0];
	T_EQ_INT(ike_vpn_rekey(s.n[0].eng, "a", 0, s.now), 0);
	sim_run(&s, 30000);
	T_EQ_INT(sim_stats(&s, 0).dh_ahead, 2);
	T_EQ_INT(s.n_offloaded[0] - a0, 2);
	T_EQ_INT(sim_stats(&s, 0).rekeys_child, 2);
	T_EQ_INT(sim_stats(&s, 1).rekeys_child, 2);
	expect_up(&s);
	T_ASSERT(sim_traffic_ok(&s, 1));
	T_EQ_INT(sim_stats(&s, 0).dh_stale + sim_stats(&s, 1).dh_stale, 0);
	sim_free(&s);
}

T_CASE(ike_work, ike_rekey)
{
	struct sim s;
	unsigned a0, b0;

	T_ASSERT(pair(&s, "work-ike", NULL, 0, 8) == 0);
	sim_run(&s, 10000);
	expect_up(&s);
	a0 = s.n_offloaded[0];
	b0 = s.n_offloaded[1];
	T_EQ_INT(ike_vpn_rekey(s.n[1].eng, "b", 1, s.now), 0);
	sim_run(&s, 20000);
	T_ROW("the responder of IKE_AUTH rekeys the IKE SA: its KE made in "
	    "place (none ahead yet) and one asked for, its g^ir handed out; "
	    "the other end's key pair and g^ir handed out");
	T_EQ_INT(sim_stats(&s, 1).dh_ahead, 0);
	T_EQ_INT(s.n_offloaded[1] - b0, 2);
	T_EQ_INT(s.n_offloaded[0] - a0, 1);
	T_EQ_INT(sim_stats(&s, 0).rekeys_ike, 1);
	T_EQ_INT(sim_stats(&s, 1).rekeys_ike, 1);
	expect_up(&s);
	T_ASSERT(sim_traffic_ok(&s, 1));
	sim_free(&s);
}

/* While a request's DH is out, the peer retransmits it: dropped, no
 * second item, one answer, one new CHILD SA. */
T_CASE(ike_work, retransmitted_request_while_working)
{
	struct sim s;
	unsigned b0;
	uint64_t dropped;

	T_ASSERT(pair(&s, "work-rtx", "curve25519", 0, 9) == 0);
	sim_run(&s, 10000);
	expect_up(&s);
	s.work_hold = 1;
	b0 = s.n_offloaded[1];
	dropped = sim_stats(&s, 1).dropped;
	T_EQ_INT(ike_vpn_rekey(s.n[0].eng, "a", 0, s.now), 0);
	/* the request, then its retransmissions 2 s and 6 s later */
	sim_run(&s, s.now + 7000);
	T_ROW("one item on the responder, the copies dropped");
	T_EQ_INT(s.n_offloaded[1] - b0, 1);
	T_EQ_INT(pending(&s, 1), 1);
	T_EQ_INT(pending(&s, 0), 0);
	T_EQ_INT(sim_stats(&s, 1).dropped, dropped + 2);
	T_EQ_INT(sim_stats(&s, 1).rekeys_child, 0);
	T_ROW("back: answered once, the initiator's g^ir out in turn");
	T_EQ_INT(sim_work_complete(&s, item(&s, 1, 0)), 0);
	sim_run(&s, s.now + 100);
	T_EQ_INT(pending(&s, 1), 0);
	T_EQ_INT(pending(&s, 0), 1);
	T_EQ_INT(sim_work_complete(&s, item(&s, 0, 0)), 0);
	s.work_hold = 0;
	sim_run(&s, s.now + 10000);
	T_EQ_INT(sim_stats(&s, 0).rekeys_child, 1);
	T_EQ_INT(sim_stats(&s, 1).rekeys_child, 1);
	expect_up(&s);
	sim_free(&s);
}

/*
 * Both ends rekey the CHILD SA at once and gw2 answers gw1's request:
 * gw1 then has the DH of gw2's request and the DH of the answer to its
 * own out together (one per direction of the IKE SA), held.  Returns
 * the number of those items (2).
 */
static int
two_out(struct sim *s, const char *tag, uint32_t seed)
{
	if (pair(s, tag, "curve25519", 0, seed) != 0) {
		return -1;
	}
	sim_run(s, 10000);
	expect_up(s);
	s->work_hold = 1;
	if (ike_vpn_rekey(s->n[0].eng, "a", 0, s->now) != 0 ||
	    ike_vpn_rekey(s->n[1].eng, "b", 0, s->now) != 0) {
		return -1;
	}
	sim_run(s, s->now + 20);
	if (pending(s, 1) != 1 || sim_work_complete(s, item(s, 1, 0)) != 0) {
		return -1;
	}
	sim_run(s, s->now + 20);
	return pending(s, 0);
}

/*
 * gw1 takes both results, in either order: no result dropped, no
 * retransmission (a dropped result left the answer to the
 * retransmission 2 s later, and the tunnel without an SA meanwhile).
 * The answer's result back first waits for the request's, which came
 * first: handled the other way round, gw1 would take the collision for
 * a late request and delete the old SA under gw2.
 */
T_CASE(ike_work, request_and_answer_out_at_once)
{
	for (int order = 0; order < 2; order++) {
		struct sim s;
		uint64_t rtx, c0;

		T_ROW("gw1 with a request and an answer out, %s back first",
		    order ? "the answer's" : "the request's");
		T_EQ_INT(two_out(&s, "work-both", 31), 2);
		rtx = sim_stats(&s, 0).retransmits +
		    sim_stats(&s, 1).retransmits;
		c0 = sim_stats(&s, 0).rekeys_child;
		T_EQ_INT(sim_work_complete(&s, item(&s, 0, order)), 0);
		sim_run(&s, s.now + 20);
		/* the request's: answered; the answer's: held */
		T_EQ_INT(sim_stats(&s, 0).rekeys_child, c0 + (order ? 0 : 1));
		T_EQ_INT(sim_work_complete(&s, item(&s, 0, 0)), 0);
		T_EQ_INT(sim_stats(&s, 0).rekeys_child, c0 + 2);
		s.work_hold = 0;
		sim_run(&s, s.now + 1500);
		T_EQ_INT(sim_stats(&s, 0).dh_stale, 0);
		T_EQ_INT(sim_stats(&s, 0).retransmits +
		    sim_stats(&s, 1).retransmits, rtx);
		/* (gw2 sees no collision when gw1's DELETEs come first) */
		T_CONTAINS(s.n[0].log, "simultaneous CHILD SA rekey");
		T_ASSERT(sim_traffic_ok(&s, 1));
		sim_run(&s, s.now + 10000);
		expect_up(&s);
		sim_free(&s);
	}
}

/* The same, but the IKE SA goes (ikectl down) while the answer's result
 * waits for the request's: both are dropped as stale, nothing sent. */
T_CASE(ike_work, held_result_of_an_sa_that_went)
{
	struct sim s;
	uint64_t stale;
	unsigned sent;

	T_EQ_INT(two_out(&s, "work-held", 33), 2);
	stale = sim_stats(&s, 0).dh_stale;
	T_EQ_INT(sim_work_complete(&s, item(&s, 0, 1)), 0);	/* held */
	T_EQ_INT(ike_vpn_down(s.n[0].eng, "a", s.now), 0);
	sim_run(&s, s.now + 1000);
	sent = s.sent;
	T_EQ_INT(sim_work_complete(&s, item(&s, 0, 0)), 0);
	T_ROW("both results dropped, counted, nothing sent");
	T_EQ_INT(sim_stats(&s, 0).dh_stale, stale + 2);
	T_EQ_INT(s.sent, sent);
	T_EQ_INT(sim_count_children(&s, 0), 0);
	sim_free(&s);
}

/*
 * Both ends rekey the IKE SA at once; `first` finishes its exchanges
 * first.  The other end then has the answer to its own rekey out on a
 * worker when the first end's DELETE of the old IKE SA (when it won)
 * comes in: the DELETE waits for the answer, so the collision is settled
 * on both ends and the loser deletes its redundant IKE SA.  (Handled
 * first, the DELETE made the answer stale: the winner kept the loser's
 * IKE SA, which the loser never had, until its 30 s clean-up.)  Eight
 * runs each way: the nonces, so the winner, are random.
 */
T_CASE(ike_work, ike_rekey_collision_in_order)
{
	for (int first = 0; first < 2; first++) {
		int bad = 0;

		T_ROW("%s finishes first, 8 runs: one IKE SA on each end 3 s "
		    "later", first ? "gw2" : "gw1");
		for (int run = 0; run < 8; run++) {
			struct sim s;
			int other = 1 - first;

			T_ASSERT(pair(&s, "work-ikecol", "curve25519", 0,
			    (uint32_t)(40 + run)) == 0);
			sim_run(&s, 10000);
			expect_up(&s);
			s.work_hold = 1;
			T_EQ_INT(ike_vpn_rekey(s.n[0].eng, "a", 1, s.now), 0);
			T_EQ_INT(ike_vpn_rekey(s.n[1].eng, "b", 1, s.now), 0);
			sim_run(&s, s.now + 20);
			/* first answers the other's request; the other
			 * answers first's and has its answer's DH out */
			T_EQ_INT(sim_work_complete(&s, item(&s, first, 0)),
			    0);
			sim_run(&s, s.now + 20);
			T_EQ_INT(sim_work_complete(&s, item(&s, other, 0)),
			    0);
			sim_run(&s, s.now + 20);
			/* first takes its answer: settled, maybe a DELETE */
			T_EQ_INT(sim_work_complete(&s, item(&s, first, 0)),
			    0);
			sim_run(&s, s.now + 20);
			s.work_hold = 0;
			sim_run(&s, s.now + 3000);
			bad += sim_count_ike(&s, 0, NULL) != 1 ||
			    sim_count_ike(&s, 1, NULL) != 1;
			sim_free(&s);
		}
		T_EQ_INT(bad, 0);
	}
}

/* Offloaded DH under a lossy, duplicating, reordering link, both ends
 * initiating: every seed ends with one tunnel. */
T_CASE(ike_work, lossy_links_converge)
{
	int bad = 0;

	for (uint32_t seed = 200; seed < 216; seed++) {
		struct sim s;
		struct sim_vpn a = { .name = "a", .mode = "active",
		    .local = GW1, .peer = GW2, .flows = F12,
		    .child_group = "curve25519" };
		struct sim_vpn b = { .name = "b", .mode = "active",
		    .local = GW2, .peer = GW1, .flows = F21,
		    .child_group = "curve25519" };

		T_ROW("seed %u, 30%% loss, dup, reorder, both active", seed);
		sim_offload_ms = seed % 4 == 0 ? 0 : 3 + seed % 40;
		T_ASSERT(sim_init(&s, sim_cfg("work-lossy-a", NULL,
		    sim_vpn_text(&a)), GW1, sim_cfg("work-lossy-b", NULL,
		    sim_vpn_text(&b)), GW2, seed) == 0);
		sim_offload_ms = -1;
		s.loss_pct = 30;
		s.dup_pct = 20;
		s.reorder_pct = 30;
		sim_run(&s, 600000);
		s.loss_pct = s.dup_pct = s.reorder_pct = 0;
		sim_run(&s, 900000);
		T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
		T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
		T_ASSERT(sim_children_agree(&s));
		T_ASSERT(s.n_offloaded[0] + s.n_offloaded[1] > 0);
		bad += sim_count_ike(&s, 0, NULL) != 1;
		sim_free(&s);
	}
	T_ROW("no seed left more than one IKE SA");
	T_EQ_INT(bad, 0);
}
