/*
 * show.c - text and JSON renderings of the engine's SA and counter views.
 *
 * The daemon renders into a memory stream and sends the bytes over the
 * control socket; ikectl prints them as they come.  Keeping this free of
 * sockets and of the engine's internals lets unit tests compare exact output
 * for fixed inputs.  JSON keys and value formats are a stable interface:
 * SPIs are fixed-width lower-case hex strings (16 digits for IKE SPIs, 8 for
 * ESP SPIs) so that scripts can compare one side's spi_in with the other's
 * spi_out as plain strings.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/ike/show.h"

/* see show.h */
char *
show_addr(char *buf, size_t len, const struct ike_addr *a)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->af == 4 && inet_ntop(AF_INET, a->ip, ip, sizeof(ip))) {
		snprintf(buf, len, "%s:%u", ip, a->port);
	} else if (a->af == 6 && inet_ntop(AF_INET6, a->ip, ip, sizeof(ip))) {
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}

/* see show.h */
void
show_json_str(FILE *out, const char *s)
{
	if (s == NULL) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		/* RFC 8259 7: '"', '\\' and controls must be escaped. */
		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(out, "\\u%04x", c);
			} else {
				putc(c, out);
			}
		}
	}
	putc('"', out);
}

static void
spi8_hex(char *buf, const uint8_t spi[8])
{
	for (int i = 0; i < 8; i++) {
		sprintf(buf + 2 * i, "%02x", spi[i]);
	}
}

static const char *
str_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static void
ts_text(FILE *out, const char *label, int n, const char ts[][48])
{
	fprintf(out, "    %s", label);
	if (n <= 0) {
		fputs(" -", out);
	}
	for (int i = 0; i < n && i < IKE_INFO_MAX_TS; i++) {
		fprintf(out, " %s", ts[i]);
	}
	putc('\n', out);
}

/* see show.h */
void
show_sa_text(FILE *out, const struct ike_sa_info *sa, uint64_t now_ms)
{
	char l[SHOW_ADDR_MAX], p[SHOW_ADDR_MAX], is[17], rs[17];

	spi8_hex(is, sa->ispi);
	spi8_hex(rs, sa->rspi);
	fprintf(out, "%s: %s, %s\n", str_or(sa->vpn, "-"),
	    str_or(sa->state, "-"), sa->initiator ? "initiator" : "responder");
	fprintf(out, "  local %s peer %s\n",
	    show_addr(l, sizeof(l), &sa->local),
	    show_addr(p, sizeof(p), &sa->peer));
	/* RFC 7296 2.23: who is behind a NAT; ESP in UDP (RFC 3948)
	 * between the ports of the line above; IKE fragmentation */
	fprintf(out, "  nat: %s%s%s\n", str_or(sa->nat, "none"),
	    sa->encap ? ", esp in udp" : "",
	    sa->frag ? ", ike fragmentation" : "");
	if (sa->tap != NULL) {
		fprintf(out, "  tap %s (%s)\n", sa->tap, str_or(sa->tap_how,
		    "-"));
	}
	fprintf(out, "  ike spi i %s r %s\n", is, rs);
	fprintf(out, "  ike enc %s integ %s prf %s group %s\n",
	    str_or(sa->enc, "-"), str_or(sa->integ, "-"),
	    str_or(sa->prf, "-"), str_or(sa->group, "-"));
	if (now_ms != 0 && sa->established_ms != 0 &&
	    now_ms >= sa->established_ms) {
		fprintf(out, "  up %" PRIu64 "s\n",
		    (now_ms - sa->established_ms) / 1000);
	}
	for (int i = 0; i < sa->n_children; i++) {
		const struct ike_child_info *c = &sa->children[i];

		fprintf(out, "  child %s spi in %08" PRIx32 " out %08" PRIx32
		    "\n", str_or(c->state, "-"), c->spi_in, c->spi_out);
		ts_text(out, "local ", c->n_local_ts, c->local_ts);
		ts_text(out, "remote", c->n_remote_ts, c->remote_ts);
		fprintf(out, "    esp enc %s integ %s group %s\n",
		    str_or(c->enc, "-"), str_or(c->integ, "-"),
		    str_or(c->group, "-"));
		fprintf(out, "    bytes in %" PRIu64 " out %" PRIu64 "\n",
		    c->bytes_in, c->bytes_out);
	}
}

