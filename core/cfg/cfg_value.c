/*
 * cfg_value.c - value parsers (addresses, prefixes, IDs, lifetimes) and the
 * diagnostics list, shared by the INI loader and the iked importer so that
 * both accept exactly the same spellings (see cfg.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cfg/cfg.h"

/* see cfg.h */
int
cfg_diag_add(struct cfg_diag *diag, int warning, const char *file, int line,
    const char *fmt, ...)
{
	char what[512], *text;
	struct cfg_msg *m;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (file != NULL && line > 0) {
		n = asprintf(&text, "%s:%d: %s%s", file, line,
		    warning ? "warning: " : "", what);
	} else if (file != NULL) {
		n = asprintf(&text, "%s: %s%s", file,
		    warning ? "warning: " : "", what);
	} else {
		n = asprintf(&text, "%s%s", warning ? "warning: " : "", what);
	}
	if (n < 0) {
		return -ENOMEM;
	}
	m = realloc(diag->msgs, (diag->n + 1) * sizeof(*m));
	if (m == NULL) {
		free(text);
		return -ENOMEM;
	}
	diag->msgs = m;
	m[diag->n].warning = warning;
	m[diag->n].text = text;
	diag->n++;
	if (warning) {
		diag->n_warnings++;
	} else {
		diag->n_errors++;
	}
	return 0;
}

/* see cfg.h */
void
cfg_diag_print(FILE *out, const struct cfg_diag *diag)
{
	for (size_t i = 0; i < diag->n; i++) {
		fprintf(out, "%s\n", diag->msgs[i].text);
	}
}

/* see cfg.h */
void
cfg_diag_free(struct cfg_diag *diag)
{
	for (size_t i = 0; i < diag->n; i++) {
		free(diag->msgs[i].text);
	}
	free(diag->msgs);
	memset(diag, 0, sizeof(*diag));
}

/* see cfg.h */
int
cfg_host_name_ok(const char *s)
{
	size_t len = 0, total = strlen(s);
	int digits = 1;

	if (total == 0 || total > 253) {
		return 0;
	}
	for (const char *c = s;; c++) {
		if (*c == '.' || *c == '\0') {
			if (len == 0 || len > 63 || c[-1] == '-') {
				return 0;
			}
			if (*c == '\0') {
				return !digits;
			}
			len = 0;
			digits = 1;
			continue;
		}
		if (!isalnum((unsigned char)*c) && !(*c == '-' && len > 0)) {
			return 0;
		}
		digits &= isdigit((unsigned char)*c) != 0;
		len++;
	}
}

/* see cfg.h */
int
cfg_parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	memset(ss, 0, sizeof(*ss));
	return -EINVAL;
}

/* see cfg.h */
int
cfg_parse_prefix(const char *s, struct cfg_prefix *p)
{
	char buf[64], *slash, *end;
	size_t len = strlen(s), bytes;
	long plen;
	int max;

	memset(p, 0, sizeof(*p));
	if (len == 0 || len >= sizeof(buf)) {
		return -EINVAL;
	}
	memcpy(buf, s, len + 1);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash++ = '\0';
	}
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash != NULL) {
		if (!isdigit((unsigned char)*slash)) {
			return -EINVAL;
		}
		errno = 0;
		plen = strtol(slash, &end, 10);
		if (errno != 0 || *end != '\0' || plen < 0 || plen > max) {
			return -EINVAL;
		}
	}
	p->plen = (uint8_t)plen;
	/* Host bits past the prefix length: refused, not masked, because
	 * "203.0.113.1/25" is usually a typo for something else. */
	bytes = (size_t)max / 8;
	for (size_t i = 0; i < bytes; i++) {
		int keep = (int)plen - (int)i * 8;
		uint8_t mask = keep >= 8 ? 0xff :
		    keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (p->addr[i] & (uint8_t)~mask) {
			return -ERANGE;
		}
	}
	return 0;
}

