/*
 * cfg_iked.c - `cfgcheck --import-iked`: iked.conf(5) into ikebox's INI.
 *
 * It reads iked.conf the way iked's lexer does (macros `name = "value"`
 * expanded as `$name` outside quotes only, `\` newline continuations, `#`
 * comments, nested `include "file"`), then maps `set` options and `ikev2`
 * policies onto ikd.conf and one vpn.d/NAME.conf per policy.  What has no
 * ikebox meaning is an error naming the iked file and line: a silently
 * dropped keyword would give a tunnel that looks right and is not.
 * Values are checked with the same parsers as the INI loader, so mistakes
 * are reported against the iked file the user wrote; the written files are
 * then checked again by cfg_load (cfgcheck does that).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cfg/cfg.h"

#define IM_DEPTH 16
#define IM_WORD 256

enum tok_kind { T_WORD, T_QUOTED, T_SYM, T_MACRO, T_NL };

struct tok {
	int kind;
	char *s;
	int line;
	const char *file;
};

struct toks {
	struct tok *v;
	size_t n;
};

struct macro {
	char *name;
	char *value;
};

struct pol {
	char name[CFG_NAME_MAX];
	const char *file;
	int line;
	int active;
	char local[IM_WORD], peer[IM_WORD];
	char srcid[IM_WORD], dstid[IM_WORD];
	char psk[IM_WORD];
	int has_psk;
	char flows[CFG_FLOWS_MAX][2][IM_WORD];
	size_t n_flows;
	char ike[4][IM_WORD];		/* enc auth prf group */
	char child[3][IM_WORD];		/* enc auth group */
	char ikelifetime[IM_WORD], lifetime[IM_WORD], bytes[IM_WORD];
	char tap[IM_WORD];
};

struct im {
	struct cfg_diag *diag;
	struct macro *macros;
	size_t n_macros;
	char **files;			/* interned file names */
	size_t n_files;
	char *stack[IM_DEPTH];		/* realpaths being read */
	int depth;
	struct pol *pols;
	size_t n_pols;
	int dpd_line;
	char dpd[IM_WORD];
	int frag;			/* set [no]fragmentation: 1, -1; 0 */
	int nomem;
	int unnamed;
};

static void im_err(struct im *im, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
im_err(struct im *im, const char *file, int line, const char *fmt, ...)
{
	char what[448];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (cfg_diag_add(im->diag, 0, file, line, "%s", what) != 0) {
		im->nomem = 1;
	}
}

static const char *
im_intern(struct im *im, const char *s)
{
	char **f = realloc(im->files, (im->n_files + 1) * sizeof(*f));

	if (f == NULL || (f[im->n_files] = strdup(s)) == NULL) {
		im->nomem = 1;
		if (f != NULL) {
			im->files = f;
		}
		return "?";
	}
	im->files = f;
	return f[im->n_files++];
}

static void
toks_push(struct im *im, struct toks *t, int kind, const char *s, size_t len,
    const char *file, int line)
{
	struct tok *v = realloc(t->v, (t->n + 1) * sizeof(*v));

	if (v == NULL || (v[t->n].s = strndup(s, len)) == NULL) {
		im->nomem = 1;
		if (v != NULL) {
			t->v = v;
		}
		return;
	}
	t->v = v;
	v[t->n].kind = kind;
	v[t->n].line = line;
	v[t->n].file = file;
	t->n++;
}

static void
toks_free(struct toks *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].s);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/*
 * iked's lexer rules: `#` to the end of the line, `\` + newline joins
 * lines, "..." is one token (no $ expansion inside), = , { } ( ) ! < >
 * stand alone, $name is a macro reference.  line is the first line's
 * number; every token keeps the line it started on.
 */
