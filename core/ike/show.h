/*
 * show.h - `ikectl show sa` and `show stats` rendered as text or JSON.
 *
 * Pure formatting: the functions write to a caller's FILE* (a memory stream
 * in the daemon, a tmpfile in tests) and do no other I/O, so the exact output
 * can be tested on fixed struct ike_sa_info values.  The JSON form is the
 * stable interface scripts and tests parse; the text form is for people.
 */
#ifndef IKEBOX_CORE_IKE_SHOW_H
#define IKEBOX_CORE_IKE_SHOW_H

#include <stdint.h>
#include <stdio.h>

#include "core/ike/ike.h"

/* Large enough for "[ffff:...:ffff]:65535". */
#define SHOW_ADDR_MAX 56

/*
 * Formats "192.0.2.1:500" or "[2001:db8::1]:500" into buf (SHOW_ADDR_MAX
 * bytes); "-" when the address is unset.  Returns buf.
 */
char *show_addr(char *buf, size_t len, const struct ike_addr *a);

/* Writes s as a JSON string literal, quotes included; NULL as null. */
void show_json_str(FILE *out, const char *s);

/*
 * One IKE SA as a text block (one line per fact, children indented).  now_ms
 * is the engine's clock, used to print how long the SA has been up; 0 omits
 * that.
 */
void show_sa_text(FILE *out, const struct ike_sa_info *sa, uint64_t now_ms);

/*
 * One IKE SA as a JSON object (keys documented in docs/ikectl.md); "up_s",
 * the seconds since it was established, only when now_ms is not 0.
 */
void show_sa_json(FILE *out, const struct ike_sa_info *sa, uint64_t now_ms);

/*
 * A listing in progress: start with show_list_begin(), pass show_list_cb to
 * ike_foreach_sa() with the struct as its argument, end with
 * show_list_end().  vpn filters by VPN name when not NULL.  The JSON form is
 * an array, "[]" when empty; the text form says "no IKE SA" when empty.
 */
struct show_list {
	FILE *out;
	const char *vpn;
	int json;
	uint64_t now_ms;
	int n;
};
void show_list_begin(struct show_list *l, FILE *out, const char *vpn,
    int json, uint64_t now_ms);
void show_list_cb(void *arg, const struct ike_sa_info *sa);
void show_list_end(struct show_list *l);

/*
 * `show vpn`: one configured VPN, what the engine knows (ike_foreach_vpn)
 * with what only the daemon knows: how the peer is configured (address,
 * host name or "any") and the bytes its CHILD SAs carried (the kernel's).
 */
struct show_vpn {
	const struct ike_vpn_info *in;
	const char *peer_cfg;
	uint64_t bytes_in, bytes_out;
};

/* A duration for people: "45s", "12m5s", "3h12m", "2d4h" (two units at
 * most, rounded down).  Returns buf. */
char *show_duration(char *buf, size_t len, uint64_t ms);

/* A byte count for people: "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB". */
char *show_bytes(char *buf, size_t len, uint64_t n);

/*
 * One VPN as a text block: "NAME: STATE" then indented facts (peer,
 * CHILD SAs, last handshake, next rekey, traffic, last error), times
 * relative to now_ms; or as one JSON object (keys in docs/ikectl.md).
 */
void show_vpn_text(FILE *out, const struct show_vpn *v, uint64_t now_ms);
void show_vpn_json(FILE *out, const struct show_vpn *v, uint64_t now_ms);

/* `show stats`: "name value" lines, or one JSON object. */
void show_stats(FILE *out, const struct ike_stats *st, int json);

#endif
