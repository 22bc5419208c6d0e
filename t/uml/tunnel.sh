#!/bin/bash
# tunnel.sh - runs INSIDE the UML guest: two ikd (PF_KEY backend) with the
# how-to's basic configuration (configs/basic/gw1, configs/basic/gw2) bring
# the tunnel up over the real kernel; LAN-to-LAN ping crosses only as ESP.
#   tunnel.sh [demo]   demo: narrate for `make demo` instead of ok/FAIL
# Prints "ok uml: ..." / "FAIL uml: ..." lines and "uml-tunnel: done" last.
set -u
H=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$H/lib.sh"
ROOT=$(cd "$H/../.." && pwd)
IKEBOX=$ROOT/ikebox
S=$HARNESS_STATE/tunnel
mkdir -p "$S"
DEMO=${1:-}

ok() { echo "ok uml: $1"; }
fail() {
	echo "FAIL uml: $1"; shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
say() { [ -n "$DEMO" ] && printf '\n==> %s\n' "$*"; return 0; }
ping_lan() { ip netns exec "$NS_HOST1" ping -n -q -c "${1:-3}" -i 0.2 -W 1 "$HOST2" >/dev/null 2>&1; }
ikectl() { local gw=$1; shift; ip netns exec "$gw" "$IKEBOX" ikectl -s "$S/$gw.sock" "$@"; }

# start_ikd GW : ikd in the gateway's netns, foreground, logging to a file
start_ikd() {
	local gw=$1
	ip netns exec "$gw" "$IKEBOX" ikd -d -v -f "$ROOT/configs/basic/$gw/ikd.conf" \
	    -s "$S/$gw.sock" -p "$S/$gw.pid" >>"$HARNESS_OUT/ikd-$gw.log" 2>&1 &
	eval "PID_$gw=$!"
}

# installed GW : the JSON of show sa has an INSTALLED child
installed() { ikectl "$1" show sa --json 2>/dev/null | grep -q '"INSTALLED"'; }

"$H/topo.sh" up >/dev/null 2>&1 || { fail "topology up"; echo "uml-tunnel: done"; exit 1; }
if ping_lan 1; then
	fail "without a tunnel, ping host1 -> host2 must be dropped by the router"
else
	ok "(tunnel) without SAs, ping host1 -> host2 is dropped (only ESP crosses)"
fi

say "starting ikd on gw1 (active) and gw2 (passive), configs/basic"
start_ikd gw2
wait_until 5 test -S "$S/gw2.sock"
start_ikd gw1
if wait_until 60 installed gw1 && wait_until 5 installed gw2; then
	ok "(tunnel) ikd <-> ikd: IKE SA ESTABLISHED and CHILD SA INSTALLED on both gateways"
else
	fail "(tunnel) ikd <-> ikd: tunnel up within 60 s" \
	    "$(tail -n 15 "$HARNESS_OUT/ikd-gw1.log")" "$(tail -n 15 "$HARNESS_OUT/ikd-gw2.log")"
fi

say "ikectl show sa (gw1)"
[ -n "$DEMO" ] && ikectl gw1 show sa
j1=$(ikectl gw1 show sa --json); j2=$(ikectl gw2 show sa --json)
s1=$(printf '%s' "$j1" | python3 -c 'import json,sys; c=json.load(sys.stdin)[0]["children"][0]; print(c["spi_in"], c["spi_out"])' 2>/dev/null)
s2=$(printf '%s' "$j2" | python3 -c 'import json,sys; c=json.load(sys.stdin)[0]["children"][0]; print(c["spi_out"], c["spi_in"])' 2>/dev/null)
if [ -n "$s1" ] && [ "$s1" = "$s2" ]; then
	ok "(tunnel) ikectl show sa --json: gw1's spi_in/spi_out are gw2's spi_out/spi_in ($s1)"
else
	fail "(tunnel) SPIs agree between gateways" "gw1: $j1" "gw2: $j2"
fi
k1=$(ip -n "$NS_GW1" xfrm state | grep -c '^src ')
p1=$(ip -n "$NS_GW1" xfrm policy | grep -c '^src ')
if [ "$k1" = 2 ] && [ "$p1" = 3 ]; then
	ok "(tunnel) gw1's kernel holds 2 ESP SAs and 3 policies (in, out, fwd)"
else
	fail "(tunnel) gw1's kernel holds 2 ESP SAs and 3 policies" "SAs $k1, policies $p1" \
	    "$(ip -n "$NS_GW1" xfrm state)" "$(ip -n "$NS_GW1" xfrm policy)"
fi

say "ipsecctl-sa (gw1): flows and SAs as the kernel holds them"
out=$(ip netns exec "$NS_GW1" "$IKEBOX" ipsecctl-sa 2>&1)
[ -n "$DEMO" ] && printf '%s\n' "$out"
if printf '%s\n' "$out" | grep -q "203.0.113.0/25" && printf '%s\n' "$out" | grep -q "aes-256"; then
	ok "(tunnel) ipsecctl-sa on gw1 shows the flow and the aes-256 SAs"
else
	fail "(tunnel) ipsecctl-sa on gw1 shows the flow and the SAs" "$out"
fi

say "ping from host1 (203.0.113.1, LAN of gw1) to host2 (203.0.113.254, LAN of gw2)"
out0=$(xfrm_spi_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB")
in0=$(xfrm_spi_pkts "$NS_GW2" "$GW1_PUB" "$GW2_PUB")
if [ -n "$DEMO" ]; then
	ip netns exec "$NS_HOST1" ping -n -c 3 -i 0.3 -W 1 "$HOST2"; r=$?
else
	ping_lan 5; r=$?
fi
out=$(xfrm_delta "$out0" "$(xfrm_spi_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB")")
in=$(xfrm_delta "$in0" "$(xfrm_spi_pkts "$NS_GW2" "$GW1_PUB" "$GW2_PUB")")
if [ "$r" = 0 ] && [ "${out:-0}" -gt 0 ] && [ "${in:-0}" -gt 0 ]; then
	ok "(tunnel) ping host1 -> host2 passes through ESP: gw1 out SA +$out packets, gw2 in SA +$in"
else
	fail "(tunnel) ping host1 -> host2 through ESP" "ping status $r, gw1 out +$out, gw2 in +$in" \
	    "$(ip -n "$NS_GW1" -s xfrm state)"
fi

# bytes_out of gw1's CHILD SA and bytes_in of gw2's, as ikectl shows them
# (read from the kernel's SA counters at each show).
show_bytes() {
	ikectl "$1" show sa --json 2>/dev/null | python3 -c 'import json,sys; c=json.load(sys.stdin)[0]["children"][0]; print(c["'"$2"'"])' 2>/dev/null
}
bo0=$(show_bytes gw1 bytes_out); bi0=$(show_bytes gw2 bytes_in)
ping_lan 5
bo1=$(show_bytes gw1 bytes_out); bi1=$(show_bytes gw2 bytes_in)
if [ -n "$bo0" ] && [ -n "$bi1" ] && [ "$bo0" -gt 0 ] &&
    [ $((bo1 - bo0)) -ge 420 ] && [ $((bi1 - bi0)) -ge 420 ]; then
	ok "(tunnel) ikectl show sa --json: bytes_out on gw1 $bo0 -> $bo1, bytes_in on gw2 $bi0 -> $bi1 after 5 pings"
else
	fail "(tunnel) ikectl show sa --json byte counters grow with traffic" \
	    "gw1 bytes_out $bo0 -> $bo1, gw2 bytes_in $bi0 -> $bi1" "$(ikectl gw1 show sa --json)"
fi

say "stopping ikd on gw1 with SIGTERM"
kill -TERM "$PID_gw1"; wait "$PID_gw1"; rc=$?
k1=$(ip -n "$NS_GW1" xfrm state | grep -c '^src ')
p1=$(ip -n "$NS_GW1" xfrm policy | grep -c '^src ')
if [ "$rc" = 0 ] && [ "$k1" = 0 ] && [ "$p1" = 0 ]; then
	ok "(tunnel) SIGTERM: ikd exits 0 and removes its SAs and policies from gw1's kernel"
else
	fail "(tunnel) SIGTERM removes SAs and policies" "exit $rc, SAs $k1, policies $p1"
fi
if wait_until 5 sh -c "! ip -n $NS_GW2 xfrm state | grep -q '^src '"; then
	ok "(tunnel) gw2 got the DELETE: its SAs are gone too"
else
	fail "(tunnel) gw2 got the DELETE" "$(ip -n "$NS_GW2" xfrm state)"
fi
say "restarting ikd on gw1: the tunnel comes back"
start_ikd gw1
if wait_until 60 installed gw1 && ping_lan 3; then
	ok "(tunnel) restarted ikd on gw1 brings the tunnel back; ping passes"
else
	fail "(tunnel) restart brings the tunnel back" "$(tail -n 15 "$HARNESS_OUT/ikd-gw1.log")"
fi
kill -TERM "$PID_gw1" "$PID_gw2" 2>/dev/null
wait "$PID_gw1" "$PID_gw2" 2>/dev/null
say "done: both ikd stopped"
echo "uml-tunnel: done"
