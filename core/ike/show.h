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

/* `show stats`: "name value" lines, or one JSON object. */
void show_stats(FILE *out, const struct ike_stats *st, int json);

#endif
