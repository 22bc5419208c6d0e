/*
 * notify.h - service manager readiness (systemd's sd_notify protocol),
 * written by hand: no libsystemd in a static router binary.
 *
 * When the environment holds NOTIFY_SOCKET, the daemon sends short
 * "KEY=VALUE\n" states to that AF_UNIX datagram socket: READY=1 once it
 * serves, RELOADING=1 then READY=1 around a reload, STOPPING=1 when it
 * shuts down.  A name starting with '@' is in the abstract namespace (the
 * '@' becomes a NUL byte).  Without NOTIFY_SOCKET nothing is sent.
 */
#ifndef IKEBOX_NET_NOTIFY_H
#define IKEBOX_NET_NOTIFY_H

/*
 * Sends state (e.g. "READY=1\nMAINPID=42") to $NOTIFY_SOCKET.  Returns 1
 * when sent, 0 when NOTIFY_SOCKET is unset or empty, or a negative errno
 * (-EINVAL for a name that is neither absolute nor abstract, or too long).
 */
int notify_send(const char *state);

#endif
