/*
 * keepalive.h - the sans-I/O half of keepalive-pinger: ICMP echo messages,
 * the one-shot ping schedule, the watch state machine, the flow check.
 *
 * keepalive-pinger replaces the how-to's cron line
 * `ping -q -I 203.0.113.1 -c 60 -w 1 203.0.113.254`: pings from an address
 * of our LAN to one of the remote LAN, so they enter the tunnel.  Nothing
 * here opens a socket or reads a clock: callers pass datagrams and "now" in,
 * and get bytes to send, waits and events out (net/icmp.h does the I/O,
 * applets/keepalive_pinger.c the loop), so t/test_keepalive.c can drive
 * every schedule and every state change with a virtual clock.
 */
#ifndef IKEBOX_CORE_KEEPALIVE_KEEPALIVE_H
#define IKEBOX_CORE_KEEPALIVE_KEEPALIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/cfg/cfg.h"

/* ICMP types: RFC 792 (IPv4), RFC 4443 4.1 and 4.2 (IPv6). */
#define KA_ICMP_ECHO_REPLY 0
#define KA_ICMP_ECHO_REQUEST 8
#define KA_ICMP6_ECHO_REQUEST 128
#define KA_ICMP6_ECHO_REPLY 129

/* Echo data bytes after the 8-byte ICMP header: ping's default -s 56. */
#define KA_ECHO_DATA 56
#define KA_ECHO_LEN (8 + KA_ECHO_DATA)

/* What a reply carried back (the data is our own request's). */
struct ka_echo {
	uint16_t id;
	uint16_t seq;
	uint64_t sent_us;	/* the sender's clock when it was sent */
	int ttl;		/* from the IPv4 header; -1 when not seen */
	uint8_t src[4];		/* IPv4 header's source, when with_ip */
};

/*
 * Writes an echo request of KA_ECHO_LEN bytes into buf (cap at least
 * KA_ECHO_LEN): identifier id, sequence seq, data = sent_us (8 bytes,
 * big-endian), an 8-byte mark and a byte pattern.  family AF_INET gets the
 * RFC 792 checksum; AF_INET6 leaves it 0, for the kernel computes ICMPv6
 * checksums over its pseudo-header (RFC 4443 2.3) on every ICMPv6 socket.
 * Returns the length, or -EMSGSIZE / -EAFNOSUPPORT.
 */
int ka_echo_build(int family, uint16_t id, uint16_t seq, uint64_t sent_us,
    uint8_t *buf, size_t cap);

/*
 * Reads a received datagram.  with_ip: buf starts with the IPv4 header (a
 * raw IPv4 socket); otherwise with the ICMP header (raw ICMPv6 sockets and
 * every unprivileged ICMP socket).  Returns 0 and fills *out when it is an
 * echo reply carrying our data (mark and pattern intact, IPv4 checksum
 * right); -EBADMSG for anything else: requests (a raw socket sees its own
 * pings to a local address), errors, other programs' pings, truncation.
 * The caller still compares id (raw sockets) and the source address.
 */
int ka_echo_parse(int family, int with_ip, const uint8_t *buf, size_t len,
    struct ka_echo *out);

/* RFC 1071 Internet checksum of len bytes (as it is stored: network order). */
uint16_t ka_cksum(const uint8_t *buf, size_t len);

/*
 * One-shot ping schedule, ping's (iputils) rules:
 *   - one echo every interval_ms, the first at once;
 *   - count (0 = no limit): count replies end it at once; without a
 *     deadline, stop sending after count echoes and wait for the last
 *     replies: max(2 x the slowest round trip, interval) when a reply
 *     came, else linger_ms (ping -W, default 10 s); with a deadline, go
 *     on sending until count replies came back;
 *   - deadline_ms (0 = none, ping -w): stop then, whatever else, so
 *     `-c 60 -w 1` stops after 1 s with one or two echoes sent.
 * Exit status (ka_ping_status): 0 when at least one reply came back, 1 when
 * none did.  Unlike iputils, fewer than count replies by the deadline is
 * still 0: for a keepalive, one answer means the tunnel works.
 */
