/*
 * cfg_uci.c - OpenWrt's UCI configuration (/etc/config/ikebox) into the INI
 * files ikd reads: `cfgcheck --import-uci FILE -o DIR`, which the procd
 * init script runs before it starts or reloads ikd.  Written in C, not
 * with OpenWrt's `uci` tool, so that it is the same code everywhere and is
 * tested here.
 *
 * The UCI file (uci(1)'s syntax: `config TYPE ['NAME']`, `option KEY
 * 'VALUE'`, `list KEY 'VALUE'`, # comments, values in single or double
 * quotes or bare words):
 *
 *   config global 'global'            [global] keys, as in ikd.conf
 *           option dpd_check_interval '60'
 *   config vpn 'branch'               one VPN, named after its section
 *           option enabled '1'        0: left out (OpenWrt's habit)
 *           option mode 'active'      [vpn] keys, as in vpn.d/NAME.conf
 *           option psk 'PSK-TO-CONFIGURE'
 *           list flow '203.0.113.0/25 203.0.113.128/25'
 *           list ikesa_enc 'aes-256'  [ikesa] enc, auth, prf, group;
 *           list childsa_group 'modp2048'  [childsa] enc, auth, group;
 *           option keepalive_target '...'  [keepalive] keys
 *
 * A key given as a list (or repeated) becomes one line with the values
 * separated by spaces; flows become one `flow =` line each.  Anything else
 * is an error with the UCI file:line, and nothing is written then.  The
 * result is then checked by cfg_load() like any INI file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cfg/cfg.h"

#define UCI_LINE_MAX 1024
#define UCI_VALUE_MAX 512

/* Where a UCI key goes: INI section and key. */
struct uci_key {
	const char *uci;	/* option name in a `vpn` section */
	const char *sec;	/* INI section */
	const char *key;	/* INI key */
	int list;		/* values joined with spaces; flow: lines */
};

static const struct uci_key vpn_keys[] = {
	{ "mode", "vpn", "mode", 0 },
	{ "protocol", "vpn", "protocol", 0 },
	{ "local", "vpn", "local", 0 },
	{ "peer", "vpn", "peer", 0 },
	{ "srcid", "vpn", "srcid", 0 },
	{ "dstid", "vpn", "dstid", 0 },
	{ "psk", "vpn", "psk", 0 },
	{ "psk_file", "vpn", "psk_file", 0 },
	{ "ikelifetime", "vpn", "ikelifetime", 0 },
	{ "lifetime", "vpn", "lifetime", 0 },
	{ "lifetime_bytes", "vpn", "lifetime_bytes", 0 },
	{ "tap", "vpn", "tap", 0 },
	{ "flow", "flows", "flow", 2 },
	{ "ikesa_enc", "ikesa", "enc", 1 },
	{ "ikesa_auth", "ikesa", "auth", 1 },
	{ "ikesa_prf", "ikesa", "prf", 1 },
	{ "ikesa_group", "ikesa", "group", 1 },
	{ "childsa_enc", "childsa", "enc", 1 },
	{ "childsa_auth", "childsa", "auth", 1 },
	{ "childsa_group", "childsa", "group", 1 },
	{ "keepalive_source", "keepalive", "source", 0 },
	{ "keepalive_target", "keepalive", "target", 0 },
	{ "keepalive_interval", "keepalive", "interval", 0 },
	{ "keepalive_fail_after", "keepalive", "fail_after", 0 },
};
#define N_VPN_KEYS (sizeof(vpn_keys) / sizeof(vpn_keys[0]))

static const char *const global_keys[] = {
	"dpd_check_interval", "nat_traversal", "backend", "socket", "log",
	"user", "seccomp", "hooks", "nat_keepalive", "fragment_size",
	"workers",
};
#define N_GLOBAL_KEYS (sizeof(global_keys) / sizeof(global_keys[0]))

/* One section as read: its values per key (index into the key tables). */
struct uci_sec {
	int is_vpn;
	int enabled;
	char name[CFG_NAME_MAX];
	int line;
	char *val[N_VPN_KEYS > N_GLOBAL_KEYS ? N_VPN_KEYS : N_GLOBAL_KEYS];
};

struct uci {
	const char *file;
	struct cfg_diag *diag;
	size_t errors;
	struct uci_sec *secs;
	size_t n, cap;
	int nomem;
};

static void
uci_err(struct uci *u, int line, const char *fmt, const char *a)
{
	if (cfg_diag_add(u->diag, 0, u->file, line, fmt, a) != 0) {
		u->nomem = 1;
	}
}

/*
 * The next word of *p (bare, 'single' or "double" quoted, a backslash
 * quoting the next character inside double quotes) into out; *p moves past
 * it.  Returns 1, 0 at the end of the line, -1 for an unclosed quote.
 */
