#!/bin/bash
# subnets.sh - runs INSIDE the UML guest: the how-to's second configuration
# (configs/two-subnets: gw2's LAN seen as two /26, one flow and so one CHILD
# SA each; the iked FAQ says iked fails here).  host2 gets a second address,
# 203.0.113.130, so that each /26 has a host: .130 in 203.0.113.128/26,
# .254 in 203.0.113.192/26.  A ping from host1 to each must cross ESP on
# the CHILD SA of its own /26, and on no other (kernel counters per SPI).
#  1. two ikd (PF_KEY backend), configs/two-subnets/gw1 and gw2 as shipped;
#  2. ikd with configs/two-subnets/gw1 against strongSwan's charon in gw2
#     (one connection, a child per /26);
#  3. charon in gw1 initiating both CHILD SAs to a passive ikd with
#     configs/two-subnets/gw2.
# Prints "ok uml: ..." / "FAIL uml: ..." lines and "uml-subnets: done" last.
set -u
H=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export HOST2_EXTRA=203.0.113.130
. "$H/lib.sh"
. "$H/charon.sh"
ROOT=$(cd "$H/../.." && pwd)
IKEBOX=$ROOT/ikebox
CFG=$ROOT/configs/two-subnets
S=$HARNESS_STATE/subnets
mkdir -p "$S"
: >"$HARNESS_OUT/ikd-gw1.log"
: >"$HARNESS_OUT/ikd-gw2.log"
# the address in each /26, and the /26 as ikd's show sa prints it
TARGETS="203.0.113.130=203.0.113.128/26 203.0.113.254=203.0.113.192/26"

