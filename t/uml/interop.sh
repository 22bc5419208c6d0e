#!/bin/bash
# interop.sh - runs INSIDE the UML guest: ikd in gw1 against strongSwan's
# charon (Debian 5.9.x) in gw2, on the how-to's topology.
#  - backend null, ikd initiating and ikd responding, four proposal sets
#    (the how-to's; aes-128-gcm-16 + curve25519; aes-256 + hmac-sha2-256 +
#    ecp256; a first KE the responder refuses): both sides
#    ESTABLISHED/INSTALLED with the same IKE and CHILD SPIs and the expected
#    algorithms (`ikectl show sa --json` against `swanctl --list-sas --raw`,
#    compared by sa_match.py), then the initiator's DELETE clears the other
#    side.  The first case also has charon check liveness (DPD).
#  - backend pfkey, both roles, the how-to's proposals: LAN-to-LAN ping
#    passes, and the counters of each of the four kernel SAs (per SPI)
#    grow.
# Prints "ok uml: ..." / "FAIL uml: ..." lines and "uml-interop: done" last.
set -u
H=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$H/lib.sh"
. "$H/charon.sh"
ROOT=$(cd "$H/../.." && pwd)
IKEBOX=$ROOT/ikebox
S=$HARNESS_STATE/interop
PSK=interop-psk-0123456789
mkdir -p "$S"

