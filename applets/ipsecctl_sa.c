/*
 * ipsecctl_sa.c - the `ipsecctl-sa` applet: the flows (security policies)
 * and SAs as the kernel holds them, read through the kernel backend's dump
 * (XFRM netlink or PF_KEY, as the configuration's `backend` says; `auto`,
 * the default, is XFRM when the kernel has it),
 * in the shape OpenBSD's `ipsecctl -sa` prints, as JSON (-j) or as a
 * stable tab-separated dump (-d) for scripts.  Keys are secrets: shown only
 * with -k.
 *
 * The kernel does not know IKE identities, so unlike OpenBSD no srcid/dstid
 * appear; Linux's third direction (fwd, forwarded traffic into the LAN) is
 * shown as "flow esp fwd".  The null backend's SAs live inside the daemon,
 * so with `backend = null` in the configuration (or with -s SOCKET) the same
 * listing is asked of ikd over its control socket (`show kernel`), printed
 * by the same formatter on the daemon's side.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applets.h"
#include "applets/ipsecctl_sa.h"
#include "core/cfg/cfg.h"
#include "crypto/alg.h"
#include "net/ctl.h"
#include "net/kbe.h"

#define IPSECCTL_SA_CONF "/etc/ikebox/ikd.conf"
#define IPSECCTL_SA_SOCKET "/run/ikebox/ikd.sock"

/* see applets.h */
void
ipsecctl_sa_usage(FILE *out)
{
	fprintf(out,
	    "usage: ipsecctl-sa [-j | -d] [-k] [-f FILE] [-s SOCKET]\n"
	    "Shows the kernel's IPsec flows and SAs (XFRM or PF_KEY, as "
	    "backend says); with\nbackend = null in "
	    "FILE (default " IPSECCTL_SA_CONF "), or with -s, asks the "
	    "running ikd.\n"
	    "  -j  JSON: {\"flows\": [...], \"sas\": [...]}\n"
	    "  -d  tab-separated, one entry a line:\n"
	    "      flow DIR SRC DST PROTO TUNNEL-SRC TUNNEL-DST REQID "
	    "PRIORITY TYPE OWN\n"
	    "      sa PROTO MODE SRC DST SPI REQID ENC ENCKEY AUTH AUTHKEY "
	    "REPLAY BYTES PACKETS OWN\n"
	    "  -k  show keys (otherwise omitted, or \"(hidden)\" with -d)\n"
	    "  -f FILE    configuration whose [global] backend and socket "
	    "are read\n"
	    "  -s SOCKET  ask the ikd on SOCKET whatever the backend\n"
	    "OWN is 1 for entries ikebox installed (reqid 0x%x-0x%x).\n",
	    KBE_REQID_MIN, KBE_REQID_MAX);
}

struct show {
	FILE *flows, *sas;	/* memory streams, joined at the end */
	int fmt, keys;
	int n_flows, n_sas;
};

static const char *
prefix_str(const struct kern_prefix *p, char *buf, size_t len)
{
	char a[64];

	snprintf(buf, len, "%s/%u", kbe_addr_str(&p->addr, a, sizeof(a)),
	    p->plen);
	return buf;
}

static void
hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%02x", b[i]);
	}
}

static void
show_flow(struct show *s, const struct kbe_dump_ent *e)
{
	const struct kern_policy *p = e->policy;
	char src[80], dst[80], ts[64], td[64];
	/* The peer is the far end of the tunnel: dst going out, src coming in. */
	const struct kern_addr *peer = p->dir == KERN_DIR_OUT ? &p->tun_dst :
	    &p->tun_src;
	char pa[64];
	FILE *f = s->flows;

	prefix_str(&p->src, src, sizeof(src));
	prefix_str(&p->dst, dst, sizeof(dst));
	kbe_addr_str(&p->tun_src, ts, sizeof(ts));
	kbe_addr_str(&p->tun_dst, td, sizeof(td));
	kbe_addr_str(peer, pa, sizeof(pa));
	switch (s->fmt) {
	case IPSECCTL_SA_PRETTY:
		fprintf(f, "flow esp %s from %s to %s", kbe_dir_name(p->dir),
		    src, dst);
		if (p->proto != 0) {
			fprintf(f, " proto %u", p->proto);
		}
		if (peer->family != 0) {
			fprintf(f, " peer %s", pa);
		}
		fprintf(f, " type %s\n", e->action ? e->action : "require");
		break;
	case IPSECCTL_SA_JSON:
		fprintf(f, "%s\n    {\"dir\": \"%s\", \"src\": \"%s\", "
		    "\"dst\": \"%s\", \"proto\": %u, \"peer\": \"%s\", "
		    "\"tunnel_src\": \"%s\", \"tunnel_dst\": \"%s\", "
		    "\"reqid\": %u, \"priority\": %u, \"type\": \"%s\", "
		    "\"own\": %s}", s->n_flows ? "," : "",
		    kbe_dir_name(p->dir), src, dst, p->proto, pa, ts, td,
		    p->reqid, p->priority, e->action ? e->action : "require",
		    e->own ? "true" : "false");
		break;
	default:
		fprintf(f, "flow\t%s\t%s\t%s\t%u\t%s\t%s\t%u\t%u\t%s\t%d\n",
		    kbe_dir_name(p->dir), src, dst, p->proto, ts, td, p->reqid,
		    p->priority, e->action ? e->action : "require", e->own);
		break;
	}
	s->n_flows++;
}

