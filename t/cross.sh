#!/bin/sh
# cross.sh - the cross builds under qemu-user: for each TARGET, build
# ikebox-TARGET and its unit runner (make CROSS=TARGET, cached under
# build/cross), then check what a router owner would run:
#   - the binary is static (no program interpreter) and lists its applets
#   - ikebox --selftest (crypto known answers) passes on the target CPU
#     (qemu -cpu 24Kc for MIPS, cortex-a7 for armhf)
#   - the unit suite, built for the target, passes (its FAIL lines are shown
#     with the target's name)
#   - make APPLETS="ikd ikectl" gives a smaller binary with those only
#   - soft-float targets: not one FPU instruction in ikebox and all it links
#     (a 24Kc has no FPU and OpenWrt kernels do not emulate one), and the
#     ELF says soft float
# Prints "ok ..." / "FAIL ..." lines.   usage: t/cross.sh TARGET...
cd "$(dirname "$0")/.." || exit 2
mkdir -p t/out

# MIPS FPU instructions: anything naming an FPU register ($f0..$f31) or a
# coprocessor 1 move, load, store or branch.
MIPS_FPU='\$f[0-9]|[[:space:]](mfc1|mtc1|cfc1|ctc1|mfhc1|mthc1|lwc1|swc1|ldc1|sdc1|lwxc1|swxc1|ldxc1|sdxc1|luxc1|suxc1|bc1f|bc1t|bc1fl|bc1tl)[[:space:]]'

fpu_insns() {	# fpu_insns OBJDUMP FILE: count of FPU instructions
	"$1" -d "$2" | grep -cE "$MIPS_FPU"
}

