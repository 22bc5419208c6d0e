/*
 * cfg_load.c - reads ikd.conf and the files it includes into struct cfg.
 *
 * inih does the INI splitting, but Debian's libinih gives the handler no
 * line number, silently splits lines longer than INI_MAX_LINE, treats an
 * indented line as the continuation of the previous value and reports only
 * its first syntax error.  So every line goes through our own reader
 * (ld_reader) first: it counts lines, refuses over-long ones, strips the
 * leading blanks (which turns the continuation rule off: indentation is
 * just indentation), checks the syntax of every line and canonicalises
 * section headers; inih then only ever sees well-formed lines.
 *
 * Loading is two passes: the handler stores what each key says and where,
 * then ld_finish() fills in the defaults and runs the checks that need the
 * whole picture (backend vs transforms, flows vs addresses, VPN vs VPN).
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cfg/cfg.h"
#include "libc/glob.h"

/* Defaults; docs/config.md explains each. */
#define DEF_DPD 60			/* iked's dpd_check_interval */
#define DEF_IKELIFETIME 86400		/* the how-to's; iked: never */
#define DEF_LIFETIME 10800		/* iked: 3 h */
#define DEF_LIFETIME_BYTES (4ULL << 30)	/* iked: 4 GiB */
#define DEF_KA_INTERVAL 60		/* the how-to's cron: once a minute */
#define DEF_KA_FAIL_AFTER 3
#define DEF_REPLAY_WINDOW 32		/* strongSwan's and Linux's default */
#define MAX_DEPTH 16
#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

enum sec {
	S_GLOBAL, S_VPN, S_FLOWS, S_IKESA, S_CHILDSA, S_KEEPALIVE, S_N
};

static const char *const sec_names[S_N] = {
	"global", "vpn", "flows", "ikesa", "childsa", "keepalive",
};

enum key {
	K_INCLUDE, K_DPD, K_NATT, K_BACKEND, K_SOCKET, K_LOG, K_USER,
	K_SECCOMP, K_HOOKS, K_UPDOWN_G, K_NAT_KEEPALIVE, K_FRAGMENT_SIZE,
	K_WORKERS,
	K_NAME, K_MODE, K_PROTOCOL, K_LOCAL, K_PEER, K_SRCID, K_DSTID,
	K_PSK, K_PSK_FILE, K_IKELIFETIME, K_LIFETIME, K_LIFETIME_BYTES, K_TAP,
	K_UPDOWN,
	K_FLOW,
	K_IKE_ENC, K_IKE_AUTH, K_IKE_PRF, K_IKE_GROUP,
	K_CHILD_ENC, K_CHILD_AUTH, K_CHILD_GROUP, K_CHILD_ESN,
	K_CHILD_REPLAY,
	K_KA_SOURCE, K_KA_TARGET, K_KA_INTERVAL, K_KA_FAIL_AFTER,
	K_N
};

static const struct key_def {
	int sec;
	const char *name;
	int repeat;
} keys[K_N] = {
	[K_INCLUDE] = { S_GLOBAL, "include", 1 },
	[K_DPD] = { S_GLOBAL, "dpd_check_interval", 0 },
	[K_NATT] = { S_GLOBAL, "nat_traversal", 0 },
	[K_BACKEND] = { S_GLOBAL, "backend", 0 },
	[K_SOCKET] = { S_GLOBAL, "socket", 0 },
	[K_LOG] = { S_GLOBAL, "log", 0 },
	[K_USER] = { S_GLOBAL, "user", 0 },
	[K_SECCOMP] = { S_GLOBAL, "seccomp", 0 },
	[K_HOOKS] = { S_GLOBAL, "hooks", 0 },
	[K_UPDOWN_G] = { S_GLOBAL, "updown", 0 },
	[K_NAT_KEEPALIVE] = { S_GLOBAL, "nat_keepalive", 0 },
	[K_FRAGMENT_SIZE] = { S_GLOBAL, "fragment_size", 0 },
	[K_WORKERS] = { S_GLOBAL, "workers", 0 },
	[K_NAME] = { S_VPN, "name", 0 },
	[K_MODE] = { S_VPN, "mode", 0 },
	[K_PROTOCOL] = { S_VPN, "protocol", 0 },
	[K_LOCAL] = { S_VPN, "local", 0 },
	[K_PEER] = { S_VPN, "peer", 0 },
	[K_SRCID] = { S_VPN, "srcid", 0 },
	[K_DSTID] = { S_VPN, "dstid", 0 },
	[K_PSK] = { S_VPN, "psk", 0 },
	[K_PSK_FILE] = { S_VPN, "psk_file", 0 },
	[K_IKELIFETIME] = { S_VPN, "ikelifetime", 0 },
	[K_LIFETIME] = { S_VPN, "lifetime", 0 },
	[K_LIFETIME_BYTES] = { S_VPN, "lifetime_bytes", 0 },
	[K_TAP] = { S_VPN, "tap", 0 },
	[K_UPDOWN] = { S_VPN, "updown", 0 },
	[K_FLOW] = { S_FLOWS, "flow", 1 },
	[K_IKE_ENC] = { S_IKESA, "enc", 0 },
	[K_IKE_AUTH] = { S_IKESA, "auth", 0 },
	[K_IKE_PRF] = { S_IKESA, "prf", 0 },
	[K_IKE_GROUP] = { S_IKESA, "group", 0 },
	[K_CHILD_ENC] = { S_CHILDSA, "enc", 0 },
	[K_CHILD_AUTH] = { S_CHILDSA, "auth", 0 },
	[K_CHILD_GROUP] = { S_CHILDSA, "group", 0 },
	[K_CHILD_ESN] = { S_CHILDSA, "esn", 0 },
	[K_CHILD_REPLAY] = { S_CHILDSA, "replay_window", 0 },
	[K_KA_SOURCE] = { S_KEEPALIVE, "source", 0 },
	[K_KA_TARGET] = { S_KEEPALIVE, "target", 0 },
	[K_KA_INTERVAL] = { S_KEEPALIVE, "interval", 0 },
	[K_KA_FAIL_AFTER] = { S_KEEPALIVE, "fail_after", 0 },
};

/* What the handler saw for one VPN; lines are in the VPN's file. */
/* The transform lists of one [ikesa] or [childsa] while it is read. */
struct xf_buf {
	const struct cr_alg *enc[CFG_XF_MAX];
	const struct cr_alg *integ[CFG_XF_MAX];
	const struct cr_alg *prf[CFG_XF_MAX];
	const struct cr_alg *dh[CFG_XF_MAX];
};

struct vpn_aux {
	int line[K_N];			/* where each key was set, 0 = not */
	struct xf_buf ike, child;	/* lists until finish_vpn() */
	int first_line;			/* first VPN section of the file */
	int vpn_line;			/* the [vpn] header, 0 = none */
	int dh_none;			/* childsa group = none */
	int local_any, peer_any;
	uint64_t psk_id;		/* its psk_file's identity (file_id) */
};

/* What the loader keeps of every VPN, read or taken over. */
struct vpn_src {
	/* What its file said: ld->aux[aux], while the load lasts; -1 for a
	 * VPN cfg_reload() takes from prev (a hub's thousands of VPNs then
	 * cost a few bytes each while it loads, not a struct vpn_aux). */
	long aux;
	/* cfg_reload(): the VPN's index in prev, copied by ld_finish()
	 * instead of its file being read; -1: read. */
	long reuse;
	uint64_t src_id;		/* what cfg->src_id keeps */
	int peer_any;			/* check_pair()'s, aux's when read */
};

struct ld {
	struct cfg *cfg;
	struct cfg_diag *diag;
	struct vpn_src *src;		/* parallel to cfg->vpns */
	/* the VPNs read: one array (as many small blocks freed at the end
	 * would leave holes among the configuration's), room doubling */
	struct vpn_aux *aux;
	size_t n_aux, cap_aux;
	const char *gfile[K_N];		/* where each global key was set */
	int gline[K_N];
	size_t real[MAX_DEPTH];		/* done[] of the files being read
					 * (loop check) */
	int depth;
	/* realpaths already read: done[i] is the offset of one in names,
	 * their NUL-terminated text end to end (not one block each, freed
	 * at the end among the configuration's own) */
	size_t *done;
	char *names;
	size_t names_len, names_cap;
	const char **done_from;		/* included from (file, or NULL) */
	int *done_line;
	size_t n_done, cap_done;	/* room doubling, as cfg->vpns */
	/* done[] by hash of the path: open addressing, 1 + index, 0 free,
	 * at most half full (a hub's 100,000 files are each looked up) */
	uint32_t *done_ix;
	size_t done_ix_cap;
	size_t cap_vpns;		/* room in cfg->vpns and aux */
	size_t cap_files;		/* room in cfg->files */
	char dir[PATH_MAX];		/* file_real()'s last folder, as */
	char dir_real[PATH_MAX];	/* written and resolved */
	int nomem;
	/* cfg_reload(): the configuration to take unchanged files from,
	 * its VPNs by file (open addressing, 1 + index, 0 free), made on
	 * first use; files changed after racy_ns are not trusted. */
	const struct cfg *prev;
	uint32_t *prev_ix;
	size_t prev_ix_cap;
	int64_t racy_ns;
	size_t n_reused;
};

struct file_ctx {
	struct ld *ld;
	const char *path;		/* interned in cfg->files */
	FILE *fp;
	int line;
	char *buf;
	size_t cap;
	int vpn;			/* index in cfg->vpns, -1 = none yet */
	int skip_section;		/* unknown section: its keys are noise */
	int skip_rest;			/* a second [vpn]: stop reading */
	mode_t mode;			/* path's, from ld_file()'s stat */
	int globals;			/* a [global] key was set here */
};

static int ld_file(struct ld *ld, const char *path, const char *from,
    int from_line);

static int auto_backend = CFG_BACKEND_PFKEY;

/* see cfg.h */
void
cfg_set_auto_backend(int backend)
{
	auto_backend = backend;
}

/* see cfg.h */
const char *
cfg_backend_name(int backend)
{
	return backend == CFG_BACKEND_NULL ? "null" :
	    backend == CFG_BACKEND_XFRM ? "xfrm" : "pfkey";
}

static uint64_t
id_mix(uint64_t h, uint64_t v)
{
	/* splitmix64's finaliser over h and v */
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h = (h ^ h >> 30) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ h >> 27) * 0x94d049bb133111ebULL;
	return h ^ h >> 31;
}

/*
 * A file's identity as stat() gives it: another file (device, inode), or
 * new content, mode or owner (size, mtime, ctime: a write or a chmod sets
 * ctime to now, and no user can set it back) give another value.  0, never
 * a match, when a timestamp is too recent to be trusted: the file may
 * change again within the same clock tick unseen (see CFG_RACY_MS).
 */
static uint64_t
file_id(const struct ld *ld, const struct stat *st)
{
	int64_t m = (int64_t)st->st_mtim.tv_sec * 1000000000 +
	    st->st_mtim.tv_nsec;
	int64_t c = (int64_t)st->st_ctim.tv_sec * 1000000000 +
	    st->st_ctim.tv_nsec;
	uint64_t h = 0;

	if (m >= ld->racy_ns || c >= ld->racy_ns) {
		return 0;
	}
	h = id_mix(h, (uint64_t)st->st_dev);
	h = id_mix(h, (uint64_t)st->st_ino);
	h = id_mix(h, (uint64_t)st->st_size);
	h = id_mix(h, (uint64_t)m);
	h = id_mix(h, (uint64_t)c);
	h = id_mix(h, (uint64_t)st->st_mode);
	h = id_mix(h, (uint64_t)st->st_uid << 32 | st->st_gid);
	return h ? h : 1;
}

/* What cfg->src_id keeps for a VPN: its file's identity with its
 * psk_file's (path, "" for none); 0 if either is unknown or racy. */
