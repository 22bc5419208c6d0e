/*
 * ikev2.c - names of IKEv2 wire constants for log lines (see ikev2.h).
 *
 * The spellings are the RFCs' own, so that a log line can be searched for
 * in RFC 7296 and in other implementations' logs (iked and strongSwan print
 * the same names).
 */
#include <stddef.h>

#include "core/wire/ikev2.h"

struct ikev2_name {
	unsigned value;
	const char *name;
};

#define N(x) { IKEV2_N_##x, #x }

static const struct ikev2_name notify_names[] = {
	N(UNSUPPORTED_CRITICAL_PAYLOAD),
	N(INVALID_IKE_SPI),
	N(INVALID_MAJOR_VERSION),
	N(INVALID_SYNTAX),
	N(INVALID_MESSAGE_ID),
	N(INVALID_SPI),
	N(NO_PROPOSAL_CHOSEN),
	N(INVALID_KE_PAYLOAD),
	N(AUTHENTICATION_FAILED),
	N(SINGLE_PAIR_REQUIRED),
	N(NO_ADDITIONAL_SAS),
	N(INTERNAL_ADDRESS_FAILURE),
	N(FAILED_CP_REQUIRED),
	N(TS_UNACCEPTABLE),
	N(INVALID_SELECTORS),
	N(UNACCEPTABLE_ADDRESSES),
	N(UNEXPECTED_NAT_DETECTED),
	N(TEMPORARY_FAILURE),
	N(CHILD_SA_NOT_FOUND),
	N(INITIAL_CONTACT),
	N(SET_WINDOW_SIZE),
	N(ADDITIONAL_TS_POSSIBLE),
	N(IPCOMP_SUPPORTED),
	N(NAT_DETECTION_SOURCE_IP),
	N(NAT_DETECTION_DESTINATION_IP),
	N(COOKIE),
	N(USE_TRANSPORT_MODE),
	N(HTTP_CERT_LOOKUP_SUPPORTED),
	N(REKEY_SA),
	N(ESP_TFC_PADDING_NOT_SUPPORTED),
	N(NON_FIRST_FRAGMENTS_ALSO),
	N(MOBIKE_SUPPORTED),
	N(ADDITIONAL_IP4_ADDRESS),
	N(ADDITIONAL_IP6_ADDRESS),
	N(NO_ADDITIONAL_ADDRESSES),
	N(UPDATE_SA_ADDRESSES),
	N(COOKIE2),
	N(NO_NATS_ALLOWED),
	N(AUTH_LIFETIME),
	N(MULTIPLE_AUTH_SUPPORTED),
	N(ANOTHER_AUTH_FOLLOWS),
	N(REDIRECT_SUPPORTED),
	N(REDIRECT),
	N(REDIRECTED_FROM),
	N(EAP_ONLY_AUTHENTICATION),
	N(CHILDLESS_IKEV2_SUPPORTED),
	N(IKEV2_FRAGMENTATION_SUPPORTED),
	N(SIGNATURE_HASH_ALGORITHMS),
	{ 0, NULL },
};

#undef N

static const struct ikev2_name exchange_names[] = {
	{ IKEV2_EXCH_IKE_SA_INIT, "IKE_SA_INIT" },
	{ IKEV2_EXCH_IKE_AUTH, "IKE_AUTH" },
	{ IKEV2_EXCH_CREATE_CHILD_SA, "CREATE_CHILD_SA" },
	{ IKEV2_EXCH_INFORMATIONAL, "INFORMATIONAL" },
	{ IKEV2_EXCH_IKE_SESSION_RESUME, "IKE_SESSION_RESUME" },
	{ IKEV2_EXCH_IKE_INTERMEDIATE, "IKE_INTERMEDIATE" },
	{ 0, NULL },
};

/* RFC 7296 3.2 notation, as in its message diagrams. */
static const struct ikev2_name payload_names[] = {
	{ IKEV2_PL_NONE, "NONE" },
	{ IKEV2_PL_SA, "SA" },
	{ IKEV2_PL_KE, "KE" },
	{ IKEV2_PL_IDI, "IDi" },
	{ IKEV2_PL_IDR, "IDr" },
	{ IKEV2_PL_CERT, "CERT" },
	{ IKEV2_PL_CERTREQ, "CERTREQ" },
	{ IKEV2_PL_AUTH, "AUTH" },
	{ IKEV2_PL_NONCE, "Nonce" },
	{ IKEV2_PL_N, "N" },
	{ IKEV2_PL_D, "D" },
	{ IKEV2_PL_V, "V" },
	{ IKEV2_PL_TSI, "TSi" },
	{ IKEV2_PL_TSR, "TSr" },
	{ IKEV2_PL_SK, "SK" },
	{ IKEV2_PL_CP, "CP" },
	{ IKEV2_PL_EAP, "EAP" },
	{ IKEV2_PL_GSPM, "GSPM" },
	{ IKEV2_PL_SKF, "SKF" },
	{ 0, NULL },
};

static const char *
lookup(const struct ikev2_name *t, unsigned value)
{
	for (; t->name; t++) {
		if (t->value == value) {
			return t->name;
		}
	}
	return "UNKNOWN";
}

/* see ikev2.h */
const char *
ikev2_exchange_name(unsigned type)
{
	return lookup(exchange_names, type);
}

/* see ikev2.h */
const char *
ikev2_payload_name(unsigned type)
{
	return lookup(payload_names, type);
}

/* see ikev2.h */
const char *
ikev2_notify_name(unsigned type)
{
	return lookup(notify_names, type);
}
