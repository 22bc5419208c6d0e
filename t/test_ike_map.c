/*
 * test_ike_map.c - the engine's hash multimap (core/ike/ike_map.c): what
 * its indexes of CHILD SAs and VPNs rely on.  Equal keys (with equal or
 * different values), removal of the entry an iteration stands on, growth
 * past many rehashes, and removal of everything.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/ike/ike_map.h"
#include "t/harness/t.h"

/* How many entries of key the iteration visits, and whether val is one. */
static int
count(const struct ike_map *m, uint64_t key, const void *val, int *seen)
{
	uint32_t it;
	int n = 0;

	*seen = 0;
	for (void *v = ike_map_first(m, key, &it); v;
	    v = ike_map_next(m, key, &it)) {
		n++;
		*seen |= v == val;
	}
	return n;
}

T_CASE(ike_map, put_find_del)
{
	struct ike_map m;
	int a, b, seen;

	ike_map_init(&m, 42);
	T_ASSERT(ike_map_first(&m, 7, &(uint32_t){ 0 }) == NULL);
	T_EQ_INT(ike_map_del(&m, 7, &a), -ENOENT);
	T_EQ_INT(ike_map_put(&m, 7, &a), 0);
	T_EQ_INT(ike_map_put(&m, 8, &b), 0);
	T_EQ_INT(count(&m, 7, &a, &seen), 1);
	T_ASSERT(seen);
	T_EQ_INT(count(&m, 8, &b, &seen), 1);
	T_ASSERT(seen);
	T_EQ_INT(count(&m, 9, &a, &seen), 0);
	T_EQ_INT(ike_map_del(&m, 7, &b), -ENOENT);	/* key, not its value */
	T_EQ_INT(ike_map_del(&m, 7, &a), 0);
	T_EQ_INT(count(&m, 7, &a, &seen), 0);
	T_EQ_INT(count(&m, 8, &b, &seen), 1);
	T_EQ_INT(m.n, 1);
	ike_map_free(&m);
}

T_CASE(ike_map, equal_keys)
{
	struct ike_map m;
	int v[3], seen;

	ike_map_init(&m, 1);
	/* the same key three times, one value twice: an outbound SPI two
	 * peers chose alike, a reqid two CHILD SAs of a rekey share */
	T_EQ_INT(ike_map_put(&m, 5, &v[0]), 0);
	T_EQ_INT(ike_map_put(&m, 5, &v[1]), 0);
	T_EQ_INT(ike_map_put(&m, 5, &v[1]), 0);
	T_EQ_INT(count(&m, 5, &v[1], &seen), 3);
	T_EQ_INT(ike_map_del(&m, 5, &v[1]), 0);
	T_EQ_INT(count(&m, 5, &v[1], &seen), 2);
	T_ASSERT(seen);	/* one of the pair is left */
	T_EQ_INT(ike_map_del(&m, 5, &v[1]), 0);
	T_EQ_INT(count(&m, 5, &v[1], &seen), 1);
	T_ASSERT(!seen);
	T_EQ_INT(ike_map_del(&m, 5, &v[1]), -ENOENT);
	T_EQ_INT(count(&m, 5, &v[0], &seen), 1);
	T_ASSERT(seen);
	ike_map_free(&m);
}

T_CASE(ike_map, remove_while_iterating)
{
	struct ike_map m;
	int v[40], hits[40] = { 0 }, n = 0, seen;
	uint32_t it;

	ike_map_init(&m, 3);
	/* 40 entries of one key among others in the same buckets */
	for (int i = 0; i < 40; i++) {
		T_EQ_INT(ike_map_put(&m, 99, &v[i]), 0);
		T_EQ_INT(ike_map_put(&m, (uint64_t)i, &v[i]), 0);
	}
	for (void *p = ike_map_first(&m, 99, &it); p;
	    p = ike_map_next(&m, 99, &it)) {
		int i = (int)((int *)p - v);

		hits[i]++;
		n++;
		if (i % 2 == 0) {
			T_EQ_INT(ike_map_del(&m, 99, p), 0);
		}
	}
	T_EQ_INT(n, 40);
	for (int i = 0; i < 40; i++) {
		T_EQ_INT(hits[i], 1);
	}
	T_EQ_INT(count(&m, 99, &v[0], &seen), 20);
	T_ASSERT(!seen);
	for (int i = 0; i < 40; i++) {
		T_EQ_INT(count(&m, (uint64_t)i, &v[i], &seen), 1);
	}
	ike_map_free(&m);
}

T_CASE(ike_map, grow_and_empty)
{
	struct ike_map m;
	enum { N = 100000 };
	static char vals[N];
	int seen, bad = 0;

	ike_map_init(&m, 0x1234);
	for (uint64_t i = 0; i < N; i++) {
		/* keys apart by the bucket count: one bucket without the
		 * seed's mixing */
		if (ike_map_put(&m, i << 20, &vals[i]) != 0) {
			bad++;
		}
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(m.n, N);
	T_ASSERT(m.nb >= N);
	for (uint64_t i = 0; i < N; i++) {
		bad += count(&m, i << 20, &vals[i], &seen) != 1 || !seen;
	}
	T_EQ_INT(bad, 0);
	for (uint64_t i = 0; i < N; i += 2) {
		bad += ike_map_del(&m, i << 20, &vals[i]) != 0;
	}
	for (uint64_t i = 0; i < N; i++) {
		bad += count(&m, i << 20, &vals[i], &seen) != (int)(i & 1);
	}
	T_EQ_INT(bad, 0);
	/* freed entries are used again: no growth for as many new ones */
	{
		uint32_t cap = m.cap;

		for (uint64_t i = 0; i < N; i += 2) {
			bad += ike_map_put(&m, i << 20, &vals[i]) != 0;
		}
		T_EQ_INT(m.cap, cap);
	}
	for (uint64_t i = 0; i < N; i++) {
		bad += ike_map_del(&m, i << 20, &vals[i]) != 0;
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(m.n, 0);
	T_EQ_INT(count(&m, 0, &vals[0], &seen), 0);
	ike_map_free(&m);
	T_EQ_INT(ike_map_bytes(&m), 0);
}

T_CASE(ike_map, key_of_bytes)
{
	T_ASSERT(ike_map_key("gw1", 3, 0) == ike_map_key("gw1", 3, 0));
	T_ASSERT(ike_map_key("gw1", 3, 0) != ike_map_key("gw2", 3, 0));
	T_ASSERT(ike_map_key("gw1", 3, 0) != ike_map_key("gw1", 3, 1));
	T_ASSERT(ike_map_key("", 0, 0) != ike_map_key("\0", 1, 0));
}