static void
show_sa(struct show *s, const struct kbe_dump_ent *e)
{
	const struct kern_sa *sa = e->sa;
	const char *proto = sa->proto == KERN_PROTO_ESP ? "esp" :
	    sa->proto == 51 ? "ah" : "?";
	const char *mode = sa->mode == KERN_MODE_TUNNEL ? "tunnel" :
	    sa->mode == 1 ? "transport" : "other";
	char src[64], dst[64];
	FILE *f = s->sas;

	kbe_addr_str(&sa->src, src, sizeof(src));
	kbe_addr_str(&sa->dst, dst, sizeof(dst));
	switch (s->fmt) {
	case IPSECCTL_SA_PRETTY:
		fprintf(f, "%s %s from %s to %s spi 0x%08x auth %s enc %s",
		    proto, mode, src, dst, sa->spi, e->integ_name,
		    e->encr_name);
		if (sa->encap_sport || sa->encap_dport) {
			/* RFC 3948, as ip-xfrm says it */
			fprintf(f, " encap espinudp %u %u", sa->encap_sport,
			    sa->encap_dport);
		}
		fprintf(f, "\n");
		if (s->keys) {
			fprintf(f, "\tauthkey 0x");
			hex(f, sa->integ_key, sa->integ_key_len);
			fprintf(f, "\n\tenckey 0x");
			hex(f, sa->encr_key, sa->encr_key_len);
			fprintf(f, "\n");
		}
		break;
	case IPSECCTL_SA_JSON:
		fprintf(f, "%s\n    {\"proto\": \"%s\", \"mode\": \"%s\", "
		    "\"src\": \"%s\", \"dst\": \"%s\", \"spi\": \"0x%08x\", "
		    "\"reqid\": %u, \"enc\": \"%s\", \"auth\": \"%s\", ",
		    s->n_sas ? "," : "", proto, mode, src, dst, sa->spi,
		    sa->reqid, e->encr_name, e->integ_name);
		if (s->keys) {
			fprintf(f, "\"enckey\": \"");
			hex(f, sa->encr_key, sa->encr_key_len);
			fprintf(f, "\", \"authkey\": \"");
			hex(f, sa->integ_key, sa->integ_key_len);
			fprintf(f, "\", ");
		}
		if (sa->encap_sport || sa->encap_dport) {
			fprintf(f, "\"encap\": {\"type\": \"espinudp\", "
			    "\"sport\": %u, \"dport\": %u}, ",
			    sa->encap_sport, sa->encap_dport);
		}
		fprintf(f, "\"replay\": %u, \"bytes\": %llu, \"packets\": %llu, "
		    "\"own\": %s}", sa->replay_window,
		    (unsigned long long)e->stats->bytes,
		    (unsigned long long)e->stats->packets,
		    e->own ? "true" : "false");
		break;
	default:
		fprintf(f, "sa\t%s\t%s\t%s\t%s\t0x%08x\t%u\t%s\t", proto, mode,
		    src, dst, sa->spi, sa->reqid, e->encr_name);
		if (s->keys) {
			hex(f, sa->encr_key, sa->encr_key_len);
		} else {
			fprintf(f, "(hidden)");
		}
		fprintf(f, "\t%s\t", e->integ_name);
		if (s->keys) {
			hex(f, sa->integ_key, sa->integ_key_len);
		} else {
			fprintf(f, "(hidden)");
		}
		fprintf(f, "\t%u\t%llu\t%llu\t%d\n", sa->replay_window,
		    (unsigned long long)e->stats->bytes,
		    (unsigned long long)e->stats->packets, e->own);
		break;
	}
	s->n_sas++;
}

static int
show_cb(void *arg, const struct kbe_dump_ent *e)
{
	struct show *s = arg;

	if (e->policy != NULL) {
		show_flow(s, e);
	} else if (e->sa != NULL) {
		show_sa(s, e);
	}
	return 0;
}

