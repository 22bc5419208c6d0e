# show_vpn.sh - `ikectl show vpn [NAME] [--json]` (and `show` alone): every
# configured VPN with its state as an admin needs it (up for how long,
# connecting, retrying in N s with the last error, down by ikectl, passive
# waiting), the peer, CHILD SAs per flows, last handshake, next rekey,
# traffic and the last error with its age.  A loopback pair (null backend,
# port 500, as root); addresses 127.N.M.1-3 from our PID; only the
# processes started here are ended, by PID.
SUITE=show_vpn
. t/lib.sh

lo_root_or_skip
P=$(lo_prefix 23)
A=$P.1 B=$P.2 C=$P.3
ROOT=$(cd "$TMP" && pwd)

ikd_global "$ROOT/gw1" 0
ikd_global "$ROOT/gw2" 0
lo_vpn "$ROOT/gw1/vpn.d/tun.conf" tun active $A $B key-tun-0123456789 "" \
	"ikelifetime = 3h" "10.1.0.0/24 10.2.0.0/24" "10.1.1.0/24 10.2.1.0/24"
lo_vpn "$ROOT/gw1/vpn.d/bad.conf" bad active $A $B key-xxx-0123456789 "" \
	"srcid = bad.$A\ndstid = bad.$B" "10.3.0.0/24 10.4.0.0/24"
lo_vpn "$ROOT/gw1/vpn.d/pas.conf" pas passive $A any key-pas-0123456789 "" \
	"srcid = pas.$A" "10.7.0.0/24 10.8.0.0/24"
lo_vpn "$ROOT/gw2/vpn.d/tun.conf" tun passive $B $A key-tun-0123456789 "" \
	"" "10.2.0.0/24 10.1.0.0/24" "10.2.1.0/24 10.1.1.0/24"
lo_vpn "$ROOT/gw2/vpn.d/bad.conf" bad passive $B $A key-bad-0123456789 "" \
	"srcid = bad.$B\ndstid = bad.$A" "10.4.0.0/24 10.3.0.0/24"

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
$IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
until_ok 5 $IKEBOX ikectl -s "$ROOT/gw2/ikd.sock" show stats
$IKEBOX ikd -d -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats || fail "gw1 answers" "$(cat "$TMP/gw1.log")"
until_ok 10 sh -c "$CTL1 show vpn tun | grep -q '^tun: up'"

expect "show vpn tun: up, for how long" 0 '^tun: up [0-9]+s$' $CTL1 show vpn tun
expect "show vpn tun: the peer" 0 "^  peer $B\$" $CTL1 show vpn tun
expect "show vpn tun: both flows' CHILD SAs" 0 '^  active, CHILD SAs 2 of 2 flows$' \
	$CTL1 show vpn tun
expect "show vpn tun: last handshake, human" 0 '^  last handshake [0-9]+s ago$' \
	$CTL1 show vpn tun
expect "show vpn tun: next rekey (ikelifetime 3h, 85-95 %)" 0 \
	'^  next rekey in 2h(3[2-9]|4[0-9]|5[01])m$' $CTL1 show vpn tun
expect "show vpn tun: traffic" 0 '^  traffic 0 B in, 0 B out$' $CTL1 show vpn tun
until_ok 10 sh -c "$CTL1 show vpn bad | grep -q '^  last error'"
expect "show vpn bad: retrying, with the peer's refusal" 0 \
	'^bad: (retrying in [0-9]+s|connecting)$' $CTL1 show vpn bad
expect "show vpn bad: the last error and its age" 0 \
	'^  last error [0-9]+s ago: IKE_AUTH failed: peer answered AUTHENTICATION_FAILED' \
	$CTL1 show vpn bad
expect "show vpn pas: passive, waiting" 0 '^pas: passive, waiting for the peer$' \
	$CTL1 show vpn pas
