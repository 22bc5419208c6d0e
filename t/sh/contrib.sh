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
procd_add_interface_trigger() { echo "interface_trigger $*" >>"$CALLS"; }
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
run_init() {	# run_init CONF ACTION [UCI_FILE]
	CALLS=$T/calls; : >"$CALLS"
	CALLS=$CALLS sh -c '. "$1"; . "$2"; PROG=$3/ikd; CFGCHECK=$3/cfgcheck
	    CONF=$4; UCI=$6; UCIDIR=$7; $5' sh "$T/procd-stub.sh" "$init" \
	    "$T/sbin" "$1" "$2" "${3:-$T/no-uci}" "$T/var/etc/ikebox" 2>&1
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
if grep -qx 'interface_trigger interface.\*.up wan /etc/init.d/ikebox reload' "$T/calls"; then
	ok "the WAN interface coming up reloads"
else
	fail "the WAN interface coming up reloads" "$OUT" "$(cat "$T/calls")"
fi

# UCI: /etc/config/ikebox becomes INI files under /var/etc/ikebox, which ikd
# is started on; a UCI file with an error starts nothing and keeps the
# last good import.
mkdir -p "$T/var/etc"
cat >"$T/uci-good" <<'EOF2'
config global 'global'
	option backend 'null'
	option socket '/tmp/ikebox-contrib.sock'
config vpn 'branch'
	option local '192.0.2.254'
	option peer '198.51.100.254'
	option psk 'contrib-suite-psk-0123456789'
	list flow '203.0.113.0/25 203.0.113.128/25'
EOF2
printf "config vpn 'branch'\n\toption lifetme '1h'\n" >"$T/uci-bad"
OUT=$(run_init "$T/good/ikd.conf" start_service "$T/uci-good"); rc=$?
if [ $rc = 0 ] &&
    grep -qx "set_param command $T/sbin/ikd -d -f $T/var/etc/ikebox/ikd.conf" "$T/calls" &&
    grep -q '^flow = 203.0.113.0/25 203.0.113.128/25$' "$T/var/etc/ikebox/vpn.d/branch.conf"; then
	ok "UCI: start imports /etc/config/ikebox and runs ikd on the result"
else
	fail "UCI: start imports /etc/config/ikebox and runs ikd on the result" \
	    "exit $rc" "$OUT" "$(cat "$T/calls")"
fi
OUT=$(run_init "$T/good/ikd.conf" reload_service "$T/uci-bad"); rc=$?
if [ $rc != 0 ] && ! grep -q send_signal "$T/calls" &&
    printf '%s\n' "$OUT" | grep -q "logger: $T/uci-bad:2: unknown option of a vpn section ('lifetme')" &&
    [ -f "$T/var/etc/ikebox/vpn.d/branch.conf" ]; then
	ok "UCI: an error names the UCI line, sends no signal, keeps the last import"
else
	fail "UCI: an error names the UCI line, sends no signal, keeps the last import" \
	    "exit $rc" "$OUT" "$(cat "$T/calls")"
fi
rm -rf "$T/uci-example"
if $BIN cfgcheck --import-uci contrib/openwrt/ikebox/files/ikebox.config \
    -o "$T/uci-example" >/dev/null 2>&1 &&
    [ -f "$T/uci-example/ikd.conf" ] && [ ! -f "$T/uci-example/vpn.d/nom_vpn.conf" ]; then
	ok "the package's example /etc/config/ikebox imports (its VPN disabled)"
else
	fail "the package's example /etc/config/ikebox imports" \
	    "$($BIN cfgcheck --import-uci contrib/openwrt/ikebox/files/ikebox.config -o "$T/uci-example" 2>&1)"
fi