static void
lex(struct im *im, const char *p, const char *file, int line,
    struct toks *out)
{
	while (*p) {
		const char *s;

		if (*p == '\\' && (p[1] == '\n' ||
		    (p[1] == '\r' && p[2] == '\n'))) {
			p += p[1] == '\r' ? 3 : 2;
			line++;
		} else if (*p == '\n') {
			toks_push(im, out, T_NL, "", 0, file, line);
			line++;
			p++;
		} else if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '#') {
			while (*p && *p != '\n') {
				p++;
			}
		} else if (*p == '"') {
			char buf[1024];
			size_t n = 0;

			for (s = p + 1; *s && *s != '"' && *s != '\n'; s++) {
				if (*s == '\\' &&
				    (s[1] == '"' || s[1] == '\\')) {
					s++;
				}
				if (n < sizeof(buf) - 1) {
					buf[n++] = *s;
				}
			}
			if (*s != '"') {
				im_err(im, file, line, "unterminated quoted "
				    "string ('%.40s')", p);
				p = s;
				continue;
			}
			toks_push(im, out, T_QUOTED, buf, n, file, line);
			p = s + 1;
		} else if (strchr("=,{}()!<>", *p) != NULL) {
			toks_push(im, out, T_SYM, p, 1, file, line);
			p++;
		} else if (*p == '$') {
			for (s = p + 1; isalnum((unsigned char)*s) ||
			    *s == '_'; s++) {
			}
			toks_push(im, out, T_MACRO, p + 1, (size_t)(s - p - 1),
			    file, line);
			p = s;
		} else {
			for (s = p; *s && !isspace((unsigned char)*s) &&
			    strchr("#\"=,{}()!<>", *s) == NULL &&
			    !(*s == '\\' && s[1] == '\n'); s++) {
			}
			toks_push(im, out, T_WORD, p, (size_t)(s - p), file,
			    line);
			p = s;
		}
	}
}

static const char *
macro_get(struct im *im, const char *name)
{
	for (size_t i = 0; i < im->n_macros; i++) {
		if (strcmp(im->macros[i].name, name) == 0) {
			return im->macros[i].value;
		}
	}
	return NULL;
}

/* Appends t to out, macro references replaced by their lexed value. */
static void
expand(struct im *im, const struct tok *t, struct toks *out, int depth)
{
	struct toks sub = { 0 };
	const char *v;

	if (t->kind != T_MACRO) {
		toks_push(im, out, t->kind, t->s, strlen(t->s), t->file,
		    t->line);
		return;
	}
	if ((v = macro_get(im, t->s)) == NULL) {
		im_err(im, t->file, t->line, "undefined macro ('$%s')", t->s);
		return;
	}
	if (depth > 8) {
		im_err(im, t->file, t->line, "macros nested too deep ('$%s')",
		    t->s);
		return;
	}
	/* iked re-reads the value as text but does not expand it again:
	 * a "$x" inside a macro's value stays a word. */
	lex(im, v, t->file, t->line, &sub);
	for (size_t i = 0; i < sub.n; i++) {
		struct tok w = sub.v[i];
		char buf[IM_WORD];

		if (w.kind == T_NL) {
			continue;
		}
		if (w.kind == T_MACRO) {
			snprintf(buf, sizeof(buf), "$%s", w.s);
			w.kind = T_WORD;
			w.s = buf;
		}
		expand(im, &w, out, depth + 1);
	}
	toks_free(&sub);
}

static int im_file(struct im *im, const char *path, const char *from,
    int from_line);

static int
is_word(const struct tok *t, const char *w)
{
	return (t->kind == T_WORD) && strcmp(t->s, w) == 0;
}

static int
is_value(const struct tok *t)
{
	return t->kind == T_WORD || t->kind == T_QUOTED;
}

static void
do_set(struct im *im, struct tok *t, size_t n)
{
	if (n == 3 && is_word(&t[1], "dpd_check_interval") &&
	    is_value(&t[2])) {
		uint32_t s;

		if (cfg_parse_seconds(t[2].s, &s) != 0) {
			im_err(im, t[2].file, t[2].line, "set "
			    "dpd_check_interval: expected seconds ('%s')",
			    t[2].s);
		}
		snprintf(im->dpd, sizeof(im->dpd), "%s", t[2].s);
		im->dpd_line = t[0].line;
		return;
	}
	/* RFC 7383: iked's fixed fragment sizes become ikebox's default
	 * fragment_size; "nofragmentation" turns it off. */
	if (n == 2 && (is_word(&t[1], "fragmentation") ||
	    is_word(&t[1], "nofragmentation"))) {
		im->frag = is_word(&t[1], "fragmentation") ? 1 : -1;
		return;
	}
	/* What ikebox does anyway: iked's coupled flows, no MOBIKE. */
	if (n == 2 && (is_word(&t[1], "couple") ||
	    is_word(&t[1], "nomobike"))) {
		return;
	}
	im_err(im, t[0].file, t[0].line, "unsupported iked option "
	    "('set%s%s')", n > 1 ? " " : "", n > 1 ? t[1].s : "");
}

