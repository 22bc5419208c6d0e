/*
 * test_kbe_null.c - the null kernel backend (net/kbe_null.c): its in-memory
 * SAs and policies (what a dry run shows), the errors a daemon would log,
 * SPI allocation, and flush of only our own entries.
 */
#include <errno.h>
#include <stdint.h>

#include "net/kbe.h"
#include "t/harness/kbe_gw1.h"
#include "t/harness/t.h"

T_CASE(kbe_null, add_dump_delete)
{
	struct kbe *k = t_kbe_null();
	struct kern_sa sa;
	struct kern_policy p;
	int n_sa = -1, n_pol = -1;

	t_kbe_gw1(k);
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 2);
	T_EQ_INT(n_pol, 3);

	t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0xc1a2b3c4, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), -EEXIST);
	T_EQ_STR(kbe_error(k), "vpn nom_vpn: add SA spi 0xc1a2b3c4 "
	    "192.0.2.254 -> 198.51.100.254: already exists");
	T_EQ_INT(k->ops->sa_del(k, &sa), 0);
	T_EQ_INT(k->ops->sa_del(k, &sa), -ESRCH);
	T_EQ_STR(kbe_error(k), "vpn nom_vpn: delete SA spi 0xc1a2b3c4 "
	    "192.0.2.254 -> 198.51.100.254: no such SA");

	t_kern_policy(&p, KERN_DIR_FWD, "203.0.113.128/25", "203.0.113.0/25",
	    "198.51.100.254", "192.0.2.254", 0x2001);
	T_EQ_INT(k->ops->policy_add(k, &p), -EEXIST);
	T_EQ_INT(k->ops->policy_del(k, &p), 0);
	T_EQ_INT(k->ops->policy_del(k, &p), -ENOENT);
	T_EQ_STR(kbe_error(k), "vpn nom_vpn: delete policy fwd "
	    "203.0.113.128/25 -> 203.0.113.0/25: no such policy");
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 1);
	T_EQ_INT(n_pol, 2);
	k->ops->close(k);
}

/* What the kernel would refuse, the null backend refuses too. */
T_CASE(kbe_null, refuses)
{
	struct kbe *k = t_kbe_null();
	struct kern_sa sa;

	T_ROW("short encryption key");
	t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0xc1a2b3c4, 0x2001);
	sa.encr_key_len = 16;
	T_EQ_INT(k->ops->sa_add(k, &sa), -EINVAL);
	T_CONTAINS(kbe_error(k), "vpn nom_vpn: add SA spi 0xc1a2b3c4 "
	    "192.0.2.254 -> 198.51.100.254: encryption key of 16 bytes, "
	    "aes-256 needs 32");
	T_ROW("missing integrity");
	t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0xc1a2b3c4, 0x2001);
	sa.integ = NULL;
	T_EQ_INT(k->ops->sa_add(k, &sa), -EINVAL);
	T_CONTAINS(kbe_error(k), "integrity key of 20 bytes, (none) needs 0");
	T_ROW("reserved SPI (RFC 4303 2.1)");
	t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 255, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), -EINVAL);
	T_CONTAINS(kbe_error(k), "reserved SPI");
	T_ROW("mixed families");
	t_kern_sa(&sa, "192.0.2.254", "2001:db8::1", 0xc1a2b3c4, 0x2001);
	T_EQ_INT(k->ops->sa_add(k, &sa), -EINVAL);
	T_ROW("policy without a direction");
	{
		struct kern_policy p;

		t_kern_policy(&p, 0, "203.0.113.0/25", "203.0.113.128/25",
		    "192.0.2.254", "198.51.100.254", 0x2001);
		T_EQ_INT(k->ops->policy_add(k, &p), -EINVAL);
	}
	k->ops->close(k);
}

T_CASE(kbe_null, spi_alloc_then_update)
{
	struct kbe *k = t_kbe_null();
	struct kern_sa sa;
	uint32_t spis[64];
	int n_sa, n_pol, distinct = 1;

	t_kern_sa(&sa, "198.51.100.254", "192.0.2.254", 0, 0x2001);
	for (int i = 0; i < 64; i++) {
		T_EQ_INT(k->ops->spi_alloc(k, &sa, &spis[i]), 0);
		T_ASSERT(spis[i] >= KBE_SPI_MIN && spis[i] <= KBE_SPI_MAX);
		for (int j = 0; j < i; j++) {
			distinct &= spis[i] != spis[j];
		}
	}
	T_ASSERT(distinct);
	/* Reserved SPIs are not SAs yet: nothing to show. */
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 0);

	sa.spi = spis[3];
	T_EQ_INT(k->ops->sa_update(k, &sa), 0);
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 1);

	sa.spi = 0xc0000100;
	if (sa.spi == spis[0]) {
		sa.spi++;
	}
	T_EQ_INT(k->ops->sa_update(k, &sa), -ESRCH);
	T_CONTAINS(kbe_error(k), "vpn nom_vpn: update SA spi 0xc0000100 "
	    "198.51.100.254 -> 192.0.2.254: no such SA (SPI not allocated)");
	k->ops->close(k);
}

