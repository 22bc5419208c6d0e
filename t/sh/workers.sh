# workers.sh - `workers = N` in [global]: a responder computes its
# IKE_SA_INIT Diffie-Hellman on N threads of its own (seccomp on, after the
# privilege drop) and brings up several tunnels at once; `workers = 0`
# keeps it on the event loop; a reload that changes it says it waits for
# the next start; cfgcheck names a bad value with its file and line.
# A loopback pair (null backend, port 500, as root); only the processes
# started here are ended, by PID.
SUITE=workers
. t/lib.sh

BAD="$TMP/bad.conf"
printf '[global]\nbackend = null\nworkers = 65\n' > "$BAD"
expect "cfgcheck: workers above 64, with file:line and value" 1 \
	"$BAD:3: workers: expected auto or a number of threads from 0 to 64 \('65'\)" \
	$IKEBOX cfgcheck -f "$BAD"
printf '[global]\nbackend = null\nworkers = two\n' > "$BAD"
expect "cfgcheck: workers not a number" 1 "$BAD:3: workers: .*\('two'\)" \
	$IKEBOX cfgcheck -f "$BAD"
printf '[global]\nbackend = null\nworkers = auto\n' > "$BAD"
expect "cfgcheck: workers = auto" 0 '' $IKEBOX cfgcheck -f "$BAD"

lo_root_or_skip
P=$(lo_prefix 31)
A=$P.1 B=$P.2
ROOT=$(cd "$TMP" && pwd)
N=6

ikd_global "$ROOT/gw1" 0
ikd_global "$ROOT/gw2" 0
echo "workers = 0" >> "$ROOT/gw1/ikd.conf"
echo "workers = 2" >> "$ROOT/gw2/ikd.conf"
i=1
while [ $i -le $N ]; do
	lo_vpn "$ROOT/gw1/vpn.d/t$i.conf" t$i active $A $B key-$i-0123456789 \
	    curve25519 "srcid = t$i.a\ndstid = t$i.b" "10.$i.1.0/24 10.$i.2.0/24"
	lo_vpn "$ROOT/gw2/vpn.d/t$i.conf" t$i passive $B $A key-$i-0123456789 \
	    curve25519 "srcid = t$i.b\ndstid = t$i.a" "10.$i.2.0/24 10.$i.1.0/24"
	i=$((i + 1))
done

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"
$IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
until_ok 5 $CTL2 show stats || fail "gw2 answers" "$(cat "$TMP/gw2.log")"
$IKEBOX ikd -d -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats || fail "gw1 answers" "$(cat "$TMP/gw1.log")"

stat() {	# stat CTL NAME: one counter of show stats --json
	$1 show stats --json | python3 -c \
	    "import json,sys; print(json.load(sys.stdin)['$2'])"
}
until_ok 20 sh -c "[ \"\$($CTL2 show stats --json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[\"ike_sas\"])')\" = $N ]"

grep -q 'notice: Diffie-Hellman on 2 worker thread(s) (workers = 2)$' \
    "$TMP/gw2.log" && ok "gw2 says it computes on 2 worker threads" ||
	fail "gw2 says it computes on 2 worker threads" "$(cat "$TMP/gw2.log")"
grep -q 'notice: Diffie-Hellman on the event loop (workers = 0)$' \
    "$TMP/gw1.log" && ok "gw1 says it computes on the event loop" ||
	fail "gw1 says it computes on the event loop" "$(cat "$TMP/gw1.log")"
[ "$(stat "$CTL2" ike_sas)" = $N ] && ok "all $N tunnels up on the responder" ||
	fail "all $N tunnels up on the responder" "$($CTL2 show sa)"
[ "$(stat "$CTL1" ike_sas)" = $N ] && ok "all $N tunnels up on the initiator" ||
	fail "all $N tunnels up on the initiator" "$($CTL1 show sa)"
