/*
 * rand.c - random numbers, wiping and constant-time comparison (see cr.h).
 *
 * One HMAC-DRBG (SHA-256, NIST SP 800-90A via BearSSL) per process, seeded
 * from getrandom().  The kernel is asked again every CR_RAND_RESEED bytes
 * and whenever the process id changes, so a forked child never replays its
 * parent's stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "crypto/cr_int.h"

static br_hmac_drbg_context cr_drbg;
static int cr_drbg_ready;
static pid_t cr_drbg_pid;
static size_t cr_drbg_out;	/* bytes since the last (re)seed */

/* Reads n bytes of kernel entropy; 0 or -errno. */
static int
cr_kernel_entropy(uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			break;
		}
		got += (size_t)r;
	}
	if (got == n) {
		return 0;
	}
	/* Kernels before 3.17 (old router images) lack getrandom(). */
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			close(fd);
			return r < 0 ? -errno : -EIO;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

/* see cr.h */
int
cr_rand(void *out, size_t n)
{
	uint8_t seed[48];
	pid_t pid = getpid();
	int rc;

	if (!cr_drbg_ready || pid != cr_drbg_pid ||
	    cr_drbg_out >= CR_RAND_RESEED) {
		rc = cr_kernel_entropy(seed, sizeof(seed));
		if (rc != 0) {
			memset(out, 0, n);
			return rc;
		}
		if (!cr_drbg_ready) {
			br_hmac_drbg_init(&cr_drbg, &br_sha256_vtable, seed,
			    sizeof(seed));
		} else {
			br_hmac_drbg_update(&cr_drbg, seed, sizeof(seed));
		}
		cr_wipe(seed, sizeof(seed));
		cr_drbg_ready = 1;
		cr_drbg_pid = pid;
		cr_drbg_out = 0;
	}
	br_hmac_drbg_generate(&cr_drbg, out, n);
	cr_drbg_out += n;
	return 0;
}

/* see cr.h */
void
cr_wipe(void *p, size_t n)
{
	memset(p, 0, n);
	/* The asm claims to read p, so the memset is not a dead store. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* see cr.h */
int
cr_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint32_t d = 0;

	for (size_t i = 0; i < n; i++) {
		d |= (uint32_t)(x[i] ^ y[i]);
	}
	/* 1 when d == 0, without a data-dependent branch. */
	return (int)(1 & ((d - 1) >> 8));
}
