# hooks.sh - up/down scripts (net/hooks.h): with `hooks = DIR`, each
# executable file of DIR runs when a tunnel comes up and when it goes down
# (ikectl down, and at ikd's exit), with ACTION, VPN, LOCAL, PEER,
# LOCAL_NETS and REMOTE_NETS in its environment, in name order; a failing
# script's exit status and a script past the time limit are logged; a file
# that is not executable is not run; ikd itself runs nothing (its seccomp
# filter forbids execve) - the runner forked before the drop does.  Null
# backend, loopback 127.N.M.1/2 from our PID, as root; only processes
# started here are ended, by PID.
SUITE=hooks
. t/lib.sh

lo_root_or_skip
P=$(lo_prefix 57)
A=$P.1 B=$P.2
ROOT=$(cd "$TMP" && pwd)
H=$ROOT/hooks
mkdir -p "$H"

for g in gw1 gw2; do ikd_global "$ROOT/$g" 0; done
echo "hooks = $H" >> "$ROOT/gw1/ikd.conf"
echo "hooks = none" >> "$ROOT/gw2/ikd.conf"
K=hooks-suite-psk-0123456789
lo_vpn "$ROOT/gw1/vpn.d/v.conf" v active $A $B $K "" "" \
    "10.1.0.0/24 10.2.0.0/24" "10.1.1.0/24 10.2.1.0/24"
lo_vpn "$ROOT/gw2/vpn.d/v.conf" v passive $B $A $K "" "" \
    "10.2.0.0/24 10.1.0.0/24" "10.2.1.0/24 10.1.1.0/24"
cat > "$H/10-record" <<EOF2
#!/bin/sh
echo "\$ACTION|\$VPN|\$LOCAL|\$PEER|\$LOCAL_NETS|\$REMOTE_NETS" >> "$ROOT/events"
EOF2
cat > "$H/20-fail" <<'EOF2'
#!/bin/sh
exit 3
EOF2
printf '#!/bin/sh\necho ran >> "%s/not-exec"\n' "$ROOT" > "$H/30-not-executable"
chmod 755 "$H/10-record" "$H/20-fail"
CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"
has() { grep -qxF "$1" "$ROOT/events" 2>/dev/null; }

$IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
until_ok 5 $CTL2 show stats
$IKEBOX ikd -d -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
UP="up|v|$A|$B|10.1.0.0/24 10.1.1.0/24|10.2.0.0/24 10.2.1.0/24"
DOWN="down|v|$A|$B|10.1.0.0/24 10.1.1.0/24|10.2.0.0/24 10.2.1.0/24"
if until_ok 15 has "$UP"; then
	ok "up: the script ran once both CHILD SAs were in, with the tunnel's addresses and nets"
else
	fail "up: the script ran with the tunnel's addresses and nets" \
	    "$(cat "$ROOT/events" 2>/dev/null)" "$(tail -5 "$TMP/gw1.log")"
fi
if until_ok 5 grep -q "hook $H/20-fail: exit 3" "$TMP/gw1.log"; then
	ok "a failing script's exit status is logged"
else
	fail "a failing script's exit status is logged" "$(tail -5 "$TMP/gw1.log")"
fi
$CTL1 down v >/dev/null
if until_ok 10 has "$DOWN"; then
	ok "ikectl down: the down script ran"
else
	fail "ikectl down: the down script ran" "$(cat "$ROOT/events")"
fi
$CTL1 up v >/dev/null
until_ok 15 sh -c "[ \$(grep -c '^up|' '$ROOT/events') = 2 ]"
kill $P1; wait $P1
if until_ok 5 sh -c "[ \$(grep -c '^down|' '$ROOT/events') = 2 ]"; then
	ok "ikd's exit: the down script ran for the tunnel that was up"
else
	fail "ikd's exit: the down script ran" "$(cat "$ROOT/events")"
fi
if [ ! -e "$ROOT/not-exec" ] && [ "$(grep -c . "$ROOT/events")" = 4 ]; then
	ok "a file that is not executable is not run; one event each, no more"
else
	fail "a file that is not executable is not run; one event each" \
	    "$(cat "$ROOT/events")"
fi
kill $P2; wait $P2
