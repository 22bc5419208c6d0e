# ikd_twin.sh - two VPNs between the same two loopback addresses (null
# backend, port 500, as root), told apart by their IDs: each has its own
# PSK and flow.  The responder cannot tell them apart at IKE_SA_INIT; at
# IKE_AUTH it picks the VPN by the initiator's ID before checking AUTH
# (RFC 7296 2.15), so both come up.  A third VPN whose ID the responder
# does not accept fails with AUTHENTICATION_FAILED.
# Addresses 127.N.M.1 / 127.N.M.2 with N.M from our PID keep parallel runs
# apart; only the two processes started here are ended, by PID.
SUITE=ikd_twin
. t/lib.sh

lo_root_or_skip
P=$(lo_prefix)
A=$P.1 B=$P.2
ROOT=$(cd "$TMP" && pwd)

# vpn GW NAME MODE LOCAL PEER SRCID DSTID PSK LOCALNET REMOTENET
vpn() {
	lo_vpn "$ROOT/$1/vpn.d/$2.conf" $2 $3 $4 $5 $8 curve25519 \
	    "srcid = $6\ndstid = $7" "$9 ${10}"
}
ikd_global "$ROOT/gw1" 60
ikd_global "$ROOT/gw2" 60
vpn gw1 one active $A $B one.a.example any psk-one 10.1.0.0/24 10.2.0.0/24
vpn gw1 two active $A $B two.a.example any psk-two 10.3.0.0/24 10.4.0.0/24
vpn gw1 three active $A $B three.a.example any psk-two 10.5.0.0/24 10.6.0.0/24
vpn gw2 one passive $B $A gw.b.example one.a.example psk-one 10.2.0.0/24 10.1.0.0/24
vpn gw2 two passive $B $A gw.b.example two.a.example psk-two 10.4.0.0/24 10.3.0.0/24

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"

# twins_up CTL...: VPNs one and two ESTABLISHED with their own flow each
twins_up() {
	"$@" show sa --json | python3 -c '
import json, sys
v = {s["vpn"]: s for s in json.load(sys.stdin) if s["state"] == "ESTABLISHED"}
assert set(v) == {"one", "two"}, v
for name, net in (("one", ("10.1.0.0/24", "10.2.0.0/24")),
                  ("two", ("10.3.0.0/24", "10.4.0.0/24"))):
    c = v[name]["children"]
    assert len(c) == 1 and c[0]["state"] == "INSTALLED", v
    assert sorted(c[0]["local_ts"] + c[0]["remote_ts"]) == sorted(net), v'
}

$IKEBOX ikd -d -vv -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
until_ok 5 $CTL2 show stats
$IKEBOX ikd -d -vv -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats && ok "both daemons answer" ||
	fail "both daemons answer" "$(tail -5 "$TMP/gw1.log" "$TMP/gw2.log")"

if until_ok 15 twins_up $CTL1 && until_ok 5 twins_up $CTL2; then
	ok "two VPNs on the same addresses both come up, chosen by ID"
else
	fail "two VPNs on the same addresses both come up, chosen by ID" \
	    "$($CTL1 show sa)" "$($CTL2 show sa)" \
	    "$(grep -E 'failed|refused' "$TMP/gw1.log" "$TMP/gw2.log" | tail)"
fi
until_ok 10 grep -q 'three: .*IKE_AUTH failed: peer answered AUTHENTICATION_FAILED' \
    "$TMP/gw1.log" &&
	ok "an ID neither VPN accepts gets AUTHENTICATION_FAILED" ||
	fail "an ID neither VPN accepts gets AUTHENTICATION_FAILED" \
	    "$(grep three "$TMP/gw1.log" | tail -5)"
grep -q 'PSK mismatch' "$TMP/gw2.log" &&
	fail "no PSK mismatch on the responder" "$(grep 'PSK mismatch' "$TMP/gw2.log")" ||
	ok "no PSK mismatch on the responder"

kill -TERM $P1
wait $P1; rc1=$?
kill -TERM $P2
wait $P2; rc2=$?
[ "$rc1$rc2" = 00 ] && ok "both exit 0 on SIGTERM" || fail "both exit 0 on SIGTERM" "$rc1 $rc2"
