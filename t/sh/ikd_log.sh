# ikd_log.sh - what `ikd -d` says at its default level (notice), on a
# loopback pair (null backend, port 500, as root): start and stop, each IKE
# SA and CHILD SA up and down with its peer, authentication failures and
# reloads, and nothing of the steps in between (info, debug).  `log =
# syslog` leaves stderr silent; under systemd (INVOCATION_ID set) stderr
# lines carry the sd-daemon(3) "<N>" priority instead of a timestamp.
# Addresses 127.N.M.1 / 127.N.M.2 from our PID; only the processes started
# here are ended, by PID.
SUITE=ikd_log
. t/lib.sh

lo_root_or_skip
P=$(lo_prefix 7)
A=$P.1 B=$P.2
ROOT=$(cd "$TMP" && pwd)

# vpn GW NAME MODE LOCAL PEER PSK LOCALNET REMOTENET
vpn() {
	lo_vpn "$ROOT/$1/vpn.d/$2.conf" $2 $3 $4 $5 $6 curve25519 \
	    "srcid = $4\ndstid = $5" "$7 $8"
}
ikd_global "$ROOT/gw1" 60
ikd_global "$ROOT/gw2" 60
vpn gw1 tun active $A $B good-key-0123456789 10.1.0.0/24 10.2.0.0/24
vpn gw2 tun passive $B $A good-key-0123456789 10.2.0.0/24 10.1.0.0/24

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"
# gw2 runs as under systemd: "<N>" prefixes on stderr
env -u JOURNAL_STREAM INVOCATION_ID=0123456789abcdef \
    $IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
until_ok 5 $CTL2 show stats
env -u JOURNAL_STREAM -u INVOCATION_ID \
    $IKEBOX ikd -d -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats && ok "both daemons answer" ||
	fail "both daemons answer" "$(tail -5 "$TMP/gw1.log" "$TMP/gw2.log")"

# has DESC FILE PATTERN: FILE gets a line matching PATTERN within 10 s
has() {
	until_ok 10 grep -Eq -- "$3" "$2" && ok "$1" ||
		fail "$1" "no /$3/ in $2:" "$(cat "$2")"
}
TS='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+'
has "start at notice" "$TMP/gw1.log" \
    "$TS notice: ikd started: 1 vpn\(s\), backend null, control $ROOT/gw1/ikd.sock\$"
has "IKE SA up with the peer" "$TMP/gw1.log" \
    "$TS notice: tun: spi=0x[0-9a-f]{16}: established IKE SA as initiator, peer $B:500 local $A:500, "
has "CHILD SA up with its flow" "$TMP/gw1.log" \
    "$TS notice: tun: spi=0x[0-9a-f]{16}: CHILD SA up: 10.1.0.0/24 === 10.2.0.0/24 spi in 0x"
has "systemd: <5> and no timestamp" "$TMP/gw2.log" \
    "^<5>notice: tun: spi=0x[0-9a-f]{16}: established IKE SA as responder, peer $A:500 local $B:500, "
has "systemd: the start line too" "$TMP/gw2.log" '^<5>notice: ikd started: '

$CTL1 reset vpn tun >/dev/null
$CTL1 down tun >/dev/null
has "down: our DELETE at notice" "$TMP/gw1.log" \
    "$TS notice: tun: spi=0x[0-9a-f]{16}: sent DELETE for the IKE SA\$"
has "down: the CHILD SA goes" "$TMP/gw1.log" \
    "$TS notice: tun: spi=0x[0-9a-f]{16}: CHILD SA down: spi in 0x"
has "down: the peer hears it" "$TMP/gw2.log" \
    "^<5>notice: tun: spi=0x[0-9a-f]{16}: IKE SA deleted by peer\$"

# A wrong key: both sides say so at their default level.
vpn gw1 tun active $A $B bad-key-0123456789 10.1.0.0/24 10.2.0.0/24
$CTL1 reload >/dev/null
has "reload at notice" "$TMP/gw1.log" "$TS notice: reloaded $ROOT/gw1/ikd.conf: 1 vpn\(s\)\$"
$CTL1 up tun >/dev/null
has "authentication failure (initiator)" "$TMP/gw1.log" \
    "$TS warning: tun: spi=0x[0-9a-f]{16}: IKE_AUTH failed: peer answered AUTHENTICATION_FAILED"
has "authentication failure (responder, <4>)" "$TMP/gw2.log" \
    "^<4>warning: tun: spi=0x[0-9a-f]{16}: authentication failed: PSK mismatch, peer $A:500"

kill -TERM $P1
wait $P1; rc1=$?
kill -TERM $P2
wait $P2; rc2=$?
[ "$rc1$rc2" = 00 ] && ok "both exit 0 on SIGTERM" || fail "both exit 0 on SIGTERM" "$rc1 $rc2"
has "stop at notice" "$TMP/gw1.log" "$TS notice: ikd stopped\$"
grep -Eq ' (info|debug): ' "$TMP/gw1.log" &&
	fail "nothing below notice by default" "$(grep -E ' (info|debug): ' "$TMP/gw1.log")" ||
	ok "nothing below notice by default"
grep -Ev '^<[2345]>(error|warning|notice): ' "$TMP/gw2.log" | grep -q . &&
	fail "systemd: every line has its <N> prefix" "$(grep -Ev '^<[2345]>' "$TMP/gw2.log")" ||
	ok "systemd: every line has its <N> prefix"

# log = syslog: -d keeps the foreground, stderr stays empty.
ikd_global "$ROOT/gw3" 60
echo "log = syslog" >> "$ROOT/gw3/ikd.conf"
vpn gw3 tun passive $B $A good-key-0123456789 10.2.0.0/24 10.1.0.0/24
# ... and its socket folder, missing, is made (/run/ikebox after a boot)
S3=$ROOT/gw3/run/ikebox/ikd.sock
env -u JOURNAL_STREAM -u INVOCATION_ID \
    $IKEBOX ikd -d -s "$S3" -f "$ROOT/gw3/ikd.conf" 2> "$TMP/gw3.log" &
P3=$!
until_ok 5 $IKEBOX ikectl -s "$S3" reload
[ "$(stat -c %a "$ROOT/gw3/run/ikebox")" = 700 ] && [ -S "$S3" ] &&
	ok "a missing socket folder is made, mode 700" ||
	fail "a missing socket folder is made, mode 700" "$(ls -la "$ROOT/gw3" "$ROOT/gw3/run" 2>&1)"
kill -TERM $P3
wait $P3; rc3=$?
[ "$rc3" = 0 ] && [ ! -s "$TMP/gw3.log" ] && ok "log = syslog: nothing on stderr" ||
	fail "log = syslog: nothing on stderr" "exit $rc3" "$(cat "$TMP/gw3.log")"
