#!/bin/sh
# sizes.sh - what make sizes prints: for ./ikebox (glibc) and every
# ikebox-TARGET built (make CROSS=TARGET), the stripped file size and
# text/data/bss; for each cross target, the bytes each module adds to the
# binary (from the link map of build/cross/TARGET/ikebox.debug: our folders,
# each applet, and each library); and, for mips-sf, the binary with one
# applet only (make APPLETS=...).
#   usage: scripts/sizes.sh [TARGET...]   (default: every target built)
cd "$(dirname "$0")/.." || exit 2
TARGETS="x86_64 aarch64 armhf mipsel-sf mips-sf"
[ $# -gt 0 ] && TARGETS=$*

row() { printf '%-22s %10s %10s %10s %10s\n' "$@"; }

# module bytes from a GNU ld map: allocated input sections only.
modules() {
	awk '
	function hex(s,   i, c, v) {
		v = 0; s = tolower(substr(s, 3))
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", substr(s, i, 1)) - 1
			v = v * 16 + c
		}
		return v
	}
	/^Linker script and memory map/ { on = 1; next }
	!on { next }
	/^\.[^ ]/ { out = $1; pend = ""; next }
	# an input section whose name was too long for its line
	/^ \.[^ ]+$/ { pend = $1; next }
	/^ [^ *]/ || (pend != "" && /^ +0x/) {
		n = split($0, f, " ")
		if (pend != "") { sz = f[2]; file = f[3] } else { sz = f[3]; file = f[4] }
		pend = ""
		if (sz !~ /^0x/ || file == "") next
		if (out ~ /^\.(debug|comment|gnu\.attributes|pdr|mdebug|reginfo|stab|symtab|strtab|shstrtab|ARM\.attributes|note\.GNU-stack)/) next
		if (file ~ /\(/) {
			lib = file; sub(/\(.*/, "", lib); sub(/.*\//, "", lib)
			m = lib == "libc.a" ? "musl libc" : lib == "libbearssl.a" ? "BearSSL" : \
			    lib == "libuv_a.a" ? "libuv" : lib == "libinih.a" ? "inih" : \
			    lib == "libsoftfp.a" ? "soft-fp (glibc)" : lib == "libgcc.a" ? "libgcc" : lib
		} else if (file ~ /\/obj\//) {
			rel = file; sub(/.*\/obj\//, "", rel); sub(/\.o$/, "", rel)
			if (rel ~ /^applets\//) m = rel
			else if (rel ~ /\//) { m = rel; sub(/\/.*/, "/", m) }
			else m = rel ".c"
		} else m = "crt (startup)"
		bytes[m] += hex(sz)
		total += hex(sz)
	}
	END {
		for (m in bytes) printf "%s\t%d\t%.1f%%\n", m, bytes[m], 100 * bytes[m] / total
		printf "= all modules\t%d\t100%%\n", total
	}' "$1" | sort -t "$(printf '\t')" -k2,2nr |
	awk -F '\t' '{ printf "%-24s %10s %7s\n", $1, $2, $3 }'
}

echo "== stripped static binaries"
row binary bytes text data bss
if [ -e ikebox ]; then
	set -- $(size ikebox | tail -n 1)
	row "ikebox (glibc)" "$(wc -c <ikebox)" "$1" "$2" "$3"
fi
built=
for t in $TARGETS; do
	[ -e "ikebox-$t" ] && [ -e "build/cross/$t/env.mk" ] || continue
	built="$built $t"
	triple=$(sed -n 's/^XTRIPLE *= *//p' "build/cross/$t/env.mk")
	set -- $("$triple-size" "ikebox-$t" | tail -n 1)
	row "ikebox-$t (musl)" "$(wc -c <"ikebox-$t")" "$1" "$2" "$3"
done
[ -n "$built" ] || echo "(no cross binary: make CROSS=TARGET first)"

for t in $built; do
	map=build/cross/$t/ikebox.map
	[ -e "$map" ] || make --no-print-directory CROSS="$t" \
	    "build/cross/$t/ikebox.debug" >/dev/null
	echo
	echo "== $t: bytes per module (allocated sections, .bss included, before strip)"
	modules "$map"
done

case " $built " in *" mips-sf "*)
	echo
	echo "== mips-sf: one applet only (make CROSS=mips-sf APPLETS=...)"
	for a in $(sed -n 's/^[[:space:]]*APPLET("\([^"]*\)".*/\1/p' applets/applets.h); do
		make --no-print-directory CROSS=mips-sf APPLETS="$a" ikebox-mips-sf \
		    >/dev/null 2>&1 || { echo "$a: build failed"; continue; }
		printf "%-24s %10s\n" "$a" "$(wc -c <ikebox-mips-sf)"
	done
	# back to every applet
	make --no-print-directory CROSS=mips-sf ikebox-mips-sf >/dev/null 2>&1
	printf "%-24s %10s\n" "(all)" "$(wc -c <ikebox-mips-sf)"
	;;
esac
