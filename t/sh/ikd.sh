# ikd.sh - the daemon's life cycle with the null backend on loopback:
# -n on good and bad files, start in the foreground, the control socket
# (mode, JSON, errors, reload with a broken file), a second ikd refused,
# SIGTERM exits 0 and cleans up; the same detached (no -d).
# Ports: -P with a port derived from our PID, so parallel runs of the suite
# (other worktrees) do not collide; only processes started here are ended.
SUITE=ikd
. t/lib.sh

PORT=$((20000 + $$ % 20000))
# The configuration wants an absolute socket path.
D=$(cd "$TMP" && pwd)/gw
mkdir -p "$D/vpn.d"
cat > "$D/ikd.conf" <<EOF2
[global]
include = vpn.d/*.conf
backend = null
socket = $D/ikd.sock
EOF2
cat > "$D/vpn.d/nom_vpn.conf" <<EOF2
[vpn]
name = nom_vpn
mode = passive
local = 127.0.0.1
peer = 127.0.0.2
psk = PSK-TO-CONFIGURE
[flows]
flow = 203.0.113.0/25 203.0.113.128/25
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
chmod 600 "$D/vpn.d/nom_vpn.conf"
cp "$D/vpn.d/nom_vpn.conf" "$TMP/good.conf"
SOCK=$D/ikd.sock
CTL="$IKEBOX ikectl -s $SOCK"

# wait_up SOCK: up to 5 s for the daemon to answer
wait_up() {
	i=0
	while [ $i -lt 50 ]; do
		$IKEBOX ikectl -s "$1" show stats >/dev/null 2>&1 && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# wait_gone PID: up to 5 s for it to exit
wait_gone() {
	i=0
	while [ $i -lt 50 ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

expect "-n on a good file" 0 '^configuration OK$' $IKEBOX ikd -n -f "$D/ikd.conf"
mkdir -p "$TMP/bad/vpn.d"
sed "s|^socket.*|socket = $TMP/bad/ikd.sock|" "$D/ikd.conf" > "$TMP/bad/ikd.conf"
sed 's/^group = modp2048$/group = modp9999/' "$TMP/good.conf" > "$TMP/bad/vpn.d/nom_vpn.conf"
chmod 600 "$TMP/bad/vpn.d/nom_vpn.conf"
expect "-n on a bad file: file:line, exit 1" 1 \
	"vpn.d/nom_vpn.conf:[0-9]+:.*modp9999" $IKEBOX ikd -n -f "$TMP/bad/ikd.conf"
expect "start on a bad file: file:line, exit 1" 1 \
	"vpn.d/nom_vpn.conf:[0-9]+:.*modp9999" \
	$IKEBOX ikd -d -P $PORT -f "$TMP/bad/ikd.conf"
[ ! -e "$TMP/bad/ikd.sock" ] && ok "a bad file leaves no socket" ||
	fail "a bad file leaves no socket"
expect "bad -P" 2 "bad port" $IKEBOX ikd -d -P 70000 -f "$D/ikd.conf"

$IKEBOX ikd -d -v -P $PORT -f "$D/ikd.conf" 2> "$TMP/ikd.log" &
PID=$!
if wait_up "$SOCK"; then ok "ikd -d answers on its socket"; else
	fail "ikd -d answers on its socket" "$(cat "$TMP/ikd.log")"; fi
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ info: listening on 127.0.0.1:'$PORT'$' "$TMP/ikd.log" &&
	ok "-d logs to stderr with timestamps" ||
	fail "-d logs to stderr with timestamps" "$(cat "$TMP/ikd.log")"
[ "$(stat -c %a "$SOCK")" = 600 ] && ok "socket mode 0600" ||
	fail "socket mode 0600" "$(stat -c %a "$SOCK")"
[ "$(cat "$D/ikd.pid")" = "$PID" ] && ok "pid file beside the socket" ||
	fail "pid file beside the socket" "$(cat "$D/ikd.pid")"

expect "show sa --json" 0 '' $CTL show sa --json
printf '%s\n' "$OUT" | python3 -c 'import json,sys; v=json.load(sys.stdin); assert isinstance(v, list); [s["vpn"] for s in v]' 2>/dev/null &&
	ok "show sa --json is a JSON array" || fail "show sa --json is a JSON array" "$OUT"
printf '%s\n' "$OUT" | python3 -m json.tool >/dev/null 2>&1 &&
	ok "show sa --json passes json.tool" || fail "show sa --json passes json.tool" "$OUT"
expect "show sa NAME --json for a configured vpn" 0 '^\[' $CTL show sa nom_vpn --json
expect "show sa, text" 0 '' $CTL show sa
expect "show stats" 0 '^ike_sas +[0-9]+$' $CTL show stats
expect "show stats --json" 0 '"dropped":' $CTL show stats --json
printf '%s\n' "$OUT" | python3 -m json.tool >/dev/null 2>&1 &&
	ok "show stats --json is JSON" || fail "show stats --json is JSON" "$OUT"
expect "show sa of an unknown vpn: exit 1" 1 "^ikectl: unknown vpn 'nosuch'" $CTL show sa nosuch
expect "up an unknown vpn: exit 1" 1 "unknown vpn 'nosuch'" $CTL up nosuch
expect "unknown command: exit 1 with the list" 1 "unknown command 'frob'.*show sa" $CTL frob
expect "down an unknown vpn: exit 1" 1 "unknown vpn 'nosuch'" $CTL down nosuch
expect "reset vpn of an unknown vpn: exit 1" 1 "unknown vpn 'nosuch'" $CTL reset vpn nosuch
expect "up a known vpn" 0 '' $CTL up nom_vpn
expect "down a known vpn" 0 '' $CTL down nom_vpn
expect "reset vpn of a known vpn" 0 '' $CTL reset vpn nom_vpn
expect "reset all" 0 '' $CTL reset all
expect "log verbose" 0 '' $CTL log verbose
expect "log brief" 0 '' $CTL log brief
grep -q "info: control: log verbose" "$TMP/ikd.log" && ok "log verbose is logged" ||
	fail "log verbose is logged" "$(tail -3 "$TMP/ikd.log")"
expect "log with a bad word: exit 1" 1 "unknown command 'log loud'" $CTL log loud
expect "show stats with a stray word: exit 1" 1 "unknown command 'show stats'" $CTL show stats now
expect "reset without all or vpn: exit 1" 1 "unknown command 'reset everything'" $CTL reset everything
expect "reload with an argument: exit 1" 1 "unknown command 'reload x'" $CTL reload x
expect "show kernel (null backend): the daemon's flows and SAs" 0 '^FLOWS:$' $CTL show kernel
expect "show kernel --dump --keys" 0 '' $CTL show kernel --dump --keys
expect "--keys outside show kernel: exit 1" 1 "only apply to show kernel" $CTL show sa --keys
expect "monitor with an argument: exit 1" 1 "unknown command 'monitor all'" $CTL monitor all
expect "load without a file: exit 1" 1 "load: which file" $CTL load
expect "load of a missing file: exit 1, checked by ikectl" 1 \
	"^ikectl: load: nosuch.conf: No such file or directory$" $CTL load nosuch.conf
expect "load of the running file, relative: made absolute" 0 \
	"^reloaded $D/ikd.conf: 1 vpn\(s\)$" sh -c "cd '$D' && '$(readlink -f "$IKEBOX")' ikectl -s '$SOCK' load ikd.conf"
expect "reload: names what stays" 0 '^unchanged: nom_vpn$' $CTL reload

# monitor: streams what happens, stops when asked to
$CTL monitor > "$TMP/monitor.out" 2>&1 &
MPID=$!
sleep 0.3
$CTL reset vpn nom_vpn >/dev/null 2>&1
i=0
while [ $i -lt 50 ] && ! grep -q "control: reset vpn nom_vpn" "$TMP/monitor.out"; do
	sleep 0.1; i=$((i + 1))
done
grep -Eq '^[0-9-]+ [0-9:.]+ notice: control: reset vpn nom_vpn$' "$TMP/monitor.out" &&
	ok "monitor prints events as they happen" ||
	fail "monitor prints events" "$(cat "$TMP/monitor.out")"
kill $MPID; wait $MPID 2>/dev/null
expect "the daemon still serves after a monitor left" 0 '' $CTL show stats

cp "$TMP/bad/vpn.d/nom_vpn.conf" "$D/vpn.d/nom_vpn.conf"
expect "reload of a broken file: exit 1, file:line" 1 \
	"keeping the running configuration" $CTL reload
printf '%s\n' "$OUT" | grep -q 'nom_vpn.conf:[0-9]*:.*modp9999' &&
	ok "reload error names file:line" || fail "reload error names file:line" "$OUT"
expect "still serving after a failed reload" 0 '' $CTL show sa nom_vpn
cp "$TMP/good.conf" "$D/vpn.d/nom_vpn.conf"
expect "reload of a good file" 0 '' $CTL reload
kill -HUP $PID
sleep 0.2
grep -q "reloaded .*ikd.conf: 1 vpn" "$TMP/ikd.log" && ok "SIGHUP reloads" ||
	fail "SIGHUP reloads" "$(cat "$TMP/ikd.log")"

expect "a second ikd on the same socket refuses to start" 1 \
	"another ikd is running on $SOCK" $IKEBOX ikd -d -P $((PORT + 1)) -f "$D/ikd.conf"
kill -0 $PID 2>/dev/null && [ -S "$SOCK" ] &&
	ok "the first ikd and its socket survive" || fail "the first ikd and its socket survive"

kill -TERM $PID
wait $PID
rc=$?
[ $rc = 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit 0" "rc $rc" "$(cat "$TMP/ikd.log")"
[ ! -e "$SOCK" ] && [ ! -e "$D/ikd.pid" ] && ok "SIGTERM removes socket and pid file" ||
	fail "SIGTERM removes socket and pid file" "$(ls "$D")"
grep -q "deleting every SA and exiting" "$TMP/ikd.log" && ok "SIGTERM is logged" ||
	fail "SIGTERM is logged" "$(cat "$TMP/ikd.log")"

# -S: an active VPN only responds.  Without it, ikd initiates at start-up
# (a half-open SA towards 127.0.0.2, where nothing listens on PORT).
sed 's/^mode = passive$/mode = active/' "$TMP/good.conf" > "$D/vpn.d/nom_vpn.conf"
for opt in "" -S; do
	$IKEBOX ikd -d $opt -P $PORT -f "$D/ikd.conf" 2>> "$TMP/ikd-S.log" &
	PID=$!
	wait_up "$SOCK"
	n=$($CTL show sa --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	want=1; [ "$opt" = -S ] && want=0
	[ "$n" = $want ] && ok "active vpn ${opt:-without -S}: $want IKE SA" ||
		fail "active vpn ${opt:-without -S}: $want IKE SA" "$n" "$(cat "$TMP/ikd-S.log")"
	kill -TERM $PID
	wait $PID
done
cp "$TMP/good.conf" "$D/vpn.d/nom_vpn.conf"

# A VPN without `local`: the wildcard is bound instead.
sed 's/^local = .*/srcid = gw1.example.org/' "$TMP/good.conf" > "$D/vpn.d/nom_vpn.conf"
$IKEBOX ikd -d -v -P $PORT -f "$D/ikd.conf" 2> "$TMP/ikd-any.log" &
PID=$!
wait_up "$SOCK"
grep -q "listening on 0.0.0.0:$PORT\$" "$TMP/ikd-any.log" &&
	ok "no local: binds 0.0.0.0" || fail "no local: binds 0.0.0.0" "$(cat "$TMP/ikd-any.log")"