static uint64_t
src_id(uint64_t file, const char *psk_file, uint64_t psk)
{
	uint64_t h;

	if (file == 0 || (psk_file[0] != '\0' && psk == 0)) {
		return 0;
	}
	h = psk_file[0] != '\0' ? id_mix(file, psk) : file;
	return h ? h : 1;
}

#define ERR(ld, file, line, ...) \
	ld_msg((ld), 0, (file), (line), __VA_ARGS__)
#define WARN(ld, file, line, ...) \
	ld_msg((ld), 1, (file), (line), __VA_ARGS__)

static void ld_msg(struct ld *ld, int warning, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
ld_msg(struct ld *ld, int warning, const char *file, int line,
    const char *fmt, ...)
{
	char what[448];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (cfg_diag_add(ld->diag, warning, file, line, "%s", what) != 0) {
		ld->nomem = 1;
	}
}

static const char *
intern(struct ld *ld, const char *s)
{
	struct cfg *cfg = ld->cfg;
	size_t cap = cfg->n_files < ld->cap_files ? ld->cap_files :
	    ld->cap_files ? 2 * ld->cap_files : 8;
	char **f = cap == ld->cap_files ? cfg->files :
	    realloc(cfg->files, cap * sizeof(*f));

	if (f == NULL) {
		ld->nomem = 1;
		return NULL;
	}
	cfg->files = f;
	ld->cap_files = cap;
	if ((f[cfg->n_files] = strdup(s)) == NULL) {
		ld->nomem = 1;
		return NULL;
	}
	return f[cfg->n_files++];
}

static struct cfg_vpn *
fc_vpn(struct file_ctx *fc)
{
	return &fc->ld->cfg->vpns[fc->vpn];
}

static struct vpn_aux *
fc_aux(struct file_ctx *fc)
{
	return &fc->ld->aux[fc->ld->src[fc->vpn].aux];
}

/*
 * A VPN starts at the first VPN section of a file; its default name is the
 * file's base name without extension.  read 0: a slot for a VPN that
 * ld_finish() copies from prev (cfg_reload()).
 */
static int
vpn_new(struct file_ctx *fc, int read)
{
	struct ld *ld = fc->ld;
	struct cfg *cfg = ld->cfg;
	/* room doubling: a hub's thousands of files are not copied
	 * once per file; a reload starts with the room prev needed */
	size_t cap = cfg->n_vpns < ld->cap_vpns ? ld->cap_vpns :
	    ld->cap_vpns ? 2 * ld->cap_vpns : ld->prev ?
	    ld->prev->n_vpns + 8 : 8;
	struct cfg_vpn *v = cap == ld->cap_vpns ? cfg->vpns :
	    realloc(cfg->vpns, cap * sizeof(*v));
	struct vpn_src *src;
	struct vpn_aux *a;
	char base[PATH_MAX], *b, *dot;

	if (v == NULL) {
		ld->nomem = 1;
		return -ENOMEM;
	}
	cfg->vpns = v;
	src = cap == ld->cap_vpns ? ld->src :
	    realloc(ld->src, cap * sizeof(*src));
	if (src == NULL) {
		ld->nomem = 1;
		return -ENOMEM;
	}
	ld->src = src;
	ld->cap_vpns = cap;
	if (read && ld->n_aux == ld->cap_aux) {
		size_t ca = ld->cap_aux ? 2 * ld->cap_aux : 8;

		if ((a = realloc(ld->aux, ca * sizeof(*a))) == NULL) {
			ld->nomem = 1;
			return -ENOMEM;
		}
		ld->aux = a;
		ld->cap_aux = ca;
	}
	v = &cfg->vpns[cfg->n_vpns];
	src = &ld->src[cfg->n_vpns];
	memset(v, 0, sizeof(*v));
	memset(src, 0, sizeof(*src));
	src->aux = read ? (long)ld->n_aux++ : -1;
	src->reuse = -1;
	v->file = fc->path;
	fc->vpn = (int)cfg->n_vpns++;
	if (!read) {
		return 0;	/* the rest is prev's */
	}
	a = fc_aux(fc);
	memset(a, 0, sizeof(*a));
	snprintf(base, sizeof(base), "%s", fc->path);
	b = basename(base);
	if ((dot = strrchr(b, '.')) != NULL && dot != b) {
		*dot = '\0';
	}
	snprintf(v->name, sizeof(v->name), "%s", b);
	v->mode = CFG_MODE_PASSIVE;
	v->protocol = IPPROTO_ESP;
	v->psk_file = "";
	v->line = fc->line;
	a->first_line = fc->line;
	return 0;
}

static void
fc_section(struct file_ctx *fc, const char *name)
{
	struct ld *ld = fc->ld;
	int s;

	fc->skip_section = 0;
	for (s = 0; s < S_N; s++) {
		if (strcmp(name, sec_names[s]) == 0) {
			break;
		}
	}
	if (s == S_N) {
		ERR(ld, fc->path, fc->line, "unknown section ('[%s]')", name);
		fc->skip_section = 1;
		return;
	}
	if (s == S_GLOBAL) {
		return;
	}
	if (fc->vpn >= 0 && s == S_VPN && fc_aux(fc)->vpn_line != 0) {
		ERR(ld, fc->path, fc->line,
		    "a second [vpn] in one file (the first is at line %d): "
		    "put each VPN in its own file ('[vpn]')",
		    fc_aux(fc)->vpn_line);
		fc->skip_rest = 1;
		return;
	}
	if (fc->vpn < 0 && vpn_new(fc, 1) != 0) {
		fc->skip_rest = 1;
		return;
	}
	if (s == S_VPN) {
		fc_aux(fc)->vpn_line = fc->line;
		fc_vpn(fc)->line = fc->line;
	} else if (s == S_KEEPALIVE && fc_vpn(fc)->keepalive == NULL) {
		struct cfg_keepalive *ka = calloc(1, sizeof(*ka));

		if (ka == NULL) {
			fc->ld->nomem = 1;
			fc->skip_rest = 1;
			return;
		}
		ka->enabled = 1;
		fc_vpn(fc)->keepalive = ka;
	}
}

/* inih's rule: ';' starts a comment only at the start of the value or
 * after a blank.  Returns the first of chars before such a comment. */
static char *
find_sep(char *s, const char *chars)
{
	int was_space = 0;

	for (; *s; s++) {
		if (strchr(chars, *s) != NULL) {
			return s;
		}
		if (*s == ';' && was_space) {
			return NULL;
		}
		was_space = isspace((unsigned char)*s);
	}
	return NULL;
}

/* The ini_reader: one line per call, checked; see the top of the file. */
static char *
ld_reader(char *str, int num, void *stream)
{
	struct file_ctx *fc = stream;
	struct ld *ld = fc->ld;
	ssize_t n = getline(&fc->buf, &fc->cap, fc->fp);
	char *s, *e, *end;

	if (n < 0) {
		return NULL;
	}
	fc->line++;
	while (n > 0 && (fc->buf[n - 1] == '\n' || fc->buf[n - 1] == '\r')) {
		fc->buf[--n] = '\0';
	}
	snprintf(str, (size_t)num, "\n");
	if (fc->skip_rest) {
		return str;
	}
	/* inih's fgets needs room for "\r\n\0" (ini.h). */
	if (n > num - 3) {
		ERR(ld, fc->path, fc->line,
		    "line too long (%zd characters, at most %d): "
		    "shorten it or use psk_file", n, num - 3);
		return str;
	}
	for (s = fc->buf; isspace((unsigned char)*s); s++) {
	}
	if (*s == '\0' || *s == ';' || *s == '#') {
		return str;
	}
	if (*s == '[') {
		e = strchr(s, ']');
		if (e == NULL) {
			ERR(ld, fc->path, fc->line,
			    "section header without ']' ('%.60s')", s);
			fc->skip_section = 1;
			return str;
		}
		for (end = e + 1; isspace((unsigned char)*end); end++) {
		}
		if (*end != '\0' && *end != ';' && *end != '#') {
			ERR(ld, fc->path, fc->line,
			    "text after a section header ('%.60s')", end);
		}
		*e = '\0';
		for (s++; isspace((unsigned char)*s); s++) {
		}
		while (e > s && isspace((unsigned char)e[-1])) {
			*--e = '\0';
		}
		fc_section(fc, s);
		snprintf(str, (size_t)num, "[%s]\n", s);
		return str;
	}
	if (find_sep(s, "=:") == NULL) {
		ERR(ld, fc->path, fc->line,
		    "expected 'key = value' ('%.60s')", s);
		return str;
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

static int
parse_yesno(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* Joins a relative path to the folder of the file that names it. */
static void
rel_path(char *out, size_t cap, const char *from, const char *path)
{
	char dir[PATH_MAX];

	if (path[0] == '/') {
		snprintf(out, cap, "%s", path);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", from);
	snprintf(out, cap, "%s/%s", dirname(dir), path);
}

static void
do_include(struct file_ctx *fc, const char *pattern)
{
	struct ld *ld = fc->ld;
	char path[PATH_MAX];
	char **v = NULL;
	size_t n = 0;

	rel_path(path, sizeof(path), fc->path, pattern);
	if (strpbrk(pattern, "*?[") == NULL) {
		/* A literal name: it must exist. */
		(void)ld_file(ld, path, fc->path, fc->line);
		return;
	}
	if (glob_paths(path, &v, &n) != 0) {
		ERR(ld, fc->path, fc->line, "include: cannot read ('%s')",
		    pattern);
	} else if (n == 0) {
		WARN(ld, fc->path, fc->line, "include matches no file ('%s')",
		    pattern);
	} else {
		for (size_t i = 0; i < n; i++) {
			(void)ld_file(ld, v[i], fc->path, fc->line);
		}
	}
	glob_paths_free(v, n);
}

/* Parses a transform list ("aes-256 aes-128", commas allowed). */
static void
do_xforms(struct file_ctx *fc, const char *sec, const char *key, int type,
    const char *value, const struct cr_alg **arr, uint8_t *n, int *dh_none)
{
	struct ld *ld = fc->ld;
	char buf[256], *save = NULL, *tok;
	int any = 0;

	*n = 0;
	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		const struct cr_alg *a;

		any++;
		if (type == CR_DH && strcmp(tok, "none") == 0) {
			if (dh_none == NULL) {
				ERR(ld, fc->path, fc->line, "[%s] %s: the IKE "
				    "SA needs a Diffie-Hellman group ('none')",
				    sec, key);
			} else {
				*dh_none = 1;
			}
			continue;
		}
		a = cr_alg_by_name(type, tok);
		if (a == NULL) {
			char known[256] = "";

			for (const struct cr_alg *k = cr_algs; k->name; k++) {
				if (k->type == type && k->refused == NULL &&
				    strlen(known) + strlen(k->name) + 2 <
				    sizeof(known)) {
					strcat(known, known[0] ? " " : "");
					strcat(known, k->name);
				}
			}
			ERR(ld, fc->path, fc->line, "[%s] %s: unknown %s "
			    "transform (known: %s) ('%s')", sec, key,
			    cr_type_name(type), known, tok);
			continue;
		}
		if (a->refused != NULL) {
			ERR(ld, fc->path, fc->line, "[%s] %s: %s ('%s')", sec,
			    key, a->refused, tok);
			continue;
		}
		for (uint8_t i = 0; i < *n; i++) {
			if (arr[i] == a) {
				ERR(ld, fc->path, fc->line,
				    "[%s] %s: listed twice ('%s')", sec, key,
				    tok);
				a = NULL;
				break;
			}
		}
		if (a == NULL) {
			continue;
		}
		if (*n >= CFG_XF_MAX) {
			ERR(ld, fc->path, fc->line, "[%s] %s: more than %d "
			    "transforms ('%s')", sec, key, CFG_XF_MAX, tok);
			break;
		}
		arr[(*n)++] = a;
	}
	if (dh_none != NULL && *dh_none && *n > 0) {
		ERR(ld, fc->path, fc->line, "[%s] %s: 'none' cannot be listed "
		    "with groups ('%s')", sec, key, value);
	}
	if (any == 0) {
		ERR(ld, fc->path, fc->line, "[%s] %s: no transform given", sec,
		    key);
	}
}

static void
warn_readable(struct file_ctx *fc, const char *path, const char *what)
{
	struct stat st;

	/* the file being read was stat()ed already: a hub has thousands */
	if (path == fc->path) {
		st.st_mode = fc->mode;
	} else if (stat(path, &st) != 0) {
		return;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		WARN(fc->ld, fc->path, fc->line, "%s readable by group or "
		    "others (chmod 600 it) ('%s')", what, path);
	}
}

/*
 * The value of one hex digit, or -1.  This and split_two() are here rather
 * than sscanf(): scanf is a large part of a static binary (see trim.c).
 */
static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Splits s into exactly two blank-separated words of fewer than cap bytes
 * each; 0 or -EINVAL. */
static int
split_two(const char *s, char *a, char *b, size_t cap)
{
	char *w[2] = { a, b };

	for (int i = 0; i < 2; i++) {
		size_t n;

		s += strspn(s, " \t");
		n = strcspn(s, " \t");
		if (n == 0 || n >= cap) {
			return -EINVAL;
		}
		memcpy(w[i], s, n);
		w[i][n] = '\0';
		s += n;
	}
	s += strspn(s, " \t");
	return *s == '\0' ? 0 : -EINVAL;
}

static int
parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 != 0 || n / 2 > cap) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			return -EINVAL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/*
 * psk = "two words": iked's configuration quotes keys, and a habit carried
 * over would make the quotes part of the key, which then matches no peer.
 * Matching double quotes around the key are taken off (docs/config.md);
 * one quote alone is kept, with a warning.
 */
/* The key of v becomes key[0..len), on the heap; the old one is wiped. */
static void
psk_keep(struct file_ctx *fc, struct cfg_vpn *v, const uint8_t *key,
    size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (p == NULL) {
		fc->ld->nomem = 1;
		return;
	}
	memcpy(p, key, len);
	if (v->psk != NULL) {
		explicit_bzero(v->psk, v->psk_len);
		free(v->psk);
	}
	v->psk = p;
	v->psk_len = len;
}

static void
set_psk(struct file_ctx *fc, struct cfg_vpn *v, const char *value)
{
	uint8_t key[CFG_PSK_MAX];
	size_t len = strlen(value), klen = 0;

	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		value++;
		len -= 2;
	} else if (len > 0 && (value[0] == '"' || value[len - 1] == '"')) {
		WARN(fc->ld, fc->path, fc->line, "psk: one double quote, "
		    "kept as part of the key (matching quotes around it are "
		    "taken off; a ';' after a blank starts a comment)");
	}
	if (len == 0) {
		ERR(fc->ld, fc->path, fc->line, "psk: empty key");
		return;
	}
	if (strncmp(value, "0x", 2) == 0) {
		if (parse_hex(value + 2, key, sizeof(key), &klen) != 0) {
			ERR(fc->ld, fc->path, fc->line, "psk: 0x must be "
			    "followed by pairs of hex digits, at most %d bytes "
			    "('%.20s...')", CFG_PSK_MAX, value);
		} else {
			psk_keep(fc, v, key, klen);
		}
		explicit_bzero(key, sizeof(key));
		return;
	}
	if (len > CFG_PSK_MAX) {
		ERR(fc->ld, fc->path, fc->line, "psk longer than %d bytes",
		    CFG_PSK_MAX);
		return;
	}
	psk_keep(fc, v, (const uint8_t *)value, len);
}

/* Optimal string alignment distance (edits and swaps of neighbours). */
static size_t
key_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[24][24];

	if (la >= 24 || lb >= 24) {
		return 99;
	}
	for (size_t i = 0; i <= la; i++) {
		d[i][0] = i;
	}
	for (size_t j = 0; j <= lb; j++) {
		d[0][j] = j;
	}
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c) {
				c = d[i - 1][j] + 1;
			}
			if (d[i][j - 1] + 1 < c) {
				c = d[i][j - 1] + 1;
			}
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c) {
				c = d[i - 2][j - 2] + 1;
			}
			d[i][j] = c;
		}
	}
	return d[la][lb];
}

