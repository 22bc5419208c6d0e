/*
 * test_sock.c - UDP sockets on loopback: a datagram from 127.0.0.1 to
 * 127.0.0.2 arrives with both addresses known, and the answer leaves from
 * the address it was sent to; a burst larger than Linux's default receive
 * buffer holds arrives whole; address parsing and comparison.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/ike/show.h"
#include "net/sock.h"
#include "t/harness/t.h"

static uint16_t
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ike_addr a;

	getsockname(fd, (struct sockaddr *)&ss, &len);
	sock_addr_from_sa((struct sockaddr *)&ss, &a);
	return a.port;
}

static ssize_t
recv_wait(int fd, uint16_t port, uint8_t *buf, size_t cap,
    struct ike_addr *l, struct ike_addr *p)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	poll(&pfd, 1, 2000);
	return sock_recv(fd, port, buf, cap, l, p);
}

T_CASE(sock, loopback_pktinfo)
{
	struct ike_addr a, b, l, p;
	char s1[SHOW_ADDR_MAX], s2[SHOW_ADDR_MAX];
	uint8_t buf[64];
	int fa, fb;
	ssize_t n;

	sock_addr_parse("127.0.0.1", 0, &a);
	sock_addr_parse("127.0.0.2", 0, &b);
	fa = sock_open(&a);
	fb = sock_open(&b);
	T_ASSERT(fa >= 0 && fb >= 0);
	if (fa < 0 || fb < 0) {
		return;
	}
	a.port = bound_port(fa);
	b.port = bound_port(fb);

	T_ROW("nothing queued is -EAGAIN");
	T_EQ_INT(sock_recv(fb, b.port, buf, sizeof(buf), &l, &p), -EAGAIN);

	T_ROW("destination and source of a datagram");
	T_EQ_INT(sock_send(fa, &a, &b, (const uint8_t *)"hello", 5), 0);
	n = recv_wait(fb, b.port, buf, sizeof(buf), &l, &p);
	T_EQ_INT(n, 5);
	T_EQ_MEM(buf, "hello", 5);
	T_EQ_STR(show_addr(s1, sizeof(s1), &l),
	    show_addr(s2, sizeof(s2), &b));
	T_EQ_STR(show_addr(s1, sizeof(s1), &p),
	    show_addr(s2, sizeof(s2), &a));

	T_ROW("the answer comes from the address asked");
	T_EQ_INT(sock_send(fb, &l, &p, (const uint8_t *)"hi", 2), 0);
	n = recv_wait(fa, a.port, buf, sizeof(buf), &l, &p);
	T_EQ_INT(n, 2);
	T_EQ_STR(show_addr(s1, sizeof(s1), &p),
	    show_addr(s2, sizeof(s2), &b));

	T_ROW("a second socket on the same address and port is refused");
	T_EQ_INT(sock_open(&a), -EADDRINUSE);
	close(fa);
	close(fb);
}

T_CASE(sock, addr_parse_eq)
{
	struct ike_addr a, b;
	struct sockaddr_storage ss;
	socklen_t len;

	T_ROW("ipv4");
	T_EQ_INT(sock_addr_parse("192.0.2.1", 500, &a), 0);
	T_EQ_INT(a.af, 4);
	T_ROW("ipv6");
	T_EQ_INT(sock_addr_parse("2001:db8::1", 500, &b), 0);
	T_EQ_INT(b.af, 6);
	T_ASSERT(!sock_addr_eq(&a, &b));
	T_ROW("garbage");
	T_EQ_INT(sock_addr_parse("192.0.2.300", 500, &b), -EINVAL);
	T_EQ_INT(sock_addr_parse("", 500, &b), -EINVAL);
	T_ROW("round trip through sockaddr, port matters");
	T_EQ_INT(sock_addr_to_ss(&a, &ss, &len), 0);
	T_EQ_INT(sock_addr_from_sa((struct sockaddr *)&ss, &b), 0);
	T_ASSERT(sock_addr_eq(&a, &b));
	b.port = 4500;
	T_ASSERT(!sock_addr_eq(&a, &b));
}

/*
 * A burst larger than Linux's default receive buffer holds (about 160
 * datagrams of IKE_SA_INIT size on loopback) arrives whole: sock_open()
 * asks for SOCK_RCVBUF.  Root (the unit runner here) may pass
 * net.core.rmem_max; otherwise the buffer is what the kernel allows, and
 * the burst is sized to it.
 */
T_CASE(sock, burst_all_received)
{
	struct ike_addr a, b, l, p;
	uint8_t msg[300], buf[512];
	int fa, fb, sent = 0, got = 0, burst, rcv;
	ssize_t n;

	sock_addr_parse("127.0.0.1", 0, &a);
	sock_addr_parse("127.0.0.3", 0, &b);
	fa = sock_open(&a);
	fb = sock_open(&b);
	T_ASSERT(fa >= 0 && fb >= 0);
	if (fa < 0 || fb < 0) {
		return;
	}
	a.port = bound_port(fa);
	b.port = bound_port(fb);
	rcv = sock_get_buf(fb, SO_RCVBUF);

	T_ROW("the receive buffer asked for is granted (root)");
	if (geteuid() == 0) {
		T_EQ_INT(rcv, SOCK_RCVBUF);
		T_EQ_INT(sock_get_buf(fa, SO_SNDBUF), SOCK_SNDBUF);
	}

	T_ROW("asking for less keeps the larger buffer");
	T_EQ_INT(sock_set_buf(fb, SO_RCVBUF, 4096), rcv);
	T_EQ_INT(sock_get_buf(fb, SO_RCVBUF), rcv);
	T_ROW("only the receive and send buffers");
	T_EQ_INT(sock_set_buf(fb, SO_KEEPALIVE, 4096), -EINVAL);

	/* Not root: as many as the granted buffer holds (some 1.3 KiB
	 * charged per 300-byte datagram, with a margin). */
	burst = geteuid() == 0 || rcv / 1600 > 500 ? 500 : rcv / 1600;
	T_ROW("a burst of 500 300-byte datagrams is all received, in order");
	for (int i = 0; i < burst; i++) {
		memset(msg, i & 0xff, sizeof(msg));
		msg[0] = (uint8_t)(i >> 8);
		if (sock_send(fa, &a, &b, msg, sizeof(msg)) == 0) {
			sent++;
		}
	}
	T_EQ_INT(sent, burst);
	/* Loopback queues each datagram before sendmsg() returns. */
	while ((n = sock_recv(fb, b.port, buf, sizeof(buf), &l, &p)) > 0) {
		T_EQ_INT(n, (long)sizeof(msg));
		T_EQ_INT((buf[0] << 8 | buf[1]), got);	/* in order */
		got++;
	}
	T_EQ_INT(got, burst);
	close(fa);
	close(fb);
}
