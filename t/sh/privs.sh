# privs.sh - ikd gives up root after start-up (issue 16, item 7): with
# `user = nobody` it runs as that user with CAP_NET_ADMIN alone (also in
# its bounding set), no new privileges and a seccomp filter (as the
# kernel shows them in /proc/PID/status); a tunnel comes up between two
# such daemons; a reload works once the files are readable by the user
# and names the file when they are not; a system call the filter forbids
# kills ikd (SIGSYS); a configured user that does not exist stops ikd at
# start; `seccomp = no` leaves the filter off; without `user` and without
# an ikebox user, ikd stays root and says so.  Null backend, loopback
# 127.N.M.1/2 from our PID, as root; only processes started here are
# ended, by PID.
SUITE=privs
. t/lib.sh

lo_root_or_skip
if ! grep -q '^nobody:' /etc/passwd; then
	ok "skipped: no user nobody in /etc/passwd"
	exit 0
fi
P=$(lo_prefix 41)
A=$P.1 B=$P.2
ROOT=$(cd "$TMP" && pwd)
NOBODY=$(awk -F: '$1 == "nobody" {print $3}' /etc/passwd)

for g in gw1 gw2; do
	ikd_global "$ROOT/$g" 0
	echo "user = nobody" >> "$ROOT/$g/ikd.conf"
done
K=privs-suite-psk-0123456789
lo_vpn "$ROOT/gw1/vpn.d/v.conf" v active $A $B $K "" "" "10.1.0.0/24 10.2.0.0/24"
lo_vpn "$ROOT/gw2/vpn.d/v.conf" v passive $B $A $K "" "" "10.2.0.0/24 10.1.0.0/24"
CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"
status() {	# status PID KEY: the fields of KEY in /proc/PID/status
	awk -v k="$2:" '$1 == k {s = $2; for (i = 3; i <= NF; i++) s = s " " $i; print s}' /proc/$1/status
}
up() { $1 show sa | grep -q 'ESTABLISHED'; }

$IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
$IKEBOX ikd -d -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats; until_ok 5 $CTL2 show stats
if grep -q "dropped root: running as nobody (uid $NOBODY" "$TMP/gw1.log"; then
	ok "ikd says what it dropped"
else
	fail "ikd says what it dropped" "$(cat "$TMP/gw1.log")"
fi
uid=$(status $P1 Uid) capeff=$(status $P1 CapEff) capprm=$(status $P1 CapPrm)
capbnd=$(status $P1 CapBnd) nnp=$(status $P1 NoNewPrivs) sec=$(status $P1 Seccomp)
if [ "$uid" = "$NOBODY $NOBODY $NOBODY $NOBODY" ]; then
	ok "runs as nobody (real, effective, saved, fs uid $NOBODY)"
else
	fail "runs as nobody" "Uid: $uid"
fi
# CAP_NET_ADMIN is capability 12: bit 0x1000
if [ "$capeff" = 0000000000001000 ] && [ "$capprm" = 0000000000001000 ] &&
    [ "$capbnd" = 0000000000001000 ]; then
	ok "holds CAP_NET_ADMIN alone (effective, permitted, bounding)"
else
	fail "holds CAP_NET_ADMIN alone" "CapEff $capeff CapPrm $capprm CapBnd $capbnd"
fi
if [ "$nnp" = 1 ] && [ "$sec" = 2 ]; then
	ok "no new privileges, seccomp filter mode"
else
	fail "no new privileges, seccomp filter mode" "NoNewPrivs $nnp Seccomp $sec"
fi
if until_ok 10 up "$CTL1" && until_ok 5 up "$CTL2"; then
	ok "the tunnel comes up between two unprivileged daemons"
else
	fail "the tunnel comes up between two unprivileged daemons" \
	    "$($CTL1 show sa)" "$(tail -5 "$TMP/gw1.log" "$TMP/gw2.log")"
fi
expect "reload names the file nobody cannot read" 1 \
    "vpn.d/v.conf.*Permission denied|Permission denied.*vpn.d/v.conf" \
    $CTL1 reload
chown -R nobody "$ROOT/gw1"
expect "reload works once the files are the user's" 0 "" $CTL1 reload
if kill -0 $P1 2>/dev/null && up "$CTL1"; then
	ok "the daemon lives on after the reloads, tunnel up"
else
	fail "the daemon lives on after the reloads" "$(tail -5 "$TMP/gw1.log")"
fi
kill $P1 $P2
wait $P1 $P2

# A forbidden call kills ikd.
IKD_SECCOMP_PROBE=1 $IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/probe.log"
rc=$?
if [ $rc = 159 ] && grep -q "seccomp probe: calling personality" "$TMP/probe.log" &&
    ! grep -q "still alive" "$TMP/probe.log"; then
	ok "a system call the filter forbids kills ikd (SIGSYS, exit 159)"
else
	fail "a system call the filter forbids kills ikd" "exit $rc" "$(cat "$TMP/probe.log")"
fi

# A configured user that does not exist stops ikd at start.
sed -i 's/^user = nobody$/user = no-such-user-here/' "$ROOT/gw2/ikd.conf"
expect "a user that does not exist stops ikd" 1 \
    "cannot drop root: user no-such-user-here: no such user in /etc/passwd" \
    $IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf"

# seccomp = no; and the default without an ikebox user.
sed -i 's/^user = no-such-user-here$/user = nobody\nseccomp = no/' "$ROOT/gw2/ikd.conf"
$IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/nosec.log" &
P2=$!
until_ok 5 $CTL2 show stats
if [ "$(status $P2 Seccomp)" = 0 ] && [ "$(status $P2 NoNewPrivs)" = 1 ] &&
    grep -q "seccomp filter: off (seccomp = no)" "$TMP/nosec.log"; then
	ok "seccomp = no: no filter, still unprivileged"
else
	fail "seccomp = no" "Seccomp $(status $P2 Seccomp)" "$(cat "$TMP/nosec.log")"
fi
kill $P2; wait $P2
sed -i '/^user = nobody$/d; /^seccomp = no$/d' "$ROOT/gw2/ikd.conf"
if grep -q '^ikebox:' /etc/passwd; then
	ok "skipped: this machine has an ikebox user (the default drops to it)"
else
	$IKEBOX ikd -d -f "$ROOT/gw2/ikd.conf" 2> "$TMP/default.log" &
	P2=$!
	until_ok 5 $CTL2 show stats
	if [ "$(status $P2 Uid | cut -d' ' -f1)" = 0 ] && [ "$(status $P2 Seccomp)" = 2 ] &&
	    grep -q "running as root: no user ikebox in /etc/passwd" "$TMP/default.log"; then
		ok "no user set and no ikebox user: root, with a note, filter on"
	else
		fail "no user set and no ikebox user" "$(cat "$TMP/default.log")"
	fi
	kill $P2; wait $P2
fi