off=$(stat "$CTL2" dh_offloaded)
[ "$off" -ge $N ] && ok "gw2: every IKE_SA_INIT went to the workers ($off)" ||
	fail "gw2: every IKE_SA_INIT went to the workers" "dh_offloaded $off"
[ "$(stat "$CTL1" dh_offloaded)" = 0 ] && ok "gw1: none handed out" ||
	fail "gw1: none handed out" "$($CTL1 show stats)"
# the loop's thread and the two workers (no lookups: no libuv pool)
t2=$(ls /proc/$P2/task | wc -l)
t1=$(ls /proc/$P1/task | wc -l)
[ "$t2" = 3 ] && ok "gw2 runs 3 threads (loop + 2 workers)" ||
	fail "gw2 runs 3 threads (loop + 2 workers)" "$t2"
[ "$t1" = 1 ] && ok "gw1 runs 1 thread" || fail "gw1 runs 1 thread" "$t1"
# the workers live under the same filter and user as the loop
s_main=$(grep -E '^(Seccomp|Uid):' /proc/$P2/status | tr -s '\t ' ' ')
same=1
for t in /proc/$P2/task/*; do
	[ "$(grep -E '^(Seccomp|Uid):' $t/status | tr -s '\t ' ' ')" = "$s_main" ] ||
		same=0
done
[ $same = 1 ] && ok "every thread has the loop's user and seccomp mode" ||
	fail "every thread has the loop's user and seccomp mode" "$s_main"

sed -i 's/^workers = 2$/workers = 1/' "$ROOT/gw2/ikd.conf"
expect "reload: a workers change waits for the next start" 0 \
	'note: socket, backend and workers changes take effect at the next start' \
	$CTL2 reload
expect "the tunnels stay up over it" 0 '' $CTL2 show stats --json
[ "$(stat "$CTL2" ike_sas)" = $N ] && ok "still $N up after the reload" ||
	fail "still $N up after the reload" "$($CTL2 show sa)"

# auto: one thread per CPU ikd may run on; none when pinned to one
ikd_global "$ROOT/gw3" 0
echo "workers = auto" >> "$ROOT/gw3/ikd.conf"
auto_line() {	# auto_line LOG: ikd's Diffie-Hellman line
	sed -n 's/.*notice: \(Diffie-Hellman .*\)$/\1/p' "$1"
}
if command -v taskset >/dev/null 2>&1; then
	taskset -c 0 $IKEBOX ikd -d -f "$ROOT/gw3/ikd.conf" 2> "$TMP/gw3.log" &
	P3=$!
	until_ok 5 $IKEBOX ikectl -s "$ROOT/gw3/ikd.sock" show stats
	kill -TERM $P3; wait $P3
	[ "$(auto_line "$TMP/gw3.log")" = "Diffie-Hellman on the event loop (workers = auto)" ] &&
		ok "auto pinned to one CPU (taskset -c 0): on the event loop" ||
		fail "auto pinned to one CPU: on the event loop" "$(cat "$TMP/gw3.log")"
fi
ncpu=$(nproc)
$IKEBOX ikd -d -f "$ROOT/gw3/ikd.conf" 2> "$TMP/gw3.log" &
P3=$!
until_ok 5 $IKEBOX ikectl -s "$ROOT/gw3/ikd.sock" show stats
kill -TERM $P3; wait $P3
if [ "$ncpu" -gt 1 ]; then
	want="Diffie-Hellman on $ncpu worker thread(s) (workers = auto)"
else
	want="Diffie-Hellman on the event loop (workers = auto)"
fi
[ "$(auto_line "$TMP/gw3.log")" = "$want" ] && ok "auto on $ncpu CPU(s): $want" ||
	fail "auto on $ncpu CPU(s): $want" "$(cat "$TMP/gw3.log")"

kill -TERM $P1; wait $P1; rc1=$?
kill -TERM $P2; wait $P2; rc2=$?
[ "$rc1$rc2" = 00 ] && ok "both exit 0 on SIGTERM" || fail "both exit 0 on SIGTERM" "$rc1 $rc2"
