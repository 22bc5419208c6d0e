/*
 * test_ike_auth.c - AUTH payloads that must not pass (RFC 7296 2.15): in the
 * IKE_AUTH request and in its answer, an AUTH that is empty, truncated,
 * too long, of another method, computed over another ID, over another
 * nonce, or made for the other direction (the octets the other end
 * signs).  Each is built inside SK with the receiving SA's own keys, as
 * an authenticated peer without the PSK would send it, in place of the
 * genuine message.  The receiver must refuse it: AUTHENTICATION_FAILED
 * for a request, the IKE SA dropped for an answer, and no CHILD SA in
 * its kernel.  (A PSK mismatch is tested in t/test_sim.c; the codec
 * mutants of t/test_engine_mut.c only check that both ends agree, which
 * an AUTH bypass would also satisfy.)
 */
#include <stdio.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "t/harness/sim.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"

enum bad_auth {
	BAD_EMPTY,
	BAD_TRUNCATED,
	BAD_TOO_LONG,
	BAD_METHOD,
	BAD_ID,
	BAD_NONCE,
	BAD_DIRECTION,
	BAD_N
};

static const char *const bad_name[BAD_N] = {
	"empty", "truncated", "too long", "RSA signature method",
	"computed over another ID", "computed over another nonce",
	"made for the other direction",
};

struct auth_run {
	enum bad_auth bad;
	int resp;		/* tamper with the answer, not the request */
	int done;		/* the forged message went in */
	int made;		/* ... and could be built */
	int kernel_sas;		/* the receiver's kernel SAs right after */
};

/* The receiver's IKE SA of the message whose header is hdr. */
static struct ike_sa *
sa_of_msg(struct ike_engine *eng, const uint8_t *hdr)
{
	for (struct ike_sa *sa = eng->sas; sa; sa = sa->next) {
		if (memcmp(sa->spi_i, hdr, 8) == 0 && sa->enc != NULL) {
			return sa;
		}
	}
	return NULL;
}

/*
 * The AUTH data to put in place of the genuine one (auth, alen), made as
 * the sender (of_init: the initiator) would, but wrong in the way bad
 * says.  id, idlen: the body of the sender's ID payload.  Returns the new
 * data's length; *method the method byte.
 */
static size_t
bad_auth_data(struct ike_sa *sa, enum bad_auth bad, int of_init,
    const uint8_t *id, size_t idlen, const uint8_t *auth, size_t alen,
    uint8_t *out, uint8_t *method)
{
	uint8_t idb[256], *nonce;

	*method = IKEV2_AUTH_SHARED_KEY_MIC;
	memcpy(out, auth, alen);
	switch (bad) {
	case BAD_EMPTY:
		return 0;
	case BAD_TRUNCATED:
		return alen / 2;
	case BAD_TOO_LONG:
		memset(out + alen, 0xa5, 16);
		return alen + 16;
	case BAD_METHOD:
		*method = IKEV2_AUTH_RSA_SIG;
		return alen;
	case BAD_ID:
		memcpy(idb, id, idlen);
		idb[idlen - 1] ^= 0x01;
		(void)xchg_psk_auth(sa, of_init, idb, idlen, out);
		return alen;
	case BAD_NONCE:
		/* the nonce the sender's AUTH covers is the other side's */
		nonce = of_init ? sa->nr : sa->ni;
		nonce[0] ^= 0x01;
		(void)xchg_psk_auth(sa, of_init, id, idlen, out);
		nonce[0] ^= 0x01;
		return alen;
	default:
		(void)xchg_psk_auth(sa, !of_init, id, idlen, out);
		return alen;
	}
}

