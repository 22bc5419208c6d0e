#!/bin/bash
# xfrm.sh - runs INSIDE the UML guest: ikd in gw1 with the XFRM netlink
# backend against strongSwan's charon in gw2.
#  0. The kernel events ikd reacts to, from the XFRM multicast groups:
#     ACQUIRE (with the policy's reqid), EXPIRE soft and hard.
#  1. Every CHILD transform ikd offers, one CHILD SA each, in one IKE SA
#     (so one charon load per role): aes-128-gcm-16, aes-256-gcm-16,
#     aes-256-gcm-12, chacha20-poly1305 (when the kernel has rfc7539esp),
#     aes-128 + hmac-sha1, aes-256 + hmac-sha2-256 (RFC 4868's 128-bit ICV,
#     which PF_KEY cannot install), + hmac-sha2-384, + hmac-sha2-512.  Each
#     CHILD SA has its own flow, host1's address to one of host2's, and
#     charon's child for it accepts exactly one transform, with ESN on or
#     off.  Pings both ways (host1 -> host2 and host2 -> host1) must add to
#     the kernel's counters of both SAs of that SPI pair in gw1, and the
#     kernel SA's "esn" flag must be what was negotiated.  ikd initiating,
#     then charon initiating.
#  2. Switching gw1 between backends with a SIGKILL in between: ikd (pfkey)
#     killed, ikd (xfrm) started: what the killed daemon left in gw1's
#     kernel (its reqid range) is gone, a foreign SA and policy (reqid 5)
#     stay, the new tunnel carries pings; then the same from xfrm back to
#     pfkey; SIGTERM at the end leaves only the foreign entries.
#  2b. lifetime_bytes reached: the kernel's soft EXPIRE makes ikd rekey the
#     CHILD SA with charon; pings pass on the new SAs.
#  3. tap: two VPNs to two addresses of gw2, each with its interface (a
#     VTI: the UML kernel has no xfrm interfaces), one made by ikd, one
#     there before; pings to each move only its interface's counters, the
#     kernel's SAs and policies carry each VPN's mark, and at exit ikd
#     removes only the interface it made.
# Prints "ok uml: ..." / "FAIL uml: ..." lines and "uml-xfrm: done" last.
set -u
H=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# one address of host2 per CHILD SA (flows are host1/32 <-> these /32)
export HOST2_EXTRA="203.0.113.201 203.0.113.202 203.0.113.203 203.0.113.204 203.0.113.205 203.0.113.206 203.0.113.207 203.0.113.208"
. "$H/lib.sh"
. "$H/charon.sh"
ROOT=$(cd "$H/../.." && pwd)
IKEBOX=$ROOT/ikebox
S=$HARNESS_STATE/xfrm
PSK=xfrm-psk-0123456789
mkdir -p "$S"

