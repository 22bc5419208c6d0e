/*
 * tap.c - the per-VPN interface of `tap = NAME` (see tap.h): rtnetlink
 * RTM_GETLINK to find it, RTM_GETROUTE for the device that reaches the
 * peer, RTM_NEWLINK to make an xfrm interface (IFLA_XFRM_LINK,
 * IFLA_XFRM_IF_ID) or, where the kernel answers that it has no such link
 * kind, a VTI (IFLA_VTI_LOCAL/REMOTE/IKEY/OKEY), RTM_DELLINK at exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/kbe.h"
#include "net/kbe_xfrm.h"
#include "net/nl.h"
#include "net/tap.h"

#define TAP_TIMEOUT_MS 3000

/* see tap.h */
const char *
tap_kind_name(int kind)
{
	switch (kind) {
	case TAP_XFRMI:
		return "xfrm interface";
	case TAP_VTI:
		return "VTI";
	case TAP_OTHER:
		return "interface of another kind";
	default:
		return "none";
	}
}

/* ---- messages --------------------------------------------------------- */

/* see tap.h */
int
tap_build_getlink(uint8_t *buf, size_t cap, const char *name, uint32_t seq)
{
	struct nl_build m;
	char *p;

	if (nl_init(&m, buf, cap, RTM_GETLINK, NLM_F_REQUEST,
	    sizeof(struct ifinfomsg), seq, 0) == NULL) {
		return m.err;
	}
	if ((p = nl_attr(&m, IFLA_IFNAME, strlen(name) + 1)) != NULL) {
		memcpy(p, name, strlen(name) + 1);
	}
	return nl_done(&m);
}

static void
put_u32(struct nl_build *m, uint16_t type, uint32_t v)
{
	uint32_t *p = nl_attr(m, type, sizeof(v));

	if (p != NULL) {
		*p = v;
	}
}

/* see tap.h */
int
tap_build_newlink(uint8_t *buf, size_t cap, const char *name, int kind,
    int link, const struct kern_addr *local, const struct kern_addr *peer,
    uint32_t id, uint32_t seq)
{
	struct nl_build m;
	struct ifinfomsg *ifi;
	size_t li, data;
	char *p;
	const char *k;

	if (strlen(name) >= IFNAMSIZ || id == 0) {
		return -EINVAL;
	}
	if (kind == TAP_VTI) {
		if (local->family == 0 || local->family != peer->family) {
			return -EINVAL;
		}
		k = local->family == KERN_AF_INET ? "vti" : "vti6";
	} else if (kind == TAP_XFRMI) {
		k = "xfrm";
	} else {
		return -EINVAL;
	}
	ifi = nl_init(&m, buf, cap, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK |
	    NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi), seq, 0);
	if (ifi == NULL) {
		return m.err;
	}
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if ((p = nl_attr(&m, IFLA_IFNAME, strlen(name) + 1)) != NULL) {
		memcpy(p, name, strlen(name) + 1);
	}
	li = nl_nest_begin(&m, IFLA_LINKINFO);
	if ((p = nl_attr(&m, IFLA_INFO_KIND, strlen(k) + 1)) != NULL) {
		memcpy(p, k, strlen(k) + 1);
	}
	data = nl_nest_begin(&m, IFLA_INFO_DATA);
	if (kind == TAP_XFRMI) {
		put_u32(&m, IFLA_XFRM_LINK, (uint32_t)link);
		put_u32(&m, IFLA_XFRM_IF_ID, id);
	} else {
		size_t al = local->family == KERN_AF_INET ? 4 : 16;
		uint8_t *a;

		if ((a = nl_attr(&m, IFLA_VTI_LOCAL, al)) != NULL) {
			memcpy(a, local->addr, al);
		}
		if ((a = nl_attr(&m, IFLA_VTI_REMOTE, al)) != NULL) {
			memcpy(a, peer->addr, al);
		}
		/* the keys are big-endian on the wire (GRE's) */
		put_u32(&m, IFLA_VTI_IKEY, htonl(id));
		put_u32(&m, IFLA_VTI_OKEY, htonl(id));
	}
	nl_nest_end(&m, data);
	nl_nest_end(&m, li);
	return nl_done(&m);
}

/* see tap.h */
int
tap_build_dellink(uint8_t *buf, size_t cap, int ifindex, uint32_t seq)
{
	struct nl_build m;
	struct ifinfomsg *ifi;

	ifi = nl_init(&m, buf, cap, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK,
	    sizeof(*ifi), seq, 0);
	if (ifi == NULL) {
		return m.err;
	}
	ifi->ifi_index = ifindex;
	return nl_done(&m);
}

