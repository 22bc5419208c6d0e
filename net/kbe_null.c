/*
 * kbe_null.c - the "null" kernel backend: SAs and policies are kept in
 * memory only.  It serves tests and dry runs on machines without IPsec
 * (backend = null in ikd.conf), and behaves like a kernel where a daemon
 * could tell the difference: duplicate SPIs and policies are refused
 * (-EEXIST), deleting what is not there fails (-ESRCH / -ENOENT), an SPI
 * from spi_alloc() waits for sa_update(), and keys must match the
 * algorithm's key size.  Counters stay at zero: no packet ever flows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_map.h"
#include "crypto/alg.h"
#include "net/kbe.h"

struct null_sa {
	struct kern_sa sa;
	int larval;		/* SPI reserved, SA not installed yet */
	struct kbe_sa_stats st;	/* what kbe_null_charge() added */
};

struct kbe_null {
	struct kbe kbe;		/* first: the common head */
	struct null_sa *sas;
	size_t n_sa, cap_sa;
	struct kern_policy *pols;
	size_t n_pol, cap_pol;
	/* SAs and policies by what identifies them, values 1 + index: a
	 * daemon holding 100,000 SAs does not search them one by one */
	struct ike_map sa_ix, pol_ix;
	uint32_t next_policy_id;
};

static char *
spi_what(const struct kern_sa *sa, char *buf, size_t len)
{
	char s[64], d[64];

	snprintf(buf, len, "SA spi 0x%08x %s -> %s", sa->spi,
	    kbe_addr_str(&sa->src, s, sizeof(s)),
	    kbe_addr_str(&sa->dst, d, sizeof(d)));
	return buf;
}

static int
addr_eq(const struct kern_addr *a, const struct kern_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

/* What identifies an SA: SPI, protocol, destination (RFC 4301 4.1). */
static uint64_t
sa_key(const struct kern_sa *sa)
{
	uint8_t b[4 + 1 + 1 + 16];

	memcpy(b, &sa->spi, 4);
	b[4] = (uint8_t)sa->proto;
	b[5] = (uint8_t)sa->dst.family;
	memcpy(b + 6, sa->dst.addr, 16);
	return ike_map_key(b, sizeof(b), 0);
}

static uint64_t
pol_key(const struct kern_policy *p)
{
	uint8_t b[4 + 32];

	b[0] = (uint8_t)p->dir;
	b[1] = (uint8_t)p->proto;
	b[2] = p->src.plen;
	b[3] = p->dst.plen;
	memcpy(b + 4, p->src.addr.addr, 16);
	memcpy(b + 20, p->dst.addr.addr, 16);
	return ike_map_key(b, sizeof(b), p->src.addr.family);
}

static void *
ix_val(size_t i)
{
	return (void *)(uintptr_t)(i + 1);
}

/*
 * Removes entry i of an array of n (its key ki) by moving the last one
 * (key klast) into its place, and keeps the index right.
 */
static void
ix_remove(struct ike_map *m, size_t i, size_t n, uint64_t ki, uint64_t klast)
{
	(void)ike_map_del(m, ki, ix_val(i));
	if (i + 1 < n) {
		(void)ike_map_del(m, klast, ix_val(n - 1));
		/* the entry just freed is reused: no allocation, no error */
		(void)ike_map_put(m, klast, ix_val(i));
	}
}

/* Both indexes anew (after a flush moved everything). */
static int
ix_rebuild(struct kbe_null *n)
{
	int rc = 0;

	ike_map_free(&n->sa_ix);
	ike_map_free(&n->pol_ix);
	for (size_t i = 0; i < n->n_sa && rc == 0; i++) {
		rc = ike_map_put(&n->sa_ix, sa_key(&n->sas[i].sa), ix_val(i));
	}
	for (size_t i = 0; i < n->n_pol && rc == 0; i++) {
		rc = ike_map_put(&n->pol_ix, pol_key(&n->pols[i]), ix_val(i));
	}
	return rc;
}

static int
null_open(struct kbe **out, char *err, size_t errlen)
{
	extern const struct kbe_ops kbe_null_ops;
	struct kbe_null *n = calloc(1, sizeof(*n));

	if (n == NULL) {
		snprintf(err, errlen, "null backend: out of memory");
		return -ENOMEM;
	}
	n->kbe.ops = &kbe_null_ops;
	n->next_policy_id = 8;
	*out = &n->kbe;
	return 0;
}

static void
null_close(struct kbe *k)
{
	struct kbe_null *n = (struct kbe_null *)k;

	if (n == NULL) {
		return;
	}
	/* Keys are secrets: wipe them before the memory goes back. */
	if (n->sas != NULL) {
		memset(n->sas, 0, n->cap_sa * sizeof(*n->sas));
	}
	free(n->sas);
	free(n->pols);
	ike_map_free(&n->sa_ix);
	ike_map_free(&n->pol_ix);
	free(n);
}

static struct null_sa *
find_sa(struct kbe_null *n, const struct kern_sa *sa)
{
	uint64_t key = sa_key(sa);
	uint32_t it;

	for (void *v = ike_map_first(&n->sa_ix, key, &it); v;
	    v = ike_map_next(&n->sa_ix, key, &it)) {
		struct null_sa *e = &n->sas[(uintptr_t)v - 1];

		if (e->sa.spi == sa->spi && e->sa.proto == sa->proto &&
		    addr_eq(&e->sa.dst, &sa->dst)) {
			return e;
		}
	}
	return NULL;
}


static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *np;

	if (n < *cap) {
		return 0;
	}
	ncap = *cap ? *cap * 2 : 8;
	np = calloc(ncap, size);
	if (np == NULL) {
		return -ENOMEM;
	}
	if (*p != NULL) {
		memcpy(np, *p, *cap * size);
		/* The old block may hold keys. */
		memset(*p, 0, *cap * size);
		free(*p);
	}
	*p = np;
	*cap = ncap;
	return 0;
}