/* An iked address spec for from/to: a prefix, or any. */
static int
take_prefix(struct im *im, const struct tok *t, char *out)
{
	struct cfg_prefix p;
	int rc;

	if (!is_value(t)) {
		im_err(im, t->file, t->line, "unsupported address spec "
		    "(tables, negation and nested lists are not imported) "
		    "('%s')", t->s);
		return -EINVAL;
	}
	if (strcmp(t->s, "any") == 0) {
		snprintf(out, IM_WORD, "any");
		return 0;
	}
	rc = cfg_parse_prefix(t->s, &p);
	if (rc == -ERANGE) {
		im_err(im, t->file, t->line, "host bits set past the prefix "
		    "length ('%s')", t->s);
		return rc;
	}
	if (rc != 0) {
		im_err(im, t->file, t->line, "expected an address or "
		    "ADDRESS/LENGTH; host names are not resolved ('%s')",
		    t->s);
		return rc;
	}
	snprintf(out, IM_WORD, "%s", t->s);
	return 0;
}

static void
append(char *list, const char *word)
{
	size_t n = strlen(list);

	snprintf(list + n, IM_WORD - n, "%s%s", n ? " " : "", word);
}

static int
name_ok(const char *s)
{
	if (s[0] == '\0' || strlen(s) >= CFG_NAME_MAX) {
		return 0;
	}
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s)) {
			return 0;
		}
	}
	return 1;
}

static int is_ikev2_word(const struct tok *t);

static int
is_sym(const struct tok *t, char c)
{
	return t->kind == T_SYM && t->s[0] == c;
}

/*
 * One side of "from A to B" at t[*i] (the word "from" or "to"): A's
 * prefixes into out[] (*nout of them), *i moved past it.  A is a prefix,
 * `any`, or a list in braces, `{ 10.1.0.0/24 10.2.0.0/24 }`, elements
 * apart by blanks or commas: ipsec.conf(5)'s host_list.  iked.conf(5)
 * says "certain parameters can be expressed as lists" but iked's parse.y
 * takes lists for `proto` only; admins coming from ipsec.conf write them
 * for addresses, and the meaning is plain.
 * iked's "port" after it is refused (ikebox flows are whole prefixes).
 * Returns 0, or -1 with the error reported.
 */
static int
take_side(struct im *im, const struct tok *t, size_t n, size_t *i,
    char (*out)[IM_WORD], size_t *nout)
{
	const struct tok *k = &t[*i];
	size_t j = *i + 1;

	*nout = 0;
	if (j >= n) {
		im_err(im, k->file, k->line, "'%s' needs a value", k->s);
		return -1;
	}
	if (!is_sym(&t[j], '{')) {
		if (take_prefix(im, &t[j], out[0]) != 0) {
			return -1;
		}
		*nout = 1;
		j++;
	} else {
		int comma_ok = 0;

		for (j++; j < n && !is_sym(&t[j], '}'); j++) {
			if (is_sym(&t[j], ',') && comma_ok) {
				comma_ok = 0;
				continue;
			}
			if (is_word(&t[j], "to") || is_ikev2_word(&t[j])) {
				break;		/* the '}' is missing */
			}
			if (*nout == CFG_FLOWS_MAX) {
				im_err(im, t[j].file, t[j].line, "'%s' list: "
				    "more than %d addresses ('%s')", k->s,
				    CFG_FLOWS_MAX, t[j].s);
				return -1;
			}
			if (take_prefix(im, &t[j], out[*nout]) != 0) {
				return -1;
			}
			(*nout)++;
			comma_ok = 1;
		}
		if (j >= n || !is_sym(&t[j], '}')) {
			im_err(im, k->file, k->line, "'%s' list: '{' without "
			    "'}' ('%s')", k->s, j < n ? t[j].s : "{");
			return -1;
		}
		if (*nout == 0 || !comma_ok) {
			im_err(im, t[j].file, t[j].line, "'%s' list: %s "
			    "('}')", k->s, *nout == 0 ? "empty" :
			    "a ',' before the closing brace");
			return -1;
		}
		j++;
	}
	*i = j;
	if (*i < n && is_word(&t[*i], "port")) {
		im_err(im, t[*i].file, t[*i].line, "unsupported iked keyword: "
		    "flows are whole prefixes, without ports ('port')");
		return -1;
	}
	return 0;
}

