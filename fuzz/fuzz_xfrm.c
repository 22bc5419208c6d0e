/*
 * fuzz_xfrm.c - XFRM netlink datagrams from the kernel (net/kbe_xfrm.c's
 * parsers, through kbe_xfrm_parse_for_fuzz()): the datagram is split into
 * messages as the receive path does (kbe_xfrm_next), and each one goes to
 * the SA, policy, event and error parsers.  Nothing is adjusted: every
 * length of a netlink message is the kernel's word, and none is trusted.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "net/kbe_xfrm.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536] __attribute__((aligned(8)));

	if (size > sizeof(buf)) {
		return 0;
	}
	/* aligned as the daemon's receive buffer is */
	memcpy(buf, data, size);
	(void)kbe_xfrm_parse_for_fuzz(buf, size);
	return 0;
}