static void
ts_json(FILE *out, int n, const char ts[][48])
{
	putc('[', out);
	for (int i = 0; i < n && i < IKE_INFO_MAX_TS; i++) {
		char one[49];

		/* Bounded copy: a CIDR string the engine forgot to end. */
		memcpy(one, ts[i], 48);
		one[48] = '\0';
		if (i > 0) {
			putc(',', out);
		}
		show_json_str(out, one);
	}
	putc(']', out);
}

static void
json_key(FILE *out, const char *key, const char *val, int comma)
{
	fprintf(out, "%s\"%s\":", comma ? "," : "", key);
	show_json_str(out, val);
}

/* see show.h */
void
show_sa_json(FILE *out, const struct ike_sa_info *sa, uint64_t now_ms)
{
	char buf[SHOW_ADDR_MAX];

	putc('{', out);
	json_key(out, "vpn", sa->vpn, 0);
	json_key(out, "state", sa->state, 1);
	fprintf(out, ",\"initiator\":%s", sa->initiator ? "true" : "false");
	json_key(out, "local", show_addr(buf, sizeof(buf), &sa->local), 1);
	json_key(out, "peer", show_addr(buf, sizeof(buf), &sa->peer), 1);
	json_key(out, "nat", str_or(sa->nat, "none"), 1);
	fprintf(out, ",\"encap\":%s,\"fragmentation\":%s",
	    sa->encap ? "true" : "false", sa->frag ? "true" : "false");
	if (sa->tap != NULL) {
		json_key(out, "tap", sa->tap, 1);
	}
	spi8_hex(buf, sa->ispi);
	json_key(out, "ispi", buf, 1);
	spi8_hex(buf, sa->rspi);
	json_key(out, "rspi", buf, 1);
	if (now_ms != 0 && sa->established_ms != 0 &&
	    now_ms >= sa->established_ms) {
		fprintf(out, ",\"up_s\":%" PRIu64,
		    (now_ms - sa->established_ms) / 1000);
	}
	fputs(",\"ike\":{", out);
	json_key(out, "enc", sa->enc, 0);
	json_key(out, "integ", sa->integ, 1);
	json_key(out, "prf", sa->prf, 1);
	json_key(out, "group", sa->group, 1);
	fputs("},\"children\":[", out);
	for (int i = 0; i < sa->n_children; i++) {
		const struct ike_child_info *c = &sa->children[i];

		fputs(i > 0 ? ",{" : "{", out);
		json_key(out, "state", c->state, 0);
		snprintf(buf, sizeof(buf), "%08" PRIx32, c->spi_in);
		json_key(out, "spi_in", buf, 1);
		snprintf(buf, sizeof(buf), "%08" PRIx32, c->spi_out);
		json_key(out, "spi_out", buf, 1);
		fputs(",\"local_ts\":", out);
		ts_json(out, c->n_local_ts, c->local_ts);
		fputs(",\"remote_ts\":", out);
		ts_json(out, c->n_remote_ts, c->remote_ts);
		json_key(out, "enc", c->enc, 1);
		json_key(out, "integ", c->integ, 1);
		json_key(out, "group", c->group, 1);
		fprintf(out, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
		    "}", c->bytes_in, c->bytes_out);
	}
	fputs("]}", out);
}

/* see show.h */
void
show_list_begin(struct show_list *l, FILE *out, const char *vpn, int json,
    uint64_t now_ms)
{
	l->out = out;
	l->vpn = vpn;
	l->json = json;
	l->now_ms = now_ms;
	l->n = 0;
	if (json) {
		putc('[', out);
	}
}

/* see show.h */
void
show_list_cb(void *arg, const struct ike_sa_info *sa)
{
	struct show_list *l = arg;

	if (l->vpn != NULL && (sa->vpn == NULL || strcmp(sa->vpn, l->vpn))) {
		return;
	}
	if (l->json) {
		fputs(l->n > 0 ? ",\n" : "\n", l->out);
		show_sa_json(l->out, sa, l->now_ms);
	} else {
		if (l->n > 0) {
			putc('\n', l->out);
		}
		show_sa_text(l->out, sa, l->now_ms);
	}
	l->n++;
}

