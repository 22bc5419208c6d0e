# keepalive.sh - keepalive-pinger from the command line: argument and
# configuration errors (exit 2, a message that names the problem), then,
# as root, real pings: 127.0.0.1 answers (exit 0); inside network
# namespaces made here, a silenced loopback (icmp_echo_ignore_all) and a
# blackhole route give exit 1, an unprivileged user gets a clear "no
# permission" (exit 2) or, where ping_group_range allows, the ICMP ping
# socket; and watch mode logs a tunnel down, asks ikd (null backend, in
# the namespace) to reset the VPN, and logs it up again.
# Only loopback traffic, and only in namespaces this script made.
SUITE=keepalive
. t/lib.sh
KP="$IKEBOX keepalive-pinger"
ROOT=$(cd "$TMP" && pwd)

# ---- arguments --------------------------------------------------------------
expect "--help: usage on stdout, exit 0" 0 '^usage: keepalive-pinger -I SRC' $KP --help
expect "no arguments: usage, exit 2" 2 'give DEST \(one-shot\) or -f FILE' $KP
expect "DEST without -I" 2 '-I SRC is needed' $KP 127.0.0.1
expect "-I an interface name" 2 "-I: expected an IPv4 or IPv6 address \\('eth0'\\)" \
	$KP -I eth0 127.0.0.1
expect "DEST a host name (no DNS)" 2 "DEST: expected an IPv4 or IPv6 address \\('localhost'\\)" \
	$KP -I 127.0.0.1 localhost
expect "two DESTs" 2 "one DEST only \\('127.0.0.2'\\)" $KP -I 127.0.0.1 127.0.0.1 127.0.0.2
expect "IPv4 source, IPv6 target" 2 'not of the same address family' $KP -I 127.0.0.1 ::1
for c in 0 -1 x 1.5 99999999999; do
	expect "-c '$c'" 2 "-c: expected a count above 0 \\('$c'\\)" $KP -I 127.0.0.1 -c "$c" 127.0.0.1
done
for o in i w W; do
	for v in 0 abc 1.2345 -1 9999999; do
		expect "-$o '$v'" 2 "-$o: expected seconds above 0.*\\('$v'\\)" \
			$KP -I 127.0.0.1 -$o "$v" 127.0.0.1
	done
done
expect "-c without its value" 2 '-c needs a value' $KP -I 127.0.0.1 -c
expect "unknown option" 2 'unknown option -x' $KP -x -I 127.0.0.1 127.0.0.1
expect "-D with DEST" 2 '-D: only in watch mode' $KP -D -I 127.0.0.1 127.0.0.1
expect "-s with DEST" 2 '-s: only in watch mode' $KP -s /x.sock -I 127.0.0.1 127.0.0.1

# ---- configurations (watch mode) -------------------------------------------
# conf NAME KEEPALIVE-LINES : a null-backend configuration in $ROOT/NAME
conf() {
	mkdir -p "$ROOT/$1/vpn.d"
	printf '[global]\ninclude = vpn.d/*.conf\nbackend = null\nnat_traversal = no\nsocket = %s\n' \
		"$ROOT/$1/ikd.sock" > "$ROOT/$1/ikd.conf"
	printf '[vpn]\nname = lo_vpn\nmode = passive\nlocal = 127.0.0.1\npeer = 127.0.0.2\npsk = keepalive-test-secret\n[flows]\nflow = 127.0.0.0/24 127.0.0.0/24\nflow = 127.0.1.0/24 198.51.100.0/24\n%b' \
		"$2" > "$ROOT/$1/vpn.d/lo_vpn.conf"
	chmod 600 "$ROOT/$1/vpn.d/lo_vpn.conf"
}
F=$ROOT/none/ikd.conf
expect "-f a missing file" 2 "$F.*(No such file|cannot)" $KP -f "$F"
conf bad_fail '[keepalive]\nsource = 127.0.0.1\ntarget = 127.0.0.1\nfail_after = 0\n'
expect "fail_after = 0: file:line and the value" 2 \
	"lo_vpn.conf:13: fail_after: expected a count above 0 \\('0'\\)" $KP -f "$ROOT/bad_fail/ikd.conf"
conf bad_fail2 '[keepalive]\nsource = 127.0.0.1\ntarget = 127.0.0.1\nfail_after = 2.5\n'
expect "fail_after = 2.5: a count, not a duration" 2 \
	"lo_vpn.conf:13: fail_after: expected a count above 0 \\('2.5'\\)" $KP -f "$ROOT/bad_fail2/ikd.conf"
conf bad_int '[keepalive]\nsource = 127.0.0.1\ntarget = 127.0.0.1\ninterval = soon\n'
expect "interval = soon: file:line and the value" 2 \
	"lo_vpn.conf:13: interval: expected a duration above 0 \\('soon'\\)" $KP -f "$ROOT/bad_int/ikd.conf"
conf bad_src '[keepalive]\nsource = eth0\ntarget = 127.0.0.1\n'
expect "source = eth0" 2 "lo_vpn.conf:11: source: expected an IPv4 or IPv6 address \\('eth0'\\)" \
	$KP -f "$ROOT/bad_src/ikd.conf"
