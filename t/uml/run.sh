#!/bin/sh
# run.sh - ikebox's real-kernel suite: boots a User-Mode Linux guest (its
# kernel has ESP and PF_KEY, this machine's may not) for each inner script
# of t/uml/ named by a "boot" line at the end, and runs it there.
# Called by t/run.sh ("t/run.sh uml", and by "make test").
# Prints "ok uml: ..." / "FAIL uml: ..." lines.  A machine where UML cannot
# run FAILS the suite: passing silently would hide that nothing was tested.
# The run folder (t/out/uml/last, or /var/tmp/ikebox-uml/last when the
# project lives under /tmp, which the guest cannot use) is replaced on every
# run and kept afterwards for diagnosis.
#   env: IKEBOX_UML_TIMEOUT (seconds, default 240)
#        IKEBOX_UML_SUITE   the suites to run, by inner script name without
#                           .sh, space or comma separated (default: all);
#                           `make check-uml SUITE=rekey` sets it
cd "$(dirname "$0")/../.." || exit 2
fail() { echo "FAIL uml: $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done; }

if ! sh scripts/deps.sh uml; then
	fail "User-Mode Linux packages are missing (scripts/deps.sh uml)"
	exit 1
fi
if [ ! -x /usr/bin/linux.uml ] || [ ! -d /usr/lib/uml/modules ]; then
	fail "User-Mode Linux cannot run: /usr/bin/linux.uml or /usr/lib/uml/modules missing after installing user-mode-linux"
	exit 1
fi
mkdir -p t/out
if ! make --no-print-directory ikebox t/uml/kbe-tool >t/out/uml-build.log 2>&1; then
	fail "building ikebox and t/uml/kbe-tool" "$(tail -n 20 t/out/uml-build.log)"
	exit 1
fi

# the suites, in the order they run (their "boot" lines below)
SUITES="cases tunnel keepalive reload interop subnets rekey xfrm nat"
want=$(printf '%s' "${IKEBOX_UML_SUITE:-}" | tr ',' ' ')
for s in $want; do
	case " $SUITES " in *" $s "*) ;; *)
		fail "no UML suite named '$s' (IKEBOX_UML_SUITE / SUITE=): one of $SUITES"
		exit 1 ;;
	esac
done
# picked NAME : 0 if the suite NAME is to run
picked() { [ -z "$want" ] && return 0; case " $want " in *" $1 "*) return 0 ;; esac; return 1; }

base=$(pwd)/t/out/uml
case $base/ in /tmp/*) base=/var/tmp/ikebox-uml ;; esac
# boot INNER NAME MARK [SECONDS] : one guest running t/uml/INNER, run
# folder NAME, whose output must end with the line MARK; SECONDS: its own
# time limit when longer than IKEBOX_UML_TIMEOUT
boot() {
	inner=$1 run=$base/$2 mark=$3 to=${IKEBOX_UML_TIMEOUT:-240}
	picked "${inner%.sh}" || return 0
	# a suite whose charon cannot do its transforms: one line, no boot
	case $inner in interop.sh|xfrm.sh)
		sh t/uml/charon-check.sh "the ${inner%.sh} suite" || return 0 ;;
	esac
	[ -n "${4:-}" ] && [ "$4" -gt "$to" ] && to=$4
	rm -rf "$run"
	mkdir -p "$run"
	echo "# uml: booting the guest for $inner; run folder $run"
	bash t/uml/uml-run.sh -q -t "$to" -o "$run" -- "$(pwd)/t/uml/$inner" 2>"$run/uml-run.err"
	rc=$?
	cat "$run/output.log" 2>/dev/null
	if [ "$rc" != 0 ]; then
		case $rc in
		124) why="timed out after ${to}s" ;;
		125) why="the guest died without reporting a status" ;;
		*) why="exited with status $rc" ;;
		esac
		if ! grep -q '^FAIL ' "$run/output.log" 2>/dev/null || [ "$rc" -ge 124 ]; then
			fail "the UML run of $inner $why (run folder $run)" \
			    "uml-run: $(tail -n 5 "$run/uml-run.err" 2>/dev/null)" \
			    "console tail:" "$(tail -n 15 "$run/console.log" 2>/dev/null | tr -d '\r')"
		fi
	fi
	if ! grep -q "^$mark" "$run/output.log" 2>/dev/null; then
		fail "$inner did not run to its end (see $run/output.log)"
	fi
}

boot cases.sh last 'uml-cases: done'	# the PF_KEY backend, by hand
boot tunnel.sh tunnel 'uml-tunnel: done'	# two ikd, the how-to's tunnel
boot keepalive.sh keepalive 'uml-keepalive: done'	# keepalive-pinger on that tunnel
boot reload.sh reload 'uml-reload: done'	# hitless reload under ping
boot interop.sh interop 'uml-interop: done'	# ikd against strongSwan charon
boot subnets.sh subnets 'uml-subnets: done'	# configs/two-subnets, ikd and charon
boot rekey.sh rekey 'uml-rekey: done' 600	# rekeys, restarts, a bad link
boot xfrm.sh xfrm 'uml-xfrm: done' 420	# the XFRM backend against charon
boot nat.sh nat 'uml-nat: done' 420	# gw1 behind a NAT: NAT-T, ikd and charon
exit 0
