# ikd_reload.sh - hitless reload between two ikd (null backend, loopback,
# port 500 as root).  gw1 (active) and gw2 (passive) bring up three VPNs;
# gw1 then reloads with one removed, one added, one unchanged and one
# changed: the unchanged one keeps its SPIs and its uptime, gw2 sees the
# DELETE of the removed one (in `ikectl monitor` too), the added and the
# changed one come up (the changed one with new SPIs).  A reload with a
# broken file changes nothing and names file:line; `load FILE` and the
# how-to's `reset all` + `load FILE`; ipsecctl-sa reads the null backend
# from the daemon.  No python: JSON objects are one line each, read by sed.
# Each VPN has its own pair of addresses, 127.N.M.(2k-1) on gw1 and
# 127.N.M.2k on gw2 (N.M from our PID keeps parallel runs apart): a router
# with one VPN per peer, as in the how-to.  Only the processes started here
# are ended, by PID.
SUITE=ikd_reload
. t/lib.sh

lo_root_or_skip
P=$(lo_prefix 96)
ROOT=$(cd "$TMP" && pwd)

# vpn GW NAME MODE K SIDE [LIFETIME]: addresses of pair K, flow 10.K.SIDE.0/24
# to the other side's 10.K.OTHER.0/24
vpn() {
	g=$1 name=$2 mode=$3 k=$4 side=$5 life=${6:-3600}
	other=$((3 - side))
	set -- "$g" "$name" "$mode" "$P.$((2 * k - 2 + side))" "$P.$((2 * k - 2 + other))" "$k" "$side" "$life"
	cat > "$ROOT/$1/vpn.d/$2.conf" <<EOF2
[vpn]
name = $2
mode = $3
local = $4
peer = $5
psk = PSK-$2
lifetime = ${8:-3600}
[flows]
flow = 10.$6.$7.0/24 10.$6.$other.0/24
[ikesa]
enc = aes-256
auth = hmac-sha2-256
prf = hmac-sha2-256
group = curve25519
[childsa]
enc = aes-256
auth = hmac-sha1
EOF2
	chmod 600 "$ROOT/$1/vpn.d/$2.conf"
}
ikd_global "$ROOT/gw1" 0; ikd_global "$ROOT/gw2" 0
vpn gw1 keep active 1 1
vpn gw1 gone active 2 1
vpn gw1 change active 3 1
vpn gw2 keep passive 1 2
vpn gw2 gone passive 2 2
vpn gw2 change passive 3 2
vpn gw2 new passive 4 2

CTL1="$IKEBOX ikectl -s $ROOT/gw1/ikd.sock"
CTL2="$IKEBOX ikectl -s $ROOT/gw2/ikd.sock"

# obj CTL VPN: the VPN's IKE SA objects, one a line
obj() { $1 show sa "$2" --json 2>/dev/null | grep '^{'; }
# up CTL VPN: exactly one IKE SA, ESTABLISHED, with an INSTALLED child
up() {
	o=$(obj "$1" "$2")
	[ "$(printf '%s\n' "$o" | grep -c .)" = 1 ] &&
	    printf '%s' "$o" | grep -q '"state":"ESTABLISHED"' &&
	    printf '%s' "$o" | grep -q '"state":"INSTALLED"'
}
none() { [ -z "$(obj "$1" "$2")" ]; }
# ids CTL VPN: "ispi rspi spi_in spi_out" of its IKE SA
ids() {
	obj "$1" "$2" | sed -n 's/.*"ispi":"\([0-9a-f]*\)","rspi":"\([0-9a-f]*\)".*"spi_in":"\([0-9a-f]*\)","spi_out":"\([0-9a-f]*\)".*/\1 \2 \3 \4/p'
}
upsecs() { obj "$1" "$2" | sed -n 's/.*"up_s":\([0-9]*\).*/\1/p'; }

$IKEBOX ikd -d -vv -f "$ROOT/gw2/ikd.conf" 2> "$TMP/gw2.log" &
P2=$!
until_ok 5 $CTL2 show stats
$IKEBOX ikectl -s "$ROOT/gw2/ikd.sock" monitor > "$TMP/gw2.monitor" 2>&1 &
PM=$!
$IKEBOX ikd -d -vv -f "$ROOT/gw1/ikd.conf" 2> "$TMP/gw1.log" &
P1=$!
until_ok 5 $CTL1 show stats || fail "gw1 answers" "$(tail -5 "$TMP/gw1.log")"

allup=1
for v in keep gone change; do
	until_ok 20 up "$CTL1" $v && until_ok 5 up "$CTL2" $v || allup=0
done
[ $allup = 1 ] && ok "three VPNs up on both sides" ||
	fail "three VPNs up on both sides" "$($CTL1 show sa)" "$($CTL2 show sa)" \
	    "$(tail -20 "$TMP/gw1.log")"