static void
auth_before(void *arg, struct sim *s, const struct sim_pkt *p)
{
	struct auth_run *r = arg;
	static uint8_t work[IKD_MSG_MAX], plain2[IKD_MSG_MAX], out[IKD_MSG_MAX];
	const uint8_t *plain, *id = NULL;
	size_t plen, o, n2 = 0, idlen = 0, olen;
	uint8_t t, first;
	struct ike_sa *sa;

	if (r->done || p->len < IKEV2_HDR_LEN ||
	    p->buf[18] != IKEV2_EXCH_IKE_AUTH ||
	    ((p->buf[19] & IKEV2_FLAG_R) != 0) != r->resp) {
		return;
	}
	r->done = 1;
	sa = sa_of_msg(s->n[p->to].eng, p->buf);
	memcpy(work, p->buf, p->len);
	if (sa == NULL || sim_sk_open(sa, work, p->len, &plain, &plen) != 0) {
		return;
	}
	/* Copy the inner chain, the AUTH payload replaced. */
	first = work[28];
	for (o = 0, t = first; t != IKEV2_PL_NONE && o + 4 <= plen;) {
		size_t l = sim_get16(plain + o + 2);
		uint8_t next = plain[o];

		if (l < 4 || o + l > plen) {
			return;
		}
		if (t == IKEV2_PL_IDI || t == IKEV2_PL_IDR) {
			id = plain + o + 4;
			idlen = l - 4;
		}
		if (t == IKEV2_PL_AUTH && id != NULL) {
			uint8_t method;
			size_t dl = bad_auth_data(sa, r->bad, !r->resp, id,
			    idlen, plain + o + 8, l - 8, plain2 + n2 + 8,
			    &method);

			memcpy(plain2 + n2, plain + o, 4);
			sim_put16(plain2 + n2 + 2, 8 + dl);
			plain2[n2 + 4] = method;
			memset(plain2 + n2 + 5, 0, 3);
			n2 += 8 + dl;
			r->made = 1;
		} else {
			memcpy(plain2 + n2, plain + o, l);
			n2 += l;
		}
		o += l;
		t = next;
	}
	if (!r->made || sim_sk_seal(sa, p->buf, first, plain2, n2, out,
	    sizeof(out), &olen) != 0) {
		r->made = 0;
		return;
	}
	ike_input(s->n[p->to].eng, &p->dst, &p->src, out, olen, s->now);
	r->kernel_sas = sim_kernel_sas(s, p->to);
}

static const char *
auth_vpn(const char *mode, const char *local, const char *peer,
    const char *flow)
{
	struct sim_vpn v = { .name = "auth", .mode = mode, .local = local,
	    .peer = peer, .psk = "auth-test-psk-0123456789", .flows = flow };

	return sim_vpn_text(&v);
}

T_CASE(ike_auth, bad_auth_payloads_are_refused)
{
	for (int resp = 0; resp < 2; resp++) {
		for (int bad = 0; bad < BAD_N; bad++) {
			struct auth_run r = { (enum bad_auth)bad, resp, 0, 0,
			    -1 };
			int rx = resp ? 0 : 1;
			struct ike_stats st;
			struct sim s;
			const char *a = sim_cfg("auth-a",
			    "dpd_check_interval = 0\n", auth_vpn("active",
			    GW1, GW2, "203.0.113.0/25 203.0.113.128/25"));
			const char *b = sim_cfg("auth-b",
			    "dpd_check_interval = 0\n", auth_vpn("passive",
			    GW2, GW1, "203.0.113.128/25 203.0.113.0/25"));

			T_ROW("AUTH %s, in the IKE_AUTH %s", bad_name[bad],
			    resp ? "answer" : "request");
			T_ASSERT(sim_init(&s, a, GW1, b, GW2, 21) == 0);
			s.before = auth_before;
			s.hook_arg = &r;
			/* up to the forged message and its consequences,
			 * before the initiator's next try (2 s back-off) */
			sim_run(&s, 1500);
			T_ASSERT(r.done && r.made);
			T_EQ_INT(r.kernel_sas, 0);
			ike_get_stats(s.n[rx].eng, &st);
			T_EQ_INT((int)st.auth_failures, 1);
			T_EQ_INT(sim_count_ike(&s, rx, "ESTABLISHED"), 0);
			T_EQ_INT(sim_count_children(&s, rx), 0);
			T_EQ_INT(sim_kernel_sas(&s, rx), 0);
			if (resp) {
				T_CONTAINS(s.n[0].log,
				    "authentication of the peer failed");
			} else {
				T_CONTAINS(s.n[1].log,
				    "authentication failed");
				T_CONTAINS(s.n[0].log, "IKE_AUTH failed: peer "
				    "answered AUTHENTICATION_FAILED");
			}
			/* the genuine exchange, tried again, still works */
			sim_run(&s, 30000);
			T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
			T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
			T_ASSERT(sim_traffic_ok(&s, 1));
			sim_free(&s);
		}
	}
}

/* The IKE_AUTH request the responder got first, and its answer. */
struct replay {
	uint8_t req[4096], resp[4096];
	size_t req_len, resp_len;
	struct ike_addr src, dst;
	int again;		/* answers to the request put in again */
	uint8_t again_buf[4096];
	size_t again_len;
};