static int
word(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	if (*s == '\0' || *s == '#' || *s == '\n' || *s == '\r') {
		return 0;
	}
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n' &&
	    *s != '\r') {
		if (*s == '\'' || *s == '"') {
			char q = *s++;

			while (*s != q) {
				if (*s == '\0' || *s == '\n') {
					return -1;
				}
				if (q == '"' && *s == '\\' && s[1] != '\0') {
					s++;
				}
				if (n + 1 < cap) {
					out[n++] = *s;
				}
				s++;
			}
			s++;
			continue;
		}
		if (n + 1 < cap) {
			out[n++] = *s;
		}
		s++;
	}
	out[n] = '\0';
	*p = s;
	return n + 1 < cap ? 1 : -2;
}

static int
key_index(const struct uci_sec *s, const char *key)
{
	for (size_t i = 0; s->is_vpn && i < N_VPN_KEYS; i++) {
		if (strcmp(vpn_keys[i].uci, key) == 0) {
			return (int)i;
		}
	}
	for (size_t i = 0; !s->is_vpn && i < N_GLOBAL_KEYS; i++) {
		if (strcmp(global_keys[i], key) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* Adds value to key k of s: set, or (a list) appended after a space or a
 * newline (flows). */
static int
add_value(struct uci_sec *s, int k, int is_list, const char *value)
{
	int join = s->is_vpn ? vpn_keys[k].list : 0;
	size_t old = s->val[k] ? strlen(s->val[k]) : 0;
	char *v;

	if (s->val[k] != NULL && !join && !is_list) {
		free(s->val[k]);
		s->val[k] = NULL;
		old = 0;
	}
	v = realloc(s->val[k], old + strlen(value) + 2);
	if (v == NULL) {
		return -ENOMEM;
	}
	if (old > 0) {
		v[old++] = join == 2 ? '\n' : ' ';
	}
	strcpy(v + old, value);
	s->val[k] = v;
	return 0;
}

static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < CFG_NAME_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.") == n && s[0] != '.';
}

static void
parse_line(struct uci *u, const char *line, int ln)
{
	char w[3][UCI_VALUE_MAX];
	const char *p = line;
	int n = 0, r;
	struct uci_sec *s;

	while (n < 3 && (r = word(&p, w[n], sizeof(w[n]))) == 1) {
		n++;
	}
	if (n < 3 && r < 0) {
		uci_err(u, ln, r == -1 ? "unclosed quote%s" :
		    "value longer than %s characters", r == -1 ? "" : "511");
		return;
	}
	if (n == 0) {
		return;
	}
	if (n == 3 && (r = word(&p, w[0], sizeof(w[0]))) != 0) {
		uci_err(u, ln, "more than a key and a value: use list for "
		    "several values ('%s')", line);
		return;
	}
	if (strcmp(w[0], "config") == 0) {
		if (n < 2 || (strcmp(w[1], "vpn") != 0 &&
		    strcmp(w[1], "global") != 0)) {
			uci_err(u, ln, "unknown section type: expected config "
			    "global or config vpn ('%s')", n > 1 ? w[1] : "");
			return;
		}
		if (u->n == u->cap) {
			size_t cap = u->cap ? 2 * u->cap : 8;
			struct uci_sec *ns = realloc(u->secs, cap *
			    sizeof(*ns));

			if (ns == NULL) {
				u->nomem = 1;
				return;
			}
			u->secs = ns;
			u->cap = cap;
		}
		s = &u->secs[u->n++];
		memset(s, 0, sizeof(*s));
		s->is_vpn = strcmp(w[1], "vpn") == 0;
		s->enabled = 1;
		s->line = ln;
		if (n == 3) {
			snprintf(s->name, sizeof(s->name), "%s", w[2]);
		}
		if (s->is_vpn && !name_ok(s->name)) {
			uci_err(u, ln, "a vpn section needs a name (letters, "
			    "digits, _ - .): config vpn 'NAME' ('%s')",
			    s->name);
		}
		return;
	}
	if (strcmp(w[0], "option") != 0 && strcmp(w[0], "list") != 0) {
		uci_err(u, ln, "expected config, option or list ('%s')", w[0]);
		return;
	}
	if (u->n == 0) {
		uci_err(u, ln, "%s before any config section", w[0]);
		return;
	}
	if (n != 3) {
		uci_err(u, ln, "%s needs a key and a value", w[0]);
		return;
	}
	s = &u->secs[u->n - 1];
	if (s->is_vpn && strcmp(w[1], "enabled") == 0) {
		if (strcmp(w[2], "0") != 0 && strcmp(w[2], "1") != 0) {
			uci_err(u, ln, "enabled: expected 0 or 1 ('%s')",
			    w[2]);
		}
		s->enabled = strcmp(w[2], "0") != 0;
		return;
	}
	if ((r = key_index(s, w[1])) < 0) {
		uci_err(u, ln, s->is_vpn ? "unknown option of a vpn section "
		    "('%s')" : "unknown option of the global section ('%s')",
		    w[1]);
		return;
	}
	if (strchr(w[2], '\n') != NULL) {
		uci_err(u, ln, "a value on several lines ('%s')", w[1]);
		return;
	}
	if (add_value(s, r, strcmp(w[0], "list") == 0, w[2]) != 0) {
		u->nomem = 1;
	}
}

static FILE *
create(struct uci *u, const char *path, mode_t mode)
{
	FILE *fp = cfg_file_create(path, mode);

	if (fp == NULL && cfg_diag_add(u->diag, 0, path, 0, "cannot write: %s",
	    strerror(errno)) != 0) {
		u->nomem = 1;
	}
	return fp;
}

/* Writes the keys of section sec of s. */
static void
write_sec(FILE *fp, const struct uci_sec *s, const char *sec)
{
	int head = 0;

	for (size_t i = 0; i < N_VPN_KEYS; i++) {
		const char *v = s->val[i];

		if (v == NULL || strcmp(vpn_keys[i].sec, sec) != 0) {
			continue;
		}
		if (!head && strcmp(sec, "vpn") != 0) {
			fprintf(fp, "[%s]\n", sec);
		}
		head = 1;
		while (v != NULL) {
			const char *nl = strchr(v, '\n');

			fprintf(fp, "%s = %.*s\n", vpn_keys[i].key,
			    nl ? (int)(nl - v) : (int)strlen(v), v);
			v = nl ? nl + 1 : NULL;
		}
	}
}

static int
write_all(struct uci *u, const char *outdir)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/vpn.d", outdir);
	if ((mkdir(outdir, 0755) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0700) != 0 && errno != EEXIST)) {
		(void)cfg_diag_add(u->diag, 0, path, 0, "cannot create: %s",
		    strerror(errno));
		return -EIO;
	}
	snprintf(path, sizeof(path), "%s/ikd.conf", outdir);
	if ((fp = create(u, path, 0644)) == NULL) {
		return -EIO;
	}
	fprintf(fp, "; made from %s by cfgcheck --import-uci: edit that "
	    "file instead\n[global]\ninclude = vpn.d/*.conf\n", u->file);
	for (size_t i = 0; i < u->n; i++) {
		const struct uci_sec *s = &u->secs[i];

		for (size_t k = 0; !s->is_vpn && k < N_GLOBAL_KEYS; k++) {
			if (s->val[k] != NULL) {
				fprintf(fp, "%s = %s\n", global_keys[k],
				    s->val[k]);
			}
		}
	}
	if (ferror(fp) | (fclose(fp) != 0)) {
		return -EIO;
	}
	for (size_t i = 0; i < u->n; i++) {
		const struct uci_sec *s = &u->secs[i];

		if (!s->is_vpn || !s->enabled) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/vpn.d/%s.conf", outdir,
		    s->name);
		if ((fp = create(u, path, 0600)) == NULL) {
			return -EIO;
		}
		fprintf(fp, "; made from %s:%d by cfgcheck --import-uci\n"
		    "[vpn]\nname = %s\n", u->file, s->line, s->name);
		write_sec(fp, s, "vpn");
		write_sec(fp, s, "flows");
		write_sec(fp, s, "ikesa");
		write_sec(fp, s, "childsa");
		write_sec(fp, s, "keepalive");
		if (ferror(fp) | (fclose(fp) != 0)) {
			return -EIO;
		}
	}
	return 0;
}

