/*
 * wire_golden.h - golden IKEv2 packets for the codec tests, written by
 * hand from the wire layouts of RFC 7296 (section numbers beside each
 * part), one field per line so a reader can check them against the RFC.
 *
 * Filler bytes are counting sequences (40 41 42 ...) so that a misplaced
 * view shows up as a wrong first byte.  Shared by t/test_wire.c (encode,
 * compare, decode) and t/test_wire_mut.c (mutations).
 */
#ifndef IKEBOX_T_HARNESS_WIRE_GOLDEN_H
#define IKEBOX_T_HARNESS_WIRE_GOLDEN_H

/*
 * An IKE_SA_INIT request: HDR, SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP),
 * N(NAT_DETECTION_DESTINATION_IP) (RFC 7296 1.2, 2.23).  208 bytes.
 */
static const char golden_sa_init[] =
    /* RFC 7296 3.1: IKE header */
    "0102030405060708"	/* IKE SA Initiator's SPI */
    "0000000000000000"	/* Responder's SPI: 0 in the first message */
    "21"		/* Next Payload: SA (33) */
    "20"		/* MjVer 2, MnVer 0 */
    "22"		/* Exchange Type: IKE_SA_INIT (34) */
    "08"		/* Flags: I (original initiator) */
    "00000000"		/* Message ID 0 */
    "000000d0"		/* Length 208 */
    /* RFC 7296 3.3: SA payload */
    "22 00 0030"	/* Next: KE (34), not critical, Payload Length 48 */
    /* 3.3.1: proposal substructure */
    "00 00 002c"	/* Last Substruc 0 (last), RESERVED, length 44 */
    "01 01 00 04"	/* Proposal 1, IKE (1), SPI Size 0, 4 transforms */
    /* 3.3.2: transform substructures */
    "03 00 000c"	/* more transforms (3), length 12 */
    "01 00 000c"	/* type ENCR (1), ENCR_AES_CBC (12) */
    "800e 0100"		/* 3.3.5: AF=1 Key Length (14), 256 bits */
    "03 00 0008"	/* more, length 8 */
    "02 00 0005"	/* type PRF (2), PRF_HMAC_SHA2_256 (5) */
    "03 00 0008"
    "03 00 000c"	/* type INTEG (3), AUTH_HMAC_SHA2_256_128 (12) */
    "00 00 0008"	/* last transform (0), length 8 */
    "04 00 001f"	/* type DH (4), Curve25519 (31) */
    /* RFC 7296 3.4: KE payload */
    "28 00 0028"	/* Next: Nonce (40), length 40 */
    "001f 0000"		/* DH Group Num 31, RESERVED */
    "4041424344454647 48494a4b4c4d4e4f"	/* Key Exchange Data (32) */
    "5051525354555657 58595a5b5c5d5e5f"
    /* RFC 7296 3.9: Nonce payload (Ni) */
    "29 00 0024"	/* Next: N (41), length 36 */
    "6061626364656667 68696a6b6c6d6e6f"	/* Nonce Data (32) */
    "7071727374757677 78797a7b7c7d7e7f"
    /* RFC 7296 3.10: Notify payload */
    "29 00 001c"	/* Next: N (41), length 28 */
    "00 00 4004"	/* Protocol 0, SPI Size 0, NAT_DETECTION_SOURCE_IP */
    "a0a1a2a3a4a5a6a7 a8a9aaabacadaeaf b0b1b2b3"	/* SHA-1 (20) */
    "00 00 001c"	/* Next: none, length 28 */
    "00 00 4005"	/* NAT_DETECTION_DESTINATION_IP (16389) */
    "c0c1c2c3c4c5c6c7 c8c9cacbcccdcecf d0d1d2d3";

/*
 * The inner chain of an IKE_AUTH request, as it is before encryption
 * (RFC 7296 1.2: SK {IDi, AUTH, SA2, TSi, TSr} plus N(INITIAL_CONTACT)).
 * First payload: IDi (35).  152 bytes.
 */
