#!/bin/sh
# run.sh - ikebox's one test runner.  Runs the C unit/simulation runner
# (t/unit), every shell suite in t/sh/ (CLI, loopback daemons), the
# big-endian soft-float MIPS build's selftest, unit suite and FPU check under
# qemu (t/cross.sh mips-sf: about 3 minutes once build/cross/mips-sf is
# cached, 4 more the first time), and, when asked with "uml" or when
# t/uml/run.sh exists, the real-kernel suite.
# Every suite prints "ok ..." / "FAIL ..." lines; this script adds them up.
# Last line: "N passed, N failed"; exit 1 on any failure.
#   usage: t/run.sh [unit|sh|cross|uml|all]   (default: all)
cd "$(dirname "$0")/.." || exit 2
mkdir -p t/out
what=${1:-all}
logs=

run() {	# run NAME CMD... : stream output, keep it for counting
	log=t/out/$1.log; shift
	logs="$logs $log"
	"$@" 2>&1 | tee "$log"
}

case $what in all|unit) run unit ./t/unit ;; esac
case $what in all|sh)
	for s in t/sh/*.sh; do
		[ -e "$s" ] || continue
		run "sh-$(basename "$s" .sh)" sh "$s"
	done ;;
esac
case $what in all|cross) run cross-mips-sf sh t/cross.sh mips-sf ;; esac
case $what in uml) run uml sh t/uml/run.sh ;;
all) [ -e t/uml/run.sh ] && run uml sh t/uml/run.sh ;;
esac

# shellcheck disable=SC2086
pass=$(cat $logs | grep -c '^ok ')
# shellcheck disable=SC2086
fail=$(cat $logs | grep -c '^FAIL ')
# A suite that died without reporting counts as a failure.
for l in $logs; do
	grep -qE '^(ok|FAIL) ' "$l" || { echo "FAIL $l: suite reported nothing"; fail=$((fail + 1)); }
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
