#!/bin/sh
# deps.sh - install what building (and, with "test", testing) ikebox needs
# on Debian, when it is missing.  Idempotent; needs root only when something
# is missing.  usage: scripts/deps.sh build|test|uml|fuzz
set -u
BUILD_PKGS="gcc make libc6-dev libbearssl-dev libuv1-dev libinih-dev"
# man lint; JSON checks in t/sh and t/uml; ip netns; valgrind: the
# constant-time check of crypto/p256_64.c (t/sh/ct_check.sh, make ct-check)
TEST_PKGS="mandoc python3 iproute2 valgrind"
# strongswan-charon only recommends its plugin packages, and
# --no-install-recommends leaves them out: the standard plugins have openssl
# (ECP groups, X25519) and gcm (AES-GCM), the extra plugins curve25519 and
# chapoly.  The interop suite needs them (t/uml/charon-check.sh checks).
# iptables (iptables-legacy) and conntrack: the nat suite's router
UML_PKGS="user-mode-linux kmod iproute2 iputils-ping procps strongswan-charon strongswan-swanctl
	libstrongswan-standard-plugins libstrongswan-extra-plugins iptables conntrack"
FUZZ_PKGS="clang-14 libclang-rt-14-dev"	# libFuzzer, ASan/UBSan runtimes (make fuzz)

want=$BUILD_PKGS
case "${1:-build}" in
test) want="$want $TEST_PKGS" ;;
uml) want="$want $TEST_PKGS $UML_PKGS" ;;
fuzz) want="$want $FUZZ_PKGS" ;;
esac

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing:$missing"
apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $missing >/dev/null
