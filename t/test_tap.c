/*
 * test_tap.c - the rtnetlink messages of `tap = NAME` (net/tap.h) without
 * a kernel: golden bytes of the small requests, the attributes of a new
 * xfrm interface and of a VTI, and what the parsers make of the kernel's
 * link and route replies, lengths that lie included.  The interfaces
 * themselves are made in UML (t/uml/xfrm.sh, case 3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "net/kbe.h"
#include "net/nl.h"
#include "net/tap.h"
#include "t/harness/t.h"

/* Payload of attribute type inside [p, p + n), or NULL. */
static const uint8_t *
find(const uint8_t *p, size_t n, uint16_t type, size_t *len)
{
	const uint8_t *v;

	return nl_attr_find(p, n, type, &v, len) == 0 ? v : NULL;
}

#define BODY(buf) ((buf) + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)))

T_CASE(tap, getlink_dellink_golden_bytes)
{
	uint8_t buf[128], want[128];
	size_t wn;

	wn = t_unhex(want, sizeof(want),
	    /* 44 bytes, RTM_GETLINK (18), REQUEST, seq 1 */
	    "2c000000 1200 0100 01000000 00000000"
	    /* ifinfomsg: all zero */
	    "00 00 0000 00000000 00000000 00000000"
	    /* IFLA_IFNAME (3) "enc1" */
	    "0900 0300 656e6331 00 000000");
	{
		static const size_t o16[] = { 4, 6, 18, 32, 34 };
		static const size_t o32[] = { 0, 8, 12, 20, 24, 28 };

		t_le16_to_host(want, o16, 5);
		t_le32_to_host(want, o32, 6);
	}
	T_EQ_INT(tap_build_getlink(buf, sizeof(buf), "enc1", 1), wn);
	T_EQ_MEM(buf, want, wn);
	wn = t_unhex(want, sizeof(want),
	    /* 32 bytes, RTM_DELLINK (17), REQUEST|ACK, seq 2, index 7 */
	    "20000000 1100 0500 02000000 00000000"
	    "00 00 0000 07000000 00000000 00000000");
	{
		static const size_t o16[] = { 4, 6, 18 };
		static const size_t o32[] = { 0, 8, 12, 20, 24, 28 };

		t_le16_to_host(want, o16, 3);
		t_le32_to_host(want, o32, 6);
	}
	T_EQ_INT(tap_build_dellink(buf, sizeof(buf), 7, 2), wn);
	T_EQ_MEM(buf, want, wn);
}

T_CASE(tap, newlink)
{
	uint8_t buf[512];
	struct kern_addr l, p;
	struct ifinfomsg ifi;
	const uint8_t *li, *d, *v;
	size_t lil, dl, vl, bn;
	uint32_t u;
	int n;

	T_EQ_INT(kbe_addr_parse(&l, "192.0.2.254"), 0);
	T_EQ_INT(kbe_addr_parse(&p, "198.51.100.254"), 0);

	T_ROW("xfrm interface: created up, over the lower device, with if_id");
	n = tap_build_newlink(buf, sizeof(buf), "enc1", TAP_XFRMI, 3, &l, &p,
	    0x4001, 9);
	T_ASSERT(n > 0);
	T_EQ_INT(t_nl_type(buf), RTM_NEWLINK);
	memcpy(&ifi, buf + NLMSG_HDRLEN, sizeof(ifi));
	T_EQ_INT(ifi.ifi_flags & 1, 1);	/* IFF_UP */
	bn = (size_t)n - (size_t)(BODY(buf) - buf);
	T_ASSERT(find(BODY(buf), bn, IFLA_IFNAME, &vl) != NULL);
	li = find(BODY(buf), bn, IFLA_LINKINFO, &lil);
	T_ASSERT(li != NULL);
	if (li == NULL) {
		return;
	}
	v = find(li, lil, IFLA_INFO_KIND, &vl);
	T_ASSERT(v != NULL && vl == 5 && memcmp(v, "xfrm", 5) == 0);
	d = find(li, lil, IFLA_INFO_DATA, &dl);
	T_ASSERT(d != NULL);
	if (d == NULL) {
		return;
	}
	v = find(d, dl, IFLA_XFRM_IF_ID, &vl);
	T_ASSERT(v != NULL && vl == 4);
	if (v != NULL) {
		memcpy(&u, v, 4);
		T_EQ_INT(u, 0x4001);
	}
	v = find(d, dl, IFLA_XFRM_LINK, &vl);
	T_ASSERT(v != NULL);
	if (v != NULL) {
		memcpy(&u, v, 4);
		T_EQ_INT(u, 3);
	}

	T_ROW("VTI: endpoints, ikey = okey = the mark, big-endian");
	n = tap_build_newlink(buf, sizeof(buf), "vti9", TAP_VTI, 0, &l, &p,
	    0x4001, 9);
	T_ASSERT(n > 0);
	bn = (size_t)n - (size_t)(BODY(buf) - buf);
	li = find(BODY(buf), bn, IFLA_LINKINFO, &lil);
	T_ASSERT(li != NULL);
	if (li == NULL) {
		return;
	}
	v = find(li, lil, IFLA_INFO_KIND, &vl);
	T_ASSERT(v != NULL && vl == 4 && memcmp(v, "vti", 4) == 0);
	d = find(li, lil, IFLA_INFO_DATA, &dl);
	T_ASSERT(d != NULL);
	if (d == NULL) {
		return;
	}
	for (int k = IFLA_VTI_IKEY; k <= IFLA_VTI_OKEY; k++) {
		v = find(d, dl, (uint16_t)k, &vl);
		T_ASSERT(v != NULL);
		if (v != NULL) {
			memcpy(&u, v, 4);
			T_EQ_INT(ntohl(u), 0x4001);
		}
	}
	v = find(d, dl, IFLA_VTI_REMOTE, &vl);
	T_ASSERT(v != NULL && vl == 4 && v[0] == 198 && v[3] == 254);

	T_ROW("refused: no ID, a name too long, a VTI without addresses");
	T_EQ_INT(tap_build_newlink(buf, sizeof(buf), "enc1", TAP_XFRMI, 3, &l,
	    &p, 0, 9), -EINVAL);
	T_EQ_INT(tap_build_newlink(buf, sizeof(buf), "a-very-long-name",
	    TAP_XFRMI, 3, &l, &p, 1, 9), -EINVAL);
	memset(&l, 0, sizeof(l));
	T_EQ_INT(tap_build_newlink(buf, sizeof(buf), "vti9", TAP_VTI, 0, &l,
	    &p, 1, 9), -EINVAL);
}