/*
 * What a kernel would refuse: checked before anything is stored.  The
 * SA's description is made only for an error (this runs for every SA
 * installed, thousands in `make bench`).
 */
static int
check_sa(struct kbe_null *n, const struct kern_sa *sa, const char *op)
{
	char what[160], why[120];
	int rc = -EINVAL;

	if (sa->src.family == 0 || sa->src.family != sa->dst.family) {
		snprintf(why, sizeof(why), "address families differ or are "
		    "unset");
	} else if (sa->proto != KERN_PROTO_ESP ||
	    sa->mode != KERN_MODE_TUNNEL) {
		snprintf(why, sizeof(why), "only ESP in tunnel mode is "
		    "supported");
		rc = -EPROTONOSUPPORT;
	} else if (sa->spi < 256) {
		/* RFC 4303 2.1: SPIs 1-255 are reserved by IANA, 0 is local
		 * use. */
		snprintf(why, sizeof(why), "reserved SPI");
	} else if (sa->encr == NULL ||
	    sa->encr_key_len != sa->encr->key_len) {
		snprintf(why, sizeof(why), "encryption key of %u bytes, %s "
		    "needs %u", sa->encr_key_len,
		    sa->encr ? sa->encr->name : "(none)",
		    sa->encr ? sa->encr->key_len : 0);
	} else if ((sa->encr->flags & CR_F_AEAD) == 0 && (sa->integ == NULL ||
	    sa->integ_key_len != sa->integ->key_len)) {
		snprintf(why, sizeof(why), "integrity key of %u bytes, %s "
		    "needs %u", sa->integ_key_len,
		    sa->integ ? sa->integ->name : "(none)",
		    sa->integ ? sa->integ->key_len : 0);
	} else {
		return 0;
	}
	kbe_set_error(&n->kbe, sa->vpn, "%s %s: %s", op,
	    spi_what(sa, what, sizeof(what)), why);
	return rc;
}

static int
null_spi_alloc(struct kbe *k, const struct kern_sa *sa, uint32_t *spi)
{
	struct kbe_null *n = (struct kbe_null *)k;
	struct kern_sa probe = *sa;
	struct null_sa *e;

	if (grow((void **)&n->sas, &n->cap_sa, n->n_sa, sizeof(*n->sas))) {
		kbe_set_error(k, sa->vpn, "get SPI: out of memory");
		return -ENOMEM;
	}
	/* The range the pfkey backend asks the kernel for. */
	do {
		probe.spi = KBE_SPI_MIN +
		    kbe_random() % (KBE_SPI_MAX - KBE_SPI_MIN + 1);
	} while (find_sa(n, &probe) != NULL);
	if (ike_map_put(&n->sa_ix, sa_key(&probe), ix_val(n->n_sa)) != 0) {
		kbe_set_error(k, sa->vpn, "get SPI: out of memory");
		return -ENOMEM;
	}
	e = &n->sas[n->n_sa++];
	memset(e, 0, sizeof(*e));
	e->sa.src = sa->src;
	e->sa.dst = sa->dst;
	e->sa.proto = sa->proto;
	e->sa.mode = sa->mode;
	e->sa.reqid = sa->reqid;
	e->sa.spi = probe.spi;
	e->larval = 1;
	*spi = probe.spi;
	return 0;
}