conf no_flow '[keepalive]\nsource = 127.0.1.1\ntarget = 127.0.0.1\n'
expect "source and target in no one flow: the pings would not cross" 2 \
	"lo_vpn.conf:11: \\[keepalive\\] source and target are not the two sides of one flow" \
	$KP -f "$ROOT/no_flow/ikd.conf"
conf no_ka ''
expect "no [keepalive] anywhere: nothing to watch" 2 \
	'no VPN in .* has a \[keepalive\] section: nothing to watch' $KP -f "$ROOT/no_ka/ikd.conf"
conf ok '[keepalive]\nsource = 127.0.0.1\ntarget = 127.0.0.1\ninterval = 1\nfail_after = 2\n'
expect "watch mode refuses one-shot options" 2 '-c: only for a one-shot ping' \
	$KP -f "$ROOT/ok/ikd.conf" -c 3
conf notlocal '[keepalive]\nsource = 198.51.100.7\ntarget = 203.0.113.9\n'
sed -i 's|^flow = 127.0.1.0/24 198.51.100.0/24|flow = 198.51.100.0/24 203.0.113.0/24|' \
	"$ROOT/notlocal/vpn.d/lo_vpn.conf"

if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
	ok "skipped: real pings need root and network namespaces"
	exit 0
fi

# ---- real pings on this machine's loopback ---------------------------------
expect "one-shot 127.0.0.1 -> 127.0.0.1: exit 0" 0 \
	'^2 packets transmitted, 2 received, 0% packet loss' $KP -I 127.0.0.1 -c 2 -i 0.2 127.0.0.1
expect "-q: only the summary" 0 \
	'^PING 127.0.0.1 \(127.0.0.1\) from 127.0.0.1 : 56\(84\) bytes' $KP -q -I 127.0.0.1 -c 1 127.0.0.1
case $OUT in *icmp_seq=*) fail "-q prints no reply lines" "$OUT" ;; *) ok "-q prints no reply lines" ;; esac
expect "replies are shown like ping's" 0 '^64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=' \
	$KP -I 127.0.0.1 -c 1 127.0.0.1
expect "the cron line: -c 60 -w 1 stops at the deadline, exit 0" 0 \
	'^[12] packets transmitted, [12] received.*time 1[0-9][0-9][0-9]ms' \
	$KP -q -I 127.0.0.1 -c 60 -w 1 127.0.0.1
expect "IPv6: ::1 -> ::1" 0 '1 received' $KP -q -I ::1 -c 1 ::1
expect "a source that is not local: exit 2" 2 \
	'source address 198.51.100.7 is not an address of this machine' \
	$KP -I 198.51.100.7 -c 1 127.0.0.1
expect "watch mode, a source that is not local: exit 2, VPN named" 2 \
	'lo_vpn: source address 198.51.100.7 is not an address of this machine' \
	$KP -f "$ROOT/notlocal/ikd.conf"
expect "target in no flow of the VPN whose flow holds SRC: warning, still pings" 0 \
	'warning: 127.0.0.1 is inside no flow of VPN lo_vpn: the pings from 127.0.1.1 would not enter the tunnel' \
	$KP -q -f "$ROOT/no_ka/ikd.conf" -I 127.0.1.1 -c 1 127.0.0.1
expect "SRC in no VPN's flow: warning" 0 \
	"warning: no VPN in $ROOT/no_ka/ikd.conf has a flow from ::1 to ::1" \
	$KP -q -f "$ROOT/no_ka/ikd.conf" -I ::1 -c 1 ::1
expect "both in one flow: no warning" 0 '' $KP -q -f "$ROOT/no_ka/ikd.conf" -I 127.0.0.1 -c 1 127.0.0.1
case $OUT in *warning*) fail "both in one flow: no warning" "$OUT" ;; *) ok "both in one flow: no warning printed" ;; esac
expect "a configuration that does not load: says it cannot check" 0 \
	"warning: cannot check that 127.0.0.1 -> 127.0.0.1 enters a tunnel: $ROOT/bad_int/ikd.conf does not load" \
	$KP -q -f "$ROOT/bad_int/ikd.conf" -I 127.0.0.1 -c 1 127.0.0.1

# ---- inside namespaces made here -------------------------------------------
# ns SCRIPT : runs SCRIPT with sh in a new network namespace, lo up
ns() { unshare -n sh -c "ip link set lo up; $1"; }
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
expect "no reply (the namespace's lo ignores echo): exit 1" 1 \
	'^5 packets transmitted, 0 received, 100% packet loss' \
	ns "echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all; $KP -q -I 127.0.0.1 -c 2 -i 0.2 -w 1 127.0.0.1"
expect "no reply, no deadline: -W bounds the wait, exit 1" 1 '^2 packets transmitted, 0 received' \
	ns "echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all; $KP -q -I 127.0.0.1 -c 2 -i 0.2 -W 0.5 127.0.0.1"
expect "blackhole route: the send error is shown once, exit 1" 1 \
	'send to 198.51.100.7: Invalid argument' \
	ns "ip addr add 192.0.2.1/32 dev lo; ip route add blackhole 198.51.100.0/24; $KP -q -I 192.0.2.1 -c 3 -i 0.2 -W 0.5 198.51.100.7"
