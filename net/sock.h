/*
 * sock.h - UDP sockets for IKE (port 500, and 4500 for NAT-T later).
 *
 * One socket per local address and port, bound to that address, with
 * IP_PKTINFO / IPV6_RECVPKTINFO on so each datagram's destination address is
 * known (the engine needs it to pick the VPN and to answer from the same
 * address).  No libuv here: net/loop.c watches these fds.
 */
#ifndef IKEBOX_NET_SOCK_H
#define IKEBOX_NET_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "core/ike/ike.h"

/* Largest IKE datagram we read (RFC 7296 allows 64 KiB UDP payloads). */
#define SOCK_MAX_DGRAM 65535

/*
 * Converts between struct ike_addr and socket addresses.  to_ss returns 0
 * or -EAFNOSUPPORT; from_sa returns 0 or -EAFNOSUPPORT.
 */
int sock_addr_to_ss(const struct ike_addr *a, struct sockaddr_storage *ss,
    socklen_t *len);
int sock_addr_from_sa(const struct sockaddr *sa, struct ike_addr *a);

/* Parses "192.0.2.1" or "2001:db8::1" with a port.  Returns 0 or -EINVAL. */
int sock_addr_parse(const char *s, uint16_t port, struct ike_addr *a);

/* 1 when a and b are the same family, address and port. */
int sock_addr_eq(const struct ike_addr *a, const struct ike_addr *b);

/*
 * Receive and send buffer sizes sock_open() asks for.  Linux's default
 * (net.core.rmem_default, 208 KiB) holds about 160 small datagrams on
 * loopback, since each is charged its whole buffer (some 1.3 KiB for a
 * 300-byte IKE_SA_INIT): a responder that hundreds of peers reach at once
 * (a hub after a restart, `make bench`) would drop the rest, and each lost
 * one costs its sender a 2 s retransmit.  1 MiB holds some 800; it is a
 * limit, not memory taken up front.
 */
#define SOCK_RCVBUF (1 << 20)
#define SOCK_SNDBUF (1 << 20)

/*
 * Opens a non-blocking UDP socket bound to local (address and port) with
 * packet info on, and asks for SOCK_RCVBUF and SOCK_SNDBUF (see
 * sock_set_buf()).  Returns the fd or a negative errno (-EADDRINUSE when
 * another process holds the port on that address).
 */
int sock_open(const struct ike_addr *local);

/*
 * Sets fd's SO_RCVBUF or SO_SNDBUF (which) to bytes, past the sysctl cap
 * (net.core.rmem_max, wmem_max) when the process may (CAP_NET_ADMIN, with
 * SO_RCVBUFFORCE / SO_SNDBUFFORCE).  Returns the size now in force, which
 * is below bytes when the kernel capped it, or a negative errno.
 */
int sock_set_buf(int fd, int which, int bytes);

/*
 * Makes fd (bound to UDP 4500) the kernel's ESP-in-UDP socket (RFC 3948):
 * datagrams that start with an SPI go to the IPsec stack, those with the
 * non-ESP marker (IKE) and keepalives stay for us.  0 or -errno (a kernel
 * without XFRM).
 */
int sock_espinudp(int fd);

/* fd's SO_RCVBUF or SO_SNDBUF size as asked (the kernel's figure halved:
 * it doubles requests for its bookkeeping), or a negative errno. */
int sock_get_buf(int fd, int which);

/*
 * Reads one datagram.  *local gets its destination address (from packet
 * info; the bound port), *peer its source.  Returns the length, -EAGAIN when
 * nothing is queued, or another negative errno.
 */
ssize_t sock_recv(int fd, uint16_t bound_port, uint8_t *buf, size_t cap,
    struct ike_addr *local, struct ike_addr *peer);

/*
 * Sends one datagram to peer, from local's address (packet info set, so a
 * socket bound to a wildcard still answers from the right address).
 * Returns 0 or a negative errno.
 */
int sock_send(int fd, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len);

#endif
