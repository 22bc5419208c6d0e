# hooks.sh - up/down scripts (net/hooks.h): with `hooks = DIR`, each
# executable file of DIR runs when a tunnel comes up and when it goes down
# (ikectl down, and at ikd's exit), with ACTION, VPN, LOCAL, PEER,
# LOCAL_NETS and REMOTE_NETS in its environment, in name order; a failing
# script's exit status and a script past the time limit are logged; a file
# that is not executable is not run; ikd itself runs nothing (its seccomp
# filter forbids execve) - the runner forked before the drop does.  Null
# backend, loopback 127.N.M.1/2 from our PID, as root; only processes
# started here are ended, by PID.  `updown = PATH` ([vpn], or every VPN's
# default in [global]) runs after the folder's scripts, same environment.
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
# updown: every VPN's default in [global]; gw1's VPN names its own
for g in gw1 gw2; do echo "updown = $ROOT/ud-global" >> "$ROOT/$g/ikd.conf"; done
K=hooks-suite-psk-0123456789
lo_vpn "$ROOT/gw1/vpn.d/v.conf" v active $A $B $K "" "updown = $ROOT/ud-v" \
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
for u in global v; do
	printf '#!/bin/sh\necho "%s|$ACTION|$VPN|$LOCAL|$REMOTE_NETS" >> "%s/events-ud"\n' \
	    "$u" "$ROOT" > "$ROOT/ud-$u"
done
chmod 755 "$H/10-record" "$H/20-fail" "$ROOT/ud-global" "$ROOT/ud-v"
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
# updown: the VPN's own script on gw1, the global default on gw2 (whose
# hooks folder is none), never the default where a VPN names its own
if until_ok 5 grep -qxF "v|up|v|$A|10.2.0.0/24 10.2.1.0/24" "$ROOT/events-ud" &&
	until_ok 5 grep -qxF "global|up|v|$B|10.1.0.0/24 10.1.1.0/24" "$ROOT/events-ud" &&
	! grep -q "^global|up|v|$A|" "$ROOT/events-ud"; then
	ok "updown: a VPN's own script, else [global]'s, with the same environment"
else
	fail "updown: a VPN's own script, else [global]'s" "$(cat "$ROOT/events-ud" 2>/dev/null)" \
	    "$(tail -5 "$TMP/gw1.log")"
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
if until_ok 5 grep -qxF "v|down|v|$A|10.2.0.0/24 10.2.1.0/24" "$ROOT/events-ud"; then
	ok "updown: the down event too"
else
	fail "updown: the down event too" "$(cat "$ROOT/events-ud")"
fi

# cfgcheck: a relative path is an error, a missing script a warning
ikd_global "$ROOT/chk" 0
lo_vpn "$ROOT/chk/vpn.d/r.conf" r active $A $B $K "" "updown = ud.sh" "10.1.0.0/24 10.2.0.0/24"
expect "updown: a relative path is refused with FILE:LINE" 1 \
	"r.conf:7: updown: expected an absolute path or none \('ud.sh'\)" \
	$IKEBOX cfgcheck -f "$ROOT/chk/ikd.conf"
lo_vpn "$ROOT/chk/vpn.d/r.conf" r active $A $B $K "" "updown = $ROOT/nosuch" "10.1.0.0/24 10.2.0.0/24"
expect "updown: a script not there yet is a warning" 0 \
	"r.conf:7: warning: updown: $ROOT/nosuch: No such file or directory; it runs only if" \
	$IKEBOX cfgcheck -f "$ROOT/chk/ikd.conf"
