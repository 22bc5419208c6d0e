#!/bin/bash
# reload.sh - runs INSIDE the UML guest: hitless reload over the real
# kernel.  Two ikd (PF_KEY backend) run the how-to's basic configuration
# (configs/basic) plus a second VPN between two more addresses of the same
# gateways (192.0.2.253 <-> 198.51.100.253, flow 10.99.1.0/24 <->
# 10.99.2.0/24).  host1 pings host2 through nom_vpn's tunnel without a
# pause while gw1 reloads with only the second VPN changed, and gw2 takes a
# SIGHUP with nothing changed: no ping is lost, nom_vpn keeps its SPIs (in
# ikectl and in the kernel), the second VPN comes back with new ones.
# Prints "ok uml: ..." / "FAIL uml: ..." lines and "uml-reload: done" last.
set -u
H=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$H/lib.sh"
ROOT=$(cd "$H/../.." && pwd)
IKEBOX=$ROOT/ikebox
S=$HARNESS_STATE/reload
mkdir -p "$S"
GW1_PUB2=192.0.2.253 GW2_PUB2=198.51.100.253

ok() { echo "ok uml: $1"; }
fail() {
	echo "FAIL uml: $1"; shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
ikectl() { local gw=$1; shift; ip netns exec "$gw" "$IKEBOX" ikectl -s "$S/$gw.sock" "$@"; }

# second GW LOCAL PEER LOCALNET REMOTENET MODE [LIFETIME]
second() {
	cat > "$S/$1/vpn.d/second.conf" <<EOF2
[vpn]
name = second
mode = $6
local = $2
peer = $3
psk = PSK-SECOND-KEY-0123
lifetime = ${7:-3600}
[flows]
flow = $4 $5
[ikesa]
enc = aes-256
auth = hmac-sha2-256
prf = hmac-sha2-256
group = curve25519
[childsa]
enc = aes-256
auth = hmac-sha1
EOF2
	chmod 600 "$S/$1/vpn.d/second.conf"
}
for gw in gw1 gw2; do
	rm -rf "${S:?}/$gw"
	cp -r "$ROOT/configs/basic/$gw" "$S/$gw"
	chmod 600 "$S/$gw"/vpn.d/*.conf
done
second gw1 $GW1_PUB2 $GW2_PUB2 10.99.1.0/24 10.99.2.0/24 active
second gw2 $GW2_PUB2 $GW1_PUB2 10.99.2.0/24 10.99.1.0/24 passive

start_ikd() {
	local gw=$1
	ip netns exec "$gw" "$IKEBOX" ikd -d -v -f "$S/$gw/ikd.conf" \
	    -s "$S/$gw.sock" -p "$S/$gw.pid" >>"$HARNESS_OUT/ikd-reload-$gw.log" 2>&1 &
	eval "PID_$gw=$!"
}
# up GW VPN: its IKE SA is ESTABLISHED with an INSTALLED child
up() {
	local o
	o=$(ikectl "$1" show sa "$2" --json 2>/dev/null | grep '^{')
	[ "$(printf '%s\n' "$o" | grep -c .)" = 1 ] &&
	    [[ $o == *'"state":"ESTABLISHED"'* ]] && [[ $o == *'"state":"INSTALLED"'* ]]
}
# ids GW VPN: "ispi rspi spi_in spi_out"
ids() {
	ikectl "$1" show sa "$2" --json 2>/dev/null | grep '^{' | sed -n \
	    's/.*"ispi":"\([0-9a-f]*\)","rspi":"\([0-9a-f]*\)".*"spi_in":"\([0-9a-f]*\)","spi_out":"\([0-9a-f]*\)".*/\1 \2 \3 \4/p'
}
kspis() { ip -n "$1" xfrm state | awk '/proto esp spi/ { print $4 }' | sort | tr '\n' ' '; }

"$H/topo.sh" up >/dev/null 2>&1 || { fail "(reload) topology up"; echo "uml-reload: done"; exit 1; }
ip -n "$NS_GW1" addr add "$GW1_PUB2/$GW1_PUB_PLEN" dev pub
ip -n "$NS_GW2" addr add "$GW2_PUB2/$GW2_PUB_PLEN" dev pub

start_ikd gw2
wait_until 10 test -S "$S/gw2.sock"
start_ikd gw1
if wait_until 60 up gw1 nom_vpn && wait_until 60 up gw1 second &&
    wait_until 10 up gw2 nom_vpn && wait_until 10 up gw2 second; then
	ok "(reload) two VPNs up between ikd and ikd over PF_KEY"