struct ka_ping {
	uint32_t count;
	uint64_t interval_ms;
	uint64_t deadline_ms;
	uint64_t linger_ms;
	/* state, relative to the start */
	uint32_t sent;
	uint32_t received;
	uint64_t next_send;	/* when the next echo is due */
	uint64_t end;		/* after the last echo: when to stop; 0 unset */
	uint64_t rtt_min_us, rtt_max_us, rtt_sum_us;
};

enum ka_ping_step {
	KA_PING_SEND = 1,	/* send echo number p->sent - 1 now */
	KA_PING_WAIT,		/* wait *wait_ms (or until a reply) */
	KA_PING_DONE,		/* stop; see ka_ping_status */
};

void ka_ping_init(struct ka_ping *p, uint32_t count, uint64_t interval_ms,
    uint64_t deadline_ms, uint64_t linger_ms);

/*
 * What to do at now_ms (since the start; never going back).  On
 * KA_PING_SEND the echo is counted as sent; call again after sending.
 */
int ka_ping_step(struct ka_ping *p, uint64_t now_ms, uint64_t *wait_ms);

/* A reply to one of our echoes came back with this round trip. */
void ka_ping_reply(struct ka_ping *p, uint64_t rtt_us);

/* 0: at least one reply; 1: none. */
int ka_ping_status(const struct ka_ping *p);

/*
 * Watch mode, one VPN: one echo per interval; a reply must come back
 * before the next echo leaves, or that echo is missed.  After fail_after
 * misses in a row the tunnel is down and ikd is asked to reset the VPN;
 * while it stays down, the next requests come after twice as many further
 * misses each time (3, 6 more, 12 more...), but never more than gap_max
 * misses apart, so a peer that is away for hours is not hammered and is
 * still picked up within about an hour of coming back.
 */
struct ka_watch {
	uint32_t fail_after;
	uint32_t gap_max;
	uint32_t missed;	/* in a row */
	uint32_t next_reset;	/* missed count of the next reset request */
	uint32_t gap;		/* misses between the last two requests */
	int state;		/* KA_STATE_* */
	int waiting;		/* an echo is out, unanswered */
	uint16_t seq;		/* of the last echo sent */
};

#define KA_STATE_UNKNOWN 0	/* no reply yet, fewer than fail_after misses */
#define KA_STATE_UP 1
#define KA_STATE_DOWN 2

/* Events, or'ed together. */
#define KA_EV_SEND 0x01		/* send echo *seq now */
#define KA_EV_DOWN 0x02		/* it stopped answering (fail_after misses) */
#define KA_EV_RESET 0x04	/* ask ikd to reset the VPN */
#define KA_EV_UP 0x08		/* first reply since the start */
#define KA_EV_UP_AGAIN 0x10	/* answering again after KA_EV_DOWN */

/* interval_s sizes gap_max to about an hour (at least fail_after). */
void ka_watch_init(struct ka_watch *w, uint32_t fail_after,
    uint32_t interval_s);

/* The interval elapsed (and at the start): returns events, *seq to send. */
unsigned ka_watch_tick(struct ka_watch *w, uint16_t *seq);

/* A reply came back for seq: returns events (0 for a late or stale one). */
unsigned ka_watch_reply(struct ka_watch *w, uint16_t seq);

/*
 * The flow check of a one-shot ping: which VPN of cfg has a flow with src
 * inside its local prefix and dst inside its remote one.  Returns that VPN,
 * or NULL; then *near is a VPN with src inside a flow's local prefix (the
 * VPN the user probably meant), or NULL when src is in none either.
 */
const struct cfg_vpn *ka_flow_find(const struct cfg *cfg,
    const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
    const struct cfg_vpn **near);

/* 1 when the address is inside the prefix (same family), else 0. */
int ka_in_prefix(const struct cfg_prefix *p,
    const struct sockaddr_storage *ss);

/*
 * Parses a duration in seconds with an optional fraction ("1", "0.2",
 * "1.5"; up to milliseconds) into milliseconds.  Returns 0 or -EINVAL
 * (empty, a sign, junk, more than 3 decimals, above max_ms).
 */
int ka_parse_ms(const char *s, uint64_t max_ms, uint64_t *out);

#endif
