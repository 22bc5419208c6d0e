#!/bin/bash
# cases.sh - runs INSIDE the UML guest (started by t/uml/run.sh through
# uml-run.sh): the PF_KEY backend against a real Linux kernel.
#
# Builds the how-to's topology, then, through t/uml/kbe-tool (which links
# net/kbe_pfkey.c) and ./ikebox ipsecctl-sa:
#   (a) SADB_REGISTER lists the ESP algorithms
#   (e) GETSPI hands out distinct SPIs inside ikebox's range
#   (b) manual SAs + in/out/fwd policies on gw1 and gw2 carry host1 -> host2
#       pings through ESP (no SA: the router drops them), per-SPI kernel
#       counters grow, for aes-256/hmac-sha1, aes-128/hmac-sha2-512 and
#       aes-192/hmac-sha2-384; refused transforms and kernel errors come
#       back as one line naming the VPN
#   (c) ipsecctl-sa, -k, -d, -j show those flows and SAs
#   (d) deleting through the backend takes the tunnel down; flush_own
#       removes only ikebox's entries
#   (f) SADB_ACQUIRE and SADB_EXPIRE (soft, hard) arrive as events
# Prints "ok uml: ..." / "FAIL uml: ..." lines and "uml-cases: done" last.
set -u
H=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$H/lib.sh"
ROOT=$(cd "$H/../.." && pwd)
TOOL=$ROOT/t/uml/kbe-tool
IKEBOX=$ROOT/ikebox
S=$HARNESS_STATE
mkdir -p "$S"

ok() { echo "ok uml: $1"; }
fail() {
	echo "FAIL uml: $1"; shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}

# kt NETNS ARGS... : kbe-tool in a gateway; output in $OUT, status in $RC
kt() { local n=$1; shift; OUT=$(ip netns exec "$n" "$TOOL" "$@" 2>&1); RC=$?; }
# sactl NETNS ARGS... : ipsecctl-sa in a gateway
sactl() { local n=$1; shift; OUT=$(ip netns exec "$n" "$IKEBOX" ipsecctl-sa "$@" 2>&1); RC=$?; }
# key HEXBYTE N : N bytes of HEXBYTE, as hex
key() { local k='' i; for ((i = 0; i < $2; i++)); do k+=$1; done; echo "$k"; }
has_line() { printf '%s\n' "$1" | grep -qxF -- "$2"; }
ping_lan() { ip netns exec "$NS_HOST1" ping -n -q -c "${1:-3}" -i 0.2 -W 1 "$HOST2" >/dev/null 2>&1; }

REQID=0x2001	# 8193: inside ikebox's own range 0x2000-0x3fff
FAILS=0
step_fail() { FAILS=$((FAILS + 1)); fail "$@"; }

# ---- topology ---------------------------------------------------------------
"$H/topo.sh" up || { step_fail "topology: could not build the namespaces"; echo "uml-cases: done"; exit 1; }
if "$H/topo.sh" check; then
	ok "(b) without SAs, ping host1 -> host2 is dropped by the router (only ESP can cross)"
else
	step_fail "(b) topology check: public side routed, LAN-to-LAN blocked" "$("$H/topo.sh" show)"
fi

# ---- (a) SADB_REGISTER ------------------------------------------------------
kt "$NS_GW1" algs
if [ $RC = 0 ] && has_line "$OUT" "enc aes-cbc id 12 bits 128-256" &&
    printf '%s\n' "$OUT" | grep -q '^auth hmac-sha1 id 3 ' &&
    printf '%s\n' "$OUT" | grep -q '^auth hmac-sha2-384 id 6 ' &&
    printf '%s\n' "$OUT" | grep -q '^auth hmac-sha2-512 id 7 '; then
	ok "(a) SADB_REGISTER lists aes-cbc (128-256 bits), hmac-sha1, hmac-sha2-384, hmac-sha2-512 ($(printf '%s\n' "$OUT" | wc -l) algorithms)"
else
	step_fail "(a) SADB_REGISTER lists the ESP algorithms" "exit $RC" "$OUT"
fi

