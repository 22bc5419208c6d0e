# dns.sh - `peer = HOST` and `local = any` with the real resolver: two ikd
# (null backend) in two network namespaces made here, joined by a veth
# pair, with /etc/hosts replaced in a private mount namespace (the
# resolver stub).  The name is looked up at start and again for each
# initiation (the peer moved to another address), a name that does not
# resolve is logged and retried while the daemon carries on, and a passive
# VPN with a named peer answers the address the name gives.  The system
# call filter is on (the default): lookups run on libuv's thread pool.
SUITE=dns
. t/lib.sh

if [ "$(id -u)" != 0 ] || ! ip netns add "ikbdns$$x" 2>/dev/null; then
	ok "skipped: needs root and ip netns"
	exit 0
fi
ip netns del "ikbdns$$x"
NA=ikbdns$$a NB=ikbdns$$b
ROOT=$(cd "$TMP" && pwd)
P1= P2=
cleanup() {
	for p in $P1 $P2; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	ip netns del $NA 2>/dev/null
	ip netns del $NB 2>/dev/null
}
trap cleanup EXIT
ip netns add $NA && ip netns add $NB &&
	ip link add ikbdns$$ netns $NA type veth peer name ikbdns$$ netns $NB &&
	ip -n $NA addr add 192.0.2.1/24 dev ikbdns$$ &&
	ip -n $NB addr add 192.0.2.2/24 dev ikbdns$$ &&
	ip -n $NB addr add 192.0.2.3/24 dev ikbdns$$ &&
	for n in $NA $NB; do ip -n $n link set lo up && ip -n $n link set ikbdns$$ up; done &&
	ok "two namespaces joined by a veth pair" ||
	{ fail "two namespaces joined by a veth pair" "ip failed"; exit 0; }

printf '127.0.0.1 localhost\n192.0.2.1 gw1.test\n192.0.2.2 gw2.test\n' > "$ROOT/hosts"
# bg_in_ns NS CMD... & : CMD in namespace NS with our hosts file as
# /etc/hosts; exec all the way, so that $! is CMD's PID
bg_in_ns() {
	_ns=$1; shift
	exec unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec ip netns exec "$@"' \
	    "$ROOT/hosts" "$_ns" "$@"
}
ikd_global "$ROOT/gw1" 2
ikd_global "$ROOT/gw2" 2
# NAT detection on: with local = any, what gw1 hashes as its address must
# be the route's source, known before the first message
sed -i 's/^nat_traversal = no$/nat_traversal = yes/' "$ROOT/gw1/ikd.conf" "$ROOT/gw2/ikd.conf"
# gw1: active, from any local address, to gw2.test; srcid left to the
# address the kernel picks (gw2 checks it: dstid = 192.0.2.1)
lo_vpn "$ROOT/gw1/vpn.d/tun.conf" tun active any gw2.test key-dns-0123456789 "" \
	"dstid = 192.0.2.2" "10.1.0.0/24 10.2.0.0/24"
lo_vpn "$ROOT/gw1/vpn.d/lost.conf" lost active any nosuch.test key-dns-0123456789 "" \
	"" "10.5.0.0/24 10.6.0.0/24"
# gw2: passive, its peer by name
lo_vpn "$ROOT/gw2/vpn.d/tun.conf" tun passive 192.0.2.2 gw1.test key-dns-0123456789 "" \
	"dstid = 192.0.2.1" "10.2.0.0/24 10.1.0.0/24"
CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"

expect "cfgcheck takes peer = HOST and local = any without srcid" 0 '' \
	$IKEBOX cfgcheck -f "$ROOT/gw1/ikd.conf"

bg_in_ns $NB $IKEBOX ikd -d -v -f "$ROOT/gw2/ikd.conf" 2> "$ROOT/gw2.log" &
P2=$!
until_ok 5 $CTL2 show stats || fail "gw2 answers" "$(cat "$ROOT/gw2.log")"
bg_in_ns $NA $IKEBOX ikd -d -v -f "$ROOT/gw1/ikd.conf" 2> "$ROOT/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats || fail "gw1 answers" "$(cat "$ROOT/gw1.log")"

expect "gw1: tun comes up to the address gw2.test has" 0 '^tun: up, 1 CHILD SA$' \
	$CTL1 up tun -w 15
grep -q 'tun: peer gw2.test is 192.0.2.2$' "$ROOT/gw1.log" &&
	ok "gw1 logs what gw2.test resolved to" ||
	fail "gw1 logs what gw2.test resolved to" "$(cat "$ROOT/gw1.log")"
grep -q 'tun: peer gw1.test is 192.0.2.1$' "$ROOT/gw2.log" &&
	ok "gw2 (passive) looked gw1.test up at start" ||
	fail "gw2 (passive) looked gw1.test up at start" "$(cat "$ROOT/gw2.log")"
expect "gw1's IKE SA: local is the route's source, peer gw2.test's address" 0 \
	'"local":"192\.0\.2\.1:500","peer":"192\.0\.2\.2:500"' $CTL1 show sa tun --json
expect "no NAT seen by either side: the route's source was hashed" 0 \
	'"nat":"none"' $CTL2 show sa tun --json
grep -q 'lost: cannot resolve peer nosuch.test: .*; trying again in [0-9]* s' "$ROOT/gw1.log" &&
	ok "a name that does not resolve: one warning, retried" ||
	fail "a name that does not resolve: one warning, retried" "$(cat "$ROOT/gw1.log")"
kill -0 $P1 2>/dev/null && ok "gw1 carries on" || fail "gw1 carries on" "$(tail "$ROOT/gw1.log")"

# gw2 moves to 192.0.2.3 (and the name with it): its DELETE ends the IKE
# SA, and gw1's next initiation looks the name up again (the engine's
# tests cover the same after DPD).  gw1 still expects the ID 192.0.2.2.
kill -TERM $P2; wait $P2; P2=
sed -i 's/^local = 192.0.2.2/local = 192.0.2.3/; s/^\[flows\]/srcid = 192.0.2.2\n[flows]/' \
	"$ROOT/gw2/vpn.d/tun.conf"
printf '127.0.0.1 localhost\n192.0.2.1 gw1.test\n192.0.2.3 gw2.test\n' > "$ROOT/hosts"
bg_in_ns $NB $IKEBOX ikd -d -v -f "$ROOT/gw2/ikd.conf" 2> "$ROOT/gw2b.log" &
P2=$!
if until_ok 20 grep -q 'tun: peer gw2.test is now 192.0.2.3 (was 192.0.2.2)' "$ROOT/gw1.log"; then
	ok "gw1 looks gw2.test up again: the new address"
else
	fail "gw1 looks gw2.test up again: the new address" "$(tail -20 "$ROOT/gw1.log")"
fi
until_ok 20 sh -c "$CTL1 show sa tun --json | grep -q '\"state\":\"ESTABLISHED\".*192\.0\.2\.3:500'" &&
	ok "tun is up again, to 192.0.2.3" ||
	fail "tun is up again, to 192.0.2.3" "$($CTL1 show sa)" "$(tail -20 "$ROOT/gw1.log")"

kill -TERM $P1; wait $P1; rc1=$?; P1=
kill -TERM $P2; wait $P2; rc2=$?; P2=
[ "$rc1$rc2" = 00 ] && ok "both exit 0 on SIGTERM (no system call refused)" ||
	fail "both exit 0 on SIGTERM (no system call refused)" "$rc1 $rc2" "$(tail -5 "$ROOT/gw1.log")"