/* see ipsecctl_sa.h */
int
ipsecctl_sa_show(struct kbe *k, FILE *out, int fmt, int show_keys)
{
	struct show s = { 0 };
	char *fb = NULL, *sb = NULL;
	size_t fl = 0, sl = 0;
	int rc;

	s.fmt = fmt;
	s.keys = show_keys;
	s.flows = open_memstream(&fb, &fl);
	s.sas = open_memstream(&sb, &sl);
	if (s.flows == NULL || s.sas == NULL) {
		rc = -ENOMEM;
		kbe_set_error(k, NULL, "out of memory");
		goto out;
	}
	rc = k->ops->dump(k, show_cb, &s);
	fclose(s.flows);
	fclose(s.sas);
	s.flows = s.sas = NULL;
	if (rc != 0) {
		goto out;
	}
	switch (fmt) {
	case IPSECCTL_SA_PRETTY:
		fprintf(out, "FLOWS:\n%s%s\nSAD:\n%s%s", fb,
		    s.n_flows ? "" : "No flows\n", sb,
		    s.n_sas ? "" : "No entries\n");
		break;
	case IPSECCTL_SA_JSON:
		fprintf(out, "{\"flows\": [%s%s], \"sas\": [%s%s]}\n", fb,
		    s.n_flows ? "\n  " : "", sb, s.n_sas ? "\n  " : "");
		break;
	default:
		fprintf(out, "%s%s", fb, sb);
		break;
	}
out:
	if (s.flows != NULL) {
		fclose(s.flows);
	}
	if (s.sas != NULL) {
		fclose(s.sas);
	}
	/* The SA stream held keys with -k. */
	if (sb != NULL) {
		memset(sb, 0, sl);
	}
	free(fb);
	free(sb);
	return rc;
}

struct glob {
	char backend[16];
	char socket[108];
};

static int
conf_cb(void *arg, const char *section, const char *name, const char *value)
{
	struct glob *g = arg;

	if (strcmp(section, "global") != 0) {
		return 1;
	}
	if (strcmp(name, "backend") == 0) {
		snprintf(g->backend, sizeof(g->backend), "%s", value);
	} else if (strcmp(name, "socket") == 0) {
		snprintf(g->socket, sizeof(g->socket), "%s", value);
	}
	return 1;
}

/* The listing the null backend holds, from the daemon (`show kernel`). */
static int
from_daemon(const char *sock, int fmt, int keys)
{
	char cmd[64], *body = NULL;
	size_t blen;
	int st, rc;

	snprintf(cmd, sizeof(cmd), "show kernel%s%s",
	    fmt == IPSECCTL_SA_JSON ? " --json" :
	    fmt == IPSECCTL_SA_DUMP ? " --dump" : "", keys ? " --keys" : "");
	rc = ctl_call(sock, cmd, &st, &body, &blen);
	if (rc < 0) {
		fprintf(stderr, "ipsecctl-sa: no ikd running on %s: %s\n",
		    sock, rc == -EPROTO ? "no valid reply" : strerror(-rc));
		return 1;
	}
	if (st != CTL_OK) {
		fprintf(stderr, "ipsecctl-sa: %s", blen ? body : "failed\n");
		free(body);
		return 1;
	}
	fwrite(body, 1, blen, stdout);
	/* The body held keys with -k. */
	memset(body, 0, blen);
	free(body);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* see applets.h */
int
ipsecctl_sa_main(int argc, char **argv)
{
	int fmt = IPSECCTL_SA_PRETTY, keys = 0, c, rc;
	const char *conf = IPSECCTL_SA_CONF, *sock = NULL;
	struct glob g = { "", IPSECCTL_SA_SOCKET };
	struct kbe *k;
	const char *bname;
	char err[KBE_ERR_MAX];

	if (applet_wants_help(argc, argv)) {
		ipsecctl_sa_usage(stdout);
		return 0;
	}
	while ((c = getopt(argc, argv, "jdkf:s:")) != -1) {
		switch (c) {
		case 'j':
			fmt = IPSECCTL_SA_JSON;
			break;
		case 'd':
			fmt = IPSECCTL_SA_DUMP;
			break;
		case 'k':
			keys = 1;
			break;
		case 'f':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			ipsecctl_sa_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ipsecctl-sa: unexpected argument '%s'\n",
		    argv[optind]);
		ipsecctl_sa_usage(stderr);
		return 2;
	}
	/*
	 * Only the [global] keys are read (as ikectl does): a broken VPN file
	 * must not hide the kernel's state.
	 */
	(void)ini_parse(conf, conf_cb, &g);
	if (sock != NULL) {
		return from_daemon(sock, fmt, keys);
	}
	if (strcmp(g.backend, "null") == 0) {
		return from_daemon(g.socket, fmt, keys);
	}
	if (strcmp(g.backend, "xfrm") == 0 || strcmp(g.backend, "pfkey") == 0) {
		bname = g.backend;
	} else {
		bname = cfg_backend_name(kbe_auto_backend());	/* auto */
	}
	if ((rc = kbe_open(bname, &k, err, sizeof(err))) != 0) {
		fprintf(stderr, "ipsecctl-sa: %s\n", err);
		return 1;
	}
	rc = ipsecctl_sa_show(k, stdout, fmt, keys);
	if (rc != 0) {
		fprintf(stderr, "ipsecctl-sa: %s\n", kbe_error(k));
	}
	k->ops->close(k);
	if (fflush(stdout) != 0) {
		return 1;
	}
	return rc == 0 ? 0 : 1;
}