/* see show.h */
void
show_list_end(struct show_list *l)
{
	if (l->json) {
		fputs(l->n > 0 ? "\n]\n" : "]\n", l->out);
	} else if (l->n == 0) {
		fputs(l->vpn ? "no IKE SA for this vpn\n" : "no IKE SA\n",
		    l->out);
	}
}

/* see show.h */
void
show_stats(FILE *out, const struct ike_stats *st, int json)
{
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "ike_sas", st->ike_sas },
		{ "child_sas", st->child_sas },
		{ "half_open", st->half_open },
		{ "retransmits", st->retransmits },
		{ "dpd_sent", st->dpd_sent },
		{ "rekeys_ike", st->rekeys_ike },
		{ "rekeys_child", st->rekeys_child },
		{ "auth_failures", st->auth_failures },
		{ "no_proposal", st->no_proposal },
		{ "ts_unacceptable", st->ts_unacceptable },
		{ "invalid_ke", st->invalid_ke },
		{ "dropped", st->dropped },
		{ "cookies_sent", st->cookies_sent },
		{ "init_refused", st->init_refused },
		{ "log_suppressed", st->log_suppressed },
		{ "nat_keepalives", st->nat_keepalives_sent },
		{ "nat_updates", st->nat_updates },
		{ "frag_sent", st->frag_sent },
		{ "frag_received", st->frag_rx },
		{ "frag_reassembled", st->frag_reassembled },
		{ "frag_dropped", st->frag_dropped },
		{ "dh_offloaded", st->dh_offloaded },
		{ "dh_stale", st->dh_stale },
		{ "dh_ahead", st->dh_ahead },
	};
	size_t n = sizeof(f) / sizeof(f[0]);

	if (json) {
		putc('{', out);
	}
	if (st->backend != NULL && json) {
		fprintf(out, "\"backend\":\"%s\",", st->backend);
	} else if (st->backend != NULL) {
		fprintf(out, "%-16s %s\n", "backend", st->backend);
	}
	for (size_t i = 0; i < n; i++) {
		if (json) {
			fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "",
			    f[i].name, f[i].v);
		} else {
			fprintf(out, "%-16s %" PRIu64 "\n", f[i].name, f[i].v);
		}
	}
	if (json) {
		fputs("}\n", out);
	}
}

/* see show.h */
char *
show_duration(char *buf, size_t len, uint64_t ms)
{
	static const struct {
		char unit;
		uint64_t s;
	} u[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	uint64_t s = ms / 1000;

	for (size_t i = 0; i < 3; i++) {
		if (s >= u[i].s) {
			uint64_t hi = s / u[i].s, lo = s % u[i].s / u[i + 1].s;

			if (lo == 0) {
				snprintf(buf, len, "%" PRIu64 "%c", hi,
				    u[i].unit);
			} else {
				snprintf(buf, len, "%" PRIu64 "%c%" PRIu64
				    "%c", hi, u[i].unit, lo, u[i + 1].unit);
			}
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64 "s", s);
	return buf;
}

/* see show.h */
char *
show_bytes(char *buf, size_t len, uint64_t n)
{
	static const char *unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	uint64_t div = 1024;
	size_t i = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return buf;
	}
	while (i + 1 < sizeof(unit) / sizeof(unit[0]) && n / div >= 1024) {
		div *= 1024;
		i++;
	}
	/* one decimal, rounded down: integers only */
	snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", n / div,
	    n % div * 10 / div, unit[i]);
	return buf;
}

static const char *const vpn_state_name[] = {
	[IKE_VPN_UP] = "up",
	[IKE_VPN_CONNECTING] = "connecting",
	[IKE_VPN_RETRYING] = "retrying",
	[IKE_VPN_DOWN] = "down",
	[IKE_VPN_PASSIVE] = "passive",
};

static const char *
state_name(int st)
{
	if (st < 0 || (size_t)st >= sizeof(vpn_state_name) /
	    sizeof(vpn_state_name[0])) {
		return "?";
	}
	return vpn_state_name[st];
}

/* ms from then to now, 0 when then is in the future */
static uint64_t
since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static uint64_t
until(uint64_t now, uint64_t then)
{
	return then > now ? then - now : 0;
}

