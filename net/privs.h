/*
 * privs.h - what ikd gives up once it has started.
 *
 * ikd needs root for a few things only: binding UDP port 500 and 4500,
 * opening the kernel backend's socket, creating its control socket and
 * pid file.  Once they are open, it parses every datagram from the
 * network, so it should hold as little as it can (iked separates its
 * privileges into processes for the same reason).  After start-up:
 *
 *  - privs_drop(): the process becomes the unprivileged `user` of
 *    [global] (default "ikebox" when /etc/passwd has it; "root" keeps
 *    root) with CAP_NET_ADMIN alone, which the kernel backends need for
 *    every SA and policy; the capability bounding set holds nothing else;
 *    no new privileges can be gained (PR_SET_NO_NEW_PRIVS).
 *  - privs_seccomp(): a seccomp filter allows the system calls ikd makes
 *    while it runs (the event loop, sockets, reading configuration files
 *    for a reload, memory, time, signals) and kills the process at any
 *    other: execve, ptrace, mount, module loading, ... can never follow
 *    from a parser bug.
 *
 * Reload keeps working when the configuration files are readable by that
 * user (owned by it, mode 600); binding a new local address on reload
 * needs a restart (port 500 is below 1024).  docs/ikd.md says so.
 */
#ifndef IKEBOX_NET_PRIVS_H
#define IKEBOX_NET_PRIVS_H

#include <stddef.h>

#define PRIVS_PASSWD "/etc/passwd"
#define PRIVS_DEFAULT_USER "ikebox"

/*
 * Drops root as above.  user: the configured user, or "" for the
 * default (stay root, with a note, when there is no such user).  Returns
 * 0 with what was done in msg (for the log), or -errno with the reason in
 * msg: a configured user that does not exist is an error, and so is any
 * step that fails (ikd must not run half-dropped).
 */
int privs_drop(const char *user, const char *passwd, char *msg, size_t len);

/*
 * Installs the system call filter (after privs_drop(): it needs
 * PR_SET_NO_NEW_PRIVS, which privs_drop() sets, or root).  Returns 0,
 * -ENOTSUP on an architecture the filter does not know (nothing
 * installed), or -errno; msg says which.
 */
int privs_seccomp(char *msg, size_t len);

#endif