none "$CTL2" new && ok "the fourth VPN, passive on gw2 only, is down" ||
	fail "the fourth VPN, passive on gw2 only, is down" "$($CTL2 show sa new)"

# ipsecctl-sa on the null backend: from the daemon
expect "ipsecctl-sa -f FILE (backend null): the daemon's flows" 0 \
	'flow esp out from 10\.1\.1\.0/24 to 10\.1\.2\.0/24 peer '"$P"'\.2 type require' \
	$IKEBOX ipsecctl-sa -f "$ROOT/gw1/ikd.conf"
expect "ipsecctl-sa -d: SAs with keys hidden" 0 \
	"^sa	esp	tunnel	$P\.1	$P\.2	0x[0-9a-f]{8}	[0-9]+	aes-256	\(hidden\)	hmac-sha1	\(hidden\)" \
	$IKEBOX ipsecctl-sa -d -s "$ROOT/gw1/ikd.sock"
expect "ipsecctl-sa -j -k: JSON with keys" 0 '"enckey": "[0-9a-f]{64}"' \
	$IKEBOX ipsecctl-sa -j -k -s "$ROOT/gw1/ikd.sock"
expect "ipsecctl-sa with no daemon: exit 1 and why" 1 "no ikd running on $ROOT/none.sock" \
	$IKEBOX ipsecctl-sa -s "$ROOT/none.sock"

keep1=$(ids "$CTL1" keep); keep2=$(ids "$CTL2" keep)
chg1=$(ids "$CTL1" change)
sleep 2
up0=$(upsecs "$CTL1" keep)

# The reload: gone removed, new added, change changed, keep untouched.
rm "$ROOT/gw1/vpn.d/gone.conf"
vpn gw1 new active 4 1
vpn gw1 change active 3 1 1800
expect "reload: exit 0 and what happens to each VPN" 0 '' $CTL1 reload
r=$OUT
for w in "unchanged: keep" "added: new" "changed: change" "removed: gone" \
    "reloaded $ROOT/gw1/ikd.conf: 3 vpn\(s\)"; do
	printf '%s\n' "$r" | grep -Eqx "$w" && ok "reload says '$w'" ||
		fail "reload says '$w'" "$r"
done
k=$(ids "$CTL1" keep)
[ -n "$k" ] && [ "$k" = "$keep1" ] && [ "$(ids "$CTL2" keep)" = "$keep2" ] &&
	ok "unchanged VPN: same IKE and CHILD SPIs on both sides ($k)" ||
	fail "unchanged VPN: same IKE and CHILD SPIs on both sides" \
	    "before $keep1 / $keep2" "after $k / $(ids "$CTL2" keep)"
up1=$(upsecs "$CTL1" keep)
[ -n "$up0" ] && [ "${up1:-0}" -ge "$up0" ] && [ "$up0" -ge 2 ] &&
	ok "unchanged VPN: its uptime goes on (${up0}s, then ${up1}s)" ||
	fail "unchanged VPN: its uptime goes on" "before '$up0' after '$up1'"
grep -q "keep: spi=.*: CHILD SA down" "$TMP/gw1.log" "$TMP/gw2.log" &&
	fail "unchanged VPN: no CHILD SA went down" "$(grep 'keep:' "$TMP/gw1.log" | tail -5)" ||
	ok "unchanged VPN: no CHILD SA went down on either side"
expect "removed VPN: unknown to gw1 now" 1 "unknown vpn 'gone'" $CTL1 show sa gone
until_ok 5 none "$CTL2" gone && ok "removed VPN: gw2's SAs for it are gone" ||
	fail "removed VPN: gw2's SAs for it are gone" "$($CTL2 show sa gone)"
grep -q "gone: spi=0x[0-9a-f]*: IKE SA deleted by peer" "$TMP/gw2.log" &&
	ok "removed VPN: gw2 got the DELETE" ||
	fail "removed VPN: gw2 got the DELETE" "$(grep gone "$TMP/gw2.log" | tail -5)"
until_ok 20 up "$CTL1" new && until_ok 5 up "$CTL2" new &&
	ok "added VPN: up on both sides" ||
	fail "added VPN: up on both sides" "$($CTL1 show sa new)" "$(tail -20 "$TMP/gw1.log")"
if until_ok 20 up "$CTL1" change && until_ok 5 up "$CTL2" change &&
    c=$(ids "$CTL1" change) && [ "${c%% *}" != "${chg1%% *}" ] &&
    [ "$(echo $c | cut -d' ' -f1,2)" = "$(ids "$CTL2" change | cut -d' ' -f1,2)" ]; then
	ok "changed VPN: restarted, new SPIs, both sides agree"
else
	fail "changed VPN: restarted, new SPIs, both sides agree" "old $chg1" \
	    "$($CTL1 show sa change)" "$($CTL2 show sa change)"
fi

