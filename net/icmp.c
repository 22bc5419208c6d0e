/*
 * icmp.c - opening, binding and using keepalive-pinger's echo socket.
 *
 * Why bind rather than IP_PKTINFO per message: one socket serves one
 * (source, target) pair for its whole life, and bind() is also the check
 * that the source is an address of this machine (EADDRNOTAVAIL), which
 * is the first thing that goes wrong when a how-to's address is copied
 * onto another router.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/icmp.h"

static socklen_t
ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

/* see icmp.h */
const char *
icmp_ntop(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL) {
		snprintf(buf, len, "?");
	}
	return buf;
}

static int
open_kind(int family, int type)
{
	return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

/* see icmp.h */
int
icmp_open(struct icmp_sock *s, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, uint16_t id, char *err,
    size_t errlen)
{
	struct sockaddr_storage b;
	char a[INET6_ADDRSTRLEN];
	int fam = src->ss_family, e, on = 1;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (fam != dst->ss_family || (fam != AF_INET && fam != AF_INET6)) {
		snprintf(err, errlen, "source and target are not of the same "
		    "address family");
		return -EAFNOSUPPORT;
	}
	s->family = fam;
	s->src = *src;
	s->dst = *dst;
	s->raw = 1;
	s->id = id;
	s->fd = open_kind(fam, SOCK_RAW);
	if (s->fd < 0 && (errno == EPERM || errno == EACCES)) {
		s->raw = 0;
		s->fd = open_kind(fam, SOCK_DGRAM);
	}
	if (s->fd < 0) {
		e = errno;
		if (e == EPERM || e == EACCES) {
			snprintf(err, errlen, "no permission to open an ICMP "
			    "socket: run as root (raw sockets need "
			    "CAP_NET_RAW), or let this group use unprivileged "
			    "ICMP with sysctl net.ipv4.ping_group_range");
			return -EPERM;
		}
		snprintf(err, errlen, "cannot open an ICMP socket: %s",
		    strerror(e));
		return -e;
	}
	b = *src;
	if (fam == AF_INET) {
		((struct sockaddr_in *)&b)->sin_port = 0;
	} else {
		((struct sockaddr_in6 *)&b)->sin6_port = 0;
	}
	if (bind(s->fd, (struct sockaddr *)&b, ss_len(&b)) != 0) {
		e = errno;
		if (e == EADDRNOTAVAIL) {
			snprintf(err, errlen, "source address %s is not an "
			    "address of this machine (ip addr shows the local "
			    "ones)", icmp_ntop(src, a, sizeof(a)));
		} else {
			snprintf(err, errlen, "cannot bind to %s: %s",
			    icmp_ntop(src, a, sizeof(a)), strerror(e));
		}
		icmp_close(s);
		return -e;
	}
	if (!s->raw) {
		socklen_t l = sizeof(b);

		/* A ping socket's echo id is its "port", set by bind. */
		if (getsockname(s->fd, (struct sockaddr *)&b, &l) == 0) {
			s->id = ntohs(fam == AF_INET ?
			    ((struct sockaddr_in *)&b)->sin_port :
			    ((struct sockaddr_in6 *)&b)->sin6_port);
		}
	}
	/* The hop limit for ping's "ttl=" when no IPv4 header comes in. */
	if (fam == AF_INET && !s->raw) {
		(void)setsockopt(s->fd, IPPROTO_IP, IP_RECVTTL, &on,
		    sizeof(on));
	} else if (fam == AF_INET6) {
		(void)setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
		    sizeof(on));
	}
	return 0;
}

/* see icmp.h */
int
icmp_send(struct icmp_sock *s, uint16_t seq, uint64_t sent_us)
{
	uint8_t buf[KA_ECHO_LEN];
	int len = ka_echo_build(s->family, s->id, seq, sent_us, buf,
	    sizeof(buf));
	ssize_t n;

	if (len < 0) {
		return len;
	}
	do {
		n = sendto(s->fd, buf, (size_t)len, 0,
		    (const struct sockaddr *)&s->dst, ss_len(&s->dst));
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

static int
same_addr(const struct sockaddr_storage *a, const void *b)
{
	if (a->ss_family == AF_INET) {
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr, b,
		    4) == 0;
	}
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, b,
	    16) == 0;
}

/* see icmp.h */
int
icmp_recv(struct icmp_sock *s, struct ka_echo *e)
{
	uint8_t buf[1500], cbuf[128];
	struct sockaddr_storage from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { 0 };
	struct cmsghdr *c;
	int with_ip = s->raw && s->family == AF_INET, ttl = -1;
	ssize_t n;

	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	do {
		n = recvmsg(s->fd, &m, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
		}
	}
	if (ka_echo_parse(s->family, with_ip, buf, (size_t)n, e) != 0) {
		return -EBADMSG;
	}
	if (e->ttl < 0) {
		e->ttl = ttl;
	}
	/* Raw sockets see every ICMP message: keep our id, from dst. */
	if (s->raw && e->id != s->id) {
		return -EBADMSG;
	}
	if (from.ss_family != s->family || !same_addr(&s->dst,
	    s->family == AF_INET ?
	    (const void *)&((struct sockaddr_in *)&from)->sin_addr :
	    (const void *)&((struct sockaddr_in6 *)&from)->sin6_addr)) {
		return -EBADMSG;
	}
	return 0;
}

/* see icmp.h */
void
icmp_close(struct icmp_sock *s)
{
	if (s->fd >= 0) {
		close(s->fd);
	}
	s->fd = -1;
}
