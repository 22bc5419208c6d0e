/*
 * test_notify.c - readiness notification: notify_send() to a path and to
 * an abstract socket, nothing when NOTIFY_SOCKET is unset, refusal of a
 * relative name; then the real thing: ikd (in a forked child, null backend)
 * says READY=1 with its MAINPID once it serves, and STOPPING=1 on SIGTERM,
 * as systemd's Type=notify expects (sd_notify(3) defines the messages).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applets/applets.h"
#include "net/ctl.h"
#include "net/notify.h"
#include "t/harness/t.h"

/* A datagram listener on name ('@' = abstract).  Returns the fd or -1. */
static int
listener(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t alen = sizeof(sun);
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || n >= sizeof(sun.sun_path)) {
		return -1;
	}
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@') {
		sun.sun_path[0] = '\0';
		alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		unlink(name);
	}
	if (bind(fd, (struct sockaddr *)&sun, alen) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Next datagram within ms into buf (NUL-terminated); "" on timeout. */
static const char *
recv_within(int fd, int ms, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	buf[0] = '\0';
	if (poll(&p, 1, ms) == 1) {
		n = recv(fd, buf, cap - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
		}
	}
	return buf;
}

T_CASE(notify, send)
{
	char name[300], buf[256];
	int fd;

	T_ROW("unset: nothing sent, 0");
	unsetenv("NOTIFY_SOCKET");
	T_EQ_INT(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	T_EQ_INT(notify_send("READY=1"), 0);

	T_ROW("abstract name");
	snprintf(name, sizeof(name), "@ikebox-test-notify-%ld", (long)getpid());
	fd = listener(name);
	T_ASSERT(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	T_EQ_INT(notify_send("READY=1\nMAINPID=7"), 1);
	T_EQ_STR(recv_within(fd, 1000, buf, sizeof(buf)), "READY=1\nMAINPID=7");
	close(fd);

	T_ROW("path name");
	snprintf(name, sizeof(name), "%s", t_tmpfile("notify.sock", ""));
	{
		char abs[600], cwd[200];

		T_ASSERT(getcwd(cwd, sizeof(cwd)) != NULL);
		snprintf(abs, sizeof(abs), "%s/%s", cwd, name);
		fd = listener(abs);
		T_ASSERT(fd >= 0);
		setenv("NOTIFY_SOCKET", abs, 1);
		T_EQ_INT(notify_send("STOPPING=1"), 1);
		T_EQ_STR(recv_within(fd, 1000, buf, sizeof(buf)), "STOPPING=1");
		close(fd);
		unlink(abs);
		T_ROW("nobody listening: the error, not a crash");
		T_EQ_INT(notify_send("READY=1"), -ENOENT);
	}

	T_ROW("a relative name is refused");
	setenv("NOTIFY_SOCKET", "run/notify", 1);
	T_EQ_INT(notify_send("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

T_CASE(notify, ikd_ready_and_stopping)
{
	char cwd[160], dir[256], conf[300], vpn[300], sock[300], name[108];
	char buf[256], want[64], pidfile[300];
	FILE *f;
	pid_t pid;
	int fd, ws, st;
	char *body = NULL;
	size_t blen;

	T_ROW("ikd sends READY=1 and its pid once it answers");
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		T_ASSERT(0);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/t/out/notify-ikd", cwd);
	mkdir(dir, 0700);
	snprintf(conf, sizeof(conf), "%s/ikd.conf", dir);
	snprintf(vpn, sizeof(vpn), "%s/vpn.conf", dir);
	snprintf(sock, sizeof(sock), "%s/ikd.sock", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/ikd.pid", dir);
	f = fopen(conf, "w");
	T_ASSERT(f != NULL);
	if (f == NULL) {
		return;
	}
	fprintf(f, "[global]\ninclude = vpn.conf\nbackend = null\n"
	    "socket = %s\n", sock);
	fclose(f);
	f = fopen(vpn, "w");
	T_ASSERT(f != NULL);
	if (f == NULL) {
		return;
	}
	fprintf(f, "[vpn]\nname = n\nmode = passive\nlocal = 127.0.0.1\n"
	    "peer = 127.0.0.2\npsk = x\n[flows]\n"
	    "flow = 10.1.0.0/24 10.2.0.0/24\n");
	fclose(f);
	chmod(vpn, 0600);
	snprintf(name, sizeof(name), "@ikebox-test-ikd-%ld", (long)getpid());
	fd = listener(name);
	T_ASSERT(fd >= 0);
	pid = fork();
	if (pid == 0) {
		char port[16];
		char *argv[] = { "ikd", "-d", "-P", port, "-f", conf, "-p",
		    pidfile, NULL };

		snprintf(port, sizeof(port), "%d",
		    40000 + (int)(getpid() % 20000));
		setenv("NOTIFY_SOCKET", name, 1);
		freopen("/dev/null", "w", stderr);
		_exit(ikd_main(8, argv));
	}
	snprintf(want, sizeof(want), "READY=1\nMAINPID=%ld", (long)pid);
	T_EQ_STR(recv_within(fd, 10000, buf, sizeof(buf)), want);
	T_ROW("the control socket answers when READY=1 has been sent");
	T_EQ_INT(ctl_call(sock, "show stats", &st, &body, &blen), 0);
	T_EQ_INT(st, CTL_OK);
	free(body);

	T_ROW("ikectl reload: RELOADING=1 with MONOTONIC_USEC, then READY=1");
	T_EQ_INT(ctl_call(sock, "reload", &st, &body, &blen), 0);
	T_EQ_INT(st, CTL_OK);
	free(body);
	T_CONTAINS(recv_within(fd, 5000, buf, sizeof(buf)),
	    "RELOADING=1\nMONOTONIC_USEC=");
	T_EQ_STR(recv_within(fd, 5000, buf, sizeof(buf)), "READY=1");

	T_ROW("SIGTERM: STOPPING=1, exit 0");
	kill(pid, SIGTERM);
	T_EQ_STR(recv_within(fd, 10000, buf, sizeof(buf)), "STOPPING=1");
	T_ASSERT(waitpid(pid, &ws, 0) == pid);
	T_ASSERT(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	close(fd);
}