/* see tap.h */
int
tap_build_getroute(uint8_t *buf, size_t cap, const struct kern_addr *dst,
    uint32_t seq)
{
	struct nl_build m;
	struct rtmsg *rt;
	size_t al = dst->family == KERN_AF_INET ? 4 : 16;
	uint8_t *a;

	if (dst->family == 0) {
		return -EINVAL;
	}
	rt = nl_init(&m, buf, cap, RTM_GETROUTE, NLM_F_REQUEST, sizeof(*rt),
	    seq, 0);
	if (rt == NULL) {
		return m.err;
	}
	rt->rtm_family = dst->family == KERN_AF_INET ? AF_INET : AF_INET6;
	rt->rtm_dst_len = (unsigned char)(al * 8);
	if ((a = nl_attr(&m, RTA_DST, al)) != NULL) {
		memcpy(a, dst->addr, al);
	}
	return nl_done(&m);
}

/* see tap.h */
int
tap_parse_link(const uint8_t *msg, size_t n, struct tap *t)
{
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	const uint8_t *li, *v, *data;
	size_t lil, vl, dl;
	size_t off = NLMSG_HDRLEN + NL_ALIGN(sizeof(ifi));
	uint32_t u;

	if (n < off) {
		return -EBADMSG;
	}
	memcpy(&nh, msg, sizeof(nh));
	if (nh.nlmsg_type != RTM_NEWLINK || nh.nlmsg_len != n) {
		return -EBADMSG;
	}
	memcpy(&ifi, msg + NLMSG_HDRLEN, sizeof(ifi));
	t->ifindex = ifi.ifi_index;
	t->kind = TAP_OTHER;
	switch (nl_attr_find(msg + off, n - off, IFLA_LINKINFO, &li, &lil)) {
	case -ENOENT:
		return 0;	/* no kind: a plain device */
	case 0:
		break;
	default:
		return -EBADMSG;
	}
	if (nl_attr_find(li, lil, IFLA_INFO_KIND, &v, &vl) != 0) {
		return 0;
	}
	if (nl_attr_find(li, lil, IFLA_INFO_DATA, &data, &dl) != 0) {
		data = NULL;
		dl = 0;
	}
	if (vl == 5 && memcmp(v, "xfrm", 5) == 0) {
		t->kind = TAP_XFRMI;
		if (data && nl_attr_find(data, dl, IFLA_XFRM_IF_ID, &v, &vl) ==
		    0 && vl >= 4) {
			memcpy(&u, v, 4);
			t->if_id = u;
		}
	} else if ((vl == 4 && memcmp(v, "vti", 4) == 0) ||
	    (vl == 5 && memcmp(v, "vti6", 5) == 0)) {
		t->kind = TAP_VTI;
		if (data && nl_attr_find(data, dl, IFLA_VTI_OKEY, &v, &vl) ==
		    0 && vl >= 4) {
			memcpy(&u, v, 4);
			t->mark = ntohl(u);
		}
	}
	return 0;
}

/* see tap.h */
int
tap_parse_route(const uint8_t *msg, size_t n, int *oif)
{
	struct nlmsghdr nh;
	size_t off = NLMSG_HDRLEN + NL_ALIGN(sizeof(struct rtmsg));
	const uint8_t *v;
	size_t vl;
	uint32_t u;

	if (n < off) {
		return -EBADMSG;
	}
	memcpy(&nh, msg, sizeof(nh));
	if (nh.nlmsg_type != RTM_NEWROUTE || nh.nlmsg_len != n ||
	    nl_attr_find(msg + off, n - off, RTA_OIF, &v, &vl) != 0 ||
	    vl < 4) {
		return -EBADMSG;
	}
	memcpy(&u, v, 4);
	*oif = (int)u;
	return 0;
}

/* ---- rtnetlink I/O ------------------------------------------------------ */

/*
 * Sends the len bytes of buf on a NETLINK_ROUTE socket and waits for the
 * answer: the first reply message is left in out (its length in *outlen)
 * when out is not NULL.  0, or a negative errno with reason (the kernel's
 * extended ack) set.
 */
static int
rt_call(uint8_t *buf, size_t len, uint8_t *out, size_t *outlen,
    char *reason, size_t rlen)
{
	static uint8_t rbuf[16384] __attribute__((aligned(8)));
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	struct nlmsghdr req;
	int fd, one = 1, rc = -ETIMEDOUT;

	reason[0] = '\0';
	memcpy(&req, buf, sizeof(req));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		return -errno;
	}
	(void)setsockopt(fd, SOL_NETLINK, 11 /* NETLINK_EXT_ACK */, &one,
	    sizeof(one));
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&k, sizeof(k)) !=
	    (ssize_t)len) {
		rc = -errno;
		close(fd);
		return rc;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		const uint8_t *m;
		size_t off = 0, ml;
		ssize_t n;
		int e;

		if (poll(&p, 1, TAP_TIMEOUT_MS) <= 0) {
			break;
		}
		if ((n = recv(fd, rbuf, sizeof(rbuf), 0)) < 0) {
			rc = -errno;
			break;
		}
		while (kbe_xfrm_next(rbuf, (size_t)n, &off, &m, &ml) == 1) {
			struct nlmsghdr h;

			memcpy(&h, m, sizeof(h));
			if (h.nlmsg_seq != req.nlmsg_seq) {
				continue;
			}
			if (h.nlmsg_type == NLMSG_ERROR) {
				rc = kbe_xfrm_parse_error(m, ml, &e, reason,
				    rlen) == 0 ? e : -EBADMSG;
				goto out;
			}
			if (out != NULL && ml <= *outlen) {
				memcpy(out, m, ml);
				*outlen = ml;
				rc = 0;
				goto out;
			}
		}
	}
