# cfgcheck.sh - the cfgcheck applet as a user runs it: usage, exit codes,
# every example in configs/, errors on stderr with FILE:LINE, -v, and the
# how-to's three iked.conf files imported and compared with configs/.
SUITE=cfgcheck
. t/lib.sh

expect "--help prints usage, exit 0" 0 'usage: cfgcheck \[-v\] \[-f FILE\]' \
	$IKEBOX cfgcheck --help
expect "an unknown option exits 2 with usage" 2 'usage: cfgcheck' \
	$IKEBOX cfgcheck -x
expect "a stray argument exits 2" 2 "unexpected argument 'extra'" \
	$IKEBOX cfgcheck -f configs/basic/gw1/ikd.conf extra
expect "--import-iked without -o exits 2" 2 'needs -o DIR' \
	$IKEBOX cfgcheck --import-iked t/cfg/iked/basic.conf
expect "a missing file is an error naming it, exit 1" 1 \
	"^$TMP/nosuch.conf: cannot read: No such file or directory" \
	$IKEBOX cfgcheck -f "$TMP/nosuch.conf"

# Every example shipped is accepted, and says so.
for f in configs/*/*/ikd.conf configs/reference/ikd.conf; do
	[ -e "$f" ] || continue
	expect "example $f is accepted" 0 '^configuration OK$' \
		$IKEBOX cfgcheck -f "$f"
done

# -v: the normalised form, defaults explicit, the key hidden.
expect "-v prints the VPN normalised" 0 '^configuration OK$' \
	$IKEBOX cfgcheck -v -f configs/two-subnets/gw2/ikd.conf
for want in '^\[global\]$' '^backend = auto$' '^name = nom_vpn$' \
	'^mode = passive$' '^srcid = 198\.51\.100\.254$' '^dstid = any$' \
	'^psk = \(hidden\)$' '^lifetime_bytes = 4G$' \
	'^flow = 203\.0\.113\.192/26 203\.0\.113\.0/25$' '^group = modp4096$'; do
	printf '%s\n' "$OUT" | grep -Eq -- "$want" &&
		ok "-v shows $want" || fail "-v shows $want" "$OUT"
done
printf '%s\n' "$OUT" | grep -q 'PSK-TO-CONFIGURE' &&
	fail "-v never prints the psk" "$OUT" || ok "-v never prints the psk"

# Errors: all of them, on stderr, FILE:LINE first; exit 1; no "OK".
mkdir -p "$TMP/bad/vpn.d"
printf '[global]\ninclude = vpn.d/*.conf\nbackend = pfkey\n' > "$TMP/bad/ikd.conf"
cat > "$TMP/bad/vpn.d/v.conf" <<'INI'
[vpn]
local = 192.0.2.254
peer = 198.51.100.999
psk = secret
[flows]
flow = 203.0.113.0/25 203.0.113.128/25
[childsa]
enc = aes-256-gcm
group = modp8192
lifetime = 1h
INI
chmod 600 "$TMP/bad/vpn.d/v.conf"
expect "a bad file exits 1" 1 "v.conf:3: peer: expected an IPv4 or IPv6 address, a host name or 'any' \('198.51.100.999'\)" \
	$IKEBOX cfgcheck -f "$TMP/bad/ikd.conf"
for want in "v.conf:8: \[childsa\] enc: backend pfkey cannot install AEAD" \
	"v.conf:9: \[childsa\] group: modp8192 is not supported \(BearSSL" \
	"v.conf:10: unknown key in \[childsa\] \(it belongs in \[vpn\]\) \('lifetime'\)"; do
	printf '%s\n' "$OUT" | grep -Eq -- "$want" &&
		ok "every error is listed: $want" || fail "every error is listed: $want" "$OUT"
done
printf '%s\n' "$OUT" | grep -q 'configuration OK' &&
	fail "no OK after errors" "$OUT" || ok "no OK after errors"
out=$($IKEBOX cfgcheck -f "$TMP/bad/ikd.conf" 2>/dev/null)
[ -z "$out" ] && ok "errors go to stderr only" || fail "errors go to stderr only" "$out"

# Warnings do not change the exit status.
mkdir -p "$TMP/warn/vpn.d"
printf '[global]\ninclude = vpn.d/*.conf\ninclude = more.d/*.conf\n' > "$TMP/warn/ikd.conf"
cp configs/basic/gw1/vpn.d/nom_vpn.conf "$TMP/warn/vpn.d/"
chmod 644 "$TMP/warn/vpn.d/nom_vpn.conf"
expect "warnings keep exit 0" 0 'configuration OK' $IKEBOX cfgcheck -f "$TMP/warn/ikd.conf"
for want in "ikd.conf:3: warning: include matches no file \('more.d/\*.conf'\)" \
	"nom_vpn.conf:10: warning: this file holds a psk and is readable by group or others"; do
	printf '%s\n' "$OUT" | grep -Eq -- "$want" &&
		ok "warning: $want" || fail "warning: $want" "$OUT"
done

