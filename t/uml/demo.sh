#!/bin/sh
# demo.sh - `make demo`: boots User-Mode Linux (a kernel with ESP and
# PF_KEY, which this machine's may lack), builds the how-to's two-gateway
# topology and runs t/uml/tunnel.sh in narrated mode: two ikd bring the
# tunnel up, ikectl show sa, ipsecctl-sa, a LAN-to-LAN ping through ESP,
# then a clean stop.  Exit 0 when every step passed.
cd "$(dirname "$0")/../.." || exit 2
sh scripts/deps.sh uml || exit 1
base=$(pwd)/t/out/uml
case $base/ in /tmp/*) base=/var/tmp/ikebox-uml ;; esac
run=$base/demo
rm -rf "$run"
mkdir -p "$run"
echo "booting User-Mode Linux (about 30 s); logs in $run"
bash t/uml/uml-run.sh -t 240 -o "$run" -- "$(pwd)/t/uml/tunnel.sh" demo 2>"$run/uml-run.err"
rc=$?
if [ "$rc" = 0 ] && ! grep -q '^FAIL ' "$run/output.log" &&
    grep -q '^uml-tunnel: done' "$run/output.log"; then
	echo "demo: the how-to's tunnel came up and carried traffic through ESP"
	exit 0
fi
echo "demo: FAILED (see $run/output.log and $run/ikd-gw*.log)"
exit 1
