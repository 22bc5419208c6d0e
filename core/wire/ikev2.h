/*
 * ikev2.h - IKEv2 wire constants, named after RFC 7296 (and the RFCs that
 * extend its IANA registries, cited beside each group).
 *
 * Only numbers live here: the layouts themselves are read and written by
 * core/wire/pld.c and core/wire/msg.c through bounded cursors (core/wire/rd.h), never by
 * casting a struct onto packet bytes.  The *_name() functions give the RFC
 * spelling for log lines ("IKE_SA_INIT", "NAT_DETECTION_SOURCE_IP").
 */
#ifndef IKEBOX_CORE_WIRE_IKEV2_H
#define IKEBOX_CORE_WIRE_IKEV2_H

#include <stdint.h>

/* RFC 7296 3.1: the fixed IKE header. */
#define IKEV2_HDR_LEN 28
#define IKEV2_SPI_LEN 8
#define IKEV2_VERSION 0x20	/* MjVer 2, MnVer 0 */
#define IKEV2_VERSION_MAJOR(v) ((uint8_t)(v) >> 4)

/* RFC 7296 3.1: header flags. */
#define IKEV2_FLAG_I 0x08	/* sent by the original initiator */
#define IKEV2_FLAG_V 0x10	/* "I can speak a higher major version" */
#define IKEV2_FLAG_R 0x20	/* response */

/* RFC 7296 3.1: exchange types. */
#define IKEV2_EXCH_IKE_SA_INIT 34
#define IKEV2_EXCH_IKE_AUTH 35
#define IKEV2_EXCH_CREATE_CHILD_SA 36
#define IKEV2_EXCH_INFORMATIONAL 37
#define IKEV2_EXCH_IKE_SESSION_RESUME 38	/* RFC 5723 */
#define IKEV2_EXCH_IKE_INTERMEDIATE 43		/* RFC 9242 */

/* RFC 7296 3.2: the generic payload header. */
#define IKEV2_GEN_HDR_LEN 4
#define IKEV2_CRITICAL 0x80	/* the C bit, first bit of the second byte */

/* RFC 7296 3.2: payload types. */
#define IKEV2_PL_NONE 0
#define IKEV2_PL_SA 33
#define IKEV2_PL_KE 34
#define IKEV2_PL_IDI 35
#define IKEV2_PL_IDR 36
#define IKEV2_PL_CERT 37
#define IKEV2_PL_CERTREQ 38
#define IKEV2_PL_AUTH 39
#define IKEV2_PL_NONCE 40	/* Ni and Nr */
#define IKEV2_PL_N 41
#define IKEV2_PL_D 42
#define IKEV2_PL_V 43
#define IKEV2_PL_TSI 44
#define IKEV2_PL_TSR 45
#define IKEV2_PL_SK 46
#define IKEV2_PL_CP 47
#define IKEV2_PL_EAP 48
#define IKEV2_PL_GSPM 49	/* RFC 6467 */
#define IKEV2_PL_SKF 53		/* RFC 7383 */

/* RFC 7296 3.3.1: protocol IDs (also used by N and D payloads). */
#define IKEV2_PROTO_NONE 0
#define IKEV2_PROTO_IKE 1
#define IKEV2_PROTO_AH 2
#define IKEV2_PROTO_ESP 3

/* RFC 7296 3.3: substructure markers ("Last Substruc"). */
#define IKEV2_LAST 0
#define IKEV2_MORE_PROPOSALS 2
#define IKEV2_MORE_TRANSFORMS 3

/* RFC 7296 3.3.2: transform types. */
#define IKEV2_XF_ENCR 1
#define IKEV2_XF_PRF 2
#define IKEV2_XF_INTEG 3
#define IKEV2_XF_DH 4
#define IKEV2_XF_ESN 5

/* RFC 7296 3.3.2 and IANA: a few transform IDs (crypto/alg.c has all). */
#define IKEV2_ENCR_AES_CBC 12
#define IKEV2_ENCR_AES_GCM_16 20	/* RFC 5282 */
#define IKEV2_PRF_HMAC_SHA2_256 5	/* RFC 4868 */
#define IKEV2_AUTH_HMAC_SHA2_256_128 12	/* RFC 4868 */
#define IKEV2_DH_CURVE25519 31		/* RFC 8031 */
#define IKEV2_ESN_NO 0
#define IKEV2_ESN_YES 1

/* RFC 7296 3.3.5: transform attributes. */
#define IKEV2_ATTR_AF 0x8000	/* TV format (value in the header) */
#define IKEV2_ATTR_KEY_LENGTH 14	/* TV: 0x800e */

/* RFC 7296 3.5: ID types. */
#define IKEV2_ID_IPV4_ADDR 1
#define IKEV2_ID_FQDN 2
#define IKEV2_ID_RFC822_ADDR 3
#define IKEV2_ID_IPV6_ADDR 5
#define IKEV2_ID_DER_ASN1_DN 9
#define IKEV2_ID_DER_ASN1_GN 10
#define IKEV2_ID_KEY_ID 11

