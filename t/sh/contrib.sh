# contrib.sh - contrib/: the systemd unit passes systemd-analyze verify
# (when systemd is installed), and the OpenWrt procd init script, run under
# stand-ins for procd's shell functions, starts ikd supervised, reloads it
# with SIGHUP, and does neither on a configuration cfgcheck refuses.
SUITE=contrib
. t/lib.sh

T=$(cd "$TMP" && pwd)
BIN=$(pwd)/ikebox

# --- systemd -------------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
	# The unit as installed, with ikebox where this tree built it.
	sed "s|/usr/sbin/ikebox|$BIN|g" contrib/systemd/ikd.service \
	    >"$T/ikd.service"
	OUT=$(systemd-analyze verify --man=no "$T/ikd.service" 2>&1); rc=$?
	if [ $rc = 0 ] && [ -z "$OUT" ]; then
		ok "systemd-analyze verify ikd.service: no complaint"
	else
		fail "systemd-analyze verify ikd.service: no complaint" "exit $rc" "$OUT"
	fi
fi
u=contrib/systemd/ikd.service
if grep -q '^Type=notify$' $u && $BIN ikd --help | grep -q 'NOTIFY_SOCKET'; then
	ok "ikd.service is Type=notify and ikd speaks sd_notify"
else
	fail "ikd.service is Type=notify and ikd speaks sd_notify" "$(grep ^Type= $u)"
fi
if grep -q '^CapabilityBoundingSet=.*CAP_NET_ADMIN' $u &&
    grep -q '^RestrictAddressFamilies=.*AF_NETLINK.*AF_KEY' $u; then
	ok "ikd.service keeps CAP_NET_ADMIN, netlink and PF_KEY for the kernel backends"
else
	fail "ikd.service keeps CAP_NET_ADMIN, netlink and PF_KEY for the kernel backends"
fi

# --- OpenWrt procd init script ------------------------------------------
init=contrib/openwrt/ikebox/files/ikebox.init
expect "ikebox.init: sh -n" 0 '' sh -n $init

# A good configuration (null backend) and one with an error.
mkdir -p "$T/good/vpn.d" "$T/bad"
ikd_global "$T/good" 30
printf '[global]\nbackend = xfrm\ncolour = red\n' >"$T/bad/ikd.conf"

# procd's functions record what they are asked; logger prints to stderr.
cat >"$T/procd-stub.sh" <<'EOF'
procd_open_instance() { echo "open_instance $*" >>"$CALLS"; }
procd_set_param() { echo "set_param $*" >>"$CALLS"; }
procd_close_instance() { echo "close_instance" >>"$CALLS"; }
procd_send_signal() { echo "send_signal $*" >>"$CALLS"; }
procd_add_reload_trigger() { echo "reload_trigger $*" >>"$CALLS"; }
logger() {	# logger [-s] [-t TAG] [-p PRIO] [MESSAGE]: stdin without one
	while [ $# -gt 0 ]; do
		case $1 in -s) shift ;; -t|-p) shift 2 ;; *) break ;; esac
	done
	if [ $# -gt 0 ]; then echo "logger: $*"; else sed 's/^/logger: /'; fi >&2
}
EOF
# The applets as the package installs them: links to ikebox.
mkdir -p "$T/sbin"
for a in ikd cfgcheck; do ln -sf "$BIN" "$T/sbin/$a"; done
# run_init CONF ACTION: the init script's ACTION as rc.common calls it
run_init() {
	CALLS=$T/calls; : >"$CALLS"
	CALLS=$CALLS sh -c '. "$1"; . "$2"; PROG=$3/ikd; CFGCHECK=$3/cfgcheck
	    CONF=$4; $5' sh "$T/procd-stub.sh" "$init" "$T/sbin" "$1" "$2" 2>&1
}

OUT=$(run_init "$T/good/ikd.conf" start_service); rc=$?
if [ $rc = 0 ] &&
    grep -qx "set_param command $T/sbin/ikd -d -f $T/good/ikd.conf" "$T/calls" &&
    grep -q '^set_param respawn [0-9]' "$T/calls" &&
    grep -qx 'close_instance' "$T/calls"; then
	ok "start: ikd -d -f CONF in a respawned procd instance"
else
	fail "start: ikd -d -f CONF in a respawned procd instance" "exit $rc" \
	    "$OUT" "$(cat "$T/calls")"
fi

OUT=$(run_init "$T/bad/ikd.conf" start_service); rc=$?
if [ $rc != 0 ] && ! grep -q open_instance "$T/calls" &&
    printf '%s\n' "$OUT" | grep -q "logger: $T/bad/ikd.conf:3:"; then
	ok "start: a refused configuration starts nothing and logs FILE:LINE"
else
	fail "start: a refused configuration starts nothing and logs FILE:LINE" \
	    "exit $rc" "$OUT" "$(cat "$T/calls")"
fi

OUT=$(run_init "$T/good/ikd.conf" reload_service); rc=$?
if [ $rc = 0 ] && grep -qx 'send_signal ikebox ikd HUP' "$T/calls"; then
	ok "reload: SIGHUP to the ikd instance"
else
	fail "reload: SIGHUP to the ikd instance" "exit $rc" "$OUT" "$(cat "$T/calls")"
fi

OUT=$(run_init "$T/bad/ikd.conf" reload_service); rc=$?
if [ $rc != 0 ] && ! grep -q send_signal "$T/calls"; then
	ok "reload: a refused configuration sends no signal"
else
	fail "reload: a refused configuration sends no signal" "exit $rc" \
	    "$OUT" "$(cat "$T/calls")"
fi

OUT=$(run_init "$T/good/ikd.conf" service_triggers)
if grep -qx 'reload_trigger ikebox' "$T/calls"; then
	ok "a change to UCI config ikebox reloads"
else
	fail "a change to UCI config ikebox reloads" "$OUT" "$(cat "$T/calls")"
fi