/*
 * psk_file holds the key as psk = takes it (text, or 0x and hex), on one
 * line ended by LF, CRLF or the end of the file; only line ends may
 * follow.  Anything else is refused with where it is, never cut short
 * silently: a NUL, a CR or another control character inside the key, a
 * second line, a file longer than any key.  Binary keys are written as
 * 0x and hex.
 */
static void
set_psk_file(struct file_ctx *fc, struct cfg_vpn *v, const char *value)
{
	char path[PATH_MAX], buf[CFG_PSK_MAX * 2 + 8];
	FILE *fp;
	size_t n, end, i;
	int more;

	rel_path(path, sizeof(path), fc->path, value);
	if (strlen(path) >= CFG_PATH_MAX) {
		ERR(fc->ld, fc->path, fc->line, "psk_file: path too long "
		    "('%s')", value);
		return;
	}
	if ((v->psk_file = intern(fc->ld, path)) == NULL) {
		v->psk_file = "";
		return;
	}
	{
		/* before reading: a change after that shows next time */
		struct stat st;

		fc_aux(fc)->psk_id = stat(path, &st) == 0 ?
		    file_id(fc->ld, &st) : 0;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		ERR(fc->ld, fc->path, fc->line, "psk_file: %s ('%s')",
		    strerror(errno), value);
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	more = n == sizeof(buf) - 1 && fgetc(fp) != EOF;
	fclose(fp);
	buf[n] = '\0';
	end = 0;
	while (end < n && buf[end] != '\n' &&
	    !(buf[end] == '\r' && end + 1 < n && buf[end + 1] == '\n')) {
		end++;
	}
	for (i = end; i < n && (buf[i] == '\r' || buf[i] == '\n'); i++) {
	}
	if (more) {
		ERR(fc->ld, fc->path, fc->line, "psk_file: longer than any "
		    "key (%d bytes, or 0x and %d hex digits) ('%s')",
		    CFG_PSK_MAX, 2 * CFG_PSK_MAX, value);
	} else if (i < n) {
		ERR(fc->ld, fc->path, fc->line, "psk_file: more than one "
		    "line (the key is the first line alone) ('%s')", value);
	} else if (end == 0) {
		ERR(fc->ld, fc->path, fc->line, "psk_file: empty ('%s')",
		    value);
	} else {
		for (i = 0; i < end; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c < 0x20 || c == 0x7f) {
				ERR(fc->ld, fc->path, fc->line, "psk_file: "
				    "byte 0x%02x at offset %zu: a key is text "
				    "on one line; write a binary key as 0x "
				    "and hex ('%s')", c, i, value);
				break;
			}
		}
		if (i == end) {
			buf[end] = '\0';
			set_psk(fc, v, buf);
		}
	}
	explicit_bzero(buf, sizeof(buf));
	warn_readable(fc, path, "psk_file is");
}

/*
 * `updown = PATH|none`: an absolute path (interned) or NULL for none.  A
 * path that is not an executable file yet is a warning: cfgcheck may run
 * before the script is installed.
 */
static const char *
updown_value(struct file_ctx *fc, const char *value)
{
	if (strcmp(value, "none") == 0) {
		return NULL;
	}
	if (value[0] != '/' || strlen(value) >= CFG_PATH_MAX) {
		ERR(fc->ld, fc->path, fc->line, "updown: expected an absolute "
		    "path or none ('%s')", value);
		return NULL;
	}
	if (access(value, X_OK) != 0) {
		WARN(fc->ld, fc->path, fc->line, "updown: %s: %s; it runs "
		    "only if it is an executable file when ikd starts ('%s')",
		    value, strerror(errno), value);
	}
	return intern(fc->ld, value);
}

static void
set_global(struct file_ctx *fc, int k, const char *value)
{
	struct ld *ld = fc->ld;
	struct cfg *cfg = ld->cfg;
	uint32_t s;

	switch (k) {
	case K_INCLUDE:
		do_include(fc, value);
		break;
	case K_DPD:
		if (cfg_parse_seconds(value, &s) != 0) {
			ERR(ld, fc->path, fc->line, "dpd_check_interval: "
			    "expected seconds, 0 = off ('%s')", value);
		} else {
			cfg->dpd_check_interval = s;
		}
		break;
	case K_NATT:
		if (strcmp(value, "force") == 0) {
			cfg->nat_traversal = CFG_NATT_FORCE;
		} else if (parse_yesno(value, &cfg->nat_traversal) != 0) {
			ERR(ld, fc->path, fc->line, "nat_traversal: expected "
			    "yes, no or force ('%s')", value);
		}
		break;
	case K_NAT_KEEPALIVE:
		if (cfg_parse_seconds(value, &s) != 0) {
			ERR(ld, fc->path, fc->line, "nat_keepalive: "
			    "expected seconds, 0 = off ('%s')", value);
		} else {
			cfg->nat_keepalive = s;
		}
		break;
	case K_FRAGMENT_SIZE:
		if (strcmp(value, "0") == 0 || strcmp(value, "no") == 0) {
			cfg->fragment_size = 0;
		} else if (cfg_parse_seconds(value, &s) != 0 ||
		    strspn(value, "0123456789") != strlen(value) ||
		    s < CFG_FRAGMENT_SIZE_MIN || s > CFG_FRAGMENT_SIZE_MAX) {
			ERR(ld, fc->path, fc->line, "fragment_size: expected "
			    "bytes from %d to %d, or 0 = no IKE fragmentation "
			    "('%s')", CFG_FRAGMENT_SIZE_MIN,
			    CFG_FRAGMENT_SIZE_MAX, value);
		} else {
			cfg->fragment_size = s;
		}
		break;
	case K_WORKERS:
		if (strcmp(value, "auto") == 0) {
			cfg->workers = CFG_WORKERS_AUTO;
		} else if (cfg_parse_seconds(value, &s) != 0 ||
		    strspn(value, "0123456789") != strlen(value) ||
		    s > CFG_WORKERS_MAX) {
			ERR(ld, fc->path, fc->line, "workers: expected auto or "
			    "a number of threads from 0 to %d ('%s')",
			    CFG_WORKERS_MAX, value);
		} else {
			cfg->workers = (int)s;
		}
		break;
	case K_BACKEND:
		cfg->backend_auto = 0;
		if (strcmp(value, "pfkey") == 0) {
			cfg->backend = CFG_BACKEND_PFKEY;
		} else if (strcmp(value, "xfrm") == 0) {
			cfg->backend = CFG_BACKEND_XFRM;
		} else if (strcmp(value, "null") == 0) {
			cfg->backend = CFG_BACKEND_NULL;
		} else if (strcmp(value, "auto") == 0) {
			cfg->backend = auto_backend;
			cfg->backend_auto = 1;
		} else {
			ERR(ld, fc->path, fc->line, "backend: expected auto, "
			    "xfrm, pfkey or null ('%s')", value);
		}
		break;
	case K_SOCKET:
		if (value[0] != '/' || strlen(value) >= SUN_PATH_MAX) {
			ERR(ld, fc->path, fc->line, "socket: expected an "
			    "absolute path under %zu characters ('%s')",
			    SUN_PATH_MAX, value);
		} else {
			snprintf(cfg->socket, sizeof(cfg->socket), "%s", value);
		}
		break;
	case K_LOG:
		if (strcmp(value, "stderr") == 0) {
			cfg->log = CFG_LOG_STDERR;
		} else if (strcmp(value, "syslog") == 0) {
			cfg->log = CFG_LOG_SYSLOG;
		} else if (strcmp(value, "both") == 0) {
			cfg->log = CFG_LOG_BOTH;
		} else {
			ERR(ld, fc->path, fc->line,
			    "log: expected stderr, syslog or both ('%s')",
			    value);
		}
		break;
	case K_USER:
		/* a login name as useradd(8) takes it */
		if (value[0] == '\0' || value[0] == '-' ||
		    strlen(value) >= sizeof(cfg->user) ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		    strlen(value)) {
			ERR(ld, fc->path, fc->line, "user: expected a user "
			    "name (letters, digits, _ . -, under %zu "
			    "characters) ('%s')", sizeof(cfg->user), value);
		} else {
			snprintf(cfg->user, sizeof(cfg->user), "%s", value);
		}
		break;
	case K_HOOKS:
		if (strcmp(value, "none") != 0 &&
		    (value[0] != '/' || strlen(value) >= sizeof(cfg->hooks))) {
			ERR(ld, fc->path, fc->line, "hooks: expected an "
			    "absolute folder or none ('%s')", value);
		} else {
			snprintf(cfg->hooks, sizeof(cfg->hooks), "%s", value);
		}
		break;
	case K_UPDOWN_G:
		cfg->updown = updown_value(fc, value);
		break;
	case K_SECCOMP:
		if (strcmp(value, "yes") == 0) {
			cfg->seccomp = 1;
	snprintf(cfg->hooks, sizeof(cfg->hooks), "%s", CFG_DEFAULT_HOOKS);
		} else if (strcmp(value, "no") == 0) {
			cfg->seccomp = 0;
		} else {
			ERR(ld, fc->path, fc->line,
			    "seccomp: expected yes or no ('%s')", value);
		}
		break;
	}
}

