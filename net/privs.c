/*
 * privs.c - dropping root and filtering system calls after start-up (see
 * privs.h).  Capabilities are set with the capset(2) system call and the
 * filter is built with the kernel's own BPF macros (linux/filter.h,
 * linux/seccomp.h): no libcap, no libseccomp.
 */
#include <errno.h>
#include <sched.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libc/passwd.h"
#include "net/privs.h"

#ifndef CAP_LAST_CAP
#define CAP_LAST_CAP 40
#endif

static int
caps_set(uint64_t keep)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return syscall(SYS_capset, &h, d) == 0 ? 0 : -errno;
}

/* see privs.h */
int
privs_drop(const char *user, const char *passwd, char *msg, size_t len)
{
	const char *name = user[0] ? user : PRIVS_DEFAULT_USER;
	uint64_t keep = 1ULL << CAP_NET_ADMIN;
	uid_t uid;
	gid_t gid;
	int rc;

	if (geteuid() != 0) {
		snprintf(msg, len, "not started as root: running as uid %u, "
		    "nothing to drop", (unsigned)geteuid());
		return 0;
	}
	if (strcmp(name, "root") == 0) {
		snprintf(msg, len, "running as root (user = root)");
		return 0;
	}
	rc = passwd_lookup(passwd, name, &uid, &gid);
	if (rc != 0) {
		if (user[0] == '\0' && rc == -ENOENT) {
			snprintf(msg, len, "running as root: no user %s in %s "
			    "(create it, or set user = root, to say which)",
			    name, passwd);
			return 0;
		}
		snprintf(msg, len, "user %s: %s in %s", name, rc == -ENOENT ?
		    "no such user" : strerror(-rc), passwd);
		return rc;
	}
	if (uid == 0) {
		snprintf(msg, len, "user %s is uid 0: running as root", name);
		return 0;
	}
	/* The bounding set first, while CAP_SETPCAP is still held. */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (cap != CAP_NET_ADMIN &&
		    prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			rc = -errno;
			snprintf(msg, len, "capability bounding set: %s",
			    strerror(-rc));
			return rc;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
	    setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		rc = -errno;
		snprintf(msg, len, "becoming %s (uid %u gid %u): %s", name,
		    (unsigned)uid, (unsigned)gid, strerror(-rc));
		return rc;
	}
	if ((rc = caps_set(keep)) != 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		rc = rc ? rc : -errno;
		snprintf(msg, len, "keeping only CAP_NET_ADMIN: %s",
		    strerror(-rc));
		return rc;
	}
	if (getuid() != uid || geteuid() != uid || setuid(0) == 0) {
		snprintf(msg, len, "still able to become root after the drop");
		return -EPERM;
	}
	snprintf(msg, len, "dropped root: running as %s (uid %u gid %u) with "
	    "cap_net_admin only, no new privileges", name, (unsigned)uid,
	    (unsigned)gid);
	return 0;
}

/* ---- the system call filter ---- */

#if defined(__x86_64__) && !defined(__ILP32__)
#define PRIVS_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define PRIVS_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define PRIVS_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && defined(__ARMEL__)
#define PRIVS_ARCH AUDIT_ARCH_ARM
#elif defined(__mips__) && _MIPS_SIM == _MIPS_SIM_ABI32 && \
    defined(__MIPSEB__)
#define PRIVS_ARCH AUDIT_ARCH_MIPS
#elif defined(__mips__) && _MIPS_SIM == _MIPS_SIM_ABI32 && \
    defined(__MIPSEL__)
#define PRIVS_ARCH AUDIT_ARCH_MIPSEL
#endif

#ifdef PRIVS_ARCH

/* clone3 has one number everywhere (asm-generic); older headers lack it */
#ifdef __NR_clone3
#define PRIVS_NR_CLONE3 __NR_clone3
#elif defined(__mips__)
#define PRIVS_NR_CLONE3 (4000 + 435)
#else
#define PRIVS_NR_CLONE3 435
#endif
/* where the low 32 bits of a 64-bit seccomp argument are */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PRIVS_LOW_WORD 4
#else
#define PRIVS_LOW_WORD 0
#endif

