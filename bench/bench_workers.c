/*
 * bench_workers.c - how a responder's IKE_SA_INIT rate grows with
 * `workers` (issue 18: every core used).
 *
 * What is measured: the answers one ikd (null backend) gives to genuine
 * IKE_SA_INIT requests, each costing it a key generation and a shared
 * secret, the whole CPU of a set-up but for a few hashes.  Full set-ups
 * would not show it on this 2-core machine: an initiator spends as much
 * on DH as the responder, so both cores would be shared between them.
 * Here the sender is this process and costs little: one public value
 * computed once per group and sent in every request (the responder cannot
 * tell: it checks the value and computes with it all the same), fresh
 * SPIs and nonces, answers matched by SPI.  Requests come from N_SRC
 * addresses 127.X.Y.1, each the peer of its own passive VPN (the model
 * of docs/engine.md for many initiators; per-source caps, IKD_SRC_*), at
 * most WINDOW in flight; once
 * ikd holds IKD_COOKIE_THRESHOLD half-open SAs it asks for a cookie
 * (RFC 7296 2.6), which the sender returns at once, as an initiator would.
 * Fewer requests than the half-open cap (2,048; they expire after 30 s)
 * per run, and a fresh ikd for each run.
 *
 * Printed per group and setting: answers per second (wall clock, first
 * request to last answer), ikd's CPU per answer and the part of it its
 * event loop's thread spent (receiving, cookies, SA state, key
 * derivation, the answer: what no worker takes, so what bounds the
 * ratio on few cores), the sender's CPU per answer, and the ratio to one
 * worker thread.  No CPU pinning: ikd's
 * threads and the sender share the machine's cores (the sender's share
 * is printed).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cfg/cfg.h"
#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "core/wire/msg.h"
#include "crypto/alg.h"
#include "crypto/cr.h"
#include "net/sock.h"

#define W_ADDR "127.250.0.3"
#define W_PORT 5600
#define WINDOW 64
#define N_SRC 500
#define MAX_REQ 2000

struct req {
	uint8_t spi[8], nonce[32];
	uint8_t cookie[64], cookie_len;
	uint8_t done;
	double sent_at;
};

struct run {
	int fd;
	const struct cr_alg *group;
	struct cfg_xforms xf;
	const struct cr_alg *algs[4];
	uint8_t pub[CR_DH_PUB_MAX];
	size_t pub_len;
	struct req *r;
	int n, answered, retransmits, cookies;
};

static void
src_of(int i, struct ike_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = 4;
	/* VPN i's peer in bench_write_cfg(): 127.X.Y.1 */
	a->ip[0] = 127;
	a->ip[1] = (uint8_t)((i % N_SRC) / 250 + 1);
	a->ip[2] = (uint8_t)((i % N_SRC) % 250 + 1);
	a->ip[3] = 1;
	a->port = W_PORT;
}

static void
send_req(struct run *x, int i)
{
	struct req *q = &x->r[i];
	uint8_t buf[2048];
	struct msg_hdr h;
	struct pld_wr pw;
	struct ike_addr src, dst = { .af = 4, .port = 500 };
	size_t len;

	src_of(i, &src);
	dst.ip[0] = 127;
	dst.ip[1] = 250;
	dst.ip[3] = 3;
	msg_hdr_set(&h, q->spi, NULL, IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_I,
	    0);
	msg_wr_init(&pw, buf, sizeof(buf), &h);
	if (q->cookie_len) {
		pld_put_notify(&pw, 0, NULL, 0, IKEV2_N_COOKIE, q->cookie,
		    q->cookie_len);
	}
	prop_put_offer(&pw, &x->xf, IKEV2_PROTO_IKE, NULL, 0, 1, NULL);
	pld_put_ke(&pw, x->group->id, x->pub, x->pub_len);
	pld_put_nonce(&pw, q->nonce, sizeof(q->nonce));
	if (msg_wr_finish(&pw, &len) == 0) {
		(void)sock_send(x->fd, &src, &dst, buf, len);
	}
	q->sent_at = bench_now();
}

