/*
 * keepalive.c - keepalive-pinger's logic without I/O: echo messages, the
 * one-shot schedule, the watch state machine and the flow check.
 *
 * Kept apart from the sockets so that a test can show, with a virtual
 * clock, that `-c 60 -w 1` stops at the deadline and that a tunnel is
 * declared down after exactly fail_after misses (see keepalive.h).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "core/keepalive/keepalive.h"
#include "core/wire/rd.h"

/* Marks our echo data so that other programs' pings are not taken. */
static const uint8_t ka_mark[8] = { 'i', 'k', 'e', 'b', 'o', 'x', 'k', 'a' };

#define KA_PATTERN_OFF 16	/* sent_us (8), mark (8), then the pattern */

/* see keepalive.h */
uint16_t
ka_cksum(const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	/* RFC 1071: ones' complement sum of 16-bit words, odd byte padded. */
	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	}
	if (i < len) {
		sum += (uint32_t)buf[i] << 8;
	}
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

/* see keepalive.h */
int
ka_echo_build(int family, uint16_t id, uint16_t seq, uint64_t sent_us,
    uint8_t *buf, size_t cap)
{
	struct wr w;
	uint16_t ck;

	if (family != AF_INET && family != AF_INET6) {
		return -EAFNOSUPPORT;
	}
	if (cap < KA_ECHO_LEN) {
		return -EMSGSIZE;
	}
	/* RFC 792 Echo / RFC 4443 4.1: type, code, checksum, id, seq, data. */
	wr_init(&w, buf, cap);
	wr_u8(&w, family == AF_INET ? KA_ICMP_ECHO_REQUEST :
	    KA_ICMP6_ECHO_REQUEST);
	wr_u8(&w, 0);
	wr_u16(&w, 0);
	wr_u16(&w, id);
	wr_u16(&w, seq);
	wr_u32(&w, (uint32_t)(sent_us >> 32));
	wr_u32(&w, (uint32_t)sent_us);
	wr_bytes(&w, ka_mark, sizeof(ka_mark));
	for (size_t i = KA_PATTERN_OFF; i < KA_ECHO_DATA; i++) {
		wr_u8(&w, (uint8_t)i);
	}
	if (family == AF_INET) {
		ck = ka_cksum(buf, KA_ECHO_LEN);
		buf[2] = (uint8_t)(ck >> 8);
		buf[3] = (uint8_t)ck;
	}
	return KA_ECHO_LEN;
}

/* see keepalive.h */
int
ka_echo_parse(int family, int with_ip, const uint8_t *buf, size_t len,
    struct ka_echo *out)
{
	struct rd r, icmp;
	const uint8_t *data, *start;
	uint8_t type, code;
	uint32_t hi, lo;