static void
ip_text(char *buf, size_t len, const struct ike_addr *a)
{
	if (a->af == 0 || inet_ntop(a->af == 6 ? AF_INET6 : AF_INET, a->ip,
	    buf, (socklen_t)len) == NULL) {
		snprintf(buf, len, "-");
	}
}

/* see show.h */
void
show_vpn_text(FILE *out, const struct show_vpn *v, uint64_t now_ms)
{
	const struct ike_vpn_info *in = v->in;
	char a[64], b[32], c[32];

	fprintf(out, "%s: ", in->name);
	switch (in->state) {
	case IKE_VPN_UP:
		fprintf(out, "up %s\n", show_duration(b, sizeof(b),
		    since(now_ms, in->up_ms)));
		break;
	case IKE_VPN_RETRYING:
		fprintf(out, "retrying in %s\n", show_duration(b, sizeof(b),
		    until(now_ms, in->retry_ms) + 999));
		break;
	case IKE_VPN_DOWN:
		fputs("down (ikectl down)\n", out);
		break;
	case IKE_VPN_PASSIVE:
		fputs("passive, waiting for the peer\n", out);
		break;
	default:
		fprintf(out, "%s\n", state_name(in->state));
	}
	ip_text(a, sizeof(a), &in->peer);
	if (v->peer_cfg != NULL && strcmp(v->peer_cfg, a) != 0 &&
	    in->peer.af != 0) {
		fprintf(out, "  peer %s (%s)\n", v->peer_cfg, a);
	} else {
		fprintf(out, "  peer %s\n", v->peer_cfg ? v->peer_cfg : a);
	}
	fprintf(out, "  %s, CHILD SAs %d of %d flow%s\n", in->active ?
	    "active" : "passive", in->children, in->flows,
	    in->flows == 1 ? "" : "s");
	if (in->handshake_ms != 0) {
		fprintf(out, "  last handshake %s ago\n", show_duration(b,
		    sizeof(b), since(now_ms, in->handshake_ms)));
	}
	if (in->rekey_ms != 0) {
		fprintf(out, "  next rekey in %s\n", show_duration(b,
		    sizeof(b), until(now_ms, in->rekey_ms)));
	}
	if (in->state == IKE_VPN_UP || v->bytes_in || v->bytes_out) {
		fprintf(out, "  traffic %s in, %s out\n", show_bytes(b,
		    sizeof(b), v->bytes_in), show_bytes(c, sizeof(c),
		    v->bytes_out));
	}
	if (in->error != NULL) {
		fprintf(out, "  last error %s ago: %s\n", show_duration(b,
		    sizeof(b), since(now_ms, in->error_ms)), in->error);
	}
}

/* see show.h */
void
show_vpn_json(FILE *out, const struct show_vpn *v, uint64_t now_ms)
{
	const struct ike_vpn_info *in = v->in;
	char a[64];

	putc('{', out);
	json_key(out, "vpn", in->name, 0);
	json_key(out, "state", state_name(in->state), 1);
	json_key(out, "mode", in->active ? "active" : "passive", 1);
	json_key(out, "peer", v->peer_cfg, 1);
	ip_text(a, sizeof(a), &in->peer);
	json_key(out, "peer_ip", in->peer.af ? a : NULL, 1);
	fprintf(out, ",\"children\":%d,\"flows\":%d", in->children,
	    in->flows);
	if (in->state == IKE_VPN_UP) {
		fprintf(out, ",\"up_s\":%" PRIu64,
		    since(now_ms, in->up_ms) / 1000);
	}
	if (in->state == IKE_VPN_RETRYING) {
		fprintf(out, ",\"retry_in_s\":%" PRIu64,
		    (until(now_ms, in->retry_ms) + 999) / 1000);
	}
	if (in->handshake_ms != 0) {
		fprintf(out, ",\"handshake_ago_s\":%" PRIu64,
		    since(now_ms, in->handshake_ms) / 1000);
	}
	if (in->rekey_ms != 0) {
		fprintf(out, ",\"rekey_in_s\":%" PRIu64,
		    until(now_ms, in->rekey_ms) / 1000);
	}
	fprintf(out, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64,
	    v->bytes_in, v->bytes_out);
	if (in->error != NULL) {
		json_key(out, "error", in->error, 1);
		fprintf(out, ",\"error_ago_s\":%" PRIu64,
		    since(now_ms, in->error_ms) / 1000);
	}
	putc('}', out);
}