expect "show vpn pas: peer any" 0 '^  peer any$' $CTL1 show vpn pas
expect "show alone lists every VPN, in configuration order" 0 '' $CTL1 show
names=$(printf '%s\n' "$OUT" | grep -E '^[a-z]+: ' | cut -d: -f1 | tr '\n' ' ')
[ "$names" = "bad pas tun " ] && ok "show: bad pas tun" || fail "show: bad pas tun" "$OUT"

expect "show vpn --json" 0 '' $CTL1 show vpn --json
printf '%s' "$OUT" | python3 -c '
import json, sys
v = {x["vpn"]: x for x in json.load(sys.stdin)}
t, b, p = v["tun"], v["bad"], v["pas"]
assert t["state"] == "up" and t["mode"] == "active", t
assert t["children"] == 2 and t["flows"] == 2, t
assert isinstance(t["up_s"], int) and t["handshake_ago_s"] >= 0, t
assert 9170 <= t["rekey_in_s"] <= 10260, t
assert t["bytes_in"] == 0 and t["bytes_out"] == 0, t
assert "error" not in t, t
assert b["state"] in ("retrying", "connecting"), b
assert "AUTHENTICATION_FAILED" in b["error"] and b["error_ago_s"] >= 0, b
assert p["state"] == "passive" and p["peer"] == "any" and p["peer_ip"] is None, p
' && ok "show vpn --json: the same facts, typed" || fail "show vpn --json: the same facts, typed" "$OUT"

# ikectl monitor --json: one JSON object a line, for programs
$CTL1 monitor --json > "$TMP/mon.json" 2>&1 &
M=$!
until_ok 5 sh -c "$CTL1 show stats --json | grep -q ."
sleep 0.3
expect "down tun" 0 '' $CTL1 down tun -w 5
expect "show vpn tun after ikectl down: down, not 'no IKE SA'" 0 \
	'^tun: down \(ikectl down\)$' $CTL1 show vpn tun
expect "show vpn tun --json after down" 0 '"state":"down"' $CTL1 show vpn tun --json
expect "an unknown VPN: exit 1" 1 "^ikectl: unknown vpn 'nosuch'$" $CTL1 show vpn nosuch
expect "up tun again" 0 '^tun: up, 2 CHILD SAs$' $CTL1 up tun -w 10
sleep 0.3
kill $M; wait $M 2>/dev/null
python3 - "$TMP/mon.json" <<'PY' && ok "monitor --json: every line an object; tun's down and up with vpn, spi, level" ||
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert ev, "no events"
for e in ev:
    assert set(e) == {"time", "level", "vpn", "spi", "message"}, e
    assert e["level"] in ("err", "warning", "notice", "info", "debug"), e
up = [e for e in ev if e["vpn"] == "tun" and
      e["message"].startswith("established IKE SA as initiator")]
assert up and up[0]["level"] == "notice" and len(up[0]["spi"]) == 16, ev
ctl = [e for e in ev if e["vpn"] is None and e["message"] == "control: down tun"]
assert ctl, ev
PY
	fail "monitor --json: every line an object; tun's down and up with vpn, spi, level" "$(cat "$TMP/mon.json")"
expect "show vpn tun: up again" 0 '^tun: up [0-9]+s$' $CTL1 show vpn tun

# the counters agree with the tables (issue: show stats said 0 while
# show sa listed an SA)
n_sa=$($CTL1 show sa --json | python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["state"] == "ESTABLISHED"))')
n_st=$($CTL1 show stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"])')
[ "$n_sa" = "$n_st" ] && ok "show stats ike_sas = ESTABLISHED rows of show sa ($n_sa)" ||
	fail "show stats ike_sas = ESTABLISHED rows of show sa" "$n_sa vs $n_st"

kill -TERM $P1; wait $P1; rc1=$?
kill -TERM $P2; wait $P2; rc2=$?
[ "$rc1$rc2" = 00 ] && ok "both exit 0 on SIGTERM" || fail "both exit 0 on SIGTERM" "$rc1 $rc2"