static int
name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max) {
		return 0;
	}
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s)) {
			return 0;
		}
	}
	return 1;
}

static void
set_addr(struct file_ctx *fc, const char *key, const char *value,
    union cfg_addr *out, int *any)
{
	struct sockaddr_storage ss;

	if (strcmp(value, "any") == 0) {
		memset(out, 0, sizeof(*out));
		*any = 1;
	} else if (cfg_parse_addr(value, &ss) != 0) {
		ERR(fc->ld, fc->path, fc->line, "%s: expected an IPv4 or IPv6 "
		    "address%s or 'any' ('%s')", key,
		    strcmp(key, "peer") == 0 ? ", a host name" : "", value);
	} else {
		memset(out, 0, sizeof(*out));
		memcpy(out, &ss, ss.ss_family == AF_INET ?
		    sizeof(out->in) : sizeof(out->in6));
	}
}

/* A VPN's identity: its bytes copied to the heap (cfg_free). */
static void
id_set(struct ld *ld, struct cfg_id *id, uint8_t type, const uint8_t *data,
    size_t len)
{
	uint8_t *p = NULL;

	if (len > 0 && (p = malloc(len)) == NULL) {
		ld->nomem = 1;
		return;
	}
	if (len > 0) {
		memcpy(p, data, len);
	}
	free((void *)(uintptr_t)id->data);
	id->type = type;
	id->len = (uint8_t)len;
	id->data = p;
}

static void
set_vpn(struct file_ctx *fc, int k, const char *value)
{
	struct ld *ld = fc->ld;
	struct cfg_vpn *v = fc_vpn(fc);
	struct vpn_aux *a = fc_aux(fc);
	char lp[64], rp[64];
	struct cfg_flow *f;
	struct cfg_id id;
	uint8_t idbuf[CFG_ID_MAX];
	struct sockaddr_storage ss;
	int rc;

	switch (k) {
	case K_NAME:
		if (!name_ok(value, sizeof(v->name))) {
			ERR(ld, fc->path, fc->line, "name: letters, digits, "
			    "'_', '.', '-', at most %d ('%s')",
			    CFG_NAME_MAX - 1, value);
		} else {
			snprintf(v->name, sizeof(v->name), "%s", value);
		}
		break;
	case K_MODE:
		if (strcmp(value, "active") == 0) {
			v->mode = CFG_MODE_ACTIVE;
		} else if (strcmp(value, "passive") == 0) {
			v->mode = CFG_MODE_PASSIVE;
		} else {
			ERR(ld, fc->path, fc->line,
			    "mode: expected active or passive ('%s')", value);
		}
		break;
	case K_PROTOCOL:
		if (strcmp(value, "esp") != 0) {
			ERR(ld, fc->path, fc->line,
			    "protocol: only esp is supported ('%s')", value);
		}
		break;
	case K_LOCAL:
		set_addr(fc, "local", value, &v->local, &a->local_any);
		break;
	case K_PEER:
		v->peer_host = NULL;
		if (strcmp(value, "any") != 0 &&
		    cfg_parse_addr(value, &ss) != 0 &&
		    cfg_host_name_ok(value)) {
			memset(&v->peer, 0, sizeof(v->peer));
			v->peer_host = intern(ld, value);
			break;
		}
		set_addr(fc, "peer", value, &v->peer, &a->peer_any);
		break;
	case K_SRCID:
	case K_DSTID:
		if (k == K_DSTID && strcmp(value, "any") == 0) {
			id_set(ld, &v->dstid, CFG_ID_NONE, NULL, 0);
		} else if (value[0] == '/') {
			ERR(ld, fc->path, fc->line, "%s: ASN.1 DN identities "
			    "need certificates, which ikebox does not do "
			    "('%s')", keys[k].name, value);
		} else if (cfg_parse_id(value, &id, idbuf) != 0) {
			ERR(ld, fc->path, fc->line, "%s: expected an IPv4 or "
			    "IPv6 address, an FQDN or user@FQDN ('%s')",
			    keys[k].name, value);
		} else {
			id_set(ld, k == K_SRCID ? &v->srcid : &v->dstid,
			    id.type, id.data, id.len);
		}
		break;
	case K_PSK:
	case K_PSK_FILE:
		if (a->line[k == K_PSK ? K_PSK_FILE : K_PSK] != 0) {
			ERR(ld, fc->path, fc->line, "psk and psk_file are both "
			    "set (the other at line %d)",
			    a->line[k == K_PSK ? K_PSK_FILE : K_PSK]);
			break;
		}
		if (k == K_PSK) {
			set_psk(fc, v, value);
			warn_readable(fc, fc->path,
			    "this file holds a psk and is");
		} else {
			set_psk_file(fc, v, value);
		}
		break;
	case K_IKELIFETIME:
	case K_LIFETIME:
		rc = cfg_parse_seconds(value, k == K_LIFETIME ? &v->lifetime :
		    &v->ikelifetime);
		if (rc != 0) {
			ERR(ld, fc->path, fc->line, "%s: expected a duration "
			    "(seconds, or with s, m, h, d) ('%s')",
			    keys[k].name, value);
		} else if (k == K_LIFETIME && v->lifetime == 0) {
			ERR(ld, fc->path, fc->line, "lifetime: must not be 0 "
			    "('%s')", value);
		}
		break;
	case K_LIFETIME_BYTES:
		if (cfg_parse_bytes(value, &v->lifetime_bytes) != 0 ||
		    v->lifetime_bytes == 0 ||
		    v->lifetime_bytes > CFG_LIFETIME_BYTES_MAX) {
			ERR(ld, fc->path, fc->line, "lifetime_bytes: expected a "
			    "byte count above 0 and at most 1024T (with K, M, G, "
			    "T) ('%s')", value);
		}
		break;
	case K_UPDOWN:
		v->updown = updown_value(fc, value);
		break;
	case K_TAP:
		if (strcmp(value, "none") == 0) {
			v->tap[0] = '\0';
		} else if (!name_ok(value, sizeof(v->tap))) {
			ERR(ld, fc->path, fc->line, "tap: expected an interface "
			    "name of at most %d characters ('%s')",
			    CFG_IFNAME_MAX - 1, value);
		} else {
			snprintf(v->tap, sizeof(v->tap), "%s", value);
		}
		break;
	case K_FLOW:
		if (split_two(value, lp, rp, sizeof(lp)) != 0) {
			ERR(ld, fc->path, fc->line, "flow: expected 'LOCAL "
			    "REMOTE', two prefixes ('%s')", value);
			break;
		}
		if (v->n_flows >= CFG_FLOWS_MAX) {
			ERR(ld, fc->path, fc->line, "more than %d flows ('%s')",
			    CFG_FLOWS_MAX, value);
			break;
		}
		f = realloc(v->flows, (v->n_flows + 1) * sizeof(*f));
		if (f == NULL) {
			ld->nomem = 1;
			break;
		}
		v->flows = f;
		f = &v->flows[v->n_flows];
		memset(f, 0, sizeof(*f));
		for (int side = 0; side < 2; side++) {
			const char *p = side == 0 ? lp : rp;

			rc = cfg_parse_prefix(p, side == 0 ? &f->local :
			    &f->remote);
			if (rc == -ERANGE) {
				ERR(ld, fc->path, fc->line, "flow: host bits "
				    "set past the prefix length ('%s')", p);
			} else if (rc != 0) {
				ERR(ld, fc->path, fc->line, "flow: bad "
				    "prefix, expected ADDRESS[/LENGTH] ('%s')",
				    p);
			}
			if (rc != 0) {
				return;
			}
		}
		if (f->local.family != f->remote.family) {
			ERR(ld, fc->path, fc->line, "flow: local and remote "
			    "are not of the same family ('%s')", value);
			return;
		}
		f->line = fc->line;
		v->n_flows++;
		break;
	case K_IKE_ENC:
		do_xforms(fc, "ikesa", "enc", CR_ENCR, value, a->ike.enc,
		    &v->ikesa.n_enc, NULL);
		break;
	case K_IKE_AUTH:
		do_xforms(fc, "ikesa", "auth", CR_INTEG, value, a->ike.integ,
		    &v->ikesa.n_integ, NULL);
		break;
	case K_IKE_PRF:
		do_xforms(fc, "ikesa", "prf", CR_PRF, value, a->ike.prf,
		    &v->ikesa.n_prf, NULL);
		break;
	case K_IKE_GROUP:
		do_xforms(fc, "ikesa", "group", CR_DH, value, a->ike.dh,
		    &v->ikesa.n_dh, NULL);
		break;
	case K_CHILD_ENC:
		do_xforms(fc, "childsa", "enc", CR_ENCR, value, a->child.enc,
		    &v->childsa.n_enc, NULL);
		break;
	case K_CHILD_AUTH:
		do_xforms(fc, "childsa", "auth", CR_INTEG, value,
		    a->child.integ, &v->childsa.n_integ, NULL);
		break;
	case K_CHILD_GROUP:
		do_xforms(fc, "childsa", "group", CR_DH, value, a->child.dh,
		    &v->childsa.n_dh, &a->dh_none);
		break;
	case K_CHILD_ESN:
		if (strcmp(value, "yes") == 0) {
			v->childsa.esn = CFG_ESN_YES;
		} else if (strcmp(value, "no") == 0) {
			v->childsa.esn = CFG_ESN_NO;
		} else if (strcmp(value, "both") == 0) {
			v->childsa.esn = CFG_ESN_BOTH;
		} else {
			ERR(ld, fc->path, fc->line, "esn: expected yes, no or "
			    "both ('%s')", value);
		}
		break;
	case K_CHILD_REPLAY:
		if (cfg_parse_seconds(value, &v->replay_window) != 0 ||
		    strspn(value, "0123456789") != strlen(value) ||
		    v->replay_window > CFG_REPLAY_MAX) {
			ERR(ld, fc->path, fc->line, "replay_window: expected "
			    "a packet count from 0 (off) to %d ('%s')",
			    CFG_REPLAY_MAX, value);
		}
		break;
	case K_KA_SOURCE:
	case K_KA_TARGET:
		if (cfg_parse_addr(value, k == K_KA_SOURCE ?
		    &v->keepalive->source : &v->keepalive->target) != 0) {
			ERR(ld, fc->path, fc->line, "%s: expected an IPv4 or "
			    "IPv6 address ('%s')", keys[k].name, value);
		}
		break;
	case K_KA_INTERVAL:
		if (cfg_parse_seconds(value, &v->keepalive->interval) != 0 ||
		    v->keepalive->interval == 0) {
			ERR(ld, fc->path, fc->line, "interval: expected a "
			    "duration above 0 ('%s')", value);
		}
		break;
	case K_KA_FAIL_AFTER:
		if (cfg_parse_seconds(value, &v->keepalive->fail_after) != 0 ||
		    v->keepalive->fail_after == 0 ||
		    strspn(value, "0123456789") != strlen(value)) {
			ERR(ld, fc->path, fc->line, "fail_after: expected a "
			    "count above 0 ('%s')", value);
		}
		break;
	}
}