ok() { echo "ok uml: $1"; }
fail() {
	echo "FAIL uml: $1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
ikectl() { local gw=$1; shift; "$IKEBOX" ikectl -s "$S/$gw.sock" "$@"; }

# start_ikd GW : ikd in GW's netns with configs/two-subnets/GW
start_ikd() {
	local gw=$1
	ip netns exec "$gw" "$IKEBOX" ikd -d -v -f "$CFG/$gw/ikd.conf" \
	    -s "$S/$gw.sock" -p "$S/$gw.pid" >>"$HARNESS_OUT/ikd-$gw.log" 2>&1 &
	eval "PID_$gw=$!"
	wait_until 30 test -S "$S/$gw.sock"
}
stop_ikd() {
	local p
	eval "p=\$PID_$1"
	kill -TERM "$p" 2>/dev/null
	wait_until 10 sh -c "! kill -0 $p" || kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rm -f "$S/$1.sock"
}
# two_up GW : GW's ikd shows two INSTALLED CHILD SAs
two_up() { [ "$(ikectl "$1" show sa --json 2>/dev/null | grep -o '"INSTALLED"' | wc -l)" = 2 ]; }
# charon_two : charon shows two INSTALLED CHILD SAs
charon_two() { [ "$(charon_sw --list-sas --raw 2>/dev/null | grep -o state=INSTALLED | wc -l)" = 2 ]; }
# pkts NETNS SPI : the packet counter of the ESP SA with SPI (hex), -1 if none
pkts() {
	{ xfrm_spi_pkts "$1" "$GW1_PUB" "$GW2_PUB"; xfrm_spi_pkts "$1" "$GW2_PUB" "$GW1_PUB"; } |
	    awk -v s="0x$2" '$1 == s { print $2; f = 1 } END { if (!f) print -1 }'
}
# spis NET : "gw1-in gw1-out" SPIs of the CHILD SA for the /26 NET, from
# the ikd in $IKD_GW ($S/ikd.json): gw1's remote_ts, or gw2's local_ts
# (whose spi_in is gw1's spi_out)
spis() {
	python3 -c 'import json,sys
gw1 = sys.argv[3] == "gw1"
for sa in json.load(open(sys.argv[1])):
    for c in sa["children"]:
        if c["remote_ts" if gw1 else "local_ts"] == [sys.argv[2]]:
            print(*((c["spi_in"], c["spi_out"]) if gw1 else (c["spi_out"], c["spi_in"])))' \
	    "$S/ikd.json" "$1" "$IKD_GW"
}

# check_pings PEER : for each /26, host1's ping to its address passes and
# crosses on that /26's CHILD SA (gw1 out, PEER's gateway in, and back), while
# the other /26's outbound SA stays still
check_pings() {
	local peer=$1 t addr net other si so osi oso b r d1 d2 d3 d4 d5
	ikectl "$IKD_GW" show sa --json >"$S/ikd.json" 2>&1
	for t in $TARGETS; do
		addr=${t%%=*} net=${t#*=}
		other=203.0.113.192/26
		[ "$net" = "$other" ] && other=203.0.113.128/26
		read -r si so <<<"$(spis "$net")"
		read -r osi oso <<<"$(spis "$other")"
		if [ -z "$so" ] || [ -z "$oso" ]; then
			fail "(subnets, $peer) $IKD_GW has a CHILD SA for $net and for $other" "$(cat "$S/ikd.json")"
			continue
		fi
		b="$(pkts "$NS_GW1" "$so") $(pkts "$NS_GW2" "$so") $(pkts "$NS_GW2" "$si") $(pkts "$NS_GW1" "$si") $(pkts "$NS_GW1" "$oso")"
		ip netns exec "$NS_HOST1" ping -n -q -c 4 -i 0.2 -W 1 "$addr" >/dev/null 2>&1
		r=$?
		read -r d1 d2 d3 d4 d5 <<<"$b"
		d1=$(($(pkts "$NS_GW1" "$so") - d1)) d2=$(($(pkts "$NS_GW2" "$so") - d2))
		d3=$(($(pkts "$NS_GW2" "$si") - d3)) d4=$(($(pkts "$NS_GW1" "$si") - d4))
		d5=$(($(pkts "$NS_GW1" "$oso") - d5))
		w="gw1 out $so +$d1, gw2 in $so +$d2, gw2 out $si +$d3, gw1 in $si +$d4; $other's gw1 out $oso +$d5"
		if [ "$r" = 0 ] && [ "$d1" -gt 0 ] && [ "$d2" -gt 0 ] && [ "$d3" -gt 0 ] &&
		    [ "$d4" -gt 0 ] && [ "$d5" = 0 ] && [[ $b != *-1* ]]; then
			ok "(subnets, $peer) ping host1 -> $addr in $net passes through ESP on its own CHILD SA ($w)"
		else
			fail "(subnets, $peer) ping host1 -> $addr in $net through ESP on its own CHILD SA" \
			    "ping status $r; $w" "$(ip -n "$NS_GW1" -s xfrm state)" \
			    "$(tail -n 15 "$HARNESS_OUT/ikd-$IKD_GW.log")"
		fi
	done
}

if ! "$H/topo.sh" up >/dev/null 2>&1; then
	fail "(subnets) topology up"
	echo "uml-subnets: done"
	exit 1
fi
autoload_off	# (lib.sh says why)
if ip netns exec "$NS_HOST1" ping -n -q -c 1 -W 1 203.0.113.130 >/dev/null 2>&1; then
	fail "(subnets) without SAs, ping host1 -> 203.0.113.130 must be dropped by the router"
else
	ok "(subnets) without SAs, ping host1 -> 203.0.113.130 is dropped (only ESP crosses)"
fi

# 1. ikd <-> ikd
IKD_GW=gw1
start_ikd gw2
start_ikd gw1
if wait_until 60 two_up gw1 && wait_until 10 two_up gw2; then
	ok "(subnets, ikd <-> ikd) configs/two-subnets: two CHILD SAs INSTALLED on both gateways"
	check_pings "ikd <-> ikd"
else
	fail "(subnets, ikd <-> ikd) configs/two-subnets: two CHILD SAs within 60 s" \
	    "$(ikectl gw1 show sa)" "$(tail -n 15 "$HARNESS_OUT/ikd-gw1.log")" \
	    "$(tail -n 15 "$HARNESS_OUT/ikd-gw2.log")"
fi
stop_ikd gw1
stop_ikd gw2

# 2. ikd (configs/two-subnets/gw1) <-> charon
if ! charon_start "$NS_GW2" 2>"$S/charon-start.err"; then
	fail "(subnets) charon starts in gw2" "$(cat "$S/charon-start.err")"
	autoload_on
	echo "uml-subnets: done"
	exit 1
fi
charon_swanctl_conf two-subnets "$GW2_PUB" "$GW1_PUB" "203.0.113.128/26 203.0.113.192/26" \
    "$LAN1" PSK-TO-CONFIGURE aes256-sha256-prfsha256-modp4096 aes256-sha1-modp4096 \
    >"$HARNESS_OUT/swanctl-two-subnets.conf"
charon_load "$HARNESS_OUT/swanctl-two-subnets.conf"
start_ikd gw1
if wait_until 60 two_up gw1 &&
    wait_until 10 charon_two; then
	ok "(subnets, ikd <-> charon) configs/two-subnets/gw1 against charon: two CHILD SAs INSTALLED on both"
	check_pings "ikd <-> charon"
else
	fail "(subnets, ikd <-> charon) two CHILD SAs within 60 s" \
	    "$(ikectl gw1 show sa)" "$(charon_sw --list-sas)" \
	    "$(tail -n 15 "$HARNESS_OUT/ikd-gw1.log")" "$(tail -n 15 "$CHARON_LOG")"
fi
stop_ikd gw1
charon_stop

# 3. charon in gw1 initiates both CHILD SAs (the second by CREATE_CHILD_SA,
# with PFS) to a passive ikd with configs/two-subnets/gw2
IKD_GW=gw2
start_ikd gw2
if ! charon_start "$NS_GW1" 2>"$S/charon-start.err"; then
	fail "(subnets) charon starts in gw1" "$(cat "$S/charon-start.err")"
else
	charon_swanctl_conf two-subnets-r "$GW1_PUB" "$GW2_PUB" "$LAN1" \
	    "203.0.113.128/26 203.0.113.192/26" PSK-TO-CONFIGURE \
	    aes256-sha256-prfsha256-modp4096 aes256-sha1-modp4096 \
	    >"$HARNESS_OUT/swanctl-two-subnets-r.conf"
	charon_load "$HARNESS_OUT/swanctl-two-subnets-r.conf"
	charon_sw --initiate --child net --timeout 30 >"$S/initiate.log" 2>&1
	charon_sw --initiate --child net2 --timeout 30 >>"$S/initiate.log" 2>&1
	if wait_until 60 two_up gw2 && wait_until 10 charon_two; then
		ok "(subnets, charon -> ikd) charon initiates both CHILD SAs to ikd with configs/two-subnets/gw2: two INSTALLED on both"
		check_pings "charon -> ikd"
	else
		fail "(subnets, charon -> ikd) two CHILD SAs within 60 s" \
		    "$(ikectl gw2 show sa)" "$(charon_sw --list-sas)" "$(cat "$S/initiate.log")" \
		    "$(tail -n 15 "$HARNESS_OUT/ikd-gw2.log")" "$(tail -n 15 "$CHARON_LOG")"
	fi
	charon_stop
fi
stop_ikd gw2
autoload_on
echo "uml-subnets: done"
