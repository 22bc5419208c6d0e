/*
 * notify.c - readiness notification to a service manager (see notify.h).
 *
 * The protocol is one datagram per state change over an AF_UNIX socket
 * named by $NOTIFY_SOCKET (systemd's sd_notify(3) describes it); doing it
 * by hand costs a socket and a sendto, against a library the static binary
 * cannot carry.  Errors are returned, never fatal: a daemon must run the
 * same with or without a service manager listening.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/notify.h"

/* see notify.h */
int
notify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n, len = strlen(state);
	socklen_t alen;
	int fd, rc = 1;

	if (name == NULL || name[0] == '\0') {
		return 0;
	}
	n = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || n >= sizeof(sun.sun_path)) {
		return -EINVAL;
	}
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@') {
		/* Abstract: the NUL leads, and no trailing NUL is counted. */
		sun.sun_path[0] = '\0';
		alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		alen = (socklen_t)sizeof(sun);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    alen) != (ssize_t)len) {
		rc = errno ? -errno : -EIO;
	}
	close(fd);
	return rc;
}
