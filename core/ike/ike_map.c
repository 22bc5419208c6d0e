/*
 * ike_map.c - the engine's hash multimap (see ike_map.h).  Calls nothing
 * else in the engine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_map.h"

#define MAP_MIN_BUCKETS 16

/* see ike_map.h */
void
ike_map_init(struct ike_map *m, uint64_t seed)
{
	memset(m, 0, sizeof(*m));
	m->seed = seed;
}

/* see ike_map.h */
void
ike_map_free(struct ike_map *m)
{
	free(m->bucket);
	free(m->ent);
	ike_map_init(m, m->seed);
}

/* splitmix64's finaliser over key and seed: every key bit moves the
 * bucket. */
static uint32_t
map_bucket(const struct ike_map *m, uint64_t key)
{
	uint64_t v = key ^ m->seed;

	v ^= v >> 30;
	v *= 0xbf58476d1ce4e5b9ULL;
	v ^= v >> 27;
	v *= 0x94d049bb133111ebULL;
	v ^= v >> 31;
	return (uint32_t)v & (m->nb - 1);
}

/* Spreads every entry over nb buckets. */
static int
map_rehash(struct ike_map *m, uint32_t nb)
{
	uint32_t *b = calloc(nb, sizeof(*b));

	if (b == NULL) {
		return -ENOMEM;
	}
	free(m->bucket);
	m->bucket = b;
	m->nb = nb;
	for (uint32_t i = 0; i < m->cap; i++) {
		struct ike_map_ent *e = &m->ent[i];
		uint32_t h;

		if (e->val == NULL) {
			continue;
		}
		h = map_bucket(m, e->key);
		e->next = b[h];
		b[h] = i + 1;
	}
	return 0;
}

/* see ike_map.h */
int
ike_map_put(struct ike_map *m, uint64_t key, void *val)
{
	struct ike_map_ent *e;
	uint32_t i, h;

	if (m->free == 0) {
		uint32_t cap = m->cap ? 2 * m->cap : MAP_MIN_BUCKETS;
		struct ike_map_ent *ne;

		if (cap <= m->cap) {
			return -ENOMEM;
		}
		ne = realloc(m->ent, (size_t)cap * sizeof(*ne));
		if (ne == NULL) {
			return -ENOMEM;
		}
		m->ent = ne;
		/* the new entries on the free list, lowest first */
		for (i = cap; i > m->cap; i--) {
			ne[i - 1].val = NULL;
			ne[i - 1].next = m->free;
			m->free = i;
		}
		m->cap = cap;
	}
	if (m->n + 1 > m->nb &&
	    map_rehash(m, m->nb ? 2 * m->nb : MAP_MIN_BUCKETS) != 0 &&
	    m->nb == 0) {
		return -ENOMEM;	/* a full table still works, only slower */
	}
	i = m->free - 1;
	e = &m->ent[i];
	m->free = e->next;
	h = map_bucket(m, key);
	e->key = key;
	e->val = val;
	e->next = m->bucket[h];
	m->bucket[h] = i + 1;
	m->n++;
	return 0;
}

/* see ike_map.h */
int
ike_map_del(struct ike_map *m, uint64_t key, const void *val)
{
	uint32_t *p;

	if (m->nb == 0) {
		return -ENOENT;
	}
	for (p = &m->bucket[map_bucket(m, key)]; *p; p = &m->ent[*p - 1].next) {
		struct ike_map_ent *e = &m->ent[*p - 1];
		uint32_t i = *p;

		if (e->key != key || e->val != val) {
			continue;
		}
		*p = e->next;
		e->next = m->free;
		e->val = NULL;
		m->free = i;
		m->n--;
		return 0;
	}
	return -ENOENT;
}

/* The value of the first entry of key from cursor i on. */
static void *
map_scan(const struct ike_map *m, uint64_t key, uint32_t i, uint32_t *it)
{
	for (; i != 0; i = m->ent[i - 1].next) {
		const struct ike_map_ent *e = &m->ent[i - 1];

		if (e->key == key) {
			*it = e->next;
			return e->val;
		}
	}
	*it = 0;
	return NULL;
}

/* see ike_map.h */
void *
ike_map_first(const struct ike_map *m, uint64_t key, uint32_t *it)
{
	if (m->n == 0) {
		*it = 0;
		return NULL;
	}
	return map_scan(m, key, m->bucket[map_bucket(m, key)], it);
}

/* see ike_map.h */
void *
ike_map_next(const struct ike_map *m, uint64_t key, uint32_t *it)
{
	return map_scan(m, key, *it, it);
}

/* see ike_map.h */
size_t
ike_map_bytes(const struct ike_map *m)
{
	return (size_t)m->nb * sizeof(*m->bucket) +
	    (size_t)m->cap * sizeof(*m->ent);
}

/* see ike_map.h */
uint64_t
ike_map_key(const void *p, size_t n, uint64_t salt)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ salt;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
