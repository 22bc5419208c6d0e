/*
 * ikectl.c - the `ikectl` applet: one command to the running ikd.
 *
 * The command words are sent as they are over the control socket (net/ctl.h)
 * and the daemon's reply is printed: the body on stdout when it succeeded,
 * "ikectl: REASON" on stderr when it failed.  Exit status, for scripts:
 * 0 done, 1 the daemon refused or failed the command, 2 no daemon to talk to
 * (or a usage error).  The socket is -s SOCKET, else the `socket` key of
 * the configuration's [global] section (-f FILE, default
 * /etc/ikebox/ikd.conf), else /run/ikebox/ikd.sock.  Two commands are
 * shaped here: `load FILE` sends FILE made absolute (the daemon's working
 * directory is not ours), and `monitor` prints the daemon's event lines as
 * they come until either side stops.  `up|down NAME -w SECONDS` is sent
 * as it is; the daemon holds its reply until the VPN is up (or gone), has
 * failed, or SECONDS have passed, and this side waits that long.
 */
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applets.h"
#include "net/ctl.h"

#define IKECTL_CONF "/etc/ikebox/ikd.conf"
#define IKECTL_SOCKET "/run/ikebox/ikd.sock"

/* see applets.h */
void
ikectl_usage(FILE *out)
{
	fprintf(out, "usage: ikectl [-s SOCKET] [-f FILE] COMMAND...\n"
	    "commands:\n");
	for (size_t i = 0; i < ctl_n_verbs; i++) {
		const struct ctl_verb *v = &ctl_verbs[i];

		if (v->usage == NULL) {
			continue;
		}
		if (strlen(v->usage) < 26) {
			fprintf(out, "  %-26s%s\n", v->usage, v->help);
		} else {
			fprintf(out, "  %s\n  %-26s%s\n", v->usage, "",
			    v->help);
		}
	}
	fprintf(out, "options:\n"
	    "  -s SOCKET  control socket (default: `socket` in FILE, else %s)\n"
	    "  -f FILE    configuration to read the socket from (default %s)\n"
	    "exit: 0 ok, 1 command failed (reason printed), 2 no ikd running\n",
	    IKECTL_SOCKET, IKECTL_CONF);
}

struct sock_find {
	char path[108];
};

static int
conf_cb(void *arg, const char *section, const char *name, const char *value)
{
	struct sock_find *f = arg;

	if (strcmp(section, "global") == 0 && strcmp(name, "socket") == 0) {
		snprintf(f->path, sizeof(f->path), "%s", value);
	}
	return 1;
}

/*
 * Only the [global] socket key is read, not the whole configuration: a
 * broken VPN file must not keep the admin from talking to the daemon.
 */
static void
default_socket(const char *conf, char *out, size_t len)
{
	struct sock_find f = { IKECTL_SOCKET };

	(void)ini_parse(conf, conf_cb, &f);
	snprintf(out, len, "%s", f.path);
}

static int
monitor_cb(void *arg, int status, const char *body, size_t blen)
{
	if (status == CTL_FAILED) {
		fprintf(stderr, "ikectl: %s", blen ? body : "failed\n");
		if (blen && body[blen - 1] != '\n') {
			putc('\n', stderr);
		}
		*(int *)arg = 1;
		return 0;
	}
	if (status == CTL_EVENT) {
		fwrite(body, 1, blen, stdout);
		/* A reader at the other end of a pipe wants it now. */
		if (fflush(stdout) != 0) {
			return 1;
		}
	}
	return 0;
}

static int
monitor(const char *sock, const char *cmd)
{
	int failed = 0, rc;

	rc = ctl_stream(sock, cmd, monitor_cb, &failed);
	if (rc == -EPROTO) {
		fprintf(stderr, "ikectl: no valid reply from ikd on %s\n",
		    sock);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "ikectl: no ikd running on %s: %s\n", sock,
		    strerror(-rc));
		return 2;
	}
	return failed || rc > 0;
}

/* see applets.h */
int
ikectl_main(int argc, char **argv)
{
	const char *conf = IKECTL_CONF, *sock = NULL;
	char path[108], abs[PATH_MAX], *cmd, *body = NULL;
	size_t len = 0, blen;
	int c, rc, status, wait = 0;

	if (applet_wants_help(argc, argv)) {
		ikectl_usage(stdout);
		return 0;
	}
	/* "+": stop at the first command word (show sa --json). */
	while ((c = getopt(argc, argv, "+s:f:")) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'f':
			conf = optarg;
			break;
		default:
			ikectl_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		ikectl_usage(stderr);
		return 2;
	}
	if (sock == NULL) {
		default_socket(conf, path, sizeof(path));
		sock = path;
	}
	if (strcmp(argv[optind], "load") == 0 && optind + 2 == argc) {
		/* Absolute, and must exist: say so here, not in the daemon. */
		if (realpath(argv[optind + 1], abs) == NULL) {
			fprintf(stderr, "ikectl: load: %s: %s\n",
			    argv[optind + 1], strerror(errno));
			return 1;
		}
		argv[optind + 1] = abs;
	}
	for (int i = optind; i < argc; i++) {
		len += strlen(argv[i]) + 1;
		/* up|down NAME -w SECONDS: the daemon checks the number */
		if (strcmp(argv[i], "-w") == 0 && i + 1 < argc) {
			wait = atoi(argv[i + 1]);
		}
	}
	cmd = malloc(len);
	if (cmd == NULL) {
		fprintf(stderr, "ikectl: out of memory\n");
		return 1;
	}
	cmd[0] = '\0';
	for (int i = optind; i < argc; i++) {
		strcat(cmd, argv[i]);
		if (i + 1 < argc) {
			strcat(cmd, " ");
		}
	}
	if (strcmp(argv[optind], "monitor") == 0) {
		rc = monitor(sock, cmd);
		free(cmd);
		return rc;
	}
	/* -w: the daemon answers within SECONDS; allow it some slack. */
	rc = ctl_call_wait(sock, cmd, wait > 0 && wait <= CTL_WAIT_MAX ?
	    wait + 15 : 60, &status, &body, &blen);
	free(cmd);
	if (rc == -EPROTO) {
		fprintf(stderr, "ikectl: no valid reply from ikd on %s\n",
		    sock);
		return 1;
	}
	if (rc == -EMSGSIZE || rc == -ENOMEM) {
		fprintf(stderr, "ikectl: %s\n", strerror(-rc));
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "ikectl: no ikd running on %s: %s\n", sock,
		    strerror(-rc));
		return 2;
	}
	if (status != CTL_OK) {
		fprintf(stderr, "ikectl: %s", blen ? body : "failed\n");
		if (blen && body[blen - 1] != '\n') {
			putc('\n', stderr);
		}
		free(body);
		return 1;
	}
	fwrite(body, 1, blen, stdout);
	free(body);
	return fflush(stdout) == 0 ? 0 : 1;
}