kill -TERM $PID
wait $PID
cp "$TMP/good.conf" "$D/vpn.d/nom_vpn.conf"

# Detached: the parent returns 0 once the daemon is ready.
expect "without -d: detaches, exit 0" 0 '' $IKEBOX ikd -P $PORT -f "$D/ikd.conf" -p "$TMP/bg.pid"
DPID=$(cat "$TMP/bg.pid" 2>/dev/null)
if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null && wait_up "$SOCK"; then
	ok "detached ikd runs and answers"
	# Started without -v (warnings only), yet monitor gets the events.
	$CTL monitor > "$TMP/monitor-bg.out" 2>&1 &
	MPID=$!
	sleep 0.3
	$CTL up nom_vpn >/dev/null 2>&1
	i=0
	while [ $i -lt 50 ] && ! grep -q "control: up nom_vpn" "$TMP/monitor-bg.out"; do
		sleep 0.1; i=$((i + 1))
	done
	grep -q "notice: control: up nom_vpn" "$TMP/monitor-bg.out" &&
		ok "monitor shows events even when ikd logs only warnings" ||
		fail "monitor shows events even when ikd logs only warnings" "$(cat "$TMP/monitor-bg.out")"
	kill $MPID; wait $MPID 2>/dev/null
	kill -TERM "$DPID"
	wait_gone "$DPID" && [ ! -e "$SOCK" ] && [ ! -e "$TMP/bg.pid" ] &&
		ok "detached ikd ends on SIGTERM and cleans up" ||
		fail "detached ikd ends on SIGTERM and cleans up"
else
	fail "detached ikd runs and answers" "pid '$DPID'"
fi
expect "without -d, a start-up error still reaches the terminal" 1 \
	"modp9999" $IKEBOX ikd -P $PORT -f "$TMP/bad/ikd.conf"
