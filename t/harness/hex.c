/*
 * hex.c - hex strings into bytes, for the golden packets of the unit
 * suite and the fuzz seed generator (fuzz/gen_seeds.c), which both decode
 * t/harness/wire_golden.h.
 */
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "t/harness/t.h"

/* see t.h */
size_t
t_unhex(uint8_t *out, size_t cap, const char *s)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s >= '0' && *s <= '9') {
			v = *s - '0';
		} else if (*s >= 'a' && *s <= 'f') {
			v = *s - 'a' + 10;
		} else if (*s >= 'A' && *s <= 'F') {
			v = *s - 'A' + 10;
		} else {
			continue;
		}
		if (hi < 0) {
			hi = v;
		} else {
			if (n == cap) {
				fprintf(stderr, "t_unhex: buffer too small\n");
				abort();
			}
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* see t.h */
void
t_le16_to_host(uint8_t *p, const size_t *offs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint16_t v = (uint16_t)(p[offs[i]] | p[offs[i] + 1] << 8);

		memcpy(p + offs[i], &v, 2);
	}
}

/* see t.h */
void
t_le32_to_host(uint8_t *p, const size_t *offs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *b = p + offs[i];
		uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;

		memcpy(p + offs[i], &v, 4);
	}
}

/* see t.h: nlmsghdr is len (4 bytes), type (2), flags (2), ... */
uint16_t
t_nl_type(const uint8_t *msg)
{
	uint16_t v;

	memcpy(&v, msg + 4, 2);
	return v;
}

/* see t.h */
uint16_t
t_nl_flags(const uint8_t *msg)
{
	uint16_t v;

	memcpy(&v, msg + 6, 2);
	return v;
}

/* see t.h */
void
t_nl_set_type(uint8_t *msg, uint16_t type)
{
	memcpy(msg + 4, &type, 2);
}
