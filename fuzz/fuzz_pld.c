/*
 * fuzz_pld.c - the payload parser on what SK decrypts to: the first byte
 * is the SK payload's Next Payload (the first inner type), the rest the
 * inner chain, given to pld_parse_inner() as xchg_open_sk() gives it.
 *
 * The plaintext is fuzzed directly rather than a datagram sealed with
 * fixed keys: every input then reaches the parser, and the bytes the
 * fuzzer changes are the bytes the parser reads (sealing would spend the
 * time on AES and HMAC and hide the structure behind the cipher).  The
 * decryption path itself is reached by fuzz_engine's sealed records.
 */
#include <string.h>

#include "core/wire/msg.h"
#include "core/wire/rd.h"
#include "fuzz/fuzz.h"

static struct pld_set set;	/* large: not on the stack */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r;
	char line[1024];

	if (size < 1) {
		return 0;
	}
	memset(&set, 0, sizeof(set));
	rd_init(&r, data + 1, size - 1);
	(void)pld_parse_inner(&set, &r, data[0]);
	(void)pld_describe(&set, line, sizeof(line));
	(void)pld_find_notify(&set, IKEV2_N_USE_TRANSPORT_MODE);
	return 0;
}
