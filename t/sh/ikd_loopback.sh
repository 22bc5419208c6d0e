# ikd_loopback.sh - two ikd processes, null backend, on two loopback
# addresses (port 500, as root), with the how-to's basic configuration:
# the active side brings the tunnel up; both sides' `show sa --json` agree
# (same IKE SPIs, my spi_in is your spi_out, selectors mirrored); `down`
# deletes on both sides; SIGTERM ends both with exit 0.
# Addresses 127.N.M.1 / 127.N.M.2 with N.M from our PID keep parallel runs
# apart; only the two processes started here are ended, by PID.
SUITE=ikd_loopback
. t/lib.sh

lo_root_or_skip
P=$(lo_prefix)
A=$P.1 B=$P.2
ROOT=$(cd "$TMP" && pwd)

# gw NAME LOCAL PEER MODE LOCALNET REMOTENET
gw() {
	ikd_global "$ROOT/$1" 60
	cat > "$ROOT/$1/vpn.d/nom_vpn.conf" <<EOF2
[vpn]
name = nom_vpn
mode = $4
protocol = esp
local = $2
peer = $3
srcid = $2
dstid = $3
psk = PSK-TO-CONFIGURE
ikelifetime = 86400
lifetime = 3600
[flows]
flow = $5 $6
[ikesa]
enc = aes-256
auth = hmac-sha2-256
prf = hmac-sha2-256
group = modp2048
[childsa]
enc = aes-256
auth = hmac-sha1
group = modp2048
EOF2
	chmod 600 "$ROOT/$1/vpn.d/nom_vpn.conf"
}
gw gw1 $A $B active 203.0.113.0/25 203.0.113.128/25
gw gw2 $B $A passive 203.0.113.128/25 203.0.113.0/25

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"

# up_on CTL...: one ESTABLISHED IKE SA with one INSTALLED child
up_on() {
	"$@" show sa --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert len(v) == 1 and v[0]["state"] == "ESTABLISHED", v
assert [c["state"] for c in v[0]["children"]] == ["INSTALLED"], v'
}
# none_on CTL...: no SA at all
none_on() {
	[ "$("$@" show sa --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ]
}

$IKEBOX ikd -d -vv -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
until_ok 5 $CTL2 show stats
$IKEBOX ikd -d -vv -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats && ok "both daemons answer" ||
	fail "both daemons answer" "$(tail -5 "$TMP/gw1.log" "$TMP/gw2.log")"

if until_ok 15 up_on $CTL1 && until_ok 5 up_on $CTL2; then
	ok "the active side brings the tunnel up on both sides"
else
	fail "the active side brings the tunnel up on both sides" \
	    "$($CTL1 show sa)" "$($CTL2 show sa)" "$(tail -20 "$TMP/gw1.log")" \
	    "$(tail -20 "$TMP/gw2.log")"
fi

$CTL1 show sa --json > "$TMP/gw1.json"
$CTL2 show sa --json > "$TMP/gw2.json"
if python3 - "$TMP/gw1.json" "$TMP/gw2.json" "$A" "$B" > "$TMP/cmp.out" 2>&1 <<'EOF2'
import json, sys
a = json.load(open(sys.argv[1]))[0]
b = json.load(open(sys.argv[2]))[0]
A, B = sys.argv[3], sys.argv[4]
def check(cond, what):
    if not cond:
        print("mismatch:", what, json.dumps(a), json.dumps(b))
        sys.exit(1)
check(a["vpn"] == b["vpn"] == "nom_vpn", "vpn")
check(a["initiator"] is True and b["initiator"] is False, "roles")
check(a["local"] == b["peer"] == A + ":500", "gw1 address")
check(a["peer"] == b["local"] == B + ":500", "gw2 address")
check(a["ispi"] == b["ispi"] and a["rspi"] == b["rspi"], "IKE SPIs")
check(a["ispi"] != "0" * 16 and a["rspi"] != "0" * 16, "IKE SPIs set")
check(a["ike"] == b["ike"] == {"enc": "aes-256", "integ": "hmac-sha2-256",
      "prf": "hmac-sha2-256", "group": "modp2048"}, "IKE transforms")
ca, cb = a["children"][0], b["children"][0]
check(ca["spi_in"] == cb["spi_out"] and ca["spi_out"] == cb["spi_in"],
      "my spi_in is your spi_out")
check(ca["spi_in"] != ca["spi_out"], "two distinct SPIs")
check(ca["local_ts"] == cb["remote_ts"] == ["203.0.113.0/25"], "gw1 selectors")
check(ca["remote_ts"] == cb["local_ts"] == ["203.0.113.128/25"], "gw2 selectors")
check((ca["enc"], ca["integ"]) == (cb["enc"], cb["integ"]) ==
      ("aes-256", "hmac-sha1"), "ESP transforms")
EOF2
then ok "show sa --json agrees on both sides (SPIs mirrored)"
else fail "show sa --json agrees on both sides (SPIs mirrored)" "$(cat "$TMP/cmp.out")"
fi
expect "show sa, text, names the vpn" 0 '^nom_vpn: ESTABLISHED, initiator' $CTL1 show sa

expect "down on the initiator" 0 '' $CTL1 down nom_vpn
until_ok 5 none_on $CTL1 && until_ok 5 none_on $CTL2 &&
	ok "down deletes the SAs on both sides" ||
	fail "down deletes the SAs on both sides" "$($CTL1 show sa)" "$($CTL2 show sa)"
expect "up again" 0 '' $CTL1 up nom_vpn
until_ok 15 up_on $CTL2 && ok "up brings it back" ||
	fail "up brings it back" "$($CTL2 show sa)"

# ispi_of CTL...: the first IKE SA's initiator SPI
ispi_of() {
	"$@" show sa --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ispi"])'
}
for cmd in "reset vpn nom_vpn" "reset all"; do
	old=$(ispi_of $CTL1 2>/dev/null)
	expect "$cmd" 0 '' $CTL1 $cmd
	if until_ok 15 up_on $CTL1 && new=$(ispi_of $CTL1) && [ -n "$old" ] &&
	    [ "$new" != "$old" ] && until_ok 5 up_on $CTL2; then
		ok "$cmd: a new IKE SA replaces the old one"
	else
		fail "$cmd: a new IKE SA replaces the old one" "old $old new $new" \
		    "$($CTL1 show sa)" "$($CTL2 show sa)"
	fi
done
expect "show stats counts the SAs" 0 '^ike_sas +1$' $CTL1 show stats

kill -TERM $P1
wait $P1; rc1=$?
until_ok 5 none_on $CTL2 && ok "SIGTERM on gw1 sends DELETE: gw2 drops its SAs" ||
	fail "SIGTERM on gw1 sends DELETE: gw2 drops its SAs" "$($CTL2 show sa)"
kill -TERM $P2
wait $P2; rc2=$?
[ "$rc1$rc2" = 00 ] && ok "both exit 0 on SIGTERM" || fail "both exit 0 on SIGTERM" "$rc1 $rc2"
