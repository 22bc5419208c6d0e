#!/bin/bash
# keepalive.sh - runs INSIDE the UML guest: keepalive-pinger against the
# how-to's tunnel (configs/basic, two ikd on the PF_KEY backend).
#   - one-shot through the working tunnel: exit 0, and the ESP SAs count
#     the pings (gw1's outbound SA, gw2's inbound SA);
#   - the peer gateway crashes (its ikd killed with SIGKILL, its kernel SAs
#     gone, as after a reboot): one-shot exits 1; the watcher on gw1 logs
#     "tunnel down" and asks gw1's ikd to reset the VPN;
#   - the peer comes back: the reset brings the tunnel up and the watcher
#     logs "tunnel up again".  gw1's copy of the configuration has DPD off
#     (dpd_check_interval = 0), so nothing but the watcher's reset can have
#     noticed that the peer lost its SAs.
# Prints "ok uml: ..." / "FAIL uml: ..." lines and "uml-keepalive: done" last.
set -u
H=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$H/lib.sh"
ROOT=$(cd "$H/../.." && pwd)
IKEBOX=$ROOT/ikebox
S=$HARNESS_STATE/keepalive
PLOG=$HARNESS_OUT/keepalive-pinger.log
mkdir -p "$S"

ok() { echo "ok uml: $1"; }
fail() {
	echo "FAIL uml: $1"; shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
ikectl() { local gw=$1; shift; ip netns exec "$gw" "$IKEBOX" ikectl -s "$S/$gw.sock" "$@"; }
installed() { ikectl "$1" show sa --json 2>/dev/null | grep -q '"INSTALLED"'; }
pinger() { ip netns exec "$NS_GW1" "$IKEBOX" keepalive-pinger "$@"; }
logged() { grep -qF -- "$1" "$2"; }

# The how-to's configuration, with gw1 watching the tunnel: source gw1's
# LAN address, target host2 in gw2's LAN (both sides of the one flow).
for gw in gw1 gw2; do
	mkdir -p "$S/$gw"
	cp -r "$ROOT/configs/basic/$gw/." "$S/$gw/"
	chmod 600 "$S/$gw/vpn.d/"*.conf
done
sed -i 's/^dpd_check_interval.*/dpd_check_interval = 0/' "$S/gw1/ikd.conf"
printf '\n[keepalive]\nsource = %s\ntarget = %s\ninterval = 1\nfail_after = 3\n' \
	"$GW1_LAN" "$HOST2" >> "$S/gw1/vpn.d/nom_vpn.conf"

start_ikd() {
	local gw=$1
	ip netns exec "$gw" "$IKEBOX" ikd -d -v -f "$S/$gw/ikd.conf" \
	    -s "$S/$gw.sock" -p "$S/$gw.pid" >>"$HARNESS_OUT/ikd-$gw.log" 2>&1 &
	eval "PID_$gw=$!"
}
finish() {
	[ -n "${PID_pinger:-}" ] && kill -TERM "$PID_pinger" 2>/dev/null
	kill -TERM "${PID_gw1:-}" "${PID_gw2:-}" 2>/dev/null
	wait 2>/dev/null
	echo "uml-keepalive: done"
	exit 0
}

"$H/topo.sh" up >/dev/null 2>&1 || { fail "(keepalive) topology up"; finish; }
out=$("$IKEBOX" cfgcheck -f "$S/gw1/ikd.conf" 2>&1)
[ $? = 0 ] || fail "(keepalive) gw1's configuration with [keepalive] loads" "$out"

start_ikd gw2
wait_until 10 test -S "$S/gw2.sock"
start_ikd gw1
if wait_until 60 installed gw1 && wait_until 10 installed gw2; then
	ok "(keepalive) tunnel up: ikd <-> ikd, CHILD SA INSTALLED on both gateways"
else
	fail "(keepalive) tunnel up within 60 s" \
	    "$(tail -n 15 "$HARNESS_OUT/ikd-gw1.log")" "$(tail -n 15 "$HARNESS_OUT/ikd-gw2.log")"
	finish
fi

# ---- one-shot through the working tunnel -----------------------------------
out0=$(xfrm_spi_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB")
in0=$(xfrm_spi_pkts "$NS_GW2" "$GW1_PUB" "$GW2_PUB")
out=$(pinger -q -I "$GW1_LAN" -c 3 -i 0.5 -w 20 "$HOST2" 2>&1); rc=$?
d_out=$(xfrm_delta "$out0" "$(xfrm_spi_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB")")
d_in=$(xfrm_delta "$in0" "$(xfrm_spi_pkts "$NS_GW2" "$GW1_PUB" "$GW2_PUB")")
if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q '3 packets transmitted, 3 received' &&
    [ "${d_out:-0}" -ge 3 ] && [ "${d_in:-0}" -ge 3 ]; then
	ok "(keepalive) one-shot -I $GW1_LAN -c 3 $HOST2 exits 0; gw1 out SA +$d_out packets, gw2 in SA +$d_in"
else
	fail "(keepalive) one-shot through the tunnel exits 0 and the SAs count it" \
	    "exit $rc, gw1 out +$d_out, gw2 in +$d_in" "$out"
fi
# The how-to's cron line, word for word but the program's name.
out=$(pinger -q -I "$GW1_LAN" -c 60 -w 1 "$HOST2" 2>&1); rc=$?
if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -Eq '^[12] packets transmitted, [12] received'; then
	ok "(keepalive) the cron line 'keepalive-pinger -q -I $GW1_LAN -c 60 -w 1 $HOST2' exits 0 at the 1 s deadline"
else
	fail "(keepalive) the cron line exits 0" "exit $rc" "$out"
fi
# A target in no flow of the VPN: a warning, and the ping goes out anyway
# (gw1's own public address answers, outside the tunnel).
out=$(pinger -q -f "$S/gw1/ikd.conf" -I "$GW1_LAN" -c 1 -w 5 "$GW1_PUB" 2>&1); rc=$?
if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q "warning: $GW1_PUB is inside no flow of VPN nom_vpn"; then
	ok "(keepalive) a target outside the VPN's flows: warning, ping still answered"
else
	fail "(keepalive) a target outside the VPN's flows warns" "exit $rc" "$out"
fi

# ---- watch mode ------------------------------------------------------------
# Not through the pinger function: $! must be keepalive-pinger itself.
ip netns exec "$NS_GW1" "$IKEBOX" keepalive-pinger -f "$S/gw1/ikd.conf" \
    -s "$S/gw1.sock" >>"$PLOG" 2>&1 &
PID_pinger=$!
if wait_until 30 logged "nom_vpn: tunnel up: reply from $HOST2" "$PLOG"; then
	ok "(keepalive) watch mode: 'nom_vpn: tunnel up: reply from $HOST2'"
else
	fail "(keepalive) watch mode sees the tunnel up" "$(cat "$PLOG")"
fi

# The peer crashes: no DELETE reaches gw1, whose SAs stay installed.
kill -KILL "$PID_gw2"; wait "$PID_gw2" 2>/dev/null
ip -n "$NS_GW2" xfrm state flush; ip -n "$NS_GW2" xfrm policy flush
out=$(pinger -q -I "$GW1_LAN" -c 2 -i 0.5 -w 3 "$HOST2" 2>&1); rc=$?
if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -q ', 0 received'; then
	ok "(keepalive) peer gateway stopped: one-shot exits 1, 0 received"
else
	fail "(keepalive) peer gateway stopped: one-shot exits 1" "exit $rc" "$out"
fi
if wait_until 60 logged "nom_vpn: tunnel down: no reply from $HOST2 (3 missed)" "$PLOG" &&
    wait_until 10 logged "nom_vpn: asking ikd to reset the VPN" "$PLOG" &&
    wait_until 10 logged "control: reset vpn nom_vpn" "$HARNESS_OUT/ikd-gw1.log"; then
	ok "(keepalive) watch mode logs 'tunnel down ... (3 missed)' and asks gw1's ikd to reset nom_vpn"
else
	fail "(keepalive) watch mode logs the loss and asks for a reset" "$(cat "$PLOG")" \
	    "$(tail -n 10 "$HARNESS_OUT/ikd-gw1.log")"
fi

# The peer is back: with DPD off on gw1, only the reset brings it up.
start_ikd gw2
if wait_until 120 logged "nom_vpn: tunnel up again" "$PLOG" && wait_until 10 installed gw1; then
	ok "(keepalive) peer back: the reset brought the tunnel up; 'nom_vpn: tunnel up again' (DPD off)"
else
	fail "(keepalive) the tunnel comes back after the peer does" "$(cat "$PLOG")" \
	    "$(tail -n 15 "$HARNESS_OUT/ikd-gw1.log")" "$(tail -n 15 "$HARNESS_OUT/ikd-gw2.log")"
fi
out=$(pinger -q -I "$GW1_LAN" -c 2 -i 0.5 -w 10 "$HOST2" 2>&1); rc=$?
[ "$rc" = 0 ] && ok "(keepalive) one-shot through the new SAs exits 0" ||
	fail "(keepalive) one-shot through the new SAs exits 0" "exit $rc" "$out"

kill -TERM "$PID_pinger"; wait "$PID_pinger"; rc=$?; PID_pinger=
if [ "$rc" = 0 ] && logged "stopping (signal 15)" "$PLOG"; then
	ok "(keepalive) watch mode stops on SIGTERM with exit 0"
else
	fail "(keepalive) watch mode stops on SIGTERM" "exit $rc" "$(tail -n 3 "$PLOG")"
fi
finish
