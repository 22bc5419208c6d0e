/*
 * ike_base.c - what every file of the engine uses: log lines in iked's
 * wording with the VPN name and SPIs, the peer as text, and jitter for
 * lifetimes and retries.  Calls nothing else of the engine.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"

static const char *
addr_str(const struct ike_addr *a, char *buf, size_t len)
{
	char ip[64];

	if (a->af == 0) {
		snprintf(buf, len, "any");
		return buf;
	}
	ts_addr_format(a->af, a->ip, ip, sizeof(ip));
	snprintf(buf, len, a->af == 6 ? "[%s]:%u" : "%s:%u", ip, a->port);
	return buf;
}

/*
 * A warning or error about v becomes its "last error" for `ikectl show
 * vpn`, kept even when the log level hides it.  Not for ike_log_remote():
 * what an unauthenticated packet causes must not change what the admin
 * is shown.
 */
static void
note_error(struct ike_engine *eng, struct ike_vpn *v, int level,
    const char *text)
{
	if (v == NULL || level > IKE_LOG_WARN) {
		return;
	}
	size_t n = strlen(text);

	if (v->error == NULL &&
	    (v->error = malloc(IKD_VPN_ERROR_MAX)) == NULL) {
		return;	/* shown without its last error */
	}
	if (n >= IKD_VPN_ERROR_MAX) {
		n = IKD_VPN_ERROR_MAX - 1;
	}
	memcpy(v->error, text, n);
	v->error[n] = '\0';
	v->error_ms = eng->now ? eng->now : 1;
}

static void
log_v(struct ike_engine *eng, int level, const struct ike_sa *sa,
    struct ike_vpn *v, int record, const char *fmt, va_list ap)
{
	char line[512];
	size_t n = 0, head;
	va_list cp;

	if (sa == NULL && v != NULL) {
		n = (size_t)snprintf(line, sizeof(line), "%s: ", v->cfg->name);
	}
	if (sa) {
		uint64_t spi = 0;

		for (int i = 0; i < 8; i++) {
			spi = spi << 8 | sa->spi_i[i];
		}
		n = (size_t)snprintf(line, sizeof(line), "%s: spi=0x%016llx: ",
		    sa->vpn ? sa->vpn->cfg->name : "-",
		    (unsigned long long)spi);
	}
	head = n < sizeof(line) ? n : sizeof(line) - 1;
	va_copy(cp, ap);
	vsnprintf(line + head, sizeof(line) - head, fmt, cp);
	va_end(cp);
	if (record) {
		note_error(eng, sa ? sa->vpn : v, level, line + head);
	}
	if (level <= eng->log_level && eng->env.log != NULL) {
		eng->env.log(eng->env.ctx, level, line);
	}
}

/* see ike_int.h */
void
ike_log(struct ike_engine *eng, int level, const struct ike_sa *sa,
    const char *fmt, ...)
{
	va_list ap;

	if (level > eng->log_level && (sa == NULL || level > IKE_LOG_WARN)) {
		return;
	}
	va_start(ap, fmt);
	log_v(eng, level, sa, NULL, 1, fmt, ap);
	va_end(ap);
}

/* see ike_int.h */
void
ike_log_vpn(struct ike_engine *eng, int level, struct ike_vpn *v,
    const char *fmt, ...)
{
	va_list ap;

	if (level > eng->log_level && level > IKE_LOG_WARN) {
		return;
	}
	va_start(ap, fmt);
	log_v(eng, level, NULL, v, 1, fmt, ap);
	va_end(ap);
}

/* see ike_int.h */
void
ike_log_remote(struct ike_engine *eng, int level, const struct ike_sa *sa,
    const char *fmt, ...)
{
	va_list ap;

	if (level > eng->log_level || eng->env.log == NULL) {
		return;
	}
	if (eng->now - eng->rlog_window >= 1000) {
		if (eng->rlog_dropped > 0) {
			ike_log(eng, IKE_LOG_WARN, NULL, "%u more log lines "
			    "caused by remote packets were left out (at most "
			    "%d a second)", eng->rlog_dropped,
			    IKD_REMOTE_LOG_PER_S);
		}
		eng->rlog_window = eng->now;
		eng->rlog_count = 0;
		eng->rlog_dropped = 0;
	}
	if (eng->rlog_count >= IKD_REMOTE_LOG_PER_S) {
		eng->rlog_dropped++;
		eng->st.log_suppressed++;
		return;
	}
	eng->rlog_count++;
	va_start(ap, fmt);
	log_v(eng, level, sa, NULL, 0, fmt, ap);
	va_end(ap);
}

/* see ike_int.h */
const char *
ike_sa_peer_str(const struct ike_sa *sa, char *buf, size_t len)
{
	char p[80], l[80];

	snprintf(buf, len, "peer %s local %s", addr_str(&sa->peer, p, sizeof(p)),
	    addr_str(&sa->local, l, sizeof(l)));
	return buf;
}

/* see ike_int.h */
uint64_t
ike_jitter(uint64_t ms, unsigned lo_pct, unsigned hi_pct)
{
	uint32_t r = 0;

	(void)cr_rand(&r, sizeof(r));
	return ms * (lo_pct + r % (hi_pct - lo_pct + 1)) / 100;
}

/* see ike_int.h */
void
ike_env_send(struct ike_engine *eng, const struct ike_addr *local,
    const struct ike_addr *peer, const uint8_t *buf, size_t len)
{
	if (eng->env.send == NULL) {
		return;
	}
	if (local->port != IKE_NATT_PORT) {
		eng->env.send(eng->env.ctx, local, peer, buf, len);
		return;
	}
	/* RFC 3948 2.2: four zero bytes where ESP has its SPI, so that the
	 * kernel's UDP-encapsulation socket hands the datagram to us. */
	if (len > sizeof(eng->frame) - IKD_NON_ESP_MARKER) {
		return;
	}
	memset(eng->frame, 0, IKD_NON_ESP_MARKER);
	memcpy(eng->frame + IKD_NON_ESP_MARKER, buf, len);
	eng->env.send(eng->env.ctx, local, peer, eng->frame,
	    len + IKD_NON_ESP_MARKER);
}