[ "$(printf '%s\n' "$OUT" | grep -c 'send to')" = 1 ] && ok "blackhole: one error line for three sends" ||
	fail "blackhole: one error line for three sends" "$OUT"
expect "no raw socket and no ping_group_range: exit 2, says why" 2 \
	'no permission to open an ICMP socket: run as root.*ping_group_range' \
	ns "echo '1 0' > /proc/sys/net/ipv4/ping_group_range; $NOBODY $KP -I 127.0.0.1 -c 1 127.0.0.1"
expect "unprivileged ICMP socket where ping_group_range allows: exit 0" 0 \
	'^64 bytes from 127.0.0.1: icmp_seq=1 ttl=64' \
	ns "echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range; $NOBODY $KP -I 127.0.0.1 -c 1 127.0.0.1"
expect "non-root: -i below 0.2 s refused, as ping does" 2 '-i: below 0.2 s only root' \
	$NOBODY $KP -I 127.0.0.1 -i 0.1 127.0.0.1

# Watch mode against a real ikd (null backend, VPN passive, in the
# namespace): up, silence -> down + reset request, echo back -> up again.
W=$ROOT/watch.log
cat > "$ROOT/watch.sh" <<EOF
$IKEBOX ikd -d -v -f $ROOT/ok/ikd.conf -p $ROOT/ok/ikd.pid >$ROOT/ikd.log 2>&1 &
ikd=\$!
i=0; while [ ! -S $ROOT/ok/ikd.sock ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
$KP -f $ROOT/ok/ikd.conf >$W 2>&1 &
kp=\$!
waitfor() { i=0; while ! grep -q "\$1" $W 2>/dev/null && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done; }
waitfor 'tunnel up: reply'
echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all
waitfor 'ikd reset the VPN'
echo 0 > /proc/sys/net/ipv4/icmp_echo_ignore_all
waitfor 'tunnel up again'
kill -TERM \$kp; wait \$kp; echo "pinger exit \$?" >> $W
kill -TERM \$ikd; wait \$ikd
EOF
ns "sh $ROOT/watch.sh"
expect "watch: first reply logged" 0 'info: lo_vpn: tunnel up: reply from 127.0.0.1$' cat "$W"
expect "watch: silence logged after fail_after (2) misses" 0 \
	'warning: lo_vpn: tunnel down: no reply from 127.0.0.1 \(2 missed\)$' cat "$W"
expect "watch: asks ikd to reset the VPN" 0 'warning: lo_vpn: asking ikd to reset the VPN$' cat "$W"
expect "watch: ikd got 'reset vpn lo_vpn'" 0 'control: reset vpn lo_vpn' cat "$ROOT/ikd.log"
expect "watch: ikd's answer logged" 0 'info: lo_vpn: ikd reset the VPN$' cat "$W"
expect "watch: up again logged" 0 'warning: lo_vpn: tunnel up again: reply from 127.0.0.1 after [0-9]+ missed$' cat "$W"
expect "watch: SIGTERM ends it with exit 0" 0 '^pinger exit 0$' cat "$W"
# No ikd to ask: the reason is logged, watching goes on.
cat > "$ROOT/noikd.sh" <<EOF
echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all
$KP -f $ROOT/ok/ikd.conf -s $ROOT/none.sock >$ROOT/noikd.log 2>&1 &
kp=\$!
i=0; while ! grep -q 'no ikd running' $ROOT/noikd.log 2>/dev/null && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
kill -TERM \$kp; wait \$kp
EOF
ns "sh $ROOT/noikd.sh"
expect "watch without ikd: the reset's failure says why" 0 \
	"lo_vpn: cannot ask ikd to reset the VPN: no ikd running on $ROOT/none.sock: No such file or directory" \
	cat "$ROOT/noikd.log"
# -D: detaches at once (exit 0) and goes on watching.  In a PID namespace
# of its own, so that the detached process ends with the namespace.
cat > "$ROOT/detach.sh" <<EOF
echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all
$IKEBOX ikd -d -v -f $ROOT/ok/ikd.conf -p $ROOT/ok/ikd2.pid >$ROOT/ikd2.log 2>&1 &
ikd=\$!
i=0; while [ ! -S $ROOT/ok/ikd.sock ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
$KP -D -f $ROOT/ok/ikd.conf; echo "detach exit \$?"
i=0; while ! grep -q 'control: reset vpn' $ROOT/ikd2.log && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
kill -TERM \$ikd; wait \$ikd
EOF
OUT=$(unshare -n -p -f sh -c "ip link set lo up; sh $ROOT/detach.sh" 2>&1)
case $OUT in
"detach exit 0") ok "-D: exit 0 at once, nothing on the terminal" ;;
*) fail "-D: exit 0 at once, nothing on the terminal" "$OUT" ;;
esac
expect "-D: the detached watcher asked ikd to reset the silent VPN" 0 \
	'control: reset vpn lo_vpn' cat "$ROOT/ikd2.log"
