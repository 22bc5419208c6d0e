/*
 * test_harness.c - checks of the test helpers themselves.
 */
#include "t/harness/t.h"

T_CASE(harness, unhex)
{
	uint8_t b[4];

	T_EQ_INT(t_unhex(b, sizeof(b), "de ad\nBE ef"), 4);
	T_EQ_INT(b[0], 0xde);
	T_EQ_INT(b[3], 0xef);
}
