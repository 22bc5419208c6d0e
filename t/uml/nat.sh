#!/bin/bash
# nat.sh - runs INSIDE the UML guest: gw1 sits behind a NAT (a carrier's,
# say): its public link is 100.64.0.2/24, and the router masquerades what
# it sends to gw2's side as 198.51.100.1 (iptables-legacy: Debian's UML
# kernel has IP_NF_NAT but no nftables ip family), and lets no ESP through,
# as many such NATs do.
#  - ikd <-> ikd, gw1 initiating: NAT detection moves IKE to 4500, the
#    kernel SAs carry UDP encapsulation (ip xfrm shows it), LAN pings pass
#    and the per-SA counters grow; gw1 sends keepalives at nat_keepalive
#    (counted on the router); `ikectl show sa` says who is behind the NAT.
#  - the NAT forgets its mappings (conntrack -F) and gives gw1 a new port:
#    gw2 moves its SAs to it only after gw1's next authenticated message
#    (its liveness check), and pings pass again.
#  - ikd responding behind the NAT (ports 500 and 4500 forwarded to it).
#  - ikd against strongSwan's charon, both roles.
#  - nat_traversal = force without a NAT: ESP in UDP all the same.
#  - ikd -T behind the NAT: no NAT-T, no traffic, and a log line says why.
#  - a path of 576 bytes that loses IP fragments: ikd's CREATE_CHILD_SA
#    with PFS and charon's IKE_AUTH over 1 KB pass in IKE fragments (RFC 7383),
#    and are lost without them.
# Prints "ok uml: ..." / "FAIL uml: ..." lines and "uml-nat: done" last.
set -u
# gw1's side of the topology (lib.sh keeps what is set here)
export GW1_PUB=100.64.0.2 RTR_GW1=100.64.0.1 GW1_PUB_PLEN=24
H=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$H/lib.sh"
. "$H/charon.sh"
ROOT=$(cd "$H/../.." && pwd)
IKEBOX=$ROOT/ikebox
S=$HARNESS_STATE/nat
NATPUB=$RTR_GW2		# what gw2 sees of gw1
PSK=nat-psk-0123456789abcdef
mkdir -p "$S"