/* AF_INET6, AF_INET, or AF_UNSPEC for `any`, of a checked prefix. */
static int
prefix_family(const char *s)
{
	if (strcmp(s, "any") == 0) {
		return AF_UNSPEC;
	}
	return strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
}

/*
 * "from A to B" at t[*i]: one flow per pair of A's and B's prefixes, as
 * ipsecctl expands lists (a pair of two address families is skipped, and
 * none left is an error).  Bounded by the VPN's flow maximum: each flow is
 * a CHILD SA of its own.  Returns 0, or -1 with the error reported.
 */
static int
take_flows(struct im *im, struct pol *p, const struct tok *t, size_t n,
    size_t *i)
{
	char src[CFG_FLOWS_MAX][IM_WORD], dst[CFG_FLOWS_MAX][IM_WORD];
	const struct tok *k = &t[*i];
	size_t ns, nd, pairs = 0;

	if (take_side(im, t, n, i, src, &ns) != 0) {
		return -1;
	}
	if (*i >= n || !is_word(&t[*i], "to")) {
		im_err(im, k->file, k->line, "'from' without 'to'");
		return -1;
	}
	if (take_side(im, t, n, i, dst, &nd) != 0) {
		return -1;
	}
	for (size_t a = 0; a < ns; a++) {
		for (size_t b = 0; b < nd; b++) {
			int fa = prefix_family(src[a]);
			int fb = prefix_family(dst[b]);

			pairs += fa == AF_UNSPEC || fb == AF_UNSPEC || fa == fb;
		}
	}
	if (pairs == 0) {
		im_err(im, k->file, k->line, "'from' and 'to' have no pair "
		    "of one address family ('%s', '%s')", src[0], dst[0]);
		return -1;
	}
	if (p->n_flows + pairs > CFG_FLOWS_MAX) {
		im_err(im, k->file, k->line, "policy '%s' would have %zu "
		    "flows, more than %d (one CHILD SA each): split it into "
		    "several policies ('%zu')", p->name, p->n_flows + pairs,
		    CFG_FLOWS_MAX, p->n_flows + pairs);
		return -1;
	}
	for (size_t a = 0; a < ns; a++) {
		for (size_t b = 0; b < nd; b++) {
			int fa = prefix_family(src[a]);
			int fb = prefix_family(dst[b]);

			if (fa != AF_UNSPEC && fb != AF_UNSPEC && fa != fb) {
				continue;
			}
			memcpy(p->flows[p->n_flows][0], src[a], IM_WORD);
			memcpy(p->flows[p->n_flows][1], dst[b], IM_WORD);
			p->n_flows++;
		}
	}
	return 0;
}

/* Keywords that start a part of an ikev2 rule: a bare word that is not
 * one of these right after `ikev2` is the policy's name. */
static const char *const ikev2_words[] = {
	"active", "passive", "esp", "ah", "inet", "inet6", "proto", "from",
	"local", "peer", "ikesa", "childsa", "srcid", "dstid", "ikelifetime",
	"lifetime", "psk", "tap", "tag", "iface", "config", "rsa",
	"ecdsa256", "ecdsa384", "ecdsa521", "eap", "quick", "skip", "default",
	"ipcomp", "transport", "tunnel", "request", "set", "rdomain", NULL,
};

