/*
 * flood.c - sends spoofed IKE_SA_INIT requests for t/sh/flood.sh and
 * `make bench-flood` (issue 16: a flood must not starve real peers).
 *
 *   t/flood DST RATE SECONDS SRC_PREFIX N_SRC
 *
 * RATE requests a second for SECONDS to DST:500, each from one of N_SRC
 * loopback addresses SRC_PREFIX.1 .. SRC_PREFIX.N_SRC in turn (SRC_PREFIX
 * like 127.77.0; Linux lets a process bind any 127/8 address), each with
 * a fresh initiator SPI, nonce and Curve25519 public value, offering
 * aes-128 / hmac-sha2-256 / hmac-sha2-256 / curve25519.  Such a sender
 * never sees the answers (as a spoofing one would not): it returns no
 * cookie.  Prints how many it sent.  Loopback only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cfg/cfg.h"
#include "core/ike/ike_int.h"
#include "core/wire/ikev2.h"
#include "core/wire/msg.h"
#include "crypto/alg.h"
#include "crypto/cr.h"

#define MAX_SRC 250

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[1024];
	struct cfg_xforms xf = { 0 };
	struct sockaddr_in dst = { .sin_family = AF_INET,
	    .sin_port = htons(500) };
	int fds[MAX_SRC], n_src;
	double rate, secs, t0;
	unsigned long sent = 0;

	if (argc != 6 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
	    (rate = atof(argv[2])) <= 0 || (secs = atof(argv[3])) <= 0 ||
	    (n_src = atoi(argv[5])) < 1 || n_src > MAX_SRC) {
		fprintf(stderr, "usage: flood DST RATE SECONDS SRC_PREFIX "
		    "N_SRC (N_SRC 1..%d)\n", MAX_SRC);
		return 2;
	}
	if (strncmp(argv[1], "127.", 4) != 0 ||
	    strncmp(argv[4], "127.", 4) != 0) {
		fprintf(stderr, "flood: loopback addresses only\n");
		return 2;
	}
	/* one of each; the lists live in main's frame (cfg_xforms points) */
	const struct cr_alg *algs[4] = {
		cr_alg_by_name(CR_ENCR, "aes-128"),
		cr_alg_by_name(CR_INTEG, "hmac-sha2-256"),
		cr_alg_by_name(CR_PRF, "hmac-sha2-256"),
		cr_alg_by_name(CR_DH, "curve25519"),
	};

	xf.enc = &algs[0];
	xf.integ = &algs[1];
	xf.prf = &algs[2];
	xf.dh = &algs[3];
	xf.n_enc = xf.n_integ = xf.n_prf = xf.n_dh = 1;
	for (int i = 0; i < n_src; i++) {
		struct sockaddr_in src = { .sin_family = AF_INET };
		char a[64];

		snprintf(a, sizeof(a), "%s.%d", argv[4], i + 1);
		if (inet_pton(AF_INET, a, &src.sin_addr) != 1 ||
		    (fds[i] = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
		    bind(fds[i], (struct sockaddr *)&src, sizeof(src)) != 0) {
			fprintf(stderr, "flood: %s: %s\n", a, strerror(errno));
			return 1;
		}
	}
	t0 = now_s();
	for (;;) {
		double t = now_s() - t0;
		unsigned long due = (unsigned long)(t * rate);
		uint8_t spi[8], pub[32], nonce[32];
		struct msg_hdr h;
		struct pld_wr pw;
		size_t len;

		if (t >= secs) {
			break;
		}
		if (sent >= due) {
			usleep(200);
			continue;
		}
		(void)cr_rand(spi, sizeof(spi));
		(void)cr_rand(pub, sizeof(pub));
		(void)cr_rand(nonce, sizeof(nonce));
		msg_hdr_set(&h, spi, NULL, IKEV2_EXCH_IKE_SA_INIT,
		    IKEV2_FLAG_I, 0);
		msg_wr_init(&pw, buf, sizeof(buf), &h);
		prop_put_offer(&pw, &xf, IKEV2_PROTO_IKE, NULL, 0, 1, NULL);
		pld_put_ke(&pw, xf.dh[0]->id, pub, sizeof(pub));
		pld_put_nonce(&pw, nonce, sizeof(nonce));
		if (msg_wr_finish(&pw, &len) != 0) {
			return 1;
		}
		(void)sendto(fds[sent % (unsigned long)n_src], buf, len,
		    MSG_DONTWAIT, (struct sockaddr *)&dst, sizeof(dst));
		sent++;
	}
	printf("%lu\n", sent);
	return 0;
}