ok() { echo "ok uml: $1"; }
fail() {
	echo "FAIL uml: $1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
ikectl() { "$IKEBOX" ikectl -s "$S/ikd.sock" "$@"; }
ikd_log() { echo "ikd log:"; tail -n 15 "$IKD_LOG"; }
charon_log() { echo "charon log:"; tail -n 15 "$CHARON_LOG"; }
# spi_pkts NETNS SPI : packets the kernel counted on the ESP SA with SPI (hex)
spi_pkts() {
	local n
	n=$(xfrm_spi_pkts "$1" "$GW1_PUB" "$GW2_PUB"; xfrm_spi_pkts "$1" "$GW2_PUB" "$GW1_PUB")
	printf '%s\n' "$n" | awk -v s="0x$2" '$1 == s { print $2; f = 1 } END { if (!f) print -1 }'
}

# set_props NAME ROLE : a proposal set: ikd's [ikesa] and [childsa] lines,
# charon's proposals and esp_proposals, what charon must then show for the
# IKE SA and CHILD SA, and a line charon must have logged (KE_LOG)
set_props() {
	KE_LOG= IKD_VPN= CHARON_LOCAL_ID= CHARON_REMOTE_ID= CH_LTS=$LAN2 CH_RTS=$LAN1
	EXP_TS="$LAN1 === $LAN2"
	case $1 in
	howto)
		DESC="the how-to's proposals (IKE aes-256/hmac-sha2-256/modp4096, child aes-256/hmac-sha1)"
		IKD_IKE=$'enc = aes-256\nauth = hmac-sha2-256\nprf = hmac-sha2-256\ngroup = modp4096'
		IKD_CHILD=$'enc = aes-256\nauth = hmac-sha1\ngroup = modp4096'
		CH_IKE=aes256-sha256-prfsha256-modp4096
		CH_ESP=aes256-sha1-modp4096
		EXP_IKE=encr-alg=AES_CBC,encr-keysize=256,integ-alg=HMAC_SHA2_256_128,prf-alg=PRF_HMAC_SHA2_256,dh-group=MODP_4096
		EXP_CHILD=encr-alg=AES_CBC,encr-keysize=256,integ-alg=HMAC_SHA1_96
		;;
	gcm)
		DESC="aes-128-gcm-16/curve25519 (IKE and child)"
		IKD_IKE=$'enc = aes-128-gcm\nprf = hmac-sha2-256\ngroup = curve25519'
		IKD_CHILD=$'enc = aes-128-gcm\ngroup = curve25519'
		CH_IKE=aes128gcm16-prfsha256-x25519
		CH_ESP=aes128gcm16-x25519
		EXP_IKE=encr-alg=AES_GCM_16,encr-keysize=128,prf-alg=PRF_HMAC_SHA2_256,dh-group=CURVE_25519
		EXP_CHILD=encr-alg=AES_GCM_16,encr-keysize=128
		;;
	sha2)
		DESC="aes-256/hmac-sha2-256/ecp256 (IKE and child)"
		IKD_IKE=$'enc = aes-256\nauth = hmac-sha2-256\nprf = hmac-sha2-256\ngroup = ecp256'
		IKD_CHILD=$'enc = aes-256\nauth = hmac-sha2-256\ngroup = ecp256'
		CH_IKE=aes256-sha256-prfsha256-ecp256
		CH_ESP=aes256-sha256-ecp256
		EXP_IKE=encr-alg=AES_CBC,encr-keysize=256,integ-alg=HMAC_SHA2_256_128,prf-alg=PRF_HMAC_SHA2_256,dh-group=ECP_256
		EXP_CHILD=encr-alg=AES_CBC,encr-keysize=256,integ-alg=HMAC_SHA2_256_128
		;;
	ke)
		# The initiator's KE is for a group the responder refuses:
		# INVALID_KE_PAYLOAD names the right one, the initiator starts
		# over with it (RFC 7296 1.2, 3.10.1).
		IKD_CHILD=$'enc = aes-256\nauth = hmac-sha1\ngroup = none'
		CH_ESP=aes256-sha1
		EXP_CHILD=encr-alg=AES_CBC,encr-keysize=256,integ-alg=HMAC_SHA1_96
		KE_LOG='N(INVAL_KE)'
		if [ "$2" = initiator ]; then
			DESC="ikd's KE for ecp256 refused by charon (curve25519 only), INVALID_KE_PAYLOAD, then curve25519"
			IKD_IKE=$'enc = aes-256\nauth = hmac-sha2-256\nprf = hmac-sha2-256\ngroup = ecp256 curve25519'
			CH_IKE=aes256-sha256-prfsha256-x25519
			EXP_IKE=dh-group=CURVE_25519
		else
			DESC="charon's KE for curve25519 refused by ikd (ecp256 only), INVALID_KE_PAYLOAD, then ecp256"
			IKD_IKE=$'enc = aes-256\nauth = hmac-sha2-256\nprf = hmac-sha2-256\ngroup = ecp256'
			CH_IKE=aes256-sha256-prfsha256-x25519-ecp256
			EXP_IKE=dh-group=ECP_256
		fi
		;;
	defaults)
		# no proposal keys in ikd (its defaults, iked's), charon's
		# "default" (about 40 transforms per proposal)
		DESC="default proposals on both sides"
		IKD_IKE= IKD_CHILD= CH_IKE=default CH_ESP=default
		EXP_IKE= EXP_CHILD=
		;;
	fqdn)
		set_props howto
		DESC="FQDN identities (srcid gw1.example.org, dstid gw2.example.org)"
		IKD_VPN=$'srcid = gw1.example.org\ndstid = gw2.example.org'
		CHARON_LOCAL_ID=gw2.example.org CHARON_REMOTE_ID=gw1.example.org
		;;
	narrow)
		set_props howto
		if [ "$2" = initiator ]; then
			# charon's policy is a /26 of ikd's remote /25: charon
			# narrows, ikd must take the narrower selectors
			DESC="charon narrows ikd's $LAN2 to 203.0.113.128/26"
			CH_LTS=203.0.113.128/26
			EXP_TS="$LAN1 === 203.0.113.128/26"
		else
			# charon asks for 203.0.113.0/24 on ikd's side, ikd
			# narrows it to its flow's $LAN1
			DESC="ikd narrows charon's 203.0.113.0/24 to $LAN1"
			CH_RTS=203.0.113.0/24
		fi
		;;
	esac
}

# write_ikd DIR MODE BACKEND : ikd's configuration for gw1 in DIR
write_ikd() {
	mkdir -p "$1/vpn.d"
	printf '[global]\ninclude = vpn.d/*.conf\ndpd_check_interval = 0\nbackend = %s\n' \
	    "$3" >"$1/ikd.conf"
	cat >"$1/vpn.d/charon.conf" <<EOF
[vpn]
name = charon
mode = $2
protocol = esp
local = $GW1_PUB
peer = $GW2_PUB
psk = $PSK
ikelifetime = 86400
lifetime = 3600
$IKD_VPN

[flows]
flow = $LAN1 $LAN2
${IKD_IKE:+[ikesa]
$IKD_IKE}
${IKD_CHILD:+[childsa]
$IKD_CHILD}
EOF
	chmod 600 "$1/vpn.d/charon.conf"
}

# start_ikd DIR : ikd in gw1, answering on its control socket
start_ikd() {
	IKD_LOG=$HARNESS_OUT/ikd-$CASE.log
	ip netns exec "$NS_GW1" "$IKEBOX" ikd -d -v -f "$1/ikd.conf" \
	    -s "$S/ikd.sock" -p "$S/ikd.pid" >>"$IKD_LOG" 2>&1 &
	IKD_PID=$!
	wait_until 30 test -S "$S/ikd.sock"
}

