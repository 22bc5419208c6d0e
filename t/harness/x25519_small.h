/*
 * x25519_small.h - the X25519 u-coordinates of small order (RFC 7748
 * 6.1, RFC 8031 2.3): the points of order 1, 2, 4 and 8 and their
 * non-canonical aliases (u + p), little-endian hex.  The shared secret
 * with any of them is all zero.  Shared by t/test_crypto_dh.c (refused)
 * and t/test_crypto_x25519.c (ours against BearSSL).
 */
#ifndef IKEBOX_T_HARNESS_X25519_SMALL_H
#define IKEBOX_T_HARNESS_X25519_SMALL_H

static const char *const x25519_small_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

#endif
