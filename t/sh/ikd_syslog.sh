# ikd_syslog.sh - what syslog really gets from `ikd -d` with `log = syslog`
# and `log = both`: each ikd runs in a mount namespace of its own where
# /dev/log is this test's datagram socket (an overlay over /dev, so the
# machine's /dev is left alone), and a small python3 receiver keeps every
# datagram.  Checked: the ident "ikd[PID]", the facility (daemon) and the
# priority of each line (notice for start, tunnel up, reload and stop;
# warning for authentication failures; err for a configuration that does
# not load), nothing below notice by default, nothing on stderr with
# `log = syslog`, and with `log = both` under systemd (INVOCATION_ID) the
# same lines on stderr with the matching "<N>".  Null backend, loopback
# addresses 127.N.M.1 / 127.N.M.2 from our PID, as root; only the processes
# started here are ended, by PID.
SUITE=ikd_syslog
. t/lib.sh

lo_root_or_skip
command -v unshare >/dev/null 2>&1 || { ok "skipped: no unshare"; exit 0; }
command -v python3 >/dev/null 2>&1 || { ok "skipped: no python3"; exit 0; }
P=$(lo_prefix 11)
A=$P.1 B=$P.2
ROOT=$(cd "$TMP" && pwd)

# The receiver: one line per datagram, as sent (a newline inside as \n).
cat > "$ROOT/recv.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(d.rstrip(b"\n").replace(b"\n", b"\\n") + b"\n")
PY
PIDS=	# still running: ended by PID if the script stops early
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

# devlog.sh DIR CMD...: CMD in a new mount namespace where /dev/log is
# DIR/devlog.sock; exec all the way, so that CMD keeps the PID of $!.
cat > "$ROOT/devlog.sh" <<'SH'
d=$1; shift
exec unshare -m --propagation private sh -c '
	set -e
	d=$1; shift
	mkdir -p "$d/ov"
	mount -t tmpfs none "$d/ov"
	mkdir "$d/ov/up" "$d/ov/work"
	mount -t overlay overlay \
	    -o "lowerdir=/dev,upperdir=$d/ov/up,workdir=$d/ov/work" /dev
	rm -f /dev/log
	touch /dev/log
	mount --bind "$d/devlog.sock" /dev/log
	exec "$@"' sh "$d" "$@"
SH
for n in 1 2; do
	mkdir -p "$ROOT/ns$n"
	python3 "$ROOT/recv.py" "$ROOT/ns$n/devlog.sock" "$TMP/syslog$n" &
	RECV="$RECV $!"
	PIDS=$RECV
	until_ok 5 test -S "$ROOT/ns$n/devlog.sock" ||
		fail "receiver $n listens" "no $ROOT/ns$n/devlog.sock"
done
# The namespace itself, before ikd relies on it.
sh "$ROOT/devlog.sh" "$ROOT/ns1" sh -c 'printf "<13>probe: hello" | python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.stdin.buffer.read(), \"/dev/log\")"' 2> "$TMP/probe.err"
if until_ok 5 grep -q '^<13>probe: hello$' "$TMP/syslog1"; then
	ok "/dev/log in the namespace reaches the test's receiver"
else
	ok "skipped: no mount namespace with /dev/log here: $(cat "$TMP/probe.err")"
	exit 0
fi
[ ! -e /dev/log ] || [ "$(stat -c %i /dev/log)" != "$(stat -c %i "$ROOT/ns1/devlog.sock")" ] &&
	ok "the machine's /dev is untouched" ||
	fail "the machine's /dev is untouched" "$(ls -la /dev/log)"
: > "$TMP/syslog1"

# vpn GW NAME MODE LOCAL PEER PSK LOCALNET REMOTENET
vpn() {
	lo_vpn "$ROOT/$1/vpn.d/$2.conf" $2 $3 $4 $5 $6 curve25519 \
	    "srcid = $4\ndstid = $5" "$7 $8"
}
ikd_global "$ROOT/gw1" 60
echo "log = syslog" >> "$ROOT/gw1/ikd.conf"
ikd_global "$ROOT/gw2" 60
echo "log = both" >> "$ROOT/gw2/ikd.conf"
vpn gw1 tun active $A $B good-key-0123456789 10.1.0.0/24 10.2.0.0/24
vpn gw2 tun passive $B $A good-key-0123456789 10.2.0.0/24 10.1.0.0/24

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"
# gw2 as under systemd: log = both, "<N>" on stderr
env -u JOURNAL_STREAM INVOCATION_ID=0123456789abcdef \
    sh "$ROOT/devlog.sh" "$ROOT/ns2" $IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.err" &
P2=$!
PIDS="$PIDS $P2"
until_ok 5 $CTL2 show stats
env -u JOURNAL_STREAM -u INVOCATION_ID \
    sh "$ROOT/devlog.sh" "$ROOT/ns1" $IKEBOX ikd -d -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.err" &
P1=$!
PIDS="$PIDS $P1"
until_ok 5 $CTL1 show stats && ok "both daemons answer" ||
	fail "both daemons answer" "$(cat "$TMP/gw1.err" "$TMP/gw2.err")"

