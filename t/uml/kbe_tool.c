/*
 * kbe_tool.c - a test driver for the kernel backends, used by the UML
 * suite (t/uml/run.sh): one backend operation per invocation, from the
 * command line, so that a shell script can install manual SAs and policies
 * through exactly the code the daemon will use, then check the kernel's
 * view with ip(8), ping and ipsecctl-sa.  Not part of ikebox.
 *
 *   kbe-tool [-b pfkey|xfrm|null] algs
 *   kbe-tool spi SRC DST REQID [COUNT]          prints one SPI a line
 *   kbe-tool sa-add|sa-update SRC DST SPI REQID ENC ENCKEY AUTH AUTHKEY
 *            [HARD_SECS [HARD_BYTES]]           keys in hex
 *   kbe-tool sa-del SRC DST SPI
 *   kbe-tool stats SRC DST SPI                  "bytes N packets N"
 *   kbe-tool pol-add in|out|fwd SRCNET DSTNET TUNSRC TUNDST REQID [PRIO]
 *   kbe-tool pol-del in|out|fwd SRCNET DSTNET
 *   kbe-tool flush-own
 *   kbe-tool dump                               one line per entry
 *   kbe-tool events SECONDS [MAX]               prints kernel events
 *   kbe-tool can ALG...                         kbe_pfkey_can() verdicts
 *
 * Several commands separated by "+" run in one process, in order (in UML
 * every exec costs, and a real daemon also keeps one backend open).
 * Errors: "kbe-tool: <backend message>" on stderr, exit 1; usage: exit 2.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/alg.h"
#include "net/kbe.h"

static struct kbe *k;

static void
usage(void)
{
	fprintf(stderr, "usage: kbe-tool [-b pfkey|xfrm|null] algs | spi | sa-add "
	    "| sa-update | sa-del | stats | pol-add | pol-del | flush-own | "
	    "dump | events | can ... (see t/uml/kbe_tool.c)\n");
	exit(2);
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "kbe-tool: %s%s%s\n", what, why ? ": " : "",
	    why ? why : "");
	exit(1);
}

static unsigned long long
num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (*s == '\0' || *end != '\0' || errno != 0) {
		die("not a number", s);
	}
	return v;
}

static void
addr(struct kern_addr *a, const char *s)
{
	if (kbe_addr_parse(a, s) != 0) {
		die("not an address", s);
	}
}

static void
prefix(struct kern_prefix *p, const char *s)
{
	if (kbe_prefix_parse(p, s) != 0) {
		die("not a prefix", s);
	}
}

static uint16_t
unhex(uint8_t *out, const char *s)
{
	size_t n = strlen(s), i;

	if (strncmp(s, "0x", 2) == 0) {
		s += 2;
		n -= 2;
	}
	if (n % 2 != 0 || n / 2 > KERN_KEY_MAX) {
		die("bad hex key", s);
	}
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			die("bad hex key", s);
		}
		out[i] = (uint8_t)v;
	}
	return (uint16_t)(n / 2);
}

static int
dir_parse(const char *s)
{
	if (strcmp(s, "in") == 0) {
		return KERN_DIR_IN;
	}
	if (strcmp(s, "out") == 0) {
		return KERN_DIR_OUT;
	}
	if (strcmp(s, "fwd") == 0) {
		return KERN_DIR_FWD;
	}
	die("not a direction (in, out, fwd)", s);
	return 0;
}

static void
sa_base(struct kern_sa *sa, char **av)
{
	memset(sa, 0, sizeof(*sa));
	addr(&sa->src, av[0]);
	addr(&sa->dst, av[1]);
	sa->proto = KERN_PROTO_ESP;
	sa->mode = KERN_MODE_TUNNEL;
	snprintf(sa->vpn, sizeof(sa->vpn), "uml-test");
}

static void
check(int rc)
{
	if (rc != 0) {
		die(kbe_error(k), NULL);
	}
}

static int
dump_cb(void *arg, const struct kbe_dump_ent *e)
{
	char a[64], b[64], c[64], d[64];

	if (e->policy != NULL) {
		const struct kern_policy *p = e->policy;

		printf("policy %s %s/%u %s/%u tmpl %s %s reqid %u prio %u "
		    "own %d\n", kbe_dir_name(p->dir),
		    kbe_addr_str(&p->src.addr, a, sizeof(a)), p->src.plen,
		    kbe_addr_str(&p->dst.addr, b, sizeof(b)), p->dst.plen,
		    kbe_addr_str(&p->tun_src, c, sizeof(c)),
		    kbe_addr_str(&p->tun_dst, d, sizeof(d)), p->reqid,
		    p->priority, e->own);
	} else {
		const struct kern_sa *sa = e->sa;

		printf("sa %s %s spi 0x%08x reqid %u enc %s auth %s bytes %llu "
		    "packets %llu own %d\n",
		    kbe_addr_str(&sa->src, a, sizeof(a)),
		    kbe_addr_str(&sa->dst, b, sizeof(b)), sa->spi, sa->reqid,
		    e->encr_name, e->integ_name,
		    (unsigned long long)e->stats->bytes,
		    (unsigned long long)e->stats->packets, e->own);
	}
	return 0;
}

static int n_events;

static void
event_cb(void *arg, const struct kbe_event *ev)
{
	char a[64], b[64];
	const char *t = ev->type == KBE_EV_EXPIRE_SOFT ? "expire-soft" :
	    ev->type == KBE_EV_EXPIRE_HARD ? "expire-hard" : "acquire";

	printf("event %s src %s dst %s spi 0x%08x reqid %u seq %u policy %u "
	    "dir %s\n", t, kbe_addr_str(&ev->src, a, sizeof(a)),
	    kbe_addr_str(&ev->dst, b, sizeof(b)), ev->spi, ev->reqid,
	    ev->seq, ev->policy_id, kbe_dir_name(ev->policy_dir));
	fflush(stdout);
	n_events++;
}

static void
run_cmd(const char *cmd, int n, char **av)
{
	struct kern_sa sa;
	struct kern_policy p;

	if (strcmp(cmd, "algs") == 0 && n == 0) {
		const struct kbe_pfkey_alg *al;
		int na = kbe_pfkey_algs(k, &al);

		if (na < 0) {
			die("algs", "only the pfkey backend has a list");
		}
		for (int i = 0; i < na; i++) {
			const char *nm = kbe_pfkey_alg_name(al[i].type,
			    al[i].id);

			printf("%s %s id %u bits %u-%u\n",
			    al[i].type == CR_ENCR ? "enc" : "auth",
			    nm ? nm : "?", al[i].id, al[i].min_bits,
			    al[i].max_bits);
		}
	} else if (strcmp(cmd, "spi") == 0 && (n == 3 || n == 4)) {
		unsigned long long cnt = n == 4 ? num(av[3]) : 1;
		uint32_t spi;

		sa_base(&sa, av);
		sa.reqid = (uint32_t)num(av[2]);
		for (unsigned long long i = 0; i < cnt; i++) {
			check(k->ops->spi_alloc(k, &sa, &spi));
			printf("0x%08x\n", spi);
		}
	} else if ((strcmp(cmd, "sa-add") == 0 ||
	    strcmp(cmd, "sa-update") == 0) && n >= 8 && n <= 10) {
		sa_base(&sa, av);
		sa.spi = (uint32_t)num(av[2]);
		sa.reqid = (uint32_t)num(av[3]);
		sa.encr = cr_alg_by_name(CR_ENCR, av[4]);
		sa.integ = cr_alg_by_name(CR_INTEG, av[6]);
		if (sa.encr == NULL || sa.integ == NULL) {
			die("unknown algorithm", sa.encr ? av[6] : av[4]);
		}
		sa.encr_key_len = unhex(sa.encr_key, av[5]);
		sa.integ_key_len = unhex(sa.integ_key, av[7]);
		sa.replay_window = 32;
		sa.hard_secs = n >= 9 ? num(av[8]) : 0;
		sa.hard_bytes = n >= 10 ? num(av[9]) : 0;
		check(cmd[3] == 'a' ? k->ops->sa_add(k, &sa) :
		    k->ops->sa_update(k, &sa));
	} else if (strcmp(cmd, "sa-del") == 0 && n == 3) {
		sa_base(&sa, av);
		sa.spi = (uint32_t)num(av[2]);
		check(k->ops->sa_del(k, &sa));
	} else if (strcmp(cmd, "stats") == 0 && n == 3) {
		struct kbe_sa_stats st;

		sa_base(&sa, av);
		sa.spi = (uint32_t)num(av[2]);
		check(k->ops->sa_stats(k, &sa, &st));
		printf("bytes %llu packets %llu\n",
		    (unsigned long long)st.bytes,
		    (unsigned long long)st.packets);
	} else if (strcmp(cmd, "pol-add") == 0 && (n == 6 || n == 7)) {
		memset(&p, 0, sizeof(p));
		p.dir = (uint8_t)dir_parse(av[0]);
		prefix(&p.src, av[1]);
		prefix(&p.dst, av[2]);
		addr(&p.tun_src, av[3]);
		addr(&p.tun_dst, av[4]);
		p.reqid = (uint32_t)num(av[5]);
		p.priority = n == 7 ? (uint32_t)num(av[6]) : 0;
		snprintf(p.vpn, sizeof(p.vpn), "uml-test");
		check(k->ops->policy_add(k, &p));
	} else if (strcmp(cmd, "pol-del") == 0 && n == 3) {
		memset(&p, 0, sizeof(p));
		p.dir = (uint8_t)dir_parse(av[0]);
		prefix(&p.src, av[1]);
		prefix(&p.dst, av[2]);
		snprintf(p.vpn, sizeof(p.vpn), "uml-test");
		check(k->ops->policy_del(k, &p));
	} else if (strcmp(cmd, "flush-own") == 0 && n == 0) {
		check(k->ops->flush_own(k));
	} else if (strcmp(cmd, "dump") == 0 && n == 0) {
		check(k->ops->dump(k, dump_cb, NULL));
	} else if (strcmp(cmd, "events") == 0 && (n == 1 || n == 2)) {
		time_t end = time(NULL) + (time_t)num(av[0]);
		int max = n == 2 ? (int)num(av[1]) : 0;
		struct pollfd pfd = { .fd = k->ops->events_fd(k),
		    .events = POLLIN };

		kbe_set_event_cb(k, event_cb, NULL);
		/* Ready: the caller may now trigger events. */
		printf("listening\n");
		fflush(stdout);
		while (time(NULL) < end && (max == 0 || n_events < max)) {
			if (poll(&pfd, 1, 200) > 0) {
				check(k->ops->events_read(k));
			}
		}
	} else {
		usage();
	}
}