static int
null_sa_add(struct kbe *k, const struct kern_sa *sa)
{
	struct kbe_null *n = (struct kbe_null *)k;
	char what[160];
	int rc;

	if ((rc = check_sa(n, sa, "add")) != 0) {
		return rc;
	}
	if (find_sa(n, sa) != NULL) {
		kbe_set_error(k, sa->vpn, "add %s: already exists",
		    spi_what(sa, what, sizeof(what)));
		return -EEXIST;
	}
	if (grow((void **)&n->sas, &n->cap_sa, n->n_sa, sizeof(*n->sas))) {
		kbe_set_error(k, sa->vpn, "add SA: out of memory");
		return -ENOMEM;
	}
	if (ike_map_put(&n->sa_ix, sa_key(sa), ix_val(n->n_sa)) != 0) {
		kbe_set_error(k, sa->vpn, "add SA: out of memory");
		return -ENOMEM;
	}
	n->sas[n->n_sa].sa = *sa;
	n->sas[n->n_sa].larval = 0;
	n->n_sa++;
	return 0;
}

static int
null_sa_update(struct kbe *k, const struct kern_sa *sa)
{
	struct kbe_null *n = (struct kbe_null *)k;
	struct null_sa *e;
	char what[160];
	int rc;

	if ((rc = check_sa(n, sa, "update")) != 0) {
		return rc;
	}
	if ((e = find_sa(n, sa)) == NULL) {
		kbe_set_error(k, sa->vpn, "update %s: no such SA (SPI not "
		    "allocated)", spi_what(sa, what, sizeof(what)));
		return -ESRCH;
	}
	e->sa = *sa;
	e->larval = 0;
	return 0;
}

static int
null_sa_del(struct kbe *k, const struct kern_sa *sa)
{
	struct kbe_null *n = (struct kbe_null *)k;
	struct null_sa *e;
	char what[160];

	if ((e = find_sa(n, sa)) == NULL) {
		kbe_set_error(k, sa->vpn, "delete %s: no such SA",
		    spi_what(sa, what, sizeof(what)));
		return -ESRCH;
	}
	ix_remove(&n->sa_ix, (size_t)(e - n->sas), n->n_sa, sa_key(&e->sa),
	    sa_key(&n->sas[n->n_sa - 1].sa));
	*e = n->sas[--n->n_sa];
	memset(&n->sas[n->n_sa], 0, sizeof(n->sas[n->n_sa]));
	return 0;
}

static int
null_sa_stats(struct kbe *k, const struct kern_sa *sa, struct kbe_sa_stats *st)
{
	struct kbe_null *n = (struct kbe_null *)k;
	struct null_sa *e = find_sa(n, sa);
	char what[160];

	if (e == NULL) {
		kbe_set_error(k, sa->vpn, "stats of %s: no such SA",
		    spi_what(sa, what, sizeof(what)));
		return -ESRCH;
	}
	*st = e->st;
	return 0;
}

static int
pol_same(const struct kern_policy *a, const struct kern_policy *b)
{
	return a->dir == b->dir && a->proto == b->proto &&
	    a->src.plen == b->src.plen && a->dst.plen == b->dst.plen &&
	    addr_eq(&a->src.addr, &b->src.addr) &&
	    addr_eq(&a->dst.addr, &b->dst.addr);
}

/* The index of the policy equal to p, or -1. */
static long
find_pol(struct kbe_null *n, const struct kern_policy *p)
{
	uint64_t key = pol_key(p);
	uint32_t it;

	for (void *v = ike_map_first(&n->pol_ix, key, &it); v;
	    v = ike_map_next(&n->pol_ix, key, &it)) {
		if (pol_same(&n->pols[(uintptr_t)v - 1], p)) {
			return (long)(uintptr_t)v - 1;
		}
	}
	return -1;
}

static char *
pol_what(const struct kern_policy *p, char *buf, size_t len)
{
	char s[64], d[64];

	snprintf(buf, len, "policy %s %s/%u -> %s/%u", kbe_dir_name(p->dir),
	    kbe_addr_str(&p->src.addr, s, sizeof(s)), p->src.plen,
	    kbe_addr_str(&p->dst.addr, d, sizeof(d)), p->dst.plen);
	return buf;
}

static int
null_policy_add(struct kbe *k, const struct kern_policy *p)
{
	struct kbe_null *n = (struct kbe_null *)k;
	char what[200];

	if (p->dir < KERN_DIR_IN || p->dir > KERN_DIR_FWD ||
	    p->src.addr.family == 0 ||
	    p->src.addr.family != p->dst.addr.family) {
		kbe_set_error(k, p->vpn, "add %s: bad direction or addresses",
		    pol_what(p, what, sizeof(what)));
		return -EINVAL;
	}
	if (find_pol(n, p) >= 0) {
		kbe_set_error(k, p->vpn, "add %s: already exists",
		    pol_what(p, what, sizeof(what)));
		return -EEXIST;
	}
	if (grow((void **)&n->pols, &n->cap_pol, n->n_pol, sizeof(*p)) ||
	    ike_map_put(&n->pol_ix, pol_key(p), ix_val(n->n_pol)) != 0) {
		kbe_set_error(k, p->vpn, "add policy: out of memory");
		return -ENOMEM;
	}
	n->pols[n->n_pol++] = *p;
	return 0;
}