static int
is_ikev2_word(const struct tok *t)
{
	if (t->kind != T_WORD) {
		return 0;
	}
	for (size_t i = 0; ikev2_words[i]; i++) {
		if (strcmp(t->s, ikev2_words[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

static void
do_ikev2(struct im *im, struct tok *t, size_t n)
{
	struct pol *p, *pols;
	size_t i = 1;
	int bad = 0;

	pols = realloc(im->pols, (im->n_pols + 1) * sizeof(*pols));
	if (pols == NULL) {
		im->nomem = 1;
		return;
	}
	im->pols = pols;
	p = &pols[im->n_pols];
	memset(p, 0, sizeof(*p));
	p->file = t[0].file;
	p->line = t[0].line;
	if (i < n && (t[i].kind == T_QUOTED ||
	    (t[i].kind == T_WORD && !is_ikev2_word(&t[i])))) {
		if (!name_ok(t[i].s)) {
			im_err(im, t[i].file, t[i].line, "policy name: "
			    "letters, digits, '_', '.', '-' only (it becomes "
			    "a file name) ('%s')", t[i].s);
			bad = 1;
		}
		snprintf(p->name, sizeof(p->name), "%s", t[i].s);
		i++;
	} else {
		/* iked names unnamed policies itself; so do we. */
		snprintf(p->name, sizeof(p->name), "policy%d", ++im->unnamed);
	}
#define NEED(k) \
	do { \
		if (i + (k) >= n || !is_value(&t[i + (k)])) { \
			im_err(im, t[i].file, t[i].line, "'%s' needs a " \
			    "value", t[i].s); \
			bad = 1; \
			goto out; \
		} \
	} while (0)
#define ONCE(buf) \
	do { \
		if ((buf)[0] != '\0') { \
			im_err(im, t[i].file, t[i].line, "'%s' given twice " \
			    "in one policy", t[i].s); \
			bad = 1; \
		} \
	} while (0)
	while (i < n) {
		struct tok *k = &t[i];

		if (is_word(k, "active") || is_word(k, "passive")) {
			p->active = is_word(k, "active");
			i++;
		} else if (is_word(k, "esp") || is_word(k, "inet") ||
		    is_word(k, "inet6") || is_word(k, "tunnel")) {
			/* esp and tunnel are what ikebox does; the family
			 * follows from the addresses. */
			i++;
		} else if (is_word(k, "from")) {
			if (take_flows(im, p, t, n, &i) != 0) {
				bad = 1;
				goto out;
			}
			if (i < n && is_sym(&t[i], ',')) {
				i++;
			}
		} else if (is_word(k, "local") || is_word(k, "peer")) {
			struct sockaddr_storage ss;
			int local = is_word(k, "local");
			char *dst = local ? p->local : p->peer;
			const char *v;

			NEED(1);
			ONCE(dst);
			v = t[i + 1].s;
			if (local && strcmp(v, "egress") == 0) {
				/* iked: the addresses of the interfaces that
				 * hold the default route.  ikebox's "any":
				 * the source of the route to the peer. */
				v = "any";
			} else if (strcmp(v, "any") == 0 ||
			    cfg_parse_addr(v, &ss) == 0) {
				/* as written */
			} else if (local) {
				im_err(im, t[i + 1].file, t[i + 1].line,
				    "local: expected an address, 'any' or "
				    "'egress'; host names, interfaces and "
				    "prefixes are not imported ('%s')", v);
				bad = 1;
			} else if (!cfg_host_name_ok(v)) {
				im_err(im, t[i + 1].file, t[i + 1].line,
				    "peer: expected an address, 'any' or a "
				    "host name ('%s')", v);
				bad = 1;
			}
			snprintf(dst, IM_WORD, "%s", v);
			i += 2;
		} else if (is_word(k, "ikesa") || is_word(k, "childsa")) {
			int child = is_word(k, "childsa");
			static const char *const ike_keys[] = { "enc", "auth",
				"prf", "group", NULL };
			static const char *const child_keys[] = { "enc",
				"auth", "group", NULL };
			const char *const *kk = child ? child_keys : ike_keys;

			i++;
			while (i < n) {
				size_t j;

				if (child && is_word(&t[i], "noesn")) {
					i++;
					continue;
				}
				for (j = 0; kk[j] && !is_word(&t[i], kk[j]);
				    j++) {
				}
				if (kk[j] == NULL) {
					break;
				}
				NEED(1);
				append(child ? p->child[j] : p->ike[j],
				    t[i + 1].s);
				i += 2;
			}
		} else if (is_word(k, "srcid") || is_word(k, "dstid")) {
			struct cfg_id id;
			uint8_t idbuf[CFG_ID_MAX];

			NEED(1);
			ONCE(is_word(k, "srcid") ? p->srcid : p->dstid);
			if (t[i + 1].s[0] == '/') {
				im_err(im, t[i + 1].file, t[i + 1].line,
				    "%s: ASN.1 DN identities need "
				    "certificates, which ikebox does not do "
				    "('%s')", k->s, t[i + 1].s);
				bad = 1;
			} else if (cfg_parse_id(t[i + 1].s, &id, idbuf) != 0) {
				im_err(im, t[i + 1].file, t[i + 1].line,
				    "%s: expected an address, FQDN or "
				    "user@FQDN ('%s')", k->s, t[i + 1].s);
				bad = 1;
			}
			snprintf(is_word(k, "srcid") ? p->srcid : p->dstid,
			    IM_WORD, "%s", t[i + 1].s);
			i += 2;
		} else if (is_word(k, "ikelifetime")) {
			NEED(1);
			ONCE(p->ikelifetime);
			snprintf(p->ikelifetime, IM_WORD, "%s", t[i + 1].s);
			i += 2;
		} else if (is_word(k, "lifetime")) {
			NEED(1);
			ONCE(p->lifetime);
			snprintf(p->lifetime, IM_WORD, "%s", t[i + 1].s);
			i += 2;
			if (i < n && is_word(&t[i], "bytes")) {
				NEED(1);
				snprintf(p->bytes, IM_WORD, "%s", t[i + 1].s);
				i += 2;
			}
		} else if (is_word(k, "psk")) {
			NEED(1);
			ONCE(p->has_psk ? "x" : "");
			if (strlen(t[i + 1].s) > CFG_PSK_MAX) {
				im_err(im, k->file, k->line, "psk longer than "
				    "%d bytes", CFG_PSK_MAX);
				bad = 1;
			}
			snprintf(p->psk, IM_WORD, "%s", t[i + 1].s);
			p->has_psk = 1;
			i += 2;
		} else if (is_word(k, "tap")) {
			NEED(1);
			ONCE(p->tap);
			snprintf(p->tap, IM_WORD, "%s", t[i + 1].s);
			i += 2;
		} else {
			/* rsa, ecdsa*, eap (certificates), ah, proto,
			 * ipcomp, transport, tag, iface, config, ... */
			im_err(im, k->file, k->line, "unsupported iked "
			    "keyword in policy '%s'; the rest of the policy "
			    "is not read ('%s')", p->name, k->s);
			bad = 1;
			goto out;
		}
	}
#undef NEED
#undef ONCE
out:
	if (!bad && p->n_flows == 0) {
		im_err(im, p->file, p->line, "policy '%s' has no 'from ... "
		    "to ...'", p->name);
		bad = 1;
	}
	for (size_t j = 0; j < im->n_pols; j++) {
		if (strcmp(im->pols[j].name, p->name) == 0) {
			im_err(im, p->file, p->line, "duplicate policy name "
			    "(also at %s:%d) ('%s')", im->pols[j].file,
			    im->pols[j].line, p->name);
			bad = 1;
		}
	}
	if (!bad) {
		im->n_pols++;
	}
}

static void
do_stmt(struct im *im, struct toks *raw)
{
	struct toks s = { 0 };
	struct tok *t;

	for (size_t i = 0; i < raw->n; i++) {
		/* `name = value`: the name is not expanded. */
		if (i == 0 && raw->n > 1 && raw->v[1].kind == T_SYM &&
		    raw->v[1].s[0] == '=') {
			toks_push(im, &s, raw->v[0].kind, raw->v[0].s,
			    strlen(raw->v[0].s), raw->v[0].file,
			    raw->v[0].line);
			continue;
		}
		expand(im, &raw->v[i], &s, 0);
	}
	if (s.n == 0) {
		goto out;
	}
	t = s.v;
	if (s.n >= 2 && t[1].kind == T_SYM && t[1].s[0] == '=') {
		struct macro *m;

		if (t[0].kind != T_WORD || s.n != 3 || !is_value(&t[2])) {
			im_err(im, t[0].file, t[0].line, "expected a macro "
			    "definition NAME = \"VALUE\" ('%s')", t[0].s);
			goto out;
		}
		m = realloc(im->macros, (im->n_macros + 1) * sizeof(*m));
		if (m == NULL) {
			im->nomem = 1;
			goto out;
		}
		im->macros = m;
		m[im->n_macros].name = strdup(t[0].s);
		m[im->n_macros].value = strdup(t[2].s);
		im->n_macros++;
	} else if (is_word(&t[0], "include")) {
		char path[PATH_MAX], dir[PATH_MAX];

		if (s.n != 2 || !is_value(&t[1])) {
			im_err(im, t[0].file, t[0].line, "expected include "
			    "\"FILE\"");
			goto out;
		}
		/* Relative names are taken from the including file's
		 * folder (iked takes them from its working directory,
		 * which is / for the daemon). */
		snprintf(dir, sizeof(dir), "%s", t[0].file);
		if (t[1].s[0] == '/') {
			snprintf(path, sizeof(path), "%s", t[1].s);
		} else {
			snprintf(path, sizeof(path), "%s/%s", dirname(dir),
			    t[1].s);
		}
		(void)im_file(im, path, t[0].file, t[0].line);
	} else if (is_word(&t[0], "set")) {
		do_set(im, t, s.n);
	} else if (is_word(&t[0], "ikev2")) {
		do_ikev2(im, t, s.n);
	} else {
		im_err(im, t[0].file, t[0].line, "unsupported iked statement "
		    "('%s')", t[0].s);
	}
out:
	toks_free(&s);
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (fp == NULL) {
		return NULL;
	}
	do {
		char *nb;

		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(fp);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 4096, fp);
		n += r;
	} while (r > 0);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}

static int
im_file(struct im *im, const char *path, const char *from, int from_line)
{
	char real[PATH_MAX], *text;
	struct toks all = { 0 }, st = { 0 };
	const char *file;

	if (realpath(path, real) == NULL ||
	    (text = slurp(path)) == NULL) {
		im_err(im, from ? from : path, from_line, "cannot read: %s "
		    "('%s')", strerror(errno), path);
		return -errno;
	}
	for (int i = 0; i < im->depth; i++) {
		if (strcmp(im->stack[i], real) == 0 || im->depth >= IM_DEPTH) {
			im_err(im, from, from_line, "include loop ('%s')",
			    path);
			free(text);
			return -ELOOP;
		}
	}
	file = im_intern(im, path);
	im->stack[im->depth++] = real;
	lex(im, text, file, 1, &all);
	free(text);
	for (size_t i = 0; i <= all.n; i++) {
		if (i == all.n || all.v[i].kind == T_NL) {
			do_stmt(im, &st);
			/* st's strings belong to all. */
			free(st.v);
			st.v = NULL;
			st.n = 0;
			continue;
		}
		struct tok *v = realloc(st.v, (st.n + 1) * sizeof(*v));

		if (v == NULL) {
			im->nomem = 1;
			break;
		}
		st.v = v;
		st.v[st.n++] = all.v[i];
	}
	free(st.v);
	toks_free(&all);
	im->depth--;
	return 0;
}

/* A psk that inih would not read back verbatim, or that psk = would read
 * differently (quotes at its ends are taken off), goes out as 0x hex. */
static void
write_psk(FILE *fp, const char *psk)
{
	size_t n = strlen(psk);
	int plain = n > 0 && !isspace((unsigned char)psk[0]) &&
	    !isspace((unsigned char)psk[n - 1]) && psk[0] != ';' &&
	    strstr(psk, " ;") == NULL && strstr(psk, "\t;") == NULL &&
	    psk[0] != '"' && psk[n - 1] != '"';

	for (size_t i = 0; i < n; i++) {
		if (!isprint((unsigned char)psk[i]) && psk[i] != '\t') {
			plain = 0;
		}
	}
	if (plain) {
		fprintf(fp, "psk = %s\n", psk);
		return;
	}
	fprintf(fp, "psk = 0x");
	for (size_t i = 0; i < n; i++) {
		fprintf(fp, "%02x", (unsigned char)psk[i]);
	}
	fputc('\n', fp);
}

static FILE *
create(struct im *im, const char *path, mode_t mode)
{
	FILE *fp = cfg_file_create(path, mode);

	if (fp == NULL) {
		im_err(im, path, 0, "cannot write: %s", strerror(errno));
	}
	return fp;
}

static int
finish(struct im *im, FILE *fp, const char *path)
{
	if (ferror(fp) | (fclose(fp) != 0)) {
		im_err(im, path, 0, "cannot write: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

static void
write_pol(struct im *im, const char *outdir, const struct pol *p)
{
	static const char *const ike_keys[] = { "enc", "auth", "prf",
		"group" };
	static const char *const child_keys[] = { "enc", "auth", "group" };
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/vpn.d/%s.conf", outdir, p->name);
	if ((fp = create(im, path, 0600)) == NULL) {
		return;
	}
	fprintf(fp, "; imported from %s:%d by cfgcheck --import-iked\n",
	    p->file, p->line);
	fprintf(fp, "[vpn]\nname = %s\n", p->name);
	fprintf(fp, "mode = %s%s\n", p->active ? "active" : "passive",
	    p->active ? "" : "                 ; iked's default");
	fprintf(fp, "protocol = esp\n");
	if (p->local[0]) {
		fprintf(fp, "local = %s\n", p->local);
	}
	if (p->peer[0]) {
		fprintf(fp, "peer = %s\n", p->peer);
	}
	if (p->srcid[0]) {
		fprintf(fp, "srcid = %s\n", p->srcid);
	}
	if (p->dstid[0]) {
		fprintf(fp, "dstid = %s\n", p->dstid);
	}
	if (p->has_psk) {
		write_psk(fp, p->psk);
	}
	if (p->ikelifetime[0]) {
		fprintf(fp, "ikelifetime = %s\n", p->ikelifetime);
	} else {
		fprintf(fp, "ikelifetime = 0                 ; iked's default: "
		    "the IKE SA is never rekeyed\n");
	}
	if (p->lifetime[0]) {
		fprintf(fp, "lifetime = %s\n", p->lifetime);
	}
	if (p->bytes[0]) {
		fprintf(fp, "lifetime_bytes = %s\n", p->bytes);
	}
	if (p->tap[0]) {
		fprintf(fp, "tap = %s\n", p->tap);
	}
	fprintf(fp, "\n[flows]\n");
	for (size_t i = 0; i < p->n_flows; i++) {
		const char *l = p->flows[i][0], *r = p->flows[i][1];
		int v6 = strchr(l, ':') != NULL || strchr(r, ':') != NULL;

		/* iked's "any": the whole address space of the family. */
		fprintf(fp, "flow = %s %s\n",
		    strcmp(l, "any") ? l : v6 ? "::/0" : "0.0.0.0/0",
		    strcmp(r, "any") ? r : v6 ? "::/0" : "0.0.0.0/0");
	}
	for (int c = 0; c < 2; c++) {
		int printed = 0, nk = c ? 3 : 4;

		for (int k = 0; k < nk; k++) {
			const char *v = c ? p->child[k] : p->ike[k];

			if (v[0] == '\0') {
				continue;
			}
			if (!printed++) {
				fprintf(fp, "\n[%s]\n",
				    c ? "childsa" : "ikesa");
			}
			fprintf(fp, "%s = %s\n", c ? child_keys[k] :
			    ike_keys[k], v);
		}
	}
	(void)finish(im, fp, path);
}

/* see cfg.h */
int
cfg_iked_import(const char *iked_conf, const char *outdir,
    struct cfg_diag *diag)
{
	struct im im;
	char path[PATH_MAX];
	size_t errors = diag->n_errors;
	FILE *fp;
	int rc = 0;

	memset(&im, 0, sizeof(im));
	im.diag = diag;
	(void)im_file(&im, iked_conf, NULL, 0);
	if (im.n_pols == 0 && diag->n_errors == errors) {
		im_err(&im, iked_conf, 0, "no ikev2 policy to import");
	}
	if (im.nomem) {
		rc = -ENOMEM;
		goto out;
	}
	if (diag->n_errors != errors) {
		rc = -EINVAL;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/vpn.d", outdir);
	if ((mkdir(outdir, 0755) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0700) != 0 && errno != EEXIST)) {
		im_err(&im, path, 0, "cannot create: %s", strerror(errno));
		rc = -EIO;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/ikd.conf", outdir);
	if ((fp = create(&im, path, 0644)) == NULL) {
		rc = -EIO;
		goto out;
	}
	fprintf(fp, "; imported from %s by cfgcheck --import-iked\n"
	    "[global]\ninclude = vpn.d/*.conf\n", iked_conf);
	if (im.dpd[0]) {
		fprintf(fp, "dpd_check_interval = %s\n", im.dpd);
	}
	if (im.frag) {
		fprintf(fp, "fragment_size = %d\n", im.frag > 0 ?
		    CFG_FRAGMENT_SIZE_DEF : 0);
	}
	fprintf(fp, "backend = auto\n");
	if (finish(&im, fp, path) != 0) {
		rc = -EIO;
		goto out;
	}
	for (size_t i = 0; i < im.n_pols; i++) {
		write_pol(&im, outdir, &im.pols[i]);
	}
	if (diag->n_errors != errors) {
		rc = -EIO;
	}
out:
	for (size_t i = 0; i < im.n_macros; i++) {
		free(im.macros[i].name);
		free(im.macros[i].value);
	}
	free(im.macros);
	for (size_t i = 0; i < im.n_files; i++) {
		free(im.files[i]);
	}
	free(im.files);
	if (im.pols != NULL) {
		explicit_bzero(im.pols, im.n_pols * sizeof(*im.pols));
	}
	free(im.pols);
	return rc;
}
