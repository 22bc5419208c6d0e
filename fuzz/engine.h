/*
 * engine.h - fuzz_engine's responder, shared with the seed generator
 * (gen_seeds.c), which drives a real initiator against the same responder
 * and writes down what it fed it.
 *
 * A fuzz input is a list of records: ctl (1 byte), length (2 bytes, big
 * endian), then that many bytes.  ctl & 3 says what the bytes are:
 *   0  a datagram from the peer (198.51.100.254:500 to 192.0.2.254:500)
 *   1  an IKE header (28 bytes; its Next Payload is the first inner
 *      payload) and the plaintext of SK: the harness seals it with the
 *      keys of the IKE SA whose responder SPI the header names, when there
 *      is one with keys, as the peer would, and sends that
 *   2  a datagram from the peer's port 4500 to ours (NAT-T)
 *   3  a datagram from an address no VPN knows
 * ctl >> 2 is how many seconds the clock moves before it (timers due by
 * then run first).  After the last record the clock runs 10 minutes on,
 * so that retransmits, expiries and rekeys happen too.
 */
#ifndef IKEBOX_FUZZ_ENGINE_H
#define IKEBOX_FUZZ_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/ike/ike.h"

#define FE_RAW 0
#define FE_SEALED 1
#define FE_NATT 2
#define FE_STRANGER 3

/* The responder's VPN and the global file (the initiator's is their
 * mirror: gen_seeds.c). */
#define FE_GW_R "192.0.2.254"
#define FE_GW_I "198.51.100.254"
#define FE_PSK "fuzz-psk-0123456789abcdef"

struct fe {
	struct ike_engine *eng;
	uint64_t now;
	uint32_t next_spi;
	/* Sees every datagram the responder sends (NULL: dropped). */
	void (*sent)(void *arg, const uint8_t *buf, size_t len);
	void *arg;
};

/* A responder with the fuzz VPN at time 1000 ms, random stream 0 reset. */
int fe_begin(struct fe *f);
/* Runs one record (ctl, data); returns 0. */
int fe_record(struct fe *f, uint8_t ctl, const uint8_t *data, size_t len);
/* The clock runs on; the engine is freed. */
void fe_end(struct fe *f);

/* Seals plain (after a 28-byte header hdr) with sa's keys as the
 * original initiator would: the datagram into out; 0 or -1. */
struct ike_sa;
int fe_seal(const struct ike_sa *sa, const uint8_t *hdr, const uint8_t *plain,
    size_t plen, uint8_t *out, size_t cap, size_t *olen);

#endif
