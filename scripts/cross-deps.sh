#!/bin/sh
# cross-deps.sh - what `make CROSS=TARGET` and `make check-cross` need on
# Debian: the cross compilers, qemu-user-static, dpkg-dev and cmake from the
# archive, deb-src entries, and the source packages of musl, BearSSL, libuv,
# inih (and, for the soft-float MIPS targets, glibc's soft-fp routines),
# unpacked under build/cross/src.  Idempotent: a second run installs and
# downloads nothing.  Needs root only when a package or deb-src entry is
# missing.   usage: scripts/cross-deps.sh [TARGET...]
set -eu
cd "$(dirname "$0")/.."
SRC=build/cross/src

# Debian 12's sources, except inih: bookworm's libinih source is missing from
# the archive (404), trixie's (59) is there.
SRC_PKGS="musl/bookworm bearssl/bookworm libuv1/bookworm libinih/trixie"
SF_SRC_PKGS="glibc/bookworm"	# soft-fp/, for the soft-float targets

pkgs="make dpkg-dev cmake qemu-user-static"
sf=
for t in "${@:-x86_64 aarch64 armhf mipsel-sf mips-sf}"; do
	for t1 in $t; do
		case $t1 in
		x86_64) pkgs="$pkgs gcc linux-libc-dev" ;;
		aarch64) pkgs="$pkgs gcc-aarch64-linux-gnu linux-libc-dev-arm64-cross" ;;
		armhf) pkgs="$pkgs gcc-arm-linux-gnueabihf linux-libc-dev-armhf-cross" ;;
		mipsel-sf) pkgs="$pkgs gcc-mipsel-linux-gnu linux-libc-dev-mipsel-cross"; sf=1 ;;
		mips-sf) pkgs="$pkgs gcc-mips-linux-gnu linux-libc-dev-mips-cross"; sf=1 ;;
		*) echo "cross-deps: unknown target '$t1'" \
		    "(x86_64 aarch64 armhf mipsel-sf mips-sf)" >&2; exit 2 ;;
		esac
	done
done

need_root() {
	[ "$(id -u)" = 0 ] && return 0
	echo "cross-deps: $1 (run as root)" >&2
	exit 1
}

# deb-src entries, bookworm and trixie (source only: nothing installed from
# trixie).
list=/etc/apt/sources.list.d/ikebox-src.sources
updated=
if ! grep -qs '^Types: deb-src' $list; then
	need_root "no deb-src entries"
	cat > $list <<'EOF'
# Added by ikebox's scripts/cross-deps.sh: source packages for make CROSS=...
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt-get update -qq
	updated=1
fi

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	need_root "missing Debian packages:$missing"
	echo "cross-deps: installing:$missing"
	[ -n "$updated" ] || apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
	    install -y -qq --no-install-recommends $missing >/dev/null
fi

# Source packages: download once, unpack (Debian's patches applied) into
# build/cross/src/NAME.
mkdir -p $SRC
want=$SRC_PKGS
[ -z "$sf" ] || want="$want $SF_SRC_PKGS"
for sp in $want; do
	name=${sp%/*}
	[ -e "$SRC/$name/.unpacked" ] && continue
	echo "cross-deps: apt-get source $sp"
	(cd $SRC && apt-get source --download-only -qq "$sp" 2>&1 |
	    grep -v 'unsandboxed' || true)
	dsc=$(ls -t $SRC/${name}_*.dsc | head -n 1)
	rm -rf "$SRC/$name"
	if [ "$name" = glibc ]; then
		# Only soft-fp/ and the MIPS machine header are used: no
		# full unpack of glibc.
		orig=$(ls $SRC/glibc_*.orig.tar.xz | head -n 1)
		mkdir -p "$SRC/$name"
		tar -xJf "$orig" -C "$SRC/$name" --strip-components=1 \
		    --wildcards '*/soft-fp/*' '*/stdlib/longlong.h' \
		    '*/sysdeps/mips/mips32/sfp-machine.h'
	else
		dpkg-source -x --no-check -q "$dsc" "$SRC/$name" >/dev/null
	fi
	touch "$SRC/$name/.unpacked"
done
