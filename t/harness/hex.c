/*
 * hex.c - hex strings into bytes, for the golden packets of the unit
 * suite and the fuzz seed generator (fuzz/gen_seeds.c), which both decode
 * t/harness/wire_golden.h.
 */
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
