/*
 * bench.h - the parts of `make bench` (bench/bench.c runs them in turn).
 */
#ifndef IKEBOX_BENCH_BENCH_H
#define IKEBOX_BENCH_BENCH_H

#include <sys/types.h>

/* Seconds on the monotonic clock. */
double bench_now(void);

/*
 * Writes the ikd.conf of one side with VPNs first..first+n-1 into
 * dir/NAME.conf and dir/NAME/ and returns 0 or -errno.  VPN i of the
 * active side goes from A_NET.X.Y.1 (X.Y from i) to b_addr; the passive
 * side has the mirror of each.  group is an IKE SA group name; extra is
 * appended to [global].
 */
int bench_write_cfg(const char *dir, const char *name, int active, int first,
    int n, const char *group, const char *a_net, const char *b_addr,
    const char *extra);

/* IKE SAs per second and memory per SA, two engines in this process. */
void bench_ike(void);

/* 100,000 IKE SAs in one engine: memory, set-up and tear-down times. */
void bench_scale(void);

/* 100,000 IKE SAs held by one ikd, initiated from this process. */
void bench_ikd_scale(const char *ikebox);

/* Idle RSS of ikd with one VPN; reloads of 10,000 VPN files. */
void bench_ikd_reload(const char *ikebox);

/* IKE SAs per second between two ikd processes on loopback addresses. */
void bench_ikd(const char *ikebox);

/* IKE_SA_INIT answers per second of one ikd by its `workers` setting. */
void bench_workers(const char *ikebox);

/* bench_ikd.c's helpers: sleep; a counter of `show stats` (-1: no
 * answer); CPU seconds of pid; ikd -d -f conf started; SIGTERM + wait. */
void nap_ms(long ms);
long stat_of(const char *sock, const char *name);
double cpu_of(pid_t pid);
double cpu_of_task(pid_t pid, pid_t tid);
pid_t spawn_ikd(const char *ikebox, const char *conf);
void stop(pid_t pid);

#endif