else
	fail "(reload) two VPNs up within 60 s" "$(ikectl gw1 show sa)" \
	    "$(tail -n 15 "$HARNESS_OUT/ikd-reload-gw1.log")" "$(tail -n 15 "$HARNESS_OUT/ikd-reload-gw2.log")"
fi
n1=$(ids gw1 nom_vpn); n2=$(ids gw2 nom_vpn); s1=$(ids gw1 second)
k1=$(ip -n "$NS_GW1" xfrm state | grep -c '^src ')
# nom_vpn's two kernel SAs on gw1: the ones between the basic addresses
kn1=$(ip -n "$NS_GW1" xfrm state list src "$GW1_PUB" dst "$GW2_PUB" | awk '/proto esp spi/ { print $4 }')
kn1="$kn1 $(ip -n "$NS_GW1" xfrm state list src "$GW2_PUB" dst "$GW1_PUB" | awk '/proto esp spi/ { print $4 }')"

# Ping without a pause through nom_vpn while the configuration reloads.
ip netns exec "$NS_HOST1" ping -n -i 0.2 -c 50 -W 2 "$HOST2" > "$S/ping.out" 2>&1 &
PING=$!
sleep 2
second gw1 $GW1_PUB2 $GW2_PUB2 10.99.1.0/24 10.99.2.0/24 active 1800
out=$(ikectl gw1 reload 2>&1); rc=$?
if [ $rc = 0 ] && [[ $out == *"unchanged: nom_vpn"* ]] && [[ $out == *"changed: second"* ]]; then
	ok "(reload) ikectl reload on gw1: nom_vpn unchanged, second changed"
else
	fail "(reload) ikectl reload on gw1" "exit $rc" "$out"
fi
kill -HUP "$PID_gw2"
wait "$PING"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$S/ping.out")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$S/ping.out")
if [ -n "$sent" ] && [ "$sent" = 50 ] && [ "$recv" = "$sent" ]; then
	ok "(reload) ping through nom_vpn during the reloads: $recv/$sent, none lost"
else
	fail "(reload) ping through nom_vpn loses nothing during the reloads" "$(tail -n 3 "$S/ping.out")"
fi
[ -n "$n1" ] && [ "$(ids gw1 nom_vpn)" = "$n1" ] && [ "$(ids gw2 nom_vpn)" = "$n2" ] &&
	ok "(reload) nom_vpn kept its IKE and CHILD SPIs on both gateways ($n1)" ||
	fail "(reload) nom_vpn kept its SPIs" "before $n1 / $n2" "after $(ids gw1 nom_vpn) / $(ids gw2 nom_vpn)"
kn1b=$(ip -n "$NS_GW1" xfrm state list src "$GW1_PUB" dst "$GW2_PUB" | awk '/proto esp spi/ { print $4 }')
kn1b="$kn1b $(ip -n "$NS_GW1" xfrm state list src "$GW2_PUB" dst "$GW1_PUB" | awk '/proto esp spi/ { print $4 }')"
[ -n "${kn1// /}" ] && [ "$kn1b" = "$kn1" ] &&
	ok "(reload) gw1's kernel holds nom_vpn's same two SAs ($kn1)" ||
	fail "(reload) gw1's kernel holds nom_vpn's same SAs" "before $kn1" "after $kn1b"
if wait_until 60 up gw1 second && wait_until 10 up gw2 second && s=$(ids gw1 second) &&
    [ "${s%% *}" != "${s1%% *}" ]; then
	ok "(reload) second restarted with new SPIs"
else
	fail "(reload) second restarted with new SPIs" "before $s1" "$(ikectl gw1 show sa second)" \
	    "$(tail -n 15 "$HARNESS_OUT/ikd-reload-gw1.log")"
fi
k1b=$(ip -n "$NS_GW1" xfrm state | grep -c '^src ')
[ "$k1b" = "$k1" ] && [ "$k1" = 4 ] &&
	ok "(reload) gw1's kernel: 4 ESP SAs before and after, the old ones of second removed" ||
	fail "(reload) gw1's kernel SA count" "before $k1, after $k1b" "$(kspis "$NS_GW1")"
grep -q "SIGHUP: reloading" "$HARNESS_OUT/ikd-reload-gw2.log" &&
	grep -q "reload: unchanged: nom_vpn second" "$HARNESS_OUT/ikd-reload-gw2.log" &&
	ok "(reload) SIGHUP on gw2 with nothing changed: both VPNs unchanged" ||
	fail "(reload) SIGHUP on gw2" "$(tail -n 5 "$HARNESS_OUT/ikd-reload-gw2.log")"

kill -TERM "$PID_gw1" "$PID_gw2" 2>/dev/null
wait "$PID_gw1" "$PID_gw2" 2>/dev/null
echo "uml-reload: done"