/* RFC 7296 3.8: authentication methods. */
#define IKEV2_AUTH_RSA_SIG 1
#define IKEV2_AUTH_SHARED_KEY_MIC 2
#define IKEV2_AUTH_DSS_SIG 3
#define IKEV2_AUTH_DIGITAL_SIGNATURE 14	/* RFC 7427 */

/* RFC 7296 3.13.1: traffic selector types. */
#define IKEV2_TS_IPV4_ADDR_RANGE 7
#define IKEV2_TS_IPV6_ADDR_RANGE 8

/* RFC 7296 3.15: configuration payload types. */
#define IKEV2_CFG_REQUEST 1
#define IKEV2_CFG_REPLY 2
#define IKEV2_CFG_SET 3
#define IKEV2_CFG_ACK 4

/* RFC 7296 3.10.1: notify message types, errors (below 16384). */
#define IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD 1
#define IKEV2_N_INVALID_IKE_SPI 4
#define IKEV2_N_INVALID_MAJOR_VERSION 5
#define IKEV2_N_INVALID_SYNTAX 7
#define IKEV2_N_INVALID_MESSAGE_ID 9
#define IKEV2_N_INVALID_SPI 11
#define IKEV2_N_NO_PROPOSAL_CHOSEN 14
#define IKEV2_N_INVALID_KE_PAYLOAD 17
#define IKEV2_N_AUTHENTICATION_FAILED 24
#define IKEV2_N_SINGLE_PAIR_REQUIRED 34
#define IKEV2_N_NO_ADDITIONAL_SAS 35
#define IKEV2_N_INTERNAL_ADDRESS_FAILURE 36
#define IKEV2_N_FAILED_CP_REQUIRED 37
#define IKEV2_N_TS_UNACCEPTABLE 38
#define IKEV2_N_INVALID_SELECTORS 39
#define IKEV2_N_UNACCEPTABLE_ADDRESSES 40	/* RFC 4555 */
#define IKEV2_N_UNEXPECTED_NAT_DETECTED 41	/* RFC 4555 */
#define IKEV2_N_TEMPORARY_FAILURE 43
#define IKEV2_N_CHILD_SA_NOT_FOUND 44
/* Types up to this one are errors; from 16384 on, status. */
#define IKEV2_N_ERROR_MAX 16383

/* RFC 7296 3.10.1: notify message types, status. */
#define IKEV2_N_INITIAL_CONTACT 16384
#define IKEV2_N_SET_WINDOW_SIZE 16385
#define IKEV2_N_ADDITIONAL_TS_POSSIBLE 16386
#define IKEV2_N_IPCOMP_SUPPORTED 16387
#define IKEV2_N_NAT_DETECTION_SOURCE_IP 16388
#define IKEV2_N_NAT_DETECTION_DESTINATION_IP 16389
#define IKEV2_N_COOKIE 16390
#define IKEV2_N_USE_TRANSPORT_MODE 16391
#define IKEV2_N_HTTP_CERT_LOOKUP_SUPPORTED 16392
#define IKEV2_N_REKEY_SA 16393
#define IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED 16394
#define IKEV2_N_NON_FIRST_FRAGMENTS_ALSO 16395
#define IKEV2_N_MOBIKE_SUPPORTED 16396		/* RFC 4555 */
#define IKEV2_N_ADDITIONAL_IP4_ADDRESS 16397	/* RFC 4555 */
#define IKEV2_N_ADDITIONAL_IP6_ADDRESS 16398	/* RFC 4555 */
#define IKEV2_N_NO_ADDITIONAL_ADDRESSES 16399	/* RFC 4555 */
#define IKEV2_N_UPDATE_SA_ADDRESSES 16400	/* RFC 4555 */
#define IKEV2_N_COOKIE2 16401			/* RFC 4555 */
#define IKEV2_N_NO_NATS_ALLOWED 16402		/* RFC 4555 */
#define IKEV2_N_AUTH_LIFETIME 16403		/* RFC 4478 */
#define IKEV2_N_MULTIPLE_AUTH_SUPPORTED 16404	/* RFC 4739 */
#define IKEV2_N_ANOTHER_AUTH_FOLLOWS 16405	/* RFC 4739 */
#define IKEV2_N_REDIRECT_SUPPORTED 16406	/* RFC 5685 */
#define IKEV2_N_REDIRECT 16407			/* RFC 5685 */
#define IKEV2_N_REDIRECTED_FROM 16408		/* RFC 5685 */
#define IKEV2_N_EAP_ONLY_AUTHENTICATION 16417	/* RFC 5998 */
#define IKEV2_N_CHILDLESS_IKEV2_SUPPORTED 16418	/* RFC 6023 */
#define IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED 16430	/* RFC 7383 */
#define IKEV2_N_SIGNATURE_HASH_ALGORITHMS 16431		/* RFC 7427 */

/* Names for log lines; "UNKNOWN" for numbers not listed above. */
const char *ikev2_exchange_name(unsigned type);
const char *ikev2_payload_name(unsigned type);
const char *ikev2_notify_name(unsigned type);

#endif
