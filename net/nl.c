/*
 * nl.c - netlink messages over buffers (see nl.h).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <string.h>

#include "net/nl.h"

/* see nl.h */
void *
nl_init(struct nl_build *m, uint8_t *buf, size_t cap, uint16_t type,
    uint16_t flags, size_t hlen, uint32_t seq, uint32_t pid)
{
	struct nlmsghdr nh;

	m->buf = buf;
	m->cap = cap;
	m->err = 0;
	m->len = NLMSG_HDRLEN + NL_ALIGN(hlen);
	if (m->len > cap) {
		m->err = -ENOSPC;
		return NULL;
	}
	memset(buf, 0, m->len);
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = type;
	nh.nlmsg_flags = flags;
	nh.nlmsg_seq = seq;
	nh.nlmsg_pid = pid;
	memcpy(buf, &nh, sizeof(nh));
	return buf + NLMSG_HDRLEN;
}

/* see nl.h */
void *
nl_attr(struct nl_build *m, uint16_t type, size_t len)
{
	struct nlattr a;
	size_t tot = NL_ALIGN(NLA_HDRLEN + len);
	uint8_t *p;

	if (m->err != 0 || m->len + tot > m->cap || NLA_HDRLEN + len > 0xffff) {
		m->err = m->err ? m->err : -ENOSPC;
		return NULL;
	}
	p = m->buf + m->len;
	memset(p, 0, tot);
	a.nla_len = (uint16_t)(NLA_HDRLEN + len);
	a.nla_type = type;
	memcpy(p, &a, sizeof(a));
	m->len += tot;
	return p + NLA_HDRLEN;
}

/* see nl.h */
size_t
nl_nest_begin(struct nl_build *m, uint16_t type)
{
	size_t off = m->len;

	(void)nl_attr(m, type | NLA_F_NESTED, 0);
	return off;
}

/* see nl.h */
void
nl_nest_end(struct nl_build *m, size_t off)
{
	uint16_t l = (uint16_t)(m->len - off);

	if (m->err == 0 && m->len - off <= 0xffff) {
		memcpy(m->buf + off + offsetof(struct nlattr, nla_len), &l,
		    sizeof(l));
	}
}

/* see nl.h */
int
nl_done(struct nl_build *m)
{
	uint32_t l = (uint32_t)m->len;

	if (m->err != 0) {
		return m->err;
	}
	memcpy(m->buf + offsetof(struct nlmsghdr, nlmsg_len), &l, sizeof(l));
	return (int)m->len;
}

/* see nl.h */
int
nl_attr_find(const uint8_t *p, size_t n, uint16_t type, const uint8_t **val,
    size_t *len)
{
	size_t off = 0;

	while (off + NLA_HDRLEN <= n) {
		struct nlattr a;

		memcpy(&a, p + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > n - off) {
			return -EBADMSG;
		}
		if ((a.nla_type & NLA_TYPE_MASK) == type) {
			*val = p + off + NLA_HDRLEN;
			*len = a.nla_len - NLA_HDRLEN;
			return 0;
		}
		off += NL_ALIGN(a.nla_len);
	}
	return -ENOENT;
}