out:
	close(fd);
	return rc;
}

static void
tap_err(char *err, size_t errlen, const char *name, const char *what, int rc,
    const char *reason)
{
	snprintf(err, errlen, "tap %s: %s: %s%s%s%s", name, what,
	    strerror(-rc), reason[0] ? " (" : "", reason, reason[0] ? ")" : "");
}

/* see tap.h */
int
tap_open(struct tap *t, const char *name, const struct kern_addr *local,
    const struct kern_addr *peer, uint32_t id, char *err, size_t errlen)
{
	uint8_t buf[512], out[4096];
	size_t ol = sizeof(out);
	char why[160];
	int rc, len, oif = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	len = tap_build_getlink(buf, sizeof(buf), name, 1);
	rc = len < 0 ? len : rt_call(buf, (size_t)len, out, &ol, why,
	    sizeof(why));
	if (rc == 0) {
		/* it exists: use it as it is */
		if (tap_parse_link(out, ol, t) != 0) {
			snprintf(err, errlen, "tap %s: malformed kernel reply",
			    name);
			return -EBADMSG;
		}
		if (t->kind == TAP_XFRMI && t->if_id != 0) {
			return 0;
		}
		if (t->kind == TAP_VTI && t->mark != 0) {
			return 0;
		}
		snprintf(err, errlen, "tap %s: exists and is %s%s, not an "
		    "xfrm interface or a VTI with a key", name,
		    t->kind == TAP_OTHER ? "an " : "a ",
		    tap_kind_name(t->kind));
		return -EEXIST;
	}
	if (rc != -ENODEV) {
		tap_err(err, errlen, name, "looking it up", rc, why);
		return rc;
	}
	/* the xfrm interface rides on the device that reaches the peer */
	ol = sizeof(out);
	len = tap_build_getroute(buf, sizeof(buf), peer, 2);
	if (len > 0 && rt_call(buf, (size_t)len, out, &ol, why,
	    sizeof(why)) == 0) {
		(void)tap_parse_route(out, ol, &oif);
	}
	len = tap_build_newlink(buf, sizeof(buf), name, TAP_XFRMI, oif, local,
	    peer, id, 3);
	rc = len < 0 ? len : rt_call(buf, (size_t)len, NULL, NULL, why,
	    sizeof(why));
	t->kind = TAP_XFRMI;
	t->if_id = id;
	if (rc == -EOPNOTSUPP) {
		/* no xfrm interfaces in this kernel (CONFIG_XFRM_INTERFACE) */
		len = tap_build_newlink(buf, sizeof(buf), name, TAP_VTI, 0,
		    local, peer, id, 4);
		rc = len < 0 ? len : rt_call(buf, (size_t)len, NULL, NULL, why,
		    sizeof(why));
		t->kind = TAP_VTI;
		t->if_id = 0;
		t->mark = id;
	}
	if (rc != 0) {
		tap_err(err, errlen, name, t->kind == TAP_VTI ? "making a VTI" :
		    "making an xfrm interface", rc, why);
		t->kind = TAP_NONE;
		return rc;
	}
	t->created = 1;
	ol = sizeof(out);
	len = tap_build_getlink(buf, sizeof(buf), name, 5);
	if (rt_call(buf, (size_t)len, out, &ol, why, sizeof(why)) == 0) {
		struct tap got;

		if (tap_parse_link(out, ol, &got) == 0) {
			t->ifindex = got.ifindex;
		}
	}
	if (t->kind == TAP_VTI) {
		/*
		 * Decrypted packets leave the VTI already checked against
		 * the VPN's marked inbound policy; the forwarding check must
		 * not look for another (the kernel's VTI documentation).
		 */
		char path[96];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/"
		    "disable_policy", local->family == KERN_AF_INET ? "ipv4" :
		    "ipv6", name);
		if ((f = fopen(path, "w")) != NULL) {
			fputs("1\n", f);
			fclose(f);
		}
	}
	return 0;
}

/* see tap.h */
void
tap_close(struct tap *t)
{
	uint8_t buf[64];
	char why[160];
	int len;

	if (t->created && t->ifindex > 0) {
		len = tap_build_dellink(buf, sizeof(buf), t->ifindex, 6);
		if (len > 0) {
			(void)rt_call(buf, (size_t)len, NULL, NULL, why,
			    sizeof(why));
		}
	}
	memset(t, 0, sizeof(*t));
}