for t in "$@"; do
	d=build/cross/$t
	bin=ikebox-$t
	log=t/out/cross-$t
	s=$(date +%s)
	if ! make --no-print-directory CROSS="$t" cross >"$log-build.log" 2>&1; then
		echo "FAIL $t: make CROSS=$t (t/out/cross-$t-build.log):"
		tail -n 5 "$log-build.log" | sed 's/^/#   /'
		continue
	fi
	echo "# $t: built in $(($(date +%s) - s)) s"
	qemu=$(sed -n 's/^XQEMU *= *//p' "$d/env.mk")
	triple=$(sed -n 's/^XTRIPLE *= *//p' "$d/env.mk")
	float=$(sed -n 's/^XFLOAT *= *//p' "$d/env.mk")

	if "$triple-readelf" -l "$bin" | grep -q INTERP; then
		echo "FAIL $t: $bin is dynamically linked"
	else
		echo "ok $t: $bin is static ($(wc -c <"$bin") bytes)"
	fi

	list=$($qemu ./"$bin" --list 2>&1 | tr '\n' ' ')
	want=$(sed -n 's/^[[:space:]]*APPLET("\([^"]*\)".*/\1/p' \
	    applets/applets.h | tr '\n' ' ')
	if [ -n "$want" ] && [ "$list" = "$want" ]; then
		echo "ok $t: ikebox --list under $qemu"
	else
		echo "FAIL $t: ikebox --list gives '$list', want '$want'"
	fi

	if $qemu ./"$bin" --selftest >"$log-selftest.log" 2>&1; then
		echo "ok $t: ikebox --selftest under $qemu"
	else
		echo "FAIL $t: ikebox --selftest under $qemu:"
		grep -v '^ok' "$log-selftest.log" | head -n 10 | sed 's/^/#   /'
	fi

	s=$(date +%s)
	$qemu "$d/unit" >"$log-unit.log" 2>&1
	rc=$?
	sum=$(grep '^# unit: ' "$log-unit.log" | tail -n 1)
	grep '^FAIL ' "$log-unit.log" | sed "s/^FAIL /FAIL $t: unit /"
	if [ "$rc" = 0 ] && [ -n "$sum" ] && ! grep -q '^FAIL ' "$log-unit.log"; then
		echo "ok $t: unit suite under $qemu (${sum#\# unit: }, $(($(date +%s) - s)) s)"
	else
		echo "FAIL $t: unit suite under $qemu: exit $rc, '${sum:-no summary}'" \
		    "(t/out/cross-$t-unit.log)"
	fi

	# make APPLETS="ikd ikectl": a smaller binary with only those two;
	# another applet's name is unknown (exit 127).  Then every applet again.
	# Smaller in text + data: the file size of a binary whose segments are
	# 64 KB aligned (aarch64) may not move.
	code() { "$triple-size" "$1" | awk 'NR == 2 { print $1 + $2 }'; }
	full=$(wc -c <"$bin")
	fullc=$(code "$bin")
	if make --no-print-directory CROSS="$t" APPLETS="ikd ikectl" "$bin" \
	    >"$log-subset.log" 2>&1; then
		lst=$($qemu ./"$bin" --list 2>&1 | tr '\n' ' ')
		$qemu ./"$bin" cfgcheck >/dev/null 2>&1; rc=$?
		sub=$(wc -c <"$bin")
		subc=$(code "$bin")
		if [ "$lst" = "ikd ikectl " ] && [ $rc = 127 ] && [ "$subc" -lt "$fullc" ]; then
			echo "ok $t: APPLETS=\"ikd ikectl\": text+data $subc (all: $fullc)," \
			    "file $sub (all: $full), cfgcheck unknown"
		else
			echo "FAIL $t: APPLETS=\"ikd ikectl\": --list '$lst', cfgcheck exit $rc," \
			    "text+data $subc (all: $fullc)"
		fi
	else
		echo "FAIL $t: make APPLETS=\"ikd ikectl\" (t/out/cross-$t-subset.log)"
	fi
	make --no-print-directory CROSS="$t" "$bin" >>"$log-subset.log" 2>&1 &&
	    [ "$(wc -c <"$bin")" = "$full" ] ||
	    echo "FAIL $t: rebuilding $bin with every applet"

	[ "$float" = soft ] || continue
	# The detector first finds what it must: libgcc's hard-float
	# __adddf3 (an add.d), the code a soft-float build must never link.
	tmp=$(mktemp -d)
	(cd "$tmp" && "$triple-ar" x "$("$triple-gcc" -print-libgcc-file-name)" adddf3.o)
	if [ -s "$tmp/adddf3.o" ] && [ "$(fpu_insns "$triple-objdump" "$tmp/adddf3.o")" -gt 0 ]; then
		echo "ok $t: the FPU scan flags libgcc's hard-float __adddf3"
	else
		echo "FAIL $t: the FPU scan finds nothing in libgcc's __adddf3"
	fi
	rm -rf "$tmp"
	for f in "$bin" "$d/unit"; do
		n=$(fpu_insns "$triple-objdump" "$f")
		if [ "$n" = 0 ]; then
			echo "ok $t: no FPU instruction in $f"
		else
			echo "FAIL $t: $n FPU instructions in $f, first ones:"
			"$triple-objdump" -d "$d/ikebox.debug" | awk -v re="$MIPS_FPU" \
			    '/^[0-9a-f]+ <.*>:$/ { fn = $2 } $0 ~ re { print "#   " fn ": " $0; if (++k == 5) exit }'
		fi
	done
	# ikebox's own objects do no floating point at all, not even through
	# soft-fp calls (what remains is in musl's printf and strtod).
	fp=$(find "$d/obj" -name '*.o' ! -path "$d/obj/t/*" | sort |
	    while read -r o; do
		"$triple-nm" -u "$o" | awk -v o="${o#$d/obj/}" \
		    '$2 ~ /^__(add|sub|mul|div|neg|eq|ne|ge|gt|le|lt|unord|fix|fixuns|float|floatun|floatuns|extend|trunc)[a-z]*[sd]f[0-9]?$/ { print o ": " $2 }'
	    done)
	if [ -z "$fp" ]; then
		echo "ok $t: ikebox's own objects call no floating-point routine"
	else
		echo "FAIL $t: floating point in ikebox's own objects:"
		printf '%s\n' "$fp" | head -n 5 | sed 's/^/#   /'
	fi
	abi=$("$triple-readelf" -A "$d/ikebox.debug" | sed -n 's/^FP ABI: *//p')
	if [ "$abi" = "Soft float" ]; then
		echo "ok $t: ELF attributes say FP ABI soft float"
	else
		echo "FAIL $t: ELF attributes say FP ABI '$abi', want 'Soft float'"
	fi
done