static int
null_policy_del(struct kbe *k, const struct kern_policy *p)
{
	struct kbe_null *n = (struct kbe_null *)k;
	long i = find_pol(n, p);
	char what[200];

	if (i >= 0) {
		ix_remove(&n->pol_ix, (size_t)i, n->n_pol, pol_key(p),
		    pol_key(&n->pols[n->n_pol - 1]));
		n->pols[i] = n->pols[--n->n_pol];
		return 0;
	}
	kbe_set_error(k, p->vpn, "delete %s: no such policy",
	    pol_what(p, what, sizeof(what)));
	return -ENOENT;
}

static int
null_dump(struct kbe *k, kbe_dump_cb *cb, void *arg)
{
	struct kbe_null *n = (struct kbe_null *)k;
	int rc;

	for (size_t i = 0; i < n->n_pol; i++) {
		struct kbe_dump_ent e = { 0 };

		e.policy = &n->pols[i];
		e.policy_id = (uint32_t)(i + 1);
		e.action = "require";
		e.own = kbe_reqid_own(n->pols[i].reqid);
		if ((rc = cb(arg, &e)) != 0) {
			return rc;
		}
	}
	for (size_t i = 0; i < n->n_sa; i++) {
		struct kbe_dump_ent e = { 0 };

		if (n->sas[i].larval) {
			continue;
		}
		e.sa = &n->sas[i].sa;
		e.stats = &n->sas[i].st;
		e.encr_name = e.sa->encr ? e.sa->encr->name : "none";
		e.integ_name = e.sa->integ ? e.sa->integ->name : "none";
		e.own = kbe_reqid_own(e.sa->reqid);
		if ((rc = cb(arg, &e)) != 0) {
			return rc;
		}
	}
	return 0;
}

static int
null_flush_own(struct kbe *k)
{
	struct kbe_null *n = (struct kbe_null *)k;
	size_t j = 0;

	for (size_t i = 0; i < n->n_pol; i++) {
		if (!kbe_reqid_own(n->pols[i].reqid)) {
			n->pols[j++] = n->pols[i];
		}
	}
	n->n_pol = j;
	j = 0;
	for (size_t i = 0; i < n->n_sa; i++) {
		if (!kbe_reqid_own(n->sas[i].sa.reqid)) {
			n->sas[j++] = n->sas[i];
		}
	}
	for (size_t i = j; i < n->n_sa; i++) {
		memset(&n->sas[i], 0, sizeof(n->sas[i]));
	}
	n->n_sa = j;
	return ix_rebuild(n);
}

static int
null_events_fd(struct kbe *k)
{
	return -1;
}

static int
null_events_read(struct kbe *k)
{
	return 0;
}

/* see kbe.h */
int
kbe_null_charge(struct kbe *k, const struct kern_sa *sa, uint64_t bytes,
    uint64_t packets)
{
	struct kbe_null *n = (struct kbe_null *)k;
	struct null_sa *e;
	extern const struct kbe_ops kbe_null_ops;

	if (k->ops != &kbe_null_ops) {
		return -EINVAL;
	}
	if ((e = find_sa(n, sa)) == NULL || e->larval) {
		return -ESRCH;
	}
	e->st.bytes += bytes;
	e->st.packets += packets;
	return 0;
}

/* see kbe.h */
int
kbe_null_count(struct kbe *k, int *n_sa, int *n_policy)
{
	struct kbe_null *n = (struct kbe_null *)k;
	extern const struct kbe_ops kbe_null_ops;

	if (k->ops != &kbe_null_ops) {
		return -EINVAL;
	}
	*n_sa = 0;
	for (size_t i = 0; i < n->n_sa; i++) {
		*n_sa += !n->sas[i].larval;
	}
	*n_policy = (int)n->n_pol;
	return 0;
}

const struct kbe_ops kbe_null_ops = {
	.name = "null",
	.open = null_open,
	.close = null_close,
	.spi_alloc = null_spi_alloc,
	.sa_add = null_sa_add,
	.sa_update = null_sa_update,
	.sa_del = null_sa_del,
	.sa_stats = null_sa_stats,
	.policy_add = null_policy_add,
	.policy_del = null_policy_del,
	.dump = null_dump,
	.flush_own = null_flush_own,
	.events_fd = null_events_fd,
	.events_read = null_events_read,
};
