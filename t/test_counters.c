/*
 * test_counters.c - `ikectl show sa` byte counters: the engine does not
 * know them (no I/O), the daemon reads them from the kernel backend with
 * kbe_child_counters() before rendering.  Here the null backend stands in
 * for the kernel (kbe_null_charge() plays the traffic); the PF_KEY side
 * runs in t/uml/cases.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/show.h"
#include "crypto/alg.h"
#include "net/kbe.h"
#include "t/harness/t.h"

#define GW1 "192.0.2.254"
#define GW2 "198.51.100.254"

static void
mk_sa(struct kern_sa *sa, const char *src, const char *dst, uint32_t spi)
{
	memset(sa, 0, sizeof(*sa));
	T_EQ_INT(kbe_addr_parse(&sa->src, src), 0);
	T_EQ_INT(kbe_addr_parse(&sa->dst, dst), 0);
	sa->proto = KERN_PROTO_ESP;
	sa->mode = KERN_MODE_TUNNEL;
	sa->spi = spi;
	sa->reqid = 0x2001;
	sa->encr = cr_alg_by_name(CR_ENCR, "aes-256");
	sa->encr_key_len = 32;
	sa->integ = cr_alg_by_name(CR_INTEG, "hmac-sha1");
	sa->integ_key_len = 20;
	snprintf(sa->vpn, sizeof(sa->vpn), "nom_vpn");
}

static void
mk_addr(struct ike_addr *a, const char *ip)
{
	memset(a, 0, sizeof(*a));
	a->af = 4;
	a->port = 500;
	T_EQ_INT(inet_pton(AF_INET, ip, a->ip), 1);
}

/* gw1's view: two CHILD SAs, the second with no kernel SA behind it. */
static void
mk_info(struct ike_sa_info *info, struct ike_child_info ch[2])
{
	memset(info, 0, sizeof(*info));
	memset(ch, 0, 2 * sizeof(ch[0]));
	info->vpn = "nom_vpn";
	info->state = "ESTABLISHED";
	info->initiator = 1;
	mk_addr(&info->local, GW1);
	mk_addr(&info->peer, GW2);
	info->enc = info->integ = info->prf = info->group = "none";
	ch[0].state = ch[1].state = "INSTALLED";
	ch[0].spi_in = 0xc5d6e7f8;	/* GW2 -> GW1 */
	ch[0].spi_out = 0xc1a2b3c4;	/* GW1 -> GW2 */
	ch[1].spi_in = 0xc0000077;
	ch[1].spi_out = 0xc0000078;
	ch[0].enc = ch[1].enc = ch[0].integ = ch[1].integ = "none";
	ch[0].group = ch[1].group = "none";
	info->n_children = 2;
	info->children = ch;
}

T_CASE(counters, show_sa_bytes_from_the_backend)
{
	struct kbe *k = NULL;
	char err[KBE_ERR_MAX] = "";
	struct kern_sa in, out;
	struct ike_sa_info info;
	struct ike_child_info ch[2], got[2];
	char buf[4096];
	FILE *f;
	size_t n;

	T_ASSERT(kbe_open("null", &k, err, sizeof(err)) == 0);
	if (k == NULL) {
		return;
	}
	mk_sa(&out, GW1, GW2, 0xc1a2b3c4);
	mk_sa(&in, GW2, GW1, 0xc5d6e7f8);
	T_EQ_INT(k->ops->sa_add(k, &out), 0);
	T_EQ_INT(k->ops->sa_add(k, &in), 0);
	mk_info(&info, ch);

	T_ROW("fresh SAs: 0 bytes; the SA the kernel lacks counts as unread");
	memcpy(got, ch, sizeof(got));
	got[0].bytes_in = got[1].bytes_out = 99;	/* overwritten */
	T_EQ_INT(kbe_child_counters(k, &info, got), 2);
	T_EQ_INT(got[0].bytes_in, 0);
	T_EQ_INT(got[0].bytes_out, 0);
	T_EQ_INT(got[1].bytes_out, 0);
	T_CONTAINS(kbe_error(k), "no such SA");

	T_ROW("traffic: inbound and outbound counters each from their SA");
	T_EQ_INT(kbe_null_charge(k, &in, 1500, 3), 0);
	T_EQ_INT(kbe_null_charge(k, &out, 840, 10), 0);
	T_EQ_INT(kbe_null_charge(k, &out, 84, 1), 0);
	memcpy(got, ch, sizeof(got));
	T_EQ_INT(kbe_child_counters(k, &info, got), 2);
	T_EQ_INT(got[0].bytes_in, 1500);
	T_EQ_INT(got[0].bytes_out, 924);
	T_EQ_INT(got[1].bytes_in, 0);
	T_EQ_INT(got[1].bytes_out, 0);
	/* the engine's own copy is untouched */
	T_EQ_INT(ch[0].bytes_in, 0);

	T_ROW("show sa --json carries them");
	info.children = got;
	f = fmemopen(buf, sizeof(buf), "w");
	T_ASSERT(f != NULL);
	if (f != NULL) {
		show_sa_json(f, &info, 0);
		n = (size_t)ftell(f);
		fclose(f);
		buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
		T_CONTAINS(buf, "\"bytes_in\":1500,\"bytes_out\":924");
		T_CONTAINS(buf, "\"bytes_in\":0,\"bytes_out\":0");
	}

	T_ROW("charging an SA that is not there");
	mk_sa(&in, GW2, GW1, 0xc0000077);
	T_EQ_INT(kbe_null_charge(k, &in, 1, 1), -ESRCH);
	k->ops->close(k);
}