/* The ini_handler. */
static int
ld_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct file_ctx *fc = user;
	struct ld *ld = fc->ld;
	int s, k, other = -1, other2 = -1;

	if (fc->skip_section || fc->skip_rest) {
		return 1;
	}
	if (section[0] == '\0') {
		ERR(ld, fc->path, fc->line, "key outside any section ('%s')",
		    name);
		return 1;
	}
	for (s = 0; s < S_N && strcmp(section, sec_names[s]) != 0; s++) {
	}
	for (k = 0; k < K_N; k++) {
		if (strcmp(keys[k].name, name) == 0) {
			if (keys[k].sec == s) {
				break;
			}
			if (other < 0) {
				other = k;
			} else {
				other2 = k;
			}
		}
	}
	if (k == K_N) {
		if (other >= 0) {
			ERR(ld, fc->path, fc->line, "unknown key in [%s] (it "
			    "belongs in [%s]%s%s%s) ('%s')", section,
			    sec_names[keys[other].sec],
			    other2 >= 0 ? " or [" : "",
			    other2 >= 0 ? sec_names[keys[other2].sec] : "",
			    other2 >= 0 ? "]" : "", name);
		} else {
			int best = -1;
			size_t bd = 99, max = strlen(name) >= 5 ? 2 : 1;

			/* a typo of a key of this section, or another's */
			for (int j = 0; j < K_N; j++) {
				size_t dj = key_distance(name, keys[j].name) +
				    (keys[j].sec != s);

				if (dj <= max + (keys[j].sec != s) && dj < bd) {
					bd = dj;
					best = j;
				}
			}
			if (best >= 0) {
				ERR(ld, fc->path, fc->line, "unknown key in "
				    "[%s], did you mean '%s'%s%s%s? ('%s')",
				    section, keys[best].name,
				    keys[best].sec != s ? " in [" : "",
				    keys[best].sec != s ?
				    sec_names[keys[best].sec] : "",
				    keys[best].sec != s ? "]" : "", name);
			} else {
				ERR(ld, fc->path, fc->line, "unknown key in "
				    "[%s] ('%s')", section, name);
			}
		}
		return 1;
	}
	if (value[0] == '\0') {
		ERR(ld, fc->path, fc->line, "no value ('%s')", name);
		return 1;
	}
	if (s == S_GLOBAL) {
		if (!keys[k].repeat && ld->gline[k] != 0) {
			ERR(ld, fc->path, fc->line, "%s is already set at "
			    "%s:%d ('%s')", name, ld->gfile[k], ld->gline[k],
			    value);
			return 1;
		}
		ld->gfile[k] = fc->path;
		ld->gline[k] = fc->line;
		fc->globals = 1;
		set_global(fc, k, value);
		return 1;
	}
	if (!keys[k].repeat && fc_aux(fc)->line[k] != 0) {
		ERR(ld, fc->path, fc->line, "%s is already set at line %d "
		    "('%s')", name, fc_aux(fc)->line[k], value);
		return 1;
	}
	set_vpn(fc, k, value);
	if (fc_aux(fc)->line[k] == 0) {
		fc_aux(fc)->line[k] = fc->line;
	}
	return 1;
}

static size_t
done_hash(const char *s, size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (*s) {
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ULL;
	}
	return (size_t)(h ^ h >> 29) & (cap - 1);
}

static const char *
done_name(const struct ld *ld, size_t i)
{
	return ld->names + ld->done[i];
}

/* The index in ld->done of the file at realpath real, or -1. */
static long
done_find(const struct ld *ld, const char *real)
{
	size_t h;

	if (ld->done_ix_cap == 0) {
		return -1;
	}
	for (h = done_hash(real, ld->done_ix_cap); ld->done_ix[h];
	    h = (h + 1) & (ld->done_ix_cap - 1)) {
		if (strcmp(done_name(ld, ld->done_ix[h] - 1), real) == 0) {
			return (long)ld->done_ix[h] - 1;
		}
	}
	return -1;
}

/* Indexes ld->done[ld->n_done - 1]: 0 or -ENOMEM. */
static int
done_add(struct ld *ld)
{
	size_t h;

	if (2 * ld->n_done > ld->done_ix_cap) {
		size_t cap = ld->done_ix_cap ? 2 * ld->done_ix_cap : 64;
		uint32_t *ix = calloc(cap, sizeof(*ix));

		if (ix == NULL) {
			return -ENOMEM;
		}
		free(ld->done_ix);
		ld->done_ix = ix;
		ld->done_ix_cap = cap;
		for (size_t i = 0; i + 1 < ld->n_done; i++) {
			for (h = done_hash(done_name(ld, i), cap); ix[h];
			    h = (h + 1) & (cap - 1)) {
			}
			ix[h] = (uint32_t)i + 1;
		}
	}
	for (h = done_hash(done_name(ld, ld->n_done - 1), ld->done_ix_cap);
	    ld->done_ix[h]; h = (h + 1) & (ld->done_ix_cap - 1)) {
	}
	ld->done_ix[h] = (uint32_t)ld->n_done;
	return 0;
}

/*
 * realpath() and stat() of path, with the folder's realpath kept from one
 * file to the next: the files of one include glob share it, and
 * realpath() costs a system call per component of every path (a hub's
 * 10,000 files).  A file that is a symbolic link takes the long way.
 * 0, or -1 with errno set.
 */
static int
file_real(struct ld *ld, const char *path, char *real, struct stat *st)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) : 0;
	size_t rl, bl;

	if (slash == NULL || dl == 0 || dl >= sizeof(ld->dir) ||
	    strcmp(slash + 1, "..") == 0 || strcmp(slash + 1, ".") == 0 ||
	    lstat(path, st) != 0 || S_ISLNK(st->st_mode)) {
		if (realpath(path, real) == NULL) {
			return -1;
		}
		return stat(real, st);
	}
	if (strncmp(ld->dir, path, dl) != 0 || ld->dir[dl] != '\0') {
		memcpy(ld->dir, path, dl);
		ld->dir[dl] = '\0';
		if (realpath(ld->dir, ld->dir_real) == NULL) {
			ld->dir[0] = '\0';
			return -1;
		}
	}
	rl = strcmp(ld->dir_real, "/") == 0 ? 0 : strlen(ld->dir_real);
	bl = strlen(slash + 1);
	if (rl + 1 + bl >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(real, ld->dir_real, rl);
	real[rl] = '/';
	memcpy(real + rl + 1, slash + 1, bl + 1);
	return 0;
}

/* The index in ld->prev of the VPN read from the file at path (as
 * written, as prev's VPNs keep it), among those it may lend; or -1. */
static long
prev_find(struct ld *ld, const char *path)
{
	const struct cfg *p = ld->prev;
	size_t h;

	if (ld->prev_ix == NULL) {
		size_t cap = 16;

		while (cap < 2 * p->n_vpns) {
			cap *= 2;
		}
		if ((ld->prev_ix = calloc(cap, sizeof(uint32_t))) == NULL) {
			/* every file read: slower, still right */
			ld->prev = NULL;
			return -1;
		}
		ld->prev_ix_cap = cap;
		for (size_t i = 0; i < p->n_vpns; i++) {
			if (p->src_id[i] == 0) {
				continue;
			}
			for (h = done_hash(p->vpns[i].file, cap);
			    ld->prev_ix[h] != 0; h = (h + 1) & (cap - 1)) {
			}
			ld->prev_ix[h] = (uint32_t)i + 1;
		}
	}
	for (h = done_hash(path, ld->prev_ix_cap); ld->prev_ix[h] != 0;
	    h = (h + 1) & (ld->prev_ix_cap - 1)) {
		if (strcmp(p->vpns[ld->prev_ix[h] - 1].file, path) == 0) {
			return (long)ld->prev_ix[h] - 1;
		}
	}
	return -1;
}

/*
 * cfg_reload(): when the file at fc->path (stat()ed as st) is the one
 * ld->prev read, its psk_file unchanged too, a slot for its VPN that
 * ld_finish() fills with prev's copy, and 1: the file is not read.  0: it
 * is to be read.
 */
static int
reuse_file(struct ld *ld, struct file_ctx *fc, const struct stat *st)
{
	const struct cfg_vpn *pv;
	struct stat pst;
	uint64_t psk = 0, id;
	long k;

	if (ld->prev == NULL || (k = prev_find(ld, fc->path)) < 0) {
		return 0;
	}
	pv = &ld->prev->vpns[k];
	if (pv->psk_file[0] != '\0' && stat(pv->psk_file, &pst) == 0) {
		psk = file_id(ld, &pst);
	}
	id = src_id(file_id(ld, st), pv->psk_file, psk);
	if (id == 0 || id != ld->prev->src_id[k]) {
		return 0;
	}
	if (vpn_new(fc, 0) != 0) {
		return 1;	/* ld->nomem: the load fails */
	}
	ld->src[fc->vpn].reuse = k;
	ld->src[fc->vpn].src_id = id;
	ld->n_reused++;
	return 1;
}

/*
 * After reading a file that made a VPN: whether a later cfg_reload() may
 * take that VPN instead of reading the file again, while the file stays
 * the same.  Only if the file made nothing but it: no [global] key (an
 * include, or a setting every VPN reads), no warning (a VPN taken over
 * prints none; warnings of ld_finish() are checked there), and no updown
 * of its own (whose check looks at the script, another file).
 */
static void
file_fit(struct ld *ld, struct file_ctx *fc, const struct stat *st,
    size_t warnings)
{
	struct vpn_aux *a = fc_aux(fc);

	if (fc->globals || ld->diag->n_warnings != warnings ||
	    a->vpn_line == 0 || a->line[K_UPDOWN] != 0) {
		return;
	}
	ld->src[fc->vpn].src_id = src_id(file_id(ld, st),
	    fc_vpn(fc)->psk_file, a->psk_id);
}

