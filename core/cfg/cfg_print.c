/*
 * cfg_print.c - the normalised form of a configuration (what `cfgcheck -v`
 * shows, like `iked -nv`), VPN equality for hitless reload, lookup and
 * freeing.  The printed form is valid input again: every key explicit, in
 * a fixed order, so two files that mean the same print the same and diff
 * cleanly.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg/cfg.h"

static void
print_sockaddr(FILE *out, const char *key, const void *sa)
{
	const struct sockaddr *ss = sa;	/* union cfg_addr, or storage */
	char buf[INET6_ADDRSTRLEN];

	if (ss->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    buf, sizeof(buf));
	} else if (ss->sa_family == AF_INET6) {
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
		    sizeof(buf));
	} else {
		snprintf(buf, sizeof(buf), "any");
	}
	fprintf(out, "%s = %s\n", key, buf);
}

static void
print_id(FILE *out, const char *key, const struct cfg_id *id)
{
	char buf[INET6_ADDRSTRLEN];

	switch (id->type) {
	case CFG_ID_IPV4_ADDR:
		inet_ntop(AF_INET, id->data, buf, sizeof(buf));
		fprintf(out, "%s = %s\n", key, buf);
		break;
	case CFG_ID_IPV6_ADDR:
		inet_ntop(AF_INET6, id->data, buf, sizeof(buf));
		fprintf(out, "%s = %s\n", key, buf);
		break;
	case CFG_ID_FQDN:
	case CFG_ID_RFC822_ADDR:
		fprintf(out, "%s = %.*s\n", key, (int)id->len,
		    (const char *)id->data);
		break;
	default:
		fprintf(out, "%s = any\n", key);
		break;
	}
}

static void
print_prefix(FILE *out, const struct cfg_prefix *p)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, buf, sizeof(buf));
	fprintf(out, "%s/%u", buf, p->plen);
}

static void
print_list(FILE *out, const char *key, const struct cr_alg *const *a,
    uint8_t n, const char *empty)
{
	if (n == 0) {
		if (empty != NULL) {
			fprintf(out, "%s = %s\n", key, empty);
		}
		return;
	}
	fprintf(out, "%s =", key);
	for (uint8_t i = 0; i < n; i++) {
		fprintf(out, " %s", a[i]->name);
	}
	fputc('\n', out);
}

static void
print_bytes(FILE *out, const char *key, uint64_t v)
{
	static const char units[] = "TGMK";

	for (int i = 0; i < 4; i++) {
		uint64_t m = 1ULL << (10 * (4 - i));

		if (v >= m && v % m == 0) {
			fprintf(out, "%s = %llu%c\n", key,
			    (unsigned long long)(v / m), units[i]);
			return;
		}
	}
	fprintf(out, "%s = %llu\n", key, (unsigned long long)v);
}

/* see cfg.h */
void
cfg_global_print(FILE *out, const struct cfg *cfg)
{
	fprintf(out, "[global]\n");
	fprintf(out, "dpd_check_interval = %u\n", cfg->dpd_check_interval);
	fprintf(out, "nat_traversal = %s\n", cfg->nat_traversal ==
	    CFG_NATT_FORCE ? "force" : cfg->nat_traversal ? "yes" : "no");
	fprintf(out, "nat_keepalive = %u\n", cfg->nat_keepalive);
	fprintf(out, "fragment_size = %u\n", cfg->fragment_size);
	if (cfg->backend_auto) {
		fprintf(out, "backend = auto\n; auto: %s on this kernel\n",
		    cfg_backend_name(cfg->backend));
	} else {
		fprintf(out, "backend = %s\n", cfg_backend_name(cfg->backend));
	}
	fprintf(out, "socket = %s\n", cfg->socket);
	fprintf(out, "log = %s\n", cfg->log == CFG_LOG_SYSLOG ? "syslog" :
	    cfg->log == CFG_LOG_BOTH ? "both" : "stderr");
	if (cfg->user[0]) {
		fprintf(out, "user = %s\n", cfg->user);
	} else {
		fprintf(out, "; user: ikebox when it exists, else root\n");
	}
	fprintf(out, "seccomp = %s\n", cfg->seccomp ? "yes" : "no");
	if (cfg->workers == CFG_WORKERS_AUTO) {
		fprintf(out, "workers = auto\n");
	} else {
		fprintf(out, "workers = %d\n", cfg->workers);
	}
	fprintf(out, "hooks = %s\n", cfg->hooks);
}