static void
replay_before(void *arg, struct sim *s, const struct sim_pkt *p)
{
	struct replay *r = arg;

	if (r->req_len == 0 && p->to == 1 && p->len >= IKEV2_HDR_LEN &&
	    p->len <= sizeof(r->req) && p->buf[18] == IKEV2_EXCH_IKE_AUTH &&
	    !(p->buf[19] & IKEV2_FLAG_R)) {
		memcpy(r->req, p->buf, p->len);
		r->req_len = p->len;
		r->src = p->src;
		r->dst = p->dst;
	}
}

static void
replay_tap(void *arg, int from, const uint8_t *buf, size_t len)
{
	struct replay *r = arg;

	if (from != 1 || len < IKEV2_HDR_LEN || len > sizeof(r->resp) ||
	    buf[18] != IKEV2_EXCH_IKE_AUTH) {
		return;
	}
	if (r->resp_len == 0) {
		memcpy(r->resp, buf, len);
		r->resp_len = len;
	} else {
		r->again++;
		memcpy(r->again_buf, buf, len);
		r->again_len = len;
	}
}

/*
 * Once IKE_AUTH is done, an IKE SA keeps nothing of the handshake (the
 * nonces, SK_pi and SK_pr, the cookie, the IKE_SA_INIT messages: memory of
 * every SA, and secrets), yet the responder still answers a retransmitted
 * IKE_AUTH request with the very bytes of its answer (RFC 7296 2.1), and
 * both ends keep SK_d for the rekeys to come.
 */
T_CASE(ike_auth, handshake_state_freed_answer_replayed)
{
	static struct replay r;
	struct sim s;
	const char *a = sim_cfg("replay-a", "dpd_check_interval = 0\n",
	    auth_vpn("active", GW1, GW2, "203.0.113.0/25 203.0.113.128/25"));
	const char *b = sim_cfg("replay-b", "dpd_check_interval = 0\n",
	    auth_vpn("passive", GW2, GW1, "203.0.113.128/25 203.0.113.0/25"));

	memset(&r, 0, sizeof(r));
	T_ASSERT(sim_init(&s, a, GW1, b, GW2, 23) == 0);
	s.before = replay_before;
	s.tap = replay_tap;
	s.hook_arg = &r;
	sim_run(&s, 5000);
	T_ROW("both up, the exchange seen");
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
	T_ASSERT(r.req_len > 0 && r.resp_len > 0);
	T_ROW("no handshake state left, SK_d kept");
	for (int i = 0; i < 2; i++) {
		const struct ike_sa *sa = s.n[i].eng->sas;
		uint8_t zero[CR_PRF_MAX] = { 0 };

		T_ASSERT(sa != NULL);
		if (sa == NULL) {
			continue;
		}
		T_ASSERT(sa->ni == NULL && sa->nr == NULL);
		T_ASSERT(sa->keys.sk_pi == NULL && sa->keys.sk_pr == NULL);
		T_ASSERT(sa->cookie == NULL && sa->cookie_len == 0);
		T_ASSERT(sa->init_req == NULL && sa->init_resp == NULL);
		T_ASSERT(sa->keys.d_len > 0 &&
		    memcmp(sa->keys.sk_d, zero, sa->keys.d_len) != 0);
	}
	T_ROW("a retransmitted IKE_AUTH request: the same answer again");
	ike_input(s.n[1].eng, &r.dst, &r.src, r.req, r.req_len, s.now);
	T_EQ_INT(r.again, 1);
	T_EQ_INT(r.again_len, r.resp_len);
	T_EQ_MEM(r.again_buf, r.resp, r.resp_len);
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
	T_ROW("the IKE SA rekeys with the keys it kept");
	s.tap = NULL;
	T_EQ_INT(ike_vpn_rekey(s.n[0].eng, "auth", 1, s.now), 0);
	sim_run(&s, s.now + 5000);
	T_EQ_INT(sim_count_ike(&s, 0, "ESTABLISHED"), 1);
	T_EQ_INT(sim_count_ike(&s, 1, "ESTABLISHED"), 1);
	{
		struct ike_stats st;

		ike_get_stats(s.n[0].eng, &st);
		T_EQ_INT((int)st.rekeys_ike, 1);
	}
	T_ASSERT(sim_traffic_ok(&s, 1));
	sim_free(&s);
}