static int
ld_file(struct ld *ld, const char *path, const char *from, int from_line)
{
	char real[PATH_MAX];
	struct file_ctx fc;
	struct stat st;
	size_t warnings = ld->diag->n_warnings;
	int rc;

	if (file_real(ld, path, real, &st) != 0) {
		ERR(ld, from ? from : path, from_line, "cannot read: %s ('%s')",
		    strerror(errno), path);
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode)) {
		ERR(ld, from ? from : path, from_line, "not a regular file "
		    "('%s')", path);
		return -EINVAL;
	}
	for (int i = 0; i < ld->depth; i++) {
		if (strcmp(done_name(ld, ld->real[i]), real) == 0) {
			ERR(ld, from, from_line, "include loop: this file "
			    "is already being read ('%s')", path);
			return -ELOOP;
		}
	}
	{
		long i = done_find(ld, real);

		if (i >= 0) {
			ERR(ld, from, from_line, "included twice (first from "
			    "%s:%d) ('%s')", ld->done_from[i] ?
			    ld->done_from[i] : "the command line",
			    ld->done_line[i], path);
			return -EEXIST;
		}
	}
	if (ld->depth >= MAX_DEPTH) {
		ERR(ld, from, from_line, "includes nested deeper than %d "
		    "('%s')", MAX_DEPTH, path);
		return -ELOOP;
	}
	if (ld->n_done == ld->cap_done) {
		/* doubling: one more slot per file copied the three arrays
		 * once per file, n^2 for a hub */
		size_t n = ld->cap_done ? 2 * ld->cap_done : 16;
		size_t *d = realloc(ld->done, n * sizeof(*d));

		if (d != NULL) {
			ld->done = d;
		}
		const char **df = realloc(ld->done_from, n * sizeof(*df));

		if (df != NULL) {
			ld->done_from = df;
		}
		int *dl = realloc(ld->done_line, n * sizeof(*dl));

		if (dl != NULL) {
			ld->done_line = dl;
		}
		if (d == NULL || df == NULL || dl == NULL) {
			ld->nomem = 1;
			return -ENOMEM;
		}
		ld->cap_done = n;
	}
	{
		size_t len = strlen(real) + 1;

		if (ld->names_len + len > ld->names_cap) {
			size_t cap = ld->names_cap ? 2 * ld->names_cap : 4096;
			char *nm;

			while (cap < ld->names_len + len) {
				cap *= 2;
			}
			if ((nm = realloc(ld->names, cap)) == NULL) {
				ld->nomem = 1;
				return -ENOMEM;
			}
			ld->names = nm;
			ld->names_cap = cap;
		}
		memcpy(ld->names + ld->names_len, real, len);
		ld->done[ld->n_done] = ld->names_len;
		ld->names_len += len;
	}
	ld->done_from[ld->n_done] = from;
	ld->done_line[ld->n_done] = from_line;
	ld->n_done++;
	if (done_add(ld) != 0) {
		ld->nomem = 1;
		return -ENOMEM;
	}
	memset(&fc, 0, sizeof(fc));
	fc.mode = st.st_mode;
	fc.ld = ld;
	fc.vpn = -1;
	if ((fc.path = intern(ld, path)) == NULL) {
		return -ENOMEM;
	}
	if (reuse_file(ld, &fc, &st)) {
		return 0;
	}
	if ((fc.fp = fopen(path, "r")) == NULL) {
		ERR(ld, from ? from : path, from_line, "cannot read: %s ('%s')",
		    strerror(errno), path);
		return -errno;
	}
	ld->real[ld->depth++] = ld->n_done - 1;
	rc = ini_parse_stream(ld_reader, &fc, ld_handler, &fc);
	ld->depth--;
	if (rc > 0) {
		/* ld_reader hands inih only lines it accepts; keep the
		 * safety net anyway. */
		ERR(ld, fc.path, rc, "syntax error");
	} else if (rc < 0) {
		ld->nomem = 1;
	}
	if (fc.vpn >= 0 && fc_aux(&fc)->vpn_line == 0) {
		ERR(ld, fc.path, fc_aux(&fc)->first_line, "VPN settings "
		    "without a [vpn] section in this file");
	}
	if (fc.vpn >= 0) {
		file_fit(ld, &fc, &st, warnings);
	}
	free(fc.buf);
	fclose(fc.fp);
	return 0;
}

/* Default proposals: iked's (iked.conf(5)), minus what pfkey cannot do. */
static const char *const def_ike_enc[] = { "aes-128-gcm", "aes-256-gcm",
	"aes-256", "aes-192", "aes-128", NULL };
static const char *const def_esp_enc_pfkey[] = { "aes-256", "aes-192",
	"aes-128", NULL };
static const char *const def_integ[] = { "hmac-sha2-256", "hmac-sha2-384",
	"hmac-sha2-512", "hmac-sha1", NULL };
static const char *const def_integ_pfkey[] = { "hmac-sha2-384",
	"hmac-sha2-512", "hmac-sha1", NULL };
static const char *const def_groups[] = { "curve25519", "ecp521", "ecp384",
	"ecp256", "modp4096", "modp3072", "modp2048", NULL };

static void
fill(const struct cr_alg **arr, uint8_t *n, int type,
    const char *const *names)
{
	for (*n = 0; names[*n] != NULL; (*n)++) {
		arr[*n] = cr_alg_by_name(type, names[*n]);
	}
}

static int
any_aead(const struct cfg_xforms *x, int want)
{
	for (uint8_t i = 0; i < x->n_enc; i++) {
		if (((x->enc[i]->flags & CR_F_AEAD) != 0) == want) {
			return 1;
		}
	}
	return 0;
}

static void
finish_xforms(struct ld *ld, struct cfg_vpn *v, struct vpn_aux *a, int child)
{
	struct cfg_xforms *x = child ? &v->childsa : &v->ikesa;
	struct xf_buf *b = child ? &a->child : &a->ike;
	int pfkey = child && ld->cfg->backend == CFG_BACKEND_PFKEY;
	const char *how = ld->cfg->backend_auto ? " (backend auto: this "
	    "kernel has no XFRM netlink)" : "";
	int k_enc = child ? K_CHILD_ENC : K_IKE_ENC;
	int k_auth = child ? K_CHILD_AUTH : K_IKE_AUTH;
	const char *sec = child ? "childsa" : "ikesa";

	/* read from the lists being built until xforms_keep() */
	x->enc = b->enc;
	x->integ = b->integ;
	x->prf = b->prf;
	x->dh = b->dh;
	if (x->n_enc == 0 && a->line[k_enc] == 0) {
		fill(b->enc, &x->n_enc, CR_ENCR,
		    pfkey ? def_esp_enc_pfkey : def_ike_enc);
	}
	if (!child && x->n_prf == 0 && a->line[K_IKE_PRF] == 0) {
		fill(b->prf, &x->n_prf, CR_PRF, def_integ);
	}
	if (!child && x->n_dh == 0 && a->line[K_IKE_GROUP] == 0) {
		fill(b->dh, &x->n_dh, CR_DH, def_groups);
	}
	if (!any_aead(x, 0)) {
		/* Only AEAD ciphers: no integrity transform (RFC 7296
		 * 3.3: an AEAD proposal has none). */
		if (a->line[k_auth] != 0 && x->n_enc > 0) {
			WARN(ld, v->file, a->line[k_auth], "[%s] auth is not "
			    "used: every enc is an AEAD cipher", sec);
		}
		x->n_integ = 0;
	} else if (x->n_integ == 0 && a->line[k_auth] == 0) {
		fill(b->integ, &x->n_integ, CR_INTEG,
		    pfkey ? def_integ_pfkey : def_integ);
	}
	if (!pfkey) {
		return;
	}
	/* Linux af_key (net/key/af_key.c) has no SADB encoding for AEAD
	 * algorithms and installs hmac(sha256) with the 96-bit ICV of the
	 * old draft, not RFC 4868's 128 bits. */
	for (uint8_t i = 0; i < x->n_enc; i++) {
		if (x->enc[i]->flags & CR_F_AEAD) {
			ERR(ld, v->file, a->line[k_enc], "[childsa] enc: "
			    "backend pfkey%s cannot install AEAD ciphers "
			    "(Linux af_key has no encoding for them); use "
			    "aes-256 with an hmac, or backend xfrm ('%s')",
			    how, x->enc[i]->name);
		}
	}
	for (uint8_t i = 0; i < x->n_integ; i++) {
		if (strcmp(x->integ[i]->name, "hmac-sha2-256") == 0) {
			ERR(ld, v->file, a->line[k_auth], "[childsa] auth: "
			    "backend pfkey%s truncates hmac-sha2-256 to 96 "
			    "bits instead of RFC 4868's 128, so no peer would "
			    "accept the packets; use hmac-sha2-384, "
			    "hmac-sha2-512, hmac-sha1 or backend xfrm ('%s')",
			    how, x->integ[i]->name);
		}
	}
}

/*
 * [childsa] esn and replay_window against the backend: af_key has neither
 * ESN nor a replay bitmap past 32 packets; Linux XFRM refuses ESN without
 * a replay window (xfrm_init_replay()).  The default (both offered) drops
 * what the backend cannot do instead of failing.
 */
static void
finish_replay(struct ld *ld, struct cfg_vpn *v, struct vpn_aux *a)
{
	int esn_set = a->line[K_CHILD_ESN] != 0;
	int pfkey = ld->cfg->backend == CFG_BACKEND_PFKEY;
	const char *how = ld->cfg->backend_auto ? " (backend auto: this "
	    "kernel has no XFRM netlink)" : "";

	if (a->line[K_CHILD_REPLAY] == 0) {
		v->replay_window = DEF_REPLAY_WINDOW;
	}
	if (!esn_set) {
		v->childsa.esn = pfkey || v->replay_window == 0 ? CFG_ESN_NO :
		    CFG_ESN_BOTH;
	}
	if (pfkey && v->replay_window > CFG_REPLAY_PFKEY_MAX) {
		ERR(ld, v->file, a->line[K_CHILD_REPLAY], "[childsa] "
		    "replay_window: backend pfkey%s keeps at most %d packets; "
		    "use backend xfrm for more ('%u')", how,
		    CFG_REPLAY_PFKEY_MAX, v->replay_window);
	}
	if (pfkey && (v->childsa.esn & CFG_ESN_YES)) {
		ERR(ld, v->file, a->line[K_CHILD_ESN], "[childsa] esn: backend "
		    "pfkey%s cannot install extended sequence numbers; use "
		    "esn = no or backend xfrm ('%s')", how,
		    v->childsa.esn == CFG_ESN_YES ? "yes" : "both");
	} else if (esn_set && (v->childsa.esn & CFG_ESN_YES) &&
	    v->replay_window == 0 && ld->cfg->backend != CFG_BACKEND_NULL) {
		ERR(ld, v->file, a->line[K_CHILD_ESN], "[childsa] esn: Linux "
		    "needs a replay window for ESN; set replay_window above 0 "
		    "or esn = no ('%s')",
		    v->childsa.esn == CFG_ESN_YES ? "yes" : "both");
	}
}

static int
xf_list_eq(const struct cr_alg *const *a, const struct cr_alg *const *b,
    uint8_t n)
{
	return n == 0 || memcmp(a, b, n * sizeof(*a)) == 0;
}

/*
 * x's lists (in the loader's buffers) copied to one heap block of their
 * size, which x->enc points to; or the block of the VPN before (prev),
 * when it holds the same lists: a hub's VPNs share their transforms, and
 * cfg_free() frees a block once, where a run of VPNs sharing it starts.
 */
static void
xforms_keep(struct ld *ld, struct cfg_xforms *x, const struct cfg_xforms *prev)
{
	size_t n = (size_t)x->n_enc + x->n_integ + x->n_prf + x->n_dh;
	const struct cr_alg **p;

	if (prev != NULL && prev->enc != NULL && prev->n_enc == x->n_enc &&
	    prev->n_integ == x->n_integ && prev->n_prf == x->n_prf &&
	    prev->n_dh == x->n_dh &&
	    xf_list_eq(prev->enc, x->enc, x->n_enc) &&
	    xf_list_eq(prev->integ, x->integ, x->n_integ) &&
	    xf_list_eq(prev->prf, x->prf, x->n_prf) &&
	    xf_list_eq(prev->dh, x->dh, x->n_dh)) {
		/* the lists only: counts and other settings stay x's */
		x->enc = prev->enc;
		x->integ = prev->integ;
		x->prf = prev->prf;
		x->dh = prev->dh;
		return;
	}
	p = calloc(n ? n : 1, sizeof(*p));

	if (p == NULL) {
		ld->nomem = 1;
		x->enc = x->integ = x->prf = x->dh = NULL;
		x->n_enc = x->n_integ = x->n_prf = x->n_dh = 0;
		return;
	}
	memcpy(p, x->enc, x->n_enc * sizeof(*p));
	memcpy(p + x->n_enc, x->integ, x->n_integ * sizeof(*p));
	memcpy(p + x->n_enc + x->n_integ, x->prf, x->n_prf * sizeof(*p));
	memcpy(p + x->n_enc + x->n_integ + x->n_prf, x->dh,
	    x->n_dh * sizeof(*p));
	x->enc = p;
	x->integ = p + x->n_enc;
	x->prf = x->integ + x->n_integ;
	x->dh = x->prf + x->n_prf;
}