int
main(int argc, char **argv)
{
	const char *backend = "pfkey";
	char err[KBE_ERR_MAX];
	int c;

	while ((c = getopt(argc, argv, "b:")) != -1) {
		if (c == 'b') {
			backend = optarg;
		} else {
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage();
	}
	if (strcmp(argv[0], "can") == 0) {
		int n = argc - 1;
		char **av = argv + 1;

		for (int i = 0; i < n; i++) {
			const struct cr_alg *a = cr_alg_by_name(CR_ENCR, av[i]);
			const char *why;

			if (a == NULL) {
				a = cr_alg_by_name(CR_INTEG, av[i]);
			}
			if (a == NULL) {
				die("unknown algorithm", av[i]);
			}
			if (kbe_pfkey_can(a, &why)) {
				printf("%s ok\n", a->name);
			} else {
				printf("%s refused: %s %s\n", a->name, a->name,
				    why);
			}
		}
		exit(0);
	}
	if (kbe_open(backend, &k, err, sizeof(err)) != 0) {
		die(err, NULL);
	}
	for (int i = 0; i < argc; i++) {
		int j = i;

		while (j < argc && strcmp(argv[j], "+") != 0) {
			j++;
		}
		if (j == i) {
			usage();
		}
		run_cmd(argv[i], j - i - 1, argv + i + 1);
		fflush(stdout);
		i = j;
	}
	k->ops->close(k);
	return 0;
}
