/*
 * test_ike_show.c - `show sa` / `show stats` output (core/ike/show.c) on
 * fixed inputs: exact text, exact JSON, JSON escaping, and JSON validity
 * checked by python3's parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/show.h"
#include "t/harness/t.h"

/* Renders through fn into a string (caller frees). */
#define RENDER(buf, stmt) \
	do { \
		size_t t_len_; \
		FILE *out = open_memstream(&(buf), &t_len_); \
		stmt; \
		fclose(out); \
	} while (0)

static struct ike_child_info child = {
	.state = "INSTALLED",
	.spi_in = 0xc0ffee01,
	.spi_out = 0x0000beef,
	.n_local_ts = 1,
	.n_remote_ts = 2,
	.local_ts = { "203.0.113.0/25" },
	.remote_ts = { "203.0.113.128/26", "203.0.113.192/26" },
	.enc = "aes-256",
	.integ = "hmac-sha1",
	.group = "modp4096",
	.bytes_in = 1234,
	.bytes_out = 18446744073709551615ULL,
};

static struct ike_sa_info sa = {
	.vpn = "nom_vpn",
	.state = "ESTABLISHED",
	.initiator = 1,
	.local = { 4, { 192, 0, 2, 254 }, 500 },
	.peer = { 4, { 198, 51, 100, 254 }, 4500 },
	.ispi = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef },
	.rspi = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 },
	.enc = "aes-256",
	.integ = "hmac-sha2-256",
	.prf = "hmac-sha2-256",
	.group = "modp4096",
	.established_ms = 1000,
	.nat = "remote",	/* the peer behind a NAT: its port 4500 */
	.encap = 1,
	.n_children = 1,
	.children = &child,
};

static const char sa_json[] =
    "{\"vpn\":\"nom_vpn\",\"state\":\"ESTABLISHED\",\"initiator\":true,"
    "\"local\":\"192.0.2.254:500\",\"peer\":\"198.51.100.254:4500\","
    "\"nat\":\"remote\",\"encap\":true,\"fragmentation\":false,"
    "\"ispi\":\"0123456789abcdef\",\"rspi\":\"fedcba9876543210\","
    "\"ike\":{\"enc\":\"aes-256\",\"integ\":\"hmac-sha2-256\","
    "\"prf\":\"hmac-sha2-256\",\"group\":\"modp4096\"},"
    "\"children\":[{\"state\":\"INSTALLED\",\"spi_in\":\"c0ffee01\","
    "\"spi_out\":\"0000beef\",\"local_ts\":[\"203.0.113.0/25\"],"
    "\"remote_ts\":[\"203.0.113.128/26\",\"203.0.113.192/26\"],"
    "\"enc\":\"aes-256\",\"integ\":\"hmac-sha1\",\"group\":\"modp4096\","
    "\"bytes_in\":1234,\"bytes_out\":18446744073709551615}]}";

static const char sa_text[] =
    "nom_vpn: ESTABLISHED, initiator\n"
    "  local 192.0.2.254:500 peer 198.51.100.254:4500\n"
    "  nat: remote, esp in udp\n"
    "  ike spi i 0123456789abcdef r fedcba9876543210\n"
    "  ike enc aes-256 integ hmac-sha2-256 prf hmac-sha2-256 group modp4096\n"
    "  up 61s\n"
    "  child INSTALLED spi in c0ffee01 out 0000beef\n"
    "    local  203.0.113.0/25\n"
    "    remote 203.0.113.128/26 203.0.113.192/26\n"
    "    esp enc aes-256 integ hmac-sha1 group modp4096\n"
    "    bytes in 1234 out 18446744073709551615\n";

/* 0 when python3's json parser accepts s. */
static int
json_valid(const char *s)
{
	FILE *p = popen("python3 -c 'import json,sys; json.load(sys.stdin)' "
	    "2>/dev/null", "w");

	if (p == NULL) {
		return -1;
	}
	fputs(s, p);
	return pclose(p);
}

T_CASE(ike_show, sa_json_exact)
{
	char *s = NULL;

	T_ROW("without a clock: no up_s");
	RENDER(s, show_sa_json(out, &sa, 0));
	T_EQ_STR(s, sa_json);
	T_EQ_INT(json_valid(s), 0);
	free(s);
	T_ROW("up_s: whole seconds since established");
	RENDER(s, show_sa_json(out, &sa, 62500));
	T_CONTAINS(s, "\"rspi\":\"fedcba9876543210\",\"up_s\":61,\"ike\":{");
	T_EQ_INT(strlen(s), strlen(sa_json) + strlen(",\"up_s\":61"));
	free(s);
}

T_CASE(ike_show, sa_text_exact)
{
	char *s = NULL;

	RENDER(s, show_sa_text(out, &sa, 62500));
	T_EQ_STR(s, sa_text);
	free(s);
}

T_CASE(ike_show, addr)
{
	char b[SHOW_ADDR_MAX];
	struct ike_addr v6 = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 500 };
	struct ike_addr none = { 0 };

	T_ROW("ipv6 in brackets");
	T_EQ_STR(show_addr(b, sizeof(b), &v6), "[2001:db8::1]:500");
	T_ROW("unset");
	T_EQ_STR(show_addr(b, sizeof(b), &none), "-");
	T_ROW("ipv4");
	T_EQ_STR(show_addr(b, sizeof(b), &sa.local), "192.0.2.254:500");
}

