/*
 * hooks.h - scripts run when a tunnel comes up or goes down, for the
 * admin's automation (routes, firewall, notifications), as strongSwan's
 * updown script and OpenWrt's hotplug events do.
 *
 * ikd runs them through a runner process forked at start-up, before ikd
 * drops root and installs its system call filter (net/privs.h): ikd
 * itself can then never execute anything, and the scripts run as root, as
 * an admin's route and firewall changes need.  ikd writes one line per
 * event to the runner; the runner runs, in name order, every executable
 * file of the hooks folder (`hooks =` in [global], default
 * /etc/hotplug.d/ikebox) with the event in its environment:
 *
 *   ACTION=up|down  VPN=NAME  LOCAL=ADDR  PEER=ADDR
 *   LOCAL_NETS="203.0.113.0/25 ..."  REMOTE_NETS="203.0.113.128/25 ..."
 *
 * each with HOOKS_TIMEOUT_S seconds before it is killed; what each exited
 * with comes back to ikd's log.  A VPN's own script (`updown = PATH`, in
 * [vpn] or as every VPN's default in [global], strongSwan's updown) runs
 * after the folder's, with the same environment.  The runner takes the
 * list of those scripts when it is forked and runs no other path: a
 * script named only after a reload runs from the next start.  On OpenWrt, where /sbin/hotplug-call
 * exists and the folder is the default one, `hotplug-call ikebox` runs
 * instead (OpenWrt's hotplug scripts are sourced by it, not executed).
 */
#ifndef IKEBOX_NET_HOOKS_H
#define IKEBOX_NET_HOOKS_H

#include <stddef.h>

#define HOOKS_DEFAULT_DIR "/etc/hotplug.d/ikebox"
#define HOOKS_TIMEOUT_S 10
#define HOOKS_HOTPLUG_CALL "/sbin/hotplug-call"

struct hooks {
	int to_runner;		/* events, one line each; -1: off */
	int from_runner;	/* results, one line each */
	int pid;
};

/*
 * Forks the runner for folder dir (NULL or "none", or a folder that does
 * not exist where hotplug-call would not run either: hooks off, nothing
 * forked; a folder made later counts from the next start).  Returns 0 or -errno; h->from_runner is then to be watched
 * (hooks_result()) and h->to_runner written (hooks_event()).
 */
int hooks_start(struct hooks *h, const char *dir,
    const char *const *scripts, size_t n_scripts);

/* One event for the runner; script: 1 + the index of the VPN's own script
 * in hooks_start()'s list, 0 for none.  Dropped (returns -EAGAIN) if the
 * runner lags far behind.  Values must hold no tab or newline. */
int hooks_event(struct hooks *h, const char *action, const char *vpn,
    const char *local, const char *peer, const char *local_nets,
    const char *remote_nets, size_t script);

/* Reads one result line from the runner into buf (no newline).  Returns
 * its length, 0 at end (runner gone), -EAGAIN when none is waiting. */
int hooks_result(struct hooks *h, char *buf, size_t len);

/* Closes the pipes (the runner exits when it has run what it has). */
void hooks_stop(struct hooks *h);

#endif
