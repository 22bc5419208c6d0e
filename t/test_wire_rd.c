/*
 * test_wire_rd.c - the bounded reader and writer (core/wire/rd.h): big-endian
 * values, the sticky error, sub-readers confined to their window, and
 * back-patching.
 */
#include <errno.h>

#include "core/wire/rd.h"
#include "t/harness/t.h"

T_CASE(wire_rd, reads)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09 };
	struct rd r;

	rd_init(&r, b, sizeof(b));
	T_EQ_INT(rd_u8(&r), 0x01);
	T_EQ_INT(rd_u16(&r), 0x0203);
	T_EQ_INT(rd_u32(&r), 0x04050607);
	T_EQ_INT(rd_left(&r), 2);
	T_EQ_INT(rd_off(&r), 7);
	T_EQ_INT(rd_err(&r), 0);
	T_ROW("overrun: 0, error, cursor kept");
	T_EQ_INT(rd_u32(&r), 0);
	T_EQ_INT(rd_err(&r), -EBADMSG);
	T_EQ_INT(rd_off(&r), 7);
	T_ROW("error is sticky: later reads that would fit fail too");
	T_EQ_INT(rd_u8(&r), 0);
	T_ASSERT(rd_bytes(&r, 0) == NULL);
	T_EQ_INT(rd_left(&r), 0);
	T_ROW("huge length does not wrap");
	rd_init(&r, b, sizeof(b));
	rd_u8(&r);
	T_ASSERT(rd_bytes(&r, SIZE_MAX) == NULL);
	T_EQ_INT(rd_err(&r), -EBADMSG);
	T_ROW("NULL buffer is an empty reader");
	rd_init(&r, NULL, 5);
	T_EQ_INT(rd_left(&r), 0);
	T_ASSERT(rd_bytes(&r, 0) != NULL);
	T_EQ_INT(rd_u8(&r), 0);
	T_EQ_INT(rd_err(&r), -EBADMSG);
}

T_CASE(wire_rd, sub)
{
	static const uint8_t b[] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	struct rd r, s;
	uint8_t out[4] = { 1, 1, 1, 1 };

	rd_init(&r, b, sizeof(b));
	rd_u8(&r);
	T_EQ_INT(rd_sub(&r, &s, 2), 0);
	T_EQ_INT(rd_u16(&s), 0xbbcc);
	T_ROW("a sub-reader stops at its window, the parent is unaffected");
	T_EQ_INT(rd_u8(&s), 0);
	T_EQ_INT(rd_err(&s), -EBADMSG);
	T_EQ_INT(rd_err(&r), 0);
	T_EQ_INT(rd_u8(&r), 0xdd);
	T_ROW("a sub-reader larger than what is left fails both");
	T_EQ_INT(rd_sub(&r, &s, 2), -EBADMSG);
	T_EQ_INT(rd_err(&s), -EBADMSG);
	T_EQ_INT(rd_left(&s), 0);
	T_EQ_INT(rd_err(&r), -EBADMSG);
	T_ROW("rd_copy zeroes its output on overrun");
	rd_init(&r, b, 3);
	T_EQ_INT(rd_copy(&r, out, 4), -EBADMSG);
	T_EQ_INT(out[0] | out[1] | out[2] | out[3], 0);
	T_ROW("rd_fail marks an out-of-range value");
	rd_init(&r, b, 3);
	rd_fail(&r);
	T_EQ_INT(rd_err(&r), -EBADMSG);
}

T_CASE(wire_rd, writes)
{
	uint8_t b[8];
	struct wr w;
	size_t at;

	wr_init(&w, b, sizeof(b));
	wr_u8(&w, 0x01);
	at = wr_reserve(&w, 2);
	wr_u32(&w, 0x0a0b0c0d);
	wr_patch_u16(&w, at, 0xbeef);
	T_EQ_INT(wr_len(&w), 7);
	T_EQ_INT(wr_err(&w), 0);
	T_EQ_MEM(b, "\x01\xbe\xef\x0a\x0b\x0c\x0d", 7);
	T_ROW("overflow writes nothing and sticks");
	wr_u16(&w, 0x1122);
	T_EQ_INT(wr_err(&w), -ENOSPC);
	T_EQ_INT(wr_len(&w), 7);
	wr_u8(&w, 0x33);	/* would fit, but the error sticks */
	T_EQ_INT(wr_len(&w), 7);
	T_ROW("patching past what was written fails");
	wr_init(&w, b, sizeof(b));
	wr_u16(&w, 0);
	wr_patch_u16(&w, 1, 0xffff);
	T_EQ_INT(wr_err(&w), -ENOSPC);
	wr_init(&w, b, sizeof(b));
	wr_u16(&w, 0);
	wr_patch_u32(&w, 0, 1);
	T_EQ_INT(wr_err(&w), -ENOSPC);
	wr_init(&w, b, sizeof(b));
	wr_patch_u8(&w, 0, 1);
	T_EQ_INT(wr_err(&w), -ENOSPC);
	T_ROW("NULL buffer holds nothing");
	wr_init(&w, NULL, 8);
	wr_bytes(&w, NULL, 0);
	T_EQ_INT(wr_err(&w), 0);
	wr_u8(&w, 1);
	T_EQ_INT(wr_err(&w), -ENOSPC);
}
