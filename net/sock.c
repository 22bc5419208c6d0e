/*
 * sock.c - UDP sockets with packet info, and ike_addr conversions.
 *
 * libuv's uv_udp_t cannot report a datagram's destination address, so the
 * daemon owns these sockets and watches them with uv_poll_t (net/loop.c).
 * Each socket is bound to one configured local address: replies leave from
 * the address the peer talks to, which a peer checks (RFC 7296 2.11), and
 * two daemons can hold port 500 on 127.0.0.1 and 127.0.0.2 side by side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/sock.h"

/* see sock.h */
int
sock_addr_to_ss(const struct ike_addr *a, struct sockaddr_storage *ss,
    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->ip, 4);
		*len = sizeof(*sin);
		return 0;
	}
	if (a->af == 6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->ip, 16);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* see sock.h */
int
sock_addr_from_sa(const struct sockaddr *sa, struct ike_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		a->af = 4;
		a->port = ntohs(sin->sin_port);
		memcpy(a->ip, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		a->af = 6;
		a->port = ntohs(sin6->sin6_port);
		memcpy(a->ip, &sin6->sin6_addr, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* see sock.h */
int
sock_addr_parse(const char *s, uint16_t port, struct ike_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (inet_pton(AF_INET, s, a->ip) == 1) {
		a->af = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->ip) == 1) {
		a->af = 6;
		return 0;
	}
	return -EINVAL;
}

/* see sock.h */
int
sock_addr_eq(const struct ike_addr *a, const struct ike_addr *b)
{
	size_t n = a->af == 4 ? 4 : 16;

	return a->af == b->af && a->port == b->port &&
	    memcmp(a->ip, b->ip, n) == 0;
}

/* see sock.h */
int
sock_open(const struct ike_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1, rc;

	rc = sock_addr_to_ss(local, &ss, &len);
	if (rc < 0) {
		return rc;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_UDP);
	if (fd < 0) {
		return -errno;
	}
	if (local->af == 4) {
		rc = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	} else {
		rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
		if (rc == 0) {
			rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO,
			    &on, sizeof(on));
		}
	}
	if (rc != 0 || bind(fd, (struct sockaddr *)&ss, len) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* Not fatal: a smaller buffer still works, loop.c says so. */
	(void)sock_set_buf(fd, SO_RCVBUF, SOCK_RCVBUF);
	(void)sock_set_buf(fd, SO_SNDBUF, SOCK_SNDBUF);
	return fd;
}

/* see sock.h */
int
sock_espinudp(int fd)
{
	int type = UDP_ENCAP_ESPINUDP;

	if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) != 0) {
		return -errno;
	}
	return 0;
}

/* see sock.h */
int
sock_get_buf(int fd, int which)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, which, &v, &len) != 0) {
		return -errno;
	}
	/* socket(7): the kernel doubles the value set, and reports that. */
	return v / 2;
}

/* see sock.h */
int
sock_set_buf(int fd, int which, int bytes)
{
	int force = which == SO_RCVBUF ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
	int got;

	if (which != SO_RCVBUF && which != SO_SNDBUF) {
		return -EINVAL;
	}
	/*
	 * The plain option is capped at net.core.[rw]mem_max; the FORCE one
	 * is not, but needs CAP_NET_ADMIN (ikd runs as root for port 500
	 * and PF_KEY).  Never shrink a buffer the kernel made larger.
	 */
	got = sock_get_buf(fd, which);
	if (got >= bytes) {
		return got;
	}
	if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof(bytes)) != 0 &&
	    setsockopt(fd, SOL_SOCKET, which, &bytes, sizeof(bytes)) != 0) {
		return -errno;
	}
	return sock_get_buf(fd, which);
}

/* see sock.h */
ssize_t
sock_recv(int fd, uint16_t bound_port, uint8_t *buf, size_t cap,
    struct ike_addr *local, struct ike_addr *peer)
{
	struct sockaddr_storage from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	do {
		n = recvmsg(fd, &msg, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		return -EMSGSIZE;
	}
	if (sock_addr_from_sa((struct sockaddr *)&from, peer) < 0) {
		return -EAFNOSUPPORT;
	}
	memset(local, 0, sizeof(*local));
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->af = 4;
			memcpy(local->ip, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			local->af = 6;
			memcpy(local->ip, &pi6.ipi6_addr, 16);
		}
	}
	if (local->af == 0) {
		/* No packet info: the kernel always sends it once asked. */
		return -EPROTO;
	}
	local->port = bound_port;
	return n;
}

/* see sock.h */
int
sock_send(int fd, const struct ike_addr *local, const struct ike_addr *peer,
    const uint8_t *buf, size_t len)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *c;
	ssize_t n;

	if (sock_addr_to_ss(peer, &to, &tolen) < 0) {
		return -EAFNOSUPPORT;
	}
	msg.msg_name = &to;
	msg.msg_namelen = tolen;
	memset(&ctl, 0, sizeof(ctl));
	if (local != NULL && local->af == 4 && peer->af == 4) {
		struct in_pktinfo pi = { 0 };

		memcpy(&pi.ipi_spec_dst, local->ip, 4);
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else if (local != NULL && local->af == 6 && peer->af == 6) {
		struct in6_pktinfo pi6 = { 0 };

		memcpy(&pi6.ipi6_addr, local->ip, 16);
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(pi6));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
	}
	do {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return -errno;
	}
	return (size_t)n == len ? 0 : -EMSGSIZE;
}
