/*
 * kbe.c - what every kernel backend shares: lookup by name, the error line,
 * soft-lifetime jitter, address formatting (see kbe.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/cfg/cfg.h"
#include "net/kbe.h"
#include "net/kbe_xfrm.h"

extern const struct kbe_ops kbe_null_ops;
extern const struct kbe_ops kbe_pfkey_ops;
extern const struct kbe_ops kbe_xfrm_ops;

static const struct kbe_ops *const kbe_all[] = {
	&kbe_pfkey_ops,
	&kbe_xfrm_ops,
	&kbe_null_ops,
};

/* see kbe.h */
int
kbe_auto_backend(void)
{
	return kbe_xfrm_available() ? CFG_BACKEND_XFRM : CFG_BACKEND_PFKEY;
}

/* see kbe.h */
const struct kbe_ops *
kbe_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kbe_all) / sizeof(kbe_all[0]); i++) {
		if (strcmp(kbe_all[i]->name, name) == 0) {
			return kbe_all[i];
		}
	}
	return NULL;
}

/* see kbe.h */
int
kbe_open(const char *name, struct kbe **out, char *err, size_t errlen)
{
	const struct kbe_ops *ops = kbe_find(name);

	if (ops == NULL) {
		snprintf(err, errlen, "unknown kernel backend '%s' "
		    "(known: pfkey, xfrm, null)", name);
		return -ENOENT;
	}
	return ops->open(out, err, errlen);
}

/* see kbe.h */
const char *
kbe_error(const struct kbe *k)
{
	return k->err;
}

/* see kbe.h */
void
kbe_set_event_cb(struct kbe *k, kbe_event_cb *cb, void *arg)
{
	k->event_cb = cb;
	k->event_arg = arg;
}

/* see kbe.h */
void
kbe_set_error(struct kbe *k, const char *vpn, const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;

	if (vpn != NULL && vpn[0] != '\0') {
		snprintf(k->err, sizeof(k->err), "vpn %s: ", vpn);
		n = strlen(k->err);
	}
	va_start(ap, fmt);
	vsnprintf(k->err + n, sizeof(k->err) - n, fmt, ap);
	va_end(ap);
}

/* see kbe.h */
uint64_t
kbe_soft_limit(uint64_t soft, uint64_t hard, uint32_t rnd)
{
	if (soft != 0 || hard == 0) {
		return soft;
	}
	/* Divide first for huge byte limits, so that nothing overflows. */
	if (hard > UINT64_MAX / 100) {
		return hard / 100 * (85 + rnd % 11);
	}
	return hard * (85 + rnd % 11) / 100;
}

/* see kbe.h */
uint32_t
kbe_random(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r)) {
		return r;
	}
	/* Jitter only, not a secret: the clock is good enough early at boot. */
	return (uint32_t)time(NULL) ^ (uint32_t)getpid() * 2654435761u;
}

/* see kbe.h */
const char *
kbe_addr_str(const struct kern_addr *a, char *buf, size_t len)
{
	int af;

	switch (a->family) {
	case KERN_AF_INET:
		af = AF_INET;
		break;
	case KERN_AF_INET6:
		af = AF_INET6;
		break;
	default:
		snprintf(buf, len, "-");
		return buf;
	}
	if (inet_ntop(af, a->addr, buf, len) == NULL) {
		snprintf(buf, len, "?");
	}
	return buf;
}

/* see kbe.h */
int
kbe_addr_parse(struct kern_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = KERN_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = KERN_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* see kbe.h */
int
kbe_prefix_parse(struct kern_prefix *p, const char *s)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	char *end;

	memset(p, 0, sizeof(*p));
	if (n >= sizeof(buf)) {
		return -EINVAL;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (kbe_addr_parse(&p->addr, buf) != 0) {
		return -EINVAL;
	}
	unsigned max = p->addr.family == KERN_AF_INET ? 32 : 128;
	if (slash == NULL) {
		p->plen = (uint8_t)max;
		return 0;
	}
	errno = 0;
	plen = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || errno != 0 || plen > max) {
		return -EINVAL;
	}
	p->plen = (uint8_t)plen;
	return 0;
}

/* see kbe.h */
const char *
kbe_dir_name(int dir)
{
	switch (dir) {
	case KERN_DIR_IN:
		return "in";
	case KERN_DIR_OUT:
		return "out";
	case KERN_DIR_FWD:
		return "fwd";
	default:
		return "?";
	}
}

/* see kbe.h */
int
kbe_reqid_own(uint32_t reqid)
{
	return reqid >= KBE_REQID_MIN && reqid <= KBE_REQID_MAX;
}

static void
kaddr_of(struct kern_addr *k, const struct ike_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->family = a->af == 6 ? KERN_AF_INET6 : KERN_AF_INET;
	memcpy(k->addr, a->ip, sizeof(k->addr));
}

/* see kbe.h */
int
kbe_child_counters_mark(struct kbe *k, const struct ike_sa_info *info,
    struct ike_child_info *children, uint32_t mark)
{
	int failed = 0;

	for (int i = 0; i < info->n_children; i++) {
		struct ike_child_info *c = &children[i];
		struct kbe_sa_stats st;
		struct kern_sa sa;

		for (int dir = 0; dir < 2; dir++) {
			uint64_t *bytes = dir ? &c->bytes_out : &c->bytes_in;

			/* Only the SA's identity matters to sa_stats(). */
			memset(&sa, 0, sizeof(sa));
			sa.dir = dir ? KERN_DIR_OUT : KERN_DIR_IN;
			sa.proto = KERN_PROTO_ESP;
			sa.mode = KERN_MODE_TUNNEL;
			kaddr_of(&sa.src, dir ? &info->local : &info->peer);
			kaddr_of(&sa.dst, dir ? &info->peer : &info->local);
			sa.spi = dir ? c->spi_out : c->spi_in;
			sa.mark = mark;
			snprintf(sa.vpn, sizeof(sa.vpn), "%s",
			    info->vpn ? info->vpn : "");
			*bytes = 0;
			if (sa.spi == 0 || k->ops->sa_stats == NULL ||
			    k->ops->sa_stats(k, &sa, &st) != 0) {
				failed++;
				continue;
			}
			*bytes = st.bytes;
		}
	}
	return failed;
}

/* see kbe.h */
int
kbe_child_counters(struct kbe *k, const struct ike_sa_info *info,
    struct ike_child_info *children)
{
	return kbe_child_counters_mark(k, info, children, 0);
}
