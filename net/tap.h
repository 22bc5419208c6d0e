/*
 * tap.h - the per-VPN interface of `tap = NAME` (route-based VPNs), for
 * the xfrm backend: the VPN's SAs and policies carry the interface's ID
 * (XFRMA_IF_ID, an xfrm interface) or its key as mark (XFRMA_MARK, a VTI
 * on kernels without xfrm interfaces), and the admin routes traffic into
 * the interface.  ikd makes the interface when it does not exist (and
 * removes it at exit only then); an existing one is used as it is, its ID
 * or key read from the kernel.
 *
 * rtnetlink messages are built and parsed by buffer functions, as in
 * net/kbe_xfrm.h, so t/test_tap.c checks them without a kernel.
 */
#ifndef IKEBOX_NET_TAP_H
#define IKEBOX_NET_TAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/ike/kern.h"

enum tap_kind {
	TAP_NONE = 0,
	TAP_XFRMI = 1,		/* xfrm interface: if_id */
	TAP_VTI = 2,		/* VTI (vti, vti6): mark = ikey = okey */
	TAP_OTHER = 3,		/* an interface of another kind */
};

struct tap {
	char name[16];
	int kind;		/* enum tap_kind */
	uint32_t if_id;		/* TAP_XFRMI */
	uint32_t mark;		/* TAP_VTI */
	int ifindex;
	int created;		/* made by ikd: removed by tap_close() */
};

/*
 * Uses the interface name, or makes it: an xfrm interface with if_id id
 * over the device that routes to peer, or, where the kernel has no xfrm
 * interfaces, a VTI local -> peer with ikey = okey = id; brings it up.
 * 0, or a negative errno with one line in err naming the interface and
 * the kernel's reason.
 */
int tap_open(struct tap *t, const char *name, const struct kern_addr *local,
    const struct kern_addr *peer, uint32_t id, char *err, size_t errlen);

/* Removes the interface if tap_open() made it; clears t. */
void tap_close(struct tap *t);

/* "xfrm interface", "VTI", ... */
const char *tap_kind_name(int kind);

/* ---- rtnetlink messages (t/test_tap.c) ---- */

/* RTM_GETLINK by name. */
int tap_build_getlink(uint8_t *buf, size_t cap, const char *name,
    uint32_t seq);

/*
 * RTM_NEWLINK creating name (up): kind TAP_XFRMI (link: the lower
 * device's ifindex, if_id id) or TAP_VTI (local, peer, ikey = okey = id).
 */
int tap_build_newlink(uint8_t *buf, size_t cap, const char *name, int kind,
    int link, const struct kern_addr *local, const struct kern_addr *peer,
    uint32_t id, uint32_t seq);

/* RTM_DELLINK by index. */
int tap_build_dellink(uint8_t *buf, size_t cap, int ifindex, uint32_t seq);

/* RTM_GETROUTE to dst (the reply names the egress device). */
int tap_build_getroute(uint8_t *buf, size_t cap, const struct kern_addr *dst,
    uint32_t seq);

/* An RTM_NEWLINK (GETLINK reply): index, kind, if_id or okey as mark. */
int tap_parse_link(const uint8_t *msg, size_t n, struct tap *t);

/* An RTM_NEWROUTE (GETROUTE reply): the egress ifindex (RTA_OIF). */
int tap_parse_route(const uint8_t *msg, size_t n, int *oif);

#endif
