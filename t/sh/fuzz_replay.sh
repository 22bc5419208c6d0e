#!/bin/sh
# fuzz_replay.sh - every fuzz target (fuzz/README.md) replayed without
# libFuzzer over its seeds (fuzz/corpus/TARGET) and its past findings
# (fuzz/regress/TARGET): the replay binaries are built by `make test`
# (make fuzz-replay: gcc with ASan/UBSan when it has them), so no clang
# is needed.  One ok/FAIL line per target.
cd "$(dirname "$0")/../.." || exit 2
targets="msg pld engine cfg iked ctl pfkey xfrm"
missing=
for t in $targets; do
	[ -x fuzz/build/rp/fuzz_$t ] || missing=1
done
if [ -n "$missing" ]; then
	make -s -j2 fuzz-replay >/dev/null 2>&1 ||
	    { echo "FAIL fuzz_replay: make fuzz-replay"; exit 1; }
fi
mkdir -p t/out
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in $targets; do
	log=t/out/fuzz_replay_$t.log
	if ./fuzz/build/rp/fuzz_$t fuzz/corpus/$t fuzz/regress/$t >"$log" 2>&1
	then
		echo "ok fuzz_replay $t: $(tail -1 "$log")"
	else
		echo "FAIL fuzz_replay $t: see $log"
		grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log"
	fi
done
