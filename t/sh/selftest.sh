# selftest.sh - `ikebox --selftest`: the crypto known-answer tests on this
# machine; one line per transform, a summary, exit 0 only if all pass.
SUITE=selftest
. t/lib.sh

expect "--selftest passes, exit 0" 0 'selftest: [0-9]+ passed, 0 failed$' \
	$IKEBOX --selftest
printf '%s\n' "$OUT" | grep -q '^FAIL' &&
	fail "--selftest prints no FAIL line" "$OUT" ||
	ok "--selftest prints no FAIL line"
# Every usable transform has its line (names from crypto/alg.c).
for t in "encryption aes-128" "encryption aes-192" "encryption aes-256" \
	"encryption aes-128-gcm" "encryption aes-192-gcm" \
	"encryption aes-256-gcm" "encryption aes-128-gcm-12" \
	"encryption aes-256-gcm-12" "encryption chacha20-poly1305" \
	"prf hmac-sha1" "prf hmac-sha2-256" "prf hmac-sha2-384" \
	"prf hmac-sha2-512" "integrity hmac-sha1" "integrity hmac-sha2-256" \
	"integrity hmac-sha2-384" "integrity hmac-sha2-512" "group modp2048" \
	"group modp3072" "group modp4096" "group ecp256" "group ecp384" \
	"group ecp521" "group curve25519"; do
	printf '%s\n' "$OUT" | grep -q "^ok   $t (" &&
		ok "--selftest: $t" || fail "--selftest: $t" "$OUT"
done
n=$(printf '%s\n' "$OUT" | grep -c '^ok   ')
last=$(printf '%s\n' "$OUT" | tail -n 1)
[ "$last" = "selftest: $n passed, 0 failed" ] &&
	ok "summary counts the lines" || fail "summary counts the lines" "$last ($n ok lines)"
# Refused transforms are not claimed as tested.
printf '%s\n' "$OUT" | grep -Eq '3des|modp1024|modp8192|hmac-md5' &&
	fail "refused transforms not listed" "$OUT" ||
	ok "refused transforms not listed"

expect "--selftest -v names the implementations" 0 \
	'portable fallbacks: aes ct64' $IKEBOX --selftest -v
grep -q aes /proc/cpuinfo 2>/dev/null && {
	printf '%s\n' "$OUT" | grep -q '^ok   encryption aes-256-gcm (x86ni+pclmul)' &&
		ok "AES-NI and PCLMUL picked on a CPU that has them" ||
		fail "AES-NI and PCLMUL picked on a CPU that has them" "$OUT"
}