ok() { echo "ok uml: $1"; }
fail() {
	echo "FAIL uml: $1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
ikectl() { "$IKEBOX" ikectl -s "$S/ikd.sock" "$@"; }
ikd_log() { echo "ikd log:"; tail -n 20 "$IKD_LOG"; }
charon_log() { echo "charon log:"; tail -n 15 "$CHARON_LOG"; }

# The transforms: ikd's name for the table | charon's esp_proposals |
# 1 if ESN | what gw1's kernel must show for the SA (ip xfrm state; an
# extended regex: the key's length in hex digits, the ICV bits last)
TRANSFORMS='aes-128-gcm-16|aes128gcm16-noesn|0|aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{40} 128
aes-256-gcm-16|aes256gcm16-esn|1|aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 128
aes-256-gcm-12|aes256gcm12-noesn|0|aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 96
chacha20-poly1305|chacha20poly1305-esn|1|aead rfc7539esp\(chacha20,poly1305\) 0x[0-9a-f]{72} 128
aes-128 hmac-sha1|aes128-sha1-noesn|0|auth-trunc hmac\(sha1\) 0x[0-9a-f]{40} 96
aes-256 hmac-sha2-256|aes256-sha256-esn|1|auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128
aes-256 hmac-sha2-384|aes256-sha384-noesn|0|auth-trunc hmac\(sha384\) 0x[0-9a-f]{96} 192
aes-256 hmac-sha2-512|aes256-sha512-esn|1|auth-trunc hmac\(sha512\) 0x[0-9a-f]{128} 256'

# ---- kernel checks --------------------------------------------------------

# spi_pkts NETNS SPI : packets the kernel counted on the ESP SA with SPI
spi_pkts() {
	{ xfrm_spi_pkts "$1" "$GW1_PUB" "$GW2_PUB"; xfrm_spi_pkts "$1" "$GW2_PUB" "$GW1_PUB"; } |
	    awk -v s="0x$2" '$1 == s { print $2; f = 1 } END { if (!f) print -1 }'
}
# all_pkts NETNS : "SPI PACKETS" of every xfrm state of NETNS
all_pkts() {
	ip -n "$1" -s xfrm state list 2>/dev/null | awk '
	    /proto esp spi/ { spi=$4; sub(/\(.*/, "", spi) }
	    /lifetime current:/ { cur=1; next }
	    cur && /\(packets\)/ { gsub(/[(),a-z]/," "); print spi, $2; cur=0 }'
}
# pkts_of FILE SPI : the packets of SPI in an all_pkts listing, -1 if none
pkts_of() { awk -v s="0x$2" '$1 == s { print $2; f = 1 } END { if (!f) print -1 }' "$1"; }
# sa_text FILE SPI : the SA with SPI from an `ip xfrm state` listing
sa_text() {
	awk -v s="0x$2" '
	    /^src / { if (keep) printf "%s", blk; blk = ""; keep = 0 }
	    { blk = blk $0 "\n" } /proto esp spi/ && $4 == s { keep = 1 }
	    END { if (keep) printf "%s", blk }' "$1"
}
# own_count NETNS state|policy : entries with a reqid in ikebox's range
own_count() {
	ip -n "$1" xfrm "$2" list 2>/dev/null |
	    awk '{ for (i = 1; i < NF; i++) if ($i == "reqid" && $(i+1) >= 8192 && $(i+1) <= 16383) n++ }
	    END { print n + 0 }'
}
# foreign_left NETNS : the reqid-5 SA and policy added here are both there
foreign_left() {
	ip -n "$1" xfrm state list | grep -q 'spi 0x00001234 reqid 5 ' &&
	    ip -n "$1" xfrm policy list | grep -q 'reqid 5 '
}

# ---- ikd and charon -------------------------------------------------------

# write_ikd DIR MODE BACKEND FLOWS CHILD : gw1's configuration in DIR
write_ikd() {
	mkdir -p "$1/vpn.d"
	printf '[global]\ninclude = vpn.d/*.conf\ndpd_check_interval = 0\nbackend = %s\n' \
	    "$3" >"$1/ikd.conf"
	{
		printf '[vpn]\nname = cx\nmode = %s\nprotocol = esp\n' "$2"
		printf 'local = %s\npeer = %s\npsk = %s\n' "$GW1_PUB" "$GW2_PUB" "$PSK"
		printf '[flows]\n%s\n' "$4"
		printf '[ikesa]\nenc = aes-128-gcm\nprf = hmac-sha2-256\ngroup = curve25519\n'
		printf '[childsa]\n%s\n' "$5"
	} >"$1/vpn.d/cx.conf"
	chmod 600 "$1/vpn.d/cx.conf"
}

start_ikd() {
	IKD_LOG=$HARNESS_OUT/ikd-$CASE.log
	ip netns exec "$NS_GW1" "$IKEBOX" ikd -d -v -f "$1/ikd.conf" \
	    -s "$S/ikd.sock" -p "$S/ikd.pid" >>"$IKD_LOG" 2>&1 &
	IKD_PID=$!
	wait_until 30 test -S "$S/ikd.sock"
}
# stop_ikd [KILL] : SIGTERM (or SIGKILL), wait for its exit
stop_ikd() {
	kill "-${1:-TERM}" "$IKD_PID" 2>/dev/null
	wait_until 10 sh -c "! kill -0 $IKD_PID" || kill -KILL "$IKD_PID" 2>/dev/null
	wait "$IKD_PID" 2>/dev/null
	rm -f "$S/ikd.sock"
}
# installed N : ikd shows N INSTALLED CHILD SAs
installed() {
	[ "$(ikectl show sa --json 2>/dev/null | grep -o '"INSTALLED"' | grep -c .)" = "$1" ]
}
# charon_installed N : charon shows N INSTALLED CHILD SAs
charon_installed() {
	[ "$(charon_sw --list-sas --raw 2>/dev/null | grep -o 'state=INSTALLED' | grep -c .)" = "$1" ]
}

# swanctl_conf NAME "ADDR|ESP ..." : one connection, one child a pair
swanctl_conf() {
	local i=0 a esp
	cat <<EOF
connections {
	$1 {
		version = 2
		local_addrs = $GW2_PUB
		remote_addrs = $GW1_PUB
		proposals = aes128gcm16-prfsha256-x25519
		dpd_delay = 0s
		local {
			auth = psk
			id = $GW2_PUB
		}
		remote {
			auth = psk
			id = $GW1_PUB
		}
		children {
EOF
	for a in $2; do
		i=$((i + 1))
		esp=${a#*|}
		a=${a%|*}
		cat <<EOF
			c$i {
				mode = tunnel
				local_ts = $a
				remote_ts = $3
				esp_proposals = $esp
				start_action = none
			}
EOF
	done
	cat <<EOF
		}
	}
}
secrets {
	ike-$1 {
		id-local = $GW2_PUB
		id-remote = $GW1_PUB
		secret = "$PSK"
	}
}
EOF
}

# child_spis JSON : "ADDR SPI_IN SPI_OUT" for each INSTALLED CHILD SA of
# ikd whose remote selector is one address (ADDR/32)
child_spis() {
	python3 -c '
import json, sys
for sa in json.load(open(sys.argv[1])):
    for c in sa["children"]:
        for ts in c["remote_ts"]:
            if c["state"] == "INSTALLED" and ts.endswith("/32"):
                print(ts[:-3], c["spi_in"], c["spi_out"])
' "$1"
}

# ---- 0. kernel events from the XFRM multicast groups ------------------------

# case_events : through the backend as ikd uses it (t/uml/kbe-tool -b xfrm):
# a packet hitting an out policy without an SA raises ACQUIRE with the
# policy's reqid; an SA with a 3 s hard lifetime raises EXPIRE soft, then
# hard
case_events() {
	local tool=$ROOT/t/uml/kbe-tool reqid=8193 ev k32 k20
	k32=$(printf '55%.0s' $(seq 32)) k20=$(printf '66%.0s' $(seq 20))
	ip netns exec "$NS_GW1" "$tool" -b xfrm events 20 3 >"$S/events.log" 2>&1 &
	local ev_pid=$!
	wait_until 5 grep -q listening "$S/events.log"
	ip netns exec "$NS_GW1" "$tool" -b xfrm pol-add out "$LAN1" "$LAN2" \
	    "$GW1_PUB" "$GW2_PUB" $reqid >/dev/null 2>&1
	ip netns exec "$NS_HOST1" ping -n -q -c 1 -W 1 "$HOST2" >/dev/null 2>&1
	ip netns exec "$NS_GW1" "$tool" -b xfrm sa-add "$GW1_PUB" "$GW2_PUB" \
	    0xc0000777 $reqid aes-256 "$k32" hmac-sha1 "$k20" 3 >/dev/null 2>&1
	wait_until 15 grep -q expire-hard "$S/events.log"
	kill "$ev_pid" 2>/dev/null
	wait "$ev_pid" 2>/dev/null
	ev=$(cat "$S/events.log")
	if printf '%s\n' "$ev" | grep -q "^event acquire src $GW1_PUB dst $GW2_PUB spi 0x00000000 reqid $reqid .* dir out$"; then
		ok "(xfrm) a packet hitting the out policy without an SA raises XFRM_MSG_ACQUIRE with its reqid: $(grep -m1 acquire "$S/events.log")"
	else
		fail "(xfrm) XFRM_MSG_ACQUIRE event" "$ev"
	fi
	if printf '%s\n' "$ev" | grep -q "^event expire-soft src $GW1_PUB dst $GW2_PUB spi 0xc0000777 reqid $reqid" &&
	    printf '%s\n' "$ev" | grep -q "^event expire-hard src $GW1_PUB dst $GW2_PUB spi 0xc0000777 reqid $reqid"; then
		ok "(xfrm) an SA with a 3 s hard lifetime raises XFRM_MSG_EXPIRE soft, then hard"
	else
		fail "(xfrm) XFRM_MSG_EXPIRE soft and hard events" "$ev"
	fi
	ip netns exec "$NS_GW1" "$tool" -b xfrm flush-own >/dev/null 2>&1
}

# ---- 1. every transform, both roles ---------------------------------------

# case_all ROLE : the tunnels of every transform; checks each
case_all() {
	local role=$1 mode=active other=responder d n pairs="" flows="" i=0 line
	local name esp esn kern addr si so b1 b2 a1 a2 w flag r1 r2 pids
	[ "$role" = responder ] && mode=passive other=initiator
	CASE=xfrm-all-$role
	d=$S/$CASE
	mkdir -p "$d"
	while IFS='|' read -r name esp esn kern; do
		i=$((i + 1))
		[ "$name" = chacha20-poly1305 ] && [ "$CHACHA" = 0 ] && continue
		addr=203.0.113.20$i
		pairs="$pairs $addr/32|$esp"
		flows="${flows}flow = $HOST1/32 $addr/32"$'\n'
	done <<<"$TRANSFORMS"
	n=$(printf '%s' "$flows" | grep -c .)
	write_ikd "$d" "$mode" xfrm "$flows" \
	    $'enc = aes-128-gcm aes-256-gcm aes-256-gcm-12 chacha20-poly1305 aes-128 aes-256\nauth = hmac-sha1 hmac-sha2-256 hmac-sha2-384 hmac-sha2-512\nesn = both'
	: >"$HARNESS_OUT/ikd-$CASE.log"
	swanctl_conf "$CASE" "$pairs" "$HOST1/32" >"$d/swanctl.conf"
	cp "$d/swanctl.conf" "$HARNESS_OUT/swanctl-$CASE.conf"
	echo "--- case $CASE" >>"$CHARON_LOG"
	if ! charon_load "$d/swanctl.conf" 2>"$d/load.err" || ! start_ikd "$d"; then
		fail "(xfrm) ikd $role: charon loads, ikd starts" "$(cat "$d/load.err")" "$(ikd_log)"
		stop_ikd
		return
	fi
	if [ "$role" = responder ]; then
		for i in $(seq 1 8); do
			grep -q "c$i {" "$d/swanctl.conf" || continue
			charon_sw --initiate --child "c$i" --timeout 30 >>"$d/initiate.log" 2>&1
		done
	fi
	if ! wait_until 90 installed "$n" || ! wait_until 10 charon_installed "$n"; then
		fail "(xfrm) ikd $role (xfrm), charon $other: $n CHILD SAs, one per transform, up within 90 s" \
		    "$(ikectl show sa)" "$(ikd_log)" "$(charon_log)"
		stop_ikd
		charon_sw --terminate --ike "$CASE" --force --timeout 5 >/dev/null 2>&1
		return
	fi
	grep -q 'ikd started: 1 vpn(s), backend xfrm, ' "$IKD_LOG" ||
		fail "(xfrm) ikd's start line names backend xfrm" "$(head -3 "$IKD_LOG")"
	ikectl show sa --json >"$d/ikd.json" 2>&1
	child_spis "$d/ikd.json" >"$d/spis"
	# every ping at once (each fork costs in UML), between two snapshots
	# of gw1's counters, then one listing of its SAs
	all_pkts "$NS_GW1" >"$d/before"
	i=0 pids=
	while IFS='|' read -r name esp esn kern; do
		i=$((i + 1))
		addr=203.0.113.20$i
		grep -q "^$addr " "$d/spis" || continue
		{ ip netns exec "$NS_HOST1" ping -n -q -c 3 -i 0.2 -W 2 "$addr" >/dev/null 2>&1
		  echo $? >"$d/ping1-$i"; } &
		pids="$pids $!"
		{ ip netns exec "$NS_HOST2" ping -n -q -c 3 -i 0.2 -W 2 -I "$addr" "$HOST1" >/dev/null 2>&1
		  echo $? >"$d/ping2-$i"; } &
		pids="$pids $!"
	done <<<"$TRANSFORMS"
	# (not a bare wait: ikd is a child of this shell too)
	wait $pids
	all_pkts "$NS_GW1" >"$d/after"
	ip -n "$NS_GW1" xfrm state list >"$d/states"
	i=0
	while IFS='|' read -r name esp esn kern; do
		i=$((i + 1))
		[ "$name" = chacha20-poly1305 ] && [ "$CHACHA" = 0 ] && continue
		addr=203.0.113.20$i
		si= so=
		read -r _ si so <<<"$(grep "^$addr " "$d/spis")"
		if [ -z "$so" ]; then
			fail "(xfrm) ikd $role, $name: a CHILD SA for $addr" "$(cat "$d/ikd.json")"
			continue
		fi
		b1=$(pkts_of "$d/before" "$so") b2=$(pkts_of "$d/before" "$si")
		a1=$(pkts_of "$d/after" "$so") a2=$(pkts_of "$d/after" "$si")
		r1=$(cat "$d/ping1-$i") r2=$(cat "$d/ping2-$i")
		w="gw1 out 0x$so +$((a1 - b1)), gw1 in 0x$si +$((a2 - b2))"
		if [ "$r1" = 0 ] && [ "$r2" = 0 ] && [ "$b1" -ge 0 ] && [ "$b2" -ge 0 ] &&
		    [ $((a1 - b1)) -ge 6 ] && [ $((a2 - b2)) -ge 6 ]; then
			ok "(xfrm) ikd $role, charon $other, $name: pings both ways through its own CHILD SA ($w)"
		else
			fail "(xfrm) ikd $role, charon $other, $name: pings both ways through its own CHILD SA" \
			    "ping host1->host2 $r1, host2->host1 $r2; $w" \
			    "$(ip -n "$NS_GW1" -s xfrm state)" "$(ikd_log)"
		fi
		# what the kernel holds: algorithm, key and ICV lengths, ESN
		flag=0
		sa_text "$d/states" "$so" | grep -q 'flag .*esn' && flag=1
		if sa_text "$d/states" "$so" | grep -Eq -- "$kern" &&
		    sa_text "$d/states" "$si" | grep -Eq -- "$kern" && [ "$flag" = "$esn" ] &&
		    { [ "$esn" = 0 ] || sa_text "$d/states" "$si" | grep -q 'flag .*esn'; }; then
			ok "(xfrm) ikd $role, $name: gw1's kernel SAs hold /$kern/, ESN $([ "$esn" = 1 ] && echo on || echo off) as negotiated ($esp)"
		else
			fail "(xfrm) ikd $role, $name: gw1's kernel SAs hold /$kern/ and ESN $esn" \
			    "$(sa_text "$d/states" "$so")" "$(sa_text "$d/states" "$si")"
		fi
	done <<<"$TRANSFORMS"
	# ipsecctl-sa -j -k reads the same SAs through the XFRM dump: every
	# key it prints is the one the kernel holds (ip xfrm state)
	if [ "$role" = initiator ]; then
		ip netns exec "$NS_GW1" "$IKEBOX" ipsecctl-sa -j -k -f "$d/ikd.conf" >"$d/ipsecctl.json" 2>&1
		if python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
st = open(sys.argv[2]).read()
own = [s for s in j["sas"] if s["own"]]
bad = [s["spi"] for s in own if "0x" + s["enckey"] not in st or
       (s["authkey"] and "0x" + s["authkey"] not in st) or s["enc"] == "none"]
flows = [f for f in j["flows"] if f["own"]]
print(len(own), len(flows))
sys.exit(1 if bad or len(own) != 2 * int(sys.argv[3]) or len(flows) != 3 * int(sys.argv[3]) else 0)
' "$d/ipsecctl.json" "$d/states" "$n" >"$d/ipsecctl.check" 2>&1; then
			ok "(xfrm) ipsecctl-sa -j -k lists gw1's $(cut -d" " -f1 "$d/ipsecctl.check") SAs and $(cut -d" " -f2 "$d/ipsecctl.check") flows from the XFRM dump, keys as the kernel holds them"
		else
			fail "(xfrm) ipsecctl-sa -j -k: gw1's SAs and flows with the kernel's keys" \
			    "$(cat "$d/ipsecctl.check")" "$(head -c 3000 "$d/ipsecctl.json")"
		fi
	fi
	# show sa's byte counters come from the kernel (XFRM_MSG_GETSA)
	if ikectl show sa --json | python3 -c '
import json, sys
cs = [c for sa in json.load(sys.stdin) for c in sa["children"]]
sys.exit(0 if cs and all(c["bytes_in"] > 0 and c["bytes_out"] > 0 for c in cs) else 1)'; then
		ok "(xfrm) ikd $role: ikectl show sa counts bytes in and out on every CHILD SA (from the kernel)"
	else
		fail "(xfrm) ikd $role: ikectl show sa counts bytes on every CHILD SA" "$(ikectl show sa --json)"
	fi
	stop_ikd
	if wait_until 10 charon_installed 0 && [ "$(xfrm_count "$NS_GW1")" = 0 ] &&
	    [ "$(ip -n "$NS_GW1" xfrm policy list | grep -c '^src')" = 0 ]; then
		ok "(xfrm) ikd $role: SIGTERM deletes the $n CHILD SAs at charon and leaves nothing in gw1's kernel"
	else
		fail "(xfrm) ikd $role: SIGTERM leaves nothing behind" \
		    "$(ip -n "$NS_GW1" xfrm state)" "$(ip -n "$NS_GW1" xfrm policy)" "$(charon_sw --list-sas)"
		charon_sw --terminate --ike "$CASE" --force --timeout 5 >/dev/null 2>&1
	fi
}

# ---- 2. switching backends across a SIGKILL --------------------------------

# ping_ok : host1 -> host2 through the tunnel
ping_ok() { ip netns exec "$NS_HOST1" ping -n -q -c 3 -i 0.2 -W 1 "$HOST2" >/dev/null 2>&1; }

# switch_to BACKEND OLD_SPIS : ikd (killed before) starts again on BACKEND
switch_to() {
	local b=$1 old=$2 st pol stale=""
	start_ikd "$S/sw-$b" || { fail "(xfrm) ikd ($b) starts" "$(ikd_log)"; return 1; }
	if ! wait_until 60 installed 1 || ! wait_until 10 charon_installed 1; then
		fail "(xfrm) after the switch to $b: tunnel up within 60 s" "$(ikd_log)" "$(charon_log)"
		return 1
	fi
	for s in $old; do
		[ "$(spi_pkts "$NS_GW1" "$s")" != -1 ] && stale="$stale 0x$s"
	done
	st=$(own_count "$NS_GW1" state) pol=$(own_count "$NS_GW1" policy)
	if [ -z "$stale" ] && [ "$st" = 2 ] && [ "$pol" = 3 ] && foreign_left "$NS_GW1" && ping_ok; then
		ok "(xfrm) SIGKILL, then ikd on $b: the old SAs ($old) and policies are gone, 2 SAs and 3 policies of the new tunnel, the foreign reqid-5 SA and policy kept; ping passes"
	else
		fail "(xfrm) SIGKILL, then ikd on $b: nothing stale, the foreign entries kept" \
		    "stale:$stale; own states $st, own policies $pol" \
		    "$(ip -n "$NS_GW1" xfrm state)" "$(ip -n "$NS_GW1" xfrm policy)" "$(ikd_log)"
	fi
}

case_switch() {
	local old k16=00112233445566778899aabbccddeeff
	CASE=xfrm-switch
	mkdir -p "$S/sw-pfkey" "$S/sw-xfrm"
	for b in pfkey xfrm; do
		write_ikd "$S/sw-$b" active "$b" "flow = $LAN1 $LAN2" \
		    $'enc = aes-256\nauth = hmac-sha1\nesn = no'
	done
	swanctl_conf "$CASE" "$LAN2|aes256-sha1" "$LAN1" >"$S/swanctl-switch.conf"
	echo "--- case $CASE" >>"$CHARON_LOG"
	charon_load "$S/swanctl-switch.conf" || { fail "(xfrm) switch: charon loads"; return; }
	: >"$HARNESS_OUT/ikd-$CASE.log"
	# someone else's tunnel in gw1's kernel
	ip -n "$NS_GW1" xfrm state add src "$GW1_PUB" dst "$GW2_PUB" proto esp \
	    spi 0x1234 reqid 5 mode tunnel enc 'cbc(aes)' "0x$k16" \
	    auth-trunc 'hmac(sha1)' "0x${k16}00112233" 96
	ip -n "$NS_GW1" xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out \
	    tmpl src "$GW1_PUB" dst "$GW2_PUB" proto esp reqid 5 mode tunnel
	start_ikd "$S/sw-pfkey"
	if ! wait_until 60 installed 1 || ! ping_ok; then
		fail "(xfrm) switch: ikd (pfkey) tunnel up and pinging" "$(ikd_log)" "$(charon_log)"
		stop_ikd
		return
	fi
	for b in xfrm pfkey; do
		ikectl show sa --json >"$S/sw.json"
		old=$(sed -n 's/.*"spi_in":"\([0-9a-f]*\)","spi_out":"\([0-9a-f]*\)".*/\1 \2/p' "$S/sw.json")
		stop_ikd KILL
		if [ "$(own_count "$NS_GW1" state)" -lt 2 ]; then
			fail "(xfrm) switch: the SIGKILLed ikd left its SAs (the case needs them)" \
			    "$(ip -n "$NS_GW1" xfrm state)"
		fi
		switch_to "$b" "$old" || break
	done
	stop_ikd
	if [ "$(own_count "$NS_GW1" state)" = 0 ] && [ "$(own_count "$NS_GW1" policy)" = 0 ] &&
	    foreign_left "$NS_GW1"; then
		ok "(xfrm) SIGTERM at the end: none of ikebox's SAs or policies left, the foreign ones kept"
	else
		fail "(xfrm) SIGTERM at the end: only the foreign entries left" \
		    "$(ip -n "$NS_GW1" xfrm state)" "$(ip -n "$NS_GW1" xfrm policy)"
	fi
	ip -n "$NS_GW1" xfrm state flush
	ip -n "$NS_GW1" xfrm policy flush
	charon_sw --terminate --ike "$CASE" --force --timeout 5 >/dev/null 2>&1
}

# ---- 2b. a rekey driven by the kernel's soft expire -------------------------

# case_expire : lifetime_bytes = 16K on ikd's side only; large pings use it
# up, XFRM_MSG_EXPIRE (soft) reaches ikd, which rekeys the CHILD SA with
# charon (CREATE_CHILD_SA); pings pass on the new SAs
case_expire() {
	local d=$S/expire old new
	CASE=xfrm-expire
	write_ikd "$d" active xfrm "flow = $LAN1 $LAN2" $'enc = aes-128-gcm'
	sed -i 's/^psk = .*/&\nlifetime_bytes = 16K/' "$d/vpn.d/cx.conf"
	swanctl_conf "$CASE" "$LAN2|aes128gcm16" "$LAN1" >"$d/swanctl.conf"
	echo "--- case $CASE" >>"$CHARON_LOG"
	: >"$HARNESS_OUT/ikd-$CASE.log"
	if ! charon_load "$d/swanctl.conf" 2>"$d/load.err" || ! start_ikd "$d" ||
	    ! wait_until 60 installed 1; then
		fail "(xfrm) expire: tunnel up" "$(cat "$d/load.err")" "$(ikd_log)"
		stop_ikd
		return
	fi
	old=$(sed -n 's/.*"spi_in":"\([0-9a-f]*\)".*/\1/p' <<<"$(ikectl show sa --json)")
	ip netns exec "$NS_HOST1" ping -n -q -c 15 -i 0.1 -s 1200 -W 1 "$HOST2" >/dev/null 2>&1
	if wait_until 20 grep -q 'soft lifetime reached, rekeying' "$IKD_LOG" &&
	    wait_until 20 sh -c "! ip -n $NS_GW1 xfrm state list | grep -q 'spi 0x$old '" &&
	    wait_until 10 installed 1 && ping_ok; then
		new=$(sed -n 's/.*"spi_in":"\([0-9a-f]*\)".*/\1/p' <<<"$(ikectl show sa --json)")
		ok "(xfrm) lifetime_bytes: the kernel's soft expire (XFRM_MSG_EXPIRE) makes ikd rekey the CHILD SA with charon (spi in 0x$old -> 0x$new); pings pass"
	else
		fail "(xfrm) lifetime_bytes: soft expire, rekey, pings on the new SAs" \
		    "$(ip -n "$NS_GW1" -s xfrm state)" "$(ikd_log)" "$(charon_log)"
	fi
	stop_ikd
	charon_sw --terminate --ike "$CASE" --force --timeout 5 >/dev/null 2>&1
}

# ---- 3. tap: route-based VPNs over VTIs ------------------------------------

# link_pkts NETNS DEV : "RX TX" packets of DEV ("-1 -1" if it is not there)
link_pkts() {
	ip -n "$1" -s link show "$2" 2>/dev/null | awk '
	    /^ *RX:/ { r = 1; next } r == 1 { rx = $2; r = 0 }
	    /^ *TX:/ { t = 1; next } t == 1 { tx = $2; t = 0 }
	    END { if (rx == "") print "-1 -1"; else print rx, tx }'
}
# vpn_file DIR NAME PEER TAP ADDR : a VPN of gw1 with tap TAP to PEER
vpn_file() {
	printf '[vpn]\nname = %s\nmode = active\nlocal = %s\npeer = %s\npsk = %s\ntap = %s\n[flows]\nflow = %s/32 %s/32\n[ikesa]\nenc = aes-128-gcm\nprf = hmac-sha2-256\ngroup = curve25519\n[childsa]\nenc = aes-128-gcm\n' \
	    "$2" "$GW1_PUB" "$3" "$PSK" "$4" "$HOST1" "$5" >"$1/vpn.d/$2.conf"
	chmod 600 "$1/vpn.d/$2.conf"
}
# tap_charon NAME LOCAL ADDR : one charon connection (for swanctl.conf)
tap_charon() {
	printf '\t%s {\n\t\tversion = 2\n\t\tlocal_addrs = %s\n\t\tremote_addrs = %s\n' "$1" "$2" "$GW1_PUB"
	printf '\t\tproposals = aes128gcm16-prfsha256-x25519\n'
	printf '\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' "$2"
	printf '\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' "$GW1_PUB"
	printf '\t\tchildren {\n\t\t\t%s {\n\t\t\t\tlocal_ts = %s/32\n\t\t\t\tremote_ts = %s/32\n' "$1" "$3" "$HOST1"
	printf '\t\t\t\tesp_proposals = aes128gcm16\n\t\t\t}\n\t\t}\n\t}\n'
}

# case_tap : two VPNs, each with its interface: vtia made by ikd (the UML
# kernel has no xfrm interfaces: a VTI), vtib there before (ikd uses it
# and leaves it); pings to one VPN's host move only its interface's
# counters; the SAs and policies carry each VPN's mark
case_tap() {
	local d=$S/tap peer2=198.51.100.253 a0 b0 a1 b1 a2 b2 w ma mb pa pb r r2
	CASE=xfrm-tap
	mkdir -p "$d/vpn.d"
	printf '[global]\ninclude = vpn.d/*.conf\ndpd_check_interval = 0\nbackend = xfrm\n' >"$d/ikd.conf"
	vpn_file "$d" ta "$GW2_PUB" vtia 203.0.113.201
	vpn_file "$d" tb "$peer2" vtib 203.0.113.202
	ip -n "$NS_GW2" addr add "$peer2/$GW2_PUB_PLEN" dev pub
	{
		echo "connections {"
		tap_charon ta "$GW2_PUB" 203.0.113.201
		tap_charon tb "$peer2" 203.0.113.202
		printf '}\nsecrets {\n\tike-a {\n\t\tid-1 = %s\n\t\tid-2 = %s\n\t\tid-3 = %s\n\t\tsecret = "%s"\n\t}\n}\n' \
		    "$GW2_PUB" "$peer2" "$GW1_PUB" "$PSK"
	} >"$d/swanctl.conf"
	cp "$d/swanctl.conf" "$HARNESS_OUT/swanctl-$CASE.conf"
	echo "--- case $CASE" >>"$CHARON_LOG"
	: >"$HARNESS_OUT/ikd-$CASE.log"
	# someone's VTI, there before ikd: used, never removed
	ip -n "$NS_GW1" link add vtib type vti local "$GW1_PUB" remote "$peer2" key 0x77
	ip -n "$NS_GW1" link set vtib up
	ip netns exec "$NS_GW1" sh -c 'echo 1 >/proc/sys/net/ipv4/conf/vtib/disable_policy'
	if ! charon_load "$d/swanctl.conf" 2>"$d/load.err" || ! start_ikd "$d"; then
		fail "(xfrm) tap: charon loads, ikd starts" "$(cat "$d/load.err")" "$(ikd_log)"
		stop_ikd
		return
	fi
	if ! wait_until 60 installed 2; then
		fail "(xfrm) tap: both VPNs up within 60 s" "$(ikectl show sa)" "$(ikd_log)" "$(charon_log)"
		stop_ikd
		return
	fi
	if grep -q 'vpn ta: tap vtia: made VTI, mark (ikey/okey) 0x4000 (this kernel has no xfrm interfaces)' "$IKD_LOG" &&
	    grep -q 'vpn tb: tap vtib: using VTI, mark (ikey/okey) 0x77' "$IKD_LOG"; then
		ok "(xfrm) tap: ikd says it made vtia as a VTI (no xfrm interfaces in this kernel) and uses the existing vtib with its key"
	else
		fail "(xfrm) tap: ikd's log says which interfaces" "$(ikd_log)"
	fi
	ip -n "$NS_GW1" route add 203.0.113.201/32 dev vtia
	ip -n "$NS_GW1" route add 203.0.113.202/32 dev vtib
	read -r a0 _ <<<"$(link_pkts "$NS_GW1" vtia)"
	read -r b0 _ <<<"$(link_pkts "$NS_GW1" vtib)"
	ip netns exec "$NS_HOST1" ping -n -q -c 4 -i 0.2 -W 2 203.0.113.201 >/dev/null 2>&1
	r=$?
	read -r a1 _ <<<"$(link_pkts "$NS_GW1" vtia)"
	read -r b1 _ <<<"$(link_pkts "$NS_GW1" vtib)"
	ip netns exec "$NS_HOST1" ping -n -q -c 4 -i 0.2 -W 2 203.0.113.202 >/dev/null 2>&1
	r2=$?
	read -r a2 _ <<<"$(link_pkts "$NS_GW1" vtia)"
	read -r b2 _ <<<"$(link_pkts "$NS_GW1" vtib)"
	w="vtia RX $a0 -> $a1 -> $a2, vtib RX $b0 -> $b1 -> $b2"
	if [ "$r" = 0 ] && [ "$r2" = 0 ] && [ "$a0" -ge 0 ] && [ "$b0" -ge 0 ] &&
	    [ $((a1 - a0)) -ge 4 ] && [ "$b1" = "$b0" ] &&
	    [ $((b2 - b1)) -ge 4 ] && [ "$a2" = "$a1" ]; then
		ok "(xfrm) tap: pings through each VPN's VTI count on that interface only ($w)"
	else
		fail "(xfrm) tap: pings through each VPN's VTI count on that interface only" \
		    "ping to .201: $r, to .202: $r2; $w" "$(ip -n "$NS_GW1" -s link)" \
		    "$(ip -n "$NS_GW1" -s xfrm state)" "$(ikd_log)"
	fi
	ma=$(ip -n "$NS_GW1" xfrm state list | grep -c 'mark 0x4000/0xffffffff')
	mb=$(ip -n "$NS_GW1" xfrm state list | grep -c 'mark 0x77/0xffffffff')
	pa=$(ip -n "$NS_GW1" xfrm policy list | grep -c 'mark 0x4000/0xffffffff')
	pb=$(ip -n "$NS_GW1" xfrm policy list | grep -c 'mark 0x77/0xffffffff')
	if [ "$ma" = 2 ] && [ "$mb" = 2 ] && [ "$pa" = 3 ] && [ "$pb" = 3 ]; then
		ok "(xfrm) tap: the kernel's dump shows each VPN's mark on its 2 SAs and 3 policies"
	else
		fail "(xfrm) tap: each VPN's mark on its SAs and policies" \
		    "SAs $ma/$mb, policies $pa/$pb" "$(ip -n "$NS_GW1" xfrm state)" \
		    "$(ip -n "$NS_GW1" xfrm policy)"
	fi
	if ikectl show sa --json | python3 -c '
import json, sys
cs = [c for sa in json.load(sys.stdin) for c in sa["children"]]
sys.exit(0 if len(cs) == 2 and all(c["bytes_in"] > 0 and c["bytes_out"] > 0 for c in cs) else 1)'; then
		ok "(xfrm) tap: ikectl show sa reads the marked SAs' byte counters"
	else
		fail "(xfrm) tap: ikectl show sa reads the marked SAs' byte counters" "$(ikectl show sa --json)"
	fi
	if ikectl show sa ta | grep -qx '  tap vtia (VTI, mark 0x4000)' &&
	    ikectl show sa --json | grep -q '"vpn":"tb".*"tap":"vtib"'; then
		ok "(xfrm) tap: ikectl show sa names each VPN's interface and how its SAs are tied to it"
	else
		fail "(xfrm) tap: ikectl show sa names each VPN's interface" "$(ikectl show sa)"
	fi
	if ikectl show vpn ta --json | python3 -c '
import json, sys
v = json.load(sys.stdin)[0]
sys.exit(0 if v["bytes_in"] > 0 and v["bytes_out"] > 0 else 1)'; then
		ok "(xfrm) tap: ikectl show vpn counts the marked SAs' traffic"
	else
		fail "(xfrm) tap: ikectl show vpn counts the marked SAs' traffic" "$(ikectl show vpn)"
	fi
	# a reload that drops ta: its SAs go with their mark, then vtia
	# (ikd made it); tb keeps its SAs and vtib
	rm -f "$d/vpn.d/ta.conf"
	ikectl reload >/dev/null 2>&1
	if wait_until 10 sh -c "! ip -n $NS_GW1 link show vtia >/dev/null 2>&1" &&
	    ip -n "$NS_GW1" link show vtib >/dev/null 2>&1 &&
	    [ "$(ip -n "$NS_GW1" xfrm state list | grep -c 'mark 0x4000/0xffffffff')" = 0 ] &&
	    [ "$(ip -n "$NS_GW1" xfrm state list | grep -c 'mark 0x77/0xffffffff')" = 2 ] &&
	    grep -q 'vpn ta: tap vtia removed' "$IKD_LOG"; then
		ok "(xfrm) tap: a reload that drops a VPN removes its SAs, then the VTI ikd made for it; the other VPN keeps both"
	else
		fail "(xfrm) tap: a reload that drops a VPN removes its VTI" \
		    "$(ip -n "$NS_GW1" link)" "$(ip -n "$NS_GW1" xfrm state)" "$(ikd_log)"
	fi
	# ... and one that brings it back makes vtia again (for the exit)
	vpn_file "$d" ta "$GW2_PUB" vtia 203.0.113.201
	ikectl reload >/dev/null 2>&1
	if wait_until 10 ip -n "$NS_GW1" link show vtia >/dev/null 2>&1 &&
	    wait_until 30 installed 2; then
		ok "(xfrm) tap: a reload that adds the VPN back makes its VTI again; both VPNs up"
	else
		fail "(xfrm) tap: a reload that adds the VPN back makes its VTI" \
		    "$(ip -n "$NS_GW1" link)" "$(ikectl show sa)" "$(ikd_log)"
	fi
	stop_ikd
	if ! ip -n "$NS_GW1" link show vtia >/dev/null 2>&1 &&
	    ip -n "$NS_GW1" link show vtib >/dev/null 2>&1; then
		ok "(xfrm) tap: at exit ikd removes the VTI it made and keeps the one it found"
	else
		fail "(xfrm) tap: at exit ikd removes only what it made" "$(ip -n "$NS_GW1" link)"
	fi
	ip -n "$NS_GW1" link del vtib 2>/dev/null
	ip -n "$NS_GW1" link del vtia 2>/dev/null
	charon_sw --terminate --ike ta --force --timeout 5 >/dev/null 2>&1
	charon_sw --terminate --ike tb --force --timeout 5 >/dev/null 2>&1
	ip -n "$NS_GW2" addr del "$peer2/$GW2_PUB_PLEN" dev pub
}

# ---- main -----------------------------------------------------------------

if ! "$H/topo.sh" up >/dev/null 2>&1; then
	fail "(xfrm) topology up"
	echo "uml-xfrm: done"
	exit 1
fi
if ! charon_start "$NS_GW2" 2>"$S/charon-start.err"; then
	fail "(xfrm) charon starts in gw2" "$(cat "$S/charon-start.err")"
	echo "uml-xfrm: done"
	exit 1
fi
# ESN with hmac needs authencesn; chacha20-poly1305 its own module.  Then
# no more auto-loading (lib.sh says why), and one SA of each kind primes
# the crypto API while it is off.
# (the generic chacha20 and poly1305 are looked up by name, not linked)
/run/modprobe-uml -a authencesn chacha20poly1305 chacha_generic \
    poly1305_generic >"$HARNESS_OUT/modprobe-xfrm.log" 2>&1
autoload_off
K36=$(printf '00112233%.0s' $(seq 9))
CHACHA=0
if ip -n "$NS_GW1" xfrm state add src 127.0.0.1 dst 127.0.0.2 proto esp spi 7 \
    mode tunnel aead 'rfc7539esp(chacha20,poly1305)' "0x$K36" 128 2>"$S/chacha.err"; then
	CHACHA=1
	ok "(xfrm) the UML kernel has rfc7539esp: chacha20-poly1305 is tested"
else
	ok "(xfrm) skipped chacha20-poly1305: the UML kernel has no rfc7539esp ($(cat "$S/chacha.err"))"
fi
ip -n "$NS_GW1" xfrm state add src 127.0.0.1 dst 127.0.0.2 proto esp spi 8 \
    mode tunnel flag esn replay-window 32 enc 'cbc(aes)' "0x${K36:0:64}" \
    auth-trunc 'hmac(sha256)' "0x${K36:0:64}" 128 2>/dev/null
ip -n "$NS_GW1" xfrm state flush
log "charon up"
case_events
log "case events done"
for role in initiator responder; do
	case_all "$role"
	log "case $CASE done"
done
case_switch
log "case $CASE done"
case_expire
log "case $CASE done"
/run/modprobe-uml ip_vti >>"$HARNESS_OUT/modprobe-xfrm.log" 2>&1
case_tap
log "case $CASE done"
charon_stop
autoload_on
echo "uml-xfrm: done"
