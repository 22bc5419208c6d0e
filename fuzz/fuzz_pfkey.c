/*
 * fuzz_pfkey.c - PF_KEY messages from the kernel (net/kbe_pfkey.c's
 * parsers, through kbe_pfkey_parse_for_fuzz()).  The header's version and
 * length are set from the input's size, as the receive path demands them,
 * so that the fuzzer spends its time on the extensions.
 */
#include <linux/pfkeyv2.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "net/kbe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536];
	struct sadb_msg h;

	size &= ~(size_t)7;
	if (size < sizeof(h) || size > sizeof(buf)) {
		return 0;
	}
	memcpy(buf, data, size);
	memcpy(&h, buf, sizeof(h));
	h.sadb_msg_version = PF_KEY_V2;
	h.sadb_msg_len = (uint16_t)(size / 8);
	memcpy(buf, &h, sizeof(h));
	(void)kbe_pfkey_parse_for_fuzz(buf, size);
	return 0;
}