	memset(out, 0, sizeof(*out));
	out->ttl = -1;
	rd_init(&r, buf, len);
	if (with_ip) {
		uint8_t vihl, ttl, proto;
		size_t ihl;

		if (family != AF_INET) {
			return -EBADMSG;
		}
		/* RFC 791 3.1: version/IHL, TOS, length, id, frag, TTL, proto,
		 * checksum, source, destination, options. */
		vihl = rd_u8(&r);
		ihl = (size_t)(vihl & 0x0f) * 4;
		if (vihl >> 4 != 4 || ihl < 20) {
			return -EBADMSG;
		}
		rd_skip(&r, 7);
		ttl = rd_u8(&r);
		proto = rd_u8(&r);
		rd_skip(&r, 2);
		rd_copy(&r, out->src, 4);
		rd_skip(&r, ihl - 16);
		if (rd_err(&r) || proto != IPPROTO_ICMP) {
			return -EBADMSG;
		}
		out->ttl = ttl;
	}
	start = rd_bytes(&r, 0);
	if (start == NULL || rd_sub(&r, &icmp, rd_left(&r)) != 0) {
		return -EBADMSG;
	}
	type = rd_u8(&icmp);
	code = rd_u8(&icmp);
	rd_skip(&icmp, 2);
	out->id = rd_u16(&icmp);
	out->seq = rd_u16(&icmp);
	hi = rd_u32(&icmp);
	lo = rd_u32(&icmp);
	data = rd_bytes(&icmp, KA_ECHO_DATA - 8);
	if (rd_err(&icmp) || data == NULL || code != 0 ||
	    type != (family == AF_INET ? KA_ICMP_ECHO_REPLY :
	    KA_ICMP6_ECHO_REPLY)) {
		return -EBADMSG;
	}
	if (memcmp(data, ka_mark, sizeof(ka_mark)) != 0) {
		return -EBADMSG;
	}
	for (size_t i = KA_PATTERN_OFF; i < KA_ECHO_DATA; i++) {
		if (data[i - 8] != (uint8_t)i) {
			return -EBADMSG;
		}
	}
	/* The kernel checks ICMPv6 checksums; IPv4 raw sockets do not. */
	if (family == AF_INET && ka_cksum(start, len - (size_t)(start - buf))
	    != 0) {
		return -EBADMSG;
	}
	out->sent_us = (uint64_t)hi << 32 | lo;
	return 0;
}

