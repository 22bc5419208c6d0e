/*
 * kbe_xfrm.h - the "xfrm" kernel backend's netlink messages, as functions
 * over buffers: what net/kbe_xfrm.c sends to and reads from the kernel's
 * NETLINK_XFRM socket, with no socket involved, so that the unit tests
 * (t/test_kbe_xfrm.c) check the bytes and feed the parsers truncated and
 * lying messages on any machine, kernel or not.
 *
 * Builders write one whole netlink message (struct nlmsghdr first) into
 * buf and return its length, or -EINVAL (a field that cannot be encoded:
 * unknown algorithm, key of the wrong size, unset address) / -ENOSPC (buf
 * too small).  Parsers take one message of n bytes as the kernel sent it
 * and return 0 or -EBADMSG; no length inside the message is trusted.
 */
#ifndef IKEBOX_NET_KBE_XFRM_H
#define IKEBOX_NET_KBE_XFRM_H

#include <stddef.h>
#include <stdint.h>

#include "net/kbe.h"

/* Request flags and sequence of one message. */
struct xfrm_hdr_args {
	uint32_t seq;
	uint32_t pid;		/* 0: the kernel fills in the sender */
};

/*
 * XFRM_MSG_NEWSA (update 0) or XFRM_MSG_UPDSA (update 1) for sa; rnd is
 * the jitter of kbe_soft_limit() (t/ passes a constant).
 */
int kbe_xfrm_build_sa(uint8_t *buf, size_t cap, const struct kern_sa *sa,
    int update, uint32_t rnd, const struct xfrm_hdr_args *h);

/* XFRM_MSG_ALLOCSPI for sa->src -> sa->dst, reqid, in [min, max]. */
int kbe_xfrm_build_allocspi(uint8_t *buf, size_t cap,
    const struct kern_sa *sa, uint32_t min, uint32_t max,
    const struct xfrm_hdr_args *h);

/* XFRM_MSG_DELSA (get 0) or XFRM_MSG_GETSA (get 1) by dst/spi/proto, src. */
int kbe_xfrm_build_sa_id(uint8_t *buf, size_t cap, const struct kern_sa *sa,
    int get, const struct xfrm_hdr_args *h);

/*
 * XFRM_MSG_NEWPOLICY (with its template) or, with del, XFRM_MSG_DELPOLICY
 * by selector and direction; index non-zero deletes by the kernel's index.
 */
int kbe_xfrm_build_policy(uint8_t *buf, size_t cap,
    const struct kern_policy *p, int del, uint32_t index,
    const struct xfrm_hdr_args *h);

/* A dump request: XFRM_MSG_GETSA (sa 1) or XFRM_MSG_GETPOLICY (sa 0). */
int kbe_xfrm_build_dump(uint8_t *buf, size_t cap, int sa,
    const struct xfrm_hdr_args *h);

/* The priority a policy gets when kern_policy says 0 ("backend default"). */
uint32_t kbe_xfrm_priority(const struct kern_policy *p);

/* An SA as the kernel describes it (NEWSA, the ALLOCSPI reply, EXPIRE). */
struct kbe_xfrm_sa {
	struct kern_sa sa;
	struct kbe_sa_stats st;
	char encr_name[40], integ_name[40];
	uint8_t flags;		/* XFRM_STATE_* (ESN: 128) */
	int hard;		/* EXPIRE: hard (1) or soft (0) */
};

/* NEWSA / UPDSA (a dump entry, a GETSA or ALLOCSPI reply) or EXPIRE. */
int kbe_xfrm_parse_sa(const uint8_t *msg, size_t n, struct kbe_xfrm_sa *out);

/* NEWPOLICY (a dump entry): the neutral policy, its index and action. */
int kbe_xfrm_parse_policy(const uint8_t *msg, size_t n,
    struct kern_policy *p, uint32_t *index, const char **action);

/* EXPIRE or ACQUIRE into a kernel event; -ENOENT for other types. */
int kbe_xfrm_parse_event(const uint8_t *msg, size_t n, struct kbe_event *ev);

/*
 * NLMSG_ERROR: *err the (negative) errno, 0 for an acknowledgement;
 * reason (len bytes) the kernel's extended-ack text, "" if none.
 */
int kbe_xfrm_parse_error(const uint8_t *msg, size_t n, int *err,
    char *reason, size_t len);

/*
 * Walks the messages of one datagram: the one at *off (checked: header
 * inside the buffer, length at least a header and not past the end) is
 * returned in *msg / *len and *off moves past it.  1 for a message, 0 at
 * the end, -EBADMSG when the next length lies (the rest is dropped).
 */
int kbe_xfrm_next(const uint8_t *buf, size_t n, size_t *off,
    const uint8_t **msg, size_t *len);

/* The kernel's name for alg ("rfc4106(gcm(aes))"), NULL if it has none. */
const char *kbe_xfrm_alg_name(const struct cr_alg *alg);

/* For fuzz targets: every parser over one message; 0 if one took it. */
int kbe_xfrm_parse_for_fuzz(const uint8_t *msg, size_t n);

/* 1 when the kernel has XFRM netlink (a NETLINK_XFRM socket opens). */
int kbe_xfrm_available(void);

#endif
