/*
 * fuzz_msg.c - the IKE message parser: a datagram through msg_parse()
 * (header and clear payload chain), then what the engine does with a
 * parsed message before any key is involved (its log line).
 */
#include <string.h>

#include "core/wire/msg.h"
#include "fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg m;
	struct msg_hdr h;
	struct pld_err err;
	char line[1024];

	memset(&err, 0, sizeof(err));
	(void)msg_hdr_parse(&h, data, size, &err);
	memset(&m, 0, sizeof(m));
	if (msg_parse(&m, data, size) == 0) {
		(void)msg_describe(&m, line, sizeof(line));
		(void)pld_find_notify(&m.pl, IKEV2_N_COOKIE);
	}
	(void)pld_describe(&m.pl, line, sizeof(line));
	return 0;
}