static int
fqdn_ok(const char *s)
{
	size_t label = 0, len = strlen(s);

	if (len == 0 || len > 253) {
		return 0;
	}
	for (const char *c = s; *c; c++) {
		if (*c == '.') {
			if (label == 0) {
				return 0;
			}
			label = 0;
		} else if (isalnum((unsigned char)*c) || *c == '-' ||
		    *c == '_') {
			if (++label > 63) {
				return 0;
			}
		} else {
			return 0;
		}
	}
	return 1;
}

/* see cfg.h */
int
cfg_parse_id(const char *s, struct cfg_id *id, uint8_t *buf)
{
	const char *at = strchr(s, '@');
	size_t len = strlen(s);

	memset(id, 0, sizeof(*id));
	if (inet_pton(AF_INET, s, buf) == 1) {
		id->type = CFG_ID_IPV4_ADDR;
		id->len = 4;
		id->data = buf;
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		id->type = CFG_ID_IPV6_ADDR;
		id->len = 16;
		id->data = buf;
		return 0;
	}
	if (len == 0 || len > CFG_ID_MAX) {
		return -EINVAL;
	}
	if (at != NULL) {
		/* RFC 7296 3.5: ID_RFC822_ADDR, "jsmith@example.com". */
		if (at == s || strchr(at + 1, '@') != NULL ||
		    !fqdn_ok(at + 1)) {
			return -EINVAL;
		}
		for (const char *c = s; c < at; c++) {
			if (!isgraph((unsigned char)*c)) {
				return -EINVAL;
			}
		}
		id->type = CFG_ID_RFC822_ADDR;
	} else {
		if (!fqdn_ok(s)) {
			return -EINVAL;
		}
		id->type = CFG_ID_FQDN;
	}
	id->len = (uint8_t)len;
	memcpy(buf, s, len);
	id->data = buf;
	return 0;
}

/* Reads digits then an optional unit letter; mult maps the letter. */
static int
parse_scaled(const char *s, uint64_t max, uint64_t *out,
    uint64_t (*mult)(char))
{
	uint64_t v = 0, m = 1;
	const char *c = s;

	if (!isdigit((unsigned char)*c)) {
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*c); c++) {
		if (v > (UINT64_MAX - 9) / 10) {
			return -ERANGE;
		}
		v = v * 10 + (uint64_t)(*c - '0');
	}
	if (*c != '\0') {
		m = mult(*c);
		if (m == 0 || c[1] != '\0') {
			return -EINVAL;
		}
	}
	if (v != 0 && m > max / v) {
		return -ERANGE;
	}
	*out = v * m;
	return 0;
}

static uint64_t
time_unit(char c)
{
	switch (c) {
	case 's':
		return 1;
	case 'm':
		return 60;
	case 'h':
		return 3600;
	case 'd':
		return 86400;
	}
	return 0;
}

static uint64_t
byte_unit(char c)
{
	/* iked.conf(5): K, M, G are powers of 1024. */
	switch (c) {
	case 'K':
	case 'k':
		return 1024ULL;
	case 'M':
	case 'm':
		return 1024ULL * 1024;
	case 'G':
	case 'g':
		return 1024ULL * 1024 * 1024;
	case 'T':
	case 't':
		return 1024ULL * 1024 * 1024 * 1024;
	}
	return 0;
}

/* see cfg.h */
int
cfg_parse_seconds(const char *s, uint32_t *out)
{
	uint64_t v;
	int rc = parse_scaled(s, UINT32_MAX, &v, time_unit);

	if (rc == 0) {
		*out = (uint32_t)v;
	}
	return rc;
}

/* see cfg.h */
int
cfg_parse_bytes(const char *s, uint64_t *out)
{
	return parse_scaled(s, UINT64_MAX, out, byte_unit);
}

/* see cfg.h */
FILE *
cfg_file_create(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	FILE *fp;
	int e;

	if (fd < 0) {
		return NULL;
	}
	if (fchmod(fd, mode) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	return fp;
}
