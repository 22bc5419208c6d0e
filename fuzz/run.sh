#!/bin/sh
# run.sh - runs each libFuzzer target SECONDS seconds, one at a time and
# niced (`make fuzz`).  New inputs go to fuzz/build/corpus/TARGET (not
# checked in); fuzz/corpus/TARGET and fuzz/regress/TARGET are read.  Every
# crash, leak, timeout or OOM is copied to fuzz/regress/TARGET/, which
# `make test` replays (t/sh/fuzz_replay.sh).  One line per target:
#   TARGET: N execs (N/s), cov: N ft: N, corpus N
# then "ok TARGET" or "FAIL TARGET: findings in fuzz/regress/TARGET".
#   usage: fuzz/run.sh SECONDS TARGET...
cd "$(dirname "$0")/.." || exit 2
secs=${1:-60}; shift
fails=0
for t in "$@"; do
	bin=fuzz/build/fz/fuzz_$t
	work=fuzz/build/corpus/$t
	art=fuzz/build/artifacts/$t
	log=fuzz/build/log-$t.txt
	mkdir -p "$work" "$art" fuzz/regress/"$t"
	rm -f "$art"/*
	nice "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$art/" \
	    "$work" fuzz/corpus/"$t" fuzz/regress/"$t" >"$log" 2>&1
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -1 |
	    sed 's/.*\(cov: [0-9]* ft: [0-9]*\).*\(corp: [0-9]*\).*/\1, \2/')
	echo "$t: ${execs:-?} execs (${rate:-?}/s), $cov"
	found=0
	for a in "$art"/*; do
		[ -e "$a" ] || continue
		cp "$a" fuzz/regress/"$t"/ && found=$((found + 1))
	done
	if [ "$found" -gt 0 ]; then
		echo "FAIL $t: $found finding(s) copied to fuzz/regress/$t (log: $log)"
		fails=$((fails + 1))
	else
		echo "ok $t"
	fi
done
[ "$fails" = 0 ]