T_CASE(ike_show, json_escaping)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "plain", "\"plain\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "nl\ncr\rtab\t", "\"nl\\ncr\\rtab\\t\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ NULL, "null" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *s = NULL;

		T_ROW("%s", rows[i].want);
		RENDER(s, show_json_str(out, rows[i].in));
		T_EQ_STR(s, rows[i].want);
		T_EQ_INT(json_valid(s), 0);
		free(s);
	}
	T_ROW("the checker itself refuses bad JSON");
	T_ASSERT(json_valid("\"raw\x01control\"") != 0);
	T_ASSERT(json_valid("[1,]") != 0);
}

T_CASE(ike_show, list_json_empty_filter_many)
{
	struct show_list l;
	struct ike_sa_info odd = sa;
	char *s = NULL;

	odd.vpn = "we\"ird\n";
	odd.state = "SA_INIT";
	odd.initiator = 0;
	odd.n_children = 0;
	odd.peer.af = 0;

	T_ROW("empty list is []");
	RENDER(s, (show_list_begin(&l, out, NULL, 1, 0), show_list_end(&l)));
	T_EQ_STR(s, "[]\n");
	T_EQ_INT(json_valid(s), 0);
	free(s);

	T_ROW("two SAs, escaped name, valid JSON");
	RENDER(s, (show_list_begin(&l, out, NULL, 1, 0),
	    show_list_cb(&l, &sa), show_list_cb(&l, &odd), show_list_end(&l)));
	T_EQ_INT(l.n, 2);
	T_CONTAINS(s, "\"vpn\":\"we\\\"ird\\n\"");
	T_CONTAINS(s, "\"initiator\":false");
	T_CONTAINS(s, "\"peer\":\"-\"");
	T_CONTAINS(s, "\"children\":[]}");
	T_EQ_INT(json_valid(s), 0);
	free(s);

	T_ROW("filter by vpn name");
	RENDER(s, (show_list_begin(&l, out, "nom_vpn", 1, 0),
	    show_list_cb(&l, &odd), show_list_cb(&l, &sa), show_list_end(&l)));
	T_EQ_INT(l.n, 1);
	T_CONTAINS(s, "\"vpn\":\"nom_vpn\"");
	T_ASSERT(strstr(s, "ird") == NULL);
	free(s);

	T_ROW("text form, nothing matches");
	RENDER(s, (show_list_begin(&l, out, "other", 0, 0),
	    show_list_cb(&l, &sa), show_list_end(&l)));
	T_EQ_STR(s, "no IKE SA for this vpn\n");
	free(s);
}

T_CASE(ike_show, stats)
{
	struct ike_stats st = { .ike_sas = 2, .child_sas = 3, .dropped = 7,
	    .cookies_sent = 4, .log_suppressed = 9, .dh_offloaded = 11,
	    .dh_stale = 1 };
	char *s = NULL;

	T_ROW("text");
	RENDER(s, show_stats(out, &st, 0));
	T_CONTAINS(s, "ike_sas          2\n");
	T_CONTAINS(s, "child_sas        3\n");
	T_CONTAINS(s, "dropped          7\n");
	T_CONTAINS(s, "cookies_sent     4\n");
	T_CONTAINS(s, "log_suppressed   9\n");
	T_CONTAINS(s, "dh_offloaded     11\n");
	T_CONTAINS(s, "dh_stale         1\n");
	free(s);
	T_ROW("json");
	RENDER(s, show_stats(out, &st, 1));
	T_CONTAINS(s, "{\"ike_sas\":2,\"child_sas\":3,");
	T_CONTAINS(s, "\"dropped\":7,\"cookies_sent\":4,\"init_refused\":0,"
	    "\"log_suppressed\":9,\"nat_keepalives\":0,\"nat_updates\":0,"
	    "\"frag_sent\":0,\"frag_received\":0,\"frag_reassembled\":0,"
	    "\"frag_dropped\":0,\"dh_offloaded\":11,\"dh_stale\":1,\"dh_ahead\":0}");
	T_EQ_INT(json_valid(s), 0);
	free(s);
	T_ROW("the daemon names its kernel backend first");
	st.backend = "xfrm (auto)";
	RENDER(s, show_stats(out, &st, 0));
	T_CONTAINS(s, "backend          xfrm (auto)\nike_sas          2\n");
	free(s);
	RENDER(s, show_stats(out, &st, 1));
	T_CONTAINS(s, "{\"backend\":\"xfrm (auto)\",\"ike_sas\":2,");
	T_EQ_INT(json_valid(s), 0);
	free(s);
}