/* A GETLINK reply as the kernel sends it, built with the same builder. */
static int
link_reply(uint8_t *buf, size_t cap, const char *kind, uint16_t dtype,
    uint32_t dval)
{
	struct nl_build m;
	struct ifinfomsg *ifi;
	size_t li, d;
	char *p;
	uint32_t *u;

	ifi = nl_init(&m, buf, cap, RTM_NEWLINK, 0, sizeof(*ifi), 1, 0);
	ifi->ifi_index = 12;
	li = nl_nest_begin(&m, IFLA_LINKINFO);
	if ((p = nl_attr(&m, IFLA_INFO_KIND, strlen(kind) + 1)) != NULL) {
		memcpy(p, kind, strlen(kind) + 1);
	}
	d = nl_nest_begin(&m, IFLA_INFO_DATA);
	if ((u = nl_attr(&m, dtype, 4)) != NULL) {
		*u = dval;
	}
	nl_nest_end(&m, d);
	nl_nest_end(&m, li);
	return nl_done(&m);
}

T_CASE(tap, parse_link_and_route)
{
	uint8_t buf[256];
	struct tap t;
	struct nlattr na;
	int n, oif = 0;

	T_ROW("an xfrm interface: its if_id");
	n = link_reply(buf, sizeof(buf), "xfrm", IFLA_XFRM_IF_ID, 42);
	memset(&t, 0, sizeof(t));
	T_EQ_INT(tap_parse_link(buf, (size_t)n, &t), 0);
	T_EQ_INT(t.kind, TAP_XFRMI);
	T_EQ_INT(t.if_id, 42);
	T_EQ_INT(t.ifindex, 12);

	T_ROW("a VTI: its okey (big-endian) as mark");
	n = link_reply(buf, sizeof(buf), "vti", IFLA_VTI_OKEY, htonl(0x77));
	memset(&t, 0, sizeof(t));
	T_EQ_INT(tap_parse_link(buf, (size_t)n, &t), 0);
	T_EQ_INT(t.kind, TAP_VTI);
	T_EQ_INT(t.mark, 0x77);

	T_ROW("a veth: another kind");
	n = link_reply(buf, sizeof(buf), "veth", 1, 0);
	T_EQ_INT(tap_parse_link(buf, (size_t)n, &t), 0);
	T_EQ_INT(t.kind, TAP_OTHER);

	T_ROW("lengths that lie: the link info past the message, nlmsg_len");
	n = link_reply(buf, sizeof(buf), "xfrm", IFLA_XFRM_IF_ID, 42);
	memcpy(&na, buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)),
	    sizeof(na));
	na.nla_len = (uint16_t)(n + 8);
	memcpy(buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)), &na,
	    sizeof(na));
	T_EQ_INT(tap_parse_link(buf, (size_t)n, &t), -EBADMSG);
	n = link_reply(buf, sizeof(buf), "xfrm", IFLA_XFRM_IF_ID, 42);
	T_EQ_INT(tap_parse_link(buf, (size_t)n - 4, &t), -EBADMSG);
	T_EQ_INT(tap_parse_link(buf, 20, &t), -EBADMSG);

	T_ROW("a route reply: the egress device; none: refused");
	{
		struct nl_build m;
		uint32_t *u;

		(void)nl_init(&m, buf, sizeof(buf), RTM_NEWROUTE, 0,
		    sizeof(struct rtmsg), 1, 0);
		if ((u = nl_attr(&m, RTA_OIF, 4)) != NULL) {
			*u = 5;
		}
		n = nl_done(&m);
		T_EQ_INT(tap_parse_route(buf, (size_t)n, &oif), 0);
		T_EQ_INT(oif, 5);
		(void)nl_init(&m, buf, sizeof(buf), RTM_NEWROUTE, 0,
		    sizeof(struct rtmsg), 1, 0);
		n = nl_done(&m);
		T_EQ_INT(tap_parse_route(buf, (size_t)n, &oif), -EBADMSG);
	}
}