# The how-to's iked.conf files: import, check, and compare with configs/.
for s in basic two-subnets tap; do
	rm -rf "$TMP/imp-$s"
	expect "import of the how-to's $s iked.conf passes cfgcheck" 0 \
		'^configuration OK$' \
		$IKEBOX cfgcheck --import-iked "t/cfg/iked/$s.conf" -o "$TMP/imp-$s"
	# (tap = is carried over, and warned about as ignored)
	a=$($IKEBOX cfgcheck -v -f "$TMP/imp-$s/ikd.conf" 2>&1 |
		grep -v ": warning: tap needs backend xfrm ")
	b=$($IKEBOX cfgcheck -v -f "configs/$s/gw1/ikd.conf" 2>/dev/null)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		ok "round trip: -v of the imported $s equals -v of configs/$s/gw1"
	else
		fail "round trip: -v of the imported $s equals -v of configs/$s/gw1" \
			"$(printf '%s\n' "$a" > "$TMP/a"; printf '%s\n' "$b" > "$TMP/b"; diff "$TMP/a" "$TMP/b")"
	fi
	[ "$(stat -c %a "$TMP/imp-$s/vpn.d/nom_vpn.conf")" = 600 ] &&
		ok "imported $s VPN file is mode 600" ||
		fail "imported $s VPN file is mode 600" "$(ls -l "$TMP/imp-$s/vpn.d")"
done

# An iked.conf with what ikebox cannot do: file:line, exit 1, nothing written.
cat > "$TMP/unsup.conf" <<'IKED'
set decouple
ikev2 "x" passive esp \
    from 10.0.0.0/8 to 10.1.0.0/16 \
    peer 192.0.2.2 rsa
IKED
rm -rf "$TMP/imp-unsup"
expect "unsupported iked keywords are reported with file:line" 1 \
	"unsup.conf:4: unsupported iked keyword in policy 'x'.*\('rsa'\)" \
	$IKEBOX cfgcheck --import-iked "$TMP/unsup.conf" -o "$TMP/imp-unsup"
printf '%s\n' "$OUT" | grep -q "unsup.conf:1: unsupported iked option ('set decouple')" &&
	ok "unsupported set option reported" || fail "unsupported set option reported" "$OUT"
[ ! -e "$TMP/imp-unsup" ] && ok "nothing written after import errors" ||
	fail "nothing written after import errors" "$(ls -R "$TMP/imp-unsup")"

# iked idioms: lists in braces make one flow per pair; set fragmentation
# becomes fragment_size; past 32 flows, FILE:LINE.
cat > "$TMP/lists.conf" <<'IKED'
set fragmentation
ikev2 "lists" active esp \
    from { 10.0.0.0/24, 10.1.0.0/24 } to { 192.168.1.0/24 192.168.2.0/24 } \
    local 192.0.2.1 peer 192.0.2.2 psk "a key of sixteen bytes"
IKED
rm -rf "$TMP/imp-lists"
expect "an iked list and set fragmentation import with exit 0" 0 '^configuration OK$' \
	$IKEBOX cfgcheck --import-iked "$TMP/lists.conf" -o "$TMP/imp-lists"
grep -qx 'fragment_size = 1280' "$TMP/imp-lists/ikd.conf" &&
	ok "set fragmentation: fragment_size = 1280" ||
	fail "set fragmentation: fragment_size = 1280" "$(cat "$TMP/imp-lists/ikd.conf")"
n=$(grep -c '^flow = ' "$TMP/imp-lists/vpn.d/lists.conf" 2>/dev/null)
[ "$n" = 4 ] && ok "two by two addresses make four flows" ||
	fail "two by two addresses make four flows" "$(cat "$TMP/imp-lists/vpn.d/lists.conf")"
{
	printf 'ikev2 "big" from {'
	for i in 0 1 2 3 4 5; do printf ' 10.1.%s.0/24' $i; done
	printf ' } \\\n  to {'
	for i in 0 1 2 3 4 5; do printf ' 10.2.%s.0/24,' $i; done
	printf ' 10.2.9.0/24 } peer 192.0.2.2\n'
} > "$TMP/big.conf"
rm -rf "$TMP/imp-big"
expect "lists past 32 flows are refused with FILE:LINE and the count" 1 \
	"big.conf:1: policy 'big' would have 42 flows, more than 32 .*\('42'\)" \
	$IKEBOX cfgcheck --import-iked "$TMP/big.conf" -o "$TMP/imp-big"

# log = stderr|syslog|both in [global]; anything else is FILE:LINE.
mkdir -p "$TMP/log"
for v in stderr syslog both; do
	printf '[global]\nbackend = null\nlog = %s\n' "$v" > "$TMP/log/ikd.conf"
	expect "log = $v is accepted and shown by -v" 0 "^log = $v\$" \
		$IKEBOX cfgcheck -v -f "$TMP/log/ikd.conf"
done
printf '[global]\nbackend = null\nlog = journal\n' > "$TMP/log/ikd.conf"
expect "log = journal is refused with FILE:LINE" 1 \
	"log/ikd.conf:3: log: expected stderr, syslog or both \('journal'\)" \
	$IKEBOX cfgcheck -f "$TMP/log/ikd.conf"
