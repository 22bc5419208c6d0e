# xfrm_auto.sh - `backend = auto` (the default) on this machine's kernel,
# which has XFRM netlink but neither ESP nor PF_KEY: auto picks xfrm and
# `ikd -n -v` says so; cfgcheck allows what PF_KEY cannot carry (AEAD,
# hmac-sha2-256 with RFC 4868's 128 bits, ESN) and still refuses it with
# backend = pfkey.  Then, in a network namespace made here (unshare -n, as
# root), two ikd on loopback with the xfrm backend: the kernel's refusal
# of the ESP SA reaches the log naming the SA and the kernel's own reason;
# a policy a killed ikd left (its reqid range) is cleaned at the next
# start, a foreign policy (reqid 5) is never touched; `ikectl show stats` and
# ipsecctl-sa read XFRM.  The ESP path itself runs in UML (t/uml/xfrm.sh).
SUITE=xfrm_auto
. t/lib.sh

ROOT=$(cd "$TMP" && pwd)
mkdir -p "$ROOT/c/vpn.d"
printf '[global]\ninclude = vpn.d/*.conf\n' > "$ROOT/c/ikd.conf"
lo_vpn "$ROOT/c/vpn.d/v.conf" v active 192.0.2.1 192.0.2.2 \
    good-key-0123456789 "" "" "10.1.0.0/24 10.2.0.0/24"
# child_enc FILE ENC: [childsa] enc = ENC in a VPN file from lo_vpn
child_enc() { sed -i '/^\[childsa\]/,$ s/^enc = .*/enc = '"$2"'/' "$1"; }
child_enc "$ROOT/c/vpn.d/v.conf" "aes-256-gcm aes-256"
printf 'esn = both\n' >> "$ROOT/c/vpn.d/v.conf"

# Which backend auto must pick here: the kernel answers NETLINK_XFRM.
if ip xfrm policy count >/dev/null 2>&1 || ip xfrm state list >/dev/null 2>&1
then
	expect "ikd -n -v: backend = auto, resolved to xfrm on this kernel" 0 \
	    '; auto: xfrm on this kernel' $IKEBOX ikd -n -v -f "$ROOT/c/ikd.conf"
	for want in '^backend = auto$' '^esn = both$' '^replay_window = 32$' \
	    '^enc = aes-256-gcm aes-256$' '^auth = hmac-sha2-256$' \
	    '^configuration OK$'; do
		printf '%s\n' "$OUT" | grep -Eq -- "$want" &&
			ok "ikd -n -v shows $want" ||
			fail "ikd -n -v shows $want" "$OUT"
	done
else
	ok "skipped: this kernel (or user) has no XFRM netlink"
	exit 0
fi

printf '[global]\ninclude = vpn.d/*.conf\nbackend = pfkey\n' > "$ROOT/c/ikd.conf"
expect "backend = pfkey: AEAD, hmac-sha2-256 and ESN refused" 1 \
    'v.conf:[0-9]+: \[childsa\] enc: backend pfkey cannot install AEAD' \
    $IKEBOX cfgcheck -f "$ROOT/c/ikd.conf"
for want in "\[childsa\] auth: backend pfkey truncates hmac-sha2-256" \
    "\[childsa\] esn: backend pfkey cannot install extended sequence numbers"; do
	printf '%s\n' "$OUT" | grep -Eq -- "$want" && ok "pfkey: $want" ||
		fail "pfkey: $want" "$OUT"
done
printf '[global]\ninclude = vpn.d/*.conf\nbackend = xfrm\n' > "$ROOT/c/ikd.conf"
expect "backend = xfrm: the same VPN is accepted" 0 '^configuration OK$' \
    $IKEBOX cfgcheck -f "$ROOT/c/ikd.conf"

# ---- two ikd in a namespace of our own ----------------------------------
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	ok "skipped: the namespace part needs root and unshare"
	exit 0
fi
for g in gw1 gw2; do
	mkdir -p "$ROOT/$g/vpn.d"
	printf '[global]\ninclude = vpn.d/*.conf\ndpd_check_interval = 0\nnat_traversal = no\nsocket = %s\n' \
	    "$ROOT/$g/ikd.sock" > "$ROOT/$g/ikd.conf"
done
lo_vpn "$ROOT/gw1/vpn.d/t.conf" t active 127.0.0.1 127.0.0.2 \
    good-key-0123456789 "" "" "10.1.0.0/24 10.2.0.0/24"