# stop_ikd : SIGTERM, wait for its exit
stop_ikd() {
	kill -TERM "$IKD_PID" 2>/dev/null
	wait_until 10 sh -c "! kill -0 $IKD_PID" || kill -KILL "$IKD_PID" 2>/dev/null
	wait "$IKD_PID" 2>/dev/null
	rm -f "$S/ikd.sock"
}

ikd_up() { ikectl show sa --json 2>/dev/null | grep -q '"INSTALLED"'; }
charon_up() { charon_sw --list-sas --raw 2>/dev/null | grep -q 'state=INSTALLED'; }
charon_empty() { ! charon_sw --list-sas --raw 2>/dev/null | grep -q 'state='; }
ikd_empty() { [ "$(ikectl show sa --json 2>/dev/null)" = "[]" ]; }
# charon_case_log : charon's log since this case began
charon_case_log() {
	awk -v m="--- case $CASE" '$0 == m { b = ""; f = 1; next } f { b = b $0 "\n" }
	    END { printf "%s", b }' "$CHARON_LOG"
}
dpd_answered() { charon_case_log | grep -q 'parsed INFORMATIONAL response'; }

# bring_up ROLE BACKEND PROPS [CASE] : the tunnel between ikd (ROLE:
# initiator or responder) and charon; 0 when both sides show an INSTALLED
# CHILD SA.  CASE names the logs (default BACKEND-PROPS-ikd-ROLE).
bring_up() {
	local role=$1 mode=active d
	set_props "$3" "$role"
	CASE=${4:-$2-$3-ikd-$role}
	d=$S/$CASE
	[ "$role" = responder ] && mode=passive
	write_ikd "$d" "$mode" "$2"
	: >"$HARNESS_OUT/ikd-$CASE.log"
	charon_swanctl_conf "$CASE" "$GW2_PUB" "$GW1_PUB" "$CH_LTS" "$CH_RTS" "$PSK" \
	    "$CH_IKE" "$CH_ESP" >"$d/swanctl.conf"
	cp "$d/swanctl.conf" "$HARNESS_OUT/swanctl-$CASE.conf"
	echo "--- case $CASE" >>"$CHARON_LOG"
	charon_load "$d/swanctl.conf" || return 1
	start_ikd "$d" || return 1
	if [ "$role" = responder ]; then
		charon_sw --initiate --child net --timeout 30 >"$d/initiate.log" 2>&1
	fi
	wait_until 60 ikd_up && wait_until 10 charon_up
}

# tear_down ROLE : the initiator deletes the IKE SA.  ikd initiator: SIGTERM,
# its DELETE must clear charon's SA.  ikd responder: charon's DELETE must
# clear ikd's SA (and with PF_KEY, gw1's kernel SAs).  Sets TD_WHAT; 0 if
# the other side followed.
tear_down() {
	local r=0
	if [ "$1" = initiator ]; then
		TD_WHAT="SIGTERM'd ikd's DELETE clears charon's IKE SA"
		stop_ikd
		wait_until 10 charon_empty || r=1
	else
		TD_WHAT="charon's DELETE clears ikd's IKE SA"
		[ "$2" = pfkey ] && TD_WHAT="$TD_WHAT and gw1's kernel SAs"
		charon_sw --terminate --ike "$CASE" --timeout 10 >/dev/null 2>&1
		wait_until 10 ikd_empty || r=1
		[ "$2" = pfkey ] && [ "$(xfrm_count "$NS_GW1")" != 0 ] && r=1
		stop_ikd
	fi
	[ "$r" = 0 ] && return 0
	charon_sw --terminate --ike "$CASE" --force --timeout 5 >/dev/null 2>&1
	return 1
}

# compare ROLE : ikd's and charon's views agree; sets EVIDENCE
compare() {
	ikectl show sa --json >"$S/$CASE/ikd.json" 2>&1
	charon_sw --list-sas --raw >"$S/$CASE/charon.raw" 2>&1
	EVIDENCE=$(python3 "$H/sa_match.py" "$S/$CASE/ikd.json" "$S/$CASE/charon.raw" \
	    "$EXP_IKE" "$EXP_CHILD" "$EXP_TS" 2>&1)
}