/* see keepalive.h */
void
ka_ping_init(struct ka_ping *p, uint32_t count, uint64_t interval_ms,
    uint64_t deadline_ms, uint64_t linger_ms)
{
	memset(p, 0, sizeof(*p));
	p->count = count;
	p->interval_ms = interval_ms;
	p->deadline_ms = deadline_ms;
	p->linger_ms = linger_ms;
	p->rtt_min_us = UINT64_MAX;
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* see keepalive.h */
int
ka_ping_step(struct ka_ping *p, uint64_t now_ms, uint64_t *wait_ms)
{
	uint64_t next;

	if (p->deadline_ms != 0 && now_ms >= p->deadline_ms) {
		return KA_PING_DONE;
	}
	if (p->count != 0 && p->received >= p->count) {
		return KA_PING_DONE;
	}
	if (p->end != 0 && now_ms >= p->end) {
		return KA_PING_DONE;
	}
	/* With a deadline, ping sends past count until count replies. */
	if ((p->count == 0 || p->sent < p->count || p->deadline_ms != 0) &&
	    now_ms >= p->next_send) {
		p->sent++;
		p->next_send = now_ms + p->interval_ms;
		if (p->count != 0 && p->sent >= p->count &&
		    p->deadline_ms == 0) {
			uint64_t w = p->linger_ms;

			if (p->received > 0) {
				w = 2 * ((p->rtt_max_us + 999) / 1000);
				if (w < p->interval_ms) {
					w = p->interval_ms;
				}
			}
			p->end = now_ms + (w ? w : 1);
		}
		return KA_PING_SEND;
	}
	next = UINT64_MAX;
	if (p->end != 0) {
		next = p->end;
	} else {
		next = p->next_send;
	}
	if (p->deadline_ms != 0) {
		next = min_u64(next, p->deadline_ms);
	}
	*wait_ms = next - now_ms;
	return KA_PING_WAIT;
}

/* see keepalive.h */
void
ka_ping_reply(struct ka_ping *p, uint64_t rtt_us)
{
	p->received++;
	p->rtt_sum_us += rtt_us;
	if (rtt_us < p->rtt_min_us) {
		p->rtt_min_us = rtt_us;
	}
	if (rtt_us > p->rtt_max_us) {
		p->rtt_max_us = rtt_us;
	}
}

/* see keepalive.h */
int
ka_ping_status(const struct ka_ping *p)
{
	return p->received > 0 ? 0 : 1;
}

/* see keepalive.h */
void
ka_watch_init(struct ka_watch *w, uint32_t fail_after, uint32_t interval_s)
{
	memset(w, 0, sizeof(*w));
	w->fail_after = fail_after ? fail_after : 1;
	w->gap_max = 3600 / (interval_s ? interval_s : 1);
	if (w->gap_max < w->fail_after) {
		w->gap_max = w->fail_after;
	}
	w->next_reset = w->fail_after;
	w->gap = w->fail_after;
	w->state = KA_STATE_UNKNOWN;
}

/* see keepalive.h */
unsigned
ka_watch_tick(struct ka_watch *w, uint16_t *seq)
{
	unsigned ev = KA_EV_SEND;

	if (w->waiting) {
		w->missed++;
		if (w->missed == w->fail_after) {
			w->state = KA_STATE_DOWN;
			ev |= KA_EV_DOWN;
		}
		if (w->missed == w->next_reset) {
			ev |= KA_EV_RESET;
			/* Double the wait before the next request, capped. */
			w->gap = w->gap > w->gap_max / 2 ? w->gap_max :
			    w->gap * 2;
			w->next_reset = w->missed + w->gap;
		}
	}
	w->seq++;
	w->waiting = 1;
	*seq = w->seq;
	return ev;
}

/* see keepalive.h */
unsigned
ka_watch_reply(struct ka_watch *w, uint16_t seq)
{
	unsigned ev = 0;

	if (!w->waiting || seq != w->seq) {
		return 0;
	}
	if (w->state == KA_STATE_UNKNOWN) {
		ev = KA_EV_UP;
	} else if (w->state == KA_STATE_DOWN) {
		ev = KA_EV_UP_AGAIN;
	}
	w->state = KA_STATE_UP;
	w->waiting = 0;
	w->missed = 0;
	w->next_reset = w->fail_after;
	w->gap = w->fail_after;
	return ev;
}

/* see keepalive.h */
int
ka_in_prefix(const struct cfg_prefix *p, const struct sockaddr_storage *ss)
{
	const uint8_t *a;
	unsigned full, rest;

	if (ss->ss_family != p->family) {
		return 0;
	}
	if (ss->ss_family == AF_INET) {
		a = (const uint8_t *)
		    &((const struct sockaddr_in *)ss)->sin_addr;
	} else if (ss->ss_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	} else {
		return 0;
	}
	full = p->plen / 8;
	rest = p->plen % 8;
	if (memcmp(a, p->addr, full) != 0) {
		return 0;
	}
	if (rest != 0 && ((a[full] ^ p->addr[full]) &
	    (uint8_t)(0xff << (8 - rest))) != 0) {
		return 0;
	}
	return 1;
}

/* see keepalive.h */
const struct cfg_vpn *
ka_flow_find(const struct cfg *cfg, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, const struct cfg_vpn **near)
{
	*near = NULL;
	for (size_t i = 0; i < cfg->n_vpns; i++) {
		const struct cfg_vpn *v = &cfg->vpns[i];

		for (size_t j = 0; j < v->n_flows; j++) {
			if (!ka_in_prefix(&v->flows[j].local, src)) {
				continue;
			}
			if (ka_in_prefix(&v->flows[j].remote, dst)) {
				*near = NULL;
				return v;
			}
			if (*near == NULL) {
				*near = v;
			}
		}
	}
	return NULL;
}

/* see keepalive.h */
int
ka_parse_ms(const char *s, uint64_t max_ms, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0, decimals = -1;

	for (; *s != '\0'; s++) {
		if (*s == '.' && decimals < 0) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9') {
			return -EINVAL;
		}
		if (decimals >= 3) {
			return -EINVAL;
		}
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max_ms * 1000) {
			return -EINVAL;
		}
		digits++;
		if (decimals >= 0) {
			decimals++;
		}
	}
	if (digits == 0) {
		return -EINVAL;
	}
	for (int d = decimals < 0 ? 0 : decimals; d < 3; d++) {
		v *= 10;
	}
	if (v > max_ms) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}
