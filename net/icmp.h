/*
 * icmp.h - the ICMP echo socket of keepalive-pinger.
 *
 * A raw ICMP socket when the process may open one (root, CAP_NET_RAW),
 * else the unprivileged "ping" socket (SOCK_DGRAM, IPPROTO_ICMP) where the
 * sysctl net.ipv4.ping_group_range lets this group in.  Either way the
 * socket is bound to the source address, which is how "-I SRC" picks the
 * address the kernel's IPsec policy has to match.  Messages themselves are
 * built and read by core/keepalive/keepalive.h.
 */
#ifndef IKEBOX_NET_ICMP_H
#define IKEBOX_NET_ICMP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/keepalive/keepalive.h"

struct icmp_sock {
	int fd;
	int family;
	int raw;		/* 1: raw socket (we pick the echo id) */
	uint16_t id;		/* echo identifier to send and to accept */
	struct sockaddr_storage src;
	struct sockaddr_storage dst;
};

/*
 * Opens and binds the socket (non-blocking, close-on-exec).  id is used on
 * a raw socket; an unprivileged one gets its id from the kernel.  Returns
 * 0, or a negative errno with a sentence for the user in err:
 * -EADDRNOTAVAIL (src is not an address of this machine), -EPERM (neither
 * socket kind is allowed), -EAFNOSUPPORT (src and dst families differ).
 */
int icmp_open(struct icmp_sock *s, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, uint16_t id, char *err,
    size_t errlen);

/* Sends echo seq stamped sent_us.  Returns 0 or a negative errno. */
int icmp_send(struct icmp_sock *s, uint16_t seq, uint64_t sent_us);

/*
 * Reads one datagram.  Returns 0 and fills *e for a reply to our echo
 * from dst, -EAGAIN when nothing is queued, -EBADMSG for a datagram that
 * is not ours (read and dropped), or another negative errno.
 */
int icmp_recv(struct icmp_sock *s, struct ka_echo *e);

void icmp_close(struct icmp_sock *s);

/* Prints an address without its port into buf ("203.0.113.1"). */
const char *icmp_ntop(const struct sockaddr_storage *ss, char *buf,
    size_t len);

#endif