/* see cfg.h */
void
cfg_vpn_print(FILE *out, const struct cfg_vpn *v)
{
	const struct cfg_keepalive *ka = v->keepalive;

	fprintf(out, "[vpn]\n");
	fprintf(out, "name = %s\n", v->name);
	fprintf(out, "mode = %s\n",
	    v->mode == CFG_MODE_ACTIVE ? "active" : "passive");
	fprintf(out, "protocol = esp\n");
	print_sockaddr(out, "local", &v->local);
	if (v->peer_host != NULL) {
		fprintf(out, "peer = %s\n", v->peer_host);
	} else {
		print_sockaddr(out, "peer", &v->peer);
	}
	if (v->srcid.type == CFG_ID_NONE) {
		fprintf(out, "# srcid: the local address the kernel picks\n");
	} else {
		print_id(out, "srcid", &v->srcid);
	}
	print_id(out, "dstid", &v->dstid);
	fprintf(out, "updown = %s\n", v->updown ? v->updown : "none");
	if (v->psk_file[0] != '\0') {
		fprintf(out, "psk_file = %s\n", v->psk_file);
	} else {
		/* Never printed: wireguard's "(hidden)" convention. */
		fprintf(out, "psk = (hidden)\n");
	}
	fprintf(out, "ikelifetime = %u\n", v->ikelifetime);
	fprintf(out, "lifetime = %u\n", v->lifetime);
	print_bytes(out, "lifetime_bytes", v->lifetime_bytes);
	fprintf(out, "tap = %s\n", v->tap[0] ? v->tap : "none");
	fprintf(out, "\n[flows]\n");
	for (size_t i = 0; i < v->n_flows; i++) {
		fprintf(out, "flow = ");
		print_prefix(out, &v->flows[i].local);
		fputc(' ', out);
		print_prefix(out, &v->flows[i].remote);
		fputc('\n', out);
	}
	fprintf(out, "\n[ikesa]\n");
	print_list(out, "enc", v->ikesa.enc, v->ikesa.n_enc, NULL);
	print_list(out, "auth", v->ikesa.integ, v->ikesa.n_integ, NULL);
	print_list(out, "prf", v->ikesa.prf, v->ikesa.n_prf, NULL);
	print_list(out, "group", v->ikesa.dh, v->ikesa.n_dh, NULL);
	fprintf(out, "\n[childsa]\n");
	print_list(out, "enc", v->childsa.enc, v->childsa.n_enc, NULL);
	print_list(out, "auth", v->childsa.integ, v->childsa.n_integ, NULL);
	print_list(out, "group", v->childsa.dh, v->childsa.n_dh, "none");
	fprintf(out, "esn = %s\n", v->childsa.esn == CFG_ESN_BOTH ? "both" :
	    v->childsa.esn == CFG_ESN_YES ? "yes" : "no");
	fprintf(out, "replay_window = %u\n", v->replay_window);
	if (ka != NULL) {
		fprintf(out, "\n[keepalive]\n");
		print_sockaddr(out, "source", &ka->source);
		print_sockaddr(out, "target", &ka->target);
		fprintf(out, "interval = %u\n", ka->interval);
		fprintf(out, "fail_after = %u\n", ka->fail_after);
	}
}

static int
addr_equal(const union cfg_addr *a, const union cfg_addr *b)
{
	if (a->ss_family != b->ss_family) {
		return 0;
	}
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr &&
		    x->sin_port == y->sin_port;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0 &&
		    x->sin6_port == y->sin6_port;
	}
	return 1;
}

