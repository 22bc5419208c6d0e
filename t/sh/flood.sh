# flood.sh - a responder under a spoofed IKE_SA_INIT flood (issue 16, item
# 3): gw2 holds 10 tunnels with gw1 whose CHILD SAs rekey every ~9 s and a
# `peer any` VPN, while t/flood sends FLOOD_RATE requests a second (default
# 10,000) for FLOOD_SECONDS (default 10; `make bench-flood`: 30) from 250
# loopback addresses that never return a cookie.  Checked: the 10 tunnels
# keep rekeying, a new peer (gw3) gets its tunnel up within 10 s, the
# half-open count stays near the cookie threshold and returns to 0 after
# the half-open timeout, RSS stays under FLOOD_RSS_KB (default 16 MB), and
# the log does not grow with the flood.  Figures are printed as comments.
# Null backend, loopback addresses 127.N.M.1-3 and 127.N.(M+1).1-250 from
# our PID, as root; only the processes started here are ended, by PID.
SUITE=flood
. t/lib.sh

lo_root_or_skip
RATE=${FLOOD_RATE:-10000}
SECS=${FLOOD_SECONDS:-10}
RSS_MAX=${FLOOD_RSS_KB:-16384}
P=$(lo_prefix)
A=$P.1 B=$P.2 C=$P.3
SPOOF=${P%.*}.$(( (${P##*.} % 250) + 1 ))
[ "$SPOOF" = "$P" ] && SPOOF=${P%.*}.251
ROOT=$(cd "$TMP" && pwd)
if [ ! -x t/flood ]; then
	fail "t/flood is built" "run make t/flood"
	exit 0
fi

# vpn GW NAME MODE LOCAL PEER SRCID DSTID LOCALNET REMOTENET: CHILD SAs
# of 10 s
vpn() {
	lo_vpn "$ROOT/$1/vpn.d/$2.conf" $2 $3 $4 $5 \
	    "flood-suite-psk-$2-0123456789" "" \
	    "srcid = $6\ndstid = $7\nlifetime = 10" "$8 $9"
}
for g in gw1 gw2 gw3; do ikd_global "$ROOT/$g" 0; done
for i in 0 1 2 3 4 5 6 7 8 9; do
	vpn gw1 t$i active $A $B t$i.a.example t$i.b.example \
	    10.1.$i.0/24 10.2.$i.0/24
	vpn gw2 t$i passive $B $A t$i.b.example t$i.a.example \
	    10.2.$i.0/24 10.1.$i.0/24
done
vpn gw2 rw passive $B any rw.b.example any 10.9.0.0/16 10.10.0.0/16
vpn gw3 rw active $C $B new.c.example rw.b.example 10.10.3.0/24 \
    10.9.3.0/24

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"
CTL3="$IKEBOX ikectl -s $ROOT/gw3/ikd.sock"
stat2() {	# stat2 KEY: one counter of gw2's show stats
	$CTL2 show stats --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
tunnels_up() {	# tunnels_up CTL N: N IKE SAs up, each with its CHILD SA
	[ "$($1 show stats --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["ike_sas"], s["child_sas"] >= s["ike_sas"])')" = "$2 True" ]
}
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$1/status; }

$IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
until_ok 5 $CTL2 show stats
$IKEBOX ikd -d -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
P3=
cleanup() { kill $P1 $P2 $P3 2>/dev/null; wait 2>/dev/null; }
if until_ok 20 tunnels_up "$CTL1" 10; then
	ok "ten tunnels up before the flood"
else
	fail "ten tunnels up before the flood" "$($CTL1 show stats)" \
	    "$(tail -5 "$TMP/gw1.log" "$TMP/gw2.log")"
	cleanup
	exit 0
fi
rk0=$(stat2 rekeys_child)
rss0=$(rss_kb $P2)
log0=$(wc -l < "$TMP/gw2.log")

t/flood $B $RATE $SECS $SPOOF 250 > "$TMP/flood.out" 2> "$TMP/flood.err" &
PF=$!
sleep 1
$IKEBOX ikd -d -f "$ROOT/gw3/ikd.conf" 2> "$TMP/gw3.log" &
P3=$!
t3=$(date +%s%N)
up_ms=
peak=0 rss_peak=$rss0
while kill -0 $PF 2>/dev/null; do
	h=$(stat2 half_open 2>/dev/null || echo 0)
	[ "$h" -gt "$peak" ] && peak=$h
	r=$(rss_kb $P2); [ "$r" -gt "$rss_peak" ] && rss_peak=$r
	if [ -z "$up_ms" ] && tunnels_up "$CTL3" 1 2>/dev/null; then
		up_ms=$(( ($(date +%s%N) - t3) / 1000000 ))
	fi
	sleep 0.2
done
wait $PF
sent=$(cat "$TMP/flood.out")
if [ -z "$up_ms" ] && until_ok 10 tunnels_up "$CTL3" 1; then
	up_ms=$(( ($(date +%s%N) - t3) / 1000000 ))
fi
echo "# flood: $sent spoofed IKE_SA_INITs in ${SECS}s ($RATE/s asked), new peer up after ${up_ms:-never} ms, half-open peak $peak, RSS ${rss0} -> peak ${rss_peak} KiB, cookies $(stat2 cookies_sent), refused $(stat2 init_refused), log lines suppressed $(stat2 log_suppressed)"
if [ -n "$up_ms" ] && [ "$up_ms" -le 10000 ]; then
	ok "a new peer's tunnel comes up within 10 s during the flood"
else
	fail "a new peer's tunnel comes up within 10 s during the flood" \
	    "up after: ${up_ms:-never} ms" "$(tail -5 "$TMP/gw3.log")"
fi
# every tunnel rekeys at 85-95% of 10 s: after at least 10 s more than
# the start of the flood, each has rekeyed at least once
until_ok $(( SECS > 10 ? 2 : 12 - SECS )) sh -c "[ \$($CTL2 show stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"rekeys_child\"])') -ge $((rk0 + 10)) ]"
rk1=$(stat2 rekeys_child)
if [ $((rk1 - rk0)) -ge 10 ] && tunnels_up "$CTL1" 10; then
	ok "the ten tunnels kept rekeying ($((rk1 - rk0)) CHILD SA rekeys)"
else
	fail "the ten tunnels kept rekeying" "rekeys $rk0 -> $rk1" \
	    "$($CTL1 show stats)"
fi
if [ "$peak" -le 300 ]; then
	ok "half-open SAs stay near the cookie threshold (peak $peak)"
else
	fail "half-open SAs stay near the cookie threshold" "peak $peak"
fi
if [ "$rss_peak" -le "$RSS_MAX" ]; then
	ok "RSS under ${RSS_MAX} KiB (peak $rss_peak)"
else
	fail "RSS under ${RSS_MAX} KiB" "peak $rss_peak"
fi
log1=$(wc -l < "$TMP/gw2.log")
if [ $((log1 - log0)) -le $(( (SECS + 15) * 12 + 100 )) ]; then
	ok "the log does not grow with the flood ($((log1 - log0)) lines)"
else
	fail "the log does not grow with the flood" "$((log1 - log0)) lines" \
	    "$(sort "$TMP/gw2.log" | uniq -c | sort -rn | head -5)"
fi
if until_ok 40 sh -c "[ \$($CTL2 show stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"half_open\"])') = 0 ]"; then
	ok "half-open back to 0 after the flood"
else
	fail "half-open back to 0 after the flood" "$($CTL2 show stats)"
fi
cleanup