# case_sas ROLE PROPS : backend null, compare both views, then the DELETE
case_sas() {
	local role=$1 other=responder
	[ "$role" = responder ] && other=initiator
	if ! bring_up "$role" null "$2"; then
		fail "(interop) ikd $role, charon $other, $DESC: tunnel up within 60 s" \
		    "$(ikd_log)" "$(charon_log)"
		tear_down "$role" null
		return
	fi
	if compare; then
		ok "(interop) ikd $role, charon $other, $DESC: IKE SA ESTABLISHED and CHILD SA INSTALLED on both, SPIs agree ($EVIDENCE)"
	else
		fail "(interop) ikd $role, charon $other, $DESC: both sides agree" \
		    "$EVIDENCE" "ikd: $(cat "$S/$CASE/ikd.json")" \
		    "charon: $(cat "$S/$CASE/charon.raw")" "$(ikd_log)" "$(charon_log)"
	fi
	if [ -n "$KE_LOG" ]; then
		if charon_case_log | grep -qF "$KE_LOG"; then
			ok "(interop) ikd $role, $2: charon's log shows the INVALID_KE_PAYLOAD round"
		else
			fail "(interop) ikd $role, $2: charon's log shows the INVALID_KE_PAYLOAD round" \
			    "$(charon_log)"
		fi
	fi
	if [ -n "${CHARON_DPD:-}" ]; then
		if wait_until 15 dpd_answered; then
			ok "(interop) ikd $role, $2: ikd answers charon's liveness checks (dpd_delay $CHARON_DPD)"
		else
			fail "(interop) ikd $role, $2: ikd answers charon's liveness checks" \
			    "$(ikd_log)" "$(charon_log)"
		fi
	fi
	if tear_down "$role" null; then
		ok "(interop) ikd $role, $2: $TD_WHAT"
	else
		fail "(interop) ikd $role, $2: $TD_WHAT" "$(ikectl show sa)" "$(ikd_log)" "$(charon_log)"
	fi
}

# case_restart : ikd dies without a word (SIGKILL) and starts again; its
# INITIAL_CONTACT (RFC 7296 2.4) must make charon drop the old IKE SA, so
# that exactly one is left, the new one.  Then charon deletes the CHILD SA
# alone: ikd must drop it, keep the IKE SA and, being active, bring the flow
# back with CREATE_CHILD_SA (PFS: the how-to's modp4096).
case_restart() {
	local old oldc
	if ! bring_up initiator null howto null-restart; then
		fail "(interop) ikd restart: first tunnel up within 60 s" "$(ikd_log)" "$(charon_log)"
		tear_down initiator null
		return
	fi
	old=$(charon_sw --list-sas --raw 2>/dev/null | grep -o 'initiator-spi=[0-9a-f]*')
	kill -KILL "$IKD_PID"
	wait "$IKD_PID" 2>/dev/null
	rm -f "$S/ikd.sock"
	start_ikd "$S/$CASE"
	if wait_until 60 ikd_up && wait_until 10 charon_one_new "$old" && compare; then
		ok "(interop) ikd killed and restarted: its INITIAL_CONTACT makes charon drop the old IKE SA ($EVIDENCE)"
	else
		fail "(interop) ikd killed and restarted: charon keeps only the new IKE SA" \
		    "old: $old" "$EVIDENCE" "$(charon_sw --list-sas)" "$(ikd_log)" "$(charon_log)"
	fi
	oldc=$(sed -n 's/.*"spi_in":"\([0-9a-f]*\)".*/\1/p' "$S/$CASE/ikd.json")
	charon_sw --terminate --child net --timeout 10 >/dev/null 2>&1
	EXP_CHILD=$EXP_CHILD,dh-group=MODP_4096
	if wait_until 30 new_child "$oldc" && wait_until 10 charon_up && compare &&
	    grep -q "peer deleted CHILD SA" "$IKD_LOG"; then
		ok "(interop) charon deletes the CHILD SA alone: ikd drops it, keeps the IKE SA, brings the flow back by CREATE_CHILD_SA with PFS ($EVIDENCE)"
	else
		fail "(interop) charon deletes the CHILD SA alone: ikd drops it, keeps the IKE SA, brings the flow back" \
		    "$EVIDENCE" "$(ikectl show sa)" "$(ikd_log)" "$(charon_log)"
	fi
	tear_down initiator null >/dev/null
}
# charon_one_new "initiator-spi=OLD" : charon has one IKE SA, not that one
charon_one_new() {
	local l
	l=$(charon_sw --list-sas --raw 2>/dev/null | grep -o 'initiator-spi=[0-9a-f]*')
	[ "$(printf '%s\n' "$l" | grep -c .)" = 1 ] && [ "$l" != "$1" ] &&
	    charon_sw --list-sas --raw | grep -q 'state=INSTALLED'
}
# new_child SPI : ikd shows an INSTALLED CHILD SA, and not with spi_in SPI
new_child() {
	local j
	j=$(ikectl show sa --json 2>/dev/null)
	[[ $j == *'"INSTALLED"'* && $j != *"\"spi_in\":\"$1\""* ]]
}

