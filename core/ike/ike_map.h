/*
 * ike_map.h - a hash multimap from 64-bit keys to pointers, for the
 * engine's indexes whose size follows the number of SAs or VPNs (CHILD
 * SAs by SPI and by reqid, VPNs by name, peer and ID), so that no
 * per-packet or per-timer path walks every SA or every VPN.
 *
 * Chained hashing over one array of entries (no allocation per entry):
 * the buckets double when there are more entries than buckets, so a
 * lookup costs O(1) on average whatever the number of entries.  Keys are
 * mixed with a per-map seed (ike_map_init): a peer that chooses SPIs
 * cannot aim them all at one bucket.  Several entries may share a key,
 * and even a key and a value; ike_map_del() removes one of them.
 *
 * Iteration over one key:
 *	uint32_t it;
 *	for (v = ike_map_first(m, key, &it); v; v = ike_map_next(m, key, &it))
 * visits every entry of that key once, in no set order.  The entry just
 * returned may be removed (ike_map_del) before ike_map_next(); adding
 * entries, or removing others, ends the iteration's guarantees.
 */
#ifndef IKEBOX_CORE_IKE_IKE_MAP_H
#define IKEBOX_CORE_IKE_IKE_MAP_H

#include <stddef.h>
#include <stdint.h>

struct ike_map_ent {
	uint64_t key;
	void *val;		/* NULL: a free entry */
	uint32_t next;		/* 1 + index of the next of the chain (or of
				 * the free list); 0: none */
};

struct ike_map {
	uint32_t *bucket;	/* nb heads, 1 + entry index; 0: empty */
	struct ike_map_ent *ent;
	uint32_t nb;		/* buckets: 0 or a power of two */
	uint32_t n, cap;	/* entries used, entries allocated */
	uint32_t free;		/* 1 + index of a free entry; 0: none */
	uint64_t seed;
};

/* An empty map; seed spreads the keys (random for keys from outside). */
void ike_map_init(struct ike_map *m, uint64_t seed);

/* Frees the map's memory (the values are the caller's). */
void ike_map_free(struct ike_map *m);

/* Adds key -> val (val not NULL).  0, or -ENOMEM (map unchanged). */
int ike_map_put(struct ike_map *m, uint64_t key, void *val);

/* Removes one entry key -> val.  0, or -ENOENT. */
int ike_map_del(struct ike_map *m, uint64_t key, const void *val);

/* The first value of key, or NULL; *it is the cursor for ike_map_next. */
void *ike_map_first(const struct ike_map *m, uint64_t key, uint32_t *it);
void *ike_map_next(const struct ike_map *m, uint64_t key, uint32_t *it);

/* Bytes the map holds on the heap (for the benchmarks). */
size_t ike_map_bytes(const struct ike_map *m);

/* A 64-bit key for n bytes (names, addresses, IDs): FNV-1a. */
uint64_t ike_map_key(const void *p, size_t n, uint64_t salt);

#endif