static void
take_answers(struct run *x, int wait_ms)
{
	struct pollfd pfd = { x->fd, POLLIN, 0 };
	uint8_t buf[4096];
	struct ike_addr local, peer;
	ssize_t len;

	(void)poll(&pfd, 1, wait_ms);
	while ((len = sock_recv(x->fd, W_PORT, buf, sizeof(buf), &local,
	    &peer)) > 0) {
		struct msg m;
		const struct pld_notify *c;
		uint32_t i;

		if (msg_parse(&m, buf, (size_t)len) != 0 ||
		    !(m.hdr.flags & IKEV2_FLAG_R)) {
			continue;
		}
		i = (uint32_t)m.hdr.ispi[0] << 24 | (uint32_t)m.hdr.ispi[1] <<
		    16 | (uint32_t)m.hdr.ispi[2] << 8 | m.hdr.ispi[3];
		if (i == 0 || i > (uint32_t)x->n || x->r[i - 1].done ||
		    memcmp(x->r[i - 1].spi, m.hdr.ispi, 8) != 0) {
			continue;
		}
		c = pld_find_notify(&m.pl, IKEV2_N_COOKIE);
		if (c != NULL && c->data.len <= sizeof(x->r[0].cookie)) {
			x->cookies++;
			x->r[i - 1].cookie_len = (uint8_t)c->data.len;
			memcpy(x->r[i - 1].cookie, c->data.p, c->data.len);
			send_req(x, (int)i - 1);
		} else if (PLD_HAS(&m.pl, IKEV2_PL_KE)) {
			x->r[i - 1].done = 1;
			x->answered++;
		}
	}
}

static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* One ikd with `workers = w` answering n requests; 0 or -1. */
static int
one_run(const char *ikebox, const char *dir, struct run *x, const char *w,
    double *rate, double *ikd_ms, double *loop_ms, double *self_ms)
{
	char conf[600], sock[600], extra[700];
	pid_t pid;
	double t0, c0, l0, s0;
	int next = 0, rc = -1;

	snprintf(sock, sizeof(sock), "%s/w.sock", dir);
	snprintf(conf, sizeof(conf), "%s/w.conf", dir);
	snprintf(extra, sizeof(extra), "socket = %.600s\nworkers = %s\n", sock,
	    w);
	if (bench_write_cfg(dir, "w", 0, 0, N_SRC, x->group->name, "127",
	    W_ADDR, extra) != 0 || (pid = spawn_ikd(ikebox, conf)) < 0) {
		return -1;
	}
	for (t0 = bench_now(); stat_of(sock, "ike_sas") < 0; nap_ms(10)) {
		if (bench_now() - t0 > 20 || waitpid(pid, NULL, WNOHANG)) {
			goto out;
		}
	}
	for (int i = 0; i < x->n; i++) {
		struct req *q = &x->r[i];

		memset(q, 0, sizeof(*q));
		(void)cr_rand(q->spi + 4, 4);
		q->spi[0] = (uint8_t)((i + 1) >> 24);
		q->spi[1] = (uint8_t)((i + 1) >> 16);
		q->spi[2] = (uint8_t)((i + 1) >> 8);
		q->spi[3] = (uint8_t)(i + 1);
		(void)cr_rand(q->nonce, sizeof(q->nonce));
	}
	x->answered = x->retransmits = x->cookies = 0;
	c0 = cpu_of(pid);
	l0 = cpu_of_task(pid, pid);	/* the event loop's thread */
	s0 = self_cpu();
	t0 = bench_now();
	while (x->answered < x->n && bench_now() - t0 < 120) {
		double now = bench_now();

		while (next < x->n && next - x->answered < WINDOW) {
			send_req(x, next++);
		}
		for (int i = 0; i < next; i++) {
			if (!x->r[i].done && now - x->r[i].sent_at > 2.0) {
				x->retransmits++;
				send_req(x, i);
			}
		}
		take_answers(x, 2);
	}
	if (x->answered == x->n) {
		double t = bench_now() - t0;

		*rate = x->n / t;
		*ikd_ms = (cpu_of(pid) - c0) * 1e3 / x->n;
		*loop_ms = (cpu_of_task(pid, pid) - l0) * 1e3 / x->n;
		*self_ms = (self_cpu() - s0) * 1e3 / x->n;
		rc = 0;
	}
out:
	stop(pid);
	unlink(conf);
	unlink(sock);
	for (int i = 0; i < N_SRC; i++) {
		snprintf(conf, sizeof(conf), "%s/w/v%d.conf", dir, i);
		unlink(conf);
	}
	snprintf(conf, sizeof(conf), "%s/w", dir);
	rmdir(conf);
	return rc;
}