static int
id_equal(const struct cfg_id *a, const struct cfg_id *b)
{
	return a->type == b->type && a->len == b->len &&
	    (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int
prefix_equal(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static int
list_equal(const struct cr_alg *const *a, uint8_t na,
    const struct cr_alg *const *b, uint8_t nb)
{
	if (na != nb) {
		return 0;
	}
	for (uint8_t i = 0; i < na; i++) {
		if (a[i] != b[i]) {
			return 0;
		}
	}
	return 1;
}

static int
xforms_equal(const struct cfg_xforms *a, const struct cfg_xforms *b)
{
	return list_equal(a->enc, a->n_enc, b->enc, b->n_enc) &&
	    list_equal(a->integ, a->n_integ, b->integ, b->n_integ) &&
	    list_equal(a->prf, a->n_prf, b->prf, b->n_prf) &&
	    list_equal(a->dh, a->n_dh, b->dh, b->n_dh) && a->esn == b->esn;
}

/* see cfg.h */
int
cfg_vpn_equal(const struct cfg_vpn *a, const struct cfg_vpn *b)
{
	/*
	 * [keepalive] is left out: ikd does not use it (keepalive-pinger reads
	 * the file itself), so editing it must not restart the tunnel.
	 */
	if (strcmp(a->name, b->name) != 0 || a->mode != b->mode ||
	    a->protocol != b->protocol || a->family != b->family ||
	    !addr_equal(&a->local, &b->local) ||
	    !addr_equal(&a->peer, &b->peer) ||
	    (a->peer_host == NULL) != (b->peer_host == NULL) ||
	    (a->peer_host && strcmp(a->peer_host, b->peer_host) != 0) ||
	    !id_equal(&a->srcid, &b->srcid) ||
	    !id_equal(&a->dstid, &b->dstid) || a->psk_len != b->psk_len ||
	    (a->psk_len > 0 && memcmp(a->psk, b->psk, a->psk_len) != 0) ||
	    a->ikelifetime != b->ikelifetime || a->lifetime != b->lifetime ||
	    a->lifetime_bytes != b->lifetime_bytes ||
	    a->replay_window != b->replay_window ||
	    strcmp(a->tap, b->tap) != 0 || a->n_flows != b->n_flows ||
	    !xforms_equal(&a->ikesa, &b->ikesa) ||
	    !xforms_equal(&a->childsa, &b->childsa)) {
		return 0;
	}
	for (size_t i = 0; i < a->n_flows; i++) {
		if (!prefix_equal(&a->flows[i].local, &b->flows[i].local) ||
		    !prefix_equal(&a->flows[i].remote, &b->flows[i].remote)) {
			return 0;
		}
	}
	return 1;
}

/* see cfg.h */
uint64_t
cfg_name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*name) {
		h = (h ^ (uint8_t)*name++) * 0x100000001b3ULL;
	}
	return h ^ h >> 31;
}

/* see cfg.h */
const struct cfg_vpn *
cfg_vpn_find(const struct cfg *cfg, const char *name)
{
	if (cfg->name_ix != NULL) {
		size_t h = cfg_name_hash(name) & (cfg->name_ix_cap - 1);

		for (; cfg->name_ix[h] != 0; h = (h + 1) &
		    (cfg->name_ix_cap - 1)) {
			const struct cfg_vpn *v = &cfg->vpns[cfg->name_ix[h] - 1];

			if (strcmp(v->name, name) == 0) {
				return v;
			}
		}
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_vpns; i++) {
		if (strcmp(cfg->vpns[i].name, name) == 0) {
			return &cfg->vpns[i];
		}
	}
	return NULL;
}

/* see cfg.h */
void
cfg_free(struct cfg *cfg)
{
	if (cfg == NULL) {
		return;
	}
	for (size_t i = 0; i < cfg->n_vpns; i++) {
		if (cfg->vpns[i].psk != NULL) {
			explicit_bzero(cfg->vpns[i].psk, cfg->vpns[i].psk_len);
			free(cfg->vpns[i].psk);
		}
		free(cfg->vpns[i].flows);
		free(cfg->vpns[i].keepalive);
		free((void *)(uintptr_t)cfg->vpns[i].srcid.data);
		/* a run of VPNs shares one block (xforms_keep()) */
		if (i == 0 ||
		    cfg->vpns[i].ikesa.enc != cfg->vpns[i - 1].ikesa.enc) {
			free((void *)(uintptr_t)cfg->vpns[i].ikesa.enc);
		}
		if (i == 0 ||
		    cfg->vpns[i].childsa.enc != cfg->vpns[i - 1].childsa.enc) {
			free((void *)(uintptr_t)cfg->vpns[i].childsa.enc);
		}
		free((void *)(uintptr_t)cfg->vpns[i].dstid.data);
	}
	free(cfg->vpns);
	free(cfg->name_ix);
	free(cfg->src_id);
	for (size_t i = 0; i < cfg->n_files; i++) {
		free(cfg->files[i]);
	}
	free(cfg->files);
	free(cfg);
}
