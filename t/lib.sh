# lib.sh - helpers for the shell suites in t/sh/.  Source it; then
#   ok DESC / fail DESC WHY       report one result
#   expect DESC RC PATTERN CMD... run CMD, require exit status RC and output
#                                 (stdout+stderr) matching the extended regex
#                                 PATTERN (empty: no check); output kept in $OUT
# IKEBOX is the binary under test (./ikebox); TMP a fresh folder under t/out.
IKEBOX=${IKEBOX:-./ikebox}
TMP=t/out/$(basename "$0" .sh).tmp
rm -rf "$TMP"; mkdir -p "$TMP"

ok() { echo "ok $SUITE: $1"; }
fail() { echo "FAIL $SUITE: $1"; shift; printf '#   %s\n' "$@"; }

expect() {
	desc=$1 want_rc=$2 pat=$3; shift 3
	OUT=$("$@" 2>&1); rc=$?
	if [ "$rc" != "$want_rc" ]; then
		fail "$desc" "exit $rc, want $want_rc: $*" "$OUT"
	elif [ -n "$pat" ] && ! printf '%s\n' "$OUT" | grep -Eq -- "$pat"; then
		fail "$desc" "output lacks /$pat/: $*" "$OUT"
	else
		ok "$desc"
	fi
}