ok() { echo "ok uml: $1"; }
fail() {
	echo "FAIL uml: $1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
ipt() { ip netns exec "$NS_RTR" iptables-legacy "$@"; }
ping_lan() { ip netns exec "$NS_HOST1" ping -n -q -c "${1:-3}" -i 0.2 -W 1 "$HOST2" >/dev/null 2>&1; }
ikectl() { local gw=$1; shift; "$IKEBOX" ikectl -s "$S/$gw.sock" "$@"; }
installed() { ikectl "$1" show sa --json 2>/dev/null | grep -q '"INSTALLED"'; }
empty() { [ "$(ikectl "$1" show sa --json 2>/dev/null)" = "[]" ]; }
# jget GW EXPR : a field of gw's first IKE SA in `show sa --json`
jget() {
	ikectl "$1" show sa --json 2>/dev/null | python3 -c \
	    "import json,sys; s=json.load(sys.stdin)[0]; print($2)" 2>/dev/null
}
stat_of() { ikectl "$1" show stats 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'; }
# encap_of NETNS SRC DST : "sport dport" of the ESP-in-UDP SA SRC -> DST
encap_of() {
	ip -n "$1" xfrm state list src "$2" dst "$3" 2>/dev/null |
	    awk '/encap type espinudp/ { print $5, $7; exit }'
}
# charon_case_log_has TEXT : charon's log since this case began has TEXT
charon_case_log_has() {
	awk -v m="--- case $CASE" '$0 == m { f = 1; next } f' "$CHARON_LOG" | grep -q "$1"
}
# esp_pkts NETNS SRC DST : packets counted on the SAs SRC -> DST
esp_pkts() { xfrm_spi_pkts "$1" "$2" "$3" | awk '{ n += $2 } END { print n + 0 }'; }

# the NAT: gw1's side masqueraded behind the router's address on gw2's
# side, no ESP forwarded, and a counter of keepalives (IP length 29: one
# byte of UDP payload) from gw1 to port 4500
nat_up() {
	ipt -t nat -A POSTROUTING -s 100.64.0.0/24 -o gw2 -j MASQUERADE &&
	    ipt -A FORWARD -i gw1 -p udp --dport 4500 -m length --length 29 \
	    -m comment --comment keepalive -j ACCEPT &&
	    ipt -A FORWARD -p esp -j DROP &&
	    ipt -A FORWARD -i gw2 -o gw1 -m conntrack --ctstate NEW -j DROP
}
keepalives_seen() {
	ipt -L FORWARD -v -x -n 2>/dev/null | awk '/keepalive/ { print $1; exit }'
}
# forward_on : ports 500 and 4500 of the NAT's address reach gw1
forward_on() {
	local p
	for p in 500 4500; do
		ipt -t nat -A PREROUTING -i gw2 -d "$NATPUB" -p udp --dport $p \
		    -j DNAT --to-destination "$GW1_PUB:$p" || return 1
	done
	ipt -I FORWARD 1 -i gw2 -o gw1 -p udp -m multiport --dports 500,4500 -j ACCEPT
}
forward_off() {
	local p
	for p in 500 4500; do
		ipt -t nat -D PREROUTING -i gw2 -d "$NATPUB" -p udp --dport $p \
		    -j DNAT --to-destination "$GW1_PUB:$p"
	done
	ipt -D FORWARD -i gw2 -o gw1 -p udp -m multiport --dports 500,4500 -j ACCEPT
	ip netns exec "$NS_RTR" conntrack -F >/dev/null 2>&1
}

# write_ikd GW MODE PEER DSTID GLOBAL_EXTRA : gw's configuration in $S/GW
write_ikd() {
	local gw=$1 local lan rlan
	if [ "$gw" = gw1 ]; then
		local=$GW1_PUB lan=$LAN1 rlan=$LAN2
	else
		local=$GW2_PUB lan=$LAN2 rlan=$LAN1
	fi
	mkdir -p "$S/$gw/vpn.d"
	printf '[global]\ninclude = vpn.d/*.conf\nbackend = pfkey\n%b' \
	    "${5:-}" >"$S/$gw/ikd.conf"
	cat >"$S/$gw/vpn.d/nat.conf" <<EOF
[vpn]
name = nat
mode = $2
local = $local
peer = $3
srcid = $local
dstid = $4
psk = $PSK
[flows]
flow = $lan $rlan
[ikesa]
enc = aes-256
auth = hmac-sha2-256
prf = hmac-sha2-256
group = curve25519
[childsa]
enc = aes-256
auth = hmac-sha1
EOF
	chmod 600 "$S/$gw/vpn.d/nat.conf"
}

# start_ikd GW [ARGS...] : ikd in gw's netns with $S/GW's configuration
start_ikd() {
	local gw=$1
	shift
	rm -f "$S/$gw.sock"
	ip netns exec "$gw" "$IKEBOX" ikd -d -v "$@" -f "$S/$gw/ikd.conf" \
	    -s "$S/$gw.sock" -p "$S/$gw.pid" >>"$HARNESS_OUT/ikd-$gw-$CASE.log" 2>&1 &
	eval "PID_$gw=$!"
	wait_until 60 test -S "$S/$gw.sock"
}
stop_ikd() {
	local gw pid
	for gw in "$@"; do
		eval "pid=\${PID_$gw:-}"
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		wait_until 10 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		eval "PID_$gw="
	done
}
logs() { tail -n 12 "$HARNESS_OUT/ikd-gw1-$CASE.log" "$HARNESS_OUT/ikd-gw2-$CASE.log" 2>/dev/null; }

# check_tunnel WHAT : ping through UDP-encapsulated ESP, both kernels
# showing the encapsulation, the counters of gw1's outbound SAs growing
check_tunnel() {
	local what=$1 e1 e2 p0 p1
	e1=$(encap_of "$NS_GW1" "$GW1_PUB" "$GW2_PUB")
	e2=$(encap_of "$NS_GW2" "$GW2_PUB" "$PEER_SEEN")
	p0=$(esp_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB")
	if wait_until 15 ping_lan 2 && ping_lan 5; then
		p1=$(esp_pkts "$NS_GW1" "$GW1_PUB" "$GW2_PUB")
		if [ "$e1" = "4500 4500" ] && [ -n "$e2" ] && [ "$p1" -gt "$p0" ]; then
			ok "($what) ping host1 -> host2 through ESP in UDP: gw1's SA encap espinudp $e1, gw2's $e2; gw1's outbound SAs +$((p1 - p0)) packets"
			return 0
		fi
	fi
	fail "($what) ping host1 -> host2 through ESP in UDP" \
	    "gw1 encap '$e1', gw2 encap '$e2', packets $p0 -> ${p1:-?}" \
	    "$(ip -n "$NS_GW1" -s xfrm state)" "$(logs)"
	return 1
}

"$H/topo.sh" up >/dev/null 2>&1 || { fail "topology up"; echo "uml-nat: done"; exit 1; }
if nat_up && forward_on && forward_off; then
	ok "(nat) router masquerades $GW1_PUB as $NATPUB, forwards no ESP"
else
	fail "(nat) iptables-legacy NAT on the router" "$(ipt -t nat -L -n 2>&1)"
fi
# every netfilter module is loaded now (rules made and removed once)
autoload_off	# (lib.sh says why)

# ---- ikd <-> ikd, gw1 behind the NAT initiates ---------------------------
CASE=ikd-init PEER_SEEN=$NATPUB
write_ikd gw1 active "$GW2_PUB" "$GW2_PUB" 'dpd_check_interval = 4\nnat_keepalive = 3\n'
write_ikd gw2 passive "$NATPUB" "$GW1_PUB" 'dpd_check_interval = 0\n'
start_ikd gw2
start_ikd gw1
if wait_until 90 installed gw1 && wait_until 10 installed gw2; then
	n1=$(jget gw1 's["nat"], s["local"], s["peer"], s["encap"]')
	n2=$(jget gw2 's["nat"], s["local"], s["peer"]')
	case "$n1|$n2" in
	"local $GW1_PUB:4500 $GW2_PUB:4500 True|remote $GW2_PUB:4500 $NATPUB:"*)
		ok "(nat) ikd <-> ikd up on 4500: gw1 shows nat local ($n1), gw2 nat remote ($n2)" ;;
	*) fail "(nat) ikd <-> ikd: show sa says who is behind the NAT" "gw1: $n1" "gw2: $n2" ;;
	esac
	check_tunnel "nat, ikd initiator"
	k0=$(keepalives_seen)
	sleep 9.5
	k1=$(keepalives_seen)
	ks=$(stat_of gw1 nat_keepalives)
	if [ $((k1 - k0)) -ge 2 ] && [ $((k1 - k0)) -le 4 ] && [ "${ks:-0}" -ge 3 ]; then
		ok "(nat) keepalives every 3 s: $((k1 - k0)) seen by the router in 9.5 s; show stats nat_keepalives $ks"
	else
		fail "(nat) keepalives every 3 s" "router saw $k0 -> $k1, stats $ks" \
		    "$(ipt -L FORWARD -v -x -n)"
	fi
	# the NAT forgets gw1: a new public port
	old=$(jget gw2 's["peer"]')
	flush=$(ipt -t nat -R POSTROUTING 1 -s 100.64.0.0/24 -o gw2 -p udp \
	    -j MASQUERADE --to-ports 41000-41999 2>&1 &&
	    ip netns exec "$NS_RTR" conntrack -F 2>&1)
	if wait_until 20 sh -c "[ \"\$(\"$IKEBOX\" ikectl -s \"$S/gw2.sock\" show stats | awk '\$1 == \"nat_updates\" { print \$2 }')\" = 1 ]"; then
		new=$(jget gw2 's["peer"]')
		e2=$(encap_of "$NS_GW2" "$GW2_PUB" "$NATPUB")
		if [ "$new" != "$old" ] && [ "${e2#4500 }" = "${new##*:}" ] &&
		    grep -q "peer's NAT mapping changed, following it" "$HARNESS_OUT/ikd-gw2-$CASE.log" &&
		    wait_until 15 ping_lan 2; then
			ok "(nat) conntrack flush, new NAT port: gw2 follows after gw1's authenticated message ($old -> $new, SA encap $e2), pings pass again"
		else
			fail "(nat) after the NAT's new port, gw2 follows and pings pass" \
			    "peer $old -> $new, gw2 encap '$e2'" "$(logs)"
		fi
	else
		fail "(nat) conntrack flush: gw2 follows gw1's new port" "flush: $flush" \
		    "$(ikectl gw2 show stats | grep nat_)" "$(logs)"
	fi
	ipt -t nat -R POSTROUTING 1 -s 100.64.0.0/24 -o gw2 -j MASQUERADE
	ip netns exec "$NS_RTR" conntrack -F >/dev/null 2>&1
else
	fail "(nat) ikd <-> ikd through the NAT: tunnel up within 90 s" "$(logs)"
fi
stop_ikd gw1 gw2
if [ "$(xfrm_count "$NS_GW1")" = 0 ] && [ "$(xfrm_count "$NS_GW2")" = 0 ]; then
	ok "(nat) both ikd stopped: nothing left in either kernel"
else
	fail "(nat) both ikd stopped: nothing left in either kernel" \
	    "$(ip -n "$NS_GW1" xfrm state)" "$(ip -n "$NS_GW2" xfrm state)"
fi

# ---- ikd <-> ikd, gw1 behind the NAT responds (ports forwarded) ----------
CASE=ikd-resp
forward_on
write_ikd gw1 passive "$GW2_PUB" "$GW2_PUB" 'dpd_check_interval = 0\nnat_keepalive = 5\n'
write_ikd gw2 active "$NATPUB" "$GW1_PUB" 'dpd_check_interval = 0\n'
start_ikd gw1
start_ikd gw2
if wait_until 90 installed gw2 && wait_until 10 installed gw1 &&
    [ "$(jget gw1 's["nat"]')" = local ] && [ "$(jget gw2 's["nat"]')" = remote ]; then
	ok "(nat) ikd <-> ikd, gw1 responding behind the NAT: up on 4500, nat local / remote"
	check_tunnel "nat, ikd responder"
else
	fail "(nat) ikd <-> ikd, gw1 responding behind the NAT" "$(ikectl gw1 show sa)" "$(logs)"
fi
stop_ikd gw1 gw2
forward_off

# ---- ikd <-> charon, both roles -----------------------------------------
if charon_start "$NS_GW2"; then
	for role in initiator responder; do
		CASE=charon-$role
		echo "--- case $CASE" >>"$CHARON_LOG"
		if [ "$role" = initiator ]; then
			write_ikd gw1 active "$GW2_PUB" "$GW2_PUB" 'dpd_check_interval = 0\n'
			remote=%any
		else
			forward_on
			write_ikd gw1 passive "$GW2_PUB" "$GW2_PUB" 'dpd_check_interval = 0\n'
			remote=$NATPUB
		fi
		CHARON_REMOTE_ID=$GW1_PUB
		charon_swanctl_conf nat "$GW2_PUB" "$remote" "$LAN2" "$LAN1" "$PSK" \
		    aes256-sha256-prfsha256-x25519 aes256-sha1 >"$S/swanctl-$role.conf"
		charon_load "$S/swanctl-$role.conf"
		start_ikd gw1
		if [ "$role" = responder ]; then
			charon_sw --initiate --child net --timeout 30 >"$S/initiate.log" 2>&1
		fi
		if wait_until 60 installed gw1 &&
		    charon_sw --list-sas --raw 2>/dev/null | grep -q 'nat-local=yes\|nat-remote=yes' &&
		    [ "$(jget gw1 's["nat"]')" = local ]; then
			PEER_SEEN=$NATPUB
			ok "(nat) ikd $role, charon behind no NAT: up, charon sees the NAT, ikd nat local"
			check_tunnel "nat, charon, ikd $role"
		else
			fail "(nat) ikd $role against charon through the NAT" \
			    "$(charon_sw --list-sas --raw 2>&1)" "$(tail -n 20 "$CHARON_LOG")" "$(logs)"
		fi
		stop_ikd gw1
		charon_sw --terminate --ike nat --force --timeout 5 >/dev/null 2>&1
		[ "$role" = responder ] && forward_off
	done
	charon_stop
else
	fail "(nat) charon starts in gw2"
fi

# ---- ikd -T behind the NAT -----------------------------------------------
CASE=ikd-T
write_ikd gw1 active "$GW2_PUB" "$GW2_PUB" 'dpd_check_interval = 0\n'
write_ikd gw2 passive "$NATPUB" "$GW1_PUB" 'dpd_check_interval = 0\n'
start_ikd gw2 -T
start_ikd gw1
wait_until 60 installed gw1
if ! ping_lan 3 && [ -z "$(encap_of "$NS_GW1" "$GW1_PUB" "$GW2_PUB")" ] &&
    grep -q "NAT detected (remote) with peer $NATPUB:.*but NAT traversal is off (nat_traversal = no, or ikd -T): ESP will not pass it" \
    "$HARNESS_OUT/ikd-gw2-$CASE.log"; then
	ok "(nat) ikd -T on gw2: no NAT-T, pings fail, gw2 logs why: $(grep -o 'NAT detected.*' "$HARNESS_OUT/ikd-gw2-$CASE.log" | head -n 1)"
else
	fail "(nat) ikd -T: no traffic and a clear log line" "$(logs)"
fi
stop_ikd gw1 gw2

# ---- nat_traversal = force, no NAT ---------------------------------------
CASE=force
ipt -t nat -F POSTROUTING
ipt -F FORWARD
ipt -A FORWARD -p esp -j DROP	# a network that drops ESP
ip netns exec "$NS_RTR" conntrack -F >/dev/null 2>&1
write_ikd gw1 active "$GW2_PUB" "$GW2_PUB" 'dpd_check_interval = 0\nnat_traversal = force\n'
write_ikd gw2 passive "$GW1_PUB" "$GW1_PUB" 'dpd_check_interval = 0\n'
start_ikd gw2
start_ikd gw1
PEER_SEEN=$GW1_PUB
if wait_until 60 installed gw1 && wait_until 10 installed gw2 &&
    [ "$(jget gw1 's["nat"]')" = local ] && [ "$(jget gw2 's["nat"]')" = remote ]; then
	ok "(nat) nat_traversal = force without a NAT: up on 4500, gw1 nat local (faked), gw2 remote"
	check_tunnel "nat, force"
else
	fail "(nat) nat_traversal = force without a NAT" "$(logs)"
fi
stop_ikd gw1 gw2

# ---- IKE fragmentation (RFC 7383) on a path of 576 bytes that loses IP
# fragments (the router drops them): a message over 576 bytes arrives only
# in IKE fragments ------------------------------------------------------------
ipt -F FORWARD
for l in "$NS_RTR gw1" "$NS_RTR gw2" "$NS_GW1 pub" "$NS_GW2 pub"; do
	set -- $l
	ip -n "$1" link set "$2" mtu 576
done
# the router drops IP fragments as they come in (before its conntrack
# would put them together): any with More Fragments set
autoload_on
for dev in gw1 gw2; do
	ip netns exec "$NS_RTR" tc qdisc add dev $dev ingress &&
	    ip netns exec "$NS_RTR" tc filter add dev $dev parent ffff: \
	    protocol ip u32 match u16 0x2000 0x2000 at 6 action drop ||
	    fail "(frag) tc drops IP fragments on the router's $dev"
done
autoload_off
ip netns exec "$NS_RTR" conntrack -F >/dev/null 2>&1
# write_frag GW MODE PEER DSTID FRAGMENT_SIZE : two flows, the second made
# by a CREATE_CHILD_SA whose modp4096 KE (512 bytes) makes it some 800
# bytes
write_frag() {
	write_ikd "$1" "$2" "$3" "$4" "dpd_check_interval = 0\\nfragment_size = $5\\n"
	if [ "$1" = gw1 ]; then
		sed -i 's|^flow = .*|&\nflow = 10.1.0.0/24 10.2.0.0/24|' "$S/gw1/vpn.d/nat.conf"
	else
		sed -i 's|^flow = .*|&\nflow = 10.2.0.0/24 10.1.0.0/24|' "$S/gw2/vpn.d/nat.conf"
	fi
	printf 'group = modp4096\n' >>"$S/$1/vpn.d/nat.conf"
}
children() { jget "$1" 'len(s["children"])'; }
two_children() { [ "$(children gw1)" = 2 ] && [ "$(children gw2)" = 2 ]; }
for fs in 576 0; do
	CASE=frag-ikd-$fs
	write_frag gw1 active "$GW2_PUB" "$GW2_PUB" 576
	write_frag gw2 passive "$GW1_PUB" "$GW1_PUB" "$fs"
	start_ikd gw2
	start_ikd gw1
	if [ "$fs" = 576 ]; then
		if wait_until 60 two_children && [ "$(stat_of gw2 frag_reassembled)" -ge 1 ] &&
		    wait_until 10 ping_lan 2; then
			ok "(frag) ikd <-> ikd, MTU 576: the CREATE_CHILD_SA with PFS goes in IKE fragments (gw1 sent $(stat_of gw1 frag_sent), gw2 reassembled $(stat_of gw2 frag_reassembled)); both CHILD SAs up, pings pass"
		else
			fail "(frag) ikd <-> ikd, MTU 576, with IKE fragmentation" \
			    "$(ikectl gw1 show sa)" "$(ikectl gw2 show stats | grep frag)" "$(logs)"
		fi
	else
		wait_until 60 installed gw1
		if wait_until 20 grep -q "retransmit 2 CREATE_CHILD_SA" \
		    "$HARNESS_OUT/ikd-gw1-$CASE.log" &&
		    [ "$(children gw1)" = 1 ] && [ "$(stat_of gw1 frag_sent)" = 0 ]; then
			ok "(frag) ikd <-> ikd, MTU 576, gw2 without fragmentation: the CREATE_CHILD_SA goes whole and is lost (retransmitted); one CHILD SA of two"
		else
			fail "(frag) without fragmentation the large message is lost" \
			    "$(ikectl gw1 show sa)" "$(logs)"
		fi
	fi
	stop_ikd gw1 gw2
done

# charon initiating with an IKE_AUTH over 1 KB (a long ID, 15
# selectors each way, many ESP proposals), fragments of 576 bytes
LONG_ID=charon$(printf '.branch-office-%02d' 1 2 3 4 5 6 7 8 9 10).example.org
big_ts() { local n ts=$1; for n in $(seq 0 13); do ts="$ts,$2.$n.0/24"; done; echo "$ts"; }
big_swanctl() {
	cat <<EOF
connections {
	big {
		version = 2
		local_addrs = $GW2_PUB
		remote_addrs = $GW1_PUB
		proposals = aes256-sha256-prfsha256-x25519
		fragmentation = yes
		local {
			auth = psk
			id = $LONG_ID
		}
		remote {
			auth = psk
			id = $GW1_PUB
		}
		children {
			net {
				local_ts = $(big_ts "$LAN2" 10.2)
				remote_ts = $(big_ts "$LAN1" 10.1)
				esp_proposals = aes256-sha1,aes128-sha1,aes192-sha1,aes256-sha384,aes256-sha512,aes128-sha384,aes128-sha512
				start_action = none
			}
		}
	}
}
secrets {
	ike-big {
		id-local = $LONG_ID
		id-remote = $GW1_PUB
		secret = "$PSK"
	}
}
EOF
}
CHARON_CONF_EXTRA="fragment_size = 576"
if charon_start "$NS_GW2"; then
	big_swanctl >"$S/swanctl-big.conf"
	charon_load "$S/swanctl-big.conf"
	for fs in 576 0; do
		CASE=frag-charon-$fs
		echo "--- case $CASE" >>"$CHARON_LOG"
		write_ikd gw1 passive "$GW2_PUB" "$LONG_ID" "dpd_check_interval = 0\\nfragment_size = $fs\\n"
		start_ikd gw1
		charon_sw --initiate --child net --timeout 20 >"$S/initiate-$fs.log" 2>&1
		if [ "$fs" = 576 ]; then
			if wait_until 20 installed gw1 && [ "$(stat_of gw1 frag_reassembled)" -ge 1 ] &&
			    wait_until 10 ping_lan 2; then
				ok "(frag) charon -> ikd, MTU 576: an IKE_AUTH of over 1 KB in $(stat_of gw1 frag_received) fragments, reassembled; CHILD SA up, pings pass"
			else
				fail "(frag) charon -> ikd with IKE fragmentation" "$(ikectl gw1 show sa)" \
				    "$(ikectl gw1 show stats | grep frag)" "$(tail -n 20 "$CHARON_LOG")" "$(logs)"
			fi
		else
			if ! installed gw1 && [ "$(stat_of gw1 frag_received)" = 0 ] &&
			    charon_case_log_has 'retransmit'; then
				ok "(frag) charon -> ikd, MTU 576, ikd without fragmentation: the large IKE_AUTH is lost, nothing comes up"
			else
				fail "(frag) without fragmentation charon's IKE_AUTH is lost" \
				    "$(ikectl gw1 show sa)" "$(tail -n 20 "$CHARON_LOG")"
			fi
		fi
		stop_ikd gw1
		charon_sw --terminate --ike big --force --timeout 5 >/dev/null 2>&1
	done
	charon_stop
else
	fail "(frag) charon starts in gw2"
fi
autoload_on
echo "uml-nat: done"