/* see bench.h */
void
bench_workers(const char *ikebox)
{
	static const struct {
		const char *name;
		int n;
	} groups[] = {
		{ "curve25519", 2000 }, { "ecp256", 1500 }, { "modp2048", 1200 },
		{ "modp4096", 300 },
	};
	static const char *const settings[] = { "1", "2", "0" };
	char dir[] = "/tmp/ikebox-workers.XXXXXX";
	struct ike_addr any = { .af = 4, .port = W_PORT };
	struct run x;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	printf("\nResponder IKE_SA_INIT answers by `workers` (ikd, null "
	    "backend; %ld CPUs online,\nno pinning: the sender shares "
	    "them; %d in flight from %d addresses)\n", ncpu, WINDOW, N_SRC);
	memset(&x, 0, sizeof(x));
	x.r = calloc(MAX_REQ, sizeof(*x.r));
	if (x.r == NULL || mkdtemp(dir) == NULL ||
	    (x.fd = sock_open(&any)) < 0) {
		printf("  could not run (memory, directory or socket)\n");
		free(x.r);
		return;
	}
	printf("  %-11s %-7s %10s %11s %11s %10s %7s\n", "group", "workers",
	    "answers/s", "ikd ms/ans", "of it loop", "sender ms", "vs 1");
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		struct cr_dh dh;
		double one = 0;

		if (getenv("BENCH_WORKERS_GROUP") != NULL &&
		    strcmp(getenv("BENCH_WORKERS_GROUP"), groups[g].name)) {
			continue;
		}
		x.group = cr_alg_by_name(CR_DH, groups[g].name);
		x.algs[0] = cr_alg_by_name(CR_ENCR, "aes-128");
		x.algs[1] = cr_alg_by_name(CR_INTEG, "hmac-sha2-256");
		x.algs[2] = cr_alg_by_name(CR_PRF, "hmac-sha2-256");
		x.algs[3] = x.group;
		x.xf.enc = &x.algs[0];
		x.xf.integ = &x.algs[1];
		x.xf.prf = &x.algs[2];
		x.xf.dh = &x.algs[3];
		x.xf.n_enc = x.xf.n_integ = x.xf.n_prf = x.xf.n_dh = 1;
		x.n = groups[g].n;
		if (x.group == NULL || cr_dh_keygen(&dh, x.group, x.pub,
		    &x.pub_len) != 0) {
			printf("  %-11s not available\n", groups[g].name);
			continue;
		}
		cr_dh_wipe(&dh);
		for (size_t s = 0; s < sizeof(settings) / sizeof(settings[0]);
		    s++) {
			double rate = 0, ikd_ms = 0, loop_ms = 0, self_ms = 0;

			if (one_run(ikebox, dir, &x, settings[s], &rate,
			    &ikd_ms, &loop_ms, &self_ms) != 0) {
				printf("  %-11s %-8s did not finish (%d of %d "
				    "answered)\n", groups[g].name,
				    settings[s], x.answered, x.n);
				continue;
			}
			if (strcmp(settings[s], "1") == 0) {
				one = rate;
			}
			printf("  %-11s %-7s %10.0f %11.3f %11.3f %10.3f",
			    groups[g].name, settings[s], rate, ikd_ms, loop_ms,
			    self_ms);
			if (one > 0 && strcmp(settings[s], "1") != 0) {
				printf(" %6.2fx", rate / one);
			}
			printf("\n");
		}
	}
	close(x.fd);
	free(x.r);
	rmdir(dir);
}