T_CASE(kbe_null, flush_own_only)
{
	struct kbe *k = t_kbe_null();
	struct kern_sa sa;
	struct kern_policy p;
	int n_sa, n_pol;

	t_kbe_gw1(k);
	/* Somebody else's (reqid 5, outside 0x2000-0x3fff). */
	t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0x1234, 5);
	T_EQ_INT(k->ops->sa_add(k, &sa), 0);
	t_kern_policy(&p, KERN_DIR_OUT, "10.1.0.0/16", "10.2.0.0/16", "192.0.2.254",
	    "198.51.100.254", 5);
	T_EQ_INT(k->ops->policy_add(k, &p), 0);
	T_EQ_INT(k->ops->flush_own(k), 0);
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 1);
	T_EQ_INT(n_pol, 1);
	T_EQ_INT(k->ops->sa_del(k, &sa), 0);
	T_EQ_INT(k->ops->policy_del(k, &p), 0);
	k->ops->close(k);
}

/*
 * Thousands of SAs and policies, added and removed out of order: each is
 * found (and refused twice) exactly as long as it is there, whatever was
 * moved in the tables meanwhile, and a flush keeps others' entries
 * findable.  What a daemon holding 100,000 SAs on this backend relies on.
 */
T_CASE(kbe_null, many_out_of_order)
{
	enum { N = 3000 };
	struct kbe *k = t_kbe_null();
	struct kern_sa sa;
	struct kern_policy p;
	struct kbe_sa_stats st;
	int n_sa = -1, n_pol = -1, bad = 0;
	char sel[32];

	for (uint32_t i = 0; i < N; i++) {
		/* reqid 5 (not ours) for every tenth */
		uint32_t reqid = i % 10 == 0 ? 5 : 0x2001;

		t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0x10000 + i,
		    reqid);
		bad += k->ops->sa_add(k, &sa) != 0;
		snprintf(sel, sizeof(sel), "10.%u.%u.0/24", i >> 8, i & 255);
		t_kern_policy(&p, KERN_DIR_OUT, sel, "10.200.0.0/16",
		    "192.0.2.254", "198.51.100.254", reqid);
		bad += k->ops->policy_add(k, &p) != 0;
	}
	T_EQ_INT(bad, 0);
	/* every third goes, from the front: the last one moves each time */
	for (uint32_t i = 0; i < N; i += 3) {
		t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0x10000 + i,
		    i % 10 == 0 ? 5 : 0x2001);
		bad += k->ops->sa_del(k, &sa) != 0;
		snprintf(sel, sizeof(sel), "10.%u.%u.0/24", i >> 8, i & 255);
		t_kern_policy(&p, KERN_DIR_OUT, sel, "10.200.0.0/16",
		    "192.0.2.254", "198.51.100.254", 0x2001);
		bad += k->ops->policy_del(k, &p) != 0;
	}
	T_EQ_INT(bad, 0);
	for (uint32_t i = 0; i < N; i++) {
		int there = i % 3 != 0;

		t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0x10000 + i,
		    0x2001);
		bad += (k->ops->sa_stats(k, &sa, &st) == 0) != there;
		bad += (k->ops->sa_add(k, &sa) == -EEXIST) != there;
		snprintf(sel, sizeof(sel), "10.%u.%u.0/24", i >> 8, i & 255);
		t_kern_policy(&p, KERN_DIR_OUT, sel, "10.200.0.0/16",
		    "192.0.2.254", "198.51.100.254", 0x2001);
		bad += (k->ops->policy_add(k, &p) == -EEXIST) != there;
		if (!there) {	/* put back the ones just added */
			bad += k->ops->sa_del(k, &sa) != 0;
			bad += k->ops->policy_del(k, &p) != 0;
		}
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, N - (N + 2) / 3);
	T_EQ_INT(n_pol, N - (N + 2) / 3);
	/* a flush keeps the others' (reqid 5: i % 10 == 0, i % 3 != 0) */
	T_EQ_INT(k->ops->flush_own(k), 0);
	T_EQ_INT(kbe_null_count(k, &n_sa, &n_pol), 0);
	T_EQ_INT(n_sa, 200);
	for (uint32_t i = 0; i < N; i++) {
		int kept = i % 10 == 0 && i % 3 != 0;

		t_kern_sa(&sa, "192.0.2.254", "198.51.100.254", 0x10000 + i,
		    5);
		bad += (k->ops->sa_stats(k, &sa, &st) == 0) != kept;
	}
	T_EQ_INT(bad, 0);
	k->ops->close(k);
}