lo_vpn "$ROOT/gw2/vpn.d/t.conf" t passive 127.0.0.2 127.0.0.1 \
    good-key-0123456789 "" "" "10.2.0.0/24 10.1.0.0/24"
child_enc "$ROOT/gw1/vpn.d/t.conf" aes-256-gcm
child_enc "$ROOT/gw2/vpn.d/t.conf" aes-256-gcm

# Everything below runs in the new namespace; it prints its findings as
# "KEY VALUE" lines, checked here.
cat > "$TMP/ns.sh" <<'EOF'
R=$1 IKEBOX=$2
ip link set lo up
ip xfrm policy add src 10.9.0.0/24 dst 10.8.0.0/24 dir out \
    tmpl src 1.1.1.1 dst 2.2.2.2 proto esp reqid 5 mode tunnel
# what a killed ikd left: a policy and a reserved SPI in ikebox's range
ip xfrm policy add src 10.7.0.0/24 dst 10.8.0.0/24 dir out \
    tmpl src 1.1.1.1 dst 2.2.2.2 proto esp reqid 8200 mode tunnel
$IKEBOX ikd -d -f "$R/gw2/ikd.conf" 2> "$R/gw2.log" & P2=$!
$IKEBOX ikd -d -f "$R/gw1/ikd.conf" 2> "$R/gw1.log" & P1=$!
n=0
while [ $n -lt 50 ] && ! grep -q 'kernel refused outbound SA' "$R/gw1.log"; do
	sleep 0.1; n=$((n + 1))
done
echo "STATS $($IKEBOX ikectl -s "$R/gw1/ikd.sock" show stats --json)"
$IKEBOX ipsecctl-sa -d -f "$R/gw1/ikd.conf" | sed 's/^/DUMP /'
kill $P1 $P2
wait $P1 $P2
ip xfrm policy | sed -n 's/.*reqid \([0-9]*\).*/POLICY \1/p'
EOF
unshare -n sh "$TMP/ns.sh" "$ROOT" "$(cd "$(dirname "$IKEBOX")" && pwd)/$(basename "$IKEBOX")" \
    > "$TMP/ns.out" 2>&1
NS=$(cat "$TMP/ns.out")

grep -Eq 'error: vpn t: (add|update) SA spi 0x[0-9a-f]{8} 127\.0\.0\.[12] -> 127\.0\.0\.[12]: kernel: .+ \(.+\)$' \
    "$ROOT/gw1.log" &&
	ok "an SA the kernel refuses: the log names the SA and the kernel's reason" ||
	fail "an SA the kernel refuses: the log names the SA and the kernel's reason" \
	    "$(cat "$ROOT/gw1.log")"
grep -q 'notice: ikd started: 1 vpn(s), backend xfrm (auto)' "$ROOT/gw1.log" &&
	ok "ikd's start line names the backend auto chose" ||
	fail "ikd's start line names the backend auto chose" "$(head -3 "$ROOT/gw1.log")"
printf '%s\n' "$NS" | grep -q '^STATS {"backend":"xfrm (auto)","ike_sas":1,' &&
	ok "ikectl show stats: backend xfrm (auto), the IKE SA up" ||
	fail "ikectl show stats: backend xfrm (auto), the IKE SA up" "$NS"
printf '%s\n' "$NS" | grep -Eq '^DUMP flow	out	10\.9\.0\.0/24	10\.8\.0\.0/24	0	1\.1\.1\.1	2\.2\.2\.2	5	0	require	0$' &&
	ok "ipsecctl-sa -d lists the kernel's XFRM policies, the foreign one not own" ||
	fail "ipsecctl-sa -d lists the kernel's XFRM policies" "$NS"
printf '%s\n' "$NS" | grep -Eq '^DUMP flow.*	8200	' &&
	fail "the policy a killed ikd left (reqid 8200) is gone at ikd's start" "$NS" ||
	ok "the policy a killed ikd left (reqid 8200) is gone at ikd's start"
[ "$(printf '%s\n' "$NS" | sed -n 's/^POLICY //p' | tr '\n' ' ')" = "5 " ] &&
	ok "only the foreign policy (reqid 5) is left" ||
	fail "only the foreign policy (reqid 5) is left" "$NS"