/* Of a VPN's union cfg_addr or a keepalive's sockaddr_storage: both
 * begin as a struct sockaddr. */
static int
sa_family(const void *sa)
{
	return ((const struct sockaddr *)sa)->sa_family;
}

static const uint8_t *
sa_bytes(const void *sa)
{
	if (sa_family(sa) == AF_INET) {
		return (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	}
	return (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
}

/* 1 if the address (family, bytes) lies in prefix p. */
static int
in_prefix(const struct cfg_prefix *p, int family, const uint8_t *addr)
{
	if (p->family != family) {
		return 0;
	}
	for (int i = 0; i < p->plen; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if ((p->addr[i / 8] & m) != (addr[i / 8] & m)) {
			return 0;
		}
	}
	return 1;
}

static int
prefixes_overlap(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	return a->plen <= b->plen ? in_prefix(a, b->family, b->addr) :
	    in_prefix(b, a->family, a->addr);
}

static int
flows_overlap(const struct cfg_flow *a, const struct cfg_flow *b)
{
	return prefixes_overlap(&a->local, &b->local) &&
	    prefixes_overlap(&a->remote, &b->remote);
}

static void
finish_vpn(struct ld *ld, struct cfg_vpn *v, struct vpn_aux *a)
{
	struct cfg_keepalive *ka = v->keepalive;
	int lf = sa_family(&v->local), pf = sa_family(&v->peer);

	if (a->line[K_PEER] == 0) {
		ERR(ld, v->file, v->line, "no peer (peer = ADDRESS, or 'any' "
		    "for a passive VPN) ('%s')", v->name);
	} else if (a->peer_any && v->mode == CFG_MODE_ACTIVE) {
		ERR(ld, v->file, a->line[K_PEER], "peer: an active VPN needs "
		    "the peer's address or host name ('any')");
	}
	/* A named peer's family: local's, else the flows' (the tunnel's
	 * outer and inner families are the same, see the flow check). */
	if (v->peer_host != NULL && lf == AF_UNSPEC && v->n_flows > 0) {
		pf = v->flows[0].local.family;
	}
	if (lf != AF_UNSPEC && pf != AF_UNSPEC && lf != pf) {
		ERR(ld, v->file, a->line[K_PEER], "peer: not in the same "
		    "address family as local");
	}
	v->family = lf != AF_UNSPEC ? lf : pf;
	if (v->family == AF_UNSPEC && a->line[K_PEER] != 0) {
		ERR(ld, v->file, v->line, "local and peer are both 'any': "
		    "set one to tell the tunnel's address family ('%s')",
		    v->name);
	}
	if (v->srcid.type == CFG_ID_NONE) {
		if (lf == AF_INET) {
			id_set(ld, &v->srcid, CFG_ID_IPV4_ADDR,
			    sa_bytes(&v->local), 4);
		} else if (lf == AF_INET6) {
			id_set(ld, &v->srcid, CFG_ID_IPV6_ADDR,
			    sa_bytes(&v->local), 16);
		}
		/* local = any: the address the kernel picks for the IKE SA
		 * (iked's "local egress"), decided by the engine. */
	}
	if (a->line[K_PSK] == 0 && a->line[K_PSK_FILE] == 0) {
		ERR(ld, v->file, v->line, "no psk or psk_file (ikebox "
		    "authenticates with pre-shared keys) ('%s')", v->name);
	} else if (v->psk_len > 0 && v->psk_len < CFG_PSK_WARN) {
		int k = a->line[K_PSK] ? K_PSK : K_PSK_FILE;

		WARN(ld, v->file, a->line[k], "%s: a key of %zu bytes: anyone "
		    "who sees one IKE_AUTH exchange can try keys offline "
		    "(RFC 7296 2.15); use %d or more random characters ('%s')",
		    k == K_PSK ? "psk" : "psk_file", v->psk_len,
		    CFG_PSK_WARN, v->name);
	}
	if (a->line[K_UPDOWN] == 0) {
		v->updown = ld->cfg->updown;	/* [global]'s, or none */
	}
	if (a->line[K_IKELIFETIME] == 0) {
		v->ikelifetime = DEF_IKELIFETIME;
	}
	if (a->line[K_LIFETIME] == 0) {
		v->lifetime = DEF_LIFETIME;
	}
	if (a->line[K_LIFETIME_BYTES] == 0) {
		v->lifetime_bytes = DEF_LIFETIME_BYTES;
	}
	if (v->n_flows == 0) {
		ERR(ld, v->file, v->line, "no flow: add [flows] flow = LOCAL "
		    "REMOTE ('%s')", v->name);
	}
	for (size_t i = 0; i < v->n_flows; i++) {
		struct cfg_flow *f = &v->flows[i];

		if (v->family != AF_UNSPEC && f->local.family != v->family) {
			ERR(ld, v->file, f->line, "flow: not in the address "
			    "family of local/peer (%s)", v->family == AF_INET ?
			    "IPv4" : "IPv6");
		}
		for (size_t j = 0; j < i; j++) {
			if (flows_overlap(&v->flows[j], f)) {
				ERR(ld, v->file, f->line, "flow overlaps the "
				    "flow at line %d", v->flows[j].line);
			}
		}
	}
	finish_xforms(ld, v, a, 0);
	finish_xforms(ld, v, a, 1);
	xforms_keep(ld, &v->ikesa, v > ld->cfg->vpns ? &v[-1].ikesa : NULL);
	xforms_keep(ld, &v->childsa, v > ld->cfg->vpns ? &v[-1].childsa :
	    NULL);
	finish_replay(ld, v, a);
	if (v->tap[0] != '\0' && ld->cfg->backend != CFG_BACKEND_XFRM) {
		/* accepted for iked's configs, but only XFRM can tie SAs to
		 * an interface: say so rather than do nothing quietly */
		WARN(ld, v->file, a->line[K_TAP], "tap needs backend xfrm "
		    "(interface IDs or marks), not %s%s: ignored ('%s')",
		    cfg_backend_name(ld->cfg->backend), ld->cfg->backend_auto ?
		    " (chosen by auto)" : "", v->tap);
	}
	if (ka != NULL) {
		int found = 0;
		int sf = sa_family(&ka->source), tf = sa_family(&ka->target);

		if (a->line[K_KA_SOURCE] == 0 || a->line[K_KA_TARGET] == 0) {
			ERR(ld, v->file, v->line, "[keepalive] needs source "
			    "and target ('%s')", v->name);
		} else {
			for (size_t i = 0; i < v->n_flows; i++) {
				if (in_prefix(&v->flows[i].local, sf,
				    sa_bytes(&ka->source)) &&
				    in_prefix(&v->flows[i].remote, tf,
				    sa_bytes(&ka->target))) {
					found = 1;
				}
			}
			if (!found && v->n_flows > 0) {
				ERR(ld, v->file, a->line[K_KA_SOURCE],
				    "[keepalive] source and target are not "
				    "the two sides of one flow, so the pings "
				    "would not test this tunnel ('%s')",
				    v->name);
			}
		}
		if (a->line[K_KA_INTERVAL] == 0) {
			ka->interval = DEF_KA_INTERVAL;
		}
		if (a->line[K_KA_FAIL_AFTER] == 0) {
			ka->fail_after = DEF_KA_FAIL_AFTER;
		}
	}
}

static int
same_addr(const union cfg_addr *a, const union cfg_addr *b)
{
	if (a->ss_family != b->ss_family) {
		return 0;
	}
	if (a->ss_family == AF_UNSPEC) {
		return 1;
	}
	return memcmp(sa_bytes(a), sa_bytes(b),
	    a->ss_family == AF_INET ? 4 : 16) == 0;
}

/* Two peer host names (NULL: the peer is an address) name the same peer. */
static int
same_host(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcasecmp(a, b) == 0;
}

/* What ld_finish() compares pairs of VPNs by: only VPNs of one name, or
 * of one peer address, are compared, each sorted run in load order. */
static const struct cfg_vpn *sort_vpns;

static int
by_name(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = strcmp(sort_vpns[a].name, sort_vpns[b].name);

	return c ? c : (a > b) - (a < b);
}

static int
by_peer(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const union cfg_addr *x = &sort_vpns[a].peer;
	const union cfg_addr *y = &sort_vpns[b].peer;
	int c = (int)x->ss_family - (int)y->ss_family;

	const char *hx = sort_vpns[a].peer_host, *hy = sort_vpns[b].peer_host;

	if (c == 0 && x->ss_family != AF_UNSPEC) {
		c = memcmp(sa_bytes(x), sa_bytes(y),
		    x->ss_family == AF_INET ? 4 : 16);
	}
	if (c == 0 && (hx != NULL || hy != NULL)) {
		/* peer = HOST: one group per name, as same_host() */
		c = hx == NULL ? -1 : hy == NULL ? 1 : strcasecmp(hx, hy);
	}
	return c ? c : (a > b) - (a < b);
}

/* Sorts the n VPN indexes of ix with cmp; pos[vpn] = its place in ix. */
static void
sort_ix(size_t *ix, size_t *pos, size_t n,
    int (*cmp)(const void *, const void *))
{
	for (size_t i = 0; i < n; i++) {
		ix[i] = i;
	}
	qsort(ix, n, sizeof(*ix), cmp);
	for (size_t i = 0; i < n; i++) {
		pos[ix[i]] = i;
	}
}

/* VPN b (index i) against the earlier VPN a (index j): one name, or
 * overlapping flows with one peer. */
static void
check_pair(struct ld *ld, size_t j, size_t i)
{
	struct cfg_vpn *a = &ld->cfg->vpns[j], *b = &ld->cfg->vpns[i];

	if (strcmp(a->name, b->name) == 0) {
		ERR(ld, b->file, b->line, "duplicate VPN name (also at %s:%d) "
		    "('%s')", a->file, a->line, b->name);
	}
	if (!same_addr(&a->peer, &b->peer) || ld->src[i].peer_any ||
	    ld->src[j].peer_any || !same_host(a->peer_host, b->peer_host)) {
		return;
	}
	for (size_t fb = 0; fb < b->n_flows; fb++) {
		for (size_t fa = 0; fa < a->n_flows; fa++) {
			if (!flows_overlap(&a->flows[fa], &b->flows[fb])) {
				continue;
			}
			ERR(ld, b->file, b->flows[fb].line, "flow overlaps a "
			    "flow of VPN '%s' (%s:%d) with the same peer",
			    a->name, a->file, a->flows[fa].line);
		}
	}
}

/* One flow of one VPN, for the sweep over a peer's flows. */
struct flow_ref {
	size_t vpn;
	const struct cfg_prefix *local;
};

static int
by_local(const void *pa, const void *pb)
{
	const struct flow_ref *a = pa, *b = pb;
	int c = (int)a->local->family - (int)b->local->family;

	if (c == 0) {
		c = memcmp(a->local->addr, b->local->addr, 16);
	}
	return c ? c : (int)a->local->plen - (int)b->local->plen;
}

/* A pair of VPNs to compare: i after j (load order). */
struct vpn_pair {
	size_t i, j;
};

static int
by_pair(const void *pa, const void *pb)
{
	const struct vpn_pair *a = pa, *b = pb;

	if (a->i != b->i) {
		return a->i < b->i ? -1 : 1;
	}
	return (a->j > b->j) - (a->j < b->j);
}

struct pairs {
	struct vpn_pair *p;
	size_t n, cap;
};

static int
pair_add(struct pairs *ps, size_t x, size_t y)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;
		struct vpn_pair *p = realloc(ps->p, cap * sizeof(*p));

		if (p == NULL) {
			return -ENOMEM;
		}
		ps->p = p;
		ps->cap = cap;
	}
	ps->p[ps->n].i = x > y ? x : y;
	ps->p[ps->n].j = x > y ? y : x;
	ps->n++;
	return 0;
}

