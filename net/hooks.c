/*
 * hooks.c - the runner of tunnel up/down scripts (see hooks.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libc/glob.h"
#include "net/hooks.h"

#define HOOK_LINE_MAX 2048

/* Runs argv with env; waits up to HOOKS_TIMEOUT_S; says how it ended. */
static void
run_one(int out, char *const argv[], char *const env[])
{
	char msg[HOOK_LINE_MAX];
	int st = 0, waited = 0;
	pid_t pid = fork(), w;

	if (pid < 0) {
		snprintf(msg, sizeof(msg), "hook %s: fork: %s\n", argv[0],
		    strerror(errno));
		(void)!write(out, msg, strlen(msg));
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
		}
		setpgid(0, 0);
		execve(argv[0], argv, env);
		_exit(127);
	}
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 &&
	    waited < HOOKS_TIMEOUT_S * 10) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		waited++;
	}
	if (w == 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		(void)waitpid(pid, &st, 0);
		snprintf(msg, sizeof(msg), "hook %s: killed after %d s\n",
		    argv[0], HOOKS_TIMEOUT_S);
	} else if (WIFEXITED(st)) {
		snprintf(msg, sizeof(msg), "hook %s: exit %d\n", argv[0],
		    WEXITSTATUS(st));
	} else {
		snprintf(msg, sizeof(msg), "hook %s: killed by signal %d\n",
		    argv[0], WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	}
	(void)!write(out, msg, strlen(msg));
}

/* The runner's fixed view: the folder (NULL: none) and the scripts. */
struct runner_cfg {
	const char *dir;
	char **scripts;
	size_t n;
};

/* One event line: ACTION VPN LOCAL PEER LOCAL_NETS REMOTE_NETS SCRIPT,
 * tabs; SCRIPT is 1 + an index in rc->scripts, or 0. */
static void
run_event(int out, const struct runner_cfg *rc, char *line)
{
	const char *dir = rc->dir;
	static const char *const names[] = {
		"ACTION", "VPN", "LOCAL", "PEER", "LOCAL_NETS", "REMOTE_NETS",
	};
	char envbuf[6][HOOK_LINE_MAX];
	char *env[9], *f[7], pattern[4096];
	char **paths = NULL;
	size_t n = 0, own;
	int k = 0;

	/* split by hand: strtok_r would merge the tabs around an empty
	 * field (a VPN without flows on one side) */
	for (char *t = line; k < 7; k++) {
		f[k] = t;
		if ((t = strchr(t, '\t')) == NULL) {
			break;
		}
		*t++ = '\0';
	}
	for (k++; k < 7; k++) {
		f[k] = "";
	}
	own = (size_t)strtoul(f[6], NULL, 10);
	for (k = 0; k < 6; k++) {
		snprintf(envbuf[k], sizeof(envbuf[k]), "%s=%s", names[k],
		    f[k]);
		env[k] = envbuf[k];
	}
	env[6] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	env[7] = "SUBSYSTEM=ikebox";
	env[8] = NULL;
	if (dir != NULL && strcmp(dir, HOOKS_DEFAULT_DIR) == 0 &&
	    access(HOOKS_HOTPLUG_CALL, X_OK) == 0) {
		char *argv[] = { HOOKS_HOTPLUG_CALL, "ikebox", NULL };

		run_one(out, argv, env);
	} else if (dir != NULL) {
		snprintf(pattern, sizeof(pattern), "%s/*", dir);
		if (glob_paths(pattern, &paths, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				struct stat st;
				char *argv[] = { paths[i], NULL };

				if (stat(paths[i], &st) == 0 &&
				    S_ISREG(st.st_mode) &&
				    access(paths[i], X_OK) == 0) {
					run_one(out, argv, env);
				}
			}
			glob_paths_free(paths, n);
		}
	}
	if (own >= 1 && own <= rc->n) {
		char *argv[] = { rc->scripts[own - 1], NULL };

		if (access(argv[0], X_OK) == 0) {
			run_one(out, argv, env);
		} else {
			char msg[HOOK_LINE_MAX];

			snprintf(msg, sizeof(msg), "hook %s: not run: %s\n",
			    argv[0], strerror(errno));
			(void)!write(out, msg, strlen(msg));
		}
	}
}

