#!/bin/sh
# strongswan-lt.sh - strongSwan's charon with its load-tester plugin, for
# `make bench-peer` (bench/peer.sh).  Debian does not ship load-tester
# (it "allows an attacker to authenticate as any user"), so this builds
# it from Debian's source package of this release: deb-src entries when
# missing, `apt-get build-dep strongswan`, `apt-get source strongswan`,
# configure with the flags of Debian's debian/rules plus
# --enable-load-tester, then build only libstrongswan, libcharon, charon
# and the plugins the bench loads (PLUGINS below), installed into a private
# prefix, build/strongswan-lt/inst (gitignored).  The system's strongswan
# (the UML suites' charon) is left alone.  A second run finds the stamp
# and does nothing.  Needs root only for a missing deb-src entry or
# package.   usage: scripts/strongswan-lt.sh   (prints charon's path last)
set -eu
cd "$(dirname "$0")/.."
C=$(pwd)/build/strongswan-lt
P=$C/inst
STAMP=$P/.built

if [ -f "$STAMP" ]; then
	echo "$P/lib/ipsec/charon"
	exit 0
fi
need_root() {
	[ "$(id -u)" = 0 ] && return 0
	echo "strongswan-lt: $1 (run as root)" >&2
	exit 1
}
. /etc/os-release
SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}

# deb-src entries for this release (Debian 12 and 13 write deb822
# .sources files; a separate file leaves the distribution's own alone).
if ! apt-get source -qq --print-uris "strongswan/$SUITE" >/dev/null 2>&1
then
	need_root "no deb-src entry for $SUITE"
	cat > /etc/apt/sources.list.d/ikebox-strongswan-src.sources <<EOF
# Added by ikebox's scripts/strongswan-lt.sh: strongSwan's source package.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt-get update -qq
fi
if ! dpkg-query -W -f='${Status}' dpkg-dev 2>/dev/null |
    grep -q 'install ok installed' ||
    apt-get build-dep -s "strongswan/$SUITE" 2>/dev/null | grep -q '^Inst '
then
	need_root "strongswan's build dependencies are missing"
	echo "strongswan-lt: apt-get build-dep strongswan/$SUITE"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends dpkg-dev >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq \
	    "strongswan/$SUITE" >/dev/null
fi

mkdir -p "$C"
if [ ! -f "$C/src/debian/rules" ]; then
	rm -rf "$C/src" "$C"/strongswan_*
	(cd "$C" && apt-get source -qq --download-only "strongswan/$SUITE" &&
	    dpkg-source -q -x strongswan_*.dsc src) >/dev/null 2>&1
fi
VER=$(dpkg-parsechangelog -l "$C/src/debian/changelog" -S Version)
echo "strongswan-lt: building strongSwan $VER ($SUITE's source package)" \
    "with load-tester into $P"

cd "$C/src"
if [ ! -f config.status ]; then
	# Debian's own configure arguments, as debian/rules computes them for
	# this architecture, with the paths moved under the private prefix.
	printf 'print-args:\n\t@echo $(CONFIGUREARGS)\n' > ../args.mk
	ARGS=$(make -s -f debian/rules -f ../args.mk print-args |
	    sed 's|--libdir=[^ ]*||; s|--libexecdir=[^ ]*||')
	eval "$(dpkg-buildflags --export=sh)"
	# shellcheck disable=SC2086
	./configure -q --prefix="$P" --sysconfdir="$P/etc" \
	    --localstatedir="$P/var" --libdir="$P/lib" --libexecdir="$P/lib" \
	    --with-piddir="$C/run" \
	    --with-systemdsystemunitdir="$P/lib/systemd/system" \
	    $ARGS --enable-load-tester >../configure.log 2>&1 || {
		tail -20 ../configure.log >&2
		exit 1
	}
fi

# libstrongswan's and libcharon's plugins the bench loads (bench/peer.sh
# PLUGINS); the rest of Debian's set is configured but not built.
LS=". plugins/aesni plugins/random plugins/nonce plugins/openssl plugins/kdf
	plugins/hmac plugins/sha1 plugins/sha2 plugins/aes plugins/gmp plugins/curve25519
	plugins/pem plugins/pkcs1 plugins/pubkey plugins/x509"
LC=". plugins/load_tester plugins/socket_default plugins/kernel_netlink"
LS=$(echo $LS)	# one line: make puts SUBDIRS in a shell loop
{
	make -j2 -C src/libstrongswan SUBDIRS="$LS" &&
	make -j2 -C src/libcharon SUBDIRS="$LC" &&
	make -j2 -C src/charon &&
	make -C src/libstrongswan SUBDIRS="$LS" install &&
	make -C src/libcharon SUBDIRS="$LC" install &&
	make -C src/charon install
} >../build.log 2>&1 || {
	tail -20 ../build.log >&2
	exit 1
}
mkdir -p "$C/run"
echo "$VER" > "$STAMP"
echo "$P/lib/ipsec/charon"