#define ALLOW(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * What ikd calls once it runs, found with strace over the loopback suites
 * on x86-64 (start-up's own calls are not needed: the filter comes after),
 * with the other names the same calls have on 32-bit and newer
 * architectures and in musl (time64 variants, mmap2, fcntl64, ...).  Each
 * architecture has only some of these numbers.
 */
static const struct sock_filter allowed[] = {
	/* files: reload reads the configuration and its includes */
#ifdef __NR_read
	ALLOW(__NR_read),
#endif
#ifdef __NR_write
	ALLOW(__NR_write),
#endif
#ifdef __NR_close
	ALLOW(__NR_close),
#endif
#ifdef __NR_readv
	ALLOW(__NR_readv),
#endif
#ifdef __NR_writev
	ALLOW(__NR_writev),
#endif
#ifdef __NR_openat
	ALLOW(__NR_openat),
#endif
#ifdef __NR_open
	ALLOW(__NR_open),
#endif
#ifdef __NR_lseek
	ALLOW(__NR_lseek),
#endif
#ifdef __NR__llseek
	ALLOW(__NR__llseek),
#endif
#ifdef __NR_fstat
	ALLOW(__NR_fstat),
#endif
#ifdef __NR_fstat64
	ALLOW(__NR_fstat64),
#endif
#ifdef __NR_stat
	ALLOW(__NR_stat),
#endif
#ifdef __NR_lstat
	ALLOW(__NR_lstat),
#endif
#ifdef __NR_stat64
	ALLOW(__NR_stat64),
#endif
#ifdef __NR_lstat64
	ALLOW(__NR_lstat64),
#endif
#ifdef __NR_newfstatat
	ALLOW(__NR_newfstatat),
#endif
#ifdef __NR_fstatat64
	ALLOW(__NR_fstatat64),
#endif
#ifdef __NR_statx
	ALLOW(__NR_statx),
#endif
#ifdef __NR_getdents64
	ALLOW(__NR_getdents64),
#endif
#ifdef __NR_readlink
	ALLOW(__NR_readlink),
#endif
#ifdef __NR_readlinkat
	ALLOW(__NR_readlinkat),
#endif
#ifdef __NR_unlink
	ALLOW(__NR_unlink),
#endif
#ifdef __NR_unlinkat
	ALLOW(__NR_unlinkat),
#endif
#ifdef __NR_fcntl
	ALLOW(__NR_fcntl),
#endif
#ifdef __NR_fcntl64
	ALLOW(__NR_fcntl64),
#endif
#ifdef __NR_ioctl
	ALLOW(__NR_ioctl),
#endif
#ifdef __NR_flock
	ALLOW(__NR_flock),
#endif
#ifdef __NR_ftruncate
	ALLOW(__NR_ftruncate),
#endif
#ifdef __NR_ftruncate64
	ALLOW(__NR_ftruncate64),
#endif
#ifdef __NR_umask
	ALLOW(__NR_umask),
#endif
#ifdef __NR_dup
	ALLOW(__NR_dup),
#endif
#ifdef __NR_dup2
	ALLOW(__NR_dup2),
#endif
#ifdef __NR_dup3
	ALLOW(__NR_dup3),
#endif
	/* the event loop */
#ifdef __NR_epoll_ctl
	ALLOW(__NR_epoll_ctl),
#endif
#ifdef __NR_epoll_wait
	ALLOW(__NR_epoll_wait),
#endif
#ifdef __NR_epoll_pwait
	ALLOW(__NR_epoll_pwait),
#endif
#ifdef __NR_epoll_pwait2
	ALLOW(__NR_epoll_pwait2),
#endif
#ifdef __NR_poll
	ALLOW(__NR_poll),
#endif
#ifdef __NR_ppoll
	ALLOW(__NR_ppoll),
#endif
#ifdef __NR_ppoll_time64
	ALLOW(__NR_ppoll_time64),
#endif
#ifdef __NR_select
	ALLOW(__NR_select),
#endif
#ifdef __NR__newselect
	ALLOW(__NR__newselect),
#endif
#ifdef __NR_pselect6
	ALLOW(__NR_pselect6),
#endif
#ifdef __NR_pselect6_time64
	ALLOW(__NR_pselect6_time64),
#endif
#ifdef __NR_pipe
	ALLOW(__NR_pipe),
#endif
#ifdef __NR_pipe2
	ALLOW(__NR_pipe2),
#endif
#ifdef __NR_eventfd2
	ALLOW(__NR_eventfd2),
#endif
	/* sockets: IKE, the kernel backend, the control socket, syslog */
#ifdef __NR_socket
	ALLOW(__NR_socket),
#endif
#ifdef __NR_bind
	ALLOW(__NR_bind),
#endif
#ifdef __NR_connect
	ALLOW(__NR_connect),
#endif
#ifdef __NR_listen
	ALLOW(__NR_listen),
#endif
#ifdef __NR_accept
	ALLOW(__NR_accept),
#endif
#ifdef __NR_accept4
	ALLOW(__NR_accept4),
#endif
#ifdef __NR_getsockopt
	ALLOW(__NR_getsockopt),
#endif
#ifdef __NR_setsockopt
	ALLOW(__NR_setsockopt),
#endif
#ifdef __NR_getsockname
	ALLOW(__NR_getsockname),
#endif
#ifdef __NR_getpeername
	ALLOW(__NR_getpeername),
#endif
#ifdef __NR_sendmsg
	ALLOW(__NR_sendmsg),
#endif
#ifdef __NR_recvmsg
	ALLOW(__NR_recvmsg),
#endif
#ifdef __NR_sendto
	ALLOW(__NR_sendto),
#endif
#ifdef __NR_recvfrom
	ALLOW(__NR_recvfrom),
#endif
#ifdef __NR_sendmmsg
	ALLOW(__NR_sendmmsg),
#endif
#ifdef __NR_recvmmsg
	ALLOW(__NR_recvmmsg),
#endif
#ifdef __NR_recvmmsg_time64
	ALLOW(__NR_recvmmsg_time64),
#endif
#ifdef __NR_send
	ALLOW(__NR_send),
#endif
#ifdef __NR_recv
	ALLOW(__NR_recv),
#endif
#ifdef __NR_shutdown
	ALLOW(__NR_shutdown),
#endif
	/* memory */
#ifdef __NR_brk
	ALLOW(__NR_brk),
#endif
#ifdef __NR_mmap
	ALLOW(__NR_mmap),
#endif
#ifdef __NR_mmap2
	ALLOW(__NR_mmap2),
#endif
#ifdef __NR_munmap
	ALLOW(__NR_munmap),
#endif
#ifdef __NR_mremap
	ALLOW(__NR_mremap),
#endif
#ifdef __NR_madvise
	ALLOW(__NR_madvise),
#endif
#ifdef __NR_mprotect
	ALLOW(__NR_mprotect),
#endif
	/* time, randomness, signals, identity, exit */
#ifdef __NR_clock_gettime
	ALLOW(__NR_clock_gettime),
#endif
#ifdef __NR_clock_gettime64
	ALLOW(__NR_clock_gettime64),
#endif
#ifdef __NR_gettimeofday
	ALLOW(__NR_gettimeofday),
#endif
#ifdef __NR_clock_nanosleep
	ALLOW(__NR_clock_nanosleep),
#endif
#ifdef __NR_clock_nanosleep_time64
	ALLOW(__NR_clock_nanosleep_time64),
#endif
#ifdef __NR_nanosleep
	ALLOW(__NR_nanosleep),
#endif
#ifdef __NR_getrandom
	ALLOW(__NR_getrandom),
#endif
#ifdef __NR_futex
	ALLOW(__NR_futex),
#endif
#ifdef __NR_futex_time64
	ALLOW(__NR_futex_time64),
#endif
#ifdef __NR_rt_sigaction
	ALLOW(__NR_rt_sigaction),
#endif
#ifdef __NR_rt_sigprocmask
	ALLOW(__NR_rt_sigprocmask),
#endif
#ifdef __NR_rt_sigreturn
	ALLOW(__NR_rt_sigreturn),
#endif
#ifdef __NR_sigreturn
	ALLOW(__NR_sigreturn),
#endif
#ifdef __NR_restart_syscall
	ALLOW(__NR_restart_syscall),
#endif
#ifdef __NR_getpid
	ALLOW(__NR_getpid),
#endif
#ifdef __NR_gettid
	ALLOW(__NR_gettid),
#endif
#ifdef __NR_getuid
	ALLOW(__NR_getuid),
#endif
#ifdef __NR_geteuid
	ALLOW(__NR_geteuid),
#endif
#ifdef __NR_getgid
	ALLOW(__NR_getgid),
#endif
#ifdef __NR_getegid
	ALLOW(__NR_getegid),
#endif
#ifdef __NR_getuid32
	ALLOW(__NR_getuid32),
#endif
#ifdef __NR_geteuid32
	ALLOW(__NR_geteuid32),
#endif
#ifdef __NR_getgid32
	ALLOW(__NR_getgid32),
#endif
#ifdef __NR_getegid32
	ALLOW(__NR_getegid32),
#endif
#ifdef __NR_tgkill
	ALLOW(__NR_tgkill),
#endif
#ifdef __NR_uname
	ALLOW(__NR_uname),
#endif
#ifdef __NR_sysinfo
	ALLOW(__NR_sysinfo),
#endif
#ifdef __NR_prlimit64
	ALLOW(__NR_prlimit64),
#endif
#ifdef __NR_getrlimit
	ALLOW(__NR_getrlimit),
#endif
#ifdef __NR_ugetrlimit
	ALLOW(__NR_ugetrlimit),
#endif
	/* threads of libuv's pool (host name lookups) and the DH workers
	 * (net/workers.c): clone is checked in privs_seccomp(); what a new
	 * thread does first */
#ifdef __NR_set_robust_list
	ALLOW(__NR_set_robust_list),
#endif
#ifdef __NR_rseq
	ALLOW(__NR_rseq),
#endif
#ifdef __NR_sched_yield
	ALLOW(__NR_sched_yield),
#endif
	/* AddressSanitizer's exit path (make asan) */
#ifdef __NR_sigaltstack
	ALLOW(__NR_sigaltstack),
#endif
#ifdef __NR_exit
	ALLOW(__NR_exit),
#endif
#ifdef __NR_exit_group
	ALLOW(__NR_exit_group),
#endif
};

/* see privs.h */
int
privs_seccomp(char *msg, size_t len)
{
	static struct sock_filter prog[4 + 7 + sizeof(allowed) /
	    sizeof(allowed[0]) + 1];
	struct sock_fprog fp;
	size_t n = 0;

	/* The architecture, then the number; anything else is killed. */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    PRIVS_ARCH, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	/*
	 * New threads, not processes: clone3's flags are in memory, out of
	 * the filter's sight, so it fails with ENOSYS and the C library falls
	 * back to clone, allowed with CLONE_THREAD only (flags: argument 0
	 * on every architecture built here; its low 32 bits).
	 */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    PRIVS_NR_CLONE3, 0, 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | ENOSYS);
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_clone, 0, 4);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, args[0]) + PRIVS_LOW_WORD);
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
	    CLONE_THREAD, 0, 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
	memcpy(prog + n, allowed, sizeof(allowed));
	n += sizeof(allowed) / sizeof(allowed[0]);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
	fp.len = (unsigned short)n;
	fp.filter = prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) != 0) {
		int rc = -errno;

		if (rc == -EINVAL) {
			/* a kernel without CONFIG_SECCOMP_FILTER */
			snprintf(msg, len, "seccomp filter: this kernel has "
			    "none (CONFIG_SECCOMP_FILTER), running without");
			return -ENOTSUP;
		}
		snprintf(msg, len, "seccomp filter: %s", strerror(-rc));
		return rc;
	}
	snprintf(msg, len, "seccomp filter: %zu system calls allowed, any "
	    "other kills ikd", sizeof(allowed) / sizeof(allowed[0]) / 2 + 1);
	return 0;
}

#else

/* see privs.h */
int
privs_seccomp(char *msg, size_t len)
{
	snprintf(msg, len, "seccomp filter: not built for this architecture");
	return -ENOTSUP;
}

#endif