static const char golden_auth_inner[] =
    /* RFC 7296 3.5: IDi */
    "27 00 000c"	/* Next: AUTH (39), length 12 */
    "01 000000"		/* ID Type ID_IPV4_ADDR (1), RESERVED */
    "c00002fe"		/* 192.0.2.254 */
    /* RFC 7296 3.8: AUTH */
    "21 00 0028"	/* Next: SA (33), length 40 */
    "02 000000"		/* Shared Key Message Integrity Code (2) */
    "8081828384858687 88898a8b8c8d8e8f"	/* Authentication Data (32) */
    "9091929394959697 98999a9b9c9d9e9f"
    /* RFC 7296 3.3: SA (for the CHILD SA) */
    "2c 00 002c"	/* Next: TSi (44), length 44 */
    "00 00 0028"	/* last proposal, length 40 */
    "01 03 04 03"	/* Proposal 1, ESP (3), SPI Size 4, 3 transforms */
    "c1c2c3c4"		/* SPI */
    "03 00 000c 01 00 000c 800e 0100"	/* ENCR_AES_CBC, 256 bits */
    "03 00 0008 03 00 000c"		/* AUTH_HMAC_SHA2_256_128 */
    "00 00 0008 05 00 0000"		/* ESN: No ESN (0) */
    /* RFC 7296 3.13: TSi */
    "2d 00 0018"	/* Next: TSr (45), length 24 */
    "01 000000"		/* Number of TSs 1, RESERVED */
    "07 00 0010"	/* 3.13.1: TS_IPV4_ADDR_RANGE, any protocol, len 16 */
    "0000 ffff"		/* ports 0-65535 */
    "cb007100 cb00717f"	/* 203.0.113.0 - 203.0.113.127 */
    /* TSr */
    "29 00 0018"	/* Next: N (41), length 24 */
    "01 000000"
    "07 00 0010 0000 ffff"
    "cb007180 cb0071bf"	/* 203.0.113.128 - 203.0.113.191 */
    /* RFC 7296 3.10: N(INITIAL_CONTACT) */
    "00 00 0008"	/* last payload, length 8 */
    "00 00 4000";	/* Protocol 0, SPI Size 0, INITIAL_CONTACT (16384) */

/*
 * The inner chain of an INFORMATIONAL request deleting a CHILD SA and the
 * IKE SA (RFC 7296 1.4.1), with a Vendor ID appended to exercise V.
 * First payload: D (42).  36 bytes.
 */
static const char golden_delete_inner[] =
    /* RFC 7296 3.11: Delete */
    "2a 00 0010"	/* Next: D (42), length 16 */
    "03 04 0002"	/* Protocol ESP, SPI Size 4, Num of SPIs 2 */
    "c1c2c3c4 d1d2d3d4"	/* the SPIs */
    "2b 00 0008"	/* Next: V (43), length 8 */
    "01 00 0000"	/* Protocol IKE, SPI Size 0, no SPIs (RFC 7296 3.11) */
    /* RFC 7296 3.12: Vendor ID */
    "00 00 000c"	/* last payload, length 12 */
    "696b65626f783031";	/* "ikebox01" */

/*
 * An INFORMATIONAL response (an empty one answers a liveness check, RFC
 * 7296 1.4): HDR, SK {}.  The SK body (IV, ciphertext, ICV) is opaque to
 * the codec; here it is 32 counting bytes.  64 bytes.
 */
static const char golden_informational[] =
    "0102030405060708"	/* Initiator's SPI */
    "1112131415161718"	/* Responder's SPI */
    "2e"		/* Next Payload: SK (46) */
    "20"		/* version 2.0 */
    "25"		/* INFORMATIONAL (37) */
    "28"		/* Flags: I|R: response from the original initiator */
    "00000005"		/* Message ID 5 */
    "00000040"		/* Length 64 */
    /* RFC 7296 3.14: Encrypted and Authenticated payload */
    "00 00 0024"	/* Next: none (no inner payload), length 36 */
    "0001020304050607 08090a0b0c0d0e0f"	/* body (32) */
    "1011121314151617 18191a1b1c1d1e1f";

/*
 * A message with a critical payload of an unknown type (200) after a V:
 * must be refused with UNSUPPORTED_CRITICAL_PAYLOAD, data = 0xc8
 * (RFC 7296 2.5, 3.2).  44 bytes.
 */
static const char golden_critical[] =
    "0102030405060708 0000000000000000"
    "2b"		/* Next Payload: V (43) */
    "20 22 08"		/* 2.0, IKE_SA_INIT, I */
    "00000000 0000002c"	/* Message ID 0, Length 44 */
    "c8 00 0008"	/* V: Next: 200 (unknown), length 8 */
    "61626364"		/* "abcd" */
    "00 80 0008"	/* type 200: last, C bit set, length 8 */
    "deadbeef";

#endif
