# ct_check.sh - crypto/p256_64.c and crypto/x25519_64.c are constant time
# in the scalar: t/p256-ct runs the mulgen and mul of each (P-256, X25519)
# with the scalar marked undefined under valgrind's
# memcheck, which reports every branch and memory index that depends on
# it (none allowed).  The canary (a lookup and a branch on the secret)
# must be reported, so the check is seen to bite on every run.
# CT_ROUNDS scalars (default 4; make ct-check: 64).  Needs valgrind
# (scripts/deps.sh test) and t/p256-ct (make t/p256-ct).
SUITE=ct_check
. t/lib.sh

ROUNDS=${CT_ROUNDS:-4}
if [ ! -x t/p256-ct ]; then
	fail "t/p256-ct is built" "run make t/p256-ct"
	exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
	fail "valgrind is installed" "run sh scripts/deps.sh test"
	exit 0
fi
if t/p256-ct 1 | grep -q 'no 64-bit P-256'; then
	ok "skipped: no 64-bit P-256 in this build"
	exit 0
fi
VG="valgrind -q --error-exitcode=9 --track-origins=yes"

expect "canary: a lookup and a branch on the secret are reported" 9 \
	'uninitialised value' $VG t/p256-ct canary
printf '%s\n' "$OUT" | grep -q 'Conditional jump or move depends' &&
	ok "canary: the branch is reported" ||
	fail "canary: the branch is reported" "$OUT"
expect "P-256 and X25519 mulgen and mul: no secret-dependent branch or index ($ROUNDS scalars)" \
	0 "p256-ct: $ROUNDS scalars through mulgen and mul" \
	$VG t/p256-ct "$ROUNDS"
printf '%s\n' "$OUT" | grep -q "x25519-ct: $ROUNDS scalars through mulgen and mul" &&
	ok "X25519 mulgen and mul were among them" ||
	fail "X25519 mulgen and mul were among them" \
	    "$OUT"

# Thread safety (ikd's DH runs on libuv's pool threads): nothing writable
# in crypto/p256_64.o or crypto/x25519_64.o, only code and read-only data
# (their br_ec_impl tables sit in .data.rel.ro, written once by the loader).
for o in crypto/p256_64.o crypto/x25519_64.o; do
	[ -e "$o" ] || continue
	w=$(objdump -h "$o" | awk '$2 ~ /^\.(data|bss)/ &&
	    $2 !~ /^\.data\.rel\.ro/ && $3 !~ /^0+$/ { print $2 " " $3 }')
	[ -z "$w" ] && ok "$o has no writable data" ||
		fail "$o has no writable data" "$w"
done