# monitor on gw2 saw it happen, as it happened
grep -Eq '^[0-9-]+ [0-9:.]+ notice: gone: spi=0x[0-9a-f]+: IKE SA deleted by peer$' "$TMP/gw2.monitor" &&
	ok "monitor streams the peer's DELETE" ||
	fail "monitor streams the peer's DELETE" "$(cat "$TMP/gw2.monitor")"
grep -q "new: spi=0x[0-9a-f]*: CHILD SA up" "$TMP/gw2.monitor" &&
	ok "monitor streams the new CHILD SA" || fail "monitor streams the new CHILD SA" "$(cat "$TMP/gw2.monitor")"

# A broken file: nothing changes, the error names file:line.
snap() { for v in keep change new; do printf '%s=%s;' $v "$(ids "$CTL1" $v)"; done; }
s0=$(snap)
cp "$ROOT/gw1/vpn.d/new.conf" "$TMP/new.good"
sed -i 's/^group = curve25519$/group = modp9999/' "$ROOT/gw1/vpn.d/new.conf"
rm "$ROOT/gw1/vpn.d/keep.conf"
expect "reload of a broken file: exit 1, file:line" 1 \
	"vpn\.d/new\.conf:[0-9]+:.*modp9999" $CTL1 reload
printf '%s\n' "$OUT" | grep -q "keeping the running configuration" &&
	ok "reload of a broken file says the running one stays" ||
	fail "reload of a broken file says the running one stays" "$OUT"
sleep 0.5
[ "$(snap)" = "$s0" ] && ok "broken reload: every VPN keeps its SPIs" ||
	fail "broken reload: every VPN keeps its SPIs" "$s0" "$(snap)"
vpn gw1 keep active 1 1
cp "$TMP/new.good" "$ROOT/gw1/vpn.d/new.conf"; chmod 600 "$ROOT/gw1/vpn.d/new.conf"

# load FILE: another file, the same hitless rules.
mkdir -p "$ROOT/alt/vpn.d"
sed "s|^include = .*|include = $ROOT/gw1/vpn.d/keep.conf|" "$ROOT/gw1/ikd.conf" > "$ROOT/alt/ikd.conf"
expect "load FILE: only keep left" 0 '^removed: change new$' $CTL1 load "$ROOT/alt/ikd.conf"
[ "$(ids "$CTL1" keep)" = "$keep1" ] && ok "load FILE: keep untouched" ||
	fail "load FILE: keep untouched" "$keep1" "$(ids "$CTL1" keep)"
until_ok 5 none "$CTL2" new && until_ok 5 none "$CTL2" change &&
	ok "load FILE: the peer sees change and new deleted" ||
	fail "load FILE: the peer sees change and new deleted" "$($CTL2 show sa)"
expect "load of a missing file: exit 1" 1 "load: $ROOT/missing.conf: No such file" \
	$CTL1 load "$ROOT/missing.conf"
sed 's/^dpd_check_interval = .*/dpd_check_interval = often/' "$ROOT/gw1/ikd.conf" > "$TMP/broken.conf"
expect "load of a broken file: exit 1, file:line, nothing changes" 1 \
	'broken\.conf:[0-9]+:.*often' $CTL1 load "$TMP/broken.conf"
[ "$(ids "$CTL1" keep)" = "$keep1" ] && ok "a failed load keeps keep's SPIs" ||
	fail "a failed load keeps keep's SPIs"

# The how-to's "restart every VPN": reset all, then load the main file.
expect "reset all" 0 '' $CTL1 reset all
expect "load the main file again" 0 '^added: change new$' $CTL1 load "$ROOT/gw1/ikd.conf"
allup=1
for v in keep change new; do
	until_ok 20 up "$CTL1" $v && until_ok 5 up "$CTL2" $v || allup=0
done
[ $allup = 1 ] && [ "$(ids "$CTL1" keep)" != "$keep1" ] &&
	ok "reset all + load: every VPN back, keep with new SPIs" ||
	fail "reset all + load: every VPN back, keep with new SPIs" "$($CTL1 show sa)"
expect "reload reads the loaded file from now on" 0 \
	"reloaded $ROOT/gw1/ikd.conf" $CTL1 reload

kill -TERM $P1; wait $P1; rc1=$?
kill -TERM $P2; wait $P2; rc2=$?
wait $PM; rcm=$?
[ "$rc1$rc2" = 00 ] && ok "both ikd exit 0 on SIGTERM" || fail "both ikd exit 0 on SIGTERM" "$rc1 $rc2"
[ $rcm = 0 ] && grep -q "deleting every SA and exiting" "$TMP/gw2.monitor" &&
	ok "monitor: shows the daemon stopping, exits 0 when it goes" ||
	fail "monitor: shows the daemon stopping, exits 0 when it goes" "rc $rcm" "$(tail -3 "$TMP/gw2.monitor")"