# case_ping ROLE : backend pfkey, the how-to's proposals, ping through ESP
case_ping() {
	local role=$1 other=responder si so b1 b2 a1 a2 r c1 c2 w
	[ "$role" = responder ] && other=initiator
	if ! bring_up "$role" pfkey howto; then
		fail "(interop) ikd $role (pfkey), charon $other: tunnel up within 60 s" \
		    "$(ikd_log)" "$(charon_log)"
		tear_down "$role" pfkey
		return
	fi
	if ! compare; then
		fail "(interop) ikd $role (pfkey), charon $other: both sides agree" \
		    "$EVIDENCE" "$(ikd_log)" "$(charon_log)"
	fi
	si=$(sed -n 's/.*"spi_in":"\([0-9a-f]*\)".*/\1/p' "$S/$CASE/ikd.json")
	so=$(sed -n 's/.*"spi_out":"\([0-9a-f]*\)".*/\1/p' "$S/$CASE/ikd.json")
	# gw1 sends on spi_out, gw2 receives on it; gw2 answers on spi_in
	b1=$(spi_pkts "$NS_GW1" "$so") b2=$(spi_pkts "$NS_GW2" "$so")
	c1=$(spi_pkts "$NS_GW2" "$si") c2=$(spi_pkts "$NS_GW1" "$si")
	ip netns exec "$NS_HOST1" ping -n -q -c 5 -i 0.2 -W 1 "$HOST2" >/dev/null 2>&1
	r=$?
	a1=$(spi_pkts "$NS_GW1" "$so") a2=$(spi_pkts "$NS_GW2" "$so")
	w="gw1 out $so +$((a1 - b1)), gw2 in $so +$((a2 - b2)), gw2 out $si +$(($(spi_pkts "$NS_GW2" "$si") - c1)), gw1 in $si +$(($(spi_pkts "$NS_GW1" "$si") - c2))"
	if [ "$r" = 0 ] && [ "$b1" -ge 0 ] && [ "$b2" -ge 0 ] && [ "$c1" -ge 0 ] &&
	    [ "$c2" -ge 0 ] && ! printf '%s' "$w" | grep -q '+0\|+-'; then
		ok "(interop) ikd $role (pfkey), charon $other, how-to's proposals: ping host1 -> host2 through ESP ($w)"
	else
		fail "(interop) ikd $role (pfkey), charon $other: ping host1 -> host2 through ESP" \
		    "ping status $r; $w" "$(ip -n "$NS_GW1" -s xfrm state)" \
		    "$(ip -n "$NS_GW2" -s xfrm state)" "$(ikd_log)" "$(charon_log)"
	fi
	if tear_down "$role" pfkey && [ "$(xfrm_count "$NS_GW1")" = 0 ]; then
		ok "(interop) ikd $role (pfkey): $TD_WHAT; none left in gw1's kernel"
	else
		fail "(interop) ikd $role (pfkey): $TD_WHAT; none left in gw1's kernel" \
		    "$(ip -n "$NS_GW1" xfrm state)" "$(ikd_log)" "$(charon_log)"
	fi
}

if ! "$H/topo.sh" up >/dev/null 2>&1; then
	fail "(interop) topology up"
	echo "uml-interop: done"
	exit 1
fi
if ! charon_start "$NS_GW2" 2>"$S/charon-start.err"; then
	fail "(interop) charon starts in gw2" "$(cat "$S/charon-start.err")"
	echo "uml-interop: done"
	exit 1
fi
log "charon up"
for p in howto gcm sha2 ke defaults fqdn narrow; do
	for role in initiator responder; do
		# charon's liveness checks in the first case only (they cost time)
		CHARON_DPD=
		[ "$p$role" = howtoinitiator ] && CHARON_DPD=1s
		case_sas "$role" "$p"
		log "case $CASE done"
	done
done
case_restart
log "case $CASE done"
autoload_off	# (lib.sh says why)
for role in initiator responder; do
	case_ping "$role"
	log "case $CASE done"
done
charon_stop
autoload_on
echo "uml-interop: done"