# ---- (e) GETSPI ---------------------------------------------------------------
kt "$NS_GW1" spi "$GW2_PUB" "$GW1_PUB" 0x2100 16
spis=$OUT
n_uniq=$(printf '%s\n' "$spis" | grep -c '^0x')
n_dist=$(printf '%s\n' "$spis" | grep '^0x' | sort -u | wc -l)
bad_range=$(printf '%s\n' "$spis" | grep '^0x' | while read -r s; do
	[ $((s)) -ge $((0xc0000000)) ] && [ $((s)) -le $((0xcfffffff)) ] || echo "$s"; done)
if [ $RC = 0 ] && [ "$n_uniq" = 16 ] && [ "$n_dist" = 16 ] && [ -z "$bad_range" ]; then
	ok "(e) 16 GETSPI calls gave 16 distinct SPIs in 0xc0000000-0xcfffffff ($(printf '%s\n' "$spis" | head -n 2 | tr '\n' ' ')...)"
else
	step_fail "(e) GETSPI returns distinct SPIs in range" "exit $RC, $n_uniq SPIs, $n_dist distinct, out of range: $bad_range" "$spis"
fi
n_larval=$(xfrm_count "$NS_GW1")
kt "$NS_GW1" flush-own
if [ $RC = 0 ] && [ "$n_larval" -ge 16 ] && [ "$(xfrm_count "$NS_GW1")" = 0 ]; then
	ok "(e) the $n_larval reserved SPIs are visible in the kernel and flush-own removes them"
else
	step_fail "(e) reserved SPIs removed by flush-own" "before: $n_larval states; after: $(xfrm_count "$NS_GW1"); $OUT" "$(ip -n "$NS_GW1" xfrm state | head -n 20)"
fi

# ---- (b) install SAs and policies through the backend ---------------------
# install ENC AUTH ENCBYTES AUTHBYTES : one tunnel LAN1 <-> LAN2, inbound
# SPIs from GETSPI + SADB_UPDATE, outbound with SADB_ADD, 3 policies each
# side.  Sets SPI1 (gw1's inbound) and SPI2 (gw2's inbound); 0 if all went in.
install() {
	local enc=$1 auth=$2 eb=$3 ab=$4 err=''
	KE12=$(key e1 "$eb"); KA12=$(key a1 "$ab")
	KE21=$(key e2 "$eb"); KA21=$(key a2 "$ab")
	kt "$NS_GW1" spi "$GW2_PUB" "$GW1_PUB" $REQID; SPI1=$OUT; [ $RC = 0 ] || err+="gw1 spi: $OUT; "
	kt "$NS_GW2" spi "$GW1_PUB" "$GW2_PUB" $REQID; SPI2=$OUT; [ $RC = 0 ] || err+="gw2 spi: $OUT; "
	# One process per gateway, as the daemon keeps one backend open.
	kt "$NS_GW1" sa-update "$GW2_PUB" "$GW1_PUB" "$SPI1" $REQID "$enc" "$KE21" "$auth" "$KA21" \
	    + sa-add "$GW1_PUB" "$GW2_PUB" "$SPI2" $REQID "$enc" "$KE12" "$auth" "$KA12" \
	    + pol-add out "$LAN1" "$LAN2" "$GW1_PUB" "$GW2_PUB" $REQID \
	    + pol-add in "$LAN2" "$LAN1" "$GW2_PUB" "$GW1_PUB" $REQID \
	    + pol-add fwd "$LAN2" "$LAN1" "$GW2_PUB" "$GW1_PUB" $REQID
	[ $RC = 0 ] || err+="gw1: $OUT; "
	kt "$NS_GW2" sa-update "$GW1_PUB" "$GW2_PUB" "$SPI2" $REQID "$enc" "$KE12" "$auth" "$KA12" \
	    + sa-add "$GW2_PUB" "$GW1_PUB" "$SPI1" $REQID "$enc" "$KE21" "$auth" "$KA21" \
	    + pol-add out "$LAN2" "$LAN1" "$GW2_PUB" "$GW1_PUB" $REQID \
	    + pol-add in "$LAN1" "$LAN2" "$GW1_PUB" "$GW2_PUB" $REQID \
	    + pol-add fwd "$LAN1" "$LAN2" "$GW1_PUB" "$GW2_PUB" $REQID
	[ $RC = 0 ] || err+="gw2: $OUT; "
	INSTALL_ERR=$err
	[ -z "$err" ]
}

