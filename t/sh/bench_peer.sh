# bench_peer.sh - the ikd side of `make bench-peer` (bench/peer.sh), which
# needs root and a strongSwan built with load-tester, so is no test: here
# only the configuration it generates for ikd.  For each DH group, 300
# initiators (past 256, where the addresses carry into the third byte) give
# a configuration that cfgcheck accepts, with one VPN per initiator: its
# own address 127.1.X.Y in load-tester's pool order, its own flow and the
# identity load-tester sends (cN-r1.strongswan.org).
SUITE=bench_peer
. t/lib.sh

N=300
for g in curve25519 ecp256 modp2048 modp4096; do
	d=$(pwd)/$TMP/$g
	sh bench/peer.sh --ikd-conf "$d" $N $g
	expect "$g: $N generated VPNs are accepted" 0 '^configuration OK$' \
		$IKEBOX cfgcheck -v -f "$d/ikd.conf"
	peers=$(printf '%s\n' "$OUT" | grep -c '^peer = 127\.1\.')
	upeers=$(printf '%s\n' "$OUT" | grep '^peer = ' | sort -u | wc -l)
	flows=$(printf '%s\n' "$OUT" | grep '^flow = 127\.0\.0\.1/32 ' |
	    sort -u | wc -l)
	groups=$(printf '%s\n' "$OUT" | grep -c "^group = $g\$")
	if [ "$peers" = $N ] && [ "$upeers" = $N ] && [ "$flows" = $N ] &&
	    [ "$groups" = $N ]; then
		ok "$g: $N distinct peers and flows, all with group $g"
	else
		fail "$g: $N distinct peers and flows, all with group $g" \
		    "peers $peers, distinct $upeers, flows $flows," \
		    "groups $groups"
	fi
done
# Initiator 257 (load-tester's IKE SA 257, address pool 127.1.0.0/16 less
# its network address) as cfgcheck prints it.
v=$(printf '%s\n' "$OUT" | sed -n '/^name = c257$/,/^group = none$/p')
for want in '^peer = 127\.1\.1\.1$' '^dstid = c257-r1\.strongswan\.org$' \
	'^srcid = srv\.strongswan\.org$' '^flow = 127\.0\.0\.1/32 127\.1\.1\.1/32$' \
	'^mode = passive$'; do
	if printf '%s\n' "$v" | grep -q -- "$want"; then
		ok "VPN c257 has /$want/"
	else
		fail "VPN c257 has /$want/" "$v"
	fi
done