/* see cfg.h */
int
cfg_uci_import(const char *uci_file, const char *outdir,
    struct cfg_diag *diag)
{
	struct uci u = { .file = uci_file, .diag = diag,
	    .errors = diag->n_errors };
	char line[UCI_LINE_MAX];
	int ln = 0, rc = 0;
	FILE *fp;

	if ((fp = fopen(uci_file, "r")) == NULL) {
		rc = -errno;
		(void)cfg_diag_add(diag, 0, uci_file, 0, "%s",
		    strerror(-rc));
		return rc;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		ln++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			uci_err(&u, ln, "line longer than %s characters",
			    "1023");
			break;
		}
		parse_line(&u, line, ln);
	}
	fclose(fp);
	for (size_t i = 0; i < u.n; i++) {
		for (size_t j = i + 1; j < u.n; j++) {
			if (u.secs[i].is_vpn && u.secs[j].is_vpn &&
			    strcmp(u.secs[i].name, u.secs[j].name) == 0) {
				uci_err(&u, u.secs[j].line, "a second vpn "
				    "section named '%s'", u.secs[j].name);
			}
		}
	}
	if (u.nomem) {
		rc = -ENOMEM;
	} else if (diag->n_errors != u.errors) {
		rc = -EINVAL;
	} else {
		rc = write_all(&u, outdir);
	}
	for (size_t i = 0; i < u.n; i++) {
		for (size_t k = 0; k < sizeof(u.secs[i].val) /
		    sizeof(u.secs[i].val[0]); k++) {
			if (u.secs[i].val[k] != NULL) {
				explicit_bzero(u.secs[i].val[k],
				    strlen(u.secs[i].val[k]));
				free(u.secs[i].val[k]);
			}
		}
	}
	free(u.secs);
	return rc;
}