# has DESC FILE PATTERN: FILE gets a line matching PATTERN within 10 s
has() {
	until_ok 10 grep -Eq -- "$3" "$2" && ok "$1" ||
		fail "$1" "no /$3/ in $2:" "$(cat "$2")"
}
# RFC 3164 header: <facility daemon (3) * 8 + severity>, time, ident[pid]
HDR='[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} ikd'
S1=$TMP/syslog1 S2=$TMP/syslog2
has "start: notice, ident ikd with its PID" "$S1" \
    "^<29>$HDR\[$P1\]: ikd started: 1 vpn\(s\), backend null, control $ROOT/gw1/ikd.sock\$"
has "IKE SA up: notice" "$S1" \
    "^<29>$HDR\[$P1\]: tun: spi=0x[0-9a-f]{16}: established IKE SA as initiator, peer $B:500 local $A:500, "
has "CHILD SA up: notice" "$S1" \
    "^<29>$HDR\[$P1\]: tun: spi=0x[0-9a-f]{16}: CHILD SA up: 10.1.0.0/24 === 10.2.0.0/24 spi in 0x"
has "log = both: the responder's IKE SA in syslog" "$S2" \
    "^<29>$HDR\[$P2\]: tun: spi=0x[0-9a-f]{16}: established IKE SA as responder, peer $A:500 local $B:500, "
has "log = both: and on stderr with <5>" "$TMP/gw2.err" \
    "^<5>notice: tun: spi=0x[0-9a-f]{16}: established IKE SA as responder, peer $A:500 local $B:500, "

# A wrong key: warning on both sides.
vpn gw1 tun active $A $B bad-key-0123456789 10.1.0.0/24 10.2.0.0/24
$CTL1 reload >/dev/null 2>&1
has "reload: notice" "$S1" "^<29>$HDR\[$P1\]: reloaded $ROOT/gw1/ikd.conf: 1 vpn\(s\)\$"
$CTL1 reset vpn tun >/dev/null
$CTL1 up tun >/dev/null
has "authentication failure (initiator): warning" "$S1" \
    "^<28>$HDR\[$P1\]: tun: spi=0x[0-9a-f]{16}: IKE_AUTH failed: peer answered AUTHENTICATION_FAILED"
has "authentication failure (responder): warning" "$S2" \
    "^<28>$HDR\[$P2\]: tun: spi=0x[0-9a-f]{16}: authentication failed: PSK mismatch, peer $A:500"

# A configuration that does not load: err, with its FILE:LINE.
printf 'lifetme = 1h\n' >> "$ROOT/gw1/vpn.d/tun.conf"
$CTL1 reload >/dev/null 2>&1
has "a bad reload: the file's error at err" "$S1" \
    "^<27>$HDR\[$P1\]: $ROOT/gw1/vpn.d/tun.conf:[0-9]+: .*'lifetme'"
has "a bad reload: keeping the running one, at err" "$S1" \
    "^<27>$HDR\[$P1\]: reload: $ROOT/gw1/ikd.conf has errors, keeping the running configuration\$"

kill -TERM $P1
wait $P1; rc1=$?
kill -TERM $P2
wait $P2; rc2=$?
PIDS=$RECV
[ "$rc1$rc2" = 00 ] && ok "both exit 0 on SIGTERM" || fail "both exit 0 on SIGTERM" "$rc1 $rc2"
has "stop: notice" "$S1" "^<29>$HDR\[$P1\]: ikd stopped\$"

# Every datagram is from ikd, facility daemon, notice or above.
for s in 1 2; do
	eval "pid=\$P$s"
	grep -Ev "^<2[789]>$HDR\[$pid\]: " "$TMP/syslog$s" | grep -q . &&
		fail "syslog $s: every line is ikd[$pid], daemon, err..notice" \
		    "$(grep -Ev "^<2[789]>$HDR\[$pid\]: " "$TMP/syslog$s")" ||
		ok "syslog $s: every line is ikd[$pid], daemon, err..notice"
done
[ ! -s "$TMP/gw1.err" ] && ok "log = syslog: nothing on stderr" ||
	fail "log = syslog: nothing on stderr" "$(cat "$TMP/gw1.err")"
# log = both: stderr's "<N>name: text" and syslog's "<24+N>...: text" are
# the same lines in the same order.
sed -E 's/^<([0-9])>[a-z]+: /\1 /' "$TMP/gw2.err" > "$TMP/both.err"
sed -E "s/^<([0-9]+)>$HDR\[[0-9]+\]: /\1 /" "$S2" |
    awk '{ p = $1 - 24; sub(/^[0-9]+ /, ""); print p " " $0 }' > "$TMP/both.sys"
if [ -s "$TMP/both.err" ] && cmp -s "$TMP/both.err" "$TMP/both.sys"; then
	ok "log = both: syslog and stderr carry the same lines and priorities"
else
	fail "log = both: syslog and stderr carry the same lines and priorities" \
	    "$(diff "$TMP/both.err" "$TMP/both.sys")"
fi