# tunnel_check LABEL : 5 pings through, every SA counter on the way grows
tunnel_check() {
	local out0 in0 back0 out in back
	out0=$(xfrm_spi_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB")
	in0=$(xfrm_spi_pkts "$NS_GW2" "$GW1_PUB" "$GW2_PUB")
	back0=$(xfrm_spi_pkts "$NS_GW1" "$GW2_PUB" "$GW1_PUB")
	if ! ping_lan 5; then
		step_fail "(b) $1: ping host1 -> host2 through ESP" \
		    "$(ip -n "$NS_GW1" -s xfrm state)" "$(ip -n "$NS_GW1" xfrm policy)"
		return 1
	fi
	out=$(xfrm_delta "$out0" "$(xfrm_spi_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB")")
	in=$(xfrm_delta "$in0" "$(xfrm_spi_pkts "$NS_GW2" "$GW1_PUB" "$GW2_PUB")")
	back=$(xfrm_delta "$back0" "$(xfrm_spi_pkts "$NS_GW1" "$GW2_PUB" "$GW1_PUB")")
	if [ "$out" -ge 5 ] && [ "$in" -ge 5 ] && [ "$back" -ge 5 ]; then
		ok "(b) $1: 5/5 pings host1 -> host2 pass; ESP packets on SPI $SPI2 gw1 out +$out, gw2 in +$in, replies on SPI $SPI1 +$back"
	else
		step_fail "(b) $1: per-SPI counters grow" "gw1 out +$out, gw2 in +$in, gw1 in +$back (want >= 5)"
		return 1
	fi
}

flush_both() { kt "$NS_GW1" flush-own; kt "$NS_GW2" flush-own; }

if install aes-256 hmac-sha1 32 20; then
	ok "(b) aes-256 + hmac-sha1: inbound SPIs from GETSPI ($SPI1 on gw1, $SPI2 on gw2), SAs and in/out/fwd policies installed through PF_KEY"
	tunnel_check "aes-256 + hmac-sha1"
	kt "$NS_GW1" stats "$GW1_PUB" "$GW2_PUB" "$SPI2"
	kern=$(xfrm_spi_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB" | awk -v s="$SPI2" '$1 == s { print $2 }')
	if [ $RC = 0 ] && [ "$OUT" != "" ] && [ "${OUT##* }" = "$kern" ] && [ "$kern" -ge 5 ]; then
		ok "(b) sa_stats (SADB_GET) reports the kernel's counters: $OUT"
	else
		step_fail "(b) sa_stats matches ip -s xfrm state" "backend: $OUT (exit $RC); kernel packets: $kern"
	fi
	# The bytes `ikectl show sa` reports: 5 more pings of 84-byte IPv4
	# packets add at least 420 bytes to gw1's outbound and gw2's inbound SA.
	kt "$NS_GW1" stats "$GW1_PUB" "$GW2_PUB" "$SPI2"; o0=$OUT
	kt "$NS_GW2" stats "$GW1_PUB" "$GW2_PUB" "$SPI2"; i0=$OUT
	ping_lan 5
	kt "$NS_GW1" stats "$GW1_PUB" "$GW2_PUB" "$SPI2"; o1=$OUT
	kt "$NS_GW2" stats "$GW1_PUB" "$GW2_PUB" "$SPI2"; i1=$OUT
	bo=$(( $(echo "$o1" | awk '{ print $2 }') - $(echo "$o0" | awk '{ print $2 }') ))
	bi=$(( $(echo "$i1" | awk '{ print $2 }') - $(echo "$i0" | awk '{ print $2 }') ))
	if [ "$bo" -ge 420 ] && [ "$bi" -ge 420 ]; then
		ok "(b) sa_stats byte counters grow with traffic: gw1 out +$bo bytes, gw2 in +$bi bytes after 5 pings"
	else
		step_fail "(b) sa_stats byte counters grow after 5 pings" "gw1 out: $o0 -> $o1" "gw2 in: $i0 -> $i1"
	fi
else
	step_fail "(b) aes-256 + hmac-sha1 SAs and policies installed" "$INSTALL_ERR"
fi

# Refusals and kernel errors: one line, naming the VPN, nothing installed.
kt "$NS_GW1" sa-add "$GW1_PUB" "$GW2_PUB" 0xc0000099 $REQID aes-128 "$(key 11 16)" hmac-sha2-256 "$(key 22 32)"
if [ $RC = 1 ] && printf '%s' "$OUT" | grep -q 'vpn uml-test: add SA spi 0xc0000099 192.0.2.254 -> 198.51.100.254: hmac-sha2-256 is truncated to 96 bits by Linux PF_KEY'; then
	ok "(b) hmac-sha2-256 is refused before reaching the kernel: $OUT"
else
	step_fail "(b) hmac-sha2-256 refused with a clear message" "exit $RC: $OUT"
fi
kt "$NS_GW1" sa-add "$GW1_PUB" "$GW2_PUB" 0xc0000098 $REQID aes-256-gcm "$(key 11 36)" hmac-sha1 "$(key 22 20)"
if [ $RC = 1 ] && printf '%s' "$OUT" | grep -q 'aes-256-gcm is an AEAD cipher, which Linux PF_KEY cannot install'; then
	ok "(b) AEAD (aes-256-gcm) is refused: $OUT"
else
	step_fail "(b) aes-256-gcm refused with a clear message" "exit $RC: $OUT"
fi
kt "$NS_GW1" sa-add "$GW1_PUB" "$GW2_PUB" "${SPI2:-0xc0000001}" $REQID aes-256 "$(key 11 32)" hmac-sha1 "$(key 22 20)"
if [ $RC = 1 ] && printf '%s' "$OUT" | grep -q "^kbe-tool: vpn uml-test: add SA spi ${SPI2:-0xc0000001} .*: kernel: File exists"; then
	ok "(b) a duplicate SA comes back as the kernel's error, naming the VPN: $OUT"
else
	step_fail "(b) kernel error reported with the VPN name" "exit $RC: $OUT"
fi

# ---- (c) ipsecctl-sa ----------------------------------------------------------
sactl "$NS_GW1"
want=("FLOWS:"
	"flow esp out from $LAN1 to $LAN2 peer $GW2_PUB type require"
	"flow esp in from $LAN2 to $LAN1 peer $GW2_PUB type require"
	"flow esp fwd from $LAN2 to $LAN1 peer $GW2_PUB type require"
	"SAD:"
	"esp tunnel from $GW1_PUB to $GW2_PUB spi $SPI2 auth hmac-sha1 enc aes-256"
	"esp tunnel from $GW2_PUB to $GW1_PUB spi $SPI1 auth hmac-sha1 enc aes-256")
missing=''
for l in "${want[@]}"; do has_line "$OUT" "$l" || missing+="$l; "; done
if [ $RC = 0 ] && [ -z "$missing" ] && ! printf '%s' "$OUT" | grep -q "$KE12"; then
	ok "(c) ipsecctl-sa on gw1 shows 3 flows and 2 SAs, no keys: $(printf '%s\n' "$OUT" | grep -m1 '^esp')"
else
	step_fail "(c) ipsecctl-sa shows the flows and SAs" "exit $RC; missing: $missing" "$OUT"
fi
pretty=$OUT
sactl "$NS_GW1" -k
if [ $RC = 0 ] && has_line "$OUT" "	enckey 0x$KE12" && has_line "$OUT" "	authkey 0x$KA12"; then
	ok "(c) ipsecctl-sa -k adds the keys (enckey 0x${KE12:0:16}...)"
else
	step_fail "(c) ipsecctl-sa -k shows keys" "exit $RC" "$OUT"
fi
sactl "$NS_GW1" -d
kern=$(xfrm_spi_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB" | awk -v s="$SPI2" '$1 == s { print $2 }')
row=$(printf '%s\n' "$OUT" | awk -F'\t' -v s="$SPI2" '$1 == "sa" && $6 == s')
if [ $RC = 0 ] && [ "$(printf '%s\n' "$row" | awk -F'\t' '{ print $2, $3, $4, $5, $7, $8, $9, $10, $11, $14, $15 }')" = \
    "esp tunnel $GW1_PUB $GW2_PUB 8193 aes-256 (hidden) hmac-sha1 (hidden) $kern 1" ] &&
    [ "$(printf '%s\n' "$OUT" | grep -c '^flow	')" = 3 ]; then
	ok "(c) ipsecctl-sa -d: tab-separated, keys (hidden), packets $kern as the kernel counts"
else
	step_fail "(c) ipsecctl-sa -d" "exit $RC; kernel packets $kern; row: $row" "$OUT"
fi
sactl "$NS_GW1" -d -k
if [ $RC = 0 ] && printf '%s\n' "$OUT" | awk -F'\t' -v s="$SPI2" -v k="$KE12" -v a="$KA12" \
    '$1 == "sa" && $6 == s && $9 == k && $11 == a { f = 1 } END { exit !f }'; then
	ok "(c) ipsecctl-sa -d -k puts the keys in columns 9 and 11"
else
	step_fail "(c) ipsecctl-sa -d -k" "exit $RC" "$OUT"
fi
sactl "$NS_GW1" -j
json=$OUT
jrc=$RC
if [ $jrc = 0 ] && printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
spi = sys.argv[1]
assert len(d["flows"]) == 3, d["flows"]
assert sorted(f["dir"] for f in d["flows"]) == ["fwd", "in", "out"]
sa = [s for s in d["sas"] if s["spi"] == spi][0]
assert sa["enc"] == "aes-256" and sa["auth"] == "hmac-sha1" and sa["own"] is True
assert "enckey" not in sa and sa["packets"] >= 5
' "$SPI2" 2>"$S/json.err"; then
	ok "(c) ipsecctl-sa -j is valid JSON with 3 flows, the SAs, no keys"
else
	step_fail "(c) ipsecctl-sa -j" "exit $jrc; $(cat "$S/json.err")" "$json"
fi

# ---- other transforms -----------------------------------------------------------
for t in "aes-128 hmac-sha2-512 16 64" "aes-192 hmac-sha2-384 24 48"; do
	read -r e a eb ab <<< "$t"
	flush_both
	if ! install "$e" "$a" "$eb" "$ab"; then
		step_fail "(b) $e + $a SAs and policies installed" "$INSTALL_ERR"
	elif tunnel_check "$e + $a"; then
		sactl "$NS_GW1"
		if has_line "$OUT" "esp tunnel from $GW1_PUB to $GW2_PUB spi $SPI2 auth $a enc $e"; then
			ok "(c) ipsecctl-sa shows auth $a enc $e"
		else
			step_fail "(c) ipsecctl-sa shows $e + $a" "$OUT"
		fi
	fi
done

# ---- (d) delete through the backend ---------------------------------------------
err=''
for g in "$NS_GW1 $GW1_PUB $GW2_PUB $LAN1 $LAN2" "$NS_GW2 $GW2_PUB $GW1_PUB $LAN2 $LAN1"; do
	read -r n me peer mine theirs <<< "$g"
	spi_out=$(ip -n "$n" xfrm state list src "$me" dst "$peer" | awk '/proto esp spi/ { print $4 }')
	spi_in=$(ip -n "$n" xfrm state list src "$peer" dst "$me" | awk '/proto esp spi/ { print $4 }')
	kt "$n" sa-del "$me" "$peer" "$spi_out" + sa-del "$peer" "$me" "$spi_in" \
	    + pol-del out "$mine" "$theirs" + pol-del in "$theirs" "$mine" + pol-del fwd "$theirs" "$mine"
	[ $RC = 0 ] || err+="$n: $OUT; "
done
sactl "$NS_GW1"
if [ -z "$err" ] && [ "$(xfrm_count "$NS_GW1")" = 0 ] && [ "$(xfrm_count "$NS_GW2")" = 0 ] &&
    [ -z "$(ip -n "$NS_GW1" xfrm policy)" ] && has_line "$OUT" "No flows" && has_line "$OUT" "No entries"; then
	ok "(d) sa_del and policy_del removed everything: ipsecctl-sa says No flows / No entries"
else
	step_fail "(d) delete through the backend" "$err" "$OUT" "$(ip -n "$NS_GW1" xfrm state; ip -n "$NS_GW1" xfrm policy)"
fi
if ping_lan 2; then
	step_fail "(d) after the deletes, ping host1 -> host2 fails again" "it still passes"
else
	ok "(d) after the deletes, ping host1 -> host2 fails again"
fi
kt "$NS_GW1" sa-del "$GW1_PUB" "$GW2_PUB" 0xc0000abc
if [ $RC = 1 ] && printf '%s' "$OUT" | grep -q 'vpn uml-test: delete SA spi 0xc0000abc 192.0.2.254 -> 198.51.100.254: kernel: No such process'; then
	ok "(d) deleting a missing SA is an error naming the VPN: $OUT"
else
	step_fail "(d) missing SA delete error" "exit $RC: $OUT"
fi

# flush_own: ours go, a foreign SA and policy (reqid 5, added by ip) stay.
install aes-256 hmac-sha1 32 20 || step_fail "(d) reinstall before flush-own" "$INSTALL_ERR"
ip -n "$NS_GW1" xfrm state add src "$GW1_PUB" dst "$GW2_PUB" proto esp spi 0x00001234 reqid 5 mode tunnel \
    enc 'cbc(aes)' "0x$(key 33 32)" auth-trunc 'hmac(sha1)' "0x$(key 44 20)" 96
ip -n "$NS_GW1" xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out \
    tmpl src "$GW1_PUB" dst "$GW2_PUB" proto esp reqid 5 mode tunnel
before=$(xfrm_count "$NS_GW1")
kt "$NS_GW1" flush-own
states=$(ip -n "$NS_GW1" xfrm state | awk '/proto esp spi/ { print $4 }' | tr '\n' ' ')
pols=$(ip -n "$NS_GW1" xfrm policy | awk '/^src/ { print $2 "->" $4 }' | tr '\n' ' ')
if [ $RC = 0 ] && [ "$before" = 3 ] && [ "$states" = "0x00001234 " ] && [ "$pols" = "10.1.0.0/16->10.2.0.0/16 " ]; then
	ok "(d) flush-own removed ikebox's 2 SAs and 3 policies; the foreign SA 0x00001234 and policy 10.1.0.0/16 survive"
else
	step_fail "(d) flush-own removes only ours" "exit $RC: $OUT; states before $before, after: $states; policies: $pols"
fi
sactl "$NS_GW1" -d
if [ $RC = 0 ] && [ "$(printf '%s\n' "$OUT" | awk -F'\t' '$NF == 1' | wc -l)" = 0 ] &&
    [ "$(printf '%s\n' "$OUT" | awk -F'\t' '$NF == 0' | wc -l)" = 2 ]; then
	ok "(d) ipsecctl-sa -d then lists only the 2 foreign entries (OWN 0)"
else
	step_fail "(d) ipsecctl-sa -d after flush-own" "$OUT"
fi
ip -n "$NS_GW1" xfrm state flush; ip -n "$NS_GW1" xfrm policy flush
kt "$NS_GW2" flush-own

# ---- (f) kernel events ------------------------------------------------------------
ip netns exec "$NS_GW1" "$TOOL" events 30 3 > "$S/events.log" 2>&1 &
ev_pid=$!
wait_until 5 grep -q listening "$S/events.log"
kt "$NS_GW1" pol-add out "$LAN1" "$LAN2" "$GW1_PUB" "$GW2_PUB" $REQID
ping_lan 1
kt "$NS_GW1" sa-add "$GW1_PUB" "$GW2_PUB" 0xc0000777 $REQID aes-256 "$(key 55 32)" hmac-sha1 "$(key 66 20)" 3
wait_until 28 grep -q expire-hard "$S/events.log"
kill "$ev_pid" 2>/dev/null; wait "$ev_pid" 2>/dev/null
ev=$(cat "$S/events.log")
if printf '%s\n' "$ev" | grep -q "^event acquire src $GW1_PUB dst $GW2_PUB .* dir out$"; then
	ok "(f) a packet hitting the out policy without an SA raises SADB_ACQUIRE: $(grep -m1 acquire "$S/events.log")"
else
	step_fail "(f) SADB_ACQUIRE event" "$ev"
fi
if printf '%s\n' "$ev" | grep -q "^event expire-soft src $GW1_PUB dst $GW2_PUB spi 0xc0000777 reqid 8193" &&
    printf '%s\n' "$ev" | grep -q "^event expire-hard src $GW1_PUB dst $GW2_PUB spi 0xc0000777 reqid 8193"; then
	ok "(f) an SA with a 3 s hard lifetime raises SADB_EXPIRE soft, then hard"
else
	step_fail "(f) SADB_EXPIRE soft and hard events" "$ev"
fi
kt "$NS_GW1" flush-own

echo "uml-cases: done ($FAILS failed)"
[ "$FAILS" = 0 ]
