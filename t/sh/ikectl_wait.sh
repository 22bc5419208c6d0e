# ikectl_wait.sh - `ikectl up|down NAME -w SECONDS` on a loopback pair (null
# backend, port 500, as root): exit 0 once the VPN is up (every flow's
# CHILD SA installed) or gone; exit 1 with the reason when it fails (the
# peer's AUTHENTICATION_FAILED) or the time runs out (with the state it is
# in).  Addresses 127.N.M.1-3 from our PID; only the processes started here
# are ended, by PID.
SUITE=ikectl_wait
. t/lib.sh

lo_root_or_skip
P=$(lo_prefix 11)
A=$P.1 B=$P.2 C=$P.3
ROOT=$(cd "$TMP" && pwd)

# vpn GW NAME LOCAL PEER PSK LOCALNET REMOTENET (all passive: only
# `ikectl up` starts them)
vpn() {
	lo_vpn "$ROOT/$1/vpn.d/$2.conf" $2 passive $3 $4 $5 curve25519 \
	    "srcid = $2.$3\ndstid = any" "$6 $7" "$8 $9"
}
ikd_global "$ROOT/gw1" 60
ikd_global "$ROOT/gw2" 60
vpn gw1 tun $A $B key-tun-0123456789 10.1.0.0/24 10.2.0.0/24 10.1.1.0/24 10.2.1.0/24
vpn gw1 bad $A $B key-xxx-0123456789 10.3.0.0/24 10.4.0.0/24 10.3.1.0/24 10.4.1.0/24
vpn gw1 dead $A $C key-tun-0123456789 10.5.0.0/24 10.6.0.0/24 10.5.1.0/24 10.6.1.0/24
vpn gw2 tun $B $A key-tun-0123456789 10.2.0.0/24 10.1.0.0/24 10.2.1.0/24 10.1.1.0/24
vpn gw2 bad $B $A key-bad-0123456789 10.4.0.0/24 10.3.0.0/24 10.4.1.0/24 10.3.1.0/24

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
$IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
$IKEBOX ikd -d -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats && until_ok 5 $IKEBOX ikectl -s "$ROOT/gw2/ikd.sock" show stats &&
	ok "both daemons answer" ||
	fail "both daemons answer" "$(tail -5 "$TMP/gw1.log" "$TMP/gw2.log")"

expect "up -w: exit 0 once both flows are up" 0 '^tun: up, 2 CHILD SAs$' \
	$CTL1 up tun -w 10
n=$($CTL1 show sa tun --json | python3 -c '
import json, sys
print(sum(len(s["children"]) for s in json.load(sys.stdin) if s["state"] == "ESTABLISHED"))')
[ "$n" = 2 ] && ok "up -w returned with the CHILD SAs installed" ||
	fail "up -w returned with the CHILD SAs installed" "$($CTL1 show sa)"
expect "up -w on a VPN already up answers at once" 0 '^tun: up, 2 CHILD SAs$' \
	$CTL1 up tun -w 1
expect "down -w: exit 0 once its SAs are gone" 0 '^tun: down$' \
	$CTL1 down tun -w 10
expect "down -w: nothing left" 0 '^no IKE SA for this vpn$' $CTL1 show sa tun
expect "up -w: the peer's AUTHENTICATION_FAILED, exit 1" 1 \
	'^ikectl: up bad failed: spi=0x[0-9a-f]{16}: IKE_AUTH failed: peer answered AUTHENTICATION_FAILED' \
	$CTL1 up bad -w 10
expect "up -w: no peer, exit 1 after the time with the state" 1 \
	'^ikectl: up dead: not up after 2 s \(IKE SA in SA_INIT\)' \
	$CTL1 up dead -w 2
expect "-w without seconds is refused" 1 '^ikectl: -w: how many seconds\? \(-w SECONDS\)$' \
	$CTL1 up tun -w
expect "-w 0 is refused" 1 "^ikectl: -w: expected 1 to 3600 seconds \('0'\)$" \
	$CTL1 up tun -w 0
expect "-w on show is refused" 1 '^ikectl: -w only applies to up and down$' \
	$CTL1 show sa -w 3
expect "-w on an unknown VPN: exit 1 at once" 1 "^ikectl: unknown vpn 'nosuch'$" \
	$CTL1 up nosuch -w 5

# A client that gives up (^C) costs the daemon nothing.
$CTL1 up dead -w 30 >/dev/null 2>&1 &
W=$!
sleep 0.5
kill $W; wait $W 2>/dev/null
expect "the daemon answers after a waiting client left" 0 '' $CTL1 show stats

kill -TERM $P1
wait $P1; rc1=$?
kill -TERM $P2
wait $P2; rc2=$?
[ "$rc1$rc2" = 00 ] && ok "both exit 0 on SIGTERM" || fail "both exit 0 on SIGTERM" "$rc1 $rc2"
