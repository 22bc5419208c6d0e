#!/bin/sh
# cross.sh - the static musl toolchain of one cross target, built once from
# Debian's source packages (unpacked by scripts/cross-deps.sh) with Debian's
# cross compilers, and cached under build/cross/TARGET:
#   sysroot/   musl, libbearssl.a, libuv_a.a, libinih.a (and, on the
#              soft-float MIPS targets, libsoftfp.a), headers
#   env.mk     the compiler, flags, libraries and qemu command that the
#              Makefile's CROSS= rules read
# Each library has a stamp; a cached target costs a few stat calls.
#   usage: scripts/cross.sh TARGET
# The whole script is one block, read before it runs: editing the file
# while a build is under way does not change that build.
{
set -eu
cd "$(dirname "$0")/.."
T=${1:?usage: scripts/cross.sh TARGET}
TOP=$(pwd)
SRC=$TOP/build/cross/src
DIR=$TOP/build/cross/$T
SYS=$DIR/sysroot
J=${CROSS_JOBS:-2}

# TRIPLE, target flags, qemu command, float ABI (what the no-FPU check
# expects).
case $T in
x86_64) TRIPLE=x86_64-linux-gnu; TFLAGS=""
	QEMU="qemu-x86_64-static"; FLOAT=hard ;;
aarch64) TRIPLE=aarch64-linux-gnu; TFLAGS=""
	QEMU="qemu-aarch64-static"; FLOAT=hard ;;
armhf) TRIPLE=arm-linux-gnueabihf
	TFLAGS="-march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard -mthumb"
	QEMU="qemu-arm-static -cpu cortex-a7"; FLOAT=hard ;;
mipsel-sf) TRIPLE=mipsel-linux-gnu; TFLAGS="-march=24kc -msoft-float"
	QEMU="qemu-mipsel-static -cpu 24Kc"; FLOAT=soft ;;
mips-sf) TRIPLE=mips-linux-gnu; TFLAGS="-march=24kc -msoft-float"
	QEMU="qemu-mips-static -cpu 24Kc"; FLOAT=soft ;;
*) echo "cross: unknown target '$T' (x86_64 aarch64 armhf mipsel-sf mips-sf)" >&2
	exit 2 ;;
esac
# Everything this toolchain builds: small, each function its own section
# (so that --gc-sections drops what ikebox does not call, in the libraries
# too), no PIE (a static binary needs none).
LFLAGS="$TFLAGS -Os -pipe -ffunction-sections -fdata-sections -fno-pie \
-fno-asynchronous-unwind-tables"
XCC="$TRIPLE-gcc"
SPECS="-specs $SYS/lib/musl-gcc.specs"

for s in musl bearssl libuv1 libinih; do
	[ -e "$SRC/$s/.unpacked" ] || {
		echo "cross: $SRC/$s missing: run scripts/cross-deps.sh $T" >&2
		exit 1; }
done
command -v "$XCC" >/dev/null || {
	echo "cross: $XCC missing: run scripts/cross-deps.sh $T" >&2; exit 1; }
mkdir -p "$SYS/lib" "$SYS/include"

step() { echo "cross $T: $*"; }

# Libraries built with other flags (this script changed) are built again.
if [ "$(cat "$DIR/.flags" 2>/dev/null)" != "$TRIPLE $LFLAGS" ]; then
	rm -f "$DIR"/.musl "$DIR"/.bearssl "$DIR"/.libuv "$DIR"/.inih \
	    "$DIR"/.softfp
	printf '%s\n' "$TRIPLE $LFLAGS" >"$DIR/.flags"
fi

# musl, out of tree; musl-gcc.specs points gcc at its headers, crt files
# and libc.a.
if [ ! -e "$DIR/.musl" ]; then
	step "musl"
	rm -rf "$DIR/musl" && mkdir -p "$DIR/musl"
	(cd "$DIR/musl" && "$SRC/musl/configure" --target=$TRIPLE \
	    --prefix="$SYS" --disable-shared --enable-wrapper=gcc \
	    CC="$XCC" CFLAGS="$LFLAGS" >/dev/null &&
	    nice -n 19 make -s -j$J install >/dev/null)
	touch "$DIR/.musl"
fi

# The kernel's UAPI headers (PF_KEY, XFRM netlink), from Debian's
# linux-libc-dev(-ARCH-cross): musl has none of its own.
if [ ! -e "$DIR/.kernel-headers" ]; then
	step "kernel headers"
	if [ "$T" = x86_64 ]; then
		kh="/usr/include/linux /usr/include/asm-generic \
		    /usr/include/$TRIPLE/asm"
	else
		kh="/usr/$TRIPLE/include/linux /usr/$TRIPLE/include/asm-generic \
		    /usr/$TRIPLE/include/asm"
	fi
	for d in $kh; do
		[ -d "$d" ] || { echo "cross: $d missing: run" \
		    "scripts/cross-deps.sh $T" >&2; exit 1; }
		rm -rf "$SYS/include/$(basename "$d")"
		cp -r "$d" "$SYS/include/"
	done
	touch "$DIR/.kernel-headers"
fi