/*
 * The pairs of VPNs of one peer (ix[0..n)) whose local prefixes overlap:
 * sorted by address then length, the prefixes inside one follow it
 * (the loader refuses host bits), so disjoint flows cost n log n.
 */
static int
peer_pairs(struct ld *ld, const size_t *ix, size_t n, struct pairs *ps)
{
	struct flow_ref *fr;
	size_t nf = 0, k = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		nf += ld->src[ix[i]].peer_any ? 0 :
		    ld->cfg->vpns[ix[i]].n_flows;
	}
	if (nf < 2) {
		return 0;
	}
	if ((fr = calloc(nf, sizeof(*fr))) == NULL) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cfg_vpn *v = &ld->cfg->vpns[ix[i]];

		for (size_t f = 0; !ld->src[ix[i]].peer_any && f < v->n_flows;
		    f++) {
			fr[k].vpn = ix[i];
			fr[k++].local = &v->flows[f].local;
		}
	}
	qsort(fr, nf, sizeof(*fr), by_local);
	for (size_t p = 0; p < nf && rc == 0; p++) {
		for (size_t q = p + 1; q < nf && rc == 0 &&
		    fr[q].local->family == fr[p].local->family &&
		    in_prefix(fr[p].local, fr[q].local->family,
		    fr[q].local->addr); q++) {
			if (fr[q].vpn != fr[p].vpn) {
				rc = pair_add(ps, fr[p].vpn, fr[q].vpn);
			}
		}
	}
	free(fr);
	return rc;
}

static void *
dup_mem(struct ld *ld, const void *p, size_t n)
{
	void *q;

	if (p == NULL) {
		return NULL;
	}
	if ((q = malloc(n ? n : 1)) == NULL) {
		ld->nomem = 1;
		return NULL;
	}
	memcpy(q, p, n);
	return q;
}

/*
 * A VPN cfg_reload() takes over (aux->reuse): prev's, finished as it is,
 * with copies of what this configuration owns.  Its [global] context is
 * the same (same_context()), so finish_vpn() would find the same.
 */
static void
vpn_copy(struct ld *ld, struct cfg_vpn *v, struct vpn_src *src)
{
	const struct cfg_vpn *o = &ld->prev->vpns[src->reuse];
	const char *file = v->file;	/* interned by ld_file() */

	*v = *o;
	v->file = file;
	v->peer_host = o->peer_host ? intern(ld, o->peer_host) : NULL;
	v->psk_file = o->psk_file[0] ? intern(ld, o->psk_file) : "";
	if (v->psk_file == NULL) {
		v->psk_file = "";
	}
	v->updown = ld->cfg->updown;
	v->psk = dup_mem(ld, o->psk, o->psk_len);
	v->flows = dup_mem(ld, o->flows, o->n_flows * sizeof(*o->flows));
	v->keepalive = dup_mem(ld, o->keepalive, sizeof(*o->keepalive));
	v->srcid.data = dup_mem(ld, o->srcid.data, o->srcid.len);
	v->dstid.data = dup_mem(ld, o->dstid.data, o->dstid.len);
	/* lists in a block of their own, or the VPN before's: never prev's */
	xforms_keep(ld, &v->ikesa, v > ld->cfg->vpns ? &v[-1].ikesa : NULL);
	xforms_keep(ld, &v->childsa, v > ld->cfg->vpns ? &v[-1].childsa :
	    NULL);
	/* what check_pair() reads (set_addr()'s 'any') */
	src->peer_any = v->peer.ss_family == AF_UNSPEC &&
	    v->peer_host == NULL;
}

static void
ld_finish(struct ld *ld)
{
	struct cfg *cfg = ld->cfg;
	size_t n = cfg->n_vpns;
	size_t *nix = calloc(n + 1, sizeof(*nix));
	size_t *npos = calloc(n + 1, sizeof(*npos));
	size_t *pix = calloc(n + 1, sizeof(*pix));
	size_t *ppos = calloc(n + 1, sizeof(*ppos));
	struct pairs ps = { 0 };
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		size_t w = ld->diag->n_warnings;

		if (ld->src[i].reuse >= 0) {
			vpn_copy(ld, &cfg->vpns[i], &ld->src[i]);
			continue;
		}
		finish_vpn(ld, &cfg->vpns[i], &ld->aux[ld->src[i].aux]);
		ld->src[i].peer_any = ld->aux[ld->src[i].aux].peer_any;
		if (ld->diag->n_warnings != w) {
			ld->src[i].src_id = 0;	/* to be printed again */
		}
	}
	if (nix == NULL || npos == NULL || pix == NULL || ppos == NULL) {
		ld->nomem = 1;
		goto out;
	}
	/*
	 * Only VPNs of one name, or of one peer with overlapping local
	 * prefixes, can clash: those pairs are found by sorting (a hub of n
	 * branches costs n log n, not n^2), then compared in the order of
	 * a walk over every pair (i rising, then j), which is the order of
	 * the messages.
	 */
	sort_vpns = cfg->vpns;
	sort_ix(nix, npos, n, by_name);
	sort_ix(pix, ppos, n, by_peer);
	for (size_t s = 0, e; s < n && rc == 0; s = e) {
		for (e = s + 1; e < n && strcmp(cfg->vpns[nix[e]].name,
		    cfg->vpns[nix[s]].name) == 0; e++) {
			for (size_t k = s; k < e && rc == 0; k++) {
				rc = pair_add(&ps, nix[e], nix[k]);
			}
		}
	}
	for (size_t s = 0, e; s < n && rc == 0; s = e) {
		for (e = s + 1; e < n && same_addr(&cfg->vpns[pix[e]].peer,
		    &cfg->vpns[pix[s]].peer) && same_host(cfg->vpns[pix[e]].
		    peer_host, cfg->vpns[pix[s]].peer_host); e++) {
		}
		if (e - s > 1) {
			rc = peer_pairs(ld, pix + s, e - s, &ps);
		}
	}
	if (rc != 0) {
		ld->nomem = 1;
		goto out;
	}
	if (ps.n > 1) {
		qsort(ps.p, ps.n, sizeof(*ps.p), by_pair);
	}
	for (size_t k = 0; k < ps.n; k++) {
		if (k == 0 || by_pair(&ps.p[k - 1], &ps.p[k]) != 0) {
			check_pair(ld, ps.p[k].j, ps.p[k].i);
		}
	}
out:
	sort_vpns = NULL;
	free(ps.p);
	free(nix);
	free(npos);
	free(pix);
	free(ppos);
}

/* Whether the [global] settings a VPN's finish_vpn() reads are the same in
 * a and b: only then may b take a's finished VPNs. */
static int
same_context(const struct cfg *a, const struct cfg *b)
{
	return a->backend == b->backend && a->backend_auto == b->backend_auto &&
	    (a->updown == NULL ? b->updown == NULL : b->updown != NULL &&
	    strcmp(a->updown, b->updown) == 0);
}

/* cfg_load() (now_ns INT64_MIN: every file racy), or cfg_reload() with
 * prev; -EAGAIN when prev's VPNs were to be taken over but the [global]
 * context changed (nothing kept then). */
static int
load(const char *path, const struct cfg *prev, int64_t now_ns,
    struct cfg **out, struct cfg_diag *diag)
{
	struct ld ld;
	struct cfg *cfg = calloc(1, sizeof(*cfg));
	size_t errors = diag->n_errors;
	int rc = 0, again = 0;

	*out = NULL;
	if (cfg == NULL) {
		return -ENOMEM;
	}
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.diag = diag;
	ld.prev = prev != NULL && prev->src_id != NULL ? prev : NULL;
	/* the clock is the caller's: core/ makes no system call for it */
	ld.racy_ns = now_ns == INT64_MIN ? INT64_MIN :
	    now_ns - (int64_t)CFG_RACY_MS * 1000000;
	cfg->dpd_check_interval = DEF_DPD;
	cfg->nat_traversal = CFG_NATT_YES;
	cfg->nat_keepalive = CFG_NAT_KEEPALIVE_DEF;
	cfg->fragment_size = CFG_FRAGMENT_SIZE_DEF;
	cfg->workers = CFG_WORKERS_AUTO;
	cfg->backend = auto_backend;
	cfg->backend_auto = 1;
	cfg->log = CFG_LOG_STDERR;
	cfg->seccomp = 1;
	snprintf(cfg->socket, sizeof(cfg->socket), "%s", CFG_DEFAULT_SOCKET);
	cfg->file = intern(&ld, path);
	(void)ld_file(&ld, path, NULL, 0);
	again = ld.n_reused > 0 && !ld.nomem && !same_context(prev, cfg);
	if (!ld.nomem && !again) {
		ld_finish(&ld);
		if (cfg->n_vpns == 0 && diag->n_errors == errors) {
			WARN(&ld, path, 0, "no VPN configured");
		}
	}
	if (!ld.nomem && !again && diag->n_errors == errors &&
	    cfg->n_vpns > 0) {
		/* cfg_vpn_find()'s index; without it, a walk (still right) */
		size_t cap = 16;

		while (cap < 2 * cfg->n_vpns) {
			cap *= 2;
		}
		if ((cfg->name_ix = calloc(cap, sizeof(uint32_t))) != NULL) {
			cfg->name_ix_cap = cap;
		}
		/* what the next cfg_reload() checks; without it, no reuse */
		if ((cfg->src_id = calloc(cfg->n_vpns,
		    sizeof(*cfg->src_id))) != NULL) {
			for (size_t i = 0; i < cfg->n_vpns; i++) {
				cfg->src_id[i] = ld.src[i].src_id;
			}
		}
		cfg->n_reused = ld.n_reused;
	}
	if (ld.cap_vpns > cfg->n_vpns && cfg->n_vpns > 0) {
		/* the room vpn_new() doubled, given back */
		struct cfg_vpn *v = realloc(cfg->vpns,
		    cfg->n_vpns * sizeof(*v));

		if (v != NULL) {
			cfg->vpns = v;
		}
	}
	for (size_t i = 0; cfg->name_ix != NULL && i < cfg->n_vpns; i++) {
		size_t h = cfg_name_hash(cfg->vpns[i].name) &
		    (cfg->name_ix_cap - 1);

		while (cfg->name_ix[h] != 0) {
			h = (h + 1) & (cfg->name_ix_cap - 1);
		}
		cfg->name_ix[h] = (uint32_t)i + 1;
	}
	free(ld.done);
	free(ld.names);
	free(ld.done_ix);
	free(ld.done_from);
	free(ld.done_line);
	free(ld.src);
	free(ld.aux);
	free(ld.prev_ix);
	if (ld.nomem) {
		rc = -ENOMEM;
	} else if (again) {
		rc = -EAGAIN;
	} else if (diag->n_errors != errors) {
		rc = -EINVAL;
	}
	if (rc != 0) {
		cfg_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

/* see cfg.h */
int
cfg_load(const char *path, struct cfg **out, struct cfg_diag *diag)
{
	return load(path, NULL, INT64_MIN, out, diag);
}

/* see cfg.h */
int
cfg_reload(const char *path, const struct cfg *prev, int64_t now_ns,
    struct cfg **out, struct cfg_diag *diag)
{
	size_t n = diag->n, errors = diag->n_errors;
	size_t warnings = diag->n_warnings;
	int rc = load(path, prev, now_ns, out, diag);

	if (rc == -EAGAIN) {
		/* [global] changed what VPNs read: every file read again,
		 * and the messages of the first pass dropped */
		while (diag->n > n) {
			free(diag->msgs[--diag->n].text);
		}
		diag->n_errors = errors;
		diag->n_warnings = warnings;
		rc = load(path, NULL, now_ns, out, diag);
	}
	return rc;
}