T_CASE(ike_show, durations_and_bytes)
{
	static const struct {
		uint64_t ms;
		const char *want;
	} d[] = {
		{ 0, "0s" }, { 999, "0s" }, { 45000, "45s" }, { 60000, "1m" },
		{ 725000, "12m5s" }, { 3600000, "1h" }, { 11520000, "3h12m" },
		{ 11559000, "3h12m" }, { 86400000, "1d" },
		{ 187200000, "2d4h" }, { 8640000000ULL, "100d" },
	};
	static const struct {
		uint64_t n;
		const char *want;
	} b[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" }, { 1048575, "1023.9 KiB" },
		{ 12582912, "12.0 MiB" }, { 3435973837ULL, "3.2 GiB" },
		{ 1ULL << 50, "1.0 PiB" }, { UINT64_MAX, "16383.9 PiB" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		T_ROW("%llu ms", (unsigned long long)d[i].ms);
		T_EQ_STR(show_duration(buf, sizeof(buf), d[i].ms), d[i].want);
	}
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		T_ROW("%llu bytes", (unsigned long long)b[i].n);
		T_EQ_STR(show_bytes(buf, sizeof(buf), b[i].n), b[i].want);
	}
}

T_CASE(ike_show, vpn_text_and_json_exact)
{
	struct ike_vpn_info up = { .name = "branch", .state = IKE_VPN_UP,
	    .active = 1, .peer = { .af = 4, .ip = { 192, 0, 2, 2 } },
	    .up_ms = 1000, .handshake_ms = 7000000, .rekey_ms = 12000000,
	    .children = 2, .flows = 2,
	    .error = "IKE_AUTH failed: peer answered AUTHENTICATION_FAILED",
	    .error_ms = 500 };
	struct ike_vpn_info retry = { .name = "lte", .state =
	    IKE_VPN_RETRYING, .active = 1, .retry_ms = 11520500,
	    .flows = 1 };
	struct ike_vpn_info pas = { .name = "hub", .state = IKE_VPN_PASSIVE,
	    .flows = 3 };
	struct show_vpn v = { .in = &up, .peer_cfg = "gw2.example.org",
	    .bytes_in = 1536, .bytes_out = 12582912 };
	char *s = NULL;

	RENDER(s, show_vpn_text(out, &v, 11521000));
	T_EQ_STR(s, "branch: up 3h12m\n"
	    "  peer gw2.example.org (192.0.2.2)\n"
	    "  active, CHILD SAs 2 of 2 flows\n"
	    "  last handshake 1h15m ago\n"
	    "  next rekey in 7m59s\n"
	    "  traffic 1.5 KiB in, 12.0 MiB out\n"
	    "  last error 3h12m ago: IKE_AUTH failed: peer answered "
	    "AUTHENTICATION_FAILED\n");
	free(s);
	RENDER(s, show_vpn_json(out, &v, 11521000));
	T_EQ_STR(s, "{\"vpn\":\"branch\",\"state\":\"up\",\"mode\":\"active\","
	    "\"peer\":\"gw2.example.org\",\"peer_ip\":\"192.0.2.2\","
	    "\"children\":2,\"flows\":2,\"up_s\":11520,"
	    "\"handshake_ago_s\":4521,\"rekey_in_s\":479,\"bytes_in\":1536,"
	    "\"bytes_out\":12582912,\"error\":\"IKE_AUTH failed: peer "
	    "answered AUTHENTICATION_FAILED\",\"error_ago_s\":11520}");
	T_EQ_INT(json_valid(s), 0);
	free(s);
	v.in = &retry;
	v.peer_cfg = "198.51.100.1";
	v.bytes_in = v.bytes_out = 0;
	RENDER(s, show_vpn_text(out, &v, 11521000));
	T_EQ_STR(s, "lte: retrying in 0s\n  peer 198.51.100.1\n"
	    "  active, CHILD SAs 0 of 1 flow\n");
	free(s);
	retry.retry_ms = 11530000;
	RENDER(s, show_vpn_json(out, &v, 11521000));
	T_CONTAINS(s, "\"state\":\"retrying\",\"mode\":\"active\","
	    "\"peer\":\"198.51.100.1\",\"peer_ip\":null,\"children\":0,"
	    "\"flows\":1,\"retry_in_s\":9,");
	free(s);
	v.in = &pas;
	v.peer_cfg = "any";
	RENDER(s, show_vpn_text(out, &v, 5));
	T_EQ_STR(s, "hub: passive, waiting for the peer\n  peer any\n"
	    "  passive, CHILD SAs 0 of 3 flows\n");
	free(s);
}

T_CASE(ike_show, sa_tap)
{
	struct ike_sa_info t = sa;
	char *s = NULL;

	t.tap = "vtia";
	t.tap_how = "VTI, mark 0x4000";
	RENDER(s, show_sa_text(out, &t, 0));
	T_CONTAINS(s, "\n  tap vtia (VTI, mark 0x4000)\n  ike spi i ");
	free(s);
	RENDER(s, show_sa_json(out, &t, 0));
	T_CONTAINS(s, "\"fragmentation\":false,\"tap\":\"vtia\",\"ispi\":");
	T_EQ_INT(json_valid(s), 0);
	free(s);
	T_ROW("without tap: no line, no key");
	RENDER(s, show_sa_text(out, &sa, 0));
	T_ASSERT(strstr(s, "tap") == NULL);
	free(s);
}