# BearSSL: its own makefile, the library only.
if [ ! -e "$DIR/.bearssl" ]; then
	step "BearSSL"
	rm -rf "$DIR/bearssl"
	nice -n 19 make -s -C "$SRC/bearssl" -j$J BUILD="$DIR/bearssl" \
	    CONF=Unix CC="$XCC $SPECS" CFLAGS="$LFLAGS -W -Wall" \
	    AR="$TRIPLE-ar" "$DIR/bearssl/libbearssl.a" >/dev/null
	cp "$DIR/bearssl/libbearssl.a" "$SYS/lib/"
	cp "$SRC/bearssl/inc/"*.h "$SYS/include/"
	touch "$DIR/.bearssl"
fi

# libuv: its CMake build, the static library only.
if [ ! -e "$DIR/.libuv" ]; then
	step "libuv"
	rm -rf "$DIR/libuv"
	cmake -S "$SRC/libuv1" -B "$DIR/libuv" -DCMAKE_SYSTEM_NAME=Linux \
	    -DCMAKE_SYSTEM_PROCESSOR="${TRIPLE%%-*}" \
	    -DCMAKE_C_COMPILER="$XCC" -DCMAKE_AR="$(command -v $TRIPLE-ar)" \
	    -DCMAKE_C_FLAGS="$SPECS $LFLAGS" -DCMAKE_BUILD_TYPE=None \
	    -DCMAKE_EXE_LINKER_FLAGS="-static -no-pie" \
	    -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF \
	    -DBUILD_TESTING=OFF >/dev/null
	nice -n 19 cmake --build "$DIR/libuv" --target uv_a -j $J >/dev/null
	cp "$DIR/libuv/libuv_a.a" "$SYS/lib/"
	cp -r "$SRC/libuv1/include/"* "$SYS/include/"
	touch "$DIR/.libuv"
fi

# inih: one file, built with the defaults Debian's package uses.
if [ ! -e "$DIR/.inih" ]; then
	step "inih"
	mkdir -p "$DIR/inih"
	$XCC $SPECS $LFLAGS -c "$SRC/libinih/ini.c" -o "$DIR/inih/ini.o"
	rm -f "$SYS/lib/libinih.a"
	$TRIPLE-ar rcs "$SYS/lib/libinih.a" "$DIR/inih/ini.o"
	cp "$SRC/libinih/ini.h" "$SYS/include/"
	touch "$DIR/.inih"
fi

# Soft-float targets: Debian's MIPS libgcc is hard-float (its __adddf3 is
# an add.d, a SIGILL on a 24Kc).  The few double operations musl's printf
# and libuv make go to glibc's soft-fp routines instead, built -msoft-float
# and linked ahead of libgcc.  Single and double precision only: on o32,
# long double is a double.
SOFTFP=
if [ "$FLOAT" = soft ]; then
	# libc and soft-fp as one group, so that libc's own calls find
	# soft-fp before libgcc.  libgcc's integer helpers (__udivdi3, ...)
	# and crtbegin/crtend carry a hard-float tag but no FPU instruction:
	# --no-warn-mismatch quiets the linker about them; the FPU scan of
	# t/cross.sh is the guard.
	SOFTFP="-Wl,--start-group -lc -lsoftfp -Wl,--end-group -Wl,--no-warn-mismatch"
	if [ ! -e "$DIR/.softfp" ]; then
		step "soft-fp"
		[ -e "$SRC/glibc/.unpacked" ] || {
			echo "cross: $SRC/glibc missing: run scripts/cross-deps.sh $T" >&2
			exit 1; }
		rm -rf "$DIR/softfp" && mkdir -p "$DIR/softfp"
		for f in "$SRC"/glibc/soft-fp/*.c; do
			b=$(basename "$f" .c)
			case $b in *tf*|*hf*|*xf*|*ti*|testit) continue ;; esac
			case $b in *df*|*sf*) ;; *) continue ;; esac
			$XCC $SPECS $LFLAGS -O2 -c "$f" -o "$DIR/softfp/$b.o" \
			    -I"$SRC/glibc/sysdeps/mips/mips32" \
			    -I"$SRC/glibc/soft-fp" -I"$SRC/glibc/stdlib" \
			    -include endian.h -w \
			    '-Dstrong_alias(a,b)=extern __typeof(a) b __attribute__((alias(#a)));'
		done
		rm -f "$SYS/lib/libsoftfp.a"
		$TRIPLE-ar rcs "$SYS/lib/libsoftfp.a" "$DIR/softfp/"*.o
		touch "$DIR/.softfp"
	fi
fi

cat > "$DIR/env.mk.tmp" <<EOF
# written by scripts/cross.sh $T
XTRIPLE  = $TRIPLE
XCC      = $XCC $SPECS
XCFLAGS  = $LFLAGS -I$SYS/include
XLDFLAGS = -static -no-pie -L$SYS/lib
XLIBS    = -lbearssl -linih -l:libuv_a.a $SOFTFP
XQEMU    = $QEMU
XFLOAT   = $FLOAT
EOF
# Replaced only when it changes: the objects depend on it.
if cmp -s "$DIR/env.mk.tmp" "$DIR/env.mk"; then
	rm -f "$DIR/env.mk.tmp"
else
	mv "$DIR/env.mk.tmp" "$DIR/env.mk"
fi
exit 0
}