static void
runner(int in, int out, const struct runner_cfg *rc)
{
	char buf[HOOK_LINE_MAX];
	size_t have = 0;

	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		ssize_t r = read(in, buf + have, sizeof(buf) - 1 - have);
		char *nl;

		if (r <= 0) {
			if (r < 0 && errno == EINTR) {
				continue;
			}
			_exit(0);	/* ikd has gone */
		}
		have += (size_t)r;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL) {
			size_t used = (size_t)(nl - buf) + 1;

			*nl = '\0';
			run_event(out, rc, buf);
			memmove(buf, buf + used, have - used + 1);
			have -= used;
		}
		if (have == sizeof(buf) - 1) {
			have = 0;	/* a line too long: dropped */
		}
	}
}

/* see hooks.h */
int
hooks_start(struct hooks *h, const char *dir, const char *const *scripts,
    size_t n_scripts)
{
	struct runner_cfg run = { .dir = dir, .n = 0 };
	int ev[2], res[2];
	struct stat st;
	pid_t pid;

	h->to_runner = h->from_runner = -1;
	h->pid = 0;
	if (dir != NULL && (dir[0] == '\0' || strcmp(dir, "none") == 0)) {
		run.dir = NULL;
	}
	/* A folder that is not there (most machines have neither it nor
	 * hotplug-call) counts as none; ikd does not watch for it. */
	if (run.dir != NULL && !(stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) &&
	    !(strcmp(dir, HOOKS_DEFAULT_DIR) == 0 &&
	    access(HOOKS_HOTPLUG_CALL, X_OK) == 0)) {
		run.dir = NULL;
	}
	if (run.dir == NULL && n_scripts == 0) {
		return 0;	/* nothing to run: no runner */
	}
	if (pipe2(ev, O_CLOEXEC) != 0) {
		return -errno;
	}
	if (pipe2(res, O_CLOEXEC) != 0) {
		close(ev[0]);
		close(ev[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int rc = -errno;

		close(ev[0]);
		close(ev[1]);
		close(res[0]);
		close(res[1]);
		return rc;
	}
	if (pid == 0) {
		/* Only the two pipe ends and stdio stay open: no socket,
		 * no kernel backend, no control socket. */
		for (int fd = 3; fd < 1024; fd++) {
			if (fd != ev[0] && fd != res[1]) {
				close(fd);
			}
		}
		/* the scripts it may run, in its own memory from now on */
		run.scripts = calloc(n_scripts + 1, sizeof(*run.scripts));
		for (size_t i = 0; run.scripts != NULL && i < n_scripts; i++) {
			if ((run.scripts[run.n] = strdup(scripts[i])) != NULL) {
				run.n++;
			}
		}
		runner(ev[0], res[1], &run);
	}
	close(ev[0]);
	close(res[1]);
	(void)fcntl(ev[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(res[0], F_SETFL, O_NONBLOCK);
	h->to_runner = ev[1];
	h->from_runner = res[0];
	h->pid = pid;
	return 0;
}

/* see hooks.h */
int
hooks_event(struct hooks *h, const char *action, const char *vpn,
    const char *local, const char *peer, const char *local_nets,
    const char *remote_nets, size_t script)
{
	char line[HOOK_LINE_MAX];
	int n;

	if (h->to_runner < 0) {
		return 0;
	}
	n = snprintf(line, sizeof(line), "%s\t%s\t%s\t%s\t%s\t%s\t%zu\n",
	    action, vpn, local, peer, local_nets, remote_nets, script);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    write(h->to_runner, line, (size_t)n) != n) {
		return -EAGAIN;
	}
	return 0;
}

/* see hooks.h */
int
hooks_result(struct hooks *h, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = read(h->from_runner, buf + n, 1);

		if (r == 0) {
			return n > 0 ? (int)n : 0;
		}
		if (r < 0) {
			if (n > 0) {
				break;
			}
			return -EAGAIN;
		}
		if (buf[n] == '\n') {
			break;
		}
		n++;
	}
	buf[n] = '\0';
	return (int)n;
}

/* see hooks.h */
void
hooks_stop(struct hooks *h)
{
	if (h->to_runner >= 0) {
		close(h->to_runner);
	}
	if (h->from_runner >= 0) {
		close(h->from_runner);
	}
	h->to_runner = h->from_runner = -1;
}
