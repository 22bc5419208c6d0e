# size.sh - what the size work (docs/size.md) must not cost: ikebox is one
# static, stripped file that runs without the system's shared libraries;
# local time in its logs still follows TZ rules (libc/trim.c gives glibc's tzset
# its own small sscanf), checked against date(1); and no code of ours calls
# what libc/trim.c replaces, so ikebox behaves as t/unit tested it.  Prints the
# size; no threshold (see docs/size.md for the figures and why).
SUITE=size
. t/lib.sh
ROOT=$(cd "$TMP" && pwd)

bytes=$(wc -c < "$IKEBOX")
echo "# ikebox: $bytes bytes; size(1): $(size "$IKEBOX" 2>/dev/null | tail -1 |
	awk '{ printf "text %s, data %s, bss %s", $1, $2, $3 }')"

hdr=$(readelf -lW "$IKEBOX" 2>&1)
if ! printf '%s\n' "$hdr" | grep -q 'LOAD'; then
	fail "program headers readable" "$hdr"
elif printf '%s\n' "$hdr" | grep -q 'INTERP'; then
	fail "static: no program interpreter" "$(printf '%s\n' "$hdr" | grep -A1 INTERP)"
else
	ok "static: no program interpreter"
fi
expect "static: no dynamic section" 0 'no dynamic section' readelf -d "$IKEBOX"
if readelf -SW "$IKEBOX" | grep -q '\.symtab'; then
	fail "stripped (ikebox.debug has the symbols)" "$IKEBOX has a .symtab"
else
	ok "stripped (ikebox.debug has the symbols)"
fi
# An empty environment and no search path: nothing is looked up at run time.
expect "runs with an empty environment" 0 '^ikebox ' env -i "$IKEBOX" --version

# ---- local time under TZ rules ------------------------------------------------
mkdir -p "$ROOT/vpn.d"
printf '[global]\nbackend = null\nsocket = %s/ikd.sock\n' "$ROOT" > "$ROOT/ikd.conf"
# TZ: offsets with minutes and seconds, Mm.w.d rules with and without /time,
# daylight time in the southern summer; date(1) (dynamic glibc) is the judge.
for tz in 'UTC0' 'IST-5:30' 'XXX+3:15:20' 'CET-1CEST,M3.5.0,M10.5.0/3' \
    'AAA-10BBB,M10.1.0,M4.1.0/3' 'CCC+4DDD,M3.2.0/2:30,M11.1.0'; do
	before=$(TZ=$tz date '+%Y-%m-%d %H:%M')
	# No VPN: nothing is bound, the port is only there to be valid.
	: > "$ROOT/log"
	TZ=$tz "$IKEBOX" ikd -d -v -P 50500 -f "$ROOT/ikd.conf" > "$ROOT/log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 100 ] && kill -0 "$pid" 2>/dev/null &&
	    ! grep -q 'ikd started' "$ROOT/log"; do
		sleep 0.1; i=$((i + 1))
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	after=$(TZ=$tz date '+%Y-%m-%d %H:%M')
	got=$(grep 'ikd started' "$ROOT/log" | cut -c1-16)
	if [ -n "$got" ] && { [ "$got" = "$before" ] || [ "$got" = "$after" ]; }; then
		ok "log time with TZ='$tz' is date's ($got)"
	else
		fail "log time with TZ='$tz' is date's" "ikd: '$got', date: '$before'" \
			"$(cat "$ROOT/log")"
	fi
done

# ---- what libc/trim.c stands in for is not used by our code ------------------------
# In ikebox, sscanf is libc/scan.c (integers only) and there is no glob(),
# fnmatch() or user database; t/unit links glibc's.  So none of ours may call
# them, or ikebox would differ from what the unit tests saw.
objs=$(ls main.o core/*/*.o net/*.o crypto/*.o applets/*.o 2>/dev/null)
if [ -z "$objs" ]; then
	fail "objects to check" "no main.o core/*/*.o ... (run make first)"
else
	# shellcheck disable=SC2086
	bad=$(nm -u $objs 2>&1 | grep -E ' U (__isoc99_)?v?[sf]?scanf$| U (glob|fnmatch|getpw[a-z_]*|ttyname[a-z_]*|d?c?gettext)$' |
		sort -u)
	[ -z "$bad" ] && ok "none of ours calls scanf, glob, fnmatch, getpw*, gettext" ||
		fail "none of ours calls scanf, glob, fnmatch, getpw*, gettext" "$bad"
fi

# ---- the code ikd runs at start, first (Makefile HOT_LDFLAGS) ---------------------
# Its start-up functions lie in .text.hot ahead of .text (scripts/hot-text.py
# says why: the idle RSS); a build that lost the linker script, or a list
# that no longer names them, shows here.  The RSS itself is make bench's.
hot=$(readelf -SW "$IKEBOX" | sed -n 's/.*\] \.text\.hot  *PROGBITS  *\([0-9a-f]*\) [0-9a-f]* \([0-9a-f]*\).*/\1 \2/p')
if [ -z "$hot" ]; then
	fail "a .text.hot section" "$(readelf -SW "$IKEBOX" | grep -E 'text')"
elif [ ! -f ikebox.debug ] || [ ikebox.debug -ot "$IKEBOX" ]; then
	ok "a .text.hot section (make ikebox.debug to see what is in it)"
else
	# shellcheck disable=SC2086
	set -- $hot
	lo=$((0x$1)) hi=$((0x$1 + 0x$2)) out=''
	for f in main ikd_main cfg_load ike_new ike_set_config loop_init \
	    malloc uv_run; do
		a=$(nm ikebox.debug | awk -v f="$f" '$3 == f { print $1; exit }')
		if [ -z "$a" ] || [ $((0x$a)) -lt $lo ] || [ $((0x$a)) -ge $hi ]; then
			out="$out $f${a:+@0x$a}"
		fi
	done
	[ -z "$out" ] && ok "ikd's start-up code is in .text.hot" ||
		fail "ikd's start-up code is in .text.hot" "outside:$out" \
			"(python3 scripts/hot-text.py > scripts/hot-text.ld)"
fi
